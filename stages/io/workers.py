"""SHAP jobs on a pool of worker processes (`stages.io.process_pool`, or a Dask cluster's).

`stages.lib.model.shap_values` plans each job as independent tasks; this module hands them to an executor
and gathers the results in order, so the values are those of running the tasks in one process.
"""

from __future__ import annotations

from concurrent.futures import Executor, Future
from dataclasses import dataclass

import pandas as pd

from stages.lib.model.pipeline import expected_features
from stages.lib.model.shap_values import Explanation, Job, ShapWork, per_customer, plan_work
from stages.lib.schema import ID
from stages.lib.settings import Explain

PIECE_ROWS = 8000  # model inputs per task: ~0.3 s of the k-NN+SVC+trees vote, so both workers end together


def import_shap() -> None:
    """The exact explainers' module, imported before their tasks need it: in a process about to fork its
    workers (imported once, not once per worker), or on each Dask worker while `score` reads the rows to
    explain (~0.7 s that the first task would pay)."""
    import shap  # noqa: F401


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
