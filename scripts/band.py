"""The test figures as a band: refit the chosen configuration on other train/test splits.

    make band        # or: .venv/bin/python scripts/band.py   (run it after `make repro`)

Not a DVC stage and not a test: it takes a few minutes (band.splits in params.yaml, each split fits
the configuration's fold models, calibration and final model). Reads the prepared customers and the
saved model's configuration; writes reports/test_band.json (commit it), which `evaluate` reads to
report where the official split falls in the band, or that the band is stale (made for another
configuration: run `make band` again).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # works in the project root (the cwd)

from stages.io import paths
from stages.io.cli import run_cli
from stages.io.files import load_settings, read_parquet, write_json
from stages.io.model_store import load_model
from stages.lib.band import band_draws
from stages.lib.evaluation import configuration


def main() -> None:
    settings = load_settings()
    pipeline = load_model(paths.MODEL)
    print(f"band: refitting the chosen configuration on {settings.band.splits} other splits", flush=True)
    draws = band_draws(read_parquet(paths.CUSTOMERS), pipeline, settings)
    write_json(paths.TEST_BAND, {"configuration": configuration(pipeline), "draws": draws.to_dict("records")})
    summary = draws[["roc_auc", "brier", "calibration_error", "recall"]].describe(percentiles=[0.025, 0.975])
    print(summary.round(4).to_string())
    print(f"band: wrote {paths.TEST_BAND}; run `dvc repro evaluate` to place the official split in it")


if __name__ == "__main__":
    run_cli("band", main)
