"""High-contrast 3x3 patches of natural images: the ground truth behind the primary circle.

Used by chapter 08 (``notebooks/08_natural_patches.py``, glue in
:mod:`toponet.chapters.natural_patches`). The construction is that of Lee, Pedersen and
Mumford (2003) as used by Carlsson, Ishkhanov, de Silva and Zomorodian (2008):

1. **log intensities**: a photograph's grey levels ``I`` (0..255) become ``log(1 + I)``
   (:func:`log_intensity`), so a patch's contrast is a *ratio* of intensities;
2. **3x3 patches** at seeded random positions (:func:`extract_patches`), flattened row by
   row into points of R^9 (the layout of :mod:`toponet.ideal`);
3. **contrast**: the D-norm ``||x||_D = sqrt(sum over 4-adjacent pixel pairs (x_i - x_j)^2)``
   (:func:`d_norm`; 12 pairs in a 3x3 grid); the top 20 % of each photograph's patches by
   D-norm are kept (:func:`select_high_contrast`);
4. **normalization**: mean-centred and divided by the D-norm (:func:`contrast_normalize`);
5. a **seeded sample** of the pooled patches (:func:`sample_rows`; the paper: 50,000).

:func:`natural_patches` runs all five on a list of images. Every later step of the book
(density filtration, persistence, distances to the ideal models) normalizes a cloud to unit
*Euclidean* norm (:func:`toponet.filters.normalize`), so that patches, ideal filters and
learned filters are measured with one ruler; the paper instead works in DCT coordinates, in
which the D-norm is Euclidean. The two spheres differ by a fixed linear map followed by a
radial rescaling (a homeomorphism), so a circle stays a circle; densities and distances
differ by bounded factors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toponet._validation import check_cloud, check_fraction, check_int
from toponet.calibration import CALIBRATION_VERSION, default_directory, read_cached, write_cached
from toponet.density import density_filtration
from toponet.filters import normalize
from toponet.homology import h1_bounds
from toponet.ideal import _unit, distance_to_model, klein_bottle, klein_bottle_sample, primary_circle

__all__ = ["CIRCLES", "D_PAIRS", "PatchSample", "circle_shares", "contrast_normalize", "d_norm",
           "extract_patches", "log_intensity", "matched_noise", "matched_shares", "natural_patches", "sample_rows",
           "select_high_contrast", "three_circle_bars_power", "three_circle_sample"]

#: BT.709 luminance weights (those of ``skimage.color.rgb2gray``) in units of 1/10,000.
_LUMA = np.array([2125, 7154, 721], dtype=np.int64)

#: The 12 pairs of 4-adjacent pixels of a 3x3 patch (indices into its row-major flattening).
D_PAIRS = tuple([(3 * i + j, 3 * i + j + 1) for i in range(3) for j in range(2)]
                + [(3 * i + j, 3 * (i + 1) + j) for i in range(2) for j in range(3)])
_A, _B = (np.array(side) for side in zip(*D_PAIRS))


def log_intensity(image) -> np.ndarray:
    """``log(1 + I)`` of an image's grey levels ``I`` in [0, 255]; shape (H, W), float64.

    Integer images are grey levels 0..255; float images must lie in [0, 255] as well (raises
    ``ValueError`` otherwise: a [0, 1] image would silently lose the log's compression of bright
    regions).

    Parameters
    ----------
    image : array-like of shape (H, W), (H, W, 3) or (H, W, 4)
        Grey levels, or RGB(A) colours, whose luminance ``0.2125 R + 0.7154 G + 0.0721 B``
        (ITU-R BT.709 weights, as ``skimage.color.rgb2gray``; the alpha channel is ignored) is
        clipped to [0, 255]. H and W at least 3 pixels (one 3x3 patch); finite.

    Returns
    -------
    ndarray of shape (H, W), float64
        ``log(1 + I)``, in [0, log 256]; the same bits on every machine (no BLAS product, no
        SIMD logarithm: see ``_luminance`` and ``_log1p``).

    Raises
    ------
    ValueError
        Grey levels outside [0, 255], another shape, an image smaller than 3x3, or NaN/inf values.
    """
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[2] in (3, 4):
        if np.issubdtype(img.dtype, np.number) and (np.min(img[..., :3]) < 0 or np.max(img[..., :3]) > 255):
            raise ValueError(f"image grey levels must lie in [0, 255]; got [{np.min(img):g}, {np.max(img):g}]")
        img = _luminance(img[..., :3])
    elif img.ndim != 2:
        raise ValueError(f"image must have shape (H, W) or (H, W, 3); got shape {img.shape}")
    img = img.astype(np.float64)
    if img.shape[0] < 3 or img.shape[1] < 3:
        raise ValueError(f"image of shape {img.shape} is smaller than one 3x3 patch")
    if not np.isfinite(img).all():
        raise ValueError("image contains NaN or infinite values")
    if img.min() < 0 or img.max() > 255:
        raise ValueError(f"image grey levels must lie in [0, 255]; got [{img.min():g}, {img.max():g}]")
    return _log1p(img)


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """``0.2125 R + 0.7154 G + 0.0721 B`` of an (H, W, 3) image, float64 in [0, 255], the same
    bits on every machine.

    Integer colours: the exact integer sum ``2125 R + 7154 G + 721 B`` (the weights in units of
    1/10,000; they sum to 10,000, so white is 255), divided by 10,000 (one IEEE division, rounded
    once). Float colours: elementwise products and sums in a fixed order, clipped to [0, 255]. No
    matrix product: BLAS picks its kernel (fused multiply-adds or not) by CPU, and the last bit
    of a grey level reaches the bytes a stored test is keyed by.
    """
    if np.issubdtype(rgb.dtype, np.integer) or rgb.dtype == bool:
        return (rgb.astype(np.int64) @ _LUMA) / float(_LUMA.sum())
    f = rgb.astype(np.float64)
    return np.clip((f[..., 0] * 0.2125 + f[..., 1] * 0.7154) + f[..., 2] * 0.0721, 0.0, 255.0)


def _log1p(x: np.ndarray) -> np.ndarray:
    """``log(1 + x)`` elementwise through the C library (:func:`math.log1p`), the same bits on
    every CPU; shape and float64 dtype of ``x``.

    Not :func:`numpy.log1p`: on CPUs with AVX-512 numpy computes float64 ``log1p`` with SIMD code
    (Intel's SVML) whose last bit can differ from the C library's, so the patch clouds, and the
    stored tests keyed by their bytes, would depend on the machine. Evaluated once per distinct
    value (an image has far fewer grey levels than pixels).
    """
    values, inverse = np.unique(x, return_inverse=True)
    return np.fromiter(map(math.log1p, values.tolist()), dtype=np.float64, count=values.size)[inverse].reshape(x.shape)


def extract_patches(image, n: int | None, *, seed: int = 0) -> np.ndarray:
    """3x3 patches of a 2-D ``image`` at ``n`` seeded random positions (without replacement).

    Parameters
    ----------
    image : array-like of shape (H, W), H >= 3 and W >= 3
        One channel, e.g. the output of :func:`log_intensity`.
    n : int >= 1, or None
        Patches drawn, at most (H - 2) * (W - 2) (the 3x3 positions; raises ``ValueError`` above).
        None: every position.
    seed : int
        Seed of the positions; unused when ``n`` is None.

    Returns
    -------
    ndarray of shape (n, 9), float64
        One patch per row, its pixels read row by row (the layout of :mod:`toponet.ideal`); the
        positions in row-major order of their top-left pixel, not in the order drawn. With
        ``n=None``, (H - 2) * (W - 2) rows.
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2 or img.shape[0] < 3 or img.shape[1] < 3:
        raise ValueError(f"image must be 2-D and at least 3x3; got shape {img.shape} (use log_intensity first)")
    h, w = img.shape[0] - 2, img.shape[1] - 2
    if n is None:
        pos = np.arange(h * w)
    else:
        n = check_int(n, name="patches per image", low=1)
        if n > h * w:
            raise ValueError(f"{n} patches requested from an image with only {h * w} 3x3 positions")
        pos = np.sort(np.random.default_rng(seed).choice(h * w, n, replace=False))
    r, c = np.divmod(pos, w)
    di, dj = np.divmod(np.arange(9), 3)
    return img[r[:, None] + di, c[:, None] + dj]


def d_norm(P) -> np.ndarray:
    """The D-norm of each 3x3 patch: ``sqrt(sum over D_PAIRS (x_a - x_b)^2)``.

    Zero exactly for constant patches; invariant under adding a constant (so mean-centring does
    not change it).

    Parameters
    ----------
    P : array-like of shape (n, 9) or (n, 3, 3)
        Patches, rows read row by row (the flattening :data:`D_PAIRS` indexes); finite.

    Returns
    -------
    ndarray of shape (n,), float64
        In the units of ``P`` (log intensities for patches of :func:`log_intensity`).
    """
    P = np.asarray(P, dtype=np.float64)
    if P.ndim == 3 and P.shape[1:] == (3, 3):
        P = P.reshape(-1, 9)
    P = check_cloud(P, name="patches", dim=9)
    return np.sqrt(((P[:, _A] - P[:, _B]) ** 2).sum(axis=1))


def select_high_contrast(P, fraction: float = 0.2, *, return_index: bool = False):
    """The ``round(fraction * n)`` (at least 1) patches of largest D-norm, in input order.

    Ties are broken by index (a stable sort: the earlier patch is kept), so the choice is
    deterministic.

    Parameters
    ----------
    P : array-like of shape (n, 9)
        Patches, rows read row by row; finite.
    fraction : float in (0, 1]
        Share of the patches kept (the paper: 0.2).
    return_index : bool
        Also return the kept patches' indices.

    Returns
    -------
    kept : ndarray of shape (m, 9), float64, with m = max(1, round(fraction * n))
        The kept patches, in input order.
    index : ndarray of shape (m,), int, increasing; only with ``return_index``
    """
    P = check_cloud(P, name="patches", dim=9)
    fraction = check_fraction(fraction, name="fraction")
    m = max(1, int(round(fraction * P.shape[0])))
    order = np.argsort(-d_norm(P), kind="stable")
    index = np.sort(order[:m])
    return (P[index], index) if return_index else P[index]


def contrast_normalize(P) -> np.ndarray:
    """Each patch mean-centred and divided by its D-norm; shape (n, 9), unit D-norm rows.

    Parameters
    ----------
    P : array-like of shape (n, 9)
        Patches, rows read row by row; finite, none of them constant.

    Returns
    -------
    ndarray of shape (n, 9), float64
        Mean-zero rows of D-norm 1 (their Euclidean norm is not 1).

    Raises
    ------
    ValueError
        Naming the first constant patch (its D-norm is 0: no direction) and how many there are.
    """
    P = check_cloud(P, name="patches", dim=9)
    dn = d_norm(P)
    if np.any(dn <= 0):
        bad = np.flatnonzero(dn <= 0)
        raise ValueError(f"{bad.size} of {P.shape[0]} patches are constant (D-norm 0, first at row {bad[0]}); "
                         "select high-contrast patches first")
    return (P - P.mean(axis=1, keepdims=True)) / dn[:, None]


def sample_rows(X, n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` rows of ``X`` drawn without replacement by a seeded generator, in input order.

    The same (X, n, seed) always gives the same rows.

    Parameters
    ----------
    X : array-like of shape (n_rows, ...)
    n : int, 1 <= n <= n_rows
        Rows drawn; raises ``ValueError`` when ``n`` exceeds the rows.
    seed : int
        Seed of the generator (:func:`numpy.random.default_rng`).

    Returns
    -------
    ndarray of shape (n, ...), the dtype of ``X``
        The drawn rows, in their order in ``X``.
    """
    X = np.asarray(X)
    n = check_int(n, name="sample size", low=1)
    if X.ndim < 1 or n > X.shape[0]:
        raise ValueError(f"cannot sample {n} rows from {X.shape[0] if X.ndim else 0}; "
                         "ask for fewer or provide more patches")
    return X[np.sort(np.random.default_rng(seed).choice(X.shape[0], n, replace=False))]


@dataclass(frozen=True)
class PatchSample:
    """The output of :func:`natural_patches`.

    patches : (n_sample, 9) mean-centred, unit D-norm patches
    names : the photographs used, in order
    per_photo : patches drawn from each photograph
    high_contrast : (n_photos,) patches kept from each after the contrast selection
    fraction : the share kept by contrast; seed : the seed of every random step
    """

    patches: np.ndarray
    names: tuple
    per_photo: int
    high_contrast: tuple
    fraction: float
    seed: int

    @property
    def n_photos(self) -> int:
        return len(self.names)

    @property
    def n_candidates(self) -> int:
        """Patches drawn before the contrast selection, all photographs together."""
        return self.per_photo * self.n_photos

    @property
    def n_high_contrast(self) -> int:
        return int(sum(self.high_contrast))

    def describe(self) -> str:
        return (f"{self.patches.shape[0]:,} patches sampled from the {self.n_high_contrast:,} high-contrast "
                f"ones (top {100 * self.fraction:g} % by D-norm of {self.per_photo:,} random 3x3 patches of "
                f"each of {self.n_photos} photographs)")


def natural_patches(images, *, per_photo: int, sample: int, fraction: float = 0.2, seed: int = 0,
                    names=None) -> PatchSample:
    """The patch cloud of Carlsson et al. (2008) from ``images``.

    Parameters
    ----------
    images : sequence of (H, W) or (H, W, 3) arrays, grey levels 0..255
    per_photo : random 3x3 patches drawn from each image (seeded per image)
    sample : patches in the returned cloud, drawn from all high-contrast patches pooled
    fraction : share of each image's patches kept by D-norm (the paper: 0.2)
    seed : seeds the positions (image i uses ``seed + i``) and the final sample
    names : the images' names (default "image 0", ...)

    Returns
    -------
    PatchSample, with ``patches`` of shape (sample, 9): log intensities, mean-centred,
    unit D-norm.
    """
    images = list(images)
    if not images:
        raise ValueError("natural_patches needs at least one image")
    names = tuple(names) if names is not None else tuple(f"image {i}" for i in range(len(images)))
    if len(names) != len(images):
        raise ValueError(f"{len(names)} names for {len(images)} images")
    per_photo = check_int(per_photo, name="per_photo", low=1)
    sample = check_int(sample, name="sample", low=1)
    fraction = check_fraction(fraction, name="fraction")
    seed = check_int(seed, name="seed", low=0)
    kept, counts = [], []
    for i, (name, img) in enumerate(zip(names, images)):
        try:
            P = extract_patches(log_intensity(img), per_photo, seed=seed + i)
        except ValueError as exc:
            raise ValueError(f"image {name!r}: {exc}") from None
        H = select_high_contrast(P, fraction)
        H = H[d_norm(H) > 0]          # a photograph with few edges can have flat "top" patches
        kept.append(H)
        counts.append(int(H.shape[0]))
    pool = np.concatenate(kept)
    if sample > pool.shape[0]:
        raise ValueError(f"sample={sample:,} but only {pool.shape[0]:,} high-contrast patches were drawn "
                         f"({per_photo:,} per photograph x {len(images)} x {fraction:g}); raise per_photo")
    X = contrast_normalize(sample_rows(pool, sample, seed=seed))
    X.setflags(write=False)
    return PatchSample(patches=X, names=names, per_photo=per_photo, high_contrast=tuple(counts),
                       fraction=fraction, seed=seed)


# --- calibration model for "five H1 classes" -------------------------------------------------

#: The three circles of the model, in the order of :func:`circle_shares`: the primary circle
#: and the secondary circles K(0, t) (varies along x only: vertical edges and lines) and
#: K(pi/2, t) (along y only: horizontal ones) of the Klein bottle (:mod:`toponet.ideal`).
CIRCLES = ("primary", "vertical", "horizontal")


def _circle_projections(X: np.ndarray) -> np.ndarray:
    """(n, 3): the norm of each unit row's projection onto the plane of each circle."""

    planes = [(primary_circle(0.0), primary_circle(np.pi / 2))]
    for t1 in (0.0, np.pi / 2):
        planes.append((klein_bottle(t1, np.pi / 2), klein_bottle(t1, 0.0)))   # edge, line at t1
    return np.stack([np.hypot(X @ a, X @ b) for a, b in planes], axis=1)


#: A point counts as *off* the primary circle when its distance to it exceeds this (on the unit
#: sphere; the dense cores' median distance is about 0.3): :func:`circle_shares`.
OFF_PRIMARY = 0.5


def circle_shares(X, *, off: float = OFF_PRIMARY) -> np.ndarray:
    """Shares of ``X`` on the secondary circles (the rest on the primary), by a fixed rule.

    A point counts for the secondary circle it is nearest when it is nearer to it than to the
    primary circle *and* farther than ``off`` from the primary circle (near the circles'
    crossings, the edges, a point could belong to either: it counts for the primary). Every
    other point counts for the primary. The same rule applied to :func:`three_circle_sample`
    gives less than the model's shares (part of each secondary circle lies near the primary):
    :func:`matched_shares` corrects for that.

    Parameters
    ----------
    X : array-like of shape (n_points, 9)
        Filters; normalized here (:func:`toponet.filters.normalize`: mean-centred, unit norm;
        constant rows are dropped and not counted).
    off : float
        Distance to the primary circle (Euclidean in R^9, on the unit sphere: 0..2) beyond which a
        point can count for a secondary circle; default :data:`OFF_PRIMARY` (0.5).

    Returns
    -------
    ndarray of shape (3,), float64
        The shares (primary, vertical, horizontal) of :data:`CIRCLES`, summing to 1.
    """

    X = normalize(check_cloud(X, name="X", dim=9))[0]
    r = _circle_projections(X)
    nearest = np.argmax(r, axis=1)                           # argmax: the primary on ties
    far = np.sqrt(np.clip(2.0 - 2.0 * r[:, 0], 0.0, None)) > off
    label = np.where(far, nearest, 0)
    return np.bincount(label, minlength=3) / X.shape[0]


def three_circle_sample(n: int, *, shares=(1 / 3, 1 / 3, 1 / 3), noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """``n`` normalized filters of the three-circle model, ``round(share * n)`` on each circle.

    The circles are those of :data:`CIRCLES` (the primary circle takes the rounding remainder),
    at uniform random angles, plus gaussian noise of sd ``noise`` per entry, re-normalized; rows
    shuffled.

    Parameters
    ----------
    n : int >= 1
    shares : sequence of 3 floats
        Shares of the points on the (primary, vertical, horizontal) circles: non-negative,
        summing to 1.
    noise : float >= 0
        Standard deviation of the gaussian noise added to each of the 9 entries of a unit-norm
        filter before re-normalizing; 0: every point exactly on its circle.
    seed : int
        Seed of the angles, the noise and the shuffle.

    Returns
    -------
    ndarray of shape (n, 9), float64
        Mean-zero, unit-norm rows, in random order.
    """

    n = check_int(n, name="n", low=1)
    shares = np.asarray(shares, dtype=np.float64)
    if shares.shape != (3,) or np.any(shares < 0) or not np.isclose(shares.sum(), 1.0):
        raise ValueError(f"shares must be three non-negative numbers summing to 1; got {shares.tolist()}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a non-negative sd per entry; got {noise!r}")
    counts = np.round(shares * n).astype(int)
    counts[0] = n - counts[1:].sum()
    while counts[0] < 0:   # the secondaries rounded up past n (n = 3, shares (0, .5, .5)): trim the larger
        counts[1 + int(np.argmax(counts[1:]))] -= 1
        counts[0] += 1
    rng = np.random.default_rng(seed)
    parts = [primary_circle(rng.uniform(0, 2 * np.pi, counts[0]))]
    parts += [klein_bottle(t1, rng.uniform(0, 2 * np.pi, c)) for t1, c in zip((0.0, np.pi / 2), counts[1:])]
    F = np.concatenate(parts)
    F = _unit(F + noise * rng.standard_normal(F.shape)) if noise else F
    return F[rng.permutation(n)]


def matched_noise(core, *, shares=(1 / 3, 1 / 3, 1 / 3), noises=None, n: int = 2000, seed: int = 0) -> float:
    """The noise (sd per entry) that puts a three-circle sample as far from the model as ``core``.

    The value of ``noises`` whose :func:`three_circle_sample` has the median distance to the
    three-circle model (:func:`toponet.ideal.distance_to_model`) nearest the core's (the first
    such on ties). A power model at that noise is neither cleaner nor noisier than the data it
    stands for.

    Parameters
    ----------
    core : array-like of shape (n_points, 9)
        At least one point; normalized (mean-centred, unit norm) by the distance.
    shares : sequence of 3 floats
        The samples' shares on the (primary, vertical, horizontal) circles
        (:func:`three_circle_sample`).
    noises : array-like of float, or None
        Candidate noises, sd per entry of unit-norm filters; None: 0.02, 0.04, ..., 0.5.
    n : int
        Points in each candidate sample.
    seed : int
        Seed of every candidate sample (the same for each noise).

    Returns
    -------
    float
        One of ``noises``.
    """

    core = check_cloud(core, name="core", dim=9, min_points=1)
    noises = np.round(np.arange(0.02, 0.5001, 0.02), 2) if noises is None else np.asarray(noises, float)
    target = float(np.median(distance_to_model(core, "three_circles").distances))
    meds = [float(np.median(distance_to_model(three_circle_sample(n, shares=shares, noise=float(s), seed=seed),
                                              "three_circles").distances)) for s in noises]
    return float(noises[int(np.argmin(np.abs(np.asarray(meds) - target)))])


def matched_shares(core, *, noise: float, grid=None, n: int = 2000, seed: int = 0) -> np.ndarray:
    """The model's shares on which :func:`circle_shares` reads what it reads on ``core``.

    Shares of a :func:`three_circle_sample` (at ``noise``): the secondary circles' total share is
    the value of ``grid`` whose sample's secondary total, read by :func:`circle_shares`, is
    nearest the core's (the first such on ties), split between them as in the core (evenly when
    the core has no point on either); the primary circle takes the rest.

    Parameters
    ----------
    core : array-like of shape (n_points, 9)
        At least one point; normalized by :func:`circle_shares`.
    noise : float >= 0
        Noise of the model samples, sd per entry (e.g. :func:`matched_noise`).
    grid : array-like of float, or None
        Candidate secondary totals, in [0, 1] and not empty; None: 0, 0.02, ..., 0.66.
    n : int
        Points in each candidate sample.
    seed : int
        Seed of every candidate sample (the same for each total).

    Returns
    -------
    ndarray of shape (3,), float64
        Shares (primary, vertical, horizontal) of :data:`CIRCLES`, summing to 1.
    """
    core = check_cloud(core, name="core", dim=9, min_points=1)
    target = circle_shares(core)
    grid = np.round(np.arange(0.0, 0.6601, 0.02), 2) if grid is None else np.asarray(grid, float)
    split = target[1:] / target[1:].sum() if target[1:].sum() > 0 else np.array([0.5, 0.5])
    best, gap = None, np.inf
    for total in grid:
        shares = np.concatenate([[1.0 - total], total * split])
        seen = circle_shares(three_circle_sample(n, shares=shares, noise=noise, seed=seed))
        if abs(seen[1:].sum() - target[1:].sum()) < gap:
            best, gap = shares, abs(seen[1:].sum() - target[1:].sum())
    return best


def _cached_bar_counts(path: Path, calibration, sample, *, top: int, power_draws: int, seed: int, fields: dict,
                       expected: int) -> dict:
    """The cached document of a bar-count power model at ``path``, computed when missing: ``power_draws``
    clouds ``sample(seed + 1 + r)`` through rho(k, p) of ``calibration``, each cloud's count of H1
    bars (its ``top`` longest settled) above the calibration's larger threshold. ``fields`` (the
    model's parameters) are stored beside the counts. A cached document counted against another
    threshold (a calibration recomputed under the same size and draws) is stale and recomputed:
    the file name keys the size, the document the threshold."""
    q = float(np.nextafter(max(calibration.thresholds.values()), 3))
    data = read_cached(path)
    if data is None or data.get("version") != CALIBRATION_VERSION or data.get("threshold") != q:
        n, k, p = calibration.n_points, calibration.k, calibration.p
        counts = []
        for r in range(power_draws):
            b = h1_bounds(density_filtration(normalize(sample(seed + 1 + r))[0], k, p), top=top, max_edges=None)
            counts.append(int(np.sum(b.lower >= q)))
        data = write_cached(path, {"version": CALIBRATION_VERSION, "n": n, "k": k, "p": float(p), **fields,
                                   "threshold": q, "expected": expected, "counts": counts})
    return data


def three_circle_bars_power(calibration, *, noise: float, shares=(1 / 3, 1 / 3, 1 / 3), expected: int = 5,
                            power_draws: int = 40, seed: int = 0, directory=None) -> dict:
    """How often a noisy three-circle cloud shows ``expected`` H1 bars beating the rule's nulls.

    ``power_draws`` clouds of ``calibration.n_points`` points of :func:`three_circle_sample`
    (``shares`` of the points on each circle, noise ``noise``; no gaussian filters mixed in:
    the cloud stands for a sample of a dense core, which the density filtration has cleaned)
    through rho(k, p) of the calibration; a bar counts when its lifetime (the lower bound
    :func:`toponet.homology.h1_bounds` proves, the ``expected + 1`` longest settled) exceeds the
    calibration's larger threshold (the gaussian and shuffled nulls' top bars). Cached as JSON
    beside the calibration (``results/calibration/patchbars-...``), read from there when present.

    Parameters
    ----------
    calibration : toponet.calibration.Calibration
        The circle rule at one size: its ``n_points``, ``k``, ``p`` (rho(k, p)), ``draws`` and
        ``thresholds`` (lifetimes, in units of unit-norm filters) are used.
    noise : float >= 0
        Noise of the clouds, sd per entry of unit-norm filters.
    shares : sequence of 3 floats
        Shares of the points on the (primary, vertical, horizontal) circles; rounded to 0.01,
        the primary taking 1 minus the other two.
    expected : int >= 1
        H1 bars the model should show (5 for three circles).
    power_draws : int >= 1
        Clouds drawn; cloud r uses seed ``seed + 1 + r``.
    seed : int
    directory : path-like, or None
        Where the cache is read and written; None: :func:`toponet.calibration.default_directory`.

    Returns
    -------
    dict
        ``"counts"``: bars per cloud (list of int); ``"power"``: share of clouds with exactly
        ``expected``; ``"power_any"``: share with at least one; ``"noise"``; ``"shares"`` (the
        rounded ones); ``"threshold"``: the lifetime a bar must reach (just above the larger
        threshold).
    """
    n, k, p = calibration.n_points, calibration.k, calibration.p
    power_draws = check_int(power_draws, name="power_draws", low=1)
    expected = check_int(expected, name="expected", low=1)
    shares = np.round(np.asarray(shares, dtype=np.float64), 2)
    shares[0] = 1.0 - shares[1:].sum()
    three_circle_sample(3, shares=shares, noise=noise)      # validates shares and noise
    directory = Path(directory) if directory is not None else default_directory()
    tag = "-".join(f"{x:.2f}" for x in shares)
    path = directory / (f"patchbars-v{CALIBRATION_VERSION}-n{n}-k{k}-p{float(p):.4g}-d{calibration.draws}-"
                        f"noise{noise:g}-shares{tag}-e{expected}-pw{power_draws}-s{seed}.json")
    data = _cached_bar_counts(path, calibration, lambda s: three_circle_sample(n, shares=shares, noise=noise, seed=s),
                              top=expected + 1, power_draws=power_draws, seed=seed,
                              fields={"noise": float(noise), "shares": [round(float(x), 2) for x in shares]},
                              expected=expected)
    counts = data["counts"]
    return dict(counts=list(counts), power=float(np.mean([c == expected for c in counts])),
                power_any=float(np.mean([c >= 1 for c in counts])), noise=float(data["noise"]),
                shares=list(data["shares"]), threshold=float(data["threshold"]))


def klein_bars_power(calibration, *, noise: float, power_draws: int = 40, seed: int = 0, directory=None) -> dict:
    """The H1 bars a noisy Klein-bottle cloud shows through the rule's test at the calibration's size.

    ``power_draws`` clouds of :func:`toponet.ideal.klein_bottle_sample` (``calibration.n_points``
    points, noise ``noise``; no gaussian filters mixed in, as :func:`three_circle_bars_power`)
    through rho(k, p) of the calibration; a bar counts when its lifetime exceeds the calibration's
    larger threshold. Over Z/2 (giotto-ph's field) a Klein bottle has two independent loops, so a
    resolved sample shows 2 long bars. Cached (``results/calibration/kleinbars-...``).

    Returns {"counts": bars per cloud, "power": share with exactly 2, "power_any": share with at
    least one, "noise", "threshold"}.
    """
    n, k, p = calibration.n_points, calibration.k, calibration.p
    power_draws = check_int(power_draws, name="power_draws", low=1)
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a non-negative sd per entry; got {noise!r}")
    directory = Path(directory) if directory is not None else default_directory()
    path = directory / (f"kleinbars-v{CALIBRATION_VERSION}-n{n}-k{k}-p{float(p):.4g}-d{calibration.draws}-"
                        f"noise{noise:g}-pw{power_draws}-s{seed}.json")
    data = _cached_bar_counts(path, calibration, lambda s: klein_bottle_sample(n, noise=noise, seed=s), top=3,
                              power_draws=power_draws, seed=seed, fields={"noise": float(noise)}, expected=2)
    counts = data["counts"]
    return dict(counts=list(counts), power=float(np.mean([c == 2 for c in counts])),
                power_any=float(np.mean([c >= 1 for c in counts])), noise=float(data["noise"]),
                threshold=float(data["threshold"]))
