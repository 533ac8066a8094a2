"""Every figure a chapter shows has a caption and a "What to see" reading after it.

The convention, read from each chapter source (``notebooks/*.py``, Jupytext percent format):

* a **figure cell** is a code cell that calls a figure function: a public figure function of
  :mod:`toponet.plots` (:data:`FIGURES`) or a chapter-module function whose name ends in
  ``_figure`` (``deep.depth_figure``, ``gen.transfer_figure``, ...);
* after each figure cell, and before the next figure cell or section heading, come
  1. its **caption**: a code cell calling a caption function (``tb.caption``, or a chapter's
     ``*_caption``, which returns :class:`toponet.book.Caption`), and then
  2. its **reading**: a markdown cell that starts with ``**What to see**`` (what to notice, in
     words that hold whatever the data show), or a code cell calling ``tb.what_to_see`` or a
     chapter's ``*reading*`` function, which returns a :class:`toponet.book.Reading` filled from
     the results (rendered with the same ``**What to see**`` lead).

One reading per figure cell: a cell that draws several panels (a grid, two barcodes in one
call) is one figure. Beside it: the figure functions this test knows are exactly the public
functions of :mod:`toponet.plots` that draw (a new one must be classified here), and, where the
chapters have been executed (``book/chapters/*.ipynb`` or ``$TOPONET_EXECUTED_CHAPTERS``), every
cell that shows an image or a plotly figure is one this source rule calls a figure cell.
"""
from __future__ import annotations

import inspect
import json
import os
import re
from pathlib import Path

import jupytext
import pytest

import toponet.book as tb
from toponet import plots
from toponet.book.notebook import READING_LEAD

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))

#: The public functions of toponet.plots that return a figure.
FIGURES = {"mapper_figure", "mapper_static", "mapper_overview", "barcode_plot", "barcode_figure", "diagram_plot",
           "filter_grid", "distance_histogram", "statistic_strip", "evolution_plot", "sweep_heatmap",
           "scatter3d_figure", "mapper_grid", "curves_plot", "projection_plot", "calibration_plot"}
#: The public functions of toponet.plots that draw nothing (helpers the figures use).
NOT_FIGURES = {"spread_nodes", "angle_strip", "thumbnail_nodes"}

_FIGURE_CALL = re.compile(r"\bplots\.(\w+)\(|\b\w+\.(\w+_figure)\(")
_CAPTION_CALL = re.compile(r"\b\w*caption\(")
_READING_CALL = re.compile(r"\b(?:what_to_see|\w*reading\w*)\(")
_HEADING = re.compile(r"^#{2,3} ", re.M)


#: Figures a chapter draws with a library directly (chapter 00 opens the box with giotto-tda and plotly).
_LIBRARY_FIGURE = re.compile(r"\b(?:go\.Figure|plot_static_mapper_graph|plot_interactive_mapper_graph|plot_diagram)\(")


def is_figure_cell(source: str) -> bool:
    """True when ``source`` (a code cell) calls a figure function of toponet.plots or of a library."""
    return (any((m.group(1) in FIGURES) if m.group(1) else True for m in _FIGURE_CALL.finditer(source))
            or bool(_LIBRARY_FIGURE.search(source)))


def is_reading(cell) -> bool:
    if cell.cell_type == "markdown":
        return cell.source.lstrip().startswith(READING_LEAD)
    return bool(_READING_CALL.search(cell.source))


def figure_problems(path: Path) -> tuple[int, int, list[str]]:
    """(figure cells, readings, problems) of one chapter source."""
    cells = jupytext.read(path).cells
    figures = [i for i, c in enumerate(cells) if c.cell_type == "code" and is_figure_cell(c.source)]
    problems, readings = [], 0
    for n, i in enumerate(figures):
        end = figures[n + 1] if n + 1 < len(figures) else len(cells)
        caption = reading = None
        for j in range(i + 1, end):
            c = cells[j]
            if c.cell_type == "markdown" and _HEADING.search(c.source) and not is_reading(c):
                break
            if caption is None and c.cell_type == "code" and _CAPTION_CALL.search(c.source):
                caption = j
            if is_reading(c):
                reading = j
                break
        line = cells[i].source.strip().splitlines()[-1][:90]
        if caption is None:
            problems.append(f"{path.name}: figure cell {i} ({line!r}) has no caption cell after it")
        if reading is None:
            problems.append(f"{path.name}: figure cell {i} ({line!r}) has no '{READING_LEAD}' reading after it")
        elif caption is not None and reading < caption:
            problems.append(f"{path.name}: figure cell {i}: the reading comes before the caption")
        readings += reading is not None
    return len(figures), readings, problems


