"""Offline calibrations the Calibration page reads (issue 25), run once and committed.

1. "beyond second order?" (the directions null) on four models at the first size of the page's
   curve: false-positive rate on anisotropic gaussians, power on three-circle and Klein models,
   and the answer on a noisy primary circle (:func:`toponet.calibration.calibrate_beyond`).
2. The circle rule at the curve's sizes not yet calibrated (2,048 and 4,096 filters).
3. The multi-bar counts' power on two-circle, three-circle and Klein models along the curve
   (:func:`toponet.paper_claims.bars_power`).

Usage: TOPONET_CALIBRATION=results/calibration python benchmarks/calibrate_beyond_and_bars.py [--quick]
Every step is cached (sealed) and resumes from what is stored.
"""
from __future__ import annotations

import sys
import time

from toponet.analysis import scaled_k
from toponet.calibration import BEYOND_MODELS, calibrate_beyond, calibrate_circle
from toponet.paper_claims import bars_power
from toponet.ideal import BAR_MODELS

K_PAPER, N_PAPER, P = 200, 6400, 0.3
BEYOND_SIZES = (1024,)
BAR_SIZES = (1024, 2048, 4096)
MODEL_DRAWS = 20


def main(quick: bool = False) -> None:
    draws = 5 if quick else MODEL_DRAWS
    for n in BEYOND_SIZES:
        for model in BEYOND_MODELS:
            t = time.perf_counter()
            doc = calibrate_beyond(model, n, scaled_k(K_PAPER, n, N_PAPER), P, model_draws=draws, progress=True)
            print(f"beyond {model} n={n}: yes in {doc['rate']:.0%} of {draws} ({time.perf_counter() - t:.0f} s)",
                  flush=True)
    for n in BAR_SIZES:
        t = time.perf_counter()
        cal = calibrate_circle(n, scaled_k(K_PAPER, n, N_PAPER), P, progress=True)
        print(f"circle n={n}: {cal.describe()} ({time.perf_counter() - t:.0f} s)", flush=True)
        for model in BAR_MODELS:
            t = time.perf_counter()
            pw = bars_power(cal, model=model, power_draws=draws)
            print(f"bars {model} n={n}: exactly {pw['expected']} in {pw['power']:.0%}, at least one in "
                  f"{pw['power_any']:.0%}; counts {pw['counts']} ({time.perf_counter() - t:.0f} s)", flush=True)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
