"""The surface test of L2 (toponet.surface): its calibration on known answers."""
from __future__ import annotations

import json

import numpy as np
import pytest

from toponet.surface import (SurfaceCalibration, check_surface_doc, neuron_subsample, surface_calibration,
                             surface_stats, surface_test, time_shuffled)


def surface_trajectories(n_neurons=40, records=30, dim=40, noise=1e-3, seed=0):
    """Neurons spread along s in [0, 1] move smoothly in t along a curved 2-D sheet in R^dim."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(dim, 4)))[0].T
    s = np.linspace(0, 1, n_neurons)[None, :, None]
    t = np.linspace(0, 1, records + 1)[:, None, None]
    F = np.concatenate(np.broadcast_arrays(3 * t + 0 * s, 2 * s * (0.5 + t), np.sin(3 * t) * s, (t ** 2) * (1 - s)),
                       axis=2)
    return (F @ Q + noise * rng.standard_normal((records + 1, n_neurons, dim))).astype(np.float32)


def test_surface_test_known_answers():
    W = surface_trajectories(n_neurons=25, records=20)
    found = surface_test(W, draws=39)
    assert found.dimension == 2 and found.p == 1 / 40 and found.is_surface      # beats all 39 shuffles
    # time-shuffled trajectories are not called a surface
    shuffled = surface_test(time_shuffled(W, np.random.default_rng(5)), draws=19)
    assert not shuffled.is_surface
    # one curve (all neurons on the same path, slightly apart) is 1-D, not a surface
    curve = surface_trajectories(n_neurons=1, records=200, noise=0.0)       # s = 0: one neuron's path
    c = surface_test(curve, draws=19)
    assert c.dimension == 1 and not c.is_surface
    assert found.record()["draws"] == 39 and "39 draws" in found.describe()
    with pytest.raises(ValueError, match="recordings"):
        surface_test(W[:2])


def test_time_shuffled_keeps_each_neurons_steps_and_end():
    W = surface_trajectories(n_neurons=5, records=8, dim=6)
    S = time_shuffled(W, np.random.default_rng(0))
    np.testing.assert_allclose(S[0], W[0])
    np.testing.assert_allclose(S[-1], W[-1], atol=1e-5)
    for i in range(5):
        a = np.sort(np.linalg.norm(np.diff(W[:, i], axis=0), axis=1))
        np.testing.assert_allclose(np.sort(np.linalg.norm(np.diff(S[:, i], axis=0), axis=1)), a, rtol=1e-4)


def sheet():
    """A small sheet (12 neurons, 13 recordings in R^12): fast enough for 200 simulations."""
    return surface_trajectories(n_neurons=12, records=12, dim=12)


def test_stats_match_the_svd_of_each_neighbourhood():
    from sklearn.neighbors import NearestNeighbors
    W = sheet()
    X = W.reshape(-1, W.shape[-1])
    c = np.random.default_rng(0).choice(len(X), min(500, len(X)), replace=False)
    _, idx = NearestNeighbors(n_neighbors=21).fit(X).kneighbors(X[c])
    P = (X[idx] - X[idx].mean(axis=1, keepdims=True)).astype(np.float64)
    s = np.linalg.svd(P, compute_uv=False) ** 2
    fr = np.cumsum(s, axis=1) / s.sum(axis=1, keepdims=True)
    dim, res = surface_stats(W)
    assert dim == float(np.median(np.minimum((fr < 0.9).sum(axis=1) + 1, fr.shape[1])))
    assert res == pytest.approx(float(np.median(1 - fr[:, 1])), rel=1e-9, abs=1e-12)


def test_false_positive_rate_on_null_data_is_at_most_five_percent_and_power_on_a_sheet(tmp_path):
    """200 simulations where the null holds (time-shuffled clouds): the rule fires on at most 5 %;
    noisy models of a smooth sheet: found every time."""
    W = sheet()
    cal = surface_calibration(W, sims=200, models=8, directory=tmp_path)
    assert cal.sims == 200 and cal.false_positive_rate <= 0.05
    assert cal.power >= 0.8
    assert "false positives" in cal.describe() and "200" in cal.describe()
    # stored, and read back without recomputing
    files = list(tmp_path.glob("surface-v2-*.json"))
    assert len(files) == 1
    again = surface_calibration(W, sims=200, models=8, directory=tmp_path, compute=False)
    assert again == cal
    # same seed, same numbers (a fresh directory recomputes)
    assert surface_calibration(W, sims=200, models=8, directory=tmp_path / "b") == cal


def test_the_null_itself_has_no_power_to_be_called_a_surface(tmp_path):
    """The time-shuffled trajectories of a sheet are the null: models of them are rarely called a surface."""
    W = time_shuffled(sheet(), np.random.default_rng(3))
    cal = surface_calibration(W, sims=20, models=8, directory=tmp_path)
    assert cal.power <= 0.25


def test_neuron_subsample_keeps_whole_trajectories():
    W = sheet()
    M = neuron_subsample(W, np.random.default_rng(0))
    assert M.shape == (W.shape[0], round(0.8 * W.shape[1]), W.shape[2])
    # every kept neuron is one of the data's, whole and in time order
    assert all(any(np.array_equal(M[:, i], W[:, j]) for j in range(W.shape[1])) for i in range(M.shape[1]))
    with pytest.raises(ValueError, match="fraction"):
        neuron_subsample(W, np.random.default_rng(0), fraction=0)


def test_stored_counts_are_checked(tmp_path):
    W = sheet()
    surface_calibration(W, sims=20, models=3, directory=tmp_path)
    path = next(tmp_path.glob("surface-v2-*.json"))
    doc = json.loads(path.read_text())
    assert check_surface_doc(doc) is None
    doc["fires"] += 1
    assert "not the count" in check_surface_doc(doc)
    doc["fires"] -= 1
    doc["detected"] = doc["models"] + 1
    assert "not the count" in check_surface_doc(doc)
    # an edited file is not read back (its seal breaks); without compute nothing is returned
    text = json.loads(path.read_text())
    text["fires"] = text["fires"] + 1
    path.write_text(json.dumps(text))
    assert surface_calibration(W, sims=20, models=3, directory=tmp_path, compute=False) is None


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="recordings"):
        surface_calibration(np.zeros((2, 3, 4)))
    W = sheet()
    W[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        surface_calibration(W)
    with pytest.raises((ValueError, TypeError), match="sims"):
        surface_calibration(sheet(), sims=0)


def test_calibration_properties():
    c = SurfaceCalibration(sims=200, fires=8, pool=299, draws=99, models=40, detected=30, model_draws=39,
                           n_points=100, seed=0)
    assert c.false_positive_rate == 0.04 and c.power == 0.75
    lo, hi = c.fpr_interval
    assert lo < 0.04 < hi
