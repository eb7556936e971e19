"""From validated raw tables to one row per customer: the feature code shared by prepare and score."""

from __future__ import annotations

import pandas as pd

from stages.lib.data.quality import QualityLog
from stages.lib.schema import (
    FEATURES,
    GROUP,
    ID,
    MARKET_FILE,
    MARKET_MONEY,
    MARKET_TIME,
    MONEY,
    PERIOD,
    PROFIT,
    REVENUE_COLUMNS,
    TARGET,
)
from stages.lib.settings import ExtremeRevenue


def pivot_periods(long: pd.DataFrame, value: str, periods: tuple[str, ...]) -> pd.DataFrame:
    """Long (id, period, value) rows -> one column per period, named ``<value>_<period>``."""
    wide = long.pivot(index=ID, columns=PERIOD, values=value)
    return wide[list(periods)].add_prefix(f"{value}_")


def fix_extreme_revenue(revenue: pd.DataFrame, threshold: float, rule: str, log: QualityLog) -> pd.DataFrame:
    """Revenue above the threshold is an entry error, fixed per customer.

    ``customer_median`` replaces it with the median of that customer's other, plausible months (the
    customer's own level, not the population's); ``drop_customer`` removes the customer."""
    extreme = revenue > threshold
    touched = extreme.any(axis=1)
    log.record("extreme_revenue", extreme.stack().loc[lambda s: s].index.get_level_values(ID))
    if not touched.any():
        return revenue
    if rule == "drop_customer":
        return revenue.loc[~touched]
    plausible_median = revenue.where(~extreme).median(axis=1)
    no_plausible = touched & plausible_median.isna()
    fixed = revenue.mask(extreme, plausible_median, axis=0)
    return fixed.loc[~no_plausible]  # a customer with no plausible month at all cannot be repaired


def build_customers(tables: dict[str, pd.DataFrame], extreme_revenue: ExtremeRevenue, log: QualityLog) -> pd.DataFrame:
    """One row per customer: id, model features, target (if exported), profit; sorted by id."""
    market = tables[MARKET_FILE.key].set_index(ID)
    revenue = pivot_periods(tables[MARKET_MONEY.key], "revenue", MARKET_MONEY.periods)
    revenue = fix_extreme_revenue(revenue, extreme_revenue.threshold, extreme_revenue.rule, log)
    minutes = pivot_periods(tables[MARKET_TIME.key], "minutes", MARKET_TIME.periods)
    profit = tables[MONEY.key].set_index(ID)[PROFIT]
    # inner join on revenue: only customers the extreme-revenue rule dropped disappear here
    customers = market.join(revenue, how="inner").join(minutes, how="inner").join(profit, how="inner")
    if TARGET in customers:
        customers[TARGET] = customers[TARGET].astype("int64")
    columns = [*FEATURES, *([TARGET] if TARGET in customers else []), PROFIT]
    return customers[columns].sort_index().reset_index()


def regular_mask(customers: pd.DataFrame, min_revenue: float) -> pd.Series:
    """Regular customers bought something (revenue above the minimum) in each of the months."""
    return (customers[REVENUE_COLUMNS] > min_revenue).all(axis=1)


def keep_regular(customers: pd.DataFrame, min_revenue: float, log: QualityLog) -> pd.DataFrame:
    regular = regular_mask(customers, min_revenue)
    log.record("not_regular_removed", customers.loc[~regular, ID])
    return customers.loc[regular].reset_index(drop=True)


def duplicate_groups(customers: pd.DataFrame) -> pd.Series:
    """Group id per customer: the smallest id among customers with identical behaviour records."""
    behaviour = customers[FEATURES].astype(str).agg("|".join, axis=1)
    return customers[ID].groupby(behaviour).transform("min").rename(GROUP)


def handle_duplicate_customers(customers: pd.DataFrame, rule: str, log: QualityLog) -> pd.DataFrame:
    """Distinct ids with identical behaviour are one customer exported twice.

    ``group`` keeps them all but gives them one group id, so that splits and folds keep them on
    one side; ``drop`` keeps the smallest id of each group. Either way no copy can leak across a split."""
    customers = customers.assign(**{GROUP: duplicate_groups(customers)})
    in_group = customers[GROUP].duplicated(keep=False)
    copies = customers[ID] != customers[GROUP]
    log.record("duplicate_customers_found", customers.loc[in_group, ID])
    if TARGET in customers:
        conflicting = customers.groupby(GROUP)[TARGET].transform("nunique") > 1
        log.record("duplicate_customers_conflicting_target", customers.loc[conflicting, ID])
    if rule == "drop":
        log.record("duplicate_customers_dropped", customers.loc[copies, ID])
        customers = customers.loc[~copies].reset_index(drop=True)
    return customers
