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
import numpy as np
import plotly.graph_objects as go
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
plots.distance_histogram({name: d.distances for name, d in distances.items()}, threshold=0.3,
                         xlabel="distance to the primary circle")

# %% tags=["remove-input"]
tb.caption("Distance of each filter to the nearest primary-circle filter (left: density, right: "
           "cumulative fraction); dashed: the 0.3 threshold.",
           cloud=rf"3 \times {n}" + r"\text{ ideal and gaussian filters}", profile=profile)

# %% tags=["remove-input"]
tb.what_to_see("one distribution per cloud; the further left, the nearer its filters lie to the primary circle. The "
               "noisy circle's filters are the circle plus known noise, so they should sit near the noise level; the "
               "Klein bottle holds the primary circle as one of its circles, so many of its filters lie farther; "
               "gaussian filters have no reason to be near. Within the 0.3 threshold: {shares}.",
               shares=", ".join(f"{name} {100 * float((d.distances <= 0.3).mean()):.1f} %"
                                for name, d in distances.items()))

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

# %% tags=["remove-input"]
tb.caption(f"Mapper({resolution}, {gain:g}) graph of the primary-circle filters; node colour = cluster size, each "
           "node's mean filter drawn inside it.", cloud=CLOUD["primary circle"], profile=profile)

# %% tags=["remove-input"]
tb.what_to_see("one ring of nodes, the edge drawn inside them turning once through every angle as you go around it. "
               "The graph has {nodes} nodes and first Betti number {b1}, the number of independent loops of its nerve "
               "(the primary circle has 1; small extra loops are triangles of the overlapping cover).",
               nodes=mapper.n_nodes_, b1=mapper.betti1_)

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

# %% tags=["remove-input"]
tb.caption("Barcodes, 40 longest bars per dimension (top: primary circle; bottom: gaussian null); "
           + diagrams["primary circle"].method + ".",
           cloud=rf"\rho({k}, {p:g}, " + CLOUD["primary circle"] + r"),\ " + rf"\rho({k}, {p:g}, " + CLOUD["gaussian"] + ")",
           profile=profile)

# %% tags=["remove-input"]
tb.what_to_see("a circle shows one $H_1$ bar far longer than every other; a structureless cloud shows only short "
               "ones. The longest $H_1$ bar is {circle:.2f} for the primary circle and {null:.2f} for the gaussian "
               "null, {ratio:.1f} times as long; the MNIST chapter asks the same of trained filters, against 99 null "
               "clouds instead of one.", circle=top_h1["primary circle"], null=top_h1["gaussian"],
               ratio=top_h1["primary circle"] / max(top_h1["gaussian"], 1e-12))

# %% [markdown]
# The top $H_1$ lifetime of the circle against the null is the statistic the MNIST chapter
# compares across seeds:

# %%
print({name: round(v, 3) for name, v in top_h1.items()})
assert top_h1["primary circle"] > 2 * top_h1["gaussian"], "the pipeline failed on the known answer"

# %% [markdown]
# ## Opening the box: the same pipeline on trained MNIST filters
#
# The later chapters call helpers (`mnist.circle_evidence`, `paper_claims.circle_claim`, ...) that run
# these steps and the null models around them. Here they are once, as the plain calls a reader
# could type, on the first-layer filters of the MNIST networks committed in the artifact store
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
from gph import ripser_parallel
from gtda.mapper import CubicalCover, make_mapper_pipeline, plot_static_mapper_graph
from sklearn.cluster import DBSCAN
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from toponet.experiments import experiment
from toponet.ideal import primary_circle
from toponet.store import Store

art = Store().get(experiment("mnist").plan("default").config)   # the committed networks, or None
assert art is not None, "no MNIST networks in the artifact store: run `toponet train mnist --profile default`"
W = art.conv_weights("conv1")                       # (networks, 64 filters, 1 input channel, 3, 3)
X = W.reshape(-1, 9)                                # 1. one point of R^9 per spatial filter
X = X - X.mean(axis=1, keepdims=True)               # 2. mean-centre each filter ...
X = X / np.linalg.norm(X, axis=1, keepdims=True)    #    ... and scale it to length 1
k_paper, p_paper = 200, 0.3                         # 3. rho(200, 0.3), the paper's Fig. 2
dist_k = NearestNeighbors(n_neighbors=k_paper + 1, algorithm="brute").fit(X).kneighbors(X)[0][:, k_paper]  # +1: a point is its own 0th
core = X[np.sort(np.argsort(dist_k, kind="stable")[:round(p_paper * len(X))])]
sample = core[np.random.default_rng(seed).choice(len(core), min(600, len(core)), replace=False)]
ph = ripser_parallel(sample, maxdim=1, n_threads=2)  # 4. {"dgms": [H0 bars, H1 bars], ...}
h1 = np.sort(ph["dgms"][1][:, 1] - ph["dgms"][1][:, 0])[::-1]
print(f"{len(X):,} filters of {art.networks} networks -> rho({k_paper}, {p_paper:g}) keeps {len(core):,}; "
      f"H1 of {len(sample)} of them: longest bars {[round(float(b), 2) for b in h1[:3]]}")

