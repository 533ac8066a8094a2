"""The CIFAR-10 stand-in: 32x32 colour crops of ten natural photographs.

CIFAR-10 cannot be downloaded on the machines this book is built on, so the build uses a
stand-in with natural-image statistics, named in every caption that uses it:

- 10 classes = 10 colour photographs that ship inside package wheels (scikit-image 0.26's
  ``skimage/data/`` and scikit-learn's ``load_sample_images``); class ``c`` is photograph
  ``SOURCES[c]``. Each file's sha256 is checked before it is decoded.
- each photograph is rescaled (anti-aliased) so that its shorter side is
  ``SHORT_SIDE = 160`` pixels: a 32x32 crop then spans a fifth of the shorter side, the same
  for every class, so the scale of a crop says nothing about its class;
- the photograph is split along its longer axis: the first ``1 - TEST_FRACTION`` (75%) is
  the training region, the rest the test region; every training crop lies inside the
  training region and every test crop inside the test region (disjoint pixels);
- crop positions are drawn uniformly from a seeded generator (``SEED``); a crop whose pixel
  standard deviation is below ``MIN_STD`` grey levels (e.g. the black border of the retina
  photograph) is redrawn;
- ``TRAIN_PER_CLASS = 5000`` and ``TEST_PER_CLASS = 1000`` crops per class, as in CIFAR-10.

The built arrays are cached under the data root (``natural-standin/``) with a sha256 of
each array file, checked on every load; a cache built with other parameters is rebuilt.
"""
from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass

import numpy as np

from toponet._io import atomic_write, atomic_write_json
from toponet._validation import check_int
from toponet.data._manifest import ChecksumError, check_split, file_digest, resolve_root

__all__ = ["SOURCES", "CLASSES", "SHORT_SIDE", "TEST_FRACTION", "MIN_STD", "TRAIN_PER_CLASS", "TEST_PER_CLASS", "SEED",
           "photo_path", "read_photo", "rescale", "split_regions", "sample_crops", "build", "load_standin", "describe"]


@dataclass(frozen=True)
class Photo:
    """One source photograph: the class it defines.

    Attributes
    ----------
    name : class name
    package : "skimage" or "sklearn" (the wheel the file ships in)
    relpath : path of the file inside the package
    sha256 : hex digest the file must have
    """

    name: str
    package: str
    relpath: str
    sha256: str


