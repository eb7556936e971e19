"""The manager's page in a real headless browser (Debian's `chromium`, over the DevTools protocol: tests/browser.py).

The page is opened from disk; the test checks that every section and every row of the action list
renders, that sorting and filtering work, that no request leaves the machine, and saves a
screenshot under the test's temporary folder; that the page fits a laptop (1366×768) and a phone
(390×844, mobile emulation) without sideways scrolling, and saves both screenshots; and that the
"download this list" button writes the rows the filters leave, as Excel reads them, with no request.
Skipped, with the reason, only when no chromium is installed (`.ci/run` installs it).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

from stages.lib.words import Words
from tests.browser import Tab, browsing, opened, required_browser
from tests.markdown_words import english_words
from tests.stage_runs import read_action_list, score_month
from tests.synthetic import make_raw, write_raw

SECTIONS = ("summary", "matrix", "offers", "action-list", "analyst")  # the training month: no drift against itself
VISIBLE = "Array.from(document.querySelectorAll('#actions tbody tr')).filter(r => !r.hidden)"
HEADERS = "Array.from(document.querySelectorAll('#actions thead th'))"


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
            "drift": await tab.js("document.getElementById('drift') === null"),
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
    binary = required_browser()
    return binary


@pytest.fixture
def training_page(workspace, tmp_path):
    """A copy of the training month's page, and its action list read back (codes)."""
    root, _ = workspace
    page = tmp_path / "monthly_decision.html"
    shutil.copy(root / "reports/monthly_decision.html", page)
    return page, read_action_list(root / "reports/action_list.csv")


def test_the_managers_page_renders_sorts_filters_and_stays_offline(browser, training_page, tmp_path):
    page, listed = training_page
    offer = listed.loc[listed["offer"] != "", "offer"].iloc[0]
    with browsing(browser, tmp_path / "profile") as port:
        found = asyncio.run(inspect(port, page, tmp_path / "monthly_decision.png", {"offer": offer}))
    assert found["sections"] == list(SECTIONS)
    assert found["rows"] == len(listed) and found["svg_shapes"] >= 4
    assert found["drift"]  # the training month is the reference: no comparison with itself
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


# The list's columns a manager needs on every screen (indices into the header: the words may change)
WHO, PROBABILITY, OFFER, WORTH, ACTION, WHY = 1, 2, 7, 8, 9, 10
LAPTOP, PHONE = (1366, 768, 1, False), (390, 844, 2, True)  # width, height, device pixels per CSS pixel, mobile
# What the page looks like at the emulated size, with the list scrolled to the top of the screen. A row (or card)
# counts as visible when its whole box lies inside the viewport and inside the list's scrolling box, below the
# list's sticky header where one shows: what the manager sees without scrolling anything.
MEASURE = """(() => {
  const wrap = document.querySelector('#action-list .wrap'); wrap.scrollIntoView();
  const box = wrap.getBoundingClientRect(), head = document.querySelector('#actions thead').getBoundingClientRect();
  const top = Math.max(0, box.top, head.height > 1 ? head.bottom : 0);
  const bottom = Math.min(innerHeight, box.top + wrap.clientTop + wrap.clientHeight);
  const right = Math.min(innerWidth, box.left + wrap.clientLeft + wrap.clientWidth);
  const rows = Array.from(document.querySelectorAll('#actions tbody tr')).filter(r => !r.hidden);
  const boxes = rows.map(r => r.getBoundingClientRect());
  const inside = b => b.height > 0 && b.top >= top - 0.5 && b.bottom <= bottom + 0.5
    && b.left >= -0.5 && b.right <= right + 0.5;
  const heads = Array.from(document.querySelectorAll('#actions thead th'));
  return {
    inner_width: innerWidth, scroll_width: document.documentElement.scrollWidth,
    list_scroll_width: wrap.scrollWidth, list_client_width: wrap.clientWidth,
    rows: rows.length, visible: boxes.filter(inside).length,
    cards: rows.filter(r => getComputedStyle(r).display !== 'table-row').length,
    widest_card: Math.max(...boxes.map(b => b.right)), leftmost_card: Math.min(...boxes.map(b => b.left)),
    columns_in_view: heads.map(th => {
      const b = th.getBoundingClientRect(); return b.width > 0 && b.right <= right + 0.5;}),
    labels: Array.from(rows[0].cells).map(c => getComputedStyle(c, '::before').content),
    headers: heads.map(th => th.textContent),
    overflowing: Array.from(document.querySelectorAll('svg, table')).filter(e => {
      const b = e.getBoundingClientRect(); return b.right > innerWidth + 0.5 || b.left < -0.5;})
      .map(e => e.outerHTML.slice(0, 60)),
  };
})()"""


