"""stages/report/explain.py: every declared figure is drawn, from a small explanation made by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from stages.lib.model.importance import dependence_features, example_customers, importance_table
from stages.lib.model.shap_values import Explanation
from stages.lib.schema import ID
from stages.report.explain import FIGURES, figure_names, figures
from tests.readability import assert_readable

FEATURES = ["pages_per_visit", "minutes_current", "service_errors", "favourite_category"]
COLUMNS = [
    "pages_per_visit",
    "minutes_current",
    "service_errors",
    "favourite_category_small_appliances_and_electronics",
]


@pytest.fixture(scope="module")
def explained():
    rng = np.random.default_rng(0)
    ids = np.arange(100, 140)
    display = pd.DataFrame(rng.integers(0, 6, (40, 4)).astype(float), columns=COLUMNS, index=ids)
    display[COLUMNS[-1]] = display[COLUMNS[-1]] > 2  # the longest name: the beeswarm must still fit
    values = (display - display.mean()) * [0.05, -0.03, 0.02, 0.04] + rng.normal(0, 0.005, (40, 4))
    explanation = Explanation(values, pd.Series(0.4, index=ids), display.astype(float), "permutation", "probability")
    permutation = pd.DataFrame(
        {"permutation_importance": [0.05, 0.03, 0.01, 0.02], "permutation_std": 0.01}, index=FEATURES
    )
    table = importance_table(explanation, ids, FEATURES, permutation)
    risk = explanation.model_output().to_numpy()
    return explanation, ids, risk, table


def test_every_declared_figure_is_drawn(explained):
    explanation, ids, risk, table = explained
    dependence = dependence_features(table, explanation.values.columns, 2)
    examples = example_customers(pd.DataFrame({ID: ids}), risk, 0.4)
    np.random.seed(123)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    beeswarm = lambda fig: np.vstack([c.get_offsets() for c in fig.axes[0].collections])  # noqa: E731
    first = figures(explanation, ids, risk, table, dependence, examples, seed=0)
    jitter = beeswarm(first["beeswarm"])
    for fig in first.values():
        plt.close(fig)
    drawn = figures(explanation, ids, risk, table, dependence, examples, seed=0)
    # the same jitter each time (seeded), and the caller's global generator as it was
    assert np.array_equal(beeswarm(drawn["beeswarm"]), jitter)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    assert list(drawn) == figure_names(dependence)
    assert set(FIGURES) <= set(drawn) and len(dependence) == 2
    assert all(f"dependence_{feature}" in drawn for feature in dependence)
    assert all(isinstance(fig, plt.Figure) for fig in drawn.values())
    waterfall = drawn["waterfall_highest_risk"]
    assert waterfall.texts[0].get_text().startswith(f"Customer {examples['highest_risk']} ")
    assert_readable(drawn)
    words = [t.get_text() for t in waterfall.legends[0].get_texts()] + [waterfall.axes[0].get_xlabel()]
    assert any(w.startswith("base value (the model at the background customers): 0.") for w in words)
    assert any(w.startswith("this customer: ") for w in words)
    assert not any("f(x)" in w or "E[f(X)]" in w for w in words)
    for fig in drawn.values():
        plt.close(fig)


def test_no_dependence_plots_when_none_are_asked(explained):
    explanation, ids, risk, table = explained
    examples = example_customers(pd.DataFrame({ID: ids}), risk, 0.4)
    drawn = figures(explanation, ids, risk, table, [], examples, seed=0)
    assert list(drawn) == list(FIGURES)
    for fig in drawn.values():
        plt.close(fig)
