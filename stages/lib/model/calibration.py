"""Calibration: a monotone map from the model's score to a probability that means what it says.

``sigmoid`` is Platt scaling on the score's log-odds, ``isotonic`` a non-decreasing step function; why
out of fold and inside the saved pipeline: docs/pipeline.md (Calibration).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.pipeline import Pipeline

from stages.lib.schema import TARGET
from stages.lib.settings import CALIBRATION_METHODS as METHODS  # in order of simplicity: ties go to the simpler

EDGE = 1e-6  # scores are clipped to [EDGE, 1 - EDGE] before their log-odds are taken
SETTLED_DECIMALS = 12  # iterative optimisers' outputs are rounded to this many decimals (model.settle_optimised)


class Calibrator(BaseEstimator):
    """score -> calibrated probability. Plain numbers and arrays only, so the saved archive needs no
    further trusted types."""

    def __init__(self, method: str = "sigmoid"):
        self.method = method

    def fit(self, score: np.ndarray, y: np.ndarray) -> Calibrator:
        score, y = np.asarray(score, dtype=float), np.asarray(y, dtype=int)
        if self.method == "sigmoid":
            log_odds = logit(np.clip(score, EDGE, 1 - EDGE)).reshape(-1, 1)
            fitted = LogisticRegression(C=1e6, solver="lbfgs").fit(log_odds, y)  # effectively unpenalised
            # rounded: the optimiser's last bits depend on the CPU's kernels (see model.settle_optimised)
            slope, intercept = float(fitted.coef_[0, 0]), float(fitted.intercept_[0])
            self.slope_, self.intercept_ = round(slope, SETTLED_DECIMALS), round(intercept, SETTLED_DECIMALS)
        elif self.method == "isotonic":
            fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(score, y)
            self.knots_x_, self.knots_y_ = fitted.X_thresholds_.copy(), fitted.y_thresholds_.copy()
        self.fitted_ = True
        return self

    def predict(self, score: np.ndarray) -> np.ndarray:
        score = np.asarray(score, dtype=float)
        if self.method == "sigmoid":
            return expit(self.slope_ * logit(np.clip(score, EDGE, 1 - EDGE)) + self.intercept_)
        if self.method == "isotonic":
            return np.interp(score, self.knots_x_, self.knots_y_)
        return score


class CalibratedModel(ClassifierMixin, BaseEstimator):
    """A fitted model step and the calibrator fitted on its out-of-fold scores. Never fitted as a whole
    (the calibrator needs out-of-fold scores, which only `train` has): `calibrate` builds it from fitted parts."""

    def __init__(self, model=None, calibrator: Calibrator | None = None):
        self.model = model
        self.calibrator = calibrator

    def __sklearn_is_fitted__(self) -> bool:
        return True

    @property
    def classes_(self) -> np.ndarray:
        return self.model.classes_

    def fit(self, X, y):
        raise TypeError("a CalibratedModel is assembled from fitted parts by stages.lib.model.calibration.calibrate")

    def predict_proba(self, X) -> np.ndarray:
        calibrated = self.calibrator.predict(self.model.predict_proba(X)[:, 1])
        return np.column_stack([1 - calibrated, calibrated])


def inner_model(model):
    """The model step itself, unwrapped from its calibration if it has one."""
    return model.model if isinstance(model, CalibratedModel) else model


def calibration_method(pipeline: Pipeline) -> str:
    """How the fitted pipeline's scores are calibrated ("none" when they are not)."""
    return pipeline[-1].calibrator.method if isinstance(pipeline[-1], CalibratedModel) else "none"


def uncalibrated(pipeline: Pipeline) -> Pipeline:
    """The same fitted pipeline giving the raw score (its model step unwrapped)."""
    *head, (name, model) = pipeline.steps
    return Pipeline([*head, (name, inner_model(model))])


def calibrate(pipeline: Pipeline, calibrator: Calibrator) -> Pipeline:
    """The fitted pipeline with its model step wrapped in the fitted calibrator (``none``: unchanged)."""
    if calibrator.method == "none":
        return pipeline
    *head, (name, model) = pipeline.steps
    return Pipeline([*head, (name, CalibratedModel(model, calibrator))])


@dataclass(frozen=True)
class CalibrationChoice:
    method: str
    fold_calibrators: list[Calibrator]  # fold k's calibrator, fitted on the other folds' scores only
    cross_fitted: np.ndarray  # each customer's score calibrated by its fold's calibrator
    brier_by_method: dict[str, float]  # cross-validated Brier of each candidate on the out-of-fold scores


