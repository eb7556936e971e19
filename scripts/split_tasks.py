"""How one export's split runs as tasks by byte range (issue 22): each range's size, rows and wall time.

    .venv/bin/python scripts/split_tasks.py RAW_DIR [--export market_money.csv] [--split-bytes N] [--workers 2]

Cuts the export as `score` does (`stages/io/split_ranges.py`, ``scale.split_bytes`` unless given), runs
pass 1 (rows and decimal-mark evidence) and pass 2 (typing into the month's partitions) of every range
on a local Dask cluster of ``--workers`` single-threaded processes, and prints per range its bytes, rows
and each pass's wall time in its task, then each pass's wall time as a whole. Months of N customers:
scripts/make_scale_data.py N RAW_DIR. Nothing is kept.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stages.io.exports import open_export  # noqa: E402
from stages.io.files import load_settings  # noqa: E402
from stages.io.partitions import count_parts  # noqa: E402
from stages.io.split_ranges import Counted, observe, settled, spans_of, type_range  # noqa: E402
from stages.lib.schema import MARKET_FILE, RAW_FILES  # noqa: E402


def timed(task):
    """A task's result and its wall time in the worker."""
    started = time.perf_counter()
    result = task()
    return result, time.perf_counter() - started


def passes(client, export, spans, folder: Path, parts: int, reading) -> list[tuple]:
    """Both passes of every range on ``client``: per range (span, rows, pass-1 s, pass-2 s), and the passes' walls."""
    started = time.perf_counter()
    first = client.gather(client.map(timed, [partial(observe, export, reading, s) for s in spans], pure=False))
    middle = time.perf_counter()
    found = [result for result, _ in first]
    marks = settled(export, found)
    if marks is None:
        raise SystemExit("this export cannot be split by range (see stages/io/split_ranges.py): one task")
    offsets = [sum(o.rows for o in found[:k]) for k in range(len(found))]
    typing = partial(type_range, folder, parts, reading, export, marks)
    tasks = [
        partial(typing, (k, Counted(replace(s, first_row=f), o.rows)))
        for k, (s, f, o) in enumerate(zip(spans, offsets, found, strict=True))
    ]
    second = client.gather(client.map(timed, tasks, pure=False))
    ended = time.perf_counter()
    assert all(result for result, _ in second), "a range could not be typed"
    rows = [(s, o.rows, a, b) for s, o, (_, a), (_, b) in zip(spans, found, first, second, strict=True)]
    return rows, middle - started, ended - middle


def main() -> None:
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="a month's folder of the four exports")
    parser.add_argument("--export", default="market_money.csv", choices=[spec.filename for spec in RAW_FILES])
    parser.add_argument("--split-bytes", type=int, help="bytes per range (default: params.yaml scale.split_bytes)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scale = load_settings(ROOT / "params.yaml").scale
    spec = next(spec for spec in RAW_FILES if spec.filename == args.export)
    export = open_export(args.raw / spec.filename, spec)
    spans = spans_of(export, args.split_bytes or scale.split_bytes, scale.max_row_bytes)
    parts = count_parts(args.raw / MARKET_FILE.filename, scale.partition_customers)
    reading = (scale.chunk_rows, scale.max_row_bytes)
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as client, tempfile.TemporaryDirectory(prefix="split-tasks-") as folder:
        rows, first, second = passes(client, export, spans, Path(folder), parts, reading)
    size = export.path.stat().st_size / 2**20
    print(f"{spec.filename}: {size:.1f} MiB, {len(spans)} range(s), {parts} partition(s), {args.workers} workers")
    print("| range | MiB | rows | pass 1 s | pass 2 s |\n| ---: | ---: | ---: | ---: | ---: |")
    for k, (span, count, a, b) in enumerate(rows):
        print(f"| {k} | {(span.end - span.start) / 2**20:.1f} | {count:,} | {a:.2f} | {b:.2f} |")
    one, two = [a for *_, a, _ in rows], [b for *_, b in rows]
    print(f"pass 1: {first:.2f} s wall, tasks {min(one):.2f}-{max(one):.2f} s (sum {sum(one):.2f} s)")
    print(f"pass 2: {second:.2f} s wall, tasks {min(two):.2f}-{max(two):.2f} s (sum {sum(two):.2f} s)")


if __name__ == "__main__":
    main()
