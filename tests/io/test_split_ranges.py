"""Each export split as tasks by byte range (issue 22): with one range or many, on this process or a Dask
cluster, the partitions, the logs, every output and every paragraph are the same bytes."""

from __future__ import annotations

import pandas as pd
import pytest

from stages.io.executor import Local
from stages.io.exports import open_export
from stages.io.files import load_settings
from stages.io.monthly_run import scratch_folder, split_month
from stages.io.partitions import read_partition
from stages.io.split_ranges import spans_of
from stages.lib.schema import RAW_FILES
from tests.stage_runs import params_with_scale, score_month
from tests.synthetic import DIALECTS, make_raw, write_raw

WHOLE, TINY = 1 << 26, 160  # bytes per range: one range per export; seven or more for a 90-customer month


def params_with(tmp_path, split_bytes: int, customers: int = 10):
    return params_with_scale(tmp_path, split_bytes=split_bytes, chunk_rows=10, partition_customers=customers)


def score(root, month, out, params, *extra):
    out.parent.mkdir(parents=True, exist_ok=True)
    return score_month(root, month, out, "--params", str(params), *extra)


def split(month, tmp_path, split_bytes):
    """The partitions and the split's logs of ``month`` split with ranges of ``split_bytes``."""
    settings = load_settings(params_with(tmp_path, split_bytes))
    with scratch_folder(tmp_path) as folder:
        _, parts, split = split_month(Local(), month, folder, settings, "splitting")
        partitions = [read_partition(folder, index, split.first_rows) for index in range(parts)]
        return partitions, [log.as_dict() for log in split.logs]


@pytest.mark.parametrize("dialect", ["pandas", "excel_ru"])
def test_an_export_of_many_ranges_splits_into_the_partitions_of_one_range(dialect, tmp_path):
    """Also as Excel writes it: a BOM, `;`, a decimal comma, CRLF line ends."""
    raw = make_raw(n=90, seed=8, with_target=False)
    raw["market_file"].loc[raw["market_file"]["id"] == 100_005, "Популярная_категория"] = "Садовый инвентарь"
    odd_month = write_raw(raw, tmp_path / "month", DIALECTS[dialect])
    settings = load_settings(params_with(tmp_path, TINY))
    for spec in RAW_FILES:
        export = open_export(odd_month / spec.filename, spec)
        spans = spans_of(export, TINY, settings.scale.max_row_bytes)
        assert len(spans) >= 5, spec.filename
        assert spans[0].start == 0 and spans[-1].end == export.path.stat().st_size
        data = export.path.read_bytes()
        assert all(data[s.start - 1 : s.start] == b"\n" for s in spans[1:])
        assert all(a.end == b.start for a, b in zip(spans, spans[1:], strict=False))
    whole, ranges = split(odd_month, tmp_path, WHOLE), split(odd_month, tmp_path, TINY)
    assert ranges[1] == whole[1] and whole[1][0]["rows_read"]
    assert len(ranges[0]) == len(whole[0]) == 10
    for theirs, ours in zip(whole[0], ranges[0], strict=True):
        for key, frame in theirs.items():
            pd.testing.assert_frame_equal(ours[key], frame, check_exact=True)


def test_every_output_is_the_same_bytes_with_one_range_or_many_on_any_engine(workspace, odd_month, tmp_path, cluster):
    root, _ = workspace
    runs = {
        "one range": (params_with(tmp_path, WHOLE), ()),
        "many ranges": (params_with(tmp_path, TINY), ()),
        "many ranges on dask": (params_with(tmp_path, TINY), ("--scheduler", cluster)),
    }
    outputs = {}
    for name, (params, extra) in runs.items():
        out = tmp_path / name.replace(" ", "_") / "month.csv"
        result = score(root, odd_month, out, params, *extra)
        assert result.returncode == 0, result.stderr
        parts = pd.read_parquet(out.with_suffix(".parts")).sort_values("id").reset_index(drop=True)
        page = out.with_suffix(".html").read_bytes().replace(name.replace(" ", "_").encode(), b"")
        record = sorted(p.name for p in out.parent.iterdir())
        outputs[name] = (out.read_bytes(), page, parts, result.stdout.splitlines()[:-2], record)
    first = outputs.pop("one range")
    for name, (csv, page, parts, console, record) in outputs.items():
        assert (csv, page, console, record) == (first[0], first[1], first[3], first[4]), name
        pd.testing.assert_frame_equal(parts, first[2], check_exact=True)


