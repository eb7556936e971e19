"""Stage `evaluate`: the chosen model on the untouched test set, beside a dummy baseline.

    python -m stages.evaluate

The decision threshold is chosen by a rule from params.yaml on the out-of-fold train predictions,
never on test. Writes metrics/evaluate.json (ranking, and calibration before and after: Brier and
expected calibration error) and plot data under plots/evaluate/ for `dvc plots`, among them the
reliability diagrams (customers per bin in each point's data; `evaluate` draws nothing itself, so
a change of figure style never reruns it).
"""

from __future__ import annotations

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.files import fresh_outputs, read_json, read_parquet, write_json
from stages.io.model_store import load_model
from stages.lib.model.evaluation import evaluate
from stages.lib.settings import Settings


def run(settings: Settings) -> dict:
    with fresh_outputs("evaluate"):
        train, test, oof = (read_parquet(path) for path in (paths.TRAIN, paths.TEST, paths.OOF))
        model, band = load_model(paths.MODEL), read_json(paths.TEST_BAND)
        result = evaluate(train, test, oof, model, settings.evaluate, settings.seed, band)
        write_json(paths.EVALUATE_METRICS, result["metrics"], digits=4)
        for name, data in result["plots"].items():
            write_json(paths.EVALUATE_PLOTS / name, data, digits=4)
    on_test = result["metrics"]["test"]
    print(
        f"evaluate: test ROC-AUC {on_test['roc_auc']:.4f} (95% CI {on_test['roc_auc_ci95_low']:.4f}-"
        f"{on_test['roc_auc_ci95_high']:.4f}), PR-AUC {on_test['pr_auc']:.4f}, F1 {on_test['f1']:.4f} "
        f"at threshold {result['metrics']['threshold']:.3f}"
    )
    return result["metrics"]


main = stage_main(__doc__, run)


if __name__ == "__main__":
    run_cli("evaluate", main)
