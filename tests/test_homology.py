import numpy as np
import pytest
from scipy.spatial.distance import cdist

from toponet import homology
from toponet.homology import (PersistenceResult, lifetimes, maxmin_landmarks, persistence,
                              top_h1_lifetime)
from toponet.ideal import gaussian_filters, klein_bottle_sample, primary_circle_sample


def circle_in_r9(n, *, radius=1.0, noise=0.05, seed=0):
    """A circle of ``radius`` in a random 2-plane of R^9, plus gaussian noise per entry."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((9, 2)))
    t = rng.uniform(0, 2 * np.pi, n)
    return radius * np.c_[np.cos(t), np.sin(t)] @ Q.T + noise * rng.standard_normal((n, 9))


# --- known answers ----------------------------------------------------------------------

def test_noisy_circle_has_one_long_h1_bar_dying_near_r_sqrt3():
    res = persistence(circle_in_r9(300, noise=0.05))
    life = res.lifetimes(1)
    assert life[0] > 5 * life[1]
    top = res.diagrams[1][np.argmax(res.diagrams[1][:, 1] - res.diagrams[1][:, 0])]
    # The Rips H1 class of a circle of radius r dies when inscribed equilateral triangles
    # appear: edge r*sqrt(3). Noise of norm ~0.15 shortens some chords a little.
    assert 0.85 * np.sqrt(3) < top[1] <= 1.02 * np.sqrt(3)
    assert res.top_lifetime(1) == pytest.approx(top[1] - top[0])


def test_nearly_clean_circle_matches_theory_and_scales_with_radius():
    res1 = persistence(circle_in_r9(300, noise=0.005, seed=1))
    res2 = persistence(circle_in_r9(300, radius=2.0, noise=0.01, seed=1))
    d1 = res1.diagrams[1][:, 1].max()
    assert d1 == pytest.approx(np.sqrt(3), rel=0.02)
    # Rips is scale-equivariant: same angles, twice the radius and noise, twice every bar.
    assert res2.top_lifetime(1) == pytest.approx(2 * res1.top_lifetime(1), rel=1e-9)
    assert res1.top_lifetime(1) > 0.9 * np.sqrt(3)


def test_klein_bottle_has_at_least_two_long_h1_bars():
    kb = persistence(klein_bottle_sample(500, noise=0.02, seed=0)).lifetimes(1)
    null = persistence(gaussian_filters(500, seed=0)).top_lifetime(1)
    assert np.sum(kb > 2 * null) >= 2


def test_gaussian_blob_has_no_long_bar(rng):
    X = rng.standard_normal((400, 9))
    life = persistence(X).lifetimes(1)
    assert life[0] < 1.5 * life[1]
    assert life[0] < 0.1 * cdist(X, X).max()


def test_h0_has_one_infinite_bar_and_n_bars_in_all():
    X = circle_in_r9(200)
    d0 = persistence(X).diagrams[0]
    assert np.isinf(d0[:, 1]).sum() == 1
    assert d0.shape[0] <= 200 and np.all(d0[:, 0] == 0)
    # Single linkage: the finite H0 deaths are the minimum spanning tree's edge lengths.
    from scipy.sparse.csgraph import minimum_spanning_tree
    mst = np.sort(minimum_spanning_tree(cdist(X, X)).data)
    np.testing.assert_allclose(np.sort(d0[np.isfinite(d0[:, 1]), 1]), mst, rtol=1e-6)


def test_two_points_have_no_h1():
    res = persistence(np.array([[0.0, 0.0], [3.0, 4.0]]))
    assert res.top_lifetime(1) == 0.0
    np.testing.assert_allclose(res.lifetimes(0), [5.0], rtol=1e-6)


# --- landmarks --------------------------------------------------------------------------

def test_maxmin_landmarks_on_a_line():
    X = np.arange(11.0)[:, None]
    lm, eps = maxmin_landmarks(X, 3, seed=0)
    # Start at the seeded point 9; farthest from it is 0; farthest from {9, 0} are 4 and 5
    # (both 4 away), and the tie goes to the first index. Then every point is within 2.
    assert np.random.default_rng(0).integers(11) == 9
    np.testing.assert_array_equal(lm, [9, 0, 4])
    assert eps == 2.0


def test_maxmin_covering_radius_is_the_hausdorff_distance(rng):
    X = rng.standard_normal((600, 9))
    for seed in (0, 1):
        lm, eps = maxmin_landmarks(X, 50, seed=seed)
        assert len(set(lm)) == 50
        assert eps == pytest.approx(cdist(X, X[lm]).min(axis=1).max(), rel=1e-12)
    np.testing.assert_array_equal(maxmin_landmarks(X, 50, seed=3)[0], maxmin_landmarks(X, 50, seed=3)[0])
    assert maxmin_landmarks(X, 50, seed=3)[0][0] != maxmin_landmarks(X, 50, seed=4)[0][0]


def _landmark_error(X, L, seed=0):
    exact = persistence(X, n_landmarks=None)
    approx = persistence(X, n_landmarks=L, seed=seed)
    return exact, approx, abs(exact.top_lifetime(1) - approx.top_lifetime(1))


def test_landmarks_reproduce_the_exact_top_h1_lifetime_within_the_bound():
    X = circle_in_r9(500, noise=0.05, seed=2)
    exact, approx, err = _landmark_error(X, 150)
    assert exact.covering_radius == 0 and exact.landmarks is None
    assert approx.landmarks.shape == (150,) and approx.covering_radius > 0
    assert err <= approx.lifetime_bound == pytest.approx(4 * approx.covering_radius)
    assert err < 0.15 * exact.top_lifetime(1)         # and far inside the bound here


@pytest.mark.slow
@pytest.mark.parametrize("cloud", ["two circles", "circle and gaussian"])
def test_landmarks_within_bound_on_1500_points(cloud):
    if cloud == "two circles":
        X = np.vstack([circle_in_r9(1000, noise=0.05, seed=3), 0.8 * circle_in_r9(500, noise=0.3, seed=4)])
    else:
        X = np.vstack([primary_circle_sample(1000, noise=0.1, seed=9), gaussian_filters(500, seed=10)])
    exact, approx, err = _landmark_error(X, 800)
    print(f"\n{cloud}, 1500 points, 800 landmarks: exact top H1 {exact.top_lifetime(1):.3f}, landmarks "
          f"{approx.top_lifetime(1):.3f}; covering radius {approx.covering_radius:.3f}, "
          f"bound {approx.lifetime_bound:.3f}, actual error {err:.3f}")
    assert err <= approx.lifetime_bound


def test_auto_policy():
    lo, hi = homology.AUTO_LANDMARKS
    assert homology._auto_landmarks(homology.EXACT_MAX_POINTS) is None
    assert homology._auto_landmarks(2_000) == lo
    assert homology._auto_landmarks(20_480) == min(hi, max(lo, 20_480 // 20))
    assert homology._auto_landmarks(10**7) == hi


def test_auto_picks_exact_for_small_and_landmarks_for_large(monkeypatch):
    monkeypatch.setattr(homology, "EXACT_MAX_POINTS", 300)
    monkeypatch.setattr(homology, "AUTO_LANDMARKS", (150, 400))
    small = persistence(circle_in_r9(200), n_landmarks="auto")
    assert small.landmarks is None and "exact" in small.method and "200 points" in small.method
    big = persistence(circle_in_r9(2000, noise=0.02), n_landmarks="auto")
    assert big.landmarks.size == 150 and big.n_points == 2000
    assert "150 maxmin landmarks of 2,000 points" in big.method and "covering radius" in big.method
    # An int at least the cloud size means exact.
    assert persistence(circle_in_r9(100), n_landmarks=500).landmarks is None


def test_landmark_result_is_seeded():
    X = circle_in_r9(400, noise=0.1)
    a, b = persistence(X, n_landmarks=100, seed=7), persistence(X, n_landmarks=100, seed=7)
    np.testing.assert_array_equal(a.landmarks, b.landmarks)
    np.testing.assert_array_equal(a.diagrams[1], b.diagrams[1])


# --- API ----------------------------------------------------------------------------------

def test_lifetimes_and_top_h1_helpers():
    X = circle_in_r9(150)
    res = persistence(X)
    life = lifetimes(res, 1)
    assert np.all(np.diff(life) <= 0) and np.all(np.isfinite(life))
    assert top_h1_lifetime(res) == life[0] == res.top_lifetime(1)
    assert top_h1_lifetime(X, n_landmarks=None) == pytest.approx(life[0])
    assert np.all(np.isfinite(res.lifetimes(0))) and res.lifetimes(0).size == res.diagrams[0].shape[0] - 1
    assert isinstance(res, PersistenceResult)
    with pytest.raises(ValueError, match="dimensions 0..1"):
        res.lifetimes(2)
    assert persistence(X, maxdim=2).diagrams[2].shape[1] == 2
    assert len(persistence(X, maxdim=0).diagrams) == 1
    with pytest.raises(TypeError, match="PersistenceResult"):
        lifetimes(X, 1)
    with pytest.raises(TypeError, match="only when a cloud is given"):
        top_h1_lifetime(res, seed=1)


def test_results_are_read_only():
    res = persistence(circle_in_r9(100), n_landmarks=50)
    with pytest.raises(ValueError):
        res.diagrams[1][0, 0] = 1.0
    with pytest.raises(AttributeError):
        res.method = "x"


@pytest.mark.parametrize("kw, err, msg", [
    (dict(n_landmarks="many"), ValueError, "n_landmarks"),
    (dict(n_landmarks=1), ValueError, "n_landmarks must be >= 2"),
    (dict(n_landmarks=2.5), TypeError, "n_landmarks"),
    (dict(maxdim=-1), ValueError, "maxdim"),
    (dict(n_threads=0), ValueError, "n_threads"),
])
def test_bad_arguments(kw, err, msg):
    with pytest.raises(err, match=msg):
        persistence(circle_in_r9(50), **kw)


def test_bad_clouds():
    X = circle_in_r9(50)
    X[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        persistence(X)
    with pytest.raises(ValueError, match="empty point cloud"):
        persistence(np.empty((0, 9)))
