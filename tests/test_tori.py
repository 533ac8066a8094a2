"""U1 (UMass Sec. 3.3): linked tori, N_ReLU / N_abs, long H0 bars; the store's array pair."""
import numpy as np
import pytest

from toponet.store import Store
from toponet.chapters.umass.tori import (ToriConfig, ToriStudyConfig, first_hidden, h0_components, linked_tori,
                          long_h0_bars, split_tori, tori_network, tori_study, train_tori)


def test_tori_lie_on_their_surfaces_and_are_linked():
    X, y = linked_tori(500, central_radius=15, tube_radius=2, seed=1)
    assert X.shape == (1000, 3) and np.bincount(y).tolist() == [500, 500]
    a, b = X[y == 0], X[y == 1]
    # distance to the core circle is the tube radius: torus 0 around z, torus 1 around y at x = 15
    d0 = np.hypot(np.hypot(a[:, 0], a[:, 1]) - 15, a[:, 2])
    d1 = np.hypot(np.hypot(b[:, 0] - 15, b[:, 2]) - 15, b[:, 1])
    np.testing.assert_allclose(d0, 2, atol=1e-9)
    np.testing.assert_allclose(d1, 2, atol=1e-9)
    # linked: torus 1's core crosses the xy-plane once inside torus 0's hole (x=0) and once outside (x=30)
    near_plane = b[np.abs(b[:, 2]) < 1.0]
    assert (near_plane[:, 0] < 3).any() and (near_plane[:, 0] > 27).any()
    # and the surfaces never meet: closest points are 15 - 2 * 2 = 11 apart
    from scipy.spatial.distance import cdist
    assert cdist(a, b).min() > 10.5


def test_sampling_is_seeded_and_split_sizes():
    X1, y1 = linked_tori(100, seed=3)
    X2, _ = linked_tori(100, seed=3)
    np.testing.assert_array_equal(X1, X2)
    Xtr, ytr, Xte, yte = split_tori(X1, y1, 150, seed=0)
    assert Xtr.shape == (150, 3) and Xte.shape == (50, 3) and len(ytr) == 150 and len(yte) == 50
    with pytest.raises(ValueError, match="n_train"):
        split_tori(X1, y1, 200)


def test_networks_follow_equations_2_and_3():
    import torch
    relu, absn = tori_network("relu", 0), tori_network("abs", 0)
    assert [type(m).__name__ for m in relu] == ["Linear", "ReLU", "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert type(absn[1]).__name__ == "Abs" and [type(m).__name__ for m in absn[2:]] == [
        "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert absn[-1].out_features == 2 and all(m.in_features == 3 for m in absn if hasattr(m, "in_features"))
    # same seed, same initialization; the first activation is |.|
    for p, q in zip(relu.parameters(), absn.parameters()):
        torch.testing.assert_close(p, q)
    X = np.array([[1.0, -2.0, 3.0]])
    h = first_hidden(absn, X)
    pre = absn[0](torch.tensor(X, dtype=torch.float32)).detach().numpy()
    np.testing.assert_allclose(h, np.abs(pre), rtol=1e-6)
    with pytest.raises(ValueError, match="activation"):
        tori_network("tanh", 0)


def test_training_is_deterministic_and_learns():
    cfg = ToriConfig(activation="abs", seed=1, n_per_torus=200, n_train=300, iterations=60)
    r1, r2 = train_tori(cfg), train_tori(cfg)
    assert r1.train_accuracy == r2.train_accuracy and np.array_equal(r1.loss, r2.loss)
    assert r1.loss[-1] < r1.loss[0]
    assert r1.hidden_test.shape == (100, 3)


def test_long_h0_bars_known_answers():
    rng = np.random.default_rng(0)
    blob = rng.normal(size=(300, 3))
    two = np.vstack([blob, rng.normal(size=(300, 3)) + [40, 0, 0]])
    three = np.vstack([two, rng.normal(size=(300, 3)) + [0, 40, 0]])
    assert h0_components(blob)[1] == 1
    assert h0_components(two)[1] == 2
    assert h0_components(three)[1] == 3
    # the input of U1: two linked tori are two components
    X, y = linked_tori(400, seed=0)
    assert h0_components(X)[1] == 2
    assert long_h0_bars(np.array([[0.0, np.inf]])) == 1
    with pytest.raises(ValueError, match="empty"):
        long_h0_bars(np.zeros((0, 2)))


def test_config_validation():
    with pytest.raises(ValueError, match="activation"):
        ToriConfig(activation="sigmoid")
    with pytest.raises(ValueError, match="intersect"):
        ToriConfig(central_radius=3, tube_radius=2)


def test_study_is_stored_and_read_back(tmp_path):
    store = Store(tmp_path)
    cfg = ToriStudyConfig(seeds=1, iterations=5)
    a = tori_study(cfg, store, progress=False)
    assert a["train_accuracy"].shape == (2,) and a["hidden_test"].shape == (2, 1000, 3)
    b = tori_study(cfg, store, progress=False)          # read back, not retrained
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k]), b[k])
    assert store.ls() == []                              # array folders are not shard artifacts
    from toponet.chapters.umass.tori import best_run, study_long_bars
    assert study_long_bars(b).shape == (2,) and set(study_long_bars(b)) <= {1, 2, 3, 4}
    assert best_run(b, "relu") == 0 and best_run(b, "abs") == 1
    with pytest.raises(ValueError, match="activation"):
        best_run(b, "tanh")
    meta = store.get_arrays(cfg)[1]
    assert meta["config"]["seeds"] == 1 and meta["arrays"]["hidden_test"]["shape"] == [2, 1000, 3]
    with pytest.raises(ValueError, match="empty"):
        store.put_arrays(cfg, {})


