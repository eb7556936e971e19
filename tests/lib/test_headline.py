"""The headline: at most fifteen numbers, each one taken from the stage file that measured it."""

from __future__ import annotations

import json
from numbers import Number

from stages.io import paths
from stages.lib.headline import headline
from tests.stage_runs import ROOT

SOURCES = {  # where each number of the headline was measured (metrics/<stage>.json, its keys)
    "roc_auc": "evaluate.test.roc_auc",
    "roc_auc_ci95_low": "evaluate.test.roc_auc_ci95_low",
    "roc_auc_ci95_high": "evaluate.test.roc_auc_ci95_high",
    "roc_auc_band_2_5": "evaluate.test_band.roc_auc.band_low_2_5",
    "roc_auc_band_97_5": "evaluate.test_band.roc_auc.band_high_97_5",
    "dummy_roc_auc": "evaluate.dummy_test.roc_auc",
    "brier": "evaluate.test.brier",
    "calibration_error": "evaluate.calibration.test.calibration_error",
    "calibration_noise_95": "evaluate.calibration.test.calibration_error_noise.if_calibrated_95th_percentile",
    "contacts": "segment.decision.contacted",
    "control": "segment.decision.control",
    "over_budget": "segment.decision.over_budget",
    "cost_k_rub": "segment.decision.cost",
    "value_k_rub_month": "segment.decision.expected_value",
}


def test_the_headline_is_fifteen_numbers_at_most_each_from_its_source():
    evaluate = json.loads((ROOT / paths.EVALUATE_METRICS).read_text(encoding="utf-8"))
    segment = json.loads((ROOT / paths.SEGMENT_METRICS).read_text(encoding="utf-8"))
    numbers = headline(evaluate, segment)
    assert len(numbers) <= 15 and all(isinstance(v, Number) for v in numbers.values())
    sources = {"evaluate": evaluate, "segment": segment}
    for key, path in SOURCES.items():  # each number is its source's, not a neighbour's
        source, *keys = path.split(".")
        found = sources[source]
        for part in keys:
            found = found[part]
        assert numbers[key] == found, key
    assert set(numbers) == set(SOURCES)
    assert max(len(key) for key in numbers) <= 20  # `dvc metrics show` prints one column per key


def test_the_readmes_headline_table_is_the_committed_headline():
    """The README quotes metrics/headline.json: a rebuild that changes it must change the README too."""
    numbers = json.loads((ROOT / paths.HEADLINE).read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = readme.split("| ---: | ---: |", 1)[1].split("\n")[1]
    expected = (
        f"| {numbers['roc_auc']:.3f} | {numbers['roc_auc_ci95_low']:.3f}–{numbers['roc_auc_ci95_high']:.3f} "
        f"| {numbers['roc_auc_band_2_5']:.3f}–{numbers['roc_auc_band_97_5']:.3f} | {numbers['dummy_roc_auc']:.3f} "
        f"| {numbers['brier']:.3f} | {numbers['calibration_error']:.3f} ({numbers['calibration_noise_95']:.3f}) "
        f"| {numbers['contacts']} | {numbers['control']} | {numbers['over_budget']} | {numbers['cost_k_rub']:.1f} "
        f"| {numbers['value_k_rub_month']:.1f} |"
    )
    assert row == expected
