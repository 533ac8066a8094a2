"""The book's JavaScript, served from ``_static`` so a page renders with no network.

* ``plotly.min.js``: copied from the Python ``plotly`` package (its ``package_data``), so
  the library always matches the figures' JSON schema;
* ``require.js``: npm package ``requirejs``, for outputs written by plotly's own
  ``require(["plotly"], ...)`` renderers;
* ``mathjax/``: npm package ``mathjax`` v3 (``tex-chtml.js`` with its fonts and the TeX
  extensions it loads on demand).

npm tarballs are fetched once into a cache folder (``npm pack``, or a plain HTTPS download
from the registry when ``npm`` is missing) and checked against the pinned integrity hashes
below. They are assembled into ``<cache>/static``, which the book's Sphinx extension adds to
``html_static_path``: they are NOT put in the repository's ``_static/``, because Jupyter Book
adds every ``.js`` file under ``_static/`` to every page (MathJax alone has hundreds).
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NpmPackage", "PACKAGES", "PLOTLY_JS", "REQUIRE_JS", "MATHJAX_JS", "default_cache_dir", "sri_hash",
           "fetch_package", "expected_versions", "prepare_static"]

log = logging.getLogger(__name__)

REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class NpmPackage:
    """A pinned npm package and the files the book takes from it.

    Attributes
    ----------
    name, version : str
    integrity : str
        The registry's Subresource-Integrity hash of the tarball ("sha512-<base64>").
    files : tuple of (path in the package, path under the static folder)
        A path may name a folder, copied whole.
    """

    name: str
    version: str
    integrity: str
    files: tuple[tuple[str, str], ...]

    @property
    def tarball_name(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


REQUIREJS = NpmPackage(
    "requirejs", "2.3.8",
    "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
    (("require.js", "require.js"),),
)
MATHJAX = NpmPackage(
    "mathjax", "3.2.2",
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
    # tex-chtml.js loads fonts from output/chtml/fonts and TeX packages (\boldsymbol, ...)
    # from input/tex/extensions on demand; ui/, a11y/ and sre/ serve MathJax's right-click menu.
    tuple((f"es5/{p}", f"mathjax/{p}") for p in
          ("tex-chtml.js", "input", "output/chtml", "ui", "a11y", "sre", "adaptors")),
)
PACKAGES = (REQUIREJS, MATHJAX)

#: Paths under the static folder that pages load (for the Sphinx extension and checks).
PLOTLY_JS = "plotly.min.js"
REQUIRE_JS = "require.js"
MATHJAX_JS = "mathjax/tex-chtml.js"


def default_cache_dir(root: str | os.PathLike = ".") -> Path:
    """``$TOPONET_BOOK_CACHE`` or ``<root>/cache/book-assets`` (git-ignored)."""
    env = os.environ.get("TOPONET_BOOK_CACHE")
    return Path(env) if env else Path(root).resolve() / "cache" / "book-assets"


def sri_hash(data: bytes) -> str:
    """Subresource-Integrity sha512 of ``data``, as npm records it."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _download(pkg: NpmPackage, dest_dir: Path) -> Path:
    """Fetch ``pkg``'s tarball into ``dest_dir`` with npm, else over HTTPS; return its path."""
    npm = shutil.which("npm")
    if npm:
        proc = subprocess.run([npm, "pack", f"{pkg.name}@{pkg.version}", "--pack-destination",
                               str(dest_dir), "--json", "--silent"],
                              capture_output=True, text=True, cwd=dest_dir)
        if proc.returncode != 0:
            raise RuntimeError(f"npm pack {pkg.name}@{pkg.version} failed ({proc.returncode}): "
                               f"{proc.stderr.strip()[-500:]}")
        return dest_dir / json.loads(proc.stdout)[0]["filename"]
    url = f"{REGISTRY}/{pkg.name}/-/{pkg.name.split('/')[-1]}-{pkg.version}.tgz"
    log.info("npm not found; downloading %s", url)
    path = dest_dir / pkg.tarball_name
    with urllib.request.urlopen(url, timeout=120) as response:
        path.write_bytes(response.read())
    return path


def fetch_package(pkg: NpmPackage, cache_dir: str | os.PathLike) -> Path:
    """The verified tarball of ``pkg`` in ``cache_dir``, downloaded on first use.

    Raises ``ValueError`` when the tarball's hash differs from the pinned one (a
    corrupted download or a registry that serves other bytes), deleting it.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / pkg.tarball_name
    if not path.exists():
        path = _download(pkg, cache_dir)
    got = sri_hash(path.read_bytes())
    if got != pkg.integrity:
        path.unlink()
        raise ValueError(f"{pkg.name}@{pkg.version}: tarball integrity {got[:24]}... does not match "
                         f"the pinned {pkg.integrity[:24]}...; deleted {path.name}, run again")
    return path


def _extract(pkg: NpmPackage, tarball: Path, static: Path) -> None:
    """Copy ``pkg.files`` from ``tarball`` (npm tarballs hold everything under package/)."""
    with tarfile.open(tarball, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        members = [m for m in tar.getmembers()
                   if any(m.name == f"package/{src}" or m.name.startswith(f"package/{src}/")
                          for src, _ in pkg.files)]
        tar.extractall(tmp, members=members, filter="data")
        for src, dst in pkg.files:
            source, target = Path(tmp, "package", src), static / dst
            if not source.exists():
                raise FileNotFoundError(f"{pkg.name}@{pkg.version} has no {src}")
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)


def _plotly_js() -> tuple[Path, str]:
    import plotly
    from plotly.offline import get_plotlyjs_version

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.exists():
        raise FileNotFoundError(f"the plotly package has no {path}; reinstall plotly")
    return path, get_plotlyjs_version()


def expected_versions() -> dict[str, str]:
    """Versions the static folder must hold: plotly.js (from Python plotly) and the npm pins."""
    versions = {"plotly.js": _plotly_js()[1]}
    versions.update({pkg.name: pkg.version for pkg in PACKAGES})
    return versions


def prepare_static(cache_dir: str | os.PathLike | None = None) -> Path:
    """Assemble ``<cache_dir>/static`` (plotly.min.js, require.js, mathjax/) and return it.

    Reused as long as its ``VERSIONS.json`` matches :func:`expected_versions`; otherwise
    rebuilt in a temporary folder and swapped in, so an interrupted run never leaves a
    half-filled folder behind.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    static = cache_dir / "static"
    stamp = static / "VERSIONS.json"
    versions = expected_versions()
    if stamp.exists() and json.loads(stamp.read_text()) == versions:
        return static
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="static-", dir=cache_dir))
    try:
        shutil.copy2(_plotly_js()[0], tmp / PLOTLY_JS)
        for pkg in PACKAGES:
            _extract(pkg, fetch_package(pkg, cache_dir), tmp)
        (tmp / "VERSIONS.json").write_text(json.dumps(versions, indent=2))
        if static.exists():
            shutil.rmtree(static)
        tmp.rename(static)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    log.info("book assets ready in %s: %s", static, versions)
    return static
