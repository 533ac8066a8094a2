"""L1/L2 (Gabella et al.): recording sigmoid MLPs, learning graphs, branches, confusion, jumps;
Mapper's custom lens and the Mapper figure's node colours."""
import numpy as np
import pytest
from sklearn.cluster import DBSCAN

from toponet.chapters.learning_graphs import (LearningConfig, SigmoidMLP, accuracy_jumps, confusion_end,
                                     groups_over_time, l2_norm_lens, trajectory_cloud, learning_graph,
                                     local_dimension, neuron_groups, pca_projection, separation_step,
                                     train_recording)
from toponet.mapper import Mapper


def tiny_data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    X = rng.uniform(0, 0.02, (n, 784)).astype(np.float32)
    X[np.arange(n), y * 70] = 1.0                      # a pixel that gives the class away
    return X, y


def star(n_branches=3, per=60, length=5.0, seed=0):
    """Branches from the origin in R^10 (a tree): points along each ray, noise 0.01."""
    rng = np.random.default_rng(seed)
    dirs = np.eye(10)[:n_branches]
    t = np.linspace(0.05, length, per)
    X = np.vstack([np.outer(t, d) for d in dirs])
    return X + 0.01 * rng.standard_normal(X.shape)


def test_mlp_zero_and_tiny_normal_init_without_biases():
    net = SigmoidMLP((100,), init="zeros")
    lin = [m for m in net if hasattr(m, "weight")]
    assert [tuple(m.weight.shape) for m in lin] == [(100, 784), (10, 100)]
    assert all(m.bias is None and float(m.weight.abs().max()) == 0 for m in lin)
    net2 = SigmoidMLP((100, 100), init="normal", init_std=1e-6, seed=3)
    w = net2[0].weight.detach().numpy()
    assert 0.5e-6 < w.std() < 2e-6
    np.testing.assert_array_equal(w, SigmoidMLP((100, 100), init="normal", init_std=1e-6, seed=3)[0].weight.detach())


def test_recording_shapes_dtypes_and_determinism():
    X, y = tiny_data()
    cfg = LearningConfig(hidden=(8,), init="normal", init_std=0.3, lr=3.0, batch_size=30, epochs=3, records=6,
                         first_layer_stride=2)
    a = train_recording(cfg, X, y, X[:100], y[:100], progress=False)
    b = train_recording(cfg, X, y, X[:100], y[:100], progress=False)
    np.testing.assert_array_equal(a["w_hidden1"], b["w_hidden1"])
    assert a["steps"].tolist() == [0, 5, 10, 15, 20, 25, 30]
    assert a["w_output"].shape == (7, 10, 8) and a["w_output"].dtype == np.float16
    assert a["steps_hidden1"].tolist() == [0, 10, 20, 30] and a["w_hidden1"].shape == (4, 8, 784)
    assert a["norm_hidden1"].shape == (7, 8) and a["pred_of_9"].shape == (7, 10)
    # norms are of the float32 weights; the stored float16 weights agree to ~3 digits
    np.testing.assert_allclose(np.linalg.norm(a["w_output"][-1].astype(np.float32), axis=1),
                               a["norm_output"][-1], rtol=1e-2)
    assert a["final_train_accuracy"] > 0.2              # better than chance (0.1): it learns
    P, step, neuron = trajectory_cloud(a, "output")
    assert P.shape == (70, 8) and step[-1] == 30 and neuron[:10].tolist() == list(range(10))
    with pytest.raises(ValueError, match="recorded"):
        trajectory_cloud(a, "hidden3")


def test_zero_init_output_layer_branches_from_one_point():
    X, y = tiny_data(seed=1)
    cfg = LearningConfig(hidden=(4,), init="zeros", lr=1.0, batch_size=30, epochs=4, records=8)
    a = train_recording(cfg, X, y, X[:100], y[:100], progress=False)
    g = groups_over_time(a, "output")
    assert g[0] == 1 and g[-1] > 1                      # all output neurons start at 0, then branch


def test_neuron_groups_known_answer():
    W = np.array([[1.0, 0, 0], [1.0, 0, 0.001], [0, 1.0, 0], [0, 0, 1.0], [0, 0, 1.0]])
    assert neuron_groups(W, rtol=0.1).tolist() == [0, 0, 1, 2, 2]
    assert neuron_groups(np.zeros((5, 3))).tolist() == [0] * 5


