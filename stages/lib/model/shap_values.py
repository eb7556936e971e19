"""SHAP explanations of exactly the saved pipelines: their fitted preprocessing, their model, their output
(the explainers: docs/pipeline.md, `explain`). `plan_work` turns a job into independent tasks for
`stages.io.workers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.utils import shuffle
from threadpoolctl import threadpool_limits

from stages.lib.model.calibration import CalibratedModel
from stages.lib.model.families import explainer_kind
from stages.lib.model.pipeline import expected_features, model_input
from stages.lib.model.tree_shap import calibrated_tree_shap, tree_shap
from stages.lib.schema import ID

EXPLAINERS = {  # kind: (name, explained output)
    "tree": ("tree (exact)", "probability"),
    "calibrated_tree": ("tree (exact) through the calibrator", "probability"),
    "linear": ("linear (exact)", "log_odds"),
    "permutation": ("permutation sampling (model-agnostic, k-means background)", "probability"),
}
SHAP_DECIMALS = 10
EXACT_PIECE_ROWS = 400  # customers per task of an exact explainer: ~0.2 s, so a batch spreads over the workers


@dataclass
class Explanation:
    """SHAP values of some customers, one row each, with what they add up to and how to read them."""

    values: pd.DataFrame  # SHAP value per customer (rows) and preprocessed column (columns)
    base_values: pd.Series  # per customer: the explaining model's expected output over its background
    display: pd.DataFrame  # the same cells in the units a reader knows (raw numbers, 0/1 flags)
    explainer: str
    output: str  # "probability" or "log_odds"

    def model_output(self) -> pd.Series:
        return self.base_values + self.values.sum(axis=1)


# --- the model's view of the data ---


def source_feature(column: str, features: list[str]) -> str:
    """The input feature a preprocessed column comes from (longest matching name: one-hot columns)."""
    matches = [f for f in features if column == f or column.startswith(f"{f}_")]
    return max(matches, key=len)


def transform(pipeline: Pipeline, frame: pd.DataFrame, steps: int = -1) -> pd.DataFrame:
    """The pipeline's first ``steps`` fitted steps applied to ``frame``, with column names (by default
    its preprocessing and selection: what its model sees)."""
    preprocessing = pipeline[:steps]
    values = preprocessing.transform(model_input(frame, expected_features(pipeline)))
    return pd.DataFrame(values, columns=preprocessing.get_feature_names_out(), index=frame.index)


def model_output(pipeline: Pipeline, frame: pd.DataFrame, output: str) -> np.ndarray:
    """What the explanation adds up to: the probability, or its log-odds for the linear explainer."""
    X = model_input(frame, expected_features(pipeline))
    return pipeline.decision_function(X) if output == "log_odds" else pipeline.predict_proba(X)[:, 1]


# --- the model-agnostic estimator ---
# Interventional Shapley values by antithetic permutation sampling, vectorised over all rows
# (shap's PermutationExplainer, batched): for each sampled feature order, features are switched from
# the background to the row's value one at a time. Every order telescopes from the base value to the
# model's output, so the values are exactly additive; each order is paired with its reverse to cut
# variance. `coalition_plan` lists each distinct model input once, the model predicts them (in any
# pieces, anywhere), and `shapley_values` reads them back. Each row's values depend on that row alone.


def kmeans_summary(background: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(centres, weights): shap.kmeans's summary of the background (without importing shap, which
    imports matplotlib). Each centre coordinate is moved to the nearest value the data has. One
    thread: k-means sums in a different order on more threads, and the centres' last bits move."""
    data = SimpleImputer(missing_values=np.nan, strategy="mean").fit_transform(background)
    with threadpool_limits(1):
        kmeans = KMeans(n_clusters=size, random_state=0, n_init=10).fit(data)
    nearest = np.argmin(np.abs(data[:, None, :] - kmeans.cluster_centers_[None, :, :]), axis=0)  # (centre, column)
    return data[nearest, np.arange(data.shape[1])], np.bincount(kmeans.labels_) / len(kmeans.labels_)


