"""SHAP on tiny data whose answers are known: the permutation estimator and its shared work
(stages/lib/model/shap_values.py), the worker pool (stages/io/process_pool.py, stages/io/workers.py),
grouping, the importance table and the permutation cross-check (stages/lib/model/importance.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from stages.io.process_pool import worker_pool
from stages.io.workers import submit
from stages.lib.model.importance import (
    additivity_errors,
    direction,
    example_customers,
    importance_table,
    permutation_check,
)
from stages.lib.model.pipeline import BINARY_LEVELS, NOMINAL_LEVELS, make_pipeline, model_input, predict_risk
from stages.lib.model.shap_values import (
    SHAP_DECIMALS,
    Job,
    coalition_plan,
    coalitions,
    combine,
    distinct_rows,
    feature_orders,
    fold_jobs,
    grouped,
    kmeans_summary,
    model_output,
    per_customer,
    plan_work,
    shapley_values,
    weighted_mean,
)
from stages.lib.schema import BINARY_FEATURES, FEATURES, ID, NOMINAL_FEATURES, NUMERIC_FEATURES, TARGET


def customers(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Every model feature, a few distinct values each (so coalitions repeat), and a learnable target."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f: rng.integers(0, 4, n).astype(float) for f in NUMERIC_FEATURES})
    for feature in BINARY_FEATURES:
        frame[feature] = rng.choice(BINARY_LEVELS[feature], n)
    for feature in NOMINAL_FEATURES:
        frame[feature] = rng.choice(NOMINAL_LEVELS[feature], n)
    frame[TARGET] = (frame[NUMERIC_FEATURES[0]] + rng.normal(0, 1, n) > 1.5).astype(int)
    frame.insert(0, ID, np.arange(1000, 1000 + n))
    return frame.set_index(ID, drop=False)


def fitted(model, frame: pd.DataFrame):
    return make_pipeline(model).fit(model_input(frame, FEATURES), frame[TARGET])


def estimate(predict, X, background, weights, permutations, seed):
    """The permutation estimator as `plan_work` runs it: the plan's distinct inputs, predicted at once."""
    plan = coalition_plan(X, background, permutations, seed)
    return shapley_values(plan, predict(plan.inputs), weights)


def every_combination_shap(predict, X, background, weights, permutations, seed):
    """The estimator without shared work: every (row, step of every order, background row) predicted."""
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    rows, features = X.shape
    values = np.zeros(X.shape)
    orders = feature_orders(features, permutations, seed)
    for order in orders:
        included = np.zeros((features + 1, features), dtype=bool)
        for step in range(1, features + 1):
            included[step, order[:step]] = True
        batch = np.where(included[None, :, None, :], X[:, None, None, :], background[None, None, :, :])
        outputs = predict(batch.reshape(-1, features)).reshape(rows, features + 1, len(background))
        means = sum(outputs[..., k] * weight for k, weight in enumerate(weights))  # in background order
        values[:, order] += np.diff(means, axis=1)
    return values / len(orders)


def nonlinear(Z: np.ndarray) -> np.ndarray:
    return np.tanh(Z[:, 0] * Z[:, 1]) + Z[:, 2] ** 2 - np.maximum(Z[:, 3], 1)


# --- the estimator ---


@pytest.mark.parametrize("permutations", [2, 6])
def test_a_linear_functions_values_are_its_exact_shapley_values(permutations):
    rng = np.random.default_rng(1)
    X, background, weights = rng.normal(size=(7, 4)), rng.normal(size=(5, 4)), rng.uniform(1, 3, 5)
    w = np.array([0.5, -2.0, 1.5, 3.0])
    values = estimate(lambda Z: Z @ w + 0.3, X, background, weights, permutations, seed=0)
    np.testing.assert_allclose(values, (X - np.average(background, axis=0, weights=weights)) * w, atol=1e-12)


def test_shared_work_gives_exactly_the_values_of_predicting_every_combination():
    rng = np.random.default_rng(2)
    X, background = rng.integers(0, 3, (30, 4)).astype(float), rng.integers(0, 2, (6, 4)).astype(float)
    weights, calls = rng.uniform(1, 2, 6), []

    def predict(Z):
        calls.append(len(Z))
        return nonlinear(Z)

    shared = estimate(predict, X, background, weights, permutations=6, seed=3)
    assert np.array_equal(shared, every_combination_shap(nonlinear, X, background, weights, 6, 3))
    assert len(calls) == 1 and calls[0] < len(X) * 6 * 5 * len(background) / 4  # repeats are predicted once
    base = np.average(nonlinear(background), weights=weights)
    np.testing.assert_allclose(base + shared.sum(axis=1), nonlinear(X), atol=1e-12)  # exactly additive


