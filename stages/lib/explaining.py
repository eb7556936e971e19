"""SHAP explanations of exactly the saved pipeline: its fitted preprocessing, its model, its output.

The fitted preprocessing and feature selection (``pipeline[:-1]``) transform the data; the explainer
explains the final model's probability of «activity declined» in that transformed space. The
explainer fits the family: exact tree SHAP for tree models, exact linear SHAP for logistic
regression (whose exact additive output is the log-odds), and a model-agnostic permutation
explainer on a k-means summary of the training data otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shap
from sklearn.pipeline import Pipeline

from stages.lib.model import expected_features, family_of, model_input
from stages.lib.plotting import label

TREE_FAMILIES = ("decision_tree", "random_forest", "extra_trees", "hist_gradient_boosting")
LINEAR_FAMILIES = ("logistic_regression",)
NOMINAL_PREFIXES = ("favourite_category",)


@dataclass
class Explanation:
    values: pd.DataFrame  # SHAP value per customer (rows) and preprocessed column (columns)
    base_values: pd.Series  # per customer: the explaining model's expected output over its background
    display: pd.DataFrame  # the same cells in the units a reader knows (raw numbers, 0/1 flags)
    explainer: str
    output: str  # "probability" or "log_odds"

    def model_output(self) -> pd.Series:
        return self.base_values + self.values.sum(axis=1)

    def as_shap(self, rows=None) -> shap.Explanation:
        rows = slice(None) if rows is None else rows
        values = self.values.loc[rows]
        return shap.Explanation(
            values=values.to_numpy(),
            base_values=self.base_values.loc[rows].to_numpy(),
            data=self.display.loc[rows].to_numpy(dtype=float),
            feature_names=[readable(c) for c in values.columns],
        )


def readable(name: str) -> str:
    """Column name -> words: favourite_category_kids_goods -> Favourite category: kids goods."""
    for nominal in NOMINAL_PREFIXES:
        if name.startswith(f"{nominal}_"):
            return f"{label(nominal)}: {name.removeprefix(nominal + '_').replace('_', ' ')}"
    return label(name)


def source_feature(column: str, features: list[str]) -> str:
    """The input feature a preprocessed column comes from (longest matching name: one-hot columns)."""
    matches = [f for f in features if column == f or column.startswith(f"{f}_")]
    return max(matches, key=len)


def transform(pipeline: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """The fitted preprocessing and selection of the pipeline: what its model sees, with column names."""
    preprocessing = pipeline[:-1]
    values = preprocessing.transform(model_input(frame, expected_features(pipeline)))
    return pd.DataFrame(values, columns=preprocessing.get_feature_names_out(), index=frame.index)


def display_frame(pipeline: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """Every preprocessed column (before selection) in the units a reader knows: raw numbers, 0/1 flags."""
    preprocess = pipeline[0]
    columns = preprocess.get_feature_names_out()
    inputs = model_input(frame, expected_features(pipeline))
    display = pd.DataFrame(preprocess.transform(inputs), columns=columns, index=frame.index)
    for column in columns:
        if column in frame and pd.api.types.is_numeric_dtype(frame[column]):
            display[column] = frame[column].to_numpy(dtype=float)
    return display


def make_explainer(pipeline: Pipeline, background: pd.DataFrame, params: dict, seed: int):
    """(function: transformed frame -> SHAP values, base value, explainer name, output space)."""
    model, family = pipeline[-1], family_of(pipeline)
    if family in TREE_FAMILIES:
        sample = shap.utils.sample(background, params["background_size"], random_state=seed).to_numpy()
        explainer = shap.TreeExplainer(
            model, data=sample, model_output="probability", feature_perturbation="interventional"
        )
        return (lambda X: explainer.shap_values(X.to_numpy())), explainer.expected_value, "tree (exact)", "probability"
    if family in LINEAR_FAMILIES:
        sample = shap.utils.sample(background, params["background_size"], random_state=seed).to_numpy()
        explainer = shap.LinearExplainer(model, shap.maskers.Independent(sample, max_samples=len(sample)))
        return (lambda X: explainer.shap_values(X.to_numpy())), explainer.expected_value, "linear (exact)", "log_odds"
    summary = shap.kmeans(background.to_numpy(), params["background_size"])
    predict = lambda X: model.predict_proba(X)[:, 1]  # noqa: E731
    compute = lambda X: permutation_shap(  # noqa: E731
        predict, X.to_numpy(), summary.data, summary.weights, params["permutations"], seed
    )
    base = float(np.average(predict(summary.data), weights=summary.weights))
    return compute, base, "permutation sampling (model-agnostic, k-means background)", "probability"


def permutation_shap(
    predict, X: np.ndarray, background: np.ndarray, weights: np.ndarray, permutations: int, seed: int
) -> np.ndarray:
    """Interventional Shapley values by antithetic permutation sampling, vectorised over all rows.

    For each sampled feature order, features are switched from background to the row's value one at
    a time; a feature's marginal contribution is the change in the background-weighted mean output.
    Every order telescopes from the base value to the model's output, so the values are exactly
    additive; each order is paired with its reverse to cut variance. This is shap's
    PermutationExplainer estimator, batched so that one model call serves every row (its per-row
    overhead made explaining all customers of a k-NN model take minutes).
    """
    rng = np.random.default_rng(seed)
    rows, features = X.shape
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    orders = [rng.permutation(features) for _ in range(max(1, permutations // 2))]
    orders += [order[::-1] for order in orders]
    values = np.zeros((rows, features))
    for order in orders:
        included = np.zeros((features + 1, features), dtype=bool)  # step k: the first k features of the order
        for step in range(1, features + 1):
            included[step, order[:step]] = True
        batch = np.where(included[None, :, None, :], X[:, None, None, :], background[None, None, :, :])
        outputs = predict(batch.reshape(-1, features)).reshape(rows, features + 1, len(background)) @ weights
        values[:, order] += np.diff(outputs, axis=1)
    return values / len(orders)


def explain(
    pipeline: Pipeline, frame: pd.DataFrame, background_frame: pd.DataFrame, params: dict, seed: int
) -> Explanation:
    """SHAP values of ``frame``'s rows for ``pipeline``'s output, background from ``background_frame``."""
    transformed = transform(pipeline, frame)
    compute, base, name, output = make_explainer(pipeline, transform(pipeline, background_frame), params, seed)
    values = np.asarray(compute(transformed))
    if values.ndim == 3:  # (rows, features, classes): keep class 1
        values = values[..., 1]
    base = float(np.ravel(base)[-1])  # some explainers give one base value per class
    display = display_frame(pipeline, frame)
    # columns the selection step dropped get SHAP 0: the model never sees them
    values = pd.DataFrame(values, columns=transformed.columns, index=frame.index)
    values = values.reindex(columns=display.columns, fill_value=0.0)
    return Explanation(values, pd.Series(base, index=frame.index), display, name, output)


def combine(parts: list[Explanation]) -> Explanation:
    """Row-wise union of explanations of models sharing one preprocessing layout (fold models)."""
    return Explanation(
        pd.concat([p.values for p in parts]),
        pd.concat([p.base_values for p in parts]),
        pd.concat([p.display for p in parts]),
        parts[0].explainer,
        parts[0].output,
    )


def model_output(pipeline: Pipeline, frame: pd.DataFrame, output: str) -> np.ndarray:
    """What the explanation adds up to: the probability, or its log-odds for the linear explainer."""
    model_view = transform(pipeline, frame).to_numpy()
    if output == "log_odds":
        return pipeline[-1].decision_function(model_view)
    return pipeline[-1].predict_proba(model_view)[:, 1]


def grouped(values: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """One-hot columns summed back into their source feature, in ``features`` order."""
    sources = [source_feature(c, features) for c in values.columns]
    summed = values.T.groupby(sources, sort=False).sum().T
    return summed.reindex(columns=features, fill_value=0.0)


def mean_abs(values: pd.DataFrame) -> pd.Series:
    return values.abs().mean().sort_values(ascending=False, kind="stable")
