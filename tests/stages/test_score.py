"""`python -m stages.score`: the month's action list and page; no path argument can destroy data; a rerun
replaces only its own list; odd cells are imputed and flagged, structural defects still stop the run."""

from __future__ import annotations

import re
import time
from html import escape

import pandas as pd
import pytest

from stages.lib.decision.drift import VERDICTS
from stages.lib.decision.offers import ACTION_ORDER, COLUMNS
from stages.lib.words import Words
from tests.stage_runs import read_action_list, run_stage, score_month
from tests.synthetic import make_raw, write_raw

RU = Words("ru")  # params.yaml's language


def test_a_rerun_replaces_the_list_it_wrote(workspace, month, tmp_path):
    root, _ = workspace
    out = tmp_path / "scores.csv"
    assert score_month(root, month, out).returncode == 0
    first, page = out.read_bytes(), out.with_suffix(".html").read_bytes()
    assert score_month(root, month, out).returncode == 0 and out.read_bytes() == first
    assert out.with_suffix(".html").read_bytes() == page


@pytest.mark.parametrize(
    "target", ["a folder", "an input export", "the model folder", "a file of someone else's", "someone else's page"]
)
def test_out_that_would_destroy_data_is_refused_and_nothing_is_touched(workspace, month, tmp_path, target):
    root, _ = workspace
    elsewhere = tmp_path / "notes.txt"
    elsewhere.write_text("keep me")
    out = {
        "a folder": tmp_path,
        "an input export": month / "money.csv",
        "the model folder": root / "models" / "scores.csv",
        "a file of someone else's": elsewhere,
        "someone else's page": tmp_path / "notes.csv",  # its .html sibling is not ours
    }[target]
    (tmp_path / "notes.html").write_text("<html>keep me</html>")
    elsewhere = tmp_path / "notes.html" if target == "someone else's page" else elsewhere
    before = {p: p.read_bytes() for p in [*month.iterdir(), elsewhere, *(root / "models").iterdir()]}
    result = score_month(root, month, out)
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
    result = score_month(root, month, out)
    assert result.returncode == 0, result.stderr
    scored, parts = read_action_list(out), pd.read_parquet(out.with_suffix(".parts"))
    assert list(scored.columns) == list(COLUMNS)
    assert sorted([*parts["id"], unscorable]) == sorted(raw["money"]["id"].unique())  # everyone, once
    row = scored.loc[scored["id"] == unscorable].iloc[0]
    assert pd.isna(row["probability"]) and row["action"] == "not_scored" and row["note"] == RU("not_scored.every_month")
    assert (scored.loc[scored["id"] != unscorable, "action"] != "not_scored").all()
    assert f"{RU('act.not_scored')} 1" in result.stdout
    assert RU("console.not_scored", id=unscorable, note=RU("not_scored.every_month")) in result.stdout


def test_the_month_gets_the_action_list_sorted_by_priority_and_a_page(workspace, month, tmp_path):
    root, _ = workspace
    out = tmp_path / "scores.csv"
    result = score_month(root, month, out)
    assert result.returncode == 0, result.stderr
    listed = read_action_list(out)
    assert list(listed.columns) == list(COLUMNS) and list(listed["priority"]) == list(range(1, len(listed) + 1))
    assert not ((listed["allows_offers"] != "yes") & (listed["offer"] != "")).any()
    contacts = listed[listed["action"] == "contact"]
    assert contacts["expected_value"].is_monotonic_decreasing and (contacts["expected_value"] > 0).all()
    assert (contacts["reason_1"] != "").all() and (contacts["offer_reason"] != "").all()
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="drift-verdict"' in page and 'id="instruction"' in page
    assert any(RU("console.drift", verdict=RU(f"verdict.{v}"), instruction="") in result.stdout for v in VERDICTS)


