"""Stage `drift_reference`: the training month as `score` compares a new month with it.

    python -m stages.drift_reference

The deployed model on the prepared (training) customers: each numeric feature's quantile bins and
median, each category's shares, and the predicted probability's bins (`drift.bins` in params.yaml).
Writes reports/drift_reference.json, which `segment` and `score` read.
"""

from __future__ import annotations

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.files import fresh_outputs, read_parquet, write_json
from stages.io.model_store import load_model
from stages.lib.decision.drift import STORED_DIGITS, reference_stats
from stages.lib.model.pipeline import predict_risk
from stages.lib.settings import Settings


def run(settings: Settings) -> dict:
    with fresh_outputs("drift_reference"):
        customers, pipeline = read_parquet(paths.CUSTOMERS), load_model(paths.MODEL)
        reference = reference_stats(customers, predict_risk(pipeline, customers), settings.drift.bins)
        write_json(paths.DRIFT_REFERENCE, reference, digits=STORED_DIGITS)
    print(f"drift_reference: {reference['customers']} customers of the training month, {settings.drift.bins} bins")
    return reference


main = stage_main(__doc__, run)


if __name__ == "__main__":
    run_cli("drift_reference", main)
