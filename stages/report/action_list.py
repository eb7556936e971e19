"""The action list as the manager reads it in Excel: headers with their units and every value in words of the
page's language; numbers stay numbers (the writer gives them a decimal comma), probabilities and effects in %."""

from __future__ import annotations

import pandas as pd

from stages.lib.decision.offers import COLUMNS
from stages.lib.words import Words

PERCENT = ("probability", "offer_effect")  # shares shown as percentages, as on the page


def action_list_table(actions: pd.DataFrame, w: Words, high_risk: float) -> pd.DataFrame:
    """``actions``: `offers.action_list` (codes); the same rows and order, for people."""
    table = actions[list(COLUMNS)].copy()
    bands = w.risk_bands(high_risk)
    for column in PERCENT:
        table[column] = (100 * table[column]).round(2)
    table["risk_band"] = table["risk_band"].map(lambda band: bands.get(band, ""))
    table["segment"] = table["segment"].map(lambda code: w(f"segment.{code}") if code else "")
    table["favourite_category"] = table["favourite_category"].map(lambda code: w.label("favourite_category", code))
    table["allows_offers"] = table["allows_offers"].map(lambda consent: w.value("allows_offers", consent))
    table["offer"] = table["offer"].map(lambda name: w.offer(name) if name else "")
    table["action"] = table["action"].map(lambda action: w(f"act.{action}"))
    table["flags"] = table["flags"].map(w.flags)
    names = {column: w(f"column.{column}") for column in COLUMNS}  # the schema's id and profit are "id", "profit"
    return table.rename(columns=names)
