"""Stage `prepare`: raw exports -> validated, model-ready regular customers, split into train and test.

    python -m stages.prepare

Reads data/raw (the four exports), writes data/prepared/{customers,train,test}.parquet and
metrics/data_quality.json: what each fixing rule touched (paths: stages/io/paths.py).
"""

from __future__ import annotations

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.files import fresh_outputs, write_json, write_parquet
from stages.io.partitions import TRAINING_CHUNK_ROWS, read_month, reading_of
from stages.lib.data.preparation import prepare_customers
from stages.lib.data.quality import QualityLog
from stages.lib.data.split import split_summary, split_train_test
from stages.lib.settings import Settings


def run(settings: Settings) -> QualityLog:
    with fresh_outputs("prepare"):
        log = QualityLog()
        customers = prepare_customers(
            read_month(paths.RAW, log, reading_of(settings.scale, TRAINING_CHUNK_ROWS)), settings.prepare, log
        )
        train, test = split_train_test(customers, settings.split.test_size, settings.seed)
        log.customers.update(split_summary(train, test))
        for path, frame in ((paths.CUSTOMERS, customers), (paths.TRAIN, train), (paths.TEST, test)):
            write_parquet(path, frame)
        write_json(paths.QUALITY, log.as_dict(), digits=4)
    return log


def summary(log: QualityLog) -> str:
    kept = log.customers
    return f"prepare: kept {kept['kept']} of {kept['read']} customers (train {kept['train']}, test {kept['test']})"


main = stage_main(__doc__, run, summary)


if __name__ == "__main__":
    run_cli("prepare", main)
