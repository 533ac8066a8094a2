import hashlib
import json
import multiprocessing
from dataclasses import asdict, replace

import numpy as np
import pytest
from _fake_trainer import FakeConfig, FakeTrainer, network

from toponet import store as store_mod
from toponet.store import Store, config_key, iteration_label


def snapshots_for(config, seeds):
    return FakeTrainer()(config, seeds)


def put(store, config, seeds, **kw):
    return store.put_shard(config, seeds, snapshots_for(config, seeds), device="cpu", wall_time_s=1.5, **kw)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


def test_key_is_sha256_of_canonical_json():
    cfg = FakeConfig()
    payload = {"config": json.loads(json.dumps(asdict(cfg))), "train_code_version": store_mod.train_code_version()}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    assert config_key(cfg) == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    assert config_key(FakeConfig()) == config_key(cfg)
    assert len({config_key(cfg), config_key(replace(cfg, lr=2e-3)), config_key(replace(cfg, iterations=31)),
                config_key(replace(cfg, widths=(8, 0, 16)))}) == 4


def test_key_changes_with_train_code_version(monkeypatch):
    before = config_key(FakeConfig())
    monkeypatch.setattr(store_mod, "train_code_version", lambda: "bumped")
    assert config_key(FakeConfig()) != before


def test_key_rejects_non_dataclass():
    with pytest.raises(TypeError, match="TrainConfig"):
        config_key({"lr": 1e-3})


def test_roundtrip_two_shards(store):
    cfg = FakeConfig()
    assert store.get(cfg) is None
    put(store, cfg, [3, 4], experiment="mnist", profile="smoke")
    put(store, cfg, [0, 1, 2], experiment="mnist", profile="smoke")
    art = store.get(cfg)
    assert art.key == config_key(cfg) and art.path == store.root / art.key
    assert art.seeds == (0, 1, 2, 3, 4) and art.networks == 5
    assert art.iterations == (0, 10, 30)
    w = art.conv_weights("conv1")  # last iteration
    assert w.shape == (5, 8, 1, 3, 3) and w.dtype == np.float32
    for i, seed in enumerate(art.seeds):
        ref, train_acc, test_acc = network(cfg, seed, 30)
        np.testing.assert_array_equal(w[i], ref["conv1"])
        np.testing.assert_array_equal(art.conv_weights(2, iteration=10)[i], network(cfg, seed, 10)[0]["conv2"])
        assert art.test_accuracy()[i] == pytest.approx(test_acc, abs=1e-6)
        assert art.train_accuracy(0)[i] == pytest.approx(network(cfg, seed, 0)[1], abs=1e-6)
    assert sorted(p.name for p in art.path.iterdir()) == ["manifest.json", "shard-0-3.npz", "shard-3-2.npz"]
    m = art.manifest
    assert m["arch"] == "M(8,4,16)" and m["dataset"] == "mnist" and m["experiment"] == "mnist"
    shard = m["shards"][0]
    assert shard["seeds"] == [0, 1, 2] and shard["wall_time_s"] == 1.5 and shard["device"] == "cpu"
    assert set(shard["versions"]) == {"python", "numpy", "torch", "toponet"}
    assert shard["hardware"]["cpu"] and shard["iterations"] == [0, 10, 30]
    assert shard["accuracy"]["test_mean"] == pytest.approx(np.mean(art.test_accuracy()[:3]), abs=1e-6)
    assert store.seeds(cfg) == {0, 1, 2, 3, 4}


def test_label_in_paper_notation(store):
    cfg = FakeConfig(iterations=2000, snapshots=(0, 1500, 2000))
    put(store, cfg, list(range(4)))
    art = store.get(cfg)
    assert art.label("conv1") == "4 x M^1_2K(8,4,16)"
    assert art.label(2, 1500) == "4 x M^2_1500(8,4,16)"
    assert art.subset(3).label(1, 0) == "3 x M^1_0(8,4,16)"
    assert [iteration_label(i) for i in (0, 100, 1500, 2000, 40000)] == ["0", "100", "1500", "2K", "40K"]


def test_subset_takes_first_networks(store):
    cfg = FakeConfig()
    put(store, cfg, [5, 6, 7])
    art = store.get(cfg).subset(2)
    assert art.seeds == (5, 6) and art.conv_weights().shape[0] == 2 and art.test_accuracy().shape == (2,)
    with pytest.raises(ValueError, match="1..3"):
        store.get(cfg).subset(4)


def test_min_networks(store):
    cfg = FakeConfig()
    put(store, cfg, [0, 1])
    assert store.get(cfg, min_networks=2).networks == 2
    assert store.get(cfg, min_networks=3) is None


def test_seed_in_two_shards_is_an_error(store):
    cfg = FakeConfig()
    put(store, cfg, [0, 1])
    with pytest.raises(ValueError, match=r"seeds \[1\].*only one shard"):
        put(store, cfg, [1, 2])
    # exactly the same shard again (a second writer) keeps the stored one
    assert put(store, cfg, [0, 1])["seeds"] == [0, 1]
    assert store.get(cfg).networks == 2


def test_snapshot_iterations_must_match(store):
    cfg = FakeConfig()
    put(store, cfg, [0])
    snaps = snapshots_for(cfg, [1])[1:]
    with pytest.raises(ValueError, match="differ"):
        store.put_shard(cfg, [1], snaps)


