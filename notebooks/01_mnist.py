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
# # MNIST: does the first layer learn the primary circle?
#
# The paper's first result (Sec. V.A, Fig. 2): the 6,400 first-layer spatial filters of 100
# networks $M(64, 32, 64)$ trained 40,000 batch iterations on MNIST, mean-centered and normalized,
# density-filtered with $\rho(200, 0.3)$, form the **primary circle**: Mapper$(30, 3)$ draws a
# loop of edge detectors at every angle, and the barcodes show one long $H_1$ bar. The peer paper
# from UMass (Sec. 2.3) reports that it *failed* to reproduce this. This chapter settles it with
# numbers: every statistic below is set against null models the paper did not use (untrained
# networks with the same seeds, gaussian filters, coordinate-shuffled filters) and against
# independent groups of networks.

# %% [markdown]
# ```{admonition} What you will learn, what you need, how long
# :class: tip
# * **Learn**: how the paper's central claim (the primary circle in the first layer of MNIST networks)
#   is tested against null models, seed groups, other $(k, p)$ and other architectures, and how a
#   verdict is decided.
# * **Need**: chapter 00 and the {doc}`../primer`; the {doc}`../method` page for the decision rule. The
#   trained networks come from the artifact store (a missing profile trains first; see `--dry-run`).
# * **How long**: <!-- chapter-time -->measured by the book build (see the {doc}`../teaching`)<!-- /chapter-time -->;
#   the exercises take about 20 minutes.
# ```

# %% [markdown]
# **Scale.** The paper's 100 x 40K networks need a GPU. The parameters below say what this build
# ran; every caption repeats it. The density filtration's $k$ is the paper's $k$ rescaled to our
# cloud size, $k = \mathrm{round}(k_\text{paper} \cdot n / n_\text{paper})$, so that the
# $k$-th neighbour probes the same fraction of the cloud (`toponet.analysis.scaled_k`).

# %% tags=["parameters"]
profile = "default"  # training scale: smoke | default | paper (toponet.experiments)
networks = 100  # networks M(64, 32, 64) pooled into the cloud (the paper: 100); more: a bigger cloud, more seed groups
iterations = 2000  # batch iterations of training; a value the store lacks trains networks first (run --dry-run)
k = 200  # the paper's k for 6,400 points, rescaled to our cloud below; smaller: a more local density, noisier core
p = 0.3  # density filtration: fraction of densest points kept; lower: a tighter core, higher: more noise in it
#   (a new k or p calibrates the circle rule at that size first: minutes)
resolution = 30  # Mapper(resolution, gain): the pictures only, no verdict uses Mapper
gain = 3.0
seed = 0  # null clouds, landmarks and layouts (training seeds are 0..networks-1); p-values move by a few draws
device = "auto"  # torch device for any training this chapter has to do

# %%
import toponet.book as tb
from toponet.chapters import mnist
from toponet.verdict_record import load, record

parameters = tb.validate_parameters(globals())  # papermill parameters: unknown names, types, ranges
mnist.validate(globals())  # the chapter's own: k below the paper's 6,400 points, p keeps enough filters
tb.setup_notebook()
chapter = mnist.run_chapter(**parameters)
print(chapter.summary())

# %% [markdown]
# ## Figure 2: Mapper and barcodes of the first layer
#
# All first-layer filters of the networks, pooled; the densest fraction $p$ by the $k$-th
# neighbour distance; then Mapper (PCA 1 and 2 lenses, single linkage on the variance-normalized
# Euclidean metric) and Vietoris-Rips persistence (`toponet.homology`: exact, or on maxmin
# landmarks with a stated error bound for large clouds).

# %%
chapter.layer1_mapper_figure()

# %% tags=["remove-input"]
chapter.caption("2a")

# %% tags=["remove-input"]
chapter.reading("2a")

# %%
chapter.layer1_barcode_figure()

# %% tags=["remove-input"]
chapter.caption("2b")

# %% tags=["remove-input"]
chapter.reading("2b")

