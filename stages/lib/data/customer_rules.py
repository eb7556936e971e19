"""Rules about customers, decided inside a partition: exact repeats, conflicting keys, periods, same customers.

A partition holds every row of its customers from all four exports, so each customer rule is decided
inside it and the partitions' counts add up to the month's. `prepare` is one partition.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from stages.lib.data.cell_rules import ODD, ROW, TEXT, TYPO
from stages.lib.data.quality import QualityLog
from stages.lib.errors import DataError
from stages.lib.schema import ID, MARKET_FILE, PERIOD, RAW_FILES, RawFile

COUNTED_RULES = ("exact_duplicate_rows", "label_typos")
REPEATS, KEYS, PERIODS, PRESENT = range(4)  # checked file by file (the first three), then customers in every file


@dataclass(frozen=True)
class RuleBreak:
    """A customer rule broken inside one partition. The partitions' breaks of one rule add up to the month's
    (a customer lives in one partition), so `score` reports the month's first broken rule with all its rows."""

    order: int  # where the rule is checked: the month reports the broken rule checked first
    file: str
    column: str | None
    problem: str  # "{count}" stands for the number of rows or customers
    count: int
    ids: tuple
    rows: tuple
    hint: str


class CustomerRuleError(DataError):
    def __init__(self, broken: RuleBreak):
        problem = broken.problem.format(count=broken.count)
        super().__init__(broken.file, broken.column, problem, broken.ids, broken.hint, broken.rows)
        self.broken = broken  # `score` adds up the partitions' breaks (`month_break`)


def broken(spec: RawFile, rule: int, column, problem: str, count: int, ids, hint: str, rows=()) -> CustomerRuleError:
    index = RAW_FILES.index(spec)
    order = 3 * index + rule if rule != PRESENT else 3 * len(RAW_FILES) + index
    return CustomerRuleError(RuleBreak(order, spec.filename, column, problem, count, tuple(ids), tuple(rows), hint))


def month_break(breaks: list[RuleBreak]) -> RuleBreak:
    """The month's first broken rule, its partitions' rows and customers added up."""
    first = min(b.order for b in breaks)
    same = [b for b in breaks if b.order == first]
    ids, rows = sorted({i for b in same for i in b.ids}), sorted(r for b in same for r in b.rows)
    return replace(same[0], count=sum(b.count for b in same), ids=tuple(ids), rows=tuple(rows))


def rows_below_header(frame: pd.DataFrame, mask) -> list:
    return (frame.loc[np.asarray(mask, dtype=bool), ROW] + 1).tolist()


def sharing_keys(frame: pd.DataFrame, spec: RawFile) -> np.ndarray:
    """Rows whose key (id, and period where the file has periods) another row of the file also has."""
    return frame.duplicated(subset=spec.key_columns, keep=False).to_numpy()


def drop_repeats(
    frame: pd.DataFrame, spec: RawFile, same_key: np.ndarray, allowed: bool, log: QualityLog
) -> pd.DataFrame:
    """The one repeat finder: a row whose raw cells equal an earlier row's (in file order) is that record
    exported twice; the copies are dropped and counted (if allowed, else refused). Equal cells type to
    equal keys, so only the rows ``same_key`` marks (`sharing_keys`) are compared: usually none."""
    if not same_key.any():
        return frame
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[same_key] = frame.loc[same_key].duplicated(TEXT, keep="first").to_numpy()  # file order kept
    if not repeated.any():
        return frame
    if not allowed:
        ids, rows = frame.loc[repeated, ID].tolist(), rows_below_header(frame, repeated)
        hint = "Remove them, or set prepare.drop_exact_duplicate_rows: true."
        problem = "{count} row(s) repeat another row exactly"
        raise broken(spec, REPEATS, None, problem, int(repeated.sum()), ids, hint, rows)
    log.record("exact_duplicate_rows", frame.loc[repeated, ID], detail=spec.filename)
    return frame.loc[~repeated].reset_index(drop=True)


