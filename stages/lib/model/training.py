"""Model choice: randomized search over pipelines and families, a fair repeated-CV comparison, the winner."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RandomizedSearchCV

from stages.lib.model.calibration import CalibrationChoice, Calibrator, calibrate, choose_calibration
from stages.lib.model.families import family_of, make_family
from stages.lib.model.pipeline import (
    N_JOBS,
    expected_inputs,
    fit_clone,
    group_folds,
    make_pipeline,
    model_input,
    predict_risk,
    search_space,
)
from stages.lib.schema import FEATURES, GROUP, ID, TARGET
from stages.lib.settings import Comparison, Train
from stages.lib.stats import paired_difference

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
    results = pd.DataFrame(search.cv_results_).rename(columns={"mean_test_score": "search_cv_roc_auc"})
    results["family"] = [family_of(model) for model in results["param_model"]]
    best = results.sort_values("rank_test_score", kind="stable").groupby("family").head(1)
    settings = ["; ".join(f"{k}={describe(v)}" for k, v in sorted(p.items()) if k != "model") for p in best["params"]]
    best = best.assign(candidates=best["family"].map(results["family"].value_counts()), settings=settings)
    columns = ["family", "candidates", "search_cv_roc_auc", "params", "settings"]
    return best[columns].sort_values("search_cv_roc_auc", ascending=False).reset_index(drop=True)


def family_pipelines(best: pd.DataFrame, features: list[str], seed: int) -> dict:
    """A fresh pipeline per family set to its best parameters, plus the dummy baseline."""
    params = {"dummy": {}} | {row["family"]: row["params"] for _, row in best.iterrows()}
    return {family: make_pipeline(make_family("dummy", seed), features).set_params(**p) for family, p in params.items()}


def fit_and_score(pipeline, X: pd.DataFrame, y: pd.Series, fit_rows, test_rows) -> float:
    fitted = clone(pipeline).fit(X.iloc[fit_rows], y.iloc[fit_rows])
    return roc_auc_score(y.iloc[test_rows], fitted.predict_proba(X.iloc[test_rows])[:, 1])


REFERENCE = "reference_extra_trees"  # a fixed yardstick, never a candidate


def reference_pipeline(settings: Comparison, seed: int):
    """The published kind of solution: extra trees on every feature, no selection, fixed settings."""
    return make_pipeline(make_family("extra_trees", seed).set_params(n_estimators=settings.reference_trees))


def repeated_cv(pipelines: dict, train: pd.DataFrame, settings: Comparison, seed: int) -> pd.DataFrame:
    """Every pipeline on the same folds (``repeats`` shuffles of group-aware stratified k-fold): one row per
    pipeline and fold, so that families can be compared fold by fold. All fits go to one pool of workers
    (one pool per family or per repeat costs more to start than the small models take to fit)."""
    y, groups = train[TARGET], train[GROUP]
    folds = [  # seeds differ from the search's folds
        split
        for repeat in range(settings.repeats)
        for split in group_folds(settings.folds, seed + 1000 + repeat).split(train, y, groups)
    ]
    tasks = [(family, fold) for family in pipelines for fold in range(len(folds))]
    inputs = {family: model_input(train, expected_inputs(pipeline)) for family, pipeline in pipelines.items()}
    scores = Parallel(n_jobs=N_JOBS)(
        delayed(fit_and_score)(pipelines[family], inputs[family], y, *folds[fold]) for family, fold in tasks
    )
    return pd.DataFrame({"family": [t[0] for t in tasks], "fold": [t[1] for t in tasks], "roc_auc": scores})


def summarise_cv(fold_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean, spread and number of fits of each pipeline's fold scores."""
    grouped = fold_scores.groupby("family", sort=False)["roc_auc"]
    return pd.DataFrame(
        {"cv_roc_auc_mean": grouped.mean(), "cv_roc_auc_std": grouped.std(ddof=0), "cv_fits": grouped.size()}
    ).reset_index()


def paired_comparisons(fold_scores: pd.DataFrame, chosen: str, folds: int) -> pd.DataFrame:
    """The chosen pipeline minus each other one, fold by fold, with the corrected interval."""
    wide = fold_scores.pivot(index="fold", columns="family", values="roc_auc")
    rows = [
        {"family": family, **paired_difference(wide[chosen] - wide[family], test_share=1 / folds)}
        for family in wide.columns
        if family != chosen
    ]
    return pd.DataFrame(rows)


# out-of-fold scores come from folds of their own, independent of the search's: the threshold, the
# calibrator and segment see scores from folds that did not choose the configuration
OOF_SEED_OFFSET = 2000


def out_of_fold(pipeline, train: pd.DataFrame, cv_folds: int, seed: int) -> tuple[pd.DataFrame, list]:
    """Each train customer's raw score from a model that never saw that customer (or its duplicates), the
    fold that held the customer out, and the fold models (in fold order: `explain` explains exactly these)."""
    splits = list(group_folds(cv_folds, seed + OOF_SEED_OFFSET).split(train, train[TARGET], groups=train[GROUP]))
    # fitted in this process, in order: models fitted in workers come back as separate copies of what
    # the pipeline shares, which would change the saved archive's bytes for no gain worth having
    models = [fit_clone(pipeline, train.iloc[fit_rows]) for fit_rows, _ in splits]
    score, fold = np.full(len(train), np.nan), np.full(len(train), -1)
    for number, (fold_model, (_, held_out)) in enumerate(zip(models, splits, strict=True)):
        score[held_out] = predict_risk(fold_model, train.iloc[held_out])
        fold[held_out] = number
    return pd.DataFrame({ID: train[ID], TARGET: train[TARGET], "score": score, "fold": fold}), models