# %% [markdown]
# ## Is the circle real? Null models
#
# A long top $H_1$ bar alone is no evidence: any cloud has one. We compare the statistic with
# (i) **matched null clouds** of the same size pushed through the same pipeline (normalize,
# $\rho(k, p)$, persistence), 99 of each kind, so that the smallest possible p is 0.01: gaussian
# filters; the trained filters with each coordinate shuffled independently; and gaussian filters
# whose normalized draws have the **same second moment** $E[v v^T]$ as the trained filters'
# directions (`toponet.nulls.directions_matched`: exactly the second-order structure the
# pipeline sees after normalizing). The first two decide whether there is a circle. The third
# asks a second question: is there structure *beyond second order*? A cloud whose directions
# concentrate in two edge directions becomes a circle once normalized, so a circle that this
# null also produces is still a circle, but no evidence of more than the filters' second moment. Every comparison is decided exactly (capped Rips with a proof of what the cap hides,
# `toponet.homology.h1_bounds`). (ii) **Independent seed groups**: the networks split into disjoint
# groups, each group's cloud analysed alone (with $k$ rescaled to its size), trained vs the *same
# networks before training* (iteration 0) vs gaussian clouds of the same size. Beware: a small
# group thinned to its densest 30% loses points along the circle, and the loop can break even for
# ideal filters, so this comparison is conservative.

# %%
print(chapter.circle_test_description())

# %% [markdown]
# The rule is calibrated at this cloud size, $k$ and $p$ (the **Calibration** page has the
# tables): its false-positive rate on fresh null clouds, and its power on a noisy ideal model.

# %%
chapter.groups_figure()

# %% tags=["remove-input"]
chapter.caption("2c")

# %% tags=["remove-input"]
chapter.reading("2c")

# %% [markdown]
# ## How much of the cloud lies on the primary circle?
#
# The distance of every normalized filter to the nearest ideal primary-circle filter
# (`toponet.ideal.distance_to_model`; unit vectors, so distances run from 0 to 2), for the trained
# networks, the same networks at initialization, and gaussian filters. Learned edges are blurred
# step edges rather than exact linear ramps, so look at the whole distribution, not one threshold.

# %%
chapter.distance_figure()

# %% tags=["remove-input"]
chapter.caption("2d")

# %% tags=["remove-input"]
chapter.reading("2d")

# %% [markdown]
# Few learned filters are *exact* linear ramps: learned edges are blurred, partly step-like, so
# even a filter on the circle sits some way from the ideal one. Read the trained distribution's
# place against the untrained and gaussian ones, not its distance from 0.

# %% [markdown]
# ## When does the circle form?
#
# The same statistics at every stored snapshot of training (iteration 0 = initialization).

# %%
chapter.evolution_figure()

# %% tags=["remove-input"]
chapter.caption("2e")

# %% tags=["remove-input"]
chapter.reading("2e")

# %% [markdown]
# ## Does it survive other choices of $k$ and $p$?
#
# One reproduction attempt reported that the circle breaks under small parameter changes. The grid
# below repeats the analysis over $k$ (as multiples of the rescaled paper value) and $p$; each cell
# is the ratio of the top to the second $H_1$ lifetime (a circle gives a large ratio).

# %%
chapter.sweep_figure("h1_ratio")

# %% tags=["remove-input"]
chapter.caption("2f")

# %% tags=["remove-input"]
chapter.reading("2f")

# %%
chapter.sweep_figure("frac_near_circle")

# %% tags=["remove-input"]
chapter.caption("2g")

# %% tags=["remove-input"]
chapter.reading("2g")

# %% [markdown]
# ## Other architectures (Sec. V.A, robustness)
#
# The paper finds the primary circle in the first layer of $M(64, 0, 64)$, $M(64, 8, 512)$,
# $M(64, 16, 512)$ and $M(256, 32, 512)$ too.

# %%
tb.show_table(chapter.variant_rows())

# %% [markdown]
# ## The second layer (Sec. V.A)
#
# The paper: after strong density filtration, $\rho(10, 0.1)$ of the 204,800 second-layer filters,
# "a very weak primary circle, significantly weaker than in the first layer".

# %%
chapter.layer2_barcode_figure()

# %% tags=["remove-input"]
chapter.caption("2h")

# %% tags=["remove-input"]
chapter.reading("2h")

# %%
chapter.layer2_mapper_figure()

# %% tags=["remove-input"]
chapter.caption("2i")

# %% tags=["remove-input"]
chapter.reading("2i")

