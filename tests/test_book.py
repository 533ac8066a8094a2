"""The book infrastructure: profiles, captions, the plotly renderer, offline checks, the build.

Fast tests use tiny books in tmp folders. The ``slow`` ones build the real smoke book and
open its chapters in headless Chromium (``pytest -m slow tests/test_book.py``); set
``TOPONET_BOOK_HTML=_build/html`` to check an existing build instead of building one.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import textwrap
from pathlib import Path

import pytest

from toponet.book import assets, offline, sphinx_ext
from toponet.book.build import (BuildError, ChapterFailed, build_book, check_parameters, check_toc, convert,
                                discover_chapters, toc_files)
from toponet.book.notebook import BUILD_ENV, RENDERER, Caption, caption, cloud_label, setup_notebook
from toponet.book.profiles import NOTHING_TRAINED, PARAMETERS, PROFILES, Profile, chapter_parameters, get_profile

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "notebooks" / "00_ideal_filters.py"


# --- profiles -------------------------------------------------------------------------------

def test_every_profile_gives_every_chapter_all_nine_parameters_and_its_own():
    for prof in PROFILES.values():
        for source in discover_chapters(REPO):
            values = prof.parameters(source.stem)
            assert tuple(values) == chapter_parameters(source.stem)
            assert tuple(values)[:len(PARAMETERS)] == PARAMETERS
            assert values["profile"] == prof.name


def test_a_chapters_own_parameters_need_a_value_in_the_profile():
    prof = Profile(name="t", k=5, p=0.5, resolution=4, gain=2.0,
                   chapters={"09_your_network": {"networks": 1, "iterations": 1}})
    with pytest.raises(ValueError, match=r"profile 't' gives chapter '09_your_network' no value for \['weights'"):
        prof.parameters("09_your_network")
    with pytest.raises(ValueError, match=r"unknown or fixed parameter\(s\) \['weights'\]"):
        Profile(name="t", k=5, p=0.5, resolution=4, gain=2.0, chapters={"01_mnist": {"weights": "x.pt"}})


def test_chapter_values_and_overrides_win_in_order():
    prof = Profile(name="t", k=5, p=0.5, resolution=4, gain=2.0,
                   chapters={"a": {"k": 3, "networks": 7, "iterations": 10}, "b": {"networks": 1, "iterations": 1}})
    a = prof.parameters("a", device="cuda", k=9)
    assert (a["networks"], a["k"], a["device"], a["iterations"]) == (7, 9, "cuda", 10)
    assert prof.parameters("b")["k"] == 5
    # a profile holds analysis parameters only: a chapter outside the registry that states no
    # size of its own trains nothing (1 x 1)
    assert (prof.parameters("c")["networks"], prof.parameters("c")["iterations"]) == NOTHING_TRAINED == (1, 1)


@pytest.mark.parametrize("chapters, fragment", [
    ({"a": {"kk": 3}}, "kk"),
    ({"a": {"profile": "x"}}, "profile"),
    ({"a": {"p": 1.5}}, "p must lie in (0, 1]"),
    ({"a": {"gain": 1}}, "gain must be a number > 1"),
])
def test_profile_rejects_bad_chapter_values(chapters, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Profile(name="t", k=5, p=0.5, resolution=4, gain=2.0, chapters=chapters)


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(ValueError, match="default.*smoke"):
        get_profile("paper-scale")


# --- captions -------------------------------------------------------------------------------

def test_cloud_label_writes_the_papers_notation():
    assert cloud_label(networks=16, layer=1, iterations=2000, widths=(64, 32, 64), k=200, p=0.3) == \
        r"\rho(200, 0.3, 16 \times M^{1}_{2K}(64, 32, 64))"
    assert cloud_label(networks=100, layer=2, iterations=40000, widths=(64, 32, 64)) == \
        r"100 \times M^{2}_{40K}(64, 32, 64)"
    assert r"C^{1}_{1.5K}(64, 0, 64)" in cloud_label(networks=60, layer=1, iterations=1500,
                                                      widths=(64, 0, 64), model="C")
    assert "_{300}" in cloud_label(networks=1, layer=1, iterations=300, widths=(64,))


def test_cloud_label_needs_both_k_and_p():
    with pytest.raises(ValueError, match="both k and p"):
        cloud_label(networks=1, layer=1, iterations=10, widths=(64,), k=10)


def test_caption_states_cloud_profile_and_accuracy_with_spread():
    c = caption("Mapper graph.", cloud=r"\rho(200, 0.3, X)", profile="smoke",
                accuracy=[0.98, 0.99, 1.00], paper_accuracy=0.99, figure="2")
    assert isinstance(c, Caption) and c._repr_markdown_() == c.text == str(c)
    assert c.text.startswith("**Figure 2.** Mapper graph.")
    assert r"$\rho(200, 0.3, X)$" in c.text and "Profile `smoke`" in c.text
    assert "Test accuracy 99.0 ± 1.0 % (n = 3) (paper: 99.0 %)." in c.text
    assert "Test accuracy 98.9 %." in caption("x", cloud="X", profile="p", accuracy=0.989).text
    assert "No trained network" in caption("x", cloud="X", profile="p").text


def test_caption_rejects_percentages_and_missing_parts():
    with pytest.raises(ValueError, match="fractions in"):
        caption("x", cloud="X", profile="p", accuracy=98.9)
    with pytest.raises(ValueError, match="cloud"):
        caption("x", cloud=" ", profile="p")
    with pytest.raises(ValueError, match="empty sequence"):
        caption("x", cloud="X", profile="p", accuracy=[])


# --- the plotly renderer ----------------------------------------------------------------------

@pytest.fixture
def plotly_default():
    import plotly.io as pio

    before = pio.renderers.default
    yield pio
    pio.renderers.default = before


def test_book_renderer_writes_a_div_without_plotly_js(plotly_default):
    import plotly.graph_objects as go

    assert setup_notebook(book=True) == RENDERER
    fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[2, 0, 1]))
    bundle = plotly_default.renderers[RENDERER].to_mimebundle(fig.to_dict())
    assert list(bundle) == ["text/html"]  # myst-nb warns on the plotly JSON mimetype
    html = bundle["text/html"]
    assert "Plotly.newPlot(" in html and not offline.PLOTLYJS_BANNER.search(html)
    assert "require(" not in html and "cdn.plot.ly" not in html
    assert len(html) < 20_000  # the library alone is ~4.5 MB


def test_setup_notebook_follows_the_build_environment(plotly_default, monkeypatch):
    plotly_default.renderers.default = "json"
    monkeypatch.delenv(BUILD_ENV, raising=False)
    assert setup_notebook() == "json"  # interactive Jupyter: plotly's own renderer
    monkeypatch.setenv(BUILD_ENV, "1")
    assert setup_notebook() == RENDERER


# --- offline checks ---------------------------------------------------------------------------

def _page(tmp_path, body: str, name: str = "p.html") -> offline.PageReport:
    path = tmp_path / name
    path.write_text(f"<html><head></head><body>{body}</body></html>")
    return offline.check_page(path, tmp_path)


@pytest.mark.parametrize("tag", [
    '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>',
    '<link rel="stylesheet" href="//fonts.googleapis.com/css">',
    '<link rel="preload" as="script" href="http://example.com/a.js">',
    '<img src="https://example.com/x.png">',
    '<iframe src="https://example.com/"></iframe>',
])
def test_resources_from_other_hosts_are_problems(tmp_path, tag):
    assert any("another host" in p for p in _page(tmp_path, tag).problems)


def test_hyperlinks_and_local_resources_are_fine(tmp_path):
    body = ('<a href="https://arxiv.org/abs/1810.03234">paper</a><script src="_static/x.js"></script>'
            '<link rel="stylesheet" href="_static/a.css"><link rel="canonical" href="https://x.org/">'
            '<img src="../_images/a.png">')
    assert _page(tmp_path, body).problems == ()


def test_inlined_plotly_and_missing_plotly_are_problems(tmp_path):
    inlined = _page(tmp_path, "<script>/**\n* plotly.js v2.35.2\n*/ !function(){}</script>")
    assert any("inline copy of plotly.js" in p for p in inlined.problems)
    figure = '<div id="f"></div><script>Plotly.newPlot("f", [], {})</script>'
    assert any("loads no plotly.min.js" in p for p in _page(tmp_path, figure).problems)
    ok = _page(tmp_path, '<script src="../_static/plotly.min.js?v=1"></script>' + figure)
    assert ok.problems == () and ok.plotly_figures == 1


def test_check_html_dir_reads_css_and_names_files(tmp_path):
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "a.css").write_text("@import url('https://fonts.example/x.css'); b{}")
    (tmp_path / "index.html").write_text("<html><body>hi</body></html>")
    pages, problems = offline.check_html_dir(tmp_path)
    assert [p.path.name for p in pages] == ["index.html"]
    assert problems == ["_static/a.css: a.css loads from another host: https://fonts.example/x.css"]
    with pytest.raises(FileNotFoundError, match="build the book first"):
        offline.check_html_dir(tmp_path / "missing")


# --- assets -------------------------------------------------------------------------------------

def test_sri_hash_matches_npm_format():
    # sha512 of the empty string, as `npm view` would print it
    assert assets.sri_hash(b"") == ("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdB"
                                    "eoGlODJ6+SfaPg==")


def _fake_package(tmp_path) -> tuple[assets.NpmPackage, Path]:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in [("package/dist/a.js", b"var a;"), ("package/dir/b.js", b"var b;"),
                           ("package/unused.js", b"var u;")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    pkg = assets.NpmPackage("fake", "1.0.0", assets.sri_hash(data), (("dist/a.js", "a.js"), ("dir", "sub/dir")))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / pkg.tarball_name).write_bytes(data)
    return pkg, cache


def test_prepare_static_assembles_and_reuses_the_folder(tmp_path, monkeypatch):
    pkg, cache = _fake_package(tmp_path)
    monkeypatch.setattr(assets, "PACKAGES", (pkg,))
    static = assets.prepare_static(cache)
    assert sorted(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file()) == \
        ["VERSIONS.json", "a.js", "plotly.min.js", "sub/dir/b.js"]
    import plotly

    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert (static / "plotly.min.js").read_bytes() == shipped.read_bytes()
    assert json.loads((static / "VERSIONS.json").read_text())["fake"] == "1.0.0"
    stamp = (static / "VERSIONS.json").stat().st_mtime_ns
    assert assets.prepare_static(cache) == static and (static / "VERSIONS.json").stat().st_mtime_ns == stamp


def test_a_tampered_tarball_is_refused_and_deleted(tmp_path):
    pkg, cache = _fake_package(tmp_path)
    (cache / pkg.tarball_name).write_bytes(b"not the pinned bytes")
    with pytest.raises(ValueError, match="integrity"):
        assets.fetch_package(pkg, cache)
    assert not (cache / pkg.tarball_name).exists()


def test_pinned_packages_name_the_files_the_pages_load():
    dests = {dst for pkg in assets.PACKAGES for _, dst in pkg.files}
    assert assets.REQUIRE_JS in dests and assets.MATHJAX_JS in dests
    assert all(pkg.integrity.startswith("sha512-") for pkg in assets.PACKAGES)


# --- the Sphinx extension -----------------------------------------------------------------------

class _App:
    def __init__(self):
        self.added = []

    def add_js_file(self, filename, **kwargs):
        self.added.append((filename, kwargs.get("priority")))


def test_plotly_pages_get_plotly_js_and_only_require_pages_get_require(tmp_path):
    app = _App()
    sphinx_ext._page_scripts(app, "a", "page.html", {"body": "<p>no figures</p>", "script_files": []}, None)
    assert app.added == []
    sphinx_ext._page_scripts(app, "a", "page.html", {"body": "Plotly.newPlot(", "script_files": []}, None)
    assert app.added == [("plotly.min.js", 400)]
    app.added.clear()
    sphinx_ext._page_scripts(app, "a", "page.html", {"body": 'require(["plotly"], f)', "script_files": []}, None)
    names = [f for f, _ in app.added]
    assert names[:2] == ["plotly.min.js", "require.js"] and names[2] is None
    assert app.added[1][1] > 800  # after every other head script (UMD modules would clash)


def test_identical_script_tags_are_dropped_in_place():
    from sphinx.builders.html._assets import _JavaScript

    files = [_JavaScript("", body="const A = 1"), _JavaScript("_static/x.js"), _JavaScript(None, body="const A = 1")]
    same = files
    sphinx_ext._dedupe_scripts({"script_files": files})
    assert same is files and len(files) == 2


# --- table of contents and chapter conversion -----------------------------------------------------

def _toc(root: Path, *files: str) -> None:
    entries = "".join(f"      - file: {f}\n" for f in files)
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: book/intro\nparts:\n  - caption: C\n"
                                   f"    chapters:\n{entries}")


def test_toc_must_list_exactly_the_chapter_sources(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for name in ("01_a", "02_b", "_helper"):
        (tmp_path / "notebooks" / f"{name}.py").write_text("")
    _toc(tmp_path, "book/chapters/01_a", "book/chapters/03_c.ipynb", "book/method")
    assert toc_files(tmp_path) == ["book/intro", "book/chapters/01_a", "book/chapters/03_c", "book/method"]
    with pytest.raises(ValueError) as err:
        check_toc(tmp_path, discover_chapters(tmp_path))
    assert "notebooks/02_b.py has no entry" in str(err.value) and "no notebooks/03_c.py" in str(err.value)
    assert "_helper" not in str(err.value)


def test_the_demo_chapter_converts_one_way_with_all_parameters(tmp_path):
    before = hashlib.sha256(DEMO.read_bytes()).hexdigest()
    out = convert(DEMO, tmp_path / "demo.ipynb")
    check_parameters(out)  # raises if one of the nine is missing
    nb = json.loads(out.read_text())
    assert "formats" not in nb["metadata"].get("jupytext", {})  # cannot pair back to the source
    assert hashlib.sha256(DEMO.read_bytes()).hexdigest() == before


def test_a_chapter_without_a_full_parameters_cell_is_refused(tmp_path):
    src = tmp_path / "c.py"
    src.write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        convert(src, tmp_path / "c.ipynb")
    src.write_text('# %% tags=["parameters"]\nprofile = "smoke"\nnetworks = 1\n')
    with pytest.raises(ValueError, match="'iterations'.*'device'"):
        check_parameters(convert(src, tmp_path / "c.ipynb"))


# --- executing chapters (starts a kernel: a few seconds each) -------------------------------------

PARAMS_CELL = "".join(f"{name} = {value!r}\n" for name, value in
                      [("profile", "x"), ("networks", 1), ("iterations", 1), ("k", 1), ("p", 0.5),
                       ("resolution", 1), ("gain", 2.0), ("seed", 0), ("device", "cpu")])


def _tiny_book(root: Path, chapter_body: str) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "_config.yml").write_text("title: t\n")
    _toc(root, "book/chapters/00_a")
    src = root / "notebooks" / "00_a.py"
    src.write_text(f'# %% tags=["parameters"]\n{PARAMS_CELL}\n# %%\n{chapter_body}\n')
    return src


def test_build_injects_the_profile_and_clears_stale_outputs(tmp_path):
    src = _tiny_book(tmp_path, textwrap.dedent("""\
        import json, os
        json.dump(dict(profile=profile, networks=networks, iterations=iterations, k=k, p=p,
                       resolution=resolution, gain=gain, seed=seed, device=device,
                       book=os.environ.get("TOPONET_BOOK_BUILD")), open("params.json", "w"))"""))
    stale = [tmp_path / "book" / "chapters" / "99_removed.ipynb", tmp_path / "_build" / "html" / "old.html"]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("stale")
    before = src.read_bytes()
    result = build_book("smoke", root=tmp_path, html=False)
    got = json.loads((tmp_path / "params.json").read_text())
    assert got.pop("book") == "1"
    assert got == PROFILES["smoke"].parameters("00_a")
    assert [r.name for r in result.chapters] == ["00_a"]
    executed = json.loads((tmp_path / "book" / "chapters" / "00_a.ipynb").read_text())
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in executed["cells"])
    assert not any(p.exists() for p in stale)
    assert src.read_bytes() == before  # papermill never writes into the text source
    assert (tmp_path / "_build" / "generated" / "verdict_table.md").exists()


def test_a_failing_chapter_fails_the_build_and_publishes_nothing(tmp_path):
    _tiny_book(tmp_path, 'raise RuntimeError("boom")')
    with pytest.raises(ChapterFailed, match="00_a: cell .* raised RuntimeError: boom"):
        build_book("smoke", root=tmp_path, html=False)
    assert not (tmp_path / "book" / "chapters" / "00_a.ipynb").exists()
    assert (tmp_path / "_build" / "papermill" / "executed" / "00_a.ipynb").exists()  # for the traceback


def test_cli_exit_codes(tmp_path, capsys):
    from toponet.book.cli import main

    _tiny_book(tmp_path, "1")
    assert main(["build", "--root", str(tmp_path), "--chapter", "00_a"]) == 2  # needs --no-html
    assert "add --no-html" in capsys.readouterr().err
    assert main(["build", "--root", str(tmp_path), "--chapter", "zz", "--no-html"]) == 2
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "a.html").write_text('<script src="https://x.org/a.js"></script>')
    assert main(["check", str(tmp_path / "html")]) == 1
    with pytest.raises(SystemExit):
        main(["build", "--profile", "no-such-profile"])


def test_toponet_book_subcommand_registers():
    import argparse

    from toponet.commands import book

    parser = argparse.ArgumentParser()
    book.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["book", "build", "--profile", "default", "--no-html"])
    assert args.profile == "default" and args.no_html and callable(args.func)


# --- slow: the real book in a browser ---------------------------------------------------------------

def _copy_book(dest: Path) -> Path:
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "book", dest / "book", ignore=shutil.ignore_patterns("chapters"))
    shutil.copytree(REPO / "notebooks", dest / "notebooks", ignore=shutil.ignore_patterns("*.ipynb"))
    if (REPO / "results").exists():   # the committed record: the intro's results at a glance
        shutil.copytree(REPO / "results", dest / "results")
    if (REPO / "_static").exists():
        shutil.copytree(REPO / "_static", dest / "_static")
    return dest


@pytest.fixture(scope="module")
def built_book(tmp_path_factory):
    """The smoke book's HTML: ``$TOPONET_BOOK_HTML`` if set, else built in a tmp copy of the repo."""
    if os.environ.get("TOPONET_BOOK_HTML"):
        return Path(os.environ["TOPONET_BOOK_HTML"]).resolve()
    os.environ.setdefault("TOPONET_BOOK_CACHE", str(assets.default_cache_dir(REPO)))  # reuse fetched assets
    root = _copy_book(tmp_path_factory.mktemp("book"))
    return build_book("smoke", root=root, quiet=True).html_dir


