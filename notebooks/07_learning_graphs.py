# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Learning graphs (Gabella et al.)
#
# Gabella, Afambo, Ebli and Spreemann (*Topology of learning in artificial neural networks*) follow
# every neuron's vector of incoming weights through training. A layer's recordings form a cloud of
# $n_\text{steps} \times n_\text{neurons}$ points; its PCA projections and its Mapper graph (lens: the
# $L^2$ norm of each weight vector, clustering: DBSCAN) are the *learning graph*.

# %% [markdown]
# ```{admonition} What you will learn, what you need, how long
# :class: tip
# * **Learn**: learning graphs (Mapper of weight trajectories over training), their branches,
#   and how a jump in test accuracy shows in the weights.
# * **Need**: chapter 00 (Mapper); what gradient descent and a sigmoid MLP are.
# * **How long**: <!-- chapter-time -->measured by the book build (see the {doc}`../teaching`)<!-- /chapter-time -->;
#   the exercises take about 15 minutes.
# ```

# %% [markdown]
# - **L1** (Sec. 3.1, Figs. 3, 4): one hidden layer of 100 sigmoid units, no biases, all weights
#   initialized to **zero**, SGD. The weights grow as a tree: the output layer ends in **10** branches,
#   the hidden layer in about **12**; nines stop being classified as sevens when output neurons 7 and 9
#   branch apart.
# - **L2** (Sec. 3.2, Figs. 5, 6, 8): two hidden layers, weights initialized $N(0, 10^{-6})$. The first
#   hidden layer spreads along a smooth 2-D **learning surface**; the test accuracy rises in jumps,
#   **10% → 40% → 80%**, with the branchings of the weights.
#
# **Setup.** The paper's notebook (github.com/maximevictor/topo-learning) fixes what its text leaves
# open: pixels in [0, 1], batch 100, plain SGD with learning rate 0.05, L2 trained 70 epochs (L1: 50, the
# text's number), clouds reduced to 20 PCA components before Mapper. Weights are recorded 200 times,
# evenly spaced, and stored as **float16**; the first hidden layer (784 weights per neuron) only at every
# 4th recording (`toponet.chapters.learning_graphs`). All runs are on MNIST (real) on the CPU.

# %% tags=["parameters"]
profile = "default"  # training scale: smoke | default | paper
networks = 8  # L1's zero-init runs (seeds 0..networks-1; 8 give its sign test 81 % power); figures read seed 0
iterations = 200  # recordings of the weights (set by the profile's configs: changing it changes nothing)
k = 200  # unused here
p = 0.3  # unused here
resolution = 30  # Mapper(resolution, gain) of the learning graphs (L2-norm lens); the branch counts are read from them
gain = 3.0
seed = 0  # seed of the layouts and of L2's surface test
device = "auto"  # unused: this chapter trains on the CPU

# %%
import toponet.book as tb
from toponet.chapters import learning_graphs as lg
from toponet.chapters import registry
from toponet import plots
from toponet.verdict_record import record

tb.validate_parameters(globals())  # papermill parameters: unknown names, types, ranges
tb.setup_notebook()
configs = {name: registry.study(name.lower()).config(profile) for name in ("L1", "L1-normal", "L2")}
l1, l2 = registry.study("l1").load(profile), registry.study("l2").load(profile)
l1_steps_per_epoch = int(l1["steps_per_epoch"])
SCALE = {name: f"{c.n_train:,} MNIST training images, batch {c.batch_size}, SGD lr {c.lr:g}, {c.epochs} epochs, "
               f"{c.records} recordings (float16)" for name, c in configs.items()}
print(SCALE, f"; final test accuracy L1 {100 * float(l1['final_test_accuracy']):.1f}%, "
      f"L2 {100 * float(l2['final_test_accuracy']):.1f}%")

# %% [markdown]
# ## L1: zero initialization, branching trees
#
# PCA projections (components 1 and 2 of each layer's cloud), coloured by training step.

