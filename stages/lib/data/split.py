"""The split of the prepared customers into train and test, stratified by target at the level of duplicate groups.

Used by `prepare` (the official split) and by `band` (the same configuration refitted on other splits).
"""

from __future__ import annotations

import pandas as pd
from sklearn.model_selection import train_test_split

from stages.lib.errors import DataError
from stages.lib.schema import GROUP, ID, TARGET


def split_train_test(customers: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified split by target at the level of duplicate groups: a group never straddles it."""
    group_target = customers.groupby(GROUP)[TARGET].max()
    if group_target.value_counts().min() < 2:
        problem = "a class has fewer than two customers; cannot stratify the split"
        raise DataError("prepared data", TARGET, problem, hint="Check the target column of market_file.csv.")
    train_groups, _ = train_test_split(
        group_target.index, test_size=test_size, stratify=group_target.to_numpy(), random_state=seed
    )
    in_train = customers[GROUP].isin(train_groups)
    train, test = (customers.loc[rows].sort_values(ID).reset_index(drop=True) for rows in (in_train, ~in_train))
    return train, test


def split_summary(train: pd.DataFrame, test: pd.DataFrame) -> dict:
    return {
        "train": len(train),
        "test": len(test),
        "train_declined_share": float(train[TARGET].mean()),
        "test_declined_share": float(test[TARGET].mean()),
    }
