"""Chapter 01's result (toponet.chapters.mnist.run_chapter, MnistChapter): captions, readings and
the printed lines filled from a small hand-built result; run_chapter's checks before any loading."""
from dataclasses import FrozenInstanceError
from types import SimpleNamespace

import numpy as np
import pytest

from toponet.chapters import mnist
from toponet.ideal import primary_circle_sample
from toponet.circle_decision import RuleResult

SWEEP = [dict(k=5, p=0.3, h1_ratio=3.0, frac_near_circle=0.7), dict(k=5, p=1.0, h1_ratio=1.5, frac_near_circle=0.4),
         dict(k=10, p=0.3, h1_ratio=2.5, frac_near_circle=0.6)]


def analysis(method: str, near: float = 0.5):
    """A stand-in for toponet.analysis.AnalysisResult: what the captions and readings read of it."""
    return SimpleNamespace(summary=lambda: {"persistence_method": method, "frac_near_primary_circle_filtered": near,
                                            "n_points": 128, "n_kept": 38})


@pytest.fixture
def chapter():
    groups = mnist.GroupStatistics(values={"trained": np.array([1.0, 1.2]), "untrained": np.array([0.2, 0.3]),
                                           "gaussian": np.array([0.25, 0.2])}, group_size=2, points_per_group=128,
                                   k=7, p=0.3)
    rule = RuleResult(verdict="partly", reasons=("a circle: both nulls beaten", "a second long bar"), nulls={},
                      power=0.9, false_positive_rate=0.03, cloud_points=128)
    artifact = SimpleNamespace(networks=4, iterations=[0, 2000], arch="M(64, 32, 64)")
    rows = [{"experiment": "mnist-M64-0-64", "verdict": "reproduced", "rule": rule},
            {"experiment": "mnist-M64-8-512", "verdict": "inconclusive", "rule": rule}]
    return mnist.MnistChapter(
        profile="smoke", k=200, p=0.3, resolution=10, gain=3.0, seed=0, artifact=artifact,
        accuracy={"mean": 0.98, "sd": 0.01, "n": 4, "values": [0.97, 0.98, 0.98, 0.99]},
        layer1={"k": 12, "groups": groups, "result": analysis("exact", 0.8), "verdict": rule},
        layer1_filters=primary_circle_sample(256, seed=1), untrained_filters=primary_circle_sample(256, seed=2),
        distances={}, near_threshold=0.6, evolution=[], sweep=SWEEP, variants=rows,
        layer2_filters=np.zeros((8192, 9)), layer2={"k": 5, "n": 256},
        layer2_analysis=analysis("landmarks (200 of 256)", 0.1), rows=())


def test_captions_name_the_figure_its_cloud_and_the_paper_accuracy_where_fig2_quotes_it(chapter):
    a = chapter.caption("2a").text
    assert a.startswith("**Figure 2a.** Mapper(10, 3) of the dense core") and "(paper: 99" in a
    assert r"\rho(12, 0.3, 4 \times M^{1}" in a and "Profile `smoke`." in a
    assert "(exact)" in chapter.caption("2b").text
    c = chapter.caption("2c").text
    assert r"$\rho(7, 0.3)$ for disjoint groups of 2 networks (128 filters each)" in c
    assert r"\rho(7, 0.3, 2 \times M^{1}" in c and "paper:" not in c
    assert "over 3 choices of (k, p)" in chapter.caption("2f").text
    h = chapter.caption("2h").text
    assert "256 filters drawn at random from the 8,192 (landmarks (200 of 256))" in h
    assert r"\rho(5, 0.1, 4 \times M^{2}" in h
    with pytest.raises(ValueError, match="figures 2a to 2i"):
        chapter.caption("3a")


def test_readings_come_from_the_result(chapter):
    assert "It holds in 2 of 3 cells" in chapter.reading("2f").text
    assert "from 40% to 70%" in chapter.reading("2g").text
    assert "group of 2 networks" in chapter.reading("2c").text
    with pytest.raises(ValueError, match="figures 2a to 2i"):
        chapter.reading("2j")
    with pytest.raises(ValueError, match="'h1_ratio' and 'frac_near_circle'"):
        chapter.sweep_figure("h1_top")


def test_printed_lines_and_the_variant_table(chapter):
    assert chapter.verdict_block() == "partly\n  a circle: both nulls beaten\n  a second long bar"
    first, second = chapter.summary().splitlines()
    assert first == ("4 networks M(64, 32, 64), 2000 iterations; test accuracy 98.00 +- 1.00 % (n = 4); "
                     "paper: about 99.0 % at 40K")
    assert second == "128 filters, k = 12 (paper: 200 for 6400), 38 kept; persistence: exact"
    assert chapter.variant_rows() == [{"experiment": "mnist-M64-0-64", "verdict": "reproduced"},
                                      {"experiment": "mnist-M64-8-512", "verdict": "inconclusive"}]
    with pytest.raises(FrozenInstanceError):
        chapter.k = 10


def test_filter_sample_is_seeded_and_rescales_k(chapter):
    sample, k = chapter.filter_sample(64)
    again, _ = chapter.filter_sample(64)
    assert sample.shape == (64, 9) and np.array_equal(sample, again) and k == 5   # 200 * 64 / 6400 = 2, floored at 5
    assert chapter.filter_sample(10_000)[0].shape == (256, 9)


def test_sweep_ks():
    assert mnist.sweep_ks(60, 6400) == [15, 30, 60, 120, 240]
    assert mnist.sweep_ks(4, 20) == [2, 4, 8]          # at least 2, below half the cloud


def test_run_chapter_rejects_bad_parameters_before_loading(monkeypatch):
    monkeypatch.setattr(mnist, "load_or_train", lambda *a, **k: pytest.fail("must not load"))
    good = dict(profile="smoke", networks=4, iterations=30, k=200, p=0.3, resolution=10, gain=3.0)
    with pytest.raises(ValueError, match="k=6400"):
        mnist.run_chapter(**{**good, "k": 6400})
    with pytest.raises(ValueError, match="p=0.01 keeps 3 of the 256"):
        mnist.run_chapter(**{**good, "p": 0.01})
