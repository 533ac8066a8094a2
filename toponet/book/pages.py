"""The generated parts of the book's own pages: what ``book/*.md`` include from ``_build/generated/``.

The build (:func:`toponet.book.build.build_book`) calls :func:`write_generated` after the
chapters ran and before Jupyter Book renders, so every number on these pages is read from
this build or from the committed record ``results/verdicts.json``, never typed into prose:

* ``verdict_table.md`` (included by ``book/verdicts.md``): the tally, the answer in one
  paragraph and the split tally (:func:`answer_html`), then one compact row per claim in the
  paper's order (a claim's evidence rows, such as F10's stand-in networks, under it) (claim, paper, verdict and data as badges, a link to the
  chapter section), the numbers in a collapsible detail under each row (ours, scale, each
  null's p with its draws and effect size, power, false-positive rate), and each stand-in
  data set described once, in a legend;
* ``results_glance.md`` (``book/intro.md``): the committed record's answer in one paragraph and
  its split tally (the paper's claims on the paper's kind of data / on a stand-in / not
  testable here; the peers'; the ground truth), each code with its short name;
* ``sources.md`` and ``run_it_yourself.md`` (``book/intro.md``): links to the paper and its
  peers (:func:`sources_line`, which every chapter's title cell also gets), and the clone /
  ``make`` commands with the repository of ``_config.yml`` (:func:`run_it_yourself`);
* ``downloads/verdicts.json`` and ``downloads/verdicts.csv`` (``book/verdicts.md``, by the
  ``{download}`` role): the committed record as written and as CSV
  (:func:`toponet.verdict_record.record_csv`);
* ``chapter_times.md`` (``book/teaching.md``): the wall time papermill measured executing
  each chapter, with the profile it ran at;
* ``rerun_costs.md`` (``book/teaching.md``): what a rerun costs per chapter (:func:`rerun_costs`):
  the last ``default`` build's time (``results/chapter_times.json``), the training time per
  network and iteration the store recorded, and the stored null tests' recorded times;
* ``figure_example.md`` and ``build_scale.md`` (``book/intro.md``), ``profile_scales.md``
  (``book/rerun.md``): the example caption, what each profile trains and the registry's
  networks x iterations, read from the build profiles (:data:`toponet.book.profiles.PROFILES`)
  and the experiment registry (:mod:`toponet.experiments`), never typed into the pages
  (:func:`figure_example`, :func:`build_scale`, :func:`profile_scales`);
* ``primer/*.png`` (``book/primer.md``): :func:`toponet.book.primer.primer_figures`.

The HTML is plain (``<table>``, ``<details>``, links, ``<span class>`` badges styled by
``_static/toponet.css``), so it renders the same under Jupyter Book 1 and 2. Jargon links
to the glossary (``book/glossary.md``) by the anchors Sphinx gives its terms
(:func:`term_anchor`).
"""
from __future__ import annotations

import html
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from toponet import verdict_record
from toponet.book.notebook import cloud_label
from toponet.book.primer import primer_figures
from toponet.book.profiles import PROFILES, experiment_scale, get_profile
from toponet.book.rates import store_rates
from toponet.book.sources import CHAPTERS, discover_chapters, load_verdicts, toc_files
from toponet.book.sources import VERDICTS as ROWS_FOLDER   # the folder; VERDICTS below are the verdict words
from toponet.verdict_record import (CLAIM_SOURCES, DATA_KINDS, VERDICTS, Claim, Verdict, base_id, claims, count_verdicts,
                              data_parts, paper_order, short_name, split, split_top, without_details)

__all__ = ["GENERATED", "VERDICT_TABLE", "RESULTS_GLANCE", "SOURCES_LINE", "RUN_IT_YOURSELF", "DOWNLOADS",
           "CHAPTER_TIMES", "FIGURE_EXAMPLE", "BUILD_SCALE", "VERDICT_CLASS", "SUMMARY_CHARS", "LINKED_TERMS",
           "term_anchor", "glossary_link", "glossary_terms", "shorten_series", "summarize", "text_html", "ChapterPage",
           "chapter_page", "section_anchor", "claim_section", "chapter_link", "answer_html", "verdict_table",
           "key_number", "nulls_cell", "chapter_verdicts_html", "verdict_block_html", "results_glance", "sources_line",
           "repository_url", "RUN_COMMANDS", "run_it_yourself", "figure_example", "build_scale", "profile_scales",
           "prose_words", "time_sentence", "chapter_time", "chapter_times_table", "rerun_costs", "write_downloads",
           "write_generated"]

GENERATED = Path("_build") / "generated"
VERDICT_TABLE = GENERATED / "verdict_table.md"
RESULTS_GLANCE = GENERATED / "results_glance.md"
SOURCES_LINE = GENERATED / "sources.md"
RUN_IT_YOURSELF = GENERATED / "run_it_yourself.md"
DOWNLOADS = GENERATED / "downloads"
CHAPTER_TIMES = GENERATED / "chapter_times.md"
FIGURE_EXAMPLE = GENERATED / "figure_example.md"
BUILD_SCALE = GENERATED / "build_scale.md"
PROFILE_SCALES = GENERATED / "profile_scales.md"
PRIMER = GENERATED / "primer"
RECORD = Path("results") / "verdicts.json"

#: CSS class of each verdict's badge (``_static/toponet.css`` colours them).
VERDICT_CLASS = {v: "verdict-" + v.replace(" ", "-") for v in VERDICTS}
#: Series of more numbers than this are shortened in the compact view.
MAX_SERIES = 6
#: Characters of "ours" in a row's one-line summary.
SUMMARY_CHARS = 120


# --- glossary links -------------------------------------------------------------------------

#: Terms the generated pages link; each must be a term of ``book/glossary.md`` (tested).
LINKED_TERMS = ("top H1", "effect size", "rho(k, p)", "null", "p-value", "power", "false-positive rate",
                "Mapper", "barcode", "density filtration", "stand-in", "profile", "verdict")


def term_anchor(term: str) -> str:
    """The HTML id Sphinx gives ``term`` in a ``{glossary}`` ("top H1" -> "term-top-H1").

    Sphinx's ``make_id(prefix="term")``: ASCII only, runs of other characters become one
    hyphen, case kept.
    """
    text = unicodedata.normalize("NFKD", f"term-{term}").encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-zA-Z0-9._]+", "-", " ".join(text.split()))
    return re.sub(r"^[-0-9._]+|-+$", "", text)


def glossary_link(term: str, text: str | None = None, *, page: str = "glossary.html") -> str:
    """An HTML link to ``term`` on the glossary page (``page`` relative to the linking page)."""
    if term not in LINKED_TERMS:
        raise ValueError(f"{term!r} is not one of the linked glossary terms {LINKED_TERMS}")
    return (f'<a class="glossary-link" href="{page}#{term_anchor(term)}">'
            f"{html.escape(text if text is not None else term)}</a>")


