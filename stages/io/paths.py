"""The catalog: every input and output path of the pipeline, written once.

Stages, tests and the links inside generated reports read these names; `dvc.yaml` repeats them
for DVC, and `tests/stages/test_architecture.py` fails if the two ever disagree. Paths are relative to the
project root, the working directory of every stage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PARAMS = Path("params.yaml")

RAW = Path("data/raw")  # the shop's four exports, pulled from the team's DVC remote

PREPARED = Path("data/prepared")
CUSTOMERS = PREPARED / "customers.parquet"
TRAIN = PREPARED / "train.parquet"
TEST = PREPARED / "test.parquet"
QUALITY = Path("metrics/data_quality.json")

EDA_FIGURES = Path("plots/eda")
EDA_REPORT = Path("reports/eda.md")
EDA_COMPARISON = Path("reports/eda_comparison.csv")
EDA_PHIK = Path("reports/eda_phik.csv")
EDA_SUMMARY = Path("reports/eda_summary.json")

MODELS = Path("models")
MODEL = MODELS / "model.skops"
FOLD_MODELS = MODELS / "fold_models.skops"  # the out-of-fold models, reused by explain
OOF = MODELS / "oof_train.parquet"
TRAIN_METRICS = Path("metrics/train.json")
MODEL_COMPARISON = Path("reports/model_comparison.csv")

EVALUATE_PLOTS = Path("plots/evaluate")
EVALUATE_METRICS = Path("metrics/evaluate.json")
TEST_BAND = Path("reports/test_band.json")  # the chosen configuration refitted on other splits

EXPLAINED = Path("data/explained")
SHAP_VALUES = EXPLAINED / "shap_values.parquet"
EXPLAIN_FIGURES = Path("plots/explain")
SHAP_IMPORTANCE = Path("reports/shap_importance.csv")
EXPLAIN_METRICS = Path("metrics/explain.json")

SEGMENT_FIGURES = Path("plots/segment")
SEGMENTS_REPORT = Path("reports/segments.md")
SEGMENT_MATRIX = Path("reports/segment_matrix.csv")
SEGMENT_COMPARISON = Path("reports/segment_comparison.csv")
SEGMENT_DRIVERS = Path("reports/segment_shap_drivers.csv")
MARKETING_LIST = Path("reports/customers_for_marketing.csv")
SEGMENT_METRICS = Path("metrics/segment.json")
ACTION_LIST = Path("reports/action_list.csv")  # the monthly decision, `;`-separated UTF-8 with BOM (Excel)
MANAGER_PAGE = Path("reports/monthly_decision.html")  # the manager's one self-contained page
DRIFT_REFERENCE = Path("reports/drift_reference.json")  # the training month, what `score` compares with
HEADLINE = Path("metrics/headline.json")  # the few numbers `dvc metrics show` prints (the only declared metrics)


@dataclass(frozen=True)
class StagePaths:
    """What a stage reads (besides code and params) and everything it writes, as dvc.yaml declares them."""

    reads: tuple[Path, ...]
    writes: tuple[Path, ...]


STAGES = {
    "prepare": StagePaths(reads=(RAW,), writes=(PREPARED, QUALITY)),
    "eda": StagePaths(reads=(PREPARED,), writes=(EDA_FIGURES, EDA_REPORT, EDA_COMPARISON, EDA_PHIK, EDA_SUMMARY)),
    "train": StagePaths(reads=(PREPARED, EDA_SUMMARY), writes=(MODELS, MODEL_COMPARISON, TRAIN_METRICS)),
    "band": StagePaths(reads=(PREPARED, MODELS), writes=(TEST_BAND,)),
    "evaluate": StagePaths(reads=(PREPARED, MODELS, TEST_BAND), writes=(EVALUATE_PLOTS, EVALUATE_METRICS)),
    "explain": StagePaths(
        reads=(PREPARED, MODELS, EVALUATE_METRICS),
        writes=(EXPLAINED, EXPLAIN_FIGURES, SHAP_IMPORTANCE, EXPLAIN_METRICS),
    ),
    "drift_reference": StagePaths(reads=(PREPARED, MODELS), writes=(DRIFT_REFERENCE,)),
    "segment": StagePaths(
        reads=(PREPARED, MODELS, EXPLAINED, EXPLAIN_METRICS, DRIFT_REFERENCE),
        writes=(
            SEGMENT_FIGURES,
            SEGMENTS_REPORT,
            SEGMENT_MATRIX,
            SEGMENT_COMPARISON,
            SEGMENT_DRIVERS,
            MARKETING_LIST,
            SEGMENT_METRICS,
            ACTION_LIST,
            MANAGER_PAGE,
        ),
    ),
    "headline": StagePaths(reads=(EVALUATE_METRICS, SEGMENT_METRICS), writes=(HEADLINE,)),
}


def catalog() -> tuple[Path, ...]:
    """Every path the pipeline reads or writes, params.yaml included: what no monthly command may overwrite."""
    return (PARAMS, *sorted({path for stage in STAGES.values() for path in (*stage.reads, *stage.writes)}))


def campaign_record(out: Path) -> Path:
    """The campaign record `score --out OUT` writes beside its action list: <OUT stem>.campaign.parquet."""
    return out.with_name(f"{out.stem}.campaign.parquet")


def qini_plot(review: Path) -> Path:
    """The Qini curve `review --out REVIEW` writes beside its JSON: <REVIEW stem>.qini.json (a DVC plot)."""
    return review.with_name(f"{review.stem}.qini.json")


def review_customers(review: Path) -> Path:
    """The selected customers with outcomes `review --out REVIEW` writes beside it: <REVIEW stem>.customers.parquet."""
    return review.with_name(f"{review.stem}.customers.parquet")


def link(from_file: Path, to_path: Path) -> str:
    """A relative link from one output (a markdown report) to another, as the report's reader follows it."""
    return Path(os.path.relpath(to_path, from_file.parent)).as_posix()
