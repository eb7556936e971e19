"""The action list on tiny frames: one offer per customer, expected value, consent and the budget cut."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stages.lib.decision.offers import (
    COLUMNS,
    decide_with,
    describe,
    expected_value,
    listing,
    risk_band,
    strongest_reasons,
)
from stages.lib.schema import ID, NUMERIC_FEATURES, PROFIT
from stages.lib.settings import Budget, Offer
from stages.lib.words import Words
from tests.segment_frames import decision_settings

CATALOGUE = [
    Offer(name="recommend", description="picks", targets=["pages_per_visit:low"], cost=0.1, effect=0.2),
    Offer(name="cart", description="reminder", targets=["unpaid_items_quarter:high"], cost=0.5, effect=0.3),
    Offer(name="promo", description="code", targets=["pages_per_visit:low"], cost=0.2, effect=0.4),
]
TYPICAL = {"pages_per_visit": 8.0, "unpaid_items_quarter": 3.0, "minutes_current": 13.0}
NO_LIMIT = Budget(contacts=None, money=None)
UNLIMITED = decision_settings(CATALOGUE, NO_LIMIT, min_reason_shap=0.005)


EN = Words("en")


def customers(consent=("yes", "yes", "no", "yes")) -> pd.DataFrame:
    n = len(consent)
    return pd.DataFrame(
        {
            ID: np.arange(1, n + 1),
            "probability": [0.9, 0.8, 0.95, 0.5][:n],
            PROFIT: [5.0, 4.0, 6.0, 2.0][:n],
            "segment": "high_risk_high_profit",
            "favourite_category": "kitchenware",
            "allows_offers": list(consent),
            "pages_per_visit": [2, 10, 2, 3][:n],
            "unpaid_items_quarter": [1, 7, 8, 1][:n],
            "minutes_current": [5, 20, 6, 30][:n],
        }
    )


def shap(frame: pd.DataFrame) -> pd.DataFrame:
    """Customer 1: pages strongest; 2: unpaid items; 3: pages; 4: only minutes (no offer targets it)."""
    return pd.DataFrame(
        {
            ID: frame[ID],
            "shap_base_value": 0.4,
            "shap_pages_per_visit": [0.3, -0.1, 0.2, 0.0][: len(frame)],
            "shap_unpaid_items_quarter": [0.05, 0.2, 0.1, 0.0][: len(frame)],
            "shap_minutes_current": [0.1, 0.0, 0.0, 0.2][: len(frame)],
        }
    )


def run(frame: pd.DataFrame, budget: Budget = NO_LIMIT, high_risk: float = 0.7):
    return decide_with(
        decision_settings(CATALOGUE, budget, 0.005, high_risk), listing(frame), frame, shap(frame), TYPICAL, "test"
    )


def row(actions: pd.DataFrame, customer: int) -> pd.Series:
    return actions.set_index(ID).loc[customer]


def test_the_strongest_targeted_reason_picks_the_offer_with_the_highest_expected_value():
    actions = run(customers()).actions
    first = row(actions, 1)
    # pages_per_visit is low and strongest; two offers target it: promo saves 0.9*5*0.4-0.2 = 1.6 > 0.8
    assert first["offer"] == "promo" and first["expected_value"] == pytest.approx(0.9 * 5 * 0.4 - 0.2)
    assert first["offer_reason"].startswith("low pages viewed per visit (2; typical 8)")
    assert row(actions, 2)["offer"] == "cart"
    assert row(actions, 4)["action"] == "no_offer" and row(actions, 4)["offer"] == ""


def test_the_offer_that_pays_is_found_among_every_listed_reason_not_only_the_first():
    """Issue 21's case (id 215530: +0.086 for the second reason's offer vs -0.023 for the first's): the strongest
    reason's offer does not pay, a weaker reason's does; the customer gets the one that pays."""
    frame = customers(("yes",)).assign(probability=0.8, profit=1.0, pages_per_visit=2, unpaid_items_quarter=8)
    values = shap(frame).assign(shap_unpaid_items_quarter=0.3, shap_pages_per_visit=0.1, shap_minutes_current=0.0)
    customer = row(decide_with(UNLIMITED, listing(frame), frame, values, TYPICAL, "test").actions, 1)
    # cart (for unpaid items, the strongest reason): 0.8*1*0.3-0.5 < 0; promo (for pages): 0.8*1*0.4-0.2 > 0
    assert customer["offer"] == "promo" and customer["action"] == "contact"
    assert customer["expected_value"] == pytest.approx(0.8 * 1.0 * 0.4 - 0.2)
    assert customer["offer_reason"].startswith("low pages viewed per visit")
    frame = frame.assign(profit=0.2)  # no offer pays now: not worth contacting; the list shows the least loss
    customer = row(decide_with(UNLIMITED, listing(frame), frame, values, TYPICAL, "test").actions, 1)
    assert customer["action"] == "not_worth" and customer["offer"] == "recommend"  # 0.8*0.2*0.2-0.1 = -0.068


def test_expected_value_is_probability_times_profit_times_effect_minus_cost():
    assert expected_value(0.5, 4.0, CATALOGUE[1]) == pytest.approx(0.5 * 4.0 * 0.3 - 0.5)


def test_a_customer_without_consent_is_never_offered_a_contact_and_says_why():
    actions = run(customers()).actions
    third = row(actions, 3)
    assert third["action"] == "no_consent" and third["offer"] == "" and np.isnan(third["expected_value"])
    assert "did not agree" in third["note"]
    assert not ((actions["allows_offers"] != "yes") & (actions["offer"] != "")).any()


def test_unknown_consent_is_no_consent_with_its_own_note():
    actions = run(customers(consent=("yes", "", "no", "yes"))).actions
    assert row(actions, 2)["action"] == "no_consent" and "unknown" in row(actions, 2)["note"]


def test_the_list_is_sorted_by_priority_contacts_by_expected_value_first():
    actions = run(customers()).actions
    assert list(actions.columns) == list(COLUMNS)
    assert list(actions["priority"]) == [1, 2, 3, 4]
    contacts = actions[actions["action"] == "contact"]
    assert list(contacts[ID]) == [1, 2] and contacts["expected_value"].is_monotonic_decreasing
    assert list(actions["action"]) == ["contact", "contact", "no_offer", "no_consent"]


@pytest.mark.parametrize("budget", [Budget(contacts=1, money=None), Budget(contacts=None, money=0.3)])
def test_a_budget_keeps_the_highest_expected_values_and_reports_what_it_leaves(budget):
    decision = run(customers(), budget)
    actions, summary = decision.actions, decision.summary
    assert row(actions, 1)["action"] == "contact" and row(actions, 2)["action"] == "over_budget"
    assert summary["contacted"] == 1 and summary["over_budget"] == 1
    assert summary["expected_value"] == pytest.approx(row(actions, 1)["expected_value"])
    assert summary["expected_value_over_budget"] == pytest.approx(row(actions, 2)["expected_value"])
    assert summary["excluded_for_consent"] == 1
    offers = decision.offers.set_index("offer")
    assert offers.loc["promo", "contacted"] == 1 and offers.loc["cart", "over_budget"] == 1


def test_an_offer_that_costs_more_than_it_saves_is_not_worth_a_contact():
    frame = customers()
    frame.loc[frame[ID] == 2, PROFIT] = 0.5  # 0.8 * 0.5 * 0.3 - 0.5 < 0
    assert row(run(frame).actions, 2)["action"] == "not_worth"


def test_risk_band_follows_the_high_risk_threshold():
    actions = run(customers(), high_risk=0.85).actions
    assert row(actions, 1)["risk_band"] == "high" and row(actions, 2)["risk_band"] == "low"


def test_an_imputed_cell_is_never_told_as_a_reason():
    frame = customers()
    frame["pages_per_visit"] = frame["pages_per_visit"].astype(float)
    frame.loc[0, "pages_per_visit"] = np.nan
    reasons = strongest_reasons(listing(frame), frame, shap(frame), TYPICAL, 0.005, EN)
    assert "pages" not in reasons.loc[0, "reason_1"] and "pages_per_visit:low" not in reasons.loc[0, "reason_keys"]


def test_customers_not_regular_or_not_scored_are_listed_with_the_reason():
    frame = customers().assign(regular=[True, True, True, False])
    left_out = pd.DataFrame({ID: [99], PROFIT: [3.0], "not_scored_reason": ["every_month"]})
    decision = decide_with(UNLIMITED, listing(frame, left_out), frame, shap(frame), TYPICAL, "test")
    actions = decision.actions
    assert row(actions, 4)["action"] == "not_regular" and row(actions, 4)["offer"] == ""
    assert row(actions, 99)["action"] == "not_scored" and "extreme" in row(actions, 99)["note"]
    assert list(actions[ID])[-2:] == [4, 99]


def test_describe_compares_numbers_with_the_median():
    medians = pd.Series({"pages_per_visit": 7.0})
    assert describe("pages_per_visit", 2, medians, EN) == "low pages viewed per visit (2; typical 7)"
    assert describe("pages_per_visit", 8, medians, EN) == "high pages viewed per visit (8; typical 7)"
    assert describe("pages_per_visit", 7, medians, EN) == "typical pages viewed per visit (7)"  # the median itself
    # the shop's own label, as it writes it, in either language
    assert describe("favourite_category", "kids_goods", medians, EN) == "favourite category: Товары для детей"
    ru = Words("ru")
    assert describe("pages_per_visit", 2.5, medians, ru) == "страницы за визит: ниже обычного (2,5; обычно 7)"
    assert describe("pages_per_visit", 7, medians, ru) == "страницы за визит: как обычно (7)"


def test_reasons_name_only_features_that_raise_the_risk():
    scored = pd.DataFrame(
        {
            ID: [1, 2],
            "pages_per_visit": [2, 12],
            "promo_purchase_share": [0.9, 0.1],
            "favourite_category": ["kids_goods", "kitchenware"],
        }
    )
    for feature in [
        "marketing_contacts_6m",
        "marketing_contacts_current",
        "days_registered",
        "categories_per_visit",
        "unpaid_items_quarter",
        "service_errors",
        "revenue_current",
        "revenue_previous",
        "revenue_before_previous",
        "minutes_current",
        "minutes_previous",
    ]:
        scored[feature] = [1, 1]
    shap_values = pd.DataFrame(
        {
            ID: [1, 2],
            "shap_base_value": [0.4, 0.4],
            "shap_pages_per_visit": [0.2, -0.1],
            "shap_promo_purchase_share": [0.1, -0.05],
            "shap_favourite_category": [0.05, 0.0],
        }
    )
    medians = scored[NUMERIC_FEATURES].median().to_dict()
    reasons = strongest_reasons(scored, scored, shap_values, medians, 0.01, EN)[["reason_1", "reason_2", "reason_3"]]
    assert reasons.iloc[0].tolist() == [
        "low pages viewed per visit (2; typical 7)",
        "high share of purchases bought on promotion (0.9; typical 0.5)",
        "favourite category: Товары для детей",
    ]
    assert reasons.iloc[1].tolist() == ["", "", ""]


def test_the_risk_band_reads_the_high_risk_threshold_inclusively():
    assert risk_band(pd.Series([0.69, 0.7, 0.9]), 0.7).tolist() == ["low", "high", "high"]
