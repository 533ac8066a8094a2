"""Issue 14 items 3, 4 and 9: every CLI failure a user can cause is one line, no traceback.

Each case runs ``python -m toponet ...`` in a subprocess and asserts: the documented exit
code (2 usage, 1 runtime), exactly one line on stderr, no "Traceback", and that the line
names the file or option at fault.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy

A = ["analyze", "--k", "10", "--p", "0.5", "--null-repeats", "0"]


def toponet(*args, env: dict | None = None, cwd=None, timeout: float = 120):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "toponet", *map(str, args)], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


def assert_one_line(proc, code: int, *fragments: str) -> str:
    err = proc.stderr
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert proc.returncode == code, (proc.returncode, err)
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def files(tmp_path):
    """Input files a user might pass to ``toponet analyze``."""
    rng = np.random.default_rng(0)
    good = tmp_path / "filters.npy"
    np.save(good, rng.normal(size=(60, 9)))
    (tmp_path / "empty.npy").write_bytes(b"")
    (tmp_path / "folder.npy").mkdir()
    with open(tmp_path / "huge.npy", "wb") as fh:  # 848 bytes whose header claims 10^11 x 9 floats
        npy.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 11, 9)})
        fh.write(b"\0" * 720)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}] * 3, dtype=object), allow_pickle=True)
    np.save(tmp_path / "complex.npy", rng.normal(size=(60, 9)) + 1j)
    with zipfile.ZipFile(tmp_path / "zipped.npy", "w") as z:  # an .npz renamed
        z.writestr("x.npy", b"not really")
    (tmp_path / "filters.txt").write_text("1 2 3")
    (tmp_path / "page.html").write_text("<html>mine</html>")
    return tmp_path


ANALYZE_CASES = {
    "missing file": (["missing.npy"], 2, "missing.npy", "no such file"),
    "folder": (["folder.npy"], 2, "folder.npy", "is a folder"),
    "0-byte file (EOFError)": (["empty.npy"], 2, "empty.npy", "not a .npy file"),
    "header larger than file (MemoryError)": (["huge.npy"], 2, "huge.npy", "header promises shape (100000000000, 9)"),
    "pickled objects": (["objects.npy"], 2, "objects.npy", "real numeric"),
    "complex": (["complex.npy"], 2, "complex.npy", "complex"),
    "zip named .npy (BadZipFile)": (["zipped.npy"], 2, "zipped.npy", "not a .npy file"),
    "wrong suffix": (["filters.txt"], 2, "filters.txt", ".npy"),
    "--html is the input": (["filters.npy", "--html", "filters.npy"], 2, "--html filters.npy", ".html"),
    "--html not .html": (["filters.npy", "--html", "out.png"], 2, "--html out.png", ".html"),
    "--html a folder": (["filters.npy", "--html", "folder.npy"], 2, "is a folder"),
    "--html in a missing folder": (["filters.npy", "--html", "nowhere/r.html"], 2, "folder nowhere does not exist"),
    "--html exists": (["filters.npy", "--html", "page.html"], 2, "--html page.html", "--force"),
    "--null-repeats 1": (["filters.npy", "--null-repeats", "1"], 2, "--null-repeats 1", "at least 2"),
    "--p out of range": (["filters.npy", "--p", "1.5"], 2, "p must lie in (0, 1]"),
}


@pytest.mark.parametrize("case", sorted(ANALYZE_CASES))
def test_analyze_failures_are_one_line(files, case):
    args, code, *fragments = ANALYZE_CASES[case]
    before = {p: p.read_bytes() for p in files.iterdir() if p.is_file()}
    proc = toponet(*A, *args, cwd=files)
    assert_one_line(proc, code, "toponet analyze: error:", *fragments)
    assert {p: p.read_bytes() for p in files.iterdir() if p.is_file()} == before  # nothing overwritten


def test_analyze_html_with_force_overwrites_only_the_page(files):
    proc = toponet(*A, "filters.npy", "--html", "page.html", "--force", "--json", cwd=files)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["html"] == "page.html"
    assert "<html>mine</html>" not in (files / "page.html").read_text()


@pytest.fixture
def smoke_key():
    from toponet.experiments import experiment
    from toponet.store import config_key

    plan = experiment("mnist").plan("smoke")
    return config_key(plan.config), plan


def test_train_refused_by_the_lock_is_one_line(tmp_path, smoke_key):
    from toponet.shards import _claim
    from toponet.store import Store

    key, plan = smoke_key
    store = Store(tmp_path / "store")
    with _claim(store.checkpoint_dir(plan.config, plan.seeds)):
        proc = toponet("train", "mnist", "--profile", "smoke", "--store", store.root, "--device", "cpu", "--no-progress")
    assert_one_line(proc, 1, "toponet train: error:", "being trained by another process", "claim.lock")


def test_train_on_a_broken_manifest_is_one_line(tmp_path, smoke_key):
    key, _ = smoke_key
    manifest = tmp_path / "store" / key / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"format": 1, "key"')
    proc = toponet("train", "mnist", "--profile", "smoke", "--store", tmp_path / "store", "--device", "cpu",
                   "--no-progress")
    assert_one_line(proc, 1, str(manifest), "restore it")


def test_train_with_an_unreachable_scheduler_is_one_line(tmp_path):
    proc = toponet("train", "mnist", "--profile", "smoke", "--store", tmp_path, "--device", "cpu", "--no-progress",
                   "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1")
    assert_one_line(proc, 1, "--scheduler tcp://127.0.0.1:9", "dask scheduler")


def test_train_usage_errors(tmp_path):
    assert_one_line(toponet("train", "nonsense", "--store", tmp_path), 2, "nonsense")
    assert_one_line(toponet("train", "mnist", "--networks", "0", "--store", tmp_path), 2, "networks")


def test_store_usage_errors(tmp_path):
    assert_one_line(toponet("store", "ls", "--store", tmp_path / "typo"), 2, str(tmp_path / "typo"), "does not exist")
    (tmp_path / "s").mkdir()
    assert_one_line(toponet("store", "verify", "0" * 16, "--store", tmp_path / "s"), 2, "0000000000000000")
    env = {"TOPONET_STORE": str(tmp_path / "typo2")}
    assert_one_line(toponet("store", "ls", env=env), 2, "$TOPONET_STORE", "does not exist")


def test_fetch_weights_vgg_with_a_wrong_file_is_named(tmp_path):
    fake = tmp_path / "vgg16.pth"
    fake.write_bytes(b"not torchvision's weights")
    proc = toponet("fetch-weights", "vgg16", env={"TOPONET_VGG16_WEIGHTS": str(fake)})
    assert_one_line(proc, 1, str(fake), "does not start with 397923af")


def test_vgg_weights_with_the_right_prefix_pass(tmp_path, monkeypatch):
    import hashlib

    from toponet.pretrained import networks

    weights = tmp_path / "w.pth"
    weights.write_bytes(b"weights")
    prefix = hashlib.sha256(b"weights").hexdigest()[:8]
    monkeypatch.setitem(networks.VGG_FILES, "vgg16", f"vgg16-{prefix}.pth")
    assert networks.check_vgg_weights("vgg16", weights) == weights
    monkeypatch.setitem(networks.VGG_FILES, "vgg16", "vgg16-397923af.pth")
    networks._CHECKED.clear()
    with pytest.raises(ValueError, match=f"{weights}: sha256 .* does not start with 397923af"):
        networks.check_vgg_weights("vgg16", weights)


def test_book_usage_error_is_one_line(tmp_path):
    proc = toponet("book", "build", "--root", Path(__file__).resolve().parents[1], "--chapter", "zz", "--no-html")
    assert_one_line(proc, 2, "unknown chapter")


def test_describe_error_maps_every_kind():
    import zipfile as zf

    from toponet.cli import describe_error
    from toponet.store import StoreError

    assert describe_error(StoreError("x")) == (1, "x")
    assert describe_error(ValueError("bad")) == (2, "bad")
    assert describe_error(FileNotFoundError(2, "No such file or directory", "a.npy")) == \
        (2, "a.npy: No such file or directory")
    assert describe_error(PermissionError(13, "Permission denied", "/s"))[0] == 1
    assert describe_error(RuntimeError("locked"))[0] == 1
    for exc in (EOFError(), zf.BadZipFile("bad"), KeyError("k"), MemoryError()):
        assert describe_error(exc)[0] == 1
    code, message = describe_error(ZeroDivisionError("x"))
    assert code == 1 and "rerun with -v" in message
