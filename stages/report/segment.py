"""What `segment` shows: the risk-by-profit matrix, the chosen segment against the rest, reports/segments.md.

Figures are returned by name (``FIGURES``); the markdown links only to declared outputs, relative to the report.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from stages.io import paths
from stages.lib.decision.segment_analysis import SegmentAnalysis
from stages.lib.schema import BINARY_FEATURES, NOMINAL_FEATURES, NUMERIC_FEATURES, PROFIT
from stages.lib.settings import CELLS, Segment
from stages.lib.stats import split_numeric
from stages.lib.words import SEGMENT_NAMES, SHAP_AMOUNTS, Words, label, level, sentence_start, unit, with_unit
from stages.report import style
from stages.report.prose import p_value, shares, signed, significant

SEGMENT_COLORS = {0: style.NEUTRAL, 1: style.HIGHLIGHT}
CELL_COLORS = dict(zip(CELLS, ("#C0392B", "#E59866", "#2874A6", "#AED6F1"), strict=True))
FIGURES = (
    "risk_profit_matrix",
    "segment_histograms",
    "segment_boxplots",
    "segment_shares",
    "segment_effect_sizes",
    "segment_shap_drivers",
)
TWO_GROUPS = "Chosen segment vs the other regular customers"


def figure_link(name: str) -> str:
    return paths.link(paths.SEGMENTS_REPORT, paths.SEGMENT_FIGURES / f"{name}.png")


def figure_markdown(name: str, w: Words) -> str:
    """A figure shown in the report, its alternative text in the report's language."""
    return f"![{w(f'segments.figure.{name}')}]({figure_link(name)})"


def figure_link_markdown(name: str, w: Words) -> str:
    return f"[{w(f'segments.figure.{name}')}]({figure_link(name)})"


# --- figures ---


def matrix_figure(scored: pd.DataFrame, cells: pd.DataFrame, high_risk: float, high_profit: float) -> plt.Figure:
    """Every regular customer by honest risk and profit, the thresholds dashed, each cell's size and profit."""
    fig, ax = style.figure(figsize=(7, 7))
    sizes = cells.set_index("segment")
    for cell in CELLS:  # each cell's size and profit in the legend below, so no box hides a customer
        rows = scored[scored["segment"] == cell]
        customers, profit = sizes.loc[cell, "customers"], sizes.loc[cell, "profit_at_stake"]
        summary = f"{level(cell)}: {customers} customers, profit {profit:,.0f}"
        ax.scatter(rows["probability"], rows[PROFIT], s=10, alpha=0.6, color=CELL_COLORS[cell], label=summary)
    ax.axvline(high_risk, color="black", linestyle="--", linewidth=1)
    ax.axhline(high_profit, color="black", linestyle="--", linewidth=1)
    ax.set(
        xlabel="Probability that activity declines (honest score)",
        ylabel=with_unit("Average monthly profit", PROFIT),
        title="Regular customers by risk and profit",
        xlim=(0, 1),
    )
    fig.legend(loc="outside lower center", ncol=2, fontsize=9, title=f"Cells (profit in {unit(PROFIT)})")
    return fig


def drivers_figure(drivers: pd.DataFrame, amount: str) -> plt.Figure:
    """Mean SHAP per feature inside and outside the segment, the strongest driver on top."""
    table = drivers.iloc[::-1]
    positions = np.arange(len(table))
    fig, ax = style.figure(figsize=style.WIDE)
    ax.barh(positions + 0.2, table["mean_shap_segment"], height=0.4, color=SEGMENT_COLORS[1], label=SEGMENT_NAMES[1])
    ax.barh(positions - 0.2, table["mean_shap_others"], height=0.4, color=SEGMENT_COLORS[0], label=SEGMENT_NAMES[0])
    ax.set_yticks(positions, [label(f) for f in table["feature"]])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(xlabel=f"mean SHAP ({amount}; > 0 raises the risk)")
    style.legend_below(fig, ax, "What drives the risk: mean SHAP per feature, segment vs the rest")
    return fig


