"""Review a campaign when its outcomes arrive: what each offer really did, and how well the model ranked.

    python -m stages.review --campaign RECORD --outcomes DIR --out REVIEW.json [--params params.yaml]
                            [--band reports/test_band.json] [--scheduler ADDRESS]

RECORD is the <list>.campaign.parquet `score` wrote; DIR the shop's later export (the four files, with
«Покупательская активность» in market_file.csv), read through the same reader and rules as `score`, in the
same partitions, here or on a Dask cluster. Writes REVIEW.json (model, offers, campaign, effects: docs/campaign.md)
and the Qini curve beside it (<REVIEW stem>.qini.json, a DVC plot). `make adopt-effects REVIEW=...` puts the
updated effects into params.yaml for the next decision.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stages.io import monthly_run, paths
from stages.io.campaign_store import check_review_out, check_review_replaces, content_checksum, read_record
from stages.io.cli import run_cli
from stages.io.executor import SCHEDULER_VARIABLE, executor
from stages.io.files import load_settings, read_json, write_json, write_parquet
from stages.lib.campaign.review import joined_outcomes, review
from stages.lib.errors import printable, refused
from stages.lib.schema import ID
from stages.lib.words import Words
from stages.report.campaign import review_summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaign", type=Path, required=True, help="the campaign record score wrote")
    parser.add_argument("--outcomes", type=Path, required=True, help="folder with the later month's four exports")
    parser.add_argument("--out", type=Path, required=True, help="the review's JSON file to write")
    parser.add_argument("--params", type=Path, default=paths.PARAMS)
    parser.add_argument("--band", type=Path, default=paths.TEST_BAND, help="the model's test band")
    parser.add_argument("--scheduler", help=f"a Dask scheduler's address (default: ${SCHEDULER_VARIABLE})")
    args = parser.parse_args()
    settings = load_settings(args.params)
    record, metadata = read_record(args.campaign)
    check_review_out(args.out, metadata["campaign"])
    if not args.band.is_file():
        raise refused(str(args.band), "the model's test band is missing", "Run `dvc repro band` or `dvc pull`.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with executor(args.scheduler) as chosen, monthly_run.scratch_folder(args.out.parent) as split_to:
        outcomes, warnings = monthly_run.outcomes_in_parts(chosen, args.outcomes, split_to, settings)
    joined = joined_outcomes(record, outcomes, str(args.campaign), str(args.outcomes), settings.campaign.min_follow_up)
    result, curve, customers = review(record, metadata, joined, read_json(args.band)["draws"], settings)
    # which outcomes it measured: a review of other outcomes is never replaced by this one
    fingerprint = content_checksum(joined[[ID, "declined"]])
    result["outcomes"] = {"folder": args.outcomes.resolve().name, "checksum": fingerprint}
    check_review_replaces(args.out, result)
    write_json(paths.qini_plot(args.out), {"qini": curve.to_dict("records")}, digits=4)
    write_parquet(paths.review_customers(args.out), customers)
    write_json(args.out, result, digits=6)
    words = Words(settings.report.language)
    cut = [words("console.warning", text=words.cut_export(*warning)) for warning in warnings]
    lines = [*cut, *review_summary(result, words).splitlines()]
    print("\n".join(printable(line) for line in lines))  # the label and the file names come from outside
    wrote = {"out": args.out, "qini": paths.qini_plot(args.out), "customers": paths.review_customers(args.out)}
    print(printable(words("review.wrote", **{key: str(path) for key, path in wrote.items()})))


if __name__ == "__main__":
    run_cli("review", main)
