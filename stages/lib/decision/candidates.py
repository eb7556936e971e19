"""A month's decision at any size: SHAP reasons only for the customers who can change it.

No offer is worth more to a customer than their *ceiling*: `score` explains candidates highest ceiling
first and stops once the budget's cut is certain, so contacts, order and cut equal those of explaining
everyone. Why this holds, and the actions of customers decided without reasons: docs/scale.md.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from stages.lib.campaign.uplift import effect_ceiling
from stages.lib.decision.offers import Decision, decide_with, decision_summary, expected_value, listing
from stages.lib.decision.unseen_labels import model_view
from stages.lib.schema import ID, NUMERIC_FEATURES, PROFIT, by_id
from stages.lib.settings import Offer, Settings


def ceiling(customers: pd.DataFrame, typical: dict, catalogue: list[Offer]) -> np.ndarray:
    """The highest `expected_value` an offer could have for each customer: only offers that target one of
    the customer's own values (``feature:low|high`` against the typical customer, ``feature:<label>``)
    can be picked by a reason; -inf where no offer targets any of them. ``customers``: probability,
    profit and the features the catalogue targets (an imputed, missing value is never a reason)."""
    probability, profit = customers["probability"].to_numpy(dtype=float), customers[PROFIT].to_numpy(dtype=float)
    best = np.full(len(customers), -np.inf)
    for offer in catalogue:
        targeted = np.zeros(len(customers), dtype=bool)
        for key in offer.targets:
            feature, _, side = key.partition(":")
            if feature not in customers:
                continue
            if feature in NUMERIC_FEATURES:
                values = customers[feature].to_numpy(dtype=float)
                targeted |= values < typical[feature] if side == "low" else values >= typical[feature]
            else:
                targeted |= (customers[feature].astype(object) == side).to_numpy(dtype=bool)
        value = expected_value(probability, profit, offer, effect_ceiling(offer))
        best = np.where(targeted, np.maximum(best, value), best)
    return best


def first_actions(compact: pd.DataFrame) -> np.ndarray:
    """What is decided without reasons ("" = a candidate): ``compact`` has regular, allows_offers, ceiling."""
    regular = compact["regular"].to_numpy(dtype=bool)
    consent = (compact["allows_offers"] == "yes").to_numpy(dtype=bool)
    ceilings = compact["ceiling"].to_numpy(dtype=float)
    first = np.full(len(compact), "", dtype=object)
    rules = [
        (~regular, "not_regular"),
        (~consent, "no_consent"),
        (ceilings == -np.inf, "no_offer"),
        (ceilings <= 0, "not_worth"),
    ]
    for holds, action in reversed(rules):  # the first rule that holds decides: it is written last
        first[holds] = action
    return first


def cut_is_final(actions: pd.DataFrame, next_ceiling: float) -> bool:
    """Would no unexplained customer (all with expected value <= next_ceiling) change the contacts?
    True when the budget left out an explained customer whose expected value is above next_ceiling
    (without a budget nobody is left out: never)."""
    left = actions.loc[actions["action"] == "over_budget", "expected_value"]
    return bool(len(left)) and float(left.max()) > next_ceiling


def explain_until_final(
    queue: pd.DataFrame, decide: Callable, batch: int, at_most: int
) -> Generator[np.ndarray, tuple[pd.DataFrame, pd.DataFrame], tuple[Decision, int, bool]]:
    """Yields the ids to explain next and is sent back their (rows, SHAP values); returns (decision over the
    explained customers, how many were explained, whether that decision is final). The first ids may be none
    (no candidate): their answer gives the columns."""
    rows, reasons, done = [], [], 0
    while True:
        size = max(batch, done)  # doubling: the decision is remade after each batch, on everyone explained
        ids = queue[ID].to_numpy()[done : done + max(0, min(size, at_most - done))]
        if len(ids) or not rows:
            more_rows, more_reasons = yield ids
            rows.append(more_rows)
            reasons.append(more_reasons)
            done += len(ids)
        decision = decide(pd.concat(rows, ignore_index=True), pd.concat(reasons, ignore_index=True))
        if done == len(queue) or cut_is_final(decision.actions, float(queue["ceiling"].iat[done])):
            return decision, done, True
        if done >= at_most:
            return decision, done, False


@dataclass(frozen=True)
class Queue:
    """Who `decide_within_reach` may explain, decided once per month: the caller reads their rows ahead."""

    first: np.ndarray  # `first_actions` of the month's compact table: "" for a candidate
    order: pd.DataFrame  # id and ceiling of the candidates, in the order they are explained

    def ids(self, at_most: int) -> np.ndarray:
        return self.order[ID].to_numpy()[:at_most]


def explanation_queue(compact: pd.DataFrame) -> Queue:
    """The customers decide_within_reach may explain, in the order it explains them: highest ceiling first,
    ties by id; and the first action of everyone else."""
    first = first_actions(compact)
    candidates = by_id(compact.loc[first == "", [ID, "ceiling"]])  # `score` gathers them sorted by id already
    # a stable sort on the ceiling alone keeps ties in id order (one key: a fraction of a two-key sort's time)
    order = candidates.iloc[np.argsort(-candidates["ceiling"].to_numpy(dtype=float), kind="stable")]
    return Queue(first, order.reset_index(drop=True))


def decide_within_reach(
    compact: pd.DataFrame,
    queue: Queue,
    left_out: pd.DataFrame,
    typical: dict,
    settings: Settings,
    batch: int,
    at_most: int,
    label: str,
) -> Generator[np.ndarray, tuple[pd.DataFrame, pd.DataFrame], Decision]:
    """The month's decision with reasons only where they can change it: yields the ids whose (rows, SHAP
    values) it needs next (the caller reads and explains them: no I/O here) and returns the decision.
    ``compact``: every scored customer (id, probability, profit, regular, allows_offers, `ceiling`), by id;
    ``queue``: its `explanation_queue`; ``left_out``: id, profit, not_scored_reason of the customers without
    a score; ``label``: the campaign's."""
    first = queue.first.copy()  # the unexplained candidates' actions are filled in below

    def decide(rows: pd.DataFrame, shap_values: pd.DataFrame) -> Decision:
        # the list shows an unseen label as written; as a reason it is the imputed cell, which is no reason
        return decide_with(settings, listing(rows, left_out), model_view(rows), shap_values, typical, label)

    decision, explained, complete = yield from explain_until_final(queue.order, decide, batch, at_most)
    unexplained = np.isin(compact[ID].to_numpy(), queue.order[ID].to_numpy()[explained:])
    first[unexplained] = "below_cut" if complete else "not_explained"  # a cap stops before the cut is certain
    how = {"reasons": {"explained": explained, "complete": complete}, "budget": decision.summary["budget"]}
    summary = whole_month_summary(decision.actions, compact, first) | how
    return replace(decision, summary=summary)


def whole_month_summary(actions: pd.DataFrame, compact: pd.DataFrame, first: np.ndarray) -> dict:
    """`decision_summary` of the explained list, with the customers decided without reasons counted in."""
    summary = decision_summary(actions)
    decided = pd.Series(first[first != ""]).value_counts()
    summary["customers"] += int(decided.sum())
    summary["actions"] = {a: count + int(decided.get(a, 0)) for a, count in summary["actions"].items()}
    without_consent = first == "no_consent"
    summary["excluded_for_consent"] = int(without_consent.sum())
    summary["profit_of_excluded_for_consent"] = float(compact.loc[without_consent, PROFIT].sum())
    return summary