def segment_figures(analysis: SegmentAnalysis, segment: Segment, explained_output: str) -> dict[str, plt.Figure]:
    """Every figure of ``FIGURES``, drawn in that order."""
    scored, group = analysis.scored, analysis.in_segment.to_numpy().astype(int)
    continuous, discrete = split_numeric(scored, NUMERIC_FEATURES, segment.discrete_max_levels)
    categorical = [*discrete, *BINARY_FEATURES, *NOMINAL_FEATURES]

    def two_groups(chart, features: list[str], what: str) -> plt.Figure:
        return chart(scored, group, features, names=SEGMENT_NAMES, colors=SEGMENT_COLORS, title=f"{TWO_GROUPS}: {what}")

    return {
        "risk_profit_matrix": matrix_figure(scored, analysis.cells, segment.high_risk, segment.high_profit),
        "segment_histograms": two_groups(style.histograms, continuous, "continuous features"),
        "segment_boxplots": two_groups(style.boxplots, continuous, "medians and spread"),
        "segment_shares": two_groups(style.share_bars, categorical, "discrete and categorical features"),
        "segment_effect_sizes": style.effect_sizes(
            analysis.comparison,
            positive="segment",
            negative="other customers",
            title="How the chosen segment differs from the rest",
        ),
        "segment_shap_drivers": drivers_figure(analysis.drivers, SHAP_AMOUNTS[explained_output]),
    }


# --- reports/segments.md ---


