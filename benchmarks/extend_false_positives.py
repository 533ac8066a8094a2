"""The circle rule's false-positive rate on 200 null clouds per kind (issue 26), run once and
committed: 40 clouds cannot tell 5 % from 12 %.

Two numbers per calibration: (1) the fixed-threshold rate (:func:`extended_false_positives`:
fresh null clouds against the calibration's one reference set of thresholds; it carries that
set's luck), and (2) the rule's own rate (:func:`rule_false_positives`: every fresh null cloud
through ``circle_test`` with its own shuffles, as the book runs it). The book decides with (2).

Extends the stored calibrations the book decides with whose 40-cloud estimate read above 5 %,
and the grid ``toponet analyze`` reads for a user's layers (k = n/32, p = 0.3), by drawing
clouds 40-199 of each kind (clouds 0-39 are the stored ones: same seeds). First it redraws
clouds 0-1 of each kind and checks they give the stored answers (same pipeline).

Usage: TOPONET_CALIBRATION=results/calibration python benchmarks/extend_false_positives.py [--jobs N] [NAME ...]
Every calibration is sealed when done and resumes from a partial file.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from toponet.calibration import (FPR_DRAWS_DECIDING, _FIELDS, _fpr_answer, Calibration, default_directory,
                                 extended_false_positives, read_cached,
                                 rule_false_positives)

#: In order: the analyze grid's 2,048 (read for every large layer), the sizes that decided
#: F10 (n1000-k7, n479-k47), F3/F4 (n600-k39-p0.5, n2048-k75-p0.37) and F7 (n2304-k39), then
#: the rest of the analyze grid.
TARGETS = (
    "circle-v1-n2048-k64-p0.3", "circle-v1-n1000-k7-p0.3", "circle-v1-n479-k47-p0.3", "circle-v1-n600-k39-p0.5",
    "circle-v1-n2048-k75-p0.37", "circle-v1-n2304-k39-p0.32", "circle-v1-n1024-k32-p0.3",
    "circle-v1-n512-k16-p0.3", "circle-v1-n256-k8-p0.3", "circle-v1-n128-k5-p0.3", "circle-v1-n3072-k96-p0.3",
    "circle-v1-n4096-k128-p0.3", "circle-v1-n6400-k200-p0.3",
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("names", nargs="*", default=TARGETS)
    args = ap.parse_args()
    directory = default_directory()
    for prefix in args.names:
        path = next(iter(sorted(Path(directory).glob(f"{prefix}-d99-noise0.25-f0.5-fp40-pw40-s0.json"))), None)
        if path is None:
            print(f"{prefix}: no stored calibration", flush=True)
            continue
        doc = read_cached(path)
        cal = Calibration(**{f: doc[f] for f in _FIELDS})
        q = max(doc["thresholds"].values())
        for kind in doc["fpr_exceed"] if "per_draw" in doc else ():
            for r in range(2):
                got = _fpr_answer(cal.n_points, cal.k, cal.p, cal.noise, cal.circle_fraction, 0, kind, r, q)
                if got != doc["per_draw"]["fpr"][kind][r]:
                    raise SystemExit(f"{path.name}: redrawn fpr-{kind}-{r} gives {got}, stored "
                                     f"{doc['per_draw']['fpr'][kind][r]}: not the same pipeline")
        t = time.perf_counter()
        out = extended_false_positives(cal, compute=True, n_jobs=args.jobs, progress=True)
        lo, hi = out["interval"]
        print(json.dumps({"calibration": path.name, "fpr_draws": FPR_DRAWS_DECIDING, "fpr_exceed": out["fpr_exceed"],
                          "rate": out["rate"], "interval95": [round(lo, 4), round(hi, 4)],
                          "seconds": round(time.perf_counter() - t, 1)}), flush=True)
        t = time.perf_counter()
        out = rule_false_positives(cal, compute=True, n_jobs=args.jobs, progress=True)
        lo, hi = out["interval"]
        print(json.dumps({"rule_on_nulls": path.name, "sims": out["sims"], "fires": out["fires"], "rate": out["rate"],
                          "interval95": [round(lo, 4), round(hi, 4)],
                          "seconds": round(time.perf_counter() - t, 1)}), flush=True)


if __name__ == "__main__":
    main()
