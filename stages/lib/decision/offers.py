"""The monthly action list: one offer per customer, its expected value, consent and the budget cut.

How a customer's reasons pick the offer, and the expected value (thousand roubles per month):
docs/monthly.md, One offer per customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stages.lib.campaign.assignment import control_members, treated_increments
from stages.lib.campaign.power import detectable_effect
from stages.lib.campaign.uplift import offer_effects
from stages.lib.schema import ID, NUMERIC_FEATURES, PROFIT
from stages.lib.settings import Budget, Offer, Settings
from stages.lib.words import Words

REASONS = ("reason_1", "reason_2", "reason_3")
# The action list's columns, in order: the same file for the training month and for a new month.
COLUMNS = (
    "priority",
    ID,
    "probability",
    "risk_band",
    PROFIT,
    "segment",
    "favourite_category",
    "allows_offers",
    *REASONS,
    "offer",
    "offer_reason",
    "offer_cost",
    "offer_effect",
    "effect_source",
    "expected_value",
    "action",
    "note",
    "flags",
)
# contact first, then what the budget left, then why the others get nothing
ACTION_ORDER = (
    "contact", "control", "over_budget", "not_worth", "no_offer", "below_cut", "not_explained", "no_consent",
    "not_regular", "not_scored",
)  # fmt: skip


def listing(customers: pd.DataFrame, left_out: pd.DataFrame | None = None) -> pd.DataFrame:
    """The customers an action list covers: regular ones to decide on, the others with why not. ``customers``:
    id, probability, profit, segment, favourite_category, allows_offers and optionally regular and flags;
    ``left_out``: id, profit, not_scored_reason of customers without a score."""
    listed = customers[[ID, "probability", PROFIT, "segment", "favourite_category", "allows_offers"]].copy()
    regular = customers["regular"].to_numpy(dtype=bool) if "regular" in customers else True
    listed["action"] = np.where(regular, "", "not_regular")
    listed["note"] = ""
    listed["flags"] = customers["flags"].to_numpy() if "flags" in customers else ""
    if left_out is not None and len(left_out):
        extra = pd.DataFrame({ID: left_out[ID], PROFIT: left_out[PROFIT], "action": "not_scored"})
        extra["note"] = [f"not_scored.{reason}" for reason in left_out["not_scored_reason"]]  # a words key
        listed = pd.concat([listed, extra], ignore_index=True)
    for column in ("segment", "favourite_category", "allows_offers", "flags"):
        listed[column] = listed[column].astype(object).where(listed[column].notna(), "")
    listed["probability"] = listed["probability"].astype(float)
    return listed.reset_index(drop=True)


def risk_band(probability, high_risk: float) -> np.ndarray:
    """ "high" or "low" risk per customer: the one reading of the high-risk threshold (inclusive: p >= high_risk)."""
    return np.where(np.asarray(probability, dtype=float) >= high_risk, "high", "low")


def reason_key(feature: str, value, medians: Mapping) -> str:
    """What an offer can target: ``feature:low|high`` against the typical customer, or ``feature:<label>``."""
    if feature in NUMERIC_FEATURES:
        return f"{feature}:{'low' if value < medians[feature] else 'high'}"
    return f"{feature}:{value}"


def describe(feature: str, value, medians: Mapping, words: Words) -> str:
    """A customer's value in words, numbers against the typical (median) customer of the training month."""
    phrase = words.phrase(feature)
    if feature in NUMERIC_FEATURES:
        if value == medians[feature]:  # neither low nor high: say so, not "high (13; typical 13)"
            return words("reason.typical", phrase=phrase, value=words.plain(value))
        side = "low" if value < medians[feature] else "high"
        return words(f"reason.{side}", phrase=phrase, value=words.plain(value), typical=words.plain(medians[feature]))
    return words("reason.label", phrase=phrase, label=words.value(feature, value))


