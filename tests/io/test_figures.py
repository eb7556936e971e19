"""`stages.io.figures`: figures drawn on forked processes are the bytes drawn in this process."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from matplotlib import pyplot

from stages.io import figures as figures_module
from stages.io.figures import _TO_DRAW, FigureError, write_figure, write_figures


def figures() -> dict:
    """Three unlike figures: a constrained layout, one without a layout engine (as shap's), and text."""
    rng = np.random.default_rng(3)
    drawn = {}
    fig, axes = pyplot.subplots(1, 2, figsize=(6, 3), layout="constrained")
    axes[0].hist(rng.normal(size=500), bins=30)
    axes[1].scatter(*rng.normal(size=(2, 200)), s=4)
    axes[0].set_xlabel("minutes, min")
    drawn["constrained"] = fig
    fig = pyplot.figure(figsize=(4, 3))
    fig.add_subplot().plot(np.cumsum(rng.normal(size=100)))
    drawn["no_engine"] = fig
    fig, ax = pyplot.subplots(figsize=(4, 2), layout="constrained")
    ax.barh(["Товары для детей", "Косметика"], [3, 5])
    ax.set_title("Доля, %")
    drawn["words"] = fig
    return drawn


def test_figures_drawn_on_forked_processes_are_the_bytes_drawn_here(tmp_path):
    write_figures(tmp_path / "here", figures(), processes=1)
    write_figures(tmp_path / "forked", figures(), processes=2)
    here = {p.name: p.read_bytes() for p in (tmp_path / "here").iterdir()}
    forked = {p.name: p.read_bytes() for p in (tmp_path / "forked").iterdir()}
    assert sorted(here) == ["constrained.png", "no_engine.png", "words.png"]
    assert here == forked
    assert all(data.startswith(b"\x89PNG") for data in here.values())


@pytest.mark.parametrize("processes", [1, 2])
def test_every_figure_is_closed_and_nothing_is_left_to_draw(tmp_path, processes):
    before = set(pyplot.get_fignums())
    write_figures(tmp_path, figures(), processes=processes)
    assert set(pyplot.get_fignums()) == before
    assert _TO_DRAW == {}


@pytest.mark.parametrize("processes", [1, 2])
def test_a_figure_that_fails_to_draw_fails_the_write_in_the_caller(tmp_path, processes):
    """mathtext's parse error does not pickle: sent back from a worker as it is, it broke the pool instead."""
    drawn = figures()
    drawn["words"].axes[0].set_title("$\\frac{unclosed$")  # mathtext that cannot be parsed: drawing raises
    with pytest.raises(FigureError, match=r"(?s)figure 'words' could not be drawn: ValueError: .*frac"):
        write_figures(tmp_path, drawn, processes=processes)
    assert not (tmp_path / "words.png").exists()
    assert not list(tmp_path.glob(".*.tmp"))  # the failed figure's temporary file is removed
    assert _TO_DRAW == {}


def drawing_pid(folder: Path, name: str) -> None:
    """`write_figure`, noting which process drew (a module-level function: the pool sends it by name)."""
    write_figure(folder, name)
    (folder / f"{name}.pid").write_text(str(os.getpid()))


@pytest.mark.parametrize("processes", [1, 2])
def test_figures_are_drawn_where_asked(tmp_path, monkeypatch, processes):
    monkeypatch.setattr(figures_module, "write_figure", drawing_pid)
    write_figures(tmp_path, figures(), processes=processes)
    drawn_by = {int(p.read_text()) for p in tmp_path.glob("*.pid")}
    assert len(list(tmp_path.glob("*.png"))) == 3
    assert (drawn_by == {os.getpid()}) == (processes == 1)
