"""Scoring cost: operations counted exactly and the same every time, priced by train.cost."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from stages.io.files import read_parquet
from stages.io.model_store import load_model
from stages.lib.model.calibration import CalibratedModel, Calibrator, inner_model
from stages.lib.model.families import make_family
from stages.lib.model.scoring_cost import OPERATIONS, operations, scoring_cost
from stages.lib.settings import Cost


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 5))
    return X, (X[:, 0] + rng.normal(0, 1, 200) > 0).astype(int)


def test_a_tree_counts_the_nodes_each_customer_passes(data):
    X, y = data
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    counted = operations(tree, X)
    assert counted["tree_node"] == pytest.approx(tree.decision_path(X).sum(axis=1).mean())
    assert 2 <= counted["tree_node"] <= 4  # the root and at most three more levels


def test_a_forest_counts_every_tree_and_a_vote_adds_its_members(data):
    X, y = data
    forest = ExtraTreesClassifier(n_estimators=7, random_state=0).fit(X, y)
    one = sum(operations(t, X)["tree_node"] for t in forest.estimators_)
    assert operations(forest, X)["tree_node"] == pytest.approx(one)
    knn = KNeighborsClassifier(n_neighbors=5).fit(X, y)
    assert operations(knn, X) == {"distance_term": 200 * 5}
    vote = VotingClassifier([("knn", knn), ("trees", forest)], voting="soft").fit(X, y)
    assert operations(vote, X)["distance_term"] == 1000 and operations(vote, X)["tree_node"] > 0


def test_kernels_weights_boosted_trees_and_a_calibrator(data):
    X, y = data
    svc = make_family("svc", 0).fit(X, y)  # calibrated SVC: one SVC on all rows (ensemble=False)
    support = sum(len(c.estimator.support_) for c in svc.calibrated_classifiers_)
    assert operations(svc, X) == {"kernel_term": support * 5}
    assert operations(LogisticRegression().fit(X, y), X) == {"linear_term": 5}
    boosted = HistGradientBoostingClassifier(max_iter=10, max_depth=2, random_state=0).fit(X, y)
    assert 10 <= operations(boosted, X)["tree_node"] <= 10 * 3  # ten trees, at most three levels each
    forest = ExtraTreesClassifier(n_estimators=3, random_state=0).fit(X, y)
    wrapped = CalibratedModel(forest, Calibrator("sigmoid").fit(forest.predict_proba(X)[:, 1], y))
    assert operations(wrapped, X) == operations(forest, X)  # the calibrator is one formula: not counted


def test_a_saved_pipeline_is_priced_by_its_counted_operations(workspace):
    root, _ = workspace
    model, train = load_model(root / "models/model.skops"), read_parquet(root / "data/prepared/train.parquet")
    prices = Cost(
        ns_per_tree_node=5.0, ns_per_distance_term=2.0, ns_per_kernel_term=1.5, ns_per_linear_term=3.0, ties_within=0.1
    )
    cost = scoring_cost(model, train, prices)
    assert cost == scoring_cost(model, train, prices)  # counted, not timed: the same every time
    counted = {kind: cost[f"{kind}s_per_customer"] for kind in OPERATIONS}
    assert sum(counted.values()) > 0
    expected = sum(counted[kind] * getattr(prices, f"ns_per_{kind}") for kind in OPERATIONS) / 1000
    assert cost["cost_us_per_customer"] == pytest.approx(expected)
    assert cost["model_columns"] == inner_model(model[-1]).n_features_in_
