"""Small frames of regular customers whose segment answers are known by hand (stages/lib/decision/segment_analysis.py),
shared by the segment analysis tests and the segment report tests."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from stages.lib.schema import ID, NUMERIC_FEATURES, PROFIT, TARGET
from stages.lib.settings import Budget, Offer, Segment

SETTINGS = Segment(
    high_risk=0.7,
    high_profit=4.0,
    chosen="high_risk_high_profit",
    alpha=0.05,
    min_effect_size=0.2,
    max_offers=5,
    min_reason_shap=0.01,
    differences_in_report=6,
    discrete_max_levels=12,
)


def customers(n: int = 40) -> pd.DataFrame:
    """``n`` regular customers: the first half risky, profitable and browsing few pages."""
    rng = np.random.default_rng(0)
    risky = np.arange(n) < n // 2
    frame = pd.DataFrame({ID: np.arange(100, 100 + n)})
    for feature in NUMERIC_FEATURES:
        frame[feature] = rng.integers(1, 20, n).astype(float)
    frame["pages_per_visit"] = np.where(risky, rng.integers(1, 4, n), rng.integers(10, 14, n)).astype(float)
    frame["service_tier"] = np.where(np.arange(n) % 2, "premium", "standard")
    frame["allows_offers"] = np.where(np.arange(n) % 4, "yes", "no")
    frame["favourite_category"] = np.where(np.arange(n) % 3, "kids_goods", "kitchenware")
    frame[PROFIT] = np.where(risky, 5.0, 2.0)
    frame[TARGET] = risky.astype(int)
    frame["probability"] = np.where(risky, 0.9, 0.2) + np.arange(n) / 1000
    frame["score_source"] = "out_of_fold"
    return frame


def shap_for(frame: pd.DataFrame) -> pd.DataFrame:
    """Pages per visit pushes the risky half up by 0.2 and the rest down by 0.1; nothing else matters."""
    risky = frame["probability"].to_numpy() >= 0.7
    return pd.DataFrame(
        {
            ID: frame[ID],
            "shap_base_value": 0.5,
            "shap_pages_per_visit": np.where(risky, 0.2, -0.1),
            "shap_service_errors": 0.0,
        }
    )


def decision_settings(
    catalogue: list[Offer],
    budget: Budget,
    min_reason_shap: float,
    high_risk: float = 0.7,
    control_share: float = 0.0,
    language: str = "en",
):
    """The parts of `Settings` that `offers.decide_with` reads, for tests that choose them by hand (by default
    without a control group: share 0, and in English, so that assertions read as the code's comments)."""
    return SimpleNamespace(
        seed=0,
        campaign=SimpleNamespace(control_share=control_share),
        budget=budget,
        offers=SimpleNamespace(catalogue=catalogue),
        segment=SimpleNamespace(min_reason_shap=min_reason_shap, high_risk=high_risk),
        report=SimpleNamespace(language=language),
    )
