"""Typing an export's string cells, chunk by chunk: the header, the decimal mark, numbers, categories.

`ExportCells` takes two passes over an export's chunks: `observe` collects each numeric column's decimal-mark
evidence, `decide_marks` settles it once, `typed` types every chunk with vectorised masks and `finish`
raises the first broken rule (schema order) as one DataError naming file, column, count,
ids, rows and values (a large export's byte range types with `likely_marks` as it observes, again if the
column settles otherwise: stages/io/split_ranges.py). Each typed row keeps its row number, raw cells joined
and typo flags. A new month's optional columns may be missing, its odd behaviour cells set aside (`soft_cells`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stages.lib.errors import EXAMPLE_COUNT, DataError, refused, shown
from stages.lib.schema import FEATURES, ID, LABEL_TYPOS, MARKET_FILE, Column, RawFile

SPACES = " \u00a0"  # thousands separators in any convention
MARKS = (",", ".")  # either may be the decimal mark; then the other may only group thousands
# what str.strip() and \s match: every character whose str.isspace() is true (tests/lib/test_data_rules.py)
PY_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
WHITESPACE_RUN = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_SPACE) + "]+"  # Python's \s, in RE2's words
ROW, TEXT = "_row", "_text"  # a row's position among its file's data rows, and its raw cells joined
TYPO, ODD = "_typo_", "_odd_"  # prefix a column name: a typo fixed; a soft cell set aside ("" empty, else its label)
SOFT_COLUMNS = [c for c in MARKET_FILE.columns if c.name in FEATURES]  # the cells `soft` may set aside
PLACEHOLDER = {"int": "0", "float": "0"}  # passes the checks; set back to missing before the model sees it
SHOWN_VALUES = 3  # example values quoted in a paragraph
JOIN, ESCAPE = "\x1f", "\x1b"  # joins a row's cells; escapes both inside a cell, so rows join one-to-one
MISSING_MARKERS = ("", "nan", "na", "n/a", "null", "none", "-", "#н/д", "#n/a")  # a missing value, in any case
# ... spelt in every case: a cell is missing when it is one of these (a hash lookup; lowercasing every cell
# first cost more). Arrow lowercases no other character to a marker's letters (tests/lib/test_data_rules.py).
MISSING = pa.array(
    sorted({"".join(p) for m in MISSING_MARKERS for p in product(*({c, c.upper()} for c in m))}), type=pa.large_string()
)
TYPOS = pa.array(list(LABEL_TYPOS), type=pa.large_string())


def check_columns(names: tuple[str, ...], spec: RawFile, new_month: bool) -> None:
    expected = [c.raw for c in spec.columns]
    optional = {c.raw for c in spec.columns if c.name in spec.optional and new_month}
    required = [c for c in expected if c not in optional]
    missing = [c for c in required if c not in names]
    extra = [c for c in names if c not in expected]
    duplicated = sorted({c for c in names if names.count(c) > 1})
    if missing:
        hint = f"The export must have the columns {required}."
        raise DataError(spec.filename, ", ".join(missing), "expected column(s) are missing", hint=hint)
    if extra or duplicated:
        hint = f"Remove them from the export, or declare them in stages/lib/schema.py. Expected {expected}."
        raise DataError(spec.filename, ", ".join(extra + duplicated), "unexpected or repeated column(s)", hint=hint)


# --- the decimal mark: one rule, settled once per column from all its cells ---


def evidence_pattern(mark: str) -> str:
    """Cells holding ``mark`` where it cannot group thousands, so it must be the decimal mark: not after a
    digit, or not followed by exactly three digits and then the end or another separator (RE2)."""
    m = re.escape(mark)
    return rf"(?:^|[^0-9]){m}|{m}(?:[0-9]{{0,2}}(?:$|[^0-9])|[0-9]{{3}}[^,.{SPACES}])"


def settled_mark(found: list[str], used: list[str], kind: str) -> str | None:
    """A column's decimal mark from the marks that are decimal evidence somewhere (``found``) and those that
    appear at all (``used``); ``None`` for a contradiction. One mark found: it. Both: a contradiction. No
    evidence ("5,835", "1.234"): in a float column the single mark used is decimal ("5,835" = 5.835), in an
    int/id column it groups thousands ("5,835" = 5835); both marks used without evidence: a contradiction."""
    if found or len(used) == 2:
        return found[0] if len(found) == 1 else None
    if not used:
        return "."
    if kind == "float":
        return used[0]
    return "," if used[0] == "." else "."  # int/id: the mark groups thousands, so decimals use the other


def group_marks(mark: str) -> str:
    """The characters that may group thousands under decimal ``mark``: the other mark and the spaces."""
    return ("," if mark == "." else ".") + SPACES


def group_chars(mark: str) -> str:
    """`group_marks`, escaped for a regex's character class."""
    return re.escape(group_marks(mark)[0]) + SPACES


