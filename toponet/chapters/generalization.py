"""Chapter 05 (``notebooks/05_generalization.py``; paper Sec. VI, claims G1-G5): generalization across
digit domains and appended topological features.

- :func:`harder_domain`: real SVHN when its files are present, else the MNIST-M-style
  stand-in (``toponet.data.digit_domains``); :data:`DOMAIN_LABELS` names each in captions.
- :func:`load_or_train` (:func:`toponet.experiments.load_or_train`, re-exported): an experiment's
  artifact, trained if missing; the accuracies on the
  config's ``transfer`` datasets, measured during training (``TrainConfig.transfer``), are
  stored by the store beside the shards in ``<artifact>/transfer-<shard>.json``
  (:meth:`toponet.store.Store.put_shard`), also when trained with ``toponet train``.
- :func:`transfer_accuracy`: those accuracies, network by network
  (:meth:`toponet.store.Artifact.transfer_accuracy`).
- :func:`summary`, :func:`significance`: mean +- sd, and G3's Welch test between groups.
- :func:`g1_rule`, :func:`g2_rule`, :func:`g4_rule`, :func:`g5_rule`: the claims decided by tests
  over networks (:mod:`toponet.group_tests`): permutation tests (paired where the arms share
  seeds), each with its power against the paper's effect (:data:`PAPER_EFFECTS`) and its
  false-positive rate, by simulation from the measured spread (:func:`arm_test`, :func:`group_rule`).
- :func:`iterations_to_accuracy`, :func:`speedup`: training speed as iterations to reach a
  stated test accuracy (G5).
- :func:`correlation`: Pearson's r with a Fisher-z confidence interval (G4's figures; its test is
  :func:`toponet.group_tests.correlation_test`).
- :func:`accuracy_area`, :func:`compressed_area`: G5's per-network speed (mean accuracy over the
  run) and the paper's speed-up in those units.
- :func:`simplicity_test`: the top H1 lifetime of layer-1 filters over disjoint seed groups, with its nulls (G3).
- :func:`validate`: the chapter's own bounds on its parameters (k, p), checked by
  :func:`run_chapter` and by ``python -m toponet.book run`` before anything runs.
- :func:`run_chapter`: the whole chapter in one call, a frozen :class:`GeneralizationChapter`
  (the runs, the claims' inputs, the rules, the verdict rows) whose methods draw the figures and
  write the captions (their words: the template ``templates/generalization_captions.md``) and
  readings; :func:`findings_markdown` ("What we found") fills the template
  ``templates/generalization_findings.md``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from toponet import book as tb
from toponet._validation import check_fraction, check_int
from toponet.analysis import scaled_k
from toponet.book.notebook import Caption, Reading, what_to_see
from toponet.chapters._common import accuracy_summary, evolution  # noqa: F401  (re-exported for chapter 05)
from toponet.chapters._common import H1_MIN_POINTS, check_kept, check_paper_k
from toponet.chapters._templates import render
from toponet.data.registry import real_or_standin
from toponet.experiments import experiment, load_or_train
from toponet.filters import group_clouds
from toponet.nulls import compare_groups
from toponet import group_tests as gt
from toponet import plots
from toponet.circle_decision import ALPHA, RuleResult, circle_test
from toponet.verdict_record import Verdict

__all__ = ["harder_domain", "nets_per_arm", "DOMAIN_LABELS", "SHORT_LABELS", "experiment_names", "load_or_train",
           "transfer_accuracy", "summary", "significance", "iterations_to_accuracy", "speedup",
           "correlation", "Correlation", "simplicity_test", "accuracy_curve", "findings_markdown",
           "g5_caption", "g1_rule", "g2_rule", "g3_rule", "g4_rule", "g5_rule", "accuracy_summary", "evolution",
           "validate", "PAPER_POINTS", "transfer_reading", "g3_summary", "g3_reading", "g3_group_rows", "g4_reading",
           "g5_reading", "speedup_words", "PAPER_EFFECTS", "arm_test", "group_rule", "tests_text", "accuracy_area", "compressed_area",
           "GeneralizationChapter", "run_chapter", "CHAPTER", "WIDTHS"]

#: How captions and verdict rows name each digit domain.
DOMAIN_LABELS = {
    "mnist": "MNIST (real)",
    "svhn": "SVHN (real, 28x28 gray)",
    "mnistm-standin": "MNIST-M-style stand-in for SVHN (MNIST digits blended with scikit-image photo patches)",
    "digits8x8": "scikit-learn 8x8 digits upscaled to 28x28 (stand-in, 539 test images)",
}

#: Short names for axis labels.
SHORT_LABELS = {"mnist": "MNIST", "svhn": "SVHN", "mnistm-standin": "MNIST-M-style stand-in",
                "digits8x8": "8x8 digits"}


def harder_domain(root=None) -> str:
    """"svhn" when SVHN's train and test files are in the data root (checksums verified), else its
    stand-in "mnistm-standin" (:func:`toponet.data.registry.real_or_standin`)."""
    return real_or_standin("svhn", root=root)[0]


def experiment_names(harder: str) -> dict:
    """Registry names of the chapter's runs for ``harder`` ("mnistm-standin" or "svhn").

    Keys: "trained", "circle", "gaussian" (G1 arms on MNIST), "harder" (trained on the harder
    domain), "append" -> {dataset: {kind: name}} for G5 (the "none" arm is "trained"/"harder").
    """
    if harder not in ("mnistm-standin", "svhn"):
        raise ValueError(f"harder must be 'mnistm-standin' or 'svhn'; got {harder!r}")
    tag = "" if harder == "mnistm-standin" else "-svhn"
    append = {d: {"none": "gen-mnist-trained" + tag if d == "mnist" else ("gen-mnistm-standin" if not tag else "svhn"),
                  **{k: f"gen-{d}-append-{k}" for k in ("circle", "klein", "gaussian")}}
              for d in ("mnist", harder)}
    return {"trained": f"gen-mnist-trained{tag}", "circle": f"gen-mnist-circle{tag}",
            "gaussian": f"gen-mnist-gaussian{tag}", "harder": "gen-mnistm-standin" if not tag else "svhn",
            "append": append}


#: The paper's cloud of G3 and G4 (Fig. 12), which the chapter's k refers to: 100 networks x 64
#: first-layer filters, rho(100, 0.1).
PAPER_POINTS = 6400


def validate(params) -> dict:
    """The chapter's own checks on top of :func:`toponet.book.validate_parameters`.

    The notebook calls both in its first cell, and ``python -m toponet.book run`` calls both
    before anything runs. ``k`` is the paper's k for its :data:`PAPER_POINTS` (6,400) filters,
    rescaled to our clouds (G3's groups, G4's pooled layers), so it lies below that. ``p`` must
    keep, of one G3 group's first-layer filters, the points an H1 bar needs
    (:data:`toponet.chapters._common.H1_MIN_POINTS`): G3's circle test runs on that dense core.
    A group is half the smaller of the harder domain's and MNIST's networks, which the profile
    sets (``networks`` sizes the G1 arms only), times the first-layer width. Returns {"k", "p",
    "group" (networks per G3 group), "n_points" (filters per group)}.
    """
    k = check_paper_k(params["k"], below=PAPER_POINTS, paper=100, refers=f"its {PAPER_POINTS:,} first-layer filters")
    p = check_fraction(params["p"], name="p")
    check_int(params["networks"], name="networks", low=1)
    profile = params["profile"]
    runs = [experiment(experiment_names(harder_domain())["harder"]), experiment("mnist")]
    group = max(1, min(e.networks_for(profile) for e in runs) // 2)
    width = min(e.config.widths[0] for e in runs)
    check_kept(p, group * width, H1_MIN_POINTS,
               cloud=f"first-layer filters of one G3 group ({group} network{'s' * (group != 1)} x {width}; a group "
                     f"is half the fewer of the {profile} profile's harder-domain and MNIST networks)",
               needs="G3's circle test (an H1 bar)", fix="raise p")
    return dict(k=k, p=p, group=group, n_points=group * width)


def transfer_accuracy(artifact, dataset: str, iteration=None) -> np.ndarray:
    """Accuracy (fraction) of each network of ``artifact`` on ``dataset``'s test images.

    Parameters
    ----------
    artifact : toponet.store.Artifact of a config whose ``transfer`` names ``dataset``
    dataset : str
    iteration : int, optional; a snapshot (default: the last, measured on the whole test set)

    Returns
    -------
    ndarray of shape (artifact.networks,), in the artifact's network order

    Raises
    ------
    ValueError
        ``dataset`` was not measured, or a shard's transfer record is missing (see
        :meth:`toponet.store.Artifact.transfer_accuracy`, which this calls).
    """
    return artifact.transfer_accuracy(dataset, iteration)


def nets_per_arm(arms: dict) -> str:
    """The scale of a comparison of arms, read from the artifacts: "2 nets per arm" when every
    arm has as many networks, else each arm's count ("circle 2, gaussian 1, trained 2 nets").

    arms : dict name -> artifact (anything with ``.networks``)
    """
    counts = {name: int(a.networks) for name, a in arms.items()}
    if not counts:
        raise ValueError("arms is empty; give at least one arm's artifact")
    if len(set(counts.values())) == 1:
        return f"{next(iter(counts.values()))} nets per arm"
    return ", ".join(f"{name} {n}" for name, n in counts.items()) + " nets"


def summary(values) -> dict:
    """mean, sd (ddof 1; 0 for one value), n and the values (fractions or any numbers)."""
    v = np.asarray(values, dtype=float).reshape(-1)
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"values must be a non-empty sample of finite numbers; got {v.tolist()}")
    return dict(mean=float(v.mean()), sd=float(v.std(ddof=1)) if v.size > 1 else 0.0, n=int(v.size), values=v)


def significance(a, b) -> dict:
    """Is sample ``a`` larger than ``b``? Welch's t-test (one- and two-sided) and Cohen's d.

    Uses :func:`toponet.nulls.compare_groups`; needs at least 2 values per sample (with one
    value in either, the p-values are NaN). Returns a dict with mean_a, mean_b, diff,
    cohens_d, welch_t, p_greater (one-sided, H1: mean a > mean b), p_two_sided, n_a, n_b.
    """

    a, b = np.asarray(a, float).reshape(-1), np.asarray(b, float).reshape(-1)
    if min(a.size, b.size) < 2:
        nan = float("nan")
        return dict(mean_a=float(a.mean()), mean_b=float(b.mean()), diff=float(a.mean() - b.mean()),
                    cohens_d=nan, welch_t=nan, p_greater=nan, p_two_sided=nan, n_a=int(a.size), n_b=int(b.size))
    c = compare_groups(a, b)
    return dict(mean_a=c.mean_a, mean_b=c.mean_b, diff=c.mean_a - c.mean_b, cohens_d=c.cohens_d,
                welch_t=c.welch_t, p_greater=c.welch_p_greater, p_two_sided=c.welch_p, n_a=c.n_a, n_b=c.n_b)


def accuracy_curve(artifact, *, max_iteration: int | None = None) -> dict:
    """Test accuracy against iterations: {"iterations": (T,), "mean": (T,), "sd": (T,), "values": (T, n)}.

    Snapshots before the last are measured on a fixed 2,000-image test subset, the last on the
    whole test set (``toponet.train``). ``max_iteration`` drops later snapshots.
    """
    its = [i for i in artifact.iterations if max_iteration is None or i <= max_iteration]
    vals = np.array([np.asarray(artifact.test_accuracy(i), float) for i in its])
    sd = vals.std(axis=1, ddof=1) if vals.shape[1] > 1 else np.zeros(len(its))
    return dict(iterations=np.array(its), mean=vals.mean(axis=1), sd=sd, values=vals)


def iterations_to_accuracy(iterations, accuracy, target: float) -> float:
    """The first iteration at which ``accuracy`` reaches ``target``, linearly interpolated.

    Parameters
    ----------
    iterations : array of shape (T,), ascending
    accuracy : array of shape (T,), e.g. a mean test-accuracy curve (fractions)
    target : float in (0, 1]

    Returns
    -------
    float; ``iterations[0]`` if already reached there, NaN if never reached.
    """
    it = np.asarray(iterations, float)
    acc = np.asarray(accuracy, float)
    if it.ndim != 1 or it.shape != acc.shape or it.size == 0:
        raise ValueError(f"iterations and accuracy must be 1-D of the same length; got {it.shape} and {acc.shape}")
    if np.any(np.diff(it) <= 0):
        raise ValueError("iterations must be strictly ascending")
    target = check_fraction(target, name="target")
    hit = np.flatnonzero(acc >= target)
    if hit.size == 0:
        return float("nan")
    j = int(hit[0])
    if j == 0:
        return float(it[0])
    a0, a1 = acc[j - 1], acc[j]
    return float(it[j - 1] + (target - a0) / (a1 - a0) * (it[j] - it[j - 1]))


def speedup(base: dict, arm: dict, target: float) -> dict:
    """How many times fewer iterations ``arm`` needs than ``base`` to reach ``target``.

    ``base`` and ``arm`` are :func:`accuracy_curve` dicts (mean curves are used). Returns
    {"target", "base_iterations", "arm_iterations", "speedup"}; the speed-up is NaN when
    either never reaches the target.
    """
    b = iterations_to_accuracy(base["iterations"], base["mean"], target)
    a = iterations_to_accuracy(arm["iterations"], arm["mean"], target)
    s = b / a if np.isfinite(a) and np.isfinite(b) and a > 0 else float("nan")
    return dict(target=float(target), base_iterations=b, arm_iterations=a, speedup=float(s))


@dataclass(frozen=True)
class Correlation:
    """Pearson's r of two paired samples with a Fisher-z confidence interval.

    r : correlation; low, high : the interval (NaN when n < 4); level : e.g. 0.95;
    n : pairs; p_value : two-sided test of r = 0 (scipy.stats.pearsonr).
    """

    r: float
    low: float
    high: float
    level: float
    n: int
    p_value: float


def correlation(x, y, *, level: float = 0.95) -> Correlation:
    """Pearson's r of ``x`` and ``y`` (shape (n,) each) with its ``level`` confidence interval.

    The interval is ``tanh(atanh(r) -+ z / sqrt(n - 3))`` (Fisher's z transform, z the normal
    quantile). Raises ``ValueError`` for unequal lengths, fewer than 3 pairs, non-finite values
    or a constant sample (r undefined).
    """
    from scipy import stats

    x, y = np.asarray(x, float).reshape(-1), np.asarray(y, float).reshape(-1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length; got {x.size} and {y.size}")
    if x.size < 3:
        raise ValueError(f"a correlation needs at least 3 pairs; got {x.size}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite (no NaN accuracies or lifetimes)")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("x or y is constant; the correlation is undefined")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1); got {level}")
    r, p = stats.pearsonr(x, y)
    r = float(np.clip(r, -1.0, 1.0))
    if x.size < 4 or abs(r) == 1.0:
        low = high = float("nan") if x.size < 4 else r
    else:
        z = stats.norm.ppf(0.5 + level / 2) / math.sqrt(x.size - 3)
        low, high = float(np.tanh(np.arctanh(r) - z)), float(np.tanh(np.arctanh(r) + z))
    return Correlation(r=r, low=low, high=high, level=float(level), n=int(x.size), p_value=float(p))


# --- verdict rules (stated in the chapter; the paper's number is printed beside ours) ---------

def _pct(s: dict) -> str:
    return f"{100 * s['mean']:.1f} +- {100 * s['sd']:.1f} % (n = {s['n']})"


def simplicity_test(weights, *, group_size: int, k_paper: int = 100, p: float = 0.1, n_points_paper: int = 6400,
                    draws: int = 99, seed: int = 0) -> dict:
    """G3's statistic with its nulls: the top H1 bar of rho(k, p) of each disjoint group of
    networks, tested against ``draws`` gaussian and shuffled null clouds of the same size
    (:func:`toponet.circle_decision.circle_test`, exact p-values).

    weights : (n_networks, out, in, 3, 3) conv-1 kernels; groups of ``group_size`` networks in
    seed order (``n_networks // group_size`` groups; fewer than 2 is allowed and reported: the
    rule then says inconclusive). k is the paper's ``k_paper`` rescaled to a group's cloud
    (floored at 5). Returns "values" (n_groups,): top-bar lower bounds, "gaussian": each
    group's gaussian null mean, "k", "points_per_group", "p", "mean", "sd", "tests" (one
    CircleTest per group), "n_core" and "draws". (The top bar alone, without the nulls, is
    :func:`toponet.analysis.group_top_h1`, the one group statistic.)
    """

    clouds = group_clouds(weights, group_size)
    p = check_fraction(p, name="p")
    per_group = clouds[0].shape[0]
    k = scaled_k(k_paper, per_group, n_points_paper)
    tests = [circle_test(c, k=k, p=p, draws=draws, kinds=("gaussian", "shuffled"), seed=seed + g, ranks=1)
             for g, c in enumerate(clouds)]
    v = np.array([t.top[0] for t in tests])
    return dict(values=v, gaussian=np.array([t.nulls["gaussian"].null_mean for t in tests]), k=int(tests[0].k),
                points_per_group=int(per_group), p=p, mean=float(v.mean()),
                sd=float(v.std(ddof=1)) if v.size > 1 else 0.0, tests=tests, n_core=int(tests[0].n_core),
                draws=int(draws))


def _some_group_circle(tests, alpha: float) -> bool:
    """Does some group's top bar beat its gaussian and shuffled nulls, Bonferroni-corrected
    over the groups (with 50 groups, about 2.5 pass at 0.05 by chance alone)?"""
    return any(max(t.nulls["gaussian"].p, t.nulls["shuffled"].p) < alpha / max(1, len(tests)) for t in tests)


def g3_rule(harder: dict, mnist: dict, *, alpha: float = 0.05):
    """G3: the harder domain's layer-1 circle is stronger (longer top H1 bar) than MNIST's.

    ``harder``, ``mnist``: :func:`simplicity_test` results (disjoint groups of networks, same
    group size). inconclusive: fewer than 2 groups in either domain (no spread to test against),
    or no significant difference either way; otherwise the harder domain's groups against
    MNIST's by a one-sided Welch t-test (Mann-Whitney reported beside): reproduced when
    harder > MNIST at ``alpha`` and every harder group's top bar beats its gaussian and
    shuffled nulls (a circle to be stronger); partly when harder > MNIST only; not reproduced
    when MNIST > harder at ``alpha`` and some MNIST group's bar beats its nulls at
    ``alpha`` / (number of groups) (else both are noise: inconclusive). Returns a :class:`toponet.circle_decision.RuleResult`.
    """
    from scipy import stats

    nh, nm = harder["values"].size, mnist["values"].size
    desc = (f"top H1 {harder['mean']:.3f} +- {harder['sd']:.3f} ({nh} group(s)) vs MNIST {mnist['mean']:.3f} +- "
            f"{mnist['sd']:.3f} ({nm} group(s)); rho(k = {harder['k']}, {harder['p']:g}) = {harder.get('n_core', '?')} "
            f"of {harder['points_per_group']} filters per group")
    circ = []
    for name, s in (("harder", harder), ("MNIST", mnist)):
        for i, t in enumerate(s.get("tests", [])):
            circ.append((name, i, t))
    null_txt = "; ".join(f"{name} group {i + 1}: {t.top[0]:.2f}, gaussian {t.nulls['gaussian'].describe()}, "
                         f"shuffled {t.nulls['shuffled'].describe()}" for name, i, t in circ)
    reasons = [desc] + ([f"each group against its nulls: {null_txt}"] if null_txt else [])
    tests_h = harder.get("tests", [])
    nulls = {}
    if tests_h:
        for kind in ("gaussian", "shuffled"):
            worst = max(tests_h, key=lambda t: t.nulls[kind].p).nulls[kind]
            nulls[kind] = worst.record()
    cloud = harder.get("n_core")
    if nh < 2 or nm < 2:
        reasons.append(f"{nh} group(s) of the harder domain and {nm} of MNIST: at least 2 disjoint groups per domain "
                       "are needed to compare them; inconclusive (no test: power 0, no false positives)")
        return RuleResult(verdict="inconclusive", reasons=tuple(reasons), nulls=nulls, cloud_points=cloud, power=0.0,
                          false_positive_rate=0.0)
    effect = PAPER_EFFECTS["G3"] * max(float(np.mean(mnist["values"])), 1e-9)
    label = (f"the paper's {100 * PAPER_EFFECTS['G3']:.0f} % longer bar ({effect:.3g} on our MNIST groups' mean "
             f"{float(np.mean(mnist['values'])):.3g})")
    test = arm_test(harder["values"], mnist["values"], effect=effect, paired=False, seed=0, effect_label=label)
    other = gt.permutation_test(mnist["values"], harder["values"], seed=0)
    t = significance(harder["values"], mnist["values"])
    mw = stats.mannwhitneyu(harder["values"], mnist["values"], alternative="greater")
    p_less = other.p
    reasons.append(f"harder > MNIST: {test.describe()} (Welch p = {t['p_greater']:.2g} and Mann-Whitney "
                   f"p = {mw.pvalue:.2g} beside it)")
    circle = bool(tests_h) and all(ti.exists for ti in tests_h)
    reasons.append(f"every harder group's top bar beats its gaussian and shuffled nulls: {'yes' if circle else 'no'}")
    stats_kw = dict(power=test.power, false_positive_rate=test.false_positive_rate)
    if test.p < alpha:
        verdict = "reproduced" if circle else "partly"
    elif p_less < alpha and _some_group_circle(mnist.get("tests", []), alpha) and test.power >= 0.8:
        verdict = "not reproduced"
    elif p_less < alpha and test.power < 0.8:
        verdict = "inconclusive"
        reasons.append(f"MNIST > harder (p = {p_less:.2g}), but the test's power against the paper's effect is "
                       f"{test.power:.0%}, below 80 %: not evidence against G3")
    elif p_less < alpha:
        # MNIST's bars are longer, but no MNIST group's bar beats its own nulls once the
        # number of groups is accounted for: noise against noise (at a few points per group the
        # test has no power), not evidence against G3
        verdict = "inconclusive"
        reasons.append(f"MNIST > harder (p = {p_less:.2g}), but no MNIST group's top bar beats its nulls at "
                       f"p < {alpha:g}/{nm} (Bonferroni over {nm} groups): both are noise at this group size")
    else:
        verdict = "inconclusive"
        reasons.append(f"no significant difference either way with {nh} vs {nm} groups (MNIST > harder: "
                       f"{other.describe()}); power {test.power:.0%} against the paper's effect, below 80 %"
                       if test.power < 0.8 else f"no significant difference either way with {nh} vs {nm} groups "
                       f"(MNIST > harder: {other.describe()})")
    return RuleResult(verdict=verdict, reasons=tuple(reasons), nulls=nulls, cloud_points=cloud, **stats_kw)


def g3_verdict(harder: dict, mnist: dict) -> tuple[str, str]:
    """(verdict, words) of :func:`g3_rule`."""
    r = g3_rule(harder, mnist)
    return r.verdict, "; ".join(r.reasons)


# --- G1, G2, G4, G5: tests over networks (toponet.group_tests) -----------------------------------

#: The paper's effects, in the units each test compares. G1 and G2: differences of transfer
#: accuracy (fractions): (i) circle 28 % vs (iii) trained 11 % and (ii) gaussian 12 %; SVHN ->
#: MNIST 54 % vs MNIST -> SVHN 11 %. G4: the paper gives no coefficient for "rise together"; we
#: take r = 0.5 (a large correlation by Cohen's convention) as the weakest effect those words
#: can mean. G5: the speed-ups, 2x on MNIST and 3.5x on SVHN (used for the harder domain).
PAPER_EFFECTS = {"G1": {"trained": 0.28 - 0.11, "gaussian": 0.28 - 0.12}, "G2": 0.54 - 0.11, "G4": 0.5,
                 "G5": {"mnist": 2.0, "harder": 3.5}, "G3": 1.27 / 1.10 - 1}
#: G3's effect is relative (SVHN's top H1 bar 1.27 against MNIST's 1.10, 15 % longer): the power
#: simulation shifts the harder domain by that share of our MNIST groups' mean bar.


def _sd(x) -> float:
    """The measured spread of ``x`` for a power simulation (ddof 1); a tiny floor when every value
    is the same, so that the simulation still runs (the test then sees any effect it can reach)."""
    x = np.asarray(x, float)
    sd = float(x.std(ddof=1)) if x.size > 1 else 0.0
    return sd if sd > 1e-9 else 1e-9


def _pooled(a, b) -> float:
    """Pooled sd of two arms (ddof 1 each), floored as :func:`_sd`."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    var = ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2)
    return max(float(np.sqrt(var)), 1e-9)


