"""Clean-up that nothing outlives, through the command line: SIGKILL to what started a stage (as to
`dvc repro`) ends the stage and its workers; SIGTERM to `score --scheduler` waits for the cluster's
running tasks before it removes the partial outputs, so no partition is written after that."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
import yaml

from stages.io import paths
from tests.processes import alive, outliving, train_workspace, wait_for_workers
from tests.stage_runs import ROOT
from tests.synthetic import make_raw, write_raw

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
# what `dvc repro` is to a stage: a parent that starts it and waits
PARENT = "import subprocess, sys; subprocess.run([sys.executable, '-m', 'stages.train'])"


def test_sigkill_to_the_parent_of_a_stage_ends_the_stage_and_its_workers(tmp_path, repo_params):
    train_workspace(tmp_path, repo_params)
    env = {**ENV, "DVC_STAGE": "train"}  # what `dvc repro` sets for each stage it runs
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
    processes: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while not psutil.Process(parent.pid).children() and time.monotonic() < deadline:
            time.sleep(0.1)
        stage = psutil.Process(parent.pid).children()[0]
        wait_for_workers(stage)
        processes = [stage, *stage.children(recursive=True)]
        parent.kill()  # SIGKILL: the parent cannot pass anything on
        parent.wait(timeout=10)
        assert not outliving(processes, 30), "the stage or its workers outlived the killed parent"
        assert not [str(path) for path in paths.STAGES["train"].writes if (tmp_path / path).exists()]
    finally:
        for process in processes:
            if alive(process):
                process.kill()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_score_on_a_cluster_leaves_no_partition_written_after_its_clean_up(
    workspace, tmp_path, cluster, number
):
    root, _ = workspace
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["scale"]["partition_customers"] = 10  # 60 partitions: tasks are running when the signal comes
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    month = write_raw(make_raw(n=600, seed=8, with_target=False), tmp_path / "month")
    out, models, reference = tmp_path / "scores.csv", root / "models", root / "reports/drift_reference.json"
    arguments = ["--raw", str(month), "--out", str(out), "--models", str(models), "--reference", str(reference)]
    arguments += ["--params", str(tmp_path / "params.yaml"), "--scheduler", cluster]
    run = subprocess.Popen(
        [sys.executable, "-m", "stages.score", *arguments], cwd=ROOT, env=ENV, stderr=subprocess.PIPE, text=True
    )
    parts = out.with_suffix(".parts")
    deadline = time.monotonic() + 120
    while not list(parts.glob("part-*.parquet")) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    run.send_signal(number)
    _, stderr = run.communicate(timeout=180)
    assert run.returncode == {signal.SIGTERM: 143, signal.SIGINT: 130}[number], stderr
    assert "its partial outputs were removed" in stderr
    time.sleep(3)  # a task that was still running would have written its partition by now
    assert not parts.exists() or not list(parts.iterdir()), sorted(p.name for p in parts.iterdir())
    assert not out.exists() and not out.with_suffix(".html").exists()
