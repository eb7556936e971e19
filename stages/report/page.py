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

from stages.lib.decision.drift import worst
from stages.lib.decision.offers import Decision
from stages.lib.schema import ID, PROFIT
from stages.lib.settings import Segment
from stages.lib.words import (
    ACTIONS,
    DRIFT_VERDICTS,
    MONEY_PER_MONTH,
    MONEY_UNIT,
    PAGE_MARKER,
    PHRASES,
    level,
    risk_bands,
)
from stages.report.campaign import achieved_section, control_section
from stages.report.decision_counts import counts_table
from stages.report.page_assets import DOWNLOAD_FILE, DOWNLOAD_LABEL, EVERY_COLUMN_LABEL, SCRIPT, SCRIPT_HASH, STYLE


@dataclass(frozen=True)
class PageInput:
    """What the page shows, computed by the stage's library calls."""

    title: str
    month: str  # which month the page is about, in words
    probability_source: str  # how the probabilities were obtained, in words
    decision: Decision  # the action list, the per-offer table and the summary (+ budget)
    cells: pd.DataFrame  # segments.matrix
    drift: pd.DataFrame  # drift.compare
    links: dict[str, str]  # link text -> relative path
    segment: Segment  # the matrix's thresholds
    campaign: str  # the campaign's label, keying its control group
    review: dict | None = None  # the last campaign's review, if there is one
    warnings: tuple[str, ...] = ()  # about the exports themselves (one that may have been cut short)

    @property
    def verdict(self) -> str:
        return worst(self.drift["verdict"])


def money(value: float) -> str:
    return f"{value:,.1f}".replace(",", "\u202f") + f" {MONEY_UNIT}"


def summary_section(page: PageInput) -> str:
    s = page.decision.summary
    contacts, cash = s["budget"]["contacts"], s["budget"]["money"]
    limits = [f"{contacts} contacts" if contacts is not None else "", money(cash) if cash is not None else ""]
    limit, verdict = " and ".join(x for x in limits if x) or "no limit", DRIFT_VERDICTS[page.verdict]
    return f"""<section id="summary"><h1>{escape(page.title)}</h1>
<p class="muted">{escape(page.month)}. Probabilities: {escape(page.probability_source)}.
Money: profit is each customer's average monthly profit, in {MONEY_PER_MONTH}.</p>
<p class="lead">Contact <b>{s["contacted"]}</b> customers this month (budget: {escape(limit)}). The offers cost
<b>{money(s["cost"])}</b> and are expected to save <b>{money(s["expected_value"])} of monthly profit</b> net of
that cost. The budget leaves out <b>{s["over_budget"]}</b> more customers worth contacting
({money(s["expected_value_over_budget"])} expected). <b>{s["excluded_for_consent"]}</b> customers did not agree to
receive offers and are not contacted (their profit: {money(s["profit_of_excluded_for_consent"])} per month).</p>
{flags_block(page.warnings)}<p>Drift check: <span class="verdict {page.verdict}">{escape(verdict)}</span></p>
<p class="muted">Expected value = probability of decline × monthly profit × the offer's effect − its cost.
The costs are assumptions in params.yaml (section <code>offers</code>); so is each effect until a campaign review
measures it (the offers' table says which). <b>{s["control"]}</b> selected customers are held out as the control
group that measures the offers: the price of measuring is their expected value, {money(s["expected_value_held_out"])}
per month.</p></section>"""


def flags_block(warnings: tuple[str, ...]) -> str:
    """What to check in the exports before acting on the list; nothing when there is nothing."""
    items = "".join(f"<li>{escape(warning)}</li>" for warning in warnings)
    return f'<div id="flags" class="flags"><b>Check the exports first:</b><ul>{items}</ul></div>\n' if items else ""


