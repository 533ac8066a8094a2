"""The stand-in digit domains: MNIST-M-style blends and scikit-learn's 8x8 digits at 28x28."""
import json

import numpy as np
import pytest

from toponet.data import digit_domains as dd
from toponet.data import load


def two_tone_photos(width=100, height=60):
    """Photos whose left TRAIN_REGION of columns is 10 and the rest 200 (all channels)."""
    img = np.full((height, width, 3), 10, np.uint8)
    img[:, int(dd.TRAIN_REGION * width):] = 200
    return [img, img.copy()]


def test_mnistm_blend_is_abs_difference_and_regions_are_disjoint():
    digits = np.zeros((50, 28, 28), np.uint8)
    digits[:, 10:18, 10:18] = 255
    train = dd.build_mnistm(digits, "train", images=two_tone_photos())
    test = dd.build_mnistm(digits, "test", images=two_tone_photos())
    assert train.shape == (50, 28, 28, 3) and train.dtype == np.uint8
    # |patch - digit|: background keeps the patch value, the stroke becomes 255 - patch.
    assert set(np.unique(train[:, 0, 0])) == {10} and set(np.unique(train[:, 12, 12])) == {245}
    # test patches come only from the right 30% of the columns, training ones only from the left
    assert set(np.unique(test[:, 0, 0])) == {200} and set(np.unique(test[:, 12, 12])) == {55}


def test_mnistm_is_seeded():
    digits = np.random.default_rng(0).integers(0, 256, (20, 28, 28, 1)).astype(np.uint8)
    photos = [np.random.default_rng(1).integers(0, 256, (80, 120, 3)).astype(np.uint8)]
    a = dd.build_mnistm(digits, "train", images=photos)
    np.testing.assert_array_equal(a, dd.build_mnistm(digits, "train", images=photos))
    assert not np.array_equal(a, dd.build_mnistm(digits, "train", seed=1, images=photos))


@pytest.mark.parametrize("digits, match", [
    (np.zeros((3, 28, 28), np.float32), "uint8"),
    (np.zeros((3, 32, 32), np.uint8), "28, 28"),
])
def test_mnistm_rejects_bad_digits(digits, match):
    with pytest.raises(ValueError, match=match):
        dd.build_mnistm(digits, "train", images=two_tone_photos())


def test_mnistm_rejects_bad_split_and_tiny_photo():
    with pytest.raises(ValueError, match="split"):
        dd.build_mnistm(np.zeros((2, 28, 28), np.uint8), "val", images=two_tone_photos())
    with pytest.raises(ValueError, match="too small"):
        dd.build_mnistm(np.zeros((2, 28, 28), np.uint8), "test", images=[np.zeros((30, 40, 3), np.uint8)])


def test_photos_ship_with_scikit_image():
    imgs = dd.photos()
    assert len(imgs) == len(dd.PHOTOS)
    assert all(i.ndim == 3 and i.shape[2] == 3 and i.dtype == np.uint8 and min(i.shape[:2]) >= 28 for i in imgs)


def test_digits8x8_split_is_stated_and_disjoint(tmp_path):
    xtr, ytr = dd.load_standin("digits8x8", "train", tmp_path)
    xte, yte = dd.load_standin("digits8x8", "test", tmp_path)
    assert xtr.shape == (1258, 28, 28, 1) and xte.shape == (539, 28, 28, 1)
    assert xtr.dtype == np.uint8 and ytr.dtype == np.int64 and set(np.unique(yte)) == set(range(10))
    # MNIST layout: a 4-pixel empty border, strokes reaching full brightness
    assert xtr[:, :4].max() == 0 and xtr[:, 24:].max() == 0 and xtr.max() == 255
    from sklearn.datasets import load_digits
    raw = load_digits()
    order = np.random.default_rng(dd.DIGITS8X8_SEED).permutation(1797)
    np.testing.assert_array_equal(yte, raw.target[np.sort(order[:539])])


def test_standin_cache_is_built_once_and_checked(tmp_path):
    x1, y1 = load("digits8x8", "test", tmp_path)
    npz, meta = tmp_path / "digits8x8" / "test.npz", tmp_path / "digits8x8" / "test.json"
    assert npz.is_file() and json.loads(meta.read_text())["n"] == 539
    mtime = npz.stat().st_mtime_ns
    x2, y2 = load("digits8x8", "test", tmp_path)
    assert npz.stat().st_mtime_ns == mtime  # read from the cache, not rebuilt
    np.testing.assert_array_equal(x1, x2)
    npz.write_bytes(npz.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ValueError, match="sha256"):
        load("digits8x8", "test", tmp_path)


def test_load_standin_rejects_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="stand-in"):
        dd.load_standin("usps", "train", tmp_path)
    with pytest.raises(ValueError, match="split"):
        dd.load_standin("digits8x8", "validation", tmp_path)
