"""Pure evaluation functions on tiny examples whose answer is known: threshold rules, curves, bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from stages.lib.model.evaluation import bootstrap_auc, choose_threshold, confusion_records, roc_points, score_histogram


def test_threshold_rules_on_a_known_example():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.6, 0.4, 0.7, 0.9])
    assert choose_threshold(y, p, "max_f1", 0.8) == pytest.approx(0.4)
    # Youden's J = TPR − FPR has one maximum here, 0.6 (J 2/3 − 1/5), where F1's first best is 0.3 (J 1 − 3/5)
    y8, p8 = np.array([0, 0, 0, 0, 0, 1, 1, 1]), np.array([0.1, 0.2, 0.35, 0.5, 0.8, 0.3, 0.6, 0.9])
    assert choose_threshold(y8, p8, "youden", 0.8) == pytest.approx(0.6)
    assert choose_threshold(y8, p8, "max_f1", 0.8) == pytest.approx(0.3)
    assert choose_threshold(y, p, "min_recall", 1.0) == pytest.approx(0.4)
    assert choose_threshold(y, p, "min_recall", 0.6) == pytest.approx(0.7)


def test_roc_points_are_finite_and_bootstrap_interval_is_ordered():
    y, p = np.array([0, 1, 0, 1, 1, 0]), np.array([0.2, 0.8, 0.4, 0.6, 0.9, 0.1])
    assert all(np.isfinite(point["threshold"]) for point in roc_points(y, p))
    low, high = bootstrap_auc(y, p, 100, 0)
    assert 0 <= low <= high <= 1


def test_rank_based_bootstrap_matches_scikit_learn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 120)
    p = np.round(rng.random(120) + 0.4 * y, 1)  # rounded: ties on purpose
    rows = np.random.default_rng(5).integers(0, 120, size=(300, 120))
    expected = np.percentile([roc_auc_score(y[r], p[r]) for r in rows], [2.5, 97.5])
    assert bootstrap_auc(y, p, 300, 5) == pytest.approx(tuple(expected))


def test_score_histogram_shares_sum_to_one_per_class():
    y, p = np.array([0, 0, 1, 1, 1]), np.array([0.0, 0.3, 0.5, 0.99, 1.0])
    rows = score_histogram(y, p, 4)
    assert sum(r["declined"] for r in rows) == pytest.approx(1.0)
    assert sum(r["same_level"] for r in rows) == pytest.approx(1.0)
    assert rows[-1]["declined"] == pytest.approx(2 / 3)  # 0.99 and 1.0 fall in the last, closed bin


def test_confusion_records_use_the_class_words():
    records = confusion_records(np.array([0, 1]), np.array([0.9, 0.1]), 0.5)
    assert records == [
        {"actual": "Same level", "predicted": "Declined"},
        {"actual": "Declined", "predicted": "Same level"},
    ]
