"""The raw exports' schema: the one table that maps Russian names and labels to English.

Every raw column is declared once here with its English snake_case name, its kind, its allowed
labels or value range. Label typos seen in the exports are fixed by the explicit ``LABEL_TYPOS``
mapping (counted by ``prepare``), never by fuzzy matching.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ID = "id"


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows sorted by id, ties in their order, on a fresh index: sort_values(ID, kind="stable")'s order
    in half its time at ten million rows (one argsort of the integers, one take); sorted already: as it is."""
    if frame[ID].is_monotonic_increasing:
        return frame.reset_index(drop=True)
    return frame.take(np.argsort(frame[ID].to_numpy(), kind="stable")).reset_index(drop=True)


TARGET = "activity_declined"  # 1 = «Снизилась» (activity declined), 0 = «Прежний уровень»
PERIOD = "period"


@dataclass(frozen=True)
class Column:
    raw: str  # header as the shop exports it
    name: str  # English snake_case used everywhere downstream
    kind: str  # "id" | "int" | "float" | "category"
    labels: dict[str, str] = field(default_factory=dict)  # raw label -> English label
    low: float | None = None  # inclusive bounds for numbers
    high: float | None = None


@dataclass(frozen=True)
class RawFile:
    key: str
    filename: str
    columns: tuple[Column, ...]
    periods: tuple[str, ...] = ()  # English period labels each customer must have (long files)
    optional: tuple[str, ...] = ()  # English names of columns a new month may lack (the target)

    @property
    def key_columns(self) -> list[str]:
        return [ID, PERIOD] if self.periods else [ID]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


CURRENT, PREVIOUS, BEFORE_PREVIOUS = "current", "previous", "before_previous"
PERIOD_LABELS = {"текущий_месяц": CURRENT, "предыдущий_месяц": PREVIOUS, "препредыдущий_месяц": BEFORE_PREVIOUS}
CATEGORY_LABELS = {
    "Товары для детей": "kids_goods",
    "Домашний текстиль": "home_textiles",
    "Косметика и аксессуары": "cosmetics_and_accessories",
    "Техника для красоты и здоровья": "beauty_and_health_devices",
    "Кухонная посуда": "kitchenware",
    "Мелкая бытовая техника и электроника": "small_appliances_and_electronics",
}

# Misspelt labels found in the exports -> the correct raw label. Counted as rule `label_typos`.
LABEL_TYPOS = {
    "стандартт": "стандарт",
    "предыдцщий_месяц": "предыдущий_месяц",
    "Косметика и аксесуары": "Косметика и аксессуары",
}

# Assumption: customer ids are positive and below 10**12 (the shop's ids have 6 digits); the bound
# refuses 1e20, 20-digit ids and inf with the usual range paragraph instead of wrapping in int64.
ID_COLUMN = Column("id", ID, "id", low=1, high=10**12)

MARKET_FILE = RawFile(
    key="market_file",
    filename="market_file.csv",
    columns=(
        ID_COLUMN,
        Column("Покупательская активность", TARGET, "category", {"Снизилась": "1", "Прежний уровень": "0"}),
        Column("Тип сервиса", "service_tier", "category", {"стандарт": "standard", "премиум": "premium"}),
        Column("Разрешить сообщать", "allows_offers", "category", {"да": "yes", "нет": "no"}),
        Column("Маркет_актив_6_мес", "marketing_contacts_6m", "float", low=0, high=100),
        Column("Маркет_актив_тек_мес", "marketing_contacts_current", "int", low=0, high=100),
        Column("Длительность", "days_registered", "int", low=0, high=20_000),
        Column("Акционные_покупки", "promo_purchase_share", "float", low=0, high=1),
        Column("Популярная_категория", "favourite_category", "category", CATEGORY_LABELS),
        Column("Средний_просмотр_категорий_за_визит", "categories_per_visit", "int", low=0, high=100),
        Column("Неоплаченные_продукты_штук_квартал", "unpaid_items_quarter", "int", low=0, high=1_000),
        Column("Ошибка_сервиса", "service_errors", "int", low=0, high=1_000),
        Column("Страниц_за_визит", "pages_per_visit", "int", low=0, high=1_000),
    ),
    optional=(TARGET,),
)
MARKET_MONEY = RawFile(
    key="market_money",
    filename="market_money.csv",
    columns=(
        ID_COLUMN,
        Column("Период", PERIOD, "category", PERIOD_LABELS),
        Column("Выручка", "revenue", "float", low=0, high=10_000_000),
    ),
    periods=(CURRENT, PREVIOUS, BEFORE_PREVIOUS),
)
MARKET_TIME = RawFile(
    key="market_time",
    filename="market_time.csv",
    columns=(
        ID_COLUMN,
        Column("Период", PERIOD, "category", {k: v for k, v in PERIOD_LABELS.items() if v != BEFORE_PREVIOUS}),
        Column("минут", "minutes", "int", low=0, high=60 * 24 * 31),
    ),
    periods=(CURRENT, PREVIOUS),
)
MONEY = RawFile(
    key="money", filename="money.csv", columns=(ID_COLUMN, Column("Прибыль", "profit", "float", low=-1_000, high=1_000))
)
RAW_FILES = (MARKET_FILE, MARKET_MONEY, MARKET_TIME, MONEY)

# Model features after pivoting, by how the model must encode them.
NOMINAL_FEATURES = ["favourite_category"]
BINARY_FEATURES = ["service_tier", "allows_offers"]  # premium / yes = 1
REVENUE_COLUMNS = [f"revenue_{p}" for p in MARKET_MONEY.periods]
MINUTES_COLUMNS = [f"minutes_{p}" for p in MARKET_TIME.periods]
# market_file's numbers, then the monthly revenue and minutes (pivoted)
NUMERIC_FEATURES = (
    [c.name for c in MARKET_FILE.columns if c.kind in ("int", "float")] + REVENUE_COLUMNS + MINUTES_COLUMNS
)
FEATURES = [*NUMERIC_FEATURES, *BINARY_FEATURES, *NOMINAL_FEATURES]
PROFIT = "profit"
GROUP = "duplicate_group"  # customers with identical behaviour share a group id
