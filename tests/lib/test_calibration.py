"""Calibration: learnt out of fold only, carried inside the saved model, visible in evaluate's outputs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from stages.io.files import read_parquet
from stages.io.model_store import load_model
from stages.lib.model import calibration as calibration_module
from stages.lib.model.calibration import (
    METHODS,
    CalibratedModel,
    Calibrator,
    calibration_method,
    choose_calibration,
    expected_calibration_error,
    reliability_table,
    uncalibrated,
)
from stages.lib.model.families import make_family
from stages.lib.model.pipeline import make_pipeline, predict_risk
from stages.lib.model.training import fit_calibrated
from stages.lib.schema import ID, TARGET
from stages.lib.settings import CALIBRATION
from tests.stage_runs import ROOT, run_stage_process


def test_the_params_names_are_the_methods_and_auto():
    assert ("auto", *METHODS) == CALIBRATION


def test_sigmoid_and_isotonic_maps_are_monotone_probabilities():
    rng = np.random.default_rng(0)
    score = rng.uniform(size=500)
    y = (rng.uniform(size=500) < score**2).astype(int)  # over-confident scores: true rate is score squared
    grid = np.linspace(0, 1, 101)
    for method in ("sigmoid", "isotonic"):
        mapped = Calibrator(method).fit(score, y).predict(grid)
        assert np.all(np.diff(mapped) >= 0) and mapped.min() >= 0 and mapped.max() <= 1
    assert np.array_equal(Calibrator("none").fit(score, y).predict(grid), grid)


def test_auto_picks_the_lowest_cross_validated_brier_and_beats_the_raw_score():
    rng = np.random.default_rng(1)
    score = rng.uniform(size=900)
    oof = pd.DataFrame(
        {"score": score, TARGET: (rng.uniform(size=900) < score**3).astype(int), "fold": np.arange(900) % 3}
    )
    choice = choose_calibration(oof, "auto")
    assert choice.method == min(choice.brier_by_method, key=choice.brier_by_method.get)
    assert choice.method != "none" and choice.brier_by_method[choice.method] < choice.brier_by_method["none"]
    assert len(choice.fold_calibrators) == 3


def test_expected_calibration_error_and_reliability_counts():
    y = np.array([0, 0, 1, 1, 1, 0, 1, 1])
    p = np.array([0.05, 0.15, 0.15, 0.55, 0.65, 0.95, 0.95, 0.95])
    table = reliability_table(y, p, 10)
    assert table["customers"].sum() == len(y) and len(table) == 10
    # bins: [0,.1): p .05 obs 0; [.1,.2): p .15 obs .5; [.5,.6): .55 obs 1; [.6,.7): .65 obs 1; [.9,1]: .95 obs 2/3
    expected = (0.05 * 1 + 0.35 * 2 + 0.45 * 1 + 0.35 * 1 + abs(0.95 - 2 / 3) * 3) / 8
    assert expected_calibration_error(y, p, 10) == pytest.approx(expected)
    assert expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0]), 10) == 0


def test_only_out_of_fold_train_scores_reach_the_calibrators(workspace, monkeypatch):
    """Every score a calibrator is fitted on is an out-of-fold score of a train customer: the final
    calibrator sees exactly all of them, fold k's exactly those of the other folds. Test rows never."""
    root, params = workspace
    train = read_parquet(root / "data/prepared/train.parquet")
    seen = []
    real_fit = Calibrator.fit

    def recording_fit(self, score, y):
        seen.append(np.asarray(score, dtype=float).copy())
        return real_fit(self, score, y)

    monkeypatch.setattr(calibration_module.Calibrator, "fit", recording_fit)
    fit = fit_calibrated(make_pipeline(make_family("knn", 0)), train, 3, "sigmoid", 0)
    oof_scores = fit.oof["score"].to_numpy()
    fold = fit.oof["fold"].to_numpy()
    assert fit.oof[ID].tolist() == train[ID].tolist()
    folds_seen, final_seen = seen[:3], seen[3]
    for number, scores in enumerate(folds_seen):
        assert np.array_equal(np.sort(scores), np.sort(oof_scores[fold != number]))
    assert np.array_equal(final_seen, oof_scores)


