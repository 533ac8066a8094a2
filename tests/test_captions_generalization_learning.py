"""The caption templates of chapters 05 and 07 (``generalization_captions``, ``learning_captions``):
each figure's words rendered on known values, and the chapters still refusing an unknown figure."""
from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pytest

from toponet.chapters import generalization as gen
from toponet.chapters import learning_graphs as lg
from toponet.chapters._templates import render


# --- chapter 05 --------------------------------------------------------------------------------

def test_generalization_captions_render_each_figure():
    assert render("generalization_captions", figure="G1") == (
        "Accuracy of networks trained on MNIST with the first layer fixed to circle filters, fixed to gaussian "
        "filters, or trained, on MNIST's test set and on two other digit domains. Bars: mean, error bars: sd over "
        "networks.")
    assert render("generalization_captions", figure="G2", harder_networks=4, harder_iterations=1000,
                  trained_networks=3, trained_iterations=500) == (
        "Networks trained on the harder domain (4 x 1000 iterations) and on MNIST (3 x 500), each evaluated on its "
        "own test set and on the other domains.")
    assert render("generalization_captions", figure="G3", group_size=2, iteration=np.int64(1000)) == (
        "Top $H_1$ lifetime of the first-layer filters per group of 2 networks at iteration 1000: the harder "
        "domain, MNIST (real) and the harder domain's gaussian nulls. Paper (SVHN vs MNIST): 1.27 vs 1.10.")
    assert render("generalization_captions", figure="12", p=0.30000000001, mnist_networks=16,
                  harder_networks=8) == (
        "Top $H_1$ lifetime of $\\rho(k, 0.3)$ of the pooled first-layer filters and test accuracy (fraction, "
        "mean +- sd over networks) against batch iterations, for MNIST (real, 16 networks) and the harder domain "
        "(8 networks).")
    assert render("generalization_captions", figure="12b") == (
        "The same snapshots as Figure 12, test accuracy against top $H_1$ lifetime (hover: the iteration).")
    assert render("generalization_captions", figure="13", label="MNIST (real)",
                  networks={"none": 4, "circle": 2, "klein": 2}) == (
        "Test accuracy (mean +- sd over networks) against batch iterations on MNIST (real), with 64 appended "
        "circle / Klein / gaussian features per pixel or none; dotted: the target accuracy. Networks: none 4, "
        "circle 2, klein 2.")
    assert render("generalization_captions", figure="13", label="x", networks={"circle": 1}).endswith(
        "Networks: circle 1.")


class _Run:
    def __init__(self, networks, iterations):
        self.networks, self.iterations = networks, list(iterations)

    def test_accuracy(self, iteration=None):
        return np.full(self.networks, 0.9)


def _curve(acc):
    acc = np.asarray(acc, float)
    return {"iterations": np.arange(acc.size) * 100, "mean": acc, "sd": np.zeros(acc.size), "values": acc[:, None]}


def test_generalization_fig13_caption_frame_and_errors():
    curves = {k: _curve([0.1, 0.5, 0.9]) for k in ("none", "circle", "klein", "gaussian")}
    speed = gen.speedup(curves["none"], curves["circle"], 0.5)
    runs = {"circle": _Run(2, (0, 200)), "none": _Run(3, (0, 200))}
    text = gen.g5_caption("MNIST (real)", curves, runs, profile="smoke").text
    assert text.startswith("**Figure 13.** Test accuracy (mean +- sd over networks) against batch iterations on "
                           "MNIST (real), with 64 appended")
    assert "Networks: circle 2, none 3. Point cloud $2 \\times M^{1}_{200}(64, 32, 64)$. Profile `smoke`." in text
    with pytest.raises(ValueError, match="klein"):
        gen.g5_caption("MNIST", {k: v for k, v in curves.items() if k != "klein"}, runs, profile="smoke")
    chapter = NS(g5_curves={"mnist": curves}, g5_speedups={"mnist": speed}, g5_runs={"mnist": runs},
                 g5_fastest={"mnist": "circle"}, profile="smoke")
    chapter._g5_check = lambda dataset: gen.GeneralizationChapter._g5_check(chapter, dataset)
    assert "on MNIST (real), with 64" in gen.GeneralizationChapter.g5_caption(chapter, "mnist").text
    with pytest.raises(ValueError, match=r"dataset must be one of \['mnist'\]; got 'svhn'"):
        gen.GeneralizationChapter.g5_caption(chapter, "svhn")


