"""CIFAR analyses (toponet.cifar) on clouds with known answers."""
from types import SimpleNamespace

import numpy as np
import pytest

from toponet import cifar
from toponet.homology import persistence
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
    out = cifar.count_clusters(m)
    assert out["n_clusters"] == 5 and len(out["sizes"]) == 5 and sum(out["sizes"]) == 400


def test_count_clusters_ignores_tiny_components():
    X = np.concatenate([blobs(2, 150), np.full((2, 9), -5.0)])  # a 2-point outlier pair
    m = Mapper(resolution=10, gain=3.0).fit(X)
    assert cifar.count_clusters(m, min_fraction=0.05)["n_clusters"] == 2
    assert cifar.count_clusters(m, min_fraction=0.001)["n_clusters"] == 3


def test_count_clusters_needs_a_fitted_mapper():
    with pytest.raises(ValueError, match="fitted"):
        cifar.count_clusters(Mapper())


def test_a_circle_is_one_cluster():
    m = Mapper(resolution=15, gain=3.0).fit(primary_circle_sample(600, noise=0.02, seed=1))
    assert cifar.count_clusters(m)["n_clusters"] == 1


def test_channel_clouds_split_by_input_channel():
    W = np.zeros((2, 4, 3, 3, 3))
    for c in range(3):
        W[:, :, c] = c + 1
    out = cifar.channel_clouds(W)
    assert out["all"].shape == (24, 9)
    for c, name in enumerate(cifar.CHANNELS):
        assert out[name].shape == (8, 9) and np.all(out[name] == c + 1)
    with pytest.raises(ValueError, match="RGB"):
        cifar.channel_clouds(np.zeros((2, 4, 1, 3, 3)))


def _null(mean, sd):
    return SimpleNamespace(null_mean=mean, null_sd=sd)


def test_significant_bars_one_circle_vs_two_circles_meeting_twice():
    t = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t), np.zeros_like(t)]
    # two great circles in orthogonal planes meet at (+-1, 0, 0): a graph with b1 = 3
    two = np.concatenate([circle, np.c_[np.cos(t), np.zeros_like(t), np.sin(t)]])
    nulls = {"gaussian": _null(0.1, 0.05)}
    assert cifar.significant_h1_bars(persistence(circle, maxdim=1).lifetimes(1), nulls)["n_bars"] == 1
    out = cifar.significant_h1_bars(persistence(two, maxdim=1).lifetimes(1), nulls)
    assert out["n_bars"] == 3 and out["threshold"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="null"):
        cifar.significant_h1_bars([1.0], {})


def test_model_fit_finds_secondary_circles_and_not_noise():
    t2 = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    secondary = np.concatenate([klein_bottle(0.0, t2), klein_bottle(np.pi / 2, t2)])
    fit = cifar.model_fit(secondary, seed=0)
    assert fit["median_three"] < 1e-6 and fit["near_three"] == 1.0
    assert fit["near_secondary_only"] > 0.3 > fit["null_near_secondary_only"]
    assert fit["null_near_three"] == pytest.approx(0.05, abs=0.01)
    noise = cifar.model_fit(gaussian_filters(2000, seed=5), seed=0)
    assert noise["near_three"] == pytest.approx(0.05, abs=0.02)


def test_pick_experiment(tmp_path, monkeypatch):
    assert cifar.pick_experiment("cifar-gray", real=True) == ("cifar-gray", cifar.REAL_DATA)
    name, label = cifar.pick_experiment("cifar-color", real=False)
    assert name == "cifar-color-standin" and "stand-in" in label and "photographs" in label
    with pytest.raises(ValueError, match="unknown CIFAR"):
        cifar.pick_experiment("mnist")
    assert cifar.cifar10_available(tmp_path) is False
    monkeypatch.setenv("TOPONET_DATA", str(tmp_path))
    assert cifar.pick_experiment("cifar-gray")[0] == "cifar-gray-standin"


