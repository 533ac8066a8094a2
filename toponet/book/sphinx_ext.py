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
* Also at ``html-page-context``: identical script tags are dropped (sphinx-thebe's inline
  configuration is added twice under Jupyter Book 1.0.4: "Identifier 'THEBE_JS_URL' has
  already been declared" on every page).
"""
from __future__ import annotations

from toponet.book.assets import PLOTLY_JS, REQUIRE_JS, default_cache_dir, prepare_static

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
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
