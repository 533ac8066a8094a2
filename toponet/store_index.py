"""The artifact index: the sha256 of every file of every artifact, committed beside them.

A manifest records its shards' hashes, but nothing recorded the manifest's: an edited
config, a dropped snapshot, an emptied shard list, a deleted transfer record or a study's
``arrays.npz`` went unnoticed. ``<root>/index.json`` closes that chain::

    {"format": 1,
     "artifacts": {"<key>": {"key": "<key>", "kind": "shards" | "arrays",
                             "manifest_sha256": "<sha256 of manifest.json (shards) or arrays.json>",
                             "files": {"shard-0-16.npz": "<sha256>", "transfer-0-3.json": "<sha256>"}}}}

written with sorted keys, indent 1 and a final newline, so it diffs and reproduces byte for
byte. :class:`toponet.store.Store`'s writers refresh the entry of the key they write (training
is the legitimate writer); ``toponet store index`` adds or, deliberately, refreshes entries;
``toponet store verify`` checks the folders against it (:func:`verify_index`). Verdict rows
record :func:`artifact_provenance`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
from pathlib import Path

from toponet._io import atomic_write_text
from toponet.provenance import file_sha256  # noqa: F401  (re-exported: the store hashes with it)

__all__ = ["Problem", "file_lock", "index_path", "folder_kind", "artifact_folders", "artifact_provenance", "read_index",
           "update_index", "record_written", "check_index", "verify_index"]

log = logging.getLogger(__name__)

INDEX_NAME = "index.json"
INDEX_FORMAT = 1
#: The file that describes an artifact folder, by kind.
META_FILES = {"shards": "manifest.json", "arrays": "arrays.json"}
_KEY_RE = re.compile(r"^[0-9a-f]{16}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # a file inside the folder, never a path


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a store: the file or folder (``path``) and what is wrong (``problem``).

    ``strict_only`` marks a finding that is a failure only under ``--strict`` (a folder the
    index does not know yet: uncommitted or new).
    """

    path: str
    problem: str
    strict_only: bool = False

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


#: (path, size, mtime_ns, inode) -> sha256 of files hashed in this process.
_HASHES: dict[tuple[str, int, int, int], str] = {}


def cached_sha256(path: Path) -> str:
    """:func:`file_sha256`, hashed once per process while the file is unchanged (size, mtime, inode)."""
    st = Path(path).stat()
    token = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if token not in _HASHES:
        _HASHES[token] = file_sha256(path)
    return _HASHES[token]


@contextlib.contextmanager
def file_lock(path: Path):
    """An exclusive advisory lock (``flock``) on ``path``, held for the ``with`` block.

    ``flock`` serializes writers in different processes of one machine and, on NFSv4 and
    most cluster file systems, across machines; it is released if the holder dies.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            import fcntl
        except ImportError:  # Windows: single writer only
            log.warning("no fcntl on this platform; concurrent writers to %s are not serialized", path)
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def index_path(root) -> Path:
    return Path(root) / INDEX_NAME


def index_lock(root):
    """The lock held while ``index.json`` is read, changed and rewritten."""
    return file_lock(Path(root) / ".locks" / "index.lock")


def folder_kind(folder: Path) -> str | None:
    """``"shards"`` (a manifest.json), ``"arrays"`` (an arrays.json) or None (neither)."""
    for kind, meta in META_FILES.items():
        if (folder / meta).is_file():
            return kind
    return None


def _files(folder: Path) -> list[Path]:
    """The folder's plain files, hidden ones (temp files of a write in progress) left out."""
    return sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))


def artifact_folders(root) -> list[Path]:
    """Folders under ``root`` named like a key and holding at least one file (sorted)."""
    root = Path(root)
    if not root.is_dir():
        return []
    return [f for f in sorted(root.iterdir()) if f.is_dir() and _KEY_RE.match(f.name) and _files(f)]


def artifact_provenance(store_or_root, key: str) -> dict:
    """What an artifact is made of, hashed now from its folder.

    Parameters
    ----------
    store_or_root : a :class:`toponet.store.Store` or the path of a store root
    key : str, the artifact's key (16 hex digits)

    Returns
    -------
    dict ``{"key": key, "manifest_sha256": sha256 of manifest.json (or arrays.json for an
    arrays study), "files": {file name: sha256}}`` for every other file of the folder.

    Raises
    ------
    FileNotFoundError
        The folder holds neither a manifest.json nor an arrays.json.
    """
    root = store_or_root if isinstance(store_or_root, (str, os.PathLike)) else store_or_root.root  # a Store
    folder = Path(root) / key
    kind = folder_kind(folder) if folder.is_dir() else None
    if kind is None:
        raise FileNotFoundError(f"{folder}: no manifest.json or arrays.json; not an artifact of this store")
    meta = META_FILES[kind]
    return {"key": key, "manifest_sha256": cached_sha256(folder / meta),
            "files": {f.name: cached_sha256(f) for f in _files(folder) if f.name not in META_FILES.values()}}