def test_the_figure_functions_are_classified():
    public = {name for name, f in inspect.getmembers(plots, inspect.isfunction)
              if f.__module__ == plots.__name__ and not name.startswith("_")}
    assert public == FIGURES | NOT_FIGURES, f"classify {sorted(public ^ (FIGURES | NOT_FIGURES))} in this test"


def test_library_figures_count_and_plain_calls_do_not():
    assert is_figure_cell('go.Figure(plot_static_mapper_graph(pipe, core, plotly_params={}))')
    assert is_figure_cell("fig = plot_diagram(dgm)")
    assert not is_figure_cell("graph = pipe.fit_transform(core)\nprint(graph.vcount())")


def test_the_rule_finds_figures_captions_and_readings(tmp_path):
    source = tmp_path / "99_x.py"
    source.write_text(
        "# %% [markdown]\n# # X\n\n# %%\nplots.barcode_plot(d)\n\n# %% tags=[\"remove-input\"]\ntb.caption('a', cloud='X', "
        "profile='p')\n\n# %% [markdown]\n# **What to see**: one bar far longer than the rest.\n\n"
        "# %%\ngen.scatter_figure(points)\n\n# %%\nplots.angle_strip(m)\n\n# %% [markdown]\n# ## Next\n\n"
        "# %%\nplots.mapper_figure(m)\n\n# %% tags=[\"remove-input\"]\nx.pretrained_caption('b')\n\n"
        "# %% tags=[\"remove-input\"]\nchapter.mapper_reading(m)\n")
    figures, readings, problems = figure_problems(source)
    assert (figures, readings) == (3, 2)
    assert problems == ["99_x.py: figure cell 4 ('gen.scatter_figure(points)') has no caption cell after it",
                        "99_x.py: figure cell 4 ('gen.scatter_figure(points)') has no '**What to see**' reading after it"]


def test_a_reading_renders_with_the_lead():
    assert tb.what_to_see("the top bar is {r:.1f} times the second.", r=3.26)._repr_markdown_() == \
        "**What to see**: the top bar is 3.3 times the second."
    with pytest.raises(ValueError, match="needs a value for 'r'"):
        tb.what_to_see("{r}")
    with pytest.raises(ValueError):
        tb.Reading(" ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_a_caption_and_a_reading(path):
    figures, readings, problems = figure_problems(path)
    assert not problems, f"{figures} figure cells, {readings} readings:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_generated_readings_show_no_code(path):
    """A cell that makes a reading is plumbing: the book shows its Markdown, not its code."""
    bad = [c.source.splitlines()[0][:80] for c in jupytext.read(path).cells
           if c.cell_type == "code" and _READING_CALL.search(c.source)
           and not {"remove-input", "hide-input", "remove-cell"} & set(c.metadata.get("tags", []))]
    assert not bad, f"{path.name}: reading cells without a remove-input tag: {bad}"


def _executed() -> list[Path]:
    folder = Path(os.environ.get("TOPONET_EXECUTED_CHAPTERS", ROOT / "book" / "chapters"))
    return sorted(folder.glob("*.ipynb")) if folder.is_dir() else []


def _shows_figure(cell: dict) -> bool:
    for output in cell.get("outputs", []):
        data = output.get("data") or {}
        if "image/png" in data or "Plotly.newPlot" in "".join(data.get("text/html", "")):
            return True
    return False


@pytest.mark.parametrize("notebook", _executed() or [None], ids=lambda p: p.name if p else "none-executed")
def test_every_executed_figure_cell_is_one_the_rule_sees(notebook):
    if notebook is None:
        pytest.skip("no executed chapters (book/chapters/*.ipynb): build the book to check the rule against them")
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    unseen = [("".join(c["source"]).strip().splitlines() or [""])[-1][:90] for c in cells
              if c["cell_type"] == "code" and _shows_figure(c) and not is_figure_cell("".join(c["source"]))]
    assert not unseen, f"{notebook.name}: cells show a figure the source rule does not count: {unseen}"
