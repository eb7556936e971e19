"""Time every stage of a full `dvc repro` from a clean workspace and print a table.

    make bench            # or: .venv/bin/python scripts/benchmark.py [--keep]

Clones the committed HEAD into a temporary folder, copies the pulled raw data in (so that no
network or remote is timed), and runs `dvc repro --force --single-item <stage>` for each stage in pipeline
order with a fresh DVC cache. Prints wall seconds and peak memory per stage, the explain stage's
own test-set explanation time, and the total against the 120 s target. Writes nothing that git
tracks: timings never enter the pipeline's outputs.
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
STAGES = ["prepare", "eda", "train", "evaluate", "explain", "segment"]
TARGET_SECONDS = 120


def run(command: list[str], cwd: Path, env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"benchmark: `{' '.join(command)}` failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds, result.stdout


def peak_child_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux


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
    rows, total = [], 0.0
    print(f"benchmark: {os.cpu_count()} cores; clean clone of HEAD in {clone}", flush=True)
    for stage in STAGES:
        seconds, output = run([str(venv_bin / "dvc"), "repro", "--force", "--single-item", stage], clone, env)
        total += seconds
        rows.append((stage, seconds, peak_child_megabytes()))
        print(f"  {stage:10s} {seconds:6.1f} s", flush=True)
        if stage == "explain":
            found = re.search(r"test set \((\d+) customers\) explained in ([\d.]+) s", output)
            explain_note = (
                f"explain: test set of {found.group(1)} customers explained in {found.group(2)} s"
                if found
                else "explain: no timing line found"
            )
    print()
    print("| stage | seconds | peak memory so far (MB) |\n|---|---:|---:|")
    for stage, seconds, megabytes in rows:
        print(f"| {stage} | {seconds:.1f} | {megabytes:.0f} |")
    print(f"| **total** | **{total:.1f}** | |")
    print()
    print(explain_note)
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    print(f"total {total:.1f} s: {verdict} the {TARGET_SECONDS} s target (includes DVC's own overhead per stage)")
    if args.keep:
        print(f"kept {workspace}")
    else:
        shutil.rmtree(workspace)


if __name__ == "__main__":
    main()
