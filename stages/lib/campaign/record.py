"""The campaign record: every scored customer of a month, the offer and group the decision gave them.

`score` writes it beside the action list (stages/io/campaign_store.py); `review` joins it with the
outcomes three months later. Machine-readable, so English: `group` is treatment, control or null.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from stages.lib.schema import ID, PROFIT, by_id
from stages.lib.settings import Settings

GROUPS = {"contact": "treatment", "control": "control"}
TYPES = {
    ID: "int64",
    "probability": "float64",
    PROFIT: "float64",
    "regular": "bool",
    "offer": "object",
    "offer_cost": "float64",
    "offer_effect": "float64",
    "group": "object",
    "expected_value": "float64",
    "action": "object",
}


def campaign_record(scored: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """``scored``: id, probability, profit, regular of every scored customer; ``actions``: the action list
    (customers without reasons are absent from it: their offer, value and action stay null).

    Built by position, not by a merge: a month of ten million customers has a few thousand decided ones,
    and a merge with its copies cost about 185 bytes per customer at the peak of `score`."""
    decided = actions.loc[actions["probability"].notna()]
    record = by_id(scored[[ID, "probability", PROFIT, "regular"]])
    ids, wanted = record[ID].to_numpy(), decided[ID].to_numpy()
    at = np.minimum(np.searchsorted(ids, wanted), max(len(ids) - 1, 0))
    unmatched = len(wanted) > 0 and (not len(ids) or (ids[at] != wanted).any())
    if (ids[1:] == ids[:-1]).any() or len(np.unique(wanted)) != len(wanted) or unmatched:
        raise ValueError("the action list and the scored customers do not match one to one by id")
    action = decided["action"].where(decided["action"].notna(), None)
    offer = decided["offer"].where(decided["offer"].notna() & (decided["offer"] != ""), None)
    columns = {
        "offer": offer,
        "offer_cost": decided["offer_cost"],
        "offer_effect": decided["offer_effect"],
        "group": action.map(GROUPS).where(action.isin(list(GROUPS)), None),
        "expected_value": decided["expected_value"],
        "action": action,
    }
    for name in list(TYPES)[len(record.columns) :]:  # added in the record's order: selecting them would copy all
        column = np.full(len(ids), None, dtype=object) if TYPES[name] == "object" else np.full(len(ids), np.nan)
        column[at] = columns[name].to_numpy(dtype=column.dtype)
        record[name] = column
    return record.astype(TYPES, copy=False)


def record_metadata(label: str, model_md5: str, params_md5: str, settings: Settings) -> dict:
    """What the record was made with: the review needs the offers' assumed effects and costs of that month."""
    catalogue = settings.offers.catalogue
    offers = {
        o.name: {"effect": o.effect, "cost": o.cost, "measured": o.measured is not None, "uplift": o.uplift is not None}
        for o in catalogue
    }
    return {
        "campaign": label,
        "model_md5": model_md5,
        "params_md5": params_md5,
        "control_share": settings.campaign.control_share,
        "seed": settings.seed,
        "offers": offers,
    }


def dumps(metadata: dict) -> str:
    return json.dumps(metadata, sort_keys=True, ensure_ascii=False)
