"""The one reader of the exports (stages/io/exports.py): any dialect in, the same stripped cells out;
what it cannot read exactly is one paragraph naming the file and the row."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from stages.io.exports import open_export, read_chunks
from stages.lib.errors import DataError
from stages.lib.schema import MARKET_FILE, MONEY
from tests.synthetic import DIALECTS, FILENAMES, ROW_BYTES, make_raw, write_raw


def read(path, spec=MARKET_FILE, chunk_rows=7) -> pd.DataFrame:
    return pd.concat(list(read_chunks(open_export(path, spec), chunk_rows, ROW_BYTES)))


def cells(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).reset_index(drop=True)


@pytest.fixture(scope="module")
def raw():
    return make_raw(n=40, seed=3)


@pytest.fixture(scope="module")
def reference(raw, tmp_path_factory):
    folder = write_raw(raw, tmp_path_factory.mktemp("pandas"))
    return cells(read(folder / FILENAMES["market_file"]))


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_dialect_gives_the_same_cells(dialect, raw, reference, tmp_path):
    folder = write_raw(raw, tmp_path, DIALECTS[dialect])
    frame = cells(read(folder / FILENAMES["market_file"]))
    if DIALECTS[dialect].decimal == ",":  # the numbers' text differs by their decimal mark only
        frame = frame.replace(",", ".", regex=True)
    pd.testing.assert_frame_equal(frame, reference)


def test_chunks_number_the_rows_below_the_header_across_chunks(tmp_path, raw):
    folder = write_raw(raw, tmp_path)
    chunks = list(read_chunks(open_export(folder / FILENAMES["market_file"], MARKET_FILE), 7, ROW_BYTES))
    assert [len(c) for c in chunks[:-1]] == [7] * (len(chunks) - 1)
    assert list(pd.concat(chunks).index) == list(range(len(raw["market_file"])))


def write(tmp_path, text: str, encoding="utf-8"):
    path = tmp_path / "money.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_line_endings_blank_lines_bom_and_spaces_are_read_as_they_are(tmp_path):
    expected = pd.DataFrame({"id": ["1", "2"], "Прибыль": ["4,5", "3"]})
    for text in (
        "id;Прибыль\n1;4,5\n2;3\n",
        "\ufeffid;Прибыль\r\n1;4,5\r\n\r\n2;3",
        "\n\nid ; Прибыль\r1 ;  4,5\r   \r2;3\r",
        'id;Прибыль\n1; "4,5"\n"2";3\n',
    ):
        pd.testing.assert_frame_equal(cells(read(write(tmp_path, text), MONEY)), expected)


def test_a_quoted_line_break_stays_in_its_cell(tmp_path):
    frame = read(write(tmp_path, 'id;Прибыль\n1;"4\n5"\n2;3\n'), MONEY)
    assert list(frame["Прибыль"].astype(object)) == ["4\n5", "3"]


def test_excel_trailing_separator_is_the_empty_column_it_is(tmp_path):
    frame = read(write(tmp_path, "id;Прибыль;\r\n1;4,5;\r\n2;3;\r\n"), MONEY)
    assert list(frame.columns) == ["id", "Прибыль"] and len(frame) == 2
    with pytest.raises(DataError, match=r"row 2 has a value after the last column"):
        read(write(tmp_path, "id;Прибыль;\n1;4,5;\n2;3;x\n"), MONEY)


def test_a_ragged_row_is_named_by_its_row_below_the_header(tmp_path):
    with pytest.raises(DataError, match=r"a row has 3 field\(s\) where the header has 2 .*Rows below the header: 3\."):
        read(write(tmp_path, "id;Прибыль\n1;4\n\n2;3\n3;4;5\n4;4\n"), MONEY)


def test_a_long_row_is_quoted_short(tmp_path):
    with pytest.raises(DataError) as error:
        read(write(tmp_path, "id;Прибыль\n1;4\n2;" + "7;" * 5000 + "\n"), MONEY)
    assert len(str(error.value)) < 400


def test_a_cut_export_with_an_open_quote_is_refused(tmp_path):
    with pytest.raises(DataError, match="never closes"):
        read(write(tmp_path, 'id;Прибыль\n1;4\n2;"3'), MONEY)


def test_encodings(tmp_path):
    text = "id;Прибыль\n1;4,5\n"
    for encoding in ("utf-8", "utf-8-sig", "cp1251", "utf-16"):
        assert read(write(tmp_path, text, encoding), MONEY)["Прибыль"].tolist() == ["4,5"]


def test_missing_empty_and_unrecognisable_files_are_one_paragraph(tmp_path):
    with pytest.raises(DataError, match="the file is missing") as error:
        open_export(tmp_path / "money.csv", MONEY)
    assert "dvc pull" not in str(error.value)  # a new month's folder: the remote does not hold it
    with pytest.raises(DataError, match="the exports' folder does not exist") as error:
        open_export(tmp_path / "no-such-month" / "money.csv", MONEY)
    assert str(error.value).startswith(str(tmp_path / "no-such-month")) and "market_file.csv" in str(error.value)
    (tmp_path / "a-file.csv").write_text("id;Прибыль\n")
    with pytest.raises(DataError, match="the exports' folder is a file, not a folder"):  # RAW=.../money.csv
        open_export(tmp_path / "a-file.csv" / "money.csv", MONEY)
    with pytest.raises(DataError, match="the file is empty"):
        open_export(write(tmp_path, "\n \n"), MONEY)
    with pytest.raises(DataError, match="cannot recognise the CSV dialect"):
        open_export(write(tmp_path, "a;b\n1;2\n"), MONEY)
    with pytest.raises(DataError, match="neither UTF-8 nor Windows-1251"):
        (tmp_path / "money.csv").write_bytes(b"id;\x98\n")
        open_export(tmp_path / "money.csv", MONEY)


def test_a_header_only_file_gives_no_chunk(tmp_path):
    assert list(read_chunks(open_export(write(tmp_path, "id;Прибыль\n"), MONEY), 5, ROW_BYTES)) == []


def test_bytes_that_are_not_utf8_after_a_utf8_start_are_named(tmp_path):
    path = tmp_path / "money.csv"
    start = "id;Прибыль\n" + "".join(f"{i};4\n" for i in range(1, 200_000))
    path.write_bytes(start.encode() + "7;Ё\n".encode("cp1251"))
    with pytest.raises(DataError, match="not utf-8 further on"):
        read(path, MONEY, chunk_rows=50_000)


def test_utf16_bom_is_not_part_of_the_first_name(tmp_path):
    path = write(tmp_path, "id;Прибыль\n1;4\n", "utf-16")
    assert path.read_bytes().startswith(codecs.BOM_UTF16_LE)
    assert open_export(path, MONEY).names == ("id", "Прибыль")


def test_a_utf16_export_without_a_final_line_break_is_not_taken_for_a_cut_one(tmp_path):
    """In UTF-16 the byte of a quote is also half of «Т» (U+0422): the tail is decoded before quotes are counted."""
    path = write(tmp_path, "id\tПрибыль\n1\tТовары", "utf-16")
    assert read(path, MONEY)["Прибыль"].tolist() == ["Товары"]
    with pytest.raises(DataError, match="never closes"):
        read(write(tmp_path, 'id\tПрибыль\n1\t"Товары', "utf-16"), MONEY)


def test_a_line_of_tabs_alone_is_blank_in_a_tab_separated_export(tmp_path):
    frame = read(write(tmp_path, "id\tПрибыль\n1\t4\n\t\n2\t3\n\t\n"), MONEY)
    assert cells(frame)["id"].tolist() == ["1", "2"] and list(frame.index) == [0, 1]


def test_a_ragged_row_after_lines_of_separators_is_named_by_its_row(tmp_path):
    """A line of separators alone is a row of empty cells (counted), unlike a blank line (not counted)."""
    with pytest.raises(DataError, match=r"Rows below the header: 4\."):
        read(write(tmp_path, "id;Прибыль\n1;4\n;\n\n;\n3;4;5\n"), MONEY)


def test_only_a_quote_after_spaces_is_taken_off(tmp_path):
    frame = read(write(tmp_path, 'id;Прибыль\n1; "4,5"\n2;"""3"""\n'), MONEY)
    assert cells(frame)["Прибыль"].tolist() == ["4,5", '"3"']


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("koi8_r", "KOI8-R"), ("cp866", "DOS (CP866)"), ("twice", "UTF-8 encoded twice")],
)
def test_an_export_in_another_encoding_is_said_to_be_one_not_to_miss_its_columns(raw, tmp_path, encoding, named):
    folder = write_raw(raw, tmp_path / "utf8")
    text = (folder / FILENAMES["market_file"]).read_text(encoding="utf-8")
    data = text.encode("utf-8").decode("cp1251").encode("utf-8") if encoding == "twice" else text.encode(encoding)
    (tmp_path / "market_file.csv").write_bytes(data)
    with pytest.raises(DataError, match="saved in another encoding") as error:
        open_export(tmp_path / "market_file.csv", MARKET_FILE)
    assert f"reads as them in {named}:" in str(error.value) and "UTF-8" in str(error.value)


def test_a_new_months_missing_column_hint_lists_only_the_columns_it_needs():
    from stages.lib.data.cell_rules import check_columns

    names = tuple(c.raw for c in MARKET_FILE.columns if c.name not in ("service_tier", "activity_declined"))
    with pytest.raises(DataError) as error:
        check_columns(names, MARKET_FILE, new_month=True)
    activity = MARKET_FILE.column("activity_declined").raw
    assert "Тип сервиса" in str(error.value) and activity not in str(error.value)
