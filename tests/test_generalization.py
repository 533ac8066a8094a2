"""Sec. VI machinery: fixed first layers, appended features, transfer accuracies, G1-G5 statistics."""
import dataclasses
import json

import numpy as np
import pytest
import torch

from toponet.chapters import generalization as g
from toponet.ideal import circle_filter_bank, primary_circle_sample
from toponet.models import AppendedFeatures, conv_layers
from toponet.store import Store, config_dict
from toponet.train import TrainConfig, appended_bank, build_model, train_ensemble


@pytest.fixture(autouse=True)
def one_thread(tmp_path, monkeypatch):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    monkeypatch.setenv("TOPONET_DATA", str(tmp_path / "data"))  # the 8x8 digits are built here
    yield
    torch.set_num_threads(before)


TINY = TrainConfig(dataset="digits8x8", widths=(8, 0, 8), batch_size=64, iterations=6, snapshots=(0, 3, 6))


# --- config -----------------------------------------------------------------------------

def test_new_fields_stay_out_of_the_key_at_their_defaults():
    d = config_dict(TrainConfig())
    assert not set(TrainConfig.KEY_OPTIONAL) & set(d)
    assert set(config_dict(TrainConfig(first_layer="circle", transfer=("digits8x8",)))) >= {"first_layer", "transfer"}


@pytest.mark.parametrize("kw, match", [
    ({"first_layer": "klein"}, "first_layer"),
    ({"appended_features": "edges"}, "appended_features"),
    ({"transfer": ("cifar10",)}, "transfer"),
    ({"transfer": "mnist"}, "transfer"),
    ({"dataset": "cifar10", "arch": "C", "transfer": ("mnist",)}, "transfer"),
    ({"first_layer": "circle", "appended_features": "circle"}, "first_layer"),
    ({"dataset": "cifar10", "arch": "C", "appended_features": "circle"}, "appended_features"),
])
def test_bad_fields_are_named(kw, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kw)


# --- models -----------------------------------------------------------------------------

def test_appended_features_are_patch_inner_products():
    bank = torch.tensor(circle_filter_bank(4), dtype=torch.float32)
    x = torch.rand(2, 1, 6, 6)
    out = AppendedFeatures(bank)(x)
    assert out.shape == (2, 5, 6, 6)
    torch.testing.assert_close(out[:, :1], x)
    patch = x[1, 0, 2:5, 1:4]  # the 3x3 patch centred at pixel (3, 2)
    for j in range(4):
        torch.testing.assert_close(out[1, 1 + j, 3, 2], (patch * bank[j]).sum())
    with pytest.raises(ValueError, match="shape"):
        AppendedFeatures(torch.zeros(4, 5, 5))


def test_appended_network_has_65_input_maps_and_keeps_conv1_first():
    model = build_model(TrainConfig(appended_features="klein"))
    assert conv_layers(model)[0].in_channels == 65
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert appended_bank("none") is None
    np.testing.assert_allclose(np.linalg.norm(appended_bank("gaussian").reshape(64, 9), axis=1), 1, atol=1e-6)


# --- training ---------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["sequential", "vmap"])
def test_fixed_circle_layer_never_changes_and_other_layers_start_as_trained(strategy):
    fixed = train_ensemble(dataclasses.replace(TINY, first_layer="circle"), [0, 1], device="cpu",
                           progress=False, strategy=strategy)
    free = train_ensemble(TINY, [0, 1], device="cpu", progress=False, strategy=strategy)
    bank = circle_filter_bank(8)[:, None].astype(np.float32)
    for s in fixed:
        for net in range(2):
            np.testing.assert_array_equal(s.conv_weights["conv1"][net], bank)
    assert not np.allclose(free[-1].conv_weights["conv1"], free[0].conv_weights["conv1"])
    # the same seed gives the same initial readout in both arms: only conv 1 differs
    from toponet.train import _seeded_model
    m_fixed = _seeded_model(dataclasses.replace(TINY, first_layer="circle"), 3, (1, 28, 28))
    m_free = _seeded_model(TINY, 3, (1, 28, 28))
    torch.testing.assert_close(m_fixed.readout.weight, m_free.readout.weight)
    assert not conv_layers(m_fixed)[0].weight.requires_grad and conv_layers(m_free)[0].weight.requires_grad


def test_fixed_gaussian_layer_is_seeded_per_network():
    cfg = dataclasses.replace(TINY, first_layer="gaussian", iterations=2, snapshots=(0, 2))
    a = train_ensemble(cfg, [0, 1], device="cpu", progress=False)
    b = train_ensemble(cfg, [1], device="cpu", progress=False)
    w = a[-1].conv_weights["conv1"]
    assert not np.allclose(w[0], w[1])
    np.testing.assert_array_equal(w[1], b[-1].conv_weights["conv1"][0])
    np.testing.assert_array_equal(w, a[0].conv_weights["conv1"])  # frozen


def test_transfer_on_the_training_domain_equals_test_accuracy():
    cfg = dataclasses.replace(TINY, transfer=("digits8x8",))
    snaps = train_ensemble(cfg, [0, 1], device="cpu", progress=False)
    last = snaps[-1]
    np.testing.assert_array_equal(last.transfer_accuracy["digits8x8"], last.test_accuracy)
    assert last.transfer_examples["digits8x8"] == 539


def test_transfer_accuracy_reads_back_through_the_store(tmp_path, monkeypatch):
    from toponet import experiments
    from toponet.experiments import Experiment, TrainingScale

    cfg = dataclasses.replace(TINY, transfer=("digits8x8",))
    exp = Experiment("tiny-transfer", "test", "test", cfg,
                     {p: TrainingScale(2, 6, (0, 3, 6)) for p in ("smoke", "default", "paper")})
    monkeypatch.setattr(experiments, "EXPERIMENTS", {**experiments.EXPERIMENTS, exp.name: exp})
    store = Store(root=tmp_path / "store", checkpoints=tmp_path / "ckpt")
    art = g.load_or_train("tiny-transfer", "smoke", device="cpu", store=store, progress=False)
    acc = g.transfer_accuracy(art, "digits8x8")
    np.testing.assert_allclose(acc, art.test_accuracy(), atol=1e-6)
    assert g.transfer_accuracy(art, "digits8x8", 3).shape == (2,)
    with pytest.raises(ValueError, match="mnist"):
        g.transfer_accuracy(art, "mnist")
    (art.path / "transfer-0-2.json").unlink()
    with pytest.raises(ValueError, match="no transfer record transfer-0-2.json"):
        g.transfer_accuracy(store.get(cfg), "digits8x8")


