"""Subcommands of the ``toponet`` command line.

Each module here defines ``register(subparsers)`` that adds its parser and sets
``func`` (called with the parsed namespace, returning an exit code).
"""

__all__ = ["MODULES"]

#: Subcommand modules, in the order ``toponet --help`` lists them.
MODULES = ("analyze", "fetch_data", "fetch_weights", "train", "store", "verify", "book")
