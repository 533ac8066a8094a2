"""The front page's verdict table: one row per claim, written by the chapters as they run.

A chapter calls :func:`record` with its numbers; the book build collects the rows of all
chapters it executed and renders them (:func:`toponet.book.pages.verdict_table`) into the
page ``book/verdicts.md`` includes. Rows live as one JSON file per claim in
``$TOPONET_VERDICTS_DIR`` (the build sets it; default ``_build/verdicts``), so a chapter
that is not re-executed never leaves a stale row behind: the build clears the folder first.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from toponet._custom import custom_note
from toponet.provenance import ledger

VERDICTS = ("reproduced", "partly", "not reproduced", "inconclusive", "not tested")


@dataclass(frozen=True)
class Verdict:
    """One row of the verdict table.

    claim_id : SPEC row id, e.g. "F2"; claim : the paper's claim in words;
    paper : the paper's figure/number; ours : our number(s), "mean +- sd (n = ...)";
    scale : networks x iterations and profile, in the paper's notation;
    data : the data actually used ("MNIST (real)" or a named stand-in);
    verdict : one of VERDICTS (:data:`toponet.rules.VERDICTS`); chapter : the chapter that
    computed it. The statistical record (None / empty where a claim has no such test yet):
    networks, iterations : the training scale; cloud_points : points the test ran on;
    nulls : kind -> {"p", "draws", "effect_size"}; power, false_positive_rate : of the
    rule at this cloud size, from :mod:`toponet.calibration`. inputs : what the row was
    computed from, by sha256 (section -> {name: sha256}; sections of
    :data:`toponet.provenance.SECTIONS`): the stored null tests, calibrations and clouds (named
    as in ``results/calibration/``) and artifacts (by key) the chapter had read when it
    recorded the row; ``toponet verify`` walks them.
    """

    claim_id: str
    claim: str
    paper: str
    ours: str
    scale: str
    data: str
    verdict: str
    chapter: str
    networks: int | None = None
    iterations: int | None = None
    cloud_points: int | None = None
    nulls: dict = field(default_factory=dict)
    power: float | None = None
    false_positive_rate: float | None = None
    inputs: dict = field(default_factory=dict)

    @classmethod
    def from_rule(cls, rule, **fields) -> "Verdict":
        """A row from a :class:`toponet.rules.RuleResult`: its verdict, nulls, power, false-positive
        rate and cloud size; ``fields`` give the rest (claim_id, claim, paper, ours, ...)."""
        return cls(verdict=rule.verdict, nulls=dict(rule.nulls), power=rule.power,
                   false_positive_rate=rule.false_positive_rate, cloud_points=rule.cloud_points, **fields)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {self.verdict!r}")
        if not self.claim_id or "/" in self.claim_id:
            raise ValueError(f"claim_id must be a non-empty name without '/'; got {self.claim_id!r}")


def verdicts_dir() -> Path:
    return Path(os.environ.get("TOPONET_VERDICTS_DIR", "_build/verdicts"))


def record(verdict: Verdict, directory: str | os.PathLike | None = None) -> Path:
    """Store one row (overwriting an earlier row with the same claim_id); returns its path.

    In a run with custom parameters (``python -m toponet.book run``) the row's ``scale`` ends
    with "custom parameters: p=0.9 (profile: 0.5)" (:func:`toponet._custom.custom_note`).
    """

    note = custom_note()
    if note and note not in verdict.scale:
        verdict = replace(verdict, scale=f"{verdict.scale}; {note}")
    if not verdict.inputs:
        verdict = replace(verdict, inputs={s: v for s, v in ledger().items() if v})
    d = Path(directory) if directory is not None else verdicts_dir()
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{verdict.claim_id}.json"
    path.write_text(json.dumps(asdict(verdict), indent=2), encoding="utf-8")
    return path


def load(directory: str | os.PathLike | None = None) -> list[Verdict]:
    """All recorded rows, sorted by claim_id."""
    d = Path(directory) if directory is not None else verdicts_dir()
    rows = [Verdict(**json.loads(p.read_text(encoding="utf-8"))) for p in sorted(d.glob("*.json"))]
    return sorted(rows, key=lambda v: v.claim_id)


#: The committed record of the default build: the README's results and the tests read it.
RECORD = Path(__file__).resolve().parent.parent / "results" / "verdicts.json"
#: Paper order of the claims (SPEC.md); unknown ids sort after these, "not tested" rows last.
CLAIM_ORDER = ("F2", "F2b", "F2c", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11",
               "G1", "G2", "G3", "G4", "G5", "U1", "U2", "U3", "L1", "L2", "NP1", "NP2")


def paper_order(rows: list[Verdict]) -> list[Verdict]:
    """``rows`` in the paper's order (F2, F2b, ... L2), "not tested" rows last."""
    def key(v):
        base = v.claim_id.split("-")[0]
        pos = CLAIM_ORDER.index(base) if base in CLAIM_ORDER else len(CLAIM_ORDER)
        return (v.verdict == "not tested", pos, v.claim_id)
    return sorted(rows, key=key)


