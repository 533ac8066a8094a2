"""Calibration of the circle rule at the cloud size, k, p and draws it is applied to.

For a cloud of ``n_points`` filters analysed with rho(k, p) and ``draws`` null clouds per
kind, :func:`calibrate_circle` measures

* the **false-positive rate** of the rule "the top H1 bar beats the gaussian and the
  shuffled nulls": on ``fpr_draws`` fresh gaussian clouds and ``fpr_draws`` fresh
  coordinate-shuffled clouds (of the model cloud below), the fraction whose top bar exceeds
  the thresholds the ``draws`` reference null clouds set;
* its **power** on a noisy ideal model: ``power_draws`` clouds of ``n_points`` filters, a
  fraction ``circle_fraction`` of them primary-circle filters with gaussian noise of sd
  ``noise`` per entry (noise 0.25 puts the median filter 0.51 from the ideal circle, as
  far as the dense core of trained MNIST filters), the rest gaussian filters; the
  fraction of those clouds whose top bar exceeds the same thresholds.

A permutation test's false-positive rate is at most its level by construction; measuring it
checks that the observed and null clouds really go through the same pipeline. Power uses
the thresholds of one reference model cloud's shuffled nulls (one set of ``draws`` per model
cloud would cost ``power_draws`` times more), which is stated beside every number.

Results are cached as JSON in ``results/calibration/`` (committed: the book reads them
instead of recomputing), keyed by every parameter and :data:`CALIBRATION_VERSION`. Exact
top bars of gaussian null clouds, which depend only on (n_points, k, p, seed), are cached
there too (:class:`GaussianTops`) and shared with :func:`toponet.circle_decision.circle_test`.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from toponet._validation import check_fraction, check_int
from toponet.analysis import scaled_k
from toponet.density import density_filtration
from toponet.filters import normalize
from toponet._io import results_directory, results_search_path
from toponet.homology import NULL_DIRECT_EDGES, h1_bounds
from toponet.ideal import gaussian_filters, model_sample, primary_circle_sample
from toponet.nulls import null_cloud
from toponet.provenance import DamagedEntry, read_sealed, warn_damaged, write_sealed
from toponet.circle_decision import ALPHA, DRAWS, EXISTENCE_KINDS, circle_test, floor_k, gaussian_top, null_seed
from toponet.workers import parallel_map

__all__ = ["CALIBRATION_VERSION", "default_directory", "read_cached", "write_cached", "GaussianTops", "exceed_limit",
           "threshold", "model_cloud", "Calibration", "check_calibration", "calibrate_circle", "FPR_DRAWS_DECIDING",
           "clopper_pearson", "extended_false_positives", "rule_false_positives", "GRID_N_PAPER", "GRID_P", "grid_k",
           "grid_sizes", "rule_calibration", "load_all", "size_curve", "table_rows", "BEYOND_MODELS",
           "beyond_model_cloud", "calibrate_beyond"]

#: Bump when the rule or the model changes: cached calibrations of older versions are ignored.
CALIBRATION_VERSION = 1


def default_directory() -> Path:
    """``$TOPONET_CALIBRATION`` or ``results/calibration`` of the checkout (else ~/.cache)."""
    return results_directory()


def read_cached(path: Path, check=None) -> dict | None:
    """The sealed document ``path`` names (a calibration, a cache of null values), looked up in
    its folder, then in the committed results (:func:`toponet._io.results_search_path`); None
    when there is none. A damaged one (edited, torn, unsealed, or failing ``check``) is named on
    stderr and skipped: the caller recomputes it.

    Parameters
    ----------
    path : path-like
        Where the document is written: its folder is searched first, then its file name in the
        committed results.
    check : callable, optional
        ``check(doc)`` raises ValueError (or TypeError, KeyError, IndexError) naming what is
        wrong with a document; None: only the seal is checked.

    Returns
    -------
    dict or None
        The first sound document found, its seal (``"sha256"``) included; None when there is none.
    """
    path = Path(path)
    for folder in results_search_path(path.parent):
        try:
            doc = read_sealed(folder / path.name, check=check, section="calibrations")
        except DamagedEntry as exc:
            warn_damaged(exc)
            continue
        if doc is not None:
            return doc
    return None


def write_cached(path: Path, doc: dict) -> dict:
    """Seal ``doc`` and write it atomically to ``path`` (its ledger entry: calibrations).

    Parameters
    ----------
    path : path-like
        The file written (replaced when it exists).
    doc : dict
        A JSON-serializable document; a ``"sha256"`` entry in it is replaced by the seal.

    Returns
    -------
    dict
        A copy of ``doc`` with its seal: its content hash under ``"sha256"``.
    """
    return write_sealed(path, doc, section="calibrations")


def _ptag(p: float) -> str:
    return f"{float(p):.4g}"


class GaussianTops:
    """Exact top H1 lifetimes of rho(k, p) of gaussian null clouds, cached on disk.

    A gaussian null cloud of ``n`` points with seed ``s`` is ``gaussian_filters(n, seed=s)``;
    :meth:`top` returns the exact longest H1 lifetime of its dense core.
    """

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory is not None else default_directory()
        self._mem: dict[tuple, dict] = {}

    def _path(self, n: int, k: int, p: float) -> Path:
        return self.directory / f"gaussian-tops-v{CALIBRATION_VERSION}-n{n}-k{k}-p{_ptag(p)}.json"

    def _table(self, n: int, k: int, p: float) -> dict:
        """seed (str) -> cached top, read from disk once per (n, k, p)."""
        key = (n, k, _ptag(p))
        if key not in self._mem:
            doc = read_cached(self._path(n, k, p), check=_check_tops)
            self._mem[key] = {s: v for s, v in (doc or {}).items() if s != "sha256"}
        return self._mem[key]

    def top(self, n: int, k: int, p: float, seed: int) -> float:
        s = str(int(seed))
        if s not in self._table(n, k, p):
            self.put(n, k, p, seed, gaussian_top(n, k, p, int(seed)))
        return float(self._table(n, k, p)[s])

    def has(self, n: int, k: int, p: float, seed: int) -> bool:
        """Is this gaussian cloud's top already cached?"""
        return str(int(seed)) in self._table(n, k, p)

    def put(self, n: int, k: int, p: float, seed: int, value: float) -> None:
        """Store :func:`gaussian_top` ``(n, k, p, seed)`` computed elsewhere (a worker process)."""
        table = self._table(n, k, p)
        table[str(int(seed))] = round(float(value), 7)
        # seals of concurrent writers never mix: each writes its whole table under a unique temp name
        write_sealed(self._path(n, k, p), table)


def _check_tops(doc: dict) -> None:
    for s, v in doc.items():
        if s != "sha256" and (not s.isdigit() or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0):
            raise ValueError(f"entry {s!r}: {v!r} is not a seed with a non-negative lifetime")


def exceed_limit(draws: int, alpha: float = ALPHA) -> int:
    """Largest number of null clouds at least as long as the observed bar with p < alpha;
    -1 when even 0 gives p >= alpha (too few draws for this level).

    Parameters
    ----------
    draws : int >= 1
        Null clouds the p-value is computed from, p = (1 + exceed) / (1 + draws).
    alpha : float in (0, 1]
        The level.

    Returns
    -------
    int >= -1
        The largest e with (1 + e) / (1 + draws) < alpha (3 for 99 draws at 0.05).
    """
    e = -1
    while (2 + e) / (1 + draws) < alpha:
        e += 1
    return e


