"""Network-iterations per second: a plain per-network PyTorch loop vs ``train_ensemble``.

    python benchmarks/train_throughput.py [--networks 16] [--iterations 200] [--threads N] [--quick] [--json]

(a) the plain loop: one ``torch.utils.data.DataLoader`` (shuffle, batch 128) per network,
    contiguous NCHW tensors, a textbook ``nn.Sequential`` in Table I's order (conv, ReLU,
    max-pool), ``optimizer.zero_grad(); loss.backward(); optimizer.step()`` per network.
(b) ``toponet.train.train_ensemble`` on the same networks and batch size.

Both run ``--iterations`` iterations per network after ``--warmup`` untimed ones, in
``--rounds`` alternating rounds (a, b, a, b, ...: load from other processes hits both
alike); the best round of each is reported. Each measurement runs in a fresh Python
process, so (a) never inherits process-wide settings that (b) makes (its malloc tuning).
Targets: (b) / (a) >= 1.5 on a CPU; on CUDA,
100 x M(64,32,64) x 40,000 iterations in under 20 minutes, extrapolated from a run of
``--target-networks`` networks. ``--quick``: 2 networks, 20 timed iterations, one round
(a smoke test of the comparison, not a measurement to quote). ``--json``: the progress
goes to stderr and stdout gets one row shaped like ``benchmarks/topology.py --json``'s
(``toponet_s`` / ``anchor_s`` are seconds per network-iteration, ``ratio`` the speed-up).
MNIST is used when its files are installed
(``toponet fetch-data mnist``), random images otherwise (the output says which).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toponet.train import TrainConfig, train_ensemble  # noqa: E402

GPU_TARGET_NETWORKS, GPU_TARGET_ITERATIONS, GPU_TARGET_SECONDS = 100, 40_000, 20 * 60
CPU_TARGET_RATIO = 1.5


def mnist_or_synthetic():
    """((x_train, y_train), (x_test, y_test)) uint8/int64, and a sentence saying which."""
    try:
        from toponet.data import load

        return (load("mnist", "train"), load("mnist", "test")), "MNIST (60,000 training images)"
    except Exception as exc:  # noqa: BLE001 - any failure falls back to stand-in data
        rng = np.random.default_rng(0)
        make = lambda n: (rng.integers(0, 256, (n, 28, 28, 1), dtype=np.uint8),
                          rng.integers(0, 10, n).astype(np.int64))
        return (make(60_000), make(10_000)), (f"SYNTHETIC random images (MNIST not available: "
                                              f"{type(exc).__name__}); speed does not depend on pixel values")


def table_one_model(widths):
    """M(X, Y, Z) written the textbook way, in Table I's order: the baseline's network."""
    x, y, z = widths
    return nn.Sequential(
        nn.Conv2d(1, x, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(x, y, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(y * 7 * 7, z), nn.ReLU(), nn.Dropout(0.5), nn.Linear(z, 10))


def plain_loop(data, n_networks, widths, batch_size, warmup, iterations, device) -> float:
    """Network-iterations/s of the plain per-network loop (timed part only)."""
    (x, y), _ = data
    images = torch.from_numpy(x).permute(0, 3, 1, 2).float().div(255).contiguous()
    dataset = torch.utils.data.TensorDataset(images, torch.from_numpy(y))
    nets, opts, loaders = [], [], []
    for seed in range(n_networks):
        torch.manual_seed(seed)
        net = table_one_model(widths).to(device)
        nets.append(net)
        opts.append(torch.optim.Adam(net.parameters(), lr=1e-3))
        loaders.append(iter(torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                                        drop_last=True)))

    def step(i):
        try:
            xb, yb = next(loaders[i])
        except StopIteration:
            loaders[i] = iter(torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                                          drop_last=True))
            xb, yb = next(loaders[i])
        xb, yb = xb.to(device), yb.to(device)
        opts[i].zero_grad()
        F.cross_entropy(nets[i](xb), yb).backward()
        opts[i].step()

    for it in range(warmup + iterations):
        if it == warmup:
            sync(device)
            start = time.perf_counter()
        for i in range(n_networks):
            step(i)
    sync(device)
    return n_networks * iterations / (time.perf_counter() - start)


def ensemble(data, n_networks, widths, batch_size, warmup, iterations, device) -> float:
    """Network-iterations/s of train_ensemble (timed part only: after the warm-up snapshot)."""
    cfg = TrainConfig(dataset="mnist", arch="M", widths=widths, batch_size=batch_size,
                      iterations=warmup + iterations, snapshots=(warmup,), eval_every_snapshot=False)
    marks = {}

    def at_warmup(_snapshot):
        sync(device)
        marks["start"] = time.perf_counter()

    train_ensemble(cfg, range(n_networks), device=device, data=data, progress=False, on_snapshot=at_warmup)
    sync(device)
    return n_networks * iterations / (time.perf_counter() - marks["start"])


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure_in_subprocess(what: str, args, networks: int) -> float:
    """Run one measurement in a fresh interpreter; its rate in network-iterations/s."""
    cmd = [sys.executable, __file__, "--measure", what, "--networks", str(networks),
           "--widths", *map(str, args.widths), "--batch-size", str(args.batch_size),
           "--iterations", str(args.iterations), "--warmup", str(args.warmup), "--device", args.device]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["rate"]


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--networks", type=int, default=16)
    p.add_argument("--widths", type=int, nargs=3, default=(64, 32, 64))
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--iterations", type=int, default=200, help="timed iterations per network")
    p.add_argument("--warmup", type=int, default=10, help="untimed iterations per network first")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds of (a) and (b)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    p.add_argument("--device", default="auto")
    p.add_argument("--target-networks", type=int, default=GPU_TARGET_NETWORKS,
                   help="CUDA only: ensemble size of the extrapolated full-scale run")
    p.add_argument("--quick", action="store_true", help="2 networks x 20 iterations, 1 round (smoke test)")
    p.add_argument("--json", action="store_true", help="progress to stderr, one JSON row to stdout")
    p.add_argument("--measure", choices=("plain", "ensemble"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.networks, args.iterations, args.warmup, args.rounds = 2, 20, 2, 1
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    widths = tuple(args.widths)
    if args.measure:  # one measurement, in this (fresh) process
        data, _ = mnist_or_synthetic()
        run = plain_loop if args.measure == "plain" else ensemble
        rate = run(data, args.networks, widths, args.batch_size, args.warmup, args.iterations, device)
        print(json.dumps({"rate": rate}))
        return 0
    out = sys.stderr if args.json else sys.stdout

    def say(*a, **k):  # progress: stderr with --json
        print(*a, file=out, **k)

    _, source = mnist_or_synthetic()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "CPU"
    say(f"device: {device} ({name}); torch {torch.__version__}; threads: {torch.get_num_threads()}")
    say(f"data: {source}")
    say(f"workload: {args.networks} x M{widths}, batch {args.batch_size}, {args.iterations} timed "
          f"iterations per network after {args.warmup} warm-up, {args.rounds} round(s)")
    plain, ours = [], []
    for r in range(args.rounds):
        plain.append(measure_in_subprocess("plain", args, args.networks))
        say(f"  round {r + 1}: (a) plain loop     {plain[-1]:8.2f} network-iterations/s", flush=True)
        ours.append(measure_in_subprocess("ensemble", args, args.networks))
        say(f"  round {r + 1}: (b) train_ensemble {ours[-1]:8.2f} network-iterations/s", flush=True)
    a, b = max(plain), max(ours)
    ratio = b / a
    say(f"(a) plain per-network loop: {a:.2f} network-iterations/s (best of {args.rounds})")
    say(f"(b) train_ensemble:         {b:.2f} network-iterations/s (best of {args.rounds})")
    say(f"ratio (b)/(a): {ratio:.2f}x; target >= {CPU_TARGET_RATIO}x: "
          f"{'MET' if ratio >= CPU_TARGET_RATIO else 'NOT MET'}")
    if device.type == "cuda":
        n = args.target_networks
        big = measure_in_subprocess("ensemble", args, n)
        seconds = GPU_TARGET_NETWORKS * GPU_TARGET_ITERATIONS / big
        say(f"(b) with {n} networks: {big:.1f} network-iterations/s -> {GPU_TARGET_NETWORKS} x "
              f"{GPU_TARGET_ITERATIONS} iterations in {seconds / 60:.1f} min (target < "
              f"{GPU_TARGET_SECONDS / 60:.0f} min: {'MET' if seconds < GPU_TARGET_SECONDS else 'NOT MET'}); "
              f"snapshot evaluation and checkpoints not included")
    if args.json:
        row = {"stage": "training", "cloud": None, "points": None, "toponet": "train_ensemble",
               "toponet_s": 1 / b, "anchor": "plain per-network PyTorch loop", "anchor_s": 1 / a,
               "ratio": ratio, "max_abs_error": None, "measured_diff": None, "exact": None,
               "toponet_rss_mb": None, "anchor_rss_mb": None,
               "note": (f"{args.networks} x M{widths}, batch {args.batch_size}, {args.iterations} timed iterations, "
                        f"best of {args.rounds}; seconds per network-iteration; {source}"
                        + ("; QUICK (smoke test)" if args.quick else "")),
               "device": str(device), "threads": torch.get_num_threads(), "load_average": list(os.getloadavg())}
        sys.stdout.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
