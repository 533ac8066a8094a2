"""Helpers shared by several chapter modules (not a chapter of its own).

- :func:`study_arrays`: a peer paper's study loaded from the store, else trained on one thread and
  stored (chapters 06, 07: the studies' one training engine around their own loops).
- :func:`accuracy_summary`: an artifact's test accuracy at a snapshot (chapters 01, 02, 03, 05).
- :func:`evolution`: the top H1 bar and the share near the primary circle per training
  snapshot (chapters 01, 02, 03, 05).
- :func:`null_distance_threshold`: "near the circle" as a quantile of gaussian filters
  (chapters 01, 04).
- :func:`check_paper_k`, :func:`check_kept`: the bounds a chapter's ``validate`` puts on its
  ``k`` and ``p`` (chapters 02, 03, 05), in the words of chapter 01's.
"""
from __future__ import annotations

import time
from typing import Callable, Mapping

import numpy as np

from toponet._validation import check_int
from toponet.analysis import scaled_k
from toponet.density import density_filtration
from toponet.filters import normalize, pooled_filters
from toponet.homology import persistence
from toponet.ideal import distance_to_model, gaussian_filters
from toponet.store import Store

__all__ = ["study_arrays", "accuracy_summary", "evolution", "null_distance_threshold", "NULL_DISTANCE_QUANTILE",
           "H1_MIN_POINTS", "check_paper_k", "check_kept"]


#: Share of gaussian (null) filters nearer the primary circle than the "near the circle"
#: threshold (a descriptive column): the threshold is the null distribution's 5th percentile.
NULL_DISTANCE_QUANTILE = 0.05

#: Fewest points whose Vietoris-Rips complex can hold an H1 bar: 3 points span a triangle that
#: fills in the moment it closes, 4 (a square) close a loop before its diagonals fill it. A
#: dense core of fewer points has top H1 lifetime 0 whatever the filters (and of 1 point, no
#: Rips scale at all: the circle test fails).
H1_MIN_POINTS = 4


def check_paper_k(k, *, below: int, refers: str, paper: int) -> int:
    """``k``, the paper's k that a chapter rescales to its clouds, checked below ``below``.

    ``below`` is the smallest paper cloud the chapter rescales k from (the k-th neighbour of
    a cloud lies inside it); ``refers`` names the paper's clouds in words, ``paper`` the
    paper's own k. ``ValueError`` in one line naming k, its value and the bound.
    """
    k = check_int(k, name="k", low=1)
    if k >= below:
        raise ValueError(f"k={k}: the paper's k for {refers} (rescaled to our clouds) must be below {below:,} "
                         f"(the paper: {paper})")
    return k


def check_kept(p: float, n: int, need: int, *, cloud: str, needs: str, fix: str) -> int:
    """The points rho(k, p) keeps of a cloud of ``n`` (``round(p * n)``), at least ``need``.

    ``ValueError`` in one line otherwise: "p=... keeps K of the N <cloud>; <needs> needs at
    least <need> (<fix>)". Returns the points kept.
    """
    kept = round(p * n)
    if kept < need:
        raise ValueError(f"p={p:g} keeps {kept:,} of the {n:,} {cloud}; {needs} needs at least {need} ({fix})")
    return kept


def null_distance_threshold(model: str = "primary_circle", *, q: float = NULL_DISTANCE_QUANTILE,
                            n: int = 20_000, seed: int = 0) -> float:
    """The ``q``-quantile of the distance of normalized gaussian filters to ``model``.

    A filter nearer than this is nearer the model than all but a fraction ``q`` of random
    directions (about 0.61 for the primary circle at q = 0.05).
    """
    return float(np.quantile(distance_to_model(gaussian_filters(n, seed=seed), model).distances, q))


def accuracy_summary(artifact, iteration=None) -> dict:
    """Test accuracy of an artifact's networks at ``iteration`` (None = last): mean, sd, n,
    values, and ``dropped`` (the seeds the artifact leaves out, :meth:`toponet.store.Artifact.without`)."""
    acc = np.asarray(artifact.test_accuracy(iteration), dtype=float)
    return dict(mean=float(acc.mean()), sd=float(acc.std(ddof=1)) if acc.size > 1 else 0.0,
                n=int(acc.size), values=acc, dropped=tuple(getattr(artifact, "dropped", ())))


def evolution(artifact, *, layer: str = "conv1", k_paper: int, p: float, n_points_paper: int,
              iterations=None, threshold: float = 0.3, seed: int = 0) -> list[dict]:
    """Per snapshot: top H1 lifetime of rho(k, p) of the pooled filters, the share near the
    primary circle (all filters and dense core) and the test accuracy.

    k is rescaled from ``k_paper`` for a cloud of ``n_points_paper`` (see
    :func:`toponet.analysis.scaled_k`). Returns one dict per stored snapshot with keys
    iteration, k, n_kept, h1_top, h1_second, frac_near_circle, frac_near_circle_core,
    test_accuracy (mean, sd).
    """
    rows = []
    its = iterations if iterations is not None else artifact.stored_iterations(layer)
    for it in its:
        X = pooled_filters(artifact.conv_weights(layer, it))
        Xn, _ = normalize(X)
        k = scaled_k(k_paper, Xn.shape[0], n_points_paper)
        core = density_filtration(Xn, k, p)
        life = persistence(core, maxdim=1, seed=seed).lifetimes(1)
        acc = np.asarray(artifact.test_accuracy(it), float)
        rows.append(dict(iteration=int(it), k=k, n_kept=int(core.shape[0]),
                         h1_top=float(life[0]) if life.size else 0.0,
                         h1_second=float(life[1]) if life.size > 1 else 0.0,
                         frac_near_circle=distance_to_model(Xn, threshold=threshold).fraction_within,
                         frac_near_circle_core=distance_to_model(core, threshold=threshold).fraction_within,
                         test_accuracy=(float(acc.mean()), float(acc.std(ddof=1)) if acc.size > 1 else 0.0)))
    return rows


def study_arrays(config, store: Store | None, train: Callable[[], dict[str, np.ndarray]], *,
                 extra: Mapping | None = None) -> dict[str, np.ndarray]:
    """The stored arrays of a study's ``config``; absent, ``train()``'s, stored first.

    The studies' networks are small (a 3-3-2 net, MLPs of 100 units): ``train`` runs on one
    torch thread (more only add overhead), and its wall time is stored beside the arrays (the
    re-run page's estimate of what a rerun costs).

    Parameters
    ----------
    config : frozen dataclass
        The study's configuration; its :func:`toponet.store.config_key` is the artifact key.
    store : Store or None
        Where to read and write (None: the book's store, :class:`toponet.store.Store`).
    train : callable
        ``train() -> dict of name -> ndarray``: the study's own training loop at ``config``.
    extra : mapping, optional
        More fields for the stored record, after ``wall_time_s`` and ``device``.

    Returns
    -------
    dict of name -> ndarray
    """
    store = Store() if store is None else store
    got = store.get_arrays(config)
    if got is not None:
        return got[0]
    # deferred: torch (5 s measured) only when a study is trained, never when it is read from the store
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    t0 = time.time()
    try:
        arrays = train()
    finally:
        torch.set_num_threads(threads)
    store.put_arrays(config, arrays, extra={"wall_time_s": round(time.time() - t0, 2), "device": "cpu",
                                            **(extra or {})})
    return arrays
