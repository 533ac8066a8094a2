"""A content-addressed store of trained networks' conv weights.

An *artifact* is every network trained under one :class:`~toponet.train.TrainConfig`
(and one version of the training code). Its key is the first 16 hex digits of the
sha256 of the canonical JSON of the config plus ``TRAIN_CODE_VERSION``; seeds are not
part of the key. An artifact grows by *shards*: groups of seeds trained together, possibly
in different runs, on different machines, until an experiment profile's network count is
reached. A seed may appear in only one shard.

Layout under the store root (see ``artifacts/README.md``)::

    <root>/<key>/manifest.json             config, arch, shards (seeds, versions, device, ...)
    <root>/<key>/shard-<first seed>-<n>.npz  "conv1@2000": (n, out, in, 3, 3) float32, ...
                                            "train_accuracy@2000", "test_accuracy@2000": (n,)
    <root>/<key>/transfer-<first seed>-<n>.json  accuracies on the config's ``transfer`` datasets
                                            (only for configs that name some; see :func:`transfer_record`)
    <root>/<key>/arrays.json + arrays.npz  instead of a manifest: named arrays of a study (:meth:`Store.put_arrays`)
    <root>/index.json                      the sha256 of every file of every artifact (:mod:`toponet.store_index`)
    <root>/.locks/<key>.lock               held while the manifest is merged (git-ignored)

Resumable training checkpoints never go into the store root: see :attr:`Store.checkpoints`.
The root is ``$TOPONET_STORE`` if set, else the checkout's ``artifacts/`` folder when toponet
runs from a git checkout, else ``~/.cache/toponet/store``.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import platform
import re
import sys
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from toponet import provenance, store_index
from toponet._io import atomic_write, atomic_write_text
from toponet.store_index import file_lock as _file_lock
from toponet.store_index import file_sha256

__all__ = ["train_code_version", "default_root", "config_dict", "config_key", "arch_string", "iteration_label",
           "check_seeds", "shard_name", "transfer_record", "StoreError", "Artifact", "Store"]

log = logging.getLogger(__name__)

#: Version of the on-disk layout (manifest and shard files), not of the training code.
STORE_FORMAT = 1

#: Used only while ``toponet.train`` does not define its own ``TRAIN_CODE_VERSION``.
#: Bump it (there) whenever a change to the training code changes the weights it produces.
FALLBACK_TRAIN_CODE_VERSION = 1

KEY_LENGTH = 16
_KEY_RE = re.compile(r"^[0-9a-f]{%d}$" % KEY_LENGTH)
_REPO = Path(__file__).resolve().parent.parent


def train_code_version() -> int | str:
    """``toponet.train.TRAIN_CODE_VERSION`` if that module defines it, else the fallback."""
    try:
        train = importlib.import_module("toponet.train")
    except ModuleNotFoundError as exc:
        if exc.name != "toponet.train":
            raise  # toponet.train exists but is broken: do not silently change every key
        return FALLBACK_TRAIN_CODE_VERSION
    return getattr(train, "TRAIN_CODE_VERSION", FALLBACK_TRAIN_CODE_VERSION)


def _repo_artifacts() -> Path | None:
    """The checkout's ``artifacts/`` folder, or None when toponet is installed elsewhere."""
    if (_REPO / "pyproject.toml").is_file() and (_REPO / "artifacts").is_dir():
        return _REPO / "artifacts"
    return None


def default_root() -> Path:
    """``$TOPONET_STORE``, else the checkout's ``artifacts/``, else ``~/.cache/toponet/store``."""
    env = os.environ.get("TOPONET_STORE")
    if env:
        return Path(env).expanduser()
    return _repo_artifacts() or Path.home() / ".cache" / "toponet" / "store"


def config_dict(config) -> dict:
    """The config as a JSON-ready dict (tuples become lists).

    Fields named in the config class's ``KEY_OPTIONAL`` (fields added after artifacts were
    stored) are left out while they hold their default, so adding such a field does not
    change the keys of existing artifacts.
    """
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        d = json.loads(json.dumps(dataclasses.asdict(config)))
        for f in dataclasses.fields(config):
            if f.name in getattr(type(config), "KEY_OPTIONAL", ()) and getattr(config, f.name) == f.default:
                d.pop(f.name, None)
        return d
    raise TypeError(f"config must be a dataclass instance (e.g. a TrainConfig); got {type(config).__name__}")


def config_key(config) -> str:
    """The artifact key of ``config``: 16 hex digits of sha256 of its canonical JSON.

    The JSON holds every config field and the training code version, with sorted keys and
    no whitespace, so equal configs give equal keys on every machine.
    """
    payload = {"config": config_dict(config), "train_code_version": train_code_version()}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def arch_string(cfg: Mapping) -> str:
    """The paper's architecture notation, e.g. ``"M(64,32,64)"``, from a config dict."""
    widths = cfg.get("widths")
    if widths is None:
        return str(cfg.get("arch", "?"))
    return f"{cfg.get('arch', '?')}({','.join(str(int(w)) for w in widths)})"


def iteration_label(iteration: int) -> str:
    """Batch iterations as the paper writes them: 40000 -> "40K", 1500 -> "1500"."""
    iteration = int(iteration)
    return f"{iteration // 1000}K" if iteration >= 1000 and iteration % 1000 == 0 else str(iteration)


def layer_name(layer) -> str:
    """``1`` or ``"conv1"`` -> ``"conv1"``."""
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        return f"conv{int(layer)}"
    if isinstance(layer, str) and re.fullmatch(r"conv\d+", layer):
        return layer
    raise ValueError(f"layer must be a conv layer number (1, 2) or name ('conv1'); got {layer!r}")


def check_seeds(seeds) -> tuple[int, ...]:
    """Seeds as a tuple of distinct non-negative ints, or raise naming the problem."""
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a sequence of integers; got {type(seeds).__name__}")
    out = []
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"seeds must be integers; got {s!r} ({type(s).__name__})")
        if s < 0:
            raise ValueError(f"seeds must be >= 0; got {int(s)}")
        out.append(int(s))
    if not out:
        raise ValueError("seeds is empty; a shard needs at least one seed")
    dup = sorted({s for s in out if out.count(s) > 1})
    if dup:
        raise ValueError(f"seeds must be distinct; repeated: {dup}")
    return tuple(out)


def shard_name(seeds: Sequence[int]) -> str:
    """``shard-<first seed>-<n>``."""
    return f"shard-{seeds[0]}-{len(seeds)}"


