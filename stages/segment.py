"""Stage `segment`: honest risk scores by profit, the chosen segment against the rest, offers, the list.

    python -m stages.segment [--prepared data/prepared] [--models models] [--explained data/explained]

Every regular customer's probability comes from a model that never saw that customer's label:
out-of-fold for train customers, the saved model for test customers; the per-customer SHAP values
from `explain` belong to those same models. Writes reports/segments.md (for the shop's managers),
reports/customers_for_marketing.csv (the list marketing acts on), tables, figures, metrics.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from stages.lib import plotting
from stages.lib.cli import stage_arguments
from stages.lib.errors import run_cli
from stages.lib.files import fresh_outputs, load_params, read_parquet, write_csv, write_json, write_text
from stages.lib.model import load_model, predict_risk
from stages.lib.schema import BINARY_FEATURES, ID, NOMINAL_FEATURES, NUMERIC_FEATURES, PROFIT, TARGET
from stages.lib.segments import CELLS, assign_cells, check_chosen, matrix
from stages.lib.stats import compare_groups, rename_groups

FIGURES = Path("plots/segment")
REPORTS = Path("reports")
SEGMENT_NAMES = {0: "Other regular customers", 1: "Chosen segment"}
SEGMENT_COLORS = {0: plotting.NEUTRAL, 1: plotting.HIGHLIGHT}
CELL_COLORS = dict(zip(CELLS, ("#C0392B", "#E59866", "#2874A6", "#AED6F1"), strict=True))

# How a marketer reads each feature.
PHRASES = {
    "marketing_contacts_6m": "marketing contacts per month (last 6 months)",
    "marketing_contacts_current": "marketing contacts this month",
    "days_registered": "days since registration",
    "promo_purchase_share": "share of purchases bought on promotion",
    "categories_per_visit": "categories browsed per visit",
    "unpaid_items_quarter": "items left unpaid in the cart (3 months)",
    "service_errors": "service errors met on the site",
    "pages_per_visit": "pages viewed per visit",
    "revenue_current": "spend this month",
    "revenue_previous": "spend last month",
    "revenue_before_previous": "spend three months ago",
    "minutes_current": "minutes on the site this month",
    "minutes_previous": "minutes on the site last month",
    "service_tier": "service tier",
    "allows_offers": "agreed to receive offers",
    "favourite_category": "favourite category",
}

# Offers, each tied to a feature and the direction in which the segment differs from the rest.
OFFERS = {
    ("pages_per_visit", "lower"): "**Personal recommendations.** Put a curated selection from the customer's favourite "
    "category on the home page and in a weekly e-mail, so that each visit shows more relevant pages",
    (
        "categories_per_visit",
        "lower",
    ): "**Cross-category bundles.** Offer a bundle that pairs the favourite category with "
    "a related one (for example, kitchenware with small appliances) at a bundle price, to widen browsing",
    ("minutes_current", "lower"): "**Re-engagement this month.** Send a push or e-mail about new arrivals in the "
    "favourite category with a reason to come back now (a collection that ends this week)",
    ("minutes_previous", "lower"): "**Early-warning contact.** Their time on the site was already low last month: "
    "trigger a re-engagement message as soon as a customer's minutes on the site drop, before purchases do",
    ("promo_purchase_share", "higher"): "**Personal promo codes.** These customers buy on promotion: give them early "
    "access to sales and a personal code on the favourite category instead of waiting for general campaigns",
    (
        "unpaid_items_quarter",
        "higher",
    ): "**Abandoned-cart reminders.** Remind customers of the items left unpaid, with a "
    "time-limited discount on exactly those items",
    ("marketing_contacts_6m", "lower"): "**More personal contact.** They have received fewer marketing contacts: raise "
    "the frequency of personalised messages for those who agreed to receive offers",
    ("service_errors", "higher"): "**Service recovery.** They met more service errors: fix the failing pages first and "
    "send an apology coupon to those affected",
    ("revenue_before_previous", "lower"): "**Loyalty cashback.** Their spend three months ago was lower: a cashback "
    "level that rewards a larger basket gives a reason to consolidate purchases here",
}


def honest_scores(customers: pd.DataFrame, test: pd.DataFrame, oof: pd.DataFrame, pipeline) -> pd.DataFrame:
    """Probability per regular customer from a model that never saw that customer's label."""
    from_test = pd.DataFrame({ID: test[ID], "probability": predict_risk(pipeline, test), "score_source": "saved_model"})
    from_oof = oof[[ID, "probability"]].assign(score_source="out_of_fold")
    scores = pd.concat([from_oof, from_test]).set_index(ID)
    missing = set(customers[ID]) - set(scores.index)
    if missing:
        raise ValueError(f"customers without an honest score: {sorted(missing)[:5]}")
    return customers.set_index(ID).join(scores, how="left").reset_index()


