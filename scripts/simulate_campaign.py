"""A campaign whose truth is known: outcomes drawn for a scored month's record, written as the shop's export.

    .venv/bin/python scripts/simulate_campaign.py --record R.campaign.parquet --month DIR --out OUTCOMES_DIR
        [--effect OFFER=VALUE ...] [--heterogeneous OFFER=VALUE ...] [--shuffled] [--lost 0.02]
        [--seed 7]

Every customer of the record declines with their calibrated probability p (the model is right), or with a
shuffled p (--shuffled: the model ranks at random); a treated customer with p × (1 − effect), the effect
planted per offer (--effect; default 0 for every offer); --heterogeneous OFFER=VALUE plants an effect of
2 × VALUE × profit / (profit + median profit of the treated), whose mean over the offer is about VALUE. The
four exports of DIR are copied to OUTCOMES_DIR with market_file.csv's «Покупательская активность» set to the
drawn outcome (added as the last column where the month, as a new month's does, has none), and --lost of the
customers removed from every file (lost to follow-up). Prints the planted effects, so a review can be checked
against them.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stages.io.campaign_store import read_record  # noqa: E402
from stages.io.cli import run_cli  # noqa: E402
from stages.io.exports import open_export  # noqa: E402
from stages.lib.schema import MARKET_FILE, RAW_FILES, TARGET  # noqa: E402

LABELS = {1: "Снизилась", 0: "Прежний уровень"}


def planted_effects(record: pd.DataFrame, constant: dict, heterogeneous: dict) -> np.ndarray:
    """The true effect of each customer's offer (0 for customers not treated)."""
    effect = np.zeros(len(record))
    treated = (record["group"] == "treatment").to_numpy()
    for name, value in constant.items():
        effect[treated & (record["offer"] == name).to_numpy()] = value
    for name, value in heterogeneous.items():
        mine = treated & (record["offer"] == name).to_numpy()
        profit = record["profit"].to_numpy()
        effect[mine] = np.clip(2 * value * profit[mine] / (profit[mine] + np.median(profit[mine])), 0, 1)
    return effect


def draw(record: pd.DataFrame, effect: np.ndarray, shuffled: bool, rng) -> np.ndarray:
    p = record["probability"].to_numpy()
    if shuffled:
        p = rng.permutation(p)
    return (rng.uniform(size=len(p)) < p * (1 - effect)).astype(int)


def rewrite(source: Path, target: Path, spec, outcome: dict, lost: set) -> None:
    """Copy one export in its own dialect, dropping lost customers and (market_file) setting the outcome."""
    export = open_export(source, spec)
    text = source.read_bytes().decode(export.encoding)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=export.separator))
    header, body = rows[0], [r for r in rows[1:] if r and any(cell.strip() for cell in r)]
    column = None
    if spec.key == MARKET_FILE.key:
        name = MARKET_FILE.column(TARGET).raw
        if name not in header:  # a new month's export: the outcome column is added
            header, body = [*header, name], [[*row, ""] for row in body]
        column = header.index(name)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=export.separator, lineterminator="\n")
    writer.writerow(header)
    for row in body:
        customer = int(row[0].strip())
        if customer in lost:
            continue
        if column is not None and customer in outcome:
            row[column] = LABELS[outcome[customer]]
        writer.writerow(row)
    target.write_bytes(out.getvalue().encode(export.encoding))


def pairs(values: list[str]) -> dict:
    return {name: float(value) for name, value in (item.split("=", 1) for item in values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--month", type=Path, required=True, help="the scored month's four exports")
    parser.add_argument("--out", type=Path, required=True, help="folder for the simulated outcome exports")
    parser.add_argument("--effect", action="append", default=[], help="OFFER=VALUE, a constant planted effect")
    parser.add_argument("--heterogeneous", action="append", default=[], help="OFFER=VALUE, effect rising with profit")
    parser.add_argument("--shuffled", action="store_true", help="outcomes from shuffled probabilities")
    parser.add_argument("--lost", type=float, default=0.0, help="share of customers lost to follow-up")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    record, _ = read_record(args.record)
    effect = planted_effects(record, pairs(args.effect), pairs(args.heterogeneous))
    declined = draw(record, effect, args.shuffled, rng)
    ids = record["id"].to_numpy()
    lost = set(ids[rng.uniform(size=len(ids)) < args.lost].tolist())
    args.out.mkdir(parents=True, exist_ok=True)
    outcome = dict(zip(ids.tolist(), declined.tolist(), strict=True))
    for spec in RAW_FILES:
        rewrite(args.month / spec.filename, args.out / spec.filename, spec, outcome, lost)
    treated = record["group"] == "treatment"
    truth = pd.DataFrame({"offer": record["offer"], "p": record["probability"], "e": effect})[treated.to_numpy()]
    for name, group in truth.groupby("offer"):
        true = 1 - (group["p"] * (1 - group["e"])).sum() / group["p"].sum()
        print(f"planted: {name}: {int(len(group))} treated, true effect {true:.4f}")
    print(f"simulated: {len(ids)} customers, {int(declined.sum())} declined, {len(lost)} lost; written to {args.out}")


if __name__ == "__main__":
    run_cli("simulate_campaign", main)
