"""benchmarks/topology.py: the side-by-side rows have their shape, and exact methods agree
with their anchors on a tiny cloud (no timing is asserted)."""
import importlib.util
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_topology", ROOT / "benchmarks" / "topology.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def check_shape(bench, row):
    assert tuple(row) == bench.ROW_KEYS
    assert {"stage", "points", "toponet_s", "anchor", "anchor_s", "ratio", "max_abs_error"} <= set(row)
    assert row["toponet_s"] > 0 and row["points"] > 0
    if row["anchor_s"] is not None:
        assert math.isclose(row["ratio"], row["anchor_s"] / row["toponet_s"])


def test_persistence_rows_exact_methods_match_anchors(bench):
    pytest.importorskip("gtda")
    rows = bench.persistence_rows("mixed", 150, timeout=120)
    assert len(rows) == 4 and {r["stage"] for r in rows} == {"persistence"}
    for row in rows:
        check_shape(bench, row)
        assert row["points"] == 150
        assert row["max_abs_error"] is None and row["exact"] is True   # both modes exact at 150 points
        if row["anchor"].startswith("ripser") and row["anchor_s"] is None:
            assert "ripser not installed" in row["note"]   # the bench extra is optional
            continue
        assert row["anchor_s"] is not None, row["note"]
        assert row["measured_diff"] < 1e-5, row


def test_landmark_error_is_measured_against_exact(bench, monkeypatch):
    """Above 800 points landmarks are approximate: the row carries |top H1 - exact|."""
    def fake(name, cloud, n, **kw):
        value = {"toponet_exact": 0.5, "toponet_landmarks": 0.4, "ripser": 0.5, "giotto_vr": 0.5}[name]
        return {"seconds": 1.0, "rss_mb": 1.0, "points": n, "value": value,
                "exact": name != "toponet_landmarks", "note": ""}

    monkeypatch.setattr(bench, "run_isolated", fake)
    rows = bench.persistence_rows("mixed", 1_000)
    landmark = [r for r in rows if "landmarks" in r["toponet"]]
    assert len(landmark) == 2 and all(math.isclose(r["max_abs_error"], 0.1) for r in landmark)
    assert all(r["exact"] is False for r in landmark)
    assert all(r["max_abs_error"] is None and r["measured_diff"] == 0 for r in rows if r not in landmark)


def test_landmark_error_without_exact_reference_says_so(bench, monkeypatch):
    def fake(name, cloud, n, **kw):
        if name != "toponet_landmarks":
            return {"failed": "timed out after 300 s"}
        return {"seconds": 1.0, "rss_mb": 1.0, "points": n, "value": 0.4, "exact": False, "note": ""}

    monkeypatch.setattr(bench, "run_isolated", fake)
    landmark = [r for r in bench.persistence_rows("mixed", 1_000) if "landmarks" in r["toponet"]]
    assert all(r["max_abs_error"] is None and r["exact"] is False and "not measured" in r["note"]
               for r in landmark)


def test_density_and_mapper_rows(bench):
    pytest.importorskip("gtda")
    for row in bench.density_rows(400, timeout=120):
        check_shape(bench, row)
        assert row["max_abs_error"] is None and row["measured_diff"] < 1e-9, row
    (row,) = bench.mapper_rows(150, timeout=120)
    check_shape(bench, row)
    assert row["anchor_s"] is not None and row["max_abs_error"] is None and row["exact"] is None


def test_a_failed_anchor_is_recorded_not_raised(bench):
    r = bench.run_isolated("no_such_method", "mixed", 50, timeout=60)
    assert "failed" in r
    ok = {"seconds": 2.0, "rss_mb": 1.0, "points": 50, "value": 0.1, "exact": True, "note": ""}
    row = bench._row("persistence", "c", "x", ok, "anchor", {"failed": "timed out after 300 s"})
    assert row["anchor_s"] is None and row["ratio"] is None and "timed out" in row["note"]


def test_decision_rows_make_the_same_decision_as_plain_giotto(bench, monkeypatch, tmp_path):
    pytest.importorskip("gtda")
    monkeypatch.setattr(bench, "DECISION_DRAWS", 9)
    monkeypatch.setenv("TOPONET_NULL_TESTS", str(tmp_path))
    ours = bench.measure("toponet_decision", "raw-mixed", 300, out=str(tmp_path / "a.npy"))
    plain = bench.measure("giotto_decision", "raw-mixed", 300, out=str(tmp_path / "b.npy"))
    assert ours["value"] == pytest.approx(plain["value"], abs=1e-6)       # exact top bar both ways
    import numpy as np
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))   # same p-values
    assert "9 draws each" in ours["note"] and not list(tmp_path.glob("test-v*.json"))  # cache=False
    assert ("decision", "raw-mixed", 2_000) in bench.plan(True) and ("decision", "raw-mixed", 6_400) in bench.plan(False)
