"""Chapter 01 (``notebooks/01_mnist.py``; paper Sec. V.A, Fig. 2 and its robustness
variants, claims F2, F2b, F2c and UMass's U3): what the chapter calls, so the notebook holds no logic.

The notebook makes one call, :func:`run_chapter`, which returns a frozen :class:`MnistChapter`
(every computed result and the verdict rows); its methods draw the figures
(``layer1_mapper_figure``, ...), and write the captions (:meth:`MnistChapter.caption`) and
readings (:meth:`MnistChapter.reading`) of Fig. 2a-2i from it.

Shared with other chapters (re-exported here, defined in :mod:`toponet.chapters._common`):
:func:`accuracy_summary`, :func:`evolution`, :func:`circle_claim`, :func:`null_distance_threshold`;
from the layers below: :func:`toponet.experiments.load_or_train` (the stored artifact of an
experiment at a profile, trained if missing) and :func:`toponet.filters.pooled_filters`.

- :func:`group_statistics`: the top H1 lifetime of rho(k, p) over disjoint groups of
  networks (independent seeds), for trained and untrained networks and a gaussian null.
- :func:`parameter_sweep`: how the top H1 bar and the Mapper graph respond to k and p.
- :func:`circle_claim`: the calibrated circle rule (:mod:`toponet.circle_decision`) on one cloud, with
  its calibration at that size (:mod:`toponet.calibration`); :func:`circle_evidence` and
  :func:`variant_table` apply it to artifacts (F2, F2b), :func:`layer_comparison` to F2c.
- the readings of its figures (:func:`groups_reading`, :func:`sweep_reading`, :func:`layer2_reading`,
  and the shared ones of :mod:`toponet.chapters._readings`), filled from this build's results.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toponet._validation import check_fraction, check_int
from toponet.analysis import PAPER_POINTS_FIG2, filtered_top_h1, group_top_h1, scaled_k
from toponet import plots
from toponet.book.notebook import Caption, Reading, caption, cloud_label, verdict_block, what_to_see
from toponet.chapters._common import accuracy_summary, evolution, null_distance_threshold
from toponet.chapters._readings import (barcode_reading, distance_reading, evolution_reading, mapper_reading,
                                        rule_outcome)
from toponet.chapters._templates import render
from toponet.paper_claims import circle_claim
from toponet.density import density_filtration
from toponet.experiments import experiment, load_or_train
from toponet.train import TEST_EVAL_SIZE
from toponet.filters import normalize, pooled_filters
from toponet.homology import persistence
from toponet.ideal import distance_to_model, gaussian_filters
from toponet.mapper import Mapper
from toponet.nulls import compare_groups
from toponet.circle_decision import DRAWS, RuleResult, aggregate_verdict, combined_record, second_order_null
from toponet.verdict_record import Verdict

__all__ = ["validate", "group_statistics", "parameter_sweep", "circle_evidence", "variant_table", "layer_comparison",
           "mnist_verdicts", "groups_reading", "sweep_reading", "layer2_reading", "MnistChapter", "run_chapter",
           "sweep_ks", "WIDTHS", "VARIANTS", "FIGURES"]


def validate(params) -> dict:
    """The chapter's own checks on top of :func:`toponet.book.validate_parameters`.

    The notebook calls both in its first cell, and ``python -m toponet.book run`` calls both
    before anything runs. ``k`` is the paper's k for its cloud of :data:`PAPER_POINTS_FIG2`
    (6,400) filters, so it lies below that; ``p`` must keep at least the points Mapper needs
    (:attr:`toponet.mapper.Mapper.min_points`) of the pooled first-layer cloud (``networks``
    x the first layer's width filters). Returns {"k", "p", "n_points"}.
    """
    k = check_int(params["k"], name="k", low=1)
    if k >= PAPER_POINTS_FIG2:
        raise ValueError(f"k={k}: the paper's k for its {PAPER_POINTS_FIG2:,} filters (rescaled to our cloud) must "
                         f"be below {PAPER_POINTS_FIG2:,} (the paper: 200)")
    p = check_fraction(params["p"], name="p")
    networks = check_int(params["networks"], name="networks", low=1)
    width = experiment("mnist").config.widths[0]
    n, need = networks * width, Mapper(resolution=params["resolution"], gain=params["gain"]).min_points
    if round(p * n) < need:
        raise ValueError(f"p={p:g} keeps {round(p * n):,} of the {n:,} first-layer filters ({networks} networks x "
                         f"{width}); Mapper of the core needs at least {need} (raise p or networks)")
    return dict(k=k, p=p, n_points=n)


@dataclass(frozen=True)
class GroupStatistics:
    """Top H1 lifetimes of rho(k, p) over disjoint groups of networks.

    Attributes
    ----------
    values : dict name -> ndarray (n_groups,), e.g. "trained", "untrained", "gaussian"
    group_size : networks per group; points_per_group : filters per group
    k, p : the density filtration used on every group (k already scaled)
    """

    values: dict
    group_size: int
    points_per_group: int
    k: int
    p: float

    def comparison(self, a: str = "trained", b: str = "untrained"):
        """:func:`toponet.nulls.compare_groups` of two of the samples."""
        return compare_groups(self.values[a], self.values[b])


def group_statistics(samples: dict, *, group_size: int, k: int, p: float,
                     gaussian: bool = True, seed: int = 0) -> GroupStatistics:
    """Top H1 lifetime per disjoint group of ``group_size`` networks, for each sample.

    Parameters
    ----------
    samples : dict name -> ndarray of shape (n_networks, out, in, 3, 3)
        E.g. {"trained": weights at the last snapshot, "untrained": weights at iteration 0}.
        Networks are grouped in order: seeds 0..g-1 form group 0, and so on.
    group_size : networks per group (groups are independent: disjoint seeds)
    k, p : density filtration applied to each group's cloud
    gaussian : add a "gaussian" sample: normalized gaussian filters, as many groups and points
    """
    group_size = check_int(group_size, name="group_size", low=1)
    p = check_fraction(p, name="p")
    stats, last = {}, list(samples)[-1]
    for name, W in samples.items():
        if np.shape(W)[0] // group_size < 2:
            raise ValueError(f"{name}: {np.shape(W)[0]} networks make fewer than 2 groups of {group_size}")
        stats[name] = group_top_h1(W, group_size=group_size, k=k, p=p, gaussian=gaussian and name == last, seed=seed)
    values = {name: s.values for name, s in stats.items()}
    per_group = stats[last].points_per_group
    if gaussian:  # the last sample's null (groups of its size), over as many groups as the smallest sample
        values["gaussian"] = stats[last].gaussian[:min(v.size for v in values.values())]
    return GroupStatistics(values=values, group_size=group_size, points_per_group=int(per_group), k=k, p=p)


def parameter_sweep(points: np.ndarray, ks, ps, *, resolution: int = 30, gain: float = 3.0,
                    mapper: bool = True, seed: int = 0) -> list[dict]:
    """Top two H1 lifetimes and the Mapper graph's cycles of rho(k, p) over a grid of k and p.

    ``points`` are raw filters (n, 9). Returns one dict per (k, p) with keys k, p, n_kept,
    h1_top, h1_second, h1_ratio (top / second, inf when there is one bar), mapper_betti1,
    mapper_large_loops,
    mapper_components and frac_near_circle (share of the kept points within 0.3 of the
    primary circle).
    """

    Xn, _ = normalize(points)
    rows = []
    for k in ks:
        for p in ps:
            kept = density_filtration(Xn, int(k), float(p))
            life = persistence(kept, maxdim=1, seed=seed).lifetimes(1)
            top = float(life[0]) if life.size else 0.0
            second = float(life[1]) if life.size > 1 else 0.0
            row = dict(k=int(k), p=float(p), n_kept=int(kept.shape[0]), h1_top=top, h1_second=second,
                       h1_ratio=top / second if second > 0 else float("inf"),
                       frac_near_circle=distance_to_model(kept).fraction_within)
            if mapper:
                m = Mapper(resolution=resolution, gain=gain, layout_seed=seed).fit(kept)
                row.update(mapper_betti1=int(m.betti1_), mapper_large_loops=int(m.n_large_loops_),
                           mapper_components=int(m.n_components_))
            rows.append(row)
    return rows


def circle_evidence(artifact, *, layer: str = "conv1", k_paper: int, p: float, n_points_paper: int,
                    resolution: int = 30, gain: float = 3.0, draws: int = DRAWS, seed: int = 0,
                    n_groups: int = 4, mapper: bool = True) -> dict:
    """The circle claim for one artifact's layer at its last snapshot, plus what the figures show.

    Pools the layer's filters, rescales k from the paper's cloud of ``n_points_paper``
    (:func:`toponet.analysis.scaled_k`, floored at 5), and returns
    a dict with ``claim`` (:class:`toponet.paper_claims.CircleClaim`: test, calibration, rule), ``result`` (the
    exact persistence and Mapper of the same dense core for the figures,
    :func:`toponet.analysis.analyze_filters` without its own nulls), ``groups`` (top H1 over
    disjoint seed groups, trained / untrained / gaussian: reported, not in the rule),
    ``untrained_top_h1`` (the same pipeline on the networks at iteration 0) and ``k``.
    """

    W = artifact.conv_weights(layer)
    X = pooled_filters(W)
    k = scaled_k(k_paper, X.shape[0], n_points_paper)
    claim = circle_claim(X, k=k, p=p, draws=draws, seed=seed, max_core=None)
    result = claim.analysis(resolution=resolution, gain=gain, seed=seed, mapper=mapper)   # the core it tested
    group_size = max(1, artifact.networks // n_groups)
    per_group = X.shape[0] // artifact.networks * group_size
    kg = scaled_k(k_paper, per_group, n_points_paper)
    groups = group_statistics({"trained": W, "untrained": artifact.conv_weights(layer, 0)},
                              group_size=group_size, k=kg, p=p, seed=seed) if artifact.networks >= 2 * group_size else None
    untrained = filtered_top_h1(pooled_filters(artifact.conv_weights(layer, 0)), k=k, p=p, seed=seed,
                                n_landmarks=None)
    return dict(claim=claim, result=result, groups=groups, k=k, untrained_top_h1=untrained,
                verdict=claim.rule)


def variant_table(experiments, profile: str, *, iterations: int | None = None, k_paper: int = 200,
                  p: float = 0.3, resolution: int = 30, gain: float = 3.0, seed: int = 0,
                  device: str = "auto", draws: int = DRAWS) -> list[dict]:
    """The circle claim for the first layer of several experiments (e.g. the robustness
    architectures), one row each, by the same calibrated rule as Fig. 2. ``k_paper`` refers to
    the paper's 100 networks of each architecture (100 x its first-layer width filters)."""
    rows = []
    for name in experiments:
        art = load_or_train(name, profile, iterations=iterations, device=device)
        width = art.conv_weights("conv1").shape[1]
        X = pooled_filters(art.conv_weights("conv1"))
        n = normalize(X)[0].shape[0]
        k = scaled_k(k_paper, n, 100 * width)
        claim = circle_claim(X, k=k, p=p, draws=draws, seed=seed, max_core=None)
        t, rule = claim.test, claim.rule
        acc = accuracy_summary(art)
        rows.append(dict(experiment=name, arch=art.arch, networks=art.networks, iterations=art.iterations[-1],
                         test_accuracy=f"{100 * acc['mean']:.2f} +- {100 * acc['sd']:.2f}",
                         filters=t.n_points, k=t.k, kept=t.n_core, top_h1=round(t.top[0], 3),
                         p_gaussian=t.nulls["gaussian"].p, p_shuffled=t.nulls["shuffled"].p,
                         p_second_order=second_order_null(t).p, draws=t.draws,
                         power=None if rule.power is None else round(rule.power, 2),
                         verdict=rule.verdict, rule=rule))
    return rows


def layer_comparison(layer1_claim: dict, X2_raw, *, k_paper: int = 10, p: float = 0.1,
                     n_points_paper: int = 204_800, draws: int = DRAWS, seed: int = 0) -> dict:
    """F2c: is layer 2's circle present and weaker than layer 1's, compared at the same size?

    Layer 2's raw filters are subsampled (seeded) to layer 1's filter count, so both tests run
    on clouds of the same size against nulls of that size (a comparison across sizes would be
    decided by n: the nulls' spread shrinks as the cloud grows). k is the paper's k for layer 2
    rescaled to that size (floored at 5). "Weaker" compares effect sizes against the gaussian
    null. Returns dict(claim (layer 2's circle_claim), weaker, effect1, effect2, n, verdict,
    reasons).
    """

    t1 = layer1_claim.test
    X2 = np.asarray(X2_raw, dtype=np.float64)
    n = min(t1.n_points, X2.shape[0])
    idx = np.sort(np.random.default_rng(seed).choice(X2.shape[0], size=n, replace=False))
    k2 = scaled_k(k_paper, n, n_points_paper)
    claim = circle_claim(X2[idx], k=k2, p=p, draws=draws, seed=seed, one_bar=False, max_core=None)
    t2, rule2 = claim.test, claim.rule
    e1, e2 = t1.nulls["gaussian"].effect_size, t2.nulls["gaussian"].effect_size
    weaker = bool(e2 < e1)
    if rule2.verdict == "reproduced":
        verdict = "reproduced" if weaker else "partly"
    else:
        verdict = rule2.verdict          # not reproduced (powered) or inconclusive
    reasons = (*rule2.reasons, f"effect size vs gaussian null: layer 2 {e2:.1f} vs layer 1 {e1:.1f} "
               f"({'weaker' if weaker else 'not weaker'}), both on {n:,} filters")
    return dict(claim=claim, weaker=weaker, effect1=e1, effect2=e2, n=n, k=k2,
                verdict=RuleResult(verdict=verdict, reasons=reasons, nulls=rule2.nulls, power=rule2.power,
                                   false_positive_rate=rule2.false_positive_rate,
                                   cloud_points=rule2.cloud_points))


def _beyond(test) -> str:
    b = test.beyond_second_order
    c = second_order_null(test)
    if b is None or c is None:
        return ""
    return (f"; beyond second order: {'yes' if b else 'not shown'} ({c.kind} null "
            f"{c.null_mean:.2f} +- {c.null_sd:.2f}, {c.describe()})")


def mnist_verdicts(*, layer1: dict, variants: list[dict], layer2: dict, art, acc: dict, profile: str) -> list:
    """The MNIST chapter's verdict rows (F2, F2b, F2c, U3), every number from the tests run.

    ``layer1`` from :func:`circle_evidence`, ``variants`` from :func:`variant_table`, ``layer2`` from
    :func:`layer_comparison`, ``art``/``acc`` the Fig. 2 artifact and its accuracy summary.
    """

    T = art.iterations[-1]
    scale = f"{art.networks} x {T} iterations ({profile}); test acc {100 * acc['mean']:.1f}%"
    common = dict(data="MNIST (real)", chapter="MNIST", networks=art.networks, iterations=T)
    t1, r1 = layer1["claim"].test, layer1["claim"].rule
    g = layer1["groups"]
    groups = ("" if g is None else f"; seed groups ({g.values['trained'].size} x {g.group_size} nets) "
              f"{g.values['trained'].mean():.2f} vs untrained {g.values['untrained'].mean():.2f}")
    ours1 = (f"{t1.describe()}; untrained networks {layer1['untrained_top_h1']:.2f}{_beyond(t1)}{groups}; "
             f"Mapper large loops {layer1['result'].mapper.n_large_loops_} (not in the rule)")
    rows = [Verdict.from_rule(r1, claim_id="F2", claim="MNIST layer 1 lies on the primary circle",
                              paper="Fig. 2: one long H1 bar, Mapper loop (100 x 40K)", ours=ours1, scale=scale,
                              **common)]
    vb = aggregate_verdict([r["verdict"] for r in variants],
                           [max(r["p_gaussian"], r["p_shuffled"]) for r in variants])
    nets = ", ".join(f"{r['arch']} {r['networks']}" for r in variants)
    oursb = "; ".join(f"{r['arch']}: top H1 {r['top_h1']:.2f} on {r['kept']} pts, gaussian p = {r['p_gaussian']:.2g}, "
                      f"shuffled p = {r['p_shuffled']:.2g} ({r['draws']} draws), power "
                      f"{'n/a' if r['power'] is None else format(r['power'], '.0%')}: {r['verdict']}" for r in variants)
    rec = combined_record(r["rule"] for r in variants)
    rows.append(Verdict(claim_id="F2b", claim="the circle in M(64,0,64), M(64,8,512), M(64,16,512), M(256,32,512)",
                        paper="primary circle in all four", ours=oursb,
                        scale=f"networks: {nets}; {variants[0]['iterations'] if variants else T} iterations ({profile})",
                        data="MNIST (real)", verdict=vb, chapter="MNIST",
                        networks=min((r["networks"] for r in variants), default=None), iterations=T,
                        **rec))
    t2, r2 = layer2["claim"].test, layer2["verdict"]
    ours2 = (f"layer 2 subsampled to {layer2['n']:,} filters (layer 1's count): {t2.describe()}; effect size vs "
             f"gaussian {layer2['effect2']:.1f} vs layer 1 {layer2['effect1']:.1f} "
             f"({'weaker' if layer2['weaker'] else 'not weaker'})")
    rows.append(Verdict.from_rule(r2, claim_id="F2c", claim="layer 2: a very weak primary circle",
                                  paper="rho(10, 0.1) of 204,800 filters: weak circle", ours=ours2,
                                  scale=f"{scale}; k = {layer2['k']}", **common))
    # UMass's claim ("it does not reproduce") holds exactly when ours fails
    u3 = {"reproduced": "not reproduced", "partly": "partly", "not reproduced": "reproduced"}.get(r1.verdict,
                                                                                                "inconclusive")
    rows.append(Verdict(claim_id="U3", claim="UMass: the MNIST circle does not reproduce",
                        paper="failed to reproduce (UMass Sec. 2.3)", ours=f"our Fig. 2 verdict: {r1.verdict}",
                        scale=scale, verdict=u3, nulls=dict(r1.nulls), power=r1.power,
                        false_positive_rate=r1.false_positive_rate, cloud_points=r1.cloud_points, **common))
    return rows


# --- readings: what to see in the figures, from this build's results ------------------------------

def groups_reading(groups) -> Reading:
    """The seed groups' reading: trained groups against the same networks untrained and gaussian clouds."""
    u, g = groups.comparison("trained", "untrained"), groups.comparison("trained", "gaussian")
    return what_to_see(
        "each dot is one disjoint group of {size} networks analysed alone. A circle that the training put there "
        "lifts every trained group above the same networks before training and above gaussian clouds of the same "
        "size, so look at the gap between the columns, not at one dot. Here trained vs untrained: Cohen's d = "
        "{du:.1f}, one-sided Welch p = {pu:.2g}; trained vs gaussian: d = {dg:.1f}, p = {pg:.2g}. A small group "
        "thinned to its densest points can lose its loop even for ideal filters, so this comparison is "
        "conservative.", size=groups.group_size, du=u.cohens_d, pu=u.welch_p_greater, dg=g.cohens_d,
        pg=g.welch_p_greater)


def sweep_reading(sweep, key: str) -> Reading:
    """A (k, p) heat map's reading: for the top/second ratio, the cells with a ratio of at least 2;
    for the share near the circle, its range."""
    if key == "h1_ratio":
        robust = [r for r in sweep if r["h1_ratio"] >= 2]
        return what_to_see(
            "each cell repeats the analysis at one $k$ (rows or columns as labelled) and one $p$; a ratio of the top "
            "to the second $H_1$ bar of 2 or more means one bar stands out, as a single circle's does. It holds in "
            "{n} of {total} cells; where it fails, Exercise 2 below asks whether $k$ or $p$ is to blame.",
            n=len(robust), total=len(sweep))
    vals = [r[key] for r in sweep]
    return what_to_see(
        "the share of the dense core within 0.3 of the primary circle at each $(k, p)$: a circle that is a property "
        "of the filters, not of one choice of parameters, keeps a high share over a range of cells. Here it runs "
        "from {lo:.0%} to {hi:.0%}.", lo=min(vals), hi=max(vals))


def layer2_reading(layer2: dict, near1: float, near2: float) -> Reading:
    """F2c's barcode reading: layer 2's circle test and its effect size beside layer 1's, at the same size."""
    test, rule = layer2["claim"].test, layer2["claim"].rule
    return what_to_see(
        "the paper finds a very weak primary circle in the second layer, much weaker than in the first. The cloud "
        "is {n:,} second-layer filters, as many as layer 1 has, so both layers are judged at the same size. Here "
        "{outcome}. Against the gaussian null its top bar has effect size {e2:.1f}, layer 1's {e1:.1f} ({weaker}); "
        "within 0.3 of the circle lie {near2:.1%} of its dense core against {near1:.1%} in layer 1.",
        n=layer2["n"], outcome=rule_outcome(test, rule), e2=layer2["effect2"], e1=layer2["effect1"],
        weaker="weaker" if layer2["weaker"] else "not weaker", near2=near2, near1=near1)


# --- the chapter in one call: its result, figures, captions and readings ---------------------------

#: The widths of the paper's MNIST network M(64, 32, 64), as every caption names its cloud.
WIDTHS = (64, 32, 64)
#: The robustness architectures of Sec. V.A (claim F2b), in the order of their table.
VARIANTS = ("mnist-M64-0-64", "mnist-M64-8-512", "mnist-M64-16-512", "mnist-M256-32-512")
#: The sweep's p values, and its k values as multiples of the rescaled paper k.
SWEEP_PS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
SWEEP_K_FACTORS = (0.25, 0.5, 1, 2, 4)
#: Fig. 2's second layer: the paper's rho(10, 0.1) of the second-layer filters.
LAYER2_K, LAYER2_P = 10, 0.1
#: The paper's test accuracy of M(64, 32, 64) at 40K iterations (Fig. 2's captions quote it).
PAPER_ACCURACY = 0.99
#: Fig. 2's panels, in the notebook's order (the keys of :meth:`MnistChapter.caption`).
FIGURES = ("2a", "2b", "2c", "2d", "2e", "2f", "2g", "2h", "2i")

_MAPPER_LOOK = (
    "whether the graph closes into a loop whose nodes carry edge filters turning through all angles; the strip "
    "under it reads the loop left to right, and for a primary circle the edge turns once through every orientation. "
    "With a few hundred points under a {resolution} x {resolution} cover the ring can show gaps")


@dataclass(frozen=True)
class MnistChapter:
    """Everything chapter 01 computed, in the order the notebook shows it (Fig. 2a-2i, the verdicts).

    Attributes
    ----------
    profile : str
        The build profile the networks come from.
    k, p : int, float
        The paper's k (for its 6,400 filters) and the fraction rho(k, p) keeps.
    resolution, gain : int, float
        Mapper(resolution, gain) of the pictures.
    seed : int
        Seed of the null clouds, landmarks, subsamples and layouts.
    artifact : toponet.store.Artifact
        The stored networks M(64, 32, 64) of Fig. 2.
    accuracy : dict
        :func:`accuracy_summary` of ``artifact`` at its last snapshot (mean, sd, n, values).
    layer1 : dict
        :func:`circle_evidence` of the first layer (claim, result, groups, k, untrained_top_h1, verdict).
    layer1_filters, untrained_filters : ndarray of shape (n_networks * 64, 9)
        The pooled raw first-layer filters at the last snapshot and at iteration 0.
    distances : dict str -> ndarray of shape (n_networks * 64,)
        Distance of each normalized filter to the primary circle (0 to 2): "trained",
        "untrained", "gaussian" (as many gaussian filters).
    near_threshold : float
        "Near the circle": the 5 % quantile of gaussian filters' distances (:func:`null_distance_threshold`).
    evolution : list of dict
        :func:`evolution` rows, one per stored snapshot.
    sweep : list of dict
        :func:`parameter_sweep` rows, one per (k, p), in order of k then p.
    variants : list of dict
        :func:`variant_table` rows, one per architecture of :data:`VARIANTS`.
    layer2_filters : ndarray of shape (n_networks * 64 * 32, 9)
        The pooled raw second-layer filters.
    layer2 : dict
        :func:`layer_comparison` of the second layer against the first (F2c).
    layer2_analysis : toponet.analysis.AnalysisResult
        Exact persistence and Mapper of the second-layer subsample the comparison tested.
    rows : tuple of toponet.verdict_record.Verdict
        The verdict rows F2, F2b, F2c, U3 (:func:`mnist_verdicts`).
    """

    profile: str
    k: int
    p: float
    resolution: int
    gain: float
    seed: int
    artifact: object
    accuracy: dict
    layer1: dict
    layer1_filters: np.ndarray
    untrained_filters: np.ndarray
    distances: dict
    near_threshold: float
    evolution: list
    sweep: list
    variants: list
    layer2_filters: np.ndarray
    layer2: dict
    layer2_analysis: object
    rows: tuple

    # -- what the figures and captions share ----------------------------------------------------
    @property
    def iterations(self) -> int:
        """Batch iterations of the last snapshot (Fig. 2's networks)."""
        return int(self.artifact.iterations[-1])

    @property
    def layer1_analysis(self):
        """:func:`toponet.analysis.analyze_filters` of the first layer's dense core (Fig. 2a, 2b)."""
        return self.layer1["result"]

    @property
    def layer1_k(self) -> int:
        """The paper's k rescaled to the first layer's cloud."""
        return self.layer1["k"]

    def summary(self) -> str:
        """What was analysed and how well the networks learned, as printed under the parameters.

        Returns
        -------
        str
            Two lines: networks, architecture, iterations and test accuracy (mean +- sd, in %) beside
            the paper's; the first layer's cloud (filters, k, filters kept, persistence method).
        """
        acc, summary = self.accuracy, self.layer1_analysis.summary()
        return (f"{self.artifact.networks} networks {self.artifact.arch}, {self.iterations} iterations; test accuracy "
                f"{100 * acc['mean']:.2f} +- {100 * acc['sd']:.2f} % (n = {acc['n']}); paper: about 99.0 % at 40K\n"
                f"{summary['n_points']} filters, k = {self.layer1_k} (paper: {self.k} for {PAPER_POINTS_FIG2}), "
                f"{summary['n_kept']} kept; persistence: {summary['persistence_method']}")

    def circle_test_description(self) -> str:
        """The first layer's circle test against its nulls and the rule's calibration at its size.

        Returns
        -------
        str
            Two lines: :meth:`toponet.circle_decision.CircleTest.describe` and the calibration's description.
        """
        claim = self.layer1["claim"]
        return f"{claim.test.describe()}\ncalibration at this size: {claim.calibration.describe()}"

    def verdict_block(self) -> str:
        """Fig. 2's verdict (claim F2) and the rule's reasons, indented under it.

        Returns
        -------
        str
            The verdict on the first line, each reason on its own line indented by two spaces.
        """
        rule = self.layer1["verdict"]
        return verdict_block(rule.verdict, rule.reasons)

    def variant_rows(self) -> list[dict]:
        """The robustness table: :attr:`variants` without the rule objects.

        Returns
        -------
        list of dict
            One row per architecture, the columns :func:`toponet.book.show_table` shows.
        """
        return [{key: val for key, val in r.items() if key != "rule"} for r in self.variants]

    def _cloud(self, layer: int = 1, *, networks: int | None = None, k: int | None = None,
               p: float | None = None) -> str:
        return cloud_label(networks=networks or self.artifact.networks, layer=layer, iterations=self.iterations,
                           widths=WIDTHS, k=k, p=p)

    # -- figures ---------------------------------------------------------------------------------
    def layer1_mapper_figure(self):
        """Fig. 2a: Mapper of the first layer's dense core, with the mean filters along its loop.

        Returns
        -------
        matplotlib.figure.Figure
        """
        mapper = self.layer1_analysis.mapper
        return plots.mapper_overview(mapper, title=f"Mapper({self.resolution}, {self.gain:g}): {mapper.n_nodes_} nodes")

    def layer1_barcode_figure(self):
        """Fig. 2b: barcodes (H0, H1) of the first layer's dense core.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.barcode_plot(self.layer1_analysis.persistence, title="Barcodes, first layer")

    def groups_figure(self):
        """Fig. 2c: top H1 lifetime per disjoint seed group, trained / untrained / gaussian.

        Returns
        -------
        matplotlib.figure.Figure
        """
        groups = self.layer1["groups"]
        return plots.statistic_strip(groups.values, title=f"top $H_1$ per group of {groups.group_size} networks")

    def distance_figure(self):
        """Fig. 2d: distance of every first-layer filter to the primary circle.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.distance_histogram(self.distances, threshold=self.near_threshold,
                                        title="distance to the primary circle")

    def evolution_figure(self):
        """Fig. 2e: top H1 bar, share of the core near the circle and test accuracy over training.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.evolution_plot(self.evolution, keys=("h1_top", "frac_near_circle_core", "test_accuracy"),
                                    labels={"h1_top": "top $H_1$ lifetime",
                                            "frac_near_circle_core": "dense core near circle",
                                            "test_accuracy": "test accuracy"})

    def sweep_figure(self, key: str):
        """Fig. 2f (``key="h1_ratio"``) or 2g (``key="frac_near_circle"``): the (k, p) sweep as a heat map.

        Parameters
        ----------
        key : {"h1_ratio", "frac_near_circle"}
            The top / second H1 ratio, or the dense core's share within 0.3 of the circle.

        Returns
        -------
        matplotlib.figure.Figure
        """
        if key == "h1_ratio":
            return plots.sweep_heatmap(self.sweep, "h1_ratio", title="top / second $H_1$ lifetime")
        if key == "frac_near_circle":
            return plots.sweep_heatmap(self.sweep, "frac_near_circle", title="dense core within 0.3 of the circle",
                                       cap=None)
        raise ValueError(f"key={key!r}: the sweep's figures are 'h1_ratio' and 'frac_near_circle'")

    def layer2_barcode_figure(self):
        """Fig. 2h: barcodes of the second-layer subsample's dense core.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.barcode_plot(self.layer2_analysis.persistence, title="Barcodes, second layer")

    def layer2_mapper_figure(self):
        """Fig. 2i: Mapper of the second-layer subsample's dense core.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return plots.mapper_figure(self.layer2_analysis.mapper,
                                   title=f"Mapper({self.resolution}, {self.gain:g}), second layer")

    # -- captions and readings -------------------------------------------------------------------
    def caption(self, figure: str) -> Caption:
        """The caption of Fig. ``figure`` ("2a" to "2i"): what it shows, its cloud, profile and accuracy.

        Parameters
        ----------
        figure : str
            One of "2a", ..., "2i" (the figures in the notebook's order, :data:`FIGURES`).

        Returns
        -------
        toponet.book.Caption
            The wording of ``templates/mnist_captions.md`` in :func:`toponet.book.caption`'s frame.

        Raises
        ------
        ValueError
            For a figure not in :data:`FIGURES`.
        """
        if figure not in FIGURES:
            raise ValueError(f"figure={figure!r}: chapter 01 shows figures 2a to 2i")
        p = self.p
        layer1 = self._cloud(1, k=self.layer1_k, p=p)
        layer2 = self._cloud(2, k=self.layer2["k"], p=LAYER2_P)
        cloud = {"2a": layer1, "2b": layer1, "2e": layer1, "2h": layer2, "2i": layer2}.get(figure, self._cloud(1))
        values = {}
        if figure in ("2a", "2i"):
            values = {"resolution": self.resolution, "gain": self.gain}
        elif figure == "2b":
            values = {"method": self.layer1_analysis.summary()["persistence_method"]}
        elif figure == "2c":
            g = self.layer1["groups"]
            values = {"k": g.k, "p": p, "group_size": g.group_size, "points": g.points_per_group}
            cloud = self._cloud(1, networks=g.group_size, k=g.k, p=p)
        elif figure == "2e":
            values = {"test_subset": TEST_EVAL_SIZE}
        elif figure == "2f":
            values = {"choices": len(self.sweep)}
        elif figure == "2h":
            values = {"n": self.layer2["n"], "total": self.layer2_filters.shape[0],
                      "method": self.layer2_analysis.summary()["persistence_method"]}
        paper = PAPER_ACCURACY if figure in ("2a", "2b") else None
        return caption(render("mnist_captions", figure=figure, **values), cloud=cloud, profile=self.profile,
                       accuracy=list(self.accuracy["values"]), paper_accuracy=paper, figure=figure)

    def reading(self, figure: str) -> Reading:
        """The "What to see" of Fig. ``figure`` ("2a" to "2i"), filled from this build's results.

        Parameters
        ----------
        figure : str
            One of "2a", ..., "2i".

        Returns
        -------
        toponet.book.Reading
        """
        if figure in ("2a", "2b"):
            test, rule = self.layer1["claim"].test, self.layer1["claim"].rule
            return (mapper_reading(self.layer1_analysis.mapper, test, rule,
                                   look=_MAPPER_LOOK.format(resolution=self.resolution)) if figure == "2a"
                    else barcode_reading(test, rule))
        if figure == "2c":
            return groups_reading(self.layer1["groups"])
        if figure == "2d":
            near = {name: float(np.mean(d <= self.near_threshold)) for name, d in self.distances.items()}
            core = self.layer1_analysis.distance_primary[self.layer1_analysis.kept_index]
            return distance_reading({**near, "dense core (trained)": float(np.mean(core <= self.near_threshold))},
                                    self.near_threshold)
        if figure == "2e":
            return evolution_reading(self.evolution)
        if figure in ("2f", "2g"):
            return sweep_reading(self.sweep, "h1_ratio" if figure == "2f" else "frac_near_circle")
        if figure == "2h":
            near = "frac_near_primary_circle_filtered"
            return layer2_reading(self.layer2, self.layer1_analysis.summary()[near],
                                  self.layer2_analysis.summary()[near])
        if figure == "2i":
            claim = self.layer2["claim"]
            return mapper_reading(self.layer2_analysis.mapper, claim.test, claim.rule)
        raise ValueError(f"figure={figure!r}: chapter 01 shows figures 2a to 2i")

    # -- for the exercises -----------------------------------------------------------------------
    def filter_sample(self, n: int = 640) -> tuple[np.ndarray, int]:
        """A seeded random sample of the first-layer filters and the paper's k rescaled to it.

        Parameters
        ----------
        n : int
            Filters drawn (at most all of them), without replacement, with the chapter's seed.

        Returns
        -------
        sample : ndarray of shape (min(n, n_filters), 9)
            Raw first-layer filters.
        k : int
            :func:`toponet.analysis.scaled_k` of the chapter's k to the sample's size.
        """
        X = self.layer1_filters
        sample = X[np.random.default_rng(self.seed).choice(X.shape[0], min(n, X.shape[0]), replace=False)]
        return sample, scaled_k(self.k, sample.shape[0], PAPER_POINTS_FIG2)


def sweep_ks(k: int, n_points: int) -> list[int]:
    """The sweep's k values: :data:`SWEEP_K_FACTORS` times ``k``, at least 2 and below half the cloud.

    Parameters
    ----------
    k : int
        The paper's k rescaled to the cloud.
    n_points : int
        Filters in the cloud.

    Returns
    -------
    list of int
        Distinct values, ascending.
    """
    ks = sorted({max(2, int(round(k * f))) for f in SWEEP_K_FACTORS} - {0})
    return [kk for kk in ks if kk < n_points // 2]


def run_chapter(*, profile: str, networks: int, iterations: int, k: int, p: float, resolution: int = 30,
                gain: float = 3.0, seed: int = 0, device: str = "auto") -> MnistChapter:
    """Chapter 01 in one call: load (or train) the networks, run every analysis, build the verdict rows.

    Parameters
    ----------
    profile : str
        Training scale (smoke | default | paper).
    networks : int
        Networks M(64, 32, 64) pooled into Fig. 2's cloud.
    iterations : int
        Batch iterations of training (a value the store lacks trains networks first).
    k : int
        The paper's k for its 6,400 filters, rescaled to each cloud (below 6,400).
    p : float
        Fraction of the densest filters rho(k, p) keeps, in (0, 1].
    resolution : int
        Mapper's intervals per lens (pictures only).
    gain : float
        Mapper's overlap: 1 - 1/gain.
    seed : int
        Null clouds, landmarks, subsamples and layouts.
    device : str
        Torch device of any training this chapter has to do.

    Returns
    -------
    MnistChapter

    Raises
    ------
    ValueError
        From :func:`validate`, naming a bad ``k``, ``p`` or ``networks`` before anything is loaded.
    """
    validate(dict(k=k, p=p, networks=networks, resolution=resolution, gain=gain))
    art = load_or_train("mnist", profile, networks=networks, iterations=iterations, device=device)
    acc = accuracy_summary(art)
    layer1 = circle_evidence(art, k_paper=k, p=p, n_points_paper=PAPER_POINTS_FIG2, resolution=resolution,
                             gain=gain, seed=seed)
    layer1_filters = pooled_filters(art.conv_weights("conv1"))
    untrained_filters = pooled_filters(art.conv_weights("conv1", 0))
    distances = {"trained": layer1["result"].distance_primary,
                 "untrained": distance_to_model(untrained_filters).distances,
                 "gaussian": distance_to_model(gaussian_filters(layer1_filters.shape[0], seed=seed)).distances}
    near_threshold = null_distance_threshold()
    rows_evolution = evolution(art, layer="conv1", k_paper=k, p=p, n_points_paper=PAPER_POINTS_FIG2, seed=seed)
    sweep = parameter_sweep(layer1_filters, sweep_ks(layer1["k"], layer1_filters.shape[0]), list(SWEEP_PS),
                            resolution=resolution, gain=gain, seed=seed)
    variants = variant_table(list(VARIANTS), profile, iterations=iterations, k_paper=k, p=p, resolution=resolution,
                             gain=gain, seed=seed, device=device)
    layer2_filters = pooled_filters(art.conv_weights("conv2"))
    layer2 = layer_comparison(layer1["claim"], layer2_filters, k_paper=LAYER2_K, p=LAYER2_P, seed=seed)
    layer2_analysis = layer2["claim"].analysis(resolution=resolution, gain=gain, seed=seed)   # the subsample it tested
    rows = mnist_verdicts(layer1=layer1, variants=variants, layer2=layer2, art=art, acc=acc, profile=profile)
    return MnistChapter(profile=profile, k=k, p=p, resolution=resolution, gain=gain, seed=seed, artifact=art,
                        accuracy=acc, layer1=layer1, layer1_filters=layer1_filters, untrained_filters=untrained_filters,
                        distances=distances, near_threshold=near_threshold, evolution=rows_evolution, sweep=sweep,
                        variants=variants, layer2_filters=layer2_filters, layer2=layer2,
                        layer2_analysis=layer2_analysis, rows=tuple(rows))
