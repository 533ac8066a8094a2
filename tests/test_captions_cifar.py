"""The caption templates of chapters 02 and 03 (``cifar_captions.md``, ``gray_captions.md``,
``color_captions.md``): each figure's branch on known values, and the unknown figures the
chapters' caption methods refuse before rendering."""
from dataclasses import fields
from types import SimpleNamespace

import numpy as np
import pytest

from toponet.chapters import _cifar, cifar_color, cifar_gray
from toponet.chapters._templates import render
from toponet.train import TEST_EVAL_SIZE


def _claim(n_points=256, draws=99, k=8, tested=600, n_raw=4096, p=0.5):
    return SimpleNamespace(test=SimpleNamespace(n_points=n_points, draws=draws, k=k, p=p), cloud=np.zeros((tested, 9)),
                           n_raw=n_raw)


def _training_caption(figure, **values):
    grid = cifar_color.TRAINING_GRID if figure.startswith("9") else cifar_gray.TRAINING_GRID
    base = dict(layer2_k=13, layer1=_claim(n_points=128, tested=300, n_raw=384), layer2=_claim(k=5),
                evolution_k=11, p=0.5, grid=grid, test_subset=TEST_EVAL_SIZE)
    return render("cifar_captions", figure=figure, **{**base, **values})


def test_training_captions_word_each_panel_of_figs_5_and_9():
    assert _training_caption("5") == ("Mapper graphs over training iterations: layer 1 (top; Mapper(30, 3), no "
                                      "filtration) and layer 2 (bottom; $\\rho(13, 0.5)$, Mapper(70, 2)).")
    assert _training_caption("9") == ("Mapper graphs over training iterations: layer 1 (top; Mapper(33, 2), no "
                                      "filtration) and layer 2 (bottom; $\\rho(13, 0.3)$, Mapper(60, 2)).")
    assert _training_caption("5", layer2_k=None).endswith("(bottom; $\\rho(None, 0.5)$, Mapper(70, 2)).")
    # the caption states the grid it is given, not numbers of its own
    wider = {"conv1": dict(p=1.0, resolution=12, gain=2.5), "conv2": dict(p=0.25, resolution=40, gain=4.0)}
    assert _training_caption("5", grid=wider).endswith(
        "layer 1 (top; Mapper(12, 2.5), no filtration) and layer 2 (bottom; $\\rho(13, 0.25)$, Mapper(40, 4)).")
    every = "Every stored snapshot of the grid above, same layers and Mapper parameters."
    assert _training_caption("5 (all)") == _training_caption("9 (all)") == every
    assert _training_caption("5b") == ("Layer 1 (all 128 filters, no filtration): the top $H_1$ bar and the null "
                                       "clouds' 95% quantiles at each tested snapshot (99 draws per kind).")
    assert _training_caption("9b").startswith("Layer 1 (300 of the 384 filters, no filtration): the top $H_1$ bar")
    assert _training_caption("5c") == ("Layer 2 ($\\rho(5, 0.5)$ of 600 of the 4,096 pooled filters) at each tested "
                                       "snapshot, as above.")
    assert _training_caption("9c", layer2=_claim(k=7, tested=12_000, n_raw=122_880, p=0.3)).startswith(
        "Layer 2 ($\\rho(7, 0.3)$ of 12,000 of the 122,880 pooled filters)")
    assert _training_caption("5d", p=0.25) == (
        "Layer 1 at $\\rho(11, 0.25)$: top $H_1$ lifetime and share of the dense core within 0.3 of the primary "
        "circle, and test accuracy (mean and sd over networks; before the last snapshot on a fixed 2,000-image test "
        "subset), against training iterations.")
    assert _training_caption("9d") == (
        "Layer 1 at every snapshot, for orientation (no nulls): top $H_1$ lifetime, share of the dense core within "
        "0.3 of the primary circle, and test accuracy (mean and sd over networks).")
    assert _training_caption("7") == ""


def _training(figure):
    tests = [SimpleNamespace(iteration=100, claim=_claim(p=0.3 if figure == "9" else 0.5))]
    run = _cifar.Run("C(64,32,64)", SimpleNamespace(networks=4, arch="C(64,32,64)", iterations=[0, 2000], dropped=(),
                                                    config={"widths": (64, 32, 64)}), {"values": [0.4, 0.5]}, 0.8)
    return _cifar.Training(figure=figure, profile="default", run=run, layer1_mappers=[], layer2_mappers=[
        SimpleNamespace(k=13)], layer1_tests=tests, layer2_tests=tests, report="", evolution=[{"k": 11}],
        mapper_settings=cifar_color.TRAINING_GRID if figure == "9" else cifar_gray.TRAINING_GRID, p=0.5)


def test_training_methods_fill_the_template_and_refuse_an_unknown_figure():
    assert _training("9").curves_caption("layer 2").text.startswith(
        "**Figure 9c.** Layer 2 ($\\rho(8, 0.3)$ of 600 of the 4,096 pooled filters) at each tested snapshot")
    with pytest.raises(ValueError, match="no training caption for figure '7'; known: \\['5', '5 \\(all\\)'"):
        _training("7").grid_caption()
    with pytest.raises(ValueError, match="'layer 1' or 'layer 2'"):
        _training("5").curves_caption("layer 3")


