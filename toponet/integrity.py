"""The record proves itself: walk record -> stored tests and calibrations -> clouds -> artifacts.

Used by ``toponet verify`` (:mod:`toponet.commands.verify`), CI and the book build.

* :func:`check_chain` names every broken link: a row with no inputs, a stored test or
  calibration that is missing, edited (its seal or the row's hash differs) or inconsistent
  (counts that are not what its values count), a cloud file that is missing or is not the cloud
  its test names, an artifact whose files differ from the committed index.
* :func:`recompute_tests` reruns a random sample of the record's stored tests from their cloud
  files and compares them number for number; :func:`recompute_calibration` reruns one
  calibration.
* :func:`seal_legacy` seals stored results written before seals existed (once, after checking
  what can be checked without the cloud).
"""
from __future__ import annotations

import io
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toponet import provenance
from toponet._io import committed_results_directory, isolated_results
from toponet.calibration import (GaussianTops, _check_fprx, _check_rule_sim, _check_tops, _FIELDS, calibrate_circle,
                                 check_calibration)
from toponet.filters import normalize
from toponet.circle_decision import _bounds_record, check_stored_test, circle_test, cloud_sha256
from toponet.surface import _check as _check_surface
from toponet.verdict_record import RECORD, Verdict, read_record  # noqa: F401  (read_record: for commands)

__all__ = ["load_cloud", "check_chain", "recompute_tests", "recompute_calibration", "settle_inputs", "seal_legacy"]

#: Absolute tolerance of a recomputed null value: gaussian null values pass through a cache
#: that rounds them to 7 decimals.
VALUE_ATOL = 6e-8


@dataclass(frozen=True)
class Problem:
    """One broken link: the file (or row) and what is wrong."""

    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def results_root() -> Path:
    """The committed results the record names its inputs in (``results/calibration``)."""
    root = committed_results_directory()
    if root is None:
        raise FileNotFoundError("toponet verify checks a checkout's results/; run it inside the repository")
    return root


def _check_for(name: str):
    """The consistency check of a stored result, by its file name."""
    if name.startswith("null-tests/"):
        return lambda d: check_stored_test(d)
    if name.startswith("circle-"):
        return lambda d: check_calibration(d, {})
    if name.startswith("gaussian-tops-"):
        return _check_tops
    if name.startswith("rulefp-"):
        return _check_rule_sim
    if name.startswith("fprx-"):
        return _check_fprx
    if name.startswith("surface-"):
        return _check_surface
    return None


def check_document(path: Path, name: str, recorded: str | None = None) -> tuple[dict | None, list[Problem]]:
    """Read a sealed stored result; problems: missing, damaged, or not the one recorded."""
    try:
        doc = provenance.read_sealed(path, check=_check_for(name))
    except provenance.DamagedEntry as exc:
        return None, [Problem(str(path), exc.problem)]
    if doc is None:
        return None, [Problem(str(path), "is missing")]
    if recorded is not None and doc[provenance.SEAL] != recorded:
        return doc, [Problem(str(path), f"is not the version the record was computed from (sha256 "
                                        f"{doc[provenance.SEAL][:12]}..., the record names {recorded[:12]}...)")]
    return doc, []


def check_cloud_file(root: Path, test: dict, name: str) -> list[Problem]:
    """The cloud file a format-2 test names exists, has its bytes and normalizes to its cloud."""
    cloud = test.get("cloud")
    if not cloud or "file" not in cloud:
        return [Problem(str(root / name), "names no cloud file (format 1: rebuild the chapter to record it)")]
    path = root / cloud["file"]
    if not path.is_file():
        return [Problem(str(path), f"is missing (the cloud of {name})")]
    if provenance.file_sha256(path) != cloud["raw_sha256"]:
        return [Problem(str(path), f"bytes differ from the sha256 {name} records")]
    X = load_cloud(path)
    if cloud_sha256(normalize(X)[0]) != cloud["sha256"]:
        return [Problem(str(path), f"does not normalize to the cloud {name} was computed on")]
    return []


def load_cloud(path: Path) -> np.ndarray:
    """A stored raw cloud (no pickles)."""
    return np.load(io.BytesIO(Path(path).read_bytes()), allow_pickle=False)


