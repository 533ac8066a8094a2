"""Train N networks of one config at once: ``train_ensemble(config, seeds)``.

The loop reads like a textbook one (batch, forward, ``loss.backward()``, ``opt.step()``);
what is special is where the randomness comes from and how networks share the device.

Randomness. Network ``seed`` draws everything from ``seed`` alone, so adding networks to
an ensemble never changes the others, and a resumed run repeats an uninterrupted one bit
for bit:

- initialization: the global torch RNG seeded with ``seed`` inside ``fork_rng`` (CPU);
- data order: epoch ``e`` visits the training set in the order
  ``randperm(n, generator seeded by mix(seed, e))``; batch ``t`` of a run is slice
  ``t mod (n // batch_size)`` of its epoch's permutation (the ragged tail is skipped);
- dropout masks: a counter-based hash of (seed, iteration, unit index), so the mask of
  any iteration is computable on its own, on any device, for many networks at once;
- CIFAR crops and flips: a ``torch.Generator`` seeded by mix(seed, iteration).

So a checkpoint needs no generator states: (seed, iteration) is the whole RNG state.

Devices. ``strategy="sequential"`` (the CPU default) steps the networks one after
another, each an ordinary module in channels-last memory format with the data already in
tensors; measured on a 2-core CPU this beats batching networks into grouped convolutions.
``strategy="vmap"`` (the CUDA default) stacks the networks' parameters
(``torch.func.stack_module_state``) and runs them as one batched program with ``vmap``,
which is meant to fill a GPU; it also runs on a CPU (that is how it is tested). On CUDA, PyTorch's
default lets cuDNN convolutions use TF32, so a seed trained on a GPU matches its CPU run
only approximately (untested here: no GPU). CPU threads are the caller's choice; on a
CPU shared with other jobs, 1 thread per process was ~3x faster here than 2.

Preprocessing: MNIST pixels are scaled to [0, 1] (no mean subtraction); SVHN is made
MNIST-like (gray, 28x28, ``toponet.data.svhn_to_mnist``) then scaled to [0, 1]; CIFAR-10
goes through ``toponet.data.cifar_augment`` (random 24x24 crop and flip for training, the
central crop for evaluation, per-image standardization; gray for ``cifar10-gray``).

Hyper-parameters per experiment (Adam 1e-3 for M; SGD 0.1 with L2 0.004 for C) are written
down once, in :mod:`toponet.experiments`.
"""
from __future__ import annotations

import copy
import ctypes
import dataclasses
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from toponet import ideal
from toponet._io import atomic_write
from toponet._validation import check_int
from toponet.data import load, preprocess
from toponet.data.preprocess import cifar_augment
from toponet.data.registry import DATASETS, digit_datasets
from toponet.models import C, M, conv_layers

log = logging.getLogger(__name__)

__all__ = ["TrainConfig", "Snapshot", "TrainingDiverged", "train_ensemble", "build_model",
           "appended_bank", "fixed_first_layer", "FIRST_LAYERS", "APPENDED_FEATURES",
           "dropout_masks", "ARCHS", "TRAIN_EVAL_SIZE", "TEST_EVAL_SIZE"]

ARCHS = ("M", "C", "C-nopool")
OPTIMIZERS = ("adam", "sgd")
#: ``TrainConfig.first_layer``: train conv 1, or fix (freeze) it to ideal filters (Sec. VI).
FIRST_LAYERS = ("trained", "circle", "gaussian")
#: ``TrainConfig.appended_features``: fixed filter banks whose responses are appended to the
#: input pixels (Sec. VI, Fig. 13), or none.
APPENDED_FEATURES = ("none", "circle", "klein", "gaussian")
#: Seed of the gaussian bank of ``appended_features="gaussian"`` (the same bank for every network).
APPENDED_GAUSSIAN_SEED = 0

#: Version of the training semantics; part of every artifact key (toponet.store). Bump it
#: whenever a change would make the same config and seed train to different weights.
TRAIN_CODE_VERSION = 1