def _chromium_or_skip():
    from toponet.book.browser import find_chromium

    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI: apt-get install -y chromium")
        pytest.skip("no Chromium (apt-get install chromium)")


#: Set to "1" to fail on the chapters' reading problems too (wide tables, stderr boxes, PosixPath);
#: until the chapters are fixed they are reported as warnings and in _build/screenshots/reading_problems.txt.
STRICT_READING = os.environ.get("TOPONET_BOOK_STRICT_READING") == "1"


@pytest.mark.slow
def test_every_chapter_draws_its_figures_offline_in_chromium(built_book):
    import warnings

    from toponet.book.browser import render_page

    _chromium_or_skip()
    chapters = sorted((built_book / "book" / "chapters").glob("*.html"))
    assert chapters, "the build produced no chapter pages"
    reading = {}
    for page in chapters:
        shot = REPO / "_build" / "screenshots" / f"{page.stem}.png"
        report = render_page(built_book, page.relative_to(built_book).as_posix(), shot, width=1400)
        assert report.problems == [], (page.name, report.problems)
        # legible Mapper figures and printed output that wraps inside the column: always required
        assert report.mapper_problems == (), (page.name, report.mapper_problems)
        assert not [w for w in report.wide_elements if w.startswith("printed output")], (page.name, report.wide_elements)
        if report.reading_problems:
            reading[page.name] = report.reading_problems
        if page.stem[:2].isdigit():     # the numbered chapters draw interactive plotly figures;
            assert report.plotly_plots >= 1 and report.plotly_points > 0, page.name  # the Calibration page a static one
        assert report.images >= 1 and report.math >= 1, page.name
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    demo = render_page(built_book, "book/chapters/00_ideal_filters.html", REPO / "_build" / "screenshots" /
                       "00_ideal_filters.png")
    # Mapper graphs of the ideal circle and (giotto-tda) of the MNIST core; distances, 2 ideal barcodes, MNIST's
    assert demo.plotly_drawn == 2 and demo.images_loaded == 4
    summary = "\n".join(f"{name}:\n  " + "\n  ".join(problems) for name, problems in reading.items())
    (REPO / "_build" / "screenshots" / "reading_problems.txt").write_text(summary + "\n" if summary else "none\n")
    if reading:
        assert not STRICT_READING, summary
        warnings.warn(f"chapter pages hard to read (TOPONET_BOOK_STRICT_READING=1 fails on them):\n{summary}")


