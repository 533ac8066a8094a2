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
# # CIFAR-10 in grayscale: clusters, a weak second-layer circle, and how they form
#
# The paper's Sec. V.B.1 (Figs. 3-5) trains $C(64, 32, 64)$ and $C(64, 0, 64)$ (Table II: conv,
# 3x3 max-pool stride 2, local response normalization; SGD with an $L^2$ weight penalty) on
# grayscale CIFAR-10 and reports:
#
# - **F3** (Fig. 3): the first-layer filters, $\rho(200, 0.5)$ and Mapper$(30, 3)$, fall into
#   **five clusters**, different for the two architectures, with **no significant primary circle**;
# - **F4** (Fig. 4): the second layer's barcodes at $\rho(15, 0.1)$ show a circle, and one network's
#   second layer at $\rho(75, 0.37)$ draws the primary circle in Mapper;
# - **F5** (Fig. 5): during training, the first layer's Mapper graph closes a circle at iteration
#   400, breaks at 500, and the circle reappears in the second layer at 2,000.
#
# **Data.** CIFAR-10 cannot be downloaded where this book is built. When its files are present
# (`toponet fetch-data cifar10`) this chapter trains on them; otherwise on a *stand-in* with
# natural-image statistics: 10 classes = 10 photographs shipped in the scikit-image and
# scikit-learn wheels, 32x32 crops from disjoint train and test regions
# (`toponet.data.natural`), fed exactly like CIFAR-10 (random 24x24 crop, flip, per-image
# standardization, gray $= 0.2989R + 0.5870G + 0.1140B$). Every caption and verdict names the
# data used. A stand-in result is evidence about natural images, not about CIFAR-10.
#
# **Rebuild on real CIFAR-10 at the paper's scale** (needs a GPU; the chapter then picks the real
# experiments by itself):
#
# ```
# toponet fetch-data cifar10
# toponet train cifar-gray --profile paper && toponet train cifar-gray-C64-0-64 --profile paper
# python -m toponet.book build --profile paper --chapter 02_cifar_gray
# ```

# %% tags=["parameters"]
profile = "default"  # training scale: smoke | default | paper (toponet.experiments)
networks = 4  # networks C(64, 32, 64) pooled into each cloud
iterations = 2000  # batch iterations of training (the last evolution snapshot)
k = 200  # the paper's k for layer 1 (6,400 points); rescaled to our cloud size below
p = 0.5  # density filtration of Fig. 3
resolution = 30  # Mapper(resolution, gain) of Fig. 3
gain = 3.0
seed = 0  # seed of every stochastic step of the analysis (training seeds are 0..networks-1)
device = "auto"  # torch device for any training this chapter has to do

# %%
import numpy as np

import toponet.book as tb
from toponet import cifar, plots, studies
from toponet.analysis import scaled_k
from toponet.verdicts import Verdict, record

tb.validate_parameters(globals())  # papermill parameters: unknown names, types, ranges
tb.setup_notebook()
name64, data = cifar.pick_experiment("cifar-gray")
name0, _ = cifar.pick_experiment("cifar-gray-C64-0-64")
art = studies.load_or_train(name64, profile, networks=networks, iterations=iterations, device=device)
art0 = studies.load_or_train(name0, profile, device=device)
acc, acc0 = studies.accuracy_summary(art), studies.accuracy_summary(art0)
T, T0 = art.iterations[-1], art0.iterations[-1]
print(f"data: {data}")
for a, s in ((art, acc), (art0, acc0)):
    print(f"{a.networks} x {a.arch}, {a.iterations[-1]} iterations: test accuracy "
          f"{100 * s['mean']:.1f} +- {100 * s['sd']:.1f} % (n = {s['n']})")
print("paper (70K iterations, CIFAR-10): C(64,32,64) 77.0 %, C(64,0,64) 69.2 %")

# %% [markdown]
# ## Figure 3: the first layer, two architectures
#
# All first-layer filters of each architecture, pooled; $\rho(k, 0.5)$ with the paper's $k = 200$
# rescaled from its cloud (100 x 64 = 6,400 filters for $C(64,32,64)$, 48 x 64 = 3,072 for
# $C(64,0,64)$); Mapper$(30, 3)$. A *cluster* is a connected component of the Mapper graph holding at
# least 2% of the points (`toponet.cifar.count_clusters`). The circle evidence (matched nulls,
# untrained networks, Mapper loop, distance to the circle) is the rule of the method page.

