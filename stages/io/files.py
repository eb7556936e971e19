"""Reading inputs and writing outputs atomically, so that a failed run leaves nothing stale behind."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import yaml

from stages.io import paths
from stages.lib.errors import printable, refused
from stages.lib.settings import Settings, parse_settings

UMASK = os.umask(0o022)  # read once (os.umask can only be read by setting it) and put back
os.umask(UMASK)


def load_settings(path: Path = paths.PARAMS) -> Settings:
    """params.yaml, validated whole by the typed schema."""
    if Path(path).is_dir():
        raise refused(str(path), "the params file is a folder", "Give the path of a params.yaml file.")
    if not Path(path).is_file():
        problem = "there is no params file here (or it is not a plain file)"
        raise refused(str(path), problem, "Give the path of a params.yaml file, e.g. the project's own params.yaml.")
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise refused(str(path), f"not valid YAML ({error})".replace("\n", " "), "Fix its syntax.") from None
    return parse_settings(raw, str(path))


def update_params(path: Path, updates: dict[tuple, object]) -> None:
    """Set values in params.yaml by their key paths through DVC's round-trip writer (what `dvc exp run -S`
    uses: comments and layout kept), validating the result before it replaces the file."""
    from dvc.utils.serialize import modify_yaml  # DVC loads slowly: only this command needs it

    text = Path(path).read_text(encoding="utf-8")

    def write(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8")
        with modify_yaml(temporary) as params:
            for keys, value in updates.items():
                node = params
                for key in keys[:-1]:
                    node = node[key]
                node[keys[-1]] = value
        load_settings(temporary)  # a bad value stops here, with params.yaml untouched

    atomic_write(path, write)


def remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


@contextmanager
def fresh_outputs(stage: str) -> Iterator[None]:
    """Delete the outputs the catalog declares for ``stage`` (only those) before it runs and if it fails."""
    outputs = paths.STAGES[stage].writes
    remove(*outputs)
    try:
        yield
    except BaseException:
        remove(*outputs)
        raise


def atomic_write(path: Path | str, write: Callable[[Path], None]) -> None:
    """Write to a temporary sibling, then rename: readers never see a half-written file. The sibling is
    created exclusively under a fresh random name (`tempfile.mkstemp`: O_EXCL, never through a link), so
    nothing planted beside the target can redirect the write; the rename replaces a link at the target
    itself, never the file it points to. The file gets the usual permissions (0666 less the umask)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~UMASK)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def rounded(value, digits: int = 6):
    """Round floats recursively so that JSON outputs do not churn on the last bits."""
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"refusing to write a non-finite number ({value}) to JSON")
        return round(value, digits)
    return value


def write_json(path: Path | str, data, digits: int = 6) -> None:
    write_text(path, json.dumps(rounded(data, digits), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_text(path: Path | str, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_parquet(path: Path | str, frame: pd.DataFrame, digits: int | None = None) -> None:
    """Parquet; ``digits``: floats rounded first, so that last-bit noise never changes the file."""
    frame = frame if digits is None else frame.round(digits)
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow", compression="snappy"))


def write_csv(path: Path | str, frame: pd.DataFrame, digits: int = 6, **options) -> None:
    frame, options = frame.round(digits), {"index": False, "lineterminator": "\n", **options}
    atomic_write(path, lambda tmp: frame.to_csv(tmp, **options))


def write_excel_csv(path: Path | str, frame: pd.DataFrame, digits: int = 6) -> None:
    """A CSV Excel in a Russian locale opens as a table: `;` separator, decimal comma, UTF-8 BOM, CRLF line ends.
    A text cell that a spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage return:
    text from the exports, such as an unseen label, can) is written with a leading apostrophe."""
    text = frame.select_dtypes(include=["object", "string"]).columns
    safe = frame.assign(**{c: frame[c].map(spreadsheet_text) for c in text})
    write_csv(path, safe, digits, sep=";", decimal=",", encoding="utf-8-sig", lineterminator="\r\n")


def spreadsheet_text(value):
    """A text cell a spreadsheet shows as text: control characters (an escape sequence, a right-to-left
    override) written as their escapes, and a leading apostrophe before what would start a formula."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value[:1] in FORMULA_STARTS else value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_with(path: Path | str, prefix: bytes) -> bool:
    """Is ``path`` a regular file that begins with ``prefix``? Reads only that many bytes, and never blocks
    on a FIFO or reads a device (a planted `/dev/zero` link, a named pipe)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(handle).st_mode) and os.read(handle, len(prefix)) == prefix
    finally:
        os.close(handle)


def read_parquet(path: Path | str) -> pd.DataFrame:
    return pd.read_parquet(path, engine="pyarrow")


def read_json(path: Path | str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def md5(path: Path | str) -> str:
    """The file's MD5, as DVC reports it: which model and which params made a campaign."""
    digest = hashlib.md5()
    with Path(path).open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


JSON_LIMIT = 1 << 24  # bytes: far above any review or choice this project writes


def read_small_json(path: Path | str) -> object | None:
    """The JSON in ``path`` if it is a regular file under JSON_LIMIT bytes that parses, else None. Never blocks
    on a FIFO, never reads a device (a planted `/dev/zero` link) or a giant file."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_size >= JSON_LIMIT:
            return None
        with os.fdopen(os.dup(handle), "rb") as file:
            return json.loads(file.read(JSON_LIMIT).decode("utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        os.close(handle)
