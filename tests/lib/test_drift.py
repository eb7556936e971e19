"""Drift of a month against the training month: PSI, unseen categories, the probability, the verdict, and
what moved (medians, shares, directions, unseen labels named), the same whatever the partitioning."""

from __future__ import annotations

import json
from functools import reduce

import numpy as np
import pandas as pd
import pytest

from stages.io.files import rounded
from stages.lib.decision.drift import (
    COLUMNS,
    MEDIAN_DECIMALS,
    PROBABILITY,
    add_counts,
    bin_shares,
    compare,
    compare_counts,
    counted_median,
    month_counts,
    psi,
    quantile_edges,
    reference_stats,
    rounded_counts,
    worst,
)
from stages.lib.schema import BINARY_FEATURES, NOMINAL_FEATURES, NUMERIC_FEATURES
from stages.lib.settings import Drift

SETTINGS = Drift(
    bins=10, psi_watch=0.1, psi_retrain=0.25, unseen_watch=0.01, unseen_retrain=0.05, on_retrain="wait", retrain_top=30
)


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
    assert list(table.columns) == list(COLUMNS) and set(table["direction"]) == {"same"}
    assert (table["reference"] == table["month"]).all() and not table["unseen"].map(len).any()


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


def partitioned(frame: pd.DataFrame, probability: np.ndarray, reference: dict, parts: int) -> pd.DataFrame:
    """`compare_counts` of ``frame`` counted in ``parts`` partitions (customers dealt at random), summed."""
    part = np.random.default_rng(parts).integers(0, parts, len(frame))
    counts = [month_counts(frame[part == p], probability[part == p], reference) for p in range(parts)]
    return compare_counts(reduce(add_counts, counts), reference, SETTINGS)


def drifted(n: int = 601) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """A later month against `month`'s reference: floats with many decimals, unseen labels, empty cells."""
    frame = month(n=n, seed=2)
    probability = np.random.default_rng(0).random(len(frame))
    reference = reference_stats(month(), np.random.default_rng(1).random(600), SETTINGS.bins)
    rng = np.random.default_rng(3)
    frame["revenue_current"] = rng.lognormal(8, 0.5, n)  # kopecks and beyond: rounded to MEDIAN_DECIMALS
    frame["promo_purchase_share"] = rng.random(n)
    frame.loc[frame.index[:9], "favourite_category"] = "Спорт и отдых"
    frame.loc[frame.index[9:13], "favourite_category"] = "Садовый инвентарь"
    frame.loc[frame.index[13:15], "favourite_category"] = np.nan
    frame.loc[frame.index[20:23], "pages_per_visit"] = np.nan
    frame.loc[frame.index[30], "allows_offers"] = "согласен"
    return frame, probability, reference


@pytest.mark.parametrize("n", [1, 2, 601, 600])
def test_the_counted_median_is_numpys_median_of_the_rounded_values(n):
    values = np.random.default_rng(n).lognormal(8, 1, n)
    for decimals in (0, MEDIAN_DECIMALS, 4):
        assert counted_median(rounded_counts(values, decimals), decimals) == np.median(np.round(values, decimals))
    assert np.isnan(counted_median(rounded_counts(np.array([]), 2), 2))


@pytest.mark.parametrize("n", [601, 600])
def test_the_months_medians_are_numpys_of_its_rounded_values(n):
    frame, probability, reference = drifted(n)
    table = compare(frame, probability, reference, SETTINGS).set_index("feature")
    for feature in NUMERIC_FEATURES:
        values = frame[feature].dropna().to_numpy(dtype=float)
        assert table.loc[feature, "month"] == np.median(np.round(values, MEDIAN_DECIMALS)), feature
        assert table.loc[feature, "reference"] == reference["numeric"][feature]["median"]
    assert table.loc[PROBABILITY, "month"] == np.median(np.round(probability, 4))
    assert table.loc[PROBABILITY, "reference"] == reference["probability"]["median"]


