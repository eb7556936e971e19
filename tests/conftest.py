"""Shared fixtures: the repository's params, synthetic raw exports, and the synthetic pipeline run once."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tests.pipeline_run import build_workspace
from tests.stage_runs import ROOT
from tests.synthetic import make_raw, write_raw


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


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, repo_params):
    """The pipeline run once on synthetic exports in a temporary folder: (root, params used)."""
    root = tmp_path_factory.mktemp("pipeline")
    return root, build_workspace(root, repo_params)
