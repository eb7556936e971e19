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
from stages.io.cli import describe_stage, run_cli
from stages.io.files import fresh_outputs, load_settings, read_json, read_parquet, write_csv, write_json, write_text
from stages.io.model_store import load_model
from stages.lib.segments import analyse_segment, honest_scores
from stages.lib.settings import Settings
from stages.report.segment import segment_figures, segments_markdown
from stages.report.style import save_figures


def run(settings: Settings) -> dict:
    segment = settings.segment
    with fresh_outputs("segment"):
        scored = honest_scores(
            read_parquet(paths.CUSTOMERS), read_parquet(paths.TEST), read_parquet(paths.OOF), load_model(paths.MODEL)
        )
        analysis = analyse_segment(scored, read_parquet(paths.SHAP_VALUES), segment)
        explained_output = read_json(paths.EXPLAIN_METRICS)["explained_output"]
        figures = segment_figures(
            analysis, segment.high_risk, segment.high_profit, segment.discrete_max_levels, explained_output
        )
        save_figures(paths.SEGMENT_FIGURES, figures)
        write_csv(paths.MARKETING_LIST, analysis.marketing, digits=4)
        write_csv(paths.SEGMENT_MATRIX, analysis.cells, digits=4)
        write_csv(paths.SEGMENT_COMPARISON, analysis.comparison, digits=6)
        write_csv(paths.SEGMENT_DRIVERS, analysis.drivers, digits=6)
        markdown = segments_markdown(
            analysis, segment.high_risk, segment.high_profit, segment.differences_in_report, explained_output
        )
        write_text(paths.SEGMENTS_REPORT, markdown)
        write_json(paths.SEGMENT_METRICS, analysis.metrics, digits=4)
    return analysis.metrics


def main() -> None:
    describe_stage(__doc__)
    metrics = run(load_settings())
    print(
        f"segment: {metrics['chosen_segment']}: {metrics['customers']} customers, monthly profit at stake "
        f"{metrics['profit_at_stake']:.1f} ({metrics['share_of_profit']:.1%}); {len(metrics['offers'])} offers"
    )


if __name__ == "__main__":
    run_cli("segment", main)
