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
#
# ```{admonition} What you will learn, what you need, how long
# :class: tip
# * **Learn**: what a point cloud of $3 \times 3$ filters is; how the density filtration
#   $\rho(k, p)$, a barcode and a Mapper graph look on clouds whose topology is known in advance;
#   the whole pipeline as five plain library calls on trained MNIST filters.
# * **Need**: the {doc}`../primer` (or any first look at persistent homology); Python with NumPy.
#   No GPU and no download: the ideal clouds are sampled here, and one section reads the
#   MNIST networks committed in the repository's artifact store (nothing is trained).
# * **How long**: <!-- chapter-time -->measured by the book build (see the {doc}`../teaching`)<!-- /chapter-time -->;
#   the exercises at the end take about 15 minutes.
# ```

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
import toponet.book as tb
from toponet.chapters import ideal_filters

parameters = tb.validate_parameters(globals())  # papermill parameters: unknown names, types, ranges
tb.setup_notebook()
chapter = ideal_filters.run_chapter(**parameters)

# %% [markdown]
# ## Distance to the ideal models
#
# How far each filter lies from the nearest ideal primary-circle filter
# (`toponet.ideal.distance_to_model`; distances in $\mathbb{R}^9$ between unit vectors, 0 to 2).

# %%
chapter.distance_figure()

# %% tags=["remove-input"]
chapter.caption("distances")

# %% tags=["remove-input"]
chapter.reading("distances")

# %% [markdown]
# ## Mapper graph of the primary circle
#
# `Mapper(resolution, gain)` on the primary-circle cloud; node colour is the cluster size
# (blue small, red large), and each node shows the mean filter of its points. The graph should
# have one loop, with the edge filters rotating once around it.

# %%
chapter.mapper_figure()

# %% tags=["remove-input"]
chapter.caption("mapper")

# %% tags=["remove-input"]
chapter.reading("mapper")

# %% [markdown]
# ## Barcodes
#
# Vietoris–Rips persistence (`toponet.homology.persistence`) of $\rho(k, p)$ of the
# primary-circle cloud and of the gaussian null, $H_0$ and $H_1$. A circle shows one $H_1$ bar
# much longer than the others; the null shows none.

# %%
chapter.barcodes_figure()

# %% tags=["remove-input"]
chapter.caption("barcodes")

# %% tags=["remove-input"]
chapter.reading("barcodes")

# %% [markdown]
# The top $H_1$ lifetime of the circle against the null is the statistic the MNIST chapter
# compares across seeds:

# %%
print({name: round(v, 3) for name, v in chapter.top_h1.items()})
assert chapter.top_h1["primary circle"] > 2 * chapter.top_h1["gaussian"], "the pipeline failed on the known answer"

# %% [markdown]
# ## Opening the box: the same pipeline on trained MNIST filters
#
# The later chapters call helpers (`mnist.circle_evidence`, `paper_claims.circle_claim`, ...) that run
# these steps and the null models around them. Here they are once, as the plain calls a reader
# could type (`toponet.chapters.ideal_filters.plain_pipeline` and `plain_mapper`, listed below),
# on the first-layer filters of the MNIST networks committed in the artifact store
# (the `default` profile's networks of {doc}`01_mnist`; read from the store, whatever profile
# this chapter runs at, and never trained here).
#
# 1. **Filters to points**: every $3 \times 3$ kernel slice is a point of $\mathbb{R}^9$.
# 2. **Normalize**: subtract each filter's mean and scale it to length 1, so only its pattern
#    counts (`toponet.filters.normalize` also drops the rare constant filter).
# 3. **Density filtration** $\rho(k, p)$: keep the fraction $p$ of filters nearest their $k$-th
#    neighbour, the paper's $k = 200$, $p = 0.3$ (`toponet.density.density_filtration` gives the
#    same points, faster on large clouds).
# 4. **Persistence** with giotto-ph's `ripser_parallel` on a random sample of the core (an exact
#    Vietoris-Rips barcode of the whole core needs several GB; {doc}`../method` says how the
#    book's rule gets it exactly).
# 5. **Mapper** with giotto-tda's `make_mapper_pipeline`: PCA lens, cubical cover, clustering
#    (the book's `toponet.mapper.Mapper` runs this pipeline with its own clustering rule).

