"""A month's exports split as several tasks each: byte ranges cut just after line breaks, in two passes.

Each UTF-8 export of more than ``scale.split_bytes`` bytes is cut into about size / split_bytes ranges,
each starting just after a line break (the first holds the header). Pass 1, one task per range, counts
its rows and collects its decimal-mark evidence; the counts are merged in range order and
`ExportCells.decide_marks` settles each column once, from the whole column. Pass 2, one task per range,
types its rows with those marks, numbered from the rows above it, into ``<key>-<part>-<range>.arrow``:
`read_partition` concatenates them in range order. A quoted cell may hold a line break: a range is kept
only if the quotes before each cut are even in number (else the file is one task), which is exact for
quotes that open and close cells. Anything else that is not plain (another encoding, a cut export, a line
break not found within scale.max_row_bytes, a broken rule or an unreadable row in any range) makes the
file one task, the whole-file split of `partitions.split_export`, so its paragraph is exactly that one's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from stages.io.exports import HEAD_BYTES, LINE_BREAK, Export, open_quote_at_the_end, read_chunks
from stages.io.partitions import SCRATCH, split_export, write_parts
from stages.lib.data.cell_rules import ExportCells
from stages.lib.data.quality import QualityLog
from stages.lib.errors import DataError
from stages.lib.settings import Scale


@dataclass
class Span:
    """Bytes [start, end) of an export; first_row: its data rows above; quotes: quote bytes read so far."""

    start: int
    end: int
    first_row: int = 0
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
class Observed:
    """Pass 1 of one range: its rows, its quote bytes, and per (column, mark) the cells using / proving it."""

    rows: int
    quotes: int
    used: dict
    found: dict


def observe(export: Export, reading: tuple[int, int], span: Span) -> Observed | None:
    """Pass 1 of one range (None: it cannot be read as a range; the whole file will say why)."""
    span, cells = replace(span), ExportCells(export.spec, export.names, new_month=True)
    try:
        for chunk in read_chunks(export, *reading, span, columns=cells.observed):
            cells.observe(chunk)
    except DataError:
        return None
    counts = {name: {key: c.count for key, c in getattr(cells, name).items()} for name in ("used", "found")}
    return Observed(cells.rows, span.quotes, counts["used"], counts["found"])


def settled(export: Export, observed: list[Observed]) -> dict[str, str] | None:
    """The marks of the whole file from its ranges' evidence (None: a cut inside a quoted cell may be,
    or the marks contradict each other: the whole file will say why)."""
    quotes = [o.quotes for o in observed]
    if any(sum(quotes[:k]) % 2 for k in range(1, len(quotes))):
        return None
    cells = ExportCells(export.spec, export.names, new_month=True)
    cells.rows = sum(o.rows for o in observed)
    for o in observed:
        for key, count in o.used.items():
            cells.used[key].count += count
        for key, count in o.found.items():
            cells.found[key].count += count
    try:
        cells.decide_marks()
    except DataError:
        return None
    return cells.marks


class Unsettled(Exception):
    """A range that broke a rule while typed: the whole file is split again in one task to say which."""


def type_range(folder: Path, parts: int, reading: tuple[int, int], export: Export, marks: dict, at: tuple) -> bool:
    """Pass 2 of range ``at`` = (its index, its span): its rows typed into its partition files; False if a
    rule broke, a row could not be read, or the rows are not those counted in pass 1."""
    piece, counted = at
    cells = ExportCells(export.spec, export.names, new_month=True)
    cells.marks, cells.rows = dict(marks), counted.rows

    def typed():
        for chunk in read_chunks(export, *reading, replace(counted.span)):
            frame = cells.typed(chunk)
            if frame is None:
                raise Unsettled
            yield frame

    try:
        write_parts(typed(), folder, export.spec, parts, piece)
    except (DataError, Unsettled):
        return False
    return cells.typed_rows == cells.rows


@dataclass(frozen=True)
class Counted:
    span: Span
    rows: int


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


def split_in_ranges(chosen, exports: list[Export], raw_dir: Path, folder: Path, parts: int, scale: Scale, what: str):
    """Each export split into the month's partitions, as tasks by byte range (see the module): each
    export's log (rows read), in the exports' order; the first export's DataError (in their order) raised."""
    reading = (scale.chunk_rows, scale.max_row_bytes)
    spans = [spans_of(export, scale.split_bytes, scale.max_row_bytes) for export in exports]
    one = partial(whole, raw_dir, folder, parts, reading)
    first = [
        [partial(one, e)] if len(s) == 1 else [partial(observe, e, reading, p) for p in s]
        for e, s in zip(exports, spans, strict=True)
    ]
    done = iter(chosen.map(run, [t for tasks in first for t in tasks], what))
    results = [[next(done) for _ in tasks] for tasks in first]
    second, outcome = [], {}
    for n, (export, found) in enumerate(zip(exports, results, strict=True)):
        if len(spans[n]) == 1:
            outcome[n] = found[0]
            continue
        marks = settled(export, found) if all(found) else None
        if marks is None:
            second.append((n, partial(one, export)))
            continue
        offsets = [sum(o.rows for o in found[:k]) for k in range(len(found))]
        ranges = [Counted(replace(s, first_row=f), o.rows) for s, f, o in zip(spans[n], offsets, found, strict=True)]
        typing = partial(type_range, folder, parts, reading, export, marks)
        second += [(n, partial(typing, (k, c))) for k, c in enumerate(ranges)]
        outcome[n] = sum(o.rows for o in found)
    for (n, _), result in zip(second, chosen.map(run, [t for _, t in second], what), strict=True):
        if result is False:
            outcome[n] = None
        elif not isinstance(result, bool):
            outcome[n] = result
    logs = []
    for n, export in enumerate(exports):
        if outcome[n] is None:
            outcome[n] = chosen.map(run, [partial(one, export)], what)[0]
        if isinstance(outcome[n], DataError):
            raise outcome[n]
        logs.append(outcome[n] if isinstance(outcome[n], QualityLog) else rows_log(export, outcome[n]))
    return logs


def rows_log(export: Export, rows: int) -> QualityLog:
    log = QualityLog()
    log.rows_read[export.spec.filename] = rows
    return log
