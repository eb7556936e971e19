"""scripts/family_trade.py on a tiny synthetic train frame: train's own folds, the committed
configurations read back, and the chosen family's difference to itself exactly zero."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

from stages.io import paths
from stages.io.partitions import read_month
from stages.io.process_pool import worker_pool
from stages.lib.data.preparation import prepare_customers
from stages.lib.data.quality import QualityLog
from stages.lib.data.split import split_train_test
from stages.lib.model.training import describe, repeated_cv
from stages.lib.settings import parse_settings
from tests.stage_runs import ROOT
from tests.synthetic import READING, make_raw, write_raw

spec = importlib.util.spec_from_file_location("family_trade", ROOT / "scripts/family_trade.py")
family_trade = importlib.util.module_from_spec(spec)
spec.loader.exec_module(family_trade)

COMPARISON = pd.read_csv(ROOT / paths.MODEL_COMPARISON)  # the committed configurations, real settings text
COMMITTED = json.loads((ROOT / paths.TRAIN_METRICS).read_text(encoding="utf-8"))
CANDIDATES = sorted(set(COMPARISON["family"]) - {"dummy", family_trade.REFERENCE})


@pytest.fixture(scope="module")
def settings(repo_params):
    return parse_settings(repo_params)


@pytest.fixture(scope="module")
def tiny_train(tmp_path_factory, settings) -> pd.DataFrame:
    raw = read_month(
        write_raw(make_raw(n=240, seed=3), tmp_path_factory.mktemp("trade") / "raw"), QualityLog(), READING
    )
    customers = prepare_customers(raw, settings.prepare, QualityLog())
    return split_train_test(customers, settings.split.test_size, settings.seed)[0]


def test_the_settings_text_reads_back_to_the_values_it_describes():
    for text in COMPARISON["settings"].dropna():
        parsed = family_trade.parse_settings_text(text)
        assert "; ".join(f"{k}={describe(v)}" for k, v in sorted(parsed.items())) == text
    assert family_trade.parse_settings_text("model__max_depth=None; select__k=all") == {
        "model__max_depth": None,
        "select__k": "all",
    }


def test_the_trade_runs_trains_own_repeated_cv(tiny_train, settings):
    pipelines = family_trade.candidate_pipelines(COMPARISON, COMMITTED["features"], settings.seed)
    some = {name: pipelines[name] for name in ("logistic_regression", "decision_tree")}
    summary = family_trade.cv_summary(some, tiny_train, settings, "decision_tree", repeats=2).set_index("family")
    comparison = settings.train.comparison.model_copy(update={"repeats": 2})
    folds = repeated_cv(some, tiny_train, comparison, settings.train.calibration, settings.seed)
    assert len(folds) == 2 * 2 * comparison.folds
    means = folds.groupby("family")[["roc_auc", "brier"]].mean()
    assert np.allclose(summary[["roc_auc", "brier"]], means.loc[summary.index], atol=0, rtol=0)
    assert folds["brier"].between(0, 1).all() and set(folds["calibration"]) <= {"none", "sigmoid", "isotonic"}


def test_repeated_cv_on_a_forked_pool_is_bit_for_bit_what_this_process_computes(tiny_train, settings):
    """`train` hands repeated_cv its pool's map: every fold's scores equal the builtin map's exactly. joblib's
    spawned workers, which the pool replaced, returned some logistic regression scores one ulp apart, and so
    Brier scores that differed in their 17th digit (the rounded outputs did not change)."""
    pipelines = family_trade.candidate_pipelines(COMPARISON, COMMITTED["features"], settings.seed)
    some = {name: pipelines[name] for name in ("random_forest", "hist_gradient_boosting", "logistic_regression")}
    comparison = settings.train.comparison.model_copy(update={"repeats": 1})
    here = repeated_cv(some, tiny_train, comparison, settings.train.calibration, settings.seed)
    with worker_pool() as pool:
        forked = repeated_cv(some, tiny_train, comparison, settings.train.calibration, settings.seed, pool.map)
    pd.testing.assert_frame_equal(forked, here, check_exact=True)


def test_the_trade_table_has_every_family_and_the_chosen_differs_from_itself_by_exactly_zero(tiny_train, settings):
    chosen = COMMITTED["chosen_family"]
    table = family_trade.trade(
        tiny_train, COMPARISON, COMMITTED["features"], chosen, settings, repeats=1, rows=2_000
    ).set_index("family")
    assert sorted(table.index) == CANDIDATES and table.index[0] == chosen
    for column in ("roc_auc_delta", "roc_auc_low", "roc_auc_high", "brier_delta", "brier_low", "brier_high"):
        assert table.loc[chosen, column] == 0.0
    others = table.drop(index=chosen)
    assert np.allclose(others["roc_auc_delta"], others["roc_auc"] - table.loc[chosen, "roc_auc"], atol=1e-12)
    assert np.allclose(others["brier_delta"], others["brier"] - table.loc[chosen, "brier"], atol=1e-12)
    assert (others["roc_auc_delta"] != 0).any()  # the others are really other models
    assert (table["customers_per_s"] > 0).all()
    assert np.allclose(table["ten_million_s"], 10_000_000 / (2 * table["customers_per_s"]))
    assert (table["counted_us_per_customer"] > 0).all()
    # only a soft vote has members to time; each is timed on its own
    assert all(key.startswith("soft_vote.") and value > 0 for key, value in table.attrs.items())
    assert len(table.attrs) == (3 if "soft_vote" in table.index else 0)
    text = family_trade.markdown(table.reset_index())
    assert text.count("\n") == len(table) + 1 and f"| {chosen} |" in text
