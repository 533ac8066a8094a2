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
    p.add_argument("--null-repeats", type=int, default=10,
                   help="matched null clouds per null kind (gaussian, shuffled); 0 skips (default 10)")
    p.add_argument("--threshold", type=float, default=0.3,
                   help="distance in R^9 counted as near the primary circle (default 0.3)")
    p.add_argument("--seed", type=int, default=0, help="seed for landmarks, nulls and layout")
    p.add_argument("--html", type=Path, help="write the Mapper graph and barcodes to this HTML page")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    p.set_defaults(func=run)


def load_filters(path: Path) -> np.ndarray:
    """Filters from a .npy file as an array of shape (n, 9)."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix != ".npy":
        raise ValueError(f"{path}: expected a .npy file (numpy.save), got '{path.suffix or 'no suffix'}'")
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise ValueError(f"{path}: not a plain numeric .npy array ({exc})") from exc
    if arr.ndim == 2 and arr.shape[1] == 9:
        return arr
    if arr.ndim == 3 and arr.shape[1:] == (3, 3):
        return arr.reshape(len(arr), 9)
    if arr.ndim == 4 and arr.shape[2:] == (3, 3):
        return arr.reshape(-1, 9)
    raise ValueError(f"{path}: expected shape (n, 9), (n, 3, 3) or (out, in, 3, 3); got {arr.shape}")


def run(args) -> int:
    from toponet.analysis import AnalysisConfig, analyze_filters

    X = load_filters(args.file)
    cfg = AnalysisConfig(k=args.k, p=args.p, resolution=args.resolution, gain=args.gain,
                         null_repeats=args.null_repeats, threshold=args.threshold, seed=args.seed)
    result = analyze_filters(X, cfg)
    summary = result.summary()
    if args.html:
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
    if s["null_kind"] is not None:
        lines.append(f"null ({s['null_kind']}, {s['null_repeats']} repeats): {s['null_mean']:.3f} +- "
                     f"{s['null_sd']:.3f}; effect size {s['effect_size']:.1f}, p = {s['p_value']:.3g}")
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
