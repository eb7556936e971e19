"""Attacks on what `score` writes, through its command line: names that would run code in the page, links
planted where it writes, outputs that would overwrite each other or the pipeline's own, two runs at once.
Each test names the class of issue 23 it holds."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stages.io.month_outputs import PARTS_MARKER
from tests.browser import browsing, opened, required_browser
from tests.stage_runs import ROOT, score_month
from tests.synthetic import make_raw, write_raw

HOSTILE = "javascript:alert(document.domain)"


def test_no_code_from_names_a_hostile_out_name_links_as_a_relative_file(workspace, month, tmp_path):
    """Class «code in the browser from a file name»: the link is ./<percent-encoded name>, no attribute is
    an event handler, and the policy lets run only the script whose hash it names; in Chromium that script
    still filters the list offline, and the link resolves to a file, not to code."""
    root, _ = workspace
    out = tmp_path / f"{HOSTILE}.csv"
    assert score_month(root, month, out).returncode == 0
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    found = Attributes()
    found.feed(page)
    assert "./javascript%3Aalert%28document.domain%29.csv" in found.hrefs
    assert all(href.startswith(("./", "../", "#")) for href in found.hrefs) and not found.handlers
    policy = page.split('Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    scripts = [part.strip() for part in policy.split(";") if part.strip().startswith("script-src")]
    assert scripts and "unsafe" not in scripts[0] and "'sha256-" in scripts[0] and page.count("<script>") == 1
    binary = required_browser()
    with browsing(binary, tmp_path / "profile") as port:
        protocols, shown = asyncio.run(in_browser(port, out.with_suffix(".html")))
    assert set(protocols) == {"file:"} and shown == "0"  # the page's own script ran: the filter hid every row


async def in_browser(port: int, page: Path) -> tuple[list[str], str]:
    async with opened(port, page) as tab:
        protocols = await tab.js("Array.from(document.querySelectorAll('a[href]')).map(a => a.protocol)")
        await tab.js(
            "(() => {const s = document.getElementById('filter-consent'); s.value = 'no-such-value';"
            "s.add(new Option('x', 'no-such-value')); s.value = 'no-such-value';"
            "s.dispatchEvent(new Event('change'));})()"
        )
        return protocols, await tab.js("document.getElementById('shown').textContent")


class Attributes(HTMLParser):
    """Every href, and every attribute that would be an event handler (on...)."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.handlers = [], []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if name == "href"]
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


@pytest.mark.parametrize("name", [".scores.csv.tmp", ".scores.html.tmp", "scores.parts/.part-00000.parquet.tmp"])
def test_writes_that_cannot_be_redirected_by_a_link_at_the_old_temporary_names(workspace, month, tmp_path, name):
    """Class «writes that follow links»: temporary files have fresh random names, created exclusively."""
    root, _ = workspace
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    planted = tmp_path / name
    planted.parent.mkdir(exist_ok=True)
    (planted.parent / PARTS_MARKER).write_text("planted\n") if planted.parent.name.endswith(".parts") else None
    planted.symlink_to(victim)
    assert score_month(root, month, tmp_path / "scores.csv").returncode == 0
    assert victim.read_text() == "keep me" and planted.is_symlink()


def test_a_link_at_the_outputs_own_names_is_replaced_not_followed(workspace, month, tmp_path):
    root, _ = workspace
    out = tmp_path / "scores.csv"
    assert score_month(root, month, out).returncode == 0
    victim = tmp_path / "victim.csv"
    victim.write_bytes(out.read_bytes())  # a file `score` would accept to replace
    out.unlink()
    out.symlink_to(victim)
    assert score_month(root, month, out).returncode == 0
    assert not out.is_symlink() and victim.read_bytes() == out.read_bytes()
    record = out.with_name("scores.campaign.parquet")
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~current_umask()) and record.is_file()


def test_a_link_at_the_parts_marker_is_refused(workspace, month, tmp_path):
    root, _ = workspace
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "scores.parts").mkdir()
    (tmp_path / "scores.parts" / PARTS_MARKER).symlink_to(victim)
    result = score_month(root, month, tmp_path / "scores.csv")
    assert result.returncode == 2 and "a link stands where" in result.stderr and "Traceback" not in result.stderr
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize(
    ("out", "words"),
    [
        ("x.html", "must name a .csv file"),
        ("x.parts", "must name a .csv file"),
        ("x.CSV", "must name a .csv file"),
        ("reports/action_list.csv", "a path the pipeline uses"),
        ("models/m.csv", "a path the pipeline uses"),
        ("data/raw/scores.csv", "a path the pipeline uses"),
        ("plots/eda/x.csv", "a path the pipeline uses"),
    ],
)
def test_outputs_that_never_clash_with_the_catalog_or_each_other(workspace, month, out, words):
    """Class «outputs that overwrite each other or what they should not»: run in the workspace, where the
    catalog's files are real; nothing there changes."""
    root, _ = workspace
    before = {p: p.read_bytes() for p in (root / "reports").iterdir() if p.is_file()}
    result = score_month(root, month, out, "--params", str(ROOT / "params.yaml"), cwd=root)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in before} == before
    assert not (root / out).with_suffix(".parts").exists()


def test_a_second_run_into_the_same_out_exits_2_at_once_naming_the_first(workspace, month, tmp_path):
    root, _ = workspace
    out = tmp_path / "scores.csv"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from stages.io.month_outputs import fresh_month_outputs\n"
            "with fresh_month_outputs(Path(sys.argv[1])):\n    print('holding', flush=True); time.sleep(60)",
            str(out),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        result = score_month(root, month, out)
        assert result.returncode == 2 and f"process {holder.pid} is writing scores.csv" in result.stderr
        assert time.monotonic() - started < 20 and (out.parent / "scores.parts" / PARTS_MARKER).is_file()
    finally:
        holder.kill()
        holder.wait()
    assert score_month(root, month, out).returncode == 0  # the lock goes with its process


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("planted", ["a named pipe at the page", "a link to /dev/zero at the list"])
def test_what_stands_at_an_output_name_is_never_read_whole_or_waited_on(workspace, month, tmp_path, planted):
    """`score` reads only the first bytes of a regular file it may replace: a pipe would block, a device
    would fill the memory."""
    root, _ = workspace
    out = tmp_path / "scores.csv"
    if planted == "a named pipe at the page":
        os.mkfifo(out.with_suffix(".html"))
    else:
        out.symlink_to("/dev/zero")
    result = score_month(root, month, out)
    assert result.returncode == 2 and "did not write" in result.stderr and "Traceback" not in result.stderr


def test_a_rerun_for_another_month_into_the_same_out_is_refused_before_anything_is_removed(workspace, tmp_path):
    root, _ = workspace
    september = write_raw(make_raw(n=40, seed=8, with_target=False), tmp_path / "2026-09")
    october = write_raw(make_raw(n=40, seed=9, with_target=False), tmp_path / "2026-10")
    out = tmp_path / "scores.csv"
    assert score_month(root, september, out).returncode == 0
    written = {path: path.read_bytes() for path in (out, out.with_suffix(".html"))}
    result = score_month(root, october, out)
    assert result.returncode == 2 and "campaign '2026-09'" in result.stderr and "'2026-10'" in result.stderr
    assert {path: path.read_bytes() for path in written} == written


def test_an_out_name_too_long_for_the_files_beside_it_is_refused(workspace, month, tmp_path):
    root, _ = workspace
    result = score_month(root, month, tmp_path / ("m" * 240 + ".csv"))
    assert result.returncode == 2 and "characters long" in result.stderr and "Traceback" not in result.stderr
