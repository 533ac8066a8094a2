"""The ``toponet`` command line: ``toponet analyze|fetch-data|train|store``."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback

from toponet.commands import MODULES

__all__ = ["describe_error", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toponet",
        description="Topology of the spatial filters of convolutional networks "
                    "(a reproduction of Gabrielsson & Carlsson).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in MODULES:
        try:
            module = importlib.import_module(f"toponet.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"toponet.commands.{name}":
                raise
            continue  # a subcommand not written yet
        module.register(sub)
    return parser


#: Exit codes: a usage error (a bad option or input file) and a runtime failure.
EXIT_USAGE, EXIT_RUNTIME = 2, 1


def describe_error(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one-line message for an exception a command raised.

    Usage errors (exit 2): ``ValueError``/``TypeError`` (bad option values, input files of
    the wrong kind) and paths that do not exist or are folders. Everything else is a
    runtime failure (exit 1): a corrupt store (:class:`toponet.store.StoreError`), a held
    lock, a file system or network error, memory. Exceptions toponet does not expect get
    their type named and a hint to rerun with ``-v`` for the traceback.
    """
    import zipfile

    # deferred: `toponet --help` starts in 0.1 s; the store adds 0.25 s, needed only on a store error
    from toponet.store import StoreError

    if isinstance(exc, StoreError):
        return EXIT_RUNTIME, str(exc)
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        return EXIT_USAGE, _os_message(exc)
    if isinstance(exc, (ValueError, TypeError)):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, OSError):
        return EXIT_RUNTIME, _os_message(exc)
    if isinstance(exc, MemoryError):
        return EXIT_RUNTIME, f"out of memory{f' ({exc})' if str(exc) else ''}; use a smaller input or a larger machine"
    if isinstance(exc, RuntimeError):
        return EXIT_RUNTIME, str(exc)
    if isinstance(exc, (EOFError, zipfile.BadZipFile, KeyError)):
        return EXIT_RUNTIME, f"a file ended early or is not what it should be ({type(exc).__name__}: {exc})"
    return EXIT_RUNTIME, (f"unexpected {type(exc).__name__}: {exc} (a bug in toponet; rerun with -v for the "
                          f"traceback and report it)")


def _os_message(exc: OSError) -> str:
    """``"<file>: <reason>"`` for an ``OSError`` that names its file, else its own text."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def main(argv: list[str] | None = None) -> int:
    """Run one command; a failure prints one line on stderr and returns 2 (usage) or 1 (runtime)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"toponet {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line (traceback with -v)
        code, message = describe_error(exc)
        if args.verbose:
            traceback.print_exc()
        message = " ".join(str(message).split())  # one line, whatever the exception's text
        print(f"toponet {args.command}: error: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
