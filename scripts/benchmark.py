"""Time a full `dvc repro` from a clean workspace, stage by stage, and a no-op `dvc repro` after it.

    make bench            # or: .venv/bin/python scripts/benchmark.py [--keep]

Clones the committed HEAD into a temporary folder, copies the pulled raw data in (so that no
network or remote is timed), runs one `dvc repro --force` with an empty DVC cache and notes when DVC starts
each stage, then runs `dvc repro` again, which must find nothing to do. Prints a table against the
targets; writes nothing that git tracks: timings never enter the pipeline's outputs.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"total": 90.0, "explain": 10.0, "no-op": 2.0}  # seconds: issue 22 (issue "three floors" asked 60 s in all)
STARTING = re.compile(r"Running stage '(\w+)'")


def timed_repro(dvc: Path, cwd: Path, env: dict, *options: str) -> tuple[float, dict[str, float], str]:
    """(total seconds, seconds per stage from DVC's start lines, output) of one `dvc repro`."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(dvc), "repro", *options], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    marks, lines = [], []
    for line in process.stdout:
        lines.append(line)
        found = STARTING.search(line)
        if found:
            marks.append((found.group(1), time.perf_counter()))
    total = time.perf_counter() - started
    if process.wait() != 0:
        sys.exit("benchmark: `dvc repro` failed:\n" + "".join(lines[-40:]))
    ends = [t for _, t in marks[1:]] + ([started + total] if marks else [])
    return total, {stage: end - begin for (stage, begin), end in zip(marks, ends, strict=True)}, "".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    args = parser.parse_args()
    if not (ROOT / "data/raw/market_file.csv").exists():
        sys.exit("benchmark: data/raw is missing; run `make pull` first")
    workspace = Path(tempfile.mkdtemp(prefix="bench-"))
    clone = workspace / "project"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    shutil.copytree(ROOT / "data/raw", clone / "data/raw")
    venv_bin = ROOT / ".venv" / "bin"
    env = {**os.environ, "PATH": f"{venv_bin}:{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1", "MPLBACKEND": "Agg"}
    print(f"benchmark: {os.cpu_count()} cores; clean clone of HEAD in {clone}", flush=True)
    total, stages, output = timed_repro(venv_bin / "dvc", clone, env, "--force")  # every stage, none skipped
    no_op, ran, _ = timed_repro(venv_bin / "dvc", clone, env)
    if ran:
        sys.exit(f"benchmark: a second `dvc repro` reran {sorted(ran)}: the pipeline is not reproducible as locked")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("\n| step | seconds | target |\n|---|---:|---:|")
    for stage, seconds in stages.items():
        print(f"| {stage} | {seconds:.1f} | {TARGETS.get(stage, '')} |")
    print(f"| **full `dvc repro`** | **{total:.1f}** | {TARGETS['total']:.0f} |")
    print(f"| no-op `dvc repro` | {no_op:.1f} | {TARGETS['no-op']:.0f} |")
    print(f"\npeak memory of one stage: {peak:.0f} MB")
    found = re.search(r"(\d+) customers explained in ([\d.]+) s", output)
    if found:
        print(f"explain: {found.group(1)} customers explained in {found.group(2)} s (its own clock, after imports)")
    misses = [
        name
        for name, seconds in (("total", total), ("explain", stages.get("explain", 0)), ("no-op", no_op))
        if seconds > TARGETS[name]
    ]
    print("targets: " + ("all met" if not misses else f"missed {', '.join(misses)}"))
    if args.keep:
        print(f"kept {workspace}")
    else:
        shutil.rmtree(workspace)


if __name__ == "__main__":
    main()
