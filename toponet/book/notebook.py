"""What a chapter calls: :func:`setup_notebook` in its first cell, :func:`caption` under figures
and :func:`what_to_see` after them.

Plotly figures in the book are HTML ``<div>``s plus one ``Plotly.newPlot`` call each; the
plotly.js library itself is loaded once per page from ``_static`` by the book's Sphinx
extension (:mod:`toponet.book.sphinx_ext`). Plotly's own notebook renderers would instead
inline the 4.5 MB library into the first figure of every page, or fetch it from a CDN,
which fails offline.
"""
from __future__ import annotations

import html
import math
import os
import re
from dataclasses import dataclass
from typing import Sequence

from toponet import _io
from toponet._custom import custom_note
from toponet._validation import check_int

__all__ = ["RENDERER", "FIGURE_DPI", "BUILD_ENV", "setup_notebook", "cloud_label", "Caption", "caption", "READING_LEAD",
           "Reading", "what_to_see", "show_table", "verdict_block"]

#: Name of the plotly renderer :func:`setup_notebook` registers and makes the default.
RENDERER = "toponet_book"

#: Matplotlib resolution of the book's static figures (dots per inch).
FIGURE_DPI = 100


#: Set (to "1") by the book build for the chapter kernels; selects the book's renderer, and
#: lets the chapters write the checkout's results/ (:func:`toponet._io.results_directory`).
BUILD_ENV = _io.BUILD_ENV


def _book_renderer():
    """A plotly renderer emitting only an HTML div that expects a global ``Plotly``.

    Only ``text/html``: myst-nb warns on (and so, with ``--warningiserror``, fails at)
    the plotly JSON mimetype it cannot render.
    """
    from plotly.io import to_html
    from plotly.io._base_renderers import MimetypeRenderer

    class BookRenderer(MimetypeRenderer):
        """Figures as ``<div>`` + ``Plotly.newPlot``; plotly.js is NOT included."""

        def __init__(self, config=None):
            self.config = dict(config or {})

        def to_mimebundle(self, fig_dict):
            return {"text/html": to_html(fig_dict, config=self.config, include_plotlyjs=False,
                                         include_mathjax=False, full_html=False, validate=False)}

    # No "send data to Chart Studio" link: it points at an external host.
    return BookRenderer(config={"displaylogo": False, "showLink": False, "responsive": True})


def setup_notebook(book: bool | None = None) -> str:
    """Configure plotly and matplotlib for a book chapter; call it in the first code cell.

    Parameters
    ----------
    book : bool, optional
        Render for the book: plotly figures without a copy of plotly.js (the book loads
        it once per page, offline), through the renderer :data:`RENDERER`. By default
        this is on when the book build runs the chapter (environment variable
        :data:`BUILD_ENV`), and off in an interactive Jupyter session, where plotly's
        own renderer draws the figures.

    Matplotlib always draws inline PNG figures at :data:`FIGURE_DPI` (each static
    figure is an ``<img>`` in the built page).

    Returns the name of the plotly renderer now in use. Safe to call more than once.
    """
    import plotly.io as pio

    if book is None:
        book = os.environ.get(BUILD_ENV, "") not in ("", "0")
    if book:
        # Progress bars are for people at a terminal; in a built page they are noise.
        os.environ["TQDM_DISABLE"] = "1"
        pio.renderers[RENDERER] = _book_renderer()
        pio.renderers.default = RENDERER
    try:  # only inside an IPython kernel; plain Python (tests, scripts) has no inline backend
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        if get_ipython() is not None:
            set_matplotlib_formats("png")
            import matplotlib

            matplotlib.rcParams["figure.dpi"] = FIGURE_DPI
    except ImportError:
        pass
    return pio.renderers.default


# --- captions ------------------------------------------------------------------------------

def _iterations_label(iterations: int) -> str:
    """The paper's subscript: 40000 -> "40K", 1500 -> "1.5K", 300 -> "300"."""
    if iterations >= 1000 and iterations % 100 == 0:
        return f"{iterations / 1000:g}K"
    return str(iterations)


