"""The manager's page: one self-contained HTML file (inline CSS, JavaScript and SVG; no network).

Summary, risk-by-profit matrix, offers, drift verdict, a sortable and filterable action list and
links for the analyst; written by `segment` (training month) and `score` (a new month).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from pathlib import PurePosixPath
from urllib.parse import quote

import pandas as pd

from stages.lib.decision.drift import NOT_COMPARED, worst
from stages.lib.decision.offers import ACTION_ORDER, Decision
from stages.lib.errors import printable
from stages.lib.schema import ID, PROFIT
from stages.lib.settings import Drift, Segment
from stages.lib.words import PAGE_MARKER, Words
from stages.report.campaign import achieved_section, control_section
from stages.report.decision_counts import counts_table
from stages.report.drift_section import drift_console, drift_section, verdict_block
from stages.report.page_assets import SCRIPT, SCRIPT_HASH, STYLE


@dataclass(frozen=True)
class PageInput:
    """What the page shows, computed by the stage's library calls."""

    title: str
    month: str  # which month the page is about, in words
    probability_source: str  # how the probabilities were obtained, in words
    decision: Decision  # the action list, the per-offer table and the summary (+ budget)
    cells: pd.DataFrame  # segments.matrix
    drift: pd.DataFrame | None  # drift.compare; None on the training month's own page (it is the reference)
    links: dict[str, str]  # link text -> relative path
    segment: Segment  # the matrix's thresholds
    campaign: str  # the campaign's label, keying its control group
    words: Words  # the language the page is written in
    drift_settings: Drift | None = None  # what to do with a month that says retrain (a compared month's)
    review: dict | None = None  # the last campaign's review, if there is one
    warnings: tuple[tuple[str, str], ...] = ()  # exports that may have been cut short: (file, last row's id)

    @property
    def verdict(self) -> str:
        return NOT_COMPARED if self.drift is None else worst(self.drift["verdict"])


def summary_section(page: PageInput) -> str:
    s, w = page.decision.summary, page.words
    contacts, cash = s["budget"]["contacts"], s["budget"]["money"]
    limits = [w("page.budget.contacts", count=w.count(contacts)) if contacts is not None else ""]
    limit = w("page.budget.and").join(x for x in [*limits, w.money(cash) if cash is not None else ""] if x)
    limit += w("page.budget.drift") if page.verdict == "retrain" else ""
    lead = w(
        "page.lead", contacted=w.count(s["contacted"]), limit=escape(limit or w("page.budget.none")),
        cost=w.money(s["cost"]), value=w.money(s["expected_value"]), over=w.count(s["over_budget"]),
        over_value=w.money(s["expected_value_over_budget"]), no_consent=w.count(s["excluded_for_consent"]),
        lost=w.money(s["profit_of_excluded_for_consent"]),
    )  # fmt: skip
    rule = w("page.value_rule", control=w.count(s["control"]), held=w.money(s["expected_value_held_out"]))
    return f"""<section id="summary"><h1>{escape(page.title)}</h1>
{verdict_block(page.verdict, page.drift_settings, w)}{flags_block(page.warnings, w)}<p class="lead">{lead}</p>
<p class="muted">{escape(page.month)}. {escape(w("page.probabilities", source=page.probability_source))}
{escape(w("page.money", why=w("money.assumed")))}</p>
<p class="muted">{rule}</p></section>"""


def flags_block(warnings: tuple[tuple[str, str], ...], words: Words) -> str:
    """What to check in the exports before acting on the list; nothing when there is nothing."""
    items = "".join(f"<li>{escape(words.cut_export(*warning))}</li>" for warning in warnings)
    head = escape(words("page.flags"))
    return f'<div id="flags" class="flags"><b>{head}</b><ul>{items}</ul></div>\n' if items else ""


