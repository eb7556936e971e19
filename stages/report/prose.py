"""How the markdown reports (reports/eda.md, reports/segments.md) say numbers and counts in their language.

Every word comes from the words tables (`stages.lib.words.Words`); this module only picks the form: a count with
its noun in the right grammatical number, a statistic to its significant digits, a signed effect, a p-value,
the shares of a category column.
"""

from __future__ import annotations

import math

from stages.lib.words import GROUPING, Words


def significant(w: Words, value, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, trailing zeros dropped, grouped: ru «4 587», «0,4885», «14,16»."""
    value = float(value)
    if math.isnan(value):
        return "–"
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    text = w.number(value, max(0, digits - 1 - magnitude))
    decimal = GROUPING[w.language][1]
    return text.rstrip("0").rstrip(decimal) if decimal in text else text


def signed(w: Words, value, digits: int = 2) -> str:
    """An effect or a SHAP mean with its sign: +0,54, -0,74 (0 unsigned, – for none)."""
    if math.isnan(float(value)):
        return "–"
    text = w.number(value, digits)
    return f"+{text}" if float(value) > 0 and text.strip("0,.") else text


def p_value(w: Words, p: float) -> str:
    """A p-value to two significant digits: en 1.9e-85, ru 1,9·10⁻⁸⁵; 0.012 as a number."""
    if math.isnan(p):
        return "–"
    if p >= 0.001 or p == 0:
        return significant(w, p, 2)
    mantissa, exponent = f"{p:.1e}".split("e")
    mantissa = mantissa.removesuffix(".0").replace(".", GROUPING[w.language][1])
    if w.language == "en":
        return f"{mantissa}e{int(exponent)}"
    return f"{mantissa}·10{str(int(exponent)).translate(SUPERSCRIPTS)}"


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def shares(w: Words, feature: str, table_shares: str) -> str:
    """The shares column of a comparison table ("kids_goods: 0.350; toys: 0.650") as a reader reads it, each
    category as the shop writes it and consent as yes/no of the language: «Товары для детей: 35 %, …»."""
    said = []
    for part in table_shares.split("; ") if isinstance(table_shares, str) and table_shares else []:
        code, _, share = part.rpartition(": ")
        said.append(f"{w.value(feature, code)}: {w.percent(float(share))}")
    return ", ".join(said)
