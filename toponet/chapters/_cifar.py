"""Shared by chapters 02 and 03 (:mod:`toponet.chapters.cifar_gray`, :mod:`toponet.chapters.cifar_color`):
the CIFAR-10 analyses of Sec. V.B (Figs. 3-9) that the generic pipeline does not cover.

- :func:`pick_experiment`: the real CIFAR-10 experiment when its files are present, else its
  stand-in twin (``toponet.data.natural``), with the data label every caption and verdict uses.
- :func:`load_trained`: an experiment's artifact without the networks that collapsed to chance.
- :func:`channel_clouds`: colour first-layer filters, all channels pooled and per channel (Fig. 6).
- :func:`evolution_mappers`: the Mapper graphs of one layer at each training snapshot (Figs. 5, 9),
  drawn as one grid by :func:`toponet.plots.mapper_grid`.
- :func:`model_fit`: each filter's distance to the primary circle and the three-circle model
  against gaussian filters (Fig. 8's histogram).
- the pieces of the verdict rows and "what we found" sentences both chapters use; the rows
  themselves are :func:`toponet.chapters.cifar_gray.gray_verdicts` and
  :func:`toponet.chapters.cifar_color.color_verdicts`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toponet._validation import check_fraction, check_int
from toponet.analysis import scaled_k
from toponet.book.notebook import cloud_label
from toponet.paper_claims import circle_summary, count_clusters
from toponet.data.registry import real_or_standin
from toponet.data.natural import describe
from toponet.density import density_filtration
from toponet.experiments import load_or_train
from toponet.filters import normalize, pooled_filters
from toponet.ideal import distance_to_model, gaussian_filters
from toponet.mapper import Mapper

#: The four CIFAR-10 runs of the paper (``toponet.experiments``); each has a "-standin" twin.
CIFAR_EXPERIMENTS = ("cifar-gray", "cifar-gray-C64-0-64", "cifar-color", "cifar-color-C48-0-64-nopool")
REAL_DATA = "CIFAR-10 (real)"
CHANNELS = ("R", "G", "B")


def pick_experiment(base: str, *, real: bool | None = None) -> tuple[str, str]:
    """The experiment to use for ``base`` and the data it trains on, in words.

    Parameters
    ----------
    base : one of :data:`CIFAR_EXPERIMENTS`
    real : force the choice; None = real CIFAR-10 exactly when its files are here
        (:func:`toponet.data.registry.real_or_standin`)

    Returns
    -------
    (experiment name, data label): ``(base, "CIFAR-10 (real)")`` or
    ``(base + "-standin", <the stand-in's description>)``.
    """
    if base not in CIFAR_EXPERIMENTS:
        raise ValueError(f"unknown CIFAR experiment {base!r}; expected one of {CIFAR_EXPERIMENTS}")
    _, real = real_or_standin("cifar10", real=real)
    if real:
        return base, REAL_DATA
    return f"{base}-standin", "stand-in: " + describe()


def data_name(data: str) -> str:
    """The data in a few words, for captions: "CIFAR-10 (real)" or "the stand-in" (the stand-in is
    described once, in the chapter's data paragraph and its first printed line)."""
    return data if data == REAL_DATA else "the natural-image stand-in"


def load_trained(experiment: str, profile: str, **kw):
    """:func:`toponet.experiments.load_or_train`, without the networks that ended at chance.

    At lr 0.1 a CIFAR network sometimes diverges (C(64,32,64) seed 9 of the stand-in: loss
    3.9e4 at iteration 1,600, test accuracy 10 % from then on); its kernels are not trained
    filters, so they stay out of every cloud. ``artifact.dropped`` names them and
    :func:`run_sentence` says so. Keyword arguments go to ``load_or_train``.
    """
    art = load_or_train(experiment, profile, **kw)
    failed = art.collapsed()
    return art.without(failed) if failed else art


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

    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 5 or W.shape[2] != 3:
        raise ValueError(f"weights must have shape (n_networks, out, 3, h, w) (RGB input); got {W.shape}")
    out = {"all": pooled_filters(W)}
    for c, name in enumerate(CHANNELS):
        out[name] = pooled_filters(W[:, :, c:c + 1])
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

    p = check_fraction(p, name="p")
    if p < 1 and (k_paper is None or n_points_paper is None):
        raise ValueError("a density filtration (p < 1) needs k_paper and n_points_paper")
    its = [it for it in artifact.stored_iterations(layer) if it > 0] if iterations is None else list(iterations)
    rows = []
    for it in tqdm(its, desc=f"Mapper of {layer}", disable=not progress):
        raw = pooled_filters(artifact.conv_weights(layer, it))
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
    ``\\rho(13, 0.5, 4 \\times C^{1}_{1K}(64, 32, 64))``; ``networks`` overrides the count.
    The widths are the artifact's training config's (``artifact.config["widths"]``)."""
    widths = artifact.config.get("widths")
    if not widths:
        raise ValueError(f"artifact {artifact.arch!r} has no widths in its config")
    return cloud_label(networks=networks or artifact.networks, layer=layer, iterations=artifact.iterations[-1],
                       widths=tuple(int(w) for w in widths), model="C", k=k, p=p)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def run_sentence(label: str, networks: int, iterations: int, accuracy: dict, *, chance: float = 0.1) -> str:
    """"4 x $C(64,32,64)$ trained 500 iterations to 33.7 +- 13.3% test accuracy", with a note when
    a network ends within 5 points of ``chance``. ``accuracy``: :func:`toponet.chapters._common.accuracy_summary`."""
    s = (f"{networks} x ${label}$ trained {iterations} iterations to {_pct(accuracy['mean'])} +- "
         f"{100 * accuracy['sd']:.1f}% test accuracy")
    low = int(np.sum(np.asarray(accuracy["values"], dtype=float) < chance + 0.05))
    if low:
        s += f", {low} network(s) barely above chance"
    dropped = accuracy.get("dropped", ())
    if dropped:
        s += f" ({dropped_note(dropped)})"
    return s


def dropped_note(dropped) -> str:
    """"seed 9 collapsed to chance and is left out" for :attr:`toponet.store.Artifact.dropped`."""
    many = len(dropped) > 1
    return (f"seed{'s' if many else ''} {', '.join(str(d) for d in dropped)} collapsed to chance and "
            f"{'are' if many else 'is'} left out")


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




# --- verdict rows: every verdict from a named rule of toponet.paper_claims ---------------------

def _outcome_list(rule) -> str:
    parts = rule.extra.get("parts", {})
    return "; ".join(f"{name}: {'not testable here' if o is None else o}" for name, o in parts.items())


def _notes(*claims) -> str:
    notes = [f"{c.label} {c.note}" for c in claims if c.note]
    return (" (" + "; ".join(notes) + ")") if notes else ""


def _evolution_ours(rule, layers: dict) -> str:

    s = "; ".join(f"{name} ({desc}): {circle_summary(rows)}" for name, (desc, rows) in layers.items())
    return s + f"; events: {_outcome_list(rule)}"


# --- "what we found", computed from the results (no result number is written into a chapter) ---

def _events_sentence(rule, paper: str) -> str:
    summ = rule.extra.get("summary", {})
    s = (" During training (the circle rule at each tested snapshot): "
         + "; ".join(f"{name}: {txt.split('; tested')[0]}" for name, txt in summ.items())
         + f". The paper: {paper}. By event: {_outcome_list(rule)}")
    return s + f"; verdict **{rule.verdict}**."


