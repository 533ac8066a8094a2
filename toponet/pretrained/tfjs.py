"""Read a TensorFlow.js *layers* model shipped as JavaScript modules, without Node.

Some npm packages (e.g. ``nsfwjs``) ship a TF.js model as browserify bundles: ``model.min.js``
exports the ``model.json`` object (``modelTopology`` and ``weightsManifest``) as a JavaScript
object literal, and each ``group1-shard<i>of<n>.min.js`` exports one weight shard as a base64
string. This module parses the literal (a small JSON5-like subset: unquoted keys, ``!0``/``!1``,
numbers like ``.5``), decodes the shards, checks the decoded byte count against the manifest and
dequantizes the weights.

Quantization (TF.js ``quantization`` entry of a weight, ``dtype`` uint8 or uint16): the stored
integers ``q`` give ``w = min + scale * q``, one ``(min, scale)`` pair per tensor. Conv kernels
are stored HWIO: ``kernel[h, w, in, out]``.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = ["parse_js_literal", "extract_model_json", "extract_shard_bytes", "dequantize",
           "decode_weights", "TFJSModel", "read_tfjs_model", "hwio_to_spatial"]

_DTYPES = {"float32": np.float32, "int32": np.int32, "uint8": np.uint8, "uint16": np.uint16,
           "bool": np.bool_}
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'")
_KEYWORDS = {"null": None, "true": True, "false": False, "!0": True, "!1": False}


class _Parser:
    """Recursive-descent parser of a JavaScript object literal (the subset minifiers emit)."""

    def __init__(self, text: str, pos: int):
        self.s, self.i = text, pos

    def _ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def _error(self, what: str):
        raise ValueError(f"JavaScript literal: {what} at character {self.i} "
                         f"(near {self.s[self.i:self.i + 30]!r})")

    def value(self) -> Any:
        self._ws()
        if self.i >= len(self.s):
            self._error("unexpected end of text")
        c = self.s[self.i]
        if c == "{":
            return self._object()
        if c == "[":
            return self._array()
        if c in "\"'":
            return self._string()
        for word, val in _KEYWORDS.items():
            if self.s.startswith(word, self.i) and not (word[0].isalpha() and self.s[self.i + len(word):self.i + len(word) + 1].isalnum()):
                self.i += len(word)
                return val
        m = _NUMBER.match(self.s, self.i)
        if m:
            self.i = m.end()
            text = m.group()
            return float(text) if any(ch in text for ch in ".eE") else int(text)
        self._error("unexpected token")

    def _string(self) -> str:
        m = _STRING.match(self.s, self.i)
        if not m:
            self._error("unterminated string")
        self.i = m.end()
        raw = m.group()
        if raw[0] == "'":
            raw = '"' + raw[1:-1].replace('\\\'', "'").replace('"', '\\"') + '"'
        return json.loads(raw)

    def _object(self) -> dict:
        self.i += 1
        out = {}
        while True:
            self._ws()
            if self.s[self.i] == "}":
                self.i += 1
                return out
            if self.s[self.i] in "\"'":
                key = self._string()
            else:
                m = _IDENT.match(self.s, self.i) or re.compile(r"\d+").match(self.s, self.i)
                if not m:
                    self._error("expected a key")
                key, self.i = m.group(), m.end()
            self._ws()
            if self.s[self.i] != ":":
                self._error("expected ':'")
            self.i += 1
            out[key] = self.value()
            self._ws()
            if self.s[self.i] == ",":
                self.i += 1
            elif self.s[self.i] != "}":
                self._error("expected ',' or '}'")

    def _array(self) -> list:
        self.i += 1
        out = []
        while True:
            self._ws()
            if self.s[self.i] == "]":
                self.i += 1
                return out
            out.append(self.value())
            self._ws()
            if self.s[self.i] == ",":
                self.i += 1
            elif self.s[self.i] != "]":
                self._error("expected ',' or ']'")


def parse_js_literal(text: str, start: int = 0) -> tuple[Any, int]:
    """Parse the JavaScript literal that begins at ``text[start]``.

    Returns ``(value, end)``: the value as plain Python (dict, list, str, int, float, bool,
    None) and the index just after it. Handles what minifiers emit: unquoted keys, ``!0``
    and ``!1`` for true and false, numbers such as ``.99``.
    """
    p = _Parser(text, start)
    return p.value(), p.i


def extract_model_json(text: str) -> dict:
    """The ``model.json`` object (``modelTopology``, ``weightsManifest``) a ``model.min.js`` exports.

    Raises ``ValueError`` when the text holds no object literal with both keys.
    """
    for m in re.finditer(r"\{\s*[\"']?modelTopology[\"']?\s*:", text):
        obj, _ = parse_js_literal(text, m.start())
        if isinstance(obj, dict) and "weightsManifest" in obj:
            return obj
    raise ValueError("no object literal with 'modelTopology' and 'weightsManifest' found; "
                     "is this a TF.js layers model bundled as JavaScript (model.min.js)?")


def extract_shard_bytes(text: str) -> bytes:
    """The bytes of one weight shard bundled as ``...exports="<base64>"`` in a ``.min.js`` file."""
    found = re.findall(r"exports\s*=\s*\"([A-Za-z0-9+/=\s]*)\"", text)
    if len(found) != 1:
        raise ValueError(f"expected exactly one base64 string export in the shard file, found {len(found)}")
    return base64.b64decode("".join(found[0].split()), validate=True)


def dequantize(q: np.ndarray, quantization: Mapping[str, Any]) -> np.ndarray:
    """``w = min + scale * q`` (float32), TF.js's per-tensor affine uint8/uint16 quantization.

    ``quantization`` is the manifest's entry: ``{"min": float, "scale": float, "dtype": "uint8"}``.
    A float16 entry (``{"dtype": "float16"}``) is a cast.
    """
    dtype = quantization.get("dtype")
    if dtype == "float16":
        return np.asarray(q).view(np.float16).astype(np.float32)
    if dtype not in ("uint8", "uint16"):
        raise ValueError(f"unsupported quantization dtype {dtype!r} (expected uint8, uint16 or float16)")
    try:
        lo, scale = float(quantization["min"]), float(quantization["scale"])
    except KeyError as exc:
        raise ValueError(f"quantization entry lacks {exc.args[0]!r}: {dict(quantization)}") from None
    return (lo + scale * np.asarray(q, dtype=np.float64)).astype(np.float32)


def _nbytes(entry: Mapping[str, Any]) -> tuple[int, np.dtype]:
    n = int(np.prod(entry["shape"], dtype=np.int64))
    stored = entry.get("quantization", {}).get("dtype", entry.get("dtype", "float32"))
    if stored == "float16":
        return 2 * n, np.dtype(np.uint16)
    if stored not in _DTYPES:
        raise ValueError(f"weight {entry.get('name')!r}: unsupported dtype {stored!r}")
    dt = np.dtype(_DTYPES[stored])
    return dt.itemsize * n, dt


def decode_weights(manifest: list, shards: Mapping[str, bytes]) -> dict[str, np.ndarray]:
    """Weights named in a ``weightsManifest`` from the raw bytes of its shards.

    Parameters
    ----------
    manifest : list of groups ``{"paths": [...], "weights": [{"name", "shape", "dtype",
        "quantization"?}, ...]}``
    shards : mapping path -> bytes (every path the manifest names)

    Returns
    -------
    dict name -> float32 ndarray of the manifest's shape (dequantized)

    Raises
    ------
    ValueError
        A shard is missing, or the bytes of a group do not add up to exactly what its weights
        need (the check that the decoding is complete and nothing was misread).
    """
    out = {}
    for g, group in enumerate(manifest):
        missing = [p for p in group["paths"] if p not in shards]
        if missing:
            raise ValueError(f"weight group {g}: shard(s) {missing} not given")
        buf = b"".join(shards[p] for p in group["paths"])
        need = sum(_nbytes(e)[0] for e in group["weights"])
        if need != len(buf):
            raise ValueError(f"weight group {g}: the manifest needs {need:,} bytes but the shards "
                             f"decode to {len(buf):,}")
        offset = 0
        for entry in group["weights"]:
            size, dt = _nbytes(entry)
            raw = np.frombuffer(buf, dtype=dt, count=size // dt.itemsize, offset=offset)
            offset += size
            q = entry.get("quantization")
            w = dequantize(raw, q) if q else raw.astype(np.float32)
            out[entry["name"]] = w.reshape(entry["shape"])
    return out


@dataclass(frozen=True)
class TFJSModel:
    """A TF.js layers model read from disk.

    Attributes
    ----------
    topology : dict, the Keras ``modelTopology``
    weights : dict name -> float32 ndarray (dequantized)
    quantization : dict name -> the manifest's quantization entry (absent: stored as float)
    n_bytes : total bytes of the decoded shards (equal to what the manifest needs)
    """

    topology: dict
    weights: Mapping[str, np.ndarray]
    quantization: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    n_bytes: int = 0

    @property
    def layers(self) -> list[dict]:
        """The Keras layer configs in the order the topology lists them (input to output)."""
        cfg = self.topology.get("model_config", self.topology)
        return list(cfg["config"]["layers"])

    def kernel(self, layer_name: str) -> np.ndarray:
        """The kernel of a conv layer, HWIO: shape (h, w, in, out)."""
        key = f"{layer_name}/kernel"
        if key not in self.weights:
            raise KeyError(f"no weight {key!r} in the model")
        return self.weights[key]


def read_tfjs_model(directory, *, model_file: str = "model.min.js") -> TFJSModel:
    """Read a TF.js layers model bundled as ``model.min.js`` + ``<shard>.min.js`` files.

    ``directory`` holds ``model_file`` and one ``<path>.min.js`` (or plain ``<path>``, raw
    bytes) per shard path of the manifest.
    """
    directory = Path(directory)
    path = directory / model_file
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (a TF.js model bundled as JavaScript)")
    obj = extract_model_json(path.read_text(encoding="utf-8"))
    manifest = obj["weightsManifest"]
    shards = {}
    for group in manifest:
        for p in group["paths"]:
            js = directory / f"{p}.min.js"
            if js.is_file():
                shards[p] = extract_shard_bytes(js.read_text(encoding="ascii"))
            elif (directory / p).is_file():
                shards[p] = (directory / p).read_bytes()
            else:
                raise FileNotFoundError(f"shard {p!r} of {path} not found as {js} or {directory / p}")
    weights = decode_weights(manifest, shards)
    quant = {e["name"]: dict(e["quantization"]) for g in manifest for e in g["weights"] if e.get("quantization")}
    return TFJSModel(topology=obj["modelTopology"], weights=weights, quantization=quant,
                     n_bytes=sum(len(b) for b in shards.values()))


def hwio_to_spatial(kernel) -> np.ndarray:
    """Spatial filters of an HWIO kernel: shape (h, w, in, out) -> (out * in, h * w).

    Row ``o * in + i`` is ``kernel[:, :, i, o]`` flattened row-major, the same order as
    :func:`toponet.filters.spatial_filters` gives for the torch layout (out, in, h, w).
    """
    K = np.asarray(kernel)
    if K.ndim != 4:
        raise ValueError(f"kernel must have 4 axes (h, w, in, out); got shape {K.shape}")
    h, w, i, o = K.shape
    return np.ascontiguousarray(K.transpose(3, 2, 0, 1)).reshape(o * i, h * w)
