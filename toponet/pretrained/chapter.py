"""What the deep-network chapter (``notebooks/04_deep_networks.py``) calls: loading, running,
summarizing and judging, so that the notebook holds narrative and calls only.

Verdict rules (stated in the chapter):

- per layer: the book's calibrated circle rule with "one long bar" (:func:`toponet.rules.circle_rule`
  via :func:`toponet.studies.circle_claim`, book/method.md), run by
  :func:`toponet.pretrained.deep.analyze_layer`;
- per network, :func:`depth_verdict`: the paper's F10 claim is "the primary circle is the
  dominant structure in layers 2-12, not in 13". Over the analysed layers of a network (layer
  2 and up, enough filters): **reproduced** when at least 80 % of them are "reproduced"
  (and, for VGG16, layer 13 is "not reproduced"); **partly** when at least half are at least
  "partly"; **not reproduced** when even counting every inconclusive layer as a pass fewer
  than half would be; **inconclusive** otherwise (layers without power could change it).
  With each layer's false-positive rate at most about 5 %, chance passes among 16 layers
  (expected under one) cannot reach the "partly" bar of half.
"""
from __future__ import annotations

import numpy as np

from toponet.pretrained import deep
from toponet.pretrained.networks import find_vgg_weights, load_layers

__all__ = ["run_network", "vgg_availability", "depth_verdict", "record_fields", "layer_table", "best_layer", "criteria",
           "findings_markdown", "dither_summary",
           "pretrained_caption", "quantization_rows", "dither_rows", "stored_bound_rows", "run_vgg",
           "vgg_verdicts"]


def run_network(network: str, config: deep.DeepConfig, indices=None, *, progress: bool = True):
    """Load ``network``'s 3x3 layers and analyse the selected ones.

    Returns ``(layers, analyses)``: every 3x3 layer, and one LayerAnalysis per selected layer.
    """
    layers = load_layers(network)
    chosen = deep.select_layers(layers, indices)
    return layers, deep.analyze_layers(chosen, config, progress=progress)


def vgg_availability() -> dict:
    """For "vgg16" and "vgg19": the weights file found on this machine, or None."""
    return {name: find_vgg_weights(name) for name in ("vgg16", "vgg19")}


def depth_verdict(analyses, *, last_layer_not: int | None = None) -> tuple[str, str]:
    """The per-network verdict (module docstring) and a one-line summary of the counts.

    ``analyses``: LayerAnalysis objects; those without a verdict or with index < 2 are left
    out. ``last_layer_not``: for VGG16, the layer (13) where the paper finds *no* circle.
    """
    judged = [a for a in analyses if a.verdict is not None and a.layer.index >= 2]
    if not judged:
        return "not tested", "no layer with enough filters was analysed"
    main = [a for a in judged if a.layer.index != last_layer_not]
    n = len(main)
    rep = sum(a.verdict.verdict == "reproduced" for a in main)
    part = sum(a.verdict.verdict in ("reproduced", "partly") for a in main)
    unknown = sum(a.verdict.verdict == "inconclusive" for a in main)
    last_ok, last_unknown = True, False
    note = ""
    if last_layer_not is not None:
        last = [a for a in judged if a.layer.index == last_layer_not]
        last_ok = bool(last) and last[0].verdict.verdict == "not reproduced"
        last_unknown = not last or last[0].verdict.verdict == "inconclusive"
        note = f"; layer {last_layer_not}: {last[0].verdict.verdict if last else 'not analysed'}"
    draws = sorted({a.claim["test"].draws for a in main})
    powers = [a.verdict.power for a in main if a.verdict.power is not None]
    tail = (f"; per layer: the calibrated circle rule, {'/'.join(map(str, draws))} null clouds per kind, "
            f"power {min(powers):.0%}-{max(powers):.0%}" if powers else "")
    if n and rep >= 0.8 * n and last_ok:
        v = "reproduced"
    elif n and part >= 0.5 * n:
        v = "partly"
    elif n and part + unknown < 0.5 * n and not (rep + unknown >= 0.8 * n and last_unknown):
        v = "not reproduced"
    else:
        v = "inconclusive"
        note += f"; {unknown} layer(s) inconclusive (no power at their size) could change the count"
    return v, f"{rep} of {n} layers reproduced, {part} at least partly{note}{tail}"


def record_fields(analyses) -> dict:
    """The statistical fields of a per-network verdict row (:class:`toponet.verdicts.Verdict`).

    Over the judged layers (index >= 2, rule run): ``power`` the smallest calibrated power,
    ``false_positive_rate`` the largest, ``cloud_points`` the largest dense core tested. The
    per-layer nulls (kind -> p, draws) are in the chapter's table, not in the row (``nulls``
    stays empty; the row's text names the draws).
    """
    judged = [a for a in analyses if a.verdict is not None and a.layer.index >= 2]
    powers = [a.verdict.power for a in judged if a.verdict.power is not None]
    fprs = [a.verdict.false_positive_rate for a in judged if a.verdict.false_positive_rate is not None]
    cores = [a.claim["test"].n_core for a in judged]
    return dict(power=min(powers) if powers else None, false_positive_rate=max(fprs) if fprs else None,
                cloud_points=max(cores) if cores else None)


