"""Drift of a month against the training month: PSI, unseen categories, the probability, the verdict."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stages.io.files import rounded
from stages.lib.decision.drift import (
    PROBABILITY,
    bin_shares,
    compare,
    psi,
    quantile_edges,
    reference_stats,
    worst,
)
from stages.lib.schema import BINARY_FEATURES, NOMINAL_FEATURES, NUMERIC_FEATURES
from stages.lib.settings import Drift

SETTINGS = Drift(bins=10, psi_watch=0.1, psi_retrain=0.25, unseen_watch=0.01, unseen_retrain=0.05)


def month(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f: rng.normal(10, 3, n).round(1) for f in NUMERIC_FEATURES})
    frame["service_errors"] = rng.integers(0, 4, n)  # a discrete feature: fewer distinct bins
    frame["service_tier"] = rng.choice(["standard", "premium"], n, p=[0.7, 0.3])
    frame["allows_offers"] = rng.choice(["yes", "no"], n, p=[0.75, 0.25])
    frame["favourite_category"] = rng.choice(["kitchenware", "kids_goods", "home_textiles"], n)
    return frame


def test_psi_is_zero_for_the_same_shares_and_grows_with_the_shift():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert 0 < psi([0.5, 0.5], [0.6, 0.4]) < psi([0.5, 0.5], [0.9, 0.1])
    assert np.isfinite(psi([0.5, 0.5], [1.0, 0.0]))  # an empty bin is floored, never infinite


def test_quantile_bins_hold_equal_shares_and_merge_for_discrete_values():
    values = np.arange(100, dtype=float)
    edges = quantile_edges(values, 4)
    assert bin_shares(values, edges) == [0.25, 0.25, 0.25, 0.25]
    binary = np.array([0.0, 1.0] * 50)
    edges = quantile_edges(binary, 10)
    assert len(edges) <= 3 and sorted(s for s in bin_shares(binary, edges) if s) == [0.5, 0.5]


def test_the_training_month_against_itself_is_fine():
    frame = month()
    probability = np.linspace(0.01, 0.99, len(frame))
    reference = reference_stats(frame, probability, SETTINGS.bins)
    table = compare(frame, probability, reference, SETTINGS)
    assert worst(table["verdict"]) == "fine" and table["psi"].max() == pytest.approx(0, abs=1e-12)
    assert set(table["feature"]) == {*NUMERIC_FEATURES, *BINARY_FEATURES, *NOMINAL_FEATURES, PROBABILITY}


def test_the_reference_read_back_from_its_file_still_finds_the_training_month_fine():
    """Probabilities crowded at 0 and 1 (a very separable month) have quantile edges that 6 decimals
    merge: the stored reference cuts its bins there, so `score` and `segment` see what was computed."""
    frame = month()
    rng = np.random.default_rng(0)
    probability = np.concatenate([rng.random(300) * 1e-9, 1 - rng.random(300) * 1e-9])
    reference = json.loads(json.dumps(rounded(reference_stats(frame, probability, SETTINGS.bins), 6)))
    table = compare(frame, probability, reference, SETTINGS)
    assert worst(table["verdict"]) == "fine" and table["psi"].max() == pytest.approx(0, abs=1e-9)


def test_a_similar_month_is_fine():
    frame, other = month(seed=0), month(seed=1)
    probability = np.random.default_rng(0).random(len(frame))
    reference = reference_stats(frame, probability, SETTINGS.bins)
    later = np.random.default_rng(1).random(len(other))
    assert worst(compare(other, later, reference, SETTINGS)["verdict"]) == "fine"


def test_a_shifted_feature_and_a_shifted_probability_say_retrain():
    frame = month()
    probability = np.random.default_rng(0).random(len(frame))
    reference = reference_stats(frame, probability, SETTINGS.bins)
    shifted = frame.assign(pages_per_visit=frame["pages_per_visit"] - 4)
    table = compare(shifted, probability, reference, SETTINGS).set_index("feature")
    assert table.loc["pages_per_visit", "verdict"] == "retrain" and table.loc["days_registered", "verdict"] == "fine"
    moved = compare(frame, probability**3, reference, SETTINGS).set_index("feature")
    assert moved.loc[PROBABILITY, "verdict"] == "retrain"
    assert worst(moved["verdict"]) == "retrain"


def test_unseen_labels_and_empty_cells_are_counted():
    frame = month()
    probability = np.random.default_rng(0).random(len(frame))
    reference = reference_stats(frame, probability, SETTINGS.bins)
    later = frame.copy()
    later.loc[:5, "favourite_category"] = np.nan  # 6 of 600 = 1%: watch
    later.loc[:59, "pages_per_visit"] = np.nan  # 10%: retrain
    table = compare(later, probability, reference, SETTINGS).set_index("feature")
    assert table.loc["favourite_category", "unseen_or_empty_share"] == pytest.approx(0.01)
    assert table.loc["favourite_category", "verdict"] == "watch"
    assert table.loc["pages_per_visit", "verdict"] == "retrain"