# %%
F3 = {}
for label, a, n_paper in (("C(64,32,64)", art, 6400), ("C(64,0,64)", art0, 3072)):
    ev = studies.circle_evidence(a, k_paper=k, p=p, n_points_paper=n_paper, resolution=resolution, gain=gain,
                                 null_repeats=20, seed=seed)
    F3[label] = dict(ev=ev, clusters=cifar.count_clusters(ev["result"].mapper), art=a)
    print(f"{label}: {ev['result'].n_points} filters, k = {ev['k']}, {ev['result'].n_kept} kept; "
          f"clusters {F3[label]['clusters']['n_clusters']} (sizes {F3[label]['clusters']['sizes']}); "
          f"circle: {ev['verdict'].verdict}")

# %%
plots.mapper_figure(F3["C(64,32,64)"]["ev"]["result"].mapper, title=f"C(64,32,64), Mapper({resolution}, {gain:g})")

# %%
r64, c64 = F3["C(64,32,64)"]["ev"]["result"], F3["C(64,32,64)"]["clusters"]
tb.caption(f"Layer 1 of C(64,32,64) on {data}: Mapper({resolution}, {gain:g}) of the dense core; node colour = "
           f"cluster size, mean filter drawn in each node. {c64['n_clusters']} cluster(s) of >= 2% of the points "
           f"({c64['n_components']} components), {r64.mapper.n_large_loops_} large loop(s).",
           cloud=cifar.cloud_label_of(art, 1, F3["C(64,32,64)"]["ev"]["k"], p), profile=profile,
           accuracy=list(acc["values"]), paper_accuracy=0.770, figure="3a")

# %%
plots.mapper_figure(F3["C(64,0,64)"]["ev"]["result"].mapper, title=f"C(64,0,64), Mapper({resolution}, {gain:g})")

# %%
r0, c0 = F3["C(64,0,64)"]["ev"]["result"], F3["C(64,0,64)"]["clusters"]
tb.caption(f"Layer 1 of C(64,0,64) on {data}: the same analysis. {c0['n_clusters']} cluster(s) "
           f"({c0['n_components']} components), {r0.mapper.n_large_loops_} large loop(s).",
           cloud=cifar.cloud_label_of(art0, 1, F3["C(64,0,64)"]["ev"]["k"], p), profile=profile,
           accuracy=list(acc0["values"]), paper_accuracy=0.692, figure="3b")

# %%
plots.mapper_static(r64.mapper, title="C(64,32,64): mean filter at every node")

# %% [markdown]
# What to see: how many separate groups of filters the graph has and what each group's mean
# filter looks like; the paper's five clusters are edge-like and blob-like filters that do not
# join into a ring. The table gives the circle evidence of both clouds.

# %%
studies.show_table([dict(arch=lab, filters=v["ev"]["result"].n_points, k=v["ev"]["k"], kept=v["ev"]["result"].n_kept,
                         clusters=v["clusters"]["n_clusters"], cluster_sizes=v["clusters"]["sizes"],
                         top_h1=round(float(v["ev"]["result"].persistence.top_lifetime(1)), 3),
                         null=f"{v['ev']['result'].headline_null.null_mean:.3f} +- {v['ev']['result'].headline_null.null_sd:.3f}",
                         null_p=round(v["ev"]["result"].headline_null.p_value, 3),
                         untrained_top_h1=round(v["ev"]["untrained_top_h1"], 3),
                         circle=v["ev"]["verdict"].verdict) for lab, v in F3.items()])

# %% [markdown]
# ## Figure 4: the second layer
#
# Left: barcodes of the pooled second-layer filters at $\rho(15, 0.1)$ ($k$ rescaled from the
# paper's 204,800 filters). Right: the second layer of a single network (our most accurate one) at $\rho(75, 0.37)$ and
# Mapper$(30, 3)$, as in the paper (one network has 2,048 second-layer filters, the paper's count,
# so $k = 75$ is used as is).

# %%
X2 = studies.layer_cloud(art.conv_weights("conv2"))
k2 = scaled_k(15, X2.shape[0], 204_800)
res2, v2 = cifar.cloud_circle_verdict(X2, studies.layer_cloud(art.conv_weights("conv2", 0)), k=k2, p=0.1,
                                      resolution=resolution, gain=gain, null_repeats=20, seed=seed)
plots.barcode_plot(res2.persistence, title="Barcodes, second layer, pooled")

# %%
h2 = res2.headline_null
tb.caption(f"Barcodes of the pooled second-layer filters on {data} ({res2.persistence.method}). Top $H_1$ "
           f"{res2.persistence.top_lifetime(1):.3f} vs {h2.kind} null {h2.null_mean:.3f} +- {h2.null_sd:.3f} "
           f"(effect size {h2.effect_size:.1f}, p = {h2.p_value:.3f}); circle rule: {v2.verdict}.",
           cloud=cifar.cloud_label_of(art, 2, k2, 0.1), profile=profile, accuracy=list(acc["values"]), paper_accuracy=0.770,
           figure="4a")

