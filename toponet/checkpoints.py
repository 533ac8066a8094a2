"""A user's network weights as named conv kernels: PyTorch checkpoints, safetensors, ``.npy``.

- :func:`read_weights`: the tensors of a file, as float arrays by name. ``.pt`` / ``.pth`` /
  ``.bin`` / ``.ckpt`` are read with ``torch.load(..., weights_only=True)`` (tensors and plain
  containers only: a pickle that would run code is refused, never executed); a state dict may
  sit under a usual key (``state_dict``, ``model``, ``model_state_dict``, ``net``,
  ``weights``, ``module``, ``ema``). ``.safetensors`` files are read with the ``safetensors``
  library (no pickle at all); the format keeps no tensor order, so its layers are listed in
  natural name order (``layer2`` before ``layer10``).
- :func:`model_kernels`: the kernels of any file ``toponet analyze`` takes; a ``.npy`` array of
  filters ((n, 9), (n, 3, 3) or (out, in, 3, 3)) is one layer named after the file.
- :func:`conv_kernels`: every 4-dimensional weight, in file order (for torch models, input to
  output), as a :class:`ConvKernel`: its 3x3 spatial filters when it has 3x3 kernels, else the
  reason it is skipped. Torch layout (out, in / groups, h, w): a grouped conv stores
  ``in / groups`` kernels per output map and a depthwise conv one, so every kernel is one
  spatial filter whatever the grouping.
- :func:`select_kernels`: ``--layer NAME`` / ``--layers all``, with "did you mean" on a typo.

Errors are ``ValueError`` (``FileNotFoundError`` for a missing file) with one line naming
the file and the problem.
"""
from __future__ import annotations

import difflib
import pickle
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["ConvKernel", "STATE_DICT_KEYS", "TORCH_SUFFIXES", "conv_kernels", "load_filters", "model_kernels",
           "read_weights", "select_kernels"]

#: File suffixes read with ``torch.load(weights_only=True)``.
TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")
#: Keys under which checkpoints usually keep the state dict (first match wins).
STATE_DICT_KEYS = ("state_dict", "model_state_dict", "model", "net", "network", "weights", "module", "ema",
                   "model_ema")


@dataclass(frozen=True)
class ConvKernel:
    """One 4-d weight of a checkpoint.

    name : the weight's key without its trailing ``.weight``; shape : (out, in_per_group, h, w);
    kind : "conv", "depthwise" (one input map per kernel row: ``in_per_group == 1``), or
        "filters" (a ``.npy`` array of filters);
    skipped : why it holds no 3x3 spatial filters ("" when it does);
    filters : (out * in_per_group, 9) float64 raw spatial filters (empty when skipped).
    """

    name: str
    key: str
    index: int
    shape: tuple
    kind: str
    skipped: str = ""
    filters: np.ndarray = field(default_factory=lambda: np.zeros((0, 9)), repr=False, compare=False)

    @property
    def usable(self) -> bool:
        return not self.skipped

    @property
    def n_filters(self) -> int:
        o, i, _, _ = self.shape
        return int(o * i)

    def listing(self) -> dict:
        """One row of ``--list-layers``."""
        return {"layer": self.name, "shape": list(self.shape), "kind": self.kind, "spatial_filters": self.n_filters
                if self.usable else 0, "3x3": self.usable, "skipped": self.skipped or None}


def _to_array(value, name: str, path: Path) -> np.ndarray | None:
    """A float array of a tensor-like value; None for what is not a tensor (step counts, strings)."""
    if hasattr(value, "detach"):   # torch.Tensor, without importing torch here
        if not (value.is_floating_point() or value.dtype.is_complex):
            return None
        if value.dtype.is_complex:
            raise ValueError(f"{path}: tensor {name!r} is complex; toponet reads real weights")
        return value.detach().cpu().float().numpy().astype(np.float64)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float64)
    return None


def _flatten(obj, prefix: str = "") -> dict:
    """Nested dicts of tensors -> {"a.b.c": tensor} (what a checkpoint's own nesting names)."""
    out = {}
    for key, value in obj.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, name))
        else:
            out[name] = value
    return out


def _state_dict(obj, path: Path) -> dict:
    """The state dict inside what ``torch.load`` returned."""
    if not isinstance(obj, dict):
        kind = type(obj).__name__
        raise ValueError(f"{path}: holds a {kind}, not a state dict; save `model.state_dict()` (a whole pickled "
                         f"model cannot be read with weights_only=True)")
    for key in STATE_DICT_KEYS:
        if isinstance(obj.get(key), dict) and any(hasattr(v, "detach") for v in _flatten(obj[key]).values()):
            return _flatten(obj[key])
    return _flatten(obj)


