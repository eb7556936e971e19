"""`segment` and `score`: honest scores, cells, reasons, offers, and scoring a new month."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stages.lib.files import read_parquet
from stages.lib.model import load_model, predict_risk
from stages.lib.schema import ID
from stages.lib.segments import CELLS, assign_cells, matrix
from stages.segment import customer_reasons, offers
from tests.conftest import run_stage
from tests.synthetic import make_raw, write_raw


def test_cells_use_inclusive_thresholds():
    cells = assign_cells([0.7, 0.69, 0.9, 0.1], [4, 4, 3.99, 1], {"high_risk": 0.7, "high_profit": 4})
    assert list(cells) == [
        "high_risk_high_profit",
        "low_risk_high_profit",
        "high_risk_low_profit",
        "low_risk_low_profit",
    ]


def test_matrix_lists_every_cell_and_adds_up():
    frame = pd.DataFrame(
        {
            "probability": [0.9, 0.8, 0.1],
            "profit": [5.0, 1.0, 2.0],
            "segment": ["high_risk_high_profit", "high_risk_low_profit", "low_risk_low_profit"],
        }
    )
    cells = matrix(frame).set_index("segment")
    assert list(cells.index) == list(CELLS)
    assert cells["customers"].sum() == 3 and cells.loc["low_risk_high_profit", "customers"] == 0
    assert cells["profit_at_stake"].sum() == pytest.approx(8.0)


def test_reasons_name_only_features_that_raise_the_risk():
    scored = pd.DataFrame(
        {
            ID: [1, 2],
            "pages_per_visit": [2, 12],
            "promo_purchase_share": [0.9, 0.1],
            "favourite_category": ["kids_goods", "kitchenware"],
        }
    )
    for feature in [
        "marketing_contacts_6m",
        "marketing_contacts_current",
        "days_registered",
        "categories_per_visit",
        "unpaid_items_quarter",
        "service_errors",
        "revenue_current",
        "revenue_previous",
        "revenue_before_previous",
        "minutes_current",
        "minutes_previous",
    ]:
        scored[feature] = [1, 1]
    shap_values = pd.DataFrame(
        {
            ID: [1, 2],
            "shap_base_value": [0.4, 0.4],
            "shap_pages_per_visit": [0.2, -0.1],
            "shap_promo_purchase_share": [0.1, -0.05],
            "shap_favourite_category": [0.05, 0.0],
        }
    )
    reasons = customer_reasons(scored, shap_values, {"min_reason_shap": 0.01})
    assert reasons.iloc[0].tolist() == [
        "low pages viewed per visit (2; typical 7)",
        "high share of purchases bought on promotion (0.9; typical 0.5)",
        "favourite category: kids goods",
    ]
    assert reasons.iloc[1].tolist() == ["", "", ""]


def test_offers_follow_only_significant_large_differences():
    comparison = pd.DataFrame(
        {
            "feature": ["pages_per_visit", "promo_purchase_share", "service_errors"],
            "kind": ["numeric"] * 3,
            "significant": [True, True, False],
            "effect_size": [-0.7, 0.1, 0.6],
            "median_segment": [4, 0.3, 6],
            "median_others": [9, 0.25, 4],
            "p_value_holm": [1e-9, 0.01, 0.2],
        }
    )
    drivers = pd.DataFrame({"feature": ["pages_per_visit"]})
    chosen = offers(comparison, drivers, {"min_effect_size": 0.2, "max_offers": 5})
    assert [o["feature"] for o in chosen] == ["pages_per_visit"]
    assert "median 4 in the segment vs 9" in chosen[0]["evidence"]


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
    report = (root / "reports/segments.md").read_text()
    assert f"**{len(chosen)} customers**" in report
    assert (root / "plots/segment/risk_profit_matrix.png").exists()


def test_score_a_new_month_without_target(workspace, tmp_path):
    root, _ = workspace
    raw = write_raw(make_raw(n=60, seed=11, with_target=False), tmp_path / "month")
    out = tmp_path / "scored.csv"
    result = run_stage("score", "--raw", str(raw), "--out", str(out), "--models", str(root / "models"))
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(out)
    assert len(scored) == 62  # 60 customers and 2 duplicate copies, the repeated row dropped
    assert scored["probability"].between(0, 1).all()
    assert (scored.loc[~scored["regular"], "segment"] == "not_regular").all()
    assert scored.loc[scored["regular"], "segment"].isin(CELLS).all()


def test_score_refuses_bad_input_clearly(workspace, tmp_path):
    root, _ = workspace
    raw = make_raw(n=30, seed=2, with_target=False)
    raw["market_file"].loc[3, "Популярная_категория"] = "Садовый инвентарь"
    out = tmp_path / "scored.csv"
    result = run_stage(
        "score", "--raw", str(write_raw(raw, tmp_path / "m")), "--out", str(out), "--models", str(root / "models")
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "market_file.csv, column 'Популярная_категория'" in result.stderr and "100004" in result.stderr
    assert not out.exists()