def test_an_unseen_category_or_an_empty_cell_is_imputed_and_flagged_not_refused(workspace, tmp_path):
    raw = make_raw(n=40, seed=8, with_target=False)
    market = raw["market_file"]
    market["Страниц_за_визит"] = market["Страниц_за_визит"].astype(object)
    market.loc[market["id"] == 100_005, "Популярная_категория"] = "Садовый инвентарь"
    market.loc[market["id"] == 100_006, "Страниц_за_визит"] = ""
    market.loc[market["id"] == 100_007, "Разрешить сообщать"] = ""
    root, _ = workspace
    out = tmp_path / "scores.csv"
    result = score_month(root, write_raw(raw, tmp_path / "month"), out)
    assert result.returncode == 0, result.stderr
    parts = pd.read_parquet(out.with_suffix(".parts")).set_index("id")  # every scored customer
    assert parts.loc[100_005, "flags"] == "favourite_category:unseen:Садовый инвентарь"  # machine-readable
    assert parts.loc[100_005, "favourite_category"] == "Садовый инвентарь"  # as written, not blanked
    assert "pages_per_visit:empty" in parts.loc[100_006, "flags"]
    assert parts.loc[[100_005, 100_006], "probability"].between(0, 1).all()
    assert pd.isna(parts.loc[100_007, "allows_offers"]) and 100_007 not in set(read_action_list(out)["id"])
    flags = RU.flags("favourite_category:unseen:Садовый инвентарь")
    assert RU("console.imputed", id=100005, flags=flags) in result.stdout


def test_an_unseen_label_is_kept_as_written_and_flagged_and_scored_as_the_imputed_cell(workspace, tmp_path):
    """The same month twice, customer 100006's favourite category «Спорт и отдых» (unseen) or empty: every
    probability is the same to the last bit (the model imputes both alike), and the partitions and the action
    list keep the unseen label as written, flagged."""
    root, _ = workspace
    runs = {}
    for cell in ("Спорт и отдых", ""):
        raw = make_raw(n=40, seed=8, with_target=False)
        raw["market_file"].loc[raw["market_file"]["id"] == 100_006, "Популярная_категория"] = cell
        out = tmp_path / f"scores_{len(cell)}.csv"
        result = score_month(root, write_raw(raw, tmp_path / f"month_{len(cell)}"), out)
        assert result.returncode == 0, result.stderr
        runs[cell] = pd.read_parquet(out.with_suffix(".parts")).set_index("id").sort_index(), read_action_list(out)
    (parts, listed), (empty, _) = runs["Спорт и отдых"], runs[""]
    assert (
        parts.loc[100_006, "favourite_category"] == "Спорт и отдых" and "Спорт и отдых" in parts.loc[100_006, "flags"]
    )
    assert pd.isna(empty.loc[100_006, "favourite_category"]) and empty.loc[100_006, "flags"] != ""
    pd.testing.assert_series_equal(parts["probability"], empty["probability"], check_exact=True)
    row = listed.loc[listed["id"] == 100_006].iloc[0]
    assert row["favourite_category"] == "Спорт и отдых" and "Спорт и отдых" in row["flags"]
    assert not row[["reason_1", "reason_2", "reason_3"]].str.contains("Спорт и отдых").any()


def test_a_structural_defect_still_stops_the_run(workspace, tmp_path):
    raw = make_raw(n=40, seed=8, with_target=False)
    market = raw["market_file"]
    market["Страниц_за_визит"] = market["Страниц_за_визит"].astype(object)
    market.loc[market["id"] == 100_005, "Страниц_за_визит"] = "много"
    root, _ = workspace
    out = tmp_path / "scores.csv"
    result = score_month(root, write_raw(raw, tmp_path / "month"), out)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "Страниц_за_визит" in result.stderr
    assert not out.exists() and not out.with_suffix(".html").exists()
    assert not out.with_suffix(".parts").exists()  # a failed run leaves no empty partitions' folder


def test_a_shifted_month_says_retrain(workspace, tmp_path):
    raw = make_raw(n=60, seed=8, with_target=False)
    market = raw["market_file"]
    market["Страниц_за_визит"] = market["Страниц_за_визит"].astype(int) + 15  # everyone browses far more
    root, _ = workspace
    out = tmp_path / "scores.csv"
    result = score_month(root, write_raw(raw, tmp_path / "month"), out)
    assert result.returncode == 0, result.stderr
    assert RU("console.drift", verdict=RU("verdict.retrain"), instruction="") in result.stdout
    assert RU.phrase("pages_per_visit") in result.stdout
    assert 'class="verdict retrain" id="drift-verdict"' in out.with_suffix(".html").read_text(encoding="utf-8")


