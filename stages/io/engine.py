"""Where a month is scored: in this process, or on a Dask cluster, with the same code and the same bytes.

`score` splits the exports into partitions of customers (stages/io/spill.py: one task per export),
then scores each partition (``score_part``: one task per partition) and gathers, per partition, a
compact table (id, probability, profit, regularity, cell, consent), the customers left unscored,
integer drift counts and the rule counts. Whatever the engine and the number of partitions, the
gathered tables are sorted by id and the counts are sums of integers, so every written byte is the
same (tests/test_engines.py). ``--scheduler ADDRESS`` (or SCORE_SCHEDULER) sends the tasks to a Dask
cluster: its workers must import this repository (same commit, same requirements.txt) and see the
month's folder and the output folder at the same paths (a shared file system).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from stages import KERNELS
from stages.io.files import write_parquet
from stages.io.model_store import load_model
from stages.io.spill import part_file
from stages.lib.drift import medians, month_counts
from stages.lib.errors import DataError
from stages.lib.partitioned import settle
from stages.lib.quality import QualityLog
from stages.lib.reach import ceiling
from stages.lib.schema import ID, PROFIT, RAW_FILES
from stages.lib.scoring import PROBABILITY_DECIMALS, score_tables
from stages.lib.segments import NOT_REGULAR
from stages.lib.settings import CELLS, Settings
from stages.lib.streamed import NotStreamable

SCHEDULER_VARIABLE = "SCORE_SCHEDULER"
# What the month's decision needs of every customer, small: about 30 bytes each.
COMPACT = [ID, "probability", PROFIT, "regular", "segment", "allows_offers", "ceiling"]
COMPACT_TYPES = {
    "segment": pd.CategoricalDtype([*CELLS, NOT_REGULAR]),
    "allows_offers": pd.CategoricalDtype(["yes", "no"]),
}


@dataclass(frozen=True)
class PartTask:
    spilled: Path  # the folder of the spilled partitions
    index: int
    model: Path
    out: Path  # the folder of the scored partitions
    settings: Settings
    reference: dict  # the training month's drift reference


@dataclass(frozen=True)
class PartResult:
    compact: pd.DataFrame | None = None
    left_out: pd.DataFrame | None = None
    drift: dict | None = None
    log: QualityLog | None = None
    flagged: pd.DataFrame | None = None  # id, flags of customers with imputed cells
    failure: str = ""  # a rule this partition breaks: the whole-month reference path words the error


def scored_part(folder: Path, index: int) -> Path:
    return Path(folder) / f"part-{index:05d}.parquet"


def cached_model(path: str):
    """A worker loads (and verifies) the model once per version of the file, not once per partition: a
    cluster's workers outlive a run, and `dvc repro` may rewrite the model at the same path."""
    stat = Path(path).stat()
    return model_version(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def model_version(path: str, modified_ns: int, size: int):
    return load_model(path)


def score_part(task: PartTask) -> PartResult:
    """Validate, featurise and score one partition; write its customers; return what the month needs."""
    frames = {spec.key: pd.read_parquet(part_file(task.spilled, spec.key, task.index)) for spec in RAW_FILES}
    settings, log = task.settings, QualityLog()
    if all(frame.empty for frame in frames.values()):
        return PartResult(log=log)  # no customer's id falls into this partition
    try:
        tables, gaps, notes = settle(frames, settings.prepare.drop_exact_duplicate_rows, log)
        month = score_tables(
            tables, gaps, notes, cached_model(str(task.model)), settings.prepare, settings.segment, log
        )
    except (DataError, NotStreamable) as error:
        return PartResult(failure=str(error))
    customers = month.customers.round(PROBABILITY_DECIMALS)  # what is written is what the decision sees
    write_parquet(scored_part(task.out, task.index), customers)
    regular = customers[customers["regular"]]
    compact = customers[COMPACT[:-1]].astype(COMPACT_TYPES)
    compact["ceiling"] = ceiling(customers, medians(task.reference), settings.offers.catalogue)
    return PartResult(
        compact=compact,
        left_out=month.left_out,
        drift=month_counts(regular, regular["probability"].to_numpy(), task.reference),
        log=log,
        flagged=customers.loc[customers["flags"] != "", [ID, "flags"]],
    )


def bar(total: int, what: str) -> tqdm:
    return tqdm(total=total, desc=what, unit="task", delay=2, disable=None, leave=False, file=sys.stderr)


class Local:
    """This process, one task after another."""

    def map(self, function: Callable, tasks: list, what: str) -> list:
        results = []
        with bar(len(tasks), what) as progress:
            for task in tasks:
                results.append(function(task))
                progress.update()
        return results


def kernels() -> dict:
    """The numerical kernels numpy runs with in this process (`stages/__init__.py` pins them)."""
    return dict(KERNELS)


class Dask:
    """A dask.distributed cluster: the tasks run on its workers, the results come back in task order."""

    def __init__(self, address: str):
        from distributed import Client  # imported only when asked for: it takes a second

        self.client = Client(address, set_as_default=False)
        self.check_kernels()

    def check_kernels(self) -> None:
        """Workers started with other numerical kernels could differ in the last bits: refuse them."""
        other = sorted(worker for worker, seen in self.client.run(kernels).items() if seen != kernels())
        if other:
            self.client.close()
            pinned = " ".join(f'{name}="{value}"' for name, value in kernels().items() if value is not None)
            raise DataError(
                "--scheduler",
                None,
                f"{len(other)} Dask worker(s) run other numerical kernels than this process (e.g. {other[0]})",
                hint=f"Start the workers with the same environment: `export {pinned}` before `dask worker`."
                if pinned
                else "Start the workers with the same STAGES_KERNELS setting as this process.",
            )

    def map(self, function: Callable, tasks: list, what: str) -> list:
        from distributed import as_completed

        futures = self.client.map(function, tasks, pure=False)
        with bar(len(tasks), what) as progress:
            for _ in as_completed(futures, loop=self.client.loop):
                progress.update()
        return self.client.gather(futures)

    def close(self) -> None:
        self.client.close()


@contextmanager
def engine(address: str | None) -> Iterator[Local | Dask]:
    """The local engine, or a Dask client for ``address`` (the argument, else SCORE_SCHEDULER)."""
    address = address or os.environ.get(SCHEDULER_VARIABLE) or None
    if address is None:
        yield Local()
        return
    try:
        chosen = Dask(address)
    except OSError as error:
        raise DataError(
            "--scheduler",
            None,
            f"cannot reach the Dask scheduler at {address} ({error})",
            hint="Start the cluster (or check the address), or leave --scheduler out to score in this process.",
        ) from error
    try:
        yield chosen
    finally:
        chosen.close()
