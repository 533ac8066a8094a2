"""The readings the chapters fill from results say what the numbers show, and change with them.

Each reading function of ``toponet.chapters`` gets results that show the paper's finding and
results that do not; the sentence must follow the numbers (a reading never asserts a finding
the data of another build may not show)."""
from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pytest

from toponet.chapters import _readings as R
from toponet.chapters import cifar_color, cifar_gray, deep_networks, generalization, learning_graphs, mnist
from toponet.chapters import natural_patches


def null(p: float, mean: float = 0.2, sd: float = 0.02, draws: int = 99):
    return NS(p=p, null_mean=mean, null_sd=sd, draws=draws, effect_size=5.0)


def circle_test(*, exists: bool, one_bar: bool = True, bars=((0.9, 0.9), (0.2, 0.2)), cov_p: float | None = 0.01,
                n_core: int = 300):
    nulls = {"gaussian": null(0.01 if exists else 0.6), "shuffled": null(0.01 if exists else 0.5)}
    if cov_p is not None:
        nulls["directions"] = NS(kind="directions", **vars(null(cov_p)))
    return NS(exists=exists, one_long_bar=exists and one_bar, bars=bars, top=bars[0],
              second=bars[1] if len(bars) > 1 else (0.0, 0.0), nulls=nulls, exceed={"gaussian": (), "shuffled": ()},
              draws=99, n_core=n_core, beyond_second_order=None if cov_p is None else cov_p < 0.05,
              long_bars=lambda: (3, 4))


def rule(verdict: str = "reproduced", power: float | None = 1.0):
    return NS(verdict=verdict, power=power, reasons=("r1",))


def mapper(nodes=40, loops=1, components=1, edges=60, b1=1):
    return NS(n_nodes_=nodes, n_large_loops_=loops, n_components_=components, n_edges_=edges, betti1_=b1)


def md(reading) -> str:
    text = reading._repr_markdown_()
    assert text.startswith("**What to see**: ")
    return text


def test_rule_outcome_follows_the_test_and_the_power():
    assert "sees a circle, and one long bar only" in R.rule_outcome(circle_test(exists=True), rule())
    assert "second bar beats the nulls too" in R.rule_outcome(circle_test(exists=True, one_bar=False), rule("partly"))
    powered = R.rule_outcome(circle_test(exists=False), rule("not reproduced", 0.95))
    assert "no circle" in powered and "95%" in powered and "is evidence" in powered
    weak = R.rule_outcome(circle_test(exists=False), rule("inconclusive", 0.3))
    assert "only 30%" in weak and "inconclusive" in weak
    assert "structure beyond second order" in R.rule_outcome(circle_test(exists=True, cov_p=0.01), rule())
    reached = R.rule_outcome(circle_test(exists=True, cov_p=0.4), rule())
    assert "reach it (p = 0.4, 99 draws)" in reached and "second moment already holds explains it" in reached


def test_barcode_and_mapper_readings_state_the_numbers():
    text = md(R.barcode_reading(circle_test(exists=False, bars=((0.31, 0.31), (0.29, 0.29))),
                                rule("not reproduced", 1.0)))
    assert "longest $H_1$ bar is 0.31 and the next 0.29" in text and "0.6 (gaussian) and 0.5 (shuffled)" in text
    assert "sees no circle" in text and "sees a circle" not in text
    text = md(R.mapper_reading(mapper(nodes=492, loops=0), circle_test(exists=True), rule()))
    assert "492 nodes" in text and "0 large loop(s)" in text and "not evidence" in text and "sees a circle" in text
    assert "circle rule" not in md(R.mapper_reading(mapper()))


