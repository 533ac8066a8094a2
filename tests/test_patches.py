"""toponet.patches (natural image patches, chapter 08) and the chapter's glue, on known answers."""
import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np

import pytest

from toponet import patches
from toponet.ideal import distance_to_model


def edge_image(theta: float, size: int = 40, blur: float = 1.5) -> np.ndarray:
    """Grey levels of one straight edge through the centre at angle ``theta`` (the direction
    in which brightness grows; x to the right, y up), a smooth ramp of width ~``blur`` pixels."""
    i, j = np.mgrid[0:size, 0:size].astype(float)
    x, y = j - size / 2, size / 2 - i
    s = np.cos(theta) * x + np.sin(theta) * y
    return 20 + 200 / (1 + np.exp(-s / blur))


def test_d_pairs_are_the_twelve_neighbour_pairs():
    assert len(patches.D_PAIRS) == 12 and len(set(patches.D_PAIRS)) == 12
    for a, b in patches.D_PAIRS:
        (ra, ca), (rb, cb) = divmod(a, 3), divmod(b, 3)
        assert abs(ra - rb) + abs(ca - cb) == 1


def test_d_norm_of_a_constant_patch_is_zero_and_shift_invariant():
    assert patches.d_norm(np.full((1, 9), 3.7))[0] == 0.0
    rng = np.random.default_rng(0)
    P = rng.standard_normal((5, 9))
    np.testing.assert_allclose(patches.d_norm(P + 11.0), patches.d_norm(P))
    np.testing.assert_allclose(patches.d_norm(P.reshape(5, 3, 3)), patches.d_norm(P))
    # a unit step between the left column and the rest: 3 horizontal pairs differ by 1
    step = np.array([[0, 1, 1]] * 3, dtype=float).reshape(1, 9)
    assert patches.d_norm(step)[0] == pytest.approx(np.sqrt(3))


def test_contrast_selection_keeps_the_requested_fraction_of_the_largest():
    rng = np.random.default_rng(1)
    P = rng.standard_normal((1000, 9)) * rng.uniform(0.1, 5, (1000, 1))
    H, idx = patches.select_high_contrast(P, 0.2, return_index=True)
    assert H.shape == (200, 9) and np.all(np.diff(idx) > 0)
    d = patches.d_norm(P)
    assert d[idx].min() >= np.delete(d, idx).max()
    assert patches.select_high_contrast(P[:7], 0.2).shape[0] == 1    # round(1.4), never 0
    assert patches.select_high_contrast(P[:3], 0.01).shape[0] == 1


def test_contrast_normalize_gives_mean_zero_unit_d_norm_and_rejects_flat_patches():
    rng = np.random.default_rng(2)
    X = patches.contrast_normalize(rng.standard_normal((50, 9)) + 4)
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(patches.d_norm(X), 1)
    with pytest.raises(ValueError, match="constant.*row 1"):
        patches.contrast_normalize(np.vstack([rng.standard_normal(9), np.ones(9)]))


def test_log_intensity_is_exact_luminance_then_the_c_librarys_log1p():
    """The grey level of an integer colour is the exact BT.709 sum rounded once (what a BLAS
    product with fused multiply-adds is not, on some pixels and some CPUs), and its log is
    math.log1p's, bit for bit: the cloud's bytes, which stored tests are keyed by, do not depend
    on the CPU."""
    from fractions import Fraction

    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)
    rgb[0, 0] = 255
    grey = patches._luminance(rgb)
    for r, g, b in rgb.reshape(-1, 3)[:400].tolist():
        exact = Fraction(2125 * r + 7154 * g + 721 * b, 10_000)
        assert patches._luminance(np.array([[[r, g, b]]], dtype=np.uint8))[0, 0] == float(exact)
    assert grey[0, 0] == 255.0
    np.testing.assert_allclose(grey, rgb.astype(float) @ [0.2125, 0.7154, 0.0721], rtol=1e-15, atol=0)
    logs = patches.log_intensity(rgb)
    assert np.array_equal(logs.ravel(), [math.log1p(v) for v in grey.ravel().tolist()])
    np.testing.assert_array_max_ulp(logs, np.log1p(grey), maxulp=1)
    floats = patches.log_intensity(rgb.astype(np.float64))             # float colours: IEEE sums in order
    np.testing.assert_array_max_ulp(floats, logs, maxulp=2)
    assert patches.log_intensity(rgb.astype(np.float64)).tobytes() == floats.tobytes()


