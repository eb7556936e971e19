"""How reading, validation and scoring scale with the number of customers (issue 14).

    make bench-scale            # every size in params.yaml `scale.customers`
    make bench-scale N=130000   # one size
    .venv/bin/python scripts/bench_scale.py [--n N ...] [--steps bare-read score ...] [--workers 1 2 4] [--keep]

For each N, writes synthetic exports of N customers (scripts/make_scale_data.py: real rows
re-sampled and re-numbered, the files' dialects kept) into a temporary folder, then runs each step
in its own process and prints wall time, customers per second, the process's peak RSS (which for
processes forked from `score` counts the pages they share with it in each of them) and, sampled every
half second, the peak PSS of the process and its descendants (shared pages counted once in all):

* ``validate``: `prepare`-style reading and validation of the four exports (read_month: the cell
  rules in chunks of ``scale.chunk_rows``, one partition in memory; check_customers), nothing written;
* ``prepare``: the whole `prepare` stage in a scratch workspace;
* ``score``: `python -m stages.score` with the committed model, on its own process (the local engine);
* ``score-dask``: the same command with ``--scheduler`` pointing at a local `dask.distributed` cluster
  of 2 single-threaded workers this script starts afresh for each N, scheduler and workers preloaded as the
  README starts a team's (``--preload stages.io.cluster_setup``: the libraries imported as they start, the
  time that takes in the note as the cluster's start; ``--no-preload``: without it, the first run's tasks
  wait for those imports). Peak RSS: the `score` process, and the largest worker's, read from the workers;
* ``bare-read``: pyarrow's bare ``read_csv`` of the same four files, nothing checked or typed beyond what
  pyarrow infers: the floor the split's reading is compared with (issue 22: within 3x of it);
* ``review``, ``review-dask``: `python -m stages.review` of the campaign record the ``score`` step wrote,
  with the same exports as the outcomes (make_scale_data.py keeps «Покупательская активность»), on the
  same partitions and executors (run ``score`` first).

``--again`` runs each ``*-dask`` step a second time on the same cluster (its row: ``score-dask, again``):
the fixed cost of a run on a cluster that outlives it, whose workers have already loaded the model (and,
with ``--no-preload``, imported the libraries), where the first run on a fresh cluster pays for that too.

``--workers 1 2 4 8 16`` runs ``score-dask`` once per worker count, each on a fresh cluster of that many
single-threaded workers, and prints throughput and speed-up over the first count (on a 2-core machine
anything above 2 workers only shares the 2 cores).

``validate`` and ``prepare`` are measured up to ``WHOLE_MONTH_UP_TO`` customers only: `prepare` holds
the whole month in memory on purpose (it builds the training set of a few thousand customers), so
ten million would measure nothing anyone runs. Timings never enter the pipeline's outputs; the
generated data is deleted unless --keep.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
STEPS = ("bare-read", "validate", "prepare", "score", "score-dask", "review", "review-dask")
PSS_EVERY = 0.5  # seconds between samples of the process tree's memory (each reads its page tables)
WHOLE_MONTH_UP_TO = 1_300_000  # validate and prepare beyond this: skipped (see the docstring)
MODELS = ROOT / "models"  # the saved model `score` uses (`make pull` or `dvc repro train`)
VALIDATE = (
    "import sys; from pathlib import Path; "
    "from stages.io.files import load_settings; from stages.io.partitions import read_month, reading_of; "
    "from stages.lib.data.quality import QualityLog; from stages.lib.data.customer_rules import check_customers; "
    "s, log = load_settings(Path(sys.argv[2])), QualityLog(); "
    "typed = read_month(Path(sys.argv[1]), log, reading_of(s.scale)); "
    "check_customers(typed, s.prepare.drop_exact_duplicate_rows, log)"
)

BARE_READ = (  # the delimiter from the first 4 KiB (the shop's money.csv uses ';'), everything else pyarrow's
    "import sys; from pathlib import Path; import pyarrow.csv as pc; "
    "[pc.read_csv(f, parse_options=pc.ParseOptions(delimiter=';' if b';' in open(f, 'rb').read(4096) else ',')) "
    "for f in sorted(Path(sys.argv[1]).glob('*.csv'))]"
)


def tree_pss(root: int) -> float:
    """The proportional set size of process ``root`` and its descendants now, in GiB (0 without Linux's
    /proc): each page shared by several processes counted once in all, where the RSS of a process forked
    from `score` counts every page it shares with `score` again."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):  # a process that ended meanwhile
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        with suppress(OSError):
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            total += sum(int(line.split()[1]) for line in lines if line.startswith("Pss:"))
    return total / 2**20  # kB


