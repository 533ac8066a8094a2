"""Chapter-level analyses: what the book's chapters call, so notebooks hold no logic.

- :func:`load_or_train`: the stored artifact of an experiment at a profile, trained if missing.
- :func:`layer_cloud`: the raw spatial filters of one layer, pooled over networks, with their
  label in the paper's notation.
- :func:`group_statistics`: the top H1 lifetime of rho(k, p) over disjoint groups of
  networks (independent seeds), for trained and untrained networks and a gaussian null.
- :func:`parameter_sweep`: how the top H1 bar and the Mapper graph respond to k and p.
- :func:`circle_verdict`: the stated rule that turns those numbers into a verdict.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toponet._validation import check_fraction, check_int
from toponet.analysis import filtered_top_h1
from toponet.density import density_filtration
from toponet.filters import normalize, spatial_filters
from toponet.homology import persistence
from toponet.ideal import distance_to_model, gaussian_filters
from toponet.nulls import compare_groups


def load_or_train(experiment: str, profile: str, *, networks: int | None = None,
                  iterations: int | None = None, device: str = "auto", store=None,
                  train_if_missing: bool = True, progress: bool = True):
    """The artifact of ``experiment`` at ``profile``, trained (and stored) if the store lacks it.

    Returns a :class:`toponet.store.Artifact` holding at least the profile's networks (a
    stored artifact with more networks is cut to the requested count).
    """
    from toponet.experiments import experiment as get_experiment
    from toponet.shards import run_shards
    from toponet.store import Store

    store = store if store is not None else Store()
    plan = get_experiment(experiment).plan(profile, networks, iterations)
    art = store.get(plan.config, min_networks=len(plan.seeds))
    if art is None:
        if not train_if_missing:
            raise FileNotFoundError(
                f"the store {store.root} holds no {experiment!r} artifact at profile {profile!r} with "
                f"{len(plan.seeds)} networks; run: toponet train {experiment} --profile {profile}")
        run_shards(plan.config, plan.seeds, shard_size=8, store=store, device=device, progress=progress,
                   experiment=experiment, profile=profile, keep=plan.keep)
        art = store.get(plan.config, min_networks=len(plan.seeds))
    return art.subset(len(plan.seeds)) if art.networks > len(plan.seeds) else art


def layer_cloud(weights) -> np.ndarray:
    """Raw spatial filters of stacked kernels, pooled network by network.

    ``weights`` has shape (n_networks, out, in, h, w); returns (n_networks * out * in, h * w).
    """
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 5:
        raise ValueError(f"weights must have shape (n_networks, out, in, h, w); got {W.shape}")
    return spatial_filters(W.reshape(-1, *W.shape[2:]))


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
    values, per_group, n_groups = {}, None, None
    for name, W in samples.items():
        W = np.asarray(W)
        n_groups_here = W.shape[0] // group_size
        if n_groups_here < 2:
            raise ValueError(f"{name}: {W.shape[0]} networks make fewer than 2 groups of {group_size}")
        vals = []
        for g in range(n_groups_here):
            cloud = layer_cloud(W[g * group_size:(g + 1) * group_size])
            per_group = cloud.shape[0]
            vals.append(filtered_top_h1(cloud, k=k, p=p, seed=seed + g))
        values[name] = np.array(vals)
        n_groups = n_groups_here if n_groups is None else min(n_groups, n_groups_here)
    if gaussian:
        values["gaussian"] = np.array([filtered_top_h1(gaussian_filters(per_group, seed=seed + 1000 + g), k=k, p=p, seed=seed + g)
                                       for g in range(n_groups)])
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
    from toponet.mapper import Mapper

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


@dataclass(frozen=True)
class CircleVerdict:
    """A verdict on "the filters lie on the primary circle" and the evidence it rests on."""

    verdict: str
    reasons: tuple[str, ...]


#: Share of gaussian (null) filters nearer the primary circle than the "near" threshold of
#: criterion (d): the threshold is the null distribution's 5th percentile.
NULL_DISTANCE_QUANTILE = 0.05


def null_distance_threshold(model: str = "primary_circle", *, q: float = NULL_DISTANCE_QUANTILE,
                            n: int = 20_000, seed: int = 0) -> float:
    """The ``q``-quantile of the distance of normalized gaussian filters to ``model``.

    A filter nearer than this is nearer the model than all but a fraction ``q`` of random
    directions (about 0.61 for the primary circle at q = 0.05).
    """
    return float(np.quantile(distance_to_model(gaussian_filters(n, seed=seed), model).distances, q))


def circle_verdict(*, observed: float, nulls: dict, untrained: float, top_ratio: float, mapper_loops: int,
                   core_median_distance: float, near_threshold: float, alpha: float = 0.05,
                   min_effect: float = 3.0) -> CircleVerdict:
    """The book's rule for a primary-circle claim (stated in book/method.md).

    (a) the pooled cloud's top H1 lifetime ``observed`` beats every matched null in
    ``nulls`` (kind -> :class:`toponet.nulls.NullComparison`: permutation p < alpha and
    effect size > min_effect) and the same pipeline on the same networks before training
    (``untrained``); (b) the top H1 bar is at least twice the second; (c) the Mapper graph has
    a large loop; (d) the dense core's median distance to the primary circle is below
    ``near_threshold`` (see :func:`null_distance_threshold`). "reproduced" needs all four,
    "partly" needs (a) and at least one other, "not reproduced" otherwise.
    """
    reasons, beats = [], []
    for name, c in nulls.items():
        ok = c.p_value < alpha and c.effect_size > min_effect
        beats.append(ok)
        reasons.append(f"(a) vs {name} null: effect size {c.effect_size:.1f}, p = {c.p_value:.3g} "
                       f"({c.repeats} clouds) -> {'pass' if ok else 'fail'}")
    ok_u = observed > untrained
    beats.append(ok_u)
    reasons.append(f"(a) vs untrained networks: {observed:.3f} vs {untrained:.3f} -> {'pass' if ok_u else 'fail'}")
    a = all(beats)
    b = top_ratio >= 2
    c_ = mapper_loops >= 1
    d = core_median_distance < near_threshold
    reasons += [f"(b) top/second H1 bar = {top_ratio:.1f} -> {'pass' if b else 'fail'}",
                f"(c) Mapper large loops = {mapper_loops} -> {'pass' if c_ else 'fail'}",
                f"(d) dense core median distance to the circle {core_median_distance:.2f} vs null 5% "
                f"quantile {near_threshold:.2f} -> {'pass' if d else 'fail'}"]
    if a and b and c_ and d:
        verdict = "reproduced"
    elif a and (b or c_ or d):
        verdict = "partly"
    else:
        verdict = "not reproduced"
    return CircleVerdict(verdict=verdict, reasons=tuple(reasons))


def accuracy_summary(artifact, iteration=None) -> dict:
    """Test accuracy of an artifact's networks at ``iteration`` (None = last): mean, sd, n, values."""
    acc = np.asarray(artifact.test_accuracy(iteration), dtype=float)
    return dict(mean=float(acc.mean()), sd=float(acc.std(ddof=1)) if acc.size > 1 else 0.0,
                n=int(acc.size), values=acc)


