"""One scoring path, two executors (issue 14): whatever the executor (this process or a Dask cluster of two
workers) and however many partitions, `score` writes the same bytes and counts the same rules."""

from __future__ import annotations

import platform

import numpy as np
import pandas as pd
import pytest
from distributed import LocalCluster

from stages.io.executor import Local, allocate_like_glibc
from stages.io.files import load_settings, read_json
from stages.io.model_store import load_model
from stages.io.monthly_run import explainer, read_customers, score_in_parts, scratch_folder
from stages.io.partitions import MIN_PART_CUSTOMERS, PARTS_PER_WORKER, by_partition, count_parts, part_of
from stages.io.process_pool import worker_pool
from stages.io.workers import month_shap
from stages.lib.decision.candidates import explanation_queue
from stages.lib.decision.unseen_labels import model_view
from stages.lib.schema import ID
from tests.stage_runs import month_and_outcomes, params_with_scale, run_stage, score_month, unlimited_params
from tests.synthetic import make_raw, write_raw


def params_with(tmp_path, chunk_rows: int):
    return params_with_scale(tmp_path, chunk_rows=chunk_rows, partition_customers=chunk_rows)


def score(root, month, out, params, *extra):
    result = score_month(root, month, out, "--params", str(params), *extra)
    assert result.returncode == 0, result.stderr
    return result


def written(out, result):
    parts = pd.read_parquet(out.with_suffix(".parts")).sort_values("id").reset_index(drop=True)
    console = result.stdout.splitlines()[:-2]  # the last lines: the folder, the partition count, timings
    return out.read_bytes(), out.with_suffix(".html").read_bytes(), parts, console


def test_customer_ids_with_a_common_stride_still_spread_over_every_partition():
    for stride in (1, 2, 100, 1000):
        counts = np.bincount(part_of(np.arange(1, 20_001) * stride, 10), minlength=10)
        assert counts.min() > 1_500, (stride, counts)


def test_rows_are_grouped_by_partition_in_file_order_within_each():
    rng = np.random.default_rng(5)
    for parts in (1, 101, 2**16, 2**16 + 1):
        part = rng.integers(0, parts, 50_000)
        order = by_partition(part, parts)
        assert np.array_equal(order, np.argsort(part, kind="stable")), parts  # numpy's merge sort of int64


def test_every_engine_and_partitioning_writes_the_same_bytes(workspace, odd_month, tmp_path, cluster):
    root, _ = workspace
    runs = {
        "one partition": (params_with(tmp_path, 100_000), ()),
        "ten partitions": (params_with(tmp_path, 10), ()),
        "ten partitions on dask": (params_with(tmp_path, 10), ("--scheduler", cluster)),
    }
    outputs = {}
    for name, (params, extra) in runs.items():
        out = tmp_path / name.replace(" ", "_") / "month.csv"
        out.parent.mkdir()
        result = score(root, odd_month, out, params, *extra)
        outputs[name] = written(out, result)
        assert len(list(out.with_suffix(".parts").glob("part-*.parquet"))) == (1 if name == "one partition" else 10)
    first = outputs.pop("one partition")
    for name, (csv, page, parts, console) in outputs.items():
        assert csv == first[0], name
        assert page.replace(b"ten_partitions_on_dask", b"").replace(b"ten_partitions", b"") == first[1].replace(
            b"one_partition", b""
        ), name
        pd.testing.assert_frame_equal(parts, first[2], check_exact=True)
        assert console == first[3], name