# %%
best = int(np.argmax(acc["values"]))  # the most accurate network (the paper does not say which it used)
X2one = studies.layer_cloud(art.conv_weights("conv2")[best:best + 1])
k_one = min(75, X2one.shape[0] - 1)
res2one, v2one = cifar.cloud_circle_verdict(X2one, studies.layer_cloud(art.conv_weights("conv2", 0)[best:best + 1]), k=k_one,
                                            p=0.37, resolution=resolution, gain=gain, null_repeats=20, seed=seed)
plots.mapper_figure(res2one.mapper, title=f"One network's second layer, Mapper({resolution}, {gain:g})")

# %%
tb.caption(f"Second layer of network {best} (the most accurate) on {data}: Mapper of $\\rho({k_one}, 0.37)$, "
           f"{res2one.mapper.n_nodes_} nodes, {res2one.mapper.n_large_loops_} large loop(s); dense core median "
           f"distance to the primary circle {np.median(res2one.distance_primary[res2one.kept_index]):.2f}; "
           f"circle rule: {v2one.verdict}.",
           cloud=cifar.cloud_label_of(art, 2, k_one, 0.37, networks=1), profile=profile, accuracy=[float(acc["values"][best])],
           paper_accuracy=0.770, figure="4b")

# %% [markdown]
# ## Figure 5: how the structure forms during training
#
# The paper's grid: Mapper graphs of layer 1 (all filters, no density filtration, Mapper$(30, 3)$)
# and of layer 2 ($\rho(15, 0.5)$, Mapper$(70, 2)$) at iterations 100, 200, ..., 2,000. Rows =
# layer, columns = iteration; under each graph its node count and large loops (a closed circle
# has one). Our run stops at the profile's last iteration; the paper's later columns need the
# `paper` profile.

# %%
evo1 = cifar.evolution_mappers(art, layer="conv1", p=1.0, resolution=30, gain=3.0, seed=seed)
evo2 = cifar.evolution_mappers(art, layer="conv2", k_paper=15, p=0.5, n_points_paper=204_800, resolution=70,
                               gain=2.0, seed=seed)
plots.mapper_grid({"layer 1": [(r.iteration, r.mapper) for r in evo1],
                   "layer 2": [(r.iteration, r.mapper) for r in evo2]})

# %%
tb.caption(f"Mapper graphs of layer 1 (top; Mapper(30, 3), no filtration) and layer 2 (bottom; "
           f"$\\rho(k, 0.5)$ with k = {evo2[-1].k}, Mapper(70, 2)) over training iterations, on {data}. "
           "Large loops per column: layer 1 " + ", ".join(f"{r.iteration}: {r.loops}" for r in evo1)
           + "; layer 2 " + ", ".join(f"{r.iteration}: {r.loops}" for r in evo2) + ".",
           cloud=cifar.cloud_label_of(art, 1), profile=profile, accuracy=list(acc["values"]), figure="5")

# %% [markdown]
# The same story in numbers: the top $H_1$ lifetime of each layer's dense core and the share of it
# within 0.3 of the primary circle, per snapshot (`toponet.studies.evolution`; layer 1 at
# $\rho(200, 0.5)$, layer 2 at $\rho(15, 0.5)$, both $k$ rescaled), with test accuracy.

# %%
curve1 = studies.evolution(art, layer="conv1", k_paper=k, p=p, n_points_paper=6400, seed=seed)
curve2 = studies.evolution(art, layer="conv2", k_paper=15, p=0.5, n_points_paper=204_800, seed=seed)
plots.evolution_plot(curve1, keys=("h1_top", "frac_near_circle_core", "test_accuracy"),
                     labels={"h1_top": "layer 1: top $H_1$", "frac_near_circle_core": "layer 1: core near circle",
                             "test_accuracy": "test accuracy"})

# %%
plots.evolution_plot(curve2, keys=("h1_top", "frac_near_circle_core"),
                     labels={"h1_top": "layer 2: top $H_1$", "frac_near_circle_core": "layer 2: core near circle"})

# %%
tb.caption(f"Top $H_1$ lifetime and share of the dense core within 0.3 of the primary circle, layer 1 "
           f"(first panel row) and layer 2 (second), and test accuracy (mean and sd over networks; before the "
           f"last snapshot on a fixed 2,000-image test subset), against training iterations, on {data}.",
           cloud=cifar.cloud_label_of(art, 1), profile=profile, accuracy=list(acc["values"]))

