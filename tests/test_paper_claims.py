"""toponet.paper_claims: the calibrated verdicts of the CIFAR chapters (F3-F9), one named function per claim."""
from types import SimpleNamespace

import numpy as np
import pytest

from toponet import ideal
from toponet import paper_claims as cr
from toponet.analysis import analyze_filters
from toponet.circle_decision import RuleResult, dense_core
from toponet.homology import h1_bounds
from toponet.ideal import gaussian_filters, primary_circle_sample
from toponet.mapper import Mapper


@pytest.fixture(autouse=True)
def _calibration_dir(tmp_path, monkeypatch):
    # calibrations of test sizes go to a temporary folder, not the committed results/calibration
    monkeypatch.setenv("TOPONET_CALIBRATION", str(tmp_path / "calibration"))


# --- combining parts -----------------------------------------------------------------------

def test_part_outcome_needs_power_to_call_an_absence():
    assert cr.part_outcome(True, expect=True, power=None) == "pass"
    assert cr.part_outcome(True, expect=False, power=0.9) == "fail"
    assert cr.part_outcome(False, expect=True, power=0.9) == "fail"
    assert cr.part_outcome(False, expect=False, power=0.95) == "pass"
    assert cr.part_outcome(False, expect=False, power=0.5) == "inconclusive"
    assert cr.part_outcome(False, expect=True, power=None) == "inconclusive"


def test_combine_parts():
    assert cr.combine_parts({"a": "pass", "b": "pass", "c": None}) == "reproduced"
    assert cr.combine_parts({"a": "pass", "b": "fail"}) == "partly"
    assert cr.combine_parts({"a": "pass", "b": "inconclusive"}) == "partly"
    assert cr.combine_parts({"a": "fail", "b": "inconclusive"}) == "not reproduced"
    assert cr.combine_parts({"a": "inconclusive", "b": None}) == "inconclusive"
    assert cr.combine_parts({"a": None}) == "not tested"
    with pytest.raises(ValueError):
        cr.combine_parts({})
    with pytest.raises(ValueError, match="outcomes"):
        cr.combine_parts({"a": "maybe"})


def test_budget_cloud_caps_the_dense_core():
    X = gaussian_filters(1000, seed=0)
    Y, note = cr.budget_cloud(X, 0.1, max_core=50)
    assert Y.shape == (500, 9) and "500 of 1,000" in note
    Z, none = cr.budget_cloud(X, 0.5, max_core=500)
    assert Z.shape == X.shape and none is None
    # seeded: the same subsample every time
    assert np.array_equal(cr.budget_cloud(X, 0.1, max_core=50)[0], Y)


def test_pick_snapshots_keeps_stored_ones_and_the_last():
    assert cr.pick_snapshots([0, 100, 200, 300, 400, 500], [300, 400, 600]) == [300, 400, 500]
    assert cr.pick_snapshots([0, 10, 30], [300, 400]) == [30]
    assert cr.pick_snapshots([0], [1]) == []


# --- ideal models ----------------------------------------------------------------------------

def test_two_circles_meeting_in_two_points_have_three_bars_and_three_circles_five():
    for circles, bars in ((2, 3), (3, 5)):
        b = h1_bounds(ideal.circles_sample(240, circles=circles, noise=0.05, seed=1), top=True, max_edges=None)
        life = np.sort(b.lower)[::-1]
        assert np.all(life[:bars] > 0.4) and life[bars] < 0.25, (circles, life[:bars + 2])


def test_cluster_model_has_five_centres_far_apart():
    C = ideal.cluster_centres()
    d = np.linalg.norm(C[:, None] - C[None], axis=-1)
    assert C.shape == (5, 9) and d[np.triu_indices(5, 1)].min() > 1.0
    X = ideal.clusters_sample(300, noise=0.05, seed=0)
    assert cr.core_clusters(X, resolution=10, gain=3.0) == 5


# --- circle claims (F4, F6; the circle part of F3) -------------------------------------------