async def at_size(port: int, page: Path, folder: Path, size: tuple) -> dict:
    """The page at one emulated screen: MEASURE, a screenshot of the list and one of the charts."""
    width, height, scale, mobile = size
    async with opened(port, page) as tab:
        await tab.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=scale, mobile=mobile
        )
        await tab.send("Emulation.setTouchEmulationEnabled", enabled=mobile)
        for name in ("charts", "list"):  # the charts at the top of the screen, then the list (and MEASURE)
            await tab.js("document.getElementById('matrix').scrollIntoView()")
            found = await tab.js(MEASURE) if name == "list" else None
            shot = await tab.send("Page.captureScreenshot", format="png")
            path = folder / f"page-{width}x{height}{'' if name == 'list' else '-' + name}.png"
            path.write_bytes(base64.b64decode(shot["data"]))
        shown = f"(() => {{document.getElementById('every-column').click(); return {HEADERS}"
        found["every_column"] = await tab.js(f"{shown}.filter(th => th.getBoundingClientRect().width > 0).length}})()")
        return {**found, "requests": tab.requests()}


def test_the_page_fits_a_laptop_and_a_phone(browser, training_page, tmp_path):
    page, listed = training_page
    with browsing(browser, tmp_path / "profile") as port:
        laptop = asyncio.run(at_size(port, page, tmp_path, LAPTOP))
        phone = asyncio.run(at_size(port, page, tmp_path, PHONE))
    for found, (width, *_) in ((laptop, LAPTOP), (phone, PHONE)):
        assert found["inner_width"] == width  # the viewport tag: a phone lays the page out at its own width
        assert found["scroll_width"] <= found["inner_width"], found  # nothing makes the page scroll sideways
        assert found["overflowing"] == []  # every chart and table fits the screen (or scrolls inside its own box)
        assert found["rows"] == len(listed) >= 10
        assert [u for u in found["requests"] if not u.startswith(("file:", "data:"))] == []
    # a laptop: a table; who, probability, offer, why, worth and action without sideways scrolling; 10+ customers
    assert laptop["cards"] == 0 and laptop["list_scroll_width"] <= laptop["list_client_width"]
    assert all(laptop["columns_in_view"][c] for c in (WHO, PROBABILITY, OFFER, WORTH, ACTION, WHY)), laptop
    assert laptop["visible"] >= 10, laptop
    assert laptop["every_column"] == len(laptop["headers"])  # the rest of the columns, a click away
    # a phone: one card per customer, each within the screen, each value labelled with its column's header
    assert phone["cards"] == len(listed) and phone["visible"] >= 1
    assert phone["leftmost_card"] >= 0 and phone["widest_card"] <= phone["inner_width"]
    assert phone["labels"][WHO] == json.dumps(phone["headers"][WHO], ensure_ascii=False)
    print(f"laptop: {laptop['visible']} customers in view; phone: {phone['visible']} cards in view")
    for name in ("page-1366x768.png", "page-390x844.png", "page-1366x768-charts.png", "page-390x844-charts.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
        print(f"screenshot: {tmp_path / name}")


# a cell a spreadsheet would run as a formula, one that needs quoting, and a negative number (left as it is)
PLANTED = {WHY: '=HYPERLINK("http://x";"y")', ACTION: 'say "hi"; then\nleave', WORTH: "-0.05"}
WRITTEN = {WHY: "'" + PLANTED[WHY], ACTION: PLANTED[ACTION], WORTH: PLANTED[WORTH]}


async def download(port: int, page: Path, folder: Path, offer: str) -> dict:
    """Filter the list by ``offer``, sort it by probability, plant PLANTED in its first row, press the button."""
    async with opened(port, page, "Log") as tab:
        await tab.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder), eventsEnabled=True)
        await choose(tab, "offer", offer)
        await sort_by(tab, PROBABILITY)
        await tab.js(
            f"(() => {{const r = {VISIBLE}[0]; const planted = {json.dumps(PLANTED)};"
            " for (const c in planted) r.cells[c].textContent = planted[c];})()"
        )
        found = {
            "headers": await tab.js(f"{HEADERS}.map(t => t.textContent)"),
            "rows": await tab.js(f"{VISIBLE}.map(r => Array.from(r.cells).map(c => c.textContent))"),
            "file": await tab.js("document.getElementById('download').dataset.file"),
        }
        await tab.js("document.getElementById('download').click()")
        done = await tab.wait_for("Browser.downloadProgress", lambda p: p["state"] in ("completed", "canceled"))
        found["state"] = done["params"]["state"]
        found["requests"] = tab.requests()
        found["errors"] = [e["params"]["entry"] for e in tab.events if e.get("method") == "Log.entryAdded"]
        return found


