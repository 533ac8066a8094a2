"""The paper's claims as calibrated decision rules: one named function per claim (F3-F9, Figs. 3-9)
and the one entry point of the circle claim every chapter uses (:func:`circle_claim`).

Part of the maths core: it imports nothing from the chapters, which call it
(:mod:`toponet.chapters.cifar_gray`, :mod:`toponet.chapters.cifar_color`).

Every claim function returns a :class:`toponet.circle_decision.RuleResult`; the chapters only call them
and display what they return. The statistics (issue 12):

- **Circles** (F3's "no circle", F4, F5, F6, F9): the calibrated circle rule of
  :mod:`toponet.circle_decision` (top H1 bar of rho(k, p) against 99 gaussian, shuffled and
  second-order (directions) null clouds; power and false-positive rate at the same
  size from :mod:`toponet.calibration`, cached in ``results/calibration``), through
  :func:`circle_claim`, which also subsamples a cloud whose dense core would exceed
  :data:`MAX_CORE` points (a stated time budget) and floors k at 5.
- **Cluster count** (F3): :func:`cluster_test`, the Mapper cluster count of the dense core
  against 99 same-size gaussian and shuffled null clouds; the criterion "count in the claimed
  range" is used only where its false-positive rate (the share of null clouds whose count is
  in the range) is at most 5 %, its power measured on a five-cluster model.
- **Three H1 bars** (F7): ``circle_test(..., ranks=4)`` and ``long_bars()``, with the power
  of "exactly three bars" on a noisy two-circles-meeting-in-two-points model
  (:func:`bars_power`).
- **Distance to the three-circle model** (F8): :func:`model_fit_test`, the median distance of
  the dense core to the model and the share on the secondary circles only, against 99
  gaussian, shuffled and second-order (directions) null clouds, with power on a noisy three-circle
  model (:func:`calibrate_model_fit`).
- **Training evolution** (F5, F9): :func:`evolution_circles`, the circle rule per snapshot,
  and :func:`evolution_rule` for "appears at a, broken at b, back at c".

Parts of a claim are combined by :func:`combine_parts`: each part ``pass``, ``fail`` or
``inconclusive`` (its test could not have seen the effect: power below 80 %, or a criterion
whose false-positive rate at this size is above 5 %), or None (not testable here).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toponet._validation import check_fraction, check_int
from toponet.analysis import analyze_filters, scaled_k
from toponet.calibration import GaussianTops, calibrate_circle, default_directory, read_cached, threshold, write_cached
from toponet.density import density_filtration
from toponet.filters import normalize, pooled_filters
from toponet.homology import EXACT_MAX_POINTS, h1_bounds, persistence
from toponet.ideal import (BAR_MODELS, MODEL_NOISE, circles_sample, clusters_sample, distance_to_model,
                           gaussian_filters, model_sample)
from toponet.mapper import Mapper
from toponet.nulls import null_cloud
from toponet.circle_decision import (ALPHA, BOOK_KINDS, DRAWS, EXISTENCE_KINDS, MIN_POWER, SECOND_ORDER_KINDS, RuleResult,
                           aggregate_verdict, circle_rule, circle_test, combined_record, dense_core, floor_k,
                           null_seed, p_value)

__all__ = ["MAX_CORE", "MULTI_BAR_CORE", "budget_cloud", "part_outcome", "combine_parts",
           "CircleClaim", "circle_claim", "claim_persistence", "describe_claim",
           "count_clusters", "core_clusters", "ClusterTest", "cluster_test", "no_circle_outcome", "f3_rule", "f4_rule",
           "f6_rule", "bars_power", "f7_rule", "calibrate_model_fit", "ModelFitTest",
           "model_fit_test", "f8_rule", "pick_snapshots", "SnapshotCircle", "evolution_circles", "circle_summary",
           "snapshot_circle_tests", "evolution_rule", "f5_rule", "f9_rule", "snapshot_series"]

#: The dense core a circle test may hold: larger clouds are subsampled at random (seeded)
#: before normalizing so that rho(k, p) keeps at most this many points. Up to 300 points
#: one exact Rips run settles every comparison (:data:`toponet.homology.DIRECT_MAX_POINTS`):
#: ~0.1-0.15 s per null cloud here, against ~2 s at 750 points, so that 3 x 99 null clouds
#: and the calibration of each size fit a chapter's budget.
MAX_CORE = 300
#: The dense core a *multi-bar* test holds (F4's layer-2 claims, F7; chapter 08's cores use the
#: same size, :data:`toponet.chapters.natural_patches.TEST_POINTS`): counting several bars needs
#: points on every loop, and at 300 points a noisy two-circle model shows its three bars in only
#: 12 % of clouds. The birth certificate (:func:`toponet.homology.birth_scales`) settles a null
#: cloud of 1,500 points in about 0.6-2.7 s on one core (gaussian, shuffled, directions; measured
#: on the natural-patch core X(15, 30)), and the observed cloud's six longest bars in 7-33 s, so
#: 3 x 99 null clouds take about 5 minutes on 2 cores: the time budget of one claim. Clouds whose
#: core is smaller are tested whole.
MULTI_BAR_CORE = 1500
#: Parts of a claim: a criterion passes, fails, or could not have seen the effect.
OUTCOMES = ("pass", "fail", "inconclusive")
#: The calibration models' share of model filters (the rest gaussian), as
#: :func:`toponet.calibration.calibrate_circle` uses for the primary circle; their noise is
#: :data:`toponet.ideal.MODEL_NOISE`.
MODEL_FRACTION = 0.5
#: Model clouds and fresh null clouds per calibration (as toponet.calibration).
POWER_DRAWS = 40
FPR_DRAWS = 40
CACHE_VERSION = 1


# --- small helpers ------------------------------------------------------------------------

def budget_cloud(X_raw, p: float, *, max_core: int = MAX_CORE, seed: int = 0) -> tuple[np.ndarray, str | None]:
    """``X_raw`` or a seeded random subsample whose rho(., p) keeps at most ``max_core`` points.

    A cloud of at most ``floor(max_core / p)`` filters is returned whole; a larger one is cut to a
    seeded random subsample of exactly that many rows (in their original order), so that rho(., p),
    which keeps ``max(1, round(p * n))`` points, keeps at most ``max_core``.

    Parameters
    ----------
    X_raw : array-like of shape (n_points, 9)
        Raw (un-normalized) spatial filters.
    p : float in (0, 1]
        Fraction of the densest points the density filtration rho(k, p) will keep.
    max_core : int >= 10
        Most points the dense core may hold (default :data:`MAX_CORE`, the chapters' time budget).
    seed : int
        Seed of the random subsample.

    Returns
    -------
    cloud : ndarray of shape (n_kept, 9), float64
        ``X_raw`` as float64 when nothing was dropped, else the subsample
        (``n_kept = floor(max_core / p)``).
    note : str or None
        None when nothing was dropped, else a sentence for the verdict row ("subsampled at
        random to 3,000 of 8,192 filters ...").
    """
    X = np.asarray(X_raw, dtype=np.float64)
    p = check_fraction(p, name="p")
    max_core = check_int(max_core, name="max_core", low=10)
    cap = int(np.floor(max_core / p))
    if X.shape[0] <= cap:
        return X, None
    idx = np.sort(np.random.default_rng(seed).choice(X.shape[0], size=cap, replace=False))
    return X[idx], (f"subsampled at random to {cap:,} of {X.shape[0]:,} filters (a dense core of at most "
                    f"{max_core} points: the chapter's time budget)")


def part_outcome(found: bool, *, expect: bool, power: float | None) -> str:
    """One criterion's outcome: ``found`` (the test saw the effect) against what the claim ``expect`` s.

    Seeing nothing counts only with calibrated power >= MIN_POWER.

    Parameters
    ----------
    found : bool
        The test saw the effect.
    expect : bool
        The claim says the effect is there (True) or is not (False, e.g. F3's "no circle").
    power : float in [0, 1] or None
        The test's calibrated power to see the effect at this size; None: not calibrated.

    Returns
    -------
    outcome : {"pass", "fail", "inconclusive"}
        ``found``: "pass" when ``expect``, else "fail". Nothing found, with ``power`` >=
        :data:`toponet.circle_decision.MIN_POWER`: "fail" when ``expect``, else "pass". Nothing found
        otherwise (power below MIN_POWER or None): "inconclusive".
    """
    if found:
        return "pass" if expect else "fail"
    if power is not None and power >= MIN_POWER:
        return "fail" if expect else "pass"
    return "inconclusive"


def combine_parts(parts: dict) -> str:
    """A claim's verdict from its parts ({name: "pass" / "fail" / "inconclusive" / None}).

    reproduced: every testable part passes; partly: some pass; not reproduced: none passes
    and at least one fails; inconclusive: the testable parts are all inconclusive; not
    tested: no part is testable.

    Parameters
    ----------
    parts : dict of str to {"pass", "fail", "inconclusive"} or None
        Criterion -> its outcome (:func:`part_outcome`); None: the part is not testable here.
        Not empty.

    Returns
    -------
    verdict : {"reproduced", "partly", "not reproduced", "inconclusive", "not tested"}

    Raises
    ------
    ValueError
        When ``parts`` is not a non-empty dict, or an outcome is neither one of
        :data:`OUTCOMES` nor None.
    """
    if not isinstance(parts, dict) or not parts:
        raise ValueError("parts must be a non-empty dict {criterion: outcome}")
    bad = [o for o in parts.values() if o is not None and o not in OUTCOMES]
    if bad:
        raise ValueError(f"part outcomes must be one of {OUTCOMES} or None; got {bad}")
    tested = [o for o in parts.values() if o is not None]
    if not tested:
        return "not tested"
    if all(o == "pass" for o in tested):
        return "reproduced"
    if "pass" in tested:
        return "partly"
    if "fail" in tested:
        return "not reproduced"
    return "inconclusive"


def _parts_reasons(parts: dict) -> list[str]:
    return [f"{name} -> {'not testable here' if o is None else o}" for name, o in parts.items()]


def _effect(observed: float, values) -> float | None:
    v = np.asarray(values, dtype=np.float64)
    sd = float(np.std(v, ddof=1)) if v.size > 1 else 0.0
    return None if sd <= 0 else round((float(observed) - float(v.mean())) / sd, 3)


def mixed_model(sample, n: int, *, fraction: float = MODEL_FRACTION, seed: int = 0) -> np.ndarray:
    """A calibration model cloud: ``fraction`` of ``n`` filters from ``sample(m, seed)``, the
    rest gaussian filters (as :func:`toponet.calibration.model_cloud`)."""

    m = int(round(fraction * n))
    parts = [sample(m, seed)] if m else []
    if n - m:
        parts.append(gaussian_filters(n - m, seed=seed + 10_000_019))
    return np.concatenate(parts)


# --- the circle rule on one cloud ------------------------------------------------------------

@dataclass(frozen=True)
class CircleClaim:
    """The calibrated circle rule on one cloud: what :func:`circle_claim`, the one entry point of
    the circle claim, returns. Its dense core (:meth:`core`), persistence (:meth:`persistence`),
    Mapper graph (:meth:`mapper`) and the figures' whole pipeline (:meth:`analysis`) are computed
    from the tested cloud when a figure asks.

    Attributes
    ----------
    label : str
        What the cloud is.
    n_raw : int
        Filters before any subsampling.
    note : str or None
        The subsampling sentence, or None when the whole cloud was tested.
    test : toponet.circle_decision.CircleTest
        The top bars of rho(k, p) against the matched nulls (its ``k``, ``p``, ``n_core``).
    calibration : toponet.calibration.Calibration or None
        The rule's false-positive rate and power at this size, k, p and draws (None: not asked).
    rule : toponet.circle_decision.RuleResult
        The verdict, its reasons, power and p-values with their draws.
    cloud : ndarray of shape (n, 9)
        The raw filters tested (after the subsampling ``note`` describes).
    """

    label: str
    n_raw: int
    note: str | None
    test: object
    calibration: object
    rule: RuleResult
    cloud: np.ndarray = field(repr=False, default=None)

    @property
    def exists(self) -> bool:
        return bool(self.test.exists)

    @property
    def verdict(self) -> str:
        """The rule's verdict ("reproduced", "partly", "not reproduced", "inconclusive")."""
        return self.rule.verdict

    def core(self) -> np.ndarray:
        """The dense core the test measured: rho(k, p) of the normalized cloud, shape (n_core, 9)
        (the test's own core where it kept its indices; filtered again otherwise)."""
        index = getattr(self.test, "core_index", None)
        if index is not None:
            return normalize(np.asarray(self.cloud, dtype=np.float64))[0][index]
        return dense_core(self.cloud, self.test.k, self.test.p)

    def persistence(self, *, seed: int = 0):
        """Exact persistence (H0, H1) of the core for a barcode figure (:func:`claim_persistence`)."""
        return claim_persistence(self, seed=seed)

    def analysis(self, *, resolution: int = 30, gain: float = 3.0, seed: int = 0, mapper: bool = True):
        """The figures' pipeline on the core the rule tested (no nulls of its own, exact persistence).

        Parameters
        ----------
        resolution : int >= 1
            Intervals of the Mapper cover.
        gain : float > 1
            Overlap of the cover's intervals.
        seed : int
            Seeds the persistence and the graph's layout.
        mapper : bool
            Fit the Mapper graph too.

        Returns
        -------
        toponet.analysis.AnalysisResult
            :func:`toponet.analysis.analyze_filters` of the tested cloud with the test's k and p,
            its core read from the test (:attr:`toponet.circle_decision.CircleTest.core_index`), not
            filtered again.
        """
        return analyze_filters(self.cloud, kept_index=self.test.core_index, k=self.test.k, p=self.test.p,
                               resolution=resolution, gain=gain, null_repeats=0, seed=seed, n_landmarks=None,
                               mapper=mapper)

    def mapper(self, *, resolution: int = 30, gain: float = 3.0, seed: int = 0) -> Mapper:
        """The Mapper graph of the core the rule tested, for a figure (a picture, not evidence).

        Parameters
        ----------
        resolution : int >= 1
            Intervals of the Mapper cover (the paper's Mapper(resolution, gain)).
        gain : float > 1
            Overlap of the cover's intervals.
        seed : int
            Seeds the graph's layout.

        Returns
        -------
        toponet.mapper.Mapper
            Fitted on :meth:`core` (shape (n_core, 9)): its ``graph_``, ``node_means_`` and loop
            counts.
        """
        return Mapper(resolution=resolution, gain=gain, layout_seed=seed).fit(self.core())

    def describe(self) -> str:
        s = f"{self.label}: {self.test.describe()}"
        return s + (f" ({self.note})" if self.note else "")


def circle_claim(X_raw, *, p: float, k: int | None = None, k_paper: int | None = None,
                 n_points_paper: int | None = None, draws: int = DRAWS, seed: int = 0, one_bar: bool = True,
                 kinds=BOOK_KINDS, ranks: int = 2, max_core: int | None = MAX_CORE, calibrate: bool = True,
                 progress: bool = False, label: str = "") -> CircleClaim:
    """The one entry point of the circle claim: the calibrated circle rule on raw filters.

    Runs :func:`toponet.circle_decision.circle_test` (the ``kinds`` of null, ``draws`` each; gaussian tops
    cached), calibrates the rule at the cloud's size, k, p and draws
    (:func:`toponet.calibration.calibrate_circle`, cached in ``results/calibration``) and applies
    :func:`toponet.circle_decision.circle_rule`.

    Parameters
    ----------
    X_raw : array-like of shape (n, 9)
        Raw (un-normalized) spatial filters.
    p : float
        Fraction of the densest points rho(k, p) keeps, in (0, 1].
    k : int, optional
        The density's neighbour, used as given (the caller scaled it, e.g. with
        :func:`toponet.analysis.scaled_k`). Give ``k`` or ``k_paper``, not both.
    k_paper, n_points_paper : int, optional
        The paper's k for its cloud of ``n_points_paper`` filters, rescaled to this cloud after
        the cut (:func:`toponet.analysis.scaled_k`, floored at 5).
    draws : int
        Null clouds per kind (p-values resolve to 1 / (draws + 1)).
    seed : int
        Seed of the subsample, the null clouds and the landmarks.
    one_bar : bool
        The claim is one circle (the rule also asks the second bar to be short).
    kinds : sequence of str
        Null kinds (:data:`toponet.circle_decision.BOOK_KINDS` by default).
    ranks : int
        Longest H1 bars tested (at least 2 with ``one_bar``).
    max_core : int or None
        Cut the cloud (seeded subsample, :func:`budget_cloud`) so rho(., p) keeps at most this
        many points; None tests the whole cloud.
    calibrate : bool
        Calibrate the rule (False: the rule decides without power and false-positive rate).
    progress : bool
        Progress bars for the nulls and the calibration.
    label : str
        What the cloud is, for :meth:`CircleClaim.describe`.

    Returns
    -------
    CircleClaim
    """
    if (k is None) == (k_paper is None) or (k_paper is not None and n_points_paper is None):
        raise ValueError("circle_claim needs k (used as given) or k_paper with n_points_paper (rescaled), not both")
    X_raw = np.asarray(X_raw, dtype=np.float64)
    X, note = (X_raw, None) if max_core is None else budget_cloud(X_raw, p, max_core=max_core, seed=seed)
    if k is None:
        k = scaled_k(k_paper, normalize(X)[0].shape[0], n_points_paper)
    test = circle_test(X, k=k, p=p, kinds=tuple(kinds), draws=draws, seed=seed, ranks=max(ranks, 2 if one_bar else 1),
                       gaussian_cache=GaussianTops(), progress=progress)
    cal = calibrate_circle(test.n_points, test.k, test.p, draws=draws, progress=progress) if calibrate else None
    return CircleClaim(label=label, n_raw=int(X_raw.shape[0]), note=note, test=test, calibration=cal,
                       rule=circle_rule(test, cal, one_bar=one_bar), cloud=X)


def claim_persistence(claim: CircleClaim, *, seed: int = 0):
    """Exact persistence (H0, H1) of the dense core the claim tested, for its barcode figure.

    The core is rho(k, p) of the claim's normalized cloud at its test's ``k`` and ``p``
    (:func:`toponet.circle_decision.dense_core`). A core above :data:`toponet.homology.EXACT_MAX_POINTS`
    points is drawn from a seeded sample of that many (every bar of a 1,500-point core would hold
    its whole Rips complex, several GB; the test itself settles its bars with capped complexes):
    the result's ``n_points`` says how many, for the caption.

    Parameters
    ----------
    claim : CircleClaim
        A claim of :func:`circle_claim` (its ``cloud`` and ``test.k``, ``test.p`` are used).
    seed : int
        Seed of the sample of a core above EXACT_MAX_POINTS points (unused for a smaller core).

    Returns
    -------
    toponet.homology.PersistenceResult
        Exact Vietoris-Rips diagrams (no landmarks) in dimensions 0 and 1, in distance units of
        the normalized filters; ``n_points``: the core points used.
    """

    core = dense_core(claim.cloud, claim.test.k, claim.test.p)
    if core.shape[0] > EXACT_MAX_POINTS:
        core = core[np.sort(np.random.default_rng(seed).choice(core.shape[0], EXACT_MAX_POINTS, replace=False))]
    return persistence(core, maxdim=1, n_landmarks=None)


def describe_claim(label: str, claim: CircleClaim) -> str:
    """One sentence: the top bar against the existence nulls and the rule's verdict.

    Parameters
    ----------
    label : str
        What the cloud is: the sentence's start (used instead of ``claim.label``).
    claim : CircleClaim

    Returns
    -------
    str
        The top H1 bar (its lower bound, in distance units of the normalized filters) and the
        core's size; the p-value of each existence null that was run
        (:data:`toponet.circle_decision.EXISTENCE_KINDS`); "a circle" or "no circle"
        (:attr:`CircleClaim.exists`); the rule's verdict, its power when calibrated, and, when
        the calibration's false-positive rate is too high (its ``fpr_too_high``), that the rule
        is not usable at this size.
    """
    t, r = claim.test, claim.rule
    ps = ", ".join(f"{k} {t.nulls[k].describe()}" for k in EXISTENCE_KINDS if k in t.nulls)
    pw = "" if r.power is None else f", power {r.power:.0%}"
    if claim.calibration is not None and claim.calibration.fpr_too_high:
        c = claim.calibration
        fp = (c.describe_fpr() if hasattr(c, "describe_fpr") else
              ", ".join(f"false positives {k} {e}/{c.fpr_draws}" for k, e in c.fpr_exceed.items()))
        pw += f"; not usable at this size: {fp}, above 5 %"
    return (f"{label}: top $H_1$ bar {t.top[0]:.2f} on {t.n_core} points ({ps}): "
            f"{'a circle' if t.exists else 'no circle'} (rule: {r.verdict}{pw})")


def _claim_record(claims) -> tuple[dict, float | None, float | None, int | None]:
    """nulls (of the first claim), min power, max false-positive rate, min cloud size
    (:func:`toponet.circle_decision.combined_record` of the claims' rules)."""
    rec = combined_record(c.rule for c in claims)
    return rec["nulls"], rec["power"], rec["false_positive_rate"], rec["cloud_points"]


# --- F3: the Mapper cluster count against null clouds ---------------------------------------

def count_clusters(mapper, *, min_fraction: float = 0.02) -> dict:
    """Clusters of a fitted Mapper graph: its connected components holding enough points.

    A component counts when its nodes cover at least ``min_fraction`` of the points the
    Mapper saw (so isolated nodes of a few outliers are not "clusters").

    Parameters
    ----------
    mapper : toponet.mapper.Mapper
        Fitted (``.fit`` called).
    min_fraction : float in (0, 1]
        Share of the Mapper's points a component's nodes must cover (distinct points) to count.

    Returns
    -------
    dict
        ``n_clusters`` (int), ``sizes`` (points per counted cluster, descending),
        ``n_components`` (all components, counted or not) and ``min_fraction``.

    Raises
    ------
    ValueError
        When ``mapper`` is not fitted.
    """
    min_fraction = check_fraction(min_fraction, name="min_fraction")
    members = getattr(mapper, "node_members_", None)
    if members is None:
        raise ValueError("count_clusters needs a fitted toponet.mapper.Mapper (call .fit first)")
    n_points = int(mapper.lens_.shape[0])
    sizes = []
    for comp in mapper.graph_.connected_components():
        pts = np.unique(np.concatenate([members[i] for i in comp])) if comp else np.empty(0, int)
        sizes.append(int(pts.size))
    sizes = sorted(sizes, reverse=True)
    counted = [s for s in sizes if s >= min_fraction * n_points]
    return dict(n_clusters=len(counted), sizes=counted, n_components=len(sizes), min_fraction=min_fraction)


def _graph_mapper(resolution: int, gain: float, seed: int):
    """A Mapper that skips the drawing layout (only the graph is needed to count clusters)."""

    class _GraphOnly(Mapper):
        def _layout(self):
            return np.zeros((self.n_nodes_, 2))

    return _GraphOnly(resolution=resolution, gain=gain, layout_seed=seed)


def core_clusters(core: np.ndarray, *, resolution: int, gain: float, seed: int = 0) -> int:
    """Mapper(resolution, gain) clusters (:func:`count_clusters`) of a dense core.

    Parameters
    ----------
    core : ndarray of shape (n_core, 9)
        Usually rho(k, p) of normalized filters.
    resolution : int >= 1
        Intervals per lens of the Mapper cover.
    gain : float > 1
        Overlap of neighbouring intervals: ``1 - 1/gain``.
    seed : int
        The Mapper's ``layout_seed``; only the graph is built here (no layout is drawn), so the
        count does not depend on it.

    Returns
    -------
    int
        Components covering at least 2 % of the core's points (:func:`count_clusters`'s
        default ``min_fraction``).
    """
    return int(count_clusters(_graph_mapper(resolution, gain, seed).fit(core))["n_clusters"])


@dataclass(frozen=True)
class ClusterTest:
    """The Mapper cluster count of a dense core against same-size null clouds.

    observed : clusters of the cloud; claimed : (low, high) range the claim accepts;
    null_counts : kind -> counts of the ``draws`` null clouds; power_counts : counts of
    :func:`clusters_sample` model clouds (five clusters, half the filters gaussian);
    n_points, n_core, k, p, resolution, gain : the pipeline.
    """

    observed: int
    claimed: tuple
    null_counts: dict
    power_counts: tuple
    n_points: int
    n_core: int
    k: int
    p: float
    resolution: int
    gain: float
    draws: int

    def _in(self, c: int) -> bool:
        return self.claimed[0] <= c <= self.claimed[1]

    @property
    def in_range(self) -> bool:
        return self._in(self.observed)

    def hits(self, kind: str) -> int:
        """Null clouds of ``kind`` whose count lies in the claimed range."""
        return int(sum(self._in(c) for c in self.null_counts[kind]))

    def pval(self, kind: str) -> float:
        """(1 + null clouds in the range) / (1 + draws) when the observed count is in the range
        (how often chance passes the criterion), else 1."""
        return p_value(self.hits(kind), self.draws) if self.in_range else 1.0

    @property
    def false_positive_rate(self) -> float:
        """Largest share, over null kinds, of null clouds that pass the criterion."""
        return max(self.hits(k) / self.draws for k in self.null_counts)

    @property
    def usable(self) -> bool:
        """The criterion's false-positive rate at this size is at most ALPHA."""
        return self.false_positive_rate <= ALPHA

    @property
    def power(self) -> float | None:
        return None if not self.power_counts else float(np.mean([self._in(c) for c in self.power_counts]))

    @property
    def outcome(self) -> str:
        """pass: in range and beyond chance (p < ALPHA for every null kind, criterion usable);
        fail: out of range with power >= MIN_POWER; inconclusive otherwise."""
        if not self.usable:
            return "inconclusive"
        if self.in_range:
            return "pass" if all(self.pval(k) < ALPHA for k in self.null_counts) else "inconclusive"
        return part_outcome(False, expect=True, power=self.power)

    def nulls_record(self) -> dict:
        return {f"clusters-{k}": {"p": round(self.pval(k), 4), "draws": self.draws,
                                  "effect_size": _effect(self.observed, v)} for k, v in self.null_counts.items()}

    def describe(self) -> str:
        lo, hi = self.claimed
        nul = "; ".join(f"{k}: {self.hits(k)} of {self.draws} null clouds have {lo}-{hi} (median {np.median(v):g})"
                        for k, v in self.null_counts.items())
        pw = "n/a" if self.power is None else f"{self.power:.0%} ({len(self.power_counts)} five-cluster model clouds)"
        use = ("usable" if self.usable else
               f"cannot be used at this size: its false-positive rate {self.false_positive_rate:.0%} is above 5%")
        return (f"{self.observed} Mapper({self.resolution}, {self.gain:g}) clusters on rho({self.k}, {self.p:g}) = "
                f"{self.n_core} of {self.n_points} filters; {nul}; criterion '{lo}-{hi} clusters' {use}; "
                f"power {pw}")


def _check_version(doc: dict) -> None:
    """A cached claim calibration of another version is stale, not usable."""
    if doc.get("version") != CACHE_VERSION:
        raise ValueError(f"cache version {doc.get('version')!r}, this toponet computes {CACHE_VERSION}")


def _cluster_cache_path(n, k, p, resolution, gain, draws, power_draws, seed) -> Path:
    return default_directory() / (f"clusters-v{CACHE_VERSION}-n{n}-k{k}-p{p:.4g}-r{resolution}-g{gain:g}-d{draws}-"
                           f"pw{power_draws}-s{seed}.json")


def calibrate_clusters(n: int, k: int, p: float, *, resolution: int, gain: float, draws: int = DRAWS,
                       power_draws: int = POWER_DRAWS, seed: int = 0) -> dict:
    """Mapper cluster counts of ``draws`` gaussian null clouds and ``power_draws`` five-cluster
    model clouds of ``n`` filters through rho(k, p): they depend only on these parameters, so
    they are cached in ``results/calibration/clusters-...json``. Returns {"gaussian": [...],
    "model": [...]}."""

    path = _cluster_cache_path(n, k, p, resolution, gain, draws, power_draws, seed)
    cached = read_cached(path, check=_check_version)
    if cached is not None:
        return cached
    zeros = np.zeros((n, 9))
    gauss = [core_clusters(density_filtration(null_cloud(zeros, "gaussian", null_seed(seed, "gaussian", r)), k, p),
                           resolution=resolution, gain=gain, seed=seed) for r in range(draws)]
    model = [core_clusters(density_filtration(normalize(mixed_model(lambda m, s: clusters_sample(m, seed=s), n,
                                                                    seed=seed + 1 + r))[0], k, p),
                           resolution=resolution, gain=gain, seed=seed) for r in range(power_draws)]
    out = {"version": CACHE_VERSION, "n": n, "k": k, "p": float(p), "resolution": resolution, "gain": gain,
           "draws": draws, "seed": seed, "gaussian": gauss, "model": model,
           "model_description": f"{MODEL_FRACTION:.0%} five-cluster filters (noise {MODEL_NOISE:g}) + gaussian"}
    return write_cached(path, out)


def cluster_test(X_raw, *, k: int, p: float, resolution: int = 30, gain: float = 3.0, claimed=(4, 6),
                 draws: int = DRAWS, power_draws: int = POWER_DRAWS, seed: int = 0) -> ClusterTest:
    """Mapper cluster count of rho(k, p) of ``X_raw`` against same-size gaussian and shuffled nulls.

    ``draws`` null clouds of each kind, of the same size as the normalized cloud, go through the
    same rho(k, p) and Mapper. The gaussian counts and the five-cluster model's (the power) depend
    only on the size, k, p, Mapper and draws, so they are cached (:func:`calibrate_clusters`);
    the shuffled nulls are shuffles of this cloud, computed each time.

    Parameters
    ----------
    X_raw : array-like of shape (n_points, 9)
        Raw (un-normalized) spatial filters; normalized here (constant filters dropped).
    k : int
        The density's neighbour, through :func:`toponet.circle_decision.floor_k` (clipped to
        [K_MIN, n - 1], n the filters after normalization).
    p : float in (0, 1]
        Fraction of the densest points rho(k, p) keeps.
    resolution : int >= 1
        Mapper intervals per lens.
    gain : float > 1
        Mapper gain (overlap ``1 - 1/gain``).
    claimed : (int, int)
        The (low, high) cluster counts the claim accepts, both included; 0 <= low <= high.
    draws : int
        Null clouds per kind.
    power_draws : int
        Model clouds behind the power: :data:`MODEL_FRACTION` of their filters from
        :func:`clusters_sample`, the rest gaussian.
    seed : int
        Seed of the null clouds (:func:`toponet.circle_decision.null_seed`), of the model clouds
        (``seed + 1 + r``) and the Mapper's layout seed.

    Returns
    -------
    ClusterTest

    Raises
    ------
    ValueError
        When ``claimed`` has low > high.
    """

    lo, hi = (check_int(c, name="claimed", low=0) for c in claimed)
    if lo > hi:
        raise ValueError(f"claimed must be (low, high) with low <= high; got {claimed}")
    Xn, _ = normalize(np.asarray(X_raw, dtype=np.float64))
    n = Xn.shape[0]
    k = floor_k(k, n)
    core = density_filtration(Xn, k, p)
    observed = core_clusters(core, resolution=resolution, gain=gain, seed=seed)
    cal = calibrate_clusters(n, k, p, resolution=resolution, gain=gain, draws=draws, power_draws=power_draws,
                             seed=seed)
    shuffled = [core_clusters(density_filtration(null_cloud(Xn, "shuffled", null_seed(seed, "shuffled", r)), k, p),
                              resolution=resolution, gain=gain, seed=seed) for r in range(draws)]
    return ClusterTest(observed=observed, claimed=(lo, hi),
                       null_counts={"gaussian": tuple(cal["gaussian"]), "shuffled": tuple(shuffled)},
                       power_counts=tuple(cal["model"]), n_points=n, n_core=int(core.shape[0]), k=k, p=float(p),
                       resolution=int(resolution), gain=float(gain), draws=draws)


def no_circle_outcome(claim: CircleClaim) -> str:
    """F3's "no significant circle" as a part's outcome: pass, fail or inconclusive.

    fail when the circle rule finds one (a ``partly``, a circle with a second long bar, is a
    circle too), pass when it finds none with power >= MIN_POWER, inconclusive otherwise.
    "Finds one" is :attr:`CircleClaim.exists`: the top bar beats the gaussian and the shuffled
    nulls (p < ALPHA), read from the test whatever the rule's verdict.

    Parameters
    ----------
    claim : CircleClaim

    Returns
    -------
    {"pass", "fail", "inconclusive"}
        :func:`part_outcome` of ``claim.exists`` with ``expect=False`` and the rule's power
        (None when not calibrated: then no circle is inconclusive).
    """
    return part_outcome(claim.exists, expect=False, power=claim.rule.power)


def f3_rule(parts: dict) -> RuleResult:
    """F3: "five clusters and no significant primary circle", for each architecture.

    Each architecture gives two criteria: "no significant circle" (:func:`no_circle_outcome`)
    and "4-6 clusters" (:attr:`ClusterTest.outcome`: inconclusive where the criterion's
    false-positive rate is above 5 %); :func:`combine_parts` decides. A cluster count with power
    below MIN_POWER on the five-cluster model that did not pass is reported beside the verdict,
    not among its parts (it could not have seen five clusters). The row's power and
    false-positive rate are the circle rule's (min power, max rate over architectures).

    Parameters
    ----------
    parts : dict of str to dict
        Architecture label -> ``dict(circle=CircleClaim, clusters=ClusterTest)``; at least one.
        The cluster range is each :class:`ClusterTest`'s ``claimed``.

    Returns
    -------
    toponet.circle_decision.RuleResult
        ``nulls``: the first architecture's circle nulls plus its cluster-count nulls
        (``clusters-<kind>``); ``cloud_points``: the smallest circle core; ``extra``: ``parts``
        (criterion -> outcome) and ``cluster_fpr`` (label -> the cluster criterion's
        false-positive rate).

    Raises
    ------
    ValueError
        When ``parts`` is empty.
    """
    if not parts:
        raise ValueError("f3_rule needs at least one architecture")
    outcomes, reasons = {}, []
    for lab, v in parts.items():
        c, cl = v["circle"], v["clusters"]
        lo, hi = cl.claimed
        outcomes[f"{lab}: no significant circle (circle rule: {c.rule.verdict})"] = no_circle_outcome(c)
        if cl.power is not None and cl.power < MIN_POWER and cl.outcome != "pass":
            # a criterion that could not have seen five clusters at this size decides nothing:
            # reported beside the verdict, not among its parts (issue 26)
            reasons.append(f"{lab}: {lo}-{hi} clusters (found {cl.observed}) reported beside the verdict, not in it: "
                           f"the cluster count has power {cl.power:.0%} on a five-cluster model at this size")
        else:
            outcomes[f"{lab}: {lo}-{hi} clusters (found {cl.observed})"] = cl.outcome
        reasons += [f"{lab} circle: {c.describe()}", f"{lab} clusters: {cl.describe()}"]
    verdict = combine_parts(outcomes)
    nulls, power, fpr, size = _claim_record(v["circle"] for v in parts.values())
    first = next(iter(parts.values()))["clusters"]
    nulls.update(first.nulls_record())
    return RuleResult(verdict=verdict, reasons=tuple(_parts_reasons(outcomes) + reasons), nulls=nulls, power=power,
                      false_positive_rate=fpr, cloud_points=size,
                      extra={"parts": outcomes, "cluster_fpr": {lab: v["clusters"].false_positive_rate
                                                                for lab, v in parts.items()}})


# --- F4, F6: circles in several clouds ------------------------------------------------------

def circles_rule(claims: dict, *, require_all: bool = True) -> RuleResult:
    """A claim made of circle claims (label -> :class:`CircleClaim`): F4 (pooled layer 2 and
    one network's layer 2), F6 (all channels, R, G, B).

    reproduced: every cloud's rule says reproduced; partly: at least one reproduced or partly
    whose existence p-values survive Bonferroni over the clouds (else inconclusive); not
    reproduced: every cloud's rule says not reproduced; inconclusive otherwise
    (:func:`toponet.circle_decision.aggregate_verdict`).
    """

    if not claims:
        raise ValueError("circles_rule needs at least one circle claim")
    verdict = aggregate_verdict([c.rule.verdict for c in claims.values()],
                                [max((c.test.nulls[k].p for k in EXISTENCE_KINDS if k in c.test.nulls), default=1.0)
                                 for c in claims.values()])
    reasons = [f"{lab}: {c.rule.verdict}: {c.describe()}" for lab, c in claims.items()]
    found = [lab for lab, c in claims.items() if c.exists]
    if found and len(claims) > 1:
        strict = [lab for lab in found if all(claims[lab].test.nulls[k].p < ALPHA / len(claims)
                                              for k in EXISTENCE_KINDS if k in claims[lab].test.nulls)]
        reasons.append(f"multiplicity: a circle in {len(found)} of {len(claims)} clouds at p < {ALPHA:g}; "
                       f"{len(strict)} of them also at p < {ALPHA / len(claims):.3g} (Bonferroni over the "
                       f"{len(claims)} clouds){': ' + ', '.join(strict) if strict else ''}")
    for lab, c in claims.items():
        reasons += [f"  {lab}: {r}" for r in c.rule.reasons]
    nulls, power, fpr, size = _claim_record(claims.values())
    return RuleResult(verdict=verdict, reasons=tuple(reasons), nulls=nulls, power=power, false_positive_rate=fpr,
                      cloud_points=size, extra={"parts": {lab: c.rule.verdict for lab, c in claims.items()},
                                                "beyond_second_order": {lab: c.test.beyond_second_order
                                                                        for lab, c in claims.items()}})


def f4_rule(pooled: CircleClaim, one: CircleClaim) -> RuleResult:
    """F4: a circle in the barcodes of the pooled second layer and the primary circle in one network's second layer.

    The circle rule on both clouds (:func:`circles_rule`). The paper's Mapper picture is not in
    the rule (its false-positive rate at these sizes is not calibrated).

    Parameters
    ----------
    pooled : CircleClaim
        The circle claim on the pooled second layer's filters ("pooled layer 2").
    one : CircleClaim
        The circle claim on one network's second layer ("one network's layer 2").

    Returns
    -------
    toponet.circle_decision.RuleResult
        :func:`circles_rule` of the two claims.
    """
    return circles_rule({"pooled layer 2": pooled, "one network's layer 2": one})


def f6_rule(claims: dict) -> RuleResult:
    """F6: the primary circle in the colour first layer, all channels pooled and each of R, G, B alone.

    The circle rule per cloud (:func:`circles_rule`).

    Parameters
    ----------
    claims : dict of str to CircleClaim
        Cloud label (all channels, R, G, B) -> its circle claim; at least one.

    Returns
    -------
    toponet.circle_decision.RuleResult
        :func:`circles_rule` of the claims.
    """
    return circles_rule(claims)


# --- F7: three H1 bars -------------------------------------------------------------------------

def _bars_cache_path(n, k, p, draws, circles, power_draws, seed, model: str = "") -> Path:
    tag = f"circles{circles}" if not model else f"model-{model}"
    return default_directory() / (f"bars-v{CACHE_VERSION}-n{n}-k{k}-p{p:.4g}-d{draws}-{tag}-"
                           f"noise{MODEL_NOISE:g}-f{MODEL_FRACTION:g}-pw{power_draws}-s{seed}.json")


def bars_power(calibration, *, expected: int | None = None, circles: int = 2, power_draws: int = POWER_DRAWS,
               seed: int = 0, model: str | None = None, compute: bool = True) -> dict | None:
    """Power of "exactly ``expected`` H1 bars beat the nulls" on a noisy model.

    The model: ``circles`` circles (2: two circles meeting in two points, three independent
    loops; 3: the three-circle model, five), or ``model`` (one of :data:`BAR_MODELS`; its
    ``expected`` is then the model's own bar count unless given). Model clouds
    (:func:`mixed_model`: half model filters with noise MODEL_NOISE, half gaussian) at the
    calibration's size, k and p; a bar counts when it exceeds the calibration's larger
    threshold (the (1 - ALPHA) quantile of the gaussian and shuffled nulls' *top* bars, as
    :meth:`toponet.circle_decision.CircleTest.long_bars` counts: every bar is held to the null
    distribution of the top bar, so a null cloud shows one or more bars with probability at
    most the rule's false-positive rate, a family-wise error over all ranks). Cached in
    ``results/calibration/bars-...json``.

    Parameters
    ----------
    calibration : toponet.calibration.Calibration
        The circle rule's calibration at the tested cloud: its ``n_points``, ``k``, ``p`` set
        the model clouds, its ``thresholds`` the bar threshold, and ``draws`` is part of the
        cache key.
    expected : int or None
        Bars the claim says there are. None: the model's own count (:data:`BAR_MODELS`) with
        ``model``; 3 without it, whatever ``circles``.
    circles : int, 1 to 3
        Without ``model``: the circles of :func:`circles_sample`. With ``model`` it is not used
        (only echoed in the result).
    power_draws : int
        Model clouds (seeds ``seed + 1`` to ``seed + power_draws``).
    seed : int
        Seed of the model clouds; part of the cache key.
    model : str or None
        One of :data:`BAR_MODELS`. None: the ``circles`` form, which keeps the computation its
        cached files were made with (top bar exact).
    compute : bool
        Compute when nothing is cached; False: return None instead.

    Returns
    -------
    dict or None
        {"counts": [bars per model cloud], "power": share with exactly ``expected``,
        "power_any": share with at least one, "circles", "model", "expected"} (``model`` is ""
        for a ``circles`` form outside 2-3); None when ``compute`` is False and nothing is
        cached (a book page reads, never computes).
    """

    n, k, p = calibration.n_points, calibration.k, calibration.p
    legacy = model is None
    if model is None:
        expected = 3 if expected is None else expected
        model = {2: "two-circle", 3: "three-circle"}.get(circles, "")
        sample = lambda m, s: circles_sample(m, circles=circles, noise=MODEL_NOISE, seed=s)   # noqa: E731
        path = _bars_cache_path(n, k, p, calibration.draws, circles, power_draws, seed)
    else:
        sample = model_sample(model)
        expected = BAR_MODELS[model] if expected is None else expected
        path = _bars_cache_path(n, k, p, calibration.draws, circles, power_draws, seed, model=model)
    cached = read_cached(path, check=_check_version)
    if cached is None and not compute:
        return None
    if cached is None:
        q = float(np.nextafter(max(calibration.thresholds.values()), 3))
        counts = []
        for r in range(power_draws):
            cloud = mixed_model(sample, n, seed=seed + 1 + r)
            # the circles= form keeps the computation its cached files were made with (top bar exact)
            top = True if legacy else expected + 1
            b = h1_bounds(density_filtration(normalize(cloud)[0], k, p), top=top, max_edges=None)
            counts.append(int(np.sum(b.lower >= q)))
        cached = {"version": CACHE_VERSION, "n": n, "k": k, "p": p, "threshold": q, "circles": circles,
                  "model": model, "counts": counts}
        cached = write_cached(path, cached)
    counts = cached["counts"]
    return dict(counts=counts, power=float(np.mean([c == expected for c in counts])),
                power_any=float(np.mean([c >= 1 for c in counts])), circles=circles, model=model,
                expected=expected)


def f7_rule(claim: CircleClaim, *, expected: int = 3, power: dict | None = None) -> RuleResult:
    """F7: "two circles meeting in two points": exactly ``expected`` H1 bars beat both existence nulls.

    The bars are counted by ``long_bars()`` of a ``ranks=expected + 1`` circle test.

    reproduced: exactly ``expected`` bars surely beat the nulls (``long_bars()`` gives
    ``expected`` both surely and at most); partly: a circle (a bar surely beats the nulls, or the
    top bar does), but another number of bars; not reproduced: no circle with power >=
    MIN_POWER; inconclusive otherwise.
    ``power`` (:func:`bars_power`): its share of model clouds with at least one bar decides
    "not reproduced" vs "inconclusive" when no bar is found (without it, the circle rule's
    power) and is then the row's power; otherwise the share with exactly ``expected`` bars is.
    The Mapper loop count is not in the rule (it passes on 2 of 15 gaussian clouds at this size).

    Parameters
    ----------
    claim : CircleClaim
        A circle claim whose test has at least ``expected + 1`` ranks (``circle_claim(...,
        ranks=expected + 1)``).
    expected : int
        Bars the paper claims (3 for two circles meeting in two points).
    power : dict or None
        :func:`bars_power` at the claim's calibration; None: the circle rule's power decides
        and is the row's power.

    Returns
    -------
    toponet.circle_decision.RuleResult
        Nulls, false-positive rate and cloud size of the claim's rule; ``extra``:
        ``bars_sure``, ``bars_at_most``, ``circle_power``, ``bar_power`` (``power["power"]``)
        and ``power_any``.

    Raises
    ------
    ValueError
        When the claim's test has fewer than ``expected + 1`` ranks.
    """
    t = claim.test
    if len(t.bars) < expected + 1:
        raise ValueError(f"f7_rule needs a circle test with ranks >= {expected + 1}; got {len(t.bars)} ranks")
    sure, most = t.long_bars()
    circle_power = claim.rule.power
    bar_power = None if power is None else power["power"]
    kinds = [k for k in EXISTENCE_KINDS if k in t.exceed]
    per_rank = ", ".join(f"bar {r} {t.bars[r - 1][0]:.3f}: " + ", ".join(
        f"{k} p <= {t.rank_p(k, r)[1]:.2g}" for k in kinds) for r in range(1, len(t.bars) + 1))
    reasons = [f"H1 bars beating both nulls: {sure} surely, at most {most} (paper: {expected}); {per_rank} "
               f"({t.draws} draws per null)"]
    decided = bar_power
    if sure == expected and most == expected:
        verdict = "reproduced"
    elif sure >= 1 or t.exists:
        verdict = "partly"
    else:
        pw = power.get("power_any", bar_power) if power is not None else circle_power
        decided = pw
        verdict = "not reproduced" if pw is not None and pw >= MIN_POWER else "inconclusive"
        if pw is not None:
            reasons.append(f"no bar beats the nulls: decided by the power to see at least one bar on the model "
                           f"({pw:.0%}; the row's power), since a model with {expected} bars shows at least one "
                           f"far more often than exactly {expected}")
    if bar_power is not None:
        reasons.append(f"power of 'exactly {expected} bars' on {MODEL_FRACTION:.0%} noisy two-circle filters "
                       f"(noise {MODEL_NOISE:g}) + gaussian: {bar_power:.0%}; at least one bar: "
                       f"{power.get('power_any', float('nan')):.0%} ({len(power['counts'])} clouds; bars found: "
                       f"{', '.join(map(str, power['counts']))})")
    reasons += list(claim.rule.reasons)
    return RuleResult(verdict=verdict, reasons=tuple(reasons), nulls=dict(claim.rule.nulls),
                      power=decided if decided is not None else circle_power,
                      false_positive_rate=claim.rule.false_positive_rate, cloud_points=claim.rule.cloud_points,
                      extra={"bars_sure": sure, "bars_at_most": most, "circle_power": circle_power, "bar_power": bar_power,
                             "power_any": None if power is None else power.get("power_any")})


# --- F8: distance to the three-circle model ---------------------------------------------------

_NEAR: dict = {}


def near_threshold(seed: int = 0, n: int = 20_000) -> float:
    """The 5 % quantile of gaussian filters' distance to the three-circle model: a filter
    nearer than this is "near" the model (as :func:`toponet.chapters._cifar.model_fit`)."""

    key = (seed, n)
    if key not in _NEAR:
        _NEAR[key] = float(np.quantile(distance_to_model(gaussian_filters(n, seed=seed), "three_circles").distances,
                                       0.05))
    return _NEAR[key]


def fit_statistics(core: np.ndarray, thr: float) -> tuple[float, float]:
    """(closeness, secondary) of a dense core: minus its median distance to the three-circle
    model (larger = nearer), and the share of it near the model but not near the primary
    circle (on the secondary circles only) at distance ``thr``."""

    d3 = distance_to_model(core, "three_circles").distances
    d1 = distance_to_model(core, "primary_circle").distances
    return -float(np.median(d3)), float(np.mean((d3 <= thr) & (d1 > thr)))


STAT_NAMES = ("closeness", "secondary")


def _fit_cache_path(n, k, p, draws, seed) -> Path:
    return default_directory() / (f"threecircle-v{CACHE_VERSION}-n{n}-k{k}-p{p:.4g}-d{draws}-noise{MODEL_NOISE:g}-"
                           f"f{MODEL_FRACTION:g}-fp{FPR_DRAWS}-pw{POWER_DRAWS}-s{seed}.json")


def calibrate_model_fit(n: int, k: int, p: float, *, draws: int = DRAWS, seed: int = 0) -> dict:
    """False-positive rate and power of F8's criterion at ``n`` filters, rho(k, p).

    The criterion: both :func:`fit_statistics` beat the ``draws`` gaussian and shuffled
    null clouds (p < ALPHA). Thresholds from gaussian clouds and from shuffles of a reference
    model cloud; false-positive rate on ``FPR_DRAWS`` fresh clouds of each kind; power on
    ``POWER_DRAWS`` model clouds (half noisy three-circle filters, half gaussian). Cached in
    ``results/calibration/threecircle-...json``.

    Parameters
    ----------
    n : int
        Filters per cloud (the tested cloud's size after normalization).
    k : int
        The density's neighbour, used as given (:func:`model_fit_test` floors it first).
    p : float in (0, 1]
        Fraction of the densest points rho(k, p) keeps.
    draws : int
        Null clouds per kind that set the thresholds.
    seed : int
        Seed of the threshold nulls and the reference model cloud (``seed``), of the fresh
        false-positive clouds (``seed + 1``) and of the power models (``seed + 1 + r``).

    Returns
    -------
    dict
        ``thresholds`` ([closeness, secondary]: per statistic, the larger of the gaussian and
        shuffled thresholds), ``fpr_exceed`` (kind -> fresh clouds passing), ``fpr_draws``,
        ``power_hits``, ``power_draws``, ``false_positive_rate`` (the larger per-kind rate),
        ``power``, ``model_description``, and the key ``version``, ``n``, ``k``, ``p``, ``draws``.
    """

    path = _fit_cache_path(n, k, p, draws, seed)
    cached = read_cached(path, check=_check_version)
    if cached is not None:
        return cached
    thr = near_threshold()

    def model(s):
        return mixed_model(lambda m, ss: circles_sample(m, circles=3, noise=MODEL_NOISE, seed=ss), n, seed=s)

    def stats(cloud):
        return fit_statistics(density_filtration(normalize(cloud)[0], k, p), thr)

    ref = model(seed)
    zeros = np.zeros((n, 9))
    gauss = [stats(null_cloud(zeros, "gaussian", null_seed(seed, "gaussian", r))) for r in range(draws)]
    shuf = [stats(null_cloud(ref, "shuffled", null_seed(seed, "shuffled", r))) for r in range(draws)]
    q = [max(threshold([g[i] for g in gauss]), threshold([s[i] for s in shuf])) for i in range(2)]

    def passes(st):
        return bool(st[0] > q[0] and st[1] > q[1])

    fpr = {"gaussian": sum(passes(stats(null_cloud(ref, "gaussian", null_seed(seed + 1, "gaussian", r))))
                           for r in range(FPR_DRAWS)),
           "shuffled": sum(passes(stats(null_cloud(ref, "shuffled", null_seed(seed + 1, "shuffled", r))))
                           for r in range(FPR_DRAWS))}
    hits = sum(passes(stats(model(seed + 1 + r))) for r in range(POWER_DRAWS))
    out = {"version": CACHE_VERSION, "n": n, "k": k, "p": float(p), "draws": draws, "thresholds": q,
           "fpr_exceed": fpr, "fpr_draws": FPR_DRAWS, "power_hits": hits, "power_draws": POWER_DRAWS,
           "false_positive_rate": max(fpr.values()) / FPR_DRAWS, "power": hits / POWER_DRAWS,
           "model_description": f"{MODEL_FRACTION:.0%} noisy three-circle filters (noise {MODEL_NOISE:g}) + "
                                f"gaussian filters, {n:,} filters"}
    return write_cached(path, out)


@dataclass(frozen=True)
class ModelFitTest:
    """F8's statistics of a dense core against null clouds (see :func:`model_fit_test`).

    observed : (closeness, secondary); null_values : kind -> (draws, 2) array;
    calibration : :func:`calibrate_model_fit`'s dict; median_three, near_three : the core's
    median distance to the model and share within ``threshold``.
    """

    observed: tuple
    null_values: dict
    draws: int
    n_points: int
    n_core: int
    k: int
    p: float
    threshold: float
    median_three: float
    near_three: float
    calibration: dict = field(repr=False)

    def pval(self, kind: str, stat: int) -> float:
        v = self.null_values[kind][:, stat]
        return p_value(int(np.sum(v >= self.observed[stat])), self.draws)

    def beats(self, stat: int, kinds=EXISTENCE_KINDS) -> bool:
        return all(self.pval(k, stat) < ALPHA for k in kinds if k in self.null_values)

    @property
    def beyond_second_order(self) -> bool | None:
        """Both statistics beat the second-order null (the first of
        :data:`toponet.circle_decision.SECOND_ORDER_KINDS` that was run; None when none was)."""
        kind = next((k for k in SECOND_ORDER_KINDS if k in self.null_values), None)
        if kind is None:
            return None
        return self.beats(0, (kind,)) and self.beats(1, (kind,))

    def nulls_record(self) -> dict:
        """kind -> {"p", "draws", "effect_size"} of the closeness statistic (median distance)."""
        return {k: {"p": round(self.pval(k, 0), 4), "draws": self.draws,
                    "effect_size": _effect(self.observed[0], v[:, 0])} for k, v in self.null_values.items()}

    def describe(self) -> str:
        parts = []
        for i, name in enumerate(("median distance to the three-circle model", "share on the secondary circles only")):
            obs = -self.observed[i] if i == 0 else self.observed[i]
            nul = "; ".join(f"{k} {(-v[:, i] if i == 0 else v[:, i]).mean():.3f}, p = {self.pval(k, i):.2g}"
                            for k, v in self.null_values.items())
            parts.append(f"{name} {obs:.3f} (nulls: {nul}; {self.draws} draws each)")
        return (f"rho({self.k}, {self.p:g}) = {self.n_core} of {self.n_points} filters: " + "; ".join(parts)
                + f"; near the model (< {self.threshold:.2f}) {self.near_three:.0%}")


def model_fit_test(X_raw, *, k: int, p: float, draws: int = DRAWS, seed: int = 0,
                   kinds=BOOK_KINDS) -> ModelFitTest:
    """F8's two statistics (:func:`fit_statistics`) of rho(k, p) of ``X_raw`` against null clouds.

    ``draws`` null clouds of each kind, with the criterion's calibration at this size
    (:func:`calibrate_model_fit`). "Near" the model is :func:`near_threshold`: the 5 % quantile
    of gaussian filters' distance to the three-circle model.

    Parameters
    ----------
    X_raw : array-like of shape (n_points, 9)
        Raw (un-normalized) spatial filters; normalized here (constant filters dropped).
    k : int
        The density's neighbour, through :func:`toponet.circle_decision.floor_k`.
    p : float in (0, 1]
        Fraction of the densest points rho(k, p) keeps.
    draws : int
        Null clouds per kind.
    seed : int
        Seed of the null clouds (:func:`toponet.circle_decision.null_seed`) and of the calibration.
    kinds : sequence of str
        Null kinds (:data:`toponet.circle_decision.BOOK_KINDS` by default), drawn from the normalized cloud.

    Returns
    -------
    ModelFitTest
        Distances (``median_three``, ``threshold``) in distance units of the normalized filters.
    """

    Xn, _ = normalize(np.asarray(X_raw, dtype=np.float64))
    n = Xn.shape[0]
    k = floor_k(k, n)
    thr = near_threshold()
    core = density_filtration(Xn, k, p)
    obs = fit_statistics(core, thr)
    nulls = {}
    for kind in kinds:
        vals = [fit_statistics(density_filtration(null_cloud(Xn, kind, null_seed(seed, kind, r)), k, p), thr)
                for r in range(draws)]
        arr = np.array(vals)
        arr.setflags(write=False)
        nulls[kind] = arr
    d3 = distance_to_model(core, "three_circles").distances
    return ModelFitTest(observed=obs, null_values=nulls, draws=draws, n_points=n, n_core=int(core.shape[0]), k=k,
                        p=float(p), threshold=thr, median_three=float(np.median(d3)),
                        near_three=float(np.mean(d3 <= thr)),
                        calibration=calibrate_model_fit(n, k, p, draws=draws, seed=seed))


def f8_rule(test: ModelFitTest) -> RuleResult:
    """F8: the colour first layer follows the three-circle model.

    reproduced: the core is nearer the model *and* has more filters on the secondary circles
    than the gaussian and shuffled null clouds (p < ALPHA each); partly: one of the two;
    not reproduced: neither, with the criterion's power >= MIN_POWER; inconclusive otherwise.
    The second-order null of the directions answers "beyond second order?" beside the verdict.

    Parameters
    ----------
    test : ModelFitTest
        :func:`model_fit_test` of the cloud.

    Returns
    -------
    toponet.circle_decision.RuleResult
        Power and false-positive rate: the criterion's calibration; ``nulls``: the closeness
        statistic's per kind; ``cloud_points``: the core's size; ``extra``:
        ``beyond_second_order``, ``near``, ``secondary``.
    """
    near, sec = test.beats(0), test.beats(1)
    cal = test.calibration
    power, fpr = cal["power"], cal["false_positive_rate"]
    reasons = [f"nearer the three-circle model than the nulls -> {'pass' if near else 'fail'}",
               f"more on the secondary circles than the nulls -> {'pass' if sec else 'fail'}",
               test.describe(),
               f"criterion (both): power {power:.0%} on {cal['model_description']} ({cal['power_draws']} clouds); "
               f"false-positive rate {fpr:.0%} ({cal['fpr_draws']} fresh gaussian and shuffled clouds)"]
    b = test.beyond_second_order
    if b is not None:
        kind = next(k for k in SECOND_ORDER_KINDS if k in test.null_values)
        reasons.append(f"beyond second order (both statistics beat the {kind} null, {test.draws} draws): "
                       f"{'yes' if b else 'no'}")
    if near and sec:
        verdict = "reproduced"
    elif near or sec:
        verdict = "partly"
    else:
        verdict = "not reproduced" if power >= MIN_POWER else "inconclusive"
    return RuleResult(verdict=verdict, reasons=tuple(reasons), nulls=test.nulls_record(), power=power,
                      false_positive_rate=fpr, cloud_points=test.n_core,
                      extra={"beyond_second_order": b, "near": near, "secondary": sec})


# --- F5, F9: the circle rule per training snapshot ----------------------------------------------

def pick_snapshots(stored, wanted) -> list[int]:
    """The snapshots to test: those of ``wanted`` that were stored, plus the last stored one.

    The last stored one is added so that a short run is tested where it ends.

    Parameters
    ----------
    stored : iterable of int
        Iterations whose weights were stored; iterations <= 0 are ignored.
    wanted : iterable of int
        Iterations the claim is about.

    Returns
    -------
    list of int
        Increasing, without repeats; empty when no iteration > 0 is stored.
    """
    stored = sorted(int(s) for s in stored if int(s) > 0)
    if not stored:
        return []
    out = {int(w) for w in wanted if int(w) in stored}
    out.add(stored[-1])
    return sorted(out)


@dataclass(frozen=True)
class SnapshotCircle:
    iteration: int
    claim: CircleClaim

    @property
    def exists(self) -> bool:
        return self.claim.exists

    @property
    def verdict(self) -> str:
        return self.claim.rule.verdict


def evolution_circles(artifact, *, layer: str, iterations, k_paper: int, p: float, n_points_paper: int,
                      draws: int = DRAWS, seed: int = 0, max_core: int = MAX_CORE,
                      kinds=EXISTENCE_KINDS, progress: bool = False) -> list[SnapshotCircle]:
    """The circle rule on ``layer``'s pooled filters at each of ``iterations``.

    Null kinds default to the two that decide existence (the covariance null's second
    question is asked of the final clouds, F3/F4/F6); every snapshot has the same size, so
    one calibration (cached) serves all of them, and so do the gaussian null tops.

    Parameters
    ----------
    artifact : toponet.store.Artifact
        Trained networks with stored snapshots (read with ``conv_weights(layer, iteration)``,
        pooled over networks by :func:`toponet.filters.pooled_filters`).
    layer : str
        The layer, as ``artifact.conv_weights`` takes it (e.g. "conv1").
    iterations : iterable of int
        Snapshots to test, in the order given.
    k_paper, n_points_paper : int
        The paper's k for its cloud of ``n_points_paper`` filters, rescaled to each snapshot's
        cloud by :func:`circle_claim`.
    p : float in (0, 1]
        Fraction of the densest points rho(k, p) keeps.
    draws : int
        Null clouds per kind.
    seed : int
        Seed of the subsample, the null clouds and the landmarks.
    max_core : int
        Most points in the dense core (:func:`budget_cloud`); None passes through to
        :func:`circle_claim` (the whole cloud).
    kinds : sequence of str
        Null kinds (:data:`toponet.circle_decision.EXISTENCE_KINDS` by default).
    progress : bool
        A progress bar over the snapshots.

    Returns
    -------
    list of SnapshotCircle
        One per iteration, in the order given; each claim is calibrated, with ``one_bar=False``
        and the label "<layer> at <iteration>".
    """
    from tqdm.auto import tqdm

    rows = []
    for it in tqdm(list(iterations), desc=f"circle rule, {layer}", disable=not progress):
        X = pooled_filters(artifact.conv_weights(layer, int(it)))
        c = circle_claim(X, k_paper=k_paper, n_points_paper=n_points_paper, p=p, draws=draws, seed=seed,
                         one_bar=False, kinds=kinds, max_core=max_core, label=f"{layer} at {int(it)}")
        rows.append(SnapshotCircle(iteration=int(it), claim=c))
    return rows


def circle_summary(rows) -> str:
    """One line on snapshot rows: "circle at 2 of 7 snapshots (300, 400); tested 100, 200, ...".

    Parameters
    ----------
    rows : list of SnapshotCircle
        :func:`evolution_circles` rows.

    Returns
    -------
    str
        The snapshots with a circle (:attr:`SnapshotCircle.exists`), then every snapshot tested;
        "no snapshot tested" when ``rows`` is empty.
    """
    if not rows:
        return "no snapshot tested"
    at = [r.iteration for r in rows if r.exists]
    return (f"circle at {len(at)} of {len(rows)} snapshots" + (f" ({', '.join(map(str, at))})" if at else "")
            + f"; tested {', '.join(str(r.iteration) for r in rows)}")


def snapshot_circle_tests(artifact, layers: dict, *, seed: int = 0, report=print) -> dict:
    """F5 / F9: the circle rule at the tested snapshots of each layer.

    The snapshots tested are :func:`pick_snapshots` of the stored ones; each layer's go through
    :func:`evolution_circles` (its default draws, max_core and null kinds).

    Parameters
    ----------
    artifact : toponet.store.Artifact
        Trained networks with stored snapshots.
    layers : dict of str to tuple
        {layer name: (wanted iterations, k_paper, p, n_points_paper)}.
    seed : int
        Seed of every circle claim.
    report : callable
        Called with one line per layer (summary, calibration) and per snapshot.

    Returns
    -------
    dict of str to list of SnapshotCircle
        {layer name: [SnapshotCircle, ...]} in the order given.
    """
    out = {}
    for layer, (wanted, k_paper, p, n_paper) in layers.items():
        snaps = pick_snapshots(artifact.stored_iterations(layer), wanted)
        if not snaps:
            raise ValueError(f"{layer}: the artifact stores no snapshot after iteration 0 "
                             f"(stored: {list(artifact.stored_iterations(layer))}); train it first")
        rows = evolution_circles(artifact, layer=layer, iterations=snaps, k_paper=k_paper, p=p,
                                 n_points_paper=n_paper, seed=seed)
        report(f"{layer}: {circle_summary(rows)} | {rows[0].claim.calibration.describe()}")
        for r in rows:
            report(f"  {r.iteration}: {r.verdict}; {r.claim.test.describe()}")
        out[layer] = rows
    return out


def snapshot_outcome(rows, iteration: int, *, expect: bool) -> str | None:
    """pass / fail / inconclusive of "a circle (expect=True) / no circle at ``iteration``";
    None when that snapshot was not tested."""
    for r in rows:
        if r.iteration == int(iteration):
            return part_outcome(r.exists, expect=expect, power=r.claim.rule.power)
    return None


def evolution_rule(layers: dict, events) -> RuleResult:
    """F5 / F9: a sequence of events in training, each a snapshot with or without a circle.

    Each event's outcome is :func:`snapshot_outcome`; :func:`combine_parts` decides.

    Parameters
    ----------
    layers : dict of str to list of SnapshotCircle
        Name -> rows of :func:`evolution_circles` (e.g. {"layer 1": ..., "layer 2": ...}).
    events : list of tuple
        (description, layer name, iteration, expect circle, condition) where
        condition is None or the index of an earlier event that must have passed for this one
        to be testable ("broken at 500" needs the circle at 400). An event whose snapshot was
        not tested, or whose condition did not pass, is not testable (None).

    Returns
    -------
    toponet.circle_decision.RuleResult
        ``nulls``: those of the first event's snapshot (the claim's key moment; the first row's
        when that snapshot was not tested); power, false-positive rate and cloud size: the
        smallest power, largest rate and smallest core over every snapshot; ``extra``:
        ``parts`` (description -> outcome) and ``summary`` (layer -> :func:`circle_summary`).
    """
    outcomes = {}
    order = []
    for desc, layer, it, expect, cond in events:
        o = snapshot_outcome(layers[layer], it, expect=expect)
        if cond is not None and order[cond] != "pass":
            o = None
        order.append(o)
        outcomes[desc] = o
    verdict = combine_parts(outcomes)
    reasons = _parts_reasons(outcomes) + [f"{name}: {circle_summary(rows)}" for name, rows in layers.items()]
    for name, rows in layers.items():
        for r in rows:
            t = r.claim.test
            reasons.append(f"{name} {r.iteration}: {r.verdict}; top H1 {t.top[0]:.3f}, "
                           + ", ".join(f"{k} {t.nulls[k].describe()}" for k in t.nulls))
    all_claims = [r.claim for rows in layers.values() for r in rows]
    nulls, power, fpr, size = _claim_record(all_claims)
    # the nulls shown: those of the snapshot of the first event (the claim's key moment)
    layer0, it0 = events[0][1], events[0][2]
    for r in layers[layer0]:
        if r.iteration == int(it0):
            nulls = dict(r.claim.rule.nulls)
    return RuleResult(verdict=verdict, reasons=tuple(reasons), nulls=nulls, power=power, false_positive_rate=fpr,
                      cloud_points=size, extra={"parts": outcomes,
                                                "summary": {name: circle_summary(rows) for name, rows in layers.items()}})


def f5_rule(evo1, evo2) -> RuleResult:
    """F5 (grayscale): a circle in layer 1 at 400, broken at 500, a circle in layer 2 at 2000.

    "Broken at 500" is testable only when the circle at 400 passed (:func:`evolution_rule`).

    Parameters
    ----------
    evo1, evo2 : list of SnapshotCircle
        :func:`evolution_circles` rows of layer 1 and of layer 2.

    Returns
    -------
    toponet.circle_decision.RuleResult
    """
    return evolution_rule({"layer 1": evo1, "layer 2": evo2},
                          [("layer 1 shows a circle at 400", "layer 1", 400, True, None),
                           ("layer 1 circle (present at 400) broken at 500", "layer 1", 500, False, 0),
                           ("layer 2 shows a circle at 2000", "layer 2", 2000, True, None)])


def f9_rule(evo1, evo2) -> RuleResult:
    """F9 (colour): a circle in layer 1 at 300, broken at 500, back at 1500; layer 2 at 1000.

    Each of "broken at 500" and "back at 1500" is testable only when the event before it
    passed (:func:`evolution_rule`).

    Parameters
    ----------
    evo1, evo2 : list of SnapshotCircle
        :func:`evolution_circles` rows of layer 1 and of layer 2.

    Returns
    -------
    toponet.circle_decision.RuleResult
    """
    return evolution_rule({"layer 1": evo1, "layer 2": evo2},
                          [("layer 1 shows a circle at 300", "layer 1", 300, True, None),
                           ("layer 1 circle (present at 300) broken at 500", "layer 1", 500, False, 0),
                           ("layer 1 circle (broken at 500) back at 1500", "layer 1", 1500, True, 1),
                           ("layer 2 shows a circle at 1000", "layer 2", 1000, True, None)])


def snapshot_series(rows) -> tuple[np.ndarray, dict]:
    """(iterations, curves) of :func:`evolution_circles` rows, for :func:`toponet.plots.curves_plot`.

    Parameters
    ----------
    rows : list of SnapshotCircle
        Not empty; every row with the null kinds of the first.

    Returns
    -------
    x : ndarray of shape (n_rows,), float
        The iterations.
    series : dict of str to ndarray of shape (n_rows,)
        {"top $H_1$ bar": ..., "<kind> null, 95% quantile": ...}: each snapshot's top H1 bar
        (its lower bound) and, per null kind of the first row, the 95 % quantile of that kind's
        null top bars (their lower bounds), in distance units of the normalized filters.

    Raises
    ------
    ValueError
        When ``rows`` is empty.
    """
    if not rows:
        raise ValueError("no snapshot rows")
    x = np.array([r.iteration for r in rows], dtype=float)
    series = {"top $H_1$ bar": np.array([r.claim.test.top[0] for r in rows])}
    for kind in rows[0].claim.test.nulls:
        series[f"{kind} null, 95% quantile"] = np.array([np.quantile(r.claim.test.nulls[kind].null_values, 0.95)
                                                         for r in rows])
    return x, series
