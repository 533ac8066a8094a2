"""The book build: text chapters -> executed notebooks -> HTML that renders offline.

One call, :func:`build_book`, does all of it, in this order:

1. checks that ``_toc.yml`` lists ``book/chapters/<name>`` for every ``notebooks/<name>.py``
   and nothing else under ``book/chapters/``;
2. clears every output of earlier builds (:data:`GENERATED`), so nothing stale is published;
   a build of some chapters (``chapters=``) clears only those chapters' outputs
   (:func:`chapter_outputs`) and keeps the rest: the other executed chapters, their verdict
   rows and the HTML of the last full build;
3. converts each ``notebooks/<name>.py`` (Jupytext percent format) ONE WAY into
   ``_build/papermill/input/<name>.ipynb``; the text source is only ever read;
4. executes it with papermill, injecting the profile's parameters, into
   ``_build/papermill/executed/<name>.ipynb``; a failing chapter stops the build there
   (its executed notebook, traceback included, stays for inspection);
5. copies each executed notebook to ``book/chapters/<name>.ipynb`` (git-ignored), which is
   what ``_toc.yml`` points at; Jupyter Book itself never executes (``execute_notebooks: off``);
6. writes the generated parts of the prose pages into ``_build/generated/``
   (:func:`toponet.book.pages.write_generated`): the verdict table the chapters recorded
   (:mod:`toponet.verdict_record`; each chapter records into its own ``_build/verdicts/<name>/``),
   which ``book/verdicts.md`` includes; the intro's results at a glance (from the committed
   record); the teaching guide's chapter times (from papermill's metadata in each executed
   notebook) and what a rerun costs (:func:`toponet.book.pages.rerun_costs`: the committed
   ``results/chapter_times.json``, which a ``default`` build writes with ``verdicts.json``, the
   store's training times and the stored null tests' times); the primer's figures;
7. runs ``jupyter-book build . --all --warningiserror --keep-going``;
8. checks every built page with :mod:`toponet.book.offline`; any problem fails the build.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from toponet import integrity, verdict_record
from toponet.book.notebook import BUILD_ENV
from toponet.book.offline import PageReport, check_html_dir
from toponet.book.pages import prose_words, sources_line, time_sentence, write_generated
from toponet.book.profiles import PARAMETERS, chapter_parameters, get_profile
from toponet.book.sources import (BUILD, CHAPTERS, HTML, NOTEBOOKS, PAPERMILL, VERDICT_TABLE, VERDICTS,
                                  discover_chapters, load_verdicts, toc_files)

__all__ = ["NOTEBOOKS", "CHAPTERS", "VERDICTS", "GENERATED", "BuildError", "ChapterFailed", "ChapterRun",
           "discover_chapters", "toc_files", "check_toc", "convert", "check_parameters", "execute", "TIME_START",
           "TIME_END", "PRESENTED", "present_verdicts", "tidy_executed", "chapter_outputs", "clear_outputs",
           "load_verdicts", "TIMES_RECORD", "write_times", "build_book"]

log = logging.getLogger(__name__)

#: Everything a build writes; removed at the start of every build.
GENERATED = (CHAPTERS, HTML, BUILD / "html.failed", BUILD / ".doctrees", BUILD / "jupyter_execute",
             PAPERMILL, VERDICTS, VERDICT_TABLE.parent, BUILD / "screenshots")
KERNEL = "python3"


class BuildError(RuntimeError):
    """The book could not be built; the message says which step and where to look."""


class ChapterFailed(BuildError):
    """A chapter raised while papermill executed it."""


@dataclass(frozen=True)
class ChapterRun:
    """One executed chapter.

    Attributes
    ----------
    name : str, e.g. "00_ideal_filters"
    source : Path, the Jupytext text source (read only)
    executed : Path, the executed notebook the book shows
    parameters : dict, the values papermill injected
    seconds : float, wall-clock execution time
    """

    name: str
    source: Path
    executed: Path
    parameters: dict[str, Any]
    seconds: float


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_book` did.

    Attributes
    ----------
    profile : str
    chapters : tuple of ChapterRun
    html_dir : Path or None, the built book (None with ``html=False``)
    pages : tuple of PageReport, one per built page
    """

    profile: str
    chapters: tuple[ChapterRun, ...]
    html_dir: Path | None
    pages: tuple[PageReport, ...] = field(default=())