def test_seeded_sampling_is_reproducible_and_checks_its_size():
    X = np.arange(300).reshape(100, 3)
    a, b = patches.sample_rows(X, 10, seed=5), patches.sample_rows(X, 10, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, patches.sample_rows(X, 10, seed=6))
    assert np.all(np.diff(a[:, 0]) > 0)                  # input order kept, no repeats
    with pytest.raises(ValueError, match="cannot sample 101 rows from 100"):
        patches.sample_rows(X, 101)


def test_log_intensity_checks_its_input():
    rgb = np.full((4, 5, 3), 255, dtype=np.uint8)
    np.testing.assert_allclose(patches.log_intensity(rgb), np.log(256.0))
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        patches.log_intensity(np.full((4, 4), 300.0))
    with pytest.raises(ValueError, match="shape"):
        patches.log_intensity(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="smaller than one 3x3"):
        patches.log_intensity(np.zeros((2, 9)))


def test_extract_patches_reads_rows_and_is_seeded():
    img = np.arange(25, dtype=float).reshape(5, 5)
    allp = patches.extract_patches(img, None)
    assert allp.shape == (9, 9)
    np.testing.assert_array_equal(allp[0], [0, 1, 2, 5, 6, 7, 10, 11, 12])
    np.testing.assert_array_equal(patches.extract_patches(img, 4, seed=3), patches.extract_patches(img, 4, seed=3))
    with pytest.raises(ValueError, match="only 9 3x3 positions"):
        patches.extract_patches(img, 10)


@pytest.mark.parametrize("theta", [0.0, 0.7, np.pi / 2, 2.5, 4.0])
def test_patches_of_one_oriented_edge_lie_near_the_primary_circle(theta):
    S = patches.natural_patches([edge_image(theta)], per_photo=500, sample=100, seed=0)
    d = distance_to_model(S.patches).distances
    assert np.median(d) < 0.3                         # a smooth edge is nearly a linear ramp
    # and at the edge's own angle: the patch correlates best with the ideal edge at theta
    from toponet.ideal import primary_circle
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    best = angles[np.argmax(patches.contrast_normalize(S.patches) @ primary_circle(angles).T, axis=1)]
    gap = np.angle(np.exp(1j * (best - theta)))
    assert np.median(np.abs(gap)) < 0.2


def test_natural_patches_pipeline_and_errors():
    rng = np.random.default_rng(4)
    imgs = [rng.uniform(0, 255, (30, 40)), edge_image(1.0)]
    S = patches.natural_patches(imgs, per_photo=400, sample=100, fraction=0.2, seed=1, names=["noise", "edge"])
    assert S.patches.shape == (100, 9) and S.high_contrast == (80, 80) and S.n_photos == 2
    np.testing.assert_allclose(patches.d_norm(S.patches), 1)
    again = patches.natural_patches(imgs, per_photo=400, sample=100, fraction=0.2, seed=1, names=["noise", "edge"])
    np.testing.assert_array_equal(S.patches, again.patches)
    assert "100 patches" in S.describe() and "2 photographs" in S.describe()
    with pytest.raises(ValueError, match="only 160 high-contrast"):
        patches.natural_patches(imgs, per_photo=400, sample=161)
    with pytest.raises(ValueError, match="image 'b'.*positions"):
        patches.natural_patches([imgs[0], np.zeros((4, 4))], per_photo=400, sample=10, names=["a", "b"])
    with pytest.raises(ValueError, match="at least one image"):
        patches.natural_patches([], per_photo=1, sample=1)
    with pytest.raises(ValueError, match="fraction"):
        patches.natural_patches(imgs, per_photo=10, sample=1, fraction=0)


