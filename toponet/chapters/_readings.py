"""Readings shared by the chapters: the "What to see" paragraph after a figure, filled from results.

Every figure of a chapter is followed by its caption and a reading (``tests/test_book_readings.py``).
A reading that only says what to look for is a markdown cell of the chapter; one that says what
*this* build's figure shows is made here, from the numbers the figure draws, so it cannot claim a
finding the data of another build (another profile, the real data instead of a stand-in) do not
show. Each returns a :class:`toponet.book.Reading`; the chapter modules re-export the ones their
notebook calls.

- :func:`barcode_reading`: a barcode of a cloud tested by the circle rule;
- :func:`mapper_reading`: a Mapper graph of a dense core (a picture), with the rule's answer;
- :func:`snapshot_reading`: the top bar against its null bands at each tested snapshot;
- :func:`evolution_reading`: the orientation curves over training (no nulls);
- :func:`grid_reading`: a grid of Mapper graphs over training;
- :func:`distance_reading`: a histogram of distances to an ideal model.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from toponet.book.notebook import Reading, what_to_see
from toponet.paper_claims import circle_summary
from toponet.circle_decision import ALPHA, EXISTENCE_KINDS, MIN_POWER, second_order_null


def _ps(test) -> str:
    return " and ".join(f"{test.nulls[k].p:.2g} ({k})" for k in EXISTENCE_KINDS if k in test.nulls)


def rule_outcome(test, rule) -> str:
    """What the circle rule says about one cloud, in a sentence, from its test and verdict."""
    power = rule.power
    if test.exists:
        s = "the rule sees a circle"
        if len(test.bars) > 1 and "gaussian" in test.exceed:
            s += (", and one long bar only" if test.one_long_bar else
                  ", and the second bar beats the nulls too (more than one loop)")
    elif power is None:
        s = "the rule sees no circle (not calibrated at this size)"
    elif power >= MIN_POWER:
        s = (f"the rule sees no circle, and at this size it finds a noisy model circle {power:.0%} of the time, "
             "so the missing circle is evidence")
    else:
        s = (f"the rule sees no circle, but at this size it finds a noisy model circle only {power:.0%} of the "
             "time: inconclusive")
    beyond = test.beyond_second_order
    if test.exists and beyond is not None:
        t = second_order_null(test)
        s += ("; it also beats clouds with the same second-order structure of the directions (p = {:.2g}, {} draws): "
              "structure beyond second order" if beyond else "; clouds with the same second-order structure of the "
              "directions reach it (p = {:.2g}, {} draws): what the filters' second moment already holds explains "
              "it").format(t.p, t.draws)
    return s


def barcode_reading(test, rule) -> Reading:
    """The reading of a barcode of a cloud the circle rule tested (``test``: :class:`toponet.circle_decision.CircleTest`,
    ``rule``: its :class:`toponet.circle_decision.RuleResult`)."""
    second = f" and the next {test.second[0]:.2f}" if len(test.bars) > 1 else ""
    return what_to_see(
        "a circle is one $H_1$ bar far longer than every other (one long $H_0$ bar: the cloud is one piece); "
        "short bars are noise that every cloud has. Here the longest $H_1$ bar is {top:.2f}{second}; against "
        "{draws} gaussian and {draws} shuffled null clouds of the same {n:,} points its p-values are {ps} "
        "(a p below {alpha:g} means longer than chance makes it). So {outcome}.",
        top=test.top[0], second=second, draws=test.draws, n=test.n_core, ps=_ps(test), alpha=ALPHA,
        outcome=rule_outcome(test, rule))


def mapper_reading(mapper, test=None, rule=None, *, look: str = "a primary circle is a ring of nodes whose "
                   "mean filters turn through every edge angle; clusters are separate clumps") -> Reading:
    """The reading of a Mapper graph: what to look for (``look``), its size, and, when the cloud
    was tested, the rule's answer (a Mapper graph is a picture, never the evidence)."""
    tail = f" The circle rule on the same cloud: {rule_outcome(test, rule)}." if test is not None else ""
    return what_to_see(
        "{look}. This graph has {nodes} nodes in {components} component(s) and {loops} large loop(s). It is a "
        "picture, not evidence: Mapper graphs of gaussian clouds of a few hundred points have loops too.{tail}",
        look=look, nodes=mapper.n_nodes_, components=getattr(mapper, "n_components_", "?"),
        loops=mapper.n_large_loops_, tail=tail)