# --- chapters and the table of contents ---------------------------------------------------

def check_toc(root: str | os.PathLike, chapters: Sequence[Path]) -> None:
    """Raise ``ValueError`` unless ``_toc.yml`` lists exactly the chapter sources under book/chapters."""
    listed = {f for f in toc_files(root) if f.startswith(CHAPTERS.as_posix() + "/")}
    wanted = {(CHAPTERS / c.stem).as_posix() for c in chapters}
    problems = [f"notebooks/{Path(f).name}.py has no entry in _toc.yml; add '- file: {f}'"
                for f in sorted(wanted - listed)]
    problems += [f"_toc.yml lists {f} but there is no notebooks/{Path(f).name}.py to build it from"
                 for f in sorted(listed - wanted)]
    if problems:
        raise ValueError("; ".join(problems))


# --- one chapter ----------------------------------------------------------------------------

def convert(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Write the Jupytext text ``source`` as an unexecuted notebook ``target``; return ``target``.

    The copy drops Jupytext's pairing metadata, so opening a built notebook in Jupyter can
    never write back into the text source.
    """
    import jupytext
    import nbformat

    source, target = Path(source), Path(target)
    nb = jupytext.read(source, fmt="py:percent")
    nb.metadata.get("jupytext", {}).pop("formats", None)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3 (ipykernel)", "language": "python"}
    if not any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb.cells):
        raise ValueError(f"{source}: no cell tagged 'parameters' (write '# %% tags=[\"parameters\"]' "
                         f"above the cell that defines {', '.join(PARAMETERS)})")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def check_parameters(notebook: str | os.PathLike, names: Sequence[str] = PARAMETERS) -> None:
    """Raise ``ValueError`` naming every one of ``names`` the notebook's parameters cell lacks
    (a chapter's are :func:`toponet.book.profiles.chapter_parameters`)."""
    import papermill

    found = papermill.inspect_notebook(str(notebook))
    missing = [n for n in names if n not in found]
    if missing:
        raise ValueError(f"{notebook}: the parameters cell does not define {missing}; this chapter "
                         f"defines {list(names)} so that papermill can set them")


@contextlib.contextmanager
def _kernel_env(**values: str) -> Iterator[None]:
    """Environment variables the chapter kernels inherit, restored afterwards."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute(notebook: str | os.PathLike, output: str | os.PathLike, parameters: dict[str, Any], *,
            cwd: str | os.PathLike = ".", log_output: bool = False, progress_bar: bool = True,
            rows_dir: str | os.PathLike | None = None) -> float:
    """Run ``notebook`` with papermill, injecting ``parameters``; return the seconds it took.

    ``rows_dir``: where the chapter records its verdict rows (``$TOPONET_VERDICTS_DIR`` of its
    kernel); :func:`tidy_executed` shows them as tables.

    Raises :class:`ChapterFailed` (naming the cell, the error and ``output``) when a cell
    raises or the kernel dies; ``output`` then holds the notebook up to the failure.
    """
    import papermill

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                                   kernel_name=KERNEL, cwd=str(cwd), log_output=log_output,
                                   progress_bar=progress_bar, request_save_on_cell_execute=False)
    except papermill.PapermillExecutionError as exc:
        raise ChapterFailed(f"{Path(notebook).stem}: cell {exc.exec_count} raised {exc.ename}: "
                            f"{exc.evalue}; the executed notebook is {output}") from exc
    except Exception as exc:  # kernel died, timed out, could not start
        raise ChapterFailed(f"{Path(notebook).stem}: execution failed ({type(exc).__name__}: {exc}); "
                            f"see {output}") from exc
    seconds = time.perf_counter() - start
    rows = verdict_record.load(rows_dir) if rows_dir is not None and Path(rows_dir).is_dir() else []
    tidy_executed(output, book_dir=Path(cwd) / "book", rows=rows)
    return seconds


#: Marks, in a chapter's opening box, the text the build replaces by the measured time.
TIME_START, TIME_END = "<!-- chapter-time -->", "<!-- /chapter-time -->"


def _parameter_source(source: str, values: dict[str, Any]) -> str:
    """``source`` (a parameters cell) with the value of every ``name = ...`` in ``values``
    replaced by ``repr(values[name])``; comments and other lines stay."""
    import ast

    lines = source.splitlines(keepends=True)
    edits = []
    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in values and node.value.lineno == node.value.end_lineno):
            edits.append((node.value.lineno - 1, node.value.col_offset, node.value.end_col_offset,
                          repr(values[node.targets[0].id])))
    for row, start, end, text in sorted(edits, reverse=True):
        line = lines[row].encode("utf-8")   # ast offsets count UTF-8 bytes
        lines[row] = (line[:start] + text.encode("utf-8") + line[end:]).decode("utf-8")
    return "".join(lines)


#: A code cell that records verdict rows (``record(row)``, ``record(Verdict(...))``).
_RECORD_CALL = re.compile(r"(?:^|[^\w.])record\(", re.M)
#: A claim id on a line of its own, as the verdict cells print them ("F6", "F10-inception").
_ID_LINE = re.compile(r"^[A-Z]{1,2}\d+[a-z]?(?:-[\w-]+)?:?$")
#: Marks the cells :func:`present_verdicts` adds, so that it adds each once.
PRESENTED = "toponet-verdict-table"


def _verdict_block(text: str) -> tuple[str, str, str] | None:
    """(verdict, what was printed before the block, the block) when ``text`` holds a printed
    verdict block: a line that is just a verdict (:data:`toponet.verdict_record.VERDICTS`), maybe under
    a line that is just a claim id, with the rule's reasons indented below; else None."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() in verdict_record.VERDICTS and (i + 1 == len(lines) or lines[i + 1][:1].isspace()):
            start = i - 1 if i and _ID_LINE.match(lines[i - 1].strip()) else i
            return line.strip(), "\n".join(lines[:start]), "\n".join(lines[start:])
    return None


def _html_output(text: str) -> dict:
    import nbformat

    return nbformat.v4.new_output("display_data", data={"text/html": text})


def present_verdicts(nb, rows: Sequence, *, verdicts_page: str | None = None, glossary: str | None = None) -> int:
    """Turn an executed chapter's verdict blocks into compact tables, in place; return the tables added.

    * After each cell that records rows (:data:`_RECORD_CALL`) a cell (tagged ``remove-input``)
      shows those rows as :func:`toponet.book.pages.chapter_verdicts_html`: one line per claim,
      the details collapsed, with what the recording cell printed (its stdout, which it no
      longer shows). A cell's rows are the ``rows`` whose ids its source or output names; rows
      named by none go to the last such cell.
    * Every other printed verdict block (a verdict and the rule's reasons) is collapsed under
      its verdict (:func:`toponet.book.pages.verdict_block_html`).
    """
    import nbformat

    from toponet.book.pages import chapter_verdicts_html, verdict_block_html   # deferred: pages is heavy

    if any(c.get("metadata", {}).get(PRESENTED) for c in nb.cells):
        return 0
    ids = sorted((v.claim_id for v in rows), key=len, reverse=True)
    by_id = {v.claim_id: v for v in rows}
    recording = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and _RECORD_CALL.search(c.source)]
    assigned: dict[int, list[str]] = {}
    left = list(ids)
    for i in recording:
        cell = nb.cells[i]
        text = cell.source + "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        named = [c for c in left if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
        assigned[i] = named
        left = [c for c in left if c not in named]
    if recording and left:
        assigned[recording[-1]] += left
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i in assigned:
            continue
        outputs = []
        for o in cell.get("outputs", []):
            found = _verdict_block(o.get("text", "")) if o.get("output_type") == "stream" and o.get("name") == "stdout" \
                else None
            outputs.append(_html_output(verdict_block_html(*found)) if found else o)
        cell.outputs = outputs
    added = 0
    for i in sorted(assigned, reverse=True):
        if not assigned[i]:
            continue
        cell = nb.cells[i]
        printed = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream"
                          and o.get("name") == "stdout")
        cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stdout")]
        table = nbformat.v4.new_code_cell("# the verdicts recorded above, as a table (added by the book build)")
        table.metadata = {"tags": ["remove-input"], PRESENTED: True}
        table.outputs = [_html_output(chapter_verdicts_html([by_id[c] for c in assigned[i]], printed,
                                                            verdicts_page=verdicts_page, glossary=glossary))]
        nb.cells.insert(i + 1, table)
        added += 1
    return added


