"""Do a verdict row, its chapter and the glossary say the same thing? (issue 24)

Three places state a verdict: the row (``results/verdicts.json``, or the rows one build's
chapters recorded), the chapter that computed it (its verdict block and its "What we found"
paragraph, read from the *executed* notebook, so the generated text is what is checked), and the
glossary (``book/glossary.md``: what each verdict and *power* mean). This module reads all three
and names every disagreement, one sentence each:

* :func:`glossary_problems`: the glossary defines every verdict, and its *power* entry states the
  rules' threshold (:data:`toponet.circle_decision.MIN_POWER`);
* :func:`row_problems`: a "not reproduced" row has power at least that threshold for the claim as
  stated, or says in one clause what decided it instead ("decided by ... 92 %"); an
  "inconclusive" row (or part of a row) did not have that power; a part of a row that says
  "not reproduced" had it;
* :func:`chapter_problems`: every verdict a chapter states for a claim ("**F7: not
  reproduced**", "F6 partly", "verdict F8 **reproduced**") is the row's, and no sentence of the
  chapter says "we cannot decide" about a claim whose row decided it.

Used by ``tests/test_verdict_agreement.py`` (the committed record, the glossary, and the executed
chapters a checkout holds) and ``tests/test_book.py`` (the smoke book it builds).
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from toponet.verdict_record import NEGATIVE_RESULTS, VERDICTS, Verdict, load, split_top, without_details

__all__ = ["glossary_entries", "power_threshold", "glossary_problems", "row_problems", "decided_by",
           "chapter_blocks", "stated_verdicts", "undecided_sentences", "chapter_problems", "Statement",
           "executed_chapters", "executed_profile", "book_problems"]

#: Verdicts that decide a claim (a row with one of these is not "we cannot decide").
DECIDED = ("reproduced", "partly", "not reproduced")
#: Phrases by which a chapter says it could not decide.
UNDECIDED = ("cannot decide", "can't decide", "could not decide", "cannot be decided", "undecided")

#: "decided by <what> ... 92 %": the clause a row gives when a power other than its ``power``
#: field decided it (F7: the power to see at least one bar, not exactly three), or, without a
#: percentage, what decides a claim that has no power (a count of one deterministic run).
_DECIDED_BY = re.compile(r"decided by\b([^;]*)", re.I)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?%")
#: A part of a row with its own verdict: "... (rule: inconclusive, power 100%)".
_PART = re.compile(r"\(rule: (" + "|".join(sorted(VERDICTS, key=len, reverse=True)) + r"), power (\d+(?:\.\d+)?)\s?%")
_VERDICT_WORDS = "|".join(re.escape(v) for v in sorted(VERDICTS, key=len, reverse=True))


# --- the glossary ---------------------------------------------------------------------------------

def glossary_entries(path: str | Path) -> dict[str, str]:
    """Each term of the ``{glossary}`` block of ``path`` -> its definition (one line of text).

    A term is an unindented line inside the block; its definition, the indented lines after it.
    Terms on consecutive lines ("null", "null model") share one definition.
    """
    entries: dict[str, str] = {}
    inside, terms, lines = False, [], []

    def flush():
        for t in terms:
            entries[t] = " ".join(lines)

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if re.match(r"^(:{3,}|`{3,})\{glossary\}", line):
            inside = True
            continue
        if not inside:
            continue
        if re.match(r"^(:{3,}|`{3,})\s*$", line):
            break
        if line.strip() and not line[0].isspace():
            if lines:
                flush()
                terms, lines = [], []
            terms.append(line.strip())
        elif line.strip():
            lines.append(line.strip())
    if terms:
        flush()
    return entries


def power_threshold(entries: dict[str, str]) -> float | None:
    """The power the glossary's *power* entry names as enough ("at least 80 %"), as a fraction."""
    m = re.search(r"at least (\d+(?:\.\d+)?)\s?%", entries.get("power", ""))
    return float(m.group(1)) / 100 if m else None