def _entry_problem(key, entry) -> str | None:
    """What is wrong with one entry of the index, or None."""
    if not _KEY_RE.match(str(key)):
        return f"key {key!r} is not 16 hex digits"
    if not isinstance(entry, dict) or entry.get("key") != key:
        return f"entry {key} is not an object whose 'key' is {key!r}"
    if entry.get("kind") not in META_FILES:
        return f"entry {key}: kind {entry.get('kind')!r} is not one of {sorted(META_FILES)}"
    if not _SHA256_RE.match(str(entry.get("manifest_sha256"))):
        return f"entry {key}: 'manifest_sha256' is not 64 lowercase hex digits"
    files = entry.get("files")
    if not isinstance(files, dict):
        return f"entry {key}: 'files' is not an object"
    for name, sha in files.items():
        if not _PLAIN_NAME.match(name) or name in META_FILES.values():
            return f"entry {key}: {name!r} is not a plain data file name inside the folder"
        if not isinstance(sha, str) or not _SHA256_RE.match(sha):
            return f"entry {key}: the sha256 of {name} is not 64 lowercase hex digits"
    return None


def read_index(root) -> dict | None:
    """The parsed, checked ``<root>/index.json`` ({"format", "artifacts"}), or None when absent.

    Raises ``ValueError`` naming the file when it is unreadable or malformed.
    """
    path = index_path(root)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{path}: unreadable artifact index ({type(exc).__name__}: {exc}); restore it "
                         f"(git checkout -- {path})") from None
    if not isinstance(doc, dict) or doc.get("format") != INDEX_FORMAT or not isinstance(doc.get("artifacts"), dict):
        raise ValueError(f"{path}: not an artifact index of format {INDEX_FORMAT} (an object with 'format' and "
                         f"'artifacts'); restore it (git checkout -- {path})")
    for key, entry in doc["artifacts"].items():
        problem = _entry_problem(key, entry)
        if problem:
            raise ValueError(f"{path}: {problem}; restore it (git checkout -- {path})")
    return doc


def write_index(root, doc: dict) -> None:
    """Write ``doc`` as ``<root>/index.json``: sorted keys, indent 1, final newline, atomically."""
    atomic_write_text(index_path(root), json.dumps(doc, sort_keys=True, indent=1) + "\n")


def _entry(root, key: str) -> dict:
    folder = Path(root) / key
    return {"kind": folder_kind(folder), **artifact_provenance(root, key)}


def _change(old: dict | None, new: dict | None) -> str:
    """What changed between two entries of one key, in words."""
    if old is None:
        n = len(new["files"])
        return f"added ({new['kind']}: {META_FILES[new['kind']]} + {n} file{'s' if n != 1 else ''})"
    if new is None:
        return "removed (its folder is gone)"
    if old == new:
        return "unchanged"
    changed = [META_FILES[new["kind"]]] if old["manifest_sha256"] != new["manifest_sha256"] else []
    names = sorted(set(old["files"]) | set(new["files"]))
    changed += [n + (" (new)" if n not in old["files"] else " (gone)" if n not in new["files"] else "")
                for n in names if old["files"].get(n) != new["files"].get(n)]
    if old["kind"] != new["kind"]:
        changed.insert(0, f"kind {old['kind']} -> {new['kind']}")
    return "updated: " + ", ".join(changed) + " changed"


def update_index(root, keys, *, create: bool = True) -> dict[str, str]:
    """Set the index entries of ``keys`` to what their folders hold now; return {key: what changed}.

    A key whose folder is gone is dropped from the index. The caller checks the folders'
    contents first: the index vouches for what is there. With ``create`` False nothing is
    done when ``<root>/index.json`` does not exist (a store that keeps no index).
    """
    root = Path(root)
    with index_lock(root):
        doc = read_index(root)
        if doc is None:
            if not create:
                return {}
            doc = {"format": INDEX_FORMAT, "artifacts": {}}
        changes = {}
        for key in keys:
            old = doc["artifacts"].get(key)
            new = _entry(root, key) if folder_kind(root / key) else None
            changes[key] = _change(old, new)
            if new is None:
                doc["artifacts"].pop(key, None)
            else:
                doc["artifacts"][key] = new
        write_index(root, doc)
    return changes


def record_written(root, key: str, kind: str, names=(), *, replace: bool = False) -> bool:
    """After a store writer wrote ``key``'s meta file and ``names``: record their hashes now.

    Only what the writer wrote is re-hashed; the entry's other files keep their indexed hashes
    (so a file changed behind the store's back stays reported). ``replace`` drops the entry's
    other files first (a study's arrays replaced). Returns False, doing nothing, when the
    root keeps no index (a user's own store).
    """
    root, folder = Path(root), Path(root) / key
    with index_lock(root):
        doc = read_index(root)
        if doc is None:
            return False
        old = doc["artifacts"].get(key)
        files = {} if replace or old is None or old["kind"] != kind else dict(old["files"])
        files.update({name: file_sha256(folder / name) for name in names})
        doc["artifacts"][key] = {"key": key, "kind": kind, "files": files,
                                 "manifest_sha256": file_sha256(folder / META_FILES[kind])}
        write_index(root, doc)
    return True


