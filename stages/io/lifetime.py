"""A process that ends when its parent does: SIGKILL to `dvc repro` (which cannot be caught) must not leave
a stage, or the stage's workers, running on without anyone to read what they write. Stages ask for it only
when DVC runs them (stages/io/cli.py): a command started with `nohup … &` is meant to outlive its shell."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(number: int = signal.SIGTERM) -> None:
    """Ask Linux to send ``number`` to this process when its parent ends (elsewhere: nothing). SIGTERM
    lets a stage clean up as after `kill`; a worker ends at once. If the parent is already gone (this
    process was re-parented before the call), the signal is sent now."""
    if sys.platform != "linux":
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(number), 0, 0, 0) != 0:
        return  # not allowed here (a sandbox): the process simply outlives its parent as before
    if parent == 1:  # started by init or re-parented already: there is no parent whose end to wait for
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), number)
