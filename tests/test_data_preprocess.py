"""Preprocessing: to_float, grayscale, per-image standardization, CIFAR crops/flips, SVHN->MNIST."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from toponet.data import (GRAY_WEIGHTS, cifar_augment, per_image_standardization,
                          svhn_to_mnist, to_float, to_grayscale)


def _images(rng, n=8, h=32, w=32, c=3):
    return rng.integers(0, 256, size=(n, h, w, c), dtype=np.uint8)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _standardize_np(img_chw):
    x = img_chw.astype(np.float64)
    return (x - x.mean()) / max(x.std(), 1 / np.sqrt(x.size))


def test_to_float_shape_and_scale():
    images = np.zeros((2, 5, 4, 3), dtype=np.uint8)
    images[0, 1, 2, 0], images[1, 4, 3, 2] = 255, 51
    x = to_float(images)
    assert x.shape == (2, 3, 5, 4) and x.dtype == torch.float32
    assert x[0, 0, 1, 2] == 1.0 and x[1, 2, 4, 3] == pytest.approx(0.2)
    assert x.sum() == pytest.approx(1.2)


def test_grayscale_weights_exact_on_constant_colour():
    r, g, b = 200.0, 100.0, 50.0
    x = torch.tensor([r, g, b], dtype=torch.float64).view(1, 3, 1, 1).expand(1, 3, 4, 4)
    gray = to_grayscale(x)
    assert gray.shape == (1, 1, 4, 4)
    assert torch.allclose(gray, torch.full_like(gray, 0.2989 * r + 0.5870 * g + 0.1140 * b),
                          rtol=0, atol=1e-12)
    assert GRAY_WEIGHTS == (0.2989, 0.5870, 0.1140)


def test_per_image_standardization_known_values():
    x = torch.zeros(3, 1, 2, 2)
    x[0] = torch.tensor([[0.0, 2.0], [0.0, 2.0]])  # mean 1, population std 1
    x[1] = 7.0                                      # constant: std floored, becomes 0
    x[2] = torch.tensor([[0.0, 0.0], [0.0, 0.1]])   # std 0.0433 < 1/sqrt(4): floored at 0.5
    y = per_image_standardization(x)
    assert torch.equal(y[0], torch.tensor([[[-1.0, 1.0], [-1.0, 1.0]]]))
    assert torch.equal(y[1], torch.zeros(1, 2, 2))
    assert torch.allclose(y[2], (x[2] - 0.025) / 0.5)


def test_cifar_augment_shape_mean_std(rng):
    images = _images(rng, n=16)
    for grayscale, c in ((False, 3), (True, 1)):
        out = cifar_augment(images, _gen(), grayscale=grayscale)
        assert out.shape == (16, c, 24, 24) and out.dtype == torch.float32
        flat = out.reshape(16, -1).double()
        assert torch.allclose(flat.mean(1), torch.zeros(16, dtype=torch.float64), atol=1e-5)
        assert torch.allclose(flat.std(1, unbiased=False), torch.ones(16, dtype=torch.float64),
                              atol=1e-5)


def test_cifar_augment_is_deterministic_under_a_seed(rng):
    images = _images(rng, n=32)
    a = cifar_augment(images, _gen(3))
    b = cifar_augment(images, _gen(3))
    c = cifar_augment(images, _gen(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_cifar_augment_test_mode_is_the_central_crop(rng):
    images = _images(rng, n=4)
    out = cifar_augment(images, None, train=False)
    for i in range(4):
        want = _standardize_np(images[i, 4:28, 4:28].transpose(2, 0, 1))
        np.testing.assert_allclose(out[i].numpy(), want, atol=1e-5)
    gray = cifar_augment(images, None, train=False, grayscale=True)
    w = np.array(GRAY_WEIGHTS)
    want = _standardize_np((images[0, 4:28, 4:28].astype(np.float64) @ w)[None])
    np.testing.assert_allclose(gray[0].numpy(), want, atol=1e-5)


def test_cifar_augment_each_output_is_a_window_maybe_flipped(rng):
    # Random pixels make every (offset, flip) window distinct: find the one that matches.
    images = _images(rng, n=24, c=1)
    out = cifar_augment(images, _gen(1), crop=24).numpy()
    flips, offsets = 0, set()
    for i in range(len(images)):
        matches = []
        for top in range(9):
            for left in range(9):
                window = images[i, top:top + 24, left:left + 24].transpose(2, 0, 1)
                for flip in (False, True):
                    cand = _standardize_np(window[..., ::-1] if flip else window)
                    if np.allclose(out[i], cand, atol=1e-4):
                        matches.append((top, left, flip))
        assert len(matches) == 1, (i, matches)
        flips += matches[0][2]
        offsets.add(matches[0][:2])
    assert 0 < flips < len(images)      # both flipped and unflipped images occur
    assert len(offsets) > 1             # offsets vary across the batch


def test_cifar_augment_flip_rate_is_one_half(rng):
    # A crop as large as the image leaves only the flip random: count flipped images.
    images = _images(rng, n=2000, h=4, w=4, c=1)
    out = cifar_augment(images, _gen(7), crop=4).numpy()
    plain = np.stack([_standardize_np(im.transpose(2, 0, 1)) for im in images])
    flipped = ~np.isclose(out, plain, atol=1e-4).reshape(len(images), -1).all(1)
    assert 0.45 < flipped.mean() < 0.55


def test_cifar_augment_bad_input(rng):
    images = _images(rng, n=2)
    with pytest.raises(TypeError, match="uint8"):
        cifar_augment(images.astype(np.float32), _gen())
    with pytest.raises(ValueError, match=r"shape \(n, H, W, C\)"):
        cifar_augment(images[0], _gen())
    with pytest.raises(TypeError, match="torch.Generator"):
        cifar_augment(images, 0)
    with pytest.raises(ValueError, match="crop must be an integer in 1..32"):
        cifar_augment(images, _gen(), crop=40)
    with pytest.raises(ValueError, match="grayscale=True needs RGB"):
        cifar_augment(images[..., :1], _gen(), grayscale=True)


def test_svhn_to_mnist_constant_colour_and_shape():
    images = np.empty((3, 32, 32, 3), dtype=np.uint8)
    colours = [(200, 100, 50), (0, 0, 0), (255, 255, 255)]
    for i, colour in enumerate(colours):
        images[i] = colour
    out = svhn_to_mnist(images)
    assert isinstance(out, np.ndarray) and out.shape == (3, 28, 28, 1) and out.dtype == np.uint8
    for i, (r, g, b) in enumerate(colours):
        want = min(255, round(0.2989 * r + 0.5870 * g + 0.1140 * b))
        assert (out[i] == want).all(), (i, np.unique(out[i]), want)


def test_svhn_to_mnist_resizes_a_ramp_monotonically():
    ramp = np.repeat(np.linspace(0, 255, 32).round().astype(np.uint8)[None, :], 32, axis=0)
    images = np.repeat(ramp[None, :, :, None], 3, axis=3)  # gray ramp, left to right
    out = svhn_to_mnist(images)[0, :, :, 0].astype(int)
    assert (np.diff(out, axis=1) > 0).all() and (out == out[0]).all()
    assert out[0, 0] < 10 and out[0, -1] > 245
    as_tensor = svhn_to_mnist(torch.from_numpy(images))  # tensors in, tensors out
    assert torch.equal(as_tensor[0, :, :, 0], torch.from_numpy(out.astype(np.uint8)))
