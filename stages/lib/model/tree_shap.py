"""Exact interventional SHAP values of tree ensembles (SHAP's TreeExplainer), also through a calibrator.

scikit-learn's trees send a customer left when the value, as a float32, is at most the float64 threshold.
SHAP's interventional algorithm compares with the threshold cut to float32, and a threshold between two
adjacent float32 values then sends some customers the other way: their values stop adding up to the
model's output (seen here: 0.006 on 17 of 244 test customers, shap 0.51). So the trees are handed to
SHAP in cell space: each feature's value becomes the number of the forest's thresholds below it, each
threshold k + 0.5. Whole and half numbers are exact in float32, every customer follows the path
scikit-learn follows, and the values add up to the model's output.
"""

from __future__ import annotations

import numpy as np
from sklearn.tree import BaseDecisionTree

from stages.lib.model.calibration import CalibratedModel


def sklearn_trees(model) -> list | None:
    """The fitted scikit-learn trees of a tree or a forest (None for other models, e.g. boosted ones)."""
    if isinstance(model, BaseDecisionTree):
        return [model]
    trees = getattr(model, "estimators_", None)
    return list(trees) if trees is not None and all(isinstance(t, BaseDecisionTree) for t in trees) else None


def cut_points(trees: list, features: int) -> list[np.ndarray]:
    """Per feature, the sorted distinct thresholds of every tree."""
    cuts = [[] for _ in range(features)]
    for tree in trees:
        inner = tree.tree_.children_left >= 0
        for feature, threshold in zip(tree.tree_.feature[inner], tree.tree_.threshold[inner], strict=True):
            cuts[feature].append(threshold)
    return [np.unique(np.asarray(c, dtype=np.float64)) for c in cuts]


def to_cells(X: np.ndarray, cuts: list[np.ndarray]) -> np.ndarray:
    """Each value as the number of thresholds below the float32 value scikit-learn compares (NaN stays NaN)."""
    compared = np.asarray(X, dtype=np.float32).astype(np.float64)
    cells = np.column_stack([np.searchsorted(cut, compared[:, f], side="left") for f, cut in enumerate(cuts)])
    return np.where(np.isnan(compared), np.nan, cells.astype(np.float64))


def cell_tree(tree: BaseDecisionTree, cuts: list[np.ndarray], scaling: float) -> dict:
    """One tree in SHAP's dictionary form, in cell space, giving ``scaling`` x its class-1 share."""
    t = tree.tree_
    inner = t.children_left >= 0
    thresholds = np.array(
        [
            np.searchsorted(cuts[f], thr) + 0.5 if node else -2.0
            for f, thr, node in zip(t.feature, t.threshold, inner, strict=True)
        ]
    )
    shares = t.value[:, 0, :] / t.value[:, 0, :].sum(axis=1, keepdims=True)
    missing_left = getattr(t, "missing_go_to_left", np.ones(t.node_count, dtype=np.uint8)).astype(bool)
    return {
        "children_left": t.children_left,
        "children_right": t.children_right,
        "children_default": np.where(missing_left, t.children_left, t.children_right),
        "features": np.where(inner, t.feature, -2),
        "thresholds": thresholds,
        "values": shares[:, 1:2] * scaling,
        "node_sample_weight": t.weighted_n_node_samples.astype(np.float64),
    }


def tree_shap(model, background: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """(class-1 SHAP values of X's rows, base value): interventional TreeSHAP of the probability over
    ``background`` (each row's values depend on that row and the background alone)."""
    import shap  # only the exact explainers need it (seconds to import)

    trees = sklearn_trees(model)
    if trees is None:  # boosted trees: float64 thresholds, SHAP compares as the model does
        explainer = shap.TreeExplainer(
            model, data=background, model_output="probability", feature_perturbation="interventional"
        )
        values = np.asarray(explainer.shap_values(X))
        return (values[..., 1] if values.ndim == 3 else values), float(np.ravel(explainer.expected_value)[-1])
    cuts = cut_points(trees, X.shape[1])
    forest = {
        "trees": [cell_tree(tree, cuts, 1 / len(trees)) for tree in trees],
        "base_offset": 0.0,
        "tree_output": "raw_value",
        "objective": "squared_error",
        "input_dtype": np.float64,
        "internal_dtype": np.float64,
    }
    explainer = shap.TreeExplainer(
        forest, data=to_cells(background, cuts), model_output="raw", feature_perturbation="interventional"
    )
    values = np.asarray(explainer.shap_values(to_cells(X, cuts), check_additivity=False))
    return values.reshape(len(X), -1), float(np.ravel(explainer.expected_value)[-1])


def through_calibrator(
    model: CalibratedModel, values: np.ndarray, raw_base: float, X: np.ndarray
) -> tuple[np.ndarray, float]:
    """Raw TreeSHAP values of ``X`` (the trees' mean leaf share, before calibration) as values of the calibrated
    probability: each customer's values scaled by the calibrator's secant between the base score and the
    customer's score. They add up exactly to the calibrated probability minus the calibrated base score and
    keep the raw values' signs and order (a calibrator never decreases), so each customer's reasons rank as
    the trees rank them."""
    raw = model.model.predict_proba(X)[:, 1]
    base = float(model.calibrator.predict(np.array([raw_base]))[0])
    gap = raw - raw_base
    # a score at the base (within 1e-12) moves the calibrated probability by nothing worth a reason
    secant = np.divide(model.calibrator.predict(raw) - base, gap, out=np.zeros_like(gap), where=np.abs(gap) > 1e-12)
    return values * secant[:, None], base


def calibrated_tree_shap(model: CalibratedModel, background: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """Exact SHAP values of a calibrated tree ensemble's probability: TreeSHAP of the raw score, through the
    calibrator (`through_calibrator`)."""
    return through_calibrator(model, *tree_shap(model.model, background, X), X)