# %%
hidden_weights, hidden_steps, _ = lg.trajectory_cloud(l1, "hidden1")
output_weights, output_steps, output_neurons = lg.trajectory_cloud(l1, "output")
plots.projection_plot(lg.pca_projection(hidden_weights), hidden_steps, title="L1 hidden layer",
                      color_label="training step")

# %% tags=["remove-input"]
l1_final_accuracy = float(l1["final_test_accuracy"])
hidden_cloud = r"\text{L1: incoming weights of the 100 hidden neurons} \in \mathbb{R}^{784}\text{, all recordings}"
output_cloud = r"\text{L1: incoming weights of the 10 output neurons} \in \mathbb{R}^{100}\text{, all recordings}"
tb.caption(f"PCA 1-2 of the hidden layer's weight trajectories of L1 (784-100-10 sigmoid MLP, zero init), coloured by "
           f"step, at {len(l1['steps_hidden1'])} recordings.", cloud=hidden_cloud, profile=profile,
           accuracy=l1_final_accuracy, figure="L1a")

# %% [markdown]
# **What to see**: every trajectory starts at the origin (zero init) and moves outward as the
# colour runs through the training steps. Paths that leave together and then split are the
# branches of a tree. Under zero init every hidden neuron receives the same gradient, so hidden
# paths that split at all split through floating-point rounding; the counts below say how many.

# %%
plots.projection_plot(lg.pca_projection(output_weights), output_steps, title="L1 output layer",
                      color_label="training step")

# %% tags=["remove-input"]
tb.caption("PCA 1-2 of the output layer's weight trajectories of L1, coloured by step.", cloud=output_cloud,
           profile=profile, accuracy=l1_final_accuracy, figure="L1b")

# %% [markdown]
# **What to see**: the ten output neurons, one per digit, as paths from the origin. The paper
# sees them end in 10 separate branches; count the separate arms at the last steps, and note
# where two arms run together for long (digits the network confuses there).

# %% [markdown]
# The learning graphs: Mapper with the $L^2$ norm of the weight vectors (their distance from the
# origin, where every trajectory starts) as the lens and DBSCAN as the clusterer; `eps` is set from
# the cloud (`toponet.chapters.learning_graphs.learning_graph`). Nodes coloured by mean training step.

# %%
hidden_graph = lg.learning_graph(hidden_weights, lens="l2", resolution=resolution, gain=gain, seed=seed)
output_graph = lg.learning_graph(output_weights, lens="l2", resolution=resolution, gain=gain, seed=seed)
plots.mapper_figure(hidden_graph, filter_shape=None, color=hidden_graph.node_average(hidden_steps),
                    color_title="step", title="L1 hidden layer: learning graph")

# %% tags=["remove-input"]
tb.caption(f"Learning graph of L1's hidden layer: Mapper({resolution}, {gain:g}), lens = L2 norm, DBSCAN (eps "
           f"{hidden_graph.dbscan_eps_:.3g} in PCA-20 units); node colour = mean training step.", cloud=hidden_cloud,
           profile=profile, accuracy=l1_final_accuracy, figure="L1c")

# %% tags=["remove-input"]
lg.graph_reading(hidden_graph)

# %%
plots.mapper_figure(output_graph, filter_shape=None, color=output_graph.node_average(output_steps),
                    color_title="step", title="L1 output layer: learning graph")

# %% tags=["remove-input"]
tb.caption(f"Learning graph of L1's output layer, as above (eps {output_graph.dbscan_eps_:.3g}).", cloud=output_cloud,
           profile=profile, accuracy=l1_final_accuracy, figure="L1d")

# %% tags=["remove-input"]
lg.graph_reading(output_graph)

