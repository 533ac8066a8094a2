"""The CIFAR-10 analyses of Sec. V.B (Figs. 3-9) that the generic pipeline does not cover.

- :func:`pick_experiment`: the real CIFAR-10 experiment when its files are present, else its
  stand-in twin (``toponet.data.natural``), with the data label every caption and verdict uses.
- :func:`count_clusters`: the number of clusters of a Mapper graph (Fig. 3's "five clusters").
- :func:`channel_clouds`: colour first-layer filters, all channels pooled and per channel (Fig. 6).
- :func:`significant_h1_bars`: how many H1 bars stand above a matched null (Fig. 7's "three").
- :func:`evolution_mappers`: the Mapper graphs of one layer at each training snapshot (Figs. 5, 9),
  drawn as one grid by :func:`toponet.plots.mapper_grid`.
- :func:`model_fit`: each filter's distance to the primary circle and the three-circle model
  against gaussian filters (Fig. 8).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toponet._validation import check_fraction, check_int

#: The four CIFAR-10 runs of the paper (``toponet.experiments``); each has a "-standin" twin.
CIFAR_EXPERIMENTS = ("cifar-gray", "cifar-gray-C64-0-64", "cifar-color", "cifar-color-C48-0-64-nopool")
REAL_DATA = "CIFAR-10 (real)"
CHANNELS = ("R", "G", "B")


def cifar10_available(root=None) -> bool:
    """True when CIFAR-10's files are in the data root and pass their checksums."""
    from toponet.data import load

    try:
        load("cifar10", "test", root)
        load("cifar10", "train", root)
    except (FileNotFoundError, ValueError):
        return False
    return True


def pick_experiment(base: str, *, real: bool | None = None) -> tuple[str, str]:
    """The experiment to use for ``base`` and the data it trains on, in words.

    Parameters
    ----------
    base : one of :data:`CIFAR_EXPERIMENTS`
    real : force the choice; None = real CIFAR-10 exactly when :func:`cifar10_available`

    Returns
    -------
    (experiment name, data label): ``(base, "CIFAR-10 (real)")`` or
    ``(base + "-standin", <the stand-in's description>)``.
    """
    if base not in CIFAR_EXPERIMENTS:
        raise ValueError(f"unknown CIFAR experiment {base!r}; expected one of {CIFAR_EXPERIMENTS}")
    if real is None:
        real = cifar10_available()
    if real:
        return base, REAL_DATA
    from toponet.data.natural import describe

    return f"{base}-standin", "stand-in: " + describe()


def count_clusters(mapper, *, min_fraction: float = 0.02) -> dict:
    """Clusters of a fitted Mapper graph: its connected components holding enough points.

    A component counts when its nodes cover at least ``min_fraction`` of the points the
    Mapper saw (so isolated nodes of a few outliers are not "clusters").

    Returns
    -------
    dict with ``n_clusters`` (int), ``sizes`` (points per counted cluster, descending),
    ``n_components`` (all components) and ``min_fraction``.
    """
    min_fraction = check_fraction(min_fraction, name="min_fraction")
    members = getattr(mapper, "node_members_", None)
    if members is None:
        raise ValueError("count_clusters needs a fitted toponet.mapper.Mapper (call .fit first)")
    n_points = int(mapper.lens_.shape[0])
    sizes = []
    for comp in mapper.graph_.connected_components():
        pts = np.unique(np.concatenate([members[i] for i in comp])) if comp else np.empty(0, int)
        sizes.append(int(pts.size))
    sizes = sorted(sizes, reverse=True)
    counted = [s for s in sizes if s >= min_fraction * n_points]
    return dict(n_clusters=len(counted), sizes=counted, n_components=len(sizes), min_fraction=min_fraction)


def channel_clouds(weights) -> dict[str, np.ndarray]:
    """Colour first-layer spatial filters, all channels pooled and per input channel.

    Parameters
    ----------
    weights : array of shape (n_networks, out, 3, h, w)
        Stacked conv1 kernels of networks on RGB input.

    Returns
    -------
    dict: ``"all"`` -> (n_networks * out * 3, h * w) and ``"R"``, ``"G"``, ``"B"`` ->
    (n_networks * out, h * w), raw (not normalized) filters.
    """
    from toponet.studies import layer_cloud

    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 5 or W.shape[2] != 3:
        raise ValueError(f"weights must have shape (n_networks, out, 3, h, w) (RGB input); got {W.shape}")
    out = {"all": layer_cloud(W)}
    for c, name in enumerate(CHANNELS):
        out[name] = layer_cloud(W[:, :, c:c + 1])
    return out


