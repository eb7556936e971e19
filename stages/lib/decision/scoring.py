"""Scoring a new month: the same fixes and features as `prepare`, then the saved model.

One odd row must not stop a month's campaign: an empty cell or unseen label in a behaviour column,
set aside when the cells were typed (``soft``), is imputed by the pipeline and the customer flagged.
Structural defects still stop the run with the usual error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stages.lib.data.features import build_customers, regular_mask
from stages.lib.data.quality import QualityLog
from stages.lib.decision.segment_analysis import NOT_REGULAR, assign_cells
from stages.lib.model.pipeline import predict_risk
from stages.lib.schema import ID, MONEY, PROFIT
from stages.lib.settings import Prepare, Segment

NOT_SCORED = "not_scored_reason"


def not_scored(all_ids: pd.Series, scored_ids: pd.Series, rule: str) -> pd.Series:
    """Why each customer absent from the features was left out, as a code (words: ``not_scored.<code>``):
    only the extreme-revenue rule drops anyone, by its rule or because no month was plausible."""
    reason = "drop_customer" if rule == "drop_customer" else "every_month"
    missing = np.setdiff1d(all_ids.to_numpy(), scored_ids.to_numpy())  # sorted, each once
    return pd.Series(reason, index=pd.Index(missing, name=ID), dtype=object)


def imputed(odd: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """(per id and soft feature: True where the cell was set aside; per id: the flag text) from the cells
    `cell_rules.soft_cells` set aside ("" empty, else the unseen label; missing where kept). The flag is
    machine-readable, ``feature:empty`` or ``feature:unseen:<label as written>`` joined by "; "
    (`Words.flags` says it in words)."""
    gaps = odd.notna().astype(bool)
    notes = pd.Series("", index=odd.index, dtype=object)
    for name in odd.columns:
        for customer, original in odd[name].dropna().items():
            flag = f"{name}:unseen:{original}" if original else f"{name}:empty"
            notes[customer] = "; ".join(filter(None, [notes[customer], flag]))
    return gaps, notes


@dataclass(frozen=True)
class ScoredMonth:
    customers: pd.DataFrame  # features (imputed cells missing), profit, probability, regular, segment, flags
    left_out: pd.DataFrame  # id, profit, not_scored_reason: customers the fixing rules could not keep


PROBABILITY_DECIMALS = 10  # the last bits of k-NN's distances follow how rows are batched together


def score_tables(
    tables: dict[str, pd.DataFrame], odd: pd.DataFrame, pipeline, prepare: Prepare, segment: Segment, log: QualityLog
) -> ScoredMonth:
    """Validated tables (of a month or of a partition of its customers) -> features, probability,
    regularity, cell and flags per customer, and the customers the fixing rules left unscorable. ``odd``:
    per id, the behaviour cells set aside (imputed here, and flagged)."""
    gaps, notes = imputed(odd)
    customers = build_customers(tables, prepare.extreme_revenue, log)
    for name in gaps.columns:
        hit = gaps[name].reindex(customers[ID]).to_numpy(dtype=bool)
        if pd.api.types.is_integer_dtype(customers[name]):
            customers[name] = customers[name].astype(float)
        customers.loc[hit, name] = np.nan
    customers["probability"] = predict_risk(pipeline, customers).round(PROBABILITY_DECIMALS)
    customers["regular"] = regular_mask(customers, prepare.regular.min_revenue)
    cells = assign_cells(customers["probability"], customers[PROFIT], segment.high_risk, segment.high_profit)
    customers["segment"] = np.where(customers["regular"], cells, NOT_REGULAR)
    customers["flags"] = notes.reindex(customers[ID]).fillna("").to_numpy()
    reasons = not_scored(tables[MONEY.key][ID], customers[ID], prepare.extreme_revenue.rule)
    profit = tables[MONEY.key].set_index(ID)[PROFIT]
    left_out = pd.DataFrame({ID: reasons.index, PROFIT: profit.reindex(reasons.index).to_numpy(), NOT_SCORED: reasons})
    return ScoredMonth(customers, left_out.reset_index(drop=True))
