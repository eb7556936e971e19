"""Unit tests of the cell rules and the customer rules of one export, on tiny frames read in chunks."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from stages.io.export_dialect import detect_separator
from stages.lib.data.cell_rules import (
    MISSING,
    MISSING_MARKERS,
    ODD,
    PY_SPACE,
    WHITESPACE_RUN,
    ExportCells,
    evidence_pattern,
    known_labels,
    may_hold,
    one_space,
    parse_number,
    row_text,
    soft_cells,
    strings,
)
from stages.lib.data.customer_rules import check_file
from stages.lib.data.quality import QualityLog
from stages.lib.decision.scoring import imputed
from stages.lib.errors import DataError
from stages.lib.schema import ID_COLUMN, MARKET_FILE, MARKET_MONEY, MONEY, RAW_FILES, Column, RawFile

DROP_REPEATED_ROWS = True  # prepare.drop_exact_duplicate_rows
CHUNK = 2  # rows per chunk: small, so that marks and repeats straddle chunks


def money_frame(rows):
    return pd.DataFrame(rows, columns=["id", "Прибыль"]).astype(str)


def checked_file(frame, spec, drop_repeated, log, chunk_rows=CHUNK):
    """One export's strings through both passes of the cell rules, then the customer rules of its file."""
    chunks = [frame.iloc[at : at + chunk_rows] for at in range(0, len(frame), chunk_rows)]
    cells = ExportCells(spec, tuple(frame.columns))
    for chunk in chunks:
        cells.observe(chunk)
    cells.decide_marks()
    typed = [cells.typed(chunk) for chunk in chunks]
    cells.finish()
    checked = check_file(pd.concat(typed, ignore_index=True), spec, drop_repeated, log)
    return checked[[c.name for c in spec.columns if c.name in checked]]


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separator_is_the_one_that_splits_the_expected_header(sep):
    assert detect_separator(sep.join(["id", "Период", "Выручка"]), MARKET_MONEY) == sep


def test_unrecognisable_header_is_a_clear_error():
    with pytest.raises(DataError, match="market_money.csv.*cannot recognise the CSV dialect"):
        detect_separator("a b c", MARKET_MONEY)


def column_mark(cells, kind="float") -> str:
    """The decimal mark the rule settles for a column of ``cells`` (read in chunks of CHUNK rows)."""
    spec = RawFile("t", "t.csv", (ID_COLUMN, Column("x", "x", kind)))
    frame = pd.DataFrame({"id": [str(i) for i in range(1, len(cells) + 1)], "x": cells})
    export = ExportCells(spec, ("id", "x"))
    for at in range(0, len(frame), CHUNK):
        export.observe(frame.iloc[at : at + CHUNK])
    export.decide_marks()
    return export.marks["x"]


def parse(cells, kind="float"):
    return parse_number(strings(pd.Series(cells)), column_mark(cells, kind)).tolist()


def test_numbers_accept_decimal_comma_and_thousand_separators():
    assert parse(["1,5", "1\u00a0234,5", "1 234", "1.234,5"]) == [1.5, 1234.5, 1234.0, 1234.5]
    assert parse(["2.5", "1,234.5", "1 234 567"]) == [2.5, 1234.5, 1234567.0]


def test_decimal_mark_is_settled_once_per_column():
    assert parse(["5,835", "1.5"]) == [5835.0, 1.5]  # a point decimal elsewhere: the comma groups thousands
    assert parse(["5,835", "1,5"]) == [5.835, 1.5]  # a comma decimal elsewhere: 5.835
    assert parse(["5.834,9", "7"]) == [5834.9, 7.0]
    assert parse(["5,835"]) == [5.835]  # no evidence, float column: the single mark is decimal
    assert parse(["5,835", "12"], kind="int") == [5835.0, 12.0]  # no evidence, whole numbers: thousands
    with pytest.raises(DataError, match=r"1 row\(s\) mix a decimal comma and a decimal point .*'1,5'"):
        column_mark(["1,5", "2.5", "3.5"])


