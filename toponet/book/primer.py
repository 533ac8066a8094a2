"""Figures of the TDA primer (``book/primer.md``): chapter 00's primary circle, step by step.

The primer follows one cloud from points to the two pictures every chapter shows: the
noisy primary-circle filters of chapter 00 (``toponet.ideal.primary_circle_sample``), a
Vietoris-Rips complex of them at three scales, their barcode with those scales marked,
and their Mapper graph. :func:`primer_figures` draws them as PNGs at build time
(:func:`toponet.book.pages.write_generated`), so the page never shows a stale picture.
Used by ``book/primer.md``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from toponet import plots
from toponet.book.notebook import FIGURE_DPI
from toponet.homology import maxmin_landmarks, persistence
from toponet.ideal import primary_circle_sample
from toponet.mapper import Mapper

__all__ = ["primer_cloud", "rips_scales", "primer_figures"]

#: Filters in the cloud: chapter 00's smoke cloud, 6 networks x 64.
CLOUD_POINTS = 384
#: Noise per filter entry, as in chapter 00.
NOISE = 0.1
#: Points of the drawn Vietoris-Rips complex: few enough for its edges to stay visible.
RIPS_POINTS = 40
#: Mapper(resolution, gain) of the primer's graph (chapter 00's smoke values).
RESOLUTION, GAIN = 10, 3.0


def primer_cloud(seed: int = 0) -> np.ndarray:
    """Chapter 00's primary-circle cloud: (CLOUD_POINTS, 9) unit, mean-zero filters."""

    return primary_circle_sample(CLOUD_POINTS, noise=NOISE, seed=seed)


def plane(X: np.ndarray) -> np.ndarray:
    """The cloud's first two principal components, shape (n, 2): the plane the primary
    circle spans (its filters are combinations of two gradients)."""
    Xc = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    return Xc @ vt[:2].T


def rips_scales(diagram) -> tuple[float, float, float]:
    """Three scales that tell the story of the longest H1 bar (birth b, death d): while
    neighbours join (the median H0 death, below b), in the middle of the bar's life
    ((b + d) / 2), and after it died (1.1 d)."""
    h1 = np.asarray(diagram.diagrams[1])
    if not len(h1):
        raise ValueError("the cloud has no H1 bar; the primer needs a circle")
    b, d = h1[np.argmax(h1[:, 1] - h1[:, 0])]
    h0 = np.asarray(diagram.diagrams[0])[:, 1]
    joining = float(np.median(h0[np.isfinite(h0)])) if np.isfinite(h0).any() else 0.5 * b
    return min(joining, 0.9 * b), (b + d) / 2, 1.1 * d


def _rips_panel(ax, X9: np.ndarray, xy: np.ndarray, eps: float) -> None:
    """Edges (distance <= eps in R^9) and filled triangles of the Rips complex, drawn in the plane."""
    from matplotlib.collections import LineCollection, PolyCollection

    D = np.linalg.norm(X9[:, None] - X9[None], axis=-1)
    i, j = np.nonzero(np.triu(D <= eps, 1))
    close = D <= eps
    tri = [(a, b, c) for a, b in zip(i, j) for c in np.nonzero(close[a] & close[b])[0] if c > b]
    if tri:
        ax.add_collection(PolyCollection(xy[np.array(tri)], facecolors="#9ecae1", alpha=0.25, linewidths=0))
    ax.add_collection(LineCollection(xy[np.stack([i, j], 1)], colors="#3182bd", linewidths=0.8))
    ax.scatter(xy[:, 0], xy[:, 1], s=12, c="k", zorder=3)
    ax.set_title(f"scale {eps:.2f}: {len(i)} edges, {len(tri)} triangle{'' if len(tri) == 1 else 's'}", fontsize=9)
    ax.set_aspect("equal")
    ax.set_axis_off()


def primer_figures(out_dir: str | os.PathLike, *, seed: int = 0) -> dict[str, Path]:
    """Draw the primer's four figures into ``out_dir``; return {name: png path}.

    cloud.png: the cloud in its plane, some filters drawn where they lie;
    filtration.png: the Rips complex of RIPS_POINTS maxmin landmarks at three scales;
    barcode.png: those landmarks' H0 and H1 barcodes with the three scales marked;
    mapper.png: Mapper(RESOLUTION, GAIN) of the whole cloud.
    """
    from matplotlib.figure import Figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    X = primer_cloud(seed)
    xy = plane(X)
    paths = {}

    fig = Figure(figsize=(5.2, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(xy[:, 0], xy[:, 1], s=6, c="0.6")
    angle = np.arctan2(xy[:, 1], xy[:, 0])
    side = 0.09 * np.ptp(xy[:, 0])
    vmax = np.abs(X).max()
    for target in np.linspace(-np.pi, np.pi, 12, endpoint=False):
        k = int(np.argmin(np.abs(np.angle(np.exp(1j * (angle - target))))))
        x, y = xy[k] * 1.22
        ax.imshow(X[k].reshape(3, 3), cmap="gray", vmin=-vmax, vmax=vmax, interpolation="nearest",
                  extent=(x - side / 2, x + side / 2, y - side / 2, y + side / 2), zorder=3)
        ax.plot([xy[k, 0], x], [xy[k, 1], y], color="0.8", linewidth=0.6, zorder=2)
    lim = 1.4 * np.abs(xy).max()
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title(f"{CLOUD_POINTS} filters = {CLOUD_POINTS} points of " + r"$\mathbb{R}^9$", fontsize=10)
    paths["cloud"] = _save(fig, out / "cloud.png")

    idx, _ = maxmin_landmarks(X, RIPS_POINTS, seed=seed)
    L, Lxy = X[idx], xy[idx]
    diagram = persistence(L, n_landmarks=None, n_threads=1)
    scales = rips_scales(diagram)
    fig = Figure(figsize=(9.0, 3.3), layout="constrained")
    for ax, eps in zip(fig.subplots(1, 3), scales):
        _rips_panel(ax, L, Lxy, eps)
    paths["filtration"] = _save(fig, out / "filtration.png")

    fig = plots.barcode_plot(diagram)
    fig.suptitle(f"Barcodes of the {RIPS_POINTS} points above; dashed: the three scales drawn there",
                 fontsize=10)
    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        ax.set_xlim(lo, max(hi, 1.04 * scales[-1]))
        for eps in scales:
            ax.axvline(eps, color="0.3", linestyle="--", linewidth=0.9)
    top = fig.axes[0].secondary_xaxis("top")    # the three scales, labelled above the bars
    top.set_xticks(scales, [f"{eps:.2f}" for eps in scales], fontsize=8)
    paths["barcode"] = _save(fig, out / "barcode.png")

    mapper = Mapper(RESOLUTION, GAIN, layout_seed=seed).fit(X)
    fig = plots.mapper_static(mapper, title=f"Mapper({RESOLUTION}, {GAIN:g}): {mapper.n_nodes_} nodes, "
                                            f"{mapper.betti1_} loop(s)")
    paths["mapper"] = _save(fig, out / "mapper.png")
    return paths


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=FIGURE_DPI)
    return path