def number_pattern(mark: str) -> str:
    """A number under decimal ``mark``; thousands grouped in threes or not at all (RE2)."""
    group, d = group_chars(mark), re.escape(mark)
    whole = rf"(?:\d{{1,3}}(?:[{group}]\d{{3}})+|\d+)"
    return rf"[+-]?(?:{whole}(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?"


def parse_number(text: pa.Array, mark: str) -> np.ndarray:
    """Text to float with the column's decimal ``mark``; the other mark, spaces and NBSP may only group
    thousands (in threes). "5,835" is 5835 under "." and 5.835 under ","; "5.834,9" is 5834.9 under ",".
    A cell that breaks the convention ("1,5" under ".", "12,34,5") or is no number ("inf", text) is NaN."""
    digits = pc.ascii_is_decimal(text)  # digits alone are a number under any mark
    if not pc.all(digits, min_count=0).as_py():
        valid = pc.or_(digits, pc.match_substring_regex(text, f"^(?:{number_pattern(mark)})$"))
        grouped = may_hold(text, group_marks(mark))  # seldom: most exports group no thousands
        plain = pc.replace_substring_regex(text, f"[{group_chars(mark)}]", "") if grouped else text
        plain = pc.replace_substring(plain, mark, ".") if mark != "." else plain
        text = pc.if_else(valid, plain, pa.scalar(None, pa.large_string()))
    return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)


# --- cells that break a rule, counted over every chunk of a file ---


def strings(values: pd.Series) -> pa.Array:
    return pa.array(values, type=pa.large_string(), from_pandas=True)


@dataclass
class Cells:
    """The cells of a file one rule hit: their count, and the first few ids, rows and distinct values."""

    count: int = 0
    ids: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # counted from 1 below the header
    values: list = field(default_factory=list)

    def add(self, chunk: pd.DataFrame, text: pa.Array, mask) -> None:
        hit = np.flatnonzero(np.asarray(mask, dtype=bool))
        self.count += len(hit)
        if len(hit) and len(self.ids) < EXAMPLE_COUNT:
            first = hit[: EXAMPLE_COUNT - len(self.ids)]
            self.ids += chunk[ID].iloc[first].tolist()
            self.rows += (chunk.index[first] + 1).tolist()
        if len(self.values) < SHOWN_VALUES:  # the first distinct values, in file order
            self.values = list(dict.fromkeys([*self.values, *text.take(hit[:1000]).to_pylist()]))[:SHOWN_VALUES]

    def error(self, spec: RawFile, column: Column, rule: str, mark: str | None) -> DataError:
        """The paragraph of a broken ``rule``: what the cells do, their count, first ids, rows and values."""
        fix, values = "Correct these cells in the export.", ", ".join(shown(v) for v in self.values)
        problem, hint = {
            "missing": ("have no value (empty or NaN)", "Fill the value in the export; this column may not be empty."),
            "unknown": (
                f"have an unknown category ({values})",
                f"Allowed labels are {sorted(column.labels)}; fix the export, or add a typo to LABEL_TYPOS "
                "or a new label to stages/lib/schema.py.",
            ),
            "text": (
                f"hold text where a number is expected, or break the column's decimal mark {mark!r} ({values})",
                fix,
            ),
            "fraction": ("hold fractions where a whole number is expected", fix),
            "range": (
                f"are outside the allowed range [{column.low}, {column.high}] ({values})",
                "Correct the export, or widen the range in stages/lib/schema.py if such values are real.",
            ),
            "marks": (
                f"mix a decimal comma and a decimal point in one column ({values})",
                "Use one decimal mark in the whole column (and the other one, if any, only to group thousands).",
            ),
        }[rule]
        return DataError(
            spec.filename, column.raw, f"{self.count} row(s) {problem}", self.ids, hint, self.rows, self.count
        )


RULES = {
    "category": ("missing", "unknown"),
    **dict.fromkeys(("id", "int", "float"), ("missing", "text", "fraction", "range")),
}