def glossary_problems(entries: dict[str, str], *, min_power: float) -> list[str]:
    """What the glossary lacks to agree with the rules: every verdict of :data:`VERDICTS` named in
    the *verdict* entry, and the *power* entry's threshold equal to ``min_power``."""
    out = []
    verdict = entries.get("verdict", "")
    if not verdict:
        out.append("glossary: no entry 'verdict'")
    for v in VERDICTS:
        if verdict and f"*{v}*" not in verdict:
            out.append(f"glossary: the entry 'verdict' does not define *{v}*")
    threshold = power_threshold(entries)
    if threshold is None:
        out.append("glossary: the entry 'power' names no threshold ('at least N %')")
    elif abs(threshold - min_power) > 1e-9:
        out.append(f"glossary: the entry 'power' says at least {100 * threshold:g} %; the rules use "
                   f"{100 * min_power:g} % (toponet.circle_decision.MIN_POWER)")
    if "inconclusive" not in entries.get("power", ""):
        out.append("glossary: the entry 'power' does not say what a low power makes a result (inconclusive)")
    return out


# --- a row ----------------------------------------------------------------------------------------

def decided_by(text: str) -> tuple[str, float | None] | None:
    """A row's "decided by ..." clause and the power it names, as a fraction ("decided by the power
    to see at least one bar (92 %)" -> (clause, 0.92)); None without such a clause."""
    m = _DECIDED_BY.search(text)
    if not m:
        return None
    pct = _PERCENT.search(m.group(1))
    return m.group(0).strip(), float(pct.group(1)) / 100 if pct else None


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def row_problems(v: Verdict, threshold: float) -> list[str]:
    """Where row ``v`` disagrees with the glossary's verdicts at power ``threshold``; empty when none.

    * "not reproduced": the row's power is at least ``threshold``, or its ``ours`` names what
      decided it with a power at least ``threshold`` ("decided by ... 92 %"); a row whose ``ours``
      names a lower power beside its own (F7's "3-bar power 12%") names what decided it too; a
      row without a power (a count of one run) says what decided it ("decided by ...");
    * "inconclusive": the row's power is below ``threshold`` (or not measured), unless its
      ``ours`` says why it still cannot be decided (:data:`UNDECIDED`: U2's "there is no
      memorization to locate, so where it lives cannot be decided here");
    * each part with a verdict of its own, "(rule: <verdict>, power N%)", likewise.
    """
    out = []
    clause = decided_by(v.ours)
    by = None if clause is None else clause[1]
    where = f"{v.claim_id} ({v.verdict})"
    if v.verdict == "not reproduced" and v.claim_id not in NEGATIVE_RESULTS:
        if v.power is None and clause is None:
            out.append(f"{where}: no power measured and no clause saying what decided it "
                       "(a 'not reproduced' needs power >= {0} or 'decided by ...')".format(_pct(threshold)))
        elif v.power is not None and v.power < threshold and (by is None or by < threshold):
            named = "" if by is None else f"; its 'decided by' names {_pct(by)}"
            out.append(f"{where}: power {_pct(v.power)} is below {_pct(threshold)}{named}, and no clause says "
                       "what decided it with enough power (the glossary: such a result is inconclusive)")
    if v.verdict == "not reproduced" and clause is None and not out:
        # a lower power the row names besides its own ("3-bar power 12%"): which one decided it?
        named = [float(x) / 100 for x in re.findall(r"power (\d+(?:\.\d+)?)\s?%", _PART.sub("", v.ours))]
        if named and min(named) < threshold:
            out.append(f"{where}: names a power of {_pct(min(named))} beside its power "
                       f"{'(none)' if v.power is None else _pct(v.power)}, and no clause says which test decided it "
                       "('decided by ... N %')")
    says_why = any(phrase in v.ours.lower() for phrase in UNDECIDED)
    if v.verdict == "inconclusive" and v.power is not None and v.power >= threshold and clause is None and not says_why:
        out.append(f"{where}: power {_pct(v.power)} is at least {_pct(threshold)}, yet inconclusive (the glossary: "
                   "inconclusive means the test could not have seen the effect)")
    for m in _PART.finditer(v.ours):
        part, power = m.group(1), float(m.group(2)) / 100
        where_in = next((c for c in split_top(v.ours, ("; ",))[::2] if m.group(0) in c), m.group(0))
        context = f"{without_details(where_in[:where_in.find(m.group(0))])} {m.group(0)})"
        if part == "inconclusive" and power >= threshold:
            out.append(f"{where}: a part is inconclusive at power {_pct(power)} >= {_pct(threshold)}: '{context}'")
        if part == "not reproduced" and power < threshold:
            out.append(f"{where}: a part is not reproduced at power {_pct(power)} < {_pct(threshold)}: '{context}'")
    return out


