"""Scoring a new month: the same validation, fixes and features as `prepare`, then the saved model."""

from __future__ import annotations

import pandas as pd

from stages.lib.features import build_customers, regular_mask
from stages.lib.model import predict_risk
from stages.lib.quality import QualityLog
from stages.lib.raw import validate_raw
from stages.lib.schema import ID, MONEY, PROFIT
from stages.lib.segments import NOT_REGULAR, assign_cells
from stages.lib.settings import Prepare, Segment

NOT_SCORED = "not_scored_reason"
COLUMNS = (ID, "probability", PROFIT, "regular", "segment", NOT_SCORED)  # the scored file's columns, in order


def not_scored(all_ids: pd.Series, scored_ids: pd.Series, rule: str) -> pd.Series:
    """Why each customer absent from the features was left out: only the extreme-revenue rule drops anyone."""
    reason = (
        "revenue above the extreme-revenue threshold (rule drop_customer)"
        if rule == "drop_customer"
        else "revenue above the extreme-revenue threshold in every month: no plausible month to repair from"
    )
    missing = sorted(set(all_ids) - set(scored_ids))
    return pd.Series(reason, index=pd.Index(missing, name=ID), dtype=object)


def score_customers(
    raw: dict[str, pd.DataFrame], pipeline, prepare: Prepare, segment: Segment, log: QualityLog
) -> pd.DataFrame:
    """Raw string frames of a month -> id, probability, profit, regular, segment for every customer.

    A customer the fixing rules leave without usable features is kept with no probability and the
    reason in ``not_scored_reason`` (empty for everyone scored)."""
    tables = validate_raw(raw, prepare.drop_exact_duplicate_rows, log, require_target=False)
    customers = build_customers(tables, prepare.extreme_revenue, log)
    regular = regular_mask(customers, prepare.regular.min_revenue)
    scored = pd.DataFrame(
        {
            ID: customers[ID],
            "probability": predict_risk(pipeline, customers),
            PROFIT: customers[PROFIT],
            "regular": regular,
        }
    )
    scored["segment"] = assign_cells(scored["probability"], scored[PROFIT], segment.high_risk, segment.high_profit)
    scored.loc[~regular, "segment"] = NOT_REGULAR
    scored[NOT_SCORED] = ""
    reasons = not_scored(tables[MONEY.key][ID], customers[ID], prepare.extreme_revenue.rule)
    if len(reasons):
        profit = tables[MONEY.key].set_index(ID)[PROFIT]
        left_out = pd.DataFrame(
            {
                ID: reasons.index,
                PROFIT: profit.loc[reasons.index].to_numpy(),
                "segment": "",
                NOT_SCORED: reasons.to_numpy(),
            }
        )
        scored = pd.concat([scored, left_out], ignore_index=True).sort_values(ID, ignore_index=True)
    return scored[list(COLUMNS)]