def strongest_reasons(
    listed: pd.DataFrame,
    customers: pd.DataFrame,
    shap_values: pd.DataFrame,
    medians: Mapping,
    min_reason_shap: float,
    words: Words,
) -> pd.DataFrame:
    """Per listed customer (listed's index): up to three features raising the risk most, in words, and
    their keys. ``customers`` holds the feature values; a customer without SHAP values gets no reason.
    The one reasons function: the action list (`decide`) and the segment's marketing list use it."""
    contributions = shap_values.set_index(ID).reindex(listed[ID])
    features = [c.removeprefix("shap_") for c in contributions.columns if c != "shap_base_value"]
    values = contributions[[f"shap_{f}" for f in features]].to_numpy(dtype=float)
    rows = customers.set_index(ID).reindex(listed[ID])[features].to_numpy(dtype=object)
    # each row's features by falling SHAP value (a missing value last), ties in column order
    order = np.argsort(-np.nan_to_num(values, nan=-np.inf), axis=1, kind="stable")
    # those above the threshold lead each row's order: how many of them (a missing value is never above)
    above = (np.take_along_axis(values, order, axis=1) > min_reason_shap).sum(axis=1)
    texts, keys, said = [], [], {}  # said: (feature, value) -> its words, the same for every customer
    for top, count, cells in zip(order[:, :3], np.minimum(above, 3), rows, strict=True):
        picked = [(features[i], cells[i]) for i in top[:count]]
        picked = [(f, v) for f, v in picked if not pd.isna(v)]  # an imputed cell is no reason to tell
        for pair in picked:
            if pair not in said:
                said[pair] = describe(*pair, medians, words)
        texts.append([said[pair] for pair in picked] + [""] * (3 - len(picked)))
        keys.append([reason_key(f, v, medians) for f, v in picked])
    table = pd.DataFrame(texts, columns=list(REASONS), index=listed.index)
    table["reason_keys"] = keys
    return table


def expected_value(probability, profit, offer: Offer, effect=None):
    """Monthly profit the offer is expected to save, minus its cost (thousand roubles): numbers or arrays.
    ``effect``: the customer's own (an uplift learner's), else the offer's constant effect."""
    return probability * profit * (offer.effect if effect is None else effect) - offer.cost


def assign(listed: pd.DataFrame, reasons: pd.DataFrame, catalogue: list[Offer]) -> pd.DataFrame:
    """offer, offer_reason, offer_cost, offer_effect, expected_value and a first action per customer (before
    the budget); each offer's effect per customer from `uplift.offer_effects`."""
    rows = []  # built as plain records: a month's list can hold thousands of customers
    effects = offer_effects(catalogue, listed)
    columns = zip(
        range(len(listed)), listed["action"], listed["allows_offers"], listed["probability"], listed[PROFIT],
        reasons["reason_keys"], *(reasons[r] for r in REASONS), strict=True,
    )  # fmt: skip
    for at, action, consent, probability, profit, keys, *words in columns:
        if not action and consent != "yes":
            action = "no_consent"
        # the best-paying offer a listed reason targets, and that reason's rank (ties: stronger reason, catalogue order)
        targeted = [] if action else [(o, rank) for rank, key in enumerate(keys) for o in catalogue if key in o.targets]
        worth = {o.name: expected_value(probability, profit, o, effects[o.name][at]) for o, _ in targeted}
        found = max(targeted, key=lambda pick: worth[pick[0].name], default=None)
        if found is None:  # decided before (not regular, not scored, no consent) or no offer targets a reason
            rows.append(("", "", action or "no_offer", np.nan, np.nan, np.nan))
            continue
        offer, rank = found
        value, action = worth[offer.name], "contact" if worth[offer.name] > 0 else "not_worth"
        rows.append((offer.name, words[rank], action, offer.cost, effects[offer.name][at], value))
    types = {"offer": object, "offer_reason": object, "action": object, "offer_cost": float}
    types |= {"offer_effect": float, "expected_value": float}
    return pd.DataFrame(rows, index=listed.index, columns=list(types)).astype(types)


