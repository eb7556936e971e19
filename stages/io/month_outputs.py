"""What `score --out FILE.csv` may write, and only that: FILE.csv, FILE.html, FILE.campaign.parquet and
FILE.parts/, each new or written by `score` before; never the pipeline's catalog, an input, or another run's.

One run per --out at a time: the run holds an exclusive lock (flock) on the marker in FILE.parts/ from
before it removes the previous run's outputs until it has written or removed its own, so a second run
into the same --out is refused at once and names the first, instead of mixing two months' files.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from stages.io import paths
from stages.io.files import starts_with
from stages.lib.decision.offers import COLUMNS
from stages.lib.errors import refused
from stages.lib.words import PAGE_MARKER, TABLES

PARTS_MARKER = "_written_by_stages_score"  # the only parts folder `score` may empty
MARKER_TEXT = "partitions of `python -m stages.score`; rewritten by each run\n"
# what every list `score` writes starts with, in each language of the words
HEADERS = tuple("\ufeff" + ";".join(TABLES[language][f"column.{c}"] for c in COLUMNS) + "\r\n" for language in TABLES)
LONGEST_NAME = 255 - 24  # a file name's limit less what atomic_write's temporary name adds


def parts_folder(out: Path) -> Path:
    return out.with_suffix(".parts")


def own_files(out: Path) -> tuple[Path, ...]:
    """Everything a run of `score --out out` writes."""
    return out, out.with_suffix(".html"), paths.campaign_record(out), parts_folder(out)


def check_output(out: Path, inputs: tuple[Path, ...]) -> None:
    """--out: a .csv file whose outputs are new or `score`'s own, none of them the catalog's or an input."""
    if out.suffix != ".csv":
        problem = f"--out must name a .csv file (its page, record and parts take the other names), not {out.name!r}"
        raise refused(str(out), problem, "Give a name ending in .csv, e.g. scores/2026-11.csv.")
    if out.is_dir():
        raise refused(str(out), "--out names a folder", "Give the path of a CSV file to write.")
    if len(paths.campaign_record(out).name) > LONGEST_NAME:  # the longest name a run writes, plus a temporary's
        problem = f"--out's name is {len(out.name)} characters long; with the suffixes `score` adds it passes the limit"
        raise refused(str(out), problem, f"Give a name of at most {LONGEST_NAME - 20} characters.")
    protected = [*paths.catalog(), *inputs]
    for own in own_files(out):
        for other in protected:
            if inside(own, other) or inside(other, own):
                problem = f"--out would write {own}, which is or holds or lies in {other}, a path the pipeline uses"
                raise refused(str(out), problem, "Write the month's list elsewhere, e.g. scores/<month>.csv.")
    parts = parts_folder(out)
    if parts.exists() and not (parts / PARTS_MARKER).is_file():
        problem = "the partitions' folder beside --out exists and was not written by this command"
        raise refused(str(parts), problem, "Give another --out, or move that folder away.")
    for path, starts in ((out, HEADERS), (out.with_suffix(".html"), (PAGE_MARKER,))):
        if (path.exists() or path.is_symlink()) and not any(starts_with(path, start.encode()) for start in starts):
            problem = (
                "--out names an existing file (or its .html page) this command did not write; refusing to overwrite it"
            )
            hint = "Give a new file name, or delete that file yourself if it is really a stale score list."
            raise refused(str(path), problem, hint)


def inside(path: Path, other: Path) -> bool:
    """``path`` is ``other`` or lies within it (both resolved: links and .. followed)."""
    path, other = Path(path).resolve(), Path(other).resolve()
    return path == other or other in path.parents


def remove_outputs(out: Path) -> None:
    """The list, its page and the partitions a run of `score` wrote (only ours: `check_output` checked);
    what is not a plain file of ours is left where it is."""
    for path in (out, out.with_suffix(".html"), *parts_folder(out).glob("part-*.parquet")):
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)


@contextmanager
def fresh_month_outputs(out: Path) -> Iterator[None]:
    """This run's lock on --out; the previous run's outputs removed before it, this run's if it fails."""
    parts = parts_folder(out)
    parts.mkdir(parents=True, exist_ok=True)
    with run_lock(parts / PARTS_MARKER, out):
        remove_outputs(out)
        try:
            yield
        except BaseException:
            remove_outputs(out)
            (parts / PARTS_MARKER).unlink(missing_ok=True)
            with suppress(OSError):  # left only if someone put other files there meanwhile
                parts.rmdir()
            raise


@contextmanager
def run_lock(marker: Path, out: Path) -> Iterator[None]:
    """An exclusive lock on the marker, opened without following a link; its text names the holder."""
    try:
        handle = os.open(marker, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        raise refused(str(marker), "a link stands where `score` keeps its marker", "Remove the link.") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 200, 0).decode("utf-8", "replace").strip().splitlines()[-1:]
            problem = f"another run of `score` is writing this --out now ({''.join(holder) or 'its process'})"
            raise refused(str(out), problem, "Wait for it to finish, or give this run another --out.") from None
        write_marker(handle, MARKER_TEXT + f"process {os.getpid()} is writing {out.name}\n")
        try:
            yield
        finally:
            with suppress(OSError):
                write_marker(handle, MARKER_TEXT)
    finally:
        os.close(handle)


def write_marker(handle: int, text: str) -> None:
    os.ftruncate(handle, 0)
    os.pwrite(handle, text.encode("utf-8"), 0)
