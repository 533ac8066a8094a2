"""Chapter 02 (``notebooks/02_cifar_gray.py``; paper Sec. V.B, Figs. 3-5, claims F3-F5): CIFAR-10
in grayscale, what the chapter calls beyond the core.

- :func:`run_chapter`: everything the chapter computes, in one call, as a :class:`GrayChapter`
  (its verdict rows included); the notebook draws, captions and reads its figures with the
  result's methods (``chapter.fig3a_figure()``, ``chapter.fig3a_caption()``, ...); the captions'
  wording is the template ``templates/gray_captions.md`` (Fig. 5's: ``templates/cifar_captions.md``), filled
  from the result;
- :func:`gray_verdicts`: the chapter's verdict rows F3, F4, F5, from the calibrated rules of
  :mod:`toponet.paper_claims` (one named function per claim);
- :func:`gray_findings`: the chapter's "what we found", the template ``templates/gray_findings.md``
  filled from the same results;
- :func:`validate`: the chapter's own bounds on its parameters (k, p), checked by its first cell
  and by ``python -m toponet.book run`` before anything runs;
- :func:`clusters_reading`: Fig. 3's reading, the cluster count against its null clouds (the other
  readings are the shared ones of :mod:`toponet.chapters._readings`);
- re-exported from :mod:`toponet.chapters._cifar` (shared with chapter 03): :func:`pick_experiment`,
  :func:`evolution_mappers`, :func:`cloud_label_of`, :data:`REAL_DATA`; from
  :mod:`toponet.chapters._common`: :func:`accuracy_summary`, :func:`evolution`.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from toponet import paper_claims, plots
from toponet._validation import check_fraction, check_int
from toponet.analysis import analyze_filters
from toponet.book.notebook import Caption, Reading, caption, show_table, what_to_see
from toponet.chapters import _readings
from toponet.chapters._templates import render
from toponet.chapters._cifar import (REAL_DATA, _closing, _events_sentence, _evolution_ours, _notes,  # noqa: F401
                                     _scale_head, load_trained, cloud_label_of, evolution_mappers, pick_experiment)
from toponet.chapters._cifar import Run, Training, grid_cloud, load_runs, runs_text, training_series, verdict_text
from toponet.chapters._common import accuracy_summary, check_kept, check_paper_k, evolution  # noqa: F401
from toponet.chapters._readings import (barcode_reading, evolution_reading, grid_reading,  # noqa: F401
                                        mapper_reading, rule_outcome, snapshot_reading)
from toponet.paper_claims import count_clusters, describe_claim  # noqa: F401
from toponet.filters import pooled_filters
from toponet.circle_decision import MIN_POWER, dense_core
from toponet.experiments import experiment, load_or_train
from toponet.mapper import Mapper
from toponet.verdict_record import Verdict

__all__ = ["GrayChapter", "FirstLayer", "run_chapter", "cluster_rows", "CAPTION_FIGURES", "TRAINING_GRID", "PAPER_ACCURACY",
           "gray_verdicts", "gray_findings", "validate", "pick_experiment", "evolution_mappers", "cloud_label_of",
           "REAL_DATA", "accuracy_summary", "evolution", "load_or_train", "load_trained", "count_clusters",
           "PAPER_POINTS", "clusters_reading", "barcode_reading", "evolution_reading", "grid_reading", "mapper_reading",
           "snapshot_reading"]

#: Fig. 3's first-layer clouds in the paper, which the chapter's k refers to (rescaled to ours):
#: 100 x 64 filters of C(64,32,64) and 48 x 64 of C(64,0,64).
PAPER_POINTS = {"C(64,32,64)": 6400, "C(64,0,64)": 3072}


def validate(params) -> dict:
    """The chapter's own checks on top of :func:`toponet.book.validate_parameters`.

    The notebook calls both in its first cell, and ``python -m toponet.book run`` calls both
    before anything runs. ``k`` is the paper's k for Fig. 3's clouds (:data:`PAPER_POINTS`),
    rescaled to ours, so it lies below the smaller, 3,072. ``p`` must keep at least the points
    Mapper needs (:attr:`toponet.mapper.Mapper.min_points`: F3 counts clusters on the Mapper
    graph of the dense core) of both first-layer clouds: C(64,32,64)'s ``networks`` x its
    first-layer width, and C(64,0,64)'s, whose networks the profile sets. Returns {"k", "p",
    "n_points": {architecture: filters}}.
    """
    k = check_paper_k(params["k"], below=min(PAPER_POINTS.values()), paper=200,
                      refers=" and ".join(f"its {n:,} filters of {a}" for a, n in PAPER_POINTS.items()))
    p = check_fraction(params["p"], name="p")
    networks = check_int(params["networks"], name="networks", low=1)
    need = Mapper(resolution=params["resolution"], gain=params["gain"]).min_points
    profile, n_points = params["profile"], {}
    for arch, base, count in (("C(64,32,64)", "cifar-gray", networks), ("C(64,0,64)", "cifar-gray-C64-0-64", None)):
        exp = experiment(pick_experiment(base)[0])
        nets, width = exp.networks_for(profile, count), exp.config.widths[0]
        n_points[arch] = nets * width
        whose = f"{nets} network{'s' * (nets != 1)}"
        whose = whose if count is not None else f"the {profile} profile's {whose}"
        check_kept(p, nets * width, need, cloud=f"first-layer filters of {arch} ({whose} x {width})",
                   needs="Mapper of the core", fix="raise p or networks" if count is not None else "raise p")
    return dict(k=k, p=p, n_points=n_points)


def _f3_ours(parts: dict) -> str:

    out = []
    for lab, v in parts.items():
        cl = v["clusters"]
        lo, hi = cl.claimed
        if not cl.usable:
            use = f"criterion not used: its false-positive rate here is {cl.false_positive_rate:.0%} > 5%"
        elif cl.power is not None and cl.power < MIN_POWER and cl.outcome != "pass":
            use = "reported beside the verdict, not in it: the count could not have seen five clusters at this size"
        else:
            use = "criterion used"
        out.append(f"{lab}: {cl.observed} Mapper clusters on {cl.n_core} points; null clouds with {lo}-{hi}: "
                   + ", ".join(f"{k} {cl.hits(k)}/{cl.draws}" for k in cl.null_counts)
                   + f" ({use}; power {'n/a' if cl.power is None else format(cl.power, '.0%')} on a five-cluster "
                   f"model); " + describe_claim("circle", v["circle"]))
    return "; ".join(out)


def gray_verdicts(*, profile: str, data: str, art, art0, acc: dict, acc0: dict, f3_parts: dict, f3, pooled2, one2,
                  f4, evo1, evo2, f5, evo_desc=("", "")) -> list:
    """The grayscale chapter's rows F3, F4, F5 (:class:`toponet.verdict_record.Verdict`).

    f3 / f4 / f5 : RuleResults of :func:`toponet.paper_claims.f3_rule`, ``f4_rule``, ``f5_rule``;
    f3_parts : label -> dict(circle, clusters); pooled2, one2 : the F4 circle claims;
    evo1, evo2 : rows of :func:`toponet.paper_claims.evolution_circles`; evo_desc : how each
    layer's snapshot clouds were made, in words.
    """
    T, T0 = art.iterations[-1], art0.iterations[-1]
    chapter = "CIFAR-10 gray"
    rows = [Verdict.from_rule(
        f3, claim_id="F3", claim="CIFAR gray layer 1: five clusters, no significant primary circle",
        paper="Fig. 3: 5 clusters for C(64,32,64) and C(64,0,64), no circle; acc 77.0% / 69.2% (70K)",
        ours=_f3_ours(f3_parts) + f"; acc {100 * acc['mean']:.1f}% / {100 * acc0['mean']:.1f}%",
        scale=f"{art.networks} x {T} and {art0.networks} x {T0} iterations ({profile})", data=data, chapter=chapter,
        networks=min(art.networks, art0.networks), iterations=T)]

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


def gray_findings(*, profile: str, data: str, real: bool, runs, f3_parts: dict, f3, pooled2, one2, f4, f5):
    """The grayscale chapter's "what we found" (Figs. 3-5), picked by this build's results.

    The text is the template ``toponet/chapters/templates/gray_findings.md``; this function only
    computes its values.

    Parameters
    ----------
    profile, data : the training scale and the data, in words
    real : whether the data is CIFAR-10 itself
    runs : list of (label, networks, iterations, accuracy) (:func:`run_sentence`)
    f3_parts : label -> dict(circle=CircleClaim, clusters=ClusterTest)
    f3, f4, f5 : the RuleResults of :mod:`toponet.paper_claims`
    pooled2, one2 : F4's circle claims

    Returns
    -------
    Caption
    """
    if not f3_parts:
        raise ValueError("f3_parts must name at least one architecture")
    unusable = [lab for lab, v in f3_parts.items() if not v["clusters"].usable]
    worst = max(v["clusters"].false_positive_rate for v in f3_parts.values()) if unusable else None
    return Caption(render(
        "gray_findings", scale=_scale_head(profile, data, runs),
        counts=", ".join(f"${lab}$ {v['clusters'].observed}" for lab, v in f3_parts.items()),
        unusable=", ".join(f"${lab}$" for lab in unusable), worst=None if worst is None else f"{worst:.0%}",
        circles="; ".join(describe_claim(f"${lab}$", v["circle"]) for lab, v in f3_parts.items()),
        f3=f3.verdict, pooled=describe_claim("pooled", pooled2), one_network=describe_claim("one network", one2),
        f4=f4.verdict, events=_events_sentence(f5, "a circle in layer 1 at 400, broken at 500, in layer 2 at 2000"),
        closing=_closing(real, profile)))


# --- readings: what to see in the figures, from this build's results ------------------------------

def clusters_reading(mapper, clusters, claim) -> Reading:
    """Fig. 3's reading: the paper's five clusters against this graph's count and its null clouds,
    and the circle rule on the same cloud (``clusters``: :class:`toponet.paper_claims.ClusterTest`,
    ``claim``: :class:`toponet.paper_claims.CircleClaim`)."""
    lo, hi = clusters.claimed
    nulls = " and ".join(f"{clusters.hits(k)} of {clusters.draws} {k}" for k in clusters.null_counts)
    use = ("so the criterion can be evidence at this size" if clusters.usable else
           f"so at this size it cannot be evidence (chance passes it {clusters.false_positive_rate:.0%} of the time)")
    return what_to_see(
        "how many separate groups the graph has and what each group's mean filter looks like: the paper's five "
        "clusters are edge-like and blob-like filters that do not join into a ring. A cluster here is a connected "
        "component holding at least 2 % of the points, and the criterion is {lo} to {hi} of them. This graph has "
        "{observed}; of the null clouds of the same size, {nulls} have {lo} to {hi}, {use}. The circle rule on the "
        "same cloud: {outcome}.",
        observed=clusters.observed, nulls=nulls, lo=lo, hi=hi, use=use, outcome=rule_outcome(claim.test, claim.rule))


# --- the chapter's result: run_chapter computes it, its methods draw, caption and read it ------------

#: The figures the caption template ``gray_captions.md`` words (Fig. 5's are ``cifar_captions.md``).
CAPTION_FIGURES = ("3a", "3b", "4a", "4b")
#: Fig. 5's Mapper grid (the paper's settings; its caption states them): layer 1's pooled filters
#: unfiltered, Mapper(30, 3); layer 2's at rho(k, 0.5), k rescaled from 15 for the paper's
#: 204,800 filters, Mapper(70, 2). Keyword arguments of :func:`evolution_mappers` per layer.
TRAINING_GRID = MappingProxyType({"conv1": dict(p=1.0, resolution=30, gain=3.0),
                                  "conv2": dict(k_paper=15, p=0.5, n_points_paper=204_800, resolution=70, gain=2.0)})
#: The paper's reported accuracies (70K iterations), as the chapter's first lines print them.
PAPER_ACCURACY = "paper (70K iterations, CIFAR-10): C(64,32,64) 77.0 %, C(64,0,64) 69.2 %"


@dataclass(frozen=True)
class FirstLayer:
    """Fig. 3's analyses of one architecture's first layer.

    Attributes
    ----------
    filters : ndarray of shape (n_filters, 9)
        Every first-layer filter of the run, pooled, raw (not normalized).
    circle : toponet.paper_claims.CircleClaim
        The circle rule on rho(k, p) of ``filters``.
    clusters : toponet.paper_claims.ClusterTest
        The Mapper cluster count against its null clouds (same k and p).
    analysis : toponet.analysis.AnalysisResult
        The pipeline's dense core and Mapper(resolution, gain) graph (``analysis.mapper``).
    """

    filters: np.ndarray
    circle: object
    clusters: object
    analysis: object


@dataclass(frozen=True)
class GrayChapter:
    """Everything chapter 02 computes (:func:`run_chapter`), and its figures, captions and readings.

    Attributes
    ----------
    profile, data : str
        The training scale and the data, in words (:func:`pick_experiment`).
    p : float
        Fig. 3's density filtration.
    resolution : int
    gain : float
        Fig. 3's and Fig. 4b's Mapper(resolution, gain).
    runs : dict of str to Run
        "C(64,32,64)" and "C(64,0,64)": the trained networks and their test accuracy.
    layer1 : dict of str to FirstLayer
        Fig. 3 per architecture (same keys as ``runs``).
    most_accurate : int
        Index of C(64,32,64)'s most accurate network (Fig. 4b).
    layer2_pooled, layer2_one_network : toponet.paper_claims.CircleClaim
        F4's circle rule on the pooled second layer at rho(15, 0.1) (k rescaled) and on one
        network's at rho(75, 0.37), each on a subsample of at most MULTI_BAR_CORE core points.
    layer2_barcodes : object
        Exact persistence (H0, H1) of the pooled claim's tested core
        (:func:`toponet.paper_claims.claim_persistence`; ``n_points`` the points it used), Fig. 4a.
    layer2_one_network_k : int
        The k of Fig. 4b's rho(k, 0.37), at most the network's filters - 1.
    layer2_one_network_mapper : toponet.mapper.Mapper
        Fig. 4b's graph.
    training : toponet.chapters._cifar.Training
        Fig. 5: Mapper grid, circle rule per snapshot, orientation curves.
    f3, f4, f5 : toponet.circle_decision.RuleResult
        The claims' rules (:func:`toponet.paper_claims.f3_rule`, ``f4_rule``, ``f5_rule``).
    rows : tuple of toponet.verdict_record.Verdict
        The rows F3, F4, F5 (:func:`gray_verdicts`).
    """

    profile: str
    data: str
    p: float
    resolution: int
    gain: float
    runs: dict
    layer1: dict
    most_accurate: int
    layer2_pooled: object
    layer2_one_network: object
    layer2_barcodes: object
    layer2_one_network_k: int
    layer2_one_network_mapper: object
    training: Training
    f3: object
    f4: object
    f5: object
    rows: tuple

    # -- the runs --
    def runs_text(self) -> str:
        """The data, each run's test accuracy and the paper's, one line each.

        Returns
        -------
        str
        """
        return runs_text(self.data, self.runs.values(), PAPER_ACCURACY)

    def _mapper_title(self, what: str) -> str:
        return f"{what}, Mapper({self.resolution}, {self.gain:g})"

    def _caption(self, figure: str, run: Run, layer: int, k=None, p=None, *, networks=None, accuracy=None,
                 **values) -> Caption:
        """The caption of ``figure``: the template ``gray_captions.md`` filled with ``values`` (and k, p), in the
        frame of :func:`toponet.book.notebook.caption` (the cloud rho(k, p) of ``layer``)."""
        if figure not in CAPTION_FIGURES:
            raise ValueError(f"no caption for figure {figure!r}; known: {list(CAPTION_FIGURES)}")
        text = render("gray_captions", figure=figure, k=k, p=p, **values)
        return caption(text, cloud=cloud_label_of(run.artifact, layer, k, p, networks=networks), profile=self.profile,
                       accuracy=run.accuracies if accuracy is None else accuracy,
                       paper_accuracy=run.paper_accuracy, figure=figure)

    # -- Figure 3 --
    def f3_parts(self) -> dict:
        """{architecture: dict(circle=..., clusters=...)}, as :func:`toponet.paper_claims.f3_rule` takes it.

        Returns
        -------
        dict of str to dict
        """
        return {arch: dict(circle=layer.circle, clusters=layer.clusters) for arch, layer in self.layer1.items()}

    def fig3a_figure(self):
        """Fig. 3a: C(64,32,64)'s first-layer Mapper graph, with mean filters (:func:`toponet.plots.mapper_overview`).

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.mapper_overview(self.layer1["C(64,32,64)"].analysis.mapper,
                                     title=self._mapper_title("C(64,32,64)"))

    def fig3a_caption(self) -> Caption:
        """Fig. 3a's caption.

        Returns
        -------
        Caption
        """
        return self._caption("3a", self.runs["C(64,32,64)"], 1, self.layer1["C(64,32,64)"].clusters.k, self.p,
                             resolution=self.resolution, gain=self.gain)

    def fig3b_figure(self):
        """Fig. 3b: C(64,0,64)'s first-layer Mapper graph (:func:`toponet.plots.mapper_figure`).

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return plots.mapper_figure(self.layer1["C(64,0,64)"].analysis.mapper, title=self._mapper_title("C(64,0,64)"))

    def fig3b_caption(self) -> Caption:
        """Fig. 3b's caption.

        Returns
        -------
        Caption
        """
        return self._caption("3b", self.runs["C(64,0,64)"], 1, self.layer1["C(64,0,64)"].clusters.k, self.p,
                             resolution=self.resolution, gain=self.gain)

    def clusters_reading(self, arch: str) -> Reading:
        """Fig. 3's reading for one architecture (:func:`clusters_reading`).

        Parameters
        ----------
        arch : "C(64,32,64)" or "C(64,0,64)"

        Returns
        -------
        Reading
        """
        layer = self.layer1[arch]
        return clusters_reading(layer.analysis.mapper, layer.clusters, layer.circle)

    def cluster_table(self):
        """Fig. 3's table: per architecture the cluster count and the top $H_1$ bar against their nulls.

        Returns
        -------
        IPython.display.HTML
        """
        return show_table(cluster_rows(self.layer1))

    # -- Figure 4 --
    def fig4a_figure(self):
        """Fig. 4a: barcodes of the pooled second layer's tested core.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.barcode_plot(self.layer2_barcodes, title="Barcodes, second layer, pooled")

    def fig4a_caption(self) -> Caption:
        """Fig. 4a's caption: the points drawn, the core tested, the filters pooled.

        Returns
        -------
        Caption
        """
        claim = self.layer2_pooled
        return self._caption("4a", self.runs["C(64,32,64)"], 2, claim.test.k, 0.1,
                             n_drawn=self.layer2_barcodes.n_points, n_core=claim.test.n_core,
                             n_tested=claim.cloud.shape[0], n_raw=claim.n_raw)

    def barcode_reading(self) -> Reading:
        """Fig. 4a's reading (:func:`toponet.chapters._readings.barcode_reading`).

        Returns
        -------
        Reading
        """
        return _readings.barcode_reading(self.layer2_pooled.test, self.layer2_pooled.rule)

    def fig4b_figure(self):
        """Fig. 4b: the Mapper graph of the most accurate network's second layer.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return plots.mapper_figure(self.layer2_one_network_mapper,
                                   title=self._mapper_title("One network's second layer"))

    def fig4b_caption(self) -> Caption:
        """Fig. 4b's caption.

        Returns
        -------
        Caption
        """
        run = self.runs["C(64,32,64)"]
        return self._caption("4b", run, 2, self.layer2_one_network_k, 0.37, networks=1,
                             accuracy=[float(run.accuracy["values"][self.most_accurate])], network=self.most_accurate,
                             resolution=self.resolution, gain=self.gain, n_raw=self.layer2_one_network.n_raw)

    def mapper_reading(self) -> Reading:
        """Fig. 4b's reading (:func:`toponet.chapters._readings.mapper_reading`).

        Returns
        -------
        Reading
        """
        return _readings.mapper_reading(self.layer2_one_network_mapper, self.layer2_one_network.test,
                                        self.layer2_one_network.rule)

    # -- verdicts and findings --
    def verdict_text(self) -> str:
        """Each row's claim id, its rule's verdict and reasons (indented), as the recording cell prints them.

        Returns
        -------
        str
        """
        return verdict_text(self.rows, (self.f3, self.f4, self.f5))

    def findings(self) -> Caption:
        """The chapter's "What we found" (:func:`gray_findings`).

        Returns
        -------
        Caption
        """
        return gray_findings(profile=self.profile, data=self.data, real=self.data == REAL_DATA,
                             runs=[run.findings_run() for run in self.runs.values()], f3_parts=self.f3_parts(),
                             f3=self.f3, pooled2=self.layer2_pooled, one2=self.layer2_one_network, f4=self.f4,
                             f5=self.f5)


def cluster_rows(layer1: dict) -> list[dict]:
    """Fig. 3's table rows: per architecture the cluster count against its nulls and the circle rule.

    Parameters
    ----------
    layer1 : dict of str to FirstLayer (or anything with ``clusters`` and ``circle``)

    Returns
    -------
    list of dict, one per architecture, as :func:`toponet.book.show_table` takes them
    """
    rows = []
    for arch, layer in layer1.items():
        clusters, circle = layer.clusters, layer.circle
        rows.append(dict(arch=arch, filters=clusters.n_points, k=clusters.k, kept=clusters.n_core,
                         clusters=clusters.observed,
                         **{f"{kind} nulls with 4-6": f"{clusters.hits(kind)}/{clusters.draws}"
                            for kind in clusters.null_counts},
                         cluster_criterion="used" if clusters.usable else "not usable (FPR > 5%)",
                         top_h1=round(circle.test.top[0], 3),
                         **{f"p {kind}": circle.test.nulls[kind].describe() for kind in circle.test.nulls},
                         power=f"{circle.rule.power:.0%}", circle=circle.rule.verdict))
    return rows


def _first_layer(run: Run, *, n_paper: int, k: int, p: float, resolution: int, gain: float, seed: int) -> FirstLayer:
    filters = pooled_filters(run.artifact.conv_weights("conv1"))
    circle = paper_claims.circle_claim(filters, k_paper=k, n_points_paper=n_paper, p=p, seed=seed, label=run.label)
    clusters = paper_claims.cluster_test(filters, k=circle.test.k, p=p, resolution=resolution, gain=gain, seed=seed)
    analysis = analyze_filters(filters, k=circle.test.k, p=p, resolution=resolution, gain=gain, null_repeats=0,
                               seed=seed, n_landmarks=None)
    return FirstLayer(filters=filters, circle=circle, clusters=clusters, analysis=analysis)


def run_chapter(*, profile: str, networks: int, iterations: int, k: int, p: float, resolution: int, gain: float,
                seed: int = 0, device: str = "auto") -> GrayChapter:
    """Chapter 02 in one call: train or load, Figs. 3-5, the rules F3-F5 and their verdict rows.

    Parameters
    ----------
    profile : the training scale (smoke, default, paper)
    networks, iterations : C(64,32,64)'s networks and batch iterations (C(64,0,64)'s: the profile's)
    k, p : the paper's k for Fig. 3's clouds (rescaled to ours) and the density filtration
    resolution, gain : Fig. 3's and Fig. 4b's Mapper
    seed : null clouds, landmarks and layouts
    device : torch device for any training needed

    Returns
    -------
    GrayChapter

    Raises
    ------
    ValueError
        When :func:`validate` rejects a parameter (before anything loads or trains).
    """
    validate(dict(profile=profile, networks=networks, iterations=iterations, k=k, p=p, resolution=resolution,
                  gain=gain))
    runs, data = load_runs(profile, ("cifar-gray", "C(64,32,64)", 0.770), ("cifar-gray-C64-0-64", "C(64,0,64)", 0.692),
                           networks=networks, iterations=iterations, device=device)
    c64_32_64, c64_0_64 = runs.values()
    layer1 = {arch: _first_layer(run, n_paper=PAPER_POINTS[arch], k=k, p=p, resolution=resolution, gain=gain,
                                 seed=seed) for arch, run in runs.items()}
    # Fig. 4: the pooled second layer, and the most accurate network's (the paper does not say which it used)
    conv2 = c64_32_64.artifact.conv_weights("conv2")
    pooled = paper_claims.circle_claim(pooled_filters(conv2), k_paper=15, n_points_paper=204_800, p=0.1, seed=seed,
                                 label="pooled layer 2", max_core=paper_claims.MULTI_BAR_CORE)
    most_accurate = int(np.argmax(c64_32_64.accuracy["values"]))
    one_network_filters = pooled_filters(conv2[most_accurate:most_accurate + 1])
    one_network = paper_claims.circle_claim(one_network_filters, k_paper=75, n_points_paper=2048, p=0.37, seed=seed,
                                      label="one network's layer 2", max_core=paper_claims.MULTI_BAR_CORE)
    barcodes = paper_claims.claim_persistence(pooled, seed=seed)
    one_network_k = min(75, one_network_filters.shape[0] - 1)
    one_network_mapper = Mapper(resolution=resolution, gain=gain, layout_seed=seed).fit(
        dense_core(one_network_filters, one_network_k, 0.37))
    training = training_series(
        c64_32_64, figure="5", profile=profile, seed=seed,
        grid=TRAINING_GRID,
        tests={"conv1": ((200, 300, 400, 500, 600, 1000, 2000), k, 1.0, 6400),
               "conv2": ((1000, 1500, 2000), *grid_cloud(TRAINING_GRID["conv2"]))},
        orientation=dict(k_paper=k, p=p, n_points_paper=6400))
    parts = {arch: dict(circle=layer.circle, clusters=layer.clusters) for arch, layer in layer1.items()}
    f3, f4 = paper_claims.f3_rule(parts), paper_claims.f4_rule(pooled, one_network)
    f5 = paper_claims.f5_rule(training.layer1_tests, training.layer2_tests)
    first1, first2 = training.layer1_tests[0].claim, training.layer2_tests[0].claim
    rows = gray_verdicts(profile=profile, data=data, art=c64_32_64.artifact, art0=c64_0_64.artifact,
                         acc=c64_32_64.accuracy, acc0=c64_0_64.accuracy, f3_parts=parts, f3=f3, pooled2=pooled,
                         one2=one_network, f4=f4, evo1=training.layer1_tests, evo2=training.layer2_tests, f5=f5,
                         evo_desc=(f"all {first1.test.n_points} filters, no filtration",
                                   f"rho({first2.test.k}, 0.5) of {first2.cloud.shape[0]:,} of "
                                   f"{first2.n_raw:,} filters"))
    return GrayChapter(profile=profile, data=data, p=p, resolution=resolution, gain=gain, runs=runs, layer1=layer1,
                       most_accurate=most_accurate, layer2_pooled=pooled, layer2_one_network=one_network,
                       layer2_barcodes=barcodes, layer2_one_network_k=one_network_k,
                       layer2_one_network_mapper=one_network_mapper, training=training, f3=f3, f4=f4, f5=f5,
                       rows=tuple(rows))