@pytest.mark.slow
def test_the_smoke_books_chapters_state_their_rows_verdicts(built_book):
    """Each executed chapter of the built book states its rows' verdicts, and never "cannot decide"
    beside a decided row (tests/test_verdict_agreement.py; its known disagreements left out)."""
    from test_verdict_agreement import KNOWN_CHAPTERS

    from toponet.book import agreement

    root = built_book.parent.parent                     # <root>/_build/html
    assert agreement.executed_chapters(root), "the build left no executed chapter with rows"
    problems = {c: p for c, p in agreement.book_problems(root).items() if c not in KNOWN_CHAPTERS}
    assert problems == {}


#: The book's own pages (not chapters), with what must be in their first screen.
PROSE_PAGES = {"book/intro.html": ("p.glance-answer", "tr.glance-paper-real"),
               "book/verdicts.html": ("p.verdict-tally", "p.glance-answer"), "book/teaching.html": (),
               "book/primer.html": (), "book/glossary.html": (), "search.html": ()}


@pytest.mark.slow
def test_prose_pages_render_offline_and_read_well_in_chromium(built_book):
    from toponet.book.browser import render_page

    _chromium_or_skip()
    shots = REPO / "_build" / "screenshots"
    reports = {}
    for page, first_screen in PROSE_PAGES.items():
        stem = Path(page).stem
        # 1400 x 900: a laptop's first screen, where the verdict page's tally must be
        report = render_page(built_book, page, shots / f"{stem}.png", width=1400, height=900,
                             first_screen=first_screen, first_screen_shot=shots / f"{stem}-first-screen.png")
        assert report.problems == [], (page, report.problems)
        assert report.reading_problems == [], (page, report.reading_problems)
        assert report.plotly_plots == 0
        reports[page] = report
    primer = reports["book/primer.html"]
    assert primer.images == primer.images_loaded == 4   # cloud, filtration, barcode, Mapper


