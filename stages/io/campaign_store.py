"""Campaign records on disk: parquet with the campaign's metadata and a checksum of the content; and the
reviews and uplift choices the campaign commands read back (validated: `stages.lib.campaign.written`).

A record is evidence: `score` never replaces one with different content (the same run again writes the
same bytes), and `review` refuses one edited after it was written.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stages.io.files import atomic_write, read_small_json
from stages.lib.campaign.record import TYPES, dumps
from stages.lib.campaign.review import CUSTOMERS
from stages.lib.campaign.written import checked
from stages.lib.errors import refused, shown
from stages.lib.schema import ID

KEY = b"campaign_record"  # the schema metadata key holding the campaign's metadata and checksum
GROUP_ROWS = 1 << 20  # rows per row group: what `pq.write_table` cuts a table into (pyarrow's default)
# the Arrow types a record's pandas dtypes are written as (strings: either width)
ARROW_TYPES = {
    "int64": (pa.int64(),),
    "float64": (pa.float64(),),
    "bool": (pa.bool_(),),
    "object": (pa.string(), pa.large_string(), pa.null()),
}


def content_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 over the column names and pandas' fixed-key hash of every row: the content, whatever the
    Arrow buffers or parquet pages that hold it (hashed a row group at a time: the same digest)."""
    return checksum(frame.columns, row_groups(frame))


