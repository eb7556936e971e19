"""`stages.lib.data.exploration` and the two-group statistics it uses, on frames whose answer is known."""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from stages.io.partitions import read_month
from stages.lib.data import exploration
from stages.lib.data.exploration import (
    identifier_check,
    multicollinear_pairs,
    summary,
    target_associations,
    trend_means,
)
from stages.lib.data.preparation import prepare_customers
from stages.lib.data.quality import QualityLog
from stages.lib.schema import TARGET
from stages.lib.settings import parse_settings
from stages.lib.stats import compare_groups, holm
from tests.synthetic import READING, make_raw, write_raw


def test_comparison_on_a_frame_whose_answer_is_known():
    # group b is shifted up in x completely (rank-biserial +1), identical in y (0), and its label
    # shares differ completely (Cramér's V 1).
    frame = pd.DataFrame(
        {
            "x": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
            "y": [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6],
            "c": ["u"] * 6 + ["v"] * 6,
        }
    )
    in_b = pd.Series([False] * 6 + [True] * 6)
    table = compare_groups(frame, in_b, ["x", "y"], ["c"], alpha=0.05).set_index("feature")
    assert table.loc["x", "effect_size"] == pytest.approx(1.0)
    assert table.loc["x", "median_a"] == 3.5 and table.loc["x", "median_b"] == 9.5
    assert table.loc["y", "effect_size"] == pytest.approx(0.0)
    assert table.loc["y", "p_value"] == pytest.approx(1.0)
    assert table.loc["c", "effect_size"] == pytest.approx(1.0)
    assert table.loc["c", "shares_b"] == "v: 1.000"
    assert table.loc["x", "significant"] and not table.loc["y", "significant"]
    assert table.index[-1] == "y"  # ranked by absolute effect, weakest last


def test_holm_adjustment_matches_the_textbook():
    adjusted = holm(pd.Series([0.01, 0.04, 0.03]))
    assert adjusted.tolist() == pytest.approx([0.03, 0.06, 0.06])


def test_multicollinear_pairs_respect_the_threshold():
    correlation = pd.DataFrame(
        np.eye(3) + [[0, 0.9, 0.2], [0.9, 0, 0.3], [0.2, 0.3, 0]],
        index=["a", "b", "activity_declined"],
        columns=["a", "b", "activity_declined"],
    )
    pairs = multicollinear_pairs(correlation, 0.8)
    assert pairs == [{"features": ["a", "b"], "phik": 0.9, "phik_with_target": [0.2, 0.3]}]
    assert multicollinear_pairs(correlation, 0.95) == []
    assert target_associations(correlation).to_dict() == {"b": 0.3, "a": 0.2}


def test_identifier_check_flags_an_export_ordered_by_label():
    sorted_by_label = pd.DataFrame({"id": range(100, 120), "activity_declined": [1] * 10 + [0] * 10})
    check = identifier_check(sorted_by_label, bins=4)
    assert check["roc_auc_of_id"] == pytest.approx(1.0)
    assert [r["declined_share"] for r in check["declined_share_by_id_range"]] == [1.0, 1.0, 0.0, 0.0]
    assert check["declined_share_by_id_range"][0]["ids"] == "100-104"

    interleaved = sorted_by_label.assign(activity_declined=[1, 0] * 5 + [0, 1] * 5)
    check = identifier_check(interleaved, bins=4)
    assert check["roc_auc_of_id"] == pytest.approx(0.5)


def test_trend_means_run_from_the_earliest_month_per_class():
    frame = pd.DataFrame({"m_current": [1.0, 3.0, 10.0], "m_previous": [5.0, 7.0, 20.0], TARGET: [0, 0, 1]})
    means = trend_means(frame, ["m_current", "m_previous"])
    assert list(means.columns) == ["m_previous", "m_current"]
    assert means.loc[0].tolist() == [6.0, 2.0] and means.loc[1].tolist() == [20.0, 10.0]


def test_summary_holds_what_train_and_the_report_read():
    frame = pd.DataFrame({TARGET: [1, 0, 0, 0]})
    table = pd.DataFrame(
        {"feature": ["a", "b", "c"], "effect_measure": ["rank_biserial"] * 3, "effect_size": [0.5, -0.3, 0.1]}
    )
    pairs = [{"features": ["a", "b"], "phik": 0.9, "phik_with_target": [0.2, 0.3]}]
    settings = SimpleNamespace(top_features=2, multicollinearity_threshold=0.8)
    result = summary(frame, table, pairs, {"roc_auc_of_id": 0.5}, settings)
    assert result["customers"] == 4 and result["declined_share"] == 0.25
    assert [t["feature"] for t in result["top_features"]] == ["a", "b"]
    assert result["multicollinear_pairs"] == pairs and result["multicollinearity_threshold"] == 0.8


def test_what_train_learns_from_eda_is_measured_on_train_customers_only(monkeypatch, repo_params):
    """The phik matrix (hence the multicollinear pairs train reads) never sees the rows outside train."""

    settings = parse_settings(repo_params)
    with tempfile.TemporaryDirectory() as folder:
        raw = read_month(write_raw(make_raw(n=120, seed=5), Path(folder) / "raw"), QualityLog(), READING)
    customers = prepare_customers(raw, settings.prepare, QualityLog())
    train = customers.iloc[:90]
    seen = []
    real = exploration.phik_matrices
    monkeypatch.setattr(
        exploration, "phik_matrices", lambda frame, cols: seen.append(set(frame.index)) or real(frame, cols)
    )
    study = exploration.explore(customers, train, settings.eda)
    assert seen == [set(train.index)]
    assert study.summary["customers"] == len(customers)  # the description still covers everyone