def arm_test(a, b, *, effect: float, paired: bool, seed: int = 0, effect_label: str = "") -> gt.GroupTest:
    """``a`` > ``b`` over networks, with its power against ``effect`` and its false-positive rate.

    ``paired``: the arms share seeds (network i of each from seed i; same size), so the sign-flip
    test of the differences (:func:`toponet.group_tests.paired_permutation_test`), its power
    simulated from the measured sd of the differences; otherwise the permutation test of the
    mean difference, its power simulated from the pooled sd of the arms
    (:func:`toponet.group_tests.power_by_simulation`).
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if paired and a.size == b.size:
        t = gt.paired_permutation_test(a, b, seed=seed)
        pw = gt.power_by_simulation("paired", (a.size,), effect=effect, sd=_sd(a - b), seed=seed,
                                    effect_label=effect_label or None)
    else:
        t = gt.permutation_test(a, b, seed=seed)
        pw = gt.power_by_simulation("permutation", (a.size, b.size), effect=effect, sd=_pooled(a, b), seed=seed,
                                    effect_label=effect_label or None)
    return t.calibrated(pw)


def _floor_note(parts, alpha: float) -> str:
    """Why a part cannot pass at its size: its smallest p is not below ``alpha``."""
    low = [p for p in parts if p.test is not None and p.test.min_p >= alpha]
    if not low:
        return ""
    t = low[0].test
    n = " vs ".join(map(str, t.n_per_arm))
    return (f"at {n} network{'s' * (t.n_per_arm != (1,))} the {gt.TESTS[t.name]} has {t.draws + 1} rearrangements, "
            f"so its smallest p is {t.min_p:.2g}, not below {alpha:g}: it cannot decide at this size, whatever the "
            "accuracies")


def group_rule(parts, *, words: str, alpha: float = ALPHA, extra_reasons=()) -> RuleResult:
    """A :class:`toponet.circle_decision.RuleResult` from tested parts (:func:`toponet.group_tests.combine_parts`).

    ``words``: our numbers (first reason); nulls: one entry per part, named "label (test)";
    power: the smallest of the parts (the claim is only as testable as its weakest part);
    false-positive rate: the largest. ``extra["parts"]``: the parts; ``extra["tests"]``: their
    ``record()`` s.
    """
    parts = list(parts)
    verdict, reasons = gt.combine_parts(parts, alpha=alpha)
    note = _floor_note(parts, alpha)
    undecided = next((r for r in reasons if r.startswith("cannot be decided")), None)
    if undecided:   # the row's text says why a powered claim is still inconclusive (tests_text)
        note = "; ".join(x for x in (note, undecided) if x)
    tested = [p.test for p in parts if p.test is not None]
    powers = [t.power for t in tested if t.power is not None]
    fprs = [t.false_positive_rate for t in tested if t.false_positive_rate is not None]
    return RuleResult(verdict=verdict, reasons=(words, *reasons, *extra_reasons, *((note,) if note else ())),
                      nulls={f"{p.label} ({gt.TESTS[p.test.name]})": p.test.null_record() for p in parts if p.test},
                      power=min(powers) if powers else None, false_positive_rate=max(fprs) if fprs else None,
                      extra={"parts": tuple(parts), "floor": note, "tests": [dict(t.record(), part=p.label)
                                                              for p, t in ((p, p.test) for p in parts) if t]})


def tests_text(rule: RuleResult) -> str:
    """The row's tests in one sentence: each part's test, p with draws, power and false positives,
    and, where no p can reach the level at the arms' size, why (:func:`group_rule`'s ``floor``)."""
    parts = rule.extra.get("parts", ())
    floor = rule.extra.get("floor", "")
    return "; ".join([p.describe() for p in parts] + ([floor] if floor else []))


def g1_rule(circle, gaussian, trained, *, alpha: float = ALPHA, seed: int = 0) -> RuleResult:
    """G1: the fixed-circle arm transfers better than the gaussian and the trained arms.

    Transfer accuracies, one per network (arrays of shape (n,)); the arms share their seeds, so
    each comparison is a paired permutation test (sign flips of the per-seed differences), its
    power simulated against the paper's gap (:data:`PAPER_EFFECTS`: 17 and 16 points) from the
    measured sd of the differences. Two parts, circle > trained and circle > gaussian:
    reproduced when both pass at ``alpha``; partly when one passes at ``alpha`` / 2 (Bonferroni);
    not reproduced when neither passes and both had power >= 80 %; inconclusive otherwise.
    """
    s = {k: summary(v) for k, v in (("circle", circle), ("gaussian", gaussian), ("trained", trained))}
    parts = [gt.Part(f"(i) circle > ({'iii' if other == 'trained' else 'ii'}) {other}",
                     arm_test(circle, arr, effect=PAPER_EFFECTS["G1"][other], paired=True, seed=seed,
                              effect_label=f"the paper's gap of {100 * PAPER_EFFECTS['G1'][other]:.0f} points"))
             for other, arr in (("trained", trained), ("gaussian", gaussian))]
    words = (f"(i) circle {_pct(s['circle'])}, (ii) gaussian {_pct(s['gaussian'])}, (iii) trained "
             f"{_pct(s['trained'])}")
    return group_rule(parts, words=words, alpha=alpha)


def g2_rule(harder_to_mnist, mnist_to_harder, *, alpha: float = ALPHA, seed: int = 0) -> RuleResult:
    """G2: networks trained on the harder domain transfer to MNIST better than the reverse.

    One part: the two arms (different networks, different training sets: unpaired) by a
    permutation test of the mean difference, its power simulated against the paper's gap
    (54 % vs 11 %: 43 points) from the pooled sd of the arms.
    """
    a, b = summary(harder_to_mnist), summary(mnist_to_harder)
    part = gt.Part("harder -> MNIST > MNIST -> harder",
                   arm_test(harder_to_mnist, mnist_to_harder, effect=PAPER_EFFECTS["G2"], paired=False, seed=seed,
                            effect_label=f"the paper's gap of {100 * PAPER_EFFECTS['G2']:.0f} points"))
    return group_rule([part], words=f"harder -> MNIST {_pct(a)} vs MNIST -> harder {_pct(b)}", alpha=alpha)


def g4_rule(series: dict, *, alpha: float = ALPHA, seed: int = 0, effect: float | None = None) -> RuleResult:
    """G4: top H1 lifetime and test accuracy rise together during training.

    ``series``: domain -> (top H1 lifetimes (T,), test accuracies (T,)), one pair per snapshot.
    One part per domain: a permutation test of Pearson's r > 0 over the snapshots (the pairing
    shuffled), its power simulated against r = :data:`PAPER_EFFECTS` ["G4"] (0.5: the paper gives
    no coefficient) on bivariate normal pairs. Why this test: the top bar is measured on the
    pooled cloud of all networks, one value per snapshot, so there are no per-network slopes to
    compare; the claim is about co-movement over training, which the correlation over snapshots
    measures. Snapshots of one run are a time series and both numbers grow with time: a
    significant r says they rise together, not why; each part's note gives the same test without
    the first (untrained) snapshot, which can carry r alone. Reproduced: every domain passes;
    partly: one passes at ``alpha`` / (domains).
    """
    effect = PAPER_EFFECTS["G4"] if effect is None else effect
    parts, words = [], []
    for d, (x, y) in series.items():
        t = gt.correlation_test(x, y, seed=seed)
        pw = gt.power_by_simulation("correlation", (t.n_per_arm[0],), effect=effect, seed=seed,
                                    effect_label=f"r = {effect:g} (the paper gives no coefficient)")
        x, y = np.asarray(x, float), np.asarray(y, float)
        rest = (gt.correlation_test(x[1:], y[1:], seed=seed) if x.size >= 4 and np.ptp(x[1:]) > 0 and np.ptp(y[1:]) > 0
                else None)
        note = ("" if rest is None else
                f"without the first snapshot (untrained): r = {rest.observed:.2f}, p = {rest.p:.2g} ({rest.draws} draws)")
        parts.append(gt.Part(f"{SHORT_LABELS.get(d, d)}: r > 0", t.calibrated(pw), note=note, check=rest))
        c = correlation(x, y)
        words.append(f"{SHORT_LABELS.get(d, d)}: r = {c.r:.2f} [{c.low:.2f}, {c.high:.2f}] ({100 * c.level:.0f} % "
                     f"Fisher-z CI, n = {c.n} snapshots)")
    return group_rule(parts, words="; ".join(words), alpha=alpha)


def _area(curves: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Trapezoid areas of the rows of ``curves`` (n, G) over ``grid`` (G,)."""
    return ((curves[:, 1:] + curves[:, :-1]) / 2 * np.diff(grid)).sum(axis=1)


