"""The one reader of the shop's exports: a CSV file's bytes -> chunks of stripped string cells.

The first MiB settles the encoding (a BOM, else UTF-8, else Windows-1251), the separator and the
header (`stages/io/export_dialect.py`); the rest streams through pyarrow's CSV reader, so memory is
bounded by a chunk. Cells come back as stripped strings, never null (typing them is
`stages/lib/data/cell_rules.py`'s job); what cannot be read exactly is a DataError naming the file,
the row and what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, replace
from functools import reduce
from itertools import islice
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from tqdm import tqdm

from stages.io import paths
from stages.io.export_dialect import NEWLINE, check_encoding, detect_separator, head_text, split_line
from stages.lib.data.cell_rules import PY_SPACE
from stages.lib.errors import DataError, clipped, refused, shown
from stages.lib.schema import ID, RAW_FILES, RawFile

HEAD_BYTES = 1 << 20  # where the encoding, the separator and the header are settled
TAIL_BYTES = 1 << 16  # where a quote left open by a cut export is looked for
COPY_BYTES = 1 << 20  # an export in another encoding is copied to UTF-8 this many bytes at a time
LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# Arrow's bundled allocator hands freed pages back to the system at once, so each chunk's new buffers
# fault them in again; glibc's keeps and reuses them (a 64 MiB range of market_file.csv typed and written
# in ~1.3 s instead of ~1.9 s). Set for every process that reads exports: `score`, its Dask workers.
pa.set_memory_pool(pa.system_memory_pool())


@dataclass(frozen=True)
class Export:
    """One export whose header has been read (from its first MiB only)."""

    path: Path
    spec: RawFile
    encoding: str  # Python's codec name: utf-8, utf-16 or cp1251
    separator: str
    names: tuple[str, ...]  # the header's names, stripped, as exported (they may repeat: the rules refuse that)
    header_lines: int  # physical lines up to and including the header (blank lines above it included)
    trailing: bool  # every row ends with one more, empty, field (Excel's trailing separator)


def open_export(path: Path, spec: RawFile) -> Export:
    """Read an export's first MiB: its encoding, separator and header (DataError for a missing or empty
    file, bytes that are no text, a header with none of the expected columns)."""
    path, folder = Path(path), Path(path).parent
    if folder.exists() and not folder.is_dir():
        hint = f"Give the folder it is in, {folder.parent}, or the folder of all four exports."
        raise refused(str(folder), "the exports' folder is a file, not a folder", hint)
    if not folder.exists():
        hint = f"Give the folder that holds the month's four exports ({', '.join(s.filename for s in RAW_FILES)})."
        raise refused(str(folder), "the exports' folder does not exist", hint)
    if not path.is_file():
        hint = "Put all four exports in that folder under their usual names."
        if folder.resolve() == paths.RAW.resolve():  # the training month lives in the team's remote
            hint += " The training month's come with `dvc pull data/raw.dvc`."
        raise refused(spec.filename, f"the file is missing (looked for {path})", hint)
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
        whole = not file.read(1)
    encoding, text = head_text(head, spec, whole)
    lines = NEWLINE.split(text)
    if not whole:
        lines = lines[:-1]  # the last line may be cut by the head's end
    at = next((i for i, line in enumerate(lines) if line.strip(PY_SPACE)), None)
    if at is None:
        problem = "the file is empty" if whole else "no header line in the file's first MiB"
        raise refused(spec.filename, problem, "Export it again with its header row.")
    check_encoding(head, text, lines[at], spec)
    separator = detect_separator(lines[at], spec)
    names = split_line(lines[at], separator)
    if len(names) > 1 and not names[-1]:
        names = names[:-1]  # a header that ends with the separator (Excel writes one on every line)
    first_row = next((line for line in lines[at + 1 :] if line.strip(PY_SPACE)), None)
    fields = [] if first_row is None else split_line(first_row, separator)
    trailing = len(fields) == len(names) + 1 and not fields[-1]  # one more, empty, field: Excel's trailing `;`
    return Export(path, spec, encoding, separator, tuple(names), at + 1, trailing)


def tail(export: Export) -> tuple[str, bool, bool]:
    """The file's last non-blank line, whether the file ends with a line break, and whether that line lies
    whole in the tail read (a longer one is cut: its quotes cannot be counted). The tail is decoded first:
    in UTF-16 a quote's byte is also half of other characters (Т is 22 04)."""
    start = max(0, export.path.stat().st_size - TAIL_BYTES)
    with export.path.open("rb") as file:
        codec = export.encoding
        if codec == "utf-16":
            codec = "utf-16-be" if file.read(2) == codecs.BOM_UTF16_BE else "utf-16-le"
            start -= start % 2
        file.seek(start)
        text = file.read().decode(codec, errors="replace")
    lines = NEWLINE.split(text)
    at = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip(PY_SPACE)), None)
    if at is None:
        return "", text.endswith(("\n", "\r")), start == 0
    return lines[at], text.endswith(("\n", "\r")), at > 0 or start == 0


