"""The params schema: the repository's params.yaml is valid, and every kind of bad value is one paragraph."""

from __future__ import annotations

import copy

import pytest
import yaml

from stages.lib import settings
from stages.lib.errors import DataError
from stages.lib.model import pipeline
from stages.lib.settings import parse_settings
from tests.stage_runs import ROOT, run_stage, run_stage_process


def broken(params: dict, key: str, value):
    """A copy of params with the dotted ``key`` set to ``value`` (``...`` deletes it)."""
    params = copy.deepcopy(params)
    *parents, last = key.split(".")
    section = params
    for part in parents:
        section = section[part]
    if value is ...:
        del section[last]
    else:
        section[last] = value
    return params


def test_the_search_knows_every_scaler_and_distribution_params_may_name():
    assert tuple(pipeline.SCALERS) == settings.SCALERS and tuple(pipeline.DISTRIBUTIONS) == settings.DISTRIBUTIONS


def test_the_repository_params_are_valid(repo_params):
    settings = parse_settings(repo_params)
    assert settings.segment.high_risk == repo_params["segment"]["high_risk"]
    assert settings.train.families == repo_params["train"]["families"]


BAD = {
    "probability above 1": ("segment.high_risk", 1.5, "less than or equal to 1"),
    "negative probability": ("segment.high_risk", -0.2, "greater than or equal to 0"),
    "recall above 1": ("evaluate.threshold.min_recall", 1.5, "less than or equal to 1"),
    "string where a number goes": ("evaluate.threshold.min_recall", "0.8", "valid number"),
    "fraction of 1.5": ("split.test_size", 1.5, "less than 1"),
    "one fold": ("train.cv_folds", 1, "greater than or equal to 2"),
    "zero iterations": ("train.n_iter", 0, "greater than or equal to 1"),
    "unknown rule": ("evaluate.threshold.rule", "guess", "'max_f1', 'youden' or 'min_recall'"),
    "unknown family": ("train.families", ["knn", "catboost"], "'catboost'"),
    "unknown segment": ("segment.chosen", "vip", "'high_risk_high_profit'"),
    "removed section": ("eda", ..., "`eda` is missing"),
    "misspelt key": ("segment.high_rsk", 0.5, "Extra inputs are not permitted"),
    "unknown hyperparameter": ("train.search_spaces.knn", {"n_neighbours": [5]}, "not a hyperparameter"),
    "reversed range": ("train.search_spaces.knn", {"n_neighbors": {"randint": [60, 10]}}, "low < high"),
    "unknown distribution": ("train.search_spaces.knn", {"n_neighbors": {"normal": [1, 2]}}, "list of choices"),
    "negative contact budget": ("budget.contacts", -1, "greater than or equal to 0"),
    "one drift bin": ("drift.bins", 1, "greater than or equal to 2"),
    "empty offer catalogue": ("offers.catalogue", [], "at least 1 item"),
}


@pytest.mark.parametrize(
    "change, allowed",
    [
        ({"targets": ["pages_per_visit:sideways"]}, "use feature:low|high"),
        ({"targets": ["favourite_category:garden"]}, "use feature:low|high"),
        ({"effect": 1.5}, "less than or equal to 1"),
        ({"cost": -0.1}, "greater than or equal to 0"),
    ],
)
def test_a_bad_offer_is_refused_with_its_key(repo_params, change, allowed):
    params = copy.deepcopy(repo_params)
    params["offers"]["catalogue"][0].update(change)
    with pytest.raises(DataError) as caught:
        parse_settings(params)
    assert "`offers.catalogue.0." in str(caught.value) or "offers.catalogue.0" in str(caught.value)
    assert allowed in str(caught.value)


def test_offer_names_must_be_unique(repo_params):
    params = copy.deepcopy(repo_params)
    params["offers"]["catalogue"].append(copy.deepcopy(params["offers"]["catalogue"][0]))
    with pytest.raises(DataError, match="offer names repeat"):
        parse_settings(params)


@pytest.mark.parametrize("measure", ["psi", "unseen"])
def test_a_watch_threshold_at_or_above_its_retrain_threshold_is_refused(repo_params, measure):
    params = broken(repo_params, f"drift.{measure}_watch", repo_params["drift"][f"{measure}_retrain"])
    with pytest.raises(DataError) as caught:
        parse_settings(params)
    assert f"`drift.{measure}_watch` = " in str(caught.value) and "set watch below retrain" in str(caught.value)


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_value_names_the_key_the_value_and_what_is_allowed(repo_params, case):
    key, value, allowed = BAD[case]
    with pytest.raises(DataError) as caught:
        parse_settings(broken(repo_params, key, value))
    message = str(caught.value)
    assert message.startswith("params.yaml: bad setting(s):") and "\n" not in message
    assert f"`{key.split('.')[0] if value is ... else key}" in message.replace("`train.families.1`", "`train.families")
    assert allowed in message


def test_every_bad_value_is_reported_at_once(repo_params):
    params = broken(broken(repo_params, "segment.high_risk", 2), "split.test_size", 0)
    with pytest.raises(DataError) as caught:
        parse_settings(params)
    assert "segment.high_risk" in str(caught.value) and "split.test_size" in str(caught.value)


def test_a_stage_refuses_bad_params_in_one_paragraph_before_any_work(tmp_path):
    text = (ROOT / "params.yaml").read_text(encoding="utf-8").replace("high_risk: 0.7", "high_risk: 1.5")
    (tmp_path / "params.yaml").write_text(text, encoding="utf-8")
    result = run_stage_process("prepare", cwd=tmp_path)  # prepare's one end-to-end run in its own interpreter
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith(
        "prepare: bad input: params.yaml: bad setting(s): `segment.high_risk` = 1.5"
    )
    assert not (tmp_path / "data").exists() and not (tmp_path / "metrics").exists()


def test_unreadable_yaml_is_one_paragraph(tmp_path):
    (tmp_path / "params.yaml").write_text("seed: [1,\n", encoding="utf-8")
    result = run_stage("prepare", cwd=tmp_path)
    assert (
        result.returncode == 2 and "params.yaml: not valid YAML" in result.stderr and "Traceback" not in result.stderr
    )


def leaves(tree, path=()):
    """Every scalar setting of params.yaml as a path of keys and list indices."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from leaves(value, (*path, index))
    else:
        yield path, tree


def test_dvc_exp_run_set_changes_one_line_of_params_yaml_per_value(tmp_path):
    """`dvc exp run -S key=value` rewrites params.yaml through DVC's round-trip YAML writer: the committed file is
    already in that writer's style, so one changed value is a one-line diff, comments and layout kept."""
    from dvc.utils.serialize import modify_yaml

    original = (ROOT / "params.yaml").read_text(encoding="utf-8")
    copy = tmp_path / "params.yaml"
    copy.write_text(original, encoding="utf-8")
    with modify_yaml(copy):
        pass
    assert copy.read_text(encoding="utf-8") == original  # the writer's fixed point
    for path, value in leaves(yaml.safe_load(original)):
        copy.write_text(original, encoding="utf-8")
        with modify_yaml(copy) as params:
            node = params
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = 7 if value is None or isinstance(value, str | bool) else value + 1
        lines = copy.read_text(encoding="utf-8").splitlines()
        changed = [pair for pair in zip(original.splitlines(), lines, strict=False) if pair[0] != pair[1]]
        assert len(changed) == 1 and len(lines) == len(original.splitlines()), path
