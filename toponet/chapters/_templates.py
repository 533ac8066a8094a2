"""The chapters' prose templates: markdown in ``toponet/chapters/templates/``, filled from a result.

A "What we found" paragraph is written once, as markdown with Jinja2 placeholders and
conditions (``{{ seeds }}``, ``{% if verdict == "partly" %}``), beside the chapter module
that computes its values; the module decides nothing about wording. The "What we found" of
chapters 02 and 03 (``gray_findings``, ``color_findings``), 04 (``deep_findings``: each stand-in's
per-layer table and the dithering check), 05 (``generalization_findings``), 06 (``u1_findings``,
``u2_findings``), 07 (``learning_findings``) and 09 (``your_network_findings``);
``tests/test_templates.py`` checks that every template shipped is rendered by a chapter.
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
