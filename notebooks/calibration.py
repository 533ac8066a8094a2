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
# # Calibration: what the circle rule can see at each cloud size
#
# Every circle verdict in this book comes from one rule (`toponet.circle_decision`, see the method page):
# the top $H_1$ bar of the dense core $\rho(k, p)$ must beat 99 gaussian and 99 coordinate-shuffled
# null clouds of the same size. Whether "no circle" means *not reproduced* or merely
# *inconclusive* depends on what the rule could have seen at that size, so we measure it
# (`toponet.calibration`), at the exact size, $k$, $p$ and number of draws of each use:
#
# * **false-positive rate**: how often the rule finds a circle in 40 fresh gaussian and 40 fresh
#   shuffled clouds (a permutation test at level 5 % should stay near or below 2 of 40);
# * **power**: how often it finds the circle in 40 clouds of a noisy ideal model, half
#   primary-circle filters with noise 0.25 per entry (median distance 0.51 to the ideal circle,
#   like the dense core of trained MNIST filters) and half gaussian filters.
#
# Below 80 % power a negative result is reported as **inconclusive**. This page is executed last
# in a build: it shows every calibration the chapters used (cached in `results/calibration/`), and
# the rule at the sizes of the paper's MNIST cloud, $k$ rescaled from $\rho(200, 0.3)$ on 6,400
# filters.

# %% tags=["parameters"]
profile = "default"  # build profile: the size curve reaches the cloud its MNIST chapter tests
networks = 16  # CPU budget: a size not calibrated yet is calibrated here up to networks x 64 filters (minutes each)
iterations = 2000  # unused: nothing is trained on this page
k = 200  # the paper's k for 6,400 filters, rescaled to each size; another k calibrates every size anew
p = 0.3  # density filtration: fraction kept; another p calibrates every size anew
resolution = 30  # unused: no Mapper on this page
gain = 3.0  # unused
seed = 0  # unused: calibrations use their own fixed seeds (cached)
device = "auto"  # unused

# %% tags=["remove-cell"]
import toponet.book as tb
from toponet import calibration, plots

tb.validate_parameters(globals())
tb.setup_notebook()

# %% [markdown]
# ## The rule against cloud size

# %% tags=["remove-input"]
from toponet.chapters import calibration_page

plan = calibration_page.size_plan(profile, networks=networks, k_paper=k, p=p)
calibration_page.plan_note(plan)

# %%
curve = calibration.size_curve(plan.shown, k_paper=k, n_paper=plan.n_paper, p=p)
plots.calibration_plot(curve)

# %% tags=["remove-input"]
tb.caption("False-positive rate of the circle rule on fresh gaussian and shuffled null clouds, and its power on "
           "the noisy circle model, against the cloud size (the table below gives the counts).",
           cloud=calibration_page.curve_cloud(plan), profile=profile, figure="C1")

# %% tags=["remove-input"]
calibration_page.curve_reading(curve)

# %%
tb.show_table(calibration.table_rows(curve))

# %% [markdown]
# ## The second-order null: does it match what the pipeline sees?
#
# "Beyond second order?" asks whether a circle is more than the filters' second moment can
# draw. The pipeline normalizes every filter first, so the second-order structure it sees is
# the second moment $E[v v^T]$ of the unit filters $v$. The book's null for this question
# (`toponet.nulls.directions_matched`) draws gaussian filters whose *normalized* draws have that
# same second moment. The older null, gaussian filters with the raw covariance, does not: a
# normalized gaussian is less concentrated than the gaussian itself. The table sets the leading
# eigenvalues for the first-layer filters of the MNIST chapter beside three draws of each null,
# all normalized as the pipeline does.

# %% tags=["remove-input"]
mnist_cloud = calibration_page.mnist_filters(profile)
if mnist_cloud is None:
    print(f"no MNIST artifact at the {profile} profile in the store: the table needs the chapter's filters")
else:
    print(mnist_cloud[1])
    tb.show_table(calibration_page.second_moment_rows(mnist_cloud[0], seed=seed))

# %% [markdown]
# How often does "beyond second order?" say yes, at $n$ = 1,024 filters (core of about 300 points)
# with 39 null clouds per model cloud (p floor 0.025)? On gaussian filters with a random
# anisotropic covariance the null holds exactly, so "yes" there is a false positive; on the noisy
# three-circle model and the noisy Klein bottle (half the filters, the rest gaussian) it is power.
# A noisy primary circle mixed with gaussian filters is shown too: a mixture is not a gaussian, so
# the test may say yes. Calibrations are computed offline (`benchmarks/calibrate_beyond_and_bars.py`)
# and only read here.

# %% tags=["remove-input"]
tb.show_table(calibration_page.beyond_rows(k_paper=k, p=p))

# %% [markdown]
# ## Counting bars: false positives and power against size
#
# Claims of several loops (F7's three bars, NP2's five) count the $H_1$ bars that beat the nulls.
# Each bar is held to the null distribution of the *top* bar, so a null cloud shows one or more
# long bars exactly when the circle rule fires on it: the count's family-wise false-positive rate
# is the rule's. Its power to see *all* the loops of a model grows with the cloud: the share of
# model clouds (half the filters noisy two-circle, three-circle or Klein-bottle filters, the rest
# gaussian) in which exactly the model's number of bars beat the thresholds (in brackets: at
# least one).

# %% tags=["remove-input"]
tb.show_table(calibration_page.bars_rows(k_paper=k, p=p))

# %% [markdown]
# ## Tests over networks: accuracy, transfer and speed claims
#
# Claims about accuracies, transfer and training speed (G1, G2, G4, G5, U1, U2, L1) compare numbers
# measured per network (or per run, or per snapshot) between arms, by one-sided permutation tests
# (`toponet.group_tests`): paired sign flips where the arms share their seeds, the networks pooled and
# split again where they do not, the pairing of two series shuffled for a correlation, the exact sign
# test over runs. Every p is $(1 + \#\{\text{rearranged} \geq \text{observed}\}) / (1 + \text{draws})$,
# all rearrangements listed when there are few. So the **false-positive rate** of each test is its exact
# size at its draws: at most 5 %, and 0 when no p can go below 5 % ($n$ paired networks have $2^n$
# sign patterns, so the smallest p is $2^{-n}$). `tests/test_group_tests.py` checks it by simulation
# on arms drawn from one population. The **power** is simulated at the row's sizes, from the measured
# spread, against the paper's effect (its gaps between arms, its speed-ups, $r = 0.5$ where it gives no
# coefficient). Below 80 % power a claim without a significant result is *inconclusive*. L2's surface
# part is a Monte-Carlo test against time-shuffled trajectories (`toponet.surface`): its false-positive
# rate is simulated on 200 clouds where the null holds and its power on random subsets of the
# measured neurons ({doc}`07_learning_graphs` prints both). The table reads this build's rows;
# its power is the row's (its weakest part's).

# %% tags=["remove-input"]
tb.show_table(calibration_page.group_test_rows())

# %% [markdown]
# ## Every calibration this build used

# %%
tb.show_table(calibration.table_rows(calibration.load_all()))
