"""Score a new month: the saved pipeline applied to fresh raw exports, and the month's action list.

    python -m stages.score --raw DIR --out FILE [--models models] [--reference FILE] [--params params.yaml]

DIR holds the four exports (market_file.csv without «Покупательская активность» is fine, in any
CSV dialect `prepare` reads). They go through the same validation, fixing rules and feature code as
`prepare`, then the saved model. FILE gets the same action list `segment` writes for the training
month (`;`-separated UTF-8 with BOM and decimal commas, for Excel with a Russian locale), sorted by
priority; FILE with the suffix .html gets the manager's page. Reasons are the saved model's SHAP
values with the month's customers as background. An empty cell or unseen label in a behaviour
column is imputed and flagged; a customer the fixing rules leave unscorable is listed with the
reason. The month is compared with the training month (drift verdict fine / watch / retrain).
Structural defects fail with the same one-paragraph errors.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stages.io import paths
from stages.io.cli import run_cli
from stages.io.files import load_settings, read_json, remove, write_excel_csv, write_text
from stages.io.model_store import load_model
from stages.io.raw_files import month_exports
from stages.lib.drift import compare, medians, month_verdict
from stages.lib.errors import DataError
from stages.lib.explaining import worker_pool
from stages.lib.offers import COLUMNS, decide_with, listing
from stages.lib.quality import QualityLog
from stages.lib.scoring import month_shap, score_month
from stages.lib.segments import matrix
from stages.report.page import MARKER, PageInput, console_summary, manager_page

HEADER = "\ufeff" + ";".join(COLUMNS) + "\r\n"  # what every list this command writes starts with


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder with the month's four CSV exports")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write (the page: same name, .html)")
    parser.add_argument("--models", type=Path, default=paths.MODELS, help="folder holding model.skops")
    parser.add_argument("--reference", type=Path, default=paths.DRIFT_REFERENCE, help="the training month's stats")
    parser.add_argument("--params", type=Path, default=paths.PARAMS)
    return parser.parse_args()


def check_output(out: Path, raw: Path, models: Path) -> None:
    """--out (and its .html page) must be new or written by this command before: never a folder, an
    input or the model, never another file it would destroy."""
    if out.is_dir():
        raise DataError(str(out), None, "--out names a folder", hint="Give the path of a CSV file to write.")
    if out.resolve().parent in (raw.resolve(), models.resolve()):
        raise DataError(
            str(out), None, "--out points inside the input exports or the model folder", hint="Write elsewhere."
        )
    for path, start in ((out, HEADER), (out.with_suffix(".html"), MARKER)):
        if path.exists() and (path.is_dir() or not path.read_bytes().startswith(start.encode())):
            raise DataError(
                str(path),
                None,
                "--out names an existing file (or its .html page) that this command did not write; refusing to "
                "overwrite it",
                hint="Give a new file name, or delete that file yourself if it is really a stale score list.",
            )


def main() -> None:
    args = arguments()
    check_output(args.out, args.raw, args.models)
    page_path = args.out.with_suffix(".html")
    for path in (args.out, page_path):
        remove(path)  # a previous month's list must not survive a failed run
    settings = load_settings(args.params)
    if not args.reference.is_file():
        raise DataError(str(args.reference), None, "the training month's reference is missing", hint="Run `dvc repro`.")
    reference, pipeline, log = read_json(args.reference), load_model(args.models / paths.MODEL.name), QualityLog()
    exports = month_exports(args.raw, settings.scale.chunk_rows)
    month = score_month(exports, pipeline, settings.prepare, settings.segment, log)
    regular = month.customers[month.customers["regular"]]
    with worker_pool() as pool:
        shap_values = month_shap(pool, pipeline, regular, settings.explain, settings.seed)
    segment = settings.segment
    listed = listing(month.customers, month.left_out)
    decision = decide_with(settings, listed, month.customers, shap_values, medians(reference))
    drift = compare(regular, regular["probability"].to_numpy(), reference, settings.drift)
    write_excel_csv(args.out, decision.actions, digits=4)
    page = PageInput(
        title=f"Monthly decision for {args.raw.resolve().name}: whom to contact, with what offer",
        month=f"A new month scored from {args.raw}",
        probability_source="the saved model",
        summary=decision.summary,
        cells=matrix(regular),
        actions=decision.actions,
        offers=decision.offers,
        drift=drift,
        verdict=month_verdict(drift),
        links={
            "The action list (CSV for Excel)": args.out.name,
            "The training month's page": paths.link(page_path.resolve(), paths.MANAGER_PAGE.resolve()),
        },
        high_risk=segment.high_risk,
        high_profit=segment.high_profit,
    )
    write_text(page_path, manager_page(page))
    print(console_summary(decision.actions, decision.summary, drift, page.verdict, log.as_dict()))
    print(f"score: wrote {args.out} and {page_path}")


if __name__ == "__main__":
    run_cli("score", main)