def matrix_svg(cells: pd.DataFrame, segment: Segment) -> str:
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
            parts.append(
                f'<rect x="{x}" y="{y}" width="280" height="100" rx="6" fill="rgba({colour},{shade:.2f})"/>'
                f'<text x="{x + 140}" y="{y + 42}" text-anchor="middle" font-size="20" font-weight="600">'
                f'{int(cell["customers"])} customers</text><text x="{x + 140}" y="{y + 70}" text-anchor="middle" '
                f'font-size="13">{float(cell["profit_at_stake"]):,.1f} {MONEY_PER_MONTH}</text>'
            )
    high_risk, high_profit = segment.high_risk, segment.high_profit
    labels = (
        f'<text x="140" y="85" text-anchor="end" font-size="13">risk ≥ {high_risk:g}</text>'
        f'<text x="140" y="195" text-anchor="end" font-size="13">risk &lt; {high_risk:g}</text>'
        f'<text x="290" y="262" text-anchor="middle" font-size="13">profit &lt; {high_profit:g} {MONEY_UNIT}</text>'
        f'<text x="580" y="262" text-anchor="middle" font-size="13">profit ≥ {high_profit:g} {MONEY_UNIT}</text>'
        '<text x="20" y="20" font-size="13" font-weight="600">Probability of decline by monthly profit</text>'
    )
    return f'<svg role="img" viewBox="0 0 740 275" width="740" height="275">{labels}{"".join(parts)}</svg>'


def offers_svg(offers: pd.DataFrame) -> str:
    """Expected monthly profit saved per offer within the budget, as horizontal bars."""
    largest = max(float(offers["expected_value"].max()), 1e-9)
    bars = []
    for i, row in enumerate(offers.itertuples()):
        width = max(0.0, 380 * float(row.expected_value) / largest)
        y = 28 + i * 26
        bars.append(
            f'<text x="215" y="{y + 14}" text-anchor="end" font-size="12">{escape(level(row.offer))}</text>'
            f'<rect x="220" y="{y}" width="{width:.1f}" height="18" fill="#3b7dd8"/>'
            f'<text x="{224 + width:.1f}" y="{y + 14}" font-size="12">{float(row.expected_value):.1f}</text>'
        )
    height = 40 + 26 * len(offers)
    title = f"Expected monthly profit saved within the budget, {MONEY_PER_MONTH}"
    head = f'<text x="10" y="16" font-size="13" font-weight="600">{escape(title)}</text>'
    return f'<svg role="img" viewBox="0 0 680 {height}" width="680" height="{height}">{head}{"".join(bars)}</svg>'


def targets_in_words(targets: str) -> str:
    words = []
    for target in targets.split(", "):
        feature, _, direction = target.partition(":")
        high_or_low = direction in ("low", "high")
        words.append(f"{direction} {PHRASES[feature]}" if high_or_low else f"{PHRASES[feature]}: {level(direction)}")
    return "; ".join(words)


def offers_section(offers: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td><b>{escape(level(r.offer))}</b><br><span class='muted'>{escape(r.description)}</span></td>"
        f"<td>{escape(targets_in_words(r.targets))}</td><td class='n'>{r.cost_per_contact:g}</td>"
        f"<td class='wide'>{r.effect:.0%}<br><span class='muted'>{escape(r.effect_source)}</span></td>"
        f"<td class='n'>{r.contacted}</td><td class='n'>{r.cost:.2f}</td>"
        f"<td class='n'>{r.expected_value:.2f}</td><td class='n'>{r.over_budget}</td>"
        f"<td class='n'>{r.expected_value_over_budget:.2f}</td></tr>"
        for r in offers.itertuples()
    )
    head = (
        "<tr><th>offer</th><th>for customers whose risk comes from</th><th class='n'>cost per contact</th>"
        "<th class='wide'>effect (where from)</th><th class='n'>contacted</th><th class='n'>cost</th>"
        "<th class='n'>expected value</th><th class='n'>over budget</th><th class='n'>its expected value</th></tr>"
    )
    return f"""<section id="offers"><h2>Offers</h2>{offers_svg(offers)}
<p class="muted">Money in {MONEY_PER_MONTH}; the effect is the share of a customer's probability of decline
the offer removes.</p><table id="offer-table"><thead>{head}</thead><tbody>{rows}</tbody></table></section>"""


