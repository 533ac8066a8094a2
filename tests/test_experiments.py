from dataclasses import replace

import pytest

from toponet.experiments import EXPERIMENTS, SCALES, TrainingScale, experiment, names
from toponet.store import config_key
from toponet.train import TrainConfig

REQUIRED = ("mnist", "mnist-M64-0-64", "mnist-M64-8-512", "mnist-M64-16-512", "mnist-M256-32-512")


def test_registry_has_the_required_experiments():
    assert set(REQUIRED) <= set(names())
    assert any(e.config.arch.startswith("C") for e in EXPERIMENTS.values())  # CIFAR placeholders
    for e in EXPERIMENTS.values():
        assert set(e.profiles) == set(SCALES) and e.paper_reference and e.description
        assert isinstance(e.config, TrainConfig)
        assert e.config.iterations == e.profiles["paper"].iterations
        assert e.config.snapshots == e.profiles["paper"].snapshots
        assert e.profiles["smoke"].networks * e.profiles["smoke"].iterations <= 100


def test_mnist_profiles_are_the_papers():
    e = experiment("mnist")
    assert (e.config.arch, e.config.widths, e.config.dataset) == ("M", (64, 32, 64), "mnist")
    assert (e.config.optimizer, e.config.batch_size, e.config.dropout) == ("adam", 128, 0.5)
    d, p = e.profile("default"), e.profile("paper")
    assert (d.networks, d.iterations) == (100, 2000)     # the paper's 100 networks at CPU length (issue 13)
    assert d.snapshots == (0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1500, 2000)
    assert (p.networks, p.iterations, p.snapshots[-1]) == (100, 40000, 40000)
    assert e.paper_test_accuracy == pytest.approx(0.99)
    for name in REQUIRED[1:]:
        # robustness runs (see toponet/experiments.py): 16 networks, 8 of M(256,32,512)
        assert experiment(name).profile("default").networks == (8 if "M256" in name else 16)
        assert experiment(name).profile("default").iterations == 2000
    assert experiment("mnist-M256-32-512").config.widths == (256, 32, 512)


def test_config_for_follows_the_profile():
    e = experiment("mnist")
    cfg = e.config_for("default")
    assert isinstance(cfg, TrainConfig) and cfg.iterations == 2000 and cfg.snapshots[-1] == 2000
    assert replace(cfg, iterations=e.config.iterations, snapshots=e.config.snapshots) == e.config
    assert e.config_for("smoke") == e.config_for("smoke", networks=5)  # seeds are not in the config
    assert len({config_key(e.config_for(p)) for p in SCALES}) == 3


def test_iterations_override_clips_snapshots():
    cfg = experiment("mnist").config_for("default", iterations=750)
    assert cfg.iterations == 750 and cfg.snapshots == (0, 100, 200, 300, 400, 500, 600, 700, 750)
    assert experiment("mnist").config_for("default", iterations=3000).snapshots[-2:] == (2000, 3000)


def test_plan():
    plan = experiment("mnist").plan("default", networks=4)
    assert plan.seeds == (0, 1, 2, 3) and plan.profile == "default" and plan.experiment == "mnist"
    assert plan.keep == {"conv2": (2000,)}
    assert experiment("mnist").plan("smoke").keep is None
    assert experiment("mnist").plan("default", iterations=700).keep == {"conv2": (700,)}
    assert experiment("mnist-M64-8-512").plan("default").keep == {"conv2": (2000,)}


def _default_artifact_bytes(e) -> int:
    prof, cfg = e.profile("default"), e.config_for("default")
    x, y, _ = cfg.widths
    channels = 3 if cfg.dataset == "cifar10" else 1
    conv2_at = len(prof.snapshots if prof.conv2_snapshots is None else set(prof.conv2_snapshots) | {prof.iterations})
    per_net = 9 * 4 * (x * channels * len(prof.snapshots) + (y * x * conv2_at if y else 0))
    return prof.networks * per_net


@pytest.mark.parametrize("name", names())
def test_default_profiles_stay_committable(name):
    # float32 weights barely compress, so raw bytes bound the file size; the largest are the
    # CIFAR gray stand-in, 16 x C(64,32,64) with both layers at all 21 snapshots (25.5 MB: the
    # layer-2 evolution of Fig. 5 needs them), the colour one at 16 networks (16 snapshots, 19.5 MB), and
    # 100 x M(64,32,64) (10.4 MB)
    assert _default_artifact_bytes(experiment(name)) < 26e6


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown experiment 'mnst'; known: mnist"):
        experiment("mnst")
    with pytest.raises(ValueError, match="no profile 'huge'"):
        experiment("mnist").config_for("huge")
    with pytest.raises(ValueError, match="networks must be >= 1"):
        experiment("mnist").config_for("smoke", networks=0)
    with pytest.raises(TypeError, match="iterations must be an integer"):
        experiment("mnist").config_for("smoke", iterations=2.5)
    with pytest.raises(ValueError, match="end at iterations=30"):
        TrainingScale(2, 30, (0, 10))
    with pytest.raises(ValueError, match="ascend"):
        TrainingScale(2, 30, (10, 0, 30))
    with pytest.raises(ValueError, match=r"conv2_snapshots \[5\]"):
        TrainingScale(2, 30, (0, 10, 30), conv2_snapshots=(5,))
