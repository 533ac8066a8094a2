"""Chapter 02 (``notebooks/02_cifar_gray.py``; paper Sec. V.B, Figs. 3-5, claims F3-F5): CIFAR-10
in grayscale, what the chapter calls beyond the core.

- :func:`gray_verdicts`: the chapter's verdict rows F3, F4, F5, from the calibrated rules of
  :mod:`toponet.paper_claims` (one named function per claim);
- :func:`gray_findings`: the chapter's "what we found", from the same results;
- :func:`validate`: the chapter's own bounds on its parameters (k, p), checked by its first cell
  and by ``python -m toponet.book run`` before anything runs;
- :func:`clusters_reading`: Fig. 3's reading, the cluster count against its null clouds (the other
  readings are the shared ones of :mod:`toponet.chapters._readings`);
- re-exported from :mod:`toponet.chapters._cifar` (shared with chapter 03): :func:`pick_experiment`,
  :func:`evolution_mappers`, :func:`cloud_label_of`, :data:`REAL_DATA`; from
  :mod:`toponet.chapters._common`: :func:`accuracy_summary`, :func:`evolution`.
"""
from __future__ import annotations

from toponet._validation import check_fraction, check_int
from toponet.book.notebook import Caption, Reading, what_to_see
from toponet.chapters._cifar import (REAL_DATA, _closing, _events_sentence, _evolution_ours, _notes,  # noqa: F401
                                     _scale_head, load_trained, cloud_label_of, evolution_mappers, pick_experiment)
from toponet.chapters._common import accuracy_summary, check_kept, check_paper_k, evolution  # noqa: F401
from toponet.chapters._readings import (barcode_reading, evolution_reading, grid_reading,  # noqa: F401
                                        mapper_reading, rule_outcome, snapshot_reading)
from toponet.paper_claims import count_clusters, describe_claim  # noqa: F401
from toponet.circle_decision import MIN_POWER
from toponet.experiments import experiment, load_or_train
from toponet.mapper import Mapper
from toponet.verdict_record import Verdict

__all__ = ["gray_verdicts", "gray_findings", "validate", "pick_experiment", "evolution_mappers", "cloud_label_of",
           "REAL_DATA", "accuracy_summary", "evolution", "load_or_train", "load_trained", "count_clusters",
           "PAPER_POINTS", "clusters_reading", "barcode_reading", "evolution_reading", "grid_reading", "mapper_reading",
           "snapshot_reading"]

#: Fig. 3's first-layer clouds in the paper, which the chapter's k refers to (rescaled to ours):
#: 100 x 64 filters of C(64,32,64) and 48 x 64 of C(64,0,64).
PAPER_POINTS = {"C(64,32,64)": 6400, "C(64,0,64)": 3072}


def validate(params) -> dict:
    """The chapter's own checks on top of :func:`toponet.book.validate_parameters`.

    The notebook calls both in its first cell, and ``python -m toponet.book run`` calls both
    before anything runs. ``k`` is the paper's k for Fig. 3's clouds (:data:`PAPER_POINTS`),
    rescaled to ours, so it lies below the smaller, 3,072. ``p`` must keep at least the points
    Mapper needs (:attr:`toponet.mapper.Mapper.min_points`: F3 counts clusters on the Mapper
    graph of the dense core) of both first-layer clouds: C(64,32,64)'s ``networks`` x its
    first-layer width, and C(64,0,64)'s, whose networks the profile sets. Returns {"k", "p",
    "n_points": {architecture: filters}}.
    """
    k = check_paper_k(params["k"], below=min(PAPER_POINTS.values()), paper=200,
                      refers=" and ".join(f"its {n:,} filters of {a}" for a, n in PAPER_POINTS.items()))
    p = check_fraction(params["p"], name="p")
    networks = check_int(params["networks"], name="networks", low=1)
    need = Mapper(resolution=params["resolution"], gain=params["gain"]).min_points
    profile, n_points = params["profile"], {}
    for arch, base, count in (("C(64,32,64)", "cifar-gray", networks), ("C(64,0,64)", "cifar-gray-C64-0-64", None)):
        exp = experiment(pick_experiment(base)[0])
        nets, width = exp.networks_for(profile, count), exp.config.widths[0]
        n_points[arch] = nets * width
        whose = f"{nets} network{'s' * (nets != 1)}"
        whose = whose if count is not None else f"the {profile} profile's {whose}"
        check_kept(p, nets * width, need, cloud=f"first-layer filters of {arch} ({whose} x {width})",
                   needs="Mapper of the core", fix="raise p or networks" if count is not None else "raise p")
    return dict(k=k, p=p, n_points=n_points)


