"""toponet.group_tests: known answers, false-positive rates on null data, power against effect
size, validation. Fast by default (permutation tests on ~10 numbers are cheap); the long
false-positive runs are marked slow."""
import math

import numpy as np
import pytest

from toponet import group_tests as gt
from toponet.circle_decision import MIN_POWER

RNG = np.random.default_rng


# --- known answers -------------------------------------------------------------------------------

def test_permutation_test_known_answers():
    same = gt.permutation_test([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0])
    assert same.p > 0.4 and same.observed == 0 and same.exact and same.draws == math.comb(8, 4) - 1
    # 3 vs 3, perfectly separated: the observed split is the most extreme of 20, p = 1/20 exactly
    top = gt.permutation_test([0.9, 0.91, 0.92], [0.1, 0.11, 0.12])
    assert top.p == pytest.approx(1 / 20) and top.draws == 19 and top.min_p == pytest.approx(0.05)
    assert not top.significant()                                  # p = 0.05 is not below 0.05
    assert gt.permutation_test([0.1, 0.11, 0.12], [0.9, 0.91, 0.92]).p == 1.0   # one-sided
    big = gt.permutation_test(RNG(0).normal(3, 1, 12), RNG(1).normal(0, 1, 12))
    assert not big.exact and big.draws == gt.DRAWS and big.p < 0.001 and big.effect_size > 2
    # the same seed gives the same Monte-Carlo p
    again = gt.permutation_test(RNG(0).normal(3, 1, 12), RNG(1).normal(0, 1, 12))
    assert again.p == big.p


def test_paired_and_sign_tests_known_answers():
    a = np.array([0.50, 0.52, 0.55, 0.60, 0.58, 0.61, 0.57, 0.54])
    assert gt.paired_permutation_test(a, a).p == 1.0                # every difference 0: all 256 patterns tie
    up = gt.paired_permutation_test(a + 0.05, a)
    assert up.p == pytest.approx(1 / 256) and up.draws == 255 and up.exact
    three = gt.paired_permutation_test([0.6, 0.58, 0.59], [0.5, 0.52, 0.51])
    assert three.p == pytest.approx(1 / 8) and three.min_p == pytest.approx(0.125)
    # the sign-flip test on +-1 outcomes is the exact sign test
    holds = [True] * 6 + [False] * 2
    s = gt.sign_test(holds)
    flips = gt.paired_permutation_test(np.where(holds, 1.0, -1.0))
    assert s.p == pytest.approx(flips.p) == pytest.approx(sum(math.comb(8, j) for j in range(6, 9)) / 256)
    assert gt.sign_test([True]).p == 0.5 and gt.sign_test([False]).p == 1.0 and gt.sign_test([True]).size() == 0


def test_correlation_test_known_answers():
    t = np.arange(12.0)
    assert gt.correlation_test(t, 2 * t + 1).p < 0.001
    assert gt.correlation_test(t, -t).p == 1.0                        # one-sided: r > 0
    noise = gt.correlation_test(RNG(3).normal(size=12), RNG(4).normal(size=12))
    assert noise.p > 0.05
    small = gt.correlation_test([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0])
    assert small.exact and small.draws == 23 and small.p == pytest.approx(1 / 24)


def test_bootstrap_intervals():
    rng = RNG(5)
    a, b = rng.normal(1.0, 1, 200), rng.normal(0.0, 1, 200)
    d = gt.bootstrap_interval(a, b)
    assert d.low < 1.0 < d.high and d.high - d.low < 0.6 and d.draws == 2000
    assert "95 % bootstrap interval, 2000 resamples" in d.describe()
    p = gt.bootstrap_interval(a, a - 0.5, statistic="paired")
    assert p.low == pytest.approx(0.5) and p.high == pytest.approx(0.5)
    x = rng.normal(size=100)
    r = gt.bootstrap_interval(x, 0.8 * x + 0.6 * rng.normal(size=100), statistic="correlation")
    assert r.low < 0.8 < r.high and r.low > 0.6


# --- false positives where the null holds (two arms from one population) -------------------------

@pytest.mark.parametrize("test,n", [("permutation", (5, 5)), ("permutation", (4, 3)), ("permutation", (10, 10)),
                                    ("paired", (8,)), ("paired", (10,)), ("correlation", (10,))])
def test_false_positive_rate_at_most_five_percent(test, n):
    """1,000 simulated data sets where the null holds (two arms from one population), 199 draws per
    test: the share with p < 0.05 is at most 5 % (the exact size is 2.9-4.98 % at these sizes; 1,000
    simulations keep the estimate within about 1.3 points of it)."""
    pw = gt.power_by_simulation(test, n, effect=0.5 if test == "correlation" else 1.0, sd=1.0, simulations=1000,
                                seed=0)
    assert pw.simulations >= 200 and pw.false_positive_rate <= 0.05, pw.describe()
    assert pw.fpr_interval[0] <= pw.false_positive_rate <= pw.fpr_interval[1]


