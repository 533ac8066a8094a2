"""toponet's topology stages side by side with the tool a user would pick instead.

    python benchmarks/topology.py [--quick] [--json] [--threads N] [--timeout S] [--max-gb G]

Every stage runs toponet and an anchor on the *same* seeded cloud in the same run, each
measurement in a fresh Python process (so its peak RSS is its own), and reports the ratio
``anchor_s / toponet_s`` (above 1: toponet is faster) and the accuracy of every
approximation against the exact answer on that cloud:

* persistence (top H1 lifetime of Vietoris-Rips): ``h1_bounds(X, top=True, max_edges=None)``
  (exact by bounds: capped Rips at rising scales, started above the longest lonely edge by
  the birth certificate, see ``toponet.homology``) and the old
  landmark mode ``persistence(X, n_landmarks="auto")`` (maxmin landmarks above 800 points),
  against ripser.py ``ripser(X, maxdim=1)`` and giotto-tda ``VietorisRipsPersistence``
  (both exact). Clouds: "mixed" (half noisy primary circle, noise 0.2, half gaussian
  filters) and "tight-circle" (primary circle, noise 0.05: the long bar dies late, the
  worst case for exact Rips) at 800, 1,500, 2,000 points; and the realistic case, the
  rho(200, 0.3) dense cores (1,920 points) of 6,400-point gaussian, noisy-circle and
  mixed clouds. ``max_abs_error`` is |top H1 - exact top H1| (null where the method is
  exact; ``measured_diff`` then says how far it was from the anchor's number; ``exact`` says which).
* density: ``knn_distance(X, 15)`` and ``density_filtration(X, 15, 0.1)`` against
  scikit-learn ``NearestNeighbors`` (plus the same sort for rho) on 204,800 points.
* decision: the whole circle test behind a verdict, ``toponet.circle_decision.circle_test`` (observed
  top bars exact by bounds, 99 null clouds of each kind, gaussian, shuffled and
  second-order (directions), each answered exactly; no cache; ``--threads`` worker processes), against
  the same decision made the
  plain way: giotto-tda ``VietorisRipsPersistence`` (exact) on the observed core and on every
  null core (the same seeded null clouds), counting null top bars >= the observed one. The
  raw cloud is the mixed cloud of 6,400 filters (F2's size; core 1,920), ``--quick`` 2,000
  (core 600); k = 200 scaled to the cloud (as the book does). ``measured_diff`` is the largest
  difference between the two methods' p-values (0: the same decision).
* Mapper: ``Mapper(30, 3)`` against giotto-tda ``make_mapper_pipeline`` with the same
  lens (PCA 1, 2) and cover (30 intervals, overlap 2/3) and its default clustering (DBSCAN).

Each subprocess has a wall-clock limit (``--timeout``, 300 s) and an address-space limit
(``--max-gb``, 5 GB): an anchor that runs out of either is recorded as such (``anchor_s``
null, with a note), not waited for. Thread counts: ``--threads`` (default 1) is given to
every tool that takes one (giotto-ph, pykdtree via OMP_NUM_THREADS, scikit-learn n_jobs);
ripser.py is single-threaded. ``--quick``: 1,000-point persistence clouds (so the landmark
mode, 800 landmarks, is approximate and its error shows), cores of 2,000-point clouds
(600 points), 20,480 density points, 1,000 Mapper points.

Timings depend on what else runs on the machine: the load average and CPU count are
printed with them. ripser.py is a benchmark-only dependency: ``pip install -e '.[bench]'``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Row keys every row has (``--json``), in this order.
ROW_KEYS = ("stage", "cloud", "points", "toponet", "toponet_s", "anchor", "anchor_s", "ratio",
            "max_abs_error", "measured_diff", "exact", "toponet_rss_mb", "anchor_rss_mb", "note")


# --- clouds --------------------------------------------------------------------------------

def benchmark_cloud(n: int, seed: int = 0, *, circle_noise: float = 0.2, circle_share: float = 0.5) -> np.ndarray:
    """``n`` normalized filters: noisy primary circle and gaussian filters, shape (n, 9)."""
    from toponet.ideal import gaussian_filters, primary_circle_sample

    m = int(round(circle_share * n))
    parts = [primary_circle_sample(m, noise=circle_noise, seed=seed)] if m else []
    parts += [gaussian_filters(n - m, seed=seed + 1)] if n > m else []
    X = np.vstack(parts)
    return X[np.random.default_rng(seed + 2).permutation(n)]


#: Dense cores: rho(CORE_K, CORE_P) of a raw cloud (the paper's F2 filtration).
CORE_K, CORE_P = 200, 0.3

CLOUDS = {
    "mixed": "half noisy primary circle (noise 0.2), half gaussian filters",
    "tight-circle": "primary circle filters, noise 0.05",
    "core-gaussian": "rho(200, 0.3) core of gaussian filters",
    "core-circle": "rho(200, 0.3) core of noisy primary-circle filters (noise 0.2)",
    "core-mixed": "rho(200, 0.3) core of the mixed cloud",
    "raw-mixed": "the mixed cloud (raw filters; the test makes rho(k, 0.3) itself)",
}
#: Null clouds of each kind in the decision benchmark (the book's draws: p floor 0.01).
DECISION_DRAWS = 99


def make_cloud(cloud: str, n: int) -> np.ndarray:
    """The seeded cloud ``cloud`` of ``n`` raw points (a core keeps 30 % of them)."""
    from toponet.ideal import gaussian_filters, primary_circle_sample

    if cloud == "mixed":
        return benchmark_cloud(n, seed=5)
    if cloud == "tight-circle":
        return benchmark_cloud(n, seed=6, circle_noise=0.05, circle_share=1.0)
    if cloud == "raw-mixed":
        return benchmark_cloud(n, seed=10)
    if cloud.startswith("core-"):
        from toponet.density import density_filtration

        kind = cloud[len("core-"):]
        raw = {"gaussian": lambda: gaussian_filters(n, seed=8),
               "circle": lambda: primary_circle_sample(n, noise=0.2, seed=9),
               "mixed": lambda: benchmark_cloud(n, seed=10)}[kind]()
        return density_filtration(raw, min(CORE_K, n - 1), CORE_P)
    raise ValueError(f"unknown cloud {cloud!r}")


# --- one measurement (runs in a fresh process) ---------------------------------------------

def _top_h1(dgm) -> float:
    dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    life = dgm[:, 1] - dgm[:, 0]
    life = life[np.isfinite(life)]
    return float(life.max()) if life.size else 0.0


_IMPORTS = {
    "toponet_exact": ("gph", "toponet.homology"), "toponet_landmarks": ("gph", "toponet.homology"),
    "ripser": ("ripser",), "giotto_vr": ("gtda.homology",),
    "toponet_knn": ("pykdtree.kdtree", "toponet.density"), "toponet_rho": ("pykdtree.kdtree", "toponet.density"),
    "sklearn_knn": ("sklearn.neighbors",), "sklearn_rho": ("sklearn.neighbors",),
    "toponet_mapper": ("gtda.mapper", "toponet.mapper"), "giotto_mapper": ("gtda.mapper", "sklearn.decomposition"),
    "toponet_decision": ("gph", "toponet.circle_decision"), "giotto_decision": ("gtda.homology", "toponet.circle_decision"),
}


def _decision_k(n: int) -> int:
    """The book's k for ``n`` raw filters: the paper's k = 200 at 6,400, scaled (>= 5)."""
    from toponet.circle_decision import floor_k

    return floor_k(round(CORE_K * n / 6400), n)


def measure(method: str, cloud: str, n: int, threads: int = 1, out: str | None = None) -> dict:
    """Run one method on one cloud in this process.

    Returns {"seconds", "rss_mb", "points", "value" (top H1 for persistence), "exact",
    "note"}; arrays (k-NN distances, kept indices) are saved to ``out`` (.npy) when given.
    Building the cloud is not timed.
    """
    X = make_cloud(cloud, n)
    value, exact, note, array = None, True, "", None
    for module in _IMPORTS.get(method, ()):   # imports are not timed
        __import__(module)
    t = time.perf_counter()
    if method == "toponet_exact":
        from toponet.homology import h1_bounds

        b = h1_bounds(X, top=True, max_edges=None, n_threads=threads)
        seconds = time.perf_counter() - t
        lo, hi = b.top(1)
        if not hi <= lo:
            raise RuntimeError(f"h1_bounds(top=True, max_edges=None) left the top bar unsettled: [{lo}, {hi}]")
        value = lo
        note = f"settled at cap {b.thresh:.3g} (enclosing radius {b.enclosing_radius:.3g})"
    elif method == "toponet_landmarks":
        from toponet.homology import persistence

        res = persistence(X, maxdim=1, n_landmarks="auto", n_threads=threads)
        seconds = time.perf_counter() - t
        value, exact = res.top_lifetime(1), res.landmarks is None
        note = (f"{len(res.landmarks):,} landmarks, covering radius {res.covering_radius:.3g}"
                if res.landmarks is not None else "auto = exact at <= 800 points")
    elif method == "ripser":
        from ripser import ripser

        dgms = ripser(X, maxdim=1)["dgms"]
        seconds = time.perf_counter() - t
        value = _top_h1(dgms[1])
    elif method == "giotto_vr":
        from gtda.homology import VietorisRipsPersistence

        dg = VietorisRipsPersistence(homology_dimensions=(0, 1), n_jobs=1).fit_transform(X[None])[0]
        seconds = time.perf_counter() - t
        value = _top_h1(dg[dg[:, 2] == 1, :2])
    elif method == "toponet_knn":
        from toponet.density import knn_distance

        array = knn_distance(X, 15)
        seconds = time.perf_counter() - t
    elif method == "sklearn_knn":
        from sklearn.neighbors import NearestNeighbors

        dist, _ = NearestNeighbors(n_neighbors=16, n_jobs=threads).fit(X).kneighbors(X)
        array = dist[:, 15]   # column 0 is the point itself
        seconds = time.perf_counter() - t
    elif method == "toponet_rho":
        from toponet.density import density_filtration

        _, array = density_filtration(X, 15, 0.1, return_index=True)
        seconds = time.perf_counter() - t
        note = f"kept {array.size:,}"
    elif method == "sklearn_rho":
        from sklearn.neighbors import NearestNeighbors

        d = NearestNeighbors(n_neighbors=16, n_jobs=threads).fit(X).kneighbors(X)[0][:, 15]
        m = max(1, min(len(X), round(0.1 * len(X))))
        array = np.sort(np.lexsort((np.arange(len(X)), d))[:m])
        seconds = time.perf_counter() - t
        note = f"kept {array.size:,}"
    elif method == "toponet_mapper":
        from toponet.mapper import Mapper

        m = Mapper(resolution=30, gain=3).fit(X)
        seconds = time.perf_counter() - t
        note = f"{m.n_nodes_} nodes, {m.n_edges_} edges"
    elif method == "giotto_mapper":
        from gtda.mapper import CubicalCover, make_mapper_pipeline
        from sklearn.decomposition import PCA

        pipe = make_mapper_pipeline(filter_func=PCA(n_components=2),
                                    cover=CubicalCover(n_intervals=30, overlap_frac=2 / 3))
        g = pipe.fit_transform(X)
        seconds = time.perf_counter() - t
        note = f"{g.vcount()} nodes, {g.ecount()} edges (DBSCAN)"
    elif method == "toponet_decision":
        from toponet.circle_decision import BOOK_KINDS, circle_test

        test = circle_test(X, k=_decision_k(n), p=CORE_P, draws=DECISION_DRAWS, cache=False, n_jobs=threads)
        seconds = time.perf_counter() - t
        value = test.top[0]
        array = np.array([test.nulls[k].p for k in BOOK_KINDS])
        note = (f"core {test.n_core:,}; p " + ", ".join(f"{k} {test.nulls[k].p:.2g}" for k in test.nulls)
                + f" ({DECISION_DRAWS} draws each); second bar {test.second[0]:.3f}-{test.second[1]:.3f}")
    elif method == "giotto_decision":
        from gtda.homology import VietorisRipsPersistence

        from toponet.density import density_filtration
        from toponet.filters import normalize
        from toponet.nulls import null_cloud
        from toponet.circle_decision import BOOK_KINDS, null_seed, p_value

        vr = VietorisRipsPersistence(homology_dimensions=(1,), n_jobs=threads)

        def tops(clouds):   # one batch per kind: giotto-tda's n_jobs runs clouds in parallel
            dgs = vr.fit_transform([density_filtration(c, k, CORE_P) for c in clouds])
            return [_top_h1(dg[:, :2]) for dg in dgs]

        Xn, k = normalize(X)[0], _decision_k(n)
        observed, ps = tops([Xn])[0], []
        for kind in BOOK_KINDS:
            values = tops([null_cloud(Xn, kind, null_seed(0, kind, r)) for r in range(DECISION_DRAWS)])
            ps.append(p_value(sum(v >= observed for v in values), DECISION_DRAWS))
        seconds = time.perf_counter() - t
        value, array = observed, np.array(ps)
        note = "p " + ", ".join(f"{kd} {q:.2g}" for kd, q in zip(BOOK_KINDS, ps)) + f" ({DECISION_DRAWS} draws each)"
    else:
        raise ValueError(f"unknown method {method!r}")
    if array is not None and out:
        np.save(out, array)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024     # KiB on Linux
    return {"seconds": seconds, "rss_mb": rss_mb, "points": int(X.shape[0]), "value": value,
            "exact": bool(exact), "note": note}


def run_isolated(method: str, cloud: str, n: int, *, threads: int = 1, timeout: float = 300.0,
                 max_gb: float = 5.0, workdir: str | None = None) -> dict:
    """:func:`measure` in a fresh interpreter, limited to ``timeout`` seconds and ``max_gb``
    of address space. On failure: {"failed": reason}. Arrays come back under "array"."""
    workdir = workdir or tempfile.mkdtemp(prefix="toponet-bench-")
    out = os.path.join(workdir, f"{method}-{cloud}-{n}.npy")
    limit = int(max_gb * 2**30)

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, __file__, "--one", method, cloud, str(n), "--threads", str(threads), "--out", out]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout,
                              preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout:g} s"}
    if proc.returncode != 0:
        err = proc.stderr.strip()
        if ("MemoryError" in err or "bad_alloc" in err or "Unable to allocate" in err
                or proc.returncode in (-6, -9, 134, 137)):
            return {"failed": f"out of memory (address-space limit {max_gb:g} GB)"}
        if proc.returncode == -11:
            return {"failed": f"crashed (SIGSEGV; an allocation failing under the {max_gb:g} GB limit)"}
        if "No module named 'ripser'" in err:
            return {"failed": "ripser not installed (pip install -e '.[bench]')"}
        last = err.splitlines()[-1] if err else f"exit status {proc.returncode}"
        return {"failed": f"failed: {last[:200]}"}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    if os.path.exists(out):
        r["array"] = np.load(out)
        os.remove(out)
    return r


# --- rows ----------------------------------------------------------------------------------

def _row(stage, cloud, label, ours, anchor_name, anchor, *, max_abs_error=None, measured_diff=None, note="",
         exact=True):
    ok_t, ok_a = "failed" not in ours, "failed" not in anchor
    t_s = ours["seconds"] if ok_t else None
    a_s = anchor["seconds"] if ok_a else None
    notes = [note] if note else []
    if not ok_t:
        notes.append(f"toponet {ours['failed']}")
    if not ok_a:
        notes.append(f"anchor {anchor['failed']}")
    points = ours.get("points") if ok_t else anchor.get("points") if ok_a else None
    row = {"stage": stage, "cloud": cloud, "points": points, "toponet": label, "toponet_s": t_s,
           "anchor": anchor_name, "anchor_s": a_s,
           "ratio": (a_s / t_s) if (t_s and a_s) else None,
           "max_abs_error": max_abs_error, "measured_diff": measured_diff, "exact": exact,
           "toponet_rss_mb": ours.get("rss_mb"), "anchor_rss_mb": anchor.get("rss_mb"),
           "note": "; ".join(notes)}
    return {k: row[k] for k in ROW_KEYS}


def persistence_rows(cloud: str, n: int, **kw) -> list[dict]:
    """Four rows for one cloud: toponet exact-by-bounds and landmark mode, each against
    ripser.py and giotto-tda. The exact reference is ripser's top H1 (giotto's, or toponet's
    exact-by-bounds, when ripser did not finish; the note says which)."""
    runs = {m: run_isolated(m, cloud, n, **kw) for m in ("toponet_exact", "toponet_landmarks", "ripser", "giotto_vr")}
    ref_name = next((m for m in ("ripser", "giotto_vr", "toponet_exact") if "failed" not in runs[m]), None)
    ref = runs[ref_name]["value"] if ref_name else None
    ref_label = {"ripser": "ripser.py", "giotto_vr": "giotto-tda", "toponet_exact": "toponet exact-by-bounds"}
    label = f"{CLOUDS[cloud]}" + (f" of {n:,} points" if cloud.startswith("core-") else "")
    rows = []
    for mine, mine_label in (("toponet_exact", "h1_bounds(top=True) certified exact"),
                             ("toponet_landmarks", 'persistence(n_landmarks="auto")')):
        ours = runs[mine]
        for anc, anc_label in (("ripser", "ripser.py ripser(maxdim=1)"),
                               ("giotto_vr", "giotto-tda VietorisRipsPersistence")):
            anchor = runs[anc]
            err = diff = None
            notes = [ours.get("note", "")] if "failed" not in ours else []
            if "failed" not in ours:
                notes.append(f"top H1 {ours['value']:.4f}")
                if "failed" not in anchor:
                    diff = abs(ours["value"] - anchor["value"])
                if not ours["exact"] and ref is None:
                    notes.append("error not measured: no exact method finished on this cloud")
                if not ours["exact"] and ref is not None:
                    err = abs(ours["value"] - ref)
                    notes.append(f"exact {ref:.4f} by {ref_label[ref_name]} ({ours['value'] - ref:+.4f}, "
                                 f"{100 * (ours['value'] - ref) / ref:+.1f} %)" if ref else f"exact {ref:.4f}")
            rows.append(_row("persistence", label, mine_label, ours, anc_label, anchor,
                             max_abs_error=err, measured_diff=None if (err is not None) else diff,
                             note="; ".join(x for x in notes if x),
                             exact=ours.get("exact") if "failed" not in ours else mine == "toponet_exact"))
    return rows


def density_rows(n: int, **kw) -> list[dict]:
    ours, anc = run_isolated("toponet_knn", "mixed", n, **kw), run_isolated("sklearn_knn", "mixed", n, **kw)
    diff = (float(np.max(np.abs(ours["array"] - anc["array"])))
            if "array" in ours and "array" in anc else None)
    rows = [_row("density", CLOUDS["mixed"], "knn_distance(X, 15)", ours,
                 "scikit-learn NearestNeighbors(16).kneighbors", anc, measured_diff=diff,
                 note="exact both; measured_diff = max |distance difference|")]
    ours, anc = run_isolated("toponet_rho", "mixed", n, **kw), run_isolated("sklearn_rho", "mixed", n, **kw)
    diff = (int(np.setxor1d(ours["array"], anc["array"]).size)
            if "array" in ours and "array" in anc else None)
    rows.append(_row("density", CLOUDS["mixed"], "density_filtration(X, 15, 0.1)", ours,
                     "scikit-learn NearestNeighbors + sort", anc, measured_diff=diff,
                     note=f"{ours.get('note', '')}; exact both; measured_diff = points kept by only one"))
    return rows


def mapper_rows(n: int, **kw) -> list[dict]:
    ours, anc = run_isolated("toponet_mapper", "mixed", n, **kw), run_isolated("giotto_mapper", "mixed", n, **kw)
    return [_row("mapper", CLOUDS["mixed"], "Mapper(30, 3)", ours,
                 "giotto-tda make_mapper_pipeline (PCA 2, CubicalCover(30, 2/3), DBSCAN)", anc, exact=None,
                 note=f"toponet {ours.get('note', '-')} vs giotto {anc.get('note', '-')}; "
                      "different clusterings, not an approximation")]


def decision_rows(n: int, **kw) -> list[dict]:
    kw = dict(kw, timeout=max(kw.get("timeout", 300.0), DECISION_TIMEOUT))
    ours = run_isolated("toponet_decision", "raw-mixed", n, **kw)
    anc = run_isolated("giotto_decision", "raw-mixed", n, **kw)
    diff = (float(np.max(np.abs(ours["array"] - anc["array"]))) if "array" in ours and "array" in anc else None)
    return [_row("decision", f"{CLOUDS['raw-mixed']} of {n:,} filters", "circle_test (99 x 3 nulls, exact)",
                 ours, "giotto-tda VR on observed + every null core", anc, measured_diff=diff,
                 note=f"toponet {ours.get('note', '-')}; giotto {anc.get('note', '-')}")]


#: Wall-clock limit of one decision measurement (297 exact null clouds; the others: --timeout).
DECISION_TIMEOUT = 7200.0


def plan(quick: bool) -> list[tuple]:
    """The benchmark's rows: (kind, cloud, n)."""
    sizes = (1_000,) if quick else (800, 1_500, 2_000)  # quick: 1,000 so landmarks (800) approximate
    core_raw = 2_000 if quick else 6_400
    steps = [("persistence", c, n) for c in ("mixed", "tight-circle") for n in sizes]
    steps += [("persistence", f"core-{k}", core_raw) for k in ("gaussian", "circle", "mixed")]
    steps += [("density", "mixed", 20_480 if quick else 204_800), ("mapper", "mixed", 1_000 if quick else 2_000)]
    steps += [("decision", "raw-mixed", 2_000 if quick else 6_400)]
    return steps


