"""Put a campaign review's updated effects into params.yaml, for the next decision.

    python -m stages.adopt_effects --review REVIEW.json [--params params.yaml]

For each offer the review measured with enough data, sets `offers.catalogue.<i>.effect` to the updated
effect (the measurement shrunk towards the assumption, REVIEW.json's `effects.rule`) and records where it
was measured under `offers.catalogue.<i>.measured`. Rewrites params.yaml through DVC's own round-trip YAML
writer, so comments and layout stay and `git diff params.yaml` shows only what changed; the result is
validated before anything is written. The same keys as `dvc exp run -S` (REVIEW.json's
`effects.dvc_exp_run_set`), for trying the effects in an experiment first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stages.io import paths
from stages.io.cli import run_cli
from stages.io.files import load_settings, read_review, update_params
from stages.lib.errors import refused


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--review", type=Path, required=True, help="REVIEW.json written by stages.review")
    parser.add_argument("--params", type=Path, default=paths.PARAMS)
    args = parser.parse_args()
    settings, review = load_settings(args.params), read_review(args.review)
    updates = changes(review, [offer.name for offer in settings.offers.catalogue])
    if not updates:
        problem = "the review measured no offer with enough customers in both groups: there is nothing to adopt"
        raise refused(str(args.review), problem, "Keep the assumed effects; pool more months' campaigns.")
    update_params(args.params, updates)
    for (_, _, index, key), value in updates.items():
        if key == "effect":
            print(f"adopt-effects: {settings.offers.catalogue[index].name}: effect {value}")
    print(f"adopt-effects: wrote {args.params}; `git diff {args.params}` shows the change")


if __name__ == "__main__":
    run_cli("adopt_effects", main)
