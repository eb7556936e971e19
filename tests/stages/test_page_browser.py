"""The manager's page in a real headless browser (Debian's `chromium`, over the DevTools protocol: tests/browser.py).

The page is opened from disk; the test checks that every section and every row of the action list
renders, that sorting and filtering work, that no request leaves the machine, and saves a
screenshot under the test's temporary folder. Skipped, with the reason, only when no chromium is
installed (`.ci/run` installs it).
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from pathlib import Path

import pytest

from tests.browser import Tab, find_browser, opened, start_browser
from tests.stage_runs import read_action_list

SECTIONS = ("summary", "matrix", "offers", "drift", "action-list", "analyst")
VISIBLE = "Array.from(document.querySelectorAll('#actions tbody tr')).filter(r => !r.hidden)"


async def sort_by(tab: Tab, column: int) -> list:
    await tab.js(f"document.querySelectorAll('#actions thead th')[{column}].click()")
    cells = await tab.js(
        f"{VISIBLE}.map(r => r.cells[{column}].dataset.v !== undefined ? r.cells[{column}].dataset.v "
        f": r.cells[{column}].textContent)"
    )
    return [float(c) if c != "" else float("-inf") for c in cells]


async def choose(tab: Tab, name: str, value: str) -> list[str]:
    """Set one filter; the data-<name> attribute of every row left visible."""
    await tab.js(
        f"(() => {{const s = document.getElementById('filter-{name}'); s.value = {json.dumps(value)};"
        "s.dispatchEvent(new Event('change'));})()"
    )
    return await tab.js(f"{VISIBLE}.map(r => r.dataset.{name})")


async def inspect(port: int, page: Path, screenshot: Path, expected: dict) -> dict:
    async with opened(port, page) as tab:
        found = {
            "sections": await tab.js(
                f"{json.dumps(SECTIONS)}.filter(id => {{const e = document.getElementById(id);"
                " return e && e.getBoundingClientRect().height > 0;})"
            ),
            "rows": await tab.js("document.querySelectorAll('#actions tbody tr').length"),
            "svg_shapes": await tab.js("document.querySelectorAll('svg rect').length"),
            "verdict": await tab.js("document.getElementById('drift-verdict').textContent"),
            "value_up": await sort_by(tab, 8),
            "value_down": await sort_by(tab, 8),
            "probability_up": await sort_by(tab, 2),
            "consent_no": await choose(tab, "consent", "no"),
            "shown_no": await tab.js("document.getElementById('shown').textContent"),
            "offer_and_no": await choose(tab, "offer", expected["offer"]),
            "all_again": (await choose(tab, "consent", ""), await choose(tab, "offer", ""))[1],
            "high_risk": await choose(tab, "risk", "high"),
        }
        shot = await tab.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        found["requests"] = tab.requests()
        return found


@pytest.fixture(scope="module")
def browser():
    binary = find_browser()
    if binary is None:
        pytest.skip("no chromium found (apt-get install -y chromium; .ci/run does it)")
    return binary


def test_the_managers_page_renders_sorts_filters_and_stays_offline(browser, workspace, tmp_path):
    root, _ = workspace
    page = tmp_path / "monthly_decision.html"
    shutil.copy(root / "reports/monthly_decision.html", page)
    listed = read_action_list(root / "reports/action_list.csv")
    offer = listed.loc[listed["offer"] != "", "offer"].iloc[0]
    process, port = start_browser(browser, tmp_path / "profile")
    try:
        found = asyncio.run(inspect(port, page, tmp_path / "monthly_decision.png", {"offer": offer}))
    finally:
        process.kill()
        process.wait()
    assert found["sections"] == list(SECTIONS)
    assert found["rows"] == len(listed) and found["svg_shapes"] >= 4
    assert found["verdict"].startswith("fine")
    assert found["value_up"] == sorted(found["value_up"]) and found["value_down"] == sorted(found["value_up"])[::-1]
    assert found["probability_up"] == sorted(found["probability_up"])
    no_consent = int((listed["allows_offers"] == "no").sum())
    assert found["consent_no"] == ["no"] * no_consent and found["shown_no"] == str(no_consent)
    assert found["offer_and_no"] == []  # nobody without consent is offered anything
    assert len(found["all_again"]) == len(listed)
    assert found["high_risk"] == ["high"] * int((listed["risk_band"] == "high").sum())
    assert [u for u in found["requests"] if not u.startswith(("file:", "data:"))] == []
    assert (tmp_path / "monthly_decision.png").read_bytes().startswith(b"\x89PNG")
    print(f"screenshot: {tmp_path / 'monthly_decision.png'}")