def transfer_name(seeds: Sequence[int]) -> str:
    """``transfer-<first seed>-<n>.json``: the file beside a shard holding its transfer accuracies."""
    return f"transfer-{seeds[0]}-{len(seeds)}.json"


def _json_float(x) -> float | None:
    """A transfer accuracy as JSON: full precision; NaN (not evaluated) -> None."""
    x = float(x)
    return x if np.isfinite(x) else None


def transfer_record(seeds: Sequence[int], snapshots, datasets: Sequence[str] = ()) -> dict | None:
    """The transfer-accuracy document of one shard, or None when nothing was measured.

    Parameters
    ----------
    seeds : sequence of int, the shard's networks in the trainer's order (n of them)
    snapshots : sequence of Snapshot; each may carry ``transfer_accuracy`` {dataset: (n,)}
        (fractions in [0, 1], NaN when not evaluated) and ``transfer_examples`` {dataset: int}
    datasets : the config's ``transfer`` datasets; every snapshot must hold each of them

    Returns
    -------
    dict ``{"seeds": [n ints], "accuracy": {"<iteration>": {dataset: [n floats or None]}},
    "examples": {"<iteration>": {dataset: int}}}`` (iterations as strings, None for NaN), or
    None when ``datasets`` is empty and no snapshot carries transfer accuracies.

    Raises
    ------
    ValueError
        A snapshot lacks one of ``datasets`` (a trainer that does not measure them, or
        snapshots restored without them), or an accuracy array does not hold one value per seed.
    """
    seeds = check_seeds(seeds)
    n, datasets = len(seeds), tuple(datasets)
    doc: dict = {"seeds": list(seeds), "accuracy": {}, "examples": {}}
    for snap in sorted(snapshots, key=lambda s: s.iteration):
        it = int(snap.iteration)
        acc = dict(getattr(snap, "transfer_accuracy", None) or {})
        missing = [d for d in datasets if d not in acc]
        if missing:
            raise ValueError(f"the snapshot at iteration {it} has no transfer accuracy on {missing}, which the "
                             f"config's transfer names; the trainer must measure them "
                             f"(toponet.train.train_ensemble does)")
        if not acc:
            continue
        examples = dict(getattr(snap, "transfer_examples", None) or {})
        doc["accuracy"][str(it)] = {}
        for name, values in acc.items():
            values = np.asarray(values, dtype=np.float64).reshape(-1)
            if values.shape != (n,):
                raise ValueError(f"transfer accuracy on {name!r} at iteration {it} has shape {values.shape}; "
                                 f"expected ({n},), one value per seed")
            doc["accuracy"][str(it)][str(name)] = [_json_float(a) for a in values]
        doc["examples"][str(it)] = {str(k): int(v) for k, v in examples.items()}
    return doc if doc["accuracy"] else None


def library_versions() -> dict[str, str]:
    """Versions of python, numpy, torch and toponet (``"absent"`` when not installed)."""
    out = {"python": platform.python_version()}
    for dist in ("numpy", "torch", "toponet"):
        if dist in sys.modules and hasattr(sys.modules[dist], "__version__"):
            out[dist] = str(sys.modules[dist].__version__)  # torch's includes its CUDA build, "+cu130"
            continue
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def hardware(device: str) -> dict[str, object]:
    """What the training ran on: CPU model and core count, and the GPU name on CUDA."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    out: dict[str, object] = {"cpu": cpu, "cpu_count": os.cpu_count()}
    if str(device).startswith("cuda"):
        import torch

        out["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return out


class StoreError(ValueError):
    """A stored file is missing, unreadable or inconsistent; the message names the file and the fix."""


_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SHARD_FILE_RE = re.compile(r"^shard-\d+-\d+\.npz$")
_MANIFEST_FIX = ("restore it (git checkout -- FILE in a checkout, or from a backup), or move its folder "
                 "aside and train again")


def _manifest_problem(manifest, folder_name: str) -> str | None:
    """What is wrong with a parsed manifest's structure, or None if nothing is."""
    if not isinstance(manifest, dict):
        return f"holds a JSON {type(manifest).__name__}, not an object"
    if manifest.get("format") != STORE_FORMAT:
        return f"store format {manifest.get('format')!r}; this toponet reads {STORE_FORMAT}"
    for name, kind in (("key", str), ("config", dict), ("arch", str), ("iterations", list), ("shards", list)):
        if not isinstance(manifest.get(name), kind):
            return f"field {name!r} is missing or not a {kind.__name__}"
    if "dataset" not in manifest:
        return "field 'dataset' is missing"
    if manifest["key"] != folder_name:
        return f"key {manifest['key']!r} differs from its folder's name {folder_name!r}"
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in manifest["iterations"]):
        return f"iterations {manifest['iterations']!r} are not all integers"
    seen: set[int] = set()
    for i, shard in enumerate(manifest["shards"]):
        problem = _shard_record_problem(shard)
        if problem:
            return f"shard {i}: {problem}"
        clash = seen & set(shard["seeds"])
        if clash:
            return f"shard {shard['file']}: seeds {sorted(clash)} appear in another shard too"
        seen |= set(shard["seeds"])
    return None


def _shard_record_problem(shard) -> str | None:
    """What is wrong with one shard record of a manifest, or None."""
    if not isinstance(shard, dict):
        return f"is a JSON {type(shard).__name__}, not an object"
    file = shard.get("file")
    if not isinstance(file, str) or not _SHARD_FILE_RE.match(file):
        return (f"file {file!r} is not a shard file name (shard-<first seed>-<n>.npz inside the "
                f"artifact's folder)")
    try:
        seeds = check_seeds(shard.get("seeds"))
    except (TypeError, ValueError) as exc:
        return f"{file}: {exc}"
    if file != f"{shard_name(seeds)}.npz":
        return f"file {file!r} does not match its seeds (expected {shard_name(seeds)}.npz)"
    if shard.get("networks", len(seeds)) != len(seeds):
        return f"{file}: networks {shard.get('networks')!r} but {len(seeds)} seeds"
    stored = shard.get("stored")
    if not isinstance(stored, dict) or not all(isinstance(v, list) for v in stored.values()):
        return f"{file}: 'stored' is missing or not an object of iteration lists"
    if not isinstance(shard.get("device"), str):
        return f"{file}: 'device' is missing or not a string"
    if not isinstance(shard.get("wall_time_s"), (int, float, type(None))) or isinstance(shard.get("wall_time_s"), bool):
        return f"{file}: 'wall_time_s' is not a number"
    sha = shard.get("sha256")
    if sha is not None and not (isinstance(sha, str) and _SHA256_RE.match(sha)):
        return f"{file}: 'sha256' {sha!r} is not 64 lowercase hex digits"
    return None


