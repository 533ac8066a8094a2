import numpy as np
import pytest
import torch

from toponet.filters import FilterCloud, normalize, spatial_filters


def test_spatial_filters_shape_and_order():
    W = np.arange(2 * 3 * 3 * 3, dtype=float).reshape(2, 3, 3, 3)
    X = spatial_filters(W)
    assert X.shape == (6, 9)
    # row o * in + i is the slice W[o, i], read row by row
    np.testing.assert_array_equal(X[1 * 3 + 2], W[1, 2].ravel())


def test_spatial_filters_from_model_layer():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 5, 3))
    assert spatial_filters(model, layer=1).shape == (4, 9)
    assert spatial_filters(model, layer=2).shape == (20, 9)
    with pytest.raises(ValueError, match="1..2"):
        spatial_filters(model, layer=3)
    with pytest.raises(ValueError, match="layer is required"):
        spatial_filters(model)


def test_spatial_filters_rejects_bad_shapes_and_nan():
    with pytest.raises(ValueError, match=r"\(out, in, h, w\)"):
        spatial_filters(np.zeros((3, 3, 3)))
    W = np.ones((2, 1, 3, 3))
    W[1, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        spatial_filters(W)


def test_normalize_is_mean_centered_unit_norm_and_drops_constants(caplog):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 9)) * 5 + 3
    X[3] = 7.0  # a constant filter has no direction
    Xn, kept = normalize(X)
    assert kept.sum() == 9 and not kept[3]
    np.testing.assert_allclose(Xn.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(Xn, axis=1), 1, atol=1e-12)
    assert "dropped 1 of 10" in caplog.text
    # scaling and shifting a filter does not move it
    Xn2, _ = normalize(3 * X + 11)
    np.testing.assert_allclose(Xn2, Xn, atol=1e-12)


def test_normalize_all_constant_is_an_error():
    with pytest.raises(ValueError, match="all 4 filters are constant"):
        normalize(np.ones((4, 9)))


def test_normalize_empty_cloud_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        normalize(np.zeros((0, 9)))


def test_filter_cloud_pools_networks():
    W = np.random.default_rng(1).normal(size=(3, 8, 1, 3, 3))  # 3 networks x 8 filters
    cloud = FilterCloud.from_weights(W, label="3 x M^1")
    assert cloud.points.shape == (24, 9) and cloud.n_dropped == 0 and cloud.n_points == 24
