"""The test figures as a band: the chosen configuration refitted on other train/test splits.

One split gives one test ROC-AUC; refitting the same configuration on other splits shows how much of a
difference is the split's luck. `band` computes the draws; `evaluate` places the official split."""

from __future__ import annotations

import pandas as pd

from stages.lib.data.split import split_train_test
from stages.lib.model.calibration import calibration_method, expected_calibration_error, uncalibrated
from stages.lib.model.evaluation import BAND_MEASURES, choose_threshold, configuration, scores
from stages.lib.model.pipeline import predict_risk
from stages.lib.model.training import fit_calibrated
from stages.lib.schema import TARGET
from stages.lib.settings import Settings


def band_draw(customers: pd.DataFrame, pipeline, settings: Settings, split_seed: int) -> dict:
    """One other split: refit the configuration on its train part, measure on its test part."""
    train, test = split_train_test(customers, settings.split.test_size, split_seed)
    fitted = fit_calibrated(
        uncalibrated(pipeline), train, settings.train.cv_folds, settings.train.calibration, split_seed
    )
    oof, rule = fitted.oof, settings.evaluate.threshold
    threshold = choose_threshold(oof[TARGET].to_numpy(), oof["probability"].to_numpy(), rule.rule, rule.min_recall)
    y, probability = test[TARGET].to_numpy(), predict_risk(fitted.model, test)
    ece = expected_calibration_error(y, probability, settings.evaluate.calibration_bins)
    measured = scores(y, probability, threshold) | {"calibration_error": ece}
    record = {"split_seed": split_seed, **{m: measured[m] for m in BAND_MEASURES}, "threshold": threshold}
    return record | {"calibration_method": calibration_method(fitted.model)}


def band_seeds(settings: Settings) -> list[int]:
    """The other splits' seeds: seed+1, seed+2, ... (``settings.band.splits`` of them)."""
    return [settings.seed + offset for offset in range(1, settings.band.splits + 1)]


def band_record(pipeline, draws: list[dict]) -> dict:
    """What `evaluate` reads: the configuration the draws were made for, and one record per other split
    (`band_draw` of each of `band_seeds`, in their order)."""
    return {"configuration": configuration(pipeline), "draws": pd.DataFrame(draws).to_dict("records")}


def band_summary(band: dict) -> pd.DataFrame:
    """The draws' spread of the figures a reader compares first: count, mean, sd, 2.5 %, median, 97.5 %."""
    shown = ["roc_auc", "brier", "calibration_error", "recall"]
    return pd.DataFrame(band["draws"])[shown].describe(percentiles=[0.025, 0.975]).round(4)
