"""Figures people can read: the readability checker (tests/readability.py) catches what it is meant to
catch, and the shared two-group figures of stages/report/style.py pass it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from stages.report import style
from tests.readability import assert_readable, readability_problems

# --- the checks themselves fail on what they are meant to catch ---


def test_a_legend_over_the_data_is_caught():
    fig, ax = plt.subplots()
    ax.bar([0, 1], [1, 2], label="bars")
    ax.set(ylabel="count")
    ax.legend(loc="center")
    assert any(p.startswith("legend over axes") for p in readability_problems(fig))
    plt.close(fig)


def test_overlapping_tick_labels_and_clipped_text_are_caught():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.bar(range(6), 1)
    ax.set_xticks(range(6), [f"a long category name {i}" for i in range(6)])
    ax.set(ylabel="share")
    ax.text(1.5, 0.5, "far outside the figure", transform=ax.transAxes)
    with pytest.warns(UserWarning, match="Tight layout not applied"):  # matplotlib gives up on it, as it should
        problems = readability_problems(fig)
    assert any(p.startswith("texts overlap") for p in problems)
    assert any(p.startswith("clipped: 'far outside") for p in problems)
    plt.close(fig)


def test_money_without_unit_and_numbers_without_label_are_caught():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set(title="Revenue current")
    problems = readability_problems(fig)
    assert any(p.startswith("numbers without a label") for p in problems)
    assert any(p.startswith("money or time without a unit") for p in problems)
    plt.close(fig)


# --- the shared two-group figures ---


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(1)
    n = 200
    return pd.DataFrame(
        {
            "revenue_current": rng.normal(5000, 700, n),
            "revenue_previous": rng.normal(4900, 700, n),
            "minutes_current": rng.integers(4, 24, n),
            "minutes_previous": rng.integers(4, 24, n),
            "days_registered": rng.integers(100, 1100, n),
            "pages_per_visit": rng.integers(1, 20, n),
            "favourite_category": rng.choice(
                ["beauty_and_health_devices", "cosmetics_and_accessories", "small_appliances_and_electronics"], n
            ),
            "service_tier": rng.choice(["premium", "standard"], n),
        }
    )


def test_the_shared_figures_are_readable(frame):
    group = (frame["pages_per_visit"] < 8).to_numpy().astype(int)
    continuous = ["revenue_current", "minutes_current", "days_registered", "pages_per_visit"]
    figures = {
        "histograms": style.histograms(frame, group, continuous, title="Histograms"),
        "boxplots": style.boxplots(frame, group, continuous, title="Box plots"),
        "shares": style.share_bars(frame, group, ["favourite_category", "service_tier"], title="Shares"),
        "trends": style.period_trends(
            frame,
            group,
            {"revenue": ["revenue_previous", "revenue_current"], "minutes": ["minutes_previous", "minutes_current"]},
            title="Trends",
        ),
    }
    try:
        assert_readable(figures)
        assert figures["histograms"].axes[0].get_xlabel() == "(per month, unit not stated)"  # revenue
        assert figures["trends"].axes[1].get_ylabel() == "Minutes (minutes per month)"
        assert len(figures["shares"].legends) == 1
    finally:
        for fig in figures.values():
            plt.close(fig)
