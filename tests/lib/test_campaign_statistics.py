"""The campaign review's statistics against a known truth: outcomes simulated from planted offer effects.

Every simulation has a fixed seed, so each figure below is the same on every run; the bands around the
nominal values are several simulation standard errors wide, so a correct method passes them with any seed and
a wrong interval (too narrow, too wide, biased) fails them. Run with -s to see the figures.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from stages.lib.campaign.effects import measured_effect, strata, updated_effect
from stages.lib.campaign.model_check import delong_auc, model_quality
from stages.lib.campaign.power import detectable_effect
from stages.lib.campaign.qini import qini_area, qini_curve
from stages.lib.schema import ID, PROFIT
from tests.campaign_simulation import PROFIT_MEDIAN, PROFIT_SIGMA, simulate_outcomes, synthetic_record
from tests.stage_runs import ROOT

SHARE = 0.1
SELECTED = {"reminder": 3300, "discount": 2800, "picks": 3000}  # a few thousand treated each, a tenth held out
BETAS = {"reminder": (2.0, 3.0), "discount": (3.0, 3.0), "picks": (2.0, 3.0)}  # mean risk 0.4, 0.5, 0.4
CAMPAIGNS = 400  # coverage's simulation standard error: 1.1 points
HETEROGENEOUS_MAX = 0.4


def by_profit_and_risk(rows: pd.DataFrame) -> np.ndarray:
    """0.4 × Φ(z) × (0.5 + p), z the profit's standard score on the log scale: more for the more profitable and
    the riskier customers, between 0 and 0.6."""
    z = np.log(rows[PROFIT].to_numpy() / PROFIT_MEDIAN) / PROFIT_SIGMA
    return HETEROGENEOUS_MAX * stats.norm.cdf(z) * (0.5 + rows["probability"].to_numpy())


PLANTED = {"reminder": 0.0, "discount": 0.15, "picks": by_profit_and_risk}


def risk_moments(beta: tuple[float, float]) -> tuple[float, float]:
    """E[p] and E[p²] of Beta(a, b)."""
    a, b = beta
    return a / (a + b), a * (a + 1) / ((a + b) * (a + b + 1))


def true_effect(offer: str) -> float:
    """1 − E[p(1 − e)] / E[p] over the offer's customers, p and profit independent. For `by_profit_and_risk`:
    E[Φ(z)] = 1/2, so E[p e] = 0.4 × 1/2 × (0.5 E[p] + E[p²])."""
    mean, square = risk_moments(BETAS[offer])
    if callable(PLANTED[offer]):
        return HETEROGENEOUS_MAX * 0.5 * (0.5 * mean + square) / mean
    return PLANTED[offer]


def true_saved_per_treated(offer: str) -> float:
    """E_control[profit × declined] − E_treated[profit × declined] = E[profit × p × e]. Profit = 4 exp(σZ):
    E[profit] = 4 exp(σ²/2) and E[profit Φ(Z)] = 4 exp(σ²/2) Φ(σ/√2)."""
    mean, square = risk_moments(BETAS[offer])
    profit = PROFIT_MEDIAN * np.exp(PROFIT_SIGMA**2 / 2)
    if callable(PLANTED[offer]):
        return HETEROGENEOUS_MAX * profit * stats.norm.cdf(PROFIT_SIGMA / np.sqrt(2)) * (0.5 * mean + square)
    return PLANTED[offer] * profit * mean


def true_pooled_effect(treated: dict[str, int]) -> float:
    """The campaign's effect standardised to the treated composition: 1 − Σ w E[p(1 − e)] / Σ w E[p], w the
    offers' shares of the treated customers (fixed by the design: exactly `control_size` held out per offer)."""
    weights = {offer: count / sum(treated.values()) for offer, count in treated.items()}
    means = {offer: risk_moments(BETAS[offer])[0] for offer in treated}
    prevented = sum(weights[o] * means[o] * true_effect(o) for o in treated)
    return prevented / sum(weights[o] * means[o] for o in treated)


def test_the_planted_truths_are_what_a_huge_sample_gives():
    """The analytic truths the coverage tests use agree with two million simulated customers per offer."""
    rng = np.random.default_rng(11)
    n = 2_000_000
    for offer, beta in BETAS.items():
        rows = pd.DataFrame(
            {"probability": rng.beta(*beta, n), PROFIT: PROFIT_MEDIAN * np.exp(PROFIT_SIGMA * rng.standard_normal(n))}
        )
        planted = PLANTED[offer]
        effect = planted(rows) if callable(planted) else np.full(n, planted)
        p, profit = rows["probability"].to_numpy(), rows[PROFIT].to_numpy()
        assert 1 - np.mean(p * (1 - effect)) / np.mean(p) == pytest.approx(true_effect(offer), abs=2e-3)
        assert np.mean(profit * p * effect) == pytest.approx(true_saved_per_treated(offer), abs=5e-3)
    assert true_effect("picks") > 0.19  # the relative effect (0.2) is not the mean effect (0.18): risk weighs