def apply_budget(table: pd.DataFrame, budget: Budget, control: Control) -> pd.DataFrame:
    """Customers selected by expected value (highest first, ties by id) until the contacts or their cost reach
    the budget; within each offer a share of them held out as its control group (``control``), who count
    against no limit; the rest of them become ``over_budget``."""
    candidates = table[table["action"] == "contact"].sort_values(["expected_value", ID], ascending=[False, True])
    treated = treated_increments(candidates["offer"], control.share)  # 0 where the prefix adds a control
    within = pd.Series(True, index=candidates.index)
    if budget.contacts is not None:
        within &= np.cumsum(treated) <= budget.contacts
    if budget.money is not None:
        within &= np.cumsum(treated * candidates["offer_cost"].to_numpy()) <= budget.money + 1e-9
    within = within.cummin()  # a cut keeps a prefix of the ranking: nobody below it jumps the queue
    table = table.copy()
    table.loc[within.index[~within], "action"] = "over_budget"
    held = control_members(candidates.loc[within[within].index], control.share, control.label, control.seed)
    table.loc[held, "action"] = "control"
    return table


def action_list(
    listed: pd.DataFrame,
    reasons: pd.DataFrame,
    catalogue: list[Offer],
    budget: Budget,
    high_risk: float,
    control: Control,
    words: Words,
) -> pd.DataFrame:
    """The list a manager acts on, sorted by priority. ``listed``: from `listing` (action "" to decide here)."""
    table = listed.drop(columns="action").join(assign(listed, reasons, catalogue)).join(reasons[list(REASONS)])
    table = apply_budget(table, budget, control)
    table["risk_band"] = np.where(table["probability"].isna(), "", risk_band(table["probability"], high_risk))
    table["effect_source"] = table["offer"].map({o.name: effect_source(o, words) for o in catalogue}).fillna("")
    unknown = (table["action"] == "no_consent") & (table["allows_offers"] != "no")
    table.loc[unknown, "note"] = "consent_unknown"
    notes = zip(table["note"], table["action"], strict=True)
    table["note"] = [words(note or f"action.{action}") for note, action in notes]
    rank = table["action"].map({a: i for i, a in enumerate(ACTION_ORDER)})
    table = table.assign(_rank=rank, _value=table["expected_value"].fillna(-np.inf), _p=table["probability"].fillna(-1))
    table = table.sort_values(["_rank", "_value", "_p", ID], ascending=[True, False, False, True], kind="stable")
    table["priority"] = np.arange(1, len(table) + 1)
    return table[list(COLUMNS)].reset_index(drop=True)


def budget_figures(actions: pd.DataFrame) -> dict:
    """Contacts the budget keeps and leaves, the control group held out, with their cost and expected value
    (thousand roubles; the control group costs nothing and is expected to save nothing)."""
    kept = actions[actions["action"] == "contact"]
    left = actions[actions["action"] == "over_budget"]
    return {
        "contacted": len(kept),
        "control": int((actions["action"] == "control").sum()),
        # what measuring costs: the expected value of the held-out customers, had they been contacted
        "expected_value_held_out": float(actions.loc[actions["action"] == "control", "expected_value"].sum()),
        "cost": float(kept["offer_cost"].sum()),
        "expected_value": float(kept["expected_value"].sum()),
        "over_budget": len(left),
        "expected_value_over_budget": float(left["expected_value"].sum()),
    }


def measurable(actions: pd.DataFrame) -> dict:
    """What this month's groups can measure: the decline rate expected without the offer (the selected
    customers' mean probability) and the smallest effect found with 80 % power (None: too small)."""
    selected = actions[actions["action"].isin(["contact", "control"])]
    contacted, control = int((selected["action"] == "contact").sum()), int((selected["action"] == "control").sum())
    baseline = float(selected["probability"].mean()) if len(selected) else float("nan")
    return {"baseline_decline_rate": baseline, "detectable_effect": detectable_effect(baseline, contacted, control)}


