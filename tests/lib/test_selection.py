"""The selection rule on made-up fold scores: within the noise, the Brier guard, cost, ties, `best`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.lib.model.selection import REFERENCE, against_best, best_family, choose

FOLDS = 5


def fold_scores(**families: tuple[float, float, float]) -> pd.DataFrame:
    """family=(mean ROC-AUC, spread of its fold scores, mean Brier): 3 repeats x 5 folds, fold noise shared
    by every family (as on the same folds) plus each family's own."""
    rng = np.random.default_rng(0)
    shared = rng.normal(0, 0.02, 3 * FOLDS)
    rows = []
    for family, (roc_auc, spread, brier) in families.items():
        own = rng.normal(0, spread, 3 * FOLDS)
        for fold in range(3 * FOLDS):
            rows.append(
                {
                    "family": family,
                    "fold": fold,
                    "roc_auc": roc_auc + shared[fold] + own[fold],
                    "brier": brier + own[fold],
                }
            )
    return pd.DataFrame(rows)


def candidates(scores: pd.DataFrame, cost: dict, columns: dict | None = None) -> pd.DataFrame:
    means = scores.groupby("family", sort=False)["roc_auc"].mean().rename("cv_roc_auc_mean").reset_index()
    table = means.merge(against_best(scores, best_family(means), FOLDS))  # as train: never the reference
    return table.assign(
        cost_us_per_customer=table["family"].map(cost), model_columns=table["family"].map(columns or {}).fillna(10)
    )


def test_a_clearly_worse_family_is_not_within_the_noise_and_a_close_one_is():
    scores = fold_scores(soft_vote=(0.92, 0.005, 0.09), knn=(0.918, 0.005, 0.09), decision_tree=(0.86, 0.005, 0.12))
    table = against_best(scores, "soft_vote", FOLDS).set_index("family")
    assert table.loc["knn", "within_noise"] and not table.loc["decision_tree", "within_noise"]
    assert table.loc["soft_vote", "roc_auc_best_minus_this"] == 0 and table.loc["soft_vote", "within_noise"]
    low, high = table.loc["decision_tree", ["roc_auc_best_minus_this_ci95_low", "roc_auc_best_minus_this_ci95_high"]]
    assert 0 < low < 0.06 < high


def test_a_significantly_worse_brier_rules_a_family_out_even_with_the_same_roc_auc():
    scores = fold_scores(soft_vote=(0.92, 0.002, 0.09), knn=(0.919, 0.002, 0.11))
    table = against_best(scores, "soft_vote", FOLDS).set_index("family")
    assert (
        table.loc["knn", "roc_auc_best_minus_this_ci95_low"]
        <= 0
        <= table.loc["knn", "roc_auc_best_minus_this_ci95_high"]
    )
    assert table.loc["knn", "brier_this_minus_best_ci95_low"] > 0 and not table.loc["knn", "within_noise"]
    cost = {"soft_vote": 30.0, "knn": 1.0}
    assert choose(candidates(scores, cost), "fastest_within_noise", 0.1) == "soft_vote"


def test_the_cheapest_within_the_noise_wins_and_best_keeps_the_top_score():
    scores = fold_scores(
        soft_vote=(0.92, 0.005, 0.09),
        knn=(0.918, 0.005, 0.09),
        extra_trees=(0.915, 0.005, 0.09),
        logistic_regression=(0.85, 0.005, 0.1),
    )
    cost = {"soft_vote": 30.0, "knn": 14.0, "extra_trees": 4.0, "logistic_regression": 0.02}
    table = candidates(scores, cost)
    assert choose(table, "fastest_within_noise", 0.1) == "extra_trees"  # the far cheaper logistic is not in the noise
    assert choose(table, "best", 0.1) == "soft_vote"


def test_a_tie_in_cost_goes_to_the_simpler_family_then_to_fewer_columns():
    scores = fold_scores(
        soft_vote=(0.92, 0.005, 0.09), extra_trees=(0.918, 0.005, 0.09), random_forest=(0.917, 0.005, 0.09)
    )
    cost = {"soft_vote": 30.0, "extra_trees": 4.0, "random_forest": 4.3}  # within 10 %: a tie
    assert choose(candidates(scores, cost), "fastest_within_noise", 0.1) == "random_forest"
    assert choose(candidates(scores, cost), "fastest_within_noise", 0.05) == "extra_trees"  # no longer a tie
    scores = fold_scores(
        soft_vote=(0.92, 0.005, 0.09), extra_trees=(0.918, 0.005, 0.09), **{REFERENCE: (0.917, 0.005, 0.09)}
    )
    table = candidates(
        scores, {"soft_vote": 30.0, "extra_trees": 4.0, REFERENCE: 4.0}, {"extra_trees": 12, REFERENCE: 21}
    )
    assert choose(table, "fastest_within_noise", 0.1) == "extra_trees"  # the reference counts as extra trees


def test_the_reference_is_a_candidate_only_for_fastest_within_noise():
    scores = fold_scores(soft_vote=(0.92, 0.005, 0.09), **{REFERENCE: (0.93, 0.005, 0.09)})
    table = candidates(scores, {"soft_vote": 30.0, REFERENCE: 31.0})
    assert choose(table, "best", 0.1) == "soft_vote"  # the yardstick is never the best searched family
    dearer = candidates(scores, {"soft_vote": 30.0, REFERENCE: 40.0})
    assert choose(dearer, "fastest_within_noise", 0.1) == "soft_vote"  # within the noise, but dearer
    cheaper = candidates(scores, {"soft_vote": 30.0, REFERENCE: 5.0})
    assert choose(cheaper, "fastest_within_noise", 0.1) == REFERENCE