def threshold(values, alpha: float = ALPHA) -> float:
    """The rule's threshold: p < alpha exactly when the observed top bar exceeds this value.

    Parameters
    ----------
    values : array-like of shape (draws,)
        The null clouds' top H1 lifetimes, in distance units of the normalized filters.
    alpha : float
        The level (default :data:`toponet.circle_decision.ALPHA`, 0.05).

    Returns
    -------
    float
        The (m + 1)-th largest value, m = :func:`exceed_limit` ``(draws, alpha)`` (strictly
        exceeding it leaves at most m null values at least as long); +inf when p < alpha is out
        of reach with this many draws (m = -1); -inf when every bar passes (only for alpha > 1).
    """
    v = np.sort(np.asarray(values, dtype=np.float64))[::-1]
    m = exceed_limit(v.size, alpha)
    if m < 0:
        return float("inf")     # p < alpha is out of reach with this many draws
    return float(v[m]) if m < v.size else float("-inf")


def model_cloud(n_points: int, *, noise: float, circle_fraction: float, seed: int) -> np.ndarray:
    """The power model: ``n_points`` unit filters, a fraction of them noisy primary-circle
    filters, the rest gaussian filters. Shape (n_points, 9).

    Parameters
    ----------
    n_points : int >= 1
        Filters in the cloud.
    noise : float >= 0
        Standard deviation of the gaussian noise added to each entry of the unit primary-circle
        filters before they are normalized again (:func:`toponet.ideal.primary_circle_sample`;
        0: no noise).
    circle_fraction : float in (0, 1]
        Share of primary-circle filters: ``round(circle_fraction * n_points)`` of them.
    seed : int
        Seeds the circle filters (``seed``) and the gaussian ones (``seed + 10_000_019``).

    Returns
    -------
    ndarray of shape (n_points, 9), float64
        Unit, mean-zero rows: the circle filters first, then the gaussian filters.
    """
    n_circle = int(round(check_fraction(circle_fraction, name="circle_fraction") * n_points))
    parts = [primary_circle_sample(n_circle, noise=noise, seed=seed)] if n_circle else []
    if n_points - n_circle:
        parts.append(gaussian_filters(n_points - n_circle, seed=seed + 10_000_019))
    return np.concatenate(parts)


@dataclass(frozen=True)
class Calibration:
    """False-positive rate and power of the circle rule at one size (see module doc).

    ``rule_fires`` / ``rule_sims``: when stored, the whole rule run on ``rule_sims`` null clouds
    per kind (:func:`rule_false_positives`); the false-positive rate a decision rests on is then
    that one, not the fixed-threshold estimate of ``fpr_exceed`` (which carries the luck of one
    reference set of nulls).
    """

    n_points: int
    k: int
    p: float
    draws: int
    noise: float
    circle_fraction: float
    thresholds: dict
    fpr_exceed: dict
    fpr_draws: int
    power_hits: int
    power_draws: int
    version: int = CALIBRATION_VERSION
    rule_fires: dict | None = None
    rule_sims: int = 0

    @property
    def power(self) -> float:
        return self.power_hits / self.power_draws

    @property
    def threshold_fpr(self) -> float:
        """The largest per-kind rate: fresh null clouds whose top bar beats both fixed thresholds."""
        return max(e / self.fpr_draws for e in self.fpr_exceed.values())

    @property
    def false_positive_rate(self) -> float:
        """The rate decisions rest on: the whole rule's on null clouds when measured, else
        :attr:`threshold_fpr`."""
        if self.rule_sims:
            return max(self.rule_fires.values()) / self.rule_sims
        return self.threshold_fpr

    @property
    def decision_fpr_draws(self) -> int:
        """Null clouds per kind behind :attr:`false_positive_rate`."""
        return self.rule_sims or self.fpr_draws

    @property
    def fpr_interval(self) -> tuple[float, float]:
        """95 % Clopper-Pearson interval of :attr:`false_positive_rate`."""
        n = self.decision_fpr_draws
        return clopper_pearson(int(round(self.false_positive_rate * n)), n)

    @property
    def fpr_too_high(self) -> bool:
        """True when the rule is not used at this size. Measured on at least
        :data:`FPR_DRAWS_DECIDING` null clouds per kind: its rate is above ALPHA (issue 26: no
        rule above 5 % decides). On fewer (40): some kind's false positives are significantly
        above ALPHA (one-sided binomial test at ALPHA: 5 or more of 40), as 40 clouds cannot
        tell 5 % from 12 %."""
        from scipy.stats import binom

        if self.decision_fpr_draws >= FPR_DRAWS_DECIDING:
            return self.false_positive_rate > ALPHA
        return any(binom.sf(e - 1, self.fpr_draws, ALPHA) < ALPHA for e in self.fpr_exceed.values() if e > 0)

    @property
    def model_description(self) -> str:
        return (f"{self.circle_fraction:.0%} noisy primary-circle filters (noise {self.noise:g}) + "
                f"gaussian filters, {self.n_points:,} filters")

    def describe_fpr(self) -> str:
        lo, hi = self.fpr_interval
        if self.rule_sims:
            return (f"false-positive rate {self.false_positive_rate:.1%} (95% interval {lo:.1%}-{hi:.1%}; the whole "
                    f"rule on {self.rule_sims} null clouds per kind)")
        return (f"false-positive rate {self.false_positive_rate:.0%} (95% interval {lo:.0%}-{hi:.0%}; "
                f"{self.fpr_draws} null clouds per kind against fixed thresholds)")

    def describe(self) -> str:
        fp = ", ".join(f"{k} {e}/{self.fpr_draws}" for k, e in self.fpr_exceed.items())
        rule = ""
        if self.rule_sims:
            rule = "; the whole rule on null clouds: " + ", ".join(f"{k} {e}/{self.rule_sims}"
                                                                  for k, e in self.rule_fires.items())
        return (f"n = {self.n_points:,}, rho({self.k}, {self.p:g}), {self.draws} draws per null: "
                f"false positives against fixed thresholds {fp}{rule}; power {self.power_hits}/{self.power_draws} = "
                f"{self.power:.0%} on {self.model_description}")

    def record(self) -> dict:
        out = asdict(self)
        if not self.rule_sims:      # the stored calibration documents hold the fixed-threshold estimate only
            del out["rule_fires"], out["rule_sims"]
        return out


def with_rule_false_positives(cal: Calibration, directory=None) -> Calibration:
    """``cal`` with the whole rule's false-positive rate on null clouds, when one is stored."""
    sim = rule_false_positives(cal, directory=directory)
    return cal if sim is None else replace(cal, rule_fires=dict(sim["fires"]), rule_sims=int(sim["sims"]))


_FIELDS = ("n_points", "k", "p", "draws", "noise", "circle_fraction", "thresholds", "fpr_exceed", "fpr_draws",
           "power_hits", "power_draws", "version")


