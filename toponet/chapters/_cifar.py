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
- :class:`Run` (a trained run with its accuracy), :func:`load_run`, :func:`load_runs` (a chapter's
  two runs) and :func:`runs_text`, the chapters' first lines;
- :func:`verdict_text`: what a recording cell prints, each rule's verdict and reasons;
- :class:`Training`, :func:`training_series` and :func:`grid_cloud`: how the structure forms during training (Figs. 5 and
  9), computed in one call, drawn, captioned (the template ``templates/cifar_captions.md``) and read
  by its methods;
- the pieces of the verdict rows and "what we found" sentences both chapters use; the rows
  themselves are :func:`toponet.chapters.cifar_gray.gray_verdicts` and
  :func:`toponet.chapters.cifar_color.color_verdicts`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from toponet import plots
from toponet._validation import check_fraction, check_int
from toponet.analysis import scaled_k
from toponet.book.notebook import Caption, Reading, caption, cloud_label, verdict_block
from toponet.chapters import _readings
from toponet.chapters._common import accuracy_summary, evolution
from toponet.chapters._templates import render
from toponet.paper_claims import circle_summary, count_clusters, snapshot_circle_tests, snapshot_series
from toponet.data.registry import real_or_standin
from toponet.data.natural import describe
from toponet.density import density_filtration
from toponet.experiments import load_or_train
from toponet.train import TEST_EVAL_SIZE
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


# --- the trained runs and the training series, shared by both chapters' results ---------------

@dataclass(frozen=True)
class Run:
    """One trained run of a chapter and its test accuracy.

    Attributes
    ----------
    label : str
        The architecture in the paper's words, e.g. "C(64,32,64)".
    artifact : toponet.store.Artifact
        The trained networks (:func:`load_trained`: those that collapsed to chance left out).
    accuracy : dict
        :func:`toponet.chapters._common.accuracy_summary` at the last iteration (fractions in [0, 1];
        ``values`` has shape (n_networks,)).
    paper_accuracy : float
        The paper's test accuracy for this architecture, a fraction.
    """

    label: str
    artifact: object
    accuracy: dict
    paper_accuracy: float

    @property
    def accuracies(self) -> list:
        """Each network's test accuracy (fractions), as a caption takes them."""
        return list(self.accuracy["values"])

    @property
    def last_iteration(self) -> int:
        """The run's last batch iteration."""
        return self.artifact.iterations[-1]

    def findings_run(self) -> tuple:
        """The run as :func:`run_sentence` and the chapters' findings take it.

        Returns
        -------
        tuple (label, networks, iterations, accuracy)
        """
        return (self.label, self.artifact.networks, self.last_iteration, self.accuracy)

    def summary_line(self) -> str:
        """The run's printed line.

        Returns
        -------
        str, e.g. "16 x C(64,32,64), 2000 iterations: test accuracy 41.2 +- 3.0 % (n = 16)", then
        the seeds left out, if any
        """
        art, acc = self.artifact, self.accuracy
        return (f"{art.networks} x {art.arch}, {art.iterations[-1]} iterations: test accuracy "
                f"{100 * acc['mean']:.1f} +- {100 * acc['sd']:.1f} % (n = {acc['n']})"
                + (f"; left out, collapsed to chance: seeds {list(art.dropped)}" if art.dropped else ""))


def load_run(base: str, label: str, profile: str, *, paper_accuracy: float, **kw) -> tuple[Run, str]:
    """The run of CIFAR experiment ``base`` (:func:`pick_experiment`, :func:`load_trained`).

    Parameters
    ----------
    base : one of :data:`CIFAR_EXPERIMENTS`
    label : the architecture in the paper's words
    profile : the training scale
    paper_accuracy : the paper's test accuracy, a fraction
    **kw : to :func:`toponet.experiments.load_or_train` (networks, iterations, device)

    Returns
    -------
    (Run, data label)
    """
    name, data = pick_experiment(base)
    artifact = load_trained(name, profile, **kw)
    return Run(label=label, artifact=artifact, accuracy=accuracy_summary(artifact), paper_accuracy=paper_accuracy), data


