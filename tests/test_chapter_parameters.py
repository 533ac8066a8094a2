"""Issue 14 item 7: every chapter checks its papermill parameters in its first cell."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from toponet.book.build import ChapterFailed, convert, discover_chapters, execute
from toponet.book.profiles import PARAMETERS, PROFILES, injected_names, validate_parameters
from toponet.book.profiles import CHAPTER_PARAMETERS

REPO = Path(__file__).resolve().parents[1]
GOOD = dict(profile="smoke", networks=2, iterations=30, k=10, p=0.5, resolution=10, gain=3.0, seed=0, device="auto")


@pytest.mark.parametrize("change, error, fragment", [
    ({"profile": "nonsense"}, ValueError, "profile: unknown profile 'nonsense'"),
    ({"networks": -1}, ValueError, "networks must be >= 1; got -1"),
    ({"networks": 2.0}, TypeError, "networks must be an integer"),
    ({"iterations": "30"}, TypeError, "iterations must be an integer"),
    ({"k": 0}, ValueError, "k must be >= 1"),
    ({"p": 0.0}, ValueError, "p must lie in (0, 1]"),
    ({"gain": 1}, ValueError, "gain must be a number > 1"),
    ({"seed": -3}, ValueError, "seed must be >= 0"),
    ({"device": "gpu"}, ValueError, "device must be auto, cpu"),
])
def test_bad_values_are_named(change, error, fragment):
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        validate_parameters({**GOOD, **change})


def test_good_values_pass_in_every_profile():
    for prof in PROFILES.values():
        for source in discover_chapters(REPO):
            values = prof.parameters(source.stem)
            assert validate_parameters(values, chapter=source.stem) == values


YOURS = {**GOOD, "weights": "", "layers": "all", "sample_size": 128, "null_repeats": 99}


@pytest.mark.parametrize("change, error, fragment", [
    ({"sample_size": 10}, ValueError, "sample_size must be >= 20; got 10"),
    ({"sample_size": 2048.0}, TypeError, "sample_size must be an integer"),
    ({"null_repeats": 1}, ValueError, "null_repeats must be >= 2; got 1"),
    ({"layers": " , "}, ValueError, "layers must be 'all' or layer names separated by commas"),
    ({"weights": 3}, TypeError, "weights must be a file path (text)"),
])
def test_a_chapters_own_parameters_are_checked_too(change, error, fragment):
    assert validate_parameters(YOURS, chapter="09_your_network") == YOURS
    with pytest.raises(error, match=re.escape(fragment)):
        validate_parameters({**YOURS, **change}, chapter="09_your_network")


def test_a_chapters_own_parameter_is_unknown_elsewhere():
    assert set(CHAPTER_PARAMETERS["09_your_network"]) == {"weights", "layers", "sample_size", "null_repeats"}
    with pytest.raises(ValueError, match=r"'weights' \(a parameter of chapter 09_your_network only\)"):
        validate_parameters({**GOOD, "weights": "x.pt"}, injected=["weights"])
    with pytest.raises(ValueError, match=r"\['weights', 'layers', 'sample_size', 'null_repeats'\] are not defined"):
        validate_parameters(GOOD, chapter="09_your_network")


def test_unknown_injected_names_are_refused_with_a_hint():
    ns = {**GOOD, "In": ["", 'profile = "smoke"\n', '# Parameters\nprofile = "smoke"\nnetwroks = 4\n']}
    assert injected_names(ns) == ["profile", "netwroks"]
    with pytest.raises(ValueError, match=r"unknown chapter parameter 'netwroks' \(did you mean 'networks'\?\)"):
        validate_parameters(ns)
    assert validate_parameters(GOOD, injected=["networks"]) == GOOD
    assert injected_names(GOOD) is None  # run without papermill: nothing injected


def test_a_missing_parameter_is_named():
    with pytest.raises(ValueError, match=r"\['device'\] are not defined"):
        validate_parameters({k: v for k, v in GOOD.items() if k != "device"})


def test_every_chapter_validates_in_its_first_code_cell():
    import jupytext

    for source in discover_chapters(REPO):
        cells = [c for c in jupytext.read(source, fmt="py:percent").cells if c.cell_type == "code"]
        tagged = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
        assert tagged, source
        first = cells[tagged[0] + 1].source
        # a chapter with parameters of its own names itself, so that they are checked too
        call = (f'tb.validate_parameters(globals(), chapter="{source.stem}")' if source.stem in CHAPTER_PARAMETERS
                else "tb.validate_parameters(globals())")
        assert call in first, source
        assert first.index(call) < first.index("tb.setup_notebook()"), source


CHAPTER = textwrap.dedent('''\
    # %% tags=["parameters"]
    profile = "smoke"
    networks = 2
    iterations = 30
    k = 10
    p = 0.5
    resolution = 10
    gain = 3.0
    seed = 0
    device = "auto"

    # %%
    import toponet.book as tb

    tb.validate_parameters(globals())
    print("ran with", networks)
    ''')


def test_papermill_run_with_a_misspelt_parameter_fails_naming_it(tmp_path):
    """A real kernel: papermill warns about unknown names; the chapter now stops on them."""
    src = tmp_path / "c.py"
    src.write_text(CHAPTER)
    nb = convert(src, tmp_path / "c.ipynb")
    execute(nb, tmp_path / "ok.ipynb", {"networks": 3}, cwd=tmp_path, progress_bar=False)
    assert "ran with 3" in (tmp_path / "ok.ipynb").read_text()
    with pytest.raises(ChapterFailed, match="unknown chapter parameter 'netwroks'"):
        execute(nb, tmp_path / "bad.ipynb", {"netwroks": 3}, cwd=tmp_path, progress_bar=False)
    with pytest.raises(ChapterFailed, match="networks must be >= 1; got -1"):
        execute(nb, tmp_path / "neg.ipynb", {"networks": -1}, cwd=tmp_path, progress_bar=False)
    assert set(PARAMETERS) == set(GOOD)
