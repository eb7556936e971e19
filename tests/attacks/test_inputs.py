"""Attacks through the exports themselves, through the command line: a cut export is named."""

from __future__ import annotations

import os
import subprocess
import sys
from html import escape

import pytest
import yaml

from stages.lib.words import Words
from tests.stage_runs import ROOT, score_month
from tests.synthetic import make_raw, write_raw


def test_an_export_cut_in_its_last_number_is_named_on_the_console_and_the_page(workspace, tmp_path):
    """Class «a truncated export passes silently»: money.csv loses its last line break and the last digit
    of its last number, which still reads as a (shorter) number."""
    root, _ = workspace
    month = write_raw(make_raw(n=40, seed=8, with_target=False), tmp_path / "month")
    money = month / "money.csv"
    text = money.read_text(encoding="utf-8")
    last_id = text.rstrip("\n").rsplit("\n", 1)[1].split(",", 1)[0]
    money.write_text(text.rstrip("\n")[:-1], encoding="utf-8")
    result = score_month(root, month, tmp_path / "scores.csv")
    assert result.returncode == 0, result.stderr
    words = Words("ru")  # params.yaml's language
    expected = words.cut_export("money.csv", last_id)
    assert words("console.warning", text=expected) in result.stdout and f"(id {last_id})" in expected
    page = (tmp_path / "scores.html").read_text(encoding="utf-8")
    assert 'id="flags"' in page and escape(expected) in page


def test_exports_that_all_end_without_a_line_break_are_not_flagged(workspace, tmp_path):
    root, _ = workspace
    month = write_raw(make_raw(n=40, seed=8, with_target=False), tmp_path / "month")
    for path in month.iterdir():
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    result = score_month(root, month, tmp_path / "scores.csv")
    assert result.returncode == 0 and Words("ru")("console.warning", text="") not in result.stdout
    assert 'id="flags"' not in (tmp_path / "scores.html").read_text(encoding="utf-8")


GIANT = 256 << 20  # bytes: 16 times the row limit (params.yaml scale.max_row_bytes)
BIG_CELL = 10 << 20


def giant_month(folder, body: bytes, encoding: str = "utf-8"):
    """A month whose money.csv is its header, then ``body`` (the other three exports as usual)."""
    month = write_raw(make_raw(n=40, seed=8, with_target=False), folder)
    money = month / "money.csv"
    header = money.read_text(encoding="utf-8").split("\n", 1)[0]
    with money.open("wb") as file:
        file.write((header + "\n").encode(encoding))
        file.write(body)
    return month


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("256 MiB of digits, no line break", "a row is longer than 16,777,216 bytes"),
        ("256 MiB of Windows-1251 text, no line break", "a row is longer than 16,777,216 bytes"),
        ("256 MiB after an open quote", "a row is longer than 16,777,216 bytes"),
        ("a 10 MiB field in a row of three", "a row has 3 field(s) where the header has 2"),
        ("a 10 MiB number", "are outside the allowed range"),
        ("a 10 MiB quoted number, its quote closed", "are outside the allowed range"),
    ],
)
def test_giant_lines_and_cells_are_refused_in_one_short_paragraph_in_bounded_memory(tmp_path, workspace, case, words):
    """Class «giant inputs»: exit 2, the paragraph quotes at most 80 characters of the cell or row, and the
    process's peak memory stays far below the file's size (it streams: no whole-file read)."""
    root, _ = workspace
    body, encoding = {
        "256 MiB of digits, no line break": (b"1" * GIANT, "utf-8"),
        "256 MiB of Windows-1251 text, no line break": ("Ж".encode("cp1251") * GIANT, "cp1251"),
        "256 MiB after an open quote": (b'100001,"' + b"x" * GIANT, "utf-8"),
        "a 10 MiB field in a row of three": (b"100001,5," + b"x" * BIG_CELL + b"\n", "utf-8"),
        "a 10 MiB number": (b"100001," + b"7" * BIG_CELL + b"\n", "utf-8"),
        "a 10 MiB quoted number, its quote closed": (b'100001,"' + b"7" * BIG_CELL + b'"\n', "utf-8"),
    }[case]
    month = giant_month(tmp_path / "month", body, encoding)
    # VmHWM: this process image's peak (ru_maxrss would count the forking test process's memory before exec)
    probe = (
        "import re, runpy, sys; sys.argv = sys.argv[1:]\n"
        "try:\n    runpy.run_module('stages.score', run_name='__main__')\nfinally:\n"
        "    status = open('/proc/self/status').read()\n"
        "    print('peak', re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)"
    )
    models, reference = root / "models", root / "reports/drift_reference.json"
    arguments = ["--raw", str(month), "--out", str(tmp_path / "s.csv"), "--models", str(models)]
    result = subprocess.run(
        [sys.executable, "-c", probe, "score", *arguments, "--reference", str(reference)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    paragraph, peak = result.stderr.rsplit("peak ", 1)
    assert result.returncode == 2 and words in paragraph and "Traceback" not in paragraph, paragraph[:2000]
    assert len(paragraph) < 1000 and "x" * 81 not in paragraph and "7" * 81 not in paragraph
    assert int(peak) << 10 < 1.5 * 2**30  # KiB on Linux: a whole-file read would need the file's size and more
    assert not (tmp_path / "s.csv").exists()


def test_the_row_limit_is_the_one_params_state(workspace, tmp_path):
    """A team that wants 1 MiB sets scale.max_row_bytes; a 2 MiB line is then refused, naming the limit."""
    root, _ = workspace
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["scale"]["max_row_bytes"] = 1 << 20
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    month = giant_month(tmp_path / "month", b"100001," + b"7" * (2 << 20) + b"\n")
    result = score_month(root, month, tmp_path / "s.csv", "--params", str(tmp_path / "params.yaml"))
    assert result.returncode == 2 and "a row is longer than 1,048,576 bytes" in result.stderr, result.stderr
    assert "scale.max_row_bytes" in result.stderr and len(result.stderr) < 1000