def accuracy_area(iterations, values, last: int) -> np.ndarray:
    """Each network's mean test accuracy over iterations [0, ``last``]: the area under its
    accuracy curve (trapezoids between snapshots) divided by ``last``. Faster training, larger area.

    iterations : (T,) ascending snapshot iterations, reaching ``last``; values : (T, n) accuracies
    of n networks. Returns (n,).
    """
    its = np.asarray(iterations, float)
    v = np.asarray(values, float)
    if v.ndim != 2 or v.shape[0] != its.size:
        raise ValueError(f"values must have shape (snapshots, networks) = ({its.size}, n); got {v.shape}")
    if its[0] > 0 or its[-1] < last:
        raise ValueError(f"the snapshots {its[0]:g}..{its[-1]:g} do not cover [0, {last}]")
    grid = np.union1d(its[its <= last], [last])
    curves = np.array([np.interp(grid, its, v[:, i]) for i in range(v.shape[1])])
    return _area(curves, grid) / last


def compressed_area(iterations, values, last: int, speedup: float) -> np.ndarray:
    """:func:`accuracy_area` of the curves run ``speedup`` times faster: accuracy at iteration t
    taken from the measured curve at ``speedup`` x t (held at its last value beyond the run).
    The paper's effect on a normal network's curves, in the units of G5's test."""
    its = np.asarray(iterations, float)
    v = np.asarray(values, float)
    grid = np.union1d(its[its <= last], [last])
    curves = np.array([np.interp(speedup * grid, its, v[:, i]) for i in range(v.shape[1])])
    return _area(curves, grid) / last


