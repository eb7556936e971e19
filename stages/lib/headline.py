"""The few numbers an analyst compares between commits and experiments (`dvc metrics show`, `dvc metrics
diff`, `dvc exp show`): the model on the test customers against its band and the dummy, and the month's
decision. Every other figure stays in the stages' own files (metrics/<stage>.json, plain outputs), which
`dvc metrics show metrics/<stage>.json` prints on request.
"""

from __future__ import annotations


def headline(evaluate: dict, segment: dict) -> dict:
    """Fourteen numbers, flat, short keys (one column each in `dvc metrics show`): the model's on the test
    customers (roc_auc and its 95 % interval, the test band's 2.5th-97.5th percentiles, the dummy's, Brier,
    calibration error and the 95th percentile a calibrated model would show by chance); the decision's
    contacts, control group, customers over budget, cost and expected value (k_rub: thousand roubles; the
    value: one month of the profit kept, net of the one-off cost). ``evaluate``, ``segment``:
    metrics/evaluate.json, metrics/segment.json."""
    test, band, decision = evaluate["test"], evaluate["test_band"], segment["decision"]
    calibration = evaluate["calibration"]["test"]
    return {
        "roc_auc": test["roc_auc"],
        "roc_auc_ci95_low": test["roc_auc_ci95_low"],
        "roc_auc_ci95_high": test["roc_auc_ci95_high"],
        "roc_auc_band_2_5": band["roc_auc"]["band_low_2_5"],
        "roc_auc_band_97_5": band["roc_auc"]["band_high_97_5"],
        "dummy_roc_auc": evaluate["dummy_test"]["roc_auc"],
        "brier": test["brier"],
        "calibration_error": calibration["calibration_error"],
        "calibration_noise_95": calibration["calibration_error_noise"]["if_calibrated_95th_percentile"],
        "contacts": decision["contacted"],
        "control": decision["control"],
        "over_budget": decision["over_budget"],
        "cost_k_rub": decision["cost"],
        "value_k_rub_month": decision["expected_value"],
    }
