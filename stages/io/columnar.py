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
from tqdm import tqdm

from stages.io.raw_files import detect_separator, read_raw_file, strip_cells, undecodable
from stages.lib.errors import DataError
from stages.lib.schema import RawFile
from stages.lib.streamed import NotStreamable

BLOCK_BYTES = 1 << 22  # bytes decoded at a time
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


@dataclass(frozen=True)
class RawSource:
    path: Path
    spec: RawFile
    chunk_rows: int

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
