import hashlib
import json
import multiprocessing
from dataclasses import asdict, dataclass, replace

import numpy as np
import pytest
from _fake_trainer import FakeConfig, FakeTrainer, Interrupted, network

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


# --- transfer accuracies (TrainConfig.transfer) -----------------------------------------

@dataclass(frozen=True)
class TransferConfig(FakeConfig):
    transfer: tuple[str, ...] = ("digits8x8", "mnistm-standin")


def transfer_values(seed: int, iteration: int, dataset: str) -> float:
    """A fake network's transfer accuracy: distinct per (seed, iteration, dataset)."""
    return 0.1 + 0.001 * seed + 0.01 * iteration + (0.2 if dataset == "mnistm-standin" else 0.0)


class TransferTrainer(FakeTrainer):
    """The fake trainer, measuring the config's transfer datasets like train_ensemble does."""

    def __call__(self, config, seeds, *, on_snapshot=None, **kw):
        def add(snap):
            snap.transfer_accuracy = {d: np.array([transfer_values(s, snap.iteration, d) for s in seeds])
                                      for d in config.transfer}
            snap.transfer_examples = {d: 100 + snap.iteration for d in config.transfer}
            return snap

        def hook(snap):
            if on_snapshot is not None:
                on_snapshot(add(snap))

        return [add(s) for s in super().__call__(config, seeds, on_snapshot=hook, **kw)]


def test_put_shard_stores_transfer_accuracies(store):
    cfg = TransferConfig()
    for seeds in ([3, 4], [0, 1, 2]):
        store.put_shard(cfg, seeds, TransferTrainer()(cfg, seeds), device="cpu")
    art = store.get(cfg)
    assert art.transfer_datasets == ("digits8x8", "mnistm-standin")
    for it in art.iterations:
        for d in cfg.transfer:
            acc = art.transfer_accuracy(d, it)
            assert acc.shape == (5,) and acc.dtype == np.float64
            np.testing.assert_array_equal(acc, [transfer_values(s, it, d) for s in art.seeds])
            assert art.transfer_examples(d, it) == 100 + it
    np.testing.assert_array_equal(art.transfer_accuracy("digits8x8"), art.transfer_accuracy("digits8x8", 30))
    np.testing.assert_array_equal(art.subset(2).transfer_accuracy("digits8x8"), art.transfer_accuracy("digits8x8")[:2])
    doc = json.loads((art.path / "transfer-3-2.json").read_text())
    assert doc["seeds"] == [3, 4] and set(doc["accuracy"]) == set(doc["examples"]) == {"0", "10", "30"}
    assert doc["accuracy"]["10"]["digits8x8"] == [transfer_values(s, 10, "digits8x8") for s in (3, 4)]
    with pytest.raises(ValueError, match="'mnist'"):
        art.transfer_accuracy("mnist")
    with pytest.raises(ValueError, match="iteration 7 is not a snapshot"):
        art.transfer_accuracy("digits8x8", 7)


def test_transfer_nan_is_kept_and_no_file_without_transfer(store):
    cfg = TransferConfig(transfer=("digits8x8",))
    snaps = TransferTrainer()(cfg, [0, 1])
    snaps[0].transfer_accuracy["digits8x8"][1] = np.nan  # not evaluated at that snapshot
    store.put_shard(cfg, [0, 1], snaps)
    acc = store.get(cfg).transfer_accuracy("digits8x8", 0)
    assert acc[0] == transfer_values(0, 0, "digits8x8") and np.isnan(acc[1])
    put(store, FakeConfig(), [0])
    assert not list(store.path(FakeConfig()).glob("transfer-*"))
    with pytest.raises(ValueError, match="measured no transfer accuracy"):
        store.get(FakeConfig()).transfer_accuracy("digits8x8")


def test_transfer_bad_snapshots_are_refused(store):
    cfg = TransferConfig()
    with pytest.raises(ValueError, match=r"no transfer accuracy on \['digits8x8', 'mnistm-standin'\]"):
        put(store, cfg, [0, 1])  # a trainer that does not measure them
    snaps = TransferTrainer()(cfg, [0, 1])
    snaps[1].transfer_accuracy["mnistm-standin"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"'mnistm-standin' at iteration 10 has shape \(3,\)"):
        store.put_shard(cfg, [0, 1], snaps)
    assert store.get(cfg) is None and not store.path(cfg).exists()


