"""Model choice on tiny inputs: features dropped for multicollinearity, the family chosen, the table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stages.lib.model.selection import REFERENCE, best_family
from stages.lib.model.training import (
    comparison_table,
    describe,
    model_features,
    paired_comparisons,
    summarise_cv,
)
from stages.lib.schema import FEATURES
from stages.lib.stats import paired_difference


def test_the_member_of_a_pair_less_tied_to_the_target_is_dropped_once():
    pairs = [
        {"features": ["revenue_current", "revenue_previous"], "phik_with_target": [0.2, 0.5]},
        {"features": ["revenue_current", "minutes_current"], "phik_with_target": [0.2, 0.1]},  # already broken
    ]
    features, dropped = model_features(pairs, drop_multicollinear=True)
    assert dropped == ["revenue_current"] and features == [f for f in FEATURES if f != "revenue_current"]
    assert model_features(pairs, drop_multicollinear=False) == (FEATURES, [])


def test_the_family_with_the_best_repeated_cv_mean_wins_and_never_the_dummy():
    cv = pd.DataFrame(
        {"family": ["dummy", REFERENCE, "knn", "svc"], "cv_roc_auc_mean": [0.99, 0.99, 0.9, 0.9], "cv_roc_auc_std": 0}
    )
    assert best_family(cv) == "knn"  # a tie goes to the first name; never the dummy or the reference
    assert best_family(cv, besides=("knn",)) == "svc"  # the runner-up


def test_comparison_table_is_sorted_best_first_with_the_search_columns():
    best = pd.DataFrame(
        {"family": ["knn"], "candidates": [3], "search_cv_roc_auc": [0.8], "params": [{}], "settings": ["k=1"]}
    )
    cv = pd.DataFrame(
        {
            "family": ["dummy", "knn"],
            "cv_roc_auc_mean": [0.5, 0.9],
            "cv_roc_auc_std": [0.0, 0.01],
            "cv_brier_mean": [0.25, 0.1],
            "cv_fits": [6, 6],
        }
    )
    selection = cv.iloc[1:].assign(within_noise=True, cost_us_per_customer=2.5, model_columns=4)
    paired = pd.DataFrame(
        {
            "family": ["dummy"],
            "chosen_minus_this": [0.4],
            "chosen_minus_this_ci95_low": [0.3],
            "chosen_minus_this_ci95_high": [0.5],
            "folds_won_by_chosen": [6],
        }
    )
    table = comparison_table(best, cv, selection, paired, "knn")
    assert table["family"].tolist() == ["knn", "dummy"] and table.loc[0, "settings"] == "k=1"
    assert table["chosen"].tolist() == [True, False] and table.loc[0, "cost_us_per_customer"] == 2.5
    assert pd.isna(table.loc[1, "cost_us_per_customer"])  # the dummy is no candidate
    assert pd.isna(table.loc[0, "chosen_minus_this"]) and table.loc[1, "folds_won_by_chosen"] == 6


def test_the_corrected_interval_is_nadeau_bengio_and_wider_than_the_naive_one():
    d = pd.Series([0.01, 0.02, -0.005, 0.015, 0.0, 0.01, 0.02, 0.005, -0.01, 0.012])  # 2 repeats x 5 folds
    result = paired_difference(d, test_share=1 / 5)
    corrected = np.sqrt((1 / 10 + 0.25) * d.var(ddof=1))  # n_test / n_train = 1/4 for 5 folds
    half = stats.t.ppf(0.975, 9) * corrected
    assert result["chosen_minus_this"] == pytest.approx(d.mean())
    assert result["chosen_minus_this_ci95_high"] - result["chosen_minus_this"] == pytest.approx(half)
    assert half > stats.t.ppf(0.975, 9) * d.std(ddof=1) / np.sqrt(10)  # wider than the naive interval
    assert result["folds_won_by_chosen"] == 7


def test_paired_comparisons_line_folds_up_by_number():
    scores = pd.DataFrame(
        {
            "family": ["a"] * 3 + ["b"] * 3,
            "fold": [0, 1, 2] * 2,
            "roc_auc": [0.9, 0.8, 0.85, 0.8, 0.85, 0.8],
            "brier": [0.1, 0.12, 0.11, 0.13, 0.12, 0.12],
        }
    )
    paired = paired_comparisons(scores, "a", folds=3).set_index("family")
    assert paired.loc["b", "chosen_minus_this"] == pytest.approx((0.1 - 0.05 + 0.05) / 3)
    assert paired.loc["b", "folds_won_by_chosen"] == 2
    summary = summarise_cv(scores).set_index("family")
    assert summary.loc["a", "cv_fits"] == 3 and summary.loc["a", "cv_roc_auc_mean"] == pytest.approx(0.85)


def test_hyperparameters_read_as_short_text():
    assert describe(0.123456) == "0.1235" and describe(5) == "5"
