"""The circle rule's calibrations on the grid `toponet analyze` reads for a user's layers (issue 27),
run once and committed.

The grid family: k = n/32 (the paper's rho(200, 0.3) on 6,400 filters, floored at K_MIN), p = 0.3,
99 draws per null. A layer between two grid sizes borrows power from the smaller one, so the
grid is dense where power changes fast (below 300 filters) and where layers often are.

Usage: TOPONET_CALIBRATION=results/calibration python benchmarks/calibrate_grid.py [SIZE ...]
Each size is cached (sealed) and resumes from what is stored.
"""
from __future__ import annotations

import sys
import time

from toponet.calibration import GRID_P, calibrate_circle, grid_k

SIZES = (128, 160, 192, 224, 256, 320, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6400)


def main(sizes) -> None:
    for n in sizes:
        t = time.perf_counter()
        cal = calibrate_circle(n, grid_k(n), GRID_P, progress=True)
        print(f"{cal.describe()} [{time.perf_counter() - t:.0f} s]", flush=True)


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or SIZES)
