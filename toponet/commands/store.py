"""``toponet store ls``: what the artifact store holds."""
from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "store", help="inspect the artifact store of trained networks",
        description="The artifact store holds the conv weights of trained networks, one folder per "
                    "training config (its key), filled shard by shard by 'toponet train'. Its root is "
                    "--store, else $TOPONET_STORE, else the checkout's artifacts/ folder, else "
                    "~/.cache/toponet/store.")
    actions = p.add_subparsers(dest="store_command", metavar="ACTION")
    actions.required = True
    ls = actions.add_parser("ls", help="list the stored artifacts",
                            description="List every artifact: key, experiment, dataset, architecture, "
                                        "networks, snapshot iterations, mean test accuracy at the last "
                                        "snapshot, device and total training wall time.")
    ls.add_argument("--json", action="store_true", help="print a JSON list, one object per artifact")
    ls.add_argument("--store", type=Path, metavar="DIR", help="store root (default: see 'toponet store --help')")
    ls.set_defaults(func=run_ls)


def _iterations(its: list[int]) -> str:
    if len(its) <= 4:
        return ",".join(map(str, its))
    return f"{its[0]},{its[1]},..,{its[-1]} ({len(its)})"


def run_ls(args) -> int:
    from toponet.store import Store

    store = Store(args.store)
    rows = store.ls()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no artifacts in {store.root}")
        return 0
    header = ("key", "experiment", "dataset", "arch", "nets", "iterations", "test acc", "device", "wall")
    table = [header]
    for r in rows:
        acc = "-" if r["test_accuracy_mean"] is None else f"{100 * r['test_accuracy_mean']:.2f}%"
        table.append((r["key"], str(r["experiment"] or "-"), str(r["dataset"]), r["arch"], str(r["networks"]),
                      _iterations(r["iterations"]), acc, r["device"], f"{r['wall_time_s']:.0f}s"))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    print(f"({len(rows)} artifacts in {store.root})")
    return 0
