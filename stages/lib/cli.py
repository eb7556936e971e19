"""The command line every stage shares: its standard paths, each with the default dvc.yaml uses."""

from __future__ import annotations

import argparse
from pathlib import Path

from stages.lib.files import PARAMS_FILE

DEFAULT_PATHS = {
    "raw": Path("data/raw"),
    "prepared": Path("data/prepared"),
    "models": Path("models"),
    "explained": Path("data/explained"),
    "quality": Path("metrics/data_quality.json"),
}


def stage_arguments(doc: str, *paths: str) -> argparse.Namespace:
    """Parse ``--<path>`` options (from DEFAULT_PATHS) and ``--params``; the description is the doc's first line."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    for name in paths:
        parser.add_argument(f"--{name}", type=Path, default=DEFAULT_PATHS[name])
    parser.add_argument("--params", type=Path, default=PARAMS_FILE)
    return parser.parse_args()
