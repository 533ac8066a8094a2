"""``toponet analyze MODEL``: the book's pipeline and calibrated circle rule on your own network.

MODEL is a ``.npy`` array of filters (one cloud, as before), a PyTorch file (``.pt`` / ``.pth``
/ ``.bin`` / ``.ckpt``: a state dict or a checkpoint holding one, read with
``weights_only=True``) or a ``.safetensors`` file. ``--list-layers`` lists its conv weights;
``--layer NAME`` / ``--layers all`` answer per layer (:mod:`toponet.layerwise`).
"""
from __future__ import annotations

import json
from pathlib import Path

from toponet.checkpoints import load_filters  # noqa: F401 - the .npy reader, here since version 0.1

__all__ = ["register", "run"]


def register(sub) -> None:
    p = sub.add_parser(
        "analyze", help="does your network's layer hold the primary circle? (per layer, calibrated)",
        description="Read 3x3 spatial filters from a .npy array ((n, 9), (n, 3, 3) or (out, in, 3, 3)), a PyTorch "
                    "state dict or checkpoint (.pt/.pth/.bin/.ckpt, loaded with weights_only=True) or a "
                    ".safetensors file; normalize them, apply the density filtration rho(k, p), compute "
                    "persistence and Mapper, and decide 'circle?' with the book's calibrated rule against "
                    "gaussian, shuffled and directions null clouds. A model file is answered layer by layer "
                    "(--list-layers, --layer NAME, --layers all).")
    p.add_argument("file", type=Path, metavar="MODEL", help=".npy filters, .pt/.pth checkpoint or .safetensors weights")
    p.add_argument("--list-layers", action="store_true",
                   help="list every conv weight (shape, kind, 3x3 or why it is skipped) and stop")
    p.add_argument("--layer", action="append", metavar="NAME",
                   help="analyse this layer (repeatable; a name from --list-layers)")
    p.add_argument("--layers", choices=("all",), help="'all': analyse every layer with 3x3 kernels")
    p.add_argument("--k", type=int, default=None,
                   help="density filtration: k-th nearest neighbour (default: the book's scaling k = n/32, the "
                        "paper's rho(200, 0.3) on 6,400 filters, whose calibrations ship with toponet)")
    p.add_argument("--p", type=float, default=0.3, help="density filtration: fraction kept, in (0, 1] (default 0.3)")
    p.add_argument("--sample-size", type=int, default=2048,
                   help="per layer: filters drawn (seeded) from a larger layer (default 2048, a calibrated size)")
    p.add_argument("--calibrate", action="store_true",
                   help="calibrate the rule at a cloud size / k / p the shipped grid lacks (minutes to an hour "
                        "per size; cached); without it such a layer's power is unknown and its answer inconclusive")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for the null clouds (default 1)")
    p.add_argument("--resolution", type=int, default=30, help="Mapper resolution (default 30)")
    p.add_argument("--gain", type=float, default=3.0, help="Mapper gain, > 1 (default 3)")
    p.add_argument("--null-repeats", type=int, default=99,
                   help="matched null clouds per null kind (gaussian, shuffled, and the directions null: gaussian filters "
                        "whose normalized rows have your filters' second moment) for the "
                        "book's calibrated circle rule: 0 skips the nulls (circle: inconclusive), else at "
                        "least 2 (a standard deviation needs two clouds; 0 is for a .npy cloud only); 99 (default) "
                        "floors p at 0.01 and is the "
                        "size the shipped calibrations have; fewer than 20 can never reach p < 0.05")
    p.add_argument("--threshold", type=float, default=0.3,
                   help="distance in R^9 counted as near the primary circle (default 0.3)")
    p.add_argument("--seed", type=int, default=0, help="seed for sampling, landmarks, nulls and layout")
    p.add_argument("--html", type=Path, metavar="PAGE.html",
                   help="write the Mapper graphs and barcodes to this new HTML page (its folder must exist)")
    p.add_argument("--force", action="store_true", help="let --html overwrite an existing page")
    p.add_argument("--json", action="store_true",
                   help="print JSON instead of a summary: one object for a .npy cloud, one line per layer for a model")
    p.set_defaults(func=run)


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


def _rule_keys(X, args, k: int) -> dict:
    """The book's calibrated circle rule on the same filters (toponet.circle_decision, toponet.calibration)."""
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (scipy, ripser: 0.3 s)
    from toponet.circle_decision import summary_keys

    if not args.null_repeats:
        return {"nulls": {}, "circle": "inconclusive", "beyond_second_order": "inconclusive", "power": None,
                "false_positive_rate": None, "rule_reasons": ["--null-repeats 0: no null test was run"]}
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (scipy, ripser: 0.3 s)
    from toponet.calibration import GaussianTops, rule_calibration
    from toponet.circle_decision import ANALYZE_KINDS, circle_rule, circle_test

    test = circle_test(X, k=k, p=args.p, kinds=ANALYZE_KINDS, draws=args.null_repeats, seed=args.seed,
                       gaussian_cache=GaussianTops(), progress=not args.json, n_jobs=args.jobs)
    cal = rule_calibration(test.n_points, test.k, test.p, draws=args.null_repeats, calibrate=args.calibrate,
                           progress=not args.json)
    return {**summary_keys(test, circle_rule(test, cal)), "calibration": cal.record()}