def _read_torch(path: Path) -> dict:
    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "Weights only load failed" in str(exc) or "Unsupported global" in str(exc):
            raise ValueError(f"{path}: refused: the pickle holds Python objects other than tensors (it could run code "
                             f"when loaded; toponet loads with weights_only=True); save `model.state_dict()` or "
                             f"use safetensors") from None
        raise ValueError(f"{path}: not a PyTorch checkpoint ({first})") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError, KeyError, AttributeError,
            IndexError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: not a PyTorch checkpoint ({first})") from None
    return _state_dict(obj, path)


def _read_safetensors(path: Path) -> dict:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path}: not a safetensors file ({first})") from None
    # the format keeps no order: natural name order ("layer2" before "layer10") stands in for depth
    def natural(key: str):
        return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", key)]

    return {key: tensors[key] for key in sorted(tensors, key=natural)}


def read_weights(path) -> dict[str, np.ndarray]:
    """The floating-point tensors of a weights file, by name, in file order, as float64 arrays.

    Raises ValueError naming the file when it is not a weights file of its kind, a pickle that
    would run code, or holds no floating-point tensor; FileNotFoundError when it is missing.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; name a .pt, .pth, .safetensors or .npy file")
    suffix = path.suffix.lower()
    if suffix in TORCH_SUFFIXES:
        raw = _read_torch(path)
    elif suffix == ".safetensors":
        raw = _read_safetensors(path)
    else:
        raise ValueError(f"{path}: unknown weights file type '{suffix or 'no suffix'}'; toponet reads "
                         f"{', '.join(TORCH_SUFFIXES)} and .safetensors (and .npy arrays of filters)")
    out = {}
    for name, value in raw.items():
        arr = _to_array(value, name, path)
        if arr is not None:
            out[name] = arr
    if not out:
        raise ValueError(f"{path}: holds no floating-point tensor (keys: {', '.join(list(raw)[:5]) or 'none'})")
    return out


def _short(key: str) -> str:
    return key[: -len(".weight")] if key.endswith(".weight") else key


def conv_kernels(weights: dict) -> list[ConvKernel]:
    """Every 4-d tensor of ``weights`` (name -> array of shape (out, in_per_group, h, w)), in order.

    3x3 kernels give spatial filters (row ``o * in_per_group + i`` = kernel ``[o, i]``
    flattened); other sizes are listed with the reason they are skipped. Raises ValueError
    naming the layer when a 3x3 kernel holds NaN or infinite weights.
    """
    out = []
    for key, W in weights.items():
        W = np.asarray(W)
        if W.ndim != 4:
            continue
        o, i, h, w = (int(d) for d in W.shape)
        kind = "depthwise" if i == 1 and o > 1 else "conv"
        if (h, w) != (3, 3):
            reason = (f"{h}x{w} kernels: no 3x3 spatial filters" if h * w > 1 else "1x1 kernels: no spatial filters")
            out.append(ConvKernel(_short(key), key, len(out) + 1, (o, i, h, w), kind, reason))
            continue
        if not np.all(np.isfinite(W)):
            bad = int(np.sum(~np.isfinite(W)))
            raise ValueError(f"layer {_short(key)!r}: {bad} of {W.size} weights are NaN or infinite; the checkpoint "
                             f"is broken (a diverged training run?)")
        if o * i == 0:
            out.append(ConvKernel(_short(key), key, len(out) + 1, (o, i, h, w), kind, "empty tensor"))
            continue
        out.append(ConvKernel(_short(key), key, len(out) + 1, (o, i, h, w), kind, "",
                              W.reshape(o * i, 9).astype(np.float64)))
    return out


def _npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and data offset of a ``.npy`` file, read and checked from its header alone.

    Raises ``ValueError`` naming ``path`` and what is wrong: not a ``.npy`` file, an unknown
    format version, a header numpy cannot parse (not a dict, missing keys, broken syntax), or
    a shape with a negative, boolean or non-integer dimension.
    """
    from numpy.lib import format as npy

    with open(path, "rb") as fh:
        try:
            version = npy.read_magic(fh)
        except (ValueError, EOFError) as exc:
            raise ValueError(f"{path}: not a .npy file ({exc or 'empty'}); write the filters with numpy.save") from None
        if version not in ((1, 0), (2, 0), (3, 0)):
            raise ValueError(f"{path}: .npy format version {version[0]}.{version[1]} is not one numpy writes "
                             f"(1.0, 2.0, 3.0); write the filters with numpy.save")
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        try:
            shape, _, dtype = read(fh, max_header_size=100_000)
        # Parsing a header is pure text work: whatever it raises (ValueError, tokenize's TokenError,
        # EOFError, RecursionError on nested brackets) means the header is malformed, not a bug.
        except Exception as exc:  # noqa: BLE001
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise ValueError(f"{path}: malformed .npy header ({reason}); write the filters with numpy.save") from None
        bad = [d for d in shape if isinstance(d, bool) or not isinstance(d, int) or d < 0]
        if bad:
            raise ValueError(f"{path}: .npy header has shape {tuple(shape)}; every dimension must be an integer "
                             f">= 0 (got {bad[0]!r})")
        return tuple(shape), np.dtype(dtype), fh.tell()