def open_quote_at_the_end(export: Export) -> bool:
    """Does the file's last non-blank line hold an odd number of quotes (an export cut inside a cell)?
    A last line longer than the tail read is left to the reader (its row-length limit)."""
    last, _, whole = tail(export)
    return whole and last.count('"') % 2 == 1


def cut_exports(exports: list[Export]) -> list[tuple[str, str]]:
    """(file name, last row's id) of each export that does not end with a line break while another one does:
    it may have been cut short, and its last row read as a shorter number (words: ``warning.cut``; the id is
    '' when the last line is too long to show)."""
    tails = [tail(export) for export in exports]
    if all(ends for _, ends, _ in tails) or not any(ends for _, ends, _ in tails):
        return []
    found = []
    for export, (last, ends, whole) in zip(exports, tails, strict=True):
        if ends:
            continue
        fields = split_line(last, export.separator) if last and whole else []
        column = export.names.index(export.spec.column(ID).raw) if export.spec.column(ID).raw in export.names else 0
        found.append((export.spec.filename, clipped(fields[column]) if column < len(fields) else ""))
    return found


@contextmanager
def readable(export: Export, row_bytes: int) -> Iterator[Export]:
    """The export as pyarrow reads it itself: UTF-8. Another encoding is decoded once, a MiB at a time, into
    a temporary UTF-8 copy: pyarrow's own transcoding calls Python's codec from its reading threads, and
    an error while they run can hang or abort the interpreter at exit. The copy streams (memory: a block)
    and refuses a line longer than ``row_bytes`` (scale.max_row_bytes) as soon as it passes, as pyarrow does."""
    if export.encoding == "utf-8":
        yield export
        return
    with tempfile.TemporaryDirectory(prefix="one-click-utf8-") as folder:
        copy = Path(folder) / "export.csv"
        decoder, run = codecs.getincrementaldecoder(export.encoding)(), 0  # UTF-8 bytes since the last line break
        try:
            with export.path.open("rb") as source, copy.open("wb") as target:
                for block in iter(lambda: source.read(COPY_BYTES), b""):
                    data = decoder.decode(block).encode("utf-8")
                    lines = LINE_BREAK.split(data)  # the first continues the last block's line, the last goes on
                    longest = max([run + len(lines[0]), *map(len, lines[1:-1])]) if len(lines) > 1 else run + len(data)
                    if longest > row_bytes:
                        raise long_row(export, row_bytes)
                    run = len(lines[-1]) if len(lines) > 1 else run + len(data)
                    target.write(data)
                target.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as error:
            raise unreadable(export, error, row_bytes) from None
        yield replace(export, path=copy, encoding="utf-8")


def long_row(export: Export, row_bytes: int) -> DataError:
    problem = (
        f"a row is longer than {row_bytes:,} bytes, the limit of scale.max_row_bytes (a quote opened and never "
        "closed, or no line breaks)"
    )
    hint = "Check that every quote in the file is closed and rows end with a line break; export it again."
    return refused(export.spec.filename, problem, hint)


