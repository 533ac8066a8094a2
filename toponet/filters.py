"""Spatial filters: the paper's point clouds, extracted from conv kernels and normalized.

A conv layer with ``d`` output maps and ``c`` input maps, kernel ``h x w``, gives
``d * c`` spatial filters, each a point in R^(h*w) (R^9 for 3x3 kernels).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from toponet._validation import check_cloud, check_int

__all__ = ["conv_weights", "spatial_filters", "normalize", "FilterCloud", "pooled_filters", "group_clouds", "subsample"]

log = logging.getLogger(__name__)

#: :func:`normalize` drops points whose norm after mean-centering is at most this fraction of
#: the cloud's scale (the median centered norm of its non-constant points): relative, so a
#: cloud of filters at scale 1e-9 is kept whole and a dead filter among live ones is dropped.
MIN_NORM = 1e-8

# Clouds whose largest magnitude lies outside [2**-_EXP, 2**_EXP] are first scaled by a power
# of two (exact): the squared norms of values near 1e154 overflow, near 1e-154 underflow.
_EXP = 500


def conv_weights(model, layer: int) -> np.ndarray:
    """The weight array of the ``layer``-th 2-D conv layer (1-based) of a torch module.

    Parameters
    ----------
    model : torch.nn.Module
        Its ``nn.Conv2d`` modules count in the order of ``model.modules()``.
    layer : int
        1 to the number of Conv2d layers (a Python int).

    Returns
    -------
    ndarray of shape (out_channels, in_channels // groups, h, w), float64
        A copy on the CPU, detached; (out_channels, in_channels, h, w) for an ordinary
        (``groups=1``) conv. A grouped or depthwise conv's second axis is per group, and still
        gives one spatial filter per (out, in-of-group) slice.

    Raises
    ------
    ValueError
        The model has no Conv2d layer, or ``layer`` is out of range (the message names the
        number of conv layers).
    """
    import torch.nn as nn

    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    if not convs:
        raise ValueError(f"{type(model).__name__} has no Conv2d layer")
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= len(convs):
        raise ValueError(f"layer must be an integer in 1..{len(convs)} (the model's conv layers); got {layer!r}")
    conv = convs[layer - 1]
    if conv.groups != 1:
        # A grouped/depthwise conv still yields one spatial filter per (out, in-of-group) slice.
        log.info("conv layer %d has groups=%d; its in_channels axis is per group", layer, conv.groups)
    return conv.weight.detach().cpu().numpy().astype(np.float64)


def spatial_filters(weights, layer: int | None = None) -> np.ndarray:
    """All spatial filters of a conv layer as points.

    Parameters
    ----------
    weights : array-like of shape (out, in, h, w), or a torch ``nn.Module``
        A conv kernel (torch tensor or ndarray). With a module, ``layer`` picks its
        ``layer``-th Conv2d (1-based).
    layer : int, optional
        Required when ``weights`` is a module.

    Returns
    -------
    X : ndarray of shape (out * in, h * w)
        Row ``o * in + i`` is the slice ``weights[o, i]`` read row by row. Not normalized.
    """
    if hasattr(weights, "modules") and callable(weights.modules):
        if layer is None:
            raise ValueError("layer is required when spatial_filters is given a model")
        weights = conv_weights(weights, layer)
    elif hasattr(weights, "detach"):
        weights = weights.detach().cpu().numpy()
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 4:
        raise ValueError(f"conv weights must have shape (out, in, h, w); got shape {W.shape}")
    out, cin, h, w = W.shape
    X = W.reshape(out * cin, h * w)
    return check_cloud(X, name="conv weights")


def _power_of_two_rescaled(X: np.ndarray) -> np.ndarray:
    """``X`` times a power of two bringing its largest magnitude near 1, when that is far from 1.

    Scaling by a power of two is exact (no rounding), and :func:`normalize` is scale
    invariant, so this only avoids overflow or underflow of the squared norms.
    """
    top = float(np.abs(X).max()) if X.size else 0.0
    if top == 0.0 or 2.0 ** -_EXP < top < 2.0 ** _EXP:
        return X
    return np.ldexp(X, -int(np.frexp(top)[1]))


def _norm_floor(X: np.ndarray, norms: np.ndarray, min_norm: float) -> np.ndarray:
    """Per point, the centered norm at or below which it counts as constant.

    ``min_norm`` times the cloud's scale (median centered norm of the points with a
    non-zero one), and never below the rounding noise of centering that point.
    """
    live = norms[norms > 0]
    scale = float(np.median(live)) if live.size else 0.0
    noise = 16 * np.finfo(np.float64).eps * np.sqrt(X.shape[1]) * np.abs(X).max(axis=1)
    return np.maximum(min_norm * scale, noise)


def normalize(X, *, min_norm: float = MIN_NORM, quiet: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Mean-center each point over its own entries and scale it to unit Euclidean norm.

    This is the paper's normalization, applied before anything else. Points whose
    centered norm is at most ``min_norm`` times the cloud's scale (the median centered
    norm; constant filters, dead filters) have no direction; they are dropped and counted
    in a log message. Any magnitude a float64 holds works: a cloud near 1e200 or 1e-200 is
    first scaled by an exact power of two.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features), real
    min_norm : float, relative to the cloud's scale (default :data:`MIN_NORM`)
    quiet : bool
        Do not log the dropped points: for callers that report the count themselves
        (``~kept``), e.g. the per-layer table of chapter 04 (its ``constant`` column).

    Returns
    -------
    Xn : ndarray of shape (n_kept, n_features)
        Unit-norm, mean-zero rows.
    kept : ndarray of shape (n_points,), bool
        Which input rows survive; ``n_points - kept.sum()`` were dropped.

    Raises
    ------
    ValueError
        Every point is constant, or ``X`` is empty, not 2-D, or not finite.
    TypeError
        ``X`` is complex or not numeric.
    """
    X = _power_of_two_rescaled(check_cloud(X, name="filters"))
    centered = X - X.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centered, axis=1)
    kept = norms > _norm_floor(X, norms, min_norm)
    n_dropped = int((~kept).sum())
    if n_dropped and not quiet:
        log.warning("normalize: dropped %d of %d filters with (nearly) zero norm after mean-centering "
                    "(at most %g of the cloud's median norm)", n_dropped, X.shape[0], min_norm)
    if not kept.any():
        raise ValueError(f"all {X.shape[0]} filters are constant (zero norm after mean-centering); "
                         "nothing is left to analyze")
    return centered[kept] / norms[kept, None], kept