def test_three_circle_sample_and_shares():
    X = patches.three_circle_sample(900, shares=(0.5, 0.3, 0.2), seed=0)
    assert X.shape == (900, 9)
    assert np.median(distance_to_model(X, "three_circles").distances) < 1e-6
    primary_only = patches.three_circle_sample(500, shares=(1, 0, 0), seed=1)
    np.testing.assert_allclose(patches.circle_shares(primary_only), [1, 0, 0])
    s = patches.circle_shares(X)
    assert s.sum() == pytest.approx(1) and s[1] > s[2] > 0 and s[1] < 0.3   # crossings count as primary
    with pytest.raises(ValueError, match="summing to 1"):
        patches.three_circle_sample(10, shares=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="noise"):
        patches.three_circle_sample(10, noise=-1)


def test_matched_noise_and_shares_recover_a_known_model():
    X = patches.three_circle_sample(3000, shares=(0.7, 0.2, 0.1), noise=0.1, seed=3)
    assert patches.matched_noise(X, seed=4) == pytest.approx(0.1, abs=0.021)
    sh = patches.matched_shares(X, noise=0.1, seed=4)
    assert sh[1:].sum() == pytest.approx(0.3, abs=0.05)


@pytest.mark.slow
def test_five_bar_power_on_a_clean_model_is_high(tmp_path):
    from toponet.calibration import calibrate_circle

    cal = calibrate_circle(300, 5, 1.0)        # committed in results/calibration
    pw = patches.three_circle_bars_power(cal, noise=0.05, power_draws=5, directory=tmp_path)
    assert pw["power"] == 1.0 and pw["counts"] == [5] * 5
    assert list(tmp_path.glob("patchbars-*.json"))    # cached beside the calibration
    again = patches.three_circle_bars_power(cal, noise=0.05, power_draws=5, directory=tmp_path)
    assert again["counts"] == pw["counts"]
    # the cache keys on the threshold it counted against: a recalibrated rule under the same name
    # (thresholds so high no bar beats them) recounts instead of reading the old counts
    higher = replace(cal, thresholds={kind: 2.5 for kind in cal.thresholds})
    recounted = patches.three_circle_bars_power(higher, noise=0.05, power_draws=5, directory=tmp_path)
    assert recounted["counts"] == [0] * 5 and recounted["threshold"] > 2.5


@pytest.mark.slow
def test_klein_bars_power_is_cached_and_checks_its_noise(tmp_path):
    from toponet.calibration import calibrate_circle

    cal = calibrate_circle(300, 5, 1.0)        # committed in results/calibration
    pw = patches.klein_bars_power(cal, noise=0.05, power_draws=3, directory=tmp_path)
    assert len(pw["counts"]) == 3 and 0 <= pw["power"] <= pw["power_any"] <= 1
    assert list(tmp_path.glob("kleinbars-*.json"))
    assert patches.klein_bars_power(cal, noise=0.05, power_draws=3, directory=tmp_path)["counts"] == pw["counts"]
    with pytest.raises(ValueError, match="noise"):
        patches.klein_bars_power(cal, noise=-1.0, directory=tmp_path)


# --- the chapter's glue -----------------------------------------------------------------------

def test_chapter_parameters_are_validated():
    from toponet.chapters import natural_patches as ch

    ok = dict(profile="smoke", k=300, p=0.3)
    assert ch.validate(ok)["k"] == (300, 15)
    with pytest.raises(ValueError, match="larger than 15"):
        ch.validate({**ok, "k": 15})
    with pytest.raises(ValueError, match="keeps 50 of 5,000"):
        ch.validate({**ok, "p": 0.01})
    with pytest.raises(ValueError, match="no patch scale for profile 'huge'"):
        ch.validate({**ok, "profile": "huge"})
    with pytest.raises(ValueError, match="below the paper's sample"):
        ch.validate({**ok, "k": 60000})