def write_record(rows: list[Verdict], path: str | os.PathLike = RECORD, *, keep_others: bool = True) -> Path:
    """Write ``rows`` as the JSON record (a list of row dicts in paper order).

    With ``keep_others``, rows of claims not in ``rows`` are kept from the existing record
    (a build of some chapters updates their rows and leaves the rest).
    """
    path = Path(path)
    merged = {v.claim_id: v for v in (read_record(path) if keep_others and path.is_file() else [])}
    merged.update({v.claim_id: v for v in rows})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps([asdict(v) for v in paper_order(list(merged.values()))], indent=1) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_record(path: str | os.PathLike = RECORD) -> list[Verdict]:
    """The rows of a record written by :func:`write_record`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: a verdict record is a JSON list of rows; got {type(data).__name__}")
    return [Verdict(**row) for row in data]


def evidence(v: Verdict) -> str:
    """One cell: each null's p with its draws, the rule's power and false-positive rate."""
    parts = [f"{k} p = {n['p']:.2g} ({n['draws']} draws)" for k, n in v.nulls.items()]
    if v.power is not None:
        parts.append(f"power {100 * v.power:.0f}%")
    if v.false_positive_rate is not None:
        parts.append(f"false positives {100 * v.false_positive_rate:.0f}%")
    return "; ".join(parts) if parts else "no calibrated test yet"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


#: The README's results block lies between these lines; :func:`update_readme` rewrites it.
README_START = "<!-- results: generated from results/verdicts.json by `python -m toponet.book readme`; do not edit -->"
README_END = "<!-- end of generated results -->"


def tally(rows: list[Verdict]) -> str:
    """"n reproduced / n partly / ..." over ``rows``, in the order of VERDICTS."""
    counts = {v: sum(r.verdict == v for r in rows) for v in VERDICTS}
    return " / ".join(f"{n} {v}" for v, n in counts.items() if n)


def readme_results(rows: list[Verdict]) -> str:
    """The README's results block: a tally and one short line per claim, from the record."""
    lines = [README_START, "", f"**{len(rows)} claims: {tally(rows)}** (default profile; every number below "
             "is read from `results/verdicts.json`, which the default build writes).", "",
             "| claim | verdict | data | scale | evidence |", "|---|---|---|---|---|"]
    for v in paper_order(rows):
        lines.append(f"| **{_cell(v.claim_id)}** {_cell(v.claim)} | **{_cell(v.verdict)}** | {_cell(v.data)} "
                     f"| {_cell(v.scale)} | {_cell(evidence(v))} |")
    lines += ["", README_END]
    return "\n".join(lines)


def update_readme(readme: str | os.PathLike, record: str | os.PathLike = RECORD, *, check: bool = False) -> bool:
    """Rewrite the results block of ``readme`` from ``record``; True when it changed.

    With ``check``, change nothing and return True when the block is out of date. Raises
    ValueError when the README lacks the two marker lines.
    """
    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise ValueError(f"{path}: no generated results block (the lines {README_START!r} ... {README_END!r})")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    new = head + readme_results(read_record(record)) + tail
    if new == text:
        return False
    if not check:
        path.write_text(new, encoding="utf-8")
    return True
