"""Chapter-level analyses (toponet.chapters.mnist, toponet.analysis, experiments.load_or_train) on stores with known answers."""
import numpy as np
import pytest

from toponet.chapters import mnist
from toponet.filters import pooled_filters
from toponet.circle_decision import aggregate_verdict
from toponet.analysis import analyze_filters, scaled_k
from toponet.ideal import gaussian_filters, primary_circle_sample
from toponet.store import Store
from toponet.train import Snapshot, TrainConfig

N_NETS, OUT = 8, 64


def circle_weights(n_nets, seed, noise=0.05):
    """(n_nets, 64, 1, 3, 3) kernels whose filters are noisy primary-circle edges (scaled, shifted)."""
    F = primary_circle_sample(n_nets * OUT, noise=noise, seed=seed) * 2.0 + 0.3
    return F.reshape(n_nets, OUT, 1, 3, 3).astype(np.float32)


def gaussian_weights(n_nets, seed):
    return gaussian_filters(n_nets * OUT, seed=seed).reshape(n_nets, OUT, 1, 3, 3).astype(np.float32)


@pytest.fixture
def artifact(tmp_path):
    """A stored 'training run': gaussian filters at iteration 0, circle filters at 100."""
    config = TrainConfig(iterations=100, snapshots=(0, 100), widths=(64, 4, 16))
    snaps = [Snapshot(iteration=0, conv_weights={"conv1": gaussian_weights(N_NETS, 1)},
                      train_accuracy=np.full(N_NETS, 0.1), test_accuracy=np.full(N_NETS, 0.1)),
             Snapshot(iteration=100, conv_weights={"conv1": circle_weights(N_NETS, 2)},
                      train_accuracy=np.linspace(0.95, 0.99, N_NETS), test_accuracy=np.linspace(0.95, 0.99, N_NETS))]
    store = Store(tmp_path / "store", checkpoints=tmp_path / "ck")
    store.put_shard(config, list(range(N_NETS)), snaps, experiment="test", profile="smoke")
    return store.get(config)


def test_scaled_k():
    assert scaled_k(200, 6400, 6400) == 200
    assert scaled_k(200, 1024, 6400) == 32
    assert scaled_k(10, 4096, 204_800) == 5          # never below K_MIN = 5
    assert scaled_k(200, 50, 100) == 49              # never k >= n
    assert scaled_k(200, 6, 100) == 5                # the smallest cloud with a k in [K_MIN, n - 1]
    with pytest.raises(ValueError, match="too small"):
        scaled_k(10, 4, 204_800)                     # no k in [K_MIN, n - 1]: floor_k's error
    with pytest.raises(TypeError, match="n_points must be an integer"):
        scaled_k(200, 10.5, 6400)


def test_layer_cloud_pools_networks():
    W = circle_weights(3, 0)
    X = pooled_filters(W)
    assert X.shape == (3 * OUT, 9)
    np.testing.assert_allclose(X[OUT + 5], W[1, 5, 0].ravel(), rtol=1e-6)
    with pytest.raises(ValueError, match="n_networks, out, in, h, w"):
        pooled_filters(W[0])


def test_group_statistics_separate_circles_from_noise():
    groups = mnist.group_statistics({"trained": circle_weights(8, 3), "untrained": gaussian_weights(8, 4)},
                                      group_size=2, k=8, p=0.8, seed=0)
    # (With p = 0.5 the densest half of a uniform noisy circle of 128 points is a set of clumps
    # with gaps, and the H1 bar often dies: strong filtration of small clouds breaks circles.)
    assert set(groups.values) == {"trained", "untrained", "gaussian"}
    assert all(v.shape == (4,) for v in groups.values.values()) and groups.points_per_group == 128
    assert groups.values["trained"].min() > 1.5 * groups.values["untrained"].max()
    cmp = groups.comparison("trained", "gaussian")
    assert cmp.cohens_d > 3 and cmp.welch_p_greater < 0.01
    with pytest.raises(ValueError, match="fewer than 2 groups"):
        mnist.group_statistics({"trained": circle_weights(3, 0)}, group_size=2, k=5, p=0.5)


def test_null_distance_threshold_is_the_gaussian_quantile():
    t = mnist.null_distance_threshold()
    assert 0.5 < t < 0.75
    g = gaussian_filters(5000, seed=9)
    from toponet.ideal import distance_to_model
    assert abs(np.mean(distance_to_model(g).distances < t) - 0.05) < 0.015


