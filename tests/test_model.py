"""`train` and `evaluate` on synthetic data: the search, the saved model, the metrics, the rules."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from stages.evaluate import bootstrap_auc, choose_threshold, roc_points
from stages.lib.errors import DataError
from stages.lib.files import read_parquet
from stages.lib.model import expected_features, group_folds, load_model, predict_risk, save_model
from stages.lib.schema import GROUP, ID, TARGET


def test_search_beats_the_dummy_on_a_learnable_signal(workspace):
    root, _ = workspace
    train_metrics = json.loads((root / "metrics/train.json").read_text())
    assert train_metrics["repeated_cv_roc_auc_mean"] > train_metrics["dummy_repeated_cv_roc_auc_mean"] + 0.2
    assert train_metrics["candidates_searched"] == 8
    table = pd.read_csv(root / "reports/model_comparison.csv")
    assert {"dummy", train_metrics["chosen_family"]} <= set(table["family"])
    assert (root / "plots/train/model_comparison.png").stat().st_size > 0


def test_model_never_sees_the_id_or_profit(workspace):
    # the id encodes the export's order (see eda's leakage check); profit is known only afterwards
    root, _ = workspace
    features = expected_features(load_model(root / "models/model.skops"))
    assert ID not in features and "profit" not in features and TARGET not in features


def test_out_of_fold_scores_cover_every_train_customer_once(workspace):
    root, _ = workspace
    oof, train = read_parquet(root / "models/oof_train.parquet"), read_parquet(root / "data/prepared/train.parquet")
    assert oof[ID].tolist() == train[ID].tolist()
    assert oof["probability"].between(0, 1).all()


def test_saved_model_scores_missing_values_and_unseen_categories(workspace):
    root, _ = workspace
    model = load_model(root / "models/model.skops")
    test = read_parquet(root / "data/prepared/test.parquet").head(3).copy()
    test.loc[test.index[0], "pages_per_visit"] = np.nan
    test.loc[test.index[1], "favourite_category"] = "garden_tools"
    test.loc[test.index[2], "service_tier"] = "platinum"
    risk = predict_risk(model, test)
    assert risk.shape == (3,) and np.isfinite(risk).all()


def test_metrics_files_have_the_declared_keys(workspace):
    root, _ = workspace
    evaluation = json.loads((root / "metrics/evaluate.json").read_text())
    expected = {"roc_auc", "roc_auc_ci95_low", "roc_auc_ci95_high", "pr_auc", "brier", "recall", "precision", "f1"}
    assert expected <= set(evaluation["test"])
    assert {"roc_auc", "pr_auc", "brier"} <= set(evaluation["dummy_test"])
    assert (
        evaluation["test"]["roc_auc_ci95_low"]
        <= evaluation["test"]["roc_auc"]
        <= evaluation["test"]["roc_auc_ci95_high"]
    )
    train_metrics = json.loads((root / "metrics/train.json").read_text())
    assert {"chosen_family", "repeated_cv_roc_auc_mean", "repeated_cv_roc_auc_std", "features"} <= set(train_metrics)
    for plot in (root / "plots/evaluate").glob("*.json"):
        assert "Infinity" not in plot.read_text() and "NaN" not in plot.read_text()


def test_saved_model_is_byte_deterministic(workspace, tmp_path):
    root, _ = workspace
    model = load_model(root / "models/model.skops")
    save_model(model, tmp_path / "a.skops")
    save_model(load_model(tmp_path / "a.skops"), tmp_path / "b.skops")
    assert (tmp_path / "a.skops").read_bytes() == (tmp_path / "b.skops").read_bytes()


class Foreign(BaseEstimator, TransformerMixin):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_loading_refuses_types_outside_scikit_learn(tmp_path):
    X, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    save_model(Pipeline([("foreign", Foreign()), ("model", LogisticRegression())]).fit(X, y), tmp_path / "m.skops")
    with pytest.raises(DataError, match="types outside scikit-learn"):
        load_model(tmp_path / "m.skops")


def test_group_folds_never_split_a_group():
    frame = pd.DataFrame({GROUP: np.repeat(np.arange(30), 2), TARGET: np.tile([0, 1], 30)[np.arange(60) // 2 % 2]})
    for train_rows, test_rows in group_folds(3, 0).split(frame, frame[TARGET], frame[GROUP]):
        assert set(frame[GROUP].iloc[train_rows]).isdisjoint(frame[GROUP].iloc[test_rows])


def test_threshold_rules_on_a_known_example():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.6, 0.4, 0.7, 0.9])
    assert choose_threshold(y, p, {"rule": "max_f1"}) == pytest.approx(0.4)
    assert choose_threshold(y, p, {"rule": "youden"}) in (0.4, 0.7)
    assert choose_threshold(y, p, {"rule": "min_recall", "min_recall": 1.0}) == pytest.approx(0.4)
    with pytest.raises(DataError, match="evaluate.threshold.rule"):
        choose_threshold(y, p, {"rule": "guess"})


def test_roc_points_are_finite_and_bootstrap_interval_is_ordered():
    y, p = np.array([0, 1, 0, 1, 1, 0]), np.array([0.2, 0.8, 0.4, 0.6, 0.9, 0.1])
    assert all(np.isfinite(point["threshold"]) for point in roc_points(y, p))
    low, high = bootstrap_auc(y, p, 100, 0)
    assert 0 <= low <= high <= 1


def test_rank_based_bootstrap_matches_scikit_learn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 120)
    p = np.round(rng.random(120) + 0.4 * y, 1)  # rounded: ties on purpose
    rows = np.random.default_rng(5).integers(0, 120, size=(300, 120))
    expected = np.percentile([roc_auc_score(y[r], p[r]) for r in rows], [2.5, 97.5])
    assert bootstrap_auc(y, p, 300, 5) == pytest.approx(tuple(expected))


def test_every_family_in_params_builds_and_is_named_back(repo_params):
    from stages.lib.model import family_of, make_family, make_pipeline

    for family in ["dummy", *repo_params["train"]["families"]]:
        assert family_of(make_pipeline(make_family(family, 0))) == family
