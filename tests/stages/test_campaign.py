"""The campaign loop through the command line: `score` writes the record and never replaces it with another,
`review` measures the outcomes and refuses what is not this campaign's, `adopt_effects` updates params.yaml."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from html import escape

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from stages.io.campaign_store import read_record, record_bytes
from stages.io.files import md5
from stages.lib.campaign.review import CUSTOMERS
from stages.lib.words import Words
from tests.stage_runs import ROOT, a_review, month_and_outcomes, run_stage, unlimited_params
from tests.synthetic import make_raw, write_raw

N = 300


@pytest.fixture(scope="module")
def loop(workspace, tmp_path_factory):
    """A month scored with no limit on contacts (enough customers in each group) and its outcomes."""
    root, params = workspace
    folder = tmp_path_factory.mktemp("campaign")
    unlimited_params(folder, params)
    month, outcomes = month_and_outcomes(folder, N)
    out = folder / "scores" / "2026-09.csv"
    result = score(root, folder, month, out)
    assert result.returncode == 0, result.stderr
    return root, folder, month, outcomes, out, result


def score(root, folder, month, out, *extra):
    models, reference = root / "models", root / "reports/drift_reference.json"
    arguments = ["--raw", str(month), "--out", str(out), "--models", str(models), "--reference", str(reference)]
    return run_stage("score", *arguments, "--params", str(folder / "params.yaml"), *extra)


def review(root, folder, record, outcomes, out):
    arguments = ["--campaign", str(record), "--outcomes", str(outcomes), "--out", str(out)]
    return run_stage(
        "review", *arguments, "--params", str(folder / "params.yaml"), "--band", str(root / "reports/test_band.json")
    )


def test_the_record_holds_every_scored_customer_and_what_made_it(loop):
    root, folder, _, _, out, result = loop
    record, metadata = read_record(out.with_name("2026-09.campaign.parquet"))
    assert len(record) == N and record["id"].is_unique and str(record["id"].dtype) == "int64"
    assert set(record["group"].dropna()) == {"treatment", "control"}
    assert record.loc[record["group"].notna(), "offer"].notna().all()
    assert record.loc[record["group"].isna(), "action"].isin(["contact", "control"]).sum() == 0
    assert metadata["campaign"] == "2026-09" and metadata["model_md5"] == md5(root / "models/model.skops")
    assert metadata["params_md5"] == md5(folder / "params.yaml") and metadata["control_share"] == 0.1
    ru = Words("ru")  # params.yaml's language
    assert ru("console.control", offer="", contacted="", control="", can="").split(":")[0] + ": " in result.stdout
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert 'id="control-table"' in page and escape(ru("control.detectable")) in page
    assert 'id="achieved"' not in page  # no review yet: nothing about the last campaign


def test_the_same_run_again_writes_the_same_bytes_and_a_different_one_is_refused(loop):
    root, folder, month, _, out, _ = loop
    record = out.with_name("2026-09.campaign.parquet")
    before = record.read_bytes()
    assert score(root, folder, month, out).returncode == 0 and record.read_bytes() == before
    refused = score(root, folder, month, out, "--campaign-label", "another")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and "campaign record" in refused.stderr
    # refused before anything was removed: the earlier campaign's list and page stay
    assert record.read_bytes() == before and out.exists() and out.with_suffix(".html").exists()
    assert "campaign '2026-09'" in refused.stderr and "'another'" in refused.stderr


def test_a_month_scored_again_after_its_params_changed_is_refused_before_anything_is_removed(loop, tmp_path):
    root, folder, month, _, out, _ = loop
    listed, page = out.read_bytes(), out.with_suffix(".html").read_bytes()
    params = yaml.safe_load((folder / "params.yaml").read_text(encoding="utf-8"))
    params["offers"]["catalogue"][0]["effect"] = 0.3  # as `adopt-effects` would change it
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    refused = score(root, tmp_path, month, out)
    assert refused.returncode == 2 and "params.yaml (its MD5)" in refused.stderr and "offers'" in refused.stderr
    assert "Nothing was removed" in refused.stderr
    assert out.read_bytes() == listed and out.with_suffix(".html").read_bytes() == page


def test_the_campaign_label_keys_who_is_held_out_but_not_who_is_selected(loop, tmp_path):
    root, folder, month, _, out, _ = loop
    other = tmp_path / "other.csv"
    assert score(root, folder, month, other, "--campaign-label", "2026-09-bis").returncode == 0
    first, _ = read_record(out.with_name("2026-09.campaign.parquet"))
    second, _ = read_record(tmp_path / "other.campaign.parquet")
    assert first["group"].notna().equals(second["group"].notna())
    assert not first["group"].equals(second["group"])


def test_a_review_measures_the_model_and_every_offer(loop, tmp_path):
    root, folder, _, outcomes, out, _ = loop
    written = tmp_path / "reviews" / "2026-09.json"
    result = review(root, folder, out.with_name("2026-09.campaign.parquet"), outcomes, written)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("review: «2026-09»: ") and "\\n" not in result.stdout  # a line each, no escapes
    assert result.stdout.splitlines()[-1].startswith("review: записаны ")  # params.yaml's language to the end
    report = json.loads(written.read_text())
    assert report["kind"] == "campaign_review" and report["campaign_label"] == "2026-09"
    model = report["model"]  # the verdict follows from its own numbers (test_campaign_effects.py: each threshold)
    degraded = model["roc_auc_ci95_high"] < model["roc_auc_floor"] or (
        model["calibration_error"] > model.get("calibration_error_limit", float("inf"))
    )
    assert model["verdict"] == ("degraded" if degraded else "as_expected") and model["why"]
    record, _ = read_record(out.with_name("2026-09.campaign.parquet"))
    untreated = record["regular"] & (record["group"] != "treatment")
    assert report["model"]["customers"] == untreated.sum() > 0 and report["customers_in_record"] == N
    for figures in report["offers"].values():
        assert figures["treated"] > 0 and "assumed_effect" in figures
    assert report["campaign"]["lost_to_follow_up"] == 0
    customers = pd.read_parquet(written.with_name("2026-09.customers.parquet"))  # what `uplift` learns from
    assert list(customers.columns) == list(CUSTOMERS) and len(customers) == record["group"].notna().sum()
    qini = json.loads(written.with_name("2026-09.qini.json").read_text())["qini"]
    assert qini[0]["share_targeted"] == 0 and qini[-1]["share_targeted"] == 1
    page = tmp_path / "next.csv"
    shown = score(root, folder, outcomes, page, "--review", str(written), "--campaign-label", "2026-12")
    assert shown.returncode == 0, shown.stderr
    assert 'id="achieved"' in page.with_suffix(".html").read_text(encoding="utf-8")


def test_a_review_is_replaced_by_a_rerun_on_the_same_outcomes_never_by_one_on_other_outcomes(loop, tmp_path):
    root, folder, _, outcomes, out, _ = loop
    record, written = out.with_name("2026-09.campaign.parquet"), tmp_path / "2026-09.json"
    assert review(root, folder, record, outcomes, written).returncode == 0
    first = written.read_bytes()
    assert review(root, folder, record, outcomes, written).returncode == 0 and written.read_bytes() == first
    assert json.loads(first)["outcomes"]["folder"] == outcomes.name
    # the same customers, other outcomes: e.g. the export of another month
    wrong = write_raw(make_raw(n=N, seed=22, defects=False, with_target=True), tmp_path / "2027-01")
    refused = review(root, folder, record, wrong, written)
    assert refused.returncode == 2 and "measured on other outcomes (folder '2026-12')" in refused.stderr
    assert "'2027-01'" in refused.stderr and written.read_bytes() == first


def relabelled(raw: dict, column: str, value) -> dict:
    raw = {key: frame.copy() for key, frame in raw.items()}
    raw["market_file"].loc[raw["market_file"].index[3], column] = value
    return raw


def another_month(raw: dict) -> dict:
    return {key: frame.assign(id=frame["id"] + 50_000) for key, frame in raw.items()}


@pytest.mark.parametrize("case", ["another month", "unknown activity label", "no activity column"])
def test_outcomes_that_are_not_this_campaigns_are_refused(loop, tmp_path, case):
    root, folder, _, _, out, _ = loop
    raw = make_raw(n=N, seed=21, defects=False, with_target=True)
    raw = {
        "another month": lambda: another_month(raw),
        "unknown activity label": lambda: relabelled(raw, "Покупательская активность", "Выросла"),
        "no activity column": lambda: make_raw(n=N, seed=21, defects=False, with_target=False),
    }[case]()
    written = tmp_path / "review.json"
    result = review(root, folder, out.with_name("2026-09.campaign.parquet"), write_raw(raw, tmp_path / "o"), written)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    expected = {"another month": "0.0% of the campaign record", "unknown activity label": "Выросла"}
    assert expected.get(case, "Покупательская активность") in result.stderr
    assert not written.exists()


def test_an_edited_record_or_one_without_a_control_group_is_refused(loop, tmp_path):
    root, folder, _, outcomes, out, _ = loop
    record, metadata = read_record(out.with_name("2026-09.campaign.parquet"))
    table = pq.read_table(out.with_name("2026-09.campaign.parquet"))
    edited = table.set_column(1, "probability", [np.round(record["probability"].to_numpy() * 0.9, 6)])
    pq.write_table(edited, tmp_path / "edited.campaign.parquet")
    result = review(root, folder, tmp_path / "edited.campaign.parquet", outcomes, tmp_path / "r1.json")
    assert result.returncode == 2 and "edited after" in result.stderr
    contacted_all = record.assign(group=record["group"].replace({"control": "treatment"}))
    (tmp_path / "none.campaign.parquet").write_bytes(record_bytes(contacted_all, metadata))
    result = review(root, folder, tmp_path / "none.campaign.parquet", outcomes, tmp_path / "r2.json")
    assert (
        result.returncode == 2 and "no control group" in result.stderr and "no effect can be measured" in result.stderr
    )


def test_a_review_never_overwrites_another_campaigns_review(loop, tmp_path):
    root, folder, _, outcomes, out, _ = loop
    written = tmp_path / "review.json"
    written.write_text(json.dumps(a_review("2026-06")))
    result = review(root, folder, out.with_name("2026-09.campaign.parquet"), outcomes, written)
    assert result.returncode == 2 and "2026-06" in result.stderr
    assert json.loads(written.read_text())["campaign_label"] == "2026-06"


def test_adopting_effects_changes_only_the_measured_offers_lines(tmp_path):
    params = tmp_path / "params.yaml"
    original = (ROOT / "params.yaml").read_text(encoding="utf-8")
    params.write_text(original, encoding="utf-8")
    provenance = {"campaign": "2026-09", "treated": 5000, "control": 560, "ci95_low": 0.05, "ci95_high": 0.15}
    update = {"updated": 0.0987, "measured_provenance": provenance}
    review_file = tmp_path / "review.json"
    review_file.write_text(json.dumps(a_review(updates={"cross_category_bundle": update})))
    result = run_stage("adopt_effects", "--review", str(review_file), "--params", str(params))
    assert result.returncode == 0, result.stderr
    settings = yaml.safe_load(params.read_text(encoding="utf-8"))
    offer = next(o for o in settings["offers"]["catalogue"] if o["name"] == "cross_category_bundle")
    assert offer["effect"] == 0.0987 and offer["measured"] == provenance
    diff = list(difflib.unified_diff(original.splitlines(), params.read_text(encoding="utf-8").splitlines(), n=0))
    removed = [line for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line for line in diff if line.startswith("+") and not line.startswith("+++")]
    assert removed == ["-    effect: 0.12"] and added[0] == "+    effect: 0.0987" and len(added) == 7
    ru = Words("ru")  # params.yaml's language: what adopt-effects says, in the manager's words
    effect = ru("adopt.effect", offer=ru.offer("cross_category_bundle"), effect=ru.percent(0.0987, 1), value="0.0987")
    assert result.stdout.splitlines() == [effect, ru("adopt.wrote", params=str(params))]


def test_adopting_a_review_that_measured_nothing_says_so_and_leaves_params_alone(tmp_path):
    params, review_file = tmp_path / "params.yaml", tmp_path / "review.json"
    params.write_bytes((ROOT / "params.yaml").read_bytes())
    review_file.write_text(json.dumps(a_review()))  # its one offer had no control group: no update
    result = run_stage("adopt_effects", "--review", str(review_file), "--params", str(params))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.strip() == Words("ru")("adopt.nothing_review", params=str(params))
    assert params.read_bytes() == (ROOT / "params.yaml").read_bytes()


def test_a_simulated_campaign_of_a_new_month_is_reviewed(loop, tmp_path):
    """scripts/simulate_campaign.py on a new month's exports (no activity column: it adds one) writes outcomes
    the review reads; the planted effect is printed for the review to be checked against."""
    root, folder, month, _, out, _ = loop
    record, outcomes = out.with_name("2026-09.campaign.parquet"), tmp_path / "simulated"
    script = [sys.executable, str(ROOT / "scripts/simulate_campaign.py"), "--record", str(record)]
    arguments = ["--month", str(month), "--out", str(outcomes), "--effect", "cross_category_bundle=0.3"]
    simulated = subprocess.run([*script, *arguments], capture_output=True, text=True, check=False, cwd=ROOT)
    assert simulated.returncode == 0, simulated.stderr
    assert "simulated: 300 customers" in simulated.stdout
    result = review(root, folder, record, outcomes, tmp_path / "review.json")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "review.json").read_text())["campaign"]["lost_to_follow_up"] == 0
