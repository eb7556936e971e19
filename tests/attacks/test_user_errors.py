"""Attacks that are user errors, through the command line: each ends in one paragraph and exit code 2,
never a traceback or a stall; a real bug's traceback goes to a new private file each run."""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from stages.io.cli import run_cli
from tests.stage_runs import read_action_list, score_month
from tests.synthetic import Dialect, make_raw, write_raw


def test_params_that_do_not_exist_are_one_paragraph(workspace, month, tmp_path):
    """(A folder as --params: tests/stages/test_score.py; scheduler values that are no address, there too.)"""
    root, _ = workspace
    result = score_month(root, month, tmp_path / "scores.csv", "--params", str(tmp_path / "nowhere.yaml"))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "no params file" in result.stderr


def test_a_trailing_separator_on_every_data_row_is_read_as_the_empty_column_it_is(workspace, tmp_path):
    """What Excel writes: `;` at the end of each row (not of the header). Same list as without it."""
    root, _ = workspace
    dialect = Dialect(sep=";", decimal=",")
    plain = write_raw(make_raw(n=60, seed=9, defects=False, with_target=False), tmp_path / "plain", dialect)
    trailing = write_raw(make_raw(n=60, seed=9, defects=False, with_target=False), tmp_path / "trailing", dialect)
    for path in trailing.iterdir():
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([header, *(row + ";" for row in rows)]) + "\n", encoding="utf-8")
    results = [score_month(root, m, tmp_path / f"{m.name}.csv", "--campaign-label", "same") for m in (plain, trailing)]
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
