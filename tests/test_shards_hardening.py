"""Issue 14 items 5 and 8: atomic state files, bad progress files repaired, no leftover checkpoints."""
import json
import logging

import pytest
from _fake_trainer import FakeConfig, FakeTrainer, Interrupted

from toponet import _io
from toponet.shards import clean_checkpoints, pending_shards, run_shards, train_shard
from toponet.store import Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


def interrupted(store, cfg, seeds, after=2):
    with pytest.raises(Interrupted):
        train_shard(cfg, seeds, store=store, trainer=FakeTrainer(fail_after=after), device="cpu", progress=False)
    return store.checkpoint_dir(cfg, seeds)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "elapsed.json"
    _io.atomic_write_json(path, {"seconds": 1.0})

    def torn(fh):
        fh.write(b'{"seco')
        raise KeyboardInterrupt  # a kill mid-write

    with pytest.raises(KeyboardInterrupt):
        _io.atomic_write(path, torn)
    assert json.loads(path.read_text()) == {"seconds": 1.0}
    assert [p.name for p in tmp_path.iterdir()] == ["elapsed.json"]  # no temp file left


def test_atomic_writers_write_exactly_their_bytes_and_leave_no_temp_file(tmp_path):
    path = tmp_path / "f"
    _io.atomic_write_bytes(path, b"\x00a\r\n")
    assert path.read_bytes() == b"\x00a\r\n"
    _io.atomic_write_text(path, "pin\n", encoding="ascii")
    assert path.read_bytes() == b"pin\n"
    doc = {"b": [1, 2], "a": "\u00e9"}
    _io.atomic_write_json(path, doc, indent=1, sort_keys=True)
    assert path.read_bytes() == json.dumps(doc, indent=1, sort_keys=True).encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_a_checkpoint_failing_mid_save_keeps_the_previous_one(tmp_path):
    import torch

    from toponet.train import _save_checkpoint

    path = tmp_path / "checkpoint.pt"
    _save_checkpoint(path, {"iteration": torch.tensor(1)})
    before = path.read_bytes()
    with pytest.raises(Exception):  # a local function cannot be pickled: torch.save fails mid-archive
        _save_checkpoint(path, {"iteration": torch.tensor(2), "bad": lambda: None})
    assert path.read_bytes() == before
    assert int(torch.load(path, weights_only=True)["iteration"]) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_shard_state_files_are_written_atomically(store, monkeypatch):
    written = []
    real = _io.atomic_write_json
    monkeypatch.setattr("toponet.shards.atomic_write_json", lambda p, obj, **kw: (written.append(p.name), real(p, obj, **kw)))
    interrupted(store, FakeConfig(), [0, 1])
    assert written == ["seeds.json", "elapsed.json", "elapsed.json"]


@pytest.mark.parametrize("content", ['{"seco', "", '{"seconds": "x"}', "[]"])
def test_a_bad_progress_file_is_repaired_with_a_warning(store, caplog, content):
    cfg = FakeConfig()
    folder = interrupted(store, cfg, [0, 1])
    (folder / "elapsed.json").write_text(content)
    with caplog.at_level(logging.WARNING):
        run = run_shards(cfg, [0, 1], shard_size=2, store=store, trainer=FakeTrainer(), device="cpu", progress=False)
    assert run.artifact.networks == 2 and run.artifact.manifest["shards"][0]["resumed"] is True
    assert f"{folder / 'elapsed.json'}: unreadable progress file" in caplog.text


def test_a_bad_snapshot_file_restarts_the_shard(store, caplog):
    cfg = FakeConfig()
    folder = interrupted(store, cfg, [0, 1])
    (folder / "snapshot-10.npz").write_bytes(b"PK\x03\x04 torn")
    trainer = FakeTrainer()
    with caplog.at_level(logging.WARNING):
        run = run_shards(cfg, [0, 1], shard_size=2, store=store, trainer=trainer, device="cpu", progress=False)
    assert "trains again from the start" in caplog.text and run.artifact.networks == 2
    fresh = Store(store.root.parent / "fresh")
    run_shards(cfg, [0, 1], shard_size=2, store=fresh, trainer=FakeTrainer(), device="cpu", progress=False)
    assert (run.artifact.conv_weights() == fresh.get(cfg).conv_weights()).all()


def test_a_run_failing_before_any_progress_leaves_no_folder(store):
    cfg = FakeConfig()
    interrupted(store, cfg, [0, 1], after=0)
    assert not store.checkpoint_dir(cfg, [0, 1]).exists()
    assert not (store.checkpoints / store.key(cfg)).exists()
    assert pending_shards(store, cfg) == []


def test_a_run_failing_after_progress_keeps_what_resumes(store):
    folder = interrupted(store, FakeConfig(), [0, 1], after=1)
    assert (folder / "checkpoint.pt").exists() and (folder / "snapshot-0.npz").exists()


def test_checkpoints_of_stored_shards_are_removed(store):
    cfg = FakeConfig()
    folder = interrupted(store, cfg, [0, 1])
    store.put_shard(cfg, [0, 1], FakeTrainer()(cfg, [0, 1]))  # e.g. another worker stored the shard
    other = interrupted(store, cfg, [2])
    junk = store.checkpoints / store.key(cfg) / "shard-9-1"
    junk.mkdir()  # a folder without seeds.json or anything to resume
    assert clean_checkpoints(store, cfg) == [folder, junk]
    assert not folder.exists() and not junk.exists() and other.exists()
    run_shards(cfg, [0, 1, 2], shard_size=2, store=store, trainer=FakeTrainer(), device="cpu", progress=False)
    assert not (store.checkpoints / store.key(cfg)).exists()


def test_torn_metadata_of_cached_datasets_means_rebuild(tmp_path, caplog):
    from toponet.data import digit_domains, natural

    meta = tmp_path / "train.json"
    meta.write_text('{"build_vers')
    with caplog.at_level(logging.WARNING):
        assert digit_domains._read_meta(meta) == {}
    assert "rebuilding the cached stand-in" in caplog.text
    (tmp_path / "train.npz").write_bytes(b"")
    assert natural._cached(tmp_path, "train") is None
