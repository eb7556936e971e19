"""Does a new month still look like the month the model learned from? PSI, unseen categories, scores.

``compare`` measures a month against the reference (``reference_stats``, written by `drift_reference`) by
PSI = Σ (month − reference) · ln(month / reference) and the share of unseen labels or empty cells; see
docs/monthly.md (Drift) for the verdicts and why plain NumPy. Each row also says what moved, in numbers
a manager can check (`what_moved`): the training month's and this month's median (numbers) or share of
the label that moved most (categories), the direction, and every unseen label with its count.

A month is counted in partitions (`month_counts`, summed by `add_counts`): every count is an integer, so
the table is the same to the last bit whatever the partitioning. The month's median is exact too: each
partition counts its values rounded to ``MEDIAN_DECIMALS`` (the probability's to ``PROBABILITY_DECIMALS``)
as integer keys (value · 10^decimals), the counts are summed key by key and the median read off them.
Memory: one key per distinct rounded value and feature (16 bytes each). The schema bounds them: the
integer features have at most a few thousand values (days registered ≤ 20 001, minutes ≤ 44 641), the
shares and marketing contacts ≤ 10 001, the probability ≤ 10 001; the revenues, below the extreme-revenue
threshold (20 000 in params.yaml), ≤ 2 000 001 each, and never more than the customers. Measured on
10 M customers: the shop's revenues (one decimal, about 2 000 to 8 000) make 60 001 keys, 1 MB per
revenue column, whatever the number of customers; the worst case (every revenue a different kopeck
below 20 000) 1 986 409 keys, 32 MB per revenue column, 96 MB in all: less than the month's compact
table (about 300 MB), so no binned fallback is needed and every median stays exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.lib.schema import BINARY_FEATURES, NOMINAL_FEATURES, NUMERIC_FEATURES
from stages.lib.settings import Budget, Drift, Settings

VERDICTS = ("fine", "watch", "retrain")
NOT_COMPARED = "not_compared"  # the training month's own verdict: it is the reference, not compared with itself
STORED_DIGITS = 6  # decimals of the stored reference (reports/drift_reference.json)
FLOOR = 1e-4  # an empty bin counts as this share, so that PSI stays finite
PROBABILITY = "predicted_probability"
MEDIAN_DECIMALS = 2  # a feature's values are counted (and its month's median taken) rounded to kopecks/hundredths
PROBABILITY_DECIMALS = 4  # the predicted probability's, for its median
NUMBER_DIRECTIONS = ("higher", "lower", "same")
CATEGORY_DIRECTIONS = ("more", "fewer", "same")
COLUMNS = ("feature", "psi", "unseen_or_empty_share", "verdict", "reference", "month", "label", "direction")
COLUMNS += ("unseen", "empty")


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


def rounded_counts(values: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys, counts): the values rounded to ``decimals`` as integer keys value · 10^decimals (the digits
    ``np.round(values, decimals)`` keeps), sorted, each with how many values it holds."""
    keys = np.rint(np.asarray(values, dtype=float) * 10.0**decimals).astype(np.int64)
    found, counts = np.unique(keys, return_counts=True)
    return found, counts.astype(np.int64)