def customer_reasons(scored: pd.DataFrame, shap_values: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The three features that push each customer's risk up the most, in words with the customer's values."""
    medians = scored[NUMERIC_FEATURES].median()
    contributions = shap_values.set_index(ID).reindex(scored[ID])
    features = [c.removeprefix("shap_") for c in contributions.columns if c != "shap_base_value"]
    contributions = contributions[[f"shap_{f}" for f in features]].to_numpy()
    rows = scored.set_index(ID)
    reasons = []
    for customer, values in zip(scored[ID], contributions, strict=True):
        order = [i for i in np.argsort(-values, kind="stable") if values[i] > params["min_reason_shap"]][:3]
        words = [describe_value(features[i], rows.loc[customer, features[i]], medians) for i in order]
        reasons.append(words + [""] * (3 - len(words)))
    return pd.DataFrame(reasons, columns=["reason_1", "reason_2", "reason_3"], index=scored.index)


def describe_value(feature: str, value, medians: pd.Series) -> str:
    if feature in NUMERIC_FEATURES:
        level = "low" if value < medians[feature] else "high"
        return f"{level} {PHRASES[feature]} ({value:g}; typical {medians[feature]:g})"
    return f"{PHRASES[feature]}: {str(value).replace('_', ' ')}"


def shap_drivers(shap_values: pd.DataFrame, in_segment: pd.Series) -> pd.DataFrame:
    """Mean SHAP per grouped feature inside and outside the segment: what drives the segment's risk.

    Units are those of the explanation: probability points, or log-odds for a linear model."""
    values = shap_values.set_index(ID).drop(columns="shap_base_value")
    inside = in_segment.to_numpy()
    table = pd.DataFrame({"mean_shap_segment": values[inside].mean(), "mean_shap_others": values[~inside].mean()})
    table.index = [c.removeprefix("shap_") for c in table.index]
    table["difference"] = table["mean_shap_segment"] - table["mean_shap_others"]
    return table.sort_values("difference", ascending=False, kind="stable").rename_axis("feature").reset_index()


def offers(comparison: pd.DataFrame, drivers: pd.DataFrame, params: dict) -> list[dict]:
    """An offer for each difference that matters (significant, |effect| >= threshold) and has an offer rule."""
    driver_rank = {f: i + 1 for i, f in enumerate(drivers["feature"])}
    chosen = []
    for row in comparison.itertuples():
        if not row.significant or abs(row.effect_size) < params["min_effect_size"] or row.kind != "numeric":
            continue
        direction = "higher" if row.effect_size > 0 else "lower"
        if (row.feature, direction) not in OFFERS:
            continue
        chosen.append(
            {
                "feature": row.feature,
                "direction": direction,
                "offer": OFFERS[(row.feature, direction)],
                "evidence": f"{PHRASES[row.feature]}: median {row.median_segment:g} in the segment vs "
                f"{row.median_others:g} in the rest (rank-biserial {row.effect_size:+.2f}, "
                f"Holm p = {row.p_value_holm:.1g}); "
                f"SHAP driver rank {driver_rank.get(row.feature, '-')} in the segment",
            }
        )
    return chosen[: params["max_offers"]]


def draw_matrix(scored: pd.DataFrame, cells: pd.DataFrame, params: dict, path: Path) -> None:
    fig, ax = plt.subplots(figsize=plotting.SQUARE)
    for cell in CELLS:
        rows = scored[scored["segment"] == cell]
        ax.scatter(
            rows["probability"], rows[PROFIT], s=10, alpha=0.6, color=CELL_COLORS[cell], label=cell.replace("_", " ")
        )
    ax.axvline(params["high_risk"], color="black", linestyle="--", linewidth=1)
    ax.axhline(params["high_profit"], color="black", linestyle="--", linewidth=1)
    for row in cells.itertuples():
        x = 0.98 if row.segment.startswith("high_risk") else 0.02
        y = 0.98 if "high_profit" in row.segment else 0.02
        ax.text(
            x,
            y,
            f"{row.customers} customers\nprofit {row.profit_at_stake:,.0f}/month",
            transform=ax.transAxes,
            ha="right" if x > 0.5 else "left",
            va="top" if y > 0.5 else "bottom",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": CELL_COLORS[row.segment]},
        )
    ax.set(
        xlabel="Probability that activity declines (honest score)",
        ylabel="Average monthly profit",
        title="Regular customers by risk and profit",
        xlim=(0, 1),
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=8)
    plotting.save_figure(fig, path)


def draw_drivers(drivers: pd.DataFrame, path: Path, unit: str) -> None:
    table = drivers.iloc[::-1]
    positions = np.arange(len(table))
    fig, ax = plt.subplots(figsize=plotting.WIDE)
    ax.barh(positions + 0.2, table["mean_shap_segment"], height=0.4, color=SEGMENT_COLORS[1], label=SEGMENT_NAMES[1])
    ax.barh(positions - 0.2, table["mean_shap_others"], height=0.4, color=SEGMENT_COLORS[0], label=SEGMENT_NAMES[0])
    ax.set_yticks(positions, [plotting.label(f) for f in table["feature"]])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(
        title="What drives the risk: mean SHAP per feature, segment vs the rest",
        xlabel=f"mean SHAP ({unit}; > 0 raises the risk)",
    )
    ax.legend()
    plotting.save_figure(fig, path)


def draw_comparison(
    scored: pd.DataFrame,
    in_segment: np.ndarray,
    comparison: pd.DataFrame,
    drivers: pd.DataFrame,
    cells: pd.DataFrame,
    params: dict,
    unit: str,
) -> None:
    style = {"names": SEGMENT_NAMES, "colors": SEGMENT_COLORS}
    continuous, discrete = plotting.split_numeric(scored, params["discrete_max_levels"])
    draw_matrix(scored, cells, params, FIGURES / "risk_profit_matrix.png")
    plotting.histograms(
        scored,
        in_segment,
        continuous,
        FIGURES / "segment_histograms.png",
        **style,
        title="Chosen segment vs the other regular customers: continuous features",
    )
    plotting.boxplots(
        scored,
        in_segment,
        continuous,
        FIGURES / "segment_boxplots.png",
        **style,
        title="Chosen segment vs the other regular customers: medians and spread",
    )
    plotting.share_bars(
        scored,
        in_segment,
        [*discrete, *BINARY_FEATURES, *NOMINAL_FEATURES],
        FIGURES / "segment_shares.png",
        **style,
        title="Chosen segment vs the other regular customers: discrete and categorical features",
    )
    plotting.effect_sizes(
        comparison,
        FIGURES / "segment_effect_sizes.png",
        positive="segment",
        negative="other customers",
        title="How the chosen segment differs from the rest",
    )
    draw_drivers(drivers, FIGURES / "segment_shap_drivers.png", unit)


def markdown_table(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def report(
    scored: pd.DataFrame,
    cells: pd.DataFrame,
    chosen: str,
    summary: dict,
    comparison: pd.DataFrame,
    drivers: pd.DataFrame,
    offer_list: list[dict],
    params: dict,
    unit: str,
) -> str:
    segment = scored[scored["segment"] == chosen]
    top = comparison[comparison["significant"]].head(params["differences_in_report"])
    shown = cells.assign(
        segment=cells["segment"].str.replace("_", " "),
        share_of_customers=(cells["share_of_customers"] * 100).round(1).astype(str) + "%",
        profit_at_stake=cells["profit_at_stake"].round(1),
        share_of_profit=(cells["share_of_profit"] * 100).round(1).astype(str) + "%",
        mean_probability=cells["mean_probability"].round(2),
    )[["segment", "customers", "share_of_customers", "profit_at_stake", "share_of_profit", "mean_probability"]]
    allows = (segment["allows_offers"] == "yes").mean()
    favourite = segment["favourite_category"].value_counts(normalize=True)
    lines = [
        "# Which regular customers to act on, and what to offer them",
        "",
        "_Generated by `python -m stages.segment`; every number is computed from the data and the model. "
        "Thresholds and the chosen segment are in `params.yaml` (`segment`)._",
        "",
        "## How the customers were scored",
        "",
        f"Each of the **{len(scored)} regular customers** has a probability that their purchasing activity declines "
        "over the next three months, from a model that never saw that customer's outcome: "
        f"{(scored['score_source'] == 'out_of_fold').sum()} customers were scored out-of-fold during training, "
        f"{(scored['score_source'] == 'saved_model').sum()} held-out customers by the saved model. "
        "Profit is the average monthly profit the shop made from each customer over the last three months "
        "(units as in the shop's export).",
        "",
        f"## The risk-by-profit matrix (high risk: probability ≥ {params['high_risk']}, "
        f"high profit: ≥ {params['high_profit']})",
        "",
        markdown_table(shown),
        "",
        "![matrix](../plots/segment/risk_profit_matrix.png)",
        "",
        f"## The chosen segment: {chosen.replace('_', ' ')}",
        "",
        f"**{summary['customers']} customers** ({summary['share_of_customers']:.1%} of regular customers) bring "
        f"**{summary['profit_at_stake']:,.1f} of monthly profit** ({summary['share_of_profit']:.1%} of the total) "
        f"and have a mean probability of decline of {summary['mean_probability']:.2f}. "
        f"{allows:.0%} of them agreed to receive offers; their most common favourite category is "
        f"{favourite.index[0].replace('_', ' ')} ({favourite.iloc[0]:.0%})."
        if len(segment)
        else "The chosen segment is empty with the current thresholds.",
        "",
        "## How the segment differs from the other regular customers",
        "",
        *[f"- {difference_sentence(row)}" for row in top.itertuples()],
        "",
        "Full table: [`segment_comparison.csv`](segment_comparison.csv). "
        "![effect sizes](../plots/segment/segment_effect_sizes.png)",
        "",
        f"What the model says drives their risk (mean SHAP inside the segment vs outside, {unit}):",
        "",
        *[
            f"- {plotting.label(r.feature)}: {r.mean_shap_segment:+.3f} in the segment vs {r.mean_shap_others:+.3f} "
            "for the others"
            for r in drivers.head(5).itertuples()
        ],
        "",
        "![drivers](../plots/segment/segment_shap_drivers.png)",
        "",
        "## Offers",
        "",
        *[f"{i}. {o['offer']}.  \n   _Why: {o['evidence']}._" for i, o in enumerate(offer_list, start=1)],
        "" if offer_list else "No difference is large enough to justify a targeted offer with these thresholds.",
        "",
        "## The list",
        "",
        "[`customers_for_marketing.csv`](customers_for_marketing.csv): every regular customer with probability, "
        "profit, matrix cell, whether they are in the chosen segment, and the three features that push "
        "that customer's risk up the most (from SHAP), in words.",
        "",
        "Figures: [histograms](../plots/segment/segment_histograms.png), "
        "[box plots](../plots/segment/segment_boxplots.png), [shares](../plots/segment/segment_shares.png).",
        "",
    ]
    return "\n".join(lines)


def summarise_segment(scored: pd.DataFrame, cells: pd.DataFrame, chosen: str) -> dict:
    """The chosen cell's row of the matrix, plus its observed decline share: what report and metrics share."""
    row = cells.set_index("segment").loc[chosen]
    segment = scored[scored["segment"] == chosen]
    return {
        "customers": int(row["customers"]),
        "share_of_customers": float(row["share_of_customers"]),
        "profit_at_stake": float(row["profit_at_stake"]),
        "share_of_profit": float(row["share_of_profit"]),
        "mean_probability": float(row["mean_probability"]) if len(segment) else 0.0,
        "declined_share_observed": float(segment[TARGET].mean()) if len(segment) else 0.0,  # a check, never a filter
    }


def difference_sentence(row) -> str:
    name = PHRASES[row.feature]
    if row.kind == "numeric":
        direction = "higher" if row.effect_size > 0 else "lower"
        return (
            f"{name[0].upper() + name[1:]} is {direction}: median {row.median_segment:g} vs {row.median_others:g} "
            f"(mean {row.mean_segment:.4g} vs {row.mean_others:.4g}; rank-biserial {row.effect_size:+.2f})."
        )
    return (
        f"{name[0].upper() + name[1:]} differs (Cramér's V {row.effect_size:.2f}): segment {row.shares_segment}; "
        f"others {row.shares_others}."
    )


def run(
    prepared: Path,
    models: Path,
    explained: Path,
    params: dict,
    explanation_metrics: Path = Path("metrics/explain.json"),
) -> dict:
    settings = params["segment"]
    chosen = check_chosen(settings)
    outputs = [
        FIGURES,
        REPORTS / "segments.md",
        REPORTS / "segment_matrix.csv",
        REPORTS / "segment_comparison.csv",
        REPORTS / "segment_shap_drivers.csv",
        REPORTS / "customers_for_marketing.csv",
        Path("metrics/segment.json"),
    ]
    with fresh_outputs(*outputs):
        customers = read_parquet(prepared / "customers.parquet")
        scored = honest_scores(
            customers,
            read_parquet(prepared / "test.parquet"),
            read_parquet(models / "oof_train.parquet"),
            load_model(models / "model.skops"),
        )
        scored["segment"] = assign_cells(scored["probability"], scored[PROFIT], settings)
        in_segment = scored["segment"] == chosen
        cells = matrix(scored)
        summary = summarise_segment(scored, cells, chosen)
        shap_values = read_parquet(explained / "shap_values.parquet")
        explained_output = json.loads(explanation_metrics.read_text())["explained_output"]
        unit = "probability points" if explained_output == "probability" else "log-odds"
        comparison = rename_groups(
            compare_groups(
                scored, in_segment, NUMERIC_FEATURES, [*BINARY_FEATURES, *NOMINAL_FEATURES], settings["alpha"]
            ),
            "others",
            "segment",
        )
        drivers = shap_drivers(shap_values, in_segment)
        offer_list = offers(comparison, drivers, settings)
        draw_comparison(scored, in_segment.to_numpy().astype(int), comparison, drivers, cells, settings, unit)
        marketing = (
            scored[[ID, "probability", PROFIT, "segment", "score_source"]]
            .assign(in_chosen_segment=in_segment.to_numpy())
            .join(customer_reasons(scored, shap_values, settings))
        )
        marketing = marketing.sort_values(["in_chosen_segment", "probability", ID], ascending=[False, False, True])
        write_csv(REPORTS / "customers_for_marketing.csv", marketing, digits=4)
        write_csv(REPORTS / "segment_matrix.csv", cells, digits=4)
        write_csv(REPORTS / "segment_comparison.csv", comparison, digits=6)
        write_csv(REPORTS / "segment_shap_drivers.csv", drivers, digits=6)
        write_text(
            REPORTS / "segments.md",
            report(scored, cells, chosen, summary, comparison, drivers, offer_list, settings, unit),
        )
        metrics = {
            "chosen_segment": chosen,
            **summary,
            "offers": [o["feature"] for o in offer_list],
            "largest_differences": [
                {"feature": r.feature, "effect_size": r.effect_size} for r in comparison.head(3).itertuples()
            ],
        }
        write_json(Path("metrics/segment.json"), metrics, digits=4)
    print(
        f"segment: {chosen}: {metrics['customers']} customers, monthly profit at stake "
        f"{metrics['profit_at_stake']:.1f} ({metrics['share_of_profit']:.1%}); {len(offer_list)} offers"
    )
    return metrics


def main() -> None:
    args = stage_arguments(__doc__, "prepared", "models", "explained")
    run(args.prepared, args.models, args.explained, load_params(args.params))


if __name__ == "__main__":
    run_cli("segment", main)