# %% [markdown]
# ## L1: counting branches on the learning graph
#
# A branch is counted on the learning graph itself (`toponet.chapters.learning_graphs.graph_branches`): sweeping
# the lens levels from the outermost cover interval inwards, every tip of the graph starts a component,
# and where two meet the younger one ends (0-dimensional persistence of the level on the graph). On a
# tree grown from the origin that is one bar per leaf; a leaf counts when it reaches at least
# ceil(gain) = 3 intervals above its branch point (shorter tips are one recording split by the
# overlapping cover). The tests check the definition on synthetic trajectories with 1, 2, 3, 10 and
# nested 2 x 2 branches. Zero initialization gives every hidden neuron the same gradient, so beside
# the paper's zero init we run the same network from $N(0, (10^{-3})^2)$, a non-degenerate start, and count its branches the same way. The 9-vs-7 timing below uses the step
# from which output neurons 7 and 9 never share a node of the graph. The old count (neurons within
# 10% of each other at each recording) is printed beside for comparison.

# %%
l1_normal = registry.study("l1-normal").load(profile)
branches_and_graphs = {name: {layer: lg.layer_branches(tr, layer, resolution=resolution, gain=gain, seed=seed)
                              for layer in ("output", "hidden1")} for name, tr in (("zero", l1), ("normal", l1_normal))}
branch_counts = {name: {layer: b[0] for layer, b in d.items()} for name, d in branches_and_graphs.items()}
l1_normal_final_accuracy = float(l1_normal["final_test_accuracy"])
hidden_groups_10pct, output_groups_10pct = lg.groups_over_time(l1, "hidden1"), lg.groups_over_time(l1, "output")
hidden_final_groups_5pct, output_final_groups_5pct = (lg.groups_over_time(l1, "hidden1", rtol=0.05)[-1],
                                                      lg.groups_over_time(l1, "output", rtol=0.05)[-1])
tb.show_table([{"run": f"{name} init", "layer": layer, "learning-graph branches": b.count, "tips in all": len(b.bars),
             "components": b.components,
             "neurons within 10% (old count)": int(lg.groups_over_time(tr, layer)[-1])}
            for (name, tr) in (("zero", l1), ("normal", l1_normal)) for layer, b in branch_counts[name].items()])

# %% tags=["remove-input"]
tb.caption(f"Branches of the learning graphs (Mapper({resolution}, {gain:g}), lens L2 norm, DBSCAN), counted as tips "
           f"persisting at least {branch_counts['zero']['output'].min_levels} cover intervals, for the paper's zero init "
           "and "
           f"N(0, {lg.L1_NORMAL_STD:g}^2) init (paper, zero init: 10 output and about 12 hidden branches). Test accuracy "
           f"{100 * l1_final_accuracy:.1f}% (zero) and {100 * l1_normal_final_accuracy:.1f}% "
           f"(N(0, {lg.L1_NORMAL_STD:g}^2)).", cloud=output_cloud, profile=profile, accuracy=l1_final_accuracy)

# %%
normal_output_graph = branches_and_graphs["normal"]["output"][1]
plots.mapper_figure(normal_output_graph, filter_shape=None,
                    color=normal_output_graph.node_average(branches_and_graphs["normal"]["output"][2]),
                    color_title="step",
                    title=f"L1 output layer, N(0, {lg.L1_NORMAL_STD:g}^2) init: learning graph")

# %% tags=["remove-input"]
tb.caption(f"Learning graph of the output layer of the same network started from N(0, {lg.L1_NORMAL_STD:g}^2) instead "
           "of zeros, as above.", cloud=output_cloud, profile=profile, accuracy=l1_normal_final_accuracy,
           figure="L1e")

# %% tags=["remove-input"]
lg.graph_reading(normal_output_graph, branch_counts["normal"]["output"], paper="10 (zero init)")

# %% [markdown]
# ## L1: nines taken for sevens (Fig. 4)
#
# How the test images of the digit 9 (among a fixed 2,000 test images) are classified at each
# recording, against the step from which output neurons 7 and 9 no longer share a node of the learning graph. Recordings where
# every image gets one class are left out of the confusion's peak (there "9 as 7" says nothing about 9).

