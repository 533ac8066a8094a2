"""The answer in one minute, and true (issue 24, first part): rows carry whose claim they test and
what data they ran on; a claim is counted once (F10's stand-in rows are evidence under F10); the
first screen, the Verdicts page and the README answer from the record, every code beside its
short name; links out (the paper, its peers, the repository, the record to download); a path
for newcomers."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import nbformat
import pytest
from _rows import row
import yaml

from toponet import verdict_record
from toponet.book import pages, sphinx_ext
from toponet.book.build import tidy_executed, toc_files
from toponet.verdict_record import (CLAIM_ORDER, DATA_KINDS, GROUPS, SOURCES, answer, claims, read_record,
                              readme_results, split)

REPO = Path(__file__).resolve().parents[1]
RECORD = REPO / "results" / "verdicts.json"


@pytest.fixture(scope="module")
def record():
    return read_record(RECORD)


# --- source and data_kind ------------------------------------------------------------------------

def test_every_row_gets_its_source_from_one_table():
    expect = {"F2": "paper", "F2b": "paper", "F10-inception": "paper", "G5": "paper", "U3": "UMass",
              "L2": "Gabella", "NP1": "Carlsson 2008", "NP2": "Carlsson 2008"}
    for cid, source in expect.items():
        assert row(cid).source == source, cid
    assert {verdict_record.claim_source(c) for c in CLAIM_ORDER} == set(SOURCES)
    assert row("U3", source="paper").source == "paper"              # an explicit value wins
    assert row("F3", data_kind="none").data_kind == "none"
    with pytest.raises(ValueError, match="source must be one of"):
        row("F2", source="Stanford")
    with pytest.raises(ValueError, match="data_kind must be one of"):
        row("F2", data_kind="synthetic")


def test_the_written_record_carries_source_and_data_kind(tmp_path, record):
    path = tmp_path / "verdicts.json"
    verdict_record.write_record([row("F2"), row("NP1"), row("F10", "not tested", data="none: no weights"),
                           row("F10-x", "not reproduced", data="InceptionV3 (npm)", claim="stand-in, NOT VGG")], path)
    written = {r["claim_id"]: r for r in json.loads(path.read_text())}
    assert {k: (r["source"], r["data_kind"]) for k, r in written.items()} == {
        "F2": ("paper", "real"), "NP1": ("Carlsson 2008", "real"), "F10": ("paper", "none"),
        "F10-x": ("paper", "stand-in")}
    assert list(written["F2"])[-4:] == ["inputs", "source", "data_kind", "beyond_second_order"]   # after the ledger's field
    # the committed record, read (a record written before these fields derives them)
    assert all(v.source in SOURCES and v.data_kind in DATA_KINDS for v in record)
    kinds = {v.claim_id: v.data_kind for v in record}
    assert kinds["F2"] == kinds["F2c"] == "real" and kinds["F3"] == "stand-in" and kinds["F10"] == "none"
    assert kinds["F10-inception"] == kinds["F10-efficientnet"] == "stand-in"


# --- a claim is counted once ---------------------------------------------------------------------------

def test_the_split_sums_to_the_distinct_claims_and_f10s_stand_ins_are_evidence(record):
    distinct = {v.claim_id.split("-")[0] for v in record}
    parts = split(record)
    assert [g for g, _ in parts] == list(GROUPS)
    assert sum(len(cs) for _, cs in parts) == len(distinct) == len(claims(record))
    ids = [c.id for _, cs in parts for c in cs]
    assert sorted(ids) == sorted(distinct)                            # each claim in exactly one line
    f10 = next(c for c in claims(record) if c.id == "F10")
    assert f10.row.claim_id == "F10" and f10.verdict == "not tested"   # F10's own row decides it
    assert [e.claim_id for e in f10.evidence] == ["F10-efficientnet", "F10-inception"]
    by = {g.key: [c.id for c in cs] for g, cs in parts}
    assert "F10" in by["paper-none"] and {"F2", "F2c"} <= set(by["paper-real"])
    assert {"F3", "F8", "G2"} <= set(by["paper-stand-in"])
    assert set(by["peers"]) == {"U1", "U2", "U3", "L1", "L2"} and set(by["ground-truth"]) == {"NP1", "NP2"}
    assert verdict_record.tally(record).count("not reproduced") == 1
    n_not = sum(c.verdict == "not reproduced" for c in claims(record))
    assert f"{n_not} not reproduced" in verdict_record.tally(record)         # the stand-in rows are not counted


def test_every_group_of_source_and_data_kind_has_one_line():
    for source in SOURCES:
        for kind in DATA_KINDS:
            assert sum(g.sources.count(source) and kind in g.data_kinds for g in GROUPS) == 1, (source, kind)


def test_a_claim_with_only_evidence_rows_is_counted_once():
    cs = claims([row("F10-a", "partly"), row("F10-b", "not reproduced"), row("F2")])
    assert [(c.id, c.row.claim_id, [e.claim_id for e in c.evidence]) for c in cs] == [
        ("F2", "F2", []), ("F10", "F10-a", ["F10-b"])]


# --- the answer ------------------------------------------------------------------------------------------

def test_the_answer_is_read_from_the_record(record):
    text = answer(record)
    by = {g.key: cs for g, cs in split(record)}
    for c in by["paper-real"] + by["paper-none"] + by["ground-truth"]:
        assert f"{c.id} ({c.name})" in text
    assert f"{len(by['paper-stand-in'])} more of its claims ran, wholly or in part, on stand-ins for " \
           "CIFAR-10 and SVHN: they show what the method finds there, not whether the paper holds" in text
    assert f"{verdict_record._and([verdict_record.named(c) for c in by['paper-none']])} could not be tested here." in text
    # U3: UMass's negative result about F2; "not reproduced" is good news for the paper
    assert next(v for v in record if v.claim_id == "U3").verdict == "not reproduced"
    assert 'U3 "not reproduced" means UMass\'s negative result about the paper\'s F2 did not hold: ' \
           "good news for the paper." in text
    assert len(text) < 1000                                                # one short paragraph
    assert not re.search(r"\b(24|26) claims\b", text)


def test_the_u3_sentence_follows_u3s_verdict():
    base = [row("F2"), row("U3", "reproduced")]
    assert 'U3 "reproduced" means UMass\'s negative result about the paper\'s F2 holds: bad news' in answer(base)
    assert "neither confirmed nor refuted" in answer([row("F2"), row("U3", "inconclusive")])
    assert "U3" not in answer([row("F2")])


def test_numbers_in_the_answer_change_with_the_record():
    rows = [row("F2"), row("F3", "partly", data="stand-in: a stand-in for CIFAR-10 (crops)"),
            row("F4", "partly", data="stand-in: a stand-in for CIFAR-10 (crops)"), row("NP1", "inconclusive")]
    text = answer(rows)
    assert "On the paper's own kind of data (MNIST), F2 (MNIST layer 1: primary circle) is reproduced." in text
    assert "2 more of its claims ran, wholly or in part, on stand-ins for CIFAR-10: they show" in text
    assert "NP1 (natural patches: primary circle) is inconclusive" in text


# --- the first screen, the verdict page and the README -----------------------------------------------

def test_every_code_appears_with_its_name_on_the_first_screen_and_in_the_readme(record):
    box = pages.results_glance(record)
    block = readme_results(record)
    table = pages.verdict_table(record)
    for c in claims(record):
        assert c.name and c.name != c.id
        linked = f'<a class="claim-code" href="verdicts.html#claim-{c.id}">{c.id}</a> <span class="claim-name">'
        assert linked in box, c.id
        assert f'<a class="claim-code" href="#claim-{c.id}">{c.id}</a> <span class="claim-name">' in table, c.id
        assert f"**{c.id}** *{c.name}*" in block, c.id
        for e in c.evidence:
            assert f"{e.claim_id} *{verdict_record.short_name(e)}*: {e.verdict}" in block
    assert set(verdict_record.CLAIM_NAMES) >= {v.claim_id for v in record}


def test_the_readme_block_starts_with_the_answer_and_the_split(record):
    block = readme_results(record)
    lines = block.splitlines()
    assert lines[0] == verdict_record.README_START and lines[2] == f"**In one minute.** {answer(record)}"
    assert lines[4].startswith("| whose claim, what data | claims |")
    counts = [int(m) for m in re.findall(r"^\| [^|]+ \| (\d+) \|", block, re.M)]
    assert counts == [len(cs) for _, cs in split(record)]
    assert f"| **every claim, counted once** | **{len(claims(record))}** | {verdict_record.tally(record)} |" in block


def test_the_verdict_page_opens_with_the_tally_the_answer_and_the_split(record):
    table = pages.verdict_table(record, label=" (profile default)")
    assert table.index('<p class="verdict-tally">') < table.index('<p class="glance-answer">') \
        < table.index('<table class="glance-split">') < table.index('<table class="verdict-table">')


# --- downloads ----------------------------------------------------------------------------------------

def test_the_record_downloads_as_json_and_csv(tmp_path, record):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "verdicts.json").write_bytes(RECORD.read_bytes())
    json_path, csv_path = pages.write_downloads(tmp_path)
    assert json_path.read_bytes() == RECORD.read_bytes()
    table = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert [r["claim_id"] for r in table] == [v.claim_id for v in verdict_record.paper_order(record)]
    f2 = next(r for r in table if r["claim_id"] == "F2")
    v2 = next(v for v in record if v.claim_id == "F2")
    assert f2["source"] == "paper" and f2["data_kind"] == "real" and f2["verdict"] == v2.verdict
    assert float(f2["gaussian p"]) == v2.nulls["gaussian"]["p"] and int(f2["gaussian draws"]) == 99
    assert next(r for r in table if r["claim_id"] == "F10-inception")["counted_as"] == "F10"
    empty = pages.write_downloads(tmp_path / "none")
    assert empty[0].read_text() == "[]\n" and empty[1].read_text().startswith("claim_id,counted_as,")


def test_the_verdict_page_offers_the_downloads():
    text = (REPO / "book" / "verdicts.md").read_text()
    for name in ("verdicts.json", "verdicts.csv"):
        assert f"{{download}}`{name} <../{(pages.DOWNLOADS / name).as_posix()}>`" in text


def test_md_downloads_hold_what_the_page_includes(tmp_path):
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "t.md").write_text("<table>rows</table>\n")
    page = ("# V\n\n```{include} gen/t.md\n```\n\n:::{include} gen/t.md\n:::\n\n"
            "```{include} gen/missing.md\n```\n\n```{include} gen/t.md\n:start-after: x\n```\n")
    out = sphinx_ext.expand_includes(page, tmp_path)
    assert out.count("<table>rows</table>") == 2
    assert "```{include} gen/missing.md\n```" in out and ":start-after: x" in out   # left as they were


# --- links out ------------------------------------------------------------------------------------------

def test_the_sources_line_links_the_paper_and_its_peers():
    line = pages.sources_line(prefix="../")
    assert "[Gabrielsson & Carlsson](https://arxiv.org/abs/1810.03234)" in line
    assert "[Gabella et al.](https://arxiv.org/abs/1902.08160)" in line
    assert "the UMass report (no public address; {doc}`references <../references>`)" in line
    assert "{doc}`verdicts <../verdicts>`" in line
    refs = (REPO / "book" / "references.md").read_text()
    assert "arXiv:1810.03234" in refs


def test_every_chapter_gets_the_sources_line_once(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 5.0, "parameters": {"profile": "default"}}
    nb.cells = [nbformat.v4.new_markdown_cell("# MNIST: a title\n\nThe paper's first result."),
                nbformat.v4.new_markdown_cell("## A section")]
    path = tmp_path / "c.ipynb"
    nbformat.write(nb, path)
    tidy_executed(path)
    tidy_executed(path)
    out = nbformat.read(path, as_version=4)
    line = pages.sources_line(prefix="../")
    assert out.cells[0].source.count(line) == 1 and out.cells[0].source.endswith("first result.\n\n" + line)
    assert line not in out.cells[1].source


def test_the_run_it_yourself_box_takes_the_repository_from_the_config(tmp_path):
    assert pages.repository_url(REPO) == ((yaml.safe_load((REPO / "_config.yml").read_text()).get("repository")
                                           or {}).get("url") or None)
    (tmp_path / "_config.yml").write_text("repository:\n  url: https://github.com/someone/toponet\n")
    url = pages.repository_url(tmp_path)
    box = pages.run_it_yourself(url)
    assert "[the repository](https://github.com/someone/toponet)" in box
    assert "git clone https://github.com/someone/toponet\ncd toponet\n" in box
    (tmp_path / "_config.yml").write_text("repository:\n  url: ''\n")
    bare = pages.run_it_yourself(pages.repository_url(tmp_path))
    assert "does not name its repository" in bare and "](" not in bare
    makefile = (REPO / "Makefile").read_text()
    for command, _ in pages.RUN_COMMANDS:
        assert command in box and command in bare
        target = command.split()[1]
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert 'make chapter NAME=01_mnist PARAMS="-p k 100"' in box


def test_the_landing_page_includes_the_answer_the_links_and_the_box():
    intro = (REPO / "book" / "intro.md").read_text()
    order = [intro.index(f"```{{include}} ../{p.as_posix()}") for p in
             (pages.RESULTS_GLANCE, pages.SOURCES_LINE, pages.RUN_IT_YOURSELF)]
    assert order == sorted(order)
    assert intro.index("results_glance.md") < intro.index("\n## ")      # before any section: the first screen


# --- a path for newcomers ---------------------------------------------------------------------------

def test_the_table_of_contents_starts_with_the_primer_then_mnist():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    first = toc["parts"][0]
    assert first["caption"] == "Start here"
    assert [c["file"] for c in first["chapters"]] == ["book/primer", "book/chapters/01_mnist"]
    files = toc_files(REPO)
    assert len(files) == len(set(files))                                # every page exactly once


def test_the_teaching_guide_names_smoke_only_as_a_code_check():
    text = (REPO / "book" / "teaching.md").read_text()
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    smoke = [s for s in sentences if "`smoke`" in s]
    assert smoke and all("code check" in s for s in smoke), smoke
    assert "Use the `default` profile" in text