def check_unique_keys(frame: pd.DataFrame, spec: RawFile, conflicting: np.ndarray) -> None:
    """``conflicting``: `sharing_keys` of ``frame``, its repeats dropped."""
    if conflicting.any():
        what = "id" if len(spec.key_columns) == 1 else "id and period"
        problem = "{count} row(s) repeat an " + what + " with conflicting values"
        hint = "Keep one correct row per key in the export; the pipeline cannot guess which one is right."
        ids, rows = sorted(set(frame.loc[conflicting, ID])), sorted(rows_below_header(frame, conflicting))
        raise broken(spec, KEYS, None, problem, int(conflicting.sum()), ids, hint, rows)


def check_periods(frame: pd.DataFrame, spec: RawFile) -> None:
    if not spec.periods:
        return
    counts = frame.groupby(ID)[PERIOD].nunique()
    incomplete = counts[counts != len(spec.periods)].index.tolist()
    if incomplete:
        problem = "{count} customer(s) lack some of the periods " + str(list(spec.periods))
        hint = "Every customer needs exactly one row per period; complete the export."
        raise broken(spec, PERIODS, spec.column(PERIOD).raw, problem, len(incomplete), incomplete, hint)


def check_same_customers(tables: dict[str, pd.DataFrame]) -> None:
    """Every customer must appear in every file."""
    all_ids = pd.Series(pd.unique(np.concatenate([t[ID].to_numpy() for t in tables.values()])))  # hashed, unsorted
    for spec in RAW_FILES:
        absent = np.sort(all_ids[~all_ids.isin(tables[spec.key][ID])].to_numpy()).tolist()
        if absent:
            problem = "{count} customer(s) present in other files are missing here"
            hint = "Export all four files for the same set of customers."
            raise broken(spec, PRESENT, "id", problem, len(absent), absent, hint)


def check_file(frame: pd.DataFrame, spec: RawFile, drop_repeated: bool, log: QualityLog) -> pd.DataFrame:
    """One file's rows of a partition, in file order: repeats dropped (the first kept) and counted, typos
    counted on the rows kept, keys and periods checked."""
    if not frame[ROW].is_monotonic_increasing:  # a partition's rows are written in file order already
        frame = frame.sort_values(ROW, kind="stable").reset_index(drop=True)
    same_key = sharing_keys(frame, spec)
    kept = drop_repeats(frame, spec, same_key, drop_repeated, log)
    if len(kept) < len(frame):  # repeats dropped: the keys they shared may now be unique
        same_key = sharing_keys(kept, spec)
    frame = kept.drop(columns=TEXT)  # the text is the largest column
    for column in spec.columns:
        if TYPO + column.name in frame and frame[TYPO + column.name].any():
            log.record("label_typos", frame.loc[frame[TYPO + column.name], ID], detail=f"{spec.filename}:{column.raw}")
    check_unique_keys(frame, spec, same_key)
    check_periods(frame, spec)
    return frame


@dataclass(frozen=True)
class Customers:
    tables: dict[str, pd.DataFrame]  # per export: the schema's columns, English names, rows in file order
    # per id, per soft feature: the cell `score` set aside (`cell_rules.soft_cells`); none in `prepare`
    odd: pd.DataFrame


def check_customers(frames: dict[str, pd.DataFrame], drop_repeated: bool, log: QualityLog) -> Customers:
    """A partition's typed rows of the four exports -> the tables every customer rule has passed."""
    log.declare(*COUNTED_RULES)
    checked = {spec.key: check_file(frames[spec.key], spec, drop_repeated, log) for spec in RAW_FILES}
    tables = {spec.key: checked[spec.key].filter([c.name for c in spec.columns]) for spec in RAW_FILES}
    check_same_customers(tables)
    market = checked[MARKET_FILE.key].set_index(ID)
    odd = market[[c for c in market if c.startswith(ODD)]].rename(columns=lambda c: c.removeprefix(ODD))
    return Customers(tables, odd)