def test_circle_claim_finds_a_noisy_circle_and_not_gaussian_noise():
    circ = cr.circle_claim(primary_circle_sample(120, noise=0.1, seed=2), k_paper=5, n_points_paper=120, p=1.0,
                           label="circle")
    assert circ.exists and circ.rule.verdict == "reproduced"
    assert circ.rule.nulls["gaussian"]["draws"] == 99 and circ.rule.power is not None
    gauss = cr.circle_claim(gaussian_filters(120, seed=3), k_paper=5, n_points_paper=120, p=1.0, label="noise")
    assert not gauss.exists and gauss.rule.verdict in ("not reproduced", "inconclusive")
    # F3's "no significant circle": a circle fails it, noise passes it or cannot tell
    assert cr.no_circle_outcome(circ) == "fail"
    assert cr.no_circle_outcome(gauss) in ("pass", "inconclusive")
    both = cr.f4_rule(circ, gauss)
    assert both.verdict == "partly" and both.nulls["gaussian"]["draws"] == 99
    f6 = cr.f6_rule({"all": circ, "R": circ})
    assert f6.verdict == "reproduced" and any("multiplicity: a circle in 2 of 2" in s for s in f6.reasons)
    assert cr.f6_rule({"all": gauss, "R": gauss}).verdict in ("not reproduced", "inconclusive")
    assert "circle" in cr.describe_claim("x", circ)
    # the figures read the tested core from the claim: its persistence and its Mapper graph
    core = circ.core()
    assert core.shape == (circ.test.n_core, 9)
    # the test keeps its core's indices: the claim and a figure read that core, not a new filtration
    assert circ.test.core_index is not None and circ.test.core_index.shape == (circ.test.n_core,)
    assert np.array_equal(core, dense_core(circ.cloud, circ.test.k, circ.test.p))
    figure = analyze_filters(circ.cloud, kept_index=circ.test.core_index, k=circ.test.k, p=circ.test.p,
                             null_repeats=0, mapper=False, n_landmarks=None)
    assert np.array_equal(figure.filtered, core)
    assert np.array_equal(circ.analysis(mapper=False).filtered, core)      # the figures' pipeline reads it too
    with pytest.raises(ValueError, match="kept_index must hold"):
        analyze_filters(circ.cloud, kept_index=circ.test.core_index[:-1], k=circ.test.k, p=circ.test.p,
                        null_repeats=0, mapper=False)
    graph = circ.mapper(resolution=10, gain=3.0, seed=0)
    assert graph.n_nodes_ > 0 and graph.n_components_ >= 1
    assert graph.n_nodes_ == Mapper(resolution=10, gain=3.0, layout_seed=0).fit(core).n_nodes_


def test_circle_claim_subsamples_to_the_budget_and_floors_k():
    c = cr.circle_claim(gaussian_filters(400, seed=4), k_paper=1, n_points_paper=6400, p=0.5, max_core=60,
                        kinds=("gaussian", "shuffled"), draws=19)
    assert c.test.k == 5 and c.cloud.shape[0] == 120 and c.n_raw == 400 and "120 of 400" in c.note
    assert c.test.n_core == 60 and set(c.rule.nulls) == {"gaussian", "shuffled"}


# --- F3: cluster counts --------------------------------------------------------------------

def _cluster_test(observed, gauss, shuf, power=(5,) * 10, claimed=(4, 6), draws=None):
    draws = draws or len(gauss)
    return cr.ClusterTest(observed=observed, claimed=claimed, null_counts={"gaussian": tuple(gauss),
                                                                          "shuffled": tuple(shuf)},
                          power_counts=tuple(power), n_points=256, n_core=128, k=8, p=0.5, resolution=30, gain=3.0,
                          draws=draws)


def test_cluster_criterion_is_not_used_where_noise_passes_it():
    noisy = _cluster_test(5, [5] * 50 + [9] * 49, [9] * 99)    # half the gaussian clouds have 4-6
    assert noisy.in_range and noisy.false_positive_rate > 0.05 and not noisy.usable
    assert noisy.outcome == "inconclusive" and "cannot be used" in noisy.describe()
    clean = _cluster_test(5, [9] * 98 + [5], [10] * 99)
    assert clean.usable and clean.pval("gaussian") == pytest.approx(0.02) and clean.outcome == "pass"
    assert _cluster_test(9, [9] * 99, [10] * 99).outcome == "fail"                  # powered miss
    assert _cluster_test(9, [9] * 99, [10] * 99, power=(9,) * 10).outcome == "inconclusive"
    rec = clean.nulls_record()
    assert rec["clusters-gaussian"]["draws"] == 99 and rec["clusters-shuffled"]["p"] == pytest.approx(0.01)