def cloud_label(*, networks: int, layer: int, iterations: int, widths: Sequence[int],
                model: str = "M", k: int | None = None, p: float | None = None) -> str:
    r"""The paper's name of a point cloud, as TeX without ``$`` delimiters.

    ``cloud_label(networks=16, layer=1, iterations=2000, widths=(64, 32, 64), k=200, p=0.3)``
    is ``\rho(200, 0.3, 16 \times M^{1}_{2K}(64, 32, 64))``: the density filtration
    ``rho(k, p)`` of the layer-1 spatial filters of 16 networks ``M(64, 32, 64)`` trained
    2000 batch iterations. Without ``k`` and ``p`` the cloud is unfiltered.
    """
    networks = check_int(networks, name="networks", low=1)
    layer = check_int(layer, name="layer", low=1)
    iterations = check_int(iterations, name="iterations", low=0)
    widths = [check_int(w, name="widths", low=0) for w in widths]
    if not widths:
        raise ValueError("widths must name at least one layer width, e.g. (64, 32, 64)")
    if not isinstance(model, str) or not model.isidentifier():
        raise ValueError(f"model must be a short name such as 'M' or 'C'; got {model!r}")
    if (k is None) != (p is None):
        raise ValueError("give both k and p for a density-filtered cloud, or neither")
    cloud = (f"{networks} \\times {model}^{{{layer}}}_{{{_iterations_label(iterations)}}}"
             f"({', '.join(map(str, widths))})")
    if k is None:
        return cloud
    k = check_int(k, name="k", low=1)
    return f"\\rho({k}, {float(p):g}, {cloud})"


def _accuracy_text(accuracy) -> str:
    """"98.9 %" for one number, "98.9 ± 0.2 % (n = 4)" for per-network numbers (sd: ddof=1)."""
    values = [accuracy] if isinstance(accuracy, (int, float)) else list(accuracy)
    if not values:
        raise ValueError("accuracy is an empty sequence; give at least one test accuracy")
    for a in values:
        if isinstance(a, bool) or not isinstance(a, (int, float)) or not 0.0 <= a <= 1.0:
            raise ValueError(f"accuracy must be fractions in [0, 1] (0.989, not 98.9); got {a!r}")
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f"{100 * mean:.1f} %"
    sd = math.sqrt(sum((a - mean) ** 2 for a in values) / (len(values) - 1))
    return f"{100 * mean:.1f} ± {100 * sd:.1f} % (n = {len(values)})"


