"""Does a new month still look like the month the model learned from? PSI, unseen categories, scores.

The reference (``reference_stats``, written by `drift_reference`) holds each numeric feature's quantile
bins, each category's shares, the typical (median) values and the model's probability bins. ``compare``
measures a month against it by PSI = Σ (month − reference) · ln(month / reference) and the share of
unseen labels or empty cells; thresholds give each row and the month a verdict fine / watch / retrain.
Plain NumPy: a drift library would add dozens of pinned packages for the same number.
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


def stored_edges(values: np.ndarray, bins: int) -> list[float]:
    """`quantile_edges` cut on the stored reference's grid (edges that rounding would merge, merged):
    read back from its file, the reference bins a month exactly as it did when it was computed."""
    return sorted({round(edge, STORED_DIGITS) for edge in quantile_edges(values, bins)})


def bin_shares(values: np.ndarray, edges: list[float]) -> list[float]:
    """Share of values in each bin; bin i holds edges[i-1] < x <= edges[i] (ends open)."""
    index = np.searchsorted(np.asarray(edges), values, side="left")
    counts = np.bincount(index, minlength=len(edges) + 1)
    return [float(c) for c in counts / max(len(values), 1)]


def psi(expected: list[float], actual: list[float]) -> float:
    e = np.maximum(np.asarray(expected, dtype=float), FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def reference_stats(customers: pd.DataFrame, probability: np.ndarray, bins: int) -> dict:
    """What a later month is compared with, computed on the training month's regular customers."""
    numeric = {}
    for feature in NUMERIC_FEATURES:
        values = customers[feature].to_numpy(dtype=float)
        edges = stored_edges(values, bins)
        numeric[feature] = {"median": float(np.median(values)), "edges": edges, "shares": bin_shares(values, edges)}
    categorical = {
        f: {str(k): float(v) for k, v in customers[f].value_counts(normalize=True).sort_index().items()}
        for f in [*BINARY_FEATURES, *NOMINAL_FEATURES]
    }
    edges = stored_edges(np.asarray(probability, dtype=float), bins)
    return {
        "customers": len(customers),
        "numeric": numeric,
        "categorical": categorical,
        "probability": {"edges": edges, "shares": bin_shares(np.asarray(probability, dtype=float), edges)},
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
            bins = np.searchsorted(np.asarray(stats["edges"]), present, side="left")
            counts[feature] = {
                "bins": np.bincount(bins, minlength=len(stats["edges"]) + 1),
                "missing": len(values) - len(present),
            }
    for feature, shares in reference["categorical"].items():
        if feature in month:
            values = month[feature]
            known = values.isin(list(shares))
            labels = values[known].value_counts()
            counts[feature] = {
                "bins": np.array([int(labels.get(k, 0)) for k in shares]),
                "missing": int((~known).sum()),
            }
    scores = np.asarray(probability, dtype=float)
    scores = scores[~np.isnan(scores)]
    edges = np.asarray(reference["probability"]["edges"])
    counts[PROBABILITY] = {
        "bins": np.bincount(np.searchsorted(edges, scores, side="left"), minlength=len(edges) + 1),
        "missing": 0,
    }
    return counts


def add_counts(first: dict, second: dict) -> dict:
    return {
        f: {"bins": first[f]["bins"] + second[f]["bins"], "missing": first[f]["missing"] + second[f]["missing"]}
        for f in first
    }


def count_row(feature: str, counts: dict, reference: dict, settings: Drift) -> dict:
    """PSI and unseen/empty share of one feature, from its counts."""
    bins, missing = counts["bins"], counts["missing"]
    shares = bins / max(int(bins.sum()), 1)
    if feature in reference["numeric"]:
        expected = reference["numeric"][feature]["shares"]
    else:
        expected = list(reference["categorical"][feature].values())
    value = psi(expected, [float(s) for s in shares])
    unseen = float(missing / max(int(bins.sum()) + missing, 1))
    row_verdict = worst(
        [
            verdict(value, settings.psi_watch, settings.psi_retrain),
            verdict(unseen, settings.unseen_watch, settings.unseen_retrain),
        ]
    )
    return {"feature": feature, "psi": value, "unseen_or_empty_share": unseen, "verdict": row_verdict}


def compare_counts(counts: dict, reference: dict, settings: Drift) -> pd.DataFrame:
    """One row per feature and one for the predicted probability: PSI, unseen/empty share, verdict."""
    features = [f for f in [*reference["numeric"], *reference["categorical"]] if f in counts]
    rows = [count_row(f, counts[f], reference, settings) for f in features]
    scores = counts[PROBABILITY]["bins"]
    value = psi(reference["probability"]["shares"], [float(s) for s in scores / max(int(scores.sum()), 1)])
    rows.append(
        {
            "feature": PROBABILITY,
            "psi": value,
            "unseen_or_empty_share": 0.0,
            "verdict": verdict(value, settings.psi_watch, settings.psi_retrain),
        }
    )
    table = pd.DataFrame(rows)
    # the stored reference's shares keep STORED_DIGITS decimals: PSI below that is their rounding, not drift
    keys = {"_order": table["verdict"].map(VERDICTS.index), "_psi": table["psi"].round(STORED_DIGITS)}
    ordered = table.assign(**keys).sort_values(["_order", "_psi"], ascending=False, kind="stable")
    return ordered.drop(columns=list(keys))


def compare(month: pd.DataFrame, probability: np.ndarray, reference: dict, settings: Drift) -> pd.DataFrame:
    """`compare_counts` of a whole month."""
    return compare_counts(month_counts(month, probability, reference), reference, settings)


def month_verdict(table: pd.DataFrame) -> str:
    return worst(table["verdict"])
