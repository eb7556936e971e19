"""A month in partitions of customers, each validated on its own exactly as the whole month would be.

`stages/io/spill.py` splits the four exports by customer id (`part_of`) into partitions on disk,
chunk by chunk. Every row keeps its row number in its file, its raw cells joined (to find exact
repeats) and, per category column, whether a label typo was fixed in it. A partition then holds
every row of its customers from all four files, so every rule that concerns a customer (an exact
repeat of a row, conflicting keys, a missing period, a customer missing from a file) is decided
inside it, and the counts of the partitions add up to the whole month's. The decimal mark of a
column is still settled from all its cells, by the spill's first pass. A partition that breaks a
rule raises its DataError (or NotStreamable); the caller then runs the whole-month reference path,
whose paragraph names every row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stages.lib.quality import QualityLog
from stages.lib.raw import check_periods, check_same_customers, check_unique_keys
from stages.lib.schema import ID, MARKET_FILE, RAW_FILES, Column, RawFile
from stages.lib.streamed import NotStreamable, category, numbers

ROW, TEXT = "_row", "_text"  # a row's number in its file, and its raw cells joined
TYPO, GAP, FLAGS = "_typo_", "_gap_", "_flags"  # TYPO and GAP prefix a column name
SETTLED_RULES = ("exact_duplicate_rows", "label_typos")


MIX = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: Fibonacci hashing


def part_of(ids: np.ndarray, parts: int) -> np.ndarray:
    """The partition of each customer id. The ids are mixed first (Fibonacci hashing), so that ids with a
    common stride (all even, multiples of 100) still spread evenly over the partitions."""
    mixed = (np.asarray(ids, dtype=np.int64).astype(np.uint64) * MIX) >> np.uint64(32)
    return (mixed % np.uint64(parts)).astype(np.int64)


def typed_rows(chunk: pd.DataFrame, present: list[Column], marks: dict, first_row: int) -> pd.DataFrame:
    """A chunk of strings -> typed columns, plus each row's number in its file, its text and typo flags."""
    typos = {}

    def record(rule: str, column: str, rows) -> None:
        typos[column] = np.isin(chunk.index, rows)

    typed = pd.DataFrame(
        {
            c.name: category(chunk[c.raw], c, record)
            if c.kind == "category"
            else numbers(chunk[c.raw], c, marks[c.raw])
            for c in present
        }
    )
    for column in present:
        if column.kind == "category":
            typed[TYPO + column.name] = typos.get(column.raw, np.zeros(len(chunk), dtype=bool))
    typed[ROW] = np.arange(first_row, first_row + len(chunk), dtype=np.int64)
    typed[TEXT] = row_text(chunk)
    return typed


def row_text(chunk: pd.DataFrame) -> pd.Series:
    """Each row's cells joined by the unit separator (refused if a cell holds it): rows are exact repeats
    of one another exactly when their texts are equal. Joined and later compared by pyarrow."""
    cells = [pa.array(chunk[c], type=pa.large_string(), from_pandas=True) for c in chunk.columns]
    if any(pc.any(pc.match_substring(cell, "\x1f")).as_py() for cell in cells):
        raise NotStreamable("a cell holds the unit separator: joined rows could be told apart wrongly")
    separator = pa.scalar("\x1f", type=pa.large_string())
    joined = pc.binary_join_element_wise(*cells, separator) if len(cells) > 1 else cells[0]
    return pd.Series(pd.arrays.ArrowExtensionArray(joined), index=chunk.index)


def settle_file(frame: pd.DataFrame, spec: RawFile, drop_repeated: bool, log: QualityLog) -> pd.DataFrame:
    """One file's rows of a partition: repeats dropped (the first in file order kept) and counted, typos
    counted on the rows kept, keys and periods checked; the typed frame as `validate_file` gives it."""
    frame = frame.sort_values(ROW, kind="stable").reset_index(drop=True)
    repeated = frame.duplicated(TEXT, keep="first").to_numpy()
    if repeated.any():
        if not drop_repeated:
            raise NotStreamable(f"{spec.filename}: repeated rows may not be dropped")
        log.record("exact_duplicate_rows", frame.loc[repeated, ID], detail=spec.filename)
        frame = frame.loc[~repeated].reset_index(drop=True)
    for column in spec.columns:
        if TYPO + column.name in frame and frame[TYPO + column.name].any():
            log.record("label_typos", frame.loc[frame[TYPO + column.name], ID], detail=f"{spec.filename}:{column.raw}")
    typed = frame[[c.name for c in spec.columns if c.name in frame]]
    check_unique_keys(typed, spec)
    check_periods(typed, spec)
    return frame


def settle(
    frames: dict[str, pd.DataFrame], drop_repeated: bool, log: QualityLog
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.Series]:
    """A partition's rows of the four files -> (typed tables, cells to impute per id, flag text per id)."""
    log.declare(*SETTLED_RULES)
    settled = {spec.key: settle_file(frames[spec.key], spec, drop_repeated, log) for spec in RAW_FILES}
    tables = {
        spec.key: settled[spec.key][[c.name for c in spec.columns if c.name in settled[spec.key]]] for spec in RAW_FILES
    }
    check_same_customers(tables)
    market = settled[MARKET_FILE.key].set_index(ID)
    gaps = market[[c for c in market if c.startswith(GAP)]].rename(columns=lambda c: c.removeprefix(GAP))
    return tables, gaps, market[FLAGS]
