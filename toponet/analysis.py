"""The paper's pipeline on one point cloud of spatial filters, with the null comparison.

normalize -> density filtration rho(k, p) -> persistence (H0, H1) + Mapper(resolution, gain),
plus the distance of every filter to the primary circle and the Klein bottle, and the same
top-H1 statistic on matched null clouds (see :mod:`toponet.nulls`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from toponet._validation import check_cloud, check_fraction, check_int
from toponet.density import density_filtration
from toponet.filters import group_clouds, normalize
from toponet.homology import PersistenceResult, persistence
from toponet.ideal import distance_to_model, gaussian_filters
from toponet.mapper import Mapper
from toponet.nulls import null_comparison
from toponet.circle_decision import floor_k

__all__ = ["PAPER_POINTS_FIG2", "scaled_k", "AnalysisConfig", "AnalysisResult", "filtered_top_h1", "GroupTopH1", "group_top_h1",
           "analyze_filters"]

#: The paper's Fig. 2 cloud: 100 networks x 64 first-layer filters.
PAPER_POINTS_FIG2 = 6400


def scaled_k(k_paper: int, n_points: int, n_points_paper: int) -> int:
    """The paper's k rescaled to a cloud of ``n_points`` instead of ``n_points_paper``, floored.

    The one place a chapter's k is scaled: the k-th neighbour distance probes a ball holding a
    fraction ``k / n`` of the cloud, and keeping that fraction fixed keeps the density estimate
    at the same scale. The result goes through :func:`toponet.circle_decision.floor_k`, the one floor: k
    never falls below :data:`toponet.circle_decision.K_MIN` (k = 1 or 2 measures nearest-neighbour noise,
    not density) and never reaches the cloud's size. Call it alone: its k needs no second
    :func:`~toponet.circle_decision.floor_k`.

    Parameters
    ----------
    k_paper : int >= 1
        The paper's k, in neighbours (the point itself not counted).
    n_points : int >= 2
        Points in the cloud k is for.
    n_points_paper : int >= 1
        Points in the paper's cloud that ``k_paper`` was chosen for.

    Returns
    -------
    k : int
        Neighbours: ``round(k_paper * n_points / n_points_paper)`` clipped to
        ``[K_MIN, n_points - 1]``.

    Raises
    ------
    ValueError
        When the cloud has at most ``K_MIN`` points (no k in ``[K_MIN, n_points - 1]``).
    """

    k_paper = check_int(k_paper, name="k_paper", low=1)
    n_points = check_int(n_points, name="n_points", low=2)
    n_points_paper = check_int(n_points_paper, name="n_points_paper", low=1)
    # at least 1 neighbour before the floor: floor_k takes a count of neighbours (k >= 1)
    return floor_k(max(1, round(k_paper * n_points / n_points_paper)), n_points)


@dataclass(frozen=True)
class AnalysisConfig:
    """Parameters of :func:`analyze_filters` (the paper's notation in brackets).

    k, p : density filtration rho(k, p); resolution, gain : Mapper(resolution, gain);
    null_repeats : matched null clouds per null kind (0 skips the null comparison);
    n_landmarks : passed to :func:`toponet.homology.persistence` ("auto" or an int);
    threshold : distance in R^9 counted as "near" an ideal model; seed : for every
    random step (landmarks, null clouds, Mapper layout).
    """

    k: int = 200
    p: float = 0.3
    resolution: int = 30
    gain: float = 3.0
    null_repeats: int = 10
    null_kinds: tuple[str, ...] = ("gaussian", "shuffled")
    n_landmarks: int | str = "auto"
    threshold: float = 0.3
    seed: int = 0
    mapper: bool = True

    def __post_init__(self):
        check_int(self.k, name="k", low=1)
        check_fraction(self.p, name="p")
        check_int(self.resolution, name="resolution", low=1)
        if not float(self.gain) > 1:
            raise ValueError(f"gain must be > 1 (overlap 1 - 1/gain); got {self.gain}")
        check_int(self.null_repeats, name="null_repeats", low=0)
        check_int(self.seed, name="seed", low=0)


@dataclass
class AnalysisResult:
    """Everything :func:`analyze_filters` computed.

    ``kept_index`` indexes the normalized cloud ``points`` (rows that survived the
    normalization); ``filtered`` = ``points[kept_index]`` is rho(k, p) of it.
    """

    config: AnalysisConfig
    n_points: int
    n_constant_dropped: int
    points: np.ndarray
    kept_index: np.ndarray
    persistence: PersistenceResult
    distance_primary: np.ndarray
    distance_klein: np.ndarray
    nulls: dict = field(default_factory=dict)
    mapper: object | None = None

    @property
    def filtered(self) -> np.ndarray:
        return self.points[self.kept_index]

    @property
    def n_kept(self) -> int:
        return int(self.kept_index.size)

    @property
    def headline_null(self):
        """The more conservative null comparison (smallest effect size), or None."""
        if not self.nulls:
            return None
        return min(self.nulls.values(), key=lambda c: (c.effect_size, -c.p_value))

    def summary(self) -> dict:
        """The JSON-ready summary printed by ``toponet analyze --json``."""
        cfg = self.config
        h1 = self.persistence.lifetimes(1)
        head = self.headline_null
        out = {
            "n_points": self.n_points,
            "n_constant_dropped": self.n_constant_dropped,
            "n_kept": self.n_kept,
            "k": cfg.k,
            "p": cfg.p,
            "top_h1_lifetime": float(h1[0]) if h1.size else 0.0,
            "h1_lifetimes": [float(v) for v in h1[:5]],
            "top_h0_lifetime": float(self.persistence.lifetimes(0)[0]) if self.persistence.lifetimes(0).size else 0.0,
            "persistence_method": self.persistence.method,
            "null_kind": head.kind if head else None,
            "null_mean": head.null_mean if head else None,
            "null_sd": head.null_sd if head else None,
            "effect_size": head.effect_size if head else None,
            "p_value": head.p_value if head else None,
            "null_repeats": cfg.null_repeats,
            "nulls": {k: {"null_mean": c.null_mean, "null_sd": c.null_sd, "effect_size": c.effect_size,
                          "p_value": c.p_value} for k, c in self.nulls.items()},
            "frac_near_primary_circle": float(np.mean(self.distance_primary <= cfg.threshold)),
            "frac_near_klein_bottle": float(np.mean(self.distance_klein <= cfg.threshold)),
            "frac_near_primary_circle_filtered": float(np.mean(self.distance_primary[self.kept_index] <= cfg.threshold)),
            "distance_threshold": cfg.threshold,
        }
        if self.mapper is not None:
            out.update(mapper_resolution=cfg.resolution, mapper_gain=cfg.gain,
                       mapper_nodes=int(self.mapper.n_nodes_), mapper_edges=int(self.mapper.n_edges_),
                       mapper_components=int(self.mapper.n_components_),
                       mapper_betti1=int(self.mapper.betti1_))
        else:
            out.update(mapper_nodes=None, mapper_edges=None, mapper_components=None, mapper_betti1=None)
        return out


def filtered_top_h1(X_raw, *, k: int, p: float, n_landmarks="auto", seed: int = 0) -> float:
    """Top H1 lifetime of rho(k, p) of the normalized cloud: the statistic the nulls repeat.

    ``k`` is used as given (not floored: the nulls of :func:`analyze_filters` must repeat its
    statistic with its own k), capped at ``n - 1`` for a cloud that lost constant filters in
    normalization; a chapter's k comes from :func:`scaled_k`.

    Parameters
    ----------
    X_raw : array-like of shape (n_points, 9)
        Raw (un-normalized) spatial filters; normalized here (constant filters dropped, n left).
    k : int >= 1
        The density's neighbour (the point itself not counted), capped at ``n - 1``.
    p : float in (0, 1]
        Fraction of the densest points rho(k, p) keeps.
    n_landmarks : "auto", int or None
        Passed to :func:`toponet.homology.persistence` ("auto": exact up to
        :data:`toponet.homology.EXACT_MAX_POINTS` points, landmarks above; None: exact).
    seed : int
        Seed of the maxmin landmarks.

    Returns
    -------
    float
        The longest finite H1 lifetime, in distance units of the normalized filters; 0.0 when
        there is no finite H1 bar.
    """
    Xn, _ = normalize(X_raw)
    k_eff = min(k, Xn.shape[0] - 1)    # the only cap: normalization may have dropped points
    return persistence(density_filtration(Xn, k_eff, p), maxdim=1, n_landmarks=n_landmarks,
                       seed=seed).top_lifetime(1)


@dataclass(frozen=True)
class GroupTopH1:
    """Top H1 lifetime of rho(k, p) of each disjoint group of networks (:func:`group_top_h1`).

    Attributes
    ----------
    values : ndarray of shape (n_groups,)
        Top H1 lifetime of each group's cloud (distance units of the normalized filters).
    gaussian : ndarray of shape (n_groups,) or None
        The same statistic of as many normalized gaussian filters per group (the null), when asked.
    points_per_group : int
        Filters in a group's cloud (networks per group x filters per network).
    k, p : int, float
        The density filtration applied to every group.
    """

    values: np.ndarray
    gaussian: np.ndarray | None
    points_per_group: int
    k: int
    p: float


def group_top_h1(weights, *, group_size: int, k: int, p: float, gaussian: bool = False,
                 seed: int = 0) -> GroupTopH1:
    """The one group statistic: :func:`filtered_top_h1` of each disjoint seed group of networks.

    Parameters
    ----------
    weights : array-like of shape (n_networks, out, in, 3, 3)
        One layer's kernels; groups of ``group_size`` networks in seed order
        (:func:`toponet.filters.group_clouds`).
    group_size : int
        Networks per group.
    k, p : int, float
        Density filtration rho(k, p) of every group's cloud (k as given: a chapter scales it
        first, :func:`scaled_k`).
    gaussian : bool
        Also the gaussian null: group ``g`` draws as many normalized gaussian filters with seed
        ``seed + 1000 + g``.
    seed : int
        Group ``g``'s landmark seed is ``seed + g``.

    Returns
    -------
    GroupTopH1
    """
    clouds = group_clouds(weights, group_size)
    p = check_fraction(p, name="p")
    per_group = clouds[0].shape[0]
    values = np.array([filtered_top_h1(c, k=k, p=p, seed=seed + g) for g, c in enumerate(clouds)])
    null = (np.array([filtered_top_h1(gaussian_filters(per_group, seed=seed + 1000 + g), k=k, p=p, seed=seed + g)
                      for g in range(len(clouds))]) if gaussian else None)
    return GroupTopH1(values=values, gaussian=null, points_per_group=int(per_group), k=int(k), p=p)


def analyze_filters(X, config: AnalysisConfig | None = None, *, kept_index=None, **overrides) -> AnalysisResult:
    """Run the paper's pipeline on raw spatial filters.

    Parameters
    ----------
    X : array-like of shape (n_points, 9) or (n_points, 3, 3)
        Raw (un-normalized) spatial filters.
    config : AnalysisConfig, optional; ``overrides`` replace its fields.
    kept_index : array-like of int, shape (n_core,), optional
        rho(k, p) of the normalized cloud as indices, where a circle test already computed it
        with the same k and p (:attr:`toponet.circle_decision.CircleTest.core_index`): the core
        is not filtered again. Its size must be the filtration's, ``max(1, round(p * n))``.
    **overrides
        Fields of :class:`AnalysisConfig` (``k``, ``p``, ``resolution``, ``gain``, ...).

    Returns
    -------
    AnalysisResult
        The normalized cloud, its dense core (``kept_index``), persistence, distances to the
        models, nulls (when ``null_repeats``) and Mapper graph (when ``mapper``).
    """
    cfg = config or AnalysisConfig()
    if overrides:
        cfg = AnalysisConfig(**{**asdict(cfg), **overrides})
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 3 and X.shape[1:] == (3, 3):
        X = X.reshape(len(X), 9)
    X = check_cloud(X, name="filters", dim=9)
    points, kept = normalize(X)
    if cfg.k >= points.shape[0]:
        raise ValueError(f"k={cfg.k} but only {points.shape[0]} filters remain after normalization; "
                         "choose k < number of points (see toponet.analysis.scaled_k)")
    if kept_index is None:
        _, kept_index = density_filtration(points, cfg.k, cfg.p, return_index=True)
    else:
        kept_index = np.asarray(kept_index, dtype=np.int64)
        n = points.shape[0]
        if kept_index.ndim != 1 or kept_index.size != max(1, min(n, round(cfg.p * n))) or kept_index.min() < 0 \
                or kept_index.max() >= n:
            raise ValueError(f"kept_index must hold rho(k, p)'s max(1, round(p * n)) = {max(1, round(cfg.p * n))} "
                             f"indices of the {n} normalized filters; got {kept_index.size}")
    filtered = points[kept_index]
    ph = persistence(filtered, maxdim=1, n_landmarks=cfg.n_landmarks, seed=cfg.seed)
    nulls = {}
    if cfg.null_repeats:
        def statistic(Y):
            return filtered_top_h1(Y, k=cfg.k, p=cfg.p, n_landmarks=cfg.n_landmarks, seed=cfg.seed)
        nulls = null_comparison(X[kept], statistic, kinds=cfg.null_kinds, repeats=cfg.null_repeats,
                                seed=cfg.seed, observed=ph.top_lifetime(1))
    mapper = None
    if cfg.mapper:
        mapper = Mapper(resolution=cfg.resolution, gain=cfg.gain, layout_seed=cfg.seed).fit(filtered)
    return AnalysisResult(
        config=cfg, n_points=int(X.shape[0]), n_constant_dropped=int((~kept).sum()), points=points,
        kept_index=np.asarray(kept_index), persistence=ph,
        distance_primary=distance_to_model(points, "primary_circle", threshold=cfg.threshold).distances,
        distance_klein=distance_to_model(points, "klein_bottle", threshold=cfg.threshold).distances,
        nulls=nulls, mapper=mapper)