def tidy_executed(path: str | os.PathLike, *, book_dir: str | os.PathLike | None = None,
                  rows: Sequence | None = None) -> Path:
    """Make an executed chapter say only what ran, in place; return ``path``.

    * the cell papermill injected (tag ``injected-parameters``) gets ``remove-cell``, and the
      chapter's own ``parameters`` cell shows the values papermill injected (with its
      comments), so the page shows one cell with the values this build used;
    * the text between :data:`TIME_START` and :data:`TIME_END` in a markdown cell (the
      chapter's "How long") becomes the time papermill measured for this run and the reading
      time of the prose (:func:`toponet.book.pages.time_sentence`);
    * the markdown cell holding the chapter's title ("# ...") ends with the line linking the
      paper and its peers (:func:`toponet.book.pages.sources_line`), once;
    * the verdict ``rows`` the chapter recorded appear as compact tables after the cells that
      recorded them, printed verdict blocks collapsed (:func:`present_verdicts`), with links
      to the Verdicts page and the glossary where ``book_dir`` has them.
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("papermill", {})
    injected = dict(meta.get("parameters") or {})
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
        elif "parameters" in tags and injected:
            try:
                cell.source = _parameter_source(cell.source, injected)
            except SyntaxError:
                pass
        if not tags:
            del cell.metadata["tags"]
    sentence = time_sentence(meta.get("duration"), injected.get("profile"), prose_words(nb))
    pattern = re.compile(re.escape(TIME_START) + ".*?" + re.escape(TIME_END), re.S)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and TIME_START in cell.source:
            cell.source = pattern.sub(lambda m: sentence, cell.source)
    title = next((c for c in nb.cells if c.cell_type == "markdown" and re.match(r"#\s", c.source.lstrip())), None)
    line = sources_line(prefix="../", book_dir=book_dir)
    if title is not None and line not in title.source:
        title.source = f"{title.source.rstrip()}\n\n{line}"
    book = Path(book_dir) if book_dir is not None else None
    has = lambda page: book is not None and (book / f"{page}.md").is_file()   # noqa: E731
    present_verdicts(nb, rows or [], verdicts_page="../verdicts.html" if has("verdicts") else None,
                     glossary="../glossary.html" if has("glossary") else None)
    nbformat.write(nb, path)
    return path


# --- the whole book -------------------------------------------------------------------------

def chapter_outputs(name: str) -> tuple[Path, ...]:
    """What executing chapter ``name`` writes, relative to the book root.

    Its unexecuted and executed notebooks, the copy the book shows, and the folder of the
    verdict rows it records.
    """
    return (CHAPTERS / f"{name}.ipynb", PAPERMILL / "input" / f"{name}.ipynb",
            PAPERMILL / "executed" / f"{name}.ipynb", VERDICTS / name)


def clear_outputs(root: str | os.PathLike = ".", chapters: Sequence[str] | None = None) -> None:
    """Delete what a previous build wrote.

    Parameters
    ----------
    root : path, the book root
    chapters : sequence of str, optional
        Delete only these chapters' outputs (:func:`chapter_outputs`), keeping every other
        chapter's and the HTML. Default: everything in :data:`GENERATED`.
    """
    rels = GENERATED if chapters is None else [rel for name in chapters for rel in chapter_outputs(name)]
    for rel in rels:
        path = Path(root) / rel
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


#: The profile whose builds write the committed record ``results/verdicts.json``.
RECORD_PROFILE = "default"


def write_record(root: str | os.PathLike = ".") -> Path:
    """Merge the rows of this build into ``<root>/results/verdicts.json`` (the committed record)
    and regenerate the README's results block from it; rows of chapters not executed are kept."""

    # each row names its inputs by the hashes of the stored results as this build leaves them
    rows = integrity.settle_inputs(load_verdicts(root), Path(root) / "results" / "calibration")
    path = verdict_record.write_record(rows, Path(root) / "results" / "verdicts.json")
    readme = Path(root) / "README.md"
    if readme.is_file() and verdict_record.README_START in readme.read_text(encoding="utf-8"):
        verdict_record.update_readme(readme, path)   # the README's results come from the same record
    return path