@pytest.fixture(scope="module")
def campaigns() -> pd.DataFrame:
    """``CAMPAIGNS`` simulated months, each reviewed as `review.offers_review` does: one row per campaign and
    offer (and 'all' for the campaign), with the truth beside the measurement."""
    rng = np.random.default_rng(2024)
    rows = []
    for campaign in range(CAMPAIGNS):
        record = synthetic_record(SELECTED, SHARE, rng, beta=BETAS)
        declined = simulate_outcomes(record, PLANTED, rng)
        chosen = record["group"].notna()
        table = strata(record[chosen].assign(declined=declined[chosen]))
        treated = table["treated"].to_dict()
        for offer in table.index:
            truth = {"true_effect": true_effect(offer), "true_saved": treated[offer] * true_saved_per_treated(offer)}
            rows.append({"campaign": campaign, "offer": offer, **truth, **measured_effect(table.loc[[offer]])})
        saved = sum(treated[offer] * true_saved_per_treated(offer) for offer in treated)
        truth = {"true_effect": true_pooled_effect(treated), "true_saved": saved}
        rows.append({"campaign": campaign, "offer": "all", **truth, **measured_effect(table)})
    return pd.DataFrame(rows)


def coverage(frame: pd.DataFrame, low: str, high: str, truth: str) -> pd.Series:
    covered = (frame[low] <= frame[truth]) & (frame[truth] <= frame[high])
    return covered.groupby(frame["offer"]).mean()


def test_the_records_hold_the_designed_groups(campaigns):
    """Every simulated month holds out exactly round(10 %) of each offer, so the truths' weights are fixed."""
    per_offer = campaigns[campaigns["offer"] != "all"]
    expected = {offer: round(SHARE * n) for offer, n in SELECTED.items()}
    assert (per_offer["control"] == per_offer["offer"].map(expected)).all()
    assert (per_offer["treated"] + per_offer["control"] == per_offer["offer"].map(SELECTED)).all()


def test_the_effect_interval_covers_the_planted_effect_in_95_percent_of_campaigns(campaigns):
    """Per offer (none, constant, heterogeneous by profit and risk) and for the campaign standardised to its
    treated composition, the Katz 95 % interval covers the truth in 92–98 % of 400 campaigns."""
    covered = coverage(campaigns, "effect_ci95_low", "effect_ci95_high", "true_effect")
    print("\neffect interval coverage:", covered.round(4).to_dict())
    assert set(covered.index) == {*SELECTED, "all"}
    assert covered.between(0.92, 0.98).all(), covered.to_dict()


def test_the_effect_interval_is_as_wide_as_its_spread(campaigns):
    """The reported standard error matches the spread of the estimates across campaigns (within 15 %): the
    interval's width is earned, not padded."""
    spread = campaigns.groupby("offer").agg(sd=("effect", "std"), se=("effect_se", "mean"))
    print("\neffect spread vs reported se:", spread.round(4).to_dict("index"))
    assert (spread["se"] / spread["sd"]).between(0.85, 1.15).all(), spread.to_dict("index")


def test_the_money_saved_interval_covers_the_true_money_saved(campaigns):
    """treated × (E_control[profit × declined] − E_treated[profit × declined]), from the true probabilities, lies
    in the money-saved 95 % interval in 92–98 % of campaigns, per offer and for the campaign."""
    covered = coverage(campaigns, "profit_saved_ci95_low", "profit_saved_ci95_high", "true_saved")
    print("\nmoney saved interval coverage:", covered.round(4).to_dict())
    assert covered.between(0.92, 0.98).all(), covered.to_dict()


