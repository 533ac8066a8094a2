"""toponet.data.registry: one table of datasets, read by training, the experiments and the chapters."""
import pytest

from toponet import experiments
from toponet.data import MANIFEST, STANDINS, registry


def test_every_entry_has_a_loader():
    for d in registry.DATASETS.values():
        if d.standin_module:
            assert STANDINS[d.source] == d.standin_module
        else:
            assert d.source in MANIFEST, d.name


def test_every_experiment_trains_on_a_registered_dataset():
    for e in experiments.EXPERIMENTS.values():
        assert e.config.dataset in registry.DATASETS, e.name
        assert set(e.config.transfer) <= set(registry.digit_datasets()), e.name


def test_real_or_standin_picks_what_is_here(tmp_path):
    assert registry.real_or_standin("cifar10", root=tmp_path) == ("natural-standin", False)
    assert registry.real_or_standin("svhn", root=tmp_path) == ("mnistm-standin", False)
    assert registry.real_or_standin("svhn", real=True) == ("svhn", True)
    assert registry.available("natural-standin", tmp_path)
    with pytest.raises(ValueError, match="no stand-in"):
        registry.standin_for("mnist")
    with pytest.raises(ValueError, match="unknown dataset"):
        registry.dataset("imagenet")
    with pytest.raises(ValueError, match="feed must be"):
        registry.Dataset("x", "x", "audio")
