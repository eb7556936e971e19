"""One error type for bad input, and the command-line wrapper that prints it without a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

EXAMPLE_COUNT = 5


class DataError(Exception):
    """Bad input the user must fix: the message names the file, the column and example rows."""

    def __init__(self, file: str, column: str | None, problem: str, ids: Iterable = (), hint: str = ""):
        ids = list(ids)
        where = f"{file}" + (f", column '{column}'" if column else "")
        examples = ""
        if ids:
            shown = ", ".join(str(i) for i in ids[:EXAMPLE_COUNT])
            more = f" and {len(ids) - EXAMPLE_COUNT} more" if len(ids) > EXAMPLE_COUNT else ""
            examples = f" Example ids: {shown}{more}."
        self.file, self.column, self.ids = file, column, ids
        super().__init__(f"{where}: {problem}.{examples} {hint}".strip())


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
