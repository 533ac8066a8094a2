"""Chapter 08's result (:class:`toponet.chapters.natural_patches.PatchesChapter`): its captions,
texts and readings on a small hand-built result, and :func:`run_chapter`'s checks."""
from dataclasses import FrozenInstanceError, replace
from types import SimpleNamespace as NS

import numpy as np
import pytest

from toponet.book import Caption, Reading
from toponet.chapters import natural_patches as ch
from toponet.ideal import gaussian_filters, primary_circle_sample
from toponet.patches import PatchSample


def _core(k_paper, n, *, seed=0):
    points = primary_circle_sample(n, noise=0.05, seed=seed)
    return ch.Core(k_paper=k_paper, k=max(5, k_paper // 10), p=0.3, points=points, test_sample=points[:40])


def _chapter(**changes):
    """A result of two photographs, 1,234 patches and cores of 60 and 50 points."""
    sample = PatchSample(patches=gaussian_filters(1234, seed=1), names=("cat", "moon"), per_photo=5000,
                         high_contrast=(1000, 900), fraction=0.2, seed=0)
    cores = {300: _core(300, 60), 15: _core(15, 50, seed=1)}
    diagrams = {300: NS(n_points=30, method="exact"), 15: NS(n_points=25, method="exact")}
    claims = {kp: {"test": NS(describe=lambda kp=kp: f"test of {kp}"),
                   "calibration": NS(n_points=40, describe=lambda: "calibrated")} for kp in cores}
    rules = {300: NS(verdict="reproduced", reasons=("one long bar", "nulls beaten")),
             15: NS(verdict="inconclusive", reasons=("2 bars", "power 20%", "family-wise", "klein", "circle"))}
    clouds = {"natural patches (2 photographs)": (sample.patches, "1,234 patches"),
              "MNIST, chapter 01 (MNIST (real))": (gaussian_filters(64, seed=2), "first layers of 2 networks"),
              ch.RANDOM_FILTERS: (gaussian_filters(100, seed=3), "100 random directions")}
    result = ch.PatchesChapter(
        profile="smoke", seed=0, p=0.3, k_paper=(300, 15), patch_sample=sample, cores=cores, near_threshold=0.5,
        circle_distances={"all patches": np.array([0.1, 0.2, 0.9, 1.0]), "X(300, 30)": np.array([0.1, 0.3]),
                          "X(15, 30)": np.array([0.4, 0.6, 0.8])},
        three_circle_distances={"X(300, 30)": np.array([0.2]), "X(15, 30)": np.array([0.25, 0.35])},
        mappers={}, claims=claims, diagrams=diagrams, rules=rules, five_bar_power={"power": 0.2}, klein_power={},
        signatures={}, long_bar_counts={300: [1, 1, 2], 15: [3, 2, 2]}, missing_networks=(), network_clouds=clouds,
        network_distances={"natural patches (2 photographs)": np.array([0.1, 0.7]), ch.RANDOM_FILTERS: np.array([1.0])},
        display_calibration=None, comparison=({"cloud": "a"}, {"cloud": "b"}),
        closeness={"natural patches (2 photographs)": (0.2, 1.0), "MNIST, chapter 01 (MNIST (real))": (0.5, 0.5),
                   ch.RANDOM_FILTERS: (0.8, 0.0)},
        rows=(NS(claim_id="NP1", verdict="reproduced"), NS(claim_id="NP2", verdict="inconclusive")))
    return replace(result, **changes)


def test_the_result_is_frozen():
    with pytest.raises(FrozenInstanceError):
        _chapter().seed = 1


def test_captions_state_the_cloud_profile_and_numbers():
    chapter = _chapter()
    assert chapter.patch_cloud == r"1{,}234 \text{ patches of 2 photographs}"
    text = chapter.patches_caption().text
    assert isinstance(chapter.patches_caption(), Caption)
    assert text.startswith("**Figure P1.** 48 of the 1,234 sampled patches (log intensity, top 20 % by D-norm")
    assert "Point cloud $1{,}234 \\text{ patches of 2 photographs}$." in text and "Profile `smoke`." in text
    assert "dotted: 0.50, the 5 % quantile" in chapter.distance_caption().text
    mapper = chapter.cores_mapper_caption().text
    assert "interactive: X(300, 30); bottom: X(15, 30); 50 patches each" in mapper
    assert "of 30 patches drawn from the 40 of X(300, 30) the test ran on (exact;" in chapter.np1_barcode_caption().text
    assert "of 25 patches drawn from the 40 of X(15, 30) the test ran on." in chapter.np2_barcode_caption().text
    networks = chapter.networks_distance_caption().text
    assert "; MNIST, chapter 01 (MNIST (real)): first layers of 2 networks; gaussian filters: 100 random" in networks
    assert r"\text{ patches of 2 photographs},\ \text{first-layer filters}$" in networks


def test_texts_print_what_the_notebook_printed():
    chapter = _chapter()
    assert chapter.sample_text().splitlines()[1] == "high-contrast patches per photograph: {'cat': 1000, 'moon': 900}"
    assert chapter.cores_text() == "X(300, 30): k = 30, 60 patches\nX(15, 30): k = 5, 50 patches"
    assert chapter.three_circle_text() == ("median distance to the three-circle model: X(300, 30) 0.200, X(15, 30) "
                                           "0.300; to the primary circle: X(300, 30) 0.200, X(15, 30) 0.600")
    assert chapter.np1_text() == "test of 300\ncalibration at this size: calibrated"
    assert chapter.np2_text() == "test of 15\n2 bars\npower 20%\nfamily-wise\nklein"      # four reasons
    assert chapter.resampled_text() == ("X(300, 30): long bars in 3 samples of 40: [1, 1, 2]\n"
                                        "X(15, 30): long bars in 3 samples of 40: [3, 2, 2]")
    assert chapter.comparison_table() == [{"cloud": "a"}, {"cloud": "b"}]
    assert "MNIST, chapter 01 (MNIST (real)): 0.50 (50% of the way)" in chapter.closeness_text()
    assert "(0.80) towards natural patches (0.20)" in chapter.closeness_text()


def test_the_verdict_text_is_each_claim_with_its_reasons_indented():
    assert _chapter().verdicts_text() == ("NP1: reproduced\n  one long bar\n  nulls beaten\n"
                                          "NP2: inconclusive\n  2 bars\n  power 20%\n  family-wise\n  klein\n  circle")


def test_readings_count_the_shares_inside_the_threshold():
    chapter = _chapter()
    reading = chapter.distance_reading()
    assert isinstance(reading, Reading)
    assert "Inside it: all patches 50.0 %, X(300, 30) 100.0 %, X(15, 30) 33.3 %." in reading.text
    assert "natural patches (2 photographs) 50.0 %, gaussian filters 0.0 %." in chapter.networks_distance_reading().text


def test_a_core_measures_its_median_distance():
    near, far = _core(300, 200), ch.Core(k_paper=300, k=30, p=0.3, points=gaussian_filters(200, seed=4),
                                         test_sample=np.zeros((1, 9)))
    assert near.median_distance() < 0.2 < far.median_distance()
    assert near.median_distance("three_circles") <= near.median_distance() + 1e-12   # the primary circle is one of three


@pytest.mark.parametrize("change, match", [(dict(k=15), "larger than 15"), (dict(profile="huge"), "no patch scale"),
                                           (dict(p=0.01), "keeps 50 of 5,000")])
def test_run_chapter_rejects_bad_parameters_before_computing(change, match):
    params = dict(profile="smoke", networks=2, iterations=30, k=300, p=0.3, seed=0)
    with pytest.raises(ValueError, match=match):
        ch.run_chapter(**{**params, **change})


def test_load_patches_takes_another_contrast_share_and_sample():
    sample = ch.load_patches("smoke", fraction=0.5, sample=200)
    assert sample.patches.shape == (200, 9) and sample.fraction == 0.5 and sample.names == tuple(ch.natural.CLASSES)
