"""Validate the raw exports (frames of strings, as read) against the schema.

Used by ``prepare`` (training data) and ``score`` (a new month without the target), so both see
exactly the same checks and fixes. Every fix is counted in a ``QualityLog``; everything that
cannot be fixed safely raises ``DataError`` naming the file, the column and example ids.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from stages.lib.errors import DataError
from stages.lib.quality import QualityLog
from stages.lib.schema import ID, LABEL_TYPOS, PERIOD, RAW_FILES, Column, RawFile

SPACES = " \u00a0"  # thousands separators in any convention
MARKS = (",", ".")  # either may be the decimal mark; then the other may only group thousands
PY_SPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())  # what str.strip() and \s match
WHITESPACE_RUN = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_SPACE) + "]+"  # Python's \s, in RE2's words
MISSING_MARKERS = {"", "nan", "na", "n/a", "null", "none", "-", "#н/д", "#n/a"}


def check_columns(frame: pd.DataFrame, spec: RawFile, require_optional: bool) -> None:
    expected = [c.raw for c in spec.columns]
    optional = {c.raw for c in spec.columns if c.name in spec.optional}
    missing = [c for c in expected if c not in frame.columns and (require_optional or c not in optional)]
    extra = [c for c in frame.columns if c not in expected]
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if missing:
        raise DataError(
            spec.filename,
            ", ".join(missing),
            "expected column(s) are missing",
            hint=f"The export must have the columns {expected}.",
        )
    if extra or duplicated:
        raise DataError(
            spec.filename,
            ", ".join(extra + duplicated),
            "unexpected or repeated column(s)",
            hint=f"Remove them from the export, or declare them in stages/lib/schema.py. Expected {expected}.",
        )


def ids_where(frame: pd.DataFrame, mask: pd.Series) -> list:
    return frame.loc[mask, ID].tolist()


def rows_where(frame: pd.DataFrame, mask: pd.Series) -> list:
    """Data rows counted from 1 below the header: a file's frame keeps its row positions as its index."""
    return (frame.index[np.asarray(mask, dtype=bool)] + 1).tolist()


def non_group_mark(values: pd.Series, mark: str) -> pd.Series:
    """Cells holding ``mark`` somewhere it cannot be a thousands separator (so it must be a decimal mark).

    A thousands separator follows a digit and is followed by exactly three digits, then the end of
    the number or another separator."""
    m = re.escape(mark)
    return values.str.contains(rf"(?<!\d){m}|{m}(?!\d{{3}}(?:$|[,.{SPACES}]))", regex=True)


def minority(cells: dict[str, pd.Series]) -> pd.Series:
    """Of two conflicting conventions, the cells of the rarer one: those are the ones to correct."""
    return min(cells.values(), key=lambda mask: mask.sum())


def decimal_mark(values: pd.Series, kind: str) -> tuple[str | None, pd.Series | None]:
    """The column's decimal mark, settled once from all its cells.

    Rule: the decimal mark is "," if some cell has a comma that is not a thousands group (not
    followed by exactly 3 digits then the end or another separator), "." if some cell has such a
    point. Both -> contradiction: returns ``None`` and the cells of the rarer mark. No evidence at
    all (every mark looks like a thousands group: "5,835", "1.234"): in a float column the single
    mark that appears is the decimal mark ("5,835" = 5.835), in an int/id column it is a thousands
    separator ("5,835" = 5835); a column showing both marks without evidence is a contradiction too.
    """
    evidence = {mark: non_group_mark(values, mark) for mark in MARKS}
    found = [mark for mark in MARKS if evidence[mark].any()]
    if len(found) == 1:
        return found[0], evidence[found[0]]
    if found:
        return None, minority(evidence)
    present = {mark: values.str.contains(mark, regex=False) for mark in MARKS}
    mark = settled_mark([], [mark for mark in MARKS if present[mark].any()], kind)
    return mark, (minority(present) if mark is None else None)


def settled_mark(found: list[str], used: list[str], kind: str) -> str | None:
    """`decimal_mark`'s rule from which marks are decimal evidence somewhere (``found``) and which appear at
    all (``used``); ``None`` for a contradiction."""
    if found:
        return found[0] if len(found) == 1 else None
    if len(used) == 2:
        return None
    if not used:
        return "."
    if kind == "float":
        return used[0]
    return "," if used[0] == "." else "."  # int/id: the mark groups thousands, so decimals use the other


