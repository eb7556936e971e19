"""A test's Dask preload, after `stages.io.cluster_setup`: which libraries a worker imported only once tasks ran.

The cluster of tests/conftest.py starts each worker with both preloads in order; this one records the
worker's modules as `cluster_setup` left them, and `imported_since_setup` (run on each worker by `Client.run`)
names every library package or project module imported after that: what the first task had to import itself
(a library's own submodules, loaded lazily once its package is imported, are not counted).
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

AT_SETUP: set[str] = set()
LIBRARIES = (Path(sysconfig.get_paths()["purelib"]), Path(__file__).resolve().parents[1])  # site-packages, the repo


def dask_setup(worker=None) -> None:
    AT_SETUP.update(sys.modules)


def imported_since_setup() -> list[str]:
    """What the tasks imported after the setup: each library (site-packages) by its top-level package, and
    each module of this repository's `stages` by its own name."""
    new = {named(name) for name in sys.modules} - {named(name) for name in AT_SETUP}
    return sorted(name for name in new if library(sys.modules.get(name)))


def named(module: str) -> str:
    return module if module.startswith("stages.") else module.partition(".")[0]


def library(module) -> bool:
    """Loaded from a file in site-packages or this repository (not built in, frozen or a namespace package)."""
    spec = getattr(module, "__spec__", None)
    if spec is None or not spec.has_location:
        return False
    return any(Path(spec.origin).resolve().is_relative_to(root) for root in LIBRARIES)