def glossary_terms(path: str | os.PathLike) -> list[str]:
    """The terms a glossary page defines: the unindented lines inside its ``{glossary}`` block."""
    terms, inside = [], False
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if re.match(r"^(:{3,}|`{3,})\{glossary\}", line):
            inside = True
        elif inside and re.match(r"^(:{3,}|`{3,})\s*$", line):
            inside = False
        elif inside and line.strip() and not line[0].isspace() and not line.startswith(":"):
            terms.append(line.strip())
    return terms


# --- text of a row -------------------------------------------------------------------------

_NUMBER = r"-?\d[\d,.]*\d%?|-?\d%?"
_SERIES = re.compile(rf"(?<![\w.])(?:{_NUMBER})(?:, (?:{_NUMBER})){{{MAX_SERIES},}}(?![\w.])")


def shorten_series(text: str, keep: int = 3) -> str:
    """Every run of more than :data:`MAX_SERIES` comma-separated numbers as its first
    ``keep``, "...", the last one and the count: "200, 300, ..., 2000 (7 values)"."""
    def repl(m: re.Match) -> str:
        items = m.group(0).split(", ")
        return ", ".join(items[:keep]) + f", …, {items[-1]} ({len(items)} values)"
    return _SERIES.sub(repl, text)


def _clauses(text: str) -> list[str]:
    """``text`` split at ";" outside parentheses (:func:`toponet.verdict_record.split_top`)."""
    return [c.strip() for c in split_top(text, (";",))[::2] if c.strip()]


def summarize(ours: str, limit: int = SUMMARY_CHARS) -> str:
    """A one-line summary of a row's numbers: the first clause, long series shortened,
    cut at a word before ``limit`` characters (with "…")."""
    clauses = _clauses(shorten_series(ours))
    first = clauses[0] if clauses else ""
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0].rstrip(",;:( ") + " …"
    elif len(clauses) > 1:
        first += " …"
    return first


_TEX = {r"\rho": "ρ", r"\times": "×", r"\pm": "±", r"\to": "→", r"\alpha": "α", r"\theta": "θ",
        r"\ge": "≥", r"\le": "≤", r"\mathbb{R}": "ℝ"}


def text_html(text: str) -> str:
    """Row text as HTML: escaped, inline TeX (``$H_1$``) as plain HTML, "+-" as "±", "rho(" as "ρ(".

    Raw HTML is not typeset by MathJax, so math is rewritten rather than left as "$...$".
    """
    def math(m: re.Match) -> str:
        s = m.group(1)
        for tex, uni in _TEX.items():
            s = s.replace(tex, uni)
        s = re.sub(r"_\{([^}]*)\}|_(\w)", lambda g: f"<sub>{g.group(1) or g.group(2)}</sub>", s)
        s = re.sub(r"\^\{([^}]*)\}|\^(\w)", lambda g: f"<sup>{g.group(1) or g.group(2)}</sup>", s)
        s = re.sub(r"\\text\{([^}]*)\}", r"\1", s)
        return s.replace("\\", "").replace("{", "").replace("}", "")

    out = html.escape(str(text), quote=False)
    out = re.sub(r"\$([^$]+)\$", math, out)
    out = out.replace("+-", "±")
    return re.sub(r"\brho\(", "ρ(", out)


def _standin_notes(rows: Sequence[Verdict]) -> dict[str, int]:
    """Each distinct stand-in description of ``rows`` -> its note number (in row order)."""
    notes: dict[str, int] = {}
    for v in rows:
        for _, desc, standin in data_parts(v):
            if standin:
                notes.setdefault(desc, len(notes) + 1)
    return notes


def _data_html(v: Verdict, notes: dict[str, int]) -> str:
    """The detail's data line: real parts as text, each stand-in as a link to its note."""
    return "".join(text_html(lead) + (f'<a href="#data-{notes[desc]}">stand-in {notes[desc]}</a>' if standin
                                      else text_html(desc))
                   for lead, desc, standin in data_parts(v))


# --- chapters: titles and section anchors ----------------------------------------------------

@dataclass(frozen=True)
class ChapterPage:
    """One chapter as the verdict table links it.

    name : str, the source's stem ("01_mnist"); title : str, its H1 before any ":";
    headings : tuple of str, its section headings (H2 and H3) in order.
    """

    name: str
    title: str
    headings: tuple[str, ...] = ()

    @property
    def href(self) -> str:
        """The chapter page, relative to a page in ``book/``."""
        return f"chapters/{self.name}.html"


def chapter_page(source: str | os.PathLike) -> ChapterPage:
    """Title and headings of a Jupytext percent source ``notebooks/<name>.py`` (read only)."""
    source = Path(source)
    title, headings, in_markdown = source.stem, [], False
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            in_markdown = "[markdown]" in line
            continue
        m = re.match(r"^# (#{1,3}) (.+?)\s*$", line) if in_markdown else None
        if m and len(m.group(1)) == 1 and title == source.stem:
            title = re.sub(r"\s*\(.*\)$", "", m.group(2).split(":")[0].strip())   # "Learning graphs (Gabella et al.)"
        elif m and len(m.group(1)) > 1:
            headings.append(m.group(2))
    return ChapterPage(name=source.stem, title=title, headings=tuple(headings))


def section_anchor(heading: str) -> str:
    """The HTML id docutils gives a section titled ``heading`` (math ``$...$`` as its TeX)."""
    from docutils.nodes import make_id

    return make_id(heading.replace("$", ""))


#: Claims whose section is not named by the claim id or its figure number: a heading that
#: starts with these words. (A hint that no longer matches falls back to the generic rules.)
SECTION_HINTS = {"F2b": "Other architectures", "F2c": "The second layer", "U3": "Is the circle real",
                 "F10": "The VGG path", "F11": "The VGG path", "F10-inception": "InceptionV3",
                 "F10-efficientnet": "EfficientNet"}


def claim_section(claim_id: str, headings: Sequence[str]) -> str | None:
    """The heading of the section that tests ``claim_id``, or None.

    In order: :data:`SECTION_HINTS`; a heading starting with the claim id ("G1: ...",
    "G4 (Fig. 12): ..."); for "F<n>", a heading starting "Figure <n>"; the chapter's
    verdicts section.
    """
    hint = SECTION_HINTS.get(claim_id)
    if hint:
        for h in headings:
            if h.lower().startswith(hint.lower()):
                return h
    base = claim_id.split("-")[0]
    for h in headings:
        if re.match(rf"{re.escape(base)}(?![\w])", h):
            return h
    m = re.fullmatch(r"F(\d+)", base)
    if m:
        for h in headings:
            if re.match(rf"Fig(?:ure|\.)\s*{m.group(1)}(?!\d)", h):
                return h
    for h in headings:
        if "verdict" in h.lower():
            return h
    return None


