"""Two digit domains that can be built offline, stand-ins for SVHN (Sec. VI of the paper).

- ``"mnistm-standin"``: MNIST-M-style digits (Ganin & Lempitsky 2015): each MNIST digit,
  repeated over three channels, is blended with a 28x28 colour patch cut from a natural
  photograph as ``|patch - digit|`` per channel. The photographs are the colour photos that
  ship inside scikit-image's wheel (:data:`PHOTOS`), not BSDS500 as in MNIST-M. Training
  images take MNIST's training digits and patches from the left 70 % of every photo's
  columns; test images take MNIST's test digits and patches from the right 30 %, so no
  training patch overlaps a test patch. Patch choice is seeded (:data:`MNISTM_SEED`).
  Returned as (n, 28, 28, 3) uint8 RGB, fed to networks like SVHN (gray, 28x28).
- ``"digits8x8"``: scikit-learn's bundled 8x8 handwritten digits (1,797 images, UCI
  "optdigits" test set), values 0..16 scaled to 0..255, resized bilinearly to 20x20 and
  padded by 4 pixels to 28x28 (MNIST's layout: a 20x20 digit box centred in 28x28). A seeded
  permutation (:data:`DIGITS8X8_SEED`) puts 30 % in the test split. Returned as
  (n, 28, 28, 1) uint8.

Both are built once and cached under the data root (``<root>/<name>/<split>.npz``) with a
sha256 checksum in ``<split>.json``; a cached file whose bytes do not match its checksum is an
error that names it (delete it to rebuild).
"""
from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import numpy as np

from toponet._io import atomic_write, atomic_write_json
from toponet.data._loading import load
from toponet.data._manifest import check_split, file_digest, resolve_root

__all__ = ["load_standin", "build_mnistm", "build_digits8x8", "photos", "PHOTOS", "STANDIN_NAMES",
           "MNISTM_SEED", "DIGITS8X8_SEED", "TRAIN_REGION", "DIGITS8X8_TEST_FRACTION"]

STANDIN_NAMES = ("mnistm-standin", "digits8x8")
#: scikit-image's colour photographs used for MNIST-M-style backgrounds (all ship in its wheel).
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "hubble_deep_field",
          "immunohistochemistry")
#: Fraction of each photo's columns (from the left) that training patches come from.
TRAIN_REGION = 0.7
MNISTM_SEED = 20150101
DIGITS8X8_SEED = 20180808
DIGITS8X8_TEST_FRACTION = 0.3
#: Bump when a build changes the images it produces (invalidates caches).
BUILD_VERSION = 1
_SIZE = 28

log = logging.getLogger(__name__)


def _read_meta(path: Path) -> dict:
    """A cached stand-in's metadata; an unreadable file counts as absent (the stand-in is rebuilt)."""
    try:
        meta = json.loads(path.read_text())
        return meta if isinstance(meta, dict) else {}
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable (%s); rebuilding the cached stand-in", path, exc)
        return {}


def photos() -> list[np.ndarray]:
    """The photographs of :data:`PHOTOS` as (H, W, 3) uint8 arrays, read from scikit-image's wheel."""
    import skimage.data as skd

    out = []
    for name in PHOTOS:
        img = skd.stereo_motorcycle()[0] if name == "motorcycle_left" else getattr(skd, name)()
        img = np.asarray(img)
        if img.ndim != 3 or img.shape[2] < 3:
            raise ValueError(f"scikit-image photo {name!r} has shape {img.shape}; expected (H, W, 3)")
        out.append(np.ascontiguousarray(img[..., :3].astype(np.uint8)))
    return out


def _patches(images: list[np.ndarray], n: int, split: str, rng: np.random.Generator) -> np.ndarray:
    """``n`` random 28x28 patches, photo chosen uniformly, from the split's column region."""
    which = rng.integers(len(images), size=n)
    out = np.empty((n, _SIZE, _SIZE, 3), np.uint8)
    d = np.arange(_SIZE)
    for i, img in enumerate(images):
        rows = np.flatnonzero(which == i)
        h, w = img.shape[:2]
        cut = int(TRAIN_REGION * w)
        lo, hi = (0, cut - _SIZE) if split == "train" else (cut, w - _SIZE)
        if hi < lo:
            raise ValueError(f"photo {PHOTOS[i]} ({h}x{w}) is too small for {split} patches")
        y0 = rng.integers(0, h - _SIZE + 1, size=rows.size)
        x0 = rng.integers(lo, hi + 1, size=rows.size)
        out[rows] = img[(y0[:, None] + d)[:, :, None], (x0[:, None] + d)[:, None, :]]
    return out


