"""One plotting style for every figure (colours, sizes, fonts, the PNG's resolution), the two-group charts and the
markdown blocks eda and segment share. Charts return the figure; stages hand it to ``stages.io.figures.write_figures``.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from stages.lib.words import CLASS_NAMES, PERIOD_WORDS, label, unit, with_unit

CLASS_COLORS = {0: "#4C72B0", 1: "#DD5A3E"}  # blue = kept activity, red = declined, in every figure
NEUTRAL, HIGHLIGHT = "#8C8C8C", "#2A9D8F"
WIDE, TALL = (10, 5), (9, 8)

plt.rcParams.update(
    {
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "font.size": 10,
        "axes.titlesize": 12,
        "axes.labelsize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.frameon": False,
        "svg.hashsalt": "one-click",
        "path.simplify": False,
    }
)


# --- two-group figures, shared by eda (declined vs same level) and segment (segment vs the rest) ---


def figure(**kwargs):
    """A figure (one axes unless told otherwise), laid out by constrained layout (titles and legends never clipped)."""
    return plt.subplots(layout="constrained", **kwargs)


def grid(n: int, columns: int = 4, cell: tuple[float, float] = (3.4, 2.6)):
    rows = -(-n // columns)
    fig, axes = figure(nrows=rows, ncols=columns, figsize=(cell[0] * columns, cell[1] * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def legend_below(fig: plt.Figure, ax: plt.Axes, title: str) -> None:
    """The suptitle on top and one legend for every panel at the bottom, outside all axes (it hides no data)."""
    fig.suptitle(title)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels))


def value_label(feature: str, fallback: str = "") -> str:
    """The label of an axis carrying ``feature``'s values: its unit in brackets, or ``fallback``."""
    return f"({unit(feature)})" if unit(feature) else fallback


def histograms(
    frame: pd.DataFrame, group, features: list[str], *, names=CLASS_NAMES, colors=CLASS_COLORS, title: str
) -> plt.Figure:
    """Density histograms of each feature, the two groups overlaid on shared bins."""
    fig, axes = grid(len(features))
    for ax, feature in zip(axes, features, strict=False):
        bins = np.histogram_bin_edges(frame[feature], bins=20)
        for level in (0, 1):
            values = frame.loc[group == level, feature]
            ax.hist(values, bins=bins, density=True, alpha=0.55, color=colors[level], label=names[level])
        ax.set(title=label(feature), ylabel="density", xlabel=value_label(feature, "value"))
    legend_below(fig, axes[0], title)
    return fig


def boxplots(
    frame: pd.DataFrame, group, features: list[str], *, names=CLASS_NAMES, colors=CLASS_COLORS, title: str
) -> plt.Figure:
    """Box plots per group: medians, spread and outliers side by side."""
    fig, axes = grid(len(features))
    for ax, feature in zip(axes, features, strict=False):
        values = [frame.loc[group == level, feature] for level in (0, 1)]
        parts = ax.boxplot(values, patch_artist=True, widths=0.6, flierprops={"markersize": 3})
        for patch, level in zip(parts["boxes"], (0, 1), strict=True):
            patch.set_facecolor(colors[level])
        ax.set_xticks([1, 2], [textwrap.fill(names[level], 14) for level in (0, 1)])
        ax.set(title=label(feature), ylabel=value_label(feature, "value"))
    fig.suptitle(title)
    return fig


def share_bars(
    frame: pd.DataFrame, group, features: list[str], *, names=CLASS_NAMES, colors=CLASS_COLORS, title: str
) -> plt.Figure:
    """For discrete and categorical features: the share of each level within each group. Labels with more
    letters than fit side by side in a cell stand upright, and the cells grow tall enough to hold them."""
    levels = {f: [str(v).replace("_", " ") for v in sorted(frame[f].unique())] for f in features}
    upright = {f: sum(map(len, words)) > 36 for f, words in levels.items()}
    tallest = max([max(map(len, levels[f])) for f in features if upright[f]], default=0)
    fig, axes = grid(len(features), columns=min(4, len(features)), cell=(4.2, 3.0 + 0.08 * tallest))
    for ax, feature in zip(axes, features, strict=False):
        shares = pd.crosstab(frame[feature], group, normalize="columns").reindex(columns=[0, 1], fill_value=0)
        positions = np.arange(len(shares))
        for offset, level in ((-0.2, 0), (0.2, 1)):
            ax.bar(positions + offset, shares[level], width=0.4, color=colors[level], label=names[level])
        ax.set_xticks(positions, [str(v).replace("_", " ") for v in shares.index], rotation=90 * upright[feature])
        numbers = pd.api.types.is_numeric_dtype(frame[feature])  # category names need no axis label
        ax.set(title=label(feature), ylabel="share of group", xlabel=value_label(feature, "value" if numbers else ""))
    legend_below(fig, axes[0], title)
    return fig