def chapter_link(v: Verdict, page: ChapterPage | None) -> str:
    """The chapter cell: a link to the section that tests the row's claim, or the chapter's name."""
    if page is None:
        return html.escape(v.chapter)
    section = claim_section(v.claim_id, page.headings)
    href = page.href + (f"#{section_anchor(section)}" if section else "")
    tip = f"{page.title}: {section}" if section else page.title
    return (f'<a class="chapter-link" href="{href}" title="{html.escape(tip.replace("$", ""))}">'
            f"{html.escape(page.title)}</a>")


# --- the verdict page --------------------------------------------------------------------------

def counts(rows: Iterable[Verdict]) -> dict[str, int]:
    """Claims per verdict (each counted once, :func:`toponet.verdict_record.claims`), in the order of
    VERDICTS (zeros included)."""
    found = count_verdicts(claims(list(rows)))
    return {v: found.get(v, 0) for v in VERDICTS}


def badge(text: str, cls: str, title: str = "") -> str:
    tip = f' title="{html.escape(title)}"' if title else ""
    return f'<span class="badge {cls}"{tip}>{html.escape(text)}</span>'


def verdict_badge(verdict: str, text: str | None = None) -> str:
    return badge(text if text is not None else verdict, VERDICT_CLASS[verdict])


def tally_html(rows: Sequence[Verdict], *, label: str = "") -> str:
    """The tally as one paragraph of badges: "24 claims: 6 reproduced / 12 partly / ...", each
    claim counted once (a claim's evidence rows are not claims)."""
    parts = [verdict_badge(v, f"{n} {v}") for v, n in counts(rows).items() if n]
    lead = f"<strong>{len(claims(list(rows)))} claims</strong>{html.escape(label)}: " if rows else ""
    return f'<p class="verdict-tally">{lead}{" / ".join(parts)}</p>'


def _claim_html(c: Claim, href: str) -> str:
    """A claim's code (a link to its row) with its short name beside it, and its evidence rows."""
    def code(claim_id: str) -> str:
        return f'<a class="claim-code" href="{href}#claim-{html.escape(claim_id)}">{html.escape(claim_id)}</a>'

    out = f'<span class="glance-claim">{code(c.id)} <span class="claim-name">{html.escape(c.name)}</span>'
    if c.evidence:
        out += (' <span class="claim-evidence">(evidence under it, not counted: '
                + ", ".join(f"{code(e.claim_id)} {html.escape(short_name(e))}: {html.escape(e.verdict)}"
                            for e in c.evidence) + ")</span>")
    return out + "</span>"


def split_html(rows: Sequence[Verdict], *, href: str = "verdicts.html", total: bool = False) -> str:
    """The split tally (:func:`toponet.verdict_record.split`) as a table: per line, its count, then
    each verdict's badge with the claims it holds, every code beside its short name.
    ``href``: the verdict page, relative to the page showing the table ("" on that page);
    ``total``: a last line with every claim's verdict counted once."""
    body = []
    for g, cs in split(list(rows)):
        parts = [f'<span class="glance-verdict">{verdict_badge(v, f"{n} {v}")} '
                 + ", ".join(_claim_html(c, href) for c in cs if c.verdict == v) + "</span>"
                 for v, n in count_verdicts(cs).items()]
        body.append(f'<tr class="glance-{g.key}"><th scope="row">{html.escape(g.label)} '
                    f'<span class="glance-n">({len(cs)})</span></th><td>{" ".join(parts) or "none"}</td></tr>')
    if total:
        badges = " / ".join(verdict_badge(v, f"{n} {v}") for v, n in counts(rows).items() if n)
        body.append(f'<tr class="glance-total"><th scope="row">Every claim, counted once '
                    f'<span class="glance-n">({len(claims(list(rows)))})</span></th><td>{badges}</td></tr>')
    return f'<table class="glance-split"><tbody>{"".join(body)}</tbody></table>'


def answer_html(rows: Sequence[Verdict], *, lead: str = "In one minute.") -> str:
    """The answer in one paragraph (:func:`toponet.verdict_record.answer`) as HTML, after ``lead`` in bold."""
    strong = f"<strong>{html.escape(lead)}</strong> " if lead else ""
    return f'<p class="glance-answer">{strong}{text_html(verdict_record.answer(list(rows)))}</p>'


def _percent(x: float | None) -> str:
    return "not calibrated for this test" if x is None else f"{100 * x:.0f} %"


def _term(term: str, text: str | None = None, glossary: str | None = "glossary.html") -> str:
    """A glossary link to ``term`` on the page ``glossary`` (relative), or plain text without one."""
    return glossary_link(term, text, page=glossary) if glossary else html.escape(text if text is not None else term)


def _nulls_html(v: Verdict, glossary: str | None = "glossary.html") -> str:
    if not v.nulls:
        return "none: this claim is not tested against null clouds"
    items = []
    for kind, n in v.nulls.items():
        effect = n.get("effect_size")
        effect = "" if effect is None else f", {_term('effect size', glossary=glossary)} {effect:+.2f}"
        items.append(f"<li>{html.escape(kind)}: p = {n['p']:.2g} ({n['draws']} draws){effect}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _detail_html(v: Verdict, notes: dict[str, int], chapter: str | None, *, glossary: str | None = "glossary.html",
                 data: str | None = None) -> str:
    """A row's numbers as a definition list: ours, scale, data (``data``, else its stand-ins as
    links to the notes ``notes``), nulls, power, false-positive rate and ``chapter`` (left out
    when None); jargon links to the glossary page ``glossary`` (None: no links)."""
    scale = text_html(v.scale)
    sizes = []
    if v.networks is not None:
        sizes.append(f"{v.networks} networks")
    if v.iterations is not None:
        sizes.append(f"{v.iterations:,} iterations")
    if v.cloud_points is not None:
        sizes.append(f"{v.cloud_points:,} points in the tested cloud")
    if sizes:
        scale += " (" + ", ".join(sizes) + ")"
    data = _data_html(v, notes) if data is None else data
    clauses = _clauses(v.ours)
    ours = ("<ul>" + "".join(f"<li>{text_html(c)}</li>" for c in clauses) + "</ul>" if len(clauses) > 2
            else text_html(v.ours))
    facts = [("ours", ours), ("scale", scale), ("data", data),
             (_term("null", "nulls", glossary) + f" ({_term('p-value', glossary=glossary)})", _nulls_html(v, glossary)),
             (_term("power", glossary=glossary), _percent(v.power)),
             (_term("false-positive rate", glossary=glossary), _percent(v.false_positive_rate))]
    if chapter is not None:
        facts.append(("chapter", chapter))
    return '<dl class="verdict-facts">' + "".join(f"<dt>{k}</dt><dd>{d}</dd>" for k, d in facts) + "</dl>"


