"""``toponet train NAME``: train a registry entry into the artifact store: an experiment's networks
(shard by shard) or a peer paper's study (:data:`toponet.chapters.registry.STUDIES`)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["register", "run"]


def register(sub) -> None:
    p = sub.add_parser(
        "train", help="train (or finish training) an experiment's networks into the artifact store",
        description="Train the networks of an experiment (see --list) at a profile's scale and add them "
                    "to the artifact store, shard by shard. Networks already stored are skipped and an "
                    "interrupted shard resumes from its checkpoint, so running the same command again "
                    "continues the work; a larger --networks tops up a smaller run. Prints the "
                    "artifact key and the test accuracy reached.")
    p.add_argument("experiment", nargs="?", metavar="NAME",
                   help="experiment or study name, e.g. mnist or u1-tori (see --list)")
    p.add_argument("--list", action="store_true", help="list the experiments and studies and their profiles, then exit")
    p.add_argument("--profile", choices=("smoke", "default", "paper"), default="default",
                   help="scale: smoke (CI seconds), default (a CPU in under an hour), paper (the paper's "
                        "numbers); default: default")
    p.add_argument("--networks", type=int, metavar="N", help="number of networks (seeds 0..N-1) instead of the profile's")
    p.add_argument("--iterations", type=int, metavar="T",
                   help="batch iterations instead of the profile's (later snapshots are dropped)")
    p.add_argument("--device", default="auto", metavar="D", help="torch device: auto (default), cpu, cuda, cuda:1")
    p.add_argument("--shard-size", type=int, default=8, metavar="S",
                   help="networks trained together as one ensemble and stored as one file (default 8)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786): train shards on its workers, which must "
                        "see the same --store")
    p.add_argument("--scheduler-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="how long to wait for the --scheduler to answer (default 10)")
    p.add_argument("--store", type=Path, metavar="DIR",
                   help="store root (default $TOPONET_STORE, else the checkout's artifacts/, else "
                        "~/.cache/toponet/store)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=run)


def _list() -> int:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (torch: 3.5 s)
    from toponet.chapters.registry import STUDIES
    from toponet.experiments import EXPERIMENTS

    for e in EXPERIMENTS.values():
        flag = "  [not yet run by this project]" if e.placeholder else ""
        print(f"{e.name}  ({e.paper_reference}){flag}")
        print(f"    {e.description}")
        for name, prof in e.profiles.items():
            print(f"    {name:8s} {prof.networks:4d} networks x {prof.iterations:6d} iterations, "
                  f"{len(prof.snapshots)} snapshots")
    print("\nstudies (the peer papers' networks; trained by their chapters' own loops):")
    for st in STUDIES.values():
        print(f"{st.name}  ({st.paper_reference})")
        for name in st.profiles:
            print(f"    {name:8s} {st.describe(name)}")
    return 0


def _train_study(args, st) -> int:
    """Train (or load) study ``st`` at ``args.profile`` into ``args.store``; prints its key and arrays."""
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (torch: 3.5 s)
    from toponet.store import Store, config_key

    if args.scheduler:
        raise ValueError(f"study {st.name!r} trains in this process; --scheduler applies to experiments")
    options = st.options   # option -> field of its configuration (the registry's)
    chosen = {o: getattr(args, o) for o in ("networks", "iterations") if getattr(args, o) is not None}
    refused = sorted(set(chosen) - set(options))
    if refused:
        raise ValueError(f"study {st.name!r} takes its scale from the profile; "
                         f"{', '.join('--' + o for o in refused)} cannot change it"
                         + (f" (it takes {', '.join('--' + o for o in options)})" if options else ""))
    for option, value in chosen.items():
        if value < 1:
            raise ValueError(f"--{option} must be >= 1; got {value}")
    config = st.config(args.profile, **{options[o]: v for o, v in chosen.items()})
    store = Store(args.store)
    print(f"{st.name} ({st.paper_reference}), profile {args.profile}: {config}")
    arrays = st.run(config, store, progress=not args.no_progress)
    print(f"artifact {config_key(config)} in {store.path(config)}")
    print("arrays: " + ", ".join(f"{k} {tuple(np.shape(v))}" for k, v in arrays.items()))
    return 0


def run(args) -> int:
    if args.list:
        return _list()
    if not args.experiment:
        raise ValueError("name an experiment or study (see 'toponet train --list')")
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports (torch: 3.5 s)
    from toponet.chapters.registry import STUDIES
    from toponet.experiments import experiment
    from toponet.shards import run_shards
    from toponet.store import Store, arch_string, config_dict

    if args.experiment in STUDIES:
        return _train_study(args, STUDIES[args.experiment])
    try:
        exp = experiment(args.experiment)
    except ValueError as e:
        raise ValueError(f"{e}; studies: {', '.join(STUDIES)}") from None
    plan = exp.plan(args.profile, networks=args.networks, iterations=args.iterations)
    store = Store(args.store)
    arch = arch_string(config_dict(plan.config))
    print(f"{exp.name} ({exp.paper_reference}), profile {plan.profile}: {len(plan.seeds)} x {arch} on "
          f"{plan.config.dataset}, {plan.config.iterations} iterations, snapshots {list(plan.config.snapshots)}")
    result = run_shards(plan.config, plan.seeds, shard_size=args.shard_size, store=store, device=args.device,
                        scheduler=args.scheduler, progress=not args.no_progress, experiment=exp.name,
                        profile=plan.profile, keep=plan.keep, connect_timeout=args.scheduler_timeout)
    art = result.artifact
    print(f"artifact {result.key} in {art.path}")
    print(f"trained {sum(map(len, result.trained))} networks in {len(result.trained)} shard(s) now; "
          f"{len(result.skipped)} were already stored; the artifact holds {art.networks}")
    last = art.iterations[-1]
    acc = art.test_accuracy(last).astype(np.float64)
    acc = acc[np.isfinite(acc)]
    if acc.size:
        spread = f" +- {100 * acc.std(ddof=1):.2f}% (mean +- sd, n={acc.size})" if acc.size > 1 else " (n=1)"
        line = f"test accuracy at iteration {last}: {100 * acc.mean():.2f}%{spread}"
    else:
        line = f"test accuracy at iteration {last}: not evaluated"
    if exp.paper_test_accuracy is not None:
        line += f"; paper: {100 * exp.paper_test_accuracy:.1f}% at {exp.profiles['paper'].iterations} iterations"
    print(line)
    return 0
