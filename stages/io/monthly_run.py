"""A new month through an executor: headers checked, exports split, partitions scored, results gathered.

Tasks by byte range split each export into partitions (stages/io/split_ranges.py), one task per partition scores
it (``score_part``) and writes ``<out>.parts/part-NNNNN.parquet``. What the decision needs of everyone
comes back compact and sorted by id, with integer counts, so nothing depends on the executor.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial, reduce
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from stages.io.exports import Export, cut_exports, open_export
from stages.io.files import write_parquet
from stages.io.model_store import load_model
from stages.io.partitions import count_parts, part_file, part_of, read_partition
from stages.io.split_ranges import Split, split_in_ranges
from stages.io.workers import month_shap
from stages.lib.data.cell_rules import check_columns
from stages.lib.data.customer_rules import COUNTED_RULES, CustomerRuleError, RuleBreak, check_customers, month_break
from stages.lib.data.quality import QualityLog
from stages.lib.decision.candidates import Queue, ceiling
from stages.lib.decision.drift import add_counts, medians, month_counts
from stages.lib.decision.scoring import PROBABILITY_DECIMALS, score_tables
from stages.lib.decision.segment_analysis import NOT_REGULAR
from stages.lib.decision.unseen_labels import model_view, written_back
from stages.lib.errors import refused
from stages.lib.schema import ID, MARKET_FILE, PROFIT, RAW_FILES, TARGET, by_id
from stages.lib.settings import CELLS, Settings

BACKGROUND_ROWS = 2000  # the month's regular customers the reasons are measured against (a seeded sample)
# What the month's decision needs of every customer, small: about 30 bytes each.
COMPACT = [ID, "probability", PROFIT, "regular", "segment", "allows_offers", "ceiling"]
COMPACT_TYPES = {
    "segment": pd.CategoricalDtype([*CELLS, NOT_REGULAR]),
    "allows_offers": pd.CategoricalDtype(["yes", "no"]),
}


@dataclass(frozen=True)
class ScoredParts:
    compact: pd.DataFrame  # COMPACT of every scored customer, sorted by id
    left_out: pd.DataFrame  # id, profit, not_scored_reason, sorted by id
    drift: dict  # drift.month_counts of the regular customers
    log: QualityLog
    flagged: pd.DataFrame  # id, flags, sorted by id
    parts: int
    seconds: dict = field(default_factory=dict)  # wall time of the split and of the partitions' scoring
    warnings: tuple[tuple[str, str], ...] = ()  # exports that may have been cut short (`exports.cut_exports`)


@contextmanager
def scratch_folder(near: Path) -> Iterator[Path]:
    """A scratch folder for the split exports, beside the output (a cluster's workers see it there too).
    Left, it is removed on a thread of its own: a 10 M month leaves thousands of files (~6 GB), seconds to
    delete while the reasons go on; the interpreter waits for the thread before the command ends."""
    folder = Path(tempfile.mkdtemp(prefix=".split-", dir=near))
    try:
        yield folder
    finally:
        threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}).start()


def score_in_parts(
    chosen, raw_dir: Path, split_to: Path, out: Path, model: Path, settings: Settings, reference: dict
) -> ScoredParts:
    """Split the exports (tasks by byte range), score the partitions (one task each), gather."""
    started = time.perf_counter()
    exports, parts, pieces = split_month(chosen, raw_dir, split_to, settings, "splitting the exports")
    split = time.perf_counter()
    score_one = partial(score_part, split_to, pieces.first_rows, model, out, settings, reference)
    results = chosen.map(score_one, list(range(parts)), "scoring the partitions")
    breaks = [r.broken for r in results if r.broken is not None]
    if breaks:  # every partition's rows of the month's first broken rule, in one paragraph
        raise CustomerRuleError(month_break(breaks))
    seconds = {"split": split - started, "partitions": time.perf_counter() - split}
    log = QualityLog()
    log.declare(*COUNTED_RULES, "extreme_revenue")
    for part_log in [*pieces.logs, *(r.log for r in results)]:
        log.merge(part_log)

    def gathered(name: str) -> pd.DataFrame:
        frames = [getattr(r, name) for r in results if getattr(r, name) is not None]
        return by_id(pd.concat(frames, ignore_index=True))

    drift = reduce(add_counts, [r.drift for r in results if r.drift is not None])
    compact, left_out, flagged = gathered("compact"), gathered("left_out"), gathered("flagged")
    return ScoredParts(compact, left_out, drift, log, flagged, parts, seconds, tuple(cut_exports(exports)))


def split_month(
    chosen, raw_dir: Path, split_to: Path, settings: Settings, what: str, outcomes: bool = False
) -> tuple[list[Export], int, Split]:
    """Every header checked from its file's first MiB first (a wrong one fails in a second; ``outcomes``:
    the activity column required), then each export split into the month's partitions, as tasks by byte
    range (`split_ranges`): the exports, the number of partitions and the split (logs, pieces' first rows)."""
    exports = [open_export(raw_dir / spec.filename, spec) for spec in RAW_FILES]
    activity = MARKET_FILE.column(TARGET).raw
    if outcomes and activity not in exports[RAW_FILES.index(MARKET_FILE)].names:
        problem = f"the outcomes lack the activity column «{activity}»"
        raise refused(str(raw_dir / MARKET_FILE.filename), problem, "Export it as in the training month's file.")
    for export in exports:
        check_columns(export.names, export.spec, new_month=True)
    parts = count_parts(raw_dir / MARKET_FILE.filename, settings.scale.partition_customers, chosen.workers())
    return exports, parts, split_in_ranges(chosen, exports, raw_dir, split_to, parts, settings.scale, what)


def outcomes_in_parts(
    chosen, raw_dir: Path, split_to: Path, settings: Settings
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The outcome export of a later month through the same split, reader and customer rules as `score`:
    id and declined (0/1) of every customer, sorted by id, and the exports that may have been cut short.
    The activity column is required here."""
    exports, parts, pieces = split_month(chosen, raw_dir, split_to, settings, "splitting the outcomes", outcomes=True)
    read_one = partial(outcome_part, split_to, pieces.first_rows, settings)
    results = chosen.map(read_one, list(range(parts)), "reading the outcomes")
    breaks = [r.broken for r in results if r.broken is not None]
    if breaks:
        raise CustomerRuleError(month_break(breaks))
    frames = [r.compact for r in results if r.compact is not None]
    outcomes = by_id(pd.concat(frames, ignore_index=True))
    return outcomes, cut_exports(exports)


def outcome_part(split_to: Path, first_rows: dict, settings: Settings, index: int) -> PartResult:
    """Partition ``index`` of the split outcomes, checked by the customer rules: id and declined."""
    frames = read_partition(split_to, index, first_rows)
    if all(frame.empty for frame in frames.values()):
        return PartResult()
    try:
        checked = check_customers(frames, settings.prepare.drop_exact_duplicate_rows, QualityLog())
    except CustomerRuleError as error:
        return PartResult(broken=error.broken)
    market = checked.tables[MARKET_FILE.key]
    declined = pd.to_numeric(market[TARGET].astype(object)).astype("int64").to_numpy()
    return PartResult(compact=pd.DataFrame({ID: market[ID].to_numpy(dtype=np.int64), "declined": declined}))


@dataclass(frozen=True)
class PartResult:
    compact: pd.DataFrame | None = None
    left_out: pd.DataFrame | None = None
    drift: dict | None = None
    log: QualityLog | None = None
    flagged: pd.DataFrame | None = None  # id, flags of customers with imputed cells
    broken: RuleBreak | None = None  # the customer rule this partition breaks, if any


@lru_cache(maxsize=2)
def model_version(path: str, modified_ns: int, size: int):
    """A worker loads (and verifies) the model once per version of the file, not once per partition: a
    cluster's workers outlive a run, and `dvc repro` may rewrite the model at the same path."""
    return load_model(path)


def score_part(
    split_to: Path, first_rows: dict, model: Path, out: Path, settings: Settings, reference: dict, index: int
) -> PartResult:
    """Validate, featurise and score partition ``index`` of the split exports in ``split_to``; write its
    customers into ``out``; return what the month needs (drift counted against the training month's ``reference``)."""
    frames = read_partition(split_to, index, first_rows)
    log = QualityLog()
    if all(frame.empty for frame in frames.values()):
        return PartResult(log=log)  # no customer's id falls into this partition
    try:
        checked = check_customers(frames, settings.prepare.drop_exact_duplicate_rows, log)
    except CustomerRuleError as error:
        return PartResult(broken=error.broken)
    stat = Path(model).stat()
    pipeline = model_version(str(model), stat.st_mtime_ns, stat.st_size)
    month = score_tables(checked.tables, checked.odd, pipeline, settings.prepare, settings.segment, log)
    # what is written is what the decision sees; an unseen label as written (the model imputed it)
    customers = written_back(month.customers, checked.odd).round(PROBABILITY_DECIMALS)
    write_parquet(part_file(out, "part", index), customers)
    regular = customers[customers["regular"]]
    compact = customers[COMPACT[:-1]].astype(COMPACT_TYPES)
    compact["ceiling"] = ceiling(customers, medians(reference), settings.offers.catalogue)
    return PartResult(
        compact=compact,
        left_out=month.left_out,
        drift=month_counts(regular, regular["probability"].to_numpy(), reference),
        log=log,
        flagged=customers.loc[customers["flags"] != "", [ID, "flags"]],
    )


def read_customers(folder: Path, ids: np.ndarray, parts: int) -> pd.DataFrame:
    """The scored partitions' rows of ``ids``, sorted by id: only the files those ids fall into are read."""
    ids = np.asarray(ids, dtype=np.int64)
    files = [str(part_file(folder, "part", index)) for index in np.unique(part_of(ids, parts))]
    if not files:  # no ids: the columns alone, for an empty list
        return pq.read_schema(min(folder.glob("part-*.parquet"))).empty_table().to_pandas()
    table = ds.dataset(files, format="parquet").to_table(filter=ds.field(ID).isin(ids))
    return by_id(table.to_pandas())


def answered(plan: Generator, explain: Callable):
    """Run a plan that yields the ids it needs explained (`candidates.decide_within_reach`) to its result,
    sending it ``explain(ids)`` each time: the reading and the SHAP pool stay here, out of lib."""
    ids = next(plan)
    while True:
        try:
            ids = plan.send(explain(ids))
        except StopIteration as finished:
            return finished.value


def explainer(pool, pipeline, folder: Path, month: ScoredParts, queue: Queue, settings: Settings) -> Callable:
    """``explain(ids) -> (rows, SHAP values)`` against a seeded sample of the month's regular customers.

    Each read passes over every partition file whatever the number of ids, so the rows of the whole queue
    (``queue``, at most ``scale.reasons_at_most``) are read once, with the
    background's, and each batch is taken from them: the same rows as reading the batch alone."""
    regular = month.compact.loc[month.compact["regular"], ID].to_numpy()
    rng = np.random.default_rng(settings.seed)
    sample = regular if len(regular) <= BACKGROUND_ROWS else rng.choice(regular, BACKGROUND_ROWS, replace=False)
    ahead = queue.ids(settings.scale.reasons_at_most)
    held = read_customers(folder, np.union1d(sample, ahead), month.parts)
    background = model_view(held[held[ID].isin(sample)].reset_index(drop=True))

    def explain(ids: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The rows as written (unseen labels kept) and the SHAP values of the model's view of them."""
        wanted = held[ID].isin(ids)
        if wanted.sum() != len(ids):  # decide_within_reach asks only for the queue's ids: a bug if not
            raise RuntimeError(f"explain() was asked for {len(ids) - int(wanted.sum())} id(s) outside the queue")
        rows = held[wanted].reset_index(drop=True)
        return rows, month_shap(pool, pipeline, model_view(rows), background, settings.explain, settings.seed)

    return explain