def g5_rule(curves: dict, *, alpha: float = ALPHA, seed: int = 0, fastest: dict | None = None) -> RuleResult:
    """G5: appended primary-circle features speed training up.

    ``curves``: domain -> {"none": curve, "circle": curve, ...}, :func:`accuracy_curve` dicts
    over each run's *whole* run (the normal network's run is longer than the appended arms').
    Per network, the mean test accuracy over the appended arms' iterations [0, last]
    (:func:`accuracy_area`): a network that trains faster has the larger area. One part per
    domain: circle > none by a permutation test over networks (unpaired: the arms have different
    sizes and architectures). Its power is simulated against the paper's speed-up (2x on MNIST,
    3.5x on SVHN, used for the harder domain): the effect is the gain in area of the normal
    networks' own curves run that many times faster (:func:`compressed_area`), the spread the
    pooled sd of the two arms' areas. ``fastest``: domain -> the arm that reaches the target
    first (:func:`fastest_arm`), reported beside the verdict (the paper's ordering circle >
    Klein > gaussian > none; the gaussian arm has 1 network at the default profile, untestable).
    """
    parts, words = [], []
    for d, c in curves.items():
        appended = [k for k in c if k != "none"]
        last = int(min(c[k]["iterations"][-1] for k in appended))
        label = SHORT_LABELS.get(d, d)
        uncovered = [k for k in c if c[k]["iterations"][0] > 0 or c[k]["iterations"][-1] < last or last <= 0]
        if uncovered:
            # e.g. the smoke profile stores only the last snapshot: no curve to take an area under
            parts.append(gt.Part(f"{label}: circle faster than none", None,
                                 note=f"the snapshots of {', '.join(uncovered)} do not cover iterations 0-{last}: "
                                      "no accuracy curve to compare"))
            words.append(f"{label}: snapshots do not cover iterations 0-{last}")
            continue
        area = {k: accuracy_area(c[k]["iterations"], c[k]["values"], last) for k in c}
        factor = PAPER_EFFECTS["G5"]["mnist" if d == "mnist" else "harder"]
        gain = float(compressed_area(c["none"]["iterations"], c["none"]["values"], last, factor).mean()
                     - area["none"].mean())
        if min(area["circle"].size, area["none"].size) < 2:
            parts.append(gt.Part(f"{label}: circle faster than none", None,
                                 note=f"{area['circle'].size} circle and {area['none'].size} normal network(s)"))
        else:
            t = arm_test(area["circle"], area["none"], effect=gain, paired=False, seed=seed,
                         effect_label=f"the paper's {factor:g}x speed-up (+{100 * gain:.1f} points of mean accuracy)")
            parts.append(gt.Part(f"{label}: circle faster than none", t))
        words.append(f"{label}: mean test accuracy over iterations 0-{last} "
                     + ", ".join(f"{k} {100 * area[k].mean():.1f} % (n = {area[k].size})" for k in area))
    extra = (["fastest arm to the target: " + ", ".join(f"{SHORT_LABELS.get(d, d)} {f}" for d, f in fastest.items())
              + " (the paper: circle > Klein > gaussian > none; reported, not tested)"] if fastest else [])
    return group_rule(parts, words="; ".join(words), alpha=alpha, extra_reasons=extra)


def speedup_words(speedups: dict, fastest: dict) -> str:
    """G5's speed-ups in words: "mnist: circle 2.89x to 95.4 % (fastest arm: circle); ...".

    ``speedups``: domain -> :func:`speedup` of the circle arm vs the normal network (mean curves);
    ``fastest``: domain -> the arm reaching the target first (:func:`fastest_arm`).
    """
    return "; ".join(f"{d}: circle {v['speedup']:.2f}x to {100 * v['target']:.1f} % (fastest arm: {fastest[d]})"
                     for d, v in speedups.items())


def fastest_arm(curves: dict, target: float) -> str:
    """The arm (key of ``curves``, :func:`accuracy_curve` dicts) that reaches ``target`` first ("none of them" if none)."""
    its = {k: iterations_to_accuracy(c["iterations"], c["mean"], target) for k, c in curves.items()}
    its = {k: v for k, v in its.items() if np.isfinite(v)}
    return min(its, key=its.get) if its else "none of them"


# --- figures (plotly, rendered offline in the book) ------------------------------------------

def transfer_figure(rows: dict, *, title: str = ""):
    """Grouped bars of accuracies with sd error bars and every network as a dot.

    ``rows``: arm -> {domain label: values (n,) fractions}. Returns a plotly Figure (percent).
    """
    import plotly.graph_objects as go

    if not rows:
        raise ValueError("rows is empty: nothing to plot")
    fig = go.Figure()
    for arm, per_domain in rows.items():
        labels = list(per_domain)
        stats = [summary(per_domain[d]) for d in labels]
        fig.add_trace(go.Bar(name=arm, x=labels, y=[100 * s["mean"] for s in stats],
                             error_y=dict(type="data", array=[100 * s["sd"] for s in stats]),
                             hovertext=[f"{arm}: {_pct(s)}" for s in stats]))
    fig.update_layout(barmode="group", title=title, yaxis_title="accuracy (%)", yaxis_range=[0, 100],
                      template="plotly_white", width=760, height=420)
    return fig


