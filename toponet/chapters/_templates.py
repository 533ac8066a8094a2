"""The chapters' prose templates: markdown in ``toponet/chapters/templates/``, filled from a result.

A "What we found" paragraph is written once, as markdown with Jinja2 placeholders and
conditions (``{{ seeds }}``, ``{% if verdict == "partly" %}``), beside the chapter module
that computes its values; the module decides nothing about wording. Used by chapter 06
(``notebooks/06_umass.py``: :func:`toponet.chapters.umass.tori.u1_findings`,
:func:`toponet.chapters.umass.memorization.u2_findings`).
"""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

__all__ = ["TEMPLATES", "render"]

#: Where the templates live (package data: ``pyproject.toml`` ships them).
TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=False)


def render(name: str, **values) -> str:
    """The template ``templates/<name>.md`` filled with ``values``, as one paragraph.

    Parameters
    ----------
    name : str
        The template's file name without ``.md``.
    **values
        Every name the template uses (a missing one raises ``jinja2.UndefinedError`` naming it).

    Returns
    -------
    str
        The rendered markdown with every run of whitespace (line breaks included) collapsed to
        one space, so a template writes one sentence or clause per line; a pilcrow (``¶``)
        starts a new paragraph (a blank line in the result).
    """
    text = " ".join(_ENVIRONMENT.get_template(f"{name}.md").render(**values).split())
    return re.sub(r"\s*¶\s*", "\n\n", text).strip()
