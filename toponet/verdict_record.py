"""The verdict record: one row per claim (:class:`Verdict`), written by the chapters as they run,
and the committed record ``results/verdicts.json`` the front page's verdict table reads.

A chapter calls :func:`record` with its numbers; the book build collects the rows of all
chapters it executed and renders them (:func:`toponet.book.pages.verdict_table`) into the
page ``book/verdicts.md`` includes. Rows live as one JSON file per claim in
``$TOPONET_VERDICTS_DIR`` (the build sets it; default ``_build/verdicts``), so a chapter
that is not re-executed never leaves a stale row behind: the build clears the folder first.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Sequence

from toponet._custom import custom_note
from toponet._io import atomic_write_text
from toponet.provenance import ledger
from toponet.circle_decision import ALPHA, SECOND_ORDER_KINDS

__all__ = ["VERDICTS", "CLAIM_SOURCES", "SOURCES", "DATA_KINDS", "NEGATIVE_RESULTS", "CLAIM_NAMES", "base_id",
           "claim_source", "split_top", "without_details", "data_parts", "short_name", "beyond_of", "Verdict", "record",
           "with_inputs", "load", "RECORD", "CLAIM_ORDER", "paper_order", "Claim", "claims", "GROUPS", "split", "count_verdicts",
           "write_record", "read_record", "README_START", "README_END", "tally", "named", "answer", "readme_results",
           "record_csv", "update_readme"]

VERDICTS = ("reproduced", "partly", "not reproduced", "inconclusive", "not tested")


# --- whose claim, on what data: the one table ---------------------------------------------------

@dataclass(frozen=True)
class Source:
    """Whose claim a row tests.

    name : the row's ``source`` ("paper", "UMass", ...); prefixes : the claim ids it owns, by
    the letters before the number ("F2b" -> "F"); citation : authors, *title*, venue and year
    (Markdown); url : its public address, or None where it has none; short : how links name it.
    """

    name: str
    prefixes: tuple[str, ...]
    citation: str
    url: str | None
    short: str = ""


#: The claims' origins, in the order the tallies list them. A claim id's letters before its
#: number name its source; ids with letters of no listed source count as the paper's.
CLAIM_SOURCES = (
    Source("paper", ("F", "G"), "R. Brüel Gabrielsson and G. Carlsson, *Exposition and Interpretation of the "
           "Topology of Neural Networks*, ICMLA 2019", "https://arxiv.org/abs/1810.03234", "Gabrielsson & Carlsson"),
    Source("UMass", ("U",), "University of Massachusetts Amherst (anonymous), *A Topological Understanding of "
           "Representational Power and Generalization in Deep Learning*, unpublished report", None, "the UMass report"),
    Source("Gabella", ("L",), "M. Gabella, N. Afambo, S. Ebli and G. Spreemann, *Topology of Learning in "
           "Artificial Neural Networks*, 2019", "https://arxiv.org/abs/1902.08160", "Gabella et al."),
    Source("Carlsson 2008", ("NP",), "G. Carlsson, T. Ishkhanov, V. de Silva and A. Zomorodian, *On the Local "
           "Behavior of Spaces of Natural Images*, IJCV 2008", None, "Carlsson et al. 2008"),
)
SOURCES = tuple(s.name for s in CLAIM_SOURCES)
#: What a row ran on: the claim's own kind of data, a named stand-in, or nothing.
DATA_KINDS = ("real", "stand-in", "none")

#: Claims that are a peer's negative result about one of the paper's claims: id -> that claim.
NEGATIVE_RESULTS = {"U3": "F2"}

#: Each claim's short name, shown beside its code wherever a tally lists codes.
CLAIM_NAMES = {
    "F2": "MNIST layer 1: primary circle", "F2b": "MNIST: other architectures",
    "F2c": "MNIST layer 2: weak circle", "F3": "CIFAR gray layer 1: five clusters",
    "F4": "CIFAR gray layer 2: circle", "F5": "CIFAR gray: circle during training",
    "F6": "CIFAR colour: circle in every channel", "F7": "CIFAR colour, no max-pool: two circles",
    "F8": "CIFAR colour: three circles (Klein bottle)", "F9": "CIFAR colour: circle during training",
    "F10": "VGG16: circle by depth", "F10-efficientnet": "EfficientNet-Lite0 for VGG16",
    "F10-inception": "InceptionV3 for VGG16", "F11": "VGG19 layer 5: circle",
    "G1": "circle first layer transfers MNIST to SVHN", "G2": "SVHN-trained nets transfer to MNIST",
    "G3": "harder domain, stronger circle", "G4": "circle and accuracy rise together",
    "G5": "circle features speed up training", "U1": "abs unlinks linked tori",
    "U2": "memorization in the FC layers", "U3": "UMass: the MNIST circle does not reproduce",
    "L1": "zero init: learning trees", "L2": "tiny init: learning surface",
    "NP1": "natural patches: primary circle", "NP2": "natural patches: three circles",
}


def base_id(claim_id: str) -> str:
    """The claim a row counts under: its id before the first "-" ("F10-inception" -> "F10")."""
    return claim_id.split("-")[0]


def claim_source(claim_id: str) -> str:
    """The :data:`SOURCES` name of a claim id, from its letters before the number ("NP1" -> "Carlsson 2008")."""
    letters = re.match(r"[A-Za-z]*", base_id(claim_id)).group(0)
    return next((s.name for s in CLAIM_SOURCES if letters in s.prefixes), "paper")


def split_top(text: str, seps: Sequence[str]) -> list[str]:
    """``text`` split at any of ``seps`` outside parentheses, separators kept as items."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        elif depth == 0:
            sep = next((s for s in seps if text.startswith(s, i)), None)
            if sep:
                out += [text[start:i], sep]
                i = start = i + len(sep)
                continue
        i += 1
    return out + [text[start:]]


