"""Writing the figures presentation returns: one PNG per figure, the same bytes on every rebuild.

Its own module, so that only the stages that draw (eda, explain, segment) depend on it.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from stages.io.files import atomic_write


def write_figures(folder: Path, figures: dict) -> None:
    """Each matplotlib figure as ``folder/<name>.png``, without the metadata that changes between runs
    (so a rebuild on the same libraries is byte-identical), then closed to free its memory."""
    from matplotlib import pyplot  # the figures' own library, already loaded (and its backend chosen) by report

    for name, fig in figures.items():
        if fig.get_layout_engine() is None:  # our own figures lay themselves out (constrained); shap's do not
            fig.tight_layout()
        atomic_write(folder / f"{name}.png", partial(fig.savefig, format="png", metadata={"Software": None}))
        pyplot.close(fig)
