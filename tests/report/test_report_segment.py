"""stages/report/segment.py: every declared figure is drawn, and the report links only to declared outputs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from stages.io import paths
from stages.lib.decision.segment_analysis import analyse_segment
from stages.report.segment import FIGURES, difference_sentence, markdown_table, segment_figures, segments_markdown
from tests.readability import assert_readable
from tests.segment_frames import SETTINGS, customers, shap_for


@pytest.fixture(scope="module")
def analysis():
    frame = customers()
    return analyse_segment(frame, shap_for(frame), SETTINGS)


def markdown(analysis, explained_output: str = "probability") -> str:
    return segments_markdown(analysis, SETTINGS, explained_output)


def test_every_declared_figure_is_drawn(analysis):
    figures = segment_figures(analysis, SETTINGS, "probability")
    try:
        assert tuple(figures) == FIGURES
        assert all(isinstance(fig, plt.Figure) and fig.axes for fig in figures.values())
        drivers_axis = figures["segment_shap_drivers"].axes[0]
        assert drivers_axis.get_xlabel() == "mean SHAP (probability points; > 0 raises the risk)"
        matrix_axis = figures["risk_profit_matrix"].axes[0]
        assert matrix_axis.get_ylabel() == "Average monthly profit (thousand roubles per month)"
        assert_readable(figures)
    finally:
        for fig in figures.values():
            plt.close(fig)


def test_every_link_of_the_report_points_to_a_declared_output(analysis):
    text = markdown(analysis)
    targets = re.findall(r"\]\(([^)]+)\)", text)
    declared = {*(paths.SEGMENT_FIGURES / f"{name}.png" for name in FIGURES), *paths.STAGES["segment"].writes}
    resolved = {Path(os.path.normpath(paths.SEGMENTS_REPORT.parent / target)) for target in targets}
    assert resolved <= declared
    assert {paths.SEGMENT_COMPARISON, paths.MARKETING_LIST} <= resolved
    assert {paths.SEGMENT_FIGURES / f"{name}.png" for name in FIGURES} <= resolved  # every figure is linked
    assert "[shares](../plots/segment/segment_shares.png)" in text


def test_report_states_the_segment_in_numbers(analysis):
    text = markdown(analysis)
    assert "**40 regular customers**" in text and "40 customers were scored out-of-fold" in text
    assert "## The risk-by-profit matrix (high risk: probability ≥ 0.7, high profit: ≥ 4)" in text
    assert "## The chosen segment: high risk high profit" in text
    assert "**20 customers** (50.0% of regular customers) bring **100.0 of monthly profit**" in text
    assert "| high risk high profit | 20 | 50.0% | 100.0 | 71.4% |" in text
    assert "1. **Personal recommendations.**" in text
    assert "(mean SHAP inside the segment vs outside, probability points):" in text
    assert "(mean SHAP inside the segment vs outside, log-odds):" in markdown(analysis, "log_odds")


@pytest.mark.filterwarnings("ignore:One or more sample arguments is too small")  # an empty group: NaN tests
def test_an_empty_segment_is_said_so():
    frame = customers()
    empty = analyse_segment(frame, shap_for(frame), SETTINGS.model_copy(update={"chosen": "low_risk_high_profit"}))
    text = markdown(empty)
    assert (
        "## The chosen segment: low risk high profit\n\nThe chosen segment is empty with the current thresholds."
        in text
    )
    assert "No difference is large enough to justify a targeted offer with these thresholds." in text


def test_difference_sentences_read_as_before():
    numeric = pd.Series(
        {
            "feature": "pages_per_visit",
            "kind": "numeric",
            "effect_size": -0.757651,
            "median_segment": 4.0,
            "median_others": 9.0,
            "mean_segment": 3.935135,
            "mean_others": 8.893885,
        }
    )
    assert difference_sentence(numeric) == (
        "Pages viewed per visit is lower: median 4 vs 9 (mean 3.935 vs 8.894; rank-biserial -0.76)."
    )
    categorical = pd.Series(
        {
            "feature": "service_tier",
            "kind": "categorical",
            "effect_size": 0.31,
            "shares_segment": "premium: 0.600",
            "shares_others": "premium: 0.200",
        }
    )
    assert difference_sentence(categorical) == (
        "Service tier differs (Cramér's V 0.31): segment premium: 0.600; others premium: 0.200."
    )


def test_markdown_table():
    table = markdown_table(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert table == "| a | b |\n|---|---|\n| 1 | x |\n| 2 | y |"
