"""Null models for "is this circle real?": matched null clouds and seed-group comparisons.

A top H1 lifetime alone is no evidence: every cloud has a longest bar. Two questions:

1. :func:`null_comparison`: is the statistic of *this* cloud larger than that of clouds
   with the same number of points but no joint structure? Null clouds are normalized
   gaussian filters, or the cloud with each coordinate shuffled independently across
   points (keeps every coordinate's distribution, destroys the joint structure). The
   statistic is a callable on the *raw* cloud, so the whole pipeline (normalize, density
   filtration with the same k and p, persistence) runs again on every null cloud.
2. :func:`compare_groups`: two independent samples of a statistic, e.g. the top H1
   lifetime over disjoint seed groups of trained vs untrained networks.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from toponet._validation import check_cloud, check_int
from toponet.filters import normalize
from toponet.ideal import gaussian_filters

__all__ = ["NULL_KINDS", "shuffle_coordinates", "covariance_matched", "second_moment", "directions_covariance",
           "directions_matched", "null_cloud", "NullComparison", "null_comparison", "GroupComparison", "compare_groups"]

#: Null kinds known to :func:`null_cloud`. The position seeds each kind's clouds, so a
#: kind's null clouds do not depend on which other kinds are requested.
NULL_KINDS = ("gaussian", "shuffled", "covariance", "directions")


def shuffle_coordinates(X, seed: int) -> np.ndarray:
    """Permute each column independently across points.

    Keeps every coordinate's marginal distribution (the multiset of each column) and
    destroys the joint structure between coordinates.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
    seed : int

    Returns
    -------
    ndarray of shape (n_points, n_features), float64
    """
    X = check_cloud(X, name="X")
    rng = np.random.default_rng(seed)
    out = np.empty_like(X)
    for j in range(X.shape[1]):
        out[:, j] = X[rng.permutation(X.shape[0]), j]
    return out


def covariance_matched(X, seed: int) -> np.ndarray:
    """Gaussian points with the mean and covariance (ddof=1) of ``X``; shape of ``X``, float64.

    The covariance's square root comes from its eigendecomposition (eigenvalues clipped at 0),
    not from a Cholesky factor: a normalized cloud's covariance is singular (each row's entries
    sum to 0).

    Parameters
    ----------
    X : array-like of shape (n_points, n_features), n_points >= 2
        The cloud whose mean and covariance are matched (raw or normalized filters).
    seed : int
        Seeds the gaussian draws: same seed, same points.

    Returns
    -------
    ndarray of shape (n_points, n_features), float64
        ``n_points`` i.i.d. draws of N(mean of ``X``, covariance of ``X``), not normalized.
    """
    X = check_cloud(X, name="X", min_points=2)
    rng = np.random.default_rng(seed)
    mean, cov = X.mean(axis=0), np.cov(X, rowvar=False)
    # eigh, not cholesky: a normalized cloud's covariance is singular (rows sum to 0)
    w, V = np.linalg.eigh(cov)
    root = V * np.sqrt(np.clip(w, 0.0, None))
    return mean + rng.standard_normal(X.shape) @ root.T


def second_moment(X) -> np.ndarray:
    """E[v v^T] over the normalized rows v of ``X``: shape (n_features, n_features), trace 1.

    What the pipeline sees of a cloud's second-order structure: the paper normalizes every
    filter (mean-zero, unit norm) before anything else, so the directions' second moment,
    not the raw covariance, is the second-order structure a null must keep.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features), n_points >= 2
        Raw (or already normalized) filters. They go through
        :func:`toponet.filters.normalize` quietly: constant rows (no direction) are dropped
        without a log message and the mean runs over the rows kept.

    Returns
    -------
    ndarray of shape (n_features, n_features), float64
        Symmetric, positive semi-definite, trace 1 (every normalized row has unit norm).
    """
    Xn = normalize(check_cloud(X, name="X", min_points=2), quiet=True)[0]
    return Xn.T @ Xn / Xn.shape[0]


#: Gaussian draws used to fit :func:`directions_covariance` (a fixed sample: the fit is
#: deterministic) and the fit's tolerance on every eigenvalue of the second moment.
FIT_SAMPLE, FIT_TOL, FIT_MAX_ITER = 200_000, 1e-6, 500
_FITS: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}


def directions_covariance(X) -> tuple[np.ndarray, np.ndarray]:
    """The zero-mean gaussian whose *normalized* draws have the second moment of ``X``'s.

    For a gaussian N(0, S), the normalized draws v = z/|z| (an angular central gaussian)
    have E[v v^T] with S's eigenvectors; its eigenvalues are matched to those of
    :func:`second_moment` by the fixed point lam_i <- lam_i * m_i / m_hat_i, where m_hat is
    the second moment of a fixed sample of FIT_SAMPLE normalized draws (it converges in about
    ten steps on trained filters; stops at FIT_TOL). A cloud that *is* gaussian, any
    covariance, lies in this family, so its directions are matched exactly.

    Fits are kept in memory, keyed by the sha256 of ``X``'s float64 bytes (the cache is
    emptied once it holds more than 16): a second call on the same cloud returns the same
    arrays, which must not be modified.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features), n_points >= 2
        Raw (or normalized) filters; only their normalized rows (:func:`second_moment`) matter.

    Returns
    -------
    U : ndarray of shape (n_features, r)
        The eigenvectors of the second moment with non-zero eigenvalue (above 1e-12; r = 8 for
        mean-zero 3x3 filters).
    scale : ndarray of shape (r,)
        The standard deviations along them (the square roots of the fitted lam, scaled to sum
        to 1: only the directions of the draws are matched, not their norm).

    Raises
    ------
    RuntimeError
        When the fit does not converge in FIT_MAX_ITER steps.
    """
    X = check_cloud(X, name="X", min_points=2)
    key = hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes()).digest()
    if key in _FITS:
        return _FITS[key]
    m, U = np.linalg.eigh(second_moment(X))
    keep = m > 1e-12
    m, U = m[keep], U[:, keep]
    Z = np.random.default_rng(0).standard_normal((FIT_SAMPLE, m.size))
    lam = m.copy()
    for _ in range(FIT_MAX_ITER):
        V = Z * np.sqrt(lam)
        m_hat = np.mean(V ** 2 / np.sum(V ** 2, axis=1, keepdims=True), axis=0)
        if np.max(np.abs(m_hat - m)) < FIT_TOL:
            break
        lam = lam * m / m_hat
        lam /= lam.sum()
    else:
        raise RuntimeError(f"the directions null did not converge in {FIT_MAX_ITER} steps "
                           f"(largest error {np.max(np.abs(m_hat - m)):.2g})")
    if len(_FITS) > 16:
        _FITS.clear()
    _FITS[key] = (U, np.sqrt(lam))
    return _FITS[key]


def directions_matched(X, seed: int) -> np.ndarray:
    """Gaussian points whose normalized rows have the second moment E[v v^T] of ``X``'s
    normalized rows (:func:`directions_covariance`); shape of ``X``, float64, not normalized.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features), n_points >= 2
        The cloud whose directions are matched (raw or normalized filters).
    seed : int
        Seeds the gaussian draws (the fit of :func:`directions_covariance` is deterministic).

    Returns
    -------
    ndarray of shape (n_points, n_features), float64
        ``n_points`` i.i.d. draws of the zero-mean gaussian N(0, U diag(scale^2) U^T), not
        normalized (their total variance is 1; :func:`null_cloud` normalizes them).

    Raises
    ------
    RuntimeError
        When :func:`directions_covariance`'s fit does not converge.
    """
    X = check_cloud(X, name="X", min_points=2)
    U, scale = directions_covariance(X)
    return (np.random.default_rng(seed).standard_normal((X.shape[0], scale.size)) * scale) @ U.T


def null_cloud(X, kind: str, seed: int) -> np.ndarray:
    """A null cloud matched to ``X``: same number of points and dimension.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The raw (or normalized) filters the null is matched to.
    kind : {"gaussian", "shuffled", "covariance", "directions"}
        "gaussian": i.i.d. standard gaussian filters, normalized (mean-zero, unit norm).
        "shuffled": :func:`shuffle_coordinates` of X, then normalized. A shuffled row
        that happens to be constant would be dropped by normalization (and logged).
        "covariance": gaussian filters with the mean and covariance of X, normalized: all
        of X's raw second-order structure. Normalizing flattens a gaussian's anisotropy, so
        its normalized draws are *less* concentrated than X's normalized rows.
        "directions": :func:`directions_matched`: gaussian filters whose normalized rows have
        the second moment E[v v^T] of X's normalized rows, exactly what the pipeline sees
        of X's second-order structure, nothing more. A circle that this null also produces
        is no evidence of structure beyond second order; it is still a circle (a noisy ideal
        circle *is* second-order structure).
    seed : int

    Returns
    -------
    ndarray of shape (n_points, n_features), normalized rows
    """

    X = check_cloud(X, name="X")
    if kind == "gaussian":
        return gaussian_filters(X.shape[0], dim=X.shape[1], seed=seed)
    if kind == "shuffled":
        return normalize(shuffle_coordinates(X, seed))[0]
    if kind == "covariance":
        return normalize(covariance_matched(X, seed))[0]
    if kind == "directions":
        return normalize(directions_matched(X, seed))[0]
    raise ValueError(f"kind must be one of {NULL_KINDS}; got {kind!r}")


@dataclass(frozen=True)
class NullComparison:
    """A statistic on the observed cloud against the same statistic on matched null clouds.

    Attributes
    ----------
    observed : float
    null_values : ndarray of shape (repeats,)
    null_mean, null_sd : float; sd with ddof=1
    effect_size : float; (observed - null_mean) / null_sd (+-inf when null_sd is 0 and
        observed differs from null_mean, nan when it does not)
    p_value : float; (1 + #{null >= observed}) / (1 + repeats), the one-sided permutation
        p-value: never 0, and at least 1 / (1 + repeats)
    kind : str; repeats : int
    """

    observed: float
    null_values: np.ndarray
    null_mean: float
    null_sd: float
    effect_size: float
    p_value: float
    kind: str
    repeats: int


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return num / den
    return float(np.sign(num) * np.inf) if num != 0 else float("nan")


def _summarize(observed: float, values: np.ndarray, kind: str) -> NullComparison:
    values = np.asarray(values, dtype=np.float64)
    values.setflags(write=False)
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    return NullComparison(observed=float(observed), null_values=values, null_mean=mean, null_sd=sd,
                          effect_size=_ratio(observed - mean, sd),
                          p_value=float((1 + np.sum(values >= observed)) / (1 + values.size)),
                          kind=kind, repeats=int(values.size))


def _finite(value, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"statistic must return a number; on {what} it returned {value!r}") from exc
    if not np.isfinite(v):
        raise ValueError(f"statistic returned {v} on {what}; it must be finite")
    return v


def null_comparison(X, statistic: Callable[[np.ndarray], float], *,
                    kinds=("gaussian", "shuffled"), repeats: int = 20, seed: int = 0,
                    observed: float | None = None, progress: bool = True) -> dict[str, NullComparison]:
    """The statistic of ``X`` against ``repeats`` matched null clouds of each kind.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The RAW filters (not density-filtered).
    statistic : callable, (n_points, n_features) ndarray -> float
        Takes a raw cloud and runs the whole pipeline itself (normalize, density
        filtration with the same k and p, persistence), e.g.
        ``lambda Y: top_h1_lifetime(density_filtration(normalize(Y)[0], k, p))``, so
        every null cloud goes through exactly what the observed cloud went through.
    kinds : iterable of {"gaussian", "shuffled"}
    repeats : int >= 2
        Null clouds per kind.
    seed : int
        Null cloud r of kind q uses the seed ``SeedSequence([seed, index of q in
        NULL_KINDS, r])``: same seed, same null clouds.
    observed : float, optional
        The statistic of ``X`` when already computed; else ``statistic(X)`` is called.
    progress : bool
        Show a tqdm progress bar over the null clouds.

    Returns
    -------
    dict kind -> NullComparison
    """
    from tqdm.auto import tqdm

    X = check_cloud(X, name="X")
    if not callable(statistic):
        raise TypeError(f"statistic must be a callable taking a cloud; got {type(statistic).__name__}")
    repeats = check_int(repeats, name="repeats", low=2)
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    if not kinds:
        raise ValueError("kinds is empty; give at least one of " + str(NULL_KINDS))
    for kind in kinds:
        if kind not in NULL_KINDS:
            raise ValueError(f"unknown null kind {kind!r}; known kinds are {NULL_KINDS}")
    observed = _finite(statistic(X) if observed is None else observed, "the observed cloud")
    out = {}
    with tqdm(total=len(kinds) * repeats, desc="null clouds", disable=not progress) as bar:
        for kind in kinds:
            values = np.empty(repeats)
            for r in range(repeats):
                s = int(np.random.SeedSequence([seed, NULL_KINDS.index(kind), r]).generate_state(1)[0])
                values[r] = _finite(statistic(null_cloud(X, kind, s)), f"{kind} null cloud {r}")
                bar.update()
            out[kind] = _summarize(observed, values, kind)
    return out


@dataclass(frozen=True)
class GroupComparison:
    """Two independent samples ``a`` and ``b`` of a statistic, compared.

    Attributes
    ----------
    n_a, n_b : int; mean_a, mean_b : float; sd_a, sd_b : float (ddof=1)
    cohens_d : float; (mean_a - mean_b) / pooled sd
    welch_t : float; Welch's t statistic (unequal variances)
    welch_p : float; two-sided Welch p-value
    welch_p_greater : float; one-sided Welch p-value for mean_a > mean_b
    mannwhitney_u : float; Mann-Whitney U of ``a``
    mannwhitney_p : float; two-sided Mann-Whitney p-value
    mannwhitney_p_greater : float; one-sided, for ``a`` stochastically greater than ``b``
    """

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    sd_a: float
    sd_b: float
    cohens_d: float
    welch_t: float
    welch_p: float
    welch_p_greater: float
    mannwhitney_u: float
    mannwhitney_p: float
    mannwhitney_p_greater: float


def _sample(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 1-D sample of numbers; got {type(x).__name__}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sample; got shape {arr.shape}")
    if arr.size < 2:
        raise ValueError(f"{name} has {arr.size} values; at least 2 are needed for a standard deviation")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def compare_groups(a, b) -> GroupComparison:
    """Compare two independent samples: Cohen's d, Welch's t-test, Mann-Whitney U.

    Parameters
    ----------
    a, b : array-like of shape (n_a,), (n_b,); n_a, n_b >= 2
        E.g. top H1 lifetimes of disjoint seed groups of trained and untrained networks.

    Returns
    -------
    GroupComparison. Tests use scipy.stats (Welch: ``ttest_ind(equal_var=False)``;
    Mann-Whitney: ``mannwhitneyu``, exact for small samples without ties). When both
    samples are constant the t-test is undefined and its p-values are nan.
    """
    from scipy import stats

    a, b = _sample(a, "a"), _sample(b, "b")
    na, nb = a.size, b.size
    sa, sb = float(a.std(ddof=1)), float(b.std(ddof=1))
    pooled = float(np.sqrt(((na - 1) * sa**2 + (nb - 1) * sb**2) / (na + nb - 2)))
    diff = float(a.mean() - b.mean())
    if sa == 0 and sb == 0:
        t, p2, p1 = _ratio(diff, 0.0), float("nan"), float("nan")
    else:
        t, p2 = stats.ttest_ind(a, b, equal_var=False)
        p1 = stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    mw1 = stats.mannwhitneyu(a, b, alternative="greater")
    return GroupComparison(n_a=int(na), n_b=int(nb), mean_a=float(a.mean()), mean_b=float(b.mean()),
                           sd_a=sa, sd_b=sb, cohens_d=_ratio(diff, pooled), welch_t=float(t),
                           welch_p=float(p2), welch_p_greater=float(p1),
                           mannwhitney_u=float(mw.statistic), mannwhitney_p=float(mw.pvalue),
                           mannwhitney_p_greater=float(mw1.pvalue))