def load_runs(profile: str, main: tuple[str, str, float], other: tuple[str, str, float], *, networks: int,
              iterations: int, device: str = "auto") -> tuple[dict[str, Run], str]:
    """A CIFAR chapter's two runs (:func:`load_run`): its main architecture at the chapter's
    ``networks`` and ``iterations``, then the one it is compared with at the profile's.

    Parameters
    ----------
    profile : the training scale
    main, other : (experiment base, label, paper accuracy)
        Base one of :data:`CIFAR_EXPERIMENTS`, the architecture in the paper's words, the paper's
        test accuracy as a fraction; ``main`` is loaded (or trained) first.
    networks, iterations : the main run's networks and batch iterations
    device : torch device for any training needed

    Returns
    -------
    runs : dict of str to Run
        ``{main label: main run, other label: other run}``, in that order; each run's
        ``accuracy["values"]`` has shape (n_networks,).
    data : str
        The data both runs train on, in words (:func:`pick_experiment`).
    """
    first, data = load_run(main[0], main[1], profile, paper_accuracy=main[2], networks=networks,
                           iterations=iterations, device=device)
    second, _ = load_run(other[0], other[1], profile, paper_accuracy=other[2], device=device)
    return {first.label: first, second.label: second}, data


def runs_text(data: str, runs, paper: str) -> str:
    """The chapter's first printed lines: the data, each run's accuracy, the paper's.

    Parameters
    ----------
    data : the data label (:func:`pick_experiment`)
    runs : sequence of :class:`Run`
    paper : the paper's accuracies, in words

    Returns
    -------
    str, one line each
    """
    return "\n".join([f"data: {data}", *(run.summary_line() for run in runs), paper])


#: Fig. 5d / 9d: the orientation curves and their labels.
EVOLUTION_KEYS = ("h1_top", "frac_near_circle_core", "test_accuracy")
EVOLUTION_LABELS = {"h1_top": "layer 1: top $H_1$", "frac_near_circle_core": "layer 1: core near circle",
                    "test_accuracy": "test accuracy"}
#: The training figures the caption template ``cifar_captions.md`` words: 5 (chapter 02) and 9 (chapter 03).
TRAINING_FIGURES = ("5", "9")
#: Their panels' labels after the figure number: the grid, every snapshot, the curves of layers 1 and 2, the
#: orientation curves.
TRAINING_PANELS = ("", " (all)", "b", "c", "d")


