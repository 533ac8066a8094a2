"""Chapter 03 (``notebooks/03_cifar_color.py``; paper Sec. V.B, Figs. 6-9, claims F6-F9): CIFAR-10
in colour, what the chapter calls beyond the core.

- :func:`run_chapter`: everything the chapter computes, in one call, as a :class:`ColorChapter`
  (its verdict rows included); the notebook draws, captions and reads its figures with the
  result's methods (``chapter.fig6a_figure()``, ``chapter.fig6a_caption()``, ...); the captions'
  wording is the template ``templates/color_captions.md`` (Fig. 9's: ``templates/cifar_captions.md``), filled
  from the result;
- :func:`color_verdicts`: the chapter's verdict rows F6-F9, from the calibrated rules of
  :mod:`toponet.paper_claims`;
- :func:`color_findings`: the chapter's "what we found", the template ``templates/color_findings.md``
  filled from the same results;
- :func:`validate`: the chapter's own bounds on its parameters (k, p), checked by its first cell
  and by ``python -m toponet.book run`` before anything runs;
- the readings of its figures that depend on results: :func:`channel_reading` (Fig. 6b),
  :func:`f7_reading` (Fig. 7a), :func:`f8_reading` (Fig. 8), and the shared ones of
  :mod:`toponet.chapters._readings`;
- re-exported from :mod:`toponet.chapters._cifar` (shared with chapter 02): :func:`pick_experiment`,
  :func:`channel_clouds`, :func:`model_fit`, :func:`evolution_mappers`, :func:`cloud_label_of`,
  :data:`REAL_DATA`; from :mod:`toponet.chapters._common`: :func:`accuracy_summary`, :func:`evolution`.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from toponet import paper_claims, plots, signature
from toponet._validation import check_fraction, check_int
from toponet.analysis import analyze_filters, scaled_k
from toponet.book.notebook import Caption, Reading, caption, show_table, what_to_see
from toponet.chapters import _readings
from toponet.chapters._templates import render
from toponet.chapters._cifar import (REAL_DATA, _closing, _events_sentence, _evolution_ours, _notes,  # noqa: F401
                                     _scale_head, load_trained, channel_clouds, cloud_label_of, evolution_mappers, model_fit,
                                     pick_experiment)
from toponet.chapters._cifar import data_name  # noqa: F401
from toponet.chapters._cifar import Training, grid_cloud, load_runs, runs_text, training_series, verdict_text
from toponet.chapters._common import accuracy_summary, check_kept, check_paper_k, evolution  # noqa: F401
from toponet.chapters._readings import (barcode_reading, distance_reading, evolution_reading,  # noqa: F401
                                        grid_reading, mapper_reading, rule_outcome, snapshot_reading)
from toponet.paper_claims import describe_claim
from toponet.experiments import experiment, load_or_train
from toponet.filters import pooled_filters
from toponet.ideal import distance_to_model, gaussian_filters
from toponet.mapper import Mapper
from toponet.circle_decision import dense_core
from toponet.verdict_record import Verdict

__all__ = ["ColorChapter", "run_chapter", "channel_rows", "CAPTION_FIGURES", "TRAINING_GRID", "PAPER_ACCURACY",
           "SECOND_LAYER_LOOK", "TWO_CIRCLES_LOOK", "color_verdicts", "color_findings", "validate", "pick_experiment",
           "channel_clouds", "model_fit",
           "evolution_mappers", "cloud_label_of", "REAL_DATA", "accuracy_summary", "evolution", "load_or_train",
           "load_trained", "PAPER_POINTS", "data_name", "channel_reading", "f7_reading", "f8_reading",
           "barcode_reading", "distance_reading", "evolution_reading", "grid_reading", "mapper_reading",
           "snapshot_reading"]

#: Fig. 6's first-layer clouds in the paper, which the chapter's k refers to (rescaled to ours):
#: 60 networks x 64 filters x 3 input channels pooled, and one input channel's 60 x 64.
PAPER_POINTS = {"all channels": 11_520, "one channel": 3_840}


def validate(params) -> dict:
    """The chapter's own checks on top of :func:`toponet.book.validate_parameters`.

    The notebook calls both in its first cell, and ``python -m toponet.book run`` calls both
    before anything runs. ``k`` is the paper's k for Fig. 6's clouds (:data:`PAPER_POINTS`),
    rescaled to ours, so it lies below the per-channel one, 3,840. ``p`` must keep at least the
    points Mapper needs (:attr:`toponet.mapper.Mapper.min_points`) of the smallest cloud whose
    dense core Mapper draws: one input channel's first-layer filters of C(64,32,64),
    ``networks`` x its first-layer width. Returns {"k", "p", "n_points" (that cloud's filters)}.
    """
    k = check_paper_k(params["k"], below=min(PAPER_POINTS.values()), paper=200,
                      refers=f"its {PAPER_POINTS['all channels']:,} filters ({PAPER_POINTS['one channel']:,} per "
                             "input channel)")
    p = check_fraction(params["p"], name="p")
    networks = check_int(params["networks"], name="networks", low=1)
    width = experiment(pick_experiment("cifar-color")[0]).config.widths[0]
    n, need = networks * width, Mapper(resolution=params["resolution"], gain=params["gain"]).min_points
    check_kept(p, n, need, cloud=f"first-layer filters of one input channel ({networks} network"
                                 f"{'s' * (networks != 1)} x {width})",
               needs="Mapper of the core", fix="raise p or networks")
    return dict(k=k, p=p, n_points=n)


def color_verdicts(*, profile: str, data: str, art, art_np, acc: dict, acc_np: dict, f6_claims: dict, f6,
                   f7_claim, f7, f8_test, f8, evo1, evo2, f9, evo_desc=("", "")) -> list:
    """The colour chapter's rows F6, F7, F8, F9 (:class:`toponet.verdict_record.Verdict`), from
    :func:`toponet.paper_claims.f6_rule`, ``f7_rule``, ``f8_rule``, ``f9_rule``."""
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
              + ("n/a" if f7.extra.get("bar_power") is None else f"{f7.extra['bar_power']:.0%}")
              + ("" if f7.extra.get("power_any") is None else f", at least one bar {f7.extra['power_any']:.0%}")
              + ("" if f7.extra.get("power_any") is None or sure or t7.exists else
                 f"; decided by the power to see at least one bar ({f7.extra['power_any']:.0%}): no bar beat the nulls")
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


def color_findings(*, profile: str, data: str, real: bool, runs, f6_claims: dict, f6, f7_claim, f7, f8_test, f8,
                   f9):
    """The colour chapter's "what we found" (Figs. 6-9), picked by this build's results.

    The text is the template ``toponet/chapters/templates/color_findings.md``; this function only
    computes its values.

    Parameters
    ----------
    profile, data : the training scale and the data, in words
    real : whether the data is CIFAR-10 itself
    runs : list of (label, networks, iterations, accuracy) (:func:`toponet.chapters._cifar.run_sentence`)
    f6_claims : cloud -> :class:`toponet.paper_claims.CircleClaim` (F6)
    f6, f7, f8, f9 : the RuleResults of :mod:`toponet.paper_claims`
    f7_claim : F7's circle claim (its four longest bars)
    f8_test : F8's :class:`toponet.paper_claims.ModelFitTest`

    Returns
    -------
    Caption
    """
    if not f6_claims:
        raise ValueError("f6_claims must hold at least one circle claim")
    beyond = f8.extra.get("beyond_second_order")
    if beyond not in (True, False, None):
        raise ValueError(f"F8's beyond_second_order must be True, False or None; got {beyond!r}")
    sure, most = f7_claim.test.long_bars()
    return Caption(render(
        "color_findings", scale=_scale_head(profile, data, runs),
        found=", ".join(ch for ch, c in f6_claims.items() if c.exists),
        claims="; ".join(describe_claim(ch, c) for ch, c in f6_claims.items()), f6=f6.verdict, sure=sure, most=most,
        f7=f7.verdict, model=f8_test.describe(), f8=f8.verdict, beyond=beyond,
        events=_events_sentence(f9, "a circle in layer 1 at 300, broken at 500, back at 1500; in layer 2 at 1000"),
        closing=_closing(real, profile)))


# --- readings: what to see in the figures, from this build's results ------------------------------

def channel_reading(mapper, claims: dict) -> Reading:
    """Fig. 6b's reading: the red channel's Mapper graph, and the circle rule on each channel alone
    (``claims``: channel -> :class:`toponet.paper_claims.CircleClaim`, as ``F6``)."""
    per = "; ".join(f"{ch}: {rule_outcome(c.test, c.rule)}" for ch, c in claims.items() if ch != "all")
    return what_to_see(
        "the paper sees the primary circle in each colour channel alone. This graph (red) has {nodes} nodes and "
        "{loops} large loop(s), a picture. The circle rule on each channel's cloud ({n} points of dense core each; "
        "the table above has the p-values): {per}.", nodes=mapper.n_nodes_, loops=mapper.n_large_loops_,
        n=claims["R"].test.n_core, per=per)


def f7_reading(claim, power: dict) -> Reading:
    """Fig. 7a's reading: how many $H_1$ bars surely beat both nulls against the paper's three,
    and how often "exactly three" is seen on a two-circle model of this size (``power``:
    :func:`toponet.paper_claims.bars_power`); when no bar beats the nulls, the power to see at least one
    bar decides (as :func:`toponet.paper_claims.f7_rule`)."""
    sure, most = claim.test.long_bars()
    bars = ", ".join(f"{b[0]:.2f}" for b in claim.test.bars)
    seen = power["power"]
    if sure == 0 and not claim.test.exists and power.get("power_any") is not None:
        any_ = power["power_any"]
        weight = (f"but no bar beats the nulls here, and at least one bar is seen on {any_:.0%} of the model clouds, "
                  + ("so finding none is evidence against the paper's picture" if any_ >= 0.8 else
                     "too rarely for finding none to decide the claim"))
    else:
        weight = ("so a count other than three here is evidence against the paper's picture" if seen >= 0.8 else
                  "so at this size a count other than three cannot decide the claim's three-bar part")
    return what_to_see(
        "two circles meeting in two points have three independent loops, so the paper sees three long $H_1$ bars "
        "of similar length. The four longest here: {bars}; {sure} of them surely beat both null clouds' top bars "
        "(at most {most}; {draws} draws of each kind). On noisy two-circle model clouds of this size, exactly three "
        "bars are seen {seen:.0%} of the time, {weight}.", bars=bars, sure=sure, most=most,
        draws=claim.test.draws, seen=seen, weight=weight)


def f8_reading(fit: dict, fit_untrained: dict, test, rule) -> Reading:
    """Fig. 8's reading: the shares near the three-circle model (trained, untrained, gaussian), then
    the two statistics against the null clouds and the verdict (``test``:
    :class:`toponet.paper_claims.ModelFitTest`, ``rule``: F8's :class:`toponet.circle_decision.RuleResult`)."""
    near = distance_reading({"trained": fit["near_three"], "untrained": fit_untrained["near_three"],
                             "gaussian": fit["null_near_three"]}, fit["threshold"], model="the three-circle model")
    nulls = "; ".join(f"{k} {-v[:, 0].mean():.2f} and {v[:, 1].mean():.1%} (p = {test.pval(k, 0):.2g}, "
                      f"{test.pval(k, 1):.2g})" for k, v in test.null_values.items())
    return Reading(near.text + " " + (
        f"Against {test.draws} null clouds of each kind, the dense core's median distance to the model is "
        f"{-test.observed[0]:.2f} and its share on the secondary circles only {test.observed[1]:.1%}; the nulls' "
        f"means: {nulls}. Nearer the model and more on the secondary circles than the gaussian and shuffled nulls "
        f"is the paper's three-circle picture: verdict F8 **{rule.verdict}**."))


# --- the chapter's result: run_chapter computes it, its methods draw, caption and read it ------------

#: The figures the caption template ``color_captions.md`` words (Fig. 9's are ``cifar_captions.md``).
CAPTION_FIGURES = ("6a", "6b", "6c", "7a", "7b", "8")
#: Fig. 9's Mapper grid (the paper's settings; its caption states them): layer 1's pooled filters
#: unfiltered, Mapper(33, 2); layer 2's at rho(k, 0.3), k rescaled from 100 for the paper's
#: 122,880 filters, Mapper(60, 2). Keyword arguments of :func:`evolution_mappers` per layer.
TRAINING_GRID = MappingProxyType({"conv1": dict(p=1.0, resolution=33, gain=2.0),
                                  "conv2": dict(k_paper=100, p=0.3, n_points_paper=122_880, resolution=60, gain=2.0)})
#: The paper's reported accuracies, as the chapter's first lines print them.
PAPER_ACCURACY = "paper (CIFAR-10): C(64,32,64) 81.2 % at 100K; C(48,0,64) without max-pooling 71.8 % at 30K"
#: Fig. 6c's reading: what to look for in one network's second layer, which no verdict tests.
SECOND_LAYER_LOOK = ("the paper draws this graph and reads a circle in it; no verdict of this chapter tests it, so "
                     "look at the mean filters on the nodes: edges at many angles along a ring, or blobs and lines")
#: Fig. 7b's reading: what two circles meeting in two points look like in Mapper.
TWO_CIRCLES_LOOK = ("two circles meeting in two points would be two rings of edge filters sharing two places; one ring "
                    "is one circle")


@dataclass(frozen=True)
class ColorChapter:
    """Everything chapter 03 computes (:func:`run_chapter`), and its figures, captions and readings.

    Attributes
    ----------
    profile, data : str
        The training scale and the data, in words (:func:`pick_experiment`).
    k : int
        The paper's k for Fig. 6's clouds, before it is rescaled to ours (:data:`PAPER_POINTS`).
    p : float
        Fig. 6's density filtration.
    resolution : int
    gain : float
        The Mapper(resolution, gain) of Figs. 6-8.
    runs : dict of str to Run
        "C(64,32,64)" (colour) and "C(48,0,64)" (no max-pooling): networks and test accuracy.
    clouds, untrained_clouds : dict of str to ndarray of shape (n, 9)
        C(64,32,64)'s first-layer filters, trained and at iteration 0: "all" channels pooled,
        and "R", "G", "B" alone (:func:`channel_clouds`), raw.
    channel_claims : dict of str to toponet.paper_claims.CircleClaim
        F6's circle rule per cloud of ``clouds`` at rho(200, 0.14) (k rescaled).
    channel_analysis : dict of str to toponet.analysis.AnalysisResult
        The Mapper graphs of the "all" and "R" clouds (Figs. 6a, 6b).
    most_accurate : int
        Index of C(64,32,64)'s most accurate network (Fig. 6c).
    layer2_one_network_mapper : toponet.mapper.Mapper
        Fig. 6c: Mapper of rho(10, 0.32) of that network's second layer.
    no_pool_claim : toponet.paper_claims.CircleClaim
        F7: the four longest bars of C(48,0,64)'s first layer at rho(200, 0.32) (k rescaled).
    no_pool_bars_power : dict
        :func:`toponet.paper_claims.bars_power` of "exactly three bars" on a two-circle model.
    no_pool_barcodes : object
        Exact persistence of the claim's tested core (Fig. 7a).
    no_pool_analysis : toponet.analysis.AnalysisResult
        Fig. 7b's Mapper graph of the same cloud.
    model_test : toponet.paper_claims.ModelFitTest
        F8: fit to the three-circle model at rho(100, 0.35) against null clouds.
    model_core : ndarray of shape (n_core, 9)
        That dense core of the pooled first layer, normalized.
    model_fits : dict of str to dict
        :func:`model_fit` of the "trained" core, the "untrained" one and "gaussian" filters as many.
    core_signature : toponet.signature.Signature
        $H_1$ of the core over Z/2 and Z/3 (descriptive).
    training : toponet.chapters._cifar.Training
        Fig. 9: Mapper grid, circle rule per snapshot, orientation curves.
    f6, f7, f8, f9 : toponet.circle_decision.RuleResult
        The claims' rules (:func:`toponet.paper_claims.f6_rule`, ...).
    rows : tuple of toponet.verdict_record.Verdict
        The rows F6, F7, F8, F9 (:func:`color_verdicts`).
    """

    profile: str
    data: str
    k: int
    p: float
    resolution: int
    gain: float
    runs: dict
    clouds: dict
    untrained_clouds: dict
    channel_claims: dict
    channel_analysis: dict
    most_accurate: int
    layer2_one_network_mapper: object
    no_pool_claim: object
    no_pool_bars_power: dict
    no_pool_barcodes: object
    no_pool_analysis: object
    model_test: object
    model_core: np.ndarray
    model_fits: dict
    core_signature: object
    training: Training
    f6: object
    f7: object
    f8: object
    f9: object
    rows: tuple

    def runs_text(self) -> str:
        """The data, each run's test accuracy and the paper's, one line each.

        Returns
        -------
        str
        """
        return runs_text(self.data, self.runs.values(), PAPER_ACCURACY)

    def _caption(self, figure: str, arch: str, layer: int, k=None, p=None, *, networks=None, accuracy=None,
                 **values) -> Caption:
        """The caption of ``figure``: the template ``color_captions.md`` filled with ``values`` (and k, p), in the
        frame of :func:`toponet.book.notebook.caption` (the cloud rho(k, p) of ``layer``)."""
        if figure not in CAPTION_FIGURES:
            raise ValueError(f"no caption for figure {figure!r}; known: {list(CAPTION_FIGURES)}")
        run = self.runs[arch]
        text = render("color_captions", figure=figure, resolution=self.resolution, gain=self.gain, k=k, p=p, **values)
        return caption(text, cloud=cloud_label_of(run.artifact, layer, k, p, networks=networks), profile=self.profile,
                       accuracy=run.accuracies if accuracy is None else accuracy,
                       paper_accuracy=run.paper_accuracy, figure=figure)

    def _mapper(self, what: str) -> str:
        return f"Mapper({self.resolution}, {self.gain:g}){what}"

    # -- Figure 6 --
    def channel_text(self) -> str:
        """Each cloud's circle rule and its calibration, two lines per cloud.

        Returns
        -------
        str
        """
        return "\n".join(f"{claim.describe()} -> {claim.rule.verdict}\n   calibration: {claim.calibration.describe()}"
                         for claim in self.channel_claims.values())

    def fig6a_figure(self):
        """Fig. 6a: the Mapper graph of all channels pooled.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return plots.mapper_figure(self.channel_analysis["all"].mapper, title=f"All channels, {self._mapper('')}")

    def fig6a_caption(self) -> Caption:
        """Fig. 6a's caption.

        Returns
        -------
        Caption
        """
        return self._caption("6a", "C(64,32,64)", 1, self.channel_claims["all"].test.k, self.p)

    def fig6a_reading(self) -> Reading:
        """Fig. 6a's reading (:func:`toponet.chapters._readings.mapper_reading`).

        Returns
        -------
        Reading
        """
        claim = self.channel_claims["all"]
        return _readings.mapper_reading(self.channel_analysis["all"].mapper, claim.test, claim.rule)

    def channel_table(self):
        """F6's table: per cloud the circle rule's numbers.

        Returns
        -------
        IPython.display.HTML
        """
        return show_table(channel_rows(self.channel_claims))

    def fig6b_figure(self):
        """Fig. 6b: the red channel's Mapper graph.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return plots.mapper_figure(self.channel_analysis["R"].mapper, title="Red channel only")

    def fig6b_caption(self) -> Caption:
        """Fig. 6b's caption.

        Returns
        -------
        Caption
        """
        return self._caption("6b", "C(64,32,64)", 1, self.channel_claims["R"].test.k, self.p)

    def channel_reading(self) -> Reading:
        """Fig. 6b's reading (:func:`channel_reading`).

        Returns
        -------
        Reading
        """
        return channel_reading(self.channel_analysis["R"].mapper, self.channel_claims)

    def fig6c_figure(self):
        """Fig. 6c: one network's second layer, a picture.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return plots.mapper_figure(self.layer2_one_network_mapper, title="One network's second layer")

    def fig6c_caption(self) -> Caption:
        """Fig. 6c's caption.

        Returns
        -------
        Caption
        """
        values = self.runs["C(64,32,64)"].accuracy["values"]
        return self._caption("6c", "C(64,32,64)", 2, 10, 0.32, networks=1, accuracy=[float(values[self.most_accurate])],
                             network=self.most_accurate)

    def fig6c_reading(self) -> Reading:
        """Fig. 6c's reading: what to look for; no verdict tests this graph.

        Returns
        -------
        Reading
        """
        return _readings.mapper_reading(self.layer2_one_network_mapper, look=SECOND_LAYER_LOOK)

    # -- Figure 7 --
    def fig7a_figure(self):
        """Fig. 7a: barcodes of the no-max-pool first layer's tested core.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.barcode_plot(self.no_pool_barcodes, title="Barcodes, C(48,0,64) without max-pooling")

    def fig7a_caption(self) -> Caption:
        """Fig. 7a's caption.

        Returns
        -------
        Caption
        """
        return self._caption("7a", "C(48,0,64)", 1, self.no_pool_claim.test.k, 0.32)

    def f7_reading(self) -> Reading:
        """Fig. 7a's reading (:func:`f7_reading`).

        Returns
        -------
        Reading
        """
        return f7_reading(self.no_pool_claim, self.no_pool_bars_power)

    def fig7b_figure(self):
        """Fig. 7b: Mapper of the same cloud.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return plots.mapper_figure(self.no_pool_analysis.mapper, title="C(48,0,64) without max-pooling")

    def fig7b_caption(self) -> Caption:
        """Fig. 7b's caption.

        Returns
        -------
        Caption
        """
        return self._caption("7b", "C(48,0,64)", 1, self.no_pool_claim.test.k, 0.32)

    def fig7b_reading(self) -> Reading:
        """Fig. 7b's reading (:func:`toponet.chapters._readings.mapper_reading`).

        Returns
        -------
        Reading
        """
        return _readings.mapper_reading(self.no_pool_analysis.mapper, self.no_pool_claim.test, self.no_pool_claim.rule,
                                        look=TWO_CIRCLES_LOOK)

    # -- Figure 8 --
    def fig8_figure(self):
        """Fig. 8: distances to the three-circle model, trained, untrained and gaussian.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.distance_histogram({"trained core": self.model_fits["trained"]["distances_three"],
                                         "untrained core": self.model_fits["untrained"]["distances_three"],
                                         "gaussian": self.model_fits["gaussian"]["distances_three"]},
                                        threshold=self.model_fits["trained"]["threshold"],
                                        title="distance to the three-circle model")

    def fig8_caption(self) -> Caption:
        """Fig. 8's caption.

        Returns
        -------
        Caption
        """
        return self._caption("8", "C(64,32,64)", 1, self.model_test.k, 0.35, n_core=self.model_core.shape[0])

    def f8_reading(self) -> Reading:
        """Fig. 8's reading (:func:`f8_reading`).

        Returns
        -------
        Reading
        """
        return f8_reading(self.model_fits["trained"], self.model_fits["untrained"], self.model_test, self.f8)

    def signature_text(self) -> str:
        """The core's $H_1$ signature over Z/2 and Z/3, one sentence (:func:`toponet.signature.signature_text`).

        Returns
        -------
        str
        """
        return signature.signature_text(self.core_signature)

    def core_distances(self, cloud: str = "all", model: str = "primary_circle") -> np.ndarray:
        """Each filter of a cloud's dense core, its distance to an ideal model (the exercises').

        The core is :func:`toponet.circle_decision.dense_core` of ``clouds[cloud]`` at rho(k, p), k
        rescaled from the paper's 11,520 pooled filters (:data:`PAPER_POINTS`, "all channels") for
        every cloud; the distances are :func:`toponet.ideal.distance_to_model`'s.

        Parameters
        ----------
        cloud : "all", "R", "G" or "B"
            A key of :attr:`clouds`.
        model : "primary_circle", "klein_bottle" or "three_circles"

        Returns
        -------
        ndarray of shape (n_core,)

        Raises
        ------
        ValueError
            ``cloud`` is not a key of :attr:`clouds` (the message lists them), or ``model`` is unknown.
        """
        if cloud not in self.clouds:
            raise ValueError(f"cloud must be one of {list(self.clouds)}; got {cloud!r}")
        filters = self.clouds[cloud]
        core = dense_core(filters, scaled_k(self.k, filters.shape[0], PAPER_POINTS["all channels"]), self.p)
        return distance_to_model(core, model).distances

    # -- verdicts and findings --
    def verdict_text(self) -> str:
        """Each row's claim id, its rule's verdict and reasons (indented), as the recording cell prints them.

        Returns
        -------
        str
        """
        return verdict_text(self.rows, (self.f6, self.f7, self.f8, self.f9))

    def findings(self) -> Caption:
        """The chapter's "What we found" (:func:`color_findings`).

        Returns
        -------
        Caption
        """
        return color_findings(profile=self.profile, data=self.data, real=self.data == REAL_DATA,
                              runs=[run.findings_run() for run in self.runs.values()], f6_claims=self.channel_claims,
                              f6=self.f6, f7_claim=self.no_pool_claim, f7=self.f7, f8_test=self.model_test, f8=self.f8,
                              f9=self.f9)


def channel_rows(channel_claims: dict) -> list[dict]:
    """F6's table rows: per cloud its size, k, core, top $H_1$ bar, p-values, power and verdict.

    Parameters
    ----------
    channel_claims : dict of str to toponet.paper_claims.CircleClaim

    Returns
    -------
    list of dict, one per cloud, as :func:`toponet.book.show_table` takes them
    """
    return [dict(channels=channel, filters=claim.test.n_points, k=claim.test.k, kept=claim.test.n_core,
                 top_h1=round(claim.test.top[0], 3),
                 **{f"p {kind}": claim.test.nulls[kind].describe() for kind in claim.test.nulls},
                 power=f"{claim.rule.power:.0%}", false_positives=f"{claim.rule.false_positive_rate:.0%}",
                 circle=claim.rule.verdict) for channel, claim in channel_claims.items()]


def run_chapter(*, profile: str, networks: int, iterations: int, k: int, p: float, resolution: int, gain: float,
                seed: int = 0, device: str = "auto") -> ColorChapter:
    """Chapter 03 in one call: train or load, Figs. 6-9, the rules F6-F9 and their verdict rows.

    Parameters
    ----------
    profile : the training scale (smoke, default, paper)
    networks, iterations : C(64,32,64)'s networks and batch iterations (C(48,0,64)'s: the profile's)
    k, p : the paper's k for Fig. 6's clouds (rescaled to ours) and the density filtration
    resolution, gain : the Mapper of Figs. 6-8
    seed : null clouds, landmarks and layouts
    device : torch device for any training needed

    Returns
    -------
    ColorChapter

    Raises
    ------
    ValueError
        When :func:`validate` rejects a parameter (before anything loads or trains).
    """
    validate(dict(profile=profile, networks=networks, iterations=iterations, k=k, p=p, resolution=resolution,
                  gain=gain))
    runs, data = load_runs(profile, ("cifar-color", "C(64,32,64)", 0.812),
                           ("cifar-color-C48-0-64-nopool", "C(48,0,64)", 0.718), networks=networks,
                           iterations=iterations, device=device)
    color, no_pool = runs.values()
    mapper = dict(resolution=resolution, gain=gain, null_repeats=0, seed=seed, n_landmarks=None)
    # Fig. 6: all channels pooled and each alone
    clouds = channel_clouds(color.artifact.conv_weights("conv1"))
    untrained_clouds = channel_clouds(color.artifact.conv_weights("conv1", 0))
    channel_claims = {channel: paper_claims.circle_claim(filters, k_paper=k, p=p, seed=seed, label=channel,
                                                   n_points_paper=PAPER_POINTS["all channels" if channel == "all"
                                                                               else "one channel"])
                      for channel, filters in clouds.items()}
    channel_analysis = {channel: analyze_filters(clouds[channel], k=channel_claims[channel].test.k, p=p, **mapper)
                        for channel in ("all", "R")}
    # Fig. 6c: the most accurate network's second layer (the paper does not say which it used)
    most_accurate = int(np.argmax(color.accuracy["values"]))
    one_network = pooled_filters(color.artifact.conv_weights("conv2")[most_accurate:most_accurate + 1])
    one_network_mapper = Mapper(resolution=resolution, gain=gain, layout_seed=seed).fit(
        dense_core(one_network, 10, 0.32))
    # Fig. 7: no max-pooling, the four longest bars
    no_pool_filters = pooled_filters(no_pool.artifact.conv_weights("conv1"))
    no_pool_claim = paper_claims.circle_claim(no_pool_filters, k_paper=200, n_points_paper=11_808, p=0.32, seed=seed, ranks=4,
                                        one_bar=False, label="no max-pool layer 1", max_core=paper_claims.MULTI_BAR_CORE)
    bars_power = paper_claims.bars_power(no_pool_claim.calibration, model="two-circle", seed=seed)
    f7 = paper_claims.f7_rule(no_pool_claim, power=bars_power)
    no_pool_barcodes = paper_claims.claim_persistence(no_pool_claim)
    no_pool_analysis = analyze_filters(no_pool_filters, k=no_pool_claim.test.k, p=0.32, **mapper)
    # Fig. 8: the three-circle model
    model_k = scaled_k(100, clouds["all"].shape[0], PAPER_POINTS["all channels"])
    model_test = paper_claims.model_fit_test(clouds["all"], k=model_k, p=0.35, seed=seed)
    f8 = paper_claims.f8_rule(model_test)
    model_core = dense_core(clouds["all"], model_test.k, 0.35)
    fits = {"trained": model_fit(model_core, seed=seed),
            "untrained": model_fit(dense_core(untrained_clouds["all"], model_test.k, 0.35), seed=seed),
            "gaussian": model_fit(gaussian_filters(model_core.shape[0], seed=seed), seed=seed)}
    core_signature = signature.core_signature(model_core, seed=seed)
    training = training_series(
        color, figure="9", profile=profile, seed=seed, evolution_core=True,
        grid=TRAINING_GRID,
        tests={"conv1": ((200, 300, 400, 500, 600, 1000, 1500), k, 1.0, 11_520),
               "conv2": ((500, 1000, 1500), *grid_cloud(TRAINING_GRID["conv2"]))},
        orientation=dict(k_paper=k, p=p, n_points_paper=11_520))
    f6, f9 = paper_claims.f6_rule(channel_claims), paper_claims.f9_rule(training.layer1_tests, training.layer2_tests)
    first1, first2 = training.layer1_tests[0].claim, training.layer2_tests[0].claim
    rows = color_verdicts(profile=profile, data=data, art=color.artifact, art_np=no_pool.artifact, acc=color.accuracy,
                          acc_np=no_pool.accuracy, f6_claims=channel_claims, f6=f6, f7_claim=no_pool_claim, f7=f7,
                          f8_test=model_test, f8=f8, evo1=training.layer1_tests, evo2=training.layer2_tests, f9=f9,
                          evo_desc=(f"{first1.cloud.shape[0]} of {first1.n_raw} filters, no filtration",
                                    f"rho({first2.test.k}, 0.3) of {first2.cloud.shape[0]:,} of "
                                    f"{first2.n_raw:,} filters"))
    return ColorChapter(profile=profile, data=data, k=k, p=p, resolution=resolution, gain=gain,
                        runs=runs, clouds=clouds, untrained_clouds=untrained_clouds, channel_claims=channel_claims,
                        channel_analysis=channel_analysis, most_accurate=most_accurate,
                        layer2_one_network_mapper=one_network_mapper, no_pool_claim=no_pool_claim,
                        no_pool_bars_power=bars_power, no_pool_barcodes=no_pool_barcodes,
                        no_pool_analysis=no_pool_analysis, model_test=model_test, model_core=model_core,
                        model_fits=fits, core_signature=core_signature, training=training, f6=f6, f7=f7, f8=f8,
                        f9=f9, rows=tuple(rows))
