"""The caption templates of chapters 00, 01, 06 and 09 (``ideal_captions``, ``mnist_captions``,
``umass_captions``, ``your_network_captions``): each branch on known values, and the chapters'
caption methods around them (an unknown figure still raises ValueError before rendering)."""
from __future__ import annotations

from dataclasses import fields
from types import SimpleNamespace

import numpy as np
import pytest

from toponet.chapters import ideal_filters, mnist, your_network
from toponet.chapters._templates import render
from toponet.train import TEST_EVAL_SIZE
from toponet.chapters.umass import chapter as umass

EXACT = "Vietoris-Rips on all 1,024 points (exact)"


def _one_paragraph(text: str) -> str:
    assert text and "\n" not in text and "  " not in text and text == text.strip()
    return text


def _fake(cls, **values):
    """A frozen chapter dataclass with only ``values`` set (the rest None)."""
    return cls(**{f.name: values.get(f.name) for f in fields(cls)})


# --- chapter 00: ideal_captions ------------------------------------------------------------------

def test_ideal_captions_word_each_figure():
    def text(figure, **values):
        return _one_paragraph(render("ideal_captions", figure=figure, **values))

    assert text("distances") == ("Distance of each filter to the nearest primary-circle filter (left: density, "
                                 "right: cumulative fraction); dashed: the 0.3 threshold.")
    assert text("mapper", resolution=12, gain=2.0).startswith("Mapper(12, 2) graph of the primary-circle filters; "
                                                              "node colour = cluster size")
    assert text("barcodes", method=EXACT).endswith("(top: primary circle; bottom: gaussian null); " + EXACT + ".")
    assert text("mnist barcode", sample=400) == (
        "Barcode of a random sample of 400 points of the dense core, computed by giotto-ph's `ripser_parallel` "
        "(30 longest bars per dimension).")
    assert "PCA lens, 10 intervals per lens overlapping by 0.35, DBSCAN clusters; node colour" in text(
        "mnist mapper", intervals=10, overlap=0.35)


def test_ideal_chapter_captions_frame_the_template():
    chapter = _fake(ideal_filters.IdealChapter, profile="smoke", networks=2, k=15, p=0.3, resolution=12, gain=3.0,
                    diagrams={"primary circle": SimpleNamespace(method=EXACT)},
                    mnist=SimpleNamespace(networks=4, iterations=[0, 500], config={"widths": (64, 32, 64)},
                                          test_accuracy=lambda: [0.97, 0.98]),
                    plain=SimpleNamespace(k=20, p=0.3, sample=range(400)),
                    mapper_cover=SimpleNamespace(n_intervals=10, overlap_frac=0.35))
    assert chapter.caption("mapper").text.startswith("Mapper(12, 3) graph of the primary-circle filters")
    assert r"3 \times 128" in chapter.caption("distances").text
    barcodes = chapter.caption("barcodes").text
    assert "gaussian null); " + EXACT + ". Point cloud $\\rho(15, 0.3, 2 \\times 64" in barcodes
    assert "Profile `default`" in chapter.caption("mnist barcode").text   # the MNIST networks' profile
    assert "overlapping by 0.35" in chapter.caption("mnist mapper").text
    with pytest.raises(ValueError, match="chapter 00's figures are distances, mapper"):
        chapter.caption("klein")


# --- chapter 01: mnist_captions ------------------------------------------------------------------

