"""Checks on the built HTML: every page must render with no network and stay small.

A problem is reported for
* a resource a page *loads* from another host: ``<script src>``, ``<link href>``
  (stylesheets, preloads, icons), ``<img>``/``<iframe>``/``<source>``/``<video>``/
  ``<audio>``/``<embed src>``, ``<object data>``, and ``url(...)``/``@import`` in CSS
  files. Plain hyperlinks (``<a href>``) are prose, not resources, and are allowed;
* a copy of plotly.js inlined into a page (plotly's default notebook renderers do that:
  ~4.7 MB a page); the library must come from ``_static`` once per page;
* a page that draws plotly figures but does not load ``plotly.min.js``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from toponet.book.sphinx_ext import PLOTLY_MARKERS

__all__ = ["PLOTLYJS_BANNER", "PageReport", "check_page", "check_html_dir"]

_RESOURCE_ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src",
                   "audio": "src", "embed": "src", "track": "src", "object": "data", "input": "src"}
# <link rel=...> values that make the browser fetch the target.
_LOADING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut",
                 "apple-touch-icon", "manifest", "preconnect", "dns-prefetch", "mask-icon"}
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:[a-z][a-z0-9+.-]*:)?//[^'")\s]+)""",
                      re.IGNORECASE)
#: The banner at the top of every plotly.js bundle.
PLOTLYJS_BANNER = re.compile(r"\*\s*plotly\.js v\d+\.\d+")


def is_external(url: str) -> bool:
    """True for ``http://``, ``https://``, ``//host`` and other scheme://host URLs."""
    return bool(_EXTERNAL.match(url or ""))


class _ResourceParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.external: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "link":
            rels = set((a.get("rel") or "").lower().split())
            if rels & _LOADING_RELS and is_external(a.get("href", "")):
                self.external.append(f"<link rel={a.get('rel')!r} href={a.get('href')!r}>")
        elif tag in _RESOURCE_ATTRS:
            url = a.get(_RESOURCE_ATTRS[tag]) or ""
            if is_external(url):
                self.external.append(f"<{tag} {_RESOURCE_ATTRS[tag]}={url!r}>")
            for candidate in (a.get("srcset") or "").split(","):
                if is_external(candidate.strip().split(" ")[0]):
                    self.external.append(f"<{tag} srcset={candidate.strip()!r}>")


@dataclass(frozen=True)
class PageReport:
    """What one built page loads.

    Attributes
    ----------
    path : Path, relative to the HTML folder
    size_bytes : int, the page's own HTML
    plotly_figures : int, number of plotly figures drawn on the page
    problems : tuple of str, empty when the page is fine
    """

    path: Path
    size_bytes: int
    plotly_figures: int
    problems: tuple[str, ...]


def check_page(path: str | os.PathLike, html_dir: str | os.PathLike) -> PageReport:
    """Check one HTML page (see the module docstring for what is a problem)."""
    path, html_dir = Path(path), Path(html_dir)
    text = path.read_text(encoding="utf-8", errors="replace")
    parser = _ResourceParser()
    parser.feed(text)
    problems = [f"loads from another host: {e}" for e in parser.external]
    inlined = len(PLOTLYJS_BANNER.findall(text))
    if inlined:
        problems.append(f"{inlined} inline cop{'y' if inlined == 1 else 'ies'} of plotly.js "
                        "(a figure not rendered by toponet.book.setup_notebook()'s renderer?)")
    figures = sum(text.count(marker) for marker in PLOTLY_MARKERS)
    loads_plotly = any(Path(src.split("?")[0]).name == "plotly.min.js" for src in parser.scripts)
    if figures and not loads_plotly:
        problems.append(f"draws {figures} plotly figure(s) but loads no plotly.min.js")
    n_loads = sum(Path(src.split("?")[0]).name == "plotly.min.js" for src in parser.scripts)
    if n_loads > 1:
        problems.append(f"loads plotly.min.js {n_loads} times")
    return PageReport(path=path.relative_to(html_dir), size_bytes=len(text.encode("utf-8")),
                      plotly_figures=figures, problems=tuple(problems))


def check_css(path: str | os.PathLike) -> list[str]:
    """External ``url(...)`` / ``@import`` targets in a CSS file."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return [f"{Path(path).name} loads from another host: {m}" for m in _CSS_URL.findall(text)]


def check_html_dir(html_dir: str | os.PathLike) -> tuple[list[PageReport], list[str]]:
    """Check every page and stylesheet of a built book.

    Returns
    -------
    pages : list of PageReport, one per ``*.html``
    problems : list of str, each prefixed with the file it is in; empty when all is well
    """
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        raise FileNotFoundError(f"{html_dir}: no built HTML folder (build the book first)")
    pages = [check_page(p, html_dir) for p in sorted(html_dir.rglob("*.html"))]
    problems = [f"{page.path}: {problem}" for page in pages for problem in page.problems]
    for css in sorted(html_dir.rglob("*.css")):
        problems += [f"{css.relative_to(html_dir)}: {p}" for p in check_css(css)]
    return pages, problems
