"""Run the six stages in-process in a temporary workspace, on synthetic or real raw exports."""

from __future__ import annotations

import copy
import os
import shutil
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


def run_pipeline(root: Path, params: dict) -> None:
    """prepare -> eda -> train -> evaluate -> explain -> segment, reading root/data/raw."""
    from stages import eda, evaluate, explain, prepare, segment, train

    prepared, models = Path("data/prepared"), Path("models")
    with working_directory(root):
        prepare.run(Path("data/raw"), prepared, Path("metrics/data_quality.json"), params)
        eda.run(prepared, params)
        train.run(prepared, models, params)
        evaluate.run(prepared, models, params)
        explain.run(prepared, models, params)
        segment.run(prepared, models, Path("data/explained"), params)


def build_workspace(root: Path, repo_params: dict, n: int = 240) -> dict:
    """The six stages on synthetic exports with small search settings; returns the params used."""
    params = fast_params(repo_params)
    write_raw(make_raw(n=n, seed=3), root / "data" / "raw")
    run_pipeline(root, params)
    return params


def build_real_workspace(root: Path, raw_dir: Path, repo_params: dict) -> dict:
    """The six stages on the real exports with the repository's own params."""
    shutil.copytree(raw_dir, root / "data" / "raw")
    run_pipeline(root, repo_params)
    return repo_params
