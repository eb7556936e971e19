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
from stages.lib.words import Words
from stages.report.segment import FIGURES, difference_sentence, markdown_table, segment_figures, segments_markdown
from tests.markdown_words import headings, language_problems
from tests.readability import assert_readable
from tests.segment_frames import SETTINGS, customers, shap_for

EN, RU = Words("en"), Words("ru")


@pytest.fixture(scope="module")
def analysis():
    frame = customers()
    return analyse_segment(frame, shap_for(frame), SETTINGS, EN)


def markdown(analysis, explained_output: str = "probability", words: Words = EN) -> str:
    return segments_markdown(analysis, SETTINGS, explained_output, words)


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
    assert "**40 regular customers**" in text and "40 scored out-of-fold" in text
    assert (
        "## The risk-by-profit matrix (high risk: probability ≥ 0.7, high profit: ≥ 4 thousand roubles a month)" in text
    )
    assert "## The chosen segment: high risk, high profit" in text
    assert "**20 regular customers** (50.0% of regular customers) bring **100.0 thousand roubles of monthly" in text
    assert "| high risk, high profit | 20 | 50.0% | 100.0 | 71.4% |" in text
    assert "their most common favourite category is «Товары для детей» (65%)" in text  # as the shop writes it
    assert "1. **Personal recommendations.**" in text and "SHAP driver rank 1 in the segment" in text
    assert "(mean SHAP inside the segment vs outside, probability points):" in text
    assert "(mean SHAP inside the segment vs outside, log-odds):" in markdown(analysis, "log_odds")


def test_the_report_is_written_in_russian_with_russian_numbers():
    frame = customers()
    text = markdown(analyse_segment(frame, shap_for(frame), SETTINGS, RU), words=RU)
    assert language_problems(text, "ru") == []
    assert headings(text)[0] == "# Кого из постоянных клиентов удерживать и что им предложить"
    assert (
        "## Матрица «риск × прибыль» (высокий риск: вероятность ≥ 0,7; высокая прибыль: ≥ 4 тыс. руб. в месяц)" in text
    )
    assert "В сегменте **20 постоянных клиентов** (50,0\u00a0% постоянных клиентов)" in text
    assert "| высокий риск, высокая прибыль | 20 | 50,0\u00a0% | 100,0 | 71,4\u00a0% | 0,91 | 1,00 |" in text
    assert "1. **Персональные рекомендации.**" in text and "p с поправкой Холма = 6,6·10⁻⁷" in text
    assert "- Страницы за визит: +0,200 в сегменте против -0,100 у остальных" in text
    assert "[гистограммы](../plots/segment/segment_histograms.png)" in text  # the links stay the files'
    assert language_problems(markdown(analysis_in(EN), words=EN), "en") == []


def analysis_in(words: Words):
    frame = customers()
    return analyse_segment(frame, shap_for(frame), SETTINGS, words)


def test_the_marketing_list_gives_its_reasons_in_the_language_and_its_codes_in_english():
    russian, english = analysis_in(RU).marketing, analysis_in(EN).marketing
    assert list(russian.columns) == list(english.columns) and "reason_1" in russian.columns
    assert russian["reason_1"].iloc[0] == "страницы за визит: ниже обычного (1; обычно 6,5)"
    assert english["reason_1"].iloc[0] == "low pages viewed per visit (1; typical 6.5)"
    assert russian["segment"].iloc[0] == "high_risk_high_profit"  # a code analysts filter on


@pytest.mark.filterwarnings("ignore:One or more sample arguments is too small")  # an empty group: NaN tests
def test_an_empty_segment_is_said_so():
    frame = customers()
    settings = SETTINGS.model_copy(update={"chosen": "low_risk_high_profit"})
    for words in (EN, RU):
        empty = analyse_segment(frame, shap_for(frame), settings, words)
        text = segments_markdown(empty, settings, "probability", words)
        assert language_problems(text, words.language) == []
        heading = "## " + words("segments.chosen.heading", segment=words("segment.low_risk_high_profit"))
        assert f"{heading}\n\n{words('segments.chosen.empty')}" in text
        assert words("segments.offers.none") in text
    assert "## The chosen segment: low risk, high profit\n\nThe chosen segment is empty" in markdown(empty)


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
    assert difference_sentence(numeric, EN) == (
        "Pages viewed per visit is lower: median 4 vs 9 (mean 3.935 vs 8.894; rank-biserial -0.76)."
    )
    assert difference_sentence(numeric, RU) == (
        "Страницы за визит: ниже, медиана 4 против 9 (среднее 3,935 против 8,894; рангово-бисериальная корреляция "
        "-0,76)."
    )
    categorical = pd.Series(
        {
            "feature": "service_tier",
            "kind": "categorical",
            "effect_size": 0.31,
            "shares_segment": "premium: 0.600; standard: 0.400",
            "shares_others": "premium: 0.200; standard: 0.800",
        }
    )
    assert difference_sentence(categorical, EN) == (
        "Service tier differs (Cramér's V 0.31): segment премиум: 60%, стандарт: 40%; "
        "others премиум: 20%, стандарт: 80%."
    )


def test_markdown_table():
    table = markdown_table(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert table == "| a | b |\n|---|---|\n| 1 | x |\n| 2 | y |"