def test_bad_shapes_and_seeds(store):
    cfg = FakeConfig()
    snaps = snapshots_for(cfg, [0, 1])
    with pytest.raises(ValueError, match=r"expected \(3,\), one value per seed"):
        store.put_shard(cfg, [0, 1, 2], snaps)
    with pytest.raises(ValueError, match="distinct"):
        store.put_shard(cfg, [0, 0], snaps)
    with pytest.raises(TypeError, match="integers"):
        store.put_shard(cfg, [0, 1.5], snaps)
    with pytest.raises(ValueError, match="empty"):
        store.put_shard(cfg, [0, 1], [])
    assert store.get(cfg) is None


def test_unknown_iteration_and_layer(store):
    cfg = FakeConfig(widths=(8, 0, 16))
    put(store, cfg, [0])
    art = store.get(cfg)
    with pytest.raises(ValueError, match=r"snapshots: \[0, 10, 30\]"):
        art.conv_weights(1, 20)
    with pytest.raises(ValueError, match="no layer conv2"):
        art.conv_weights(2)
    with pytest.raises(ValueError, match="layer must be"):
        art.conv_weights("fc")


def test_keep_conv2_at_some_snapshots(store):
    cfg = FakeConfig()
    put(store, cfg, [0, 1], keep={"conv2": [0]})
    art = store.get(cfg)
    assert art.manifest["shards"][0]["stored"] == {"conv1": [0, 10, 30], "conv2": [0, 30]}
    assert art.stored_iterations(2) == (0, 30) and art.stored_iterations(1) == (0, 10, 30)
    assert art.conv_weights(2, 0).shape == (2, 4, 8, 3, 3)
    with pytest.raises(ValueError, match=r"conv2 only at iterations \[0, 30\]"):
        art.conv_weights(2, 10)


def test_ls(store, tmp_path):
    assert store.ls() == []
    cfg = FakeConfig()
    put(store, cfg, [0, 1], experiment="mnist")
    put(store, FakeConfig(widths=(8, 0, 16)), [0], experiment="mnist-M8-0-16")
    (store.root / "not-an-artifact").mkdir()
    rows = store.ls()
    assert [r["arch"] for r in rows] == ["M(8,4,16)", "M(8,0,16)"]
    row = rows[0]
    assert row["key"] == config_key(cfg) and row["networks"] == 2 and row["iterations"] == [0, 10, 30]
    assert row["dataset"] == "mnist" and row["experiment"] == "mnist" and row["device"] == "cpu"
    assert row["wall_time_s"] == 1.5
    assert row["test_accuracy_mean"] == pytest.approx(np.mean(store.get(cfg).test_accuracy()))
    json.dumps(rows)


def test_no_temp_files_left(store):
    put(store, FakeConfig(), [0])
    names = [p.name for p in store.root.rglob("*") if p.is_file()]
    assert not [n for n in names if n.endswith(".tmp")]


def test_default_root(monkeypatch, tmp_path):
    monkeypatch.setenv("TOPONET_STORE", str(tmp_path / "s"))
    monkeypatch.delenv("TOPONET_CHECKPOINTS", raising=False)
    assert Store().root == tmp_path / "s"
    assert Store().checkpoints == tmp_path / "s" / ".checkpoints"
    monkeypatch.delenv("TOPONET_STORE")
    repo_artifacts = store_mod._repo_artifacts()
    if repo_artifacts is not None:  # running from a checkout
        assert Store().root == repo_artifacts
        assert Store().checkpoints == repo_artifacts.parent / "cache" / "checkpoints"
    monkeypatch.setattr(store_mod, "_repo_artifacts", lambda: None)
    assert store_mod.default_root() == store_mod.Path.home() / ".cache" / "toponet" / "store"
    monkeypatch.setenv("TOPONET_CHECKPOINTS", str(tmp_path / "ck"))
    assert Store(tmp_path).checkpoints == tmp_path / "ck"


def test_open_by_key(store):
    cfg = FakeConfig()
    put(store, cfg, [0])
    assert store.open(config_key(cfg)).networks == 1
    assert store.open("0" * 16) is None
    with pytest.raises(ValueError, match="16 lowercase hex"):
        store.open("../etc")


def test_size_of_16_networks_6_snapshots_under_10_mb(store):
    # Worst case: Gaussian weights barely compress; trained ones compress no better.
    cfg = FakeConfig(widths=(64, 32, 64), iterations=2000, snapshots=(0, 100, 500, 1000, 1500, 2000))
    put(store, cfg, list(range(16)))
    size = (store.path(cfg) / "shard-0-16.npz").stat().st_size
    assert 5e6 < size < 10e6


def _writer(root, seeds):
    cfg = FakeConfig()
    for s in seeds:
        Store(root).put_shard(cfg, [s], snapshots_for(cfg, [s]))


def test_concurrent_writers_lose_nothing(store):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(store.root, range(i, 12, 3))) for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    art = store.get(FakeConfig())
    assert sorted(art.seeds) == list(range(12))
    assert len(list(art.path.glob("shard-*.npz"))) == 12


def test_arrays_are_read_only(store):
    cfg = FakeConfig()
    put(store, cfg, [0])
    w = store.get(cfg).conv_weights()
    with pytest.raises(ValueError, match="read-only"):
        w[0] = 0


def test_bad_weight_shape(store):
    cfg = FakeConfig()
    snaps = snapshots_for(cfg, [0, 1])
    snaps[0].conv_weights["conv1"] = snaps[0].conv_weights["conv1"][:1]
    with pytest.raises(ValueError, match=r"conv1 at iteration 0 has shape \(1, 8, 1, 3, 3\)"):
        store.put_shard(cfg, [0, 1], snaps)