# --- statistics -------------------------------------------------------------------------

def test_iterations_to_accuracy_interpolates():
    assert g.iterations_to_accuracy([0, 100, 200], [0.1, 0.5, 0.9], 0.7) == pytest.approx(150)
    assert g.iterations_to_accuracy([0, 100, 200], [0.1, 0.5, 0.9], 0.1) == 0
    assert np.isnan(g.iterations_to_accuracy([0, 100], [0.1, 0.5], 0.9))
    with pytest.raises(ValueError, match="ascending"):
        g.iterations_to_accuracy([0, 0], [0.1, 0.2], 0.5)
    with pytest.raises(ValueError, match="same length"):
        g.iterations_to_accuracy([0, 1, 2], [0.1, 0.2], 0.5)


def test_speedup_is_the_ratio_of_iterations():
    its = np.array([0, 50, 100, 200])
    base = dict(iterations=its, mean=np.array([0.1, 0.4, 0.6, 0.9]))
    fast = dict(iterations=its, mean=np.array([0.1, 0.7, 0.9, 0.95]))
    s = g.speedup(base, fast, 0.9)
    assert s["base_iterations"] == pytest.approx(200) and s["arm_iterations"] == pytest.approx(100)
    assert s["speedup"] == pytest.approx(2.0)
    assert np.isnan(g.speedup(base, fast, 0.99)["speedup"])


def test_correlation_and_its_interval():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    y = 0.6 * x + 0.8 * rng.normal(size=40)
    c = g.correlation(x, y)
    assert c.r == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert c.low < c.r < c.high and c.low > 0 and c.p_value < 0.01
    # Fisher z: the half-width in z units is 1.96 / sqrt(n - 3)
    assert np.arctanh(c.high) - np.arctanh(c.r) == pytest.approx(1.959964 / np.sqrt(37), rel=1e-5)
    wide = g.correlation(x[:6], y[:6])
    assert wide.high - wide.low > c.high - c.low
    assert np.isnan(g.correlation([1, 2, 3], [1, 3, 2]).low)
    with pytest.raises(ValueError, match="constant"):
        g.correlation([1, 1, 1, 1], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="finite"):
        g.correlation([1, 2, np.nan, 4], [1, 2, 3, 4])


def test_significance_detects_a_difference_and_its_direction():
    a, b = [0.30, 0.28, 0.29], [0.11, 0.12, 0.10]
    s = g.significance(a, b)
    assert s["p_greater"] < 0.01 and s["diff"] == pytest.approx(0.18)
    assert g.significance(b, a)["p_greater"] > 0.99
    assert np.isnan(g.significance([0.3], b)["p_greater"])


def test_summary():
    s = g.summary([0.5, 0.7])
    assert s["mean"] == pytest.approx(0.6) and s["sd"] == pytest.approx(np.sqrt(0.02)) and s["n"] == 2
    with pytest.raises(ValueError, match="finite"):
        g.summary([np.nan])


def test_the_group_statistic_sees_the_circle_and_not_noise():
    from toponet.analysis import group_top_h1, scaled_k

    circle = primary_circle_sample(4 * 64, noise=0.05, seed=0).reshape(4, 64, 1, 3, 3)
    noise = np.random.default_rng(0).normal(size=(4, 64, 1, 3, 3))
    k = scaled_k(100, 128, 6400)
    sc = group_top_h1(circle, group_size=2, k=k, p=0.5, gaussian=True)
    sn = group_top_h1(noise, group_size=2, k=k, p=0.5)
    assert sc.values.shape == (2,) and sc.points_per_group == 128 and sc.k >= 2 and sn.gaussian is None
    assert sc.values.min() > sn.values.max()
    assert sc.values.min() > sc.gaussian.max()
    with pytest.raises(ValueError, match="shape"):
        group_top_h1(circle[0], group_size=1, k=k, p=0.5)
    with pytest.raises(ValueError, match="group_size"):
        group_top_h1(circle, group_size=5, k=k, p=0.5)


def test_simplicity_test_groups_with_exact_nulls_and_the_g3_rule():
    circle = primary_circle_sample(8 * 64, noise=0.05, seed=0).reshape(8, 64, 1, 3, 3)
    noise = np.random.default_rng(0).normal(size=(8, 64, 1, 3, 3))
    sc = g.simplicity_test(circle, group_size=2, k_paper=100, p=0.5, draws=39)      # p floor 1/40 < 0.05
    sn = g.simplicity_test(noise, group_size=2, k_paper=100, p=0.5, draws=39)
    assert sc["values"].shape == (4,) and sc["k"] == 5 and sc["n_core"] == 64 and sc["draws"] == 39
    assert all(t.exists for t in sc["tests"]) and not any(t.exists for t in sn["tests"])
    r = g.g3_rule(sc, sn)        # 4 vs 4 groups (70 rearrangements, p floor 1/70): circle groups longer
    assert r.verdict == "reproduced" and r.nulls["gaussian"]["draws"] == 39 and r.cloud_points == 64
    assert "permutation test" in r.reasons[-2] and r.power is not None and 0 <= r.false_positive_rate <= 0.05
    # MNIST longer: "not reproduced" needs an MNIST group's circle at p < 0.05 / 4 groups and 80 % power
    sc99 = g.simplicity_test(circle, group_size=2, k_paper=100, p=0.5, draws=99)    # p floor 1/100
    back = g.g3_rule(sn, sc99)
    assert back.verdict == ("not reproduced" if back.power >= 0.8 else "inconclusive")
    assert g.g3_rule(sn, sc).verdict == "inconclusive"          # p floor 1/40 = 0.025: not < 0.0125
    two = g.simplicity_test(circle[:4], group_size=2, k_paper=100, p=0.5, draws=39)   # 2 vs 2: 6 rearrangements
    assert g.g3_rule(two, g.simplicity_test(noise[:4], group_size=2, k_paper=100, p=0.5, draws=39)).verdict == \
        "inconclusive"                                          # its smallest p, 1/6, cannot reach 0.05
    one = g.simplicity_test(circle[:4], group_size=4, k_paper=100, p=0.5, draws=19)   # 1 group per domain
    r1 = g.g3_rule(one, g.simplicity_test(noise[:4], group_size=4, p=0.5, draws=19))
    assert r1.verdict == "inconclusive" and r1.power == 0.0 and r1.false_positive_rate == 0.0