# %%
plots.barcode_plot(ph, title=f"giotto-ph: {len(sample)} points of the MNIST core", max_bars=30)

# %% tags=["remove-input"]
cloud_mnist = tb.cloud_label(networks=art.networks, layer=1, iterations=art.iterations[-1],
                             widths=art.config["widths"], k=k_paper, p=p_paper)
tb.caption(f"Barcode of a random sample of {len(sample)} points of the dense core, computed by giotto-ph's "
           "`ripser_parallel` (30 longest bars per dimension).", cloud=cloud_mnist, profile="default",
           accuracy=np.asarray(art.test_accuracy(), float).tolist())

# %% tags=["remove-input"]
tb.what_to_see("what the ideal circle's barcode above shows: whether one $H_1$ bar stands far above the rest. Here "
               "the longest is {top:.2f}, {ratio:.1f} times the next ({second:.2f}), from four library calls on the "
               "trained filters. Whether a bar this long could come from filters without structure is what "
               "{{doc}}`01_mnist` asks of its null models.", top=h1[0], second=h1[1], ratio=h1[0] / max(h1[1], 1e-12))

# %%
angle = np.degrees(np.arctan2(core @ primary_circle(np.pi / 2), core @ primary_circle(0.0))) % 360  # edge direction
cover = CubicalCover(n_intervals=10, overlap_frac=0.5)   # coarse: a quick picture
pipe = make_mapper_pipeline(filter_func=PCA(n_components=2), cover=cover, clusterer=DBSCAN(eps=0.3, min_samples=5))  # 5.
graph = pipe.fit_transform(core)                    # an igraph.Graph: one node per cluster
node_angle = [np.degrees(np.angle(np.exp(1j * np.radians(angle[e])).mean())) % 360 for e in graph.vs["node_elements"]]
go.Figure(plot_static_mapper_graph(pipe, core, node_color_statistic=np.array(node_angle), plotly_params={
    "node_trace": {"marker": {"colorscale": "Twilight", "colorbar": {"title": {"text": "edge angle (°)"}}}},
    "layout": {"width": 640, "height": 480, "title": f"giotto-tda Mapper: {graph.vcount()} nodes"}}))

# %% tags=["remove-input"]
tb.caption(f"giotto-tda's Mapper graph of the dense core: PCA lens, {cover.n_intervals} intervals per lens "
           f"overlapping by {cover.overlap_frac:g}, DBSCAN clusters; node colour = the mean angle of its filters' edge.",
           cloud=cloud_mnist, profile="default", accuracy=np.asarray(art.test_accuracy(), float).tolist())

# %% tags=["remove-input"]
tb.what_to_see("follow the colour. On the primary circle the edge angle runs once through every direction as you go "
               "around one ring (the scale is cyclic: 0° and 360° are the same edge). This graph has {nodes} nodes and "
               "{edges} edges in {parts} connected piece(s); its nodes' angles fill {sectors} of the twelve 30° "
               "sectors.", nodes=graph.vcount(), edges=graph.ecount(), parts=len(graph.connected_components()),
               sectors=len(set((np.array(node_angle) // 30).astype(int))))

# %% [markdown]
# ## Exercises
#
# ```{admonition} Exercise 1: the fraction p
# Compute the top $H_1$ lifetime of $\rho(k, p)$ of the primary-circle cloud for
# $p = 0.1, 0.2, 0.5, 1.0$ (`density_filtration`, `persistence`, `.top_lifetime(1)`). Why is the
# bar shorter at small $p$?
# ```

# %% tags=["hide-cell"]
for pp in (0.1, 0.2, 0.5, 1.0):
    core = density_filtration(clouds["primary circle"], k, pp)
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
    core = density_filtration(primary_circle_sample(n, noise=s, seed=seed), k, p)
    print(f"noise {s}: top H1 {persistence(core, seed=seed).top_lifetime(1):.3f} "
          f"(gaussian null: {top_h1['gaussian']:.3f})")

# %% [markdown]
# ```{dropdown} Solution 3
# Noise of standard deviation $s$ per entry moves a 9-dimensional unit filter by about
# $3s$; once that is comparable with the circle's radius in the normalized space (about 1),
# the points fill the disc and the bar shrinks toward the null's. Compare the numbers above
# with the null's lifetime printed in the same line.
# ```
