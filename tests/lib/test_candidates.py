"""Reasons only where they can change the decision (issue 14 item 3): explaining candidates in order of
their ceiling and stopping at a final cut gives exactly the contacts that explaining everyone gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stages.lib.decision.candidates import ceiling, decide_within_reach, explanation_queue, first_actions
from stages.lib.decision.offers import decide_with, listing
from stages.lib.settings import Budget, Offer
from tests.segment_frames import decision_settings

TYPICAL = {"pages_per_visit": 8.0, "unpaid_items_quarter": 3.0, "minutes_current": 13.0}  # the medians reasons use
CATALOGUE = [
    Offer(name="cheap", description="an offer", targets=["pages_per_visit:low"], cost=0.02, effect=0.05),
    Offer(name="strong", description="an offer", targets=["unpaid_items_quarter:high"], cost=0.3, effect=0.2),
]


def month(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` customers (every column the list needs) and SHAP values that make one of two reasons the strongest."""
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "probability": rng.random(n).round(4),
            "profit": rng.uniform(0.5, 8, n).round(2),
            "segment": "x",
            "favourite_category": "home",
            "allows_offers": rng.choice(["yes", "no"], n, p=[0.8, 0.2]),
            "regular": rng.random(n) < 0.95,
            "flags": "",
            "pages_per_visit": rng.integers(1, 12, n),  # TYPICAL median 8: mostly "low"
            "unpaid_items_quarter": rng.integers(1, 9, n),  # median 3: mostly "high"
        }
    )
    pages_first = rng.random(n) < 0.5
    shap = pd.DataFrame(
        {
            "id": customers["id"],
            "shap_base_value": 0.3,
            "shap_pages_per_visit": np.where(pages_first, 0.2, 0.05),
            "shap_unpaid_items_quarter": np.where(pages_first, 0.05, 0.2),
        }
    )
    return customers, shap


def lazily(customers, shap, settings, batch=7, at_most=10_000):
    asked = []
    compact = customers.assign(ceiling=ceiling(customers, TYPICAL, settings.offers.catalogue))

    def explain(ids):
        asked.append(len(ids))
        rows = customers[customers["id"].isin(ids)].reset_index(drop=True)
        return rows, shap[shap["id"].isin(ids)].reset_index(drop=True)

    left_out = pd.DataFrame({"id": [], "profit": [], "not_scored_reason": []})
    queue = explanation_queue(compact)
    plan = decide_within_reach(compact, queue, left_out, TYPICAL, settings, batch, at_most, "test")
    ids = next(plan)
    while True:  # what io's `answered` does: lib asks for ids, the caller explains them
        try:
            ids = plan.send(explain(ids))
        except StopIteration as finished:
            return finished.value, sum(asked)


@pytest.mark.parametrize("share", [0.0, 0.2])
@pytest.mark.parametrize("budget", [Budget(contacts=12, money=None), Budget(contacts=None, money=1.5)])
def test_the_contacts_are_exactly_those_of_explaining_everyone(budget, share):
    """With or without a control group: the same contacts, the same customers held out, the same order."""
    customers, shap = month(300, seed=3)
    settings = decision_settings(CATALOGUE, budget, 0.01, control_share=share)
    everyone = decide_with(settings, listing(customers), customers, shap, TYPICAL, "test")
    decision, explained = lazily(customers, shap, settings)
    contacts = ["id", "offer", "expected_value", "priority", "action"]
    chosen = ["contact", "control"]
    full = everyone.actions[everyone.actions["action"].isin(chosen)][contacts].reset_index(drop=True)
    lazy = decision.actions[decision.actions["action"].isin(chosen)][contacts].reset_index(drop=True)
    pd.testing.assert_frame_equal(lazy, full)
    assert (full["action"] == "control").any() == (share > 0)
    assert explained < 150  # far fewer than the ~230 candidates
    assert decision.summary["customers"] == len(customers) and decision.summary["reasons"]["complete"]
    assert sum(decision.summary["actions"].values()) == len(customers)
    assert decision.summary["excluded_for_consent"] == everyone.summary["excluded_for_consent"]


def test_without_a_budget_everyone_who_could_be_worth_it_is_explained_up_to_the_cap():
    customers, shap = month(120, seed=4)
    settings = decision_settings(CATALOGUE, Budget(contacts=None, money=None), 0.01)
    ceilings = ceiling(customers, TYPICAL, CATALOGUE)
    candidates = int(((ceilings > 0) & customers["regular"] & (customers["allows_offers"] == "yes")).sum())
    decision, explained = lazily(customers, shap, settings)
    assert explained == candidates and decision.summary["reasons"] == {"explained": candidates, "complete": True}
    capped, explained = lazily(customers, shap, settings, batch=5, at_most=20)
    assert explained == 20 and capped.summary["reasons"] == {"explained": 20, "complete": False}
    assert capped.summary["actions"]["not_explained"] == candidates - 20  # not provably below the cut
    assert capped.summary["actions"]["below_cut"] == 0


def test_nobody_below_the_cut_could_have_beaten_the_last_contact():
    customers, shap = month(300, seed=5)
    settings = decision_settings(CATALOGUE, Budget(contacts=10, money=None), 0.01)
    decision, _ = lazily(customers, shap, settings)
    listed = set(decision.actions["id"])
    candidates = customers["regular"] & (customers["allows_offers"] == "yes")
    below = customers[candidates & ~customers["id"].isin(listed)]
    ceilings = ceiling(below, TYPICAL, CATALOGUE)
    assert decision.summary["actions"]["below_cut"] == (ceilings > 0).sum() > 100
    best_below = ceilings.max()
    last_contact = decision.actions.loc[decision.actions["action"] == "contact", "expected_value"].min()
    assert best_below < last_contact


def test_a_customer_no_offer_could_target_gets_no_offer_without_being_explained():
    customers, shap = month(300, seed=6)
    compact = customers.assign(ceiling=ceiling(customers, TYPICAL, CATALOGUE))
    first = pd.Series(first_actions(compact), index=customers["id"])
    untargeted = (customers["pages_per_visit"] >= 8) & (customers["unpaid_items_quarter"] < 3)
    candidates = customers["regular"] & (customers["allows_offers"] == "yes")
    assert (first[(untargeted & candidates).to_numpy()] == "no_offer").all() and (untargeted & candidates).sum() > 5
    everyone = decide_with(
        decision_settings(CATALOGUE, Budget(contacts=None, money=None), 0.01),
        listing(customers),
        customers,
        shap,
        TYPICAL,
        "test",
    )
    full = everyone.actions.set_index("id")["action"]
    assert (full[first[first == "no_offer"].index] == "no_offer").all()


def test_a_cut_tied_with_the_next_unexplained_ceiling_is_not_final():
    """An unexplained customer whose ceiling equals the best left-out expected value could still take a contact
    (ties go by id), so the cut is final only when the left-out value is strictly above every such ceiling."""
    from stages.lib.decision.candidates import cut_is_final

    actions = pd.DataFrame({"action": ["contact", "over_budget", "over_budget"], "expected_value": [0.9, 0.5, 0.3]})
    assert cut_is_final(actions, 0.49) and not cut_is_final(actions, 0.5) and not cut_is_final(actions, 0.7)
    assert not cut_is_final(actions.assign(action="contact"), 0.0)  # nobody left out: nothing to settle
