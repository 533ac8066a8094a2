"""Writing files so that no reader, and no kill, ever sees half of one."""
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


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """:func:`atomic_write` of a UTF-8 text."""
    data = text.encode("utf-8")
    atomic_write(path, lambda fh: fh.write(data))


def atomic_write_json(path: str | os.PathLike, obj, **dumps) -> None:
    """:func:`atomic_write` of ``json.dumps(obj, **dumps)``."""
    atomic_write_text(path, json.dumps(obj, **dumps))


def results_directory() -> Path:
    """``$TOPONET_CALIBRATION`` or ``results/calibration`` of the checkout (else ~/.cache):
    where calibrations and cached null tests live (tests point the variable at a tmp folder)."""
    env = os.environ.get("TOPONET_CALIBRATION")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file():
        return root / "results" / "calibration"
    return Path.home() / ".cache" / "toponet" / "calibration"


def read_json(path: str | os.PathLike):
    """The JSON document at ``path``, or None when it is missing or torn."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