#: Train accuracy is measured on this many training images (a fixed subset, the same for
#: every network and snapshot).
TRAIN_EVAL_SIZE = 5_000
#: Test accuracy at snapshots before the last uses this many test images (a fixed subset);
#: the last snapshot (iteration == config.iterations) uses the whole test set.
TEST_EVAL_SIZE = 2_000
#: Evaluation forward passes take this many images at a time (per network): the training
#: batch size, so evaluation needs no more memory than a training step.
_EVAL_BATCH = 128
#: Seed of the fixed evaluation subsets (not a network seed).
_EVAL_SUBSET_SEED = 20180101
#: The checkpoint layout; bump when it changes.
_CHECKPOINT_FORMAT = 1
# Stream tags of mix(seed, ..., stream): independent random streams of one network.
_STREAM_DATA_ORDER, _STREAM_DROPOUT, _STREAM_AUGMENT, _STREAM_FIRST_LAYER = 1, 2, 3, 4


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one kind of trained network (seeds aside).

    Attributes
    ----------
    dataset : a name of :data:`toponet.data.registry.DATASETS` (fed as its entry says)
    arch : {"M", "C", "C-nopool"}
        ``M(X, Y, Z)`` of Table I, ``C(X, Y, Z)`` of Table II, or ``C`` without max-pooling (Fig. 7).
    widths : (X, Y, Z)
        Conv 1 depth, conv 2 depth, FC nodes; 0 removes the block.
    optimizer : {"adam", "sgd"}
    lr : float > 0
    momentum : float in [0, 1)
        SGD momentum (ignored by Adam).
    weight_decay : float >= 0
        The L2 penalty ``(weight_decay / 2) * sum(w ** 2)`` over all parameters, added
        through the optimizer's gradient term ``weight_decay * w`` (torch's ``weight_decay``).
    batch_size : int >= 1
    iterations : int >= 0
        Batch iterations (optimizer steps) per network.
    snapshots : tuple of int
        Iterations (0 = untrained, the null model) at which weights and accuracies are
        recorded; strictly ascending, within 0..iterations.
    dropout : float in [0, 1)
        Dropout probability before the readout (0.5 in Table I; 0 for C).
    eval_every_snapshot : bool
        True: train/test accuracy at every snapshot. False: only at the last iteration;
        other snapshots get NaN accuracies.
    first_layer : {"trained", "circle", "gaussian"}
        "trained": the usual. "circle": conv 1's X filters are set to the ideal primary circle
        at X equally spaced angles (``toponet.ideal.circle_filter_bank``), "gaussian": to X
        normalized gaussian filters drawn from the network's seed; both with bias 0 and frozen
        (weights and bias never change). Needs arch "M" or "C" with one input map per filter
        (gray input) and no appended features. Sec. VI (i)-(iii).
    appended_features : {"none", "circle", "klein", "gaussian"}
        Every input pixel gets 64 extra channels, the inner products of its 3x3 patch (zero
        padded) with 64 fixed unit filters: primary circle, Klein bottle
        (``toponet.ideal.klein_filter_bank``) or gaussian (seed ``APPENDED_GAUSSIAN_SEED``).
        Conv 1 then sees 65 input maps. Sec. VI, Fig. 13.
    transfer : tuple of str
        Digit datasets (``digit_datasets()``) whose test sets every evaluation also measures,
        fed as they would be fed for training; their accuracies go into
        ``Snapshot.transfer_accuracy``. Evaluation only: training is unchanged.

    ``KEY_OPTIONAL`` lists the fields added after artifacts were committed: the store leaves
    them out of an artifact's key while they hold their defaults (``toponet.store.config_dict``).
    """

    KEY_OPTIONAL = ("first_layer", "appended_features", "transfer")

    dataset: str = "mnist"
    arch: str = "M"
    widths: tuple[int, int, int] = (64, 32, 64)
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    batch_size: int = 128
    iterations: int = 2000
    snapshots: tuple[int, ...] = (0, 100, 500, 1000, 2000)
    dropout: float = 0.5
    eval_every_snapshot: bool = True
    first_layer: str = "trained"
    appended_features: str = "none"
    transfer: tuple[str, ...] = ()

    def __post_init__(self):
        def bad(field_name, expected):
            raise ValueError(f"TrainConfig.{field_name} must be {expected}; got {getattr(self, field_name)!r}")

        if self.dataset not in DATASETS:
            bad("dataset", f"one of {tuple(DATASETS)}")
        if self.arch not in ARCHS:
            bad("arch", f"one of {ARCHS}")
        if self.optimizer not in OPTIMIZERS:
            bad("optimizer", f"one of {OPTIMIZERS}")
        widths = tuple(self.widths) if isinstance(self.widths, (list, tuple)) else None
        if widths is None or len(widths) != 3:
            bad("widths", "a tuple (X, Y, Z) of three integers >= 0")
        for name, w in zip("XYZ", widths):
            check_int(w, name=f"TrainConfig.widths {name}", low=0)
        object.__setattr__(self, "widths", tuple(int(w) for w in widths))
        for name, low_ok in (("lr", False), ("momentum", True), ("weight_decay", True), ("dropout", True)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                bad(name, "a finite number")
            if value < 0 or (value == 0 and not low_ok):
                bad(name, "> 0" if not low_ok else ">= 0")
        if self.momentum >= 1:
            bad("momentum", "< 1")
        if self.dropout >= 1:
            bad("dropout", "< 1 (a probability of dropping a unit)")
        check_int(self.batch_size, name="TrainConfig.batch_size", low=1)
        check_int(self.iterations, name="TrainConfig.iterations", low=0)
        snaps = tuple(self.snapshots) if isinstance(self.snapshots, (list, tuple)) else None
        if snaps is None:
            bad("snapshots", "a tuple of iterations")
        for s in snaps:
            check_int(s, name="TrainConfig.snapshots entry", low=0, high=self.iterations)
        if list(snaps) != sorted(set(snaps)):
            bad("snapshots", "strictly ascending")
        object.__setattr__(self, "snapshots", tuple(int(s) for s in snaps))
        if self.first_layer not in FIRST_LAYERS:
            bad("first_layer", f"one of {FIRST_LAYERS}")
        if self.appended_features not in APPENDED_FEATURES:
            bad("appended_features", f"one of {APPENDED_FEATURES}")
        if self.first_layer != "trained":
            if self.widths[0] == 0:
                bad("first_layer", "'trained' when conv layer 1 is removed (X = 0)")
            if self.appended_features != "none" or DATASETS[self.dataset].feed == "cifar" and not DATASETS[self.dataset].gray:
                bad("first_layer", "'trained' unless the input is one gray map without appended features")
        if self.appended_features != "none" and self.dataset not in digit_datasets():
            bad("appended_features", f"'none' for dataset {self.dataset!r} (digit datasets only: {digit_datasets()})")
        transfer = self.transfer if isinstance(self.transfer, (list, tuple)) else None
        if transfer is None or any(t not in digit_datasets() for t in transfer) or len(set(transfer)) != len(transfer):
            bad("transfer", f"a tuple of distinct digit datasets from {digit_datasets()}")
        if transfer and self.dataset not in digit_datasets():
            bad("transfer", f"() for dataset {self.dataset!r}: transfer is measured between digit datasets")
        object.__setattr__(self, "transfer", tuple(transfer))


@dataclass
class Snapshot:
    """All networks of an ensemble at one iteration.

    Attributes
    ----------
    iteration : int
        Optimizer steps taken (0 = untrained).
    conv_weights : dict str -> ndarray
        ``"conv1"``, ``"conv2"``, ...: float32 arrays of shape (n_networks, out, in, 3, 3),
        networks in the order of ``seeds``.
    train_accuracy, test_accuracy : ndarray of shape (n_networks,)
        Fractions in [0, 1] (NaN where not evaluated); on ``train_examples`` training and
        ``test_examples`` test images.
    train_loss : ndarray of shape (n_networks,)
        Mean training cross-entropy (nats, dropout on) over the iterations since the
        previous snapshot; NaN at iteration 0.
    train_examples, test_examples : int
        Images the accuracies were measured on (0 when not evaluated).
    transfer_accuracy : dict str -> ndarray of shape (n_networks,)
        Accuracy on each ``config.transfer`` dataset's test images (a fixed subset of
        ``TEST_EVAL_SIZE`` before the last snapshot, the whole test set at the last).
    transfer_examples : dict str -> int
        Images each transfer accuracy was measured on.
    """

    iteration: int
    conv_weights: dict[str, np.ndarray]
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    train_loss: np.ndarray | None = None
    train_examples: int = 0
    test_examples: int = 0
    transfer_accuracy: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    transfer_examples: dict[str, int] = dataclasses.field(default_factory=dict)


class TrainingDiverged(FloatingPointError):
    """A network's training loss became NaN or infinite."""


