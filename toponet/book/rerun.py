"""One chapter with your own parameters: ``python -m toponet.book run 01_mnist -p p 0.5``.

Used by ``python -m toponet.book run``, ``make chapter`` and ``book/rerun.md`` ("Your own
parameters"). Three steps, each a plain function:

1. :func:`prepare_run` starts from the profile's parameters of the chapter
   (:meth:`toponet.book.profiles.Profile.parameters`), replaces the ones named on the command
   line (values parsed like papermill's ``-p``: :func:`parse_value`) and checks them with the
   chapter's own checks, those its first cell runs: :func:`toponet.book.profiles.validate_parameters`
   (names, types, ranges, and a memory estimate of the arrays the values size) and the chapter
   module's ``validate`` where it has bounds of its own (:data:`CHAPTER_CHECKS`). A bad name or
   value fails here, before anything is trained, executed or written.
2. :func:`training_needs` lists what the chapter loads from the artifact store at these values
   (experiments, networks, iterations), how much of it is stored, and how long training the
   rest would take, from the wall times the store recorded (:func:`store_rates`).
3. :func:`execute_run` trains what is missing (with progress bars), then executes the chapter
   with papermill into ``_build/runs/<chapter>-<hash of the parameters>/``: the executed
   notebook, its verdict rows (and a table of them), ``parameters.json`` and, asked for, a
   one-page HTML book of the chapter that renders offline. The main build's outputs
   (``_build/html``, ``_build/verdicts``, ``book/chapters``, ``results/``, the README) are never
   written: the kernel records verdict rows into the run's folder and keeps the null tests and
   calibrations it computes in the user cache (``$TOPONET_CACHE/calibration``, default
   ``~/.cache/toponet/calibration``), reading the committed ones in ``results/`` where they match.

The chapter's captions and verdict rows say "custom parameters: p=0.5 (profile: 0.3)"
(:data:`toponet.book.profiles.CUSTOM_ENV`).
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from toponet._io import user_cache_directory
from toponet.book import build
from toponet.book.assets import default_cache_dir
from toponet.book.build import NOTEBOOKS, discover_chapters
from toponet.book.notebook import BUILD_ENV
from toponet.book.offline import check_html_dir
from toponet.book.rates import store_rates, study_units
from toponet.book.profiles import (CUSTOM_ENV, EVERY_PARAMETER, TYPES, chapter_parameters, custom_note, format_value,
                                   get_profile, validate_parameters)
from toponet.store import Store, config_dict, config_key
from toponet.verdict_record import load

__all__ = ["DEFAULT_SECONDS_PER_STEP", "CHAPTER_CHECKS", "parse_value",
           "prepare_run", "store_rates", "training_needs", "describe", "run_results_directory", "execute_run"]

#: Where custom runs go, relative to the book root; a book build never clears it.
RUNS = Path("_build") / "runs"
#: Calibration cache shared by custom runs, seeded from ``results/calibration``.

#: Wall seconds per network and batch iteration when the store has no record of a similar run:
#: M(64, 32, 64) on MNIST on one CPU thread trained 8 networks x 2,000 iterations in 713 s.
DEFAULT_SECONDS_PER_STEP = 0.045

#: Chapters with bounds of their own beyond :func:`validate_parameters`: chapter -> its module, whose
#: ``validate(parameters)`` the notebook's first cell calls right after ``tb.validate_parameters``
#: (``tests/test_rerun_bounds.py`` checks this table against the notebooks).
CHAPTER_CHECKS = {"01_mnist": "toponet.chapters.mnist", "02_cifar_gray": "toponet.chapters.cifar_gray",
                  "03_cifar_color": "toponet.chapters.cifar_color",
                  "05_generalization": "toponet.chapters.generalization",
                  "08_natural_patches": "toponet.chapters.natural_patches",
                  "09_your_network": "toponet.chapters.your_network"}


def parse_value(text: str) -> Any:
    """A command-line value as papermill's ``-p`` reads it: bool, None, int, float, else str."""
    if text in ("True", "False"):
        return text == "True"
    if text == "None":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def resolve_chapter(name: str, root: str | os.PathLike = ".") -> str:
    """The chapter called ``name`` (or the only one starting with it: "01" -> "01_mnist")."""

    names = [s.stem for s in discover_chapters(root)]
    stem = Path(name).stem if name.endswith(".py") else name
    if stem in names:
        return stem
    matches = [n for n in names if n.startswith(stem)]
    if len(matches) == 1:
        return matches[0]
    raise ValueError(f"unknown chapter {name!r}" + (f" (matches {matches})" if matches else "")
                     + f"; chapters: {', '.join(names)}")


