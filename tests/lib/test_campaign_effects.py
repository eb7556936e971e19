"""The campaign review's figures on small tables computed by hand: each variance term, the standardised rates,
the return on cost, the Haldane correction at both edges, the enough-data gate, the model check's two
thresholds and the power guard. The simulations (test_campaign_statistics.py) check coverage; these pin
each term, which a tenth held out leaves too small for coverage to see."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stages.lib.campaign.effects import Z95, measured_effect
from stages.lib.campaign.model_check import model_quality
from stages.lib.campaign.power import detectable_effect
from stages.lib.campaign.review import next_effects
from stages.lib.settings import parse_settings


def table(rows: dict[str, dict]) -> pd.DataFrame:
    """A `strata` table: per offer, customers, declines, profit lost to decline (sum, sum of squares), cost."""
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("offer")


TWO_OFFERS = table(
    {
        "a": {"treated": 10, "control": 5, "declined_treatment": 3, "declined_control": 2, "lost_treatment": 6.0,
              "lost_control": 5.0, "lost2_treatment": 20.0, "lost2_control": 15.0, "cost": 2.0},
        "b": {"treated": 20, "control": 10, "declined_treatment": 8, "declined_control": 6, "lost_treatment": 16.0,
              "lost_control": 12.0, "lost2_treatment": 40.0, "lost2_control": 36.0, "cost": 3.0},
    }
)  # fmt: skip


def test_the_standardised_effect_and_its_interval_by_hand():
    """Weights 1/3 and 2/3 (each offer's share of the treated); the Katz interval of the log risk ratio."""
    found = measured_effect(TWO_OFFERS)
    rate_t = 1 / 3 * 3 / 10 + 2 / 3 * 8 / 20
    rate_c = 1 / 3 * 2 / 5 + 2 / 3 * 6 / 10
    var_t = (1 / 3) ** 2 * 0.3 * 0.7 / 10 + (2 / 3) ** 2 * 0.4 * 0.6 / 20
    var_c = (1 / 3) ** 2 * 0.4 * 0.6 / 5 + (2 / 3) ** 2 * 0.6 * 0.4 / 10
    se_log = math.sqrt(var_t / rate_t**2 + var_c / rate_c**2)
    assert found["effect"] == pytest.approx(1 - rate_t / rate_c) and found["effect"] == pytest.approx(0.3125)
    assert found["effect_se"] == pytest.approx(rate_t / rate_c * se_log)
    assert found["effect_ci95_low"] == pytest.approx(1 - rate_t / rate_c * math.exp(Z95 * se_log))
    assert found["effect_ci95_high"] == pytest.approx(1 - rate_t / rate_c * math.exp(-Z95 * se_log))
    assert found["decline_rate_treated"] == pytest.approx(11 / 30)
    assert found["decline_rate_control"] == pytest.approx(rate_c)  # weighted by the treated: not (0.4 + 0.6) / 2


def test_the_money_saved_and_the_return_on_cost_by_hand():
    """Per offer treated × (lost per control − lost per treated); each group's sample variance (n − 1)."""
    found = measured_effect(TWO_OFFERS)
    var = {  # sample variances of the profit lost: (Σx² / n − mean²) × n / (n − 1)
        ("a", "t"): (20 / 10 - 0.6**2) * 10 / 9, ("a", "c"): (15 / 5 - 1.0**2) * 5 / 4,
        ("b", "t"): (40 / 20 - 0.8**2) * 20 / 19, ("b", "c"): (36 / 10 - 1.2**2) * 10 / 9,
    }  # fmt: skip
    saved = 10 * (1.0 - 0.6) + 20 * (1.2 - 0.8)
    variance = 10**2 * (var["a", "t"] / 10 + var["a", "c"] / 5) + 20**2 * (var["b", "t"] / 20 + var["b", "c"] / 10)
    half = Z95 * math.sqrt(variance)
    assert found["profit_saved"] == pytest.approx(saved) and saved == pytest.approx(12.0)
    assert found["profit_saved_ci95_low"] == pytest.approx(saved - half)
    assert found["profit_saved_ci95_high"] == pytest.approx(saved + half)
    assert found["cost"] == 5.0 and found["return_on_cost"] == pytest.approx((12.0 - 5.0) / 5.0)
    assert found["return_on_cost_ci95_low"] == pytest.approx((saved - half - 5.0) / 5.0)
    assert found["return_on_cost_ci95_high"] == pytest.approx((saved + half - 5.0) / 5.0)


def one_offer(treated: int, control: int, declined_t: int, declined_c: int) -> pd.DataFrame:
    lost = {"lost_treatment": 0.0, "lost_control": 0.0, "lost2_treatment": 0.0, "lost2_control": 0.0, "cost": 0.0}
    counts = {"declined_treatment": declined_t, "declined_control": declined_c}
    return table({"a": {"treated": treated, "control": control, **counts, **lost}})


@pytest.mark.parametrize(("declined_c", "rate_c"), [(0, 0.5 / 5), (4, 4.5 / 5)], ids=["none declined", "all declined"])
def test_a_control_group_at_either_edge_gets_half_a_customer_each_way(declined_c, rate_c):
    """Haldane: (declines + 1/2) / (customers + 1), its variance over customers + 1, at 0 and at all declines."""
    found = measured_effect(one_offer(10, 4, 2, declined_c))
    se_log = math.sqrt(0.2 * 0.8 / 10 / 0.2**2 + rate_c * (1 - rate_c) / 5 / rate_c**2)
    assert found["effect"] == pytest.approx(1 - 0.2 / rate_c)
    assert found["effect_ci95_low"] == pytest.approx(1 - 0.2 / rate_c * math.exp(Z95 * se_log))


def test_enough_data_needs_five_declines_and_five_kept_in_each_group():
    assert measured_effect(one_offer(10, 10, 5, 5))["enough_data"] is True
    assert measured_effect(one_offer(10, 10, 5, 4))["enough_data"] is False  # 4 declines in control
    assert measured_effect(one_offer(10, 10, 6, 5))["enough_data"] is False  # 4 kept among the treated
    assert measured_effect(one_offer(10, 0, 5, 0)) == {"treated": 10, "control": 0, "measurable": False,
                                                        "enough_data": False}  # fmt: skip


def test_only_an_offer_measured_with_enough_data_updates_the_next_effect(repo_params):
    settings = parse_settings(repo_params)
    names = [offer.name for offer in settings.offers.catalogue]
    enough, too_few = measured_effect(one_offer(400, 100, 80, 40)), measured_effect(one_offer(10, 10, 5, 4))
    assert enough["enough_data"] and too_few["measurable"] and not too_few["enough_data"]
    effects = next_effects({names[0]: enough, names[1]: too_few}, settings, "2026-09")
    assert set(effects["offers"]) == {names[0]} and len(effects["dvc_exp_run_set"]) == 1


@pytest.fixture(scope="module")
def miscalibrated():
    """5 000 customers whose probabilities are squeezed towards 0.5: ranked well, calibrated badly."""
    rng = np.random.default_rng(3)
    truth = rng.beta(2, 3, 5000)
    y = (rng.random(5000) < truth).astype(int)
    return y, 0.5 + 0.5 * (truth - 0.5)


def check(y, p, floor: float, margin: float) -> dict:
    band = [{"roc_auc": floor, "brier": 0.2, "calibration_error": 0.02}] * 3  # the band's 2.5th percentile: floor
    return model_quality(y, p, 10, band, 0.0, margin, 0)


def test_the_ranking_verdict_compares_the_intervals_upper_end_with_the_floor(miscalibrated):
    y, p = miscalibrated
    first = check(y, p, 0.5, 1.0)
    auc, high = first["roc_auc"], first["roc_auc_ci95_high"]
    assert check(y, p, (auc + high) / 2, 1.0)["verdict"] == "as_expected"  # the point below, the interval reaching
    below = check(y, p, high + 0.005, 1.0)
    assert below["verdict"] == "degraded" and below["verdict_reason"] == "ranking"


def test_the_calibration_verdict_compares_the_excess_over_the_noise_floor_with_the_margin(miscalibrated):
    y, p = miscalibrated
    first = check(y, p, 0.5, 1.0)
    noise, error = first["calibration_error_noise"]["if_calibrated_95th_percentile"], first["calibration_error"]
    assert error > 2 * noise  # badly calibrated: the excess and the raw error differ enough to tell them apart
    within = check(y, p, 0.5, error - noise + 1e-4)
    assert within["verdict"] == "as_expected" and within["calibration_error_limit"] == pytest.approx(error + 1e-4)
    beyond = check(y, p, 0.5, error - noise - 1e-4)
    assert beyond["verdict"] == "degraded" and beyond["verdict_reason"] == "calibration"


def test_no_detectable_effect_when_the_smaller_group_expects_fewer_than_five_declines_or_non_declines():
    assert detectable_effect(0.5, 3000, 9) is None  # 4.5 expected declines in control, though power would do
    assert detectable_effect(0.5, 9, 3000) is None
    assert detectable_effect(0.95, 50, 50) is None  # 2.5 expected customers kept in each group
    assert detectable_effect(0.5, 3000, 10) is not None
