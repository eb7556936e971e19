"""The words people read: every feature has a phrase, labels and one-hot columns read as words."""

from __future__ import annotations

from stages.lib.schema import FEATURES
from stages.lib.words import OFFERS, PHRASES, label, level, readable, sentence_start


def test_every_feature_has_a_phrase_and_every_offer_a_feature():
    assert set(PHRASES) == set(FEATURES)
    assert {feature for feature, _ in OFFERS} <= set(FEATURES)
    assert {direction for _, direction in OFFERS} <= {"higher", "lower"}


def test_labels_and_one_hot_columns_read_as_words():
    assert label("pages_per_visit") == "Pages per visit"
    assert readable("favourite_category_kids_goods") == "Favourite category: kids goods"
    assert readable("minutes_current") == "Minutes current"
    assert level("home_textiles") == "home textiles"
    assert sentence_start("spend this month") == "Spend this month"