@dataclass(frozen=True)
class CalibratedFit:
    model: object  # the pipeline fitted on every train customer, its calibrator fitted on all out-of-fold scores
    folds: list  # each fold model, its calibrator fitted on the other folds' scores only
    oof: pd.DataFrame  # id, target, raw score, fold, and the cross-fitted calibrated probability
    calibration: CalibrationChoice


def fit_calibrated(pipeline, train: pd.DataFrame, cv_folds: int, method: str, seed: int) -> CalibratedFit:
    """The configuration fitted on all of train, its fold models, and calibration learnt out of fold. A fold
    model's calibrator never saw that fold's scores, so each train customer's ``probability`` is honest
    twice over: neither the model nor the calibrator behind it saw the customer."""
    model = fit_clone(pipeline, train)
    oof, fold_models = out_of_fold(pipeline, train, cv_folds, seed)
    choice = choose_calibration(oof, method)
    final = calibrate(model, Calibrator(choice.method).fit(oof["score"].to_numpy(), oof[TARGET].to_numpy()))
    pairs = zip(fold_models, choice.fold_calibrators, strict=True)
    folds = [calibrate(fold_model, calibrator) for fold_model, calibrator in pairs]
    return CalibratedFit(final, folds, oof.assign(probability=choice.cross_fitted), choice)


def choose_family(cv: pd.DataFrame, besides: tuple[str, ...] = ()) -> str:
    """The family whose best configuration has the highest repeated-CV mean (never the dummy, the reference
    or ``besides``; a tie goes to the first name). The search ranks configurations on one split into folds;
    the repeated CV averages more splits for the few finalists: the steadier estimate to decide on."""
    finalists = cv[~cv["family"].isin(["dummy", REFERENCE, *besides])]
    return str(finalists.sort_values(["cv_roc_auc_mean", "family"], ascending=[False, True])["family"].iloc[0])


def comparison_table(best: pd.DataFrame, cv: pd.DataFrame, paired: pd.DataFrame) -> pd.DataFrame:
    """One row per pipeline: repeated-CV score, the search's view, and the chosen one's paired margin."""
    table = cv.merge(best.drop(columns="params"), on="family", how="left").merge(paired, on="family", how="left")
    table = table.sort_values(["cv_roc_auc_mean", "family"], ascending=[False, True]).reset_index(drop=True)
    table["folds_won_by_chosen"] = table["folds_won_by_chosen"].astype("Int64")  # a count, empty for the chosen
    margins = list(paired.columns.drop("family"))  # the keys of stats.paired_difference
    columns = ["family", "cv_roc_auc_mean", "cv_roc_auc_std", "cv_fits", *margins]
    return table[[*columns, "search_cv_roc_auc", "candidates", "settings"]]


def model_features(multicollinear_pairs: list[dict], drop_multicollinear: bool) -> tuple[list[str], list[str]]:
    """All features, less (if asked) the member of each pair flagged by eda that is less tied to the target."""
    dropped = []
    for pair in multicollinear_pairs if drop_multicollinear else []:
        first, second = pair["features"]
        if first in dropped or second in dropped:
            continue  # the pair is already broken
        dropped.append(first if pair["phik_with_target"][0] < pair["phik_with_target"][1] else second)
    return [f for f in FEATURES if f not in dropped], dropped


def margin(paired: pd.DataFrame, family: str) -> dict:
    row = paired.set_index("family").loc[family]
    return {"against": family, **row, "folds_won_by_chosen": int(row["folds_won_by_chosen"])}


def train_metrics(
    search: RandomizedSearchCV, best: pd.DataFrame, cv, paired, fit: CalibratedFit, chosen, features, dropped
):
    """metrics/train.json: the choice, its repeated-CV score against the dummy, what was searched."""
    by_family = cv.set_index("family")
    return {
        "chosen_family": chosen,
        "search_best_family": family_of(search.cv_results_["param_model"][search.best_index_]),
        "search_best_cv_roc_auc": search.best_score_,
        "repeated_cv_roc_auc_mean": by_family.loc[chosen, "cv_roc_auc_mean"],
        "repeated_cv_roc_auc_std": by_family.loc[chosen, "cv_roc_auc_std"],
        "dummy_repeated_cv_roc_auc_mean": by_family.loc["dummy", "cv_roc_auc_mean"],
        "chosen_vs_runner_up": margin(paired, choose_family(cv, besides=(chosen,))),
        "chosen_vs_reference": margin(paired, REFERENCE),
        "calibration_method": fit.calibration.method,
        "calibration_cv_brier": fit.calibration.brier_by_method,
        "candidates_searched": len(search.cv_results_["params"]),
        "features": features,
        "dropped_multicollinear": dropped,
        "chosen_settings": best.set_index("family").loc[chosen, "settings"],
    }