def sampled_peak(pid: int, done: threading.Event, peak: list[float]) -> None:
    """The highest `tree_pss` of ``pid``, sampled every PSS_EVERY seconds until ``done``, into ``peak``."""
    while not done.wait(PSS_EVERY):
        peak[0] = max(peak[0], tree_pss(pid))


def measured(command: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS in GiB, exit code, where `score` says its time went and the peak PSS of its
    process tree) of one child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "DVC_NO_ANALYTICS": "1"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:  # files: a full pipe never blocks it
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        done, peak = threading.Event(), [0.0]
        sampler = threading.Thread(target=sampled_peak, args=(process.pid, done, peak))
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        out.seek(0), err.seek(0)
        lines, error = out.read().decode(errors="replace").splitlines(), err.read().decode(errors="replace").strip()
    code = os.waitstatus_to_exitcode(status)
    if code:
        print(f"  exit {code}: {error[-600:]}", file=sys.stderr)
    phases = next((line.removeprefix("score: ") for line in lines if line.startswith("score: split ")), "")
    pss = f"process tree's peak PSS {peak[0]:.2f} GiB" if peak[0] else ""
    return wall, usage.ru_maxrss / 2**20, code, "; ".join(filter(None, [phases, pss]))  # ru_maxrss: KiB on Linux


def step_command(step: str, raw: Path, work: Path) -> tuple[list[str], Path]:
    if step == "bare-read":
        return [PYTHON, "-c", BARE_READ, str(raw)], ROOT
    if step == "validate":
        return [PYTHON, "-c", VALIDATE, str(raw), str(ROOT / "params.yaml")], ROOT
    if step == "prepare":
        (work / "data").mkdir(parents=True, exist_ok=True)
        link = work / "data" / "raw"
        if not link.exists():
            link.symlink_to(raw, target_is_directory=True)
        shutil.copy(ROOT / "params.yaml", work / "params.yaml")
        return [PYTHON, "-m", "stages.prepare"], work
    if step.startswith("review"):
        review = work / step / "review.json"
        review.parent.mkdir(parents=True, exist_ok=True)
        record = work / "score" / "scores.campaign.parquet"
        return [
            PYTHON,
            "-m",
            "stages.review",
            "--campaign",
            str(record),
            "--outcomes",
            str(raw),
            "--out",
            str(review),
        ], ROOT
    out = work / step / "scores.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    params = work / "params_en.yaml"  # the console in English, so that the timings line reads the same everywhere
    settings = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    english = {**settings, "report": {**settings["report"], "language": "en"}}
    params.write_text(yaml.safe_dump(english, allow_unicode=True), encoding="utf-8")
    command = [PYTHON, "-m", "stages.score", "--raw", str(raw), "--out", str(out), "--models", str(MODELS)]
    return [*command, "--params", str(params)], ROOT


