"""The figure captions of chapters 04 and 08 are templates (``deep_captions.md``, ``patches_captions.md``):
each figure's text rendered on known values, and the chapters' caption methods around them."""
from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pytest

from toponet.chapters import deep_networks as deep
from toponet.chapters import natural_patches as patches
from toponet.chapters._templates import render


def _frozen(cls, **attrs):
    """An instance of a frozen result class with only the attributes a caption reads."""
    obj = object.__new__(cls)
    for name, value in attrs.items():
        object.__setattr__(obj, name, value)
    return obj


# --- chapter 04 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("figure, values, expected", [
    ("10a (stand-in)", dict(layer=13),
     "Top $H_1$ lifetime of $\\rho(k, p)$ of each analysed 3x3 layer (line), the more conservative matched null "
     "(mean $\\pm$ 2 sd) and initialization-like filters (open circles); the cloud named is layer 13's, the largest "
     "effect size."),
    ("10f (stand-in)", {},
     "Top $H_1$ lifetime of $\\rho(k, p)$ of each analysed 3x3 layer (line) against the more conservative matched "
     "null (mean $\\pm$ 2 sd) and initialization-like filters (open circles); the cloud named is the pooled one."),
    ("10b (stand-in)", dict(resolution=30, gain=3.0, layer_name="conv2d_2"),
     "Mapper(30, 3) of the dense core of layer 2 (conv2d_2); node colour = cluster size, each node's mean 3x3 "
     "filter drawn inside it."),
    ("10d (stand-in)", dict(resolution=12, gain=2.5, layer=13, layer_name="conv2d_30"),
     "Mapper(12, 2.5) of layer 13 (conv2d_30), the layer whose top $H_1$ bar stands furthest above its null; below "
     "the graph, the mean filters by angle around it."),
    ("10g (stand-in)", dict(resolution=30, gain=0.25),
     "Mapper(30, 0.25) of the dense core of all 3x3 depthwise filters pooled; mean filters on nodes spread along "
     "the graph, and by angle around it below."),
    ("10c (stand-in)", dict(method="Vietoris-Rips on all 384 points (exact)"),
     "Barcodes ($H_0$, $H_1$) of the same cloud (Vietoris-Rips on all 384 points (exact))."),
    ("10e (stand-in)", dict(layer=13, method="exact"), "Barcodes ($H_0$, $H_1$) of layer 13 (exact)."),
    ("10h (stand-in)", dict(method="exact"), "Barcodes ($H_0$, $H_1$) of all 3x3 depthwise filters pooled (exact)."),
    ("weights", dict(network="InceptionV3 (nsfwjs)"),
     "Pretrained weights of InceptionV3 (nsfwjs), not trained here (no training iterations, no test accuracy)."),
])
def test_deep_captions_render_each_figure(figure, values, expected):
    assert render("deep_captions", figure=figure, **values) == expected


def _analysis(index, *, network="InceptionV3 (nsfwjs)", name="conv2d_x", effect=1.0):
    return NS(layer=NS(network=network, index=index, n_filters=1024, name=name), n_used=1024, k=96, p=0.4,
              result=NS(config=NS(seed=0), persistence=NS(method="exact")), headline=NS(effect_size=effect))


@pytest.fixture
def deep_chapter():
    inception = [_analysis(2, name="conv2d_2"), _analysis(13, name="conv2d_30", effect=5.0)]
    pooled = _analysis(0, network="EfficientNet-Lite0")
    return _frozen(deep.DeepChapter, profile="default", config=NS(resolution=30, gain=3), inception=inception,
                   efficientnet=[_analysis(1, network="EfficientNet-Lite0")], efficientnet_pooled=pooled)


def test_deep_caption_methods_fill_the_template_in_their_frame(deep_chapter):
    depth = deep_chapter.depth_caption("inception").text
    assert depth.startswith("**Figure 10a (stand-in).** Top $H_1$ lifetime")
    assert "the cloud named is layer 13's, the largest effect size. Point cloud $\\rho(96, 0.4," in depth
    assert depth.endswith("Profile `default`. Pretrained weights of InceptionV3 (nsfwjs), not trained here "
                          "(no training iterations, no test accuracy).")
    assert "the cloud named is the pooled one." in deep_chapter.depth_caption("efficientnet").text
    assert deep_chapter.mapper_caption("inception strongest").text.startswith(
        "**Figure 10d (stand-in).** Mapper(30, 3) of layer 13 (conv2d_30), the layer whose")
    assert deep_chapter.mapper_caption("inception layer 2").text.startswith(
        "**Figure 10b (stand-in).** Mapper(30, 3) of the dense core of layer 2 (conv2d_2);")
    assert deep_chapter.barcode_caption("efficientnet pooled").text.startswith(
        "**Figure 10h (stand-in).** Barcodes ($H_0$, $H_1$) of all 3x3 depthwise filters pooled (exact). Point cloud")
    assert "Pretrained weights of EfficientNet-Lite0, not trained" in deep_chapter.barcode_caption("efficientnet pooled").text
    # the frame on any text: stripped, no figure label when none is given
    assert deep.pretrained_caption("  Some figure. ", deep_chapter.efficientnet_pooled, profile="smoke").text \
        .startswith("Some figure. Point cloud $")


