"""The randomised control group: which of the customers a decision selects are held out, and how many.

A customer's draw is a keyed hash of (campaign label, customer id, seed): the same customer of the same
campaign always draws the same number, whatever the row order, the partitioning or the engine. Within
each offer the customers with the smallest draws are the control group (a stratified, completely
randomised design: Radcliffe 2007). How many are held out depends only on how many each offer has, so
the selection itself never depends on the draws. Why: docs/campaign.md.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from stages.lib.schema import ID

MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def campaign_key(label: str, seed: int) -> np.uint64:
    """64 bits of BLAKE2b over the campaign's label and the seed: the key every customer's draw is mixed with."""
    digest = hashlib.blake2b(f"{label}\x00{seed}".encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def draws(label: str, ids, seed: int) -> np.ndarray:
    """One number in [0, 1) per customer id: SplitMix64's finaliser over id XOR the campaign's key."""
    z = np.asarray(ids, dtype=np.int64).astype(np.uint64) ^ campaign_key(label, seed)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps around by design
        z = (z + np.uint64(0x9E3779B97F4A7C15)) & MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & MASK
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def control_size(selected, share: float) -> np.ndarray:
    """Customers held out of an offer that selects ``selected``: the share rounded half up, at least one
    as soon as two are selected (every offer gets its own control group), never more than half. A share of 0
    (the decision's tests without a control group) holds out nobody."""
    n = np.asarray(selected, dtype=np.int64)
    if share <= 0:
        return np.zeros_like(n)
    size = np.floor(share * n + 0.5).astype(np.int64)
    size = np.where(n >= 2, np.maximum(size, 1), 0)
    return np.minimum(size, n // 2)


def treated_increments(offers: pd.Series, share: float) -> np.ndarray:
    """For candidates in the order of the ranking: 1 where adding the candidate adds a contact, 0 where it
    adds one to its offer's control group instead (the group sizes are those of the prefix so far)."""
    n = offers.groupby(offers, sort=False).cumcount().to_numpy() + 1
    return 1 - (control_size(n, share) - control_size(n - 1, share))


def control_members(selected: pd.DataFrame, share: float, label: str, seed: int) -> pd.Index:
    """The index of the selected customers (id, offer) held out: per offer, the smallest draws."""
    if selected.empty:
        return selected.index
    frame = selected[[ID, "offer"]].assign(_draw=draws(label, selected[ID].to_numpy(), seed))
    frame = frame.sort_values(["offer", "_draw", ID], kind="stable")
    rank = frame.groupby("offer", sort=False).cumcount().to_numpy()
    sizes = frame["offer"].map(frame["offer"].value_counts()).to_numpy()
    return frame.index[rank < control_size(sizes, share)]
