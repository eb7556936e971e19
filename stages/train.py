"""Stage `train`: randomized search over pipelines and model families, a fair comparison, the model.

    python -m stages.train [--prepared data/prepared] [--models models]

Writes the refitted best pipeline (skops), out-of-fold probabilities for every train customer
(for threshold choice and segmentation), the comparison of the best configuration of each family
with a dummy under the same repeated group-aware cross-validation, and metrics/train.json.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RandomizedSearchCV

from stages.lib.cli import stage_arguments
from stages.lib.errors import run_cli
from stages.lib.files import fresh_outputs, load_params, read_parquet, write_csv, write_json, write_parquet
from stages.lib.model import (
    family_of,
    fold_models,
    group_folds,
    make_family,
    make_pipeline,
    model_input,
    predict_risk,
    save_model,
    search_space,
)
from stages.lib.plotting import bar_with_errors
from stages.lib.schema import FEATURES, GROUP, ID, TARGET

SCORING = "roc_auc"


def run_search(
    train: pd.DataFrame, features: list[str], params: dict, seed: int, n_jobs: int = 2
) -> RandomizedSearchCV:
    """RandomizedSearchCV over (scaler, k best columns, model family, family hyperparameters)."""
    search = RandomizedSearchCV(
        make_pipeline(make_family("dummy", seed), features),
        search_space(params, seed),
        n_iter=params["n_iter"],
        scoring=SCORING,
        cv=group_folds(params["cv_folds"], seed),
        refit=False,  # the saved model is the repeated-CV winner, refitted in run()
        random_state=seed,
        n_jobs=n_jobs,
        verbose=1,
        error_score="raise",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # saga on tiny C: a weak candidate, not a failure
        search.fit(model_input(train, features), train[TARGET], groups=train[GROUP])
    return search


def describe(value) -> str:
    """Readable hyperparameter values: estimators by class name, floats to 4 significant digits."""
    if hasattr(value, "get_params"):
        return type(value).__name__
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def best_per_family(search: RandomizedSearchCV) -> pd.DataFrame:
    """The best searched configuration of each family, with its search CV score."""
    results = pd.DataFrame(search.cv_results_)
    results["family"] = [family_of(model) for model in results["param_model"]]
    best_rows = results.sort_values("rank_test_score", kind="stable").groupby("family").head(1)
    rows = []
    for _, row in best_rows.iterrows():
        settings = {k: describe(v) for k, v in row["params"].items() if k != "model"}
        rows.append(
            {
                "family": row["family"],
                "candidates": int((results["family"] == row["family"]).sum()),
                "search_cv_roc_auc": row["mean_test_score"],
                "params": row["params"],
                "settings": "; ".join(f"{k}={v}" for k, v in sorted(settings.items())),
            }
        )
    return pd.DataFrame(rows).sort_values("search_cv_roc_auc", ascending=False).reset_index(drop=True)


def family_pipelines(best: pd.DataFrame, features: list[str], seed: int) -> dict:
    """A fresh pipeline per family set to its best parameters, plus the dummy baseline."""
    pipelines = {"dummy": make_pipeline(make_family("dummy", seed), features)}
    for _, row in best.iterrows():
        pipelines[row["family"]] = make_pipeline(make_family("dummy", seed), features).set_params(**row["params"])
    return pipelines


def fit_and_score(pipeline, X: pd.DataFrame, y: pd.Series, fit_rows, test_rows) -> float:
    fitted = clone(pipeline).fit(X.iloc[fit_rows], y.iloc[fit_rows])
    return roc_auc_score(y.iloc[test_rows], fitted.predict_proba(X.iloc[test_rows])[:, 1])


def repeated_cv(
    pipelines: dict, train: pd.DataFrame, features: list[str], params: dict, seed: int, n_jobs: int = 2
) -> pd.DataFrame:
    """Every pipeline on the same folds: ``repeats`` shuffles of group-aware stratified k-fold.

    All fits go to one pool of workers (one pool per family or per repeat costs more to start than
    the small models take to fit).
    """
    X, y, groups = model_input(train, features), train[TARGET], train[GROUP]
    folds = [  # seeds differ from the search's folds
        split
        for repeat in range(params["repeats"])
        for split in group_folds(params["folds"], seed + 1000 + repeat).split(X, y, groups)
    ]
    tasks = [(family, pipeline, split) for family, pipeline in pipelines.items() for split in folds]
    scores = Parallel(n_jobs=n_jobs)(delayed(fit_and_score)(pipeline, X, y, *split) for _, pipeline, split in tasks)
    by_family = pd.DataFrame({"family": [task[0] for task in tasks], "score": scores})
    rows = []
    for family in pipelines:
        family_scores = by_family.loc[by_family["family"] == family, "score"]
        rows.append(
            {
                "family": family,
                "cv_roc_auc_mean": float(family_scores.mean()),
                "cv_roc_auc_std": float(family_scores.std(ddof=0)),
                "cv_fits": len(family_scores),
            }
        )
        print(
            f"train: repeated CV {family:24s} ROC-AUC {family_scores.mean():.4f} ± {family_scores.std(ddof=0):.4f}",
            flush=True,
        )
    return pd.DataFrame(rows)


def out_of_fold(pipeline, train: pd.DataFrame, params: dict, seed: int) -> pd.DataFrame:
    """Each train customer's probability from a model that never saw that customer (or its duplicates)."""
    probability = pd.Series(np.nan, index=train.index)
    for fold_model, held_out in fold_models(pipeline, train, params["cv_folds"], seed):
        probability.loc[held_out] = predict_risk(fold_model, train.loc[held_out])
    return pd.DataFrame({ID: train[ID], TARGET: train[TARGET], "probability": probability.to_numpy()})


