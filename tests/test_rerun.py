"""Issue 17: ``python -m toponet.book run <chapter> -p NAME VALUE``, one chapter with your own parameters."""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from toponet.book import build as build_mod
from toponet.book import rerun
from toponet.book.cli import main
from toponet.book.profiles import CUSTOM_ENV, PROFILES, custom_note, validate_parameters
from toponet.chapters.registry import CHAPTER_TRAINING, MNIST_VARIANTS

REPO = Path(__file__).resolve().parents[1]
CHAPTER = "00_ideal_filters"
#: What a custom run must never write (the main build's outputs and the committed record).
MAIN_OUTPUTS = {"_build/html/index.html": "<html>book</html>", "_build/verdicts/01_mnist/F2.json": "{}",
                "_build/papermill/executed/00_ideal_filters.ipynb": "{}",
                "book/chapters/00_ideal_filters.ipynb": "{}", "results/verdicts.json": "[]",
                "README.md": "readme\n"}


@pytest.fixture
def book(tmp_path):
    """A book root holding chapter 00 and a stand-in for every output of a main build."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy2(REPO / "notebooks" / f"{CHAPTER}.py", tmp_path / "notebooks")
    shutil.copy2(REPO / "_config.yml", tmp_path)
    for rel, text in MAIN_OUTPUTS.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def _main_outputs(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_relative_to(root / "_build" / "runs")}


@pytest.fixture
def no_execution(monkeypatch):
    """Fails the test if anything would be executed."""
    monkeypatch.setattr(build_mod, "execute", lambda *a, **k: pytest.fail("a chapter was executed"))


# --- checked before anything runs -------------------------------------------------------------------

@pytest.mark.parametrize("params, named", [
    (["-p", "netwroks", "4"], "'netwroks' (did you mean 'networks'?)"),
    (["-p", "networks", "many"], "networks must be an integer; got 'many'"),
    (["-p", "p", "1.5"], "p must lie in (0, 1]"),
    (["-p", "gain", "True"], "gain must be a number > 1"),
    (["-p", "profile", "paper"], "choose it with --profile"),
    (["-p", "k", "10", "-p", "k", "20"], "'k' given twice"),
])
def test_a_bad_name_or_value_fails_naming_it_before_anything_runs(book, capsys, no_execution, params, named):
    before = _main_outputs(book)
    assert main(["run", CHAPTER, "--root", str(book), "--profile", "smoke", *params]) == 2
    err = capsys.readouterr().err
    assert named in err and err.startswith("book: error: ") and err.count("\n") == 1
    assert not (book / "_build" / "runs").exists()
    assert _main_outputs(book) == before


def test_an_unknown_chapter_lists_the_chapters(book, capsys, no_execution):
    assert main(["run", "99_nothing", "--root", str(book)]) == 2
    assert f"unknown chapter '99_nothing'; chapters: {CHAPTER}" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["0.5", "3", "-2", "1e-3", "True", "False", "None", "cuda:1", "auto", "0x10"])
def test_values_parse_like_papermills_p(text):
    from papermill.cli import _resolve_type

    got, want = rerun.parse_value(text), _resolve_type(text)
    assert got == want and type(got) is type(want)


def test_prepare_run_starts_from_the_profile_and_names_its_folder_by_the_values(book):
    run = rerun.prepare_run("00", [("p", "0.9"), ("k", "15")], profile="smoke", root=book)  # k = the profile's
    assert run.chapter == CHAPTER
    assert run.parameters == {**PROFILES["smoke"].parameters(CHAPTER), "p": 0.9}
    assert run.changed == {"p": (0.5, 0.9)}
    assert run.note == "custom parameters: p=0.9 (profile: 0.5)"
    assert run.folder.parent == book / "_build" / "runs" and run.folder.name.startswith(f"{CHAPTER}-")
    assert rerun.prepare_run(CHAPTER, [("p", 0.9)], profile="smoke", root=book).folder == run.folder
    assert rerun.prepare_run(CHAPTER, [("p", 0.8)], profile="smoke", root=book).folder != run.folder
    assert not (book / "_build" / "runs").exists()


# --- captions and verdict rows say "custom parameters" -------------------------------------------------

def test_captions_and_verdict_rows_of_a_custom_run_name_the_changed_values(tmp_path, monkeypatch):
    from toponet.book import caption
    from toponet.verdict_record import Verdict, load, record

    row = Verdict("F1", "claim", "paper", "ours", "16 x 2K (default)", "MNIST", "reproduced", "01_mnist")
    assert "custom" not in caption("x", cloud="c", profile="default").text  # a book build: no note
    monkeypatch.setenv(CUSTOM_ENV, json.dumps({"k": [200, 100], "p": [0.3, 0.5]}))
    note = "custom parameters: k=100 (profile: 200), p=0.5 (profile: 0.3)"
    assert custom_note() == note
    assert caption("x", cloud="c", profile="default").text.endswith(f"Run with {note}.")
    record(row, tmp_path)
    assert load(tmp_path)[0].scale == f"16 x 2K (default); {note}"


def test_a_chapter_whose_values_differ_from_the_announced_ones_is_refused(monkeypatch):
    values = PROFILES["default"].parameters("01_mnist")
    monkeypatch.setenv(CUSTOM_ENV, json.dumps({"p": [0.3, 0.5]}))
    assert validate_parameters({**values, "p": 0.5}, injected=[])["p"] == 0.5
    with pytest.raises(ValueError, match=r"says p=0.5 but the chapter runs with p=0.3"):
        validate_parameters(values, injected=[])
    monkeypatch.setenv(CUSTOM_ENV, json.dumps({"netwroks": [1, 2]}))
    with pytest.raises(ValueError, match="must map names of"):
        custom_note()


# --- what would be trained ---------------------------------------------------------------------------

def test_training_needs_count_stored_networks_and_estimate_from_recorded_wall_time(tmp_path, monkeypatch, capsys):
    from _fake_trainer import FakeTrainer

    from toponet import shards
    from toponet.experiments import experiment
    from toponet.store import Store

    store = Store(tmp_path / "store", checkpoints=tmp_path / "ckpt")
    config = experiment("mnist").plan("smoke").config
    shards.train_shard(config, (0, 1), store=store, trainer=FakeTrainer(), experiment="mnist", profile="smoke",
                       progress=False)
    manifest = store.path(config) / "manifest.json"
    m = json.loads(manifest.read_text())
    m["shards"][0]["wall_time_s"] = 60.0  # 2 networks x 30 iterations in 60 s: 1 s per network-iteration
    manifest.write_text(json.dumps(m))
    run = rerun.prepare_run("01_mnist", [("networks", "4")], profile="smoke", root=REPO)
    needs = rerun.training_needs(run, store)
    mnist = needs[0]
    assert [n.name for n in needs] == ["mnist", *MNIST_VARIANTS]
    assert (mnist.networks, mnist.iterations, mnist.stored, mnist.missing) == (4, 30, 2, 2)
    assert mnist.seconds_per_step == pytest.approx(1.0) and mnist.seconds == pytest.approx(60.0)
    assert all(n.stored == 0 and n.seconds_per_step == rerun.DEFAULT_SECONDS_PER_STEP for n in needs[1:])
    text = "\n".join(rerun.describe(run, needs))
    assert "networks: 2 -> 4" in text and "mnist: 4 x 30 iterations: 2 of 4 in the store; trains 2 (about 60 s" in text

    trainer = FakeTrainer()
    monkeypatch.setattr(shards, "_default_trainer", lambda: trainer)
    mnist.ensure()  # trains only the missing seeds, through the chapter's own load_or_train
    assert trainer.calls == [[2, 3]]
    assert rerun.training_needs(run, store)[0].missing == 0


def test_the_dry_run_prints_and_runs_nothing(book, capsys, no_execution):
    assert main(["run", CHAPTER, "--root", str(book), "--profile", "smoke", "-p", "p", "0.9", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "p: 0.5 -> 0.9  (fraction of densest points kept" in out  # the chapter's own comment on p
    assert "training: none" in out and "dry run: nothing" in out
    assert not (book / "_build" / "runs").exists()


# Each name training_needs lists must be what the chapter itself loads, in its notebook or in the
# chapter module whose run_chapter the notebook calls (a drift check, d2l's trap).
# (chapters 02 and 03 load in run_chapter through _cifar.load_runs, each run by _cifar.load_run;
# tests/test_chapter_cifar_result.py checks which experiments it loads against the registry)
CHAPTER_CALLS = {
    "01_mnist": ['load_or_train("mnist", profile, networks=networks, iterations=iterations',
                 *(f'"{v}"' for v in MNIST_VARIANTS)],
    "02_cifar_gray": ['cifar_gray.run_chapter(profile=profile, networks=networks, iterations=iterations'],
    "03_cifar_color": ['cifar_color.run_chapter(profile=profile, networks=networks, iterations=iterations'],
    "05_generalization": ['load_or_train(names[arm], profile, networks=networks, iterations=iterations',
                          'load_or_train(names["harder"], profile', 'load_or_train("mnist", profile',
                          'names["append"]'],
    "06_umass": ['registry.study("u1-tori").load(profile, seeds=networks, iterations=iterations)',
                 'registry.study(f"u2-{kind}").load(profile)'],
    "07_learning_graphs": ['registry.study("l1").load(profile)', 'registry.study("l2").load(profile)',
                           'registry.study("l1-normal").load(profile)',
                           'registry.study("l1").load(profile, seed=s)', "range(1, networks)"],
}


def chapter_source(chapter: str) -> str:
    """The chapter's notebook and the chapter modules it imports (a chapter loads what it trains
    in its module's ``run_chapter``, or in the notebook)."""
    notebook = (REPO / "notebooks" / f"{chapter}.py").read_text()
    texts = [notebook]
    for node in ast.walk(ast.parse(notebook)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("toponet.chapters"):
            base = REPO / Path(*node.module.split("."))
            for alias in node.names:
                for path in (base / f"{alias.name}.py", base / alias.name / "__init__.py", base.with_suffix(".py")):
                    if path.is_file():
                        texts.append(path.read_text())
                        break
    return "\n".join(texts)


@pytest.mark.parametrize("chapter", sorted(p.stem for p in (REPO / "notebooks").glob("*.py")))
def test_training_needs_mirror_what_each_chapter_loads(chapter):
    source = chapter_source(chapter)
    direct = ["load_or_train", "tori_study(", "learning_trajectories(", "memorization_run("]
    if chapter not in CHAPTER_TRAINING:   # trains nothing: loads nothing
        assert not any(call in source for call in direct + ["registry.study("]), chapter
    elif chapter not in CHAPTER_CALLS:    # a chapter added since: loads only through the registry
        assert "registry.study(" in source and not any(call in source for call in direct), chapter
    for call in CHAPTER_CALLS.get(chapter, []):
        assert call in source, f"{chapter}: {call}"


# --- a real run of chapter 00 (a few seconds at the smoke profile) --------------------------------------

def test_a_run_writes_its_own_folder_and_never_the_main_builds_outputs(book, capsys):
    before = _main_outputs(book)
    assert main(["run", CHAPTER, "--root", str(book), "--profile", "smoke", "-p", "p", "0.9"]) == 0
    run = rerun.prepare_run(CHAPTER, [("p", "0.9")], profile="smoke", root=book)
    assert str(run.folder / f"{CHAPTER}.ipynb") in capsys.readouterr().out
    assert _main_outputs(book) == before
    record = json.loads((run.folder / "parameters.json").read_text())
    assert record["parameters"]["p"] == 0.9 and record["custom"] == {"p": [0.5, 0.9]}
    nb = json.loads((run.folder / f"{CHAPTER}.ipynb").read_text())
    injected = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert "p = 0.9" in "".join(injected["source"])
    from toponet.book.notebook import READING_LEAD

    # every caption names the custom value; a figure's "What to see" reading is not a caption
    captions = [text for c in nb["cells"] for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})
                for text in ["".join(o["data"]["text/markdown"])] if not text.lstrip().startswith(READING_LEAD)]
    assert captions and all(c.endswith("Run with custom parameters: p=0.9 (profile: 0.5).") for c in captions)


