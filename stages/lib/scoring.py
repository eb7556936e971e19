"""Scoring a new month: the same validation, fixes and features as `prepare`, then the saved model."""

from __future__ import annotations

import pandas as pd

from stages.lib.features import build_customers, regular_mask
from stages.lib.model import predict_risk
from stages.lib.quality import QualityLog
from stages.lib.raw import validate_raw
from stages.lib.schema import ID, PROFIT
from stages.lib.segments import NOT_REGULAR, assign_cells
from stages.lib.settings import Prepare, Segment

COLUMNS = (ID, "probability", PROFIT, "regular", "segment")  # the scored file's columns, in order


def score_customers(
    raw: dict[str, pd.DataFrame], pipeline, prepare: Prepare, segment: Segment, log: QualityLog
) -> pd.DataFrame:
    """Raw string frames of a month -> id, probability, profit, regular, segment for every customer."""
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
    return scored[list(COLUMNS)]