def parse_number(values: pd.Series, mark: str) -> pd.Series:
    """Text to float with the column's decimal ``mark``; the other mark, spaces and NBSP may only group
    thousands (groups of exactly three digits). So "5,835" is 5835 under mark "." and 5.835 under ",";
    "5.834,9" is 5834.9 under ",". A cell that breaks the convention ("1,5" under ".", "12,34,5"), or
    is not a number ("inf", text), becomes NaN; the caller refuses it."""
    valid = values.str.fullmatch(number_pattern(mark))
    text = values.str.replace(rf"[{group_chars(mark)}]", "", regex=True).str.replace(mark, ".", regex=False)
    return pd.to_numeric(text.where(valid), errors="coerce")


def group_chars(mark: str) -> str:
    """The characters that may group thousands under decimal ``mark`` (escaped for a character class)."""
    return re.escape("," if mark == "." else ".") + SPACES


def number_pattern(mark: str) -> str:
    """A number under decimal ``mark``; thousands grouped in threes or not at all (Python re and RE2 alike)."""
    group, d = group_chars(mark), re.escape(mark)
    whole = rf"(?:\d{{1,3}}(?:[{group}]\d{{3}})+|\d+)"
    return rf"[+-]?(?:{whole}(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?"


def refuse_rows(frame: pd.DataFrame, mask: pd.Series, spec: RawFile, column: Column, problem: str, hint: str) -> None:
    """Raise a DataError naming the file, the column and example ids if any row matches ``mask``."""
    if mask.any():
        raise DataError(
            spec.filename, column.raw, f"{mask.sum()} row(s) {problem}", ids_where(frame, mask), hint,
            rows_where(frame, mask),
        )  # fmt: skip


def examples_of(values: pd.Series, mask: pd.Series) -> str:
    return ", ".join(repr(v) for v in values[mask].unique()[:3])


def parse_column(frame: pd.DataFrame, column: Column, spec: RawFile, log: QualityLog) -> pd.Series:
    values = frame[column.raw]
    refuse_rows(
        frame,
        values.str.lower().isin(MISSING_MARKERS),
        spec,
        column,
        "have no value (empty or NaN)",
        "Fill the value in the export; this column may not be empty.",
    )
    if column.kind == "category":
        return parse_category(frame, column, spec, log)
    numbers = parse_numbers(frame, column, spec)
    whole = column.kind in ("int", "id")
    if whole:
        refuse_rows(
            frame,
            numbers != np.round(numbers),
            spec,
            column,
            "hold fractions where a whole number is expected",
            "Correct these cells in the export.",
        )
    low = numbers < column.low if column.low is not None else False
    high = numbers > column.high if column.high is not None else False
    outside = pd.Series(low | high, index=frame.index)
    refuse_rows(
        frame,
        outside,
        spec,
        column,
        f"are outside the allowed range [{column.low}, {column.high}] ({examples_of(values, outside)})",
        "Correct the export, or widen the range in stages/lib/schema.py if such values are real.",
    )
    return numbers.astype("int64") if whole else numbers.astype("float64")


def parse_numbers(frame: pd.DataFrame, column: Column, spec: RawFile) -> pd.Series:
    """A numeric column to floats under the one decimal convention its cells agree on."""
    values = frame[column.raw]
    mark, contradicting = decimal_mark(values, column.kind)
    if mark is None:
        refuse_rows(
            frame,
            contradicting,
            spec,
            column,
            f"mix a decimal comma and a decimal point in one column ({examples_of(values, contradicting)})",
            "Use one decimal mark in the whole column (and the other one, if any, only to group thousands).",
        )
    numbers = parse_number(values, mark)
    text = numbers.isna()
    refuse_rows(
        frame,
        text,
        spec,
        column,
        f"hold text where a number is expected, or break the column's decimal mark {mark!r} "
        f"({examples_of(values, text)})",
        "Correct these cells in the export.",
    )
    return numbers


def parse_category(frame: pd.DataFrame, column: Column, spec: RawFile, log: QualityLog) -> pd.Series:
    values = frame[column.raw].str.replace(r"\s+", " ", regex=True)
    typo = values.isin(LABEL_TYPOS.keys())
    if typo.any():
        log.record("label_typos", frame.loc[typo, ID], detail=f"{spec.filename}:{column.raw}")
        values = values.replace(LABEL_TYPOS)
    unknown = ~values.isin(column.labels.keys())
    refuse_rows(
        frame,
        unknown,
        spec,
        column,
        f"have an unknown category ({examples_of(values, unknown)})",
        f"Allowed labels are {sorted(column.labels)}; fix the export, or add a typo to LABEL_TYPOS "
        "or a new label to stages/lib/schema.py.",
    )
    return values.map(column.labels)


