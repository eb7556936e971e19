"""Unit tests of the customer-level rules: pivot, extreme revenue, regular customers, duplicates."""

from __future__ import annotations

import pandas as pd
import pytest

from stages.lib.data.features import (
    duplicate_groups,
    fix_extreme_revenue,
    handle_duplicate_customers,
    keep_regular,
    pivot_periods,
)
from stages.lib.data.quality import QualityLog
from stages.lib.schema import FEATURES, GROUP, ID, REVENUE_COLUMNS, TARGET


def revenue(rows: dict[int, list[float]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=REVENUE_COLUMNS)
    frame.index.name = ID
    return frame


def test_pivot_makes_one_column_per_period_in_schema_order():
    long = pd.DataFrame({ID: [1, 1, 2, 2], "period": ["previous", "current"] * 2, "minutes": [3, 4, 5, 6]})
    wide = pivot_periods(long, "minutes", ("current", "previous"))
    assert list(wide.columns) == ["minutes_current", "minutes_previous"]
    assert wide.loc[1].tolist() == [4, 3]


def test_extreme_revenue_is_replaced_by_the_customers_own_median():
    log = QualityLog()
    fixed = fix_extreme_revenue(revenue({1: [100_000, 4000, 5000], 2: [1, 2, 3]}), 20000, "customer_median", log)
    assert fixed.loc[1].tolist() == [4500, 4000, 5000]
    assert fixed.loc[2].tolist() == [1, 2, 3]
    assert log.as_dict()["rules"]["extreme_revenue"] == {"rows": 1, "customers": 1}


def test_extreme_revenue_drop_rule_removes_the_customer_and_leaves_no_holes():
    fixed = fix_extreme_revenue(revenue({1: [100_000, 4000, 5000], 2: [1, 2, 3]}), 20000, "drop_customer", QualityLog())
    assert fixed.index.tolist() == [2]
    assert not fixed.isna().any().any()


def test_regular_customers_bought_in_every_month():
    customers = pd.DataFrame(
        {ID: [1, 2, 3], REVENUE_COLUMNS[0]: [1, 1, 0], REVENUE_COLUMNS[1]: [1, 0, 1], REVENUE_COLUMNS[2]: [1, 1, 1]}
    )
    log = QualityLog()
    kept = keep_regular(customers, 0, log)
    assert kept[ID].tolist() == [1]
    assert log.as_dict()["rules"]["not_regular_removed"]["customers"] == 2


def customers_with_a_copy() -> pd.DataFrame:
    base = {feature: [1, 1, 2] for feature in FEATURES}
    return pd.DataFrame({ID: [10, 7, 3], **base, TARGET: [1, 1, 0], "profit": [1.0, 2.0, 3.0]})


def test_duplicate_customers_share_the_smallest_id_as_group():
    assert duplicate_groups(customers_with_a_copy()).tolist() == [7, 7, 3]


@pytest.mark.parametrize(("rule", "kept_ids"), [("group", [10, 7, 3]), ("drop", [7, 3])])
def test_duplicate_customer_rules(rule, kept_ids):
    log = QualityLog()
    out = handle_duplicate_customers(customers_with_a_copy(), rule, log)
    assert out[ID].tolist() == kept_ids
    assert GROUP in out
    assert log.as_dict()["rules"]["duplicate_customers_found"]["customers"] == 2