def build_mnistm(digits: np.ndarray, split: str, *, seed: int = MNISTM_SEED,
                 images: list[np.ndarray] | None = None) -> np.ndarray:
    """MNIST-M-style images: ``|patch - digit|`` per channel.

    Parameters
    ----------
    digits : ndarray of shape (n, 28, 28) or (n, 28, 28, 1), uint8
    split : {"train", "test"}; which column region of the photos the patches come from
    seed : int; the patch choice (photo, position) for image i depends on seed and split only
    images : list of (H, W, 3) uint8 photos, optional; default :func:`photos`

    Returns
    -------
    ndarray of shape (n, 28, 28, 3), uint8
    """
    d = np.asarray(digits)
    if d.ndim == 4 and d.shape[-1] == 1:
        d = d[..., 0]
    if d.ndim != 3 or d.shape[1:] != (_SIZE, _SIZE) or d.dtype != np.uint8:
        raise ValueError(f"digits must be uint8 of shape (n, 28, 28[, 1]); got {d.dtype} {np.asarray(digits).shape}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    patch = _patches(images if images is not None else photos(), len(d), split, rng)
    return np.abs(patch.astype(np.int16) - d[..., None].astype(np.int16)).astype(np.uint8)


def build_digits8x8(split: str, *, seed: int = DIGITS8X8_SEED) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as 28x28x1 uint8 (20x20 bilinear resize, 4-pixel border).

    Returns images (n, 28, 28, 1) uint8 and labels (n,) int64 of the split: a seeded
    permutation of the 1,797 images, the first 30 % (rounded) are the test split.
    """
    from skimage.transform import resize
    from sklearn.datasets import load_digits

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    bunch = load_digits()
    x = bunch.images.astype(np.float64) / 16.0  # (1797, 8, 8) in [0, 1]
    y = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(DIGITS8X8_TEST_FRACTION * len(y)))
    idx = np.sort(order[:n_test] if split == "test" else order[n_test:])
    big = resize(x[idx].transpose(1, 2, 0), (20, 20), order=1, anti_aliasing=False, mode="edge")
    out = np.zeros((len(idx), _SIZE, _SIZE, 1), np.uint8)
    out[:, 4:24, 4:24, 0] = np.clip(np.rint(big.transpose(2, 0, 1) * 255), 0, 255).astype(np.uint8)
    return out, y[idx]


def _build(name: str, split: str, root) -> tuple[np.ndarray, np.ndarray]:
    if name == "digits8x8":
        return build_digits8x8(split)

    digits, labels = load("mnist", split, root)
    return build_mnistm(digits, split), labels


def load_standin(name: str, split: str, root=None) -> tuple[np.ndarray, np.ndarray]:
    """Load (building and caching on first use) one split of a stand-in digit domain.

    Parameters
    ----------
    name : {"mnistm-standin", "digits8x8"}
    split : {"train", "test"}
    root : path or None; the data root (``toponet.data.data_root()`` when None). MNIST must
        be there for "mnistm-standin" (``toponet fetch-data mnist``).

    Returns
    -------
    images : ndarray (n, 28, 28, 3) uint8 for "mnistm-standin" (60,000 train / 10,000 test),
        (n, 28, 28, 1) uint8 for "digits8x8" (1,258 train / 539 test)
    labels : ndarray (n,) int64 in 0..9

    Raises
    ------
    ValueError
        Unknown name or split; a cached file that does not match its recorded checksum.
    """

    if name not in STANDIN_NAMES:
        raise ValueError(f"unknown stand-in digit domain {name!r}; expected one of {STANDIN_NAMES}")
    split = check_split(split)
    folder = resolve_root(root) / name
    data_path, meta_path = folder / f"{split}.npz", folder / f"{split}.json"
    if data_path.is_file() and meta_path.is_file():
        meta = _read_meta(meta_path)
        if meta.get("build_version") == BUILD_VERSION:
            if file_digest(data_path, "sha256") != meta.get("sha256"):
                raise ValueError(f"cached stand-in {str(data_path)!r} does not match the sha256 recorded in "
                                 f"{str(meta_path)!r}; delete both files to rebuild it")
            with np.load(data_path, allow_pickle=False) as npz:
                return npz["images"], npz["labels"]
    images, labels = _build(name, split, root)
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, images=images, labels=labels)
    atomic_write(data_path, lambda fh: fh.write(buf.getvalue()))
    atomic_write_json(meta_path, {"name": name, "split": split, "build_version": BUILD_VERSION,
                                  "sha256": file_digest(data_path, "sha256"), "n": int(len(labels)),
                                  "photos": list(PHOTOS) if name == "mnistm-standin" else None}, indent=1)
    return images, labels
