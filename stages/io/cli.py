"""The command line every stage shares: a description, and one readable paragraph for bad input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from stages.lib.errors import DataError


def describe_stage(doc: str) -> None:
    """``python -m stages.<name> --help`` prints the stage's docstring; stages take no arguments:
    they read and write the catalog's paths (stages/io/paths.py) under the working directory."""
    parser = argparse.ArgumentParser(
        description=doc.strip().splitlines()[0], epilog=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args()


def run_cli(stage: str, main: Callable[[], None]) -> None:
    """Run a stage's main(); bad input ends in one readable paragraph and exit code 2."""
    try:
        main()
    except DataError as error:
        print(f"{stage}: bad input: {error}", file=sys.stderr)
        sys.exit(2)
    except FileNotFoundError as error:
        print(f"{stage}: missing file: {error.filename}. Run `dvc pull` or `dvc repro` to create it.", file=sys.stderr)
        sys.exit(2)