# %%
nine_predictions = l1["pred_of_9"]
nines_as_sevens_share = nine_predictions[:, 7] / nine_predictions.sum(axis=1)
one_class_recordings = nine_predictions.max(axis=1) == nine_predictions.sum(axis=1)
_, zero_output_graph, zero_output_steps, zero_output_neurons = branches_and_graphs["zero"]["output"]
seven_nine_separation_step = lg.graph_separation_step(zero_output_graph, zero_output_steps, zero_output_neurons, 7, 9)
confusion_end_step, confusion_peak_share, confusion_peak_step = lg.confusion_end(nines_as_sevens_share, l1["steps"],
                                                                                 valid=~one_class_recordings)
plots.curves_plot(l1["steps"] / l1_steps_per_epoch,
                  {"9 classified as 9": nine_predictions[:, 9] / nine_predictions.sum(1),
                   "9 classified as 7": nines_as_sevens_share,
                   "9 classified as 1": nine_predictions[:, 1] / nine_predictions.sum(1)},
                  xlabel="epoch", ylabel="share of test nines",
                  vlines={"7 and 9 branch apart": None if seven_nine_separation_step is None
                          else seven_nine_separation_step / l1_steps_per_epoch,
                          "9-as-7 confusion ends": None if confusion_end_step is None
                          else confusion_end_step / l1_steps_per_epoch})

# %% tags=["remove-input"]
tb.caption("Classification of the test nines over training (share classified as 9, 7 and 1), with the epoch at which "
           "the 9-as-7 confusion ends (below half its peak) and the one at which output neurons 7 and 9 branch apart.",
           cloud=output_cloud, profile=profile, accuracy=l1_final_accuracy, figure="L1f")

# %% tags=["remove-input"]
lg.confusion_reading(confusion_peak_share, confusion_peak_step, confusion_end_step, seven_nine_separation_step,
                     steps_per_epoch=l1_steps_per_epoch, total_steps=int(l1["steps"][-1]))

# %%
l1_total_steps = int(l1["steps"][-1])
l1_more_runs = tuple(lg.l1_run(registry.study("l1").load(profile, seed=s), resolution=resolution, gain=gain,
                               seed=seed, run_seed=s) for s in range(1, networks))
rule_l1 = lg.l1_rule(branch_counts["zero"], branch_counts["normal"], seven_nine_separation_step, confusion_end_step,
                     l1_total_steps, more_runs=l1_more_runs)
tb.show_table([
    {"": "output layer branches (learning graph)", "paper": "10",
     "ours": f"zero init {branch_counts['zero']['output'].count}; "
             f"N(0, 1e-3) init {branch_counts['normal']['output'].count}"},
    {"": "hidden layer branches (learning graph)", "paper": "about 12",
     "ours": f"zero init {branch_counts['zero']['hidden1'].count}; "
             f"N(0, 1e-3) init {branch_counts['normal']['hidden1'].count}"},
    {"": "9-as-7 confusion ends / 7 and 9 branch apart", "paper": "at the same time",
     "ours": f"epoch {'never' if confusion_end_step is None else f'{confusion_end_step / l1_steps_per_epoch:.1f}'} / "
             f"{'never' if seven_nine_separation_step is None else f'{seven_nine_separation_step / l1_steps_per_epoch:.1f}'}"},
    {"": "final test accuracy", "paper": "not given",
     "ours": f"{100 * l1_final_accuracy:.1f}% (zero), {100 * l1_normal_final_accuracy:.1f}% (N(0, 1e-3))"},
])

# %% tags=["remove-input"]
print(rule_l1.verdict, *rule_l1.reasons, sep="\n  ")

