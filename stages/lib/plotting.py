"""One plotting style for every figure: readable English labels, fixed class colours and sizes.

Figures are saved as PNG without metadata that changes between runs, so a rebuild is byte-identical.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from stages.lib.files import atomic_write

CLASS_NAMES = {0: "Same level", 1: "Declined"}
CLASS_COLORS = {0: "#4C72B0", 1: "#DD5A3E"}  # blue = kept activity, red = declined, in every figure
NEUTRAL, HIGHLIGHT = "#8C8C8C", "#2A9D8F"
WIDE, SQUARE, TALL = (10, 5), (7, 6), (9, 8)
DPI = 100

plt.rcParams.update(
    {
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
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


def label(name: str) -> str:
    """snake_case feature name -> readable axis label."""
    return name.replace("_", " ").capitalize()


def save_figure(fig: plt.Figure, path: Path | str) -> None:
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", metadata={"Software": None}))
    plt.close(fig)


def bar_with_errors(
    table: pd.DataFrame,
    name: str,
    value: str,
    error: str,
    path: Path | str,
    *,
    title: str,
    xlabel: str,
    highlight: str | None = None,
    reference: str | None = None,
) -> None:
    """Horizontal bars of value ± error, best on top; one bar highlighted, a reference bar in grey."""
    table = table.sort_values(value)
    colors = [HIGHLIGHT if n == highlight else NEUTRAL if n == reference else CLASS_COLORS[0] for n in table[name]]
    fig, ax = plt.subplots(figsize=WIDE)
    ax.barh(table[name], table[value], xerr=table[error], color=colors, capsize=3)
    for y, (v, e) in enumerate(zip(table[value], table[error], strict=True)):
        ax.text(v + e + 0.005, y, f"{v:.3f}", va="center")
    ax.set_xlim(min(0.45, table[value].min() - 0.05), 1.0)
    ax.set(title=title, xlabel=xlabel)
    save_figure(fig, path)