def significant_h1_bars(lifetimes, nulls: dict, *, z: float = 3.0) -> dict:
    """How many H1 bars are longer than every matched null's top bar would be by chance.

    The threshold is ``max over null kinds of (null_mean + z * null_sd)`` of the nulls' top
    H1 lifetime (:class:`toponet.nulls.NullComparison`). A circle gives one bar above it,
    two circles meeting in two points three.

    Returns dict with ``n_bars``, ``threshold`` and ``lifetimes`` (the top five).
    """
    if not nulls:
        raise ValueError("significant_h1_bars needs at least one null comparison (null_repeats > 0)")
    life = np.sort(np.asarray(lifetimes, dtype=np.float64))[::-1]
    thr = max(c.null_mean + z * c.null_sd for c in nulls.values())
    return dict(n_bars=int(np.sum(life > thr)), threshold=float(thr), lifetimes=[float(v) for v in life[:5]])


@dataclass(frozen=True)
class EvolutionMapper:
    """The Mapper graph of one layer at one training snapshot.

    iteration : batch iterations; n_points, n_kept : filters before / after rho(k, p);
    k : the k used (None without filtration); mapper : fitted Mapper; clusters :
    :func:`count_clusters`; loops : the Mapper graph's large loops; median_distance : median
    distance of the points the Mapper saw to the primary circle.
    """

    iteration: int
    n_points: int
    n_kept: int
    k: int | None
    mapper: object
    clusters: dict
    loops: int
    median_distance: float


def evolution_mappers(artifact, *, layer: str = "conv1", iterations=None, k_paper: int | None = None,
                      p: float = 1.0, n_points_paper: int | None = None, resolution: int = 30,
                      gain: float = 3.0, seed: int = 0, progress: bool = True) -> list[EvolutionMapper]:
    """Mapper(resolution, gain) of ``layer``'s pooled filters at each snapshot.

    ``p = 1`` uses every normalized filter (Fig. 5's layer 1: "no filtration"); otherwise
    rho(k, p) with k rescaled from ``k_paper`` for the paper's cloud of ``n_points_paper``.
    ``iterations`` default to every stored snapshot of the layer after 0.
    """
    from tqdm.auto import tqdm

    from toponet.analysis import scaled_k
    from toponet.density import density_filtration
    from toponet.filters import normalize
    from toponet.ideal import distance_to_model
    from toponet.mapper import Mapper
    from toponet.studies import layer_cloud

    p = check_fraction(p, name="p")
    if p < 1 and (k_paper is None or n_points_paper is None):
        raise ValueError("a density filtration (p < 1) needs k_paper and n_points_paper")
    its = [it for it in artifact.stored_iterations(layer) if it > 0] if iterations is None else list(iterations)
    rows = []
    for it in tqdm(its, desc=f"Mapper of {layer}", disable=not progress):
        raw = layer_cloud(artifact.conv_weights(layer, it))
        Xn, _ = normalize(raw)
        k = None
        if p < 1:
            k = scaled_k(k_paper, Xn.shape[0], n_points_paper)
            Xn = density_filtration(Xn, k, p)
        m = Mapper(resolution=resolution, gain=gain, layout_seed=seed).fit(Xn)
        rows.append(EvolutionMapper(iteration=int(it), n_points=int(raw.shape[0]), n_kept=int(Xn.shape[0]),
                                    k=k, mapper=m, clusters=count_clusters(m), loops=int(m.n_large_loops_),
                                    median_distance=float(np.median(distance_to_model(Xn).distances))))
    return rows


def model_fit(points, *, threshold: float | None = None, seed: int = 0, n_null: int = 20_000) -> dict:
    """How well filters fit the primary circle and the three-circle model, against chance.

    Parameters
    ----------
    points : array (n, 9), normalized filters (e.g. a dense core)
    threshold : "near" distance; None = the 5% quantile of gaussian filters' distance to the
        three-circle model (so 5% of random filters count as near)
    seed, n_null : the gaussian null sample

    Returns
    -------
    dict with, for ``points`` and for the gaussian null: median distance to each model
    (``median_primary``, ``median_three``, ``null_median_primary``, ``null_median_three``),
    the share near the three-circle model (``near_three``, ``null_near_three``), the share
    near it but *not* near the primary circle at the same threshold, i.e. on the secondary
    circles (``near_secondary_only``, ``null_near_secondary_only``), and ``threshold``.
    """
    from toponet.ideal import distance_to_model, gaussian_filters

    X = np.asarray(points, dtype=np.float64)
    n_null = check_int(n_null, name="n_null", low=100)
    G = gaussian_filters(n_null, seed=seed)
    dg3 = distance_to_model(G, "three_circles").distances
    dg1 = distance_to_model(G, "primary_circle").distances
    thr = float(np.quantile(dg3, 0.05)) if threshold is None else float(threshold)
    d3 = distance_to_model(X, "three_circles").distances
    d1 = distance_to_model(X, "primary_circle").distances
    return dict(threshold=thr, distances_three=d3, distances_primary=d1,
                median_primary=float(np.median(d1)), median_three=float(np.median(d3)),
                null_median_primary=float(np.median(dg1)), null_median_three=float(np.median(dg3)),
                near_three=float(np.mean(d3 <= thr)), null_near_three=float(np.mean(dg3 <= thr)),
                near_secondary_only=float(np.mean((d3 <= thr) & (d1 > thr))),
                null_near_secondary_only=float(np.mean((dg3 <= thr) & (dg1 > thr))))


