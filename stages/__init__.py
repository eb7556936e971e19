"""DVC pipeline stages for the «В один клик» customer-activity project.

Three floors: each ``stages/<name>.py`` wires one stage (``python -m stages.<name>``: read, call,
hand over, write); ``stages/lib`` computes (pure functions, no I/O, no drawing); ``stages/report``
presents (figures and generated reports). ``stages/io`` is the only code that touches disk, and
``stages/io/paths.py`` the only place a path is written.
"""

import os
import platform
import sys

# Numerical kernels are pinned before numpy, scipy or OpenBLAS load (this package is imported first by
# every `python -m stages.<name>`), so that any x86-64 CPU computes the same bits: OpenBLAS's oldest
# x86-64 kernels, numpy's SIMD loops limited to its baseline (x86-64-v2), and one BLAS/OpenMP thread so
# that no reduction order depends on the number of cores. `STAGES_KERNELS=native` keeps the machine's
# own fastest kernels (scripts/kernel_check.py rebuilds under both and compares the bytes).
PINNED_KERNELS = {
    "OPENBLAS_CORETYPE": "Prescott",
    "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}
STARTED_WITH = {name: os.environ.get(name) for name in PINNED_KERNELS}
if os.environ.get("STAGES_KERNELS", "pinned") != "native" and platform.machine() in ("x86_64", "AMD64"):
    os.environ.update(PINNED_KERNELS)
# What numpy actually runs with: the environment it loaded under (a Dask worker loads it before this).
KERNELS = STARTED_WITH if "numpy" in sys.modules else {name: os.environ.get(name) for name in PINNED_KERNELS}
