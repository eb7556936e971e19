"""The page's campaign sections: the control group before sending, and what the last campaign achieved.

Both return HTML fragments (text from the data escaped); `page.py` places them.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from stages.lib.words import MONEY_PER_MONTH, level


def pct(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.0%}"


def control_section(offers: pd.DataFrame, label: str) -> str:
    """Per offer: contacts, control group and the smallest effect this month can detect (80 % power, 5 %)."""
    chosen = offers[(offers["contacted"] + offers["control"]) > 0]
    rows = "".join(
        f"<tr><td>{escape(level(r.offer))}</td><td class='n'>{r.contacted}</td><td class='n'>{r.control}</td>"
        f"<td class='n'>{pct(r.baseline_decline_rate)}</td><td class='n'>{pct(r.effect)}</td>"
        f"<td>{detectable_words(r.detectable_effect, r.effect)}</td></tr>"
        for r in chosen.itertuples()
    )
    unmeasurable = chosen["detectable_effect"].isna().all() if len(chosen) else True
    verdict = (
        "<p><b>This month is too small to measure any offer</b>: even an offer that stopped every decline could be "
        "missed. Send it anyway if the expected value is worth it, and pool several months' campaigns to measure.</p>"
        if unmeasurable
        else "<p>Three months from now, the review compares each offer's contacted customers with its control "
        "group.</p>"
    )
    return f"""<section id="control"><h2>Control group: how this month's campaign will be measured</h2>
<p>Of the customers selected for an offer, a random share is <b>not contacted</b> (action «control»): their
outcome shows what would have happened without the offer. The draw is fixed by the campaign's name
«{escape(label)}» and each customer's id, so it can be repeated and checked. The budget counts contacts only.</p>
{verdict}<table id="control-table"><thead><tr><th>offer</th><th class='n'>contacted</th><th class='n'>control</th>
<th class='n'>expected decline rate without the offer</th><th class='n'>effect used</th>
<th>smallest effect this month can detect (80 % power, 5 % two-sided)</th></tr></thead><tbody>{rows}</tbody></table>
</section>"""


def detectable_words(detectable, effect) -> str:
    if detectable is None or pd.isna(detectable):
        return "too few customers to measure anything"
    note = "" if detectable <= effect else ": larger than the effect used, so a real effect of that size may be missed"
    return f"{detectable:.0%}{note}"


def achieved_section(review: dict | None) -> str:
    """Measured against assumed effect per offer, money saved, and the model's realised quality; nothing
    when no review exists yet."""
    if review is None:
        return ""
    rows = "".join(offer_row(name, figures) for name, figures in review["offers"].items())
    model, total = review["model"], review["campaign"]
    quality = (
        f"The model ranked customers with ROC-AUC {model['roc_auc']:.3f} (95 % {model['roc_auc_ci95_low']:.3f}–"
        f"{model['roc_auc_ci95_high']:.3f}) on {model['customers']} customers who got no offer; verdict: "
        f"<b>{escape(model['verdict'])}</b>. {escape(model['why'])}"
    )
    saved = money_interval(total) if total.get("measurable") else "not measurable"
    return f"""<section id="achieved"><h2>What the last campaign achieved («{escape(review["campaign_label"])}»)</h2>
<p>Measured three months later against the control groups. Money in {MONEY_PER_MONTH}: the profit kept by
customers who would otherwise have declined, minus nothing (the cost is shown apart). All offers together:
<b>{saved}</b> saved per month for a cost of {total.get("cost", 0):.1f}; {total["lost_to_follow_up"]} customers
were lost to follow-up.</p><p>{quality}</p>
<table id="achieved-table"><thead><tr><th>offer</th><th class='n'>contacted / control</th>
<th class='n'>assumed effect</th><th class='n'>measured effect (95 %)</th>
<th class='n'>money saved per month (95 %)</th></tr></thead><tbody>{rows}</tbody>
</table></section>"""


def money_interval(figures: dict) -> str:
    return (
        f"{figures['profit_saved']:.1f} ({figures['profit_saved_ci95_low']:.1f} to "
        f"{figures['profit_saved_ci95_high']:.1f})"
    )


def offer_row(name: str, figures: dict) -> str:
    if figures.get("measurable"):
        effect = f"{figures['effect']:.0%} ({figures['effect_ci95_low']:.0%} to {figures['effect_ci95_high']:.0%})"
        saved = money_interval(figures)
    else:
        effect = saved = "no control group: not measurable"
    return (
        f"<tr><td>{escape(level(name))}</td><td class='n'>{figures['treated']} / {figures['control']}</td>"
        f"<td class='n'>{pct(figures.get('assumed_effect'))}</td><td class='n'>{effect}</td>"
        f"<td class='n'>{saved}</td></tr>"
    )


def review_summary(review: dict) -> str:
    """What `review` prints: the model's verdict, each offer's measured effect, the campaign's money."""
    model, total = review["model"], review["campaign"]
    lines = [f"review: {review['campaign_label']}: model {model['verdict']}: {model['why']}"]
    for name, figures in review["offers"].items():
        if figures.get("measurable"):
            lines.append(
                f"review: {name}: {figures['treated']} treated, {figures['control']} control; effect "
                f"{figures['effect']:.3f} (95 % {figures['effect_ci95_low']:.3f} to "
                f"{figures['effect_ci95_high']:.3f}), "
                f"assumed {figures['assumed_effect']:.3f}; saved {money_interval(figures)} {MONEY_PER_MONTH}"
            )
        else:
            lines.append(f"review: {name}: {figures['treated']} treated, {figures['control']} control: not measurable")
    if total.get("measurable"):
        lines.append(f"review: all offers: saved {money_interval(total)} {MONEY_PER_MONTH} for {total['cost']:.1f}")
    lines.append(f"review: {total['lost_to_follow_up']} customers of the record lost to follow-up")
    return "\n".join(lines)


def uplift_summary(choice: dict) -> str:
    """What `uplift` prints: per offer, the learner or the constant effect, and why."""
    lines = [f"uplift: fitted on {', '.join(choice['campaigns'])} (the last one held out to choose)"]
    for name, figures in choice["offers"].items():
        lines.append(f"uplift: {name}: {figures['chosen']}: {figures['why']}")
    return "\n".join(lines)
