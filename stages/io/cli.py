"""The command line every stage shares: a description, and one readable paragraph for any failure."""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from stages.io.files import load_settings
from stages.io.lifetime import die_with_parent
from stages.lib.errors import DataError, printable


def stage_main(doc: str, run: Callable, summary: Callable[..., str] | None = None) -> Callable[[], None]:
    """A DVC stage's main(): ``--help`` prints ``doc`` (stages take no arguments: they read and write the
    catalog's paths, stages/io/paths.py, under the working directory), then ``run`` on the validated
    params.yaml, then the one line ``summary`` makes of what ``run`` returned."""

    def main() -> None:
        parser = argparse.ArgumentParser(
            description=doc.strip().splitlines()[0], epilog=doc, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        parser.parse_args()
        result = run(load_settings())
        if summary is not None:
            print(summary(result))

    return main


STOP_SIGNALS = {signal.SIGINT: 130, signal.SIGTERM: 143}  # exit code 128 + the signal's number, as shells report


@contextmanager
def interruptible() -> Iterator[list[int]]:
    """SIGINT and SIGTERM both raise KeyboardInterrupt in the main thread, so that a stage stopped by
    `kill` or by dvc cleans up exactly as one stopped by Ctrl-C (no partial outputs, no workers left).
    Yields the signals received. Only the first raises: Ctrl-C reaches every process of the terminal's
    group and dvc may pass it on again, and a second interruption must not cut the cleanup short."""
    received: list[int] = []

    def interrupt(number: int, frame) -> None:
        received.append(number)
        if len(received) == 1:
            raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield received
        return
    previous = {number: signal.signal(number, interrupt) for number in STOP_SIGNALS}
    try:
        yield received
    finally:
        if not received:  # once interrupted, the process is on its way out: keep ignoring repeats until it is gone
            for number, handler in previous.items():
                signal.signal(number, handler)


def run_cli(stage: str, main: Callable[[], None]) -> None:
    """Run a stage's main(): bad input or settings end in one paragraph and exit code 2, a bug in one
    paragraph that says where its traceback went and exit code 1, SIGINT or SIGTERM in one line and
    exit code 130 or 143 once the workers are stopped and the partial outputs removed; never a bare traceback."""
    if os.environ.get("DVC_STAGE"):  # run by DVC (it sets this): killed outright, DVC takes the stage with it
        die_with_parent()  # not otherwise: `nohup python -m stages.score ... &` must outlive its shell
    with interruptible() as received, reader_may_leave():
        try:
            main()
        except DataError as error:
            tell(f"{stage}: bad input: {error}")
            sys.exit(2)
        except FileNotFoundError as error:
            tell(f"{stage}: missing file: {error.filename}. Run `dvc pull` or `dvc repro` to create it.")
            sys.exit(2)
        except OSError as error:
            # pyarrow's writers raise OSError with the message only, no errno
            if error.errno not in (errno.ENOSPC, errno.EDQUOT) and "No space left on device" not in repr(error.args):
                raise_unexpected(stage, error)
            tell(f"{stage}: disk full: {no_space(error)}")
            sys.exit(2)
        except KeyboardInterrupt:
            # kill the workers joblib keeps for reuse (loky's executor): left alone, they outlive the stage;
            # loky's module global is read because get_reusable_executor() would start workers
            loky = getattr(sys.modules.get("joblib.externals.loky.reusable_executor"), "_executor", None)
            if loky is not None:
                loky.shutdown(wait=True, kill_workers=True)
            number = received[0] if received else signal.SIGINT
            name = signal.Signals(number).name
            tell(f"{stage}: interrupted ({name}); its partial outputs were removed.")
            sys.exit(STOP_SIGNALS[number])
        except Exception as error:
            raise_unexpected(stage, error)


class ReaderMayLeave:
    """stdout whose reader may stop reading (`make score ... | head`): the lines after it left are dropped and
    the work goes on, instead of a BrokenPipeError that would fail the command after it wrote its outputs."""

    def __init__(self, stream) -> None:
        self.stream, self.gone = stream, False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self.left()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self.left()

    def left(self) -> None:
        # what is still buffered goes to /dev/null, so that no later flush (at exit too) can fail again
        self.gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            with suppress(OSError, ValueError):  # a stream without a descriptor of its own keeps its buffer
                os.dup2(devnull, self.stream.fileno())
        finally:
            os.close(devnull)

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


@contextmanager
def reader_may_leave() -> Iterator[None]:
    """sys.stdout as `ReaderMayLeave` for the command's run, flushed and given back after."""
    original = sys.stdout
    if original is None or not hasattr(original, "fileno"):
        yield
        return
    sys.stdout = tolerant = ReaderMayLeave(original)
    try:
        yield
    finally:
        tolerant.flush()
        sys.stdout = original


def tell(paragraph: str) -> None:
    """A failure's paragraph on stderr. It quotes text from outside (cells, ids, file names, a bug's message):
    a control character in it is written as its escape, so it cannot move the cursor or rewrite the terminal."""
    print(printable(paragraph), file=sys.stderr)


def no_space(error: OSError) -> str:
    """One paragraph for a full disk: the folder, what is free there, and what to do."""
    folder = Path(error.filename).parent if error.filename else Path.cwd()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free / 2**20
    return (
        f"no space left while writing {error.filename or 'an output'} (the folder {folder} has {free:.0f} MiB free). "
        "Its partial outputs were removed. Free space there and run again: `score` and `review` need about the size "
        "of the month's exports free beside --out for the split and the partitions, a stage the size of its outputs."
    )


def raise_unexpected(stage: str, error: BaseException) -> None:
    """A bug, not the user's input: say so, keep the trace for whoever fixes it, exit 1."""
    # a new file per run, readable by its user only (mkstemp: O_EXCL, mode 0600), never a planted link
    handle, where = tempfile.mkstemp(prefix=f"one-click-{stage}-", suffix="-traceback.txt")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(traceback.format_exc())
    first_line = (str(error).splitlines() or [""])[0]
    tell(
        f"{stage}: failed unexpectedly ({type(error).__name__}: {first_line}). "
        f"This is a bug in the pipeline, not in your input; the full traceback is in {where}. "
        "Please report it with that file."
    )
    sys.exit(1)
