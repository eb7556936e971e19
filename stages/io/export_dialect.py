"""An export's dialect, settled from its first MiB: the encoding (a BOM, else UTF-8, else Windows-1251; another
encoding the header reads better in is named and refused), the separator and the header's names.
`stages/io/exports.py` reads the rest.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from contextlib import suppress

from stages.lib.data.cell_rules import PY_SPACE
from stages.lib.errors import refused, shown
from stages.lib.schema import RawFile

SEPARATORS = (",", ";", "\t", "|")
NEWLINE = re.compile(r"\r\n|\r|\n")
HEADER_BYTES = 1 << 16  # an encoding the header reads better in is looked for in this much of the head
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def head_text(head: bytes, spec: RawFile, whole: bool) -> tuple[str, str]:
    """(encoding, the head decoded): a BOM decides, else UTF-8 if the head is UTF-8 (a character cut by
    the head's end forgiven), else Windows-1251."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=whole)
            return encoding, text.lstrip("\ufeff")
    with suppress(UnicodeDecodeError):
        return "utf-8", codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    try:
        return "cp1251", head.decode("cp1251")
    except UnicodeDecodeError as error:
        problem = "the file is neither UTF-8 nor Windows-1251 text"
        raise refused(spec.filename, problem, "Export it again as CSV in UTF-8.") from error


# Encodings an export may really be in when its header reads as mojibake: other Cyrillic code pages (its
# bytes decoded so), and UTF-8 read as Windows-1251 or Latin-1 and saved as UTF-8 again (its text encoded
# back so, then decoded as UTF-8).
CODE_PAGES = {"KOI8-R": "koi8_r", "DOS (CP866)": "cp866", "Mac Cyrillic": "mac_cyrillic"}
READ_AS = {"UTF-8 encoded twice": "cp1251", "UTF-8 encoded twice (Latin-1)": "latin-1"}


def other_readings(head: bytes, text: str) -> Iterator[tuple[str, str]]:
    """(encoding's name, the head as that encoding reads it), for each of CODE_PAGES and READ_AS."""
    for name, codec in CODE_PAGES.items():
        yield name, head.decode(codec, errors="replace")
    for name, codec in READ_AS.items():
        yield name, text.encode(codec, errors="replace").decode("utf-8", errors="replace")


def columns_found(header: str, spec: RawFile, separator: str) -> int:
    """How many of the export's column names the header holds, split by ``separator``."""
    return len({c.raw for c in spec.columns} & set(split_line(header, separator)))


def check_encoding(head: bytes, text: str, header: str, spec: RawFile) -> None:
    """Refuse a header that another encoding reads better: the names of the export's columns would otherwise be
    reported missing, and the real cause (the encoding) never named."""
    found = max(columns_found(header, spec, sep) for sep in SEPARATORS)
    if found == len(spec.columns):
        return
    # the header is in the first HEADER_BYTES: no more is decoded
    for name, reading in other_readings(head[:HEADER_BYTES], text[:HEADER_BYTES]):
        other = next((line for line in NEWLINE.split(reading) if line.strip(PY_SPACE)), "")
        if max(columns_found(other, spec, sep) for sep in SEPARATORS) > found:
            problem = (
                f"the header line {shown(header)} is not the shop's column names as read, but reads as them in "
                f"{name}: the file was saved in another encoding"
            )
            raise refused(spec.filename, problem, "Export it again as CSV in UTF-8 (or Windows-1251).")


def split_line(line: str, separator: str) -> list[str]:
    return [field.strip(PY_SPACE).lstrip("\ufeff") for field in next(csv.reader([line], delimiter=separator))]


def detect_separator(header: str, spec: RawFile) -> str:
    """The separator whose split of the header matches the most expected column names."""
    hits = {sep: columns_found(header, spec, sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: hits[sep])
    if not hits[best]:
        problem = (
            f"cannot recognise the CSV dialect: the header line {shown(header)} contains none of the expected "
            f"columns with any of the separators {SEPARATORS}"
        )
        hint = "Export the file as CSV (comma, semicolon or tab separated) with the original Russian headers."
        raise refused(spec.filename, problem, hint)
    return best