def verdict_table(rows: Sequence[Verdict], chapters: dict[str, ChapterPage] | None = None, *,
                  label: str = "") -> str:
    """The verdict page's generated part (Markdown with raw HTML blocks).

    Parameters
    ----------
    rows : sequence of Verdict, any order (rendered in :func:`toponet.verdict_record.paper_order`)
    chapters : dict, claim_id -> ChapterPage, optional; rows without one name their chapter unlinked
    label : str, appended to the tally's "N claims" (e.g. " in this build (profile default)")
    """
    if not rows:
        return "*No chapter has recorded a verdict in this build.*\n"
    chapters = chapters or {}
    rows = paper_order(list(rows))
    notes = _standin_notes(rows)
    head = "".join(f"<th>{h}</th>" for h in ("claim", "paper", glossary_link("verdict"), "data", "chapter"))
    body = []
    for v in rows:
        kind = v.data_kind
        row_notes = sorted({notes[d] for _, d, standin in data_parts(v) if standin})
        chapter = chapter_link(v, chapters.get(v.claim_id))
        data = badge(kind, f"data-{kind}", title=v.data)
        if row_notes:
            notes_text = ", ".join(map(str, row_notes))
            data = (f'<a href="#data-{row_notes[0]}" class="data-note" title="stand-in: data note {notes_text}">'
                    f'<span class="badge data-{kind}">{kind}<sup>{notes_text}</sup></span></a>')
        cid = html.escape(v.claim_id)
        under = (f' <span class="evidence-of">evidence under <a href="#claim-{html.escape(base_id(v.claim_id))}">'
                 f"{html.escape(base_id(v.claim_id))}</a>, not a claim of its own:</span>"
                 if base_id(v.claim_id) != v.claim_id else "")
        body.append(
            f'<tr class="verdict-row" id="claim-{cid}"><td class="claim"><strong>{cid}</strong>{under} {text_html(v.claim)}</td>'
            f'<td class="paper">{text_html(v.paper)}</td><td>{verdict_badge(v.verdict)}</td>'
            f"<td>{data}</td><td>{chapter}</td></tr>\n"
            f'<tr class="verdict-detail"><td colspan="5"><details><summary><span class="ours-label">ours:</span> '
            f"{text_html(summarize(v.ours))}</summary>{_detail_html(v, notes, chapter)}</details></td></tr>\n")
    legend = "".join(f'<li id="data-{n}">{text_html(text)}: '
                     + ", ".join(f'<a href="#claim-{html.escape(v.claim_id)}">{html.escape(v.claim_id)}</a>'
                                 for v in rows if any(s and d == text for _, d, s in data_parts(v)))
                     + "</li>" for text, n in notes.items())
    parts = [tally_html(rows, label=label), "", answer_html(rows), "", split_html(rows, href=""), "",
             f'<table class="verdict-table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{"".join(body)}</tbody>\n</table>',
             ""]
    if notes:
        parts += [f'<div class="data-legend"><p><strong>Stand-in data</strong> ({glossary_link("stand-in")}; '
                  "the paper's data could not be obtained where this book is built):</p>"
                  f"<ol>{legend}</ol></div>", ""]
    return "\n".join(parts)


# --- a chapter's verdicts: a compact table, the details collapsed ---------------------------------

#: Characters of a row's key number in a chapter's verdict table.
KEY_CHARS = 90


def key_number(v: Verdict, limit: int = KEY_CHARS) -> str:
    """The row's key number in a few words: the first clause of ``ours`` without its parenthesized
    details (:func:`toponet.verdict_record.without_details`), long series shortened, cut at a word."""
    clauses = _clauses(shorten_series(v.ours))
    first = without_details(clauses[0]) if clauses else ""
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0].rstrip(",;:( ") + " …"
    return first


def nulls_cell(v: Verdict) -> str:
    """The nulls' p-values with their draws, and the rule's power, in one short cell:
    "gaussian p = 0.01, shuffled p = 0.01 (99 draws each); power 100 %"; a row without null
    clouds says what it is instead (its "no null ..." clause)."""
    if v.nulls:
        def kind(k: str) -> str:   # a null's name without its trailing "(paired permutation test)"
            return re.sub(r"\s*\([^()]*\)$", "", k) or k

        draws = {n["draws"] for n in v.nulls.values()}
        sep = "; " if any("," in k for k in v.nulls) else ", "
        if len(draws) == 1:
            d = draws.pop()
            text = sep.join(f"{kind(k)} p = {n['p']:.2g}" for k, n in v.nulls.items())
            text += f" ({d} draws{' each' if len(v.nulls) > 1 else ''})"
        else:
            text = sep.join(f"{kind(k)} p = {n['p']:.2g} ({n['draws']} draws)" for k, n in v.nulls.items())
    else:
        said = next((c for c in _clauses(v.ours) if c.lower().startswith("no null")), "")
        text = said or "no null clouds"
    if v.power is not None:
        text += f"; power {100 * v.power:.0f} %"
    return text


def chapter_verdicts_html(rows: Sequence[Verdict], printed: str = "", *, verdicts_page: str | None = None,
                          glossary: str | None = None) -> str:
    """A chapter's verdicts as a compact table (claim with its short name, verdict, key number,
    nulls' p with draws and power) and, collapsed under it, how each was decided: the row's numbers
    (:func:`_detail_html`) and ``printed``, the text the chapter's verdict cell printed (the rules'
    reasons). ``verdicts_page``: the Verdicts page relative to the chapter, each code links its row
    there; ``glossary``: the glossary page (None: no links). Fits the text column (``table-layout:
    fixed``, ``_static/toponet.css``)."""
    rows = paper_order(list(rows))
    head = "".join(f"<th>{h}</th>" for h in ("claim", _term("verdict", glossary=glossary), "key number",
                                             _term("null", "nulls", glossary) + ": p (draws); "
                                             + _term("power", glossary=glossary)))
    body, details = [], []
    for v in rows:
        cid = html.escape(v.claim_id)
        code = f'<a href="{verdicts_page}#claim-{cid}">{cid}</a>' if verdicts_page else cid
        body.append(f'<tr><td class="claim"><strong>{code}</strong> {html.escape(short_name(v))}</td>'
                    f"<td>{verdict_badge(v.verdict)}</td><td>{text_html(key_number(v))}</td>"
                    f"<td>{text_html(nulls_cell(v))}</td></tr>")
        details.append(f'<p class="verdict-detail-head"><strong>{cid}</strong> {text_html(v.claim)}: '
                       f"{verdict_badge(v.verdict)}</p>"
                       + _detail_html(v, {}, None, glossary=glossary, data=text_html(v.data)))
    if printed.strip():
        details.append('<p class="verdict-detail-head">What the chapter\'s rules printed:</p>'
                       f'<pre class="verdict-reasons">{html.escape(printed.strip())}</pre>')
    return (f'<div class="chapter-verdicts"><table class="chapter-verdicts"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>'
            f'<details class="chapter-verdict-details"><summary>How {"this verdict was" if len(rows) == 1 else "these verdicts were"} '
            f"decided: the numbers, the scale, the data and the rules' reasons</summary>{''.join(details)}</details></div>")