def merged_counts(first: tuple, second: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Two `rounded_counts` summed key by key: the counts of both sets of values together. Both key arrays are
    sorted, so the stable sort of the two runs is a linear merge (10 M revenues, every one a different kopeck,
    in 100 partitions: 12 s in all; the shop's one-decimal revenues: well under a second)."""
    keys, counts = np.concatenate([first[0], second[0]]), np.concatenate([first[1], second[1]]).astype(np.int64)
    if not len(keys):
        return keys, counts
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(counts, starts)


def counted_median(counts: tuple, decimals: int) -> float:
    """The median of the values `rounded_counts` counted, as ``np.median`` of the rounded values gives it
    (the mean of the two middle values of an even count); NaN without values."""
    keys, numbers = counts
    total = int(np.sum(numbers))
    if not total:
        return float("nan")
    cumulative = np.cumsum(numbers)
    low, high = (keys[np.searchsorted(cumulative, k, side="right")] for k in ((total - 1) // 2, total // 2))
    scale = 10.0**decimals
    return float((low / scale + high / scale) / 2)


def reference_stats(customers: pd.DataFrame, probability: np.ndarray, bins: int) -> dict:
    """What a later month is compared with, computed on the training month's regular customers: per numeric
    feature its median (the typical customer) and bins, per category its label shares, and the predicted
    probability's bins and median (of the probabilities rounded to ``PROBABILITY_DECIMALS``)."""
    numeric = {}
    for feature in NUMERIC_FEATURES:
        values = customers[feature].to_numpy(dtype=float)
        numeric[feature] = {"median": float(np.median(values)), **stored_bins(values, bins)}
    categorical = {
        f: {str(k): float(v) for k, v in customers[f].value_counts(normalize=True).sort_index().items()}
        for f in [*BINARY_FEATURES, *NOMINAL_FEATURES]
    }
    scores = np.asarray(probability, dtype=float)
    median = counted_median(rounded_counts(scores, PROBABILITY_DECIMALS), PROBABILITY_DECIMALS)
    return {
        "customers": len(customers),
        "numeric": numeric,
        "categorical": categorical,
        "probability": {**stored_bins(scores, bins), "median": median},
    }


def medians(reference: dict) -> dict:
    return {f: stats["median"] for f, stats in reference["numeric"].items()}


def verdict(value: float, watch: float, retrain: float) -> str:
    return "retrain" if value >= retrain else "watch" if value >= watch else "fine"


def worst(verdicts) -> str:
    return max(verdicts, key=VERDICTS.index, default="fine")


def month_counts(month: pd.DataFrame, probability: np.ndarray, reference: dict) -> dict:
    """What drift needs of (a partition of) a month, as integer counts: sums of two partitions' counts
    are the whole month's, whatever the partitioning, so the table is the same to the last bit. Per
    feature: ``bins`` (the reference's bins or labels), ``missing`` (empty cells and unseen labels); numbers
    also ``values`` (`rounded_counts`), categories ``unseen`` (label as written -> count, labels sorted)."""
    counts = {}
    for feature, stats in reference["numeric"].items():
        if feature in month:
            values = month[feature].to_numpy(dtype=float)
            present = values[~np.isnan(values)]
            counts[feature] = {
                "bins": binned(present, stats["edges"]),
                "missing": len(values) - len(present),
                "values": rounded_counts(present, MEDIAN_DECIMALS),
            }
    for feature, shares in reference["categorical"].items():
        if feature in month:
            column = month[feature].astype(object)
            known = column.isin(list(shares))
            bins = column[known].value_counts().reindex(list(shares), fill_value=0).to_numpy(dtype=np.int64)
            labels = column[~known & column.notna()].astype(str).value_counts()
            unseen = {str(label): int(labels[label]) for label in sorted(labels.index)}
            counts[feature] = {"bins": bins, "missing": int((~known).sum()), "unseen": unseen}
    scores = np.asarray(probability, dtype=float)
    present = scores[~np.isnan(scores)]
    counts[PROBABILITY] = {
        "bins": binned(present, reference["probability"]["edges"]),
        "missing": 0,
        "values": rounded_counts(present, PROBABILITY_DECIMALS),
    }
    return counts


def add_counts(first: dict, second: dict) -> dict:
    """Two partitions' `month_counts` summed: integers and keys only, so the order of the sum never matters."""
    summed = {}
    for feature, one in first.items():
        other = second[feature]
        both = {"bins": one["bins"] + other["bins"], "missing": one["missing"] + other["missing"]}
        if "values" in one:
            both["values"] = merged_counts(one["values"], other["values"])
        if "unseen" in one:
            labels = sorted({*one["unseen"], *other["unseen"]})
            both["unseen"] = {label: one["unseen"].get(label, 0) + other["unseen"].get(label, 0) for label in labels}
        summed[feature] = both
    return summed


def direction(month: float, reference: float, digits: int, words: tuple[str, str, str]) -> str:
    """``words`` (higher/more, lower/fewer, same) for ``month`` against ``reference``, both rounded to
    ``digits`` (below that is rounding, not a move); "" when either has no value."""
    if np.isnan(month) or np.isnan(reference):
        return ""
    month, reference = round(month, digits), round(reference, digits)
    return words[0] if month > reference else words[1] if month < reference else words[2]


def number_moved(counts: dict, median: float, decimals: int) -> dict:
    """The manager's columns of a number's row: the training month's median, this month's (`counted_median`
    of its values rounded to ``decimals``), higher/lower/same, and its empty cells."""
    month = counted_median(counts["values"], decimals)
    moved = direction(month, median, decimals, NUMBER_DIRECTIONS)
    return {
        "reference": median,
        "month": month,
        "label": "",
        "direction": moved,
        "unseen": [],
        "empty": counts["missing"],
    }


def category_moved(counts: dict, shares: dict) -> dict:
    """The manager's columns of a category's row: the label whose share moved most (the first in the
    reference's order on a tie), its share in the training month and this month (among the month's customers
    with a known label, as PSI counts them), more/fewer/same; the unseen labels as written with their counts,
    most first (then by label), and the empty cells' count."""
    bins = counts["bins"]
    labels, expected = list(shares), np.asarray(list(shares.values()), dtype=float)
    month = bins / max(int(bins.sum()), 1)
    at = int(np.argmax(np.abs(np.round(month - expected, STORED_DIGITS))))
    unseen = [(label, int(count)) for label, count in sorted(counts["unseen"].items(), key=lambda i: (-i[1], i[0]))]
    return {
        "reference": float(expected[at]),
        "month": float(month[at]),
        "label": labels[at],
        "direction": direction(float(month[at]), float(expected[at]), STORED_DIGITS, CATEGORY_DIRECTIONS),
        "unseen": unseen,
        "empty": int(counts["missing"]) - sum(count for _, count in unseen),
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
    """One row per feature and one for the predicted probability, worst verdict first (`COLUMNS`): PSI,
    unseen/empty share, verdict, and what moved: ``reference`` and ``month`` (the training month's and this
    month's median of a number, or share of ``label``), ``direction`` (higher/lower/same of a number,
    more/fewer/same of the label), ``unseen`` ([(label as written, count)], most first; [] for numbers) and
    ``empty`` (the empty cells' count)."""
    rows = []
    for feature, stats in reference["numeric"].items():
        if feature in counts:
            moved = number_moved(counts[feature], stats["median"], MEDIAN_DECIMALS)
            rows.append(count_row(feature, counts[feature], stats["shares"], settings) | moved)
    for feature, shares in reference["categorical"].items():
        if feature in counts:
            moved = category_moved(counts[feature], shares)
            rows.append(count_row(feature, counts[feature], list(shares.values()), settings) | moved)
    probability = reference["probability"]
    row = count_row(PROBABILITY, counts[PROBABILITY], probability["shares"], settings)
    median = probability.get("median")  # a reference written before the median was stored has none
    rows.append(row | number_moved(counts[PROBABILITY], np.nan if median is None else median, PROBABILITY_DECIMALS))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    # the stored reference's shares keep STORED_DIGITS decimals: PSI below that is their rounding, not drift
    keys = {"_order": table["verdict"].map(VERDICTS.index), "_psi": table["psi"].round(STORED_DIGITS)}
    ordered = table.assign(**keys).sort_values(["_order", "_psi"], ascending=False, kind="stable")
    return ordered.drop(columns=list(keys)).reset_index(drop=True)


def drift_budget(budget: Budget, settings: Drift, verdict: str) -> Budget:
    """The month's budget under its drift verdict: a month that says retrain contacts at most
    ``drift.retrain_top`` customers (``on_retrain: top_of_list``, the highest expected values) or nobody
    (``wait``); any other month keeps its budget."""
    if verdict != "retrain":
        return budget
    limit = settings.retrain_top if settings.on_retrain == "top_of_list" else 0
    return budget.model_copy(update={"contacts": limit if budget.contacts is None else min(budget.contacts, limit)})


def within_drift_budget(settings: Settings, drift: pd.DataFrame) -> Settings:
    """``settings`` with the month's budget under its worst verdict (`drift_budget`): a month that says
    retrain is decided within it, so that the list and the campaign record say what is done."""
    verdict = worst(drift["verdict"])
    return settings.model_copy(update={"budget": drift_budget(settings.budget, settings.drift, verdict)})


def compare(month: pd.DataFrame, probability: np.ndarray, reference: dict, settings: Drift) -> pd.DataFrame:
    """`compare_counts` of a whole month."""
    return compare_counts(month_counts(month, probability, reference), reference, settings)