def test_generalization_chapter_methods_fill_the_template():
    trained, harder = _Run(3, (0, 250, 500)), _Run(4, (0, 1000))
    ch = NS(profile="default", arms={"trained": trained}, harder_networks=harder, mnist_networks=_Run(5, (0, 1000)),
            arm_iterations=500, harder_iterations=1000, group_size=2, common_iteration=1000, p=0.1,
            harder_simplicity={"k": 7}, harder="svhn", evolution={"svhn": [{"k": 9}]})
    ch._accuracy = lambda run: gen.GeneralizationChapter._accuracy(ch, run)
    ch._g4_cloud = lambda: gen.GeneralizationChapter._g4_cloud(ch)
    G = gen.GeneralizationChapter
    assert G.g1_caption(ch).text.startswith("**Figure G1.** Accuracy of networks trained on MNIST")
    assert "Bars: mean, error bars: sd over networks. Point cloud $3 \\times" in G.g1_caption(ch).text
    assert "(4 x 1000 iterations) and on MNIST (3 x 500), each evaluated" in G.g2_caption(ch).text
    assert "per group of 2 networks at iteration 1000: the harder domain" in G.g3_caption(ch).text
    assert "$\\rho(k, 0.1)$ of the pooled" in G.g4_caption(ch).text
    assert "for MNIST (real, 5 networks) and the harder domain (4 networks)." in G.g4_caption(ch).text
    assert G.g4_scatter_caption(ch).text.startswith("**Figure 12b.** The same snapshots as Figure 12")


# --- chapter 07 --------------------------------------------------------------------------------

def test_learning_captions_render_each_figure():
    r = lambda figure, **v: render("learning_captions", figure=figure, **v)  # noqa: E731
    assert r("L1a", recordings=11) == ("PCA 1-2 of the hidden layer's weight trajectories of L1 (784-100-10 sigmoid "
                                       "MLP, zero init), coloured by step, at 11 recordings.")
    assert r("L1b") == "PCA 1-2 of the output layer's weight trajectories of L1, coloured by step."
    assert r("L1c", resolution=30, gain=3.0, eps=0.0123456) == (
        "Learning graph of L1's hidden layer: Mapper(30, 3), lens = L2 norm, DBSCAN (eps 0.0123 in PCA-20 units); "
        "node colour = mean training step.")
    assert r("L1d", eps=0.00343) == "Learning graph of L1's output layer, as above (eps 0.00343)."
    assert r("L1e", std=1e-3) == ("Learning graph of the output layer of the same network started from "
                                  "N(0, 0.001^2) instead of zeros, as above.")
    assert r("branches", resolution=12, gain=2.5, min_levels=3, std=1e-3, zero_accuracy=0.9125,
             normal_accuracy=0.95, paper=lg.PAPER) == (
        "Branches of the learning graphs (Mapper(12, 2.5), lens L2 norm, DBSCAN), counted as tips persisting at "
        "least 3 cover intervals, for the paper's zero init and N(0, 0.001^2) init (paper, zero init: 10 output "
        "and about 12 hidden branches). Test accuracy 91.2% (zero) and 95.0% (N(0, 0.001^2)).")
    assert r("L1f") == ("Classification of the test nines over training (share classified as 9, 7 and 1), with the "
                        "epoch at which the 9-as-7 confusion ends (below half its peak) and the one at which output "
                        "neurons 7 and 9 branch apart.")
    assert r("L2a", recordings=40) == ("PCA 1-2 of the first hidden layer's weights of L2 (784-100-100-10 sigmoid, "
                                       "init N(0, 1e-6)), coloured by step, at 40 recordings.")
    assert r("L2b", resolution=7, gain=3.0) == ("Learning graph of L2's first hidden layer: Mapper(7, 3) with "
                                                "lenses PCA 1-3, DBSCAN; node colour = mean training step.")
    assert r("L2c") == "Weight norm of every neuron of L2 over training, one panel per layer, one line per neuron."
    assert r("L2d", test_subset=lg.EVAL_IMAGES) == ("Test accuracy of L2 over training (a fixed 2,000-image test subset), the end of each jump "
                        "marked.")


