"""U2 (UMass Sec. 4): the CNN, permuted labels, resumable training, label agreement."""
import numpy as np
import pytest

from toponet.chapters.umass.memorization import (MemorizationCNN, MemorizationConfig, _select, label_agreement,
                                  permuted_labels, train_memorization)


def fake_mnist(n, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    X = rng.integers(0, 40, (n, 28, 28, 1)).astype(np.uint8)
    X[np.arange(n), 2 + 2 * y, 5, 0] = 255
    return X, y


def test_cnn_is_equation_4():
    import torch
    net = MemorizationCNN(0)
    x = torch.zeros(2, 1, 28, 28)
    assert net(x).shape == (2, 10)
    assert net[:-1](x).shape == (2, 256)
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [(1, 256, (3, 3)), (256, 128, (3, 3))]
    assert net[7].in_features == 3200
    torch.testing.assert_close(MemorizationCNN(4)[0].weight, MemorizationCNN(4)[0].weight)


def test_permuted_labels_keep_counts_and_are_seeded():
    y = np.repeat(np.arange(10), 50)
    p = permuted_labels(y, 1)
    assert np.array_equal(np.bincount(p), np.bincount(y)) and np.array_equal(p, permuted_labels(y, 1))
    assert np.mean(p == y) < 0.3
    with pytest.raises(ValueError, match="non-empty"):
        permuted_labels(np.array([]), 0)


def test_select_permutes_train_and_test_together():
    X, y = fake_mnist(200)
    cfg = MemorizationConfig(labels="permuted", n_train=100, n_test=50)
    _, true_tr, ass_tr, _, true_te, ass_te = _select(cfg, X, y, X[:100], y[:100])
    assert np.array_equal(np.bincount(np.r_[true_tr, true_te], minlength=10),
                          np.bincount(np.r_[ass_tr, ass_te], minlength=10))
    assert np.mean(ass_tr == true_tr) < 0.4
    cfg_true = MemorizationConfig(labels="true", n_train=100, n_test=50)
    _, t2, a2, *_ = _select(cfg_true, X, y, X[:100], y[:100])
    assert np.array_equal(t2, a2)


def test_training_resumes_to_the_same_weights(tmp_path):
    X, y = fake_mnist(48)
    one = MemorizationConfig(labels="true", n_train=24, n_test=16, epochs=1, batch_size=12, lr=1e-3)
    two = MemorizationConfig(labels="true", n_train=24, n_test=16, epochs=2, batch_size=12, lr=1e-3)
    train_memorization(one, X, y, X, y, checkpoint_dir=tmp_path, progress=False)
    resumed = train_memorization(two, X, y, X, y, checkpoint_dir=tmp_path, progress=False)
    fresh = train_memorization(two, X, y, X, y, progress=False)
    np.testing.assert_allclose(resumed["train_accuracy"], fresh["train_accuracy"])
    np.testing.assert_allclose(resumed["softmax"], fresh["softmax"], rtol=1e-5, atol=1e-6)
    assert fresh["hidden"].shape[1] == 256 and fresh["hidden"].dtype == np.float16
    assert set(fresh["assigned"].tolist()) <= {1, 2} and len(fresh["true_digit"]) == len(fresh["softmax"])
    np.testing.assert_allclose(fresh["softmax"].sum(1), 1, rtol=1e-5)


def test_label_agreement_known_answers():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(100, 5)), rng.normal(size=(100, 5)) + 50
    X, y = np.vstack([a, b]), np.r_[np.zeros(100), np.ones(100)]
    assert label_agreement(X, y) == 1.0
    mixed = rng.integers(0, 2, 200)
    assert 0.35 < label_agreement(X, mixed, adjusted=False) < 0.65
    assert abs(label_agreement(X, mixed)) < 0.15
    ten = rng.integers(0, 10, 200)                       # ten mixed labels: raw ~0.1, adjusted ~0
    assert label_agreement(X, ten, adjusted=False) < 0.2 and abs(label_agreement(X, ten)) < 0.1
    with pytest.raises(ValueError, match="labels"):
        label_agreement(X, y[:-1])


def test_config_validation():
    with pytest.raises(ValueError, match="labels"):
        MemorizationConfig(labels="random")
    with pytest.raises(ValueError, match="digits"):
        MemorizationConfig(digits=(11,))


def _run(train, test, hidden, true_digit, assigned, softmax):
    return {"train_accuracy": np.array([train]), "test_accuracy": np.array([test]), "hidden": hidden,
            "true_digit": true_digit, "assigned": assigned, "softmax": softmax}