def matrix_svg(cells: pd.DataFrame, segment: Segment, w: Words) -> str:
    """The 2×2 risk-by-profit matrix as an SVG: customers and profit at stake in each cell."""
    by_cell = cells.set_index("segment")
    largest = max(float(by_cell["customers"].max()), 1.0)
    parts = []
    for row, risk in enumerate(("high_risk", "low_risk")):
        for col, value in enumerate(("low_profit", "high_profit")):
            cell = by_cell.loc[f"{risk}_{value}"]
            shade = 0.15 + 0.75 * float(cell["customers"]) / largest
            x, y = 150 + col * 290, 30 + row * 110
            colour = "214,69,65" if risk == "high_risk" else "66,133,244"
            customers = escape(w.counted(cell["customers"], "noun.customers"))
            profit = escape(w("matrix.profit", value=w.money(float(cell["profit_at_stake"]))))
            parts.append(
                f'<rect x="{x}" y="{y}" width="280" height="100" rx="6" fill="rgba({colour},{shade:.2f})"/>'
                f'<text x="{x + 140}" y="{y + 42}" text-anchor="middle" font-size="20" font-weight="600">'
                f'{customers}</text><text x="{x + 140}" y="{y + 70}" text-anchor="middle" font-size="13">'
                f"{profit}</text>"
            )
    risk, profit = w.percent(segment.high_risk), w.money(segment.high_profit, 0)
    labels = (
        f'<text x="140" y="85" text-anchor="end" font-size="13">{escape(w("matrix.risk_high", threshold=risk))}</text>'
        f'<text x="140" y="195" text-anchor="end" font-size="13">{escape(w("matrix.risk_low", threshold=risk))}</text>'
        f'<text x="290" y="262" text-anchor="middle" font-size="13">{escape(w("matrix.profit_low", threshold=profit))}'
        f'</text><text x="580" y="262" text-anchor="middle" font-size="13">'
        f"{escape(w('matrix.profit_high', threshold=profit))}</text>"
        f'<text x="20" y="20" font-size="13" font-weight="600">{escape(w("matrix.heading"))}</text>'
    )
    return f'<svg role="img" viewBox="0 0 740 275" width="740" height="275">{labels}{"".join(parts)}</svg>'


def offers_svg(offers: pd.DataFrame, w: Words) -> str:
    """Expected monthly profit kept per offer within the budget, as horizontal bars."""
    largest = max(float(offers["expected_value"].max()), 1e-9)
    bars = []
    for i, row in enumerate(offers.itertuples()):
        width = max(0.0, 380 * float(row.expected_value) / largest)
        y = 28 + i * 26
        bars.append(
            f'<text x="215" y="{y + 14}" text-anchor="end" font-size="12">{escape(w.offer(row.offer))}</text>'
            f'<rect x="220" y="{y}" width="{width:.1f}" height="18" fill="#3b7dd8"/>'
            f'<text x="{224 + width:.1f}" y="{y + 14}" font-size="12">{w.number(row.expected_value)}</text>'
        )
    height = 40 + 26 * len(offers)
    head = (
        f'<text x="10" y="16" font-size="13" font-weight="600">{escape(w("offers.chart", unit=w("unit.money")))}</text>'
    )
    return f'<svg role="img" viewBox="0 0 680 {height}" width="680" height="{height}">{head}{"".join(bars)}</svg>'


def targets_in_words(targets: str, w: Words) -> str:
    said = []
    for target in targets.split(", "):
        feature, _, direction = target.partition(":")
        if direction in ("low", "high"):
            said.append(w(f"direction.{direction}", phrase=w.phrase(feature)))
        else:
            said.append(w("reason.label", phrase=w.phrase(feature), label=w.label(feature, direction)))
    return "; ".join(said)


def offers_section(offers: pd.DataFrame, w: Words) -> str:
    rows = "".join(
        f"<tr><td><b>{escape(w.offer(r.offer))}</b><br><span class='muted'>{escape(w.about(r.offer, r.description))}"
        f"</span></td><td>{escape(targets_in_words(r.targets, w))}</td><td class='n'>{w.number(r.cost_per_contact, 2)}"
        f"</td><td class='wide'>{w.percent(r.effect)}<br><span class='muted'>{escape(r.effect_source)}</span></td>"
        f"<td class='n'>{w.count(r.contacted)}</td><td class='n'>{w.number(r.cost, 2)}</td>"
        f"<td class='n'>{w.number(r.expected_value, 2)}</td><td class='n'>{w.count(r.over_budget)}</td>"
        f"<td class='n'>{w.number(r.expected_value_over_budget, 2)}</td></tr>"
        for r in offers.itertuples()
    )
    unit = w("unit.money")
    names = ("offer", "for", "cost_per_contact", "effect", "contacted", "cost", "value", "over_budget")
    heads = [(escape(w(f"offers.{name}", unit=unit)), name) for name in (*names, "value_over_budget")]
    head = "".join(f"<th{'' if key in ('offer', 'for', 'effect') else ' class=n'}>{text}</th>" for text, key in heads)
    return f"""<section id="offers"><h2>{escape(w("offers.title"))}</h2>{offers_svg(offers, w)}
<p class="muted">{escape(w("offers.note", unit=unit))}</p>
<table id="offer-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"""