# ---------------------------------------------------------------------------------------
# Randomness: pure functions of (seed, counters).

_MASK64 = (1 << 64) - 1
_MASK32 = 0xFFFFFFFF


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _mix(*words: int) -> int:
    """A 64-bit key from integers (SplitMix64 chained): the seed of one random stream."""
    h = 0
    for w in words:
        h = _splitmix64(h ^ (int(w) & _MASK64))
    return h


def _mul32(x: torch.Tensor, c: int) -> torch.Tensor:
    # (x * c) mod 2**32 for 0 <= x, c < 2**32 without int64 overflow: split x into 16-bit
    # halves (the high half's product only matters mod 2**16).
    lo = (x & 0xFFFF) * c
    hi = ((x >> 16) * c) & 0xFFFF
    return (lo + (hi << 16)) & _MASK32


def _hash32(x: torch.Tensor) -> torch.Tensor:
    # "lowbias32" integer hash (C. Wellons): a bijection of 32-bit words with full avalanche.
    x = x ^ (x >> 16)
    x = _mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mul32(x, 0x846CA68B)
    return x ^ (x >> 16)


def dropout_masks(keys: Sequence[int], shape: tuple[int, ...], p: float, device="cpu") -> torch.Tensor:
    """Inverted-dropout masks from a counter-based hash: same keys, same masks, any device.

    Parameters
    ----------
    keys : sequence of int
        One 64-bit key per network (``mix(seed, iteration, stream)``).
    shape : tuple of int
        Shape of one network's mask, e.g. (batch, units).
    p : float in [0, 1)
        Drop probability.
    device : torch device

    Returns
    -------
    masks : float32 tensor of shape (len(keys), *shape)
        Entries 0 (dropped, probability ``p`` up to 2**-24) or ``1 / (1 - p)``.
    """
    k = torch.tensor([[key & _MASK32, (key >> 32) & _MASK32] for key in keys], dtype=torch.int64,
                     device=device)
    idx = torch.arange(math.prod(shape), dtype=torch.int64, device=device)
    x = _hash32(_hash32(idx[None, :] ^ k[:, :1]) ^ k[:, 1:])
    u = (x >> 8).to(torch.float32) * (2.0 ** -24)  # 24 bits: exact in float32, uniform on [0, 1)
    return (u >= p).to(torch.float32).mul_(1.0 / (1.0 - p)).reshape(len(keys), *shape)


# ---------------------------------------------------------------------------------------
# Data.

