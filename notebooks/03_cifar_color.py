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
# # CIFAR-10 in colour: circles per channel, two circles without pooling, three circles
#
# The paper's Sec. V.B.2 (Figs. 6-9) trains $C(64, 32, 64)$ on colour CIFAR-10 and reports:
#
# - **F6** (Fig. 6): the first-layer filters of all three input channels together, at
#   $\rho(200, 0.14)$, form the **primary circle**, and so do those of each channel (R, G, B)
#   alone; test accuracy about 81.2% at 100K iterations;
# - **F7** (Fig. 7): $C(48, 0, 64)$ *without max-pooling* gives **two circles meeting in two points**:
#   three $H_1$ bars ($\rho(200, 0.32)$);
# - **F8** (Fig. 8): at $\rho(100, 0.35)$ the first layer follows the **three-circle model**
#   (primary circle plus the two secondary circles of the Klein bottle model of natural patches);
# - **F9** (Fig. 9): during training the first layer's circle appears at iteration 300, breaks at
#   500 and is back at 1,500; layer 2 shows it at 1,000.
#
# **Data.** As in the grayscale chapter: real CIFAR-10 when its files are present, otherwise the
# natural-image stand-in (10 classes = 10 photographs from the scikit-image and scikit-learn
# wheels, 32x32 crops from disjoint regions; `toponet.data.natural`), named in every caption and
# verdict.
#
# **Rebuild on real CIFAR-10 at the paper's scale** (needs a GPU):
#
# ```
# toponet fetch-data cifar10
# toponet train cifar-color --profile paper && toponet train cifar-color-C48-0-64-nopool --profile paper
# python -m toponet.book build --profile paper --chapter 03_cifar_color
# ```

# %% tags=["parameters"]
profile = "default"  # training scale: smoke | default | paper (toponet.experiments)
networks = 4  # networks C(64, 32, 64) pooled into each cloud
iterations = 1500  # batch iterations of training (the last evolution snapshot)
k = 200  # the paper's k for 11,520 first-layer filters (60 networks); rescaled below
p = 0.14  # density filtration of Fig. 6
resolution = 30  # Mapper(resolution, gain) of Figs. 6-8
gain = 3.0
seed = 0  # seed of every stochastic step of the analysis (training seeds are 0..networks-1)
device = "auto"  # torch device for any training this chapter has to do

# %%
import numpy as np

import toponet.book as tb
from toponet import cifar, plots, studies
from toponet.analysis import scaled_k
from toponet.filters import normalize
from toponet.density import density_filtration
from toponet.ideal import gaussian_filters
from toponet.verdicts import Verdict, record

tb.validate_parameters(globals())  # papermill parameters: unknown names, types, ranges
tb.setup_notebook()
name, data = cifar.pick_experiment("cifar-color")
name_np, _ = cifar.pick_experiment("cifar-color-C48-0-64-nopool")
art = studies.load_or_train(name, profile, networks=networks, iterations=iterations, device=device)
art_np = studies.load_or_train(name_np, profile, device=device)
acc, acc_np = studies.accuracy_summary(art), studies.accuracy_summary(art_np)
T, T_np = art.iterations[-1], art_np.iterations[-1]
print(f"data: {data}")
for a, s in ((art, acc), (art_np, acc_np)):
    print(f"{a.networks} x {a.arch}, {a.iterations[-1]} iterations: test accuracy "
          f"{100 * s['mean']:.1f} +- {100 * s['sd']:.1f} % (n = {s['n']})")
print("paper (CIFAR-10): C(64,32,64) 81.2 % at 100K; C(48,0,64) without max-pooling 71.8 % at 30K")

# %% [markdown]
# ## Figure 6: all channels together, and each channel alone
#
# A colour first layer has $64 \times 3$ spatial filters per network: one per output map and input
# channel. Pooled, they are the paper's 11,520 points for 60 networks; per channel, 3,840. Each
# cloud gets $\rho(200, 0.14)$ with $k$ rescaled to its size, Mapper$(30, 3)$ and the circle rule of
# the method page (matched nulls, the same networks before training, Mapper loop, distance).

