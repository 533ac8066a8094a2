"""``python -m toponet.book build|run|assets|check|profiles`` (also ``toponet book ...``)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toponet.book.assets import default_cache_dir, expected_versions, prepare_static
from toponet.book.build import BuildError, build_book, discover_chapters
from toponet.book.offline import check_html_dir
from toponet.book.profiles import PROFILES
from toponet.book.rerun import describe, execute_run, prepare_run, training_needs
from toponet.verdict_record import update_readme

__all__ = ["add_arguments", "run", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The subcommands, added to ``parser`` (shared by both entry points)."""
    sub = parser.add_subparsers(dest="book_command", metavar="ACTION")
    sub.required = True
    b = sub.add_parser("build", help="execute every chapter with papermill and build the HTML book",
                       description="Convert notebooks/*.py to notebooks, execute them with the profile's "
                                   "parameters, build _build/html with jupyter-book and check that every "
                                   "page renders offline. Any failure exits non-zero.")
    b.add_argument("--profile", default="smoke", choices=sorted(PROFILES),
                   help="build scale: " + "; ".join(f"{p.name}: {p.description}" for p in PROFILES.values()))
    b.add_argument("--root", type=Path, default=Path("."), help="book root (default: current folder)")
    b.add_argument("--chapter", action="append", metavar="NAME",
                   help="execute only this chapter (repeatable); needs --no-html")
    b.add_argument("--no-html", action="store_true", help="execute the chapters, skip the HTML")
    b.add_argument("--device", help="torch device for every chapter, overriding the profile (e.g. cuda)")
    b.add_argument("--log-output", action="store_true", help="stream the chapters' output while they run")
    b.set_defaults(book_func=_build)
    r = sub.add_parser("run", help="execute one chapter with your own parameters into _build/runs/",
                       description="Execute one chapter with its profile's parameters, the ones named with -p "
                                   "replaced, into _build/runs/<chapter>-<hash>/ (the executed notebook, its "
                                   "verdict rows, with --html a page that renders offline). Every name and value "
                                   "is checked before anything runs; the main build's outputs are never touched. "
                                   "Networks the store lacks are trained first (the estimated time is printed).",
                       epilog="example: python -m toponet.book run 01_mnist -p k 100 -p p 0.2")
    r.add_argument("chapter", help="chapter name, e.g. 01_mnist (or a unique prefix: 01)")
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   dest="parameters", help="a parameter and its value, parsed like papermill's -p "
                                           "(int, float, True/False, else text); repeatable")
    r.add_argument("--profile", default="default", choices=sorted(PROFILES),
                   help="the profile whose parameters of the chapter the run starts from (default: default)")
    r.add_argument("--root", type=Path, default=Path("."), help="book root (default: current folder)")
    r.add_argument("--html", action="store_true", help="also build a one-page HTML book of the chapter")
    r.add_argument("--dry-run", action="store_true",
                   help="print the parameters (profile value -> yours) and what would be trained; run nothing")
    r.add_argument("--log-output", action="store_true", help="stream the chapter's output while it runs")
    r.set_defaults(book_func=_run)
    a = sub.add_parser("assets", help="fetch plotly.js, require.js and MathJax for offline pages")
    a.add_argument("--root", type=Path, default=Path("."), help="book root (default: current folder)")
    a.set_defaults(book_func=_assets)
    c = sub.add_parser("check", help="check built HTML for resources from other hosts and inlined plotly.js")
    c.add_argument("html_dir", nargs="?", type=Path, default=Path("_build/html"))
    c.set_defaults(book_func=_check)
    r = sub.add_parser("readme", help="rewrite the README's results block from results/verdicts.json")
    r.add_argument("--root", type=Path, default=Path("."), help="book root (default: current folder)")
    r.add_argument("--check", action="store_true", help="change nothing; exit 1 when the block is out of date")
    r.set_defaults(book_func=_readme)
    p = sub.add_parser("profiles", help="print every profile's parameters per chapter")
    p.add_argument("--root", type=Path, default=Path("."), help="book root (default: current folder)")
    p.set_defaults(book_func=_profiles)


def _build(args) -> int:

    overrides = {"device": args.device} if args.device else None
    result = build_book(args.profile, root=args.root, chapters=args.chapter, html=not args.no_html,
                        overrides=overrides, log_output=args.log_output)
    for run in result.chapters:
        print(f"executed {run.name} in {run.seconds:.1f} s -> {run.executed}")
    if args.chapter:
        print(f"kept the other chapters' outputs; {Path(args.root) / '_build' / 'html'} is from the last full build "
              "(a build without --chapter makes it again)")
    if result.html_dir is not None:
        biggest = max(result.pages, key=lambda p: p.size_bytes)
        print(f"built {len(result.pages)} pages in {result.html_dir} (largest {biggest.path}: "
              f"{biggest.size_bytes / 1e6:.2f} MB); every page renders offline")
    return 0


def _run(args) -> int:

    run = prepare_run(args.chapter, [tuple(p) for p in args.parameters], profile=args.profile, root=args.root)
    needs = training_needs(run)
    for line in describe(run, needs):
        print(line)
    if args.dry_run:
        print(f"dry run: nothing trained or executed; a run writes {run.folder}")
        return 0
    result = execute_run(run, needs, html=args.html, log_output=args.log_output)
    print(f"executed {run.chapter} in {result.seconds:.1f} s"
          + (f" (after {result.trained_seconds:.0f} s of training)" if result.trained_seconds else "")
          + f" -> {result.notebook}")
    if result.verdicts:
        print(f"{len(result.verdicts)} verdict row(s) in {result.folder / 'verdicts'} (table: "
              f"{result.folder / 'verdicts.md'})")
    if result.html is not None:
        print(f"page: {result.html} (renders offline)")
    return 0


def _readme(args) -> int:

    readme, record = Path(args.root) / "README.md", Path(args.root) / "results" / "verdicts.json"
    if not record.is_file():
        raise FileNotFoundError(f"{record}: no verdict record; build the book at the default profile first "
                                "(make book)")
    changed = update_readme(readme, record, check=args.check)
    if args.check:
        print(f"{readme}: results block {'out of date' if changed else 'matches'} {record}")
        return 1 if changed else 0
    print(f"{readme}: results block {'rewritten' if changed else 'already matches'} from {record}")
    return 0


def _assets(args) -> int:

    static = prepare_static(default_cache_dir(args.root))
    print(f"{static}: {expected_versions()}")
    return 0


def _check(args) -> int:

    pages, problems = check_html_dir(args.html_dir)
    for problem in problems:
        print(problem)
    print(f"{len(pages)} pages checked, {len(problems)} problem(s)")
    return 1 if problems else 0


def _profiles(args) -> int:

    names = [s.stem for s in discover_chapters(args.root)]
    for prof in PROFILES.values():
        print(f"{prof.name}: {prof.description}")
        for name in names:
            values = prof.parameters(name)
            print(f"  {name}: " + ", ".join(f"{k}={v!r}" for k, v in values.items() if k != "profile"))
    return 0


def run(args) -> int:
    """Dispatch a parsed namespace; errors become a message and a non-zero exit code."""

    try:
        return int(args.book_func(args) or 0)
    except BuildError as exc:
        print(f"book: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"book: error: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toponet.book",
                                     description="Build the toponet book (Jupyter Book + papermill).")
    add_arguments(parser)
    return run(parser.parse_args(argv))
