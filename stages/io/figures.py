"""Writing the figures presentation returns: one PNG per figure, the same bytes on every rebuild.

Its own module, so that only the stages that draw (eda, explain, segment) depend on it.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from stages.io.files import atomic_write
from stages.io.process_pool import N_JOBS, worker_pool

# The figures being written, set before the workers fork: each worker holds them all from the start, where
# sending a figure to a worker would pickle it (and the figure drawn there would be a copy of a copy).
_TO_DRAW: dict = {}


def write_figures(folder: Path, figures: dict, processes: int = N_JOBS) -> None:
    """Each matplotlib figure as ``folder/<name>.png``, without the metadata that changes between runs
    (so a rebuild on the same libraries is byte-identical), then closed to free its memory.

    Drawing is most of a small stage's time and uses one core, so the figures are drawn one per task on
    ``processes`` processes forked from this one (the same bytes as drawn here: the same figures, code
    and libraries). ``processes=1``: drawn in this process, for a stage whose workers are busy already."""
    from matplotlib import pyplot  # the figures' own library, already loaded (and its backend chosen) by report

    for fig in figures.values():
        if fig.get_layout_engine() is None:  # our own figures lay themselves out (constrained); shap's do not
            fig.tight_layout()
    draw = partial(write_figure, Path(folder))
    try:
        _TO_DRAW.update(figures)
        if processes > 1 and len(figures) > 1:
            with worker_pool(processes) as pool:
                list(pool.map(draw, figures))
        else:
            for name in figures:
                draw(name)
    finally:
        _TO_DRAW.clear()
        for fig in figures.values():
            pyplot.close(fig)


class FigureError(RuntimeError):
    """A figure that could not be drawn, named (a worker's traceback does not say which figure it drew)."""


def write_figure(folder: Path, name: str) -> None:
    fig = _TO_DRAW[name]
    try:
        atomic_write(folder / f"{name}.png", partial(fig.savefig, format="png", metadata={"Software": None}))
    except Exception as error:
        raise FigureError(f"figure {name!r} could not be drawn: {type(error).__name__}: {error}") from error
