"""The campaign record built by position is the left join of the scored customers and the decided ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stages.lib.campaign.record import GROUPS, TYPES, campaign_record
from stages.lib.schema import ID, PROFIT


def by_merge(scored: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """The definition: every scored customer, left-joined with the action list's decided rows."""
    decided = actions.loc[
        actions["probability"].notna(), [ID, "offer", "offer_cost", "offer_effect", "expected_value", "action"]
    ]
    record = scored[[ID, "probability", PROFIT, "regular"]].merge(decided, on=ID, how="left", validate="one_to_one")
    record["offer"] = record["offer"].where(record["offer"].notna() & (record["offer"] != ""), None)
    record["group"] = record["action"].map(GROUPS).astype(object)
    record["group"] = record["group"].where(record["group"].notna(), None)
    record["action"] = record["action"].where(record["action"].notna(), None)
    return record[list(TYPES)].astype(TYPES).sort_values(ID, kind="stable").reset_index(drop=True)


def month(n: int, decided: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(10 * n, n, replace=False)) + 1
    scored = pd.DataFrame(
        {ID: ids, "probability": rng.random(n), PROFIT: rng.random(n) * 5, "regular": rng.random(n) < 0.9}
    )
    chosen = rng.choice(ids, decided, replace=False)
    actions = pd.DataFrame(
        {
            ID: np.append(chosen, [10 * n + 7]),  # and an unscored customer: no probability, not in the record
            "probability": np.append(rng.random(decided), np.nan),
            "offer": rng.choice(["personal_promo", "", None], decided + 1),
            "offer_cost": rng.random(decided + 1),
            "offer_effect": rng.random(decided + 1),
            "expected_value": rng.normal(size=decided + 1),
            "action": rng.choice(["contact", "control", "over_budget", "no_consent"], decided + 1),
        }
    )
    return scored, actions


@pytest.mark.parametrize("shuffled", [False, True])
def test_the_record_by_position_is_the_left_join(shuffled):
    scored, actions = month(5000, 300, seed=3)
    if shuffled:  # the gathered table is sorted by id; any other order is sorted first, as the join's result was
        scored = scored.sample(frac=1, random_state=0)
    expected, record = by_merge(scored, actions), campaign_record(scored, actions)
    pd.testing.assert_frame_equal(record, expected)
    decided = actions[actions["probability"].notna()]
    assert record["group"].notna().sum() == decided["action"].isin(["contact", "control"]).sum() > 0


def test_a_decided_customer_missing_from_the_scored_ones_is_refused():
    scored, actions = month(100, 10, seed=4)
    actions.loc[0, ID] = 10**9  # decided, yet never scored
    with pytest.raises(ValueError, match="one to one"):
        campaign_record(scored, actions)