#: The committed record of how long each chapter took at :data:`RECORD_PROFILE` (the teaching
#: guide's "a rerun at default" reads it in every build, as the intro reads ``verdicts.json``).
TIMES_RECORD = Path("results") / "chapter_times.json"


def write_times(root: str | os.PathLike, runs: Sequence[ChapterRun]) -> Path:
    """Merge the wall time of each chapter in ``runs`` into ``<root>/results/chapter_times.json``,
    with the machine it ran on (CPU count, architecture, load average when it ended, ``TOPONET_JOBS``):
    ``{"chapters": {name: {"seconds", "profile", "finished", "cpus", "machine", "load", "jobs"}}}``.
    Chapters not in ``runs`` keep their entries (a build of one chapter updates only its own)."""
    import json
    import platform

    path = Path(root) / TIMES_RECORD
    try:
        doc = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError:
        doc = {}
    chapters = dict(doc.get("chapters") or {})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    for run in runs:
        chapters[run.name] = {"seconds": round(run.seconds, 1), "profile": run.parameters.get("profile"),
                              "finished": time.strftime("%Y-%m-%d", time.gmtime()), "cpus": os.cpu_count(),
                              "machine": platform.machine(), "load": None if load is None else round(load, 1),
                              "jobs": os.environ.get("TOPONET_JOBS")}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"chapters": dict(sorted(chapters.items()))}, indent=1) + "\n", encoding="utf-8")
    return path


