"""Unit tests of reading and validating raw exports, on tiny frames."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from stages.io.raw_files import decode, detect_separator, read_raw_text
from stages.lib.errors import DataError
from stages.lib.quality import QualityLog
from stages.lib.raw import decimal_mark, parse_number, validate_file
from stages.lib.schema import MARKET_MONEY, MONEY

DROP_REPEATED_ROWS = True  # prepare.drop_exact_duplicate_rows


def money_frame(rows):
    return pd.DataFrame(rows, columns=["id", "Прибыль"]).astype(str)


def test_decode_handles_bom_utf8_utf16_and_cp1251():
    text = "id;Прибыль\n1;2,5\n"
    assert decode(codecs.BOM_UTF8 + text.encode("utf-8"), "f") == text
    assert decode(text.encode("utf-16"), "f") == text
    assert decode(text.encode("utf-8"), "f") == text
    assert decode(text.encode("cp1251"), "f") == text


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separator_is_the_one_that_splits_the_expected_header(sep):
    assert detect_separator(sep.join(["id", "Период", "Выручка"]), MARKET_MONEY) == sep


def test_unrecognisable_header_is_a_clear_error():
    with pytest.raises(DataError, match="market_money.csv.*cannot recognise the CSV dialect"):
        detect_separator("a b c", MARKET_MONEY)


def parse(cells, kind="float"):
    values = pd.Series(cells)
    mark, _ = decimal_mark(values, kind)
    return parse_number(values, mark).tolist()


def test_numbers_accept_decimal_comma_and_thousand_separators():
    assert parse(["1,5", "1\u00a0234,5", "1 234", "1.234,5"]) == [1.5, 1234.5, 1234.0, 1234.5]
    assert parse(["2.5", "1,234.5", "1 234 567"]) == [2.5, 1234.5, 1234567.0]


def test_decimal_mark_is_settled_once_per_column():
    assert parse(["5,835", "1.5"]) == [5835.0, 1.5]  # a point decimal elsewhere: the comma groups thousands
    assert parse(["5,835", "1,5"]) == [5.835, 1.5]  # a comma decimal elsewhere: 5.835
    assert parse(["5.834,9", "7"]) == [5834.9, 7.0]
    assert parse(["5,835"]) == [5.835]  # no evidence, float column: the single mark is decimal
    assert parse(["5,835", "12"], kind="int") == [5835.0, 12.0]  # no evidence, whole numbers: thousands
    assert decimal_mark(pd.Series(["1,5", "2.5", "3.5"]), "float")[0] is None


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
        validate_file(money_frame(rows), MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_an_error_names_the_rows_as_they_stand_in_the_file_even_after_a_dropped_repeat():
    rows = [[1, "2"], [1, "2"], [2, "3"], [3, "abc"], [4, "1"], [5, "xyz"]]  # row 2 repeats row 1 exactly
    with pytest.raises(DataError) as error:
        validate_file(money_frame(rows), MONEY, DROP_REPEATED_ROWS, QualityLog())
    assert "Example ids: 3, 5. Rows below the header: 4, 6." in str(error.value)


def test_thousands_comma_in_a_point_decimal_column_is_read_whole():
    frame = pd.DataFrame(
        {
            "id": ["1"] * 3,
            "Период": ["текущий_месяц", "предыдущий_месяц", "препредыдущий_месяц"],
            "Выручка": ["5,835", "4 999.5", "1.25"],
        }
    )
    revenue = validate_file(frame, MARKET_MONEY, DROP_REPEATED_ROWS, QualityLog())["revenue"]
    assert revenue.tolist() == [5835.0, 4999.5, 1.25]


def test_header_only_file_is_a_clear_error():
    with pytest.raises(DataError, match=r"money.csv: the file has no rows"):
        validate_file(read_raw_text("id;Прибыль\n", MONEY), MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_line_endings_and_bom_do_not_change_the_frame():
    unix = read_raw_text("id;Прибыль\n1;2,5\n2;3\n", MONEY)
    old_mac = read_raw_text("\ufeffid;Прибыль\r1;2,5\r2;3\r", MONEY)
    pd.testing.assert_frame_equal(unix, old_mac)


def test_valid_file_is_typed_and_renamed():
    typed = validate_file(money_frame([[1, "2,5"], [2, "3"]]), MONEY, DROP_REPEATED_ROWS, QualityLog())
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
    typed = validate_file(frame, MARKET_MONEY, DROP_REPEATED_ROWS, log)
    assert sorted(typed["period"]) == ["before_previous", "current", "previous"]
    assert log.as_dict()["rules"]["label_typos"]["rows"] == 1


def test_exact_duplicate_row_is_dropped_and_counted_or_refused():
    frame = money_frame([[1, "2"], [1, "2"], [2, "3"]])
    log = QualityLog()
    assert len(validate_file(frame, MONEY, DROP_REPEATED_ROWS, log)) == 2
    assert log.as_dict()["rules"]["exact_duplicate_rows"] == {
        "rows": 1,
        "customers": 1,
        "rows_by_source": {"money.csv": 1},
    }
    with pytest.raises(DataError, match="repeat another row exactly"):
        validate_file(frame, MONEY, False, QualityLog())


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
        validate_file(money_frame(rows), MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_missing_and_extra_columns_are_named():
    with pytest.raises(DataError, match="money.csv, column 'Прибыль': expected column"):
        validate_file(pd.DataFrame({"id": ["1"]}), MONEY, DROP_REPEATED_ROWS, QualityLog())
    with pytest.raises(DataError, match="column 'bonus': unexpected"):
        validate_file(money_frame([[1, "2"]]).assign(bonus="1"), MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_missing_period_is_an_error():
    frame = pd.DataFrame({"id": ["1", "1"], "Период": ["текущий_месяц", "предыдущий_месяц"], "Выручка": ["1", "2"]})
    with pytest.raises(DataError, match="lack some of the periods.*Example ids: 1"):
        validate_file(frame, MARKET_MONEY, DROP_REPEATED_ROWS, QualityLog())


def test_error_lists_at_most_five_example_ids():
    error = DataError("f.csv", "c", "bad", ids=range(12), hint="Fix it.")
    assert "Example ids: 0, 1, 2, 3, 4 and 7 more." in str(error)
