"""Stage `explain`: SHAP explanations of the deployed pipeline, cross-checked by permutation importance.

    python -m stages.explain [--prepared data/prepared] [--models models]

Explains every regular customer (segment reads the per-customer values); figures and global
importance come from the untouched test customers. Writes plots/explain/*.png,
reports/shap_importance.csv, metrics/explain.json and data/explained/shap_values.parquet.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shap
from joblib import Parallel, delayed
from scipy import stats
from scipy.special import logit
from sklearn.inspection import permutation_importance

from stages.lib import plotting
from stages.lib.cli import stage_arguments
from stages.lib.errors import run_cli
from stages.lib.explaining import Explanation, combine, explain, grouped, mean_abs, model_output, readable
from stages.lib.files import fresh_outputs, load_params, read_parquet, write_csv, write_json, write_parquet
from stages.lib.model import expected_features, fold_models, load_model, model_input, predict_risk
from stages.lib.schema import ID, NOMINAL_FEATURES, NUMERIC_FEATURES, TARGET

FIGURES = Path("plots/explain")


def direction(display: pd.Series, values: pd.Series) -> str:
    """How a feature pushes the risk: sign of the rank correlation between its value and its SHAP value."""
    if display.nunique() < 2 or values.abs().sum() == 0:
        return "none"
    rho = stats.spearmanr(display, values).statistic
    return "higher value, higher risk" if rho > 0.1 else "higher value, lower risk" if rho < -0.1 else "mixed"


def importance_table(
    explanation: Explanation, test_ids, features: list[str], permutation: pd.DataFrame
) -> pd.DataFrame:
    """Mean |SHAP| per transformed column and per grouped input feature, with permutation importance."""
    values = explanation.values.loc[test_ids]
    columns = mean_abs(values).rename("mean_abs_shap").to_frame()
    columns["level"], columns["direction"] = (
        "column",
        [direction(explanation.display.loc[test_ids, c], values[c]) for c in columns.index],
    )
    groups = mean_abs(grouped(values, features)).rename("mean_abs_shap").to_frame().join(permutation)
    groups["level"] = "grouped"
    groups["direction"] = [
        "categorical" if f in NOMINAL_FEATURES else direction(explanation.display.loc[test_ids, f], values[f])
        for f in groups.index
    ]
    table = pd.concat([groups, columns]).rename_axis("feature").reset_index()
    return table[["level", "feature", "mean_abs_shap", "direction", "permutation_importance", "permutation_std"]]


def permutation_check(pipeline, test: pd.DataFrame, params: dict, seed: int) -> pd.DataFrame:
    """Drop in test ROC-AUC when one input feature is shuffled: an explainer-independent importance."""
    features = expected_features(pipeline)
    result = permutation_importance(
        pipeline,
        model_input(test, features),
        test[TARGET],
        scoring="roc_auc",
        n_repeats=params["permutation_repeats"],
        random_state=seed,
        n_jobs=2,
    )
    return pd.DataFrame(
        {"permutation_importance": result.importances_mean, "permutation_std": result.importances_std}, index=features
    )


def shap_figure(draw, path: Path, title: str) -> None:
    """Let a shap.plots function draw on a fresh figure, then save it in the project style."""
    plt.figure()
    draw()
    fig = plt.gcf()
    fig.suptitle(title)
    plotting.save_figure(fig, path)


def example_customers(test: pd.DataFrame, risk: np.ndarray, threshold: float) -> dict[str, int]:
    """The highest-risk, nearest-the-threshold and lowest-risk test customers (ties: smallest id)."""
    frame = pd.DataFrame({ID: test[ID].to_numpy(), "risk": risk, "gap": np.abs(risk - threshold)})
    pick = lambda by, ascending: int(frame.sort_values([by, ID], ascending=[ascending, True])[ID].iloc[0])  # noqa: E731
    return {"highest_risk": pick("risk", False), "near_threshold": pick("gap", True), "lowest_risk": pick("risk", True)}


def draw_figures(
    explanation: Explanation,
    test: pd.DataFrame,
    risk: np.ndarray,
    table: pd.DataFrame,
    threshold: float,
    params: dict,
    seed: int,
) -> dict[str, int]:
    ids = test[ID].to_numpy()
    on_test = explanation.as_shap(ids)  # figures describe the deployed model on untouched customers
    unit = "probability" if explanation.output == "probability" else "log-odds"
    np.random.seed(seed)  # noqa: NPY002  (beeswarm jitters points with NumPy's global generator)
    shap_figure(
        lambda: shap.plots.beeswarm(on_test, max_display=16, show=False),
        FIGURES / "beeswarm.png",
        f"SHAP values on test ({unit} of decline): each dot is a customer",
    )
    shap_figure(
        lambda: shap.plots.bar(on_test, max_display=20, show=False),
        FIGURES / "importance_columns.png",
        "Mean |SHAP| per model column (test)",
    )
    grouped_rows = table[table["level"] == "grouped"].iloc[::-1]
    fig, ax = plt.subplots(figsize=plotting.WIDE)
    ax.barh([readable(f) for f in grouped_rows["feature"]], grouped_rows["mean_abs_shap"], color=plotting.HIGHLIGHT)
    ax.set(title="Mean |SHAP| per input feature, one-hot columns summed (test)", xlabel=f"mean |SHAP| ({unit})")
    plotting.save_figure(fig, FIGURES / "importance_grouped.png")
    numeric_top = [
        f
        for f in table.loc[table["level"] == "grouped", "feature"]
        if f in NUMERIC_FEATURES and f in explanation.values
    ][: params["dependence_plots"]]
    for feature in numeric_top:
        column = list(explanation.values.columns).index(feature)
        shap_figure(
            lambda column=column: shap.plots.scatter(on_test[:, column], color=on_test, show=False),
            FIGURES / f"dependence_{feature}.png",
            f"How {readable(feature).lower()} moves the risk",
        )
    examples = example_customers(test, risk, threshold)
    for kind, customer in examples.items():
        row = int(np.flatnonzero(ids == customer)[0])
        shap_figure(
            lambda row=row: shap.plots.waterfall(on_test[row], max_display=12, show=False),
            FIGURES / f"waterfall_{kind}.png",
            f"Customer {customer} ({kind.replace('_', ' ')}): probability {risk[row]:.2f}",
        )
    return examples


def explain_every_customer(
    pipeline, train: pd.DataFrame, test: pd.DataFrame, params: dict, seed: int, n_jobs: int = 2
) -> tuple[Explanation, float]:
    """Test customers by the deployed pipeline; each train customer by the fold model that never saw it.

    So every explanation belongs to the same honest score segment uses (out-of-fold for train).
    All six explanations share one pool of workers. Returns the explanation indexed by customer id,
    and the seconds the test set took in its worker.
    """
    folds = list(fold_models(pipeline, train, params["train"]["cv_folds"], seed))
    tasks = [(pipeline, test, train)] + [(model, train.loc[rows], train.drop(index=rows)) for model, rows in folds]
    results = Parallel(n_jobs=n_jobs)(
        delayed(timed_explain)(model, rows, background, params["explain"], seed) for model, rows, background in tasks
    )
    explanations, seconds = zip(*results, strict=True)
    return combine(list(explanations)), seconds[0]


def timed_explain(pipeline, rows: pd.DataFrame, background: pd.DataFrame, params: dict, seed: int):
    started = time.perf_counter()
    explanation = explain(pipeline, rows, background, params, seed)
    return explanation, time.perf_counter() - started


def additivity_errors(explanation: Explanation, pipeline, test: pd.DataFrame, oof: pd.DataFrame) -> dict:
    """Largest |base + sum(SHAP) - model output|: deployed model on test, fold models vs out-of-fold scores."""
    expected_test = model_output(pipeline, test, explanation.output)
    oof_probability = oof.set_index(ID)["probability"]
    expected_train = oof_probability if explanation.output == "probability" else logit(oof_probability)
    explained = explanation.model_output()
    return {
        "test": float(np.abs(explained.loc[test.index].to_numpy() - expected_test).max()),
        "train_out_of_fold": float(np.abs(explained.loc[oof_probability.index] - expected_train).max()),
    }


def run(prepared: Path, models: Path, params: dict, evaluation: Path = Path("metrics/evaluate.json")) -> dict:
    settings, seed = params["explain"], params["seed"]
    out_values, out_metrics = Path("data/explained/shap_values.parquet"), Path("metrics/explain.json")
    out_table = Path("reports/shap_importance.csv")
    with fresh_outputs(FIGURES, out_values.parent, out_metrics, out_table):
        pipeline = load_model(models / "model.skops")
        train = read_parquet(prepared / "train.parquet").set_index(ID, drop=False)
        test = read_parquet(prepared / "test.parquet").set_index(ID, drop=False)
        features = expected_features(pipeline)
        explanation, test_seconds = explain_every_customer(pipeline, train, test, params, seed)
        errors = additivity_errors(explanation, pipeline, test, read_parquet(models / "oof_train.parquet"))
        table = importance_table(explanation, test.index, features, permutation_check(pipeline, test, settings, seed))
        groups = table[table["level"] == "grouped"]
        rho = stats.spearmanr(groups["mean_abs_shap"], groups["permutation_importance"]).statistic
        threshold = json.loads(evaluation.read_text())["threshold"]
        examples = draw_figures(explanation, test, predict_risk(pipeline, test), table, threshold, settings, seed)
        per_customer = grouped(explanation.values, features).add_prefix("shap_").sort_index()
        per_customer.insert(0, "shap_base_value", explanation.base_values.sort_index())
        write_parquet(out_values, per_customer.rename_axis(ID).reset_index())
        write_csv(out_table, table, digits=6)
        metrics = {
            "explainer": explanation.explainer,
            "explained_output": explanation.output,
            "explained_customers": len(per_customer),
            "test_customers": len(test),
            "additivity_max_abs_error": errors,
            "spearman_shap_vs_permutation": float(rho),
            "top_features": [
                {"feature": r.feature, "mean_abs_shap": r.mean_abs_shap, "direction": r.direction}
                for r in groups.head(5).itertuples()
            ],
            "example_customers": examples,
        }
        write_json(out_metrics, metrics, digits=4)
    print(
        f"explain: {explanation.explainer}: test set ({len(test)} customers) explained in {test_seconds:.1f} s; "
        f"additivity error {max(errors.values()):.1e}; Spearman(SHAP, permutation) {rho:.2f}"
    )
    return metrics


def main() -> None:
    args = stage_arguments(__doc__, "prepared", "models")
    run(args.prepared, args.models, load_params(args.params))


if __name__ == "__main__":
    run_cli("explain", main)