def check_chain(record: Path = RECORD, root: Path | None = None, *, artifacts_root: Path | None = None,
                index_problems=None) -> tuple[list[Problem], dict]:
    """Every broken link from the record down; returns (problems, counts of what was checked).

    ``index_problems``: a callable giving the artifact store's problems against its committed
    index (:func:`toponet.store_index.verify_index`), or None to skip the store.
    """
    root = Path(root) if root is not None else results_root()
    problems: list[Problem] = []
    try:
        rows = read_record(record)
    except (OSError, ValueError, TypeError) as exc:
        return [Problem(str(record), f"cannot be read as a verdict record ({exc})")], {}
    seen = {s: {} for s in provenance.SECTIONS}
    for row in rows:
        if row.verdict != "not tested" and not any(row.inputs.get(s) for s in provenance.SECTIONS):
            problems.append(Problem(f"{record} row {row.claim_id}", "records no inputs (built before provenance)"))
        for section, named in row.inputs.items():
            if section not in seen:
                problems.append(Problem(f"{record} row {row.claim_id}", f"unknown inputs section {section!r}"))
                continue
            for name, sha in named.items():
                if seen[section].setdefault(name, sha) != sha:
                    problems.append(Problem(f"{record} row {row.claim_id}",
                                            f"names {name} with another sha256 than an earlier row"))
    counts = {s: len(v) for s, v in seen.items()}
    for name, sha in seen["tests"].items():
        doc, found = check_document(root / name, name, sha)
        problems += found
        if doc is not None and not found:
            problems += check_cloud_file(root, doc, name)
    for name, sha in seen["calibrations"].items():
        problems += check_document(root / name, name, sha)[1]
    for name, sha in seen["clouds"].items():
        path = root / name
        if not path.is_file():
            problems.append(Problem(str(path), "is missing"))
        elif provenance.file_sha256(path) != sha:
            problems.append(Problem(str(path), "bytes differ from the sha256 the record names"))
    if seen["artifacts"] and index_problems is not None:
        for key, sha in seen["artifacts"].items():
            manifest = _manifest_path(artifacts_root, key)
            if manifest is None:
                problems.append(Problem(f"artifacts/{key}", "is missing (named by the record)"))
            elif provenance.file_sha256(manifest) != sha:
                problems.append(Problem(str(manifest), "differs from the manifest the record was computed from"))
    if index_problems is not None:
        problems += [Problem(p.path, p.problem) for p in index_problems()]
    return problems, counts


def _manifest_path(artifacts_root: Path | None, key: str) -> Path | None:
    folder = Path(artifacts_root) / key if artifacts_root is not None else None
    for name in ("manifest.json", "arrays.json"):
        if folder is not None and (folder / name).is_file():
            return folder / name
    return None


def unreferenced(record: Path = RECORD, root: Path | None = None) -> list[Path]:
    """Stored tests in ``root/null-tests`` that no row of the record names."""
    root = Path(root) if root is not None else results_root()
    named = {n for row in read_record(record) for n in row.inputs.get("tests", {})}
    return [p for p in sorted((root / "null-tests").glob("*.json")) if f"null-tests/{p.name}" not in named]


def _test_seconds(doc: dict) -> float:
    return float(doc.get("bounds_wall_s", 0)) + sum(float(k.get("wall_s", 0)) for k in doc["kinds"].values())


def recompute_tests(n: int, *, record: Path = RECORD, root: Path | None = None, seed: int | None = None,
                    max_seconds: float = 60.0, n_jobs: int = 1, echo=print) -> list[Problem]:
    """Rerun ``n`` randomly chosen stored tests of the record (among those whose recorded compute
    time is at most ``max_seconds``) from their cloud files, without any cache, and compare the
    observed bars and every null value and count. Returns the mismatches."""
    root = Path(root) if root is not None else results_root()
    seed = int(time.time()) if seed is None else int(seed)
    chapter_of = {}
    for row in read_record(record):
        for name in row.inputs.get("tests", {}):
            chapter_of.setdefault(name, row.chapter)
    docs = {}
    for name in sorted(chapter_of):
        doc, found = check_document(root / name, name)
        if not found and doc.get("cloud", {}).get("file") and _test_seconds(doc) <= max_seconds:
            docs[name] = doc
    chosen = _stratified(sorted(docs), chapter_of, n, random.Random(seed))
    echo(f"recomputing {len(chosen)} of {len(docs)} stored tests that took <= {max_seconds:g} s "
         f"(of {len(chapter_of)} in the record; one chapter after another; sample seed {seed})")
    problems = []
    for name in chosen:
        doc = docs[name]
        started = time.perf_counter()
        X = load_cloud(root / doc["cloud"]["file"])
        with tempfile.TemporaryDirectory() as tmp, isolated_results():
            test = circle_test(X, k=doc["k"], p=doc["p"], kinds=tuple(doc["kinds"]), draws=doc["draws"],
                               seed=doc["seed"], ranks=doc["ranks"], cache=False, n_jobs=n_jobs,
                               gaussian_cache=GaussianTops(tmp))
        found = _compare(doc, test)
        problems += [Problem(str(root / name), f) for f in found]
        echo(f"  {name}: {'MISMATCH ' + '; '.join(found) if found else 'identical'} "
             f"({doc['n_core']}-point core, {len(doc['kinds'])} x {doc['draws']} null clouds, "
             f"{time.perf_counter() - started:.1f} s)")
    return problems