def without_details(text: str, *, keep: int = 25) -> str:
    """``text`` without its parenthesized details: a group " (...)" after a space is dropped
    when it holds "=" or ":" or is longer than ``keep`` characters ("top bar 0.36 on 300 points
    (gaussian p = 0.1 (99 draws)): no circle" -> "top bar 0.36 on 300 points: no circle");
    "C(64,32,64)", "rho(200, 0.3)" and "(i)" stay."""
    out, i = [], 0
    while i < len(text):
        if text.startswith(" (", i):
            depth, j = 0, i + 1
            while j < len(text):
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            inner = text[i + 2:j]
            if j < len(text) and ("=" in inner or ":" in inner or len(inner) > keep):
                i = j + 1
                continue
        out.append(text[i])
        i += 1
    return re.sub(r"\s+([,;:.])", r"\1", "".join(out)).strip()


def data_kind_of(data: str, claim: str = "", verdict: str = "") -> str:
    """The :data:`DATA_KINDS` value of a row's data text: "none" when no data was available
    ("none: ..."), "stand-in" when the data (or, for a stand-in network, the claim) names a
    stand-in, even for part of the row, else "real"."""
    text = data.strip().lower()
    if text.startswith("none") or verdict == "not tested" and not text:
        return "none"
    if "stand-in" in text or "stand-in" in claim.lower():
        return "stand-in"
    return "real"


_LEAD_IN = re.compile(r"^(trained on|evaluated on|tested on|also)\s+", re.I)


def data_parts(v: "Verdict") -> list[tuple[str, str, bool]]:
    """A row's data text as (lead-in, description, is stand-in) parts, separators as parts
    with an empty description: "trained on MNIST (real); evaluated on <stand-in>" gives
    ("trained on ", "MNIST (real)", False), ("; ", "", False), ("evaluated on ", "<stand-in>", True).
    A row whose claim is about a stand-in network is one stand-in part."""
    text = v.data.strip()
    if v.data_kind == "stand-in" and "stand-in" not in text.lower():
        return [("", text, True)]
    out = []
    for i, piece in enumerate(split_top(text, ("; ", " vs ", " <-> "))):
        if i % 2:
            out.append((piece, "", False))
            continue
        m = _LEAD_IN.match(piece)
        lead, desc = (m.group(0), piece[m.end():]) if m else ("", piece)
        standin = "stand-in" in desc.lower()
        out.append((lead, re.sub(r"^stand-in:\s*", "", desc) if standin else desc, standin))
    return out


def _label(desc: str) -> str:
    """A data description without its parenthesized details: "InceptionV3 (nsfwjs ...)" -> "InceptionV3"."""
    return split_top(desc, (" (", ", "))[0].strip()


def standin_labels(v: "Verdict") -> list[str]:
    """The short names of the stand-ins a row ran on, in order ("natural-image stand-in for CIFAR-10")."""
    out = []
    for _, desc, standin in data_parts(v):
        if standin and _label(desc) not in out:
            out.append(_label(desc))
    return out


