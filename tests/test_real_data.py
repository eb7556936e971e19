"""The stages on the real exports from the DVC remote (run `make pull` first; required under CI)."""

from __future__ import annotations

import json
import os

import pytest

from stages.prepare import run
from tests.conftest import ROOT

RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def real_raw():
    if not (RAW / "market_file.csv").exists():
        if os.environ.get("CI"):
            pytest.fail("data/raw is missing under CI: `make test` must pull it (dvc pull data/raw.dvc)")
        pytest.skip("data/raw not pulled; run `make pull`")
    return RAW


@pytest.mark.real_data
def test_prepare_on_real_data_matches_committed_quality_metrics(real_raw, tmp_path, repo_params):
    quality_path = tmp_path / "data_quality.json"
    run(real_raw, tmp_path / "prepared", quality_path, repo_params)
    quality = json.loads(quality_path.read_text())
    assert quality == json.loads((ROOT / "metrics" / "data_quality.json").read_text())
    assert quality["rules"]["extreme_revenue"]["customers"] == 1
    assert quality["rules"]["duplicate_customers_found"]["customers"] == 22
    assert quality["customers"]["kept"] == 1297
