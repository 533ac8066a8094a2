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


# --- "what we found", computed from the results (no result number is written into a chapter) ---

def cloud_summary(result, verdict=None, *, alpha: float = 0.05, min_effect: float = 3.0) -> dict:
    """The numbers a chapter's findings quote about one analysed cloud.

    Parameters
    ----------
    result : :class:`toponet.analysis.AnalysisResult`-like
        Needs ``persistence`` (``top_lifetime``, ``lifetime_bound``), ``headline_null``, ``nulls``,
        ``mapper`` (``n_large_loops_``), ``distance_primary`` and ``kept_index``.
    verdict : :class:`toponet.studies.CircleVerdict`-like or str, optional
        The circle rule's outcome (its ``verdict`` attribute, or the string itself).

    Returns
    -------
    dict
        ``top_h1`` (lifetime), ``lifetime_bound`` (0 when exact), ``effect`` and ``p`` of the headline
        null, ``null_mean``, ``beats_nulls`` (every null: p < ``alpha`` and effect > ``min_effect``),
        ``loops`` (large Mapper loops), ``median_distance`` (dense core to the primary circle) and
        ``verdict`` (str or None).
    """
    h = result.headline_null
    v = getattr(verdict, "verdict", verdict)
    return dict(top_h1=float(result.persistence.top_lifetime(1)),
                lifetime_bound=float(getattr(result.persistence, "lifetime_bound", 0.0) or 0.0),
                effect=float(h.effect_size), p=float(h.p_value), null_mean=float(h.null_mean),
                beats_nulls=bool(result.nulls) and all(c.p_value < alpha and c.effect_size > min_effect
                                                       for c in result.nulls.values()),
                loops=int(result.mapper.n_large_loops_),
                median_distance=float(np.median(np.asarray(result.distance_primary)[result.kept_index])),
                verdict=v)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def run_sentence(label: str, networks: int, iterations: int, accuracy: dict, *, chance: float = 0.1) -> str:
    """"4 x $C(64,32,64)$ trained 500 iterations to 33.7 +- 13.3% test accuracy", with a note when
    a network ends within 5 points of ``chance``. ``accuracy``: :func:`toponet.studies.accuracy_summary`."""
    s = (f"{networks} x ${label}$ trained {iterations} iterations to {_pct(accuracy['mean'])} +- "
         f"{100 * accuracy['sd']:.1f}% test accuracy")
    low = int(np.sum(np.asarray(accuracy["values"], dtype=float) < chance + 0.05))
    if low:
        s += f", {low} network(s) barely above chance"
    return s


def _scale_head(profile: str, data: str, runs) -> str:
    if not runs:
        raise ValueError("runs must name at least one trained run: (label, networks, iterations, accuracy)")
    return (f"At the `{profile}` scale of this build ({data}; "
            + "; ".join(run_sentence(*r) for r in runs) + ")")


def _closing(real: bool, profile: str) -> str:
    if not real:
        return (" These are findings about a short run on a stand-in, not about CIFAR-10: the numbers are the ones "
                "this build computed.")
    if profile != "paper":
        return " These are findings about a shorter run than the paper's; the `paper` profile is its scale."
    return ""


def _loop_iterations(rows) -> list[int]:
    return [r.iteration for r in rows if r.loops >= 1]


def _evolution_sentence(rows, *, appear: int, broken: int, near_threshold: float) -> str:
    """What the layer-1 evolution rows show against the paper's "circle at ``appear``, broken at ``broken``"."""
    if not rows:
        return " No training snapshot was analysed."
    circ = [r.iteration for r in rows if r.loops >= 1 and r.median_distance < near_threshold]
    loops = _loop_iterations(rows)
    stored = {r.iteration for r in rows}
    last = max(stored)
    if last < appear:
        return (f" During training, the layer-1 Mapper graph "
                + (f"has loops at {', '.join(map(str, loops))}" if loops else "closes no loop")
                + (f" and shows the circle (a loop, filters near it) at {', '.join(map(str, circ))}" if circ else "")
                + f"; the run stops at {last}, before the paper's circle at {appear} and its break at {broken}, so "
                "that part is untested here.")
    if circ:
        s = f" During training, the layer-1 Mapper graph shows the circle (a loop, filters near it) at {', '.join(map(str, circ))}"
        at = circle_at(rows, appear, near_threshold)
        s += (f", including {appear} as in the paper" if at else
              (f", not at {appear} as in the paper" if appear in stored else f"; the run stored no snapshot at {appear}"))
        brk = broken_after(rows, appear, broken, near_threshold)
        s += (f", and it is broken at {broken}, as the paper says." if brk else
              (f"; it is not broken at {broken}." if brk is False else "."))
        return s
    if loops:
        return (f" During training, the layer-1 Mapper graph has loops at {', '.join(map(str, loops))} but the filters "
                "stay far from the primary circle (median distance above the null threshold), so we see no circle "
                f"appear at {appear} and none to break at {broken}.")
    return (f" During training, no layer-1 Mapper graph closes a loop ({rows[0].iteration}-{rows[-1].iteration}), so "
            f"we see no circle appear at {appear} and none to break at {broken}.")