class _Data:
    """Preprocessed data on one device, and each network's batches.

    ``batch(seed, t)`` is network ``seed``'s batch of iteration ``t`` (0-based step index);
    it depends on nothing else.
    """

    def __init__(self, config: TrainConfig, data, device: torch.device):
        if data is None:
            name = DATASETS[config.dataset].source
            data = (load(name, "train"), load(name, "test"))
        try:
            (x_train, y_train), (x_test, y_test) = data
        except (TypeError, ValueError) as exc:
            raise TypeError("data must be ((train_images, train_labels), (test_images, test_labels)) "
                            "with uint8 images of shape (n, H, W, C), as toponet.data.load returns") from exc
        y_train, y_test = (torch.as_tensor(np.asarray(y, dtype=np.int64)) for y in (y_train, y_test))
        if len(x_train) != len(y_train) or len(x_test) != len(y_test):
            raise ValueError(f"data: {len(x_train)} training images but {len(y_train)} labels, "
                             f"{len(x_test)} test images but {len(y_test)} labels")
        n = len(y_train)
        if n < config.batch_size:
            raise ValueError(f"batch_size {config.batch_size} exceeds the {n} training images")
        self.config, self.device, self.n = config, device, n
        self.batches_per_epoch = n // config.batch_size
        self.cifar = DATASETS[config.dataset].feed == "cifar"
        self.gray = DATASETS[config.dataset].gray
        eval_rng = np.random.default_rng(_EVAL_SUBSET_SEED)
        train_eval = np.sort(eval_rng.choice(n, size=min(TRAIN_EVAL_SIZE, n), replace=False))
        test_eval = np.sort(eval_rng.choice(len(y_test), size=min(TEST_EVAL_SIZE, len(y_test)), replace=False))
        if self.cifar:
            # Augmentation is per batch, so the raw uint8 pixels are what stays on the device.
            self.x_train = torch.as_tensor(np.asarray(x_train)).to(device)
            evaluate = lambda x: preprocess.cifar_augment(x, None, train=False, grayscale=self.gray)
            self.x_train_eval = self._channels_last(evaluate(self.x_train[torch.as_tensor(train_eval, device=device)]))
            self.x_test = self._channels_last(evaluate(torch.as_tensor(np.asarray(x_test)).to(device)))
        else:
            if DATASETS[config.dataset].feed == "svhn":
                x_train, x_test = preprocess.svhn_to_mnist(x_train), preprocess.svhn_to_mnist(x_test)
            self.x_train = self._channels_last(preprocess.to_float(x_train).to(device))
            self.x_train_eval = self.x_train[torch.as_tensor(train_eval, device=device)]
            self.x_test = self._channels_last(preprocess.to_float(x_test).to(device))
        self.y_train = y_train.to(device)
        self.y_train_eval = self.y_train[torch.as_tensor(train_eval, device=device)]
        self.y_test = y_test.to(device)
        self.test_subset = torch.as_tensor(test_eval, device=device)
        # Transfer test sets: (full images, labels, subset index) per dataset, fed as that
        # dataset would be fed. Their own subset generator leaves the ones above unchanged.
        self.transfer = {}
        for i, name in enumerate(config.transfer):
            self.transfer[name] = self._transfer_set(name, np.random.default_rng([_EVAL_SUBSET_SEED, i + 1]))
        self._perms: dict[tuple[int, ...], tuple[int, torch.Tensor]] = {}

    def _transfer_set(self, name: str, rng: np.random.Generator):
        source, feed = DATASETS[name].source, DATASETS[name].feed
        x, y = load(source, "test")
        if feed == "svhn":
            x = preprocess.svhn_to_mnist(x)
        x = self._channels_last(preprocess.to_float(x).to(self.device))
        if tuple(x.shape[1:]) != tuple(self.x_test.shape[1:]):
            raise ValueError(f"transfer dataset {name!r} gives inputs of shape {tuple(x.shape[1:])}, the "
                             f"network takes {tuple(self.x_test.shape[1:])}")
        y = torch.as_tensor(np.asarray(y, dtype=np.int64)).to(self.device)
        subset = torch.as_tensor(np.sort(rng.choice(len(y), size=min(TEST_EVAL_SIZE, len(y)), replace=False)),
                                 device=self.device)
        return x, y, subset

    @staticmethod
    def _channels_last(x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one network input."""
        return tuple(self.x_test.shape[1:])

    def indices(self, seeds: Sequence[int], t: int) -> torch.Tensor:
        """Training-set indices (len(seeds), batch_size) of networks ``seeds`` at iteration ``t``."""
        seeds = tuple(seeds)
        epoch, pos = divmod(t, self.batches_per_epoch)
        cached = self._perms.get(seeds)
        if cached is None or cached[0] != epoch:
            perms = [torch.randperm(self.n, generator=torch.Generator().manual_seed(
                _mix(s, epoch, _STREAM_DATA_ORDER))) for s in seeds]
            cached = (epoch, torch.stack(perms).to(self.device))
            self._perms[seeds] = cached
        b = self.config.batch_size
        return cached[1][:, pos * b:(pos + 1) * b]

    def batches(self, seeds: Sequence[int], t: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs (len(seeds), batch_size, C, H, W) float32 and labels (len(seeds), batch_size)."""
        idx = self.indices(seeds, t)
        x, y = self.x_train[idx], self.y_train[idx]  # one gather for all networks
        if self.cifar:
            x = torch.stack([
                cifar_augment(xi, torch.Generator().manual_seed(_mix(s, t, _STREAM_AUGMENT)),
                              train=True, grayscale=self.gray)
                for s, xi in zip(seeds, x)])
        return x, y

    def batch(self, seed: int, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs (batch_size, C, H, W) float32 (channels-last) and labels (batch_size,)."""
        x, y = self.batches([seed], t)
        return self._channels_last(x[0]), y[0]


# ---------------------------------------------------------------------------------------
# Networks.

def build_model(config: TrainConfig, input_shape: tuple[int, int, int] = None) -> nn.Module:
    """The untrained network of ``config`` for inputs of shape (C, H, W) (global torch RNG).

    Default input shape: (1, 28, 28) for M on MNIST/SVHN; (3 or 1, 24, 24) for C on CIFAR-10.
    """
    if input_shape is None:
        if DATASETS[config.dataset].feed == "cifar":
            input_shape = (1 if DATASETS[config.dataset].gray else 3, 24, 24)
        else:
            input_shape = (1, 28, 28)
    c, h, w = input_shape
    if h != w:
        raise ValueError(f"the paper's networks take square inputs; got {h}x{w}")
    if config.arch == "M":
        return M(*config.widths, in_channels=c, image_size=h, dropout=config.dropout,
                 appended=appended_bank(config.appended_features))
    return C(*config.widths, in_channels=c, image_size=h, dropout=config.dropout,
             max_pool=config.arch == "C")


def appended_bank(kind: str) -> torch.Tensor | None:
    """The fixed (64, 3, 3) float32 filter bank of ``appended_features=kind`` (None for "none")."""

    if kind not in APPENDED_FEATURES:
        raise ValueError(f"appended_features must be one of {APPENDED_FEATURES}; got {kind!r}")
    if kind == "none":
        return None
    bank = {"circle": lambda: ideal.circle_filter_bank(64), "klein": lambda: ideal.klein_filter_bank(64),
            "gaussian": lambda: ideal.gaussian_filters(64, seed=APPENDED_GAUSSIAN_SEED).reshape(64, 3, 3)}[kind]()
    return torch.as_tensor(np.asarray(bank, dtype=np.float32))


def fixed_first_layer(kind: str, n_filters: int, seed: int) -> np.ndarray:
    """Conv-1 filters of ``first_layer=kind`` ("circle" or "gaussian"): (n_filters, 3, 3) float32 unit
    filters; the gaussian ones are drawn from the network's ``seed`` (a stream of their own)."""

    if kind == "circle":
        return ideal.circle_filter_bank(n_filters).astype(np.float32)
    if kind == "gaussian":
        return ideal.gaussian_filters(n_filters, seed=_mix(seed, _STREAM_FIRST_LAYER) % 2**63).reshape(
            n_filters, 3, 3).astype(np.float32)
    raise ValueError(f"first_layer kind must be 'circle' or 'gaussian'; got {kind!r}")


def _seeded_model(config: TrainConfig, seed: int, input_shape) -> nn.Module:
    # Built on the CPU from a forked global RNG: the same seed gives the same initial
    # weights whatever the device, the strategy or the other networks.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(config, input_shape)
    if config.first_layer != "trained":
        # The other layers keep the initialization of the trained arm with the same seed.
        conv1 = conv_layers(model)[0]
        if conv1.in_channels != 1:
            raise ValueError(f"first_layer={config.first_layer!r} needs one input map; conv 1 has {conv1.in_channels}")
        bank = torch.as_tensor(fixed_first_layer(config.first_layer, conv1.out_channels, seed))
        with torch.no_grad():
            conv1.weight.copy_(bank[:, None])
            conv1.bias.zero_()
        conv1.weight.requires_grad_(False)
        conv1.bias.requires_grad_(False)
    return model


def _optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def _dropout_units(model: nn.Module) -> int:
    return model.readout.in_features


class _SequentialEngine:
    """One network as an ordinary module (channels-last), stepped on its own."""

    def __init__(self, config: TrainConfig, seeds: Sequence[int], data: _Data, device):
        (self.seed,) = seeds
        self.seeds = [self.seed]
        self.config, self.data = config, data
        self.model = _seeded_model(config, self.seed, data.input_shape).to(device)
        self.model = self.model.to(memory_format=torch.channels_last)
        self.opt = _optimizer(config, self.model.parameters())
        self.units = _dropout_units(self.model)

    def step(self, t: int) -> torch.Tensor:
        """One optimizer step (iteration ``t`` -> ``t + 1``); returns the loss, shape (1,)."""
        cfg = self.config
        x, y = self.data.batch(self.seed, t)
        mask = None
        if cfg.dropout > 0:
            mask = dropout_masks([_mix(self.seed, t, _STREAM_DROPOUT)], (cfg.batch_size, self.units),
                                 cfg.dropout, x.device)[0]
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x, dropout_mask=mask), y)
        loss.backward()
        self.opt.step()
        return loss.detach().reshape(1)

    @torch.inference_mode()
    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        self.model.eval()
        correct = sum(int((self.model(x[i:i + _EVAL_BATCH]).argmax(1) == y[i:i + _EVAL_BATCH]).sum())
                      for i in range(0, len(y), _EVAL_BATCH))
        self.model.train()
        return np.array([correct / max(len(y), 1)])

    def conv_weights(self) -> list[np.ndarray]:
        return [c.weight.detach().cpu().numpy().astype(np.float32)[None] for c in conv_layers(self.model)]

    def states(self) -> list[dict]:
        model = {k: v.detach().cpu().clone().contiguous() for k, v in self.model.state_dict().items()}
        return [{"model": model, "optimizer": _to_cpu(self.opt.state_dict())}]

    def load(self, states: list[dict]) -> None:
        (state,) = states
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])


