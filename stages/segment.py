"""Stage `segment`: honest risk scores by profit, the chosen segment against the rest, offers, the list.

    python -m stages.segment

Every regular customer's probability comes from a model that never saw that customer's label:
out-of-fold for train customers, the saved model for test customers; the per-customer SHAP values
from `explain` belong to those same models. Writes reports/segments.md (for the shop's managers),
reports/customers_for_marketing.csv (the list marketing acts on), tables, figures, metrics
(paths: stages/io/paths.py).
"""

from __future__ import annotations

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.figures import write_figures
from stages.io.files import fresh_outputs, read_json, read_parquet, write_csv, write_excel_csv, write_json, write_text
from stages.io.model_store import load_model
from stages.lib.decision.drift import NOT_COMPARED, medians
from stages.lib.decision.offers import decide_with, listing
from stages.lib.decision.segment_analysis import analyse_segment, honest_scores
from stages.lib.settings import Settings
from stages.lib.words import Words
from stages.report.action_list import action_list_table
from stages.report.page import PageInput, manager_page
from stages.report.segment import segment_figures, segments_markdown

ANALYST_LINKS = {  # the page's links (words keys), relative to the page
    "link.segments": paths.SEGMENTS_REPORT,
    "link.action_list": paths.ACTION_LIST,
    "link.shap": paths.SHAP_IMPORTANCE,
    "link.eda": paths.EDA_REPORT,
    "link.models": paths.MODEL_COMPARISON,
}


def run(settings: Settings) -> dict:
    segment = settings.segment
    with fresh_outputs("segment"):
        customers, pipeline = read_parquet(paths.CUSTOMERS), load_model(paths.MODEL)
        scored = honest_scores(customers, read_parquet(paths.TEST), read_parquet(paths.OOF), pipeline)
        shap_values = read_parquet(paths.SHAP_VALUES)
        words = Words(settings.report.language)
        analysis = analyse_segment(scored, shap_values, segment, words)
        explained_output = read_json(paths.EXPLAIN_METRICS)["explained_output"]
        write_figures(paths.SEGMENT_FIGURES, segment_figures(analysis, segment, explained_output))
        write_csv(paths.MARKETING_LIST, analysis.marketing, digits=4)
        write_csv(paths.SEGMENT_MATRIX, analysis.cells, digits=4)
        write_csv(paths.SEGMENT_COMPARISON, analysis.comparison, digits=6)
        write_csv(paths.SEGMENT_DRIVERS, analysis.drivers, digits=6)
        write_text(paths.SEGMENTS_REPORT, segments_markdown(analysis, segment, explained_output, words))
        reference = read_json(paths.DRIFT_REFERENCE)  # the typical customer of the reasons
        decision = decide_with(
            settings, listing(analysis.scored), analysis.scored, shap_values, medians(reference), paths.RAW.name
        )
        write_excel_csv(paths.ACTION_LIST, action_list_table(decision.actions, words, segment.high_risk), digits=4)
        page = PageInput(
            title=words("page.title.training"),
            month=words("page.month.training"),
            probability_source=words("page.source.training"),
            decision=decision,
            cells=analysis.cells,
            drift=None,  # the training month is the reference: no comparison with itself
            links={words(key): paths.link(paths.MANAGER_PAGE, target) for key, target in ANALYST_LINKS.items()},
            segment=segment,
            campaign=paths.RAW.name,
            words=words,
        )
        write_text(paths.MANAGER_PAGE, manager_page(page))
        metrics = {**analysis.metrics, "decision": decision.summary, "drift_verdict": NOT_COMPARED}
        write_json(paths.SEGMENT_METRICS, metrics, digits=4)
    return metrics


def summary(metrics: dict) -> str:
    decision = metrics["decision"]
    return (
        f"segment: {metrics['chosen_segment']}: {metrics['customers']} customers, monthly profit at stake "
        f"{metrics['profit_at_stake']:.1f} ({metrics['share_of_profit']:.1%}); {len(metrics['offers'])} offers\n"
        f"segment: action list: {decision['contacted']} contacts within the budget, expected value "
        f"{decision['expected_value']:.1f} thousand roubles (one month of the profit kept, net of the one-off cost); "
        f"{decision['excluded_for_consent']} without consent; drift: {metrics['drift_verdict']}"
    )


main = stage_main(__doc__, run, summary)


if __name__ == "__main__":
    run_cli("segment", main)
