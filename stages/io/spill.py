"""Split a month's raw exports into partitions of customers on disk, in bounded memory.

Each export is read in chunks of ``scale.chunk_rows`` rows (stages/io/columnar.py), twice: the first
pass checks the header (a wrong one fails before the rest of the file is read) and settles each
numeric column's decimal mark from all its cells; the second types each chunk
(stages/lib/partitioned.py) and appends its rows to the parquet file of each row's partition. So
memory is bounded by a chunk here, and by a partition when it is scored. A file the streamed reader
does not reproduce exactly (a bad cell, a quoted line break) is read whole by the reference reader:
that raises its usual error paragraph, or gives the typed table, partitioned the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stages.io.columnar import ArrowRefused, RawSource
from stages.lib.partitioned import FLAGS, GAP, ROW, TEXT, TYPO, part_of, typed_rows
from stages.lib.quality import QualityLog
from stages.lib.raw import check_columns, validate_file
from stages.lib.schema import ID, MARKET_FILE, RAW_FILES, RawFile
from stages.lib.scoring import SOFT_FEATURES, flags_and_gaps, soften
from stages.lib.streamed import FirstPass, NotStreamable

SPEC = {spec.key: spec for spec in RAW_FILES}
NEWLINES_BLOCK = 1 << 24


@dataclass(frozen=True)
class SpillTask:
    """One export to split: ``parts`` parquet files ``<key>-<index>.parquet`` in ``folder``."""

    path: Path
    key: str
    folder: Path
    parts: int
    chunk_rows: int
    drop_repeated: bool


def part_file(folder: Path, key: str, index: int) -> Path:
    return Path(folder) / f"{key}-{index:05d}.parquet"


def count_parts(market_file: Path, customers: int) -> int:
    """Partitions of about ``customers`` customers each, from market_file.csv's line count (a missing
    file gives 1: reading it later raises the usual error)."""
    if not market_file.is_file():
        return 1
    lines = 0
    with market_file.open("rb") as file:
        while block := file.read(NEWLINES_BLOCK):
            lines += block.count(b"\n")
    return max(1, -(-lines // customers))


class PartWriters:
    """Appends row groups to one parquet file per partition; every partition gets a file, maybe empty."""

    def __init__(self, folder: Path, key: str, parts: int):
        self.folder, self.key, self.parts = folder, key, parts
        self.schema, self.writers = None, {}

    def add(self, typed: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(typed, preserve_index=False)
        self.schema = self.schema or table.schema
        table = table.cast(self.schema)
        parts = part_of(typed[ID].to_numpy(), self.parts)
        order = np.argsort(parts, kind="stable")
        bounds = np.searchsorted(parts[order], np.arange(self.parts + 1))
        for index in range(self.parts):
            if bounds[index] < bounds[index + 1]:
                self.writer(index).write_table(table.take(order[bounds[index] : bounds[index + 1]]))

    def writer(self, index: int) -> pq.ParquetWriter:
        if index not in self.writers:
            self.writers[index] = pq.ParquetWriter(part_file(self.folder, self.key, index), self.schema)
        return self.writers[index]

    def close(self) -> None:
        for index in range(self.parts):
            self.writer(index).close()

    def discard(self) -> None:
        for index, writer in self.writers.items():
            writer.close()
            part_file(self.folder, self.key, index).unlink()
        self.writers = {}


def soft_market(chunk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """market_file.csv's strings with odd behaviour cells set aside (`scoring.soften`), and per row the
    cells to impute (one column per softened feature) and the flag text."""
    market, replaced = soften(chunk)
    gaps, notes = flags_and_gaps(market, replaced, drop_duplicates=False)
    extra = gaps.reindex(columns=SOFT_FEATURES, fill_value=False).astype(bool).add_prefix(GAP)
    extra[FLAGS] = notes.to_numpy()
    return market, extra.set_axis(market.index)


def spill_streamed(source: RawSource, spec: RawFile, writers: PartWriters) -> int:
    """Both passes over the chunks; the rows read."""
    soft = spec.key == MARKET_FILE.key
    first, present = FirstPass(hash_rows=False), None
    for chunk in source.chunks():
        if present is None:
            check_columns(chunk, spec, require_optional=False)
            present = [c for c in spec.columns if c.raw in chunk.columns]
        first.add(chunk, [c for c in present if c.kind != "category"])  # softening changes no decimal mark
    if not first.rows:
        raise NotStreamable("no rows")
    marks, offset = first.marks([c for c in present if c.kind != "category"]), 0
    for chunk in source.chunks():
        extra = None
        if soft:
            chunk, extra = soft_market(chunk)
        typed = typed_rows(chunk, present, marks, offset)
        offset += len(chunk)
        writers.add(typed if extra is None else pd.concat([typed, extra.reset_index(drop=True)], axis=1))
    if offset != first.rows:
        raise NotStreamable("the file changed between the two passes")
    return offset


def spill_whole(source: RawSource, spec: RawFile, writers: PartWriters, drop_repeated: bool) -> QualityLog:
    """The reference path: the whole file read and validated at once (raising its usual paragraph), then
    partitioned like the streamed rows (its repeats already dropped and counted in the log)."""
    log, raw, extra = QualityLog(), source.whole(), None
    if spec.key == MARKET_FILE.key:
        raw, extra = soft_market(raw)
        extra = extra[~raw.duplicated(keep="first")] if drop_repeated else extra
    typed = validate_file(raw, spec, drop_repeated, log, require_optional=False)
    log.rows_read[spec.filename] = len(raw)
    for column in spec.columns:
        if column.kind == "category" and column.name in typed:
            typed[TYPO + column.name] = False  # counted in the log already
    typed[ROW] = np.arange(len(typed), dtype=np.int64)
    typed[TEXT] = pd.Series(typed[ROW].astype(str), dtype=pd.ArrowDtype(pa.large_string()))  # no repeats are left
    writers.add(typed if extra is None else pd.concat([typed, extra.reset_index(drop=True)], axis=1))
    return log


def spill(task: SpillTask) -> QualityLog:
    """Split one export; the log holds its rows read (and, from the reference path, its rule counts).
    pyarrow's reader first, the line reader if arrow refuses the file, the whole file if neither streams it."""
    spec = SPEC[task.key]
    for fast in (True, False):
        source = RawSource(Path(task.path), spec, task.chunk_rows, fast=fast)
        writers = PartWriters(Path(task.folder), spec.key, task.parts)
        try:
            log = QualityLog(rows_read={spec.filename: spill_streamed(source, spec, writers)})
        except NotStreamable as refused:
            writers.discard()
            if isinstance(refused, ArrowRefused):
                continue
            break
        writers.close()
        return log
    writers = PartWriters(Path(task.folder), spec.key, task.parts)
    log = spill_whole(source, spec, writers, task.drop_repeated)
    writers.close()
    return log