def test_sign_test_false_positive_rate():
    rng = RNG(2)
    for n in (5, 8, 12):
        hits = sum(gt.sign_test(rng.random(n) < 0.5).p < 0.05 for _ in range(400))
        assert hits / 400 <= 0.05
        assert gt.sign_test_power(n, 0.5) <= 0.05                      # exact: at rate 1/2 the null holds


def test_the_exact_size_is_the_false_positive_rate():
    # p takes the values k / (1 + draws): the size is the largest of them below alpha
    t = gt.paired_permutation_test(RNG(0).normal(size=10), RNG(1).normal(size=10))
    assert t.size() == pytest.approx(51 / 1024)
    assert gt.permutation_test([1.0, 2.0, 3.0], [1.5, 2.5, 3.5]).size() == 0.0
    assert gt.permutation_test(RNG(0).normal(size=12), RNG(1).normal(size=12)).size() == pytest.approx(499 / 10000)
    pw = gt.power_by_simulation("paired", (10,), effect=1.0, sd=1.0)
    c = t.calibrated(pw)
    assert c.false_positive_rate == t.size() and c.simulated_fpr == pw.false_positive_rate and c.power == pw.power
    with pytest.raises(ValueError, match="simulate at the size"):
        t.calibrated(gt.power_by_simulation("paired", (8,), effect=1.0, sd=1.0, simulations=20))


@pytest.mark.slow
@pytest.mark.parametrize("test,n", [("permutation", (8, 8)), ("paired", (12,)), ("correlation", (13,))])
def test_false_positive_rate_is_not_above_five_percent_over_4000_simulations(test, n):
    pw = gt.power_by_simulation(test, n, effect=0.5, sd=1.0, simulations=4000, seed=3)
    assert pw.fpr_interval[0] <= 0.05, pw.describe()          # not significantly above 5 %
    assert pw.false_positive_rate <= 0.06, pw.describe()


# --- power -------------------------------------------------------------------------------------------

def test_power_rises_with_effect_size():
    for test, n in (("permutation", (8, 8)), ("paired", (8,)), ("correlation", (12,))):
        effects = (0.1, 0.4, 0.8) if test == "correlation" else (0.25, 1.0, 2.5)
        powers = [gt.power_by_simulation(test, n, effect=e, sd=1.0, simulations=200, seed=1).power for e in effects]
        assert powers[0] < powers[1] < powers[2] and powers[2] >= MIN_POWER, (test, powers)
    assert gt.sign_test_power(12, 0.9) > gt.sign_test_power(12, 0.7) > gt.sign_test_power(12, 0.5)


def test_power_rises_with_n_and_is_zero_where_no_p_reaches_alpha():
    small = gt.power_by_simulation("permutation", (3, 3), effect=5.0, sd=1.0, simulations=100)
    assert small.power == 0.0 and not small.decides                 # 20 splits: p >= 0.05 always
    assert gt.power_by_simulation("paired", (3,), effect=5.0, sd=1.0, simulations=100).power == 0.0
    big = gt.power_by_simulation("permutation", (10, 10), effect=1.5, sd=1.0, simulations=200)
    assert big.power >= MIN_POWER and big.decides
    assert gt.sign_test_power(1, 0.9) == 0.0 and gt.sign_test_power(8, 0.9) >= MIN_POWER


def test_power_with_a_bernoulli_model():
    pw = gt.power_by_simulation("paired", (20,), effect=0.6, sampler=gt.bernoulli_pairs(0.0), simulations=200)
    assert pw.power >= 0.9 and pw.false_positive_rate == 0.0          # rate 0 in both arms: nothing to find
    assert "paired 0/1 outcomes" in pw.describe()


# --- records and verdicts ---------------------------------------------------------------------------

def test_record_and_describe_give_p_with_its_draws():
    t = gt.paired_permutation_test([0.6, 0.58, 0.59], [0.5, 0.52, 0.51])
    c = t.calibrated(gt.power_by_simulation("paired", (3,), effect=0.17, sd=0.02, simulations=50))
    assert c.record() == {"test": "paired permutation test", "p": 0.125, "draws": 7, "power": 0.0,
                          "false_positive_rate": 0.0, "n_per_arm": [3]}
    assert "p = 0.12 (7 draws, exact; n = 3); power 0%, false positives 0%" in c.describe()
    assert c.null_record() == {"p": 0.125, "draws": 7, "effect_size": pytest.approx(c.effect_size, abs=1e-3)}
    assert "(1 draw, exact" in gt.sign_test([True]).describe()


def _part(label, p, power):
    t = gt.GroupTest("permutation", "mean difference", 0.1, p, 999, False, (10, 10), 1.0, power=power,
                     false_positive_rate=0.049)
    return gt.Part(label, t)