def test_the_saved_calibrator_is_reproduced_from_the_out_of_fold_file_alone(workspace):
    """Refitting the saved model's calibrator on models/oof_train.parquet gives it back exactly: nothing
    but train customers' out-of-fold scores went into it."""
    root, _ = workspace
    model = load_model(root / "models/model.skops")
    oof = read_parquet(root / "models/oof_train.parquet")
    method = calibration_method(model)
    # the synthetic run calibrates (auto picks a calibrator on it): with "none" this test would check nothing
    assert method in METHODS and method != "none", method
    step = model.steps[-1][1]
    assert isinstance(step, CalibratedModel)
    refit = Calibrator(method).fit(oof["score"].to_numpy(), oof[TARGET].to_numpy())
    grid = np.linspace(0.001, 0.999, 50)
    # oof scores were rounded to 10 decimals when written: the maps agree far below any displayed digit
    assert np.allclose(refit.predict(grid), step.calibrator.predict(grid), atol=1e-7)
    test = read_parquet(root / "data/prepared/test.parquet")
    raw = predict_risk(uncalibrated(model), test)
    assert np.allclose(predict_risk(model, test), step.calibrator.predict(raw))


def test_fold_models_give_the_cross_fitted_probabilities(workspace):
    root, _ = workspace
    folds = load_model(root / "models/fold_models.skops")
    oof = read_parquet(root / "models/oof_train.parquet").set_index(ID)
    train = read_parquet(root / "data/prepared/train.parquet").set_index(ID)
    for number, model in enumerate(folds):
        held_out = oof.index[oof["fold"] == number]
        assert np.allclose(predict_risk(model, train.loc[held_out]), oof.loc[held_out, "probability"], atol=1e-9)


def test_reliability_data_counts_every_customer_and_metrics_show_both_sides(workspace):
    root, _ = workspace
    metrics = json.loads((root / "metrics/evaluate.json").read_text())
    train = read_parquet(root / "data/prepared/train.parquet")
    for sample, customers in (("oof", len(train)), ("test", metrics["test_customers"])):
        for state in ("uncalibrated", "calibrated"):
            data = json.loads((root / f"plots/evaluate/reliability_{sample}_{state}.json").read_text())
            assert sum(row["customers"] for row in data["reliability"]) == customers
    calibration = metrics["calibration"]
    for key in ("test", "test_uncalibrated", "train_out_of_fold", "train_out_of_fold_uncalibrated"):
        assert {"brier", "calibration_error"} <= set(calibration[key])
    dvc_plots = yaml.safe_load((ROOT / "dvc.yaml").read_text())["plots"]
    reliability = next(p["reliability"] for p in dvc_plots if isinstance(p, dict) and "reliability" in p)
    assert {
        f"plots/evaluate/reliability_{s}_{c}.json" for s in ("oof", "test") for c in ("uncalibrated", "calibrated")
    } < set(reliability["y"])


def test_the_band_stage_refits_on_other_splits_and_evaluate_places_the_official_split(workspace, tmp_path):
    root, params = workspace
    band = json.loads((root / "reports/test_band.json").read_text())
    splits = params["band"]["splits"]
    assert len(band["draws"]) == splits and {d["split_seed"] for d in band["draws"]} == {
        params["seed"] + k for k in range(1, splits + 1)
    }
    position = json.loads((root / "metrics/evaluate.json").read_text())["test_band"]
    assert position["status"] == "current" and position["splits"] == splits
    assert 0 <= position["roc_auc"]["official_percentile"] <= 100
    work = tmp_path / "band"
    shutil.copytree(root, work)
    band["configuration"] += "; something else"
    (work / "reports/test_band.json").write_text(json.dumps(band))
    (work / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    done = run_stage_process("evaluate", cwd=work)  # evaluate's one end-to-end command-line test
    assert done.returncode == 0, done.stderr
    assert json.loads((work / "metrics/evaluate.json").read_text())["test_band"]["status"].startswith("stale")
