"""Score a new month: the saved pipeline applied to fresh raw exports (no target column needed).

    python -m stages.score --raw DIR --out FILE [--models models] [--params params.yaml]

DIR holds the four exports (market_file.csv without «Покупательская активность» is fine, in any
CSV dialect `prepare` reads). They go through the same validation, fixing rules and feature code as
`prepare`, then the saved model. FILE (CSV) gets one row per customer: id, probability, profit,
whether the customer is regular, and the risk-by-profit cell (``not_regular`` for the others,
whom the model was not trained for). A customer the fixing rules leave unscorable keeps its row with
no probability and the reason in ``not_scored_reason``; the summary counts and lists them. Bad input
fails with the same one-paragraph errors.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stages.io import paths
from stages.io.cli import run_cli
from stages.io.files import load_settings, remove, write_csv
from stages.io.model_store import load_model
from stages.io.raw_files import stream_raw_folder
from stages.lib.errors import DataError
from stages.lib.quality import QualityLog
from stages.lib.schema import ID
from stages.lib.scoring import COLUMNS, NOT_SCORED, score_customers

HEADER = ",".join(COLUMNS) + "\n"  # what every file this command writes starts with


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder with the month's four CSV exports")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--models", type=Path, default=paths.MODELS, help="folder holding model.skops")
    parser.add_argument("--params", type=Path, default=paths.PARAMS)
    return parser.parse_args()


def check_output(out: Path, raw: Path, models: Path) -> None:
    """--out must be a new file or one this command wrote before: never a folder, an input or the model,
    never another file it would destroy."""
    if out.is_dir():
        raise DataError(str(out), None, "--out names a folder", hint="Give the path of a CSV file to write.")
    if out.resolve().parent in (raw.resolve(), models.resolve()):
        raise DataError(
            str(out), None, "--out points inside the input exports or the model folder", hint="Write elsewhere."
        )
    if out.exists() and not out.read_bytes().startswith(HEADER.encode()):
        raise DataError(
            str(out),
            None,
            "--out names an existing file that this command did not write; refusing to overwrite it",
            hint="Give a new file name, or delete that file yourself if it is really a stale score list.",
        )


def main() -> None:
    args = arguments()
    check_output(args.out, args.raw, args.models)
    remove(args.out)  # a previous month's list must not survive a failed run
    settings = load_settings(args.params)
    log = QualityLog()
    raw = stream_raw_folder(args.raw, settings.scale.chunk_rows)
    scored = score_customers(raw, load_model(args.models / paths.MODEL.name), settings.prepare, settings.segment, log)
    write_csv(args.out, scored, digits=6)
    fixes = {rule: entry["rows"] for rule, entry in log.as_dict()["rules"].items() if entry["rows"]}
    left_out = scored[NOT_SCORED] != ""
    print(
        f"score: {len(scored)} customers ({int(scored['regular'].eq(True).sum())} regular, "
        f"{int(left_out.sum())} not scored) -> {args.out}; rows fixed by rule: {fixes or 'none'}"
    )
    print(scored.loc[~left_out, "segment"].value_counts().sort_index().to_string())
    for _, row in scored.loc[left_out].iterrows():
        print(f"not scored: {row[ID]}: {row[NOT_SCORED]}")


if __name__ == "__main__":
    run_cli("score", main)
