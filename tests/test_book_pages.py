"""The generated parts of the prose pages (toponet.book.pages): verdict table, results at a
glance, chapter times, glossary links, primer figures; and the chapter-source download button."""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from _rows import row

from toponet.book import pages, sphinx_ext
from toponet import verdict_record
from toponet.verdict_record import CLAIM_ORDER, VERDICTS, base_id, claims, paper_order, read_record, tally

REPO = Path(__file__).resolve().parents[1]
GLOSSARY = REPO / "book" / "glossary.md"
RECORD = REPO / "results" / "verdicts.json"


@pytest.fixture(scope="module")
def record():
    return read_record(RECORD)


@pytest.fixture(scope="module")
def table(record):
    chapters = {s.stem: pages.chapter_page(s) for s in sorted((REPO / "notebooks").glob("*.py"))}
    by_label = {"MNIST": "01_mnist", "CIFAR-10 gray": "02_cifar_gray", "CIFAR-10 colour": "03_cifar_color",
                "UMass": "06_umass", "Learning graphs": "07_learning_graphs"}
    claim_pages = {v.claim_id: chapters[by_label.get(v.chapter, v.chapter)] for v in record}
    return pages.verdict_table(record, claim_pages, label=" (profile default)")


# --- the tally and the order ---------------------------------------------------------------------

def test_the_tally_counts_the_records_claims_once(record, table):
    tally_html = re.search(r'<p class="verdict-tally">.*?</p>', table).group(0)
    shown = {v: int(n) for n, v in re.findall(r">(\d+) ([a-z ]+)</span>", tally_html)}
    # one count per claim id before the first "-", by the claim's own row (F10, not F10-inception)
    own = {v.claim_id: v.verdict for v in record if v.claim_id == base_id(v.claim_id)}
    assert shown == dict(Counter(own.values())) and sum(shown.values()) == len(own)
    assert f"<strong>{len(own)} claims</strong> (profile default)" in tally_html
    # the same numbers as the README's tally, in the same order
    assert " / ".join(f"{n} {v}" for v, n in shown.items()) == tally(record)


def test_rows_come_in_the_papers_order_not_tested_last_evidence_under_its_claim(record, table):
    ids = re.findall(r'<tr class="verdict-row" id="claim-([^"]+)"', table)
    assert ids == [v.claim_id for v in paper_order(record)]
    decided = {v.claim_id: v.verdict for v in record}
    tested = [i for i in ids if decided.get(base_id(i), decided[i]) != "not tested"]
    assert ids[:len(tested)] == tested
    bases = [CLAIM_ORDER.index(base_id(i)) for i in tested]
    assert bases == sorted(bases)
    assert ids.index("F2b") < ids.index("F3") < ids.index("G1")  # not as text
    # F10's stand-in rows follow F10 (not tested, so last), marked as evidence under it
    f10 = ids.index("F10")
    assert ids[f10 + 1:f10 + 3] == ["F10-efficientnet", "F10-inception"]
    tr = re.search(r'id="claim-F10-inception">.*?</tr>', table).group(0)
    assert 'evidence under <a href="#claim-F10">F10</a>, not a claim of its own' in tr


def test_shuffled_rows_render_in_paper_order():
    rows = [row(i) for i in ("L1", "F10", "G2", "F2c", "F2", "U1", "F3", "F2b")]
    rows.append(row("F9", verdict="not tested", data="none: no data"))
    ids = re.findall(r'id="claim-([^"]+)"', pages.verdict_table(rows))
    assert ids == ["F2", "F2b", "F2c", "F3", "F10", "G2", "U1", "L1", "F9"]


# --- badges ------------------------------------------------------------------------------------------

