"""`dvc plots show/diff` work offline: the configured HTML template carries Vega itself, loads nothing."""

from __future__ import annotations

import asyncio
import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.browser import browsing, opened, required_browser
from tests.stage_runs import ROOT

EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)


def template() -> Path:
    config = configparser.ConfigParser()
    config.read(ROOT / ".dvc/config")
    return ROOT / ".dvc" / config["plots"]["html_template"]


def test_the_configured_template_bundles_vega_and_names_no_remote_resource():
    page = template().read_text(encoding="utf-8")
    assert "{plot_divs}" in page and "{scripts}" not in page  # no placeholder for DVC's CDN script tags
    assert "vegaEmbed" in page and "vega-lite" in page
    assert EXTERNAL.search(page) is None


def test_dvc_plots_show_renders_offline_in_a_browser(tmp_path):
    binary = required_browser()
    out = tmp_path / "plots"
    dvc = Path(sys.executable).with_name("dvc")
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    subprocess.run([str(dvc), "plots", "show", "-o", str(out)], cwd=ROOT, env=env, check=True, capture_output=True)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert EXTERNAL.search(page) is None and "cdn.jsdelivr" not in page
    with browsing(binary, tmp_path / "profile") as port:
        found = asyncio.run(render(port, out / "index.html"))
    assert found["vega"] >= 6 and found["errors"] == []  # the six vega plots of dvc.yaml drew themselves
    assert [u for u in found["requests"] if not u.startswith(("file:", "data:"))] == []


async def render(port: int, page: Path) -> dict:
    async with opened(port, page, "Runtime") as tab:
        # vegaEmbed draws asynchronously: wait (in the page) until every plot has its canvas or svg
        vega = await tab.send(
            "Runtime.evaluate",
            awaitPromise=True,
            returnByValue=True,
            expression="new Promise(done => { let n = 0; const t = setInterval(() => {"
            " const k = document.querySelectorAll('.vega-embed canvas, .vega-embed svg.marks').length;"
            " if (k >= 6 || ++n > 200) { clearInterval(t); done(k); } }, 50); })",
        )
        errors = [e for e in tab.events if e.get("method") == "Runtime.exceptionThrown"]
        return {"vega": vega["result"]["value"], "errors": errors, "requests": tab.requests()}
