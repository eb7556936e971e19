"""stages/report/campaign.py: what the last campaign achieved, measured figures only where they hold."""

from __future__ import annotations

import pytest

from stages.lib.campaign.power import MIN_EXPECTED
from stages.lib.words import Words
from stages.report.campaign import achieved_section, review_summary
from tests.stage_runs import a_review

MEASURED = {
    "treated": 900, "control": 100, "measurable": True, "effect": 0.25, "effect_ci95_low": 0.1,
    "effect_ci95_high": 0.4, "profit_saved": 12.5, "profit_saved_ci95_low": 4.0, "profit_saved_ci95_high": 21.0,
    "cost": 5.6, "assumed_effect": 0.12,
}  # fmt: skip


def review_of(enough: bool) -> dict:
    """A review whose one offer, and the campaign, were measured with enough data in each group or not."""
    review = a_review()
    figures = {**MEASURED, "enough_data": enough, "effect": -0.222, "effect_ci95_low": -0.9, "effect_ci95_high": 0.3}
    figures = figures if not enough else {**MEASURED, "enough_data": True}
    review["offers"] = {"cross_category_bundle": figures}
    review["campaign"] = {**figures, "lost_to_follow_up": 0}
    return review


@pytest.mark.parametrize("language", ["ru", "en"])
def test_an_effect_measured_on_too_few_customers_is_said_so_not_shown_with_an_interval(language):
    w = Words(language)
    console, page = review_summary(review_of(False), w), achieved_section(review_of(False), w)
    least = w.count(MIN_EXPECTED)
    assert w("achieved.too_few", least=least) in page
    assert w.percent(-0.222, 1) not in console and w.percent(-0.222) not in page  # the biased estimate is not shown
    assert w.number(12.5) not in page and w.number(12.5) not in console
    offer_line = next(line for line in console.splitlines() if w.offer("cross_category_bundle") in line)
    assert offer_line == w(
        "review.too_few", offer=w.offer("cross_category_bundle"), treated=w.count(900), control=w.count(100),
        least=least, assumed=w.percent(0.12, 1),
    )  # fmt: skip
    assert w("review.all_too_few", least=least, unit=w("unit.money"), cost=w.number(5.6)) in console


@pytest.mark.parametrize("language", ["ru", "en"])
def test_an_effect_measured_with_enough_data_is_shown_with_its_interval_and_the_cost_with_its_unit(language):
    w = Words(language)
    console, page = review_summary(review_of(True), w), achieved_section(review_of(True), w)
    interval = w("achieved.interval", value=w.percent(0.25, 1), low=w.percent(0.1, 1), high=w.percent(0.4, 1))
    assert interval in console and w("achieved.too_few", least=w.count(MIN_EXPECTED)) not in page
    assert f"{w.number(5.6)} {w('unit.money')}" in console  # the one-off cost has its unit