def test_every_row_has_its_verdict_and_data_badge(record, table):
    css = (REPO / "_static" / "toponet.css").read_text()
    for v in record:
        tr = re.search(rf'<tr class="verdict-row" id="claim-{re.escape(v.claim_id)}">.*?</tr>', table).group(0)
        assert f'<span class="badge {pages.VERDICT_CLASS[v.verdict]}">{v.verdict}</span>' in tr
        assert f'class="badge data-{v.data_kind}"' in tr
    for cls in list(pages.VERDICT_CLASS.values()) + [f"data-{k}" for k in pages.DATA_KINDS]:
        assert f".badge.{cls} " in css, cls   # every badge is coloured


def test_data_kind_is_read_from_the_data_field_when_the_row_is_made():
    assert row("F2").data_kind == "real"
    assert row("F3", data="stand-in: natural-image stand-in for CIFAR-10 (crops)").data_kind == "stand-in"
    assert row("G4", data="MNIST (real); MNIST-M-style stand-in for SVHN (blend)").data_kind == "stand-in"
    assert row("F10", verdict="not tested", data="none: no VGG16 weights").data_kind == "none"
    assert row("F10-x", data="InceptionV3 (nsfwjs)", claim="stand-in, NOT VGG: ...").data_kind == "stand-in"
    assert not hasattr(pages, "data_kind")   # one place: toponet.verdict_record


def test_a_stand_in_is_described_once_in_the_legend(record, table):
    cifar = "natural-image stand-in for CIFAR-10 (10 classes"
    assert sum(cifar in v.data for v in record) >= 7
    assert table.count(cifar) == 1
    mnistm = "MNIST-M-style stand-in for SVHN (MNIST digits blended with scikit-image photo patches)"
    assert sum(mnistm in v.data for v in record) >= 4 and table.count(mnistm) == 1
    legend = re.search(r'<div class="data-legend">.*?</div>', table, re.S).group(0)
    n = int(re.search(r'<li id="data-(\d+)">' + re.escape(cifar), legend).group(1))
    for claim in ("F3", "F4", "F5", "F6", "F7", "F8", "F9"):
        tr = re.search(rf'id="claim-{claim}">.*?</tr>', table).group(0)
        assert f'href="#data-{n}"' in tr and f"stand-in<sup>{n}</sup>" in tr


def test_the_detail_holds_each_null_with_its_draws_power_and_false_positive_rate(record, table):
    f2 = next(v for v in record if v.claim_id == "F2")
    detail = re.search(r'id="claim-F2">.*?<tr class="verdict-detail">(.*?)</tr>', table, re.S).group(1)
    assert detail.startswith("<td colspan=\"5\"><details><summary>")
    for kind, null in f2.nulls.items():
        assert f"{kind}: p = {null['p']:.2g} ({null['draws']} draws)" in detail
    assert f"{100 * f2.power:.0f} %" in detail and f"{100 * f2.false_positive_rate:.0f} %" in detail
    assert "not calibrated for this test" in pages.verdict_table([row("G9")])


def test_long_series_are_summarized_in_the_compact_view(record, table):
    text = "layer 1: circle at 1 of 7 snapshots; tested 200, 300, 400, 500, 600, 1000, 2000"
    assert pages.shorten_series(text).endswith("tested 200, 300, 400, …, 2000 (7 values)")
    assert pages.shorten_series("top H1 bars 0.93, 0.16 on 3,072 filters") == "top H1 bars 0.93, 0.16 on 3,072 filters"
    for claim in ("F5", "F9", "G3"):
        summary = re.search(rf'id="claim-{claim}">.*?<summary>(.*?)</summary>', table, re.S).group(1)
        assert len(re.sub("<[^>]+>", "", summary)) < pages.SUMMARY_CHARS + 30, (claim, summary)
    assert pages.summarize("a (b; c); d") == "a (b; c) …"


def test_row_text_is_html_without_raw_tex():
    assert pages.text_html("top $H_1$ bar, 0.2 +- 0.1 on rho(5, 0.3) <x>") == \
        "top H<sub>1</sub> bar, 0.2 ± 0.1 on ρ(5, 0.3) &lt;x&gt;"