def test_separation_and_confusion_end():
    steps = np.arange(6) * 10
    W = np.zeros((6, 10, 3))
    W[:, :, 0] = 1.0
    W[3:, 9, 1] = 1.0                                    # neuron 9 leaves neuron 7 at step 30
    assert separation_step(W, steps, 7, 9) == 30
    assert separation_step(W, steps, 1, 2) is None
    f = np.array([0.0, 0.2, 0.8, 0.6, 0.3, 0.1])
    assert confusion_end(f, steps) == (40, 0.8, 20)
    valid = np.array([True, True, False, True, True, True])   # record 2 is the one-class phase
    assert confusion_end(f, steps, valid=valid)[1] == 0.6
    assert confusion_end(np.array([0.0, 0.5, 0.6]), steps[:3])[0] is None


def test_accuracy_jumps_of_a_staircase():
    acc = np.r_[np.full(20, 0.1), np.full(20, 0.4), np.full(20, 0.8)]
    jumps = accuracy_jumps(acc, np.arange(60), min_rise=0.2, window=3)
    assert [(round(j["before"], 2), round(j["after"], 2)) for j in jumps] == [(0.1, 0.4), (0.4, 0.8)]
    assert accuracy_jumps(np.linspace(0.1, 0.2, 50), np.arange(50)) == []


def test_local_dimension_of_a_plane_and_a_curve():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(50, 2)))[0].T
    plane = rng.uniform(-1, 1, (800, 2)) @ basis
    t = rng.uniform(0, 6, 800)
    curve = np.c_[np.cos(t), np.sin(t), t / 3] @ np.linalg.qr(rng.normal(size=(50, 3)))[0].T
    assert local_dimension(plane) == 2
    assert local_dimension(curve) == 1


def test_learning_graph_of_a_tree_is_connected_and_coloured():
    X = star(3)
    m = learning_graph(X, lens="l2", resolution=10, gain=3)
    assert m.n_components_ == 1 and m.node_lens_.shape[1] == 1
    # nodes far from the origin separate into the 3 branches
    far = [i for i in range(m.n_nodes_) if m.node_lens_[i, 0] > 3.5]
    import igraph
    sub = m.graph_.induced_subgraph(far)
    assert len(sub.connected_components()) == 3
    m3 = learning_graph(X, lens="pca3", resolution=4, gain=2)
    assert m3.node_lens_.shape[1] == 3
    with pytest.raises(ValueError, match="lens"):
        learning_graph(X, lens="umap")


def test_mapper_custom_lens_and_default_unchanged():
    X = star(2)
    m = Mapper(8, 3, lens=l2_norm_lens, clusterer=DBSCAN(eps=0.5, min_samples=2)).fit(X)
    np.testing.assert_allclose(m.lens_[:, 0], np.linalg.norm(X, axis=1))
    assert np.isnan(m.scale_)
    step = np.arange(len(X), dtype=float)
    avg = m.node_average(step)
    assert avg.shape == (m.n_nodes_,) and np.isclose(avg[0], step[m.node_members_[0]].mean())
    with pytest.raises(ValueError, match="entries"):
        m.node_average(step[:-1])
    with pytest.raises(ValueError, match="shape"):
        Mapper(5, 3, lens=lambda Z: np.ones((3, 2))).fit(X)
    with pytest.raises(TypeError, match="callable"):
        Mapper(5, 3, lens="l2").fit(X)
    assert Mapper(5, 3).fit(X).node_lens_.shape[1] == 2
    # vne=False clusters the raw cloud: the same DBSCAN sees other distances than with VNE
    raw = Mapper(8, 3, lens=l2_norm_lens, clusterer=DBSCAN(eps=0.5, min_samples=2), vne=False).fit(X)
    assert raw.n_components_ == 1


def test_mapper_figure_colours_and_scatter3d():
    from toponet.plots import mapper_figure, scatter3d_figure
    X = star(2)
    m = Mapper(8, 3, lens=l2_norm_lens, clusterer=DBSCAN(eps=0.5, min_samples=2)).fit(X)
    fig = mapper_figure(m, filter_shape=None, color=m.node_average(np.arange(len(X))), color_title="step")
    assert fig.data[1].marker.colorbar.title.text == "step"
    with pytest.raises(ValueError, match="one finite value per node"):
        mapper_figure(m, filter_shape=None, color=[1.0])
    f3 = scatter3d_figure(np.zeros((10, 3)) + np.arange(10)[:, None], np.arange(10) % 2, categorical=True)
    assert len(f3.data) == 2
    with pytest.raises(ValueError, match="shape"):
        scatter3d_figure(np.zeros((4, 2)), np.zeros(4))


