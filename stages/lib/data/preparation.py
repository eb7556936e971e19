"""The training month's typed rows -> the prepared customers: customer rules, regular customers, duplicate groups.

The split into train and test is `split.py` beside it (the band refits on other splits without the exports)."""

from __future__ import annotations

import pandas as pd

from stages.lib.data.customer_rules import COUNTED_RULES, check_customers
from stages.lib.data.features import build_customers, handle_duplicate_customers, keep_regular
from stages.lib.data.quality import QualityLog
from stages.lib.schema import MARKET_FILE
from stages.lib.settings import Prepare

RULES = (  # reported even when they touch nothing
    *COUNTED_RULES,
    "extreme_revenue",
    "not_regular_removed",
    "duplicate_customers_found",
    "duplicate_customers_conflicting_target",
    "duplicate_customers_dropped",
)


def prepare_customers(typed: dict[str, pd.DataFrame], settings: Prepare, log: QualityLog) -> pd.DataFrame:
    """The training month's typed rows (`stages/lib/data/cell_rules.py`), one partition of every customer ->
    one row per regular customer that passed the customer rules, with a duplicate-group id."""
    log.declare(*RULES)
    tables = check_customers(typed, settings.drop_exact_duplicate_rows, log).tables
    customers = build_customers(tables, settings.extreme_revenue, log)
    log.customers["read"] = len(tables[MARKET_FILE.key])
    customers = keep_regular(customers, settings.regular.min_revenue, log)
    customers = handle_duplicate_customers(customers, settings.duplicate_customers, log)
    log.customers["kept"] = len(customers)
    return customers
