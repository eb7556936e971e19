"""The test figures as a band: the chosen configuration refitted on other train/test splits.

One split gives one test ROC-AUC; refitting the same configuration on other splits shows how much of a
difference is the split's luck. `band` computes the draws; `evaluate` places the official split.
"""

from __future__ import annotations

import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, recall_score, roc_auc_score

from stages.lib.data.split import split_train_test
from stages.lib.model.calibration import calibration_method, expected_calibration_error, uncalibrated
from stages.lib.model.evaluation import choose_threshold, configuration
from stages.lib.model.pipeline import N_JOBS, predict_risk
from stages.lib.model.training import fit_calibrated
from stages.lib.schema import TARGET
from stages.lib.settings import Settings


def band_draw(customers: pd.DataFrame, pipeline, settings: Settings, split_seed: int) -> dict:
    """One other split: refit the configuration on its train part, measure on its test part."""
    train, test = split_train_test(customers, settings.split.test_size, split_seed)
    fitted = fit_calibrated(
        clone(uncalibrated(pipeline)), train, settings.train.cv_folds, settings.train.calibration, split_seed
    )
    rule = settings.evaluate.threshold
    threshold = choose_threshold(
        fitted.oof[TARGET].to_numpy(), fitted.oof["probability"].to_numpy(), rule.rule, rule.min_recall
    )
    y, probability = test[TARGET].to_numpy(), predict_risk(fitted.model, test)
    return {
        "split_seed": split_seed,
        "roc_auc": roc_auc_score(y, probability),
        "brier": brier_score_loss(y, probability),
        "calibration_error": expected_calibration_error(y, probability, settings.evaluate.calibration_bins),
        "recall": recall_score(y, (probability >= threshold).astype(int), zero_division=0),
        "threshold": threshold,
        "calibration_method": calibration_method(fitted.model),
    }


def band_record(customers: pd.DataFrame, pipeline, settings: Settings) -> dict:
    """What `evaluate` reads: the configuration the draws were made for, and one record per other split
    (``settings.band.splits`` of them, seeds seed+1, seed+2, ...)."""
    seeds = [settings.seed + offset for offset in range(1, settings.band.splits + 1)]
    rows = Parallel(n_jobs=N_JOBS)(delayed(band_draw)(customers, pipeline, settings, seed) for seed in seeds)
    return {"configuration": configuration(pipeline), "draws": pd.DataFrame(rows).to_dict("records")}
