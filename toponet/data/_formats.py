"""Readers (and, for tests, writers) of the raw file formats: idx, CIFAR pickles, SVHN .mat.

Readers trust their input no more than its checksum allows: every caller verifies the
file's checksum first, and the CIFAR reader also refuses any pickle that asks for more
than numpy array reconstruction.
"""
from __future__ import annotations

import pickle
import struct
import pathlib

import numpy as np

# idx: 2 zero bytes, a type code, the number of dimensions, then big-endian uint32 sizes.
_IDX_UBYTE = 0x08


def read_idx(path: pathlib.Path) -> np.ndarray:
    """Read an idx file of unsigned bytes (the MNIST format).

    Returns
    -------
    ndarray of dtype uint8 and the shape the header gives, e.g. (n, 28, 28) for images
    and (n,) for labels.
    """
    data = pathlib.Path(path).read_bytes()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path} is not an idx file (bad magic number)")
    if data[2] != _IDX_UBYTE:
        raise ValueError(f"{path}: idx type code 0x{data[2]:02x} not supported (only 0x08, ubyte)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated idx header ({len(data)} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    if len(data) - header != expected:
        raise ValueError(f"{path}: idx header gives shape {shape} ({expected} bytes) but the "
                         f"file holds {len(data) - header} bytes of data")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def write_idx(path: pathlib.Path, array: np.ndarray) -> None:
    """Write a uint8 array of any shape as an idx file (inverse of ``read_idx``)."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"write_idx writes uint8 arrays only; got {array.dtype}")
    header = bytes([0, 0, _IDX_UBYTE, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    pathlib.Path(path).write_bytes(header + np.ascontiguousarray(array).tobytes())


class _CifarUnpickler(pickle.Unpickler):
    """Unpickler that builds only what a CIFAR batch holds: numpy arrays, lists, dicts, str.

    A checksum already guards the file; this is the second guard, so that a file someone
    placed by hand with a checksum registered still cannot run code when unpickled.
    """

    _ALLOWED = frozenset({
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),  # numpy >= 2 pickles name this module
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),  # protocol-5 pickles of arrays
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # protocol-2 pickles of bytes objects
        ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytearray"),
        ("builtins", "complex"),
    })

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(
                f"refusing to unpickle global {module}.{name}: a CIFAR-10 batch holds only "
                "numpy arrays, lists and strings")
        return super().find_class(module, name)


def _text_keys(obj: dict) -> dict:
    # Python-2 pickles read with latin1 give str keys, ones written in Python 3 with
    # bytes keys give bytes: accept both.
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}


def read_cifar_pickle(path: pathlib.Path) -> dict:
    """Unpickle a CIFAR-10 python-version file with the restricted unpickler.

    Call only after the file's checksum is verified. Returns the dict with str keys.
    """
    with open(path, "rb") as fh:
        obj = _CifarUnpickler(fh, encoding="latin1").load()
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: a CIFAR-10 batch must unpickle to a dict; got "
                         f"{type(obj).__name__}")
    return _text_keys(obj)


def cifar_batch_arrays(path: pathlib.Path) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one CIFAR-10 batch file (checksum verified by the caller).

    Returns
    -------
    images : ndarray of shape (n, 32, 32, 3), uint8, RGB
    labels : ndarray of shape (n,), int64 in 0..9
    """
    batch = read_cifar_pickle(path)
    for key in ("data", "labels"):
        if key not in batch:
            raise ValueError(f"{path}: CIFAR-10 batch has no {key!r} entry "
                             f"(keys: {sorted(map(str, batch))})")
    data = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"{path}: CIFAR-10 'data' must be uint8 of shape (n, 3072); got "
                         f"{data.dtype} {data.shape}")
    if labels.shape != (data.shape[0],):
        raise ValueError(f"{path}: {data.shape[0]} images but labels of shape {labels.shape}")
    # Each row stores the R plane, then G, then B, each 32x32 row-major.
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def write_cifar_batch(path: pathlib.Path, images: np.ndarray, labels, *, protocol: int = 2) -> None:
    """Write a CIFAR-10 python-version batch (for tests): images uint8 (n, 32, 32, 3)."""
    images = np.asarray(images, dtype=np.uint8)
    data = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    batch = {"batch_label": "written by toponet", "labels": [int(y) for y in labels],
             "data": data, "filenames": [f"img_{i}.png" for i in range(len(images))]}
    with open(path, "wb") as fh:
        pickle.dump(batch, fh, protocol=protocol)


def svhn_mat_arrays(path: pathlib.Path) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of an SVHN cropped-digits .mat file (checksum verified by the caller).

    The file stores ``X`` of shape (32, 32, 3, n) and ``y`` of shape (n, 1) with 10 for
    the digit 0.

    Returns
    -------
    images : ndarray of shape (n, 32, 32, 3), uint8, RGB
    labels : ndarray of shape (n,), int64 in 0..9 (10 mapped to 0)
    """
    from scipy.io import loadmat  # import here: scipy.io is slow to import and MNIST skips it

    mat = loadmat(str(path))
    for key in ("X", "y"):
        if key not in mat:
            raise ValueError(f"{path}: SVHN .mat has no {key!r} variable")
    X, y = mat["X"], np.asarray(mat["y"]).reshape(-1)
    if X.dtype != np.uint8 or X.ndim != 4 or X.shape[:3] != (32, 32, 3):
        raise ValueError(f"{path}: SVHN X must be uint8 of shape (32, 32, 3, n); got "
                         f"{X.dtype} {X.shape}")
    if y.shape != (X.shape[3],):
        raise ValueError(f"{path}: {X.shape[3]} images but y of shape {mat['y'].shape}")
    labels = y.astype(np.int64)
    if labels.min(initial=1) < 1 or labels.max(initial=10) > 10:
        raise ValueError(f"{path}: SVHN labels must lie in 1..10; got range "
                         f"{labels.min()}..{labels.max()}")
    labels[labels == 10] = 0
    return np.ascontiguousarray(X.transpose(3, 0, 1, 2)), labels


def write_svhn_mat(path: pathlib.Path, images: np.ndarray, labels) -> None:
    """Write an SVHN-format .mat file (for tests): images uint8 (n, 32, 32, 3), labels 0..9."""
    from scipy.io import savemat

    y = np.asarray(labels, dtype=np.uint8).reshape(-1, 1).copy()
    y[y == 0] = 10
    savemat(str(path), {"X": np.asarray(images, dtype=np.uint8).transpose(1, 2, 3, 0), "y": y})
