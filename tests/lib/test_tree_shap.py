"""Exact tree explanations against a known truth: brute-force interventional Shapley values, a threshold
between adjacent float32 values, the calibrator's mapping, and pieces of rows."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline

from stages.io.files import read_parquet
from stages.io.model_store import load_model
from stages.lib.model.calibration import CalibratedModel, Calibrator
from stages.lib.model.explainer_check import exact_vs_model_agnostic
from stages.lib.model.shap_values import Job, transform
from stages.lib.model.tree_shap import calibrated_tree_shap, tree_shap
from stages.lib.schema import TARGET


def brute_force_shapley(predict, x: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Interventional Shapley values by definition: v(S) = mean over background rows of f(x on S, z elsewhere)."""
    d = len(x)

    def value(subset) -> float:
        rows = background.copy()
        rows[:, list(subset)] = x[list(subset)]
        return float(predict(rows).mean())

    phi = np.zeros(d)
    for i in range(d):
        others = [j for j in range(d) if j != i]
        for size in range(d):
            weight = factorial(size) * factorial(d - size - 1) / factorial(d)
            for subset in combinations(others, size):
                phi[i] += weight * (value((*subset, i)) - value(subset))
    return phi


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(0, 0.5, 300) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("forest", [RandomForestClassifier, ExtraTreesClassifier])
def test_values_are_the_interventional_shapley_values_by_definition(data, forest):
    X, y = data
    model = forest(n_estimators=20, min_samples_leaf=3, random_state=0).fit(X, y)
    background, rows = X[:5], X[100:106]
    values, base = tree_shap(model, background, rows)
    truth = np.array([brute_force_shapley(lambda r: model.predict_proba(r)[:, 1], x, background) for x in rows])
    assert np.abs(values - truth).max() < 1e-6
    assert base == pytest.approx(model.predict_proba(background)[:, 1].mean(), abs=1e-6)


def test_a_threshold_between_adjacent_float32_values_sends_customers_where_the_model_sends_them():
    low = np.float32(0.5225599)
    high = np.nextafter(low, np.float32(1))  # no float32 value between them: the threshold is their midpoint
    X = np.array([[low], [high]] * 20, dtype=np.float64)
    X = np.column_stack([X, np.tile([0.0, 1.0], 20)])  # a second feature, so that SHAP has something to share
    y = np.array([0, 1] * 20)
    model = RandomForestClassifier(n_estimators=5, bootstrap=False, random_state=0).fit(X, y)
    background, rows = X[:1], X[1:2]  # a "low" customer explained against ... the "high" one, and back
    for ours, theirs in ((rows, background), (background, rows)):
        values, base = tree_shap(model, theirs, ours)
        # (SHAP sums leaf values in float32: 1e-8; a customer sent the wrong way would be off by 1)
        assert base + values.sum() == pytest.approx(model.predict_proba(ours)[0, 1], abs=1e-6)


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_through_the_calibrator_the_values_add_up_and_keep_the_raw_order(data, method):
    X, y = data
    forest = RandomForestClassifier(n_estimators=30, min_samples_leaf=5, random_state=0).fit(X[:200], y[:200])
    calibrator = Calibrator(method).fit(forest.predict_proba(X[200:])[:, 1], y[200:])
    model = CalibratedModel(forest, calibrator)
    background, rows = X[:10], X[200:300]
    values, base = calibrated_tree_shap(model, background, rows)
    assert np.abs(base + values.sum(axis=1) - model.predict_proba(rows)[:, 1]).max() < 1e-6
    raw, _ = tree_shap(forest, background, rows)
    moved = np.abs(values).sum(axis=1) > 0
    assert moved.mean() > 0.5  # most customers are not at the base score
    # per customer the same positive factor: same signs, same order of reasons
    assert (np.sign(values[moved]) == np.sign(raw[moved])).all()
    assert (np.argsort(-values[moved], axis=1, kind="stable") == np.argsort(-raw[moved], axis=1, kind="stable")).all()


def test_any_cut_into_pieces_gives_the_same_bytes(data):
    X, y = data
    model = ExtraTreesClassifier(n_estimators=15, random_state=0).fit(X, y)
    whole, _ = tree_shap(model, X[:8], X[:90])
    pieces = np.concatenate([tree_shap(model, X[:8], X[start : start + 30])[0] for start in (0, 30, 60)])
    assert whole.tobytes() == pieces.tobytes()


def test_the_check_against_the_model_agnostic_estimator_reads_a_calibrated_forest_pipeline(workspace):
    """On the synthetic pipeline's preprocessing with a calibrated forest as its model: the exact and the
    estimated top reasons mostly agree, and the exact values add up to 1e-6."""
    root, _ = workspace
    pipeline, train = load_model(root / "models/model.skops"), read_parquet(root / "data/prepared/train.parquet")
    X = transform(pipeline, train).to_numpy()
    forest = RandomForestClassifier(n_estimators=30, min_samples_leaf=5, random_state=0).fit(X, train[TARGET])
    calibrated = CalibratedModel(forest, Calibrator("isotonic").fit(forest.predict_proba(X)[:, 1], train[TARGET]))
    deployed = Pipeline([*pipeline.steps[:-1], ("model", calibrated)])
    result = exact_vs_model_agnostic(Job(deployed, train.head(60), train), size=10, permutations=24, seed=0)
    assert result["customers"] == 60
    assert result["same_top_reason_share_raw_score"] >= 0.9
    assert result["exact_additivity_max_abs_error"] < 1e-6 and result["exact_additivity_within_1e-06"]
