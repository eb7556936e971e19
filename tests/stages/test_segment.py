"""`segment` and `score` end to end: honest scores, the list, the report, and scoring a new month.

The pure functions behind them are tested on small frames in tests/lib/test_segment_analysis.py.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stages.io.files import read_parquet
from stages.io.model_store import load_model
from stages.lib.decision.offers import COLUMNS
from stages.lib.model.pipeline import predict_risk
from stages.lib.schema import FEATURES, ID
from stages.lib.settings import CELLS
from stages.lib.words import Words
from tests.markdown_words import language_problems
from tests.stage_runs import read_action_list, run_stage
from tests.synthetic import make_raw, write_raw


def test_no_train_customer_is_scored_by_a_model_that_saw_it(workspace):
    root, _ = workspace
    listed = pd.read_csv(root / "reports/customers_for_marketing.csv").set_index(ID)
    oof = read_parquet(root / "models/oof_train.parquet").set_index(ID)
    test = read_parquet(root / "data/prepared/test.parquet")
    assert (listed.loc[oof.index, "score_source"] == "out_of_fold").all()
    np.testing.assert_allclose(listed.loc[oof.index, "probability"], oof["probability"], atol=1e-4)
    assert (listed.loc[test[ID], "score_source"] == "saved_model").all()
    np.testing.assert_allclose(
        listed.loc[test[ID], "probability"], predict_risk(load_model(root / "models/model.skops"), test), atol=1e-4
    )


def test_segment_outputs(workspace):
    root, params = workspace
    listed = pd.read_csv(root / "reports/customers_for_marketing.csv")
    customers = read_parquet(root / "data/prepared/customers.parquet")
    assert sorted(listed[ID]) == sorted(customers[ID])
    assert {"reason_1", "reason_2", "reason_3", "segment", "profit"} <= set(listed.columns)
    metrics = json.loads((root / "metrics/segment.json").read_text())
    chosen = listed[listed["segment"] == params["segment"]["chosen"]]
    assert metrics["customers"] == len(chosen) == listed["in_chosen_segment"].sum()
    assert metrics["profit_at_stake"] == pytest.approx(chosen["profit"].sum(), abs=0.01)
    report = (root / "reports/segments.md").read_text(encoding="utf-8")
    words = Words(params["report"]["language"])  # the report and the list's reasons follow params.yaml
    assert f"**{words.counted(len(chosen), 'reports.regular_customers')}**" in report
    assert language_problems(report, words.language) == []
    stated = listed["reason_1"].dropna()
    assert len(stated) and all(any(words.phrase(f) in r for f in FEATURES) for r in stated)
    assert (root / "plots/segment/risk_profit_matrix.png").exists()


def test_segment_writes_the_action_list_the_page_and_the_drift_reference(workspace):
    root, params = workspace
    listed = read_action_list(root / "reports/action_list.csv")
    customers = read_parquet(root / "data/prepared/customers.parquet")
    assert sorted(listed[ID]) == sorted(customers[ID]) and list(listed.columns) == list(COLUMNS)
    no_consent = customers.loc[customers["allows_offers"] != "yes", ID]
    assert set(listed.loc[listed["action"] == "no_consent", ID]) == set(no_consent)
    assert (listed.loc[listed[ID].isin(no_consent), "offer"] == "").all()
    contacts = listed[listed["action"] == "contact"]
    assert len(contacts) <= params["budget"]["contacts"] and contacts["expected_value"].is_monotonic_decreasing
    left = listed.loc[listed["action"] == "over_budget", "expected_value"]
    assert left.empty or left.max() <= contacts["expected_value"].min()
    metrics = json.loads((root / "metrics/segment.json").read_text())
    assert metrics["decision"]["contacted"] == len(contacts) and metrics["drift_verdict"] == "not_compared"
    assert metrics["decision"]["expected_value"] == pytest.approx(contacts["expected_value"].sum(), abs=0.01)
    reference = json.loads((root / "reports/drift_reference.json").read_text())
    assert reference["customers"] == len(customers) and "pages_per_visit" in reference["numeric"]
    page = (root / "reports/monthly_decision.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page and page.count("<tr data-offer=") == len(listed)


def test_score_a_new_month_without_target(workspace, tmp_path):
    root, _ = workspace
    raw = write_raw(make_raw(n=60, seed=11, with_target=False), tmp_path / "month")
    out = tmp_path / "scored.csv"
    reference = root / "reports/drift_reference.json"
    result = run_stage(
        "score", "--raw", str(raw), "--out", str(out), "--models", str(root / "models"), "--reference", str(reference)
    )
    assert result.returncode == 0, result.stderr
    scored = pd.read_parquet(out.with_suffix(".parts"))  # every customer; the list holds those explained
    assert len(scored) == 62  # 60 customers and 2 duplicate copies, the repeated row dropped
    assert scored["probability"].between(0, 1).all()
    assert (scored.loc[~scored["regular"], "segment"] == "not_regular").all()
    assert scored.loc[scored["regular"], "segment"].isin(CELLS).all()
    listed = read_action_list(out)
    assert set(listed["id"]) <= set(scored["id"]) and listed["segment"].isin(CELLS).all()
