"""`train` and `evaluate` on synthetic data: the search, the saved model, the metrics, the rules."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import yaml

from stages.io.files import read_parquet
from stages.io.model_store import load_model
from stages.lib.model.calibration import inner_model
from stages.lib.model.families import family_of, make_family
from stages.lib.model.pipeline import expected_features, group_folds, make_pipeline, predict_risk
from stages.lib.schema import GROUP, ID, TARGET
from tests.stage_runs import ROOT

DVC_PLOTS = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["plots"]


def test_search_beats_the_dummy_on_a_learnable_signal(workspace):
    root, _ = workspace
    train_metrics = json.loads((root / "metrics/train.json").read_text())
    assert train_metrics["repeated_cv_roc_auc_mean"] > train_metrics["dummy_repeated_cv_roc_auc_mean"] + 0.2
    assert train_metrics["candidates_searched"] == 8
    table = pd.read_csv(root / "reports/model_comparison.csv")
    assert {"dummy", train_metrics["chosen_family"]} <= set(table["family"])
    plot = next(p["model_comparison"] for p in DVC_PLOTS if isinstance(p, dict) and "model_comparison" in p)
    assert {plot["x"], *plot["y"].values()} <= set(table.columns)  # the DVC plot that replaced train's figure
    assert not (root / "plots/train").exists()  # train draws nothing


def test_model_never_sees_the_id_or_profit(workspace):
    # the id encodes the export's order (see eda's leakage check); profit is known only afterwards
    root, _ = workspace
    features = expected_features(load_model(root / "models/model.skops"))
    assert ID not in features and "profit" not in features and TARGET not in features


def test_out_of_fold_scores_cover_every_train_customer_once(workspace):
    root, _ = workspace
    oof, train = read_parquet(root / "models/oof_train.parquet"), read_parquet(root / "data/prepared/train.parquet")
    assert oof[ID].tolist() == train[ID].tolist()
    assert oof["probability"].between(0, 1).all()


def test_saved_model_scores_missing_values_and_unseen_categories(workspace):
    root, _ = workspace
    model = load_model(root / "models/model.skops")
    test = read_parquet(root / "data/prepared/test.parquet").head(3).copy()
    test.loc[test.index[0], "pages_per_visit"] = np.nan
    test.loc[test.index[1], "favourite_category"] = "garden_tools"
    test.loc[test.index[2], "service_tier"] = "platinum"
    risk = predict_risk(model, test)
    assert risk.shape == (3,) and np.isfinite(risk).all()


def test_metrics_files_have_the_declared_keys(workspace):
    root, _ = workspace
    evaluation = json.loads((root / "metrics/evaluate.json").read_text())
    expected = {"roc_auc", "roc_auc_ci95_low", "roc_auc_ci95_high", "pr_auc", "brier", "recall", "precision", "f1"}
    assert expected <= set(evaluation["test"])
    assert {"roc_auc", "pr_auc", "brier"} <= set(evaluation["dummy_test"])
    assert (
        evaluation["test"]["roc_auc_ci95_low"]
        <= evaluation["test"]["roc_auc"]
        <= evaluation["test"]["roc_auc_ci95_high"]
    )
    train_metrics = json.loads((root / "metrics/train.json").read_text())
    assert {"chosen_family", "repeated_cv_roc_auc_mean", "repeated_cv_roc_auc_std", "features"} <= set(train_metrics)
    for plot in (root / "plots/evaluate").glob("*.json"):
        assert "Infinity" not in plot.read_text() and "NaN" not in plot.read_text()


def test_the_chosen_model_follows_the_selection_rule_and_is_the_one_saved(workspace, repo_params):
    """metrics/train.json's selection on the synthetic run: the chosen is within the noise of the best and
    no candidate within the noise scores cheaper beyond the tie margin; the saved model is the chosen."""
    root, _ = workspace
    selection = json.loads((root / "metrics/train.json").read_text())["selection"]
    candidates, chosen = selection["candidates"], selection["chosen"]
    assert selection["rule"] == repo_params["train"]["selection"] == "fastest_within_noise"
    assert candidates[chosen]["within_noise"] and selection["best"] in candidates
    ties = 1 + repo_params["train"]["cost"]["ties_within"]
    cheapest = min(c["cost_us_per_customer"] for c in candidates.values() if c["within_noise"])
    assert candidates[chosen]["cost_us_per_customer"] <= cheapest * ties + 1e-4  # costs are written to 4 decimals
    low, high = selection["chosen_minus_best_roc_auc_ci95"]
    assert chosen == selection["best"] or low <= 0 <= high
    saved = family_of(inner_model(load_model(root / "models/model.skops")[-1]))
    assert saved == chosen or (chosen == "reference_extra_trees" and saved == "extra_trees")
    table = pd.read_csv(root / "reports/model_comparison.csv")
    assert table.loc[table["chosen"], "family"].tolist() == [chosen] and "cost_us_per_customer" in table


def test_group_folds_never_split_a_group():
    frame = pd.DataFrame({GROUP: np.repeat(np.arange(30), 2), TARGET: np.tile([0, 1], 30)[np.arange(60) // 2 % 2]})
    for train_rows, test_rows in group_folds(3, 0).split(frame, frame[TARGET], frame[GROUP]):
        assert set(frame[GROUP].iloc[train_rows]).isdisjoint(frame[GROUP].iloc[test_rows])


def test_every_family_in_params_builds_and_is_named_back(repo_params):
    for family in ["dummy", *repo_params["train"]["families"]]:
        assert family_of(make_pipeline(make_family(family, 0)).named_steps["model"]) == family