def _lg_chapter():
    graph = NS(dbscan_eps_=0.012345)
    ch = NS(profile="default", resolution=30, gain=3.0, l1={"steps_hidden1": np.arange(2)},
            l2={"steps_hidden1": np.arange(4)}, l1_graphs={"hidden1": graph, "output": graph},
            surface_graph=NS(resolution=7, gain=3.0),
            l1_steps={"hidden1": None, "output": None},
            branches={i: {layer: (NS(min_levels=3), graph, None, None) for layer in ("hidden1", "output")}
                      for i in ("zero", "normal")})
    accuracy = {"L1": 0.912, "L1-normal": 0.95, "L2": 0.805}
    ch._accuracy = lambda run: accuracy[run]
    ch._graph = lambda layer, init: lg.LearningGraphsChapter._graph(ch, layer, init)
    ch._counts = lambda: lg.LearningGraphsChapter._counts(ch)
    return ch


def test_learning_chapter_methods_fill_the_template_and_refuse_unknown_figures():
    ch, C = _lg_chapter(), lg.LearningGraphsChapter
    assert C.l1_projection_caption(ch, "hidden1").text.startswith("**Figure L1a.** PCA 1-2 of the hidden layer's "
                                                                  "weight trajectories")
    assert "zero init), coloured by step, at 2 recordings. Point cloud" in C.l1_projection_caption(ch, "hidden1").text
    assert C.l1_projection_caption(ch, "output").text.startswith("**Figure L1b.** PCA 1-2 of the output layer's")
    assert "Mapper(30, 3), lens = L2 norm, DBSCAN (eps 0.0123 in PCA-20 units)" in C.l1_graph_caption(ch, "hidden1").text
    assert C.l1_graph_caption(ch, "output").text.startswith("**Figure L1d.** Learning graph of L1's output layer, as "
                                                           "above (eps 0.0123).")
    normal = C.l1_graph_caption(ch, "output", "normal").text
    assert normal.startswith("**Figure L1e.**") and "N(0, 0.001^2) instead of zeros" in normal
    assert "Test accuracy 95.0 %" in normal
    branch = C.branch_caption(ch).text
    assert not branch.startswith("**Figure") and "Test accuracy 91.2% (zero) and 95.0% (N(0, 0.001^2))." in branch
    assert C.nines_caption(ch).text.startswith("**Figure L1f.** Classification of the test nines")
    assert "coloured by step, at 4 recordings." in C.l2_projection_caption(ch).text
    assert "Mapper(7, 3) with lenses PCA 1-3, DBSCAN" in C.surface_graph_caption(ch).text
    assert C.norms_caption(ch).text.startswith("**Figure L2c.** Weight norm of every neuron")
    assert C.accuracy_caption(ch).text.startswith("**Figure L2d.** Test accuracy of L2 over training")
    with pytest.raises(ValueError, match=r"no L1 projection figure of 'L2'; the chapter draws \['hidden1', 'output'\]"):
        C.l1_projection_caption(ch, "L2")
    with pytest.raises(ValueError, match="no L1 learning-graph figure"):
        C.l1_graph_caption(ch, "hidden1", "normal")