def test_missing_transfer_record_is_named(store):
    cfg = TransferConfig()
    store.put_shard(cfg, [0, 1], TransferTrainer()(cfg, [0, 1]))
    path = store.path(cfg) / "transfer-0-2.json"
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "seeds": [0, 5]}))
    with pytest.raises(ValueError, match=r"seeds \[0, 5\] differ from shard shard-0-2.npz's \[0, 1\]"):
        store.get(cfg).transfer_accuracy("digits8x8")
    path.unlink()
    with pytest.raises(ValueError, match="shard-0-2.npz has no transfer record transfer-0-2.json"):
        store.get(cfg).transfer_accuracy("digits8x8")


def test_transfer_survives_an_interrupted_shard(tmp_path):
    from toponet.shards import run_shards

    store = Store(tmp_path / "store", checkpoints=tmp_path / "ckpt")
    cfg = TransferConfig()
    with pytest.raises(Interrupted):
        run_shards(cfg, [0, 1], shard_size=2, store=store, trainer=TransferTrainer(fail_after=2),
                   device="cpu", progress=False)
    # the resumed trainer re-delivers nothing: snapshots 0 and 10 come from the checkpoint folder
    run = run_shards(cfg, [0, 1], shard_size=2, store=store, trainer=TransferTrainer(return_all=False),
                     device="cpu", progress=False)
    art = run.artifact
    assert art.manifest["shards"][0]["resumed"] is True
    for it in (0, 10, 30):
        np.testing.assert_array_equal(art.transfer_accuracy("mnistm-standin", it),
                                      [transfer_values(s, it, "mnistm-standin") for s in (0, 1)])
        assert art.transfer_examples("mnistm-standin", it) == 100 + it


@pytest.mark.parametrize("key", ["d0e21e739a294ea1", "69a98a2a9ddb0714", "f1c32121663fbd10", "fc3944fff4cc27df"])
def test_committed_transfer_records_still_load(key):
    # Written by toponet.chapters.generalization.TransferRecorder before the store wrote them: same format.
    root = store_mod._repo_artifacts()
    if root is None or not (root / key).is_dir():
        pytest.skip(f"committed artifact {key} not in this checkout")
    art = Store(root).open(key)
    docs = [json.loads((art.path / f"transfer-{s['seeds'][0]}-{len(s['seeds'])}.json").read_text())
            for s in art.manifest["shards"]]
    assert art.transfer_datasets and art.iterations
    for d in art.transfer_datasets:
        for it in art.iterations:
            raw = {seed: v for doc in docs for seed, v in zip(doc["seeds"], doc["accuracy"][str(it)][d])}
            np.testing.assert_array_equal(art.transfer_accuracy(d, it), [raw[s] for s in art.seeds])
            assert art.transfer_examples(d, it) == docs[0]["examples"][str(it)][d]


def test_without_leaves_networks_out_of_every_array(store):
    cfg = FakeConfig()
    put(store, cfg, [5, 6, 7, 8, 9])
    art = store.get(cfg)
    assert art.collapsed() == ()                       # all learned by the last snapshot
    assert art.collapsed(iteration=0) == ()            # at chance, but never learned: not collapsed
    curves = {it: np.array([0.5, 0.6, 0.7, 0.1, 0.11]) if it == art.iterations[-1] else np.full(5, 0.1 + 0.4 * (it > 0))
              for it in art.iterations}                # seeds 8 and 9 learned, then fell back to chance
    art.test_accuracy = lambda iteration=None: curves[art.iterations[-1] if iteration is None else iteration]
    failed = art.collapsed()
    assert failed == (8, 9)
    del art.test_accuracy
    kept = art.without(failed)
    assert kept.seeds == (5, 6, 7) and kept.dropped == (8, 9) and kept.networks == 3
    assert np.array_equal(kept.conv_weights(), art.conv_weights()[:3])
    assert np.array_equal(kept.test_accuracy(0), art.test_accuracy(0)[:3])
    assert art.subset(4).without([6]).seeds == (5, 7, 8)
    with pytest.raises(ValueError, match=r"\[42\] are not networks"):
        art.without([42])
    with pytest.raises(ValueError, match="leave no network"):
        art.without([5, 6, 7, 8, 9])
    with pytest.raises(ValueError, match="before without"):
        kept.subset(2)
