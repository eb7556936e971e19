"""How well the month's targeting ranked the customers it selected: the Qini curve (Radcliffe 2007).

Treated and control customers of the campaign ranked by the decision's expected value, best first; at
each share of them, the customers kept from declining by the offers: retained treated − retained
control × treated / control so far. A ranking that puts the customers an offer helps first climbs
above the straight line of random targeting. Compare scikit-uplift's `qini_curve` (outcome 1 = kept).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.lib.schema import ID

POINTS = 101


def qini_curve(campaign: pd.DataFrame) -> pd.DataFrame:
    """``campaign``: id, expected_value, group (treatment | control), declined (0/1). Returns share_targeted
    (0..1, at most 101 points), incremental_kept (customers) and random (the same for random targeting)."""
    ranked = campaign.sort_values(["expected_value", ID], ascending=[False, True], kind="stable")
    treated = (ranked["group"] == "treatment").to_numpy()
    kept = 1 - ranked["declined"].to_numpy(dtype=float)
    curve, size = np.r_[0.0, gains(treated, kept, np.ones((1, len(ranked))))[0]], len(ranked)
    at = np.unique(np.round(np.linspace(0, size, min(POINTS, size + 1))).astype(int))
    share = at / max(size, 1)
    return pd.DataFrame({"share_targeted": share, "incremental_kept": curve[at], "random": share * curve[-1]})


def gains(treated: np.ndarray, kept: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The Qini heights after each customer, in ranked order: retained treated − retained control × treated /
    control so far, one row per row of ``weights`` (customers' counts: ones, or bootstrap draws)."""
    n_t, n_c = np.cumsum(weights * treated, axis=1), np.cumsum(weights * ~treated, axis=1)
    kept_t, kept_c = np.cumsum(weights * kept * treated, axis=1), np.cumsum(weights * kept * ~treated, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_c > 0, kept_t - kept_c * n_t / np.maximum(n_c, 1), 0.0)


def qini_area(curve: pd.DataFrame) -> float:
    """Mean height of the curve above random targeting, in customers kept (0: no better than random)."""
    gap = (curve["incremental_kept"] - curve["random"]).to_numpy()
    return float(np.trapezoid(gap, curve["share_targeted"].to_numpy()))