def test_a_preloaded_worker_imports_no_library_when_the_tasks_come(workspace, tmp_path, cluster):
    """`--preload stages.io.cluster_setup` readies a worker for every task of a run (the split, a partition's
    score, the reasons' SHAP, the review's outcomes): no task is left a library package or a project module
    to import on a fresh cluster."""
    from dask.utils import key_split
    from distributed import Client, get_task_stream

    from tests.worker_imports import imported_since_setup

    root, repo_params = workspace
    params = unlimited_params(tmp_path, repo_params, chunk_rows=100, partition_customers=100)  # both workers score
    month, outcomes = month_and_outcomes(tmp_path, 300)
    out = tmp_path / "scores" / "month.csv"
    on_cluster = ("--params", str(params), "--scheduler", cluster)
    review = ["--campaign", str(out.with_suffix(".campaign.parquet")), "--outcomes", str(outcomes)]
    review += ["--out", str(tmp_path / "review.json"), "--band", str(root / "reports/test_band.json")]
    with Client(cluster, set_as_default=False) as client, get_task_stream(client) as stream:
        scored = score_month(root, month, out, *on_cluster)
        assert scored.returncode == 0, scored.stderr
        reviewed = run_stage("review", *review, *on_cluster)
        assert reviewed.returncode == 0, reviewed.stderr
        imported = client.run(imported_since_setup)
    ran = {key_split(task["key"]) for task in stream.data}
    assert {"run", "score_part", "outcome_part"} <= ran, ran  # the split, the partitions, the outcomes
    assert ran & {"calibrated_tree_shap", "exact_shap", "probability_of_decline"}, ran  # the reasons' SHAP
    assert imported == dict.fromkeys(imported, []) and len(imported) == 2


def scored_in_parts(root, month, tmp_path, chunk_rows):
    settings = load_settings(params_with(tmp_path, chunk_rows))
    model, reference = root / "models" / "model.skops", read_json(root / "reports/drift_reference.json")
    out = tmp_path / f"parts_{chunk_rows}"
    out.mkdir()
    with scratch_folder(tmp_path) as split_to:
        return score_in_parts(Local(), month, split_to, out, model, settings, reference)


def test_ten_partitions_give_what_one_partition_gives(workspace, odd_month, tmp_path):
    root, _ = workspace
    whole, month = scored_in_parts(root, odd_month, tmp_path, 100_000), scored_in_parts(root, odd_month, tmp_path, 10)
    assert (whole.parts, month.parts) == (1, 10)
    for name in ("compact", "left_out", "flagged"):
        pd.testing.assert_frame_equal(getattr(month, name), getattr(whole, name), check_exact=True)
    np.testing.assert_equal(month.drift, whole.drift)
    partitioned_rules = {k: v for k, v in month.log.as_dict()["rules"].items() if v["rows"]}
    whole_rules = {k: v for k, v in whole.log.as_dict()["rules"].items() if v["rows"]}
    assert partitioned_rules == whole_rules and whole_rules["exact_duplicate_rows"]["rows"] == 1
    assert whole_rules["label_typos"]["rows"] > 0 and whole_rules["extreme_revenue"]["rows"] > 0
    assert month.log.as_dict()["rows_read"] == whole.log.as_dict()["rows_read"]
    assert whole.log.as_dict()["rows_read"]["market_file.csv"] == 93  # 90 + 2 duplicate customers + 1 repeated row
    assert list(month.flagged["id"]) == [100_005, 100_006]


def test_a_rule_broken_inside_a_partition_names_its_customer_and_stops_the_run(workspace, tmp_path):
    raw = make_raw(n=60, seed=8, with_target=False)
    time = raw["market_time"]
    raw["market_time"] = time.drop(time.index[time["id"] == 100_017][:1])  # one period missing
    month = write_raw(raw, tmp_path / "month")
    root, _ = workspace
    out = tmp_path / "scores.csv"
    result = run_stage(
        "score", "--raw", str(month), "--out", str(out), "--models", str(root / "models"),
        "--reference", str(root / "reports/drift_reference.json"), "--params", str(params_with(tmp_path, 10)),
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "market_time.csv" in result.stderr and "lack some of the periods" in result.stderr
    assert "100017" in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".split-*"))
    assert not list(out.with_suffix(".parts").glob("part-*.parquet"))  # the partitions scored before it: gone


def test_a_rule_broken_in_several_partitions_is_one_paragraph_counting_them_all(workspace, tmp_path, cluster):
    """Conflicting keys in three customers that fall into different partitions: the month's paragraph counts
    every row and names every customer, as one partition would, whatever the executor."""
    raw = make_raw(n=60, seed=8, with_target=False)
    money = raw["money"]
    conflicting = [100_003, 100_020, 100_030]
    copies = money[money["id"].isin(conflicting)].assign(Прибыль=lambda m: m["Прибыль"] + 1)
    raw["money"] = pd.concat([money, copies], ignore_index=True)
    month = write_raw(raw, tmp_path / "month")
    parts = count_parts(month / "market_file.csv", 10)
    assert len(set(part_of(np.array(conflicting), parts))) > 1  # they fall into different partitions
    root, _ = workspace
    runs = {"one": (params_with(tmp_path, 100_000), ()), "ten": (params_with(tmp_path, 10), ())}
    runs["ten on dask"] = (runs["ten"][0], ("--scheduler", cluster))
    paragraphs = set()
    for name, (params, extra) in runs.items():
        result = run_stage(
            "score", "--raw", str(month), "--out", str(tmp_path / f"{name}.csv"), "--models", str(root / "models"),
            "--reference", str(root / "reports/drift_reference.json"), "--params", str(params), *extra,
        )  # fmt: skip
        assert result.returncode == 2 and "Traceback" not in result.stderr, name
        paragraphs.add(result.stderr)
    (paragraph,) = paragraphs
    assert "6 row(s) repeat an id with conflicting values" in paragraph
    assert "Example ids: 100003, 100020, 100030." in paragraph


