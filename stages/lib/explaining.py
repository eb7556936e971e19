"""SHAP explanations of exactly the saved pipelines: their fitted preprocessing, their model, their output.

The fitted preprocessing and feature selection (``pipeline[:-1]``) transform the data; the explainer
explains the final model's probability of «activity declined» in that transformed space. The
explainer fits the family (``stages.lib.families``): exact tree SHAP for tree models, exact linear
SHAP for logistic regression (whose exact additive output is the log-odds), and a model-agnostic
permutation explainer on a k-means summary of the training data otherwise.

Pure functions: `stages/explain.py` reads the models and data and writes what these return.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logit
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.utils import shuffle
from threadpoolctl import threadpool_limits

from stages.lib.calibration import CalibratedModel
from stages.lib.families import ExplainerKind, explainer_kind
from stages.lib.model import N_JOBS, expected_features, model_input
from stages.lib.schema import ID, NOMINAL_FEATURES, NUMERIC_FEATURES, TARGET

EXPLAINER_NAMES = {
    "tree": "tree (exact)",
    "linear": "linear (exact)",
    "permutation": "permutation sampling (model-agnostic, k-means background)",
}
EXPLAINED_OUTPUTS = {"tree": "probability", "linear": "log_odds", "permutation": "probability"}
EXAMPLE_KINDS = ("highest_risk", "near_threshold", "lowest_risk")  # the customers the waterfalls show
PIECE_ROWS = 8000  # model inputs per task: ~0.3 s of the k-NN+SVC+trees vote, so both workers end together


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


def model_output(pipeline: Pipeline, frame: pd.DataFrame, output: str) -> np.ndarray:
    """What the explanation adds up to: the probability, or its log-odds for the linear explainer."""
    model_view = transform(pipeline, frame).to_numpy()
    if output == "log_odds":
        return pipeline[-1].decision_function(model_view)
    return pipeline[-1].predict_proba(model_view)[:, 1]


# --- the model-agnostic estimator ---


def kmeans_summary(background: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(centres, weights): shap.kmeans's summary of the background (without importing shap, which
    imports matplotlib). Each centre coordinate is moved to the nearest value the data has. One
    thread: k-means sums in a different order on more threads, and the centres' last bits move."""
    data = SimpleImputer(missing_values=np.nan, strategy="mean").fit_transform(background)
    with threadpool_limits(1):
        kmeans = KMeans(n_clusters=size, random_state=0, n_init=10).fit(data)
    centres = kmeans.cluster_centers_
    for i in range(size):
        for j in range(data.shape[1]):
            centres[i, j] = data[np.argmin(np.abs(data[:, j] - centres[i, j])), j]
    weights = 1.0 * np.bincount(kmeans.labels_)
    weights /= np.sum(weights)
    return centres, weights


