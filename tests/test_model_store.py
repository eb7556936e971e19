"""Saving and loading models: canonical bytes, and refusal of any type outside the trusted list."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from stages.io.model_store import load_model, save_model
from stages.lib.errors import DataError


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


def test_a_list_of_fold_models_round_trips(workspace, tmp_path):
    root, _ = workspace
    folds = load_model(root / "models/fold_models.skops")
    assert isinstance(folds, list) and len(folds) >= 2
    save_model(folds, tmp_path / "folds.skops")
    assert (tmp_path / "folds.skops").read_bytes() == (root / "models/fold_models.skops").read_bytes()
