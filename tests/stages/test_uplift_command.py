"""Uplift through the command line: `uplift` learns from reviewed campaigns, `adopt_effects --uplift` puts the
chosen learner into params.yaml, and the next `score` gives each customer their own effect."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stages.io import paths
from stages.io.campaign_store import read_record
from stages.io.files import load_settings, write_parquet
from stages.lib.campaign.review import CUSTOMERS
from stages.lib.words import Words
from tests.lib.test_uplift import campaign_month, rises_as_profit_falls
from tests.stage_runs import a_review, read_action_list, run_stage, unlimited_params
from tests.synthetic import make_raw, write_raw


@pytest.fixture
def reviewed(workspace, tmp_path):
    """Three reviews of campaigns of the catalogue's first offer, its effect falling with profit."""
    root, params = workspace
    unlimited_params(tmp_path, params)
    offer = params["offers"]["catalogue"][0]["name"]
    rng, reviews = np.random.default_rng(7), []
    for index, label in enumerate(["2026-01", "2026-02", "2026-03"]):
        month = campaign_month(rng, rises_as_profit_falls, start=index * 20_000).assign(offer=offer)
        month = month.assign(offer_cost=0.1, offer_effect=0.2, expected_value=0.0)[list(CUSTOMERS)]
        review = tmp_path / "reviews" / f"{label}.json"
        review.parent.mkdir(exist_ok=True)
        review.write_text(json.dumps(a_review(label)), encoding="utf-8")
        write_parquet(paths.review_customers(review), month.astype(CUSTOMERS))
        reviews.append(str(review))
    return root, tmp_path, offer, reviews


def test_the_learner_is_chosen_adopted_and_used_by_the_next_decision(reviewed):
    root, folder, offer, reviews = reviewed
    choice_file, params_file = folder / "uplift.json", folder / "params.yaml"
    result = run_stage("uplift", "--reviews", *reviews, "--out", str(choice_file), "--params", str(params_file))
    assert result.returncode == 0, result.stderr
    choice = json.loads(choice_file.read_text())
    assert choice["offers"][offer]["chosen"] == "uplift" and "Qini area" in choice["offers"][offer]["why"]
    ru = Words("ru")  # params.yaml's language: the chosen learner and why, in words
    assert f"uplift: {ru.offer(offer)}: {ru('uplift.uplift')}: " in result.stdout and "площадь Qini" in result.stdout
    assert result.stdout.splitlines()[0].startswith("uplift: ") and "\\n" not in result.stdout  # one line each
    adopted = run_stage("adopt_effects", "--uplift", str(choice_file), "--params", str(params_file))
    assert adopted.returncode == 0, adopted.stderr
    learner = load_settings(params_file).offers.catalogue[0].uplift
    assert learner is not None and learner.campaigns == ["2026-01", "2026-02", "2026-03"]
    month = write_raw(make_raw(n=300, seed=21, defects=False, with_target=False), folder / "2026-06")
    out = folder / "scores" / "2026-06.csv"
    arguments = ["--raw", str(month), "--out", str(out), "--models", str(root / "models")]
    scored = run_stage(
        "score", *arguments, "--reference", str(root / "reports/drift_reference.json"), "--params", str(params_file)
    )
    assert scored.returncode == 0, scored.stderr
    _, metadata = read_record(paths.campaign_record(out))
    assert metadata["offers"][offer]["uplift"] is True
    listed = read_action_list(out)
    mine = listed[listed["offer"] == offer]
    per_customer = Words("ru")("effect.uplift", learner="", campaigns="", cap="").split("(")[0]  # params' language
    assert len(mine) and mine["effect_source"].str.startswith(per_customer).all()
    assert mine["offer_effect"].between(0, learner.cap + 1e-4).all()


@pytest.mark.parametrize("case", ["one review", "the same campaign twice", "no customers file", "out is a review"])
def test_what_cannot_be_learned_from_is_refused(reviewed, case):
    _, folder, _, reviews = reviewed
    out = folder / "uplift.json"
    given = {
        "one review": reviews[:1],
        "the same campaign twice": [reviews[0], reviews[0]],
        "no customers file": reviews,
        "out is a review": reviews,
    }[case]
    if case == "no customers file":
        paths.review_customers(folder / "reviews" / "2026-02.json").unlink()
    if case == "out is a review":
        out = folder / "reviews" / "2026-03.json"
    before = out.read_bytes() if out.exists() else None
    result = run_stage("uplift", "--reviews", *given, "--out", str(out), "--params", str(folder / "params.yaml"))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert (out.read_bytes() if out.exists() else None) == before