def verdict_block_html(verdict: str, head: str, block: str) -> str:
    """A verdict block a chapter printed (``block``: a verdict and the rule's reasons, one per
    line), collapsed under its verdict; ``head``, what the cell printed before it, stays open."""
    lines = [line for line in block.strip().splitlines() if line.strip()]
    out = f'<pre class="toponet-printed">{html.escape(head.rstrip())}</pre>' if head.strip() else ""
    return (out + f'<details class="verdict-block"><summary>The rule says {verdict_badge(verdict)}: its reasons '
            f'({len(lines) - 1} line{"s" if len(lines) != 2 else ""})</summary>'
            f'<pre class="verdict-reasons">{html.escape(block.strip())}</pre></details>')


# --- the intro's results at a glance -------------------------------------------------------------

def results_glance(rows: Sequence[Verdict], *, source: str = str(RECORD)) -> str:
    """The intro's first screen (MyST Markdown) from the committed record's rows: the answer in
    one paragraph, then the split tally with every code beside its short name and a last line
    with every claim's verdict."""
    if not rows:
        return (":::{note}\nNo committed verdict record (`" + source + "`) in this checkout: the "
                "default build writes it.\n:::\n")
    rows = paper_order(list(rows))
    return "\n".join([
        ":::{admonition} The answer in one minute", ":class: tip", "",
        answer_html(rows, lead=""), "", split_html(rows, total=True), "",
        f"From the record of the `default` build (`{source}`), each claim counted once with a calibrated "
        "{term}`verdict`; a {term}`stand-in` replaces data that cannot be had where this book is built. "
        "Every row with its numbers, and the record to download: {doc}`verdicts`.", ":::", ""])


# --- links out: the papers, and running the book yourself ------------------------------------------

def sources_line(*, prefix: str = "", book_dir: str | os.PathLike | None = None) -> str:
    """One MyST line linking the paper and its peers (:data:`toponet.verdict_record.CLAIM_SOURCES`),
    with the references and the verdicts; ``prefix`` is the path from the page to ``book/``
    ("../" on a chapter page). With ``book_dir``, a page link is made only to a page that
    folder holds (a book without a References page gets no dangling link)."""
    def page(name: str) -> str | None:
        exists = book_dir is None or (Path(book_dir) / f"{name}.md").is_file()
        return f"{{doc}}`{name} <{prefix}{name}>`" if exists else None

    refs = page("references")

    def link(src) -> str:
        where = f"; {refs}" if refs else ""
        return f"[{src.short}]({src.url})" if src.url else f"{src.short} (no public address{where})"

    paper, *peers = [s for s in CLAIM_SOURCES if s.name != "Carlsson 2008"]
    verdict_page = page("verdicts")
    return (f"**Read alongside**: the paper, {link(paper)} · its peers, "
            + " and ".join(link(s) for s in peers)
            + (f" · every claim's verdict: {verdict_page}." if verdict_page else "."))


def repository_url(root: str | os.PathLike = ".") -> str | None:
    """``repository.url`` of ``<root>/_config.yml``, or None when it is empty or missing."""
    import yaml

    path = Path(root) / "_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    url = ((config or {}).get("repository") or {}).get("url") or ""
    return str(url).strip() or None


#: The commands of the "Run it yourself" box, with what each does (the README's two, and
#: one chapter with your own parameters).
RUN_COMMANDS = (
    ("make book", "creates .venv, installs, fetches MNIST, executes every chapter, builds _build/html"),
    ("make test", "runs the test suite"),
    ('make chapter NAME=01_mnist PARAMS="-p k 100"', "one chapter with your own parameters, into _build/runs/"),
)


def run_it_yourself(url: str | None) -> str:
    """The landing page's "Run it yourself" box (MyST Markdown): clone, then :data:`RUN_COMMANDS`.

    ``url``: the repository (``_config.yml``'s ``repository.url``); without one the box says
    that this build does not name it.
    """
    if url:
        folder = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "toponet"
        where = (f"The code, the committed artifacts and the sources of this book are in "
                 f"[the repository]({url}):")
        clone = [f"git clone {url}", f"cd {folder}"]
    else:
        where = ("This build does not name its repository (`repository.url` in `_config.yml` is empty): "
                 "clone it from wherever you got this book (REPOSITORY-URL below), then:")
        clone = ["git clone REPOSITORY-URL toponet", "cd toponet"]
    commands = [line for c, why in RUN_COMMANDS for line in (f"# {why}", c)]
    return "\n".join([":::{admonition} Run it yourself", ":class: seealso", where, "", "```bash",
                       *clone, *commands, "```", "",
                       "Python 3.11 or 3.12 and `make`; {doc}`rerun` says what each profile runs and how to "
                       "rerun a chapter with other parameters.", ":::", ""])


# --- scale: the profiles and the experiment registry, never typed into a page ----------------------

#: The chapter whose figure :func:`figure_example` names (its Fig. 2a), and its cloud's layer widths.
EXAMPLE_CHAPTER = "01_mnist"
EXAMPLE_WIDTHS = (64, 32, 64)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _scale(networks: int, iterations: int) -> str:
    return f"{networks:,} x {iterations:,}"