def test_cluster_test_on_gaussian_noise_counts_null_clouds_of_the_same_size():
    t = cr.cluster_test(gaussian_filters(120, seed=5), k=5, p=0.5, resolution=10, gain=3.0, draws=20,
                        power_draws=5)
    assert t.n_core == 60 and len(t.null_counts["gaussian"]) == 20 and len(t.null_counts["shuffled"]) == 20
    assert len(t.power_counts) == 5 and 0 <= t.false_positive_rate <= 1


def _claim(exists, power=0.9, verdict=None):
    verdict = verdict or ("reproduced" if exists else ("not reproduced" if power >= 0.8 else "inconclusive"))
    nulls = {"gaussian": {"p": 0.01 if exists else 0.5, "draws": 99, "effect_size": 1.0}}
    rule = RuleResult(verdict=verdict, reasons=("r",), nulls=nulls, power=power, false_positive_rate=0.02,
                      cloud_points=128)
    test = SimpleNamespace(exists=exists, beyond_second_order=None, top=(0.5, 0.5), nulls={},
                           describe=lambda: "test")
    return cr.CircleClaim(label="c", n_raw=256, note=None, test=test, calibration=None, rule=rule)


def test_f3_counts_a_partly_circle_as_a_circle_and_unusable_clusters_as_inconclusive():
    unusable = _cluster_test(5, [5] * 99, [5] * 99)
    usable = _cluster_test(5, [9] * 99, [9] * 99)
    r = cr.f3_rule({"A": dict(circle=_claim(False), clusters=usable), "B": dict(circle=_claim(False), clusters=usable)})
    assert r.verdict == "reproduced" and r.power == 0.9 and "clusters-gaussian" in r.nulls
    r = cr.f3_rule({"A": dict(circle=_claim(True, verdict="partly"), clusters=usable)})
    assert r.verdict == "partly"                              # a "partly" circle is a significant circle
    r = cr.f3_rule({"A": dict(circle=_claim(True), clusters=unusable)})
    assert r.verdict == "not reproduced"
    r = cr.f3_rule({"A": dict(circle=_claim(False, power=0.3), clusters=unusable)})
    assert r.verdict == "inconclusive"
    assert isinstance(r, RuleResult) and any("cannot be used" in s for s in r.reasons)


# --- F7: three bars --------------------------------------------------------------------------

@pytest.mark.slow
def test_f7_three_bars_on_two_circles_one_on_a_circle_none_on_noise():
    two = cr.circle_claim(ideal.circles_sample(200, circles=2, noise=0.05, seed=6), k_paper=5, n_points_paper=200,
                          p=1.0, ranks=4, one_bar=False, kinds=("gaussian", "shuffled"))
    r = cr.f7_rule(two)
    assert r.verdict == "reproduced" and r.extra["bars_sure"] == 3
    one = cr.circle_claim(primary_circle_sample(200, noise=0.05, seed=7), k_paper=5, n_points_paper=200, p=1.0,
                          ranks=4, one_bar=False, kinds=("gaussian", "shuffled"))
    assert cr.f7_rule(one).verdict == "partly" and cr.f7_rule(one).extra["bars_sure"] == 1
    noise = cr.circle_claim(gaussian_filters(200, seed=8), k_paper=5, n_points_paper=200, p=1.0, ranks=4,
                            one_bar=False, kinds=("gaussian", "shuffled"))
    assert cr.f7_rule(noise).verdict in ("not reproduced", "inconclusive")
    pw = cr.bars_power(two.calibration, power_draws=5)
    assert len(pw["counts"]) == 5 and 0 <= pw["power"] <= 1
    # no bar found: the row's power is the power that decided it, "at least one bar"
    assert cr.f7_rule(noise, power=pw).power == pw["power_any"] and 0 <= pw["power_any"] <= 1
    assert cr.f7_rule(two, power=pw).power == pw["power"]
    assert cr.f7_rule(noise, power={**pw, "power_any": 1.0}).verdict == "not reproduced"
    assert cr.f7_rule(noise, power={**pw, "power_any": 0.5}).verdict == "inconclusive"
    with pytest.raises(ValueError, match="ranks"):
        cr.f7_rule(cr.circle_claim(gaussian_filters(60, seed=1), k_paper=5, n_points_paper=60, p=1.0, draws=9,
                                   kinds=("gaussian",)))