@pytest.mark.slow
def test_links_of_the_generated_pages_resolve(built_book):
    """Glossary terms, chapter sections and claim anchors linked from raw HTML exist in the built pages."""
    import re
    from urllib.parse import urljoin, urlparse

    ids = {}

    def page_ids(path: Path) -> set:
        if path not in ids:
            ids[path] = set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))
        return ids[path]

    checked = 0
    for page in ("book/intro.html", "book/verdicts.html", "book/teaching.html", "book/primer.html"):
        text = (built_book / page).read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#:]*\.html#[^"]+)"', text) + re.findall(r'href="(#[^"]+)"', text):
            url = urlparse(urljoin("http://book/" + page, href))
            target = built_book / url.path.lstrip("/")
            assert target.is_file(), (page, href)
            assert url.fragment in page_ids(target), (page, href)
            checked += 1
    assert checked > 50
    source = (built_book / "book" / "chapters" / "01_mnist.html").read_text(encoding="utf-8")
    assert 'href="../../notebooks/01_mnist.py"' in source and "_sources/book/chapters/01_mnist.ipynb" in source
    assert (built_book / "notebooks" / "01_mnist.py").read_bytes() == (REPO / "notebooks" / "01_mnist.py").read_bytes()


@pytest.mark.slow
def test_the_browser_check_sees_pages_that_read_badly(tmp_path):
    import re

    from toponet.book.browser import render_page

    _chromium_or_skip()
    (tmp_path / "bad.html").write_text(
        '<html><body style="margin:0"><article class="bd-article" style="width:600px">'
        '<h2>Numbers</h2><table><tr><td style="min-width:900px">wide</td></tr></table>'
        '<div class="cell_output"><div class="output stderr"><pre>100%|#####| 10/10</pre></div></div>'
        "<p>saved to PosixPath('/tmp/x.json')</p><img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" width=700>"
        '<h2>Printed</h2><div class="cell_output"><div class="output stream"><pre style="overflow-x:auto">'
        + "top bars 0.36, 0.30 " * 20 + "nulls: ga</pre></div></div>"
        '<div class="cell_output"><div class="output stream"><pre style="white-space:pre-wrap">'
        + "wraps fine " * 80 + "</pre></div></div>"
        '<details><summary>details</summary><table><tr><td style="min-width:800px">hidden wide</td></tr></table></details>'
        '<div style="height:2000px"></div><p class="verdict-tally">24 claims</p></article></body></html>')
    report = render_page(tmp_path, "bad.html", tmp_path / "bad.png", width=1400, height=900, timeout=20,
                         settle=0.5, first_screen=("p.verdict-tally", "p.missing"))
    problems = " | ".join(report.reading_problems)
    assert report.column_width == 600
    assert re.search(r'table 9\d\d px wide in a 600 px column \(under "Numbers"\)', problems), problems
    assert "img 700 px wide" in problems
    assert re.search(r'printed output \d+ px wide in a 600 px column \(under "Printed"\): top bars', problems), problems
    assert problems.count("printed output") == 1                         # the wrapping one is fine
    assert re.search(r'table 8\d\d px wide in a 600 px column \(under "Printed"\)', problems), problems
    assert "visible PosixPath: ...saved to PosixPath('/tmp/x.json')..." in problems
    assert 'stderr output box under "Numbers": 100%|#####| 10/10' in problems
    assert "not in the first screen: p.verdict-tally" in problems and "p.missing" in problems


