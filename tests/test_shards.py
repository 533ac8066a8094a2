import json

import numpy as np
import pytest
from _fake_trainer import FakeConfig, FakeTrainer, Interrupted, fake_train_ensemble

from toponet import shards as shards_mod
from toponet.shards import _claim, pending_shards, plan_shards, run_shards, train_shard
from toponet.store import Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


def stored_arrays(store, cfg):
    """Every array of the artifact, keyed by (seed, name): independent of shard grouping."""
    art = store.get(cfg)
    out = {}
    for it in art.iterations:
        for layer in ("conv1", "conv2"):
            for seed, w in zip(art.seeds, art.conv_weights(layer, it)):
                out[seed, f"{layer}@{it}"] = w
        for seed, a in zip(art.seeds, art.test_accuracy(it)):
            out[seed, f"test@{it}"] = a
    return out


def test_plan_shards():
    assert plan_shards(range(10), {1, 2}, 3) == [(0, 3, 4), (5, 6, 7), (8, 9)]
    assert plan_shards([4, 5], {4, 5}, 8) == []
    # a shard with a checkpoint is continued as it was, whatever the shard size now
    assert plan_shards(range(6), set(), 4, pending=[(2, 3), (7, 8)]) == [(2, 3), (0, 1, 4, 5)]
    with pytest.raises(ValueError, match="shard_size must be >= 1"):
        plan_shards(range(3), set(), 0)


def test_run_shards_in_process_skips_stored_seeds(store):
    cfg = FakeConfig()
    trainer = FakeTrainer()
    run = run_shards(cfg, range(3), shard_size=2, store=store, trainer=trainer, device="cpu",
                     progress=False, experiment="mnist", profile="smoke")
    assert trainer.calls == [[0, 1], [2]] and run.skipped == () and run.trained == ((0, 1), (2,))
    run = run_shards(cfg, range(5), shard_size=2, store=store, trainer=trainer, device="cpu", progress=False)
    assert trainer.calls[2:] == [[3, 4]] and run.skipped == (0, 1, 2)
    assert run.artifact.seeds == (0, 1, 2, 3, 4) and run.key == store.key(cfg)
    run = run_shards(cfg, range(5), shard_size=2, store=store, trainer=trainer, device="cpu", progress=False)
    assert len(trainer.calls) == 3 and run.trained == ()
    assert run.artifact.manifest["shards"][0]["profile"] == "smoke"
    assert not (store.checkpoints / run.key).exists() or not any((store.checkpoints / run.key).iterdir())


@pytest.mark.parametrize("return_all", [True, False])
def test_interrupted_shard_resumes(store, return_all):
    cfg = FakeConfig()
    with pytest.raises(Interrupted):
        train_shard(cfg, [0, 1], store=store, trainer=FakeTrainer(fail_after=2), device="cpu", progress=False)
    folder = store.checkpoint_dir(cfg, [0, 1])
    assert sorted(p.name for p in folder.glob("snapshot-*.npz")) == ["snapshot-0.npz", "snapshot-10.npz"]
    assert store.get(cfg) is None and pending_shards(store, cfg) == [(0, 1)]

    resumer = FakeTrainer(return_all=return_all)
    run = run_shards(cfg, [0, 1, 2], shard_size=3, store=store, trainer=resumer, device="cpu", progress=False)
    # the pending shard is continued as it was, then the rest
    assert resumer.calls == [[0, 1], [2]]
    assert run.artifact.manifest["shards"][0]["resumed"] is True
    assert not folder.exists()

    fresh = Store(store.root.parent / "fresh")
    run_shards(cfg, [0, 1, 2], shard_size=3, store=fresh, trainer=FakeTrainer(), device="cpu", progress=False)
    a, b = stored_arrays(store, cfg), stored_arrays(fresh, cfg)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_trainer_missing_snapshots_is_an_error(store):
    cfg = FakeConfig()

    def lazy(config, seeds, **kw):
        return FakeTrainer()(FakeConfig(snapshots=(0, 10)), seeds)

    with pytest.raises(RuntimeError, match=r"no snapshot at iterations \[30\]"):
        train_shard(cfg, [0], store=store, trainer=lazy, device="cpu", progress=False)
    assert store.get(cfg) is None


