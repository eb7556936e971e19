"""What `explain` shows: SHAP beeswarm, importance bars, dependence plots and three customers' waterfalls.

Figures describe the deployed model on the untouched test customers. They are returned by name
(``FIGURES`` and ``figure_names``) for ``style.save_figures``.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shap

from stages.lib.explaining import EXAMPLE_KINDS, Explanation
from stages.lib.words import SHAP_UNITS, readable
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


def shap_figure(draw: Callable[[], object], title: str) -> plt.Figure:
    """Let a shap.plots function draw on a fresh figure, titled in the project style."""
    plt.figure()
    draw()
    fig = plt.gcf()
    fig.suptitle(title)
    return fig


def grouped_figure(table: pd.DataFrame, unit: str) -> plt.Figure:
    """Mean |SHAP| per input feature (one-hot columns summed), the most important on top."""
    rows = table[table["level"] == "grouped"].iloc[::-1]
    fig, ax = plt.subplots(figsize=style.WIDE)
    ax.barh([readable(f) for f in rows["feature"]], rows["mean_abs_shap"], color=style.HIGHLIGHT)
    ax.set(title="Mean |SHAP| per input feature, one-hot columns summed (test)", xlabel=f"mean |SHAP| ({unit})")
    return fig


def colour_feature(table: pd.DataFrame, feature: str, columns: list[str]) -> str:
    """The feature that colours ``feature``'s dependence plot, chosen explicitly: the most important other
    input feature that is one model column (by mean |SHAP| rounded to 6 digits, ties by name). shap's own
    choice (approximate interactions) flips between near-equal candidates on another CPU's last bits."""
    grouped = table[table["level"] == "grouped"].assign(rank=lambda t: -t["mean_abs_shap"].round(6))
    ranked = grouped.sort_values(["rank", "feature"], kind="stable")["feature"]
    return next(f for f in ranked if f != feature and f in columns)


def figures(
    explanation: Explanation,
    test_ids: np.ndarray,
    risk: np.ndarray,
    table: pd.DataFrame,
    dependence: list[str],
    examples: dict[str, int],
    seed: int,
) -> dict[str, plt.Figure]:
    """Every figure of ``figure_names(dependence)``, drawn in that order (the beeswarm's jitter and the
    dependence plots draw from NumPy's global generator, seeded here)."""
    on_test = shap_view(explanation, test_ids)
    unit = SHAP_UNITS[explanation.output]
    np.random.seed(seed)  # noqa: NPY002
    drawn = {
        "beeswarm": shap_figure(
            lambda: shap.plots.beeswarm(on_test, max_display=16, show=False),
            f"SHAP values on test ({unit} of decline): each dot is a customer",
        ),
        "importance_columns": shap_figure(
            lambda: shap.plots.bar(on_test, max_display=20, show=False), "Mean |SHAP| per model column (test)"
        ),
        "importance_grouped": grouped_figure(table, unit),
    }
    columns = list(explanation.values.columns)
    for feature in dependence:
        column, colour = columns.index(feature), columns.index(colour_feature(table, feature, columns))
        drawn[f"dependence_{feature}"] = shap_figure(
            lambda column=column, colour=colour: shap.plots.scatter(
                on_test[:, column], color=on_test[:, colour], show=False
            ),
            f"How {readable(feature).lower()} moves the risk",
        )
    for kind in EXAMPLE_KINDS:
        customer = examples[kind]
        row = int(np.flatnonzero(test_ids == customer)[0])
        drawn[f"waterfall_{kind}"] = shap_figure(
            lambda row=row: shap.plots.waterfall(on_test[row], max_display=12, show=False),
            f"Customer {customer} ({kind.replace('_', ' ')}): probability {risk[row]:.2f}",
        )
    return drawn
