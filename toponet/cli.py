"""The ``toponet`` command line: ``toponet analyze|fetch-data|train|store``."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from toponet.commands import MODULES


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"toponet {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
