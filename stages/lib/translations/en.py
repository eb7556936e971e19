"""What the manager reads, in English: one table, the same keys as ru.py (tests/lib/test_words.py).

A value is a str.format template; its {names} are filled with text the caller already formatted
(numbers by `Words.number`, money by `Words.money`), so a template never decides how a number looks.
"""

WORDS = {
    # units and small words
    "unit.money": "thousand roubles",
    "unit.money_per_month": "thousand roubles a month",
    "money.assumed": "the shop's export gives no unit for profit; its scale (about 4 a month) reads as thousand "
    "roubles",
    "yes": "yes",
    "no": "no",
    "all": "all",
    # how a marketer reads each feature (reasons, offers, drift, flags)
    "phrase.marketing_contacts_6m": "marketing contacts per month (last 6 months)",
    "phrase.marketing_contacts_current": "marketing contacts this month",
    "phrase.days_registered": "days since registration",
    "phrase.promo_purchase_share": "share of purchases bought on promotion",
    "phrase.categories_per_visit": "categories browsed per visit",
    "phrase.unpaid_items_quarter": "items left unpaid in the cart (3 months)",
    "phrase.service_errors": "service errors met on the site",
    "phrase.pages_per_visit": "pages viewed per visit",
    "phrase.revenue_current": "spend this month",
    "phrase.revenue_previous": "spend last month",
    "phrase.revenue_before_previous": "spend the month before last",
    "phrase.minutes_current": "minutes on the site this month",
    "phrase.minutes_previous": "minutes on the site last month",
    "phrase.service_tier": "service tier",
    "phrase.allows_offers": "agreed to receive offers",
    "phrase.favourite_category": "favourite category",
    "phrase.probability": "predicted probability of decline",
    # a customer's reason, against the typical (median) customer of the training month
    "reason.low": "low {phrase} ({value}; typical {typical})",
    "reason.high": "high {phrase} ({value}; typical {typical})",
    "reason.typical": "typical {phrase} ({value})",
    "reason.label": "{phrase}: {label}",
    "direction.low": "low {phrase}",
    "direction.high": "high {phrase}",
    # the offer catalogue (params.yaml `offers`; an offer missing here is shown by its params name)
    "offer.personal_recommendations": "personal recommendations",
    "offer.cross_category_bundle": "cross-category bundle",
    "offer.early_reengagement": "early re-engagement",
    "offer.personal_promo_code": "personal promo code",
    "offer.abandoned_cart_reminder": "abandoned-cart reminder",
    "offer.service_recovery": "service recovery",
    "offer.loyalty_cashback": "loyalty cashback",
    "about.personal_recommendations": "Favourite-category picks on the home page and by e-mail",
    "about.cross_category_bundle": "The favourite category bundled with a related one at a discount",
    "about.early_reengagement": "A push or e-mail on new arrivals as soon as site minutes drop",
    "about.personal_promo_code": "Early sale access, a personal code on the favourite category",
    "about.abandoned_cart_reminder": "A reminder of the unpaid items, with a time-limited discount",
    "about.service_recovery": "An apology coupon after the failing pages are fixed",
    "about.loyalty_cashback": "A cashback level that rewards a larger basket",
    # what the action list says about each customer
    "action.contact": "contact with the offer this month",
    "action.control": "selected, but held out at random as the offer's control group: do not contact",
    "action.over_budget": "worth contacting, but beyond this month's budget",
    "action.not_worth": "the best offer costs more than it is expected to save",
    "action.no_offer": "no risk reason that an offer in the catalogue targets",
    "action.below_cut": "below the cut: even the best offer could not have beaten the last customer contacted",
    "action.not_explained": "not explained: the month's cap on reasons (set by the analyst) came first",
    "action.no_consent": "did not agree to receive offers («Разрешить сообщать» = нет): no contact",
    "action.not_regular": "not a regular customer: the model was not built for them",
    "action.not_scored": "not scored",
    "act.contact": "contact",
    "act.control": "control group: do not contact",
    "act.over_budget": "over budget",
    "act.not_worth": "not worth contacting",
    "act.no_offer": "no offer fits",
    "act.below_cut": "below the cut",
    "act.not_explained": "not explained",
    "act.no_consent": "no consent",
    "act.not_regular": "not regular",
    "act.not_scored": "not scored",
    "not_scored.drop_customer": "revenue above the extreme-revenue threshold (rule drop_customer)",
    "not_scored.every_month": "revenue above the extreme-revenue threshold in every month: no plausible month to "
    "repair from",
    "consent_unknown": "consent unknown («Разрешить сообщать» empty or unreadable): no contact",
    "risk.high": "high risk ({threshold} or more)",
    "risk.low": "low risk (below {threshold})",
    "segment.high_risk_high_profit": "high risk, high profit",
    "segment.high_risk_low_profit": "high risk, low profit",
    "segment.low_risk_high_profit": "low risk, high profit",
    "segment.low_risk_low_profit": "low risk, low profit",
    "segment.not_regular": "not regular",
    "effect.assumed": "assumed (params.yaml)",
    "effect.measured": "measured in «{campaign}»: {treated} contacted, {control} control, 95 % interval {low} to "
    "{high}",
    "effect.uplift": "per customer, from the uplift learner ({learner}) fitted on {campaigns}, at most {cap}",
    "flag.empty": "{phrase} empty, imputed",
    "flag.unseen": "{phrase}: unseen label «{label}», imputed",
    # the action list (CSV and page), headers with their units
    "column.priority": "priority",
    "column.id": "customer id",
    "column.probability": "probability of decline, %",
    "column.risk_band": "risk",
    "column.profit": "profit, thousand roubles a month",
    "column.segment": "segment",
    "column.favourite_category": "favourite category",
    "column.allows_offers": "consent",
    "column.reason_1": "risk reason 1",
    "column.reason_2": "risk reason 2",
    "column.reason_3": "risk reason 3",
    "column.offer": "offer",
    "column.offer_reason": "reason for the offer",
    "column.offer_cost": "offer cost, thousand roubles per contact",
    "column.offer_effect": "offer effect, %",
    "column.effect_source": "where the effect comes from",
    "column.expected_value": "expected value, thousand roubles a month",
    "column.action": "action",
    "column.note": "what to do",
    "column.flags": "flags",
    "column.risk_reasons": "risk reasons",
}
WORDS |= {
    # the page: summary
    "page.title.training": "Monthly decision: whom to contact, with which offer",
    "page.title.month": "Monthly decision for «{month}»: whom to contact, with which offer",
    "page.month.training": "The training month (the exports the model learned from)",
    "page.month.new": "A new month, scored from the exports in «{folder}»",
    "page.source.training": "each customer's probability comes from a model that never saw that customer's outcome",
    "page.source.saved": "the saved model",
    "page.probabilities": "Probabilities: {source}.",
    "page.money": "Money in thousand roubles. Profit is each customer's average monthly profit. An offer's expected "
    "value is the profit it is expected to keep in one month, net of its one-off cost: one month is counted on "
    "purpose, though a customer kept may stay longer. The unit is an assumption: {why}.",
    "page.lead": "Contact <b>{contacted}</b> customers this month (budget: {limit}). The offers cost <b>{cost}</b> "
    "once and are expected to keep <b>{value}</b> of profit net of that cost (one month of the profit kept). "
    "The budget leaves out <b>{over}</b> more customers worth contacting (their expected value: {over_value}). "
    "<b>{no_consent}</b> customers did not agree to receive offers and are not contacted (their profit: {lost} a "
    "month).",
    "page.budget.contacts": "{count} contacts",
    "page.budget.none": "no limit",
    "page.budget.and": " and ",
    "page.flags": "Check the exports first:",
    "page.value_rule": "Expected value = probability of decline × monthly profit × the offer's effect − its one-off "
    "cost. "
    "The costs are assumptions in params.yaml (section <code>offers</code>); so is each effect until a campaign "
    "review measures it (the offers' table says which). <b>{control}</b> selected customers are held out as the "
    "control group that measures the offers: the price of measuring is their expected value, {held}.",
    # the page: matrix
    "matrix.title": "Risk by profit",
    "matrix.heading": "Probability of decline by monthly profit",
    "noun.customers": "customer|customers|customers",
    "matrix.profit": "{value} a month",
    "matrix.risk_high": "risk ≥ {threshold}",
    "matrix.risk_low": "risk < {threshold}",
    "matrix.profit_low": "profit < {threshold}",
    "matrix.profit_high": "profit ≥ {threshold}",
    "matrix.note": "Regular customers by probability of decline and average monthly profit ({unit}); the "
    "overview behind the list below.",
    # the page: offers
    "offers.title": "Offers",
    "offers.chart": "Expected profit kept within the budget, {unit} a month",
    "offers.note": "Money in {unit}; the effect is the share of a customer's probability of decline the offer removes.",
    "offers.offer": "offer",
    "offers.for": "for customers whose risk comes from",
    "offers.cost_per_contact": "cost per contact, {unit}",
    "offers.effect": "effect (where from)",
    "offers.contacted": "contacted",
    "offers.cost": "cost, {unit}",
    "offers.value": "expected value, {unit} a month",
    "offers.over_budget": "over budget",
    "offers.value_over_budget": "their expected value, {unit} a month",
    # the page: the action list
    "list.title": "The action list",
    "list.note": "Sorted by priority: contacts within the budget by expected value, then those the budget leaves "
    "out, then everyone else with the reason. Click a column header to sort, use the filters to narrow the list. "
    "Every customer of the month is counted here; the list shows those it needs.",
    "list.download": "Download this list (CSV)",
    "list.download_file": "action_list_shown.csv",
    "list.every_column": "Show every column",
    "filter.offer": "Offer",
    "filter.risk": "Risk",
    "filter.consent": "Consent",
    "filter.action": "Action",
    "counts.what": "what happens",
    "counts.customers": "customers",
    "counts.listed": "in the list below",
    "counts.everyone": "every customer of the month",
    "counts.showing": 'Showing <b id="shown" data-separator="{separator}">{shown}</b> of {everyone} rows.',
    "counts.scored": "Scored by the model: {scored} of {everyone} customers.",
    "analyst.title": "For the analyst",
    "link.segments": "The segment report (markdown)",
    "link.action_list": "The action list (CSV for Excel)",
    "link.shap": "What drives the risk (SHAP importance)",
    "link.eda": "The data story (EDA report)",
    "link.models": "Model comparison",
    "link.training_page": "The training month's page",
    # the monthly console
    "console.warning": "warning: {text}",
    "console.customers": "score: {customers} customers: {counts}; rows fixed by rule: {fixes}",
    "warning.cut": "{file} does not end with a line break, unlike the other exports: it may have been cut short, "
    "its last row (id {id}) read with a value cut off. Compare its last row with the shop's system and export the "
    "file again if it differs.",
    "warning.row_too_long": "unknown: its last line is too long to show",
    "console.none": "none",
    "console.decision": "score: contact {contacted} (one-off cost {cost}), expected value {value} net of the cost; "
    "the budget leaves {over} (their expected value {over_value}); {no_consent} without consent",
    "console.control": "control: {offer}: {contacted} contacted, {control} held out; {can} (80 % power, 5 % two-sided)",
    "console.too_few": "too few to measure",
    "console.detects": "detects an effect of {effect}",
    "console.imputed": "imputed: {id}: {flags}",
    "console.imputed_more": "imputed: and {count} more customers (column flags of the partitions)",
    "console.not_scored": "not scored: {id}: {note}",
    "console.drift": "drift: {verdict}. {instruction}",
    "console.moved": "drift: moved: {detail}",
    "console.wrote": "score: wrote {out}, {page}, the campaign record {record} and {parts} partition(s) of every "
    "customer's score in {folder}",
}
WORDS |= {
    # drift: does this month look like the training month?
    "verdict.fine": "fine: the month looks like the month the model learned from",
    "verdict.watch": "watch: some features moved",
    "verdict.retrain": "retrain: the month differs clearly from the month the model learned from",
    "drift.title": "Does this month look like the month the model learned from?",
    "drift.verdict": "Verdict:",
    "drift.note": "Population stability index (PSI) of each feature and of the predicted probability against the "
    "month the model learned from (below {watch} stable, {watch}–{retrain} moved, above {retrain} shifted; "
    "thresholds in params.yaml, section <code>drift</code>), and the share of unseen categories or empty cells "
    "(watch from {unseen_watch}, retrain from {unseen_retrain}): a feature's verdict is the worse of the two.",
    "drift.feature": "feature",
    "drift.unseen": "unseen or empty",
    "drift.verdict_column": "verdict",
    # the control group before sending
    "control.title": "Control group: how this month's campaign will be measured",
    "control.intro": "Of the customers selected for an offer, a random share is <b>not contacted</b> (action "
    "«{action}»): their outcome shows what would have happened without the offer. The draw is fixed by the "
    "campaign's name «{label}» and each customer's id, so it can be repeated and checked. The budget counts "
    "contacts only.",
    "control.unmeasurable": "<b>This month is too small to measure any offer</b>: even an offer that stopped every "
    "decline could be missed. Send it anyway if the expected value is worth it, and pool several months' campaigns "
    "to measure.",
    "control.measurable": "Three months from now, the review compares each offer's contacted customers with its "
    "control group.",
    "control.offer": "offer",
    "control.contacted": "contacted",
    "control.control": "control",
    "control.baseline": "expected decline rate without the offer",
    "control.effect": "effect used",
    "control.detectable": "smallest effect this month can detect (80 % power, 5 % two-sided)",
    "control.too_few": "too few customers to measure anything",
    "control.may_miss": "{effect}: larger than the effect used, so a real effect of that size may be missed",
}
WORDS |= {
    # drift: what to do, and the table a manager reads
    "instruction.fine": "Act on the list.",
    "instruction.watch": "Act on the list, and tell the analyst which features moved (the table «{title}» below).",
    "instruction.retrain.top_of_list": "The list holds at most {top} contacts, those with the highest "
    "expected value; keep the others worth contacting until the model is retrained on recent months. Tell the "
    "analyst.",
    "instruction.retrain.wait": "Contact nobody this month: the list keeps everyone until the model is retrained on "
    "recent months. Tell the analyst.",
    "page.budget.drift": ", cut because the month shifted",
    "drift.same_median_moved": "the same median, a moved distribution",
    "console.timings": "score: {timings}; {explained} customers explained",
    "console.rule": "{rule} {rows}",
    "drift.reference": "the training month",
    "drift.month": "this month",
    "drift.change": "change",
    "drift.psi": "shift (PSI)",
    "drift.median": "median {value}",
    "drift.share": "«{label}»: {share}",
    "drift.higher": "higher",
    "drift.lower": "lower",
    "drift.same": "no change",
    "drift.more": "more «{label}»",
    "drift.fewer": "fewer «{label}»",
    "drift.new_label": "new label «{label}»: {count}",
    "drift.empty": "empty: {count}",
    "drift.new_labels_note": "Customers with a new label keep it as written in the list and are flagged; the model "
    "scores them as if the cell were empty.",
}
WORDS |= {
    # the data-quality rules and the steps of `score`, on its console
    "rule.exact_duplicate_rows": "repeated rows removed",
    "rule.label_typos": "label typos fixed",
    "rule.extreme_revenue": "extreme revenue repaired",
    "rule.not_regular_removed": "customers not regular",
    "rule.duplicate_customers_found": "duplicate customers found",
    "rule.duplicate_customers_conflicting_target": "duplicate customers with conflicting outcomes",
    "rule.duplicate_customers_dropped": "duplicate customers dropped",
    "step.split": "split",
    "step.partitions": "partitions",
    "step.reasons": "reasons",
    "unit.seconds": "s",
}
