"""After the outcomes: did the model rank and estimate as well as its test band said?

Measured on the scored regular customers who were not treated (control and not selected): an offer
changes the outcome it was meant to change. ROC-AUC's interval is DeLong's (ranks only, so a month of
millions costs a sort), the calibration error's noise floor the one a calibrated model would show on
these customers (per bin, the normal approximation of a sum of Bernoulli draws).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from stages.lib.model.calibration import expected_calibration_error, probability_bins

NOISE_DRAWS = 2000


def delong_auc(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """ROC-AUC and its DeLong standard error (DeLong, DeLong & Clarke-Pearson 1988), from midranks."""
    y = np.asarray(y, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    ranks = stats.rankdata(score)
    auc = (ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    within_pos, within_neg = stats.rankdata(score[y]), stats.rankdata(score[~y])
    v10 = (ranks[y] - within_pos) / negatives  # per positive: share of negatives scored below it
    v01 = 1 - (ranks[~y] - within_neg) / positives  # per negative: share of positives scored above it
    variance = v10.var(ddof=1) / positives + v01.var(ddof=1) / negatives
    return float(auc), float(np.sqrt(variance))


def calibration_noise_floor(probability: np.ndarray, bins: int, seed: int) -> dict:
    """Mean and 95th percentile of the calibration error of a perfectly calibrated model on these customers."""
    index = probability_bins(probability, bins)  # the bins of `expected_calibration_error`
    spread = np.sqrt(np.bincount(index, weights=probability * (1 - probability), minlength=bins))
    sums = np.random.default_rng(seed).standard_normal((NOISE_DRAWS, bins)) * spread
    errors = np.abs(sums).sum(axis=1) / len(probability)
    return {
        "if_calibrated_mean": float(errors.mean()),
        "if_calibrated_95th_percentile": float(np.percentile(errors, 95)),
    }


def band_limits(draws: list[dict]) -> dict:
    """The test band's 2.5th and 97.5th percentiles of each measure (reports/test_band.json's draws)."""
    limits = {}
    for measure in ("roc_auc", "brier", "calibration_error"):
        values = np.array([draw[measure] for draw in draws], dtype=float)
        limits[measure] = {
            "band_low_2_5": float(np.percentile(values, 2.5)),
            "band_high_97_5": float(np.percentile(values, 97.5)),
        }
    return limits


def model_quality(
    y, probability, bins: int, band_draws: list[dict], auc_margin: float, calibration_margin: float, seed: int
) -> dict:
    """ROC-AUC (95 % interval), Brier, calibration error with its noise floor, the band, and the verdict:
    ``degraded`` when the AUC's interval lies wholly below the band's 2.5th percentile less ``auc_margin``,
    or the calibration error passes its noise floor's 95th percentile by more than ``calibration_margin``."""
    y, probability = np.asarray(y, dtype=int), np.asarray(probability, dtype=float)
    auc, se = delong_auc(y, probability)
    error = expected_calibration_error(y, probability, bins)
    noise = calibration_noise_floor(probability, bins, seed)
    band = band_limits(band_draws)
    floor = band["roc_auc"]["band_low_2_5"] - auc_margin
    result = {
        "customers": len(y),
        "declined": int(y.sum()),
        "roc_auc": auc,
        "roc_auc_ci95_low": auc - 1.959964 * se,
        "roc_auc_ci95_high": auc + 1.959964 * se,
        "brier": float(np.mean((probability - y) ** 2)),
        "calibration_error": error,
        "calibration_error_noise": noise,
        "band": band,
        "roc_auc_floor": floor,
    }
    if result["roc_auc_ci95_high"] < floor:
        high = result["roc_auc_ci95_high"]
        why = f"ROC-AUC {auc:.3f} (95 % up to {high:.3f}) is below the test band's low end {floor:.3f}"
        why += ": the model ranks worse than it did on test; retrain it."
        return result | {"verdict": "degraded", "verdict_reason": "ranking", "why": why}
    result["calibration_error_limit"] = noise["if_calibrated_95th_percentile"] + calibration_margin
    excess = error - noise["if_calibrated_95th_percentile"]
    if excess > calibration_margin:
        why = (
            f"the calibration error {error:.3f} exceeds what chance gives a calibrated model on these customers "
            f"({noise['if_calibrated_95th_percentile']:.3f}) by more than {calibration_margin:g}: the probabilities "
            "are off; recalibrate or retrain before trusting the money figures."
        )
        return result | {"verdict": "degraded", "verdict_reason": "calibration", "why": why}
    why = (
        f"ROC-AUC {auc:.3f} (95 % {result['roc_auc_ci95_low']:.3f}–{result['roc_auc_ci95_high']:.3f}) is not below the "
        f"test band's low end {floor:.3f}, and the calibration error {error:.3f} is within "
        f"{calibration_margin:g} of its noise floor."
    )
    return result | {"verdict": "as_expected", "verdict_reason": "within", "why": why}
