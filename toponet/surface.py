"""Is a cloud of weight trajectories a smooth 2-D surface? (Gabella's L2) The test and its calibration.

A layer's recorded weights ``W`` (R recordings, n neurons, d inputs) form a cloud of R x n points
in R^d. The statistic (:func:`surface_stats`) is the median share of each point's
20-neighbourhood variance outside its top 2 principal directions (0 on a plane or a curve),
beside the median local dimension (directions holding 90 % of that variance). Its null
(:func:`time_shuffled`) rebuilds every neuron's trajectory from its own steps in a random order.

:func:`surface_calibration` measures the rule "median local dimension 2 and p < ALPHA" on data
where the null holds (its false-positive rate) and on random subsets of its neurons (its power
at the measured effect), and stores both as a sealed document beside the other calibrations.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.neighbors import NearestNeighbors

from toponet._validation import check_int
from toponet.calibration import clopper_pearson, default_directory, read_cached, write_cached
from toponet.circle_decision import ALPHA, DRAWS, p_value

__all__ = ["surface_stats", "time_shuffled", "SurfaceTest", "surface_test", "neuron_subsample",
           "SurfaceCalibration", "surface_calibration", "check_surface_doc", "SURFACE_VERSION"]

#: Bump when the statistic, its null or the power model changes: older documents are ignored.
SURFACE_VERSION = 2
#: Simulations behind the rule's false-positive rate, noisy models behind its power, and the
#: null draws each model is tested with (39: p can reach 1/40 < ALPHA; fewer than the book's 99
#: to keep the calibration under ten minutes, so the power is that of a slightly coarser test).
SURFACE_SIMS, SURFACE_MODELS, SURFACE_MODEL_DRAWS = 200, 40, 39
#: Share of the neurons each power model keeps (:func:`neuron_subsample`).
SUBSAMPLE = 0.8


def surface_stats(W, *, k: int = 20, variance: float = 0.9, seed: int = 0, max_points: int = 500) -> tuple[float, float]:
    """The surface statistics of a cloud of trajectories.

    The neighbourhoods' spectra come from their (k+1) x (k+1) Gram matrices (the same eigenvalues
    as their SVD, at a fraction of the cost in high d).

    Parameters
    ----------
    W : array of shape (R, n_neurons, d)
        R recordings of n neurons' weight vectors: a cloud of R x n_neurons points in R^d (at
        least ``k + 1``), Euclidean distances (computed in float32).
    k : int
        Neighbours per neighbourhood: a centre and its k nearest points (itself counted among
        the k + 1 found), so k + 1 points.
    variance : float in (0, 1]
        Share of a neighbourhood's variance its local dimension must hold: the dimension is
        the fewest principal directions holding at least this share.
    seed : int
        Seed of the ``max_points`` neighbourhood centres drawn.
    max_points : int
        At most this many neighbourhood centres, drawn from the cloud's points without
        replacement (all of them in smaller clouds).

    Returns
    -------
    (dimension, residual) : tuple of float
        The median local dimension (directions) and the median share of a neighbourhood's
        variance outside its top 2 directions (0 on a plane or a curve), over the centres
        whose neighbourhood is not a single repeated point.
    """
    X = np.asarray(W, dtype=np.float32).reshape(-1, np.shape(W)[-1])
    if len(X) < k + 1:
        raise ValueError(f"{len(X)} points are too few for neighbourhoods of {k}")
    rng = np.random.default_rng(seed)
    c = rng.choice(len(X), min(max_points, len(X)), replace=False)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X[c])
    P = (X[idx] - X[idx].mean(axis=1, keepdims=True)).astype(np.float64)
    s = np.linalg.eigvalsh(P @ P.transpose(0, 2, 1))[:, ::-1].clip(0.0)
    s = s[:, :min(P.shape[1], P.shape[2])]
    tot = s.sum(axis=1)
    ok = tot > 0
    if not ok.any():
        raise ValueError("every neighbourhood is a single repeated point; no dimension to estimate")
    fr = np.cumsum(s[ok], axis=1) / tot[ok, None]
    dims = np.minimum((fr < variance).sum(axis=1) + 1, fr.shape[1])
    return float(np.median(dims)), float(np.median(1.0 - fr[:, min(1, fr.shape[1] - 1)]))


def time_shuffled(W, rng) -> np.ndarray:
    """Trajectories rebuilt from their own increments in a random order, per neuron.

    Each neuron keeps its start, its end and every step it took (their sizes and directions),
    but not their order, and the neurons no longer move in step: the null of "the neurons move
    together along a smooth surface".

    Parameters
    ----------
    W : array of shape (R, n_neurons, d)
    rng : numpy Generator

    Returns
    -------
    ndarray of shape (R, n_neurons, d), float32
    """
    W = np.asarray(W, dtype=np.float32)
    D = np.diff(W, axis=0)
    R, n = D.shape[:2]
    perm = np.argsort(rng.random((R, n)), axis=0)
    Dp = D[perm, np.arange(n)[None, :]]
    return np.concatenate([W[:1], W[:1] + np.cumsum(Dp, axis=0)])


@dataclass(frozen=True)
class SurfaceTest:
    """Is a layer's cloud of trajectories a smooth 2-D surface? (:func:`surface_test`)

    dimension : median local PCA dimension (90 % of each 20-neighbourhood's variance)
    residual : median share of a neighbourhood's variance outside its top 2 directions
    null_residuals : (draws,) the same on time-shuffled trajectories (:func:`time_shuffled`)
    p : Monte-Carlo p of residual <= null (small: smoother than the null); n_points, steps
    """

    dimension: float
    residual: float
    null_residuals: np.ndarray
    p: float
    draws: int
    n_points: int
    first_step: int

    @property
    def two_dimensional(self) -> bool:
        return self.dimension == 2

    @property
    def smooth(self) -> bool:
        return self.p < ALPHA

    @property
    def is_surface(self) -> bool:
        """Locally 2-D (not a curve, not thicker) and smoother than its time-shuffled null."""
        return self.two_dimensional and self.smooth

    @property
    def effect_size(self) -> float:
        sd = float(np.std(self.null_residuals, ddof=1)) if self.null_residuals.size > 1 else 0.0
        return (float(np.mean(self.null_residuals)) - self.residual) / sd if sd > 0 else float("nan")

    def record(self) -> dict:
        e = self.effect_size
        return {"p": round(self.p, 4), "draws": self.draws, "effect_size": round(e, 3) if np.isfinite(e) else None}

    def describe(self) -> str:
        return (f"median local dimension {self.dimension:g}; off-plane variance {self.residual:.3f} vs time-shuffled "
                f"trajectories {np.mean(self.null_residuals):.3f} +- {np.std(self.null_residuals, ddof=1):.3f}, "
                f"p = {self.p:.2g} ({self.draws} draws), on {self.n_points:,} points")


def _check_trajectories(W) -> np.ndarray:
    W = np.asarray(W, dtype=np.float32)
    if W.ndim != 3 or W.shape[0] < 3:
        raise ValueError(f"W must have shape (recordings >= 3, neurons, inputs); got {W.shape}")
    if not np.isfinite(W).all():
        raise ValueError("W holds NaN or infinite weights")
    return W


def surface_test(W, *, draws: int = DRAWS, seed: int = 0, first_step: int = 0) -> SurfaceTest:
    """Test "the trajectories ``W`` move along a smooth 2-D surface".

    Statistic: :func:`surface_stats`'s off-plane share (0 on a plane or a curve). Null:
    ``draws`` clouds of the same neurons' time-shuffled trajectories (:func:`time_shuffled`: same
    start, end and steps per neuron, random order). p = (1 + #{null <= observed}) / (1 + draws).
    A surface needs a median local dimension of exactly 2 (a curve has 1) and p < ALPHA.

    Parameters
    ----------
    W : array of shape (R >= 3, n_neurons, d), finite
        R recordings of n neurons' weight vectors (the statistic's defaults: k = 20,
        variance 0.9, 500 centres).
    draws : int >= 2
        Null clouds (the smallest p is 1 / (draws + 1)).
    seed : int
        Seed of the nulls and of the neighbourhood centres (the same centre indices for the
        data and every null cloud).
    first_step : int
        The training step of ``W[0]``, recorded for the caption.

    Returns
    -------
    SurfaceTest
    """
    W = _check_trajectories(W)
    draws = check_int(draws, name="draws", low=2)
    dim, res = surface_stats(W, seed=seed)
    rng = np.random.default_rng(seed)
    null = np.array([surface_stats(time_shuffled(W, rng), seed=seed)[1] for _ in range(draws)])
    null.setflags(write=False)
    return SurfaceTest(dimension=dim, residual=res, null_residuals=null,
                       p=p_value(int(np.sum(null <= res)), draws), draws=draws,
                       n_points=int(W.shape[0] * W.shape[1]), first_step=int(first_step))


def neuron_subsample(W, rng, *, fraction: float = SUBSAMPLE) -> np.ndarray:
    """A model of the measured surface for its power: the trajectories of a random ``fraction`` of
    the neurons of ``W`` (R, n_neurons, d), without replacement, shape (R, m, d) with
    m = max(2, round(fraction * n)). Fewer points than the data, the same surface with another
    sample of its neurons: the test's power on it is a conservative estimate of its power at the
    effect we measured (the paper gives its surface as a figure, with no size to simulate).

    Parameters
    ----------
    W : array of shape (R >= 3, n_neurons, d), finite
        The measured trajectories.
    rng : numpy.random.Generator
        Draws the kept neurons.
    fraction : float in (0, 1]
        Share of the neurons kept (default :data:`SUBSAMPLE`; ValueError outside (0, 1]).

    Returns
    -------
    ndarray of shape (R, m, d), float32
        The kept neurons' trajectories, in their original order.
    """
    W = _check_trajectories(W)
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must lie in (0, 1]; got {fraction!r}")
    m = max(2, int(round(fraction * W.shape[1])))
    return W[:, np.sort(rng.choice(W.shape[1], m, replace=False))]


@dataclass(frozen=True)
class SurfaceCalibration:
    """The surface rule's false-positive rate and power at one cloud (:func:`surface_calibration`).

    sims, fires : null data sets (time-shuffled clouds) and how many the rule called a surface
    pool : time-shuffled clouds drawn; each simulation takes one as its data and ``draws`` others
        as its nulls (the clouds are i.i.d. under the null, so each simulation is a draw of the
        test itself; simulations share clouds, so their outcomes are not independent)
    models, detected : models of the measured surface (:func:`neuron_subsample`) and how many it found
    model_draws : null draws per model; n_points : the cloud's points; seed
    """

    sims: int
    fires: int
    pool: int
    draws: int
    models: int
    detected: int
    model_draws: int
    n_points: int
    seed: int

    @property
    def false_positive_rate(self) -> float:
        return self.fires / self.sims

    @property
    def fpr_interval(self) -> tuple[float, float]:
        return clopper_pearson(self.fires, self.sims)

    @property
    def power(self) -> float:
        return self.detected / self.models

    @property
    def power_interval(self) -> tuple[float, float]:
        return clopper_pearson(self.detected, self.models)

    def describe(self) -> str:
        (flo, fhi), (plo, phi) = self.fpr_interval, self.power_interval
        return (f"false positives {self.fires}/{self.sims} = {self.false_positive_rate:.1%} [{flo:.1%}, {fhi:.1%}] on "
                f"time-shuffled clouds ({self.draws} draws each, from a pool of {self.pool}); power "
                f"{self.detected}/{self.models} = {self.power:.0%} [{plo:.0%}, {phi:.0%}] on random subsets of "
                f"{SUBSAMPLE:.0%} of the neurons ({self.model_draws} draws each)")


def _fingerprint(W: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(W, dtype=np.float32).tobytes()).hexdigest()[:16]


def check_surface_doc(doc: dict) -> str | None:
    """Whether the counts of a stored surface calibration agree with its per-draw records.

    Parameters
    ----------
    doc : the stored document (:func:`surface_calibration`'s JSON)

    Returns
    -------
    None when they agree, else the problem in words
    """
    try:
        sims, models = doc["sims"], doc["models"]
        if len(doc["sim_fires"]) != sims or sum(map(bool, doc["sim_fires"])) != doc["fires"]:
            return f"fires {doc['fires']} is not the count of its {sims} simulations"
        if len(doc["model_p"]) != models or len(doc["model_dimension"]) != models:
            return f"{models} models but {len(doc['model_p'])} recorded"
        found = sum(1 for p, d in zip(doc["model_p"], doc["model_dimension"]) if p < ALPHA and d == 2)
        if found != doc["detected"]:
            return f"detected {doc['detected']} is not the count of its models ({found})"
        if not 0 <= doc["fires"] <= sims or not 0 <= doc["detected"] <= models:
            return "counts out of range"
    except (KeyError, TypeError) as exc:
        return f"is not a surface calibration ({exc})"
    return None


def _check(doc: dict) -> None:
    problem = check_surface_doc(doc)
    if problem:
        raise ValueError(problem)


def surface_calibration(W, *, sims: int = SURFACE_SIMS, draws: int = DRAWS, models: int = SURFACE_MODELS,
                        model_draws: int = SURFACE_MODEL_DRAWS, seed: int = 0, directory=None,
                        compute: bool = True, progress: bool = False) -> SurfaceCalibration | None:
    """The false-positive rate and power of :func:`surface_test`'s rule on the cloud ``W``.

    False positives: a pool of ``sims + draws`` time-shuffled clouds of ``W`` (where the null
    holds); simulation j takes cloud j as its data and ``draws`` others, drawn with ``seed``, as
    its nulls, and fires when that cloud is 2-D and its p < ALPHA. Power: ``models`` random
    subsets of the neurons (:func:`neuron_subsample`), each tested with ``model_draws`` nulls of
    its own. Stored in ``directory`` (by default the calibrations' folder,
    ``results/calibration/`` in a book build) as ``surface-v2-<hash of W>-...json``; read from
    there when present.

    Parameters
    ----------
    W : array of shape (R >= 3, n_neurons, d), finite
        The cloud the test ran on.
    sims : int >= 1
        Null simulations (default :data:`SURFACE_SIMS`).
    draws : int >= 2
        Null clouds per simulation (the test's own; default :data:`toponet.circle_decision.DRAWS`).
    models : int >= 1
        Power models (default :data:`SURFACE_MODELS`).
    model_draws : int >= 2
        Null clouds per model (default :data:`SURFACE_MODEL_DRAWS`).
    seed : int
        Seed of every draw (the time shuffles, the simulations' nulls, the models' neurons
        and every neighbourhood's centres).
    directory : path-like, optional
        Where to read and write (default: the calibrations',
        :func:`toponet.calibration.default_directory`); a stored document is also looked up
        in the committed results. The file name holds :data:`SURFACE_VERSION`, the first 16
        hexadecimal digits of the SHA-256 of ``W`` (float32) and every count and the seed.
    compute : bool
        Compute (and store) the calibration when none is stored; False: return None instead.
    progress : bool
        Show progress bars (the null pool, the models).

    Returns
    -------
    SurfaceCalibration or None
        None when none is stored and ``compute`` is False.
    """
    from tqdm.auto import tqdm

    W = _check_trajectories(W)
    sims, draws = check_int(sims, name="sims", low=1), check_int(draws, name="draws", low=2)
    models, model_draws = check_int(models, name="models", low=1), check_int(model_draws, name="model_draws", low=2)
    directory = Path(directory) if directory is not None else default_directory()
    path = directory / (f"surface-v{SURFACE_VERSION}-{_fingerprint(W)}-s{sims}-d{draws}-m{models}-"
                        f"md{model_draws}-s{seed}.json")
    doc = read_cached(path, check=_check)
    if doc is None and not compute:
        return None
    if doc is None:
        rng = np.random.default_rng([seed, 1])
        pool_n = sims + draws
        pool = [surface_stats(time_shuffled(W, rng), seed=seed)
                for _ in tqdm(range(pool_n), desc="surface: null pool", disable=not progress)]
        dims = np.array([d for d, _ in pool])
        res = np.array([r for _, r in pool])
        fires = []
        for j in range(sims):
            others = np.delete(np.arange(pool_n), j)
            null = res[rng.choice(others, draws, replace=False)]
            fires.append(bool(dims[j] == 2 and p_value(int(np.sum(null <= res[j])), draws) < ALPHA))
        model_p, model_dim = [], []
        for _ in tqdm(range(models), desc="surface: models", disable=not progress):
            t = surface_test(neuron_subsample(W, rng), draws=model_draws, seed=seed)
            model_p.append(round(t.p, 6))
            model_dim.append(t.dimension)
        doc = write_cached(path, {
            "version": SURFACE_VERSION, "fingerprint": _fingerprint(W), "shape": list(W.shape), "sims": sims,
            "draws": draws, "pool": pool_n, "models": models, "model_draws": model_draws, "seed": seed,
            "fires": int(sum(fires)), "sim_fires": fires,
            "detected": int(sum(1 for p, d in zip(model_p, model_dim) if p < ALPHA and d == 2)),
            "model_p": model_p, "model_dimension": model_dim})
    shape = doc["shape"]
    return SurfaceCalibration(sims=doc["sims"], fires=doc["fires"], pool=doc["pool"], draws=doc["draws"],
                              models=doc["models"], detected=doc["detected"], model_draws=doc["model_draws"],
                              n_points=int(shape[0] * shape[1]), seed=doc["seed"])