class RaggedRows(list):
    """pyarrow's handler of rows with another number of fields than the header: blank-looking lines are
    skipped (as blank lines are), any other is remembered (in this list) and stops the read."""

    def __call__(self, row) -> str:
        if row.text.strip(PY_SPACE):
            self.append(row)
        return "skip"


def reader(
    export: Export, handler: RaggedRows, row_bytes: int, source, skip: int, keep: list[int] | None
) -> pacsv.CSVStreamingReader:
    """pyarrow's streaming reader of ``source`` (the export or a span of it), ``skip`` lines skipped first,
    the columns at positions ``keep`` converted (None: all); its block is the row limit (no row may
    straddle two blocks). Every row is still parsed whole: a ragged row is found whatever is kept."""
    columns = [f"c{i}" for i in range(len(export.names) + export.trailing)]  # positional: the names may repeat
    codec = "utf8" if export.encoding == "utf-8" else export.encoding  # arrow's name for it
    read = pacsv.ReadOptions(encoding=codec, block_size=row_bytes, skip_rows=skip, column_names=columns)
    parse = pacsv.ParseOptions(
        delimiter=export.separator, newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=handler
    )
    types = dict.fromkeys(columns, pa.large_string())
    convert = pacsv.ConvertOptions(
        column_types=types,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        include_columns=None if keep is None else [columns[i] for i in keep],
    )
    return pacsv.open_csv(source, read_options=read, parse_options=parse, convert_options=convert)


def unreadable(export: Export, error: Exception, row_bytes: int) -> DataError:
    message, encoding = str(error), export.encoding
    if "invalid UTF8" in message or isinstance(error, UnicodeDecodeError):
        problem = f"the file starts as {encoding} text but holds bytes that are not {encoding} further on"
        return refused(export.spec.filename, problem, "Export the whole file again in one encoding (UTF-8).")
    if "straddling" in message or "block" in message:
        return long_row(export, row_bytes)
    hint = "Check that every row has as many fields as the header; export it again."
    return refused(export.spec.filename, f"the CSV cannot be read ({shown(message)})", hint)


def ragged(export: Export, row, row_bytes: int) -> DataError:
    """A row of another width than the header's, its number found by Python's csv reader (on the error path only)."""
    width, number = len(export.names) + export.trailing, None
    csv.field_size_limit(row_bytes)  # Python's reader takes any field pyarrow's took
    with export.path.open("rb") as raw, io.TextIOWrapper(raw, encoding=export.encoding, newline="") as text:
        records = islice(csv.reader(text, delimiter=export.separator), export.header_lines, None)
        # a blank-looking line is not a row (a line of separators is one, of empty cells)
        rows = (fields for fields in records if export.separator.join(fields).strip(PY_SPACE))
        with suppress(csv.Error):  # a field past the limit: the row is named without its number
            number = next((number for number, fields in enumerate(rows, 1) if len(fields) != width), None)
    problem = f"a row has {row.actual_columns} field(s) where the header has {width} ({shown(row.text)})"
    hint = "Every row needs exactly as many fields as the header: check separators and quotes in that row."
    return refused(export.spec.filename, problem, hint, rows=[number] if number else [])


def stripped(table: pa.Table, export: Export, offset: int, names: list[str]) -> pd.DataFrame:
    """A batch of raw cells -> a frame of cells stripped of Python's whitespace (and of the quotes of a cell
    quoted after spaces), columns ``names`` (as exported), index = the rows' positions below the header."""
    columns = [strip_cell_text(column) for column in table.columns]
    if export.trailing and len(columns) > len(names):  # the trailing field was read: it must be empty
        extra = columns.pop()
        at = pc.index(pc.not_equal(extra, ""), True).as_py()  # -1: every row ends with an empty field
        if at >= 0:
            row, value = offset + at + 1, shown(str(extra[at]))
            problem = (
                f"row {row} has a value after the last column ({value}) while the other rows end with an empty field"
            )
            raise refused(export.spec.filename, problem, "Every row needs exactly as many fields as the header.")
    frame = pa.table(columns, names=[f"c{i}" for i in range(len(columns))]).to_pandas(types_mapper=pd.ArrowDtype)
    frame.columns = names
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return frame


