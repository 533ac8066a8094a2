"""Issue 14 item 2: the store checks itself (manifest structure, confined files, seeds, sha256)."""
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _fake_trainer import FakeConfig, FakeTrainer, drop_hashes, flip_byte

from toponet import store as store_mod
from toponet.cli import main
from toponet.store import Store, StoreError, config_key, file_sha256

REPO = Path(__file__).resolve().parent.parent
OTHER = FakeConfig(widths=(8, 0, 16))


def put(store, config, seeds):
    return store.put_shard(config, seeds, FakeTrainer()(config, seeds), device="cpu", wall_time_s=1.0)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store")
    put(s, FakeConfig(), [0, 1])
    put(s, OTHER, [0])
    return s


def manifest_path(store, cfg=FakeConfig()):
    return store.path(cfg) / "manifest.json"


def edit_manifest(store, change, cfg=FakeConfig()):
    path = manifest_path(store, cfg)
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


CORRUPTIONS = {
    "truncated": lambda p: p.write_text(p.read_text()[:100]),
    "not json": lambda p: p.write_text("this is not JSON"),
    "a list": lambda p: p.write_text("[]"),
    "no shards": lambda p: p.write_text(json.dumps({k: v for k, v in json.loads(p.read_text()).items()
                                                    if k != "shards"})),
    "shard not an object": lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "shards": [1]})),
    "empty file": lambda p: p.write_text(""),
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_a_broken_manifest_is_named_and_the_rest_listed(store, how):
    path = manifest_path(store)
    CORRUPTIONS[how](path)
    rows = store.scan()
    assert [r["status"] for r in rows] == ["ok", "broken"]
    assert rows[0]["key"] == config_key(OTHER)
    assert rows[1]["key"] == config_key(FakeConfig()) and str(path) in rows[1]["problem"]
    assert [r["key"] for r in store.ls()] == [config_key(OTHER)]
    with pytest.raises(StoreError, match=str(path)):
        store.get(FakeConfig())
    with pytest.raises(StoreError, match="restore it"):  # and training the same config says so too
        put(store, FakeConfig(), [5])


def test_shard_file_is_confined_to_its_folder(store):
    edit_manifest(store, lambda d: d["shards"][0].update(file="../" + config_key(OTHER) + "/shard-0-1.npz"))
    with pytest.raises(StoreError, match="not a shard file name"):
        store.get(FakeConfig())


def test_seeds_are_checked_against_the_shard(store):
    edit_manifest(store, lambda d: d["shards"][0].update(seeds=[0, 1, 2]))  # the edit
    with pytest.raises(StoreError, match=r"does not match its seeds \(expected shard-0-3.npz\)"):
        store.get(FakeConfig())
    edit_manifest(store, lambda d: d["shards"][0].update(seeds=[0, 5], networks=2))  # same count
    art = store.get(FakeConfig())  # the manifest alone looks fine ...
    with pytest.raises(StoreError, match=r"holds seeds \[0, 1\] but the manifest lists \[0, 5\]"):
        art.check()  # ... the shard does not
    assert store.scan()[-1]["status"] == "broken"


def test_put_shard_records_the_sha256(store):
    shard = store.get(FakeConfig()).manifest["shards"][0]
    assert shard["sha256"] == file_sha256(store.path(FakeConfig()) / shard["file"])


def test_a_flipped_byte_is_named_on_read(store):
    path = store.path(FakeConfig()) / "shard-0-2.npz"
    art = store.get(FakeConfig())
    flip_byte(path)
    with pytest.raises(StoreError, match=rf"{path}: sha256 .* differs from the manifest's"):
        art.conv_weights()
    row = store.scan()[-1]
    assert row["status"] == "broken" and str(path) in row["problem"]


def test_the_hash_is_checked_once_per_process(store, monkeypatch):
    calls = []
    monkeypatch.setattr(store_mod, "file_sha256", lambda p: calls.append(p) or file_sha256(p))
    monkeypatch.setattr(store_mod, "_VERIFIED", set())
    store.get(FakeConfig()).conv_weights()
    store.get(FakeConfig()).conv_weights(1, 0)
    store.get(FakeConfig()).test_accuracy()
    assert len(calls) == 1


def test_unhashed_shards_read_and_get_recorded(store):
    edit_manifest(store, drop_hashes)
    art = store.get(FakeConfig())
    assert art.conv_weights().shape[0] == 2  # readable without a hash
    row = store.scan()[-1]
    assert row["status"] == "ok" and row["unhashed_shards"] == ["shard-0-2.npz"]
    assert store.record_hashes(config_key(FakeConfig())) == ["shard-0-2.npz"]
    assert store.scan()[-1]["unhashed_shards"] == []
    flip_byte(store.path(FakeConfig()) / "shard-0-2.npz")
    assert store.scan()[-1]["status"] == "broken"


def test_record_refuses_a_shard_that_does_not_match(store):
    edit_manifest(store, lambda d: (drop_hashes(d), d["shards"][0].update(seeds=[0, 5])))
    with pytest.raises(StoreError, match=r"holds seeds \[0, 1\]"):
        store.record_hashes(config_key(FakeConfig()))
    assert "sha256" not in json.loads(manifest_path(store).read_text())["shards"][0]


