"""Two-group comparison of every feature: statistics, effect size, test, multiple-testing correction.

Used by ``eda`` (declined vs same level) and ``segment`` (a segment vs the rest). Numeric features:
Mann-Whitney U and the rank-biserial correlation; categorical: chi-square and Cramér's V. Both effect
sizes live on [0, 1] in absolute value, so features of both kinds rank together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

GROUP_STATISTICS = ("median", "mean", "shares")  # per-group columns, suffixed _a and _b


def holm(p_values: pd.Series) -> pd.Series:
    """Holm-Bonferroni adjusted p-values (controls the family-wise error rate)."""
    order = p_values.sort_values(kind="stable")
    m = len(order)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * order.to_numpy()))
    return pd.Series(adjusted, index=order.index).reindex(p_values.index)


def compare_numeric(a: pd.Series, b: pd.Series) -> dict:
    test = stats.mannwhitneyu(b, a, alternative="two-sided")
    return {
        "median_a": a.median(),
        "median_b": b.median(),
        "mean_a": a.mean(),
        "mean_b": b.mean(),
        "test": "mann_whitney_u",
        "statistic": float(test.statistic),
        "p_value": float(test.pvalue),
        "effect_measure": "rank_biserial",
        "effect_size": 2 * test.statistic / (len(a) * len(b)) - 1,
    }


def compare_categorical(a: pd.Series, b: pd.Series) -> dict:
    table = pd.crosstab(pd.concat([a, b]), np.r_[np.zeros(len(a)), np.ones(len(b))])
    if min(table.shape) < 2:  # a single level: nothing to test
        chi2, p_value, cramers_v = 0.0, 1.0, 0.0
    else:
        chi2, p_value, _, _ = stats.chi2_contingency(table, correction=False)
        cramers_v = np.sqrt(chi2 / (table.to_numpy().sum() * (min(table.shape) - 1)))
    shares = lambda s: "; ".join(f"{k}: {v:.3f}" for k, v in s.value_counts(normalize=True).sort_index().items())  # noqa: E731
    return {
        "shares_a": shares(a),
        "shares_b": shares(b),
        "test": "chi_square",
        "statistic": float(chi2),
        "p_value": float(p_value),
        "effect_measure": "cramers_v",
        "effect_size": float(cramers_v),
    }


def compare_groups(
    frame: pd.DataFrame, in_b: pd.Series, numeric: list[str], categorical: list[str], alpha: float
) -> pd.DataFrame:
    """One row per feature comparing rows where ``in_b`` is False (group a) with True (group b), strongest
    effect first; ``significant`` uses Holm-adjusted p-values."""
    in_b = in_b.astype(bool).to_numpy()
    rows = []
    for feature in [*numeric, *categorical]:
        a, b = frame.loc[~in_b, feature], frame.loc[in_b, feature]
        result = compare_numeric(a, b) if feature in numeric else compare_categorical(a, b)
        rows.append({"feature": feature, "kind": "numeric" if feature in numeric else "categorical", **result})
    table = pd.DataFrame(rows)
    table["p_value_holm"] = holm(table["p_value"])
    table["significant"] = table["p_value_holm"] < alpha
    table["abs_effect"] = table["effect_size"].abs()
    table = table.sort_values(["abs_effect", "feature"], ascending=[False, True]).drop(columns="abs_effect")
    columns = ["feature", "kind", *(f"{stat}_{group}" for stat in GROUP_STATISTICS for group in "ab")]
    columns += ["test", "statistic", "p_value", "p_value_holm", "significant", "effect_measure", "effect_size"]
    return table.reindex(columns=columns).reset_index(drop=True)


def rename_groups(table: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Give the a/b columns the groups' names, e.g. median_same_level, median_declined."""
    names = {f"{stat}_{group}": f"{stat}_{name}" for stat in GROUP_STATISTICS for group, name in (("a", a), ("b", b))}
    return table.rename(columns=names)


def split_numeric(frame: pd.DataFrame, features: list[str], max_levels: int) -> tuple[list[str], list[str]]:
    """(continuous, discrete) among ``features``: few distinct values are shown as shares, not distributions."""
    discrete = [f for f in features if frame[f].nunique() <= max_levels]
    return [f for f in features if f not in discrete], discrete


def paired_difference(differences: pd.Series, test_share: float) -> dict:
    """Mean of paired fold-by-fold differences with the Nadeau-Bengio corrected 95% interval.

    Folds of repeated cross-validation share training rows, so their differences are correlated and
    the naive t interval is too narrow; Nadeau and Bengio (2003) inflate the variance by
    n_test / n_train: var = (1 / J + n_test / n_train) * s^2 over J folds."""
    d = differences.to_numpy(dtype=float)
    folds = len(d)
    spread = np.sqrt((1 / folds + test_share / (1 - test_share)) * d.var(ddof=1))
    half = stats.t.ppf(0.975, folds - 1) * spread
    return {
        "chosen_minus_this": float(d.mean()),
        "chosen_minus_this_ci95_low": float(d.mean() - half),
        "chosen_minus_this_ci95_high": float(d.mean() + half),
        "folds_won_by_chosen": int((d > 0).sum()),
    }
