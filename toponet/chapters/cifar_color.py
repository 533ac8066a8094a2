"""Chapter 03 (``notebooks/03_cifar_color.py``; paper Sec. V.B, Figs. 6-9, claims F6-F9): CIFAR-10
in colour, what the chapter calls beyond the core.

- :func:`color_verdicts`: the chapter's verdict rows F6-F9, from the calibrated rules of
  :mod:`toponet.paper_claims`;
- :func:`color_findings`: the chapter's "what we found", from the same results;
- :func:`validate`: the chapter's own bounds on its parameters (k, p), checked by its first cell
  and by ``python -m toponet.book run`` before anything runs;
- the readings of its figures that depend on results: :func:`channel_reading` (Fig. 6b),
  :func:`f7_reading` (Fig. 7a), :func:`f8_reading` (Fig. 8), and the shared ones of
  :mod:`toponet.chapters._readings`;
- re-exported from :mod:`toponet.chapters._cifar` (shared with chapter 02): :func:`pick_experiment`,
  :func:`channel_clouds`, :func:`model_fit`, :func:`evolution_mappers`, :func:`cloud_label_of`,
  :data:`REAL_DATA`; from :mod:`toponet.chapters._common`: :func:`accuracy_summary`, :func:`evolution`.
"""
from __future__ import annotations

from toponet._validation import check_fraction, check_int
from toponet.book.notebook import Caption, Reading, what_to_see
from toponet.chapters._cifar import (REAL_DATA, _closing, _events_sentence, _evolution_ours, _notes,  # noqa: F401
                                     _scale_head, load_trained, channel_clouds, cloud_label_of, evolution_mappers, model_fit,
                                     pick_experiment)
from toponet.chapters._cifar import data_name  # noqa: F401
from toponet.chapters._common import accuracy_summary, check_kept, check_paper_k, evolution  # noqa: F401
from toponet.chapters._readings import (barcode_reading, distance_reading, evolution_reading,  # noqa: F401
                                        grid_reading, mapper_reading, rule_outcome, snapshot_reading)
from toponet.paper_claims import describe_claim
from toponet.experiments import experiment, load_or_train
from toponet.mapper import Mapper
from toponet.verdict_record import Verdict

__all__ = ["color_verdicts", "color_findings", "validate", "pick_experiment", "channel_clouds", "model_fit",
           "evolution_mappers", "cloud_label_of", "REAL_DATA", "accuracy_summary", "evolution", "load_or_train",
           "load_trained", "PAPER_POINTS", "data_name", "channel_reading", "f7_reading", "f8_reading",
           "barcode_reading", "distance_reading", "evolution_reading", "grid_reading", "mapper_reading",
           "snapshot_reading"]

#: Fig. 6's first-layer clouds in the paper, which the chapter's k refers to (rescaled to ours):
#: 60 networks x 64 filters x 3 input channels pooled, and one input channel's 60 x 64.
PAPER_POINTS = {"all channels": 11_520, "one channel": 3_840}


def validate(params) -> dict:
    """The chapter's own checks on top of :func:`toponet.book.validate_parameters`.

    The notebook calls both in its first cell, and ``python -m toponet.book run`` calls both
    before anything runs. ``k`` is the paper's k for Fig. 6's clouds (:data:`PAPER_POINTS`),
    rescaled to ours, so it lies below the per-channel one, 3,840. ``p`` must keep at least the
    points Mapper needs (:attr:`toponet.mapper.Mapper.min_points`) of the smallest cloud whose
    dense core Mapper draws: one input channel's first-layer filters of C(64,32,64),
    ``networks`` x its first-layer width. Returns {"k", "p", "n_points" (that cloud's filters)}.
    """
    k = check_paper_k(params["k"], below=min(PAPER_POINTS.values()), paper=200,
                      refers=f"its {PAPER_POINTS['all channels']:,} filters ({PAPER_POINTS['one channel']:,} per "
                             "input channel)")
    p = check_fraction(params["p"], name="p")
    networks = check_int(params["networks"], name="networks", low=1)
    width = experiment(pick_experiment("cifar-color")[0]).config.widths[0]
    n, need = networks * width, Mapper(resolution=params["resolution"], gain=params["gain"]).min_points
    check_kept(p, n, need, cloud=f"first-layer filters of one input channel ({networks} network"
                                 f"{'s' * (networks != 1)} x {width})",
               needs="Mapper of the core", fix="raise p or networks")
    return dict(k=k, p=p, n_points=n)