class _VmapEngine:
    """Several networks as one batched program: stacked parameters, ``torch.func.vmap``.

    Each network's loss is a function of its own parameters and batch only, so the
    gradient of the *sum* of the losses w.r.t. the stacked parameters holds each network's
    own gradient in its slice. Adam and SGD act element-wise, so one optimizer over the
    stacked tensors takes exactly the per-network steps.
    """

    def __init__(self, config: TrainConfig, seeds: Sequence[int], data: _Data, device):
        from torch.func import stack_module_state

        self.seeds, self.config, self.data = list(seeds), config, data
        models = [_seeded_model(config, s, data.input_shape) for s in self.seeds]
        self.units = _dropout_units(models[0])
        params, buffers = stack_module_state(models)
        self.names = list(params)
        trainable = {k for k, p in models[0].named_parameters() if p.requires_grad}
        self.params = {k: v.detach().to(device).requires_grad_(k in trainable) for k, v in params.items()}
        self.buffers = {k: v.to(device) for k, v in buffers.items()}
        # The stateless skeleton that functional_call fills with one network's slice.
        self.base = copy.deepcopy(models[0]).to("meta")
        self.conv_names = [n + ".weight" for n, m in self.base.named_modules() if isinstance(m, nn.Conv2d)]
        self.opt = _optimizer(config, [self.params[k] for k in self.names])

    def _logits(self, params, buffers, x, mask):
        from torch.func import functional_call

        return functional_call(self.base, (params, buffers), (x,), {"dropout_mask": mask})

    def _loss(self, params, buffers, x, y, mask):
        return F.cross_entropy(self._logits(params, buffers, x, mask), y)

    def step(self, t: int) -> torch.Tensor:
        from torch.func import vmap

        cfg = self.config
        x, y = self.data.batches(self.seeds, t)  # (G, batch, C, H, W), (G, batch)
        mask = None
        if cfg.dropout > 0:
            mask = dropout_masks([_mix(s, t, _STREAM_DROPOUT) for s in self.seeds],
                                 (cfg.batch_size, self.units), cfg.dropout, x.device)
        self.base.train()
        losses = vmap(self._loss, in_dims=(0, 0, 0, 0, None if mask is None else 0))(
            self.params, self.buffers, x, y, mask)
        self.opt.zero_grad(set_to_none=True)
        losses.sum().backward()
        self.opt.step()
        return losses.detach()

    @torch.inference_mode()
    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        from torch.func import vmap

        self.base.eval()
        # The images are shared (in_dims None): vmap turns each conv into one wide conv.
        forward = vmap(self._logits, in_dims=(0, 0, None, None))
        correct = torch.zeros(len(self.seeds), dtype=torch.int64, device=y.device)
        for i in range(0, len(y), _EVAL_BATCH):
            logits = forward(self.params, self.buffers, x[i:i + _EVAL_BATCH], None)
            correct += (logits.argmax(-1) == y[None, i:i + _EVAL_BATCH]).sum(1)
        self.base.train()
        return correct.cpu().numpy() / max(len(y), 1)

    def conv_weights(self) -> list[np.ndarray]:
        return [self.params[k].detach().cpu().numpy().astype(np.float32) for k in self.conv_names]

    def states(self) -> list[dict]:
        # Unstack into one (model, optimizer) state per network, in the layout a
        # _SequentialEngine has: checkpoints move freely between strategies and devices.
        stacked = {**{k: v.detach() for k, v in self.params.items()}, **self.buffers}
        model_keys = list(self.base.state_dict())
        opt = _to_cpu(self.opt.state_dict())
        out = []
        for i in range(len(self.seeds)):
            model = {k: stacked[k][i].cpu().clone() for k in model_keys}
            state = {pid: {name: (v[i].clone() if _stacked(v, self.params[self.names[pid]]) else v)
                           for name, v in st.items()}
                     for pid, st in opt["state"].items()}
            out.append({"model": model, "optimizer": {"state": state, "param_groups": opt["param_groups"]}})
        return out

    def load(self, states: list[dict]) -> None:
        with torch.no_grad():
            for k in self.names:
                self.params[k].copy_(torch.stack([s["model"][k] for s in states]))
            for k in self.buffers:
                self.buffers[k].copy_(torch.stack([s["model"][k] for s in states]))
        first = states[0]["optimizer"]
        state = {}
        for pid, st in first["state"].items():
            shape = self.params[self.names[pid]].shape
            state[pid] = {name: (torch.stack([s["optimizer"]["state"][pid][name] for s in states])
                                 if torch.is_tensor(v) and (len(states),) + tuple(v.shape) == tuple(shape) else v)
                          for name, v in st.items()}
        self.opt.load_state_dict({"state": state, "param_groups": first["param_groups"]})