@pytest.mark.slow
def test_the_browser_check_sees_illegible_mapper_figures(tmp_path):
    """Overlapping filter thumbnails and a cut colour bar are reported; toponet's figure has neither."""
    import plotly.graph_objects as go

    from toponet import plots
    from toponet.book.browser import render_page
    from toponet.ideal import primary_circle_sample
    from toponet.mapper import Mapper

    _chromium_or_skip()
    plotly_js = assets.default_cache_dir(REPO) / "static" / "plotly.min.js"
    if not plotly_js.is_file():
        pytest.skip(f"no {plotly_js}: python -m toponet.book assets")
    shutil.copy2(plotly_js, tmp_path / "plotly.min.js")
    good = plots.mapper_figure(Mapper(30, 3).fit(primary_circle_sample(2000, noise=0.1, seed=2)), title="good")
    # the old figure: thumbnails on every node, wider than the column, its colour bar scrolled out of sight
    bad = go.Figure([go.Scatter(x=[0, 0.1, 2], y=[0, 0, 5], mode="markers", name="nodes",
                                marker=dict(color=[1, 2, 3], colorbar=dict(title="points<br>per node", tickvals=[]))),
                     go.Scatter(x=[0, 0.1, 2], y=[0, 0, 5], mode="markers", name="thumbnail frames",
                                marker=dict(symbol="square", size=60))])
    bad.update_layout(width=900, height=400)
    body = "".join(f'<div style="overflow-x:auto">{f.to_html(include_plotlyjs=False, full_html=False)}</div>'
                   for f in (good, bad))
    (tmp_path / "m.html").write_text('<html><head><script src="plotly.min.js"></script></head><body>'
                                     f'<article class="bd-article" style="width:760px"><h2>Mapper</h2>{body}'
                                     "</article></body></html>")
    report = render_page(tmp_path, "m.html", tmp_path / "m.png", width=1000, height=900, timeout=30, settle=1)
    assert report.plotly_drawn == 2
    problems = report.mapper_problems
    assert len(problems) == 3, problems            # all about the bad figure
    assert "1 pair(s) of the 3 filter thumbnails overlap" in problems[0]
    assert "colour bar text cut at the figure's edge" in problems[1] and "colour bar without tick labels" in problems[2]


