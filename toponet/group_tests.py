"""Tests over networks: is one arm of networks better than another, and could we have seen it?

Used by chapters 05 (G1, G2, G4, G5), 06 (U1) and 07 (L1). Every accuracy, transfer or speed
claim compares per-network numbers (one number per trained network: a test accuracy, a
transfer accuracy, an area under an accuracy curve) between arms, or two series over
snapshots. The circle rule of :mod:`toponet.circle_decision` tests one cloud against null clouds; these
tests do the same for arms of networks, with the same conventions:

- **One-sided, as the claim is**: the alternative is always "arm ``a`` is larger" (or "r > 0").
- **Permutation p-values** ``p = (1 + #{rearranged statistic >= observed}) / (1 + draws)``,
  every p reported with its draws. When all rearrangements can be listed (at most
  ``max_exact`` + 1 of them) they are, the observed one counted once: ``draws`` is then every
  other rearrangement and the p-value is exact. Its smallest value is ``1 / (1 + draws)``, so
  a test over 3 vs 3 networks (20 splits) never goes below p = 0.05, and 3 paired networks
  (8 sign patterns) never below 0.125: it cannot decide anything at level 5 %, which
  :func:`power_by_simulation` then reports as 0 % power.
- **Power and false-positive rate by simulation** (:func:`power_by_simulation`): the same test
  run on simulated arms of the measured sizes, drawn from the measured spread, once with the
  paper's effect added (power) and once with none (false-positive rate), each with its 95 %
  binomial interval.

Typed results (:class:`GroupTest`, :class:`Power`, :class:`Interval`) with ``record()`` for
verdict rows and ``describe()`` for prose; :func:`part_outcome` and :func:`combine_parts` turn
tested parts of a claim into one verdict with the book's rules (``inconclusive`` below
:data:`toponet.circle_decision.MIN_POWER`, Bonferroni over parts for ``partly``).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Callable

import numpy as np

from toponet.circle_decision import ALPHA, MIN_POWER

__all__ = ["GroupTest", "Power", "Interval", "Part", "permutation_test", "paired_permutation_test",
           "correlation_test", "sign_test", "sign_test_power", "benjamini_hochberg", "bootstrap_interval", "power_by_simulation", "normal_arms", "normal_pairs",
           "bernoulli_pairs", "bivariate_normal", "part_outcome", "combine_parts", "wilson_interval",
           "DRAWS", "MAX_EXACT", "SIMULATIONS", "SIMULATION_DRAWS", "SIMULATED_TESTS"]

#: Monte-Carlo rearrangements of a test on measured data (when they cannot all be listed).
DRAWS = 9999
#: At most this many rearrangements besides the observed one are listed exhaustively (exact p).
MAX_EXACT = 20000
#: Simulated data sets per power or false-positive estimate.
SIMULATIONS = 400
#: Rearrangements per test inside a simulation (an exact test stays exact).
SIMULATION_DRAWS = 199

#: The tests, by the name rows and prose give them.
TESTS = {"permutation": "permutation test", "paired": "paired permutation test",
         "correlation": "permutation test of Pearson's r", "labels": "label-permutation test",
         "sign": "sign test over runs", "surface": "time-shuffle test of the surface"}


# --- validation ------------------------------------------------------------------------------

def _sample(x, name: str, *, min_size: int = 2) -> np.ndarray:
    """``x`` as a 1-D float array of finite numbers with at least ``min_size`` values."""
    if isinstance(x, (str, bytes, dict)) or x is None:
        raise ValueError(f"{name} must be a sequence of numbers, one per network; got {type(x).__name__}")
    try:
        v = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be a sequence of numbers, one per network; got {x!r}") from e
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one number per network); got shape {v.shape}")
    if v.size < min_size:
        raise ValueError(f"{name} has {v.size} value(s); a test over networks needs at least {min_size} per arm")
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        raise ValueError(f"{name} holds a non-finite value (NaN or inf) at position {int(bad[0])}; drop or "
                         "measure that network")
    return v


def _positive_int(x, name: str, *, low: int = 1) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or int(x) < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {x!r}")
    return int(x)


def _alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must lie in (0, 1); got {alpha!r}")
    return float(alpha)


def _tol(*arrays) -> float:
    """Ties: a rearranged statistic within this of the observed one counts as reaching it."""
    scale = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=1.0)
    return 1e-9 * max(scale, 1.0)


# --- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupTest:
    """One test between two arms (or of one correlation).

    Attributes
    ----------
    name : "permutation", "paired", "correlation", "sign" or "labels" (a chapter's own test that
        permutes labels over images; :data:`TESTS` gives the words)
    statistic : what was compared, e.g. "mean difference" or "Pearson's r"
    observed : the statistic on the data, in the units of the numbers compared
    p : one-sided p-value, ``(1 + #{rearranged >= observed}) / (1 + draws)``
    draws : rearrangements besides the observed one (all of them when ``exact``)
    exact : every rearrangement listed (the p-value is exact, not Monte-Carlo)
    n_per_arm : networks per arm, (n_a, n_b); (n,) for a paired test or a correlation
    effect_size : standardized effect: mean difference / pooled sd (Cohen's d), mean paired
        difference / its sd, or r itself; NaN when the spread is 0
    power : from :func:`power_by_simulation` (:meth:`calibrated`), else None
    false_positive_rate : the test's exact size at level alpha (:meth:`size`: the share of its
        equally likely rearrangements whose p falls below alpha, which bounds its false-positive
        rate on any data where the null holds), set by :meth:`calibrated`; the simulation's own
        estimate on null data, a check of it, is ``simulated_fpr`` (with its interval in ``power_note``)
    power_note : the simulation model and estimates in words (None until calibrated)
    """

    name: str
    statistic: str
    observed: float
    p: float
    draws: int
    exact: bool
    n_per_arm: tuple[int, ...]
    effect_size: float
    power: float | None = None
    false_positive_rate: float | None = None
    power_note: str | None = None
    simulated_fpr: float | None = None

    def significant(self, alpha: float = ALPHA) -> bool:
        return bool(self.p < alpha)

    @property
    def min_p(self) -> float:
        """The smallest p this test can give at its size: 1 / (1 + draws)."""
        return 1.0 / (1 + self.draws)

    def size(self, alpha: float = ALPHA) -> float:
        """The probability that p < ``alpha`` when the null holds (continuous data; less with ties):
        p takes the values k / (1 + draws), each rearrangement equally likely, so the size is
        (ceil(alpha (1 + draws)) - 1) / (1 + draws), at most ``alpha``. 0 when no p can reach it."""
        n = self.draws + 1
        return (math.ceil(round(_alpha(alpha) * n, 9)) - 1) / n

    def calibrated(self, power: "Power") -> "GroupTest":
        """This result with the power of ``power`` (same test and size), its exact size as the
        false-positive rate, and the simulated false-positive estimate beside it."""
        if power.test != self.name or tuple(power.n_per_arm) != tuple(self.n_per_arm):
            raise ValueError(f"the power was simulated for a {power.test} test at n = {power.n_per_arm}, this is a "
                             f"{self.name} test at n = {self.n_per_arm}; simulate at the size the test ran at")
        return replace(self, power=power.power, false_positive_rate=self.size(power.alpha),
                       simulated_fpr=power.false_positive_rate, power_note=power.describe())

    def record(self) -> dict:
        """{"test", "p", "draws", "power", "false_positive_rate", "n_per_arm"} for a verdict row."""
        return {"test": TESTS[self.name], "p": round(float(self.p), 4), "draws": int(self.draws),
                "power": None if self.power is None else round(float(self.power), 3),
                "false_positive_rate": None if self.false_positive_rate is None else round(float(self.false_positive_rate), 3),
                "n_per_arm": list(self.n_per_arm)}

    def null_record(self) -> dict:
        """The ``nulls`` entry of a verdict row: {"p", "draws", "effect_size"}."""
        e = float(self.effect_size)
        return {"p": round(float(self.p), 4), "draws": int(self.draws),
                "effect_size": round(e, 3) if math.isfinite(e) else None}

    def describe(self) -> str:
        """"paired permutation test, p = 0.12 (7 draws, exact; n = 3); power 0 %, false positives 0 %"."""
        n = " vs ".join(str(k) for k in self.n_per_arm)
        n = f"n = {n}" if len(self.n_per_arm) == 1 else f"{n} networks"
        txt = (f"{TESTS[self.name]}, p = {self.p:.2g} ({self.draws} draw{'s' * (self.draws != 1)}"
               f"{', exact' if self.exact else ''}; {n})")
        if self.power is not None:
            txt += f"; power {self.power:.0%}, false positives {100 * self.false_positive_rate:.3g}%"
        return txt


@dataclass(frozen=True)
class Interval:
    """A bootstrap percentile interval: ``estimate`` and [low, high] at ``level`` from ``draws`` resamples."""

    statistic: str
    estimate: float
    low: float
    high: float
    level: float
    draws: int

    def describe(self) -> str:
        return (f"{self.statistic} {self.estimate:.3g} [{self.low:.3g}, {self.high:.3g}] ({100 * self.level:.0f} % "
                f"bootstrap interval, {self.draws} resamples)")


@dataclass(frozen=True)
class Power:
    """Power and false-positive rate of one test at one size, by simulation.

    power : share of ``simulations`` data sets with the effect where p < alpha;
    power_interval : its 95 % Wilson interval; false_positive_rate, fpr_interval : the same on
    data sets where the null holds; effect : the effect simulated (units of the statistic);
    model : the simulation model in words.
    """

    test: str
    n_per_arm: tuple[int, ...]
    effect: float
    power: float
    power_interval: tuple[float, float]
    false_positive_rate: float
    fpr_interval: tuple[float, float]
    simulations: int
    draws: int
    alpha: float
    model: str

    @property
    def decides(self) -> bool:
        """Power at least :data:`toponet.circle_decision.MIN_POWER`: a negative result here is evidence."""
        return self.power >= MIN_POWER

    def record(self) -> dict:
        return {"test": TESTS[self.test], "power": round(self.power, 3),
                "false_positive_rate": round(self.false_positive_rate, 3), "simulations": self.simulations,
                "n_per_arm": list(self.n_per_arm)}

    def describe(self) -> str:
        lo, hi = self.fpr_interval
        return (f"power {self.power:.0%} against {self.model}; false-positive rate {self.false_positive_rate:.1%} "
                f"[{lo:.1%}, {hi:.1%}] on data where the null holds ({self.simulations} simulations each, "
                f"{self.draws} draws per test)")


def wilson_interval(hits: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``hits / n``.

    Parameters
    ----------
    hits : int, 0 <= hits <= n
        Successes (e.g. simulated data sets where p < alpha); not checked.
    n : int >= 1
        Trials (ValueError otherwise).
    level : float in (0, 1)
        Coverage (0.95: a 95 % interval).

    Returns
    -------
    (low, high) : tuple of float
        The interval, clipped to [0, 1].
    """
    n = _positive_int(n, "n")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    f = hits / n
    centre = (f + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(f * (1 - f) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


# --- the tests -------------------------------------------------------------------------------------

def _pooled_sd(a: np.ndarray, b: np.ndarray) -> float:
    dof = a.size + b.size - 2
    if dof <= 0:
        return float("nan")
    return math.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / dof)


def _ratio(x: float, sd: float) -> float:
    return x / sd if sd > 0 and math.isfinite(sd) else float("nan")


def permutation_test(a, b, *, draws: int = DRAWS, seed: int = 0, max_exact: int = MAX_EXACT) -> GroupTest:
    """Is arm ``a`` larger than arm ``b``? One-sided permutation test of the mean difference.

    Parameters
    ----------
    a, b : array of shape (n_a,), (n_b,): one number per network (n >= 2 each), e.g. accuracies
    draws : random splits when there are more than ``max_exact`` + 1 splits of the pooled networks
    seed : seeds those splits
    max_exact : list every split (exact p) when there are at most this many besides the observed one

    Returns
    -------
    GroupTest named "permutation"; ``effect_size`` is Cohen's d (pooled sd).

    The networks of the two arms are pooled and split again into arms of the same sizes; the p-value
    is the share of splits whose mean difference reaches the observed one. Valid whenever the
    networks are exchangeable under the null (independent seeds, same training), whatever
    their distribution.
    """
    a, b = _sample(a, "a"), _sample(b, "b")
    draws = _positive_int(draws, "draws")
    pooled = np.concatenate([a, b])
    n, na = pooled.size, a.size
    observed = float(a.mean() - b.mean())
    total = math.comb(n, na)
    tol = _tol(pooled)
    if total - 1 <= max_exact:
        idx = np.array(list(itertools.combinations(range(n), na)))
        sums_a = pooled[idx].sum(axis=1)
        stats = sums_a / na - (pooled.sum() - sums_a) / (n - na)
        p = float(np.sum(stats >= observed - tol)) / total
        used, exact = total - 1, True
    else:
        rng = np.random.default_rng(seed)
        perm = rng.random((draws, n)).argsort(axis=1)[:, :na]
        sums_a = pooled[perm].sum(axis=1)
        stats = sums_a / na - (pooled.sum() - sums_a) / (n - na)
        p = (1 + float(np.sum(stats >= observed - tol))) / (1 + draws)
        used, exact = draws, False
    return GroupTest(name="permutation", statistic="mean difference", observed=observed, p=min(p, 1.0), draws=int(used),
                     exact=exact, n_per_arm=(int(na), int(b.size)), effect_size=_ratio(observed, _pooled_sd(a, b)))


def paired_permutation_test(a, b=None, *, draws: int = DRAWS, seed: int = 0, max_exact: int = MAX_EXACT) -> GroupTest:
    """Is ``a`` larger than ``b`` network by network? One-sided sign-flip test of the mean difference.

    Parameters
    ----------
    a : array-like of shape (n,)
        One number per network (n >= 2), network i of ``a`` sharing its seed (initialization,
        batch order) with network i of ``b``. With ``b`` None: the differences themselves (or
        +-1 outcomes of runs, which makes this the exact sign test).
    b : array-like of shape (n,) or None
        The other arm, network by network (the same n as ``a``, else ValueError); None: ``a``
        holds the differences.
    draws : int >= 1
        Random sign patterns drawn when there are more than ``max_exact`` + 1 of them (2^n).
    seed : int
        Seeds those sign patterns.
    max_exact : int
        List every sign pattern (exact p) when there are at most this many besides the
        observed one (2^n - 1 <= ``max_exact``).

    Returns
    -------
    GroupTest named "paired"; ``effect_size`` is the mean difference over its sd.

    Under the null each difference is as likely negative as positive; the p-value is the share of
    the 2^n sign patterns (listed when at most ``max_exact`` + 1, else ``draws`` random ones) whose
    mean reaches the observed one. Pairing removes what the shared seed explains.
    """
    a = _sample(a, "a")
    if b is not None:
        b = _sample(b, "b")
        if b.size != a.size:
            raise ValueError(f"a paired test needs arms of one size (network i of each shares a seed); got "
                             f"{a.size} and {b.size}")
        d = a - b
    else:
        d = a
    draws = _positive_int(draws, "draws")
    n = d.size
    observed = float(d.mean())
    tol = _tol(d)
    if 2 ** n - 1 <= max_exact:
        signs = 1 - 2 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1)
        stats = (signs * d).mean(axis=1)
        p = float(np.sum(stats >= observed - tol)) / 2 ** n
        used, exact = 2 ** n - 1, True
    else:
        rng = np.random.default_rng(seed)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(draws, n))
        stats = (signs * d).mean(axis=1)
        p = (1 + float(np.sum(stats >= observed - tol))) / (1 + draws)
        used, exact = draws, False
    sd = float(d.std(ddof=1))
    return GroupTest(name="paired", statistic="mean paired difference", observed=observed, p=min(p, 1.0),
                     draws=int(used), exact=exact, n_per_arm=(int(n),), effect_size=_ratio(observed, sd))