def feature_orders(features: int, permutations: int, seed: int) -> list[np.ndarray]:
    """Random feature orders, each followed (after all of them) by its reverse: antithetic pairs."""
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(features) for _ in range(max(1, permutations // 2))]
    return orders + [order[::-1] for order in orders]


def coalitions(orders: list[np.ndarray], features: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct masks, the mask of step k of each order): step k switches on the first k features.

    The empty and the full coalition are shared by every order, and orders may share more.
    """
    included = np.zeros((len(orders), features + 1, features), dtype=bool)
    for number, order in enumerate(orders):
        for step in range(1, features + 1):
            included[number, step, order[:step]] = True
    masks, steps = np.unique(included.reshape(-1, features), axis=0, return_inverse=True)
    return masks, steps.reshape(len(orders), features + 1)


def distinct_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct rows, which of them each row is); rows of no columns are all one row.

    Rows are equal when every value compares equal (np.unique(axis=0) would sort the same way, ten
    times slower). Equal values give equal model outputs, so one prediction serves them all.
    """
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
    """Every model input the permutation estimator needs, each distinct one once.

    The model scores each input on its own, so predicting ``inputs`` in any pieces, anywhere, and
    reading them back through ``where`` is exactly predicting every (row, coalition, background row).
    """

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


def permutation_shap(
    predict, X: np.ndarray, background: np.ndarray, weights: np.ndarray, permutations: int, seed: int
) -> np.ndarray:
    """Interventional Shapley values by antithetic permutation sampling, vectorised over all rows.

    For each sampled feature order, features are switched from background to the row's value one at
    a time; a feature's marginal contribution is the change in the background-weighted mean output.
    Every order telescopes from the base value to the model's output, so the values are exactly
    additive; each order is paired with its reverse to cut variance. This is shap's
    PermutationExplainer estimator, batched so that one model call serves every row, and each
    distinct model input is evaluated once. Each row's values depend on that row alone.
    """
    plan = coalition_plan(X, background, permutations, seed)
    return shapley_values(plan, predict(plan.inputs), weights)


def probability_of_decline(model, X: np.ndarray) -> np.ndarray:
    return model.predict_proba(X)[:, 1]


def exact_shap(kind: str, model, background: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """(class-1 SHAP values of X's rows, base value) by shap's exact tree or linear explainer."""
    import shap  # only these kinds need it (seconds to import)

    if kind == "tree":
        explainer = shap.TreeExplainer(
            model, data=background, model_output="probability", feature_perturbation="interventional"
        )
    else:
        explainer = shap.LinearExplainer(model, shap.maskers.Independent(background, max_samples=len(background)))
    values = np.asarray(explainer.shap_values(X))
    if values.ndim == 3:  # (rows, features, classes): keep class 1
        values = values[..., 1]
    return values, float(np.ravel(explainer.expected_value)[-1])  # some give one base value per class


# --- every customer, the work shared by two worker processes ---


@dataclass(frozen=True)
class Job:
    """One model, the customers it explains, and the customers whose data is its background."""

    pipeline: Pipeline
    rows: pd.DataFrame
    background: pd.DataFrame


def fold_jobs(folds: list[Pipeline], train: pd.DataFrame, oof: pd.DataFrame) -> list[Job]:
    """Each train customer by the fold model that never saw it, background: the train customers that
    model was fitted on (test customers: the deployed pipeline, background every train customer).

    So every explanation belongs to the same honest score segment uses (out-of-fold for train).
    ``oof`` names each train customer's fold (``train`` is indexed by customer id).
    """
    fold = oof.set_index(ID)["fold"].reindex(train.index)
    jobs = []
    for number, model in enumerate(folds):
        held_out = (fold == number).to_numpy()
        jobs.append(Job(model, train[held_out], train[~held_out]))
    return jobs


def start_worker() -> None:
    """Each worker uses one BLAS/OpenMP thread: two workers fill the two cores, and OpenMP code in a
    child never waits on the thread pool its parent may have had (fork copies no threads).

    A fork also copies the parent's signal handlers: Ctrl-C, which reaches the whole process group, is
    the parent's to handle (it stops the workers), and SIGTERM ends a worker as it ends any process."""
    threadpool_limits(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Drop the queued work and kill the running tasks: shutdown() alone waits for them to finish.
    The stdlib offers no way to stop a running task, hence the pool's private list of processes."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
    for process in processes:
        process.join(timeout=5)


@contextmanager
def worker_pool(workers: int = N_JOBS) -> Iterator[ProcessPoolExecutor]:
    """Worker processes forked from this one: they start in a tenth of a second with every module
    already imported, where spawned workers take seconds each to import scikit-learn again."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=start_worker)
    try:
        yield pool
    except BaseException:  # an error or an interruption (KeyboardInterrupt): the work is no longer wanted
        stop_workers(pool)
        raise
    pool.shutdown()


@dataclass
class Pending:
    """An explanation the pool is computing; ``result()`` waits for it."""

    job: Job
    kind: ExplainerKind
    futures: list[Future]
    finish: Callable[[list], tuple[np.ndarray, float]]  # the futures' results -> (values, base value)

    def result(self) -> Explanation:
        values, base = self.finish([future.result() for future in self.futures])
        return explanation(self.job.pipeline, self.job.rows, values, base, self.kind)


def model_explainer(model) -> ExplainerKind:
    """A calibrated model is explained model-agnostically: the exact tree and linear explainers would
    explain the raw score, not the calibrated probability every stage uses."""
    return "permutation" if isinstance(model, CalibratedModel) else explainer_kind(model)


def submit(pool: Executor, job: Job, size: int, permutations: int, seed: int, piece_rows: int = PIECE_ROWS) -> Pending:
    """Start explaining one job: the model's predictions of its distinct coalition inputs, in pieces
    of ``piece_rows`` (the exact explainers, fast, as one task)."""
    model = job.pipeline[-1]
    kind = model_explainer(model)
    X, background = transform(job.pipeline, job.rows).to_numpy(), transform(job.pipeline, job.background).to_numpy()
    if kind != "permutation":
        sample = background if size >= len(background) else shuffle(background, n_samples=size, random_state=seed)
        return Pending(job, kind, [pool.submit(exact_shap, kind, model, sample, X)], lambda results: results[0])
    centres, weights = kmeans_summary(background, size)
    plan = coalition_plan(X, centres, permutations, seed)
    pieces = np.array_split(plan.inputs, max(1, -(-len(plan.inputs) // piece_rows)))
    futures = [pool.submit(probability_of_decline, model, piece) for piece in pieces]
    base = float(np.average(probability_of_decline(model, centres), weights=weights))
    return Pending(job, kind, futures, lambda results: (shapley_values(plan, np.concatenate(results), weights), base))


SHAP_DECIMALS = 10


def explanation(pipeline: Pipeline, frame: pd.DataFrame, values: np.ndarray, base: float, kind: str) -> Explanation:
    """SHAP values in the model's input space -> an Explanation over every preprocessed column."""
    display = display_frame(pipeline, frame)
    columns = pipeline[:-1].get_feature_names_out()
    # columns the selection step dropped get SHAP 0: the model never sees them
    values = pd.DataFrame(values, columns=columns, index=frame.index).reindex(columns=display.columns, fill_value=0.0)
    # rounded before anything is written or drawn: the last bits depend on the CPU's kernels
    values, base_values = values.round(SHAP_DECIMALS), pd.Series(round(base, SHAP_DECIMALS), index=frame.index)
    return Explanation(values, base_values, display, EXPLAINER_NAMES[kind], EXPLAINED_OUTPUTS[kind])


def combine(parts: list[Explanation]) -> Explanation:
    """Row-wise union of explanations of models sharing one preprocessing layout (fold models)."""
    return Explanation(
        pd.concat([p.values for p in parts]),
        pd.concat([p.base_values for p in parts]),
        pd.concat([p.display for p in parts]),
        parts[0].explainer,
        parts[0].output,
    )


# --- what the explanations say ---


def grouped(values: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """One-hot columns summed back into their source feature, in ``features`` order."""
    sources = [source_feature(c, features) for c in values.columns]
    summed = values.T.groupby(sources, sort=False).sum().T
    return summed.reindex(columns=features, fill_value=0.0)


def mean_abs(values: pd.DataFrame) -> pd.Series:
    # rounded before ranking: the mean's last bits depend on the CPU's SIMD kernels, and near-ties flip
    return values.abs().mean().round(SHAP_DECIMALS).sort_values(ascending=False, kind="stable")


def direction(display: pd.Series, values: pd.Series) -> str:
    """How a feature pushes the risk: sign of the rank correlation between its value and its SHAP value."""
    if display.nunique() < 2 or values.abs().sum() == 0:
        return "none"
    rho = stats.spearmanr(display, values).statistic
    return "higher value, higher risk" if rho > 0.1 else "higher value, lower risk" if rho < -0.1 else "mixed"


def ranking_scores(pipeline: Pipeline, X: pd.DataFrame) -> np.ndarray:
    """What sklearn's roc_auc scorer ranks by: the decision function if the model has one, else the probability."""
    if hasattr(pipeline, "decision_function"):
        return pipeline.decision_function(X)
    return pipeline.predict_proba(X)[:, 1]


def shuffled_copies(X: pd.DataFrame, column: int, repeats: int, seed: int) -> list[pd.DataFrame]:
    """sklearn's permutation_importance shuffles of one column: a fresh generator per column, and
    each repeat shuffles the previous repeat's column again."""
    rng, order, shuffled, copies = np.random.RandomState(seed), np.arange(len(X)), X.copy(), []
    for _ in range(repeats):
        rng.shuffle(order)
        values = shuffled.iloc[order, column]
        values.index = shuffled.index
        shuffled[shuffled.columns[column]] = values
        copies.append(shuffled.copy())
    return copies


def permutation_check(pipeline: Pipeline, test: pd.DataFrame, repeats: int, seed: int) -> pd.DataFrame:
    """Drop in test ROC-AUC when one input feature is shuffled: an explainer-independent importance.

    The numbers of sklearn's ``permutation_importance(scoring="roc_auc")`` (same shuffles, same
    scores), with every shuffled copy scored in one model call instead of one call per copy.
    """
    features = expected_features(pipeline)
    X, y = model_input(test, features), test[TARGET]
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    copies = [
        X,
        *(copy for column in range(len(features)) for copy in shuffled_copies(X, column, repeats, column_seed)),
    ]
    scores = ranking_scores(pipeline, pd.concat(copies, ignore_index=True))
    auc = np.array([roc_auc_score(y, part) for part in np.split(scores, len(copies))])
    importances = auc[0] - auc[1:].reshape(len(features), repeats)
    return pd.DataFrame(
        {"permutation_importance": importances.mean(axis=1), "permutation_std": importances.std(axis=1)}, index=features
    )


def importance_table(
    explanation: Explanation, test_ids, features: list[str], permutation: pd.DataFrame
) -> pd.DataFrame:
    """Mean |SHAP| per transformed column and per grouped input feature, with permutation importance."""
    values = explanation.values.loc[test_ids]
    columns = mean_abs(values).rename("mean_abs_shap").to_frame()
    columns["level"], columns["direction"] = (
        "column",
        [direction(explanation.display.loc[test_ids, c], values[c]) for c in columns.index],
    )
    groups = mean_abs(grouped(values, features)).rename("mean_abs_shap").to_frame().join(permutation)
    groups["level"] = "grouped"
    groups["direction"] = [
        "categorical" if f in NOMINAL_FEATURES else direction(explanation.display.loc[test_ids, f], values[f])
        for f in groups.index
    ]
    table = pd.concat([groups, columns]).rename_axis("feature").reset_index()
    return table[["level", "feature", "mean_abs_shap", "direction", "permutation_importance", "permutation_std"]]


def dependence_features(table: pd.DataFrame, explained_columns, count: int) -> list[str]:
    """The ``count`` most important numeric input features the model sees: one dependence plot each."""
    ranked = table.loc[table["level"] == "grouped", "feature"]
    return [f for f in ranked if f in NUMERIC_FEATURES and f in explained_columns][:count]


def example_customers(test: pd.DataFrame, risk: np.ndarray, threshold: float) -> dict[str, int]:
    """The highest-risk, nearest-the-threshold and lowest-risk test customers (ties: smallest id)."""
    risk = np.round(risk, SHAP_DECIMALS)  # near-ties (probabilities close to 1) must not follow the last bits
    frame = pd.DataFrame(
        {ID: test[ID].to_numpy(), "risk": risk, "gap": np.round(np.abs(risk - threshold), SHAP_DECIMALS)}
    )
    pick = lambda by, ascending: int(frame.sort_values([by, ID], ascending=[ascending, True])[ID].iloc[0])  # noqa: E731
    return dict(zip(EXAMPLE_KINDS, (pick("risk", False), pick("gap", True), pick("risk", True)), strict=True))


def additivity_errors(explanation: Explanation, pipeline: Pipeline, test: pd.DataFrame, oof: pd.DataFrame) -> dict:
    """Largest |base + sum(SHAP) - model output|: deployed model on test, fold models vs out-of-fold scores."""
    expected_test = model_output(pipeline, test, explanation.output)
    oof_probability = oof.set_index(ID)["probability"]
    expected_train = oof_probability if explanation.output == "probability" else logit(oof_probability)
    explained = explanation.model_output()
    return {
        "test": float(np.abs(explained.loc[test.index].to_numpy() - expected_test).max()),
        "train_out_of_fold": float(np.abs(explained.loc[oof_probability.index] - expected_train).max()),
    }


def per_customer(explanation: Explanation, features: list[str]) -> pd.DataFrame:
    """data/explained: each customer's base value and SHAP value per input feature, by customer id."""
    table = grouped(explanation.values, features).add_prefix("shap_").sort_index()
    table.insert(0, "shap_base_value", explanation.base_values.sort_index())
    return table.rename_axis(ID).reset_index()


def explain_metrics(explanation: Explanation, test_customers: int, errors: dict, table: pd.DataFrame, examples: dict):
    """metrics/explain.json: the explainer, its additivity, agreement with permutation importance, the top."""
    groups = table[table["level"] == "grouped"]
    rho = stats.spearmanr(groups["mean_abs_shap"], groups["permutation_importance"]).statistic
    return {
        "explainer": explanation.explainer,
        "explained_output": explanation.output,
        "explained_customers": len(explanation.values),
        "test_customers": test_customers,
        "additivity_max_abs_error": errors,
        "spearman_shap_vs_permutation": float(rho),
        "top_features": [
            {"feature": r.feature, "mean_abs_shap": r.mean_abs_shap, "direction": r.direction}
            for r in groups.head(5).itertuples()
        ],
        "example_customers": examples,
    }
