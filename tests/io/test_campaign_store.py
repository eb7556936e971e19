"""The campaign record on disk: its checksum taken slice by slice is the whole table's, and a record that
`score` could not have written is refused before a review trusts it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stages.io.campaign_store import (
    KEY,
    content_checksum,
    read_record,
    read_review_customers,
    record_bytes,
    streamed_checksum,
)
from stages.lib.campaign.record import TYPES
from stages.lib.campaign.review import CUSTOMERS
from stages.lib.errors import DataError

METADATA = {"campaign": "2026-09", "model_md5": "m", "params_md5": "p", "control_share": 0.1, "seed": 1, "offers": {}}


def a_record(n: int = 1_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    action = rng.choice(np.array(["contact", "control", "not_worth", None], dtype=object), n)
    offer = np.where(pd.isna(action), None, rng.choice(np.array(["discount", "reminder"], dtype=object), n))
    group = pd.Series(action).map({"contact": "treatment", "control": "control"}).astype(object)
    frame = pd.DataFrame(
        {
            "id": np.arange(215_000, 215_000 + n, dtype=np.int64),
            "probability": rng.random(n),
            "profit": rng.gamma(2.0, 2.0, n),
            "regular": rng.random(n) < 0.9,
            "offer": offer,
            "offer_cost": rng.random(n),
            "offer_effect": rng.random(n) / 5,
            "group": group.where(group.notna(), None),
            "expected_value": rng.normal(size=n),
            "action": action,
        }
    )
    return frame[list(TYPES)].astype(TYPES)


@pytest.mark.parametrize("rows", [1, 7, 333, 1_000, 5_000])
def test_the_checksum_taken_in_slices_is_the_whole_tables(rows):
    record = a_record()
    table = pa.Table.from_pandas(record, preserve_index=False)
    assert streamed_checksum(table, rows) == content_checksum(record)
    empty = record.iloc[:0]
    assert streamed_checksum(pa.Table.from_pandas(empty, preserve_index=False), rows) == content_checksum(empty)


@pytest.mark.parametrize("group_rows", [300, 1_000, 1 << 20])
def test_a_record_written_a_row_group_at_a_time_is_the_bytes_of_one_write(group_rows, monkeypatch):
    """`record_bytes` converts one row group at a time (memory); the file is what `pq.write_table` makes."""
    monkeypatch.setattr("stages.io.campaign_store.GROUP_ROWS", group_rows)
    for record in (a_record(), a_record().iloc[:0]):
        full = json.dumps({**METADATA, "checksum": content_checksum(record)}, sort_keys=True, ensure_ascii=False)
        table = pa.Table.from_pandas(record, preserve_index=False).replace_schema_metadata({KEY: full.encode()})
        expected = pa.BufferOutputStream()
        pq.write_table(table, expected, compression="zstd", write_statistics=False, row_group_size=group_rows)
        written = record_bytes(record, METADATA)
        assert written == expected.getvalue().to_pybytes()
        assert pq.ParquetFile(pa.BufferReader(written)).num_row_groups == max(1, -(-len(record) // group_rows))


def test_a_record_reads_back_as_written(tmp_path):
    path = tmp_path / "m.campaign.parquet"
    path.write_bytes(record_bytes(a_record(), METADATA))
    record, metadata = read_record(path)
    pd.testing.assert_frame_equal(record, a_record())
    assert metadata["campaign"] == "2026-09" and len(metadata["checksum"]) == 64


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("a column of another type", "'probability' holds string"),
        ("an id twice", "not unique and increasing"),
        ("ids out of order", "not unique and increasing"),
    ],
)
def test_a_record_score_could_not_have_written_is_refused(tmp_path, case, words):
    """Each with a valid checksum: the checksum proves the content unchanged, not that `score` made it."""
    record = a_record()
    if case == "a column of another type":
        record = record.astype({"probability": str})
    elif case == "an id twice":
        record.loc[5, "id"] = record.loc[4, "id"]
    else:
        record = record.iloc[::-1].reset_index(drop=True)
    path = tmp_path / "m.campaign.parquet"
    path.write_bytes(record_bytes(record, METADATA))
    with pytest.raises(DataError) as refusal:
        read_record(path)
    assert words in str(refusal.value)


@pytest.mark.parametrize(
    "case", ["metadata that is a list", "metadata without the model's md5", "a customer without regularity"]
)
def test_a_forged_record_with_a_valid_checksum_is_refused_not_a_traceback(tmp_path, case):
    record, metadata = a_record(), dict(METADATA)
    if case == "metadata that is a list":
        metadata = ["not", "an", "object"]
    elif case == "metadata without the model's md5":
        del metadata["model_md5"]
    else:
        record["regular"] = record["regular"].astype(object)
        record.loc[3, "regular"] = None
    path = tmp_path / "m.campaign.parquet"
    if isinstance(metadata, list):  # record_bytes adds the checksum to an object: write the list by hand
        table = pa.Table.from_pandas(record, preserve_index=False)
        table = table.replace_schema_metadata({KEY: json.dumps(metadata).encode()})
        pq.write_table(table, path)
    else:
        path.write_bytes(record_bytes(record, metadata))
    with pytest.raises(DataError) as refusal:
        read_record(path)
    assert "record" in str(refusal.value)


def review_customers(n: int = 4) -> pd.DataFrame:
    """The customers table a review writes beside its JSON (`review.CUSTOMERS`)."""
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1), "offer": "reminder", "group": ["treatment", "control"] * (n // 2),
            "declined": [0, 1] * (n // 2), "probability": np.linspace(0.2, 0.8, n), "profit": 4.0,
            "offer_cost": 0.1, "offer_effect": 0.2, "expected_value": 0.5,
        }
    ).astype(CUSTOMERS)  # fmt: skip


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [("probability", 1.5, "probability 1.5"), ("probability", -0.1, "probability -0.1"),
     ("group", "maybe", "group 'maybe'"), ("declined", 2, "declined 2")],
)  # fmt: skip
def test_a_review_customers_file_with_an_impossible_value_is_refused_naming_it(tmp_path, column, value, shown):
    assert read_review_customers(write_parquet_file(tmp_path, review_customers())).shape == (4, len(CUSTOMERS))
    broken = review_customers()
    broken.loc[2, column] = value
    with pytest.raises(DataError, match="customer 3 has") as error:
        read_review_customers(write_parquet_file(tmp_path, broken))
    assert shown in str(error.value)


def write_parquet_file(folder, frame: pd.DataFrame):
    path = folder / "customers.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path