def color_verdicts(*, profile: str, data: str, art, art_np, acc: dict, acc_np: dict, f6_claims: dict, f6,
                   f7_claim, f7, f8_test, f8, evo1, evo2, f9, evo_desc=("", "")) -> list:
    """The colour chapter's rows F6, F7, F8, F9 (:class:`toponet.verdict_record.Verdict`), from
    :func:`toponet.paper_claims.f6_rule`, ``f7_rule``, ``f8_rule``, ``f9_rule``."""
    T, T_np = art.iterations[-1], art_np.iterations[-1]
    chapter = "CIFAR-10 colour"
    scale = f"{art.networks} x {T} iterations ({profile})"
    rows = [Verdict.from_rule(
        f6, claim_id="F6", claim="CIFAR colour layer 1: primary circle, all channels and each of R, G, B",
        paper="Fig. 6: primary circle in 60 x 100K (11,520 pts, rho(200,0.14)) and per channel; acc 81.2%",
        ours="; ".join(describe_claim(ch, c) for ch, c in f6_claims.items()) + _notes(*f6_claims.values())
        + f"; acc {100 * acc['mean']:.1f} +- {100 * acc['sd']:.1f}%",
        scale=scale, data=data, chapter=chapter, networks=art.networks, iterations=T)]
    t7 = f7_claim.test
    sure, most = t7.long_bars()
    rows.append(Verdict.from_rule(
        f7, claim_id="F7", claim="C(48,0,64) without max-pooling: two circles meeting in two points (3 H1 bars)",
        paper="Fig. 7: 3 long H1 bars (82 x 30K, rho(200,0.32)); acc 71.8%",
        ours=(f"{sure} H1 bar(s) surely beat both nulls (at most {most}); top bars "
              + ", ".join(f"{b[0]:.2f}" for b in t7.bars) + f" on {t7.n_core} points; "
              + describe_claim("top bar", f7_claim)
              + f"; circle power {f7.extra['circle_power']:.0%}, on a two-circle model: 3-bar power "
              + ("n/a" if f7.extra.get("bar_power") is None else f"{f7.extra['bar_power']:.0%}")
              + ("" if f7.extra.get("power_any") is None else f", at least one bar {f7.extra['power_any']:.0%}")
              + ("" if f7.extra.get("power_any") is None or sure or t7.exists else
                 f"; decided by the power to see at least one bar ({f7.extra['power_any']:.0%}): no bar beat the nulls")
              + f"; Mapper not in the rule; acc {100 * acc_np['mean']:.1f} +- {100 * acc_np['sd']:.1f}%"),
        scale=f"{art_np.networks} x {T_np} ({profile}), k = {t7.k}", data=data, chapter=chapter,
        networks=art_np.networks, iterations=T_np))
    rows.append(Verdict.from_rule(
        f8, claim_id="F8", claim="CIFAR colour layer 1 follows the three-circle (Klein bottle) model",
        paper="Fig. 8: primary + two secondary circles at rho(100,0.35) (60 or 100 x 100K)",
        ours=f8_test.describe() + "; beyond second order: "
        + {True: "yes", False: "no", None: "not tested"}[f8.extra.get("beyond_second_order")],
        scale=f"{scale}, k = {f8_test.k}", data=data, chapter=chapter, networks=art.networks, iterations=T))
    note = " Snapshots tested: a subset (99 draws per null at each), for the time budget."
    rows.append(Verdict.from_rule(
        f9, claim_id="F9", claim="CIFAR colour training: circle at 300, broken at 500, back at 1500; layer 2 at 1000",
        paper="Fig. 9 (60 networks, iterations 100-1500)",
        ours=_evolution_ours(f9, {"layer 1": (evo_desc[0], evo1), "layer 2": (evo_desc[1], evo2)}) + note,
        scale=f"{art.networks} nets, iterations up to {T} ({profile})", data=data, chapter=chapter,
        networks=art.networks, iterations=T))
    return rows


