"""The 3x3 conv layers of pretrained networks, in depth order, as clouds of spatial filters.

One :class:`ConvLayer` per layer whose kernels are 3x3: its spatial filters (one per pair of
output and input map, or one per channel for a depthwise conv), where it sits in the network,
and its name there. Sources:

- :func:`torch_layers` / :func:`vgg_layers`: any torch model, e.g. torchvision's VGG16/19
  (``toponet.models.vgg``): layer ``l`` is the paper's conv layer ``l``.
- :func:`tfjs_layers`: a Keras model read by :mod:`toponet.pretrained.tfjs` (InceptionV3 in
  ``nsfwjs``), regular 3x3 convs only (the 1x3 / 3x1 factorized convs are not 3x3 filters).
- :func:`efficientnet_layers`: EfficientNet-Lite0's state dict: the 3x3 stem and every 3x3
  depthwise conv (5x5 depthwise convs and 1x1 convs hold no 3x3 spatial filters).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from toponet.pretrained.tfjs import TFJSModel, hwio_to_spatial

__all__ = ["ConvLayer", "torch_layers", "vgg_layers", "tfjs_layers", "keras_conv_depth",
           "efficientnet_layers"]


@dataclass(frozen=True)
class ConvLayer:
    """One 3x3 conv layer of a pretrained network.

    Attributes
    ----------
    network : str
        What the weights are (e.g. "InceptionV3 (nsfwjs 4.4.0)").
    name : str
        The layer's name in its source (Keras layer name or state-dict key).
    index : int
        1-based position among the network's 3x3 conv layers, input to output (the paper's
        "layer l" for VGG).
    depth : int
        Conv layers (of any kernel size) on the longest path from the input to this one,
        itself included; for a plain chain such as VGG it equals ``index``.
    shape : tuple (out, in, h, w)
        Kernel shape in torch order; ``in`` is 1 for a depthwise conv.
    kind : {"conv", "depthwise"}
    filters : ndarray of shape (out * in, 9), float32
        Raw (un-normalized) spatial filters, row ``o * in + i`` = kernel ``[o, i]`` flattened.
    """

    network: str
    name: str
    index: int
    depth: int
    shape: tuple
    kind: str
    filters: np.ndarray = field(repr=False, compare=False)

    @property
    def n_filters(self) -> int:
        return int(self.filters.shape[0])

    @property
    def label(self) -> str:
        o, i, h, w = self.shape
        what = f"{o} depthwise {h}x{w}" if self.kind == "depthwise" else f"{i}->{o} {h}x{w}"
        return f"{self.network} layer {self.index} ({self.name}, {what})"


def _torch_filters(weight) -> np.ndarray:
    W = np.asarray(weight.detach().cpu().float().numpy() if hasattr(weight, "detach") else weight,
                   dtype=np.float32)
    return W.reshape(W.shape[0] * W.shape[1], W.shape[2] * W.shape[3])


def torch_layers(model, network: str) -> list[ConvLayer]:
    """The 3x3 ``nn.Conv2d`` layers of a torch model, in ``modules()`` order.

    For a plain chain (VGG) the order is input to output and ``depth == index``. Grouped convs
    other than depthwise are refused (their filters are not one per input map).
    """
    # deferred: toponet.models imports torch (5 s measured); reading TF.js weights needs none
    from toponet.models import conv_layers

    out = []
    for conv in conv_layers(model):
        if tuple(conv.kernel_size) != (3, 3):
            continue
        if conv.groups not in (1, conv.in_channels):
            raise ValueError(f"{network}: grouped conv with {conv.groups} groups is not supported")
        kind = "depthwise" if conv.groups > 1 else "conv"
        n = len(out) + 1
        out.append(ConvLayer(network, f"conv{n}", n, n, tuple(conv.weight.shape), kind,
                             _torch_filters(conv.weight)))
    return out


def vgg_layers(name: str, weights_path=None) -> list[ConvLayer]:
    """The 13 (VGG16) or 16 (VGG19) conv layers of torchvision's VGG.

    ``weights_path``: a state dict file (e.g. torchvision's ``vgg16-397923af.pth``) read by
    :func:`toponet.models.vgg` with ``weights_only=True``; None gives a randomly initialized
    network (the network label then says so). Layer 1 has 3 x 64 = 192 spatial filters.
    """
    # deferred: toponet.models imports torch (5 s measured); reading TF.js weights needs none
    from toponet.models import vgg

    model = vgg(name, weights_path)
    label = name.upper() + (" (ImageNet weights)" if weights_path is not None else " (random init)")
    return torch_layers(model, label)


def keras_conv_depth(layers: list[dict]) -> dict[str, int]:
    """For each Keras layer config, the number of conv layers on the longest input path to it.

    ``layers`` is ``model_config["config"]["layers"]`` (each with ``name``, ``class_name`` and
    ``inbound_nodes``, listed so that every layer comes after its inputs). A conv layer counts
    itself; other layers pass the maximum of their inputs through.
    """
    depth: dict[str, int] = {}
    for L in layers:
        parents = [ref[0] for node in L.get("inbound_nodes", []) for ref in node]
        unknown = [p for p in parents if p not in depth]
        if unknown:
            raise ValueError(f"layer {L['name']!r} has input(s) {unknown} listed after it or missing")
        base = max((depth[p] for p in parents), default=0)
        depth[L["name"]] = base + (1 if L["class_name"] in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D") else 0)
    return depth


def tfjs_layers(model: TFJSModel, network: str) -> list[ConvLayer]:
    """The regular 3x3 ``Conv2D`` layers of a TF.js/Keras model, ordered by depth.

    Ordered by :func:`keras_conv_depth`, ties by position in the topology. Kernels are HWIO;
    the filters come out in the torch order (see :func:`toponet.pretrained.tfjs.hwio_to_spatial`).
    """
    layers = model.layers
    depth = keras_conv_depth(layers)
    chosen = [(depth[L["name"]], pos, L) for pos, L in enumerate(layers)
              if L["class_name"] == "Conv2D" and list(L["config"]["kernel_size"]) == [3, 3]]
    out = []
    for n, (d, _, L) in enumerate(sorted(chosen, key=lambda t: (t[0], t[1])), start=1):
        K = model.kernel(L["name"])
        if K.shape[:2] != (3, 3):
            raise ValueError(f"{L['name']}: topology says 3x3 but the kernel has shape {K.shape}")
        h, w, i, o = K.shape
        out.append(ConvLayer(network, L["name"], n, d, (o, i, h, w), "conv", hwio_to_spatial(K).astype(np.float32)))
    return out


def efficientnet_layers(state_dict: Mapping, network: str = "EfficientNet-Lite0") -> list[ConvLayer]:
    """The 3x3 stem and the 3x3 depthwise convs of an EfficientNet state dict, input to output.

    ``state_dict`` maps keys such as ``_conv_stem.weight`` and ``_blocks.<b>._depthwise_conv.weight``
    (lukemelas' EfficientNet-PyTorch naming) to tensors or arrays of shape (out, in, h, w).
    ``depth`` counts every conv (stem 1; block b's depthwise conv comes after the stem, the
    expand convs and the earlier blocks' convs).
    """
    import re

    def arr(v):
        return np.asarray(v.detach().cpu().float().numpy() if hasattr(v, "detach") else v, dtype=np.float32)

    if "_conv_stem.weight" not in state_dict:
        raise KeyError("state dict has no '_conv_stem.weight'; is it an EfficientNet (lukemelas naming)?")
    pattern = re.compile(r"_blocks\.(\d+)\._(expand|depthwise|project)_conv\.weight$")
    convs = sorted(((int(m.group(1)), ("expand", "depthwise", "project").index(m.group(2)), key)
                    for key in state_dict if (m := pattern.match(key))))
    out, depth = [], 1
    stem = arr(state_dict["_conv_stem.weight"])
    if stem.shape[2:] == (3, 3):
        out.append(ConvLayer(network, "_conv_stem", 1, 1, stem.shape, "conv", _torch_filters(stem)))
    for _, role, key in convs:
        depth += 1
        W = arr(state_dict[key])
        if role == 1 and W.shape[2:] == (3, 3):
            if W.shape[1] != 1:
                raise ValueError(f"{key}: a depthwise kernel must have 1 input map; shape {W.shape}")
            out.append(ConvLayer(network, key.rsplit(".", 1)[0], len(out) + 1, depth, W.shape, "depthwise",
                                 _torch_filters(W)))
    return out
