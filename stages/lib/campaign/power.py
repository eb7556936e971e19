"""Before sending: the smallest effect a month's treated and control groups can detect.

The effect is the one the catalogue assumes: the share of the probability of decline an offer removes,
so treated customers decline at p × (1 − effect) against p in control. Two-sided test of two
proportions at level alpha, normal approximation with unpooled variances (Chow, Shao & Wang, 2008).
The review tests with Katz's interval of the log risk ratio instead, which is slightly more powerful on the
same groups (simulated at the detectable effect: 80 % by this test, 83 % by the review's,
tests/lib/test_campaign_statistics.py), so the figure planned here is a little conservative.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

ALPHA, POWER = 0.05, 0.80
MIN_EXPECTED = 5  # the normal approximation needs this many expected declines and non-declines in each group


def power_of(effect: float, p_control: float, treated: int, control: int, alpha: float = ALPHA) -> float:
    """Probability that a two-sided test at ``alpha`` finds an offer of this ``effect`` effective."""
    if treated < 1 or control < 1:
        return 0.0
    p_treated = p_control * (1 - effect)
    spread = np.sqrt(p_control * (1 - p_control) / control + p_treated * (1 - p_treated) / treated)
    if spread == 0:
        return 1.0 if effect > 0 else 0.0
    return float(stats.norm.cdf(abs(p_control - p_treated) / spread - stats.norm.ppf(1 - alpha / 2)))


def detectable_effect(p_control: float, treated: int, control: int) -> float | None:
    """The smallest effect in (0, 1] found with 80 % power at 5 % two-sided, or None when even an offer
    that removed every decline (effect 1) would be missed, or when a group expects fewer than 5 declines or
    non-declines (the approximation, and the review's interval, would not hold): the month is too small to
    measure this offer. Power rises with the effect, so bisection finds it."""
    if not 0 < p_control < 1 or min(treated, control) * min(p_control, 1 - p_control) < MIN_EXPECTED:
        return None
    if power_of(1.0, p_control, treated, control) < POWER:
        return None
    low, high = 0.0, 1.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if power_of(middle, p_control, treated, control) < POWER else (low, middle)
    return high
