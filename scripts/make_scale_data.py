"""Synthetic raw exports of N customers in exactly the raw format, for the scale benchmark.

    .venv/bin/python scripts/make_scale_data.py N OUT_DIR [--raw data/raw] [--seed 42]

Re-samples real customers (with replacement) from the four raw exports and re-numbers them
1_000_001, 1_000_002, ...: every row of a sampled customer is copied byte for byte except its id,
so each file keeps its dialect (separator, decimal mark, line endings, encoding) and its defects
(exact duplicate rows, label typos, extreme revenue) at the real rates. Writes in blocks, so memory
stays small whatever N is.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stages.io.exports import open_export  # noqa: E402
from stages.lib.schema import RAW_FILES  # noqa: E402

FIRST_ID = 1_000_001
BLOCK = 50_000  # customers written per block


def split_rows(path: Path, spec) -> tuple[str, str, str, dict[str, list[str]]]:
    """(header line, line ending, separator, id text -> the rest of each of its lines after the id)."""
    export = open_export(path, spec)
    text = path.read_bytes().decode(export.encoding)
    newline = "\r\n" if "\r\n" in text else ("\r" if "\r" in text else "\n")
    lines = text.split(newline)
    header, rows, sep = lines[0], [line for line in lines[1:] if line.strip()], export.separator
    by_id: dict[str, list[str]] = {}
    for line in rows:
        customer, _, rest = line.partition(sep)
        by_id.setdefault(customer.strip(), []).append(sep + rest)
    return header, newline, sep, by_id


def encoding_of(data: bytes) -> str:
    return "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"


def write_file(source: Path, target: Path, spec, sample: list[str]) -> None:
    header, newline, _, by_id = split_rows(source, spec)
    encoding = encoding_of(source.read_bytes()[:4])
    if encoding == "utf-8":
        try:
            source.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1251"
    with target.open("w", encoding=encoding, newline="") as out:
        out.write(header + newline)
        for start in range(0, len(sample), BLOCK):
            block = sample[start : start + BLOCK]
            out.write(
                "".join(f"{FIRST_ID + start + i}{rest}{newline}" for i, old in enumerate(block) for rest in by_id[old])
            )


def make(n: int, out_dir: Path, raw: Path, seed: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    reference = RAW_FILES[0]
    _, _, _, ids = split_rows(raw / reference.filename, reference)
    real = sorted(ids)
    sample = [real[i] for i in np.random.default_rng(seed).integers(0, len(real), size=n)]
    for spec in RAW_FILES:
        write_file(raw / spec.filename, out_dir / spec.filename, spec, sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of customers")
    parser.add_argument("out", type=Path, help="folder to write the four exports into")
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw", help="the real exports to re-sample")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    make(args.n, args.out, args.raw, args.seed)


if __name__ == "__main__":
    main()