# %% [markdown]
# **Rule** (`toponet.chapters.learning_graphs.l1_rule`): three parts on the paper's zero-init run, the output
# graph has 10 branches, the hidden graph 9 to 15, and the confusion ends within 10% of the training
# length of the 7/9 branching. A count on one recorded run has no spread to test against, so each part is
# tested over runs by the exact **sign test** (does it hold in more than half of the zero-init runs?), its
# power taken against the part holding in 90 % of runs. Its smallest p is $0.5^n$ for $n$ runs: one run
# gives 0.5 and no power, whatever the counts; 8 runs give 81 % power. The chapter's `networks` parameter
# sets the zero-init runs (seeds 0, 1, ...: the same network, another batch order); the figures above
# read the first. *Reproduced* needs all three parts significant, *partly* one at p < 0.05/3.
#
# Why so few hidden branches can happen under zero init: every hidden neuron gets exactly the same
# gradient, so they can only separate through rounding differences in the floating-point sums. How
# soon and how often that happens depends on the arithmetic of the library and hardware
# (Keras/TensorFlow in the paper, PyTorch on a CPU here). The non-degenerate init shows what the
# hidden layer does once the symmetry is broken.

# %% tags=["remove-cell"]
record(lg.l1_verdict_row(
    rule_l1, counts=branch_counts, output_groups=output_groups_10pct[-1], hidden_groups=hidden_groups_10pct[-1],
    separation_step=seven_nine_separation_step, confusion_end_step=confusion_end_step,
    steps_per_epoch=l1_steps_per_epoch, zero_accuracy=l1_final_accuracy, normal_accuracy=l1_normal_final_accuracy,
    runs=networks, more_runs=l1_more_runs, scale=SCALE["L1"], profile=profile, total_steps=l1_total_steps));

# %% tags=["remove-input"]
lg.l1_findings(output_branches=branch_counts["zero"]["output"].count, output_branches_5=int(output_final_groups_5pct),
               hidden_sizes=lg.final_branch_sizes(l1, "hidden1"), separation=seven_nine_separation_step,
               confusion_end_step=confusion_end_step, peak_share=confusion_peak_share, peak_step=confusion_peak_step,
               final_accuracy=l1_final_accuracy, total_steps=l1_total_steps, steps_per_epoch=l1_steps_per_epoch,
               rule=rule_l1)

# %% [markdown]
# ## L2: tiny random initialization, the learning surface
#
# Two hidden layers of 100 sigmoid units, weights $N(0, 10^{-6})$. First the PCA projection of the
# first hidden layer, then its learning graph with the first 3 PCA directions as lenses (the paper's
# Fig. 6 right), and the weight norms and test accuracy over training (Fig. 8). Beware float16: the
# initial weights (about $10^{-6}$) lie below float16's normal range ($6 \cdot 10^{-5}$) and are stored
# with a few bits only; the norms are computed from the float32 weights during training, and the
# surface is measured after the first accuracy jump, when the weights are far larger.

# %%
l2_hidden_weights, l2_hidden_steps, _ = lg.trajectory_cloud(l2, "hidden1")
l2_final_accuracy = float(l2["final_test_accuracy"])
l2_steps_per_epoch = int(l2["steps_per_epoch"])
plots.projection_plot(lg.pca_projection(l2_hidden_weights), l2_hidden_steps, title="L2 first hidden layer",
                      color_label="training step")

# %% tags=["remove-input"]
l2_hidden_cloud = (r"\text{L2: incoming weights of the 100 first-layer neurons} \in \mathbb{R}^{784}"
                   r"\text{, all kept recordings}")
tb.caption(f"PCA 1-2 of the first hidden layer's weights of L2 (784-100-100-10 sigmoid, init N(0, 1e-6)), coloured by "
           f"step, at {len(l2['steps_hidden1'])} recordings.", cloud=l2_hidden_cloud, profile=profile,
           accuracy=l2_final_accuracy, figure="L2a")

# %% [markdown]
# **What to see**: a hundred paths leaving the origin together. The paper sees them spread over a
# smooth two-dimensional sheet rather than along separate strands; a projection to two
# dimensions cannot tell the two apart (a sheet seen edge-on looks like a curve), which is why the
# learning graph and the surface test below look at more directions.

