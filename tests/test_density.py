import numpy as np
import pytest
from scipy.spatial.distance import cdist

import toponet.density as density
from toponet.density import density_filtration, knn_distance
from toponet.ideal import gaussian_filters, primary_circle_sample


def brute_knn(X, k):
    D = np.sort(cdist(X, X), axis=1)
    return D[:, k]          # column 0 is the point itself


def mixture(n, seed=0):
    """Half noisy primary circle, half gaussian filters: dense and sparse regions."""
    return np.vstack([primary_circle_sample(n // 2, noise=0.2, seed=seed),
                      gaussian_filters(n - n // 2, seed=seed + 1)])


# --- knn_distance -----------------------------------------------------------------------

def test_knn_distance_on_a_line_by_hand():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(knn_distance(X, 1), [1, 1, 2, 4])
    np.testing.assert_allclose(knn_distance(X, 2), [3, 2, 3, 6])
    np.testing.assert_allclose(knn_distance(X, 3), [7, 6, 4, 7])


def test_knn_distance_counts_duplicates_but_not_the_point_itself():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(knn_distance(X, 1), [0, 0, 5])
    np.testing.assert_allclose(knn_distance(X, 2), [5, 5, 5])


@pytest.mark.parametrize("k", [1, 5, 15])
def test_knn_distance_matches_brute_force_on_normalized_filters(k):
    # Normalized filters span an 8-dim subspace: the rank reduction must not change anything.
    X = mixture(1500)
    np.testing.assert_allclose(knn_distance(X, k), brute_knn(X, k), rtol=0, atol=1e-12)


def test_knn_distance_matches_brute_force_on_a_general_cloud(rng):
    X = rng.standard_normal((800, 5)) * [1, 10, 0.1, 3, 1] + 100.0
    np.testing.assert_allclose(knn_distance(X, 7), brute_knn(X, 7), rtol=1e-12, atol=1e-10)


def test_knn_distance_in_a_flat_subspace_of_full_dimension(rng):
    # Points in a 2-plane of R^6: four axes have no extent and are dropped.
    X = rng.standard_normal((500, 2)) @ rng.standard_normal((2, 6))
    np.testing.assert_allclose(knn_distance(X, 4), brute_knn(X, 4), atol=1e-12)


# --- density_filtration -----------------------------------------------------------------

@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.9])
def test_density_filtration_keeps_the_smallest_knn_distances(p):
    X = mixture(1200)
    kept, idx = density_filtration(X, 10, p, return_index=True)
    m = max(1, round(p * len(X)))
    assert kept.shape == (m, 9) and idx.shape == (m,)
    d = brute_knn(X, 10)
    expected = np.sort(np.lexsort((np.arange(len(X)), d))[:m])
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_array_equal(kept, X[idx])
    assert np.all(np.diff(idx) > 0)      # original order


def test_density_filtration_keeps_the_dense_part_of_a_mixture():
    X = mixture(2000)
    _, idx = density_filtration(X, 15, 0.25, return_index=True)
    assert np.mean(idx < 1000) > 0.95     # the circle half is far denser than the sphere


def test_density_filtration_breaks_ties_by_index():
    # A shuffled integer grid: every point's nearest neighbour is exactly 1 away.
    X = np.random.default_rng(5).permutation(np.stack(np.meshgrid(np.arange(8.0), np.arange(5.0)), -1).reshape(-1, 2))
    np.testing.assert_array_equal(knn_distance(X, 1), np.ones(40))
    np.testing.assert_array_equal(density_filtration(X, 1, 0.25, return_index=True)[1], np.arange(10))


def test_density_filtration_counts():
    X = mixture(101)
    assert density_filtration(X, 3, 1.0).shape == (101, 9)
    assert density_filtration(X, 3, 0.001).shape == (1, 9)     # at least one point
    assert density_filtration(X, 3, 0.3).shape == (30, 9)
    assert density_filtration(X, 3, 0.5).shape == (50, 9)      # round(50.5) = 50, as in numpy


def test_density_filtration_p1_returns_everything_in_order():
    X = mixture(50)
    kept, idx = density_filtration(X, 5, 1.0, return_index=True)
    np.testing.assert_array_equal(idx, np.arange(50))
    np.testing.assert_array_equal(kept, X)


@pytest.mark.parametrize("p", [0.02, 0.1, 0.4])
def test_capped_search_gives_the_same_answer(monkeypatch, p):
    X = mixture(6000, seed=3)
    full = density_filtration(X, 15, p, return_index=True)[1]
    monkeypatch.setattr(density, "CAPPED_SEARCH_MIN_POINTS", 100)
    capped = density_filtration(X, 15, p, return_index=True)[1]
    np.testing.assert_array_equal(capped, full)
    d = brute_knn(X, 15)
    np.testing.assert_array_equal(capped, np.sort(np.lexsort((np.arange(len(X)), d))[:len(capped)]))


def test_capped_search_falls_back_when_the_cap_is_too_small(monkeypatch):
    X = mixture(3000, seed=4)
    expected = density_filtration(X, 15, 0.2, return_index=True)[1]
    calls = []
    real = density._knn

    def shrunken(X_, Y, tree, rows, k, upper_bound=None):
        calls.append(upper_bound)
        return real(X_, Y, tree, rows, k, None if upper_bound is None else upper_bound * 0.5)

    monkeypatch.setattr(density, "CAPPED_SEARCH_MIN_POINTS", 100)
    monkeypatch.setattr(density, "_knn", shrunken)
    np.testing.assert_array_equal(density_filtration(X, 15, 0.2, return_index=True)[1], expected)
    assert calls[-2] is not None and calls[-1] is None       # capped, then the full search


# --- errors -----------------------------------------------------------------------------

def test_k_too_large_names_the_cloud_size():
    with pytest.raises(ValueError, match="k=200 but the cloud has only 150 points"):
        density_filtration(mixture(150), 200, 0.3)
    with pytest.raises(ValueError, match="k=150 but the cloud has only 150 points"):
        knn_distance(mixture(150), 150)


@pytest.mark.parametrize("k, err", [(0, ValueError), (-3, ValueError), (2.0, TypeError), ("5", TypeError),
                                    (True, TypeError)])
def test_bad_k(k, err):
    with pytest.raises(err, match="k"):
        density_filtration(mixture(50), k, 0.3)


@pytest.mark.parametrize("p", [0, -0.1, 1.5, float("nan")])
def test_bad_p(p):
    with pytest.raises(ValueError, match="p must lie in"):
        density_filtration(mixture(50), 5, p)


def test_bad_clouds():
    X = mixture(50)
    X[7, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        density_filtration(X, 5, 0.3)
    X[7, 3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        knn_distance(X, 5)
    with pytest.raises(ValueError, match="empty point cloud"):
        density_filtration(np.empty((0, 9)), 5, 0.3)
    with pytest.raises(ValueError, match=r"shape \(n_points, n_features\)"):
        density_filtration(np.ones(9), 1, 0.3)
    with pytest.raises(ValueError, match=r"shape \(n_points, n_features\)"):
        knn_distance(np.ones((4, 3, 3)), 1)
