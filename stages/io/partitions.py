"""A month's exports, typed, as partitions of customers: on disk for `score`, one in memory for `prepare`.

An export read whole is read twice (stages/io/exports.py): once to check the header and settle the decimal
marks, once to type the chunks (stages/lib/data/cell_rules.py); one split by byte range is read once
(stages/io/split_ranges.py). `score` appends each chunk's rows to the
scratch file of their customers' partition, so memory is bounded by a chunk here and by a partition
when it is scored. Scratch files are Arrow IPC files, written once and read once soon after: 4-6 times
faster to write than uncompressed parquet, and read without decoding.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stages.io.exports import open_export, read_chunks, readable
from stages.lib.data.cell_rules import ROW, ExportCells
from stages.lib.data.quality import QualityLog
from stages.lib.schema import ID, RAW_FILES, RawFile
from stages.lib.settings import Scale

TRAINING_CHUNK_ROWS = 200_000  # rows of the training month typed at a time (it is held whole anyway)
NEWLINES_BLOCK = 1 << 24
PARTS_PER_WORKER = 3  # partitions per worker at least, on a cluster: no worker idles through a long last task
MIN_PART_CUSTOMERS = 20_000  # fewer customers than this per partition: its fixed cost outweighs the balance
MAX_PARTS = 256  # ... and no more for the workers' sake: each split task holds a file open per partition
SCRATCH = ".arrow"  # the split's scratch files: Arrow IPC
MIX = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: Fibonacci hashing


def typed_export(
    path: Path, spec: RawFile, reading: tuple[int, int], log: QualityLog, new_month: bool
) -> Iterator[pd.DataFrame]:
    """One export's typed chunks (`ExportCells.typed`); its rows read go to ``log``. A broken rule is one
    DataError once the whole file is read (the chunks given before it are to be thrown away). ``reading``:
    (rows typed at a time, the longest row in bytes), `reading_of` the settings."""
    chunk_rows, row_bytes = reading
    with readable(open_export(Path(path), spec), row_bytes) as export:
        cells = ExportCells(spec, export.names, new_month)
        for chunk in read_chunks(export, chunk_rows, row_bytes, columns=cells.observed):
            cells.observe(chunk)
        cells.decide_marks()
        log.rows_read[spec.filename] = cells.rows
        for chunk in read_chunks(export, chunk_rows, row_bytes):
            typed = cells.typed(chunk)
            if typed is not None:
                yield typed
    cells.finish()


def reading_of(scale: Scale, chunk_rows: int | None = None) -> tuple[int, int]:
    """(rows typed at a time, the longest row in bytes) from the settings; ``chunk_rows`` overrides theirs."""
    return chunk_rows or scale.chunk_rows, scale.max_row_bytes


def read_month(raw_dir: Path, log: QualityLog, reading: tuple[int, int]) -> dict[str, pd.DataFrame]:
    """The four exports of the training month typed, target required, in memory: one partition."""
    month = {}
    for spec in RAW_FILES:
        chunks = typed_export(Path(raw_dir) / spec.filename, spec, reading, log, new_month=False)
        month[spec.key] = pd.concat(list(chunks), ignore_index=True)
    return month


def part_of(ids: np.ndarray, parts: int) -> np.ndarray:
    """The partition of each customer id. The ids are mixed first (Fibonacci hashing), so that ids with a
    common stride (all even, multiples of 100) still spread evenly over the partitions."""
    mixed = (np.asarray(ids, dtype=np.int64).astype(np.uint64) * MIX) >> np.uint64(32)
    return (mixed % np.uint64(parts)).astype(np.int64)


def part_file(folder: Path, key: str, index: int) -> Path:
    return Path(folder) / f"{key}-{index:05d}.parquet"


def count_parts(market_file: Path, customers: int, workers: int = 1) -> int:
    """Partitions of about ``customers`` customers each, from market_file.csv's line count (a missing
    file gives 1: reading it later raises the usual error); on several ``workers``, enough for each of
    them to take PARTS_PER_WORKER (balance: the last wave is short), none under MIN_PART_CUSTOMERS
    (a task's fixed cost). The results do not depend on the count (tests/io/test_executors.py)."""
    if not market_file.is_file():
        return 1
    with market_file.open("rb") as file:
        lines = sum(block.count(b"\n") for block in iter(partial(file.read, NEWLINES_BLOCK), b""))
    by_size = max(1, -(-lines // customers))
    by_workers = min(PARTS_PER_WORKER * workers, lines // MIN_PART_CUSTOMERS, MAX_PARTS) if workers > 1 else 1
    return max(by_size, by_workers)


def piece_file(folder: Path, key: str, index: int, piece: int) -> Path:
    """Partition ``index``'s rows of one piece (a byte range, `stages/io/split_ranges.py`) of export ``key``."""
    return Path(folder) / f"{key}-{index:05d}-{piece:05d}{SCRATCH}"


def split_export(raw_dir: Path, folder: Path, parts: int, reading: tuple[int, int], spec: RawFile) -> QualityLog:
    """Type one export of a new month (target optional, odd cells set aside) into ``parts`` scratch files
    ``<key>-<index>-00000.arrow`` in ``folder`` (the whole file: one piece); log: rows read."""
    log = QualityLog()
    write_parts(typed_export(Path(raw_dir) / spec.filename, spec, reading, log, new_month=True), folder, spec, parts, 0)
    return log


def write_parts(typed: Iterator[pd.DataFrame], folder: Path, spec: RawFile, parts: int, piece: int) -> None:
    """Typed chunks appended to the scratch file of their customers' partition, chunk by chunk (every
    partition gets a file, maybe empty, once a chunk is typed)."""
    writers, schema = [], None
    try:
        for frame in typed:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if not writers:
                schema = table.schema  # every chunk is written in the first one's types
                writers = [pa.ipc.new_file(piece_file(folder, spec.key, i, piece), schema) for i in range(parts)]
            table = table.cast(schema)
            part = part_of(frame[ID].to_numpy(), parts)
            order = by_partition(part, parts)
            bounds = [0, *np.searchsorted(part[order], np.arange(1, parts)), len(order)]
            table = table.take(order)  # the rows by partition, in file order within each: one gather, then slices
            for writer, start, end in zip(writers, bounds, bounds[1:], strict=False):
                if end > start:
                    writer.write_table(table.slice(start, end - start))
    finally:
        for writer in writers:
            writer.close()


def by_partition(part: np.ndarray, parts: int) -> np.ndarray:
    """The rows' order grouped by partition, file order kept within each (a stable sort). As 16-bit numbers
    numpy sorts them by radix, ~8x faster than its merge sort of int64: the same order."""
    return np.argsort(part.astype(np.uint16) if parts <= 2**16 else part, kind="stable")


def read_partition(folder: Path, index: int, first_rows: dict[str, list[int]]) -> dict[str, pd.DataFrame]:
    """The typed rows of one partition's customers, per export: its pieces' files concatenated in piece order,
    each piece's row numbers counted on from ``first_rows[key][piece]``, the data rows above it (an export
    split whole, one piece numbered from 0, needs no entry). A piece without rows wrote no files."""
    partition = {}
    for spec in RAW_FILES:
        pieces = enumerate(first_rows.get(spec.key, [0]))
        files = [(piece_file(folder, spec.key, index, piece), above) for piece, above in pieces]
        frames = [read_scratch(file, above) for file, above in files if file.exists()]
        filled = [frame for frame in frames if len(frame)]
        partition[spec.key] = pd.concat(filled, ignore_index=True) if len(filled) > 1 else (filled or frames)[0]
    return partition


def read_scratch(file: Path, first_row: int = 0) -> pd.DataFrame:
    with pa.memory_map(str(file)) as source:
        table = pa.ipc.open_file(source).read_all()
    if first_row and table.num_rows:
        at = table.schema.get_field_index(ROW)
        table = table.set_column(at, ROW, pc.add(table.column(at), first_row))
    return table.to_pandas()
