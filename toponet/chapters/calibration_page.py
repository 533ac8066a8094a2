"""The Calibration page (``notebooks/calibration.py``): which cloud sizes its size curve shows.

The page calibrates the circle rule (:mod:`toponet.calibration`) along a curve of cloud sizes, $k$
rescaled from the paper's $\\rho(200, 0.3)$ on 6,400 filters. The curve reaches the cloud the MNIST
chapter tests at the build's profile (its ``networks`` x 64 first-layer filters, read from the
profile, which reads :mod:`toponet.experiments`), so every size the chapter's verdict rests on is
on it. A size already calibrated (``results/calibration/``, committed) is read; one that is not is
calibrated on the page only within its CPU budget, the page's own ``networks`` x 64 filters; a
larger one is left out and the page says so (:func:`size_plan`, :func:`curve_reading`), never
launching a long calibration inside a book build.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
from IPython.display import Markdown

from toponet import calibration, verdict_record
from toponet._io import results_search_path
from toponet.analysis import PAPER_POINTS_FIG2, scaled_k
from toponet.book.notebook import Reading, what_to_see
from toponet.book.profiles import get_profile
from toponet.chapters._cifar import load_trained
from toponet.paper_claims import bars_power
from toponet.ideal import BAR_MODELS
from toponet.filters import normalize, pooled_filters
from toponet.nulls import null_cloud, second_moment
from toponet.circle_decision import DRAWS

__all__ = ["SMALLEST", "curve_k", "size_plan", "plan_note", "curve_cloud", "curve_reading", "second_moment_rows",
           "beyond_rows", "bars_rows", "mnist_filters", "group_test_rows"]

#: Spatial filters per network in the first layer of M(64, 32, 64): the MNIST chapter's cloud is
#: its networks times this.
FILTERS_PER_NETWORK = 64
#: The chapter whose tested cloud the curve reaches (Fig. 2).
CHAPTER = "01_mnist"
#: The curve's smallest size: two networks' filters (the smoke profile's MNIST cloud).
SMALLEST = 2 * FILTERS_PER_NETWORK
#: The model and draws :func:`toponet.calibration.calibrate_circle` uses by default (a cached
#: calibration of the curve matches them); read from its signature, never retyped.
_DEFAULTS = {name: prm.default for name, prm in inspect.signature(calibration.calibrate_circle).parameters.items()
             if prm.default is not inspect.Parameter.empty}
#: Persistence computations of one calibration: the reference nulls of both kinds, the fresh
#: false-positive clouds of both kinds and the power clouds.
COMPUTATIONS = 2 * _DEFAULTS["draws"] + 2 * _DEFAULTS["fpr_draws"] + _DEFAULTS["power_draws"]


@dataclass(frozen=True)
class SizePlan:
    """The size curve of one build.

    Attributes
    ----------
    sizes : tuple of int
        Every size of the curve: doubling from :data:`SMALLEST`, then the chapter's cloud.
    chapter_points : int
        Filters in the MNIST chapter's cloud at the profile.
    budget : int
        The largest size the page calibrates when it is not cached (its ``networks`` x 64).
    cached : tuple of int
        Sizes already calibrated (read, not computed).
    shown : tuple of int
        Sizes on the curve: cached, or within the budget.
    missing : tuple of int
        Sizes neither cached nor within the budget: not on the curve.
    k_paper, n_paper, p : the paper's k for n_paper filters, rescaled to each size; the fraction kept.
    profile, networks : the profile read and the page's ``networks``.
    """

    sizes: tuple[int, ...]
    chapter_points: int
    budget: int
    cached: tuple[int, ...]
    shown: tuple[int, ...]
    missing: tuple[int, ...]
    k_paper: int
    n_paper: int
    p: float
    profile: str
    networks: int


def curve_k(n_points: int, k_paper: int, n_paper: int = PAPER_POINTS_FIG2) -> int:
    """The k a calibration of ``n_points`` filters uses: the paper's rescaled, floored as the rule does."""
    return scaled_k(k_paper, n_points, n_paper)