def period_trends(
    frame: pd.DataFrame, group, measures: dict[str, list[str]], *, title: str, sample: int = 40, seed: int = 0
) -> plt.Figure:
    """Per-customer trends over periods (thin lines, a seeded sample) with each class's mean ± 95% CI."""
    fig, axes = figure(ncols=len(measures), figsize=WIDE, squeeze=False)
    rng = np.random.default_rng(seed)
    for ax, (measure, columns) in zip(axes.flat, measures.items(), strict=True):
        steps = np.arange(len(columns))
        for level in (0, 1):
            values = frame.loc[group == level, columns].to_numpy(dtype=float)
            color = CLASS_COLORS[level]
            for row in values[rng.permutation(len(values))[:sample]]:
                ax.plot(steps, row, color=color, alpha=0.08, linewidth=0.8)
            mean = values.mean(axis=0)
            half_width = 1.96 * values.std(axis=0, ddof=1) / np.sqrt(len(values))
            ax.fill_between(steps, mean - half_width, mean + half_width, color=color, alpha=0.25)
            ax.plot(steps, mean, color=color, marker="o", linewidth=2.5, label=f"{CLASS_NAMES[level]} (mean)")
        ax.set_xticks(steps, [PERIOD_WORDS[c.removeprefix(f"{measure}_")] for c in columns])
        ax.set(title=label(measure), xlabel="month", ylabel=with_unit(label(measure), measure))
    legend_below(fig, axes.flat[0], title)
    return fig


def effect_sizes(table: pd.DataFrame, *, title: str, positive: str, negative: str) -> plt.Figure:
    """Features ranked by absolute effect size; colour says which group is higher, hatching = not significant."""
    table = table.iloc[::-1]
    fig, ax = figure(figsize=(9, 0.35 * len(table) + 1.5))
    red = (table["effect_size"] > 0) | (table["kind"] == "categorical")
    colors = [CLASS_COLORS[int(is_red)] for is_red in red]
    bars = ax.barh([label(f) for f in table["feature"]], table["effect_size"].abs(), color=colors)
    for bar, significant in zip(bars, table["significant"], strict=True):
        if not significant:
            bar.set_hatch("//")
            bar.set_alpha(0.5)
    ax.set(
        title=title,
        xlabel=f"|effect size|: rank-biserial for numbers, Cramér's V for categories\n"
        f"red: higher in '{positive}' (or categorical), blue: higher in '{negative}'\n"
        "hatched: not significant after Holm's correction",
    )
    return fig


def heatmap(matrix: pd.DataFrame, *, title: str, colorbar: str, fmt=".2f", cmap="Reds", vmax=1.0) -> plt.Figure:
    """``matrix`` as coloured cells from 0 to ``vmax``, each cell's value written in it."""
    values = matrix.to_numpy(dtype=float)
    fig, ax = figure(figsize=TALL)
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=vmax)
    ticks = [label(c) for c in matrix.columns]
    ax.set_xticks(range(len(ticks)), ticks, rotation=90, fontsize=8)  # upright: slanted names would overlap
    ax.set_yticks(range(len(ticks)), ticks, fontsize=8)
    ax.grid(False)
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, format(value, fmt), ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, shrink=0.8, label=colorbar)
    ax.set_title(title)
    return fig


# --- markdown, shared by the eda and segment reports ---


def blocks(*parts: str | list[str]) -> list[str]:
    """Markdown lines: each part (a line, or a list of lines kept together) followed by a blank line."""
    lines = []
    for part in parts:
        lines += [part, ""] if isinstance(part, str) else [*part, ""]
    return lines