def _stacked(v, param: torch.Tensor) -> bool:
    return torch.is_tensor(v) and tuple(v.shape) == tuple(param.shape)


def _to_cpu(obj):
    if torch.is_tensor(obj):
        return obj.detach().cpu().clone()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj


# ---------------------------------------------------------------------------------------
# Checkpoints: tensors, dicts, lists and plain numbers only (loadable with weights_only).

def _snapshot_to_state(s: Snapshot) -> dict:
    return {"iteration": s.iteration,
            "conv_weights": {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in s.conv_weights.items()},
            "train_accuracy": torch.from_numpy(np.asarray(s.train_accuracy, dtype=np.float64)),
            "test_accuracy": torch.from_numpy(np.asarray(s.test_accuracy, dtype=np.float64)),
            "train_loss": torch.from_numpy(np.asarray(s.train_loss, dtype=np.float64)),
            "train_examples": s.train_examples, "test_examples": s.test_examples,
            "transfer_accuracy": {k: torch.from_numpy(np.asarray(v, dtype=np.float64))
                                  for k, v in s.transfer_accuracy.items()},
            "transfer_examples": dict(s.transfer_examples)}


def _snapshot_from_state(d: dict) -> Snapshot:
    return Snapshot(iteration=int(d["iteration"]),
                    conv_weights={k: v.numpy() for k, v in d["conv_weights"].items()},
                    train_accuracy=d["train_accuracy"].numpy(), test_accuracy=d["test_accuracy"].numpy(),
                    train_loss=d["train_loss"].numpy(), train_examples=int(d["train_examples"]),
                    test_examples=int(d["test_examples"]),
                    transfer_accuracy={k: v.numpy() for k, v in d.get("transfer_accuracy", {}).items()},
                    transfer_examples={k: int(v) for k, v in d.get("transfer_examples", {}).items()})


def _config_state(config: TrainConfig) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(config).items()}


def _save_checkpoint(path: Path, state: dict) -> None:
    """Write ``torch.save(state)`` to ``path`` atomically: a kill mid-write leaves the previous
    checkpoint intact."""
    atomic_write(path, lambda fh: torch.save(state, fh))


def _load_checkpoint(path: Path, config: TrainConfig, seeds: list[int]) -> dict:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
        raise ValueError(f"checkpoint {str(path)!r} cannot be read ({exc}); delete it to start over") from exc
    if not isinstance(state, dict) or state.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint {str(path)!r} is not a toponet training checkpoint of format "
                         f"{_CHECKPOINT_FORMAT}; delete it to start over")
    saved, now = state["config"], _config_state(config)
    # A field added later (KEY_OPTIONAL) is absent from older checkpoints: equal when at its default.
    defaults = {f.name: _config_state(TrainConfig())[f.name] for f in dataclasses.fields(TrainConfig)
                if f.name in TrainConfig.KEY_OPTIONAL}
    diff = [k for k in now if saved.get(k, defaults.get(k)) != now[k]]
    if diff:
        raise ValueError(f"checkpoint {str(path)!r} was written for another config (differs in "
                         f"{', '.join(f'{k}: {saved.get(k)!r} there, {now[k]!r} here' for k in diff)})")
    if list(state["seeds"]) != seeds:
        raise ValueError(f"checkpoint {str(path)!r} holds seeds {list(state['seeds'])}, not {seeds}")
    return state


# ---------------------------------------------------------------------------------------
# The loop.

def _resolve_device(device) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(device)
    except (TypeError, RuntimeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or a torch.device; got {device!r}") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA device")
    return device


_MALLOC_TUNED = False


