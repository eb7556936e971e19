"""Stage `train`: randomized search over pipelines and model families, a fair comparison, the model.

    python -m stages.train

Writes the refitted best pipeline with its calibrator (skops), the fold models and their out-of-fold
scores and calibrated probabilities for every train customer (threshold choice, explanations,
segmentation), the comparison of the best configuration of each family with a dummy and a fixed
reference under the same repeated group-aware cross-validation, with the chosen one's paired margin
over each (reports/model_comparison.csv, drawn by `dvc plots`), and metrics/train.json.
"""

from __future__ import annotations

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.files import fresh_outputs, read_json, read_parquet, write_csv, write_json, write_parquet
from stages.io.model_store import save_model
from stages.io.process_pool import N_JOBS, worker_pool
from stages.lib.model import selection, training
from stages.lib.settings import Settings


def run(settings: Settings) -> dict:
    seed, params = settings.seed, settings.train
    with fresh_outputs("train"):
        train = read_parquet(paths.TRAIN)
        pairs = read_json(paths.EDA_SUMMARY)["multicollinear_pairs"]
        features, dropped = training.model_features(pairs, params.drop_multicollinear)
        print(
            f"train: searching {params.n_iter} configurations over {len(params.families)} families "
            f"with {params.cv_folds}-fold group-aware CV on {len(train)} customers; dropped {dropped}",
            flush=True,
        )
        search = training.run_search(train, features, params, seed, n_jobs=N_JOBS)
        best = training.best_per_family(search)
        pipelines = training.family_pipelines(best, features, seed)
        pipelines[training.REFERENCE] = training.reference_pipeline(params.comparison, seed)
        with worker_pool() as pool:  # forked before this process has fitted anything (process_pool.start_worker)
            comparison, calibration = params.comparison, params.calibration
            fold_scores = training.repeated_cv(pipelines, train, comparison, calibration, seed, pool.map)
        cv = training.summarise_cv(fold_scores)
        costs = training.scoring_costs(pipelines, train, params.cost)
        candidates = training.selection_table(fold_scores, cv, costs, params.comparison.folds)
        print(candidates.round(4).to_string(index=False), flush=True)
        chosen = selection.choose(candidates, params.selection, params.cost.ties_within)
        choice = training.selection_metrics(candidates, params.selection, chosen)
        paired = training.paired_comparisons(fold_scores, chosen, params.comparison.folds)
        fit = training.fit_calibrated(pipelines[chosen], train, params.cv_folds, params.calibration, seed)
        save_model(fit.model, paths.MODEL)
        save_model(fit.folds, paths.FOLD_MODELS)
        write_parquet(paths.OOF, fit.oof, digits=10)
        table = training.comparison_table(best, cv, candidates, paired, chosen)
        write_csv(paths.MODEL_COMPARISON, table, digits=4)
        settings_text = training.settings_text(best, chosen, params.comparison)
        metrics = training.train_metrics(search, cv, paired, fit, choice, features, dropped, settings_text)
        write_json(paths.TRAIN_METRICS, metrics, digits=4)
    print(
        f"train: chose {chosen} ({params.selection}; the best: {choice['best']}): repeated CV ROC-AUC "
        f"{metrics['repeated_cv_roc_auc_mean']:.4f}, {choice['cost_us_per_customer']['chosen']:.2f} µs per customer; "
        f"calibration {fit.calibration.method} (cross-validated Brier {fit.calibration.brier_by_method})"
    )
    return metrics


main = stage_main(__doc__, run)


if __name__ == "__main__":
    run_cli("train", main)
