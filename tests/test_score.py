"""`python -m stages.score`: no path argument can destroy data; a rerun replaces only its own list."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import run_stage
from tests.synthetic import make_raw, write_raw


@pytest.fixture
def month(tmp_path):
    return write_raw(make_raw(n=40, seed=8, with_target=False), tmp_path / "month")


def score(workspace_root, month, out):
    return run_stage("score", "--raw", str(month), "--out", str(out), "--models", str(workspace_root / "models"))


def test_a_rerun_replaces_the_list_it_wrote(workspace, month, tmp_path):
    root, _ = workspace
    out = tmp_path / "scores.csv"
    assert score(root, month, out).returncode == 0
    first = out.read_bytes()
    assert score(root, month, out).returncode == 0 and out.read_bytes() == first


@pytest.mark.parametrize("target", ["a folder", "an input export", "the model folder", "a file of someone else's"])
def test_out_that_would_destroy_data_is_refused_and_nothing_is_touched(workspace, month, tmp_path, target):
    root, _ = workspace
    elsewhere = tmp_path / "notes.txt"
    elsewhere.write_text("keep me")
    out = {
        "a folder": tmp_path,
        "an input export": month / "money.csv",
        "the model folder": root / "models" / "scores.csv",
        "a file of someone else's": elsewhere,
    }[target]
    before = {p: p.read_bytes() for p in [*month.iterdir(), elsewhere, *(root / "models").iterdir()]}
    result = score(root, month, out)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "--out" in result.stderr
    assert {p: p.read_bytes() for p in before} == before
    assert not (root / "models" / "scores.csv").exists()


def test_a_customer_that_cannot_be_scored_is_listed_with_its_reason(workspace, tmp_path):
    raw = make_raw(n=40, seed=8, with_target=False)
    money = raw["market_money"]
    unscorable = 100_003  # extreme revenue in every month: no plausible month to repair it from
    money.loc[money["id"] == unscorable, "Выручка"] = 50_000.0
    month = write_raw(raw, tmp_path / "month")
    root, _ = workspace
    out = tmp_path / "scores.csv"
    result = score(root, month, out)
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(out, keep_default_na=False)
    assert list(scored.columns)[-1] == "not_scored_reason"
    assert len(scored) == raw["money"]["id"].nunique()
    row = scored.loc[scored["id"] == unscorable].iloc[0]
    assert row["probability"] == "" and "every month" in row["not_scored_reason"]
    assert (scored.loc[scored["id"] != unscorable, "not_scored_reason"] == "").all()
    assert "1 not scored" in result.stdout and f"not scored: {unscorable}:" in result.stdout