# --- chapter links -------------------------------------------------------------------------------------

def test_every_claim_links_to_the_section_that_tests_it(record):
    chapters = {s.stem: pages.chapter_page(s) for s in sorted((REPO / "notebooks").glob("*.py"))}
    expect = {"F2": ("01_mnist", "Figure 2"), "F2b": ("01_mnist", "Other architectures"),
              "F3": ("02_cifar_gray", "Figure 3"), "F9": ("03_cifar_color", "Figure 9"),
              "G1": ("05_generalization", "G1:"), "G4": ("05_generalization", "G4 (Fig. 12)"),
              "U2": ("06_umass", "U2:"), "L2": ("07_learning_graphs", "L2:"),
              "F10-inception": ("04_deep_networks", "InceptionV3"), "F11": ("04_deep_networks", "The VGG path")}
    for claim, (name, start) in expect.items():
        heading = pages.claim_section(claim, chapters[name].headings)
        assert heading is not None and heading.startswith(start), (claim, heading)
    assert pages.claim_section("Z1", ("Intro", "Side by side, and verdicts")) == "Side by side, and verdicts"
    assert pages.claim_section("Z1", ("Intro",)) is None


def test_section_anchors_are_the_ids_docutils_gives():
    assert pages.section_anchor("Does it survive other choices of $k$ and $p$?") == \
        "does-it-survive-other-choices-of-k-and-p"
    assert pages.section_anchor("G3: is the harder domain's circle stronger?") == \
        "g3-is-the-harder-domain-s-circle-stronger"
    page = pages.ChapterPage("01_mnist", "MNIST", ("Figure 2: Mapper and barcodes",))
    link = pages.chapter_link(row("F2"), page)
    assert 'href="chapters/01_mnist.html#figure-2-mapper-and-barcodes"' in link and ">MNIST</a>" in link


def test_chapter_titles_are_short():
    titles = {s.stem: pages.chapter_page(s).title for s in (REPO / "notebooks").glob("*.py")}
    assert titles["01_mnist"] == "MNIST" and titles["07_learning_graphs"] == "Learning graphs"


# --- the glossary ------------------------------------------------------------------------------------

def test_every_linked_term_is_defined_in_the_glossary():
    terms = pages.glossary_terms(GLOSSARY)
    assert len(terms) == len(set(terms))
    assert set(pages.LINKED_TERMS) <= set(terms)
    for term in ("top H1", "effect size", "rho(k, p)", "null", "power", "false-positive rate", "Mapper",
                 "barcode", "density filtration"):
        assert term in terms


def test_glossary_links_resolve(record, table):
    anchors = {pages.term_anchor(t) for t in pages.glossary_terms(GLOSSARY)}
    assert pages.term_anchor("top H1") == "term-top-H1" and pages.term_anchor("rho(k, p)") == "term-rho-k-p"
    linked = re.findall(r'href="glossary\.html#([^"]+)"', table)
    assert linked and set(linked) <= anchors
    with pytest.raises(ValueError, match="not one of the linked"):
        pages.glossary_link("homotopy")


def test_every_term_role_in_the_prose_names_a_glossary_term(record):
    terms = {t.lower() for t in pages.glossary_terms(GLOSSARY)}
    texts = {p.name: p.read_text() for p in (REPO / "book").glob("*.md")}
    texts["results_glance"] = pages.results_glance(record)
    used = {(name, t) for name, text in texts.items() for t in re.findall(r"\{term\}`([^`<]+)`", text)}
    assert used and {(n, t) for n, t in used if t.lower() not in terms} == set()


# --- the intro's results at a glance ------------------------------------------------------------------

