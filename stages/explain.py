"""Stage `explain`: SHAP explanations of the deployed pipeline, cross-checked by permutation importance.

    python -m stages.explain

Explains every regular customer (segment reads the per-customer values): test customers by the
deployed pipeline, each train customer by the fold model `train` saved that never saw it. Figures
and global importance come from the untouched test customers. Writes plots/explain/*.png,
reports/shap_importance.csv, metrics/explain.json and data/explained/shap_values.parquet.
"""

from __future__ import annotations

import time
from functools import partial

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.figures import write_figures
from stages.io.files import fresh_outputs, read_json, read_parquet, write_csv, write_json, write_parquet
from stages.io.model_store import load_model
from stages.io.process_pool import worker_pool
from stages.io.workers import submit
from stages.lib.model import importance
from stages.lib.model.explainer_check import check_job, exact_vs_model_agnostic
from stages.lib.model.pipeline import expected_features, predict_risk
from stages.lib.model.shap_values import SHAP_DECIMALS, Job, combine, fold_jobs, job_kind, per_customer
from stages.lib.schema import ID
from stages.lib.settings import Settings
from stages.report import explain as report

CHECK_PERMUTATIONS = 24  # feature orders of the model-agnostic explanation the exact one is checked against


def run(settings: Settings) -> dict:
    """The work runs in two worker processes in this order: permutation importance and the test
    customers first, so that the figures are drawn here while the workers explain the train customers."""
    seed, explain, started = settings.seed, settings.explain, time.perf_counter()
    with fresh_outputs("explain"), worker_pool() as pool:
        pipeline = load_model(paths.MODEL)
        train = read_parquet(paths.TRAIN).set_index(ID, drop=False)
        test = read_parquet(paths.TEST).set_index(ID, drop=False)
        oof = read_parquet(paths.OOF)
        permutation = pool.submit(importance.permutation_check, pipeline, test, explain.permutation_repeats, seed)
        start = partial(submit, pool, size=explain.background_size, permutations=explain.permutations, seed=seed)
        test_pending = start(Job(pipeline, test, train))  # queued first: the figures need it
        check = None
        if job_kind(pipeline[-1]) == "calibrated_tree":  # exact through the calibrator: checked on a sample
            sample = check_job(pipeline, test, train, seed)
            check = pool.submit(exact_vs_model_agnostic, sample, explain.background_size, CHECK_PERMUTATIONS, seed)
        pending = [start(job) for job in fold_jobs(load_model(paths.FOLD_MODELS), train, oof)]
        on_test = test_pending.result()
        table = importance.importance_table(on_test, test.index, expected_features(pipeline), permutation.result())
        risk = predict_risk(pipeline, test)
        examples = importance.example_customers(test, risk, read_json(paths.EVALUATE_METRICS)["threshold"])
        dependence = importance.dependence_features(table, on_test.values.columns, explain.dependence_plots)
        figures = report.figures(on_test, test[ID].to_numpy(), risk, table, dependence, examples, seed)
        write_figures(paths.EXPLAIN_FIGURES, figures, processes=1)  # drawn here: the workers explain the train ones
        explanation = combine([on_test, *(p.result() for p in pending)])
        errors = importance.additivity_errors(explanation, pipeline, test, oof)
        write_parquet(paths.SHAP_VALUES, per_customer(explanation, expected_features(pipeline)), digits=SHAP_DECIMALS)
        write_csv(paths.SHAP_IMPORTANCE, table, digits=6)
        metrics = importance.explain_metrics(explanation, len(test), errors, table, examples)
        if check is not None:
            metrics["exact_vs_model_agnostic"] = check.result()
        write_json(paths.EXPLAIN_METRICS, metrics, digits=4)
    print(
        f"explain: {metrics['explainer']}: {metrics['explained_customers']} customers explained in "
        f"{time.perf_counter() - started:.1f} s; "
        f"additivity error {max(metrics['additivity_max_abs_error'].values()):.1e}; "
        f"Spearman(SHAP, permutation) {metrics['spearman_shap_vs_permutation']:.2f}"
    )
    return metrics


main = stage_main(__doc__, run)


if __name__ == "__main__":
    run_cli("explain", main)
