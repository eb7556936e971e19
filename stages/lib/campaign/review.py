"""A campaign's review: the record joined with the outcomes, the model's realised quality, each offer's
measured effect and money, the Qini curve, and the effects for the next decision.

Pure: `stages/review.py` reads the record and the outcomes and writes what this returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.lib.campaign.effects import measured_effect, strata, updated_effect
from stages.lib.campaign.model_check import model_quality
from stages.lib.campaign.qini import qini_area, qini_curve
from stages.lib.errors import DataError, refused
from stages.lib.schema import ID, PROFIT
from stages.lib.settings import Settings

# a review's selected customers with outcomes, written beside it for `make uplift`
CUSTOMERS = {
    ID: "int64",
    "offer": "object",
    "group": "object",
    "declined": "int64",
    "probability": "float64",
    PROFIT: "float64",
    "offer_cost": "float64",
    "offer_effect": "float64",
    "expected_value": "float64",
}


def joined_outcomes(
    record: pd.DataFrame, outcomes: pd.DataFrame, record_file: str, outcomes_dir: str, least: float
) -> pd.DataFrame:
    """The record with each customer's outcome added in place (``declined``: 1.0, 0.0, or NaN: lost to
    follow-up); refused when the outcomes hold too few of the record's customers to be this campaign's
    follow-up. Both tables list each id once, in increasing order (`read_record`, `outcomes_in_parts`):
    a lookup by position, not a merge, so a month of millions is not copied."""
    known, declined = outcomes[ID].to_numpy(dtype=np.int64), outcomes["declined"].to_numpy(dtype=float)
    ids = record[ID].to_numpy(dtype=np.int64)
    at = np.minimum(np.searchsorted(known, ids), max(len(known) - 1, 0))
    found_here = known[at] == ids if len(known) else np.zeros(len(ids), dtype=bool)
    record["declined"] = np.where(found_here, declined[at] if len(known) else np.nan, np.nan)
    found = float(found_here.mean()) if len(ids) else 0.0
    if found < least:
        problem = (
            f"the outcomes hold {found:.1%} of the campaign record's customers ({record_file}); at least "
            f"{least:.0%} (campaign.min_follow_up) are expected of the same shop three months later"
        )
        raise refused(outcomes_dir, problem, "Check that these are the outcomes of this campaign's customers.")
    if not (record["group"] == "control").any():
        problem = (
            "the campaign record has no control group: every selected customer was contacted, so nothing "
            "shows what would have happened without an offer and no effect can be measured"
        )
        raise DataError(record_file, "group", problem, hint="Score the next month with this version; it holds one out.")
    return record


def offers_review(campaign: pd.DataFrame) -> dict:
    """Per offer with a selected customer: `effects.measured_effect` and the effect assumed at scoring (the
    mean over its treated customers: with an uplift learner each had their own)."""
    table = strata(campaign)
    treated = campaign[campaign["group"] == "treatment"]
    assumed = treated.groupby("offer")["offer_effect"].mean()
    return {
        name: {
            "assumed_effect": float(assumed[name]) if name in assumed else None,
            **measured_effect(table.loc[[name]]),
        }
        for name in table.index
    }


def next_effects(offers: dict, settings: Settings, label: str) -> dict:
    """The updated effect of each measured offer for the next decision, and the params.yaml keys to set."""
    positions = {offer.name: index for index, offer in enumerate(settings.offers.catalogue)}
    updates, overrides = {}, []
    for name, figures in offers.items():
        if not figures.get("enough_data") or name not in positions:
            continue
        current = settings.offers.catalogue[positions[name]].effect
        update = updated_effect(current, figures["effect"], figures["effect_se"], settings.campaign.prior_sd)
        key = f"offers.catalogue.{positions[name]}"
        measured = {
            "campaign": label,
            "treated": figures["treated"],
            "control": figures["control"],
            "ci95_low": round(figures["effect_ci95_low"], 4),
            "ci95_high": round(figures["effect_ci95_high"], 4),
        }
        updates[name] = {**update, "params_key": f"{key}.effect", "measured_provenance": measured}
        overrides.append(f"{key}.effect={round(update['updated'], 4)}")
    rule = (
        "normal-normal: the effect in params.yaml is the prior (sd campaign.prior_sd = "
        f"{settings.campaign.prior_sd:g}), the measurement its likelihood (sd from its interval); each weighs by "
        "its precision"
    )
    return {"rule": rule, "offers": updates, "dvc_exp_run_set": overrides}


def review(
    record: pd.DataFrame, metadata: dict, joined: pd.DataFrame, band_draws: list[dict], settings: Settings
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The review (JSON-ready), its Qini curve, and the selected customers with their outcomes (what an
    uplift learner learns from: `CUSTOMERS`). ``joined``: `joined_outcomes`."""
    followed, selected = joined["declined"].notna().to_numpy(), joined["group"].notna().to_numpy()
    # masks over the whole month, copies of the selected customers only
    untreated = followed & joined["regular"].to_numpy() & (joined["group"] != "treatment").to_numpy()
    verdict = settings.campaign.verdict
    model = model_quality(
        joined["declined"].to_numpy()[untreated],
        joined["probability"].to_numpy()[untreated],
        settings.evaluate.calibration_bins,
        band_draws,
        verdict.auc_margin,
        verdict.calibration_margin,
        settings.seed,
    )
    campaign = joined[followed & selected].astype({"declined": np.int64})
    offers = offers_review(campaign)
    curve = qini_curve(campaign)
    total = measured_effect(strata(campaign)) | {
        "lost_to_follow_up": int((~followed).sum()),
        "lost_to_follow_up_selected": int((~followed & selected).sum()),
        "qini_area": qini_area(curve),
    }
    result = {
        "kind": "campaign_review",
        "campaign_label": metadata["campaign"],
        "record": {key: metadata[key] for key in ("model_md5", "params_md5", "control_share", "seed")},
        "customers_in_record": len(record),
        "model": model,
        "offers": offers,
        "campaign": total,
        "effects": next_effects(offers, settings, metadata["campaign"]),
    }
    customers = campaign[list(CUSTOMERS)].astype(CUSTOMERS).sort_values(ID, kind="stable")
    return result, curve, customers.reset_index(drop=True)
