"""After two or more reviewed campaigns: an effect per customer instead of one per offer, where it ranks better.

A two-model learner per offer (Radcliffe's "two models"; scikit-uplift's `TwoModels`): one logistic
regression of the decline on the control customers, one on the treated, over the same covariates; the
customer's effect is 1 − p_treated(x) / p_control(x), the share of the probability of decline the offer
removes, the very quantity `offers.catalogue[].effect` assumes. It is clipped to [0, cap], cap being the
largest effect it gave a training customer, so that a ceiling computed with the cap stays an upper bound.

Covariates: the churn model's probability (its logit and the logit's square: it summarises the model's
features) and the customer's profit (log), both in the campaign record, so a review needs nothing but the
record and the outcomes. With control groups of a tenth of the selected customers, a learner over all
fifteen features would fit the control side on a few hundred customers; these three keep it stable.

Chosen per offer only where it beats the constant effect on held-out data: fitted on every reviewed month
but the last, both rank the last month's treated and control customers by expected value; the learner
is kept when its Qini area is larger beyond the noise of that month (the one-sided 95 %
lower bound of the gain, by a paired bootstrap, above zero), and is then refitted on every month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from stages.lib.campaign.qini import gains
from stages.lib.schema import ID, PROFIT

EDGE = 1e-6  # probabilities are kept inside (EDGE, 1 - EDGE) before their logit
DIGITS = 10  # coefficients are rounded: the same JSON on every machine
LEARNER = "two_model_logistic"
BOOTSTRAP = 200  # replicates of the held-out month behind the learner's lower bound


def covariates(frame: pd.DataFrame) -> np.ndarray:
    """The learner's covariates of ``frame``, one row per customer: logit of the probability, its square, and
    log(1 + profit)."""
    p = np.clip(frame["probability"].to_numpy(dtype=float), EDGE, 1 - EDGE)
    logit = np.log(p / (1 - p))
    profit = np.log1p(np.maximum(frame[PROFIT].to_numpy(dtype=float), 0.0))
    return np.column_stack([logit, logit**2, profit])


def fit_side(x: np.ndarray, declined: np.ndarray, mean: np.ndarray, sd: np.ndarray, c: float) -> dict:
    """One logistic regression on standardised covariates (lbfgs: deterministic), rounded."""
    model = LogisticRegression(C=c, max_iter=1000).fit((x - mean) / sd, declined)
    return {
        "intercept": round(float(model.intercept_[0]), DIGITS),
        "coef": [round(float(v), DIGITS) for v in model.coef_[0]],
    }


def side_probability(side: dict, x: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    score = side["intercept"] + ((x - mean) / sd) @ np.asarray(side["coef"], dtype=float)
    return 1 / (1 + np.exp(-score))


def fit_offer(customers: pd.DataFrame, c: float) -> dict:
    """The two models of one offer. ``customers``: its treated and control customers with outcomes
    (probability, profit, group, declined)."""
    x = covariates(customers)
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    treated = (customers["group"] == "treatment").to_numpy()
    declined = customers["declined"].to_numpy(dtype=np.int64)
    model = {
        "mean": [round(float(v), DIGITS) for v in mean],
        "sd": [round(float(v), DIGITS) for v in sd],
        "control": fit_side(x[~treated], declined[~treated], mean, sd, c),
        "treatment": fit_side(x[treated], declined[treated], mean, sd, c),
        "cap": 1.0,
    }
    model["cap"] = round(float(raw_effect(model, customers).max()), DIGITS)
    return model


def raw_effect(model: dict, frame: pd.DataFrame) -> np.ndarray:
    x = covariates(frame)
    mean, sd = np.asarray(model["mean"], dtype=float), np.asarray(model["sd"], dtype=float)
    control = side_probability(model["control"], x, mean, sd)
    treated = side_probability(model["treatment"], x, mean, sd)
    return np.clip(1 - treated / control, 0.0, 1.0)


def predicted_effect(model: dict, frame: pd.DataFrame) -> np.ndarray:
    """Each customer's effect of the offer, in [0, cap]."""
    return np.minimum(raw_effect(model, frame), model["cap"])


def learnable(customers: pd.DataFrame, least: int) -> bool:
    """Both groups hold at least ``least`` customers, and some declines and non-declines each."""
    for _, group in customers.groupby("group"):
        if len(group) < least or group["declined"].nunique() < 2:
            return False
    return customers["group"].nunique() == 2