def write_verdict_table(root: str | os.PathLike = ".", *, figures: bool = False) -> Path:
    """Write the generated page parts (:func:`toponet.book.pages.write_generated`: the verdict
    table of the rows the chapters recorded, the intro's results at a glance, the chapter
    times and, with ``figures``, the primer's figures); return :data:`VERDICT_TABLE`."""

    write_generated(root, figures=figures)
    return Path(root) / VERDICT_TABLE


def _jupyter_book() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    found = str(exe) if exe.exists() else shutil.which("jupyter-book")
    if not found:
        raise BuildError("jupyter-book is not installed; pip install -e '.[book]'")
    return found


def build_html(root: str | os.PathLike = ".", *, quiet: bool = False) -> Path:
    """``jupyter-book build <root> --all -W --keep-going``; return the HTML folder.

    On failure the partial output is moved to ``_build/html.failed`` so that nothing
    half-built sits where the book is published from, and :class:`BuildError` is raised.
    """
    root = Path(root)
    cmd = [_jupyter_book(), "build", str(root), "--all", "--warningiserror", "--keep-going",
           "--builder", "html"] + (["--quiet"] if quiet else [])
    proc = subprocess.run(cmd, cwd=root)
    html = root / HTML
    if proc.returncode != 0:
        if html.exists():
            html.rename(root / BUILD / "html.failed")
        raise BuildError(f"jupyter-book build failed (exit {proc.returncode}); the warnings above "
                         "say where (with --warningiserror every warning fails the build)")
    return html