def check_calibration(doc: dict, expect: dict) -> None:
    """Raise ValueError naming what is wrong with a stored circle calibration: a missing field,
    arguments other than ``expect``'s, counts outside [0, draws], and (format with per-draw
    answers) counts that are not what the answers count.

    Also checked: the version (:data:`CALIBRATION_VERSION`), positive integer sizes and
    thresholds that are numbers (+-inf allowed: out of reach at these draws; NaN is not).

    Parameters
    ----------
    doc : dict
        A stored calibration (the JSON :func:`calibrate_circle` writes).
    expect : dict
        Field -> the value asked for (e.g. ``n_points``, ``k``, ``p``, ``draws``), compared
        with ``==``; ``{}`` compares none.

    Raises
    ------
    ValueError
        Naming the first problem found; returns None when the document passes every check.
    """
    missing = [f for f in _FIELDS if f not in doc]
    if missing:
        raise ValueError(f"fields {missing} are missing")
    if doc["version"] != CALIBRATION_VERSION:
        raise ValueError(f"calibration version {doc['version']!r}, this toponet computes {CALIBRATION_VERSION}")
    for key, want in expect.items():
        if doc[key] != want:
            raise ValueError(f"{key} is {doc[key]!r}, the calibration asked for {want!r}")
    for key in ("fpr_draws", "power_draws", "draws", "n_points", "k"):
        if not isinstance(doc[key], int) or isinstance(doc[key], bool) or doc[key] < 1:
            raise ValueError(f"{key} is {doc[key]!r}, not a positive integer")
    hits = doc["power_hits"]
    if not isinstance(hits, int) or not 0 <= hits <= doc["power_draws"]:
        raise ValueError(f"power_hits {hits!r} is not a count in [0, {doc['power_draws']}]")
    if not isinstance(doc["fpr_exceed"], dict) or not all(
            isinstance(e, int) and 0 <= e <= doc["fpr_draws"] for e in doc["fpr_exceed"].values()):
        raise ValueError(f"fpr_exceed {doc['fpr_exceed']!r} holds a count outside [0, {doc['fpr_draws']}]")
    if not isinstance(doc["thresholds"], dict) or not all(
            isinstance(v, (int, float)) and not np.isnan(v) for v in doc["thresholds"].values()):
        raise ValueError(f"thresholds {doc['thresholds']!r} are not numbers (+-inf: out of reach at these draws)")
    per = doc.get("per_draw")
    if per is not None:
        if sum(map(bool, per.get("power", []))) != hits or len(per.get("power", [])) != doc["power_draws"]:
            raise ValueError(f"power_hits {hits} is not what its {doc['power_draws']} per-draw answers count")
        for kind, e in doc["fpr_exceed"].items():
            answers = per.get("fpr", {}).get(kind, [])
            if sum(map(bool, answers)) != e or len(answers) != doc["fpr_draws"]:
                raise ValueError(f"fpr_exceed[{kind!r}] = {e} is not what its per-draw answers count")


def _partial(path: Path, action: str) -> tuple[Path, dict]:
    """The partial file beside result ``path`` and the draws it holds (empty when there is none,
    or when it is damaged: named on stderr with ``action``). Resumable loops keep their finished
    draws there (the draws are seeded: same draws, same numbers)."""
    partial = path.with_name(path.name.replace(".json", ".partial.json"))
    try:
        return partial, {key: v for key, v in (read_sealed(partial) or {}).items() if key != "sha256"}
    except DamagedEntry as exc:
        warn_damaged(exc, action)
        return partial, {}


def _calibration_path(directory: Path, n: int, k: int, p: float, draws: int, noise: float,
                      fraction: float, fpr_draws: int, power_draws: int, seed: int) -> Path:
    return directory / (f"circle-v{CALIBRATION_VERSION}-n{n}-k{k}-p{_ptag(p)}-d{draws}-noise{noise:g}-"
                        f"f{fraction:g}-fp{fpr_draws}-pw{power_draws}-s{seed}.json")


def _exact_top(cloud: np.ndarray, k: int, p: float) -> float:
    core = density_filtration(normalize(cloud)[0], k, p)
    return float(h1_bounds(core, top=True, max_edges=None, direct_edges=NULL_DIRECT_EDGES).top(1)[0])


def calibrate_circle(n_points: int, k: int, p: float, *, draws: int = DRAWS, fpr_draws: int = 40,
                     power_draws: int = 40, noise: float = 0.25, circle_fraction: float = 0.5,
                     seed: int = 0, directory=None, recompute: bool = False,
                     progress: bool = False) -> Calibration:
    """Calibrate the circle rule at ``n_points`` filters, rho(k, p), ``draws`` nulls per kind.

    ``k`` is passed through :func:`toponet.circle_decision.floor_k` (as the rule does). Cached: a second
    call with the same arguments reads ``results/calibration/circle-...json`` (the file
    ``circle-...json`` in ``directory``, else in the committed results). An interrupted
    calibration resumes from a partial file beside it (every draw is seeded).

    Parameters
    ----------
    n_points : int >= 2
        Filters in the cloud the rule is applied to (after normalization).
    k : int >= 1
        Neighbours of rho(k, p), before :func:`toponet.circle_decision.floor_k`.
    p : float in (0, 1]
        Fraction kept by rho(k, p).
    draws : int >= 2
        Reference null clouds per kind (gaussian, shuffled), as many as the test draws: each
        kind's :func:`threshold`. A fresh null cloud or a model cloud counts when its top bar
        exceeds the larger of the two thresholds.
    fpr_draws : int >= 1
        Fresh null clouds per kind behind the false-positive estimate.
    power_draws : int >= 1
        Model clouds (:func:`model_cloud`) behind the power.
    noise : float >= 0
        Noise sd per entry of the model's circle filters (0.25: the median filter lies 0.51 from
        the ideal circle, in distance units of the normalized filters).
    circle_fraction : float in (0, 1]
        Share of circle filters in the model clouds.
    seed : int
        Seeds the reference model cloud (``seed``; the shuffled nulls are made from it), the
        reference nulls (:func:`toponet.circle_decision.null_seed` of ``seed``), the fresh nulls (of
        ``seed + 1``) and model cloud r (``seed + 1 + r``).
    directory : path-like, optional
        Where calibrations are read and written; default :func:`default_directory`.
    recompute : bool
        Ignore a stored calibration and compute (and write) it again.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Calibration
        With the whole rule's false-positive rate (``rule_fires``, ``rule_sims``) when one is
        stored (:func:`rule_false_positives`).
    """
    from tqdm.auto import tqdm

    n = check_int(n_points, name="n_points", low=2)
    k = floor_k(k, n)
    p = check_fraction(p, name="p")
    draws = check_int(draws, name="draws", low=2)
    fpr_draws = check_int(fpr_draws, name="fpr_draws", low=1)
    power_draws = check_int(power_draws, name="power_draws", low=1)
    directory = Path(directory) if directory is not None else default_directory()
    path = _calibration_path(directory, n, k, p, draws, noise, circle_fraction, fpr_draws, power_draws, seed)
    expect = dict(n_points=n, k=k, p=float(p), draws=draws, noise=float(noise),
                  circle_fraction=float(circle_fraction), fpr_draws=fpr_draws, power_draws=power_draws)
    cached = None if recompute else read_cached(path, check=lambda d: check_calibration(d, expect))
    if cached is not None:
        return with_rule_false_positives(Calibration(**{f: cached[f] for f in _FIELDS}), directory)

    gauss = GaussianTops(directory)
    ref_model = model_cloud(n, noise=noise, circle_fraction=circle_fraction, seed=seed)
    total = 2 * draws + 2 * fpr_draws + power_draws
    # every finished draw is kept in a partial file beside the result: an interrupted
    # calibration resumes where it stopped (the draws are seeded: same draws, same numbers)
    partial_path, done = _partial(path, "starting the calibration over")
    last_write = [time.perf_counter()]

    def draw(key: str, compute):
        if key not in done:
            done[key] = compute()
            if time.perf_counter() - last_write[0] > 5.0:
                write_sealed(partial_path, done)
                last_write[0] = time.perf_counter()
        bar.update()
        return done[key]

    def answers(cloud, q, *, null: bool = True) -> bool:
        # null clouds: one direct exact run; model circles: the rungs settle "yes" early
        b = h1_bounds(density_filtration(normalize(cloud)[0], k, p), questions=[(1, np.nextafter(q, 3))],
                      max_edges=None, direct_edges=NULL_DIRECT_EDGES if null else None)
        return bool(b.at_least(np.nextafter(q, 3)))

    with tqdm(total=total, desc=f"calibrating n={n}", disable=not progress) as bar:
        ref = {"gaussian": [], "shuffled": []}
        for r in range(draws):
            ref["gaussian"].append(draw(f"ref-gaussian-{r}", lambda: gauss.top(n, k, p, null_seed(seed, "gaussian", r))))
            ref["shuffled"].append(draw(f"ref-shuffled-{r}", lambda: _exact_top(
                null_cloud(ref_model, "shuffled", null_seed(seed, "shuffled", r)), k, p)))
        thresholds = {kind: threshold(v) for kind, v in ref.items()}
        q = max(thresholds.values())
        fpr = {"gaussian": 0, "shuffled": 0}
        for r in range(fpr_draws):
            for kind in fpr:
                fpr[kind] += draw(f"fpr-{kind}-{r}", lambda: answers(
                    null_cloud(ref_model, kind, null_seed(seed + 1, kind, r)), q))
        hits = 0
        for r in range(power_draws):
            hits += draw(f"power-{r}", lambda: answers(
                model_cloud(n, noise=noise, circle_fraction=circle_fraction, seed=seed + 1 + r), q, null=False))
    cal = Calibration(n_points=n, k=k, p=float(p), draws=draws, noise=float(noise),
                      circle_fraction=float(circle_fraction),
                      thresholds={kk: round(v, 7) for kk, v in thresholds.items()}, fpr_exceed=fpr,
                      fpr_draws=fpr_draws, power_hits=hits, power_draws=power_draws)
    per_draw = {"fpr": {kind: [bool(done[f"fpr-{kind}-{r}"]) for r in range(fpr_draws)] for kind in fpr},
                "power": [bool(done[f"power-{r}"]) for r in range(power_draws)]}
    write_cached(path, {**cal.record(), "per_draw": per_draw})
    partial_path.unlink(missing_ok=True)
    return with_rule_false_positives(cal, directory)


