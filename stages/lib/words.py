"""The words people read: every feature, class, group and unit as figures, reports and reasons say it.

Computation names things in English snake_case (`stages/lib/schema.py` maps the raw Russian names
once); this module is the one place those names become words. What the manager reads (the page, the
action list, the monthly commands' console, the markdown reports) comes from one table per language
(stages/lib/translations: en.py, ru.py; the reports' words in en_reports.py, ru_reports.py; the campaign's
in en_campaign.py, ru_campaign.py) through `Words`, in the language of params.yaml `report.language`; the
analysts' figures use the English names below.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from stages.lib.schema import CATEGORY_LABELS, FEATURES, MARKET_FILE, NOMINAL_FEATURES
from stages.lib.translations import en, en_campaign, en_reports, ru, ru_campaign, ru_reports

TABLES = {  # the reports' and the campaign's words: files of their own
    "ru": ru.WORDS | ru_reports.WORDS | ru_campaign.WORDS,
    "en": en.WORDS | en_reports.WORDS | en_campaign.WORDS,
}
LANGUAGES = tuple(TABLES)  # the first is the default
# the shop's own labels, as it writes them, for the English codes of its category columns
SHOP_LABELS = {
    column.name: {code: raw for raw, code in column.labels.items()}
    for column in MARKET_FILE.columns
    if column.kind == "category" and column.name in ("service_tier", "favourite_category")
}
assert SHOP_LABELS["favourite_category"] == {code: raw for raw, code in CATEGORY_LABELS.items()}
# where one flag of `scoring.imputed` ends: "; " before a feature's name (a label may hold "; " itself)
FLAG_START = re.compile("; (?=(?:" + "|".join(FEATURES) + "):(?:empty|unseen:))")
GROUPING = {"ru": ("\u202f", ","), "en": (",", ".")}  # thousands separator and decimal mark of each language


@dataclass(frozen=True)
class Words:
    """One language's words and number format: ``words("risk.high", threshold=words.percent(0.7))``."""

    language: str = LANGUAGES[0]

    def __call__(self, key: str, **values: str) -> str:
        return TABLES[self.language][key].format(**values)

    def has(self, key: str) -> bool:
        return key in TABLES[self.language]

    def number(self, value, digits: int = 1) -> str:
        """1357.25 -> ru «1 357,3», en «1,357.3»; '' for a missing value; -0 never shown."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        text = f"{float(value) + 0.0:,.{digits}f}"
        if text.lstrip("-").strip("0.,") == "":
            text = text.lstrip("-")
        thousands, decimal = GROUPING[self.language]
        return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)

    def plain(self, value) -> str:
        """A customer's own value as short as it is exact (0,93, 13, 4 421,5), grouped, in the language's format."""
        text = repr(float(value))
        decimals = 0 if float(value).is_integer() or "e" in text else len(text.split(".")[1])
        return self.number(value, min(decimals, 6))

    def count(self, value) -> str:
        return self.number(int(value), 0)

    def counted(self, count, noun: str) -> str:
        """``count`` with the noun ``noun`` (a words key holding its three forms, "form|form|form"):
        ru «1 клиент», «2 клиента», «1 297 клиентов»; en «1 customer», «2 customers»."""
        return f"{self.count(count)} {self(noun).split('|')[plural_form(self.language, int(count))]}"

    def percent(self, share, digits: int = 0) -> str:
        """0.675 -> ru «67,5 %» (digits=1), en «67.5%»; '–' for a missing share."""
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return "–"
        space = "\u00a0" if self.language == "ru" else ""
        return f"{self.number(100 * float(share), digits)}{space}%"

    def money(self, value, digits: int = 1) -> str:
        return f"{self.number(value, digits)} {self('unit.money')}"

    def phrase(self, feature: str) -> str:
        """A feature as a marketer reads it; `drift`'s predicted_probability too."""
        return self(f"phrase.{'probability' if feature == 'predicted_probability' else feature}")

    def rule(self, name: str) -> str:
        """A data-quality rule in words (a rule without words keeps its name)."""
        return self(f"rule.{name}") if self.has(f"rule.{name}") else name

    def offer(self, name: str) -> str:
        """An offer of the catalogue in words; one added to params.yaml without words keeps its name."""
        return self(f"offer.{name}") if self.has(f"offer.{name}") else level(name)

    def about(self, name: str, description: str) -> str:
        return self(f"about.{name}") if self.has(f"about.{name}") else description

    def label(self, feature: str, code: str) -> str:
        """A category as the shop writes it (kids_goods -> «Товары для детей»); a label the shop's table
        does not know (an unseen one, kept as written) is shown as it came."""
        return SHOP_LABELS.get(feature, {}).get(code, code)

    def flags(self, flags: str) -> str:
        """The machine-readable flags of `scoring.imputed` in words: each imputed cell, and its unseen label."""
        said = []
        for flag in FLAG_START.split(flags) if flags else []:
            feature, _, what = flag.partition(":")
            if what.startswith("unseen:"):
                said.append(self("flag.unseen", phrase=self.phrase(feature), label=what.removeprefix("unseen:")))
            else:
                said.append(self("flag.empty", phrase=self.phrase(feature)))
        return "; ".join(said)

    def value(self, feature: str, code: str) -> str:
        """A category's value in words: consent as yes/no of the language, the others as the shop writes them."""
        return self(code) if feature == "allows_offers" and code in ("yes", "no") else self.label(feature, code)

    def cut_export(self, file: str, row: str) -> str:
        """`exports.cut_exports`' warning about one export: its file, and its last row's id when it can show it."""
        return self("warning.cut", file=file, id=row or self("warning.row_too_long"))

    def risk_bands(self, high_risk: float) -> dict[str, str]:
        """The risk bands named by their numbers: a 0.67 probability is "low" only against a 0.70 threshold."""
        threshold = self.percent(high_risk)
        return {"high": self("risk.high", threshold=threshold), "low": self("risk.low", threshold=threshold)}