def cached_sizes(sizes, *, k_paper: int, p: float, n_paper: int = PAPER_POINTS_FIG2, directories=None) -> set[int]:
    """The sizes of ``sizes`` whose calibration at the curve's k and p, with the default model and
    draws, is stored in ``directories`` (default: where stored results are read,
    :func:`toponet._io.results_search_path`)."""
    want = set(sizes)
    found = set()
    for folder in directories if directories is not None else results_search_path():
        for c in calibration.load_all(folder):
            if (c.n_points in want and c.p == float(p) and c.k == curve_k(c.n_points, k_paper, n_paper)
                    and c.draws == DRAWS and c.noise == _DEFAULTS["noise"]
                    and c.circle_fraction == _DEFAULTS["circle_fraction"]
                    and c.fpr_draws == _DEFAULTS["fpr_draws"] and c.power_draws == _DEFAULTS["power_draws"]):
                found.add(c.n_points)
    return found


def size_plan(profile: str, *, networks: int, k_paper: int = 200, p: float = 0.3,
              n_paper: int = PAPER_POINTS_FIG2, directories=None) -> SizePlan:
    """Which sizes the curve shows at ``profile``, with the page's budget of ``networks`` x 64 filters.

    The chapter's cloud is :data:`CHAPTER`'s networks at ``profile`` (the profile reads them from
    the experiment registry) times :data:`FILTERS_PER_NETWORK`.
    """
    chapter_points = get_profile(profile).parameters(CHAPTER)["networks"] * FILTERS_PER_NETWORK
    budget = networks * FILTERS_PER_NETWORK
    sizes, n = [], SMALLEST
    while n < chapter_points:
        sizes.append(n)
        n *= 2
    sizes = tuple(sorted(set(sizes) | {max(chapter_points, SMALLEST)}))
    cached = cached_sizes(sizes, k_paper=k_paper, p=p, n_paper=n_paper, directories=directories)
    shown = tuple(s for s in sizes if s in cached or s <= budget)
    return SizePlan(sizes=sizes, chapter_points=chapter_points, budget=budget, cached=tuple(sorted(cached)),
                    shown=shown, missing=tuple(s for s in sizes if s not in shown), k_paper=k_paper,
                    n_paper=n_paper, p=float(p), profile=profile, networks=networks)