def _fpr_answer(n: int, k: int, p: float, noise: float, circle_fraction: float, seed: int, kind: str, r: int,
                q: float) -> bool:
    """Does fresh null cloud ``r`` of ``kind`` (of the reference model) beat threshold ``q``?
    The draw :func:`calibrate_circle` makes as ``fpr-{kind}-{r}`` (module-level: worker processes)."""
    ref_model = model_cloud(n, noise=noise, circle_fraction=circle_fraction, seed=seed)
    cloud = null_cloud(ref_model, kind, null_seed(seed + 1, kind, r))
    b = h1_bounds(density_filtration(normalize(cloud)[0], k, p), questions=[(1, np.nextafter(q, 3))],
                  max_edges=None, direct_edges=NULL_DIRECT_EDGES)
    return bool(b.at_least(np.nextafter(q, 3)))


#: Fresh null clouds per kind behind a false-positive rate the book decides with (issue 26: 40
#: clouds cannot tell 5 % from 12 %; 200 put a 4 % rate's 95 % interval at about 2-8 %).
FPR_DRAWS_DECIDING = 200


def clopper_pearson(hits: int, draws: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided ``level`` interval of a binomial rate ``hits / draws``.

    Parameters
    ----------
    hits : int, 0 <= hits <= draws
        Successes (e.g. null clouds on which the rule fired).
    draws : int >= 1
        Trials.
    level : float in (0, 1)
        Coverage: (1 - level) / 2 is left in each tail.

    Returns
    -------
    (low, high) : tuple of float in [0, 1]
        low is 0 when ``hits`` is 0, high is 1 when ``hits == draws``.
    """
    from scipy.stats import beta

    a = (1 - level) / 2
    lo = 0.0 if hits == 0 else float(beta.ppf(a, hits, draws - hits + 1))
    hi = 1.0 if hits == draws else float(beta.ppf(1 - a, hits + 1, draws - hits))
    return lo, hi


def _fprx_path(directory: Path, cal: Calibration, fpr_draws: int, seed: int) -> Path:
    base = _calibration_path(directory, cal.n_points, cal.k, cal.p, cal.draws, cal.noise, cal.circle_fraction,
                             cal.fpr_draws, cal.power_draws, seed)
    return base.with_name(base.name.replace("circle-", "fprx-", 1).replace(".json", f"-to{fpr_draws}.json"))


def _check_fprx(doc: dict) -> None:
    for kind, answers in doc["per_draw"].items():
        if len(answers) != doc["fpr_draws"] or sum(map(bool, answers)) != doc["fpr_exceed"][kind]:
            raise ValueError(f"fpr_exceed[{kind!r}] is not what its {doc['fpr_draws']} per-draw answers count")


def extended_false_positives(cal: Calibration, *, fpr_draws: int = FPR_DRAWS_DECIDING, seed: int = 0,
                             directory=None, compute: bool = False, n_jobs: int = 1,
                             progress: bool = False) -> dict | None:
    """The circle rule's false-positive rate at ``cal``'s size on ``fpr_draws`` fresh null
    clouds per kind, against ``cal``'s own thresholds; the first ``cal.fpr_draws`` answers are
    ``cal``'s (same seeds, same clouds), the rest are drawn here.

    Returns ``{"fpr_draws", "fpr_exceed": kind -> count, "rate": the larger kind's rate,
    "interval": its 95 % Clopper-Pearson interval, "per_draw", "base"}``, read from
    ``results/calibration/fprx-...json``; None when it is not stored and ``compute`` is False.
    Computing resumes from a partial file.

    Parameters
    ----------
    cal : Calibration
        A calibration stored by :func:`calibrate_circle` (its arguments and ``seed`` name the
        stored document whose thresholds and answers are extended).
    fpr_draws : int >= cal.fpr_draws
        Fresh null clouds per kind in all, ``cal``'s included.
    seed : int
        The ``seed`` ``cal`` was calibrated with: it seeds the model cloud and the null clouds
        as :func:`calibrate_circle` does.
    directory : path-like, optional
        Where to read and write; default :func:`default_directory`.
    compute : bool
        Compute when nothing is stored (default: only read).
    n_jobs : int >= 1
        Worker processes for the new null clouds.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict or None
        ``"fpr_draws"``; ``"fpr_exceed"``: kind -> count; ``"rate"``: the larger kind's count /
        fpr_draws; ``"interval"``: its (low, high); ``"worst_kind"``: that kind; ``"per_draw"``:
        kind -> list of ``fpr_draws`` bools (the cloud's top bar beat the larger of ``cal``'s
        two thresholds); ``"base"``: the file name of the calibration extended. None when not
        stored and ``compute`` is False.

    Raises
    ------
    ValueError
        When computing and no calibration is stored at ``cal``'s arguments and ``seed``.
    """
    from tqdm.auto import tqdm

    fpr_draws = check_int(fpr_draws, name="fpr_draws", low=cal.fpr_draws)
    directory = Path(directory) if directory is not None else default_directory()
    path = _fprx_path(directory, cal, fpr_draws, seed)
    doc = read_cached(path, check=_check_fprx)
    if doc is None and not compute:
        return None
    if doc is None:
        base_path = _calibration_path(directory, cal.n_points, cal.k, cal.p, cal.draws, cal.noise,
                                      cal.circle_fraction, cal.fpr_draws, cal.power_draws, seed)
        base = read_cached(base_path, check=lambda d: check_calibration(d, {}))
        if base is None:
            raise ValueError(f"{base_path.name}: no stored calibration to extend")
        q = max(base["thresholds"].values())
        partial, done = _partial(path, "starting over")
        # an older calibration stored counts only: its clouds are drawn again (same seeds)
        for kind, answers in base.get("per_draw", {}).get("fpr", {}).items():
            for r, a in enumerate(answers):
                done.setdefault(f"{kind}-{r}", bool(a))
        kinds = list(base["fpr_exceed"])
        todo = [(kind, r) for r in range(fpr_draws) for kind in kinds if f"{kind}-{r}" not in done]
        args = [(cal.n_points, cal.k, cal.p, cal.noise, cal.circle_fraction, seed, kind, r, q) for kind, r in todo]
        last = time.perf_counter()
        with tqdm(total=len(todo), desc=f"false positives n={cal.n_points}", disable=not progress) as bar:
            for (kind, r), answer in zip(todo, parallel_map(_fpr_answer, args, n_jobs)):
                done[f"{kind}-{r}"] = bool(answer)
                bar.update()
                if time.perf_counter() - last > 30:
                    write_sealed(partial, done)
                    last = time.perf_counter()
        per = {kind: [done[f"{kind}-{r}"] for r in range(fpr_draws)] for kind in kinds}
        doc = write_cached(path, {"version": CALIBRATION_VERSION, "base": base_path.name, "base_sha256": base["sha256"],
                                  "threshold": q, "fpr_draws": fpr_draws,
                                  "fpr_exceed": {kind: int(sum(a)) for kind, a in per.items()}, "per_draw": per})
        partial.unlink(missing_ok=True)
    worst = max(doc["fpr_exceed"], key=lambda kind: doc["fpr_exceed"][kind])
    e = doc["fpr_exceed"][worst]
    return {"fpr_draws": doc["fpr_draws"], "fpr_exceed": dict(doc["fpr_exceed"]), "rate": e / doc["fpr_draws"],
            "interval": clopper_pearson(e, doc["fpr_draws"]), "worst_kind": worst, "base": doc["base"],
            "per_draw": doc["per_draw"]}


def _rule_sim_path(directory: Path, cal: Calibration, sims: int, seed: int) -> Path:
    return directory / (f"rulefp-v{CALIBRATION_VERSION}-n{cal.n_points}-k{cal.k}-p{_ptag(cal.p)}-d{cal.draws}-"
                        f"noise{cal.noise:g}-f{cal.circle_fraction:g}-sims{sims}-s{seed}.json")


def _check_rule_sim(doc: dict) -> None:
    for kind, runs in doc["per_draw"].items():
        if len(runs) != doc["sims"] or sum(bool(r["fires"]) for r in runs) != doc["fires"][kind]:
            raise ValueError(f"fires[{kind!r}] is not what its {doc['sims']} per-draw runs count")


def rule_false_positives(cal: Calibration, *, sims: int = FPR_DRAWS_DECIDING, seed: int = 0, directory=None,
                         compute: bool = False, n_jobs: int = 1, progress: bool = False) -> dict | None:
    """The false-positive rate of the circle rule *as the book runs it*, on ``sims`` null
    clouds per kind where the null holds (fresh gaussian clouds and fresh coordinate shuffles
    of the power model, the clouds :func:`calibrate_circle` draws for its estimate).

    Each cloud goes through :func:`toponet.circle_decision.circle_test` itself (``draws`` null clouds,
    seed ``seed``): its gaussian nulls are the book's fixed gaussian clouds (seeded), its
    shuffled nulls are shuffles *of that cloud*; the rule fires when both p < ALPHA. So this is
    the rate of the whole test, not of one fixed threshold (:func:`extended_false_positives`
    measures the latter, which carries the luck of one reference set of nulls: a 4-in-99
    threshold's own rate is Beta(4, 96)-distributed around 4 %). A cloud whose top bar does
    not beat the gaussian nulls cannot fire and skips its shuffles.

    Returns ``{"sims", "fires": kind -> count, "rate", "interval": 95 % Clopper-Pearson,
    "worst_kind", "per_draw"}`` from ``results/calibration/rulefp-...json``; None when it is
    not stored and ``compute`` is False.

    Parameters
    ----------
    cal : Calibration
        The size the rule runs at: its ``n_points``, ``k``, ``p``, ``draws`` and its model
        (``noise``, ``circle_fraction``) are used.
    sims : int >= 1
        Null clouds per kind (gaussian, shuffled).
    seed : int
        Seeds the power model the shuffles are made from (``seed``), the null clouds
        (:func:`toponet.circle_decision.null_seed` of ``seed + 1``) and each test's own nulls (``seed``).
    directory : path-like, optional
        Where to read and write (and the gaussian tops' cache); default :func:`default_directory`.
    compute : bool
        Compute when nothing is stored (default: only read). Resumes from a partial file.
    n_jobs : int >= 1
        Worker processes for each test's null clouds.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict or None
        ``"sims"``; ``"fires"``: kind -> count; ``"rate"``: the worst kind's count / sims;
        ``"interval"``: its 95 % Clopper-Pearson (low, high); ``"worst_kind"``; ``"per_draw"``:
        kind -> list of ``sims`` runs, each {"gaussian_p", "shuffled_p" (absent when skipped),
        "fires"}. None when not stored and ``compute`` is False.
    """
    from tqdm.auto import tqdm

    sims = check_int(sims, name="sims", low=1)
    directory = Path(directory) if directory is not None else default_directory()
    path = _rule_sim_path(directory, cal, sims, seed)
    doc = read_cached(path, check=_check_rule_sim)
    if doc is None and not compute:
        return None
    if doc is None:
        partial, done = _partial(path, "starting over")
        gauss = GaussianTops(directory)
        ref_model = model_cloud(cal.n_points, noise=cal.noise, circle_fraction=cal.circle_fraction, seed=seed)
        last = time.perf_counter()
        with tqdm(total=len(EXISTENCE_KINDS) * sims, desc=f"rule on nulls n={cal.n_points}",
                  disable=not progress) as bar:
            for kind in EXISTENCE_KINDS:
                for r in range(sims):
                    key = f"{kind}-{r}"
                    if key not in done:
                        cloud = null_cloud(ref_model, kind, null_seed(seed + 1, kind, r))
                        run = {}
                        for null in EXISTENCE_KINDS:   # gaussian first: cheap (cached tops), decides most
                            t = circle_test(cloud, k=cal.k, p=cal.p, kinds=(null,), draws=cal.draws, seed=seed,
                                            ranks=1, gaussian_cache=gauss, cache=False, n_jobs=n_jobs)
                            run[f"{null}_p"] = round(t.nulls[null].p, 4)
                            if t.nulls[null].p >= ALPHA:
                                break
                        run["fires"] = all(run.get(f"{null}_p", 1.0) < ALPHA for null in EXISTENCE_KINDS)
                        done[key] = run
                        if time.perf_counter() - last > 30:
                            write_sealed(partial, done)
                            last = time.perf_counter()
                    bar.update()
        per = {kind: [done[f"{kind}-{r}"] for r in range(sims)] for kind in EXISTENCE_KINDS}
        doc = write_cached(path, {"version": CALIBRATION_VERSION, "n_points": cal.n_points, "k": cal.k,
                                  "p": float(cal.p), "draws": cal.draws, "sims": sims, "seed": seed,
                                  "fires": {kind: int(sum(bool(x["fires"]) for x in runs)) for kind, runs in per.items()},
                                  "per_draw": per})
        partial.unlink(missing_ok=True)
    worst = max(doc["fires"], key=lambda kind: doc["fires"][kind])
    e = doc["fires"][worst]
    return {"sims": doc["sims"], "fires": dict(doc["fires"]), "rate": e / doc["sims"],
            "interval": clopper_pearson(e, doc["sims"]), "worst_kind": worst, "per_draw": doc["per_draw"]}


def decision_fpr(cal: Calibration, *, directory=None) -> dict:
    """The false-positive rate a decision at ``cal``'s size rests on: the whole rule on 200 null
    clouds per kind (:func:`rule_false_positives`) when stored, else ``cal``'s own estimate
    (fixed thresholds, ``cal.fpr_draws`` clouds). ``{"rate", "draws", "interval", "how"}``."""
    cal = cal if cal.rule_sims else with_rule_false_positives(cal, directory)
    how = (f"the whole rule on {cal.rule_sims} null clouds per kind" if cal.rule_sims else
           f"{cal.fpr_draws} null clouds per kind against fixed thresholds")
    return {"rate": cal.false_positive_rate, "draws": cal.decision_fpr_draws, "interval": cal.fpr_interval, "how": how}


#: The family of calibrations ``toponet analyze`` reads for a layer of any size: the book's k
#: scaling (the paper's rho(200, 0.3) on 6,400 MNIST filters: k = n / 32, at least K_MIN), p = 0.3,
#: 99 draws per null, on the committed size grid (128 ... 6,400 filters).
GRID_K_PAPER, GRID_N_PAPER, GRID_P = 200, 6400, 0.3


def grid_k(n_points: int) -> int:
    """k of the grid family at ``n_points`` filters: the paper's k / n, floored (:func:`scaled_k`).

    Parameters
    ----------
    n_points : int > K_MIN
        Filters in the cloud.

    Returns
    -------
    int
        ``round(200 * n_points / 6400)`` (n / 32) clipped to [K_MIN, n_points - 1].
    """
    return scaled_k(GRID_K_PAPER, n_points, GRID_N_PAPER)


def _stored(n: int, k: int, p: float, draws: int, directory: Path) -> Calibration | None:
    path = _calibration_path(directory, n, k, p, draws, 0.25, 0.5, 40, 40, 0)
    expect = dict(n_points=n, k=k, p=float(p), draws=draws)
    doc = read_cached(path, check=lambda d: check_calibration(d, expect))
    return None if doc is None else Calibration(**{f: doc[f] for f in _FIELDS})


def grid_sizes(draws: int = DRAWS, directory=None) -> list[int]:
    """Cloud sizes with a stored calibration of the grid family (committed or in the user cache).

    Only file names are read (not checked): ``circle-...`` files of this version with
    k = :func:`grid_k` (n), p = :data:`GRID_P`, ``draws`` and :func:`calibrate_circle`'s default
    model (noise 0.25, fraction 0.5, 40 + 40 clouds, seed 0).

    Parameters
    ----------
    draws : int
        Null clouds per kind of the calibrations (default :data:`toponet.circle_decision.DRAWS`).
    directory : path-like, optional
        The write folder searched first (default :func:`default_directory`), then the committed
        results.

    Returns
    -------
    list of int
        The sizes (filters), increasing.
    """
    directory = Path(directory) if directory is not None else default_directory()
    sizes = set()
    for folder in results_search_path(directory):
        for path in folder.glob(f"circle-v{CALIBRATION_VERSION}-n*-k*-p{_ptag(GRID_P)}-d{draws}-noise0.25-f0.5-"
                                f"fp40-pw40-s0.json"):
            n, k = (int(x) for x in re.match(r"circle-v\d+-n(\d+)-k(\d+)-", path.name).groups())
            if k == grid_k(n):
                sizes.add(n)
    return sorted(sizes)


@dataclass(frozen=True)
class RuleCalibration:
    """The power and false-positive rate the circle rule uses at one cloud size, and where they
    come from: calibrated at this size, or borrowed from the grid's neighbours (power from the
    next smaller calibrated size, the false-positive rate from the worse of the two).

    ``n_points``, ``k``, ``p``, ``draws`` are the test's (what :func:`toponet.circle_decision.circle_rule`
    checks); ``source`` says in one line which calibrations gave the numbers.
    """

    n_points: int
    k: int
    p: float
    draws: int
    power: float | None
    power_hits: int
    power_draws: int
    power_size: int | None
    false_positive_rate: float | None
    fpr_draws: int
    fpr_interval: tuple
    fpr_size: int | None
    fpr_how: str
    source: str

    @property
    def fpr_too_high(self) -> bool:
        """The rule is not used here: its false-positive rate is above ALPHA (a point estimate
        on 200 or more clouds per kind), or significantly so (a binomial test, on fewer)."""
        from scipy.stats import binom

        if self.false_positive_rate is None:
            return False
        if self.fpr_draws >= FPR_DRAWS_DECIDING:
            return self.false_positive_rate > ALPHA
        e = int(round(self.false_positive_rate * self.fpr_draws))
        return e > 0 and binom.sf(e - 1, self.fpr_draws, ALPHA) < ALPHA

    @property
    def model_description(self) -> str:
        size = f"{self.power_size:,}" if self.power_size else "?"
        return f"50% noisy primary-circle filters (noise 0.25) + gaussian filters, {size} filters"

    def describe_fpr(self) -> str:
        if self.false_positive_rate is None:
            return "false-positive rate not calibrated"
        return (f"false-positive rate {self.false_positive_rate:.1%} (95% interval {self.fpr_interval[0]:.1%}-"
                f"{self.fpr_interval[1]:.1%}; {self.fpr_how}; at n = {self.fpr_size:,})")

    def describe(self) -> str:
        power = "not calibrated" if self.power is None else f"{self.power_hits}/{self.power_draws} = {self.power:.0%}"
        fpr = ("not calibrated" if self.false_positive_rate is None else
               f"{self.false_positive_rate:.1%} (95% interval {self.fpr_interval[0]:.1%}-{self.fpr_interval[1]:.1%}; "
               f"{self.fpr_how})")
        return f"power {power}; false-positive rate {fpr}; {self.source}"

    def record(self) -> dict:
        return {"power": self.power, "power_draws": self.power_draws, "power_size": self.power_size,
                "false_positive_rate": self.false_positive_rate, "fpr_draws": self.fpr_draws,
                "fpr_interval": [round(x, 4) for x in self.fpr_interval], "fpr_size": self.fpr_size,
                "fpr_how": self.fpr_how, "source": self.source}


def rule_calibration(n_points: int, k: int, p: float, *, draws: int = DRAWS, calibrate: bool = False,
                     directory=None, progress: bool = False) -> RuleCalibration:
    """The circle rule's calibration for a test at ``n_points`` filters, rho(k, p), ``draws``.

    In order: a stored calibration at exactly this size, k and p; with ``calibrate``, a new one
    (:func:`calibrate_circle`: 40 + 40 + 40 clouds and 2 x ``draws`` references, minutes to an
    hour); for the grid family (``k == grid_k(n_points)``, p = 0.3), the grid's neighbours:
    power from the largest calibrated size at most ``n_points`` (power grows with the cloud),
    the false-positive rate from the worse of that one and the smallest at least
    ``n_points``. Else (or below the grid's smallest size) power and false-positive rate are
    None: the rule then answers ``inconclusive``.

    A stored calibration means :func:`calibrate_circle`'s default model (noise 0.25, fraction
    0.5, 40 + 40 clouds, seed 0) at ``draws``; its false-positive rate is the whole rule's when
    that is stored (:func:`rule_false_positives`), else the fixed-threshold estimate.

    Parameters
    ----------
    n_points : int >= 2
        Filters the test ran on (after normalization).
    k : int >= 1
        Neighbours of rho(k, p), passed through :func:`toponet.circle_decision.floor_k`.
    p : float in (0, 1]
        Fraction kept by rho(k, p).
    draws : int
        Null clouds per kind of the test.
    calibrate : bool
        Compute a calibration at this size when none is stored, and store it in ``directory``.
    directory : path-like, optional
        Where stored calibrations are looked up; default :func:`default_directory` (then the
        committed results).
    progress : bool
        Show a progress bar while calibrating.

    Returns
    -------
    RuleCalibration
        ``power_size`` and ``fpr_size`` say which sizes the numbers come from, ``source`` says it
        in words; borrowing the false-positive rate, the worse neighbour is the one with the
        higher rate (on a tie, the one measured on fewer clouds).
    """
    n = check_int(n_points, name="n_points", low=2)
    k = floor_k(k, n)
    p = check_fraction(p, name="p")
    directory = Path(directory) if directory is not None else default_directory()

    def exact(cal, why):
        f = decision_fpr(cal, directory=directory)
        return RuleCalibration(n, k, float(p), draws, cal.power, cal.power_hits, cal.power_draws, n, f["rate"],
                               f["draws"], tuple(f["interval"]), n, f["how"], why)

    cal = _stored(n, k, p, draws, directory)
    if cal is not None:
        return exact(cal, f"calibrated at this size (n = {n:,}, rho({k}, {p:g}))")
    if calibrate:
        cal = calibrate_circle(n, k, p, draws=draws, directory=directory, progress=progress)
        return exact(cal, f"calibrated at this size (n = {n:,}, rho({k}, {p:g})), computed now")
    none = RuleCalibration(n, k, float(p), draws, None, 0, 0, None, None, 0, (0.0, 1.0), None, "", "")
    if k != grid_k(n) or not np.isclose(p, GRID_P):
        return replace(none, source=f"no calibration at n = {n:,}, rho({k}, {p:g}); the shipped grid has k = n/32, "
                                    f"p = {GRID_P:g}: use those, or --calibrate (minutes to an hour)")
    sizes = grid_sizes(draws, directory)
    lower = max((s for s in sizes if s <= n), default=None)
    upper = min((s for s in sizes if s >= n), default=None)
    if not sizes:
        return replace(none, source=f"no shipped calibration at {draws} draws per null (the grid has {DRAWS}): power "
                                    f"unknown; --calibrate computes it at this size")
    if lower is None:
        return replace(none, source=f"below the calibrated grid (smallest {min(sizes):,} filters): power unknown; "
                                    f"--calibrate computes it at this size")
    low = _stored(lower, grid_k(lower), GRID_P, draws, directory)
    candidates = [low] + ([_stored(upper, grid_k(upper), GRID_P, draws, directory)] if upper is not None else [])
    fprs = [(decision_fpr(c, directory=directory), c) for c in candidates]
    f, worst = max(fprs, key=lambda t: (t[0]["rate"], -t[0]["draws"]))
    sizes_txt = (f"n = {lower:,} and {upper:,}" if upper not in (None, lower) else f"n = {lower:,}")
    source = (f"borrowed from the grid ({sizes_txt}, k = n/32, p = {GRID_P:g}): power from n = {lower:,} (the next "
              f"smaller size), false-positive rate from n = {worst.n_points:,} (the worse neighbour)")
    return RuleCalibration(n, k, float(p), draws, low.power, low.power_hits, low.power_draws, lower, f["rate"],
                           f["draws"], tuple(f["interval"]), worst.n_points, f["how"], source)


def load_all(directory=None) -> list[Calibration]:
    """Every cached calibration of the current version, sorted by size (for the Calibration page).

    Parameters
    ----------
    directory : path-like, optional
        The folder read (default :func:`default_directory`), and only it: unlike
        :func:`read_cached`, the committed results are not searched. Damaged files are named on
        stderr and left out.

    Returns
    -------
    list of Calibration
        Sorted by (n_points, k, p); each with the whole rule's false-positive rate when one is
        stored (:func:`rule_false_positives`).
    """
    directory = Path(directory) if directory is not None else default_directory()
    out = []
    for path in sorted(directory.glob(f"circle-v{CALIBRATION_VERSION}-*.json")):
        try:
            data = read_sealed(path, check=lambda d: check_calibration(d, {}))
        except DamagedEntry as exc:
            warn_damaged(exc, "left out")
            continue
        if data is not None:
            out.append(with_rule_false_positives(Calibration(**{f: data[f] for f in _FIELDS}), directory))
    return sorted(out, key=lambda c: (c.n_points, c.k, c.p))


def size_curve(sizes, *, k_paper: int = 200, n_paper: int = 6400, p: float = 0.3, draws: int = DRAWS,
               progress: bool = False) -> list[Calibration]:
    """The circle rule calibrated at each cloud size in ``sizes``, k rescaled from the paper's
    (k_paper for n_paper points, as the chapters do). Cached: sizes calibrated before are read.

    Each size is :func:`calibrate_circle` with its default model, seed and directory.

    Parameters
    ----------
    sizes : iterable of int
        Cloud sizes (filters), each > K_MIN.
    k_paper : int >= 1
        The paper's k, in neighbours.
    n_paper : int >= 1
        Points in the paper's cloud that ``k_paper`` was chosen for.
    p : float in (0, 1]
        Fraction kept by rho(k, p).
    draws : int >= 2
        Null clouds per kind.
    progress : bool
        Show progress bars.

    Returns
    -------
    list of Calibration
        One per size, in the order of ``sizes``.
    """

    return [calibrate_circle(n, scaled_k(k_paper, n, n_paper), p, draws=draws, progress=progress)
            for n in sizes]


def table_rows(cals) -> list[dict]:
    """One row per calibration, for the Calibration page.

    Parameters
    ----------
    cals : iterable of Calibration
        With "gaussian" and "shuffled" false-positive counts (``fpr_exceed``).

    Returns
    -------
    list of dict
        One per calibration, in order, with the keys "filters", "rho(k, p)", "draws per null",
        "false positives, gaussian", "false positives, shuffled", "whole rule on null clouds"
        ("not measured" when not stored), "power" and "threshold (top H1)" (the larger of the
        two thresholds, in distance units of the normalized filters).
    """
    return [{"filters": c.n_points, "rho(k, p)": f"rho({c.k}, {c.p:g})", "draws per null": c.draws,
             "false positives, gaussian": f"{c.fpr_exceed['gaussian']}/{c.fpr_draws}",
             "false positives, shuffled": f"{c.fpr_exceed['shuffled']}/{c.fpr_draws}",
             "whole rule on null clouds": (f"{max(c.rule_fires.values())}/{c.rule_sims} = "
                                           f"{c.false_positive_rate:.1%} (95% {c.fpr_interval[0]:.1%}-"
                                           f"{c.fpr_interval[1]:.1%})" if c.rule_sims else "not measured"),
             "power": f"{c.power_hits}/{c.power_draws} = {100 * c.power:.0f}%",
             "threshold (top H1)": f"{max(c.thresholds.values()):.3f}"} for c in cals]


# --- "beyond second order?": the directions null's false-positive rate and power -------------------

#: Models of :func:`calibrate_beyond`: a gaussian with a random anisotropic covariance (the null
#: holds exactly: its directions *are* an angular central gaussian), the noisy three-circle model
#: and a noisy Klein bottle (both beyond second order), and the noisy primary circle (a circle
#: that second-order structure explains: its filters span two directions evenly).
BEYOND_MODELS = ("anisotropic-gaussian", "three-circle", "klein", "primary-circle")
BEYOND_VERSION = 1


def beyond_model_cloud(model: str, n_points: int, *, noise: float, fraction: float, seed: int) -> np.ndarray:
    """One cloud of :data:`BEYOND_MODELS`: ``fraction`` of ``n_points`` model filters (noise sd
    ``noise`` per entry), the rest gaussian filters; the anisotropic gaussian is all gaussian,
    its covariance drawn from ``seed`` (eigenvalues log-uniform over two decades). Shape (n, 9).

    Parameters
    ----------
    model : str, one of :data:`BEYOND_MODELS`
        An unknown model raises ValueError.
    n_points : int >= 1
        Filters in the cloud.
    noise : float >= 0
        Noise sd per entry of the model's filters (the primary circle, the three circles, the
        Klein bottle); the anisotropic gaussian has none.
    fraction : float in (0, 1]
        Share of model filters, ``round(fraction * n_points)`` of them (unused, and not
        checked, for the anisotropic gaussian).
    seed : int
        Seeds the model filters (``seed``) and the gaussian ones (``seed + 10_000_019``); for
        the anisotropic gaussian, its covariance and its points.

    Returns
    -------
    ndarray of shape (n_points, 9), float64
        Unit, mean-zero rows, the model filters first, then the gaussian ones; the anisotropic
        gaussian's rows are raw draws (not normalized).
    """
    if model == "anisotropic-gaussian":
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((9, 9)))
        return rng.standard_normal((n_points, 9)) * np.sqrt(10.0 ** rng.uniform(-2, 0, 9)) @ Q.T
    if model == "primary-circle":
        sample = lambda m, s: primary_circle_sample(m, noise=noise, seed=s)   # noqa: E731
    elif model in ("three-circle", "klein"):
        sample = model_sample(model, noise=noise)
    else:
        raise ValueError(f"model must be one of {BEYOND_MODELS}; got {model!r}")
    m = int(round(check_fraction(fraction, name="fraction") * n_points))
    parts = [sample(m, seed)] if m else []
    if n_points - m:
        parts.append(gaussian_filters(n_points - m, seed=seed + 10_000_019))
    return np.concatenate(parts)


def _beyond_path(directory: Path, model, n, k, p, draws, model_draws, noise, fraction, seed) -> Path:
    return directory / (f"beyond-v{BEYOND_VERSION}-{model}-n{n}-k{k}-p{_ptag(p)}-d{draws}-m{model_draws}-"
                        f"noise{noise:g}-f{fraction:g}-s{seed}.json")


def _beyond_answer(cloud: np.ndarray, k: int, p: float, draws: int, seed: int) -> dict:
    """One model cloud: does its top bar beat ``draws`` clouds of the directions null (p < ALPHA)?"""
    Xn = normalize(cloud)[0]
    core = density_filtration(Xn, k, p)
    top = float(h1_bounds(core, top=True, max_edges=None).top(1)[0])
    exceed = 0
    for r in range(draws):
        null = null_cloud(Xn, "directions", null_seed(seed, "directions", r))
        b = h1_bounds(density_filtration(null, k, p), questions=[(1, top)], max_edges=None,
                      direct_edges=NULL_DIRECT_EDGES)
        exceed += bool(b.at_least(top))
    return {"top": round(top, 6), "exceed": exceed, "yes": bool((1 + exceed) / (1 + draws) < ALPHA)}


def calibrate_beyond(model: str, n_points: int, k: int, p: float, *, draws: int = 39, model_draws: int = 20,
                     noise: float = 0.25, fraction: float = 0.5, seed: int = 0, directory=None,
                     compute: bool = True, progress: bool = False) -> dict | None:
    """How often "beyond second order?" answers yes on clouds of ``model`` (:data:`BEYOND_MODELS`).

    ``model_draws`` clouds of ``n_points`` filters through rho(k, p) (k through
    :func:`toponet.circle_decision.floor_k`); each top bar against ``draws`` clouds of the directions null
    made from that cloud (p = (1 + exceed) / (1 + draws); 39 draws floor p at 0.025). On the
    anisotropic gaussian the share of "yes" is the test's false-positive rate; on the three-circle
    model and the Klein bottle its power; on the primary circle it should stay low (a noisy
    circle *is* second-order structure). Cached (sealed) in ``results/calibration/beyond-...``;
    ``compute=False`` returns None for a calibration not cached (a book page never computes one).

    Returns {"model", "n_points", "k", "p", "draws", "model_draws", "answers": [{"top", "exceed",
    "yes"}, ...], "rate": share of yes}.

    Parameters
    ----------
    model : str, one of :data:`BEYOND_MODELS`
        An unknown model raises ValueError.
    n_points : int >= 10
        Filters per model cloud.
    k : int >= 1
        Neighbours of rho(k, p), before :func:`toponet.circle_decision.floor_k`.
    p : float in (0, 1]
        Fraction kept by rho(k, p).
    draws : int >= 2
        Directions-null clouds per model cloud.
    model_draws : int >= 1
        Model clouds (:func:`beyond_model_cloud`).
    noise, fraction : float
        Of the model clouds (:func:`beyond_model_cloud`: noise sd per entry, share of model
        filters in (0, 1]).
    seed : int
        Model cloud r has seed ``seed + 1 + r``; every model cloud's directions nulls are
        seeded by :func:`toponet.circle_decision.null_seed` of ``seed``.
    directory : path-like, optional
        Where to read and write; default :func:`default_directory`.
    compute : bool
        Compute when nothing is stored.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict or None
        The sealed document: the keys above plus "version", "noise", "fraction", "seed" and
        its seal "sha256". Each answer: "top", the model cloud's exact top H1 lifetime (6
        decimals, distance units of the normalized filters); "exceed", directions nulls whose
        top bar is at least as long; "yes", p < ALPHA. "rate" is in [0, 1]. None when not
        stored and ``compute`` is False.
    """
    from tqdm.auto import tqdm

    n = check_int(n_points, name="n_points", low=10)
    k = floor_k(k, n)
    p = check_fraction(p, name="p")
    draws = check_int(draws, name="draws", low=2)
    model_draws = check_int(model_draws, name="model_draws", low=1)
    if model not in BEYOND_MODELS:
        raise ValueError(f"model must be one of {BEYOND_MODELS}; got {model!r}")
    folder = Path(directory) if directory is not None else default_directory()
    path = _beyond_path(folder, model, n, k, p, draws, model_draws, noise, fraction, seed)
    doc = read_cached(path, check=lambda d: _check_beyond(d, model_draws))
    if doc is not None or not compute:
        return doc
    answers = []
    for r in tqdm(range(model_draws), desc=f"beyond {model} n={n}", disable=not progress):
        cloud = beyond_model_cloud(model, n, noise=noise, fraction=fraction, seed=seed + 1 + r)
        answers.append(_beyond_answer(cloud, k, p, draws, seed))
    doc = {"version": BEYOND_VERSION, "model": model, "n_points": n, "k": k, "p": float(p), "draws": draws,
           "model_draws": model_draws, "noise": float(noise), "fraction": float(fraction), "seed": seed,
           "answers": answers, "rate": float(np.mean([a["yes"] for a in answers]))}
    return write_cached(path, doc)


def _check_beyond(doc: dict, model_draws: int) -> None:
    """Raise ValueError naming what is wrong with a stored beyond-second-order calibration."""
    if doc.get("version") != BEYOND_VERSION:
        raise ValueError(f"version {doc.get('version')!r}, this toponet computes {BEYOND_VERSION}")
    answers = doc.get("answers", [])
    if len(answers) != model_draws:
        raise ValueError(f"{len(answers)} answers, {model_draws} model clouds asked for")
    for a in answers:
        if not 0 <= a["exceed"] <= doc["draws"] or a["yes"] != ((1 + a["exceed"]) / (1 + doc["draws"]) < ALPHA):
            raise ValueError(f"answer {a} does not follow from its count of {doc['draws']} draws")
    if not np.isclose(doc["rate"], np.mean([a["yes"] for a in answers])):
        raise ValueError(f"rate {doc['rate']} is not the share of yes answers")