def select(name: str, values: list[str], shown: dict, w: Words) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape(shown[v])}</option>' for v in values)
    control = f'<select data-filter="{name}" id="filter-{name}"><option value="">{escape(w("all"))}</option>{options}'
    return f"<label>{escape(w(f'filter.{name}'))} {control}</select></label>"


def action_row(r, w: Words, bands: dict) -> str:
    reasons = "; ".join(x for x in (r.reason_1, r.reason_2, r.reason_3) if x)
    attributes = (
        f'data-offer="{escape(r.offer)}" data-risk="{escape(r.risk_band)}" data-consent="{escape(r.allows_offers)}" '
        f'data-action="{escape(r.action)}"'
    )
    consent = w.value("allows_offers", r.allows_offers)  # yes / no in words, an unseen label as written
    return (
        f"<tr {attributes}><td class='n'>{r.priority}</td><td class='n'>{r.id}</td>"
        f"<td class='n' data-v='{number(r.probability, 4)}'>{w.percent(r.probability, 1)}</td>"
        f"<td class='more'>{escape(bands.get(r.risk_band, ''))}</td>"
        f"<td class='n' data-v='{number(r.profit, 4)}'>{w.number(r.profit, 2)}</td>"
        f"<td class='more'>{escape(w.label('favourite_category', r.favourite_category))}</td>"
        f"<td class='more'>{escape(consent)}</td>"
        f"<td>{escape(w.offer(r.offer) if r.offer else '')}</td>"
        f"<td class='n' data-v='{number(r.expected_value, 4)}'>{w.number(r.expected_value, 2)}</td>"
        f"<td class='act'>{escape(r.note)}</td><td class='why'>{escape(r.offer_reason)}</td>"
        f"<td class='muted more'>{escape(reasons)}</td><td class='muted more'>{escape(w.flags(r.flags))}</td></tr>"
    )


def number(value, digits: int) -> str:
    """A number for the script to sort by (a dot, no grouping); '' when missing."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


# the list's columns and their kind: n = a number, more = shown on a laptop only with "every column"
LIST_COLUMNS = {
    "priority": "n", "id": "n", "probability": "n", "risk_band": "more", "profit": "n", "favourite_category": "more",
    "allows_offers": "more", "offer": "", "expected_value": "n", "note": "", "offer_reason": "",
    "risk_reasons": "more", "flags": "more",
}  # fmt: skip


def actions_section(actions: pd.DataFrame, summary: dict, high_risk: float, w: Words) -> str:
    table, bands = actions.rename(columns={ID: "id", PROFIT: "profit"}), w.risk_bands(high_risk)
    head = "".join(f"<th class='{kind}'>{escape(w(f'column.{c}'))}</th>" for c, kind in LIST_COLUMNS.items())
    offers = sorted(o for o in table["offer"].unique() if o)
    consents = sorted(c for c in table["allows_offers"].unique() if c)
    controls = (
        f'<label><input type="checkbox" id="every-column"> {escape(w("list.every_column"))}</label>'
        f'<button type="button" id="download" data-file="{escape(w("list.download_file"))}">'
        f"{escape(w('list.download'))}</button>"
    )
    filters = (
        select("offer", offers, {o: w.offer(o) for o in offers}, w)
        + select("risk", [b for b in bands if b in set(table["risk_band"])], bands, w)
        + select("consent", consents, {c: w.value("allows_offers", c) for c in consents}, w)
        + select(
            "action",
            [a for a in ACTION_ORDER if a in set(table["action"])],
            {a: w(f"act.{a}") for a in ACTION_ORDER},
            w,
        )
    )
    rows = "".join(action_row(r, w, bands) for r in table.itertuples())
    return f"""<section id="action-list"><h2>{escape(w("list.title"))}</h2>
