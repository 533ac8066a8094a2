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
# # Ideal filters: the pipeline on a known answer
#
# Before asking whether trained networks learn the primary circle, we run the book's analysis
# on clouds whose topology we know: *ideal* $3 \times 3$ filters (`toponet.ideal`).
#
# * The **primary circle**: linear edges $\cos\theta\, x + \sin\theta\, y$ at every angle
#   $\theta$, normalized. One circle: one long $H_1$ bar, and a Mapper graph with one loop.
# * The **Klein bottle** of Carlsson et al. (2008): edges mixed with lines
#   $(\cos\theta\, x + \sin\theta\, y)^2$; the primary circle is one circle on it.
# * A **gaussian** null: i.i.d. normal filters, normalized; no structure at all.
#
# Each cloud has `networks` $\times$ 64 points, as many as the first layers of `networks`
# networks $M(64, \cdot, \cdot)$, with gaussian noise of standard deviation 0.1 per entry. No
# network is trained here, so `iterations` and `device` are unused.

# %% tags=["parameters"]
profile = "smoke"  # build profile: the scale these numbers come from
networks = 6  # cloud size: networks x 64 filters; more points: a cleaner circle bar and a slower Rips
iterations = 30  # unused: nothing is trained in this chapter
k = 15  # density filtration rho(k, p) before persistence; larger k: a smoother density estimate
p = 0.5  # fraction of densest points kept; higher: noisier points stay, lower: a thinner circle
resolution = 10  # Mapper(resolution, gain); more intervals: more, smaller nodes (gaps in the loop if points are few)
gain = 3.0  # overlap 1 - 1/gain; larger: more edges, fewer gaps
seed = 0  # the noise of the sampled clouds; another seed moves the numbers a little, not the picture
device = "auto"  # unused: nothing is trained in this chapter

# %%
import numpy as np
from IPython.display import display

import toponet.book as tb
from toponet import plots
from toponet.ideal import distance_to_model, gaussian_filters, klein_bottle_sample, primary_circle_sample
from toponet.density import density_filtration
from toponet.homology import persistence
from toponet.mapper import Mapper

tb.validate_parameters(globals())  # papermill parameters: unknown names, types, ranges
tb.setup_notebook()
n = networks * 64
clouds = {
    "primary circle": primary_circle_sample(n, noise=0.1, seed=seed),
    "Klein bottle": klein_bottle_sample(n, noise=0.1, seed=seed + 1),
    "gaussian": gaussian_filters(n, seed=seed + 2),
}
CLOUD = {name: rf"{networks} \times 64 \text{{ {name} filters}}" for name in clouds}

# %% [markdown]
# ## Distance to the ideal models
#
# How far each filter lies from the nearest ideal primary-circle filter
# (`toponet.ideal.distance_to_model`; distances in $\mathbb{R}^9$ between unit vectors, 0 to 2).

# %%
distances = {name: distance_to_model(X, "primary_circle") for name, X in clouds.items()}
display(plots.distance_histogram({name: d.distances for name, d in distances.items()}, threshold=0.3,
                                 xlabel="distance to the primary circle"))
tb.caption("Distance of each filter to the nearest primary-circle filter (left: density, right: "
           "cumulative fraction); dashed: the 0.3 threshold.",
           cloud=rf"3 \times {n}" + r"\text{ ideal and gaussian filters}", profile=profile)

# %% [markdown]
# The noisy primary-circle filters sit near distance 0.3 (the noise), the gaussian filters far
# away: the distance separates the two clouds, and the Klein bottle lies in between, since the
# primary circle is only one circle on it.

# %% [markdown]
# ## Mapper graph of the primary circle
#
# `Mapper(resolution, gain)` on the primary-circle cloud; node colour is the cluster size
# (blue small, red large), and each node shows the mean filter of its points. The graph should
# have one loop, with the edge filters rotating once around it.

# %%
mapper = Mapper(resolution, gain, layout_seed=seed).fit(clouds["primary circle"])
plots.mapper_figure(mapper, title=f"Mapper({resolution}, {gain:g}): {mapper.n_nodes_} nodes, "
                                  f"{mapper.betti1_} loop(s)", width=640, height=540).show()
tb.caption(f"Mapper({resolution}, {gain:g}) graph of the primary-circle filters: "
           f"{mapper.n_nodes_} nodes, first Betti number {mapper.betti1_}.",
           cloud=CLOUD["primary circle"], profile=profile)

# %% [markdown]
# ## Barcodes
#
# Vietoris–Rips persistence (`toponet.homology.persistence`) of $\rho(k, p)$ of the
# primary-circle cloud and of the gaussian null, $H_0$ and $H_1$. A circle shows one $H_1$ bar
# much longer than the others; the null shows none.

# %%
diagrams = {name: persistence(density_filtration(clouds[name], k, p), seed=seed)
            for name in ["primary circle", "gaussian"]}
top_h1 = {name: d.top_lifetime(1) for name, d in diagrams.items()}
for name, d in diagrams.items():
    display(plots.barcode_plot(d, title=f"{name}: top $H_1$ lifetime {top_h1[name]:.2f}", max_bars=40))
tb.caption("Barcodes, 40 longest bars per dimension (top: primary circle; bottom: gaussian null); "
           + diagrams["primary circle"].method + ".",
           cloud=rf"\rho({k}, {p:g}, " + CLOUD["primary circle"] + r"),\ " + rf"\rho({k}, {p:g}, " + CLOUD["gaussian"] + ")",
           profile=profile)

# %% [markdown]
# The top $H_1$ lifetime of the circle against the null is the statistic the MNIST chapter
# compares across seeds:

# %%
print({name: round(v, 3) for name, v in top_h1.items()})
assert top_h1["primary circle"] > 2 * top_h1["gaussian"], "the pipeline failed on the known answer"
