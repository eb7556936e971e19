"""Every failure of a stage is one paragraph: bad input exits 2, a bug exits 1 and says where its trace is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.stage_runs import ROOT
from tests.synthetic import make_raw, write_raw

RAISING = """
from stages.io.cli import run_cli
def main():
    raise {error}
run_cli("demo", main)
"""


def run_raising(error: str, temporary: Path) -> subprocess.CompletedProcess:
    """The raising stage, with its temporary directory (where a bug's trace goes) in ``temporary``."""
    code = RAISING.format(error=error)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TMPDIR": str(temporary)},
    )


def test_a_bug_is_one_paragraph_exit_1_with_the_trace_kept(tmp_path):
    result = run_raising("ZeroDivisionError('division by zero')", tmp_path)
    message = result.stderr.strip()
    assert result.returncode == 1 and "Traceback" not in message and "\n" not in message
    assert message.startswith("demo: failed unexpectedly (ZeroDivisionError: division by zero)")
    trace = Path(message.split("the full traceback is in ")[1].split(". ")[0])
    assert trace.parent == tmp_path and "ZeroDivisionError" in trace.read_text(encoding="utf-8")


def test_bad_input_is_one_paragraph_exit_2(tmp_path):
    result = run_raising(
        "__import__('stages.lib.errors').lib.errors.DataError('x.csv', 'id', 'bad ids', [1, 2])", tmp_path
    )
    assert (
        result.returncode == 2
        and result.stderr.strip() == "demo: bad input: x.csv, column 'id': bad ids. Example ids: 1, 2."
    )


def test_a_corrupt_model_is_bad_input_for_score(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models/model.skops").write_bytes(b"garbage")
    write_raw(make_raw(n=20, seed=4, with_target=False), tmp_path / "month")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stages.score",
            "--raw",
            str(tmp_path / "month"),
            "--out",
            str(tmp_path / "s.csv"),
            "--models",
            str(tmp_path / "models"),
            "--params",
            str(ROOT / "params.yaml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "model.skops: not a readable model archive" in result.stderr and not (tmp_path / "s.csv").exists()


SIGNALLED = """
import os, signal, time
from stages.io.cli import run_cli
def main():
    os.kill(os.getpid(), signal.{name})
    time.sleep(30)
run_cli("demo", main)
"""


def test_sigint_and_sigterm_are_one_line_and_exit_128_plus_the_signal():
    for name, code in (("SIGINT", 130), ("SIGTERM", 143)):
        source = SIGNALLED.format(name=name)
        result = subprocess.run([sys.executable, "-c", source], cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == code and "Traceback" not in result.stderr
        assert result.stderr.strip() == f"demo: interrupted ({name}); its partial outputs were removed."


def test_text_from_outside_reaches_the_terminal_escaped(tmp_path):
    """An id, a file name or a bug's message may hold control characters (a cell of an export): the paragraph
    writes them as escapes, so they cannot clear the screen or retitle the terminal."""
    hostile = "\\x1b[2J\\x1b]0;pwned\\x07"
    bad = run_raising(
        f"__import__('stages.lib.errors').lib.errors.DataError('x.csv', 'id', 'bad ids', ['{hostile}'])", tmp_path
    )
    bug = run_raising(f"ValueError('{hostile}')", tmp_path)
    for result in (bad, bug):
        assert result.returncode in (1, 2) and "\x1b" not in result.stderr and "\x07" not in result.stderr
        assert "\\x1b[2J\\x1b]0;pwned\\x07" in result.stderr


LEAVING = """
import pathlib, sys
from stages.io.cli import run_cli
def main():
    for n in range(20_000):  # more than a pipe's buffer: the writes reach the closed end
        print("line", n, flush=n % 1000 == 0)
    pathlib.Path(sys.argv[1]).write_text("done")
    print("the last line")
run_cli("demo", main)
"""


def closed_reader(command: list[str], **options) -> subprocess.CompletedProcess:
    """``command`` with its stdout read by no one, as in `... | head -1`: the reading end closed at once."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options)
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8")
    return subprocess.CompletedProcess(command, process.wait(timeout=300), "", stderr)


def test_a_reader_that_stops_reading_never_fails_the_command(tmp_path):
    done = tmp_path / "done.txt"
    result = closed_reader([sys.executable, "-c", LEAVING, str(done)], cwd=ROOT)
    assert result.returncode == 0 and result.stderr == ""  # no "Exception ignored" at exit either
    assert done.read_text() == "done"


def test_score_piped_into_head_keeps_the_list_and_the_page(workspace, month, tmp_path):
    root, _ = workspace
    out = tmp_path / "scores" / "month.csv"
    out.parent.mkdir()
    models, reference = root / "models", root / "reports/drift_reference.json"
    arguments = ["--raw", str(month), "--out", str(out), "--models", str(models), "--reference", str(reference)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    result = closed_reader([sys.executable, "-m", "stages.score", *arguments], cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert out.is_file() and out.with_suffix(".html").is_file()