<p class="muted">{escape(w("list.note"))}</p>{counts_table(summary, table, w)}
<div class="filters">{filters}{controls}</div>
<div class="wrap"><table id="actions"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>"""


def manager_page(page: PageInput) -> str:
    """The whole page as one HTML string: no external resource of any kind."""
    w = page.words
    links = "".join(f"<li>{link(text, href)}</li>" for text, href in page.links.items())
    matrix = (
        f'<section id="matrix"><h2>{escape(w("matrix.title"))}</h2>{matrix_svg(page.cells, page.segment, w)}'
        f'<p class="muted">{escape(w("matrix.note", unit=w("unit.money_per_month")))}</p></section>'
    )
    body = "\n".join(
        [
            summary_section(page),
            matrix,
            achieved_section(page.review, w),
            offers_section(page.decision.offers, w),
            control_section(page.decision.offers, page.campaign, w),
            drift_section(page.drift, page.verdict, page.drift_settings, w),
            actions_section(page.decision.actions, page.decision.summary, page.segment.high_risk, w),
            f'<section id="analyst"><h2>{escape(w("analyst.title"))}</h2><ul>{links}</ul></section>',
        ]
    )
    return (
        f'{PAGE_MARKER}<html lang="{w.language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src '{SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'\">"
        f"<title>{escape(page.title)}</title><style>{STYLE}</style></head><body>\n{body}\n"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def link(text: str, path: str) -> str:
    """A link to a file beside the page. The href is relative and percent-encoded part by part, and starts
    with ./ or ../, so no file name (say, one beginning «javascript:») can make it a URL with a scheme;
    anything else (an absolute path) is shown as text, not linked."""
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute():
        return escape(text)
    href = "/".join(quote(part, safe="") for part in parts)
    href = href if href.startswith("../") else f"./{href}"
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def control_line(r, w: Words) -> str:
    """One offer's groups on the console, and what this month can measure of it."""
    too_few = pd.isna(r.detectable_effect)
    can = w("console.too_few") if too_few else w("console.detects", effect=w.percent(r.detectable_effect))
    return w(
        "console.control", offer=w.offer(r.offer), contacted=w.count(r.contacted), control=w.count(r.control), can=can
    )


FLAGGED_SHOWN = 20  # imputed customers named on the console; the partitions flag every one


def console_summary(page: PageInput, quality: dict, flagged: pd.DataFrame) -> str:
    """What `score` prints: the decision in numbers, who was left out and why, and the drift verdict line.
    ``flagged``: id, flags of every customer with an imputed cell, sorted by id."""
    actions, s, drift, verdict, w = page.decision.actions, page.decision.summary, page.drift, page.verdict, page.words
    rules = quality["rules"].items()
    fixes = ", ".join(w("console.rule", rule=w.rule(r), rows=w.count(e["rows"])) for r, e in rules if e["rows"])
    counts = ", ".join(f"{w(f'act.{action}')} {w.count(count)}" for action, count in s["actions"].items() if count)
    lines = [
        *(w("console.warning", text=w.cut_export(*warning)) for warning in page.warnings),
        w("console.customers", customers=w.count(s["customers"]), counts=counts, fixes=fixes or w("console.none")),
        w(
            "console.decision",
            contacted=w.count(s["contacted"]),
            cost=w.money(s["cost"]),
            value=w.money(s["expected_value"]),
            over=w.count(s["over_budget"]),
            over_value=w.money(s["expected_value_over_budget"]),
            no_consent=w.count(s["excluded_for_consent"]),
        ),  # fmt: skip
    ]
    lines += [control_line(r, w) for r in page.decision.offers.itertuples() if r.contacted + r.control]
    lines += [
        w("console.imputed", id=row.id, flags=w.flags(row.flags)) for row in flagged.head(FLAGGED_SHOWN).itertuples()
    ]
    if len(flagged) > FLAGGED_SHOWN:
        lines.append(w("console.imputed_more", count=w.count(len(flagged) - FLAGGED_SHOWN)))
    not_scored = actions[actions["action"] == "not_scored"]
    lines += [w("console.not_scored", id=row.id, note=row.note) for row in not_scored.itertuples()]
    lines += drift_console(drift, verdict, page.drift_settings, w)
    return "\n".join(printable(line) for line in lines)


def run_lines(w: Words, wrote: dict, seconds: dict, explained: int) -> str:
    """What `score` prints last: the files it wrote, and this run's timings (not data)."""
    timings = ", ".join(
        f"{w(f'step.{step}')} {w.number(value, 0)} {w('unit.seconds')}" for step, value in seconds.items()
    )
    lines = [
        w("console.wrote", **{k: str(v) for k, v in wrote.items()}),
        w("console.timings", timings=timings, explained=w.count(explained)),
    ]
    return "\n".join(printable(line) for line in lines)