def test_bar_models_name_their_bar_counts_and_refuse_unknown_ones():
    assert ideal.BAR_MODELS == {"two-circle": 3, "three-circle": 5, "klein": 2}
    for model in ideal.BAR_MODELS:
        X = ideal.model_sample(model)(50, 3)
        assert X.shape == (50, 9) and np.allclose(np.linalg.norm(X, axis=1), 1.0)
    with pytest.raises(ValueError, match="model must be one of"):
        ideal.model_sample("torus")


@pytest.mark.slow
def test_bars_power_on_a_named_model_is_cached_apart(tmp_path, monkeypatch):
    from toponet.calibration import calibrate_circle

    monkeypatch.setenv("TOPONET_CALIBRATION", str(tmp_path))
    cal = calibrate_circle(300, 5, 1.0, draws=19, fpr_draws=5, power_draws=5)
    two = cr.bars_power(cal, model="two-circle", power_draws=3)
    klein = cr.bars_power(cal, model="klein", power_draws=3)
    assert two["expected"] == 3 and klein["expected"] == 2 and len(klein["counts"]) == 3
    assert len(list(tmp_path.glob("bars-*model-*.json"))) == 2
    assert cr.bars_power(cal, model="klein", power_draws=3)["counts"] == klein["counts"]


# --- F8: distance to the three-circle model --------------------------------------------------

def test_f8_three_circles_reproduced_primary_circle_partly_noise_not():
    three = cr.model_fit_test(ideal.circles_sample(200, circles=3, noise=0.1, seed=9), k=5, p=0.5)
    r = cr.f8_rule(three)
    assert r.verdict == "reproduced" and set(r.nulls) == {"gaussian", "shuffled", "directions"}
    assert r.nulls["directions"]["draws"] == 99 and 0 <= r.power <= 1 and 0 <= r.false_positive_rate <= 1
    prim = cr.f8_rule(cr.model_fit_test(primary_circle_sample(200, noise=0.1, seed=10), k=5, p=0.5))
    assert prim.verdict == "partly" and prim.extra["near"] and not prim.extra["secondary"]
    noise = cr.f8_rule(cr.model_fit_test(gaussian_filters(200, seed=11), k=5, p=0.5))
    assert noise.verdict in ("not reproduced", "inconclusive")


# --- F5, F9: evolution -----------------------------------------------------------------------

def _rows(spec):
    return [cr.SnapshotCircle(iteration=it, claim=_claim(ex, power=pw)) for it, ex, pw in spec]


def test_f5_and_f9_events():
    appear_break = _rows([(300, False, 0.9), (400, True, 0.9), (500, False, 0.9)])
    layer2 = _rows([(1000, True, 0.9), (2000, True, 0.9)])
    r = cr.f5_rule(appear_break, layer2)
    assert r.verdict == "reproduced" and "circle at 1 of 3 snapshots (400)" in r.extra["summary"]["layer 1"]
    # no circle at 400: "broken at 500" is not testable; a powered absence fails
    r = cr.f5_rule(_rows([(400, False, 0.9), (500, False, 0.9)]), layer2)
    assert r.verdict == "partly" and r.extra["parts"]["layer 1 circle (present at 400) broken at 500"] is None
    # without power, absences are inconclusive
    r = cr.f5_rule(_rows([(400, False, 0.2), (500, False, 0.2)]), _rows([(2000, False, 0.2)]))
    assert r.verdict == "inconclusive"
    # the snapshots a short run never reached are not testable
    assert cr.f5_rule(_rows([(30, True, 0.9)]), _rows([(30, True, 0.9)])).verdict == "not tested"
    r = cr.f9_rule(_rows([(300, True, 0.9), (500, False, 0.9), (1500, True, 0.9)]), _rows([(1000, False, 0.9)]))
    assert r.verdict == "partly" and r.extra["parts"]["layer 2 shows a circle at 1000"] == "fail"
    assert r.nulls["gaussian"]["draws"] == 99