def test_cli_ls_names_the_broken_artifact(store, capsys):
    flip_byte(store.path(FakeConfig()) / "shard-0-2.npz")
    assert main(["store", "ls", "--store", str(store.root)]) == 1
    out = capsys.readouterr().out
    assert config_key(OTHER) in out and f"BROKEN {config_key(FakeConfig())}" in out and "shard-0-2.npz" in out
    assert main(["store", "ls", "--json", "--store", str(store.root)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in rows] == ["ok", "broken"] and "shard-0-2.npz" in rows[1]["problem"]


def test_cli_ls_says_no_hash_recorded(store, capsys):
    edit_manifest(store, drop_hashes)
    assert main(["store", "ls", "--store", str(store.root)]) == 0
    assert "no hash recorded" in capsys.readouterr().out
    assert main(["store", "ls", "--json", "--store", str(store.root)]) == 0
    rows = {r["key"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[config_key(FakeConfig())]["unhashed_shards"] == ["shard-0-2.npz"]
    assert rows[config_key(OTHER)]["unhashed_shards"] == []


def test_cli_verify_and_record(store, capsys):
    edit_manifest(store, drop_hashes)
    assert main(["store", "verify", "--store", str(store.root)]) == 0
    assert "1 with no hash recorded" in capsys.readouterr().out
    assert main(["store", "verify", "--record", "--store", str(store.root)]) == 0
    assert "sha256 recorded now for shard-0-2.npz" in capsys.readouterr().out
    assert main(["store", "verify", "--store", str(store.root)]) == 0
    assert "every sha256 matches" in capsys.readouterr().out


def test_cli_verify_names_a_flipped_byte(store, capsys):
    path = store.path(FakeConfig()) / "shard-0-2.npz"
    flip_byte(path)
    assert main(["store", "verify", "--store", str(store.root)]) == 1
    assert f"BROKEN {config_key(FakeConfig())}: {path}: sha256" in capsys.readouterr().out


def test_cli_verify_finds_corruption_in_an_unhashed_shard(store, capsys):
    edit_manifest(store, drop_hashes)
    flip_byte(store.path(FakeConfig()) / "shard-0-2.npz")
    assert main(["store", "verify", "--store", str(store.root)]) == 1
    assert "shard-0-2.npz: unreadable shard" in capsys.readouterr().out


def test_committed_artifacts_verify(tmp_path):
    """``toponet store verify`` on the committed store passes (unhashed shards are no failure)."""
    if not (REPO / "artifacts").is_dir():
        pytest.skip("not a checkout")
    proc = subprocess.run([sys.executable, "-m", "toponet", "store", "verify", "--store", str(REPO / "artifacts")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BROKEN" not in proc.stdout


def test_a_copy_of_a_committed_artifact_with_a_flipped_byte_fails(tmp_path):
    arts = REPO / "artifacts"
    smallest = min((p for p in arts.glob("*/manifest.json")), key=lambda p: sum(f.stat().st_size for f in p.parent.iterdir()),
                   default=None)
    if smallest is None:
        pytest.skip("no committed artifacts")
    copy = tmp_path / "store" / smallest.parent.name
    shutil.copytree(smallest.parent, copy)
    shard = sorted(copy.glob("shard-*.npz"))[0]
    flip_byte(shard)
    proc = subprocess.run([sys.executable, "-m", "toponet", "store", "verify", "--store", str(tmp_path / "store")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and str(shard) in proc.stdout and "Traceback" not in proc.stderr


def test_store_files_follow_the_umask(tmp_path):
    """Item 8: files are as readable as the umask allows (mkstemp alone gives 0600)."""
    old = os.umask(0o022)
    try:
        s = Store(tmp_path / "store")
        put(s, FakeConfig(), [0])
    finally:
        os.umask(old)
    for f in s.path(FakeConfig()).iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f


def test_ls_of_a_missing_store_folder_is_an_error(tmp_path, capsys):
    """Item 8: ``store ls --store /typo`` says the folder does not exist (exit 2)."""
    assert main(["store", "ls", "--store", str(tmp_path / "typo")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_arrays_are_hashed_and_bad_files_named(tmp_path):
    s = Store(tmp_path / "store")
    folder = s.put_arrays(FakeConfig(), {"a": [1.0, 2.0]})
    meta = json.loads((folder / "arrays.json").read_text())
    assert meta["sha256"] == file_sha256(folder / "arrays.npz")
    assert s.get_arrays(FakeConfig())[0]["a"].tolist() == [1.0, 2.0]
    flip_byte(folder / "arrays.npz")
    with pytest.raises(StoreError, match=f"{folder / 'arrays.npz'}: sha256"):
        s.get_arrays(FakeConfig())
    (folder / "arrays.json").write_text("{")
    with pytest.raises(StoreError, match=f"{folder / 'arrays.json'}: unreadable"):
        s.get_arrays(FakeConfig())
