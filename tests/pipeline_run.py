"""Run the stages in-process on synthetic data in a temporary workspace, with small search settings."""

from __future__ import annotations

import copy
import os
from contextlib import contextmanager
from pathlib import Path

from tests.synthetic import make_raw, write_raw

FAST_TRAIN = {
    "cv_folds": 3,
    "n_iter": 8,
    "families": ["knn", "logistic_regression", "extra_trees"],
    "select_k": [4, "all"],
    "comparison": {"folds": 3, "repeats": 2},
}


def fast_params(repo_params: dict) -> dict:
    params = copy.deepcopy(repo_params)
    params["train"].update(copy.deepcopy(FAST_TRAIN))
    params["evaluate"]["bootstrap_resamples"] = 200
    params["explain"].update({"background_size": 5, "permutations": 4, "permutation_repeats": 2})
    return params


@contextmanager
def working_directory(path: Path):
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield path
    finally:
        os.chdir(previous)


def build_workspace(root: Path, repo_params: dict, n: int = 240) -> dict:
    """prepare, eda, train, evaluate, explain on synthetic exports under ``root``; returns the params used."""
    from stages import eda, evaluate, explain, prepare, train

    params = fast_params(repo_params)
    raw = write_raw(make_raw(n=n, seed=3), root / "data" / "raw")
    with working_directory(root):
        prepare.run(raw, Path("data/prepared"), Path("metrics/data_quality.json"), params)
        eda.run(Path("data/prepared"), params)
        train.run(Path("data/prepared"), Path("models"), params)
        evaluate.run(Path("data/prepared"), Path("models"), params)
        explain.run(Path("data/prepared"), Path("models"), params)
    return params
