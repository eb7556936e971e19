"""A generator of synthetic raw exports: the shop's schema, its kinds of defects, any CSV dialect.

The target carries a learnable signal (declining customers view fewer pages, spend fewer minutes
and buy more on promotion), so that model tests can check that training beats a dummy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from stages.lib.schema import CATEGORY_LABELS

# how a month is read with the repository's params: the longest row, and (rows typed at a time, that)
ROW_BYTES = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text(encoding="utf-8"))["scale"][
    "max_row_bytes"
]
READING = (200_000, ROW_BYTES)

DECLINED, SAME = "Снизилась", "Прежний уровень"
PERIODS_MONEY = ["препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц"]
CATEGORIES = list(CATEGORY_LABELS)


@dataclass(frozen=True)
class Dialect:
    sep: str = ","
    decimal: str = "."
    encoding: str = "utf-8"  # utf-8 | utf-8-sig (BOM) | cp1251 | utf-16
    line_end: str = "\n"


DIALECTS = {
    "pandas": Dialect(),
    "excel_ru": Dialect(sep=";", decimal=",", encoding="utf-8-sig", line_end="\r\n"),
    "1c_cp1251": Dialect(sep=";", decimal=",", encoding="cp1251", line_end="\r\n"),
    "tab_utf16": Dialect(sep="\t", decimal=".", encoding="utf-16", line_end="\r\n"),
    "comma_decimal_comma": Dialect(sep=",", decimal=",", encoding="utf-8", line_end="\n"),
}


def make_raw(n: int = 160, seed: int = 0, defects: bool = True, with_target: bool = True) -> dict[str, pd.DataFrame]:
    """Four raw tables with Russian headers and labels, keyed like ``schema.RawFile.key``.

    With ``defects``: label typos, one extreme revenue, two non-regular customers, two pairs of
    duplicate customers (identical behaviour, new ids) and one exactly repeated row.
    """
    rng = np.random.default_rng(seed)
    ids = np.arange(100_001, 100_001 + n)
    declined = rng.random(n) < 0.4
    shift = np.where(declined, -1.0, 1.0)
    market = pd.DataFrame(
        {
            "id": ids,
            "Покупательская активность": np.where(declined, DECLINED, SAME),
            "Тип сервиса": rng.choice(["стандарт", "премиум"], n, p=[0.7, 0.3]),
            "Разрешить сообщать": rng.choice(["да", "нет"], n, p=[0.75, 0.25]),
            "Маркет_актив_6_мес": np.round(np.clip(4.2 + 0.6 * shift + rng.normal(0, 0.8, n), 0.9, 6.6), 1),
            "Маркет_актив_тек_мес": rng.integers(3, 6, n),
            "Длительность": rng.integers(110, 1080, n),
            "Акционные_покупки": np.round(np.clip(0.3 - 0.15 * shift + rng.normal(0, 0.15, n), 0, 0.99), 2),
            "Популярная_категория": rng.choice(CATEGORIES, n),
            "Средний_просмотр_категорий_за_визит": np.clip(
                np.round(3 + 0.8 * shift + rng.normal(0, 1, n)), 1, 6
            ).astype(int),
            "Неоплаченные_продукты_штук_квартал": np.clip(np.round(3 - shift + rng.normal(0, 1.5, n)), 0, 10).astype(
                int
            ),
            "Ошибка_сервиса": rng.integers(0, 10, n),
            "Страниц_за_визит": np.clip(np.round(8 + 3 * shift + rng.normal(0, 2.5, n)), 1, 20).astype(int),
        }
    )
    revenue = np.round(rng.normal(5000, 700, (n, 3)), 1)
    money = pd.DataFrame(
        {
            "id": np.repeat(ids, 3),
            "Период": np.tile(PERIODS_MONEY, n),
            "Выручка": revenue.ravel(),
        }
    )
    minutes = np.clip(np.round(13 + 3 * shift[:, None] + rng.normal(0, 3, (n, 2))), 4, 23).astype(int)
    time = pd.DataFrame(
        {
            "id": np.repeat(ids, 2),
            "Период": np.tile(["текущий_месяц", "предыдущий_месяц"], n),
            "минут": minutes.ravel(),
        }
    )
    profit = pd.DataFrame({"id": ids, "Прибыль": np.round(rng.normal(4, 1, n).clip(0.9, 7.4), 2)})
    raw = {"market_file": market, "market_money": money, "market_time": time, "money": profit}
    if defects:
        raw = add_defects(raw, rng)
    if not with_target:
        raw["market_file"] = raw["market_file"].drop(columns="Покупательская активность")
    return raw


def add_defects(raw: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    market, money, time, profit = (raw[k].copy() for k in ("market_file", "market_money", "market_time", "money"))
    ids = market["id"].to_numpy()
    market.loc[market.index[:3], "Тип сервиса"] = "стандартт"
    market["Популярная_категория"] = market["Популярная_категория"].replace(
        "Косметика и аксессуары", "Косметика и аксесуары"
    )
    time["Период"] = time["Период"].replace("предыдущий_месяц", "предыдцщий_месяц")
    money.loc[(money["id"] == ids[5]) & (money["Период"] == "текущий_месяц"), "Выручка"] = 106862.2
    for customer in ids[-2:]:  # not regular: nothing bought in the two earlier months
        money.loc[(money["id"] == customer) & (money["Период"] != "текущий_месяц"), "Выручка"] = 0.0
    for offset, original in enumerate(ids[10:12]):  # duplicate customers: a copy under a new id
        copy_id = ids.max() + 1 + offset
        market = pd.concat([market, market[market["id"] == original].assign(id=copy_id)])
        money = pd.concat([money, money[money["id"] == original].assign(id=copy_id)])
        time = pd.concat([time, time[time["id"] == original].assign(id=copy_id)])
        profit = pd.concat([profit, pd.DataFrame({"id": [copy_id], "Прибыль": [round(rng.uniform(1, 7), 2)]})])
    market = pd.concat([market, market.iloc[[20]]])  # one row exported twice
    return {
        "market_file": market.reset_index(drop=True),
        "market_money": money.reset_index(drop=True),
        "market_time": time.reset_index(drop=True),
        "money": profit.reset_index(drop=True),
    }


FILENAMES = {
    "market_file": "market_file.csv",
    "market_money": "market_money.csv",
    "market_time": "market_time.csv",
    "money": "money.csv",
}


def write_raw(raw: dict[str, pd.DataFrame], folder: Path, dialect: Dialect = Dialect()) -> Path:
    """Write the four tables as CSV files in the given dialect; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for key, frame in raw.items():
        text = frame.to_csv(index=False, sep=dialect.sep, decimal=dialect.decimal, lineterminator=dialect.line_end)
        (folder / FILENAMES[key]).write_bytes(text.encode(dialect.encoding))
    return folder
