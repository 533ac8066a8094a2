"""Ideal filters: the primary circle and the Klein bottle of Carlsson et al. (2008).

Filters are ``3 x 3`` patches on the grid {-1, 0, 1}^2, flattened row by row into
points of R^9: entry ``[i, j]`` sits at ``x = j - 1`` (left to right) and
``y = 1 - i`` (bottom to top). Every function returns *normalized* filters
(mean-centered, unit norm), the same normalization applied to learned filters.

The Klein bottle is parametrized as in Carlsson et al. (2008):

    K(theta1, theta2) = sin(theta2) * L(theta1) + cos(theta2) * Q(theta1)
    L(theta) = cos(theta) x + sin(theta) y           (a linear edge; odd)
    Q(theta) = (cos(theta) x + sin(theta) y)^2       (a line; even)

so that K(theta1 + pi, theta2) = K(theta1, -theta2) (the Klein identification), and
K(theta1, pi/2) = L(theta1) is the primary circle. The secondary circles are
theta1 in {0, pi/2} (vertical and horizontal structure) with theta2 free.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toponet._validation import check_cloud, check_int

__all__ = ["GRID_X", "GRID_Y", "primary_circle", "klein_bottle", "primary_circle_sample", "klein_bottle_sample",
           "gaussian_filters", "circle_filter_bank", "klein_filter_bank", "distance_to_model", "MODEL_NOISE",
           "secondary_circle", "circles_sample", "cluster_centres", "clusters_sample", "BAR_MODELS", "model_sample"]

_J, _I = np.meshgrid(np.arange(3), np.arange(3))
GRID_X = (_J - 1).ravel().astype(np.float64)   # shape (9,)
GRID_Y = (1 - _I).ravel().astype(np.float64)   # shape (9,)

#: Models known to :func:`distance_to_model`.
MODELS = ("primary_circle", "klein_bottle", "three_circles")


def _unit(F: np.ndarray) -> np.ndarray:
    F = F - F.mean(axis=-1, keepdims=True)
    return F / np.linalg.norm(F, axis=-1, keepdims=True)


def linear_edge(theta) -> np.ndarray:
    """Un-normalized linear edges ``cos(theta) x + sin(theta) y``; shape (*theta.shape, 9)."""
    t = np.asarray(theta, dtype=np.float64)[..., None]
    return np.cos(t) * GRID_X + np.sin(t) * GRID_Y


def line_quadratic(theta) -> np.ndarray:
    """Un-normalized lines ``(cos(theta) x + sin(theta) y)^2``; shape (*theta.shape, 9)."""
    return linear_edge(theta) ** 2


def primary_circle(theta) -> np.ndarray:
    """Normalized primary-circle filters at angles ``theta`` (radians); shape (*theta.shape, 9).

    The filter at ``theta`` is the linear edge ``cos(theta) x + sin(theta) y`` on the 3x3 grid
    (:data:`GRID_X`, :data:`GRID_Y`), mean-centred and scaled to unit norm.

    Parameters
    ----------
    theta : float or array-like of float
        Angles in radians (period 2 pi).

    Returns
    -------
    ndarray of shape (*theta.shape, 9), float64
        Mean-zero, unit-norm filters, read row by row.
    """
    return _unit(linear_edge(theta))


def klein_bottle(theta1, theta2) -> np.ndarray:
    """Normalized Klein-bottle filters K(theta1, theta2); shape (*broadcast shape, 9).

    ``K = sin(theta2) L(theta1) + cos(theta2) Q(theta1)`` (module docstring), mean-centred and
    scaled to unit norm.

    Parameters
    ----------
    theta1 : float or array-like of float
        Direction of the edge and the line, in radians (K(theta1 + pi, theta2) =
        K(theta1, -theta2)).
    theta2 : float or array-like of float
        Angle in radians along the secondary circle at ``theta1``: 0 is the line Q(theta1),
        pi/2 the edge L(theta1); broadcast against ``theta1``.

    Returns
    -------
    ndarray of shape (*broadcast shape, 9), float64
        Mean-zero, unit-norm filters, read row by row.
    """
    t1, t2 = np.broadcast_arrays(np.asarray(theta1, float), np.asarray(theta2, float))
    F = np.sin(t2)[..., None] * linear_edge(t1) + np.cos(t2)[..., None] * line_quadratic(t1)
    return _unit(F)


def primary_circle_sample(n: int, *, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """``n`` primary-circle filters at uniform random angles, plus gaussian noise, re-normalized.

    The noise has standard deviation ``noise`` per entry.

    Parameters
    ----------
    n : int >= 1
    noise : float
        Standard deviation of the gaussian noise added to each of the 9 entries of a unit-norm
        filter before re-normalizing; 0: every filter exactly on the circle.
    seed : int
        Seed of the angles and the noise.

    Returns
    -------
    ndarray of shape (n, 9), float64
        Mean-zero, unit-norm filters.
    """
    n = check_int(n, name="n", low=1)
    rng = np.random.default_rng(seed)
    F = primary_circle(rng.uniform(0, 2 * np.pi, n))
    return _unit(F + noise * rng.standard_normal(F.shape)) if noise else F


def klein_bottle_sample(n: int, *, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """``n`` Klein-bottle filters at uniform random (theta1, theta2), plus gaussian noise.

    Both angles are uniform on [0, 2 pi); the noisy filters are re-normalized.

    Parameters
    ----------
    n : int >= 1
    noise : float
        Standard deviation of the gaussian noise added to each of the 9 entries of a unit-norm
        filter before re-normalizing; 0: every filter exactly on the Klein bottle.
    seed : int
        Seed of the angles and the noise.

    Returns
    -------
    ndarray of shape (n, 9), float64
        Mean-zero, unit-norm filters.
    """
    n = check_int(n, name="n", low=1)
    rng = np.random.default_rng(seed)
    F = klein_bottle(rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 2 * np.pi, n))
    return _unit(F + noise * rng.standard_normal(F.shape)) if noise else F


def gaussian_filters(n: int, *, dim: int = 9, seed: int = 0) -> np.ndarray:
    """``n`` i.i.d. standard gaussian filters, normalized; shape (n, dim). The null model.

    Parameters
    ----------
    n : int >= 1
    dim : int
        Entries per filter (9 for 3x3 filters).
    seed : int

    Returns
    -------
    ndarray of shape (n, dim), float64
        Mean-zero, unit-norm rows.
    """
    n = check_int(n, name="n", low=1)
    return _unit(np.random.default_rng(seed).standard_normal((n, dim)))


def circle_filter_bank(n: int = 64) -> np.ndarray:
    """``n`` primary-circle filters at equally spaced angles, shape (n, 3, 3).

    The 'perfect discretization of the primary circle' used to fix a first layer (Sec. VI).

    Parameters
    ----------
    n : int >= 1
        Filters; filter i is at angle ``2 pi i / n``.

    Returns
    -------
    ndarray of shape (n, 3, 3), float64
        Mean-zero, unit-norm 3x3 filters.
    """
    n = check_int(n, name="n", low=1)
    return primary_circle(np.arange(n) * 2 * np.pi / n).reshape(n, 3, 3)


def klein_filter_bank(n: int = 64) -> np.ndarray:
    """``n`` Klein-bottle filters on an even (theta1, theta2) grid, shape (n, 3, 3).

    The grid has ``a = round(sqrt(n))`` angles for theta1 in [0, pi) (the identification
    makes [0, pi) x [0, 2 pi) a fundamental domain) and the rest, ``ceil(n / a)``, for theta2 in
    [0, 2 pi); the first ``n`` of the ``a * ceil(n / a)`` grid points are kept, theta1 major (so
    when ``n`` is not a multiple of ``a`` the last theta1 has fewer theta2 angles).

    Parameters
    ----------
    n : int >= 1
        Filters.

    Returns
    -------
    ndarray of shape (n, 3, 3), float64
        Mean-zero, unit-norm 3x3 filters.
    """
    n = check_int(n, name="n", low=1)
    a = max(1, int(round(np.sqrt(n))))
    b = int(np.ceil(n / a))
    t1, t2 = np.meshgrid(np.arange(a) * np.pi / a, np.arange(b) * 2 * np.pi / b, indexing="ij")
    return klein_bottle(t1.ravel(), t2.ravel())[:n].reshape(n, 3, 3)


# --- distance to a model ---------------------------------------------------------------
# For unit v and a unit circle C in a plane P through 0, the nearest point of C is the
# direction of v's projection onto P, and |v - c|^2 = 2 - 2 |proj_P v|. Every model here
# is a union of such circles (one per theta1), so the distance reduces to maximizing
# |proj| over theta1: closed form for the primary circle, a fine grid for the others.

def _plane_basis(theta1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal (edge, line) directions at angles theta1; each shape (len, 9)."""
    e = _unit(linear_edge(theta1))
    q = _unit(line_quadratic(theta1))
    return e, q     # orthogonal: e is odd and q even under (x, y) -> (-x, -y)


