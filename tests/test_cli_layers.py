"""Issue 27: `toponet analyze MODEL` answers per layer, end to end, on models saved here."""
import json

import numpy as np
import pytest
import torch

from toponet.cli import main
from toponet.ideal import gaussian_filters, primary_circle_sample


#: every test is a user's run (conftest's ``user_cache``: a fresh user cache, committed calibrations read)
pytestmark = pytest.mark.usefixtures("user_cache")


@pytest.fixture
def model(tmp_path):
    """A state dict: a 16x20 3x3 conv whose 320 kernels are noisy primary-circle filters, one of
    gaussian kernels, a 1x1 conv and a 5x5 conv. 320, not 256: at 256 the grid's whole rule fires
    on 5.5 % of null clouds, so it decides nothing there (see test_cli_analyze)."""
    circle = 2.0 * primary_circle_sample(320, noise=0.1, seed=3).reshape(16, 20, 3, 3)
    gauss = gaussian_filters(320, seed=4).reshape(16, 20, 3, 3)
    sd = {"features.0.weight": torch.tensor(circle, dtype=torch.float32),
          "features.0.bias": torch.zeros(16),
          "features.2.weight": torch.tensor(gauss, dtype=torch.float32),
          "features.4.weight": torch.zeros(8, 16, 1, 1).normal_(),
          "features.6.weight": torch.zeros(8, 8, 5, 5).normal_()}
    path = tmp_path / "net.pth"
    torch.save({"model": sd, "epoch": 7}, path)
    return path


def lines(capsys):
    return [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]


def test_list_layers(model, capsys):
    assert main(["analyze", str(model), "--list-layers", "--json"]) == 0
    rows = lines(capsys)
    assert [r["layer"] for r in rows] == ["features.0", "features.2", "features.4", "features.6"]
    assert [r["3x3"] for r in rows] == [True, True, False, False]
    assert rows[0]["spatial_filters"] == 320 and "1x1" in rows[2]["skipped"] and "5x5" in rows[3]["skipped"]
    assert main(["analyze", str(model), "--list-layers"]) == 0
    assert "2 of 4 conv weights have 3x3 kernels" in capsys.readouterr().out


def test_layers_all_answers_each_layer_with_the_calibrated_rule(model, capsys, user_cache, tmp_path):
    page = tmp_path / "report.html"
    assert main(["analyze", str(model), "--layers", "all", "--json", "--html", str(page)]) == 0
    rows = lines(capsys)
    assert [r["layer"] for r in rows] == ["features.0", "features.2"]
    circle, gauss = rows
    for r in rows:
        assert r["used"] == 320 and r["k"] == 10 and r["p"] == 0.3               # k = n/32, the grid family
        assert set(r["nulls"]) == {"gaussian", "shuffled", "directions"}
        assert all(n["draws"] == 99 for n in r["nulls"].values())
        assert r["calibration"]["source"].startswith("calibrated at this size (n = 320")   # shipped, not computed
        assert r["power"] == pytest.approx(40 / 40) and r["false_positive_rate"] is not None
    assert circle["circle"] == "yes" and circle["nulls"]["gaussian"]["p"] == pytest.approx(0.01)
    assert circle["near_primary_circle_core"] > 0.9
    assert gauss["circle"] == "no" and gauss["nulls"]["gaussian"]["p"] > 0.05
    assert not list((user_cache / "calibration").glob("circle-*.json"))     # nothing was calibrated
    assert len(list((user_cache / "calibration" / "null-tests").glob("*.json"))) == 2   # stored: a rerun resumes
    text = page.read_text()
    assert text.count("<tr>") == 3 and "features.0: circle yes" in text and "plotly" in text
    assert text.count("Mapper(30, 3)") == 2