def figure_example(profile: str = "default") -> str:
    r"""The intro's "How to read a figure" paragraph (MyST), its example the cloud of Fig. 2a of
    the MNIST chapter at ``profile``: networks and iterations from the profile (and so from the
    experiment registry), :math:`k` rescaled from the paper's as the chapter does."""
    # deferred: toponet.analysis loads the homology backend (giotto-ph), which the book's CLI
    # (`--help`, `check`) need not load; only writing the generated pages reads it
    from toponet.analysis import PAPER_POINTS_FIG2, scaled_k

    values = get_profile(profile).parameters(EXAMPLE_CHAPTER)
    n, T, p = values["networks"], values["iterations"], values["p"]
    points = n * EXAMPLE_WIDTHS[0]
    k = scaled_k(values["k"], points, PAPER_POINTS_FIG2)
    label = cloud_label(networks=n, layer=1, iterations=T, widths=EXAMPLE_WIDTHS, k=k, p=p)
    rescaled = ("the paper's own $k$: this cloud has the paper's size" if points == PAPER_POINTS_FIG2 else
                f"rescaled from the paper's $k = {values['k']}$ for {PAPER_POINTS_FIG2:,} points to these "
                f"{points:,}")
    return (f"Every figure caption states the point cloud in the paper's notation. Fig. 2a of the MNIST chapter "
            f"at the `{profile}` profile, for example, is ${label}$: the density filtration keeping the densest "
            f"{100 * p:g} % of points by the distance to their {_ordinal(k)} neighbour ($k = {k}$, {rescaled}), of "
            f"the layer-1 spatial filters of {n:,} networks $M({', '.join(map(str, EXAMPLE_WIDTHS))})$ trained "
            f"{T:,} batch iterations. Under each figure, **What to see** says what to look for and what its "
            "numbers mean.\n")


def _chapter_title(name: str, root: Path) -> str:
    source = root / "notebooks" / f"{name}.py"
    return chapter_page(source).title if source.is_file() else name


def build_scale(root: str | os.PathLike = ".", *, profile: str = "default") -> str:
    """The intro's "What was run for this build" box (MyST): per chapter that trains networks of
    the registry, its networks x iterations at ``profile`` beside the paper's, read from
    the registry (:data:`toponet.chapters.registry.CHAPTER_SCALE`)."""
    # deferred: the registry imports torch (2.3 s measured), which the book's CLI need not load
    from toponet.chapters.registry import CHAPTER_SCALE, STUDIES

    rows = []
    for chapter in sorted(CHAPTER_SCALE):
        name = CHAPTER_SCALE[chapter]
        ours, paper = experiment_scale(chapter, profile), experiment_scale(chapter, "paper")
        if ours is None:
            continue
        if name in STUDIES:  # a study's numbers count seeds, runs, epochs or recordings: say which
            ours_text, paper_text = STUDIES[name].describe(profile), STUDIES[name].describe("paper")
        else:
            ours_text, paper_text = _scale(*ours), _scale(*paper) if paper else ""
        rows.append(f"| {{doc}}`{_chapter_title(chapter, Path(root))} <chapters/{chapter}>` | "
                    f"`{name}` | {ours_text} | {paper_text} |")
    return "\n".join([
        ":::{admonition} What was run for this build", ":class: important",
        f"Networks x training iterations of the main run of each chapter that trains, at the `{profile}` "
        "profile and at the `paper` profile, the papers' scale where they state it (the registry, "
        "`toponet.chapters.registry`, the one place these numbers are written; "
        "each chapter's other runs and every parameter are in {doc}`rerun`). This book is built by "
        "*profiles*: `smoke` proves the code path in minutes and is not evidence; `default` runs at a scale "
        "a CPU manages; `paper` is the paper's scale. Each caption names the profile, the networks and "
        "iterations, and the test accuracy reached, and the verdict table says which data every row used.", "",
        "| chapter | experiment | this build | the `paper` profile |", "|---|---|---|---|", *rows, ":::", ""])


def profile_scales() -> str:
    """The re-run page's tables (MyST): every build profile with its description, every
    experiment of the registry with its networks x iterations per profile, and every study
    (:data:`toponet.chapters.registry.STUDIES`) with its scale per profile in words."""
    # deferred: toponet.experiments and the registry import torch (2.3 s measured), which the book's CLI need not load
    from toponet.chapters.registry import STUDIES
    from toponet.experiments import EXPERIMENTS, SCALES

    head = ["| profile | what it is for |", "| --- | --- |",
            *(f"| `{p.name}` | {p.description} |" for p in PROFILES.values()), ""]
    exp = ["```{dropdown} Networks x iterations of every experiment, per profile (toponet.experiments)",
           "| experiment | " + " | ".join(f"`{s}`" for s in SCALES) + " |",
           "| --- | " + " | ".join("---" for _ in SCALES) + " |"]
    for e in EXPERIMENTS.values():
        exp.append(f"| `{e.name}` | "
                   + " | ".join(_scale(e.profiles[s].networks, e.profiles[s].iterations) for s in SCALES) + " |")
    exp += ["```", "",
            "```{dropdown} The peer papers' studies, per profile (toponet.chapters.registry)",
            "| study | what it reproduces | " + " | ".join(f"`{s}`" for s in SCALES) + " |",
            "| --- | --- | " + " | ".join("---" for _ in SCALES) + " |",
            *(f"| `{st.name}` | {st.paper_reference} | " + " | ".join(st.describe(s) for s in SCALES) + " |"
              for st in STUDIES.values()),
            "```", ""]
    return "\n".join(head + exp)


# --- the teaching guide's chapter times ----------------------------------------------------------

@dataclass(frozen=True)
class ChapterTime:
    """What papermill recorded executing one chapter (None: not executed in this checkout)."""

    name: str
    title: str
    seconds: float | None
    profile: str | None
    started: str | None
    words: int


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def prose_words(nb: dict) -> int:
    """Words of prose in a notebook (as a dict): its markdown cells and the captions chapters
    print as Markdown outputs."""
    prose = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            prose.append("".join(cell.get("source", "")))
        for output in cell.get("outputs", []):
            prose.append("".join((output.get("data") or {}).get("text/markdown", "")))
    return len(re.findall(r"[A-Za-z]{2,}", "\n".join(prose)))


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at :data:`READING_WPM` (at least 1)."""
    return max(1, round(words / READING_WPM))


def time_sentence(seconds: float | None, profile: str | None, words: int) -> str:
    """What a chapter's "How long" line says, from papermill's measure of this very run."""
    read = f"reading it takes about {reading_minutes(words)} min"
    if seconds is None:
        return f"{read}; the {{doc}}`teaching guide <../teaching>` lists how long each chapter executes"
    return (f"executing it took {_duration(seconds)} at profile `{profile}` in this build (measured by "
            f"papermill; the {{doc}}`teaching guide <../teaching>` lists every chapter); {read}")


def chapter_time(notebook: str | os.PathLike, page: ChapterPage) -> ChapterTime:
    """Wall time, profile and start papermill stored in an executed notebook, and its prose words."""
    path = Path(notebook)
    if not path.is_file():
        return ChapterTime(page.name, page.title, None, None, None, 0)
    nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("papermill", {})
    words = prose_words(nb)
    seconds = meta.get("duration")
    return ChapterTime(page.name, page.title, float(seconds) if seconds is not None else None,
                       (meta.get("parameters") or {}).get("profile"), meta.get("start_time"), words)


#: Reading speed for the "prose" column, words per minute.
READING_WPM = 150


def chapter_times_table(times: Sequence[ChapterTime]) -> str:
    """The teaching guide's table: per chapter, execution wall time, profile, date, reading time."""
    profiles = sorted({t.profile for t in times if t.profile})
    if not profiles:
        return "*No executed chapter in this checkout: build the book to measure the chapters.*\n"
    head = [f"Wall-clock time papermill measured executing each chapter in this build "
            f"(profile{'s' if len(profiles) > 1 else ''} {', '.join(f'`{p}`' for p in profiles)}), on the machine "
            "that built the book, including any training a chapter had to do (networks the artifact store "
            f"already held are loaded, not trained); reading time counts the chapter's prose and captions at "
            f"{READING_WPM} words a minute.", "",
            "| chapter | execution | profile | executed | reading |", "|---|---|---|---|---|"]
    rows = []
    for t in times:
        link = f"[{t.title}](chapters/{t.name}.ipynb)"
        if t.seconds is None:
            rows.append(f"| {link} | not executed | | | |")
            continue
        reading = f"{reading_minutes(t.words)} min"
        rows.append(f"| {link} | {_duration(t.seconds)} | `{t.profile}` | {(t.started or '')[:10]} | {reading} |")
    total = sum(t.seconds for t in times if t.seconds is not None)
    rows.append(f"| **all chapters** | **{_duration(total)}** | | | "
                f"**{sum(reading_minutes(t.words) for t in times if t.seconds is not None)} min** |")
    return "\n".join(head + rows) + "\n"


