"""Figures people can read: nothing overlaps, nothing is clipped, money and time axes carry their unit.

``readability_problems`` lays a figure out as ``stages.io.figures.write_figures`` does and measures every drawn text and
legend in pixels; the report tests run it on every figure eda, explain and segment draw
(tests/report/test_report_style.py checks that it catches what it is meant to catch).
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
from matplotlib.transforms import Bbox

from stages.lib.words import UNITS

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
