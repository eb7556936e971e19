"""Stage `headline`: the few numbers `dvc metrics show` prints, from evaluate's and segment's metrics.

    python -m stages.headline

Writes metrics/headline.json (stages/lib/headline.py says which numbers). The stages' own metrics files
are plain outputs: `dvc metrics show metrics/evaluate.json` prints one of them.
"""

from __future__ import annotations

from stages.io import paths
from stages.io.cli import run_cli, stage_main
from stages.io.files import fresh_outputs, read_json, write_json
from stages.lib.headline import headline
from stages.lib.settings import Settings


def run(settings: Settings) -> dict:
    with fresh_outputs("headline"):
        numbers = headline(read_json(paths.EVALUATE_METRICS), read_json(paths.SEGMENT_METRICS))
        write_json(paths.HEADLINE, numbers, digits=4)
    return numbers


def summary(numbers: dict) -> str:
    return (
        f"headline: test ROC-AUC {numbers['roc_auc']:.3f}, {numbers['contacts']} contacts, expected value "
        f"{numbers['value_k_rub_month']:.1f} thousand roubles (one month of the profit kept, net of the one-off cost)"
    )


main = stage_main(__doc__, run, summary)


if __name__ == "__main__":
    run_cli("headline", main)