def test_a_layer_between_grid_sizes_borrows_conservatively(tmp_path, capsys):
    W = gaussian_filters(170, seed=5).reshape(17, 10, 3, 3)
    path = tmp_path / "mid.pth"
    torch.save({"conv.weight": torch.tensor(W, dtype=torch.float32)}, path)
    assert main(["analyze", str(path), "--layer", "conv", "--json"]) == 0
    (row,) = lines(capsys)
    cal = row["calibration"]
    assert cal["power_size"] == 160 and cal["fpr_size"] in (160, 192)       # power from below, fpr from the worse
    assert "borrowed from the grid" in cal["source"] and row["power"] == pytest.approx(29 / 40)
    assert row["circle"] == "inconclusive"                 # no circle found, at 72 % power: "no" needs 80 %
    assert row["beyond_second_order"] == "no circle"


def test_big_layers_are_sampled_and_custom_k_without_calibration_is_inconclusive(tmp_path, capsys):
    W = gaussian_filters(600, seed=6).reshape(30, 20, 3, 3)
    path = tmp_path / "g.safetensors"
    from safetensors.torch import save_file
    save_file({"c.weight": torch.tensor(W, dtype=torch.float32)}, str(path))
    assert main(["analyze", str(path), "--layers", "all", "--sample-size", "128", "--k", "7", "--null-repeats",
                 "19", "--json"]) == 0
    (row,) = lines(capsys)
    assert row["used"] == 128 and row["sampled"] and row["k"] == 7
    assert row["power"] is None and row["circle"] == "inconclusive"
    assert "--calibrate" in row["calibration"]["source"]


@pytest.mark.parametrize("argv, fragment", [
    (["--layer", "feature.0"], "did you mean 'features.0'"),
    (["--layer", "features.4"], "1x1 kernels"),
    ([], "name the layers: --layer NAME"),
    (["--layers", "all", "--null-repeats", "0"], "a per-layer answer needs the null clouds"),
    (["--layers", "all", "--layer", "features.0"], "give one of them"),
])
def test_bad_layer_options_are_one_line(model, capsys, argv, fragment):
    assert main(["analyze", str(model), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err


def test_bad_models_are_one_line(tmp_path, capsys):
    class Boom:
        def __reduce__(self):
            return (print, ("pwned",))

    evil = tmp_path / "evil.pt"
    torch.save({"w": torch.zeros(2, 2, 3, 3), "x": Boom()}, evil)
    assert main(["analyze", str(evil), "--layers", "all"]) == 2
    out = capsys.readouterr()
    assert "refused" in out.err and "pwned" not in out.out
    nan = tmp_path / "nan.pth"
    W = torch.zeros(4, 4, 3, 3).normal_()
    W[1, 1, 0, 0] = float("nan")
    torch.save({"conv.weight": W}, nan)
    assert main(["analyze", str(nan), "--layers", "all"]) == 2
    assert "NaN" in capsys.readouterr().err
    flat = tmp_path / "mlp.safetensors"
    from safetensors.torch import save_file
    save_file({"fc.weight": torch.zeros(3, 4)}, str(flat))
    assert main(["analyze", str(flat), "--layers", "all"]) == 2
    assert "no 3x3 convolution" in capsys.readouterr().err


def test_html_with_a_tiny_layer_draws_barcodes_without_mapper(tmp_path, capsys):
    """A 31-filter depthwise layer (EfficientNet's first block has one): its dense core is 9
    points, too few for a Mapper graph; the page still has its barcodes and its row."""
    W = gaussian_filters(31, seed=8).reshape(31, 1, 3, 3)
    path = tmp_path / "dw.pth"
    torch.save({"dw.weight": torch.tensor(W, dtype=torch.float32)}, path)
    page = tmp_path / "dw.html"
    assert main(["analyze", str(path), "--layers", "all", "--null-repeats", "19", "--html", str(page)]) == 0
    text = page.read_text()
    assert "dw: circle inconclusive" in text and "barcodes (H0, H1)" in text and "Mapper(30, 3)" not in text