def test_every_book_profile_has_a_patch_scale():
    from toponet.book.profiles import PROFILES
    from toponet.chapters import natural_patches as ch

    for name, prof in PROFILES.items():
        ch.validate(prof.parameters(ch.CHAPTER))
    assert ch.scale("default")[1] == ch.PAPER_SAMPLE


def _fake_claim(bars, exceed_per_rank, draws=99):
    """A circle test whose ranks beat (exceed 0) or do not beat (exceed draws) the nulls."""
    from toponet.circle_decision import CircleTest, NullTest

    nulls = {k: NullTest(kind=k, draws=draws, exceed=exceed_per_rank[0], p=(1 + exceed_per_rank[0]) / (1 + draws),
                         null_values=np.full(draws, 0.3), effect_size=5.0) for k in ("gaussian", "shuffled")}
    exceed = {k: tuple((e, e) for e in exceed_per_rank) for k in ("gaussian", "shuffled")}
    test = CircleTest(n_points=300, n_core=300, k=5, p=1.0, bars=tuple((b, b) for b in bars), nulls=nulls,
                      exceed=exceed, draws=draws, bounds=None)

    cal = SimpleNamespace(n_points=300, k=5, p=1.0, draws=draws, power=1.0, false_positive_rate=0.0,
                          model_description="model", power_hits=40, power_draws=40, fpr_draws=40,
                          fpr_exceed={"gaussian": 0, "shuffled": 0}, fpr_too_high=False)
    return dict(test=test, calibration=cal)


@pytest.mark.parametrize("long_bars, power, verdict", [(5, 0.1, "reproduced"), (3, 0.2, "inconclusive"),
                                                       (3, 0.9, "partly"), (6, 0.9, "partly")])
def test_np2_rule_counts_bars_and_never_fails_on_low_power(long_bars, power, verdict):
    from toponet.chapters import natural_patches as ch

    bars = [1.0] * long_bars + [0.1] * (6 - long_bars)
    claim = _fake_claim(bars[:6], [0] * min(long_bars, 6) + [99] * (6 - min(long_bars, 6)))
    pw = dict(power=power, counts=[5, 4], noise=0.1, shares=[0.8, 0.1, 0.1])
    rule = ch.np2_rule(claim, pw)
    assert rule.verdict == verdict
    assert "99 draws" in rule.reasons[0] and rule.power == power


def _circle_cloud(n=3000, seed=0):
    """A primary circle (70 %) among gaussian directions: its dense core is the circle."""
    from toponet.ideal import gaussian_filters, primary_circle_sample

    m = int(0.7 * n)
    return np.vstack([primary_circle_sample(m, noise=0.1, seed=seed), gaussian_filters(n - m, seed=seed + 1)])


def test_cores_rescale_k_and_draw_a_test_sample():
    from toponet.chapters import natural_patches as ch

    X = _circle_cloud(5000)
    cm = ch.cores(X, (300, 15), 0.3, seed=1)
    assert [c.k for c in cm.values()] == [30, 5]                 # 300 * 5,000 / 50,000; 15 -> floor 5
    for c in cm.values():
        assert c.points.shape == (1500, 9) and c.test_sample.shape == (ch.TEST_POINTS, 9)
        assert np.median(distance_to_model(c.points).distances) < 0.4
    np.testing.assert_array_equal(cm[300].test_sample, ch.cores(X, (300,), 0.3, seed=1)[300].test_sample)
    with pytest.raises(ValueError, match=f"the test needs {ch.TEST_POINTS}"):
        ch.cores(X[:900], (300,), 0.3)
    small = ch.cores(X, (300,), 0.3, seed=1, points=ch.test_points("smoke"))[300]
    assert small.test_sample.shape == (ch.TEST_SIZES["smoke"], 9) and ch.display_sample(small).shape[0] <= 300
    with pytest.raises(ValueError, match="profile must be one of"):
        ch.test_points("huge")