# %% [markdown]
# ## Verdicts
#
# One rule for every circle claim (`toponet.circle_decision`, stated on the method page): a circle
# **exists** when the top $H_1$ bar of the dense core beats both the gaussian and the shuffled
# nulls (p < 0.05 with 99 draws each); Fig. 2's "one long bar" also needs the second bar *not* to
# beat them. **reproduced**: both; **partly**: a circle but more than one long bar; without a
# circle the verdict is **not reproduced** only when the rule's calibrated power at this size is
# at least 80 %, else **inconclusive**. The second-order null, the Mapper graph, the distances to
# the ideal circle and the seed groups are reported beside the rule, not in it: their false-positive
# rates at these sizes are not calibrated (the Mapper large-loop count fires on gaussian clouds of
# a few hundred points).

# %% tags=["remove-input"]
print(chapter.verdict_block())

# %% tags=["remove-input"]
for row in chapter.rows:
    record(row)
print(*(f"{v.claim_id}: {v.verdict}" for v in load()), sep="\n")

# %% [markdown]
# ## Exercises
#
# ```{admonition} Exercise 1: beyond second order
# Compare the top $H_1$ lifetime of $\rho(k, p)$ of the first-layer filters with that of ten
# clouds of the second-order null of the directions (`toponet.nulls.null_cloud(X, "directions", seed)`,
# `toponet.analysis.filtered_top_h1`). Use a random subsample of 640 filters, a tenth of the paper's cloud,
# with $k$ rescaled (`scaled_k`), so that it runs in a minute.
# ```

# %% tags=["hide-cell"]
import numpy as np
from toponet import analysis, nulls

sample, k_sample = chapter.filter_sample(640)  # drawn with the chapter's seed; k rescaled to the 640 filters
tops = np.array([analysis.filtered_top_h1(X, k=k_sample, p=p, seed=seed, n_landmarks=None)
                 for X in [sample, *(nulls.null_cloud(sample, "directions", s) for s in range(10))]])
print(f"{len(sample)} filters, k = {k_sample}: top H1 {tops[0]:.3f}; second-order nulls {tops[1:].mean():.3f} "
      f"+- {tops[1:].std(ddof=1):.3f} (max {tops[1:].max():.3f}); beaten by {int(np.sum(tops[1:] >= tops[0]))} of 10")

# %% [markdown]
# ```{dropdown} Solution 1
# A cloud of this null has the same second moment of the directions as the filters. When the
# filters' directions concentrate in the two edge directions, such a cloud already draws a
# circle once normalized, so the null's bar can come close to the trained one: a circle that
# this null also produces is still a circle (the gaussian and shuffled nulls decide that), but
# no evidence of structure beyond second order. The chapter's `p_second_order` column reports
# the same test with 99 draws at full size.
# ```
#
# ```{admonition} Exercise 2: where does the circle break?
# From the $(k, p)$ sweep above (`chapter.sweep`, one dict per cell), list the cells where the top bar is
# less than twice the second. Are they at small $p$, at small $k$, or both?
# ```

# %% tags=["hide-cell"]
for cell in [r for r in chapter.sweep if r["h1_ratio"] < 2]:  # the sweep's cells run in order of k, then p
    print(f"k = {cell['k']}, p = {cell['p']}: top / second H1 = {cell['h1_ratio']:.2f}")

# %% [markdown]
# ```{dropdown} Solution 2
# Small $p$ keeps few points: the ring has gaps and its bar is born late; $p = 1$ keeps the
# noisy filters that fill the disc. Small $k$ makes the density estimate noisy, so the densest
# points are scattered rather than on the ring. The circle is a statement about a range of
# $(k, p)$, and the heat maps show where that range ends at this build's scale.
# ```
#
# ```{admonition} Exercise 3: untrained networks
# The same networks before training (iteration 0) are in the store. Compute the top $H_1$ of
# their first-layer filters with the chapter's $k$ and $p$ and compare it with the trained one.
# ```

# %% tags=["hide-cell"]
print(f"trained {analysis.filtered_top_h1(chapter.layer1_filters, k=chapter.layer1_k, p=p, seed=seed):.3f}, "
      f"untrained {analysis.filtered_top_h1(chapter.untrained_filters, k=chapter.layer1_k, p=p, seed=seed):.3f}")

# %% [markdown]
# ```{dropdown} Solution 3
# Initial filters have i.i.d. random entries: after normalization a structureless cloud on the
# sphere, whose top bar is short, like the gaussian null's. If the trained bar is clearly longer,
# the circle was learned; if the two are alike (as after the few dozen iterations of the `smoke`
# profile), training has not yet moved the filters far from their random start.
# ```