# --- a chapter ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Statement:
    """What a chapter says about a claim.

    claim_id : the claim (None: no claim could be attributed); cell : index of the notebook cell;
    text : the sentence or line; verdict : the verdict it states (None for an "undecided" sentence).
    """

    claim_id: str | None
    cell: int
    text: str
    verdict: str | None = None


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def chapter_blocks(nb: dict) -> list[tuple[int, str, str]]:
    """The text a reader sees in an executed notebook (a dict), in order: (cell index, kind, text),
    kind "markdown" (a markdown cell), "heading" (one of its headings), "output" (a stream, a
    Markdown / plain-text result, or the ``<pre>`` text of an HTML one: what a verdict cell printed
    stays there once the build made it a table) or "source" (a code cell's source)."""
    out = []
    for i, cell in enumerate(nb.get("cells", [])):
        src = _text(cell.get("source"))
        if cell.get("cell_type") == "markdown":
            for h in re.findall(r"^#{1,4}\s+(.+?)\s*$", src, re.M):
                out.append((i, "heading", h))
            out.append((i, "markdown", src))
            continue
        out.append((i, "source", src))
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                out.append((i, "output", _text(o.get("text"))))
            else:
                data = o.get("data") or {}
                text = data.get("text/markdown") or ("" if "text/html" in data else data.get("text/plain"))
                if text:
                    out.append((i, "output", _text(text)))
                # what a verdict cell printed, kept in a <pre> of the table the build made of it
                for pre in re.findall(r"<pre[^>]*>(.*?)</pre>", _text(data.get("text/html", "")), re.S):
                    out.append((i, "output", html.unescape(pre)))
    return out


def _id_pattern(claim_id: str) -> str:
    return rf"(?<![\w-]){re.escape(claim_id)}(?![\w-])"


def stated_verdicts(text: str, claim_ids: Iterable[str]) -> list[tuple[str, str, str]]:
    """Every verdict ``text`` states for one of ``claim_ids``: (claim id, verdict, the words).

    Forms: "F7: not reproduced", "**F7: not reproduced**", "F6\\n  partly" (a verdict block's
    print), "verdict F8 **reproduced**".
    """
    found: dict[tuple[str, int], tuple[str, str, str]] = {}
    for cid in claim_ids:
        ident = _id_pattern(cid)
        for pattern in (rf"(?:\bverdict )?{ident}\**:?\**[ \t]*\n?[ \t]*\**({_VERDICT_WORDS})\b",):
            for m in re.finditer(pattern, text):
                found.setdefault((cid, m.start(1)), (cid, m.group(1), " ".join(m.group(0).replace("*", "").split())))
    return [found[k] for k in sorted(found, key=lambda k: k[1])]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\s*\n", text) if s.strip()]