# --- the teaching guide: what a rerun costs on a class's laptops -----------------------------------

RERUN_COSTS = GENERATED / "rerun_costs.md"
#: The committed timing record of the ``default`` build (written by :func:`toponet.book.build.write_times`).
TIMES_RECORD = Path("results") / "chapter_times.json"


def _row_chapter(label: str, pages: dict[str, ChapterPage]) -> str | None:
    """The chapter a row's ``chapter`` label names: a source stem, a title, or a title whose words
    begin with the label's words in order ("CIFAR-10 gray" -> "CIFAR-10 in grayscale")."""
    if label in pages:
        return label
    for name, page in pages.items():
        if page.title.lower() == label.lower():
            return name
    words = label.lower().split()
    for name, page in pages.items():
        title, i = page.title.lower().split(), 0
        for w in title:
            if i < len(words) and w.startswith(words[i]):
                i += 1
        if words and i == len(words):
            return name
    return None


def null_test_seconds(rows: Sequence[Verdict], pages: dict[str, ChapterPage],
                      folder: str | os.PathLike) -> dict[str, tuple[int, float]]:
    """Chapter -> (stored null tests its rows read, the seconds computing them took), from each
    row's ``inputs["tests"]`` and each test's recorded wall times (per null kind, plus its bounds)."""
    names: dict[str, set] = {}
    for v in rows:
        chapter = _row_chapter(v.chapter, pages)
        if chapter:
            names.setdefault(chapter, set()).update(v.inputs.get("tests", {}))
    out = {}
    for chapter, tests in names.items():
        n, seconds = 0, 0.0
        for name in sorted(tests):
            try:
                doc = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            n += 1
            seconds += float(doc.get("bounds_wall_s") or 0) + sum(float(k.get("wall_s") or 0)
                                                                  for k in (doc.get("kinds") or {}).values())
        if n:
            out[chapter] = (n, seconds)
    return out


def _cost(seconds: float) -> str:
    """A duration for the cost table: two significant digits below 10 s (0.0044 s), else :func:`_duration`."""
    return f"{seconds:.2g} s" if seconds < 10 else _duration(seconds)


def _rate(rates: list[dict], kinds: Sequence[str]) -> tuple[float, str] | None:
    """Seconds per network-iteration (or run-epoch) pooled over the stored runs of ``kinds``."""
    found = [r for r in rates if r["kind"] in kinds and r["steps"]]
    return (sum(r["seconds"] for r in found) / sum(r["steps"] for r in found), found[0]["kind"]) if found else None


def _training_cells(chapter: str, rates: list[dict]) -> tuple[str, str]:
    """What training costs a chapter, from the store's recorded training times: (the rate, what
    doubling the ``default`` profile's networks adds); "" where nothing is trained."""
    # deferred: the registry imports torch (2.3 s measured), which the book's CLI need not load
    from toponet.chapters.registry import CHAPTER_SCALE, STUDIES, trained

    experiment = CHAPTER_SCALE.get(chapter)
    if experiment and experiment not in STUDIES:
        rate = _rate(rates, (experiment,))
        if rate is None:
            return f"no time stored (`{experiment}`)", ""
        n, T = experiment_scale(chapter, "default") or (None, None)
        double = f"{n:,} more x {T:,}: {_duration(rate[0] * n * T)}" if n and T else ""
        return f"{_cost(rate[0] * 1000)} per network and 1,000 iterations (`{experiment}`)", double
    # the studies the registry says the chapter loads, by configuration class (as the store records them)
    loads = trained(chapter, get_profile("default").parameters(chapter))
    kinds = tuple(dict.fromkeys(type(t.config).__name__ for t in loads if t.config is not None))
    if kinds:
        parts = []
        for kind in kinds:
            rate = _rate(rates, (kind,))
            if rate is not None:
                unit = "run and epoch" if kind in ("MemorizationConfig", "LearningConfig") else "network and iteration"
                parts.append(f"{_cost(rate[0])} per {unit} (`{kind}`)")
        return "; ".join(parts) if parts else "no time stored", ""
    return "nothing trained", ""


