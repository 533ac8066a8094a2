"""Chapters 02 and 03 as results: run_chapter's checks, and the captions, tables and printed
verdicts their methods build from small hand-made results (toponet.chapters.cifar_gray,
cifar_color, _cifar)."""
from dataclasses import fields
from types import SimpleNamespace

import numpy as np
import pytest

from toponet import paper_claims
from toponet.chapters import _cifar, cifar_color, cifar_gray
from toponet.circle_decision import RuleResult

from test_chapter_cifar import _ACC, _claim, _clusters

_PARAMS = dict(profile="default", networks=16, iterations=2000, k=200, p=0.5, resolution=30, gain=3.0)


@pytest.mark.parametrize("module, bad, match", [
    (cifar_gray, dict(k=3072), "3,072 filters of C\\(64,0,64\\)"),
    (cifar_gray, dict(p=1.5), "p"),
    (cifar_color, dict(k=3840), "3,840 per input channel"),
    (cifar_color, dict(networks=0), "networks"),
])
def test_run_chapter_rejects_a_bad_parameter_before_loading(module, bad, match, monkeypatch):
    def no_loading(*args, **kw):
        raise AssertionError("run_chapter loaded a run before checking its parameters")

    monkeypatch.setattr(_cifar, "load_run", no_loading)
    with pytest.raises(ValueError, match=match):
        module.run_chapter(**{**_PARAMS, **bad})


def _artifact(networks=4, last=2000, dropped=()):
    return SimpleNamespace(networks=networks, arch="C(64,32,64)", iterations=[0, last], dropped=dropped,
                           config={"widths": (64, 32, 64)})


def test_runs_text_prints_the_data_each_run_and_the_paper():
    runs = [_cifar.Run("C(64,32,64)", _artifact(), _ACC, 0.77),
            _cifar.Run("C(64,0,64)", _artifact(3, 500, dropped=(9,)), {**_ACC, "n": 3}, 0.692)]
    assert _cifar.runs_text("stand-in", runs, "paper: 77 %").splitlines() == [
        "data: stand-in",
        "4 x C(64,32,64), 2000 iterations: test accuracy 33.7 +- 13.3 % (n = 4)",
        "3 x C(64,32,64), 500 iterations: test accuracy 33.7 +- 13.3 % (n = 3); left out, collapsed to chance: seeds [9]",
        "paper: 77 %"]
    assert runs[1].findings_run() == ("C(64,0,64)", 3, 500, {**_ACC, "n": 3})


def test_verdict_text_is_the_block_the_book_turns_into_a_table():
    rule = RuleResult(verdict="partly", reasons=("one", "two"), nulls={}, power=None, false_positive_rate=None,
                      cloud_points=10)
    rows = [SimpleNamespace(claim_id="F3"), SimpleNamespace(claim_id="F4")]
    assert _cifar.verdict_text(rows, [rule, rule]) == "F3\n  partly\n  one\n  two\nF4\n  partly\n  one\n  two"
    with pytest.raises(ValueError, match="one rule per row"):
        _cifar.verdict_text(rows, [rule])


def test_cluster_rows_set_the_count_and_the_circle_against_their_nulls():
    layers = {"C(64,32,64)": SimpleNamespace(circle=_claim(False), clusters=_clusters(6, 48)),
              "C(64,0,64)": SimpleNamespace(circle=_claim(True), clusters=_clusters(5, 3))}
    rows = cifar_gray.cluster_rows(layers)
    assert rows[0] == {"arch": "C(64,32,64)", "filters": 256, "k": 8, "kept": 128, "clusters": 6,
                       "gaussian nulls with 4-6": "48/99", "shuffled nulls with 4-6": "0/99",
                       "cluster_criterion": "not usable (FPR > 5%)", "top_h1": 0.5, "p gaussian": "p = 0.4 (99 draws)",
                       "p shuffled": "p = 0.4 (99 draws)", "power": "90%", "circle": "not reproduced"}
    assert rows[1]["cluster_criterion"] == "used" and rows[1]["circle"] == "reproduced"


def test_channel_rows_give_each_cloud_its_rule():
    rows = cifar_color.channel_rows({"all": _claim(True), "R": _claim(False, verdict="inconclusive", power=0.3)})
    assert [r["channels"] for r in rows] == ["all", "R"]
    assert rows[1] == {"channels": "R", "filters": 256, "k": 8, "kept": 128, "top_h1": 0.5,
                       "p gaussian": "p = 0.4 (99 draws)", "p shuffled": "p = 0.4 (99 draws)", "power": "30%",
                       "false_positives": "3%", "circle": "inconclusive"}