def test_experiment_names_and_harder_domain(tmp_path):
    from toponet.experiments import experiment

    assert g.harder_domain(tmp_path) == "mnistm-standin"
    for harder in ("mnistm-standin", "svhn"):
        names = g.experiment_names(harder)
        for key in ("trained", "circle", "gaussian", "harder"):
            experiment(names[key])
        for d in names["append"].values():
            for name in d.values():
                experiment(name)
        assert experiment(names["circle"]).config.first_layer == "circle"
        assert harder in experiment(names["trained"]).config.transfer
        assert "mnist" in experiment(names["harder"]).config.transfer
    with pytest.raises(ValueError, match="harder"):
        g.experiment_names("usps")


# --- verdict rules and figures ----------------------------------------------------------

def test_g1_rule_is_a_paired_permutation_test_with_its_power():
    # 3 networks per arm: 8 sign patterns, smallest p 1/8 -> no power, inconclusive whatever the gap
    r = g.g1_rule([0.30, 0.28, 0.29], [0.12, 0.11, 0.13], [0.11, 0.10, 0.12])
    assert r.verdict == "inconclusive" and r.power == 0.0 and r.false_positive_rate == 0.0
    assert "smallest p is 0.12" in " ".join(r.reasons)
    assert all(n["draws"] == 7 and n["p"] == 0.125 for n in r.nulls.values()) and len(r.nulls) == 2
    # 10 networks per arm, the paper's gaps: both parts pass
    rng = np.random.default_rng(0)
    base = rng.normal(0.11, 0.01, 10)
    r = g.g1_rule(base + 0.17, base + 0.01, base)
    assert r.verdict == "reproduced" and r.power >= 0.8 and r.false_positive_rate <= 0.05
    assert [t["test"] for t in r.extra["tests"]] == ["paired permutation test"] * 2
    # the circle arm better than the trained one only: partly (p < 0.05 / 2)
    assert g.g1_rule(base + 0.17, base + 0.3, base).verdict == "partly"
    # no difference at 10 networks with power: not reproduced
    flat = g.g1_rule(base + rng.normal(0, 0.01, 10), base + rng.normal(0, 0.01, 10), base)
    assert flat.verdict == "not reproduced" and flat.power >= 0.8


def test_g2_g3_g4_g5_rules():
    r = g.g2_rule([0.55, 0.53, 0.54, 0.56], [0.11, 0.12, 0.10])
    assert r.verdict == "reproduced" and r.power == 1.0 and 0 <= r.false_positive_rate <= 0.05
    assert "permutation test, p = 0.029 (34 draws, exact" in g.tests_text(r)
    assert g.g2_rule([0.10, 0.11, 0.12, 0.13], [0.55, 0.53, 0.54]).verdict == "not reproduced"
    assert g.g2_rule([0.55, 0.53, 0.54], [0.11, 0.12, 0.10]).verdict == "inconclusive"   # 20 splits: p >= 0.05
    # one group of the harder domain: inconclusive, whatever the numbers
    hard = dict(mean=1.3, sd=0.0, values=np.array([1.3]), gaussian=np.array([0.3]), k=4, p=0.1, points_per_group=256)
    mn = dict(mean=1.1, sd=0.05, values=np.array([1.05, 1.1, 1.15]), k=4, p=0.1, points_per_group=256)
    assert g.g3_verdict(hard, mn)[0] == "inconclusive"
    assert "at least 2 disjoint groups" in g.g3_verdict(hard, mn)[1]
    hard2 = dict(hard, values=np.array([1.3, 1.32, 1.31, 1.33]), mean=1.315, sd=0.013)
    mn = dict(mn, values=np.array([1.05, 1.1, 1.15, 1.12]))
    assert g.g3_verdict(hard2, mn)[0] == "partly"                  # longer, but no null tests to show a circle
    # MNIST longer, but no MNIST group was shown to beat its nulls: noise against noise
    assert g.g3_verdict(dict(hard2, values=np.array([0.5, 0.52, 0.51, 0.5]), mean=0.51), mn)[0] == "inconclusive"
    assert g.g3_verdict(dict(hard2, values=np.array([0.9, 1.4, 0.8, 1.3]), mean=1.1, sd=0.3), mn)[0] == "inconclusive"
    rng = np.random.default_rng(1)
    t = np.arange(13.0)
    up = (np.sqrt(t) + rng.normal(0, 0.1, 13), np.sqrt(t) + rng.normal(0, 0.1, 13))
    flat = (rng.normal(size=13), rng.normal(size=13))
    r4 = g.g4_rule({"mnist": up, "mnistm-standin": up})
    assert r4.verdict == "reproduced" and "Pearson's r" in g.tests_text(r4) and "9999 draws" in g.tests_text(r4)
    mixed = g.g4_rule({"mnist": up, "mnistm-standin": flat})
    assert mixed.verdict == "partly" and mixed.power < 0.8          # 13 snapshots: ~50 % power at r = 0.5
    assert g.g4_rule({"mnist": flat, "mnistm-standin": flat}).verdict == "inconclusive"
    assert g.g4_rule({"mnist": flat}, effect=0.95).verdict == "not reproduced"


def _curve(its, values):
    v = np.asarray(values, float)
    return dict(iterations=np.asarray(its), values=v, mean=v.mean(axis=1), sd=v.std(axis=1))


