"""Stage `eda`: how customers whose activity declined differ from the rest, as figures and tables.

    python -m stages.eda [--prepared data/prepared]

Reads all regular customers (not only train: this describes the data, it fits nothing that the
model uses). Writes PNG figures under plots/eda/, the comparative table reports/eda_comparison.csv,
the phik matrices, reports/eda_summary.json (read by `train`: multicollinear pairs; also a leakage
check: how well the customer id alone predicts the target) and the generated narrative reports/eda.md.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from stages.lib import plotting
from stages.lib.cli import stage_arguments
from stages.lib.errors import run_cli
from stages.lib.files import fresh_outputs, load_params, read_parquet, write_csv, write_json, write_text
from stages.lib.schema import (
    BINARY_FEATURES,
    FEATURES,
    ID,
    MINUTES_COLUMNS,
    NOMINAL_FEATURES,
    NUMERIC_FEATURES,
    REVENUE_COLUMNS,
    TARGET,
)
from stages.lib.stats import compare_groups, rename_groups

FIGURES = Path("plots/eda")
REPORTS = Path("reports")
GROUP_NAMES = {"a": "same_level", "b": "declined"}


def comparison(customers: pd.DataFrame, alpha: float) -> pd.DataFrame:
    table = compare_groups(
        customers, customers[TARGET] == 1, NUMERIC_FEATURES, [*BINARY_FEATURES, *NOMINAL_FEATURES], alpha
    )
    return rename_groups(table, GROUP_NAMES["a"], GROUP_NAMES["b"])


def phik_matrices(customers: pd.DataFrame, continuous: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """phik correlation of all features and the target, and its significance (Z-score)."""
    import phik  # noqa: F401  (registers the DataFrame accessors)

    frame = customers[[*FEATURES, TARGET]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # phik warns about low-count bins it merges on its own
        correlation = frame.phik_matrix(interval_cols=continuous, verbose=False)
        significance = frame.significance_matrix(
            interval_cols=continuous, significance_method="asymptotic", verbose=False
        )
    return correlation.round(6), significance.round(6)


def multicollinear_pairs(correlation: pd.DataFrame, threshold: float) -> list[dict]:
    """Feature pairs (target excluded) whose phik reaches the threshold, strongest first."""
    features = [c for c in correlation.columns if c != TARGET]
    pairs = []
    for i, first in enumerate(features):
        for second in features[i + 1 :]:
            if correlation.loc[first, second] >= threshold:
                pairs.append(
                    {
                        "features": [first, second],
                        "phik": float(correlation.loc[first, second]),
                        "phik_with_target": [
                            float(correlation.loc[first, TARGET]),
                            float(correlation.loc[second, TARGET]),
                        ],
                    }
                )
    return sorted(pairs, key=lambda p: -p["phik"])


def identifier_check(customers: pd.DataFrame, bins: int) -> dict:
    """Does the customer id alone predict the target? If so the export is ordered by label.

    The id carries no behaviour, so a model that used it (or unshuffled folds over sorted rows)
    would learn the order of the file, not the customer; the pipeline never uses it as a feature.
    """
    auc = roc_auc_score(customers[TARGET], customers[ID])
    ranges = pd.qcut(customers[ID], bins, duplicates="drop")
    by_range = customers.groupby(ranges, observed=True)[TARGET].agg(["size", "mean"])
    return {
        "roc_auc_of_id": float(max(auc, 1 - auc)),  # either direction: any order is a leak
        "declined_share_by_id_range": [
            {"ids": f"{int(r.left) + 1}-{int(r.right)}", "customers": int(row["size"]), "declined_share": row["mean"]}
            for r, row in by_range.iterrows()
        ],
    }


def identifier_markdown(check: dict, warn_at: float) -> list[str]:
    shares = ", ".join(f"{r['ids']}: {r['declined_share']:.0%}" for r in check["declined_share_by_id_range"])
    lines = ["## Leakage check: the customer id", ""]
    if check["roc_auc_of_id"] >= warn_at:
        lines.append(
            f"**The id alone separates the classes with ROC-AUC {check['roc_auc_of_id']:.3f}**: the export is "
            f"ordered by label. Declined share by id range: {shares}. The id describes no behaviour, so no model "
            "here uses it, and every split and fold is shuffled."
        )
    else:
        lines.append(f"The id alone separates the classes with ROC-AUC {check['roc_auc_of_id']:.3f}: no order leak.")
    return [*lines, ""]


def draw_figures(
    customers: pd.DataFrame,
    continuous: list[str],
    discrete: list[str],
    table: pd.DataFrame,
    correlation: pd.DataFrame,
    significance: pd.DataFrame,
    seed: int,
) -> None:
    group = customers[TARGET].to_numpy()
    plotting.histograms(
        customers,
        group,
        continuous,
        FIGURES / "continuous_histograms.png",
        title="Continuous features by activity over the next three months",
    )
    plotting.boxplots(
        customers,
        group,
        continuous,
        FIGURES / "continuous_boxplots.png",
        title="Continuous features: medians, spread and outliers",
    )
    plotting.share_bars(
        customers,
        group,
        discrete,
        FIGURES / "discrete_shares.png",
        title="Discrete features: share of each value within each class",
    )
    plotting.share_bars(
        customers,
        group,
        [*BINARY_FEATURES, *NOMINAL_FEATURES],
        FIGURES / "categorical_shares.png",
        title="Categorical features: share of each label within each class",
    )
    plotting.period_trends(
        customers,
        group,
        {"revenue": REVENUE_COLUMNS[::-1], "minutes": MINUTES_COLUMNS[::-1]},
        FIGURES / "revenue_minutes_trends.png",
        seed=seed,
        title="Revenue and minutes on site over the last months, per customer and class mean",
    )
    plotting.effect_sizes(
        table,
        FIGURES / "effect_sizes.png",
        positive="declined",
        negative="same level",
        title="Features ranked by how strongly they separate declining customers",
    )
    plotting.heatmap(
        correlation, FIGURES / "phik_correlation.png", title="phik correlation (features and target)", colorbar="phik"
    )
    plotting.heatmap(
        significance.clip(upper=10),
        FIGURES / "phik_significance.png",
        fmt=".1f",
        cmap="Blues",
        vmax=10,
        title="Significance of phik (Z-score, clipped at 10; above 3 is significant)",
        colorbar="Z-score",
    )


def describe_feature(row: pd.Series) -> str:
    """One sentence about a compared feature, every number taken from the table."""
    name = plotting.label(row["feature"]).lower()
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


def trend_sentence(customers: pd.DataFrame, columns: list[str], measure: str) -> str:
    means = customers.groupby(TARGET)[columns[::-1]].mean()
    fmt = lambda level: " → ".join(f"{v:.4g}" for v in means.loc[level])  # noqa: E731
    return f"Mean {measure} from the earliest to the current month: declined {fmt(1)}, same level {fmt(0)}."


def summary_markdown(
    customers: pd.DataFrame,
    table: pd.DataFrame,
    pairs: list[dict],
    correlation: pd.DataFrame,
    identifier: dict,
    params: dict,
) -> str:
    top = table.head(params["top_features"])
    significant = int(table["significant"].sum())
    to_target = correlation[TARGET].drop(TARGET).sort_values(ascending=False)
    lines = [
        "# Exploratory analysis: how declining customers differ",
        "",
        "_Generated by `python -m stages.eda` from `data/prepared/customers.parquet`; every number below is computed._",
        "",
        f"The data holds **{len(customers)} regular customers**, of whom **{int(customers[TARGET].sum())}** "
        f"({customers[TARGET].mean():.1%}) saw their purchasing activity decline. {significant} of {len(table)} "
        f"features differ significantly between the classes (Mann-Whitney or chi-square, Holm-adjusted at "
        f"α = {params['alpha']}).",
        "",
        f"## The {len(top)} features that separate the classes most",
        "",
        *[f"{i}. {describe_feature(row)}." for i, (_, row) in enumerate(top.iterrows(), start=1)],
        "",
        "Ranked by absolute effect size: ![effect sizes](../plots/eda/effect_sizes.png)",
        "Full table: [`eda_comparison.csv`](eda_comparison.csv).",
        "",
        "## Activity over time",
        "",
        trend_sentence(customers, REVENUE_COLUMNS, "revenue"),
        trend_sentence(customers, MINUTES_COLUMNS, "minutes on site"),
        "",
        "![trends](../plots/eda/revenue_minutes_trends.png)",
        "",
        "## Entangled features",
        "",
        "The features most associated with the target by phik: "
        + ", ".join(f"{plotting.label(f).lower()} ({v:.2f})" for f, v in to_target.head(5).items())
        + ".",
        "",
    ]
    if pairs:
        lines += [
            f"Pairs at or above the multicollinearity threshold phik ≥ {params['multicollinearity_threshold']} "
            "(listed in `eda_summary.json`; `train` drops the member less associated with the target "
            "when `train.drop_multicollinear` is true):",
            "",
        ]
        lines += [
            f"- {plotting.label(p['features'][0]).lower()} and {plotting.label(p['features'][1]).lower()}: "
            f"phik {p['phik']:.2f}"
            for p in pairs
        ]
    else:
        lines += [f"No pair of features reaches phik ≥ {params['multicollinearity_threshold']}."]
    lines += [
        "",
        "![phik](../plots/eda/phik_correlation.png) ![significance](../plots/eda/phik_significance.png)",
        "",
        *identifier_markdown(identifier, params["identifier_leak_roc_auc"]),
        "## All figures",
        "",
        *[f"- [{p.stem.replace('_', ' ')}](../plots/eda/{p.name})" for p in sorted(FIGURES.glob("*.png"))],
        "",
    ]
    return "\n".join(lines)


def run(prepared: Path, params: dict) -> pd.DataFrame:
    settings = params["eda"]
    outputs = [
        FIGURES,
        REPORTS / "eda_comparison.csv",
        REPORTS / "eda_phik.csv",
        REPORTS / "eda_summary.json",
        REPORTS / "eda.md",
    ]
    with fresh_outputs(*outputs):
        customers = read_parquet(prepared / "customers.parquet")
        continuous, discrete = plotting.split_numeric(customers, settings["discrete_max_levels"])
        table = comparison(customers, settings["alpha"])
        correlation, significance = phik_matrices(customers, continuous)
        pairs = multicollinear_pairs(correlation, settings["multicollinearity_threshold"])
        identifier = identifier_check(customers, settings["identifier_ranges"])
        draw_figures(customers, continuous, discrete, table, correlation, significance, params["seed"])
        write_csv(REPORTS / "eda_comparison.csv", table, digits=6)
        write_csv(REPORTS / "eda_phik.csv", correlation.rename_axis("feature").reset_index(), digits=4)
        write_json(
            REPORTS / "eda_summary.json",
            {
                "customers": len(customers),
                "declined_share": float(customers[TARGET].mean()),
                "top_features": [
                    {"feature": r.feature, "effect_measure": r.effect_measure, "effect_size": r.effect_size}
                    for r in table.head(settings["top_features"]).itertuples()
                ],
                "multicollinearity_threshold": settings["multicollinearity_threshold"],
                "multicollinear_pairs": pairs,
                "identifier_check": identifier,
            },
            digits=4,
        )
        write_text(REPORTS / "eda.md", summary_markdown(customers, table, pairs, correlation, identifier, settings))
    if identifier["roc_auc_of_id"] >= settings["identifier_leak_roc_auc"]:
        print(f"eda: warning: the customer id alone predicts the target (ROC-AUC {identifier['roc_auc_of_id']:.3f})")
    top = table.head(settings["top_features"])
    print(
        "eda: strongest features: "
        + ", ".join(f"{f} ({e:+.2f})" for f, e in zip(top.feature, top.effect_size, strict=True))
    )
    return table


def main() -> None:
    args = stage_arguments(__doc__, "prepared")
    run(args.prepared, load_params(args.params))


if __name__ == "__main__":
    run_cli("eda", main)
