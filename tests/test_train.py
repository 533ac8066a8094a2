import dataclasses

import numpy as np
import pytest
import torch

import toponet.train as train_mod
from toponet.train import (Snapshot, TrainConfig, TrainingDiverged, _hash32, _mul32, build_model,
                           dropout_masks, train_ensemble)


@pytest.fixture(autouse=True)
def one_thread():
    # Tiny networks: threads only add overhead (and contention on a shared 2-core box).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def synthetic_digits(n, rng, size=28, channels=1):
    """uint8 images (n, size, size, channels) whose label is the row of a bright bar."""
    y = rng.integers(0, 10, n)
    x = (rng.random((n, size, size, channels)) * 60).astype(np.uint8)
    for i in range(n):
        x[i, 2 * y[i]:2 * y[i] + 5, 4:20, :] = 255
    return x, y.astype(np.int64)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return synthetic_digits(600, rng), synthetic_digits(200, rng)


TINY = TrainConfig(widths=(4, 3, 8), batch_size=32, iterations=24, snapshots=(0, 8, 24))


def assert_same(a, b, exact=True, atol=1e-5):
    assert [s.iteration for s in a] == [s.iteration for s in b]
    for sa, sb in zip(a, b):
        assert sa.conv_weights.keys() == sb.conv_weights.keys()
        for k in sa.conv_weights:
            if exact:
                np.testing.assert_array_equal(sa.conv_weights[k], sb.conv_weights[k])
            else:
                np.testing.assert_allclose(sa.conv_weights[k], sb.conv_weights[k], atol=atol, rtol=0)
        for f in ("train_accuracy", "test_accuracy", "train_loss"):
            if exact:
                np.testing.assert_array_equal(getattr(sa, f), getattr(sb, f))
            else:
                np.testing.assert_allclose(getattr(sa, f), getattr(sb, f), atol=max(atol, 0.02), rtol=0)


# --- config ------------------------------------------------------------------------------

