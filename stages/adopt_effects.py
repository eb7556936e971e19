"""Put a campaign review's updated effects (or the uplift learners chosen) into params.yaml, for the next decision.

    python -m stages.adopt_effects --review REVIEW.json [--params params.yaml]
    python -m stages.adopt_effects --uplift UPLIFT.json [--params params.yaml]

For each offer the review measured with enough data, sets `offers.catalogue.<i>.effect` to the updated
effect (the measurement shrunk towards the assumption, REVIEW.json's `effects.rule`) and records where it
was measured under `offers.catalogue.<i>.measured`. Rewrites params.yaml through DVC's own round-trip YAML
writer, so comments and layout stay and `git diff params.yaml` shows only what changed; the result is
validated before anything is written. The same keys as `dvc exp run -S` (REVIEW.json's
`effects.dvc_exp_run_set`), for trying the effects in an experiment first. With --uplift, sets
`offers.catalogue.<i>.uplift` to the learner `stages.uplift` chose for the offer, and removes it from an
offer for which the constant effect ranked better.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stages.io import paths
from stages.io.campaign_store import read_choice, read_review
from stages.io.cli import run_cli
from stages.io.files import load_settings, update_params
from stages.lib.errors import printable
from stages.lib.settings import Offer
from stages.lib.words import Words


def changes(review: dict, catalogue_names: list[str]) -> dict[tuple, object]:
    """(path of keys in params.yaml) -> value, for each offer the review updated that the catalogue still has."""
    found = {}
    for name, update in review["effects"]["offers"].items():
        if name not in catalogue_names:
            continue
        index = catalogue_names.index(name)
        found[("offers", "catalogue", index, "effect")] = round(update["updated"], 4)
        found[("offers", "catalogue", index, "measured")] = update["measured_provenance"]
    return found


def uplift_changes(choice: dict, catalogue: list[Offer]) -> dict[tuple, object]:
    """(path of keys) -> the learner, for each offer of the choice: chosen, or removed where it lost."""
    found = {}
    for index, offer in enumerate(catalogue):
        figures = choice["offers"].get(offer.name, {})
        if figures.get("chosen") == "uplift":
            found[("offers", "catalogue", index, "uplift")] = figures["model"]
        elif figures and offer.uplift is not None:
            found[("offers", "catalogue", index, "uplift")] = None
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--review", type=Path, help="REVIEW.json written by stages.review")
    given.add_argument("--uplift", type=Path, help="UPLIFT.json written by stages.uplift")
    parser.add_argument("--params", type=Path, default=paths.PARAMS)
    args = parser.parse_args()
    settings = load_settings(args.params)
    words = Words(settings.report.language)
    if args.review:
        updates = changes(read_review(args.review), [offer.name for offer in settings.offers.catalogue])
    else:
        updates = uplift_changes(read_choice(args.uplift), settings.offers.catalogue)
    if not updates:  # a result, not an error: the next decision keeps what it had
        nothing = "adopt.nothing_review" if args.review else "adopt.nothing_uplift"
        print(printable(words(nothing, params=str(args.params))))
        return
    update_params(args.params, updates)  # validated whole: a learner of the wrong shape stops here
    for (_, _, index, key), value in updates.items():
        offer = words.offer(settings.offers.catalogue[index].name)
        if key == "effect":
            print(words("adopt.effect", offer=offer, effect=words.percent(value, 1), value=str(value)))
        elif key == "uplift":
            print(words("adopt.uplift_adopted" if value else "adopt.uplift_removed", offer=offer))
    print(printable(words("adopt.wrote", params=str(args.params))))


if __name__ == "__main__":
    run_cli("adopt_effects", main)