def test_snapshot_grid_evolution_and_distance_readings():
    rows = [NS(iteration=i, exists=i >= 300) for i in (200, 300, 400)]
    assert "circle at 2 of 3 snapshots (300, 400)" in md(R.snapshot_reading(rows, layer="layer 1"))
    grid = md(R.grid_reading({"layer 1": [NS(iteration=100, loops=0), NS(iteration=900, loops=1)],
                              "layer 2": [NS(iteration=100, loops=0)]}))
    assert "layer 1 has a large loop at 1 of 2 snapshots (900)" in grid and "layer 2 has a large loop at none" in grid
    evo = [dict(iteration=0, h1_top=0.2, frac_near_circle_core=0.1, test_accuracy=(0.1, 0.0)),
           dict(iteration=2000, h1_top=0.9, frac_near_circle_core=0.6, test_accuracy=(0.987, 0.01))]
    text = md(R.evolution_reading(evo))
    assert "iteration 0 to 2,000" in text and "0.20 to 0.90" in text and "98.7%" in text and "decide nothing" in text
    dist = md(R.distance_reading({"trained": 0.42, "gaussian": 0.05}, 0.54))
    assert "(0.54)" in dist and "trained 42.0 %" in dist and "gaussian 5.0 %" in dist


def test_chapter_modules_reexport_what_their_notebooks_call():
    for module, names in ((mnist, ("mapper_reading", "barcode_reading", "distance_reading", "evolution_reading")),
                          (cifar_gray, ("barcode_reading", "grid_reading", "snapshot_reading", "clusters_reading")),
                          (cifar_color, ("channel_reading", "f7_reading", "f8_reading", "grid_reading")),
                          (natural_patches, ("distance_reading", "barcode_reading", "five_bars_reading"))):
        assert all(callable(getattr(module, n)) for n in names), module.__name__


def test_mnist_readings():
    groups = NS(group_size=25, comparison=lambda a, b: NS(cohens_d=3.2 if b == "untrained" else 4.1,
                                                          welch_p_greater=0.001))
    assert "group of 25 networks" in md(mnist.groups_reading(groups)) and "d = 3.2" in md(mnist.groups_reading(groups))
    sweep = [dict(k=k, p=p, h1_ratio=r, frac_near_circle=f) for k, p, r, f in
             ((50, 0.1, 3.0, 0.5), (50, 0.3, 1.5, 0.4), (100, 0.3, 2.5, 0.7))]
    assert "It holds in 2 of 3 cells" in md(mnist.sweep_reading(sweep, "h1_ratio"))
    assert "from 40% to 70%" in md(mnist.sweep_reading(sweep, "frac_near_circle"))
    layer2 = dict(claim=NS(test=circle_test(exists=False), rule=rule("not reproduced", 0.9)), n=6400, effect1=40.0,
                effect2=1.5, weaker=True)
    text = md(mnist.layer2_reading(layer2, 0.6, 0.1))
    assert "6,400 second-layer filters" in text and "effect size 1.5, layer 1's 40.0 (weaker)" in text
    assert "sees no circle" in text


def test_cifar_readings():
    clusters = NS(claimed=(4, 6), null_counts={"gaussian": [1], "shuffled": [1]}, hits=lambda k: 2, draws=99,
                  usable=True, false_positive_rate=0.02, observed=1)
    claim = NS(test=circle_test(exists=True), rule=rule())
    text = md(cifar_gray.clusters_reading(mapper(), clusters, claim))
    assert "This graph has 1;" in text and "2 of 99 gaussian" in text and "can be evidence at this size" in text
    clusters.usable, clusters.false_positive_rate = False, 0.3
    assert "it cannot be evidence (chance passes it 30%" in md(cifar_gray.clusters_reading(mapper(), clusters, claim))
    F6 = {ch: NS(test=circle_test(exists=ch == "G"), rule=rule("reproduced" if ch == "G" else "not reproduced"))
          for ch in ("all", "R", "G", "B")}
    text = md(cifar_color.channel_reading(mapper(), F6))
    assert "G: the rule sees a circle" in text and "R: the rule sees no circle" in text and "all:" not in text
    c7 = NS(test=circle_test(exists=False, bars=((0.36, 0.36), (0.30, 0.30), (0.28, 0.28), (0.27, 0.27))))
    c7.test.long_bars = lambda: (0, 0)
    text = md(cifar_color.f7_reading(c7, {"power": 0.12}))
    assert "0.36, 0.30, 0.28, 0.27" in text and "0 of them surely" in text and "cannot decide" in text
    t8 = NS(draws=99, observed=(-0.571, 0.222), null_values={"gaussian": np.array([[-0.88, 0.03]] * 3)},
            pval=lambda k, i: 0.01)
    fit = dict(near_three=0.416, null_near_three=0.05, threshold=0.54)
    text = md(cifar_color.f8_reading(fit, dict(near_three=0.101), t8, rule("partly")))
    assert "trained 41.6 %" in text and "median distance to the model is 0.57" in text and "**partly**" in text