def many_strata(treated: int, control: int, beta, planted, sims: int, rng) -> pd.DataFrame:
    """``sims`` one-offer campaigns as `strata` tables (one row each): customers drawn independently, risk
    Beta(``beta``), profit lognormal, the planted effect on the treated. Vectorised: every customer at once."""
    size = treated + control
    p = rng.beta(*beta, (sims, size))
    profit = PROFIT_MEDIAN * np.exp(PROFIT_SIGMA * rng.standard_normal((sims, size)))
    is_treated = np.arange(size) < treated  # customers are exchangeable: the first ``treated`` are treated
    if callable(planted):
        frame = pd.DataFrame({"probability": p.ravel(), PROFIT: profit.ravel()})
        effect = planted(frame).reshape(sims, size)
    else:
        effect = np.full((sims, size), planted)
    declined = rng.random((sims, size)) < p * (1 - np.where(is_treated, effect, 0.0))
    lost = declined * profit

    def total(values, group):
        return values[:, group].sum(axis=1)

    return pd.DataFrame(
        {
            "declined_treatment": total(declined, is_treated).astype(np.int64),
            "declined_control": total(declined, ~is_treated).astype(np.int64),
            "lost_treatment": total(lost, is_treated),
            "lost_control": total(lost, ~is_treated),
            "lost2_treatment": total(lost**2, is_treated),
            "lost2_control": total(lost**2, ~is_treated),
            "treated": treated,
            "control": control,
            "cost": 0.0,
        },
        index=pd.Index([f"sim{i}" for i in range(sims)], name="offer"),
    )