@pytest.mark.parametrize(
    ("cell", "evidence"),
    [
        ("5,835", ""),
        ("5.835", ""),
        ("1.234.567,5", ","),
        ("1 234,5", ","),
        (",5", ","),
        ("5,", ","),
        ("a,5", ","),
        ("12,34", ","),
        ("5,8355", ","),
        ("5,835.1", "."),
        ("5.835 0", ""),
    ],
)
def test_a_mark_is_decimal_evidence_where_it_cannot_group_thousands(cell, evidence):
    for mark in (",", "."):
        assert pc.match_substring_regex(pa.array([cell]), evidence_pattern(mark))[0].as_py() == (mark == evidence)


def test_a_cell_breaking_the_column_convention_is_not_a_number():
    first, badly_grouped = parse(["1,234.5", "1 23.4"])  # spaces group thousands only in threes
    assert first == 1234.5 and pd.isna(badly_grouped)
    assert all(pd.isna(v) for v in parse(["inf", "-inf", "abc", "1e", ".", "1..2"])[:6])


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[1, "2.5"], [2, "3.5"], [3, "1,5"]], r"column 'Прибыль': 1 row\(s\) mix a decimal comma .*'1,5'.*ids: 3\."),
        ([[1, "2,5"], [2, "12,34,5"]], r"column 'Прибыль': 1 row\(s\) hold text .*'12,34,5'.*ids: 2\."),
        ([[1, "inf"], [2, "3"]], r"column 'Прибыль': 1 row\(s\) hold text .*'inf'"),
        ([[1, "-inf"], [2, "3"]], r"column 'Прибыль': 1 row\(s\) hold text .*'-inf'"),
        ([["1e20", "2"]], r"column 'id': 1 row\(s\) are outside the allowed range .*'1e20'"),
        ([["12345678901234567890", "2"]], r"column 'id': .* outside the allowed range"),
        ([["1.5", "2"]], r"column 'id': .* fractions"),
        ([[1, "2"], [2, "nan"]], r"column 'Прибыль': 1 row\(s\) have no value"),
    ],
)
def test_contradicting_or_unbounded_numbers_are_refused(rows, message):
    with pytest.raises(DataError, match=message):
        checked_file(money_frame(rows), MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_an_error_names_the_rows_as_they_stand_in_the_file_even_after_a_dropped_repeat():
    rows = [[1, "2"], [1, "2"], [2, "3"], [3, "abc"], [4, "1"], [5, "xyz"]]  # row 2 repeats row 1 exactly
    with pytest.raises(DataError) as error:
        checked_file(money_frame(rows), MONEY, DROP_REPEATED_ROWS, QualityLog())
    assert "Example ids: 3, 5. Rows below the header: 4, 6." in str(error.value)


def test_thousands_comma_in_a_point_decimal_column_is_read_whole():
    frame = pd.DataFrame(
        {
            "id": ["1"] * 3,
            "Период": ["текущий_месяц", "предыдущий_месяц", "препредыдущий_месяц"],
            "Выручка": ["5,835", "4 999.5", "1.25"],
        }
    )
    revenue = checked_file(frame, MARKET_MONEY, DROP_REPEATED_ROWS, QualityLog())["revenue"]
    assert revenue.tolist() == [5835.0, 4999.5, 1.25]


def test_header_only_file_is_a_clear_error():
    with pytest.raises(DataError, match=r"money.csv: the file has no rows"):
        checked_file(money_frame([]), MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_a_refusal_counts_the_cells_of_every_chunk_and_shows_the_first():
    rows = [[i, "x" if i % 2 else "3"] for i in range(1, 17)]  # 8 bad cells over 8 chunks
    with pytest.raises(DataError) as error:
        checked_file(money_frame(rows), MONEY, DROP_REPEATED_ROWS, QualityLog())
    message = str(error.value)
    assert "money.csv, column 'Прибыль': 8 row(s) hold text" in message and "('x')" in message
    assert "Example ids: 1, 3, 5, 7, 9 and 3 more. Rows below the header: 1, 3, 5, 7, 9." in message


def test_a_wrong_header_fails_before_any_row_is_read():
    with pytest.raises(DataError, match="money.csv, column 'Прибыль': expected column"):
        ExportCells(MONEY, ("id", "Прибыль_"))
    with pytest.raises(DataError, match="column 'id': unexpected or repeated"):
        ExportCells(MONEY, ("id", "id", "Прибыль"))


def test_rules_hold_across_chunks():
    with pytest.raises(DataError, match="'Прибыль': 1 row.* mix a decimal comma"):  # the column's mark contradicts
        checked_file(money_frame([["1", "2,5"], ["2", "3"], ["3", "4.5"]]), MONEY, True, QualityLog())
    repeated = money_frame([["1", "2"], ["2", "3"], ["1", "2"]])
    with pytest.raises(
        DataError, match=r"1 row\(s\) repeat another row exactly. Example ids: 1. Rows below the header: 3"
    ):
        checked_file(repeated, MONEY, False, QualityLog())
    assert checked_file(repeated, MONEY, True, QualityLog())["id"].tolist() == [1, 2]


def test_joined_rows_are_equal_only_for_equal_cells():
    frame = pd.DataFrame({"a": ["x\x1fy", "x", "x\x1by"], "b": ["z", "y\x1fz", "z"]})
    assert row_text(frame).nunique() == 3


def test_valid_file_is_typed_and_renamed():
    typed = checked_file(money_frame([[1, "2,5"], [2, "3"]]), MONEY, DROP_REPEATED_ROWS, QualityLog())
    assert list(typed.columns) == ["id", "profit"]
    assert typed["id"].dtype == "int64" and typed["profit"].tolist() == [2.5, 3.0]


def test_label_typo_is_fixed_and_counted():
    frame = pd.DataFrame(
        {
            "id": ["1", "1", "1"],
            "Период": ["текущий_месяц", "предыдцщий_месяц", "препредыдущий_месяц"],
            "Выручка": ["1", "2", "3"],
        }
    )
    log = QualityLog()
    typed = checked_file(frame, MARKET_MONEY, DROP_REPEATED_ROWS, log)
    assert sorted(typed["period"]) == ["before_previous", "current", "previous"]
    assert log.as_dict()["rules"]["label_typos"]["rows"] == 1


def test_exact_duplicate_row_is_dropped_and_counted_or_refused():
    frame = money_frame([[1, "2"], [1, "2"], [2, "3"]])
    log = QualityLog()
    assert len(checked_file(frame, MONEY, DROP_REPEATED_ROWS, log)) == 2
    assert log.as_dict()["rules"]["exact_duplicate_rows"] == {
        "rows": 1,
        "customers": 1,
        "rows_by_source": {"money.csv": 1},
    }
    with pytest.raises(DataError, match="repeat another row exactly"):
        checked_file(frame, MONEY, False, QualityLog())


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[1, "2"], [1, "3"]], r"money.csv: 2 row\(s\) repeat an id with conflicting values. Example ids: 1"),
        ([[1, "abc"], [2, "3"]], r"money.csv, column 'Прибыль': 1 row\(s\) hold text .*Example ids: 1\."),
        ([[1, ""], [2, "3"]], r"money.csv, column 'Прибыль': 1 row\(s\) have no value .*Example ids: 1\."),
        ([[1, "NaN"], [2, "3"]], r"have no value"),
        ([[1, "5000"], [2, "3"]], r"outside the allowed range .*Example ids: 1\."),
        ([["x", "1"]], r"column 'id': 1 row\(s\) hold text"),
    ],
)
def test_bad_values_name_file_column_and_ids(rows, message):
    with pytest.raises(DataError, match=message):
        checked_file(money_frame(rows), MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_missing_and_extra_columns_are_named():
    with pytest.raises(DataError, match="money.csv, column 'Прибыль': expected column"):
        checked_file(pd.DataFrame({"id": ["1"]}), MONEY, DROP_REPEATED_ROWS, QualityLog())
    with pytest.raises(DataError, match="column 'bonus': unexpected"):
        checked_file(money_frame([[1, "2"]]).assign(bonus="1"), MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_missing_period_is_an_error():
    frame = pd.DataFrame({"id": ["1", "1"], "Период": ["текущий_месяц", "предыдущий_месяц"], "Выручка": ["1", "2"]})
    with pytest.raises(DataError, match="lack some of the periods.*Example ids: 1"):
        checked_file(frame, MARKET_MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_an_odd_behaviour_cell_of_a_new_month_is_set_aside_and_flagged():
    chunk = pd.DataFrame({c.raw: [next(iter(c.labels), "1")] * 2 for c in MARKET_FILE.columns})
    chunk["Популярная_категория"] = ["Садовый  инвентарь", "Кухонная посуда"]
    chunk["Страниц_за_визит"] = ["", "4"]
    softened, extra = soft_cells(chunk)
    assert softened["Страниц_за_визит"].tolist() == ["0", "4"]
    odd = extra.astype(object).where(extra.notna(), None).set_axis([1, 2]).rename(columns=lambda c: c.removeprefix(ODD))
    assert odd["favourite_category"].tolist() == ["Садовый инвентарь", None] and odd["pages_per_visit"][1] == ""
    gaps, notes = imputed(odd)
    assert gaps["pages_per_visit"].tolist() == [True, False] and not gaps["service_errors"].any()
    assert notes.tolist() == [
        "favourite_category:unseen:Садовый инвентарь; pages_per_visit:empty",  # machine-readable: Words.flags
        "",
    ]


def test_error_lists_at_most_five_example_ids():
    error = DataError("f.csv", "c", "bad", ids=range(12), hint="Fix it.")
    assert "Example ids: 0, 1, 2, 3, 4 and 7 more." in str(error)


def test_a_cell_is_missing_exactly_when_arrow_lowercases_it_to_a_marker():
    """MISSING spells the markers in every case; no other character lowercases to one of their letters."""
    letters = {c for marker in MISSING_MARKERS for c in marker}
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    lowered = pc.utf8_lower(pa.array(every, type=pa.large_string())).to_pylist()
    to_letters = {c for c, low in zip(every, lowered, strict=True) if low in letters}
    assert to_letters == letters | {c.upper() for c in letters}
    spelt = set(MISSING.to_pylist())
    assert {m.lower() for m in spelt} == set(MISSING_MARKERS)
    assert all(m.upper() in spelt and m.title() in spelt for m in MISSING_MARKERS)


def test_whitespace_runs_are_made_one_space_and_labels_are_left_as_they_are():
    labels = [
        label
        for spec in RAW_FILES
        for column in spec.columns
        if column.kind == "category"
        for label in known_labels(column)
    ]
    assert all(pc.replace_substring_regex(pa.scalar(label), WHITESPACE_RUN, " ").as_py() == label for label in labels)
    known = pa.array(["Товары для детей"], type=pa.large_string())
    text = pa.array(["Товары для детей", "Товары\u00a0 для\tдетей", "x  y"], type=pa.large_string())
    assert one_space(text, known).to_pylist() == ["Товары для детей", "Товары для детей", "x y"]
    assert one_space(text[:1], known).equals(text[:1])  # nothing to make one space: the same cells


def test_python_whitespace_is_spelt_out_whole():
    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == PY_SPACE


def test_a_cell_may_hold_a_character_only_if_its_last_byte_is_in_the_text():
    cells = pa.array(["12", "3,5", "Р"], type=pa.large_string())  # Р is d0 a0 in UTF-8: the last byte of NBSP too
    assert may_hold(cells, ",") and may_hold(cells, "\u00a0") and not may_hold(cells, "\x1f\x1b")
    assert not may_hold(cells.slice(0, 1), ".")
    chunked = pa.chunked_array([cells.slice(0, 1), pa.array(["a\x1fb"], type=pa.large_string())])
    assert may_hold(chunked, "\x1f") and not may_hold(pa.chunked_array([], type=pa.large_string()), ",")
