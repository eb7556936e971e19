"""The I/O floor: the catalog's links, outputs removed only when declared, atomic and rounded writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stages.io import paths
from stages.io.files import fresh_outputs, rounded, write_json
from tests.pipeline_run import working_directory


def test_links_between_outputs_are_relative_to_the_report():
    assert paths.link(paths.EDA_REPORT, paths.EDA_FIGURES / "a.png") == "../plots/eda/a.png"
    assert paths.link(paths.EDA_REPORT, paths.EDA_COMPARISON) == "eda_comparison.csv"


def test_a_failed_stage_removes_its_declared_outputs_and_nothing_else(tmp_path):
    with working_directory(tmp_path):
        for output in (paths.QUALITY, paths.CUSTOMERS, paths.RAW / "money.csv", Path("notes.txt")):
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text("old")
        with pytest.raises(RuntimeError), fresh_outputs("prepare"):
            paths.QUALITY.write_text("partial")
            raise RuntimeError("the stage failed")
        assert not paths.PREPARED.exists() and not paths.QUALITY.exists()  # declared: gone
        assert (paths.RAW / "money.csv").read_text() == "old" and Path("notes.txt").exists()  # not its own: kept


def test_json_is_rounded_and_refuses_non_finite_numbers(tmp_path):
    write_json(tmp_path / "m.json", {"a": 0.123456789, "b": [1 / 3]}, digits=4)
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": 0.1235, "b": [0.3333]}
    with pytest.raises(ValueError, match="non-finite"):
        rounded(float("nan"))
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
