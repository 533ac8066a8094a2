"""Persistent homology (Vietoris-Rips barcodes) of point clouds, exact or on maxmin landmarks.

Cost, and why landmarks
-----------------------
giotto-ph's ``ripser_parallel`` computes Vietoris-Rips H0 and H1 exactly, but its cost
depends on the cloud, not only on its size: the long bar of a circle dies late (at about
``sqrt(3)`` times the radius), where almost every edge is in the complex. Measured on
normalized filters in R^9 on this project's 2-core CPU while other jobs shared it:

=========================  ==========  =========  =========
cloud                      700 points  1,000      2,000
=========================  ==========  =========  =========
noisy primary circle       4.6 s       11 s       163 s, 4.3 GB
gaussian filters           1.3 s       9.4 s      64 s
Klein-bottle sample        0.5 s       --         5.9 s
=========================  ==========  =========  =========

Edge collapse (``collapse_edges=True``) made it *slower* on these clouds (1,000 points:
51 s against 0.6 s), so it is off. A distance cap would cut the very bar we measure.
Above :data:`EXACT_MAX_POINTS` points we therefore compute the barcode of the
Vietoris-Rips complex of maxmin landmarks (a greedy permutation / farthest-point sample
from a seeded start). If every point lies within ``eps`` (the covering radius, the
Hausdorff distance between landmarks and cloud) of a landmark, then the Gromov-Hausdorff
distance is at most ``eps`` and Rips stability (Chazal, de Silva, Oudot 2014) gives
bottleneck distance at most ``2 eps`` between the landmark diagram and the full one; a
bar's lifetime (death - birth) therefore moves by at most ``4 eps``. Both numbers are in
:attr:`PersistenceResult.method`, so every caption says how close it is.

The bound is honest but can be loose, and the error is real: on 1,500-point clouds with
800 landmarks the top H1 lifetime came out 0.08 lower than exact (two circles, bound 0.71)
and 0.11 lower (primary circle plus one third gaussian filters, bound 1.04). Farthest-point
sampling favours sparse outliers, so landmarks under-sample a dense circle among them and
its bar is born later; on the density-filtered clouds the paper analyses the error is
smaller (0.08 with 600 landmarks on a 1,500-point rho(15, 0.3) core whose exact top
lifetime is 1.33). Prefer exact (``n_landmarks=None``) when
the time is there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toponet._validation import check_cloud, check_int

__all__ = ["EXACT_MAX_POINTS", "AUTO_LANDMARKS", "PersistenceResult", "maxmin_landmarks", "persistence", "lifetimes",
           "top_h1_lifetime", "MAX_EDGES", "DIRECT_MAX_POINTS", "NULL_DIRECT_EDGES", "birth_scales", "enclosing_radius",
           "H1Bounds", "capped_h1", "h1_bounds"]

#: ``n_landmarks="auto"`` computes the exact diagram for clouds up to this many points.
EXACT_MAX_POINTS = 800
#: Landmark counts chosen by ``"auto"`` above :data:`EXACT_MAX_POINTS`: ``n // 20``
#: clipped to this range. Measured on the shared 2-core CPU (load 3-5): 2,000 points
#: (800 landmarks) in under 10 s even for the worst cloud (a tight circle), 20,480
#: points (1,000 landmarks) in about 35 s.
AUTO_LANDMARKS = (800, 1000)


@dataclass(frozen=True)
class PersistenceResult:
    """Vietoris-Rips persistence diagrams of a point cloud.

    Attributes
    ----------
    diagrams : tuple of ndarray, indexed by homology dimension 0..maxdim
        ``diagrams[q]`` has shape (n_bars, 2): birth and death, in the units of the
        cloud (Euclidean distance; a bar enters at the length of the edge creating it).
        The one infinite H0 bar has death ``np.inf``. Bars with death == birth are dropped.
    n_points : int, points in the cloud given
    landmarks : ndarray of shape (n_landmarks,) of int, or None when exact
        Indices into the cloud of the maxmin landmarks the complex was built on.
    covering_radius : float
        Largest distance from a point to its nearest landmark; 0 when exact.
    method : str
        One line for a figure caption: exact, or landmarks with the covering radius and
        the bound on how far the bars can be from the full diagram.
    """

    diagrams: tuple
    n_points: int
    landmarks: np.ndarray | None
    covering_radius: float
    method: str

    @property
    def maxdim(self) -> int:
        return len(self.diagrams) - 1

    @property
    def bottleneck_bound(self) -> float:
        """Upper bound on the bottleneck distance to the full cloud's diagram: 2 eps."""
        return 2.0 * self.covering_radius

    @property
    def lifetime_bound(self) -> float:
        """Upper bound on how much any lifetime (the top one included) can differ from
        the full cloud's: 4 eps."""
        return 4.0 * self.covering_radius

    def lifetimes(self, dim: int) -> np.ndarray:
        """Lifetimes (death - birth) of the finite bars in dimension ``dim``, descending.

        Returns ndarray of shape (n_finite_bars,); the infinite H0 bar is left out.
        """
        dim = check_int(dim, name="dim", low=0)
        if dim > self.maxdim:
            raise ValueError(f"dim={dim} was not computed: this result has dimensions 0..{self.maxdim} "
                             f"(pass maxdim={dim} to persistence)")
        dgm = self.diagrams[dim]
        life = dgm[:, 1] - dgm[:, 0]
        return np.sort(life[np.isfinite(life)])[::-1]

    def top_lifetime(self, dim: int = 1) -> float:
        """The longest finite lifetime in dimension ``dim``; 0.0 when there is no finite bar."""
        life = self.lifetimes(dim)
        return float(life[0]) if life.size else 0.0