def test_comparison_rows_measure_every_cloud_alike():
    from toponet.chapters import natural_patches as ch
    from toponet.ideal import gaussian_filters

    rows = ch.comparison_rows({"circle": (_circle_cloud(2000), "a"), "small": (gaussian_filters(200), "b")},
                              p=0.3, threshold=0.6)
    assert [r["cloud"] for r in rows] == ["circle", "small"] and rows[0].keys() == rows[1].keys()
    assert float(rows[0]["X(300, 30): median distance"]) < float(rows[1]["X(300, 30): median distance"])
    top = [float(v) for v in rows[0]["X(300, 30): top H1 bars"].split(", ")]
    assert top[0] > 2 * top[1]                                    # one circle


def test_learned_clouds_read_the_store_and_report_what_is_missing(monkeypatch):
    from toponet.chapters import natural_patches as ch

    class Art:
        networks, arch, iterations, dropped = 2, "M(64,32,64)", [0, 30], ()

        def conv_weights(self, layer):
            return np.random.default_rng(0).standard_normal((2, 64, 1, 3, 3))

    def fake(name, profile, *, train_if_missing=True, **kw):
        assert train_if_missing is False                          # the chapter never trains
        if name == "mnist":
            return Art()
        raise FileNotFoundError(f"no {name} at {profile}")

    monkeypatch.setattr(ch, "load_trained", fake)
    out = ch.learned_clouds("smoke", networks=2, iterations=30)
    (label, (X, desc)), = out["clouds"].items()
    assert label.startswith("MNIST") and X.shape == (128, 9) and "2 networks" in desc
    assert len(out["missing"]) == 1 and "CIFAR" in out["missing"][0]


@pytest.mark.slow
def test_core_claim_finds_one_circle_with_calibrated_nulls(tmp_path, monkeypatch):
    from toponet.chapters import natural_patches as ch

    monkeypatch.setenv("TOPONET_CALIBRATION", str(tmp_path))
    core = ch.cores(_circle_cloud(5000), (300,), 0.3)[300]
    claim = ch.core_claim(core, draws=20)      # p floor 1/21 < 0.05
    rule = ch.np1_rule(claim)
    assert claim["test"].draws == 20 and claim["calibration"].n_points == ch.TEST_POINTS
    assert rule.verdict == "reproduced" and all(n["draws"] == 20 for n in rule.nulls.values())


def test_closeness_places_clouds_between_random_filters_and_patches():
    from toponet.chapters import natural_patches as ch
    from toponet.ideal import gaussian_filters

    circle, rand = _circle_cloud(3000), gaussian_filters(3000, seed=9)
    half = np.vstack([circle[:1500], rand[:1500]])
    res = ch.closeness({"patches": (circle, ""), "half": (half, ""), "random": (rand, "")}, p=0.3,
                       reference="patches", null="random")
    assert res["patches"][1] == pytest.approx(1) and res["random"][1] == pytest.approx(0)
    assert 0 < res["half"][1] <= 1
    assert "half: " in ch.closeness_text(res, reference="patches", null="random")
    with pytest.raises(ValueError, match="reference 'x'"):
        ch.closeness({"a": (circle, "")}, p=0.3, reference="x", null="a")


def test_three_circle_sample_keeps_n_when_the_secondaries_round_up():
    # n = 3 with shares (0, .5, .5) rounds to 2 + 2 secondary filters: the sample still has n rows
    from toponet.patches import three_circle_sample

    X = three_circle_sample(3, shares=(0.0, 0.5, 0.5), seed=1)
    assert X.shape == (3, 9) and np.all(np.isfinite(X))
    assert np.array_equal(three_circle_sample(30, seed=2), three_circle_sample(30, seed=2))
