"""Risk-by-profit segments: honest scores, the matrix, the chosen segment against the rest, offers, the list.

`assign_cells` is shared by `segment` (regular customers) and `score` (a new month); the rest is `segment`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stages.lib.decision.offers import REASONS, risk_band, strongest_reasons
from stages.lib.model.pipeline import predict_risk
from stages.lib.schema import BINARY_FEATURES, ID, NOMINAL_FEATURES, NUMERIC_FEATURES, PROFIT, TARGET
from stages.lib.settings import CELLS, Segment
from stages.lib.stats import compare_groups, rename_groups
from stages.lib.words import OFFERS, Words

NOT_REGULAR = "not_regular"


def assign_cells(probability, profit, high_risk: float, high_profit: float) -> np.ndarray:
    """Each customer's cell of the risk-by-profit matrix (thresholds inclusive: p >= high_risk)."""
    value = np.where(np.asarray(profit) >= high_profit, "_high_profit", "_low_profit")
    return np.char.add(np.char.add(risk_band(probability, high_risk), "_risk"), value).astype(object)


def regular_matrix(compact: pd.DataFrame) -> pd.DataFrame:
    """`matrix` of a scored month's regular customers (``compact``: every customer, flagged `regular`)."""
    return matrix(compact[compact["regular"]].astype({"segment": object}))


def matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Size, share, monthly profit at stake, mean predicted risk and observed decline rate of each cell
    (every cell listed, even empty). The probabilities are calibrated, so the two rates should agree;
    a new month has no outcome yet, and no observed rate."""
    observed = {"observed_decline_rate": (TARGET, "mean")} if TARGET in frame else {}
    cells = frame.groupby("segment").agg(
        customers=("probability", "size"),
        profit_at_stake=(PROFIT, "sum"),
        mean_probability=("probability", "mean"),
        **observed,
        mean_profit=(PROFIT, "mean"),
    )
    cells = cells.reindex(CELLS).fillna({"customers": 0, "profit_at_stake": 0.0}).astype({"customers": int})
    cells["share_of_customers"] = cells["customers"] / max(len(frame), 1)
    cells["share_of_profit"] = cells["profit_at_stake"] / frame[PROFIT].sum()
    return cells.rename_axis("segment").reset_index()


def honest_scores(customers: pd.DataFrame, test: pd.DataFrame, oof: pd.DataFrame, pipeline) -> pd.DataFrame:
    """Probability per regular customer from a model that never saw that customer's label."""
    from_test = pd.DataFrame({ID: test[ID], "probability": predict_risk(pipeline, test), "score_source": "saved_model"})
    from_oof = oof[[ID, "probability"]].assign(score_source="out_of_fold")
    scores = pd.concat([from_oof, from_test]).set_index(ID)
    missing = set(customers[ID]) - set(scores.index)
    if missing:
        raise ValueError(f"customers without an honest score: {sorted(missing)[:5]}")
    return customers.set_index(ID).join(scores, how="left").reset_index()


def shap_drivers(shap_values: pd.DataFrame, in_segment: pd.Series) -> pd.DataFrame:
    """Mean SHAP per grouped feature inside and outside the segment: what drives the segment's risk
    (in the explanation's units: probability points, or log-odds for a linear model)."""
    values = shap_values.set_index(ID).drop(columns="shap_base_value")
    inside = in_segment.to_numpy()
    table = pd.DataFrame({"mean_shap_segment": values[inside].mean(), "mean_shap_others": values[~inside].mean()})
    table.index = [c.removeprefix("shap_") for c in table.index]
    table["difference"] = table["mean_shap_segment"] - table["mean_shap_others"]
    return table.sort_values("difference", ascending=False, kind="stable").rename_axis("feature").reset_index()


def compare_segment(scored: pd.DataFrame, in_segment: pd.Series, alpha: float) -> pd.DataFrame:
    """Every feature, the chosen segment against the other regular customers (strongest difference first)."""
    table = compare_groups(scored, in_segment, NUMERIC_FEATURES, [*BINARY_FEATURES, *NOMINAL_FEATURES], alpha)
    return rename_groups(table, "others", "segment")


