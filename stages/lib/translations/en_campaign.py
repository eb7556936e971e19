"""The campaign's words in English: what the last campaign achieved, the review's and uplift's consoles, the
model's verdict, adopt-effects. Part of en.py's table (`stages.lib.words.TABLES` joins them), the same keys as
ru_campaign.py (tests/lib/test_words.py); kept apart so that neither file outgrows the 350 lines of a module.
"""

WORDS = {
    # what the last campaign achieved
    "achieved.title": "What the last campaign achieved («{label}»)",
    "achieved.intro": "Measured three months later against the control groups. Money in {unit} a month: the profit "
    "kept by customers who would otherwise have declined; the cost is shown beside it. All offers together: "
    "<b>{saved}</b> kept a month for a one-off cost of {cost}; {lost} customers were lost to follow-up.",
    "achieved.quality": "The model ranked customers with ROC-AUC {auc} (95 % interval {low}–{high}) on {customers} "
    "customers who got no offer; verdict: <b>{verdict}</b>. {why}",
    "achieved.not_measurable": "not measurable",
    "achieved.no_control": "no control group: not measurable",
    "achieved.too_few": "too few data (fewer than {least} declined or kept in a group): no interval holds, the "
    "assumed effect stays",
    "achieved.interval": "{value} ({low} to {high})",
    "achieved.offer": "offer",
    "achieved.groups": "contacted / control",
    "achieved.assumed": "assumed effect",
    "achieved.measured": "measured effect (95 %)",
    "achieved.saved": "profit kept a month, {unit} (95 %)",
    # the review's console
    "review.model": "review: «{label}»: the model {verdict}: {why}",
    "review.offer": "review: {offer}: {treated} contacted, {control} control; effect {effect}, assumed {assumed}; "
    "kept {saved} {unit} a month",
    "review.not_measurable": "review: {offer}: {treated} contacted, {control} control: not measurable",
    "review.too_few": "review: {offer}: {treated} contacted, {control} control: fewer than {least} declined or "
    "kept in a group, so no interval holds; the assumed effect {assumed} stays",
    "review.all": "review: all offers: kept {saved} {unit} a month for a one-off cost of {cost} {unit}",
    "review.all_too_few": "review: all offers: fewer than {least} declined or kept in a group, so the profit kept "
    "is not measured; one-off cost {cost} {unit}",
    "review.lost": "review: {count} customers of the record lost to follow-up",
    # the model's verdict in a campaign review
    "model.as_expected": "as expected",
    "model.degraded": "worse than on test",
    "model.why.ranking": "its ROC-AUC is at most {high} (95 %), below the test band's low end {floor}: the model ranks "
    "worse than it did on test; retrain it.",
    "model.why.calibration": "its calibration error {error} is above the limit {limit} (what chance gives a calibrated "
    "model on these customers, plus the margin): the probabilities are off; recalibrate or retrain before trusting "
    "the money figures.",
    "model.why.within": "its ROC-AUC (95 %: up to {high}) is not below the test band's low end {floor}, and the "
    "calibration error {error} is within the limit {limit} (what chance gives a calibrated model, plus the margin).",
    # the uplift command's console
    "uplift.fitted_on": "uplift: fitted on {campaigns} (the last one held out to choose)",
    "uplift.offer": "uplift: {offer}: {chosen}: {why}",
    "uplift.uplift": "an effect per customer (the learner)",
    "uplift.constant": "the constant effect",
    "uplift.why.too_few": "fewer than {least} contacted or control customers with outcomes in a month "
    "(campaign.uplift_min_group)",
    "uplift.why.one_month": "one reviewed month: the learner needs one to fit and a later one to be checked on",
    "uplift.why.qini": "on the last month held out, the learner's Qini area (customers kept above random targeting, "
    "averaged over the share targeted) is {uplift} against {constant} for the constant effect {effect}: gain {gain}, "
    "one-sided 95 % lower bound {low}: {verdict}",
    "uplift.better": "it ranks better beyond the noise",
    "uplift.not_better": "not better beyond the month's noise",
    "uplift.wrote": "uplift: wrote {out}; `make adopt-effects UPLIFT={out}` puts the chosen learners into params.yaml",
    "review.wrote": "review: wrote {out}, the Qini curve {qini} and the customers with outcomes {customers}; "
    "`make adopt-effects REVIEW={out}` puts the measured effects into params.yaml",
    # adopt-effects
    "adopt.effect": "adopt-effects: {offer}: effect {effect} (in params.yaml: {value})",
    "adopt.uplift_adopted": "adopt-effects: {offer}: the per-customer effect learner adopted",
    "adopt.uplift_removed": "adopt-effects: {offer}: the per-customer effect learner removed, the constant effect "
    "applies",
    "adopt.wrote": "adopt-effects: wrote {params}; `git diff {params}` shows the change",
    "adopt.nothing_review": "adopt-effects: nothing to adopt: no offer was measured with enough customers in both "
    "groups; {params} is unchanged, the assumed effects stay",
    "adopt.nothing_uplift": "adopt-effects: nothing to adopt: the constant effect ranked better for every offer, and "
    "none has a learner to remove; {params} is unchanged",
}
