"""Processes a test starts and watches: a `train` long enough to interrupt, its workers, whether one lives."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import yaml

from stages import prepare
from stages.io import paths
from stages.io.files import write_json
from stages.lib.settings import parse_settings
from tests.pipeline_run import fast_params, working_directory
from tests.synthetic import make_raw, write_raw


def train_workspace(root: Path, repo_params: dict) -> None:
    """Prepared synthetic data, the one value train reads from eda, and a search long enough to interrupt."""
    params = fast_params(repo_params)
    params["train"]["n_iter"] = 400
    write_raw(make_raw(n=240, seed=3), root / "data" / "raw")
    (root / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    with working_directory(root):
        prepare.run(parse_settings(params))
        write_json(paths.EDA_SUMMARY, {"multicollinear_pairs": []})  # eda itself is not what this test is about


def wait_for_workers(stage: psutil.Process, timeout: float = 120) -> list[psutil.Process]:
    """The stage's joblib workers, once at least two have started (loky's resource tracker is no worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert stage.is_running() and stage.status() != psutil.STATUS_ZOMBIE, "train ended before its workers started"
        workers = []
        for child in stage.children(recursive=True):
            try:
                if "resource_tracker" not in " ".join(child.cmdline()):
                    workers.append(child)
            except psutil.NoSuchProcess:
                pass
        if len(workers) >= 2:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"no workers after {timeout} s")


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def outliving(processes: list[psutil.Process], timeout: float) -> list[int]:
    """The pids of ``processes`` still alive after waiting up to ``timeout`` seconds for them to end."""
    deadline = time.monotonic() + timeout
    while any(alive(process) for process in processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [process.pid for process in processes if alive(process)]
