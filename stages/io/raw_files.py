"""Read the raw CSV exports in whatever dialect they come: bytes -> frames of stripped strings.

The result keeps the exported (Russian) headers; `stages/lib/raw.py` validates it against the
schema. A file that cannot be read raises ``DataError`` naming the file and what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stages.lib.errors import DataError
from stages.lib.raw import PY_SPACE
from stages.lib.schema import RAW_FILES, RawFile

SEPARATORS = (",", ";", "\t", "|")


def decode(data: bytes, filename: str) -> str:
    """Bytes to text: BOM-marked UTF-8/UTF-16, else UTF-8, else Windows-1251 (1C, old Excel)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError as error:
        raise undecodable(filename) from error


def undecodable(filename: str) -> DataError:
    return DataError(
        filename, None, "the file is neither UTF-8 nor Windows-1251 text", hint="Export it again as CSV in UTF-8."
    )


def detect_separator(header_line: str, spec: RawFile) -> str:
    """The separator whose split of the header matches the most expected column names."""
    expected = {c.raw for c in spec.columns}
    best, best_hits = None, 0
    for sep in SEPARATORS:
        fields = [f.strip() for f in next(csv.reader([header_line], delimiter=sep))]
        hits = len(expected & set(fields))
        if hits > best_hits:
            best, best_hits = sep, hits
    if best is None:
        raise DataError(
            spec.filename,
            None,
            f"cannot recognise the CSV dialect: the header line {header_line[:120]!r} contains none of "
            f"the expected columns with any of the separators {SEPARATORS}",
            hint="Export the file as CSV (comma, semicolon or tab separated) with the original Russian headers.",
        )
    return best


def read_raw_text(text: str, spec: RawFile) -> pd.DataFrame:
    """Parse CSV text of any common dialect into a frame of stripped strings, headers as exported."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        raise DataError(spec.filename, None, "the file is empty", hint="Export it again with its header row.")
    sep = detect_separator(lines[0], spec)
    try:
        frame = pd.read_csv(
            io.StringIO("\n".join(lines)), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, csv.Error) as error:
        raise DataError(
            spec.filename,
            None,
            f"the CSV cannot be parsed ({error})",
            hint="Check that every row has as many fields as the header.",
        ) from error
    return strip_cells(frame)


def strip_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers and cells without surrounding whitespace (and headers without a stray BOM)."""
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame.apply(lambda col: col.str.strip() if needs_strip(col) else col)


def needs_strip(values: pd.Series) -> bool:
    """Would `str.strip` change any cell? Asked of pyarrow (fast), with exactly Python's whitespace."""
    try:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return True
    return text.null_count > 0 or not pc.all(pc.equal(pc.utf8_trim(text, PY_SPACE), text), min_count=0).as_py()


def read_raw_file(path: Path, spec: RawFile) -> pd.DataFrame:
    if not path.exists():
        raise DataError(
            spec.filename,
            None,
            f"the file is missing (looked for {path})",
            hint="Run `dvc pull data/raw.dvc` or pass the folder that holds all four exports.",
        )
    return read_raw_text(decode(path.read_bytes(), spec.filename), spec)


def read_raw_folder(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """All four exports, keyed by RawFile.key, as strings with the exported headers."""
    return {spec.key: read_raw_file(Path(raw_dir) / spec.filename, spec) for spec in RAW_FILES}


def stream_raw_folder(raw_dir: Path, chunk_rows: int) -> dict:
    """All four exports as sources read in chunks of ``chunk_rows`` rows when validated (bounded memory)."""
    from stages.io.columnar import RawSource  # it builds on this module

    return {spec.key: RawSource(Path(raw_dir) / spec.filename, spec, chunk_rows) for spec in RAW_FILES}