def verdict_from(checks: dict) -> tuple[str, tuple[str, ...]]:
    """The book's verdict from named pass/fail checks of one claim.

    ``checks`` maps a check, in words, to True (pass), False (fail) or None (not testable at
    this scale: e.g. an iteration the run did not reach). "reproduced" when every testable
    check passes, "partly" when some do, "not reproduced" when none does, and "not tested"
    when none is testable. Returns (verdict, reasons).
    """
    if not isinstance(checks, dict) or not checks:
        raise ValueError("checks must be a non-empty dict {check in words: True/False/None}")
    reasons = tuple(f"{name} -> {'not testable here' if ok is None else ('pass' if ok else 'fail')}"
                    for name, ok in checks.items())
    tested = [bool(ok) for ok in checks.values() if ok is not None]
    if not tested:
        return "not tested", reasons
    if all(tested):
        return "reproduced", reasons
    return ("partly" if any(tested) else "not reproduced"), reasons


def cloud_circle_verdict(X, X_untrained, *, k: int, p: float, resolution: int = 30, gain: float = 3.0,
                         null_repeats: int = 10, seed: int = 0):
    """:func:`toponet.studies.circle_verdict` for one cloud of raw filters (e.g. one colour channel).

    ``X`` (n, 9) are the trained filters, ``X_untrained`` the same networks' filters before
    training. Returns (AnalysisResult, CircleVerdict).
    """
    from toponet.analysis import analyze_filters, filtered_top_h1
    from toponet.studies import circle_verdict, null_distance_threshold

    result = analyze_filters(X, k=k, p=p, resolution=resolution, gain=gain, null_repeats=null_repeats, seed=seed)
    h1 = result.persistence.lifetimes(1)
    verdict = circle_verdict(
        observed=float(h1[0]) if h1.size else 0.0, nulls=result.nulls,
        untrained=filtered_top_h1(X_untrained, k=k, p=p, seed=seed),
        top_ratio=float(h1[0] / h1[1]) if h1.size > 1 and h1[1] > 0 else float("inf"),
        mapper_loops=int(result.mapper.n_large_loops_),
        core_median_distance=float(np.median(result.distance_primary[result.kept_index])),
        near_threshold=null_distance_threshold())
    return result, verdict


def circle_at(rows, iteration: int, near_threshold: float | None = None) -> bool | None:
    """Whether the cloud at ``iteration`` (rows of :func:`evolution_mappers`) shows the primary
    circle: its Mapper graph has a large loop *and* the median distance of its points to the
    primary circle is below ``near_threshold`` (default: the 5% quantile of gaussian filters,
    :func:`toponet.studies.null_distance_threshold`), so that a loop through noise does not
    count. None when that iteration was not stored."""
    from toponet.studies import null_distance_threshold

    thr = null_distance_threshold() if near_threshold is None else float(near_threshold)
    for r in rows:
        if r.iteration == iteration:
            return bool(r.loops >= 1 and r.median_distance < thr)
    return None


def cloud_label_of(artifact, layer: int, k: int | None = None, p: float | None = None,
                   networks: int | None = None) -> str:
    """:func:`toponet.book.cloud_label` of a stored C-network artifact's layer, e.g.
    ``\\rho(13, 0.5, 4 \\times C^{1}_{1K}(64, 32, 64))``; ``networks`` overrides the count."""
    from toponet.book import cloud_label

    arch = str(artifact.arch)
    try:
        widths = tuple(int(v) for v in arch[arch.index("(") + 1:arch.rindex(")")].split(","))
    except ValueError as exc:
        raise ValueError(f"artifact arch {arch!r} is not of the form C(X,Y,Z)") from exc
    return cloud_label(networks=networks or artifact.networks, layer=layer, iterations=artifact.iterations[-1],
                       widths=widths, model="C", k=k, p=p)


def broken_after(rows, before: int, after: int, near_threshold: float | None = None) -> bool | None:
    """Whether a circle present at ``before`` is gone at ``after`` (see :func:`circle_at`).

    None when either iteration was not stored or there was no circle at ``before`` (then
    "it breaks" says nothing).
    """
    a = circle_at(rows, before, near_threshold)
    b = circle_at(rows, after, near_threshold)
    if a is not True or b is None:
        return None
    return not b
