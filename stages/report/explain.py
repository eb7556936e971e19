"""What `explain` shows: SHAP beeswarm, importance bars, dependence plots and three customers' waterfalls.

Figures describe the deployed model on the untouched test customers; they are returned by name (``figure_names``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shap

from stages.lib.model.importance import EXAMPLE_KINDS
from stages.lib.model.shap_values import Explanation
from stages.lib.words import BASE_RATE, SHAP_UNITS, THIS_CUSTOMER, readable, with_unit
from stages.report import style

FIGURES = ("beeswarm", "importance_columns", "importance_grouped", *(f"waterfall_{kind}" for kind in EXAMPLE_KINDS))


def figure_names(dependence: list[str]) -> list[str]:
    """Every figure ``figures`` draws, in drawing order: one dependence plot per feature in ``dependence``."""
    return [*FIGURES[:3], *(f"dependence_{feature}" for feature in dependence), *FIGURES[3:]]


def shap_view(explanation: Explanation, rows) -> shap.Explanation:
    """The explanation of ``rows`` (customer ids) as shap's plots take it, features in words."""
    values = explanation.values.loc[rows]
    return shap.Explanation(
        values=values.to_numpy(),
        base_values=explanation.base_values.loc[rows].to_numpy(),
        data=explanation.display.loc[rows].to_numpy(dtype=float),
        feature_names=[readable(c) for c in values.columns],
    )


def shap_figure(draw: Callable[[], object], title: str, xlabel: str) -> plt.Figure:
    """Let a shap.plots function draw on a fresh figure, titled in the project style."""
    plt.figure()
    draw()
    fig = plt.gcf()
    width, height = fig.get_size_inches()
    fig.set_size_inches(max(width, 11), height)  # shap's 8 inches clip long feature names' axis labels
    fig.suptitle(title)
    fig.axes[0].set_xlabel(xlabel, fontsize=11)
    return fig


def importance_bars(rows: pd.DataFrame, title: str, unit: str) -> plt.Figure:
    """Mean |SHAP| per row of ``rows`` (most important first), the value written at each bar's end."""
    rows = rows.iloc[::-1]
    fig, ax = style.figure(figsize=(10, 0.32 * len(rows) + 1.6))
    bars = ax.barh([readable(f) for f in rows["feature"]], rows["mean_abs_shap"], color=style.HIGHLIGHT)
    ax.bar_label(bars, fmt="%.3f", padding=3, fontsize=8)
    ax.margins(x=0.12)  # room for the values at the bars' ends
    ax.set(title=title, xlabel=f"mean |SHAP| ({unit} of decline)")
    return fig


def ranked(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """The rows of ``level`` by mean |SHAP| rounded to 6 digits (so that near-ties do not depend on the
    CPU's last bits), ties by name."""
    rows = table[table["level"] == level].assign(rank=lambda t: -t["mean_abs_shap"].round(6))
    return rows.sort_values(["rank", "feature"], kind="stable")


def waterfall_figure(view: shap.Explanation, title: str, unit: str, shown: int = 11) -> plt.Figure:
    """One customer's risk built up from the explainer's base value feature by feature, the
    largest contributions on top, the rest summed in one bar; each row says the customer's value."""
    order = np.argsort(-np.abs(view.values), kind="stable")
    top, rest = order[:shown], order[shown:]
    names = [f"{view.data[i]:.4g} = {view.feature_names[i]}" for i in top]
    steps = [float(view.values[i]) for i in top]
    if len(rest):
        names.append(f"{len(rest)} other features")
        steps.append(float(view.values[rest].sum()))
    base = float(view.base_values)
    starts = base + np.concatenate([[0.0], np.cumsum(steps[::-1])[:-1]])[::-1]
    fig, ax = style.figure(figsize=(9, 0.42 * len(steps) + 2.2))
    positions = np.arange(len(steps))[::-1]
    colours = [style.CLASS_COLORS[1] if step > 0 else style.CLASS_COLORS[0] for step in steps]
    ax.barh(positions, steps, left=starts, color=colours, height=0.6)
    for y, start, step in zip(positions, starts, steps, strict=True):  # every value right of its bar: the names
        right = max(start, start + step)  # on the left stay clear
        ax.annotate(f"{step:+.3f}", (right, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(positions, names, fontsize=9)
    for x, words, line in ((base, BASE_RATE, ":"), (base + sum(steps), THIS_CUSTOMER, "--")):
        ax.axvline(x, color="black", linestyle=line, linewidth=1.2, label=f"{words}: {x:.3f}")
    ax.margins(x=0.15)
    fig.suptitle(title)
    ax.set(xlabel=f"{unit} of decline")
    fig.legend(loc="outside lower center", ncol=2)
    return fig


@contextmanager
def seeded_global_generator(seed: int) -> Iterator[None]:
    """shap's beeswarm jitter and dependence plots draw from NumPy's global generator, which they take no
    seed for: seeded for the same figures on every run, and its state given back after, so that nothing
    else's draws change."""
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def figures(
    explanation: Explanation,
    test_ids: np.ndarray,
    risk: np.ndarray,
    table: pd.DataFrame,
    dependence: list[str],
    examples: dict[str, int],
    seed: int,
) -> dict[str, plt.Figure]:
    """Every figure of ``figure_names(dependence)``, drawn in that order."""
    with seeded_global_generator(seed):
        on_test = shap_view(explanation, test_ids)
        unit = SHAP_UNITS[explanation.output]
        # columns by mean |SHAP|, the means rounded first: shap's own order follows a mean whose last bits
        # depend on the CPU's SIMD kernels, which reorders near-ties from one machine to another
        order = np.argsort(-np.round(np.abs(on_test.values).mean(axis=0), 10), kind="stable")
        drawn = {
            "beeswarm": shap_figure(
                partial(shap.plots.beeswarm, on_test, max_display=16, order=order, show=False),
                "SHAP values on test: each dot is a customer",
                f"SHAP value ({unit} of decline; > 0 raises the risk)",
            ),
            "importance_columns": importance_bars(
                ranked(table, "column").head(20), "Mean |SHAP| per model column (test)", unit
            ),
            "importance_grouped": importance_bars(
                ranked(table, "grouped"), "Mean |SHAP| per input feature, one-hot columns summed (test)", unit
            ),
        }
        columns = list(explanation.values.columns)
        for feature in dependence:
            # coloured by the most important other input feature that is one model column, chosen here: shap's
            # own choice (approximate interactions) flips between near-equal candidates on another CPU's last bits
            other = next(f for f in ranked(table, "grouped")["feature"] if f != feature and f in columns)
            column, colour = columns.index(feature), columns.index(other)
            scatter = partial(shap.plots.scatter, on_test[:, column], color=on_test[:, colour], show=False)
            name = readable(feature)
            fig = shap_figure(scatter, f"How {name.lower()} moves the risk", with_unit(name, feature))
            plot, colour_bar = fig.axes[:2]
            plot.set_ylabel(f"SHAP value ({unit} of decline)", fontsize=11)
            colour_bar.set_ylabel(with_unit(readable(columns[colour]), columns[colour]), fontsize=11)
            drawn[f"dependence_{feature}"] = fig
        for kind in EXAMPLE_KINDS:
            customer = examples[kind]
            row = int(np.flatnonzero(test_ids == customer)[0])
            drawn[f"waterfall_{kind}"] = waterfall_figure(
                on_test[row], f"Customer {customer} ({kind.replace('_', ' ')}): probability {risk[row]:.2f}", unit
            )
        return drawn
