"""``toponet verify``: walk record -> stored tests and calibrations -> clouds -> artifacts."""
from __future__ import annotations

from pathlib import Path

__all__ = ["register", "run"]


def register(sub) -> None:
    p = sub.add_parser(
        "verify", help="check that the committed record rests on intact stored results and artifacts",
        description="Walk the committed verdict record (results/verdicts.json): every row names, by sha256, "
                    "the stored null tests, calibrations, clouds and artifacts it was computed from. Check "
                    "that each exists, carries the hash the row names, is sealed and consistent (counts are "
                    "what its values count), that each test's cloud file normalizes to the cloud it names, "
                    "and that the artifact store matches its committed index (artifacts/index.json). Every "
                    "break is printed with its file; exit 1 when there is one. --recompute N reruns N "
                    "randomly chosen stored tests (and the smallest calibration) from their clouds and "
                    "compares them number for number.")
    p.add_argument("--recompute", type=int, default=0, metavar="N",
                   help="rerun N randomly chosen stored tests of the record and one calibration (default 0)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the --recompute sample (default: the clock; printed, so a run can be repeated)")
    p.add_argument("--max-seconds", type=float, default=60.0, metavar="S",
                   help="--recompute draws only among tests whose recorded compute time is at most S "
                        "(default 60)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes for recomputed null clouds (default $TOPONET_JOBS or 1)")
    p.add_argument("--strict", action="store_true",
                   help="artifact folders not in the committed index are failures too (a fresh clone "
                        "holds only indexed ones; CI uses this)")
    p.add_argument("--record", type=Path, default=None, metavar="FILE",
                   help="the verdict record to walk (default: the checkout's results/verdicts.json)")
    p.set_defaults(func=run)


def run(args) -> int:
    # deferred: `toponet --help` starts in 0.1 s; a command loads its own imports
    from toponet import integrity
    from toponet.circle_decision import default_jobs
    from toponet.store import Store
    from toponet.store_index import verify_index
    from toponet.verdict_record import RECORD

    if args.recompute < 0:
        raise ValueError(f"--recompute must be a number of tests >= 0; got {args.recompute}")
    if args.max_seconds <= 0:
        raise ValueError(f"--max-seconds must be positive; got {args.max_seconds:g}")
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        raise ValueError(f"--jobs must be a positive integer; got {jobs}")
    record = args.record or RECORD
    store = Store()
    problems, counts = integrity.check_chain(record, artifacts_root=store.root,
                                             index_problems=lambda: verify_index(store.root, strict=args.strict))
    print(f"record {record}: {len(integrity.read_record(record)) if record.is_file() else 0} rows naming "
          + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for prob in problems:
        print(f"BROKEN {prob}")
    if args.recompute and not problems:
        problems += integrity.recompute_tests(args.recompute, record=record, seed=args.seed,
                                              max_seconds=args.max_seconds, n_jobs=jobs)
        problems += integrity.recompute_calibration(record=record)
        for prob in problems:
            print(f"MISMATCH {prob}")
    elif args.recompute:
        print("recompute skipped: the chain is broken (fix or rebuild first)")
    print("chain intact" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0
