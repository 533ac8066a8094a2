"""Chapter 01 (``notebooks/01_mnist.py``; paper Sec. V.A, Fig. 2 and its robustness
variants, claims F2, F2b, F2c and UMass's U3): what the chapter calls, so the notebook holds no logic.

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
from toponet.analysis import PAPER_POINTS_FIG2, analyze_filters, filtered_top_h1, group_top_h1, scaled_k
from toponet.book.notebook import Reading, what_to_see
from toponet.chapters._common import (NULL_DISTANCE_QUANTILE, accuracy_summary, evolution,  # noqa: F401
                                      null_distance_threshold)  # chapter 01 calls these as mnist.<name>
from toponet.chapters._readings import (barcode_reading, distance_reading, evolution_reading,  # noqa: F401
                                        mapper_reading, rule_outcome)  # chapter 01 calls these as mnist.<name>
from toponet.paper_claims import circle_claim
from toponet.density import density_filtration
from toponet.experiments import experiment, load_or_train
from toponet.filters import normalize, pooled_filters
from toponet.homology import persistence
from toponet.ideal import distance_to_model, gaussian_filters
from toponet.mapper import Mapper
from toponet.nulls import compare_groups
from toponet.circle_decision import DRAWS, RuleResult, aggregate_verdict, combined_record, second_order_null
from toponet.verdict_record import Verdict

__all__ = ["validate", "group_statistics", "parameter_sweep", "circle_evidence", "variant_table", "layer_comparison",
           "mnist_verdicts", "groups_reading", "sweep_reading", "layer2_reading"]


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
    result = analyze_filters(X, k=k, p=p, resolution=resolution, gain=gain, null_repeats=0, seed=seed,
                             n_landmarks=None, mapper=mapper)
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