def test_u2_verdict_rule_and_scales():
    from toponet.chapters.registry import study
    from toponet.chapters.umass.memorization import u2_findings, u2_rule, u2_verdict
    rng = np.random.default_rng(0)
    digit = np.r_[np.ones(60, int), np.full(60, 2)]
    hidden = rng.normal(size=(120, 8)) + 20 * (digit[:, None] == 2)   # organized by digit
    assigned = rng.permutation(digit)
    soft_assigned = np.eye(10)[assigned] + 0.01 * rng.random((120, 10))
    soft_digit = np.eye(10)[digit] + 0.01 * rng.random((120, 10))
    N = _run(0.995, 0.988, hidden, digit, digit, soft_digit)
    good = _run(0.88, 0.096, hidden, digit, assigned, soft_assigned)
    r = u2_rule(N, good, simulations=50)
    assert r.verdict == "reproduced" and r.power >= 0.8 and r.false_positive_rate <= 0.05
    assert all(n["draws"] == 999 for n in r.nulls.values()) and r.nulls["(C) softmax beyond hidden layer (label-permutation test)"]["p"] <= 0.01
    assert u2_verdict(N, good, rule=r)[0] == "reproduced"
    # N' memorized, but its softmax follows the digits, not its labels: (B) only, (C) fails with power
    assert u2_rule(N, _run(0.9, 0.1, hidden, digit, assigned, soft_digit), simulations=50).verdict == "partly"
    # not memorized (30 % of its labels): inconclusive, whatever the layers show, as the chapter says
    weak = _run(0.30, 0.10, hidden, digit, assigned, soft_assigned)
    w = u2_rule(N, weak, simulations=50)
    assert w.verdict == "inconclusive" and "has not memorized" in " ".join(w.reasons)
    no_topo = _run(0.30, 0.30, rng.normal(size=(120, 8)), digit, assigned, soft_digit)   # hidden unorganized
    assert u2_rule(_run(0.5, 0.5, hidden, digit, digit, soft_digit), no_topo, simulations=50).verdict == "inconclusive"
    nums = u2_verdict(N, weak, rule=w)[2]
    text = u2_findings(nums, epochs_true=4, epochs_permuted=15, n_train=120, rule=w)._repr_markdown_()
    assert "Verdict: **inconclusive**, because $N'$ fits only 30.0%" in text and "(999 draws)" in text
    true, permuted = study("u2-true").config("smoke"), study("u2-permuted").config("smoke")
    assert true.labels == "true" and permuted.labels == "permuted" and permuted.epochs >= true.epochs
    with pytest.raises(ValueError, match="profile"):
        study("u2-true").config("huge")


def _nums(**kw):
    base = dict(N_train=0.776, N_test=0.744, Np_train=0.232, Np_test=0.116, Np_hidden_true=0.50,
                Np_hidden_assigned=0.08, Np_softmax_assigned=0.08)
    return {**base, **kw}


def test_u2_findings_pick_sentences_by_the_numbers():
    from toponet.chapters.umass.memorization import u2_findings
    small = u2_findings(_nums(), epochs_true=4, epochs_permuted=15, n_train=1000)._repr_markdown_()
    assert "does not test the paper's accuracies" in small and "77.6% / 74.4%" in small
    assert "starts to memorize" in small and "23.2%" in small and "(11.6%)" in small
    assert "does hold" in small and "(adjusted agreement 0.50)" in small
    assert "cannot decide *where*" in small
    full = u2_findings(_nums(N_train=0.996, N_test=0.988, Np_train=0.9, Np_test=0.1, Np_hidden_true=0.05,
                             Np_hidden_assigned=0.04, Np_softmax_assigned=0.9),
                       epochs_true=20, epochs_permuted=100, n_train=60000)._repr_markdown_()
    assert "of the paper's kind" in full and "60,000 images" in full and "90.0%" in full
    assert "does not hold here" in full and "the last layer does the memorizing" in full
    assert "does not test" not in full and "does hold." not in full
    none = u2_findings(_nums(Np_train=0.1, Np_test=0.3), epochs_true=1, epochs_permuted=1, n_train=10)._repr_markdown_()
    assert "no sign of memorization yet" in none
    with pytest.raises(KeyError, match="u2_verdict"):
        u2_findings({"N_train": 1.0}, epochs_true=1, epochs_permuted=1, n_train=1)


def test_layer_mappers_one_graph_per_kind_and_layer():
    from toponet.chapters.umass.memorization import layer_mappers
    rng = np.random.default_rng(0)
    blobs = np.r_[rng.normal(size=(40, 3)), rng.normal(size=(40, 3)) + 30]
    runs = {k: {"hidden": blobs, "softmax": blobs[:, :2]} for k in ("true", "permuted")}
    maps = layer_mappers(runs, resolution=5, gain=2.0, seed=0)
    assert set(maps) == {("true", "hidden"), ("true", "softmax"), ("permuted", "hidden"), ("permuted", "softmax")}
    assert maps["true", "hidden"].n_components_ == 2     # two far blobs: two components
    with pytest.raises(KeyError, match="no run"):
        layer_mappers({"true": runs["true"]}, resolution=5, gain=2.0)
    with pytest.raises(ValueError, match="n_images"):
        layer_mappers({k: {"hidden": np.zeros(3), "softmax": blobs} for k in ("true", "permuted")}, resolution=5, gain=2.0)


def test_u2_verdict_row_states_the_numbers_and_the_rules_reasons():
    from toponet.chapters.umass.memorization import u2_verdict_row
    from toponet.circle_decision import RuleResult

    rule = RuleResult(verdict="partly", reasons=("premise", "(B) holds", "(C) fails"), power=0.9,
                      false_positive_rate=0.05)
    row = u2_verdict_row(rule, _nums(), k=10, n_train=1000, epochs_true=4, epochs_permuted=15, profile="default")
    assert row.claim_id == "U2" and row.verdict == "partly" and row.iterations == 15
    assert row.ours.startswith("N 77.6/74.4%, N' 23.2/11.6%; N' hidden 10-NN agreement (chance-adjusted) digit 0.50 "
                               "vs label 0.08; softmax vs label 0.08; (B) holds; (C) fails")
    assert row.scale == "1,000 of 60,000 train images, 4/15 epochs (paper 20/100) (default)"