def _fmt(x, spec):
    return "-" if x is None else format(x, spec)


def print_row(r: dict) -> None:
    if r["max_abs_error"] is not None:
        err = _fmt(r["max_abs_error"], ".4f")
    elif r["exact"] is None:
        err = "n/a"
    elif not r["exact"]:
        err = "unmeasured"
    else:
        err = "exact" + (f" ({r['measured_diff']:.2g})" if r["measured_diff"] is not None else "")
    print(f"{r['stage']:<11} {_fmt(r['points'], ','):>7} {r['toponet'][:36]:<36} {_fmt(r['toponet_s'], '.2f'):>7} "
          f"{r['anchor'][:30]:<30} {_fmt(r['anchor_s'], '.2f'):>7} {_fmt(r['ratio'], '.2f'):>6} {err:>14} "
          f"{_fmt(r['toponet_rss_mb'], '.0f'):>6}/{_fmt(r['anchor_rss_mb'], '.0f'):<6} {r['cloud']}; {r['note']}",
          flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller clouds (a few minutes)")
    ap.add_argument("--json", action="store_true", help="print one JSON document: machine, load, rows")
    ap.add_argument("--threads", type=int, default=1, help="threads for every tool that takes them (default 1)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per measurement (default 300)")
    ap.add_argument("--max-gb", type=float, default=5.0, help="address-space limit per measurement (default 5)")
    ap.add_argument("--only", choices=("persistence", "density", "mapper", "decision"), help="run one stage")
    ap.add_argument("--one", nargs=3, metavar=("METHOD", "CLOUD", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one[0], args.one[1], int(args.one[2]), args.threads, args.out)))
        return 0

    kw = dict(threads=args.threads, timeout=args.timeout, max_gb=args.max_gb)
    meta = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "quick": args.quick, "threads": args.threads,
            "timeout_s": args.timeout, "max_gb": args.max_gb, "load_average_start": list(os.getloadavg())}
    if not args.json:
        print(f"machine: {meta['machine']}; {meta['cpu_count']} CPUs; python {meta['python']}; threads per tool "
              f"{args.threads}; load average {os.getloadavg()[0]:.2f} at start"
              + ("; QUICK sizes" if args.quick else ""))
        print("ratio = anchor_s / toponet_s (> 1: toponet faster); error = |top H1 - exact top H1| "
              "('exact (d)': exact method, d = measured difference from the anchor)")
        print(f"{'stage':<11} {'points':>7} {'toponet':<36} {'s':>7} {'anchor':<30} {'s':>7} {'ratio':>6} "
              f"{'error':>14} {'RSS MB':<13} cloud; note")
    rows, failures = [], 0
    for kind, cloud, n in plan(args.quick):
        if args.only and kind != args.only:
            continue
        new = (persistence_rows(cloud, n, **kw) if kind == "persistence" else
               density_rows(n, **kw) if kind == "density" else
               decision_rows(n, **kw) if kind == "decision" else mapper_rows(n, **kw))
        for r in new:
            failures += r["toponet_s"] is None
            if not args.json:
                print_row(r)
        rows += new
    meta["load_average_end"] = list(os.getloadavg())
    if args.json:
        print(json.dumps({**meta, "rows": rows}, indent=1))
    else:
        print(f"load average {os.getloadavg()[0]:.2f} at end ({os.cpu_count()} CPUs: above ~{os.cpu_count()}, "
              "other work inflated these times)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
