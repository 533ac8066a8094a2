"""Chapter 04 in one call: :func:`toponet.chapters.deep_networks.run_chapter` and its result
:class:`~toponet.chapters.deep_networks.DeepChapter` (summaries, tables, captions and readings
read from a small hand-built result)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from toponet.chapters import deep_networks as deep
from toponet.ideal import gaussian_filters, primary_circle_sample
from toponet.pretrained.layers import ConvLayer


def _layer(X, index, kind="conv", network="InceptionV3 (nsfwjs)"):
    X = np.asarray(X, np.float32)
    return ConvLayer(network, f"conv2d_{index}", index, index, (len(X), 1, 3, 3), kind, X)


@pytest.fixture(scope="module")
def chapter():
    cfg = deep.DeepConfig(sample_size=400, null_repeats=2, subsample_seeds=1, mapper=False)
    circle = np.concatenate([primary_circle_sample(1500, noise=0.05, seed=0), gaussian_filters(500, seed=1)])
    inception_layers = [_layer(gaussian_filters(96, seed=2), 1), _layer(circle, 2), _layer(gaussian_filters(800, seed=3), 3)]
    inception = [deep.analyze_layer(L, cfg) for L in inception_layers]
    efficientnet_layers = [_layer(gaussian_filters(96, seed=4), 0, network="EfficientNet-Lite0"),
                           _layer(gaussian_filters(300, seed=5), 1, "depthwise", "EfficientNet-Lite0"),
                           _layer(gaussian_filters(250, seed=6), 2, "depthwise", "EfficientNet-Lite0")]
    efficientnet = [deep.analyze_layer(L, cfg) for L in efficientnet_layers]
    pooled = deep.analyze_layer(deep.pooled_layer(efficientnet_layers[1:], "all 3x3 depthwise"), cfg)
    vgg = {"vgg16": None, "vgg19": None}
    rows = deep.verdict_rows(vgg=vgg, vgg_verdicts=deep.vgg_verdicts(vgg), inception=inception,
                             efficientnet=efficientnet, efficientnet_pooled=pooled, config=cfg, profile="smoke",
                             seed=0, inception_label="Inc", efficientnet_label="Eff")
    dither = [{"index": 2, "top_h1_stored": 0.5, "top_h1_change": 0.2}, {"index": 3, "top_h1_stored": 0.5,
                                                                          "top_h1_change": 0.01}]
    return deep.DeepChapter(profile="smoke", config=cfg, selection=None, vgg=vgg, vgg_verdicts=deep.vgg_verdicts(vgg),
                            vgg_found={"vgg16": None, "vgg19": "/w/vgg19.pth"}, inception_layers=inception_layers,
                            inception=inception, efficientnet_layers=efficientnet_layers, efficientnet=efficientnet,
                            efficientnet_pooled=pooled, inception_quantization={}, stored_bounds=[], dither=dither,
                            requantized=[], rows=tuple(rows))


@pytest.mark.parametrize("kw, match", [(dict(profile="huge"), "unknown profile"), (dict(p=1.5), "p"),
                                       (dict(k=0), "k_paper")])
def test_run_chapter_rejects_a_bad_parameter_before_loading_anything(kw, match, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("run_chapter loaded weights before checking its parameters")

    monkeypatch.setattr(deep, "run_vgg", no_loading)
    monkeypatch.setattr(deep, "load_layers", no_loading)
    with pytest.raises(ValueError, match=match):
        deep.run_chapter(**{**dict(profile="default", k=100, p=0.3, resolution=30, gain=3.0, seed=0), **kw})


def test_the_result_is_frozen_and_says_what_was_run(chapter):
    with pytest.raises(dataclasses.FrozenInstanceError):
        chapter.profile = "paper"
    assert chapter.scale_summary() == ("profile smoke: at most 400 filters per layer (seed 0), 2 null clouds per "
                                       "kind, 1 subsample seeds, layers: all")
    assert chapter.vgg_summary() == ("vgg16: no ImageNet weights on this machine\n"
                                     "vgg19: ImageNet weights at /w/vgg19.pth")
    assert chapter.inception_summary() == "3 regular 3x3 conv layers, 2,896 spatial filters"
    assert chapter.efficientnet_summary() == "stem: 96 filters; 2 3x3 depthwise layers, 550 filters"
    assert [r.claim_id for r in chapter.rows] == ["F10", "F11", "F10-inception", "F10-efficientnet"]
    assert chapter.inception_layer2.layer.index == 2 and chapter.inception_strongest.layer.index >= 2


def test_tables_and_findings(chapter):
    assert chapter.vgg_table().data == "*No VGG16 or VGG19 weights on this machine: no VGG layer analysed.*"
    assert chapter.layer_table("efficientnet").data.count("<tr>") == 1 + 4   # header, 3 layers and the pooled row
    assert chapter.layer_table("inception").data.count("<tr>") == 1 + 3
    table = chapter.verdict_table().data
    assert "VGG16 (paper)" in table and "not tested" in table and deep.NETWORK_LABELS["efficientnet-lite0"] in table
    assert chapter.findings("inception")._repr_markdown_().startswith("**InceptionV3 (nsfwjs)**")
    assert chapter.dither_findings()._repr_markdown_().startswith(
        "Dithering moves the top $H_1$ bar by more than 10 % of its length in layers 2 (+0.200 on 0.500):")
    assert chapter.stored_bound_table() is None                  # no rows: nothing shown
    with pytest.raises(ValueError, match="network must be one of"):
        chapter.findings("vgg16")


def test_captions_and_readings_name_their_cloud(chapter):
    depth = chapter.depth_caption("inception")._repr_markdown_()
    best = chapter.inception_strongest.layer.index
    assert depth.startswith("**Figure 10a (stand-in).**") and f"the cloud named is layer {best}'s" in depth
    assert chapter.depth_caption("efficientnet")._repr_markdown_().startswith("**Figure 10f (stand-in).**")
    assert "the cloud named is the pooled one" in chapter.depth_caption("efficientnet")._repr_markdown_()
    layer2 = chapter.barcode_caption("inception layer 2")._repr_markdown_()
    assert layer2.startswith("**Figure 10c (stand-in).** Barcodes ($H_0$, $H_1$) of the same cloud (")
    assert "Profile `smoke`" in layer2
    assert f"of layer {best} (" in chapter.barcode_caption("inception strongest")._repr_markdown_()
    assert chapter.mapper_caption("efficientnet pooled")._repr_markdown_().startswith(
        "**Figure 10g (stand-in).** Mapper(30, 3) of the dense core of all 3x3 depthwise filters pooled")
    assert chapter.barcode_reading("efficientnet pooled")._repr_markdown_().startswith("**What to see**")
    assert chapter.depth_reading("inception")._repr_markdown_().startswith("**What to see**")
    assert chapter.cloud("efficientnet pooled") is chapter.efficientnet_pooled
    with pytest.raises(ValueError, match="cloud must be one of"):
        chapter.barcode_figure("inception layer 5")
