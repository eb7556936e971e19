"""The exact tree explanation checked against the model-agnostic estimator on the same customers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.lib.model.pipeline import expected_features
from stages.lib.model.shap_values import (
    Job,
    background_sample,
    coalition_plan,
    grouped,
    probability_of_decline,
    shapley_values,
    transform,
)
from stages.lib.model.tree_shap import through_calibrator, tree_shap

ADDITIVITY_TOLERANCE = 1e-6  # issue 22: the exact values add up to the model's output to this
CHECK_CUSTOMERS = 200  # test customers the exact explanation is checked on, drawn with the run's seed


def check_job(pipeline, test: pd.DataFrame, train: pd.DataFrame, seed: int) -> Job:
    """The test customers the check explains (at most CHECK_CUSTOMERS), the train customers as background."""
    return Job(pipeline, test.sample(min(CHECK_CUSTOMERS, len(test)), random_state=seed), train)


def top_reasons(values: np.ndarray, columns, features: list[str]) -> np.ndarray:
    """Each customer's input feature with the largest SHAP value (one-hot columns summed back)."""
    return grouped(pd.DataFrame(values, columns=columns), features).to_numpy().argmax(axis=1)


def agnostic(model, X: np.ndarray, background: np.ndarray, permutations: int, seed: int, output) -> np.ndarray:
    """The permutation estimator's values of ``output(model, rows)`` with equal background weights."""
    plan = coalition_plan(X, background, permutations, seed)
    return shapley_values(plan, output(model, plan.inputs), np.ones(len(background)))


def raw_score(model, X: np.ndarray) -> np.ndarray:
    return model.model.predict_proba(X)[:, 1]


def exact_vs_model_agnostic(job: Job, size: int, permutations: int, seed: int) -> dict:
    """A calibrated tree ensemble's exact explanation of ``job.rows`` against the permutation estimator
    (``permutations`` feature orders) with the same background rows: of the raw score, which TreeSHAP
    computes exactly (the estimator's noise apart, the top reasons should agree), and of the calibrated
    probability, whose values the calibrator's steps may reorder (the exact ones are the raw ones scaled).
    Each: the share of customers with the same top reason; and how exactly each adds up."""
    pipeline, model = job.pipeline, job.pipeline[-1]
    X = transform(pipeline, job.rows).to_numpy()
    background = background_sample(transform(pipeline, job.background).to_numpy(), size, seed)
    columns, features = pipeline[:-1].get_feature_names_out(), expected_features(pipeline)
    top = lambda values: top_reasons(values, columns, features)  # noqa: E731
    raw, raw_base = tree_shap(model.model, background, X)
    mapped, base = through_calibrator(model, raw, raw_base, X)
    result = {"customers": len(X), "permutations": permutations}
    for name, exact, output in (("raw_score", raw, raw_score), ("calibrated", mapped, probability_of_decline)):
        values = agnostic(model, X, background, permutations, seed, output)
        result[f"same_top_reason_share_{name}"] = float((top(exact) == top(values)).mean())
    probability, score = probability_of_decline(model, X), raw_score(model, X)
    error = max(np.abs(base + mapped.sum(axis=1) - probability).max(), np.abs(raw_base + raw.sum(axis=1) - score).max())
    result["exact_additivity_max_abs_error"] = float(error)
    # the metrics keep 4 decimals: the error itself rounds to 0, this says how small it is
    result[f"exact_additivity_within_{ADDITIVITY_TOLERANCE:.0e}"] = bool(error <= ADDITIVITY_TOLERANCE)
    return result
