import numpy as np
import pytest

from toponet import ideal


def test_primary_circle_is_normalized_linear_edges():
    F = ideal.primary_circle(np.array([0.0, np.pi / 2]))
    np.testing.assert_allclose(np.linalg.norm(F, axis=1), 1)
    np.testing.assert_allclose(F.mean(axis=1), 0, atol=1e-15)
    # theta = 0 is a vertical edge: dark left column, bright right column
    np.testing.assert_allclose(F[0].reshape(3, 3), np.tile([-1, 0, 1], (3, 1)) / np.sqrt(6))
    # theta = pi/2 is a horizontal edge, bright at the top row
    np.testing.assert_allclose(F[1].reshape(3, 3), np.array([[1] * 3, [0] * 3, [-1] * 3]) / np.sqrt(6), atol=1e-12)


def test_klein_identification():
    rng = np.random.default_rng(0)
    t1, t2 = rng.uniform(0, 2 * np.pi, (2, 500))
    np.testing.assert_allclose(ideal.klein_bottle(t1 + np.pi, t2), ideal.klein_bottle(t1, -t2), atol=1e-12)


def test_klein_contains_primary_circle():
    t = np.linspace(0, 2 * np.pi, 50)
    np.testing.assert_allclose(ideal.klein_bottle(t, np.pi / 2), ideal.primary_circle(t), atol=1e-12)


def test_ideal_filters_lie_at_distance_zero_from_their_model():
    rng = np.random.default_rng(1)
    t1, t2 = rng.uniform(0, 2 * np.pi, (2, 300))
    d = ideal.distance_to_model(ideal.primary_circle(t1), "primary_circle")
    assert d.distances.max() < 1e-7 and d.fraction_within == 1.0
    # grid search over theta1: error bounded by the grid (720 angles)
    d = ideal.distance_to_model(ideal.klein_bottle(t1, t2), "klein_bottle")
    assert d.distances.max() < 0.01
    # the secondary circles are at theta1 = 0 and pi/2
    sec = ideal.klein_bottle(np.r_[np.zeros(50), np.full(50, np.pi / 2)], rng.uniform(0, 6.3, 100))
    assert ideal.distance_to_model(sec, "three_circles").distances.max() < 1e-7


def test_distance_is_exact_for_a_known_point():
    # A pure line (theta2 = 0) is at 90 degrees from every edge: distance sqrt(2) to the circle.
    line = ideal.klein_bottle(0.3, 0.0)[None]
    d = ideal.distance_to_model(line, "primary_circle").distances[0]
    np.testing.assert_allclose(d, np.sqrt(2), atol=1e-12)
    assert ideal.distance_to_model(line, "klein_bottle").distances[0] < 0.01


def test_gaussian_filters_are_far_from_the_circle():
    g = ideal.gaussian_filters(2000, seed=0)
    edges = ideal.primary_circle_sample(2000, noise=0.05, seed=0)
    dg = ideal.distance_to_model(g, threshold=0.3)
    de = ideal.distance_to_model(edges, threshold=0.3)
    assert de.fraction_within > 0.95 and dg.fraction_within < 0.05
    assert np.median(dg.distances) > 1.0


def test_samples_are_seeded():
    np.testing.assert_array_equal(ideal.klein_bottle_sample(10, noise=0.1, seed=3),
                                  ideal.klein_bottle_sample(10, noise=0.1, seed=3))
    assert not np.allclose(ideal.gaussian_filters(5, seed=1), ideal.gaussian_filters(5, seed=2))


def test_filter_banks():
    assert ideal.circle_filter_bank(64).shape == (64, 3, 3)
    K = ideal.klein_filter_bank(64).reshape(64, 9)
    assert K.shape == (64, 9) and ideal.distance_to_model(K, "klein_bottle").distances.max() < 0.01


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="9 columns"):
        ideal.distance_to_model(np.ones((4, 4)))
    with pytest.raises(ValueError, match="model must be one of"):
        ideal.distance_to_model(ideal.gaussian_filters(3), "torus")
    with pytest.raises(TypeError, match="n must be an integer"):
        ideal.gaussian_filters(2.5)