def layer_table(analyses) -> list[dict]:
    """The chapter's per-layer table: one :meth:`LayerAnalysis.row` per layer."""
    return [a.row() for a in analyses]


def best_layer(analyses, *, min_index: int = 2):
    """The analysed layer (index >= ``min_index``) with the largest effect size over its more
    conservative existence null (:attr:`LayerAnalysis.headline`)."""
    judged = [a for a in analyses if a.result is not None and a.headline is not None
              and np.isfinite(a.headline.effect_size) and a.layer.index >= min_index]
    if not judged:
        raise ValueError("no analysed layer with a null comparison")
    return max(judged, key=lambda a: a.headline.effect_size)


def pretrained_caption(text: str, analysis: deep.LayerAnalysis, *, profile: str, data: str,
                       figure: str | None = None):
    """A caption for a figure of a pretrained network's layer (a :class:`toponet.book.notebook.Caption`).

    States the cloud (:func:`toponet.pretrained.deep.cloud_tex`), the profile, that the weights
    are pretrained (not trained here, no accuracy measured here) and ``data``, what they are.
    """
    from toponet.book.notebook import Caption

    if not text or not text.strip():
        raise ValueError("caption text must say what the figure shows")
    parts = [f"**Figure {figure}.**" if figure else "", text.strip(), f"Point cloud ${deep.cloud_tex(analysis)}$.",
             f"Profile `{profile}`.", f"Weights: {data}; pretrained, not trained here (no training iterations, "
             "no test accuracy measured here)."]
    return Caption(" ".join(p for p in parts if p))


def _comparison_row(name: str, n_filters: int, out: dict, a: str, b: str) -> dict:
    fa, fb, d = out["a"], out["b"], out["difference"]
    return {"layer": name, "filters": n_filters, f"top_h1_{a}": round(fa["top_h1"], 3),
            f"top_h1_{b}": round(fb["top_h1"], 3), "top_h1_change": round(d["top_h1"], 3),
            f"near_circle_{a}": round(fa["near_circle_core"], 3), f"near_circle_{b}": round(fb["near_circle_core"], 3),
            "median_dist_change": round(d["core_median_dist"], 3)}


def quantization_rows(layers, config: deep.DeepConfig, bits: int = 8, *, pooled: str | None = None) -> list[dict]:
    """Float layers against the same layers quantized per tensor (uint``bits``), one row each.

    ``pooled``: also a row for all ``layers`` pooled, each quantized with its own scale first.
    """
    rows = []
    for L in layers:
        out = deep.quantization_effect(L, config, bits)
        rows.append({**_comparison_row(L.name, L.n_filters, out, "float", "quantized"),
                     "scale": f"{out['scale']:.2e}", "bound_median": round(out["bound_median"], 3)})
    if pooled:
        a = deep.pooled_layer(layers, pooled)
        b = deep.pooled_layer([deep.quantized_layer(L, bits) for L in layers], pooled)
        rows.append({**_comparison_row(pooled, a.n_filters, deep.compare_statistics(a, b, config), "float",
                                       "quantized"), "scale": "per layer", "bound_median": None})
    return rows


def dither_rows(layers, quantization: dict, config: deep.DeepConfig) -> list[dict]:
    """Stored (dequantized) layers against dithered copies (:func:`toponet.pretrained.deep.dithered_layer`
    with the manifest's ``scale``, seed ``config.seed``), one row each."""
    rows = []
    for L in layers:
        q = quantization.get(f"{L.name}/kernel")
        if q is None:
            raise KeyError(f"no quantization entry for {L.name}/kernel")
        if L.n_filters < config.min_filters:
            continue
        out = deep.compare_statistics(L, deep.dithered_layer(L, q["scale"], seed=config.seed), config)
        rows.append({"index": L.index, **_comparison_row(L.name, L.n_filters, out, "stored", "dithered")})
    return rows


def stored_bound_rows(layers, quantization: dict) -> list[dict]:
    """The stated bound for weights stored quantized: per layer, how far the storage can move
    each normalized filter (:func:`toponet.pretrained.deep.direction_change_bound` with the
    manifest's own ``scale``). ``quantization``: kernel name -> manifest entry."""
    rows = []
    for L in layers:
        q = quantization.get(f"{L.name}/kernel")
        if q is None:
            raise KeyError(f"no quantization entry for {L.name}/kernel")
        b = deep.direction_change_bound(L.filters, q["scale"])
        b = b[np.isfinite(b)]
        rows.append(dict(layer=L.index, name=L.name, scale=f"{q['scale']:.2e}",
                         bound_median=round(float(np.median(b)), 3),
                         bound_90pct=round(float(np.quantile(b, 0.9)), 3)))
    return rows