def maxmin_landmarks(X, n_landmarks: int, *, seed: int = 0) -> tuple[np.ndarray, float]:
    """Greedy permutation (farthest-point sampling) from a seeded random start.

    Each new landmark is the point farthest from those chosen so far (the first such
    index on ties), which makes the covering radius within a factor 2 of the best
    possible for that many landmarks.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
    n_landmarks : int, 1 <= n_landmarks <= n_points
    seed : int, picks the first landmark

    Returns
    -------
    landmarks : ndarray of shape (n_landmarks,), int64 indices into X, in the order chosen
    covering_radius : float, max over points of the distance to the nearest landmark
    """
    X = check_cloud(X, name="X")
    n = X.shape[0]
    L = check_int(n_landmarks, name="n_landmarks", low=1, high=n)
    landmarks = np.empty(L, dtype=np.int64)
    landmarks[0] = np.random.default_rng(seed).integers(n)
    # Squared distances: same argmax, and no square root per step.
    sq = np.einsum("ij,ij->i", X, X)
    nearest = np.full(n, np.inf)
    for i in range(L):
        c = X[landmarks[i]]
        d = sq - 2.0 * (X @ c) + c @ c
        np.minimum(nearest, d, out=nearest)
        nearest[landmarks[i]] = 0.0     # no negative rounding residue at a landmark
        if i + 1 < L:
            landmarks[i + 1] = int(np.argmax(nearest))
    # Exact covering radius, re-measured directly rather than through the expanded form.
    far = int(np.argmax(nearest))
    eps = float(np.min(np.linalg.norm(X[landmarks] - X[far], axis=1)))
    return landmarks, eps