#: The ten classes, in label order. All are photographs of real scenes (no synthetic test
#: patterns): portrait, cat, coffee cup, rocket launch, motorcycle, the Hubble deep field,
#: a retinal fundus, an immunohistochemistry micrograph, a temple in China, a flower.
SOURCES: tuple[Photo, ...] = (
    Photo("astronaut", "skimage", "data/astronaut.png",
          "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    Photo("chelsea", "skimage", "data/chelsea.png",
          "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    Photo("coffee", "skimage", "data/coffee.png",
          "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    Photo("rocket", "skimage", "data/rocket.jpg",
          "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
    Photo("motorcycle", "skimage", "data/motorcycle_left.png",
          "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179"),
    Photo("hubble_deep_field", "skimage", "data/hubble_deep_field.jpg",
          "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4"),
    Photo("retina", "skimage", "data/retina.jpg",
          "38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6"),
    Photo("ihc", "skimage", "data/ihc.png",
          "f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef"),
    Photo("china", "sklearn", "datasets/images/china.jpg",
          "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"),
    Photo("flower", "sklearn", "datasets/images/flower.jpg",
          "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"),
)
CLASSES = tuple(p.name for p in SOURCES)

CROP = 32
SHORT_SIDE = 160
TEST_FRACTION = 0.25
MIN_STD = 2.0
TRAIN_PER_CLASS = 5000
TEST_PER_CLASS = 1000
SEED = 20180101
#: Bump when the construction changes: it is part of the cache's identity.
BUILD_VERSION = 1
CACHE_DIR = "natural-standin"


def photo_path(photo: Photo) -> pathlib.Path:
    """Where ``photo`` lies in the installed package (not checked)."""
    if photo.package == "skimage":
        import skimage
        base = pathlib.Path(skimage.__file__).parent
    elif photo.package == "sklearn":
        import sklearn
        base = pathlib.Path(sklearn.__file__).parent
    else:
        raise ValueError(f"photo {photo.name!r}: unknown package {photo.package!r}")
    return base / photo.relpath


def read_photo(photo: Photo, path=None) -> np.ndarray:
    """The verified photograph as uint8 RGB (H, W, 3).

    Raises ``FileNotFoundError`` if the file is missing and ``ChecksumError`` if its sha256
    differs from ``photo.sha256`` (another package version ships other bytes).
    """
    import skimage.io

    path = pathlib.Path(path) if path is not None else photo_path(photo)
    if not path.is_file():
        raise FileNotFoundError(f"natural-standin: source photograph {photo.name!r} is missing at {path}; "
                                f"install scikit-image 0.26.0 and scikit-learn")
    actual = file_digest(path, "sha256")
    if actual != photo.sha256:
        raise ChecksumError(f"natural-standin: photograph {path} has sha256 {actual}, expected "
                            f"{photo.sha256} (another {photo.package} version?); the stand-in is "
                            "defined by these exact bytes")
    img = np.asarray(skimage.io.imread(path))
    if img.ndim != 3 or img.shape[2] < 3:
        raise ValueError(f"natural-standin: photograph {photo.name!r} must be RGB; got shape {img.shape}")
    return np.ascontiguousarray(img[..., :3], dtype=np.uint8)


def rescale(img: np.ndarray, short_side: int = SHORT_SIDE) -> np.ndarray:
    """``img`` (H, W, 3) uint8 resized (anti-aliased) so that min(H, W) == short_side."""
    from skimage.transform import resize

    short_side = check_int(short_side, name="short_side", low=CROP)
    h, w = img.shape[:2]
    s = short_side / min(h, w)
    shape = (max(short_side, round(h * s)), max(short_side, round(w * s)))
    out = resize(img, shape + (img.shape[2],), order=1, anti_aliasing=s < 1, preserve_range=True)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def split_regions(shape: tuple[int, int], test_fraction: float = TEST_FRACTION):
    """Train and test regions of an image of ``shape`` (H, W): ``(axis, cut)``.

    The longer axis (columns for a square) is cut at ``cut``: training crops start at
    [0, cut - CROP] along it, test crops at [cut, size - CROP]. Raises ``ValueError`` when a
    region is narrower than one crop.
    """
    h, w = shape
    axis = 1 if w >= h else 0
    size = shape[axis]
    cut = int(round(size * (1 - test_fraction)))
    if cut < CROP or size - cut < CROP:
        raise ValueError(f"an image of shape {shape} split at {cut} along axis {axis} leaves a region "
                         f"narrower than a {CROP}-pixel crop")
    return axis, cut


def sample_crops(img: np.ndarray, n: int, *, split: str, rng: np.random.Generator,
                 test_fraction: float = TEST_FRACTION, min_std: float = MIN_STD) -> np.ndarray:
    """``n`` random CROP x CROP crops (n, 32, 32, 3) uint8 of ``split``'s region of ``img``.

    Positions are uniform over the region; crops whose pixel standard deviation is below
    ``min_std`` are redrawn (at most 100 rounds, then ``ValueError``).
    """
    n = check_int(n, name="n", low=0)
    split = check_split(split)
    h, w = img.shape[:2]
    axis, cut = split_regions((h, w), test_fraction)
    lo, hi = (0, cut - CROP) if split == "train" else (cut, (h, w)[axis] - CROP)
    other = (w, h)[axis] - CROP
    out = np.empty((n, CROP, CROP, img.shape[2]), np.uint8)
    todo = np.arange(n)
    for _ in range(100):
        if todo.size == 0:
            return out
        a = rng.integers(lo, hi + 1, size=todo.size)
        b = rng.integers(0, other + 1, size=todo.size)
        rows, cols = (b, a) if axis == 1 else (a, b)
        for i, r, c in zip(todo, rows, cols):
            out[i] = img[r:r + CROP, c:c + CROP]
        std = out[todo].reshape(todo.size, -1).std(axis=1)
        todo = todo[std < min_std]
    raise ValueError(f"could not find {todo.size} crops with pixel sd >= {min_std} in the {split} region")


def build(split: str, *, per_class: int | None = None, seed: int = SEED, photos=None):
    """Build one split from the photographs.

    Parameters
    ----------
    split : {"train", "test"}
    per_class : crops per class; None = TRAIN_PER_CLASS or TEST_PER_CLASS
    seed : seed of the crop positions (train and test use independent streams)
    photos : list of (H, W, 3) uint8 arrays, one per class, or None to read ``SOURCES``

    Returns
    -------
    images : ndarray (10 * per_class, 32, 32, 3) uint8; labels : ndarray (n,) int64,
    class by class (labels 0, 0, ..., 1, 1, ...).
    """
    split = check_split(split)
    per_class = (TRAIN_PER_CLASS if split == "train" else TEST_PER_CLASS) if per_class is None else per_class
    per_class = check_int(per_class, name="per_class", low=1)
    seed = check_int(seed, name="seed", low=0)
    if photos is None:
        photos = [read_photo(p) for p in SOURCES]
    images, labels = [], []
    for label, img in enumerate(photos):
        rng = np.random.default_rng([seed, label, 0 if split == "train" else 1])
        images.append(sample_crops(rescale(img), per_class, split=split, rng=rng))
        labels.append(np.full(per_class, label, np.int64))
    return np.concatenate(images), np.concatenate(labels)


def _identity(split: str) -> dict:
    return dict(build_version=BUILD_VERSION, split=split, sources=[p.sha256 for p in SOURCES], crop=CROP,
                short_side=SHORT_SIDE, test_fraction=TEST_FRACTION, min_std=MIN_STD, seed=SEED,
                per_class=TRAIN_PER_CLASS if split == "train" else TEST_PER_CLASS)


def _cached(directory: pathlib.Path, split: str):
    meta_path, data_path = directory / f"{split}.json", directory / f"{split}.npz"
    if not (meta_path.is_file() and data_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable metadata: rebuild
    if not isinstance(meta, dict) or meta.get("identity") != _identity(split):
        return None  # built with other parameters: rebuild
    actual = file_digest(data_path, "sha256")
    if actual != meta.get("sha256"):
        raise ChecksumError(f"natural-standin: cached {data_path} has sha256 {actual}, expected "
                            f"{meta.get('sha256')}; delete {directory} to rebuild it")
    with np.load(data_path, allow_pickle=False) as z:
        return z["images"], z["labels"]


def load_standin(name: str, split: str, root=None) -> tuple[np.ndarray, np.ndarray]:
    """``toponet.data.load("natural-standin", split)``: the cached split, built on first use.

    Returns images (n, 32, 32, 3) uint8 RGB and labels (n,) int64 in 0..9 (``CLASSES``).
    Grayscale (the "-gray" feed) is applied by the training input pipeline, as for CIFAR-10.
    """
    if name not in ("natural-standin", "natural-standin-gray"):
        raise ValueError(f"toponet.data.natural provides 'natural-standin'; got {name!r}")
    split = check_split(split)
    directory = resolve_root(root) / CACHE_DIR
    hit = _cached(directory, split)
    if hit is not None:
        return hit
    images, labels = build(split)
    data_path = directory / f"{split}.npz"
    atomic_write(data_path, lambda fh: np.savez(fh, images=images, labels=labels))
    meta = dict(identity=_identity(split), sha256=file_digest(data_path, "sha256"),
                classes=list(CLASSES), shape=list(images.shape))
    atomic_write_json(directory / f"{split}.json", meta, indent=1)
    return images, labels


def describe() -> str:
    """One sentence naming the stand-in, for captions and verdict rows."""
    return ("natural-image stand-in for CIFAR-10 (10 classes = 10 photographs from the scikit-image and "
            f"scikit-learn wheels, {TRAIN_PER_CLASS}/{TEST_PER_CLASS} 32x32 crops per class from disjoint "
            "train/test regions)")
