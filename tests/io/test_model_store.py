"""Saving and loading models: canonical bytes, and refusal of any type outside the trusted list."""

from __future__ import annotations

import itertools
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from stages.io.model_store import TRUSTED_TYPES, load_model, save_model
from stages.io.partitions import read_month
from stages.lib.data.preparation import prepare_customers
from stages.lib.data.quality import QualityLog
from stages.lib.errors import DataError
from stages.lib.model.calibration import METHODS, Calibrator, calibrate
from stages.lib.model.families import FAMILIES, make_family
from stages.lib.model.pipeline import SCALERS, make_pipeline
from stages.lib.schema import FEATURES, TARGET
from stages.lib.settings import parse_settings
from tests.synthetic import READING, make_raw, write_raw


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
    with pytest.raises(DataError, match="types no pipeline of this project needs"):
        load_model(tmp_path / "m.skops")


def fitted_variants(X: pd.DataFrame, y: pd.Series):
    """Every registered family fitted with each scaler, and k-NN with each tree and distance it may pick."""
    for name in FAMILIES:
        for scaler in SCALERS:
            yield make_pipeline(make_family(name, 0)).set_params(preprocess__numeric__scale=SCALERS[scaler]()).fit(X, y)
    for name, prefix in (("knn", "model__"), ("soft_vote", "model__knn__")):
        for algorithm, p in itertools.product(("kd_tree", "ball_tree", "brute"), (1, 2, 3)):
            variant = {f"{prefix}algorithm": algorithm, f"{prefix}p": p}
            yield make_pipeline(make_family(name, 0)).set_params(**variant).fit(X, y)
    for method in METHODS:  # the saved model carries its calibrator
        fitted = make_pipeline(make_family("knn", 0)).fit(X, y)
        yield calibrate(fitted, Calibrator(method).fit(fitted.predict_proba(X)[:, 1], y))


def test_the_trusted_types_are_exactly_what_the_registered_families_need(tmp_path, repo_params):
    raw = read_month(write_raw(make_raw(n=80, seed=1), tmp_path / "raw"), QualityLog(), READING)
    customers = prepare_customers(raw, parse_settings(repo_params).prepare, QualityLog())
    X, y = customers[FEATURES], customers[TARGET]
    needed = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for pipeline in fitted_variants(X, y):
            needed |= set(sio.get_untrusted_types(data=sio.dumps([pipeline])))
    assert needed == TRUSTED_TYPES
    assert not [t for t in TRUSTED_TYPES if t.startswith("builtins.")]


def test_a_tampered_archive_is_refused_before_any_object_is_built(workspace, tmp_path):
    root, _ = workspace
    with zipfile.ZipFile(root / "models/model.skops") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    schema = files["schema.json"].decode()
    assert '"f_classif"' in schema
    files["schema.json"] = (
        schema.replace('"f_classif"', '"system"')
        .replace('"sklearn.feature_selection._univariate_selection"', '"os"')
        .encode()
    )
    with zipfile.ZipFile(tmp_path / "model.skops", "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    with pytest.raises(DataError, match=r"refusing to load.*'os\.system'"):
        load_model(tmp_path / "model.skops")


def test_a_corrupt_archive_is_bad_input_not_a_crash(tmp_path):
    (tmp_path / "model.skops").write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="not a readable model archive"):
        load_model(tmp_path / "model.skops")


def test_a_list_of_fold_models_round_trips(workspace, tmp_path):
    root, _ = workspace
    folds = load_model(root / "models/fold_models.skops")
    assert isinstance(folds, list) and len(folds) >= 2
    save_model(folds, tmp_path / "folds.skops")
    assert (tmp_path / "folds.skops").read_bytes() == (root / "models/fold_models.skops").read_bytes()
