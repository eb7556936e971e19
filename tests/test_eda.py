"""`eda`: the comparative study on a frame whose answer is known, and the stage's declared outputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from stages.eda import identifier_check, identifier_markdown, multicollinear_pairs
from stages.lib.stats import compare_groups, holm
from tests.conftest import ROOT


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


def test_identifier_check_flags_an_export_ordered_by_label():
    sorted_by_label = pd.DataFrame({"id": range(100, 120), "activity_declined": [1] * 10 + [0] * 10})
    check = identifier_check(sorted_by_label, bins=4)
    assert check["roc_auc_of_id"] == pytest.approx(1.0)
    assert [r["declined_share"] for r in check["declined_share_by_id_range"]] == [1.0, 1.0, 0.0, 0.0]
    assert check["declined_share_by_id_range"][0]["ids"] == "100-104"
    assert "ordered by label" in "\n".join(identifier_markdown(check, warn_at=0.6))

    interleaved = sorted_by_label.assign(activity_declined=[1, 0] * 5 + [0, 1] * 5)
    check = identifier_check(interleaved, bins=4)
    assert check["roc_auc_of_id"] == pytest.approx(0.5)
    assert "no order leak" in "\n".join(identifier_markdown(check, warn_at=0.6))


def declared_eda_outputs() -> list[str]:
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["eda"]
    return [next(iter(out)) if isinstance(out, dict) else out for out in stage["outs"]]


def test_stage_writes_every_declared_output(workspace):
    root, _ = workspace
    for output in declared_eda_outputs():
        path = root / output
        assert path.exists() and (path.is_file() or any(path.glob("*.png"))), output
    summary = json.loads((root / "reports/eda_summary.json").read_text())
    assert len(summary["top_features"]) == 5
    report = (root / "reports/eda.md").read_text()
    assert "regular customers" in report and "effect_sizes.png" in report
    table = pd.read_csv(root / "reports/eda_comparison.csv")
    assert {"median_declined", "median_same_level", "p_value_holm", "effect_size"} <= set(table.columns)


def test_ceiling_diagnostic_runs_on_the_pipeline_outputs(workspace, capsys):
    import runpy

    ceiling = runpy.run_path(str(ROOT / "scripts/auc_ceiling.py"))  # a script, not a package
    root, _ = workspace
    ceiling["main"](root)
    printed = capsys.readouterr().out
    assert "Out-of-fold ROC-AUC of the model" in printed and "oracle" in printed