def cross_fit(score: np.ndarray, y: np.ndarray, fold: np.ndarray, method: str) -> tuple[list, np.ndarray]:
    """Fold k's calibrator (k = 0, 1, ...), fitted on the scores of every other fold, and each score
    calibrated by its fold's calibrator."""
    calibrators, calibrated = [], np.empty_like(score, dtype=float)
    for number in range(fold.max() + 1):
        calibrators.append(Calibrator(method).fit(score[fold != number], y[fold != number]))
        calibrated[fold == number] = calibrators[-1].predict(score[fold == number])
    return calibrators, calibrated


def choose_calibration(oof: pd.DataFrame, method: str) -> CalibrationChoice:
    """The calibration method (``auto``: the lowest cross-validated Brier) and its fold calibrators from
    ``oof``: the raw out-of-fold ``score``, the target and the ``fold`` (0, 1, ...) of each train customer."""
    score, y, fold = oof["score"].to_numpy(float), oof[TARGET].to_numpy(int), oof["fold"].to_numpy(int)
    candidates = METHODS if method == "auto" else (method,)
    fits = {name: cross_fit(score, y, fold, name) for name in candidates}
    brier = {name: float(brier_score_loss(y, calibrated)) for name, (_, calibrated) in fits.items()}
    chosen = min(candidates, key=lambda name: (round(brier[name], 6), METHODS.index(name)))
    return CalibrationChoice(chosen, *fits[chosen], brier)


def probability_bins(probability: np.ndarray, bins: int) -> np.ndarray:
    """Each probability's equal-width bin, 0 .. bins - 1 (1.0 falls in the last one)."""
    edges = np.linspace(0, 1, bins + 1)
    return np.clip(np.searchsorted(edges, probability, side="right") - 1, 0, bins - 1)


def binned_calibration_error(
    outcomes: np.ndarray, index: np.ndarray, counts: np.ndarray, predicted: np.ndarray
) -> float:
    """The calibration error of ``outcomes`` against bins already counted: ``counts`` customers and mean
    probability ``predicted`` per bin, ``index`` each customer's bin."""
    filled = counts > 0
    observed = np.bincount(index, weights=outcomes, minlength=len(counts))[filled] / counts[filled]
    gap = np.abs(observed - predicted[filled])
    return float((gap * counts[filled]).sum() / len(outcomes))


def bin_means(probability: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(each customer's bin, customers per bin, mean probability per bin: NaN where empty)."""
    index = probability_bins(probability, bins)
    counts = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore"):  # empty bins: no mean
        predicted = np.bincount(index, weights=probability, minlength=bins) / counts
    return index, counts, predicted


def expected_calibration_error(y: np.ndarray, probability: np.ndarray, bins: int) -> float:
    """Mean |observed rate - mean probability| over equal-width bins, weighted by the bins' sizes."""
    probability = np.asarray(probability, dtype=float)
    return binned_calibration_error(np.asarray(y, dtype=float), *bin_means(probability, bins))


def reliability_table(y: np.ndarray, probability: np.ndarray, bins: int) -> pd.DataFrame:
    """Per equal-width bin of probability: its centre, mean probability, observed rate, customers."""
    y, probability = np.asarray(y, dtype=float), np.asarray(probability, dtype=float)
    index, counts, predicted = bin_means(probability, bins)
    with np.errstate(invalid="ignore"):  # empty bins: no rate
        observed = np.bincount(index, weights=y, minlength=bins) / counts
    edges = np.linspace(0, 1, bins + 1)
    return pd.DataFrame(
        {"bin_centre": (edges[:-1] + edges[1:]) / 2, "predicted": predicted, "observed": observed, "customers": counts}
    )


def calibration_noise(probability: np.ndarray, bins: int, draws: int, seed: int) -> dict:
    """The calibration error a perfectly calibrated model would still show on this many customers: outcomes
    drawn from the probabilities themselves, so their errors are sampling noise. A measured error inside
    this range is no evidence of miscalibration."""
    probability = np.asarray(probability, dtype=float)
    outcomes = (np.random.default_rng(seed).uniform(size=(draws, len(probability))) < probability).astype(float)
    binned = bin_means(probability, bins)  # the same for every draw: only the outcomes change
    errors = [binned_calibration_error(drawn, *binned) for drawn in outcomes]
    return {
        "if_calibrated_mean": float(np.mean(errors)),
        "if_calibrated_95th_percentile": float(np.percentile(errors, 95)),
    }