def test_mnist_captions_word_each_figure():
    def text(figure, **values):
        return _one_paragraph(render("mnist_captions", figure=figure, **values))

    assert text("2a", resolution=30, gain=3.0).startswith(
        "Mapper(30, 3) of the dense core of the first-layer filters; node colour = cluster size; the mean 3x3 filter")
    assert text("2b", method=EXACT) == f"Barcodes ($H_0$, $H_1$) of the same cloud ({EXACT})."
    assert text("2c", k=25, p=0.3, group_size=10, points=640) == (
        "Top $H_1$ lifetime of $\\rho(25, 0.3)$ for disjoint groups of 10 networks (640 filters each): trained, "
        "the same networks untrained, and gaussian clouds of that size.")
    assert text("2d").endswith("dotted: the 5% quantile of the gaussian filters' distances.")
    assert "(mean and sd over networks; before the last snapshot on a fixed 2,000-image test subset) against" in \
        text("2e", test_subset=TEST_EVAL_SIZE)
    assert text("2f", choices=30) == "Top/second $H_1$ ratio over 30 choices of (k, p) of the same cloud."
    assert text("2g") == "Share of the dense core within 0.3 of the primary circle over the same choices of (k, p)."
    assert text("2h", n=2000, total=204800, method="exact") == (
        "Second-layer barcodes of 2,000 filters drawn at random from the 204,800 (exact).")
    assert text("2i", resolution=20, gain=2.5).startswith("Mapper(20, 2.5) of the same second-layer cloud's dense core")


def test_mnist_chapter_captions_frame_the_template():
    chapter = _fake(mnist.MnistChapter, profile="smoke", k=200, p=0.3, resolution=30, gain=3.0,
                    artifact=SimpleNamespace(networks=8, iterations=[0, 1000]), accuracy={"values": [0.98, 0.99]},
                    layer1={"k": 25, "groups": SimpleNamespace(k=12, group_size=4, points_per_group=256),
                            "result": SimpleNamespace(summary=lambda: {"persistence_method": EXACT})},
                    layer2={"k": 10, "n": 1500}, layer2_filters=np.empty((16384, 9)),
                    layer2_analysis=SimpleNamespace(summary=lambda: {"persistence_method": "exact"}), sweep=[{}] * 3)
    texts = {figure: chapter.caption(figure).text for figure in mnist.FIGURES}
    assert texts["2a"].startswith("**Figure 2a.** Mapper(30, 3) of the dense core") and "(paper: 99.0 %)" in texts["2a"]
    assert f"({EXACT})" in texts["2b"]
    assert "$\\rho(12, 0.3)$ for disjoint groups of 4 networks (256 filters each)" in texts["2c"]
    assert "over 3 choices of (k, p)" in texts["2f"]
    assert "of 1,500 filters drawn at random from the 16,384 (exact)." in texts["2h"]
    assert all("paper:" not in texts[f] for f in mnist.FIGURES[2:])
    with pytest.raises(ValueError, match="chapter 01 shows figures 2a to 2i"):
        chapter.caption("3a")


# --- chapter 06: umass_captions ------------------------------------------------------------------

def test_umass_captions_word_each_figure():
    def text(figure, **values):
        return _one_paragraph(render("umass_captions", figure=figure, **values))

    assert text("U1a", seeds=20, iterations=800, data=umass.DATA_U1) == (
        "Train and test accuracy of $N_\\text{ReLU}$ and $N_{|\\cdot|}$ for 20 seeds, 800 full-batch Adam "
        "iterations; data: two linked tori (synthetic, as the paper). Bars: means.")
    assert "the 1,000 test points of the two linked tori in $\\mathbb{R}^3$" in text("U1b", n=1000)
    assert text("U1c", seed=7).startswith("First hidden activations $|L_{3\\to 3}(x)|$ of $N_{|\\cdot|}$ (seed 7,")
    assert "$\\mathrm{ReLU}(L_{3\\to 3}(x))$ of $N_\\text{ReLU}$ (seed 3, its best run)" in text("U1d", seed=3)
    assert text("U1e", seed=7) == "$H_0$ barcode of the first hidden activations of the best $N_{|\\cdot|}$ (seed 7)."
    assert text("U1f", seed=3).endswith("the best $N_\\text{ReLU}$ (seed 3).")
    assert "of $N'$, trained on permuted labels (accuracy against its assigned labels)." in text("U2a")
    assert text("U2b") == "Train and test accuracy per epoch of $N$, trained on the true labels."
    mapper = dict(resolution=15, gain=2.0, n_images=900)
    assert text("U2c", **mapper).startswith("Mapper(15, 2) of $N$'s final hidden layer for the 900 training images")
    assert text("U2d", **mapper) == "Mapper(15, 2) of $N$'s softmax outputs for the same images, coloured the same way."
    assert "for the 900 training images it was taught to call 1 or 2 (labels permuted)" in text("U2e", **mapper)
    assert text("U2f").startswith("The same graph coloured by the label $N'$ was taught")
    assert text("U2g") == "Mapper of $N'$'s softmax outputs for the same images, coloured by the assigned label."