def effect_source(offer: Offer, words: Words) -> str:
    """Where the offer's effect comes from, in words: assumed, measured in a campaign (with its interval),
    or an uplift learner that gives each customer their own."""
    if offer.uplift is not None:
        cap, months = words.percent(offer.uplift.cap, 1), ", ".join(f"«{c}»" for c in offer.uplift.campaigns)
        return words("effect.uplift", learner=offer.uplift.learner, campaigns=months, cap=cap)
    found = offer.measured
    if found is None:
        return words("effect.assumed")
    low, high = words.percent(found.ci95_low, 1), words.percent(found.ci95_high, 1)
    treated, control = words.count(found.treated), words.count(found.control)
    return words("effect.measured", campaign=found.campaign, treated=treated, control=control, low=low, high=high)


def mean_effect(actions: pd.DataFrame, offer: Offer) -> float:
    """The offer's effect: constant, or with an uplift learner the mean over its selected customers."""
    if offer.uplift is None:
        return offer.effect
    selected = actions.loc[actions["action"].isin(["contact", "control"]), "offer_effect"]
    return float(selected.mean()) if len(selected) else offer.effect


def offer_summary(actions: pd.DataFrame, catalogue: list[Offer], words: Words) -> pd.DataFrame:
    """Per offer: customers contacted, held out and left by the budget, cost, expected value (thousand roubles),
    the effect used and where it comes from, and the smallest effect this month can detect."""
    rows = [
        {
            "offer": offer.name,
            "description": offer.description,
            "targets": ", ".join(offer.targets),
            "cost_per_contact": offer.cost,
            "effect": mean_effect(actions[actions["offer"] == offer.name], offer),
            "effect_source": effect_source(offer, words),
            **budget_figures(actions[actions["offer"] == offer.name]),
            **measurable(actions[actions["offer"] == offer.name]),
        }
        for offer in catalogue
    ]
    return pd.DataFrame(rows)


def decision_summary(actions: pd.DataFrame) -> dict:
    """Counts and money of the month's decision: what the budget keeps and what it leaves."""
    counts = actions["action"].value_counts()
    figures = budget_figures(actions)
    no_consent = actions[actions["action"] == "no_consent"]
    return {
        "customers": len(actions),
        "actions": {a: int(counts.get(a, 0)) for a in ACTION_ORDER},
        **figures,
        "expected_value_without_budget": figures["expected_value"] + figures["expected_value_over_budget"],
        "excluded_for_consent": len(no_consent),
        "profit_of_excluded_for_consent": float(no_consent[PROFIT].sum()),
    }


@dataclass(frozen=True)
class Control:
    """The month's control group: its share of the selected customers, and the key of the customers' draws."""

    share: float
    label: str  # the campaign's label: by default the export folder's name
    seed: int


@dataclass(frozen=True)
class Decision:
    """A month's decision: the action list, the per-offer table and the summary numbers."""

    actions: pd.DataFrame
    offers: pd.DataFrame
    summary: dict


def decide_with(
    settings: Settings, listed: pd.DataFrame, customers: pd.DataFrame, shap_values, typical, label: str
) -> Decision:
    """Reasons, offers, expected values, consent, the budget and the control group (keyed by the campaign's
    ``label``) for the customers of ``listing``, with the settings of params.yaml: the one call `segment` and
    `score` share."""
    catalogue, budget = settings.offers.catalogue, settings.budget
    control = Control(settings.campaign.control_share, label, settings.seed)
    words = Words(settings.report.language)
    reasons = strongest_reasons(listed, customers, shap_values, typical, settings.segment.min_reason_shap, words)
    actions = action_list(listed, reasons, catalogue, budget, settings.segment.high_risk, control, words)
    summary = {**decision_summary(actions), "budget": {"contacts": budget.contacts, "money": budget.money}}
    return Decision(actions, offer_summary(actions, catalogue, words), summary)