def curves_figure(curves: dict, *, title: str = "", y_title: str = "test accuracy (%)", percent: bool = True,
                  target: float | None = None):
    """Mean curves with +- sd bands against batch iterations.

    ``curves``: label -> {"iterations": (T,), "mean": (T,), "sd": (T,)}; ``target``: a
    horizontal line (e.g. G5's stated accuracy). Returns a plotly Figure.
    """
    import plotly.graph_objects as go

    if not curves:
        raise ValueError("curves is empty: nothing to plot")
    f = 100.0 if percent else 1.0
    fig = go.Figure()
    for label, c in curves.items():
        x, m, s = np.asarray(c["iterations"]), f * np.asarray(c["mean"]), f * np.asarray(c["sd"])
        fig.add_trace(go.Scatter(x=x, y=m, mode="lines+markers", name=label,
                                 error_y=dict(type="data", array=s, visible=True)))
    if target is not None:
        fig.add_hline(y=f * target, line_dash="dot", annotation_text=f"target {f * target:.1f}")
    fig.update_layout(title=title, xaxis_title="batch iterations", yaxis_title=y_title,
                      template="plotly_white", width=760, height=420)
    return fig


def scatter_figure(points: dict, *, title: str = "", x_title: str = "top H1 lifetime",
                   y_title: str = "test accuracy (%)"):
    """One scatter per dataset: ``points``: label -> (x (T,), y (T,) fractions, iterations (T,))."""
    import plotly.graph_objects as go

    if not points:
        raise ValueError("points is empty: nothing to plot")
    fig = go.Figure()
    for label, (x, y, its) in points.items():
        fig.add_trace(go.Scatter(x=np.asarray(x), y=100 * np.asarray(y), mode="markers+lines", name=label,
                                 text=[f"iteration {i}" for i in its]))
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, template="plotly_white",
                      width=760, height=420)
    return fig


def findings_markdown(harder: str, *, g1, g1_digits, g1_own, g2, g3, g4: dict, g5_speedups: dict, g5_fastest: dict,
                      rules: dict, alpha: float = ALPHA):
    """The chapter's "what we found", one bullet per claim, computed from this build's results:
    the template ``toponet/chapters/templates/generalization_findings.md`` (its wording) filled
    with the values computed here (the numbers, formatted, and which sentences apply).

    Parameters
    ----------
    harder : str
        The harder domain used ("svhn" or "mnistm-standin"); a stand-in is named as such.
    g1 : (circle, gaussian, trained)
        Transfer accuracies (fractions, one per network) of the three arms on ``harder``.
    g1_digits : (circle, gaussian, trained)
        The same on the 8x8 digits.
    g1_own : (circle, trained)
        The two arms' accuracies on MNIST's own test set.
    g2 : (harder_to_mnist, mnist_to_harder)
        Transfer accuracies, one per network.
    g3 : (harder, mnist)
        :func:`simplicity_test` results.
    g4 : dict
        Domain -> :class:`Correlation` (the intervals printed).
    g5_speedups, g5_fastest : domain -> :func:`speedup` of the circle arm; domain -> fastest arm.
    rules : dict
        "G1", "G2", "G4", "G5" -> the rules' results (:func:`g1_rule`, ...), whose verdicts and
        tests the bullets give; "G1-digits" (optional) -> :func:`g1_rule` on the 8x8 digits
        (computed here when absent).

    Returns
    -------
    toponet.book.notebook.Caption
        Markdown; every number in it is computed here, every judgement follows those numbers.
    """

    if harder not in DOMAIN_LABELS:
        raise ValueError(f"harder must be one of {sorted(DOMAIN_LABELS)}; got {harder!r}")
    if len(g1) != 3 or len(g1_digits) != 3 or len(g1_own) != 2 or len(g2) != 2 or len(g3) != 2:
        raise ValueError("g1 and g1_digits need 3 arms (circle, gaussian, trained), g1_own 2, g2 and g3 2 entries")
    missing = {"G1", "G2", "G4", "G5"} - set(rules)
    if missing:
        raise ValueError(f"rules lacks {sorted(missing)}: pass the results of g1_rule, g2_rule, g4_rule and g5_rule")
    standin = harder != "svhn"
    short = SHORT_LABELS[harder]
    lab = lambda d: SHORT_LABELS.get(d, d)  # noqa: E731
    pc = lambda s: f"{100 * s['mean']:.0f} %"  # noqa: E731

    r1, s1 = rules["G1"], [summary(a) for a in g1]
    r1d = rules.get("G1-digits") or g1_rule(*g1_digits, alpha=alpha)
    own_c, own_t = summary(g1_own[0]), summary(g1_own[1])
    spread = 100 * (max(s["mean"] for s in s1) - min(s["mean"] for s in s1))
    g1_values = dict(verdict=r1.verdict, circle=pc(s1[0]), gaussian=pc(s1[1]), trained=pc(s1[2]), n=s1[0]["n"],
                     tests=_tests_values(r1), best=s1[0]["mean"] > max(s1[1]["mean"], s1[2]["mean"]),
                     spread=f"{spread:.0f}", close=spread < 10, power=_power_values(r1, alpha),
                     digits=[pc(summary(a)) for a in g1_digits], digits_verdict=r1d.verdict,
                     own_higher=own_c["mean"] > own_t["mean"], own_circle=f"{100 * own_c['mean']:.1f} %",
                     own_trained=f"{100 * own_t['mean']:.1f} %")

    r2, (a, b) = rules["G2"], (summary(g2[0]), summary(g2[1]))
    g2_values = dict(verdict=r2.verdict, to_mnist=pc(a), from_mnist=pc(b), tests=_tests_values(r2),
                     power=_power_values(r2, alpha), easy=a["mean"] > b["mean"])

    h, m = g3
    g3_values = dict(verdict=g3_verdict(*g3)[0], groups=h["values"].size, points=h["points_per_group"], k=h["k"],
                     p=f"{h['p']:g}", harder=f"{h['mean']:.2f}", mnist=f"{m['mean']:.2f}", mnist_sd=f"{m['sd']:.2f}",
                     mnist_groups=m["values"].size, null=f"{h['gaussian'].mean():.2f}",
                     same_direction=h["mean"] > m["mean"], few=h["values"].size < 3 or h["points_per_group"] < 100)

    r4 = rules["G4"]
    parts4 = {p.label.split(":")[0]: p for p in r4.extra.get("parts", ())}
    m4 = max(1, len(parts4))
    together = [d for d in g4 if lab(d) in parts4 and parts4[lab(d)].test.p < alpha / m4]
    loose = [d for d in g4 if lab(d) in parts4 and d not in together and parts4[lab(d)].test.significant(alpha)]
    rests = [(lab(d), parts4[lab(d)].check) for d in together + loose  # significant only with the untrained snapshot
             if parts4[lab(d)].check is not None and not parts4[lab(d)].check.significant(alpha)]
    g4_values = dict(
        verdict=r4.verdict,
        series=[dict(label=lab(d), r=f"{c.r:.2f}", low=f"{c.low:.2f}", high=f"{c.high:.2f}",
                     p=f"{parts4[lab(d)].test.p:.2g}" if lab(d) in parts4 else None,
                     draws=parts4[lab(d)].test.draws if lab(d) in parts4 else None) for d, c in g4.items()],
        together=[lab(d) for d in together], apart=[lab(d) for d in g4 if d not in together],
        loose=[lab(d) for d in loose], alpha=f"{alpha:g}", domains=m4,
        rests=[dict(label=label, r=f"{c.observed:.2f}", p=f"{c.p:.2g}", draws=c.draws) for label, c in rests],
        all_positive=all(c.r > 0 for c in g4.values()), power=_power_values(r4, alpha))

    r5 = rules["G5"]
    g5_values = dict(
        verdict=r5.verdict, tests=_tests_values(r5), power=_power_values(r5, alpha),
        # "none" is the arm without appended features: the normal network
        speedups=[dict(label=lab(d), speedup=f"{sp['speedup']:.1f}",
                       fastest="the normal network" if g5_fastest[d] == "none" else g5_fastest[d])
                  for d, sp in g5_speedups.items()],
        other=[lab(d) for d, f in g5_fastest.items() if f not in ("circle", "none", "none of them")],
        normal=[lab(d) for d, f in g5_fastest.items() if f == "none"],
        unreached=[lab(d) for d, f in g5_fastest.items() if f == "none of them"])

    values = dict(standin=standin, short=short, where=f"the {short}" if standin else short, g1=g1_values,
                  g2=g2_values, g3=g3_values, g4=g4_values, g5=g5_values)
    bullets = [render("generalization_findings", part=claim, **values) for claim in ("G1", "G2", "G3", "G4", "G5")]
    return Caption(render("generalization_findings", part="head", **values) + "\n\n" + "\n".join(bullets))


def _tests_values(rule: RuleResult) -> list[dict]:
    """A rule's parts as the findings template names them: label, p (None: not testable), draws, exact, note."""
    return [dict(label=p.label, note=p.note, p=None if p.test is None else f"{p.test.p:.2g}",
                 draws=None if p.test is None else p.test.draws, exact=p.test is not None and p.test.exact)
            for p in rule.extra.get("parts", ())]


def _power_values(rule: RuleResult, alpha: float) -> dict:
    """What a rule's power says, for the findings template: kind "" (nothing to say), "strong"
    (the power of every part; ``several``: more than one part) or "weak" (the first part that is
    not significant with too little power: ``label``, ``power``, ``floor``: its smallest p when
    that is not below ``alpha``)."""
    parts = [p for p in rule.extra.get("parts", ()) if p.test is not None]
    if not parts or rule.power is None:
        return dict(kind="")
    weak = [p for p in parts if not p.test.significant(alpha) and p.test.power < gt.MIN_POWER]
    if not weak:
        return dict(kind="strong", power=f"{rule.power:.0%}", several=len(parts) > 1)
    t = weak[0].test
    return dict(kind="weak", power=f"{t.power:.0%}", label=weak[0].label,
                floor=f"{t.min_p:.2g}" if t.min_p >= alpha else "")


