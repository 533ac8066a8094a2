"""The circle rule: from a cloud of filters to a verdict that a referee can check.

One verdict shape for every claim (:class:`RuleResult`), and the rule every "circle" claim
uses (:func:`circle_test` + :func:`circle_rule`):

1. **The statistic**: the H1 lifetimes of Vietoris-Rips persistence of the dense core
   rho(k, p) of the normalized cloud, the longest (and second longest) bar. It is computed
   by capped Rips (:func:`toponet.homology.h1_bounds`): every comparison the test makes is
   decided exactly, never by an approximation.
2. **Matched nulls**, ``draws`` clouds of each kind with as many points, through the same
   pipeline (normalize, rho(k, p) with the same k and p, persistence): ``gaussian``,
   ``shuffled`` (each coordinate permuted: marginals kept, joint structure destroyed) and
   ``directions`` (gaussian clouds whose normalized draws have the data's second moment
   E[v v^T] of the unit filters: all second-order structure the pipeline sees,
   :func:`toponet.nulls.directions_matched`). The
   Monte-Carlo p-value is ``(1 + #{null >= observed}) / (1 + draws)``, so 99 draws floor it
   at 0.01; every p is reported with its number of draws.
3. **The rule**: a circle exists when the top bar beats both the gaussian and the shuffled
   nulls at level :data:`ALPHA`. The second-order null of the directions answers a second
   question, "structure beyond second order?", reported as its own column; it does not veto
   the first (a noisy ideal circle *is* second-order structure). "One long bar" (the paper's words for Fig. 2)
   holds when the second bar does *not* beat those nulls.
4. **Calibration** (:mod:`toponet.calibration`): at the same cloud size, k and p, the rule's
   false-positive rate on fresh null clouds and its power on a noisy ideal model. A claim
   whose test has power below :data:`MIN_POWER` and finds nothing is ``inconclusive``,
   never ``not reproduced``.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from toponet._io import atomic_write, results_directory, results_search_path
from toponet._validation import check_cloud, check_fraction, check_int
from toponet.density import density_filtration
from toponet.filters import normalize
from toponet.homology import NULL_DIRECT_EDGES, H1Bounds, h1_bounds
from toponet.nulls import NULL_KINDS, null_cloud
from toponet.workers import call, parallel_map
from toponet.provenance import DamagedEntry, note, read_sealed, warn_damaged, write_sealed

__all__ = ["VERDICTS", "ALPHA", "DRAWS", "MIN_POWER", "K_MIN", "EXISTENCE_KINDS", "SECOND_ORDER_KINDS", "BOOK_KINDS",
           "ANALYZE_KINDS", "floor_k", "dense_core", "p_value", "NullTest", "CircleTest", "second_order_null",
           "null_seed", "cloud_sha256", "check_stored_test", "default_jobs", "gaussian_top", "compute_circle_test",
           "circle_test", "RuleResult", "circle_rule", "circle_answer", "beyond_answer", "summary_keys",
           "aggregate_verdict", "combined_record"]

#: Verdict values, strongest first; "inconclusive": the test at this scale could not have
#: detected the effect (calibrated power below MIN_POWER); "not tested": no data.
VERDICTS = ("reproduced", "partly", "not reproduced", "inconclusive", "not tested")
#: Level of every test.
ALPHA = 0.05
#: Null clouds per kind: the p-value floor is 1 / (1 + DRAWS) = 0.01.
DRAWS = 99
#: Below this power a negative result is "inconclusive".
MIN_POWER = 0.8
#: The density filtration's k never goes below this (k = 1 or 2 measures nearest-neighbour
#: noise, not density; the deep chapter used this floor first).
K_MIN = 5
#: The kinds whose p-values decide whether a circle exists.
EXISTENCE_KINDS = ("gaussian", "shuffled")
#: The nulls that answer "beyond second order?", preferred first: ``directions`` matches the
#: second moment the pipeline sees (normalized filters, :func:`toponet.nulls.directions_matched`);
#: ``covariance`` (the raw covariance, flattened by normalization) is kept only to read old tests.
SECOND_ORDER_KINDS = ("directions", "covariance")
#: The kinds :func:`circle_test` runs unless told otherwise, and the book's chapters run:
#: the two existence nulls and the second-order null of the directions.
BOOK_KINDS = ("gaussian", "shuffled", "directions")
#: The kinds ``toponet analyze`` runs.
ANALYZE_KINDS = ("gaussian", "shuffled", "directions")


def floor_k(k: int, n_points: int) -> int:
    """``k`` clipped to [K_MIN, n_points - 1]: the one floor of the density filtration's k.

    Every rule passes its k through here; a k rescaled from the paper's
    (:func:`toponet.analysis.scaled_k`) already has, and needs no second pass.

    Parameters
    ----------
    k : int >= 1
        Neighbours (the point itself not counted).
    n_points : int >= 1
        Points in the cloud.

    Returns
    -------
    k : int
        Neighbours, ``min(max(k, K_MIN), n_points - 1)``.

    Raises
    ------
    ValueError
        When the cloud has too few points for k = K_MIN (``n_points <= K_MIN``).
    """
    k = check_int(k, name="k", low=1)
    n_points = check_int(n_points, name="n_points", low=1)
    if n_points - 1 < K_MIN:
        raise ValueError(f"a cloud of {n_points} points is too small for a density filtration with "
                         f"k >= {K_MIN}; pool more networks")
    return int(min(max(k, K_MIN), n_points - 1))


def dense_core(X_raw, k: int, p: float) -> np.ndarray:
    """rho(k, p) of the normalized cloud, k through :func:`floor_k`.

    The filters go through :func:`toponet.filters.normalize` (constant filters are dropped,
    and logged), then :func:`toponet.density.density_filtration` with ``floor_k(k, n)``, n the
    filters left.

    Parameters
    ----------
    X_raw : array-like of shape (n_points, 9), n_points >= 2
        Raw filters (any number of columns is accepted; 9 for 3x3 filters).
    k : int >= 1
        Neighbours (the point itself not counted), clipped to [K_MIN, n - 1] by :func:`floor_k`.
    p : float in (0, 1]
        Fraction of the normalized filters kept.

    Returns
    -------
    ndarray of shape (n_kept, 9)
        Unit, mean-zero rows, ``n_kept = max(1, round(p * n))``, in their original order.

    Raises
    ------
    ValueError
        Naming the problem when nothing survives normalization (raised as soon as fewer than
        2 filters are given or remain), or when too few remain for k = K_MIN (:func:`floor_k`).
    """
    Xn, _ = normalize(check_cloud(X_raw, name="filters", min_points=2))
    if Xn.shape[0] < 2:
        raise ValueError(f"only {Xn.shape[0]} filters remain after normalization (constant filters "
                         "are dropped); nothing to filter")
    return density_filtration(Xn, floor_k(k, Xn.shape[0]), check_fraction(p, name="p"))


def p_value(exceed: int, draws: int) -> float:
    """Monte-Carlo p: (1 + #{null >= observed}) / (1 + draws).

    Parameters
    ----------
    exceed : int, 0 <= exceed <= draws
        #{null >= observed}: null clouds whose statistic is at least the observed one.
    draws : int >= 1
        Null clouds drawn. Neither argument is checked beyond ``int()``.

    Returns
    -------
    float in [1 / (1 + draws), 1]
        Never 0: 99 draws floor it at 0.01.
    """
    return (1 + int(exceed)) / (1 + int(draws))


@dataclass(frozen=True)
class NullTest:
    """The observed top bar against ``draws`` null clouds of one kind.

    exceed : null clouds whose top bar is at least the observed one (decided exactly);
    p : Monte-Carlo p-value; null_values : (draws,) lower bounds of the nulls' top
    lifetimes (exact where the cap reached them; the p-value does not depend on them);
    effect_size : (observed - mean) / sd of null_values.
    """

    kind: str
    draws: int
    exceed: int
    p: float
    null_values: np.ndarray
    effect_size: float

    @property
    def null_mean(self) -> float:
        return float(np.mean(self.null_values))

    @property
    def null_sd(self) -> float:
        return float(np.std(self.null_values, ddof=1)) if self.null_values.size > 1 else float("nan")

    def record(self) -> dict:
        """The ``nulls`` entry of a verdict row: {"p", "draws", "effect_size"}."""
        return {"p": round(self.p, 4), "draws": self.draws, "effect_size": _round(self.effect_size)}

    def describe(self) -> str:
        return f"p = {self.p:.2g} ({self.draws} draws)"


def _round(x: float, nd: int = 3):
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


@dataclass(frozen=True)
class CircleTest:
    """Everything :func:`circle_test` measured on one cloud.

    n_points : filters after normalization; n_core : points in rho(k, p); k, p : as used
    bars : ((lower, upper), ...) bounds of the ``ranks`` longest H1 lifetimes, longest first
        (equal bounds: exact)
    nulls : kind -> NullTest of the top bar
    exceed : kind -> ((at lower, at upper), ...) per rank: null clouds whose top bar is at
        least that long, at the bar's lower and at its upper bound
    bounds : the observed cloud's H1Bounds
    core_index : indices of rho(k, p) in the normalized cloud (shape (n_core,)), so a figure
        reads the core the test measured instead of filtering again (None: not kept)
    """

    n_points: int
    n_core: int
    k: int
    p: float
    bars: tuple
    nulls: dict
    exceed: dict
    draws: int
    bounds: H1Bounds = field(repr=False)
    core_index: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def top(self) -> tuple[float, float]:
        return self.bars[0]

    @property
    def second(self) -> tuple[float, float]:
        return self.bars[1] if len(self.bars) > 1 else (0.0, 0.0)

    @property
    def top_exact(self) -> bool:
        return self.top[1] <= self.top[0]

    @property
    def exists(self) -> bool:
        """The top bar beats the gaussian and the shuffled nulls at level ALPHA (False when the
        test ran neither: no existence null, no evidence of a circle)."""
        ran = [k for k in EXISTENCE_KINDS if k in self.nulls]
        return bool(ran) and all(self.nulls[k].p < ALPHA for k in ran)

    def rank_p(self, kind: str, rank: int) -> tuple[float, float]:
        """(smallest, largest) p of the ``rank``-th bar against ``kind``'s null top bars
        (at the bar's upper and lower bound; equal when the bar is exact)."""
        at_lo, at_hi = self.exceed[kind][rank - 1]
        return p_value(at_hi, self.draws), p_value(at_lo, self.draws)

    def second_p(self, kind: str) -> float:
        """p of the second bar against ``kind``, at its upper bound (the smallest it can be)."""
        return self.rank_p(kind, 2)[0]

    def long_bars(self) -> tuple[int, int]:
        """(surely, at most) bars beating both existence nulls: a bar counts surely when its
        largest p is below ALPHA against both, and at most when its smallest p is."""
        kinds = [k for k in EXISTENCE_KINDS if k in self.exceed]
        sure = most = 0
        for rank in range(1, len(self.bars) + 1):
            if all(self.rank_p(k, rank)[1] < ALPHA for k in kinds):
                sure += 1
            if all(self.rank_p(k, rank)[0] < ALPHA for k in kinds):
                most += 1
        return sure, most

    @property
    def one_long_bar(self) -> bool:
        """The top bar is significant and the second surely is not, against both existence nulls."""
        return self.exists and all(self.second_p(k) >= ALPHA for k in EXISTENCE_KINDS if k in self.exceed)

    @property
    def beyond_second_order(self) -> bool | None:
        """Top bar beats the second-order null: the directions null (:data:`SECOND_ORDER_KINDS`,
        the first that was run; None when neither was)."""
        kind = next((k for k in SECOND_ORDER_KINDS if k in self.nulls), None)
        return None if kind is None else self.nulls[kind].p < ALPHA

    def nulls_record(self) -> dict:
        return {k: t.record() for k, t in self.nulls.items()}

    def describe(self) -> str:
        def bar(b):
            return f"{b[0]:.2f}" if b[1] <= b[0] else f"{b[0]:.2f}-{b[1]:.2f}"
        nul = "; ".join(f"{k} {t.null_mean:.2f} +- {t.null_sd:.2f}, {t.describe()}" for k, t in self.nulls.items())
        return (f"top H1 bars {', '.join(bar(b) for b in self.bars)} on rho({self.k}, {self.p:g}) = "
                f"{self.n_core:,} of {self.n_points:,} filters; nulls: {nul}")


def second_order_null(test) -> "NullTest | None":
    """The null test that answers "beyond second order?" for ``test`` (a :class:`CircleTest`):
    the first of :data:`SECOND_ORDER_KINDS` it ran, or None.

    Parameters
    ----------
    test : CircleTest
        Only its ``nulls`` (kind -> :class:`NullTest`) are read.

    Returns
    -------
    NullTest or None
        ``test.nulls["directions"]`` when it ran, else ``test.nulls["covariance"]`` (old tests),
        else None.
    """
    kind = next((k for k in SECOND_ORDER_KINDS if k in test.nulls), None)
    return None if kind is None else test.nulls[kind]


#: How each second-order null is named in prose.
SECOND_ORDER_NAMES = {"directions": "second-order null of the directions (matched E[v v^T] of the unit filters)",
                      "covariance": "covariance-matched null (raw covariance; flattened by normalization)"}


def null_seed(seed: int, kind: str, draw: int) -> int:
    """The seed of null cloud ``draw`` of ``kind``: same seed, same null clouds.

    Parameters
    ----------
    seed : int >= 0
        The test's seed.
    kind : str, one of :data:`toponet.nulls.NULL_KINDS`
        Its position in NULL_KINDS enters the seed, so a kind's null clouds do not depend on
        which other kinds are run (an unknown kind raises ValueError).
    draw : int >= 0
        Index of the null cloud within its kind.

    Returns
    -------
    int in [0, 2**32)
        The first word of ``numpy.random.SeedSequence([seed, NULL_KINDS.index(kind), draw])``.
    """
    return int(np.random.SeedSequence([seed, NULL_KINDS.index(kind), draw]).generate_state(1)[0])


#: Bump when :func:`circle_test`'s computation changes: cached tests of older versions are ignored.
NULL_TEST_VERSION = 1
#: The stored test's layout: 2 adds the cloud (its hash and the file it is kept in) and the code
#: version; every stored test is sealed (:mod:`toponet.provenance`). A sealed format-1 test is
#: rewritten as format 2 the first time a run that may write reads it with its cloud.
NULL_TEST_FORMAT = 2
#: Bars of the observed cloud kept in a cached test (``CircleTest.bounds`` answers ranks up to this).
_CACHED_BARS = 16
#: Observed bars that took at most this long (s) are recomputed and compared whenever a stored
#: test is read; slower ones are tied to the cloud by its hash and the test's seal.
RECHECK_SECONDS = 5.0


def cloud_sha256(Xn: np.ndarray) -> str:
    """sha256 of the normalized cloud's float64 bytes: the identity of a tested cloud.

    Parameters
    ----------
    Xn : array-like of shape (n_points, n_features)
        The normalized cloud, hashed as C-ordered float64 (its shape is not part of the hash;
        a stored test records it beside).

    Returns
    -------
    str
        64 lowercase hexadecimal digits.
    """
    return hashlib.sha256(np.ascontiguousarray(Xn, dtype=np.float64).tobytes()).hexdigest()


def null_tests_directory() -> Path:
    """Where stored null tests are written: ``$TOPONET_NULL_TESTS``, else ``null-tests/`` of
    :func:`toponet._io.results_directory`."""
    return Path(os.environ.get("TOPONET_NULL_TESTS") or results_directory() / "null-tests")


def _test_name(Xn: np.ndarray, k: int, p: float, draws: int, seed: int, ranks: int) -> str:
    """The file name of one circle test, keyed by the normalized cloud's bytes and the arguments
    (each null kind is stored under its name: kinds are independent, seeded by kind)."""
    h = hashlib.sha256(np.ascontiguousarray(Xn, dtype=np.float64).tobytes())
    h.update(json.dumps([NULL_TEST_VERSION, list(Xn.shape), int(k), float(p), int(draws),
                         int(seed), int(ranks)]).encode())
    return f"test-v{NULL_TEST_VERSION}-{h.hexdigest()[:24]}.json"


def _test_path(Xn: np.ndarray, k: int, p: float, draws: int, seed: int, ranks: int) -> Path:
    return null_tests_directory() / _test_name(Xn, k, p, draws, seed, ranks)


def _bounds_record(b: H1Bounds) -> dict:
    top = lambda a: sorted(map(float, a), reverse=True)[:_CACHED_BARS]  # noqa: E731
    return {"lower": top(b.lower), "upper": top(b.upper), "hidden": b.hidden, "thresh": b.thresh,
            "enclosing_radius": b.enclosing_radius, "n_points": b.n_points}


def _bounds_from(d: dict) -> H1Bounds:
    lower, upper = np.array(d["lower"], dtype=float), np.array(d["upper"], dtype=float)
    lower.setflags(write=False)
    upper.setflags(write=False)
    return H1Bounds(lower=lower, upper=upper, hidden=float(d["hidden"]), thresh=float(d["thresh"]),
                    enclosing_radius=float(d["enclosing_radius"]), n_points=int(d["n_points"]))


def test_cuts(doc: dict) -> list[float]:
    """The bar bounds a stored test's null clouds were asked about: the top bar's lower bound,
    then both bounds of ranks 2.. (``counts[j]`` = null clouds whose top is >= ``cuts[j]``)."""
    obs = _bounds_from(doc["bounds"])
    bars = [obs.top(r) for r in range(1, int(doc["ranks"]) + 1)]
    return [bars[0][0]] + [v for b in bars[1:] for v in b]


def _finite_list(x, name: str, length: int | None = None) -> np.ndarray:
    if not isinstance(x, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in x):
        raise ValueError(f"{name} is not a list of numbers")
    a = np.array(x, dtype=float)
    if length is not None and a.size != length:
        raise ValueError(f"{name} holds {a.size} values, not {length}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} holds a negative or non-finite value")
    return a


def check_stored_test(doc: dict, expect: dict | None = None) -> None:
    """Raise ValueError naming what is wrong with a stored test document.

    Checks the version (:data:`NULL_TEST_VERSION`), the layout, that ``expect``'s entries (the
    arguments) equal the stored ones, the bounds, and that every null kind's ``counts`` are
    exactly what its ``values`` count (null clouds whose top bar is >= each of
    :func:`test_cuts`); partial draws likewise.

    Parameters
    ----------
    doc : dict
        A stored test document (the JSON :func:`circle_test` writes).
    expect : dict, optional
        Argument name -> the value asked for (e.g. ``n_points``, ``k``, ``p``, ``draws``,
        ``seed``, ``ranks``); floats agree to within 1e-12. None: no argument is compared.

    Raises
    ------
    ValueError
        Naming the first problem found; returns None when the document passes every check.
    """
    if doc.get("version") != NULL_TEST_VERSION:
        raise ValueError(f"test version {doc.get('version')!r}, this toponet computes {NULL_TEST_VERSION}")
    for key, want in (expect or {}).items():
        have = doc.get(key)
        if have != want and not (isinstance(want, float) and isinstance(have, (int, float))
                                 and np.isclose(have, want, rtol=0, atol=1e-12)):
            raise ValueError(f"{key} is {have!r}, the test asked for {want!r}")
    for key in ("n_points", "n_core", "k", "draws", "ranks"):
        if not isinstance(doc.get(key), int) or isinstance(doc.get(key), bool) or doc[key] < 1:
            raise ValueError(f"{key} is {doc.get(key)!r}, not a positive integer")
    b = doc.get("bounds")
    if not isinstance(b, dict):
        raise ValueError(f"bounds is {type(b).__name__}, not an object")
    _finite_list(b.get("lower"), "bounds.lower")
    _finite_list(b.get("upper"), "bounds.upper")
    _finite_list([b.get("hidden"), b.get("thresh"), b.get("enclosing_radius")], "bounds' hidden/thresh/radius")
    if b.get("n_points") != doc["n_core"]:
        raise ValueError(f"bounds.n_points {b.get('n_points')!r} is not n_core {doc['n_core']}")
    cuts = test_cuts(doc)
    draws = doc["draws"]
    kinds = doc.get("kinds")
    if not isinstance(kinds, dict):
        raise ValueError("kinds is not an object")
    for kind, done in kinds.items():
        if kind not in NULL_KINDS:
            raise ValueError(f"unknown null kind {kind!r}")
        values = _finite_list(done.get("values"), f"{kind} values", draws)
        counts = done.get("counts")
        want = [int(np.sum(values >= c)) for c in cuts]
        if counts != want:
            raise ValueError(f"{kind} counts {counts!r} are not what its {draws} values count ({want})")
    for kind, part in (doc.get("partial") or {}).items():
        if kind not in NULL_KINDS or kind in kinds:
            raise ValueError(f"partial draws of {kind!r} beside finished ones, or an unknown kind")
        values = _finite_list(part.get("values"), f"{kind} partial values")
        answers = part.get("answers")
        if values.size >= draws or not isinstance(answers, list) or len(answers) != values.size:
            raise ValueError(f"{kind} partial draws are inconsistent ({values.size} values)")
        if any([bool(v >= c) for c in cuts] != a for v, a in zip(values, answers)):
            raise ValueError(f"{kind} partial answers are not what its values answer")


def _read_stored_test(path: Path, expect: dict, csha: str, core: np.ndarray, ranks: int) -> dict | None:
    """The stored test at ``path`` (None when there is none), checked (:func:`check_stored_test`):
    made for ``expect``'s arguments and the cloud of hash ``csha``, its observed bars recomputed
    and compared when that is cheap. Raises DamagedEntry."""
    def check(doc):
        check_stored_test(doc, expect)
        if doc.get("format") == NULL_TEST_FORMAT and doc.get("cloud", {}).get("sha256") != csha:
            raise ValueError("it was computed on another cloud (its cloud sha256 differs)")
        if float(doc.get("bounds_wall_s", np.inf)) <= RECHECK_SECONDS:
            again = _bounds_record(h1_bounds(core, top=ranks, certify=False))
            if again != doc["bounds"]:
                raise ValueError("its observed bars differ from the bars of the cloud recomputed now")

    return read_sealed(path, check=check)


def _store_cloud(folder: Path, X_raw: np.ndarray) -> dict:
    """Save the raw cloud a test ran on (``clouds/<sha256[:24]>.npy``, for ``toponet verify
    --recompute``); returns its {"file", "raw_sha256"}."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(X_raw), allow_pickle=False)
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    path = folder / "clouds" / f"{sha[:24]}.npy"
    if not path.is_file():
        atomic_write(path, lambda fh: fh.write(data))
    note("clouds", path, sha)
    return {"file": f"clouds/{path.name}", "raw_sha256": sha}


def _null_answers(Xn: np.ndarray, kind: str, s: int, k: int, p: float, cuts) -> tuple[float, list]:
    """One null cloud of ``kind`` with seed ``s``: (its exact top H1 lifetime, [top >= c for c in
    cuts]). Module level so that worker processes can run it."""
    ncore = density_filtration(null_cloud(Xn, kind, s), k, p)
    # exact answers and an exact top (the null's value), as the direct exact run gave before
    # the birth certificate made it cheaper
    b = h1_bounds(ncore, questions=[(1, c) for c in cuts], top=1, direct_edges=NULL_DIRECT_EDGES)
    answers = [b.at_least(c) for c in cuts]
    if any(a is None for a in answers):
        raise RuntimeError(f"{kind} null cloud (seed {s}) could not be settled within the memory "
                           "budget (toponet.homology.MAX_EDGES); use a smaller p")
    return float(b.top(1)[0]), [bool(a) for a in answers]


def _cached(value):
    return value


def default_jobs() -> int:
    """Worker processes for null clouds: ``$TOPONET_JOBS`` (a positive integer), else 1."""
    raw = os.environ.get("TOPONET_JOBS", "1")
    try:
        jobs = int(raw)
    except ValueError:
        raise ValueError(f"TOPONET_JOBS must be a positive integer; got {raw!r}") from None
    if jobs < 1:
        raise ValueError(f"TOPONET_JOBS must be a positive integer; got {raw!r}")
    return jobs


def gaussian_top(n: int, k: int, p: float, seed: int) -> float:
    """Exact top H1 lifetime of rho(k, p) of the gaussian null cloud of ``n`` points, ``seed``
    (what :class:`toponet.calibration.GaussianTops` caches). Module level so that worker
    processes can run it.

    The cloud is ``gaussian_filters(n, dim=9, seed=seed)`` (:func:`toponet.nulls.null_cloud`'s
    "gaussian" kind); its persistence runs with no memory cap (``max_edges=None``).

    Parameters
    ----------
    n : int, n > k
        Points in the null cloud (the normalized observed cloud's size).
    k : int, 1 <= k < n
        Neighbours of the density filtration, used as given (not passed through
        :func:`floor_k`: give the k the test used).
    p : float in (0, 1]
        Fraction of the null cloud kept.
    seed : int
        The null cloud's seed (:func:`null_seed`).

    Returns
    -------
    float
        The longest H1 lifetime (>= 0), exact, in distance units of the normalized filters.
    """
    core = density_filtration(null_cloud(np.zeros((n, 9)), "gaussian", int(seed)), k, p)
    return float(h1_bounds(core, top=True, max_edges=None, direct_edges=NULL_DIRECT_EDGES).top(1)[0])


def _in_process(jobs):
    """Run ``(func, args)`` jobs one after the other in this process, in order."""
    return (func(*args) for func, args in jobs)


def _prepared(X_raw, k: int, p: float):
    """(the checked raw cloud, its normalized cloud, k floored, the dense core rho(k, p), the
    core's indices in the normalized cloud)."""
    X_raw = check_cloud(X_raw, name="filters", min_points=2)
    Xn, _ = normalize(X_raw)
    kk = floor_k(k, Xn.shape[0])
    core, index = density_filtration(Xn, kk, check_fraction(p, name="p"), return_index=True)
    return X_raw, Xn, kk, core, index


def compute_circle_test(X_raw, *, k: int, p: float, kinds=BOOK_KINDS, draws: int = DRAWS, seed: int = 0,
                        ranks: int = 2, gaussian_cache=None, run_jobs=None, record: dict | None = None,
                        on_update=None) -> CircleTest:
    """The test of :func:`circle_test`, computed: no stored test is read or written.

    The ``ranks`` longest H1 bars of rho(k, p) of the normalized cloud against ``draws`` null
    clouds of each of ``kinds`` (seeded by :func:`null_seed`). :func:`circle_test` is this
    function plus its store of tests (lookup, writes, resume), worker processes and a
    progress bar; both give the same numbers.

    Parameters
    ----------
    X_raw : array-like of shape (n_points, 9)
        Raw filters (normalized here; null clouds are made from the normalized cloud).
    k, p : int, float
        Density filtration rho(k, p); ``k`` goes through :func:`floor_k`.
    kinds : iterable of str
        Null kinds (:data:`toponet.nulls.NULL_KINDS`; default :data:`BOOK_KINDS`).
    draws : int >= 2
        Null clouds per kind.
    seed : int
        Seeds the null clouds.
    ranks : int >= 1
        How many of the longest bars are tested.
    gaussian_cache : optional :class:`toponet.calibration.GaussianTops`
        Exact top bars of gaussian null clouds, looked up and added to (its own files).
    run_jobs : optional callable
        ``run_jobs(jobs)`` runs an iterable of ``(func, args)`` pairs (consumed lazily) and
        yields ``func(*args)`` in order; default: one after the other in this process.
    record : optional dict
        A test record to resume (a stored test's document, checked against this cloud and
        these arguments by the caller): its observed bars are used as they are, its finished
        kinds are not recomputed, its ``partial`` draws are kept. Updated in place.
    on_update : optional callable
        ``on_update(record, event, n)``: ``"new"`` (a record was made, no null yet, n = 0),
        ``"kind"`` (a kind starts; n = its draws already in the record), ``"draw"`` (one
        draw added, n = 1), ``"done"`` (a kind finished, its counts stored, n = 0).

    Returns
    -------
    CircleTest
        ``bars``: ``ranks`` (lower, upper) pairs; ``nulls[kind].null_values``: shape (draws,);
        ``exceed[kind]``: ``ranks`` pairs of counts.
    """
    draws = check_int(draws, name="draws", low=2)
    ranks = check_int(ranks, name="ranks", low=1)
    _, Xn, kk, core, index = _prepared(X_raw, k, p)
    test = _circle_test(Xn, core, kk, p, kinds=tuple(kinds), draws=draws, seed=seed, ranks=ranks,
                        gaussian_cache=gaussian_cache, run_jobs=run_jobs, record=record, on_update=on_update)
    return replace(test, core_index=index)


def _circle_test(Xn, core, kk, p, *, kinds, draws, seed, ranks, gaussian_cache, run_jobs, record, on_update):
    """:func:`compute_circle_test` on a prepared cloud (normalized, its core, k floored)."""
    run_jobs = _in_process if run_jobs is None else run_jobs
    on_update = (lambda *_: None) if on_update is None else on_update
    n = Xn.shape[0]
    if record is not None:
        obs = _bounds_from(record["bounds"])
    else:
        # every tested bar exact where the memory budget allows (else bounds: conservative p)
        started = time.perf_counter()
        # No birth certificate here: the stored tests (NULL_TEST_VERSION 1) hold these bounds,
        # and certified ones can be tighter (a new version would recompute every test).
        obs = h1_bounds(core, top=ranks, certify=False)
        record = {"format": NULL_TEST_FORMAT, "version": NULL_TEST_VERSION, "code": _code_record(),
                  "cloud": {"sha256": cloud_sha256(Xn), "shape": list(Xn.shape)}, "n_points": n,
                  "n_core": int(core.shape[0]), "k": kk, "p": float(p), "draws": draws, "seed": seed,
                  "ranks": ranks, "bounds": _bounds_record(obs),
                  "bounds_wall_s": round(time.perf_counter() - started, 1), "kinds": {}}
        on_update(record, "new", 0)
    bars = tuple(obs.top(r) for r in range(1, ranks + 1))
    # each null cloud answers: is its top bar at least bar r's lower / upper bound?
    cuts = [bars[0][0]] + [v for b in bars[1:] for v in b]
    nulls, exceed = {}, {}
    for kind in kinds:
        if kind not in NULL_KINDS:
            raise ValueError(f"unknown null kind {kind!r}; known: {NULL_KINDS}")
        done = record["kinds"].get(kind)
        if done is None:
            # draws finished by an interrupted run are kept draw by draw under "partial"
            part = record.setdefault("partial", {}).setdefault(kind, {"values": [], "answers": [], "wall_s": 0.0})
            on_update(record, "kind", len(part["values"]))
            todo = range(len(part["values"]), draws)
            gauss = kind == "gaussian" and gaussian_cache is not None
            shared = gauss and hasattr(gaussian_cache, "has")   # else its top() computes

            def job(r):
                s = null_seed(seed, kind, r)
                if not gauss:
                    return _null_answers, (Xn, kind, s, kk, p, cuts)
                if not shared or gaussian_cache.has(n, kk, p, s):
                    return _cached, (None,)
                return gaussian_top, (n, kk, p, s)

            results = run_jobs(map(job, todo))
            started = time.perf_counter()
            for r, res in zip(todo, results):
                if gauss:   # the cache rounds: answers from the cached value, as always
                    s = null_seed(seed, kind, r)
                    if res is not None:
                        gaussian_cache.put(n, kk, p, s, res)
                    v = gaussian_cache.top(n, kk, p, s)
                    answers = [v >= c for c in cuts]
                else:
                    v, answers = res
                part["values"].append(float(v))
                part["answers"].append([bool(a) for a in answers])
                now = time.perf_counter()
                part["wall_s"] = round(part["wall_s"] + now - started, 3)
                started = now
                on_update(record, "draw", 1)
            counts = np.array(part["answers"], dtype=bool).reshape(draws, len(cuts)).sum(axis=0)
            done = {"values": part["values"], "counts": [int(c) for c in counts],
                    "wall_s": round(part["wall_s"], 1)}
            record["kinds"][kind] = done
            del record["partial"][kind]
            if not record["partial"]:
                del record["partial"]
            on_update(record, "done", 0)
        else:
            on_update(record, "kind", draws)
        values = np.array(done["values"], dtype=float)
        counts = np.array(done["counts"], dtype=int)
        values.setflags(write=False)
        sd = float(np.std(values, ddof=1))
        eff = (bars[0][0] - float(values.mean())) / sd if sd > 0 else float("nan")
        nulls[kind] = NullTest(kind=kind, draws=draws, exceed=int(counts[0]), p=p_value(counts[0], draws),
                               null_values=values, effect_size=eff)
        # rank 1 is tested at its lower bound only (a conservative p); ranks >= 2 at both
        per_rank = [(int(counts[0]), int(counts[0]))]
        per_rank += [(int(counts[1 + 2 * i]), int(counts[2 + 2 * i])) for i in range(ranks - 1)]
        exceed[kind] = tuple(per_rank)
    return CircleTest(n_points=n, n_core=int(core.shape[0]), k=kk, p=float(p), bars=bars, nulls=nulls,
                      exceed=exceed, draws=draws, bounds=obs)


def circle_test(X_raw, *, k: int, p: float, kinds=BOOK_KINDS, draws: int = DRAWS, seed: int = 0,
                ranks: int = 2, progress: bool = False, gaussian_cache=None, cache: bool = True,
                n_jobs: int | None = None) -> CircleTest:
    """The ``ranks`` longest H1 bars of rho(k, p) of ``X_raw`` against matched null clouds:
    :func:`compute_circle_test` with its store of tests, worker processes and a progress bar.

    Parameters
    ----------
    X_raw : array-like of shape (n_points, 9)
        Raw filters (normalized here), at least 2.
    k, p : int, float
        Density filtration rho(k, p): ``k`` neighbours (>= 1; goes through :func:`floor_k`),
        ``p`` the fraction of the densest points kept, in (0, 1].
    kinds : iterable of str
        Null kinds (default :data:`BOOK_KINDS`; see :func:`toponet.nulls.null_cloud`); null
        clouds are made from the normalized cloud.
    draws : int >= 2
        Null clouds per kind (99, the default :data:`DRAWS`, for a p floor of 0.01).
    seed : int
        Seeds the null clouds (:func:`null_seed`).
    ranks : int >= 1
        How many of the longest bars are tested (2: "one long bar"; 4: "three bars").
    progress : bool
        Show a progress bar over the ``len(kinds) * draws`` null clouds.
    gaussian_cache : :class:`toponet.calibration.GaussianTops`, optional
        Gaussian null clouds depend only on (n_points, k, p, seed), so their exact top bars
        are computed once. None: every gaussian null cloud is computed.
    cache : bool
        Read and write the test's outcome (observed bars, every null's value and answers),
        keyed by the normalized cloud's bytes and the arguments that change the numbers
        (its shape, k after :func:`floor_k`, p, draws, seed and ranks; each null kind is
        stored under its name, kinds being independent); the computation is deterministic,
        so a cached test is the same test. Written in :func:`null_tests_directory`
        (``$TOPONET_NULL_TESTS``, else ``null-tests/`` of
        :func:`toponet._io.results_directory`: ``results/calibration/null-tests/`` in a
        book build), looked up there and then in the committed results. Each finished null
        kind is stored as it completes, so an interrupted test resumes. ``False``: always
        compute, store nothing.
    n_jobs : int >= 1, optional
        Worker processes for the null clouds (None: :func:`default_jobs`); every draw is
        seeded, so the numbers do not depend on it.

    Returns
    -------
    CircleTest
        As :func:`compute_circle_test` returns it.
    """
    from tqdm.auto import tqdm

    draws = check_int(draws, name="draws", low=2)
    ranks = check_int(ranks, name="ranks", low=1)
    n_jobs = default_jobs() if n_jobs is None else check_int(n_jobs, name="n_jobs", low=1)
    X_raw, Xn, kk, core, index = _prepared(X_raw, k, p)
    kinds = tuple(kinds)
    path, stored = None, None
    if cache:
        csha = cloud_sha256(Xn)
        name = _test_name(Xn, kk, p, draws, seed, ranks)
        path = null_tests_directory() / name
        expect = {"n_points": Xn.shape[0], "k": kk, "p": float(p), "draws": draws, "seed": seed, "ranks": ranks}
        for folder in _null_test_folders():
            try:
                stored = _read_stored_test(folder / name, expect, csha, core, ranks)
            except DamagedEntry as exc:
                warn_damaged(exc)
            if stored is not None:
                break
        if stored is not None and "cloud" not in stored:
            # a checked, sealed format-1 test (no cloud recorded): keep its numbers, add the cloud
            stored = {**stored, "format": NULL_TEST_FORMAT, "code": _code_record(),
                      "cloud": {"sha256": csha, "shape": list(Xn.shape), **_store_cloud(path.parent.parent, X_raw)}}
            stored = write_sealed(path, stored)
    last_write = time.perf_counter()

    def update(record, event, count):
        """Progress, and the record written as it grows (each kind, the first draws of slow ones)."""
        nonlocal stored, last_write
        bar.update(count)
        if event == "kind":
            last_write = time.perf_counter()
        elif path is not None and (event != "draw" or time.perf_counter() - last_write > 5.0):
            if event == "new":
                record["cloud"].update(_store_cloud(path.parent.parent, X_raw))
            stored = write_sealed(path, record)
            if event == "draw":   # slow draws only
                last_write = time.perf_counter()

    with tqdm(total=len(kinds) * draws, desc="null clouds", disable=not progress) as bar:
        # worker processes (n_jobs > 1) end with this process, however it ends
        test = _circle_test(Xn, core, kk, p, kinds=kinds, draws=draws, seed=seed, ranks=ranks,
                            gaussian_cache=gaussian_cache, run_jobs=lambda jobs: parallel_map(call, jobs, n_jobs),
                            record=stored, on_update=update)
    if path is not None:
        _note_test(stored, path)
    return replace(test, core_index=index)


def _null_test_folders() -> list[Path]:
    """Where a stored test is looked up: the write folder, then the committed one (read-only)."""
    write = null_tests_directory()
    return [write] + [d / "null-tests" for d in results_search_path()[1:] if d / "null-tests" != write]


def _code_record() -> dict:
    """The code a stored test was computed by."""
    from importlib.metadata import PackageNotFoundError, version   # deferred: read once per new test

    try:
        release = version("toponet")
    except PackageNotFoundError:
        release = "unknown"
    return {"toponet": release, "null_test_version": NULL_TEST_VERSION}


def _note_test(stored: dict, path: Path) -> None:
    """Ledger: the stored test (by its seal) and its cloud file."""
    note("tests", f"null-tests/{path.name}", stored["sha256"])
    cloud = stored.get("cloud", {})
    if "file" in cloud:
        note("clouds", cloud["file"], cloud["raw_sha256"])


@dataclass(frozen=True)
class RuleResult:
    """One claim's verdict and what it rests on: the shape every rule returns.

    verdict : one of VERDICTS; reasons : one line per criterion, pass or fail
    nulls : kind -> {"p", "draws", "effect_size"}; power, false_positive_rate : of the rule
    at this cloud size (None when not calibrated); cloud_points : points the test ran on
    """

    verdict: str
    reasons: tuple[str, ...]
    nulls: dict = field(default_factory=dict)
    power: float | None = None
    false_positive_rate: float | None = None
    cloud_points: int | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {self.verdict!r}")


def circle_rule(test: CircleTest, calibration, *, one_bar: bool = True) -> RuleResult:
    """The verdict on "these filters lie on a circle" (the paper's Fig. 2 claim and its kin).

    Parameters
    ----------
    test : CircleTest of the cloud
    calibration : :class:`toponet.calibration.Calibration` at the same size, k, p and draws
    one_bar : the claim says "one long bar" (F2): the second bar must not beat the nulls

    Returns
    -------
    RuleResult: ``reproduced`` (circle, and one long bar when asked), ``partly`` (circle,
    but a second significant bar), ``not reproduced`` (no circle, power >= MIN_POWER),
    ``inconclusive`` (no circle, power below MIN_POWER).
    """
    if calibration is not None and (calibration.n_points, calibration.k, calibration.draws) != (
            test.n_points, test.k, test.draws) or calibration is not None and not np.isclose(calibration.p, test.p):
        raise ValueError(f"calibration at n={calibration.n_points}, k={calibration.k}, p={calibration.p}, "
                         f"draws={calibration.draws} does not match the test at n={test.n_points}, k={test.k}, "
                         f"p={test.p}, draws={test.draws}; calibrate at the size the rule is applied to")
    if one_bar and len(test.bars) < 2:
        raise ValueError("a one-long-bar claim needs the second bar: run circle_test with ranks >= 2")
    power = None if calibration is None else calibration.power
    fpr = None if calibration is None else calibration.false_positive_rate
    reasons = [f"circle vs {k}: {t.describe()} ({'significant' if t.p < ALPHA else 'not significant'})"
               for k, t in test.nulls.items() if k in EXISTENCE_KINDS]
    if calibration is not None and calibration.fpr_too_high:
        reasons.append(f"the rule is not used at this size: its false-positive rate here is above "
                       f"{ALPHA:.0%} ({calibration.describe()})")
        return RuleResult(verdict="inconclusive", reasons=tuple(reasons), nulls=test.nulls_record(), power=power,
                          false_positive_rate=fpr, cloud_points=test.n_core,
                          extra={"beyond_second_order": test.beyond_second_order})
    if test.exists:
        if one_bar:
            ps = ", ".join(f"{k} p = {test.second_p(k):.2g}" for k in EXISTENCE_KINDS if k in test.exceed)
            reasons.append(f"second bar vs nulls: {ps} ({'one long bar' if test.one_long_bar else 'more than one long bar'})")
        verdict = "reproduced" if (test.one_long_bar or not one_bar) else "partly"
    elif power is not None and power >= MIN_POWER:
        verdict = "not reproduced"
    else:
        verdict = "inconclusive"
    so = next((k for k in SECOND_ORDER_KINDS if k in test.nulls), None)
    if so is not None:
        t = test.nulls[so]
        reasons.append(f"beyond second order ({so} null): {t.describe()} -> "
                       f"{'yes' if t.p < ALPHA else 'no: second-order structure reaches the bar'}")
    if power is not None:
        fpr_text = (calibration.describe_fpr() if hasattr(calibration, "describe_fpr") else
                    f"false-positive rate {fpr:.0%} ({calibration.fpr_draws} null clouds)")
        reasons.append(f"power {power:.0%} on {calibration.model_description} "
                       f"({calibration.power_draws} clouds); {fpr_text}")
    else:
        reasons.append("power not calibrated at this size")
    return RuleResult(verdict=verdict, reasons=tuple(reasons), nulls=test.nulls_record(), power=power,
                      false_positive_rate=fpr, cloud_points=test.n_core,
                      extra={"beyond_second_order": test.beyond_second_order})


def circle_answer(result: RuleResult) -> str:
    """The ``circle`` value of ``toponet analyze --json``: yes / partly / no / inconclusive.

    Parameters
    ----------
    result : RuleResult
        The circle rule's verdict (:func:`circle_rule`).

    Returns
    -------
    str
        "yes" (reproduced), "partly" (partly), "no" (not reproduced), else "inconclusive"
        (inconclusive or not tested).
    """
    return {"reproduced": "yes", "partly": "partly", "not reproduced": "no"}.get(result.verdict, "inconclusive")


def beyond_answer(test: CircleTest) -> str:
    """``beyond_second_order``: asked of a circle only (the top bar beats the gaussian and the
    shuffled nulls): "yes" when it also beats the second-order null, else "inconclusive" (no
    calibrated power for this question at every size); "no circle" when there is none to ask
    about (a bar longer than the second-order null's but not than the others' is not a circle).

    Parameters
    ----------
    test : CircleTest
        Its :attr:`CircleTest.exists` and :attr:`CircleTest.beyond_second_order` are read.

    Returns
    -------
    str
        "yes", "inconclusive" (also when no second-order null was run) or "no circle".
    """
    if not test.exists:
        return "no circle"
    return "yes" if test.beyond_second_order else "inconclusive"


def summary_keys(test: CircleTest, rule: RuleResult) -> dict:
    """The keys ``toponet analyze --json`` adds from the rule (the book's rule, same numbers).

    ``nulls``: kind -> {"p", "draws", "effect_size"} (plus the older "p_value", "null_mean",
    "null_sd"); ``circle``: yes / partly / no / inconclusive; ``beyond_second_order``;
    ``power`` and ``false_positive_rate`` of the rule at this size; ``rule_k`` (k after
    :func:`floor_k`); ``rule_reasons``; and the older headline keys (``null_kind``,
    ``null_mean``, ``null_sd``, ``effect_size``, ``p_value``, ``null_repeats``) from the
    existence null with the smaller effect size.

    Parameters
    ----------
    test : CircleTest
        The test the rule decided on.
    rule : RuleResult
        :func:`circle_rule` of ``test``.

    Returns
    -------
    dict
        The keys above. ``null_repeats`` is ``test.draws``. The headline null is the existence
        null with the smaller effect size (a non-finite one counts as +inf; ties go to the
        larger p); its keys are None when no existence null was run.
    """
    nulls = {k: {**t.record(), "p_value": t.p, "null_mean": t.null_mean, "null_sd": t.null_sd}
             for k, t in test.nulls.items()}
    head = min((t for k, t in test.nulls.items() if k in EXISTENCE_KINDS),
               key=lambda t: (t.effect_size if np.isfinite(t.effect_size) else np.inf, -t.p), default=None)
    return {
        "nulls": nulls, "circle": circle_answer(rule), "beyond_second_order": beyond_answer(test),
        "power": rule.power, "false_positive_rate": rule.false_positive_rate, "rule_k": test.k,
        "rule_reasons": list(rule.reasons), "null_repeats": test.draws,
        "null_kind": head.kind if head else None, "null_mean": head.null_mean if head else None,
        "null_sd": head.null_sd if head else None, "effect_size": head.effect_size if head else None,
        "p_value": head.p if head else None,
    }


def aggregate_verdict(verdicts, existence_p=None) -> str:
    """One verdict for a claim made of several parts (F2b: "the circle in all four").

    reproduced: every part reproduced (a conjunction: each part tested at ALPHA keeps the
    claim at level ALPHA). partly: at least one part reproduced or partly, and, when
    ``existence_p`` is given (per part, the largest p of its existence nulls), at least one
    such part whose p is below ALPHA / number of parts (Bonferroni: with m parts, one chance
    hit at ALPHA is up to m times likelier than ALPHA); a part found only at the uncorrected
    level gives inconclusive. not reproduced: every part not reproduced; otherwise inconclusive
    (some part could not have seen it).

    Parameters
    ----------
    verdicts : iterable of str
        One of :data:`VERDICTS` per part.
    existence_p : iterable of float in (0, 1], optional
        Per part, in the order of ``verdicts``, the largest p of its existence nulls. None: no
        Bonferroni condition, one part reproduced or partly makes the claim partly.

    Returns
    -------
    str
        "reproduced", "partly", "not reproduced" or "inconclusive" (also when there are no
        parts).

    Raises
    ------
    ValueError
        When ``existence_p`` does not hold one value per verdict.
    """
    verdicts = list(verdicts)
    if verdicts and all(v == "reproduced" for v in verdicts):
        return "reproduced"
    found = [v in ("reproduced", "partly") for v in verdicts]
    if existence_p is not None:
        existence_p = list(existence_p)
        if len(existence_p) != len(verdicts):
            raise ValueError(f"existence_p has {len(existence_p)} values for {len(verdicts)} parts")
        if any(f and p < ALPHA / len(verdicts) for f, p in zip(found, existence_p)):
            return "partly"
        if any(found):
            return "inconclusive"
    elif any(found):
        return "partly"
    if verdicts and all(v == "not reproduced" for v in verdicts):
        return "not reproduced"
    return "inconclusive"


def combined_record(results, *, nulls: bool = True) -> dict:
    """The statistical fields of one verdict row made of several rule results (parts of a claim).

    Parameters
    ----------
    results : iterable of RuleResult
        The parts' results, in order (the first one's nulls are reported).
    nulls : bool
        Report the first result's nulls; False: ``nulls`` is empty.

    Returns
    -------
    dict
        dict(nulls, power, false_positive_rate, cloud_points) for
        :class:`toponet.verdict_record.Verdict`: the nulls of the first result (a copy, kind ->
        {"p", "draws", "effect_size"}; empty when ``nulls`` is False or there are no results),
        the smallest power (the claim is only as testable as its weakest part), the largest
        false-positive rate and the smallest cloud (points). None where no part has the field.
    """
    results = list(results)
    powers = [r.power for r in results if r.power is not None]
    fprs = [r.false_positive_rate for r in results if r.false_positive_rate is not None]
    sizes = [r.cloud_points for r in results if r.cloud_points is not None]
    return dict(nulls=dict(results[0].nulls) if results and nulls else {}, power=min(powers) if powers else None,
                false_positive_rate=max(fprs) if fprs else None, cloud_points=min(sizes) if sizes else None)
