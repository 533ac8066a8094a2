"""Chapter 06's result (toponet.chapters.umass.chapter): parameter checks, and the captions, readings,
tables and verdict blocks it writes from a small hand-built result."""
import numpy as np
import pytest

from toponet.chapters.umass import chapter as umass
from toponet.chapters.umass.memorization import MemorizationConfig

PARAMETERS = dict(profile="default", networks=20, iterations=800, k=10, resolution=15, gain=3.0, seed=0)


class _Graph:
    """A stand-in for a fitted Mapper: only what the U2 figures ask."""

    def node_average(self, values):
        return np.asarray(values, dtype=float)


def small_chapter(**changes) -> umass.UmassChapter:
    """Two seeds x two networks of U1 and a 4-image U2, every number chosen by hand."""
    study = {"activation": np.array([0, 0, 1, 1]), "seed": np.array([0, 1, 0, 1]),
             "train_accuracy": np.array([0.96, 0.99, 1.0, 0.92]), "test_accuracy": np.array([0.97, 0.98, 1.0, 0.9]),
             "hidden_test": np.arange(4 * 5 * 3, dtype=float).reshape(4, 5, 3)}
    runs = {kind: {"train_accuracy": np.array([0.5, 0.8]), "test_accuracy": np.array([0.4, 0.75]),
                   "true_digit": np.array([1, 2, 2, 7]), "assigned": np.array([1, 2, 1, 2])}
            for kind in ("true", "permuted")}
    fields = dict(
        PARAMETERS, u1_study=study, long_bars=np.array([1, 1, 2, 1]), test_points=np.zeros((5, 3)),
        test_labels=np.array([0, 1, 0, 1, 1]), best={"abs": 2, "relu": 1},
        barcodes={"input": (None, 2), "abs": (None, 2), "relu": (None, 1)}, u1_rule=None, u1_verdict="partly",
        u1_reasons=("first reason", "second reason"),
        u2_configs={kind: MemorizationConfig(labels=kind, n_train=1000, n_test=500, epochs=2) for kind in runs},
        u2_runs=runs, mappers={(kind, layer): _Graph() for kind in runs for layer in ("hidden", "softmax")},
        u2_rule=None, u2_verdict="inconclusive", u2_reasons=("(A) no",),
        u2_numbers={"N_train": 0.8, "N_test": 0.75, "Np_train": 0.232, "Np_test": 0.116, "N_hidden_label": 0.9,
                    "Np_hidden_true": 0.5, "Np_hidden_assigned": 0.08, "Np_softmax_assigned": 0.081},
        rows=())
    fields.update(changes)
    return umass.UmassChapter(**fields)


@pytest.mark.parametrize("bad, message", [(dict(profile="huge"), "unknown profile 'huge'"),
                                          (dict(networks=0), "networks"), (dict(k=0), "k"),
                                          (dict(gain=1.0), "gain must be a finite number > 1"),
                                          (dict(seed=-1), "seed")])
def test_run_chapter_rejects_a_bad_parameter_before_loading(monkeypatch, bad, message):
    def no_loading(name):
        raise AssertionError(f"loaded {name} although a parameter was bad")

    monkeypatch.setattr(umass.registry, "study", no_loading)
    with pytest.raises((ValueError, TypeError), match=message):
        umass.run_chapter(**{**PARAMETERS, **bad})


def test_u1_summary_and_reading_come_from_the_runs():
    chapter = small_chapter()
    assert chapter.u1_accuracy_summary() == ("N_ReLU test accuracy 97.5 +- 0.7% over 2 seeds; N_abs 95.0 +- 7.1%; "
                                             "N_abs at 100%: 1 of 2")
    reading = str(chapter.u1_accuracy_reading())
    assert "on 1 of 2 seeds and has mean 95.0%" in reading and "best seed reaches 98.0%, its mean 97.5%" in reading
    np.testing.assert_array_equal(chapter.best_hidden("abs"), chapter.u1_study["hidden_test"][2])


def test_u1_captions_name_the_best_run_and_the_figure():
    chapter = small_chapter()
    caption = chapter.u1_barcode_caption("abs").text
    assert caption.startswith("**Figure U1e.** $H_0$ barcode of the first hidden activations of the best "
                              "$N_{|\\cdot|}$ (seed 0).")
    assert caption.endswith("Test accuracy 100.0 %.")
    hidden = chapter.u1_hidden_caption("relu").text
    assert hidden.startswith("**Figure U1d.**") and "(seed 1, its best run)" in hidden
    assert hidden.endswith("Test accuracy 98.0 % (paper: 98.0 %).")
    assert "for 20 seeds, 800 full-batch Adam iterations" in chapter.u1_accuracy_caption().text
    with pytest.raises(ValueError, match="'abs' or 'relu'"):
        chapter.u1_hidden_caption("tanh")


def test_u1_barcode_readings_count_every_run():
    chapter = small_chapter()
    assert str(chapter.u1_barcode_reading("relu")).endswith("Here: 1 long bar(s); over every $N_\\text{ReLU}$ seed: "
                                                           "[1, 1].")
    assert "Here: 2 long bar(s); the input has 2; over every $N_{|\\cdot|}$ seed: [2, 1]." in \
        str(chapter.u1_barcode_reading("abs"))


def test_verdict_blocks_indent_the_reasons():
    chapter = small_chapter()
    assert chapter.u1_verdict_block() == "partly\n  first reason\n  second reason"
    assert chapter.u2_verdict_block() == "inconclusive\n  (A) no"


def test_tables_show_our_numbers_beside_the_papers():
    chapter = small_chapter()
    u1 = chapter.u1_table().data
    assert "97.5% / 97.5% (mean of 2)" in u1 and "100% in 1 of 2 seeds" in u1 and "N_abs runs at 100%: [2]" in u1
    u2 = chapter.u2_table().data
    assert u2.count("<tr>") == 6 and "23.2% / 11.6% (2 epochs)" in u2 and "0.50 / 0.08" in u2


def test_u2_scale_curves_and_mapper_captions():
    chapter = small_chapter()
    assert chapter.u2_scale().startswith("1,000 training / 500 test images of MNIST (random subsets), 2 epochs "
                                         "(true labels) and 2 (permuted)")
    assert str(chapter.u2_curves_reading("true")).endswith("Here after 2 epochs: 80.0% train, 75.0% test.")
    assert chapter.u2_curves_caption("permuted").text.endswith("Test accuracy 75.0 % (paper: 9.6 %).")
    assert chapter.u2_mapper_caption("true", "hidden").text.startswith(
        "**Figure U2c.** Mapper(15, 3) of $N$'s final hidden layer for the 4 training images labelled 1 or 2")
    assert chapter.u2_mapper_caption("permuted", "hidden", "assigned").text.startswith("**Figure U2f.** The same graph")
    with pytest.raises(ValueError, match="no U2 figure"):
        chapter.u2_mapper_figure("true", "hidden", "assigned")
