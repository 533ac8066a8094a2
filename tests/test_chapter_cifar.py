"""CIFAR analyses (toponet.chapters._cifar) on clouds with known answers."""
from types import SimpleNamespace

import numpy as np
import pytest

from toponet import paper_claims
from toponet.chapters import _cifar, cifar_color, cifar_gray
from toponet.data import registry
from toponet.ideal import gaussian_filters, klein_bottle, primary_circle_sample
from toponet.mapper import Mapper
from toponet.store import Store
from toponet.train import Snapshot, TrainConfig


def blobs(n_blobs, per_blob, seed=0, spread=0.02):
    rng = np.random.default_rng(seed)
    centres = np.eye(9)[:n_blobs] * 3.0
    return np.concatenate([c + spread * rng.standard_normal((per_blob, 9)) for c in centres])


def test_count_clusters_counts_separated_blobs():
    X = blobs(5, 80)
    m = Mapper(resolution=10, gain=3.0).fit(X)
    out = paper_claims.count_clusters(m)
    assert out["n_clusters"] == 5 and len(out["sizes"]) == 5 and sum(out["sizes"]) == 400


def test_count_clusters_ignores_tiny_components():
    X = np.concatenate([blobs(2, 150), np.full((2, 9), -5.0)])  # a 2-point outlier pair
    m = Mapper(resolution=10, gain=3.0).fit(X)
    assert paper_claims.count_clusters(m, min_fraction=0.05)["n_clusters"] == 2
    assert paper_claims.count_clusters(m, min_fraction=0.001)["n_clusters"] == 3


def test_count_clusters_needs_a_fitted_mapper():
    with pytest.raises(ValueError, match="fitted"):
        paper_claims.count_clusters(Mapper())


def test_a_circle_is_one_cluster():
    m = Mapper(resolution=15, gain=3.0).fit(primary_circle_sample(600, noise=0.02, seed=1))
    assert paper_claims.count_clusters(m)["n_clusters"] == 1


def test_channel_clouds_split_by_input_channel():
    W = np.zeros((2, 4, 3, 3, 3))
    for c in range(3):
        W[:, :, c] = c + 1
    out = _cifar.channel_clouds(W)
    assert out["all"].shape == (24, 9)
    for c, name in enumerate(_cifar.CHANNELS):
        assert out[name].shape == (8, 9) and np.all(out[name] == c + 1)
    with pytest.raises(ValueError, match="RGB"):
        _cifar.channel_clouds(np.zeros((2, 4, 1, 3, 3)))


def _null(mean, sd):
    return SimpleNamespace(null_mean=mean, null_sd=sd)


def test_model_fit_finds_secondary_circles_and_not_noise():
    t2 = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    secondary = np.concatenate([klein_bottle(0.0, t2), klein_bottle(np.pi / 2, t2)])
    fit = _cifar.model_fit(secondary, seed=0)
    assert fit["median_three"] < 1e-6 and fit["near_three"] == 1.0
    assert fit["near_secondary_only"] > 0.3 > fit["null_near_secondary_only"]
    assert fit["null_near_three"] == pytest.approx(0.05, abs=0.01)
    noise = _cifar.model_fit(gaussian_filters(2000, seed=5), seed=0)
    assert noise["near_three"] == pytest.approx(0.05, abs=0.02)


def test_pick_experiment(tmp_path, monkeypatch):
    assert _cifar.pick_experiment("cifar-gray", real=True) == ("cifar-gray", _cifar.REAL_DATA)
    name, label = _cifar.pick_experiment("cifar-color", real=False)
    assert name == "cifar-color-standin" and "stand-in" in label and "photographs" in label
    with pytest.raises(ValueError, match="unknown CIFAR"):
        _cifar.pick_experiment("mnist")
    assert registry.available("cifar10", tmp_path) is False
    monkeypatch.setenv("TOPONET_DATA", str(tmp_path))
    assert _cifar.pick_experiment("cifar-gray")[0] == "cifar-gray-standin"