def test_deep_generalization_learning_graph_and_patch_readings():
    layers = [NS(layer=NS(index=i), verdict=rule("reproduced" if i == 3 else "not reproduced"),
                 claim=NS(test=circle_test(exists=i in (3, 5)), rule=rule()),
                 result=NS(persistence=NS(top_lifetime=lambda d, i=i: 0.5 if i in (3, 5) else 0.1)),
                 untrained_top_h1=0.2) for i in (1, 2, 3, 5)]
    text = md(deep_networks.depth_reading(layers))
    assert "Of the 3 layers judged" in text and "both nulls in layers 3, 5" in text and "in full) in layers 3;" in text
    no_nulls = NS(claim=None, result=NS(persistence=NS(lifetimes=lambda d: np.array([0.4, 0.1]))))
    assert "no null clouds were drawn" in md(deep_networks.layer_barcode_reading(no_nulls))

    assert "**partly**" in md(generalization.transfer_reading("The paper.", "(i) 60 %", "partly"))
    g3 = NS(verdict="inconclusive", reasons=("top H1 0.01 vs MNIST 0.09", "each group against its nulls: g1 ...",
                                             "harder > MNIST: p = 0.9"))
    assert generalization.g3_summary(g3) == "top H1 0.01 vs MNIST 0.09; harder > MNIST: p = 0.9"
    assert "each group" not in md(generalization.g3_reading(g3)).split("Every group")[0]
    t = NS(top=(0.5, 0.5), nulls={"gaussian": null(0.01), "shuffled": null(0.2)}, draws=99, exists=False)
    rows = generalization.g3_group_rows({"tests": [t]}, {"tests": [t, t]}, "stand-in")
    assert [r["domain"] for r in rows] == ["stand-in", "MNIST", "MNIST"] and rows[0]["shuffled p"] == "0.2"

    assert "3 component(s)" in md(learning_graphs.graph_reading(mapper(components=3)))
    branches = NS(count=9, min_levels=3)
    assert "counted on the graph" in md(learning_graphs.graph_reading(mapper(), branches, paper="10"))
    text = md(learning_graphs.confusion_reading(0.4, 600, 1200, 1300, steps_per_epoch=600, total_steps=30000))
    assert "peaks at 40% (at epoch 1.0), the confusion ends at epoch 2.0" in text and "within the rule's 10 %" in text
    assert "cannot be compared" in md(learning_graphs.confusion_reading(0.4, 600, None, 1300, steps_per_epoch=600,
                                                                        total_steps=30000))
    assert "no accuracy jump" in md(learning_graphs.surface_reading(mapper(), None))
    assert "10 % to 40 % by epoch 2.0" in md(learning_graphs.jumps_reading(
        [dict(before=0.1, after=0.4, end=1200)], steps_per_epoch=600))

    test = circle_test(exists=True)
    test.long_bars = lambda: (2, 3)
    text = md(natural_patches.five_bars_reading(test, rule("inconclusive"), {"power": 0.2}))
    assert "2 of them surely" in text and "20% of the time" in text and "inconclusive" in text
    cores = {300: NS(label="X(300, 30)"), 15: NS(label="X(15, 30)")}
    text = md(natural_patches.cores_mapper_reading(cores, {300: mapper(b1=1), 15: mapper(b1=4)}))
    assert "X(300, 30): 40 nodes, nerve Betti number 1" in text and "X(15, 30): 40 nodes, nerve Betti number 4" in text


@pytest.mark.parametrize("fn", [R.barcode_reading, R.mapper_reading])
def test_readings_are_readings(fn):
    from toponet.book import Reading

    args = (circle_test(exists=True), rule()) if fn is R.barcode_reading else (mapper(),)
    assert isinstance(fn(*args), Reading)
