"""A pool of worker processes forked from this one: `train`'s repeated cross-validation, `band`'s refits,
`explain`'s SHAP tasks, a month's tasks on this machine (`stages.io.executor.Local`). The library computes
and never starts a process: a stage hands it the pool's ``map``."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

from stages.io.lifetime import die_with_parent

N_JOBS = 2  # worker processes for fitting and explaining: the machine's two cores; results do not depend on it


def start_worker() -> None:
    """Each worker uses one BLAS/OpenMP thread: two workers fill the two cores, and OpenMP code in a
    child never waits on the thread pool its parent may have had (fork copies no threads).

    A fork also copies the parent's signal handlers: Ctrl-C, which reaches the whole process group, is
    the parent's to handle (it stops the workers), and SIGTERM ends a worker as it ends any process."""
    threadpool_limits(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(signal.SIGKILL)  # a stage killed outright takes its workers with it


@contextmanager
def worker_pool(processes: int = N_JOBS) -> Iterator[ProcessPoolExecutor]:
    """Worker processes forked from this one: they start in a tenth of a second with every module
    already imported, where spawned workers take seconds each to import scikit-learn again."""
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"), initializer=start_worker)
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
