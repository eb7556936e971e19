"""The exploratory comparison: how customers whose activity declined differ from the rest.

Pure functions over the prepared customers: `stages/eda.py` reads the data, hands what ``explore``
returns to `stages/report/eda.py` for figures and words, and writes the tables it holds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import combinations

import pandas as pd
from sklearn.metrics import roc_auc_score

from stages.lib.schema import (
    BINARY_FEATURES,
    FEATURES,
    ID,
    MINUTES_COLUMNS,
    NOMINAL_FEATURES,
    NUMERIC_FEATURES,
    REVENUE_COLUMNS,
    TARGET,
)
from stages.lib.settings import Eda
from stages.lib.stats import compare_groups, rename_groups, split_numeric


@dataclass(frozen=True)
class Exploration:
    """Everything the eda stage computes; the report draws and words it, the stage writes it."""

    customers: int
    declined: int
    continuous: list[str]  # numeric features shown as distributions
    discrete: list[str]  # numeric features with few values, shown as shares
    table: pd.DataFrame  # one row per feature, strongest effect first
    correlation: pd.DataFrame  # phik of features and target
    significance: pd.DataFrame  # phik Z-scores
    pairs: list[dict]
    identifier: dict
    trends: dict[str, pd.DataFrame]  # measure -> mean per class (rows) and month, earliest first
    summary: dict  # reports/eda_summary.json


def phik_matrices(customers: pd.DataFrame, continuous: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """phik correlation of all features and the target, and its significance (Z-score)."""
    import phik  # noqa: F401  (registers the DataFrame accessors)

    frame = customers[[*FEATURES, TARGET]]
    # njobs=1: phik takes half a second for the prepared customers in this process; its default pool of
    # worker processes costs more to start than the work it shares (the same numbers either way)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # phik warns about low-count bins it merges on its own
        correlation = frame.phik_matrix(interval_cols=continuous, verbose=False, njobs=1)
        significance = frame.significance_matrix(
            interval_cols=continuous, significance_method="asymptotic", verbose=False, njobs=1
        )
    return correlation.round(6), significance.round(6)


def multicollinear_pairs(correlation: pd.DataFrame, threshold: float) -> list[dict]:
    """Feature pairs (target excluded) whose phik reaches the threshold, strongest first."""
    pairs = []
    for a, b in combinations([c for c in correlation.columns if c != TARGET], 2):
        if (phik := float(correlation.loc[a, b])) >= threshold:
            to_target = [float(correlation.loc[a, TARGET]), float(correlation.loc[b, TARGET])]
            pairs.append({"features": [a, b], "phik": phik, "phik_with_target": to_target})
    return sorted(pairs, key=lambda p: -p["phik"])


def identifier_check(customers: pd.DataFrame, bins: int) -> dict:
    """Does the customer id alone predict the target? If so the export is ordered by label.

    The id carries no behaviour, so a model that used it (or unshuffled folds over sorted rows)
    would learn the order of the file, not the customer; the pipeline never uses it as a feature."""
    auc = roc_auc_score(customers[TARGET], customers[ID])
    ranges = pd.qcut(customers[ID], bins, duplicates="drop")
    by_range = customers.groupby(ranges, observed=True)[TARGET].agg(["size", "mean"])
    return {
        "roc_auc_of_id": float(max(auc, 1 - auc)),  # either direction: any order is a leak
        "declined_share_by_id_range": [
            {"ids": f"{int(r.left) + 1}-{int(r.right)}", "customers": int(row["size"]), "declined_share": row["mean"]}
            for r, row in by_range.iterrows()
        ],
    }


def trend_means(customers: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Mean of each period column per class (index: target 0/1), earliest month first (``columns`` run back)."""
    return customers.groupby(TARGET)[columns[::-1]].mean()


def target_associations(correlation: pd.DataFrame) -> pd.Series:
    """phik of each feature with the target, strongest first."""
    return correlation[TARGET].drop(TARGET).sort_values(ascending=False)


def summary(customers: pd.DataFrame, table: pd.DataFrame, pairs: list[dict], identifier: dict, settings: Eda) -> dict:
    """reports/eda_summary.json: `train` reads the multicollinear pairs from it."""
    return {
        "customers": len(customers),
        "declined_share": float(customers[TARGET].mean()),
        "top_features": [
            {"feature": r.feature, "effect_measure": r.effect_measure, "effect_size": r.effect_size}
            for r in table.head(settings.top_features).itertuples()
        ],
        "multicollinearity_threshold": settings.multicollinearity_threshold,
        "multicollinearity_measured_on": "train customers only",
        "multicollinear_pairs": pairs,
        "identifier_check": identifier,
    }


def explore(customers: pd.DataFrame, train: pd.DataFrame, settings: Eda) -> Exploration:
    """The whole comparative study of declined vs same-level customers.

    The description uses every regular customer; the phik matrices, from which `train` learns which
    feature of a multicollinear pair to drop, use the train customers only, so nothing the model
    learns has seen a test customer."""
    continuous, discrete = split_numeric(customers, NUMERIC_FEATURES, settings.discrete_max_levels)
    nominal = [*BINARY_FEATURES, *NOMINAL_FEATURES]
    compared = compare_groups(customers, customers[TARGET] == 1, NUMERIC_FEATURES, nominal, settings.alpha)
    table = rename_groups(compared, "same_level", "declined")
    correlation, significance = phik_matrices(train, continuous)
    pairs = multicollinear_pairs(correlation, settings.multicollinearity_threshold)
    identifier = identifier_check(customers, settings.identifier_ranges)
    return Exploration(
        customers=len(customers),
        declined=int(customers[TARGET].sum()),
        continuous=continuous,
        discrete=discrete,
        table=table,
        correlation=correlation,
        significance=significance,
        pairs=pairs,
        identifier=identifier,
        trends={"revenue": trend_means(customers, REVENUE_COLUMNS), "minutes": trend_means(customers, MINUTES_COLUMNS)},
        summary=summary(customers, table, pairs, identifier, settings),
    )