def _check_options(args) -> None:
    _check_null_repeats(args.null_repeats)
    if args.k is not None and args.k < 1:
        raise ValueError(f"--k {args.k}: k is a neighbour count, at least 1")
    if not 0 < args.p <= 1:
        raise ValueError(f"--p {args.p}: p must lie in (0, 1]")
    if args.jobs < 1:
        raise ValueError(f"--jobs {args.jobs}: at least 1 worker process")
    if args.sample_size < 20:
        raise ValueError(f"--sample-size {args.sample_size}: at least 20 filters")
    if args.layer and args.layers:
        raise ValueError("--layer and --layers all: give one of them")


def run(args) -> int:
    _check_options(args)
    if args.list_layers:
        return _list_layers(args)
    if args.file.suffix.lower() != ".npy" or args.layer or args.layers:
        return _run_layers(args)
    return _run_cloud(args)


def _list_layers(args) -> int:
    # deferred: `toponet --help` starts in 0.1 s; reading a checkpoint imports torch (2-5 s)
    from toponet.checkpoints import model_kernels

    kernels = model_kernels(args.file)
    if args.json:
        for k in kernels:
            print(json.dumps(k.listing()))
        return 0
    if not kernels:
        print(f"{args.file.name}: no 4-d (conv) weights")
        return 0
    width = max(len(k.name) for k in kernels)
    for k in kernels:
        status = f"3x3, {k.n_filters:,} spatial filters" if k.usable else f"skipped: {k.skipped}"
        print(f"{k.index:>3}  {k.name:<{width}}  {'x'.join(map(str, k.shape)):<14} {k.kind:<9} {status}")
    usable = sum(k.usable for k in kernels)
    print(f"{usable} of {len(kernels)} conv weights have 3x3 kernels; analyse them with --layers all or --layer NAME")
    return 0


def _run_layers(args) -> int:
    # deferred: `toponet --help` starts in 0.1 s; reading a checkpoint imports torch (2-5 s)
    from toponet.checkpoints import model_kernels, select_kernels
    from toponet.layerwise import LayerwiseConfig, analyze_network

    if args.html:
        check_html_target(args.html, args.file, force=args.force)
    kernels = model_kernels(args.file)
    if args.null_repeats == 0:
        raise ValueError("--null-repeats 0: a per-layer answer needs the null clouds (at least 2; 99 is calibrated)")
    chosen = select_kernels(kernels, args.layer, all_layers=args.layers == "all", source=args.file.name)
    cfg = LayerwiseConfig(sample_size=args.sample_size, k=args.k, p=args.p, draws=args.null_repeats, seed=args.seed,
                          calibrate=args.calibrate, figures=bool(args.html), resolution=args.resolution,
                          gain=args.gain, threshold=args.threshold, n_jobs=args.jobs)
    def emit(report) -> None:
        print(json.dumps(report.row()) if args.json else report.summary_line(), flush=True)

    reports = analyze_network(chosen, cfg, on_layer=emit)
    if args.html:
        # deferred: `toponet --help` starts in 0.1 s; plotly loads only for a page
        from toponet.report import write_network_report

        intro = (f"<p>{len(reports)} layer(s) of <code>{args.file.name}</code>; per layer at most "
                 f"{cfg.sample_size:,} filters (seed {cfg.seed}), rho(k, {cfg.p:g}) with "
                 f"{'k = ' + str(cfg.k) if cfg.k else 'k = n/32 (the book scaling)'}, {cfg.draws} null clouds per "
                 f"kind. <b>circle</b>: the book's calibrated rule (yes / partly / no / inconclusive when its power "
                 f"at this size is below 80 % or unknown); <b>beyond 2nd order</b>, asked of a circle: its top bar also "
                 f"beats the directions null (gaussian filters with your filters' second moment).</p>")
        write_network_report(reports, args.html, title=f"toponet analyze {args.file.name}", intro=intro)
        if not args.json:
            print(f"wrote {args.html}")
    return 0


def _run_cloud(args) -> int:
    """A .npy cloud of filters, analysed as one cloud (the original ``toponet analyze``)."""
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (scipy, ripser: 0.3 s)
    from toponet.analysis import AnalysisConfig, analyze_filters
    from toponet.calibration import grid_k
    from toponet.filters import normalize

    if args.html:
        check_html_target(args.html, args.file, force=args.force)
    X = load_filters(args.file)
    k = args.k if args.k is not None else grid_k(max(2, int(normalize(X, quiet=True)[1].sum())))
    # The figures' pipeline without its own nulls: the nulls are the rule's (below).
    cfg = AnalysisConfig(k=k, p=args.p, resolution=args.resolution, gain=args.gain,
                         null_repeats=0, threshold=args.threshold, seed=args.seed)
    result = analyze_filters(X, cfg)
    summary = result.summary()
    summary.update(_rule_keys(X, args, k))
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
        f"rho({k}, {args.p}) keeps {s['n_kept']}",
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