def strip_cell_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    trimmed = pc.utf8_trim(column, PY_SPACE)
    # `a; "b"`: a quote after spaces does not open a quoted cell for arrow; pandas' skipinitialspace read b
    spaced = pc.not_equal(pc.utf8_ltrim(column, PY_SPACE), column)
    if not pc.any(spaced).as_py():  # no cell starts with a space: none can be quoted after one
        return trimmed
    quoted = pc.and_(spaced, pc.and_(pc.starts_with(trimmed, '"'), pc.ends_with(trimmed, '"')))
    if not pc.any(pc.and_(quoted, pc.greater_equal(pc.utf8_length(trimmed), 2))).as_py():
        return trimmed
    inner = pc.replace_substring(pc.utf8_slice_codeunits(trimmed, 1, -1), '""', '"')
    return pc.if_else(quoted, pc.utf8_trim(inner, PY_SPACE), trimmed)


def without_blank_lines(batch: pa.RecordBatch, separator: str) -> pa.RecordBatch:
    """With a whitespace separator (tab), a line of separators alone is blank: a line, not a row of empty cells."""
    if not separator.isspace() or not batch.num_rows:
        return batch
    filled = [pc.not_equal(pc.utf8_trim(column, PY_SPACE), "") for column in batch.columns]
    keep = reduce(pc.or_, filled)
    return batch if pc.all(keep).as_py() else batch.filter(keep)


def read_chunks(
    export: Export, chunk_rows: int, row_bytes: int, span=None, columns: list[str] | None = None
) -> Iterator[pd.DataFrame]:
    """The export's data rows (or a span's, checked whole by the caller) in frames of at most ``chunk_rows``
    rows (see `stripped`); a DataError for a row the reader cannot read exactly, before its chunk is given.
    A span: `stages/io/split_ranges.Span`, its bytes opened by ``span.opened(path)``. ``columns``: only
    these (the decimal marks' pass needs the numbers alone); all of them with a whitespace separator,
    where a line is blank only if all its cells are (`without_blank_lines`)."""
    keep = None
    if columns is not None and not export.separator.isspace():
        keep = [at for at, name in enumerate(export.names) if name in columns]
    names = list(export.names) if keep is None else [export.names[at] for at in keep]
    if span is None and open_quote_at_the_end(export):
        problem = "the last row opens a quote it never closes: the export looks cut short"
        raise refused(export.spec.filename, problem, "Export the file again, whole.")
    handler, pending, rows, offset = RaggedRows(), [], 0, 0
    size = span.end - span.start if span else export.path.stat().st_size
    name, skip = export.spec.filename, export.header_lines if span is None or span.start == 0 else 0
    # a progress bar in bytes, shown only on a terminal and only if reading takes over 2 s
    bar = tqdm(total=size, desc=name, unit="B", unit_scale=True, delay=2, disable=None, leave=False, file=sys.stderr)
    try:
        with bar, nullcontext(export.path) if span is None else span.opened(export.path) as source:
            for batch in reader(export, handler, row_bytes, source, skip, keep):
                if handler:
                    raise ragged(export, handler[0], row_bytes)
                batch = without_blank_lines(batch, export.separator)
                pending.append(batch)
                rows += batch.num_rows
                bar.update(batch.nbytes)
                while rows >= chunk_rows:
                    table = pa.Table.from_batches(pending)
                    yield stripped(table.slice(0, chunk_rows), export, offset, names)
                    offset, rest = offset + chunk_rows, table.slice(chunk_rows)
                    pending, rows = rest.to_batches(), rest.num_rows
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise unreadable(export, error, row_bytes) from error
    if handler:
        raise ragged(export, handler[0], row_bytes)
    if rows:
        yield stripped(pa.Table.from_batches(pending), export, offset, names)
