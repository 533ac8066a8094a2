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
# # Your network: the circle test on every 3x3 layer
#
# The paper asks whether the $3 \times 3$ filters of a trained network lie on the primary circle of
# natural image patches. This chapter asks it of *your* network: point it at a saved state dict
# and it answers layer by layer, with the same test the book applies to the paper's claims. For
# each layer, its spatial filters are normalized (constant ones dropped), a seeded sample is drawn
# when the layer is large, the density filtration $\rho(k, p)$ keeps the densest filters, and the
# two longest $H_1$ bars of that dense core are set against null clouds of the same size: gaussian
# filters, coordinate-shuffled filters and filters with the same second moment of directions. The
# calibrated rule then says **yes** (the top bar beats the gaussian and the shuffled nulls), **no**
# (it does not, and at this size the rule finds a noisy model circle often enough for the absence
# to count), or **inconclusive** (it does not, but the rule's power at this size is too low or
# unknown). {doc}`../method` gives every choice; {doc}`calibration` says what the rule can see at
# each cloud size. Nothing here is a claim of the paper: this chapter records no verdict.

# %% [markdown]
# ```{admonition} What you will learn, what you need, how long
# :class: tip
# * **Learn**: how to put your own network's filters to the book's test, and how to read its
#   answer layer by layer: where it has power, where it does not, and why.
# * **Need**: {doc}`01_mnist` (the test on one cloud) and a state dict of your network saved with
#   `torch.save(model.state_dict(), "model.pt")` (or a `.safetensors` file). Without one, the
#   chapter analyses EfficientNet-Lite0's ImageNet weights, as {doc}`04_deep_networks` does.
# * **How long**: <!-- chapter-time -->measured by the book build (see the {doc}`../teaching`)<!-- /chapter-time -->;
#   your own network takes seconds to minutes per layer, and the exercises about 15 minutes.
# ```
#
# Run it on your file (from the repository root; see {doc}`../rerun`):
#
# ```bash
# make chapter NAME=09_your_network PARAMS="-p weights /path/to/model.pt"
# make chapter NAME=09_your_network PARAMS="-p weights model.pt -p layers conv1,conv2" CHAPTER_ARGS=--html
# ```
#
# The first line tests every $3 \times 3$ layer, the second two named ones and also writes a page
# that renders offline. `toponet analyze model.pt --list-layers` prints the names.

# %% tags=["parameters"]
profile = "default"  # scale: default tests each layer on up to 2,048 filters; smoke on 128 (seconds per layer)
networks = 1  # unused: one network, trained elsewhere
iterations = 1  # unused: nothing is trained in this chapter
k = 200  # the paper's k for 6,400 filters, rescaled per layer to n/32; another k has no shipped calibration: inconclusive
p = 0.3  # fraction rho(k, p) keeps; 0.3 is what the shipped calibrations hold (another p: inconclusive)
resolution = 30  # Mapper(resolution, gain) of the close-ups: pictures, the answers use persistence
gain = 3.0
seed = 0  # seed of the layer samples, the null clouds and the Mapper layout
device = "auto"  # unused: nothing is trained in this chapter
weights = ""  # your weights file (.pt, .pth, .safetensors state dict or .npy filters); empty: EfficientNet-Lite0 (ImageNet)
layers = "all"  # "all" 3x3 layers, or names separated by commas (toponet analyze FILE --list-layers)
sample_size = 2048  # filters per layer (seeded sample); a calibrated size: 128, 256, 512, 1024, 2048, 3072, 4096, 6400
null_repeats = 99  # null clouds per kind and layer; 99 is what the shipped calibrations use (p floors at 0.01)

# %%
from IPython.display import Markdown

import toponet.book as tb
from toponet.chapters import your_network as yours

tb.validate_parameters(globals(), chapter="09_your_network")  # papermill parameters: names, types, ranges
yours.validate(globals())          # the chapter's own: the weights file exists and holds these layers
tb.setup_notebook()
run = yours.analyze(weights=weights, layers=layers, sample_size=sample_size, null_repeats=null_repeats, k=k, p=p,
                    resolution=resolution, gain=gain, seed=seed)

# %% tags=["remove-input"]
Markdown(yours.weights_markdown(run))

# %% [markdown]
# ## The answer, layer by layer

# %%
tb.show_table(yours.table_rows(run))

# %% [markdown]
# One row per layer, the same table `toponet analyze MODEL --layers all --html report.html` puts
# first. The answer (`circle`) comes right after the layer's name; `filters used` are the filters
# tested of those in the layer (constant ones are dropped, a larger layer is sampled),
# $\rho(k, p)$ and `core` the density filtration and the points it keeps, `top H1` the longest
# $H_1$ bar of that core, then the p-value against each null kind; `beyond 2nd order` is asked of
# a circle only: *yes* when its top bar also beats the directions null, else *inconclusive* (this
# second question has no calibrated power yet), *no circle* when there is none to ask about; then
# the rule's `power` and `false positives` at the layer's size, and `kernel`, the weight's shape
# (output maps x input maps per group x 3 x 3; a depthwise layer has one input map per kernel).
#
# Why each answer, and where its power comes from:

# %%
tb.show_table(yours.answer_rows(run))

# %% [markdown]
# The `calibration` column is the row's own account of its power and false-positive rate. The
# calibrations ship for clouds of a few sizes (the grid of {doc}`calibration`); a layer tested at
# exactly such a size reads its own ("calibrated at this size"), one between two sizes borrows
# conservatively ("borrowed from the grid": the power of the next smaller size, the worse of the two
# false-positive rates), and a layer **smaller than the grid's smallest size**, or tested with
# another $k$ or $p$, has none: its power is unknown, so a missing circle there is *inconclusive*
# whatever its p-values. A small first layer (EfficientNet-Lite0's stem) is such a case.
# `toponet analyze MODEL --layer NAME --calibrate` calibrates the rule at that layer's size (minutes
# to an hour), after which this chapter reads it.

# %% [markdown]
# ## The top bar by depth

# %%
yours.depth_figure(run)

# %% tags=["remove-input"]
yours.network_caption("depth", run, profile=profile)

# %% tags=["remove-input"]
yours.depth_reading(run)

# %% [markdown]
# ## Two layers up close
#
# ### The layer whose top bar stands furthest above its nulls

# %% tags=["remove-input"]
Markdown(yours.close_up_markdown(run, "strongest"))

# %%
yours.barcode_figure(run, "strongest")

# %% tags=["remove-input"]
yours.network_caption("barcode", run, yours.close_up(run, "strongest"), profile=profile)

# %% tags=["remove-input"]
yours.layer_barcode_reading(run, "strongest")

# %%
yours.mapper_figure(run, "strongest")

# %% tags=["remove-input"]
yours.network_caption("mapper", run, yours.close_up(run, "strongest"), profile=profile)

# %% tags=["remove-input"]
yours.layer_mapper_reading(run, "strongest")

# %% [markdown]
# ### A layer without a circle

# %% tags=["remove-input"]
Markdown(yours.close_up_markdown(run, "contrast"))

# %%
yours.barcode_figure(run, "contrast")

# %% tags=["remove-input"]
yours.network_caption("barcode", run, yours.close_up(run, "contrast"), profile=profile)

# %% tags=["remove-input"]
yours.layer_barcode_reading(run, "contrast")

# %%
yours.mapper_figure(run, "contrast")

# %% tags=["remove-input"]
yours.network_caption("mapper", run, yours.close_up(run, "contrast"), profile=profile)

# %% tags=["remove-input"]
yours.layer_mapper_reading(run, "contrast")

# %% [markdown]
# ## What the run says

# %% tags=["remove-input"]
Markdown(yours.findings_markdown(run))

# %% [markdown]
# ## Exercises
#
# ```{admonition} Exercise 1: another sample
# Rerun with `-p seed 1`. Which numbers change, and can an answer change? Which layers cannot
# change at all?
# ```
#
# ```{dropdown} Solution 1
# The seed draws each layer's sample, the null clouds and the Mapper layout. A layer with no more
# filters than `sample_size` is tested on all of them, so its top bar stays; its null clouds are
# new, so its p-values move by Monte-Carlo noise (with 99 draws, steps of 0.01). A sampled layer
# gets another sample, so its top bar moves too. An answer changes only where a p-value sits near
# 0.05; a layer far from it keeps its answer, which is what makes it worth reporting.
# ```
#
# ```{admonition} Exercise 2: a smaller sample
# Rerun with `-p sample_size 256`. How do the `power` column and the answers change, and why can a
# **no** become **inconclusive** while a **yes** stays?
# ```
#
# ```{dropdown} Solution 2
# Power grows with the cloud: on fewer filters the dense core is sparser, the circle's loop closes
# later and its bar is shorter next to the nulls', so the rule finds a noisy model circle less
# often (the Calibration page's curve). A *no* needs power of at least 80 %; below it, a missing
# circle is *inconclusive*. A *yes* needs only the p-values: a strong circle beats the nulls on a
# smaller sample too, and the rule is not used at a size where its false-positive rate is
# significantly above 5 % (the `false positives` column).
# ```
#
# ```{admonition} Exercise 3: your own network
# Save a network you trained (`torch.save(model.state_dict(), "mine.pt")`), list its layers with
# `toponet analyze mine.pt --list-layers`, and run this chapter on it. Which layers show the circle?
# Then save the same architecture *untrained* (freshly initialized) and run it again: what does the
# comparison say about where the circle comes from?
# ```
#
# ````{dropdown} Solution 3
# ```bash
# .venv/bin/toponet analyze mine.pt --list-layers
# make chapter NAME=09_your_network PARAMS="-p weights $PWD/mine.pt"
# make chapter NAME=09_your_network PARAMS="-p weights $PWD/untrained.pt"
# ```
# A freshly initialized layer has i.i.d. weights: its filters are close to the gaussian null, so
# the rule should answer *no* wherever it has power (a *yes* there is a false positive, as rare as
# that row's false-positive rate). Layers that say *yes* after training but *no* before learned
# the circle from the data; the paper's finding is that the first layers of networks trained on
# natural images do.
# ````
