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
from stages.lib.words import PHRASES, SEGMENT_NAMES, SHAP_AMOUNTS, label, level, sentence_start, unit, with_unit
from stages.report import style

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


def matrix_table(cells: pd.DataFrame) -> pd.DataFrame:
    """The matrix as managers read it: shares in per cent, profit to one decimal."""
    percent = lambda share: (share * 100).round(1).astype(str) + "%"  # noqa: E731
    return pd.DataFrame(
        {
            "segment": cells["segment"].str.replace("_", " "),
            "customers": cells["customers"],
            "share_of_customers": percent(cells["share_of_customers"]),
            "profit_at_stake": cells["profit_at_stake"].round(1),
            "share_of_profit": percent(cells["share_of_profit"]),
            "mean_probability": cells["mean_probability"].round(2),
            "observed_decline_rate": cells["observed_decline_rate"].round(2),
        }
    )


def difference_sentence(row) -> str:
    """One row of the comparison (segment vs others) as a sentence."""
    name = sentence_start(PHRASES[row.feature])
    if row.kind == "numeric":
        direction = "higher" if row.effect_size > 0 else "lower"
        return (
            f"{name} is {direction}: median {row.median_segment:g} vs {row.median_others:g} "
            f"(mean {row.mean_segment:.4g} vs {row.mean_others:.4g}; rank-biserial {row.effect_size:+.2f})."
        )
    return (
        f"{name} differs (Cramér's V {row.effect_size:.2f}): segment {row.shares_segment}; others {row.shares_others}."
    )


def chosen_section(analysis: SegmentAnalysis) -> list[str]:
    segment, summary = analysis.scored[analysis.in_segment], analysis.summary
    heading = f"## The chosen segment: {level(analysis.chosen)}"
    if not len(segment):
        return style.blocks(heading, "The chosen segment is empty with the current thresholds.")
    allows = (segment["allows_offers"] == "yes").mean()
    favourite = segment["favourite_category"].value_counts(normalize=True)
    return style.blocks(
        heading,
        f"**{summary['customers']} customers** ({summary['share_of_customers']:.1%} of regular customers) bring "
        f"**{summary['profit_at_stake']:,.1f} of monthly profit** ({summary['share_of_profit']:.1%} of the total) "
        f"and have a mean probability of decline of {summary['mean_probability']:.2f}. "
        f"{allows:.0%} of them agreed to receive offers; their most common favourite category is "
        f"{level(favourite.index[0])} ({favourite.iloc[0]:.0%}).",
    )


def differences_section(analysis: SegmentAnalysis, differences_in_report: int, amount: str) -> list[str]:
    comparison = analysis.comparison
    top = comparison[comparison["significant"]].head(differences_in_report)
    return style.blocks(
        "## How the segment differs from the other regular customers",
        [f"- {difference_sentence(row)}" for row in top.itertuples()],
        f"Full table: [`segment_comparison.csv`]({paths.link(paths.SEGMENTS_REPORT, paths.SEGMENT_COMPARISON)}). "
        f"![effect sizes]({figure_link('segment_effect_sizes')})",
        f"What the model says drives their risk (mean SHAP inside the segment vs outside, {amount}):",
        [
            f"- {label(r.feature)}: {r.mean_shap_segment:+.3f} in the segment vs {r.mean_shap_others:+.3f} "
            "for the others"
            for r in analysis.drivers.head(5).itertuples()
        ],
        f"![drivers]({figure_link('segment_shap_drivers')})",
    )


def offers_section(offer_list: list[dict]) -> list[str]:
    offers = [f"{i}. {o['offer']}.  \n   _Why: {o['evidence']}._" for i, o in enumerate(offer_list, start=1)]
    # a blank line ends a non-empty list (so two before the next heading)
    end = "" if offer_list else "No difference is large enough to justify a targeted offer with these thresholds."
    return style.blocks("## Offers", [*offers, end])


def segments_markdown(analysis: SegmentAnalysis, segment: Segment, explained_output: str) -> str:
    """reports/segments.md, for the shop's managers."""
    sources, scored = analysis.scored["score_source"], analysis.scored
    figures = (("histograms", "segment_histograms"), ("box plots", "segment_boxplots"), ("shares", "segment_shares"))
    lines = [
        *style.blocks(
            "# Which regular customers to act on, and what to offer them",
            "_Generated by `python -m stages.segment`; every number is computed from the data and the model. "
            "Thresholds and the chosen segment are in `params.yaml` (`segment`)._",
            "## How the customers were scored",
            f"Each of the **{len(scored)} regular customers** has a probability that their purchasing activity "
            "declines over the next three months, from a model that never saw that customer's outcome: "
            f"{(sources == 'out_of_fold').sum()} customers were scored out-of-fold during training, "
            f"{(sources == 'saved_model').sum()} held-out customers by the saved model. "
            "Profit is the average monthly profit the shop made from each customer over the last three months "
            "(units as in the shop's export).",
            # :g, so that the typed 4.0 reads as the 4 written in params.yaml
            f"## The risk-by-profit matrix (high risk: probability ≥ {segment.high_risk:g}, "
            f"high profit: ≥ {segment.high_profit:g})",
            "The probabilities are calibrated on out-of-fold scores, so a cell's mean probability of decline "
            "should be close to the share of its customers who actually declined (`observed_decline_rate`); "
            "a large gap would mean the probabilities cannot be taken at face value there.",
            markdown_table(matrix_table(analysis.cells)),
            f"![matrix]({figure_link('risk_profit_matrix')})",
        ),
        *chosen_section(analysis),
        *differences_section(analysis, segment.differences_in_report, SHAP_AMOUNTS[explained_output]),
        *offers_section(analysis.offers),
        *style.blocks(
            "## The list",
            f"[`customers_for_marketing.csv`]({paths.link(paths.SEGMENTS_REPORT, paths.MARKETING_LIST)}): "
            "every regular customer with probability, profit, matrix cell, whether they are in the chosen segment, "
            "and the three features that push that customer's risk up the most (from SHAP), in words.",
            "Figures: " + ", ".join(f"[{words}]({figure_link(name)})" for words, name in figures) + ".",
        ),
    ]
    return "\n".join(lines)