# %%
chapter.plain_calls()

# %%
chapter.mnist_barcode_figure()

# %% tags=["remove-input"]
chapter.caption("mnist barcode")

# %% tags=["remove-input"]
chapter.reading("mnist barcode")

# %%
chapter.mnist_mapper_figure()

# %% tags=["remove-input"]
chapter.caption("mnist mapper")

# %% tags=["remove-input"]
chapter.reading("mnist mapper")

# %% [markdown]
# ## Exercises
#
# ```{admonition} Exercise 1: the fraction p
# Compute the top $H_1$ lifetime of $\rho(k, p)$ of the primary-circle cloud for
# $p = 0.1, 0.2, 0.5, 1.0$ (`density_filtration`, `persistence`, `.top_lifetime(1)`). Why is the
# bar shorter at small $p$?
# ```

# %% tags=["hide-cell"]
import numpy as np
from toponet.density import density_filtration
from toponet.homology import persistence
from toponet.ideal import klein_bottle_sample, primary_circle_sample

for pp in (0.1, 0.2, 0.5, 1.0):
    core = density_filtration(chapter.clouds["primary circle"], k, pp)
    print(f"p = {pp}: {core.shape[0]} points, top H1 lifetime {persistence(core, seed=seed).top_lifetime(1):.3f}")

# %% [markdown]
# ```{dropdown} Solution 1
# A bar is born when the points close the loop and dies when the hole fills in. The densest
# points are not spread evenly around the circle: at small $p$ few points remain, with gaps
# along the circle, so the loop closes only at a larger scale (a later birth) and the bar is
# shorter, and at very small $p$ the circle breaks into pieces. Between, $p$ barely matters:
# the death is set by the circle's radius.
# ```
#
# ```{admonition} Exercise 2: the Klein bottle over Z/2 and Z/3
# Sample 600 noiseless Klein-bottle filters (`klein_bottle_sample(600, seed=1)`) and compute
# their $H_1$ with coefficients in $\mathbb{Z}/2$ and in $\mathbb{Z}/3$
# (`persistence(X, coeff=2)` and `coeff=3`). How many long bars does each give, and why?
# ```

# %% tags=["hide-cell"]
K = klein_bottle_sample(600, seed=1)
for c in (2, 3):
    bars = persistence(K, coeff=c, n_landmarks=None).lifetimes(1)
    print(f"Z/{c}: three longest H1 bars", np.round(np.sort(bars)[::-1][:3], 3))

# %% [markdown]
# ```{dropdown} Solution 2
# $H_1$ of the Klein bottle is $\mathbb{Z} \oplus \mathbb{Z}/2$: over $\mathbb{Z}/2$ the torsion
# part counts as a second class (two long bars), over $\mathbb{Z}/3$ it vanishes (one long
# bar). A torus would give two bars with both. The coefficients are how persistent homology
# tells a Klein bottle from a torus.
# ```
#
# ```{admonition} Exercise 3: how much noise?
# Redo the barcode of the primary circle with `primary_circle_sample(n, noise=s, seed=seed)`
# for $s = 0.1, 0.3, 0.5, 1.0$. At what noise does the top $H_1$ bar stop standing far above the
# gaussian null's?
# ```

# %% tags=["hide-cell"]
for s in (0.1, 0.3, 0.5, 1.0):
    core = density_filtration(primary_circle_sample(networks * 64, noise=s, seed=seed), k, p)
    print(f"noise {s}: top H1 {persistence(core, seed=seed).top_lifetime(1):.3f} "
          f"(gaussian null: {chapter.top_h1['gaussian']:.3f})")

# %% [markdown]
# ```{dropdown} Solution 3
# Noise of standard deviation $s$ per entry moves a 9-dimensional unit filter by about
# $3s$; once that is comparable with the circle's radius in the normalized space (about 1),
# the points fill the disc and the bar shrinks toward the null's. Compare the numbers above
# with the null's lifetime printed in the same line.
# ```
