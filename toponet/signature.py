"""The Klein bottle's signature: persistent homology over Z/2 and over Z/3 (issue 25).

Used by chapters 03 and 08 (to be integrated there). Part of the maths core: it imports
:mod:`toponet.homology`, :mod:`toponet.ideal` and (in :func:`null_threshold`) the threshold
rule of :mod:`toponet.calibration`, nothing above them.

Why two fields
--------------
A Klein bottle has H1 = Z + Z/2 over the integers: one loop of infinite order and one of
order two. Over the field Z/2 the class of order two survives, over Z/3 it dies (2 is
invertible mod 3). So a Klein bottle shows **2** long H1 bars over Z/2 and **1** over Z/3,
and its surface class (H2) shows over Z/2 only: H2 ranks 1 and 0. A torus has no torsion:
H1 rank 2 and H2 rank 1 over both fields. The three-circle model of the paper (the primary
circle and two secondary circles, each meeting it in two points, :func:`toponet.ideal.circles_sample`)
is a graph with five independent loops: H1 rank 5 and H2 rank 0 over both.
:func:`klein_answer` reads these rank patterns; :func:`signature` counts the long bars
they are made of; :func:`null_threshold` says what "long" means.

What "long" means, and what it does not catch
---------------------------------------------
A bar is long when its lifetime beats the ``1 - alpha`` quantile of the top lifetime of
i.i.d. gaussian clouds with as many points as the complex has vertices (the landmark count
when the cloud is landmarked), normalized as filters are (mean-zero, unit norm:
:func:`toponet.ideal.gaussian_filters`). The null clouds are *not* landmarked: maxmin
landmarks of a gaussian cloud are more evenly spread than i.i.d. points and have shorter bars
(top H1 lifetime 0.18-0.20 for 500 landmarks of 4,000 gaussian filters against 0.25-0.29 for
500 i.i.d. ones, 8 and 10 draws), so the i.i.d. null is the stricter one, and it is needed:
a Klein bottle's own sampling bars on landmarks reach 0.21-0.30 (below), above the
landmarked null.

Measured on the 9-D Klein bottle of :mod:`toponet.ideal` (this machine, 2 shared cores,
one thread; lifetimes in the units of the unit sphere of R^9):

* **Sample it densely and take maxmin landmarks.** Its filters, uniform in (theta1, theta2),
  crowd where the parametrization contracts: exact Rips on 300 of them gives four H1 bars of
  0.70-0.75 over both fields, on 800 the second Z/3 bar is still 0.64. Maxmin landmarks
  (:func:`toponet.homology.maxmin_landmarks`) spread them evenly, and the denser the sample
  they are taken from, the more evenly. 300 landmarks of 20,000 points give H1 lifetimes
  0.75-0.77 (twice over Z/2, once over Z/3) and at most 0.21 next (seeds 0-4), against a
  gaussian null of about 0.29-0.31 at 300 points: the pattern (2, 1) with room to spare
  (400 landmarks: 0.80 and at most 0.19; 500: 0.81-0.84 and at most 0.20). From a 4,000-point
  sample the second Z/3 bar (the class of order two, alive until the sampled surface closes
  up) reaches 0.30 at 300 landmarks and 0.29 at 500, from 10,000 points 0.27 at 400: too
  near the null. H1 of 300 landmarks takes 0.5-1 s per field.
* **H2 is read on fewer landmarks** (:data:`H2_LANDMARKS`), because its cost grows fast:
  H2 of 200 landmarks takes 0.9 s over Z/2 and 1.5 s over Z/3 (1.7 s and 2.2 s with the two
  cores shared at load 7), of 300 landmarks 4.7 s and 7.6 s, of 400 landmarks 9 s and 16 s
  (Klein bottle); a gaussian null cloud of 200 points in R^9 0.7-0.9 s (1.2 s at load 7);
  the torus (below) 0.8 s at 200 and 2 s at 300.
* **The Rips filtration of a Klein bottle has more H2 than the surface.** Besides the surface
  class (lifetime 0.68-0.84 over Z/2, born when the sampled surface closes up), the 9-D Klein
  bottle shows four or five H2 bars of lifetime 0.28-0.30 over *both* fields, born at
  1.06-1.09, after its H1 bars have died, at 200, 300 and 400 landmarks and with noise up to
  0.05: a property of the Rips complex at that scale, not sampling noise. They beat the
  gaussian H2 null (0.18-0.19 at 200 points in R^9), so with that threshold its H2 reads 5
  over Z/2 and 5 over Z/3 (200 landmarks of 20,000 points) and :func:`klein_answer` says
  "other". The pattern (1, 0) reads for any H2 threshold above the extra bars and below the
  surface class: 0.31-0.69 on 200 landmarks of 4,000 points, 0.29-0.75 of 20,000; the tests
  check 0.35 and 0.6. The torus and the three-circle model have no such bars (at most 0.07;
  the torus's H2 null in R^5 is 0.30, its surface class 0.76).
* **The landmark bound certifies none of this.** 300 landmarks of 20,000 points have a
  covering radius of 0.23, so :attr:`toponet.homology.PersistenceResult.lifetime_bound`
  (0.91) exceeds the Klein bottle's bars: the readings above rest on the known answers
  measured here, not on the stability bound.

The torus of the tests and of :func:`torus_sample` is the flat (Clifford) torus
``(cos a, sin a, cos b, sin b) / sqrt(2)``, placed in the mean-zero hyperplane of R^5 so that
it is normalized like filters and its null is ``gaussian_filters(n, dim=5)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toponet._validation import check_cloud, check_int
from toponet.homology import PersistenceResult, persistence
from toponet.ideal import gaussian_filters

__all__ = ["H2_LANDMARKS", "ANSWERS", "PATTERNS", "field_persistence", "long_bars", "Signature", "signature",
           "klein_answer", "signature_text", "null_threshold", "torus_sample", "CORE_LANDMARKS", "core_signature"]

#: Field coefficients the signature compares: the class of order two counts over Z/2 only.
COEFFS = (2, 3)
#: Landmarks for H2 when ``n_landmarks`` is None (see the module docstring for the cost).
H2_LANDMARKS = 200
#: What :func:`klein_answer` can answer.
ANSWERS = ("klein bottle", "torus", "three circles", "circle", "none", "other")
#: Ranks (H1 over Z/2, over Z/3; H2 over Z/2, over Z/3) of each named pattern.
PATTERNS = {
    "klein bottle": ((2, 1), (1, 0)),
    "torus": ((2, 2), (1, 1)),
    "three circles": ((5, 5), (0, 0)),
    "circle": ((1, 1), (0, 0)),
    "none": ((0, 0), (0, 0)),
}


def _check_coeff(coeff) -> int:
    coeff = check_int(coeff, name="coeff", low=2)
    factor = next((d for d in range(2, int(coeff ** 0.5) + 1) if coeff % d == 0), None)
    if factor is not None:
        raise ValueError(f"coeff must be a prime (homology over the field Z/coeff); got coeff={coeff} "
                         f"= {factor} x {coeff // factor}, and Z/{coeff} is not a field")
    return coeff


def _check_maxdim(maxdim) -> int:
    maxdim = check_int(maxdim, name="maxdim")
    if maxdim not in (1, 2):
        raise ValueError(f"maxdim must be 1 (H1) or 2 (H1 and H2); got maxdim={maxdim}")
    return maxdim


def field_persistence(X, *, coeff: int, maxdim: int = 1, n_landmarks: int | None = None,
                      seed: int = 0) -> PersistenceResult:
    """Vietoris-Rips diagrams of ``X`` with coefficients in the field Z/``coeff``.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        At least 2 points, finite; Euclidean distance.
    coeff : int, a prime
        2 and 3 are the pair that tells a Klein bottle from a torus.
    maxdim : {1, 2}
        1: H1; 2: H1 and H2.
    n_landmarks : int >= 2, or None
        An int computes the complex on that many maxmin landmarks of ``X`` (exact when it
        is at least ``n_points``). None: exact for ``maxdim=1``; for ``maxdim=2``
        :data:`H2_LANDMARKS` landmarks when the cloud is larger, because H2 costs grow
        fast (200 points 1-1.5 s, 300 points 5-8 s, 400 points 9-16 s on this machine).
    seed : int
        Start of the maxmin landmark sequence.

    Returns
    -------
    PersistenceResult
        ``diagrams[1]`` (and ``diagrams[2]`` when ``maxdim=2``) of shape (n_bars, 2),
        birth and death in the units of ``X``; ``method`` says exact or landmarks, with
        the covering radius. Computed with one thread.

    Raises
    ------
    ValueError
        ``coeff`` not a prime, ``maxdim`` not 1 or 2, ``X`` not 2-D, with fewer than 2
        points or NaN/inf values, ``n_landmarks`` below 2.
    """
    coeff = _check_coeff(coeff)
    maxdim = _check_maxdim(maxdim)
    X = check_cloud(X, name="X", min_points=2)
    seed = check_int(seed, name="seed", low=0)
    if n_landmarks is None:
        n_landmarks = H2_LANDMARKS if maxdim == 2 and X.shape[0] > H2_LANDMARKS else None
    else:
        n_landmarks = check_int(n_landmarks, name="n_landmarks", low=2)
        if n_landmarks >= X.shape[0]:
            n_landmarks = None
    return persistence(X, maxdim=maxdim, n_landmarks=n_landmarks, seed=seed, n_threads=1, coeff=coeff)


def long_bars(diagram, *, threshold: float) -> int:
    """The number of bars of ``diagram`` whose lifetime (death - birth) exceeds ``threshold``.

    Parameters
    ----------
    diagram : array-like of shape (n_bars, 2)
        Birth and death per bar; an infinite death counts as long.
    threshold : float >= 0, in the units of the diagram
    """
    D = np.asarray(diagram, dtype=np.float64).reshape(-1, 2) if np.size(diagram) else np.empty((0, 2))
    if np.isnan(D).any():
        raise ValueError("diagram contains NaN births or deaths")
    return int(np.sum(D[:, 1] - D[:, 0] > _check_threshold(threshold, "threshold")))


def _check_threshold(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a lifetime (a number); got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite lifetime >= 0; got {value}")
    return value


def _lifetimes(result: PersistenceResult, dim: int) -> tuple[float, ...]:
    return tuple(float(v) for v in result.lifetimes(dim))


@dataclass(frozen=True)
class Signature:
    """Lifetimes over Z/2 and Z/3 and the long bars among them: the Klein bottle's signature.

    Attributes
    ----------
    z2_h1, z3_h1 : tuple of float
        Finite H1 lifetimes over Z/2 and over Z/3, descending.
    z2_h2, z3_h2 : tuple of float, or None
        The same for H2; None when H2 was not computed.
    threshold_h1, threshold_h2 : float, float or None
        A bar is long when its lifetime exceeds this (see :func:`null_threshold`).
    method_h1, method_h2 : str, str or None
        How each complex was built (exact, or landmarks with the covering radius).
    """

    z2_h1: tuple
    z3_h1: tuple
    z2_h2: tuple | None
    z3_h2: tuple | None
    threshold_h1: float
    threshold_h2: float | None
    method_h1: str
    method_h2: str | None

    def lifetimes(self, dim: int, coeff: int) -> np.ndarray:
        """Lifetimes in dimension ``dim`` (1 or 2) over Z/``coeff`` (2 or 3), descending;
        shape (n_bars,)."""
        held = {(1, 2): self.z2_h1, (1, 3): self.z3_h1, (2, 2): self.z2_h2, (2, 3): self.z3_h2}
        if (dim, coeff) not in held:
            raise ValueError(f"a signature holds dim 1 or 2 over coeff 2 or 3; got dim={dim}, coeff={coeff}")
        life = held[dim, coeff]
        if life is None:
            raise ValueError("H2 was not computed: pass threshold_h2 to signature()")
        return np.asarray(life, dtype=np.float64)

    def rank(self, dim: int, coeff: int) -> int:
        """Long bars in dimension ``dim`` over Z/``coeff``: the rank the signature reads."""
        threshold = self.threshold_h1 if dim == 1 else self.threshold_h2
        return int(np.sum(self.lifetimes(dim, coeff) > threshold))

    @property
    def h1_ranks(self) -> tuple[int, int]:
        """(long H1 bars over Z/2, over Z/3)."""
        return self.rank(1, 2), self.rank(1, 3)

    @property
    def h2_ranks(self) -> tuple[int, int] | None:
        """(long H2 bars over Z/2, over Z/3), or None when H2 was not computed."""
        return None if self.z2_h2 is None else (self.rank(2, 2), self.rank(2, 3))


def signature(X, *, threshold_h1: float, threshold_h2: float | None = None, n_landmarks: int | None = None,
              n_landmarks_h2: int | None = H2_LANDMARKS, seed: int = 0) -> Signature:
    """Persistence of ``X`` over Z/2 and Z/3, and the long bars of each.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
    threshold_h1 : float >= 0
        H1 bars longer than this are long. Honest choice: the larger of
        ``null_threshold(m, coeff=2, dim=1, ...)`` and ``coeff=3``, with ``m`` the number of
        vertices of the complex (``n_landmarks``, or ``n_points`` when exact).
    threshold_h2 : float >= 0, or None
        The same for H2; None skips H2 (it costs most). Read the module docstring before
        taking the gaussian null here: a Klein bottle's Rips complex has H2 bars of lifetime
        about 0.3 over both fields that beat it.
    n_landmarks : int or None
        Vertices of the H1 complex (see :func:`field_persistence`; None: exact). For the
        9-D Klein bottle take 300 landmarks of a 20,000-point sample (module docstring).
    n_landmarks_h2 : int or None
        Vertices of the H2 complex (None: exact, which is slow above a few hundred points).
    seed : int
        Start of the maxmin landmark sequence.

    Returns
    -------
    Signature
    """
    t1 = _check_threshold(threshold_h1, "threshold_h1")
    t2 = None if threshold_h2 is None else _check_threshold(threshold_h2, "threshold_h2")
    X = check_cloud(X, name="X", min_points=2)
    h1 = {c: field_persistence(X, coeff=c, maxdim=1, n_landmarks=n_landmarks, seed=seed) for c in COEFFS}
    h2 = {}
    if t2 is not None:
        L2 = X.shape[0] if n_landmarks_h2 is None else n_landmarks_h2
        h2 = {c: field_persistence(X, coeff=c, maxdim=2, n_landmarks=L2, seed=seed) for c in COEFFS}
    return Signature(z2_h1=_lifetimes(h1[2], 1), z3_h1=_lifetimes(h1[3], 1),
                     z2_h2=_lifetimes(h2[2], 2) if h2 else None, z3_h2=_lifetimes(h2[3], 2) if h2 else None,
                     threshold_h1=t1, threshold_h2=t2,
                     method_h1=h1[2].method, method_h2=h2[2].method if h2 else None)


def klein_answer(sig: Signature) -> str:
    """Which rank pattern ``sig`` shows: one of :data:`ANSWERS`.

    The ranks are the long-bar counts (H1 over Z/2, over Z/3; H2 over Z/2, over Z/3). Each
    answer needs its H1 pair exactly, and its H2 pair exactly when H2 was computed (without
    H2 the answer rests on H1 alone):

    ``"klein bottle"``: H1 (2, 1), H2 (1, 0). One loop of infinite order and one of order
        two (counted over Z/2, a boundary over Z/3), and a surface class over Z/2 only. The
        homology of a Klein bottle, or of any space with the same ranks (a projective plane
        with a circle attached has them too): ranks cannot tell these apart.
    ``"torus"``: H1 (2, 2), H2 (1, 1). Two loops and a surface, no torsion (also the ranks
        of a sphere with two circles attached).
    ``"three circles"``: H1 (5, 5), H2 (0, 0). Five independent loops: the paper's
        primary circle with two secondary circles, each meeting it in two points (any graph
        with five independent cycles has these ranks).
    ``"circle"``: H1 (1, 1), H2 (0, 0). One loop, e.g. the primary circle alone.
    ``"none"``: H1 (0, 0), H2 (0, 0). No bar beats the threshold: nothing to read.
    ``"other"``: any other pattern, e.g. a Z/3 rank above the Z/2 rank (3-torsion, or noise
        near the threshold), or the extra H2 bars of a Klein bottle's Rips complex counted by
        a threshold below them (module docstring).

    Parameters
    ----------
    sig : Signature
        From :func:`signature` or :func:`core_signature`; its thresholds decide which bars are
        long (:attr:`Signature.h1_ranks`, :attr:`Signature.h2_ranks`).

    Returns
    -------
    str
        One of :data:`ANSWERS`.

    Raises
    ------
    TypeError
        ``sig`` is not a :class:`Signature`.
    """
    if not isinstance(sig, Signature):
        raise TypeError(f"sig must be a Signature (from signature()); got {type(sig).__name__}")
    for answer, (h1, h2) in PATTERNS.items():
        if sig.h1_ranks == h1 and sig.h2_ranks in (None, h2):
            return answer
    return "other"


_READINGS = {
    "klein bottle": "the Klein bottle's signature: a loop of order two, counted over Z/2 and a boundary over Z/3",
    "torus": "a torus's pattern: the same ranks over both fields, no torsion",
    "three circles": "the three-circle model's pattern: five independent loops, the same over both fields",
    "circle": "one circle, the same over both fields",
    "none": "no bar beats the threshold",
    "other": "none of the Klein bottle, torus, three-circle or circle patterns",
}


def signature_text(sig: Signature) -> str:
    """One sentence for a chapter: the long-bar counts over Z/2 and Z/3 and what they show.

    For example "Long H1 bars (lifetime above 0.28): 2 over Z/2, 1 over Z/3 (the Klein bottle's
    signature: ...).". The H2 counts follow the H1 ones when H2 was computed; the reading in
    parentheses is that of :func:`klein_answer`.

    Parameters
    ----------
    sig : Signature
        From :func:`signature` or :func:`core_signature`.

    Returns
    -------
    str
        The sentence, thresholds to two significant digits, ending with a full stop.
    """
    answer = klein_answer(sig)
    z2, z3 = sig.h1_ranks
    text = f"Long H1 bars (lifetime above {sig.threshold_h1:.2g}): {z2} over Z/2, {z3} over Z/3"
    if sig.h2_ranks is not None:
        s2, s3 = sig.h2_ranks
        text += f"; long H2 bars (above {sig.threshold_h2:.2g}): {s2} over Z/2, {s3} over Z/3"
    return f"{text} ({_READINGS[answer]})."


def null_threshold(n_points: int, *, coeff: int, dim: int, draws: int, seed: int = 0, alpha: float = 0.05,
                   n_features: int = 9) -> float:
    """What "long" means: the top lifetime that same-size gaussian clouds beat with
    probability below ``alpha``.

    Draws ``draws`` clouds ``gaussian_filters(n_points, dim=n_features)`` (i.i.d. gaussian,
    then mean-zero and unit norm per point, as :func:`toponet.filters.normalize` does),
    computes each one's exact top lifetime in dimension ``dim`` over Z/``coeff``, and returns
    the threshold of :func:`toponet.calibration.threshold`: an observed bar longer than it
    has Monte-Carlo p = (1 + #{null >= bar}) / (1 + draws) below ``alpha``.

    Parameters
    ----------
    n_points : int >= 2
        Vertices of the complex the threshold is for: the landmark count when the data
        are landmarked (why the null clouds are not: module docstring).
    coeff : int, a prime
    dim : {1, 2}
    draws : int
        Null clouds; at least ``1 / alpha`` (20 for alpha = 0.05), or no bar can reach p <
        alpha. Cost per cloud on this machine: H1 of 500 points in R^9 about 1 s, of 300
        points 0.2 s; H2 of 200 points 0.7-0.9 s.
    seed : int
        Same seed, same null clouds (seeded apart from data drawn with small seeds).
    alpha : float in (0, 0.5]
    n_features : int >= 2
        Dimension of the filters (9 for 3x3 filters; 5 for :func:`torus_sample`).

    Returns
    -------
    float, a lifetime in the units of unit-norm filters
    """
    n_points = check_int(n_points, name="n_points", low=2)
    coeff = _check_coeff(coeff)
    dim = _check_maxdim(dim)
    draws = check_int(draws, name="draws", low=1)
    seed = check_int(seed, name="seed", low=0)
    n_features = check_int(n_features, name="n_features", low=2)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha <= 0.5:
        raise ValueError(f"alpha must be a level in (0, 0.5]; got {alpha!r}")
    if 1 / (1 + draws) >= alpha:
        raise ValueError(f"draws={draws} null clouds cannot give p < alpha={alpha}: the smallest p is "
                         f"1/(1 + draws); take draws >= {int(np.floor(1 / alpha))}")
    # deferred: importing toponet.calibration loads toponet.analysis (3.5 s measured); only this needs it
    from toponet.calibration import threshold

    tops = []
    for draw in range(draws):
        s = int(np.random.SeedSequence([seed, 25, dim, draw]).generate_state(1)[0])
        cloud = gaussian_filters(n_points, dim=n_features, seed=s)
        tops.append(field_persistence(cloud, coeff=coeff, maxdim=dim, n_landmarks=n_points).top_lifetime(dim))
    return threshold(tops, alpha)


def torus_sample(n: int, *, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """``n`` points of the flat torus ``(cos a, sin a, cos b, sin b) / sqrt(2)`` at random angles.

    The angles are uniform; the points are written in an orthonormal basis of the
    mean-zero hyperplane of R^5, plus gaussian noise of sd ``noise`` per entry and
    re-normalized: mean-zero, unit-norm rows like filters, so ``null_threshold(...,
    n_features=5)`` is its null. Known answer: H1 rank 2 and H2 rank 1 over every field.

    Parameters
    ----------
    n : int >= 1
    noise : float
        Standard deviation of the gaussian noise added to each of the 5 entries of a unit-norm
        point before re-normalizing; 0: points exactly on the torus (already mean-zero and unit
        norm).
    seed : int
        Seed of the angles and the noise.

    Returns
    -------
    ndarray of shape (n, 5), float64
        Mean-zero, unit-norm rows.
    """
    n = check_int(n, name="n", low=1)
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0, 2 * np.pi, (2, n))
    T = np.stack([np.cos(a), np.sin(a), np.cos(b), np.sin(b)], axis=1) / np.sqrt(2)
    # QR of [ones | e1..e4]: the first column spans the constants, the other four the mean-zero hyperplane.
    Q = np.linalg.qr(np.column_stack([np.ones(5), np.eye(5)[:, :4]]))[0][:, 1:]
    F = T @ Q.T
    if noise:
        F = F + noise * rng.standard_normal(F.shape)
        F = F - F.mean(axis=1, keepdims=True)
        F = F / np.linalg.norm(F, axis=1, keepdims=True)
    return F


#: Landmarks of a chapter's core signature (the known-answer tests' size: 300 maxmin landmarks
#: resolve a dense Klein-bottle sample's Z/2 and Z/3 bars) and gaussian null clouds per field
#: for its threshold (20: the fewest with a p below 0.05 possible).
CORE_LANDMARKS = 300
CORE_NULL_DRAWS = 20


def core_signature(core, *, n_landmarks: int = CORE_LANDMARKS, draws: int = CORE_NULL_DRAWS,
                   seed: int = 0) -> Signature:
    """The H1 signature of a dense core ((n, 9) unit filters) on ``n_landmarks`` maxmin landmarks.

    "Long" = beats ``draws`` same-size gaussian clouds over both fields (the larger of the two
    :func:`null_threshold` s, alpha 0.05, for clouds of as many points as the complex has
    vertices). Descriptive: reported beside a verdict, not in it (its power on noisy cores is
    not calibrated). About 15 s at the defaults on one core.

    Parameters
    ----------
    core : array-like of shape (n_points, 9)
        Unit filters (mean-zero, unit norm, as the 9-D gaussian null clouds are; not normalized
        here), at least 2 points.
    n_landmarks : int >= 2
        Vertices of the complex; clipped to ``n_points``, and exact (no landmarks) when it is at
        least ``n_points``.
    draws : int
        Gaussian null clouds per field; at least 20, the fewest that can give p below 0.05
        (:func:`null_threshold` raises otherwise).
    seed : int >= 0
        Seed of the null clouds and start of the maxmin landmark sequence.

    Returns
    -------
    Signature
        H1 over Z/2 and Z/3 only (``threshold_h2`` and the H2 lifetimes are None).
    """
    core = check_cloud(core, name="core", min_points=2)
    m = min(check_int(n_landmarks, name="n_landmarks", low=2), core.shape[0])
    thr = max(null_threshold(m, coeff=c, dim=1, draws=draws, seed=seed) for c in COEFFS)
    return signature(core, threshold_h1=thr, n_landmarks=m if m < core.shape[0] else None, seed=seed)