def measured_many(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame([measured_effect(table.iloc[[i]]) for i in range(len(table))])


def test_the_effect_is_unbiased_at_ten_thousand_treated():
    """With 10 000 treated and 1 111 controls the mean measured effect over 600 campaigns is within ±0.01 of
    the planted one, for no effect, a constant one and the heterogeneous one."""
    rng = np.random.default_rng(7)
    biases = {}
    for offer in PLANTED:
        measured = pd.concat(
            [measured_many(many_strata(10_000, 1_111, BETAS[offer], PLANTED[offer], 150, rng)) for _ in range(4)]
        )
        biases[offer] = float(measured["effect"].mean() - true_effect(offer))
        simulation_se = measured["effect"].std() / np.sqrt(len(measured))
        assert simulation_se < 0.002  # enough campaigns for the bound to mean something
    print("\neffect bias at 10 000 treated:", {k: round(v, 5) for k, v in biases.items()})
    assert all(abs(bias) < 0.01 for bias in biases.values()), biases


@pytest.mark.parametrize(
    ("beta", "treated", "control"),
    [((2.0, 3.0), 3000, 333), ((1.0, 4.0), 8000, 800)],
    ids=["p0.4_3000_vs_333", "p0.2_8000_vs_800"],
)
def test_the_detectable_effect_is_found_in_80_percent_of_campaigns(beta, treated, control):
    """At the effect `detectable_effect` returns, 2 000 simulated campaigns (customers' risks spread around
    p_control) find the offer effective (Katz interval excluding 0) in 72–88 % of them, and power.py's own
    test (two proportions, unpooled) in 76–84 %; at half that effect clearly less often."""
    p_control = risk_moments(beta)[0]
    effect = detectable_effect(p_control, treated, control)
    assert effect is not None and 0 < effect < 1
    rng = np.random.default_rng(int(treated))
    katz, proportions = {}, {}
    for planted in (effect, effect / 2):
        table = pd.concat([many_strata(treated, control, beta, planted, 250, rng) for _ in range(8)])
        measured = measured_many(table)
        katz[planted] = float(((measured["effect_ci95_low"] > 0) | (measured["effect_ci95_high"] < 0)).mean())
        rate_t, rate_c = table["declined_treatment"] / treated, table["declined_control"] / control
        z = (rate_c - rate_t) / np.sqrt(rate_t * (1 - rate_t) / treated + rate_c * (1 - rate_c) / control)
        proportions[planted] = float((z.abs() > stats.norm.ppf(0.975)).mean())
    print(
        f"\ndetectable effect {effect:.4f} at p={p_control}, {treated} vs {control}: found by Katz in {katz}, "
        f"by the two-proportion test in {proportions}"
    )
    assert 0.72 <= katz[effect] <= 0.88, katz
    assert 0.76 <= proportions[effect] <= 0.84, proportions
    assert katz[effect / 2] < 0.45 and proportions[effect / 2] < 0.45, (katz, proportions)


MIXTURE = [(0.62, 1.0, 12.0), (0.38, 7.0, 2.0)]  # (weight, a, b): most customers safe, a risky third


def mixture_risks(n: int, rng) -> np.ndarray:
    """Probabilities from a mixture of two Beta laws: mean 0.34, true ROC-AUC of a calibrated model 0.921."""
    weights = np.array([w for w, _, _ in MIXTURE])
    component = rng.choice(len(MIXTURE), n, p=weights / weights.sum())
    a, b = np.array([m[1] for m in MIXTURE])[component], np.array([m[2] for m in MIXTURE])[component]
    return rng.beta(a, b)


def true_auc() -> float:
    """P(p of a decliner > p of a stayer) when y ~ Bernoulli(p): ∫ x f(x) F₀(x) dx / (E[p] E[1 − p]), with
    F₀(x) = ∫₀ˣ (1 − q) f(q) dq = Σ w (I_x(a, b) − a/(a+b) I_x(a+1, b)), I the regularised incomplete beta."""
    mean = sum(w * a / (a + b) for w, a, b in MIXTURE)

    def density(x):
        return sum(w * stats.beta.pdf(x, a, b) for w, a, b in MIXTURE)

    def stayers_below(x):
        return sum(w * (stats.beta.cdf(x, a, b) - a / (a + b) * stats.beta.cdf(x, a + 1, b)) for w, a, b in MIXTURE)

    area = integrate.quad(lambda x: x * density(x) * stayers_below(x), 0, 1, limit=200)[0]
    return area / (mean * (1 - mean))


@pytest.fixture(scope="module")
def band_draws() -> list[dict]:
    return json.loads((ROOT / "reports" / "test_band.json").read_text(encoding="utf-8"))["draws"]


def test_the_mixture_lands_in_the_test_band(band_draws):
    """The simulated model's true ROC-AUC lies inside the real test band (so 'as expected' is the right verdict),
    and the integral agrees with a large sample."""
    auc = true_auc()
    aucs = [draw["roc_auc"] for draw in band_draws]
    assert np.percentile(aucs, 2.5) < auc < np.percentile(aucs, 97.5)
    assert auc == pytest.approx(0.921, abs=0.002)
    rng = np.random.default_rng(3)
    p = mixture_risks(400_000, rng)
    y = rng.random(len(p)) < p
    assert delong_auc(y, p)[0] == pytest.approx(auc, abs=0.003)


def test_the_model_check_agrees_with_a_model_that_is_right_and_flags_one_that_ranks_at_random(band_draws):
    """Outcomes drawn from the model's own probabilities: 'as_expected' in each of 50 months of 5 000 customers;
    drawn from shuffled probabilities (the model ranks at random): 'degraded' in every one."""
    rng = np.random.default_rng(5)
    verdicts = {"right": [], "shuffled": []}
    for month in range(50):
        p = mixture_risks(5000, rng)
        right = (rng.random(len(p)) < p).astype(int)
        shuffled = (rng.random(len(p)) < rng.permutation(p)).astype(int)
        for name, y in (("right", right), ("shuffled", shuffled)):
            verdicts[name].append(model_quality(y, p, 10, band_draws, 0.0, 0.02, month)["verdict"])
    counts = {name: pd.Series(v).value_counts().to_dict() for name, v in verdicts.items()}
    print("\nmodel check verdicts:", counts)
    assert counts["right"] == {"as_expected": 50}
    assert counts["shuffled"] == {"degraded": 50}


def test_a_miscalibrated_model_is_degraded_though_it_ranks_well(band_draws):
    """Probabilities squeezed towards their mean keep the ranking (AUC in the band) but not the calibration."""
    rng = np.random.default_rng(6)
    p = mixture_risks(5000, rng)
    y = (rng.random(len(p)) < p).astype(int)
    squeezed = 0.5 * p + 0.5 * p.mean()
    result = model_quality(y, squeezed, 10, band_draws, 0.0, 0.02, 0)
    assert result["roc_auc_ci95_high"] > np.percentile([d["roc_auc"] for d in band_draws], 2.5)
    assert result["verdict"] == "degraded" and "calibration" in result["why"]


def test_the_delong_interval_covers_the_true_auc_in_about_95_percent_of_samples():
    """Over 400 samples of 5 000 customers, AUC ± 1.96 DeLong standard errors covers the true AUC in 90–99 %."""
    rng = np.random.default_rng(8)
    truth, hits = true_auc(), []
    for _ in range(400):
        p = mixture_risks(5000, rng)
        auc, se = delong_auc(rng.random(len(p)) < p, p)
        hits.append(abs(auc - truth) <= 1.959964 * se)
    rate = float(np.mean(hits))
    print(f"\nDeLong coverage of the true AUC {truth:.4f}: {rate:.4f}")
    assert 0.90 <= rate <= 0.99


def test_the_qini_area_is_positive_when_the_ranking_follows_the_effect_and_near_zero_at_random():
    """With the heterogeneous effect (growing with profit and risk, as expected_value does) on every offer, the
    Qini area over 100 campaigns is clearly positive on average; with the expected values shuffled it is
    within 3 standard errors of 0 and far below."""
    rng = np.random.default_rng(9)
    planted = dict.fromkeys(SELECTED, by_profit_and_risk)
    areas = {"ranked": [], "random": []}
    for _ in range(100):
        record = synthetic_record(SELECTED, SHARE, rng)
        campaign = record[record["group"].notna()].assign(declined=lambda f: simulate_outcomes(f, planted, rng))
        shuffled = campaign.assign(expected_value=rng.permutation(campaign["expected_value"].to_numpy()))
        areas["ranked"].append(qini_area(qini_curve(campaign[[ID, "expected_value", "group", "declined"]])))
        areas["random"].append(qini_area(qini_curve(shuffled[[ID, "expected_value", "group", "declined"]])))
    summary = {name: (float(np.mean(v)), float(np.std(v, ddof=1) / np.sqrt(len(v)))) for name, v in areas.items()}
    print("\nqini area (mean, standard error):", summary)
    (ranked, ranked_se), (random, random_se) = summary["ranked"], summary["random"]
    assert ranked > 5 * ranked_se
    assert abs(random) < 3 * random_se
    assert ranked > 5 * abs(random) + 3 * random_se


def test_a_measurement_outweighs_the_assumption_as_its_error_vanishes_and_not_at_all_as_it_grows():
    """weight → 1 as measured_se → 0, → 0 as it grows without bound; equal precisions weigh equally."""
    sharp = updated_effect(0.2, 0.35, 1e-6, 0.05)
    assert sharp["weight_of_measurement"] > 1 - 1e-6 and sharp["updated"] == pytest.approx(0.35, abs=1e-6)
    vague = updated_effect(0.2, 0.35, 1e6, 0.05)
    assert vague["weight_of_measurement"] < 1e-6 and vague["updated"] == pytest.approx(0.2, abs=1e-6)
    even = updated_effect(0.2, 0.3, 0.05, 0.05)
    assert even["weight_of_measurement"] == pytest.approx(0.5) and even["updated"] == pytest.approx(0.25)
    assert even["updated_sd"] == pytest.approx(0.05 / np.sqrt(2))
    weights = [updated_effect(0.2, 0.3, se, 0.05)["weight_of_measurement"] for se in np.geomspace(1e-4, 1e2, 30)]
    assert np.all(np.diff(weights) < 0)


def test_the_updated_effect_lies_between_the_assumed_and_the_measured():
    """For random assumptions, measurements (some outside [0, 1]) and errors: the update lies between the two,
    within [0, 1], and is more certain than either."""
    rng = np.random.default_rng(10)
    for assumed, measured, se, prior in zip(
        rng.uniform(0, 1, 500),
        rng.uniform(-0.3, 1.2, 500),
        np.exp(rng.uniform(-8, 2, 500)),
        np.exp(rng.uniform(-5, 0, 500)),
        strict=True,
    ):
        update = updated_effect(float(assumed), float(measured), float(se), float(prior))
        assert min(assumed, measured) - 1e-12 <= update["updated"] <= max(assumed, measured) + 1e-12
        assert 0 <= update["updated"] <= 1
        assert update["updated_sd"] <= min(se, prior) + 1e-15


def test_both_groups_variance_counts_when_half_is_held_out():
    """With a tenth held out the treated group's share of each interval's variance is small; with half held
    out it is half, so an interval that left it out would cover the truth in about 84 % of campaigns, not 95 %.
    1 000 one-offer campaigns of 2 000 treated and 2 000 controls: both intervals cover in 93-97 %."""
    rng = np.random.default_rng(50)
    offer = "discount"
    table = pd.concat([many_strata(2000, 2000, BETAS[offer], PLANTED[offer], 250, rng) for _ in range(4)])
    measured = measured_many(table).assign(
        offer=offer, true_effect=true_effect(offer), true_saved=2000 * true_saved_per_treated(offer)
    )
    effect = coverage(measured, "effect_ci95_low", "effect_ci95_high", "true_effect")[offer]
    saved = coverage(measured, "profit_saved_ci95_low", "profit_saved_ci95_high", "true_saved")[offer]
    print(f"\nhalf held out: effect coverage {effect:.3f}, money saved coverage {saved:.3f}")
    assert 0.93 <= effect <= 0.97 and 0.93 <= saved <= 0.97, (effect, saved)
