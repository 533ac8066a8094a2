"""``toponet store ls|verify|index``: what the artifact store holds, and whether its files are intact."""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["register", "run_ls", "run_verify", "run_index"]


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
        "verify", help="check every file against the artifact index, every shard's sha256 and contents",
        description="Check every artifact: its manifest, every shard's recorded sha256, that every array "
                    "decompresses and holds the manifest's seeds; every arrays study (arrays.npz loads with "
                    "the names arrays.json lists); and every file against the artifact index (index.json: "
                    "a changed or missing manifest, shard, transfer record or folder, a shard with no hash). "
                    "Each problem is one line naming the file. A folder not in the index is reported, and "
                    "fails only with --strict. Without an index, files are checked against their manifests "
                    "only. Exit 0 when nothing is broken, 1 otherwise.")
    verify.add_argument("--record", action="store_true",
                        help="write the sha256 of each unhashed shard into its manifest, after checking that "
                             "the shard loads and matches the manifest; where an index exists, only for shards "
                             "the index lists with exactly this content")
    verify.add_argument("--strict", action="store_true",
                        help="a folder not in the index (or no index at all) is a failure too (CI, fresh clone)")
    verify.add_argument("keys", nargs="*", metavar="KEY", help="only these artifacts (default: all)")
    _store_option(verify)
    verify.set_defaults(func=run_verify)
    index = actions.add_parser(
        "index", help="add artifacts to the artifact index (index.json), or refresh them deliberately",
        description="The artifact index (<store>/index.json, committed) records the sha256 of every file of "
                    "every artifact; 'toponet store verify' checks the folders against it, and training "
                    "updates the entries it writes. Without --update: add every folder not yet indexed (or "
                    "the KEYs named), after checking it in full; indexed ones are left as they are. With "
                    "--update KEY...: refresh those entries after a deliberate change (a key whose folder is "
                    "gone is dropped). Prints what changed; exit 1 when a folder is refused as broken.")
    index.add_argument("--update", action="store_true",
                       help="refresh the named keys' entries to what their folders hold now")
    index.add_argument("keys", nargs="*", metavar="KEY", help="only these artifacts (default: all not yet indexed)")
    _store_option(index)
    index.set_defaults(func=run_index)


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
    studies = store.scan_arrays()
    broken = [r for r in rows + studies if r["status"] != "ok"]
    healthy = [r for r in rows if r["status"] == "ok"]
    if args.json:
        kinds = [{**r, "kind": "shards"} for r in rows] + [{**r, "kind": "arrays"} for r in studies]
        print(json.dumps(kinds, indent=2))
        return 1 if broken else 0
    if not rows and not studies:
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
    for r in studies:
        if r["status"] == "ok":
            print(f"{r['key']}  arrays study ({r['config_class']}): {', '.join(r['arrays'])}")
    for r in broken:
        print(f"BROKEN {r['key']}: {r['problem']}")
    ok_studies = len(studies) - sum(r["status"] != "ok" for r in studies)
    print(f"({len(healthy)} artifacts" + (f" and {ok_studies} arrays studies" if ok_studies else "")
          + f" in {store.root}" + (f"; {len(broken)} broken)" if broken else ")"))
    return 1 if broken else 0


def _findings_by_key(store, findings) -> dict[str, list]:
    """Index findings grouped by the artifact key they concern ("" for the index file itself)."""
    out: dict[str, list] = {}
    for p in findings:
        try:
            key = Path(p.path).relative_to(store.root).parts[0]
        except (ValueError, IndexError):
            key = ""
        out.setdefault(key if key != "index.json" else "", []).append(p)
    return out


def _record(store, row) -> str:
    """Record the unhashed shards of one row; the line to print (raises StoreError when refused)."""
    recorded = store.record_hashes(row["key"])
    return f"ok {row['key']}: {row['shards']} shard(s); sha256 recorded now for {', '.join(recorded)}"


def run_verify(args) -> int:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports
    from toponet import store_index
    from toponet.store import StoreError

    store = _open_store(args)
    rows = {r["key"]: r for r in store.scan(deep=True) + store.scan_arrays()}
    has_index = store_index.index_path(store.root).exists()
    lines: dict[str, list[str]] = {}
    if args.record:  # before the index check, which then sees the recorded hashes
        for r in rows.values():
            if r["status"] == "ok" and r.get("unhashed_shards"):
                try:
                    lines[r["key"]] = [_record(store, r)]
                    r["unhashed_shards"] = []
                except StoreError as exc:
                    r.update(status="broken", problem=str(exc))
    findings = _findings_by_key(store, store_index.check_index(store.root) if has_index else [])
    keys = list(rows) + sorted(set(findings) - set(rows) - {""})
    if args.keys:
        unknown = sorted(set(args.keys) - set(keys))
        if unknown:
            raise ValueError(f"no artifact {unknown} in {store.root} or its index; see 'toponet store ls'")
        keys = [k for k in keys if k in args.keys]
    if not has_index:
        print(f"no artifact index {store_index.index_path(store.root)}: files are checked against their manifests "
              f"only (`toponet store index` writes one)" + ("; --strict: a failure" if args.strict else ""))
    broken, unindexed = set(), 0
    for p in findings.get("", []):
        broken.add("")
        print(f"BROKEN {p}")
    for key in keys:
        r, problems = rows.get(key), findings.get(key, [])
        fails = [p for p in problems if args.strict or not p.strict_only]
        unindexed += any(p.strict_only for p in problems)
        if r is not None and r["status"] != "ok":
            broken.add(key)
            print(f"BROKEN {key}: {r['problem']}")
        for p in problems:
            print(f"{'BROKEN' if p in fails else 'unindexed'} {key}: {p}")
        broken |= {key} if fails else set()
        if key in broken or r is None:
            continue
        print(*lines.get(key, [_ok_line(r, has_index and not problems)]), sep="\n")
    failed = bool(broken) or (args.strict and not has_index)
    print(f"{len(keys) - len(broken - {''})} of {len(keys)} artifacts intact in {store.root}"
          + (f"; {unindexed} not in the index" if unindexed else ""))
    return 1 if failed else 0


def _ok_line(r: dict, indexed: bool) -> str:
    also = " and the artifact index" if indexed else ""
    if "arrays" in r:
        if r["hashed"]:
            how = f"arrays.npz matches the sha256 in arrays.json{also}"
        else:
            how = "arrays.npz matches the artifact index (arrays.json records no sha256)" if indexed else \
                "arrays.json records no sha256 (`toponet store index` records the files' hashes)"
        return f"ok {r['key']}: arrays study ({r['config_class']}), {len(r['arrays'])} arrays load; {how}"
    unhashed = r["unhashed_shards"]
    if unhashed:
        return (f"ok {r['key']}: {r['shards']} shard(s), {len(unhashed)} with no hash recorded "
                f"({', '.join(unhashed)}; 'toponet store verify --record' records them)")
    return f"ok {r['key']}: {r['shards']} shard(s), every sha256 matches the manifest{also}"


def run_index(args) -> int:
    store = _open_store(args)
    changes = store.index(args.keys, update=args.update)
    for key, what in changes.items():
        print(f"{key}: {what}")
    refused = [k for k, what in changes.items() if what.startswith("refused")]
    changed = [k for k, what in changes.items() if what.split()[0] in ("added", "updated:", "removed")]
    print(f"{len(changed)} entries changed in {store.root / 'index.json'}"
          + (f"; {len(refused)} broken folders refused (fix them first: 'toponet store verify')" if refused else ""))
    return 1 if refused else 0
