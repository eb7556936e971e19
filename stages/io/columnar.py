"""Stream a raw export in chunks of rows, with exactly the dialect handling of `read_raw_text`.

A ``RawSource`` reads its file lazily: ``chunks()`` yields frames of stripped strings of at most
``chunk_rows`` rows each (the first one as soon as it is read, so a wrong header fails before the
rest of a huge file is touched), and can be called again for a second pass. Memory is bounded by
the chunk, not by the file. ``whole()`` is the reference reader (`read_raw_file`), which the
validation falls back on for anything the streamed path does not reproduce exactly.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from tqdm import tqdm

from stages.io.raw_files import PY_SPACE, detect_separator, read_raw_file, strip_cells, undecodable
from stages.lib.errors import DataError
from stages.lib.schema import RawFile
from stages.lib.streamed import NotStreamable

BLOCK_BYTES = 1 << 22  # bytes decoded at a time
HEAD_BYTES = 1 << 20  # where the arrow reader looks for the header line
TAIL_BYTES = 1 << 16  # where it looks for a quote left open by a truncated export
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def progress(path: Path, name: str) -> tqdm:
    """A progress bar in bytes on stderr, shown only on a terminal and only if reading takes over 2 s."""
    return tqdm(
        total=path.stat().st_size,
        desc=name,
        unit="B",
        unit_scale=True,
        delay=2,
        disable=None,
        leave=False,
        file=sys.stderr,
    )


class ArrowRefused(NotStreamable):
    """The file has something pyarrow's CSV reader may read differently: the line reader takes over."""


def header_frame(line: str, sep: str) -> pd.DataFrame:
    """An empty frame with the columns pandas' reader (the reference) names from a header line."""
    return strip_cells(pd.read_csv(io.StringIO(line + "\n"), sep=sep, dtype=str, skipinitialspace=True, nrows=0))


ODD_CHARACTERS = {  # in a cell, where pandas' reader (the reference) reads something else than arrow's
    "\n": "a quoted line break: the reference reader normalises it and drops blank lines",
    "\r": "a quoted line break: the reference reader normalises it and drops blank lines",
    "\x00": "a NUL byte: pandas ends the cell there, arrow keeps the rest",
}


