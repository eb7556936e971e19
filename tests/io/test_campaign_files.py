"""The reviews and uplift choices the campaign commands read back come from disk, so from outside: each is
checked field by field before a reader uses it, and a file that is no such JSON (a pipe, a device, another
file) is refused in one paragraph without being read."""

from __future__ import annotations

import copy
import json
import os
import sys

import pytest

from stages.io.campaign_store import check_choice_out, check_review_out, read_choice, read_review
from stages.io.files import read_small_json
from stages.lib.errors import DataError
from tests.stage_runs import ROOT, a_review, run_stage, run_stage_process

UPDATE = {"updated": 0.1, "measured_provenance": {"campaign": "2026-09"}}
CHOICE = {
    "kind": "uplift_choice",
    "campaigns": ["2026-08", "2026-09"],
    "offers": {"cross_category_bundle": {"chosen": "uplift", "reason": "qini", "why": "", "model": {"learner": "x"}}},
}


def written(tmp_path, content) -> os.PathLike:
    path = tmp_path / "file.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_a_review_and_a_choice_as_written_are_read_back_unchanged(tmp_path):
    review = a_review(updates={"cross_category_bundle": UPDATE})
    assert read_review(written(tmp_path, review)) == review
    assert read_choice(written(tmp_path, CHOICE)) == CHOICE


def broken(change) -> dict:
    review = copy.deepcopy(a_review(updates={"cross_category_bundle": UPDATE}))
    change(review)
    return review


@pytest.mark.parametrize(
    "review, field",
    [
        (broken(lambda r: r.pop("model")), "`model` is missing"),
        (broken(lambda r: r["model"].update(verdict="great")), "`model.verdict` = 'great'"),
        (broken(lambda r: r["model"].update(roc_auc="0.9")), "`model.roc_auc` = '0.9'"),
        (broken(lambda r: r["model"].update(roc_auc=float("nan"))), "`model.roc_auc` = nan"),
        (
            broken(lambda r: r["offers"]["cross_category_bundle"].update(treated=True)),
            "offers.cross_category_bundle.treated",
        ),
        (broken(lambda r: r["campaign"].update(measurable=True)), "measurable, but without effect_ci95_low"),
        (broken(lambda r: r["effects"]["offers"]["cross_category_bundle"].pop("updated")), "updated` is missing"),
        (broken(lambda r: r.update(campaign_label="")), "`campaign_label` = ''"),
    ],
)
def test_a_review_with_a_field_its_readers_cannot_use_is_refused_naming_the_field(tmp_path, review, field):
    with pytest.raises(DataError, match="bad field") as refused:
        read_review(written(tmp_path, review))
    assert field in str(refused.value)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda c: c["offers"]["cross_category_bundle"].pop("model"), "chosen is 'uplift', but it holds no model"),
        (lambda c: c["offers"]["cross_category_bundle"].update(chosen="both"), "chosen` = 'both'"),
        (lambda c: c.update(offers={}), "`offers` = {}"),
    ],
)
def test_an_uplift_choice_with_a_field_adopt_effects_cannot_use_is_refused(tmp_path, change, field):
    choice = copy.deepcopy(CHOICE)
    change(choice)
    with pytest.raises(DataError, match="bad field") as refused:
        read_choice(written(tmp_path, choice))
    assert field in str(refused.value)


def test_what_is_no_small_regular_file_is_never_read(tmp_path):
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)  # opened for reading, a pipe with no writer would block forever
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "big.json").write_bytes(b" " * (1 << 24))
    for name in ("pipe.json", "zero.json", "big.json", "missing.json"):
        assert read_small_json(tmp_path / name) is None
        with pytest.raises(DataError):
            read_review(tmp_path / name)
    with pytest.raises(DataError, match="not an uplift choice"):
        check_choice_out(pipe, [])
    with pytest.raises(DataError, match="not a campaign review"):
        check_review_out(pipe, "2026-09")


def test_adopting_a_review_without_its_figures_is_bad_input_not_a_bug(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text((ROOT / "params.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = run_stage(
        "adopt_effects", "--review", str(written(tmp_path, {"kind": "campaign_review"})), "--params", str(params)
    )
    assert result.returncode == 2 and "bad field(s)" in result.stderr and "bug" not in result.stderr, result.stderr
    assert params.read_text(encoding="utf-8") == (ROOT / "params.yaml").read_text(encoding="utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes are POSIX")
def test_uplift_refuses_a_named_pipe_as_out_instead_of_waiting_on_it(tmp_path):
    reviews = [written(tmp_path, a_review(label)) for label in ("2026-08",)]
    pipe = tmp_path / "out.json"
    os.mkfifo(pipe)
    result = run_stage_process("uplift", "--reviews", str(reviews[0]), "--out", str(pipe), timeout=60)
    assert result.returncode == 2 and "not an uplift choice" in result.stderr, result.stderr
