"""Shared fixtures: the repository's params, synthetic raw exports, and a runner for stage CLIs."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.pipeline_run import build_workspace
from tests.synthetic import make_raw, write_raw

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_params() -> dict:
    """params.yaml as plain data, so that a test can change a value before the schema validates it."""
    return yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def params(repo_params) -> dict:
    """A private copy of params.yaml that a test may change."""
    return copy.deepcopy(repo_params)


@pytest.fixture(scope="session")
def synthetic_raw():
    return make_raw()


@pytest.fixture
def raw_dir(tmp_path, synthetic_raw) -> Path:
    return write_raw(synthetic_raw, tmp_path / "raw")


def run_stage(stage: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``python -m stages.<stage>`` as a user would; returns the finished process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", f"stages.{stage}", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, repo_params):
    """The pipeline run once on synthetic exports in a temporary folder: (root, params used)."""
    root = tmp_path_factory.mktemp("pipeline")
    return root, build_workspace(root, repo_params)


def read_action_list(path: Path):
    """An action list as Excel with a Russian locale reads it: `;`, decimal comma, UTF-8 with BOM."""
    import pandas as pd

    assert Path(path).read_bytes().startswith("\ufeffpriority;id;".encode())
    frame = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    text = frame.select_dtypes(exclude="number").columns
    frame[text] = frame[text].fillna("")
    return frame
