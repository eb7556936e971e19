"""The real pipeline end to end on the exports from the DVC remote (`make pull`; required under CI).

It rebuilds everything in a temporary folder with the repository's params and checks that the
committed metrics and reports are exactly what the committed code produces.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pandas as pd
import pytest
import yaml

from stages.io import paths
from stages.io.files import read_parquet
from stages.io.model_store import load_model
from stages.lib.model.pipeline import predict_risk
from stages.lib.schema import ID
from stages.lib.words import Words
from tests.pipeline_run import build_real_workspace
from tests.stage_runs import ROOT, read_action_list, run_stage

RAW = ROOT / "data" / "raw"
pytestmark = pytest.mark.real_data


def committed_outputs() -> list[str]:
    """Every file under the outputs that dvc.yaml keeps out of the DVC cache (committed to git), text and figures."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"].values()
    entries = [e for stage in stages for e in (*stage.get("outs", []), *stage.get("metrics", []))]
    uncached = [next(iter(e)) for e in entries if isinstance(e, dict) and next(iter(e.values())).get("cache") is False]
    files = []
    for output in uncached:
        path = ROOT / output
        files += (
            [p.relative_to(ROOT).as_posix() for p in sorted(path.rglob("*")) if p.is_file()]
            if path.is_dir()
            else [output]
        )
    return files


COMMITTED = committed_outputs()


@pytest.fixture(scope="module")
def real_workspace(tmp_path_factory, repo_params):
    if not (RAW / "market_file.csv").exists():
        if os.environ.get("CI"):
            pytest.fail("data/raw is missing under CI: `make test` must pull it (dvc pull data/raw.dvc)")
        pytest.skip("data/raw not pulled; run `make pull`")
    root = tmp_path_factory.mktemp("real")
    build_real_workspace(root, RAW, repo_params)
    return root


@pytest.mark.parametrize("path", COMMITTED)
def test_real_pipeline_reproduces_the_committed_outputs(real_workspace, path):
    rebuilt, committed = (real_workspace / path).read_bytes(), (ROOT / path).read_bytes()
    assert rebuilt == committed, f"{path} differs from what the committed code produces: run `dvc repro` and commit"


def dvc_md5(path) -> str:
    """DVC 3's md5 of an output: the file's, or for a folder the md5 of its JSON listing (``.dir``)."""
    if path.is_file():
        return hashlib.md5(path.read_bytes()).hexdigest()
    entries = [
        {"md5": hashlib.md5(p.read_bytes()).hexdigest(), "relpath": p.relative_to(path).as_posix()}
        for p in sorted(path.rglob("*"))
        if p.is_file()
    ]
    return (
        hashlib.md5(json.dumps(sorted(entries, key=lambda e: e["relpath"]), sort_keys=True).encode()).hexdigest()
        + ".dir"
    )


LOCKED_OUTS = [
    (stage, out["path"], out["md5"])
    for stage, entry in yaml.safe_load((ROOT / "dvc.lock").read_text(encoding="utf-8"))["stages"].items()
    for out in entry.get("outs", [])
]


@pytest.mark.parametrize(("stage", "path", "md5"), LOCKED_OUTS, ids=[f"{s}:{p}" for s, p, _ in LOCKED_OUTS])
def test_real_pipeline_rebuilds_the_outputs_dvc_lock_records(real_workspace, stage, path, md5):
    """Cached outputs too (prepared data, models, SHAP values): the same bytes as dvc.lock says were committed."""
    assert dvc_md5(real_workspace / path) == md5, f"{stage}: {path} differs from dvc.lock: run `dvc repro` and commit"


def test_real_pipeline_writes_no_committed_output_the_repository_lacks(real_workspace):
    rebuilt = {p.relative_to(real_workspace).as_posix() for p in real_workspace.rglob("*") if p.is_file()}
    uncached_roots = {c.split("/")[0] for c in COMMITTED}  # metrics, plots, reports
    inputs = {paths.TEST_BAND.as_posix()}  # copied in from the repository, not rebuilt (build_real_workspace)
    extra = {f for f in rebuilt if f.split("/")[0] in uncached_roots} - set(COMMITTED) - inputs
    assert not extra, f"the pipeline writes {sorted(extra)} but they are not committed: run `dvc repro` and commit"


def test_real_data_quality_counts(real_workspace):
    quality = pd.read_json(real_workspace / "metrics/data_quality.json", typ="series")
    assert quality["customers"]["kept"] == 1297
    assert quality["rules"]["extreme_revenue"]["customers"] == 1
    assert quality["rules"]["duplicate_customers_found"]["customers"] == 22


def test_scoring_the_real_month_reproduces_the_evaluated_test_probabilities(real_workspace, tmp_path):
    out = tmp_path / "scored.csv"
    reference = real_workspace / "reports/drift_reference.json"
    models = real_workspace / "models"
    result = run_stage(
        "score", "--raw", str(RAW), "--out", str(out), "--models", str(models), "--reference", str(reference)
    )
    assert result.returncode == 0, result.stderr
    ru = Words("ru")  # params.yaml's language; the training month re-scored looks like itself
    assert ru("console.drift", verdict=ru("verdict.fine"), instruction=ru("instruction.fine")) in result.stdout
    scored = pd.read_parquet(out.with_suffix(".parts")).set_index(ID)  # every customer, 10 decimals
    test = read_parquet(real_workspace / "data/prepared/test.parquet")
    expected = predict_risk(load_model(real_workspace / "models/model.skops"), test)
    np.testing.assert_allclose(scored.loc[test[ID], "probability"].to_numpy(), expected, atol=1e-10, rtol=0)
    listed = read_action_list(out).set_index(ID)  # the customers the decision explained, rounded to 4 decimals
    on_list = listed.index.intersection(test[ID])
    assert len(on_list) > 20
    np.testing.assert_allclose(listed.loc[on_list, "probability"], scored.loc[on_list, "probability"], atol=5e-5)
