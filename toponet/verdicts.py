"""The front page's verdict table: one row per claim, written by the chapters as they run.

A chapter calls :func:`record` with its numbers; the book build collects the rows of all
chapters it executed and renders them with :func:`render_table` into the page
``book/verdicts.md`` includes. Rows live as one JSON file per claim in
``$TOPONET_VERDICTS_DIR`` (the build sets it; default ``_build/verdicts``), so a chapter
that is not re-executed never leaves a stale row behind: the build clears the folder first.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

VERDICTS = ("reproduced", "partly", "not reproduced", "not tested")


@dataclass(frozen=True)
class Verdict:
    """One row of the verdict table.

    claim_id : SPEC row id, e.g. "F2"; claim : the paper's claim in words;
    paper : the paper's figure/number; ours : our number(s), "mean +- sd (n = ...)";
    scale : networks x iterations and profile, in the paper's notation;
    data : the data actually used ("MNIST (real)" or a named stand-in);
    verdict : one of VERDICTS; chapter : the chapter that computed it.
    """

    claim_id: str
    claim: str
    paper: str
    ours: str
    scale: str
    data: str
    verdict: str
    chapter: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {self.verdict!r}")
        if not self.claim_id or "/" in self.claim_id:
            raise ValueError(f"claim_id must be a non-empty name without '/'; got {self.claim_id!r}")


def verdicts_dir() -> Path:
    return Path(os.environ.get("TOPONET_VERDICTS_DIR", "_build/verdicts"))


def record(verdict: Verdict, directory: str | os.PathLike | None = None) -> Path:
    """Store one row (overwriting an earlier row with the same claim_id); returns its path."""
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


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_table(rows: list[Verdict]) -> str:
    """A Markdown table of ``rows`` (or a sentence saying none were recorded)."""
    if not rows:
        return "*No chapter has recorded a verdict in this build.*\n"
    head = "| claim | paper | ours | scale | data | verdict | chapter |\n|---|---|---|---|---|---|---|\n"
    body = "".join(
        f"| **{_cell(v.claim_id)}** {_cell(v.claim)} | {_cell(v.paper)} | {_cell(v.ours)} | {_cell(v.scale)} "
        f"| {_cell(v.data)} | **{_cell(v.verdict)}** | {_cell(v.chapter)} |\n" for v in rows)
    return head + body
