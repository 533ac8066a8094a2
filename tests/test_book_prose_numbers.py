"""No network or iteration count typed into the book's prose that the build does not define.

What is read: the book's prose pages (``book/*.md``) and the markdown cells of every chapter
source (``notebooks/*.py``, Jupytext percent format). What counts as a count:

* "N networks" (up to two words between: "16 variant networks"), "N iterations" (also "batch",
  "training" or "full-batch Adam" iterations), N written with digits, thousands commas or a K
  ("40K" = 40,000);
* "N x T" (or ``\\times``) where T is written with a K or is at least 100 and no unit follows
  ("filters", "points", "images", ...): networks x iterations, as in "100 x 40K" or "16 x 2000";
* the paper's cloud notation ``N \\times M^{l}_{T}`` (TeX).

Allowed for a chapter: the networks and iterations every build profile gives it
(:data:`toponet.book.profiles.PROFILES`), and the networks, iterations and snapshots of every
profile of the experiments it trains or reads (:mod:`toponet.experiments`, :data:`USES`): the
paper's own numbers are the ``paper`` profiles'. A prose page may use any chapter's. A count
outside these is a number typed by hand that no build runs: take it from the generated page
parts (``toponet.book.pages.write_generated``) or from the chapter's results instead.

Beside it: every chapter's ``parameters`` cell holds exactly the values of the profile it names
(what a reader running the notebook without papermill gets), and the intro's example caption and
the scale tables are generated from the profiles and the registry.
"""
from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

from toponet.book import pages
from toponet.book.profiles import PROFILES
from toponet.chapters.registry import CHAPTER_SCALE
from toponet.experiments import EXPERIMENTS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
PAGES = sorted((ROOT / "book").glob("*.md"))

#: chapter -> name prefixes of the experiments it trains or reads (beyond CHAPTER_SCALE').
USES = {"01_mnist": ("mnist",), "02_cifar_gray": ("cifar-gray",), "03_cifar_color": ("cifar-color",),
        "05_generalization": ("gen-", "svhn", "mnist"), "08_natural_patches": ("mnist",)}

_N = r"\d[\d,]*(?:\.\d+)?K?"
_UNITS = r"filters|points|pixels|images|patches|crops|cover|grid|digits|neurons|weights|cubes|entries|blocks"
PATTERNS = (
    ("networks", re.compile(rf"(?<![\w.,$^{{])(?<!x )(?<!× )({_N})\s+(?:[A-Za-z-]+\s+){{0,2}}?networks\b")),
    ("iterations", re.compile(rf"(?<![\w.,$^{{])({_N})\s+(?:batch\s+|training\s+|full-batch\s+\w+\s+)?"
                              r"iterations\b")),
    ("pair", re.compile(rf"(?<![\w.,])({_N})\s*(?:x|×|\\times)\s*({_N})(?![\w,]|\.\d)(?!\s*(?:{_UNITS}))")),
    ("pair", re.compile(rf"(?<![\w.,])({_N})\s*\\times\s*[A-Z]\^\{{?\d+\}}?_\{{({_N})\}}")),
)


def number(text: str) -> int:
    text = text.replace(",", "")
    return int(round(float(text[:-1]) * 1000)) if text.endswith("K") else int(round(float(text)))


def counts(text: str):
    """(kind, networks or None, iterations or None, the matched text) of every count in ``text``."""
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if kind == "networks":
                yield kind, number(m.group(1)), None, m.group(0)
            elif kind == "iterations":
                yield kind, None, number(m.group(1)), m.group(0)
            else:
                t = m.group(2)
                if t.endswith("K") or number(t) >= 100:
                    yield kind, number(m.group(1)), number(t), m.group(0)


def allowed(chapter: str | None) -> tuple[set[int], set[int]]:
    """(network counts, iteration counts) the build defines for ``chapter`` (None: any chapter)."""
    chapters = [chapter] if chapter else [p.stem for p in NOTEBOOKS]
    nets, its = {1}, set()   # one network is never a typed scale (the paper's 1 x C^2_50K)
    for ch in chapters:
        for prof in PROFILES.values():
            values = prof.parameters(ch)
            nets.add(values["networks"])
            its.add(values["iterations"])
        prefixes = USES.get(ch, ()) + ((CHAPTER_SCALE[ch],) if ch in CHAPTER_SCALE else ())
        for e in EXPERIMENTS.values():
            if chapter is None or e.name.startswith(prefixes):
                for prof in e.profiles.values():
                    nets.add(prof.networks)
                    its.update({prof.iterations, *prof.snapshots})
    return nets, its


def markdown(path: Path) -> list[str]:
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    return [c.source for c in jupytext.read(path).cells if c.cell_type == "markdown"]