def load_filters(path: Path) -> np.ndarray:
    """Filters from a .npy file as an array of shape (n, 9).

    The header is checked before the data is read: its shape must be non-negative integers
    and must account for the file's data bytes exactly (``prod(shape) * itemsize``), so a
    truncated file, trailing bytes or a forged header are refused without allocating
    anything, as are object (pickle), complex and non-numeric arrays.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; name the .npy file of filters")
    if path.suffix != ".npy":
        raise ValueError(f"{path}: expected a .npy file (numpy.save), got '{path.suffix or 'no suffix'}'")
    shape, dtype, offset = _npy_header(path)
    if dtype.hasobject or dtype.kind not in "biuf":
        kind = "complex numbers" if dtype.kind == "c" else f"dtype {dtype}"
        raise ValueError(f"{path}: holds {kind}; toponet reads real numeric arrays (write a float array)")
    need, have = int(np.prod(shape, dtype=object)) * dtype.itemsize, path.stat().st_size - offset
    if have < need:
        raise ValueError(f"{path}: its header promises shape {shape} ({need:,} bytes of {dtype}) but the file "
                         f"holds {have:,} bytes of data; it is truncated or not written by numpy.save")
    if have > need:
        raise ValueError(f"{path}: its header says shape {shape} ({need:,} bytes of {dtype}) but the file holds "
                         f"{have:,} bytes of data ({have - need:,} more); the header does not describe the data")
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{path}: not a plain numeric .npy array ({exc})") from exc
    if arr.ndim == 2 and arr.shape[1] == 9:
        return arr
    if arr.ndim == 3 and arr.shape[1:] == (3, 3):
        return arr.reshape(len(arr), 9)
    if arr.ndim == 4 and arr.shape[2:] == (3, 3):
        return arr.reshape(-1, 9)
    raise ValueError(f"{path}: expected shape (n, 9), (n, 3, 3) or (out, in, 3, 3); got {arr.shape}")


def model_kernels(path) -> list[ConvKernel]:
    """:func:`conv_kernels` of the weights in ``path``; a ``.npy`` file is one layer of filters."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        X = load_filters(path).astype(np.float64)
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{path}: {int(np.sum(~np.isfinite(X)))} of {X.size} values are NaN or infinite")
        return [ConvKernel(path.stem, path.name, 1, (X.shape[0], 1, 3, 3), "filters", "" if len(X) else "empty array",
                           X)]
    return conv_kernels(read_weights(path))


def select_kernels(kernels: list[ConvKernel], names=None, *, all_layers: bool = False, source: str = "the model"):
    """The kernels ``--layer NAME`` (repeatable) or ``--layers all`` pick, in the model's order.

    ``all_layers``: every kernel with 3x3 filters. A name may be a layer's name or its full key
    (``conv1`` or ``conv1.weight``). Raises ValueError with "did you mean" on an unknown name,
    for a skipped layer (its reason), and when the model has no 3x3 convolution.
    """
    usable = [k for k in kernels if k.usable]
    if not usable:
        found = ", ".join(f"{k.name} {k.shape[2]}x{k.shape[3]}" for k in kernels[:6]) or "no 4-d weights at all"
        raise ValueError(f"{source} has no 3x3 convolution (found: {found}); toponet studies 3x3 spatial filters")
    if all_layers:
        return usable
    if not names:
        raise ValueError("name the layers: --layer NAME (repeatable) or --layers all (--list-layers shows them)")
    by_name = {k.name: k for k in kernels} | {k.key: k for k in kernels}
    chosen = []
    for name in names:
        k = by_name.get(name)
        if k is None:
            close = difflib.get_close_matches(name, [k.name for k in kernels], n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "; --list-layers shows them"
            raise ValueError(f"--layer {name!r}: {source} has no such conv layer{hint}")
        if not k.usable:
            raise ValueError(f"--layer {name!r}: {k.skipped} (shape {k.shape}); pick a layer with 3x3 kernels")
        if k not in chosen:
            chosen.append(k)
    return sorted(chosen, key=lambda k: k.index)