def test_gray_captions_word_figs_3_and_4():
    mapper = dict(resolution=30, gain=3.0, k=8, p=0.5)
    assert render("gray_captions", figure="3a", **mapper) == (
        "Layer 1 of C(64,32,64): Mapper(30, 3) of the dense core; node colour = cluster size, mean filters on nodes "
        "spread along the graph.")
    assert render("gray_captions", figure="3b", **{**mapper, "gain": 2.5}) == (
        "Layer 1 of C(64,0,64): the same analysis (Mapper(30, 2.5) of the dense core).")
    barcodes = dict(n_core=410, n_tested=4096, n_raw=204_800, k=5, p=0.1)
    assert render("gray_captions", figure="4a", n_drawn=410, **barcodes) == (
        "Barcodes of the dense core the rule tested (410 points of 4,096 filters drawn from the 204,800 pooled "
        "second-layer filters).")
    assert render("gray_captions", figure="4a", n_drawn=300, **barcodes).startswith(
        "Barcodes of 300 points of the dense core the rule tested (410 points of")
    assert render("gray_captions", figure="4b", network=3, n_raw=2048, **{**mapper, "k": 75, "p": 0.37}) == (
        "Second layer of network 3, the most accurate: Mapper(30, 3) of $\\rho(75, 0.37)$ of all its 2,048 filters.")


def test_color_captions_word_figs_6_to_8():
    mapper = dict(resolution=30, gain=3.0, k=7, p=0.14)
    assert render("color_captions", figure="6a", **mapper) == (
        "Layer 1, all three input channels pooled: Mapper(30, 3) of the dense core.")
    assert render("color_captions", figure="6b", **{**mapper, "resolution": 25, "gain": 1.5}) == (
        "Layer 1, red-channel filters only: Mapper(25, 1.5) of the dense core.")
    assert render("color_captions", figure="6c", network=0, **{**mapper, "k": 10, "p": 0.32}) == (
        "Second layer of network 0, the most accurate: Mapper(30, 3) of $\\rho(10, 0.32)$.")
    assert render("color_captions", figure="7a", **mapper) == (
        "Barcodes ($H_0$, $H_1$) of the dense core of the first layer of C(48,0,64) without max-pooling.")
    assert render("color_captions", figure="7b", **mapper) == "Mapper(30, 3) of the same cloud."
    assert render("color_captions", figure="8", n_core=12_345, **mapper) == (
        "Distance of each filter of the dense core (12,345 filters) to the three-circle model: trained, the same "
        "networks untrained, and gaussian filters.")


def _chapter(cls, **values):
    return cls(**{**{f.name: None for f in fields(cls)}, **values})


def test_the_chapters_fill_their_templates_and_refuse_an_unknown_figure():
    run = _cifar.Run("C(64,32,64)", SimpleNamespace(networks=4, arch="C(64,32,64)", iterations=[0, 2000], dropped=(),
                                                    config={"widths": (64, 32, 64)}), {"values": [0.4, 0.5]}, 0.77)
    gray = _chapter(cifar_gray.GrayChapter, profile="default", runs={"C(64,32,64)": run}, resolution=30, gain=3.0,
                    most_accurate=1, layer2_one_network_k=75, layer2_one_network=SimpleNamespace(n_raw=2048))
    assert gray.fig4b_caption().text.startswith("**Figure 4b.** Second layer of network 1, the most accurate: "
                                                "Mapper(30, 3) of $\\rho(75, 0.37)$ of all its 2,048 filters. Point")
    with pytest.raises(ValueError, match="no caption for figure '5'; known: \\['3a', '3b', '4a', '4b'\\]"):
        gray._caption("5", run, 1)
    color = _chapter(cifar_color.ColorChapter, profile="default", runs={"C(64,32,64)": run}, resolution=30, gain=3.0,
                     model_core=np.zeros((1234, 9)), model_test=SimpleNamespace(k=100))
    assert color.fig8_caption().text.startswith("**Figure 8.** Distance of each filter of the dense core (1,234 "
                                                "filters) to the three-circle model")
    with pytest.raises(ValueError, match="no caption for figure '9'; known: \\['6a', '6b', '6c', '7a', '7b', '8'\\]"):
        color._caption("9", "C(64,32,64)", 1)


def test_each_chapter_tests_layer_2_on_the_cloud_its_grid_draws():
    # Fig. 5: rho(15, 0.5) rescaled from the paper's 204,800 filters; Fig. 9: rho(100, 0.3) from 122,880
    assert _cifar.grid_cloud(cifar_gray.TRAINING_GRID["conv2"]) == (15, 0.5, 204_800)
    assert _cifar.grid_cloud(cifar_color.TRAINING_GRID["conv2"]) == (100, 0.3, 122_880)
    with pytest.raises(KeyError):
        _cifar.grid_cloud(cifar_gray.TRAINING_GRID["conv1"])  # layer 1's grid is unfiltered: no k
