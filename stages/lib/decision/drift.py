"""Does a new month still look like the month the model learned from? PSI, unseen categories, scores.

``compare`` measures a month against the reference (``reference_stats``, written by `drift_reference`) by
PSI = Σ (month − reference) · ln(month / reference) and the share of unseen labels or empty cells; see
docs/monthly.md (Drift) for the verdicts and why plain NumPy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.lib.schema import BINARY_FEATURES, NOMINAL_FEATURES, NUMERIC_FEATURES
from stages.lib.settings import Drift

VERDICTS = ("fine", "watch", "retrain")
STORED_DIGITS = 6  # decimals of the stored reference (reports/drift_reference.json)
FLOOR = 1e-4  # an empty bin counts as this share, so that PSI stays finite
PROBABILITY = "predicted_probability"


def quantile_edges(values: np.ndarray, bins: int) -> list[float]:
    """Inner edges of equal-count bins (repeated edges merged: a discrete feature gets fewer bins)."""
    edges = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return [float(e) for e in np.unique(edges)]


def stored_bins(values: np.ndarray, bins: int) -> dict:
    """Edges and shares of `quantile_edges`' bins, the edges cut on the stored reference's grid (edges that
    rounding would merge, merged): read back from its file, the reference bins a month exactly as it did
    when it was computed."""
    edges = sorted({round(edge, STORED_DIGITS) for edge in quantile_edges(values, bins)})
    return {"edges": edges, "shares": bin_shares(values, edges)}


def binned(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Count of values in each bin; bin i holds edges[i-1] < x <= edges[i] (ends open)."""
    return np.bincount(np.searchsorted(np.asarray(edges), values, side="left"), minlength=len(edges) + 1)


def bin_shares(values: np.ndarray, edges: list[float]) -> list[float]:
    """Share of values in each bin (`binned`)."""
    return [float(c) for c in binned(values, edges) / max(len(values), 1)]


def psi(expected: list[float], actual: list[float]) -> float:
    e, a = (np.maximum(np.asarray(shares, dtype=float), FLOOR) for shares in (expected, actual))
    return float(np.sum((a - e) * np.log(a / e)))


def reference_stats(customers: pd.DataFrame, probability: np.ndarray, bins: int) -> dict:
    """What a later month is compared with, computed on the training month's regular customers."""
    numeric = {}
    for feature in NUMERIC_FEATURES:
        values = customers[feature].to_numpy(dtype=float)
        numeric[feature] = {"median": float(np.median(values)), **stored_bins(values, bins)}
    categorical = {
        f: {str(k): float(v) for k, v in customers[f].value_counts(normalize=True).sort_index().items()}
        for f in [*BINARY_FEATURES, *NOMINAL_FEATURES]
    }
    return {
        "customers": len(customers),
        "numeric": numeric,
        "categorical": categorical,
        "probability": stored_bins(np.asarray(probability, dtype=float), bins),
    }


def medians(reference: dict) -> dict:
    return {f: stats["median"] for f, stats in reference["numeric"].items()}


def verdict(value: float, watch: float, retrain: float) -> str:
    return "retrain" if value >= retrain else "watch" if value >= watch else "fine"


def worst(verdicts) -> str:
    return max(verdicts, key=VERDICTS.index, default="fine")


def month_counts(month: pd.DataFrame, probability: np.ndarray, reference: dict) -> dict:
    """What drift needs of (a partition of) a month, as integer counts: sums of two partitions' counts
    are the whole month's, whatever the partitioning, so the PSI is the same to the last bit."""
    counts = {}
    for feature, stats in reference["numeric"].items():
        if feature in month:
            values = month[feature].to_numpy(dtype=float)
            present = values[~np.isnan(values)]
            counts[feature] = {"bins": binned(present, stats["edges"]), "missing": len(values) - len(present)}
    for feature, shares in reference["categorical"].items():
        if feature in month:
            known = month[feature].isin(list(shares))
            bins = month[feature][known].value_counts().reindex(list(shares), fill_value=0).to_numpy()
            counts[feature] = {"bins": bins, "missing": int((~known).sum())}
    scores = np.asarray(probability, dtype=float)
    counts[PROBABILITY] = {"bins": binned(scores[~np.isnan(scores)], reference["probability"]["edges"]), "missing": 0}
    return counts


def add_counts(first: dict, second: dict) -> dict:
    return {
        f: {"bins": first[f]["bins"] + second[f]["bins"], "missing": first[f]["missing"] + second[f]["missing"]}
        for f in first
    }


def count_row(feature: str, counts: dict, expected: list[float], settings: Drift) -> dict:
    """PSI against the reference's ``expected`` shares and unseen/empty share of one feature, from its counts."""
    bins, missing = counts["bins"], counts["missing"]
    value = psi(expected, bins / max(int(bins.sum()), 1))
    unseen = float(missing / max(int(bins.sum()) + missing, 1))
    verdicts = [verdict(value, settings.psi_watch, settings.psi_retrain)]
    if feature != PROBABILITY:  # a score is never unseen
        verdicts.append(verdict(unseen, settings.unseen_watch, settings.unseen_retrain))
    return {"feature": feature, "psi": value, "unseen_or_empty_share": unseen, "verdict": worst(verdicts)}


def compare_counts(counts: dict, reference: dict, settings: Drift) -> pd.DataFrame:
    """One row per feature and one for the predicted probability: PSI, unseen/empty share, verdict."""
    expected = (
        {feature: stats["shares"] for feature, stats in reference["numeric"].items()}
        | {feature: list(shares.values()) for feature, shares in reference["categorical"].items()}
        | {PROBABILITY: reference["probability"]["shares"]}
    )
    rows = [count_row(f, counts[f], shares, settings) for f, shares in expected.items() if f in counts]
    table = pd.DataFrame(rows)
    # the stored reference's shares keep STORED_DIGITS decimals: PSI below that is their rounding, not drift
    keys = {"_order": table["verdict"].map(VERDICTS.index), "_psi": table["psi"].round(STORED_DIGITS)}
    ordered = table.assign(**keys).sort_values(["_order", "_psi"], ascending=False, kind="stable")
    return ordered.drop(columns=list(keys))


def compare(month: pd.DataFrame, probability: np.ndarray, reference: dict, settings: Drift) -> pd.DataFrame:
    """`compare_counts` of a whole month."""
    return compare_counts(month_counts(month, probability, reference), reference, settings)
