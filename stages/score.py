"""Score a new month: the saved pipeline applied to fresh raw exports (no target column needed).

    python -m stages.score --raw DIR --out FILE [--models models] [--params params.yaml]

DIR holds the four exports (market_file.csv without «Покупательская активность» is fine, in any
CSV dialect `prepare` reads). They go through the same validation, fixing rules and feature code as
`prepare`, then the saved model. FILE (CSV) gets one row per customer: id, probability, profit,
whether the customer is regular, and the risk-by-profit cell (``not_regular`` for the others,
whom the model was not trained for). Bad input fails with the same one-paragraph errors.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from stages.lib.cli import DEFAULT_PATHS
from stages.lib.errors import run_cli
from stages.lib.features import build_customers, regular_mask
from stages.lib.files import PARAMS_FILE, fresh_outputs, load_params, write_csv
from stages.lib.model import load_model, predict_risk
from stages.lib.quality import QualityLog
from stages.lib.raw import read_raw_folder, validate_raw
from stages.lib.schema import ID, PROFIT
from stages.lib.segments import NOT_REGULAR, assign_cells


def score_customers(raw: dict[str, pd.DataFrame], pipeline, params: dict, log: QualityLog) -> pd.DataFrame:
    """Raw string frames of a month -> id, probability, profit, regular, segment for every customer."""
    tables = validate_raw(raw, params["prepare"], log, require_target=False)
    customers = build_customers(tables, params["prepare"], log)
    regular = regular_mask(customers, params["prepare"]["regular"])
    scored = pd.DataFrame(
        {
            ID: customers[ID],
            "probability": predict_risk(pipeline, customers),
            PROFIT: customers[PROFIT],
            "regular": regular,
        }
    )
    scored["segment"] = assign_cells(scored["probability"], scored[PROFIT], params["segment"])
    scored.loc[~regular, "segment"] = NOT_REGULAR
    return scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder with the month's four CSV exports")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--models", type=Path, default=DEFAULT_PATHS["models"])
    parser.add_argument("--params", type=Path, default=PARAMS_FILE)
    args = parser.parse_args()
    with fresh_outputs(args.out):
        log = QualityLog()
        scored = score_customers(
            read_raw_folder(args.raw), load_model(args.models / "model.skops"), load_params(args.params), log
        )
        write_csv(args.out, scored, digits=6)
    fixes = {rule: entry["rows"] for rule, entry in log.as_dict()["rules"].items() if entry["rows"]}
    print(
        f"score: {len(scored)} customers ({int(scored['regular'].sum())} regular) -> {args.out}; "
        f"rows fixed by rule: {fixes or 'none'}"
    )
    print(scored["segment"].value_counts().sort_index().to_string())


if __name__ == "__main__":
    run_cli("score", main)