def read_manifest(path: Path) -> dict:
    """The parsed, structurally checked ``manifest.json`` at ``path``.

    Raises
    ------
    StoreError
        The file cannot be read, is not JSON, or its structure is wrong (missing fields, a
        shard's ``file`` that is not a plain shard name inside the folder, repeated or
        invalid seeds, a malformed ``sha256``); the message names the file and the fix.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        manifest = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"{path}: unreadable manifest ({exc}); {_MANIFEST_FIX.replace('FILE', str(path))}") from None
    except RecursionError:
        raise StoreError(f"{path}: unreadable manifest (nested too deeply to parse); "
                         f"{_MANIFEST_FIX.replace('FILE', str(path))}") from None
    problem = _manifest_problem(manifest, path.parent.name)
    if problem:
        raise StoreError(f"{path}: {problem}; {_MANIFEST_FIX.replace('FILE', str(path))}")
    return manifest


#: Shard files whose recorded sha256 was checked in this process: (path, size, mtime_ns, sha256).
_VERIFIED: set[tuple[str, int, int, str]] = set()


def check_shard_hash(path: Path, sha256: str) -> None:
    """Raise :class:`StoreError` unless the file at ``path`` has this sha256.

    The check is done once per process for a file that did not change since (same size
    and modification time); later calls return at once.
    """
    try:
        st = path.stat()
    except OSError as exc:
        raise StoreError(f"{path}: shard file missing or unreadable ({exc.strerror}); the manifest lists it: "
                         f"restore the file, or move the artifact's folder aside and train again") from None
    token = (str(path), st.st_size, st.st_mtime_ns, sha256)
    if token in _VERIFIED:
        return
    got = file_sha256(path)
    if got != sha256:
        raise StoreError(f"{path}: sha256 {got[:16]}... differs from the manifest's {sha256[:16]}...; the file "
                         f"is corrupt or was replaced: restore it, or move the artifact's folder aside and train again")
    _VERIFIED.add(token)


_NUMBER_LIST = re.compile(r"\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]")


def _write_json(path: Path, obj) -> None:
    # Lists of numbers on one line: a manifest stays readable and its git diffs short.
    text = _NUMBER_LIST.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                            json.dumps(obj, indent=1))
    atomic_write_text(path, text + "\n")


def _round(x) -> float | None:
    """Accuracies in the manifest: 6 decimals, no float32 noise; NaN (not evaluated) -> None."""
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def _nanmean(a) -> float | None:
    a = np.asarray(a, dtype=np.float64)
    return float(np.nanmean(a)) if a.size and np.isfinite(a).any() else None


class Artifact:
    """Read access to one stored artifact: every network of one config, shard by shard.

    Networks are ordered by shard (shards sorted by first seed), then by the seed order
    inside the shard; :attr:`seeds` gives that order.

    Parameters
    ----------
    path : path of the artifact's folder ``<root>/<key>``
    manifest : dict, the parsed ``manifest.json``
    limit : int, optional; keep only the first ``limit`` networks (see :meth:`subset`)
    drop : seeds left out after the limit (see :meth:`without`)
    """

    def __init__(self, path: Path, manifest: dict, limit: int | None = None, drop=()):
        self.path = Path(path)
        self.manifest = manifest
        self._shards = sorted(manifest["shards"], key=lambda s: s["seeds"][0])
        self._limit = limit
        self._drop = frozenset(int(s) for s in drop)
        self._cache: dict[str, np.ndarray] = {}
        self._transfer: dict[str, dict] = {}

    def __repr__(self) -> str:
        return f"Artifact({self.key}, {self.networks} x {self.arch}, iterations {list(self.iterations)})"

    @property
    def key(self) -> str:
        return self.manifest["key"]

    @property
    def config(self) -> dict:
        """The training config as stored (a dict with the TrainConfig fields)."""
        return self.manifest["config"]

    @property
    def arch(self) -> str:
        return self.manifest["arch"]

    @property
    def _rows(self) -> tuple[int, ...]:
        """Seeds of the stacked arrays' rows after the limit, dropped ones included."""
        return tuple(s for shard in self._shards for s in shard["seeds"])[: self._limit]

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(s for s in self._rows if s not in self._drop)

    @property
    def dropped(self) -> tuple[int, ...]:
        """Seeds left out by :meth:`without`, ascending."""
        return tuple(sorted(self._drop))

    @property
    def networks(self) -> int:
        return len(self.seeds)

    @property
    def iterations(self) -> tuple[int, ...]:
        """Snapshot iterations, ascending."""
        return tuple(self.manifest["iterations"])

    def stored_iterations(self, layer="conv1") -> tuple[int, ...]:
        """Iterations at which ``layer``'s weights were kept in every shard."""
        name = layer_name(layer)
        sets = [set(shard["stored"].get(name, ())) for shard in self._shards]
        return tuple(sorted(set.intersection(*sets))) if sets else ()

    def subset(self, networks: int) -> "Artifact":
        """The same artifact restricted to its first ``networks`` networks."""
        if isinstance(networks, bool) or not isinstance(networks, (int, np.integer)):
            raise TypeError(f"networks must be an integer; got {networks!r}")
        if not 1 <= networks <= self.networks:
            raise ValueError(f"networks must be in 1..{self.networks} (the networks stored); got {networks}")
        if self._drop:
            raise ValueError("subset() counts networks from the first shard: call it before without()")
        return Artifact(self.path, self.manifest, limit=int(networks))

    def without(self, seeds) -> "Artifact":
        """The same artifact without the networks of ``seeds`` (e.g. :meth:`collapsed`)."""
        seeds = {int(s) for s in seeds}
        unknown = seeds - set(self.seeds)
        if unknown:
            raise ValueError(f"seeds {sorted(unknown)} are not networks of this artifact; seeds: {list(self.seeds)}")
        if len(seeds) >= self.networks:
            raise ValueError(f"without({sorted(seeds)}) would leave no network of {self.networks}")
        return Artifact(self.path, self.manifest, limit=self._limit, drop=self._drop | seeds)

    def collapsed(self, *, classes: int = 10, margin: float = 0.02, learned: float = 0.1,
                  iteration=None) -> tuple[int, ...]:
        """Seeds of the networks that learned and then collapsed: test accuracy more than
        ``learned`` above chance (1 / ``classes``) at some snapshot up to ``iteration`` (default
        the last), and within ``margin`` of chance at ``iteration`` (they diverged; their kernels
        are no longer trained filters). A network that never left chance (a smoke run of 30
        iterations) is not counted. A chapter drops them with :meth:`without` and says so."""
        it = self._iteration(iteration)
        chance = 1.0 / classes
        last = np.asarray(self.test_accuracy(it), dtype=float)
        best = np.max([np.asarray(self.test_accuracy(i), dtype=float) for i in self.iterations if i <= it], axis=0)
        return tuple(int(s) for s, a, b in zip(self.seeds, last, best) if a <= chance + margin and b > chance + learned)

    def _iteration(self, iteration) -> int:
        if iteration is None:
            return self.iterations[-1]
        if int(iteration) not in self.iterations:
            raise ValueError(f"iteration {iteration} is not a snapshot of artifact {self.key}; "
                             f"snapshots: {list(self.iterations)}")
        return int(iteration)

    def _shard_file(self, shard: dict) -> Path:
        """The shard's file, its recorded sha256 checked (once per process)."""
        path = self.path / shard["file"]  # a plain name: read_manifest refuses anything else
        if shard.get("sha256"):
            check_shard_hash(path, shard["sha256"])
        return path

    def _read_member(self, shard: dict, name: str) -> np.ndarray:
        """Array ``name`` of one shard, checked to hold one row per seed."""
        path = self._shard_file(shard)
        try:
            with np.load(path, allow_pickle=False) as npz:
                arr = npz[name]
        except KeyError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise StoreError(f"{path}: unreadable shard ({type(exc).__name__}: {exc}); restore the file, or "
                             f"move the artifact's folder aside and train again") from None
        if arr.ndim < 1 or arr.shape[0] != len(shard["seeds"]):
            raise StoreError(f"{path}: {name} holds {arr.shape[0] if arr.ndim else 0} networks but the manifest "
                             f"lists {len(shard['seeds'])} seeds {shard['seeds']}; the manifest does not describe "
                             f"this file: restore both from the same source")
        return arr

    def check_shard(self, shard: dict, *, deep: bool = False) -> None:
        """Raise :class:`StoreError` naming the file when a shard does not match its record.

        Checks the recorded sha256 (if any), that the file opens, that its ``seeds`` equal the
        manifest's, and that every array the record promises is there. With ``deep`` every
        array is also decompressed (catching corruption in a shard with no recorded hash)
        and checked to hold one row per seed.
        """
        path = self._shard_file(shard)
        expected = {"seeds"} | {f"{a}@{it}" for it in shard.get("iterations", self.iterations)
                                for a in ("train_accuracy", "test_accuracy")}
        expected |= {f"{layer}@{it}" for layer, its in shard["stored"].items() for it in its}
        try:
            with np.load(path, allow_pickle=False) as npz:
                missing = sorted(expected - set(npz.files))
                seeds = npz["seeds"].tolist() if "seeds" in npz.files else None
                names = list(npz.files) if deep else []
                for name in names:
                    arr = npz[name]
                    if name != "seeds" and (arr.ndim < 1 or arr.shape[0] != len(shard["seeds"])):
                        raise StoreError(f"{path}: {name} has shape {arr.shape}; expected one row per seed "
                                         f"({len(shard['seeds'])})")
        except StoreError:
            raise
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
            raise StoreError(f"{path}: unreadable shard ({type(exc).__name__}: {exc}); restore the file, or "
                             f"move the artifact's folder aside and train again") from None
        if seeds != shard["seeds"]:
            raise StoreError(f"{path}: the file holds seeds {seeds} but the manifest lists {shard['seeds']}; "
                             f"restore the manifest and the shard from the same source")
        if missing:
            raise StoreError(f"{path}: lacks {missing[:4]}{' ...' if len(missing) > 4 else ''}, which the "
                             f"manifest records; restore the file, or move the artifact's folder aside and "
                             f"train again")

    def check(self, *, deep: bool = False) -> list[str]:
        """Check every shard (see :meth:`check_shard`) and, for a config naming ``transfer``
        datasets, that each shard's transfer record parses and holds its seeds; return the
        files without a recorded hash.

        Raises :class:`StoreError` at the first broken shard.
        """
        unhashed = []
        for shard in self._shards:
            self.check_shard(shard, deep=deep)
            if self.transfer_datasets:
                try:
                    self._transfer_doc(shard)
                except (OSError, ValueError, RecursionError, AttributeError, TypeError) as exc:
                    path = self.path / transfer_name(shard["seeds"])
                    raise StoreError(f"{exc}" if str(path) in str(exc) else f"{path}: unreadable transfer record "
                                     f"({type(exc).__name__}: {exc})") from None
            if not shard.get("sha256"):
                unhashed.append(shard["file"])
        return unhashed

    def _stacked(self, name: str) -> np.ndarray:
        if name not in self._cache:
            parts = [self._read_member(shard, name) for shard in self._shards]
            stacked = np.concatenate(parts, axis=0)
            stacked.flags.writeable = False  # shared by every caller: copy before changing it
            self._cache[name] = stacked
        out = self._cache[name][: self._limit]
        if self._drop:
            out = out[np.array([s not in self._drop for s in self._rows])]
            out.flags.writeable = False
        return out

    def conv_weights(self, layer="conv1", iteration=None) -> np.ndarray:
        """Conv kernels of every network.

        Parameters
        ----------
        layer : int or str, 1 / "conv1" (default) or 2 / "conv2"
        iteration : int, optional; a snapshot iteration, default the last

        Returns
        -------
        ndarray of shape (n_networks, out, in, h, w), float32, read-only (cached)
        """
        name, it = layer_name(layer), self._iteration(iteration)
        if it not in self.stored_iterations(name):
            have = self.stored_iterations(name)
            raise ValueError(f"artifact {self.key} keeps {name} only at iterations {list(have)}; "
                             f"not at {it}" if have else f"artifact {self.key} has no layer {name}")
        return self._stacked(f"{name}@{it}")

    def test_accuracy(self, iteration=None) -> np.ndarray:
        """Test accuracy of every network, shape (n_networks,), fractions in [0, 1]."""
        return self._stacked(f"test_accuracy@{self._iteration(iteration)}")

    def train_accuracy(self, iteration=None) -> np.ndarray:
        """Training accuracy of every network, shape (n_networks,), fractions in [0, 1]."""
        return self._stacked(f"train_accuracy@{self._iteration(iteration)}")

    def train_loss(self, iteration=None) -> np.ndarray:
        """Mean training cross-entropy (nats) since the previous snapshot, shape (n_networks,)."""
        it = self._iteration(iteration)
        try:
            return self._stacked(f"train_loss@{it}")
        except KeyError:
            raise ValueError(f"artifact {self.key} has no training loss at iteration {it}") from None

    @property
    def transfer_datasets(self) -> tuple[str, ...]:
        """The datasets the config's ``transfer`` names (accuracies measured at every snapshot)."""
        return tuple(self.config.get("transfer", ()))

    def _transfer_doc(self, shard: dict) -> dict:
        name = transfer_name(shard["seeds"])
        if name not in self._transfer:
            path = self.path / name
            if not path.is_file():
                raise ValueError(f"artifact {self.key}: shard {shard['file']} has no transfer record {name}; "
                                 f"it was stored without its transfer accuracies: delete {self.path} and "
                                 f"train it again")
            with open(path) as fh:
                doc = json.load(fh)
            if doc.get("seeds") != shard["seeds"]:
                raise ValueError(f"{path}: seeds {doc.get('seeds')} differ from shard {shard['file']}'s "
                                 f"{shard['seeds']}")
            self._transfer[name] = doc
        return self._transfer[name]

    def _transfer_dataset(self, dataset) -> str:
        if dataset not in self.transfer_datasets:
            raise ValueError(f"artifact {self.key} measured no transfer accuracy on {dataset!r} "
                             f"(its config's transfer: {list(self.transfer_datasets)})")
        return dataset

    def transfer_accuracy(self, dataset: str, iteration=None) -> np.ndarray:
        """Accuracy of every network on ``dataset``'s test images (the config's ``transfer``).

        Parameters
        ----------
        dataset : str, one of :attr:`transfer_datasets`
        iteration : int, optional; a snapshot iteration, default the last (measured on the whole
            test set; earlier ones on a fixed subset, see :meth:`transfer_examples`)

        Returns
        -------
        ndarray of shape (n_networks,), float64 fractions in [0, 1] (NaN where not evaluated),
        in :attr:`seeds` order

        Raises
        ------
        ValueError
            ``dataset`` is not in the config's ``transfer``, or a shard's transfer record is
            missing or lacks the iteration.
        """
        dataset, it = self._transfer_dataset(dataset), str(self._iteration(iteration))
        values: dict[int, float] = {}
        for shard in self._shards:
            doc = self._transfer_doc(shard)
            if dataset not in doc["accuracy"].get(it, {}):
                raise ValueError(f"artifact {self.key}: no transfer accuracy on {dataset!r} at iteration {it} "
                                 f"in {transfer_name(shard['seeds'])}")
            values.update(zip(doc["seeds"], doc["accuracy"][it][dataset]))
        return np.array([np.nan if values[s] is None else values[s] for s in self.seeds], dtype=np.float64)

    def transfer_examples(self, dataset: str, iteration=None) -> int:
        """Number of ``dataset`` test images each :meth:`transfer_accuracy` was measured on."""
        dataset, it = self._transfer_dataset(dataset), str(self._iteration(iteration))
        counts = {self._transfer_doc(s)["examples"].get(it, {}).get(dataset) for s in self._shards}
        if len(counts) != 1 or None in counts:
            raise ValueError(f"artifact {self.key}: shards record {sorted(counts, key=str)} {dataset!r} images "
                             f"at iteration {it}; expected one count")
        return int(counts.pop())

    def label(self, layer="conv1", iteration=None) -> str:
        """The cloud in the paper's notation, e.g. ``"16 x M^1_2K(64,32,64)"``."""
        name, it = layer_name(layer), self._iteration(iteration)
        cfg = self.config
        widths = ",".join(str(w) for w in cfg.get("widths", ()))
        return f"{self.networks} x {cfg.get('arch', '?')}^{name[4:]}_{iteration_label(it)}({widths})"

    def summary(self) -> dict:
        """One row of :meth:`Store.ls`."""
        last = self.iterations[-1] if self.iterations else None
        devices = sorted({s["device"] for s in self._shards})
        experiments = []
        for s in self._shards:
            if s.get("experiment") and s["experiment"] not in experiments:
                experiments.append(s["experiment"])
        return {
            "key": self.key,
            "experiment": ", ".join(experiments) or self.manifest.get("experiment"),
            "dataset": self.manifest["dataset"],
            "arch": self.arch,
            "networks": self.networks,
            "iterations": list(self.iterations),
            "test_accuracy_mean": _nanmean(self.test_accuracy(last)) if last is not None else None,
            "device": ", ".join(devices),
            "wall_time_s": round(sum(s["wall_time_s"] or 0.0 for s in self._shards), 3),
            "shards": len(self._shards),
            "path": str(self.path),
        }