def drift_section(drift: pd.DataFrame, verdict: str) -> str:
    rows = "".join(
        f"<tr><td>{escape(PHRASES.get(r.feature, 'predicted probability of decline'))}</td>"
        f"<td class='n'>{r.psi:.3f}</td><td class='n'>{r.unseen_or_empty_share:.1%}</td>"
        f"<td><span class='verdict {r.verdict}'>{r.verdict}</span></td></tr>"
        for r in drift.itertuples()
    )
    return f"""<section id="drift"><h2>Does this month look like the training month?</h2>
<p>Verdict: <span class="verdict {verdict}" id="drift-verdict">{escape(DRIFT_VERDICTS[verdict])}</span></p>
<p class="muted">Population stability index (PSI) of each feature and of the predicted probability against the
month the model learned from (below 0.1 stable, 0.1–0.25 moved, above 0.25 shifted; thresholds in params.yaml,
section <code>drift</code>), and the share of unseen categories or empty cells.</p>
<table><thead><tr><th>feature</th><th class='n'>PSI</th><th class='n'>unseen or empty</th><th>verdict</th></tr>
</thead><tbody>{rows}</tbody></table></section>"""


def number(value, digits: int) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def select(name: str, values: list[str], words: dict | None = None) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape((words or {}).get(v, level(v)))}</option>' for v in values)
    control = f'<select data-filter="{name}" id="filter-{name}"><option value="">all</option>{options}</select>'
    return f"<label>{name.capitalize()} {control}</label>"


def action_row(r, bands: dict) -> str:
    reasons = "; ".join(x for x in (r.reason_1, r.reason_2, r.reason_3) if x)
    attributes = (
        f'data-offer="{escape(r.offer)}" data-risk="{escape(r.risk_band)}" data-consent="{escape(r.allows_offers)}" '
        f'data-action="{escape(r.action)}"'
    )
    return (
        f"<tr {attributes}><td class='n'>{r.priority}</td><td class='n'>{r.id}</td>"
        f"<td class='n'>{number(r.probability, 3)}</td><td class='more'>{escape(bands.get(r.risk_band, ''))}</td>"
        f"<td class='n'>{number(r.profit, 2)}</td><td class='more'>{escape(level(r.favourite_category))}</td>"
        f"<td class='more'>{escape(r.allows_offers)}</td><td>{escape(level(r.offer))}</td>"
        f"<td class='n' data-v='{number(r.expected_value, 4)}'>{number(r.expected_value, 2)}</td>"
        f"<td class='act'>{escape(r.note)}</td><td class='why'>{escape(r.offer_reason)}</td>"
        f"<td class='muted more'>{escape(reasons)}</td><td class='muted more'>{escape(r.flags)}</td></tr>"
    )


def actions_section(actions: pd.DataFrame, summary: dict, high_risk: float) -> str:
    table, bands = actions.rename(columns={ID: "id", PROFIT: "profit"}), risk_bands(high_risk)
    head = "".join(
        f"<th class='{kind}'>{escape(name)}</th>"
        for name, kind in (
            ("priority", "n"), ("id", "n"), ("probability of decline", "n"), ("risk", "more"),
            (f"profit, {MONEY_UNIT}/month", "n"), ("favourite category", "more"), ("consent", "more"),
            ("offer", ""), (f"expected value, {MONEY_UNIT}/month", "n"), ("action", ""),
            ("reason for the offer", ""), ("risk reasons", "more"), ("flags", "more"),
        )
    )  # fmt: skip
    controls = (
        f'<label><input type="checkbox" id="every-column"> {escape(EVERY_COLUMN_LABEL)}</label>'
        f'<button type="button" id="download" data-file="{escape(DOWNLOAD_FILE)}">{escape(DOWNLOAD_LABEL)}</button>'
    )
    filters = (
        select("offer", sorted(o for o in table["offer"].unique() if o))
        + select("risk", [b for b in bands if b in set(table["risk_band"])], bands)
        + select("consent", sorted(c for c in table["allows_offers"].unique() if c))
        + select("action", [a for a in ACTIONS if a in set(table["action"])], ACTIONS)
    )
    rows = "".join(action_row(r, bands) for r in table.itertuples())
    return f"""<section id="action-list"><h2>The action list</h2>
<p class="muted">Sorted by priority: contacts within the budget by expected value, then those the budget leaves
out, then everyone else with the reason. Click a column header to sort, use the filters to narrow the list.
Every customer of the month is counted here; the list shows those it needs.</p>{counts_table(summary, table)}
<div class="filters">{filters}{controls}</div>
<div class="wrap"><table id="actions"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>"""


