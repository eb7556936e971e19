"""Attacks that are user errors, through the command line: each ends in one paragraph and exit code 2,
never a traceback or a stall; a real bug's traceback goes to a new private file each run."""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
import time
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from stages.io.cli import run_cli
from tests.stage_runs import read_action_list, run_stage
from tests.synthetic import Dialect, make_raw, write_raw


def score(root, month, out, *extra):
    models, reference = root / "models", root / "reports/drift_reference.json"
    arguments = ["--raw", str(month), "--out", str(out), "--models", str(models), "--reference", str(reference)]
    return run_stage("score", *arguments, *extra)


@pytest.fixture
def month(tmp_path):
    return write_raw(make_raw(n=40, seed=8, with_target=False), tmp_path / "month")


@pytest.mark.parametrize("value", ["not an address", "tcp://", "foo://bar:1", "tcp://host:port", "[::1"])
@pytest.mark.parametrize("how", ["--scheduler", "SCORE_SCHEDULER"])
def test_a_scheduler_value_that_is_not_an_address_is_refused_before_any_connection(
    workspace, month, tmp_path, monkeypatch, value, how
):
    root, _ = workspace
    extra = ["--scheduler", value] if how == "--scheduler" else []
    if how == "SCORE_SCHEDULER":
        monkeypatch.setenv("SCORE_SCHEDULER", value)
    started = time.monotonic()
    result = score(root, month, tmp_path / "scores.csv", *extra)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "not a Dask scheduler address" in result.stderr and "tcp://HOST:PORT" in result.stderr
    assert time.monotonic() - started < 30 and not (tmp_path / "scores.csv").exists()


@pytest.mark.parametrize("params", ["a folder", "missing"])
def test_params_that_are_not_a_file_are_one_paragraph(workspace, month, tmp_path, params):
    root, _ = workspace
    path = tmp_path if params == "a folder" else tmp_path / "nowhere.yaml"
    result = score(root, month, tmp_path / "scores.csv", "--params", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "params" in result.stderr


def test_a_trailing_separator_on_every_data_row_is_read_as_the_empty_column_it_is(workspace, tmp_path):
    """What Excel writes: `;` at the end of each row (not of the header). Same list as without it."""
    root, _ = workspace
    dialect = Dialect(sep=";", decimal=",")
    plain = write_raw(make_raw(n=60, seed=9, defects=False, with_target=False), tmp_path / "plain", dialect)
    trailing = write_raw(make_raw(n=60, seed=9, defects=False, with_target=False), tmp_path / "trailing", dialect)
    for path in trailing.iterdir():
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([header, *(row + ";" for row in rows)]) + "\n", encoding="utf-8")
    results = [score(root, m, tmp_path / f"{m.name}.csv", "--campaign-label", "same") for m in (plain, trailing)]
    assert [r.returncode for r in results] == [0, 0], results[1].stderr
    lists = [read_action_list(tmp_path / f"{name}.csv") for name in ("plain", "trailing")]
    assert lists[0].equals(lists[1])


@pytest.mark.parametrize(
    "error", [OSError(errno.ENOSPC, "No space left on device"), OSError("No space left on device")]
)
def test_a_full_disk_is_named_as_such_with_the_folder_and_what_is_free(tmp_path, error):
    """pyarrow raises the second form (no errno). The disk cannot be filled portably, so the command's
    wrapper is given the error its writers raise."""
    if error.errno:  # the writer named its file: the folder is the nearest existing one above it
        error.filename = str(tmp_path / "scores.parts" / "part-00000.parquet")
    folder = tmp_path if error.errno else Path.cwd()

    def main():
        raise error

    stderr = io.StringIO()
    with redirect_stderr(stderr), pytest.raises(SystemExit) as stopped:
        run_cli("score", main)
    assert stopped.value.code == 2 and "disk full" in stderr.getvalue() and "MiB free" in stderr.getvalue()
    assert f"the folder {folder} has" in stderr.getvalue() and "bug" not in stderr.getvalue()


def test_a_bugs_traceback_goes_to_a_new_private_file_never_through_a_planted_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    fixed = Path(tempfile.gettempdir()) / "one-click-attack-traceback.txt"  # the name every run once used
    fixed.unlink(missing_ok=True)
    fixed.symlink_to(victim)
    written = []
    try:
        for _ in range(2):
            stderr = io.StringIO()
            with redirect_stderr(stderr), pytest.raises(SystemExit) as stopped:
                run_cli("attack", lambda: 1 / 0)
            assert stopped.value.code == 1
            written.append(Path(stderr.getvalue().split("the full traceback is in ", 1)[1].split(". Please")[0]))
    finally:
        fixed.unlink()
    assert written[0] != written[1] and victim.read_text() == "keep me"
    for path in written:
        assert "ZeroDivisionError" in path.read_text() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
        path.unlink()