def _f3_ours(parts: dict) -> str:

    out = []
    for lab, v in parts.items():
        cl = v["clusters"]
        lo, hi = cl.claimed
        if not cl.usable:
            use = f"criterion not used: its false-positive rate here is {cl.false_positive_rate:.0%} > 5%"
        elif cl.power is not None and cl.power < MIN_POWER and cl.outcome != "pass":
            use = "reported beside the verdict, not in it: the count could not have seen five clusters at this size"
        else:
            use = "criterion used"
        out.append(f"{lab}: {cl.observed} Mapper clusters on {cl.n_core} points; null clouds with {lo}-{hi}: "
                   + ", ".join(f"{k} {cl.hits(k)}/{cl.draws}" for k in cl.null_counts)
                   + f" ({use}; power {'n/a' if cl.power is None else format(cl.power, '.0%')} on a five-cluster "
                   f"model); " + describe_claim("circle", v["circle"]))
    return "; ".join(out)


def gray_verdicts(*, profile: str, data: str, art, art0, acc: dict, acc0: dict, f3_parts: dict, f3, pooled2, one2,
                  f4, evo1, evo2, f5, evo_desc=("", "")) -> list:
    """The grayscale chapter's rows F3, F4, F5 (:class:`toponet.verdict_record.Verdict`).

    f3 / f4 / f5 : RuleResults of :func:`toponet.paper_claims.f3_rule`, ``f4_rule``, ``f5_rule``;
    f3_parts : label -> dict(circle, clusters); pooled2, one2 : the F4 circle claims;
    evo1, evo2 : rows of :func:`toponet.paper_claims.evolution_circles`; evo_desc : how each
    layer's snapshot clouds were made, in words.
    """
    T, T0 = art.iterations[-1], art0.iterations[-1]
    chapter = "CIFAR-10 gray"
    rows = [Verdict.from_rule(
        f3, claim_id="F3", claim="CIFAR gray layer 1: five clusters, no significant primary circle",
        paper="Fig. 3: 5 clusters for C(64,32,64) and C(64,0,64), no circle; acc 77.0% / 69.2% (70K)",
        ours=_f3_ours(f3_parts) + f"; acc {100 * acc['mean']:.1f}% / {100 * acc0['mean']:.1f}%",
        scale=f"{art.networks} x {T} and {art0.networks} x {T0} iterations ({profile})", data=data, chapter=chapter,
        networks=min(art.networks, art0.networks), iterations=T)]

    rows.append(Verdict.from_rule(
        f4, claim_id="F4", claim="CIFAR gray layer 2: a circle in the barcodes, the primary circle in one network",
        paper="Fig. 4: circle in barcodes of rho(15,0.1) (100 x 50K); primary circle in 1 x 60K at rho(75,0.37)",
        ours=(describe_claim("pooled layer 2", pooled2) + "; " + describe_claim("one network's layer 2", one2)
              + _notes(pooled2, one2) + "; the Mapper picture is not in the rule (not calibrated)"),
        scale=f"{art.networks} x {T} ({profile}); k = {pooled2.test.k} and {one2.test.k}", data=data, chapter=chapter,
        networks=art.networks, iterations=T))
    stored = [it for it in art.stored_iterations("conv1") if it > 0]
    note = ("" if len(evo1) >= len(stored) else
            " Snapshots tested: a subset (99 draws per null at each), for the time budget.")
    rows.append(Verdict.from_rule(
        f5, claim_id="F5", claim="CIFAR gray training: circle at 400, broken at 500, back in layer 2 at 2000",
        paper="Fig. 5 (100 networks, iterations 100-2000)",
        ours=_evolution_ours(f5, {"layer 1": (evo_desc[0], evo1), "layer 2": (evo_desc[1], evo2)}) + note,
        scale=f"{art.networks} nets, iterations up to {T} ({profile})", data=data, chapter=chapter,
        networks=art.networks, iterations=T))
    return rows


