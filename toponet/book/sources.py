"""Where the book's parts live: the chapter sources, the executed chapters, the build's folders,
the table of contents and the verdict rows the chapters recorded.

Paths are relative to the book root (the checkout). Read by :mod:`toponet.book.build` (which
writes there) and :mod:`toponet.book.pages` (which reads what a build left), so neither imports
the other for them.
"""
from __future__ import annotations

import os
from pathlib import Path

from toponet import verdict_record

__all__ = ["NOTEBOOKS", "CHAPTERS", "BUILD", "HTML", "PAPERMILL", "VERDICTS", "VERDICT_TABLE",
           "discover_chapters", "toc_files", "load_verdicts"]

#: Chapter sources (Jupytext percent format).
NOTEBOOKS = Path("notebooks")
#: Executed chapters, the pages the book renders.
CHAPTERS = Path("book/chapters")
BUILD = Path("_build")
HTML = BUILD / "html"
PAPERMILL = BUILD / "papermill"
#: One folder per executed chapter holding the verdict rows it recorded.
VERDICTS = BUILD / "verdicts"
VERDICT_TABLE = BUILD / "generated" / "verdict_table.md"


def discover_chapters(root: str | os.PathLike = ".") -> list[Path]:
    """The chapter sources ``notebooks/*.py``, sorted by name (files starting "_" skipped)."""
    folder = Path(root) / NOTEBOOKS
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def toc_files(root: str | os.PathLike = ".") -> list[str]:
    """Every ``file:`` entry of ``<root>/_toc.yml``, in order, without suffix."""
    import yaml

    path = Path(root) / "_toc.yml"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no table of contents; is {Path(root).resolve()} the book root?")
    files: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(Path(str(node["file"])).with_suffix("").as_posix()))
            if "root" in node:
                files.append(str(Path(str(node["root"])).with_suffix("").as_posix()))
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return files


def load_verdicts(root: str | os.PathLike = ".") -> list:
    """Every verdict row the executed chapters recorded, sorted by claim id.

    Rows are read from each chapter's folder ``_build/verdicts/<name>/``; rows lying directly
    in ``_build/verdicts/`` (builds before per-chapter folders) count only when no chapter
    folder holds the same claim.
    """

    folder = Path(root) / VERDICTS
    if not folder.is_dir():
        return []
    rows = [row for sub in sorted(p for p in folder.iterdir() if p.is_dir()) for row in verdict_record.load(sub)]
    have = {row.claim_id for row in rows}
    rows += [row for row in verdict_record.load(folder) if row.claim_id not in have]
    return sorted(rows, key=lambda v: v.claim_id)