def test_the_estimator_matches_exact_shapley_values():
    rng = np.random.default_rng(0)
    X, background = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    predict = lambda Z: np.tanh(Z[:, 0] * Z[:, 1]) + Z[:, 2] ** 2  # noqa: E731  (interactions on purpose)
    exact = shap.ExactExplainer(predict, shap.maskers.Independent(background, max_samples=4))(X).values
    sampled = estimate(predict, X, background, np.ones(4), permutations=400, seed=1)
    np.testing.assert_allclose(sampled, exact, atol=0.03)
    base = predict(background).mean()
    np.testing.assert_allclose(base + sampled.sum(axis=1), predict(X), atol=1e-12)  # exactly additive


def test_the_weighted_mean_does_not_depend_on_memory_layout():
    outputs = np.random.default_rng(8).uniform(size=(50, 7, 10))
    weights = np.random.default_rng(9).uniform(size=10)
    strided = np.repeat(outputs, 2, axis=-1)[..., ::2]
    assert np.array_equal(weighted_mean(outputs, weights), weighted_mean(strided, weights))
    np.testing.assert_allclose(weighted_mean(outputs, weights), outputs @ weights, rtol=1e-14)


def test_each_rows_values_depend_on_that_row_alone():
    rng = np.random.default_rng(4)
    X, background = rng.integers(0, 3, (20, 4)).astype(float), rng.normal(size=(4, 4))
    whole = estimate(nonlinear, X, background, np.ones(4), 4, seed=5)
    pieces = [estimate(nonlinear, X[part], background, np.ones(4), 4, seed=5) for part in np.split(np.arange(20), 4)]
    assert np.array_equal(whole, np.vstack(pieces))


def test_orders_come_in_antithetic_pairs_and_share_the_empty_and_full_coalitions():
    orders = feature_orders(5, permutations=6, seed=0)
    assert len(orders) == 6 and all(np.array_equal(orders[i][::-1], orders[i + 3]) for i in range(3))
    masks, steps = coalitions(orders, 5)
    assert not masks[steps[:, 0]].any() and masks[steps[:, -1]].all()
    assert len(masks) == len({tuple(m) for m in masks}) < 6 * 6


def test_a_plan_reads_back_every_combination():
    rng = np.random.default_rng(6)
    X, background = rng.integers(0, 2, (8, 3)).astype(float), rng.integers(0, 2, (4, 3)).astype(float)
    plan = coalition_plan(X, background, 2, seed=0)
    masks, _ = coalitions(plan.orders, 3)
    for coalition, mask in enumerate(masks):
        expected = np.where(mask, X[:, None, :], background[None, :, :])
        assert np.array_equal(plan.inputs[plan.where[:, coalition, :]], expected)
    assert len(plan.inputs) == len(np.unique(plan.inputs, axis=0))


def test_rows_of_no_columns_are_one_row():
    unique, which = distinct_rows(np.empty((4, 0)))
    assert len(unique) == 1 and which.tolist() == [0, 0, 0, 0]


def test_kmeans_summary_is_shaps():
    data = np.random.default_rng(7).normal(size=(80, 3)).round(1)
    centres, weights = kmeans_summary(data, 5)
    summary = shap.kmeans(data, 5)
    assert np.array_equal(centres, summary.data) and np.array_equal(weights, summary.weights)


# --- explaining pipelines, in worker processes ---


@pytest.mark.parametrize(
    "model",
    [KNeighborsClassifier(5), ExtraTreesClassifier(20, random_state=0), LogisticRegression()],
    ids=["permutation", "tree", "linear"],
)
def test_explanations_add_up_to_what_they_explain(model):
    frame = customers()
    pipeline, test = fitted(model, frame.iloc[:45]), frame.iloc[45:]
    with worker_pool() as pool:
        explanation = submit(pool, Job(pipeline, test, frame.iloc[:45]), 6, 4, seed=0, piece_rows=50).result()
    expected = model_output(pipeline, test, explanation.output)
    np.testing.assert_allclose(explanation.model_output(), expected, atol=1e-6)  # tree SHAP: float32 thresholds
    assert list(explanation.values.columns) == list(explanation.display.columns)
    assert explanation.display["pages_per_visit"].equals(test["pages_per_visit"])  # raw units


def test_the_pool_gives_exactly_the_in_process_values():
    frame = customers()
    pipeline, test, train = fitted(KNeighborsClassifier(5), frame.iloc[:45]), frame.iloc[45:], frame.iloc[:45]
    with worker_pool() as pool:
        pending = submit(pool, Job(pipeline, test, train), 6, 4, seed=0, piece_rows=100)
        pooled = pending.result()
    assert len(pending.futures) > 1  # the inputs were cut into pieces
    work = plan_work(Job(pipeline, test, train), 6, 4, seed=0, piece_rows=10**9)
    [(task, arguments)] = work.tasks
    assert pooled.values.equals(work.explanation([task(*arguments)]).values)  # one task, in this process
    view = pipeline[:-1]
    centres, weights = kmeans_summary(view.transform(model_input(train, FEATURES)), 6)
    predict = lambda Z: pipeline[-1].predict_proba(Z)[:, 1]  # noqa: E731
    direct = estimate(predict, view.transform(model_input(test, FEATURES)), centres, weights, 4, seed=0)
    # the explanation keeps SHAP_DECIMALS decimals (the last bits follow the CPU's kernels)
    assert np.array_equal(pooled.values[view.get_feature_names_out()].to_numpy(), np.round(direct, SHAP_DECIMALS))