def run_vgg(config: deep.DeepConfig, *, progress: bool = True) -> dict:
    """VGG16 (all 13 layers) and VGG19 (layer 5) when their ImageNet weights are on this machine.

    Returns name -> list of LayerAnalysis, or None for a network whose weights are not here
    (nothing is downloaded: no package registry ships them).
    """
    found = vgg_availability()
    out = {}
    for name, path in found.items():
        if path is None:
            out[name] = None
            continue
        layers = load_layers(name, weights_path=path)
        chosen = layers if name == "vgg16" else deep.select_layers(layers, (5,))
        out[name] = deep.analyze_layers(chosen, config, progress=progress)
    return out


def vgg_verdicts(vgg: dict) -> dict:
    """Verdicts for F10 (VGG16 layers 2-13) and F11 (VGG19 layer 5) from :func:`run_vgg`.

    Returns claim id -> (verdict, ours text). "not tested" when the weights are not here.
    F11 ("layer 5 of VGG19 shows the circle of VGG16's layer 13") is judged on "one dominant
    loop": the layer's calibrated circle rule with one long bar; whether it is the *same*
    circle as layer 13's is left to the Mapper figure.
    """
    out = {}
    v16 = vgg.get("vgg16")
    if v16 is None:
        out["F10"] = ("not tested", "no ImageNet VGG16 weights on this machine (no registry ships them)")
    else:
        out["F10"] = depth_verdict(v16, last_layer_not=13)
    v19 = vgg.get("vgg19")
    if v19 is None or not v19 or v19[0].verdict is None:
        out["F11"] = ("not tested", "no ImageNet VGG19 weights on this machine (no registry ships them)")
    else:
        rule = v19[0].verdict
        out["F11"] = (rule.verdict, "; ".join(rule.reasons))
    return out


def criteria(analysis: deep.LayerAnalysis) -> dict | None:
    """What one analysed layer shows, as booleans (None: not analysed or no rule run).

    ``beats_nulls`` and ``dominant_bar`` are the calibrated rule's two questions (a circle: the
    top bar beats the gaussian and shuffled nulls; one long bar: the second does not), with
    the top bar also above initialization-like filters; ``mapper_loop`` and ``near_circle``
    (dense core's median distance to the primary circle below the 5 % quantile of random
    directions) are descriptive, not part of the rule.
    """
    from toponet.studies import null_distance_threshold

    r = analysis.result
    if r is None or analysis.claim is None:
        return None
    test = analysis.claim["test"]
    return dict(
        beats_nulls=bool(test.exists) and test.top[0] > analysis.untrained_top_h1,
        dominant_bar=bool(test.exists and test.one_long_bar),
        mapper_loop=r.mapper is not None and r.mapper.n_large_loops_ >= 1,
        near_circle=float(np.median(r.distance_primary[r.kept_index])) < null_distance_threshold())


def findings_markdown(analyses, name: str) -> str:
    """What the per-layer table of one network says, in words, with the layer indices."""
    judged = [(a, criteria(a)) for a in analyses if a.layer.index >= 2]
    judged = [(a, c) for a, c in judged if c is not None]
    if not judged:
        return f"**{name}**: no layer with enough filters was analysed."

    def which(key):
        hits = [a.layer.index for a, c in judged if c[key]]
        return f"{len(hits)} of {len(judged)}" + (f" (layers {', '.join(map(str, hits))})" if hits else "")

    strong = [a.layer.index for a, c in judged if c["beats_nulls"] and c["dominant_bar"]]
    elsewhere = [a.layer.index for a, c in judged if c["beats_nulls"] and c["dominant_bar"] and not c["near_circle"]]
    return (f"**{name}**, {len(judged)} layers analysed: the top $H_1$ bar beats the gaussian and shuffled "
            f"nulls (p < 0.05) and the initialization-like filters in {which('beats_nulls')}; the second bar does "
            f"not beat them (one long bar) in {which('dominant_bar')}; the Mapper graph has a large loop in "
            f"{which('mapper_loop')} (descriptive: not calibrated); the dense core lies nearer the primary circle "
            f"than 95 % of random filters in {which('near_circle')}. One bar that beats its nulls *and* stands "
            f"alone: layers {', '.join(map(str, strong)) or 'none'}"
            + (f"; of these, the dense core is *not* near the primary circle in layers {', '.join(map(str, elsewhere))}: "
               "a loop, but not the paper's circle." if elsewhere else "."))


def dither_summary(rows, *, tolerance: float = 0.1) -> str:
    """Which layers' top H1 bar moves by more than ``tolerance`` (a fraction of its stored
    length) under dithering (rows of :func:`dither_rows`), in words."""
    moved = [(r["index"], r["top_h1_change"], r["top_h1_stored"]) for r in rows
             if r["top_h1_stored"] > 0 and abs(r["top_h1_change"]) > tolerance * r["top_h1_stored"]]
    if not moved:
        return (f"Dithering moves no layer's top $H_1$ bar by more than {100 * tolerance:.0f} % of its length: "
                "the uint8 storage does not drive these results.")
    return (f"Dithering moves the top $H_1$ bar by more than {100 * tolerance:.0f} % of its length in layers "
            + ", ".join(f"{i} ({d:+.3f} on {t:.3f})" for i, d, t in moved)
            + ": there the result depends on what the uint8 storage threw away; the other layers' bars move less.")
