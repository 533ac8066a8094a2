"""Issue 14 item 1: a build of one chapter replaces that chapter's outputs and keeps the rest."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from toponet.book import build as build_mod
from toponet.book.build import build_book, chapter_outputs, clear_outputs, load_verdicts

PARAMS = ('# %% tags=["parameters"]\nprofile = "x"\nnetworks = 1\niterations = 1\nk = 1\np = 0.5\n'
          'resolution = 1\ngain = 2.0\nseed = 0\ndevice = "cpu"\n\n# %%\n')


def _book(root: Path, names) -> None:
    (root / "notebooks").mkdir(parents=True)
    (root / "_config.yml").write_text("title: t\n")
    (root / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n"
                                   + "".join(f"- file: book/chapters/{n}\n" for n in names))
    for n in names:
        (root / "notebooks" / f"{n}.py").write_text(PARAMS + "x = 1\n")


@pytest.fixture
def fake_execute(monkeypatch):
    """Executing a chapter copies its notebook and records the claims ``CLAIMS[name]``."""
    from toponet.verdict_record import Verdict, record

    claims = {"00_a": ["A1", "A2"], "01_b": ["B1"]}
    runs = []

    def execute(notebook, output, parameters, **kw):
        name = Path(notebook).stem
        runs.append(name)
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, output)
        for claim in claims[name]:
            record(Verdict(claim, "c", "p", f"run {len(runs)}", "s", "d", "reproduced", name),
                   os.environ["TOPONET_VERDICTS_DIR"])
        return 0.0

    monkeypatch.setattr(build_mod, "execute", execute)
    return claims, runs


def test_one_chapter_build_keeps_the_other_chapters_and_the_html(tmp_path, fake_execute):
    claims, runs = fake_execute
    _book(tmp_path, ["00_a", "01_b"])
    build_book("smoke", root=tmp_path, html=False)
    html = tmp_path / "_build" / "html" / "index.html"  # as a full build with HTML leaves it
    html.parent.mkdir(parents=True)
    html.write_text("<html>book</html>")
    b_outputs = [tmp_path / rel for rel in chapter_outputs("01_b")]
    assert all(p.exists() for p in b_outputs)

    claims["00_a"] = ["A1"]  # the chapter no longer records A2: its old row must go
    build_book("smoke", root=tmp_path, chapters=["00_a"], html=False)
    assert runs == ["00_a", "01_b", "00_a"]
    assert html.read_text() == "<html>book</html>"
    assert all(p.exists() for p in b_outputs)
    rows = {v.claim_id: v.ours for v in load_verdicts(tmp_path)}
    assert rows == {"A1": "run 3", "B1": "run 2"}
    table = (tmp_path / "_build" / "generated" / "verdict_table.md").read_text()
    assert 'id="claim-A1"' in table and 'id="claim-B1"' in table and 'id="claim-A2"' not in table


def test_a_full_build_still_clears_everything(tmp_path, fake_execute):
    _book(tmp_path, ["00_a", "01_b"])
    stale = tmp_path / "_build" / "html" / "index.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    build_book("smoke", root=tmp_path, html=False)
    assert not stale.exists()


def test_clear_outputs_of_one_chapter(tmp_path):
    for name in ("00_a", "01_b"):
        for rel in chapter_outputs(name):
            path = tmp_path / rel
            if rel.suffix:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x")
            else:
                path.mkdir(parents=True)
                (path / "R.json").write_text("{}")
    clear_outputs(tmp_path, ["00_a"])
    assert not any((tmp_path / rel).exists() for rel in chapter_outputs("00_a"))
    assert all((tmp_path / rel).exists() for rel in chapter_outputs("01_b"))


def test_rows_of_an_older_flat_layout_count_unless_a_chapter_has_them(tmp_path):
    from toponet.verdict_record import Verdict, record

    flat = tmp_path / "_build" / "verdicts"
    record(Verdict("A1", "c", "p", "old", "s", "d", "partly", "00_a"), flat)
    record(Verdict("Z9", "c", "p", "old", "s", "d", "partly", "99_z"), flat)
    record(Verdict("A1", "c", "p", "new", "s", "d", "partly", "00_a"), flat / "00_a")
    assert {v.claim_id: v.ours for v in load_verdicts(tmp_path)} == {"A1": "new", "Z9": "old"}
    assert json.loads((flat / "00_a" / "A1.json").read_text())["ours"] == "new"
