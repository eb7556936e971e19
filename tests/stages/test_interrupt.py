"""SIGTERM to a running stage stops its worker processes and leaves no partial output (run_cli)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil

from stages.io import paths
from tests.processes import alive, outliving, train_workspace, wait_for_workers
from tests.stage_runs import ROOT


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
        assert not outliving(children, 10), "worker processes outlived the stage"
        assert not [str(path) for path in paths.STAGES["train"].writes if (tmp_path / path).exists()]
    finally:
        for process in [stage, *children]:
            if alive(process):
                process.kill()
        run.wait(timeout=30)