def test_results_at_a_glance_answers_then_splits_the_claims(record):
    box = pages.results_glance(record)
    assert box.startswith(":::{admonition} The answer in one minute") and box.rstrip().endswith(":::")
    # the answer first, then the split, whose last line is every claim's verdict counted once
    assert box.index('<p class="glance-answer">') < box.index('<table class="glance-split">')
    split = re.search(r'<table class="glance-split">.*?</table>', box).group(0)
    lines = re.findall(r'<tr class="glance-([a-z-]+)"><th scope="row">(.*?)</th><td>(.*?)</td></tr>', split)
    assert [key for key, _, _ in lines] == [g.key for g in verdict_record.GROUPS] + ["total"]
    total = lines.pop()
    assert f'<span class="glance-n">({len(claims(record))})</span>' in total[1]
    assert re.findall(r">(\d+ [a-z ]+)</span>", total[2]) == tally(record).split(" / ")
    # every claim once, under its verdict's badge, its code linked with its short name beside it
    counted = 0
    for key, head, cell in lines:
        n = int(re.search(r'<span class="glance-n">\((\d+)\)</span>', head).group(1))
        for badge_n, verdict, body in re.findall(
                r'<span class="badge verdict-[a-z-]+">(\d+) ([a-z ]+)</span>(.*?)(?=<span class="glance-verdict">|$)',
                cell):
            codes = re.findall(r'<span class="glance-claim"><a class="claim-code" href="verdicts\.html#claim-([^"]+)">',
                               body)
            assert len(codes) == int(badge_n), (key, verdict, codes)
            for code in codes:
                assert next(c for c in claims(record) if c.id == code).verdict == verdict
        counted += n
    assert counted == len(claims(record))
    for c in claims(record):
        assert (f'<a class="claim-code" href="verdicts.html#claim-{c.id}">{c.id}</a> '
                f'<span class="claim-name">{html.escape(c.name)}</span>') in box
    assert "No committed verdict record" in pages.results_glance([])


# --- chapter times -------------------------------------------------------------------------------------

