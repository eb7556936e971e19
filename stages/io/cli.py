"""The command line every stage shares: a description, and one readable paragraph for any failure."""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from stages.lib.errors import DataError


def describe_stage(doc: str) -> None:
    """``python -m stages.<name> --help`` prints the stage's docstring; stages take no arguments:
    they read and write the catalog's paths (stages/io/paths.py) under the working directory."""
    parser = argparse.ArgumentParser(
        description=doc.strip().splitlines()[0], epilog=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args()


def save_trace(stage: str) -> Path:
    """The full traceback of the exception being handled, in a file a developer can read."""
    path = Path(tempfile.gettempdir()) / f"one-click-{stage}-traceback.txt"
    path.write_text(traceback.format_exc(), encoding="utf-8")
    return path


def run_cli(stage: str, main: Callable[[], None]) -> None:
    """Run a stage's main(): bad input or settings end in one paragraph and exit code 2, a bug in one
    paragraph that says where its traceback went and exit code 1; never a bare traceback."""
    try:
        main()
    except DataError as error:
        print(f"{stage}: bad input: {error}", file=sys.stderr)
        sys.exit(2)
    except FileNotFoundError as error:
        print(f"{stage}: missing file: {error.filename}. Run `dvc pull` or `dvc repro` to create it.", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"{stage}: interrupted; its partial outputs were removed.", file=sys.stderr)
        sys.exit(130)
    except Exception as error:  # a bug, not the user's input: say so, and keep the trace for whoever fixes it
        where, first_line = save_trace(stage), (str(error).splitlines() or [""])[0]
        print(
            f"{stage}: failed unexpectedly ({type(error).__name__}: {first_line}). "
            f"This is a bug in the pipeline, not in your input; the full traceback is in {where}. "
            "Please report it with that file.",
            file=sys.stderr,
        )
        sys.exit(1)
