"""`eda` end to end: the stage's declared outputs on the synthetic pipeline.

The computation is tested in test_exploration.py, the figures and report in test_report_eda.py.
"""

from __future__ import annotations

import json

import pandas as pd
import yaml

from stages.lib.words import Words
from tests.markdown_words import language_problems
from tests.stage_runs import ROOT


def declared_eda_outputs() -> list[str]:
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["eda"]
    return [next(iter(out)) if isinstance(out, dict) else out for out in stage["outs"]]


def test_stage_writes_every_declared_output(workspace):
    root, params = workspace
    for output in declared_eda_outputs():
        path = root / output
        assert path.exists() and (path.is_file() or any(path.glob("*.png"))), output
    summary = json.loads((root / "reports/eda_summary.json").read_text())
    assert len(summary["top_features"]) == 5
    report = (root / "reports/eda.md").read_text(encoding="utf-8")
    words = Words(params["report"]["language"])  # the report follows params.yaml
    assert words("eda.title") in report and "effect_sizes.png" in report
    assert language_problems(report, words.language) == []
    table = pd.read_csv(root / "reports/eda_comparison.csv")
    assert {"median_declined", "median_same_level", "p_value_holm", "effect_size"} <= set(table.columns)


def test_ceiling_diagnostic_runs_on_the_pipeline_outputs(workspace, capsys):
    import runpy

    ceiling = runpy.run_path(str(ROOT / "scripts/auc_ceiling.py"))  # a script, not a package
    root, _ = workspace
    ceiling["main"](root)
    printed = capsys.readouterr().out
    assert "Out-of-fold ROC-AUC of the model" in printed and "oracle" in printed