def test_evolution_circles_on_a_fake_artifact():
    rng = np.random.default_rng(0)
    circle = primary_circle_sample(60, noise=0.05, seed=1).reshape(60, 1, 3, 3)
    noise = rng.standard_normal((60, 1, 3, 3))
    art = SimpleNamespace(conv_weights=lambda layer, it: (circle if it == 400 else noise)[None])
    rows = cr.evolution_circles(art, layer="conv1", iterations=[300, 400], k_paper=5, p=1.0, n_points_paper=60,
                                draws=39)
    assert [r.iteration for r in rows] == [300, 400] and rows[1].exists and not rows[0].exists
    x, series = cr.snapshot_series(rows)
    assert list(x) == [300, 400] and "gaussian null, 95% quantile" in series


def test_snapshot_circle_tests_picks_stored_snapshots_and_reports_each(monkeypatch):
    circle = primary_circle_sample(60, noise=0.05, seed=1).reshape(60, 1, 3, 3)
    art = SimpleNamespace(conv_weights=lambda layer, it: circle[None],
                          stored_iterations=lambda layer: [0, 300, 400, 500])
    seen, real = {}, cr.evolution_circles

    def fake(artifact, *, layer, iterations, k_paper, p, n_points_paper, seed):
        seen[layer] = (list(iterations), k_paper, p, n_points_paper, seed)
        return real(artifact, layer=layer, iterations=iterations, k_paper=k_paper, p=p,
                                    n_points_paper=n_points_paper, seed=seed, draws=19)

    monkeypatch.setattr(cr, "evolution_circles", fake)
    lines = []
    out = cr.snapshot_circle_tests(art, {"conv1": ((300, 600), 5, 1.0, 60)}, seed=3, report=lines.append)
    assert seen["conv1"] == ([300, 500], 5, 1.0, 60, 3)          # 600 not stored: the last stored one
    assert list(out) == ["conv1"] and [r.iteration for r in out["conv1"]] == [300, 500]
    assert lines[0].startswith("conv1: circle at") and len(lines) == 3


def test_f3_reports_a_cluster_count_without_power_beside_the_verdict():
    blind = _cluster_test(1, [9] * 99, [9] * 99, power=(1,) * 10)      # 0 % power on the five-cluster model
    assert blind.power == 0.0 and blind.outcome == "inconclusive"
    r = cr.f3_rule({"A": dict(circle=_claim(False), clusters=blind)})
    assert r.verdict == "reproduced" and all("clusters" not in k for k in r.extra["parts"])
    assert any("reported beside the verdict" in s and "power 0%" in s for s in r.reasons)


def test_the_model_samples_take_the_noise_they_are_given():
    # beyond_model_cloud records its noise in the calibration's name: the samplers must apply it
    from toponet.calibration import beyond_model_cloud

    for model in ("two-circle", "three-circle", "klein"):
        assert np.array_equal(ideal.model_sample(model)(40, 1), ideal.model_sample(model, noise=ideal.MODEL_NOISE)(40, 1))
        assert not np.allclose(ideal.model_sample(model, noise=0.0)(40, 1), ideal.model_sample(model)(40, 1))
    assert not np.allclose(beyond_model_cloud("klein", 60, noise=0.0, fraction=1.0, seed=2),
                           beyond_model_cloud("klein", 60, noise=0.25, fraction=1.0, seed=2))


def test_snapshot_circle_tests_names_a_layer_without_snapshots():
    from types import SimpleNamespace

    art = SimpleNamespace(stored_iterations=lambda layer: [0])
    with pytest.raises(ValueError, match=r"conv1: the artifact stores no snapshot after iteration 0 \(stored: \[0\]\)"):
        cr.snapshot_circle_tests(art, {"conv1": ((100, 200), 200, 0.3, 6400)})