def evolution(artifact, *, layer: str = "conv1", k_paper: int, p: float, n_points_paper: int,
              iterations=None, threshold: float = 0.3, seed: int = 0) -> list[dict]:
    """Per snapshot: top H1 lifetime of rho(k, p) of the pooled filters, the share near the
    primary circle (all filters and dense core) and the test accuracy.

    k is rescaled from ``k_paper`` for a cloud of ``n_points_paper`` (see
    :func:`toponet.analysis.scaled_k`). Returns one dict per stored snapshot with keys
    iteration, k, n_kept, h1_top, h1_second, frac_near_circle, frac_near_circle_core,
    test_accuracy (mean, sd).
    """
    from toponet.analysis import scaled_k

    rows = []
    its = iterations if iterations is not None else artifact.stored_iterations(layer)
    for it in its:
        X = layer_cloud(artifact.conv_weights(layer, it))
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


def circle_evidence(artifact, *, layer: str = "conv1", k_paper: int, p: float, n_points_paper: int,
                    resolution: int = 30, gain: float = 3.0, null_repeats: int = 10, seed: int = 0,
                    n_groups: int = 4) -> dict:
    """Everything :func:`circle_verdict` needs for one artifact's layer at its last snapshot.

    Pools the layer's filters (k rescaled from the paper's cloud of ``n_points_paper``),
    runs :func:`toponet.analysis.analyze_filters`, splits the networks into ``n_groups``
    disjoint seed groups (fewer when there are fewer networks) for trained / untrained /
    gaussian group statistics (reported, not part of the verdict: small groups under strong
    filtration break even ideal circles), and applies :func:`circle_verdict`. Returns a dict
    with the analysis ``result``, ``groups`` (GroupStatistics), ``verdict`` (CircleVerdict),
    ``k`` and ``untrained_top_h1`` (the same pipeline on the networks at iteration 0).
    """
    from toponet.analysis import analyze_filters, scaled_k

    W = artifact.conv_weights(layer)
    X = layer_cloud(W)
    k = scaled_k(k_paper, X.shape[0], n_points_paper)
    result = analyze_filters(X, k=k, p=p, resolution=resolution, gain=gain, null_repeats=null_repeats, seed=seed)
    group_size = max(1, artifact.networks // n_groups)
    per_group = X.shape[0] // artifact.networks * group_size
    kg = scaled_k(k_paper, per_group, n_points_paper)
    groups = group_statistics({"trained": W, "untrained": artifact.conv_weights(layer, 0)},
                              group_size=group_size, k=kg, p=p, seed=seed)
    h1 = result.persistence.lifetimes(1)
    X0 = layer_cloud(artifact.conv_weights(layer, 0))
    untrained = filtered_top_h1(X0, k=k, p=p, seed=seed)
    core_d = result.distance_primary[result.kept_index]
    verdict = circle_verdict(
        observed=float(h1[0]) if h1.size else 0.0, nulls=result.nulls, untrained=untrained,
        top_ratio=float(h1[0] / h1[1]) if h1.size > 1 and h1[1] > 0 else float("inf"),
        mapper_loops=int(result.mapper.n_large_loops_) if result.mapper is not None else 0,
        core_median_distance=float(np.median(core_d)), near_threshold=null_distance_threshold())
    return dict(result=result, groups=groups, verdict=verdict, k=k, untrained_top_h1=untrained)


def variant_table(experiments, profile: str, *, iterations: int | None = None, k_paper: int = 200,
                  p: float = 0.3, resolution: int = 30, gain: float = 3.0, seed: int = 0,
                  device: str = "auto", null_repeats: int = 10) -> list[dict]:
    """The circle evidence for the first layer of several experiments (e.g. the robustness
    architectures), one row each. ``k_paper`` refers to the paper's 100 networks of each
    architecture (100 x its first-layer width filters)."""
    rows = []
    for name in experiments:
        art = load_or_train(name, profile, iterations=iterations, device=device)
        width = art.conv_weights("conv1").shape[1]
        ev = circle_evidence(art, k_paper=k_paper, p=p, n_points_paper=100 * width, resolution=resolution,
                             gain=gain, null_repeats=null_repeats, seed=seed)
        s = ev["result"].summary()
        acc = accuracy_summary(art)
        tr, un = ev["groups"].values["trained"], ev["groups"].values["untrained"]
        rows.append(dict(experiment=name, arch=art.arch, networks=art.networks, iterations=art.iterations[-1],
                         test_accuracy=f"{100 * acc['mean']:.2f} +- {100 * acc['sd']:.2f}",
                         filters=s["n_points"], k=ev["k"], kept=s["n_kept"],
                         top_h1=round(s["top_h1_lifetime"], 3),
                         groups_trained=f"{tr.mean():.2f} +- {tr.std(ddof=1) if tr.size > 1 else 0:.2f}",
                         groups_untrained=f"{un.mean():.2f} +- {un.std(ddof=1) if un.size > 1 else 0:.2f}",
                         null_p=round(s["p_value"], 3), large_loops=int(ev["result"].mapper.n_large_loops_),
                         untrained_top_h1=round(ev["untrained_top_h1"], 3),
                         core_median_distance=round(float(np.median(
                             ev["result"].distance_primary[ev["result"].kept_index])), 2),
                         verdict=ev["verdict"].verdict))
    return rows


def show_table(rows: list[dict]):
    """``rows`` (dicts with the same keys) as a Markdown table a notebook displays."""
    from IPython.display import Markdown

    if not rows:
        return Markdown("*(no rows)*")
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        lines.append("| " + " | ".join(str(r[k_]) for k_ in keys) + " |")
    return Markdown("\n".join(lines))