def gray_findings(*, profile: str, data: str, real: bool, runs, clusters: dict, circles: dict, pooled2: dict,
                  one2: dict, one2_accuracy: float, evolution1, near_threshold: float, paper_clusters: int = 5):
    """The grayscale CIFAR chapter's "what we found" (Figs. 3-5), picked by this build's numbers.

    Parameters
    ----------
    profile, data : the build profile and the data label (:func:`pick_experiment`); ``real``: CIFAR-10 itself
    runs : list of (label, networks, iterations, accuracy) -- see :func:`run_sentence`
    clusters : dict, architecture label -> number of Mapper clusters of layer 1 (:func:`count_clusters`)
    circles : dict, architecture label -> circle-rule verdict (str) of layer 1
    pooled2, one2 : :func:`cloud_summary` of the pooled second layer and of one network's second layer
    one2_accuracy : test accuracy (fraction) of that network
    evolution1 : rows of :func:`evolution_mappers` for layer 1
    near_threshold : distance to the primary circle below which a filter is "near" (the null threshold)

    Returns
    -------
    toponet.book.notebook.Caption
    """
    from toponet.book.notebook import Caption

    if set(clusters) != set(circles) or not clusters:
        raise ValueError("clusters and circles must name the same architectures")
    labs = list(clusters)
    counts = " and ".join(f"that of ${lab}$ into {clusters[lab]}" if i else f"the first layer of ${lab}$ falls into "
                          f"{clusters[lab]} Mapper cluster(s)" for i, lab in enumerate(labs))
    close = all(abs(clusters[lab] - paper_clusters) <= 1 for lab in labs)
    s = _scale_head(profile, data, runs) + ": " + counts + (
        f", close to the paper's {paper_clusters}" if close else f", against the paper's {paper_clusters}") + "; "
    circ = [lab for lab in labs if circles[lab] == "reproduced"]
    if not circ:
        s += "none shows a significant primary circle, which agrees with the paper"
        weak = min(r[3]["mean"] for r in runs) < 0.5
        s += (", but at this scale \"no circle\" is also what barely trained filters give, so it is weak evidence."
              if weak else ".")
    else:
        s += f"${'$, $'.join(circ)}$ shows a primary circle by the book's rule, which the paper does not see."
    s += (f" The pooled second layer's top $H_1$ bar {pooled2['top_h1']:.2f} "
          + ("beats its matched nulls" if pooled2["beats_nulls"] else
             ("is above its headline null" if pooled2["effect"] > 0 else "is not above its headline null"))
          + f" (effect size {pooled2['effect']:.1f}, p = {pooled2['p']:.2g})"
          + ("" if pooled2["beats_nulls"] else ", short of the book's rule (effect > 3 and every null)"))
    if pooled2["lifetime_bound"] > pooled2["top_h1"]:
        s += (f"; that persistence ran on landmarks whose error bound (lifetimes within {pooled2['lifetime_bound']:.2f}) "
              "exceeds the bar, so it is no evidence either way.")
    else:
        s += "."
    near = one2["median_distance"] < near_threshold
    s += (f" The most accurate network's second layer ({_pct(one2_accuracy)}) has {one2['loops']} large Mapper loop(s) "
          f"and a dense core at median distance {one2['median_distance']:.2f} from the primary circle ("
          + ("below" if near else "above") + f" the null threshold {near_threshold:.2f}); circle rule: {one2['verdict']}: "
          + {"reproduced": "the paper's single-network circle.",
             "partly": "a hint of the paper's single-network circle, not a reproduction."}.get(
              one2["verdict"], "no sign of the paper's single-network circle."))
    s += _evolution_sentence(evolution1, appear=400, broken=500, near_threshold=near_threshold)
    s += _closing(real, profile)
    return Caption(s)


