"""Rebuild the pipeline under two numerical-kernel settings and compare every output byte for byte.

    make kernels      # or: .venv/bin/python scripts/kernel_check.py [--keep]

Clones the committed HEAD twice into a temporary folder, copies the pulled raw data in, and runs
`dvc repro --force` in both at once: one with the kernels `stages/__init__.py` pins (OpenBLAS's
Prescott kernels, numpy's baseline SIMD, one thread), one with `STAGES_KERNELS=native` (the
machine's own fastest kernels, e.g. OpenBLAS Haswell and numpy's AVX2 loops here). Prints the md5
of models/, data/explained and dvc.lock under each, and every file that differs. Exit code 1 if any
output differs. Writes nothing that git tracks.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"pinned": {}, "native": {"STAGES_KERNELS": "native"}}
SUMMARISED = ("models", "data/explained", "data/prepared", "dvc.lock")


def clone(target: Path) -> None:
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    shutil.copytree(ROOT / "data/raw", target / "data/raw")
    (target / ".venv").symlink_to(ROOT / ".venv")


def md5_of(path: Path) -> str:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    digest = hashlib.md5()
    for file in files:
        digest.update(file.relative_to(path.parent).as_posix().encode() + hashlib.md5(file.read_bytes()).digest())
    return digest.hexdigest()


def outputs(root: Path) -> dict[str, str]:
    """md5 of every file the pipeline writes (committed or cached) and of dvc.lock."""
    folders = ("models", "data/prepared", "data/explained", "metrics", "plots", "reports")
    files = [p for folder in folders for p in (root / folder).rglob("*") if p.is_file()] + [root / "dvc.lock"]
    return {p.relative_to(root).as_posix(): hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(files)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the two clones")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kernel-check-"))
    base_env = {**os.environ, "PATH": f"{ROOT / '.venv/bin'}:{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"}
    runs = {}
    for name, extra in SETTINGS.items():
        clone(work / name)
        env = {k: v for k, v in base_env.items() if k != "STAGES_KERNELS"} | extra
        log = (work / f"{name}.log").open("w")
        runs[name] = subprocess.Popen(["dvc", "repro", "--force"], cwd=work / name, env=env, stdout=log, stderr=log)
    for name, process in runs.items():
        if process.wait() != 0:
            print(f"kernel check: the {name} rebuild failed; see {work / name}.log", file=sys.stderr)
            return 2
    hashes = {name: outputs(work / name) for name in SETTINGS}
    for target in SUMMARISED:
        print(f"{target:16} " + "  ".join(f"{name}: {md5_of(work / name / target)}" for name in SETTINGS))
    differing = sorted(f for f in hashes["pinned"] if hashes["pinned"][f] != hashes["native"].get(f))
    print(f"{len(hashes['pinned'])} output files compared; {len(differing)} differ" + (":" if differing else "."))
    for file in differing:
        print(f"  {file}")
    if not args.keep:
        shutil.rmtree(work)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