def _keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory instead of giving it back to the OS.

    A CPU training step allocates and frees tensors of ~25 MB (M(64,32,64)'s conv-1
    activations and their gradients). By default glibc serves these with fresh ``mmap``s
    and trims its heap after each free, so every step pays page faults on ~100 MB of new
    pages; measured here, steps took ~2x longer (jemalloc/tcmalloc avoid it the same way).
    Process-wide and permanent: the process keeps up to 1 GB of freed memory for reuse.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED or not sys.platform.startswith("linux"):
        return
    _MALLOC_TUNED = True
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to tune
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h> constants
    ok = mallopt(m_trim_threshold, 1 << 30) and mallopt(m_mmap_threshold, 32 << 20)  # 32 MB: glibc's maximum
    if not ok:
        log.info("mallopt refused the CPU memory settings; training runs, only slower")


def _check_seeds(seeds) -> list[int]:
    seeds = [check_int(s, name="seed", low=0, high=2**63 - 1) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: give at least one network seed")
    if len(set(seeds)) != len(seeds):
        dup = sorted({s for s in seeds if seeds.count(s) > 1})
        raise ValueError(f"seeds must be distinct (one network per seed); repeated: {dup}")
    return seeds


def train_ensemble(config: TrainConfig, seeds: Sequence[int], *, device="auto",
                   checkpoint_path=None, on_snapshot: Callable[[Snapshot], None] | None = None,
                   progress: bool = True, data=None, strategy: str = "auto",
                   group_size: int | None = None, checkpoint_every: int | None = None,
                   stop_after: int | None = None) -> list[Snapshot]:
    """Train one network per seed under ``config``; return the snapshots of all of them.

    Parameters
    ----------
    config : TrainConfig
    seeds : sequence of distinct int in [0, 2**63)
        Network ``seeds[i]`` is row ``i`` of every snapshot array. A network depends on its
        seed alone (see the module docstring), not on the other seeds.
    device : "auto", "cpu", "cuda" or torch.device
        "auto" takes CUDA when torch sees it.
    checkpoint_path : path, optional
        Where to save (atomically) the training state at every snapshot and every
        ``checkpoint_every`` iterations. If the file exists, training resumes from it (it
        must be for the same config and seeds) and gives the same numbers as a run never
        interrupted.
    on_snapshot : callable(Snapshot), optional
        Called with each snapshot, in order, as soon as it is taken and checkpointed. A
        snapshot whose call did not return (an exception, a kill) is passed again on resume;
        one whose call returned is not.
    progress : bool
        Show a tqdm bar counting network-iterations (its rate is network-iterations/s).
    data : ((train_images, train_labels), (test_images, test_labels)), optional
        Raw uint8 images (n, H, W, C) and int64 labels (n,), as ``toponet.data.load``
        returns them; default: ``load(config.dataset's source, "train"/"test")``.
    strategy : {"auto", "sequential", "vmap"}
        "auto": "vmap" on CUDA, "sequential" on CPU (see the module docstring).
    group_size : int, optional
        With "vmap", networks per batched program (default: all); bounds device memory.
    checkpoint_every : int, optional
        Iterations between periodic checkpoints; default 200 on a CPU (about a minute for
        16 networks), 2000 on CUDA (where 200 iterations take seconds and a checkpoint of
        100 networks with their snapshots is hundreds of MB).
    stop_after : int, optional
        Stop once this many iterations are done (checkpoint saved), as if killed there,
        and return the snapshots taken so far. Resume by calling again.

    Returns
    -------
    snapshots : list of Snapshot
        One per ``config.snapshots`` entry reached, ascending, including those taken before
        a resume.

    Raises
    ------
    TrainingDiverged
        A network's loss became NaN/inf; the message names its seed and the iteration.
    ValueError
        Bad seeds, device or strategy; a checkpoint of another config or other seeds.
    """
    seeds, device, strategy, checkpoint_every, stop_after = _check_options(config, seeds, device, strategy,
                                                                            checkpoint_every, stop_after)
    if device.type == "cpu":
        _keep_freed_memory()
    run = _EnsembleRun(config, seeds, _Data(config, data, device), strategy, group_size, checkpoint_path, on_snapshot)
    run.deliver_pending()  # snapshots a killed run took but never handed over
    wanted = set(config.snapshots)
    if run.t == 0 and 0 in wanted and not run.snapshots:
        run.take_snapshot()  # the untrained networks
    end = config.iterations if stop_after is None else min(stop_after, config.iterations)
    bar = tqdm(total=len(seeds) * config.iterations, initial=len(seeds) * run.t, unit="net-it", disable=not progress,
               desc=f"{config.arch}{config.widths} x{len(seeds)} on {config.dataset} ({device.type}, {strategy})")
    check_every = 1 if device.type == "cpu" else 50  # on a GPU a NaN check is a device sync: look every 50
    losses = []
    try:
        while run.t < end:
            losses.append(run.step())  # one batch for every network, engine by engine
            bar.update(len(seeds))
            t = run.t
            if len(losses) >= check_every or t in wanted or t % checkpoint_every == 0 or t == end:
                run.add_losses(losses)  # raises TrainingDiverged on a NaN/inf loss
                losses = []
            if t in wanted:
                run.take_snapshot()  # evaluate, checkpoint, hand over
            elif t % checkpoint_every == 0 or t == end:
                run.checkpoint()
    finally:
        bar.close()
    return run.snapshots


def _check_options(config, seeds, device, strategy: str, checkpoint_every, stop_after):
    """train_ensemble's arguments checked and defaulted: (seeds, torch.device, strategy, checkpoint_every,
    stop_after)."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    seeds = _check_seeds(seeds)
    device = _resolve_device(device)
    if strategy == "auto":
        strategy = "vmap" if device.type == "cuda" else "sequential"
    if strategy not in ("sequential", "vmap"):
        raise ValueError(f"strategy must be 'auto', 'sequential' or 'vmap'; got {strategy!r}")
    if checkpoint_every is None:
        checkpoint_every = 200 if device.type == "cpu" else 2000
    checkpoint_every = check_int(checkpoint_every, name="checkpoint_every", low=1)
    if stop_after is not None:
        stop_after = check_int(stop_after, name="stop_after", low=0)
    return seeds, device, strategy, checkpoint_every, stop_after


class _EnsembleRun:
    """The state of one :func:`train_ensemble` call and its named steps.

    ``t`` iterations done; ``snapshots`` taken, the first ``delivered`` of them handed to
    ``on_snapshot``; ``loss_sum`` / ``loss_count``: the training loss summed per network since
    the last snapshot. Everything here is what a checkpoint saves and a resume restores.
    """

    def __init__(self, config: TrainConfig, seeds: list[int], loaded: _Data, strategy: str,
                 group_size: int | None, checkpoint_path, on_snapshot):
        self.config, self.seeds, self.loaded, self.on_snapshot = config, seeds, loaded, on_snapshot
        n = len(seeds)
        if strategy == "sequential":
            self.engines = [_SequentialEngine(config, [s], loaded, loaded.device) for s in seeds]
        else:
            size = n if group_size is None else check_int(group_size, name="group_size", low=1)
            self.engines = [_VmapEngine(config, seeds[i:i + size], loaded, loaded.device) for i in range(0, n, size)]
        self.t, self.snapshots, self.delivered = 0, [], 0
        self.loss_sum, self.loss_count = torch.zeros(n, dtype=torch.float64), 0
        self.path = Path(checkpoint_path) if checkpoint_path is not None else None
        if self.path is not None and self.path.exists():
            self._resume(_load_checkpoint(self.path, config, seeds))

    def _resume(self, state: dict) -> None:
        self.t, self.delivered = int(state["iteration"]), int(state["delivered"])
        self.loss_count, self.loss_sum = int(state["loss_count"]), state["loss_sum"].to(torch.float64)
        self.snapshots = [_snapshot_from_state(s) for s in state["snapshots"]]
        start = 0
        for e in self.engines:
            e.load(state["networks"][start:start + len(e.seeds)])
            start += len(e.seeds)

    def step(self) -> torch.Tensor:
        """One training iteration of every network; returns their losses (n_nets,) on the device."""
        losses = torch.cat([e.step(self.t) for e in self.engines])
        self.t += 1
        return losses

    def add_losses(self, losses: list[torch.Tensor]) -> None:
        """Check the losses of the last ``len(losses)`` iterations and add them to the running sums."""
        block = torch.stack(losses).to("cpu", torch.float64)  # (iterations, n_nets)
        _check_finite(block, self.t - len(losses), self.seeds)
        self.loss_sum += block.sum(0)
        self.loss_count += len(losses)

    def checkpoint(self) -> None:
        if self.path is None:
            return
        _save_checkpoint(self.path, {
            "format": _CHECKPOINT_FORMAT, "config": _config_state(self.config), "seeds": list(self.seeds),
            "iteration": self.t, "delivered": self.delivered, "loss_sum": self.loss_sum.clone(),
            "loss_count": self.loss_count, "snapshots": [_snapshot_to_state(s) for s in self.snapshots],
            "networks": [st for e in self.engines for st in e.states()]})

    def deliver_pending(self) -> None:
        while self.delivered < len(self.snapshots):
            if self.on_snapshot is not None:
                self.on_snapshot(self.snapshots[self.delivered])
            self.delivered += 1
            self.checkpoint()

    def take_snapshot(self) -> None:
        """Weights, accuracies and mean loss of every network now; then checkpoint and hand it over."""
        config, loaded, engines, n, t = self.config, self.loaded, self.engines, len(self.seeds), self.t
        train_acc, test_acc, n_train, n_test = np.full(n, np.nan), np.full(n, np.nan), 0, 0
        transfer_acc = {name: np.full(n, np.nan) for name in config.transfer}
        transfer_n = {name: 0 for name in config.transfer}
        if config.eval_every_snapshot or t == config.iterations:
            full = t == config.iterations  # the last snapshot is measured on the whole test set
            x_test = loaded.x_test if full else loaded.x_test[loaded.test_subset]
            y_test = loaded.y_test if full else loaded.y_test[loaded.test_subset]
            train_acc = np.concatenate([e.accuracy(loaded.x_train_eval, loaded.y_train_eval) for e in engines])
            test_acc = np.concatenate([e.accuracy(x_test, y_test) for e in engines])
            n_train, n_test = len(loaded.y_train_eval), len(y_test)
            for name, (xt, yt, sub) in loaded.transfer.items():
                xt, yt = (xt, yt) if full else (xt[sub], yt[sub])
                transfer_acc[name] = np.concatenate([e.accuracy(xt, yt) for e in engines])
                transfer_n[name] = len(yt)
        weights = [e.conv_weights() for e in engines]
        conv = {f"conv{i + 1}": np.concatenate([w[i] for w in weights]) for i in range(len(weights[0]))}
        mean_loss = (self.loss_sum / self.loss_count).numpy() if self.loss_count else np.full(n, np.nan)
        self.snapshots.append(Snapshot(t, conv, train_acc, test_acc, mean_loss, n_train, n_test,
                                       transfer_acc, transfer_n))
        self.loss_sum, self.loss_count = torch.zeros(n, dtype=torch.float64), 0
        self.checkpoint()
        self.deliver_pending()


def _check_finite(block: torch.Tensor, first_iteration: int, seeds: list[int]) -> None:
    bad = ~torch.isfinite(block)
    if bad.any():
        row, col = (int(i) for i in bad.nonzero()[0])
        raise TrainingDiverged(
            f"network with seed {seeds[col]} has a non-finite training loss ({float(block[row, col])}) "
            f"at iteration {first_iteration + row + 1}; lower the learning rate or check the data")