def worker_peak_rss() -> float:
    """This process's peak RSS in GiB (run on each Dask worker)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def run_step(
    step: str, raw: Path, work: Path, workers: int = 2, again: bool = False, preload: bool = True
) -> list[tuple]:
    """(step, wall s, peak RSS GiB, exit code, note) of one step; *-dask on a fresh local cluster of ``workers``
    (``preload``: its scheduler and workers started with stages.io.cluster_setup), and with ``again`` once
    more on the same cluster: what a run costs a cluster that outlives it (its workers have loaded the model)."""
    if not step.endswith("-dask"):
        return [(step, *measured(*step_command(step, raw, work)))]
    from distributed import Client, LocalCluster

    sys.path.insert(0, str(ROOT))  # `python scripts/bench_scale.py` puts scripts/, not the root, on the path
    import stages  # noqa: F401  (pins the numerical kernels in os.environ: the workers inherit them)

    os.environ["PYTHONPATH"] = str(ROOT)  # the workers import `stages` like the score process does
    started = time.perf_counter()
    setup = ["stages.io.cluster_setup"]  # on the scheduler too: it unpickles each run's tasks
    preloads = {"preload": setup, "scheduler_kwargs": {"preload": setup}} if preload else {}
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None, **preloads)
    start_note = (
        f"cluster started in {time.perf_counter() - started:.1f} s ({'preloaded' if preload else 'not preloaded'})"
    )
    results = []
    with cluster, Client(cluster) as client:
        for name in [step, f"{step}, again"][: 1 + again]:
            shutil.rmtree(work / step, ignore_errors=True)  # the first run's outputs: each run starts bare
            command, cwd = step_command(step, raw, work)
            wall, rss, code, phases = measured([*command, "--scheduler", cluster.scheduler_address], cwd)
            peaks = client.run(worker_peak_rss)
            largest = f"largest worker {max(peaks.values()):.2f} GiB"
            notes = [phases, largest, start_note if name == step else ""]
            results.append((name, wall, rss, code, "; ".join(filter(None, notes))))
    return results


def scaling(n: int, raw: Path, work: Path, counts: list[int], preload: bool = True) -> list[tuple]:
    """``score-dask`` once per worker count, each on a fresh cluster: rows of the table, speed-up over the first."""
    rows, first = [], None
    for workers in counts:
        ((_, wall, rss, code, note),) = run_step("score-dask", raw, work, workers, preload=preload)
        first = first or wall
        status = ("ok" if code == 0 else f"exit {code}") + f"; workers: {workers}, speed-up {first / wall:.2f}x"
        rows.append((n, f"score-dask x{workers}", wall, n / wall, rss, f"{status}; {note}"))
        print(f"  x{workers:<3} {wall:8.1f} s {n / wall:10.0f} customers/s  speed-up {first / wall:5.2f}x  {note}")
    return rows


def run_size(
    n: int, steps: list[str], scratch: Path, workers: list[int] | None, again: bool, preload: bool
) -> list[tuple]:
    raw = scratch / f"raw_{n}"
    started = time.perf_counter()
    subprocess.run([PYTHON, str(ROOT / "scripts" / "make_scale_data.py"), str(n), str(raw)], check=True)
    size = sum(f.stat().st_size for f in raw.iterdir()) / 2**20
    print(f"N={n}: generated {size:.0f} MiB of exports in {time.perf_counter() - started:.0f} s", flush=True)
    rows = []
    for step in steps:
        if step in ("validate", "prepare") and n > WHOLE_MONTH_UP_TO:
            print(f"  {step:<10} skipped above {WHOLE_MONTH_UP_TO:,} customers", flush=True)
            continue
        for name, wall, rss, code, note in run_step(step, raw, scratch / f"work_{n}", again=again, preload=preload):
            status = ("ok" if code == 0 else f"exit {code}") + (f"; {note}" if note else "")
            rows.append((n, name, wall, n / wall, rss, status))
            rate = f"{wall:8.1f} s {n / wall:10.0f} customers/s  peak RSS {rss:5.2f} GiB"
            print(f"  {name:<10} {rate}  {status}", flush=True)
    return rows + (scaling(n, raw, scratch / f"work_{n}", workers, preload) if workers else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", help="sizes (default: params.yaml scale.customers)")
    parser.add_argument("--steps", nargs="*", choices=STEPS, default=list(STEPS))
    parser.add_argument("--workers", type=int, nargs="*", help="score-dask once per worker count: speed-up")
    parser.add_argument("--again", action="store_true", help="each *-dask step once more on the same cluster")
    parser.add_argument("--no-preload", action="store_true", help="clusters started without stages.io.cluster_setup")
    parser.add_argument("--keep", action="store_true", help="keep the generated exports and outputs")
    args = parser.parse_args()
    sizes = args.n or yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))["scale"]["customers"]
    scratch = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    rows = []
    try:
        for n in sizes:
            rows += run_size(n, args.steps, scratch, args.workers, args.again, not args.no_preload)
            shutil.rmtree(scratch / f"raw_{n}", ignore_errors=True) if not args.keep else None
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print(
        "\n| customers | step | wall s | customers/s | peak RSS GiB | status |"
        "\n| ---: | --- | ---: | ---: | ---: | --- |"
    )
    for n, step, wall, rate, rss, status in rows:
        print(f"| {n:,} | {step} | {wall:.1f} | {rate:,.0f} | {rss:.2f} | {status} |")


if __name__ == "__main__":
    main()