def _dist_from_proj(r: np.ndarray) -> np.ndarray:
    return np.sqrt(np.clip(2.0 - 2.0 * r, 0.0, None))


@dataclass(frozen=True)
class ModelDistance:
    """Distances of normalized filters to an ideal model.

    Attributes
    ----------
    distances : ndarray of shape (n_points,), Euclidean distance in R^9 (unit sphere: 0..2)
    threshold : float, the distance counted as "near"
    fraction_within : float, share of points with distance <= threshold
    model : str
    """

    distances: np.ndarray
    threshold: float
    fraction_within: float
    model: str


def distance_to_model(X, model: str = "primary_circle", *, threshold: float = 0.3,
                      n_angles: int = 720) -> ModelDistance:
    """Each filter's distance to the nearest normalized ideal filter of ``model``.

    Parameters
    ----------
    X : array-like of shape (n_points, 9)
        Spatial filters; normalized here (mean-centered, unit norm) if they are not.
    model : {"primary_circle", "klein_bottle", "three_circles"}
        ``three_circles`` is the primary circle plus the two secondary circles
        (theta1 = 0 and pi/2 of the Klein bottle).
    threshold : float
        Distance in R^9 counted as "near" for ``fraction_within``. 0.3 on the unit
        sphere is an angle of about 17 degrees.
    n_angles : int
        Grid size over theta1 for the Klein bottle (error <= (pi/n_angles)^2 / 2 in r).
    """
    X = check_cloud(X, name="X", dim=9)
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; got {model!r}")
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a non-negative distance; got {threshold}")
    X = _unit(X)
    e1, e2 = primary_circle(0.0), primary_circle(np.pi / 2)   # the primary circle's plane
    r_primary = np.hypot(X @ e1, X @ e2)
    if model == "primary_circle":
        r = r_primary
    else:
        if model == "klein_bottle":
            t1 = np.arange(n_angles) * np.pi / n_angles
        else:
            t1 = np.array([0.0, np.pi / 2])
        E, Q = _plane_basis(t1)
        r = np.sqrt((X @ E.T) ** 2 + (X @ Q.T) ** 2).max(axis=1)
        r = np.maximum(r, r_primary)
    d = _dist_from_proj(r)
    return ModelDistance(distances=d, threshold=float(threshold),
                         fraction_within=float(np.mean(d <= threshold)), model=model)