def test_every_cifar_experiment_has_a_standin_twin():
    from toponet.experiments import experiment

    for base in cifar.CIFAR_EXPERIMENTS:
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
    rows = cifar.evolution_mappers(artifact, resolution=12, gain=3.0, progress=False)
    assert [r.iteration for r in rows] == [100, 200]
    assert rows[0].loops >= 1 and rows[0].clusters["n_clusters"] == 1 and rows[0].k is None
    assert rows[1].loops == 0 and rows[1].clusters["n_clusters"] == 4
    filt = cifar.evolution_mappers(artifact, iterations=[100], k_paper=20, p=0.5, n_points_paper=256,
                                   resolution=12, progress=False)
    assert filt[0].k == 20 and filt[0].n_kept == 128 and filt[0].n_points == 256
    with pytest.raises(ValueError, match="k_paper"):
        cifar.evolution_mappers(artifact, p=0.5, progress=False)


def test_mapper_grid_lays_out_rows_and_columns(artifact):
    from toponet.plots import mapper_grid

    ms = cifar.evolution_mappers(artifact, resolution=12, progress=False)
    fig = mapper_grid({"layer 1": [(str(r.iteration), r.mapper) for r in ms], "layer 2": [("100", ms[0].mapper)]})
    axes = fig.get_axes()
    assert len(axes) == 4
    assert [a.get_title() for a in axes[:2]] == ["100", "200"]
    assert axes[0].get_ylabel() == "layer 1" and axes[2].get_ylabel() == "layer 2"
    assert "loop" in axes[0].get_xlabel() and axes[3].get_title() == ""   # blank panel
    with pytest.raises(ValueError, match="empty"):
        mapper_grid({})


def test_verdict_from_checks():
    assert cifar.verdict_from({"a": True, "b": None})[0] == "reproduced"
    assert cifar.verdict_from({"a": True, "b": False})[0] == "partly"
    assert cifar.verdict_from({"a": False, "b": False})[0] == "not reproduced"
    v, reasons = cifar.verdict_from({"a": None})
    assert v == "not tested" and "not testable" in reasons[0]
    with pytest.raises(ValueError, match="non-empty"):
        cifar.verdict_from({})


def test_cloud_circle_verdict_tells_a_circle_from_noise():
    # 20 null clouds: the smallest permutation p-value, 1/21, passes alpha = 0.05
    circle = primary_circle_sample(600, noise=0.03, seed=4) * 1.5 + 0.2
    noise = gaussian_filters(600, seed=6)
    _, v = cifar.cloud_circle_verdict(circle, noise, k=10, p=0.5, resolution=10, null_repeats=20)
    assert v.verdict == "reproduced"
    _, v0 = cifar.cloud_circle_verdict(noise, gaussian_filters(600, seed=7), k=10, p=0.5, resolution=10,
                                       null_repeats=5)
    assert v0.verdict == "not reproduced"


def test_circle_at_needs_a_loop_near_the_circle(artifact):
    rows = cifar.evolution_mappers(artifact, resolution=12, progress=False)
    assert rows[0].median_distance < 0.2 and rows[1].median_distance > 0.6
    assert cifar.circle_at(rows, 100) is True and cifar.circle_at(rows, 200) is False
    assert cifar.circle_at(rows, 100, near_threshold=0.0) is False   # a loop far from the circle
    assert cifar.circle_at(rows, 300) is None


def test_broken_after(artifact):
    rows = cifar.evolution_mappers(artifact, resolution=12, progress=False)
    assert cifar.broken_after(rows, 100, 200) is True     # circle at 100, blobs at 200
    assert cifar.broken_after(rows, 200, 100) is None     # no circle to break at 200
    assert cifar.broken_after(rows, 100, 300) is None     # 300 not stored


# --- findings text, computed from (here fabricated) results ---------------------------------------

def _cmp(p, effect, mean=0.2):
    return SimpleNamespace(p_value=p, effect_size=effect, null_mean=mean, null_sd=0.05)


def _result(top, bound, p, effect, loops, dists):
    return SimpleNamespace(persistence=SimpleNamespace(top_lifetime=lambda dim: top, lifetime_bound=bound),
                           headline_null=_cmp(p, effect), nulls={"gaussian": _cmp(p, effect), "shuffle": _cmp(p, effect)},
                           mapper=SimpleNamespace(n_large_loops_=loops), distance_primary=np.asarray(dists),
                           kept_index=np.arange(len(dists)))


