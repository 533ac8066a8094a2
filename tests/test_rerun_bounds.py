"""Issue 23, defect 2: ``python -m toponet.book run --dry-run`` applies every check the chapter's
first cell runs (names, types, finite ranges, a memory estimate, the chapter's own bounds)
before anything is planned, trained or executed."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from toponet.book import build as build_mod
from toponet.book import profiles, rerun
from toponet.book.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A book root with chapters 01, 02, 03, 05 and 08; planning (training_needs) or executing fails the test."""
    (tmp_path / "notebooks").mkdir()
    for name in ("01_mnist", "02_cifar_gray", "03_cifar_color", "05_generalization", "08_natural_patches"):
        shutil.copy2(REPO / "notebooks" / f"{name}.py", tmp_path / "notebooks")
    monkeypatch.setattr(build_mod, "execute", lambda *a, **k: pytest.fail("a chapter was executed"))
    monkeypatch.setattr(rerun, "training_needs", lambda *a, **k: pytest.fail("planned before the checks"))
    return tmp_path


def refused(book, capsys, chapter, *params) -> str:
    argv = ["run", chapter, "--root", str(book), "--dry-run"]
    for name, value in zip(params[::2], params[1::2]):
        argv += ["-p", name, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("book: error: ") and err.count("\n") == 1, err
    assert not (book / "_build").exists()
    return err


@pytest.mark.parametrize("name, value, named", [
    ("gain", "inf", "gain must be a number > 1, finite"),
    ("gain", "nan", "gain must be a number > 1, finite"),
    ("p", "1e-300", "p=1e-300 keeps 0 of the 6,400 first-layer filters (100 networks x 64); Mapper of the core "
                    "needs at least 11"),
    ("k", "1e22", "k must be an integer; got 1e+22 (float)"),
    ("resolution", "1e9", "resolution must be an integer"),
    ("networks", "1e9", "networks must be an integer"),
    ("k", "6400", "k=6400: the paper's k for its 6,400 filters"),
])
def test_the_five_examples_are_refused_naming_the_parameter(book, capsys, name, value, named):
    assert named in refused(book, capsys, "01_mnist", name, value)


@pytest.mark.parametrize("name, value, estimate", [
    ("networks", "1000000000", "needs at least 4.61 TB for networks x 64 filters x 9 float64"),
    ("k", "10000000000000000000000", "needs at least 8e+29 PB for (k + 1) points x k neighbour distances"),
    ("resolution", "1000000000", "needs at least 1e+03 PB for resolution^2 cubes"),
])
def test_values_whose_arrays_cannot_fit_are_refused_with_the_estimate_and_the_limit(book, capsys, name, value,
                                                                                    estimate):
    err = refused(book, capsys, "01_mnist", name, value)
    assert f"{name}={value}: {estimate}" in err
    assert re.search(r"this machine has [\d.]+ [kMGTP]B available \((MemAvailable in /proc/meminfo|os.sysconf free pages)\)$", err.strip())


def test_the_memory_check_names_estimate_and_limit(monkeypatch):
    values = dict(networks=100, k=200, resolution=30)
    profiles.check_memory(values, available=(10 ** 6, "test"))            # 460 kB, 322 kB, 900 bytes: fit
    with pytest.raises(ValueError, match=r"^networks=100: needs at least 461 kB .* has 400 kB available \(test\)$"):
        profiles.check_memory(values, available=(400_000, "test"))
    with pytest.raises(ValueError, match=r"^resolution=2000: needs at least 4 MB"):
        profiles.check_memory({**values, "resolution": 2000}, available=(10 ** 6, "test"))
    if Path("/proc/meminfo").exists():
        assert profiles.available_memory()[1] == "MemAvailable in /proc/meminfo"
    monkeypatch.setattr(profiles, "available_memory", lambda: None)       # unknown: nothing is refused
    profiles.check_memory(dict(networks=10 ** 12, k=10 ** 12, resolution=10 ** 12))


def test_validate_parameters_in_a_chapter_runs_the_memory_check(monkeypatch):
    good = dict(profile="smoke", networks=2, iterations=30, k=10, p=0.5, resolution=10, gain=3.0, seed=0,
                device="auto")
    monkeypatch.setattr(profiles, "available_memory", lambda: (1000, "test"))
    with pytest.raises(ValueError, match="networks=2: needs at least 9.22 kB"):
        profiles.validate_parameters(good)


def test_a_chapters_own_bounds_are_checked_before_anything_runs(book, capsys):
    assert "k=10: the chapter compares the core X(k, p) with X(15, p)" in refused(book, capsys, "08", "k", "10")


def test_good_values_still_pass_the_dry_run(book, capsys, monkeypatch):
    monkeypatch.setattr(rerun, "training_needs", lambda *a, **k: [])
    assert main(["run", "01", "--root", str(book), "--dry-run", "-p", "p", "0.2", "-p", "gain", "2.5"]) == 0
    assert "dry run: nothing trained or executed" in capsys.readouterr().out


def test_chapter_checks_are_the_ones_the_notebooks_call():
    """CHAPTER_CHECKS lists exactly the chapters whose first cell calls ``<chapter module>.validate(globals())``."""
    called = {}
    for source in sorted((REPO / "notebooks").glob("*.py")):
        text = source.read_text(encoding="utf-8")
        aliases = {alias or module: f"toponet.chapters.{module}" for module, alias in
                   re.findall(r"^from toponet\.chapters import (\w+)(?: as (\w+))?$", text, re.M)}
        for alias in re.findall(r"^(?:\w+ = )?(\w+)\.validate\(globals\(\)\)", text, re.M):
            if alias != "tb":
                called[source.stem] = aliases[alias]
    assert called == rerun.CHAPTER_CHECKS


@pytest.mark.parametrize("profile", sorted(profiles.PROFILES))
@pytest.mark.parametrize("chapter", sorted(rerun.CHAPTER_CHECKS))
def test_every_profile_passes_the_chapters_own_checks(profile, chapter):
    import importlib

    importlib.import_module(rerun.CHAPTER_CHECKS[chapter]).validate(profiles.PROFILES[profile].parameters(chapter))


def test_the_chapters_with_k_and_p_have_bounds_of_their_own():
    """Every chapter whose k and p size its density cores is in CHAPTER_CHECKS (issue 23)."""
    assert {"01_mnist", "02_cifar_gray", "03_cifar_color", "05_generalization",
            "08_natural_patches", "09_your_network"} <= set(rerun.CHAPTER_CHECKS)


# --- chapters 02, 03, 05 (issue 23): p and k bounds of their own, before anything runs -------------------

@pytest.mark.parametrize("chapter, named", [
    ("02_cifar_gray", "first-layer filters of C(64,32,64) (16 networks x 64); Mapper of the core needs at least 11 "
                      "(raise p or networks)"),
    ("03_cifar_color", "first-layer filters of one input channel (16 networks x 64); Mapper of the core needs at "
                       "least 11 (raise p or networks)"),
    ("05_generalization", "first-layer filters of one G3 group ("),
])
def test_a_p_that_keeps_too_few_points_is_refused_naming_p(book, capsys, chapter, named):
    err = refused(book, capsys, chapter, "p", "1e-300")
    assert err.startswith("book: error: p=1e-300 keeps 0 of the ") and named in err, err
    assert err.strip().endswith("raise p or networks)" if chapter != "05_generalization" else
                                "G3's circle test (an H1 bar) needs at least 4 (raise p)"), err


@pytest.mark.parametrize("chapter, value, named", [
    ("02_cifar_gray", "3072", "k=3072: the paper's k for its 6,400 filters of C(64,32,64) and its 3,072 filters of "
                              "C(64,0,64) (rescaled to our clouds) must be below 3,072 (the paper: 200)"),
    ("03_cifar_color", "3840", "k=3840: the paper's k for its 11,520 filters (3,840 per input channel) (rescaled to "
                               "our clouds) must be below 3,840 (the paper: 200)"),
    ("05_generalization", "6400", "k=6400: the paper's k for its 6,400 first-layer filters (rescaled to our clouds) "
                                  "must be below 6,400 (the paper: 100)"),
])
def test_a_k_beyond_the_papers_cloud_is_refused(book, capsys, chapter, value, named):
    assert named in refused(book, capsys, chapter, "k", value)


@pytest.mark.parametrize("chapter, params", [
    ("02_cifar_gray", ("p", "0.3", "k", "100")),
    ("03_cifar_color", ("p", "0.2", "networks", "8")),
    ("05_generalization", ("p", "0.2", "k", "50")),
])
def test_reasonable_custom_values_pass_the_dry_run(book, capsys, monkeypatch, chapter, params):
    monkeypatch.setattr(rerun, "training_needs", lambda *a, **k: [])
    argv = ["run", chapter, "--root", str(book), "--dry-run"]
    for name, value in zip(params[::2], params[1::2]):
        argv += ["-p", name, value]
    assert main(argv) == 0
    assert "dry run: nothing trained or executed" in capsys.readouterr().out


def test_the_chapter_bounds_follow_the_clouds_the_chapter_builds():
    from toponet.chapters import cifar_color, cifar_gray, generalization

    def smoke(chapter, **values):
        return {**profiles.PROFILES["smoke"].parameters(chapter), **values}

    # 02: C(64,32,64) pools `networks`, C(64,0,64) the profile's 2 (smoke): p=0.05 keeps 6 of 128
    assert cifar_gray.validate(smoke("02_cifar_gray", networks=100, p=0.1))["n_points"] == {
        "C(64,32,64)": 6400, "C(64,0,64)": 128}
    with pytest.raises(ValueError, match=r"^p=0\.05 keeps 6 of the 128 first-layer filters of C\(64,0,64\) \(the "
                                         r"smoke profile's 2 networks x 64\); .* at least 11 \(raise p\)$"):
        cifar_gray.validate(smoke("02_cifar_gray", networks=100, p=0.05))
    # 03: one input channel of `networks` x 64 filters; 11 of 64 need p >= 0.17
    assert cifar_color.validate(smoke("03_cifar_color", networks=1, p=0.17))["n_points"] == 64
    with pytest.raises(ValueError, match=r"^p=0\.14 keeps 9 of the 64 first-layer filters of one input channel"):
        cifar_color.validate(smoke("03_cifar_color", networks=1))
    # 05: a G3 group of 1 network (smoke) x 64 filters; an H1 bar needs 4 points: 0.06 keeps 4, 0.05 keeps 3
    assert generalization.validate(smoke("05_generalization", p=0.06)) == dict(k=100, p=0.06, group=1, n_points=64)
    with pytest.raises(ValueError, match=r"^p=0\.05 keeps 3 of the 64 .* needs at least 4 \(raise p\)$"):
        generalization.validate(smoke("05_generalization", p=0.05))
    # `networks` sizes only the G1 arms: it changes no G3 group
    assert generalization.validate(smoke("05_generalization", networks=1))["group"] == 1
