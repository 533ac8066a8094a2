"""`toponet analyze`: the pipeline on a user's file, end to end, in-process."""
import json

import numpy as np
import pytest

from toponet.cli import main
from toponet.ideal import gaussian_filters, primary_circle_sample


@pytest.fixture
def circle_file(tmp_path):
    # 1,000 noisy primary-circle filters, stored as un-normalized (n, 3, 3) kernels. (A sparser
    # sample thinned by rho(k, p) leaves gaps as wide as a Mapper cube: the loop then breaks,
    # while the H1 bar survives.)
    X = 3.0 * primary_circle_sample(1000, noise=0.05, seed=1).reshape(1000, 3, 3) + 0.5
    path = tmp_path / "circle.npy"
    np.save(path, X)
    return path


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_analyze_json_on_a_circle(circle_file, capsys, tmp_path):
    html = tmp_path / "report.html"
    out = run_json(capsys, ["analyze", str(circle_file), "--k", "20", "--p", "0.5", "--null-repeats", "0",
                            "--json", "--html", str(html)])
    for key in ("n_points", "n_kept", "top_h1_lifetime", "h1_lifetimes", "null_mean", "null_sd",
                "effect_size", "p_value", "mapper_nodes", "mapper_edges", "mapper_betti1",
                "frac_near_primary_circle", "nulls", "circle", "beyond_second_order"):
        assert key in out, key
    assert out["n_points"] == 1000 and out["n_kept"] == 500
    assert len(out["h1_lifetimes"]) <= 5 and out["top_h1_lifetime"] == out["h1_lifetimes"][0]
    assert out["top_h1_lifetime"] > 3 * out["h1_lifetimes"][1]      # one long bar
    assert out["circle"] == "inconclusive" and out["nulls"] == {}       # no null test was run
    assert out["mapper_betti1"] == 1
    assert out["frac_near_primary_circle"] > 0.95
    page = html.read_text()
    assert "plotly" in page and page.count("<script") >= 2


@pytest.fixture
def calibration_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPONET_CALIBRATION", str(tmp_path / "cal"))
    return tmp_path / "cal"


def test_analyze_json_decides_the_circle_by_the_books_rule(tmp_path, capsys, calibration_dir):
    path = tmp_path / "c.npy"
    np.save(path, 2.0 * primary_circle_sample(300, noise=0.2, seed=1))
    out = run_json(capsys, ["analyze", str(path), "--k", "10", "--p", "0.3", "--json", "--calibrate"])
    assert set(out["nulls"]) == {"gaussian", "shuffled", "directions"}   # the second-order null of the directions
    for kind, n in out["nulls"].items():
        assert n["draws"] == 99 and set(n) >= {"p", "draws", "effect_size"}
    assert out["nulls"]["gaussian"]["p"] == pytest.approx(0.01) and out["circle"] == "yes"
    assert out["beyond_second_order"] in ("yes", "inconclusive") and 0.8 <= out["power"] <= 1
    assert out["p_value"] == pytest.approx(0.01) and out["null_repeats"] == 99
    assert list(calibration_dir.glob("circle-*.json"))          # the calibration at this size, cached
    assert out["calibration"]["source"].endswith("computed now")


def test_analyze_without_calibrate_reads_the_shipped_grid_or_says_inconclusive(tmp_path, capsys, calibration_dir):
    path = tmp_path / "c.npy"
    np.save(path, 2.0 * primary_circle_sample(320, noise=0.2, seed=1))
    out = run_json(capsys, ["analyze", str(path), "--json"])            # k = n/32 = 10, p = 0.3: a grid size
    assert out["rule_k"] == 10 and out["circle"] == "yes" and out["power"] == pytest.approx(40 / 40)
    assert out["calibration"]["source"].startswith("calibrated at this size")
    # at 256 filters the grid's whole rule fires on 11 of 200 shuffled null clouds (5.5 %): it decides nothing
    small = tmp_path / "c256.npy"
    np.save(small, 2.0 * primary_circle_sample(256, noise=0.2, seed=1))
    out = run_json(capsys, ["analyze", str(small), "--json"])
    assert out["rule_k"] == 8 and out["circle"] == "inconclusive"
    assert out["false_positive_rate"] == pytest.approx(0.055)
    gauss = tmp_path / "g.npy"
    np.save(gauss, gaussian_filters(256, seed=2))
    out = run_json(capsys, ["analyze", str(gauss), "--k", "10", "--p", "0.3", "--json"])   # off the grid
    assert out["power"] is None and out["circle"] == "inconclusive" and "--calibrate" in out["calibration"]["source"]
    assert not list(calibration_dir.glob("circle-*.json"))      # nothing calibrated unless asked


def test_analyze_gaussian_is_not_a_circle(tmp_path, capsys, calibration_dir):
    path = tmp_path / "g.npy"
    np.save(path, gaussian_filters(300, seed=2))
    out = run_json(capsys, ["analyze", str(path), "--k", "10", "--p", "0.3", "--json", "--calibrate"])
    assert out["frac_near_primary_circle"] < 0.1
    assert out["circle"] in ("no", "inconclusive") and out["nulls"]["gaussian"]["p"] > 0.05


def test_analyze_accepts_conv_weights_and_prints_a_summary(tmp_path, capsys):
    W = np.random.default_rng(0).normal(size=(20, 10, 3, 3))   # (out, in, 3, 3): 200 filters
    path = tmp_path / "w.npy"
    np.save(path, W)
    assert main(["analyze", str(path), "--k", "5", "--p", "0.3", "--null-repeats", "0"]) == 0
    text = capsys.readouterr().out
    assert "200 filters" in text and "rho(5, 0.3) keeps 60" in text


@pytest.mark.parametrize("argv, message", [
    (["--k", "5000", "--p", "0.3"], "k=5000"),
    (["--k", "5", "--p", "1.5"], "p must lie in (0, 1]"),
    (["--k", "5", "--p", "0"], "p must lie in (0, 1]"),
])
def test_analyze_bad_parameters(circle_file, capsys, argv, message):
    assert main(["analyze", str(circle_file), *argv, "--null-repeats", "0"]) == 2
    assert message in capsys.readouterr().err


def test_analyze_bad_files(tmp_path, capsys):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((4, 5)))
    assert main(["analyze", str(bad), "--k", "2", "--p", "0.5"]) == 2
    assert "expected shape" in capsys.readouterr().err
    nan = tmp_path / "nan.npy"
    X = primary_circle_sample(50, seed=0)
    X[7, 3] = np.nan
    np.save(nan, X)
    assert main(["analyze", str(nan), "--k", "2", "--p", "0.5"]) == 2
    assert "NaN" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "missing.npy"), "--k", "2", "--p", "0.5"]) == 2
    assert "no such file" in capsys.readouterr().err
