"""A pool of worker processes forked from this one: `train`'s repeated cross-validation, `band`'s refits,
`explain`'s SHAP tasks, the figures of `eda` and `segment`, a month's tasks on this machine
(`stages.io.executor.Local`). The library computes and never starts a process: a stage hands it the
pool's ``map``."""

from __future__ import annotations

import multiprocessing
import pickle
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial

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


class WorkerError(RuntimeError):
    """A task's error that could not travel back from its worker as it was (it does not pickle): its type and text."""


def run_portably(task: Callable, *args, **kwargs):
    """``task`` in a worker; an error that would not pickle is raised as a `WorkerError` instead, where the
    pool would only say that a process ended abruptly (`BrokenProcessPool`) and lose the error."""
    try:
        return task(*args, **kwargs)
    except Exception as error:
        try:
            pickle.dumps(error)
        except Exception:
            raise WorkerError(f"{type(error).__name__}: {error}") from None
        raise


class ForkedPool(ProcessPoolExecutor):
    """A process pool whose every task (``map``'s too: it submits) runs through `run_portably`."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        return super().submit(partial(run_portably, fn), *args, **kwargs)


@contextmanager
def worker_pool(processes: int = N_JOBS) -> Iterator[ProcessPoolExecutor]:
    """Worker processes forked from this one: they start in a tenth of a second with every module
    already imported, where spawned workers take seconds each to import scikit-learn again."""
    pool = ForkedPool(processes, mp_context=multiprocessing.get_context("fork"), initializer=start_worker)
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
