"""How one export's split runs as tasks by byte range (issue 22): each range's size, rows and wall time.

    .venv/bin/python scripts/split_tasks.py RAW_DIR [--export market_money.csv] [--split-bytes N] [--workers 2]

Cuts the export as `score` does (`stages/io/split_ranges.py`, ``scale.split_bytes`` unless given), runs
the one pass of every range (typing into the month's partitions with its guessed marks, collecting the
decimal-mark evidence) on a local Dask cluster of ``--workers`` single-threaded processes, then types
again the ranges whose guess the whole column overrules, and prints per range its bytes, rows and wall
time in its task (and again, if typed again), then each map's wall time as a whole. Months of N customers:
scripts/make_scale_data.py N RAW_DIR. Nothing is kept.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stages.io.exports import open_export  # noqa: E402
from stages.io.files import load_settings  # noqa: E402
from stages.io.partitions import count_parts  # noqa: E402
from stages.io.split_ranges import retyping, spans_of, type_range  # noqa: E402
from stages.lib.schema import MARKET_FILE, RAW_FILES  # noqa: E402


def timed(task):
    """A task's result and its wall time in the worker."""
    started = time.perf_counter()
    result = task()
    return result, time.perf_counter() - started


def passes(client, export, spans, folder: Path, parts: int, reading) -> list[tuple]:
    """Every range on ``client``: per range (span, rows, one pass s, typed again s or None), and the maps' walls."""
    started = time.perf_counter()
    typing = partial(type_range, folder, parts, reading)
    first = client.gather(client.map(timed, [partial(typing, export, None, at) for at in enumerate(spans)], pure=False))
    middle = time.perf_counter()
    again = retyping(export, spans, [result for result, _ in first], typing)
    if again is None:
        raise SystemExit("this export cannot be split by range (see stages/io/split_ranges.py): one task")
    results = client.gather(client.map(timed, [task for _, task in again], pure=False))
    ended = time.perf_counter()
    assert all(r is not None and r.typed and r.rows == rows for (rows, _), (r, _) in zip(again, results, strict=True))
    second = {task.args[-1][0]: seconds for (_, task), (_, seconds) in zip(again, results, strict=True)}
    rows = [(s, r.rows, seconds, second.get(k)) for k, (s, (r, seconds)) in enumerate(zip(spans, first, strict=True))]
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
    print("| range | MiB | rows | one pass s | typed again s |\n| ---: | ---: | ---: | ---: | ---: |")
    for k, (span, count, once, again) in enumerate(rows):
        shown = "" if again is None else f"{again:.2f}"
        print(f"| {k} | {(span.end - span.start) / 2**20:.1f} | {count:,} | {once:.2f} | {shown} |")
    once = [a for *_, a, _ in rows]
    print(f"one pass: {first:.2f} s wall, tasks {min(once):.2f}-{max(once):.2f} s (sum {sum(once):.2f} s)")
    print(f"typed again: {sum(1 for *_, b in rows if b is not None)} range(s), {second:.2f} s wall")


if __name__ == "__main__":
    main()