def offers(comparison: pd.DataFrame, drivers: pd.DataFrame, min_effect_size: float, max_offers: int) -> list[dict]:
    """An offer for each difference that matters (significant, |effect| >= threshold) and has an offer rule, with
    its evidence in numbers (the report words both: `segments.offer.<feature>.<direction>`)."""
    driver_rank = {f: i + 1 for i, f in enumerate(drivers["feature"])}
    chosen = []
    for row in comparison.itertuples():
        direction = "higher" if row.effect_size > 0 else "lower"
        matters = row.significant and abs(row.effect_size) >= min_effect_size and row.kind == "numeric"
        if not matters or (row.feature, direction) not in OFFERS:
            continue
        chosen.append(
            {
                "feature": row.feature,
                "direction": direction,
                "median_segment": float(row.median_segment),
                "median_others": float(row.median_others),
                "effect_size": float(row.effect_size),
                "p_value_holm": float(row.p_value_holm),
                "driver_rank": driver_rank.get(row.feature),  # None: not among the SHAP drivers
            }
        )
    return chosen[:max_offers]


def summarise_segment(scored: pd.DataFrame, cells: pd.DataFrame, chosen: str) -> dict:
    """The chosen cell's row of the matrix, plus its observed decline share: what report and metrics share."""
    row = cells.set_index("segment").loc[chosen]
    segment = scored[scored["segment"] == chosen]
    return {
        "customers": int(row["customers"]),
        **{key: float(row[key]) for key in ("share_of_customers", "profit_at_stake", "share_of_profit")},
        "mean_probability": float(row["mean_probability"]) if len(segment) else 0.0,
        "declined_share_observed": float(segment[TARGET].mean()) if len(segment) else 0.0,  # a check, never a filter
    }


def marketing_list(scored: pd.DataFrame, in_segment: pd.Series, reasons: pd.DataFrame) -> pd.DataFrame:
    """Every regular customer, the chosen segment first, riskiest first within it; ties broken by id."""
    columns = [ID, "probability", PROFIT, "segment", "score_source"]
    listed = scored[columns].assign(in_chosen_segment=in_segment.to_numpy()).join(reasons)
    return listed.sort_values(["in_chosen_segment", "probability", ID], ascending=[False, False, True])


def segment_metrics(chosen: str, summary: dict, offer_list: list[dict], comparison: pd.DataFrame) -> dict:
    return {
        "chosen_segment": chosen,
        **summary,
        "offers": [o["feature"] for o in offer_list],
        "largest_differences": [
            {"feature": r.feature, "effect_size": r.effect_size} for r in comparison.head(3).itertuples()
        ],
    }


@dataclass(frozen=True)
class SegmentAnalysis:
    """Everything `segment` writes or draws, computed once."""

    chosen: str
    scored: pd.DataFrame  # regular customers with probability, score_source and matrix cell ("segment")
    in_segment: pd.Series
    cells: pd.DataFrame
    summary: dict
    comparison: pd.DataFrame
    drivers: pd.DataFrame
    offers: list[dict]
    marketing: pd.DataFrame
    metrics: dict


def analyse_segment(
    scored: pd.DataFrame, shap_values: pd.DataFrame, settings: Segment, words: Words
) -> SegmentAnalysis:
    """Honestly scored customers and their SHAP values -> the matrix, the chosen segment, offers, the list (its
    reasons in ``words``' language; its columns and codes machine-readable English)."""
    cell = assign_cells(scored["probability"], scored[PROFIT], settings.high_risk, settings.high_profit)
    scored = scored.assign(segment=cell)
    in_segment = scored["segment"] == settings.chosen
    cells = matrix(scored)
    summary = summarise_segment(scored, cells, settings.chosen)
    comparison = compare_segment(scored, in_segment, settings.alpha)
    drivers = shap_drivers(shap_values, in_segment)
    offer_list = offers(comparison, drivers, settings.min_effect_size, settings.max_offers)
    typical = scored[NUMERIC_FEATURES].median().to_dict()  # the regular customers' medians
    reasons = strongest_reasons(scored, scored, shap_values, typical, settings.min_reason_shap, words)
    reasons = reasons[list(REASONS)]
    return SegmentAnalysis(
        chosen=settings.chosen,
        scored=scored,
        in_segment=in_segment,
        cells=cells,
        summary=summary,
        comparison=comparison,
        drivers=drivers,
        offers=offer_list,
        marketing=marketing_list(scored, in_segment, reasons),
        metrics=segment_metrics(settings.chosen, summary, offer_list, comparison),
    )
