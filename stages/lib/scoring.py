"""Scoring a new month: the same validation, fixes and features as `prepare`, then the saved model.

Two things are softer than in `prepare`, because one odd row must not stop a month's campaign: an
empty cell or an unseen label in a behaviour column of market_file.csv is set aside before the
checks, the customer is scored through the pipeline's imputers (median, most frequent) and the row
is flagged. Structural defects (a missing column, text in a number, a missing customer or period,
an empty id or revenue) still stop the run with the usual one-paragraph error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stages.lib.features import build_customers, regular_mask
from stages.lib.model import predict_risk
from stages.lib.quality import QualityLog
from stages.lib.raw import MISSING_MARKERS, WHITESPACE_RUN, validate_raw
from stages.lib.schema import FEATURES, ID, LABEL_TYPOS, MARKET_FILE, MONEY, PROFIT, Column
from stages.lib.segments import NOT_REGULAR, assign_cells
from stages.lib.settings import Prepare, Segment
from stages.lib.words import PHRASES

NOT_SCORED = "not_scored_reason"
# A placeholder that passes the checks; the cell is set back to missing before the model sees it.
PLACEHOLDER = {"int": "0", "float": "0"}
SOFT_FEATURES = [c.name for c in MARKET_FILE.columns if c.name in FEATURES]  # what `soften` may set aside


def not_scored(all_ids: pd.Series, scored_ids: pd.Series, rule: str) -> pd.Series:
    """Why each customer absent from the features was left out: only the extreme-revenue rule drops anyone."""
    reason = (
        "revenue above the extreme-revenue threshold (rule drop_customer)"
        if rule == "drop_customer"
        else "revenue above the extreme-revenue threshold in every month: no plausible month to repair from"
    )
    missing = sorted(set(all_ids) - set(scored_ids))
    return pd.Series(reason, index=pd.Index(missing, name=ID), dtype=object)


def odd_cells(values: pd.Series, column: Column) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """(empty, unseen) masks of one column's cells, and the text of those cells with runs of whitespace
    made one space. pyarrow compute, vectorised: it runs on every cell of a month."""
    text = pa.array(values, type=pa.large_string(), from_pandas=True)
    if column.kind == "category":  # labels may hold spaces; the missing markers hold none
        text = pc.replace_substring_regex(text, WHITESPACE_RUN, " ")
    markers = pa.array(sorted(MISSING_MARKERS), type=pa.large_string())
    empty = pc.fill_null(pc.is_in(pc.utf8_lower(text), value_set=markers), True).to_numpy(zero_copy_only=False)
    unseen = np.zeros(len(values), dtype=bool)
    if column.kind == "category":
        known = [*column.labels, *(typo for typo, fixed in LABEL_TYPOS.items() if fixed in column.labels)]
        found = pc.is_in(text, value_set=pa.array(known, type=pa.large_string())).to_numpy(zero_copy_only=False)
        unseen = ~found & ~empty
    odd = np.flatnonzero(empty | unseen)
    return empty, unseen, pd.Series(text.take(odd).to_pylist(), index=values.index[odd], dtype=object)


def soften(market: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """market_file.csv with empty cells and unseen labels of model features replaced by placeholders;
    per column, the original text of each replaced row (same row positions as ``market``)."""
    market = market.copy()
    replaced = {}
    for column in MARKET_FILE.columns:
        if column.name not in FEATURES or column.raw not in market:
            continue
        empty, unseen, odd = odd_cells(market[column.raw], column)
        bad = empty | unseen
        if bad.any():
            replaced[column.name] = odd.where(unseen[bad], "")
            placeholder = next(iter(column.labels)) if column.kind == "category" else PLACEHOLDER[column.kind]
            market.loc[bad, column.raw] = placeholder
    return market, replaced


def flags_and_gaps(
    market: pd.DataFrame, replaced: dict[str, pd.Series], drop_duplicates: bool
) -> tuple[pd.DataFrame, pd.Series]:
    """(cells to set missing: validated id x feature, True where replaced; a flag text per id).

    Rows keep their order through validation except repeated rows dropped first, as validate_file does."""
    kept = ~market.duplicated(keep="first") if drop_duplicates else pd.Series(True, index=market.index)
    gaps = pd.DataFrame(False, index=market.index, columns=list(replaced))
    notes = pd.Series("", index=market.index, dtype=object)
    for name, originals in replaced.items():
        gaps.loc[originals.index, name] = True
        for row, original in originals.items():
            what = f"unseen label {original!r}" if original else "empty"
            notes[row] = "; ".join(filter(None, [notes[row], f"{PHRASES[name]} {what}, imputed"]))
    return gaps[kept].reset_index(drop=True), notes[kept].reset_index(drop=True)


@dataclass(frozen=True)
class ScoredMonth:
    customers: pd.DataFrame  # features (imputed cells missing), profit, probability, regular, segment, flags
    left_out: pd.DataFrame  # id, profit, not_scored_reason: customers the fixing rules could not keep


PROBABILITY_DECIMALS = 10  # the last bits of k-NN's distances follow how rows are batched together


def soft_tables(
    raw: dict[str, pd.DataFrame], prepare: Prepare, log: QualityLog
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.Series]:
    """Raw string frames of a month -> validated tables, and per customer id the cells to impute and a flag text."""
    market, replaced = soften(raw[MARKET_FILE.key])
    tables = validate_raw(
        {**raw, MARKET_FILE.key: market}, prepare.drop_exact_duplicate_rows, log, require_target=False
    )
    gaps, notes = flags_and_gaps(market, replaced, prepare.drop_exact_duplicate_rows)
    ids = tables[MARKET_FILE.key][ID].to_numpy()
    gaps.index, notes.index = ids, ids
    return tables, gaps, notes


def score_tables(
    tables: dict[str, pd.DataFrame],
    gaps: pd.DataFrame,
    notes: pd.Series,
    pipeline,
    prepare: Prepare,
    segment: Segment,
    log: QualityLog,
) -> ScoredMonth:
    """Validated tables (of a month or of a partition of its customers) -> features, probability,
    regularity, cell and flags per customer, and the customers the fixing rules left unscorable."""
    customers = build_customers(tables, prepare.extreme_revenue, log)
    for name in gaps.columns:
        hit = gaps[name].reindex(customers[ID]).to_numpy(dtype=bool)
        if pd.api.types.is_integer_dtype(customers[name]):
            customers[name] = customers[name].astype(float)
        customers.loc[hit, name] = np.nan
    customers["probability"] = predict_risk(pipeline, customers).round(PROBABILITY_DECIMALS)
    customers["regular"] = regular_mask(customers, prepare.regular.min_revenue)
    cells = assign_cells(customers["probability"], customers[PROFIT], segment.high_risk, segment.high_profit)
    customers["segment"] = np.where(customers["regular"], cells, NOT_REGULAR)
    customers["flags"] = notes.reindex(customers[ID]).fillna("").to_numpy()
    reasons = not_scored(tables[MONEY.key][ID], customers[ID], prepare.extreme_revenue.rule)
    profit = tables[MONEY.key].set_index(ID)[PROFIT]
    left_out = pd.DataFrame({ID: reasons.index, PROFIT: profit.reindex(reasons.index).to_numpy(), NOT_SCORED: reasons})
    return ScoredMonth(customers, left_out.reset_index(drop=True))


def score_month(
    raw: dict[str, pd.DataFrame], pipeline, prepare: Prepare, segment: Segment, log: QualityLog
) -> ScoredMonth:
    """Raw string frames of a whole month -> `score_tables` (the reference path the partitions must match)."""
    return score_tables(*soft_tables(raw, prepare, log), pipeline, prepare, segment, log)