def _stratified(names: list[str], group: dict, n: int, rng: random.Random) -> list[str]:
    """``n`` names drawn at random, the groups (chapters) taken in turn in a random order, so
    that one chapter with many small tests does not fill the sample."""
    pools = {}
    for name in names:
        pools.setdefault(group[name], []).append(name)
    order = sorted(pools)
    rng.shuffle(order)
    for g in order:
        rng.shuffle(pools[g])
    chosen = []
    while len(chosen) < min(n, len(names)):
        for g in order:
            if pools[g] and len(chosen) < n:
                chosen.append(pools[g].pop())
    return chosen


def _compare(doc: dict, test) -> list[str]:
    out = []
    if _bounds_record(test.bounds) != doc["bounds"]:
        out.append("observed bars differ")
    for kind, stored in doc["kinds"].items():
        values = np.asarray(test.nulls[kind].null_values)
        if values.shape != (len(stored["values"]),) or not np.allclose(values, stored["values"], rtol=0,
                                                                        atol=VALUE_ATOL):
            out.append(f"{kind} null values differ")
        if test.nulls[kind].exceed != stored["counts"][0]:
            out.append(f"{kind} count {test.nulls[kind].exceed} != stored {stored['counts'][0]}")
    return out


def recompute_calibration(*, record: Path = RECORD, root: Path | None = None, echo=print) -> list[Problem]:
    """Rerun the smallest circle calibration the record names and compare every field."""
    root = Path(root) if root is not None else results_root()
    names = sorted({n for row in read_record(record) for n in row.inputs.get("calibrations", {})
                    if n.startswith("circle-")})
    docs = [(d, n) for n in names for d in [check_document(root / n, n)[0]] if d is not None]
    if not docs:
        echo("no circle calibration in the record to recompute")
        return []
    doc, name = min(docs, key=lambda t: (t[0]["n_points"], t[0]["draws"]))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, isolated_results():
        cal = calibrate_circle(doc["n_points"], doc["k"], doc["p"], draws=doc["draws"], fpr_draws=doc["fpr_draws"],
                               power_draws=doc["power_draws"], noise=doc["noise"],
                               circle_fraction=doc["circle_fraction"], directory=tmp, recompute=True)
    again = cal.record()
    diff = [f for f in _FIELDS if again[f] != doc[f]]
    echo(f"  {name}: {'MISMATCH in ' + ', '.join(diff) if diff else 'identical'} "
         f"({time.perf_counter() - started:.1f} s)")
    return [Problem(str(root / name), f"recomputed {f} = {again[f]!r}, stored {doc[f]!r}") for f in diff]


def settle_inputs(rows: list[Verdict], root: Path | None = None) -> list[Verdict]:
    """Rows whose input hashes are those of the files as the build leaves them (a later chapter
    may add null kinds to a test an earlier row read: the row names its final seal)."""
    from dataclasses import replace   # deferred: only the build settles rows

    root = Path(root) if root is not None else results_root()
    out = []
    for row in rows:
        inputs = {}
        for section, named in row.inputs.items():
            fresh = {}
            for name, sha in named.items():
                path = root / name
                if section in ("tests", "calibrations") and path.is_file():
                    doc = provenance.read_sealed(path)
                    sha = doc[provenance.SEAL] if doc else sha
                elif section == "clouds" and path.is_file():
                    sha = provenance.file_sha256(path)
                fresh[name] = sha
            inputs[section] = fresh
        out.append(replace(row, inputs=inputs))
    return out


def seal_legacy(root: Path | None = None, echo=print) -> int:
    """Seal every stored result in ``root`` (and its ``null-tests/``) written before seals, after
    its consistency check; returns how many were sealed. Damaged ones are named and left alone."""
    import json

    root = Path(root) if root is not None else results_root()
    sealed = 0
    for path in sorted(root.glob("*.json")) + sorted((root / "null-tests").glob("*.json")):
        name = provenance.ledger_name(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            echo(f"{path}: not JSON; left alone")
            continue
        if not isinstance(doc, dict) or provenance.SEAL in doc:
            continue
        check = _check_for(name)
        try:
            if check is not None:
                check(doc)
        except (ValueError, TypeError, KeyError) as exc:
            echo(f"{path}: {exc}; left alone")
            continue
        provenance.write_sealed(path, doc)
        sealed += 1
    return sealed