def _executed(path: Path, seconds: float | None, profile: str = "smoke") -> Path:
    meta = {"papermill": {"duration": seconds, "start_time": "2026-01-02T03:04:05",
                          "parameters": {"profile": profile}}} if seconds is not None else {}
    cells = [{"cell_type": "markdown", "source": ["# T\n", "word " * 300], "metadata": {}}]
    path.write_text(json.dumps({"metadata": meta, "cells": cells, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_chapter_times_come_from_papermills_record(tmp_path):
    page = pages.ChapterPage("01_x", "X")
    times = [pages.chapter_time(_executed(tmp_path / "a.ipynb", 75.2), page),
             pages.chapter_time(_executed(tmp_path / "b.ipynb", 610.0), pages.ChapterPage("02_y", "Y")),
             pages.chapter_time(tmp_path / "missing.ipynb", pages.ChapterPage("03_z", "Z"))]
    assert times[0].seconds == 75.2 and times[0].profile == "smoke" and times[0].words == 300
    md = pages.chapter_times_table(times)
    assert "(profile `smoke`)" in md
    assert "| [X](chapters/01_x.ipynb) | 75 s | `smoke` | 2026-01-02 | 2 min |" in md
    assert "| [Y](chapters/02_y.ipynb) | 10 min |" in md and "| [Z](chapters/03_z.ipynb) | not executed |" in md
    assert "**11 min**" in md
    assert "No executed chapter" in pages.chapter_times_table([times[2]])


# --- writing everything, and the primer's figures --------------------------------------------------------

def test_write_generated_reads_rows_record_and_notebooks(tmp_path):
    from toponet.verdict_record import record as record_row, write_record

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_a.py").write_text(
        "# %% [markdown]\n# # Chapter A: things\n#\n# ## Figure 2: the loop\n\n# %%\nx = 1\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n- file: book/chapters/01_a\n")
    (tmp_path / "book" / "chapters").mkdir(parents=True)
    _executed(tmp_path / "book" / "chapters" / "01_a.ipynb", 12.0, profile="default")
    record_row(row("F2"), tmp_path / "_build" / "verdicts" / "01_a")
    write_record([row("F2", verdict="partly")], tmp_path / "results" / "verdicts.json")
    written = pages.write_generated(tmp_path, figures=False)
    assert [p.relative_to(tmp_path / pages.GENERATED).as_posix() for p in written] == [
        "verdict_table.md", "results_glance.md", "chapter_times.md", "rerun_costs.md", "sources.md", "run_it_yourself.md",
        "downloads/verdicts.json", "downloads/verdicts.csv", "figure_example.md", "build_scale.md",
        "profile_scales.md"]
    table = (tmp_path / pages.VERDICT_TABLE).read_text()
    assert "in this build (profile default)" in table
    assert 'href="chapters/01_a.html#figure-2-the-loop"' in table and ">Chapter A</a>" in table
    assert "1 partly" in (tmp_path / pages.RESULTS_GLANCE).read_text()   # the record, not this build
    assert "| 12 s | `default` |" in (tmp_path / pages.CHAPTER_TIMES).read_text()


def test_primer_figures_are_drawn(tmp_path):
    from toponet.book.primer import primer_cloud, rips_scales
    from toponet.homology import persistence

    from toponet.book.primer import primer_figures

    out = primer_figures(tmp_path)
    assert sorted(out) == ["barcode", "cloud", "filtration", "mapper"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in out.values())
    small, middle, large = rips_scales(persistence(primer_cloud()[::8], n_landmarks=None, n_threads=1))
    assert small < middle < large


# --- the download menu ---------------------------------------------------------------------------------

def test_chapter_pages_get_their_jupytext_source_in_the_download_menu(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_a.py").write_text("x = 1\n")

    class App:
        srcdir = str(tmp_path)

    def context():
        return {"pathto": lambda uri, resource=0: "../../" + uri,
                "header_buttons": [{"label": "download-buttons", "buttons": [{"text": ".ipynb"}, {"text": ".pdf"}]}]}

    ctx = context()
    sphinx_ext._source_button(App, "book/chapters/01_a", "page.html", ctx, None)
    buttons = ctx["header_buttons"][0]["buttons"]
    assert [b["text"] for b in buttons] == [".ipynb", ".py", ".pdf"]
    assert buttons[1]["url"] == "../../notebooks/01_a.py"
    for page in ("book/verdicts", "book/chapters/99_missing"):
        ctx = context()
        sphinx_ext._source_button(App, page, "page.html", ctx, None)
        assert len(ctx["header_buttons"][0]["buttons"]) == 2


# --- a chapter's verdicts: a compact table (issue 24) -------------------------------------------------

def test_a_chapters_verdicts_are_one_line_each_with_the_details_collapsed(record):
    rows = [v for v in record if v.chapter == "CIFAR-10 colour"]
    out = pages.chapter_verdicts_html(rows, "F7\n  not reproduced\n  H1 bars beating both nulls: 0 surely",
                                      verdicts_page="../verdicts.html", glossary="../glossary.html")
    table, details = out.split("<details", 1)
    assert table.count("<tr>") == len(rows) + 1                      # a header, one line per claim
    for v in rows:
        assert f'href="../verdicts.html#claim-{v.claim_id}"' in table and html.escape(verdict_record.short_name(v)) in table
        assert html.escape(v.claim) in details                       # the long claim only in the details
    assert "(99 draws each)" in table and "power" in table
    assert "rule" not in table.split("</thead>")[1]                  # the rules' reasons only in the details
    assert '<pre class="verdict-reasons">F7\n  not reproduced' in details
    assert 'href="../glossary.html#term-power"' in out


def test_key_number_and_nulls_cell_are_short():
    v = row("F6", "partly", ours="all: top $H_1$ bar 0.31 on 300 points (gaussian p = 0.88 (99 draws), shuffled p = "
                                 "0.79 (99 draws)): no circle (rule: not reproduced, power 100%); R: ...",
            nulls={"gaussian": {"p": 0.88, "draws": 99}, "shuffled": {"p": 0.79, "draws": 99}}, power=1.0)
    assert pages.key_number(v) == "all: top $H_1$ bar 0.31 on 300 points: no circle"
    assert pages.nulls_cell(v) == "gaussian p = 0.88, shuffled p = 0.79 (99 draws each); power 100 %"
    g = row("G4", "partly", ours="MNIST: r = 0.80; no null clouds: a test over networks, not a Monte-Carlo null")
    assert pages.nulls_cell(g) == "no null clouds: a test over networks, not a Monte-Carlo null"
    mixed = row("L2", nulls={"time-shuffled": {"p": 0.01, "draws": 99}, "x": {"p": 0.2, "draws": 19}})
    assert pages.nulls_cell(mixed) == "time-shuffled p = 0.01 (99 draws), x p = 0.2 (19 draws)"
    named = row("G1", nulls={"(i) > (iii) (paired permutation test)": {"p": 0.12, "draws": 7},
                             "MNIST: r > 0, r < 1 (permutation test)": {"p": 0.03, "draws": 7}})
    assert pages.nulls_cell(named) == "(i) > (iii) p = 0.12; MNIST: r > 0, r < 1 p = 0.03 (7 draws each)"


def _verdict_cells(*cells):
    import nbformat

    nb = nbformat.v4.new_notebook()
    for src, printed in cells:
        cell = nbformat.v4.new_code_cell(src)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)] if printed else []
        nb.cells.append(cell)
    return nb


def test_the_build_turns_verdict_cells_into_tables_and_collapses_printed_rules():
    from toponet.book.build import PRESENTED, present_verdicts

    rows = [row("U1"), row("U2", "partly"), row("F9", "not reproduced")]
    nb = _verdict_cells(("print(c7.describe()); print(f7.verdict, *f7.reasons)",
                    "C(48,0,64): top bar 0.36\nnot reproduced\n  no bar beats the nulls\n  power 92%"),
                   ('record(Verdict("U1", ...))', ""),
                   ("print(v_u2, *why)", "partly\n  (A) no\n  (B) yes"),
                   ('record(Verdict("U2", ...))\nprint("U2 done")', "U2 done\n"),
                   ("x = 1", "plain output\n"))
    assert present_verdicts(nb, rows) == 2 and present_verdicts(nb, rows) == 0     # once
    kinds = [(c.source[:12], c.metadata.get(PRESENTED, False)) for c in nb.cells]
    assert [k[1] for k in kinds] == [False, False, True, False, False, True, False]
    first = nb.cells[0].outputs[0]["data"]["text/html"]
    assert first.startswith('<pre class="toponet-printed">C(48,0,64): top bar 0.36</pre><details class="verdict-block">')
    assert "not reproduced</span>: its reasons (2 lines)" in first
    u1 = nb.cells[2].outputs[0]["data"]["text/html"]
    assert "#claim-U1" not in u1 and ">U1</strong>" in u1 and "U2" not in u1     # no Verdicts page: no link
    u2 = nb.cells[5].outputs[0]["data"]["text/html"]
    assert ">U2</strong>" in u2 and ">F9</strong>" in u2                         # rows named by no cell: the last
    assert nb.cells[4].outputs == [] and "U2 done" in u2                          # its print moves into the details
    assert nb.cells[6].outputs[0]["text"] == "plain output\n"


# --- the teaching guide: what a rerun costs (issue 24) --------------------------------------------------

def test_a_default_build_records_each_chapters_time_and_machine(tmp_path):
    from toponet.book.build import ChapterRun, TIMES_RECORD, write_times

    def run(name, seconds):
        return ChapterRun(name, Path(f"{name}.py"), Path(f"{name}.ipynb"), {"profile": "default"}, seconds)

    write_times(tmp_path, [run("01_a", 75.24), run("02_b", 30.0)])
    write_times(tmp_path, [run("02_b", 12.0)])                      # one chapter again: the other stays
    doc = json.loads((tmp_path / TIMES_RECORD).read_text())["chapters"]
    assert doc["01_a"]["seconds"] == 75.2 and doc["02_b"]["seconds"] == 12.0
    assert doc["01_a"]["profile"] == "default" and doc["01_a"]["cpus"] >= 1 and doc["01_a"]["machine"]


def test_rerun_costs_read_every_number_from_a_record(tmp_path):
    from toponet.book.build import TIMES_RECORD
    from toponet.store import Store
    from toponet.verdict_record import write_record

    (tmp_path / "notebooks").mkdir()
    for name, title in (("01_mnist", "MNIST"), ("06_umass", "UMass"), ("00_ideal_filters", "Ideal filters")):
        (tmp_path / "notebooks" / f"{name}.py").write_text(f"# %% [markdown]\n# # {title}\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n- file: book/chapters/00_ideal_filters\n"
                                       "- file: book/chapters/01_mnist\n- file: book/chapters/06_umass\n")
    tests = tmp_path / "results" / "calibration" / "null-tests"
    tests.mkdir(parents=True)
    (tests / "t1.json").write_text(json.dumps({"bounds_wall_s": 1.0, "kinds": {"gaussian": {"wall_s": 60.0},
                                                                               "shuffled": {"wall_s": 59.0}}}))
    write_record([row("F2", chapter="MNIST", inputs={"tests": {"null-tests/t1.json": "x", "null-tests/gone.json": "y"}})],
                 tmp_path / "results" / "verdicts.json")
    (tmp_path / TIMES_RECORD).write_text(json.dumps({"chapters": {
        "01_mnist": {"seconds": 170.0, "profile": "default", "finished": "2026-12-07", "cpus": 2, "machine": "x86_64"},
        "06_umass": {"seconds": 40.0, "profile": "smoke", "finished": "2026-12-07", "cpus": 2, "machine": "x86_64"}}}))
    md = pages.rerun_costs(tmp_path, store=Store(tmp_path / "store"))
    lines = {line.split("](")[0].lstrip("| ["): line for line in md.splitlines() if line.startswith("| [")}
    assert list(lines) == ["Ideal filters", "MNIST", "UMass"]                       # the table of contents' order
    assert "| 3 min (2026-12-07) |" in lines["MNIST"] and lines["MNIST"].endswith("| 1 null test: 2 min |")
    assert "| no time stored (`mnist`) |" in lines["MNIST"]                         # an empty store
    assert "| not measured yet |" in lines["UMass"]                                 # a smoke time is not a default rerun
    assert "| nothing trained |  | none stored |" in lines["Ideal filters"]
    assert "on 2 CPUs (x86_64)" in md and "No `default` build" not in md and "load average" not in md
    (tmp_path / TIMES_RECORD).write_text(json.dumps({"chapters": {"01_mnist": {
        "seconds": 170.0, "profile": "default", "finished": "2026-12-07", "cpus": 2, "machine": "x86_64", "load": 6.4}}}))
    assert "load average reached 6.4, more than its CPUs" in pages.rerun_costs(tmp_path, store=Store(tmp_path / "store"))


def test_the_teaching_guide_types_no_time_and_names_smoke_only_as_a_code_check():
    text = (REPO / "book" / "teaching.md").read_text(encoding="utf-8")
    assert "_build/generated/rerun_costs.md" in text and "_build/generated/chapter_times.md" in text
    typed = re.findall(r"\b\d[\d,.]*\s*(?:s|sec|seconds?|min|minutes?|h|hours?)\b", text)
    assert typed == [], f"times typed into the teaching guide: {typed}"
    for sentence in re.split(r"(?<=[.;:])\s+", re.sub(r"\s+", " ", text)):
        if "smoke" in sentence:
            assert "code check" in sentence, f"smoke named as more than a code check: {sentence!r}"
