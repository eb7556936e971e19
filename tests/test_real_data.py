"""The real pipeline end to end on the exports from the DVC remote (`make pull`; required under CI).

It rebuilds everything in a temporary folder with the repository's params and checks that the
committed metrics and reports are exactly what the committed code produces.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from stages.lib.files import read_parquet
from stages.lib.model import load_model, predict_risk
from stages.lib.schema import ID
from tests.conftest import ROOT, run_stage
from tests.pipeline_run import build_real_workspace

RAW = ROOT / "data" / "raw"
pytestmark = pytest.mark.real_data

COMMITTED = [
    "metrics/data_quality.json",
    "metrics/train.json",
    "metrics/evaluate.json",
    "metrics/explain.json",
    "metrics/segment.json",
    "reports/eda_comparison.csv",
    "reports/eda_summary.json",
    "reports/eda.md",
    "reports/model_comparison.csv",
    "reports/shap_importance.csv",
    "reports/segments.md",
    "reports/customers_for_marketing.csv",
]


@pytest.fixture(scope="module")
def real_workspace(tmp_path_factory, repo_params):
    if not (RAW / "market_file.csv").exists():
        if os.environ.get("CI"):
            pytest.fail("data/raw is missing under CI: `make test` must pull it (dvc pull data/raw.dvc)")
        pytest.skip("data/raw not pulled; run `make pull`")
    root = tmp_path_factory.mktemp("real")
    build_real_workspace(root, RAW, repo_params)
    return root


@pytest.mark.parametrize("path", COMMITTED)
def test_real_pipeline_reproduces_the_committed_outputs(real_workspace, path):
    rebuilt, committed = (real_workspace / path).read_text(), (ROOT / path).read_text()
    assert rebuilt == committed, f"{path} differs from what the committed code produces: run `dvc repro` and commit"


def test_real_data_quality_counts(real_workspace):
    quality = pd.read_json(real_workspace / "metrics/data_quality.json", typ="series")
    assert quality["customers"]["kept"] == 1297
    assert quality["rules"]["extreme_revenue"]["customers"] == 1
    assert quality["rules"]["duplicate_customers_found"]["customers"] == 22


def test_scoring_the_real_month_reproduces_the_evaluated_test_probabilities(real_workspace, tmp_path):
    out = tmp_path / "scored.csv"
    result = run_stage("score", "--raw", str(RAW), "--out", str(out), "--models", str(real_workspace / "models"))
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(out).set_index(ID)
    test = read_parquet(real_workspace / "data/prepared/test.parquet")
    expected = predict_risk(load_model(real_workspace / "models/model.skops"), test)
    np.testing.assert_allclose(scored.loc[test[ID], "probability"].to_numpy(), expected, atol=1e-6)
