"""``toponet store ls|verify``: what the artifact store holds, and whether its files are intact."""
from __future__ import annotations

import json
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "store", help="inspect and verify the artifact store of trained networks",
        description="The artifact store holds the conv weights of trained networks, one folder per "
                    "training config (its key), filled shard by shard by 'toponet train'. Its root is "
                    "--store, else $TOPONET_STORE, else the checkout's artifacts/ folder, else "
                    "~/.cache/toponet/store.")
    actions = p.add_subparsers(dest="store_command", metavar="ACTION")
    actions.required = True
    ls = actions.add_parser("ls", help="list the stored artifacts and name the broken ones",
                            description="List every healthy artifact: key, experiment, dataset, architecture, "
                                        "networks, snapshot iterations, mean test accuracy at the last "
                                        "snapshot, device, total training wall time and whether each shard's "
                                        "sha256 is recorded (and matches). Then name each broken artifact "
                                        "with its file and what is wrong. Exit 1 when any is broken.")
    ls.add_argument("--json", action="store_true",
                    help="print a JSON list, one object per artifact; broken ones have "
                         "\"status\": \"broken\" and a \"problem\"")
    _store_option(ls)
    ls.set_defaults(func=run_ls)
    verify = actions.add_parser(
        "verify", help="check every shard's sha256 and contents",
        description="Check every artifact: its manifest, every shard's recorded sha256, that every array "
                    "decompresses and holds the manifest's seeds. Shards stored before hashes were recorded "
                    "are reported as unhashed, not as failures. Exit 0 when nothing is broken, 1 otherwise.")
    verify.add_argument("--record", action="store_true",
                        help="compute and write the sha256 of each unhashed shard into its manifest, after "
                             "checking that the shard loads and matches the manifest (seeds, networks)")
    verify.add_argument("keys", nargs="*", metavar="KEY", help="only these artifacts (default: all)")
    _store_option(verify)
    verify.set_defaults(func=run_verify)


def _store_option(parser) -> None:
    parser.add_argument("--store", type=Path, metavar="DIR", help="store root (default: see 'toponet store --help')")


def _open_store(args):
    """The store the options name; an explicit root that is not a folder is a usage error."""
    import os

    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports
    from toponet.store import Store

    store = Store(args.store)
    named = args.store is not None or bool(os.environ.get("TOPONET_STORE"))
    if named and not store.root.is_dir():
        how = "--store" if args.store is not None else "$TOPONET_STORE"
        what = "is not a folder" if store.root.exists() else "does not exist"
        raise FileNotFoundError(f"store folder {store.root} ({how}) {what}; check the path")
    return store


def _iterations(its: list[int]) -> str:
    if len(its) <= 4:
        return ",".join(map(str, its))
    return f"{its[0]},{its[1]},..,{its[-1]} ({len(its)})"


def _hash_cell(row: dict) -> str:
    unhashed = len(row["unhashed_shards"])
    if not unhashed:
        return "ok"
    return "no hash recorded" if unhashed == row["shards"] else f"{unhashed} of {row['shards']} unrecorded"


def run_ls(args) -> int:
    store = _open_store(args)
    rows = store.scan()
    broken = [r for r in rows if r["status"] != "ok"]
    healthy = [r for r in rows if r["status"] == "ok"]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 1 if broken else 0
    if not rows:
        print(f"no artifacts in {store.root}")
        return 0
    header = ("key", "experiment", "dataset", "arch", "nets", "iterations", "test acc", "device", "wall", "sha256")
    table = [header]
    for r in healthy:
        acc = "-" if r["test_accuracy_mean"] is None else f"{100 * r['test_accuracy_mean']:.2f}%"
        table.append((r["key"], str(r["experiment"] or "-"), str(r["dataset"]), r["arch"], str(r["networks"]),
                      _iterations(r["iterations"]), acc, r["device"], f"{r['wall_time_s']:.0f}s", _hash_cell(r)))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table if healthy else ():
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    for r in broken:
        print(f"BROKEN {r['key']}: {r['problem']}")
    print(f"({len(healthy)} artifacts in {store.root}" + (f"; {len(broken)} broken)" if broken else ")"))
    return 1 if broken else 0


def run_verify(args) -> int:
    store = _open_store(args)
    rows = store.scan(deep=True)
    if args.keys:
        unknown = sorted(set(args.keys) - {r["key"] for r in rows})
        if unknown:
            raise ValueError(f"no artifact {unknown} in {store.root}; see 'toponet store ls'")
        rows = [r for r in rows if r["key"] in args.keys]
    broken = 0
    for r in rows:
        if r["status"] != "ok":
            broken += 1
            print(f"BROKEN {r['key']}: {r['problem']}")
            continue
        unhashed = r["unhashed_shards"]
        if unhashed and args.record:
            recorded = store.record_hashes(r["key"])
            print(f"ok {r['key']}: {r['shards']} shard(s); sha256 recorded now for {', '.join(recorded)}")
        elif unhashed:
            print(f"ok {r['key']}: {r['shards']} shard(s), {len(unhashed)} with no hash recorded "
                  f"({', '.join(unhashed)}; 'toponet store verify --record' records them)")
        else:
            print(f"ok {r['key']}: {r['shards']} shard(s), every sha256 matches")
    print(f"{len(rows) - broken} of {len(rows)} artifacts intact in {store.root}")
    return 1 if broken else 0
