"""A month's exports split as several tasks each: byte ranges cut just after line breaks, read once.

Each UTF-8 export of more than ``scale.split_bytes`` bytes is cut into about size / split_bytes ranges,
each starting just after a line break (the first holds the header). One task per range types its rows
into ``<key>-<part>-<range>.arrow``, numbered from 0 within the range, with the decimal marks its first
chunk suggests, and collects every chunk's decimal-mark evidence as it goes. The ranges' evidence is then
merged in range order and `ExportCells.decide_marks` settles each column once, from the whole column: a
range that guessed another mark is typed again with the settled one (rare: a range's first chunk holds
200 000 rows). `read_partition` concatenates the ranges' files in range order and adds to each range's
row numbers the rows above it (`Split.first_rows`). A quoted cell may hold a line break: the ranges are
kept only if the quotes before each cut are even in number (else the file is one task), which is exact
for quotes that open and close cells. Anything else that is not plain (another encoding, a cut export, a
line break not found within scale.max_row_bytes, a broken rule or an unreadable row in any range) makes
the file one task, the whole-file split of `partitions.split_export`, so its paragraph is exactly that one's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from functools import partial
from itertools import accumulate
from pathlib import Path

from stages.io.exports import HEAD_BYTES, LINE_BREAK, Export, open_quote_at_the_end, read_chunks
from stages.io.partitions import SCRATCH, split_export, write_parts
from stages.lib.data.cell_rules import ExportCells
from stages.lib.data.quality import QualityLog
from stages.lib.errors import DataError
from stages.lib.settings import Scale


@dataclass
class Span:
    """Bytes [start, end) of an export; quotes: the quote bytes read of it so far."""

    start: int
    end: int
    quotes: int = 0

    def opened(self, path: Path) -> SpanFile:
        return SpanFile(path, self)


class SpanFile(io.RawIOBase):
    """A span of a file as pyarrow reads a file, counting its quote bytes."""

    def __init__(self, path: Path, span: Span):
        super().__init__()
        self.file, self.span, self.left = Path(path).open("rb"), span, span.end - span.start  # noqa: SIM115
        self.file.seek(span.start)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.file.read(min(len(buffer), self.left))
        buffer[: len(data)], self.left = data, self.left - len(data)
        self.span.quotes += data.count(b'"')
        return len(data)

    def close(self) -> None:
        self.file.close()
        super().close()


def spans_of(export: Export, split_bytes: int, row_bytes: int) -> list[Span]:
    """The export's ranges of about ``split_bytes`` bytes, each but the first starting just after a line
    break past the header; one range for a small, non-UTF-8 or cut file, or a line break not found."""
    size = export.path.stat().st_size
    count = -(-size // split_bytes)
    if count < 2 or export.encoding != "utf-8" or open_quote_at_the_end(export):
        return [Span(0, size)]
    with export.path.open("rb") as file:
        breaks = list(LINE_BREAK.finditer(file.read(HEAD_BYTES)))
        if len(breaks) < export.header_lines:
            return [Span(0, size)]
        cuts, head = [], breaks[export.header_lines - 1].end()
        for k in range(1, count):
            at = max(k * size // count, head + 1, cuts[-1] + 1 if cuts else 0)
            file.seek(at - 1)
            found = file.read(row_bytes).find(b"\n")
            if found < 0:  # a line longer than the row limit (the whole file refuses it), or the last line
                if at - 1 + row_bytes < size:
                    return [Span(0, size)]
                break
            if at + found < size:
                cuts.append(at + found)
    bounds = [0, *cuts, size]
    return [Span(start, end) for start, end in zip(bounds, bounds[1:], strict=False) if end > start]


@dataclass(frozen=True)
class Typed:
    """One range typed: its rows, its quote bytes, per (column, mark) the cells using / proving it, the
    marks it typed with (its guess) and whether every chunk typed without breaking a rule."""

    rows: int
    quotes: int
    used: dict
    found: dict
    marks: dict
    typed: bool


def type_range(
    folder: Path, parts: int, reading: tuple[int, int], export: Export, marks: dict | None, at: tuple
) -> Typed | None:
    """Range ``at`` = (its index, its span) typed into its partition files, its rows numbered from 0
    (`read_partition` adds the rows above it), with ``marks`` (None: the marks its first chunk suggests),
    while every chunk's decimal-mark evidence is collected for the whole file's decision. After a broken
    rule the range is read on for its evidence only. None: it cannot be read as a range (the whole file
    will say why)."""
    piece, span = at
    span, cells, broke = replace(span), ExportCells(export.spec, export.names, new_month=True), False

    def typed():
        nonlocal broke
        for chunk in read_chunks(export, *reading, span):
            cells.observe(chunk)
            cells.marks = cells.marks or marks or cells.likely_marks()
            frame = None if broke else cells.typed(chunk)
            broke = frame is None
            if not broke:
                yield frame

    try:
        write_parts(typed(), folder, export.spec, parts, piece)
    except DataError:
        return None
    counts = {name: {key: c.count for key, c in getattr(cells, name).items()} for name in ("used", "found")}
    return Typed(cells.rows, span.quotes, counts["used"], counts["found"], cells.marks, not broke)


def settled(export: Export, ranges: list[Typed]) -> dict[str, str] | None:
    """The marks of the whole file from its ranges' evidence (None: a cut inside a quoted cell may be,
    or the marks contradict each other: the whole file will say why)."""
    quotes = [r.quotes for r in ranges]
    if any(sum(quotes[:k]) % 2 for k in range(1, len(quotes))):
        return None
    cells = ExportCells(export.spec, export.names, new_month=True)
    cells.rows = sum(r.rows for r in ranges)
    for r in ranges:
        for key, count in r.used.items():
            cells.used[key].count += count
        for key, count in r.found.items():
            cells.found[key].count += count
    try:
        cells.decide_marks()
    except DataError:
        return None
    return cells.marks


def whole(raw_dir: Path, folder: Path, parts: int, reading: tuple[int, int], export: Export) -> QualityLog | DataError:
    """The whole-file split of one export (its earlier pieces' files removed); its DataError returned."""
    for stale in Path(folder).glob(f"{export.spec.key}-*{SCRATCH}"):
        stale.unlink()
    try:
        return split_export(raw_dir, folder, parts, reading, export.spec)
    except DataError as error:
        return error


def run(task):
    return task()


@dataclass(frozen=True)
class Split:
    """The month's exports split: each export's log (rows read), in the exports' order, and per export key
    the data rows above each of its pieces (`read_partition` numbers the pieces' rows from them)."""

    logs: list[QualityLog]
    first_rows: dict[str, list[int]]


def split_in_ranges(chosen, exports: list[Export], raw_dir: Path, folder: Path, parts: int, scale: Scale, what: str):
    """Each export split into the month's partitions, as tasks by byte range (see the module): a `Split`;
    the first export's DataError (in the exports' order) raised."""
    reading = (scale.chunk_rows, scale.max_row_bytes)
    spans = [spans_of(export, scale.split_bytes, scale.max_row_bytes) for export in exports]
    one, typing = partial(whole, raw_dir, folder, parts, reading), partial(type_range, folder, parts, reading)
    first = [
        [partial(one, e)] if len(s) == 1 else [partial(typing, e, None, at) for at in enumerate(s)]
        for e, s in zip(exports, spans, strict=True)
    ]
    done = iter(chosen.map(run, [t for tasks in first for t in tasks], what))
    results = [[next(done) for _ in tasks] for tasks in first]
    outcome, above, second = {}, {}, []  # second: (export number, rows to type or None: whole, task)
    for n, (export, typed) in enumerate(zip(exports, results, strict=True)):
        if len(spans[n]) == 1:
            outcome[n] = typed[0]
            continue
        again = retyping(export, spans[n], typed, typing)
        if again is None:
            second.append((n, None, partial(one, export)))
            continue
        counts = [r.rows for r in typed]
        outcome[n], above[n] = sum(counts), [0, *accumulate(counts)][:-1]  # its rows; the rows above each range
        second += [(n, rows, task) for rows, task in again]
    for (n, rows, _), result in zip(second, chosen.map(run, [task for *_, task in second], what), strict=True):
        if rows is None:
            outcome[n] = result  # the whole file's log, or its DataError
        elif result is None or not result.typed or result.rows != rows:
            outcome[n] = None  # a rule broke once the marks were settled: the whole file says which, below
    logs, first_rows = [], {}
    for n, export in enumerate(exports):
        if outcome[n] is None:
            outcome[n] = chosen.map(run, [partial(one, export)], what)[0]
        if isinstance(outcome[n], DataError):
            raise outcome[n]
        if isinstance(outcome[n], QualityLog):  # split whole: one piece, numbered from 0
            logs.append(outcome[n])
        else:
            logs.append(rows_log(export, outcome[n]))
            first_rows[export.spec.key] = above[n]
    return Split(logs, first_rows)


def retyping(export: Export, spans: list[Span], typed: list, typing) -> list[tuple] | None:
    """After the one pass over an export's ranges: the ranges that guessed another mark than the settled
    one, each as (the rows it must type, its task ``typing`` it again with the settled marks); None if
    the whole file is to be split in one task (a range unreadable, the marks not settled, or a rule broken
    under the settled marks: the whole file's paragraph says which)."""
    marks = settled(export, typed) if all(typed) else None
    if marks is None or any(not r.typed and r.marks == marks for r in typed):
        return None
    ranges = enumerate(zip(spans, typed, strict=True))
    return [(r.rows, partial(typing, export, marks, (k, span))) for k, (span, r) in ranges if r.marks != marks]


def rows_log(export: Export, rows: int) -> QualityLog:
    log = QualityLog()
    log.rows_read[export.spec.filename] = rows
    return log