def test_the_table_is_the_same_to_the_byte_in_1_3_or_7_partitions():
    frame, probability, reference = drifted()
    tables = [partitioned(frame, probability, reference, parts).to_csv().encode() for parts in (1, 3, 7)]
    assert tables[0] == tables[1] == tables[2]
    assert tables[0] == compare(frame, probability, reference, SETTINGS).to_csv().encode()


def test_every_unseen_label_is_named_with_its_count_and_empty_cells_are_counted_apart():
    frame, probability, reference = drifted()
    table = partitioned(frame, probability, reference, 7).set_index("feature")
    assert table.loc["favourite_category", "unseen"] == [("Спорт и отдых", 9), ("Садовый инвентарь", 4)]
    assert table.loc["favourite_category", "empty"] == 2
    assert table.loc["favourite_category", "unseen_or_empty_share"] == pytest.approx(15 / 601)
    assert table.loc["allows_offers", "unseen"] == [("согласен", 1)] and table.loc["allows_offers", "empty"] == 0
    assert table.loc["pages_per_visit", "unseen"] == [] and table.loc["pages_per_visit", "empty"] == 3
    assert json.loads(json.dumps(table["unseen"].tolist()))  # JSON as it is


def test_directions_say_which_way_a_number_or_a_label_moved():
    frame = month()
    probability = np.random.default_rng(0).random(len(frame))
    reference = reference_stats(frame, probability, SETTINGS.bins)
    later = frame.assign(pages_per_visit=frame["pages_per_visit"] + 4, days_registered=frame["days_registered"] - 1)
    later.loc[later.index[:150], "favourite_category"] = "kitchenware"
    table = compare(later, probability / 2, reference, SETTINGS).set_index("feature")
    assert table.loc["pages_per_visit", "direction"] == "higher"
    assert table.loc["pages_per_visit", "month"] == table.loc["pages_per_visit", "reference"] + 4
    assert table.loc["days_registered", "direction"] == "lower" and table.loc["minutes_current", "direction"] == "same"
    row = table.loc["favourite_category"]
    assert (row["label"], row["direction"]) == ("kitchenware", "more") and row["month"] > row["reference"]
    assert row["reference"] == reference["categorical"]["favourite_category"]["kitchenware"]
    assert row["month"] == (later["favourite_category"] == "kitchenware").mean()
    assert table.loc[PROBABILITY, "direction"] == "lower" and table.loc["pages_per_visit", "label"] == ""
    fewer = compare(frame.assign(allows_offers="no"), probability, reference, SETTINGS).set_index("feature")
    assert tuple(fewer.loc["allows_offers", ["label", "direction", "month"]]) in {
        ("yes", "fewer", 0.0),
        ("no", "more", 1.0),
    }


def test_a_month_that_says_retrain_is_decided_within_its_drift_budget():
    from stages.lib.decision.drift import drift_budget
    from stages.lib.settings import Budget

    budget, unlimited = Budget(contacts=150, money=None), Budget(contacts=None, money=None)
    top = SETTINGS.model_copy(update={"on_retrain": "top_of_list", "retrain_top": 30})
    assert (
        drift_budget(budget, top, "retrain").contacts == 30 and drift_budget(unlimited, top, "retrain").contacts == 30
    )
    assert drift_budget(Budget(contacts=10, money=None), top, "retrain").contacts == 10  # never more than the budget
    assert drift_budget(budget, SETTINGS, "retrain").contacts == 0  # wait: nobody until retrained
    assert drift_budget(budget, top, "watch") == budget and drift_budget(budget, top, "fine") == budget


def test_the_months_settings_take_the_budget_of_its_worst_verdict(repo_params):
    from stages.lib.decision.drift import within_drift_budget
    from stages.lib.settings import parse_settings

    settings = parse_settings(repo_params)
    settings = settings.model_copy(update={"drift": settings.drift.model_copy(update={"on_retrain": "wait"})})
    verdicts = lambda *found: pd.DataFrame({"verdict": found})  # noqa: E731
    assert within_drift_budget(settings, verdicts("fine", "retrain", "watch")).budget.contacts == 0
    assert within_drift_budget(settings, verdicts("fine", "watch")) == settings
