"""The faster-family trade: what scoring with a quicker family than the chosen one costs in ROC-AUC and
Brier, and what it gains in customers per second.

    make trade        # or: .venv/bin/python scripts/family_trade.py [--quick] [--rows N]

Reads data/prepared/train.parquet, the committed choice (metrics/train.json) and each family's best
searched configuration (reports/model_comparison.csv, `settings`: values to 4 significant digits).
For every family it then

1. runs train's own repeated cross-validation (`stages.lib.model.training.repeated_cv`: the same folds,
   ROC-AUC of the raw scores, Brier of scores calibrated as `train` calibrates, each fold's calibrator
   fitted on the other folds' scores only);
2. compares each family with the chosen one fold by fold (`paired_difference`, Nadeau-Bengio interval);
3. fits the family as `train` would deploy it (`fit_calibrated`) and times `predict_proba` of the
   whole pipeline (preprocessing included) on training rows resampled to `--rows` customers, in chunks
   of `scale.chunk_rows`, in this one process with the numerical kernels the stages pin.

Prints one markdown table. Deterministic apart from the timings (this machine, other work running).
Δ is "this family minus the chosen one": a negative ROC-AUC Δ and a positive Brier Δ are what a
switch would cost. "10 M projected s" assumes two such processes, one per core, and counts the model
alone (reading, validation and features come on top). Nothing is written and no model is changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # works from the project root (the cwd) or anywhere else

import stages  # noqa: E402, F401, I001  (first: pins the numerical kernels before numpy loads)

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from stages.io import paths  # noqa: E402
from stages.io.files import load_settings, read_parquet  # noqa: E402
from stages.io.process_pool import worker_pool  # noqa: E402
from stages.lib.model.calibration import inner_model  # noqa: E402
from stages.lib.model.families import make_family  # noqa: E402
from stages.lib.model.pipeline import SCALERS, expected_features, model_input  # noqa: E402
from stages.lib.model.scoring_cost import scoring_cost  # noqa: E402
from stages.lib.settings import Settings  # noqa: E402
from stages.lib.stats import paired_difference  # noqa: E402
from stages.lib.model.training import REFERENCE, describe, family_pipelines, fit_calibrated, repeated_cv  # noqa: E402

TEN_MILLION, CORES = 10_000_000, 2
BUDGET_SECONDS = 600  # issue 14: 10 M customers scored in at most 10 minutes on this machine
QUICK = {"repeats": 1, "rows": 20_000}
SCALER_BY_TEXT = {describe(make()): make for make in SCALERS.values()}  # "StandardScaler" -> StandardScaler


def parse_value(key: str, text: str):
    """One value of the comparison table's `settings` text back to a parameter (inverse of `describe`)."""
    if key.endswith("__scale"):
        return SCALER_BY_TEXT[text]()
    if text in ("None", "True", "False"):
        return {"None": None, "True": True, "False": False}[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_settings_text(text: str) -> dict:
    """`a=1; b=StandardScaler` -> {"a": 1, "b": StandardScaler()}."""
    pairs = (item.split("=", 1) for item in text.split("; "))
    return {key: parse_value(key, value) for key, value in pairs}


def candidate_pipelines(comparison: pd.DataFrame, features: list[str], seed: int) -> dict:
    """Each searched family's best configuration as a fresh pipeline (neither the dummy nor the reference)."""
    rows = comparison[comparison["settings"].notna() & ~comparison["family"].isin(["dummy", REFERENCE])]
    params = [
        {"model": make_family(family, seed)} | parse_settings_text(text)
        for family, text in zip(rows["family"], rows["settings"], strict=True)
    ]
    pipelines = family_pipelines(pd.DataFrame({"family": rows["family"].tolist(), "params": params}), features, seed)
    del pipelines["dummy"]  # the baseline is no candidate for scoring
    return pipelines


def paired(metrics: pd.DataFrame, chosen: str, column: str, folds: int) -> pd.DataFrame:
    """This family minus the chosen one, fold by fold: mean and Nadeau-Bengio 95 % interval."""
    wide = metrics.pivot(index="fold", columns="family", values=column)
    rows = []
    for family in wide.columns:
        result = paired_difference(wide[family] - wide[chosen], test_share=1 / folds)
        low, high = result["chosen_minus_this_ci95_low"], result["chosen_minus_this_ci95_high"]
        rows.append(
            {
                "family": family,
                f"{column}_delta": result["chosen_minus_this"],
                f"{column}_low": low,
                f"{column}_high": high,
            }
        )
    return pd.DataFrame(rows)


def cv_summary(pipelines: dict, train: pd.DataFrame, settings: Settings, chosen: str, repeats: int) -> pd.DataFrame:
    """Per family: train's repeated-CV ROC-AUC and calibrated Brier means (`training.repeated_cv`, the same
    folds and calibration), and both paired differences to the chosen."""
    comparison = settings.train.comparison.model_copy(update={"repeats": repeats})
    with worker_pool() as pool:  # as `train` runs it: before this process fits anything itself
        metrics = repeated_cv(pipelines, train, comparison, settings.train.calibration, settings.seed, pool.map)
    grouped = metrics.groupby("family", sort=False)
    summary = pd.DataFrame(
        {
            "roc_auc": grouped["roc_auc"].mean(),
            "brier": grouped["brier"].mean(),
            "calibration": grouped["calibration"].agg(lambda m: ", ".join(sorted(set(m)))),
        }
    ).reset_index()
    for column in ("roc_auc", "brier"):
        summary = summary.merge(paired(metrics, chosen, column, comparison.folds), on="family")
    return summary


def resampled(train: pd.DataFrame, features: list[str], rows: int, seed: int) -> pd.DataFrame:
    """``rows`` synthetic customers: training rows drawn with replacement (the model input columns only)."""
    drawn = np.random.default_rng(seed).integers(0, len(train), size=rows)
    return model_input(train, features).iloc[drawn].reset_index(drop=True)


def chunks(rows, size: int) -> list:
    """Consecutive row slices of a frame or an array (the stages score in chunks of `scale.chunk_rows`)."""
    return [rows[begin : begin + size] for begin in range(0, len(rows), size)]


def timed(predict, parts: list) -> float:
    started = time.perf_counter()
    for part in parts:
        predict(part)
    return time.perf_counter() - started


def scoring_seconds(pipeline, train: pd.DataFrame, settings: Settings, rows: int) -> tuple[float, dict, float]:
    """Wall seconds of predict_proba over ``rows`` resampled customers, in chunks of `scale.chunk_rows`,
    by the family fitted and calibrated as `train` would deploy it; for a soft vote also each member's
    seconds on the already preprocessed rows (where its time goes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = fit_calibrated(
            pipeline, train, settings.train.cv_folds, settings.train.calibration, settings.seed
        ).model
    counted = scoring_cost(model, train, settings.train.cost)["cost_us_per_customer"]
    customers = resampled(train, expected_features(model), rows, settings.seed)
    total = timed(model.predict_proba, chunks(customers, settings.scale.chunk_rows))
    vote = inner_model(model.named_steps["model"])
    if not hasattr(vote, "named_estimators_"):
        return total, {}, counted
    prepared = chunks(model[:-1].transform(customers), settings.scale.chunk_rows)
    members = {name: timed(member.predict_proba, prepared) for name, member in vote.named_estimators_.items()}
    return total, members, counted


def trade(
    train: pd.DataFrame, comparison: pd.DataFrame, features: list[str], chosen: str, settings: Settings, **run
) -> pd.DataFrame:
    """The trade table as numbers: one row per family, the chosen first, then by repeated-CV ROC-AUC.

    ``run``: ``repeats`` (of the repeated CV) and ``rows`` (customers scored for the timing)."""
    pipelines = candidate_pipelines(comparison, features, settings.seed)
    if chosen not in pipelines:
        raise SystemExit(f"family_trade: the chosen family {chosen!r} is not in {paths.MODEL_COMPARISON}")
    print(f"family_trade: repeated CV of {len(pipelines)} families", file=sys.stderr, flush=True)
    table = cv_summary(pipelines, train, settings, chosen, run["repeats"])
    seconds, counted = {}, {}
    for family in table["family"]:
        print(f"family_trade: scoring {run['rows']:,} customers with {family}", file=sys.stderr, flush=True)
        seconds[family], members, counted[family] = scoring_seconds(pipelines[family], train, settings, run["rows"])
        table.attrs |= {f"{family}.{name}": value for name, value in members.items()}
    table["customers_per_s"] = run["rows"] / table["family"].map(seconds)
    table["counted_us_per_customer"] = table["family"].map(counted)
    table["ten_million_s"] = TEN_MILLION / (CORES * table["customers_per_s"])
    table["is_chosen"] = table["family"] == chosen
    order = table.sort_values(["is_chosen", "roc_auc", "family"], ascending=[False, False, True], kind="stable")
    return order.drop(columns="is_chosen").reset_index(drop=True)


def interval(row: pd.Series, column: str) -> str:
    return f"{row[f'{column}_delta']:+.4f} [{row[f'{column}_low']:+.4f}, {row[f'{column}_high']:+.4f}]"


def markdown(table: pd.DataFrame) -> str:
    lines = [
        "| family | repeated-CV ROC-AUC | Δ vs chosen [95 % CI] | Brier | Δ Brier [95 % CI] | calibration "
        "| customers/s | measured µs/customer | counted µs/customer (train.cost) | 10 M projected s |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for _, row in table.iterrows():
        lines.append(
            f"| {row['family']} | {row['roc_auc']:.4f} | {interval(row, 'roc_auc')} | {row['brier']:.4f} "
            f"| {interval(row, 'brier')} | {row['calibration']} | {row['customers_per_s']:,.0f} "
            f"| {1e6 / row['customers_per_s']:.2f} | {row['counted_us_per_customer']:.2f} "
            f"| {row['ten_million_s']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: {QUICK}")
    parser.add_argument("--rows", type=int, help="customers scored per family for the timing (default 1,000,000)")
    args = parser.parse_args()
    settings = load_settings(ROOT / paths.PARAMS)
    repeats = QUICK["repeats"] if args.quick else settings.train.comparison.repeats
    rows = args.rows or (QUICK["rows"] if args.quick else 1_000_000)
    committed = json.loads((ROOT / paths.TRAIN_METRICS).read_text(encoding="utf-8"))
    comparison = pd.read_csv(ROOT / paths.MODEL_COMPARISON)
    train = read_parquet(ROOT / paths.TRAIN)
    table = trade(
        train, comparison, committed["features"], committed["chosen_family"], settings, repeats=repeats, rows=rows
    )
    print(markdown(table))
    model_s = table["ten_million_s"].iloc[0]  # the chosen family's row
    print(
        f"\n{len(train)} train customers; {repeats} repeat(s) x {settings.train.comparison.folds} folds; "
        f"{rows:,} customers timed per family. At 10 M the chosen model alone takes {model_s:.0f} s of the "
        f"{BUDGET_SECONDS} s budget (two processes, {2 * model_s:.0f} s on one core): reading, validation, features "
        f"and writing must then run at {TEN_MILLION / max(BUDGET_SECONDS - model_s, 1):,.0f} customers/s or faster."
    )
    for member, seconds in table.attrs.items():
        print(f"{member}: {seconds:.1f} s of the {rows:,} customers (members alone, on preprocessed rows)")
    if not args.quick:
        committed_auc = table["family"].map(comparison.set_index("family")["cv_roc_auc_mean"])
        print(
            f"largest gap to the committed repeated-CV ROC-AUC (4-digit settings): "
            f"{(table['roc_auc'] - committed_auc).abs().max():.4f}"
        )


if __name__ == "__main__":
    main()