@pytest.mark.parametrize("kw, match", [
    ({"dataset": "imagenet"}, "dataset"),
    ({"arch": "VGG"}, "arch"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"widths": (64, 32)}, "widths"),
    ({"lr": 0.0}, "lr"),
    ({"dropout": 1.0}, "dropout"),
    ({"snapshots": (0, 500, 100)}, "ascending"),
    ({"snapshots": (0, 3000)}, "snapshots entry"),
])
def test_config_rejects_bad_values(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        TrainConfig(**kw)


def test_config_normalizes_lists_to_tuples():
    cfg = TrainConfig(widths=[8, 4, 16], snapshots=[0, 10], iterations=10)
    assert cfg.widths == (8, 4, 16) and cfg.snapshots == (0, 10)
    hash(cfg)  # frozen and hashable: it names artifacts


# --- counter-based randomness --------------------------------------------------------------

def test_mul32_and_hash32_match_python_integers(rng):
    x = rng.integers(0, 2**32, 2000, dtype=np.uint64).astype(np.int64)
    c = 0x846CA68B
    got = _mul32(torch.from_numpy(x), c).numpy()
    assert [int(g) for g in got] == [(int(v) * c) % 2**32 for v in x]

    def lowbias32(v):
        v ^= v >> 16
        v = (v * 0x7FEB352D) % 2**32
        v ^= v >> 15
        v = (v * 0x846CA68B) % 2**32
        return v ^ (v >> 16)

    got = _hash32(torch.from_numpy(x)).numpy()
    assert [int(g) for g in got] == [lowbias32(int(v)) for v in x]


def test_dropout_masks_are_reproducible_scaled_and_balanced():
    keys = [train_mod._mix(s, 7, 2) for s in range(3)]
    m = dropout_masks(keys, (128, 256), 0.5)
    assert m.shape == (3, 128, 256) and m.dtype == torch.float32
    assert set(torch.unique(m).tolist()) == {0.0, 2.0}
    torch.testing.assert_close(m, dropout_masks(keys, (128, 256), 0.5), rtol=0, atol=0)
    # a network's mask does not depend on the others computed with it
    torch.testing.assert_close(m[1:2], dropout_masks(keys[1:2], (128, 256), 0.5), rtol=0, atol=0)
    kept = (m > 0).double().mean(dim=(1, 2))
    # 32,768 Bernoulli(1/2) draws per network: sd 0.0028, so 0.015 is > 5 sd
    assert torch.all((kept - 0.5).abs() < 0.015)
    assert (m[0] != m[1]).double().mean() > 0.4  # different seeds, different masks
    q = dropout_masks(keys[:1], (100_000,), 0.2)
    assert abs(float((q > 0).double().mean()) - 0.8) < 0.01
    assert float(q.max()) == pytest.approx(1 / 0.8)


# --- training ------------------------------------------------------------------------------

def test_snapshot_structure_and_evaluation_sizes(data, monkeypatch):
    monkeypatch.setattr(train_mod, "TEST_EVAL_SIZE", 50)
    snaps = train_ensemble(TINY, [3, 5], data=data, progress=False)
    assert [s.iteration for s in snaps] == [0, 8, 24]
    for s in snaps:
        assert isinstance(s, Snapshot)
        assert s.conv_weights["conv1"].shape == (2, 4, 1, 3, 3)
        assert s.conv_weights["conv2"].shape == (2, 3, 4, 3, 3)
        assert s.conv_weights["conv1"].dtype == np.float32
        assert s.train_accuracy.shape == s.test_accuracy.shape == (2,)
        assert s.train_examples == 600
    assert [s.test_examples for s in snaps] == [50, 50, 200]  # the whole test set at the end
    assert np.isnan(snaps[0].train_loss).all() and np.isfinite(snaps[1].train_loss).all()
    # iteration 0 is the untrained network: its seed's initialization, nothing else
    torch.manual_seed(5)
    init = build_model(TINY)
    np.testing.assert_array_equal(snaps[0].conv_weights["conv1"][1], init.features[0].weight.detach().numpy())


def test_networks_learn_the_synthetic_task(data):
    cfg = dataclasses.replace(TINY, widths=(8, 4, 16), lr=5e-3, iterations=120, snapshots=(0, 120))
    first, last = train_ensemble(cfg, [0, 1], data=data, progress=False)
    assert np.all(first.test_accuracy < 0.3)   # chance is 0.1
    assert np.all(last.test_accuracy > 0.8)
    assert np.all(last.train_loss < 2.0)       # ln(10) = 2.30 at chance


def test_network_in_ensemble_equals_network_alone(data):
    # dropout on: masks, data order and init all come from the seed alone
    ensemble = train_ensemble(TINY, [0, 11, 2], data=data, progress=False)
    alone = train_ensemble(TINY, [11], data=data, progress=False)
    for e, a in zip(ensemble, alone):
        for k in e.conv_weights:
            np.testing.assert_array_equal(e.conv_weights[k][1], a.conv_weights[k][0])
        assert e.test_accuracy[1] == a.test_accuracy[0]
    # ... and the seeds give different networks
    assert not np.array_equal(ensemble[-1].conv_weights["conv1"][0], ensemble[-1].conv_weights["conv1"][1])


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_vmap_strategy_matches_sequential(data, dropout):
    cfg = dataclasses.replace(TINY, dropout=dropout)
    seq = train_ensemble(cfg, [0, 1, 2], data=data, progress=False, strategy="sequential")
    vm = train_ensemble(cfg, [0, 1, 2], data=data, progress=False, strategy="vmap", group_size=2)
    assert_same(seq, vm, exact=False, atol=1e-4)
    vm_alone = train_ensemble(cfg, [1], data=data, progress=False, strategy="vmap")
    for e, a in zip(vm, vm_alone):
        np.testing.assert_allclose(e.conv_weights["conv1"][1], a.conv_weights["conv1"][0], atol=1e-5, rtol=0)


def test_resume_after_stop_equals_uninterrupted_run(data, tmp_path):
    cfg = dataclasses.replace(TINY, optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=1e-3)
    full = train_ensemble(cfg, [0, 1], data=data, progress=False)
    ckpt = tmp_path / "run.pt"
    seen = []
    part = train_ensemble(cfg, [0, 1], data=data, progress=False, checkpoint_path=ckpt,
                          checkpoint_every=5, stop_after=13, on_snapshot=lambda s: seen.append(s.iteration))
    assert [s.iteration for s in part] == [0, 8] and seen == [0, 8]
    assert torch.load(ckpt, weights_only=True)["iteration"] == 13
    resumed = train_ensemble(cfg, [0, 1], data=data, progress=False, checkpoint_path=ckpt,
                             on_snapshot=lambda s: seen.append(s.iteration))
    assert seen == [0, 8, 24]  # nothing repeated, nothing lost
    assert_same(full, resumed, exact=True)
    # a finished checkpoint just returns its snapshots
    again = train_ensemble(cfg, [0, 1], data=data, progress=False, checkpoint_path=ckpt,
                           on_snapshot=lambda s: seen.append(s.iteration))
    assert seen == [0, 8, 24]
    assert_same(full, again, exact=True)


def test_resume_after_exception_in_on_snapshot(data, tmp_path):
    full = train_ensemble(TINY, [4, 9], data=data, progress=False)
    ckpt = tmp_path / "run.pt"
    seen = []

    def crash_at_8(s):
        if s.iteration == 8:
            raise KeyboardInterrupt("killed while storing snapshot 8")
        seen.append(s.iteration)

    with pytest.raises(KeyboardInterrupt):
        train_ensemble(TINY, [4, 9], data=data, progress=False, checkpoint_path=ckpt, on_snapshot=crash_at_8)
    resumed = train_ensemble(TINY, [4, 9], data=data, progress=False, checkpoint_path=ckpt,
                             on_snapshot=lambda s: seen.append(s.iteration))
    # snapshot 8 was never stored (its callback raised), so it is delivered on resume
    assert seen == [0, 8, 24]
    assert_same(full, resumed, exact=True)


def test_checkpoint_moves_between_strategies(data, tmp_path):
    ckpt = tmp_path / "run.pt"
    train_ensemble(TINY, [0, 1, 2], data=data, progress=False, checkpoint_path=ckpt, stop_after=10)
    resumed = train_ensemble(TINY, [0, 1, 2], data=data, progress=False, checkpoint_path=ckpt,
                             strategy="vmap", group_size=2)
    full = train_ensemble(TINY, [0, 1, 2], data=data, progress=False)
    assert_same(full, resumed, exact=False, atol=1e-4)


def test_checkpoint_of_another_run_is_refused(data, tmp_path):
    ckpt = tmp_path / "run.pt"
    train_ensemble(TINY, [0], data=data, progress=False, checkpoint_path=ckpt, stop_after=2)
    with pytest.raises(ValueError, match="lr"):
        train_ensemble(dataclasses.replace(TINY, lr=0.01), [0], data=data, progress=False, checkpoint_path=ckpt)
    with pytest.raises(ValueError, match="seeds"):
        train_ensemble(TINY, [1], data=data, progress=False, checkpoint_path=ckpt)


def test_divergence_names_seed_and_iteration(data):
    cfg = dataclasses.replace(TINY, optimizer="sgd", lr=1e30)
    with pytest.raises(TrainingDiverged, match=r"seed 7 .* at iteration \d+"):
        train_ensemble(cfg, [7], data=data, progress=False)


def test_bad_arguments(data):
    with pytest.raises(ValueError, match="distinct"):
        train_ensemble(TINY, [1, 1], data=data, progress=False)
    with pytest.raises(ValueError, match="empty"):
        train_ensemble(TINY, [], data=data, progress=False)
    with pytest.raises(ValueError, match="strategy"):
        train_ensemble(TINY, [1], data=data, progress=False, strategy="threads")
    with pytest.raises(TypeError, match="data must be"):
        train_ensemble(TINY, [1], data=np.zeros(3), progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        train_ensemble(dataclasses.replace(TINY, batch_size=1000), [1], data=data, progress=False)


def test_each_epoch_visits_every_image_once(data):
    loaded = train_mod._Data(TINY, data, torch.device("cpu"))
    per_epoch = loaded.batches_per_epoch  # 600 // 32 = 18
    assert per_epoch == 18
    for epoch in range(2):
        idx = torch.cat([loaded.indices([3], epoch * per_epoch + b)[0] for b in range(per_epoch)])
        assert len(torch.unique(idx)) == per_epoch * 32
    assert not torch.equal(loaded.indices([3], 0), loaded.indices([3], per_epoch))  # reshuffled
    assert not torch.equal(loaded.indices([3], 0), loaded.indices([4], 0))          # per seed
    x, y = loaded.batch(3, 0)
    assert x.shape == (32, 1, 28, 28) and 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    # MNIST pixels are only scaled: uint8 / 255
    idx = loaded.indices([3], 0)[0].numpy()
    np.testing.assert_array_equal(x[:, 0].numpy(), data[0][0][idx, :, :, 0] / np.float32(255))
    np.testing.assert_array_equal(y.numpy(), data[0][1][idx])
    # the ensemble's batches are the networks' own batches
    xs, ys = loaded.batches([4, 3], 0)
    torch.testing.assert_close(xs[1], x, rtol=0, atol=0)


@pytest.mark.parametrize("dataset, arch, widths, channels", [
    ("cifar10", "C", (4, 3, 8), 3),
    ("cifar10-gray", "C", (4, 0, 8), 1),
    ("cifar10", "C-nopool", (4, 0, 8), 3),
])
def test_cifar_pipeline(dataset, arch, widths, channels):
    rng = np.random.default_rng(1)
    data = (synthetic_digits(200, rng, size=32, channels=3), synthetic_digits(60, rng, size=32, channels=3))
    cfg = TrainConfig(dataset=dataset, arch=arch, widths=widths, optimizer="sgd", lr=0.01, dropout=0.0,
                      batch_size=16, iterations=4, snapshots=(0, 4))
    snaps = train_ensemble(cfg, [0, 1], data=data, progress=False)
    assert snaps[-1].conv_weights["conv1"].shape == (2, 4, channels, 3, 3)
    assert np.isfinite(snaps[-1].train_loss).all()
    loaded = train_mod._Data(cfg, data, torch.device("cpu"))
    x, _ = loaded.batch(0, 0)
    assert x.shape == (16, channels, 24, 24)
    torch.testing.assert_close(x, loaded.batch(0, 0)[0])            # same (seed, iteration), same crops
    assert not torch.equal(x, loaded.batch(0, 1)[0])


def test_svhn_is_made_mnist_like():
    rng = np.random.default_rng(2)
    data = (synthetic_digits(100, rng, size=32, channels=3), synthetic_digits(40, rng, size=32, channels=3))
    cfg = dataclasses.replace(TINY, dataset="svhn", iterations=2, snapshots=(2,))
    loaded = train_mod._Data(cfg, data, torch.device("cpu"))
    assert loaded.input_shape == (1, 28, 28)
    (snap,) = train_ensemble(cfg, [0], data=data, progress=False)
    assert snap.conv_weights["conv1"].shape == (1, 4, 1, 3, 3)