def color_findings(*, profile: str, data: str, real: bool, runs, channels: dict, n_bars_nopool: int, fit: dict,
                   fit_untrained: dict, evolution1, near_threshold: float, paper_bars: int = 3):
    """The colour CIFAR chapter's "what we found" (Figs. 6-9), picked by this build's numbers.

    Parameters
    ----------
    profile, data, real, runs : as :func:`gray_findings`
    channels : dict, "all" / "R" / "G" / "B" -> :func:`cloud_summary` of that first-layer cloud
    n_bars_nopool : H1 bars above the null (:func:`significant_h1_bars`) without max-pooling
    fit, fit_untrained : :func:`model_fit` of the trained and the untrained dense core
    evolution1 : rows of :func:`evolution_mappers` for layer 1
    near_threshold : as :func:`gray_findings`

    Returns
    -------
    toponet.book.notebook.Caption
    """
    from toponet.book.notebook import Caption

    if not channels:
        raise ValueError("channels must hold at least one cloud summary")
    circ = [ch for ch, c in channels.items() if c["verdict"] == "reproduced"]
    s = _scale_head(profile, data, runs) + ": "
    dists = [c["median_distance"] for c in channels.values()]
    dist_txt = (f"{min(dists):.2f}" if max(dists) - min(dists) < 0.005 else f"{min(dists):.2f}-{max(dists):.2f}")
    if not circ:
        s += "**no primary circle** in the colour first layer, neither pooled over channels nor in any single channel"
        beat = [ch for ch, c in channels.items() if c["beats_nulls"]]
        s += (": every top $H_1$ bar is within its matched nulls" if not beat else
              f"; the top $H_1$ bar beats its nulls for {', '.join(beat)}, but the rest of the rule fails")
        s += (f", and the dense core's median distance to the circle ({dist_txt}) is "
              + ("that of random filters" if min(dists) >= near_threshold else "below the null threshold in part")
              + f" (null threshold {near_threshold:.2f}). The paper's circle comes after 100K iterations on CIFAR-10; "
              f"after {runs[0][2]} iterations here we do not see it, "
              + ("a disagreement that only a longer run (the `paper` profile) can settle." if profile != "paper"
                 else "a disagreement with the paper at its own scale."))
    else:
        s += (f"the colour first layer shows the **primary circle** by the book's rule for {', '.join(circ)}"
              + (" (all channels pooled and each alone), as the paper says." if len(circ) == len(channels)
                 else f", not for {', '.join(ch for ch in channels if ch not in circ)}, where the paper sees it too."))
    s += (f" The no-pooling network shows {n_bars_nopool} $H_1$ bar(s) above the null (the paper: {paper_bars})"
          + (", as the paper." if n_bars_nopool == paper_bars else "."))
    more = fit["near_three"] > max(fit_untrained["near_three"], fit["null_near_three"])
    sec = fit["near_secondary_only"] > 2 * fit["null_near_secondary_only"]
    s += (f" The **three-circle model**: {_pct(fit['near_three'])} of the dense core lies near it against "
          f"{_pct(fit_untrained['near_three'])} before training and {_pct(fit['null_near_three'])} of random filters, and "
          f"{_pct(fit['near_secondary_only'])} lies on the secondary circles only, against "
          f"{_pct(fit['null_near_secondary_only'])} of random filters; ")
    if fit["median_three"] < fit["threshold"]:
        s += "the median filter is near the model" + (": a match." if more and sec else ", but the other signs are weak.")
    elif more or sec:
        s += "but the median filter is still far from the model, so this is a partial match."
    else:
        s += "the core is no nearer the model than random filters: no sign of it."
    s += _evolution_sentence(evolution1, appear=300, broken=500, near_threshold=near_threshold)
    s += _closing(real, profile)
    return Caption(s)