def test_a_shard_in_training_elsewhere_is_not_trained_twice(store):
    cfg = FakeConfig()
    with _claim(store.checkpoint_dir(cfg, [0])):
        with pytest.raises(RuntimeError, match="being trained by another process"):
            train_shard(cfg, [0], store=store, trainer=FakeTrainer(), device="cpu", progress=False)


def test_keep_is_passed_to_the_store(store):
    cfg = FakeConfig()
    run = run_shards(cfg, [0], shard_size=1, store=store, trainer=FakeTrainer(), device="cpu",
                     progress=False, keep={"conv2": (0,)})
    assert run.artifact.stored_iterations("conv2") == (0, 30)


def test_default_trainer_is_toponet_train(monkeypatch, store):
    monkeypatch.setattr(shards_mod, "_default_trainer", lambda: FakeTrainer())
    assert run_shards(FakeConfig(), [0], shard_size=1, store=store, device="cpu", progress=False).artifact.networks == 1


def test_dask_shards_equal_in_process(tmp_path):
    distributed = pytest.importorskip("distributed")
    cfg = FakeConfig()
    local = Store(tmp_path / "local")
    run_shards(cfg, range(4), shard_size=2, store=local, trainer=FakeTrainer(), device="cpu", progress=False)

    remote = Store(tmp_path / "dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        run = run_shards(cfg, range(4), shard_size=2, store=remote, trainer=fake_train_ensemble,
                         device="cpu", scheduler=cluster.scheduler_address, progress=False)
    assert run.trained == ((0, 1), (2, 3))
    a, b = stored_arrays(local, cfg), stored_arrays(remote, cfg)
    assert a.keys() == b.keys() and len(a) == 4 * 3 * 3
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    ma, mb = (json.loads((s.path(cfg) / "manifest.json").read_text()) for s in (local, remote))
    assert [s["seeds"] for s in ma["shards"]] == [s["seeds"] for s in mb["shards"]] == [[0, 1], [2, 3]]
    assert ma["config"] == mb["config"] and ma["iterations"] == mb["iterations"]


def _tiny_data(rng):
    def split(n):
        return rng.integers(0, 256, size=(n, 28, 28, 1), dtype=np.uint8), rng.integers(0, 10, size=n)
    return split(64), split(32)


def test_real_trainer_through_the_store_with_resume(store, rng):
    from functools import partial

    from toponet.train import TrainConfig, train_ensemble

    cfg = TrainConfig(widths=(4, 2, 8), batch_size=16, iterations=6, snapshots=(0, 3, 6))
    data = _tiny_data(rng)
    direct = {s.iteration: s for s in train_ensemble(cfg, [0, 1, 2], device="cpu", data=data, progress=False)}

    # killed after 3 iterations: the shard is not stored, its checkpoint stays
    with pytest.raises(RuntimeError, match=r"no snapshot at iterations \[6\]"):
        train_shard(cfg, [1, 2], store=store, device="cpu", progress=False,
                    trainer=partial(train_ensemble, data=data, stop_after=3))
    assert (store.checkpoint_dir(cfg, [1, 2]) / "checkpoint.pt").exists()
    run = run_shards(cfg, [0, 1, 2], shard_size=1, store=store, device="cpu", progress=False,
                     trainer=partial(train_ensemble, data=data))
    assert run.trained == ((1, 2), (0,))  # the pending shard resumed as it was
    art = run.artifact
    assert art.seeds == (0, 1, 2) and art.iterations == (0, 3, 6)
    for it in (0, 3, 6):
        for layer in ("conv1", "conv2"):
            np.testing.assert_array_equal(art.conv_weights(layer, it), direct[it].conv_weights[layer])
        np.testing.assert_allclose(art.test_accuracy(it), direct[it].test_accuracy, rtol=1e-6)
    np.testing.assert_allclose(art.train_loss(6), direct[6].train_loss, rtol=1e-6)
    shard = art.manifest["shards"][1]
    assert shard["resumed"] is True and shard["eval_examples"]["test"] == {"0": 32, "3": 32, "6": 32}
    assert art.label(1) == "3 x M^1_6(4,2,8)"
