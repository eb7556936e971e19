"""The words people read: every feature has a phrase, labels and one-hot columns read as words."""

from __future__ import annotations

from pathlib import Path

from stages.lib.schema import FEATURES
from stages.lib.words import OFFERS, Words, label, level, readable, sentence_start


def test_every_feature_has_a_phrase_and_every_offer_a_feature():
    for language in ("en", "ru"):  # how a marketer reads each feature, in each language
        assert all(Words(language).phrase(feature).strip() for feature in FEATURES)
    assert {feature for feature, _ in OFFERS} <= set(FEATURES)
    assert {direction for _, direction in OFFERS} <= {"higher", "lower"}


def test_labels_and_one_hot_columns_read_as_words():
    assert label("pages_per_visit") == "Pages per visit"
    assert readable("favourite_category_kids_goods") == "Favourite category: kids goods"
    assert readable("minutes_current") == "Minutes current"
    assert level("home_textiles") == "home textiles"
    assert sentence_start("spend this month") == "Spend this month"


def test_every_key_has_both_languages_with_the_same_placeholders():
    import string

    from stages.lib.words import TABLES

    english, russian = TABLES["en"], TABLES["ru"]
    assert set(english) == set(russian)

    def names(template: str) -> set:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    assert {k: names(v) for k, v in english.items()} == {k: names(v) for k, v in russian.items()}


def test_numbers_are_written_as_each_language_writes_them():
    from stages.lib.words import Words

    ru, en = Words("ru"), Words("en")
    assert ru.number(1357.26) == "1\u202f357,3" and en.number(1357.26) == "1,357.3"
    assert ru.percent(0.675, 1) == "67,5\u00a0%" and en.percent(0.675) == "68%"
    assert ru.plain(0.93) == "0,93" and ru.plain(13.0) == "13"
    assert ru.number(-0.01) == "0,0" and ru.number(float("nan")) == ""
    assert ru.money(62.7) == "62,7 тыс. руб."


def test_the_shops_labels_as_the_shop_writes_them_and_unseen_ones_as_they_came():
    from stages.lib.words import Words

    for language in ("ru", "en"):
        words = Words(language)
        assert words.label("favourite_category", "kids_goods") == "Товары для детей"
        assert words.label("favourite_category", "Спорт и отдых") == "Спорт и отдых"


def test_flags_in_words_keep_an_unseen_label_whole_even_with_a_separator_inside():
    from stages.lib.words import Words

    flags = "service_errors:empty; favourite_category:unseen:Спорт; отдых"
    assert Words("en").flags(flags) == (
        "service errors met on the site empty, imputed; favourite category: unseen label «Спорт; отдых», imputed"
    )
    assert Words("ru").flags("") == ""


def test_every_offer_of_the_catalogue_has_words_in_both_languages():
    import yaml

    from stages.lib.words import TABLES

    catalogue = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))["offers"]["catalogue"]
    for table in TABLES.values():
        assert all(f"offer.{o['name']}" in table and f"about.{o['name']}" in table for o in catalogue)


def test_every_offer_rule_of_the_segment_report_has_words_and_the_reports_tables_add_only_new_keys():
    from stages.lib.translations import en, en_campaign, en_reports, ru, ru_campaign, ru_reports
    from stages.lib.words import TABLES

    for table in TABLES.values():
        assert all(f"segments.offer.{feature}.{direction}" in table for feature, direction in OFFERS)
    for parts in ((en, en_reports, en_campaign), (ru, ru_reports, ru_campaign)):  # no key in two files of a language
        keys = [key for part in parts for key in part.WORDS]
        assert len(keys) == len(set(keys))


def test_a_console_line_escapes_control_characters_and_keeps_the_numbers_spaces():
    from stages.lib.errors import printable

    assert printable("1\u202f357,3 тыс. руб.\u00a0%") == "1\u202f357,3 тыс. руб.\u00a0%"
    assert printable("«\x1b[31mred\x1b[0m»\tnext\u2028line") == "«\\x1b[31mred\\x1b[0m»\\tnext\\u2028line"


def test_printable_takes_its_short_way_only_where_nothing_needs_escaping():
    """`str.isprintable` lets a text through unchanged: true of every character printable leaves as it is."""
    import unicodedata

    from stages.lib.errors import printable

    for code in range(0x110000):
        c = chr(code)
        escaped = unicodedata.category(c)[0] == "C" or c in "\u2028\u2029"
        assert printable(c) == (repr(c)[1:-1] if escaped else c)


def test_a_value_in_a_paragraph_is_shown_as_the_user_wrote_it_not_as_numpy_names_it():
    import numpy as np

    from stages.lib.errors import shown

    assert (shown(np.float64(1.5)), shown(np.int64(2)), shown("x"), shown(None)) == ("1.5", "2", "'x'", "None")
