"""The `prepare` stage end to end on synthetic exports: dialects, rules, split, and every bad input."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from stages.io import paths
from stages.io.files import read_parquet
from stages.lib.schema import FEATURES, GROUP, ID, PROFIT, TARGET
from stages.lib.settings import parse_settings
from stages.prepare import run
from tests.pipeline_run import working_directory
from tests.stage_runs import ROOT, run_stage
from tests.synthetic import DIALECTS, make_raw, write_raw

OUTPUT_NAMES = ("customers.parquet", "train.parquet", "test.parquet")


def prepare_in(workspace, raw_dir, params):
    """Run the stage in ``workspace`` (its working directory) on a copy of ``raw_dir`` as data/raw."""
    shutil.copytree(raw_dir, workspace / paths.RAW)
    with working_directory(workspace):
        run(parse_settings(params))
    frames = {name: read_parquet(workspace / paths.PREPARED / name) for name in OUTPUT_NAMES}
    return frames, json.loads((workspace / paths.QUALITY).read_text())


def test_synthetic_exports_give_clean_counted_data(tmp_path, raw_dir, params):
    frames, quality = prepare_in(tmp_path, raw_dir, params)
    customers = frames["customers.parquet"]
    assert list(customers.columns) == [ID, *FEATURES, TARGET, PROFIT, GROUP]
    assert not customers.isna().any().any()
    assert customers[ID].is_unique and customers[ID].is_monotonic_increasing
    rules = quality["rules"]
    assert quality["rows_read"]["market_file.csv"] == 163  # 160 + 2 duplicate customers + 1 repeated row
    assert rules["exact_duplicate_rows"]["rows"] == 1
    assert rules["label_typos"]["rows_by_source"]["market_file.csv:Тип сервиса"] == 3
    assert rules["extreme_revenue"] == {"rows": 1, "customers": 1}
    assert rules["not_regular_removed"]["customers"] == 2
    assert rules["duplicate_customers_found"]["customers"] == 4
    assert quality["customers"]["kept"] == len(customers) == 160
    assert customers["revenue_current"].max() < 20000


def test_split_is_stratified_complete_and_never_splits_a_duplicate_group(tmp_path, raw_dir, params):
    frames, _ = prepare_in(tmp_path, raw_dir, params)
    train, test, customers = frames["train.parquet"], frames["test.parquet"], frames["customers.parquet"]
    assert sorted([*train[ID], *test[ID]]) == customers[ID].tolist()
    assert set(train[GROUP]).isdisjoint(test[GROUP])
    assert len(test) / len(customers) == pytest.approx(0.25, abs=0.02)
    assert test[TARGET].mean() == pytest.approx(train[TARGET].mean(), abs=0.05)


def test_drop_rule_removes_the_copies(tmp_path, raw_dir, params):
    params["prepare"]["duplicate_customers"] = "drop"
    frames, quality = prepare_in(tmp_path, raw_dir, params)
    assert quality["rules"]["duplicate_customers_dropped"]["customers"] == 2
    assert frames["customers.parquet"][GROUP].is_unique


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_dialect_gives_the_same_prepared_data(tmp_path, synthetic_raw, params, dialect):
    reference, _ = prepare_in(tmp_path / "ref", write_raw(synthetic_raw, tmp_path / "ref" / "raw"), params)
    other, _ = prepare_in(
        tmp_path / "alt", write_raw(synthetic_raw, tmp_path / "alt" / "raw", DIALECTS[dialect]), params
    )
    for name in OUTPUT_NAMES:
        pd.testing.assert_frame_equal(reference[name], other[name])


def test_each_dialect_file_mix_is_read(tmp_path, synthetic_raw, params):
    """The real delivery mixes dialects across files; so does this one."""
    raw = tmp_path / "raw"
    for (key, frame), dialect in zip(synthetic_raw.items(), DIALECTS.values(), strict=False):
        write_raw({key: frame}, raw, dialect)
    frames, _ = prepare_in(tmp_path, raw, params)
    assert len(frames["customers.parquet"]) == 160


# --- bad input: one paragraph naming file, column and ids; exit 2; no traceback; no outputs left ---


def break_market(raw, column, row, value):
    raw["market_file"] = raw["market_file"].astype({column: object})
    raw["market_file"].loc[row, column] = value
    return raw


BAD_INPUTS = {
    "missing file": (lambda raw: raw, "money.csv", ["money.csv: the file is missing"]),
    "missing column": (
        lambda raw: {**raw, "money": raw["money"].drop(columns="Прибыль")},
        None,
        ["money.csv, column 'Прибыль': expected column(s) are missing"],
    ),
    "extra column": (
        lambda raw: {**raw, "money": raw["money"].assign(bonus=1)},
        None,
        ["money.csv, column 'bonus': unexpected"],
    ),
    "text in a number": (
        lambda raw: break_market(raw, "Длительность", 4, "долго"),
        None,
        ["market_file.csv, column 'Длительность'", "'долго'", "100005"],
    ),
    "NaN": (
        lambda raw: break_market(raw, "Акционные_покупки", 6, "NaN"),
        None,
        ["market_file.csv, column 'Акционные_покупки'", "no value", "100007"],
    ),
    "unknown category": (
        lambda raw: break_market(raw, "Тип сервиса", 7, "VIP"),
        None,
        ["market_file.csv, column 'Тип сервиса'", "'VIP'", "100008"],
    ),
    "conflicting repeated id": (
        lambda raw: {**raw, "money": pd.concat([raw["money"], raw["money"].iloc[[3]].assign(Прибыль=9.99)])},
        None,
        ["money.csv", "conflicting values", "100004"],
    ),
    "customer missing from a file": (
        lambda raw: {**raw, "market_time": raw["market_time"].iloc[2:]},
        None,
        ["market_time.csv", "100001"],
    ),
    "header only": (
        lambda raw: {**raw, "money": raw["money"].iloc[:0]},
        None,
        ["money.csv: the file has no rows"],
    ),
    "id beyond the schema bound": (
        lambda raw: {**raw, "money": raw["money"].astype({"id": object}).assign(id=lambda m: ["1e20", *m["id"][1:]])},
        None,
        ["money.csv, column 'id'", "outside the allowed range", "'1e20'"],
    ),
    "inf in a number": (
        lambda raw: break_market(raw, "Маркет_актив_6_мес", 3, "inf"),
        None,
        ["market_file.csv, column 'Маркет_актив_6_мес'", "'inf'", "100004"],
    ),
    "decimal comma in a decimal-point column": (
        lambda raw: break_market(raw, "Акционные_покупки", 9, "0,5"),
        None,
        ["market_file.csv, column 'Акционные_покупки'", "mix a decimal comma and a decimal point", "'0,5'", "100010"],
    ),
    "value out of range": (
        lambda raw: break_market(raw, "Акционные_покупки", 8, 1.7),
        None,
        ["market_file.csv, column 'Акционные_покупки'", "outside the allowed range", "100009"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_clearly_and_leaves_no_output(tmp_path, case):
    breaker, file_to_delete, expected = BAD_INPUTS[case]
    raw_dir = write_raw(breaker(make_raw()), tmp_path / paths.RAW)
    if file_to_delete:
        (raw_dir / file_to_delete).unlink()
    out, quality = tmp_path / paths.PREPARED, tmp_path / paths.QUALITY
    out.mkdir(parents=True)
    quality.parent.mkdir()
    (tmp_path / "params.yaml").write_bytes((ROOT / "params.yaml").read_bytes())
    (out / "train.parquet").write_text("stale")  # a previous run's output must not survive a failure
    quality.write_text("{}")
    result = run_stage("prepare", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith("prepare: bad input:") and "\n" not in message
    for fragment in expected:
        assert fragment in message
    assert not (out / "train.parquet").exists() and not quality.exists()


def test_unreadable_dialect_is_refused(tmp_path, synthetic_raw):
    raw_dir = write_raw(synthetic_raw, tmp_path / paths.RAW)
    (raw_dir / "money.csv").write_text("id Прибыль\n1 2\n", encoding="utf-8")
    (tmp_path / "params.yaml").write_bytes((ROOT / "params.yaml").read_bytes())
    result = run_stage("prepare", cwd=tmp_path)
    assert result.returncode == 2 and "money.csv: cannot recognise the CSV dialect" in result.stderr
