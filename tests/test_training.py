"""Model choice on tiny inputs: features dropped for multicollinearity, the family chosen, the table."""

from __future__ import annotations

import pandas as pd

from stages.lib.schema import FEATURES
from stages.lib.training import choose_family, comparison_table, describe, model_features


def test_the_member_of_a_pair_less_tied_to_the_target_is_dropped_once():
    pairs = [
        {"features": ["revenue_current", "revenue_previous"], "phik_with_target": [0.2, 0.5]},
        {"features": ["revenue_current", "minutes_current"], "phik_with_target": [0.2, 0.1]},  # already broken
    ]
    features, dropped = model_features(pairs, drop_multicollinear=True)
    assert dropped == ["revenue_current"] and features == [f for f in FEATURES if f != "revenue_current"]
    assert model_features(pairs, drop_multicollinear=False) == (FEATURES, [])


def test_the_family_with_the_best_repeated_cv_mean_wins_and_never_the_dummy():
    cv = pd.DataFrame({"family": ["dummy", "knn", "svc"], "cv_roc_auc_mean": [0.99, 0.9, 0.9], "cv_roc_auc_std": 0})
    assert choose_family(cv) == "knn"  # a tie goes to the first name


def test_comparison_table_is_sorted_best_first_with_the_search_columns():
    best = pd.DataFrame(
        {"family": ["knn"], "candidates": [3], "search_cv_roc_auc": [0.8], "params": [{}], "settings": ["k=1"]}
    )
    cv = pd.DataFrame(
        {"family": ["dummy", "knn"], "cv_roc_auc_mean": [0.5, 0.9], "cv_roc_auc_std": [0.0, 0.01], "cv_fits": [6, 6]}
    )
    table = comparison_table(best, cv)
    assert table["family"].tolist() == ["knn", "dummy"] and table.loc[0, "settings"] == "k=1"


def test_hyperparameters_read_as_short_text():
    assert describe(0.123456) == "0.1235" and describe(5) == "5"