def _update_hint(key: str) -> str:
    return f"restore it (git checkout), or run `toponet store index --update {key}` if the change is deliberate"


def _check_entry(root: Path, key: str, entry: dict) -> list[Problem]:
    """The problems of one indexed artifact folder."""
    folder = root / key
    if not folder.is_dir():
        return [Problem(str(folder), f"the index lists artifact {key} but its folder is missing; restore it "
                                     f"(git checkout), or run `toponet store index --update {key}` to drop it "
                                     f"if the removal is deliberate")]
    meta = folder / META_FILES[entry["kind"]]
    kind = folder_kind(folder)
    if kind is not None and kind != entry["kind"]:
        return [Problem(str(folder), f"holds {META_FILES[kind]} but the index records {entry['kind']} "
                                     f"({META_FILES[entry['kind']]}); {_update_hint(key)}")]
    out = []
    if not meta.is_file():
        out.append(Problem(str(meta), f"missing; the index records it (sha256 {entry['manifest_sha256'][:16]}...); "
                                      + _update_hint(key)))
    elif cached_sha256(meta) != entry["manifest_sha256"]:
        out.append(Problem(str(meta), f"sha256 {cached_sha256(meta)[:16]}... differs from the index's "
                                      f"{entry['manifest_sha256'][:16]}... (edited: config, arch, snapshots, "
                                      f"shards or hashes); {_update_hint(key)}"))
    elif entry["kind"] == "shards":
        out += _unhashed_shards(meta)
    present = {f.name: f for f in _files(folder) if f.name not in META_FILES.values()}
    for name, sha in sorted(entry["files"].items()):
        if name not in present:
            out.append(Problem(str(folder / name), f"missing; the index records it (sha256 {sha[:16]}...); "
                                                   + _update_hint(key)))
        elif cached_sha256(present[name]) != sha:
            out.append(Problem(str(folder / name), f"sha256 {cached_sha256(present[name])[:16]}... differs from "
                                                   f"the index's {sha[:16]}...; the file is corrupt or was "
                                                   f"replaced: {_update_hint(key)}"))
    for name in sorted(set(present) - set(entry["files"])):
        out.append(Problem(str(folder / name), f"not in the index of artifact {key}; {_update_hint(key)}"))
    return out


def _unhashed_shards(manifest: Path) -> list[Problem]:
    """A problem per shard the (indexed) manifest records no sha256 for."""
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        shards = [s for s in doc["shards"] if isinstance(s, dict)]
    except (OSError, ValueError, RecursionError, KeyError, TypeError):
        return []  # the deep check names an unreadable manifest
    return [Problem(str(manifest.parent / str(s.get("file"))),
                    f"no sha256 recorded in {manifest.name}; `toponet store verify --record` records it "
                    f"(the index vouches for the file)") for s in shards if not s.get("sha256")]


def check_index(root) -> list[Problem]:
    """Every finding of the folders under ``root`` against ``<root>/index.json``.

    Failures: an unreadable or missing index, an indexed folder that is gone, a missing or
    changed manifest.json / arrays.json (an edited config or arch, a dropped snapshot, emptied
    shards, removed sha256 fields), a missing, changed or extra file, a shard whose manifest
    records no sha256. A folder the index does not know is a finding with ``strict_only``.
    """
    root = Path(root)
    try:
        doc = read_index(root)
    except ValueError as exc:
        return [Problem(str(index_path(root)), str(exc).split(": ", 1)[1])]
    if doc is None:
        return [Problem(str(index_path(root)), "no artifact index; nothing is checked against one "
                                               "(`toponet store index` writes it)")]
    out = []
    for folder in artifact_folders(root):
        if folder.name not in doc["artifacts"]:
            out.append(Problem(str(folder), "not in the index (uncommitted or new; `toponet store index` adds it)",
                               strict_only=True))
    for key, entry in sorted(doc["artifacts"].items()):
        try:
            out += _check_entry(root, key, entry)
        except Exception as exc:  # noqa: BLE001 - an unreadable file is this folder's problem, not a traceback
            out.append(Problem(str(root / key), f"unreadable ({type(exc).__name__}: {exc})"))
    return out


def verify_index(root, *, strict: bool = False) -> list[Problem]:
    """The failures of :func:`check_index`: an empty list means every indexed file is intact.

    Hash equality with the committed index means every byte is the one indexed (which
    ``toponet store index`` checked in full before recording it). With ``strict`` a folder
    the index does not know is a failure too (a fresh clone must hold only indexed ones).
    """
    return [p for p in check_index(root) if strict or not p.strict_only]