def test_verdict_rows_of_a_run_go_to_its_folder_with_the_note(book, monkeypatch):
    import os

    from toponet.verdict_record import Verdict, load, record

    def execute(notebook, output, parameters, **kw):  # stands for the kernel: same environment
        shutil.copy(notebook, output)
        record(Verdict("F1", "claim", "paper", f"p was {parameters['p']}", "6 x 64 (smoke)", "ideal", "reproduced",
                       CHAPTER), os.environ["TOPONET_VERDICTS_DIR"])
        return 0.0

    monkeypatch.setattr(build_mod, "execute", execute)
    before = _main_outputs(book)
    run = rerun.prepare_run(CHAPTER, [("p", "0.9")], profile="smoke", root=book)
    result = rerun.execute_run(run, echo=lambda _: None)
    assert result.verdicts == (run.folder / "verdicts" / "F1.json",)
    assert load(run.folder / "verdicts")[0].scale == "6 x 64 (smoke); custom parameters: p=0.9 (profile: 0.5)"
    table = (run.folder / "verdicts.md").read_text()
    assert "| **F1** claim | **reproduced** | p was 0.9 | 6 x 64 (smoke); custom parameters: p=0.9" in table
    assert _main_outputs(book) == before and CUSTOM_ENV not in os.environ


