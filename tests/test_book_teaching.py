"""Every chapter teaches: an opening box (learn / need / how long), 2-4 exercises with collapsed
solutions at the end, plumbing hidden by cell tags; the build shows what ran (issue 16)."""
from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from toponet.book.build import TIME_END, TIME_START, _parameter_source, tidy_executed

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
HIDDEN = {"hide-cell", "hide-input", "remove-input", "remove-cell"}
#: A statement that shows a caption: ``tb.caption(...)`` or any chapter's ``*caption(...)``.
CAPTION_CALL = re.compile(r"\s*[\w.]*caption\(")


def _tokens(nb) -> list[str]:
    """'E' for each exercise, 'S' for each collapsed solution, in the order of the notebook."""
    out = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown":
            marks = [(m.start(), "E") for m in re.finditer(r"\{admonition\}\s*Exercise", cell.source)]
            marks += [(m.start(), "S") for m in re.finditer(r"\{dropdown\}|:class:\s*dropdown", cell.source)]
            out += [t for _, t in sorted(marks)]
        elif cell.cell_type == "code" and out and tags & {"hide-cell", "hide-input"}:
            out.append("S")
    return out


def test_chapters_found():
    assert len(CHAPTERS) >= 8


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_exercises_with_solutions(source):
    tokens = _tokens(jupytext.read(source, fmt="py:percent"))
    exercises = tokens.count("E")
    assert 2 <= exercises <= 4, f"{source.name}: {exercises} exercises; a chapter ends with 2 to 4"
    text = "".join(tokens)
    unsolved = [i + 1 for i, part in enumerate(text.split("E")[1:]) if "S" not in part]
    assert not unsolved, (f"{source.name}: exercise(s) {unsolved} have no collapsed solution (a "
                          "{dropdown} or a hide-cell / hide-input code cell after it)")


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_opens_with_learn_need_how_long(source):
    nb = jupytext.read(source, fmt="py:percent")
    first = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    opening = "\n".join(c.source for c in nb.cells[:first] if c.cell_type == "markdown")
    for word in ("learn", "need", "how long"):
        assert word in opening.lower(), f"{source.name}: the opening (before the parameters) lacks '{word}'"


@pytest.mark.parametrize("source", [c for c in CHAPTERS if not c.stem.startswith("08")], ids=lambda p: p.stem)
def test_caption_and_verdict_cells_are_hidden(source):
    """A cell that builds a caption or records a verdict shows no code in the book."""
    nb = jupytext.read(source, fmt="py:percent")
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = [line for line in cell.source.splitlines() if line.strip() and not line.startswith("#")]
        if any(CAPTION_CALL.match(line) or re.match(r"\s*record\(", line) for line in lines):
            tags = set(cell.metadata.get("tags", []))
            assert tags & HIDDEN, f"{source.name}: visible plumbing cell:\n{cell.source[:200]}"


def test_parameter_source_shows_the_injected_values():
    src = 'profile = "smoke"  # the scale\nnetworks = 6  # cloud size\nseed = 0\n'
    out = _parameter_source(src, {"profile": "default", "networks": 15})
    assert out == "profile = 'default'  # the scale\nnetworks = 15  # cloud size\nseed = 0\n"


def test_tidy_executed(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 75.0, "parameters": {"profile": "default", "networks": 15}}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"* **How long**: {TIME_START}placeholder{TIME_END}; more."),
        nbformat.v4.new_code_cell('profile = "smoke"  # scale\nnetworks = 6', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('# Parameters\nprofile = "default"\nnetworks = 15\n',
                                  metadata={"tags": ["injected-parameters"]}),
    ]
    path = tmp_path / "c.ipynb"
    nbformat.write(nb, path)
    tidy_executed(path)
    out = nbformat.read(path, as_version=4)
    assert "remove-cell" in out.cells[2].metadata["tags"]
    assert out.cells[1].source == "profile = 'default'  # scale\nnetworks = 15"
    text = out.cells[0].source
    assert TIME_START not in text and "placeholder" not in text
    assert "75 s" in text and "`default`" in text and "; more." in text