def short_name(v: "Verdict") -> str:
    """The claim's short name (:data:`CLAIM_NAMES`), else its text up to the first ":"."""
    return CLAIM_NAMES.get(v.claim_id) or v.claim.split(":")[0].strip()


def beyond_of(nulls: dict) -> str | None:
    """"yes" when the row's second-order null (the first of :data:`SECOND_ORDER_KINDS` in
    ``nulls``) has p < ALPHA, "not shown" when it does not (the test's power on structure beyond
    second order is low at the book's sizes: the Calibration page), None when the row has none."""
    kind = next((k for k in SECOND_ORDER_KINDS if isinstance(nulls.get(k), dict) and "p" in nulls[k]), None)
    return None if kind is None else ("yes" if nulls[kind]["p"] < ALPHA else "not shown")


@dataclass(frozen=True)
class Verdict:
    """One row of the verdict table.

    claim_id : SPEC row id, e.g. "F2"; claim : the paper's claim in words;
    paper : the paper's figure/number; ours : our number(s), "mean +- sd (n = ...)";
    scale : networks x iterations and profile, in the paper's notation;
    data : the data actually used ("MNIST (real)" or a named stand-in);
    verdict : one of VERDICTS (:data:`toponet.circle_decision.VERDICTS`); chapter : the chapter that
    computed it. The statistical record (None / empty where a claim has no such test yet):
    networks, iterations : the training scale; cloud_points : points the test ran on;
    nulls : kind -> {"p", "draws", "effect_size"}; power, false_positive_rate : of the
    rule at this cloud size, from :mod:`toponet.calibration`. inputs : what the row was
    computed from, by sha256 (section -> {name: sha256}; sections of
    :data:`toponet.provenance.SECTIONS`): the stored null tests, calibrations and clouds (named
    as in ``results/calibration/``) and artifacts (by key) the chapter had read when it
    recorded the row; ``toponet verify`` walks them. source : whose claim (one of
    :data:`SOURCES`) and data_kind : what it ran on (one of :data:`DATA_KINDS`); left empty,
    both are derived when the row is made (:func:`claim_source` from the claim id,
    :func:`data_kind_of` from the data text), so every row written carries them; an explicit
    value wins. beyond_second_order : "yes" / "not shown" (the second-order null of the directions,
    :func:`beyond_of` of ``nulls``) or None where the row has no such null. (``dataclasses.replace`` keeps the derived values: give both again when
    replacing ``claim_id`` or ``data``.)
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
    source: str = ""
    data_kind: str = ""
    beyond_second_order: str | None = None

    @classmethod
    def from_rule(cls, rule, **fields) -> "Verdict":
        """A row from a :class:`toponet.circle_decision.RuleResult`: its verdict, nulls, power, false-positive
        rate and cloud size; ``fields`` give the rest (claim_id, claim, paper, ours, ...)."""
        return cls(verdict=rule.verdict, nulls=dict(rule.nulls), power=rule.power,
                   false_positive_rate=rule.false_positive_rate, cloud_points=rule.cloud_points, **fields)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {self.verdict!r}")
        if not self.claim_id or "/" in self.claim_id:
            raise ValueError(f"claim_id must be a non-empty name without '/'; got {self.claim_id!r}")
        if not self.source:
            object.__setattr__(self, "source", claim_source(self.claim_id))
        if not self.data_kind:
            object.__setattr__(self, "data_kind", data_kind_of(self.data, self.claim, self.verdict))
        if self.beyond_second_order in (None, "no"):    # "no": rows written before it read "not shown"
            object.__setattr__(self, "beyond_second_order", beyond_of(self.nulls))
        if self.beyond_second_order not in (None, "yes", "not shown"):
            raise ValueError(f"{self.claim_id}: beyond_second_order must be 'yes', 'not shown' or None; "
                             f"got {self.beyond_second_order!r}")
        if self.source not in SOURCES:
            raise ValueError(f"{self.claim_id}: source must be one of {SOURCES}; got {self.source!r}")
        if self.data_kind not in DATA_KINDS:
            raise ValueError(f"{self.claim_id}: data_kind must be one of {DATA_KINDS}; got {self.data_kind!r}")


def verdicts_dir() -> Path:
    return Path(os.environ.get("TOPONET_VERDICTS_DIR", "_build/verdicts"))


def with_inputs(verdict: Verdict) -> Verdict:
    """``verdict`` with the stored inputs read so far (:func:`toponet.provenance.ledger`) as its
    ``inputs``, unless it has some.

    :func:`record` stamps a row without inputs when it records it; a chapter that builds its rows
    first (its ``run_chapter``) and records them later stamps each row as it is built, so the row
    names what it rests on, not what the chapter read after it.

    Parameters
    ----------
    verdict : Verdict
        A verdict row; one that already has inputs is returned unchanged.

    Returns
    -------
    Verdict
        The row with ``inputs``: {section: {name: sha256}} of the ledger's non-empty sections.
    """
    return verdict if verdict.inputs else replace(verdict, inputs={s: v for s, v in ledger().items() if v})


def record(verdict: Verdict, directory: str | os.PathLike | None = None) -> Path:
    """Store one row (overwriting an earlier row with the same claim_id); returns its path.

    In a run with custom parameters (``python -m toponet.book run``) the row's ``scale`` ends
    with "custom parameters: p=0.9 (profile: 0.5)" (:func:`toponet._custom.custom_note`).
    """

    note = custom_note()
    if note and note not in verdict.scale:
        verdict = replace(verdict, scale=f"{verdict.scale}; {note}")
    verdict = with_inputs(verdict)
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
    """``rows`` in the paper's order (F2, F2b, ... L2), "not tested" claims last; a claim's
    evidence rows ("F10-inception") right after the claim's own row ("F10")."""
    decided = {v.claim_id: v.verdict for v in rows}

    def key(v):
        base = base_id(v.claim_id)
        pos = CLAIM_ORDER.index(base) if base in CLAIM_ORDER else len(CLAIM_ORDER)
        return (decided.get(base, v.verdict) == "not tested", pos, base, v.claim_id != base, v.claim_id)
    return sorted(rows, key=key)


