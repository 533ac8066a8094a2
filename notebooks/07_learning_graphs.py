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
from toponet.verdict_record import record

tb.validate_parameters(globals())  # papermill parameters: unknown names, types, ranges
tb.setup_notebook()
chapter = lg.run_chapter(profile=profile, networks=networks, resolution=resolution, gain=gain, seed=seed)
print(chapter.scale_summary())

# %% [markdown]
# ## L1: zero initialization, branching trees
#
# PCA projections (components 1 and 2 of each layer's cloud), coloured by training step.

# %%
chapter.l1_projection_figure("hidden1")

# %% tags=["remove-input"]
chapter.l1_projection_caption("hidden1")

# %% [markdown]
# **What to see**: every trajectory starts at the origin (zero init) and moves outward as the
# colour runs through the training steps. Paths that leave together and then split are the
# branches of a tree. Under zero init every hidden neuron receives the same gradient, so hidden
# paths that split at all split through floating-point rounding; the counts below say how many.

# %%
chapter.l1_projection_figure("output")

# %% tags=["remove-input"]
chapter.l1_projection_caption("output")

# %% [markdown]
# **What to see**: the ten output neurons, one per digit, as paths from the origin. The paper
# sees them end in 10 separate branches; count the separate arms at the last steps, and note
# where two arms run together for long (digits the network confuses there).

# %% [markdown]
# The learning graphs: Mapper with the $L^2$ norm of the weight vectors (their distance from the
# origin, where every trajectory starts) as the lens and DBSCAN as the clusterer; `eps` is set from
# the cloud (`toponet.chapters.learning_graphs.learning_graph`). Nodes coloured by mean training step.

# %%
chapter.l1_graph_figure("hidden1")

# %% tags=["remove-input"]
chapter.l1_graph_caption("hidden1")

# %% tags=["remove-input"]
chapter.l1_graph_reading("hidden1")

# %%
chapter.l1_graph_figure("output")

# %% tags=["remove-input"]
chapter.l1_graph_caption("output")

# %% tags=["remove-input"]
chapter.l1_graph_reading("output")

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
chapter.branch_table()

# %% tags=["remove-input"]
chapter.branch_caption()

# %%
chapter.l1_graph_figure("output", init="normal")

# %% tags=["remove-input"]
chapter.l1_graph_caption("output", init="normal")

# %% tags=["remove-input"]
chapter.l1_graph_reading("output", init="normal")

# %% [markdown]
# ## L1: nines taken for sevens (Fig. 4)
#
# How the test images of the digit 9 (among a fixed 2,000 test images) are classified at each
# recording, against the step from which output neurons 7 and 9 no longer share a node of the learning graph. Recordings where
# every image gets one class are left out of the confusion's peak (there "9 as 7" says nothing about 9).

# %%
chapter.nines_figure()

# %% tags=["remove-input"]
chapter.nines_caption()

# %% tags=["remove-input"]
chapter.nines_reading()

# %%
chapter.l1_table()

# %% tags=["remove-input"]
print(chapter.l1_verdict_block())

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
record(chapter.row("L1"));

# %% tags=["remove-input"]
chapter.l1_findings()

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
chapter.l2_projection_figure()

# %% tags=["remove-input"]
chapter.l2_projection_caption()

# %% [markdown]
# **What to see**: a hundred paths leaving the origin together. The paper sees them spread over a
# smooth two-dimensional sheet rather than along separate strands; a projection to two
# dimensions cannot tell the two apart (a sheet seen edge-on looks like a curve), which is why the
# learning graph and the surface test below look at more directions.

# %%
chapter.surface_graph_figure()

# %% tags=["remove-input"]
chapter.surface_graph_caption()

# %% tags=["remove-input"]
chapter.surface_graph_reading()

# %%
chapter.norms_figure()

# %% tags=["remove-input"]
chapter.norms_caption()

# %% [markdown]
# **What to see**: the epochs at which the norms leave their starting level and the lines of one
# layer fan out. The paper ties those moments to the accuracy jumps of the next figure; read its
# marked jumps against the bends here.

# %%
chapter.accuracy_figure()

# %% tags=["remove-input"]
chapter.accuracy_caption()

# %% tags=["remove-input"]
chapter.accuracy_reading()

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
chapter.l2_table()

# %% tags=["remove-input"]
print(chapter.l2_verdict_block())

# %% [markdown]
# **Rule** (`toponet.chapters.learning_graphs.l2_rule`): two parts. (a) The accuracy rises in at
# least two jumps through levels within 15 points of 10%, 40% and 80%: the shape of one run's curve,
# so it is tested over runs by the sign test, which on one run has no power and leaves the part
# undecided whatever the curve shows. (b) The first hidden layer after the first jump passes the
# surface test, with the false-positive rate and power printed above. *reproduced* when both pass;
# *partly* when one passes at p < 0.05/2 (Bonferroni over the two parts); *inconclusive* otherwise.

# %% tags=["remove-cell"]
record(chapter.row("L2"));

# %% tags=["remove-input"]
chapter.l2_findings()

# %% [markdown]
# ## Exercises
#
# ```{admonition} Exercise 1: branches and the Mapper resolution
# Count the branches of L1's output-layer learning graph (`lg.layer_branches(chapter.l1, "output", ...)`,
# its first value's `.count`) for half, once and twice the chapter's `resolution`.
# ```

# %% tags=["hide-cell"]
for tried_resolution in (max(2, resolution // 2), resolution, 2 * resolution):
    branches = lg.layer_branches(chapter.l1, "output", resolution=tried_resolution, gain=gain, seed=seed)[0]
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
# cover's intervals: `lg.learning_graph(chapter.l1_weights["output"], lens="l2", gain=2 * gain, ...)`) and
# compare its nodes, edges and components with `chapter.l1_graphs["output"]`.
# ```

# %% tags=["hide-cell"]
double_gain_graph = lg.learning_graph(chapter.l1_weights["output"], lens="l2", resolution=resolution, gain=2 * gain,
                                      seed=seed)
for label, g in ((f"gain {gain:g}", chapter.l1_graphs["output"]), (f"gain {2 * gain:g}", double_gain_graph)):
    print(f"{label}: {g.n_nodes_} nodes, {g.n_edges_} edges, {g.n_components_} component(s)")

# %% [markdown]
# ```{dropdown} Solution 2
# More overlap puts each recording in more intervals: more nodes and many more edges. Pieces
# that stay apart under the larger gain are far apart in weight space; pieces that join were
# separated by the cover, not by the weights.
# ```
