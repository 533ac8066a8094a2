"""The CIFAR-10 stand-in (toponet.data.natural): verified photographs, disjoint regions, cache."""
import json

import numpy as np
import pytest

from toponet.data import ChecksumError, load
from toponet.data import natural


def test_sources_are_ten_verified_rgb_photographs():
    assert len(natural.SOURCES) == 10 and len(set(natural.CLASSES)) == 10
    for photo in natural.SOURCES:
        img = natural.read_photo(photo)
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
        assert min(img.shape[:2]) >= natural.SHORT_SIDE
        assert img.std() > 10  # a photograph, not a flat test pattern


def test_read_photo_refuses_other_bytes(tmp_path):
    bad = tmp_path / "x.png"
    bad.write_bytes(natural.photo_path(natural.SOURCES[0]).read_bytes() + b"\0")
    with pytest.raises(ChecksumError, match="sha256"):
        natural.read_photo(natural.SOURCES[0], path=bad)
    with pytest.raises(FileNotFoundError, match="missing"):
        natural.read_photo(natural.SOURCES[0], path=tmp_path / "absent.png")


def test_rescale_sets_the_short_side():
    img = np.random.default_rng(0).integers(0, 256, (300, 451, 3), dtype=np.uint8)
    out = natural.rescale(img, 160)
    assert out.shape == (160, 241, 3) and out.dtype == np.uint8


def test_split_regions_and_too_small_images():
    assert natural.split_regions((160, 240)) == (1, 180)
    assert natural.split_regions((240, 160)) == (0, 180)
    with pytest.raises(ValueError, match="narrower"):
        natural.split_regions((40, 60))


def test_train_and_test_crops_come_from_disjoint_regions():
    # Pixel value = column index: a crop's columns tell where it was cut.
    h, w = 160, 200
    img = np.broadcast_to(np.arange(w, dtype=np.uint8)[None, :, None], (h, w, 3)).copy()
    _, cut = natural.split_regions((h, w))
    tr = natural.sample_crops(img, 300, split="train", rng=np.random.default_rng(0))
    te = natural.sample_crops(img, 300, split="test", rng=np.random.default_rng(1))
    assert tr.shape == (300, 32, 32, 3)
    assert tr.max() < cut and te.min() >= cut


def test_flat_crops_are_redrawn():
    img = np.zeros((160, 200, 3), np.uint8)
    img[:, 100:] = np.random.default_rng(0).integers(0, 256, (160, 100, 3))
    crops = natural.sample_crops(img, 50, split="train", rng=np.random.default_rng(0))
    assert (crops.reshape(50, -1).std(axis=1) >= natural.MIN_STD).all()
    with pytest.raises(ValueError, match="could not find"):
        natural.sample_crops(np.zeros((160, 200, 3), np.uint8), 5, split="train", rng=np.random.default_rng(0))


def test_build_is_seeded_and_labelled():
    rng = np.random.default_rng(3)
    photos = [rng.integers(0, 256, (170, 210, 3), dtype=np.uint8) for _ in range(10)]
    a, la = natural.build("train", per_class=7, photos=photos, seed=5)
    b, _ = natural.build("train", per_class=7, photos=photos, seed=5)
    c, _ = natural.build("train", per_class=7, photos=photos, seed=6)
    assert a.shape == (70, 32, 32, 3) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(la, np.repeat(np.arange(10), 7))


def test_load_caches_and_verifies(tmp_path, monkeypatch):
    monkeypatch.setattr(natural, "TEST_PER_CLASS", 20)
    x, y = load("natural-standin", "test", tmp_path)
    assert x.shape == (200, 32, 32, 3) and x.dtype == np.uint8 and np.bincount(y).tolist() == [20] * 10
    x2, y2 = load("natural-standin", "test", tmp_path)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    meta = json.loads((tmp_path / "natural-standin" / "test.json").read_text())
    assert meta["identity"]["per_class"] == 20
    data = tmp_path / "natural-standin" / "test.npz"
    data.write_bytes(data.read_bytes()[:-1] + b"x")
    with pytest.raises(ChecksumError, match="delete"):
        load("natural-standin", "test", tmp_path)


def test_other_names_and_splits_are_refused(tmp_path):
    with pytest.raises(ValueError, match="split"):
        natural.load_standin("natural-standin", "val", tmp_path)
    with pytest.raises(ValueError, match="natural-standin"):
        natural.load_standin("cifar10", "test", tmp_path)
