"""The CIFAR-10 analyses of Sec. V.B (Figs. 3-9) that the generic pipeline does not cover.

- :func:`pick_experiment`: the real CIFAR-10 experiment when its files are present, else its
  stand-in twin (``toponet.data.natural``), with the data label every caption and verdict uses.
- :func:`count_clusters`: the number of clusters of a Mapper graph (Fig. 3's "five clusters").
- :func:`channel_clouds`: colour first-layer filters, all channels pooled and per channel (Fig. 6).
- :func:`evolution_mappers`: the Mapper graphs of one layer at each training snapshot (Figs. 5, 9),
  drawn as one grid by :func:`toponet.plots.mapper_grid`.
- :func:`model_fit`: each filter's distance to the primary circle and the three-circle model
  against gaussian filters (Fig. 8's histogram).
- :func:`gray_verdicts`, :func:`color_verdicts`: the chapters' verdict rows, from the calibrated
  rules of :mod:`toponet.cifar_rules` (one named function per claim, F3-F9).
- :func:`gray_findings`, :func:`color_findings`: the chapters' "what we found", from the same results.
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




# --- verdict rows: every verdict from a named rule of toponet.cifar_rules ---------------------

def _outcome_list(rule) -> str:
    parts = rule.extra.get("parts", {})
    return "; ".join(f"{name}: {'not testable here' if o is None else o}" for name, o in parts.items())


def _f3_ours(parts: dict) -> str:
    from toponet.cifar_rules import describe_claim

    out = []
    for lab, v in parts.items():
        cl = v["clusters"]
        lo, hi = cl.claimed
        use = ("criterion used" if cl.usable else
               f"criterion not used: its false-positive rate here is {cl.false_positive_rate:.0%} > 5%")
        out.append(f"{lab}: {cl.observed} Mapper clusters on {cl.n_core} points; null clouds with {lo}-{hi}: "
                   + ", ".join(f"{k} {cl.hits(k)}/{cl.draws}" for k in cl.null_counts)
                   + f" ({use}; power {'n/a' if cl.power is None else format(cl.power, '.0%')} on a five-cluster "
                   f"model); " + describe_claim("circle", v["circle"]))
    return "; ".join(out)


def _notes(*claims) -> str:
    notes = [f"{c.label} {c.note}" for c in claims if c.note]
    return (" (" + "; ".join(notes) + ")") if notes else ""


def _evolution_ours(rule, layers: dict) -> str:
    from toponet.cifar_rules import circle_summary

    s = "; ".join(f"{name} ({desc}): {circle_summary(rows)}" for name, (desc, rows) in layers.items())
    return s + f"; events: {_outcome_list(rule)}"


def gray_verdicts(*, profile: str, data: str, art, art0, acc: dict, acc0: dict, f3_parts: dict, f3, pooled2, one2,
                  f4, evo1, evo2, f5, evo_desc=("", "")) -> list:
    """The grayscale chapter's rows F3, F4, F5 (:class:`toponet.verdicts.Verdict`).

    f3 / f4 / f5 : RuleResults of :func:`toponet.cifar_rules.f3_rule`, ``f4_rule``, ``f5_rule``;
    f3_parts : label -> dict(circle, clusters); pooled2, one2 : the F4 circle claims;
    evo1, evo2 : rows of :func:`toponet.cifar_rules.evolution_circles`; evo_desc : how each
    layer's snapshot clouds were made, in words.
    """
    from toponet.verdicts import Verdict

    T, T0 = art.iterations[-1], art0.iterations[-1]
    chapter = "CIFAR-10 gray"
    rows = [Verdict.from_rule(
        f3, claim_id="F3", claim="CIFAR gray layer 1: five clusters, no significant primary circle",
        paper="Fig. 3: 5 clusters for C(64,32,64) and C(64,0,64), no circle; acc 77.0% / 69.2% (70K)",
        ours=_f3_ours(f3_parts) + f"; acc {100 * acc['mean']:.1f}% / {100 * acc0['mean']:.1f}%",
        scale=f"{art.networks} x {T} and {art0.networks} x {T0} iterations ({profile})", data=data, chapter=chapter,
        networks=min(art.networks, art0.networks), iterations=T)]
    from toponet.cifar_rules import describe_claim

    rows.append(Verdict.from_rule(
        f4, claim_id="F4", claim="CIFAR gray layer 2: a circle in the barcodes, the primary circle in one network",
        paper="Fig. 4: circle in barcodes of rho(15,0.1) (100 x 50K); primary circle in 1 x 60K at rho(75,0.37)",
        ours=(describe_claim("pooled layer 2", pooled2) + "; " + describe_claim("one network's layer 2", one2)
              + _notes(pooled2, one2) + "; the Mapper picture is not in the rule (not calibrated)"),
        scale=f"{art.networks} x {T} ({profile}); k = {pooled2.test.k} and {one2.test.k}", data=data, chapter=chapter,
        networks=art.networks, iterations=T))
    stored = [it for it in art.stored_iterations("conv1") if it > 0]
    note = ("" if len(evo1) >= len(stored) else
            " Snapshots tested: a subset (99 draws per null at each), for the time budget.")
    rows.append(Verdict.from_rule(
        f5, claim_id="F5", claim="CIFAR gray training: circle at 400, broken at 500, back in layer 2 at 2000",
        paper="Fig. 5 (100 networks, iterations 100-2000)",
        ours=_evolution_ours(f5, {"layer 1": (evo_desc[0], evo1), "layer 2": (evo_desc[1], evo2)}) + note,
        scale=f"{art.networks} nets, iterations up to {T} ({profile})", data=data, chapter=chapter,
        networks=art.networks, iterations=T))
    return rows


def color_verdicts(*, profile: str, data: str, art, art_np, acc: dict, acc_np: dict, f6_claims: dict, f6,
                   f7_claim, f7, f8_test, f8, evo1, evo2, f9, evo_desc=("", "")) -> list:
    """The colour chapter's rows F6, F7, F8, F9 (:class:`toponet.verdicts.Verdict`), from
    :func:`toponet.cifar_rules.f6_rule`, ``f7_rule``, ``f8_rule``, ``f9_rule``."""
    from toponet.cifar_rules import describe_claim
    from toponet.verdicts import Verdict

    T, T_np = art.iterations[-1], art_np.iterations[-1]
    chapter = "CIFAR-10 colour"
    scale = f"{art.networks} x {T} iterations ({profile})"
    rows = [Verdict.from_rule(
        f6, claim_id="F6", claim="CIFAR colour layer 1: primary circle, all channels and each of R, G, B",
        paper="Fig. 6: primary circle in 60 x 100K (11,520 pts, rho(200,0.14)) and per channel; acc 81.2%",
        ours="; ".join(describe_claim(ch, c) for ch, c in f6_claims.items()) + _notes(*f6_claims.values())
        + f"; acc {100 * acc['mean']:.1f} +- {100 * acc['sd']:.1f}%",
        scale=scale, data=data, chapter=chapter, networks=art.networks, iterations=T)]
    t7 = f7_claim.test
    sure, most = t7.long_bars()
    rows.append(Verdict.from_rule(
        f7, claim_id="F7", claim="C(48,0,64) without max-pooling: two circles meeting in two points (3 H1 bars)",
        paper="Fig. 7: 3 long H1 bars (82 x 30K, rho(200,0.32)); acc 71.8%",
        ours=(f"{sure} H1 bar(s) surely beat both nulls (at most {most}); top bars "
              + ", ".join(f"{b[0]:.2f}" for b in t7.bars) + f" on {t7.n_core} points; "
              + describe_claim("top bar", f7_claim)
              + f"; circle power {f7.extra['circle_power']:.0%}, on a two-circle model: 3-bar power "
              + ("n/a" if f7.power is None else f"{f7.power:.0%}")
              + ("" if f7.extra.get("power_any") is None else f", at least one bar {f7.extra['power_any']:.0%}")
              + f"; Mapper not in the rule; acc {100 * acc_np['mean']:.1f} +- {100 * acc_np['sd']:.1f}%"),
        scale=f"{art_np.networks} x {T_np} ({profile}), k = {t7.k}", data=data, chapter=chapter,
        networks=art_np.networks, iterations=T_np))
    rows.append(Verdict.from_rule(
        f8, claim_id="F8", claim="CIFAR colour layer 1 follows the three-circle (Klein bottle) model",
        paper="Fig. 8: primary + two secondary circles at rho(100,0.35) (60 or 100 x 100K)",
        ours=f8_test.describe() + "; beyond second order: "
        + {True: "yes", False: "no", None: "not tested"}[f8.extra.get("beyond_second_order")],
        scale=f"{scale}, k = {f8_test.k}", data=data, chapter=chapter, networks=art.networks, iterations=T))
    note = " Snapshots tested: a subset (99 draws per null at each), for the time budget."
    rows.append(Verdict.from_rule(
        f9, claim_id="F9", claim="CIFAR colour training: circle at 300, broken at 500, back at 1500; layer 2 at 1000",
        paper="Fig. 9 (60 networks, iterations 100-1500)",
        ours=_evolution_ours(f9, {"layer 1": (evo_desc[0], evo1), "layer 2": (evo_desc[1], evo2)}) + note,
        scale=f"{art.networks} nets, iterations up to {T} ({profile})", data=data, chapter=chapter,
        networks=art.networks, iterations=T))
    return rows


# --- "what we found", computed from the results (no result number is written into a chapter) ---

def _events_sentence(rule, paper: str) -> str:
    summ = rule.extra.get("summary", {})
    s = (" During training (the circle rule at each tested snapshot): "
         + "; ".join(f"{name}: {txt.split('; tested')[0]}" for name, txt in summ.items())
         + f". The paper: {paper}. By event: {_outcome_list(rule)}")
    return s + f"; verdict **{rule.verdict}**."


def gray_findings(*, profile: str, data: str, real: bool, runs, f3_parts: dict, f3, pooled2, one2, f4, f5):
    """The grayscale chapter's "what we found" (Figs. 3-5), picked by this build's results.

    runs : list of (label, networks, iterations, accuracy) (:func:`run_sentence`);
    f3_parts : label -> dict(circle=CircleClaim, clusters=ClusterTest); f3, f4, f5 : the
    RuleResults of :mod:`toponet.cifar_rules`; pooled2, one2 : F4's circle claims.
    Returns a :class:`toponet.book.notebook.Caption`.
    """
    from toponet.book.notebook import Caption
    from toponet.cifar_rules import describe_claim

    if not f3_parts:
        raise ValueError("f3_parts must name at least one architecture")
    s = _scale_head(profile, data, runs) + ": "
    counts = ", ".join(f"${lab}$ {v['clusters'].observed}" for lab, v in f3_parts.items())
    s += f"the first layer falls into Mapper clusters: {counts} (the paper: 5). "
    unusable = [lab for lab, v in f3_parts.items() if not v["clusters"].usable]
    if unusable:
        worst = max(v["clusters"].false_positive_rate for v in f3_parts.values())
        s += (f"At this size the cluster count cannot tell trained filters from noise: up to {worst:.0%} of gaussian or "
              "shuffled null clouds of the same size also fall into 4-6 clusters, so the criterion is not used "
              f"({', '.join('$' + u + '$' for u in unusable)}). ")
    else:
        s += "The cluster criterion is usable here (at most 5% of null clouds pass it). "
    s += "Circles: " + "; ".join(describe_claim(f"${lab}$", v["circle"]) for lab, v in f3_parts.items())
    s += f". **F3: {f3.verdict}**."
    s += (" Second layer: " + describe_claim("pooled", pooled2) + "; " + describe_claim("one network", one2)
          + f". **F4: {f4.verdict}** (the Mapper picture of one network is shown, not counted).")
    s += _events_sentence(f5, "a circle in layer 1 at 400, broken at 500, in layer 2 at 2000")
    s += _closing(real, profile)
    return Caption(s)


def color_findings(*, profile: str, data: str, real: bool, runs, f6_claims: dict, f6, f7_claim, f7, f8_test, f8,
                   f9):
    """The colour chapter's "what we found" (Figs. 6-9), picked by this build's results
    (RuleResults of :mod:`toponet.cifar_rules` and what they rest on)."""
    from toponet.book.notebook import Caption
    from toponet.cifar_rules import describe_claim

    if not f6_claims:
        raise ValueError("f6_claims must hold at least one circle claim")
    s = _scale_head(profile, data, runs) + ": "
    circ = [ch for ch, c in f6_claims.items() if c.exists]
    s += ("the circle rule finds a circle in " + (", ".join(circ) if circ else "none of the clouds") + " ("
          + "; ".join(describe_claim(ch, c) for ch, c in f6_claims.items()) + f"). **F6: {f6.verdict}**"
          + (": with power below 80% a missing circle is no evidence of absence." if f6.verdict == "inconclusive"
             else "."))
    sure, most = f7_claim.test.long_bars()
    s += (f" Without max-pooling, {sure} $H_1$ bar(s) surely beat both nulls (at most {most}; the paper: 3); "
          f"**F7: {f7.verdict}**.")
    s += (f" Three-circle model: {f8_test.describe()}. **F8: {f8.verdict}**"
          + {True: "; the covariance-matched null does not produce it (beyond second order).",
             False: "; the covariance-matched null does as well (no evidence beyond second order).",
             None: "."}[f8.extra.get("beyond_second_order")])
    s += _events_sentence(f9, "a circle in layer 1 at 300, broken at 500, back at 1500; in layer 2 at 1000")
    s += _closing(real, profile)
    return Caption(s)