def _pearson_rows(x: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Pearson's r of ``x`` (n,) with every row of ``Y`` (m, n)."""
    xc = x - x.mean()
    Yc = Y - Y.mean(axis=1, keepdims=True)
    den = np.sqrt((xc ** 2).sum()) * np.sqrt((Yc ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (Yc @ xc) / den, 0.0)


def correlation_test(x, y, *, draws: int = DRAWS, seed: int = 0, max_exact: int = MAX_EXACT) -> GroupTest:
    """Do ``x`` and ``y`` rise together? One-sided permutation test of Pearson's r > 0.

    Parameters
    ----------
    x, y : array-like of shape (n,)
        Paired values (n >= 3, the same n; neither constant, else ValueError: r is undefined),
        e.g. top H1 lifetime and test accuracy at the same snapshot.
    draws : int >= 1
        Random orders of ``y`` drawn when there are more than ``max_exact`` + 1 of them (n!).
    seed : int
        Seeds those orders.
    max_exact : int
        List every order (exact p) when there are at most this many besides the observed one
        (n! - 1 <= ``max_exact``).

    Returns
    -------
    GroupTest named "correlation"; ``observed`` and ``effect_size`` are r.

    The pairing is shuffled (``y`` permuted against ``x``): all n! orders when at most
    ``max_exact`` + 1, else ``draws`` random ones. Valid when the pairs are exchangeable under the
    null; snapshots of one training run are a time series, so what it tests is "they move
    together over training", not a cause (both grow with time).
    """
    x, y = _sample(x, "x", min_size=3), _sample(y, "y", min_size=3)
    if x.size != y.size:
        raise ValueError(f"x and y must have the same length (one pair per snapshot); got {x.size} and {y.size}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("x or y is constant: the correlation is undefined")
    draws = _positive_int(draws, "draws")
    n = x.size
    observed = float(_pearson_rows(x, y[None, :])[0])
    if math.factorial(n) - 1 <= max_exact:
        orders = np.array(list(itertools.permutations(range(n))))
        stats = _pearson_rows(x, y[orders])
        p = float(np.sum(stats >= observed - 1e-12)) / orders.shape[0]
        used, exact = orders.shape[0] - 1, True
    else:
        rng = np.random.default_rng(seed)
        orders = rng.random((draws, n)).argsort(axis=1)
        stats = _pearson_rows(x, y[orders])
        p = (1 + float(np.sum(stats >= observed - 1e-12))) / (1 + draws)
        used, exact = draws, False
    return GroupTest(name="correlation", statistic="Pearson's r", observed=observed, p=min(p, 1.0), draws=int(used),
                     exact=exact, n_per_arm=(int(n),), effect_size=observed)


def sign_test(holds) -> GroupTest:
    """Does a part of a claim hold in more than half of independent runs? The exact one-sided sign
    (binomial) test: p = P(Binomial(n, 1/2) >= runs where it holds).

    Parameters
    ----------
    holds : sequence of bool (n >= 1), one per run (e.g. "the output graph has 10 branches")

    Returns
    -------
    GroupTest named "sign"; ``draws`` = 2^n - 1 (the other outcomes of n fair coins); its smallest p
    is 0.5^n, so it needs 5 runs to go below 0.05. One run is allowed (p = 0.5 or 1): it says
    what one run can decide, nothing.
    """
    if isinstance(holds, (str, bytes, dict)) or holds is None:
        raise ValueError(f"holds must be a sequence of booleans, one per run; got {type(holds).__name__}")
    h = np.asarray(holds)
    if h.ndim != 1 or h.size == 0 or h.dtype != bool:
        raise ValueError(f"holds must be a non-empty 1-D sequence of booleans (one per run); got {holds!r}")
    n, k = int(h.size), int(h.sum())
    p = sum(math.comb(n, j) for j in range(k, n + 1)) / 2 ** n
    return GroupTest(name="sign", statistic="runs where the part holds", observed=float(k), p=p, draws=2 ** n - 1,
                     exact=True, n_per_arm=(n,), effect_size=k / n)


def benjamini_hochberg(p_values, *, q: float = ALPHA) -> np.ndarray:
    """Which of m tests are discoveries at false-discovery rate ``q`` (Benjamini-Hochberg step-up).

    Parameters
    ----------
    p_values : sequence of m floats in [0, 1]
    q : the false-discovery rate controlled (independent or positively dependent tests)

    Returns
    -------
    ndarray of m bools, in the order of ``p_values``: p_(i) <= i q / m for the largest such rank i
    and every smaller p.
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1 or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"p_values must be a 1-D sequence of numbers in [0, 1]; got {p_values!r}")
    q = _alpha(q)
    m = p.size
    out = np.zeros(m, dtype=bool)
    if m == 0:
        return out
    order = np.argsort(p, kind="stable")
    ok = p[order] <= q * np.arange(1, m + 1) / m
    if ok.any():
        out[order[:int(np.flatnonzero(ok)[-1]) + 1]] = True
    return out


def sign_test_power(n: int, rate: float, *, alpha: float = ALPHA) -> float:
    """Exact power of :func:`sign_test` at ``n`` runs when the part holds in each run with
    probability ``rate``: P(Binomial(n, rate) >= k*), k* the fewest holding runs with p < alpha.

    Parameters
    ----------
    n : int >= 1
        Independent runs.
    rate : float in [0, 1]
        Probability that the part holds in one run.
    alpha : float in (0, 1)
        The level.

    Returns
    -------
    float in [0, 1]
        The power; 0.0 when no count of runs reaches p < alpha (at 0.05: fewer than 5 runs).
    """
    n = _positive_int(n, "n")
    alpha = _alpha(alpha)
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must lie in [0, 1]; got {rate!r}")
    tail = lambda k: sum(math.comb(n, j) for j in range(k, n + 1)) / 2 ** n  # noqa: E731
    crit = next((k for k in range(n + 1) if tail(k) < alpha), None)
    if crit is None:
        return 0.0
    return float(sum(math.comb(n, j) * rate ** j * (1 - rate) ** (n - j) for j in range(crit, n + 1)))


def bootstrap_interval(a, b, *, statistic: str = "difference", level: float = 0.95, draws: int = 2000,
                       seed: int = 0) -> Interval:
    """Percentile bootstrap interval of a mean difference, a paired difference or a correlation.

    Parameters
    ----------
    a, b : array-like of shape (n_a,), (n_b,)
        One number per network (or per snapshot): at least 2 each (3 for "correlation"), the
        same n for "paired" and "correlation".
    statistic : {"difference", "paired", "correlation"}
        "difference" (mean a - mean b, each arm resampled on its own), "paired" (mean of
        a - b, pairs resampled) or "correlation" (Pearson's r of a and b, pairs resampled;
        neither may be constant).
    level : float in (0, 1)
        Coverage: the interval runs from the (1 - level) / 2 to the (1 + level) / 2 quantile
        of the resampled statistic.
    draws : int >= 1
        Resamples (for "correlation", resamples in which ``a`` or ``b`` is constant are left
        out of the quantiles).
    seed : int
        Seeds the resamples.

    Returns
    -------
    Interval
        ``estimate`` (the statistic on the data) and [``low``, ``high``] at ``level``, in the
        units of the statistic.

    With a handful of networks per arm the percentile interval is too narrow (it cannot see
    beyond the values measured): read it beside the permutation test, not instead of it.
    """
    if statistic not in ("difference", "paired", "correlation"):
        raise ValueError(f"statistic must be 'difference', 'paired' or 'correlation'; got {statistic!r}")
    if not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1); got {level!r}")
    draws = _positive_int(draws, "draws")
    rng = np.random.default_rng(seed)
    a = _sample(a, "a", min_size=3 if statistic == "correlation" else 2)
    b = _sample(b, "b", min_size=3 if statistic == "correlation" else 2)
    if statistic == "difference":
        est = float(a.mean() - b.mean())
        boot = (a[rng.integers(0, a.size, (draws, a.size))].mean(axis=1)
                - b[rng.integers(0, b.size, (draws, b.size))].mean(axis=1))
        name = "mean difference"
    else:
        if a.size != b.size:
            raise ValueError(f"a {statistic} interval needs paired values; got {a.size} and {b.size}")
        idx = rng.integers(0, a.size, (draws, a.size))
        if statistic == "paired":
            d = a - b
            est, boot, name = float(d.mean()), d[idx].mean(axis=1), "mean paired difference"
        else:
            if np.ptp(a) == 0 or np.ptp(b) == 0:
                raise ValueError("a or b is constant: the correlation is undefined")
            est = float(_pearson_rows(a, b[None, :])[0])
            A, B = a[idx], b[idx]
            Ac, Bc = A - A.mean(axis=1, keepdims=True), B - B.mean(axis=1, keepdims=True)
            den = np.sqrt((Ac ** 2).sum(axis=1) * (Bc ** 2).sum(axis=1))
            ok = den > 0
            boot = (Ac * Bc).sum(axis=1)[ok] / den[ok]
            name = "Pearson's r"
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return Interval(statistic=name, estimate=est, low=float(lo), high=float(hi), level=float(level), draws=draws)


# --- power by simulation ---------------------------------------------------------------------------------

def normal_arms(sd: float) -> Callable:
    """Sampler of two independent arms: ``a ~ N(effect, sd^2)``, ``b ~ N(0, sd^2)`` (the measured spread).

    Parameters
    ----------
    sd : float > 0, finite
        The measured spread (the arms' pooled sd), in the units of the numbers compared; with
        none measured (one network per arm, identical values) it raises ValueError.

    Returns
    -------
    callable
        ``sample(rng, n_per_arm, effect) -> (a, b)``: ``rng`` a numpy Generator, ``n_per_arm``
        (n_a, n_b), ``effect`` in the units of ``sd``; ``a`` of shape (n_a,), ``b`` of shape
        (n_b,). Its ``model`` attribute names it in words.
    """
    sd = _spread(sd)

    def sample(rng, n_per_arm, effect):
        return rng.normal(effect, sd, n_per_arm[0]), rng.normal(0.0, sd, n_per_arm[1])
    sample.model = f"two normal arms of sd {sd:.3g}"
    return sample


def normal_pairs(sd: float) -> Callable:
    """Sampler of paired differences ``d ~ N(effect, sd^2)`` (sd: the measured sd of the differences).

    Parameters
    ----------
    sd : float > 0, finite
        The measured sd of the paired differences, in the units of the numbers compared
        (ValueError otherwise).

    Returns
    -------
    callable
        ``sample(rng, n_per_arm, effect) -> (d, None)``: ``rng`` a numpy Generator,
        ``n_per_arm`` (n,); ``d`` of shape (n,), the differences themselves (hence ``b`` None).
        Its ``model`` attribute names it in words.
    """
    sd = _spread(sd)

    def sample(rng, n_per_arm, effect):
        return rng.normal(effect, sd, n_per_arm[0]), None
    sample.model = f"normal paired differences of sd {sd:.3g}"
    return sample


def bernoulli_pairs(rate_b: float) -> Callable:
    """Sampler of paired 0/1 outcomes: ``a ~ Bernoulli(rate_b + effect)``, ``b ~ Bernoulli(rate_b)``,
    independent within a pair (e.g. "the run unlinks the tori" for two activations sharing a seed).
    Under the null (effect 0) both arms have rate ``rate_b``.

    Parameters
    ----------
    rate_b : float in [0, 1]
        The second arm's rate (ValueError otherwise).

    Returns
    -------
    callable
        ``sample(rng, n_per_arm, effect) -> (a, b)``: ``rng`` a numpy Generator, ``n_per_arm``
        (n,), ``effect`` a difference of rates (``rate_b + effect`` clipped to [0, 1]); ``a`` and
        ``b`` float arrays of 0 and 1, each of shape (n,). Its ``model`` attribute names it in
        words.
    """
    if not 0 <= rate_b <= 1:
        raise ValueError(f"rate_b must lie in [0, 1]; got {rate_b!r}")

    def sample(rng, n_per_arm, effect):
        ra = float(np.clip(rate_b + effect, 0, 1))
        return (rng.random(n_per_arm[0]) < ra).astype(float), (rng.random(n_per_arm[0]) < rate_b).astype(float)
    sample.model = f"paired 0/1 outcomes, the second arm at rate {rate_b:.2g}"
    return sample


def bivariate_normal() -> Callable:
    """Sampler of n pairs from a bivariate normal with correlation ``effect``."""

    def sample(rng, n_per_arm, effect):
        x = rng.normal(size=n_per_arm[0])
        y = effect * x + math.sqrt(max(0.0, 1 - effect ** 2)) * rng.normal(size=n_per_arm[0])
        return x, y
    sample.model = "bivariate normal pairs"
    return sample


def _spread(sd) -> float:
    if isinstance(sd, bool) or not isinstance(sd, (int, float, np.floating)) or not math.isfinite(sd) or sd <= 0:
        raise ValueError(f"sd must be a positive finite spread (the measured sd); got {sd!r}. With no spread "
                         "measured (one network per arm, or identical values) the power cannot be simulated")
    return float(sd)


#: The tests :func:`power_by_simulation` can simulate (the others have power functions of their own:
#: :func:`sign_test_power`, the label and surface tests' calibrations).
SIMULATED_TESTS = ("permutation", "paired", "correlation")


def _run(test: str, a, b, draws: int, seed: int, max_exact: int) -> float:
    if test == "permutation":
        return permutation_test(a, b, draws=draws, seed=seed, max_exact=max_exact).p
    if test == "paired":
        return paired_permutation_test(a, b, draws=draws, seed=seed, max_exact=max_exact).p
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 1.0
    return correlation_test(a, b, draws=draws, seed=seed, max_exact=max_exact).p


def power_by_simulation(test: str, n_per_arm, *, effect: float, sd: float | None = None, sampler: Callable | None = None,
                        simulations: int = SIMULATIONS, draws: int = SIMULATION_DRAWS, alpha: float = ALPHA,
                        seed: int = 0, max_exact: int = MAX_EXACT, effect_label: str | None = None) -> Power:
    """Power of ``test`` at ``n_per_arm`` against ``effect``, and its false-positive rate.

    Parameters
    ----------
    test : {"permutation", "paired", "correlation"}
        The test run on each simulated data set (:func:`permutation_test`,
        :func:`paired_permutation_test`, :func:`correlation_test`).
    n_per_arm : tuple of int, or int
        (n_a, n_b) for "permutation", (n,) (or an int) for "paired" and "correlation"; every
        n >= 2 (>= 3 for "correlation").
    effect : float
        The paper's effect in the units of the statistic: a difference of means (accuracy
        fractions, ...), a mean paired difference, or a correlation (in (-1, 1)).
    sd : float > 0 or None
        The measured spread (pooled sd of the arms; sd of the paired differences), in the
        units of the numbers compared; needed by the default "permutation" and "paired"
        models (ValueError when None); ignored when ``sampler`` is given, and by the default
        "correlation" model.
    sampler : callable, optional
        ``sampler(rng, n_per_arm, effect) -> (a, b)``; default: :func:`normal_arms`
        (permutation), :func:`normal_pairs` (paired), :func:`bivariate_normal` (correlation).
        Its ``model`` attribute, when it has one, names it in :attr:`Power.model`.
    simulations : int >= 1
        Simulated data sets for each of power and false-positive rate.
    draws : int >= 1
        Rearrangements per simulated test (exact tests stay exact).
    alpha : float in (0, 1)
        The level: a simulated data set counts as detected when its test's p < ``alpha``.
    seed : int
        Seeds the simulated data (one generator for the power and then the false-positive
        data sets) and the simulated tests (``seed + s`` for the s-th data set of each).
    max_exact : int
        Passed to the test: list every rearrangement (exact p) when there are at most this
        many besides the observed one.
    effect_label : str, optional
        How the effect is named in :meth:`Power.describe` (through :attr:`Power.model`;
        default: its value, e.g. "an effect of 0.05").

    Returns
    -------
    Power
        ``power`` and ``false_positive_rate`` (shares of ``simulations``), each with its 95 %
        Wilson interval (:func:`wilson_interval`).

    Simulation model (stated in :attr:`Power.model`): by default the arms are normal with the
    measured spread ``sd`` and the same sd in both (pooled), arm ``a`` shifted by ``effect``;
    paired differences normal with mean ``effect`` and the measured sd of the differences;
    correlations bivariate normal with correlation ``effect``. The false-positive rate is the
    same simulation with ``effect`` = 0, where the null holds (two arms from one population).
    Each simulated data set is tested exactly as the data were (same test, same n), seeded.
    """
    if test not in SIMULATED_TESTS:
        raise ValueError(f"power_by_simulation runs one of {list(SIMULATED_TESTS)}; got {test!r}"
                         + (" (its power is computed by its own function)" if test in TESTS else ""))
    n = (n_per_arm,) if isinstance(n_per_arm, (int, np.integer)) and not isinstance(n_per_arm, bool) else tuple(n_per_arm)
    if any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < (3 if test == "correlation" else 2)
           for k in n) or len(n) != (2 if test == "permutation" else 1):
        raise ValueError(f"n_per_arm must be {'(n_a, n_b)' if test == 'permutation' else '(n,)'} with every n >= "
                         f"{3 if test == 'correlation' else 2} for a {test} test; got {n_per_arm!r}")
    n = tuple(int(k) for k in n)
    if isinstance(effect, bool) or not isinstance(effect, (int, float, np.floating)) or not math.isfinite(effect):
        raise ValueError(f"effect must be a finite number (the paper's effect in the statistic's units); got {effect!r}")
    if test == "correlation" and not -1 < effect < 1:
        raise ValueError(f"a correlation effect must lie in (-1, 1); got {effect}")
    alpha = _alpha(alpha)
    simulations = _positive_int(simulations, "simulations")
    draws = _positive_int(draws, "draws")
    if sampler is None:
        sampler = {"permutation": normal_arms, "paired": normal_pairs}.get(test, lambda _sd: bivariate_normal())(sd)
    rng = np.random.default_rng(seed)
    hits = {}
    for name, eff in (("power", float(effect)), ("fpr", 0.0)):
        count = 0
        for s in range(simulations):
            a, b = sampler(rng, n, eff)
            count += _run(test, a, b, draws, seed + s, max_exact) < alpha
        hits[name] = count
    label = effect_label or f"an effect of {effect:.3g}"
    return Power(test=test, n_per_arm=n, effect=float(effect), power=hits["power"] / simulations,
                 power_interval=wilson_interval(hits["power"], simulations),
                 false_positive_rate=hits["fpr"] / simulations, fpr_interval=wilson_interval(hits["fpr"], simulations),
                 simulations=simulations, draws=draws, alpha=alpha,
                 model=f"{label} ({getattr(sampler, 'model', 'a custom model')}, n = {' vs '.join(map(str, n))})")


# --- from tested parts to a verdict ----------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One tested part of a claim: its label ("circle > trained"), its calibrated test, an optional
    note (why it is untestable, what it rests on) and an optional ``check``: the same test on a
    subset, reported beside (not deciding), e.g. a correlation without its first snapshot."""

    label: str
    test: GroupTest | None
    note: str = ""
    check: GroupTest | None = None

    def describe(self) -> str:
        if self.test is None:
            return f"{self.label}: not testable ({self.note})"
        return f"{self.label}: {self.test.describe()}" + (f"; {self.note}" if self.note else "")


def part_outcome(test: GroupTest | None, *, alpha: float = ALPHA) -> str:
    """"pass" (significant in the claim's direction), "fail" (not significant, power >= MIN_POWER)
    or "undecided" (not significant with less power, or no test).

    Parameters
    ----------
    test : GroupTest or None
        A part's test; its ``power`` is set by :meth:`GroupTest.calibrated` (None: not
        calibrated, so a non-significant result is undecided). None: the part is untestable.
    alpha : float
        The level (significant: p < alpha).

    Returns
    -------
    str
        "pass", "fail" or "undecided".
    """
    if test is None:
        return "undecided"
    if test.significant(alpha):
        return "pass"
    return "fail" if test.power is not None and test.power >= MIN_POWER else "undecided"


def combine_parts(parts, *, alpha: float = ALPHA) -> tuple[str, list[str]]:
    """The verdict of a claim made of tested parts, and one reason per part plus the rule used.

    reproduced: every part significant at ``alpha`` (an intersection of one-sided tests keeps
    the claim at level ``alpha``, no correction needed); partly: some part significant at
    ``alpha`` / (number of parts) (Bonferroni: with m parts, one chance hit is up to m times
    likelier), the others not; a part significant only at the uncorrected level gives
    inconclusive; not reproduced: no part significant and every part with power >=
    :data:`toponet.circle_decision.MIN_POWER`; inconclusive otherwise (some part could not have seen the
    paper's effect at its size).

    Parameters
    ----------
    parts : iterable of Part
        The claim's tested parts, at least one (ValueError when empty); each decided by
        :func:`part_outcome`.
    alpha : float in (0, 1)
        The level.

    Returns
    -------
    verdict : str
        "reproduced", "partly", "not reproduced" or "inconclusive".
    reasons : list of str
        One line per part (its description and outcome), then why a part passing only at the
        uncorrected level leaves it undecided (when that happens) and, for more than one part,
        the rule used.
    """
    parts = list(parts)
    if not parts:
        raise ValueError("parts is empty: a claim needs at least one tested part")
    alpha = _alpha(alpha)
    outcomes = [part_outcome(p.test, alpha=alpha) for p in parts]
    reasons = [f"{p.describe()} -> {o}" for p, o in zip(parts, outcomes)]
    m = len(parts)
    if all(o == "pass" for o in outcomes):
        verdict = "reproduced"
    elif any(o == "pass" and p.test.p < alpha / m for p, o in zip(parts, outcomes)):
        verdict = "partly"
    elif any(o == "pass" for o in outcomes):
        verdict = "inconclusive"
        reasons.append(f"cannot be decided: a part passes only at p < {alpha:g}, not at {alpha:g}/{m} "
                       f"(Bonferroni over {m} parts), and no part fails with power")
    elif all(o == "fail" for o in outcomes):
        verdict = "not reproduced"
    else:
        verdict = "inconclusive"
    if m > 1:
        reasons.append(f"rule: reproduced when all {m} parts pass at p < {alpha:g}; partly when one passes at "
                       f"p < {alpha:g}/{m} (Bonferroni); not a finding below {MIN_POWER:.0%} power")
    return verdict, reasons
