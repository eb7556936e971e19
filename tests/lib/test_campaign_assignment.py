"""The control group: a keyed draw per customer, held out per offer, and a budget that counts contacts only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stages.lib.campaign.assignment import control_members, control_size, draws
from stages.lib.campaign.power import detectable_effect
from stages.lib.decision.offers import Control, apply_budget, offer_summary
from stages.lib.settings import Budget, Offer
from stages.lib.words import Words

CATALOGUE = [
    Offer(name="a", description="x", targets=["pages_per_visit:low"], cost=0.1, effect=0.2),
    Offer(name="b", description="x", targets=["service_errors:high"], cost=0.5, effect=0.3),
]


def candidates(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    offer = rng.choice(["a", "b"], n, p=[0.8, 0.2])
    return pd.DataFrame(
        {
            "id": rng.permutation(np.arange(10_000, 10_000 + n)),
            "offer": offer,
            "offer_cost": np.where(offer == "a", 0.1, 0.5),
            "expected_value": rng.uniform(0.01, 3, n).round(3),
            "probability": rng.uniform(0.3, 0.95, n),
            "action": "contact",
        }
    )


def test_a_customers_draw_depends_on_the_campaign_and_the_id_only():
    ids = np.arange(1, 50_001)
    first = draws("2026-09", ids, 42)
    assert np.array_equal(draws("2026-09", ids[::-1], 42), first[::-1])  # any order, any batch
    assert np.array_equal(np.concatenate([draws("2026-09", ids[:7], 42), draws("2026-09", ids[7:], 42)]), first)
    assert np.mean(draws("2026-10", ids, 42) == first) < 0.001 and np.mean(draws("2026-09", ids, 43) == first) < 0.001
    assert stats.kstest(first, "uniform").pvalue > 0.01 and first.min() >= 0 and first.max() < 1


def test_control_size_holds_out_the_share_rounded_at_least_one_never_half_more():
    assert control_size([0, 1, 2, 9, 10, 14, 15, 100], 0.1).tolist() == [0, 0, 1, 1, 1, 1, 2, 10]
    assert control_size([3, 4, 5], 0.5).tolist() == [1, 2, 2]
    assert control_size([50], 0.0).tolist() == [0]


@pytest.mark.parametrize("budget", [Budget(contacts=40, money=None), Budget(contacts=None, money=9.0)])
def test_the_budget_counts_contacts_only_and_every_offer_gets_its_control_group(budget):
    table = candidates(400, seed=1)
    decided = apply_budget(table, budget, Control(0.1, "2026-09", 42))
    contacted, held = decided[decided["action"] == "contact"], decided[decided["action"] == "control"]
    if budget.contacts is not None:
        assert len(contacted) == budget.contacts
    else:
        assert contacted["offer_cost"].sum() <= budget.money + 1e-9
        assert contacted["offer_cost"].sum() + 0.5 > budget.money  # no room for one more contact of any offer
    chosen = decided[decided["action"].isin(["contact", "control"])]
    ranked = table.sort_values(["expected_value", "id"], ascending=[False, True])
    assert set(chosen.index) == set(ranked.index[: len(chosen)])  # the selection is a prefix of the ranking
    for offer, group in chosen.groupby("offer"):
        assert (group["action"] == "control").sum() == control_size(len(group), 0.1) >= 1, offer
        ranked_draws = draws("2026-09", group["id"], 42)
        held_draws = ranked_draws[(group["action"] == "control").to_numpy()]
        assert held_draws.max() < ranked_draws[(group["action"] == "contact").to_numpy()].min()
    assert len(held) >= 2


def test_the_control_group_does_not_depend_on_row_order():
    table = candidates(300, seed=2)
    control = Control(0.1, "2026-09", 42)
    first = apply_budget(table, Budget(contacts=60, money=None), control).set_index("id")["action"]
    shuffled = table.sample(frac=1, random_state=5)
    again = apply_budget(shuffled, Budget(contacts=60, money=None), control).set_index("id")["action"]
    pd.testing.assert_series_equal(first.sort_index(), again.sort_index())


def test_the_held_out_customers_look_like_the_contacted_ones():
    """Randomised within each offer: over many campaigns, control and treated differ only by chance."""
    table = candidates(5000, seed=3)
    gaps = []
    for label in range(40):
        decided = apply_budget(table, Budget(contacts=None, money=None), Control(0.1, f"m{label}", 42))
        mine = decided[decided["offer"] == "a"]
        gaps.append(
            mine.loc[mine["action"] == "control", "probability"].mean()
            - mine.loc[mine["action"] == "contact", "probability"].mean()
        )
    assert abs(np.mean(gaps)) < 3 * np.std(gaps) / np.sqrt(len(gaps))


def test_control_members_are_chosen_per_offer_by_the_smallest_draws():
    table = candidates(50, seed=4)
    held = control_members(table, 0.2, "x", 1)
    for _, group in table.groupby("offer"):
        wanted = group.assign(d=draws("x", group["id"], 1)).nsmallest(int(control_size(len(group), 0.2)), "d").index
        assert set(wanted) <= set(held)


def test_the_offer_table_says_what_this_month_can_measure():
    table = candidates(2000, seed=5)
    decided = apply_budget(table, Budget(contacts=None, money=None), Control(0.1, "m", 42))
    offers = offer_summary(decided, CATALOGUE, Words("en")).set_index("offer")
    selected = decided[decided["offer"] == "a"]
    assert offers.loc["a", "contacted"] + offers.loc["a", "control"] == len(selected)
    assert offers.loc["a", "baseline_decline_rate"] == pytest.approx(selected["probability"].mean())
    assert offers.loc["a", "detectable_effect"] == pytest.approx(
        detectable_effect(selected["probability"].mean(), offers.loc["a", "contacted"], offers.loc["a", "control"])
    )
    assert offers.loc["a", "effect_source"] == "assumed (params.yaml)"
    tiny = apply_budget(table, Budget(contacts=5, money=None), Control(0.1, "m", 42))
    assert (
        offer_summary(tiny, CATALOGUE, Words("en"))["detectable_effect"].isna().all()
    )  # too small to measure: said so
