"""Chapter 06 in one call (``notebooks/06_umass.py``): U1's tori and U2's memorization, computed and presented.

:func:`run_chapter` loads both studies through the registry, computes everything the chapter
shows (long H0 bars, best runs, barcodes, Mapper graphs, the two rules) and builds the verdict
rows; the :class:`UmassChapter` it returns draws the figures and writes the captions, readings,
tables and "What we found" paragraphs from what it holds. The studies themselves are
:mod:`toponet.chapters.umass.tori` (U1) and :mod:`toponet.chapters.umass.memorization` (U2).

This module imports the registry, which imports those two: so it is a module of its own, not
part of the package's ``__init__``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

import toponet.book as tb
from toponet import plots
from toponet._validation import check_int
from toponet.book.notebook import Caption, Reading, verdict_block
from toponet.chapters import registry
from toponet.chapters._templates import render
from toponet.chapters.umass import memorization, tori
from toponet.experiments import SCALES
from toponet.homology import PersistenceResult
from toponet.circle_decision import RuleResult
from toponet.verdict_record import Verdict, with_inputs

__all__ = ["UmassChapter", "run_chapter", "DATA_U1", "U1_CLOUD", "U2_CLOUD"]

#: U1's data in words (captions and the verdict row).
DATA_U1 = "two linked tori (synthetic, as the paper)"
#: The point clouds of U1's and U2's figures (TeX, for :func:`toponet.book.caption`).
U1_CLOUD = r"\text{first hidden layer, 1,000 test points}"
U2_CLOUD = r"\text{final hidden layer / softmax of the training images labelled 1 or 2}"
#: A U1 run counts as 100 % from this test accuracy on (as :func:`toponet.chapters.umass.tori.u1_verdict`).
PERFECT = 0.995
#: Run kind -> the network's name in the captions and the paper's final accuracy of it.
_NETWORK = {"true": ("N", memorization.PAPER["true"]["test"]), "permuted": ("N'", memorization.PAPER["permuted"]["test"])}
#: U2's accuracy curves: run kind -> figure label.
_U2_CURVES = {"permuted": "U2a", "true": "U2b"}
#: U2's Mapper figures: (run kind, layer, colouring) -> (figure label, title, colour bar title).
_U2_MAPPERS = {
    ("true", "hidden", "digit"): ("U2c", "N, final hidden layer", "share of 2s"),
    ("true", "softmax", "digit"): ("U2d", "N, softmax outputs", "share of 2s"),
    ("permuted", "hidden", "digit"): ("U2e", "N', final hidden layer, by true digit", "share of true 2s"),
    ("permuted", "hidden", "assigned"): ("U2f", "N', final hidden layer, by assigned label", "share assigned 2"),
    ("permuted", "softmax", "assigned"): ("U2g", "N', softmax outputs, by assigned label", "share assigned 2"),
}


def _activation(activation: str) -> str:
    if activation not in ("abs", "relu"):
        raise ValueError(f"activation must be 'abs' or 'relu'; got {activation!r}")
    return activation


@dataclass(frozen=True)
class UmassChapter:
    """Everything chapter 06 computed: U1's tori study and U2's memorization runs, their rules and rows.

    Attributes
    ----------
    profile : str
        The build profile.
    networks, iterations : int
        U1's initialization seeds (each trains N_ReLU and N_abs) and full-batch Adam iterations.
    k : int
        Neighbours of U2's label agreement.
    resolution : int
        Mapper resolution of U2's graphs.
    gain : float
        Mapper gain of U2's graphs.
    seed : int
        Seed of the Mapper layouts and of the rules' simulations.
    u1_study : dict of ndarray
        :func:`toponet.chapters.umass.tori.tori_study`'s arrays, one row per run (n_runs = 2 x
        networks): ``activation`` (0 = ReLU, 1 = abs), ``seed``, ``train_accuracy`` and
        ``test_accuracy`` (fractions), ``hidden_test`` of shape (n_runs, 1000, 3), ...
    long_bars : ndarray of shape (n_runs,)
        Long H0 bars of each run's first hidden activations.
    test_points : ndarray of shape (1000, 3)
        The test points of the two linked tori (U1's input).
    test_labels : ndarray of shape (1000,)
        Their torus, 0 or 1.
    best : mapping of str to int
        "abs", "relu" -> index in ``u1_study`` of that network's best run (highest test accuracy).
    barcodes : mapping of str to (PersistenceResult, int)
        "input", "abs", "relu" -> H0 barcode and long-bar count of the test points and of the
        best runs' first hidden activations.
    u1_rule : RuleResult
        :func:`toponet.chapters.umass.tori.u1_rule`.
    u1_verdict : str
    u1_reasons : tuple of str
        :func:`toponet.chapters.umass.tori.u1_verdict`: the rule's reasons and the paper's reading.
    u2_configs : mapping of str to MemorizationConfig
        "true", "permuted" -> the configuration trained at ``profile``.
    u2_runs : mapping of str to dict of ndarray
        "true", "permuted" -> :func:`toponet.chapters.umass.memorization.memorization_run`'s arrays
        (accuracies per epoch; ``hidden`` (n_images, 256) and ``softmax`` (n_images, 10) of the
        training images assigned 1 or 2, their ``true_digit`` and ``assigned`` label).
    mappers : mapping of (str, str) to Mapper
        (run kind, layer) -> fitted Mapper (:func:`toponet.chapters.umass.memorization.layer_mappers`).
    u2_rule : RuleResult
        :func:`toponet.chapters.umass.memorization.u2_rule`.
    u2_verdict : str
    u2_reasons : tuple of str
    u2_numbers : dict of str to float
        :func:`toponet.chapters.umass.memorization.u2_verdict`: accuracies (fractions) and
        chance-adjusted label agreements.
    rows : tuple of Verdict
        U1's and U2's verdict rows, each with the inputs read when it was built.
    """

    profile: str
    networks: int
    iterations: int
    k: int
    resolution: int
    gain: float
    seed: int
    u1_study: Mapping[str, np.ndarray]
    long_bars: np.ndarray
    test_points: np.ndarray
    test_labels: np.ndarray
    best: Mapping[str, int]
    barcodes: Mapping[str, tuple[PersistenceResult, int]]
    u1_rule: RuleResult
    u1_verdict: str
    u1_reasons: tuple[str, ...]
    u2_configs: Mapping[str, memorization.MemorizationConfig]
    u2_runs: Mapping[str, Mapping[str, np.ndarray]]
    mappers: Mapping[tuple[str, str], object]
    u2_rule: RuleResult
    u2_verdict: str
    u2_reasons: tuple[str, ...]
    u2_numbers: Mapping[str, float]
    rows: tuple[Verdict, ...]

    # --- U1 ---------------------------------------------------------------------------------------

    def _runs(self, activation: str) -> np.ndarray:
        """Boolean mask of the ``activation`` runs, shape (n_runs,)."""
        return self.u1_study["activation"] == {"relu": 0, "abs": 1}[_activation(activation)]

    def _test_accuracy(self, activation: str) -> np.ndarray:
        return self.u1_study["test_accuracy"][self._runs(activation)]

    def best_hidden(self, activation: str) -> np.ndarray:
        """First hidden activations of the best ``activation`` run on the test points.

        Parameters
        ----------
        activation : {"abs", "relu"}

        Returns
        -------
        ndarray of shape (1000, 3)
        """
        return self.u1_study["hidden_test"][self.best[_activation(activation)]]

    def u1_accuracy_summary(self) -> str:
        """Both networks' test accuracy over the seeds, in one line.

        Returns
        -------
        str
            Mean +- sd per network and the N_abs runs at 100 %.
        """
        relu, absn = self._test_accuracy("relu"), self._test_accuracy("abs")
        return (f"N_ReLU test accuracy {100 * relu.mean():.1f} +- {100 * relu.std(ddof=1):.1f}% "
                f"over {self._runs('relu').sum()} seeds; N_abs {100 * absn.mean():.1f} +- {100 * absn.std(ddof=1):.1f}%; "
                f"N_abs at 100%: {int(np.sum(absn >= PERFECT))} of {self._runs('abs').sum()}")

    def u1_accuracy_figure(self):
        """Figure U1a: train and test accuracy per seed of both networks.

        Returns
        -------
        matplotlib.figure.Figure
            :func:`toponet.plots.statistic_strip`.
        """
        train = self.u1_study["train_accuracy"]
        return plots.statistic_strip({"N_ReLU train": train[self._runs("relu")], "N_ReLU test": self._test_accuracy("relu"),
                                      "N_abs train": train[self._runs("abs")], "N_abs test": self._test_accuracy("abs")},
                                     title="U1: accuracy per seed", ylabel="accuracy")

    def u1_accuracy_caption(self) -> Caption:
        """Figure U1a's caption.

        Returns
        -------
        Caption
            The wording of ``templates/umass_captions.md`` in :func:`toponet.book.caption`'s frame.
        """
        return tb.caption(render("umass_captions", figure="U1a", seeds=self.networks, iterations=self.iterations,
                                 data=DATA_U1),
                          cloud=U1_CLOUD, profile=self.profile,
                          accuracy=[float(a) for a in self.u1_study["test_accuracy"]], figure="U1a")

    def u1_accuracy_reading(self) -> Reading:
        """What to see in figure U1a: the spread of each network and N_abs's runs at 100 %.

        Returns
        -------
        Reading
        """
        relu, absn = self._test_accuracy("relu"), self._test_accuracy("abs")
        return tb.what_to_see(
            "one dot per seed. The paper: $N_\\text{{ReLU}}$ 98 %, $N_{{|\\cdot|}}$ 100 % but sensitive to its "
            "initialization, so look at the spread of each network's dots, not only their mean. Here "
            "$N_{{|\\cdot|}}$ reaches 100 % (99.5 % or more) on {perfect} of {n} seeds and has mean {abs_mean:.1%}; "
            "$N_\\text{{ReLU}}$'s best seed reaches {relu_max:.1%}, its mean {relu_mean:.1%}.",
            perfect=int(np.sum(absn >= PERFECT)), n=int(self._runs("abs").sum()), abs_mean=float(absn.mean()),
            relu_max=float(relu.max()), relu_mean=float(relu.mean()))

    def u1_input_figure(self):
        """Figure U1b: the test points of the two linked tori in 3-D.

        Returns
        -------
        plotly.graph_objects.Figure
            :func:`toponet.plots.scatter3d_figure`.
        """
        return plots.scatter3d_figure(self.test_points, self.test_labels, title="input: two linked tori (test points)",
                                      color_title="torus", categorical=True)

    def u1_input_caption(self) -> Caption:
        """Figure U1b's caption.

        Returns
        -------
        Caption
            The wording of ``templates/umass_captions.md`` in :func:`toponet.book.caption`'s frame.
        """
        return tb.caption(render("umass_captions", figure="U1b", n=len(self.test_labels)),
                          cloud=r"\text{two linked tori, test points}", profile=self.profile, figure="U1b")

    def u1_hidden_figure(self, activation: str):
        """Figures U1c (abs), U1d (relu): the best run's first hidden activations in 3-D.

        Parameters
        ----------
        activation : {"abs", "relu"}

        Returns
        -------
        plotly.graph_objects.Figure
        """
        name = {"abs": "N_abs", "relu": "N_ReLU"}[_activation(activation)]
        return plots.scatter3d_figure(self.best_hidden(activation), self.test_labels, categorical=True,
                                      color_title="torus",
                                      title=f"{name}, first hidden layer (seed {self._best_seed(activation)})")

    def _best_seed(self, activation: str):
        return self.u1_study["seed"][self.best[activation]]

    def _best_accuracy(self, activation: str) -> float:
        return float(self.u1_study["test_accuracy"][self.best[activation]])

    def u1_hidden_caption(self, activation: str) -> Caption:
        """The caption of :meth:`u1_hidden_figure`.

        Parameters
        ----------
        activation : {"abs", "relu"}

        Returns
        -------
        Caption
            The wording of ``templates/umass_captions.md`` in :func:`toponet.book.caption`'s frame.

        Raises
        ------
        ValueError
            For another activation.
        """
        figure = {"abs": "U1c", "relu": "U1d"}[_activation(activation)]
        return tb.caption(render("umass_captions", figure=figure, seed=self._best_seed(activation)), cloud=U1_CLOUD,
                          profile=self.profile, accuracy=self._best_accuracy(activation),
                          paper_accuracy=tori.PAPER_ACCURACY[activation], figure=figure)

    def u1_barcode_figure(self, activation: str):
        """Figures U1e (abs), U1f (relu): the H0 barcode of the best run's first hidden activations.

        Parameters
        ----------
        activation : {"abs", "relu"}

        Returns
        -------
        matplotlib.figure.Figure
            :func:`toponet.plots.barcode_plot`.
        """
        name = {"abs": "N_abs", "relu": "N_ReLU"}[_activation(activation)]
        barcode, long_bars = self.barcodes[activation]
        return plots.barcode_plot(barcode, dims=(0,),
                                  title=f"{name}, seed {self._best_seed(activation)}: {long_bars} long H0 bar(s)")

    def u1_barcode_caption(self, activation: str) -> Caption:
        """The caption of :meth:`u1_barcode_figure`.

        Parameters
        ----------
        activation : {"abs", "relu"}

        Returns
        -------
        Caption
            The wording of ``templates/umass_captions.md`` in :func:`toponet.book.caption`'s frame.

        Raises
        ------
        ValueError
            For another activation.
        """
        figure = {"abs": "U1e", "relu": "U1f"}[_activation(activation)]
        return tb.caption(render("umass_captions", figure=figure, seed=self._best_seed(activation)), cloud=U1_CLOUD,
                          profile=self.profile, accuracy=self._best_accuracy(activation), figure=figure)

    def u1_barcode_reading(self, activation: str) -> Reading:
        """What to see in :meth:`u1_barcode_figure`: its long bars beside the input's and every run's.

        Parameters
        ----------
        activation : {"abs", "relu"}

        Returns
        -------
        Reading
        """
        every_run = self.long_bars[self._runs(activation)].tolist()
        if activation == "abs":
            return tb.what_to_see(
                "each bar is a piece of the cloud that stays separate up to that scale; the long ones (over 3 times the "
                "95 % quantile of all $H_0$ lifetimes, the infinite one included) count the pieces. Two long bars: the "
                "tori lie apart, as the paper says $N_{{|\\cdot|}}$ makes them. Here: {n} long bar(s); the input has "
                "{n_in}; over every $N_{{|\\cdot|}}$ seed: {all}.", n=self.barcodes["abs"][1],
                n_in=self.barcodes["input"][1], all=every_run)
        return tb.what_to_see(
            "the same count for ReLU: the paper says its squashing leaves one piece, a single long bar. Here: {n} "
            "long bar(s); over every $N_\\text{{ReLU}}$ seed: {all}.", n=self.barcodes["relu"][1], all=every_run)

    def u1_table(self):
        """U1's numbers beside the paper's.

        Returns
        -------
        IPython.display.HTML
            :func:`toponet.book.show_table` of three rows (paper, ours).
        """
        relu, absn = self._runs("relu"), self._runs("abs")
        train, test = self.u1_study["train_accuracy"], self.u1_study["test_accuracy"]
        perfect_abs = absn & (test >= PERFECT)
        return tb.show_table([
            {"": "N_ReLU train / test", "paper": "98% / 98%",
             "ours": f"{100 * train[relu].mean():.1f}% / {100 * test[relu].mean():.1f}% (mean of {relu.sum()})"},
            {"": "N_abs train / test", "paper": "100% / 100% (init-sensitive)",
             "ours": f"{100 * train[absn].mean():.1f}% / {100 * test[absn].mean():.1f}% (mean); "
                     f"100% in {int(perfect_abs.sum())} of {absn.sum()} seeds"},
            {"": "long H0 bars, first hidden layer", "paper": "N_abs 2, N_ReLU 1",
             "ours": f"N_abs runs at 100%: {self.long_bars[perfect_abs].tolist()}; "
                     f"N_ReLU: {self.long_bars[relu].tolist()}"},
        ])

    def u1_verdict_block(self) -> str:
        """U1's verdict and its reasons, one indented reason a line (as the book collapses them).

        Returns
        -------
        str
        """
        return verdict_block(self.u1_verdict, self.u1_reasons)

    def u1_findings(self) -> Caption:
        """U1's "What we found" (:func:`toponet.chapters.umass.tori.u1_findings`).

        Returns
        -------
        Caption
        """
        return tori.u1_findings(self.u1_study["activation"], self.u1_study["test_accuracy"], self.long_bars,
                                seeds=self.u1_study["seed"])

    # --- U2 ---------------------------------------------------------------------------------------

    def _epochs(self, kind: str) -> int:
        return self.u2_configs[kind].epochs

    def u2_scale(self) -> str:
        """U2's training scale in this build, beside the paper's.

        Returns
        -------
        str
        """
        true = self.u2_configs["true"]
        return (f"{true.n_train:,} training / {true.n_test:,} test images of MNIST (random subsets), {true.epochs} epochs "
                f"(true labels) and {self._epochs('permuted')} (permuted); the paper: 60,000 / 10,000, 20 and 100 epochs")

    def _final(self, kind: str, split: str) -> float:
        return float(self.u2_runs[kind][f"{split}_accuracy"][-1])

    def u2_curves_figure(self, kind: str):
        """Figures U2a (permuted), U2b (true): train and test accuracy per epoch of one network.

        Parameters
        ----------
        kind : {"permuted", "true"}

        Returns
        -------
        matplotlib.figure.Figure
            :func:`toponet.plots.curves_plot`.
        """
        run = self.u2_runs[kind]
        if kind == "permuted":
            curves = {"N' train (assigned labels)": run["train_accuracy"], "N' test (assigned labels)": run["test_accuracy"]}
            title = "N': permuted labels"
        else:
            curves, title = {"N train": run["train_accuracy"], "N test": run["test_accuracy"]}, "N: true labels"
        return plots.curves_plot(np.arange(1, self._epochs(kind) + 1), curves, xlabel="epoch", ylabel="accuracy",
                                 title=title)

    def u2_curves_caption(self, kind: str) -> Caption:
        """The caption of :meth:`u2_curves_figure`.

        Parameters
        ----------
        kind : {"permuted", "true"}

        Returns
        -------
        Caption
            The wording of ``templates/umass_captions.md`` in :func:`toponet.book.caption`'s frame.

        Raises
        ------
        ValueError
            For another kind.
        """
        if kind not in _U2_CURVES:
            raise ValueError(f"kind must be one of {sorted(_U2_CURVES)}; got {kind!r}")
        figure = _U2_CURVES[kind]
        return tb.caption(render("umass_captions", figure=figure), cloud=U2_CLOUD, profile=self.profile,
                          accuracy=self._final(kind, "test"), paper_accuracy=_NETWORK[kind][1], figure=figure)

    def u2_curves_reading(self, kind: str) -> Reading:
        """What to see in :meth:`u2_curves_figure`: the final accuracies beside the paper's.

        Parameters
        ----------
        kind : {"permuted", "true"}

        Returns
        -------
        Reading
        """
        values = dict(ep=self._epochs(kind), train=self._final(kind, "train"), test=self._final(kind, "test"))
        if kind == "permuted":
            return tb.what_to_see(
                "permuted labels carry no rule that holds beyond the images seen, so test accuracy stays at chance "
                "(10 %) whatever happens; a train line that climbs above it is memorization. The paper after 100 "
                "epochs: 88.25 % train, 9.62 % test. Here after {ep} epochs: {train:.1%} train, {test:.1%} test.",
                **values)
        return tb.what_to_see(
            "a network that learns the digits: train and test rise together. The paper after 20 epochs: 99.57 % "
            "train, 98.77 % test. Here after {ep} epochs: {train:.1%} train, {test:.1%} test.", **values)

    def _share_of_2s(self, kind: str, colour: str) -> np.ndarray:
        """1 for the images whose true digit (``colour`` "digit") or assigned label is 2, else 0."""
        return (self.u2_runs[kind]["true_digit" if colour == "digit" else "assigned"] == 2).astype(float)

    def u2_mapper_figure(self, kind: str, layer: str, colour: str = "digit"):
        """Figures U2c-U2g: the Mapper graph of one network's layer, coloured by a share of 2s.

        Parameters
        ----------
        kind : {"true", "permuted"}
        layer : {"hidden", "softmax"}
        colour : {"digit", "assigned"}
            Colour nodes by the share of images whose true digit is 2, or whose assigned label is 2.

        Returns
        -------
        plotly.graph_objects.Figure
            :func:`toponet.plots.mapper_figure`.
        """
        if (kind, layer, colour) not in _U2_MAPPERS:
            raise ValueError(f"no U2 figure of {(kind, layer, colour)}; the chapter draws {sorted(_U2_MAPPERS)}")
        _, title, colour_title = _U2_MAPPERS[kind, layer, colour]
        graph = self.mappers[kind, layer]
        return plots.mapper_figure(graph, filter_shape=None, color=graph.node_average(self._share_of_2s(kind, colour)),
                                   color_title=colour_title, title=title)

    def u2_mapper_caption(self, kind: str, layer: str, colour: str = "digit") -> Caption:
        """The caption of :meth:`u2_mapper_figure`.

        Parameters
        ----------
        kind, layer, colour : as :meth:`u2_mapper_figure`

        Returns
        -------
        Caption
            The wording of ``templates/umass_captions.md`` in :func:`toponet.book.caption`'s frame.

        Raises
        ------
        ValueError
            For a combination the chapter does not draw.
        """
        if (kind, layer, colour) not in _U2_MAPPERS:
            raise ValueError(f"no U2 figure of {(kind, layer, colour)}; the chapter draws {sorted(_U2_MAPPERS)}")
        figure = _U2_MAPPERS[kind, layer, colour][0]
        text = render("umass_captions", figure=figure, resolution=self.resolution, gain=self.gain,
                      n_images=len(self._share_of_2s(kind, colour)))
        return tb.caption(text, cloud=U2_CLOUD, profile=self.profile, accuracy=self._final(kind, "test"), figure=figure)

    def u2_table(self):
        """U2's numbers beside the paper's: accuracies and chance-adjusted label agreements.

        Returns
        -------
        IPython.display.HTML
            :func:`toponet.book.show_table` of five rows (paper, ours).
        """
        n = self.u2_numbers
        return tb.show_table([
            {"": "N (true labels) train / test", "paper": "99.57% / 98.77% (20 epochs)",
             "ours": f"{100 * n['N_train']:.1f}% / {100 * n['N_test']:.1f}% ({self._epochs('true')} epochs)"},
            {"": "N' (permuted) train / test", "paper": "88.25% / 9.62% (100 epochs)",
             "ours": f"{100 * n['Np_train']:.1f}% / {100 * n['Np_test']:.1f}% ({self._epochs('permuted')} epochs)"},
            {"": "N, hidden: label agreement", "paper": "1s and 2s in two components",
             "ours": f"{n['N_hidden_label']:.2f}"},
            {"": "N', hidden: agreement true digit / assigned label", "paper": "organized by digit, not by assigned label",
             "ours": f"{n['Np_hidden_true']:.2f} / {n['Np_hidden_assigned']:.2f}"},
            {"": "N', softmax: agreement assigned label", "paper": "two tails by assigned label",
             "ours": f"{n['Np_softmax_assigned']:.2f}"},
        ])

    def u2_verdict_block(self) -> str:
        """U2's verdict and its reasons, one indented reason a line.

        Returns
        -------
        str
        """
        return verdict_block(self.u2_verdict, self.u2_reasons)

    def u2_findings(self) -> Caption:
        """U2's "What we found" (:func:`toponet.chapters.umass.memorization.u2_findings`).

        Returns
        -------
        Caption
        """
        true = self.u2_configs["true"]
        return memorization.u2_findings(self.u2_numbers, epochs_true=true.epochs, epochs_permuted=self._epochs("permuted"),
                                        n_train=true.n_train, rule=self.u2_rule)


def _check(profile: str, networks, iterations, k, resolution, gain, seed) -> None:
    """Reject a bad parameter before anything is loaded or trained, naming it."""
    if profile not in SCALES:
        raise ValueError(f"unknown profile {profile!r}; known: {list(SCALES)}")
    for name, value in (("networks", networks), ("iterations", iterations), ("k", k), ("resolution", resolution)):
        check_int(value, name=name, low=1)
    check_int(seed, name="seed", low=0)
    if not (isinstance(gain, (int, float)) and np.isfinite(gain) and gain > 1):
        raise ValueError(f"gain must be a finite number > 1 (the cover's overlap); got {gain!r}")


def run_chapter(*, profile: str, networks: int, iterations: int, k: int, resolution: int, gain: float,
                seed: int) -> UmassChapter:
    """Load (else train) U1's and U2's studies at ``profile`` and compute everything chapter 06 shows.

    In the order the chapter reads it: U1's study and its long H0 bars, the tori's test points,
    the best runs and their barcodes, U1's rule and verdict row; then U2's runs, their Mapper
    graphs, U2's rule and verdict row. Each row takes the inputs read up to it
    (:func:`toponet.verdict_record.with_inputs`). The chapter's parameters ``p`` and ``device`` are not taken: nothing
    here filters by density, and everything trains on the CPU.

    Parameters
    ----------
    profile : str
        The build profile (``smoke``, ``default``, ``paper``).
    networks : int
        U1's initialization seeds (each trains N_ReLU and N_abs), >= 1.
    iterations : int
        U1's full-batch Adam iterations, >= 1.
    k : int
        Neighbours of U2's label agreement, >= 1.
    resolution : int
        Mapper resolution of U2's graphs, >= 1.
    gain : float
        Mapper gain of U2's graphs, > 1.
    seed : int
        Seed of the Mapper layouts and the rules' simulations, >= 0.

    Returns
    -------
    UmassChapter

    Raises
    ------
    ValueError, TypeError
        Naming a bad parameter, before anything is loaded.
    """
    _check(profile, networks, iterations, k, resolution, gain, seed)
    study = registry.study("u1-tori").load(profile, seeds=networks, iterations=iterations)
    long_bars = tori.study_long_bars(study)
    all_points, all_labels = tori.linked_tori(2000, seed=0)
    _, _, test_points, test_labels = tori.split_tori(all_points, all_labels, 3000, seed=0)
    best = {"abs": tori.best_run(study, "abs"), "relu": tori.best_run(study, "relu")}
    barcodes = {"input": tori.h0_components(test_points), "abs": tori.h0_components(study["hidden_test"][best["abs"]]),
                "relu": tori.h0_components(study["hidden_test"][best["relu"]])}
    u1_rule = tori.u1_rule(study["activation"], study["test_accuracy"], long_bars, seeds=study["seed"], seed=seed)
    u1_verdict, u1_reasons = tori.u1_verdict(study["activation"], study["test_accuracy"], long_bars, seeds=study["seed"])
    u1_row = with_inputs(tori.u1_verdict_row(u1_rule, study, long_bars, seeds=networks, iterations=iterations,
                                             profile=profile, data=DATA_U1))

    u2_configs = {kind: registry.study(f"u2-{kind}").config(profile) for kind in ("true", "permuted")}
    runs = {kind: registry.study(f"u2-{kind}").load(profile) for kind in u2_configs}
    mappers = memorization.layer_mappers(runs, resolution=resolution, gain=gain, seed=seed)
    u2_rule = memorization.u2_rule(runs["true"], runs["permuted"], k=k, seed=seed)
    u2_verdict, u2_reasons, u2_numbers = memorization.u2_verdict(runs["true"], runs["permuted"], k=k, rule=u2_rule)
    true = u2_configs["true"]
    u2_row = with_inputs(memorization.u2_verdict_row(u2_rule, u2_numbers, k=k, n_train=true.n_train,
                                                     epochs_true=true.epochs,
                                                     epochs_permuted=u2_configs["permuted"].epochs, profile=profile))
    return UmassChapter(
        profile=profile, networks=networks, iterations=iterations, k=k, resolution=resolution, gain=gain, seed=seed,
        u1_study=study, long_bars=long_bars, test_points=test_points, test_labels=test_labels, best=best,
        barcodes=barcodes, u1_rule=u1_rule, u1_verdict=u1_verdict, u1_reasons=tuple(u1_reasons), u2_configs=u2_configs,
        u2_runs=runs, mappers=mappers, u2_rule=u2_rule, u2_verdict=u2_verdict, u2_reasons=tuple(u2_reasons),
        u2_numbers=u2_numbers, rows=(u1_row, u2_row))