class Store:
    """The artifact store under ``root``.

    Parameters
    ----------
    root : path, optional
        Default :func:`default_root`.
    checkpoints : path, optional
        Where resumable training state goes; never committed. Default ``$TOPONET_CHECKPOINTS``,
        else ``<checkout>/cache/checkpoints`` (git-ignored) when ``root`` is the checkout's
        ``artifacts/``, else ``<root>/.checkpoints`` (so Dask workers sharing a store share
        checkpoints too).
    """

    def __init__(self, root=None, checkpoints=None):
        self.root = (Path(root).expanduser() if root is not None else default_root()).absolute()
        if checkpoints is None:
            env = os.environ.get("TOPONET_CHECKPOINTS")
            repo = _repo_artifacts()
            if env:
                checkpoints = Path(env).expanduser()
            elif repo is not None and self.root.resolve() == repo.resolve():
                checkpoints = repo.parent / "cache" / "checkpoints"
            else:
                checkpoints = self.root / ".checkpoints"
        self.checkpoints = Path(checkpoints).expanduser().absolute()

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    # -- paths -------------------------------------------------------------------------
    key = staticmethod(config_key)

    def path(self, config) -> Path:
        """Folder of ``config``'s artifact."""
        return self.root / config_key(config)

    def checkpoint_dir(self, config, seeds) -> Path:
        """Folder for one shard's resumable state: ``<checkpoints>/<key>/shard-<first>-<n>``."""
        return self.checkpoints / config_key(config) / shard_name(check_seeds(seeds))

    def _lock(self, key: str):
        return _file_lock(self.root / ".locks" / f"{key}.lock")

    def _read_manifest(self, folder: Path) -> dict | None:
        """The checked manifest in ``folder`` (see :func:`read_manifest`), or None if it has none."""
        path = folder / "manifest.json"
        if not path.exists():
            return None
        return read_manifest(path)

    def _index_written(self, key: str, kind: str, names=(), *, replace: bool = False) -> None:
        """Refresh ``key``'s entry of the root's index (if it keeps one) after writing ``names``."""
        try:
            store_index.record_written(self.root, key, kind, names, replace=replace)
        except ValueError as exc:  # an unreadable index: the files are written, the index must be restored
            raise StoreError(f"{exc}; then run `toponet store index --update {key}`") from None

    # -- reading -----------------------------------------------------------------------
    def seeds(self, config) -> frozenset[int]:
        """Seeds already stored for ``config``."""
        manifest = self._read_manifest(self.path(config))
        return frozenset(s for shard in (manifest or {"shards": []})["shards"] for s in shard["seeds"])

    def get(self, config, min_networks: int | None = None) -> Artifact | None:
        """The artifact of ``config``, or None if absent or holding fewer than ``min_networks``."""
        return self.open(config_key(config), min_networks=min_networks)

    def open(self, key: str, min_networks: int | None = None) -> Artifact | None:
        """The artifact with this key (as printed by ``toponet train``/``store ls``), or None."""
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ValueError(f"an artifact key is {KEY_LENGTH} lowercase hex digits; got {key!r}")
        manifest = self._read_manifest(self.root / key)
        if manifest is None or not manifest["shards"]:
            return None
        artifact = Artifact(self.root / key, manifest)
        if min_networks is not None and artifact.networks < min_networks:
            return None
        # the verdict rows of this run name the artifact by its manifest's bytes
        provenance.note("artifacts", key, provenance.file_sha256(self.root / key / "manifest.json"))
        return artifact

    def _artifact_folders(self, meta: str = "manifest.json") -> list[Path]:
        """Folders under the root named like a key and holding ``meta`` (sorted)."""
        if not self.root.is_dir():
            return []
        return [f for f in sorted(self.root.iterdir()) if f.is_dir() and _KEY_RE.match(f.name) and (f / meta).exists()]

    def _scan_folder(self, folder: Path, deep: bool) -> dict | None:
        """One row of :meth:`scan` (None for a manifest with no shards); anything wrong is a broken row."""
        try:
            manifest = self._read_manifest(folder)
            if not manifest["shards"]:
                return None
            artifact = Artifact(folder, manifest)
            unhashed = artifact.check(deep=deep)
            return {**artifact.summary(), "status": "ok", "unhashed_shards": unhashed}
        except StoreError as exc:
            problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - one bad folder must not hide the others
            problem = f"{folder / 'manifest.json'}: {type(exc).__name__}: {exc} (while checking the artifact)"
        return {"key": folder.name, "path": str(folder), "status": "broken", "problem": problem}

    def scan(self, *, deep: bool = False) -> list[dict]:
        """Check every artifact; one row per artifact, healthy or broken.

        A healthy row is :meth:`Artifact.summary` plus ``"status": "ok"`` and
        ``"unhashed_shards"`` (shard files whose manifest records no sha256: readable, but
        not checkable; ``toponet store verify --record`` records them). A broken row holds
        ``"key"``, ``"path"``, ``"status": "broken"`` and ``"problem"`` (the file and what is
        wrong): any error while reading one folder, never an exception. Shards are checked as
        :meth:`Artifact.check` does (``deep`` decompresses every array). Healthy rows come
        first, sorted by experiment, then the broken ones by key. Arrays studies: :meth:`scan_arrays`.
        """
        rows = [r for r in (self._scan_folder(f, deep) for f in self._artifact_folders()) if r is not None]
        healthy = sorted((r for r in rows if r["status"] == "ok"),
                         key=lambda r: (str(r["experiment"]), r["arch"], r["key"]))
        return healthy + [r for r in rows if r["status"] != "ok"]

    def ls(self) -> list[dict]:
        """One summary dict per healthy artifact (see :meth:`scan`), sorted by experiment."""
        return [r for r in self.scan() if r["status"] == "ok"]

    def check_arrays(self, key: str) -> dict:
        """Check the arrays study ``key`` in full; return its ``arrays.json``.

        ``arrays.npz``'s sha256 must equal the one ``arrays.json`` records (if any), every array
        must decompress, and the names, shapes and dtypes must be those ``arrays.json`` lists.
        Raises :class:`StoreError` naming the file otherwise.
        """
        folder = self.root / key
        meta_path, path = folder / "arrays.json", folder / "arrays.npz"
        fix = f"restore it (git checkout), or delete {folder} to compute the arrays again"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise StoreError(f"{meta_path}: unreadable ({type(exc).__name__}: {exc}); {fix}") from None
        if not isinstance(meta, dict) or not isinstance(meta.get("arrays"), dict):
            raise StoreError(f"{meta_path}: not an object with an 'arrays' table of names; {fix}")
        if meta.get("sha256"):
            check_shard_hash(path, str(meta["sha256"]))
        try:
            with np.load(path, allow_pickle=False) as npz:
                got = {k: (list(npz[k].shape), str(npz[k].dtype)) for k in npz.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise StoreError(f"{path}: unreadable ({type(exc).__name__}: {exc}); {fix}") from None
        want = {k: (v.get("shape"), v.get("dtype")) if isinstance(v, dict) else v for k, v in meta["arrays"].items()}
        if got != want:
            diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            raise StoreError(f"{path}: arrays {diff[:4]}{' ...' if len(diff) > 4 else ''} differ from what "
                             f"{meta_path.name} lists (names, shapes, dtypes); {fix}")
        return meta

    def scan_arrays(self) -> list[dict]:
        """Check every arrays study in full (:meth:`check_arrays`); one row each, by key.

        A healthy row: ``"key"``, ``"path"``, ``"status": "ok"``, ``"config_class"``,
        ``"arrays"`` (the names) and ``"hashed"`` (whether arrays.json records a sha256).
        A broken row: ``"key"``, ``"path"``, ``"status": "broken"``, ``"problem"``.
        """
        rows = []
        for folder in self._artifact_folders("arrays.json"):
            row = {"key": folder.name, "path": str(folder)}
            meta, problem = self._arrays_checked(folder.name)
            if problem:
                rows.append({**row, "status": "broken", "problem": problem})
            else:
                rows.append({**row, "status": "ok", "config_class": meta.get("config_class"),
                             "arrays": sorted(meta["arrays"]), "hashed": bool(meta.get("sha256"))})
        return rows

    def _arrays_checked(self, key: str) -> tuple[dict | None, str | None]:
        """(arrays.json, None) when :meth:`check_arrays` passes, else (None, the problem)."""
        try:
            return self.check_arrays(key), None
        except StoreError as exc:
            return None, str(exc)
        except Exception as exc:  # noqa: BLE001 - one bad folder must not hide the others
            return None, f"{self.root / key / 'arrays.json'}: {type(exc).__name__}: {exc}"

    def check_folder(self, key: str) -> str | None:
        """What a full check of ``key``'s folder finds wrong (shards or arrays), or None."""
        folder = self.root / key
        kind = store_index.folder_kind(folder)
        if kind is None:
            return f"{folder}: no manifest.json or arrays.json; not an artifact"
        if kind == "shards":
            return (self._scan_folder(folder, deep=True) or {}).get("problem")
        return self._arrays_checked(key)[1]

    def index(self, keys: Sequence[str] = (), *, update: bool = False) -> dict[str, str]:
        """Add artifacts to ``<root>/index.json`` (creating it), or refresh them; return {key: what happened}.

        Without ``update``: every folder not yet indexed (or the named ``keys``); one already
        indexed is left as it is. With ``update``: the named ``keys``, after a deliberate
        change (a key whose folder is gone is dropped). Each folder is first checked in full
        (:meth:`check_folder`): a broken one is refused ("refused: <problem>"), so the index
        only ever vouches for intact files.
        """
        doc = store_index.read_index(self.root) or {"artifacts": {}}
        present = {f.name for f in store_index.artifact_folders(self.root)}
        if update and not keys:
            raise ValueError("--update needs the keys to refresh (toponet store index --update KEY ...)")
        unknown = sorted(set(keys) - present - (set(doc["artifacts"]) if update else set()))
        if unknown:
            raise ValueError(f"no artifact folder {unknown} in {self.root}; see 'toponet store ls'")
        todo = list(keys) if keys else sorted(present - set(doc["artifacts"]))
        out = {}
        for key in todo:
            if key in doc["artifacts"] and not update:
                out[key] = "already indexed (unchanged; `toponet store index --update KEY` refreshes it)"
                continue
            problem = self.check_folder(key) if key in present else None
            if problem:
                out[key] = f"refused: {problem}"
                continue
            with self._lock(key):
                out.update(store_index.update_index(self.root, [key]))
        if not todo:
            store_index.update_index(self.root, [])  # writes an empty index for an empty store
        return out

    def record_hashes(self, key: str) -> list[str]:
        """Record the sha256 of every shard of ``key`` that has none; return the files recorded.

        Each such shard is first checked in full (:meth:`Artifact.check_shard` with ``deep``:
        it opens, every array decompresses, its seeds and network count match the manifest);
        a shard failing that raises :class:`StoreError` and nothing is recorded for it. Where
        the root keeps an index (``index.json``), a hash is recorded only for a shard the index
        lists with exactly this content, so a changed file is never blessed: anything else
        raises :class:`StoreError` saying to run ``toponet store index --update KEY``
        deliberately. The manifest is re-read and rewritten under the artifact's lock, so a
        trainer adding shards meanwhile loses nothing.
        """
        folder = self.root / key
        with self._lock(key):
            manifest = self._read_manifest(folder)
            if manifest is None:
                raise StoreError(f"{folder}: no manifest.json; not an artifact")
            artifact = Artifact(folder, manifest)
            todo = [shard for shard in manifest["shards"] if not shard.get("sha256")]
            index = store_index.read_index(self.root)
            entry = None if index is None else index["artifacts"].get(key)
            if index is not None:
                indexed = {} if entry is None else entry["files"]
                refused = [s["file"] for s in todo if indexed.get(s["file"]) != file_sha256(folder / s["file"])]
                if refused:
                    where = "is not in the artifact index" if entry is None else "differs from the artifact index"
                    raise StoreError(f"{folder}: {', '.join(refused)}: artifact {key} {where}; no hash recorded: "
                                     f"check the file and run `toponet store index --update {key}` if the change "
                                     f"is deliberate")
            matched = entry is not None and entry["manifest_sha256"] == file_sha256(folder / "manifest.json")
            done = []
            for shard in todo:
                artifact.check_shard(shard, deep=True)
                shard["sha256"] = file_sha256(folder / shard["file"])
                done.append(shard["file"])
            if done:
                _write_json(folder / "manifest.json", manifest)
                if matched:  # the indexed manifest gained the hashes of indexed files: still vouched for
                    self._index_written(key, "shards")
        return done

    # -- plain arrays for any config ----------------------------------------------------
    def put_arrays(self, config, arrays: Mapping[str, np.ndarray], *, extra: Mapping | None = None) -> Path:
        """Store named arrays computed under ``config`` (any frozen dataclass); returns the folder.

        Written as ``<root>/<key>/arrays.npz`` (compressed, no pickles) beside
        ``arrays.json`` (the config, versions, array shapes and dtypes, ``extra``, and the
        sha256 of ``arrays.npz``, checked by :meth:`get_arrays`). A
        folder holding arrays has no ``manifest.json``, so :meth:`get` and :meth:`ls` skip it.
        Writing the same config again replaces the arrays.
        """
        if not arrays:
            raise ValueError("arrays is empty; nothing to store")
        arrs = {str(k): np.asarray(v) for k, v in arrays.items()}
        for k, v in arrs.items():
            if v.dtype == object:
                raise TypeError(f"array {k!r} has dtype object; only numeric/bool arrays are stored")
        key = config_key(config)
        folder = self.root / key
        meta = {"format": STORE_FORMAT, "key": key, "train_code_version": train_code_version(),
                "config_class": type(config).__name__, "config": config_dict(config),
                "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "versions": library_versions(),
                "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in arrs.items()},
                **dict(extra or {})}
        with self._lock(key):
            atomic_write(folder / "arrays.npz", lambda fh: np.savez_compressed(fh, **arrs))
            meta["sha256"] = file_sha256(folder / "arrays.npz")  # checked by get_arrays
            _write_json(folder / "arrays.json", meta)
            self._index_written(key, "arrays", ["arrays.npz"], replace=True)
        return folder

    def get_arrays(self, config) -> tuple[dict[str, np.ndarray], dict] | None:
        """``(arrays, metadata)`` stored by :meth:`put_arrays` for ``config``, or None if absent."""
        folder = self.path(config)
        if not (folder / "arrays.npz").is_file() or not (folder / "arrays.json").is_file():
            return None
        meta_path, path = folder / "arrays.json", folder / "arrays.npz"
        fix = f"delete {folder} to compute the arrays again"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                raise ValueError(f"a JSON {type(meta).__name__}, not an object")
        except (OSError, ValueError) as exc:
            raise StoreError(f"{meta_path}: unreadable ({exc}); {fix}") from None
        if meta.get("sha256"):
            check_shard_hash(path, str(meta["sha256"]))
        try:
            with np.load(path, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise StoreError(f"{path}: unreadable ({type(exc).__name__}: {exc}); {fix}") from None
        provenance.note("artifacts", folder.name, provenance.file_sha256(meta_path))
        return arrays, meta

    # -- writing -----------------------------------------------------------------------
    def put_shard(self, config, seeds, snapshots, *, experiment: str | None = None,
                  profile: str | None = None, device: str = "cpu", wall_time_s: float | None = None,
                  keep: Mapping[str, Sequence[int]] | None = None, extra: Mapping | None = None) -> dict:
        """Add one trained shard to ``config``'s artifact; returns the shard's manifest record.

        Parameters
        ----------
        config : TrainConfig
        seeds : sequence of int, the shard's networks in the trainer's order
        snapshots : sequence of Snapshot
            Each with ``iteration``, ``conv_weights`` {layer: (n_networks, out, in, h, w)},
            ``train_accuracy`` and ``test_accuracy`` of shape (n_networks,); optionally
            ``train_loss`` (n_networks,) and ``train_examples``/``test_examples`` (the number of
            images the accuracies were measured on, recorded in the manifest), and
            ``transfer_accuracy``/``transfer_examples`` for each dataset of the config's
            ``transfer`` (written beside the shard as ``transfer-<first seed>-<n>.json``,
            see :func:`transfer_record`; read back with :meth:`Artifact.transfer_accuracy`).
        experiment, profile : str, optional; recorded with the shard
        device : str; the torch device the shard was trained on
        wall_time_s : float, optional; training wall time in seconds
        keep : mapping layer -> iterations, optional
            Keep that layer's weights only at these iterations (the last snapshot is always
            kept); other layers are kept at every snapshot. Saves space for wide layers.
        extra : mapping, optional; more JSON-ready facts for the shard record

        Raises ``ValueError`` if a seed is already stored in another shard, if the snapshot
        iterations differ from the artifact's, if an array has the wrong number of networks, or
        if a snapshot lacks a transfer accuracy the config's ``transfer`` names.
        Storing exactly the same seeds again is a no-op (a second writer of the same shard).
        """
        seeds = check_seeds(seeds)
        n = len(seeds)
        snaps = sorted(snapshots, key=lambda s: s.iteration)
        if not snaps:
            raise ValueError("snapshots is empty; nothing to store")
        iterations = [int(s.iteration) for s in snaps]
        if len(set(iterations)) != len(iterations):
            raise ValueError(f"snapshot iterations repeat: {iterations}")
        keep = {layer_name(k): {int(i) for i in v} | {iterations[-1]} for k, v in (keep or {}).items()}
        transfer = transfer_record(seeds, snaps, getattr(config, "transfer", ()))

        arrays: dict[str, np.ndarray] = {"seeds": np.asarray(seeds, dtype=np.int64)}
        stored: dict[str, list[int]] = {}
        examples: dict[str, dict[str, int]] = {}  # images each accuracy was measured on
        shapes: dict[str, list[int]] = {}
        for snap in snaps:
            it = int(snap.iteration)
            for name in ("train_accuracy", "test_accuracy"):
                acc = np.asarray(getattr(snap, name), dtype=np.float32).reshape(-1)
                if acc.shape != (n,):
                    raise ValueError(f"{name} at iteration {it} has shape {acc.shape}; expected ({n},), "
                                     f"one value per seed")
                arrays[f"{name}@{it}"] = acc
            loss = getattr(snap, "train_loss", None)
            if loss is not None:
                arrays[f"train_loss@{it}"] = np.asarray(loss, dtype=np.float32).reshape(-1)
            for split in ("train", "test"):
                if getattr(snap, f"{split}_examples", None) is not None:
                    examples.setdefault(split, {})[str(it)] = int(getattr(snap, f"{split}_examples"))
            for layer, w in snap.conv_weights.items():
                layer = layer_name(layer)
                w = np.asarray(w, dtype=np.float32)
                if w.ndim != 5 or w.shape[0] != n:
                    raise ValueError(f"{layer} at iteration {it} has shape {w.shape}; expected "
                                     f"({n}, out, in, h, w), one kernel per seed")
                shapes.setdefault(layer, list(w.shape[1:]))
                if layer in keep and it not in keep[layer]:
                    continue
                arrays[f"{layer}@{it}"] = w
                stored.setdefault(layer, []).append(it)

        last = str(iterations[-1])
        record = {
            "file": f"{shard_name(seeds)}.npz",
            "seeds": list(seeds),
            "networks": n,
            "experiment": experiment,
            "profile": profile,
            "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "device": str(device),
            "hardware": hardware(str(device)),
            "wall_time_s": None if wall_time_s is None else round(float(wall_time_s), 3),
            "iterations": iterations,
            "stored": stored,
            "layer_shapes": shapes,
            "accuracy": {
                "iteration": iterations[-1],
                "train": [_round(a) for a in arrays[f"train_accuracy@{last}"]],
                "test": [_round(a) for a in arrays[f"test_accuracy@{last}"]],
                "test_mean": _round(_nanmean(arrays[f"test_accuracy@{last}"])),
            },
            "eval_examples": examples,
            **dict(extra or {}),
        }

        key = config_key(config)
        folder = self.root / key
        cfg = config_dict(config)
        with self._lock(key):
            manifest = self._read_manifest(folder) or {
                "format": STORE_FORMAT, "key": key, "train_code_version": train_code_version(),
                "config": cfg, "experiment": experiment, "dataset": cfg.get("dataset"),
                "arch": arch_string(cfg), "iterations": iterations, "shards": [],
            }
            for shard in manifest["shards"]:
                if shard["seeds"] == list(seeds):
                    log.warning("shard %s of %s is already stored; keeping the stored one", shard["file"], key)
                    return shard
                clash = sorted(set(shard["seeds"]) & set(seeds))
                if clash:
                    raise ValueError(f"seeds {clash} of the new shard are already stored in {key}/{shard['file']}; "
                                     "a seed may appear in only one shard")
            if manifest["iterations"] != iterations:
                raise ValueError(f"snapshot iterations {iterations} differ from artifact {key}'s "
                                 f"{manifest['iterations']}")
            if transfer is not None:  # before the manifest names the shard: a listed shard has its record
                _write_json(folder / transfer_name(seeds), transfer)
            atomic_write(folder / record["file"], lambda fh: np.savez_compressed(fh, **arrays))
            record["sha256"] = file_sha256(folder / record["file"])  # checked on every read
            manifest["shards"].append(record)
            manifest["shards"].sort(key=lambda s: s["seeds"][0])
            _write_json(folder / "manifest.json", manifest)
            written = [record["file"]] + ([transfer_name(seeds)] if transfer is not None else [])
            self._index_written(key, "shards", written)
        return record
