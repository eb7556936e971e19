"""The record joined with the outcomes by position: the same as a left merge, lost customers missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stages.lib.campaign.review import joined_outcomes
from stages.lib.errors import DataError


def test_the_lookup_by_position_is_a_left_merge():
    rng = np.random.default_rng(3)
    ids = np.sort(rng.choice(np.arange(1, 5_000), 1_000, replace=False)).astype(np.int64)
    group = rng.choice(np.array(["treatment", "control", None], dtype=object), len(ids))
    record = pd.DataFrame({"id": ids, "group": group})
    # the later export: most of the record's customers, some new ones, a few lost (first and last included)
    kept = ids[(rng.random(len(ids)) < 0.9) & (ids != ids[0]) & (ids != ids[-1])]
    later = np.union1d(kept, rng.choice(np.arange(5_000, 6_000), 50, replace=False)).astype(np.int64)
    outcomes = pd.DataFrame({"id": later, "declined": rng.integers(0, 2, len(later))})
    expected = record.merge(outcomes, on="id", how="left")["declined"].astype(float)
    joined = joined_outcomes(record.copy(), outcomes, "r", "o", 0.5)
    pd.testing.assert_series_equal(joined["declined"], expected, check_names=False)
    assert joined["declined"].isna().sum() == len(ids) - len(kept)


def test_no_outcomes_at_all_are_refused_not_indexed():
    record = pd.DataFrame({"id": np.arange(3, dtype=np.int64), "group": ["control", "treatment", None]})
    empty = pd.DataFrame({"id": np.array([], dtype=np.int64), "declined": np.array([], dtype=np.int64)})
    with pytest.raises(DataError, match="0.0% of the campaign record"):
        joined_outcomes(record, empty, "r", "o", 0.5)
