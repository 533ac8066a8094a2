"""``toponet analyze FILE``: the pipeline on your own filters."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def register(sub) -> None:
    p = sub.add_parser(
        "analyze", help="analyze a cloud of 3x3 filters (density filtration, persistence, Mapper, nulls)",
        description="Read spatial filters from a .npy file of shape (n, 9), (n, 3, 3) or a conv weight "
                    "tensor (out, in, 3, 3); normalize them, apply the density filtration rho(k, p), "
                    "compute H0/H1 persistence and Mapper, and compare the top H1 lifetime to matched "
                    "null clouds.")
    p.add_argument("file", type=Path, help=".npy file with the filters or conv weights")
    p.add_argument("--k", type=int, required=True, help="density filtration: k-th nearest neighbour")
    p.add_argument("--p", type=float, required=True, help="density filtration: fraction kept, in (0, 1]")
    p.add_argument("--resolution", type=int, default=30, help="Mapper resolution (default 30)")
    p.add_argument("--gain", type=float, default=3.0, help="Mapper gain, > 1 (default 3)")
    p.add_argument("--null-repeats", type=int, default=99,
                   help="matched null clouds per null kind (gaussian, shuffled, and the directions null: gaussian filters "
                        "whose normalized rows have your filters' second moment) for the "
                        "book's calibrated circle rule: 0 skips the nulls (circle: inconclusive), else at least 2 "
                        "(a standard deviation needs two clouds); 99 (default) floors p at 0.01, fewer than 20 "
                        "can never reach p < 0.05")
    p.add_argument("--threshold", type=float, default=0.3,
                   help="distance in R^9 counted as near the primary circle (default 0.3)")
    p.add_argument("--seed", type=int, default=0, help="seed for landmarks, nulls and layout")
    p.add_argument("--html", type=Path, metavar="PAGE.html",
                   help="write the Mapper graph and barcodes to this new HTML page (its folder must exist)")
    p.add_argument("--force", action="store_true", help="let --html overwrite an existing page")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    p.set_defaults(func=run)


def _npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and data offset of a ``.npy`` file, read and checked from its header alone.

    Raises ``ValueError`` naming ``path`` and what is wrong: not a ``.npy`` file, an unknown
    format version, a header numpy cannot parse (not a dict, missing keys, broken syntax), or
    a shape with a negative, boolean or non-integer dimension.
    """
    from numpy.lib import format as npy

    with open(path, "rb") as fh:
        try:
            version = npy.read_magic(fh)
        except (ValueError, EOFError) as exc:
            raise ValueError(f"{path}: not a .npy file ({exc or 'empty'}); write the filters with numpy.save") from None
        if version not in ((1, 0), (2, 0), (3, 0)):
            raise ValueError(f"{path}: .npy format version {version[0]}.{version[1]} is not one numpy writes "
                             f"(1.0, 2.0, 3.0); write the filters with numpy.save")
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        try:
            shape, _, dtype = read(fh, max_header_size=100_000)
        # Parsing a header is pure text work: whatever it raises (ValueError, tokenize's TokenError,
        # EOFError, RecursionError on nested brackets) means the header is malformed, not a bug.
        except Exception as exc:  # noqa: BLE001
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise ValueError(f"{path}: malformed .npy header ({reason}); write the filters with numpy.save") from None
        bad = [d for d in shape if isinstance(d, bool) or not isinstance(d, int) or d < 0]
        if bad:
            raise ValueError(f"{path}: .npy header has shape {tuple(shape)}; every dimension must be an integer "
                             f">= 0 (got {bad[0]!r})")
        return tuple(shape), np.dtype(dtype), fh.tell()