class ExportCells:
    """One export's cells through the rules, chunk by chunk (see the module's docstring)."""

    def __init__(self, spec: RawFile, names: tuple[str, ...], new_month: bool = False):
        check_columns(tuple(names), spec, new_month)  # a wrong header fails before any row is read
        self.spec, self.soft = spec, new_month and spec.key == MARKET_FILE.key
        self.present = [c for c in spec.columns if c.raw in names]
        self.numeric = [c for c in self.present if c.kind != "category"]
        self.observed = [c.raw for c in self.numeric]  # the columns `observe` reads (the id among them)
        self.used = {(c.raw, mark): Cells() for c in self.numeric for mark in MARKS}  # cells holding the mark
        self.found = {(c.raw, mark): Cells() for c in self.numeric for mark in MARKS}  # ... as a decimal mark
        self.broken = {(c.raw, rule): Cells() for c in self.present for rule in RULES[c.kind]}
        self.marks: dict[str, str] = {}
        self.rows = self.typed_rows = 0

    def observe(self, chunk: pd.DataFrame) -> None:
        """Rows counted, decimal-mark evidence collected (softening changes no mark): the first pass."""
        self.rows += len(chunk)
        for column in self.numeric:
            text = strings(chunk[column.raw])
            for mark in MARKS:
                used = pc.match_substring(text, mark)
                if not pc.any(used).as_py():
                    continue  # a mark that never appears is no evidence either: skip the regex
                self.used[column.raw, mark].add(chunk, text, used)
                self.found[column.raw, mark].add(chunk, text, pc.match_substring_regex(text, evidence_pattern(mark)))

    def decide_marks(self) -> None:
        """Each numeric column's decimal mark from all its cells; a DataError for a contradiction, or no rows."""
        if not self.rows:
            problem = "the file has no rows (only the header)"
            raise refused(self.spec.filename, problem, "Export it again with its data.")
        for column in self.numeric:
            found, used = self.evidence(column)
            mark = settled_mark(found, used, column.kind)
            if mark is None:
                evidence = self.found if found else self.used
                cells = min((evidence[column.raw, m] for m in MARKS), key=lambda c: c.count)  # the rarer mark's
                raise cells.error(self.spec, column, "marks", None)
            self.marks[column.raw] = mark

    def evidence(self, column: Column) -> list[list[str]]:
        """The marks found as decimal marks in ``column`` so far, and the marks used in it at all."""
        return [[m for m in MARKS if cells[column.raw, m].count] for cells in (self.found, self.used)]

    def likely_marks(self) -> dict[str, str]:
        """Each column's mark as the cells so far settle it ("." if they contradict): a byte range's guess."""
        return {c.raw: settled_mark(*self.evidence(c), c.kind) or "." for c in self.numeric}

    def typed(self, chunk: pd.DataFrame) -> pd.DataFrame | None:
        """The second pass: a chunk's typed columns (English names), each row's number, text and typo flags
        (and, if soft, its cells to impute and flag text); None once a cell has broken a rule."""
        self.typed_rows += len(chunk)
        chunk, extra = soft_cells(chunk) if self.soft else (chunk, None)
        typed, typos = {}, {}
        for column in self.present:
            text = strings(chunk[column.raw])
            self.refuse(column, "missing", chunk, text, pc.is_in(text, value_set=MISSING))
            if column.kind == "category":
                typed[column.name], typos[TYPO + column.name] = self.category(column, chunk, text)
            else:
                typed[column.name] = self.number(column, chunk, text)
        if any(cells.count for cells in self.broken.values()):
            return None
        frame = pd.DataFrame({**typed, **typos, ROW: np.asarray(chunk.index, dtype=np.int64), TEXT: row_text(chunk)})
        return frame if extra is None else pd.concat([frame, extra], axis=1)

    def refuse(self, column: Column, rule: str, chunk: pd.DataFrame, text: pa.Array, mask) -> np.ndarray:
        mask = np.asarray(mask, dtype=bool)
        self.broken[column.raw, rule].add(chunk, text, mask)
        return mask

    def number(self, column: Column, chunk: pd.DataFrame, text: pa.Array) -> np.ndarray:
        parsed = parse_number(text, self.marks[column.raw])
        bad = self.refuse(column, "text", chunk, text, np.isnan(parsed))
        whole = column.kind in ("int", "id")
        if whole:
            bad |= self.refuse(column, "fraction", chunk, text, ~np.isnan(parsed) & (parsed != np.round(parsed)))
        low = parsed < column.low if column.low is not None else False
        high = parsed > column.high if column.high is not None else False
        bad |= self.refuse(column, "range", chunk, text, np.asarray(low | high))
        return parsed if bad.any() or not whole else parsed.astype("int64")

    def category(self, column: Column, chunk: pd.DataFrame, text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        keys = known_labels(column)
        known = pa.array(keys, type=pa.large_string())
        text = one_space(text, known)
        typo = pc.is_in(text, value_set=TYPOS).to_numpy(zero_copy_only=False)
        labels = np.array([column.labels[LABEL_TYPOS.get(k, k)] for k in keys], dtype=object)
        index = pc.index_in(text, value_set=known)
        if self.refuse(column, "unknown", chunk, text, pc.is_null(index)).any():
            return np.zeros(len(chunk), dtype=object), typo
        return labels[index.to_numpy(zero_copy_only=False)], typo

    def finish(self) -> None:
        """After the second pass: the first broken rule (columns in the schema's order) as one DataError."""
        if self.typed_rows != self.rows:
            raise refused(self.spec.filename, "the file changed while it was read", "Run again on a finished export.")
        for (raw, rule), cells in self.broken.items():
            if cells.count:
                column = next(c for c in self.present if c.raw == raw)
                raise cells.error(self.spec, column, rule, self.marks.get(raw))


def known_labels(column: Column) -> list[str]:
    """A category's labels, then the typos that mean one of them."""
    return [*column.labels, *(typo for typo, fixed in LABEL_TYPOS.items() if fixed in column.labels)]


def one_space(text: pa.Array, known: pa.Array) -> pa.Array:
    """Category cells with each run of Python's whitespace made one space. A cell that is a ``known`` label
    already is left as it is (no label holds another run: tests/lib/test_data_rules.py), so the regex
    only runs on the others, usually none."""
    other = pc.invert(pc.is_in(text, value_set=known))
    if not pc.any(other).as_py():
        return text
    return pc.replace_with_mask(text, other, pc.replace_substring_regex(text.filter(other), WHITESPACE_RUN, " "))


def row_text(chunk: pd.DataFrame) -> pd.Series:
    """Each row's cells joined (JOIN and ESCAPE inside a cell escaped): two rows are exact repeats of one
    another exactly when their texts are equal. Joined, and later compared, by pyarrow."""
    cells, separator = [strings(chunk[c]) for c in chunk.columns], pa.scalar(JOIN, type=pa.large_string())
    if any(may_hold(cell, JOIN + ESCAPE) for cell in cells):
        cells = [escaped(cell) for cell in cells]  # escaping a cell without either leaves it as it is
    joined = pc.binary_join_element_wise(*cells, separator) if len(cells) > 1 else cells[0]
    return pd.Series(pd.arrays.ArrowExtensionArray(joined))


def escaped(cells: pa.Array) -> pa.Array:
    return pc.replace_substring(pc.replace_substring(cells, ESCAPE, ESCAPE * 2), JOIN, ESCAPE + "_")


def may_hold(cells: pa.Array | pa.ChunkedArray, characters: str) -> bool:
    """Might a cell hold one of ``characters``? The last byte of each one's UTF-8 looked for in the text
    buffers whole: a yes may be wrong (another character ending in that byte, bytes outside a slice), a no
    never is. Much cheaper than a regex or a replacement over every cell, for what is seldom there."""
    wanted = [character.encode()[-1] for character in characters]
    for array in cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]:
        data = array.buffers()[2]
        if data is not None and np.isin(np.frombuffer(data, dtype=np.uint8), wanted).any():
            return True
    return False


