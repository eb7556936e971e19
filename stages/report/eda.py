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
from stages.lib.words import label
from stages.report import style


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


def identifier_markdown(check: dict, warn_at: float) -> list[str]:
    shares = ", ".join(f"{r['ids']}: {r['declined_share']:.0%}" for r in check["declined_share_by_id_range"])
    finding = f"The id alone separates the classes with ROC-AUC {check['roc_auc_of_id']:.3f}"
    if check["roc_auc_of_id"] >= warn_at:
        finding = (
            f"**{finding}**: the export is ordered by label. Declined share by id range: {shares}. The id describes "
            "no behaviour, so no model here uses it, and every split and fold is shuffled."
        )
    else:
        finding += ": no order leak."
    return style.blocks("## Leakage check: the customer id", finding)


def describe_feature(row: pd.Series) -> str:
    """One sentence about a compared feature, every number taken from the table."""
    name = label(row["feature"]).lower()
    if row["kind"] == "numeric":
        direction = "higher" if row["effect_size"] > 0 else "lower"
        return (
            f"**{name}** is {direction} among declining customers: median {row['median_declined']:.4g} vs "
            f"{row['median_same_level']:.4g} (mean {row['mean_declined']:.4g} vs {row['mean_same_level']:.4g}; "
            f"rank-biserial {row['effect_size']:+.2f}, Holm-adjusted p = {row['p_value_holm']:.2g})"
        )
    return (
        f"**{name}** is distributed differently (Cramér's V {row['effect_size']:.2f}, Holm-adjusted "
        f"p = {row['p_value_holm']:.2g}): declined {row['shares_declined']} vs same level {row['shares_same_level']}"
    )


def trend_sentence(means: pd.DataFrame, measure: str) -> str:
    """``means``: one row per class (0 = same level, 1 = declined), months from the earliest."""
    fmt = lambda level: " → ".join(f"{v:.4g}" for v in means.loc[level])  # noqa: E731
    return f"Mean {measure} from the earliest to the current month: declined {fmt(1)}, same level {fmt(0)}."


def differences_markdown(study: Exploration, settings: Eda) -> list[str]:
    """The headline counts and the features that separate the classes most."""
    table = study.table
    top = table.head(settings.top_features)
    significant = int(table["significant"].sum())
    comparison = paths.EDA_COMPARISON
    return style.blocks(
        "# Exploratory analysis: how declining customers differ",
        f"_Generated by `python -m stages.eda` from `{paths.CUSTOMERS.as_posix()}`; every number below is computed._",
        f"The data holds **{study.customers} regular customers**, of whom **{study.declined}** "
        f"({study.summary['declined_share']:.1%}) saw their purchasing activity decline. {significant} of "
        f"{len(table)} features differ significantly between the classes (Mann-Whitney or chi-square, "
        f"Holm-adjusted at α = {settings.alpha}).",
        f"## The {len(top)} features that separate the classes most",
        [f"{i}. {describe_feature(row)}." for i, (_, row) in enumerate(top.iterrows(), start=1)],
        [
            f"Ranked by absolute effect size: ![effect sizes]({figure_link('effect_sizes')})",
            f"Full table: [`{comparison.name}`]({paths.link(paths.EDA_REPORT, comparison)}).",
        ],
        "## Activity over time",
        [
            trend_sentence(study.trends["revenue"], "revenue"),
            trend_sentence(study.trends["minutes"], "minutes on site"),
        ],
        f"![trends]({figure_link('revenue_minutes_trends')})",
    )


def entangled_markdown(study: Exploration, threshold: float) -> list[str]:
    """Association with the target and the multicollinear pairs `train` may drop."""
    to_target = target_associations(study.correlation)
    pairs = [
        f"Pairs at or above the multicollinearity threshold phik ≥ {threshold} "
        f"(listed in `{paths.EDA_SUMMARY.name}`; `train` drops the member less associated with the target "
        "when `train.drop_multicollinear` is true):",
        [
            f"- {label(p['features'][0]).lower()} and {label(p['features'][1]).lower()}: phik {p['phik']:.2f}"
            for p in study.pairs
        ],
    ]
    return style.blocks(
        "## Entangled features",
        "Measured on the train customers only (what `train` learns from here never sees a test customer). "
        "The features most associated with the target by phik: "
        + ", ".join(f"{label(f).lower()} ({v:.2f})" for f, v in to_target.head(5).items())
        + ".",
        *(pairs if study.pairs else [f"No pair of features reaches phik ≥ {threshold}."]),
        f"![phik]({figure_link('phik_correlation')}) ![significance]({figure_link('phik_significance')})",
    )


def markdown(study: Exploration, figure_names: list[str], settings: Eda) -> str:
    """reports/eda.md; ``figure_names`` are the figures the stage writes (``figures``' keys)."""
    listed = sorted(figure_names, key=lambda name: f"{name}.png")  # as the files sort in their folder
    return "\n".join(
        [
            *differences_markdown(study, settings),
            *entangled_markdown(study, settings.multicollinearity_threshold),
            *identifier_markdown(study.identifier, settings.identifier_leak_roc_auc),
            *style.blocks("## All figures", [f"- [{name.replace('_', ' ')}]({figure_link(name)})" for name in listed]),
        ]
    )