def _training(module, figure):
    claim = _claim(True)
    mappers = [SimpleNamespace(iteration=it, k=None if layer == 1 else 13, mapper=None) for layer in (1, 2)
               for it in (100, 200)]
    tests = [paper_claims.SnapshotCircle(it, claim) for it in (100, 200)]
    return _cifar.Training(figure=figure, profile="default", run=_cifar.Run("C(64,32,64)", _artifact(), _ACC, 0.8),
                           layer1_mappers=mappers[:2], layer2_mappers=mappers[2:], layer1_tests=tests,
                           layer2_tests=tests, report="", evolution=[{"k": 11}], mapper_settings=module.TRAINING_GRID, p=0.5,
                           evolution_core=module is cifar_color)


def test_training_captions_fill_their_templates():
    gray, color = _training(cifar_gray, "5"), _training(cifar_color, "9")
    assert gray.grid_caption().text.startswith("**Figure 5.** Mapper graphs over training iterations: layer 1 (top; "
                                               "Mapper(30, 3), no filtration) and layer 2 (bottom; $\\rho(13, 0.5)$")
    assert "Layer 1 (all 256 filters, no filtration)" in gray.curves_caption("layer 1").text
    assert "(99 draws per kind)" in gray.curves_caption("layer 1").text
    assert "Layer 2 ($\\rho(8, 0.5)$ of 256 of the 256 pooled filters)" in gray.curves_caption("layer 2").text
    assert "**Figure 5c.**" in gray.curves_caption("layer 2").text
    assert "Layer 1 at $\\rho(11, 0.5)$: top" in gray.evolution_caption().text
    assert "Layer 1 (256 of the 256 filters, no filtration)" in color.curves_caption("layer 1").text
    assert "**Figure 9d.** Layer 1 at every snapshot" in color.evolution_caption().text
    # chapter 03 names the dense core in the orientation curves' cloud, chapter 02 the whole layer
    assert "\\rho(11, 0.5" in color.evolution_caption().text.split("Point cloud")[1]
    assert "\\rho" not in gray.evolution_caption().text.split("Point cloud")[1]
    assert "**Figure 9 (all).**" in color.every_snapshot_caption().text
    with pytest.raises(ValueError, match="'layer 1' or 'layer 2'"):
        gray.curves_caption("conv1")


def test_training_series_needs_a_figure_its_caption_template_words():
    with pytest.raises(ValueError, match="figure must be one of \\('5', '9'\\)"):
        _cifar.training_series(None, figure="7", profile="default", grid={}, tests={}, orientation={})


def _gray_chapter(**values):
    return cifar_gray.GrayChapter(**{**{f.name: None for f in fields(cifar_gray.GrayChapter)}, **values})


def test_gray_barcode_caption_says_which_points_were_drawn():
    run = _cifar.Run("C(64,32,64)", _artifact(), _ACC, 0.77)
    pooled = paper_claims.CircleClaim(label="pooled", n_raw=8192, note=None, test=SimpleNamespace(n_core=128, k=5),
                                calibration=None, rule=None, cloud=np.zeros((3000, 9)))
    every = _gray_chapter(profile="default", runs={"C(64,32,64)": run}, layer2_pooled=pooled,
                          layer2_barcodes=SimpleNamespace(n_points=128)).fig4a_caption().text
    some = _gray_chapter(profile="default", runs={"C(64,32,64)": run}, layer2_pooled=pooled,
                         layer2_barcodes=SimpleNamespace(n_points=100)).fig4a_caption().text
    assert "Barcodes of the dense core the rule tested (128 points of 3,000 filters drawn from the 8,192 pooled" in every
    assert "Barcodes of 100 points of the dense core" in some
    assert "**Figure 4a.**" in every and "(paper: 77.0 %)" in every


def test_gray_verdict_text_follows_the_rows():
    rule = RuleResult(verdict="reproduced", reasons=("why",), nulls={}, power=0.9, false_positive_rate=0.0,
                      cloud_points=10)
    chapter = _gray_chapter(rows=tuple(SimpleNamespace(claim_id=c) for c in ("F3", "F4", "F5")), f3=rule, f4=rule,
                            f5=rule)
    assert chapter.verdict_text().splitlines()[::3] == ["F3", "F4", "F5"]



def test_load_runs_loads_the_main_run_at_the_chapters_scale_then_the_other(monkeypatch):
    loaded = []

    def fake_load(base, label, profile, *, paper_accuracy, **kw):
        loaded.append((base, profile, kw))
        return _cifar.Run(label, None, _ACC, paper_accuracy), f"data of {base}"

    monkeypatch.setattr(_cifar, "load_run", fake_load)
    runs, data = _cifar.load_runs("smoke", ("cifar-gray", "C(64,32,64)", 0.77), ("cifar-gray-C64-0-64", "C(64,0,64)", 0.69),
                                  networks=3, iterations=400, device="cpu")
    assert loaded == [("cifar-gray", "smoke", dict(networks=3, iterations=400, device="cpu")),
                      ("cifar-gray-C64-0-64", "smoke", dict(device="cpu"))]
    assert list(runs) == ["C(64,32,64)", "C(64,0,64)"] and data == "data of cifar-gray"
    assert [run.paper_accuracy for run in runs.values()] == [0.77, 0.69]


