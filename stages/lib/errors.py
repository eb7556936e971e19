"""One error type for bad input: the message names the file, the column and example rows."""

from __future__ import annotations

from collections.abc import Iterable

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
