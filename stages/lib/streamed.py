"""Validate a raw export streamed in chunks: the rules of `stages/lib/raw.py`, columnar and bounded.

Two passes over the chunks. The first checks the header (so a wrong header fails on the first
chunk), hashes every row (exact duplicates are found across chunks) and collects, per numeric
column, whether each mark ever appears and ever is decimal evidence, so the column's decimal mark
is settled once from ALL its cells. The second pass parses each chunk with pyarrow compute (RE2
regexes, vectorised casts) under those marks. Only the typed columns are kept, never the text.

Valid input gives exactly what `validate_file` gives. Anything else (a bad cell, a contradiction,
a repeated row that may not be dropped, a file the chunk reader cannot split exactly) raises
``NotStreamable``; the caller then runs the whole-file reference path, which words the one error
paragraph exactly as before. So every rule, count and message stays that of `stages/lib/raw.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stages.lib.raw import MARKS, SPACES, WHITESPACE_RUN, check_columns, group_chars, number_pattern, settled_mark
from stages.lib.schema import ID, LABEL_TYPOS, Column, RawFile

HASH_KEYS = ("0123456789123456", "one-click-rows-2")  # two 64-bit row hashes: a 128-bit identity


class NotStreamable(Exception):
    """Input the streamed path does not reproduce exactly: the whole-file reference path takes over."""


def evidence_pattern(mark: str) -> str:
    """RE2 form of `raw.non_group_mark` (RE2 has no look-around): a mark not preceded by a digit, or not
    followed by exactly three digits and then the end or a separator."""
    m = re.escape(mark)
    return rf"(?:^|[^0-9]){m}|{m}(?:[0-9]{{0,2}}(?:$|[^0-9])|[0-9]{{3}}[^,.{SPACES}])"


def row_hashes(chunk: pd.DataFrame) -> np.ndarray:
    """Two 64-bit hashes of each row's cells (rows x 2): equal rows, and in practice only they, share both."""
    return np.stack([pd.util.hash_pandas_object(chunk, index=False, hash_key=k).to_numpy() for k in HASH_KEYS], 1)


@dataclass
class FirstPass:
    hash_rows: bool = True  # False when repeats are found later, inside partitions of customers
    rows: int = 0
    hashes: list = field(default_factory=list)
    found: dict = field(default_factory=dict)  # column -> marks that are decimal evidence somewhere
    used: dict = field(default_factory=dict)  # column -> marks that appear somewhere

    def add(self, chunk: pd.DataFrame, numeric: list[Column]) -> None:
        self.rows += len(chunk)
        if self.hash_rows:
            self.hashes.append(row_hashes(chunk))
        for column in numeric:
            values = strings(chunk[column.raw])
            for mark in MARKS:
                if not pc.any(pc.match_substring(values, mark)).as_py():
                    continue  # a mark that never appears is no evidence either: skip the regex
                self.used.setdefault(column.raw, set()).add(mark)
                if pc.any(pc.match_substring_regex(values, evidence_pattern(mark))).as_py():
                    self.found.setdefault(column.raw, set()).add(mark)

    def repeated(self) -> np.ndarray:
        """Rows that repeat an earlier row exactly (keep the first), in file order."""
        if not self.hashes:
            return np.zeros(0, dtype=bool)
        both = np.concatenate(self.hashes)
        self.hashes = []
        first = pd.Series(both[:, 0])
        candidate = first.duplicated(keep=False).to_numpy()  # only rows sharing the first hash can repeat
        out = np.zeros(len(both), dtype=bool)
        pairs = pd.DataFrame(both[candidate])
        out[np.flatnonzero(candidate)] = pairs.duplicated(keep="first").to_numpy()
        return out

    def marks(self, numeric: list[Column]) -> dict[str, str]:
        settled = {}
        for column in numeric:
            found = [m for m in MARKS if m in self.found.get(column.raw, ())]
            used = [m for m in MARKS if m in self.used.get(column.raw, ())]
            mark = settled_mark(found, used, column.kind)
            if mark is None:
                raise NotStreamable(f"{column.raw}: decimal marks contradict")
            settled[column.raw] = mark
        return settled


def strings(values: pd.Series) -> pa.Array:
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    if array.null_count:
        raise NotStreamable("a row has fewer fields than the header")
    return array


