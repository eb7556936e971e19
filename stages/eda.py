"""Stage `eda`: how customers whose activity declined differ from the rest, as figures and tables.

    python -m stages.eda

Reads all regular customers to describe the data; the phik matrices, from which `train` learns
which member of a multicollinear pair to drop, are measured on the train customers only. Writes PNG
figures under plots/eda/, the comparative table reports/eda_comparison.csv, the phik matrices,
reports/eda_summary.json (read by `train`: multicollinear pairs; also a leakage check: how well the
customer id alone predicts the target) and the generated narrative reports/eda.md, in params.yaml's
`report.language` (paths: stages/io/paths.py).
"""

from __future__ import annotations

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.figures import write_figures
from stages.io.files import fresh_outputs, read_parquet, write_csv, write_json, write_text
from stages.lib.data.exploration import explore
from stages.lib.settings import Settings
from stages.lib.words import Words
from stages.report import eda as report


def run(settings: Settings) -> dict:
    with fresh_outputs("eda"):
        customers = read_parquet(paths.CUSTOMERS)
        study = explore(customers, read_parquet(paths.TRAIN), settings.eda)
        figures = report.figures(customers, study, settings.seed)
        write_figures(paths.EDA_FIGURES, figures)
        write_csv(paths.EDA_COMPARISON, study.table, digits=6)
        write_csv(paths.EDA_PHIK, study.correlation.rename_axis("feature").reset_index(), digits=4)
        write_json(paths.EDA_SUMMARY, study.summary, digits=4)
        words = Words(settings.report.language)
        write_text(paths.EDA_REPORT, report.markdown(study, list(figures), settings.eda, words))
    identifier_auc = study.identifier["roc_auc_of_id"]
    if identifier_auc >= settings.eda.identifier_leak_roc_auc:
        print(f"eda: warning: the customer id alone predicts the target (ROC-AUC {identifier_auc:.3f})")
    print(
        "eda: strongest features: "
        + ", ".join(f"{t['feature']} ({t['effect_size']:+.2f})" for t in study.summary["top_features"])
    )
    return study.summary


main = stage_main(__doc__, run)


if __name__ == "__main__":
    run_cli("eda", main)