def _runs(acc_relu, acc_abs, bars_relu, bars_abs):
    n = len(acc_relu)
    return (np.r_[np.zeros(n, int), np.ones(n, int)], np.r_[acc_relu, acc_abs], np.r_[bars_relu, bars_abs],
            np.r_[np.arange(n), np.arange(n)])


def test_u1_rule_paired_tests_over_seeds():
    from toponet.chapters.umass.tori import u1_rule, u1_verdict
    rng = np.random.default_rng(0)
    relu = 0.97 + rng.normal(0, 0.005, 12)
    # 12 seeds, N_abs 3 points better and unlinking in 10 of 12: both parts pass
    act, acc, bars, seeds = _runs(relu, relu + 0.03, [1] * 12, [2] * 10 + [1] * 2)
    r = u1_rule(act, acc, bars, seeds=seeds)
    assert r.verdict == "reproduced" and r.power >= 0.8 and r.false_positive_rate <= 0.05
    assert [t["test"] for t in r.extra["tests"]] == ["paired permutation test"] * 2
    assert all(n["draws"] == 4095 for n in r.nulls.values())
    # accuracy only, unlinking never: partly
    act, acc, bars, seeds = _runs(relu, relu + 0.03, [1] * 12, [1] * 12)
    assert u1_rule(act, acc, bars, seeds=seeds).verdict == "partly"
    # 2 seeds: 4 sign patterns, smallest p 0.25: inconclusive whatever the runs
    act, acc, bars, seeds = _runs([0.98, 0.97], [1.0, 1.0], [1, 1], [2, 2])
    two = u1_verdict(act, acc, bars, seeds=seeds)
    assert two[0] == "inconclusive" and "described, not tested" in two[1][-1]
    # seeds are matched, not positions
    act, acc, bars, seeds = _runs(relu, relu + 0.03, [1] * 12, [2] * 10 + [1] * 2)
    perm = np.r_[np.arange(12), 12 + np.arange(12)[::-1]]
    assert u1_rule(act[perm], acc[perm], bars[perm], seeds=seeds[perm]).nulls == r.nulls
    with pytest.raises(ValueError, match="one length"):
        u1_verdict(np.array([0, 0, 1, 1]), [1.0], [1])
    with pytest.raises(ValueError, match="share their initialization seeds"):
        u1_rule(np.array([0, 0, 1]), [1.0, 1.0, 1.0], [1, 1, 1])


def test_u1_findings_follow_the_runs():
    from toponet.chapters.umass.tori import u1_findings
    act, acc, bars, seeds = _runs([0.957, 0.978, 0.96], [1.0, 0.956, 0.991], [1, 1, 1], [2, 1, 1])
    good = u1_findings(act, acc, bars, seeds=seeds)._repr_markdown_()
    assert "cannot decide" in good and "(7 draws, exact)" in good and "too little to count against it" in good
    assert "100% test accuracy in 1 of 3 seeds" in good and "two long $H_0$ bars" in good
    assert "between 95.6% and 99.1%, some of them below ReLU" in good
    assert "No $N_\\text{ReLU}$ run reached 100%: all 3 ended between 95.7% and 97.8%" in good
    assert "single long $H_0$ bar" in good
    act, acc, bars, seeds = _runs([1.0, 0.97, 0.99], [0.96, 0.95, 0.94], [2, 2, 1], [1, 1, 1])
    bad = u1_findings(act, acc, bars, seeds=seeds)._repr_markdown_()
    assert "No $N_{|\\cdot|}$ run reached 100%" in bad and "best 96.0%" in bad
    assert "1 $N_\\text{ReLU}$ run(s) reached 100%, against the paper" in bad and "1 of them have a single" in bad
    rng = np.random.default_rng(0)
    relu = 0.97 + rng.normal(0, 0.005, 12)
    act, acc, bars, seeds = _runs(relu, relu + 0.03, [1] * 12, [2] * 10 + [1] * 2)
    assert "The claim holds, including its caveat" in u1_findings(act, acc, bars, seeds=seeds)._repr_markdown_()
    with pytest.raises(ValueError, match="one length"):
        u1_findings(act, [1.0], [1])


def test_u1_verdict_row_counts_perfect_abs_runs_and_their_bars():
    from toponet.chapters.umass.tori import u1_rule, u1_verdict_row
    rng = np.random.default_rng(0)
    relu = 0.97 + rng.normal(0, 0.005, 12)
    act, acc, bars, seeds = _runs(relu, np.r_[[1.0] * 10, [0.99, 0.98]], [1] * 12, [2] * 10 + [1] * 2)
    rule = u1_rule(act, acc, bars, seeds=seeds)
    row = u1_verdict_row(rule, {"activation": act, "test_accuracy": acc}, bars, seeds=12, iterations=800,
                         profile="default", data="two linked tori")
    assert row.claim_id == "U1" and row.verdict == rule.verdict and row.networks == 12
    assert "N_abs 100% in 10/12 seeds" in row.ours and f"perfect N_abs {[2] * 10}, N_ReLU {[1] * 12}" in row.ours
    assert row.scale == "12 seeds x 2 nets, 800 full-batch Adam iterations (default)"
