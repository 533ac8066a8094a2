"""Sphinx extension of the book (``_config.yml``: ``sphinx.extra_extensions``).

* At ``config-inited``: makes sure the offline assets exist (:func:`prepare_static`) and
  adds their folder to ``html_static_path``, so they are served from ``_static/``.
* At ``html-page-context``: a page whose body draws plotly figures gets ``plotly.min.js``
  (the global ``Plotly`` the figures call), synchronously, before the body's inline
  scripts run. Only a page with outputs of plotly's own ``require(["plotly"], ...)``
  renderers also gets ``require.js`` and a one-line AMD module ``plotly`` returning that
  global, and those go *last* among the head's scripts: any UMD script loaded after
  require.js (plotly.js itself, sphinx-copybutton's clipboard.min.js) registers an
  anonymous AMD module instead of its global and require.js throws "Mismatched anonymous
  define() module", which is what happened when require.js was on every page.
* Also at ``html-page-context``: a chapter page (``book/chapters/<name>``) gets a ``.py``
  entry in the theme's download menu, beside the executed ``.ipynb``: the chapter's Jupytext
  source ``notebooks/<name>.py``, which ``build-finished`` copies to ``<html>/notebooks/``.
* At ``build-finished``: a Markdown page's source copy in ``_sources/`` (what the theme's
  ``.md`` download button serves) gets every ``{include}`` directive replaced by the file it
  includes (:func:`expand_includes`), so the Verdicts page's ``.md`` holds its table, the
  front page's its results, not a directive naming a build folder.
* Also at ``html-page-context``: identical script tags are dropped (sphinx-thebe's inline
  configuration is added twice under Jupyter Book 1.0.4: "Identifier 'THEBE_JS_URL' has
  already been declared" on every page).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from toponet.book.assets import PLOTLY_JS, REQUIRE_JS, default_cache_dir, prepare_static

__all__ = ["PLOTLY_MARKERS", "expand_includes", "setup"]

#: Pages built from notebooks/<name>.py live at this docname prefix.
CHAPTER_PREFIX = "book/chapters/"
#: Where the chapters' Jupytext sources are published, relative to the HTML root.
SOURCES = "notebooks"

#: Markers of plotly output in a page body: our renderer's and plotly's require-based one.
PLOTLY_MARKERS = ("Plotly.newPlot(", 'require(["plotly"]')
REQUIRE_MARKERS = ('require(["plotly"]', "require(['plotly']", "requirejs(")
_AMD_SHIM = "define('plotly', [], function () { return window.Plotly; });"


def _add_static(app, config) -> None:
    static = prepare_static(default_cache_dir(app.srcdir))
    config.html_static_path = [*config.html_static_path, str(static)]


def _dedupe_scripts(context) -> None:
    files = context.get("script_files")
    if not isinstance(files, list):
        return
    seen, kept = set(), []
    for js in files:
        # Extensions add inline scripts with filename None or "" for the same tag.
        key = (getattr(js, "filename", str(js)) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    files[:] = kept  # in place: later handlers append to this same list


def chapter_source(srcdir, pagename: str) -> Path | None:
    """``<srcdir>/notebooks/<name>.py`` of a chapter page ``book/chapters/<name>``, if it exists."""
    if not pagename.startswith(CHAPTER_PREFIX):
        return None
    source = Path(srcdir) / SOURCES / f"{pagename[len(CHAPTER_PREFIX):]}.py"
    return source if source.is_file() else None


def _source_button(app, pagename, templatename, context, doctree) -> None:
    """Add the chapter's Jupytext source to the theme's download menu (after the theme built it)."""
    source = chapter_source(app.srcdir, pagename)
    if source is None:
        return
    for group in context.get("header_buttons") or []:
        if group.get("label") == "download-buttons":
            group["buttons"].insert(1, {
                "type": "link", "url": context["pathto"](f"{SOURCES}/{source.name}", 1), "text": ".py",
                "tooltip": "Download the chapter's source (Jupytext percent format; opens as a notebook)",
                "icon": "fas fa-file-code", "label": "download-jupytext-source-button"})


def _copy_sources(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    names = [d[len(CHAPTER_PREFIX):] for d in app.env.found_docs if d.startswith(CHAPTER_PREFIX)]
    out = Path(app.outdir) / SOURCES
    for name in names:
        source = Path(app.srcdir) / SOURCES / f"{name}.py"
        if source.is_file():
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out / source.name)


#: A MyST include directive with no options: ```{include} path``` or :::{include} path:::.
_INCLUDE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{include\}[ \t]+(?P<path>\S+)[ \t]*\n(?P=fence)[ \t]*$", re.M)


def expand_includes(text: str, base: Path) -> str:
    """``text`` (MyST Markdown) with every option-less ``{include}`` directive replaced by the
    included file's text (paths relative to ``base``); a file that is missing stays a directive."""
    def repl(m: re.Match) -> str:
        path = base / m.group("path")
        return path.read_text(encoding="utf-8").rstrip("\n") if path.is_file() else m.group(0)
    return _INCLUDE.sub(repl, text)


def _expand_source_copies(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    suffix = app.config.html_sourcelink_suffix or ""
    for docname in app.env.found_docs:
        source = Path(app.env.doc2path(docname))
        if source.suffix != ".md":
            continue
        name = docname + source.suffix
        copy = Path(app.outdir) / "_sources" / (name if name.endswith(suffix) else name + suffix)
        if copy.is_file():
            text = copy.read_text(encoding="utf-8")
            expanded = expand_includes(text, source.parent)
            if expanded != text:
                copy.write_text(expanded, encoding="utf-8")


def _page_scripts(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if any(marker in body for marker in PLOTLY_MARKERS):
        # Synchronous (no defer): the figures' inline scripts call Plotly while parsing.
        app.add_js_file(PLOTLY_JS, priority=400)
    if any(marker in body for marker in REQUIRE_MARKERS):
        app.add_js_file(REQUIRE_JS, priority=990)
        app.add_js_file(None, body=_AMD_SHIM, priority=991)
    _dedupe_scripts(context)


def setup(app):
    app.connect("config-inited", _add_static)
    # Late (priority 900): after other extensions have added their page scripts.
    app.connect("html-page-context", _page_scripts, priority=900)
    app.connect("html-page-context", _source_button, priority=900)   # after the theme's (501)
    app.connect("build-finished", _copy_sources)
    app.connect("build-finished", _expand_source_copies)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