def _row(it, loops, dist):
    return SimpleNamespace(iteration=it, loops=loops, median_distance=dist)


def test_cloud_summary_reads_the_result():
    s = cifar.cloud_summary(_result(0.3, 0.57, 0.048, 2.8, 1, [0.6, 0.67, 0.9]), SimpleNamespace(verdict="partly"))
    assert s == dict(top_h1=0.3, lifetime_bound=0.57, effect=2.8, p=0.048, null_mean=0.2, beats_nulls=False,
                     loops=1, median_distance=0.67, verdict="partly")
    assert cifar.cloud_summary(_result(1.0, 0.0, 0.01, 5.0, 1, [0.1]), "reproduced")["beats_nulls"] is True


def test_run_sentence_flags_networks_near_chance():
    acc = dict(mean=0.337, sd=0.133, n=4, values=np.array([0.12, 0.3, 0.44, 0.48]))
    s = cifar.run_sentence("C(64,32,64)", 4, 500, acc)
    assert s == "4 x $C(64,32,64)$ trained 500 iterations to 33.7% +- 13.3% test accuracy, 1 network(s) barely above chance"
    assert "chance" not in cifar.run_sentence("C", 2, 9, dict(mean=0.7, sd=0.0, n=2, values=np.array([0.7, 0.7])))


def _gray(**kw):
    acc = dict(mean=0.337, sd=0.133, n=4, values=np.array([0.12, 0.3, 0.44, 0.48]))
    base = dict(profile="default", data="stand-in photos", real=False,
                runs=[("C(64,32,64)", 4, 500, acc), ("C(64,0,64)", 4, 100, acc)],
                clusters={"C(64,32,64)": 6, "C(64,0,64)": 8}, circles={"C(64,32,64)": "not reproduced",
                                                                       "C(64,0,64)": "not reproduced"},
                pooled2=cifar.cloud_summary(_result(0.3, 0.57, 0.048, 2.8, 0, [0.9])),
                one2=cifar.cloud_summary(_result(0.5, 0.0, 0.2, 1.0, 1, [0.67]), "partly"), one2_accuracy=0.437,
                evolution1=[_row(100, 1, 0.9), _row(200, 1, 0.9), _row(400, 1, 0.9), _row(500, 0, 0.9)],
                near_threshold=0.61)
    return cifar.gray_findings(**{**base, **kw})._repr_markdown_()


def test_gray_findings_default_like_outcome():
    s = _gray()
    assert "At the `default` scale of this build (stand-in photos; 4 x $C(64,32,64)$ trained 500 iterations" in s
    assert "falls into 6 Mapper cluster(s) and that of $C(64,0,64)$ into 8, against the paper's 5" in s
    assert "none shows a significant primary circle, which agrees with the paper, but" in s and "weak evidence" in s
    assert "effect size 2.8, p = 0.048), short of the book's rule" in s
    assert "error bound (lifetimes within 0.57) exceeds the bar" in s
    assert "(43.7%) has 1 large Mapper loop(s)" in s and "median distance 0.67" in s and "above the null threshold 0.61" in s
    assert "a hint of the paper's single-network circle" in s
    assert "loops at 100, 200, 400 but the filters stay far" in s and "on a stand-in" in s


def test_gray_findings_other_outcome():
    acc = dict(mean=0.77, sd=0.01, n=4, values=np.array([0.76, 0.77, 0.78, 0.77]))
    s = _gray(real=True, profile="paper", data="CIFAR-10 (real)", runs=[("C(64,32,64)", 100, 70000, acc)],
              clusters={"A": 5, "B": 4}, circles={"A": "reproduced", "B": "not reproduced"},
              pooled2=cifar.cloud_summary(_result(0.9, 0.1, 0.01, 6.0, 1, [0.3])),
              one2=cifar.cloud_summary(_result(0.9, 0.0, 0.01, 6.0, 1, [0.3]), "reproduced"), one2_accuracy=0.78,
              evolution1=[_row(300, 0, 0.9), _row(400, 1, 0.3), _row(500, 0, 0.3)])
    assert "close to the paper's 5" in s and "$A$ shows a primary circle by the book's rule" in s
    assert "beats its matched nulls (effect size 6.0" in s and "short of" not in s and "error bound" not in s
    assert "below the null threshold" in s and "circle rule: reproduced: the paper's single-network circle." in s
    assert "shows the circle (a loop, filters near it) at 400, including 400 as in the paper" in s
    assert "broken at 500, as the paper says" in s
    assert "stand-in" not in s and "weak evidence" not in s and "shorter run" not in s
    with pytest.raises(ValueError, match="same architectures"):
        _gray(circles={"X": "reproduced"})
    assert "no layer-1 Mapper graph closes a loop" in _gray(evolution1=[_row(100, 0, 0.9), _row(500, 0, 0.9)])
    assert "closes no loop; the run stops at 200" in _gray(evolution1=[_row(100, 0, 0.9), _row(200, 0, 0.9)])