def build_book(profile: str = "smoke", *, root: str | os.PathLike = ".", chapters: Sequence[str] | None = None,
               html: bool = True, overrides: dict[str, Any] | None = None, log_output: bool = False,
               quiet: bool = False) -> BuildResult:
    """Execute every chapter with ``profile``'s parameters and build the HTML book.

    Parameters
    ----------
    profile : str
        A name in :data:`toponet.book.profiles.PROFILES` ("smoke", "default").
    root : path
        The book root (holds ``_config.yml``, ``_toc.yml``, ``notebooks/``).
    chapters : sequence of str, optional
        Execute only these chapters (names without ``.py``); requires ``html=False``,
        since a book missing chapters would fail on its table of contents. Only these
        chapters' earlier outputs are replaced; the other chapters' executed notebooks and
        verdict rows, and the HTML of the last full build, stay (the verdict table is
        rendered again from all rows).
    html : bool
        Build (and check) the HTML after executing.
    overrides : dict, optional
        Parameter values that win over the profile's for every chapter (e.g. ``device``).
    log_output : bool
        Stream the chapters' cell output to the log while they run.

    Raises
    ------
    ValueError : unknown profile or chapter, inconsistent ``_toc.yml``, bad parameters cell
    ChapterFailed : a chapter raised; nothing is built
    BuildError : jupyter-book failed, or a built page needs the network (problems listed)
    """
    root = Path(root).resolve()
    if not (root / "_config.yml").exists():
        raise FileNotFoundError(f"{root}/_config.yml not found; run from the book root or pass --root")
    prof = get_profile(profile)
    sources = discover_chapters(root)
    if not sources:
        raise ValueError(f"no chapters: {root / NOTEBOOKS} has no *.py sources")
    check_toc(root, sources)
    if chapters:
        by_name = {s.stem: s for s in sources}
        unknown = [c for c in chapters if c not in by_name]
        if unknown:
            raise ValueError(f"unknown chapter(s) {unknown}; chapters: {sorted(by_name)}")
        if html:
            raise ValueError("executing only some chapters cannot build the book (its table of "
                             "contents lists them all); add --no-html")
        sources = [by_name[c] for c in chapters]
    runs_params = {s.stem: prof.parameters(s.stem, **(overrides or {})) for s in sources}

    # tqdm reads TQDM_* once, at import: import it before the kernels' TQDM_DISABLE below,
    # so that papermill's per-cell progress bar stays on.
    import tqdm.auto  # noqa: F401

    # A build of some chapters replaces only theirs: a user rerunning one keeps the rest.
    clear_outputs(root, [s.stem for s in sources] if chapters else None)
    runs: list[ChapterRun] = []
    # Progress bars of the chapters' own loops would land in the page as stderr output;
    # papermill's per-cell bar (below) shows progress instead.
    with _kernel_env(TOPONET_VERDICTS_DIR=str(root / VERDICTS), TQDM_DISABLE="1", **{BUILD_ENV: "1"}):
        for i, source in enumerate(sources, 1):
            name, params = source.stem, runs_params[source.stem]
            os.environ["TOPONET_VERDICTS_DIR"] = str(root / VERDICTS / name)  # restored by _kernel_env
            log.info("chapter %d/%d %s: %s", i, len(sources), name, params)
            print(f"[{i}/{len(sources)}] executing {name} with profile {prof.name}", file=sys.stderr, flush=True)
            unexecuted = convert(source, root / PAPERMILL / "input" / f"{name}.ipynb")
            check_parameters(unexecuted, chapter_parameters(name))
            executed = root / PAPERMILL / "executed" / f"{name}.ipynb"
            seconds = execute(unexecuted, executed, params, cwd=root, log_output=log_output,
                              rows_dir=root / VERDICTS / name)
            published = root / CHAPTERS / f"{name}.ipynb"
            published.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(executed, published)
            runs.append(ChapterRun(name=name, source=source, executed=published, parameters=params,
                                   seconds=seconds))
    if prof.name == RECORD_PROFILE:
        write_record(root)           # first: the intro's results at a glance read the record
        write_times(root, runs)      # and the teaching guide's rerun times read this one
    write_verdict_table(root, figures=html)
    if not html:
        return BuildResult(profile=prof.name, chapters=tuple(runs), html_dir=None)

    html_dir = build_html(root, quiet=quiet)
    pages, problems = check_html_dir(html_dir)
    if problems:
        html_dir.rename(root / BUILD / "html.failed")
        raise BuildError("the built book would need the network or inlines plotly.js "
                         "(moved to _build/html.failed):\n  " + "\n  ".join(problems))
    return BuildResult(profile=prof.name, chapters=tuple(runs), html_dir=html_dir, pages=tuple(pages))