def gray_findings(*, profile: str, data: str, real: bool, runs, f3_parts: dict, f3, pooled2, one2, f4, f5):
    """The grayscale chapter's "what we found" (Figs. 3-5), picked by this build's results.

    runs : list of (label, networks, iterations, accuracy) (:func:`run_sentence`);
    f3_parts : label -> dict(circle=CircleClaim, clusters=ClusterTest); f3, f4, f5 : the
    RuleResults of :mod:`toponet.paper_claims`; pooled2, one2 : F4's circle claims.
    Returns a :class:`toponet.book.notebook.Caption`.
    """
    if not f3_parts:
        raise ValueError("f3_parts must name at least one architecture")
    s = _scale_head(profile, data, runs) + ": "
    counts = ", ".join(f"${lab}$ {v['clusters'].observed}" for lab, v in f3_parts.items())
    s += f"the first layer falls into Mapper clusters: {counts} (the paper: 5). "
    unusable = [lab for lab, v in f3_parts.items() if not v["clusters"].usable]
    if unusable:
        worst = max(v["clusters"].false_positive_rate for v in f3_parts.values())
        s += (f"At this size the cluster count cannot tell trained filters from noise: up to {worst:.0%} of gaussian or "
              "shuffled null clouds of the same size also fall into 4-6 clusters, so the criterion is not used "
              f"({', '.join('$' + u + '$' for u in unusable)}). ")
    else:
        s += "The cluster criterion is usable here (at most 5% of null clouds pass it). "
    s += "Circles: " + "; ".join(describe_claim(f"${lab}$", v["circle"]) for lab, v in f3_parts.items())
    s += f". **F3: {f3.verdict}**."
    s += (" Second layer: " + describe_claim("pooled", pooled2) + "; " + describe_claim("one network", one2)
          + f". **F4: {f4.verdict}** (the Mapper picture of one network is shown, not counted).")
    s += _events_sentence(f5, "a circle in layer 1 at 400, broken at 500, in layer 2 at 2000")
    s += _closing(real, profile)
    return Caption(s)


# --- readings: what to see in the figures, from this build's results ------------------------------

def clusters_reading(mapper, clusters, claim) -> Reading:
    """Fig. 3's reading: the paper's five clusters against this graph's count and its null clouds,
    and the circle rule on the same cloud (``clusters``: :class:`toponet.paper_claims.ClusterTest`,
    ``claim``: :class:`toponet.paper_claims.CircleClaim`)."""
    lo, hi = clusters.claimed
    nulls = " and ".join(f"{clusters.hits(k)} of {clusters.draws} {k}" for k in clusters.null_counts)
    use = ("so the criterion can be evidence at this size" if clusters.usable else
           f"so at this size it cannot be evidence (chance passes it {clusters.false_positive_rate:.0%} of the time)")
    return what_to_see(
        "how many separate groups the graph has and what each group's mean filter looks like: the paper's five "
        "clusters are edge-like and blob-like filters that do not join into a ring. A cluster here is a connected "
        "component holding at least 2 % of the points, and the criterion is {lo} to {hi} of them. This graph has "
        "{observed}; of the null clouds of the same size, {nulls} have {lo} to {hi}, {use}. The circle rule on the "
        "same cloud: {outcome}.",
        observed=clusters.observed, nulls=nulls, lo=lo, hi=hi, use=use, outcome=rule_outcome(claim.test, claim.rule))
