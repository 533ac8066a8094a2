"""The book: executable chapters (papermill) rendered by Jupyter Book, offline.

Chapters call :func:`validate_parameters` and :func:`setup_notebook` first and
:func:`caption` under figures and :func:`what_to_see` after them;
``python -m toponet.book build --profile smoke`` executes and builds everything
(:func:`toponet.book.build.build_book`). Importing this package stays light: the
build's heavy dependencies (papermill, jupytext, plotly) load when used.
"""
from toponet.book.notebook import Caption, Reading, caption, cloud_label, setup_notebook, show_table, what_to_see
from toponet.book.profiles import PARAMETERS, PROFILES, Profile, get_profile, validate_parameters


def build_book(*args, **kwargs):
    """See :func:`toponet.book.build.build_book`."""
    from toponet.book.build import build_book as _build_book  # deferred: build loads papermill, jupytext

    return _build_book(*args, **kwargs)


__all__ = ["Caption", "PARAMETERS", "PROFILES", "Profile", "Reading", "build_book", "caption", "cloud_label",
           "get_profile", "setup_notebook", "show_table", "validate_parameters", "what_to_see"]