def test_pca_projection_and_config_validation():
    X = star(3)
    assert pca_projection(X, 2).shape == (len(X), 2)
    with pytest.raises(ValueError, match="init"):
        LearningConfig(init="ones")
    with pytest.raises(ValueError, match="hidden"):
        LearningConfig(hidden=())


def test_l1_l2_verdict_rules_and_profiles():
    from toponet.chapters.learning_graphs import l2_verdict
    from toponet.chapters.registry import study
    j = [{"before": 0.1, "after": 0.42}, {"before": 0.42, "after": 0.78}]
    assert l2_verdict(j, 2.0)[0] == "reproduced"
    assert l2_verdict(j[:1], 2.0)[0] == "partly"
    assert l2_verdict([], 5.0)[0] == "not reproduced"
    assert l2_verdict([], float("nan"))[0] == "not reproduced"
    from toponet.chapters.learning_graphs import surface_dimension
    assert np.isnan(surface_dimension({}, []))
    l1, l2 = study("l1").config("default"), study("l2").config("default")
    assert l1.init == "zeros" and l2.hidden == (100, 100) and l2.init_std == 1e-6
    with pytest.raises(ValueError, match="profile"):
        study("l1").config("huge")


def test_curves_and_projection_plots():
    from toponet.plots import curves_plot, projection_plot
    x = np.arange(5)
    fig = curves_plot(x, {"a": x * 0.1, "norms": np.ones((5, 3))}, vlines={"branch": 2}, panels=True)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="values for"):
        curves_plot(x, {"a": np.ones(4)})
    assert projection_plot(np.zeros((4, 2)), np.arange(4)).axes
    with pytest.raises(ValueError, match="shape"):
        projection_plot(np.zeros((4, 3)), np.arange(4))


def test_final_branch_sizes_counts_identical_neurons():
    from toponet.chapters.learning_graphs import final_branch_sizes
    W = np.zeros((2, 5, 3), np.float32)
    W[-1] = [[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 5, 0], [0, 5, 0]]
    assert final_branch_sizes({"w_hidden1": W}, "hidden1") == [3, 2]
    with pytest.raises(ValueError, match="recordings"):
        final_branch_sizes({"w_hidden1": W[0]}, "hidden1")


def test_l1_findings_pick_sentences_by_the_numbers():
    from toponet.chapters.learning_graphs import l1_findings
    bad = l1_findings(output_branches=9, output_branches_5=10, hidden_sizes=[84, 16], separation=68,
                      confusion_end_step=280, peak_share=0.71, peak_step=100, final_accuracy=0.5,
                      total_steps=500, steps_per_epoch=10)._repr_markdown_()
    assert "ends in 9 branches" in bad and "a 5% threshold gives 10" in bad
    assert "disagrees with the paper. It ends in 2 group(s)" in bad and "sizes 84, 16" in bad and "stalls at 50%" in bad
    assert "link disagrees" in bad and "peaks at 71% around epoch 10" in bad and "epoch 28.0" in bad
    assert "epoch 6.8" in bad and "outlasts the branching by about 21 epochs" in bad
    from toponet.chapters.learning_graphs import Branches, l1_rule
    rule = l1_rule({"output": Branches(9, (), 3, 1, ()), "hidden1": Branches(2, (), 3, 1, ())}, None, 68, 280, 500)
    ruled = l1_findings(output_branches=9, output_branches_5=10, hidden_sizes=[84, 16], separation=68,
                        confusion_end_step=280, peak_share=0.71, peak_step=100, final_accuracy=0.5,
                        total_steps=500, steps_per_epoch=10, rule=rule)._repr_markdown_()
    assert "reads 1 zero-init run." in ruled and "0% power" in ruled and "8 runs would give it 80 %" in ruled
    assert "Verdict L1: **inconclusive**: the disagreements above are what one run shows" in ruled
    good = l1_findings(output_branches=10, output_branches_5=10, hidden_sizes=[10] * 12, separation=100,
                       confusion_end_step=110, peak_share=0.4, peak_step=50, final_accuracy=0.9,
                       total_steps=500, steps_per_epoch=10)._repr_markdown_()
    assert "branch into 10" in good and "agrees with the paper: it ends in 12 branches" in good
    assert "link agrees" in good and "disagrees" not in good
    never = l1_findings(output_branches=10, output_branches_5=10, hidden_sizes=[100], separation=None,
                        confusion_end_step=None, peak_share=0.4, peak_step=50, final_accuracy=0.2,
                        total_steps=500, steps_per_epoch=10)._repr_markdown_()
    assert "cannot be confirmed" in never and "epoch never" in never
    with pytest.raises(ValueError, match="hidden_sizes"):
        l1_findings(output_branches=10, output_branches_5=10, hidden_sizes=[], separation=None,
                    confusion_end_step=None, peak_share=0.4, peak_step=50, final_accuracy=0.2,
                    total_steps=500, steps_per_epoch=10)


