"""Writing files so that no reader, and no kill, ever sees half of one.

Every atomic write of the package goes through :func:`atomic_write` (bytes, text, JSON,
``np.savez`` and ``torch.save`` alike): one temp-file, fsync and rename.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable


def umask() -> int:
    """The process umask, read without changing it where the platform allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None]) -> None:
    """Write via ``write(binary_file)`` into a temp file beside ``path``, then rename it over.

    The temp file is flushed to disk before the rename, and gets the permissions of a
    plainly created file (``0666`` less the umask; ``mkstemp`` alone gives ``0600``), so
    readers sharing the folder can read it. A kill at any moment leaves either the old
    file or the new one, never a torn one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """:func:`atomic_write` of ``data``, exactly these bytes."""
    atomic_write(path, lambda fh: fh.write(data))


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """:func:`atomic_write` of ``text`` encoded in ``encoding`` (UTF-8 unless told); no newline
    translation, no newline added."""
    atomic_write_bytes(path, text.encode(encoding))


def atomic_write_json(path: str | os.PathLike, obj, **dumps) -> None:
    """:func:`atomic_write` of ``json.dumps(obj, **dumps)`` in UTF-8, no final newline."""
    atomic_write_text(path, json.dumps(obj, **dumps))


#: Set by the book build (``toponet.book.notebook.BUILD_ENV``): only the build writes the
#: checkout's ``results/`` (on purpose); every other run keeps its results in a user cache.
BUILD_ENV = "TOPONET_BOOK_BUILD"


def committed_results_directory() -> Path | None:
    """The checkout's ``results/calibration`` (the committed, read-only store of the book's
    tests and calibrations), or None outside a checkout."""
    root = Path(__file__).resolve().parent.parent
    return root / "results" / "calibration" if (root / "pyproject.toml").is_file() else None


def user_cache_directory() -> Path:
    """``$TOPONET_CACHE`` or ``~/.cache/toponet``: where a user's own runs keep their results."""
    env = os.environ.get("TOPONET_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "toponet"


def results_directory() -> Path:
    """Where calibrations and stored null tests are *written*: ``$TOPONET_CALIBRATION``; else,
    in a book build, the checkout's ``results/calibration``; else the user cache's
    ``calibration/`` (``toponet analyze`` never writes into the checkout). Reads also look in
    :func:`committed_results_directory` (:func:`results_search_path`)."""
    env = os.environ.get("TOPONET_CALIBRATION")
    if env:
        return Path(env)
    committed = committed_results_directory()
    if committed is not None and os.environ.get(BUILD_ENV, "") not in ("", "0"):
        return committed
    return user_cache_directory() / "calibration"


_ISOLATED = [False]


@contextlib.contextmanager
def isolated_results():
    """Within this block stored results are read only from the folder they are written to,
    never from the committed ones (``toponet verify --recompute`` recomputes from nothing)."""
    before = _ISOLATED[0]
    _ISOLATED[0] = True
    try:
        yield
    finally:
        _ISOLATED[0] = before


def results_search_path(write_dir: Path | None = None) -> list[Path]:
    """Folders a stored result is looked up in, first hit wins: the write folder, then the
    committed results (read-only) when they differ (not inside :func:`isolated_results`)."""
    write_dir = Path(write_dir) if write_dir is not None else results_directory()
    committed = committed_results_directory()
    out = [write_dir]
    if committed is not None and committed.resolve() != write_dir.resolve() and not _ISOLATED[0]:
        out.append(committed)
    return out


def read_json(path: str | os.PathLike):
    """The JSON document at ``path``, or None when it is missing or torn."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
