"""stages/lib/decision/segment_analysis.py on small frames whose answers are known by hand: cells, matrix,
honest scores, drivers, offers, the summary and the marketing list."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stages.lib.decision.segment_analysis import (
    analyse_segment,
    assign_cells,
    compare_segment,
    honest_scores,
    marketing_list,
    matrix,
    offers,
    regular_matrix,
    segment_metrics,
    shap_drivers,
    summarise_segment,
)
from stages.lib.schema import ID, PROFIT
from stages.lib.settings import CELLS
from stages.lib.words import Words
from tests.segment_frames import SETTINGS, customers, shap_for


class StubPipeline:
    """What predict_risk needs of a fitted pipeline: its input columns and class probabilities."""

    feature_names_in_ = np.array(["pages_per_visit"])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        risk = frame["pages_per_visit"].to_numpy() / 10
        return np.column_stack([1 - risk, risk])


def test_cells_use_inclusive_thresholds():
    cells = assign_cells([0.7, 0.69, 0.9, 0.1], [4, 4, 3.99, 1], 0.7, 4)
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
    assert cells.loc["high_risk_high_profit", "share_of_profit"] == pytest.approx(5 / 8)
    assert cells["share_of_customers"].sum() == pytest.approx(1.0)
    assert "observed_decline_rate" not in cells  # a month without outcomes has no observed rate
    # a scored month: its customers who are not regular (segment left empty) are not in any cell
    month = pd.concat([frame.assign(regular=True), frame.head(1).assign(regular=False, segment=None)])
    assert regular_matrix(month.astype({"segment": "category"})).equals(matrix(frame))
    observed = matrix(frame.assign(activity_declined=[1, 0, 0])).set_index("segment")["observed_decline_rate"]
    assert observed["high_risk_high_profit"] == 1 and observed["high_risk_low_profit"] == 0


def test_honest_scores_take_out_of_fold_for_train_and_the_model_for_test():
    people = pd.DataFrame({ID: [1, 2, 3], "pages_per_visit": [5.0, 1.0, 3.0]})
    test = people[people[ID] == 3]
    oof = pd.DataFrame({ID: [1, 2], "probability": [0.11, 0.22]})
    scored = honest_scores(people, test, oof, StubPipeline()).set_index(ID)
    assert scored["probability"].tolist() == pytest.approx([0.11, 0.22, 0.3])
    assert scored["score_source"].tolist() == ["out_of_fold", "out_of_fold", "saved_model"]


def test_honest_scores_refuse_a_customer_without_a_score():
    people = pd.DataFrame({ID: [1, 2], "pages_per_visit": [5.0, 1.0]})
    oof = pd.DataFrame({ID: [1], "probability": [0.1]})
    with pytest.raises(ValueError, match="without an honest score"):
        honest_scores(people, people.iloc[:0], oof, StubPipeline())


def test_shap_drivers_compare_mean_shap_inside_and_outside():
    shap_values = pd.DataFrame(
        {
            ID: [1, 2, 3, 4],
            "shap_base_value": 0.5,
            "shap_pages_per_visit": [0.3, 0.1, -0.1, -0.1],
            "shap_service_errors": [0.0, 0.0, 0.1, 0.1],
        }
    )
    drivers = shap_drivers(shap_values, pd.Series([True, True, False, False]))
    assert drivers["feature"].tolist() == ["pages_per_visit", "service_errors"]
    assert drivers.iloc[0][["mean_shap_segment", "mean_shap_others", "difference"]].tolist() == pytest.approx(
        [0.2, -0.1, 0.3]
    )
    assert drivers.iloc[1]["difference"] == pytest.approx(-0.1)


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
    chosen = offers(comparison, drivers, 0.2, 5)
    assert [o["feature"] for o in chosen] == ["pages_per_visit"]
    assert chosen[0]["median_segment"] == 4 and chosen[0]["median_others"] == 9 and chosen[0]["driver_rank"] == 1
    assert chosen[0]["direction"] == "lower" and chosen[0]["p_value_holm"] == 1e-9


def test_offers_need_a_rule_and_stop_at_the_maximum():
    comparison = pd.DataFrame(
        {
            "feature": ["pages_per_visit", "days_registered", "service_errors", "minutes_current"],
            "kind": ["numeric"] * 4,
            "significant": [True] * 4,
            "effect_size": [-0.7, -0.6, 0.5, -0.4],  # no offer is written for days since registration
            "median_segment": [4, 100, 6, 10],
            "median_others": [9, 300, 4, 14],
            "p_value_holm": [1e-9, 1e-8, 1e-5, 1e-4],
        }
    )
    drivers = pd.DataFrame({"feature": ["service_errors", "pages_per_visit"]})
    chosen = offers(comparison, drivers, 0.2, 2)
    assert [(o["feature"], o["direction"]) for o in chosen] == [
        ("pages_per_visit", "lower"),
        ("service_errors", "higher"),
    ]
    assert chosen[1]["driver_rank"] == 1 and chosen[0]["driver_rank"] == 2


def test_summary_is_the_chosen_row_of_the_matrix():
    frame = customers().assign(segment=lambda f: assign_cells(f["probability"], f[PROFIT], 0.7, 4.0))
    cells = matrix(frame)
    summary = summarise_segment(frame, cells, "high_risk_high_profit")
    assert summary["customers"] == 20 and summary["profit_at_stake"] == pytest.approx(100.0)
    assert summary["share_of_customers"] == pytest.approx(0.5) and summary["declined_share_observed"] == 1.0
    empty = summarise_segment(frame, cells, "low_risk_high_profit")
    assert empty["customers"] == 0 and empty["mean_probability"] == 0.0 and empty["declined_share_observed"] == 0.0


def test_comparison_names_the_groups_segment_and_others():
    frame = customers()
    comparison = compare_segment(frame, frame["probability"] >= 0.7, 0.05)
    assert {"median_segment", "median_others", "shares_segment", "shares_others"} <= set(comparison.columns)
    top = comparison.iloc[0]
    assert top["feature"] == "pages_per_visit" and top["effect_size"] == pytest.approx(-1.0) and top["significant"]


def test_marketing_list_puts_the_segment_first_riskiest_first():
    scored = pd.DataFrame(
        {
            ID: [1, 2, 3, 4],
            "probability": [0.95, 0.8, 0.99, 0.8],
            PROFIT: [5.0, 6.0, 1.0, 7.0],
            "segment": ["high_risk_high_profit", "high_risk_high_profit", "high_risk_low_profit", "x"],
            "score_source": "out_of_fold",
        }
    )
    in_segment = pd.Series([True, True, False, True])
    reasons = pd.DataFrame({"reason_1": ["a", "b", "c", "d"], "reason_2": "", "reason_3": ""})
    listed = marketing_list(scored, in_segment, reasons)
    assert listed[ID].tolist() == [1, 2, 4, 3]  # 2 and 4 tie on probability: lower id first
    assert listed["reason_1"].tolist() == ["a", "b", "d", "c"]
    assert listed.columns[-4:].tolist() == ["in_chosen_segment", "reason_1", "reason_2", "reason_3"]


def test_metrics_name_the_segment_its_offers_and_largest_differences():
    comparison = pd.DataFrame({"feature": ["a", "b", "c", "d"], "effect_size": [0.9, -0.5, 0.3, 0.1]})
    metrics = segment_metrics("high_risk_high_profit", {"customers": 3}, [{"feature": "b"}], comparison)
    assert metrics == {
        "chosen_segment": "high_risk_high_profit",
        "customers": 3,
        "offers": ["b"],
        "largest_differences": [
            {"feature": "a", "effect_size": 0.9},
            {"feature": "b", "effect_size": -0.5},
            {"feature": "c", "effect_size": 0.3},
        ],
    }


def test_analysis_of_a_known_segment():
    frame = customers()
    analysis = analyse_segment(frame, shap_for(frame), SETTINGS, Words("en"))
    assert analysis.in_segment.sum() == 20 and set(analysis.scored["segment"]) == {
        "high_risk_high_profit",
        "low_risk_low_profit",
    }
    assert analysis.metrics["customers"] == 20 and analysis.metrics["offers"] == ["pages_per_visit"]
    assert analysis.drivers.iloc[0]["feature"] == "pages_per_visit"
    listed = analysis.marketing
    assert listed["in_chosen_segment"].iloc[:20].all() and len(listed) == len(frame)
    assert (listed.loc[listed["in_chosen_segment"], "reason_1"].str.startswith("low pages viewed per visit")).all()
    assert (listed.loc[~listed["in_chosen_segment"], "reason_1"] == "").all()