def manager_page(page: PageInput) -> str:
    """The whole page as one HTML string: no external resource of any kind."""
    links = "".join(f"<li>{link(text, href)}</li>" for text, href in page.links.items())
    matrix = (
        f'<section id="matrix"><h2>Risk by profit</h2>{matrix_svg(page.cells, page.segment)}'
        f'<p class="muted">Regular customers by probability of decline and average monthly profit '
        f"({MONEY_PER_MONTH}); the overview behind the list below.</p></section>"
    )
    body = "\n".join(
        [
            summary_section(page),
            matrix,
            achieved_section(page.review),
            offers_section(page.decision.offers),
            control_section(page.decision.offers, page.campaign),
            drift_section(page.drift, page.verdict),
            actions_section(page.decision.actions, page.decision.summary, page.segment.high_risk),
            f'<section id="analyst"><h2>For the analyst</h2><ul>{links}</ul></section>',
        ]
    )
    return (
        f'{PAGE_MARKER}<html lang="en"><head><meta charset="utf-8">'
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


def control_line(r) -> str:
    """One offer's groups on the console, and what this month can measure of it."""
    can = "too few to measure" if pd.isna(r.detectable_effect) else f"detects an effect of {r.detectable_effect:.0%}"
    return f"control: {r.offer}: {r.contacted} contacted, {r.control} held out; {can} (80 % power, 5 % two-sided)"


FLAGGED_SHOWN = 20  # imputed customers named on the console; the partitions flag every one


def console_summary(page: PageInput, quality: dict, flagged: pd.DataFrame) -> str:
    """What `score` prints: the decision in numbers, who was left out and why, and the drift verdict line.
    ``flagged``: id, flags of every customer with an imputed cell, sorted by id."""
    actions, summary, drift, verdict = page.decision.actions, page.decision.summary, page.drift, page.verdict
    fixes = {rule: entry["rows"] for rule, entry in quality["rules"].items() if entry["rows"]}
    counts = ", ".join(f"{count} {action}" for action, count in summary["actions"].items() if count)
    lines = [
        *(f"warning: {warning}" for warning in page.warnings),
        f"score: {summary['customers']} customers: {counts}; rows fixed by rule: {fixes or 'none'}",
        f"score: contact {summary['contacted']} (cost {summary['cost']:.1f} {MONEY_UNIT}), expected monthly profit "
        f"saved {summary['expected_value']:.1f} {MONEY_PER_MONTH}; the budget leaves {summary['over_budget']} "
        f"({summary['expected_value_over_budget']:.1f}); {summary['excluded_for_consent']} without consent",
    ]
    lines += [control_line(r) for r in page.decision.offers.itertuples() if r.contacted + r.control]
    lines += [f"imputed: {row.id}: {row.flags}" for row in flagged.head(FLAGGED_SHOWN).itertuples()]
    if len(flagged) > FLAGGED_SHOWN:
        lines.append(f"imputed: and {len(flagged) - FLAGGED_SHOWN} more customers (column flags of the partitions)")
    lines += [f"not scored: {row.id}: {row.note}" for row in actions[actions["action"] == "not_scored"].itertuples()]
    moved = drift[drift["verdict"] != "fine"]
    detail = ", ".join(
        f"{r.feature} (PSI {r.psi:.2f}, unseen {r.unseen_or_empty_share:.0%})" for r in moved.itertuples()
    )
    lines.append(f"drift: {verdict}: {DRIFT_VERDICTS[verdict].split(': ', 1)[1]}" + (f"; {detail}" if detail else ""))
    return "\n".join(lines)