def test_umass_chapter_captions_frame_the_template():
    runs = {kind: {"test_accuracy": np.array([0.5, 0.75]), "true_digit": np.zeros(900), "assigned": np.zeros(900)}
            for kind in ("true", "permuted")}
    chapter = _fake(umass.UmassChapter, profile="smoke", networks=4, iterations=800, resolution=15, gain=2.0,
                    u1_study={"seed": np.array([10, 11, 12, 13]), "test_accuracy": np.array([0.9, 1.0, 0.8, 0.95])},
                    test_labels=np.zeros(1000), best={"abs": 1, "relu": 3}, u2_runs=runs)
    assert "for 4 seeds, 800 full-batch Adam iterations" in chapter.u1_accuracy_caption().text
    assert chapter.u1_input_caption().text.startswith("**Figure U1b.** The input: the 1,000 test points")
    assert "of $N_{|\\cdot|}$ (seed 11, its best run)" in chapter.u1_hidden_caption("abs").text
    assert chapter.u1_hidden_caption("relu").text.startswith("**Figure U1d.** First hidden activations $\\mathrm")
    assert "the best $N_\\text{ReLU}$ (seed 13)." in chapter.u1_barcode_caption("relu").text
    assert chapter.u2_curves_caption("true").text.startswith("**Figure U2b.** Train and test accuracy per epoch of $N$")
    assert chapter.u2_mapper_caption("permuted", "hidden", "assigned").text.startswith("**Figure U2f.** The same graph")
    with pytest.raises(ValueError, match="activation must be 'abs' or 'relu'"):
        chapter.u1_barcode_caption("tanh")
    with pytest.raises(ValueError, match="kind must be one of"):
        chapter.u2_curves_caption("shuffled")
    with pytest.raises(ValueError, match="no U2 figure of"):
        chapter.u2_mapper_caption("true", "hidden", "assigned")


# --- chapter 09: your_network_captions -----------------------------------------------------------

def test_your_network_captions_word_each_figure():
    def text(figure, **values):
        return _one_paragraph(render("your_network_captions", figure=figure, **values))

    assert text("depth").startswith("Per tested layer, from input to output: the longest $H_1$ bar of its dense core "
                                    "(blue) and the 95 % quantile of the top bars of its null clouds")
    assert text("barcode") == "Barcodes ($H_0$, $H_1$) of the dense core of this layer, longest bars first."
    assert text("mapper", resolution=30, gain=3.0) == (
        "Mapper(30, 3) of the same dense core; node colour = cluster size, each node's mean 3x3 filter drawn inside it.")


def test_network_caption_frames_the_template():
    cfg = SimpleNamespace(p=0.3, sample_size=2048, seed=0, resolution=25, gain=2.5)
    run = SimpleNamespace(config=cfg, weights=SimpleNamespace(label="your weights file `net.pt`"))
    report = SimpleNamespace(k=10, p=0.3, n_used=320, kernel=SimpleNamespace(index=1))
    depth = your_network.network_caption("depth", run, profile="smoke").text
    assert depth.startswith("Per tested layer") and "at most 2,048 of its filters, seed 0" in depth
    mapper = your_network.network_caption("mapper", run, report, profile="smoke").text
    assert mapper.startswith("Mapper(25, 2.5) of the same dense core;")
    assert r"\rho(10, 0.3,\ 320 \text{ filters of conv weight 1" in mapper
    assert mapper.endswith("Weights: your weights file `net.pt`, trained elsewhere (no training here, no test "
                           "accuracy measured here).")
    with pytest.raises(ValueError, match="figure must be one of"):
        your_network.network_caption("Barcodes.", run, report, profile="smoke")