@pytest.mark.slow
def test_the_browser_check_sees_blank_figures_and_network_use(tmp_path):
    from toponet.book.browser import render_page

    _chromium_or_skip()
    (tmp_path / "bad.html").write_text(
        '<html><body><div class="js-plotly-plot"></div><article><img src="missing.png"></article>'
        '<script>require(["plotly"], function (P) {});</script>'
        '<script src="https://example.invalid/x.js"></script></body></html>')
    report = render_page(tmp_path, "bad.html", tmp_path / "bad.png", timeout=20, settle=1)
    problems = " | ".join(report.problems)
    assert "require is not defined" in problems
    assert "https://example.invalid/x.js" in problems
    assert "1 of 1 plotly figures not drawn" in problems and "1 of 1 images not loaded" in problems


@pytest.mark.slow
def test_a_chapter_using_plotlys_own_renderer_fails_the_build(tmp_path):
    os.environ.setdefault("TOPONET_BOOK_CACHE", str(assets.default_cache_dir(REPO)))
    src = _tiny_book(tmp_path, textwrap.dedent("""\
        import plotly.graph_objects as go, plotly.io as pio
        pio.renderers.default = "notebook"  # what a chapter gets without toponet.book.setup_notebook()
        go.Figure(go.Scatter(x=[0, 1], y=[1, 0])).show()"""))
    src.write_text("# %% [markdown]\n# # A chapter\n\n" + src.read_text())
    (tmp_path / "book").mkdir(exist_ok=True)
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    shutil.copy2(REPO / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(REPO / "_static", tmp_path / "_static")
    with pytest.raises(BuildError, match="inline cop"):
        build_book("smoke", root=tmp_path, quiet=True)
    assert not (tmp_path / "_build" / "html").exists() and (tmp_path / "_build" / "html.failed").exists()


def test_a_printed_verdict_block_is_the_form_the_build_collapses():
    from toponet.book.build import _verdict_block
    from toponet.book.notebook import verdict_block

    block = verdict_block("partly", ["(A) yes", "(B) no"], claim_id="F3")
    assert block == "F3\n  partly\n  (A) yes\n  (B) no"
    assert _verdict_block("printed before\n" + block) == ("partly", "printed before", block)
    assert verdict_block("reproduced") == "reproduced"
    assert _verdict_block(verdict_block("not reproduced", ["power 92%"])) == ("not reproduced", "",
                                                                              "not reproduced\n  power 92%")
