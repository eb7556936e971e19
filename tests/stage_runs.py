"""Run a stage's command line as a user would, and read what it wrote for Excel.

`run_stage` runs `python -m stages.<name> ARGS` inside the test process: the same `run_cli` wrapper,
argument parsing, working directory, exit code, stdout and stderr, without the 1–2 s an interpreter
needs to start and import pandas, scikit-learn and shap. `run_stage_process` starts the real
subprocess; each command keeps one test with it, the end-to-end proof of its exit code and paragraph.
"""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
import threading
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from stages.io.cli import run_cli

ROOT = Path(__file__).resolve().parents[1]


def run_stage(stage: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m stages.<stage> *args`` in ``cwd``, run in this process; returns what the process would."""
    module = importlib.import_module(f"stages.{stage}")
    out, err = io.StringIO(), io.StringIO()
    argv, previous, running = sys.argv, Path.cwd(), set(threading.enumerate())
    sys.argv = [f"{module.__file__}", *args]
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            run_cli(stage, module.main)
        code = 0
    except SystemExit as stopped:  # run_cli and argparse end every failure (and --help) with sys.exit
        code = stopped.code if isinstance(stopped.code, int) else int(stopped.code is not None)
    finally:
        # an interpreter waits at exit for the threads the command started (a scratch folder's removal):
        # so does this, or a test could look at the folder while it is still being removed
        for thread in set(threading.enumerate()) - running:
            if not thread.daemon:
                thread.join()
        os.chdir(previous)
        sys.argv = argv
    return subprocess.CompletedProcess(
        [sys.executable, "-m", f"stages.{stage}", *args], code, out.getvalue(), err.getvalue()
    )


def score_month(root: Path, month: Path, out: Path, *extra: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`python -m stages.score` of ``month`` into ``out`` with the model and reference of the workspace ``root``."""
    models, reference = root / "models", root / "reports/drift_reference.json"
    arguments = ["--raw", str(month), "--out", str(out), "--models", str(models), "--reference", str(reference)]
    return run_stage("score", *arguments, *extra, cwd=cwd)


def run_stage_process(
    stage: str, *args: str, cwd: Path = ROOT, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m stages.<stage>`` as a user would, in its own interpreter; returns the finished process
    (``timeout``: seconds, for a command that might hang, e.g. on a named pipe)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    command = [sys.executable, "-m", f"stages.{stage}", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout)


def read_action_list(path: Path):
    """An action list as Excel with a Russian locale reads it (`;`, decimal comma, UTF-8 with BOM), in either
    language, read back into the codes and shares the decision uses (headers, actions, offers, consent, risk
    bands, segments, the shop's category labels; percentages back to shares), so tests compare it with the
    partitions and the record. Asserts that the file is wholly in one language."""
    import pandas as pd

    from stages.lib.decision.offers import ACTION_ORDER, COLUMNS
    from stages.lib.words import SHOP_LABELS, TABLES

    assert Path(path).read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    language = next(lang for lang, t in TABLES.items() if frame.columns[0] == t["column.priority"])
    table = TABLES[language]
    assert list(frame.columns) == [table[f"column.{c}"] for c in COLUMNS], list(frame.columns)
    frame.columns = list(COLUMNS)
    text = frame.select_dtypes(exclude="number").columns
    frame[text] = frame[text].fillna("")
    offers = {v: k.removeprefix("offer.") for k, v in table.items() if k.startswith("offer.")}
    segments = {v: k.removeprefix("segment.") for k, v in table.items() if k.startswith("segment.")}
    categories = {raw: code for code, raw in SHOP_LABELS["favourite_category"].items()}
    high, low = (table[f"risk.{band}"].split("{")[0] for band in ("high", "low"))
    frame["action"] = frame["action"].map({table[f"act.{a}"]: a for a in ACTION_ORDER})
    frame["offer"] = frame["offer"].map(lambda name: offers.get(name, name))
    frame["segment"] = frame["segment"].map(lambda name: segments.get(name, name))
    frame["allows_offers"] = frame["allows_offers"].map({table["yes"]: "yes", table["no"]: "no", "": ""})
    frame["favourite_category"] = frame["favourite_category"].map(lambda label: categories.get(label, label))
    frame["risk_band"] = frame["risk_band"].map(
        lambda b: "high" if b.startswith(high) else "low" if b.startswith(low) else ""
    )
    for column in ("probability", "offer_effect"):
        frame[column] = frame[column] / 100
    assert frame["action"].notna().all() and frame["allows_offers"].notna().all()
    frame.attrs["language"] = language
    return frame


def params_with_scale(folder: Path, **scale) -> Path:
    """params.yaml with some of its ``scale`` settings changed, written in ``folder`` under a name that says
    which: the file a test gives `--params` (the month's reading, partitioning or ranges)."""
    import yaml

    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["scale"].update(scale)
    path = Path(folder) / ("params_" + "_".join(f"{k}{v}" for k, v in sorted(scale.items())) + ".yaml")
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def unlimited_params(folder: Path, params: dict, **scale) -> Path:
    """``params`` with no limit on contacts or money (every customer who allows offers is contacted or held out,
    so each group is large enough to review) and some ``scale`` settings changed, as ``folder``/params.yaml."""
    import yaml

    unlimited = {**params, "budget": {"contacts": None, "money": None}, "scale": {**params["scale"], **scale}}
    path = Path(folder) / "params.yaml"
    path.write_text(yaml.safe_dump(unlimited, allow_unicode=True), encoding="utf-8")
    return path


def month_and_outcomes(folder: Path, n: int) -> tuple[Path, Path]:
    """A month of ``n`` customers without defects (``folder``/2026-09) and its outcomes three months later
    (``folder``/2026-12): the same customers, now with the activity column."""
    from tests.synthetic import make_raw, write_raw

    month = write_raw(make_raw(n=n, seed=21, defects=False, with_target=False), Path(folder) / "2026-09")
    outcomes = write_raw(make_raw(n=n, seed=21, defects=False, with_target=True), Path(folder) / "2026-12")
    return month, outcomes


def a_review(label: str = "2026-09", updates: dict | None = None) -> dict:
    """The smallest review `review` could have written: one offer without a control group, the model as
    expected, and ``updates`` (offer name -> its effect's update) for `adopt_effects`."""
    quality = {
        "customers": 300, "roc_auc": 0.9, "roc_auc_ci95_low": 0.85, "roc_auc_ci95_high": 0.95, "roc_auc_floor": 0.8,
        "calibration_error": 0.02, "calibration_error_limit": 0.05, "verdict": "as_expected",
        "verdict_reason": "within", "why": "ROC-AUC 0.900 is not below the test band's low end 0.800",
    }  # fmt: skip
    not_measured = {"treated": 10, "control": 0, "measurable": False, "enough_data": False}
    return {
        "kind": "campaign_review",
        "campaign_label": label,
        "model": quality,
        "offers": {"cross_category_bundle": {**not_measured, "assumed_effect": 0.12}},
        "campaign": {**not_measured, "lost_to_follow_up": 0},
        "effects": {"rule": "normal-normal", "offers": updates or {}, "dvc_exp_run_set": []},
    }
