"""The words people read: every feature, class, group and unit as figures, reports and reasons say it.

Computation names things in English snake_case (`stages/lib/schema.py` maps the raw Russian names
once); this module is the one place those names become words.
"""

from __future__ import annotations

from stages.lib.schema import NOMINAL_FEATURES

CLASS_NAMES = {0: "Same level", 1: "Declined"}  # the target: activity over the next three months
SEGMENT_NAMES = {0: "Other regular customers", 1: "Chosen segment"}
SHAP_UNITS = {"probability": "probability", "log_odds": "log-odds"}  # what a SHAP value is measured in (axes)
SHAP_AMOUNTS = {"probability": "probability points", "log_odds": "log-odds"}  # an amount of it, in sentences
# The first lines of the manager's page: report/page.py writes them; `score` overwrites only a page that has them.
PAGE_MARKER = "<!DOCTYPE html>\n<!-- the monthly decision page (stages/report/page.py) -->\n"

# How a marketer reads each feature (reasons, offers, the segment report).
PHRASES = {
    "marketing_contacts_6m": "marketing contacts per month (last 6 months)",
    "marketing_contacts_current": "marketing contacts this month",
    "days_registered": "days since registration",
    "promo_purchase_share": "share of purchases bought on promotion",
    "categories_per_visit": "categories browsed per visit",
    "unpaid_items_quarter": "items left unpaid in the cart (3 months)",
    "service_errors": "service errors met on the site",
    "pages_per_visit": "pages viewed per visit",
    "revenue_current": "spend this month",
    "revenue_previous": "spend last month",
    "revenue_before_previous": "spend three months ago",
    "minutes_current": "minutes on the site this month",
    "minutes_previous": "minutes on the site last month",
    "service_tier": "service tier",
    "allows_offers": "agreed to receive offers",
    "favourite_category": "favourite category",
}

# Offers, each tied to a feature and the direction in which the segment differs from the rest.
OFFERS = {
    ("pages_per_visit", "lower"): "**Personal recommendations.** Put a curated selection from the customer's favourite "
    "category on the home page and in a weekly e-mail, so that each visit shows more relevant pages",
    ("categories_per_visit", "lower"): "**Cross-category bundles.** Offer a bundle that pairs the favourite "
    "category with a related one (for example, kitchenware with small appliances) at a bundle price, to widen browsing",
    ("minutes_current", "lower"): "**Re-engagement this month.** Send a push or e-mail about new arrivals in the "
    "favourite category with a reason to come back now (a collection that ends this week)",
    ("minutes_previous", "lower"): "**Early-warning contact.** Their time on the site was already low last month: "
    "trigger a re-engagement message as soon as a customer's minutes on the site drop, before purchases do",
    ("promo_purchase_share", "higher"): "**Personal promo codes.** These customers buy on promotion: give them early "
    "access to sales and a personal code on the favourite category instead of waiting for general campaigns",
    ("unpaid_items_quarter", "higher"): "**Abandoned-cart reminders.** Remind customers of the items left unpaid, "
    "with a time-limited discount on exactly those items",
    ("marketing_contacts_6m", "lower"): "**More personal contact.** They have received fewer marketing contacts: raise "
    "the frequency of personalised messages for those who agreed to receive offers",
    ("service_errors", "higher"): "**Service recovery.** They met more service errors: fix the failing pages first and "
    "send an apology coupon to those affected",
    ("revenue_before_previous", "lower"): "**Loyalty cashback.** Their spend three months ago was lower: a cashback "
    "level that rewards a larger basket gives a reason to consolidate purchases here",
}


# ASSUMED: ../shared/data/README.md gives no unit for profit (money.csv «Прибыль»); its scale (about 4 a
# month) reads as thousands of roubles, and every cost and expected value is stated in the same unit.
MONEY_UNIT = "thousand roubles"
MONEY_PER_MONTH = f"{MONEY_UNIT} per month"

# What the action list says about each customer (the order is the list's order of priority).
ACTIONS = {
    "contact": "contact with the offer this month",
    "control": "selected, but held out at random as the offer's control group: do not contact",
    "over_budget": "worth contacting, but beyond this month's budget",
    "not_worth": "the best offer costs more than it is expected to save",
    "no_offer": "no risk reason that an offer in the catalogue targets",
    "below_cut": "not explained: even the best offer could not have beaten the last customer contacted",
    "not_explained": "not explained: the month's cap on reasons (scale.reasons_at_most) came first",
    "no_consent": "did not agree to receive offers («Разрешить сообщать» = нет): no contact",
    "not_regular": "not a regular customer: the model was not built for them",
    "not_scored": "not scored",
}
CONSENT_UNKNOWN = "consent unknown («Разрешить сообщать» empty or unreadable): no contact"


def risk_bands(high_risk: float) -> dict[str, str]:
    """The risk bands named by their numbers: a 0.67 probability is "low" only against a 0.70 threshold."""
    return {"high": f"high risk ({high_risk:.2f} or more)", "low": f"low risk (below {high_risk:.2f})"}


DRIFT_VERDICTS = {
    "fine": "fine: the month looks like the month the model learned from",
    "watch": "watch: some features moved; read the drift table before trusting the scores blindly",
    "retrain": "retrain: the month differs from the training month; retrain before acting on the scores",
}

# Units of the numbers figures put on an axis, by feature name or its prefix (revenue_current -> revenue).
# Revenue («Выручка», about 5,000 a month) has no stated unit either, and it cannot share profit's unit
# (profit would be 0.1 % of it, or 80 %): the axes say so rather than guess.
UNITS = {
    "revenue": "per month, unit not stated",
    "profit": MONEY_PER_MONTH,
    "minutes": "minutes per month",
    "days_registered": "days",
}
# SHAP waterfalls read by a person: where every customer starts and where this one ends.
BASE_RATE = "base rate (average customer)"
THIS_CUSTOMER = "this customer"
PERIOD_WORDS = {"before_previous": "month before last", "previous": "last month", "current": "this month"}


def unit(name: str) -> str:
    """The unit of a feature's values ('' for counts and shares): minutes_current -> minutes per month."""
    return UNITS.get(name) or UNITS.get(name.split("_", 1)[0], "")


def with_unit(text: str, name: str) -> str:
    """An axis label with the unit of ``name`` in brackets, when it has one."""
    return f"{text} ({unit(name)})" if unit(name) else text


def label(name: str) -> str:
    """snake_case name -> axis label: pages_per_visit -> Pages per visit."""
    return name.replace("_", " ").capitalize()


def readable(name: str) -> str:
    """A model column in words, one-hot columns included: favourite_category_kids_goods ->
    Favourite category: kids goods."""
    for nominal in NOMINAL_FEATURES:
        if name.startswith(f"{nominal}_"):
            return f"{label(nominal)}: {name.removeprefix(nominal + '_').replace('_', ' ')}"
    return label(name)


def level(value) -> str:
    """A category label in words: kids_goods -> kids goods."""
    return str(value).replace("_", " ")


def sentence_start(text: str) -> str:
    return text[0].upper() + text[1:]