# %%
surface_graph = lg.learning_graph(l2_hidden_weights, lens="pca3", resolution=max(4, resolution // 4), gain=gain,
                                  seed=seed)
plots.mapper_figure(surface_graph, filter_shape=None, color=surface_graph.node_average(l2_hidden_steps),
                    color_title="step", title="L2 first hidden layer: Mapper with PCA 1-3 lenses")

# %% tags=["remove-input"]
jumps = lg.accuracy_jumps(l2["test_accuracy"], l2["steps"])
surface_test = lg.layer_surface_test(l2, jumps, seed=seed)
surface_dimension = float("nan") if surface_test is None else surface_test.dimension
tb.caption(f"Learning graph of L2's first hidden layer: Mapper({max(4, resolution // 4)}, {gain:g}) with lenses PCA 1-3, "
           "DBSCAN; node colour = mean training step.", cloud=l2_hidden_cloud, profile=profile,
           accuracy=l2_final_accuracy, figure="L2b")

# %% tags=["remove-input"]
lg.surface_reading(surface_graph, surface_test)

# %%
plots.curves_plot(l2["steps"] / l2_steps_per_epoch,
                  {"hidden layer 1": l2["norm_hidden1"], "hidden layer 2": l2["norm_hidden2"],
                   "output layer": l2["norm_output"]},
                  xlabel="epoch", ylabel="L2 norm of incoming weights", panels=True)

# %% tags=["remove-input"]
tb.caption("Weight norm of every neuron of L2 over training, one panel per layer, one line per neuron.",
           cloud=l2_hidden_cloud, profile=profile, accuracy=l2_final_accuracy, figure="L2c")

# %% [markdown]
# **What to see**: the epochs at which the norms leave their starting level and the lines of one
# layer fan out. The paper ties those moments to the accuracy jumps of the next figure; read its
# marked jumps against the bends here.

# %%
plots.curves_plot(l2["steps"] / l2_steps_per_epoch, {"test accuracy": l2["test_accuracy"]}, xlabel="epoch",
                  ylabel="test accuracy (2,000 images)",
                  vlines={f"jump {i + 1}": j["end"] / l2_steps_per_epoch for i, j in enumerate(jumps)})

# %% tags=["remove-input"]
tb.caption("Test accuracy of L2 over training (a fixed 2,000-image test subset), the end of each jump marked.",
           cloud=l2_hidden_cloud, profile=profile, accuracy=l2_final_accuracy, figure="L2d")

# %% tags=["remove-input"]
lg.jumps_reading(jumps, steps_per_epoch=l2_steps_per_epoch)

# %% [markdown]
# **The surface test.** A local-dimension check alone cannot tell a surface from a curve (both are
# "at most 2") nor a coordinated sheet from neurons wandering each on its own. The statistic is the
# median share of each 20-neighbourhood's variance outside its top 2 principal directions; its null
# rebuilds every neuron's trajectory from its own recorded steps in a random order
# (`toponet.chapters.learning_graphs.time_shuffled`: same start, end and steps, no smooth joint motion), 99
# draws. A surface needs a median local dimension of exactly 2 and p < 0.05. The rule's
# false-positive rate is measured on 200 time-shuffled clouds (where the null holds), its power on
# 40 random subsets of 80 % of the neurons, each tested like the data (`toponet.surface.surface_calibration`,
# stored beside the other calibrations). The paper shows its surface as a figure, with no size to
# simulate, so this is the power at the effect we measured, on fewer points than the test used.

# %%
surface_calibration = lg.layer_surface_calibration(l2, jumps, seed=seed)
rule_l2 = lg.l2_rule(jumps, surface_test, surface_calibration)
accuracy_levels = (" -> ".join([f"{100 * jumps[0]['before']:.0f}%"] + [f"{100 * j['after']:.0f}%" for j in jumps])
                   if jumps else "no jump")
tb.show_table([
    {"": "accuracy levels", "paper": "10% -> 40% -> 80% (jumps at epochs 28, 45; 70 epochs)",
     "ours": accuracy_levels + "".join(f"; jump {i + 1} at epochs {j['start'] / l2_steps_per_epoch:.0f}-"
                                       f"{j['end'] / l2_steps_per_epoch:.0f}" for i, j in enumerate(jumps))},
    {"": "final test accuracy", "paper": "about 80% when stopped (96% with more training)",
     "ours": f"{100 * l2_final_accuracy:.1f}%"},
    {"": "first hidden layer", "paper": "a smooth 2-D learning surface",
     "ours": "no jump, not tested" if surface_test is None else surface_test.describe()},
])

# %% tags=["remove-input"]
print(rule_l2.verdict, *rule_l2.reasons, sep="\n  ")

# %% [markdown]
# **Rule** (`toponet.chapters.learning_graphs.l2_rule`): two parts. (a) The accuracy rises in at
# least two jumps through levels within 15 points of 10%, 40% and 80%: the shape of one run's curve,
# so it is tested over runs by the sign test, which on one run has no power and leaves the part
# undecided whatever the curve shows. (b) The first hidden layer after the first jump passes the
# surface test, with the false-positive rate and power printed above. *reproduced* when both pass;
# *partly* when one passes at p < 0.05/2 (Bonferroni over the two parts); *inconclusive* otherwise.

# %% tags=["remove-cell"]
record(lg.l2_verdict_row(
    rule_l2, surface=surface_test, accuracy_levels=accuracy_levels, jumps=jumps, steps_per_epoch=l2_steps_per_epoch,
    final_accuracy=l2_final_accuracy, scale=SCALE["L2"], profile=profile, total_steps=int(l2["steps"][-1])));

# %% tags=["remove-input"]
lg.l2_findings(jumps, surface_dimension, l2["test_accuracy"], l2["steps"], steps_per_epoch=l2_steps_per_epoch,
               surface=surface_test, calibration=surface_calibration)

# %% [markdown]
# ## Exercises
#
# ```{admonition} Exercise 1: branches and the Mapper resolution
# Count the branches of L1's output-layer learning graph (`lg.layer_branches(l1, "output", ...)`,
# its first value's `.count`) for half, once and twice the chapter's `resolution`.
# ```

# %% tags=["hide-cell"]
for tried_resolution in (max(2, resolution // 2), resolution, 2 * resolution):
    branches = lg.layer_branches(l1, "output", resolution=tried_resolution, gain=gain, seed=seed)[0]
    print(f"resolution {tried_resolution}: {branches.count} branch(es)")

# %% [markdown]
# ```{dropdown} Solution 1
# Branches are counted as tips of the graph several cover intervals long; a coarse cover merges
# the trajectories before they split, a fine one breaks a trajectory into pieces. A count that
# holds over a range of resolutions is a property of the weights; one that moves is a property
# of the cover.
# ```
#
# ```{admonition} Exercise 2: the overlap of the cover
# Draw the output-layer learning graph of L1 again with twice the gain (more overlap between the
# cover's intervals: `lg.learning_graph(output_weights, lens="l2", gain=2 * gain, ...)`) and compare
# its nodes, edges and components with `output_graph`.
# ```

# %% tags=["hide-cell"]
double_gain_graph = lg.learning_graph(output_weights, lens="l2", resolution=resolution, gain=2 * gain,
                                      seed=seed)
for label, g in ((f"gain {gain:g}", output_graph), (f"gain {2 * gain:g}", double_gain_graph)):
    print(f"{label}: {g.n_nodes_} nodes, {g.n_edges_} edges, {g.n_components_} component(s)")

# %% [markdown]
# ```{dropdown} Solution 2
# More overlap puts each recording in more intervals: more nodes and many more edges. Pieces
# that stay apart under the larger gain are far apart in weight space; pieces that join were
# separated by the cover, not by the weights.
# ```
