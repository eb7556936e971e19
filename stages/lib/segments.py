"""Risk-by-profit segments, shared by `segment` (regular customers) and `score` (a new month)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.lib.errors import DataError
from stages.lib.schema import PROFIT

CELLS = ("high_risk_high_profit", "high_risk_low_profit", "low_risk_high_profit", "low_risk_low_profit")
NOT_REGULAR = "not_regular"


def assign_cells(probability, profit, params: dict) -> np.ndarray:
    """Each customer's cell of the risk-by-profit matrix (thresholds inclusive: p >= high_risk)."""
    high_risk = np.asarray(probability) >= params["high_risk"]
    high_profit = np.asarray(profit) >= params["high_profit"]
    risk = np.where(high_risk, "high_risk", "low_risk")
    value = np.where(high_profit, "high_profit", "low_profit")
    return np.char.add(np.char.add(risk, "_"), value).astype(object)


def check_chosen(params: dict) -> str:
    chosen = params["chosen"]
    if chosen not in CELLS:
        raise DataError("params.yaml", "segment.chosen", f"unknown segment {chosen!r}", hint=f"Use one of {CELLS}.")
    return chosen


def matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Size, share, monthly profit at stake and mean risk of each cell (every cell listed, even empty)."""
    cells = frame.groupby("segment").agg(
        customers=("probability", "size"),
        profit_at_stake=(PROFIT, "sum"),
        mean_probability=("probability", "mean"),
        mean_profit=(PROFIT, "mean"),
    )
    cells = cells.reindex(CELLS).fillna({"customers": 0, "profit_at_stake": 0.0})
    cells["customers"] = cells["customers"].astype(int)
    cells["share_of_customers"] = cells["customers"] / max(len(frame), 1)
    cells["share_of_profit"] = cells["profit_at_stake"] / frame[PROFIT].sum()
    return cells.rename_axis("segment").reset_index()