def load_filters(path: Path) -> np.ndarray:
    """Filters from a .npy file as an array of shape (n, 9).

    The header is checked before the data is read: its shape must be non-negative integers
    and must account for the file's data bytes exactly (``prod(shape) * itemsize``), so a
    truncated file, trailing bytes or a forged header are refused without allocating
    anything, as are object (pickle), complex and non-numeric arrays.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; name the .npy file of filters")
    if path.suffix != ".npy":
        raise ValueError(f"{path}: expected a .npy file (numpy.save), got '{path.suffix or 'no suffix'}'")
    shape, dtype, offset = _npy_header(path)
    if dtype.hasobject or dtype.kind not in "biuf":
        kind = "complex numbers" if dtype.kind == "c" else f"dtype {dtype}"
        raise ValueError(f"{path}: holds {kind}; toponet reads real numeric arrays (write a float array)")
    need, have = int(np.prod(shape, dtype=object)) * dtype.itemsize, path.stat().st_size - offset
    if have < need:
        raise ValueError(f"{path}: its header promises shape {shape} ({need:,} bytes of {dtype}) but the file "
                         f"holds {have:,} bytes of data; it is truncated or not written by numpy.save")
    if have > need:
        raise ValueError(f"{path}: its header says shape {shape} ({need:,} bytes of {dtype}) but the file holds "
                         f"{have:,} bytes of data ({have - need:,} more); the header does not describe the data")
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{path}: not a plain numeric .npy array ({exc})") from exc
    if arr.ndim == 2 and arr.shape[1] == 9:
        return arr
    if arr.ndim == 3 and arr.shape[1:] == (3, 3):
        return arr.reshape(len(arr), 9)
    if arr.ndim == 4 and arr.shape[2:] == (3, 3):
        return arr.reshape(-1, 9)
    raise ValueError(f"{path}: expected shape (n, 9), (n, 3, 3) or (out, in, 3, 3); got {arr.shape}")


def check_html_target(page: Path, source: Path, *, force: bool = False) -> Path:
    """``page`` if ``--html`` may write it, else ``ValueError`` naming the problem and the fix.

    The page must end in ``.html``, must not be the input file, must lie in an existing
    folder, must not be a folder, and must not exist unless ``force``.
    """
    if page.is_dir():
        raise ValueError(f"--html {page}: is a folder; name a page inside it, e.g. {page / 'report.html'}")
    if page.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"--html {page}: a page name ends in .html; e.g. {page.with_suffix('.html')}")
    if page.exists() and source.exists() and page.resolve() == source.resolve():
        raise ValueError(f"--html {page}: is the input file; name another page")
    if not page.parent.is_dir():
        raise ValueError(f"--html {page}: folder {page.parent} does not exist; create it first")
    if page.exists() and not force:
        raise ValueError(f"--html {page}: exists; pass --force to overwrite it")
    return page


def _check_null_repeats(n: int) -> int:
    if n == 1 or n < 0:
        raise ValueError(f"--null-repeats {n}: use 0 to skip the nulls, or at least 2 (the null's standard "
                         f"deviation needs two clouds)")
    return n


def _rule_keys(X, args) -> dict:
    """The book's calibrated circle rule on the same filters (toponet.rules, toponet.calibration)."""
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (scipy, ripser: 0.3 s)
    from toponet.rules import summary_keys

    if not args.null_repeats:
        return {"nulls": {}, "circle": "inconclusive", "beyond_second_order": "inconclusive", "power": None,
                "false_positive_rate": None, "rule_reasons": ["--null-repeats 0: no null test was run"]}
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (scipy, ripser: 0.3 s)
    from toponet.calibration import GaussianTops, calibrate_circle
    from toponet.rules import ANALYZE_KINDS, circle_rule, circle_test

    test = circle_test(X, k=args.k, p=args.p, kinds=ANALYZE_KINDS, draws=args.null_repeats, seed=args.seed,
                       gaussian_cache=GaussianTops(), progress=not args.json)
    cal = calibrate_circle(test.n_points, test.k, test.p, draws=args.null_repeats, progress=not args.json)
    return summary_keys(test, circle_rule(test, cal))


def run(args) -> int:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (scipy, ripser: 0.3 s)
    from toponet.analysis import AnalysisConfig, analyze_filters

    _check_null_repeats(args.null_repeats)
    if args.html:
        check_html_target(args.html, args.file, force=args.force)
    X = load_filters(args.file)
    # The figures' pipeline without its own nulls: the nulls are the rule's (below).
    cfg = AnalysisConfig(k=args.k, p=args.p, resolution=args.resolution, gain=args.gain,
                         null_repeats=0, threshold=args.threshold, seed=args.seed)
    result = analyze_filters(X, cfg)
    summary = result.summary()
    summary.update(_rule_keys(X, args))
    if args.html:
        # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (scipy, ripser: 0.3 s)
        from toponet.report import write_html_report
        write_html_report(result, args.html, title=f"toponet analyze {args.file.name}")
        summary["html"] = str(args.html)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    s = summary
    lines = [
        f"{s['n_points']} filters ({s['n_constant_dropped']} constant dropped), "
        f"rho({args.k}, {args.p}) keeps {s['n_kept']}",
        f"top H1 lifetime {s['top_h1_lifetime']:.3f}; next: "
        + ", ".join(f"{v:.3f}" for v in s["h1_lifetimes"][1:]),
        f"persistence: {s['persistence_method']}",
    ]
    for kind, nl in s["nulls"].items():
        lines.append(f"{kind} null ({nl['draws']} draws): {nl['null_mean']:.3f} +- {nl['null_sd']:.3f}; "
                     f"effect size {nl['effect_size']}, p = {nl['p']:.3g}")
    power = "not calibrated" if s["power"] is None else f"{100 * s['power']:.0f}%"
    lines.append(f"circle: {s['circle']} (power at this size {power}); beyond second order: "
                 f"{s['beyond_second_order']}")
    if s["mapper_nodes"] is not None:
        lines.append(f"Mapper({args.resolution}, {args.gain:g}): {s['mapper_nodes']} nodes, "
                     f"{s['mapper_edges']} edges, {s['mapper_components']} components, "
                     f"first Betti number {s['mapper_betti1']}")
    lines.append(f"near the primary circle (d <= {args.threshold}): "
                 f"{100 * s['frac_near_primary_circle']:.1f}% of all filters, "
                 f"{100 * s['frac_near_primary_circle_filtered']:.1f}% of the dense core")
    if args.html:
        lines.append(f"wrote {args.html}")
    print("\n".join(lines))
    return 0