def _fit(near, sec, median, thr=0.8):
    return dict(near_three=near, null_near_three=0.05, near_secondary_only=sec, null_near_secondary_only=0.03,
                median_three=median, threshold=thr)


def _color(**kw):
    acc = dict(mean=0.714, sd=0.119, n=4, values=np.array([0.6, 0.7, 0.75, 0.8]))
    far = cifar.cloud_summary(_result(0.2, 0.0, 0.5, 0.1, 0, [1.0]), "not reproduced")
    base = dict(profile="default", data="stand-in photos", real=False, runs=[("C(64,32,64)", 4, 500, acc)],
                channels={ch: far for ch in ("all", "R", "G", "B")}, n_bars_nopool=0,
                fit=_fit(0.16, 0.115, 1.0), fit_untrained=_fit(0.07, 0.02, 1.1),
                evolution1=[_row(100, 0, 1.0), _row(300, 0, 1.0)], near_threshold=0.61)
    return cifar.color_findings(**{**base, **kw})._repr_markdown_()


def test_color_findings_both_outcomes():
    s = _color()
    assert "**no primary circle** in the colour first layer" in s and "within its matched nulls" in s
    assert "median distance to the circle (1.00) is that of random filters" in s and "after 500 iterations" in s
    assert "shows 0 $H_1$ bar(s) above the null (the paper: 3)." in s
    assert "16.0% of the dense core lies near it against 7.0% before training and 5.0%" in s
    assert "11.5% lies on the secondary circles only, against 3.0%" in s and "a partial match" in s
    assert "no layer-1 Mapper graph closes a loop" in s and "stand-in" in s
    near = cifar.cloud_summary(_result(1.2, 0.0, 0.01, 9.0, 1, [0.3]), "reproduced")
    t = _color(channels={ch: near for ch in ("all", "R", "G", "B")}, n_bars_nopool=3,
               fit=_fit(0.5, 0.2, 0.5), evolution1=[_row(300, 1, 0.3), _row(500, 0, 0.3)])
    assert "shows the **primary circle** by the book's rule for all, R, G, B (all channels pooled and each alone)" in t
    assert "no primary circle" not in t and "(the paper: 3), as the paper." in t
    assert "the median filter is near the model: a match." in t
    assert "including 300 as in the paper, and it is broken at 500" in t
    none = _color(fit=_fit(0.04, 0.01, 1.2))
    assert "no sign of it" in none
    with pytest.raises(ValueError, match="channels"):
        _color(channels={})


def test_findings_say_when_the_run_stops_before_the_papers_iterations():
    s = _gray(evolution1=[_row(10, 1, 0.9), _row(30, 0, 0.9)])
    assert "has loops at 10; the run stops at 30, before the paper's circle at 400" in s and "untested" in s
    t = _color(evolution1=[_row(100, 1, 0.3), _row(200, 0, 0.9)])
    assert "shows the circle (a loop, filters near it) at 100; the run stops at 200, before the paper's circle at 300" in t


def test_color_findings_at_the_papers_scale_name_the_disagreement():
    s = _color(profile="paper", real=True, data="CIFAR-10 (real)")
    assert "a disagreement with the paper at its own scale" in s and "longer run" not in s and "stand-in" not in s
    assert "only a longer run (the `paper` profile)" in _color()
