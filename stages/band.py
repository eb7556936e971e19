"""Stage `band`: the test figures as a band, the chosen configuration refitted on other splits.

    python -m stages.band

One official split gives one test ROC-AUC; `band.splits` other train/test splits (params.yaml), each
with the configuration's fold models, calibration and final model, show how much of it is the
split's luck. About 15 s on two cores. Reads the prepared customers and the saved model's configuration;
writes reports/test_band.json, where `evaluate` places the official split.
"""

from __future__ import annotations

from functools import partial

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.files import fresh_outputs, read_parquet, write_json
from stages.io.model_store import load_model
from stages.io.process_pool import worker_pool
from stages.lib.model.band import band_draw, band_record, band_seeds, band_summary
from stages.lib.settings import Settings


def run(settings: Settings) -> dict:
    with fresh_outputs("band"), worker_pool() as pool:
        print(f"band: refitting the chosen configuration on {settings.band.splits} other splits", flush=True)
        customers, pipeline = read_parquet(paths.CUSTOMERS), load_model(paths.MODEL)
        # one draw per task on processes forked from this one (no seconds of imports per worker)
        draws = pool.map(partial(band_draw, customers, pipeline, settings), band_seeds(settings))
        band = band_record(pipeline, list(draws))
        write_json(paths.TEST_BAND, band)
    print(band_summary(band).to_string())
    return band


main = stage_main(__doc__, run)


if __name__ == "__main__":
    run_cli("band", main)