def snapshot_reading(rows, *, layer: str) -> Reading:
    """The reading of :func:`toponet.paper_claims.snapshot_series` drawn by ``curves_plot``: where the
    top bar rises above the null lines, the rule finds a circle at that snapshot."""
    return what_to_see(
        "at each tested snapshot, the top-bar line is the longest $H_1$ bar of {layer} and the null lines the 95 % "
        "quantiles of the null clouds' top bars; where the top bar is above the gaussian and shuffled lines (and "
        "p < {alpha:g}), the rule finds a circle at that iteration. Here: {summary}.",
        layer=layer, alpha=ALPHA, summary=circle_summary(rows))


def evolution_reading(rows: Sequence[Mapping]) -> Reading:
    """The reading of the orientation curves (:func:`toponet.chapters._common.evolution` rows):
    first and last snapshot of each curve; no nulls, so no verdict."""
    a, b = rows[0], rows[-1]
    return what_to_see(
        "whether the top $H_1$ bar and the share of the dense core near the primary circle grow while the test "
        "accuracy does. These curves have no nulls and decide nothing; the verdicts use the tests above. From "
        "iteration {i0:,} to {i1:,}: top $H_1$ {h0:.2f} to {h1:.2f}, dense core within 0.3 of the circle "
        "{n0:.0%} to {n1:.0%}, test accuracy {a0:.1%} to {a1:.1%}.",
        i0=a["iteration"], i1=b["iteration"], h0=a["h1_top"], h1=b["h1_top"], n0=a["frac_near_circle_core"],
        n1=b["frac_near_circle_core"], a0=a["test_accuracy"][0], a1=b["test_accuracy"][0])


def _loops(rows) -> str:
    at = [f"{r.iteration:,}" for r in rows if r.loops > 0]
    return (f"at {len(at)} of {len(rows)} snapshots ({', '.join(at)})" if at else
            f"at none of its {len(rows)} snapshots")


def grid_reading(rows_by_layer: Mapping[str, Sequence]) -> Reading:
    """The reading of a grid of Mapper graphs over training (:func:`toponet.chapters._cifar.evolution_mappers`
    rows per layer): where a ring appears and whether it stays; the large-loop counts per layer."""
    loops = "; ".join(f"{name} has a large loop {_loops(rows)}" for name, rows in rows_by_layer.items())
    return what_to_see(
        "read each row left to right: the iteration at which a ring of nodes first closes, and whether it stays "
        "closed later. The large-loop counts fire on gaussian clouds too, so the rule per snapshot (below) "
        "decides. Here {loops}.", loops=loops)


def distance_reading(near: Mapping[str, float], threshold: float, *, model: str = "the primary circle") -> Reading:
    """The reading of a distance histogram: the share of each distribution within ``threshold``
    (the 5 % quantile of random filters' distances)."""
    shares = ", ".join(f"{name} {100 * v:.1f} %" for name, v in near.items())
    return what_to_see(
        "the further left a distribution, the nearer its filters lie to {model}; unit vectors are at most 2 apart. "
        "The dotted line ({thr:.2f}) is where the nearest 5 % of random filters end, so a share well above 5 % "
        "inside it is structure. Inside it: {shares}.", model=model, thr=threshold, shares=shares)


def ratio(a: float, b: float) -> str:
    """"3.2 times" or "no second bar" for a top/second ratio (as words for a reading)."""
    return f"{a / b:.1f} times" if b > 0 and np.isfinite(a / b) else "with no second bar beside it"