# --- the models behind the book's power calculations (toponet.paper_claims, toponet.calibration) ---------

#: The calibration models' noise: sd per entry of unit-norm filters, before re-normalizing.
MODEL_NOISE = 0.25


def secondary_circle(theta2, theta1: float = 0.0) -> np.ndarray:
    """Normalized filters of the secondary circle at ``theta1``: K(theta1, theta2) of the Klein
    bottle. It meets the primary circle in the two points theta2 = +-pi/2.

    Parameters
    ----------
    theta2 : array-like of angles (radians)
        Positions along the secondary circle.
    theta1 : float
        Which secondary circle: 0 vertical structure, pi/2 horizontal (radians).

    Returns
    -------
    ndarray of shape (*theta2.shape, 9)
        Normalized filters (mean-zero, unit norm).
    """
    return klein_bottle(theta1, np.asarray(theta2, dtype=np.float64))


def circles_sample(n: int, *, circles: int = 3, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """``n`` normalized filters on the primary circle and ``circles - 1`` secondary circles.

    The filters are spread evenly over the circles (filter i on circle ``i % circles``; 2: two
    circles meeting in two points, Fig. 7; 3: the three-circle model, Fig. 8), at uniform random
    angles, with gaussian noise of sd ``noise`` per entry, and returned in a random order.

    Parameters
    ----------
    n : int >= 1
        Filters.
    circles : int, 1 to 3
        The primary circle, then the secondary circles (:func:`secondary_circle`) at theta1 = 0
        (vertical structure) and theta1 = pi/2 (horizontal).
    noise : float
        Standard deviation of the gaussian noise added to each of the 9 entries, after which
        each filter is normalized again (mean-zero, unit norm); 0: exactly on the circles.
    seed : int
        Seed of the angles, the noise and the order.

    Returns
    -------
    ndarray of shape (n, 9)
        Normalized filters (mean-zero, unit norm).

    Raises
    ------
    ValueError
        When ``circles`` is above 3 (or ``n`` or ``circles`` below 1).
    """
    n = check_int(n, name="n", low=1)
    circles = check_int(circles, name="circles", low=1)
    if circles > 3:
        raise ValueError(f"the three-circle model has at most 3 circles; got circles={circles}")

    rng = np.random.default_rng(seed)
    which = np.arange(n) % circles
    t = rng.uniform(0, 2 * np.pi, n)
    F = np.empty((n, 9))
    F[which == 0] = primary_circle(t[which == 0])
    for c, theta1 in ((1, 0.0), (2, np.pi / 2)):
        if c < circles:
            F[which == c] = secondary_circle(t[which == c], theta1)
    F = _unit(F + noise * rng.standard_normal(F.shape)) if noise else F
    return F[rng.permutation(n)]


#: Centres of the five-cluster model (F3's power): horizontal and vertical edges, a
#: centre-surround blob and horizontal and vertical lines (pairwise far apart on the sphere).
def cluster_centres() -> np.ndarray:

    blob = np.zeros(9)
    blob[4] = 1.0
    return _unit(np.stack([GRID_X, GRID_Y, blob, GRID_X ** 2, GRID_Y ** 2]))


def clusters_sample(n: int, *, noise: float = MODEL_NOISE, seed: int = 0) -> np.ndarray:
    """``n`` normalized filters around the five :func:`cluster_centres` (evenly), with gaussian noise.

    Filter i starts at centre ``i % 5``, gets gaussian noise of sd ``noise`` per entry and is
    normalized again; the filters are returned in a random order. The model behind F3's
    cluster-count power (:func:`toponet.paper_claims.calibrate_clusters` mixes it with gaussian filters,
    :func:`toponet.paper_claims.mixed_model`).

    Parameters
    ----------
    n : int >= 1
        Filters.
    noise : float
        Standard deviation of the noise per entry (default :data:`MODEL_NOISE`); 0: copies of
        the centres.
    seed : int
        Seed of the noise and the order.

    Returns
    -------
    ndarray of shape (n, 9)
        Normalized filters (mean-zero, unit norm).
    """
    n = check_int(n, name="n", low=1)
    rng = np.random.default_rng(seed)
    C = cluster_centres()
    F = C[np.arange(n) % len(C)]
    return _unit(F + noise * rng.standard_normal(F.shape))[rng.permutation(n)]




#: Models of :func:`toponet.paper_claims.bars_power`: how many H1 bars each has (over Z/2, the field giotto-ph uses):
#: two circles meeting in two points 3, the three-circle model 5, the Klein bottle 2.
BAR_MODELS = {"two-circle": 3, "three-circle": 5, "klein": 2}


def model_sample(model: str, *, noise: float = MODEL_NOISE):
    """``sample(m, seed)`` of one of :data:`BAR_MODELS` (noisy, sd ``noise`` per entry).

    Parameters
    ----------
    model : {"two-circle", "three-circle", "klein"}
        "two-circle" and "three-circle": :func:`circles_sample` with ``circles=2`` and ``3``;
        "klein": :func:`toponet.ideal.klein_bottle_sample`.
    noise : float >= 0
        Gaussian noise sd per entry (default :data:`MODEL_NOISE`, the book's models).

    Returns
    -------
    sample : callable (m: int, seed: int) -> ndarray of shape (m, 9)
        ``m`` normalized model filters with gaussian noise of sd ``noise`` per entry,
        re-normalized.

    Raises
    ------
    ValueError
        When ``model`` is not one of BAR_MODELS.
    """
    if model == "two-circle":
        return lambda m, s: circles_sample(m, circles=2, noise=noise, seed=s)
    if model == "three-circle":
        return lambda m, s: circles_sample(m, circles=3, noise=noise, seed=s)
    if model == "klein":
        return lambda m, s: klein_bottle_sample(m, noise=noise, seed=s)
    raise ValueError(f"model must be one of {tuple(BAR_MODELS)}; got {model!r}")
