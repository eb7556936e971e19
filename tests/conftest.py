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


@pytest.fixture
def month(tmp_path) -> Path:
    """A new month of 40 customers (no activity column), written as the shop exports it."""
    return write_raw(make_raw(n=40, seed=8, with_target=False), tmp_path / "month")


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster of two single-threaded worker processes, started as the README starts a team's
    (`--preload stages.io.cluster_setup`), and recording what the workers import after that: its scheduler's address."""
    from distributed import LocalCluster  # only the modules that use a cluster pay for the import

    setup = "stages.io.cluster_setup"
    # the scheduler's HTTP routes on a free port (they take 8787 otherwise, even without a dashboard)
    scheduler = {"preload": [setup], "dashboard_address": ":0"}
    workers = {"preload": [setup, "tests.worker_imports"]}
    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, scheduler_kwargs=scheduler, **workers
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def odd_month(tmp_path_factory) -> Path:
    """90 customers with every kind of defect the rules fix: a repeated row, typos, an extreme revenue, a
    customer who is not regular, an unseen label and an empty cell."""
    raw = make_raw(n=90, seed=8, with_target=False)
    market = raw["market_file"]
    market["Страниц_за_визит"] = market["Страниц_за_визит"].astype(object)
    market.loc[market["id"] == 100_005, "Популярная_категория"] = "Садовый инвентарь"
    market.loc[market["id"] == 100_006, "Страниц_за_визит"] = ""
    return write_raw(raw, tmp_path_factory.mktemp("odd") / "month")
