"""SIGTERM to a running stage stops its worker processes and leaves no partial output (run_cli)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import yaml

from stages import prepare
from stages.io import paths
from stages.io.files import write_json
from stages.lib.settings import parse_settings
from tests.pipeline_run import fast_params, working_directory
from tests.stage_runs import ROOT
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


def test_sigterm_stops_train_and_its_workers_and_removes_partial_outputs(tmp_path, repo_params):
    train_workspace(tmp_path, repo_params)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    run = subprocess.Popen(
        [sys.executable, "-m", "stages.train"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    stage = psutil.Process(run.pid)
    children: list[psutil.Process] = []
    try:
        wait_for_workers(stage)
        children = stage.children(recursive=True)  # taken now: once train is gone, orphans have another parent
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=30)
        assert run.returncode == 143, stderr
        message = stderr.strip()
        assert "Traceback" not in message and "\n" not in message, message
        assert message == "train: interrupted (SIGTERM); its partial outputs were removed."
        deadline = time.monotonic() + 10
        while any(alive(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [child.pid for child in children if alive(child)], "worker processes outlived the stage"
        assert not [str(path) for path in paths.STAGES["train"].writes if (tmp_path / path).exists()]
    finally:
        for process in [stage, *children]:
            if alive(process):
                process.kill()
        run.wait(timeout=30)
