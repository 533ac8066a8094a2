"""Time (and peak memory) of the topology stages against their targets.

    python benchmarks/topology.py [--quick] [--threads N]

Rows: density filtration rho(15, 0.1) of 204,800 normalized filters (target < 10 s, the
F4 cloud's size) and the exact k-NN distances of all of them; H0+H1 persistence of 2,000
points (< 10 s) and of 20,480 points (< 60 s) with ``n_landmarks="auto"``, plus a worst
case (a tight primary circle, whose long bar dies late); Mapper(30, 3) of 2,000 points
(< 5 s). Clouds: noisy primary-circle filters mixed half and half with gaussian filters,
seeded. Each row runs in a fresh Python process so its peak RSS is its own. ``--quick``
uses smaller clouds and checks no target.

Timings depend on what else runs on the machine: the load average is printed with them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def benchmark_cloud(n: int, seed: int = 0, *, circle_noise: float = 0.2, circle_share: float = 0.5) -> np.ndarray:
    """``n`` normalized filters: noisy primary circle and gaussian filters, shape (n, 9)."""
    from toponet.ideal import gaussian_filters, primary_circle_sample

    m = int(round(circle_share * n))
    parts = [primary_circle_sample(m, noise=circle_noise, seed=seed)] if m else []
    parts += [gaussian_filters(n - m, seed=seed + 1)] if n > m else []
    X = np.vstack(parts)
    return X[np.random.default_rng(seed + 2).permutation(n)]


def _run_one(name: str, n: int, threads: int) -> dict:
    """Run one measurement in this process; returns seconds, peak RSS and a note."""
    if name.startswith("density"):
        from toponet.density import density_filtration, knn_distance

        X = benchmark_cloud(n)
        t = time.perf_counter()
        if name == "density":
            kept = density_filtration(X, 15, 0.1)
            note = f"kept {kept.shape[0]:,}"
        else:
            d = knn_distance(X, 15)
            note = f"median 15-NN distance {np.median(d):.3f}"
        seconds = time.perf_counter() - t
    elif name.startswith("persistence"):
        from toponet.homology import persistence

        X = (benchmark_cloud(n, seed=5) if name == "persistence"
             else benchmark_cloud(n, seed=6, circle_noise=0.05, circle_share=1.0))
        t = time.perf_counter()
        res = persistence(X, maxdim=1, n_threads=threads)
        seconds = time.perf_counter() - t
        note = f"top H1 {res.top_lifetime(1):.3f}; {res.method}"
    elif name == "mapper":
        try:
            from toponet.mapper import Mapper
        except ImportError:
            return {"skipped": "skipped: toponet.mapper not available"}
        X = benchmark_cloud(n, seed=7)
        t = time.perf_counter()
        m = Mapper(resolution=30, gain=3).fit(X)
        seconds = time.perf_counter() - t
        note = f"{getattr(m, 'n_nodes_', '?')} nodes"
    else:
        raise ValueError(f"unknown benchmark {name!r}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024     # KiB on Linux
    return {"seconds": seconds, "rss_mb": rss_mb, "note": note}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller clouds; targets not checked")
    ap.add_argument("--threads", type=int, default=2, help="threads for giotto-ph (default 2)")
    ap.add_argument("--one", nargs=2, metavar=("NAME", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(_run_one(args.one[0], int(args.one[1]), args.threads)))
        return 0

    full = not args.quick
    rows = [  # (name, label, n, target seconds)
        ("density", "density filtration rho(15, 0.1)", 204_800 if full else 20_480, 10.0),
        ("density_knn", "exact 15-NN distance of every point", 204_800 if full else 20_480, None),
        ("persistence", "H0+H1 persistence (auto)", 2_000 if full else 500, 10.0),
        ("persistence", "H0+H1 persistence (auto)", 20_480 if full else 2_048, 60.0),
        ("persistence_circle", "H0+H1, circle noise 0.05 (worst case)", 2_000 if full else 500, 10.0),
        ("mapper", "Mapper(30, 3)", 2_000 if full else 500, 5.0),
    ]
    print(f"machine: {platform.machine()} {platform.processor() or ''}; {os.cpu_count()} CPUs; "
          f"python {platform.python_version()}; load average {os.getloadavg()[0]:.2f} at start")
    print("clouds: half noisy primary-circle filters (noise 0.2), half gaussian filters, normalized, seeded"
          + ("" if full else "; QUICK sizes, targets not checked"))
    print(f"{'stage':<40} {'points':>8} {'seconds':>8} {'peak MB':>8}  target   verdict  note")
    failures = 0
    for name, label, n, target in rows:
        proc = subprocess.run([sys.executable, __file__, "--one", name, str(n), "--threads", str(args.threads)],
                              capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            print(f"{label:<40} {n:>8,} FAILED to run:\n{proc.stderr[-2000:]}")
            failures += 1
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        if "skipped" in r:
            print(f"{label:<40} {n:>8,} {r['skipped']}")
            continue
        tgt = "" if target is None else f"< {target:g} s"
        if target is None or not full:
            verdict = "-"
        else:
            verdict = "PASS" if r["seconds"] < target else "FAIL"
            failures += verdict == "FAIL"
        print(f"{label:<40} {n:>8,} {r['seconds']:>8.2f} {r['rss_mb']:>8.0f}  {tgt:<8} {verdict:<7}  {r['note']}")
    print(f"load average {os.getloadavg()[0]:.2f} at end (2 cores: above ~2, other work inflated these times)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
