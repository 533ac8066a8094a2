"""Every plot returns the right kind of figure, draws what it claims, rejects bad input."""
import io
import json

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from toponet import plots  # noqa: E402
from toponet.ideal import gaussian_filters, primary_circle_sample  # noqa: E402
from toponet.mapper import Mapper  # noqa: E402


def render(fig: Figure) -> bytes:
    """Draw the figure for real: errors at draw time must fail the test."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return buf.getvalue()


@pytest.fixture(scope="module")
def mapper():
    return Mapper(20, 3).fit(primary_circle_sample(600, noise=0.05, seed=0))


@pytest.fixture(scope="module")
def big_mapper():
    # ~300 nodes: the size the JSON bound is about.
    return Mapper(30, 3).fit(primary_circle_sample(2000, noise=0.1, seed=2))


class Result:
    """A stand-in for toponet.homology.PersistenceResult: only ``.diagrams`` matters."""

    def __init__(self, diagrams):
        self.diagrams = diagrams


@pytest.fixture
def diagrams():
    h0 = np.array([[0.0, 0.1], [0.0, 0.3], [0.0, 0.2], [0.0, np.inf]])
    h1 = np.array([[0.2, 1.1], [0.3, 0.35], [0.4, 0.45]])
    return [h0, h1]


# --- Mapper ------------------------------------------------------------------------------

def test_mapper_figure_is_a_plain_figure_with_one_marker_per_node(mapper):
    fig = plots.mapper_figure(mapper, title="circle")
    assert type(fig) is go.Figure                       # not a FigureWidget
    nodes = [t for t in fig.data if t.name == "nodes"]
    assert len(nodes) == 1
    assert len(nodes[0].x) == len(nodes[0].y) == mapper.n_nodes_
    assert list(nodes[0].marker.color) == mapper.node_sizes_.tolist()
    assert nodes[0].marker.colorbar is not None
    assert f"node 0: {mapper.node_sizes_[0]} points" in nodes[0].text[0]


def test_mapper_figure_draws_mean_filters_at_the_thumbnail_nodes(mapper):
    fig = plots.mapper_figure(mapper)
    glyph = [t for t in fig.data if t.name == "mean filters"][0]
    shown = glyph.meta["nodes"]
    assert 1 <= len(shown) <= plots.THUMBNAILS and len(set(shown)) == len(shown)
    assert shown[0] == int(np.argmax(mapper.node_sizes_))          # the largest cluster first
    assert len(glyph.x) == 9 * len(shown)
    assert np.allclose(glyph.marker.color, mapper.node_means_[shown].ravel(), atol=0.005)
    # Symmetric gray scale: zero is mid-gray.
    assert glyph.marker.cmin == -glyph.marker.cmax
    # The 3x3 pixels of the first thumbnail sit around its node, row 0 on top, column 0 on the left.
    nodes = [t for t in fig.data if t.name == "nodes"][0]
    px, py = np.array(glyph.x[:9]).reshape(3, 3), np.array(glyph.y[:9]).reshape(3, 3)
    assert px[1, 1] == pytest.approx(nodes.x[shown[0]], abs=0.2) and py[1, 1] == pytest.approx(nodes.y[shown[0]], abs=0.2)
    assert np.all(px[:, 0] < px[:, 2]) and np.all(py[0, :] > py[2, :])
    # every node's mean filter is in its hover text
    assert "mean filter:" in nodes.text[0] and f"{mapper.node_means_[0, 0]:+.2f}" in nodes.text[0]


def _px_per_unit(fig) -> float:
    """Pixels per layout unit of a mapper_figure, as plotly lays it out (equal aspect: the smaller)."""
    lay, m = fig.layout, fig.layout.margin
    w = (lay.width - m.l - m.r) * (lay.xaxis.domain[1] - lay.xaxis.domain[0])
    h = lay.height - m.t - m.b
    return min(w / (lay.xaxis.range[1] - lay.xaxis.range[0]), h / (lay.yaxis.range[1] - lay.yaxis.range[0]))


def thumbnail_boxes(fig) -> np.ndarray:
    """Each thumbnail's box in the figure's coordinates, shape (m, 4): x0, y0, x1, y1 (layout units),
    the frame's marker (pixels) converted with the figure's own scale, and grown to hold its filter's
    pixel markers."""
    frames = [t for t in fig.data if t.name == "thumbnail frames"][0]
    glyph = [t for t in fig.data if t.name == "mean filters"][0]
    scale = _px_per_unit(fig)
    half = frames.marker.size / scale / 2
    x, y = np.asarray(frames.x), np.asarray(frames.y)
    boxes = np.stack([x - half, y - half, x + half, y + half], axis=1)
    cell = glyph.marker.size / scale / 2
    gx, gy = np.asarray(glyph.x).reshape(len(x), -1), np.asarray(glyph.y).reshape(len(x), -1)
    pix = np.stack([gx.min(1) - cell, gy.min(1) - cell, gx.max(1) + cell, gy.max(1) + cell], axis=1)
    assert np.all(pix[:, :2] >= boxes[:, :2] - 1e-6) and np.all(pix[:, 2:] <= boxes[:, 2:] + 1e-6)  # inside
    return boxes


@pytest.mark.parametrize("cloud", ["circle", "gaussian", "big"])
def test_mapper_figure_thumbnails_do_not_overlap(cloud, mapper, big_mapper):
    m = {"circle": mapper, "big": big_mapper}.get(cloud) or Mapper(20, 3).fit(gaussian_filters(800, seed=1))
    boxes = thumbnail_boxes(plots.mapper_figure(m))
    assert len(boxes) >= 8
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 0 or overlap_y <= 0, f"thumbnails {i} and {j} overlap: {a} {b}"


def test_thumbnail_nodes_keep_squares_apart():
    pos = np.array([[0, 0], [5, 0], [12, 0], [12, 30], [0, 11.5]], float)
    assert plots.thumbnail_nodes(pos, 10, sizes=[1, 9, 3, 2, 4]).tolist() == [1, 4, 3]   # 0 and 2 lie under 1
    assert plots.thumbnail_nodes(pos, 10, count=2, sizes=[1, 9, 3, 2, 4]).tolist() == [1, 4]
    assert plots.thumbnail_nodes(pos, 10, gap=0.0).tolist() == [0, 2, 3, 4]                # equal sizes: in order
    assert plots.thumbnail_nodes(np.empty((0, 2)), 10).size == 0


def test_mapper_figure_colour_bar_has_a_title_and_ticks(mapper):
    fig = plots.mapper_figure(mapper)
    bar = [t for t in fig.data if t.name == "nodes"][0].marker.colorbar
    assert bar.title.text == "node colour: points per node (cluster size)"
    assert bar.orientation == "h" and bar.ticks == "outside"
    ticks = list(bar.tickvals)
    assert len(ticks) >= 3 and ticks[0] == 0 and ticks[-1] <= mapper.node_sizes_.max()
    assert list(bar.ticktext) == [f"{t:,.0f}" for t in ticks]
    stepped = plots.mapper_figure(mapper, filter_shape=None, color=np.linspace(0, 1, mapper.n_nodes_),
                                  color_title="step")
    bar = stepped.data[1].marker.colorbar
    assert bar.title.text == "step" and 0.0 in bar.tickvals and 1.0 in bar.tickvals
    assert [t.name for t in stepped.data] == ["edges", "nodes"]


def test_mapper_figure_edges_match_graph(mapper):
    fig = plots.mapper_figure(mapper)
    edges = [t for t in fig.data if t.name == "edges"][0]
    assert len(edges.x) == 3 * mapper.n_edges_
    assert sum(v is None for v in edges.x) == mapper.n_edges_


def test_mapper_figure_json_stays_small(big_mapper):
    assert big_mapper.n_nodes_ >= 250
    size = len(plots.mapper_figure(big_mapper).to_json())
    assert size < 300_000, f"{size / 1e3:.0f} kB for {big_mapper.n_nodes_} nodes"
    assert "plotly.js" not in plots.mapper_figure(big_mapper).to_json()[:1000]


def test_mapper_figure_without_filters(mapper):
    fig = plots.mapper_figure(mapper, filter_shape=None)
    assert [t.name for t in fig.data] == ["edges", "nodes"]


def test_mapper_plots_reject_bad_input(mapper):
    with pytest.raises(ValueError, match="filter_shape"):
        plots.mapper_figure(mapper, filter_shape=(2, 2))
    with pytest.raises(ValueError, match="fitted"):
        plots.mapper_figure(Mapper())
    with pytest.raises(ValueError, match="fitted"):
        plots.mapper_static(object())
    with pytest.raises(ValueError, match="filter_shape"):
        plots.mapper_static(mapper, filter_shape=(4, 4))


def test_mapper_static_draws_a_filter_per_node(mapper):
    fig = plots.mapper_static(mapper, title="circle")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.images) == mapper.n_nodes_
    # Each image is a node's mean filter.
    shown = {tuple(np.round(im.get_array().ravel(), 6)) for im in ax.images}
    assert tuple(np.round(mapper.node_means_[0], 6)) in shown
    assert len(fig.axes) == 2                           # graph + colour bar
    assert render(fig)[:4] == b"\x89PNG"


def test_mapper_static_into_given_axes_and_without_filters(mapper):
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.mapper_static(mapper, ax=ax, filter_shape=None) is fig
    assert len(ax.images) == 0 and len(ax.collections) == 2   # edges + dots
    render(fig)


# --- persistence -------------------------------------------------------------------------

def test_barcode_plot_stacks_dims_and_marks_infinite_bars(diagrams):
    fig = plots.barcode_plot(diagrams, title="bars")
    assert isinstance(fig, Figure)
    ax0, ax1 = fig.axes
    segs0 = ax0.collections[0].get_segments()
    assert len(segs0) == 4 and len(ax1.collections[0].get_segments()) == 3
    # Longest first; the infinite bar runs to the right edge, beyond every death.
    right = max(s[1][0] for s in segs0)
    assert right > 1.1 and segs0[0][1][0] == right
    assert len(ax0.lines) == 1 and not ax1.lines       # one arrow head, for H0's inf bar
    render(fig)


def test_barcode_plot_max_bars_keeps_the_longest(diagrams):
    fig = plots.barcode_plot(diagrams, dims=(1,), max_bars=1)
    segs = fig.axes[0].collections[0].get_segments()
    assert len(segs) == 1 and segs[0][0][0] == 0.2 and segs[0][1][0] == 1.1
    assert fig.axes[0].get_ylabel() == "H1"
    assert "3 bars, longest 1 shown" in [t.get_text() for t in fig.axes[0].texts]


def test_barcode_plot_accepts_the_formats(diagrams):
    for form in (Result(diagrams), {0: diagrams[0], 1: diagrams[1]}, {"dgms": diagrams}):
        assert isinstance(plots.barcode_plot(form), Figure)
    # giotto-tda: (1, n, 3) [birth, death, dim], padded with zero-length bars.
    g = np.array([[[0.0, 0.5, 0], [0.0, 0.0, 0], [0.2, 1.0, 1]]])
    fig = plots.barcode_plot(g)
    assert len(fig.axes[0].collections[0].get_segments()) == 1
    one = Figure().add_subplot()
    assert plots.barcode_plot(diagrams, ax=one) is one.figure
    assert len(one.collections) == 2


@pytest.mark.parametrize("bad, err, match", [
    ([np.array([[0.5, 0.1]])], ValueError, "death < birth"),
    ([np.zeros((3, 3))], ValueError, r"\(n_bars, 2\)"),
    ([np.array([[np.nan, 1.0]])], ValueError, "NaN"),
    ("h0", TypeError, "diagrams"),
    (np.zeros((4, 2)), ValueError, "giotto-tda"),
])
def test_barcode_plot_rejects_bad_diagrams(bad, err, match):
    with pytest.raises(err, match=match):
        plots.barcode_plot(bad)


def test_barcode_plot_rejects_bad_max_bars(diagrams):
    with pytest.raises(ValueError, match="max_bars"):
        plots.barcode_plot(diagrams, max_bars=0)


def test_barcode_figure(diagrams):
    fig = plots.barcode_figure(Result(diagrams), title="bars")
    assert type(fig) is go.Figure
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [sum(v is None for v in t.x) for t in lines] == [4, 3]
    ends = [t for t in fig.data if t.mode == "markers"][0]
    assert list(ends.marker.symbol).count("triangle-right") == 1
    json.loads(fig.to_json())


def test_diagram_plot(diagrams):
    fig = plots.diagram_plot(diagrams, title="dgm")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    offsets = [c.get_offsets() for c in ax.collections]
    assert [len(o) for o in offsets] == [4, 3]
    # The infinite H0 death sits on the inf line, above every finite death.
    assert offsets[0][:, 1].max() > 1.1
    render(fig)


# --- filters and distances ---------------------------------------------------------------

def test_filter_grid_shapes_and_shared_symmetric_scale():
    F = primary_circle_sample(20, seed=0)
    fig = plots.filter_grid(F, ncols=8, title="filters")
    assert isinstance(fig, Figure)
    im = fig.axes[0].images[0]
    lo, hi = im.get_clim()
    assert lo == -hi == pytest.approx(-np.abs(F).max())
    assert im.get_array().shape == (3 * 4 - 1, 8 * 4 - 1)     # 3 rows x 8 cols, 1-px gutters
    assert np.allclose(im.get_array()[:3, :3], F[0].reshape(3, 3))
    assert isinstance(plots.filter_grid(F.reshape(-1, 3, 3)), Figure)
    render(fig)


@pytest.mark.parametrize("bad", [np.zeros((4, 8)), np.zeros((0, 9)), np.zeros(9)])
def test_filter_grid_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match="filters"):
        plots.filter_grid(bad)


def test_filter_grid_rejects_nan_and_bad_ncols():
    F = primary_circle_sample(4, seed=0)
    F[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        plots.filter_grid(F)
    with pytest.raises(ValueError, match="ncols"):
        plots.filter_grid(primary_circle_sample(4, seed=0), ncols=0)


def test_distance_histogram_reports_fraction_within_threshold():
    rng = np.random.default_rng(0)
    d = {"trained": np.full(10, 0.1), "gaussian": np.r_[np.full(3, 0.1), np.full(7, 1.0)],
         "untrained": rng.uniform(0.5, 1.5, 50)}
    fig = plots.distance_histogram(d, threshold=0.3, title="distances")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "trained (n=10, 100% <= 0.3)" in labels
    assert "gaussian (n=10, 30% <= 0.3)" in labels
    render(fig)
    ax = Figure().add_subplot()
    assert plots.distance_histogram(d, kind="ecdf", ax=ax) is ax.figure


def test_distance_histogram_rejects_bad_input():
    with pytest.raises(TypeError, match="dict"):
        plots.distance_histogram({})
    with pytest.raises(ValueError, match="empty"):
        plots.distance_histogram({"a": []})
    with pytest.raises(ValueError, match="NaN"):
        plots.distance_histogram({"a": [0.1, np.nan]})
    with pytest.raises(ValueError, match="two panels"):
        plots.distance_histogram({"a": [0.1]}, ax=Figure().add_subplot())
    with pytest.raises(ValueError, match="kind"):
        plots.distance_histogram({"a": [0.1]}, kind="violin")
    with pytest.raises(ValueError, match="threshold"):
        plots.distance_histogram({"a": [0.1]}, threshold=-1)


def test_mapper_on_gaussian_filters_plots():
    # The null model goes through the same figures.
    m = Mapper(10, 2).fit(gaussian_filters(300, seed=1))
    assert type(plots.mapper_figure(m)) is go.Figure
    render(plots.mapper_static(m))
