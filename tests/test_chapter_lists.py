"""The prose lists of chapters and templates name every one that exists (a new chapter is added to them)."""
from __future__ import annotations

from pathlib import Path

import toponet.chapters
from toponet.chapters import _templates

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))


def test_the_chapters_package_and_the_readme_list_every_notebook():
    assert len(NOTEBOOKS) >= 11
    table = toponet.chapters.__doc__
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    chapters_list = readme[readme.index("Chapters (`notebooks/`)"):]
    missing_table = [n for n in NOTEBOOKS if f"``{n}``" not in table]
    missing_readme = [n for n in NOTEBOOKS if n != "calibration" and f"`{n}`" not in chapters_list]
    assert not missing_table, f"toponet/chapters/__init__.py's table lacks {missing_table}"
    assert not missing_readme, f"the README's 'Chapters (`notebooks/`)' list lacks {missing_readme}"


def test_the_templates_docstring_names_every_template():
    shipped = sorted(p.stem for p in _templates.TEMPLATES.glob("*.md"))
    missing = [name for name in shipped if f"``{name}``" not in _templates.__doc__]
    assert shipped and not missing, f"toponet/chapters/_templates.py's docstring lacks {missing}"