# %%
clouds = cifar.channel_clouds(art.conv_weights("conv1"))
clouds0 = cifar.channel_clouds(art.conv_weights("conv1", 0))
F6 = {}
for ch, X in clouds.items():
    kc = scaled_k(k, X.shape[0], 11_520 if ch == "all" else 3_840)
    F6[ch] = (kc, *cifar.cloud_circle_verdict(X, clouds0[ch], k=kc, p=p, resolution=resolution, gain=gain,
                                               null_repeats=20, seed=seed))
    print(f"{ch}: {X.shape[0]} filters, k = {kc}, kept {F6[ch][1].n_kept}; circle rule: {F6[ch][2].verdict}")

# %%
plots.mapper_figure(F6["all"][1].mapper, title=f"All channels, Mapper({resolution}, {gain:g})")

# %%
r6 = F6["all"][1]
tb.caption(f"Layer 1, all three input channels pooled, on {data}: Mapper({resolution}, {gain:g}) of the dense core; "
           f"{r6.mapper.n_nodes_} nodes, {r6.mapper.n_large_loops_} large loop(s); top $H_1$ "
           f"{r6.persistence.top_lifetime(1):.3f} vs {r6.headline_null.kind} null {r6.headline_null.null_mean:.3f} "
           f"+- {r6.headline_null.null_sd:.3f}; circle rule: {F6['all'][2].verdict}.",
           cloud=cifar.cloud_label_of(art, 1, F6["all"][0], p), profile=profile, accuracy=list(acc["values"]),
           paper_accuracy=0.812, figure="6a")

# %%
studies.show_table([dict(channels=ch, filters=v[1].n_points, k=v[0], kept=v[1].n_kept,
                         top_h1=round(float(v[1].persistence.top_lifetime(1)), 3),
                         null=f"{v[1].headline_null.null_mean:.3f} +- {v[1].headline_null.null_sd:.3f}",
                         null_p=round(v[1].headline_null.p_value, 3), large_loops=int(v[1].mapper.n_large_loops_),
                         core_median_distance=round(float(np.median(v[1].distance_primary[v[1].kept_index])), 2),
                         circle=v[2].verdict) for ch, v in F6.items()])

# %%
plots.mapper_figure(F6["R"][1].mapper, title="Red channel only")

# %%
tb.caption(f"Layer 1, red-channel filters only, on {data}; {F6['R'][1].mapper.n_large_loops_} large loop(s), "
           f"circle rule {F6['R'][2].verdict} (green: {F6['G'][2].verdict}, blue: {F6['B'][2].verdict}; table above).",
           cloud=cifar.cloud_label_of(art, 1, F6["R"][0], p), profile=profile, accuracy=list(acc["values"]),
           paper_accuracy=0.812, figure="6b")

# %% [markdown]
# The second layer of a single network (the paper: $1 \times C^2_{50K}$, $\rho(10, 0.32)$).

# %%
best = int(np.argmax(acc["values"]))  # the most accurate network (the paper does not say which it used)
X2one = studies.layer_cloud(art.conv_weights("conv2")[best:best + 1])
res2, v2 = cifar.cloud_circle_verdict(X2one, studies.layer_cloud(art.conv_weights("conv2", 0)[best:best + 1]), k=10, p=0.32,
                                      resolution=resolution, gain=gain, null_repeats=20, seed=seed)
plots.mapper_figure(res2.mapper, title="One network's second layer")

# %%
tb.caption(f"Second layer of network {best} (the most accurate) on {data}: Mapper of $\\rho(10, 0.32)$, {res2.mapper.n_large_loops_} large "
           f"loop(s), circle rule {v2.verdict}.", cloud=cifar.cloud_label_of(art, 2, 10, 0.32, networks=1),
           profile=profile, accuracy=[float(acc["values"][best])], paper_accuracy=0.812, figure="6c")

