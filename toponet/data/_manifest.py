"""Where each dataset's files live under the data root, and the checksum each must have.

The layout under the root is torchvision's, so that ``torchvision.datasets.X(root,
download=True)`` and our loaders agree on where files are:

- MNIST: ``MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` (uncompressed idx).
- CIFAR-10: ``cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}`` (pickles).
- SVHN cropped digits: ``SVHN/{train,test}_32x32.mat`` (MATLAB v5).
"""
from __future__ import annotations

import hashlib
import os
import pathlib
from collections.abc import Mapping

#: Raw datasets whose files ``fetch`` downloads and ``load`` reads (training's names, stand-ins
#: included, are :data:`toponet.data.registry.DATASETS`).
RAW_DATASETS = ("mnist", "cifar10", "svhn")
#: Splits accepted by ``load``.
SPLITS = ("train", "test")

#: ``{dataset: {path relative to the data root: (hash algorithm, hex digest)}}``.
#: MNIST: sha256 of the uncompressed idx files, computed by us; their md5s
#: (6bbc9ace..., a25bea73..., 2646ac64..., 27ae3e4e...) match the files torchvision
#: extracts from the published .gz archives. CIFAR-10 and SVHN: the md5s torchvision
#: publishes (``CIFAR10.train_list``/``test_list``/``meta``, ``SVHN.split_list``).
#: Tests register checksums of tiny files they write by monkeypatching this dict.
MANIFEST: dict[str, dict[str, tuple[str, str]]] = {
    "mnist": {
        "MNIST/raw/train-images-idx3-ubyte":
            ("sha256", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        "MNIST/raw/train-labels-idx1-ubyte":
            ("sha256", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        "MNIST/raw/t10k-images-idx3-ubyte":
            ("sha256", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        "MNIST/raw/t10k-labels-idx1-ubyte":
            ("sha256", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    },
    "cifar10": {
        "cifar-10-batches-py/data_batch_1": ("md5", "c99cafc152244af753f735de768cd75f"),
        "cifar-10-batches-py/data_batch_2": ("md5", "d4bba439e000b95fd0a9bffe97cbabec"),
        "cifar-10-batches-py/data_batch_3": ("md5", "54ebc095f3ab1f0389bbae665268c751"),
        "cifar-10-batches-py/data_batch_4": ("md5", "634d18415352ddfa80567beed471001a"),
        "cifar-10-batches-py/data_batch_5": ("md5", "482c414d41f54cd18b22e5b47cb7c3cb"),
        "cifar-10-batches-py/test_batch": ("md5", "40351d587109b95175f43aff81a1287e"),
        "cifar-10-batches-py/batches.meta": ("md5", "5ff9c542aee3614f3951f8cda6e48888"),
    },
    "svhn": {
        "SVHN/train_32x32.mat": ("md5", "e26dedcc434d2e4c54c9b2d4a06d8373"),
        "SVHN/test_32x32.mat": ("md5", "eb5a983be6a315427106f1b164d9cef3"),
    },
}

#: The files each (dataset, split) is read from, in reading order.
SPLIT_FILES: dict[tuple[str, str], tuple[str, ...]] = {
    ("mnist", "train"): ("MNIST/raw/train-images-idx3-ubyte", "MNIST/raw/train-labels-idx1-ubyte"),
    ("mnist", "test"): ("MNIST/raw/t10k-images-idx3-ubyte", "MNIST/raw/t10k-labels-idx1-ubyte"),
    ("cifar10", "train"): tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)),
    ("cifar10", "test"): ("cifar-10-batches-py/test_batch",),
    ("svhn", "train"): ("SVHN/train_32x32.mat",),
    ("svhn", "test"): ("SVHN/test_32x32.mat",),
}

_HASHES = ("md5", "sha256")


class ChecksumError(ValueError):
    """A data file exists but its bytes are not the ones the manifest names."""


def data_root() -> pathlib.Path:
    """Return the directory datasets are stored in (not created here).

    ``$TOPONET_DATA`` if set; else ``$XDG_CACHE_HOME/toponet/data`` if ``XDG_CACHE_HOME``
    is set; else ``~/.cache/toponet/data``.
    """
    explicit = os.environ.get("TOPONET_DATA")
    if explicit:
        return pathlib.Path(explicit).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME")
    base = pathlib.Path(cache).expanduser() if cache else pathlib.Path.home() / ".cache"
    return base / "toponet" / "data"


def resolve_root(root) -> pathlib.Path:
    """Return ``root`` as a path, or ``data_root()`` when it is None."""
    if root is None:
        return data_root()
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a path or None; got {type(root).__name__}")
    return pathlib.Path(root).expanduser()


def check_name(name) -> str:
    """Return the dataset ``name`` lower-cased, or raise naming the valid ones."""
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, one of {RAW_DATASETS}; got {name!r}")
    if name.lower() not in RAW_DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {RAW_DATASETS}")
    return name.lower()


def check_split(split) -> str:
    """Return ``split``, or raise naming the valid ones."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return split


def file_digest(path: pathlib.Path, algorithm: str) -> str:
    """Hex digest of the file at ``path`` with ``algorithm`` ("md5" or "sha256")."""
    if algorithm not in _HASHES:
        raise ValueError(f"unknown hash algorithm {algorithm!r}; expected one of {_HASHES}")
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def expected_checksum(name: str, relpath: str,
                      checksums: Mapping[str, tuple[str, str]] | None = None) -> tuple[str, str]:
    """The (algorithm, digest) ``relpath`` must have: ``checksums`` first, then ``MANIFEST``."""
    if checksums is not None and relpath in checksums:
        entry = checksums[relpath]
    elif relpath in MANIFEST.get(name, {}):
        entry = MANIFEST[name][relpath]
    else:
        raise ValueError(f"no checksum registered for {relpath!r} of dataset {name!r}; "
                         "refusing to read an unverified file")
    if (not isinstance(entry, tuple) or len(entry) != 2 or entry[0] not in _HASHES
            or not isinstance(entry[1], str)):
        raise ValueError(f"checksum for {relpath!r} must be (algorithm, hex digest) with "
                         f"algorithm in {_HASHES}; got {entry!r}")
    return entry


def verify_file(name: str, root: pathlib.Path, relpath: str,
                checksums: Mapping[str, tuple[str, str]] | None = None) -> pathlib.Path:
    """Return ``root / relpath`` once its checksum matches, or raise saying how to fix it.

    Raises
    ------
    FileNotFoundError
        The file is absent.
    ChecksumError
        The file's digest differs from the manifest's (corrupt, truncated or another version).
    """
    algorithm, digest = expected_checksum(name, relpath, checksums)
    path = root / relpath
    if not path.is_file():
        raise FileNotFoundError(
            f"{name}: missing file {path}; run `toponet fetch-data {name}"
            f"{'' if root == data_root() else f' --root {root}'}` to fetch it")
    actual = file_digest(path, algorithm)
    if actual != digest.lower():
        raise ChecksumError(
            f"{name}: file {path} has {algorithm} {actual}, expected {digest}: it is corrupt, "
            f"truncated or another version; delete it and run `toponet fetch-data {name}"
            f"{'' if root == data_root() else f' --root {root}'}`")
    return path
