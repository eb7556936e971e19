"""From the training month's typed rows to the prepared data: checked regular customers, split into train and test."""

from __future__ import annotations

import pandas as pd
from sklearn.model_selection import train_test_split

from stages.lib.customer_rules import check_customers
from stages.lib.errors import DataError
from stages.lib.features import build_customers, handle_duplicate_customers, keep_regular
from stages.lib.quality import QualityLog
from stages.lib.schema import GROUP, ID, MARKET_FILE, TARGET
from stages.lib.settings import Prepare

RULES = (  # reported even when they touch nothing
    "exact_duplicate_rows",
    "label_typos",
    "extreme_revenue",
    "not_regular_removed",
    "duplicate_customers_found",
    "duplicate_customers_conflicting_target",
    "duplicate_customers_dropped",
)


def prepare_customers(typed: dict[str, pd.DataFrame], settings: Prepare, log: QualityLog) -> pd.DataFrame:
    """The training month's typed rows (`stages/lib/cell_rules.py`), one partition of every customer ->
    one row per regular customer that passed the customer rules, with a duplicate-group id."""
    log.declare(*RULES)
    tables = check_customers(typed, settings.drop_exact_duplicate_rows, log).tables
    customers = build_customers(tables, settings.extreme_revenue, log)
    log.customers["read"] = len(tables[MARKET_FILE.key])
    customers = keep_regular(customers, settings.regular.min_revenue, log)
    customers = handle_duplicate_customers(customers, settings.duplicate_customers, log)
    log.customers["kept"] = len(customers)
    return customers


def split_train_test(customers: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
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
        group_target.index, test_size=test_size, stratify=group_target.to_numpy(), random_state=seed
    )
    in_train = customers[GROUP].isin(train_groups)
    return (
        customers.loc[in_train].sort_values(ID).reset_index(drop=True),
        customers.loc[~in_train].sort_values(ID).reset_index(drop=True),
    )


def split_summary(train: pd.DataFrame, test: pd.DataFrame) -> dict:
    return {
        "train": len(train),
        "test": len(test),
        "train_declined_share": float(train[TARGET].mean()),
        "test_declined_share": float(test[TARGET].mean()),
    }
