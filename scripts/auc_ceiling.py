"""Where the model's ranking errors come from, and how high ROC-AUC can go on this data.

    make ceiling          # or: .venv/bin/python scripts/auc_ceiling.py   (after `dvc repro`)

The raw export is ordered by label (eda's leakage check): a head of ids whose customers all
declined, a mixed middle, and a tail that all stayed at the same level. This splits the train
customers by those id ranges (read from reports/eda_summary.json) and prints:

1. how the out-of-fold scores of `train` rank the declined customers of each part above the
   customers whose activity stayed the same, and what each part costs of the ROC-AUC;
2. an oracle: a model told which customers are in the middle or the tail (something no real model
   can know) separating the declined from the rest there, under the pipeline's group-aware CV;
3. the ROC-AUC that a perfect ranking of the head's decliners, the middle left as it is, would reach.

A diagnostic for people, not a stage: the id is never a feature, and nothing here is tracked.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stages.io import paths  # noqa: E402
from stages.io.files import read_parquet  # noqa: E402
from stages.lib.model.pipeline import group_folds, make_pipeline, model_input  # noqa: E402
from stages.lib.schema import GROUP, ID, TARGET  # noqa: E402


def id_parts(summary: dict) -> pd.DataFrame:
    """The id ranges of eda's check, labelled all_declined / mixed / all_same_level."""
    ranges = pd.DataFrame(summary["identifier_check"]["declined_share_by_id_range"])
    bounds = ranges["ids"].str.split("-", expand=True).astype(int)
    share = ranges["declined_share"]
    part = np.select([share == 1, share == 0], ["all_declined", "all_same_level"], "mixed")
    return pd.DataFrame({"first": bounds[0], "last": bounds[1], "part": part})


def label_parts(ids: pd.Series, parts: pd.DataFrame) -> pd.Series:
    labels = pd.Series("outside", index=ids.index)
    for row in parts.itertuples():
        labels[ids.between(row.first, row.last)] = row.part
    return labels


def ranked_above_same_level(scores: pd.DataFrame, part: str) -> float:
    """ROC-AUC of the part's declined customers against every same-level customer."""
    subset = scores[(scores[TARGET] == 0) | (scores["part"] == part)]
    return roc_auc_score(subset[TARGET], subset["probability"])


def oracle_auc(train: pd.DataFrame, features: list[str], seed: int) -> float:
    """Group-aware 5-fold CV ROC-AUC (3 shuffles) inside the mixed and same-level parts only."""
    region = train[train["part"] != "all_declined"]
    model = make_pipeline(LogisticRegression(C=0.3, max_iter=5000), features)
    scores = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for repeat in range(3):
            folds = group_folds(5, seed + repeat).split(region, region[TARGET], region[GROUP])
            scores += list(
                cross_val_score(model, model_input(region, features), region[TARGET], cv=folds, scoring="roc_auc")
            )
    return float(np.mean(scores))


def main(root: Path = ROOT) -> None:
    summary = json.loads((root / paths.EDA_SUMMARY).read_text())
    features = json.loads((root / paths.TRAIN_METRICS).read_text())["features"]
    train = read_parquet(root / paths.TRAIN)
    oof = read_parquet(root / paths.OOF)
    parts = id_parts(summary)
    train["part"] = label_parts(train[ID], parts)
    scores = oof.merge(train[[ID, "part"]], on=ID)

    print("Train customers by id part (eda's ranges):")
    print(train.groupby("part")[TARGET].agg(customers="size", declined="sum").to_string(), "\n")
    overall = roc_auc_score(scores[TARGET], scores["probability"])
    print(f"Out-of-fold ROC-AUC of the model: {overall:.4f}; what each part of the decliners costs of it:")
    declined = scores[scores[TARGET] == 1]["part"].value_counts().sort_index()
    for part, count in declined.items():
        auc = ranked_above_same_level(scores, part)
        cost = count / declined.sum() * (1 - auc)  # ROC-AUC = sum over parts of share x part's AUC
        print(f"  {count:3d} decliners of {part:14s} ranked above same-level customers: {auc:.4f}, cost {cost:.4f}")
    oracle = oracle_auc(train, features, seed=42)
    print(
        f"\nTold which customers are mixed or same-level (an oracle), a logistic regression trained only there "
        f"separates the decliners from the rest with ROC-AUC {oracle:.4f}: their behaviour carries little signal."
    )
    mixed_auc = ranked_above_same_level(scores, "mixed") if "mixed" in declined else 1.0
    bound = (declined.get("all_declined", 0) + declined.get("mixed", 0) * mixed_auc) / declined.sum()
    print(f"Even a perfect ranking of the head's decliners, with the middle as now, would give ROC-AUC {bound:.4f}.")


if __name__ == "__main__":
    main()