# %% [markdown]
# ## Figure 7: no max-pooling, two circles
#
# $C(48, 0, 64)$ without max-pooling; $\rho(200, 0.32)$ with $k$ rescaled from the paper's
# 82 x 48 x 3 = 11,808 filters. Two circles meeting in two points have three independent loops, so
# the paper sees three long $H_1$ bars. We count the bars longer than the matched nulls' top bar
# plus three standard deviations (`toponet.cifar.significant_h1_bars`).

# %%
X7 = studies.layer_cloud(art_np.conv_weights("conv1"))
k7 = scaled_k(200, X7.shape[0], 11_808)
res7, v7 = cifar.cloud_circle_verdict(X7, studies.layer_cloud(art_np.conv_weights("conv1", 0)), k=k7, p=0.32,
                                      resolution=resolution, gain=gain, null_repeats=20, seed=seed)
bars7 = cifar.significant_h1_bars(res7.persistence.lifetimes(1), res7.nulls)
plots.barcode_plot(res7.persistence, title="Barcodes, C(48,0,64) without max-pooling")

# %%
tb.caption(f"Barcodes of the first layer of C(48,0,64) without max-pooling on {data} ({res7.persistence.method}). "
           f"Top $H_1$ lifetimes " + ", ".join(f"{v:.3f}" for v in bars7["lifetimes"])
           + f"; {bars7['n_bars']} above the null threshold {bars7['threshold']:.3f}.",
           cloud=cifar.cloud_label_of(art_np, 1, k7, 0.32), profile=profile, accuracy=list(acc_np["values"]),
           paper_accuracy=0.718, figure="7a")

# %%
plots.mapper_figure(res7.mapper, title="C(48,0,64) without max-pooling")

# %%
tb.caption(f"Mapper({resolution}, {gain:g}) of the same cloud: {res7.mapper.n_nodes_} nodes, "
           f"{res7.mapper.n_large_loops_} large loop(s).", cloud=cifar.cloud_label_of(art_np, 1, k7, 0.32),
           profile=profile, accuracy=list(acc_np["values"]), paper_accuracy=0.718, figure="7b")

# %% [markdown]
# ## Figure 8: the three-circle model
#
# The first layer at $\rho(100, 0.35)$ ($k$ rescaled from 11,520 filters). For every filter of the
# dense core, its distance to the three-circle model (primary circle and the two secondary circles,
# `toponet.ideal`) and to the primary circle alone; "near" = nearer than 95% of random (gaussian)
# filters. Filters near the three-circle model but not near the primary circle lie on the
# secondary circles.

# %%
k8 = scaled_k(100, clouds["all"].shape[0], 11_520)
core8 = density_filtration(normalize(clouds["all"])[0], k8, 0.35)
fit8 = cifar.model_fit(core8, seed=seed)
fit8_untrained = cifar.model_fit(density_filtration(normalize(clouds0["all"])[0], k8, 0.35), seed=seed)
plots.distance_histogram({"trained core": fit8["distances_three"], "untrained core": fit8_untrained["distances_three"],
                          "gaussian": cifar.model_fit(gaussian_filters(core8.shape[0], seed=seed), seed=seed)["distances_three"]},
                         threshold=fit8["threshold"], title="distance to the three-circle model")

# %%
tb.caption(f"Distance of the dense core ({core8.shape[0]} filters) to the three-circle model on {data}; dotted: "
           f"{fit8['threshold']:.2f}, the 5% quantile of gaussian filters. Near the model: trained "
           f"{100 * fit8['near_three']:.1f}%, untrained {100 * fit8_untrained['near_three']:.1f}%, gaussian "
           f"{100 * fit8['null_near_three']:.1f}%; on the secondary circles only: trained "
           f"{100 * fit8['near_secondary_only']:.1f}% vs gaussian {100 * fit8['null_near_secondary_only']:.1f}%. "
           f"Median distance: three circles {fit8['median_three']:.2f}, primary circle {fit8['median_primary']:.2f}.",
           cloud=cifar.cloud_label_of(art, 1, k8, 0.35), profile=profile, accuracy=list(acc["values"]),
           paper_accuracy=0.812, figure="8")

