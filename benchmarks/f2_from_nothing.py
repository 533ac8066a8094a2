"""F2's circle test from nothing: no stored test, no cached gaussian tops (issue 13's target:
under 10 minutes on the 2-core machine). Times each part and compares every null value and
count with the committed stored test of chapter 01 (they must be identical).

    TOPONET_JOBS=2 OMP_NUM_THREADS=1 /usr/bin/time -v python benchmarks/f2_from_nothing.py

Needs the committed MNIST default artifact (62e2846c415a4571, 100 x M(64,32,64)).
"""
import json, os, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
import numpy as np
tmp = tempfile.mkdtemp(prefix="f2-")
os.environ["TOPONET_NULL_TESTS"] = tmp
from toponet.store import Store
from toponet.filters import pooled_filters
from toponet.circle_decision import circle_test
from toponet.calibration import GaussianTops
art = Store(ROOT / "artifacts").open("62e2846c415a4571")
X = pooled_filters(art.conv_weights("conv1"))
t0 = time.perf_counter()
test = circle_test(X, k=200, p=0.3, draws=99, seed=0, gaussian_cache=GaussianTops(tmp))
wall = time.perf_counter() - t0
new = json.load(open([os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith("test-")][0]))
old = json.load(open(ROOT / "results/calibration/null-tests/test-v1-dfc8e4a500b3fc3e49cd3e9d.json"))
print("total wall s", round(wall, 1), "observed bounds s", new.get("bounds_wall_s"))
print("observed bounds identical:", new["bounds"] == old["bounds"])
for kind in ("gaussian", "shuffled", "covariance"):
    a, b = new["kinds"][kind], old["kinds"][kind]
    print(kind, "wall s", a["wall_s"], "(stored run:", b["wall_s"], ") values identical:",
          np.allclose(a["values"], b["values"], rtol=0, atol=1e-6), "max diff", float(np.max(np.abs(np.subtract(a["values"], b["values"])))),
          "counts", a["counts"], "stored", b["counts"])
