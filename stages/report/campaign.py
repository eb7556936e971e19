"""The page's campaign sections: the control group before sending, and what the last campaign achieved.

Both return HTML fragments (text from the data escaped); `page.py` places them.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from stages.lib.campaign.power import MIN_EXPECTED
from stages.lib.words import Words


def control_section(offers: pd.DataFrame, label: str, w: Words) -> str:
    """Per offer: contacts, control group and the smallest effect this month can detect (80 % power, 5 %)."""
    chosen = offers[(offers["contacted"] + offers["control"]) > 0]
    rows = "".join(
        f"<tr><td>{escape(w.offer(r.offer))}</td><td class='n'>{w.count(r.contacted)}</td>"
        f"<td class='n'>{w.count(r.control)}</td><td class='n'>{w.percent(r.baseline_decline_rate)}</td>"
        f"<td class='n'>{w.percent(r.effect)}</td><td>{escape(detectable_words(r.detectable_effect, r.effect, w))}</td>"
        "</tr>"
        for r in chosen.itertuples()
    )
    unmeasurable = chosen["detectable_effect"].isna().all() if len(chosen) else True
    verdict = w("control.unmeasurable") if unmeasurable else w("control.measurable")
    names = ("offer", "contacted", "control", "baseline", "effect", "detectable")
    head = "".join(f"<th{' class=n' if n in names[1:5] else ''}>{escape(w(f'control.{n}'))}</th>" for n in names)
    intro = w("control.intro", action=escape(w("act.control")), label=escape(label))
    return f"""<section id="control"><h2>{escape(w("control.title"))}</h2><p>{intro}</p>
<p>{verdict}</p><table id="control-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"""


def detectable_words(detectable, effect, w: Words) -> str:
    if detectable is None or pd.isna(detectable):
        return w("control.too_few")
    return w.percent(detectable) if detectable <= effect else w("control.may_miss", effect=w.percent(detectable))


def achieved_section(review: dict | None, w: Words) -> str:
    """Measured against assumed effect per offer, profit kept, and the model's realised quality; nothing
    when no review exists yet."""
    if review is None:
        return ""
    rows = "".join(offer_row(name, figures, w) for name, figures in review["offers"].items())
    model, total = review["model"], review["campaign"]
    quality = w(
        "achieved.quality", auc=w.number(model["roc_auc"], 3), low=w.number(model["roc_auc_ci95_low"], 3),
        high=w.number(model["roc_auc_ci95_high"], 3), customers=w.count(model["customers"]),
        verdict=escape(w(f"model.{model['verdict']}")), why=escape(model_why(model, w)),
    )  # fmt: skip
    if not total.get("measurable"):
        saved = w("achieved.not_measurable")
    else:
        saved = money_interval(total, w) if measured_well(total) else w("achieved.too_few", least=w.count(MIN_EXPECTED))
    intro = w(
        "achieved.intro", unit=w("unit.money"), saved=saved, cost=w.number(total.get("cost", 0)),
        lost=w.count(total["lost_to_follow_up"]),
    )  # fmt: skip
    names = ("offer", "groups", "assumed", "measured", "saved")
    head = "".join(
        f"<th{'' if n == 'offer' else ' class=n'}>{escape(w(f'achieved.{n}', unit=w('unit.money')))}</th>"
        for n in names
    )
    return f"""<section id="achieved"><h2>{escape(w("achieved.title", label=review["campaign_label"]))}</h2>
<p>{intro}</p><p>{quality}</p>
<table id="achieved-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"""


def model_why(model: dict, w: Words) -> str:
    """Why the model's verdict, in words, from the review's numbers (a review written before its
    ``verdict_reason`` existed keeps its English sentence)."""
    reason = model.get("verdict_reason")
    if reason is None:
        return model["why"]
    numbers = {"high": w.number(model["roc_auc_ci95_high"], 3), "floor": w.number(model["roc_auc_floor"], 3)}
    numbers["error"] = w.number(model["calibration_error"], 3)
    numbers["limit"] = w.number(model.get("calibration_error_limit", float("nan")), 3)
    return w(f"model.why.{reason}", **numbers)


def money_interval(figures: dict, w: Words) -> str:
    return w(
        "achieved.interval", value=w.number(figures["profit_saved"]), low=w.number(figures["profit_saved_ci95_low"]),
        high=w.number(figures["profit_saved_ci95_high"]),
    )  # fmt: skip