def arrow_strings(table: pa.Table) -> pd.DataFrame:
    """An all-string arrow table -> a frame of cells stripped as `strip_cells` strips them, its columns
    still arrow strings (pd.ArrowDtype): no Python string per cell, and pyarrow compute reads them as they are."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        trimmed = pc.utf8_trim(column, PY_SPACE)
        if pc.any(pc.starts_with(trimmed, '"')).as_py():
            raise ArrowRefused("a quoted cell after spaces: pandas' skipinitialspace reads it differently")
        for odd, why in ODD_CHARACTERS.items():
            if pc.any(pc.match_substring(trimmed, odd)).as_py():
                raise ArrowRefused(why)
        columns[name] = trimmed
    return pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)


@dataclass(frozen=True)
class RawSource:
    path: Path
    spec: RawFile
    chunk_rows: int
    fast: bool = True  # pyarrow's C++ CSV reader where it reads exactly what the line reader reads

    def whole(self) -> pd.DataFrame:
        return read_raw_file(self.path, self.spec)

    def encoding(self) -> str:
        """`decode`'s choice, made by one streamed pass: BOM, else UTF-8 if all of it decodes, else cp1251."""
        if not self.path.exists():
            read_raw_file(self.path, self.spec)  # raises the reference "missing file" error
        with self.path.open("rb") as file:
            start = file.read(4)
            for bom, encoding in BOMS:
                if start.startswith(bom):
                    return encoding
            file.seek(0)
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                while block := file.read(BLOCK_BYTES):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
                return "utf-8"
            except UnicodeDecodeError:
                pass
            file.seek(0)
            decoder = codecs.getincrementaldecoder("cp1251")()
            try:
                while block := file.read(BLOCK_BYTES):
                    decoder.decode(block)
            except UnicodeDecodeError as error:
                raise undecodable(self.spec.filename) from error
        return "cp1251"

    def lines(self) -> Iterator[list[str]]:
        """Blocks of non-blank lines, line endings normalised and leading BOMs dropped, as `read_raw_text` sees them."""
        decoder = codecs.getincrementaldecoder(self.encoding())()
        carry, first = "", True
        with self.path.open("rb") as file, progress(self.path, self.spec.filename) as bar:
            while True:
                block = file.read(BLOCK_BYTES)
                bar.update(len(block))
                text = carry + decoder.decode(block, final=not block)
                if first:
                    text, first = text.lstrip("\ufeff"), False
                if block and text.endswith("\r"):
                    text, carry = text[:-1], "\r"  # a "\r\n" may straddle two blocks
                else:
                    carry = ""
                parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                if block:
                    carry, parts = parts[-1] + carry, parts[:-1]
                yield [line for line in parts if line.strip()]
                if not block:
                    return

    def chunks(self) -> Iterator[pd.DataFrame]:
        """Frames of stripped strings; the arrow reader's unless it refuses the file (before its first
        chunk: the line reader's instead; later: ArrowRefused, and the caller starts again with fast=False)."""
        if not self.fast:
            yield from self.line_chunks()
            return
        started = False
        try:
            for chunk in self.arrow_chunks():
                started = True
                yield chunk
        except ArrowRefused:
            if started:
                raise
            yield from self.line_chunks()

    def arrow_header(self) -> tuple[str, str, str]:
        """(encoding, the first non-blank line, its separator) from the file's first MiB (a BOM dropped):
        UTF-8 unless its bytes are not, then `encoding()`'s choice; ArrowRefused if that cannot be
        told there (UTF-16, no whole line)."""
        if not self.path.exists():
            read_raw_file(self.path, self.spec)  # raises the reference "missing file" error
        with self.path.open("rb") as file:
            head = file.read(HEAD_BYTES)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ArrowRefused("UTF-16: the arrow reader reads UTF-8 and single-byte code pages only")
        head, encoding = head.removeprefix(codecs.BOM_UTF8), "utf-8"
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 3:  # not just a character cut by the first MiB's end
                encoding = self.encoding()  # the whole file decides, as `decode` decides it
            text = head[: error.start].decode("utf-8") if encoding == "utf-8" else head.decode(encoding)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:-1]  # whole lines only
        line = next((line for line in lines if line.strip()), None)
        if line is None:
            raise ArrowRefused("no whole header line in the first MiB")
        if self.open_quote_at_the_end():
            raise ArrowRefused("the last line opens a quote it never closes: pandas refuses it, arrow would not")
        return encoding, line, detect_separator(line, self.spec)

    def open_quote_at_the_end(self) -> bool:
        """Does the file's last non-blank line hold an odd number of quotes (a truncated export)?"""
        with self.path.open("rb") as file:
            file.seek(max(0, self.path.stat().st_size - TAIL_BYTES))
            tail = file.read().replace(b"\r", b"\n").split(b"\n")
        last = next((line for line in reversed(tail) if line.strip()), b"")
        return last.count(b'"') % 2 == 1

    def arrow_chunks(self) -> Iterator[pd.DataFrame]:
        """Chunks read by pyarrow.csv; ArrowRefused (before or while reading) for anything it may read
        differently from the line reader: UTF-16, repeated or odd headers, blank-looking or ragged
        lines, quoted line breaks, bytes that are not UTF-8 after a UTF-8 start."""
        encoding, line, sep = self.arrow_header()
        names = [n.strip().lstrip("\ufeff") for n in next(csv.reader([line], delimiter=sep))]
        if len(set(names)) != len(names) or not all(names):
            raise ArrowRefused("a header the arrow reader would name differently")
        options = (
            pacsv.ReadOptions(encoding="utf8" if encoding == "utf-8" else encoding, block_size=1 << 24),
            pacsv.ParseOptions(delimiter=sep, newlines_in_values=False, ignore_empty_lines=True),
        )
        try:
            reader = pacsv.open_csv(self.path, *options, convert_options=self.all_strings(line, sep))
            yield from self.rebatched(reader)
        except (pa.ArrowInvalid, UnicodeDecodeError) as error:  # e.g. bytes that are not UTF-8 (cp1251)
            raise ArrowRefused(str(error)) from error

    def all_strings(self, line: str, sep: str) -> pacsv.ConvertOptions:
        raw_names = next(csv.reader([line], delimiter=sep))
        return pacsv.ConvertOptions(
            column_types={n: pa.string() for n in raw_names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )

    def rebatched(self, reader) -> Iterator[pd.DataFrame]:
        """The reader's batches as frames of ``chunk_rows`` rows, with a progress bar in bytes."""
        pending, rows = [], 0
        with progress(self.path, self.spec.filename) as bar:
            for batch in reader:
                pending.append(batch)
                rows += batch.num_rows
                while rows >= self.chunk_rows:
                    table = pa.Table.from_batches(pending)
                    yield self.named(arrow_strings(table.slice(0, self.chunk_rows)))
                    rest = table.slice(self.chunk_rows)
                    pending, rows = rest.to_batches(), rest.num_rows
                bar.update(batch.nbytes)
            if rows:
                yield self.named(arrow_strings(pa.Table.from_batches(pending)))

    @staticmethod
    def named(frame: pd.DataFrame) -> pd.DataFrame:
        frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
        return frame

    def line_chunks(self) -> Iterator[pd.DataFrame]:
        header, sep, batch = None, None, []
        for block in self.lines():
            if header is None and block:
                header, block = block[0], block[1:]
                sep = detect_separator(header, self.spec)
            batch += block
            while len(batch) >= self.chunk_rows:
                yield self.parse(header, batch[: self.chunk_rows], sep)
                batch = batch[self.chunk_rows :]
        if header is None:
            raise DataError(self.spec.filename, None, "the file is empty", hint="Export it again with its header row.")
        if batch:
            yield self.parse(header, batch, sep)

    def parse(self, header: str, rows: list[str], sep: str) -> pd.DataFrame:
        try:
            frame = pd.read_csv(
                io.StringIO("\n".join([header, *rows])),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
            )
        except (pd.errors.ParserError, csv.Error) as error:
            raise NotStreamable(str(error)) from error
        if len(frame) != len(rows) or not isinstance(frame.index, pd.RangeIndex):
            raise NotStreamable("a quoted field spans lines, or the header is shorter than the rows")
        return strip_cells(frame)
