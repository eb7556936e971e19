"""A new month through an engine: headers checked, exports split, partitions scored, results gathered.

The scored customers are written as partitioned parquet (``<out>.parts/part-NNNNN.parquet``: id,
features as the model saw them, profit, probability, regularity, cell, flags); what the month's
decision needs of everyone comes back compact and is sorted by id, so nothing depends on the engine
or the partitioning. A rule broken inside a partition is worded by the whole-month reference path.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from stages.io.columnar import ArrowRefused, RawSource, header_frame
from stages.io.engine import PartTask, score_part, scored_part
from stages.io.raw_files import read_raw_folder
from stages.io.spill import SpillTask, count_parts, spill
from stages.io.workers import month_shap
from stages.lib.drift import add_counts
from stages.lib.errors import DataError
from stages.lib.offers import COLUMNS
from stages.lib.partitioned import part_of
from stages.lib.quality import QualityLog
from stages.lib.raw import check_columns
from stages.lib.schema import ID, MARKET_FILE, RAW_FILES
from stages.lib.scoring import soft_tables
from stages.lib.settings import Settings
from stages.lib.words import PAGE_MARKER as MARKER

PARTS_MARKER = "_written_by_stages_score"  # the only parts folder `score` may empty
HEADER = "\ufeff" + ";".join(COLUMNS) + "\r\n"  # what every list `score` writes starts with
BACKGROUND_ROWS = 2000  # the month's regular customers the reasons are measured against (a seeded sample)


@dataclass(frozen=True)
class ScoredParts:
    compact: pd.DataFrame  # engine.COMPACT of every scored customer, sorted by id
    left_out: pd.DataFrame  # id, profit, not_scored_reason, sorted by id
    drift: dict  # drift.month_counts of the regular customers
    log: QualityLog
    flagged: pd.DataFrame  # id, flags, sorted by id
    parts: int
    seconds: dict = field(default_factory=dict)  # wall time of the split and of the partitions' scoring


def check_output(out: Path, raw: Path, models: Path) -> None:
    """--out (its .html page, its .parts folder) must be new or written by this command before: never a folder, an
    input or the model, never another file it would destroy."""
    if out.is_dir():
        raise DataError(str(out), None, "--out names a folder", hint="Give the path of a CSV file to write.")
    if out.resolve().parent in (raw.resolve(), models.resolve()):
        raise DataError(
            str(out), None, "--out points inside the input exports or the model folder", hint="Write elsewhere."
        )
    parts = parts_folder(out)
    if parts.exists() and not (parts / PARTS_MARKER).is_file():
        raise DataError(
            str(parts),
            None,
            "the partitions' folder beside --out exists and was not written by this command",
            hint="Give another --out, or move that folder away.",
        )
    for path, start in ((out, HEADER), (out.with_suffix(".html"), MARKER)):
        if path.exists() and (path.is_dir() or not path.read_bytes().startswith(start.encode())):
            raise DataError(
                str(path),
                None,
                "--out names an existing file (or its .html page) that this command did not write; refusing to "
                "overwrite it",
                hint="Give a new file name, or delete that file yourself if it is really a stale score list.",
            )


def parts_folder(out: Path) -> Path:
    return out.with_suffix(".parts")


def remove_outputs(out: Path) -> None:
    """The list, its page and the partitions a run of `score` wrote (only ours: `check_output` checked)."""
    for path in (out, out.with_suffix(".html"), *parts_folder(out).glob("part-*.parquet")):
        path.unlink(missing_ok=True)


@contextmanager
def fresh_month_outputs(out: Path) -> Iterator[None]:
    """The previous run's outputs removed before this run, and this run's removed if it fails."""
    remove_outputs(out)
    parts_folder(out).mkdir(parents=True, exist_ok=True)
    (parts_folder(out) / PARTS_MARKER).write_text("partitions of `python -m stages.score`; rewritten by each run\n")
    try:
        yield
    except BaseException:
        remove_outputs(out)
        raise


@contextmanager
def spill_folder(near: Path) -> Iterator[Path]:
    """A scratch folder beside the output (a cluster's workers see it where they see the output)."""
    folder = Path(tempfile.mkdtemp(prefix=".spill-", dir=near))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_headers(raw_dir: Path) -> None:
    """Every export's header from its first MiB, before any file is read further: a wrong one fails in a
    second. A file whose header cannot be told there (UTF-16, say) is checked when it is split."""
    for spec in RAW_FILES:
        source = RawSource(raw_dir / spec.filename, spec, 1)
        try:
            _, line, sep = source.arrow_header()
        except ArrowRefused:
            continue
        check_columns(header_frame(line, sep), spec, require_optional=False)


def score_in_parts(
    chosen, raw_dir: Path, spilled: Path, out: Path, model: Path, settings: Settings, reference: dict
) -> ScoredParts:
    """Split the exports (one task per file), score the partitions (one task each), gather."""
    check_headers(raw_dir)
    parts = count_parts(raw_dir / MARKET_FILE.filename, settings.scale.partition_customers)
    chunk_rows = settings.scale.chunk_rows
    drop = settings.prepare.drop_exact_duplicate_rows
    tasks = [SpillTask(raw_dir / s.filename, s.key, spilled, parts, chunk_rows, drop) for s in RAW_FILES]
    started = time.perf_counter()
    spill_logs = chosen.map(spill, tasks, "splitting the exports")
    split = time.perf_counter()
    tasks = [PartTask(spilled, index, model, out, settings, reference) for index in range(parts)]
    results = chosen.map(score_part, tasks, "scoring the partitions")
    seconds = {"split": split - started, "partitions": time.perf_counter() - split}
    failures = [r.failure for r in results if r.failure]
    if failures:
        reference_error(raw_dir, settings, failures[0])
    log = QualityLog()
    log.declare("exact_duplicate_rows", "label_typos", "extreme_revenue")
    for part_log in [*spill_logs, *(r.log for r in results)]:
        log.merge(part_log)

    def gathered(name: str) -> pd.DataFrame:
        frames = [getattr(r, name) for r in results if getattr(r, name) is not None]
        return pd.concat(frames, ignore_index=True).sort_values(ID, kind="stable").reset_index(drop=True)

    drift = reduce(add_counts, [r.drift for r in results if r.drift is not None])
    return ScoredParts(gathered("compact"), gathered("left_out"), drift, log, gathered("flagged"), parts, seconds)


def reference_error(raw_dir: Path, settings: Settings, failure: str) -> None:
    """A partition broke a rule: the whole month, read at once, raises the paragraph naming every row."""
    soft_tables(read_raw_folder(raw_dir), settings.prepare, QualityLog())
    raise DataError(
        str(raw_dir),
        None,
        f"a partition broke a rule the whole month passes ({failure})",
        hint="This is a bug in stages/lib/partitioned.py: report it with the month's exports.",
    )


def read_customers(folder: Path, ids: np.ndarray, parts: int) -> pd.DataFrame:
    """The scored partitions' rows of ``ids``, sorted by id: only the files those ids fall into are read."""
    ids = np.asarray(ids, dtype=np.int64)
    files = [str(scored_part(folder, index)) for index in np.unique(part_of(ids, parts))]
    if not files:  # no ids: the columns alone, for an empty list
        return pq.read_schema(min(folder.glob("part-*.parquet"))).empty_table().to_pandas()
    table = ds.dataset(files, format="parquet").to_table(filter=ds.field(ID).isin(ids))
    return table.to_pandas().sort_values(ID, kind="stable").reset_index(drop=True)


def explainer(pool, pipeline, folder: Path, month: ScoredParts, settings: Settings) -> Callable:
    """``explain(ids) -> (rows, SHAP values)`` against a seeded sample of the month's regular customers."""
    regular = month.compact.loc[month.compact["regular"], ID].to_numpy()
    rng = np.random.default_rng(settings.seed)
    sample = regular if len(regular) <= BACKGROUND_ROWS else rng.choice(regular, BACKGROUND_ROWS, replace=False)
    background = read_customers(folder, np.sort(sample), month.parts)

    def explain(ids: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
        rows = read_customers(folder, ids, month.parts)
        return rows, month_shap(pool, pipeline, rows, background, settings.explain, settings.seed)

    return explain
