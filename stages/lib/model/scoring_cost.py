"""What a fitted pipeline costs to score, per customer: operations counted on a fixed batch, priced in
microseconds by per-operation times measured on the pinned kernels (`train.cost` in params.yaml,
`make trade` measures them again).

Counted, not timed: a timing differs from run to run and from machine to machine, and the model must not
change with the load on the machine that trained it. The count is exact for the batch and the same bytes
everywhere; the prices turn it into a time a person can weigh. What is counted is what grows with the
model: tree nodes visited, distance terms to stored customers, kernel terms to support vectors, weights.
Preprocessing is the same for every candidate and is left out.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from stages.lib.model.calibration import inner_model
from stages.lib.model.pipeline import expected_features, model_input
from stages.lib.settings import Cost

OPERATIONS = ("tree_node", "distance_term", "kernel_term", "linear_term")  # the kinds priced in train.cost


def hist_boosting_nodes(model: HistGradientBoostingClassifier) -> float:
    """Nodes a customer passes through the boosted trees: each tree's leaf depth weighted by the
    training customers the leaf holds (these trees do not report the path of a new row)."""
    total = 0.0
    for (predictor,) in model._predictors:  # one tree per iteration for a binary target
        leaves = predictor.nodes[predictor.nodes["is_leaf"].astype(bool)]
        total += float(np.average(leaves["depth"] + 1, weights=leaves["count"]))
    return total


def operations(model, X: np.ndarray) -> Counter:
    """Operations per customer of a fitted model step over the preprocessed batch ``X``."""
    model = inner_model(model)  # the calibrator is one formula per customer: nothing to count
    if isinstance(model, VotingClassifier):
        return sum((operations(member, X) for member in model.estimators_), Counter())
    if isinstance(model, CalibratedClassifierCV):
        return sum((operations(c.estimator, X) for c in model.calibrated_classifiers_), Counter())
    if isinstance(model, HistGradientBoostingClassifier):
        return Counter(tree_node=hist_boosting_nodes(model))
    if hasattr(model, "decision_path"):  # decision tree, random forest, extra trees
        indicator = model.decision_path(X)
        indicator = indicator[0] if isinstance(indicator, tuple) else indicator  # forests add tree offsets
        return Counter(tree_node=indicator.nnz / len(X))
    if isinstance(model, KNeighborsClassifier):
        return Counter(distance_term=model.n_samples_fit_ * model.n_features_in_)
    if isinstance(model, SVC):
        return Counter(kernel_term=len(model.support_) * model.n_features_in_)
    if isinstance(model, LogisticRegression):
        return Counter(linear_term=model.n_features_in_)
    if isinstance(model, DummyClassifier):
        return Counter()
    raise TypeError(f"no operation count for {type(model).__name__}: add it to stages/lib/model/scoring_cost.py")


def scoring_cost(pipeline: Pipeline, batch: pd.DataFrame, prices: Cost) -> dict:
    """Operations per customer of the fitted ``pipeline`` on ``batch``, the columns its model sees, and the
    operations' price in µs per customer."""
    X = pipeline[:-1].transform(model_input(batch, expected_features(pipeline)))
    counted = operations(pipeline[-1], np.asarray(X, dtype=float))
    nanoseconds = sum(counted[kind] * getattr(prices, f"ns_per_{kind}") for kind in OPERATIONS)
    return {f"{kind}s_per_customer": float(counted[kind]) for kind in OPERATIONS} | {
        "model_columns": int(np.shape(X)[1]),
        "cost_us_per_customer": nanoseconds / 1000,
    }