def drop_exact_duplicates(frame: pd.DataFrame, spec: RawFile, allowed: bool, log: QualityLog) -> pd.DataFrame:
    """Identical repeated rows are one record exported twice: drop the copies (if allowed)."""
    repeated = frame.duplicated(keep="first")
    if not repeated.any():
        return frame
    if not allowed:
        raise DataError(
            spec.filename,
            None,
            f"{repeated.sum()} row(s) repeat another row exactly",
            ids_where(frame, repeated),
            "Remove them, or set prepare.drop_exact_duplicate_rows: true.",
            rows_where(frame, repeated),
        )
    log.record("exact_duplicate_rows", frame.loc[repeated, ID], detail=spec.filename)
    return frame.loc[~repeated]  # the index keeps each row's position in the file, for error messages


def check_unique_keys(frame: pd.DataFrame, spec: RawFile) -> None:
    conflicting = frame.duplicated(subset=spec.key_columns, keep=False)
    if conflicting.any():
        what = "id" if len(spec.key_columns) == 1 else "id and period"
        raise DataError(
            spec.filename,
            None,
            f"{conflicting.sum()} row(s) repeat an {what} with conflicting values",
            sorted(set(ids_where(frame, conflicting))),
            "Keep one correct row per key in the export; the pipeline cannot guess which one is right.",
            rows_where(frame, conflicting),
        )


def check_periods(frame: pd.DataFrame, spec: RawFile) -> None:
    if not spec.periods:
        return
    counts = frame.groupby(ID)[PERIOD].nunique()
    incomplete = counts[counts != len(spec.periods)].index.tolist()
    if incomplete:
        raise DataError(
            spec.filename,
            spec.column(PERIOD).raw,
            f"{len(incomplete)} customer(s) lack some of the periods {list(spec.periods)}",
            incomplete,
            "Every customer needs exactly one row per period; complete the export.",
        )


def validate_file(
    frame: pd.DataFrame, spec: RawFile, drop_exact_duplicate_rows: bool, log: QualityLog, require_optional: bool = True
) -> pd.DataFrame:
    """One raw file (strings, Russian headers) -> typed frame with English names and labels."""
    check_columns(frame, spec, require_optional)
    if frame.empty:
        raise DataError(
            spec.filename, None, "the file has no rows (only the header)", hint="Export it again with its data."
        )
    frame = drop_exact_duplicates(frame, spec, drop_exact_duplicate_rows, log)
    present = [c for c in spec.columns if c.raw in frame.columns]
    typed = pd.DataFrame({c.name: parse_column(frame, c, spec, log) for c in present})
    check_unique_keys(typed, spec)
    check_periods(typed, spec)
    return typed.reset_index(drop=True)


def check_same_customers(tables: dict[str, pd.DataFrame]) -> None:
    """Every customer must appear in every file."""
    all_ids = set().union(*(set(t[ID]) for t in tables.values()))
    for spec in RAW_FILES:
        absent = sorted(all_ids - set(tables[spec.key][ID]))
        if absent:
            raise DataError(
                spec.filename,
                "id",
                f"{len(absent)} customer(s) present in other files are missing here",
                absent,
                "Export all four files for the same set of customers.",
            )


def validate_raw(
    raw: dict[str, pd.DataFrame], drop_exact_duplicate_rows: bool, log: QualityLog, require_target: bool = True
) -> dict[str, pd.DataFrame]:
    """All four raw files -> typed, English-named, deduplicated and cross-checked frames."""
    tables = {
        spec.key: validate_export(raw[spec.key], spec, drop_exact_duplicate_rows, log, require_target)
        for spec in RAW_FILES
    }
    check_same_customers(tables)
    return tables


def validate_export(
    export, spec: RawFile, drop_repeated: bool, log: QualityLog, require_optional: bool
) -> pd.DataFrame:
    """One export: a frame of strings (validated whole), or a source streamed in chunks (``chunks()`` and
    ``whole()``) validated by `stages/lib/streamed.py`, falling back on the whole file for any bad input so
    that its error paragraph is exactly this module's."""
    if not isinstance(export, pd.DataFrame):
        from stages.lib.streamed import NotStreamable, validate_stream  # it builds on this module

        try:
            typed, rows, records = validate_stream(export.chunks, spec, drop_repeated, require_optional)
        except NotStreamable:
            export = export.whole()
        else:
            try:
                check_unique_keys(typed, spec)
                check_periods(typed, spec)
            except DataError:  # worded by the whole file, whose rows keep their positions
                export = export.whole()
            else:
                log.rows_read[spec.filename] = rows
                records.replay(log)
                return typed
    log.rows_read[spec.filename] = len(export)
    return validate_file(export, spec, drop_repeated, log, require_optional)
