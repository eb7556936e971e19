"""The eda figures and the generated narrative reports/eda.md.

Every number in the text comes from `stages.lib.data.exploration`; this module only draws and words it.
Links are relative to the report (``paths.link``), so they hold wherever the project is checked out.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from stages.io import paths
from stages.lib.data.exploration import Exploration, target_associations
from stages.lib.schema import BINARY_FEATURES, MINUTES_COLUMNS, NOMINAL_FEATURES, REVENUE_COLUMNS, TARGET
from stages.lib.settings import Eda
from stages.lib.words import Words, sentence_start
from stages.report import style
from stages.report.prose import p_value, shares, signed, significant


def figures(customers: pd.DataFrame, study: Exploration, seed: int) -> dict[str, plt.Figure]:
    """Every eda figure by file name (without .png), in drawing order."""
    group, categorical = customers[TARGET].to_numpy(), [*BINARY_FEATURES, *NOMINAL_FEATURES]
    trends = {"revenue": REVENUE_COLUMNS[::-1], "minutes": MINUTES_COLUMNS[::-1]}  # earliest month first
    return {
        "continuous_histograms": style.histograms(
            customers, group, study.continuous, title="Continuous features by activity over the next three months"
        ),
        "continuous_boxplots": style.boxplots(
            customers, group, study.continuous, title="Continuous features: medians, spread and outliers"
        ),
        "discrete_shares": style.share_bars(
            customers, group, study.discrete, title="Discrete features: share of each value within each class"
        ),
        "categorical_shares": style.share_bars(
            customers, group, categorical, title="Categorical features: share of each label within each class"
        ),
        "revenue_minutes_trends": style.period_trends(
            customers,
            group,
            trends,
            seed=seed,
            title="Revenue and minutes on site over the last months, per customer and class mean",
        ),
        "effect_sizes": style.effect_sizes(
            study.table,
            positive="declined",
            negative="same level",
            title="Features ranked by how strongly they separate declining customers",
        ),
        "phik_correlation": style.heatmap(
            study.correlation, title="phik correlation (features and target; train customers)", colorbar="phik"
        ),
        "phik_significance": style.heatmap(
            study.significance.clip(upper=10),
            fmt=".1f",
            cmap="Blues",
            vmax=10,
            title="Significance of phik (Z-score, clipped at 10; above 3 is significant)",
            colorbar="Z-score",
        ),
    }


def figure_link(name: str) -> str:
    return paths.link(paths.EDA_REPORT, paths.EDA_FIGURES / f"{name}.png")


def figure_markdown(name: str, w: Words) -> str:
    """A figure shown in the report, its alternative text in the report's language."""
    return f"![{w(f'eda.figure.{name}')}]({figure_link(name)})"


def identifier_markdown(check: dict, warn_at: float, w: Words) -> list[str]:
    auc = w.number(check["roc_auc_of_id"], 3)
    if check["roc_auc_of_id"] >= warn_at:  # an id range is a name, not a number: never grouped
        shares = ", ".join(f"{r['ids']}: {w.percent(r['declined_share'])}" for r in check["declined_share_by_id_range"])
        finding = w("eda.leak.found", auc=auc, shares=shares)
    else:
        finding = w("eda.leak.none", auc=auc)
    return style.blocks("## " + w("eda.leak.heading"), finding)


def describe_feature(row: pd.Series, w: Words) -> str:
    """One sentence about a compared feature, every number taken from the table."""
    name, p = sentence_start(w.phrase(row["feature"])), p_value(w, row["p_value_holm"])
    if row["kind"] == "numeric":
        return w(
            "eda.numeric",
            phrase=name,
            direction=w("reports.higher" if row["effect_size"] > 0 else "reports.lower"),
            median_declined=significant(w, row["median_declined"]),
            median_same=significant(w, row["median_same_level"]),
            mean_declined=significant(w, row["mean_declined"]),
            mean_same=significant(w, row["mean_same_level"]),
            effect=signed(w, row["effect_size"]),
            p=p,
        )
    return w(
        "eda.categorical",
        phrase=name,
        effect=w.number(row["effect_size"], 2),
        p=p,
        shares_declined=shares(w, row["feature"], row["shares_declined"]),
        shares_same=shares(w, row["feature"], row["shares_same_level"]),
    )


