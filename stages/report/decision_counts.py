"""Every customer of the month counted by what the decision does with them, beside the list that shows
only some of them (a new month lists the customers it explained, and counts the rest)."""

from __future__ import annotations

from html import escape

import pandas as pd

from stages.lib.decision.offers import ACTION_ORDER
from stages.lib.words import GROUPING, Words


def counts_table(summary: dict, listed: pd.DataFrame, w: Words) -> str:
    """``summary``: the decision's summary (customers, actions: count per action); ``listed``: the list
    below (its action column). A row per action, zeros included, the total, how many the model scored, and
    the list's own "Showing N of M" line, where M is every customer of the month (the script updates N)."""
    counts, shown, everyone = summary["actions"], listed["action"].value_counts(), summary["customers"]
    rows = "".join(
        f'<tr><td>{escape(w(f"action.{action}"))}</td><td class="n">{w.count(counts.get(action, 0))}</td>'
        f'<td class="n">{w.count(shown.get(action, 0))}</td></tr>'
        for action in ACTION_ORDER
    )
    total = (
        f'<tr><th>{escape(w("counts.everyone"))}</th><th class="n">{w.count(everyone)}</th>'
        f'<th class="n">{w.count(len(listed))}</th></tr>'
    )
    head = "".join(f"<th{' class=n' if n != 'what' else ''}>{escape(w(f'counts.{n}'))}</th>" for n in HEADS)
    scored = w("counts.scored", scored=w.count(everyone - counts.get("not_scored", 0)), everyone=w.count(everyone))
    separator = GROUPING[w.language][0]  # the script writes N as the page writes numbers
    showing = w("counts.showing", shown=w.count(len(listed)), everyone=w.count(everyone), separator=separator)
    return (
        f'<table id="counts"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody><tfoot>{total}</tfoot></table>'
        f"<p>{scored} {showing}</p>"
    )


HEADS = ("what", "customers", "listed")