def color_findings(*, profile: str, data: str, real: bool, runs, f6_claims: dict, f6, f7_claim, f7, f8_test, f8,
                   f9):
    """The colour chapter's "what we found" (Figs. 6-9), picked by this build's results
    (RuleResults of :mod:`toponet.paper_claims` and what they rest on)."""
    if not f6_claims:
        raise ValueError("f6_claims must hold at least one circle claim")
    s = _scale_head(profile, data, runs) + ": "
    circ = [ch for ch, c in f6_claims.items() if c.exists]
    s += ("the circle rule finds a circle in " + (", ".join(circ) if circ else "none of the clouds") + " ("
          + "; ".join(describe_claim(ch, c) for ch, c in f6_claims.items()) + f"). **F6: {f6.verdict}**"
          + (": with power below 80% a missing circle is no evidence of absence." if f6.verdict == "inconclusive"
             else "."))
    sure, most = f7_claim.test.long_bars()
    s += (f" Without max-pooling, {sure} $H_1$ bar(s) surely beat both nulls (at most {most}; the paper: 3); "
          f"**F7: {f7.verdict}**.")
    s += (f" Three-circle model: {f8_test.describe()}. **F8: {f8.verdict}**"
          + {True: "; the second-order null of the directions does not produce it (beyond second order).",
             False: "; the second-order null of the directions does as well (no evidence beyond second order).",
             None: "."}[f8.extra.get("beyond_second_order")])
    s += _events_sentence(f9, "a circle in layer 1 at 300, broken at 500, back at 1500; in layer 2 at 1000")
    s += _closing(real, profile)
    return Caption(s)


# --- readings: what to see in the figures, from this build's results ------------------------------

def channel_reading(mapper, claims: dict) -> Reading:
    """Fig. 6b's reading: the red channel's Mapper graph, and the circle rule on each channel alone
    (``claims``: channel -> :class:`toponet.paper_claims.CircleClaim`, as ``F6``)."""
    per = "; ".join(f"{ch}: {rule_outcome(c.test, c.rule)}" for ch, c in claims.items() if ch != "all")
    return what_to_see(
        "the paper sees the primary circle in each colour channel alone. This graph (red) has {nodes} nodes and "
        "{loops} large loop(s), a picture. The circle rule on each channel's cloud ({n} points of dense core each; "
        "the table above has the p-values): {per}.", nodes=mapper.n_nodes_, loops=mapper.n_large_loops_,
        n=claims["R"].test.n_core, per=per)


def f7_reading(claim, power: dict) -> Reading:
    """Fig. 7a's reading: how many $H_1$ bars surely beat both nulls against the paper's three,
    and how often "exactly three" is seen on a two-circle model of this size (``power``:
    :func:`toponet.paper_claims.bars_power`); when no bar beats the nulls, the power to see at least one
    bar decides (as :func:`toponet.paper_claims.f7_rule`)."""
    sure, most = claim.test.long_bars()
    bars = ", ".join(f"{b[0]:.2f}" for b in claim.test.bars)
    seen = power["power"]
    if sure == 0 and not claim.test.exists and power.get("power_any") is not None:
        any_ = power["power_any"]
        weight = (f"but no bar beats the nulls here, and at least one bar is seen on {any_:.0%} of the model clouds, "
                  + ("so finding none is evidence against the paper's picture" if any_ >= 0.8 else
                     "too rarely for finding none to decide the claim"))
    else:
        weight = ("so a count other than three here is evidence against the paper's picture" if seen >= 0.8 else
                  "so at this size a count other than three cannot decide the claim's three-bar part")
    return what_to_see(
        "two circles meeting in two points have three independent loops, so the paper sees three long $H_1$ bars "
        "of similar length. The four longest here: {bars}; {sure} of them surely beat both null clouds' top bars "
        "(at most {most}; {draws} draws of each kind). On noisy two-circle model clouds of this size, exactly three "
        "bars are seen {seen:.0%} of the time, {weight}.", bars=bars, sure=sure, most=most,
        draws=claim.test.draws, seen=seen, weight=weight)


def f8_reading(fit: dict, fit_untrained: dict, test, rule) -> Reading:
    """Fig. 8's reading: the shares near the three-circle model (trained, untrained, gaussian), then
    the two statistics against the null clouds and the verdict (``test``:
    :class:`toponet.paper_claims.ModelFitTest`, ``rule``: F8's :class:`toponet.circle_decision.RuleResult`)."""
    near = distance_reading({"trained": fit["near_three"], "untrained": fit_untrained["near_three"],
                             "gaussian": fit["null_near_three"]}, fit["threshold"], model="the three-circle model")
    nulls = "; ".join(f"{k} {-v[:, 0].mean():.2f} and {v[:, 1].mean():.1%} (p = {test.pval(k, 0):.2g}, "
                      f"{test.pval(k, 1):.2g})" for k, v in test.null_values.items())
    return Reading(near.text + " " + (
        f"Against {test.draws} null clouds of each kind, the dense core's median distance to the model is "
        f"{-test.observed[0]:.2f} and its share on the secondary circles only {test.observed[1]:.1%}; the nulls' "
        f"means: {nulls}. Nearer the model and more on the secondary circles than the gaussian and shuffled nulls "
        f"is the paper's three-circle picture: verdict F8 **{rule.verdict}**."))
