"""A fake ensemble trainer honouring the contract of ``toponet.train.train_ensemble``.

Its numbers depend only on (seed, iteration), so any grouping of seeds into shards gives
the same networks; it resumes from ``checkpoint_path`` and delivers each snapshot to
``on_snapshot`` once. It lives in a module of its own (not a test file) so Dask worker
processes can import it by name: pytest puts ``tests/`` on ``sys.path`` and spawned
workers inherit ``sys.path``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class FakeConfig:
    """Mirrors the fields of ``toponet.train.TrainConfig``."""

    dataset: str = "mnist"
    arch: str = "M"
    widths: tuple[int, int, int] = (8, 4, 16)
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    batch_size: int = 128
    iterations: int = 30
    snapshots: tuple[int, ...] = (0, 10, 30)
    dropout: float = 0.5
    eval_every_snapshot: bool = True


@dataclass
class FakeSnapshot:
    iteration: int
    conv_weights: dict
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray


def network(config, seed: int, iteration: int) -> tuple[dict, float, float]:
    """Weights and (train, test) accuracy of one fake network at one iteration."""
    rng = np.random.default_rng([seed, iteration])
    x, y, _ = config.widths
    weights = {"conv1": rng.normal(size=(x, 1, 3, 3)).astype(np.float32)}
    if y:
        weights["conv2"] = rng.normal(size=(y, x, 3, 3)).astype(np.float32)
    acc = 1.0 - 0.9 / (1.0 + iteration / 10.0)
    return weights, acc + 0.001 * (seed % 7), acc - 0.001 * (seed % 5)


class Interrupted(RuntimeError):
    """Stands for a killed training run."""


class FakeTrainer:
    """Callable like ``train_ensemble``.

    ``fail_after=k`` raises :class:`Interrupted` after delivering k snapshots;
    ``return_all=False`` returns only the snapshots delivered in this call (a trainer that
    does not keep earlier snapshots in its checkpoint).
    """

    def __init__(self, fail_after: int | None = None, return_all: bool = True):
        self.fail_after = fail_after
        self.return_all = return_all
        self.calls: list[list[int]] = []

    def __call__(self, config, seeds, *, device="auto", checkpoint_path=None, on_snapshot=None,
                 progress=True, data=None):
        self.calls.append(list(seeds))
        done = 0
        ckpt = Path(checkpoint_path) if checkpoint_path is not None else None
        if ckpt is not None and ckpt.exists():
            done = json.loads(ckpt.read_text())["delivered"]
        out, delivered_now = [], 0
        for i, it in enumerate(config.snapshots):
            nets = [network(config, s, it) for s in seeds]
            snap = FakeSnapshot(
                iteration=it,
                conv_weights={k: np.stack([n[0][k] for n in nets]) for k in nets[0][0]},
                train_accuracy=np.array([n[1] for n in nets]),
                test_accuracy=np.array([n[2] for n in nets]))
            if i < done:
                if self.return_all:
                    out.append(snap)
                continue
            if self.fail_after is not None and delivered_now >= self.fail_after:
                raise Interrupted("fake interruption")
            out.append(snap)
            if on_snapshot is not None:
                on_snapshot(snap)
            delivered_now += 1
            if ckpt is not None:
                ckpt.write_text(json.dumps({"delivered": i + 1}))
        return out


fake_train_ensemble = FakeTrainer()


def flip_byte(path) -> None:
    """Flip one bit in the middle of the file at ``path`` (a tampered or corrupt file)."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def drop_hashes(doc) -> None:
    """Remove every shard's recorded sha256 from a manifest document."""
    for shard in doc["shards"]:
        shard.pop("sha256", None)