def choose_family(cv: pd.DataFrame) -> str:
    """The family whose best configuration has the highest repeated-CV mean.

    The search ranks configurations on one split into folds; the repeated CV averages more splits
    for the few finalists, so it is the steadier of the two estimates to decide on.
    """
    finalists = cv[cv["family"] != "dummy"].sort_values(["cv_roc_auc_mean", "family"], ascending=[False, True])
    return str(finalists["family"].iloc[0])


def comparison_table(best: pd.DataFrame, cv: pd.DataFrame) -> pd.DataFrame:
    table = cv.merge(best.drop(columns="params"), on="family", how="left")
    table = table.sort_values(["cv_roc_auc_mean", "family"], ascending=[False, True]).reset_index(drop=True)
    return table[
        ["family", "cv_roc_auc_mean", "cv_roc_auc_std", "cv_fits", "search_cv_roc_auc", "candidates", "settings"]
    ]


def model_features(eda_summary: dict, drop_multicollinear: bool) -> tuple[list[str], list[str]]:
    """All features, less (if asked) the member of each pair flagged by eda that is less tied to the target."""
    dropped = []
    if drop_multicollinear:
        for pair in eda_summary["multicollinear_pairs"]:
            first, second = pair["features"]
            if first in dropped or second in dropped:
                continue  # the pair is already broken
            dropped.append(first if pair["phik_with_target"][0] < pair["phik_with_target"][1] else second)
    return [f for f in FEATURES if f not in dropped], dropped


def run(prepared: Path, models: Path, params: dict, eda_summary: Path = Path("reports/eda_summary.json")) -> dict:
    outputs = {
        "model": models / "model.skops",
        "oof": models / "oof_train.parquet",
        "metrics": Path("metrics/train.json"),
        "table": Path("reports/model_comparison.csv"),
        "figure": Path("plots/train/model_comparison.png"),
    }
    with fresh_outputs(*outputs.values()):
        train, seed, settings = read_parquet(prepared / "train.parquet"), params["seed"], params["train"]
        print(
            f"train: searching {settings['n_iter']} configurations over {len(settings['families'])} families "
            f"with {settings['cv_folds']}-fold group-aware CV on {len(train)} customers",
            flush=True,
        )
        features, dropped = model_features(json.loads(eda_summary.read_text()), settings["drop_multicollinear"])
        if dropped:
            print(f"train: dropping {dropped}: multicollinear with a feature closer to the target (eda)", flush=True)
        search = run_search(train, features, settings, seed)
        best = best_per_family(search)
        pipelines = family_pipelines(best, features, seed)
        cv = repeated_cv(pipelines, train, features, settings["comparison"], seed)
        table = comparison_table(best, cv)
        chosen = choose_family(cv)
        chosen_cv = cv.set_index("family").loc[chosen]
        dummy_cv = cv.set_index("family").loc["dummy"]
        model = pipelines[chosen].fit(model_input(train, features), train[TARGET])
        save_model(model, outputs["model"])
        write_parquet(outputs["oof"], out_of_fold(model, train, settings, seed))
        write_csv(outputs["table"], table, digits=4)
        bar_with_errors(
            table,
            "family",
            "cv_roc_auc_mean",
            "cv_roc_auc_std",
            outputs["figure"],
            title="Repeated group-aware CV on train: best configuration of each family",
            xlabel="ROC-AUC (mean ± std over folds)",
            highlight=chosen,
            reference="dummy",
        )
        metrics = {
            "chosen_family": chosen,
            "search_best_family": family_of(search.cv_results_["param_model"][search.best_index_]),
            "search_best_cv_roc_auc": search.best_score_,
            "repeated_cv_roc_auc_mean": chosen_cv["cv_roc_auc_mean"],
            "repeated_cv_roc_auc_std": chosen_cv["cv_roc_auc_std"],
            "dummy_repeated_cv_roc_auc_mean": dummy_cv["cv_roc_auc_mean"],
            "candidates_searched": len(search.cv_results_["params"]),
            "features": features,
            "dropped_multicollinear": dropped,
            "chosen_settings": best.set_index("family").loc[chosen, "settings"],
        }
        write_json(outputs["metrics"], metrics, digits=4)
    print(
        f"train: chose {chosen}: repeated CV ROC-AUC {chosen_cv['cv_roc_auc_mean']:.4f} "
        f"± {chosen_cv['cv_roc_auc_std']:.4f} (dummy {dummy_cv['cv_roc_auc_mean']:.4f})"
    )
    return metrics


def main() -> None:
    args = stage_arguments(__doc__, "prepared", "models")
    run(args.prepared, args.models, load_params(args.params))


if __name__ == "__main__":
    run_cli("train", main)