def test_l2_findings_pick_sentences_by_the_numbers():
    from toponet.chapters.learning_graphs import accuracy_jumps, l2_findings
    steps = np.arange(71) * 10
    # chance, one jump to ~40 %, then a slow climb to 83 %: one jump only, the rule's jump part fails
    acc = np.r_[np.full(33, 0.12), np.linspace(0.12, 0.4, 4), np.full(14, 0.4), np.linspace(0.4, 0.83, 20)]
    jumps = accuracy_jumps(acc, steps)
    assert len(jumps) == 1
    one = l2_findings(jumps, 2.0, acc, steps, steps_per_epoch=10)._repr_markdown_()
    assert "One part agrees" in one and "jumps 1 time(s)" in one and "comes gradually" in one
    assert "so this part fails" in one and "does spread along a surface" in one and "dimension 2" in one
    # two clean jumps through 10 -> 40 -> 80 %, on a surface
    acc2 = np.r_[np.full(20, 0.1), np.full(20, 0.4), np.full(31, 0.8)]
    jumps2 = accuracy_jumps(acc2, steps)
    two = l2_findings(jumps2, 1.5, acc2, steps, steps_per_epoch=10)._repr_markdown_()
    assert "Both parts agree" in two and "jumps 2 time(s)" in two and "matches the paper" in two
    flat = l2_findings([], float("nan"), np.full(71, 0.1), steps, steps_per_epoch=10)._repr_markdown_()
    assert "Neither part agrees" in flat and "no jump" in flat and "no phase after it" in flat
    thick = l2_findings(jumps2, 5.0, acc2, steps, steps_per_epoch=10)._repr_markdown_()
    assert "not on a surface" in thick and "dimension 5" in thick
    with pytest.raises(ValueError, match="one length"):
        l2_findings([], 2.0, acc, steps[:3], steps_per_epoch=10)


def test_l1_findings_without_any_confusion():
    from toponet.chapters.learning_graphs import l1_findings
    txt = l1_findings(output_branches=10, output_branches_5=10, hidden_sizes=[100], separation=1,
                      confusion_end_step=None, peak_share=0.0, peak_step=0, final_accuracy=0.1,
                      total_steps=30, steps_per_epoch=10)._repr_markdown_()
    assert "cannot be confirmed: no test nine is taken for a seven" in txt and "peaks at" not in txt and "epoch 0.1" in txt


# --- branches on the learning graph (L1) and the surface test with its null (L2) ------------

def tree_trajectories(splits, n_neurons=20, records=60, dim=30):
    """Weight trajectories that grow from the origin along e0 and branch: each split (t0,
    assignment) sends neuron i off along its own direction from time t0 on. Neurons of one
    branch coincide, as under zero init. Returns a trajectory dict with layer "output"."""
    t = np.linspace(0, 1, records + 1)
    e = np.eye(dim)
    W = np.repeat((3 * np.outer(t, e[0]))[:, None, :], n_neurons, axis=1)
    for j, (t0, assign) in enumerate(splits):
        for i in range(n_neurons):
            W[:, i] += 4 * np.outer(np.clip(t - t0, 0, None), e[1 + (j * 10 + assign[i]) % (dim - 1)])
    return {"w_output": W, "steps_output": np.arange(records + 1) * 10}


