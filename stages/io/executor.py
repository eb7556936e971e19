"""Where a month's tasks run: in this process, or on a Dask cluster, with the same code and the same bytes.

Results come back in task order whatever the executor. ``--scheduler ADDRESS`` (or SCORE_SCHEDULER)
sends the tasks to a Dask cluster whose scheduler and workers import this repository (same commit and
requirements; started with ``--preload stages.io.cluster_setup``, no run waits for the imports) and whose
workers see the month's and the output folders at the same paths.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, as_completed
from contextlib import AbstractContextManager, closing, contextmanager

from tqdm import tqdm

from stages import KERNELS
from stages.io.process_pool import worker_pool
from stages.io.workers import import_shap
from stages.lib.errors import refused, shown

SCHEDULER_VARIABLE = "SCORE_SCHEDULER"


def bar(tasks, what: str, total: int | None = None) -> tqdm:
    return tqdm(tasks, total=total, desc=what, unit="task", delay=2, disable=None, leave=False, file=sys.stderr)


class Local:
    """This machine: the tasks on processes forked from this one, one per core (`worker_pool`)."""

    def map(self, function: Callable, tasks: list, what: str) -> list:
        """The results in task order. A pool is forked afresh for each map, so its processes see this one as
        it is now; an error or an interruption kills them before it reaches the caller (`worker_pool`),
        so no task writes after the caller has cleaned up. One task runs here, without a fork."""
        if len(tasks) < 2:
            return [function(task) for task in bar(tasks, what)]
        with worker_pool() as pool:
            futures = [pool.submit(function, task) for task in tasks]
            for _ in bar(as_completed(futures), what, len(futures)):
                pass  # the bar advances as each task finishes
            return [future.result() for future in futures]

    def workers(self) -> int:
        return 1

    def pool(self) -> AbstractContextManager[Executor]:
        """Where the SHAP tasks of the reasons run: processes forked from this one, one per core, after
        SHAP is imported here."""
        import_shap()
        return worker_pool()


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter: the size from which an allocation is mmapped afresh
MMAP_THRESHOLD = 32 * 2**20  # glibc's own upper bound for it on 64 bits, which its default grows towards


def allocate_like_glibc() -> bool:
    """Give a Dask worker glibc's usual allocation for large arrays back (run on each worker by `Client.run`).

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_ set, and any such variable also pins glibc's
    mmap threshold at 128 KiB: every array above it is mmapped afresh and its pages faulted in, which cost
    a partition's task ~30 % more CPU than in one process. Freed memory is still trimmed as Dask wants.
    False where the C library is not glibc: nothing to give back there."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def kernels() -> dict:
    """The numerical kernels numpy runs with in this process (`stages/__init__.py` pins them)."""
    return dict(KERNELS)


class Dask:
    """A dask.distributed cluster: the tasks run on its workers, the results come back in task order."""

    def __init__(self, address: str):
        from distributed import Client  # imported only when asked for: it takes a second

        self.client = Client(address, set_as_default=False)
        # workers started with other numerical kernels could differ in the last bits: refuse them
        other = sorted(worker for worker, seen in self.client.run(kernels).items() if seen != kernels())
        if other:
            self.client.close()
            pinned = " ".join(f'{name}="{value}"' for name, value in kernels().items() if value is not None)
            problem = f"{len(other)} Dask worker(s) run other numerical kernels than this process (e.g. {other[0]})"
            hint = f"Start the workers with the same environment: `export {pinned}` before `dask worker`."
            if not pinned:
                hint = "Start the workers with the same STAGES_KERNELS setting as this process."
            raise refused("--scheduler", problem, hint)
        self.client.run(allocate_like_glibc)

    def workers(self) -> int:
        """Tasks the cluster runs at once: its workers' threads."""
        return sum(self.client.nthreads().values())

    @contextmanager
    def pool(self) -> Iterator[Executor]:
        """Where the SHAP tasks of the reasons run: the cluster's workers, as a concurrent.futures executor
        (each task's values depend on its rows and the background alone: the same bytes as in this process).
        The workers start importing SHAP at once, while this process reads the rows to explain."""
        workers = self.client.scheduler_info()["workers"]
        # held until the pool closes: a future released before its task runs may be cancelled
        warming = [self.client.submit(import_shap, workers=[worker], pure=False) for worker in workers]
        pool = self.client.get_executor(pure=False)
        try:
            yield pool
        except BaseException:  # an error or an interruption: what has not run is no longer wanted
            pool.shutdown(wait=False)
            raise
        finally:
            self.client.cancel(warming)  # long done, unless no reason was asked for
        pool.shutdown()

    def map(self, function: Callable, tasks: list, what: str) -> list:
        from distributed import as_completed

        futures = self.client.map(function, tasks, pure=False)
        at, results = {future.key: n for n, future in enumerate(futures)}, [None] * len(futures)
        try:
            # each result fetched as its task finishes: the transfers overlap the tasks still running
            done = as_completed(futures, loop=self.client.loop, with_results=True, raise_errors=False)
            for future, result in bar(done, what, len(futures)):
                results[at[future.key]] = result
            if any(future.status != "finished" for future in futures):
                self.client.gather(futures)  # raises what gathering them all raises: the same error every time
            return results
        except BaseException:  # interrupted, or a task failed: none of this run's tasks may write after we return
            self.stop(futures)
            raise

    def stop(self, futures: list) -> None:
        """Cancel the run's tasks and wait until none of them is still running on a worker (a task already
        running finishes its write: cancelling does not stop its thread), so that the caller's clean-up comes
        after the last write. Gives up after STOP_WAIT_SECONDS, saying so."""
        keys = {future.key for future in futures}
        self.client.cancel(futures)
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while time.monotonic() < deadline:
            running = self.client.run(running_keys, on_error="ignore")
            if not keys & set().union(*running.values()):
                return
            time.sleep(0.1)
        print(
            f"score: tasks still running on the cluster after {STOP_WAIT_SECONDS} s; stopping anyway", file=sys.stderr
        )


STOP_WAIT_SECONDS = 120  # at most this long for a cluster's running tasks to finish after an interruption


def running_keys(dask_worker) -> set:
    """The keys of the tasks occupying this worker's threads (run on each worker by `Client.run`)."""
    return {task.key for task in dask_worker.state.all_running_tasks}


ADDRESS = re.compile(r"(?:(?:tcp|tls)://)?(?:[A-Za-z0-9][A-Za-z0-9_.-]*|\[[0-9A-Fa-f:.]+\]):\d{1,5}")


@contextmanager
def executor(address: str | None) -> Iterator[Local | Dask]:
    """This process, or a Dask client for ``address`` (the argument, else SCORE_SCHEDULER)."""
    address = address or os.environ.get(SCHEDULER_VARIABLE) or None
    if address is None:
        yield Local()
        return
    if not ADDRESS.fullmatch(address):  # checked before any connection: a typo is a paragraph, not a minute's stall
        problem = f"{shown(address)} is not a Dask scheduler address (given by --scheduler or ${SCHEDULER_VARIABLE})"
        hint = "Give tcp://HOST:PORT (or tls://HOST:PORT, HOST:PORT) as `dask scheduler` prints it."
        raise refused("--scheduler", problem, hint)
    try:
        chosen = Dask(address)
    except OSError as error:
        hint = "Start the cluster (or check the address), or leave --scheduler out to score in this process."
        raise refused("--scheduler", f"cannot reach the Dask scheduler at {address} ({error})", hint) from error
    with closing(chosen.client):
        yield chosen