def broken_month(tmp_path):
    """A month whose 83rd market row (in a late range) holds text where a number is expected."""
    raw = make_raw(n=90, seed=8, with_target=False)
    market = raw["market_file"]
    market["Акционные_покупки"] = market["Акционные_покупки"].astype(object)
    market.loc[market.index[82], "Акционные_покупки"] = "много"
    return write_raw(raw, tmp_path / "broken")


def test_an_error_in_a_late_range_names_the_row_one_range_names(workspace, tmp_path, cluster):
    root, _ = workspace
    month = broken_month(tmp_path)
    paragraphs = set()
    for name, params, extra in [
        ("one", params_with(tmp_path, WHOLE), ()),
        ("many", params_with(tmp_path, TINY), ()),
        ("many on dask", params_with(tmp_path, TINY), ("--scheduler", cluster)),
    ]:
        result = score(root, month, tmp_path / name / "month.csv", params, *extra)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        paragraphs.add(result.stderr)
    (paragraph,) = paragraphs
    assert "market_file.csv" in paragraph and "83" in paragraph and "много" in paragraph


def test_a_later_range_numbers_its_rows_from_the_rows_above_it(odd_month, tmp_path):
    partitions, _ = split(odd_month, tmp_path, TINY)
    rows = pd.concat([p["market_file"] for p in partitions])["_row"].sort_values().tolist()
    assert rows == list(range(93))  # 90 customers, 2 duplicate customers, 1 repeated row


def test_a_quoted_cell_with_a_line_break_reads_as_with_one_range(odd_month, tmp_path):
    month = tmp_path / "quoted"
    month.mkdir()
    for spec in RAW_FILES:
        (month / spec.filename).write_bytes((odd_month / spec.filename).read_bytes())
    market = month / "market_file.csv"
    text = market.read_text(encoding="utf-8")
    assert ",Домашний текстиль," in text
    market.write_text(text.replace(",Домашний текстиль,", ',"Домашний\nтекстиль",'), encoding="utf-8")
    whole, ranges = split(month, tmp_path, WHOLE), split(month, tmp_path, TINY)
    assert ranges[1] == whole[1] and whole[1][0]["rows_read"]["market_file.csv"] == 93
    for theirs, ours in zip(whole[0], ranges[0], strict=True):
        for key, frame in theirs.items():
            pd.testing.assert_frame_equal(ours[key], frame, check_exact=True)
    labels = pd.concat([p["market_file"] for p in ranges[0]])["favourite_category"]
    assert (labels == "home_textiles").sum() == text.count(",Домашний текстиль,")


def test_a_range_that_guessed_another_decimal_mark_is_typed_again_with_the_whole_column_s(tmp_path):
    """Revenue "4.971" in the first ranges alone suggests a decimal point (4.971); a late "5000,5" proves the
    comma decimal, so the whole column reads "4.971" as 4971: the early ranges are typed again to agree."""
    raw = make_raw(n=90, seed=8, with_target=False)
    money = raw["market_money"]
    revenue = [f"{round(v)}" for v in money["Выручка"]]
    revenue[:30], revenue[-1] = ["4.971"] * 30, "5000,5"
    money["Выручка"] = revenue
    month = write_raw(raw, tmp_path / "month", DIALECTS["excel_ru"])
    whole, ranges = split(month, tmp_path, WHOLE), split(month, tmp_path, TINY)
    assert ranges[1] == whole[1]
    for theirs, ours in zip(whole[0], ranges[0], strict=True):
        for key, frame in theirs.items():
            pd.testing.assert_frame_equal(ours[key], frame, check_exact=True)
    typed = pd.concat([p["market_money"] for p in ranges[0]]).set_index("_row")["revenue"].sort_index()
    assert (typed.iloc[:30] == 4971).all() and typed.iloc[-1] == 5000.5
