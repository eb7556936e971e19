"""Every customer of the month counted by what the decision does with them, beside the list that shows
only some of them (a new month lists the customers it explained, and counts the rest)."""

from __future__ import annotations

from html import escape

import pandas as pd

from stages.lib.words import ACTIONS


def counts_table(summary: dict, listed: pd.DataFrame) -> str:
    """``summary``: the decision's summary (customers, actions: count per action); ``listed``: the list
    below (its action column). A row per action that has a customer, the total, and the list's own
    "Showing N of M" line, where M is every customer of the month (the page's script updates N)."""
    counts, shown = summary["actions"], listed["action"].value_counts()
    rows = "".join(
        f'<tr><td>{escape(ACTIONS[action])}</td><td class="n">{grouped(counts[action])}</td>'
        f'<td class="n">{grouped(shown.get(action, 0))}</td></tr>'
        for action in ACTIONS
        if counts.get(action, 0)
    )
    total = (
        f'<tr><th>every customer of the month</th><th class="n">{grouped(summary["customers"])}</th>'
        f'<th class="n">{grouped(len(listed))}</th></tr>'
    )
    everyone = grouped(summary["customers"])
    return (
        '<table id="counts"><thead><tr><th>what happens</th><th class="n">customers</th>'
        f'<th class="n">in the list below</th></tr></thead><tbody>{rows}</tbody><tfoot>{total}</tfoot></table>'
        f'<p>Showing <b id="shown">{len(listed)}</b> of {everyone} customers.</p>'
    )


def grouped(count) -> str:
    """A count with its thousands set apart by a narrow no-break space, as the page writes money."""
    return f"{int(count):,}".replace(",", "\u202f")
