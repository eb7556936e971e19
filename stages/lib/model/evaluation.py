"""Evaluation on the untouched test set: threshold from out-of-fold scores, metrics, plot data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from stages.lib.model.calibration import (
    calibration_method,
    calibration_noise,
    expected_calibration_error,
    reliability_table,
    uncalibrated,
)
from stages.lib.model.pipeline import model_input, predict_risk
from stages.lib.schema import TARGET
from stages.lib.settings import Evaluate
from stages.lib.words import CLASS_NAMES


def choose_threshold(y: np.ndarray, probability: np.ndarray, rule: str, min_recall: float) -> float:
    """Decision threshold from out-of-fold predictions: ``max_f1`` the one with the best F1, ``youden``
    max(TPR - FPR), ``min_recall`` the highest that still catches ``min_recall`` of the declining customers."""
    if rule == "max_f1":
        precision, recall, thresholds = precision_recall_curve(y, probability)
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        return float(thresholds[np.argmax(f1[:-1])])
    fpr, tpr, thresholds = roc_curve(y, probability)
    best = np.argmax(tpr - fpr) if rule == "youden" else np.argmax(tpr >= min_recall)
    return float(min(thresholds[best], 1.0))  # scikit-learn's first threshold is +inf


def bootstrap_auc(y: np.ndarray, probability: np.ndarray, n_resamples: int, seed: int) -> tuple[float, float]:
    """95% percentile interval of ROC-AUC over bootstrap resamples of the test customers, computed from
    ranks (the Mann-Whitney statistic), all resamples at once."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(y), size=(n_resamples, len(y)))
    labels, ranks = y[rows], stats.rankdata(probability[rows], axis=1)  # ties get average ranks
    positives = labels.sum(axis=1)
    negatives = len(y) - positives
    valid = (positives > 0) & (negatives > 0)  # a resample with one class has no AUC
    rank_sum = (ranks * labels).sum(axis=1)
    auc = (rank_sum[valid] - positives[valid] * (positives[valid] + 1) / 2) / (positives[valid] * negatives[valid])
    low, high = np.percentile(auc, [2.5, 97.5])
    return float(low), float(high)


def scores(y: np.ndarray, probability: np.ndarray, threshold: float) -> dict:
    predicted = (probability >= threshold).astype(int)
    return {
        "roc_auc": roc_auc_score(y, probability),
        "pr_auc": average_precision_score(y, probability),
        "brier": brier_score_loss(y, probability),
        "recall": recall_score(y, predicted, zero_division=0),
        "precision": precision_score(y, predicted, zero_division=0),
        "f1": f1_score(y, predicted, zero_division=0),
    }


def roc_points(y, probability) -> list[dict]:
    fpr, tpr, thresholds = roc_curve(y, probability, drop_intermediate=True)
    thresholds = np.minimum(thresholds, 1.0)  # scikit-learn starts at +inf, which strict JSON rejects
    return [{"fpr": a, "tpr": b, "threshold": t} for a, b, t in zip(fpr, tpr, thresholds, strict=True)]


def pr_points(y, probability) -> list[dict]:
    precision, recall, thresholds = precision_recall_curve(y, probability, drop_intermediate=True)
    points = pd.DataFrame({"recall": recall, "precision": precision, "threshold": np.append(thresholds, 1.0)})
    return points.to_dict("records")


def score_histogram(y, probability, bins: int) -> list[dict]:
    """Share of each class per probability bin (shares, so that class sizes do not hide the shape)."""
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.searchsorted(edges, probability, side="right") - 1, 0, bins - 1)  # the last bin is closed
    shares = {
        name: np.bincount(index[y == label], minlength=bins) / max((y == label).sum(), 1)
        for name, label in (("declined", 1), ("same_level", 0))
    }
    return pd.DataFrame({"probability": (edges[:-1] + edges[1:]) / 2, **shares}).to_dict("records")


def confusion_records(y, probability, threshold) -> list[dict]:
    predicted = (probability >= threshold).astype(int)
    return [{"actual": CLASS_NAMES[a], "predicted": CLASS_NAMES[p]} for a, p in zip(y, predicted, strict=True)]


NOISE_DRAWS = 1000  # outcome draws behind the calibration error's noise floor


def calibration_study(y_oof, raw_oof, p_oof, y_test, raw_test, p_test, bins: int, seed: int) -> tuple[dict, dict]:
    """Brier and calibration error before and after calibration, out of fold and on test, and the
    reliability diagrams of all four (plus the diagonal a calibrated model follows)."""
    cases = {  # metrics key: (reliability plot, outcomes, probabilities)
        "test_uncalibrated": ("test_uncalibrated", y_test, raw_test),
        "test": ("test_calibrated", y_test, p_test),
        "train_out_of_fold_uncalibrated": ("oof_uncalibrated", y_oof, raw_oof),
        "train_out_of_fold": ("oof_calibrated", y_oof, p_oof),
    }
    metrics, plots = {"bins": bins}, {}
    for key, (name, y, p) in cases.items():
        metrics[key] = {
            "brier": brier_score_loss(y, p),
            "calibration_error": expected_calibration_error(y, p, bins),
            "calibration_error_noise": calibration_noise(p, bins, NOISE_DRAWS, seed),
        }
        table = reliability_table(y, p, bins)  # per equal-width bin: mean probability, observed rate, customers
        plots[f"reliability_{name}.json"] = {"reliability": table[table["customers"] > 0].to_dict("records")}
    plots["reliability_diagonal.json"] = {"reliability": [{"predicted": v, "observed": v} for v in (0.0, 1.0)]}
    return metrics, plots


