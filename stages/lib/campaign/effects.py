"""After the outcomes: what each offer really did, against its control group, with intervals.

``effect`` = 1 − decline rate treated / decline rate control: the share of the probability of decline
the offer removed, the quantity `offers.catalogue[].effect` assumes. Its interval is the delta-method
(Katz) interval of the log risk ratio. Several offers together are standardised: each offer's control
rate weighted by that offer's treated customers, since every offer has its own control group. The
money saved is the difference of the profit lost to decline, per customer, between control and
treated, times the treated customers. Formulas and sources: docs/campaign.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from stages.lib.campaign.power import MIN_EXPECTED

Z95 = float(stats.norm.ppf(0.975))


def strata(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per offer: treated/control customers with outcomes, declines, profit lost to decline (sum and sum of
    squares) and cost. ``outcomes``: offer, group, declined (0/1), profit, offer_cost; only customers of a
    group and with an outcome."""
    frame = outcomes.assign(lost=outcomes["declined"] * outcomes["profit"])
    frame = frame.assign(lost2=frame["lost"] ** 2, one=1)
    table = frame.pivot_table(
        index="offer", columns="group", values=["one", "declined", "lost", "lost2"], aggfunc="sum", fill_value=0
    )
    table.columns = [f"{value}_{group}" for value, group in table.columns]
    for column in ("one_treatment", "one_control", "declined_treatment", "declined_control"):
        table[column] = table[column].astype(np.int64) if column in table else 0
    for column in ("lost_treatment", "lost_control", "lost2_treatment", "lost2_control"):
        table[column] = table[column].astype(float) if column in table else 0.0
    cost = outcomes[outcomes["group"] == "treatment"].groupby("offer")["offer_cost"].sum()
    table["cost"] = cost.reindex(table.index).fillna(0.0)
    return table.rename(columns={"one_treatment": "treated", "one_control": "control"}).sort_index()


def rate_and_variance(declined, customers, weights) -> tuple[float, float]:
    """A decline rate standardised by ``weights`` (summing to 1) over strata, and its variance. A stratum
    without a decline, or with nothing but declines, gets half a customer each way (Haldane), so that
    the log of a rate and its variance stay finite."""
    declined, customers = np.asarray(declined, dtype=float), np.asarray(customers, dtype=float)
    edge = (declined == 0) | (declined == customers)
    rates = np.where(edge, (declined + 0.5) / (customers + 1), declined / np.maximum(customers, 1))
    sizes = np.where(edge, customers + 1, customers)
    return float(np.sum(weights * rates)), float(np.sum(weights**2 * rates * (1 - rates) / sizes))


def measured_effect(table: pd.DataFrame) -> dict:
    """Treated and control counts and decline rates, effect with its 95 % interval and standard error,
    money saved with its interval, cost and return, over the strata of ``table`` (one row per offer)."""
    treated, control = int(table["treated"].sum()), int(table["control"].sum())
    result = {"treated": treated, "control": control}
    usable = table[(table["treated"] > 0) & (table["control"] > 0)]
    if usable.empty:
        return result | {"measurable": False, "enough_data": False}
    counts = usable[["declined_treatment", "declined_control"]].to_numpy()
    sizes = usable[["treated", "control"]].to_numpy()
    # the normal approximation behind the interval: 5 declines and 5 customers kept in every group (as power.py)
    enough = bool((counts.sum(axis=0) >= MIN_EXPECTED).all() and ((sizes - counts).sum(axis=0) >= MIN_EXPECTED).all())
    weights = (usable["treated"] / usable["treated"].sum()).to_numpy()
    rate_t, var_t = rate_and_variance(usable["declined_treatment"], usable["treated"], weights)
    rate_c, var_c = rate_and_variance(usable["declined_control"], usable["control"], weights)
    log_ratio = np.log(rate_t / rate_c)
    se_log = np.sqrt(var_t / rate_t**2 + var_c / rate_c**2)
    effect = 1 - float(np.exp(log_ratio))
    saved, saved_var = money_saved(usable)
    cost = float(usable["cost"].sum())
    half = Z95 * np.sqrt(saved_var)
    return result | {
        "measurable": True,
        "enough_data": enough,
        "decline_rate_treated": float((usable["declined_treatment"].sum()) / usable["treated"].sum()),
        # standardised to the treated customers' offers (one offer: its control group's rate)
        "decline_rate_control": float(np.sum(weights * usable["declined_control"] / usable["control"])),
        "effect": effect,
        "effect_se": float((1 - effect) * se_log),
        "effect_ci95_low": 1 - float(np.exp(log_ratio + Z95 * se_log)),
        "effect_ci95_high": 1 - float(np.exp(log_ratio - Z95 * se_log)),
        "profit_saved": saved,
        "profit_saved_ci95_low": saved - half,
        "profit_saved_ci95_high": saved + half,
        "cost": cost,
        "return_on_cost": (saved - cost) / cost if cost > 0 else None,
        "return_on_cost_ci95_low": (saved - half - cost) / cost if cost > 0 else None,
        "return_on_cost_ci95_high": (saved + half - cost) / cost if cost > 0 else None,
    }


def money_saved(table: pd.DataFrame) -> tuple[float, float]:
    """Per stratum: treated × (profit lost to decline per control customer − per treated customer); summed,
    with the variance of that sum (the two groups' sample variances of the profit lost)."""
    saved, variance = 0.0, 0.0
    for row in table.itertuples():
        mean_t, mean_c = row.lost_treatment / row.treated, row.lost_control / row.control
        var_t = max(row.lost2_treatment / row.treated - mean_t**2, 0.0) * row.treated / max(row.treated - 1, 1)
        var_c = max(row.lost2_control / row.control - mean_c**2, 0.0) * row.control / max(row.control - 1, 1)
        saved += row.treated * (mean_c - mean_t)
        variance += row.treated**2 * (var_t / row.treated + var_c / row.control)
    return float(saved), float(variance)


def updated_effect(assumed: float, measured: float, measured_se: float, prior_sd: float) -> dict:
    """Normal-normal update: the assumption is the prior (mean ``assumed``, sd ``prior_sd``), the measurement
    the likelihood; each weighs by its precision. Kept in [0, 1], the range params.yaml allows."""
    prior_precision, data_precision = 1 / prior_sd**2, 1 / max(measured_se, 1e-12) ** 2
    weight = data_precision / (prior_precision + data_precision)
    mean = (1 - weight) * assumed + weight * measured
    return {
        "assumed": assumed,
        "measured": measured,
        "weight_of_measurement": weight,
        "updated": float(min(max(mean, 0.0), 1.0)),
        "updated_sd": float(np.sqrt(1 / (prior_precision + data_precision))),
    }
