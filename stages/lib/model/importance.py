"""What the SHAP explanations say: importance tables, the permutation cross-check, the example
customers, additivity and the `explain` metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logit
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from stages.lib.model.pipeline import expected_features, model_input
from stages.lib.model.shap_values import SHAP_DECIMALS, Explanation, grouped, model_output
from stages.lib.schema import ID, NOMINAL_FEATURES, NUMERIC_FEATURES, TARGET

EXAMPLE_KINDS = ("highest_risk", "near_threshold", "lowest_risk")  # the customers the waterfalls show


def mean_abs(values: pd.DataFrame) -> pd.Series:
    # rounded before ranking: the mean's last bits depend on the CPU's SIMD kernels, and near-ties flip
    return values.abs().mean().round(SHAP_DECIMALS).sort_values(ascending=False, kind="stable")


def direction(display: pd.Series, values: pd.Series) -> str:
    """How a feature pushes the risk: sign of the rank correlation between its value and its SHAP value."""
    if display.nunique() < 2 or values.abs().sum() == 0:
        return "none"
    rho = stats.spearmanr(display, values).statistic
    return "higher value, higher risk" if rho > 0.1 else "higher value, lower risk" if rho < -0.1 else "mixed"


def shuffled_copies(X: pd.DataFrame, column: int, repeats: int, seed: int) -> list[pd.DataFrame]:
    """sklearn's permutation_importance shuffles of one column: a fresh generator per column, and
    each repeat shuffles the previous repeat's column again."""
    rng, order, shuffled, copies = np.random.RandomState(seed), np.arange(len(X)), X.copy(), []
    for _ in range(repeats):
        rng.shuffle(order)
        shuffled[shuffled.columns[column]] = shuffled.iloc[order, column].set_axis(shuffled.index)
        copies.append(shuffled.copy())
    return copies


def permutation_check(pipeline: Pipeline, test: pd.DataFrame, repeats: int, seed: int) -> pd.DataFrame:
    """Drop in test ROC-AUC when one input feature is shuffled: an explainer-independent importance. The
    numbers of sklearn's ``permutation_importance(scoring="roc_auc")``, every shuffled copy in one model call."""
    features = expected_features(pipeline)
    X, y = model_input(test, features), test[TARGET]
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    shuffled = [c for column in range(len(features)) for c in shuffled_copies(X, column, repeats, column_seed)]
    # what sklearn's roc_auc scorer ranks by: the decision function if the model has one, else the probability
    ranked_by = "log_odds" if hasattr(pipeline, "decision_function") else "probability"
    scores = model_output(pipeline, pd.concat([X, *shuffled], ignore_index=True), ranked_by)
    auc = np.array([roc_auc_score(y, part) for part in np.split(scores, len(shuffled) + 1)])
    importances = auc[0] - auc[1:].reshape(len(features), repeats)
    return pd.DataFrame(
        {"permutation_importance": importances.mean(axis=1), "permutation_std": importances.std(axis=1)}, index=features
    )


def importance_table(
    explanation: Explanation, test_ids, features: list[str], permutation: pd.DataFrame
) -> pd.DataFrame:
    """Mean |SHAP| per transformed column and per grouped input feature, with permutation importance."""
    values, display = explanation.values.loc[test_ids], explanation.display.loc[test_ids]
    columns = mean_abs(values).to_frame("mean_abs_shap").assign(level="column")
    columns["direction"] = [direction(display[c], values[c]) for c in columns.index]
    groups = mean_abs(grouped(values, features)).to_frame("mean_abs_shap").join(permutation).assign(level="grouped")
    groups["direction"] = [
        "categorical" if f in NOMINAL_FEATURES else direction(display[f], values[f]) for f in groups.index
    ]
    table = pd.concat([groups, columns]).rename_axis("feature").reset_index()
    return table[["level", "feature", "mean_abs_shap", "direction", "permutation_importance", "permutation_std"]]


def dependence_features(table: pd.DataFrame, explained_columns, count: int) -> list[str]:
    """The ``count`` most important numeric input features the model sees: one dependence plot each."""
    ranked = table.loc[table["level"] == "grouped", "feature"]
    return [f for f in ranked if f in NUMERIC_FEATURES and f in explained_columns][:count]


def example_customers(test: pd.DataFrame, risk: np.ndarray, threshold: float) -> dict[str, int]:
    """The highest-risk, nearest-the-threshold and lowest-risk test customers (ties: smallest id)."""
    risk = np.round(risk, SHAP_DECIMALS)  # near-ties (probabilities close to 1) must not follow the last bits
    gap = np.round(np.abs(risk - threshold), SHAP_DECIMALS)
    frame = pd.DataFrame({ID: test[ID].to_numpy(), "risk": risk, "gap": gap})
    pick = lambda by, ascending: int(frame.sort_values([by, ID], ascending=[ascending, True])[ID].iloc[0])  # noqa: E731
    return dict(zip(EXAMPLE_KINDS, (pick("risk", False), pick("gap", True), pick("risk", True)), strict=True))


def additivity_errors(explanation: Explanation, pipeline: Pipeline, test: pd.DataFrame, oof: pd.DataFrame) -> dict:
    """Largest |base + sum(SHAP) - model output|: deployed model on test, fold models vs out-of-fold scores."""
    expected_test = model_output(pipeline, test, explanation.output)
    oof_probability = oof.set_index(ID)["probability"]
    expected_train = oof_probability if explanation.output == "probability" else logit(oof_probability)
    explained = explanation.model_output()
    return {
        "test": float(np.abs(explained.loc[test.index].to_numpy() - expected_test).max()),
        "train_out_of_fold": float(np.abs(explained.loc[oof_probability.index] - expected_train).max()),
    }


def explain_metrics(explanation: Explanation, test_customers: int, errors: dict, table: pd.DataFrame, examples: dict):
    """metrics/explain.json: the explainer, its additivity, agreement with permutation importance, the top."""
    groups = table[table["level"] == "grouped"]
    rho = stats.spearmanr(groups["mean_abs_shap"], groups["permutation_importance"]).statistic
    return {
        "explainer": explanation.explainer,
        "explained_output": explanation.output,
        "explained_customers": len(explanation.values),
        "test_customers": test_customers,
        "additivity_max_abs_error": errors,
        "spearman_shap_vs_permutation": float(rho),
        "top_features": [
            {"feature": r.feature, "mean_abs_shap": r.mean_abs_shap, "direction": r.direction}
            for r in groups.head(5).itertuples()
        ],
        "example_customers": examples,
    }
