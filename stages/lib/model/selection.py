"""Which candidate becomes the model: the best by repeated-CV ROC-AUC, or the cheapest to score among those
the data cannot tell from the best (`train.selection`, docs/pipeline.md: Selection).

A candidate is within the noise of the best when the paired fold-by-fold ROC-AUC difference (best minus it)
has a Nadeau-Bengio 95 % interval that holds zero and its calibrated Brier is not significantly worse
(the interval of its Brier minus the best's reaches zero or below). Among those, the lowest scoring cost
wins; costs within ``ties_within`` of the lowest are a tie, and a tie goes to the simpler pipeline: the
simpler family (`families.SIMPLEST_FIRST`), then the fewer columns the model sees.
"""

from __future__ import annotations

import pandas as pd

from stages.lib.model.families import SIMPLEST_FIRST
from stages.lib.stats import paired_difference

REFERENCE = "reference_extra_trees"  # a fixed yardstick: a candidate only for fastest_within_noise
BASELINE = "dummy"  # never a candidate


def best_family(cv: pd.DataFrame, besides: tuple[str, ...] = ()) -> str:
    """The searched family with the highest repeated-CV mean ROC-AUC (never the dummy, the reference or
    ``besides``; a tie goes to the first name)."""
    finalists = cv[~cv["family"].isin([BASELINE, REFERENCE, *besides])]
    return str(finalists.sort_values(["cv_roc_auc_mean", "family"], ascending=[False, True])["family"].iloc[0])


def against_best(fold_scores: pd.DataFrame, best: str, folds: int) -> pd.DataFrame:
    """Per candidate: the best's ROC-AUC minus its own and its own Brier minus the best's, fold by fold,
    each with the corrected 95 % interval, and whether it is within the noise of the best."""
    columns = {"roc_auc": ("roc_auc_best_minus_this", 1), "brier": ("brier_this_minus_best", -1)}
    wide = {metric: fold_scores.pivot(index="fold", columns="family", values=metric) for metric in columns}
    rows = []
    for family in wide["roc_auc"].columns.drop(BASELINE, errors="ignore"):
        row = {"family": family}
        for metric, (name, sign) in columns.items():  # oriented so that a positive value favours the best
            result = paired_difference(sign * (wide[metric][best] - wide[metric][family]), test_share=1 / folds)
            row[name] = result["chosen_minus_this"]
            row[f"{name}_ci95_low"] = result["chosen_minus_this_ci95_low"]
            row[f"{name}_ci95_high"] = result["chosen_minus_this_ci95_high"]
        rows.append(row)
    table = pd.DataFrame(rows)
    table["within_noise"] = (table["roc_auc_best_minus_this_ci95_low"] <= 0) & (
        table["brier_this_minus_best_ci95_low"] <= 0
    )
    return table


def simplicity(family: str, columns: int) -> tuple[int, int]:
    """Sort key: simpler family first (the reference counts as extra trees), then fewer columns."""
    return SIMPLEST_FIRST.index("extra_trees" if family == REFERENCE else family), columns


def choose(candidates: pd.DataFrame, rule: str, ties_within: float) -> str:
    """The chosen family from ``candidates``: family, cv_roc_auc_mean, within_noise, cost_us_per_customer,
    model_columns (every candidate but the dummy)."""
    searched = candidates[candidates["family"] != REFERENCE]
    best = best_family(searched)
    if rule == "best":
        return best
    eligible = candidates[candidates["within_noise"] | (candidates["family"] == best)]
    cheapest = eligible["cost_us_per_customer"].min()
    tied = eligible[eligible["cost_us_per_customer"] <= cheapest * (1 + ties_within)]
    keys = {row.family: simplicity(row.family, row.model_columns) for row in tied.itertuples()}
    return min(keys, key=lambda family: (keys[family], family))
