"""The worker processes that explain customers: a forked pool, its signals, and SHAP jobs run on it.

`stages.lib.model.shap_values` plans each job as independent tasks; this module hands them to an executor
and gathers the results in order, so the values are those of running the tasks in one process.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
from threadpoolctl import threadpool_limits

from stages.io.lifetime import die_with_parent
from stages.lib.model.pipeline import N_JOBS, expected_features
from stages.lib.model.shap_values import Explanation, Job, ShapWork, per_customer, plan_work
from stages.lib.schema import ID
from stages.lib.settings import Explain

PIECE_ROWS = 8000  # model inputs per task: ~0.3 s of the k-NN+SVC+trees vote, so both workers end together


def start_worker() -> None:
    """Each worker uses one BLAS/OpenMP thread: two workers fill the two cores, and OpenMP code in a
    child never waits on the thread pool its parent may have had (fork copies no threads).

    A fork also copies the parent's signal handlers: Ctrl-C, which reaches the whole process group, is
    the parent's to handle (it stops the workers), and SIGTERM ends a worker as it ends any process."""
    threadpool_limits(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(signal.SIGKILL)  # a stage killed outright takes its workers with it


def import_shap() -> None:
    """The exact explainers' module, imported before their tasks need it: in a process about to fork its
    workers (imported once, not once per worker), or on each Dask worker while `score` reads the rows to
    explain (~0.7 s that the first task would pay)."""
    import shap  # noqa: F401


@contextmanager
def worker_pool() -> Iterator[ProcessPoolExecutor]:
    """Worker processes forked from this one: they start in a tenth of a second with every module
    already imported, where spawned workers take seconds each to import scikit-learn again."""
    pool = ProcessPoolExecutor(N_JOBS, mp_context=multiprocessing.get_context("fork"), initializer=start_worker)
    try:
        yield pool
    except BaseException:  # an error or an interruption (KeyboardInterrupt): the work is no longer wanted
        # drop the queued work and kill the running tasks: shutdown() alone waits for them to finish; the
        # stdlib offers no way to stop a running task, hence the pool's private list of processes
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()
        for process in processes:
            process.join(timeout=5)
        raise
    pool.shutdown()


@dataclass
class Pending:
    """An explanation the pool is computing; ``result()`` waits for it."""

    work: ShapWork
    futures: list[Future]

    def result(self) -> Explanation:
        return self.work.explanation([future.result() for future in self.futures])


def submit(pool: Executor, job: Job, size: int, permutations: int, seed: int, piece_rows: int = PIECE_ROWS) -> Pending:
    """Start explaining one job: each task of its `plan_work` on the pool."""
    work = plan_work(job, size, permutations, seed, piece_rows)
    return Pending(work, [pool.submit(task, *arguments) for task, arguments in work.tasks])


def month_shap(pool: Executor, pipeline, rows: pd.DataFrame, background: pd.DataFrame, settings: Explain, seed: int):
    """SHAP values of ``rows`` for the saved pipeline against ``background`` (a sample of the month's own
    customers: the training data need not be at hand): the same explainer as `explain`, in the same units."""
    features = expected_features(pipeline)
    if rows.empty:
        return pd.DataFrame(columns=[ID, "shap_base_value", *(f"shap_{f}" for f in features)])
    job = Job(pipeline, rows.set_index(ID, drop=False), background.set_index(ID, drop=False))
    pending = submit(pool, job, size=settings.background_size, permutations=settings.permutations, seed=seed)
    return per_customer(pending.result(), features)
