"""Issue 23: the artifact index (``index.json``) makes every link of the store tamper-evident.

Each test tampers with a COPY: a store written in tmp_path by the store's own writers, plus
copies of one committed transfer artifact and one committed arrays study.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _fake_trainer import FakeConfig, FakeTrainer, drop_hashes, flip_byte

from toponet.cli import main
from toponet.store import Store, config_key
from toponet.store_index import Problem, artifact_provenance, check_index, file_sha256, read_index, verify_index

REPO = Path(__file__).resolve().parent.parent
TRANSFER, STUDY = "69a98a2a9ddb0714", "252a13ba7c6dd007"  # committed: with transfer-0-3.json; an arrays study
OTHER = FakeConfig(widths=(8, 0, 16))
KEY, OTHER_KEY = config_key(FakeConfig()), config_key(OTHER)


def put(store, config, seeds):
    return store.put_shard(config, seeds, FakeTrainer()(config, seeds), device="cpu", wall_time_s=1.0)


@pytest.fixture
def store(tmp_path, capsys):
    s = Store(tmp_path / "store")
    put(s, FakeConfig(), [0, 1])
    put(s, FakeConfig(), [2])
    put(s, OTHER, [0])
    for key in (TRANSFER, STUDY):
        if not (REPO / "artifacts" / key).is_dir():
            pytest.skip(f"committed artifact {key} absent")
        shutil.copytree(REPO / "artifacts" / key, s.root / key)
    assert main(["store", "index", "--store", str(s.root)]) == 0
    assert "4 entries changed" in capsys.readouterr().out
    return s


def verify(store, capsys, *extra):
    code = main(["store", "verify", "--store", str(store.root), *extra])
    return code, capsys.readouterr().out


def rewrite(path: Path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def manifest(store, key=KEY):
    return store.root / key / "manifest.json"


#: tamper name -> (what to do to the store root, the file the report must name, words it must say)
TAMPERS = {
    "dataset deleted": (lambda r: rewrite(r / KEY / "manifest.json", lambda d: d.pop("dataset")),
                        f"{KEY}/manifest.json", "field 'dataset' is missing"),
    "100000 [": (lambda r: (r / KEY / "manifest.json").write_text("[" * 100_000),
                 f"{KEY}/manifest.json", "nested too deeply"),
    "manifest deleted": (lambda r: (r / KEY / "manifest.json").unlink(), f"{KEY}/manifest.json", "missing"),
    "shards emptied": (lambda r: rewrite(r / KEY / "manifest.json", lambda d: d.update(shards=[])),
                       f"{KEY}/manifest.json", "differs from the index"),
    "iteration dropped": (lambda r: rewrite(r / TRANSFER / "manifest.json", lambda d: d["iterations"].remove(300)),
                          f"{TRANSFER}/manifest.json", "differs from the index"),
    "config.lr edited": (lambda r: rewrite(r / KEY / "manifest.json", lambda d: d["config"].update(lr=0.1)),
                         f"{KEY}/manifest.json", "differs from the index"),
    "arch edited": (lambda r: rewrite(r / KEY / "manifest.json", lambda d: d.update(arch="M(64,0,64)")),
                    f"{KEY}/manifest.json", "differs from the index"),
    "every sha256 removed": (lambda r: rewrite(r / KEY / "manifest.json", drop_hashes),
                             f"{KEY}/manifest.json", "differs from the index"),
    "arrays.npz bit flipped": (lambda r: flip_byte(r / STUDY / "arrays.npz"), f"{STUDY}/arrays.npz",
                               "differs from the index"),
    "transfer json edited": (lambda r: rewrite(r / TRANSFER / "transfer-0-3.json", lambda d: d.update(seeds=[0, 1, 2])),
                             f"{TRANSFER}/transfer-0-3.json", "differs from the index"),
    "transfer json deleted": (lambda r: (r / TRANSFER / "transfer-0-3.json").unlink(),
                              f"{TRANSFER}/transfer-0-3.json", "missing"),
    "folder deleted": (lambda r: shutil.rmtree(r / OTHER_KEY), OTHER_KEY, "its folder is missing"),
    "shard bit flipped": (lambda r: flip_byte(r / KEY / "shard-0-2.npz"), f"{KEY}/shard-0-2.npz", "sha256"),
    "file added": (lambda r: shutil.copy(r / KEY / "shard-2-1.npz", r / KEY / "shard-7-1.npz"),
                   f"{KEY}/shard-7-1.npz", "not in the index of artifact"),
}


def test_the_fixture_store_verifies_strictly(store, capsys):
    code, out = verify(store, capsys, "--strict")
    assert code == 0, out
    assert "4 of 4 artifacts intact" in out and "and the artifact index" in out and "BROKEN" not in out
    assert verify_index(store.root, strict=True) == []


@pytest.mark.parametrize("how", sorted(TAMPERS))
def test_verify_names_each_tampered_link(store, capsys, how):
    tamper, file, words = TAMPERS[how]
    tamper(store.root)
    code, out = verify(store, capsys)
    assert code == 1, out
    lines = [line for line in out.splitlines() if line.startswith("BROKEN") and str(store.root / file) in line]
    assert lines and any(words in line for line in lines), out
    untouched = {OTHER_KEY, STUDY, TRANSFER} - {file.split("/")[0]}
    assert all(f"ok {k}:" in out for k in untouched), out  # every healthy artifact is still listed
    assert any(str(store.root / file) in str(p) for p in verify_index(store.root))


@pytest.mark.parametrize("how", ["dataset deleted", "100000 ["])
def test_ls_lists_the_healthy_and_names_the_broken(store, capsys, how):
    TAMPERS[how][0](store.root)
    assert main(["store", "ls", "--store", str(store.root)]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN {KEY}: {manifest(store)}" in out and TAMPERS[how][2] in out
    assert OTHER_KEY in out and TRANSFER in out and f"{STUDY}  arrays study" in out
    assert "(2 artifacts and 1 arrays studies" in out


def test_any_exception_in_one_folder_is_that_folders_problem(store, capsys, monkeypatch):
    from toponet import store as store_mod

    def boom(self):
        raise KeyError("surprise")

    monkeypatch.setattr(store_mod.Artifact, "summary", boom)
    assert main(["store", "ls", "--store", str(store.root)]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN {KEY}: {manifest(store)}: KeyError: 'surprise'" in out


def test_all_tampers_at_once_through_python_m_toponet(store):
    """The real entry point: every problem on its own line, exit 1, no traceback."""
    for how in ("iteration dropped", "arrays.npz bit flipped", "folder deleted", "dataset deleted"):
        TAMPERS[how][0](store.root)
    proc = subprocess.run([sys.executable, "-m", "toponet", "store", "verify", "--store", str(store.root)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    for how in ("iteration dropped", "arrays.npz bit flipped", "folder deleted", "dataset deleted"):
        assert str(store.root / TAMPERS[how][1]) in proc.stdout, how


def test_record_does_not_bless_a_modified_shard(store, capsys):
    path = store.root / KEY / "shard-0-2.npz"
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["conv1@30"] = arrays["conv1@30"] + 1.0  # a valid shard with other weights
    np.savez_compressed(path, **arrays)
    rewrite(manifest(store), drop_hashes)
    code, out = verify(store, capsys, "--record")
    assert code == 1
    assert f"toponet store index --update {KEY}" in out and "shard-0-2.npz" in out
    assert all("sha256" not in s for s in json.loads(manifest(store).read_text())["shards"])
    code, out = verify(store, capsys)
    assert code == 1 and str(path) in out


def test_record_restores_indexed_hashes_byte_for_byte(store, capsys):
    before = manifest(store).read_bytes()
    doc = json.loads(before)
    drop_hashes(doc)
    from toponet.store import _write_json

    _write_json(manifest(store), doc)  # the store's own format: only the hashes are gone
    assert verify(store, capsys)[0] == 1
    code, out = verify(store, capsys, "--record")
    assert code == 0, out
    assert "sha256 recorded now for shard-0-2.npz, shard-2-1.npz" in out
    assert manifest(store).read_bytes() == before


def test_record_refuses_an_unindexed_artifact(store, capsys):
    put(store, FakeConfig(widths=(4, 0, 8)), [0])  # the writer indexes it ...
    key = config_key(FakeConfig(widths=(4, 0, 8)))
    doc = read_index(store.root)
    del doc["artifacts"][key]  # ... then it is dropped from the index
    (store.root / "index.json").write_text(json.dumps(doc, sort_keys=True, indent=1) + "\n")
    rewrite(manifest(store, key), drop_hashes)
    code, out = verify(store, capsys, "--record")
    assert code == 1 and "is not in the artifact index" in out and f"--update {key}" in out


def test_writers_keep_the_index(store, capsys):
    put(store, FakeConfig(), [3, 4])  # training is the legitimate writer
    folder = store.put_arrays(FakeConfig(dataset="fashion"), {"a": np.arange(3.0)})
    entry = read_index(store.root)["artifacts"]
    assert "shard-3-2.npz" in entry[KEY]["files"]
    assert entry[folder.name] == {"key": folder.name, "kind": "arrays", **{
        k: v for k, v in artifact_provenance(store.root, folder.name).items() if k != "key"}}
    assert verify(store, capsys, "--strict")[0] == 0


def test_a_writer_does_not_bless_a_file_changed_behind_its_back(store, capsys):
    flip_byte(store.root / KEY / "shard-2-1.npz")
    put(store, FakeConfig(), [5])
    code, out = verify(store, capsys)
    assert code == 1 and str(store.root / KEY / "shard-2-1.npz") in out


def test_unindexed_folders_fail_only_with_strict(store, capsys):
    (store.root / "index.json").unlink()
    put(store, FakeConfig(widths=(4, 0, 8)), [0])  # no index: the writer writes none
    assert not (store.root / "index.json").exists()
    assert main(["store", "index", "--store", str(store.root), KEY, OTHER_KEY, TRANSFER, STUDY]) == 0
    capsys.readouterr()
    code, out = verify(store, capsys)
    key = config_key(FakeConfig(widths=(4, 0, 8)))
    assert code == 0 and f"{store.root / key}: not in the index (uncommitted or new; `toponet store index` adds it)" \
        in out
    assert verify(store, capsys, "--strict")[0] == 1
    assert main(["store", "index", "--store", str(store.root)]) == 0
    assert f"{key}: added (shards: manifest.json + 1 file)" in capsys.readouterr().out
    assert verify(store, capsys, "--strict")[0] == 0


def test_no_index_says_so_and_checks_what_it_can(store, capsys):
    (store.root / "index.json").unlink()
    code, out = verify(store, capsys)
    assert code == 0 and out.splitlines()[0].startswith(f"no artifact index {store.root / 'index.json'}")
    assert verify(store, capsys, "--strict")[0] == 1
    flip_byte(store.root / KEY / "shard-0-2.npz")
    assert verify(store, capsys)[0] == 1


def test_update_after_a_deliberate_change(store, capsys):
    rewrite(manifest(store), lambda d: d["config"].update(lr=0.1))
    rewrite(store.root / TRANSFER / "transfer-0-3.json", lambda d: None)  # same numbers, other bytes
    shutil.rmtree(store.root / OTHER_KEY)
    assert verify(store, capsys)[0] == 1
    assert main(["store", "index", "--update", KEY, TRANSFER, OTHER_KEY, "--store", str(store.root)]) == 0
    out = capsys.readouterr().out
    assert f"{KEY}: updated: manifest.json changed" in out
    assert f"{TRANSFER}: updated: transfer-0-3.json changed" in out
    assert f"{OTHER_KEY}: removed (its folder is gone)" in out
    assert verify(store, capsys, "--strict")[0] == 0


def test_plain_index_leaves_indexed_entries_alone_and_refuses_broken_folders(store, capsys):
    rewrite(manifest(store), lambda d: d["config"].update(lr=0.1))
    assert main(["store", "index", "--store", str(store.root), KEY]) == 0
    assert "already indexed (unchanged" in capsys.readouterr().out
    assert verify(store, capsys)[0] == 1  # still reported: only --update blesses a change
    put(store, FakeConfig(widths=(4, 0, 8)), [0])
    key = config_key(FakeConfig(widths=(4, 0, 8)))
    doc = read_index(store.root)
    del doc["artifacts"][key]
    (store.root / "index.json").write_text(json.dumps(doc))
    flip_byte(store.root / key / "shard-0-1.npz")
    assert main(["store", "index", "--store", str(store.root)]) == 1
    assert f"{key}: refused: {store.root / key / 'shard-0-1.npz'}: sha256" in capsys.readouterr().out
    assert key not in read_index(store.root)["artifacts"]


def test_index_is_deterministic(store):
    text = (store.root / "index.json").read_text()
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=1) + "\n"
    entry = json.loads(text)["artifacts"][TRANSFER]
    assert entry == {"key": TRANSFER, "kind": "shards", **{k: v for k, v in artifact_provenance(
        store, TRANSFER).items() if k != "key"}}
    # the first shard and its transfer record (G1's arms were later topped up with shard 3)
    assert {"shard-0-3.npz", "transfer-0-3.json"} <= set(entry["files"])
    assert entry["manifest_sha256"] == file_sha256(store.root / TRANSFER / "manifest.json")


def test_python_api(store):
    prov = artifact_provenance(store, STUDY)
    assert prov == {"key": STUDY, "manifest_sha256": file_sha256(store.root / STUDY / "arrays.json"),
                    "files": {"arrays.npz": file_sha256(store.root / STUDY / "arrays.npz")}}
    with pytest.raises(FileNotFoundError, match="not an artifact"):
        artifact_provenance(store.root, "0" * 16)
    (store.root / STUDY / "arrays.npz").unlink()
    problems = verify_index(store.root)
    assert problems == [Problem(str(store.root / STUDY / "arrays.npz"), problems[0].problem)]
    assert str(problems[0]).startswith(f"{store.root / STUDY / 'arrays.npz'}: missing")


def test_a_broken_index_is_named(store, capsys):
    (store.root / "index.json").write_text("{" * 5)
    code, out = verify(store, capsys)
    assert code == 1 and f"BROKEN {store.root / 'index.json'}: unreadable artifact index" in out
    assert [str(p).split(":")[0] for p in check_index(store.root)] == [str(store.root / "index.json")]


def test_committed_index_matches_the_committed_artifacts(tmp_path):
    """``toponet store verify --strict`` passes on the committed files (a fresh clone's artifacts/)."""
    arts = REPO / "artifacts"
    try:
        tracked = subprocess.run(["git", "ls-files", "artifacts"], cwd=REPO, capture_output=True, text=True,
                                 check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    if "artifacts/index.json" not in tracked:
        pytest.skip("no committed artifact index")
    for name in tracked:  # links, not copies: 100 MB stay where they are
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).symlink_to(REPO / name)
    proc = subprocess.run([sys.executable, "-m", "toponet", "store", "verify", "--strict", "--store",
                           str(tmp_path / "artifacts")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "BROKEN" not in proc.stdout and "unindexed" not in proc.stdout
    indexed = set(read_index(arts)["artifacts"])
    assert indexed == {name.split("/")[1] for name in tracked if name.count("/") == 2}