def _auto_landmarks(n: int) -> int | None:
    if n <= EXACT_MAX_POINTS:
        return None
    lo, hi = AUTO_LANDMARKS
    return int(min(n, max(lo, min(hi, n // 20))))


def _check_n_landmarks(n_landmarks, n: int) -> int | None:
    if isinstance(n_landmarks, str):
        if n_landmarks != "auto":
            raise ValueError(f'n_landmarks must be "auto" or an integer >= 2; got {n_landmarks!r}')
        return _auto_landmarks(n)
    if n_landmarks is None:
        return None
    L = check_int(n_landmarks, name="n_landmarks", low=2)
    return None if L >= n else L


def persistence(X, *, maxdim: int = 1, n_landmarks="auto", seed: int = 0,
                n_threads: int = 2, coeff: int = 2) -> PersistenceResult:
    """Vietoris-Rips persistence diagrams (H0..H``maxdim``) of a point cloud.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        Usually the density-filtered normalized filters; Euclidean distance.
    maxdim : int >= 0
        Highest homology dimension.
    n_landmarks : "auto", int >= 2, or None
        ``"auto"``: exact up to :data:`EXACT_MAX_POINTS` points, otherwise
        ``n // 20`` maxmin landmarks clipped to :data:`AUTO_LANDMARKS`. An int forces
        that many landmarks (exact when it is >= n_points); None forces exact.
    seed : int
        Start of the maxmin landmark sequence (the only random step).
    n_threads : int
        Threads for giotto-ph (-1: all cores).
    coeff : int, a prime
        Homology with coefficients in Z/coeff (default Z/2). The Klein bottle tells them
        apart: two H1 classes over Z/2, one over Z/3 (chapter 00's exercise).

    Returns
    -------
    PersistenceResult
    """
    from gph import ripser_parallel

    X = check_cloud(X, name="X", min_points=1)
    n = X.shape[0]
    maxdim = check_int(maxdim, name="maxdim", low=0)
    n_threads = check_int(n_threads, name="n_threads", low=-1)
    coeff = check_int(coeff, name="coeff", low=2)
    if any(coeff % d == 0 for d in range(2, int(coeff ** 0.5) + 1)):
        raise ValueError(f"coeff must be a prime (homology over the field Z/coeff); got {coeff}")
    if n_threads == 0:
        raise ValueError("n_threads must be a positive thread count or -1 (all cores); got 0")
    L = _check_n_landmarks(n_landmarks, n)
    if L is None:
        landmarks, eps, points = None, 0.0, X
        method = f"Vietoris-Rips on all {n:,} points (exact)"
    else:
        landmarks, eps = maxmin_landmarks(X, L, seed=seed)
        points = X[landmarks]
        method = (f"Vietoris-Rips on {L:,} maxmin landmarks of {n:,} points (covering radius "
                  f"{eps:.3g}; bars within {2 * eps:.2g} of the full diagram, lifetimes within {4 * eps:.2g})")
    raw = ripser_parallel(points, maxdim=maxdim, coeff=coeff, collapse_edges=False,
                          n_threads=n_threads)["dgms"]
    diagrams = []
    for q in range(maxdim + 1):
        dgm = np.asarray(raw[q], dtype=np.float64).reshape(-1, 2) if q < len(raw) else np.empty((0, 2))
        dgm = dgm[dgm[:, 1] > dgm[:, 0]]
        dgm.setflags(write=False)
        diagrams.append(dgm)
    if landmarks is not None:
        landmarks.setflags(write=False)
    return PersistenceResult(diagrams=tuple(diagrams), n_points=n, landmarks=landmarks,
                             covering_radius=float(eps), method=method)


def lifetimes(result: PersistenceResult, dim: int) -> np.ndarray:
    """Finite lifetimes of ``result`` in dimension ``dim``, descending.

    See :meth:`PersistenceResult.lifetimes`.

    Parameters
    ----------
    result : PersistenceResult
        From :func:`persistence`.
    dim : int, 0 <= dim <= result.maxdim
        Homology dimension.

    Returns
    -------
    ndarray of shape (n_finite_bars,), float64
        Death - birth per finite bar, in the units of the cloud (Euclidean distance); the
        infinite H0 bar is left out.

    Raises
    ------
    TypeError
        ``result`` is not a :class:`PersistenceResult`.
    ValueError
        ``dim`` negative or above the dimensions computed.
    """
    if not isinstance(result, PersistenceResult):
        raise TypeError(f"result must be a PersistenceResult (from persistence()); got {type(result).__name__}")
    return result.lifetimes(dim)


def top_h1_lifetime(X_or_result, **kw) -> float:
    """Lifetime of the most persistent H1 class: the paper's "topological simplicity".

    Parameters
    ----------
    X_or_result : PersistenceResult, or array-like of shape (n_points, n_features)
        A cloud is passed to :func:`persistence` with ``kw``.

    Returns
    -------
    float, in the cloud's units; 0.0 when there is no H1 bar.
    """
    if isinstance(X_or_result, PersistenceResult):
        if kw:
            raise TypeError(f"keyword arguments {sorted(kw)} apply only when a cloud is given, not a result")
        return X_or_result.top_lifetime(1)
    kw.setdefault("maxdim", 1)
    if kw["maxdim"] < 1:
        raise ValueError(f"top_h1_lifetime needs maxdim >= 1; got maxdim={kw['maxdim']}")
    return persistence(X_or_result, **kw).top_lifetime(1)


# --- exact-by-bounds H1: capped Rips with a proof of what the cap cannot hide -------------
# Why: exact Rips on a 1,920-point dense core of a noisy circle took 94 s and 4.5 GB here
# (the memory peaks as the scale approaches the enclosing radius), while a gaussian core of
# the same size took 4 s. A Rips computation capped at scale T gives every H1 bar born
# below T, exactly when it also dies below T, and with death "> T" otherwise. Two facts
# bound what the cap hides:
#   * at the enclosing radius R = min_x max_y |x - y| the Rips complex is a cone (the centre
#     is joined to every point), so every H1 class dies by R;
#   * hence a bar alive at T with birth b has lifetime in [T - b, R - b], and a bar born
#     at or after T has lifetime at most R - T.
# A third fact bounds *when* a bar can be born (:func:`birth_scales`): an edge uw of length
# b whose lens holds a point x (|ux| < b and |wx| < b) enters together with the triangle
# uwx, so any cycle through uw is homologous to one through x in shorter edges and no bar is
# born at b. Bars are born only at "lonely" edges (empty lens); above the longest lonely
# edge below R nothing is hidden, and a cap there is exact for every bar that died below it.
# On the 1,920-point F2 null cores the longest lonely edge was at 0.65-0.84 (R 1.7-1.9):
# a shuffled null's exact top bar in 1.2 s at T = 0.9 instead of 7.3 s for the full complex.
# Raising T until these intervals settle the question asked gives exact answers at a
# fraction of the cost: the same 1,920-point circle core is settled at T = 1.6 in about 40 s
# and 1 GB, a gaussian core's "is the top bar shorter than 0.82?" at T = 1.05 in 0.5 s.

#: Scales tried in turn by :func:`h1_bounds` (units of the normalized cloud: unit vectors,
#: distances in [0, 2]); the enclosing radius ends the list and gives the exact diagram.
CAP_SCHEDULE = (0.5, 0.7, 0.9, 1.05, 1.2, 1.35, 1.5, 1.65, 1.8)
#: Scales for an exact top lifetime (``top=True``): settling the top needs a cap near its
#: death and R - T below it, so few, higher rungs cost less than the fine schedule (each rung
#: is a fresh computation): a 1,920-point circle core 79 s instead of 176 s.
TOP_SCHEDULE = (0.9, 1.35, 1.65, 1.8)
#: Default edge budget of :func:`h1_bounds`: it stops raising the cap when a Rips complex
#: would hold more edges than this. Measured on a 1,920-point noisy-circle core: 1.0 M edges
#: (T = 1.5) 0.8 GB; all 1.84 M edges 4.5 GB. The budget keeps a process under ~2 GB.
MAX_EDGES = 1_300_000
#: :func:`h1_bounds` computes clouds up to this size exactly in one run (a few ms to ~0.3 s).
DIRECT_MAX_POINTS = 300
#: Edge budget for one direct exact run of a *null* cloud (``h1_bounds(direct_edges=...)``):
#: without the birth certificate the whole complex in one run; with it, only the fallback when
#: the certified rungs hit ``max_edges`` unsettled. The measurements below predate the certificate.
#: A null cloud has no long bar, so no rung below R - v can prove "its top bar is shorter
#: than v" for the small v of a second-bar test: the rungs are pure overhead. Measured on the
#: 1,920-point rho(200, 0.3) cores of 100 x M(64,32,64)'s null clouds (1.7 M edges): shuffled
#: 1.1 GB and 10 s direct vs 20 s through the rungs; covariance-matched (circle-like) 2.0 GB
#: and 20 s vs 1.5 GB and 35 s (one thread, load 4 on 2 cores).
NULL_DIRECT_EDGES = 2_000_000
#: :func:`birth_scales` (the birth certificate) runs on clouds up to this size: it holds the
#: dense n x n distance matrix (8 n^2 bytes, 200 MB at 5,000 points).
CERTIFY_MAX_POINTS = 5000
#: With the certificate, :func:`h1_bounds` starts at the first schedule rung at least this far
#: above the longest lonely edge (F2's null cores: 1.3 s per gaussian or shuffled cloud, one
#: rung, instead of two or three rungs from the lonely edge itself).
CERTIFIED_MARGIN = 0.05
#: Distances are float64 here and float32 inside giotto-ph: every comparison the certificate
#: makes is widened by this much, so rounding can only make it more conservative.
_TOL = 1e-5


def _distance_matrix(X: np.ndarray) -> np.ndarray:
    sq = np.einsum("ij,ij->i", X, X)
    D = sq[:, None] - 2.0 * (X @ X.T) + sq[None, :]
    np.maximum(D, 0.0, out=D)
    np.sqrt(D, out=D)
    np.fill_diagonal(D, 0.0)
    return D


def birth_scales(X, *, neighbours: int = 8) -> np.ndarray:
    """Lengths of the "lonely" edges: the only scales at which a Rips H1 bar can be born.

    An edge uw of length b is lonely when no point x has |ux| < b and |wx| < b (empty lens).
    A non-lonely edge enters with a triangle uwx whose other edges are shorter, so H1 just
    below b maps onto H1 at b unless a lonely edge has length b: every H1 birth is the
    length of a lonely edge. Each edge is first checked against the ``neighbours`` nearest
    points of its lower endpoint, then the survivors against every point.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        At least 2 and at most :data:`CERTIFY_MAX_POINTS` points (ValueError above: it holds
        the dense n x n distance matrix); Euclidean distances.
    neighbours : int >= 1
        Nearest points of an edge's lower endpoint its lens is checked against first (capped
        at ``n_points - 1``); only the edges that survive are checked against every point. It
        changes the cost, not the result.

    Returns
    -------
    ndarray of shape (n_lonely,), float64, ascending
        The lonely edges' lengths, in the units of ``X``. An edge counts as lonely unless a
        lens point beats it by more than ``1e-5`` (float32 rounding inside giotto-ph), so the
        list is a superset of the true one.
    """
    X = check_cloud(X, name="X", min_points=2)
    n = X.shape[0]
    if n > CERTIFY_MAX_POINTS:
        raise ValueError(f"birth_scales holds an n x n distance matrix: at most {CERTIFY_MAX_POINTS} "
                         f"points; got {n}")
    m = min(check_int(neighbours, name="neighbours", low=1), n - 1)
    D = _distance_matrix(X)
    nn = np.argpartition(D, m, axis=1)[:, :m + 1]          # includes the point itself: harmless,
    cols = np.arange(n)                                     # max(|uu|, |uw|) = b is not < b - tol
    us, ws = [], []
    for start in range(0, n, 64):
        U = np.arange(start, min(n, start + 64))
        dux = np.take_along_axis(D[U], nn[U], axis=1)                               # (c, m+1)
        lens = np.min(np.maximum(dux[:, :, None], D[nn[U]]), axis=1)                # (c, n)
        b = D[U]
        i, w = np.nonzero((lens >= b - _TOL) & (cols[None, :] > U[:, None]))
        us.append(U[i])
        ws.append(w)
    us, ws = np.concatenate(us), np.concatenate(ws)
    lonely = np.zeros(us.size, dtype=bool)
    for start in range(0, us.size, 256):                    # the survivors against every point
        u, w = us[start:start + 256], ws[start:start + 256]
        b = D[u, w]
        lonely[start:start + 256] = np.min(np.maximum(D[u], D[w]), axis=1) >= b - _TOL
    return np.sort(D[us[lonely], ws[lonely]])


def enclosing_radius(X) -> float:
    """The enclosing radius: min over points of the largest distance to another point.

    All Rips homology in degree >= 1 is dead at this scale (the complex is a cone). Distances
    come from the expanded squared form ``|x|^2 - 2 x.y + |y|^2``, 1,024 rows at a time (memory
    O(1024 n)).

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        At least one point, finite; Euclidean distance.

    Returns
    -------
    float
        In the units of ``X``; 0.0 for a single point.
    """
    X = check_cloud(X, name="X", min_points=1)
    sq = np.einsum("ij,ij->i", X, X)
    best = np.inf
    for start in range(0, X.shape[0], 1024):  # rows in chunks: memory O(1024 n)
        rows = X[start:start + 1024]
        d2 = sq[start:start + 1024, None] - 2.0 * rows @ X.T + sq[None, :]
        best = min(best, float(np.max(d2, axis=1).min()))
    return float(np.sqrt(max(best, 0.0)))


def _edges_below(X: np.ndarray, t: float) -> int:
    sq = np.einsum("ij,ij->i", X, X)
    count = 0
    for start in range(0, X.shape[0], 1024):
        rows = X[start:start + 1024]
        d2 = sq[start:start + 1024, None] - 2.0 * rows @ X.T + sq[None, :]
        count += int(np.count_nonzero(d2 <= t * t))
    return (count - X.shape[0]) // 2


@dataclass(frozen=True)
class H1Bounds:
    """What a Rips computation capped at ``thresh`` proves about the H1 lifetimes.

    Attributes
    ----------
    lower, upper : ndarray of shape (n_bars,)
        Bounds on the lifetime of every H1 bar born below ``thresh``, sorted by ``lower``
        descending (exact bars have lower == upper).
    hidden : float
        Upper bound on the lifetime of any bar born at or after ``thresh`` (``R - thresh``;
        0 when the cap reached the enclosing radius ``R``).
    thresh, enclosing_radius : float
    n_points : int
    """

    lower: np.ndarray
    upper: np.ndarray
    hidden: float
    thresh: float
    enclosing_radius: float
    n_points: int

    @property
    def exact(self) -> bool:
        """True when every bar is known exactly: the cap reached the enclosing radius, or
        the birth certificate hides nothing above it and every bar died below it."""
        return self.hidden <= 0.0 and bool(np.all(self.upper <= self.lower))

    def top(self, rank: int = 1) -> tuple[float, float]:
        """(lower, upper) bounds of the ``rank``-th longest H1 lifetime (rank 1 = the top)."""
        rank = check_int(rank, name="rank", low=1)
        lo = np.sort(self.lower)[::-1]
        up = np.sort(np.concatenate([self.upper, [self.hidden] * rank]))[::-1]
        return (float(lo[rank - 1]) if lo.size >= rank else 0.0, float(up[rank - 1]))

    def at_least(self, value: float, rank: int = 1) -> bool | None:
        """Is the ``rank``-th longest H1 lifetime >= ``value``? True/False when this cap
        proves it, None when it cannot tell."""
        lo, hi = self.top(rank)
        if lo >= value:
            return True
        if hi < value:
            return False
        return None

    def top_settled(self) -> bool:
        """True when the top lifetime is known exactly."""
        lo, hi = self.top(1)
        return hi <= lo


def capped_h1(X, thresh: float, *, radius: float | None = None, n_threads: int = 1,
              births: np.ndarray | None = None) -> H1Bounds:
    """H1 lifetime bounds from Rips persistence of ``X`` capped at scale ``thresh``.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        At least one point; Euclidean distances.
    thresh : float > 0
        The cap, in the units of ``X``; a scale at or above the enclosing radius R is exact
        (the cap is lowered to R, and the run at R is uncapped).
    radius : float or None
        The enclosing radius of ``X`` (:func:`enclosing_radius`) if already known (used as
        given, not checked); None computes it.
    n_threads : int
        Threads of giotto-ph's ``ripser_parallel``.
    births : ndarray of shape (n_lonely,), ascending, or None
        :func:`birth_scales` of ``X``, if known: a bar born above the cap must be born at
        one of them, so ``hidden`` shrinks to R minus the shortest lonely edge above the cap
        (0 when there is none below R). None: ``hidden`` is ``R - thresh`` (0 when the cap
        reaches R).

    Returns
    -------
    H1Bounds
        ``lower``/``upper`` for every bar born below the cap (a bar still alive at the cap:
        ``thresh - birth`` to ``R - birth``; a bar that died below it: exact), ``hidden``,
        the cap used (``thresh`` clipped to R) and R.
    """
    from gph import ripser_parallel

    X = check_cloud(X, name="X", min_points=1)
    R = enclosing_radius(X) if radius is None else float(radius)
    t = float(thresh)
    if not t > 0:
        raise ValueError(f"thresh must be > 0; got {thresh!r}")
    t = min(t, R)
    dgm = np.asarray(ripser_parallel(X, maxdim=1, thresh=t if t < R else np.inf, collapse_edges=False,
                                     n_threads=n_threads)["dgms"][1], dtype=np.float64).reshape(-1, 2)
    birth, death = dgm[:, 0], dgm[:, 1]
    alive = ~np.isfinite(death) | (death > t)
    lower = np.where(alive, t - birth, death - birth)
    upper = np.where(alive, R - birth, death - birth)
    keep = upper > 0
    order = np.argsort(-lower[keep], kind="stable")
    lower, upper = lower[keep][order], upper[keep][order]
    hidden = 0.0 if t >= R else R - t
    if births is not None and hidden > 0:
        later = births[(births >= t - _TOL) & (births < R + _TOL)]
        hidden = min(hidden, R - float(later[0]) + _TOL) if later.size else 0.0
    for a in (lower, upper):
        a.setflags(write=False)
    return H1Bounds(lower=lower, upper=upper, hidden=float(hidden), thresh=t, enclosing_radius=R,
                    n_points=int(X.shape[0]))


def h1_bounds(X, *, questions=(), top: bool | int = False, max_edges: int | None = MAX_EDGES,
              schedule=None, n_threads: int = 1, direct_edges: int | None = None,
              certify: bool = True) -> H1Bounds:
    """Capped Rips at rising scales (``schedule``, then the enclosing radius) until settled.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        At least one point; Euclidean distances.
    questions : iterable of (rank, value)
        Stop once :meth:`H1Bounds.at_least` answers every "is the rank-th longest H1
        lifetime >= value?" (e.g. ``[(1, 0.82)]``: is a null cloud's top bar as long as
        the observed one?).
    top : bool or int
        Also require the top lifetime exactly (an int r: the r longest lifetimes). With no
        question and ``top=False`` the cap rises until every bar is exact.
    max_edges : int or None
        Do not run a complex with more edges than this (memory); the last bounds are
        returned unsettled. None: no limit.
    schedule : sequence of float or None
        Scales to try, in the units of ``X`` (those below the enclosing radius, in the order
        given; the enclosing radius is always the last); None: :data:`TOP_SCHEDULE` with
        ``top``, else :data:`CAP_SCHEDULE` (with the certificate always
        :data:`CAP_SCHEDULE`, see ``certify``).
    n_threads : int
        Threads of giotto-ph's ``ripser_parallel`` in each capped run (:func:`capped_h1`).
    direct_edges : int or None
        Without the certificate: when the whole complex has at most this many edges, skip
        the schedule and compute the exact diagram in one run (for null clouds:
        :data:`NULL_DIRECT_EDGES`). With it: the edge budget of that last, exact run when
        the certified rungs stopped at ``max_edges`` unsettled.
    certify : bool
        Compute :func:`birth_scales` (clouds of :data:`DIRECT_MAX_POINTS` to
        :data:`CERTIFY_MAX_POINTS` points) and start just above the longest lonely edge
        below R, where no cap hides a bar (default schedule then :data:`CAP_SCHEDULE`, with
        or without ``top``); the answers are the same, only cheaper.

    Returns
    -------
    H1Bounds of the last capped run; ask it :meth:`H1Bounds.at_least` / ``top_settled``.
    """
    X = check_cloud(X, name="X", min_points=1)
    questions = [(check_int(r, name="rank", low=1), float(v)) for r, v in questions]
    if direct_edges is not None:
        direct_edges = check_int(direct_edges, name="direct_edges", low=0)
    given = schedule
    if schedule is None:
        schedule = TOP_SCHEDULE if top else CAP_SCHEDULE
    R = enclosing_radius(X)
    n = X.shape[0]
    births = birth_scales(X) if certify and DIRECT_MAX_POINTS < n <= CERTIFY_MAX_POINTS else None
    if births is not None:
        # The shortest cap that hides nothing is just above the longest lonely edge below R,
        # but a bar is usually born right there and still alive: start one margin above it,
        # on the fine schedule (each rung costs about what its edges do).
        below = births[births < R]
        start = float(below[-1]) + CERTIFIED_MARGIN if below.size else 0.0
        steps = CAP_SCHEDULE if given is None else schedule
        scales = [t for t in steps if start <= t < R] + [R]
    else:
        # Small clouds: one exact run costs less than the fixed cost of several capped ones.
        direct = n <= DIRECT_MAX_POINTS or (direct_edges is not None and _edges_below(X, R) <= direct_edges)
        scales = ([] if direct else [t for t in schedule if t < R]) + [R]
    result = None
    for t in scales:
        if max_edges is not None and result is not None and _edges_below(X, t) > max_edges:
            if not (births is not None and direct_edges is not None and _edges_below(X, R) <= direct_edges):
                break
            t = R   # the certified rungs ran out of budget: one exact run within direct_edges
        result = capped_h1(X, t, radius=R, n_threads=n_threads, births=births)
        settled = all(result.at_least(v, r) is not None for r, v in questions)
        exact = all(result.top(r)[1] <= result.top(r)[0] for r in range(1, int(top) + 1))
        if ((questions or top) and settled and exact) or result.exact or t >= R:
            break
    return result