def g5_caption(label: str, curves: dict, runs: dict, *, profile: str, widths=(64, 32, 64)):
    """Fig. 13's caption for one dataset: what is drawn and the networks per arm (the target and
    the speed-ups are in :func:`g5_reading`); the words are ``templates/generalization_captions.md``.

    Parameters
    ----------
    label : the dataset's name as captions print it (e.g. ``DOMAIN_LABELS[name]``)
    curves : arm ("none", "circle", "klein", "gaussian") -> accuracy curve, as :func:`speedup` takes;
        the caption checks that every arm is drawn
    runs : arm -> Artifact of that arm (the circle arm's names the point cloud and the accuracy)
    profile : the build profile
    widths : the network's widths, for the point cloud's label

    Returns
    -------
    toponet.book.notebook.Caption
    """
    missing = {"none", "circle", "klein", "gaussian"} - set(curves) | ({"circle"} - set(runs))
    if missing:
        raise ValueError(f"g5_caption needs curves for none/circle/klein/gaussian and the circle run; "
                         f"missing {sorted(missing)}")
    circle = runs["circle"]
    return tb.caption(
        render("generalization_captions", figure="13", label=label,
               networks={kind: r.networks for kind, r in runs.items()}),
        cloud=tb.cloud_label(networks=circle.networks, layer=1, iterations=circle.iterations[-1], widths=widths),
        profile=profile, accuracy=list(accuracy_summary(circle)["values"]), figure="13")


# --- readings: what to see in the figures, from this build's results ------------------------------

def transfer_reading(claim: str, words: str, verdict: str, *, also: str = "") -> Reading:
    """G1's or G2's reading: what the paper claims the bars show, our numbers and the verdict."""
    return what_to_see("{claim} Here: {words}{also}. By the rule: **{verdict}**.", claim=claim, words=words,
                       also=also, verdict=verdict)


def g3_summary(rule) -> str:
    """G3's rule reasons without the per-group list (that list is :func:`g3_group_rows`' table)."""
    return "; ".join(r for r in rule.reasons if not r.startswith("each group against its nulls"))


def g3_reading(rule) -> Reading:
    """G3's reading: what the strip would show if the paper held, and the comparison over groups."""
    return what_to_see(
        "each dot is the top $H_1$ bar of one group of networks' first-layer filters; the paper's claim is that "
        "the harder domain's dots lie higher than MNIST's, and above the gaussian null's. Here: {summary}. "
        "Verdict G3: **{verdict}**. Every group against its own null clouds is in the table below.",
        summary=g3_summary(rule), verdict=rule.verdict)


def g3_group_rows(harder: dict, mnist: dict, harder_label: str) -> list[dict]:
    """One table row per G3 group (:func:`simplicity_test` results): its top bar and p against its
    gaussian and shuffled null clouds."""
    rows = []
    for name, s in ((harder_label, harder), ("MNIST", mnist)):
        for i, t in enumerate(s.get("tests", [])):
            rows.append({"domain": name, "group": i + 1, "top H1": round(float(t.top[0]), 3),
                         "gaussian p": f"{t.nulls['gaussian'].p:.2g}", "shuffled p": f"{t.nulls['shuffled'].p:.2g}",
                         "draws": t.draws, "circle": "yes" if t.exists else "no"})
    return rows


def g4_reading(words: str, verdict: str) -> Reading:
    """G4's reading (Fig. 12): the two curves of each domain, and the correlations over snapshots."""
    return what_to_see(
        "for each domain, whether the top $H_1$ line climbs as the test-accuracy line does. Both grow with training "
        "time, so rising together says nothing of cause, and snapshots of one run are not independent. Pearson's r "
        "over snapshots: {words}. Verdict G4: **{verdict}**.", words=words, verdict=verdict)


def g5_reading(label: str, curves: dict, speed: dict, fastest: str) -> Reading:
    """Fig. 13's reading for one dataset: the target, where each arm crosses it, the speed-ups."""
    others = {kind: speedup(curves["none"], curves[kind], speed["target"])["speedup"]
              for kind in ("circle", "klein", "gaussian")}
    ups = ", ".join(f"{kind} {v:.2f}x" if np.isfinite(v) else f"{kind} never" for kind, v in others.items())
    return what_to_see(
        "where each curve first crosses the dotted target: the earlier, the faster that arm trains. The paper: "
        "circle > Klein > gaussian > none, 2x faster on MNIST and 3.5x on SVHN. Here, on {label}, the target is "
        "{target:.1f} % (the normal network's accuracy at the appended arms' last iteration, reached at "
        "{base:.0f} iterations); speed-ups over it: {ups}; fastest: {fastest}.", label=label,
        target=100 * speed["target"], base=speed["base_iterations"], ups=ups, fastest=fastest)


# --- the chapter in one call: its results, figures, captions, readings and verdict rows --------

#: The chapter's name in the verdict rows.
CHAPTER = "05_generalization"
#: The network widths of every run, as the captions' cloud labels print them.
WIDTHS = (64, 32, 64)
#: What every row but G3's says about null clouds.
_NO_NULL = "; no null clouds: the tests permute networks (G4: snapshots), not filters"
#: G1's arms in the order the rules take them.
_G1_ARMS = ("circle", "gaussian", "trained")


