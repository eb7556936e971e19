"""Reading and validating in chunks (stages/io/columnar.py, stages/lib/streamed.py) gives exactly the
whole-file result: the same typed tables, the same counts, the same error paragraphs."""

from __future__ import annotations

import contextlib

import pandas as pd
import pytest

from stages.io import columnar
from stages.io.raw_files import read_raw_folder, read_raw_text, stream_raw_folder
from stages.lib.errors import DataError
from stages.lib.quality import QualityLog
from stages.lib.raw import validate_raw
from stages.lib.schema import MONEY, RAW_FILES
from stages.lib.streamed import NotStreamable, evidence_pattern, validate_stream
from tests.synthetic import DIALECTS, make_raw, write_raw
from tests.test_prepare import BAD_INPUTS

CHUNK = 7  # rows per chunk: small, so that repeated rows and marks straddle chunks


def both(folder, chunk_rows=CHUNK):
    """(tables, log) of the whole-file reference and of the streamed path, and the error of each."""
    results = []
    for raw in (read_raw_folder, lambda f: stream_raw_folder(f, chunk_rows)):
        log = QualityLog()
        try:
            results.append((validate_raw(raw(folder), True, log), log.as_dict()))
        except DataError as error:
            results.append(str(error))
    return results


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_streamed_validation_equals_the_whole_file_one_in_every_dialect(tmp_path, dialect, monkeypatch):
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 101)  # lines, "\r\n" and characters straddle blocks
    folder = write_raw(make_raw(n=150, seed=3), tmp_path / "raw", DIALECTS[dialect])
    (whole, whole_log), (streamed, streamed_log) = both(folder)
    assert whole_log == streamed_log and whole_log["rules"]["exact_duplicate_rows"]["rows"] > 0
    for key, table in whole.items():
        pd.testing.assert_frame_equal(table, streamed[key], check_exact=True)
    for spec, source in zip(RAW_FILES, stream_raw_folder(folder, CHUNK).values(), strict=True):
        validate_stream(source.chunks, spec, True, True)  # the streamed path itself, no fallback


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gets_the_same_paragraph(tmp_path, case):
    breaker, file_to_delete, _ = BAD_INPUTS[case]
    folder = write_raw(breaker(make_raw(n=60, seed=2)), tmp_path / "raw", DIALECTS["excel_ru"])
    if file_to_delete:
        (folder / file_to_delete).unlink()
    whole, streamed = both(folder)
    assert isinstance(whole, str) and whole == streamed


def test_a_wrong_header_fails_on_the_first_chunk():
    def chunks():
        yield pd.DataFrame({"id": ["1"], "Прибыль_": ["2"]})
        raise AssertionError("read past the first chunk")

    with pytest.raises(DataError, match="money.csv, column 'Прибыль': expected column"):
        validate_stream(chunks, MONEY, True, True)


def test_a_bad_cell_leaves_the_streamed_path_and_repeated_rows_can_be_refused():
    def chunks(rows):
        return lambda: iter([pd.DataFrame(rows[i : i + 2], columns=["id", "Прибыль"]) for i in range(0, len(rows), 2)])

    with pytest.raises(NotStreamable):
        validate_stream(chunks([["1", "2,5"], ["2", "3"], ["3", "x"]]), MONEY, True, True)
    with pytest.raises(NotStreamable):  # the mark of the whole column contradicts across chunks
        validate_stream(chunks([["1", "2,5"], ["2", "3"], ["3", "4.5"]]), MONEY, True, True)
    with pytest.raises(NotStreamable):
        validate_stream(chunks([["1", "2"], ["2", "3"], ["1", "2"]]), MONEY, False, True)
    typed, rows, _ = validate_stream(chunks([["1", "2"], ["2", "3"], ["1", "2"]]), MONEY, True, True)
    assert rows == 3 and typed["id"].tolist() == [1, 2]


@pytest.mark.parametrize(
    "cell", ["5,835", "5.835", "1.234.567,5", "1 234,5", ",5", "5,", "a,5", "12,34", "5,8355", "5,835.1", "5.835 0"]
)
def test_the_re2_evidence_rule_is_the_python_one(cell):
    from stages.lib.raw import non_group_mark

    for mark in (",", "."):
        expected = bool(non_group_mark(pd.Series([cell]), mark).iloc[0])
        import pyarrow as pa
        import pyarrow.compute as pc

        assert pc.match_substring_regex(pa.array([cell]), evidence_pattern(mark))[0].as_py() == expected, mark


def test_chunks_read_what_the_whole_file_reader_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 5)
    text = '\ufeffid;Прибыль\r\n1; 2,5 \r\n\r\n  \n2;3\r3;"4,5"\n4;1 000,5\r\n'
    path = tmp_path / "money.csv"
    path.write_bytes(text.encode("utf-8"))
    chunks = list(columnar.RawSource(path, MONEY, 2).chunks())
    assert [len(c) for c in chunks] == [2, 2]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), read_raw_text(text, MONEY))


def frames(source) -> pd.DataFrame:
    return pd.concat(list(source.chunks()), ignore_index=True).astype(object)  # arrow's are pd.ArrowDtype


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_the_arrow_reader_reads_what_the_line_reader_reads(tmp_path, dialect):
    folder = write_raw(make_raw(n=150, seed=3), tmp_path / "raw", DIALECTS[dialect])
    for spec in RAW_FILES:
        path = folder / spec.filename
        fast, lines = columnar.RawSource(path, spec, CHUNK), columnar.RawSource(path, spec, CHUNK, fast=False)
        pd.testing.assert_frame_equal(frames(fast), frames(lines), check_exact=True)
        refused = dialect == "tab_utf16"  # arrow's reader is not given UTF-16: the line reader reads it
        with pytest.raises(columnar.ArrowRefused) if refused else contextlib.nullcontext():
            next(fast.arrow_chunks())


@pytest.mark.parametrize(
    "odd",
    [
        "a blank-looking line",
        "a quoted cell after a space",
        "a row with an extra field",
        "a quoted line break",
        "a NUL byte",
        "a quote left open at the end",
    ],
)
def test_the_arrow_reader_refuses_what_it_might_read_differently(tmp_path, odd):
    header, rows = "id,Прибыль", ["1,2.5", "2,3.5", "3,4.5"]
    rows[1] = {
        "a blank-looking line": "   ",
        "a quoted cell after a space": '2, "3.5"',
        "a row with an extra field": "2,3.5,7",
        "a quoted line break": '2,"3\n.5"',
        "a NUL byte": "2,3.5\x00x",
        "a quote left open at the end": "2,3.5",
    }[odd]
    rows[-1] = '3,"4.5' if odd == "a quote left open at the end" else rows[-1]
    path = tmp_path / "money.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(columnar.ArrowRefused):
        list(columnar.RawSource(path, MONEY, 1).arrow_chunks())