def test_combine_parts():
    assert gt.combine_parts([_part("a", 0.01, 0.9), _part("b", 0.04, 0.9)])[0] == "reproduced"
    assert gt.combine_parts([_part("a", 0.01, 0.9), _part("b", 0.5, 0.9)])[0] == "partly"
    # one part passes only at the uncorrected level: inconclusive (Bonferroni over 2 parts)
    v, reasons = gt.combine_parts([_part("a", 0.04, 0.9), _part("b", 0.5, 0.3)])
    assert v == "inconclusive" and any("Bonferroni" in r for r in reasons)
    assert gt.combine_parts([_part("a", 0.5, 0.9), _part("b", 0.6, 0.95)])[0] == "not reproduced"
    assert gt.combine_parts([_part("a", 0.5, 0.9), _part("b", 0.6, 0.5)])[0] == "inconclusive"
    assert gt.combine_parts([gt.Part("a", None, note="1 network")])[0] == "inconclusive"
    assert gt.combine_parts([_part("a", 0.2, 0.95)])[0] == "not reproduced"
    with pytest.raises(ValueError, match="at least one"):
        gt.combine_parts([])


# --- bad input ---------------------------------------------------------------------------------------

def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="non-finite value .* at position 1"):
        gt.permutation_test([0.5, np.nan, 0.6], [0.1, 0.2])
    with pytest.raises(ValueError, match="b has 1 value.*at least 2 per arm"):
        gt.permutation_test([0.5, 0.6], [0.1])
    with pytest.raises(ValueError, match="a must be a sequence of numbers"):
        gt.permutation_test("0.5 0.6", [0.1, 0.2])
    with pytest.raises(ValueError, match="a must be a sequence of numbers"):
        gt.permutation_test(["a", "b"], [0.1, 0.2])
    with pytest.raises(ValueError, match="1-D"):
        gt.permutation_test([[0.5, 0.6]], [0.1, 0.2])
    with pytest.raises(ValueError, match="arms of one size"):
        gt.paired_permutation_test([0.5, 0.6, 0.7], [0.1, 0.2])
    with pytest.raises(ValueError, match="same length"):
        gt.correlation_test([1, 2, 3], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="constant"):
        gt.correlation_test([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="x has 2 value"):
        gt.correlation_test([1, 2], [1, 2])
    with pytest.raises(ValueError, match="draws must be an integer"):
        gt.permutation_test([0.5, 0.6], [0.1, 0.2], draws=0)
    with pytest.raises(ValueError, match="n_per_arm"):
        gt.power_by_simulation("permutation", (1, 5), effect=1.0, sd=1.0)
    with pytest.raises(ValueError, match="n_per_arm"):
        gt.power_by_simulation("paired", (5, 5), effect=1.0, sd=1.0)
    with pytest.raises(ValueError, match="power_by_simulation runs one of"):
        gt.power_by_simulation("welch", (5, 5), effect=1.0, sd=1.0)
    with pytest.raises(ValueError, match="sd must be a positive finite spread"):
        gt.power_by_simulation("permutation", (5, 5), effect=1.0, sd=0.0)
    with pytest.raises(ValueError, match="effect must be a finite number"):
        gt.power_by_simulation("permutation", (5, 5), effect=float("nan"), sd=1.0)
    with pytest.raises(ValueError, match="correlation effect"):
        gt.power_by_simulation("correlation", (5,), effect=1.5)
    with pytest.raises(ValueError, match="alpha"):
        gt.power_by_simulation("permutation", (5, 5), effect=1.0, sd=1.0, alpha=5)
    with pytest.raises(ValueError, match="booleans"):
        gt.sign_test([1, 0, 1])
    with pytest.raises(ValueError, match="statistic must be"):
        gt.bootstrap_interval([1, 2], [1, 2], statistic="median")
    with pytest.raises(TypeError, match="'b'"):
        gt.bootstrap_interval([1, 2, 3])          # b is required: two arms or two series


def test_benjamini_hochberg_known_answers():
    from toponet.group_tests import benjamini_hochberg
    # m = 4, q = 0.05: thresholds 0.0125, 0.025, 0.0375, 0.05; only rank 1 (0.01) is under its line
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.2]).tolist() == [True, False, False, False]
    assert benjamini_hochberg([0.01, 0.02, 0.03, 0.04]).tolist() == [True, True, True, True]
    assert benjamini_hochberg([0.02, 0.9]).tolist() == [True, False]          # 0.02 <= 0.025
    assert benjamini_hochberg([0.03, 0.9]).tolist() == [False, False]         # 0.03 > 0.025, 0.9 > 0.05
    assert benjamini_hochberg([]).size == 0
    with pytest.raises(ValueError, match="p_values"):
        benjamini_hochberg([0.1, 1.5])


def test_power_by_simulation_refuses_a_test_it_cannot_simulate():
    # "sign", "labels", "surface" used to run silently as a correlation power calculation
    for test in ("sign", "labels", "surface"):
        with pytest.raises(ValueError, match=f"power_by_simulation runs one of .*got '{test}' \\(its power"):
            gt.power_by_simulation(test, (8,), effect=0.5)
    with pytest.raises(ValueError, match="got 'nope'$"):
        gt.power_by_simulation("nope", (8,), effect=0.5)
