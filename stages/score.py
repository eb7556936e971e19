"""Score a new month: the saved pipeline applied to fresh raw exports, and the month's action list.

    python -m stages.score --raw DIR --out FILE [--models models] [--reference FILE] [--params params.yaml]
                           [--scheduler ADDRESS]

DIR holds the four exports in any CSV dialect `prepare` reads (market_file.csv may lack «Покупательская
активность»). They go in partitions of about `scale.partition_customers` customers through the same reader,
rules and features as `prepare`, then the saved model, here or on the Dask cluster at ADDRESS, with the same
bytes either way. Writes every scored customer to FILE.parts/ (parquet); the action list to FILE (`;`, UTF-8
with BOM, decimal commas: Excel with a Russian locale), the budget's contacts first, with reasons (SHAP against
a sample of the month) and why the others are not contacted; the manager's page to FILE with the suffix .html,
with the drift verdict (fine / watch / retrain) against the training month. An empty cell or unseen label in a
behaviour column is imputed and flagged; structural defects fail with the same paragraphs as `prepare`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from stages.io import month_outputs, monthly_run, paths
from stages.io.campaign_store import check_record_path, read_review, write_record
from stages.io.cli import run_cli
from stages.io.executor import SCHEDULER_VARIABLE, executor
from stages.io.files import load_settings, md5, read_json, write_excel_csv, write_text
from stages.io.model_store import load_model
from stages.lib.campaign.record import campaign_record, record_metadata
from stages.lib.decision.candidates import decide_within_reach, explanation_queue
from stages.lib.decision.drift import compare_counts, medians, within_drift_budget
from stages.lib.decision.segment_analysis import regular_matrix
from stages.lib.errors import refused
from stages.lib.settings import Settings
from stages.lib.words import Words
from stages.report.action_list import action_list_table
from stages.report.page import PageInput, console_summary, manager_page, run_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder with the month's four CSV exports")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write (the page: same name, .html)")
    parser.add_argument("--models", type=Path, default=paths.MODELS, help="folder holding model.skops")
    parser.add_argument("--reference", type=Path, default=paths.DRIFT_REFERENCE, help="the training month's stats")
    parser.add_argument("--params", type=Path, default=paths.PARAMS)
    parser.add_argument("--campaign-label", help="the campaign's name, keying its control group (default: RAW's name)")
    parser.add_argument("--review", type=Path, help="the last campaign's review (REVIEW.json), shown on the page")
    parser.add_argument(
        "--scheduler",
        help=f"address of a Dask scheduler to score on (default: ${SCHEDULER_VARIABLE}, else this process)",
    )
    args = parser.parse_args()
    settings = load_settings(args.params)
    inputs = (args.raw, args.models, args.reference, args.params, *([args.review] if args.review else []))
    month_outputs.check_output(args.out, inputs)
    args.campaign_label = args.campaign_label or args.raw.resolve().name  # the default, settled once
    model_path = args.models / paths.MODEL.name
    metadata = record_metadata(args.campaign_label, md5(model_path), md5(args.params), settings)
    check_record_path(paths.campaign_record(args.out), metadata)
    review = read_review(args.review) if args.review else None
    # a previous month's list must not survive a failed run, nor a partial one
    with month_outputs.fresh_month_outputs(args.out):
        if not args.reference.is_file():
            raise refused(str(args.reference), "the training month's reference is missing", "Run `dvc repro`.")
        score(args, settings, read_json(args.reference), review, metadata)


def score(args: argparse.Namespace, settings: Settings, reference: dict, review: dict | None, metadata: dict) -> None:
    """Score the month, decide, and write the list, its page and the partitions."""
    page_path, model_path = args.out.with_suffix(".html"), args.models / paths.MODEL.name
    parts = month_outputs.parts_folder(args.out)
    pipeline = load_model(model_path)  # refused here if tampered with
    with executor(args.scheduler) as chosen:
        with monthly_run.scratch_folder(args.out.parent) as split_to:
            month = monthly_run.score_in_parts(chosen, args.raw, split_to, parts, model_path, settings, reference)
        drift = compare_counts(month.drift, reference, settings.drift)
        settings = within_drift_budget(settings, drift)
        started, label = time.perf_counter(), args.campaign_label
        with chosen.pool() as pool:  # the reasons' SHAP tasks: on the cluster's workers when there is one
            queue = explanation_queue(month.compact)
            explain = monthly_run.explainer(pool, pipeline, parts, month, queue, settings)
            reach = (settings.scale.reasons_batch, settings.scale.reasons_at_most)
            plan = decide_within_reach(
                month.compact, queue, month.left_out, medians(reference), settings, *reach, label
            )
            decision = monthly_run.answered(plan, explain)
        month.seconds["reasons"] = time.perf_counter() - started
    record_path = paths.campaign_record(args.out)
    write_record(record_path, campaign_record(month.compact, decision.actions), metadata)  # refused if it differs
    words = Words(settings.report.language)
    write_excel_csv(args.out, action_list_table(decision.actions, words, settings.segment.high_risk), digits=4)
    page = PageInput(
        title=words("page.title.month", month=args.raw.resolve().name),
        month=words("page.month.new", folder=str(args.raw)),
        probability_source=words("page.source.saved"),
        decision=decision,
        cells=regular_matrix(month.compact),
        drift=drift,
        links={
            words("link.action_list"): args.out.name,
            words("link.training_page"): paths.link(page_path.resolve(), paths.MANAGER_PAGE.resolve()),
        },
        segment=settings.segment,
        drift_settings=settings.drift,
        campaign=label,
        words=words,
        review=review,
        warnings=month.warnings,
    )
    write_text(page_path, manager_page(page))
    print(console_summary(page, month.log.as_dict(), month.flagged))
    wrote = {"out": args.out, "page": page_path, "record": record_path, "parts": month.parts, "folder": parts}
    print(run_lines(words, wrote, month.seconds, decision.summary["reasons"]["explained"]))  # this run's, not data


if __name__ == "__main__":
    run_cli("score", main)