@dataclass(frozen=True)
class Caption:
    """A figure caption; a notebook cell that ends with one renders it as Markdown.

    Attributes
    ----------
    text : str
        MyST Markdown (math between ``$`` signs). In a run with custom parameters
        (:func:`toponet._custom.custom_note`) it ends with "Run with custom parameters:
        p=0.9 (profile: 0.5)."; every caption of such a run says so, whoever built it.
    """

    text: str

    def __post_init__(self):
        note = custom_note()
        if note and note not in self.text:
            object.__setattr__(self, "text", f"{self.text.rstrip()} Run with {note}.")

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def caption(text: str, *, cloud: str, profile: str, accuracy=None,
            paper_accuracy: float | None = None, figure: str | None = None,
            weights: str | None = None) -> Caption:
    r"""A caption stating the point cloud, the build profile and the test accuracy.

    Parameters
    ----------
    text : str
        What the figure shows, in words.
    cloud : str
        The point cloud in the paper's notation as TeX, e.g. from :func:`cloud_label`.
    profile : str
        The build profile the numbers come from (the chapter's ``profile`` parameter).
    accuracy : float or sequence of float, optional
        Test accuracy as a fraction in [0, 1], or one per network (shown as mean ± sd and n).
        ``None`` for figures of untrained or ideal filters.
    paper_accuracy : float, optional
        The paper's accuracy for the same model, as a fraction.
    figure : str, optional
        A label such as "1" or "2b", printed as "**Figure 1.**".
    weights : str, optional
        For weights trained elsewhere (a pretrained network, a user's file): the sentence saying
        where they come from, printed last instead of the accuracy sentence (``accuracy`` must
        then be None).

    Returns
    -------
    Caption
        Displayed as Markdown in the notebook and in the built book.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("caption text must be a non-empty string saying what the figure shows")
    if not isinstance(cloud, str) or not cloud.strip():
        raise ValueError("cloud must name the point cloud (TeX), e.g. cloud_label(...)")
    if not isinstance(profile, str) or not profile:
        raise ValueError(f"profile must be the build profile's name; got {profile!r}")
    if weights is not None and (accuracy is not None or not isinstance(weights, str) or not weights.strip()):
        raise ValueError("weights must be a non-empty sentence, and only for a figure without a test accuracy")
    parts = [f"**Figure {figure}.**" if figure else "", text.strip(),
             f"Point cloud ${cloud.strip()}$.", f"Profile `{profile}`."]
    if weights is not None:
        parts.append(weights.strip())
    elif accuracy is None:
        parts.append("No trained network (no test accuracy).")
    else:
        acc = f"Test accuracy {_accuracy_text(accuracy)}"
        if paper_accuracy is not None:
            acc += f" (paper: {_accuracy_text(paper_accuracy)})"
        parts.append(acc + ".")
    return Caption(" ".join(p for p in parts if p))


# --- readings: what to see in a figure -------------------------------------------------------------

#: How every figure's reading starts, in a chapter source's markdown cell and in a generated
#: reading alike (``tests/test_book_readings.py`` counts them against the figures).
READING_LEAD = "**What to see**"


@dataclass(frozen=True)
class Reading:
    """A figure's "What to see" paragraph: what to notice and what its numbers mean.

    Attributes
    ----------
    text : str
        MyST Markdown after the lead; rendered as ":data:`READING_LEAD`: text".
    """

    text: str

    def __post_init__(self):
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError("a reading must say what to see in the figure; got an empty text")

    def _repr_markdown_(self) -> str:
        return f"{READING_LEAD}: {self.text.strip()}"

    def __str__(self) -> str:
        return self._repr_markdown_()


def verdict_block(verdict: str, reasons=(), *, claim_id: str | None = None) -> str:
    """A rule's verdict as a chapter prints it in its recording cell, in the form the book build
    reads (:func:`toponet.book.build.present_verdicts` collapses it into the verdict table).

    Parameters
    ----------
    verdict : str
        The verdict line ("partly"; or a line that names the claim too, "NP1: partly").
    reasons : iterable of str
        The rule's reasons, one line each, indented by two spaces under the verdict.
    claim_id : str, optional
        A line of its own before the verdict ("F3"), so the build links the block to its row.

    Returns
    -------
    str
        The lines joined, every one after the first indented by two spaces.
    """
    return "\n  ".join([*([claim_id] if claim_id else []), verdict, *reasons])


def what_to_see(template: str, /, **values) -> Reading:
    """A reading filled from results: ``template`` is Markdown with ``str.format`` fields.

    ``what_to_see("the top bar is {ratio:.1f} times the second.", ratio=3.24)`` renders as
    "**What to see**: the top bar is 3.2 times the second." A reading that states a finding
    takes it from ``values``, never from the template's words, so it cannot claim what the
    data of another build does not show.
    """
    if not isinstance(template, str) or not template.strip():
        raise ValueError("template must be the reading's Markdown text")
    try:
        return Reading(template.format(**values))
    except (KeyError, IndexError) as exc:
        raise ValueError(f"the reading's template needs a value for {exc}; give it as a keyword") from None


#: A table of more columns than this gets a "scroll sideways" hint above it.
WIDE_TABLE_COLUMNS = 8


def _table_cell(value) -> str:
    """A table cell's text: floats to 3 significant digits, long decimals in text rounded to 3
    places (``<= 0.64245`` -> ``<= 0.642``)."""
    if isinstance(value, float):
        return f"{value:.3g}"
    return re.sub(r"\d+\.\d{4,}", lambda m: f"{float(m.group()):.3f}", str(value))


def show_table(rows: list[dict], *, empty: str | None = None):
    """``rows`` (dicts with the same keys) as an HTML table a notebook displays.

    Numbers are rounded for reading (:func:`_table_cell`); headers wrap at underscores. The
    table sits in a ``div.toponet-table`` that scrolls sideways inside the content column
    (``_static/toponet.css``), with a visible hint above it when it has more than
    :data:`WIDE_TABLE_COLUMNS` columns; in such a table the columns named "verdict" come right
    after the first, so the answer is on screen before any scrolling. No rows: ``empty`` as
    Markdown (a sentence saying why), or None (nothing displayed).
    """
    from IPython.display import HTML, Markdown

    if not rows:
        return Markdown(empty) if empty else None
    keys = list(rows[0])
    if len(keys) > WIDE_TABLE_COLUMNS:
        first = [k for k in keys[1:] if "verdict" in str(k).lower()]
        keys = keys[:1] + first + [k for k in keys[1:] if k not in first]
    head = "".join(f"<th>{html.escape(str(k_).replace('_', ' '))}</th>" for k_ in keys)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_table_cell(r[k_]))}</td>" for k_ in keys) + "</tr>"
                   for r in rows)
    hint = (f'<p class="scroll-hint">{len(keys)} columns: scroll the table sideways to see them all.</p>'
            if len(keys) > WIDE_TABLE_COLUMNS else "")
    return HTML(f'<div class="toponet-table">{hint}<div class="toponet-table-scroll"><table>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></div>")
