"""Stage `prepare`: raw exports -> validated, model-ready regular customers, split into train and test.

python -m stages.prepare [--raw data/raw] [--prepared data/prepared] [--quality metrics/data_quality.json]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from stages.lib.cli import stage_arguments
from stages.lib.errors import DataError, run_cli
from stages.lib.features import build_customers, handle_duplicate_customers, keep_regular
from stages.lib.files import fresh_outputs, load_params, write_json, write_parquet
from stages.lib.quality import QualityLog
from stages.lib.raw import read_raw_folder, validate_raw
from stages.lib.schema import GROUP, ID, MARKET_FILE, TARGET

RULES = (  # reported even when they touch nothing
    "exact_duplicate_rows",
    "label_typos",
    "extreme_revenue",
    "not_regular_removed",
    "duplicate_customers_found",
    "duplicate_customers_conflicting_target",
    "duplicate_customers_dropped",
)


def prepare_customers(raw: dict[str, pd.DataFrame], params: dict, log: QualityLog) -> pd.DataFrame:
    """Raw string frames -> one validated row per regular customer, with a duplicate-group id."""
    log.declare(*RULES)
    tables = validate_raw(raw, params, log, require_target=True)
    customers = build_customers(tables, params, log)
    log.customers["read"] = len(tables[MARKET_FILE.key])
    customers = keep_regular(customers, params["regular"], log)
    customers = handle_duplicate_customers(customers, params, log)
    log.customers["kept"] = len(customers)
    return customers


def split_train_test(customers: pd.DataFrame, params: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified split by target at the level of duplicate groups: a group never straddles it."""
    group_target = customers.groupby(GROUP)[TARGET].max()
    if group_target.value_counts().min() < 2:
        raise DataError(
            "prepared data",
            TARGET,
            "a class has fewer than two customers; cannot stratify the split",
            hint="Check the target column of market_file.csv.",
        )
    train_groups, _ = train_test_split(
        group_target.index, test_size=params["test_size"], stratify=group_target.to_numpy(), random_state=seed
    )
    in_train = customers[GROUP].isin(train_groups)
    return (
        customers.loc[in_train].sort_values(ID).reset_index(drop=True),
        customers.loc[~in_train].sort_values(ID).reset_index(drop=True),
    )


def run(raw_dir: Path, out_dir: Path, quality_path: Path, params: dict) -> QualityLog:
    outputs = [out_dir / name for name in ("customers.parquet", "train.parquet", "test.parquet")]
    with fresh_outputs(*outputs, quality_path):
        log = QualityLog()
        customers = prepare_customers(read_raw_folder(raw_dir), params["prepare"], log)
        train, test = split_train_test(customers, params["split"], params["seed"])
        log.customers.update(
            train=len(train),
            test=len(test),
            train_declined_share=float(train[TARGET].mean()),
            test_declined_share=float(test[TARGET].mean()),
        )
        for path, frame in zip(outputs, (customers, train, test), strict=True):
            write_parquet(path, frame)
        write_json(quality_path, log.as_dict(), digits=4)
    return log


def main() -> None:
    args = stage_arguments(__doc__, "raw", "prepared", "quality")
    log = run(args.raw, args.prepared, args.quality, load_params(args.params))
    print(
        f"prepare: kept {log.customers['kept']} of {log.customers['read']} customers "
        f"(train {log.customers['train']}, test {log.customers['test']})"
    )


if __name__ == "__main__":
    run_cli("prepare", main)