@dataclass(frozen=True)
class CustomRun:
    """A chapter with its parameters, checked; nothing has run yet.

    Attributes
    ----------
    chapter : str, e.g. "01_mnist"
    profile : str, the profile the values start from
    parameters : dict, all of the chapter's parameters (:func:`~toponet.book.profiles.chapter_parameters`),
        as papermill injects them
    changed : dict name -> (profile value, value), the values that differ from the profile's
    root : Path, the book root
    folder : Path, ``<root>/_build/runs/<chapter>-<hash>``, named by the parameters
    """

    chapter: str
    profile: str
    parameters: dict[str, Any]
    changed: dict[str, tuple[Any, Any]]
    root: Path
    folder: Path

    @property
    def note(self) -> str:
        """What captions and verdict rows add, e.g. "custom parameters: p=0.9 (profile: 0.5)"."""
        return custom_note(self.changed)


def parameters_hash(chapter: str, parameters: dict[str, Any]) -> str:
    """Eight hex digits naming a run: the same chapter and values give the same folder."""
    text = json.dumps({"chapter": chapter, **parameters}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def prepare_run(chapter: str, overrides: Sequence[tuple[str, Any]] = (), *, profile: str = "default",
                root: str | os.PathLike = ".") -> CustomRun:
    """Check a custom run of ``chapter``; writes nothing.

    Parameters
    ----------
    chapter : str, a chapter name (``notebooks/<name>.py``) or its unique prefix
    overrides : sequence of (name, value); a str value is parsed like papermill's ``-p``, except
        for a text parameter (:data:`~toponet.book.profiles.TYPES`: ``weights``, ``layers``,
        ``device``), which is kept as typed
    profile : str, the profile whose parameters of ``chapter`` the run starts from
    root : path, the book root

    Raises
    ------
    ValueError, TypeError
        Naming the parameter: an unknown name (with the closest known one), ``profile`` (chosen
        with ``--profile``), a name given twice, or a value the chapter's own checks refuse
        (:func:`validate_parameters`, with its memory estimate, and :data:`CHAPTER_CHECKS`).
    """
    root = Path(root).resolve()
    prof = get_profile(profile)
    chapter = resolve_chapter(chapter, root)
    values = {}
    for name, value in overrides:
        if name == "profile":
            raise ValueError("profile is not set with -p; choose it with --profile (the run starts from "
                             "that profile's parameters)")
        if name in values:
            raise ValueError(f"parameter {name!r} given twice (-p {name} ...)")
        values[name] = parse_value(value) if isinstance(value, str) and TYPES.get(name) is not str else value
    base = prof.parameters(chapter)
    # The checks the chapter's first cell runs: unknown names, types, ranges, memory, then the
    # chapter's own bounds (CHAPTER_CHECKS).
    checked = validate_parameters({**base, **values}, injected=list(values), chapter=chapter)
    parameters = {name: checked[name] for name in chapter_parameters(chapter)}
    if chapter in CHAPTER_CHECKS:
        # deferred: a chapter module imports torch (5 s measured); only chapters with bounds of their own load it
        importlib.import_module(CHAPTER_CHECKS[chapter]).validate(parameters)
    changed = {name: (base[name], parameters[name]) for name in values if parameters[name] != base[name]}
    folder = root / RUNS / f"{chapter}-{parameters_hash(chapter, parameters)}"
    return CustomRun(chapter=chapter, profile=prof.name, parameters=parameters, changed=changed,
                     root=root, folder=folder)


# --- what the chapter loads from the store ----------------------------------------------------

@dataclass(frozen=True)
class TrainingNeed:
    """One result a chapter loads from the artifact store (:mod:`toponet.store`).

    Attributes
    ----------
    name : str, an experiment (:mod:`toponet.experiments`) or a stored study ("U1 tori study")
    networks : int, networks (or training runs) the chapter uses
    iterations : int, batch iterations (or epochs, see ``unit``) of each
    stored : int, how many of the ``networks`` the store holds
    seconds_per_step : float, wall seconds per network and iteration, from ``rate_source``
    rate_source : str, where that number comes from
    ensure : callable, loads the result, training what is missing (progress bars on)
    unit : str, "iterations" or "epochs"
    """

    name: str
    networks: int
    iterations: int
    stored: int
    seconds_per_step: float
    rate_source: str
    ensure: Callable[[], Any] = field(repr=False, compare=False)
    unit: str = "iterations"

    @property
    def missing(self) -> int:
        return self.networks - self.stored

    @property
    def seconds(self) -> float:
        """Estimated wall time to train the missing networks."""
        return self.missing * self.iterations * self.seconds_per_step

    def describe(self) -> str:
        what = f"{self.name}: {self.networks} x {self.iterations} {self.unit}"
        if not self.missing:
            return f"{what}: in the store"
        held = f"{self.stored} of {self.networks} in the store" if self.stored else "not in the store"
        return (f"{what}: {held}; trains {self.missing} (about {_duration(self.seconds)} at "
                f"{self.seconds_per_step:.3g} s per network and {self.unit[:-1]}, {self.rate_source})")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min" if seconds < 7200 \
        else f"{seconds / 3600:.1f} h"


def _rate(rates: list[dict], kind: str, key: str, arch=None) -> tuple[float, str]:
    """Seconds per network-iteration for a run: total wall time over total network-iterations of
    the same artifact, else of the same experiment, else of the same dataset and architecture,
    else :data:`DEFAULT_SECONDS_PER_STEP`. Pooled, so long runs weigh more than smoke runs (whose
    time is mostly start-up)."""
    for label, match in (("measured on this artifact", lambda r: r["key"] == key),
                         (f"measured on stored {kind} runs", lambda r: r["kind"] == kind),
                         ("measured on stored runs of the same architecture", lambda r: arch and r["arch"] == arch)):
        found = [r for r in rates if match(r)]
        if found:
            return sum(r["seconds"] for r in found) / sum(r["steps"] for r in found), label
    return DEFAULT_SECONDS_PER_STEP, "no similar run stored: DEFAULT_SECONDS_PER_STEP"


def _experiment_need(name: str, profile: str, store, rates, *, networks=None, iterations=None,
                     device: str = "auto") -> TrainingNeed:
    # deferred: imports torch (5 s measured), which `python -m toponet.book --help` need not load
    from toponet.experiments import experiment, load_or_train

    plan = experiment(name).plan(profile, networks, iterations)
    stored = len(set(plan.seeds) & store.seeds(plan.config))
    cfg = plan.config
    rate, source = _rate(rates, name, config_key(cfg), (cfg.dataset, cfg.arch, tuple(cfg.widths)))
    return TrainingNeed(name, len(plan.seeds), cfg.iterations, stored, rate, source, ensure=lambda: (
        load_or_train(name, profile, networks=networks, iterations=iterations, device=device,
                      store=store, progress=True)))


def _arrays_need(label: str, config, store, rates, ensure: Callable) -> TrainingNeed:

    networks, iterations, unit = study_units(type(config).__name__, config_dict(config))
    stored = networks if (store.path(config) / "arrays.json").is_file() else 0
    rate, source = _rate(rates, type(config).__name__, config_key(config))
    return TrainingNeed(label, networks, iterations, stored, rate, source, unit=unit,
                        ensure=lambda: ensure(config, store=store))


def training_needs(run: CustomRun, store=None) -> list[TrainingNeed]:
    """What ``run.chapter`` loads from ``store`` (default the book's) at ``run.parameters``: the
    registry's answer (:func:`toponet.chapters.registry.trained`), with what of it is stored and
    how long the rest would take.

    ``tests/test_rerun.py`` checks that each chapter loads what the registry lists; a chapter
    the registry does not list (00, 04, 08, 09, the calibration page) trains nothing.
    """
    # deferred: the registry imports torch (5 s measured), which `python -m toponet.book --help` need not load
    from toponet.chapters.registry import trained

    store = Store() if store is None else store
    rates = store_rates(store)
    p, profile = run.parameters, run.parameters["profile"]
    return [_experiment_need(t.experiment, profile, store, rates, networks=t.networks, iterations=t.iterations,
                             device=p["device"]) if t.experiment
            else _arrays_need(t.label, t.config, store, rates, t.run)
            for t in trained(run.chapter, p)]


def parameter_comments(source: str | os.PathLike) -> dict[str, str]:
    """The comment after each assignment of a chapter's ``parameters`` cell: what a value does."""
    text = Path(source).read_text(encoding="utf-8")
    start = text.find('# %% tags=["parameters"]')
    cell = text[start:].split("\n# %%", 1)[0] if start >= 0 else ""
    found = (re.match(r"^(\w+)\s*=[^#]*#\s*(.+)$", line) for line in cell.splitlines())
    return {m[1]: m[2].strip() for m in found if m and m[1] in EVERY_PARAMETER}


def describe(run: CustomRun, needs: Sequence[TrainingNeed]) -> list[str]:
    """Lines saying the parameters (profile value -> yours, and the chapter's comment on what the
    value does) and what would be trained."""

    comments = parameter_comments(run.root / NOTEBOOKS / f"{run.chapter}.py")
    lines = [f"{run.chapter} with profile {run.profile}'s parameters"
             + (" and your own:" if run.changed else "; no value differs from the profile's")]
    for name, (old, new) in run.changed.items():
        lines.append(f"  {name}: {format_value(old)} -> {format_value(new)}"
                     + (f"  ({comments[name]})" if name in comments else ""))
    same = [n for n in run.parameters if n != "profile" and n not in run.changed]
    lines.append("  unchanged: " + ", ".join(f"{n}={format_value(run.parameters[n])}" for n in same))
    if not needs:
        lines.append("training: none (this chapter loads nothing from the artifact store)")
    else:
        missing = [n for n in needs if n.missing]
        lines.append("training: " + (f"{sum(n.missing for n in missing)} network(s) to train, about "
                                     f"{_duration(sum(n.seconds for n in missing))}" if missing
                                     else "none, everything is in the store"))
        lines += [f"  {n.describe()}" for n in needs]
    return lines


# --- executing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunResult:
    """What :func:`execute_run` wrote.

    Attributes
    ----------
    folder : Path, the run's folder
    notebook : Path, the executed chapter
    verdicts : tuple of Path, the verdict rows it recorded (``<folder>/verdicts/*.json``)
    html : Path or None, the chapter's page (``<folder>/html/<chapter>.html``) when asked for
    seconds : float, wall time of the execution (training not included)
    trained_seconds : float, wall time spent training what the store lacked
    """

    folder: Path
    notebook: Path
    verdicts: tuple[Path, ...]
    html: Path | None
    seconds: float
    trained_seconds: float


def run_results_directory() -> Path:
    """Where a custom run keeps the null tests and calibrations it computes: the user cache's
    ``calibration/`` (never the checkout; the committed results are read through
    :func:`toponet._io.results_search_path`)."""
    return user_cache_directory() / "calibration"


def execute_run(run: CustomRun, needs: Sequence[TrainingNeed] = (), *, html: bool = False,
                log_output: bool = False, echo: Callable[[str], None] = print) -> RunResult:
    """Train what ``needs`` lack, then execute ``run.chapter`` into ``run.folder``.

    ``run.folder`` is emptied first (a run with the same parameters replaces it). The chapter
    runs with papermill, like a book build, with ``$TOPONET_VERDICTS_DIR`` in the run's folder,
    ``$TOPONET_CALIBRATION`` in :func:`run_results_directory` and :data:`CUSTOM_ENV` naming the
    changed values. Raises :class:`toponet.book.build.ChapterFailed` when a cell raises (the
    executed notebook, traceback included, stays in the folder).
    """
    import tqdm.auto  # noqa: F401  (reads TQDM_* once, at import: before the kernel's TQDM_DISABLE)

    trained = 0.0
    missing = [n for n in needs if n.missing]
    if missing:
        echo(f"training {sum(n.missing for n in missing)} network(s) first, about "
             f"{_duration(sum(n.seconds for n in missing))}")
        start = time.perf_counter()
        for need in missing:
            echo(f"  {need.describe()}")
            need.ensure()
        trained = time.perf_counter() - start
    if run.folder.exists():
        shutil.rmtree(run.folder)
    run.folder.mkdir(parents=True)
    record = dict(chapter=run.chapter, profile=run.profile, parameters=run.parameters,
                  custom={n: list(v) for n, v in run.changed.items()}, note=run.note)
    (run.folder / "parameters.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    source = run.root / build.NOTEBOOKS / f"{run.chapter}.py"
    unexecuted = build.convert(source, run.folder / "input" / f"{run.chapter}.ipynb")
    build.check_parameters(unexecuted, chapter_parameters(run.chapter))
    executed = run.folder / f"{run.chapter}.ipynb"
    verdict_dir = run.folder / "verdicts"
    env = {"TOPONET_VERDICTS_DIR": str(verdict_dir), "TOPONET_CALIBRATION": str(run_results_directory()),
           CUSTOM_ENV: json.dumps({n: list(v) for n, v in run.changed.items()}), "TQDM_DISABLE": "1", BUILD_ENV: "1"}
    echo(f"executing {run.chapter} -> {executed}")
    with build._kernel_env(**env):
        seconds = build.execute(unexecuted, executed, run.parameters, cwd=run.root, log_output=log_output,
                                rows_dir=verdict_dir)
    rows = load(verdict_dir) if verdict_dir.is_dir() else []
    if rows:
        (run.folder / "verdicts.md").write_text(rows_markdown(rows), encoding="utf-8")
    record.update(seconds=round(seconds, 1), trained_seconds=round(trained, 1))
    (run.folder / "parameters.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    page = build_page(run, executed) if html else None
    return RunResult(folder=run.folder, notebook=executed, verdicts=tuple(sorted(verdict_dir.glob("*.json"))),
                     html=page, seconds=seconds, trained_seconds=trained)


def rows_markdown(rows) -> str:
    """The verdict rows of a run as a Markdown table (claim, verdict, our numbers, scale)."""
    def cell(text) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| claim | verdict | ours | scale |", "|---|---|---|---|"]
    lines += [f"| **{v.claim_id}** {cell(v.claim)} | **{v.verdict}** | {cell(v.ours)} | {cell(v.scale)} |" for v in rows]
    return "\n".join(lines) + "\n"


def build_page(run: CustomRun, executed: Path) -> Path:
    """A one-page Jupyter Book of the executed chapter in ``<folder>/html``; returns its page.

    Same configuration, Sphinx extension and offline assets as the book (``_config.yml``,
    :mod:`toponet.book.sphinx_ext`), so the page renders with no network like the book's;
    checked with :func:`toponet.book.offline.check_html_dir`. Links to the book's other pages
    do not resolve in a one-page book, so warnings do not fail it.
    """
    import yaml

    src = run.folder / "page"
    if src.exists():
        shutil.rmtree(src)
    src.mkdir()
    shutil.copy2(executed, src / executed.name)
    config_path = run.root / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    config = dict(config or {}, title=f"{run.chapter}, {run.note or 'profile ' + run.profile}",
                  only_build_toc_files=True, exclude_patterns=["_build", ".*"])
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (src / "_toc.yml").write_text(f"format: jb-book\nroot: {run.chapter}\n", encoding="utf-8")
    if (run.root / "_static").is_dir():
        shutil.copytree(run.root / "_static", src / "_static")
    env = dict(os.environ, TOPONET_BOOK_CACHE=str(default_cache_dir(run.root)))
    proc = subprocess.run([build._jupyter_book(), "build", str(src), "--all", "--keep-going", "--builder", "html",
                           "--quiet"], cwd=src, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    built = src / "_build" / "html"
    if proc.returncode != 0 or not (built / f"{run.chapter}.html").is_file():
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise build.BuildError(f"jupyter-book could not build the page of {run.chapter} "
                               f"(exit {proc.returncode}); its sources are in {src}:\n{tail}")
    html = run.folder / "html"
    if html.exists():
        shutil.rmtree(html)
    shutil.move(str(built), html)
    shutil.rmtree(src)
    _, problems = check_html_dir(html)
    if problems:
        raise build.BuildError(f"the page in {html} would need the network or inlines plotly.js:\n  "
                               + "\n  ".join(problems))
    return html / f"{run.chapter}.html"
