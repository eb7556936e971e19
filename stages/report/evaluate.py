"""What `evaluate` shows beside its plot data: the reliability diagram, before and after calibration."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from stages.report.style import HIGHLIGHT, NEUTRAL

PANELS = (("oof", "Train, out of fold"), ("test", "Test (untouched)"))
METRIC_KEYS = {"oof": "train_out_of_fold", "test": "test"}  # metrics/evaluate.json's calibration section
CURVES = (("uncalibrated", "before calibration", NEUTRAL, "s"), ("calibrated", "after calibration", HIGHLIGHT, "o"))


def reliability_figure(plots: dict[str, dict], metrics: dict) -> plt.Figure:
    """Observed decline rate against mean predicted probability per equal-width bin, with the diagonal a
    calibrated model follows and, below, how many customers each bin holds."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}, squeeze=False)
    for column, (sample, title) in enumerate(PANELS):
        curve_ax, count_ax = axes[0, column], axes[1, column]
        curve_ax.plot([0, 1], [0, 1], linestyle="--", color="black", linewidth=1, label="perfect calibration")
        for offset, (state, words, colour, marker) in enumerate(CURVES):
            bins = pd.DataFrame(plots[f"reliability_{sample}_{state}.json"]["reliability"])
            scores = metrics["calibration"][METRIC_KEYS[sample] + ("_uncalibrated" if state == "uncalibrated" else "")]
            curve_ax.plot(
                bins["predicted"],
                bins["observed"],
                marker=marker,
                color=colour,
                label=f"{words}: Brier {scores['brier']:.3f}, calibration error {scores['calibration_error']:.3f}",
            )
            width = 0.9 / (metrics["calibration"]["bins"] * len(CURVES))
            count_ax.bar(bins["bin_centre"] + (offset - 0.5) * width, bins["customers"], width=width, color=colour)
        curve_ax.set(title=title, xlim=(0, 1), ylim=(0, 1), ylabel="observed decline rate (share of customers)")
        curve_ax.legend(loc="upper left", fontsize=8)
        count_ax.set(xlabel="predicted probability of decline (bin mean)", ylabel="customers per bin")
    return fig