def _sizes(values) -> str:
    values = [f"{v:,}" for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def plan_note(plan: SizePlan) -> Markdown:
    """What the curve holds and why, from the plan: the sizes shown, the chapter's cloud, the
    budget, and the sizes left out."""
    lines = [f"At the `{plan.profile}` profile the MNIST chapter tests a cloud of {plan.chapter_points:,} filters; "
             f"the curve runs from {plan.sizes[0]:,} filters up to it, doubling. Sizes calibrated before are read "
             "from `results/calibration/`; a size that is not is calibrated here only up to this page's budget of "
             f"{plan.budget:,} filters (`networks` = {plan.networks} x {FILTERS_PER_NETWORK}; one calibration "
             f"computes {COMPUTATIONS} persistence diagrams of clouds of that size)."]
    lines.append(f"Shown: {_sizes(plan.shown)} filters." if plan.shown else "Shown: no size.")
    if plan.missing:
        lines.append(f"Not shown: {_sizes(plan.missing)} filters, not calibrated yet and above the budget; "
                     f"`python -m toponet.book run calibration -p networks {max(plan.missing) // FILTERS_PER_NETWORK}` "
                     "calibrates them, outside a book build.")
    return Markdown(" ".join(lines))


def curve_cloud(plan: SizePlan) -> str:
    """The curve's clouds as TeX for :func:`toponet.book.caption`: the calibration model at each size shown."""
    sizes = ", ".join(str(n) for n in plan.shown)
    return (f"\\rho(k_n, {plan.p:g})\\text{{ of model clouds of }} n = {sizes}\\text{{ filters (half noisy "
            f"primary circle, half gaussian), }} k_n = {plan.k_paper}\\, n / {plan.n_paper}")


def curve_reading(curve) -> Reading:
    """The size curve's reading, from its calibrations: the worst false-positive count and the
    smallest size from which the power stays at 80 % or more."""
    if not curve:
        return what_to_see("no calibration on this curve: nothing to read.")
    worst = max(curve, key=lambda c: c.false_positive_rate)
    exceed = max(worst.fpr_exceed.values())
    high = [c.n_points for c in curve if c.fpr_too_high]
    powered = [c.n_points for i, c in enumerate(curve) if all(d.power >= 0.8 for d in curve[i:])]
    if high:
        fpr = f"the false-positive rate is above a 5 % test's at {_sizes(high)} filters: the rule is not used there"
    elif exceed == 0:
        fpr = "no fresh null cloud passes the rule at any size shown"
    else:
        fpr = (f"at most {exceed} of {worst.fpr_draws} fresh null clouds of a kind pass the rule at any size shown, "
               "within a 5 % test's noise")
    last = curve[-1]
    power = (f"the power to see the half-noisy circle is at least 80 % from {powered[0]:,} filters on" if powered else
             f"the power to see the half-noisy circle is {last.power:.0%} at the largest size shown "
             f"({last.n_points:,} filters), below 80 %")
    return what_to_see(
        "the two false-positive lines (gaussian, shuffled) should stay near the test's level at every size, since "
        "the nulls and the observed cloud go through the same pipeline; the power line says from which size a "
        "missing circle is evidence. Here {fpr}; {power}. Where power is below 80 %, a chapter that finds no circle "
        "at that size says *inconclusive*.", fpr=fpr, power=power)


# --- the second-order null and the multi-bar counts (issue 25) --------------------------------

#: The size at which "beyond second order?" is calibrated (the curve's first size with a core of
#: about 300 points; :func:`toponet.calibration.calibrate_beyond`, run offline by
#: ``benchmarks/calibrate_beyond_and_bars.py``) and the model clouds per model there.
BEYOND_SIZE = 1024
BEYOND_MODEL_DRAWS = 20
#: Sizes at which the multi-bar counts' power is shown (read from ``results/calibration``).
BAR_SIZES = (1024, 2048, 4096)
BAR_POWER_DRAWS = 20


def second_moment_rows(X_raw, *, draws: int = 3, seed: int = 0, top: int = 3) -> list[dict]:
    """The leading eigenvalues of E[v v^T] of the unit filters (``X_raw``: (n, 9) raw filters) beside
    those of ``draws`` clouds of the directions null and of the older covariance null, each
    normalized as the pipeline does: the directions null matches the data, the covariance null
    (normalizing flattens a gaussian's anisotropy) falls short."""
    def row(name, M):
        ev = np.sort(np.linalg.eigvalsh(M))[::-1][:top]
        return {"cloud": name, **{f"eigenvalue {i + 1}": f"{v:.3f}" for i, v in enumerate(ev)},
                "largest gap to the data": f"{np.max(np.abs(np.sort(np.linalg.eigvalsh(M)) - base)):.3f}"}

    Xn = normalize(X_raw)[0]       # null clouds are made from the normalized cloud, as in the circle test
    base = np.sort(np.linalg.eigvalsh(second_moment(Xn)))
    rows = [row("trained filters", second_moment(Xn))]
    for kind in ("directions", "covariance"):
        rows += [row(f"{kind} null, draw {s}", second_moment(null_cloud(Xn, kind, seed + s))) for s in range(draws)]
    return rows


def _stored_circle(n: int, *, k_paper: int, n_paper: int, p: float):
    """The stored circle calibration of the curve at ``n`` filters (default model and draws), or None."""
    for folder in results_search_path():
        for c in calibration.load_all(folder):
            if (c.n_points == n and c.p == float(p) and c.k == curve_k(n, k_paper, n_paper) and c.draws == DRAWS
                    and c.fpr_draws == _DEFAULTS["fpr_draws"] and c.power_draws == _DEFAULTS["power_draws"]
                    and c.noise == _DEFAULTS["noise"] and c.circle_fraction == _DEFAULTS["circle_fraction"]):
                return c
    return None


def beyond_rows(*, k_paper: int = 200, n_paper: int = PAPER_POINTS_FIG2, p: float = 0.3,
                n: int = BEYOND_SIZE, model_draws: int = BEYOND_MODEL_DRAWS) -> list[dict]:
    """One row per model of :data:`toponet.calibration.BEYOND_MODELS`: how often "beyond second
    order?" says yes at ``n`` filters (stored calibrations only; "not calibrated" otherwise)."""
    rows = []
    what = {"anisotropic-gaussian": "false-positive rate (the null holds)", "three-circle": "power",
            "klein": "power", "primary-circle": "a circle mixed with gaussian filters"}
    for model in calibration.BEYOND_MODELS:
        doc = calibration.calibrate_beyond(model, n, curve_k(n, k_paper, n_paper), p, model_draws=model_draws,
                                           compute=False)
        yes = None if doc is None else sum(a["yes"] for a in doc["answers"])
        rows.append({"model": model, "measures": what[model], "filters": f"{n:,}",
                     "rho(k, p)": f"rho({curve_k(n, k_paper, n_paper)}, {p:g})",
                     "yes": "not calibrated" if doc is None else f"{yes}/{len(doc['answers'])} = "
                                                                  f"{100 * doc['rate']:.0f}%",
                     "null draws per cloud": "-" if doc is None else doc["draws"]})
    return rows


def bars_rows(*, k_paper: int = 200, n_paper: int = PAPER_POINTS_FIG2, p: float = 0.3, sizes=BAR_SIZES,
              power_draws: int = BAR_POWER_DRAWS) -> list[dict]:
    """One row per size of ``sizes``: the multi-bar count's false-positive rate (a null cloud shows one
    or more long bars exactly when the circle rule fires: the circle calibration's rate) and the
    power of "exactly the model's bars" on each of :data:`toponet.ideal.BAR_MODELS` (stored only)."""
    rows = []
    for n in sizes:
        cal = _stored_circle(n, k_paper=k_paper, n_paper=n_paper, p=p)
        row = {"filters": f"{n:,}", "rho(k, p)": f"rho({curve_k(n, k_paper, n_paper)}, {p:g})",
               "false positives (1+ bars)": "not calibrated" if cal is None else
               f"{max(cal.fpr_exceed.values())}/{cal.fpr_draws}"}
        for model, expected in BAR_MODELS.items():
            pw = None if cal is None else bars_power(cal, model=model, power_draws=power_draws, compute=False)
            row[f"{model}: exactly {expected}"] = ("not calibrated" if pw is None else
                                                   f"{100 * pw['power']:.0f}% ({100 * pw['power_any']:.0f}% 1+)")
        rows.append(row)
    return rows


def mnist_filters(profile: str):
    """The MNIST chapter's first-layer filters at ``profile`` from the store (never trained here):
    ((n, 9) raw filters, a description), or None when the artifact is not stored."""
    networks = get_profile(profile).parameters(CHAPTER)["networks"]
    try:
        art = load_trained("mnist", profile, train_if_missing=False, progress=False, networks=networks)
    except FileNotFoundError:
        return None
    X = pooled_filters(art.conv_weights("conv1"))
    return X, (f"{X.shape[0]:,} first-layer filters of {art.networks} x {art.arch}, {art.iterations[-1]} iterations "
               f"({profile})")


#: The claims decided by tests over networks, runs or snapshots (:mod:`toponet.group_tests`).
GROUP_TEST_CLAIMS = ("G1", "G2", "G4", "G5", "U1", "U2", "L1", "L2")


def group_test_rows(rows=None) -> list[dict]:
    """One table row per tested part of the claims decided over networks (:data:`GROUP_TEST_CLAIMS`):
    its test and p with draws (from the verdict row's ``nulls``), the row's power against the paper's
    effect (its weakest part's) and false-positive rate (the largest exact size of its tests, checked
    by simulation on null data), the row's networks (its smallest arm) and the verdict.

    rows : :class:`toponet.verdict_record.Verdict` s (default: this build's, :func:`toponet.verdict_record.load`).
    Returns [] when none of those claims was recorded.
    """
    rows = verdict_record.load() if rows is None else rows
    out = []
    for v in rows:
        if v.claim_id not in GROUP_TEST_CLAIMS:
            continue
        for name, n in v.nulls.items():
            part, _, test = name.rpartition(" (")
            out.append({"claim": v.claim_id, "part": part or name, "test": test.rstrip(")") if part else "",
                        "p (draws)": f"{n['p']:.2g} ({n['draws']})",
                        "power (row)": "" if v.power is None else f"{100 * v.power:.0f} %",
                        "false positives": "" if v.false_positive_rate is None else f"{100 * v.false_positive_rate:.3g} %",
                        "networks (smallest arm)": "" if v.networks is None else v.networks, "verdict": v.verdict})
    return out