# %% [markdown]
# ## Verdicts
#
# Each claim is split into checks, each pass or fail (or not testable at this scale, e.g. an
# iteration the run did not reach); **reproduced** when every testable check passes, **partly**
# when some do, **not reproduced** when none does (`toponet.cifar.verdict_from`).

# %%
checks3 = {f"{lab}: {5 - 1}-{5 + 1} clusters (found {v['clusters']['n_clusters']})":
           abs(v["clusters"]["n_clusters"] - 5) <= 1 for lab, v in F3.items()}
checks3.update({f"{lab}: no significant circle (rule: {v['ev']['verdict'].verdict})":
                v["ev"]["verdict"].verdict != "reproduced" for lab, v in F3.items()})
verdict3, reasons3 = cifar.verdict_from(checks3)
record(Verdict("F3", "CIFAR gray layer 1: five clusters, no significant primary circle",
               "Fig. 3: 5 clusters for C(64,32,64) and C(64,0,64), no circle; acc 77.0% / 69.2% (70K)",
               "; ".join(f"{lab}: {v['clusters']['n_clusters']} clusters, circle {v['ev']['verdict'].verdict}"
                         for lab, v in F3.items()) + f"; acc {100 * acc['mean']:.1f}% / {100 * acc0['mean']:.1f}%",
               f"{art.networks} x {T} and {art0.networks} x {T0} iterations ({profile})", data, verdict3,
               "CIFAR-10 gray"))
checks4 = {"pooled layer 2: top H1 beats the matched nulls (p < 0.05, effect > 3)":
           all(c.p_value < 0.05 and c.effect_size > 3 for c in res2.nulls.values()),
           "one network's layer 2: Mapper has a large loop": res2one.mapper.n_large_loops_ >= 1,
           f"one network's layer 2: circle rule (got {v2one.verdict})": v2one.verdict != "not reproduced"}
verdict4, reasons4 = cifar.verdict_from(checks4)
record(Verdict("F4", "CIFAR gray layer 2: a circle in the barcodes, the primary circle in one network",
               "Fig. 4: circle in barcodes of rho(15,0.1) (100 x 50K); primary circle in 1 x 60K at rho(75,0.37)",
               f"pooled top H1 {res2.persistence.top_lifetime(1):.2f} vs null {h2.null_mean:.2f} +- {h2.null_sd:.2f} "
               f"(p = {h2.p_value:.2g}); one network: {res2one.mapper.n_large_loops_} Mapper loop(s), rule {v2one.verdict}",
               f"{art.networks} x {T} ({profile}), k = {k2}", data, verdict4, "CIFAR-10 gray"))
last2 = evo2[-1].iteration
checks5 = {"layer 1 shows the circle at 400": cifar.circle_at(evo1, 400),
           "layer 1 circle (present at 400) broken at 500": cifar.broken_after(evo1, 400, 500),
           "layer 2 shows the circle at 2000": cifar.circle_at(evo2, 2000)}
verdict5, reasons5 = cifar.verdict_from(checks5)
record(Verdict("F5", "CIFAR gray training: circle at 400, broken at 500, back in layer 2 at 2000",
               "Fig. 5 (100 networks, iterations 100-2000)",
               "layer-1 loops " + ", ".join(f"{r.iteration}:{r.loops}" for r in evo1) + "; layer-2 loops "
               + ", ".join(f"{r.iteration}:{r.loops}" for r in evo2),
               f"{art.networks} nets, iterations {evo1[0].iteration}-{evo1[-1].iteration} ({profile})", data,
               verdict5, "CIFAR-10 gray"))
for cid, v, rs in (("F3", verdict3, reasons3), ("F4", verdict4, reasons4), ("F5", verdict5, reasons5)):
    print(cid, v, *rs, sep="\n  ")

# %% [markdown]
# ## What we found
#
# Computed from this build's results (`toponet.cifar.gray_findings`): the numbers and the sentences
# they pick change with the profile and the data.

# %%
cifar.gray_findings(
    profile=profile, data=data, real=data == cifar.REAL_DATA,
    runs=[("C(64,32,64)", art.networks, T, acc), ("C(64,0,64)", art0.networks, T0, acc0)],
    clusters={lab: v["clusters"]["n_clusters"] for lab, v in F3.items()},
    circles={lab: v["ev"]["verdict"].verdict for lab, v in F3.items()},
    pooled2=cifar.cloud_summary(res2, v2), one2=cifar.cloud_summary(res2one, v2one),
    one2_accuracy=float(acc["values"][best]), evolution1=evo1, near_threshold=studies.null_distance_threshold())