@dataclass(frozen=True)
class GeneralizationChapter:
    """Everything chapter 05 computed at one build, and its verdict rows (:func:`run_chapter`).

    Transfer accuracies are fractions, one value per network, in the artifact's network order.

    Attributes
    ----------
    profile : str
        The build profile (``smoke``, ``default``, ``paper``).
    k, p : int, float
        The paper's k of rho(k, p) (rescaled to each cloud) and the fraction of densest filters kept (G3, G4).
    seed : int
        Seed of every stochastic step of the analysis.
    harder : str
        The harder digit domain: "svhn" or its stand-in "mnistm-standin" (:func:`harder_domain`).
    arms : dict
        "circle", "gaussian", "trained" -> :class:`toponet.store.Artifact`: G1's MNIST arms (first
        layer fixed to circle filters, to gaussian filters, or trained).
    harder_networks, mnist_networks : toponet.store.Artifact
        The networks trained on the harder domain, and the book's main MNIST run (G3, G4).
    g1_accuracy : dict
        Arm label ("(i) circle, fixed", ...) -> domain label -> ndarray of shape (networks,): G1's bars.
    harder_to_mnist, mnist_to_harder : ndarray of shape (networks,)
        G2's two transfer directions.
    common_iteration : int
        The last snapshot both G3 domains store.
    group_size : int
        Networks per G3 group.
    harder_simplicity, mnist_simplicity : dict
        G3's :func:`simplicity_test` results (top H1 lifetime per group, nulls, tests).
    evolution : dict
        Domain ("MNIST" or ``harder``) -> one dict per snapshot (:func:`evolution`; G4, Fig. 12).
    correlations : dict
        Domain -> :class:`Correlation` of top H1 lifetime and test accuracy over snapshots.
    g5_runs : dict
        Dataset -> arm ("none", "circle", "klein", "gaussian") -> artifact (G5, Fig. 13).
    g5_curves : dict
        Dataset -> arm -> :func:`accuracy_curve` up to the appended arms' last iteration.
    g5_speedups : dict
        Dataset -> :func:`speedup` of the circle arm over the normal network.
    g5_fastest : dict
        Dataset -> the arm reaching the target accuracy first (:func:`fastest_arm`).
    rules : dict
        "G1", "G1-digits", "G2", "G3", "G4", "G5" -> :class:`toponet.circle_decision.RuleResult`.
    rows : tuple of toponet.verdict_record.Verdict
        The verdict rows G1-G5, in that order.
    """

    profile: str
    k: int
    p: float
    seed: int
    harder: str
    arms: dict
    harder_networks: object
    mnist_networks: object
    g1_accuracy: dict
    harder_to_mnist: np.ndarray
    mnist_to_harder: np.ndarray
    common_iteration: int
    group_size: int
    harder_simplicity: dict
    mnist_simplicity: dict
    evolution: dict
    correlations: dict
    g5_runs: dict
    g5_curves: dict
    g5_speedups: dict
    g5_fastest: dict
    rules: dict
    rows: tuple

    @property
    def arm_iterations(self) -> int:
        """Batch iterations of G1's arms (the trained arm's last snapshot)."""
        return self.arms["trained"].iterations[-1]

    @property
    def harder_iterations(self) -> int:
        """Batch iterations of the networks trained on the harder domain."""
        return self.harder_networks.iterations[-1]

    def runs_summary(self) -> str:
        """The harder domain used and each run's scale and test accuracy, one line per run.

        Returns
        -------
        str
            "harder domain: ..." then "   circle: 10 x M(64,32,64) on mnist, 500 iterations, ..." lines.
        """
        lines = [f"harder domain: {DOMAIN_LABELS[self.harder]}"]
        for name, run in {**self.arms, "harder": self.harder_networks}.items():
            accuracy = accuracy_summary(run)
            lines.append(f"{name:>9}: {run.networks} x {run.arch} on {run.config['dataset']}, {run.iterations[-1]} "
                         f"iterations, test accuracy {100 * accuracy['mean']:.2f} +- {100 * accuracy['sd']:.2f} % "
                         f"(n = {accuracy['n']})")
        return "\n".join(lines)

    def _accuracy(self, run) -> list:
        return list(accuracy_summary(run)["values"])

    # G1 -------------------------------------------------------------------------------------------
    def g1_figure(self):
        """G1's bars: the three MNIST arms on MNIST, the harder domain and the 8x8 digits.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return transfer_figure(self.g1_accuracy, title="Trained on MNIST, evaluated on three digit domains")

    def g1_caption(self) -> Caption:
        """G1's caption: what the bars show, the cloud, the profile and the trained arm's accuracy.

        Returns
        -------
        toponet.book.notebook.Caption
        """
        trained = self.arms["trained"]
        return tb.caption(
            render("generalization_captions", figure="G1"),
            cloud=tb.cloud_label(networks=trained.networks, layer=1, iterations=self.arm_iterations, widths=WIDTHS),
            profile=self.profile, accuracy=self._accuracy(trained), paper_accuracy=0.99, figure="G1")

    def _g1_reasons(self, key: str) -> str:
        rule = self.rules[key]
        return f"{rule.reasons[0]}; {tests_text(rule)}"

    def g1_reading(self) -> Reading:
        """G1's reading: the paper's bars, ours on the harder domain and the 8x8 digits, the verdicts.

        Returns
        -------
        toponet.book.notebook.Reading
        """
        return transfer_reading(
            "the paper's arms on SVHN: (i) circle 28 %, (ii) gaussian 12 %, (iii) trained 11 %, so bar (i) "
            "should stand highest on the other domains while all three are alike on MNIST.",
            f"on {SHORT_LABELS[self.harder]}, {self._g1_reasons('G1')}", self.rules["G1"].verdict,
            also=f"; on the 8x8 digits ({self.rules['G1-digits'].verdict} by the same rule), "
                 f"{self._g1_reasons('G1-digits')}")

    # G2 -------------------------------------------------------------------------------------------
    def g2_figure(self):
        """G2's bars: the harder domain's networks and MNIST's, each on its own and the other domains.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        harder, trained = self.harder_networks, self.arms["trained"]
        return transfer_figure(
            {f"trained on {self.harder}": {"own test set": harder.test_accuracy(), "MNIST": self.harder_to_mnist,
                                           "8x8 digits": transfer_accuracy(harder, "digits8x8")},
             "trained on MNIST": {"own test set": trained.test_accuracy(), self.harder: self.mnist_to_harder,
                                  "8x8 digits": transfer_accuracy(trained, "digits8x8")}},
            title="Transfer in both directions")

    def g2_caption(self) -> Caption:
        """G2's caption: both directions' scales, the harder domain's cloud and accuracy.

        Returns
        -------
        toponet.book.notebook.Caption
        """
        harder = self.harder_networks
        return tb.caption(
            render("generalization_captions", figure="G2", harder_networks=harder.networks,
                   harder_iterations=self.harder_iterations, trained_networks=self.arms["trained"].networks,
                   trained_iterations=self.arm_iterations),
            cloud=tb.cloud_label(networks=harder.networks, layer=1, iterations=self.harder_iterations, widths=WIDTHS),
            profile=self.profile, accuracy=self._accuracy(harder), paper_accuracy=0.85, figure="G2")

    def g2_reading(self) -> Reading:
        """G2's reading: the paper's two directions, ours, the verdict.

        Returns
        -------
        toponet.book.notebook.Reading
        """
        rule = self.rules["G2"]
        return transfer_reading(
            "the paper: SVHN-trained networks reach 54 % on MNIST, MNIST-trained ones 11 % on SVHN, so the harder "
            "domain's MNIST bar should stand far above MNIST's bar on the harder domain.",
            f"{rule.reasons[0]}; {tests_text(rule)}", rule.verdict)

    # G3 -------------------------------------------------------------------------------------------
    def g3_figure(self):
        """G3's strip: the top H1 lifetime per group, harder domain, MNIST and the gaussian nulls.

        Returns
        -------
        matplotlib.figure.Figure (:func:`toponet.plots.statistic_strip`)
        """
        return plots.statistic_strip({self.harder: self.harder_simplicity["values"],
                                      "MNIST": self.mnist_simplicity["values"],
                                      "gaussian null": self.harder_simplicity["gaussian"]},
                                     title=f"top $H_1$ lifetime, layer 1, iteration {self.common_iteration}")

    def g3_caption(self) -> Caption:
        """G3's caption: the groups, the iteration, the cloud rho(k, p) and the paper's values.

        Returns
        -------
        toponet.book.notebook.Caption
        """
        return tb.caption(
            render("generalization_captions", figure="G3", group_size=self.group_size,
                   iteration=self.common_iteration),
            cloud=tb.cloud_label(networks=self.group_size, layer=1, iterations=self.common_iteration, widths=WIDTHS,
                                 k=self.harder_simplicity["k"], p=self.p),
            profile=self.profile,
            accuracy=list(accuracy_summary(self.harder_networks, self.common_iteration)["values"]), figure="G3")

    def g3_reading(self) -> Reading:
        """G3's reading (:func:`g3_reading` of the G3 rule).

        Returns
        -------
        toponet.book.notebook.Reading
        """
        return g3_reading(self.rules["G3"])

    def g3_table(self) -> list[dict]:
        """G3's groups, one row each, for :func:`toponet.book.show_table` (:func:`g3_group_rows`).

        Returns
        -------
        list of dict
        """
        return g3_group_rows(self.harder_simplicity, self.mnist_simplicity, SHORT_LABELS[self.harder])

    # G4 (Fig. 12) ---------------------------------------------------------------------------------
    def _g4_cloud(self) -> str:
        return tb.cloud_label(networks=self.harder_networks.networks, layer=1, iterations=self.harder_iterations,
                              widths=WIDTHS, k=self.evolution[self.harder][-1]["k"], p=self.p)

    def g4_figure(self):
        """Fig. 12: top H1 lifetime and test accuracy (fraction) of each domain against iterations.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        ev = self.evolution
        return curves_figure(
            {f"{d}: top H1": dict(iterations=[r["iteration"] for r in rows], mean=[r["h1_top"] for r in rows],
                                  sd=np.zeros(len(rows))) for d, rows in ev.items()}
            | {f"{d}: test accuracy": dict(iterations=[r["iteration"] for r in rows],
                                           mean=[r["test_accuracy"][0] for r in rows],
                                           sd=[r["test_accuracy"][1] for r in rows]) for d, rows in ev.items()},
            title="Top H1 lifetime and test accuracy (fraction) vs iterations", y_title="value", percent=False)

    def g4_caption(self) -> Caption:
        """Fig. 12's caption: what is drawn, both domains' networks, the harder domain's cloud.

        Returns
        -------
        toponet.book.notebook.Caption
        """
        return tb.caption(
            render("generalization_captions", figure="12", p=self.p, mnist_networks=self.mnist_networks.networks,
                   harder_networks=self.harder_networks.networks),
            cloud=self._g4_cloud(), profile=self.profile, accuracy=self._accuracy(self.harder_networks), figure="12")

    def g4_reading(self) -> Reading:
        """Fig. 12's reading (:func:`g4_reading` of the G4 rule's reasons and verdict).

        Returns
        -------
        toponet.book.notebook.Reading
        """
        rule = self.rules["G4"]
        return g4_reading(f"{rule.reasons[0]}; {tests_text(rule)}", rule.verdict)

    def g4_scatter_figure(self):
        """Fig. 12's snapshots as test accuracy against top H1 lifetime, one trace per domain.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return scatter_figure({d: ([r["h1_top"] for r in rows], [r["test_accuracy"][0] for r in rows],
                                   [r["iteration"] for r in rows]) for d, rows in self.evolution.items()},
                              title="Test accuracy against top H1 lifetime, one point per snapshot")

    def g4_scatter_caption(self) -> Caption:
        """The scatter's caption (the cloud as Fig. 12's).

        Returns
        -------
        toponet.book.notebook.Caption
        """
        return tb.caption(render("generalization_captions", figure="12b"), cloud=self._g4_cloud(),
                          profile=self.profile, accuracy=self._accuracy(self.harder_networks), figure="12b")

    # G5 (Fig. 13) ---------------------------------------------------------------------------------
    def _g5_check(self, dataset: str) -> str:
        if dataset not in self.g5_curves:
            raise ValueError(f"dataset must be one of {sorted(self.g5_curves)}; got {dataset!r}")
        return DOMAIN_LABELS[dataset] if dataset == "mnist" else SHORT_LABELS[dataset]

    def g5_figure(self, dataset: str):
        """Fig. 13 for one dataset: each arm's accuracy curve and the dotted target.

        Parameters
        ----------
        dataset : str
            "mnist" or the harder domain (:attr:`harder`).

        Returns
        -------
        plotly.graph_objects.Figure
        """
        self._g5_check(dataset)
        title = DOMAIN_LABELS["mnist"] if dataset == "mnist" else dataset
        return curves_figure(self.g5_curves[dataset], target=self.g5_speedups[dataset]["target"],
                             title=f"{title}: appended features")

    def g5_caption(self, dataset: str) -> Caption:
        """Fig. 13's caption for one dataset (:func:`g5_caption`).

        Parameters
        ----------
        dataset : str
            "mnist" or the harder domain.

        Returns
        -------
        toponet.book.notebook.Caption
        """
        label = self._g5_check(dataset)
        return g5_caption(label, self.g5_curves[dataset], self.g5_runs[dataset], profile=self.profile, widths=WIDTHS)

    def g5_reading(self, dataset: str) -> Reading:
        """Fig. 13's reading for one dataset (:func:`g5_reading`): the target and the speed-ups.

        Parameters
        ----------
        dataset : str
            "mnist" or the harder domain.

        Returns
        -------
        toponet.book.notebook.Reading
        """
        label = self._g5_check(dataset)
        return g5_reading(label, self.g5_curves[dataset], self.g5_speedups[dataset], self.g5_fastest[dataset])

    # What we found --------------------------------------------------------------------------------
    def findings(self) -> Caption:
        """The chapter's "What we found" (:func:`findings_markdown` of this result).

        Returns
        -------
        toponet.book.notebook.Caption
        """
        a = self.arms
        return findings_markdown(
            self.harder,
            g1=tuple(transfer_accuracy(a[arm], self.harder) for arm in _G1_ARMS),
            g1_digits=tuple(transfer_accuracy(a[arm], "digits8x8") for arm in _G1_ARMS),
            g1_own=(a["circle"].test_accuracy(), a["trained"].test_accuracy()),
            g2=(self.harder_to_mnist, self.mnist_to_harder), g3=(self.harder_simplicity, self.mnist_simplicity),
            g4=self.correlations, g5_speedups=self.g5_speedups, g5_fastest=self.g5_fastest,
            rules={key: self.rules[key] for key in ("G1", "G1-digits", "G2", "G4", "G5")})