BAND_MEASURES = ("roc_auc", "brier", "calibration_error", "recall")


def configuration(pipeline) -> str:
    """The fitted pipeline's configuration in words: every plain hyperparameter, estimators by class
    name, and its calibration method. Two pipelines with the same text are the same configuration."""
    params = uncalibrated(pipeline).get_params(deep=True)
    shown = "; ".join(f"{key}={plain(value)}" for key, value in sorted(params.items()))
    return f"{shown}; calibration={calibration_method(pipeline)}"


def plain(value) -> str:
    """A hyperparameter as stable text: no memory addresses (estimators and functions by name)."""
    if hasattr(value, "get_params"):
        return type(value).__name__
    if isinstance(value, list | tuple):
        return "[" + ", ".join(plain(item) for item in value) + "]"
    if callable(value):
        return getattr(value, "__qualname__", type(value).__name__)
    return repr(value)


def band_report(band: dict, pipeline, official: dict) -> dict:
    """Where the official split's test figures fall among the other splits' draws (the stage `band`), if
    that band was made for this very configuration; otherwise what to do."""
    if band["configuration"] != configuration(pipeline):
        return {"status": "stale: the band was made for another configuration; run `dvc repro band`"}
    draws = pd.DataFrame(band["draws"])
    position = {"status": "current", "splits": len(draws)}
    for measure in BAND_MEASURES:
        values = draws[measure].to_numpy()
        position[measure] = {
            "official": official[measure],
            "band_mean": float(values.mean()),
            "band_std": float(values.std(ddof=1)),
            "band_low_2_5": float(np.percentile(values, 2.5)),
            "band_high_97_5": float(np.percentile(values, 97.5)),
            "official_percentile": float((values < official[measure]).mean() * 100),
        }
    return position


def evaluate(
    train: pd.DataFrame, test: pd.DataFrame, oof: pd.DataFrame, pipeline, settings: Evaluate, seed: int, band: dict
) -> dict:
    """All metrics and plot data. The threshold and the out-of-fold figures use each train customer's
    cross-fitted calibrated probability (neither its model nor its calibrator saw it)."""
    y_test, y_oof = test[TARGET].to_numpy(), oof[TARGET].to_numpy()
    p_test, p_oof = predict_risk(pipeline, test), oof["probability"].to_numpy()
    raw_test, raw_oof = predict_risk(uncalibrated(pipeline), test), oof["score"].to_numpy()
    threshold = choose_threshold(y_oof, p_oof, settings.threshold.rule, settings.threshold.min_recall)
    low, high = bootstrap_auc(y_test, p_test, settings.bootstrap_resamples, seed)
    dummy = DummyClassifier(strategy="prior").fit(model_input(train), train[TARGET])  # ignores features
    p_dummy = dummy.predict_proba(model_input(test))[:, 1]
    calibration, reliability = calibration_study(
        y_oof, raw_oof, p_oof, y_test, raw_test, p_test, settings.calibration_bins, seed
    )
    metrics = {
        "threshold": threshold,
        "threshold_rule": settings.threshold.rule,
        "calibration_method": calibration_method(pipeline),
        "test": {**scores(y_test, p_test, threshold), "roc_auc_ci95_low": low, "roc_auc_ci95_high": high},
        "train_out_of_fold": scores(y_oof, p_oof, threshold),
        "dummy_test": scores(y_test, p_dummy, threshold),
        "calibration": calibration,
        "test_customers": len(test),
        "test_declined": int(y_test.sum()),
    }
    official = {**metrics["test"], "calibration_error": calibration["test"]["calibration_error"]}
    metrics["test_band"] = band_report(band, pipeline, official)
    plots = {
        "roc_test.json": {"roc": roc_points(y_test, p_test)},
        "roc_train_oof.json": {"roc": roc_points(y_oof, p_oof)},
        "pr_test.json": {"pr": pr_points(y_test, p_test)},
        "pr_train_oof.json": {"pr": pr_points(y_oof, p_oof)},
        "confusion_test.json": {"confusion": confusion_records(y_test, p_test, threshold)},
        "scores_test.json": {"scores": score_histogram(y_test, p_test, settings.histogram_bins)},
        **reliability,
    }
    return {"metrics": metrics, "plots": plots, "test_probability": p_test}