def ranked_area(ranking: np.ndarray, test: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
    """Qini areas (customers kept, as qini.py) of ``test`` ranked by ``ranking`` (highest first, ties by id),
    one per row of ``weights`` (customers' bootstrap weights; a row of ones: the month itself). Customers,
    not profit: profit-weighted areas proved too noisy to see a real gain (docs/campaign.md)."""
    order = np.lexsort((test[ID].to_numpy(), -ranking))
    treated = (test["group"].to_numpy() == "treatment")[order]
    kept = (1 - test["declined"].to_numpy()).astype(float)[order]
    w = weights[:, order]
    curve = gains(treated, kept, w)
    share = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    gap = curve - share * curve[:, -1:]
    zero = np.zeros((len(w), 1))
    return np.trapezoid(np.hstack([zero, gap]), np.hstack([zero, share]), axis=1)


def held_out_gain(train: pd.DataFrame, test: pd.DataFrame, effect: float, c: float, seed: int) -> dict:
    """The learner fitted on ``train`` against the constant ``effect``, ranking ``test`` by expected value:
    both Qini areas and the learner's gain with its one-sided 95 % lower bound (paired Poisson bootstrap of
    the customers, BOOTSTRAP replicates)."""
    value = (test["probability"] * test[PROFIT]).to_numpy()
    learned = value * predicted_effect(fit_offer(train, c), test)
    weights = np.vstack([np.ones(len(test)), np.random.default_rng(seed).poisson(1.0, (BOOTSTRAP, len(test)))])
    constant, uplift = ranked_area(value * effect, test, weights), ranked_area(learned, test, weights)
    differences = uplift[1:] - constant[1:]
    return {
        "constant": round(float(constant[0]), 4),
        "uplift": round(float(uplift[0]), 4),
        "gain": round(float(uplift[0] - constant[0]), 4),
        "gain_lower_95": round(float(np.quantile(differences, 0.05)), 4),
    }


def uplift_models(
    months: list[pd.DataFrame], labels: list[str], assumed: dict[str, float], least: int, c: float, seed: int = 0
) -> dict:
    """Per offer of ``assumed`` (name → the effect in params.yaml): whether the learner replaces the
    constant effect, why, its held-out Qini areas and, when chosen, the model refitted on every month in
    params.yaml's format (`settings.Uplift`). ``months``: each reviewed month's selected customers with
    outcomes (id, offer, group, declined, probability, profit), oldest first; ``labels``: their campaigns."""
    offers = {}
    for name, effect in assumed.items():
        mine = [month[month["offer"] == name].sort_values(ID, kind="stable") for month in months]
        train = pd.concat(mine[:-1], ignore_index=True) if len(months) >= 2 else None
        if train is None or not (learnable(train, least) and learnable(mine[-1], least)):
            why = (
                f"fewer than {least} treated or control customers with outcomes in a month (campaign.uplift_min_group)"
                if len(months) >= 2
                else "one reviewed month: the learner needs one to fit and a later one to be checked on"
            )
            reason = "too_few" if len(months) >= 2 else "one_month"
            offers[name] = {"chosen": "constant", "reason": reason, "least": least, "why": why}
            continue
        areas = held_out_gain(train, mine[-1], effect, c, seed)
        chosen = areas["gain_lower_95"] > 0
        verdict = "it ranks better beyond the noise" if chosen else "not better beyond the month's noise"
        offers[name] = {
            "chosen": "uplift" if chosen else "constant",
            "reason": "qini",
            "assumed_effect": effect,
            "why": (
                f"on the last month held out, the learner's Qini area (customers kept above random targeting, "
                f"averaged over the share targeted) is {areas['uplift']:.1f} against "
                f"{areas['constant']:.1f} for the constant effect {effect:g}: gain {areas['gain']:+.1f}, one-sided "
                f"95 % lower bound {areas['gain_lower_95']:+.1f}: {verdict}"
            ),
            "held_out_qini_area": areas,
        }
        if chosen:
            fitted = fit_offer(pd.concat(mine, ignore_index=True), c)
            offers[name]["model"] = {"learner": LEARNER, "campaigns": list(labels), **fitted}
    return offers


def offer_effects(catalogue: list, customers: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each offer's effect per customer (rows of ``customers``: probability, profit): the learner's where
    params.yaml holds one for the offer, else the constant effect."""
    return {
        offer.name: (
            predicted_effect(offer.uplift.model_dump(), customers)
            if offer.uplift is not None
            else np.full(len(customers), offer.effect)
        )
        for offer in catalogue
    }


def effect_ceiling(offer) -> float:
    """The largest effect the offer can have for any customer: what the ceiling of expected values uses."""
    return offer.uplift.cap if offer.uplift is not None else offer.effect