@pytest.mark.parametrize("address", ["not an address", "tcp://", "foo://bar:1", "tcp://host:port", "[::1"])
@pytest.mark.parametrize("given_by", ["--scheduler", "SCORE_SCHEDULER"])
def test_a_scheduler_value_that_is_no_address_is_one_paragraph_before_any_connection(
    workspace, month, tmp_path, monkeypatch, address, given_by
):
    root, _ = workspace
    args = ["--scheduler", address] if given_by == "--scheduler" else []
    if given_by == "SCORE_SCHEDULER":
        monkeypatch.setenv("SCORE_SCHEDULER", address)
    out, started = tmp_path / "scores.csv", time.monotonic()
    result = run_stage(
        "score", "--raw", str(month), "--out", str(out), "--models", str(root / "models"),
        "--reference", str(root / "reports/drift_reference.json"), *args,
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{address!r} is not a Dask scheduler address" in result.stderr and "tcp://HOST:PORT" in result.stderr
    assert not out.exists() and not out.with_suffix(".parts").exists()
    assert time.monotonic() - started < 30  # refused before any connection, not after a connection's timeout


def test_params_that_name_a_folder_are_one_paragraph(workspace, month, tmp_path):
    root, _ = workspace
    result = run_stage(
        "score", "--raw", str(month), "--out", str(tmp_path / "scores.csv"), "--models", str(root / "models"),
        "--params", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the params file is a folder" in result.stderr


def test_the_new_months_page_counts_every_customer_and_shows_n_of_all(workspace, month, tmp_path):
    """Issue 21 item 4: the counts table adds up to every customer in the exports, its second column to the
    rows of the list, and "Showing N of M" takes M from all of them."""
    root, _ = workspace
    out = tmp_path / "scores.csv"
    assert score_month(root, month, out).returncode == 0
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    table = page.split('<table id="counts">', 1)[1].split("</table>", 1)[0]
    body, foot = table.split("<tfoot>")

    def numbers(html: str, cell: str) -> list[tuple[int, int]]:
        found = re.findall(rf'<{cell} class="n">([\d\u202f]+)</{cell}><{cell} class="n">([\d\u202f]+)</{cell}>', html)
        return [(int(a.replace("\u202f", "")), int(b.replace("\u202f", ""))) for a, b in found]

    rows, [total] = numbers(body, "td"), numbers(foot, "th")
    words = re.findall(r"<tr><td>([^<]*)</td>", body)
    ru = Words("ru")  # params.yaml's language
    assert words == [escape(ru(f"action.{a}")) for a in ACTION_ORDER]  # every action, zeros too, in order
    everyone = pd.read_csv(month / "market_file.csv")["id"].nunique()
    listed = read_action_list(out)
    assert len(rows) == len(ACTION_ORDER) and sum(r[0] for r in rows) == total[0] == everyone
    assert sum(r[1] for r in rows) == total[1] == len(listed)
    showing = ru("counts.showing", shown=ru.count(len(listed)), everyone=ru.count(everyone), separator="\u202f")
    not_scored = rows[ACTION_ORDER.index("not_scored")][0]
    assert (
        showing in page
        and ru("counts.scored", scored=ru.count(everyone - not_scored), everyone=ru.count(everyone)) in page
    )


def test_the_risk_band_is_named_by_its_numbers(workspace, month, tmp_path):
    """Issue 21 item 6: "low risk" alone misleads for a 0.67 probability; the band says where it starts."""
    root, params = workspace
    out = tmp_path / "scores.csv"
    assert score_month(root, month, out).returncode == 0
    page, high = out.with_suffix(".html").read_text(encoding="utf-8"), params["segment"]["high_risk"]
    bands = Words("ru").risk_bands(high)  # params.yaml's language: the threshold as the page writes probabilities
    assert bands["high"] == f"высокий риск ({100 * high:.0f}\u00a0% и выше)" and bands["low"].endswith(
        f"{100 * high:.0f}\u00a0%)"
    )
    assert escape(bands["high"]) in page or escape(bands["low"]) in page
    assert ">высокий риск<" not in page and ">низкий риск<" not in page