def test_circle_evidence_and_evolution_on_a_stored_artifact(artifact, tmp_path, monkeypatch):
    monkeypatch.setenv("TOPONET_CALIBRATION", str(tmp_path / "cal"))
    ev = mnist.circle_evidence(artifact, k_paper=200, p=0.5, n_points_paper=6400, resolution=10,
                                 draws=19, seed=0, n_groups=4)
    rule = ev["claim"].rule
    # 19 draws cannot reach p < 0.05 (floor 0.05): the rule must not call the circle real
    assert ev["k"] == 16 and rule.verdict != "reproduced" and ev["claim"].test.nulls["gaussian"].p == 0.05
    assert all(n["draws"] == 19 for n in rule.nulls.values())
    ev = mnist.circle_evidence(artifact, k_paper=200, p=0.5, n_points_paper=6400, resolution=10, seed=0)
    assert ev["claim"].rule.verdict == "reproduced", ev["claim"].rule.reasons
    rows = mnist.evolution(artifact, k_paper=200, p=0.5, n_points_paper=6400)
    assert [r["iteration"] for r in rows] == [0, 100]
    assert rows[1]["h1_top"] > 2 * rows[0]["h1_top"]
    assert rows[1]["frac_near_circle"] > 0.9 > 0.1 > rows[0]["frac_near_circle"]
    assert mnist.accuracy_summary(artifact)["n"] == N_NETS


def test_aggregate_verdict():
    agg = aggregate_verdict
    assert agg(["reproduced"] * 4) == "reproduced"
    assert agg(["reproduced", "not reproduced"]) == "partly" and agg(["partly", "inconclusive"]) == "partly"
    assert agg(["not reproduced"] * 2) == "not reproduced"
    assert agg(["not reproduced", "inconclusive"]) == "inconclusive"
    # multiplicity: a part found at p < 0.05 but not below 0.05 / m does not make the claim "partly"
    three = ["not reproduced", "reproduced", "not reproduced"]
    assert agg(three, [0.4, 0.03, 0.5]) == "inconclusive"
    assert agg(three, [0.4, 0.01, 0.5]) == "partly"
    assert agg(["reproduced"] * 3, [0.03] * 3) == "reproduced"  # a conjunction needs no correction
    assert agg(["not reproduced"] * 2, [0.5, 0.6]) == "not reproduced"
    with pytest.raises(ValueError, match="existence_p"):
        agg(three, [0.1])


def test_layer_comparison_same_size(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPONET_CALIBRATION", str(tmp_path / "cal"))
    l1 = mnist.circle_claim(primary_circle_sample(300, noise=0.2, seed=1), k=10, p=0.3, calibrate=False,
                             max_core=None)
    out = mnist.layer_comparison(l1, primary_circle_sample(3000, noise=0.45, seed=2), k_paper=100, p=0.3,
                                   n_points_paper=3000)
    assert out["n"] == 300 and out["claim"].test.n_points == 300 and out["k"] == 10
    assert out["weaker"] and out["effect2"] < out["effect1"]
    assert out["verdict"].verdict in ("reproduced", "not reproduced", "inconclusive")


def test_load_or_train_reads_the_store_without_training(artifact, monkeypatch):
    from toponet import experiments

    store = Store(artifact.path.parent, checkpoints=artifact.path.parent.parent / "ck")
    class Exp:
        def plan(self, profile, networks=None, iterations=None):
            return experiments.RunPlan("mnist", profile, artifact_config(artifact), tuple(range(4)), None)

    monkeypatch.setattr(experiments, "experiment", lambda name: Exp())
    monkeypatch.setattr(experiments, "run_shards", lambda *a, **k: pytest.fail("must not train"))
    art = experiments.load_or_train("mnist", "smoke", store=store)
    assert art.networks == 4


def artifact_config(artifact):
    return TrainConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in artifact.config.items()
                          if k in TrainConfig.__dataclass_fields__})


def test_parameter_sweep_finds_the_circle():
    X = primary_circle_sample(600, noise=0.05, seed=5)
    rows = mnist.parameter_sweep(X, [10, 30], [0.3, 1.0], resolution=10)
    assert len(rows) == 4 and all(r["h1_ratio"] > 3 for r in rows)
    assert {r["n_kept"] for r in rows} == {180, 600}


def test_analyze_filters_rejects_k_too_large():
    with pytest.raises(ValueError, match="k=100 but only 50"):
        analyze_filters(primary_circle_sample(50), k=100, p=0.5, null_repeats=0)
