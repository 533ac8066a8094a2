"""The chapters' prose templates: markdown in ``toponet/chapters/templates/``, filled from a result.

Every caption's words and every "What we found" paragraph are written once, as markdown with
Jinja2 placeholders and conditions (``{{ seeds }}``, ``{% if verdict == "partly" %}``), beside the
chapter module that computes their values; the module decides no wording.

- Captions, one template per chapter module, picked by the figure's label (``figure="2a"``):
  ``ideal_captions`` (00), ``mnist_captions`` (01), ``gray_captions`` and ``color_captions`` (02,
  03; their training figures 5 and 9 share ``cifar_captions``), ``deep_captions`` (04),
  ``generalization_captions`` (05), ``umass_captions`` (06), ``learning_captions`` (07),
  ``patches_captions`` (08) and ``your_network_captions`` (09). The frame around a caption's words
  (figure label, point cloud, profile, accuracy) is :func:`toponet.book.notebook.caption`'s, the
  same for every figure.
- "What we found": ``gray_findings`` and ``color_findings`` (02, 03), ``deep_findings`` (04: each
  stand-in's per-layer table and the dithering check), ``generalization_findings`` (05),
  ``u1_findings`` and ``u2_findings`` (06), ``learning_findings`` (07) and
  ``your_network_findings`` (09).

``tests/test_templates.py`` checks that every template shipped is rendered by a chapter; the
``tests/test_captions_*.py`` render each caption on known values.
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
