"""The registry (``toponet.chapters.registry``): every trained thing, at every profile, once.

The committed default build reads exactly the registry's artifacts (a configuration that drifted
from the committed one would silently train a new artifact), and what a chapter trains is the
registry's answer, whatever asks (the book's profiles, the re-run page, the notebooks).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from toponet.book.profiles import PROFILES
from toponet.chapters.registry import CHAPTER_SCALE
from toponet.chapters import registry
from toponet.experiments import SCALES
from toponet.store import Store, config_key

ROOT = Path(__file__).resolve().parent.parent


def test_every_study_has_every_profile_and_its_own_artifact_key():
    for scale in SCALES:
        keys = [config_key(s.config(scale)) for s in registry.STUDIES.values()]
        assert len(set(keys)) == len(keys), scale
    with pytest.raises(ValueError, match="no configuration for profile"):
        registry.Study("x", "", {"smoke": None}, run=print, scale=lambda c: (1, 1))
    with pytest.raises(ValueError, match="unknown study 'nope'; known:"):
        registry.study("nope")


def test_the_default_build_reads_the_committed_artifacts_of_the_registry():
    store = Store()
    parameters = {chapter: PROFILES["default"].parameters(chapter) for chapter in registry.CHAPTER_TRAINING}
    studies = [t for chapter, p in parameters.items() for t in registry.trained(chapter, p) if t.experiment is None]
    # U1, U2 true and permuted; L1, L1-normal, L2 and L1's seeds 1-7
    assert [len(registry.trained(ch, parameters[ch])) for ch in ("06_umass", "07_learning_graphs")] == [3, 3 + 7]
    for t in studies:
        assert (store.path(t.config) / "arrays.json").is_file(), f"{t.label}: {config_key(t.config)} not committed"
    ensembles = [t.experiment for chapter, p in parameters.items() for t in registry.trained(chapter, p)
                 if t.experiment is not None]
    assert "mnist" in ensembles and all(isinstance(name, str) for name in ensembles)


def test_a_chapters_parameters_choose_what_it_trains():
    p = {**PROFILES["default"].parameters("07_learning_graphs"), "networks": 3}
    labels = [t.label for t in registry.trained("07_learning_graphs", p)]
    assert labels == ["learning graph L1", "learning graph L1-normal", "learning graph L2",
                      "learning graph L1 seed 1", "learning graph L1 seed 2"]
    assert [t.config.seed for t in registry.trained("07_learning_graphs", p)][3:] == [1, 2]
    u1 = registry.trained("06_umass", {**PROFILES["smoke"].parameters("06_umass"), "networks": 5, "iterations": 9})[0]
    assert (u1.config.seeds, u1.config.iterations) == (5, 9)
    assert registry.trained("00_ideal_filters", PROFILES["smoke"].parameters("00_ideal_filters")) == []


@pytest.mark.parametrize("scale", SCALES)
def test_chapter_scale_reads_the_studies(scale):
    u1 = registry.study("u1-tori").config(scale)
    assert registry.chapter_scale("06_umass", scale) == (u1.seeds, u1.iterations)
    assert registry.chapter_scale("07_learning_graphs", scale) == (registry.study("l1").networks[scale],
                                                                  registry.study("l1").config(scale).records)
    assert PROFILES[scale].parameters("06_umass")["networks"] == u1.seeds
    assert set(registry.CHAPTER_TRAINING) - {"08_natural_patches"} <= set(CHAPTER_SCALE)


def test_reading_a_chapters_needs_loads_no_torch_unless_it_trains():
    """A dry run of a chapter that trains nothing reads the chapter tables only (the studies and
    their torch-importing modules are built on first use)."""
    code = ("import sys; from toponet.chapters import registry as r; "
            "assert r.trained('04_deep_networks', {'profile': 'default'}) == []; "
            "assert r.chapter_scale('09_your_network', 'default') is None; "
            "assert 'torch' not in sys.modules, 'torch imported'; "
            "r.study('l1'); assert 'torch' in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_a_studys_command_line_options_are_its_own():
    assert dict(registry.study("u1-tori").options) == {"networks": "seeds", "iterations": "iterations"}
    assert not registry.study("l2").options
    for st in registry.STUDIES.values():
        fields = set(st.config("smoke").__dataclass_fields__)
        assert set(st.options.values()) <= fields, st.name