def test_accuracy_area_and_the_g5_rule():
    its = np.array([0, 50, 100, 200, 400])
    lin = np.array([[0.0, 0.25, 0.5, 1.0, 1.0]]).T
    assert g.accuracy_area(its, lin, 200)[0] == pytest.approx(0.5)
    assert g.compressed_area(its, lin, 200, 2.0)[0] == pytest.approx(0.75)    # reaches 1 at 100, then holds
    with pytest.raises(ValueError, match="cover"):
        g.accuracy_area(its, lin, 500)
    rng = np.random.default_rng(0)

    def arm(speed, n, last=200):
        t = np.array([0, 25, 50, 75, 100, 150, 200] + ([300, 500] if last > 200 else []))
        return _curve(t, np.array([1 - np.exp(-speed * t / 100) + rng.normal(0, 0.01, t.size) for _ in range(n)]).T)

    few = {"mnist": {"none": arm(1, 3, 500), "circle": arm(2, 2)}}
    r = g.g5_rule(few, fastest={"mnist": "circle"})
    assert r.verdict == "inconclusive" and r.power == 0.0 and "smallest p is 0.1" in " ".join(r.reasons)
    assert "reported, not tested" in " ".join(r.reasons)
    many = {"mnist": {"none": arm(1, 10, 500), "circle": arm(2, 10)}, "svhn": {"none": arm(1, 10, 500), "circle": arm(3, 10)}}
    r = g.g5_rule(many)
    assert r.verdict == "reproduced" and r.power >= 0.8 and r.false_positive_rate <= 0.05
    same = {"mnist": {"none": arm(1, 10, 500), "circle": arm(1, 10)}}
    assert g.g5_rule(same).verdict == "not reproduced"
    one = {"mnist": {"none": arm(1, 3, 500), "circle": arm(2, 1)}}
    assert g.g5_rule(one).verdict == "inconclusive" and "not testable" in " ".join(g.g5_rule(one).reasons)
    # the smoke profile keeps only the last snapshot: no curve, so no test (and no error)
    last_only = {"mnist": {"none": _curve(np.array([20]), np.full((1, 2), 0.5)),
                           "circle": _curve(np.array([20]), np.full((1, 2), 0.6))}}
    r = g.g5_rule(last_only)
    assert r.verdict in ("inconclusive", "not tested") and "do not cover iterations 0-20" in " ".join(r.reasons)


def test_fastest_arm_and_figures():
    its = np.array([0, 50, 100])
    curves = {"none": dict(iterations=its, mean=np.array([0.1, 0.5, 0.8]), sd=np.zeros(3)),
              "circle": dict(iterations=its, mean=np.array([0.1, 0.8, 0.9]), sd=np.full(3, 0.01))}
    assert g.fastest_arm(curves, 0.7) == "circle"
    assert g.fastest_arm(curves, 0.95) == "none of them"
    fig = g.curves_figure(curves, target=0.7)
    assert len(fig.data) == 2 and fig.data[1].y[1] == pytest.approx(80)
    bars = g.transfer_figure({"circle": {"MNIST": [0.9, 0.92]}, "trained": {"MNIST": [0.8, 0.82]}})
    assert [t.name for t in bars.data] == ["circle", "trained"] and bars.data[0].y[0] == pytest.approx(91)
    sc = g.scatter_figure({"MNIST": ([0.1, 0.5], [0.2, 0.9], [0, 100])})
    assert list(sc.data[0].y) == pytest.approx([20, 90])
    with pytest.raises(ValueError, match="empty"):
        g.curves_figure({})


def test_checkpoints_written_before_the_new_fields_still_resume(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (256, 28, 28, 1)).astype(np.uint8)
    y = rng.integers(0, 10, 256)
    data = ((x, y), (x[:64], y[:64]))
    cfg = TrainConfig(widths=(4, 0, 8), batch_size=32, iterations=4, snapshots=(0, 4))
    path = tmp_path / "ck.pt"
    train_ensemble(cfg, [0], device="cpu", progress=False, data=data, checkpoint_path=path, stop_after=2)
    state = torch.load(path, weights_only=True)
    for name in TrainConfig.KEY_OPTIONAL:
        del state["config"][name]  # as an older toponet wrote it
    torch.save(state, path)
    resumed = train_ensemble(cfg, [0], device="cpu", progress=False, data=data, checkpoint_path=path)
    fresh = train_ensemble(cfg, [0], device="cpu", progress=False, data=data)
    np.testing.assert_array_equal(resumed[-1].conv_weights["conv1"], fresh[-1].conv_weights["conv1"])
    other = dataclasses.replace(cfg, first_layer="circle")
    with pytest.raises(ValueError, match="first_layer"):
        train_ensemble(other, [0], device="cpu", progress=False, data=data, checkpoint_path=path)


# --- transfer accuracies through the CLI's path (toponet train) ---------------------------

