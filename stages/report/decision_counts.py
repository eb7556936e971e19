"""Every customer of the month counted by what the decision does with them, beside the list that shows
only some of them (a new month lists the customers it explained, and counts the rest)."""

from __future__ import annotations

from html import escape

import pandas as pd

from stages.lib.decision.offers import ACTION_ORDER
from stages.lib.words import Words


def counts_table(summary: dict, listed: pd.DataFrame, w: Words) -> str:
    """``summary``: the decision's summary (customers, actions: count per action); ``listed``: the list
    below (its action column). A row per action that has a customer, the total, and the list's own
    "Showing N of M" line, where M is every customer of the month (the page's script updates N)."""
    counts, shown = summary["actions"], listed["action"].value_counts()
    rows = "".join(
        f"<tr><td>{escape(w(f'act.{action}'))}: {escape(w(f'action.{action}'))}</td>"
        f'<td class="n">{w.count(counts[action])}</td><td class="n">{w.count(shown.get(action, 0))}</td></tr>'
        for action in ACTION_ORDER
        if counts.get(action, 0)
    )
    total = (
        f'<tr><th>{escape(w("counts.everyone"))}</th><th class="n">{w.count(summary["customers"])}</th>'
        f'<th class="n">{w.count(len(listed))}</th></tr>'
    )
    head = "".join(f"<th{' class=n' if n != 'what' else ''}>{escape(w(f'counts.{n}'))}</th>" for n in HEADS)
    showing = w("counts.showing", shown=len(listed), everyone=w.count(summary["customers"]))
    return (
        f'<table id="counts"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody><tfoot>{total}</tfoot></table>'
        f"<p>{showing}</p>"
    )


HEADS = ("what", "customers", "listed")