@dataclass(frozen=True)
class Training:
    """How the structure forms during training (Figs. 5 and 9): the Mapper grid, the circle rule per
    tested snapshot, and the orientation curves of layer 1.

    Attributes
    ----------
    figure : str
        The paper's figure number, "5" or "9" (:data:`TRAINING_FIGURES`); the panels are "5", "5 (all)",
        "5b", "5c", "5d". It picks the captions' wording in the template ``cifar_captions.md``.
    profile : str
        The training scale, named in every caption.
    run : Run
        The trained networks and their accuracy.
    layer1_mappers, layer2_mappers : list of EvolutionMapper
        One per stored snapshot after 0 (:func:`evolution_mappers`).
    layer1_tests, layer2_tests : list of toponet.paper_claims.SnapshotCircle
        The circle rule at each tested snapshot (:func:`toponet.paper_claims.snapshot_circle_tests`).
    report : str
        The lines :func:`toponet.paper_claims.snapshot_circle_tests` reported (summary and calibration).
    evolution : list of dict
        Layer 1 at every snapshot (:func:`toponet.chapters._common.evolution`, no nulls).
    mapper_settings : mapping
        The grid's Mapper settings, ``{"conv1": kwargs, "conv2": kwargs}`` of :func:`evolution_mappers`
        (:func:`training_series`'s ``grid``); the grid's caption states them.
    p : float
        The density filtration of the orientation curves.
    evolution_core : bool
        Whether the orientation caption's cloud names rho(k, p) (else the whole layer).
    """

    figure: str
    profile: str
    run: Run
    layer1_mappers: list
    layer2_mappers: list
    layer1_tests: list
    layer2_tests: list
    report: str
    evolution: list
    mapper_settings: Mapping[str, dict]
    p: float
    evolution_core: bool = False

    def _tests(self, layer: str) -> list:
        if layer not in ("layer 1", "layer 2"):
            raise ValueError(f"layer must be 'layer 1' or 'layer 2'; got {layer!r}")
        return self.layer1_tests if layer == "layer 1" else self.layer2_tests

    def _caption(self, panel: str, cloud: str) -> Caption:
        """The caption of panel ``self.figure + panel``: the template ``cifar_captions.md`` in the frame of
        :func:`toponet.book.notebook.caption` (``cloud``: the point cloud, TeX)."""
        figure = f"{self.figure}{panel}"
        known = [f"{number}{label}" for number in TRAINING_FIGURES for label in TRAINING_PANELS]
        if figure not in known:
            raise ValueError(f"no training caption for figure {figure!r}; known: {known}")
        text = render("cifar_captions", figure=figure, layer2_k=self.layer2_mappers[-1].k,
                      layer1=self.layer1_tests[0].claim, layer2=self.layer2_tests[0].claim,
                      evolution_k=self.evolution[-1]["k"], p=self.p, grid=self.mapper_settings,
                      test_subset=TEST_EVAL_SIZE)
        return caption(text, cloud=cloud, profile=self.profile, accuracy=self.run.accuracies, figure=figure)

    def grid(self) -> dict:
        """The snapshot grid's panels.

        Returns
        -------
        dict {"layer 1": [(iteration, mapper), ...], "layer 2": [...]}, as
        :func:`toponet.plots.mapper_grid` takes it
        """
        return {"layer 1": [(r.iteration, r.mapper) for r in self.layer1_mappers],
                "layer 2": [(r.iteration, r.mapper) for r in self.layer2_mappers]}

    def grid_figure(self):
        """Five columns of the snapshot grid (:func:`toponet.plots.mapper_grid`).

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.mapper_grid(self.grid(), columns=5, panel=1.45, fontsize=10)

    def grid_caption(self) -> Caption:
        """The grid's caption (template ``cifar_captions.md``, figure "5" or "9").

        Returns
        -------
        Caption
        """
        return self._caption("", cloud_label_of(self.run.artifact, 1))

    def grid_reading(self) -> Reading:
        """The grid's reading (:func:`toponet.chapters._readings.grid_reading`).

        Returns
        -------
        Reading
        """
        return _readings.grid_reading({"layer 1": self.layer1_mappers, "layer 2": self.layer2_mappers})

    def every_snapshot_figure(self):
        """The grid of every stored snapshot.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.mapper_grid(self.grid(), title="Every stored snapshot")

    def every_snapshot_caption(self) -> Caption:
        """The caption of :meth:`every_snapshot_figure` (template ``cifar_captions.md``, figure "5 (all)" or
        "9 (all)").

        Returns
        -------
        Caption
        """
        return self._caption(" (all)", cloud_label_of(self.run.artifact, 1))

    def curves_figure(self, layer: str):
        """The top $H_1$ bar against the null clouds' 95% quantiles at each tested snapshot.

        Parameters
        ----------
        layer : "layer 1" or "layer 2"

        Returns
        -------
        matplotlib.figure.Figure
        """
        iterations, curves = snapshot_series(self._tests(layer))
        return plots.curves_plot(iterations, curves, xlabel="batch iterations", ylabel="$H_1$ lifetime",
                                 title=f"{layer}: top bar vs null clouds")

    def curves_caption(self, layer: str) -> Caption:
        """The caption of :meth:`curves_figure` (template ``cifar_captions.md``, figure "5b"/"9b" for layer 1,
        "5c"/"9c" for layer 2).

        Parameters
        ----------
        layer : "layer 1" or "layer 2"

        Returns
        -------
        Caption
        """
        self._tests(layer)
        number = 1 if layer == "layer 1" else 2
        return self._caption("b" if number == 1 else "c", cloud_label_of(self.run.artifact, number))

    def snapshot_reading(self, layer: str) -> Reading:
        """The reading of :meth:`curves_figure` (:func:`toponet.chapters._readings.snapshot_reading`).

        Parameters
        ----------
        layer : "layer 1" or "layer 2"

        Returns
        -------
        Reading
        """
        return _readings.snapshot_reading(self._tests(layer), layer=layer)

    def evolution_figure(self):
        """Layer 1's orientation curves (top $H_1$, share of the core near the circle, accuracy).

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.evolution_plot(self.evolution, keys=EVOLUTION_KEYS, labels=EVOLUTION_LABELS)

    def evolution_caption(self) -> Caption:
        """The caption of :meth:`evolution_figure` (template ``cifar_captions.md``, figure "5d" or "9d").

        Returns
        -------
        Caption
        """
        core = (self.evolution[-1]["k"], self.p) if self.evolution_core else ()
        return self._caption("d", cloud_label_of(self.run.artifact, 1, *core))

    def evolution_reading(self) -> Reading:
        """The reading of :meth:`evolution_figure` (:func:`toponet.chapters._readings.evolution_reading`).

        Returns
        -------
        Reading
        """
        return _readings.evolution_reading(self.evolution)


def grid_cloud(settings: Mapping[str, object]) -> tuple[int, float, int]:
    """One layer's grid cloud as :func:`training_series`'s ``tests`` name it, so that the layer's
    circle tests run on the cloud its Mapper grid draws.

    Parameters
    ----------
    settings : mapping
        Keyword arguments of :func:`evolution_mappers` for one layer, with ``k_paper``, ``p`` and
        ``n_points_paper`` (a chapter's ``TRAINING_GRID["conv2"]``).

    Returns
    -------
    tuple
        ``(k_paper, p, n_points_paper)``.
    """
    return settings["k_paper"], settings["p"], settings["n_points_paper"]


def training_series(run: Run, *, figure: str, profile: str, grid: Mapping[str, dict], tests: Mapping[str, tuple],
                    orientation: dict, seed: int = 0, evolution_core: bool = False) -> Training:
    """Figs. 5 and 9 in one call: the Mapper grid, the circle rule per tested snapshot, the curves.

    Parameters
    ----------
    run : the trained networks (with snapshots of conv1 and conv2)
    figure : the paper's figure number, "5" or "9" (:data:`TRAINING_FIGURES`): it picks the captions'
        wording (template ``cifar_captions.md``)
    profile : the training scale, for the captions
    grid : {"conv1": kwargs, "conv2": kwargs} of :func:`evolution_mappers` (all but the layer and seed)
    tests : {"conv1": (iterations, k_paper, p, n_points_paper), "conv2": ...} for
        :func:`toponet.paper_claims.snapshot_circle_tests`
    orientation : k_paper, p, n_points_paper of layer 1's :func:`toponet.chapters._common.evolution`
    seed : every Mapper layout and circle claim
    evolution_core : see :class:`Training`

    Returns
    -------
    Training
    """
    if figure not in TRAINING_FIGURES:
        raise ValueError(f"figure must be one of {TRAINING_FIGURES} (the captions of cifar_captions.md); "
                         f"got {figure!r}")
    if set(grid) != {"conv1", "conv2"} or set(tests) != {"conv1", "conv2"}:
        raise ValueError(f"grid and tests must name conv1 and conv2; got {sorted(grid)} and {sorted(tests)}")
    layer1_mappers = evolution_mappers(run.artifact, layer="conv1", seed=seed, **grid["conv1"])
    layer2_mappers = evolution_mappers(run.artifact, layer="conv2", seed=seed, **grid["conv2"])
    report = []
    tested = snapshot_circle_tests(run.artifact, {"conv1": tests["conv1"], "conv2": tests["conv2"]}, seed=seed,
                                   report=report.append)
    layer1_evolution = evolution(run.artifact, layer="conv1", seed=seed, **orientation)
    return Training(figure=figure, profile=profile, run=run, layer1_mappers=layer1_mappers,
                    layer2_mappers=layer2_mappers, layer1_tests=tested["conv1"], layer2_tests=tested["conv2"],
                    report="\n".join(report), evolution=layer1_evolution, mapper_settings=grid, p=orientation["p"],
                    evolution_core=evolution_core)


def verdict_text(rows, rules) -> str:
    """Each row's claim id, then its rule's verdict and reasons indented by two spaces.

    Parameters
    ----------
    rows : sequence of toponet.verdict_record.Verdict
    rules : sequence of toponet.circle_decision.RuleResult, one per row

    Returns
    -------
    str, the blocks one after another (what the book turns into the verdict table)
    """
    rows, rules = list(rows), list(rules)
    if len(rows) != len(rules):
        raise ValueError(f"one rule per row: got {len(rows)} rows and {len(rules)} rules")
    return "\n".join(verdict_block(rule.verdict, rule.reasons, claim_id=row.claim_id) for row, rule in zip(rows, rules))