def test_the_download_button_writes_the_rows_the_filters_leave(browser, training_page, tmp_path):
    page, listed = training_page
    offer = listed.loc[listed["offer"] != "", "offer"].value_counts().index[0]
    downloads = tmp_path / "downloads"
    with browsing(browser, tmp_path / "profile") as port:
        found = asyncio.run(download(port, page, downloads, offer))
    assert found["state"] == "completed" and found["errors"] == []  # the policy lets the script's blob: through
    assert [u for u in found["requests"] if not u.startswith(("file:", "data:", "blob:"))] == []
    raw = (downloads / found["file"]).read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw  # UTF-8 with BOM, CRLF: as action_list.csv
    header, *rows = csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True), delimiter=";")
    assert header == [h.strip() for h in found["headers"]]
    expected = [[c.strip() for c in row] for row in found["rows"]]
    for column, text in WRITTEN.items():
        expected[0][column] = text
    assert rows == expected and len(rows) == int((listed["offer"] == offer).sum()) > 1


def shifted_month(folder: Path) -> Path:
    """A month whose customers browse far more pages (drift: retrain) and where five name a category the shop
    never exported before, «Спорт и отдых»."""
    raw = make_raw(n=240, seed=8, with_target=False)
    market = raw["market_file"]
    market["Страниц_за_визит"] = market["Страниц_за_визит"].astype(int) + 15
    market.loc[market.index[100:105], "Популярная_категория"] = "Спорт и отдых"
    return write_raw(raw, folder)


async def measured(port: int, page: Path) -> dict:
    """Where the verdict and the instruction sit, and what the drift table names."""
    async with opened(port, page) as tab:
        return {
            "first": await tab.js("document.querySelector('#summary > p').id"),
            "instruction": await tab.js("document.getElementById('instruction').textContent"),
            "drift": await tab.js("document.getElementById('drift-table').textContent"),
            "lang": await tab.js("document.documentElement.lang"),
        }


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_shifted_month_reads_in_its_language_at_both_sizes(browser, workspace, tmp_path, language):
    """Issue 21 items 1-3 on a new month: the verdict and what to do come first, the new label is named with
    its count and kept (flagged) in the list, every word is the chosen language's, and the page fits a laptop
    and a phone (screenshots: page-<language>-<size>.png)."""
    root, params = workspace
    settings = {**params, "report": {"language": language}}
    (tmp_path / "params").mkdir()
    (tmp_path / "params/params.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "scores.csv"
    month = shifted_month(tmp_path / "month 12")  # a space in the folder's name, as a manager names it
    result = score_month(root, month, out, "--params", str(tmp_path / "params/params.yaml"))
    assert result.returncode == 0, result.stderr
    words = Words(language)
    listed = read_action_list(out)
    assert listed.attrs["language"] == language
    newcomers = listed[listed["favourite_category"] == "Спорт и отдых"]
    assert len(newcomers) and newcomers["flags"].str.contains("«Спорт и отдых»").all()  # kept as written, flagged
    with browsing(browser, tmp_path / "profile") as port:
        found = asyncio.run(measured(port, out.with_suffix(".html")))
        sizes = [asyncio.run(at_size(port, out.with_suffix(".html"), tmp_path, size)) for size in (LAPTOP, PHONE)]
    assert found["lang"] == language and found["first"] == "instruction"  # the verdict and what to do, first
    instruction = words("instruction.retrain.top_of_list", top=words.count(params["drift"]["retrain_top"]))
    assert words("verdict.retrain") in found["instruction"] and instruction in found["instruction"]
    assert words("drift.new_label", label="Спорт и отдых", count="5") in found["drift"]
    assert words("drift.higher") in found["drift"] and words.phrase("pages_per_visit") in found["drift"]
    assert f"{words('console.drift', verdict=words('verdict.retrain'), instruction=instruction)}" in result.stdout
    assert (listed["action"] == "contact").sum() == params["drift"]["retrain_top"]  # the list does what it says
    if language == "ru":  # nothing left in English but the names a manager meets as such
        page = out.with_suffix(".html").read_text(encoding="utf-8")
        written = [str(month), *(str(out.with_suffix(end)) for end in (".csv", ".html", ".parts", ".campaign.parquet"))]
        assert english_words(page, *written) == set() and english_words(result.stdout, *written) == set()
    for size, (width, height, *_) in zip(sizes, (LAPTOP, PHONE), strict=True):
        assert size["inner_width"] == width and size["scroll_width"] <= width and size["overflowing"] == [], size
        named = tmp_path / f"page-{language}-{width}x{height}.png"
        (tmp_path / f"page-{width}x{height}.png").rename(named)
        print(f"screenshot: {named}")


def test_the_browser_leaves_no_folder_in_the_temporary_directory(browser, tmp_path):
    """Chromium makes an ``org.chromium.Chromium.*`` folder for its socket and keeps it when killed:
    `browsing` points its TMPDIR at a scratch folder of its own and removes that folder after."""
    before = set(Path(tempfile.gettempdir()).glob("org.chromium.Chromium.*"))
    with browsing(browser, tmp_path / "profile") as port:
        assert port > 0
        scratches = [p for p in Path(tempfile.gettempdir()).glob(f"browser-{os.getpid()}-*") if any(p.iterdir())]
    assert set(Path(tempfile.gettempdir()).glob("org.chromium.Chromium.*")) <= before
    assert scratches and not any(p.exists() for p in scratches)
