"""Figures for the book: Mapper graphs, barcodes, persistence diagrams, filters, distances.

Every function returns a figure and never shows it. Matplotlib figures are built with
``matplotlib.figure.Figure`` (not pyplot), so they do not pile up in pyplot's registry
and a notebook displays each one once, as the cell's value. Plotly figures are plain
``go.Figure`` objects (not ``FigureWidget``), so they render in a static book.

Persistence diagrams are accepted as a list indexed by dimension of arrays of shape
(n_bars, 2) holding [birth, death] (death may be ``inf``), as any object with such a
``.diagrams`` attribute (``toponet.homology.PersistenceResult``), as a dict
``{dim: array}``, or as giotto-tda's array of shape ([1,] n_bars, 3) [birth, death, dim].
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import matplotlib
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["mapper_figure", "mapper_static", "scatter3d_figure", "curves_plot", "projection_plot", "barcode_plot", "barcode_figure", "diagram_plot",
           "filter_grid", "distance_histogram", "statistic_strip", "evolution_plot", "sweep_heatmap"]

#: Cluster-size colour map: blue (small) to red (large), as in the paper.
SIZE_CMAP = "turbo"
_SIZE_COLORSCALE = "Turbo"
_DIM_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


# --- inputs --------------------------------------------------------------------------

def _fitted_mapper(mapper):
    needed = ("graph_", "layout_", "node_sizes_", "node_means_")
    missing = [a for a in needed if not hasattr(mapper, a)]
    if missing:
        raise ValueError(f"mapper must be a fitted toponet.mapper.Mapper (call fit(X) first); "
                         f"got {type(mapper).__name__} without {', '.join(missing)}")
    return mapper


def _glyphs(mapper, filter_shape) -> np.ndarray | None:
    """Node mean filters as images, shape (n_nodes, h, w); None if filter_shape is None."""
    if filter_shape is None:
        return None
    h, w = (int(v) for v in filter_shape)
    means = np.asarray(mapper.node_means_)
    if means.shape[1] != h * w:
        raise ValueError(f"filter_shape {tuple(filter_shape)} needs {h * w} features per node but the "
                         f"Mapper was fitted on {means.shape[1]}; pass filter_shape=None to draw no filters")
    return means.reshape(-1, h, w)


def _symmetric_limit(values: np.ndarray) -> float:
    v = float(np.max(np.abs(values))) if values.size else 0.0
    return v if v > 0 else 1.0


def _as_diagrams(diagrams) -> dict[int, np.ndarray]:
    """Normalize any accepted diagram format to {dim: ndarray of shape (n_bars, 2)}."""
    if hasattr(diagrams, "diagrams"):
        diagrams = diagrams.diagrams
    if isinstance(diagrams, Mapping) and "dgms" in diagrams:     # ripser.py's dict
        diagrams = diagrams["dgms"]
    if isinstance(diagrams, np.ndarray) and diagrams.dtype != object:
        arr = np.asarray(diagrams, dtype=np.float64)
        if arr.ndim == 3 and arr.shape[0] == 1:
            arr = arr[0]
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise ValueError("an array of diagrams must be giotto-tda's (n_bars, 3) or (1, n_bars, 3) "
                             f"[birth, death, dim]; got shape {arr.shape}. Pass a list of (n_bars, 2) "
                             "arrays indexed by dimension instead")
        dims = arr[:, 2]
        if not np.all(np.isfinite(dims)) or np.any(dims != np.round(dims)) or np.any(dims < 0):
            raise ValueError("the third column of a giotto-tda diagram must hold non-negative integer dims")
        # giotto pads with (0, 0) bars; they have zero length and are dropped below.
        items = {int(d): arr[dims == d, :2] for d in np.unique(dims)}
    elif isinstance(diagrams, Mapping):
        items = dict(diagrams)
    elif isinstance(diagrams, Sequence) and not isinstance(diagrams, (str, bytes)):
        items = dict(enumerate(diagrams))
    else:
        raise TypeError("diagrams must be a list of (n_bars, 2) arrays indexed by dimension, an object "
                        f"with a .diagrams attribute, or a dict; got {type(diagrams).__name__}")
    out: dict[int, np.ndarray] = {}
    for dim, bars in items.items():
        try:
            b = np.asarray(bars, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"diagram of dimension {dim} is not an array of numbers") from exc
        if b.size == 0:
            b = b.reshape(0, 2)
        if b.ndim != 2 or b.shape[1] != 2:
            raise ValueError(f"diagram of dimension {dim} must have shape (n_bars, 2) [birth, death]; "
                             f"got {b.shape}")
        if np.any(np.isnan(b)) or np.any(~np.isfinite(b[:, 0])):
            raise ValueError(f"diagram of dimension {dim} has NaN values or an infinite birth")
        if np.any(b[:, 1] < b[:, 0]):
            i = int(np.flatnonzero(b[:, 1] < b[:, 0])[0])
            raise ValueError(f"diagram of dimension {dim} has death < birth at bar {i}: {b[i].tolist()}")
        out[int(dim)] = b[b[:, 1] > b[:, 0]]
    return out


def _select_dims(dims) -> tuple[int, ...]:
    dims = tuple(int(d) for d in np.atleast_1d(dims))
    if not dims:
        raise ValueError("dims must name at least one homology dimension")
    for d in dims:
        if d < 0:
            raise ValueError(f"dims must be non-negative; got {d}")
    return dims


def _top_bars(bars: np.ndarray, max_bars: int | None) -> np.ndarray:
    """Bars sorted longest first (infinite first), at most ``max_bars`` of them."""
    order = np.argsort(-(bars[:, 1] - bars[:, 0]), kind="stable")
    bars = bars[order]
    return bars if max_bars is None else bars[:max_bars]


def _finite_extent(diag: dict[int, np.ndarray], dims) -> tuple[float, float]:
    vals = [diag[d][np.isfinite(diag[d])] for d in dims if d in diag]
    vals = np.concatenate(vals) if vals else np.zeros(0)
    lo = min(0.0, float(vals.min())) if vals.size else 0.0
    hi = float(vals.max()) if vals.size else 1.0
    return lo, hi if hi > lo else lo + 1.0


def _new_axes(ax, *, figsize=(6.0, 4.0)):
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    return ax.figure, ax


# --- Mapper --------------------------------------------------------------------------

def _glyph_side(layout: np.ndarray) -> float:
    """Side of a node's square in layout units.

    Mapper nodes come in overlapping stacks (with gain 3 each point is in up to 9
    nodes), so squares sized to avoid all overlap would be too small to show a filter;
    three nearest-neighbour spacings, kept between 1/40 and 1/20 of the layout's
    extent, lets neighbouring (similar) filters overlap and stay readable.
    """
    extent = float(np.ptp(layout, axis=0).max()) if len(layout) else 0.0
    if len(layout) < 2 or extent == 0:
        return 1.0
    from scipy.spatial import cKDTree

    d, _ = cKDTree(layout).query(layout, k=2)
    nn = d[:, 1][d[:, 1] > 0]
    side = 3.0 * float(np.median(nn)) if nn.size else extent / 20
    return float(np.clip(side, extent / 40, extent / 20))


def _hover(i: int, size: int, glyph) -> str:
    text = f"node {i}: {size} points"
    if glyph is not None:
        text += "<br>mean filter:<br>" + "<br>".join(" ".join(f"{v:+.2f}" for v in row) for row in glyph)
    return text


#: Side of a node's filter thumbnail in the interactive Mapper figure, as a share of the graph's extent.
THUMBNAIL_SHARE = 0.1
#: At most this many thumbnails per interactive Mapper figure.
THUMBNAILS = 24
#: Thumbnails keep this much of their side apart (a visible gap between two frames).
THUMBNAIL_GAP = 0.08


def thumbnail_nodes(layout, side: float, *, count: int = THUMBNAILS, sizes=None, gap: float = THUMBNAIL_GAP) -> np.ndarray:
    """Nodes whose square thumbnails of ``side`` (centred on the node, in layout units) do not
    overlap: largest clusters first (``sizes``, default all equal), a node taken when its square
    keeps ``gap * side`` clear of every square already taken, at most ``count``. Returns node
    indices, shape (m,), in the order taken.

    Two axis-parallel squares of side ``side`` are apart when their centres differ by at least
    ``side`` along x or along y (the Chebyshev distance), which is what is checked.
    """
    pos = np.asarray(layout, dtype=np.float64).reshape(-1, 2)
    if not len(pos) or count < 1 or side <= 0:
        return np.empty(0, dtype=np.int64)
    sizes = np.ones(len(pos)) if sizes is None else np.asarray(sizes, dtype=np.float64)
    need = side * (1.0 + gap)
    chosen: list[int] = []
    for i in np.argsort(-sizes, kind="stable"):
        if chosen and np.min(np.max(np.abs(pos[chosen] - pos[i]), axis=1)) < need:
            continue
        chosen.append(int(i))
        if len(chosen) == count:
            break
    return np.asarray(chosen, dtype=np.int64)


def _ticks(lo: float, hi: float, *, integer: bool) -> list[float]:
    """Four to six readable tick values between ``lo`` and ``hi`` (both included when they are ticks)."""
    from matplotlib.ticker import MaxNLocator

    if hi <= lo:
        return [lo]
    ticks = MaxNLocator(5, integer=integer).tick_values(lo, hi)
    return [float(t) for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]


def mapper_figure(mapper, *, title: str = "", filter_shape=(3, 3), width: int = 660,
                  height: int = 600, color=None, color_title: str = "", colorscale: str = "Viridis",
                  thumbnails: int = THUMBNAILS):
    """Interactive Mapper graph, the mean filters drawn where they do not overlap.

    Every node is a small marker coloured by cluster size (blue small, red large), with a titled
    colour bar with ticks under the graph. At up to ``thumbnails`` well-separated nodes, largest
    clusters first (:func:`thumbnail_nodes`), the node's mean filter is drawn as a thumbnail: a
    square in the node's colour holding the filter as a tiny grayscale image (one square marker
    per pixel, shared symmetric scale: black negative, white positive). No two thumbnails overlap;
    hovering any node shows its id, size and mean filter values. Coordinates are rounded to keep
    the JSON small.

    Parameters
    ----------
    mapper : fitted :class:`toponet.mapper.Mapper`
    title : str
        Figure title; empty: none (and a smaller top margin).
    filter_shape : (int, int) or None
        Shape of the image drawn per thumbnail; its product must equal the number of features.
        ``None`` draws plain round nodes and no thumbnails.
    width, height : int
        Figure size in pixels; markers are sized for it. The default width fits the book's text
        column at a 1280-pixel-wide window (688 px).
    color : array of shape (n_nodes,), optional
        Colour the nodes by this value (e.g. ``mapper.node_average(training_step)``)
        instead of by cluster size; ``color_title`` names it on the colour bar.
    color_title : str
        Title of the colour bar with ``color`` (empty: "value"); ignored without ``color``,
        whose bar reads "node colour: points per node (cluster size)".
    colorscale : str
        Plotly colour scale used with ``color``.
    thumbnails : int
        At most this many filter thumbnails (0: none, every filter on hover only).

    Returns
    -------
    plotly.graph_objects.Figure
        Traces "edges", "nodes", and with filters "thumbnail frames" and "mean filters" (the
        thumbnails' nodes in their ``meta["nodes"]``).
    """
    import plotly.graph_objects as go

    mapper = _fitted_mapper(mapper)
    if color is not None:
        color = np.asarray(color, dtype=np.float64).reshape(-1)
        if color.shape[0] != len(mapper.node_sizes_) or not np.isfinite(color).all():
            raise ValueError(f"color must hold one finite value per node ({len(mapper.node_sizes_)}); "
                             f"got {color.shape[0]} values")
    glyphs = _glyphs(mapper, filter_shape)
    pos = np.asarray(mapper.layout_, dtype=np.float64)
    sizes = np.asarray(mapper.node_sizes_)
    n = len(pos)
    if n:
        # A 0..1000 box lets coordinates be written with 0-1 decimals: small JSON.
        extent = float(np.ptp(pos, axis=0).max()) or 1.0
        pos = (pos - pos.min(axis=0)) * (1000.0 / extent)

    side = _glyph_side(pos)
    thumb = 1000.0 * THUMBNAIL_SHARE if n > 1 else side
    pad = max(side * 1.5, thumb * 0.6 if glyphs is not None else 0.0)
    lo = pos.min(axis=0) - pad if n else np.array([-1.0, -1.0])
    hi = pos.max(axis=0) + pad if n else np.array([1.0, 1.0])
    margin = dict(l=10, r=10, t=50 if title else 10, b=90)   # the bottom holds the colour bar
    plot_w = width - margin["l"] - margin["r"]
    plot_h = height - margin["t"] - margin["b"]
    # Equal aspect (scaleanchor): plotly widens the axis with room, so px/unit is the min.
    px_per_unit = min(plot_w / (hi[0] - lo[0]), plot_h / (hi[1] - lo[1]))
    if glyphs is None:
        node_px = max(4.0, side * px_per_unit)
    else:   # small markers: the thumbnails show the filters, the markers the graph
        node_px = float(np.clip(side * px_per_unit / 3.0, 5.0, 11.0))

    values = sizes.astype(float) if color is None else color
    if color is None:
        cmin, cmax, scale = 0.0, float(max(int(sizes.max()) if n else 1, 1)), _SIZE_COLORSCALE
        bar_title = "node colour: points per node (cluster size)"
    else:
        cmin, cmax = (float(color.min()), float(color.max())) if n else (0.0, 1.0)
        if cmax <= cmin:                   # one value: a bar around it
            cmin, cmax = cmin - 0.5, cmin + 0.5
        scale = colorscale
        bar_title = color_title or "value"
    ticks = _ticks(cmin, cmax, integer=color is None)
    colorbar = dict(title=dict(text=bar_title, side="top"), orientation="h", x=0.5, xanchor="center",
                    y=-0.03, yanchor="top", len=0.7, thickness=12, ticks="outside", tickmode="array",
                    tickvals=ticks, ticktext=[f"{t:,.0f}" if color is None else f"{t:g}" for t in ticks])
    shade = dict(colorscale=scale, cmin=cmin, cmax=cmax)

    edges = np.asarray(mapper.graph_.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    ex = np.full(3 * len(edges), None, dtype=object)
    ey = np.full(3 * len(edges), None, dtype=object)
    ex[0::3], ex[1::3] = np.round(pos[edges[:, 0], 0]).astype(int), np.round(pos[edges[:, 1], 0]).astype(int)
    ey[0::3], ey[1::3] = np.round(pos[edges[:, 0], 1]).astype(int), np.round(pos[edges[:, 1], 1]).astype(int)

    traces = [
        go.Scatter(x=ex.tolist(), y=ey.tolist(), mode="lines", hoverinfo="skip", showlegend=False,
                   line=dict(color="rgba(120,120,120,0.5)", width=1), name="edges"),
        go.Scatter(
            x=np.round(pos[:, 0], 1).tolist(), y=np.round(pos[:, 1], 1).tolist(), mode="markers",
            name="nodes", showlegend=False, hoverinfo="text",
            text=[_hover(i, int(sizes[i]), None if glyphs is None else glyphs[i]) for i in range(n)],
            marker=dict(symbol="square" if glyphs is not None else "circle", size=node_px,
                        color=sizes.tolist() if color is None else np.round(color, 4).tolist(),
                        line=dict(width=0), colorbar=colorbar, **shade)),
    ]
    if glyphs is not None and n and thumbnails > 0:
        shown = thumbnail_nodes(pos, thumb, count=thumbnails, sizes=sizes)
        h, w = glyphs.shape[1:]
        inner = 0.8 * thumb                 # leave a coloured frame of the thumbnail
        cell = inner / max(h, w)
        # pixel (r, c) of the image: column c to the right, row r downwards
        dx = (np.arange(w) - (w - 1) / 2) * cell
        dy = -(np.arange(h) - (h - 1) / 2) * cell
        at = pos[shown]
        gx = (at[:, 0, None, None] + dx[None, None, :]) + 0 * dy[None, :, None]
        gy = (at[:, 1, None, None] + dy[None, :, None]) + 0 * dx[None, None, :]
        vmax = _symmetric_limit(glyphs)
        meta = {"nodes": shown.tolist(), "side": round(thumb, 3)}
        traces.append(go.Scatter(
            x=np.round(at[:, 0], 1).tolist(), y=np.round(at[:, 1], 1).tolist(), mode="markers",
            hoverinfo="skip", showlegend=False, name="thumbnail frames", meta=meta,
            marker=dict(symbol="square", size=thumb * px_per_unit, line=dict(width=1, color="white"),
                        color=values[shown].round(4).tolist(), showscale=False, **shade)))
        traces.append(go.Scatter(
            x=np.round(gx.ravel(), 1).tolist(), y=np.round(gy.ravel(), 1).tolist(), mode="markers",
            hoverinfo="skip", showlegend=False, name="mean filters", meta=meta,
            marker=dict(symbol="square", size=max(1.0, cell * px_per_unit), line=dict(width=0),
                        color=np.round(glyphs[shown].ravel(), 2).tolist(), colorscale="gray",
                        cmin=-vmax, cmax=vmax, showscale=False),
        ))
    fig = go.Figure(traces)
    fig.update_layout(
        title=title or None, width=width, height=height, margin=margin, template="plotly_white",
        hovermode="closest",
        xaxis=dict(visible=False, range=[lo[0], hi[0]], domain=[0, 1]),
        yaxis=dict(visible=False, range=[lo[1], hi[1]], scaleanchor="x", scaleratio=1),
    )
    return fig


def mapper_static(mapper, *, ax=None, title: str = "", filter_shape=(3, 3)):
    """Matplotlib Mapper graph: each node's mean filter drawn at the node, framed by a
    square coloured by cluster size (blue small, red large), with a colour bar.

    Parameters
    ----------
    mapper : fitted :class:`toponet.mapper.Mapper`
    ax : matplotlib Axes, optional
    title : str
    filter_shape : (int, int) or None
        ``None`` draws plain coloured dots (for clouds that are not filters).

    Returns
    -------
    matplotlib.figure.Figure
    """
    mapper = _fitted_mapper(mapper)
    glyphs = _glyphs(mapper, filter_shape)
    fig, ax = _new_axes(ax, figsize=(7.0, 6.0))
    pos = np.asarray(mapper.layout_, dtype=np.float64)
    sizes = np.asarray(mapper.node_sizes_)
    n = len(pos)
    side = _glyph_side(pos)
    norm = Normalize(vmin=0, vmax=max(int(sizes.max()) if n else 1, 1))

    edges = np.asarray(mapper.graph_.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    if len(edges):
        ax.add_collection(LineCollection(pos[edges], colors="0.6", linewidths=0.5, alpha=0.6, zorder=1))
    if glyphs is None:
        mappable = ax.scatter(pos[:, 0], pos[:, 1], c=sizes, cmap=SIZE_CMAP, norm=norm, s=25, zorder=2)
    else:
        from matplotlib.cm import ScalarMappable

        cmap = matplotlib.colormaps[SIZE_CMAP]
        vmax = _symmetric_limit(glyphs)
        inner = 0.36 * side
        # Each node's frame sits right under its own filter, and larger nodes are drawn
        # last: in crowded regions the big clusters stay visible.
        for rank, i in enumerate(np.argsort(sizes, kind="stable")):
            x, y = pos[i]
            ax.add_patch(Rectangle((x - side / 2, y - side / 2), side, side, linewidth=0,
                                   facecolor=cmap(norm(sizes[i])), zorder=2 + 2 * rank))
            # imshow with a data extent scales with the axes, unlike a pixel-sized inset.
            ax.imshow(glyphs[i], cmap="gray", vmin=-vmax, vmax=vmax, interpolation="nearest",
                      extent=(x - inner, x + inner, y - inner, y + inner), zorder=3 + 2 * rank)
        mappable = ScalarMappable(norm=norm, cmap=cmap)
    if n:
        pad = side * 1.2
        ax.set_xlim(pos[:, 0].min() - pad, pos[:, 0].max() + pad)
        ax.set_ylim(pos[:, 1].min() - pad, pos[:, 1].max() + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.colorbar(mappable, ax=ax, label="points per node", shrink=0.8)
    if title:
        ax.set_title(title)
    return fig


def spread_nodes(layout, count: int, *, min_distance: float = 0.0, first: int = 0) -> np.ndarray:
    """Indices of up to ``count`` nodes spread over ``layout`` (farthest-point order from
    ``first``), none closer than ``min_distance`` to another; shape (m,), m <= count."""
    pos = np.asarray(layout, dtype=np.float64).reshape(-1, 2)
    if not len(pos) or count < 1:
        return np.empty(0, dtype=np.int64)
    chosen = [int(first)]
    dist = np.linalg.norm(pos - pos[first], axis=1)
    while len(chosen) < count:
        j = int(np.argmax(dist))
        if dist[j] <= max(min_distance, 0.0):
            break
        chosen.append(j)
        dist = np.minimum(dist, np.linalg.norm(pos - pos[j], axis=1))
    return np.asarray(chosen, dtype=np.int64)


def angle_strip(mapper, *, bins: int = 12, filter_shape=(3, 3)) -> tuple[np.ndarray, np.ndarray]:
    """Mean filters of a Mapper's nodes in ``bins`` equal sectors of angle around the loop.

    The angle of a node is that of its mean filter in the plane of the first two principal
    components of all node means (for a primary circle: the edge's orientation). Each
    sector's filter is the size-weighted mean of its nodes' means. Returns (angles in
    degrees of the sectors' centres, shape (m,); filters, shape (m, h, w)); empty sectors
    are skipped.
    """
    mapper = _fitted_mapper(mapper)
    glyphs = _glyphs(mapper, filter_shape)
    if glyphs is None:
        raise ValueError("angle_strip draws filters; give their filter_shape, e.g. (3, 3)")
    bins = int(bins)
    if bins < 2:
        raise ValueError(f"bins must be at least 2 sectors; got {bins}")
    means = glyphs.reshape(len(glyphs), -1)
    sizes = np.asarray(mapper.node_sizes_, dtype=np.float64)
    centred = means - np.average(means, axis=0, weights=sizes)
    _, _, vt = np.linalg.svd(centred * np.sqrt(sizes)[:, None], full_matrices=False)
    xy = centred @ vt[:2].T
    theta = np.degrees(np.arctan2(xy[:, 1], xy[:, 0])) % 360.0
    sector = np.minimum((theta / (360.0 / bins)).astype(int), bins - 1)
    angles, filters = [], []
    for b in range(bins):
        members = sector == b
        if members.any():
            angles.append((b + 0.5) * 360.0 / bins)
            filters.append(np.average(means[members], axis=0, weights=sizes[members]))
    return np.asarray(angles), np.asarray(filters).reshape(len(filters), *glyphs.shape[1:])


def mapper_overview(mapper, *, n_glyphs: int = 18, bins: int = 12, title: str = "", filter_shape=(3, 3)):
    """One readable picture of a Mapper graph of filters (Fig. 2a).

    Top: the graph, nodes as dots coloured by cluster size (blue small, red large), and the
    mean filter drawn large on up to ``n_glyphs`` nodes spread along the graph
    (:func:`spread_nodes`; glyphs never overlap), each framed in its node's colour. Bottom: a
    strip of the mean filters in ``bins`` sectors of angle around the loop
    (:func:`angle_strip`), so the rotation of the edge can be read left to right.

    Returns a matplotlib Figure.
    """
    from matplotlib.cm import ScalarMappable

    mapper = _fitted_mapper(mapper)
    glyphs = _glyphs(mapper, filter_shape)
    if glyphs is None:
        raise ValueError("mapper_overview draws filters; for other clouds use mapper_static(filter_shape=None)")
    pos = np.asarray(mapper.layout_, dtype=np.float64)
    sizes = np.asarray(mapper.node_sizes_)
    n = len(pos)
    extent = float(np.ptp(pos, axis=0).max()) if n > 1 else 1.0
    extent = extent or 1.0
    side = extent / 11.0
    fig = Figure(figsize=(7.0, 8.2), layout="constrained")
    grid = fig.add_gridspec(2, 1, height_ratios=[6.0, 1.2])
    ax = fig.add_subplot(grid[0])
    norm = Normalize(vmin=0, vmax=max(int(sizes.max()) if n else 1, 1))
    cmap = matplotlib.colormaps[SIZE_CMAP]
    edges = np.asarray(mapper.graph_.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    if len(edges):
        ax.add_collection(LineCollection(pos[edges], colors="0.55", linewidths=0.6, alpha=0.7, zorder=1))
    if n:
        ax.scatter(pos[:, 0], pos[:, 1], c=sizes, cmap=cmap, norm=norm, s=14, zorder=2, linewidths=0)
    vmax = _symmetric_limit(glyphs)
    shown = spread_nodes(pos, n_glyphs, min_distance=1.15 * side, first=int(np.argmax(sizes)) if n else 0)
    for i in shown:
        x, y = pos[i]
        ax.add_patch(Rectangle((x - side / 2, y - side / 2), side, side, linewidth=0,
                               facecolor=cmap(norm(sizes[i])), zorder=3))
        inner = 0.42 * side
        ax.imshow(glyphs[i], cmap="gray", vmin=-vmax, vmax=vmax, interpolation="nearest",
                  extent=(x - inner, x + inner, y - inner, y + inner), zorder=4)
    if n:
        pad = side * 0.7
        ax.set_xlim(pos[:, 0].min() - pad, pos[:, 0].max() + pad)
        ax.set_ylim(pos[:, 1].min() - pad, pos[:, 1].max() + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="points per node", shrink=0.7)
    ax.set_title(title or f"Mapper graph: {mapper.n_nodes_} nodes; mean filter on {len(shown)} of them",
                 fontsize=11)
    angles, strip = angle_strip(mapper, bins=bins, filter_shape=filter_shape)
    sub = grid[1].subgridspec(1, max(len(strip), 1))
    for j in range(len(strip)):
        a = fig.add_subplot(sub[0, j])
        a.imshow(strip[j], cmap="gray", vmin=-vmax, vmax=vmax, interpolation="nearest")
        a.set_xticks([])
        a.set_yticks([])
        a.set_xlabel(f"{angles[j]:.0f}°", fontsize=10)
        if j == 0:
            a.set_ylabel("around\nthe loop", fontsize=10)
    return fig


# --- persistence ---------------------------------------------------------------------

def _barcode_inputs(diagrams, dims, max_bars):
    """Checked barcode inputs: (diagrams by dim, dims, finite extent lo, hi, x where infinite bars end)."""
    diag = _as_diagrams(diagrams)
    dims = _select_dims(dims)
    if max_bars is not None and (isinstance(max_bars, bool) or not isinstance(max_bars, (int, np.integer))
                                 or max_bars < 1):
        raise ValueError(f"max_bars must be a positive integer or None; got {max_bars!r}")
    lo, hi = _finite_extent(diag, dims)
    return diag, dims, lo, hi, hi + 0.08 * (hi - lo)


def barcode_plot(diagrams, *, dims=(0, 1), ax=None, title: str = "", max_bars: int | None = 50):
    """Classic barcodes, one stacked panel per homology dimension.

    Bars are sorted longest first; at most ``max_bars`` per dimension are drawn (the
    panel label says how many there are). Infinite bars run to the right edge and end
    in an arrow head.

    Parameters
    ----------
    diagrams : see the module docstring
    dims : sequence of int
    ax : Axes or sequence of Axes, optional
        One Axes per dim; a single Axes gets all dims stacked in one panel.
    title : str
    max_bars : int or None

    Returns
    -------
    matplotlib.figure.Figure
    """
    diag, dims, lo, hi, right = _barcode_inputs(diagrams, dims, max_bars)

    shared = False            # all dims in one panel, stacked
    if ax is None:
        fig = Figure(figsize=(6.0, 1.6 + 1.6 * len(dims)), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(len(dims), 1, sharex=True)))
    elif isinstance(ax, (Sequence, np.ndarray)):
        axes = list(np.ravel(ax))
        if len(axes) != len(dims):
            raise ValueError(f"got {len(axes)} axes for {len(dims)} dims")
        fig = axes[0].figure
    else:
        axes, fig, shared = [ax] * len(dims), ax.figure, True

    offset = 0
    for a, d in zip(axes, dims):
        allbars = diag.get(d, np.zeros((0, 2)))
        bars = _top_bars(allbars, max_bars)
        if not shared:
            offset = 0
        ys = offset + np.arange(len(bars))[::-1]
        color = _DIM_COLORS[d % len(_DIM_COLORS)]
        ends = np.where(np.isfinite(bars[:, 1]), bars[:, 1], right)
        a.hlines(ys, bars[:, 0], ends, colors=color, linewidth=2)
        inf = ~np.isfinite(bars[:, 1])
        if inf.any():
            a.plot(np.full(inf.sum(), right), ys[inf], ">", color=color, markersize=6, clip_on=False)
        count = f"{len(allbars)} bars" + (f", longest {len(bars)} shown" if len(bars) < len(allbars) else "")
        if shared:
            a.text(lo, offset + len(bars) - 0.5, f"H{d} ({count})", color=color, va="bottom", fontsize=9)
        else:
            a.set_ylabel(f"H{d}")
            # Lower right: bars are sorted longest on top, so short ones leave it empty.
            a.text(0.99, 0.03, count, transform=a.transAxes, ha="right", va="bottom", fontsize=8,
                   color="0.3")
        a.set_yticks([])
        a.set_xlim(lo, right + 0.03 * (hi - lo))
        offset += len(bars) + 2
    axes[-1].set_xlabel("filtration value (distance)")
    if title:
        axes[0].set_title(title)
    return fig


def _count_title(dim: int, n: int, max_bars: int | None) -> str:
    shown = f", longest {max_bars} shown" if max_bars is not None and n > max_bars else ""
    return f"H{dim} ({n} bars{shown})"


def barcode_figure(diagrams, *, dims=(0, 1), title: str = "", max_bars: int | None = 50):
    """Plotly barcodes, one stacked panel per dimension (see :func:`barcode_plot`).

    Bars are sorted longest first; at most ``max_bars`` per dimension are drawn (the panel title
    says how many there are). Infinite bars run to the right edge and end in a triangle; hovering
    over a bar's end shows its [birth, death).

    Parameters
    ----------
    diagrams : persistence diagrams in any format of the module docstring
        E.g. a :class:`toponet.homology.PersistenceResult`, or a list indexed by dimension of
        arrays of shape (n_bars, 2) [birth, death] (death may be ``inf``), in the units of the
        cloud (Euclidean distance). Bars with death == birth are not drawn.
    dims : sequence of int >= 0
        Homology dimensions, one panel each, top to bottom.
    title : str
        Figure title; "" for none.
    max_bars : int >= 1, or None
        Bars drawn per dimension, the longest; None: all.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    diag, dims, lo, hi, right = _barcode_inputs(diagrams, dims, max_bars)
    fig = make_subplots(rows=len(dims), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[_count_title(d, len(diag.get(d, [])), max_bars) for d in dims])
    for row, d in enumerate(dims, start=1):
        bars = _top_bars(diag.get(d, np.zeros((0, 2))), max_bars)
        ys = np.arange(len(bars))[::-1].astype(float)
        ends = np.where(np.isfinite(bars[:, 1]), bars[:, 1], right)
        x = np.full(3 * len(bars), None, dtype=object)
        y = np.full(3 * len(bars), None, dtype=object)
        x[0::3], x[1::3] = np.round(bars[:, 0], 4), np.round(ends, 4)
        y[0::3], y[1::3] = ys, ys
        color = _DIM_COLORS[d % len(_DIM_COLORS)]
        fig.add_trace(go.Scatter(x=x.tolist(), y=y.tolist(), mode="lines", line=dict(color=color, width=3),
                                 name=f"H{d}", hoverinfo="skip"), row=row, col=1)
        hover = [f"H{d}: [{b:.3g}, {'inf' if not np.isfinite(e) else f'{e:.3g}'})" for b, e in bars]
        fig.add_trace(go.Scatter(x=np.round(ends, 4).tolist(), y=ys.tolist(), mode="markers",
                                 marker=dict(symbol=["triangle-right" if not np.isfinite(e) else "line-ns"
                                                     for e in bars[:, 1]], color=color, size=8),
                                 text=hover, hoverinfo="text", showlegend=False), row=row, col=1)
        fig.update_yaxes(showticklabels=False, row=row, col=1)
    fig.update_xaxes(title_text="filtration value (distance)", row=len(dims), col=1)
    fig.update_layout(title=title or None, template="plotly_white", height=220 + 200 * len(dims),
                      width=640, showlegend=False)
    return fig


def diagram_plot(diagrams, *, dims=(0, 1), ax=None, title: str = ""):
    """Persistence diagram: birth vs death per dimension, the diagonal, and infinite deaths.

    Infinite deaths are drawn on a dashed line labelled ``inf`` above the finite points. The
    legend gives each dimension's number of bars.

    Parameters
    ----------
    diagrams : persistence diagrams in any format of the module docstring
        E.g. a :class:`toponet.homology.PersistenceResult`, or a list indexed by dimension of
        arrays of shape (n_bars, 2) [birth, death] (death may be ``inf``), in the units of the
        cloud (Euclidean distance). Bars with death == birth are not drawn.
    dims : sequence of int >= 0
        Homology dimensions drawn, all in one panel.
    ax : matplotlib Axes, optional
        Where to draw; None: a new figure.
    title : str
        Axes title; "" for none.

    Returns
    -------
    matplotlib.figure.Figure
        The new figure, or the figure of ``ax``.
    """
    diag = _as_diagrams(diagrams)
    dims = _select_dims(dims)
    fig, ax = _new_axes(ax, figsize=(4.8, 4.6))
    lo, hi = _finite_extent(diag, dims)
    inf_y = hi + 0.1 * (hi - lo)
    ax.plot([lo, inf_y], [lo, inf_y], color="0.5", linewidth=1)
    ax.axhline(inf_y, color="0.5", linestyle="--", linewidth=1)
    ax.text(lo, inf_y, " inf", va="bottom", color="0.3", fontsize=9)
    for d in dims:
        bars = diag.get(d, np.zeros((0, 2)))
        deaths = np.where(np.isfinite(bars[:, 1]), bars[:, 1], inf_y)
        ax.scatter(bars[:, 0], deaths, s=14, color=_DIM_COLORS[d % len(_DIM_COLORS)],
                   label=f"H{d} ({len(bars)})", zorder=3, clip_on=False)
    pad = 0.04 * (inf_y - lo)
    ax.set_xlim(lo - pad, inf_y + pad)
    ax.set_ylim(lo - pad, inf_y + 2 * pad)
    ax.set_aspect("equal")
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.legend(loc="lower right", fontsize=9)
    if title:
        ax.set_title(title)
    return fig


# --- filters and distances -----------------------------------------------------------

def filter_grid(filters, *, ncols: int = 8, ax=None, title: str = ""):
    """Filters as a grid of small grayscale images on one shared symmetric scale
    (black = most negative, white = most positive over all filters).

    Parameters
    ----------
    filters : array-like of shape (n, 9), (n, h*w) with h*w a square, or (n, h, w)
        At least one filter, finite values.
    ncols : int >= 1
        Images per row (at most ``n``).
    ax : Axes, optional
        Draw into this Axes; None: a new figure sized for the grid.
    title : str
        Title above the grid; empty: none.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the grid (``ax``'s figure when given).
    """
    F = np.asarray(filters, dtype=np.float64)
    if F.ndim == 2:
        side = int(round(np.sqrt(F.shape[1])))
        if side * side != F.shape[1]:
            raise ValueError(f"filters of shape (n, {F.shape[1]}) are not square images; pass (n, h, w)")
        F = F.reshape(-1, side, side)
    if F.ndim != 3 or F.shape[0] == 0:
        raise ValueError(f"filters must have shape (n, 9) or (n, h, w) with n >= 1; got {np.shape(filters)}")
    if not np.all(np.isfinite(F)):
        raise ValueError("filters contain NaN or infinite values")
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer; got {ncols!r}")
    n, h, w = F.shape
    ncols = min(int(ncols), n)
    nrows = int(np.ceil(n / ncols))
    # One mosaic image with 1-pixel NaN gutters: fast for hundreds of filters.
    mosaic = np.full((nrows * (h + 1) - 1, ncols * (w + 1) - 1), np.nan)
    for i, img in enumerate(F):
        r, c = divmod(i, ncols)
        mosaic[r * (h + 1): r * (h + 1) + h, c * (w + 1): c * (w + 1) + w] = img
    fig, ax = _new_axes(ax, figsize=(max(2.0, 0.55 * ncols), max(1.2, 0.55 * nrows + (0.4 if title else 0))))
    vmax = _symmetric_limit(F)
    cmap = _gray_with_background()
    ax.imshow(mosaic, cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def _gray_with_background():
    import matplotlib

    cmap = matplotlib.colormaps["gray"].copy()
    cmap.set_bad("#d0e4f5")          # gutters: a light blue, distinct from any gray
    return cmap


def distance_histogram(distances_by_label, threshold: float | None = None, *, bins: int = 50,
                       kind: str = "both", ax=None, title: str = "",
                       xlabel: str = "distance to model (R^9, unit sphere)"):
    """Overlaid distance distributions, e.g. trained vs untrained vs gaussian filters.

    ``kind="both"`` draws a density histogram and the empirical CDF side by side; with
    ``threshold`` a vertical line marks it and each legend entry gives the fraction of
    that group within it.

    Parameters
    ----------
    distances_by_label : dict[str, array-like of shape (n_i,)]
        Distances (same units for every group), e.g. ``ModelDistance.distances``.
    threshold : float >= 0, optional
        In the units of the distances: a dashed vertical line, and each legend entry gives the
        fraction of its group at or below it. None: neither.
    bins : int
        Number of histogram bins, shared by every group (edges over all their distances).
    kind : {"both", "hist", "ecdf"}
        Density histogram, empirical CDF, or both side by side.
    ax : Axes, optional
        Only with ``kind="hist"`` or ``"ecdf"``.
    title : str
        Title (over both panels with ``kind="both"``); empty: none.
    xlabel : str
        Label of the distance axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(distances_by_label, Mapping) or not distances_by_label:
        raise TypeError("distances_by_label must be a non-empty dict {label: distances}")
    if kind not in ("both", "hist", "ecdf"):
        raise ValueError(f"kind must be 'both', 'hist' or 'ecdf'; got {kind!r}")
    if ax is not None and kind == "both":
        raise ValueError("kind='both' draws two panels; pass ax only with kind='hist' or 'ecdf'")
    if threshold is not None and not (np.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be a non-negative number; got {threshold!r}")
    data = {}
    for label, d in distances_by_label.items():
        arr = np.asarray(d, dtype=np.float64).ravel()
        if arr.size == 0:
            raise ValueError(f"distances for {label!r} are empty")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"distances for {label!r} contain NaN or infinite values")
        data[str(label)] = arr
    if ax is None:
        fig = Figure(figsize=(10.0, 3.8) if kind == "both" else (5.5, 3.8), layout="constrained")
        axes = fig.subplots(1, 2) if kind == "both" else [fig.add_subplot()]
    else:
        fig, axes = ax.figure, [ax]
    kinds = ("hist", "ecdf") if kind == "both" else (kind,)
    allv = np.concatenate(list(data.values()))
    edges = np.histogram_bin_edges(allv, bins=bins)
    for a, k in zip(axes, kinds):
        for i, (label, arr) in enumerate(data.items()):
            name = f"{label} (n={arr.size}"
            name += f", {np.mean(arr <= threshold):.0%} <= {threshold:g})" if threshold is not None else ")"
            color = f"C{i}"
            if k == "hist":
                a.hist(arr, bins=edges, density=True, histtype="stepfilled", alpha=0.25, color=color)
                a.hist(arr, bins=edges, density=True, histtype="step", color=color, label=name)
                a.set_ylabel("density")
            else:
                xs = np.sort(arr)
                a.step(xs, np.arange(1, xs.size + 1) / xs.size, where="post", color=color, label=name)
                a.set_ylabel("fraction <= distance")
                a.set_ylim(0, 1.02)
        if threshold is not None:
            a.axvline(threshold, color="k", linestyle="--", linewidth=1)
        a.set_xlabel(xlabel)
        a.legend(fontsize=8)
    if title:
        if kind == "both":
            fig.suptitle(title)
        else:
            axes[0].set_title(title)
    return fig


# --- study figures (chapters) ------------------------------------------------------------

def statistic_strip(values_by_label, *, ax=None, title: str = "", ylabel: str = "top $H_1$ lifetime"):
    """One column of points per sample, with the mean as a bar.

    Samples are e.g. trained / untrained / gaussian seed groups. Each column is labelled with
    its sample's label and size; the y axis starts at 0.

    Parameters
    ----------
    values_by_label : dict of str -> array-like
        Non-empty; each sample's values (flattened; 1-D arrays expected, none empty), one column
        per label in the dict's order.
    ax : matplotlib Axes, optional
        Where to draw; None: a new figure.
    title : str
    ylabel : str
        Y-axis label (the values' quantity and units).

    Returns
    -------
    matplotlib.figure.Figure
        The new figure, or the figure of ``ax``.
    """
    if not isinstance(values_by_label, Mapping) or not values_by_label:
        raise ValueError("values_by_label must be a non-empty dict of label -> values")
    fig, ax = _new_axes(ax, figsize=(1.6 + 1.3 * len(values_by_label), 3.6))
    for i, (label, vals) in enumerate(values_by_label.items()):
        vals = np.asarray(vals, dtype=float).ravel()
        if vals.size == 0:
            raise ValueError(f"sample {label!r} is empty")
        jitter = np.linspace(-0.12, 0.12, vals.size) if vals.size > 1 else np.zeros(1)
        ax.scatter(i + jitter, vals, s=28, color=_DIM_COLORS[i % len(_DIM_COLORS)], zorder=3)
        ax.hlines(vals.mean(), i - 0.3, i + 0.3, color="black", linewidth=2, zorder=4)
    ax.set_xticks(range(len(values_by_label)),
                  [f"{k}\n(n = {np.size(v)})" for k, v in values_by_label.items()])
    ax.set_xlim(-0.6, len(values_by_label) - 0.4)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def evolution_plot(rows: Sequence[Mapping], *, keys=("h1_top", "frac_near_circle", "test_accuracy"),
                   labels=None, title: str = ""):
    """Curves of per-snapshot statistics against training iterations.

    Each key gets its own panel, with the iterations ("batch iterations") on the x axis and a
    y axis starting at 0.

    Parameters
    ----------
    rows : sequence of dict
        One dict per snapshot, non-empty, with key ``iteration`` and each of ``keys``. Values
        may be scalars or (mean, sd) pairs (drawn with error bars); the first row's value
        decides which, per key.
    keys : sequence of str
        The statistics drawn, one panel each.
    labels : dict of str -> str, optional
        Panel titles by key; None or a missing key: the key with underscores as spaces.
    title : str
        Figure title; "" for none.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not rows:
        raise ValueError("rows is empty: no snapshot to plot")
    labels = labels or {}
    fig = Figure(figsize=(3.3 * len(keys), 3.2), layout="constrained")
    axes = fig.subplots(1, len(keys))
    axes = np.atleast_1d(axes)
    its = np.array([r["iteration"] for r in rows], dtype=float)
    for ax, key in zip(axes, keys):
        vals = [r[key] for r in rows]
        if np.ndim(vals[0]) == 1:
            mean = np.array([v[0] for v in vals], float)
            sd = np.array([v[1] for v in vals], float)
            ax.errorbar(its, mean, yerr=sd, marker="o", capsize=3)
        else:
            ax.plot(its, np.asarray(vals, float), marker="o")
        ax.set_xlabel("batch iterations")
        ax.set_title(labels.get(key, key.replace("_", " ")), fontsize=10)
        ax.set_ylim(bottom=0)
    if title:
        fig.suptitle(title)
    return fig


def sweep_heatmap(rows: Sequence[Mapping], value: str = "h1_ratio", *, title: str = "",
                  cap: float | None = 10.0):
    """Heat map of a :func:`toponet.chapters.mnist.parameter_sweep` statistic over (k, p), values written in.

    Rows are the k (neighbour rank, smallest at the bottom), columns the p (fraction kept, smallest
    on the left); a (k, p) with no row is NaN (no colour). Each cell shows its value to one
    decimal (``inf`` for infinite, ``nan`` for a missing one).

    Parameters
    ----------
    rows : sequence of dict
        Non-empty; one dict per (k, p) with keys ``k``, ``p`` and the one named by ``value``, as
        :func:`toponet.chapters.mnist.parameter_sweep` returns.
    value : str
        The statistic drawn (default ``h1_ratio``, top / second H1 lifetime).
    title : str
        Axes title; "" for the name in ``value``.
    cap : float or None
        Colours saturate at this value (the numbers written in are not capped), so that an
        infinite ratio does not flatten the scale; None: no cap.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not rows:
        raise ValueError("rows is empty: nothing to plot")
    ks = sorted({r["k"] for r in rows})
    ps = sorted({r["p"] for r in rows})
    grid = np.full((len(ks), len(ps)), np.nan)
    for r in rows:
        grid[ks.index(r["k"]), ps.index(r["p"])] = r[value]
    shown = np.minimum(grid, cap) if cap is not None else grid
    fig, ax = _new_axes(None, figsize=(1.2 + 0.9 * len(ps), 0.9 + 0.55 * len(ks)))
    im = ax.imshow(shown, cmap="viridis", aspect="auto", origin="lower")
    for i in range(len(ks)):
        for j in range(len(ps)):
            v = grid[i, j]
            txt = "inf" if np.isinf(v) else f"{v:.1f}"
            ax.text(j, i, txt, ha="center", va="center", color="white" if shown[i, j] < np.nanmax(shown) * 0.6 else "black",
                    fontsize=8)
    ax.set_xticks(range(len(ps)), [f"{p:g}" for p in ps])
    ax.set_yticks(range(len(ks)), [str(k) for k in ks])
    ax.set_xlabel("p (fraction kept)")
    ax.set_ylabel("k (neighbour)")
    ax.set_title(title or value)
    fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


def scatter3d_figure(points, color, *, title: str = "", color_title: str = "", labels=("x", "y", "z"),
                     max_points: int = 4000, seed: int = 0, marker_size: float = 2.0,
                     categorical: bool = False):
    """Interactive 3-D scatter of a point cloud coloured by a per-point value.

    Parameters
    ----------
    points : array of shape (n_points, 3)
        Coordinates (rounded to 3 decimals in the figure).
    color : array of shape (n_points,)
        Class labels (``categorical=True``: one trace per class, legend) or a value
        shown on a colour bar.
    title : str
        Figure title; empty: none.
    color_title : str
        Title of the colour bar (empty: "value"); with ``categorical``, the prefix of each
        class's legend entry (``"<color_title> <class>"``).
    labels : (str, str, str)
        Titles of the x, y and z axes.
    max_points : int
        Larger clouds are subsampled to this many points (seeded by ``seed``) to keep
        the page small.
    seed : int
        Seed of that subsample (kept in the cloud's order).
    marker_size : float
        Marker size (plotly's, in pixels).
    categorical : bool
        ``color`` holds classes (one trace and legend entry per distinct value) instead of a
        value on a colour bar.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    P = np.asarray(points, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != 3:
        raise ValueError(f"points must have shape (n_points, 3); got {P.shape}")
    c = np.asarray(color).reshape(-1)
    if c.shape[0] != P.shape[0]:
        raise ValueError(f"color has {c.shape[0]} values for {P.shape[0]} points")
    if P.shape[0] > max_points:
        keep = np.sort(np.random.default_rng(seed).choice(P.shape[0], max_points, replace=False))
        P, c = P[keep], c[keep]
    P = np.round(P, 3)
    if categorical:
        traces = [go.Scatter3d(x=P[c == v, 0].tolist(), y=P[c == v, 1].tolist(), z=P[c == v, 2].tolist(),
                               mode="markers", name=f"{color_title} {v}".strip(),
                               marker=dict(size=marker_size)) for v in np.unique(c)]
    else:
        traces = [go.Scatter3d(x=P[:, 0].tolist(), y=P[:, 1].tolist(), z=P[:, 2].tolist(), mode="markers",
                               showlegend=False,
                               marker=dict(size=marker_size, color=np.round(c.astype(float), 4).tolist(),
                                           colorscale="Viridis", colorbar=dict(title=color_title or "value")))]
    fig = go.Figure(traces)
    fig.update_layout(title=title or None, width=640, height=520, margin=dict(l=0, r=0, t=40 if title else 0, b=0),
                      scene=dict(xaxis_title=labels[0], yaxis_title=labels[1], zaxis_title=labels[2]))
    return fig


def mapper_grid(rows: Mapping[str, Sequence], *, panel: float = 1.5, title: str = "", columns: int | None = None,
                fontsize: float = 8.0):
    """Small Mapper graphs in a grid: one row per label (e.g. layer), one column per entry.

    Parameters
    ----------
    rows : mapping label -> sequence of (column title, fitted Mapper) pairs, e.g.
        ``{"layer 1": [("100", m1), ("200", m2), ...], "layer 2": [...]}``. Rows may have
        different lengths; a missing panel stays blank.
    panel : side of one panel in inches
    title : str
    columns : int, optional
        Draw only this many entries per row, evenly spaced from the first to the last (a
        readable summary of a long series; the labels say which entries they are).
    fontsize : float
        Points of the panel titles and labels (at least 10 for a figure shown at full width).

    Each panel draws the graph at ``mapper.layout_`` with nodes coloured by cluster size
    (blue small, red large, scaled per panel) and writes the number of nodes and of large
    loops under it (``"32 n, 1 loop"``). Returns a matplotlib Figure.
    """
    if not rows:
        raise ValueError("rows is empty: nothing to draw")
    if columns is not None:
        if int(columns) < 1:
            raise ValueError(f"columns must be at least 1; got {columns}")
        rows = {label: [list(v)[j] for j in np.unique(np.round(np.linspace(0, len(v) - 1, min(int(columns), len(v))))
                                                      .astype(int))] if len(v) else []
                for label, v in rows.items()}
    ncols = max(len(v) for v in rows.values())
    if ncols == 0:
        raise ValueError("every row of the grid is empty")
    fig = Figure(figsize=(0.6 + panel * ncols, 0.5 + (panel + 0.3) * len(rows)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(rows), ncols, squeeze=False))
    for r, (label, entries) in enumerate(rows.items()):
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
            if c == 0:
                ax.set_ylabel(label, fontsize=max(fontsize, 8.0))
            if c >= len(entries):
                continue
            head, mapper = entries[c]
            mapper = _fitted_mapper(mapper)
            pos = np.asarray(mapper.layout_, dtype=np.float64)
            sizes = np.asarray(mapper.node_sizes_)
            edges = np.asarray(mapper.graph_.get_edgelist(), dtype=np.int64).reshape(-1, 2)
            if len(edges):
                ax.add_collection(LineCollection(pos[edges], colors="0.6", linewidths=0.4, alpha=0.7))
            if len(pos):
                ax.scatter(pos[:, 0], pos[:, 1], c=sizes, cmap=SIZE_CMAP, s=6, vmin=0,
                           vmax=max(int(sizes.max()), 1), zorder=2)
                ax.autoscale_view()
            ax.set_aspect("equal", adjustable="datalim")
            ax.set_title(str(head), fontsize=fontsize)
            loops = int(mapper.n_large_loops_)
            ax.set_xlabel(f"{mapper.n_nodes_} n, {loops} loop{'s' if loops != 1 else ''}", fontsize=fontsize - 1)
    if title:
        fig.suptitle(title)
    return fig


def curves_plot(x, series, *, xlabel: str = "", ylabel: str = "", title: str = "", vlines=None,
                panels: bool = False, alpha: float = 1.0):
    """Curves against a common x axis (training steps, epochs).

    Parameters
    ----------
    x : array of shape (n,)
        Positions on the common x axis (e.g. training steps).
    series : dict label -> array of shape (n,) or (n, m)
        One curve (shape (n,)) or m thin curves (shape (n, m), e.g. one per neuron) per label.
    xlabel, ylabel : str
        Axis labels (with ``panels``, the y label on the first panel only).
    title : str
        Title over the figure; empty: none.
    vlines : dict label -> x position, optional
        Dashed vertical markers with a legend (a position None is skipped).
    panels : bool
        One panel per series (sharing x) instead of one panel for all.
    alpha : float in [0, 1]
        Opacity of the curves (of thin curves at most 0.5).

    Returns
    -------
    matplotlib Figure
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    if not isinstance(series, Mapping) or not series:
        raise ValueError("series must be a non-empty dict of label -> values")
    n_ax = len(series) if panels else 1
    fig = Figure(figsize=(3.4 * n_ax if panels else 6.0, 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n_ax, sharex=True))
    for i, (label, y) in enumerate(series.items()):
        y = np.asarray(y, dtype=float)
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"series {label!r} has {y.shape[0]} values for {x.shape[0]} x positions")
        ax = axes[i if panels else 0]
        color = _DIM_COLORS[i % len(_DIM_COLORS)]
        if y.ndim == 2:
            ax.plot(x, y, color=color, linewidth=0.6, alpha=min(alpha, 0.5))
            ax.plot([], [], color=color, label=label)
        else:
            ax.plot(x, y, color=color, label=label, alpha=alpha, marker="o" if x.size <= 30 else None, ms=3)
        if panels:
            ax.set_title(label, fontsize=10)
    for ax in axes:
        for j, (name, pos) in enumerate((vlines or {}).items()):
            if pos is not None:
                ax.axvline(float(pos), linestyle="--", color=_DIM_COLORS[(j + 2) % len(_DIM_COLORS)], label=name)
        ax.set_xlabel(xlabel)
        if not panels or ax is axes[0]:
            ax.set_ylabel(ylabel)
        if not panels or vlines:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def projection_plot(xy, color, *, title: str = "", color_label: str = "", ax=None, size: float = 3.0):
    """2-D scatter of projected points (e.g. PCA 1, 2 of weight trajectories) coloured by a value.

    Parameters
    ----------
    xy : array of shape (n_points, 2)
        The projected points (axes labelled "PCA 1" and "PCA 2").
    color : array of shape (n_points,)
        The value each point is coloured by (viridis, with a colour bar).
    title : str
        Axes title.
    color_label : str
        Label of the colour bar.
    ax : Axes, optional
        Draw into this Axes; None: a new figure.
    size : float
        Marker size (matplotlib's ``s``, in points^2).

    Returns
    -------
    matplotlib Figure
    """
    P = np.asarray(xy, dtype=float)
    c = np.asarray(color, dtype=float).reshape(-1)
    if P.ndim != 2 or P.shape[1] != 2 or c.shape[0] != P.shape[0]:
        raise ValueError(f"xy must have shape (n, 2) and color n values; got {P.shape} and {c.shape}")
    fig, ax = _new_axes(ax, figsize=(5.0, 4.2))
    sc = ax.scatter(P[:, 0], P[:, 1], c=c, s=size, cmap="viridis", linewidths=0)
    fig.colorbar(sc, ax=ax, label=color_label)
    ax.set_xlabel("PCA 1")
    ax.set_ylabel("PCA 2")
    ax.set_title(title)
    return fig


def calibration_plot(cals, *, ax=None, title: str = "The circle rule at each cloud size"):
    """Power and false-positive rates of calibrations (:class:`toponet.calibration.Calibration`)
    against the number of filters (log scale); dashed lines at 80 % power and 5 % level."""
    fig, ax = _new_axes(ax, figsize=(6.5, 3.8))
    cals = sorted(cals, key=lambda c: c.n_points)
    if not cals:
        raise ValueError("no calibration to plot; run toponet.calibration.calibrate_circle first")
    n = [c.n_points for c in cals]
    ax.plot(n, [100 * c.power for c in cals], "o-", color="tab:green", label="power (noisy ideal model)")
    for kind, style in (("gaussian", "s--"), ("shuffled", "^--")):
        ax.plot(n, [100 * c.fpr_exceed[kind] / c.fpr_draws for c in cals], style, label=f"false positives ({kind})")
    ax.axhline(80, color="tab:green", lw=0.8, ls=":")
    ax.axhline(5, color="tab:red", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("filters in the cloud (before density filtration)")
    ax.set_ylabel("% of clouds")
    ax.set_ylim(-3, 103)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="center right")
    return fig