def feature_orders(features: int, permutations: int, seed: int) -> list[np.ndarray]:
    """Random feature orders, each followed (after all of them) by its reverse: antithetic pairs."""
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(features) for _ in range(max(1, permutations // 2))]
    return orders + [order[::-1] for order in orders]


def coalitions(orders: list[np.ndarray], features: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct masks, the mask of step k of each order): step k switches on the first k features.
    The empty and the full coalition are shared by every order, and orders may share more."""
    included = np.zeros((len(orders), features + 1, features), dtype=bool)
    for number, order in enumerate(orders):
        for step in range(1, features + 1):
            included[number, step, order[:step]] = True
    masks, steps = np.unique(included.reshape(-1, features), axis=0, return_inverse=True)
    return masks, steps.reshape(len(orders), features + 1)


def distinct_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct rows, which of them each row is); rows of no columns are all one row. Rows are equal
    when every value compares equal (np.unique(axis=0) would sort the same way, ten times slower); equal
    values give equal model outputs, so one prediction serves them all."""
    if values.shape[1] == 0:
        return values[:1], np.zeros(len(values), dtype=int)
    order = np.lexsort(values.T[::-1])
    ordered = values[order]
    first = np.concatenate([[True], (ordered[1:] != ordered[:-1]).any(axis=1)])
    which = np.empty(len(values), dtype=int)
    which[order] = np.cumsum(first) - 1
    return ordered[first], which


def coalition_inputs(X: np.ndarray, background: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct model inputs of one coalition: the rows' values where ``mask`` is on, a background
    row's elsewhere. Rows agreeing on the masked-in features, and background rows agreeing on the
    rest, give the same input; it is evaluated once. Returns (inputs, (row, background row) -> input)."""
    rows, row_of = distinct_rows(X[:, mask])
    fills, fill_of = distinct_rows(background[:, ~mask])
    inputs = np.empty((len(rows), len(fills), X.shape[1]))
    inputs[:, :, mask] = rows[:, None, :]
    inputs[:, :, ~mask] = fills[None, :, :]
    where = np.arange(len(rows) * len(fills)).reshape(len(rows), len(fills))
    return inputs.reshape(-1, X.shape[1]), where[row_of][:, fill_of]


@dataclass(frozen=True)
class CoalitionPlan:
    """Every model input the permutation estimator needs, each distinct one once: predicting ``inputs``
    in any pieces and reading them back through ``where`` is predicting every (row, coalition, background row)."""

    orders: list[np.ndarray]
    steps: np.ndarray  # (order, step) -> coalition number
    inputs: np.ndarray  # (distinct input, feature)
    where: np.ndarray  # (row, coalition, background row) -> distinct input number


def coalition_plan(X: np.ndarray, background: np.ndarray, permutations: int, seed: int) -> CoalitionPlan:
    orders = feature_orders(X.shape[1], permutations, seed)
    masks, steps = coalitions(orders, X.shape[1])
    parts = [coalition_inputs(X, background, mask) for mask in masks]
    offsets = np.cumsum([0] + [len(inputs) for inputs, _ in parts])
    where = np.stack([offset + part for offset, (_, part) in zip(offsets, parts, strict=False)], axis=1)
    # different coalitions can also make the same input (a row that equals a background row somewhere)
    inputs, which = distinct_rows(np.concatenate([inputs for inputs, _ in parts]))
    return CoalitionPlan(orders, steps, inputs, which[where])


def weighted_mean(outputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``outputs @ weights`` over the last axis, summed in background order whatever the memory layout
    (``@`` hands contiguous arrays to BLAS, which sums in another order and moves the last bits)."""
    total = np.zeros(outputs.shape[:-1])
    for column, weight in enumerate(weights):
        total += outputs[..., column] * weight
    return total


def shapley_values(plan: CoalitionPlan, predicted: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Average over the orders of each feature's marginal contribution: the change in the
    background-weighted mean output when the feature is switched on."""
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    means = weighted_mean(predicted[plan.where], weights)  # (rows, coalitions)
    values = np.zeros((len(means), plan.inputs.shape[1]))
    for order, step in zip(plan.orders, plan.steps, strict=True):
        values[:, order] += np.diff(means[:, step], axis=1)  # along the order, one feature at a time
    return values / len(plan.orders)


def probability_of_decline(model, X: np.ndarray) -> np.ndarray:
    return model.predict_proba(X)[:, 1]


def exact_shap(kind: str, model, background: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """(class-1 SHAP values of X's rows, base value) by the exact tree or linear explainer."""
    if kind == "tree":
        return tree_shap(model, background, X)
    import shap  # only the exact explainers need it (seconds to import)

    explainer = shap.LinearExplainer(model, shap.maskers.Independent(background, max_samples=len(background)))
    return np.asarray(explainer.shap_values(X)), float(np.ravel(explainer.expected_value)[-1])


def exact_pieces(results: list) -> tuple[np.ndarray, float]:
    """The exact explainers' pieces of rows, in order, as one result (each piece has the same base)."""
    return np.concatenate([values for values, _ in results]), results[0][1]


# --- every customer: jobs, and each job as tasks any executor may run ---


@dataclass(frozen=True)
class Job:
    """One model, the customers it explains, and the customers whose data is its background."""

    pipeline: Pipeline
    rows: pd.DataFrame
    background: pd.DataFrame


def fold_jobs(folds: list[Pipeline], train: pd.DataFrame, oof: pd.DataFrame) -> list[Job]:
    """Each train customer by the fold model that never saw it, against the customers that model was
    fitted on: the honest (out-of-fold) score segment uses. ``oof`` names each train customer's fold
    (``train`` is indexed by customer id); test customers are the deployed pipeline's job."""
    fold = oof.set_index(ID)["fold"].reindex(train.index).to_numpy()
    return [Job(model, train[fold == number], train[fold != number]) for number, model in enumerate(folds)]


@dataclass(frozen=True)
class ShapWork:
    """One job's explanation as independent tasks, ``(function, arguments)`` each, and how their
    results, in task order, make (SHAP values in the model's input space, base value)."""

    job: Job
    kind: str  # a key of EXPLAINERS
    tasks: list[tuple[Callable, tuple]]
    finish: Callable[[list], tuple[np.ndarray, float]]

    def explanation(self, results: list) -> Explanation:
        """The tasks' results -> an Explanation over every preprocessed column (before selection),
        displayed in the units a reader knows: raw numbers, 0/1 flags."""
        values, base = self.finish(results)
        pipeline, frame = self.job.pipeline, self.job.rows
        display = transform(pipeline, frame, steps=1)
        for column in display.columns:
            if column in frame and pd.api.types.is_numeric_dtype(frame[column]):
                display[column] = frame[column].to_numpy(dtype=float)
        # columns the selection step dropped get SHAP 0: the model never sees them
        values = pd.DataFrame(values, columns=pipeline[:-1].get_feature_names_out(), index=frame.index)
        values = values.reindex(columns=display.columns, fill_value=0.0)
        # rounded before anything is written or drawn: the last bits depend on the CPU's kernels
        values, base_values = values.round(SHAP_DECIMALS), pd.Series(round(base, SHAP_DECIMALS), index=frame.index)
        return Explanation(values, base_values, display, *EXPLAINERS[self.kind])


def background_sample(background: np.ndarray, size: int, seed: int) -> np.ndarray:
    """The exact explainers' background: ``size`` seeded rows of it (all of it when it is no larger)."""
    return background if size >= len(background) else shuffle(background, n_samples=size, random_state=seed)


def job_kind(model) -> str:
    """How a model step is explained: a calibrated tree ensemble exactly through its calibrator; any other
    calibrated model model-agnostically (the exact linear explainer would explain the raw score, not the
    calibrated probability every stage uses); an uncalibrated one by its family's explainer."""
    if isinstance(model, CalibratedModel):
        return "calibrated_tree" if explainer_kind(model.model) == "tree" else "permutation"
    return explainer_kind(model)


def plan_work(job: Job, size: int, permutations: int, seed: int, piece_rows: int) -> ShapWork:
    """The work of explaining one job: the model's predictions of its distinct coalition inputs, in
    pieces of ``piece_rows`` (the exact explainers: the customers in pieces of EXACT_PIECE_ROWS). The model
    scores each input on its own, so the pieces give the same values however they are cut and wherever
    they run."""
    model = job.pipeline[-1]
    kind = job_kind(model)
    X, background = transform(job.pipeline, job.rows).to_numpy(), transform(job.pipeline, job.background).to_numpy()
    if kind != "permutation":
        sample = background_sample(background, size, seed)
        explain = calibrated_tree_shap if kind == "calibrated_tree" else partial(exact_shap, kind)
        # each row's values depend on that row and the background alone: any cut gives the same values
        pieces = np.array_split(X, max(1, -(-len(X) // EXACT_PIECE_ROWS)))
        return ShapWork(job, kind, [(explain, (model, sample, piece)) for piece in pieces], exact_pieces)
    centres, weights = kmeans_summary(background, size)
    plan = coalition_plan(X, centres, permutations, seed)
    pieces = np.array_split(plan.inputs, max(1, -(-len(plan.inputs) // piece_rows)))
    base = float(np.average(probability_of_decline(model, centres), weights=weights))
    tasks = [(probability_of_decline, (model, piece)) for piece in pieces]
    return ShapWork(job, kind, tasks, lambda results: (shapley_values(plan, np.concatenate(results), weights), base))


def combine(parts: list[Explanation]) -> Explanation:
    """Row-wise union of explanations of models sharing one preprocessing layout (fold models)."""
    frames = [pd.concat([getattr(p, part) for p in parts]) for part in ("values", "base_values", "display")]
    return Explanation(*frames, parts[0].explainer, parts[0].output)


# --- per input feature ---


def grouped(values: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """One-hot columns summed back into their source feature, in ``features`` order."""
    sources = [source_feature(c, features) for c in values.columns]
    summed = values.T.groupby(sources, sort=False).sum().T
    return summed.reindex(columns=features, fill_value=0.0)


def per_customer(explanation: Explanation, features: list[str]) -> pd.DataFrame:
    """data/explained: each customer's base value and SHAP value per input feature, by customer id."""
    table = grouped(explanation.values, features).add_prefix("shap_").sort_index()
    table.insert(0, "shap_base_value", explanation.base_values.sort_index())
    return table.rename_axis(ID).reset_index()