def markdown_table(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def matrix_table(cells: pd.DataFrame, w: Words) -> pd.DataFrame:
    """The matrix as managers read it: headers and cells in words, shares in per cent, profit to one decimal."""
    shown = {
        "segment": [w(f"segment.{cell}") for cell in cells["segment"]],
        "customers": [w.count(n) for n in cells["customers"]],
        "share_of_customers": [w.percent(share, 1) for share in cells["share_of_customers"]],
        "profit_at_stake": [w.number(profit, 1) for profit in cells["profit_at_stake"]],
        "share_of_profit": [w.percent(share, 1) for share in cells["share_of_profit"]],
        "mean_probability": [w.number(p, 2) for p in cells["mean_probability"]],
        "observed_decline_rate": [w.number(rate, 2) for rate in cells["observed_decline_rate"]],
    }
    return pd.DataFrame({w(f"segments.column.{name}", unit=w("unit.money")): v for name, v in shown.items()})


def difference_sentence(row, w: Words) -> str:
    """One row of the comparison (segment vs others) as a sentence."""
    name = sentence_start(w.phrase(row.feature))
    if row.kind == "numeric":
        return w(
            "segments.difference.numeric",
            phrase=name,
            direction=w("reports.higher" if row.effect_size > 0 else "reports.lower"),
            median_segment=significant(w, row.median_segment, 6),
            median_others=significant(w, row.median_others, 6),
            mean_segment=significant(w, row.mean_segment),
            mean_others=significant(w, row.mean_others),
            effect=signed(w, row.effect_size),
        )
    return w(
        "segments.difference.categorical",
        phrase=name,
        effect=w.number(row.effect_size, 2),
        shares_segment=shares(w, row.feature, row.shares_segment),
        shares_others=shares(w, row.feature, row.shares_others),
    )


def chosen_section(analysis: SegmentAnalysis, w: Words) -> list[str]:
    segment, summary = analysis.scored[analysis.in_segment], analysis.summary
    heading = "## " + w("segments.chosen.heading", segment=w(f"segment.{analysis.chosen}"))
    if not len(segment):
        return style.blocks(heading, w("segments.chosen.empty"))
    favourite = segment["favourite_category"].value_counts(normalize=True)
    return style.blocks(
        heading,
        w(
            "segments.chosen.text",
            customers=w.counted(summary["customers"], "reports.regular_customers"),
            share=w.percent(summary["share_of_customers"], 1),
            profit=w.money(summary["profit_at_stake"]),
            profit_share=w.percent(summary["share_of_profit"], 1),
            probability=w.number(summary["mean_probability"], 2),
            allows=w.percent((segment["allows_offers"] == "yes").mean()),
            category=w.label("favourite_category", favourite.index[0]),
            category_share=w.percent(favourite.iloc[0]),
        ),
    )


def differences_section(analysis: SegmentAnalysis, differences_in_report: int, amount: str, w: Words) -> list[str]:
    comparison = analysis.comparison
    top = comparison[comparison["significant"]].head(differences_in_report)
    table = paths.link(paths.SEGMENTS_REPORT, paths.SEGMENT_COMPARISON)
    drivers = [
        w(
            "segments.driver",
            phrase=sentence_start(w.phrase(r.feature)),
            segment=signed(w, r.mean_shap_segment, 3),
            others=signed(w, r.mean_shap_others, 3),
        )
        for r in analysis.drivers.head(5).itertuples()
    ]
    return style.blocks(
        "## " + w("segments.differences.heading"),
        [f"- {difference_sentence(row, w)}" for row in top.itertuples()],
        w("segments.full_table", link=f"[`{paths.SEGMENT_COMPARISON.name}`]({table})")
        + f" {figure_markdown('segment_effect_sizes', w)}",
        w("segments.drivers.intro", amount=w(f"segments.amount.{amount}")),
        [f"- {driver}" for driver in drivers],
        figure_markdown("segment_shap_drivers", w),
    )


def offer_item(number: int, offer: dict, w: Words) -> str:
    evidence = w(
        "segments.offers.evidence",
        phrase=w.phrase(offer["feature"]),
        median_segment=significant(w, offer["median_segment"], 6),
        median_others=significant(w, offer["median_others"], 6),
        effect=signed(w, offer["effect_size"]),
        p=p_value(w, offer["p_value_holm"]),
        rank=w.count(offer["driver_rank"]) if offer["driver_rank"] is not None else "–",
    )
    text = w(f"segments.offer.{offer['feature']}.{offer['direction']}")
    return w("segments.offers.item", number=str(number), offer=text, evidence=evidence)


def offers_section(offer_list: list[dict], w: Words) -> list[str]:
    offers = [offer_item(i, o, w) for i, o in enumerate(offer_list, start=1)]
    # a blank line ends a non-empty list (so two before the next heading)
    end = "" if offer_list else w("segments.offers.none")
    return style.blocks("## " + w("segments.offers.heading"), [*offers, end])


def scoring_section(analysis: SegmentAnalysis, segment: Segment, w: Words) -> list[str]:
    sources = analysis.scored["score_source"]
    return style.blocks(
        "## " + w("segments.scored.heading"),
        w(
            "segments.scored.text",
            customers=w.counted(len(sources), "reports.regular_customers"),
            oof=w.count((sources == "out_of_fold").sum()),
            saved=w.count((sources == "saved_model").sum()),
            unit=w("unit.money"),
            assumed=w("money.assumed"),
        ),
        # plain, so that the typed 4.0 reads as the 4 written in params.yaml
        "## "
        + w(
            "segments.matrix.heading",
            risk=w.plain(segment.high_risk),
            profit=w.plain(segment.high_profit),
            unit=w("unit.money_per_month"),
        ),
    )


def segments_markdown(analysis: SegmentAnalysis, segment: Segment, explained_output: str, w: Words) -> str:
    """reports/segments.md, for the shop's managers, in ``w``'s language (the figures it links stay English)."""
    listed = paths.link(paths.SEGMENTS_REPORT, paths.MARKETING_LIST)
    figures = ", ".join(figure_link_markdown(name, w) for name in FIGURES[1:4])
    lines = [
        *style.blocks("# " + w("segments.title"), w("segments.generated")),
        *scoring_section(analysis, segment, w),
        *style.blocks(
            w("segments.matrix.note", observed=w("segments.column.observed_decline_rate")),
            markdown_table(matrix_table(analysis.cells, w)),
            figure_markdown("risk_profit_matrix", w),
        ),
        *chosen_section(analysis, w),
        *differences_section(analysis, segment.differences_in_report, explained_output, w),
        *offers_section(analysis.offers, w),
        *style.blocks(
            "## " + w("segments.list.heading"),
            w("segments.list.text", link=f"[`{paths.MARKETING_LIST.name}`]({listed})"),
            w("segments.figures", links=figures, note=w("reports.figures_in_english")),
        ),
    ]
    return "\n".join(lines)
