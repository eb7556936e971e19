"""Figures people can read: nothing overlaps, nothing is clipped, money and time axes carry their unit.

``readability_problems`` lays a figure out as ``stages.io.figures.write_figures`` does and measures
every drawn text and legend in pixels; the report tests run it on every figure eda, explain and
segment draw.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.transforms import Bbox

from stages.lib.words import UNITS
from stages.report import style

NUMBER = re.compile(r"^[−\-+]?[\d.,\s]+(e[−\-+]?\d+)?%?$")
MONEY_OR_TIME = ("revenue", "profit", "minutes", "days", "spend")


def lay_out(fig: plt.Figure):
    """The figure as saved: the same layout step as ``write_figures``, then drawn."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def drawn_ticks(axis) -> list:
    """The tick labels matplotlib actually draws (those inside the view), non-empty."""
    if not axis.get_visible():
        return []
    ticks = axis._update_ticks()
    return [t.label1 for t in ticks if t.label1.get_visible() and t.label1.get_text().strip()]


def axes_texts(ax) -> list:
    texts = [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
    texts += [*drawn_ticks(ax.xaxis), *drawn_ticks(ax.yaxis), *ax.texts]
    return texts


def visible_texts(fig: plt.Figure) -> list:
    texts = list(fig.texts)
    for ax in fig.axes:
        if ax.get_visible():
            texts += axes_texts(ax)
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def legends(fig: plt.Figure) -> list:
    found = list(fig.legends)
    return found + [ax.get_legend() for ax in fig.axes if ax.get_visible() and ax.get_legend() is not None]


def overlap(a: Bbox, b: Bbox, slack: float = 1.0) -> bool:
    """True when the boxes share more than a ``slack``-pixel sliver."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > slack and min(a.y1, b.y1) - max(a.y0, b.y0) > slack


def clipping(fig, renderer, texts) -> list[str]:
    page = fig.bbox
    return [
        f"clipped: {t.get_text()!r}"
        for t in texts
        if not page.padded(1).contains(*t.get_window_extent(renderer).min)
        or not page.padded(1).contains(*t.get_window_extent(renderer).max)
    ]


def crowding(renderer, texts) -> list[str]:
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    return [
        f"texts overlap: {a!r} and {b!r}"
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if overlap(box_a, box_b)
    ]


def hidden_by_legends(fig, renderer, texts) -> list[str]:
    """A legend may cover neither a plotting area (data) nor any text outside it."""
    problems = []
    for legend in legends(fig):
        box = legend.get_window_extent(renderer)
        own = set(map(id, legend.get_texts())) | {id(legend.get_title())}
        problems += [f"legend over axes {ax.get_title()!r}" for ax in fig.axes if overlap(box, ax.bbox)]
        problems += [
            f"legend over text {t.get_text()!r}"
            for t in texts
            if id(t) not in own and overlap(box, t.get_window_extent(renderer))
        ]
    return problems


def unlabelled(fig: plt.Figure) -> list[str]:
    """An axis with numbers needs a label; an axes about money or time needs a unit in brackets."""
    problems = []
    units = [f"({unit})" for unit in UNITS.values()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            numeric = [t for t in drawn_ticks(axis) if NUMBER.match(t.get_text())]
            if numeric and not axis.label.get_text().strip():
                problems.append(f"numbers without a label on the {axis.axis_name} axis of {ax.get_title()!r}")
        about = " ".join([ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]).lower()
        labels = ax.get_xlabel() + ax.get_ylabel()
        if any(word in about for word in MONEY_OR_TIME) and not any(u in labels for u in units):
            problems.append(f"money or time without a unit in brackets: {about!r}")
    return problems


def readability_problems(fig: plt.Figure) -> list[str]:
    """Every way ``fig`` is hard to read, as sentences; [] when it is fine."""
    renderer = lay_out(fig)
    texts = visible_texts(fig)
    return [
        *clipping(fig, renderer, texts),
        *crowding(renderer, texts),
        *hidden_by_legends(fig, renderer, texts),
        *unlabelled(fig),
    ]


def assert_readable(figures: dict[str, plt.Figure]) -> None:
    problems = {name: readability_problems(fig) for name, fig in figures.items()}
    assert {name: found for name, found in problems.items() if found} == {}


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
