"""Model choice: randomized search over pipelines and families, a fair repeated-CV comparison, the winner."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import RandomizedSearchCV

from stages.lib.model.calibration import CalibrationChoice, Calibrator, calibrate, choose_calibration
from stages.lib.model.families import family_of, make_family
from stages.lib.model.pipeline import (
    expected_inputs,
    fit_clone,
    group_folds,
    make_pipeline,
    model_input,
    predict_risk,
    search_space,
)
from stages.lib.model.scoring_cost import scoring_cost
from stages.lib.model.selection import BASELINE, REFERENCE, against_best, best_family
from stages.lib.schema import FEATURES, GROUP, ID, TARGET
from stages.lib.settings import Comparison, Cost, Train
from stages.lib.stats import paired_difference

SCORING = "roc_auc"


def run_search(train: pd.DataFrame, features: list[str], settings: Train, seed: int, n_jobs: int) -> RandomizedSearchCV:
    """RandomizedSearchCV over (scaler, k best columns, model family, family hyperparameters), its fits on
    ``n_jobs`` processes of scikit-learn's own (the same results for any number)."""
    search = RandomizedSearchCV(
        make_pipeline(make_family("dummy", seed), features),
        search_space(settings.families, settings.scalers, settings.select_k, settings.search_spaces, seed),
        n_iter=settings.n_iter,
        scoring=SCORING,
        cv=group_folds(settings.cv_folds, seed),
        refit=False,  # the saved model is the repeated-CV winner, fitted once afterwards
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


def held_out_scores(pipeline, X: pd.DataFrame, y: pd.Series, fit_rows, test_rows) -> np.ndarray:
    """The raw scores of the held-out rows by the pipeline fitted on the others."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # saga on tiny C, as in the search
        fitted = clone(pipeline).fit(X.iloc[fit_rows], y.iloc[fit_rows])
    return fitted.predict_proba(X.iloc[test_rows])[:, 1]


def reference_pipeline(settings: Comparison, seed: int):
    """The published kind of solution: extra trees on every feature, no selection, fixed settings."""
    return make_pipeline(make_family("extra_trees", seed).set_params(n_estimators=settings.reference_trees))


def comparison_folds(train: pd.DataFrame, settings: Comparison, seed: int) -> list:
    """``repeats`` shuffles of group-aware stratified k-fold (seeds differ from the search's folds)."""
    y, groups = train[TARGET], train[GROUP]
    return [
        split
        for repeat in range(settings.repeats)
        for split in group_folds(settings.folds, seed + 1000 + repeat).split(train, y, groups)
    ]


def fold_metrics(scores: list, folds: list, y: np.ndarray, k: int, calibration: str) -> list[dict]:
    """One pipeline's ROC-AUC (raw scores) and Brier (calibrated) per fold. Each repeat's k folds hold every
    customer out once: its scores are out-of-fold scores as `train` has them, calibrated as `train` calibrates
    them (the method by cross-validated Brier, fold j's calibrator fitted on the other folds only)."""
    rows = []
    for first in range(0, len(folds), k):
        score, fold = np.empty(len(y)), np.empty(len(y), dtype=int)
        for j in range(k):
            score[folds[first + j][1]], fold[folds[first + j][1]] = scores[first + j], j
        oof = pd.DataFrame({"score": score, TARGET: y, "fold": fold})
        choice = choose_calibration(oof, calibration)
        for j in range(k):
            rows_j = folds[first + j][1]
            roc_auc = roc_auc_score(y[rows_j], score[rows_j])
            brier = brier_score_loss(y[rows_j], choice.cross_fitted[rows_j])
            rows.append({"fold": first + j, "roc_auc": roc_auc, "brier": brier, "calibration": choice.method})
    return rows


def repeated_cv(
    pipelines: dict, train: pd.DataFrame, settings: Comparison, calibration: str, seed: int, map_tasks: Callable = map
) -> pd.DataFrame:
    """Every pipeline on the same folds: one row per pipeline and fold (family, fold, roc_auc, brier), so
    that pipelines can be compared fold by fold. Every fit is one task of ``map_tasks`` (the builtin map,
    or a pool's: the results in task order either way), all in one map, since the small models take less
    to fit than a map per family would take to start."""
    y = train[TARGET]
    folds = comparison_folds(train, settings, seed)
    tasks = [(family, fold) for family in pipelines for fold in range(len(folds))]
    inputs = {family: model_input(train, expected_inputs(pipeline)) for family, pipeline in pipelines.items()}
    arguments = [(pipelines[family], inputs[family], y, *folds[fold]) for family, fold in tasks]
    scores = list(map_tasks(held_out_scores, *zip(*arguments, strict=True)))  # one argument list per parameter
    rows = [
        {"family": family} | row
        for number, family in enumerate(pipelines)
        for row in fold_metrics(
            scores[number * len(folds) : (number + 1) * len(folds)], folds, y.to_numpy(), settings.folds, calibration
        )
    ]
    return pd.DataFrame(rows)


def summarise_cv(fold_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean, spread and number of fits of each pipeline's fold scores."""
    grouped = fold_scores.groupby("family", sort=False)
    roc_auc = grouped["roc_auc"]
    return pd.DataFrame(
        {
            "cv_roc_auc_mean": roc_auc.mean(),
            "cv_roc_auc_std": roc_auc.std(ddof=0),
            "cv_brier_mean": grouped["brier"].mean(),
            "cv_fits": roc_auc.size(),
        }
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


def scoring_costs(pipelines: dict, train: pd.DataFrame, prices: Cost) -> pd.DataFrame:
    """Each candidate fitted on every train customer (in this process, in order) and its scoring cost counted
    on the train customers: the fixed batch."""
    rows = []
    for family, pipeline in pipelines.items():
        if family != BASELINE:
            fitted = fit_clone(pipeline, train)
            rows.append({"family": family, **scoring_cost(fitted, train, prices)})
    return pd.DataFrame(rows)


def selection_table(fold_scores: pd.DataFrame, cv: pd.DataFrame, costs: pd.DataFrame, folds: int) -> pd.DataFrame:
    """Per candidate: repeated-CV means, the paired differences to the best with their intervals, whether
    it is within the noise of the best, and its scoring cost."""
    best = best_family(cv)
    return cv.merge(against_best(fold_scores, best, folds), on="family").merge(costs, on="family")


def comparison_table(best: pd.DataFrame, cv: pd.DataFrame, selection: pd.DataFrame, paired: pd.DataFrame, chosen):
    """One row per pipeline: repeated-CV scores, the rule's view (margins to the best, within the noise,
    scoring cost), the chosen one's paired margin, the search's view."""
    rule = selection.drop(columns=cv.columns.drop("family"))
    table = cv.merge(rule, on="family", how="left").merge(best.drop(columns="params"), on="family", how="left")
    table = table.merge(paired, on="family", how="left").assign(chosen=lambda t: t["family"] == chosen)
    table = table.sort_values(["cv_roc_auc_mean", "family"], ascending=[False, True]).reset_index(drop=True)
    table["folds_won_by_chosen"] = table["folds_won_by_chosen"].astype("Int64")  # a count, empty for the chosen
    table["model_columns"] = table["model_columns"].astype("Int64")
    first = ["family", "chosen", "cv_roc_auc_mean", "cv_roc_auc_std", "cv_brier_mean", "cost_us_per_customer"]
    last = ["search_cv_roc_auc", "candidates", "settings"]
    return table[[*first, *table.columns.drop([*first, *last]), *last]]


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


def settings_text(best: pd.DataFrame, family: str, comparison: Comparison) -> str:
    if family == REFERENCE:
        return f"n_estimators={comparison.reference_trees} on every feature (the fixed reference)"
    return best.set_index("family").loc[family, "settings"]


def selection_metrics(selection: pd.DataFrame, rule: str, chosen: str) -> dict:
    """The rule, the best and the chosen candidate with their paired differences, and every candidate."""
    best = best_family(selection)
    row = selection.set_index("family").loc[chosen]
    columns = ["cv_roc_auc_mean", "cv_brier_mean", "within_noise", "cost_us_per_customer", "model_columns"]
    return {
        "rule": rule,
        "best": best,
        "chosen": chosen,
        "chosen_minus_best_roc_auc": -row["roc_auc_best_minus_this"],
        "chosen_minus_best_roc_auc_ci95": [
            -row["roc_auc_best_minus_this_ci95_high"],
            -row["roc_auc_best_minus_this_ci95_low"],
        ],
        "chosen_minus_best_brier": row["brier_this_minus_best"],
        "chosen_minus_best_brier_ci95": [row["brier_this_minus_best_ci95_low"], row["brier_this_minus_best_ci95_high"]],
        "cost_us_per_customer": {
            "chosen": row["cost_us_per_customer"],
            "best": selection.set_index("family").loc[best, "cost_us_per_customer"],
        },
        "candidates": {r["family"]: {c: r[c] for c in columns} for r in selection.to_dict("records")},
    }


def train_metrics(
    search: RandomizedSearchCV, cv, paired, fit: CalibratedFit, choice: dict, features, dropped, chosen_settings: str
):
    """metrics/train.json: the choice and the rule behind it, its repeated-CV score against the dummy, what
    was searched. ``choice``: selection_metrics; ``chosen_settings``: settings_text of the chosen."""
    chosen, by_family = choice["chosen"], cv.set_index("family")
    return {
        "chosen_family": chosen,
        "selection": choice,
        "search_best_family": family_of(search.cv_results_["param_model"][search.best_index_]),
        "search_best_cv_roc_auc": search.best_score_,
        "repeated_cv_roc_auc_mean": by_family.loc[chosen, "cv_roc_auc_mean"],
        "repeated_cv_roc_auc_std": by_family.loc[chosen, "cv_roc_auc_std"],
        "repeated_cv_brier_mean": by_family.loc[chosen, "cv_brier_mean"],
        "dummy_repeated_cv_roc_auc_mean": by_family.loc["dummy", "cv_roc_auc_mean"],
        "chosen_vs_runner_up": margin(paired, best_family(cv, besides=(chosen,))),
        **({"chosen_vs_reference": margin(paired, REFERENCE)} if chosen != REFERENCE else {}),
        "calibration_method": fit.calibration.method,
        "calibration_cv_brier": fit.calibration.brier_by_method,
        "candidates_searched": len(search.cv_results_["params"]),
        "features": features,
        "dropped_multicollinear": dropped,
        "chosen_settings": chosen_settings,
    }