def test_deep_captions_reject_an_unknown_figure(deep_chapter):
    with pytest.raises(ValueError, match="network must be one of"):
        deep_chapter.depth_caption("vgg")
    with pytest.raises(ValueError, match="cloud must be one of"):
        deep_chapter.mapper_caption("inception layer 3")
    with pytest.raises(ValueError, match="cloud must be one of"):
        deep_chapter.barcode_caption("vgg layer 2")
    with pytest.raises(ValueError, match="caption text must be a non-empty string"):
        deep.pretrained_caption("  ", deep_chapter.efficientnet_pooled, profile="smoke")


# --- chapter 08 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("figure, values, expected", [
    ("P1", dict(n=48, n_sample=50_000, percent=20.0),
     "48 of the 50,000 sampled patches (log intensity, top 20 % by D-norm, mean-centred, unit D-norm)."),
    ("P2", dict(threshold=0.6449),
     "Distance of each patch to the nearest ideal primary-circle filter (unit sphere, 0 to 2): all patches, the two "
     "cores and gaussian directions; dotted: 0.64, the 5 % quantile of the gaussian directions."),
    ("P3", dict(first="X(300, 30)", second="X(15, 30)", points=2000),
     "Mapper graphs of samples of the two cores (top, interactive: X(300, 30); bottom: X(15, 30); 2,000 patches "
     "each); node colour = cluster size, each node's mean patch drawn inside it."),
    ("P4", dict(n_points=300, n_tested=1500, core="X(300, 30)", method="exact"),
     "Barcodes ($H_0$, $H_1$, 40 longest bars) of 300 patches drawn from the 1500 of X(300, 30) the test ran on "
     "(exact; all bars of 1500 points would hold the whole Rips complex in memory: the test settles its bars with "
     "capped complexes instead)."),
    ("P5", dict(n_points=300, n_tested=1500, core="X(15, 30)"),
     "Barcodes ($H_0$, $H_1$, 40 longest bars) of 300 patches drawn from the 1500 of X(15, 30) the test ran on."),
    ("P6", dict(threshold=0.64, clouds=[("natural patches (10 photographs)", "50,000 patches"),
                                        ("gaussian filters", "2,000 random directions")]),
     "Distance to the primary circle of natural patches, the first-layer filters of trained networks and random "
     "filters (dotted: 0.64, the 5 % quantile of random directions). natural patches (10 photographs): 50,000 "
     "patches; gaussian filters: 2,000 random directions."),
    ("P6", dict(threshold=1.0, clouds=[]),
     "Distance to the primary circle of natural patches, the first-layer filters of trained networks and random "
     "filters (dotted: 1.00, the 5 % quantile of random directions). ."),
])
def test_patches_captions_render_each_figure(figure, values, expected):
    assert render("patches_captions", figure=figure, **values) == expected


@pytest.fixture
def patches_chapter():
    def core(label, n):
        return NS(label=label, points=NS(shape=(n, 9)), test_sample=NS(shape=(40, 9)))

    return _frozen(patches.PatchesChapter, profile="smoke", k_paper=(300, 15), near_threshold=np.float64(0.5),
                   patch_sample=NS(patches=NS(shape=(1234, 9)), fraction=0.125, n_photos=2),
                   cores={300: core("X(300, 30)", 60), 15: core("X(15, 30)", 5000)},
                   diagrams={300: NS(n_points=30, method="exact"), 15: NS(n_points=25, method="exact")},
                   network_clouds={"MNIST": (None, "first layers of 2 networks"), "gaussian filters": (None, "100")})


def test_patches_caption_methods_fill_the_template_in_their_frame(patches_chapter):
    c = patches_chapter
    assert c.patches_caption(12).text == (
        "**Figure P1.** 12 of the 1,234 sampled patches (log intensity, top 12.5 % by D-norm, mean-centred, unit "
        "D-norm). Point cloud $1{,}234 \\text{ patches of 2 photographs}$. Profile `smoke`. No trained network "
        "(no test accuracy).")
    assert "dotted: 0.50, the 5 % quantile of the gaussian directions." in c.distance_caption().text
    assert "(top, interactive: X(300, 30); bottom: X(15, 30); 2,000 patches each)" in c.cores_mapper_caption().text
    assert "of 30 patches drawn from the 40 of X(300, 30) the test ran on (exact; all bars of 40 points" \
        in c.np1_barcode_caption().text
    assert c.np2_barcode_caption().text.startswith(
        "**Figure P5.** Barcodes ($H_0$, $H_1$, 40 longest bars) of 25 patches drawn from the 40 of X(15, 30) the "
        "test ran on. Point cloud")
    p6 = c.networks_distance_caption().text
    assert "random directions). MNIST: first layers of 2 networks; gaussian filters: 100. Point cloud $" in p6
    assert "photographs},\\ \\text{first-layer filters}$" in p6


def test_patches_captions_reject_an_unknown_figure(patches_chapter):
    with pytest.raises(ValueError, match=r"figure must be one of \('P1', 'P2', 'P3', 'P4', 'P5', 'P6'\); got 'P7'"):
        patches_chapter._caption("P7", threshold=0.5)
