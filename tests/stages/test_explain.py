"""`explain` end to end: additivity, the explained models are the saved ones, the estimator, the outputs.

The pure functions behind it (and the permutation estimator against exact Shapley values) are tested
on tiny data in tests/lib/test_shap_values.py.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from stages.io import paths
from stages.io.files import read_parquet
from stages.io.model_store import load_model
from stages.lib.model.pipeline import predict_risk
from stages.lib.model.shap_values import grouped, source_feature
from stages.lib.schema import ID
from stages.lib.words import readable


def explained_output(root) -> pd.Series:
    values = read_parquet(root / paths.SHAP_VALUES).set_index(ID)
    return values["shap_base_value"] + values.drop(columns="shap_base_value").sum(axis=1)


def in_explained_space(root, probability):
    """The linear explainer explains log-odds; the others the probability itself."""
    output = json.loads((root / paths.EXPLAIN_METRICS).read_text())["explained_output"]
    return logit(probability) if output == "log_odds" else probability


def test_base_plus_shap_equals_the_saved_models_probability_on_test(workspace):
    root, _ = workspace
    test = read_parquet(root / paths.TEST)
    saved = load_model(root / paths.MODEL)
    explained = explained_output(root).loc[test[ID]]
    expected = in_explained_space(root, predict_risk(saved, test))
    np.testing.assert_allclose(explained.to_numpy(), expected, atol=1e-6)


def test_train_customers_are_explained_by_models_that_never_saw_them(workspace):
    root, _ = workspace
    oof = read_parquet(root / paths.OOF).set_index(ID)["probability"]
    expected = in_explained_space(root, oof.to_numpy())
    np.testing.assert_allclose(explained_output(root).loc[oof.index].to_numpy(), expected, atol=1e-6)


def test_every_regular_customer_is_explained_once(workspace):
    root, _ = workspace
    customers = read_parquet(root / paths.CUSTOMERS)
    values = read_parquet(root / paths.SHAP_VALUES)
    assert values[ID].tolist() == customers[ID].tolist()


def test_metrics_and_figures(workspace):
    root, _ = workspace
    metrics = json.loads((root / paths.EXPLAIN_METRICS).read_text())
    assert max(metrics["additivity_max_abs_error"].values()) < 1e-6
    assert -1 <= metrics["spearman_shap_vs_permutation"] <= 1
    names = {p.name for p in (root / paths.EXPLAIN_FIGURES).glob("*.png")}
    expected = {
        "beeswarm.png",
        "importance_columns.png",
        "importance_grouped.png",
        "waterfall_highest_risk.png",
        "waterfall_near_threshold.png",
        "waterfall_lowest_risk.png",
    }
    assert expected <= names and any(n.startswith("dependence_") for n in names)


def test_one_hot_columns_are_grouped_back_into_their_feature():
    features = ["pages_per_visit", "favourite_category"]
    values = pd.DataFrame(
        {"pages_per_visit": [0.1], "favourite_category_kids_goods": [0.2], "favourite_category_kitchenware": [-0.05]}
    )
    assert source_feature("favourite_category_kids_goods", features) == "favourite_category"
    assert grouped(values, features).iloc[0].tolist() == pytest.approx([0.1, 0.15])
    assert readable("favourite_category_kids_goods") == "Favourite category: kids goods"