@dataclass(frozen=True)
class FilterCloud:
    """Normalized spatial filters with their provenance.

    Attributes
    ----------
    points : ndarray of shape (n_kept, h*w), unit-norm and mean-zero rows
    kept : ndarray of shape (n_points,), bool; which raw filters survived normalization
    label : str; the cloud in the paper's notation, e.g. ``"16 x M^1_2K(64,32,64)"``
    """

    points: np.ndarray
    kept: np.ndarray
    label: str = ""

    @property
    def n_points(self) -> int:
        return int(self.kept.size)

    @property
    def n_dropped(self) -> int:
        return int(self.kept.size - self.kept.sum())

    @classmethod
    def from_weights(cls, weights, label: str = "") -> "FilterCloud":
        """Normalized spatial filters of a stack of conv kernels.

        ``weights`` has shape (out, in, h, w) or (n_networks, out, in, h, w); the
        networks' filters are pooled, network by network.
        """
        W = np.asarray(weights.detach().cpu().numpy() if hasattr(weights, "detach") else weights,
                       dtype=np.float64)
        if W.ndim == 5:
            W = W.reshape(W.shape[0] * W.shape[1], *W.shape[2:])
        Xn, kept = normalize(spatial_filters(W))
        return cls(points=Xn, kept=kept, label=label)


def pooled_filters(weights) -> np.ndarray:
    """Raw spatial filters of stacked kernels, pooled network by network.

    Parameters
    ----------
    weights : array-like of shape (n_networks, out, in, h, w)
        Stacked conv kernels of one layer; finite.

    Returns
    -------
    ndarray of shape (n_networks * out * in, h * w), float64
        Row ``(g * out + o) * in + i`` is ``weights[g, o, i]`` read row by row. Not normalized.

    Raises
    ------
    ValueError
        ``weights`` is not 5-D, or holds NaN/inf values.
    """
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 5:
        raise ValueError(f"weights must have shape (n_networks, out, in, h, w); got {W.shape}")
    return spatial_filters(W.reshape(-1, *W.shape[2:]))


def group_clouds(weights, group_size: int) -> list[np.ndarray]:
    """Raw spatial filter clouds of disjoint groups of ``group_size`` networks, in seed order.

    Parameters
    ----------
    weights : array-like of shape (n_networks, out, in, h, w)
        Stacked kernels of one layer; networks ``g * group_size .. (g + 1) * group_size - 1``
        form group ``g`` (independent repeats: disjoint seeds).
    group_size : int
        Networks per group, 1 to ``n_networks``; the last ``n_networks % group_size`` networks
        are left out.

    Returns
    -------
    list of ``n_networks // group_size`` arrays of shape (group_size * out * in, h * w)
    """
    W = np.asarray(weights)
    if W.ndim != 5:
        raise ValueError(f"weights must have shape (n_networks, out, in, h, w); got {W.shape}")
    group_size = check_int(group_size, name="group_size", low=1, high=W.shape[0])
    return [pooled_filters(W[g * group_size:(g + 1) * group_size]) for g in range(W.shape[0] // group_size)]


def subsample(X, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``size`` rows of ``X``, drawn without replacement with ``seed``, in their order.

    Parameters
    ----------
    X : array-like of shape (n_rows, ...)
    size : int >= 1
        Rows kept at most.
    seed : int
        Seed of the generator (:func:`numpy.random.default_rng`); unused when every row is kept.

    Returns
    -------
    X_sub : ndarray of shape (min(size, n_rows), ...)
        ``X[index]``; all of ``X`` (not a copy) when ``X`` has at most ``size`` rows.
    index : ndarray of shape (min(size, n_rows),), int, increasing
        The kept rows; ``arange(n_rows)`` when all are kept.
    """
    X = np.asarray(X)
    size = check_int(size, name="size", low=1)
    n = X.shape[0]
    if n <= size:
        return X, np.arange(n)
    index = np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))
    return X[index], index