def checksum(columns, parts) -> str:
    """The one formula: the column names, then each part's row hashes in order (a row's hash depends on that
    row only, so any split of the rows into parts gives the same digest)."""
    digest = hashlib.sha256(",".join(columns).encode())
    for part in parts:
        digest.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def row_groups(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """The record's row groups, as `pq.write_table` cuts them (an empty record: one empty group)."""
    for start in range(0, len(frame), GROUP_ROWS) or [0]:
        yield frame.iloc[start : start + GROUP_ROWS]


def record_bytes(record: pd.DataFrame, metadata: dict) -> bytes:
    """The record as parquet, its metadata and checksum in the schema. Converted to Arrow one row group at a
    time, as `pq.write_table` cuts them (the same bytes): a 10 M month's record held twice, in pandas and in
    Arrow, was the peak of `score`'s memory."""
    full = {**metadata, "checksum": content_checksum(record)}
    schema = pa.Schema.from_pandas(record, preserve_index=False).with_metadata({KEY: dumps(full).encode()})
    sink = io.BytesIO()
    with pq.ParquetWriter(sink, schema, compression="zstd", write_statistics=False) as writer:
        for group in row_groups(record):
            writer.write_table(pa.Table.from_pandas(group, schema=schema, preserve_index=False))
    return sink.getvalue()


def write_record(path: Path, record: pd.DataFrame, metadata: dict) -> bool:
    """Write the record unless the same bytes are there; refuse (exit 2) to replace a different one.
    Returns whether the file was written."""
    data = record_bytes(record, metadata)
    if path.exists():
        if path.is_file() and path.read_bytes() == data:
            return False
        problem = "a campaign record is already there, and this run's record differs from it"
        hint = (
            "A record is the evidence its campaign's review rests on, so it is never replaced. If this is a new "
            "campaign, give it its own --campaign-label or --out; if the old one was never sent, move it away."
        )
        raise refused(str(path), problem, hint)
    atomic_write(path, lambda temporary: temporary.write_bytes(data))
    return True


# How the refusal names what a record was made with (a key of `record_metadata` not named here: by its key).
MADE_WITH = {
    "model_md5": "model (its MD5)",
    "params_md5": "params.yaml (its MD5)",
    "control_share": "control share",
    "seed": "seed",
    "offers": "offers' effects, costs or learners",
}


def check_record_path(path: Path, metadata: dict) -> None:
    """Before any work: an existing file at the record's path must be a record (never something else), of
    this campaign, made with the same model and params.yaml (``metadata``: what this run's record will
    hold). Otherwise the run's record would differ and be refused at the end, after the list it belongs
    to had been removed, e.g. a month scored again after `adopt-effects` changed params.yaml."""
    if not path.exists() and not path.is_symlink():
        return
    raw = read_metadata_raw(path) if path.is_file() else None
    if raw is None or KEY not in raw:
        raise refused(str(path), "a file that is not a campaign record is where the record goes", "Give another --out.")
    try:
        found = json.loads(raw[KEY])
    except ValueError:
        found = None
    found = found if isinstance(found, dict) else {}
    label = metadata["campaign"]
    if found.get("campaign") != label:
        problem = f"the campaign record beside --out is campaign {found.get('campaign')!r}'s"
        problem += f", and this run is campaign {label!r}"
        hint = "Give each month its own --out (make score does: scores/<month>.csv), or the same --campaign-label."
        raise refused(str(path), problem, hint)
    expected = json.loads(dumps(metadata))  # as it would be read back
    changed = [MADE_WITH.get(key, key) for key, value in expected.items() if found.get(key) != value]
    if changed:
        problem = (
            f"the campaign record beside --out was made with another {', '.join(changed)}; this run's record would "
            "differ, and a record is never replaced: it is the evidence its campaign's review rests on"
        )
        hint = (
            "Nothing was removed. To decide this month again with the new settings, give it its own --out and "
            "--campaign-label (e.g. scores/<month>-2.csv); the list already sent stays beside its record."
        )
        raise refused(str(path), problem, hint)


def read_metadata_raw(path: Path) -> dict | None:
    try:
        return pq.read_schema(path).metadata or {}
    except (pa.ArrowInvalid, OSError):
        return None


def read_record(path: Path) -> tuple[pd.DataFrame, dict]:
    """The record and its metadata; refused when it is not a record, lacks a column or holds one of another
    type, was changed after it was written, or does not list each customer once in id order.

    The checksum is taken slice by slice (a row's hash depends on that row only), so a record of millions
    is held once as Arrow and once as pandas, never with the hashes of the whole table beside them."""
    if not Path(path).is_file():
        raise refused(str(path), "the campaign record is missing", "Give the .campaign.parquet file `score` wrote.")
    try:
        table = pq.read_table(path)
        metadata = json.loads((table.schema.metadata or {})[KEY])
    except (pa.ArrowInvalid, OSError, KeyError, ValueError):
        raise refused(
            str(path), "not a campaign record written by `score`", "Give the .campaign.parquet file."
        ) from None
    table = table.replace_schema_metadata(None)
    check_record_metadata(path, metadata)
    check_record_columns(path, table)
    if streamed_checksum(table) != metadata.get("checksum"):
        problem = (
            "the record's content does not match the checksum written with it: it was edited after `score` wrote it"
        )
        hint = "Restore the original (`dvc pull` or `dvc checkout` of the record); a review needs the untouched record."
        raise refused(str(path), problem, hint)
    record = table.to_pandas(self_destruct=True, split_blocks=True)
    del table  # self_destruct: the Arrow buffers go as their columns are converted
    ids = record[ID].to_numpy()
    if len(ids) > 1 and not bool((ids[1:] > ids[:-1]).all()):
        problem = "the record's ids are not unique and increasing, as `score` writes them"
        raise refused(str(path), problem, "Give the untouched record `score` wrote.")
    return record, metadata


# what a review reads of the record's metadata, and the JSON type of each
METADATA_TYPES = {"campaign": str, "model_md5": str, "params_md5": str, "control_share": (int, float), "seed": int}


def check_record_metadata(path: Path, metadata) -> None:
    """The metadata `score` writes: an object with each of METADATA_TYPES' keys, of its type."""
    wrong = not isinstance(metadata, dict) or any(
        not isinstance(metadata.get(key), kind) for key, kind in METADATA_TYPES.items()
    )
    if wrong:
        problem = f"the record's metadata lacks {sorted(METADATA_TYPES)} or holds them with other types"
        raise refused(str(path), problem, "Give the untouched record `score` wrote.")


def check_record_columns(path: Path, table: pa.Table) -> None:
    """Every column of `record.TYPES` once, with its type (another version of `score` may have written it),
    and no missing id, probability or regularity."""
    schema = table.schema
    if len(set(schema.names)) != len(schema.names):
        raise refused(str(path), "the campaign record repeats a column name", "Give the untouched record.")
    missing = sorted(set(TYPES) - set(schema.names))
    if missing:
        problem = f"the campaign record lacks the column(s) {missing}: it was written by another version of `score`"
        raise refused(str(path), problem, "Score the month again with this version to write a complete record.")
    for name, kind in TYPES.items():
        found = schema.field(name).type
        if found not in ARROW_TYPES[kind]:
            problem = f"the campaign record's column {name!r} holds {found}, where `score` writes {kind}"
            raise refused(str(path), problem, "Give the untouched record `score` wrote.")
    for name in (ID, "probability", "regular"):  # every scored customer has these
        if table.column(name).null_count:
            problem = f"the campaign record's column {name!r} has {table.column(name).null_count} empty value(s)"
            raise refused(str(path), problem, "Give the untouched record `score` wrote.")


def streamed_checksum(table: pa.Table, rows: int = 500_000) -> str:
    """`content_checksum` of ``table`` as pandas, converted ``rows`` at a time: the same digest."""
    slices = (table.slice(start, rows).to_pandas() for start in range(0, max(table.num_rows, 1), rows))
    return checksum(table.column_names, slices)


def read_review_customers(path: Path) -> pd.DataFrame:
    """The selected customers with outcomes a review wrote beside it (`review.CUSTOMERS`), checked."""
    if not Path(path).is_file():
        problem = "the review's customers with outcomes are missing (written beside REVIEW.json by `make review`)"
        raise refused(str(path), problem, "Run the review again with this version, or `dvc pull` the file.")
    try:
        frame = pq.read_table(path).to_pandas()
        frame = frame[list(CUSTOMERS)].astype(CUSTOMERS)
    except (pa.ArrowInvalid, OSError, KeyError, ValueError, TypeError):
        problem = f"not the customers table of a review: it needs the columns {list(CUSTOMERS)} with their types"
        raise refused(str(path), problem, "Run the review again to rewrite it.") from None
    wrong = (
        ~frame["group"].isin(["treatment", "control"])
        | ~frame["declined"].isin([0, 1])
        | ~frame["probability"].between(0, 1)
        | frame["offer"].isna()
    )
    if wrong.any():
        row = frame[wrong].iloc[0]
        found = ", ".join(f"{name} {shown(row[name])}" for name in ("group", "declined", "probability"))
        problem = f"customer {row[ID]} has {found}: a review writes treatment/control, 0/1 and a probability"
        raise refused(str(path), problem, "Run the review again.")
    return frame


def read_written(path: Path, kind: str, what: str, command: str) -> dict:
    """A JSON this project's ``command`` wrote (its ``kind`` field), its fields checked (`campaign.written`);
    refused in one paragraph if it is not one."""
    found = read_small_json(path)
    if not isinstance(found, dict) or found.get("kind") != kind:
        raise refused(str(path), f"not {what} written by `python -m stages.{command}`", "Give its JSON.")
    return checked(found, kind, str(path), command)


def read_review(path: Path) -> dict:
    """A campaign review written by `review` (its JSON)."""
    return read_written(path, "campaign_review", "a campaign review", "review")


def read_choice(path: Path) -> dict:
    """An uplift choice written by `uplift` (its JSON)."""
    return read_written(path, "uplift_choice", "an uplift choice", "uplift")


def replaceable_json(out: Path, kind: str, what: str) -> dict | None:
    """Before a command writes its JSON to ``out``: None if nothing is there; the JSON there if it is one
    of ``kind`` (a rerun may replace it); refused otherwise, a folder or any other file."""
    if out.is_dir():
        raise refused(str(out), "--out names a folder", f"Give the path of {what}'s JSON file.")
    if not out.exists() and not out.is_symlink():
        return None
    existing = read_small_json(out)
    if not isinstance(existing, dict) or existing.get("kind") != kind:
        raise refused(str(out), f"--out names an existing file that is not {what}", "Give a new file name.")
    return existing


def check_review_out(out: Path, label: str) -> None:
    """--out of `review` may replace only a review of the same campaign (a rerun), never another's or another file."""
    existing = replaceable_json(out, "campaign_review", "a campaign review")
    if existing is not None and existing.get("campaign_label") != label:
        problem = f"--out holds the review of another campaign ({existing.get('campaign_label')!r}, this one {label!r})"
        raise refused(str(out), problem, "Give each campaign's review its own file, e.g. reviews/<campaign>.json.")


def check_review_replaces(out: Path, written: dict) -> None:
    """Once the outcomes are read: --out may hold this campaign's review only if it was measured on the same
    outcomes (a rerun writes the same figures); a review of other outcomes, e.g. the right month's before a
    wrong month's was given, is never replaced."""
    existing = replaceable_json(out, "campaign_review", "a campaign review")
    if existing is None:
        return
    before = existing.get("outcomes") if isinstance(existing.get("outcomes"), dict) else {}
    if before.get("checksum") != written["outcomes"]["checksum"]:
        problem = (
            f"--out holds this campaign's review measured on other outcomes (folder {shown(before.get('folder'))}); "
            f"this run's outcomes (folder {shown(written['outcomes']['folder'])}) differ, and a review is replaced "
            "only by a rerun on the same outcomes"
        )
        hint = (
            "Check that these outcomes are the export three months after the campaign. If they are and the earlier "
            "ones were not, move the old review away first; otherwise give this review another --out."
        )
        raise refused(str(out), problem, hint)


def check_choice_out(out: Path, reviews: list[Path]) -> None:
    """--out of `uplift` may replace only an earlier choice, never one of its reviews or another file."""
    if out.resolve() in {path.resolve() for path in reviews}:
        raise refused(str(out), "--out names one of the reviews", "Give a new file, e.g. reviews/uplift.json.")
    replaceable_json(out, "uplift_choice", "an uplift choice")