def measured_well(figures: dict) -> bool:
    """Measured with enough declines and kept customers in each group for its interval to hold (a review
    written before ``enough_data`` existed counts as such)."""
    return bool(figures.get("measurable")) and figures.get("enough_data", True) is not False


def offer_row(name: str, figures: dict, w: Words) -> str:
    if figures.get("measurable") and not measured_well(figures):
        effect = saved = w("achieved.too_few", least=w.count(MIN_EXPECTED))
    elif figures.get("measurable"):
        effect = w(
            "achieved.interval", value=w.percent(figures["effect"]), low=w.percent(figures["effect_ci95_low"]),
            high=w.percent(figures["effect_ci95_high"]),
        )  # fmt: skip
        saved = money_interval(figures, w)
    else:
        effect = saved = w("achieved.no_control")
    return (
        f"<tr><td>{escape(w.offer(name))}</td><td class='n'>{w.count(figures['treated'])} / "
        f"{w.count(figures['control'])}</td><td class='n'>{w.percent(figures.get('assumed_effect'))}</td>"
        f"<td class='n'>{effect}</td><td class='n'>{saved}</td></tr>"
    )


def review_summary(review: dict, w: Words) -> str:
    """What `review` prints: the model's verdict, each offer's measured effect, the campaign's money."""
    model, total = review["model"], review["campaign"]
    verdict, why = w(f"model.{model['verdict']}"), model_why(model, w)
    lines = [w("review.model", label=review["campaign_label"], verdict=verdict, why=why)]
    for name, figures in review["offers"].items():
        groups = {
            "offer": w.offer(name),
            "treated": w.count(figures["treated"]),
            "control": w.count(figures["control"]),
        }
        if not figures.get("measurable"):
            lines.append(w("review.not_measurable", **groups))
            continue
        if not measured_well(figures):
            assumed = w.percent(figures.get("assumed_effect"), 1)
            lines.append(w("review.too_few", **groups, least=w.count(MIN_EXPECTED), assumed=assumed))
            continue
        effect = w(
            "achieved.interval", value=w.percent(figures["effect"], 1), low=w.percent(figures["effect_ci95_low"], 1),
            high=w.percent(figures["effect_ci95_high"], 1),
        )  # fmt: skip
        assumed, saved = w.percent(figures["assumed_effect"], 1), money_interval(figures, w)
        lines.append(w("review.offer", **groups, effect=effect, assumed=assumed, saved=saved, unit=w("unit.money")))
    if total.get("measurable"):
        cost, unit = w.number(total["cost"]), w("unit.money")
        if measured_well(total):
            lines.append(w("review.all", saved=money_interval(total, w), unit=unit, cost=cost))
        else:
            lines.append(w("review.all_too_few", least=w.count(MIN_EXPECTED), unit=unit, cost=cost))
    lines.append(w("review.lost", count=w.count(total["lost_to_follow_up"])))
    return "\n".join(lines)


def uplift_summary(choice: dict, w: Words) -> str:
    """What `uplift` prints: per offer, the learner or the constant effect, and why (a choice written before
    its ``reason`` existed keeps its English sentence)."""
    lines = [w("uplift.fitted_on", campaigns=", ".join(f"«{c}»" for c in choice["campaigns"]))]
    for name, figures in choice["offers"].items():
        lines.append(
            w("uplift.offer", offer=w.offer(name), chosen=w(f"uplift.{figures['chosen']}"), why=uplift_why(figures, w))
        )
    return "\n".join(lines)


def uplift_why(figures: dict, w: Words) -> str:
    reason = figures.get("reason")
    if reason is None:
        return figures["why"]
    if reason != "qini":
        return w(f"uplift.why.{reason}", least=w.count(figures.get("least", 0)))
    areas = figures["held_out_qini_area"]
    verdict = w("uplift.better" if figures["chosen"] == "uplift" else "uplift.not_better")
    return w(
        "uplift.why.qini", uplift=w.number(areas["uplift"]), constant=w.number(areas["constant"]),
        effect=w.percent(figures["assumed_effect"], 1), gain=w.number(areas["gain"]),
        low=w.number(areas["gain_lower_95"]), verdict=verdict,
    )  # fmt: skip
