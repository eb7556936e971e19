"""One error type for bad input the user must fix: the message names the file, the column and example rows."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

EXAMPLE_COUNT = 5
SHOWN_CHARS = 80  # of a cell, row or id quoted in a paragraph: a giant cell is never repeated whole


def clipped(value) -> str:
    """``value`` as text, cut to SHOWN_CHARS characters (… marks the cut)."""
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def printable(text: str) -> str:
    """A console line whose text from the data cannot move the cursor or colour the terminal: each control
    character written as its escape (\\x1b, \\t)."""
    if text.isprintable():  # no control, format, line or paragraph separator: nothing to escape (the usual case)
        return text
    return "".join(repr(c)[1:-1] if unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" else c for c in text)


def shown(value) -> str:
    """A value as a paragraph quotes it: its repr (text in quotes, a number bare), at most SHOWN_CHARS characters.
    A NumPy scalar is shown as the Python value it holds: 1.5, not np.float64(1.5)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    return clipped(repr(value))


def described(error: dict) -> str:
    """One of pydantic's validation errors as a phrase: the key's dotted path, the value and what is wrong."""
    key = ".".join(str(part) for part in error["loc"] if part not in ("literal", "list", "dict"))
    message = error["msg"].removeprefix("Value error, ")
    if message.startswith("`"):  # a validator of ours that names the exact key itself
        return message
    if error["type"] == "missing":
        return f"`{key}` is missing ({message.lower()})"
    return f"`{key}` = {shown(error['input'])}: {message}"


class DataError(Exception):
    def __init__(
        self,
        file: str,
        column: str | None,
        problem: str,
        ids: Iterable = (),
        hint: str = "",
        rows: Iterable = (),
        count: int | None = None,
    ):
        """``count``: how many ids ``ids`` stands for, when it holds only the first few (a file read in chunks)."""
        ids, rows = list(ids), list(rows)
        count = len(ids) if count is None else count
        where = f"{file}" + (f", column '{column}'" if column else "")
        examples = ""
        if ids:
            first = ", ".join(clipped(i) for i in ids[:EXAMPLE_COUNT])
            more = f" and {count - EXAMPLE_COUNT} more" if count > EXAMPLE_COUNT else ""
            examples = f" Example ids: {first}{more}."
        if rows:  # data rows counted from 1 below the header (blank lines not counted)
            examples += f" Rows below the header: {', '.join(str(r) for r in rows[:EXAMPLE_COUNT])}."
        self.file, self.column, self.ids = file, column, ids
        super().__init__(f"{where}: {problem}.{examples} {hint}".strip())

    def __reduce__(self):  # rebuilt from its words in another process (a Dask worker's error)
        return (rebuilt, (str(self), self.file, self.column, self.ids))


def rebuilt(message: str, file: str, column: str | None, ids: list) -> DataError:
    error = DataError.__new__(DataError)
    Exception.__init__(error, message)
    error.file, error.column, error.ids = file, column, ids
    return error


def refused(file: str, problem: str, hint: str, **details) -> DataError:
    """A DataError about a file as a whole (no column): most refusals of an unreadable file."""
    return DataError(file, None, problem, hint=hint, **details)