def trend_sentence(means: pd.DataFrame, measure: str, w: Words) -> str:
    """``means``: one row per class (0 = same level, 1 = declined), months from the earliest; ``measure``:
    revenue or minutes."""
    fmt = lambda level: " → ".join(significant(w, v) for v in means.loc[level])  # noqa: E731
    return w(f"eda.trend.{measure}", declined=fmt(1), same=fmt(0))


def differences_markdown(study: Exploration, settings: Eda, w: Words) -> list[str]:
    """The headline counts and the features that separate the classes most."""
    table = study.table
    top = table.head(settings.top_features)
    comparison = paths.EDA_COMPARISON
    intro = w(
        "eda.intro",
        customers=w.counted(study.customers, "reports.regular_customers"),
        declined=w.count(study.declined),
        share=w.percent(study.summary["declined_share"], 1),
        significant=w.count(table["significant"].sum()),
        features=w.count(len(table)),
        alpha=w.plain(settings.alpha),
    )
    return style.blocks(
        "# " + w("eda.title"),
        w("eda.generated", source=paths.CUSTOMERS.as_posix()),
        intro,
        "## " + w("eda.top.heading", count=w.count(len(top))),
        [f"{i}. {describe_feature(row, w)}." for i, (_, row) in enumerate(top.iterrows(), start=1)],
        [
            w("eda.ranked", figure=figure_markdown("effect_sizes", w)),
            w("eda.full_table", link=f"[`{comparison.name}`]({paths.link(paths.EDA_REPORT, comparison)})"),
        ],
        "## " + w("eda.trends.heading"),
        [trend_sentence(study.trends["revenue"], "revenue", w), trend_sentence(study.trends["minutes"], "minutes", w)],
        figure_markdown("revenue_minutes_trends", w),
    )


def entangled_markdown(study: Exploration, threshold: float, w: Words) -> list[str]:
    """Association with the target and the multicollinear pairs `train` may drop."""
    to_target = target_associations(study.correlation)
    pairs = [
        w("eda.entangled.pairs", threshold=w.plain(threshold), summary=paths.EDA_SUMMARY.name),
        [
            w(
                "eda.entangled.pair",
                first=w.phrase(p["features"][0]),
                second=w.phrase(p["features"][1]),
                phik=w.number(p["phik"], 2),
            )
            for p in study.pairs
        ],
    ]
    strongest = "; ".join(f"{w.phrase(f)}: {w.number(v, 2)}" for f, v in to_target.head(5).items())
    return style.blocks(
        "## " + w("eda.entangled.heading"),
        w("eda.entangled.text", features=strongest),
        *(pairs if study.pairs else [w("eda.entangled.none", threshold=w.plain(threshold))]),
        f"{figure_markdown('phik_correlation', w)} {figure_markdown('phik_significance', w)}",
    )


def markdown(study: Exploration, figure_names: list[str], settings: Eda, w: Words) -> str:
    """reports/eda.md in ``w``'s language (the figures it links stay English); ``figure_names`` are the figures
    the stage writes (``figures``' keys)."""
    listed = sorted(figure_names, key=lambda name: f"{name}.png")  # as the files sort in their folder
    return "\n".join(
        [
            *differences_markdown(study, settings, w),
            *entangled_markdown(study, settings.multicollinearity_threshold, w),
            *identifier_markdown(study.identifier, settings.identifier_leak_roc_auc, w),
            *style.blocks(
                "## " + w("eda.figures.heading"),
                [f"- [{w(f'eda.figure.{name}')}]({figure_link(name)})" for name in listed],
                w("reports.figures_in_english"),
            ),
        ]
    )
