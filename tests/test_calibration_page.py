"""The Calibration page's size curve reaches the MNIST chapter's cloud, within a stated budget."""
from __future__ import annotations

import pytest

from toponet.book.profiles import PROFILES
from toponet.calibration import Calibration
from toponet.chapters import calibration_page as cp


def _cal(n: int, *, k: int | None = None, p: float = 0.3, power_hits: int = 40, fpr=(1, 0)) -> Calibration:
    return Calibration(n_points=n, k=cp.curve_k(n, 200) if k is None else k, p=p, draws=99, noise=0.25,
                       circle_fraction=0.5, thresholds={"gaussian": 0.3, "shuffled": 0.3},
                       fpr_exceed={"gaussian": fpr[0], "shuffled": fpr[1]}, fpr_draws=40, power_hits=power_hits,
                       power_draws=40)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_curve_reaches_the_cloud_the_mnist_chapter_tests(profile, tmp_path):
    plan = cp.size_plan(profile, networks=2, directories=[tmp_path])
    chapter = PROFILES[profile].parameters("01_mnist")["networks"] * 64
    assert plan.chapter_points == chapter and plan.sizes[-1] == max(chapter, cp.SMALLEST)
    assert list(plan.sizes) == sorted(set(plan.sizes)) and plan.sizes[0] == cp.SMALLEST
    # nothing cached in an empty folder: only the sizes within the budget are shown
    assert plan.shown == tuple(s for s in plan.sizes if s <= 128) and set(plan.missing) == set(plan.sizes) - {128}


def test_a_cached_size_is_shown_beyond_the_budget(monkeypatch):
    monkeypatch.setattr(cp.calibration, "load_all", lambda folder: [_cal(6400), _cal(2048, k=16), _cal(4096, p=0.5)])
    plan = cp.size_plan("default", networks=16, directories=["x"])
    assert plan.chapter_points == 6400
    assert 6400 in plan.shown and 2048 in plan.missing and 4096 in plan.missing   # other k, other p: not the curve's
    note = cp.plan_note(plan).data
    assert "6,400 filters" in note and "Not shown: 2,048 and 4,096 filters" in note and "budget of 1,024" in note


def test_the_reading_is_filled_from_the_curve():
    good = cp.curve_reading([_cal(128, power_hits=10), _cal(256, power_hits=35), _cal(512)])._repr_markdown_()
    assert good.startswith("**What to see**") and "at least 80 % from 256 filters on" in good
    assert "at most 1 of 40" in good
    assert "no fresh null cloud passes" in cp.curve_reading([_cal(128, fpr=(0, 0))])._repr_markdown_()
    weak = cp.curve_reading([_cal(128, power_hits=10), _cal(256, power_hits=5, fpr=(6, 0))])._repr_markdown_()
    assert "is 12% at the largest size shown (256 filters), below 80 %" in weak and "above a 5 % test's at 256 filters" in weak


def test_beyond_calibration_is_cached_checked_and_refuses_unknown_models(tmp_path):
    import json

    from toponet.calibration import BEYOND_MODELS, beyond_model_cloud, calibrate_beyond

    for model in BEYOND_MODELS:
        assert beyond_model_cloud(model, 40, noise=0.25, fraction=0.5, seed=1).shape == (40, 9)
    assert calibrate_beyond("klein", 60, 5, 1.0, draws=3, model_draws=1, directory=tmp_path, compute=False) is None
    doc = calibrate_beyond("anisotropic-gaussian", 60, 5, 1.0, draws=3, model_draws=2, directory=tmp_path)
    assert len(doc["answers"]) == 2 and doc["rate"] in (0.0, 0.5, 1.0)
    # 3 draws floor p at 0.25: no answer can be "yes"
    assert not any(a["yes"] for a in doc["answers"])
    again = calibrate_beyond("anisotropic-gaussian", 60, 5, 1.0, draws=3, model_draws=2, directory=tmp_path,
                             compute=False)
    assert again["answers"] == doc["answers"]
    path, = tmp_path.glob("beyond-*.json")
    edited = json.loads(path.read_text())
    edited["answers"][0]["yes"] = True
    path.write_text(json.dumps(edited))
    assert calibrate_beyond("anisotropic-gaussian", 60, 5, 1.0, draws=3, model_draws=2, directory=tmp_path,
                            compute=False) is None           # damaged: named on stderr, not used
    with pytest.raises(ValueError, match="model must be one of"):
        calibrate_beyond("torus", 60, 5, 1.0, directory=tmp_path)


def test_group_test_rows_read_the_tested_claims():
    from toponet.verdict_record import Verdict

    row = Verdict("G2", "transfer", "54 %", "ours", "3 nets", "MNIST (real)", "reproduced", "05_generalization",
                  networks=3, nulls={"harder -> MNIST > MNIST -> harder (permutation test)":
                                     {"p": 0.0286, "draws": 34, "effect_size": 5.0}},
                  power=1.0, false_positive_rate=1 / 35)
    other = Verdict("F2", "circle", "", "", "", "MNIST (real)", "reproduced", "01_mnist",
                    nulls={"gaussian": {"p": 0.01, "draws": 99, "effect_size": 4.0}})
    rows = cp.group_test_rows([row, other])
    assert rows == [{"claim": "G2", "part": "harder -> MNIST > MNIST -> harder", "test": "permutation test",
                     "p (draws)": "0.029 (34)", "power (row)": "100 %", "false positives": "2.86 %",
                     "networks (smallest arm)": 3, "verdict": "reproduced"}]
    assert cp.group_test_rows([other]) == []