# %% [markdown]
# ## Figure 9: how the structure forms during training
#
# Layer 1 (all filters, Mapper$(33, 2)$) and layer 2 ($\rho(100, 0.3)$ with $k$ rescaled from
# 60 x 2,048 filters, Mapper$(60, 2)$) at each stored iteration; rows = layer, columns = iteration.

# %%
evo1 = cifar.evolution_mappers(art, layer="conv1", p=1.0, resolution=33, gain=2.0, seed=seed)
evo2 = cifar.evolution_mappers(art, layer="conv2", k_paper=100, p=0.3, n_points_paper=122_880, resolution=60,
                               gain=2.0, seed=seed)
plots.mapper_grid({"layer 1": [(r.iteration, r.mapper) for r in evo1],
                   "layer 2": [(r.iteration, r.mapper) for r in evo2]})

# %%
tb.caption(f"Mapper graphs of layer 1 (top; Mapper(33, 2), no filtration) and layer 2 (bottom; "
           f"$\\rho(k, 0.3)$ with k = {evo2[-1].k}, Mapper(60, 2)) over training iterations, on {data}. "
           "Large loops: layer 1 " + ", ".join(f"{r.iteration}: {r.loops}" for r in evo1)
           + "; layer 2 " + ", ".join(f"{r.iteration}: {r.loops}" for r in evo2) + ".",
           cloud=cifar.cloud_label_of(art, 1), profile=profile, accuracy=list(acc["values"]), figure="9")

# %%
curve1 = studies.evolution(art, layer="conv1", k_paper=k, p=p, n_points_paper=11_520, seed=seed)
plots.evolution_plot(curve1, keys=("h1_top", "frac_near_circle_core", "test_accuracy"),
                     labels={"h1_top": "layer 1: top $H_1$", "frac_near_circle_core": "layer 1: core near circle",
                             "test_accuracy": "test accuracy"})

# %%
tb.caption(f"Layer 1 ($\\rho(200, {p:g})$, k rescaled): top $H_1$ lifetime, share of the dense core within 0.3 "
           f"of the primary circle, and test accuracy (mean and sd over networks) against iterations, on {data}.",
           cloud=cifar.cloud_label_of(art, 1), profile=profile, accuracy=list(acc["values"]))

# %% [markdown]
# ## Verdicts
#
# Each claim is split into checks (pass, fail, or not testable at this scale); **reproduced** when
# every testable check passes, **partly** when some do, **not reproduced** when none does
# (`toponet.cifar.verdict_from`).

# %%
scale = f"{art.networks} x {T} iterations ({profile})"
checks6 = {f"{ch}: circle rule reproduced (got {v[2].verdict})": v[2].verdict == "reproduced" for ch, v in F6.items()}
verdict6, reasons6 = cifar.verdict_from(checks6)
record(Verdict("F6", "CIFAR colour layer 1: primary circle, all channels and each of R, G, B",
               "Fig. 6: primary circle in 60 x 100K (11,520 pts, rho(200,0.14)) and per channel; acc 81.2%",
               "; ".join(f"{ch}: top H1 {v[1].persistence.top_lifetime(1):.2f} (null {v[1].headline_null.null_mean:.2f}), "
                         f"{v[1].mapper.n_large_loops_} loop(s), {v[2].verdict}" for ch, v in F6.items())
               + f"; acc {100 * acc['mean']:.1f} +- {100 * acc['sd']:.1f}%", scale, data, verdict6, "CIFAR-10 colour"))
checks7 = {f"three H1 bars above the nulls (found {bars7['n_bars']})": bars7["n_bars"] == 3,
           f"Mapper has two or more large loops (found {res7.mapper.n_large_loops_})": res7.mapper.n_large_loops_ >= 2}