def test_runs_keep_their_results_in_the_user_cache_never_in_the_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPONET_CACHE", str(tmp_path / "cache"))
    assert rerun.run_results_directory() == tmp_path / "cache" / "calibration"
    root = Path(rerun.__file__).resolve().parents[2]
    assert root not in rerun.run_results_directory().parents


@pytest.mark.slow
def test_the_html_page_of_a_run_renders_offline(book):
    from toponet.book.assets import default_cache_dir

    if not (default_cache_dir(REPO) / "static").is_dir():
        pytest.skip("no offline assets (python -m toponet.book assets)")
    (book / "cache").symlink_to(REPO / "cache")
    run = rerun.prepare_run(CHAPTER, [("seed", "1")], profile="smoke", root=book)
    result = rerun.execute_run(run, html=True, echo=lambda _: None)
    assert result.html == run.folder / "html" / f"{CHAPTER}.html"
    assert "custom parameters: seed=1 (profile: 0)" in result.html.read_text()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_chapter_passes_name_params_and_profile():
    cmd = ["make", "-s", "-n", "-C", str(REPO), "chapter", "NAME=01_mnist", "PARAMS=-p p 0.5", "PROFILE=smoke"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
    assert "-m toponet.book run 01_mnist --profile smoke -p p 0.5" in out
    proc = subprocess.run(["make", "-s", "-C", str(REPO), "chapter", "PY=true"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode != 0 and "NAME=" in proc.stderr
