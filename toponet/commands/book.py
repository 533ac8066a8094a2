"""``toponet book build --profile smoke``: the same as ``python -m toponet.book build``."""
from __future__ import annotations

__all__ = ["register"]


def register(sub) -> None:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (0.4 s)
    from toponet.book.cli import add_arguments

    p = sub.add_parser("book", help="execute the chapters and build the HTML book",
                       description="Build the toponet book: execute every chapter with papermill, "
                                   "build the HTML with jupyter-book, check it renders offline.")
    add_arguments(p)
    p.set_defaults(func=_run)


def _run(args) -> int:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (0.4 s)
    from toponet.book.cli import run

    return run(args)
