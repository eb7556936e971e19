"""Drift a manager can act on: the verdict with what to do first, then per feature the training month
against this month (medians or shares), the direction in words and every new label with its count.

Returns HTML fragments and console text (text from the data escaped); `page.py` places them.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from stages.lib.decision.drift import NOT_COMPARED, PROBABILITY
from stages.lib.schema import NUMERIC_FEATURES
from stages.lib.settings import Drift
from stages.lib.words import Words


def instruction(verdict: str, settings: Drift, w: Words) -> str:
    """What the manager does with this month's list, in one or two sentences ('' when not compared)."""
    if verdict == NOT_COMPARED:
        return ""
    if verdict == "retrain":
        return w(f"instruction.retrain.{settings.on_retrain}", top=w.count(settings.retrain_top))
    return w(f"instruction.{verdict}", title=w("drift.title"))


def verdict_block(verdict: str, settings: Drift, w: Words) -> str:
    """The first thing on a new month's page: the verdict and the instruction."""
    if verdict == NOT_COMPARED:
        return ""
    return (
        f'<p id="instruction" class="lead"><span class="verdict {verdict}">{escape(w(f"verdict.{verdict}"))}</span> '
        f"<b>{escape(instruction(verdict, settings, w))}</b></p>"
    )


def shown_value(feature: str, r, value, w: Words) -> str:
    """A median (numbers), a probability's median as a percent, or the moved label's share."""
    if value is None or pd.isna(value):
        return ""
    if feature == PROBABILITY:
        return w("drift.median", value=w.percent(value, 1))
    if feature in NUMERIC_FEATURES:
        value = round(float(value), 2)
        return w("drift.median", value=w.number(value, 0 if value.is_integer() else 2))
    return w("drift.share", label=w.value(feature, r.label), share=w.percent(value, 1))


def change(r, w: Words) -> str:
    """The direction in words (a median that stays while the feature moved says so), then every new label with
    its count and the empty cells."""
    moved_same = r.direction == "same" and r.verdict != "fine"
    direction = (
        w("drift.same_median_moved") if moved_same else w(f"drift.{r.direction}", label=w.value(r.feature, r.label))
    )
    said = [direction if r.direction else ""]
    said += [w("drift.new_label", label=label, count=w.count(count)) for label, count in (r.unseen or [])]
    said += [w("drift.empty", count=w.count(r.empty))] if r.empty else []
    return "; ".join(x for x in said if x)


def drift_section(drift: pd.DataFrame | None, verdict: str, settings: Drift | None, w: Words) -> str:
    """The table, worst verdict first; nothing on the training month's own page."""
    if drift is None:
        return ""
    rows = "".join(
        f"<tr><td>{escape(w.phrase(r.feature))}</td><td class='n'>{escape(shown_value(r.feature, r, r.reference, w))}"
        f"</td><td class='n'>{escape(shown_value(r.feature, r, r.month, w))}</td><td>{escape(change(r, w))}</td>"
        f"<td class='n'>{w.number(r.psi, 3)}</td><td class='n'>{w.percent(r.unseen_or_empty_share, 1)}</td>"
        f"<td><span class='verdict {r.verdict}'>{escape(w(f'verdict.{r.verdict}').split(':')[0])}</span></td></tr>"
        for r in drift.itertuples()
    )
    names = ("feature", "reference", "month", "change", "psi", "unseen", "verdict_column")
    numeric = ("reference", "month", "psi", "unseen")
    head = "".join(f"<th{' class=n' if n in numeric else ''}>{escape(w(f'drift.{n}'))}</th>" for n in names)
    new_labels = f"<p class='muted'>{escape(w('drift.new_labels_note'))}</p>" if drift["unseen"].map(len).sum() else ""
    return f"""<section id="drift"><h2>{escape(w("drift.title"))}</h2>
<p>{escape(w("drift.verdict"))} <span class="verdict {verdict}" id="drift-verdict">{escape(w(f"verdict.{verdict}"))}
</span></p><p class="muted">{w("drift.note", **thresholds(settings, w))}</p>{new_labels}
<table id="drift-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"""


def thresholds(settings: Drift, w: Words) -> dict[str, str]:
    """The drift thresholds of params.yaml as the page states them: PSI as numbers, shares as percents."""
    return {
        "watch": w.number(settings.psi_watch, 2), "retrain": w.number(settings.psi_retrain, 2),
        "unseen_watch": w.percent(settings.unseen_watch, 1), "unseen_retrain": w.percent(settings.unseen_retrain, 1),
    }  # fmt: skip


def drift_console(drift: pd.DataFrame, verdict: str, settings: Drift, w: Words) -> list[str]:
    """`score`'s drift lines: the verdict and what to do; each feature that moved, with its change."""
    moved = drift[drift["verdict"] != "fine"]
    detail = "; ".join(
        f"{w.phrase(r.feature)}: {change(r, w) or '–'} (PSI {w.number(r.psi, 2)})" for r in moved.itertuples()
    )
    line = w("console.drift", verdict=w(f"verdict.{verdict}"), instruction=instruction(verdict, settings, w))
    return [line, *([w("console.moved", detail=detail)] if detail else [])]
