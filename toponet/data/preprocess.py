"""Batched torch preprocessing of uint8 NHWC images (the paper's Section II, Table II).

CIFAR-10 follows the TensorFlow CIFAR-10 tutorial the paper builds on: a random 24x24
crop and a random left-right flip for training (the central crop for testing), optional
grayscale, then ``tf.image.per_image_standardization``. Every random draw comes from a
``torch.Generator`` the caller passes, so the same seed gives the same batch.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["GRAY_WEIGHTS", "to_float", "to_grayscale", "per_image_standardization", "cifar_augment", "svhn_to_mnist"]

#: The paper's grayscale weights for (R, G, B) (ITU-R BT.601 luma, as MATLAB's rgb2gray).
GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)

# svhn_to_mnist works in chunks so that 26,032 float images never sit in memory at once.
_CHUNK = 4096


def _as_uint8_nhwc(images, *, name: str = "images", channels: tuple[int, ...] = (1, 3)):
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(np.ascontiguousarray(images))
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a numpy array or torch tensor; got "
                        f"{type(images).__name__}")
    if images.dtype != torch.uint8:
        raise TypeError(f"{name} must be uint8 (raw pixels 0..255); got {images.dtype}")
    if images.ndim != 4 or images.shape[-1] not in channels:
        raise ValueError(f"{name} must have shape (n, H, W, C) with C in {channels}; got "
                         f"{tuple(images.shape)}")
    return images


def to_float(images) -> torch.Tensor:
    """uint8 images (n, H, W, C) -> float32 tensor (n, C, H, W) with values in [0, 1]."""
    x = _as_uint8_nhwc(images)
    return x.permute(0, 3, 1, 2).to(torch.float32).div_(255.0).contiguous()


def to_grayscale(x: torch.Tensor) -> torch.Tensor:
    """RGB float tensor (n, 3, H, W) -> (n, 1, H, W): 0.2989 R + 0.5870 G + 0.1140 B."""
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[1] != 3:
        raise ValueError("to_grayscale needs a tensor of shape (n, 3, H, W); got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    w = torch.tensor(GRAY_WEIGHTS, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


def per_image_standardization(x: torch.Tensor) -> torch.Tensor:
    """``tf.image.per_image_standardization`` on a batch (n, C, H, W), float.

    Each image becomes ``(x - mean) / max(std, 1 / sqrt(C * H * W))`` with the mean and
    the (population) standard deviation over all its C*H*W values; the floor keeps a
    constant image finite (it becomes all zeros).
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or not x.is_floating_point():
        raise ValueError("per_image_standardization needs a float tensor of shape (n, C, H, W)")
    flat = x.reshape(x.shape[0], -1)
    mean = flat.mean(dim=1, keepdim=True)
    std = flat.std(dim=1, unbiased=False, keepdim=True)
    std = std.clamp_min(1.0 / float(flat.shape[1]) ** 0.5)
    return ((flat - mean) / std).reshape(x.shape)


def cifar_augment(images, generator: torch.Generator | None, *, crop: int = 24,
                  train: bool = True, grayscale: bool = False) -> torch.Tensor:
    """CIFAR-10 input pipeline of the paper: crop, flip, optional grayscale, standardize.

    Parameters
    ----------
    images : uint8 array or tensor of shape (n, H, W, C), C in {1, 3}
        Raw pixels as ``load("cifar10", ...)`` returns them (H = W = 32).
    generator : torch.Generator
        Source of the crop offsets and flips (needed when ``train``; ignored otherwise).
        Random numbers are drawn on the generator's device, then moved to the images'.
    crop : int
        Side of the square crop (24 in the paper).
    train : bool
        True: a random crop and a left-right flip with probability 1/2, per image.
        False: the central crop (offset ``(H - crop) // 2``, as TF's
        ``resize_image_with_crop_or_pad``) and no flip.
    grayscale : bool
        Convert RGB to one channel with ``GRAY_WEIGHTS`` before standardizing.

    Returns
    -------
    float32 tensor of shape (n, C', crop, crop), on the images' device; C' = 1 when
    ``grayscale`` else C. Each image has mean 0 and standard deviation 1 (unless constant).
    """
    x = _as_uint8_nhwc(images)
    n, h, w, c = x.shape
    if isinstance(crop, bool) or not isinstance(crop, int) or not 1 <= crop <= min(h, w):
        raise ValueError(f"crop must be an integer in 1..{min(h, w)} for {h}x{w} images; "
                         f"got {crop!r}")
    if grayscale and c != 3:
        raise ValueError(f"grayscale=True needs RGB images (C = 3); got C = {c}")
    ar = torch.arange(crop, device=x.device)
    if train:
        if not isinstance(generator, torch.Generator):
            raise TypeError("cifar_augment(train=True) needs a torch.Generator for its random "
                            f"crops and flips; got {type(generator).__name__}")
        gdev = generator.device
        top = torch.randint(0, h - crop + 1, (n,), generator=generator, device=gdev).to(x.device)
        left = torch.randint(0, w - crop + 1, (n,), generator=generator, device=gdev).to(x.device)
        flip = (torch.rand(n, generator=generator, device=gdev) < 0.5).to(x.device)
    else:
        top = torch.full((n,), (h - crop) // 2, device=x.device)
        left = torch.full((n,), (w - crop) // 2, device=x.device)
        flip = torch.zeros(n, dtype=torch.bool, device=x.device)
    # One gather does crop and flip together: a flipped image reads its columns backwards.
    rows = top[:, None] + ar                                           # (n, crop)
    cols = left[:, None] + torch.where(flip[:, None], crop - 1 - ar, ar)  # (n, crop)
    idx = torch.arange(n, device=x.device)[:, None, None]
    out = x[idx, rows[:, :, None], cols[:, None, :]]                   # (n, crop, crop, C)
    # Pixels stay in 0..255 as in the TF tutorial; standardization removes the scale anyway.
    out = out.permute(0, 3, 1, 2).to(torch.float32)
    if grayscale:
        out = to_grayscale(out)
    return per_image_standardization(out).contiguous()


def svhn_to_mnist(images):
    """SVHN RGB 32x32 -> MNIST-like gray 28x28, for testing MNIST-trained networks on SVHN.

    Grayscale with ``GRAY_WEIGHTS``, then an antialiased bilinear resize 32 -> 28, rounded
    back to uint8.

    Parameters
    ----------
    images : uint8 array or tensor of shape (n, H, W, 3)

    Returns
    -------
    uint8 array of shape (n, 28, 28, 1) (a tensor if a tensor was given).
    """
    was_numpy = isinstance(images, np.ndarray)
    x = _as_uint8_nhwc(images, channels=(3,))
    out = torch.empty((x.shape[0], 28, 28, 1), dtype=torch.uint8, device=x.device)
    for start in range(0, x.shape[0], _CHUNK):
        part = x[start:start + _CHUNK].permute(0, 3, 1, 2).to(torch.float32)
        gray = to_grayscale(part)
        small = F.interpolate(gray, size=(28, 28), mode="bilinear", align_corners=False,
                              antialias=True)
        out[start:start + _CHUNK] = small.round().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1)
    return out.numpy() if was_numpy else out
