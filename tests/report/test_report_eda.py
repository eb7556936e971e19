"""`stages.report.eda`: every declared figure is drawn, and every link of the report points to a file."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from stages.io import paths
from stages.io.figures import write_figures
from stages.io.files import write_csv, write_json
from stages.io.partitions import read_month
from stages.lib.data.exploration import explore, identifier_check
from stages.lib.data.preparation import prepare_customers
from stages.lib.data.quality import QualityLog
from stages.lib.settings import parse_settings
from stages.lib.words import Words
from stages.report import eda as report
from tests.markdown_words import headings, language_problems
from tests.readability import readability_problems
from tests.synthetic import READING, make_raw, write_raw


@pytest.fixture(scope="module")
def drawn(tmp_path_factory, repo_params):
    """Figures and markdown of a small synthetic frame, written under a temporary project root."""
    root = tmp_path_factory.mktemp("eda_report")
    settings = parse_settings(repo_params)
    raw = read_month(write_raw(make_raw(n=120, seed=5), root / "raw"), QualityLog(), READING)
    customers = prepare_customers(raw, settings.prepare, QualityLog())
    study = explore(customers, customers.iloc[: len(customers) * 3 // 4], settings.eda)
    figures = report.figures(customers, study, settings.seed)
    problems = {name: readability_problems(fig) for name, fig in figures.items()}
    names = list(figures)
    markdown = report.markdown(study, names, settings.eda, Words("en"))
    russian = report.markdown(study, names, settings.eda, Words("ru"))
    write_figures(root / paths.EDA_FIGURES, figures)
    write_csv(root / paths.EDA_COMPARISON, study.table)
    write_json(root / paths.EDA_SUMMARY, study.summary)
    (root / paths.EDA_REPORT).write_text(markdown, encoding="utf-8")
    return root, names, markdown, problems, russian


def test_every_figure_is_readable(drawn):
    problems = drawn[3]
    assert {name: found for name, found in problems.items() if found} == {}


def test_every_figure_is_written_and_listed(drawn):
    root, names, markdown, *_ = drawn
    written = {p.stem for p in (root / paths.EDA_FIGURES).glob("*.png")}
    linked = set(re.findall(r"\]\(\.\./plots/eda/([^)]+)\.png\)", markdown))
    section = markdown.split("## All figures", 1)[1]
    listed = set(re.findall(r"\]\(\.\./plots/eda/([^)]+)\.png\)", section))
    assert set(names) == written == linked == listed
    assert len(names) == 8


def test_every_link_of_the_report_points_to_an_existing_file(drawn):
    root, _, markdown, *_ = drawn
    targets = re.findall(r"\]\(([^)]+)\)", markdown)
    assert "../plots/eda/effect_sizes.png" in targets and "eda_comparison.csv" in targets
    report_folder = (root / paths.EDA_REPORT).parent
    for target in targets:
        assert (report_folder / target).is_file(), target


def test_report_words_the_study(drawn):
    _, _, markdown, *_ = drawn
    assert markdown.startswith("# Exploratory analysis: how declining customers differ")
    assert "regular customers" in markdown and "## The 5 features that separate the classes most" in markdown
    assert "Mean revenue from the earliest to the current month: declined " in markdown
    assert "## Leakage check: the customer id" in markdown
    assert language_problems(markdown, "en") == []


def test_the_russian_report_is_russian_to_every_heading_and_number(drawn):
    _, _, english, _, russian = drawn
    assert language_problems(russian, "ru") == []
    assert headings(russian)[0] == "# Разведочный анализ: чем отличаются клиенты, чья активность снизилась"
    assert "## Признаки, сильнее всего разделяющие классы (первые 5)" in russian
    assert "Средняя выручка от самого раннего месяца к текущему: у клиентов со снижением " in russian
    assert len(headings(russian)) == len(headings(english))
    links = lambda text: re.findall(r"\]\(([^)]+)\)", text)  # noqa: E731
    assert links(russian) == links(english)  # the same figures and tables, whatever the language


def test_identifier_markdown_says_whether_the_export_is_ordered_by_label():
    en, ru = Words("en"), Words("ru")
    sorted_by_label = pd.DataFrame({"id": range(100, 120), "activity_declined": [1] * 10 + [0] * 10})
    check = identifier_check(sorted_by_label, bins=4)
    assert "ordered by label" in "\n".join(report.identifier_markdown(check, warn_at=0.6, w=en))
    assert "выгрузка упорядочена по метке" in "\n".join(report.identifier_markdown(check, warn_at=0.6, w=ru))
    assert "100-104: 100\u00a0%" in "\n".join(report.identifier_markdown(check, warn_at=0.6, w=ru))

    interleaved = sorted_by_label.assign(activity_declined=[1, 0] * 5 + [0, 1] * 5)
    check = identifier_check(interleaved, bins=4)
    assert "no order leak" in "\n".join(report.identifier_markdown(check, warn_at=0.6, w=en))


def test_trend_sentence_reads_the_means_from_the_earliest_month():
    means = pd.DataFrame({"m_previous": [6.0, 20.0], "m_current": [2.0, 10.0]}, index=[0, 1])
    assert report.trend_sentence(means, "minutes", Words("en")) == (
        "Mean minutes on site from the earliest to the current month: declined 20 → 10, same level 6 → 2."
    )
    thousands = pd.DataFrame({"r_previous": [4933.2, 4679.0], "r_current": [5198.0, 5304.55]}, index=[0, 1])
    assert report.trend_sentence(thousands, "revenue", Words("ru")) == (
        "Средняя выручка от самого раннего месяца к текущему: у клиентов со снижением 4\u202f679 → 5\u202f305, у "
        "остальных 4\u202f933 → 5\u202f198."
    )