@pytest.mark.parametrize("k", [1, 2, 3, 10])
def test_graph_branches_of_a_synthetic_tree_with_k_branches(k):
    from toponet.chapters.learning_graphs import layer_branches
    b, m, *_ = layer_branches(tree_trajectories([(0.3, np.arange(20) % k)]), "output")
    assert b.count == k and b.components == 1 and len(b.tips) == k


def test_graph_branches_of_a_nested_tree_and_short_spurs():
    from toponet.chapters.learning_graphs import graph_branches, layer_branches
    nested = [(0.2, np.arange(20) % 2), (0.5, (np.arange(20) // 2) % 2)]       # 2 branches, each splits in 2
    b, m, *_ = layer_branches(tree_trajectories(nested), "output")
    assert b.count == 4
    # a spur shorter than min_levels is not a branch; with min_levels=1 every tip counts
    late = tree_trajectories([(0.85, np.arange(20) % 2)])            # a tip 2 levels above its split
    b2, m2, *_ = layer_branches(late, "output")
    assert b2.count == 1 and len(b2.bars) == 2
    assert graph_branches(m2, min_levels=1).count == 2


def test_graph_separation_step_on_a_synthetic_tree():
    from toponet.chapters.learning_graphs import graph_separation_step, layer_branches
    tr = tree_trajectories([(0.5, np.arange(20) % 2)])
    _, m, step, neuron = layer_branches(tr, "output")
    s = graph_separation_step(m, step, neuron, 0, 1)                       # different branches
    assert s is not None and 300 <= s <= 450                               # they part after t = 0.5 (step 300)
    assert graph_separation_step(m, step, neuron, 0, 2) is None            # one branch


def test_l1_rule_and_l2_rule():
    from toponet.chapters.learning_graphs import Branches, SurfaceTest, l1_rule, l2_rule
    from toponet.surface import SurfaceCalibration
    B = lambda n: Branches(count=n, bars=(), min_levels=3, components=1, tips=())  # noqa: E731
    # one zero-init run: the sign test's smallest p is 0.5, no power: inconclusive whatever the counts
    r = l1_rule({"output": B(10), "hidden1": B(12)}, None, 1000, 1100, 10000)
    assert r.verdict == "inconclusive" and r.power == 0.0 and r.false_positive_rate == 0.0
    assert all(n["p"] == 0.5 and n["draws"] == 1 for n in r.nulls.values()) and len(r.nulls) == 3
    assert r.extra["runs_needed"] == 8 and "sign test over runs" in " ".join(r.reasons)
    bad = l1_rule({"output": B(5), "hidden1": B(2)}, {"output": B(10), "hidden1": B(97)}, 1000, 5000, 10000)
    assert bad.verdict == "inconclusive" and all(n["p"] == 1.0 for n in bad.nulls.values())
    assert "counts differ from the paper" in " ".join(bad.reasons)
    j = [{"before": 0.1, "after": 0.42}, {"before": 0.42, "after": 0.78}]
    surf = SurfaceTest(dimension=2.0, residual=0.02, null_residuals=np.full(99, 0.3), p=0.01, draws=99,
                       n_points=100, first_step=5)
    cal = SurfaceCalibration(sims=200, fires=6, pool=299, draws=99, models=40, detected=38, model_draws=39,
                             n_points=100, seed=0)
    # one run: the jump part is a sign test over 1 run (no power), so the surface alone gives partly
    r2 = l2_rule(j, surf, cal)
    assert r2.verdict == "partly" and r2.nulls["the first hidden layer spreads along a smooth 2-D surface (time-shuffle test of the surface)"]["draws"] == 99
    assert r2.power == 0.0 and r2.false_positive_rate == pytest.approx(0.03)
    surface_part = [t for t in r2.extra["tests"] if t["part"].startswith("the first hidden layer")][0]
    assert surface_part["test"] == "time-shuffle test of the surface" and surface_part["power"] == 0.95
    assert "false positives 6/200" in " ".join(r2.reasons)
    # without its calibration the surface part still passes, but the row carries no power
    assert l2_rule(j, surf).power is None and l2_rule(j, surf).verdict == "partly"
    # a surface p of 0.04 passes only at 0.05, not at 0.05/2: inconclusive
    weak = SurfaceTest(dimension=2.0, residual=0.02, null_residuals=np.full(99, 0.3), p=0.04, draws=99,
                       n_points=100, first_step=5)
    assert l2_rule(j, weak, cal).verdict == "inconclusive"
    # a curve (dimension 1) fails the gate: undecided, never "not reproduced" on one run
    curve = SurfaceTest(dimension=1.0, residual=0.0, null_residuals=np.full(99, 0.3), p=0.01, draws=99,
                        n_points=100, first_step=5)
    assert l2_rule(j[:1], curve, cal).verdict == "inconclusive"
    assert "not 2-D" in " ".join(l2_rule(j, curve, cal).reasons)
    assert l2_rule([], None).verdict == "inconclusive"


def test_l2_findings_follow_the_surface_test():
    from toponet.chapters.learning_graphs import SurfaceTest, accuracy_jumps, l2_findings
    steps = np.arange(71) * 10
    acc2 = np.r_[np.full(20, 0.1), np.full(20, 0.4), np.full(31, 0.8)]
    jumps2 = accuracy_jumps(acc2, steps)
    flat = SurfaceTest(dimension=2.0, residual=0.3, null_residuals=np.full(99, 0.3), p=1.0, draws=99, n_points=10,
                       first_step=5)
    txt = l2_findings(jumps2, 2.0, acc2, steps, steps_per_epoch=10, surface=flat)._repr_markdown_()
    assert "Neither part can be decided" in txt and "is not shown to be" in txt and "(99 draws)" in txt
    assert "not decided" in txt


def test_l1_rule_over_several_runs():
    """Eight zero-init runs give the sign test 81 % power: the counts can now decide either way."""
    from toponet.chapters.learning_graphs import Branches, L1Run, l1_parts_hold, l1_rule
    B = lambda n: Branches(count=n, bars=(), min_levels=3, components=1, tips=())  # noqa: E731
    good = {"output": B(10), "hidden1": B(12)}
    bad = {"output": B(5), "hidden1": B(2)}
    run = lambda br, seed, end=1100: L1Run(branches=br, separation=1000, confusion_end=end,  # noqa: E731
                                           total_steps=10000, seed=seed)
    assert l1_parts_hold(run(good, 1)) == (True, True, True)
    assert l1_parts_hold(run(bad, 1, end=5000)) == (False, False, False)
    yes = l1_rule(good, None, 1000, 1100, 10000, more_runs=tuple(run(good, s) for s in range(1, 8)))
    assert yes.verdict == "reproduced" and yes.power == pytest.approx(0.9 ** 8 + 8 * 0.9 ** 7 * 0.1, abs=1e-9)
    assert yes.extra["runs"] == 8 and all(n["p"] == pytest.approx(1 / 256, abs=1e-4) for n in yes.nulls.values())
    assert "seeds 1, 2, 3, 4, 5, 6, 7" in " ".join(yes.reasons)
    no = l1_rule(bad, None, 1000, 5000, 10000, more_runs=tuple(run(bad, s, end=5000) for s in range(1, 8)))
    assert no.verdict == "not reproduced" and no.power >= 0.8          # fails with power: a finding
    # the output part holds everywhere, the others nowhere: partly (1/256 < 0.05/3)
    mixed_br = {"output": B(10), "hidden1": B(2)}
    mixed = l1_rule(mixed_br, None, 1000, 5000, 10000,
                    more_runs=tuple(run(mixed_br, s, end=5000) for s in range(1, 8)))
    assert mixed.verdict == "partly"


def test_l2_verdict_row_states_the_jumps_in_epochs_and_the_untested_surface():
    from toponet.chapters.learning_graphs import l2_verdict_row
    from toponet.circle_decision import RuleResult

    rule = RuleResult(verdict="inconclusive", reasons=("no jump",), power=None, false_positive_rate=None)
    row = l2_verdict_row(rule, surface=None, accuracy_levels="10% -> 40%", jumps=[{"start": 600, "end": 1200}],
                         steps_per_epoch=600, final_accuracy=0.412, scale="60,000 images", profile="smoke",
                         total_steps=42000)
    assert row.claim_id == "L2" and row.verdict == "inconclusive" and row.iterations == 42000
    assert row.ours == "surface: no jump, not tested; accuracy 10% -> 40% (jump 1 at epochs 1-2); final 41.2%"
    assert row.scale == "60,000 images (smoke)" and row.data == "MNIST (real)"
