"""Learn an effect per customer from two or more reviewed campaigns, where it ranks better than a constant.

    python -m stages.uplift --reviews OLDEST.json ... NEWEST.json --out UPLIFT.json [--params params.yaml]

Each REVIEW.json comes with <REVIEW stem>.customers.parquet, written beside it by `review`: the campaign's
treated and control customers with their outcomes. Per offer, a two-model learner (stages/lib/campaign/uplift.py)
is fitted on every month but the newest and checked on the newest against the constant effect in
params.yaml by Qini area; where it ranks better it is refitted on every month. Writes UPLIFT.json: per offer
the choice, why, the held-out areas and, when chosen, the model in params.yaml's own format, which
`make adopt-effects UPLIFT=UPLIFT.json` puts into params.yaml for the next decision.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stages.io import paths
from stages.io.campaign_store import check_choice_out, read_review, read_review_customers
from stages.io.cli import run_cli
from stages.io.files import load_settings, write_json
from stages.lib.campaign.uplift import uplift_models
from stages.lib.errors import printable, refused
from stages.lib.words import Words
from stages.report.campaign import uplift_summary

KIND = "uplift_choice"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=Path, nargs="+", required=True, help="REVIEW.json files, oldest first")
    parser.add_argument("--out", type=Path, required=True, help="the choice's JSON file to write")
    parser.add_argument("--params", type=Path, default=paths.PARAMS)
    args = parser.parse_args()
    settings = load_settings(args.params)
    check_choice_out(args.out, args.reviews)
    reviews = [read_review(path) for path in args.reviews]
    labels = [review["campaign_label"] for review in reviews]
    if len(set(labels)) < 2 or len(set(labels)) < len(labels):
        problem = f"the reviews are of the campaigns {labels}: the learner needs two or more different ones"
        raise refused(str(args.reviews[0]), problem, "Give each reviewed campaign once, oldest first.")
    months = [read_review_customers(paths.review_customers(path)) for path in args.reviews]
    assumed = {offer.name: offer.effect for offer in settings.offers.catalogue}
    campaign = settings.campaign
    offers = uplift_models(months, labels, assumed, campaign.uplift_min_group, campaign.uplift_c, settings.seed)
    choice = {"kind": KIND, "campaigns": labels, "offers": offers}
    write_json(args.out, choice, digits=10)
    words = Words(settings.report.language)
    print("\n".join(printable(line) for line in uplift_summary(choice, words).splitlines()))
    print(printable(words("uplift.wrote", out=str(args.out))))


if __name__ == "__main__":
    run_cli("uplift", main)