def rerun_costs(root: str | os.PathLike = ".", *, store=None) -> str:
    """The teaching guide's table (MyST): per chapter, how long a rerun at the ``default`` profile
    took (``results/chapter_times.json``, with the machine it ran on), what more networks or
    iterations cost (the store's recorded training times, :func:`toponet.book.rates.store_rates`),
    and what a new $k$ or $p$ costs (the stored null tests its rows read, recomputed for a new
    cloud: their recorded wall times). Every number is read from a record, none is typed.
    ``store``: the artifact store whose training times count (default the book's)."""
    # deferred: toponet.store takes 0.6 s to import (measured); only this table reads the store
    from toponet.store import Store

    root = Path(root)
    pages = {s.stem: chapter_page(s) for s in discover_chapters(root)}
    order = [Path(f).name for f in toc_files(root) if f.startswith("book/chapters/") and Path(f).name in pages]
    try:
        record = json.loads((root / TIMES_RECORD).read_text(encoding="utf-8")).get("chapters", {})
    except (OSError, ValueError):
        record = {}
    rows = verdict_record.read_record(root / RECORD) if (root / RECORD).is_file() else []
    tests = null_test_seconds(rows, pages, root / "results" / "calibration")
    rates = store_rates(Store() if store is None else store)
    lines = ["| chapter | a rerun at `default` | training | doubling the networks | a new $k$ or $p$ |",
             "|---|---|---|---|---|"]
    machines, loads = set(), []
    for name in order:
        t = record.get(name) or {}
        if t.get("seconds") is not None and t.get("profile") == "default":
            rerun = f"{_duration(float(t['seconds']))} ({t.get('finished', '')})"
            machines.add((t.get("cpus"), t.get("machine")))
            if t.get("load") is not None:
                loads.append(float(t["load"]))
        else:
            rerun = "not measured yet"
        if name in tests:
            n, sec = tests[name]
            nulls = f"{n} null test{'s' if n != 1 else ''}: {_cost(sec)}"
        else:
            nulls = "none stored"
        rate, double = _training_cells(name, rates)
        lines.append(f"| [{pages[name].title}](chapters/{name}.ipynb) | {rerun} | {rate} | {double} | {nulls} |")
    where = ", ".join(f"{c} CPU{'s' if c != 1 else ''} ({m})" for c, m in sorted(machines, key=str) if c)
    head = ("*A rerun at `default`*: how long each chapter took in the last `default` build "
            f"(`{TIMES_RECORD.as_posix()}`{', on ' + where if where else ''}), reading the networks and null "
            "tests the repository holds: what a student's rerun costs on a similar machine. A rerun with other "
            "parameters adds what the repository does not hold yet. *Training*: the time per network the stored "
            "runs took to train (more networks or iterations of the chapter's main experiment); *doubling the "
            "networks*: that time for as many more networks as the `default` profile trains. *A new $k$ or $p$* "
            "(or any other cloud): the chapter's null tests are computed again, and took this long the first "
            "time; calibrations at a new cloud size come on top (not timed).")
    if loads and max(loads) > min(c for c, _ in machines if c):
        head += (f" While they ran, the machine's load average reached {max(loads):g}, more than its CPUs: other "
                 "work slowed them, and a free machine of its size is faster.")
    if not machines:
        head += (" *No `default` build has recorded its times in this checkout yet: `make book` (the default "
                 "profile) writes them.*")
    return "\n".join([head, "", *lines, ""])


# --- writing them ---------------------------------------------------------------------------------

def _chapter_pages(root: Path) -> dict[str, ChapterPage]:
    return {s.stem: chapter_page(s) for s in discover_chapters(root)}


def _claim_chapters(root: Path, pages: dict[str, ChapterPage]) -> dict[str, ChapterPage]:
    """claim_id -> the chapter whose folder ``_build/verdicts/<name>/`` recorded it."""
    out = {}
    folder = root / ROWS_FOLDER
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        if sub.name in pages:
            out.update({v.claim_id: pages[sub.name] for v in verdict_record.load(sub)})
    return out


def _build_profiles(root: Path, names: Iterable[str]) -> list[str]:
    found = set()
    for name in names:
        path = root / CHAPTERS / f"{name}.ipynb"
        if path.is_file():
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("papermill", {})
            if (meta.get("parameters") or {}).get("profile"):
                found.add(meta["parameters"]["profile"])
    return sorted(found)


def write_downloads(root: str | os.PathLike = ".") -> list[Path]:
    """The committed record as the Verdicts page offers it: ``downloads/verdicts.json`` (the
    bytes of ``results/verdicts.json``; ``[]`` without one) and ``downloads/verdicts.csv``."""
    root = Path(root)
    folder = root / DOWNLOADS
    folder.mkdir(parents=True, exist_ok=True)
    record = root / RECORD
    data = record.read_bytes() if record.is_file() else b"[]\n"
    (folder / "verdicts.json").write_bytes(data)
    rows = verdict_record.read_record(record) if record.is_file() else []
    (folder / "verdicts.csv").write_text(verdict_record.record_csv(rows), encoding="utf-8")
    return [folder / "verdicts.json", folder / "verdicts.csv"]


def write_generated(root: str | os.PathLike = ".", *, figures: bool = True) -> list[Path]:
    """Write every generated page part under ``<root>/_build/generated/``; return the paths.

    Reads this build's verdict rows (:func:`toponet.book.build.load_verdicts`), the
    committed record ``results/verdicts.json`` (when present), the executed notebooks'
    papermill metadata and the chapter sources. ``figures=False`` skips the primer's
    figures (they take a few seconds).
    """
    root = Path(root)
    (root / GENERATED).mkdir(parents=True, exist_ok=True)
    pages = _chapter_pages(root)
    rows = load_verdicts(root)
    claim_pages = _claim_chapters(root, pages)
    profiles = _build_profiles(root, {p.name for p in claim_pages.values()})
    label = f" in this build (profile{'s' if len(profiles) > 1 else ''} {', '.join(profiles)})" if profiles else ""
    if "smoke" in profiles:
        label = label[:-1] + ": a smoke build's numbers are not evidence)"
    written = []

    path = root / VERDICT_TABLE
    path.write_text(verdict_table(rows, claim_pages, label=label), encoding="utf-8")
    written.append(path)

    record = root / RECORD
    path = root / RESULTS_GLANCE
    path.write_text(results_glance(verdict_record.read_record(record) if record.is_file() else []), encoding="utf-8")
    written.append(path)

    order = [Path(f).name for f in toc_files(root) if f.startswith(CHAPTERS.as_posix() + "/")]
    times = [chapter_time(root / CHAPTERS / f"{name}.ipynb", pages[name]) for name in order if name in pages]
    path = root / CHAPTER_TIMES
    path.write_text(chapter_times_table(times), encoding="utf-8")
    written.append(path)

    path = root / RERUN_COSTS
    path.write_text(rerun_costs(root), encoding="utf-8")
    written.append(path)

    path = root / SOURCES_LINE
    path.write_text(sources_line() + "\n", encoding="utf-8")
    written.append(path)

    path = root / RUN_IT_YOURSELF
    path.write_text(run_it_yourself(repository_url(root)), encoding="utf-8")
    written.append(path)

    written += write_downloads(root)

    # the profile the chapters of this build ran at (one, else the book's default): the intro's
    # example and "What was run" box describe this build, not another
    # deferred: the registry imports torch (2.3 s measured), which the book's CLI need not load
    from toponet.chapters.registry import CHAPTER_SCALE

    ran = _build_profiles(root, CHAPTER_SCALE)
    built = ran[0] if len(ran) == 1 and ran[0] in PROFILES else "default"
    for path, text in ((root / FIGURE_EXAMPLE, figure_example(built)), (root / BUILD_SCALE, build_scale(root, profile=built)),
                       (root / PROFILE_SCALES, profile_scales())):
        path.write_text(text, encoding="utf-8")
        written.append(path)

    if figures:
        written += list(primer_figures(root / PRIMER).values())
    return written
