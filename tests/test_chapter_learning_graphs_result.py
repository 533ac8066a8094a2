"""Chapter 07's result (toponet.chapters.learning_graphs.run_chapter): parameter checks, and the captions,
tables and verdict blocks it writes from a small hand-built result."""
import numpy as np
import pytest

from toponet.chapters import learning_graphs as lg
from toponet.chapters import registry
from toponet.circle_decision import RuleResult
from toponet.verdict_record import Verdict

PARAMETERS = dict(profile="default", networks=8, resolution=30, gain=3.0, seed=0)


class _Graph:
    """A stand-in for a fitted learning graph: what the captions and readings read."""

    dbscan_eps_ = 0.012345
    n_nodes_, n_edges_, n_components_ = 40, 45, 1
    resolution, gain = 7, 3.0  # L2's surface graph at resolution 30: Mapper(max(4, 30 // 4), 3)


def _branches(count: int) -> lg.Branches:
    return lg.Branches(count=count, bars=((3.0, 0.0),) * (count + 1), min_levels=3, components=1, tips=())


def _row(claim_id: str) -> Verdict:
    return Verdict(claim_id=claim_id, claim="c", paper="p", ours="o", scale="s", data="MNIST (real)",
                   verdict="inconclusive", chapter="Learning graphs")


def small_chapter(**changes) -> lg.LearningGraphsChapter:
    """One L1 run of 4 recordings (100 steps an epoch) and an L2 run with two jumps, numbers chosen by hand."""
    steps = np.array([0, 100, 200, 300])
    l1 = {"steps": steps, "steps_per_epoch": 100, "final_test_accuracy": 0.912, "steps_hidden1": steps[::2]}
    l2 = {"steps": steps, "steps_per_epoch": 50, "final_test_accuracy": 0.805, "steps_hidden1": steps}
    rule = RuleResult(verdict="inconclusive", reasons=("first", "second"))
    fields = dict(
        PARAMETERS, configs={}, scales={"L1": "a", "L2": "b"}, l1=l1, l1_normal={"final_test_accuracy": 0.95}, l2=l2,
        l1_weights={}, l1_steps={"hidden1": None, "output": None}, l1_graphs={"hidden1": _Graph(), "output": _Graph()},
        branches={"zero": {"output": (_branches(7), None, None, None), "hidden1": (_branches(1), None, None, None)},
                  "normal": {"output": (_branches(10), _Graph(), None, None),
                             "hidden1": (_branches(12), _Graph(), None, None)}},
        old_counts={("zero", "output"): 7, ("zero", "hidden1"): 1, ("normal", "output"): 10, ("normal", "hidden1"): 11},
        output_groups_10pct=7, hidden_groups_10pct=1, output_groups_5pct=9, separation_step=150,
        confusion_end_step=None, confusion_peak_share=0.3, confusion_peak_step=100, more_runs=(), l1_rule=rule,
        l2_weights=None, l2_steps=None, surface_graph=_Graph(),
        jumps=[{"before": 0.1, "after": 0.41, "start": 100, "end": 150},
               {"before": 0.41, "after": 0.79, "start": 200, "end": 250}],
        surface_test=None, surface_calibration=None, l2_rule=rule, rows=(_row("L1"), _row("L2")))
    fields.update(changes)
    return lg.LearningGraphsChapter(**fields)


@pytest.mark.parametrize("bad, message", [(dict(profile="huge"), "unknown profile 'huge'"),
                                          (dict(networks=0), "networks"), (dict(resolution=0), "resolution"),
                                          (dict(gain=0.5), "gain must be a finite number > 1"),
                                          (dict(seed=-2), "seed")])
def test_run_chapter_rejects_a_bad_parameter_before_loading(monkeypatch, bad, message):
    def no_loading(name):
        raise AssertionError(f"loaded {name} although a parameter was bad")

    monkeypatch.setattr(registry, "study", no_loading)
    with pytest.raises((ValueError, TypeError), match=message):
        lg.run_chapter(**{**PARAMETERS, **bad})


def test_rows_by_claim_and_the_printed_blocks():
    chapter = small_chapter()
    assert chapter.row("L2").claim_id == "L2"
    with pytest.raises(KeyError, match="records \\['L1', 'L2'\\]"):
        chapter.row("U1")
    assert chapter.l1_verdict_block() == "inconclusive\n  first\n  second"
    assert chapter.scale_summary() == "{'L1': 'a', 'L2': 'b'} ; final test accuracy L1 91.2%, L2 80.5%"


def test_accuracy_levels_and_the_l2_table():
    chapter = small_chapter()
    assert chapter.accuracy_levels() == "10% -> 41% -> 79%"
    assert small_chapter(jumps=[]).accuracy_levels() == "no jump"
    table = chapter.l2_table().data
    assert "10% -&gt; 41% -&gt; 79%; jump 1 at epochs 2-3; jump 2 at epochs 4-5" in table
    assert "no jump, not tested" in table and "80.5%" in table


def test_l1_table_and_branch_caption():
    chapter = small_chapter()
    table = chapter.l1_table().data
    assert "zero init 7; N(0, 1e-3) init 10" in table and "zero init 1; N(0, 1e-3) init 12" in table
    assert "epoch never / 1.5" in table and "91.2% (zero), 95.0% (N(0, 1e-3))" in table
    branch = chapter.branch_table().data
    assert branch.count("<tr>") == 5 and "<td>normal init</td><td>hidden1</td><td>12</td><td>13</td>" in branch
    text = chapter.branch_caption().text
    assert "Mapper(30, 3), lens L2 norm, DBSCAN), counted as tips persisting at least 3 cover intervals" in text
    assert "Test accuracy 91.2% (zero) and 95.0% (N(0, 0.001^2))." in text


def test_graph_captions_and_readings():
    chapter = small_chapter()
    assert chapter.l1_graph_caption("output").text.startswith(
        "**Figure L1d.** Learning graph of L1's output layer, as above (eps 0.0123).")
    normal = chapter.l1_graph_caption("output", init="normal").text
    assert normal.startswith("**Figure L1e.**") and "Test accuracy 95.0 %" in normal
    assert "Its branches, counted on the graph (tips spanning at least 3 cover intervals): 10; the paper: 10 (zero " \
           "init)." in str(chapter.l1_graph_reading("output", init="normal"))
    with pytest.raises(ValueError, match="no L1 learning-graph figure"):
        chapter.l1_graph_caption("hidden1", init="normal")
    assert chapter.l1_projection_caption("hidden1").text.startswith(
        "**Figure L1a.** PCA 1-2 of the hidden layer's weight trajectories of L1 (784-100-10 sigmoid MLP, zero init), "
        "coloured by step, at 2 recordings.")
    assert "Mapper(7, 3) with lenses PCA 1-3" in chapter.surface_graph_caption().text
    assert "no accuracy jump in this run" in str(chapter.surface_graph_reading())