def test_color_core_distances_are_the_exercises_core_at_the_pooled_clouds_k():
    from toponet.analysis import scaled_k
    from toponet.circle_decision import dense_core
    from toponet.ideal import distance_to_model, primary_circle_sample

    clouds = {"all": primary_circle_sample(900, noise=0.05, seed=1), "R": primary_circle_sample(300, noise=0.05, seed=2)}
    chapter = cifar_color.ColorChapter(**{**{f.name: None for f in fields(cifar_color.ColorChapter)},
                                          "clouds": clouds, "k": 200, "p": 0.5})
    for cloud, filters in clouds.items():
        core = dense_core(filters, scaled_k(200, filters.shape[0], 11_520), 0.5)   # 11,520 for every cloud
        for model in ("primary_circle", "klein_bottle"):
            distances = chapter.core_distances(cloud, model)
            assert distances.shape == (core.shape[0],)
            np.testing.assert_array_equal(distances, distance_to_model(core, model).distances)
    assert np.median(chapter.core_distances("R")) < 0.3
    with pytest.raises(ValueError, match="cloud must be one of"):
        chapter.core_distances("gray")


class _Loaded(Exception):
    pass


@pytest.mark.parametrize("module, chapter", [(cifar_gray, "02_cifar_gray"), (cifar_color, "03_cifar_color")])
def test_run_chapter_loads_what_the_rerun_tool_trains(module, chapter, monkeypatch):
    """The drift check of tests/test_rerun.py for chapters that load in ``run_chapter``: what
    ``toponet.book run`` trains for the chapter (the registry's ``CHAPTER_TRAINING``) is what
    ``run_chapter`` loads, at the chapter's ``networks`` and ``iterations``."""
    from toponet.chapters.registry import CHAPTER_TRAINING

    loaded = []

    def record_load(base, label, profile, *, paper_accuracy, **kw):
        loaded.append((_cifar.pick_experiment(base)[0], kw.get("networks"), kw.get("iterations")))
        if len(loaded) == 2:
            raise _Loaded
        return _cifar.Run(label, None, _ACC, paper_accuracy), "data"

    monkeypatch.setattr(_cifar, "load_run", record_load)
    params = {**_PARAMS, "p": 0.14 if module is cifar_color else 0.5, "networks": 8, "iterations": 1500}
    with pytest.raises(_Loaded):
        module.run_chapter(**params)
    needs = CHAPTER_TRAINING[chapter](params)
    assert loaded == [(t.experiment, t.networks, t.iterations) for t in needs]
    assert loaded[0][1:] == (8, 1500) and loaded[1][1:] == (None, None)


def test_color_findings_template_glues_each_verdict_to_its_clause():
    f6c = {ch: _claim(False, verdict="inconclusive", power=0.3) for ch in ("all", "R")}
    c7 = _claim(False, bars=((0.1, 0.1),) * 4)
    f7 = RuleResult(verdict="inconclusive", reasons=("r",), nulls={}, power=0.1, false_positive_rate=0.0,
                    cloud_points=184, extra={})
    f8 = RuleResult(verdict="partly", reasons=("r",), nulls={}, power=0.9, false_positive_rate=0.0, cloud_points=9,
                    extra={"beyond_second_order": None})
    rows = [paper_claims.SnapshotCircle(300, _claim(False))]
    kw = dict(profile="default", data="stand-in", real=False, runs=[("C(64,32,64)", 4, 1500, _ACC)], f6_claims=f6c,
              f6=paper_claims.f6_rule(f6c), f7_claim=c7, f7=f7, f8_test=SimpleNamespace(describe=lambda: "far"), f8=f8,
              f9=paper_claims.f9_rule(rows, rows))
    s = cifar_color.color_findings(**kw).text
    assert "the circle rule finds a circle in none of the clouds (" in s
    assert "**F6: inconclusive**: with power below 80% a missing circle is no evidence of absence. Without" in s
    assert "0 $H_1$ bar(s) surely beat both nulls (at most 0; the paper: 3); **F7: inconclusive**." in s
    assert "Three-circle model: far. **F8: partly**. During training" in s and "  " not in s
    with pytest.raises(ValueError, match="beyond_second_order"):
        cifar_color.color_findings(**{**kw, "f8": RuleResult(verdict="partly", reasons=(), nulls={}, power=0.9,
                                                            false_positive_rate=0.0, cloud_points=9,
                                                            extra={"beyond_second_order": "maybe"})})