# --- claims, counted once -------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """One claim as the tallies count it.

    row : Verdict, the row that decides it (its id is the claim id; where only rows of the form
    "<id>-<name>" exist, the first of them); evidence : tuple of Verdict, the other rows under the
    same id ("F10-efficientnet" and "F10-inception" under "F10": stand-in networks, not claims).
    """

    row: Verdict
    evidence: tuple[Verdict, ...] = ()

    @property
    def id(self) -> str:
        return base_id(self.row.claim_id)

    @property
    def verdict(self) -> str:
        return self.row.verdict

    @property
    def source(self) -> str:
        return self.row.source

    @property
    def data_kind(self) -> str:
        return self.row.data_kind

    @property
    def name(self) -> str:
        return CLAIM_NAMES.get(self.id) or short_name(self.row)


def claims(rows: Sequence[Verdict]) -> list[Claim]:
    """The distinct claims of ``rows`` (by :func:`base_id`), in :func:`paper_order`."""
    groups: dict[str, list[Verdict]] = {}
    for v in paper_order(list(rows)):
        groups.setdefault(base_id(v.claim_id), []).append(v)
    out = []
    for base, group in groups.items():
        main = next((v for v in group if v.claim_id == base), group[0])
        out.append(Claim(main, tuple(v for v in group if v is not main)))
    return out


@dataclass(frozen=True)
class Group:
    """One line of the split tally: whose claims, on what data.

    key : str, a stable name ("paper-real"); label : str, what the line says;
    sources : the :data:`SOURCES` it holds; data_kinds : the :data:`DATA_KINDS` it holds.
    """

    key: str
    label: str
    sources: tuple[str, ...]
    data_kinds: tuple[str, ...] = DATA_KINDS

    def holds(self, c: Claim) -> bool:
        return c.source in self.sources and c.data_kind in self.data_kinds


#: The split tally's lines. Every (source, data kind) pair falls in exactly one (tested).
GROUPS = (
    Group("paper-real", "The paper's claims, on the paper's kind of data", ("paper",), ("real",)),
    Group("paper-stand-in", "The paper's claims, on a named stand-in", ("paper",), ("stand-in",)),
    Group("paper-none", "The paper's claims not testable here", ("paper",), ("none",)),
    Group("peers", "The peers' claims (UMass, Gabella)", ("UMass", "Gabella")),
    Group("ground-truth", "The ground truth (Carlsson 2008, natural image patches)", ("Carlsson 2008",)),
)


def split(rows: Sequence[Verdict]) -> list[tuple[Group, list[Claim]]]:
    """Every claim of ``rows`` (counted once, :func:`claims`) in its :data:`GROUPS` line."""
    cs = claims(rows)
    return [(g, [c for c in cs if g.holds(c)]) for g in GROUPS]


def count_verdicts(items) -> dict[str, int]:
    """Claims (or rows) per verdict, in the order of VERDICTS, zeros left out."""
    items = list(items)
    return {v: n for v in VERDICTS if (n := sum(i.verdict == v for i in items))}


def write_record(rows: list[Verdict], path: str | os.PathLike = RECORD, *, keep_others: bool = True) -> Path:
    """Write ``rows`` as the JSON record (a list of row dicts in paper order).

    With ``keep_others``, rows of claims not in ``rows`` are kept from the existing record
    (a build of some chapters updates their rows and leaves the rest).
    """
    path = Path(path)
    merged = {v.claim_id: v for v in (read_record(path) if keep_others and path.is_file() else [])}
    merged.update({v.claim_id: v for v in rows})
    atomic_write_text(path, json.dumps([asdict(v) for v in paper_order(list(merged.values()))], indent=1) + "\n")
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
    """"n reproduced / n partly / ..." over the claims of ``rows`` (each counted once, by the
    row that decides it: :func:`claims`), in the order of VERDICTS."""
    return " / ".join(f"{n} {v}" for v, n in count_verdicts(claims(rows)).items())


# --- the answer in one paragraph --------------------------------------------------------------------

_PHRASE = {"reproduced": "reproduced", "partly": "partly reproduced", "not reproduced": "not reproduced",
           "inconclusive": "inconclusive", "not tested": "not tested"}


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def named(c: Claim) -> str:
    """"F2 (MNIST layer 1: primary circle)"."""
    return f"{c.id} ({c.name})"


def _by_verdict(cs: Sequence[Claim]) -> str:
    """"F2 (..) and F2c (..) are reproduced, F2b (..) is partly reproduced"."""
    parts = []
    for verdict in VERDICTS:
        these = [named(c) for c in cs if c.verdict == verdict]
        if these:
            parts.append(f"{_and(these)} {'are' if len(these) > 1 else 'is'} {_PHRASE[verdict]}")
    return _and(parts)


def _counted(cs: Sequence[Claim]) -> str:
    """"2 reproduced, 6 partly, 3 not reproduced and 1 inconclusive"."""
    return _and([f"{n} {v}" for v, n in count_verdicts(cs).items()])


def _real_data(cs: Sequence[Claim]) -> str:
    names = []
    for c in cs:
        for _, desc, standin in data_parts(c.row):
            label = re.sub(r"\s*\(real\)", "", _label(desc)) if desc and not standin else ""
            if label and label not in names:
                names.append(label)
    return _and(names)


def _negative_sentence(c: Claim) -> str:
    target = NEGATIVE_RESULTS[c.id]
    whose = f"{c.source}'s negative result about the paper's {target}"
    if c.verdict == "not reproduced":
        return f'{c.id} "not reproduced" means {whose} did not hold: good news for the paper.'
    if c.verdict == "reproduced":
        return f'{c.id} "reproduced" means {whose} holds: bad news for the paper.'
    return f'{c.id} is "{c.verdict}": {whose} is neither confirmed nor refuted here.'


def answer(rows: Sequence[Verdict]) -> str:
    """The answer a colleague would give, in one paragraph of Markdown, from ``rows``: which
    of the paper's claims hold on the paper's own kind of data, which ran only on stand-ins,
    which could not be tested; what the peers' and the ground truth's rows say; and what each
    peer's negative result (:data:`NEGATIVE_RESULTS`) means for the paper. Every count and
    verdict is read from ``rows``."""
    by = {g.key: cs for g, cs in split(rows)}
    out = []
    if by["paper-real"]:
        out.append(f"On the paper's own kind of data ({_real_data(by['paper-real'])}), "
                   f"{_by_verdict(by['paper-real'])}.")
    standin = by["paper-stand-in"]
    if standin:
        targets = []
        for c in standin:
            for lab in standin_labels(c.row)[:1]:
                target = lab.split("stand-in for ", 1)[-1]
                if target not in targets:
                    targets.append(target)
        n = len(standin)
        out.append(f"{n} {'more ' if by['paper-real'] else ''}of its claims ran, wholly or in part, on stand-ins "
                   f"for {_and(targets)}: {'they show' if n > 1 else 'it shows'} what the method finds there, "
                   "not whether the paper holds on its own data.")
    none = by["paper-none"]
    if none:
        out.append(f"{_and([named(c) for c in none])} could not be tested here.")
    peers = by["peers"]
    if peers:
        per = [f"{s} {_counted([c for c in peers if c.source == s])}" for s in SOURCES
               if any(c.source == s for c in peers)]
        out.append(f"The peers' claims: {'; '.join(per)}.")
    out += [_negative_sentence(c) for c in claims(rows) if c.id in NEGATIVE_RESULTS]
    truth = by["ground-truth"]
    if truth:
        out.append(f"The ground truth (Carlsson 2008): {_by_verdict(truth)}.")
    return " ".join(out)


def split_markdown(rows: Sequence[Verdict]) -> str:
    """The split tally as a Markdown table: per :data:`GROUPS` line, its claims by verdict,
    each code with its short name; a last line with every claim."""
    lines = ["| whose claim, what data | claims | verdicts, each claim with its short name |", "|---|---|---|"]
    for g, cs in split(rows):
        cells = []
        for verdict, n in count_verdicts(cs).items():
            items = []
            for c in cs:
                if c.verdict != verdict:
                    continue
                text = f"**{c.id}** *{c.name}*"
                if c.evidence:
                    text += " (evidence under it, not counted: " + ", ".join(
                        f"{e.claim_id} *{short_name(e)}*: {e.verdict}" for e in c.evidence) + ")"
                items.append(text)
            cells.append(f"{n} {verdict}: " + "; ".join(items))
        lines.append(f"| {_cell(g.label)} | {len(cs)} | {_cell(' / '.join(cells)) if cells else 'none'} |")
    lines.append(f"| **every claim, counted once** | **{len(claims(rows))}** | {tally(rows)} |")
    return "\n".join(lines)


def _data_cell(v: Verdict) -> str:
    """The data a row ran on, led by its kind unless the text already says it."""
    says = v.data.lower().startswith(v.data_kind) or "(real)" in v.data.lower()
    return v.data if says else f"{v.data_kind}: {v.data}"


def readme_results(rows: list[Verdict]) -> str:
    """The README's results block, from the record: the answer in one paragraph
    (:func:`answer`), the split tally (:func:`split_markdown`), then one short line per row."""
    lines = [README_START, "", f"**In one minute.** {answer(rows)}", "", split_markdown(rows), "",
             "Default profile; a claim is counted once, its evidence rows under it; every number here is read "
             "from `results/verdicts.json`, which the default build writes. Each row:", "",
             "| claim | verdict | source | data | scale | evidence |", "|---|---|---|---|---|---|"]
    for v in paper_order(rows):
        under = f" (evidence under {base_id(v.claim_id)})" if base_id(v.claim_id) != v.claim_id else ""
        lines.append(f"| **{_cell(v.claim_id)}**{under} {_cell(v.claim)} | **{_cell(v.verdict)}** | {_cell(v.source)} "
                     f"| {_cell(_data_cell(v))} | {_cell(v.scale)} | {_cell(evidence(v))} |")
    lines += ["", README_END]
    return "\n".join(lines)


#: The columns of the CSV download (:func:`record_csv`), before one p / draws / effect size per null kind.
CSV_COLUMNS = ("claim_id", "counted_as", "source", "data_kind", "verdict", "short_name", "claim", "paper", "ours",
               "scale", "data", "chapter", "networks", "iterations", "cloud_points", "power", "false_positive_rate")


def record_csv(rows: Sequence[Verdict]) -> str:
    """``rows`` as CSV, one line per row in :func:`paper_order`: :data:`CSV_COLUMNS`, then
    "<kind> p", "<kind> draws", "<kind> effect size" for every null kind any row has.
    ``counted_as`` is the claim a row counts under (an evidence row's is not its own id)."""
    rows = paper_order(list(rows))
    kinds = list(dict.fromkeys(k for v in rows for k in v.nulls))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(list(CSV_COLUMNS) + [f"{k} {f}" for k in kinds for f in ("p", "draws", "effect size")])
    for v in rows:
        d = asdict(v)
        d.update(counted_as=base_id(v.claim_id), short_name=short_name(v))
        nulls = [v.nulls.get(k, {}).get(f) for k in kinds for f in ("p", "draws", "effect_size")]
        w.writerow(["" if x is None else x for x in [d[c] for c in CSV_COLUMNS] + nulls])
    return out.getvalue()


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