verdict7, reasons7 = cifar.verdict_from(checks7)
record(Verdict("F7", "C(48,0,64) without max-pooling: two circles meeting in two points (3 H1 bars)",
               "Fig. 7: 3 long H1 bars (82 x 30K, rho(200,0.32)); acc 71.8%",
               f"{bars7['n_bars']} H1 bar(s) above null threshold {bars7['threshold']:.2f} (top "
               + ", ".join(f"{v:.2f}" for v in bars7["lifetimes"][:4]) + f"); {res7.mapper.n_large_loops_} Mapper loop(s); "
               f"acc {100 * acc_np['mean']:.1f} +- {100 * acc_np['sd']:.1f}%",
               f"{art_np.networks} x {T_np} ({profile}), k = {k7}", data, verdict7, "CIFAR-10 colour"))
checks8 = {"dense core nearer the three-circle model than random filters (median below the null 5% quantile)":
           fit8["median_three"] < fit8["threshold"],
           "more of the core on the secondary circles than random filters (x2)":
           fit8["near_secondary_only"] > 2 * fit8["null_near_secondary_only"]}
verdict8, reasons8 = cifar.verdict_from(checks8)
record(Verdict("F8", "CIFAR colour layer 1 follows the three-circle (Klein bottle) model",
               "Fig. 8: primary + two secondary circles at rho(100,0.35) (60 or 100 x 100K)",
               f"core median distance to 3 circles {fit8['median_three']:.2f} (null 5% quantile {fit8['threshold']:.2f}); "
               f"near model {100 * fit8['near_three']:.0f}% vs gaussian {100 * fit8['null_near_three']:.0f}%; "
               f"secondary only {100 * fit8['near_secondary_only']:.1f}% vs {100 * fit8['null_near_secondary_only']:.1f}%",
               f"{scale}, k = {k8}", data, verdict8, "CIFAR-10 colour"))
checks9 = {"layer 1 shows the circle at 300": cifar.circle_at(evo1, 300),
           "layer 1 circle (present at 300) broken at 500": cifar.broken_after(evo1, 300, 500),
           "layer 1 circle (broken at 500) back at 1500": (None if not cifar.broken_after(evo1, 300, 500) else cifar.circle_at(evo1, 1500)),
           "layer 2 shows the circle at 1000": cifar.circle_at(evo2, 1000)}
verdict9, reasons9 = cifar.verdict_from(checks9)
record(Verdict("F9", "CIFAR colour training: circle at 300, broken at 500, back at 1500; layer 2 at 1000",
               "Fig. 9 (60 networks, iterations 100-1500)",
               "layer-1 loops " + ", ".join(f"{r.iteration}:{r.loops}" for r in evo1) + "; layer-2 loops "
               + ", ".join(f"{r.iteration}:{r.loops}" for r in evo2),
               f"{art.networks} nets, iterations {evo1[0].iteration}-{evo1[-1].iteration} ({profile})", data,
               verdict9, "CIFAR-10 colour"))
for cid, v, rs in (("F6", verdict6, reasons6), ("F7", verdict7, reasons7), ("F8", verdict8, reasons8),
                   ("F9", verdict9, reasons9)):
    print(cid, v, *rs, sep="\n  ")

# %% [markdown]
# ## What we found
#
# Computed from this build's results (`toponet.cifar.color_findings`): the numbers and the sentences
# they pick change with the profile and the data.

# %%
cifar.color_findings(
    profile=profile, data=data, real=data == cifar.REAL_DATA,
    runs=[("C(64,32,64)", art.networks, T, acc), ("C(48,0,64)", art_np.networks, T_np, acc_np)],
    channels={ch: cifar.cloud_summary(v[1], v[2]) for ch, v in F6.items()}, n_bars_nopool=bars7["n_bars"],
    fit=fit8, fit_untrained=fit8_untrained, evolution1=evo1, near_threshold=studies.null_distance_threshold())