def plural_form(language: str, count: int) -> int:
    """Which of a noun's three forms follows ``count``: ru 1 клиент, 2 клиента, 5 клиентов; en 1 / 2 / 2."""
    if language != "ru":
        return 0 if count == 1 else 1
    if count % 10 == 1 and count % 100 != 11:
        return 0
    return 1 if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14 else 2


CLASS_NAMES = {0: "Same level", 1: "Declined"}  # the target: activity over the next three months
SEGMENT_NAMES = {0: "Other regular customers", 1: "Chosen segment"}
SHAP_UNITS = {"probability": "probability", "log_odds": "log-odds"}  # what a SHAP value is measured in (axes)
SHAP_AMOUNTS = {"probability": "probability points", "log_odds": "log-odds"}  # an amount of it, in sentences
# The first lines of the manager's page: report/page.py writes them; `score` overwrites only a page that has them.
PAGE_MARKER = "<!DOCTYPE html>\n<!-- the monthly decision page (stages/report/page.py) -->\n"

# Offers of the segment report, each tied to a feature and the direction in which the segment differs from the
# rest; their words: the tables' `segments.offer.<feature>.<direction>`.
OFFERS = (
    ("pages_per_visit", "lower"),
    ("categories_per_visit", "lower"),
    ("minutes_current", "lower"),
    ("minutes_previous", "lower"),
    ("promo_purchase_share", "higher"),
    ("unpaid_items_quarter", "higher"),
    ("marketing_contacts_6m", "lower"),
    ("service_errors", "higher"),
    ("revenue_before_previous", "lower"),
)


# ASSUMED: ../shared/data/README.md gives no unit for profit (money.csv «Прибыль»); its scale (about 4 a
# month) reads as thousands of roubles, and every cost and expected value is stated in the same unit.
MONEY_UNIT = "thousand roubles"
MONEY_PER_MONTH = f"{MONEY_UNIT} per month"

# Units of the numbers figures put on an axis, by feature name or its prefix (revenue_current -> revenue).
# Revenue («Выручка», about 5,000 a month) has no stated unit either, and it cannot share profit's unit
# (profit would be 0.1 % of it, or 80 %): the axes say so rather than guess.
UNITS = {
    "revenue": "per month, unit not stated",
    "profit": MONEY_PER_MONTH,
    "minutes": "minutes per month",
    "days_registered": "days",
}
# SHAP waterfalls read by a person: where every customer starts and where this one ends.
BASE_RATE = "base value (the model at the background customers)"
THIS_CUSTOMER = "this customer"
PERIOD_WORDS = {"before_previous": "month before last", "previous": "last month", "current": "this month"}


def unit(name: str) -> str:
    """The unit of a feature's values ('' for counts and shares): minutes_current -> minutes per month."""
    return UNITS.get(name) or UNITS.get(name.split("_", 1)[0], "")


def with_unit(text: str, name: str) -> str:
    """An axis label with the unit of ``name`` in brackets, when it has one."""
    return f"{text} ({unit(name)})" if unit(name) else text


def label(name: str) -> str:
    """snake_case name -> axis label: pages_per_visit -> Pages per visit."""
    return name.replace("_", " ").capitalize()


def readable(name: str) -> str:
    """A model column in words, one-hot columns included: favourite_category_kids_goods ->
    Favourite category: kids goods."""
    for nominal in NOMINAL_FEATURES:
        if name.startswith(f"{nominal}_"):
            return f"{label(nominal)}: {name.removeprefix(nominal + '_').replace('_', ' ')}"
    return label(name)


def level(value) -> str:
    """A category label in words: kids_goods -> kids goods."""
    return str(value).replace("_", " ")


def sentence_start(text: str) -> str:
    return text[0].upper() + text[1:]