def test_workers_with_other_numerical_kernels_are_refused(workspace, odd_month, tmp_path):
    root, _ = workspace
    other = {"OPENBLAS_CORETYPE": "Haswell"}  # what a worker started without the pinned environment would use
    free_port = {"dashboard_address": ":0"}  # its HTTP routes: 8787 may be taken by another cluster here
    with LocalCluster(
        n_workers=1, threads_per_worker=1, dashboard_address=None, env=other, scheduler_kwargs=free_port
    ) as local:
        result = run_stage(
            "score", "--raw", str(odd_month), "--out", str(tmp_path / "month.csv"), "--models", str(root / "models"),
            "--reference", str(root / "reports/drift_reference.json"), "--scheduler", local.scheduler_address,
        )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "numerical kernels" in result.stderr and "OPENBLAS_CORETYPE" in result.stderr
    assert not (tmp_path / "month.csv").exists()


def test_a_cluster_gets_partitions_for_every_worker_but_none_too_small(tmp_path):
    """By size alone, 200 000 lines in partitions of 250 000 would be one task; workers get three each,
    unless a partition would fall under MIN_PART_CUSTOMERS."""
    market = tmp_path / "market_file.csv"
    market.write_bytes(b"id\n" + b"1\n" * 199_999)  # 200 000 lines
    assert count_parts(market, 250_000) == 1 == count_parts(market, 250_000, workers=1)
    assert count_parts(market, 250_000, workers=2) == 2 * PARTS_PER_WORKER
    assert count_parts(market, 250_000, workers=16) == 200_000 // MIN_PART_CUSTOMERS  # 10, not 48
    assert count_parts(market, 10_000, workers=2) == 20  # size decides when it asks for more


def test_the_rows_read_ahead_for_the_queue_are_the_rows_read_batch_by_batch(workspace, odd_month, tmp_path):
    """`explainer` reads the whole explanation queue once; each batch it hands on is what reading that batch
    alone gives, and so are its SHAP values (the month has fewer than 2 000 regular customers: all of them
    are the background)."""
    root, _ = workspace
    month = scored_in_parts(root, odd_month, tmp_path, 10)
    settings, folder = load_settings(params_with(tmp_path, 10)), tmp_path / "parts_10"
    pipeline = load_model(root / "models" / "model.skops")
    whole = explanation_queue(month.compact)
    queue = whole.ids(settings.scale.reasons_at_most)
    assert len(queue) > 4
    with worker_pool() as pool:
        explain = explainer(pool, pipeline, folder, month, whole, settings)
        for batch in (queue[:2], queue[2:5], np.sort(queue[-3:])):
            rows, values = explain(batch)
            alone = read_customers(folder, batch, month.parts)
            pd.testing.assert_frame_equal(rows, alone, check_exact=True)
            background = read_customers(folder, np.sort(month.compact.loc[month.compact["regular"], ID]), month.parts)
            expected = month_shap(
                pool, pipeline, model_view(alone), model_view(background), settings.explain, settings.seed
            )
            pd.testing.assert_frame_equal(values, expected, check_exact=True)
        nobody = np.array([], dtype=np.int64)
        assert explain(nobody)[0].empty
        pd.testing.assert_frame_equal(explain(nobody)[0], read_customers(folder, nobody, month.parts), check_exact=True)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_a_dask_worker_gets_glibcs_own_mmap_threshold_back():
    """The setting `Dask` applies on each worker at connect (`Client.run`) is one glibc accepts."""
    assert allocate_like_glibc() is True
