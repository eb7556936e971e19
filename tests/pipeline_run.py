"""Run the pipeline's stages in-process in a temporary workspace, on synthetic or real raw exports.

Each stage runs in the workspace as its working directory, exactly as `dvc repro` runs it; the
files each stage wrote are recorded so that tests can hold them against the catalog and dvc.yaml.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from stages.io import paths
from stages.lib.settings import Settings, parse_settings
from tests.synthetic import make_raw, write_raw

STAGE_ORDER = ("prepare", "eda", "train", "band", "evaluate", "explain", "drift_reference", "segment", "headline")
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
    params["band"]["splits"] = 2  # the fewest the band allows: each split refits the configuration
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


def run_pipeline(root: Path, settings: Settings, skip: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """The stages of STAGE_ORDER but ``skip``, in order, in ``root``; the files each stage wrote."""
    written = {}
    with working_directory(root):
        for name in (stage for stage in STAGE_ORDER if stage not in skip):
            before = files_under(root)
            importlib.import_module(f"stages.{name}").run(settings)
            written[name] = files_under(root) - before
    return written


def build_workspace(root: Path, repo_params: dict, n: int = 240) -> dict:
    """Every stage on synthetic exports with small search settings; returns the params used."""
    params = fast_params(repo_params)
    write_raw(make_raw(n=n, seed=3), root / "data" / "raw")
    written = run_pipeline(root, parse_settings(params))
    written_record(root).write_text(json.dumps({k: sorted(v) for k, v in written.items()}, indent=1))
    return params


def written_record(root: Path) -> Path:
    """Where build_workspace keeps the list of files each stage wrote (beside the workspace, not in it)."""
    return root.parent / f"{root.name}.written.json"


def build_real_workspace(root: Path, raw_dir: Path, repo_params: dict) -> dict:
    """Every stage but `band` on the real exports with the repository's own params; the band (30
    refits, minutes) is copied from the repository, as committed, and `dvc repro` checks it."""
    shutil.copytree(raw_dir, root / "data" / "raw")
    band = Path(__file__).resolve().parents[1] / paths.TEST_BAND
    (root / paths.TEST_BAND).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(band, root / paths.TEST_BAND)
    run_pipeline(root, parse_settings(repo_params), skip=("band",))
    return repo_params