def numbers(values: pd.Series, column: Column, mark: str) -> np.ndarray:
    text = strings(values)
    other = pc.filter(text, pc.invert(pc.ascii_is_decimal(text)))  # digits alone are a number under any mark
    if not pc.all(pc.match_substring_regex(other, f"^(?:{number_pattern(mark)})$"), min_count=0).as_py():
        raise NotStreamable(f"{column.raw}: a cell is not a number under mark {mark!r}")
    if len(other):
        text = pc.replace_substring(pc.replace_substring_regex(text, f"[{group_chars(mark)}]", ""), mark, ".")
    parsed = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    whole = column.kind in ("int", "id")
    bad = (parsed != np.round(parsed)) if whole else np.zeros(len(parsed), dtype=bool)
    if column.low is not None:
        bad |= parsed < column.low
    if column.high is not None:
        bad |= parsed > column.high
    if bad.any() or np.isnan(parsed).any():
        raise NotStreamable(f"{column.raw}: a value is a fraction or out of range")
    return parsed.astype("int64") if whole else parsed


def category(values: pd.Series, column: Column, record: Callable) -> np.ndarray:
    text = pc.replace_substring_regex(strings(values), WHITESPACE_RUN, " ")  # Python's \s, as parse_category
    typo = pc.is_in(text, value_set=pa.array(list(LABEL_TYPOS), type=pa.large_string())).to_numpy(zero_copy_only=False)
    if typo.any():
        record("label_typos", column.raw, values.index[typo])
    keys = [*column.labels, *(t for t, fixed in LABEL_TYPOS.items() if fixed in column.labels)]
    labels = np.array([column.labels[LABEL_TYPOS.get(k, k)] for k in keys], dtype=object)
    index = pc.index_in(text, value_set=pa.array(keys, type=pa.large_string()))
    if index.null_count:
        raise NotStreamable(f"{column.raw}: an unknown category")
    return labels[index.to_numpy(zero_copy_only=False)]


@dataclass
class Records:
    """Rule applications of one file, replayed into the QualityLog in `validate_file`'s order on success."""

    spec: RawFile
    ids: dict = field(default_factory=dict)  # (rule, detail) -> list of id arrays

    def add(self, rule: str, detail: str, ids) -> None:
        self.ids.setdefault((rule, detail), []).append(np.asarray(ids))

    def replay(self, log) -> None:
        order = [("exact_duplicate_rows", self.spec.filename)]
        order += [("label_typos", f"{self.spec.filename}:{c.raw}") for c in self.spec.columns]
        for key in order:
            if key in self.ids:
                log.record(key[0], np.concatenate(self.ids[key]), detail=key[1])


def typed_chunk(chunk: pd.DataFrame, present: list[Column], marks: dict, records: Records) -> pd.DataFrame:
    filename = records.spec.filename

    def typos(rule: str, column: str, rows) -> None:
        records.add(rule, f"{filename}:{column}", chunk.loc[rows, ID].to_numpy())

    return pd.DataFrame(
        {
            c.name: category(chunk[c.raw], c, typos) if c.kind == "category" else numbers(chunk[c.raw], c, marks[c.raw])
            for c in present
        }
    )


def validate_stream(
    chunks: Callable[[], Iterable[pd.DataFrame]], spec: RawFile, drop_repeated: bool, require_optional: bool
) -> tuple[pd.DataFrame, int, Records]:
    """(typed frame, rows read, rule records) of one export given as a re-iterable stream of string chunks."""
    first, present = FirstPass(), None
    for chunk in chunks():
        if present is None:
            check_columns(chunk, spec, require_optional)  # a wrong header fails on the first chunk
            present = [c for c in spec.columns if c.raw in chunk.columns]
        first.add(chunk, [c for c in present if c.kind != "category"])
    if not first.rows:
        raise NotStreamable("no rows")
    repeated, marks = first.repeated(), first.marks([c for c in present if c.kind != "category"])
    if repeated.any() and not drop_repeated:
        raise NotStreamable("repeated rows may not be dropped")
    records, parts, offset = Records(spec), [], 0
    for chunk in chunks():
        copies = repeated[offset : offset + len(chunk)]
        offset += len(chunk)
        if copies.any():
            records.add("exact_duplicate_rows", spec.filename, chunk.loc[copies, ID].to_numpy())
            chunk = chunk.loc[~copies]
        parts.append(typed_chunk(chunk, present, marks, records))
    if offset != first.rows:
        raise NotStreamable("the file changed between the two passes")
    return pd.concat(parts, ignore_index=True), first.rows, records
