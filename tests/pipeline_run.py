"""Run the six stages in-process in a temporary workspace, on synthetic or real raw exports.

Each stage runs in the workspace as its working directory, exactly as `dvc repro` runs it; the
files each stage wrote are recorded so that tests can hold them against the catalog and dvc.yaml.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from stages.io import paths
from stages.lib.settings import Settings, parse_settings
from tests.synthetic import make_raw, write_raw

STAGE_ORDER = ("prepare", "eda", "train", "evaluate", "explain", "segment")
FAST_TRAIN = {
    "cv_folds": 3,
    "n_iter": 8,
    "families": ["knn", "logistic_regression", "extra_trees"],
    "select_k": [4, "all"],
    "comparison": {"folds": 3, "repeats": 2, "reference_trees": 50},
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


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def run_pipeline(root: Path, settings: Settings) -> dict[str, set[str]]:
    """prepare -> eda -> train -> evaluate -> explain -> segment in ``root``; the files each stage wrote."""
    from stages import eda, evaluate, explain, prepare, segment, train

    modules = {"prepare": prepare, "eda": eda, "train": train, "evaluate": evaluate, "explain": explain}
    modules["segment"] = segment
    written = {}
    with working_directory(root):
        for name in STAGE_ORDER:
            before = files_under(root)
            modules[name].run(settings)
            written[name] = files_under(root) - before
    return written


def build_workspace(root: Path, repo_params: dict, n: int = 240) -> dict:
    """The six stages on synthetic exports with small search settings; returns the params used."""
    params = fast_params(repo_params)
    write_raw(make_raw(n=n, seed=3), root / "data" / "raw")
    written = run_pipeline(root, parse_settings(params))
    written_record(root).write_text(json.dumps({k: sorted(v) for k, v in written.items()}, indent=1))
    return params


def written_record(root: Path) -> Path:
    """Where build_workspace keeps the list of files each stage wrote (beside the workspace, not in it)."""
    return root.parent / f"{root.name}.written.json"


def build_real_workspace(root: Path, raw_dir: Path, repo_params: dict) -> dict:
    """The six stages on the real exports with the repository's own params."""
    shutil.copytree(raw_dir, root / "data" / "raw")
    band = Path(__file__).resolve().parents[1] / paths.TEST_BAND  # committed, made by `make band`
    (root / paths.TEST_BAND).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(band, root / paths.TEST_BAND)
    run_pipeline(root, parse_settings(repo_params))
    return repo_params
