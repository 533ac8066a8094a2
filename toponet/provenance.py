"""Stored results that prove themselves, and the ledger of what a run read.

Every stored result (a null test, a calibration, a cache of null values) is a JSON document
*sealed* with its own content hash: ``"sha256"`` is the sha256 of the document's canonical
JSON (sorted keys, no whitespace) without that field. :func:`read_sealed` refuses a document
whose seal is missing or does not match (it was edited after it was written), or whose own
consistency check fails, with a :class:`DamagedEntry` that names the file and the problem;
the callers then recompute it (or refuse, where they may not write).

The **ledger** lists, per process, every sealed file read or written (by its seal), every
cloud file (by its bytes' sha256) and every artifact opened (by its manifest's sha256). A chapter's verdict rows record it (:mod:`toponet.verdict_record`), so that
``toponet verify`` can walk record -> stored tests and calibrations -> clouds -> artifacts and
notice any link that changed.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from toponet._io import atomic_write_json

__all__ = ["SEAL", "SECTIONS", "DamagedEntry", "content_hash", "sealed", "file_sha256", "write_sealed", "read_sealed",
           "warn_damaged", "note", "ledger_name", "ledger", "reset_ledger"]

#: The field that holds a document's seal.
SEAL = "sha256"
#: Ledger sections: what a verdict row can be computed from.
SECTIONS = ("tests", "calibrations", "clouds", "artifacts")

#: Sub-folders of a results folder that keep their name in the ledger.
SUBFOLDERS = ("null-tests", "clouds")

_LEDGER: dict[str, dict[str, str]] = {s: {} for s in SECTIONS}


class DamagedEntry(ValueError):
    """A stored result that cannot be trusted: its message names the file and what is wrong."""

    def __init__(self, path, problem: str):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


def content_hash(doc: dict) -> str:
    """sha256 (hex) of ``doc``'s canonical JSON, its ``"sha256"`` field left out."""
    body = {k: v for k, v in doc.items() if k != SEAL}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sealed(doc: dict) -> dict:
    """A copy of ``doc`` with its seal."""
    return {**{k: v for k, v in doc.items() if k != SEAL}, SEAL: content_hash(doc)}


def file_sha256(path, chunk: int = 1 << 20) -> str:
    """sha256 (hex) of the bytes of the file at ``path``."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def write_sealed(path, doc: dict, *, section: str | None = None) -> dict:
    """Seal ``doc`` and write it atomically (a unique temp name: concurrent writers never
    collide); note it in the ledger under ``section``. Returns the sealed document."""
    out = sealed(doc)
    atomic_write_json(path, out, indent=1, sort_keys=True)
    if section is not None:
        note(section, Path(path), out[SEAL])
    return out


def read_sealed(path, *, check: Callable[[dict], None] | None = None, section: str | None = None) -> dict | None:
    """The sealed document at ``path``; None when there is no file.

    Raises DamagedEntry (naming the file) when it is not JSON, not an object, has no seal, a
    seal that does not match its content, or fails ``check(doc)`` (which raises ValueError
    with the problem). A good document is noted in the ledger under ``section``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DamagedEntry(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise DamagedEntry(path, "is not valid JSON (torn or edited)") from None
    if not isinstance(doc, dict):
        raise DamagedEntry(path, f"holds a JSON {type(doc).__name__}, not an object")
    if SEAL not in doc:
        raise DamagedEntry(path, "has no content hash (\"sha256\"): written by an older toponet or edited")
    if doc[SEAL] != content_hash(doc):
        raise DamagedEntry(path, "content does not match its sha256: edited after it was written")
    if check is not None:
        try:
            check(doc)
        except DamagedEntry:
            raise
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise DamagedEntry(path, str(exc) or type(exc).__name__) from None
    if section is not None:
        note(section, path, doc[SEAL])
    return doc


def warn_damaged(exc: DamagedEntry, action: str = "recomputing it") -> None:
    """One line on stderr naming a damaged entry and what is done about it."""
    import sys

    print(f"toponet: stored result {exc.path} is damaged ({exc.problem}); {action}", file=sys.stderr, flush=True)


def note(section: str, path_or_name, sha256: str | None = None) -> None:
    """Record in this process's ledger that ``path_or_name`` (with ``sha256``, else the file's
    own hash) was used; files under a results folder are named relative to it."""
    if section not in SECTIONS:
        raise ValueError(f"ledger section must be one of {SECTIONS}; got {section!r}")
    name = ledger_name(path_or_name) if isinstance(path_or_name, Path) else str(path_or_name)
    if sha256 is None:
        sha256 = file_sha256(path_or_name)
    _LEDGER[section][name] = sha256


def ledger_name(path: Path) -> str:
    """The name a file has in a results folder: ``null-tests/test-...json``, ``clouds/...npy``
    or ``circle-...json`` (the same wherever that folder lies)."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}" if path.parent.name in SUBFOLDERS else path.name


def ledger() -> dict[str, dict[str, str]]:
    """A copy of this process's ledger: section -> {name: sha256}, names sorted."""
    return {s: dict(sorted(_LEDGER[s].items())) for s in SECTIONS}


def reset_ledger() -> None:
    """Forget what this process read (a new chapter starts)."""
    for s in SECTIONS:
        _LEDGER[s].clear()