def test_every_cifar_experiment_has_a_standin_twin():
    from toponet.experiments import experiment

    for base in _cifar.CIFAR_EXPERIMENTS:
        real, twin = experiment(base), experiment(base + "-standin")
        assert twin.config.dataset.startswith("natural-standin")
        assert twin.config.dataset.endswith("-gray") == real.config.dataset.endswith("-gray")
        assert (twin.config.arch, twin.config.widths) == (real.config.arch, real.config.widths)
        assert twin.profile("paper") == real.profile("paper")


@pytest.fixture
def artifact(tmp_path):
    """Gaussian filters at iteration 0, circle filters at 100, blobs at 200."""
    n, out = 4, 64
    g = gaussian_filters(n * out, seed=1).reshape(n, out, 1, 3, 3)
    c = (primary_circle_sample(n * out, noise=0.03, seed=2) * 2 + 0.1).reshape(n, out, 1, 3, 3)
    b = blobs(4, n * out // 4, seed=3).reshape(n, out, 1, 3, 3)
    config = TrainConfig(iterations=200, snapshots=(0, 100, 200), widths=(64, 4, 16))
    snaps = [Snapshot(iteration=it, conv_weights={"conv1": w.astype(np.float32)},
                      train_accuracy=np.full(n, 0.5), test_accuracy=np.full(n, 0.5))
             for it, w in ((0, g), (100, c), (200, b))]
    store = Store(tmp_path / "store", checkpoints=tmp_path / "ck")
    store.put_shard(config, list(range(n)), snaps, experiment="test", profile="smoke")
    return store.get(config)


def test_evolution_mappers_per_snapshot(artifact):
    rows = _cifar.evolution_mappers(artifact, resolution=12, gain=3.0, progress=False)
    assert [r.iteration for r in rows] == [100, 200]
    assert rows[0].loops >= 1 and rows[0].clusters["n_clusters"] == 1 and rows[0].k is None
    assert rows[1].loops == 0 and rows[1].clusters["n_clusters"] == 4
    filt = _cifar.evolution_mappers(artifact, iterations=[100], k_paper=20, p=0.5, n_points_paper=256,
                                   resolution=12, progress=False)
    assert filt[0].k == 20 and filt[0].n_kept == 128 and filt[0].n_points == 256
    with pytest.raises(ValueError, match="k_paper"):
        _cifar.evolution_mappers(artifact, p=0.5, progress=False)


def test_mapper_grid_lays_out_rows_and_columns(artifact):
    from toponet.plots import mapper_grid

    ms = _cifar.evolution_mappers(artifact, resolution=12, progress=False)
    fig = mapper_grid({"layer 1": [(str(r.iteration), r.mapper) for r in ms], "layer 2": [("100", ms[0].mapper)]})
    axes = fig.get_axes()
    assert len(axes) == 4
    assert [a.get_title() for a in axes[:2]] == ["100", "200"]
    assert axes[0].get_ylabel() == "layer 1" and axes[2].get_ylabel() == "layer 2"
    assert "loop" in axes[0].get_xlabel() and axes[3].get_title() == ""   # blank panel
    with pytest.raises(ValueError, match="empty"):
        mapper_grid({})


# --- verdict rows and findings text, from (here fabricated or tiny) results ---------------------

def _null_test(p):
    return SimpleNamespace(p=p, draws=99, describe=lambda: f"p = {p:.2g} (99 draws)")


def _claim(exists, verdict=None, power=0.9, note=None, bars=((0.5, 0.5), (0.1, 0.1))):
    from toponet.circle_decision import RuleResult

    verdict = verdict or ("reproduced" if exists else "not reproduced")
    p = 0.01 if exists else 0.4
    test = SimpleNamespace(exists=exists, top=bars[0], bars=bars, n_core=128, n_points=256, k=8, p=0.5, draws=99,
                           nulls={"gaussian": _null_test(p), "shuffled": _null_test(p)}, beyond_second_order=None,
                           long_bars=lambda: (sum(b[0] > 0.3 for b in bars),) * 2, describe=lambda: "test")
    rule = RuleResult(verdict=verdict, reasons=("r",), nulls={"gaussian": {"p": p, "draws": 99, "effect_size": 1.0}},
                      power=power, false_positive_rate=0.03, cloud_points=128)
    return paper_claims.CircleClaim(label="c", n_raw=8192 if note else 256, note=note, test=test, calibration=None,
                                   rule=rule, cloud=np.zeros((256, 9)))


def _clusters(observed, hits):
    return paper_claims.ClusterTest(observed=observed, claimed=(4, 6),
                                   null_counts={"gaussian": (5,) * hits + (9,) * (99 - hits), "shuffled": (9,) * 99},
                                   power_counts=(5,) * 40, n_points=256, n_core=128, k=8, p=0.5, resolution=30,
                                   gain=3.0, draws=99)


_ACC = dict(mean=0.337, sd=0.133, n=4, values=np.array([0.12, 0.3, 0.44, 0.48]))


def _gray_inputs():
    parts = {"C(64,32,64)": dict(circle=_claim(False), clusters=_clusters(6, 48)),
             "C(64,0,64)": dict(circle=_claim(True, "partly"), clusters=_clusters(8, 3))}
    pooled, one = _claim(True, note="subsampled at random to 3,000 of 8,192 filters"), _claim(False, power=0.5,
                                                                                            verdict="inconclusive")
    rows1 = [paper_claims.SnapshotCircle(it, _claim(it == 400)) for it in (300, 400, 500)]
    rows2 = [paper_claims.SnapshotCircle(2000, _claim(False, power=0.4, verdict="inconclusive"))]
    return dict(f3_parts=parts, f3=paper_claims.f3_rule(parts), pooled2=pooled, one2=one,
                f4=paper_claims.f4_rule(pooled, one), f5=paper_claims.f5_rule(rows1, rows2), evo1=rows1, evo2=rows2)


def test_gray_verdict_rows_carry_the_rules_record():
    g = _gray_inputs()
    art = SimpleNamespace(networks=4, iterations=[0, 2000], stored_iterations=lambda layer: [0, 100, 200, 300, 400, 500])
    art0 = SimpleNamespace(networks=4, iterations=[0, 500])
    rows = cifar_gray.gray_verdicts(profile="default", data="stand-in photos", art=art, art0=art0, acc=_ACC, acc0=_ACC,
                               evo_desc=("all 256 filters", "rho(5, 0.5) of 600 of 8,192 filters"), **g)
    f3, f4, f5 = rows
    assert [r.claim_id for r in rows] == ["F3", "F4", "F5"]
    # C(64,0,64)'s "partly" circle is a significant circle; C(64,32,64)'s cluster criterion cannot be used
    assert f3.verdict == "partly" and "48/99" in f3.ours and "not used" in f3.ours and "criterion used" in f3.ours
    assert f3.nulls["gaussian"]["draws"] == 99 and f3.nulls["clusters-gaussian"]["draws"] == 99
    assert f3.power == 0.9 and f3.false_positive_rate == 0.03 and f3.networks == 4 and f3.iterations == 2000
    assert f4.verdict == "partly" and "3,000 of 8,192" in f4.ours and f4.cloud_points == 128
    assert f5.verdict == "partly" and "circle at 1 of 3 snapshots (400)" in f5.ours and "a subset" in f5.ours


def test_gray_findings_text():
    g = _gray_inputs()
    for key in ("evo1", "evo2"):
        g.pop(key)
    s = cifar_gray.gray_findings(profile="default", data="stand-in photos", real=False,
                            runs=[("C(64,32,64)", 4, 2000, _ACC)], **g)._repr_markdown_()
    assert "At the `default` scale of this build (stand-in photos; 4 x $C(64,32,64)$ trained 2000 iterations" in s
    assert "$C(64,32,64)$ 6, $C(64,0,64)$ 8 (the paper: 5)" in s and "up to 48% of gaussian" in s
    assert "**F3: partly**" in s and "**F4: partly**" in s and "on a stand-in" in s
    assert "layer 1: circle at 1 of 3 snapshots (400)" in s and "verdict **partly**" in s
    with pytest.raises(ValueError, match="architecture"):
        cifar_gray.gray_findings(profile="default", data="x", real=True, runs=[("C", 1, 1, _ACC)],
                            **{**g, "f3_parts": {}})


def test_color_verdict_rows_and_findings():
    from toponet.circle_decision import RuleResult

    f6c = {ch: _claim(ch == "all", verdict=None if ch == "all" else "inconclusive", power=0.3) for ch in
           ("all", "R", "G", "B")}
    c7 = _claim(True, bars=((0.6, 0.6), (0.2, 0.2), (0.1, 0.1), (0.05, 0.05)))
    f7 = RuleResult(verdict="partly", reasons=("r",), nulls={}, power=0.1, false_positive_rate=0.0,
                    cloud_points=184, extra={"circle_power": 0.85})
    t8 = SimpleNamespace(k=7, describe=lambda: "median distance 0.9")
    f8 = RuleResult(verdict="not reproduced", reasons=("r",), nulls={"directions": {"p": 0.3, "draws": 99,
                                                                                   "effect_size": 0.1}},
                    power=0.9, false_positive_rate=0.02, cloud_points=269, extra={"beyond_second_order": False})
    rows1 = [paper_claims.SnapshotCircle(it, _claim(False)) for it in (300, 500, 1500)]
    rows2 = [paper_claims.SnapshotCircle(1000, _claim(True))]
    f9 = paper_claims.f9_rule(rows1, rows2)
    art = SimpleNamespace(networks=4, iterations=[0, 1500])
    rows = cifar_color.color_verdicts(profile="default", data="stand-in", art=art, art_np=SimpleNamespace(networks=4,
                                iterations=[0, 500]), acc=_ACC, acc_np=_ACC, f6_claims=f6c,
                                f6=paper_claims.f6_rule(f6c), f7_claim=c7, f7=f7, f8_test=t8, f8=f8, evo1=rows1,
                                evo2=rows2, f9=f9)
    assert [r.claim_id for r in rows] == ["F6", "F7", "F8", "F9"]
    assert rows[0].verdict == "partly" and rows[0].power == 0.3
    assert "1 H1 bar(s) surely beat both nulls" in rows[1].ours and rows[1].power == 0.1
    assert rows[2].nulls["directions"]["draws"] == 99 and "beyond second order: no" in rows[2].ours
    assert rows[2].beyond_second_order == "not shown"
    assert rows[3].verdict == "partly" and "circle at 0 of 3 snapshots" in rows[3].ours
    s = cifar_color.color_findings(profile="paper", data="CIFAR-10 (real)", real=True, runs=[("C(64,32,64)", 60, 100000, _ACC)],
                             f6_claims=f6c, f6=rows[0], f7_claim=c7, f7=f7, f8_test=t8, f8=f8,
                             f9=f9)._repr_markdown_()
    assert "finds a circle in all" in s and "**F6: partly**" in s and "**F7: partly**" in s
    assert "**F8: not reproduced**; the second-order null of the directions does as well" in s and "stand-in" not in s


def test_run_sentence_names_the_networks_left_out():
    from toponet.chapters._cifar import run_sentence
    acc = dict(mean=0.5, sd=0.02, n=3, values=np.array([0.5, 0.48, 0.52]), dropped=(9,))
    s = run_sentence("C(64,32,64)", 3, 2000, acc)
    assert s.startswith("3 x $C(64,32,64)$ trained 2000 iterations to 50.0% +- 2.0%")
    assert s.endswith("(seed 9 collapsed to chance and is left out)")
    assert "left out" not in run_sentence("C(64,32,64)", 3, 2000, {**acc, "dropped": ()})