def test_cli_train_stores_transfer_accuracies(tmp_path, monkeypatch, capsys):
    # The documented path: toponet train -> run_shards -> train_shard -> Store.put_shard.
    from toponet import experiments
    from toponet.cli import main
    from toponet.experiments import Experiment, TrainingScale

    cfg = dataclasses.replace(TINY, transfer=("digits8x8",))  # the only digit set built offline in tests
    exp = Experiment("tiny-cli-transfer", "test", "test", cfg,
                     {p: TrainingScale(2, 6, (0, 3, 6)) for p in ("smoke", "default", "paper")})
    monkeypatch.setattr(experiments, "EXPERIMENTS", {**experiments.EXPERIMENTS, exp.name: exp})
    monkeypatch.setenv("TOPONET_CHECKPOINTS", str(tmp_path / "ckpt"))
    rc = main(["train", "tiny-cli-transfer", "--profile", "smoke", "--store", str(tmp_path / "store"),
               "--device", "cpu", "--shard-size", "1", "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    plan = exp.plan("smoke")
    art = Store(tmp_path / "store").get(plan.config)
    assert art.networks == 2 and len(art.manifest["shards"]) == 2
    assert sorted(p.name for p in art.path.glob("transfer-*.json")) == ["transfer-0-1.json", "transfer-1-1.json"]
    # on its own domain the transfer accuracy is the test accuracy (both on the whole test set at the end)
    np.testing.assert_allclose(g.transfer_accuracy(art, "digits8x8"), art.test_accuracy(), atol=1e-6)
    assert art.transfer_examples("digits8x8") == 539
    # the same networks trained directly measure the same transfer accuracies at every snapshot
    direct = train_ensemble(plan.config, [0, 1], device="cpu", progress=False)
    for snap in direct:
        for d in plan.config.transfer:
            np.testing.assert_allclose(art.transfer_accuracy(d, snap.iteration), snap.transfer_accuracy[d], atol=1e-12)
            assert art.transfer_examples(d, snap.iteration) == snap.transfer_examples[d]


@pytest.mark.parametrize("key, n", [("d0e21e739a294ea1", 3), ("69a98a2a9ddb0714", 3), ("f1c32121663fbd10", 3),
                                    ("fc3944fff4cc27df", 4)])
def test_committed_generalization_artifacts_still_give_their_transfer_accuracies(key, n):
    from toponet import store as store_mod

    root = store_mod._repo_artifacts()
    if root is None or not (root / key).is_dir():
        pytest.skip(f"committed artifact {key} not in this checkout")
    art = Store(root).open(key)
    doc = json.loads((art.path / f"transfer-0-{n}.json").read_text())
    for d in art.transfer_datasets:
        for it in art.iterations:
            acc = g.transfer_accuracy(art, d, it)
            # the first shard holds n networks; later shards (G1's arms were topped up) follow it
            assert acc.shape == (art.networks,) and art.networks >= n and np.all((acc >= 0) & (acc <= 1))
            np.testing.assert_array_equal(acc[:n], doc["accuracy"][str(it)][d])


def _simpl(values, gaussian, k=4, per=26):
    v = np.asarray(values, float)
    return dict(values=v, gaussian=np.asarray(gaussian, float), k=k, points_per_group=per, p=0.1,
                mean=float(v.mean()), sd=float(v.std(ddof=1)) if v.size > 1 else 0.0)


def _rules(g1, g2, g4_series, g5_curves):
    return {"G1": g.g1_rule(*g1), "G2": g.g2_rule(*g2), "G4": g.g4_rule(g4_series), "G5": g.g5_rule(g5_curves)}


def test_findings_markdown_follow_the_numbers():
    C = g.Correlation
    rng = np.random.default_rng(0)
    t13 = np.arange(13.0)
    up, flat = (t13, t13 + rng.normal(0, 1, 13)), (rng.normal(size=13), rng.normal(size=13))
    curve = lambda n, speed, last=200: _curve(  # noqa: E731
        [0, 50, 100, 200, 500][: 5 if last > 200 else 4],
        np.array([1 - np.exp(-speed * np.array([0, 50, 100, 200, 500][: 5 if last > 200 else 4]) / 100)] * n).T
        + rng.normal(0, 0.01, (5 if last > 200 else 4, n)))
    few5 = {"mnist": {"none": curve(3, 1, 500), "circle": curve(2, 2)},
            "mnistm-standin": {"none": curve(4, 1, 500), "circle": curve(2, 3)}}
    # the default build's shape: 3 networks per arm, small gaps on the stand-in, one stand-in group
    g1 = ([0.60, 0.61, 0.59], [0.57, 0.55, 0.59], [0.53, 0.52, 0.54])
    g2 = ([0.96, 0.95, 0.97, 0.96], [0.53, 0.52, 0.54])
    weak = g.findings_markdown(
        "mnistm-standin", g1=g1,
        g1_digits=([0.5, 0.6, 0.4], [0.55, 0.45, 0.5], [0.5, 0.52, 0.48]),
        g1_own=([0.98, 0.981, 0.982], [0.97, 0.973, 0.976]), g2=g2,
        g3=(_simpl([0.30], [0.19]), _simpl([0.1, 0.2, 0.15, 0.2], [0.2] * 4)),
        g4={"mnist": C(0.1, -0.5, 0.6, 0.95, 13, 0.7), "mnistm-standin": C(0.75, 0.2, 0.95, 0.95, 13, 0.01)},
        g5_speedups={"mnist": {"speedup": 2.9, "target": 0.9}, "mnistm-standin": {"speedup": 3.2, "target": 0.8}},
        g5_fastest={"mnist": "circle", "mnistm-standin": "gaussian"},
        rules=_rules(g1, g2, {"mnist": flat, "mnistm-standin": up}, few5))._repr_markdown_()
    assert "(on the MNIST-M-style stand-in, not SVHN)" in weak
    assert "**G1, inconclusive.**" in weak and "60 %" in weak and "The ordering of the means is the paper's" in weak
    assert "p = 0.12 (7 draws, exact)" in weak and "0% power" in weak and "smallest p is 0.12" in weak
    assert "every arm transfers to it" in weak and "On the 8x8 digits" in weak
    assert "something the paper does not report" in weak
    assert "**G2, reproduced.**" in weak and "easy by construction" in weak and "p = 0.067 (14 draws, exact)" in weak
    assert "**G3, inconclusive.**" in weak and "0.30" in weak and "a hint, not a measurement" in weak
    assert "**G4, partly.**" in weak and "rise together for MNIST-M-style stand-in; for MNIST the correlation" in weak
    assert "permutation p = " in weak and "9999 draws" in weak
    assert "**G5, inconclusive.**" in weak and "2.9x" in weak and "another appended arm was faster" in weak
    assert "On the MNIST-M-style stand-in, MNIST networks" in weak
    # the other outcome everywhere, with arms of 10
    b = rng.normal(0.2, 0.01, 10)
    g1s = (b - 0.1, b + 0.1, b)
    g2s = (b, b + 0.3)
    many5 = {"mnist": {"none": curve(10, 1, 500), "circle": curve(10, 2)},
             "svhn": {"none": curve(10, 1, 500), "circle": curve(10, 3.5)}}
    strong = g.findings_markdown(
        "svhn", g1=g1s,
        g1_digits=(b + 0.2, b, b - 0.1),
        g1_own=([0.9, 0.9, 0.91], [0.95, 0.96, 0.97]), g2=g2s,
        g3=(_simpl([0.1, 0.1, 0.12], [0.2] * 3, per=640), _simpl([0.5, 0.6, 0.55], [0.2] * 3, per=640)),
        g4={"mnist": C(-0.2, -0.6, 0.3, 0.95, 13, 0.5), "svhn": C(-0.1, -0.5, 0.4, 0.95, 13, 0.6)},
        g5_speedups={"mnist": {"speedup": 2.0, "target": 0.9}, "svhn": {"speedup": 3.5, "target": 0.8}},
        g5_fastest={"mnist": "circle", "svhn": "circle"},
        rules=_rules(g1s, g2s, {"mnist": flat, "svhn": flat}, many5))._repr_markdown_()
    assert "not SVHN" not in strong and "stand-in" not in strong
    assert "**G1, not reproduced.**" in strong and "not the best" in strong and "significantly the best" in strong
    assert "does not report" not in strong and "Power against the paper's effect: 100% (the weakest part)" in strong
    assert "**G2, not reproduced.**" in strong and "**G3, inconclusive.**" in strong and "not the paper's" in strong
    assert "hint" not in strong and "**G4, inconclusive.**" in strong and "For no domain" in strong
    assert "**G5, reproduced.**" in strong and "fastest everywhere" in strong
    # small-build corner cases: no transfer advantage on the stand-in, the normal net fastest
    small_g1 = ([0.4, 0.42], [0.44, 0.45], [0.29, 0.3])
    small_g2 = ([0.25, 0.26], [0.29, 0.3])
    small = g.findings_markdown(
        "mnistm-standin", g1=small_g1, g1_digits=([0.3, 0.4], [0.2, 0.2], [0.3, 0.3]),
        g1_own=([0.8, 0.8], [0.7, 0.7]), g2=small_g2,
        g3=(_simpl([0.21], [0.21]), _simpl([0.2], [0.2])),
        g4={"mnist": C(0.87, float("nan"), float("nan"), 0.95, 3, 0.3)},
        g5_speedups={"mnist": {"speedup": 1.0, "target": 0.5}, "mnistm-standin": {"speedup": 0.9, "target": 0.3}},
        g5_fastest={"mnist": "none", "mnistm-standin": "none of them"},
        rules=_rules(small_g1, small_g2, {"mnist": ([1, 2, 3], [1, 3, 2.5])}, few5))._repr_markdown_()
    assert "yet this build's networks do not transfer to MNIST better" in small and "easy by construction" not in small
    assert "a hint that they rise together" in small
    assert "(fastest arm: the normal network)" in small and "On MNIST no appended features beat the normal" in small
    assert "no arm reached the target" in small and "another appended arm" not in small
    with pytest.raises(ValueError, match="harder"):
        g.findings_markdown("cifar", g1=(), g1_digits=(), g1_own=(), g2=(), g3=(), g4={}, g5_speedups={}, g5_fastest={},
                            rules={})
    with pytest.raises(ValueError, match="rules lacks"):
        g.findings_markdown("svhn", g1=g1s, g1_digits=g1s, g1_own=g1s[:2], g2=g2s, g3=(1, 2), g4={}, g5_speedups={},
                            g5_fastest={}, rules={"G1": None})


def test_g5_caption_and_reading_state_every_arm_and_the_target():
    import toponet.chapters.generalization as gen
    from toponet.experiments import experiment

    # committed default artifact: the profile's networks x M(64,32,64) with appended circle features
    n = experiment("gen-mnist-append-circle").networks_for("default")
    circle = Store().get(experiment("gen-mnist-append-circle").config_for("default"))
    assert circle is not None and circle.networks == n
    its = np.array([0, 100, 200])
    curve = lambda acc: {"iterations": its, "mean": np.array(acc), "sd": np.zeros(3), "values": np.array(acc)[:, None]}
    curves = {"none": curve([0.1, 0.5, 0.9]), "circle": curve([0.1, 0.9, 0.95]),
              "klein": curve([0.1, 0.6, 0.92]), "gaussian": curve([0.1, 0.45, 0.9])}
    speed = gen.speedup(curves["none"], curves["circle"], 0.9)
    text = str(gen.g5_caption("MNIST (real)", curves, {"circle": circle}, profile="default"))
    assert "**Figure 13.**" in text and "dotted: the target accuracy" in text and f"Networks: circle {n}" in text
    # the target and the speed-ups are the reading's, under the figure
    reading = gen.g5_reading("MNIST (real)", curves, speed, "circle")._repr_markdown_()
    assert reading.startswith("**What to see**") and "the target is 90.0 %" in reading and "at 200 iterations" in reading
    assert "circle 2.00x" in reading and "gaussian 1.00x" in reading and "fastest: circle" in reading
    with pytest.raises(ValueError, match="klein"):
        gen.g5_caption("MNIST", {k: v for k, v in curves.items() if k != "klein"}, {"circle": circle},
                       profile="default")


def test_g3_counts_a_group_circle_only_after_bonferroni():
    from types import SimpleNamespace as NS

    def t(p):
        return NS(nulls={"gaussian": NS(p=p), "shuffled": NS(p=p)})

    # 50 groups, two at p = 0.01: about 2.5 pass at 0.05 by chance, none at 0.05 / 50
    assert not g._some_group_circle([t(0.01)] * 2 + [t(0.6)] * 48, 0.05)
    assert g._some_group_circle([t(0.01), t(0.5)], 0.05)      # 2 groups: 0.01 < 0.025
    assert not g._some_group_circle([], 0.05)


def test_g4_reading_says_when_r_rests_on_the_untrained_snapshot():
    # the default build's MNIST series: r = 0.80, but the untrained snapshot (bar 0.39, 10 %) carries it
    x = np.array([0.391, 0.837, 0.722, 0.751, 0.94, 0.844, 0.621, 0.714, 0.769, 0.9, 0.792, 0.839, 0.866])
    y = np.array([0.101, 0.924, 0.955, 0.965, 0.971, 0.974, 0.976, 0.978, 0.979, 0.981, 0.982, 0.985, 0.987])
    rng = np.random.default_rng(0)
    flat = (rng.normal(size=12), rng.normal(size=12))
    r4 = g.g4_rule({"mnist": (x, y), "mnistm-standin": flat})
    assert r4.verdict == "inconclusive"                       # p = 0.032: not below 0.05 / 2
    part = r4.extra["parts"][0]
    assert 0.02 < part.test.p < 0.05 and part.check.p > 0.3 and "without the first snapshot" in part.describe()
    g1 = ([0.60, 0.61, 0.59], [0.57, 0.55, 0.59], [0.53, 0.52, 0.54])
    g2 = ([0.96, 0.95, 0.97, 0.96], [0.53, 0.52, 0.54])
    c5 = {"mnist": {"none": _curve([0, 100, 200, 500], [[0.1] * 3, [0.5, 0.52, 0.51], [0.8, 0.81, 0.79], [0.9] * 3]),
                    "circle": _curve([0, 100, 200], [[0.1, 0.1], [0.7, 0.71], [0.85, 0.86]])}}
    md = g.findings_markdown(
        "mnistm-standin", g1=g1, g1_digits=g1, g1_own=g1[:2], g2=g2,
        g3=(_simpl([0.3], [0.2]), _simpl([0.1, 0.2], [0.2, 0.2])),
        g4={"mnist": g.correlation(x, y), "mnistm-standin": g.correlation(*flat)},
        g5_speedups={"mnist": {"speedup": 2.9, "target": 0.9}}, g5_fastest={"mnist": "circle"},
        rules={"G1": g.g1_rule(*g1), "G2": g.g2_rule(*g2), "G4": r4, "G5": g.g5_rule(c5)})._repr_markdown_()
    assert "**G4, inconclusive.**" in md and "not at 0.05/2 (Bonferroni over the 2 domains)" in md
    assert "Without the untrained first snapshot the correlation is no longer significant (MNIST: r = 0.04" in md


# --- the chapter in one call (run_chapter, GeneralizationChapter) ------------------------------

class _Run:
    """A stand-in for a stored artifact: ``networks`` networks with fixed accuracies."""

    def __init__(self, dataset, accuracy, transfer, iterations=(0, 250, 500)):
        self.accuracy, self.transfer = np.asarray(accuracy, float), {k: np.asarray(v, float) for k, v in transfer.items()}
        self.networks, self.iterations, self.arch = self.accuracy.size, list(iterations), "M(64,32,64)"
        self.config = {"dataset": dataset}

    def test_accuracy(self, iteration=None):
        return self.accuracy

    def transfer_accuracy(self, dataset, iteration=None):
        return self.transfer[dataset]


def _chapter():
    """A small hand-built chapter result: 3 networks per G1 arm, 4 on the stand-in, real rules."""
    harder = "mnistm-standin"
    arms = {"circle": _Run("mnist", [0.98] * 3, {harder: [0.60, 0.61, 0.59], "digits8x8": [0.5, 0.6, 0.4]}),
            "gaussian": _Run("mnist", [0.97] * 3, {harder: [0.57, 0.55, 0.59], "digits8x8": [0.5, 0.5, 0.5]}),
            "trained": _Run("mnist", [0.96] * 3, {harder: [0.53, 0.52, 0.54], "digits8x8": [0.5, 0.52, 0.48]})}
    harder_run = _Run(harder, [0.94, 0.95, 0.93, 0.94], {"mnist": [0.96, 0.95, 0.97, 0.96],
                                                           "digits8x8": [0.4] * 4}, iterations=(0, 500, 1000))
    g1 = tuple(arms[a].transfer[harder] for a in ("circle", "gaussian", "trained"))
    rng = np.random.default_rng(0)
    flat = (rng.normal(size=12), rng.normal(size=12))
    its = [0, 100, 200]
    curves = {d: {kind: _curve(its, [[0.1] * 3, [0.5 + 0.1 * (kind == "circle")] * 3, [0.9] * 3])
                  for kind in ("none", "circle", "klein", "gaussian")} for d in ("mnist", harder)}
    speedups = {d: g.speedup(c["none"], c["circle"], 0.9) for d, c in curves.items()}
    fastest = {d: g.fastest_arm(c, 0.9) for d, c in curves.items()}
    runs = {"mnist": {"none": arms["trained"], "circle": arms["circle"]},
            harder: {"none": harder_run, "circle": _Run(harder, [0.9] * 2, {}, iterations=(0, 200))}}
    harder_s, mnist_s = _simpl([0.30], [0.19]), _simpl([0.1, 0.2], [0.2] * 2)
    rules = {"G1": g.g1_rule(*g1), "G1-digits": g.g1_rule(*(arms[a].transfer["digits8x8"] for a in arms)),
             "G2": g.g2_rule(harder_run.transfer["mnist"], g1[2]), "G3": g.g3_rule(harder_s, mnist_s),
             "G4": g.g4_rule({"MNIST": flat, harder: flat}), "G5": g.g5_rule(curves, fastest=fastest)}
    rows = g._verdict_rows(rules, profile="default", harder=harder, arms=arms, harder_networks=harder_run,
                           mnist_networks=harder_run, common_iteration=1000, group_size=2, harder_simplicity=harder_s,
                           mnist_simplicity=mnist_s, g5_runs=runs, g5_speedups=speedups, g5_fastest=fastest)
    return g.GeneralizationChapter(
        profile="default", k=100, p=0.1, seed=0, harder=harder, arms=arms, harder_networks=harder_run,
        mnist_networks=harder_run, g1_accuracy={"(i) circle, fixed": {"MNIST (own test set)": [0.98] * 3}},
        harder_to_mnist=harder_run.transfer["mnist"], mnist_to_harder=g1[2], common_iteration=1000, group_size=2,
        harder_simplicity=harder_s, mnist_simplicity=mnist_s, evolution={}, correlations={}, g5_runs=runs,
        g5_curves=curves, g5_speedups=speedups, g5_fastest=fastest, rules=rules, rows=rows)


@pytest.mark.parametrize("kw, match", [(dict(k=6400), "k"), (dict(p=0.0), "p"), (dict(networks=0), "networks")])
def test_run_chapter_rejects_a_bad_parameter_before_loading_anything(kw, match, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("run_chapter loaded a run before checking its parameters")

    monkeypatch.setattr(g, "load_or_train", no_loading)
    with pytest.raises(ValueError, match=match):
        g.run_chapter(**{**dict(profile="default", networks=10, iterations=500, k=100, p=0.1), **kw})


def test_the_chapter_result_is_frozen_and_its_rows_read_the_runs():
    chapter = _chapter()
    with pytest.raises(dataclasses.FrozenInstanceError):
        chapter.seed = 1
    assert [r.claim_id for r in chapter.rows] == ["G1", "G2", "G3", "G4", "G5"]
    g1, g2, g3, g4, g5 = chapter.rows
    assert g1.scale == "3 nets per arm x 500 iterations (default)" and (g1.networks, g1.iterations) == (3, 500)
    assert g1.ours.startswith("on mnistm-standin: ") and "; on 8x8 digits (" in g1.ours
    assert g1.ours.endswith("not filters") and g1.verdict == chapter.rules["G1"].verdict
    assert g2.scale == "4 x 1000 on mnistm-standin, 3 x 500 on MNIST (default)" and g2.networks == 3
    assert "own test accuracy 94.0 +- 0.8 %" in g2.ours
    assert g3.scale == "1 groups of 2 nets (mnistm-standin) and 2 groups of 2 (MNIST) at iteration 1000 (default)"
    assert g3.ours == "; ".join(chapter.rules["G3"].reasons) and g3.iterations == 1000
    assert g4.scale == "MNIST 4 x 1000, mnistm-standin 4 x 1000 (default)"
    assert g5.scale == "mnist: 3 nets per arm x 500, mnistm-standin: none 4, circle 2 nets x 200 (default)"
    assert (g5.networks, g5.iterations) == (2, 200) and g5.ours.startswith("mnist: circle ")
    assert all(r.chapter == "05_generalization" for r in chapter.rows)


def test_the_chapter_result_captions_readings_and_tables():
    chapter = _chapter()
    lines = chapter.runs_summary().splitlines()
    assert lines[0] == "harder domain: " + g.DOMAIN_LABELS["mnistm-standin"]
    assert lines[1] == ("   circle: 3 x M(64,32,64) on mnist, 500 iterations, test accuracy 98.00 +- 0.00 % (n = 3)")
    assert lines[4].startswith("   harder: 4 x M(64,32,64) on mnistm-standin, 1000 iterations")
    caption = chapter.g1_caption()._repr_markdown_()
    assert caption.startswith("**Figure G1.**") and r"3 \times M^{1}_{500}(64, 32, 64)" in caption
    assert "96.0" in caption and "(paper: 99.0 %)" in caption
    assert r"4 \times M^{1}_{1K}" in chapter.g2_caption()._repr_markdown_()
    reading = chapter.g1_reading()._repr_markdown_()
    assert "Here: on MNIST-M-style stand-in, (i) circle 60.0" in reading
    assert f"on the 8x8 digits ({chapter.rules['G1-digits'].verdict} by the same rule)" in reading
    assert reading.endswith(f"By the rule: **{chapter.rules['G1'].verdict}**.")
    assert chapter.g3_table() == []                    # hand-built groups carry no per-group tests
    g2_bars = chapter.g2_figure()
    assert [t.name for t in g2_bars.data] == ["trained on mnistm-standin", "trained on MNIST"]
    assert list(g2_bars.data[1].x) == ["own test set", "mnistm-standin", "8x8 digits"]
    assert chapter.g5_figure("mnistm-standin").layout.title.text == "mnistm-standin: appended features"
    assert chapter.g5_figure("mnist").layout.title.text == "MNIST (real): appended features"
    assert "on MNIST-M-style stand-in, the target is 90.0 %" in chapter.g5_reading("mnistm-standin")._repr_markdown_()
    with pytest.raises(ValueError, match="dataset must be one of"):
        chapter.g5_caption("svhn")


def test_the_findings_template_renders_each_part_strictly():
    import jinja2

    from toponet.chapters._templates import render

    assert render("generalization_findings", part="head", standin=True, short="MNIST-M-style stand-in") == \
        "**What we found** in this build (on the MNIST-M-style stand-in, not SVHN)."
    assert render("generalization_findings", part="head", standin=False, short="SVHN") == \
        "**What we found** in this build."
    with pytest.raises(jinja2.UndefinedError, match="g3"):
        render("generalization_findings", part="G3", standin=False, short="SVHN")
    # the default build's G4 bullet: a hint for MNIST that rests on the untrained snapshot
    g4 = dict(verdict="inconclusive", series=[dict(label="MNIST", r="0.80", low="0.44", high="0.94", p="0.032",
                                                   draws=9999)],
              together=[], apart=["MNIST"], loose=["MNIST"], alpha="0.05", domains=2, all_positive=True,
              rests=[dict(label="MNIST", r="0.04", p="0.44", draws=9999)],
              power=dict(kind="weak", power="49%", label="MNIST: r > 0", floor=""))
    text = render("generalization_findings", part="G4", g4=g4)
    assert text == ("- **G4, inconclusive.** MNIST: r = 0.80 [0.44, 0.94], permutation p = 0.032 (9999 draws). For "
                    "MNIST the correlation is significant at p < 0.05 but not at 0.05/2 (Bonferroni over the 2 "
                    "domains): a hint that they rise together, not a finding. Without the untrained first snapshot the "
                    "correlation is no longer significant (MNIST: r = 0.04, p = 0.44 (9999 draws)): it rests on the "
                    "step from the untrained network to a trained one, not on the two rising together during "
                    "training. The test had 49% power against the paper's effect for MNIST: r > 0, so a "
                    "non-significant result there is not evidence against the paper.")
    # a significant correlation that does not rest on the untrained snapshot: the bullet says so and
    # nothing after it denies it (the f-strings this template replaced appended "no correlation is
    # significant" to it, without a space)
    found = dict(g4, together=["MNIST"], apart=[], loose=[], rests=[], power=dict(kind="", power="", label="",
                                                                                   floor=""))
    text = render("generalization_findings", part="G4", g4=found)
    assert text.endswith("Top $H_1$ lifetime and test accuracy rise together for MNIST.")
    assert "no correlation is significant" not in text and "For no domain" not in text
    none = dict(found, together=[], all_positive=False)
    assert render("generalization_findings", part="G4", g4=none).endswith(
        "(9999 draws). For no domain is the correlation significant: this build does not show them rising together.")
