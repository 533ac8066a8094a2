"""A row's verdict, its chapter's stated conclusion and the glossary say the same thing (issue 24).

Three checks (:mod:`toponet.book.agreement`): the glossary defines every verdict and states the
rules' power threshold; every row of the committed record ``results/verdicts.json`` agrees with
those definitions (a "not reproduced" has the power to see the claim, or says what decided it);
every executed chapter this checkout holds (``book/chapters/*.ipynb`` with the rows its build
recorded in ``_build/verdicts/<name>/``; ``$TOPONET_BOOK_ROOT`` for another book root) states
the verdicts of its rows and says "we cannot decide" only beside an undecided row. The smoke
book of ``tests/test_book.py`` runs the chapter check too.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from toponet import verdict_record
from toponet.book import agreement
from toponet.circle_decision import MIN_POWER
from toponet.verdict_record import Verdict

REPO = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ.get("TOPONET_BOOK_ROOT", REPO))
GLOSSARY = REPO / "book" / "glossary.md"
RECORD = REPO / "results" / "verdicts.json"

#: Rows of the record that disagreed when this test was written (the rules that compute them are
#: being fixed, and the record rebuilt, by others): expected failures, not strict, so that a
#: rebuilt row that agrees shows as XPASS; its entry can then go.
KNOWN: dict[str, str] = {}   # F4, F7, F10-efficientnet and L1 agree since the record of issue 26


def _row(**kw) -> Verdict:
    base = dict(claim_id="F7", claim="two circles", paper="3 bars", ours="0 bars", scale="16 x 500",
                data="MNIST (real)", verdict="not reproduced", chapter="c", power=0.9)
    return Verdict(**{**base, **kw})


# --- the glossary ---------------------------------------------------------------------------------

def test_the_glossary_defines_every_verdict_and_the_rules_power_threshold():
    entries = agreement.glossary_entries(GLOSSARY)
    assert agreement.glossary_problems(entries, min_power=MIN_POWER) == []
    assert agreement.power_threshold(entries) == MIN_POWER


def test_glossary_problems_are_named(tmp_path):
    path = tmp_path / "g.md"
    path.write_text(":::{glossary}\npower\n  How often, at least 90 %.\n\nverdict\n  *reproduced* or *partly*.\n:::\n")
    problems = " | ".join(agreement.glossary_problems(agreement.glossary_entries(path), min_power=0.8))
    assert "does not define *not reproduced*" in problems and "*inconclusive*" in problems
    assert "at least 90 %; the rules use 80 %" in problems
    assert "what a low power makes a result" in problems


def test_glossary_entries_share_a_definition_between_aliases(tmp_path):
    path = tmp_path / "g.md"
    path.write_text("Intro\n\n:::{glossary}\nnull\nnull model\n  A cloud\n  without structure.\n\nx\n  y\n:::\n")
    assert agreement.glossary_entries(path) == {"null": "A cloud without structure.",
                                                "null model": "A cloud without structure.", "x": "y"}


# --- rows -----------------------------------------------------------------------------------------

def test_a_not_reproduced_row_needs_the_power_or_says_what_decided_it():
    assert agreement.row_problems(_row(power=0.9), 0.8) == []
    low = agreement.row_problems(_row(power=0.12), 0.8)
    assert len(low) == 1 and "power 12 % is below 80 %" in low[0]
    decided = _row(power=0.12, ours="0 bars; decided by the power to see at least one bar (92 %), not exactly three")
    assert agreement.row_problems(decided, 0.8) == []
    weak = _row(power=0.12, ours="decided by at least one bar, power 50 %")
    assert "names 50 %" in agreement.row_problems(weak, 0.8)[0]
    assert "no power measured" in agreement.row_problems(_row(power=None), 0.8)[0]
    counted = _row(power=None, ours="5 branches; decided by the counts of one run: no sampling, no power")
    assert agreement.row_problems(counted, 0.8) == []
    # the row's power is the one that decided it, but it names the claim's own, lower one: say which decided
    both = _row(power=0.92, ours="0 bars; on a two-circle model: 3-bar power 12%, at least one bar 92%")
    assert "names a power of 12 % beside its power 92 %" in agreement.row_problems(both, 0.8)[0]
    assert agreement.row_problems(both.__class__(**{**both.__dict__, "ours": both.ours + "; decided by the "
                                                    "power to see at least one bar (92 %)"}), 0.8) == []


def test_inconclusive_rows_and_parts_follow_the_power():
    assert agreement.row_problems(_row(verdict="inconclusive", power=0.2), 0.8) == []
    assert "yet inconclusive" in agreement.row_problems(_row(verdict="inconclusive", power=1.0), 0.8)[0]
    part = _row(verdict="partly", ours="pooled: a circle (rule: reproduced, power 100%); one network: "
                                       "a circle (rule: inconclusive, power 100%)")
    problems = agreement.row_problems(part, 0.8)
    assert len(problems) == 1 and "a part is inconclusive at power 100 %" in problems[0]
    assert "one network: a circle" in problems[0]
    weak_no = _row(verdict="partly", ours="R: no circle (rule: not reproduced, power 40%)")
    assert "a part is not reproduced at power 40 %" in agreement.row_problems(weak_no, 0.8)[0]


def test_an_inconclusive_row_with_power_says_why_it_cannot_decide():
    why = _row(verdict="inconclusive", power=1.0, ours="no memorization to locate, so where it lives cannot be "
                                                      "decided here; the test has 100 % power at the paper's scale")
    assert agreement.row_problems(why, 0.8) == []


def test_a_peers_negative_result_counts_by_its_own_meaning():
    # U3 "not reproduced" means UMass's failure to reproduce did not hold: no power of its own is needed
    assert agreement.row_problems(_row(claim_id="U3", power=None), 0.8) == []


@pytest.mark.parametrize("row", verdict_record.read_record(RECORD) if RECORD.is_file() else [],
                         ids=lambda v: v.claim_id)
def test_every_row_of_the_record_agrees_with_the_glossary(row, request):
    if row.claim_id in KNOWN:
        request.applymarker(pytest.mark.xfail(strict=False, reason=KNOWN[row.claim_id]))
    assert agreement.row_problems(row, MIN_POWER) == []


# --- chapters -------------------------------------------------------------------------------------

def _nb(*cells) -> dict:
    nb = nbformat.v4.new_notebook()
    for kind, text, *out in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cell = nbformat.v4.new_code_cell(text)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=o) for o in out]
            nb.cells.append(cell)
    return nb


def test_a_chapter_stating_another_verdict_is_named():
    rows = [_row(claim_id="F7", verdict="not reproduced"), _row(claim_id="F6", verdict="partly")]
    nb = _nb(("md", "## Verdicts"), ("code", "record(row)", "F6\n  partly\n  reason", "F7\n  inconclusive\n  why"),
             ("md", "**F7: not reproduced**, and verdict F6 **reproduced**."))
    problems = agreement.chapter_problems(nb, rows, name="03")
    assert problems == ["03 cell 1: says 'F7 inconclusive' but the row F7 is not reproduced",
                        "03 cell 2: says 'verdict F6 reproduced' but the row F6 is partly"]


def test_cannot_decide_beside_a_decided_row_is_named():
    rows = [_row(claim_id="F7", verdict="not reproduced", power=0.125), _row(claim_id="U2", verdict="partly"),
            _row(claim_id="NP2", verdict="inconclusive", power=0.2)]
    nb = _nb(("md", "## Figure 7: two circles"), ("code", "x", "so at this size a count other than three cannot "
                                                              "decide the claim."),
             ("md", "## NP2: three circles"), ("code", "y", "At this size we cannot decide."),
             ("md", "## What we found"), ("code", "z", "For U2 we cannot decide where memorization lives. "
                                                      "Nothing else."))
    problems = agreement.chapter_problems(nb, rows, name="c")
    assert len(problems) == 2
    assert problems[0].startswith("c cell 1: 'so at this size a count other than three cannot decide the claim.' "
                                  "beside the row F7, which is not reproduced (power 12 %)")
    assert "cell 5: 'For U2 we cannot decide" in problems[1] and "U2, which is partly" in problems[1]
    # a partly row may leave one of its parts undecided; a sentence saying so about a part is consistent
    part = _nb(("md", "## U2: memorization"), ("code", "x", "The second part is undecided: one run has no power."))
    assert agreement.chapter_problems(part, rows, name="c") == []


def test_a_longer_id_is_not_read_as_a_shorter_one():
    assert agreement.stated_verdicts("F10-inception: not reproduced", ["F10"]) == []
    assert agreement.stated_verdicts("F10-inception: not reproduced", ["F10-inception", "F10"]) == [
        ("F10-inception", "not reproduced", "F10-inception: not reproduced")]


#: Chapters whose executed text disagreed with their rows when this test was written (fixes belong
#: to the chapter modules' authors): chapter -> why. Not strict, as :data:`KNOWN`.
KNOWN_CHAPTERS: dict[str, str] = {}   # 03_cifar_color and 06_umass agree since issue 26's record


@pytest.mark.parametrize("chapter", agreement.executed_chapters(ROOT) or [None],
                         ids=lambda c: c[0].stem if c else "no-executed-chapters")
def test_executed_chapters_state_their_rows_verdicts(chapter, request):
    if chapter is None:
        pytest.skip(f"no executed chapter with recorded rows under {ROOT} (build the book, or set TOPONET_BOOK_ROOT)")
    path, rows = chapter
    nb = agreement.read_notebook(path)
    if path.stem in KNOWN_CHAPTERS:
        request.applymarker(pytest.mark.xfail(strict=False, reason=KNOWN_CHAPTERS[path.stem]))
    assert agreement.chapter_problems(nb, verdict_record.load(rows), name=path.stem) == []
