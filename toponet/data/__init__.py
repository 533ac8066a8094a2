"""Datasets of the paper: MNIST, CIFAR-10 and SVHN (cropped digits), and their stand-ins.

- ``DATASETS`` (:mod:`toponet.data.registry`): every dataset training uses, name -> how it is
  loaded and fed and what stands in for it; ``real_or_standin(name)`` picks the one that is here.

- ``data_root()``: where raw files live (``$TOPONET_DATA``, else the user cache).
- ``fetch(name)``: download/install and verify the raw files; returns a sentence naming
  the source (``toponet fetch-data NAME`` on the command line).
- ``load(name, split)``: images uint8 (n, H, W, C) and labels int64 (n,), checksums
  verified first.
- ``cifar_augment``, ``svhn_to_mnist``, ``to_float``, ``to_grayscale``,
  ``per_image_standardization``: batched torch preprocessing (``toponet.data.preprocess``),
  imported on first use so that loading data does not import torch.
"""
from toponet.data._fetching import SOURCES, FetchError, fetch
from toponet.data._formats import (read_idx, write_cifar_batch, write_idx,
                                   write_svhn_mat)
from toponet.data._loading import STANDINS, load
from toponet.data.registry import DATASETS, Dataset, real_or_standin
from toponet.data._manifest import (RAW_DATASETS, MANIFEST, SPLIT_FILES, SPLITS, ChecksumError,
                                    data_root, file_digest)

_PREPROCESS = ("cifar_augment", "svhn_to_mnist", "to_float", "to_grayscale",
               "per_image_standardization", "GRAY_WEIGHTS")

__all__ = ["RAW_DATASETS", "DATASETS", "Dataset", "real_or_standin", "STANDINS", "SPLITS", "MANIFEST", "SPLIT_FILES", "SOURCES", "ChecksumError",
           "FetchError", "data_root", "fetch", "load", "file_digest", "read_idx", "write_idx",
           "write_cifar_batch", "write_svhn_mat", *_PREPROCESS]


def __getattr__(attr):
    if attr in _PREPROCESS:
        # deferred: preprocess imports torch (3.5 s); loading raw arrays needs none
        from toponet.data import preprocess
        return getattr(preprocess, attr)
    raise AttributeError(f"module 'toponet.data' has no attribute {attr!r}")