def stray_counts(path: Path, chapter: str | None) -> list[str]:
    nets, its = allowed(chapter)
    bad = []
    for text in markdown(path):
        for kind, n, t, found in counts(text):
            if (n is not None and n not in nets) or (t is not None and t not in its):
                bad.append(f"{path.relative_to(ROOT)}: {found!r} ({kind})")
    return bad


def test_the_patterns_find_counts_and_skip_sizes():
    text = ("the paper's 100 x 40K networks; 16 networks trained 2,000 batch iterations; 3 networks per arm x "
            "500 iterations; the harder domain 4 x 1000; 60 x 2,048 filters; 82 x 48 x 3 = 11,808; 32x32 crops; "
            r"a $3 \times 3$ grid; $\rho(200, 0.3, 100 \times M^{1}_{40K}(64, 32, 64))$; 30 x 30 cover")
    found = sorted((k, n or 0, t or 0) for k, n, t, _ in counts(text))
    assert found == [("iterations", 0, 500), ("iterations", 0, 2000), ("networks", 3, 0), ("networks", 16, 0),
                     ("pair", 4, 1000), ("pair", 100, 40000), ("pair", 100, 40000)]


def test_a_count_no_profile_defines_is_caught():
    # the two drifts issue 24 found: rerun.md's "48 networks" and the intro's "16 networks ... 2,000"
    text = "When the example was first run (48 networks), and `default` trains 16 x 2000."
    assert [(n, t) for _, n, t, _ in counts(text)] == [(48, None), (16, 2000)]
    nets, its = allowed("01_mnist")
    assert 48 not in nets and 100 in nets and 2000 in its and 40000 in its


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_prose_counts_are_the_builds(path):
    bad = stray_counts(path, path.stem)
    assert not bad, "counts no profile or experiment of this chapter defines:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_prose_counts_are_the_builds(path):
    bad = stray_counts(path, None)
    assert not bad, "counts no profile or experiment defines:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_the_values_of_its_profile(path):
    cell = [c for c in jupytext.read(path).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cell) == 1, f"{path.name}: one cell tagged 'parameters'"
    namespace: dict = {}
    exec(cell[0].source, namespace)
    want = PROFILES[namespace["profile"]].parameters(path.stem)
    got = {name: namespace[name] for name in want}
    assert got == want, f"{path.name}: the parameters cell differs from profile {namespace['profile']!r}: " + ", ".join(
        f"{k} = {got[k]!r} (profile: {want[k]!r})" for k in want if got[k] != want[k])


def test_the_intro_takes_its_example_and_scale_from_the_profiles():
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    assert "_build/generated/figure_example.md" in intro and "_build/generated/build_scale.md" in intro
    assert "_build/generated/profile_scales.md" in (ROOT / "book" / "rerun.md").read_text(encoding="utf-8")
    values = PROFILES["default"].parameters("01_mnist")
    example = pages.figure_example("default")
    assert f"{values['networks']} \\times M^{{1}}_" in example and f"trained {values['iterations']:,} batch" in example
    scale = pages.build_scale(ROOT)
    mnist = EXPERIMENTS["mnist"].profiles
    assert f"| {mnist['default'].networks:,} x {mnist['default'].iterations:,} | " \
           f"{mnist['paper'].networks:,} x {mnist['paper'].iterations:,} |" in scale
    for e in EXPERIMENTS.values():
        assert f"| `{e.name}` |" in pages.profile_scales()
    # the peer papers' studies: their scale in words, from the registry
    from toponet.chapters.registry import STUDIES
    for st in STUDIES.values():
        assert f"| `{st.name}` | {st.paper_reference} | {st.describe('smoke')} |" in pages.profile_scales()
    assert f"| `u1-tori` | {STUDIES['u1-tori'].describe('default')} | {STUDIES['u1-tori'].describe('paper')} |" in scale


def test_the_intro_describes_the_profile_the_chapters_ran_at(tmp_path):
    import json

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_mnist.py").write_text("# %% [markdown]\n# # MNIST: things\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n- file: book/chapters/01_mnist\n")
    (tmp_path / "book" / "chapters").mkdir(parents=True)
    nb = {"cells": [], "metadata": {"papermill": {"duration": 1.0, "parameters": {"profile": "smoke"}}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "book" / "chapters" / "01_mnist.ipynb").write_text(json.dumps(nb))
    pages.write_generated(tmp_path, figures=False)
    smoke = PROFILES["smoke"].parameters("01_mnist")
    assert f"at the `smoke` profile, for example, is $\\rho" in (tmp_path / pages.FIGURE_EXAMPLE).read_text()
    assert f"| {smoke['networks']:,} x {smoke['iterations']:,} |" in (tmp_path / pages.BUILD_SCALE).read_text()