def _heading_claim(heading: str, claim_ids: Sequence[str]) -> str | None:
    """The claim a section heading is about ("U2: true vs permuted labels" -> "U2", "Figure 7: ..."
    -> "F7"), when it is one of ``claim_ids``; None for a heading about no single claim."""
    m = re.match(r"\s*([A-Z]{1,2}\d+[a-z]?)\b", heading)
    if m and m.group(1) in claim_ids:
        return m.group(1)
    m = re.match(r"\s*Fig(?:ure|\.)\s*(\d+)(?!\d)", heading)
    if m and f"F{m.group(1)}" in claim_ids:
        return f"F{m.group(1)}"
    return None


def undecided_sentences(nb: dict, claim_ids: Sequence[str]) -> list[Statement]:
    """Every sentence of the executed notebook ``nb`` saying it cannot decide (:data:`UNDECIDED`),
    with the claim it is about: one named in the sentence, else the claim of its section heading
    (:func:`_heading_claim`; a heading about no single claim leaves it unattributed)."""
    out, current = [], None
    for i, kind, text in chapter_blocks(nb):
        if kind == "heading":
            current = _heading_claim(text, claim_ids)
            continue
        if kind == "source":
            continue
        for s in _sentences(text):
            if not any(p in s.lower() for p in UNDECIDED):
                continue
            named = [c for c in claim_ids if re.search(_id_pattern(c), s)]
            for c in named or [current]:
                out.append(Statement(c, i, s))
    return out


def chapter_problems(nb: dict, rows: Sequence[Verdict], *, name: str = "") -> list[str]:
    """Where the executed chapter ``nb`` (a dict) disagrees with the ``rows`` it recorded: a verdict
    it states for a claim that is not the row's, or a "cannot decide" sentence about a claim the
    row decided (:data:`DECIDED`). One sentence each, quoting the chapter."""
    by_id = {v.claim_id: v for v in rows}
    ids = sorted(by_id, key=len, reverse=True)
    out = []
    for i, kind, text in chapter_blocks(nb):
        if kind in ("heading", "source"):
            continue
        for cid, said, words in stated_verdicts(text, ids):
            if said != by_id[cid].verdict:
                out.append(f"{name} cell {i}: says '{words}' but the row {cid} is {by_id[cid].verdict}")
    for st in undecided_sentences(nb, ids):
        row = by_id.get(st.claim_id) if st.claim_id else None
        # a "partly" row may leave a *part* undecided (the glossary: the rest does not hold, or cannot
        # be decided), so a sentence about a part is consistent with it; not one about the claim
        part_of_partly = row is not None and row.verdict == "partly" and re.search(r"\bparts?\b", st.text)
        if row is not None and row.verdict in DECIDED and not part_of_partly:
            out.append(f"{name} cell {st.cell}: '{st.text}' beside the row {row.claim_id}, which is {row.verdict}"
                       + (f" (power {_pct(row.power)})" if row.power is not None else ""))
    return out


def read_notebook(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def executed_profile(nb: dict) -> str | None:
    """The profile papermill injected into an executed notebook (a dict), or None."""
    return ((nb.get("metadata", {}).get("papermill") or {}).get("parameters") or {}).get("profile")


def executed_chapters(root: str | Path) -> list[tuple[Path, Path]]:
    """(executed notebook, the folder of the rows it recorded) for every chapter of the book at
    ``root`` that recorded rows: ``book/chapters/<name>.ipynb`` and ``_build/verdicts/<name>/``."""
    root = Path(root)
    found = []
    for nb in sorted((root / "book" / "chapters").glob("*.ipynb")):
        rows = root / "_build" / "verdicts" / nb.stem
        if rows.is_dir() and any(rows.glob("*.json")):
            found.append((nb, rows))
    return found


def book_problems(root: str | Path) -> dict[str, list[str]]:
    """Chapter name -> its disagreements with its rows (:func:`chapter_problems`), for every
    executed chapter of the book at ``root`` (:func:`executed_chapters`); chapters that agree
    are left out."""

    out = {}
    for nb, rows in executed_chapters(root):
        problems = chapter_problems(read_notebook(nb), load(rows), name=nb.stem)
        if problems:
            out[nb.stem] = problems
    return out
