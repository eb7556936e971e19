"""A Dask cluster readied at its start: ``dask scheduler --preload stages.io.cluster_setup`` and
``dask worker ADDRESS --preload stages.io.cluster_setup``.

A fresh worker otherwise imports pandas, pyarrow, scikit-learn, skops and SHAP when the first run's first
task reaches it (~2.5 s of CPU), and the scheduler imports most of them too: it unpickles each run's tasks,
so the modules of their functions and arguments. The first `score` or `review` on a new cluster paid that
(docs/scale.md, seventh pass). Preloaded, the scheduler and each worker pay it once as they start: every run,
the first one included, then costs what a run on a cluster that outlives it costs. What the tasks compute
does not change (tests/io/test_executors.py runs its cluster preloaded). A preload that fails (a module
missing on that machine) is logged by Dask, and the server starts anyway, not readied: its first tasks fail
or import as before.
"""

from __future__ import annotations

import importlib

# Every module a month's tasks run, or a model archive's estimators need, before the first task asks
# (some import others in the list: each is named for what the tasks use it for).
TASK_MODULES = (
    "stages.io.executor",  # the checks `score` runs on each worker as it connects
    "stages.io.monthly_run",  # the split (split_ranges), each partition's score, each outcome's review
    "stages.io.workers",  # the reasons' SHAP tasks
    "stages.lib.model.families",  # every estimator class a model archive may hold
    "skops.io",  # the model's archive, loaded once per worker
    "shap",  # the exact explainers (`workers.import_shap`)
)


def dask_setup(server=None) -> None:
    """Dask's preload hook, on a scheduler or a worker: imports TASK_MODULES in its process. Here and not at
    the module's top: `dask worker` also imports a preload module in its own (nanny) process to read its
    options, which runs no task and need not hold these libraries."""
    for name in TASK_MODULES:
        importlib.import_module(name)