def test_each_train_customer_is_explained_by_the_model_that_never_saw_it():
    train = customers(30)
    oof = pd.DataFrame({ID: train[ID].to_numpy(), "fold": np.arange(30) % 3})
    jobs = fold_jobs(["model 0", "model 1", "model 2"], train, oof)
    assert [job.pipeline for job in jobs] == ["model 0", "model 1", "model 2"]
    assert sorted(i for job in jobs for i in job.rows.index) == sorted(train.index)
    for number, job in enumerate(jobs):
        assert (oof.set_index(ID).loc[job.rows.index, "fold"] == number).all()
        assert job.background.index.intersection(job.rows.index).empty
        assert len(job.background) + len(job.rows) == len(train)


# --- what the explanations say ---


def test_one_hot_columns_are_summed_into_their_feature_in_feature_order():
    values = pd.DataFrame(
        {"favourite_category_a": [0.2, 0.1], "pages_per_visit": [0.1, -0.3], "favourite_category_b": [-0.05, 0.0]}
    )
    summed = grouped(values, ["pages_per_visit", "favourite_category", "service_errors"])
    assert list(summed.columns) == ["pages_per_visit", "favourite_category", "service_errors"]
    np.testing.assert_allclose(summed.to_numpy(), [[0.1, 0.15, 0.0], [-0.3, 0.1, 0.0]])


def test_direction_reads_the_sign_of_the_rank_correlation():
    rising = pd.Series([1.0, 2.0, 3.0, 4.0])
    assert direction(rising, pd.Series([-0.2, 0.0, 0.1, 0.3])) == "higher value, higher risk"
    assert direction(rising, pd.Series([0.3, 0.1, 0.0, -0.2])) == "higher value, lower risk"
    assert direction(pd.Series([1.0] * 4), pd.Series([0.1, 0.2, 0.3, 0.4])) == "none"
    assert direction(rising, pd.Series([0.0] * 4)) == "none"


def test_importance_table_groups_columns_and_joins_permutation_importance():
    frame = customers()
    pipeline, test = fitted(KNeighborsClassifier(5), frame.iloc[:45]), frame.iloc[45:]
    with worker_pool() as pool:
        explanation = submit(pool, Job(pipeline, test, frame.iloc[:45]), 6, 2, seed=0).result()
    permutation = pd.DataFrame({"permutation_importance": 0.01, "permutation_std": 0.0}, index=FEATURES)
    table = importance_table(explanation, test.index, FEATURES, permutation)
    groups = table[table["level"] == "grouped"]
    assert sorted(groups["feature"]) == sorted(FEATURES)
    assert groups["mean_abs_shap"].is_monotonic_decreasing
    assert (groups.loc[groups["feature"].isin(NOMINAL_FEATURES), "direction"] == "categorical").all()
    columns = table[table["level"] == "column"]
    assert set(columns["feature"]) == set(explanation.values.columns) and columns["permutation_importance"].isna().all()


def test_permutation_check_is_scikit_learns_permutation_importance():
    frame = customers(80)
    for model in (KNeighborsClassifier(5), LogisticRegression()):  # the scorer ranks by proba / decision function
        pipeline = fitted(model, frame.iloc[:50])
        test = frame.iloc[50:]
        ours = permutation_check(pipeline, test, repeats=3, seed=4)
        sklearn = permutation_importance(
            pipeline, model_input(test, FEATURES), test[TARGET], scoring="roc_auc", n_repeats=3, random_state=4
        )
        assert np.array_equal(ours["permutation_importance"].to_numpy(), sklearn.importances_mean)
        assert np.array_equal(ours["permutation_std"].to_numpy(), sklearn.importances_std)


def test_example_customers_break_ties_by_smallest_id():
    test = pd.DataFrame({ID: [7, 3, 5, 9]})
    examples = example_customers(test, np.array([0.9, 0.9, 0.5, 0.1]), threshold=0.5)
    assert examples == {"highest_risk": 3, "near_threshold": 5, "lowest_risk": 9}


def test_per_customer_values_and_additivity_errors():
    frame = customers()
    pipeline, test = fitted(LogisticRegression(), frame.iloc[:45]), frame.iloc[45:]
    with worker_pool() as pool:
        explanation = submit(pool, Job(pipeline, test, frame.iloc[:45]), 6, 2, seed=0).result()
    table = per_customer(combine([explanation]), FEATURES)
    assert list(table.columns) == [ID, "shap_base_value", *(f"shap_{f}" for f in FEATURES)]
    assert table[ID].is_monotonic_increasing
    oof = pd.DataFrame({ID: test[ID].to_numpy(), "probability": predict_risk(pipeline, test)})  # as if out of fold
    errors = additivity_errors(explanation, pipeline, test, oof)
    assert explanation.output == "log_odds" and max(errors.values()) < 1e-9