def run_chapter(*, profile: str, networks: int, iterations: int, k: int, p: float, seed: int = 0,
                device: str = "auto") -> GeneralizationChapter:
    """Chapter 05 in one call: load (or train) every run, decide G1-G5, build the verdict rows.

    Parameters
    ----------
    profile : str
        Training scale: "smoke", "default" or "paper" (:mod:`toponet.experiments`).
    networks, iterations : int
        Networks per G1 arm and their batch iterations (missing ones are trained first).
    k : int
        The paper's k of rho(k, p) for its 6,400 filters, rescaled to each cloud (G3, G4).
    p : float
        Fraction of densest filters kept (G3, G4).
    seed : int
        Seed of every stochastic step of the analysis.
    device : str
        Torch device for any training the chapter has to do.

    Returns
    -------
    GeneralizationChapter

    Raises
    ------
    ValueError
        A parameter out of the chapter's bounds (:func:`validate`), checked before anything loads.
    """
    validate(dict(profile=profile, networks=networks, k=k, p=p))
    harder = harder_domain()
    names = experiment_names(harder)
    arms = {arm: load_or_train(names[arm], profile, networks=networks, iterations=iterations, device=device)
            for arm in _G1_ARMS}
    harder_networks = load_or_train(names["harder"], profile, device=device)

    # G1: the arms share their seeds, so the rule pairs them network by network
    g1_accuracy = {label: {"MNIST (own test set)": run.test_accuracy(),
                           SHORT_LABELS[harder]: transfer_accuracy(run, harder),
                           "8x8 digits": transfer_accuracy(run, "digits8x8")}
                   for label, run in (("(i) circle, fixed", arms["circle"]), ("(ii) gaussian, fixed", arms["gaussian"]),
                                      ("(iii) trained", arms["trained"]))}
    rule_g1 = g1_rule(*(transfer_accuracy(arms[a], harder) for a in _G1_ARMS), seed=seed)
    rule_g1_digits = g1_rule(*(transfer_accuracy(arms[a], "digits8x8") for a in _G1_ARMS), seed=seed)

    # G2
    harder_to_mnist = transfer_accuracy(harder_networks, "mnist")
    mnist_to_harder = transfer_accuracy(arms["trained"], harder)
    rule_g2 = g2_rule(harder_to_mnist, mnist_to_harder, seed=seed)

    # G3: both domains at their last common snapshot, in disjoint groups of the same size
    mnist_networks = load_or_train("mnist", profile, device=device)
    common_iteration = max(set(mnist_networks.stored_iterations("conv1"))
                           & set(harder_networks.stored_iterations("conv1")))
    group_size = max(1, min(harder_networks.networks, mnist_networks.networks) // 2)
    harder_simplicity = simplicity_test(harder_networks.conv_weights("conv1", common_iteration),
                                        group_size=group_size, k_paper=k, p=p, seed=seed)
    mnist_simplicity = simplicity_test(mnist_networks.conv_weights("conv1", common_iteration),
                                       group_size=group_size, k_paper=k, p=p, seed=seed + 100)
    rule_g3 = g3_rule(harder_simplicity, mnist_simplicity)

    # G4 (Fig. 12)
    series_of = {"MNIST": mnist_networks, harder: harder_networks}
    evolutions = {d: evolution(run, layer="conv1", k_paper=k, p=p, n_points_paper=PAPER_POINTS, seed=seed)
                  for d, run in series_of.items()}
    series = {d: ([r["h1_top"] for r in rows], [r["test_accuracy"][0] for r in rows]) for d, rows in evolutions.items()}
    correlations = {d: correlation(x, y) for d, (x, y) in series.items()}
    rule_g4 = g4_rule(series, seed=seed)

    # G5 (Fig. 13): the "none" arm is the normal network of the runs above
    g5_curves, g5_speedups, g5_fastest, g5_runs, g5_full_curves = {}, {}, {}, {}, {}
    for domain, arm_names in names["append"].items():
        runs = {kind: (load_or_train(name, profile, device=device) if kind != "none"
                       else (arms["trained"] if domain == "mnist" else harder_networks))
                for kind, name in arm_names.items()}
        last_iteration = min(r.iterations[-1] for kind, r in runs.items() if kind != "none")
        curves = {kind: accuracy_curve(r, max_iteration=last_iteration) for kind, r in runs.items()}
        g5_full_curves[domain] = {kind: accuracy_curve(r) for kind, r in runs.items()}
        target_accuracy = float(curves["none"]["mean"][-1])
        g5_curves[domain], g5_runs[domain] = curves, runs
        g5_speedups[domain] = speedup(curves["none"], curves["circle"], target_accuracy)
        g5_fastest[domain] = fastest_arm(curves, target_accuracy)
    rule_g5 = g5_rule(g5_full_curves, fastest=g5_fastest, seed=seed)

    rules = {"G1": rule_g1, "G1-digits": rule_g1_digits, "G2": rule_g2, "G3": rule_g3, "G4": rule_g4, "G5": rule_g5}
    rows = _verdict_rows(rules, profile=profile, harder=harder, arms=arms, harder_networks=harder_networks,
                         mnist_networks=mnist_networks, common_iteration=common_iteration, group_size=group_size,
                         harder_simplicity=harder_simplicity, mnist_simplicity=mnist_simplicity,
                         g5_runs=g5_runs, g5_speedups=g5_speedups, g5_fastest=g5_fastest)
    return GeneralizationChapter(
        profile=profile, k=k, p=p, seed=seed, harder=harder, arms=arms, harder_networks=harder_networks,
        mnist_networks=mnist_networks, g1_accuracy=g1_accuracy, harder_to_mnist=harder_to_mnist,
        mnist_to_harder=mnist_to_harder, common_iteration=common_iteration, group_size=group_size,
        harder_simplicity=harder_simplicity, mnist_simplicity=mnist_simplicity, evolution=evolutions,
        correlations=correlations, g5_runs=g5_runs, g5_curves=g5_curves, g5_speedups=g5_speedups,
        g5_fastest=g5_fastest, rules=rules, rows=rows)


def _verdict_rows(rules: dict, *, profile, harder, arms, harder_networks, mnist_networks, common_iteration,
                  group_size, harder_simplicity, mnist_simplicity, g5_runs, g5_speedups, g5_fastest) -> tuple:
    """The rows G1-G5 of :func:`run_chapter`: each rule's verdict with the paper's numbers, ours,
    the scale and the data."""
    def reasons(key):
        return f"{rules[key].reasons[0]}; {tests_text(rules[key])}"

    arm_iterations = arms["trained"].iterations[-1]
    harder_iterations = harder_networks.iterations[-1]
    harder_accuracy = accuracy_summary(harder_networks)
    rule_g5 = rules["G5"]
    return (
        Verdict.from_rule(rules["G1"], claim_id="G1",
                          claim="a first layer fixed to the primary circle transfers best (MNIST -> SVHN)",
                          paper="SVHN, 3 x 40K: (i) circle 28 %, (ii) gaussian 12 %, (iii) trained 11 %",
                          ours=(f"on {harder}: {reasons('G1')}; on 8x8 digits ({rules['G1-digits'].verdict}): "
                                f"{reasons('G1-digits')}{_NO_NULL}"),
                          scale=f"{nets_per_arm(arms)} x {arm_iterations} iterations ({profile})",
                          data=(f"trained on MNIST (real); evaluated on {DOMAIN_LABELS[harder]}; "
                                f"also {DOMAIN_LABELS['digits8x8']}"),
                          chapter=CHAPTER, networks=min(a.networks for a in arms.values()), iterations=arm_iterations),
        Verdict.from_rule(rules["G2"], claim_id="G2",
                          claim="trained on SVHN, a network transfers to MNIST (better than the reverse)",
                          paper="SVHN -> MNIST 54 % (SVHN test ~85 %); MNIST -> SVHN 11 %",
                          ours=(f"{reasons('G2')}; own test accuracy {100 * harder_accuracy['mean']:.1f} "
                                f"+- {100 * harder_accuracy['sd']:.1f} %{_NO_NULL}"),
                          scale=(f"{harder_networks.networks} x {harder_iterations} on {harder}, "
                                 f"{arms['trained'].networks} x {arm_iterations} on MNIST ({profile})"),
                          data=f"{DOMAIN_LABELS[harder]} <-> MNIST (real)", chapter=CHAPTER,
                          networks=min(harder_networks.networks, arms["trained"].networks),
                          iterations=harder_iterations),
        Verdict.from_rule(rules["G3"], claim_id="G3",
                          claim="the harder domain's layer-1 circle is stronger (longer top H1 bar)",
                          paper="rho(100, 0.1), 40K: SVHN 1.27 > MNIST 1.10", ours="; ".join(rules["G3"].reasons),
                          scale=(f"{harder_simplicity['values'].size} groups of {group_size} nets ({harder}) and "
                                 f"{mnist_simplicity['values'].size} groups "
                                 f"of {group_size} (MNIST) at iteration {common_iteration} ({profile})"),
                          data=f"{DOMAIN_LABELS[harder]} vs MNIST (real)", chapter=CHAPTER,
                          networks=harder_networks.networks, iterations=common_iteration),
        Verdict.from_rule(rules["G4"], claim_id="G4",
                          claim="top H1 lifetime and test accuracy rise together during training (Fig. 12)",
                          paper="they rise together (no coefficient given)", ours=reasons("G4") + _NO_NULL,
                          scale=(f"MNIST {mnist_networks.networks} x {mnist_networks.iterations[-1]}, "
                                 f"{harder} {harder_networks.networks} x {harder_iterations} ({profile})"),
                          data=f"MNIST (real); {DOMAIN_LABELS[harder]}", chapter=CHAPTER,
                          networks=harder_networks.networks, iterations=harder_iterations),
        Verdict.from_rule(rule_g5, claim_id="G5", claim="appended primary-circle features speed up training (Fig. 13)",
                          paper="circle > Klein > gaussian > none; 2x (MNIST), 3.5x (SVHN)",
                          ours=(speedup_words(g5_speedups, g5_fastest) + f"; {rule_g5.reasons[0]}; {tests_text(rule_g5)}"
                                + _NO_NULL),
                          scale=", ".join(f"{d}: {nets_per_arm(g5_runs[d])} x "
                                          f"{g5_runs[d]['circle'].iterations[-1]}" for d in g5_runs) + f" ({profile})",
                          data=f"MNIST (real); {DOMAIN_LABELS[harder]}", chapter=CHAPTER,
                          # the tested arms (circle vs none); klein and gaussian are reported beside the test
                          networks=min(g5_runs[d][arm].networks for d in g5_runs for arm in ("circle", "none")),
                          iterations=min(g5_runs[d]["circle"].iterations[-1] for d in g5_runs)),
    )
