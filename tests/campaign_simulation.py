"""Campaigns whose truth is known: synthetic campaign records and outcomes drawn from planted offer effects.

A customer not treated (control, or not selected) declines with the model's probability p, a treated one with
p × (1 − effect): the effect each offer of the catalogue assumes. An effect is planted per offer, as a constant
or as a function of the treated rows (heterogeneous: depending on profit, risk, ...). The records follow the
columns of `stages.lib.campaign.record.TYPES`; the control groups are drawn by the pipeline's own
`control_members`, so exactly its `control_size` per offer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from stages.lib.campaign.assignment import control_members
from stages.lib.campaign.record import TYPES
from stages.lib.schema import ID, PROFIT

Effect = float | Callable[[pd.DataFrame], np.ndarray]

BETA = (2.0, 3.0)  # risk of decline: mean 0.4
PROFIT_MEDIAN, PROFIT_SIGMA = 4.0, 0.5  # profit: lognormal, median 4, log-sd 0.5
OFFER_COST = 0.2
ASSUMED_EFFECT = 0.2  # the catalogue's assumption behind expected_value
NOT_SELECTED_SHARE = 0.1  # rows of the record beside the selected ones


def treated_effects(record: pd.DataFrame, planted: dict[str, Effect]) -> np.ndarray:
    """Per row: the planted effect of its offer if the row is treated, else 0. Every offer with a treated row
    needs a planted effect."""
    effect = np.zeros(len(record))
    treated = (record["group"] == "treatment").to_numpy()
    offers = record["offer"].to_numpy()
    missing = set(offers[treated]) - set(planted)
    if missing:
        raise KeyError(f"no planted effect for the treated offers {sorted(missing)}")
    for name, value in planted.items():
        rows = treated & (offers == name)
        if not rows.any():
            continue
        effect[rows] = value(record[rows]) if callable(value) else value
    return effect


def simulate_outcomes(record: pd.DataFrame, planted: dict[str, Effect], rng: np.random.Generator) -> pd.Series:
    """declined (0/1) per row of ``record``: Bernoulli(p) for control and not-selected customers, Bernoulli(p × (1 −
    effect)) for treated ones, the effect planted per offer (a constant or a function of the offer's treated rows)."""
    chance = record["probability"].to_numpy(dtype=float) * (1 - treated_effects(record, planted))
    if np.any((chance < 0) | (chance > 1)):
        raise ValueError("a planted effect takes p × (1 − effect) out of [0, 1]")
    declined = rng.random(len(record)) < chance
    return pd.Series(declined.astype(np.int64), index=record.index, name="declined")


def synthetic_record(
    n_per_offer: dict[str, int],
    control_share: float,
    rng: np.random.Generator,
    *,
    beta: tuple[float, float] | dict[str, tuple[float, float]] = BETA,
    offer_cost: float | dict[str, float] = OFFER_COST,
    not_selected: int | None = None,
) -> pd.DataFrame:
    """A campaign record: ``n_per_offer`` selected customers per offer, of whom `control_members` holds out
    ``control_share`` (per offer, exactly `control_size`), plus ``not_selected`` rows without a group (default a
    tenth of the selected; half of them with an offer not worth contacting, a few not regular). Probabilities
    Beta(``beta``, per offer if a dict), profit lognormal with median 4, expected_value p × profit × 0.2 − cost
    (selected whatever its sign: the risks stay exactly Beta, so the truths stay analytic)."""
    names = list(n_per_offer)
    sizes = np.array([n_per_offer[name] for name in names], dtype=np.int64)
    selected = int(sizes.sum())
    others = int(round(NOT_SELECTED_SHARE * selected)) if not_selected is None else not_selected
    offer = np.repeat(np.array(names, dtype=object), sizes)
    parameters = [beta.get(name, BETA) if isinstance(beta, dict) else beta for name in names]
    first = np.repeat([a for a, _ in parameters], sizes)
    second = np.repeat([b for _, b in parameters], sizes)
    probability = np.r_[rng.beta(first, second), rng.beta(*BETA, others)]
    profit = PROFIT_MEDIAN * np.exp(PROFIT_SIGMA * rng.standard_normal(selected + others))
    costs = {name: offer_cost.get(name, OFFER_COST) if isinstance(offer_cost, dict) else offer_cost for name in names}
    worth = rng.random(others) < 0.5  # not selected but with an offer: not worth contacting
    regular = np.r_[np.ones(selected, dtype=bool), rng.random(others) < 0.9]
    other_offer = np.where(worth, rng.choice(np.array(names, dtype=object), others), None)
    other_action = np.where(worth, "not_worth", np.where(regular[selected:], "no_offer", "not_regular"))
    record = pd.DataFrame(
        {
            ID: np.arange(1, selected + others + 1, dtype=np.int64),
            "probability": probability,
            PROFIT: profit,
            "regular": regular,
            "offer": np.r_[offer, other_offer],
            "group": np.r_[np.full(selected, "treatment", dtype=object), np.full(others, None, dtype=object)],
            "action": np.r_[np.full(selected, "contact", dtype=object), other_action.astype(object)],
        }
    )
    record["offer"] = record["offer"].where(record["offer"].notna(), None)
    record["offer_cost"] = record["offer"].map(costs).astype(float)
    record["offer_effect"] = np.where(record["offer"].notna(), ASSUMED_EFFECT, np.nan)  # what the decision used
    record["expected_value"] = record["probability"] * record[PROFIT] * ASSUMED_EFFECT - record["offer_cost"]
    chosen = record.iloc[:selected]
    held = control_members(chosen, control_share, "simulated campaign", int(rng.integers(2**31)))
    record.loc[held, ["group", "action"]] = ["control", "control"]
    return record[list(TYPES)].astype(TYPES)