# --- `score`'s soft cells: an odd behaviour cell of a new month is imputed and flagged, not refused ---


def soft_cells(chunk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """market_file.csv's chunk with empty cells and unseen labels of model features replaced by placeholders,
    and per row one ODD column per soft feature: null where kept, "" where empty, the label where unseen."""
    chunk, odd = chunk.copy(), {}
    for column in SOFT_COLUMNS:
        originals = np.full(len(chunk), None, dtype=object)
        if column.raw in chunk:
            kept = text = strings(chunk[column.raw])
            unseen = np.zeros(len(chunk), dtype=bool)
            if column.kind == "category":  # runs of whitespace made one space: labels may hold spaces, markers none
                known = pa.array(known_labels(column), type=pa.large_string())
                text = one_space(text, known)
            empty = pc.fill_null(pc.is_in(text, value_set=MISSING), True).to_numpy(zero_copy_only=False)
            if column.kind == "category":
                unseen = ~pc.is_in(text, value_set=known).to_numpy(zero_copy_only=False) & ~empty
            if (empty | unseen).any():
                placeholder = next(iter(column.labels)) if column.kind == "category" else PLACEHOLDER[column.kind]
                chunk[column.raw] = pd.arrays.ArrowExtensionArray(
                    pc.if_else(pa.array(empty | unseen), pa.scalar(placeholder, pa.large_string()), kept)
                )
                originals[empty] = ""
                originals[unseen] = text.filter(pa.array(unseen)).to_pylist()
        odd[ODD + column.name] = pd.arrays.ArrowExtensionArray(pa.array(originals, type=pa.large_string()))
    return chunk, pd.DataFrame(odd)
