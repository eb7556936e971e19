"""Model choice: randomized search over pipelines and families, a fair repeated-CV comparison, the winner.

Pure functions over the train frame and typed settings; `stages/train.py` reads and writes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RandomizedSearchCV

from stages.lib.families import family_of, make_family
from stages.lib.model import (
    N_JOBS,
    fit_clone,
    group_folds,
    make_pipeline,
    model_input,
    predict_risk,
    search_space,
)
from stages.lib.schema import FEATURES, GROUP, ID, TARGET
from stages.lib.settings import Comparison, Train

SCORING = "roc_auc"


def run_search(train: pd.DataFrame, features: list[str], settings: Train, seed: int) -> RandomizedSearchCV:
    """RandomizedSearchCV over (scaler, k best columns, model family, family hyperparameters)."""
    search = RandomizedSearchCV(
        make_pipeline(make_family("dummy", seed), features),
        search_space(settings.families, settings.scalers, settings.select_k, settings.search_spaces, seed),
        n_iter=settings.n_iter,
        scoring=SCORING,
        cv=group_folds(settings.cv_folds, seed),
        refit=False,  # the saved model is the repeated-CV winner, fitted once afterwards
        random_state=seed,
        n_jobs=N_JOBS,
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
    pipelines: dict, train: pd.DataFrame, features: list[str], settings: Comparison, seed: int
) -> pd.DataFrame:
    """Every pipeline on the same folds: ``repeats`` shuffles of group-aware stratified k-fold.

    All fits go to one pool of workers (one pool per family or per repeat costs more to start than
    the small models take to fit).
    """
    X, y, groups = model_input(train, features), train[TARGET], train[GROUP]
    folds = [  # seeds differ from the search's folds
        split
        for repeat in range(settings.repeats)
        for split in group_folds(settings.folds, seed + 1000 + repeat).split(X, y, groups)
    ]
    tasks = [(family, pipeline, split) for family, pipeline in pipelines.items() for split in folds]
    scores = Parallel(n_jobs=N_JOBS)(delayed(fit_and_score)(pipeline, X, y, *split) for _, pipeline, split in tasks)
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
    return pd.DataFrame(rows)


def out_of_fold(pipeline, train: pd.DataFrame, cv_folds: int, seed: int) -> tuple[pd.DataFrame, list]:
    """Each train customer's probability from a model that never saw that customer (or its duplicates),
    the fold that held the customer out, and the fold models themselves (in fold order).

    The folds are the search's; `explain` explains exactly these models, so it never refits them.
    """
    splits = list(group_folds(cv_folds, seed).split(train, train[TARGET], groups=train[GROUP]))
    # fitted in this process, in order: models fitted in workers come back as separate copies of what
    # the pipeline shares, which would change the saved archive's bytes for no gain worth having
    models = [fit_clone(pipeline, train.iloc[fit_rows]) for fit_rows, _ in splits]
    probability, fold = pd.Series(np.nan, index=train.index), pd.Series(-1, index=train.index)
    for number, (fold_model, (_, held_out_rows)) in enumerate(zip(models, splits, strict=True)):
        held_out = train.index[held_out_rows]
        probability.loc[held_out] = predict_risk(fold_model, train.loc[held_out])
        fold.loc[held_out] = number
    oof = pd.DataFrame(
        {ID: train[ID], TARGET: train[TARGET], "probability": probability.to_numpy(), "fold": fold.to_numpy()}
    )
    return oof, models


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


def model_features(multicollinear_pairs: list[dict], drop_multicollinear: bool) -> tuple[list[str], list[str]]:
    """All features, less (if asked) the member of each pair flagged by eda that is less tied to the target."""
    dropped = []
    if drop_multicollinear:
        for pair in multicollinear_pairs:
            first, second = pair["features"]
            if first in dropped or second in dropped:
                continue  # the pair is already broken
            dropped.append(first if pair["phik_with_target"][0] < pair["phik_with_target"][1] else second)
    return [f for f in FEATURES if f not in dropped], dropped


def train_metrics(search: RandomizedSearchCV, best: pd.DataFrame, cv: pd.DataFrame, chosen: str, features, dropped):
    """metrics/train.json: the choice, its repeated-CV score against the dummy, what was searched."""
    by_family = cv.set_index("family")
    return {
        "chosen_family": chosen,
        "search_best_family": family_of(search.cv_results_["param_model"][search.best_index_]),
        "search_best_cv_roc_auc": search.best_score_,
        "repeated_cv_roc_auc_mean": by_family.loc[chosen, "cv_roc_auc_mean"],
        "repeated_cv_roc_auc_std": by_family.loc[chosen, "cv_roc_auc_std"],
        "dummy_repeated_cv_roc_auc_mean": by_family.loc["dummy", "cv_roc_auc_mean"],
        "candidates_searched": len(search.cv_results_["params"]),
        "features": features,
        "dropped_multicollinear": dropped,
        "chosen_settings": best.set_index("family").loc[chosen, "settings"],
    }
