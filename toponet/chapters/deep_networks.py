"""Chapter 04 (``notebooks/04_deep_networks.py``, paper Sec. V.C, Figs. 10-11, claims F10-F11): pretrained networks, the paper's pipeline layer by layer, with nulls and a verdict.

For each 3x3 conv layer (:class:`toponet.pretrained.layers.ConvLayer`):

1. constant filters (dead channels, stored as exact zeros) are dropped from the whole layer
   (:func:`toponet.filters.normalize`), then a seeded subsample of at most ``sample_size`` of
   the others is drawn *before* the density step, so memory and time are bounded whatever the
   layer's size (VGG16's last layers hold 262,144 filters, InceptionV3's deepest 172,032) and
   every large layer is tested at the same cloud size;
2. rho(k, p) with the paper's VGG values (k = 100; p = 0.4 for layer 2, 0.3 otherwise) and k
   rescaled to the subsample (``toponet.analysis.scaled_k``: the k-th neighbour probes the same
   fraction of the cloud), floored at ``toponet.circle_decision.K_MIN`` (a 1st-neighbour density is mostly
   noise) and capped at a tenth of the subsample (the paper used k/n <= 2.4 %; a larger k turns an
   evenly sampled circle into its densest arc);
3. the book's calibrated circle rule (:func:`toponet.paper_claims.circle_claim`: the two longest H1
   bars against ``null_repeats`` gaussian, shuffled and second-order (directions) null clouds each,
   the rule calibrated at this cloud size, k and p); "one long bar" is part of the claim
   (Fig. 10: the circle is the *dominant* structure);
4. for the figures and the table, :func:`toponet.analysis.analyze_filters` on the same cloud
   (exact persistence, Mapper(30, 3), distances to the primary circle and the Klein bottle),
   the same pipeline on filters drawn like a freshly initialized layer (i.i.d. uniform
   entries, as Keras' Glorot-uniform and torch's Kaiming-uniform give) and the top bar on
   further subsamples with other seeds: reported, not part of the rule.

Also the quantization check (:func:`quantize_per_tensor`, :func:`direction_change_bound`): the
nsfwjs weights are stored as uint8 per tensor; the same statistics on float weights
re-quantized the same way say how much that storage moves the results.

Verdict rules (stated in the chapter):

- per layer: the book's calibrated circle rule with "one long bar" (:func:`toponet.circle_decision.circle_rule`
  via :func:`toponet.paper_claims.circle_claim`, book/method.md), run by
  :func:`analyze_layer`;
- per network, :func:`depth_verdict`: the paper's F10 claim is "the primary circle is the
  dominant structure in layers 2-12, not in 13". Over the analysed layers of a network (layer
  2 and up, enough filters): **reproduced** when at least 80 % of them are "reproduced"
  (and, for VGG16, layer 13 is "not reproduced"); **partly** when at least half are at least
  "partly"; **not reproduced** when even counting every inconclusive layer as a pass fewer
  than half would be; **inconclusive** otherwise (layers without power could change it).
  With each layer's false-positive rate at most about 5 %, chance passes among 16 layers
  (expected under one) cannot reach the "partly" bar of half.

The notebook calls :func:`run_chapter` once: a frozen :class:`DeepChapter` with every analysis,
the quantization tables and the verdict rows; its methods show the tables and draw the figures
with their captions and readings. The chapter's "What we found" paragraphs (:func:`findings_markdown`
for each stand-in's per-layer table, :func:`dither_summary` for the dithering check) are the
template ``toponet/chapters/templates/deep_findings.md`` filled from the results; the figures'
captions are the template ``toponet/chapters/templates/deep_captions.md`` (the methods pass it
their numbers, :func:`pretrained_caption` adds the frame).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from toponet._validation import check_fraction, check_int
from toponet.analysis import analyze_filters, filtered_top_h1, scaled_k
from toponet.book.notebook import Caption, Reading, caption, what_to_see
from toponet.chapters._common import null_distance_threshold
from toponet.chapters._readings import barcode_reading, mapper_reading
from toponet.chapters._templates import render
from toponet.paper_claims import circle_claim
from toponet.density import density_filtration
from toponet.filters import normalize, subsample
from toponet.ideal import distance_to_model
from toponet.pretrained.layers import ConvLayer
from toponet.pretrained.networks import NETWORK_LABELS, find_vgg_weights, inception_quantization, load_layers
from toponet import book as tb
from toponet import group_tests as gt
from toponet import plots
from toponet.circle_decision import ALPHA, EXISTENCE_KINDS, combined_record, second_order_null
from toponet.verdict_record import Verdict

__all__ = ["DeepConfig", "subsample", "layer_k", "layer_p", "initialization_filters", "LayerAnalysis",
           "live_filters", "analyze_layer", "analyze_layers", "pooled_layer", "quantize_per_tensor", "quantized_layer",
           "direction_change_bound", "dithered_layer", "compare_statistics", "quantization_effect",
           "depth_figure", "PROFILE_SCALE", "profile_config", "select_layers", "cloud_tex",
           "run_network", "vgg_availability", "depth_verdict", "record_fields", "verdict_rows", "layer_table", "best_layer", "criteria",
           "findings_markdown", "dither_summary",
           "pretrained_caption", "quantization_rows", "dither_rows", "stored_bound_rows", "run_vgg",
           "vgg_verdicts", "depth_reading", "layer_mapper_reading", "layer_barcode_reading",
           "DeepChapter", "run_chapter", "STAND_INS", "CLOUDS"]


@dataclass(frozen=True)
class DeepConfig:
    """Parameters of the per-layer analysis (the paper's VGG values by default).

    k_paper, p, p_second_layer : rho(k_paper, p) on every layer, p_second_layer on layer 2
        (paper: rho(100, 0.4) for VGG16 layer 2, rho(100, 0.3) for layers 3-13).
    sample_size : filters drawn (without replacement, seeded) from a larger layer.
    min_filters : layers with fewer filters get no analysis (the paper's layer 1, 192
        filters, was "too few"); they are listed as such.
    null_repeats : null clouds per kind of the calibrated circle rule (99: p floor 0.01); 0 runs
        no rule (descriptive statistics only, e.g. :func:`compare_statistics`).
    subsample_seeds : subsamples (seeds ``seed``, ``seed + 1``, ...) the top H1 is repeated on.
    resolution, gain : Mapper(resolution, gain). threshold : "near" an ideal model (R^9).
    seed : every random step.
    """

    k_paper: int = 100
    p: float = 0.3
    p_second_layer: float = 0.4
    sample_size: int = 1000
    min_filters: int = 200
    null_repeats: int = 99
    subsample_seeds: int = 3
    resolution: int = 30
    gain: float = 3.0
    threshold: float = 0.3
    seed: int = 0
    mapper: bool = True

    def __post_init__(self):
        check_int(self.k_paper, name="k_paper", low=1)
        check_fraction(self.p, name="p")
        check_fraction(self.p_second_layer, name="p_second_layer")
        check_int(self.sample_size, name="sample_size", low=10)
        check_int(self.min_filters, name="min_filters", low=10)
        check_int(self.null_repeats, name="null_repeats", low=0)
        check_int(self.subsample_seeds, name="subsample_seeds", low=1)
        check_int(self.seed, name="seed", low=0)


def layer_k(n_used: int, n_filters: int, config: DeepConfig) -> int:
    """k (neighbours) for a cloud of ``n_used`` filters drawn from a layer of ``n_filters``.

    ``scaled_k(k_paper, n_used, n_filters)`` (the paper's k when nothing is subsampled, floored
    at :data:`toponet.circle_decision.K_MIN` there), then the chapter's own cap: at most a tenth of the
    cloud, ``n_used // 10``, and at least 1 (the cap wins over the floor on clouds under 50).
    """

    return min(scaled_k(config.k_paper, n_used, n_filters), max(1, n_used // 10))


def layer_p(index: int, config: DeepConfig) -> float:
    """The paper's p for conv layer ``index`` (1-based): ``p_second_layer`` for 2, else ``p``."""
    return config.p_second_layer if index == 2 else config.p


def initialization_filters(n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` filters with i.i.d. uniform entries, shape (n, 9): a freshly initialized layer.

    Glorot-uniform (Keras) and Kaiming-uniform (torch) draw every weight independently from a
    centred uniform law; after mean-centring and normalization the scale does not matter.
    """
    n = check_int(n, name="n", low=1)
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, 9))


@dataclass
class LayerAnalysis:
    """The analysis of one layer. ``result`` is None when the layer has too few filters.

    Attributes
    ----------
    layer : ConvLayer
    n_used : filters analysed (after dropping constant ones and subsampling); k, p : rho(k, p)
    result : toponet.analysis.AnalysisResult or None (figures and descriptive columns)
    untrained_top_h1 : the same pipeline on :func:`initialization_filters` of ``n_used``
    subsample_top_h1, subsample_near_core : top H1 lifetime and the dense core's share within
        ``threshold`` of the primary circle, one per subsample seed (the first is ``result``'s)
    claim : :class:`toponet.paper_claims.CircleClaim` of :func:`toponet.paper_claims.circle_claim`, or None
        (no nulls asked for: ``null_repeats=0``)
    n_constant : constant filters of the whole layer (dropped before subsampling)
    min_filters : the threshold a layer without ``result`` fell below
    """

    layer: ConvLayer
    n_used: int
    k: int
    p: float
    result: object | None = None
    untrained_top_h1: float = float("nan")
    subsample_top_h1: np.ndarray | None = None
    subsample_near_core: np.ndarray | None = None
    claim: dict | None = None
    n_constant: int = 0
    min_filters: int = 0

    @property
    def verdict(self):
        """The layer's :class:`toponet.circle_decision.RuleResult` (None without a claim)."""
        return None if self.claim is None else self.claim.rule

    @property
    def headline(self):
        """The more conservative existence null (gaussian or shuffled: the smaller effect size),
        a :class:`toponet.circle_decision.NullTest`; None without a claim."""
        if self.claim is None:
            return None

        tests = [t for kind, t in self.claim.test.nulls.items() if kind in EXISTENCE_KINDS]
        return min(tests, key=lambda t: (np.nan_to_num(t.effect_size, nan=-np.inf), -t.p)) if tests else None

    def row(self) -> dict:
        """One row of the per-layer table (plain values, rounded for display)."""
        L = self.layer
        out = dict(network=L.network, layer=L.index, name=L.name, depth=L.depth,
                   kernel="x".join(map(str, L.shape)), filters=L.n_filters, used=self.n_used)
        if self.result is None:
            out.update(k=None, p=None, constant=None, kept=None, top_h1=None, ratio=None, null=None, effect=None,
                       p_value=None, second_order_p=None, power=None, untrained=None, seeds=None,
                       near_circle_core=None, near_klein_core=None, core_median_dist=None, loops=None,
                       verdict=f"too few filters (< {self.min_filters})")
            return out
        r = self.result
        h1 = r.persistence.lifetimes(1)
        top = float(h1[0]) if h1.size else 0.0
        second = float(h1[1]) if h1.size > 1 else 0.0
        head = self.headline
        cov = second_order_null(self.claim.test) if self.claim is not None else None
        rule = self.verdict
        core = r.kept_index
        ts = self.subsample_top_h1
        out.update(
            k=self.k, p=self.p, constant=self.n_constant, kept=r.n_kept, top_h1=round(top, 3),
            ratio=round(top / second, 1) if second > 0 else float("inf"),
            null=f"{head.null_mean:.3f} ± {head.null_sd:.3f} ({head.kind})" if head else None,
            effect=round(head.effect_size, 1) if head else None,
            p_value=f"{head.p:.2g} ({head.draws} draws)" if head else None,
            second_order_p=f"{cov.p:.2g} ({cov.draws} draws)" if cov else None,
            power=None if rule is None or rule.power is None else round(rule.power, 2),
            untrained=round(self.untrained_top_h1, 3),
            seeds=(f"{ts.min():.3f}-{ts.max():.3f}" if ts is not None and ts.size > 1 else "(all filters)"),
            near_circle_core=round(float(np.mean(r.distance_primary[core] <= r.config.threshold)), 3),
            near_klein_core=round(float(np.mean(r.distance_klein[core] <= r.config.threshold)), 3),
            core_median_dist=round(float(np.median(r.distance_primary[core])), 3),
            loops=int(r.mapper.n_large_loops_) if r.mapper is not None else None,
            verdict=rule.verdict if rule is not None else None)
        return out


def live_filters(filters) -> tuple[np.ndarray, int]:
    """The layer's filters that have a direction (not constant), raw, and how many were dropped.

    Uses the rule of :func:`toponet.filters.normalize` on the whole layer, so that a subsample
    holds no dead channel and every large layer is tested at the same size.
    """

    X = np.asarray(filters, dtype=np.float64).reshape(len(filters), -1)
    _, kept = normalize(X, quiet=True)   # the count is the caller's to report (LayerAnalysis.n_constant)
    return X[kept], int((~kept).sum())


def analyze_layer(layer: ConvLayer, config: DeepConfig | None = None) -> LayerAnalysis:
    """The paper's pipeline on one layer, with the calibrated circle rule, other subsamples and
    initialization-like filters."""

    cfg = config or DeepConfig()
    if not isinstance(layer, ConvLayer):
        raise TypeError(f"layer must be a ConvLayer; got {type(layer).__name__}")
    n = layer.n_filters
    if n < cfg.min_filters:
        return LayerAnalysis(layer, n, 0, layer_p(layer.index, cfg), min_filters=cfg.min_filters)
    live, n_constant = live_filters(layer.filters)
    if live.shape[0] < cfg.min_filters:
        return LayerAnalysis(layer, live.shape[0], 0, layer_p(layer.index, cfg), n_constant=n_constant,
                             min_filters=cfg.min_filters)
    X, _ = subsample(live, cfg.sample_size, cfg.seed)
    n_used = X.shape[0]
    k, p = layer_k(n_used, live.shape[0], cfg), layer_p(layer.index, cfg)
    claim = (circle_claim(X, k=k, p=p, draws=cfg.null_repeats, seed=cfg.seed, one_bar=True, max_core=None)
             if cfg.null_repeats else None)
    res = analyze_filters(X, k=k, p=p, resolution=cfg.resolution, gain=cfg.gain, null_repeats=0,
                          threshold=cfg.threshold, seed=cfg.seed, mapper=cfg.mapper, n_landmarks=None)
    untrained = filtered_top_h1(initialization_filters(n_used, seed=cfg.seed), k=k, p=p, seed=cfg.seed,
                                n_landmarks=None)
    h1 = res.persistence.lifetimes(1)
    tops = [float(h1[0]) if h1.size else 0.0]
    near = [float(np.mean(res.distance_primary[res.kept_index] <= cfg.threshold))]
    if live.shape[0] > cfg.sample_size:
        for s in range(1, cfg.subsample_seeds):
            Xs, _ = subsample(live, cfg.sample_size, cfg.seed + s)
            Xn, _ = normalize(Xs)
            core = density_filtration(Xn, k, p)
            tops.append(filtered_top_h1(Xs, k=k, p=p, seed=cfg.seed, n_landmarks=None))
            near.append(distance_to_model(core, threshold=cfg.threshold).fraction_within)
    return LayerAnalysis(layer, n_used, k, p, res, untrained, np.array(tops), np.array(near), claim,
                         n_constant=n_constant)


def analyze_layers(layers, config: DeepConfig | None = None, *, progress: bool = True) -> list[LayerAnalysis]:
    """:func:`analyze_layer` on each layer, with a tqdm bar over the layers."""
    from tqdm.auto import tqdm

    layers = list(layers)
    return [analyze_layer(L, config) for L in tqdm(layers, desc="layers", disable=not progress)]


def pooled_layer(layers, name: str) -> ConvLayer:
    """All filters of ``layers`` in one cloud (e.g. every 3x3 depthwise conv of a network).

    Its ``index`` is 0 (not a layer of the network), its ``depth`` the deepest one's.
    """
    layers = list(layers)
    if not layers:
        raise ValueError("no layers to pool")
    X = np.concatenate([L.filters for L in layers])
    kinds = {L.kind for L in layers}
    return ConvLayer(layers[0].network, name, 0, max(L.depth for L in layers), (X.shape[0], 1, 3, 3),
                     kinds.pop() if len(kinds) == 1 else "conv", X)


def quantize_per_tensor(W, bits: int = 8) -> tuple[np.ndarray, float]:
    """``W`` quantized the way TF.js stores it: ``min + scale * round((W - min) / scale)``.

    One (min, scale) for the whole tensor, ``scale = (max - min) / (2**bits - 1)``. Returns
    the dequantized array (same shape) and ``scale``. Every entry moves by at most scale / 2.
    """
    W = np.asarray(W, dtype=np.float64)
    bits = check_int(bits, name="bits", low=1, high=16)
    lo, hi = float(W.min()), float(W.max())
    scale = (hi - lo) / (2 ** bits - 1)
    if scale == 0:
        return W.copy(), 0.0
    return lo + scale * np.round((W - lo) / scale), scale


def quantized_layer(layer: ConvLayer, bits: int = 8) -> ConvLayer:
    """The same layer with its (float) kernel quantized per tensor, see :func:`quantize_per_tensor`."""
    Q, _ = quantize_per_tensor(layer.filters, bits)
    return replace(layer, network=f"{layer.network}, re-quantized to uint{bits}", filters=Q.astype(np.float32))


def direction_change_bound(filters, scale: float) -> np.ndarray:
    """Upper bound on how far quantization can move each normalized filter, shape (n,).

    A quantized filter is ``x + e`` with every ``|e_j| <= scale / 2``, so the mean-centred error
    has norm at most ``3 * scale / 2`` (nine entries; centring is a projection). For unit
    directions, ``|| x/|x| - y/|y| || <= 2 |x - y| / |x|``, with ``x`` the centred filter.
    Returns ``3 * scale / |x_centred|`` (inf for a constant filter).
    """
    X = np.asarray(filters, dtype=np.float64).reshape(len(filters), -1)
    norms = np.linalg.norm(X - X.mean(axis=1, keepdims=True), axis=1)
    with np.errstate(divide="ignore"):
        return np.where(norms > 0, 3.0 * float(scale) / norms, np.inf)


def dithered_layer(layer: ConvLayer, scale: float, *, seed: int = 0) -> ConvLayer:
    """The layer's (dequantized) filters plus i.i.d. uniform noise on [-scale/2, scale/2].

    For weights stored quantized with step ``scale``, the float weights they came from lie
    within ``scale / 2`` of the stored values, entry by entry; a dithered copy is another
    float tensor consistent with the same stored integers. Statistics that change under
    dithering depend on what the storage threw away.
    """
    if not float(scale) >= 0:
        raise ValueError(f"scale must be >= 0; got {scale}")
    noise = np.random.default_rng(seed).uniform(-scale / 2, scale / 2, size=layer.filters.shape)
    return replace(layer, network=f"{layer.network}, dithered", filters=(layer.filters + noise).astype(np.float32))


def compare_statistics(a: ConvLayer, b: ConvLayer, config: DeepConfig | None = None) -> dict:
    """The same statistics on two versions of a layer (e.g. float and re-quantized).

    Runs :func:`analyze_layer` (no nulls, no Mapper, one subsample seed) on both; returns a
    dict with, for "a" and "b", the top two H1 lifetimes, the dense core's share within
    ``threshold`` of the primary circle and its median distance to it, and "difference" (b - a).
    """
    cfg = replace(config or DeepConfig(), null_repeats=0, mapper=False, subsample_seeds=1)
    out = {}
    for name, L in (("a", a), ("b", b)):
        res = analyze_layer(L, cfg).result
        if res is None:
            raise ValueError(f"{L.label}: too few filters for the comparison")
        h1 = res.persistence.lifetimes(1)
        core = res.distance_primary[res.kept_index]
        out[name] = dict(top_h1=float(h1[0]) if h1.size else 0.0, second_h1=float(h1[1]) if h1.size > 1 else 0.0,
                         near_circle_core=float(np.mean(core <= cfg.threshold)),
                         core_median_dist=float(np.median(core)))
    out["difference"] = {key: out["b"][key] - out["a"][key] for key in out["a"]}
    return out


def quantization_effect(layer: ConvLayer, config: DeepConfig | None = None, bits: int = 8) -> dict:
    """:func:`compare_statistics` of a float layer ("a") and its per-tensor re-quantized copy ("b"),
    with the quantization step ``scale`` and the median of :func:`direction_change_bound`."""
    out = compare_statistics(layer, quantized_layer(layer, bits), config)
    _, scale = quantize_per_tensor(layer.filters, bits)
    out["scale"] = scale
    out["bound_median"] = float(np.median(direction_change_bound(layer.filters, scale)))
    return out


def depth_figure(analyses, *, title: str = ""):
    """Plotly figure: top H1 lifetime per layer against the null band, one trace per network.

    ``analyses``: LayerAnalysis objects (those without a result are skipped). x = layer index,
    markers = observed top H1, error bars = the headline null's mean +- 2 sd, and the
    untrained-like filters' value as open markers.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    by_net: dict[str, list] = {}
    for a in analyses:
        if a.result is not None and a.layer.index > 0:
            by_net.setdefault(a.layer.network, []).append(a)
    for net, items in by_net.items():
        x = [a.layer.index for a in items]
        top = [float(a.result.persistence.top_lifetime(1)) for a in items]
        heads = [a.headline for a in items]
        if all(h is not None for h in heads):
            fig.add_trace(go.Scatter(x=x, y=[h.null_mean for h in heads], mode="markers", name=f"{net}: null",
                                     marker=dict(symbol="line-ew-open", size=14),
                                     error_y=dict(type="data", array=[2 * h.null_sd for h in heads])))
        fig.add_trace(go.Scatter(x=x, y=[a.untrained_top_h1 for a in items], mode="markers",
                                 name=f"{net}: initialization-like", marker=dict(symbol="circle-open")))
        fig.add_trace(go.Scatter(x=x, y=top, mode="lines+markers", name=f"{net}: observed",
                                 text=[a.layer.name for a in items]))
    fig.update_layout(title=title, xaxis_title="3x3 conv layer (input to output)",
                      yaxis_title="top H1 lifetime", template="plotly_white")
    return fig


#: Per-profile scale of the chapter (the analysis parameters k, p, Mapper come from the
#: chapter's parameters): filters drawn per layer, matched null clouds per kind, subsample
#: seeds, and which layers are analysed (None: all).
PROFILE_SCALE = {
    "smoke": dict(sample_size=400, null_repeats=99, subsample_seeds=2, layers={"inception": (2, 3, 17),
                                                                             "efficientnet": (8,)}),
    "default": dict(sample_size=1000, null_repeats=99, subsample_seeds=3, layers=None),
    "paper": dict(sample_size=2000, null_repeats=99, subsample_seeds=5, layers=None),
}


def profile_config(profile: str, *, k: int, p: float, resolution: int, gain: float, seed: int) -> tuple:
    """The chapter's :class:`DeepConfig` and layer selection at ``profile``.

    Returns ``(config, layers)`` with ``layers`` a dict network -> tuple of layer indices, or
    None for all layers. ``p`` is the paper's p for layers 3 and up (layer 2 keeps 0.4).
    """
    if profile not in PROFILE_SCALE:
        raise ValueError(f"unknown profile {profile!r}; known: {sorted(PROFILE_SCALE)}")
    scale = dict(PROFILE_SCALE[profile])
    layers = scale.pop("layers")
    cfg = DeepConfig(k_paper=k, p=p, resolution=resolution, gain=gain, seed=seed, **scale)
    return cfg, layers


def select_layers(layers, indices) -> list[ConvLayer]:
    """The layers whose ``index`` is in ``indices`` (None: all), in their order."""
    layers = list(layers)
    if indices is None:
        return layers
    known = {L.index for L in layers}
    missing = sorted(set(indices) - known)
    if missing:
        raise ValueError(f"no layer(s) {missing}; the network has layers {sorted(known)}")
    return [L for L in layers if L.index in set(indices)]


def cloud_tex(analysis: LayerAnalysis) -> str:
    r"""The analysed cloud in TeX: ``\rho(k, p, \text{network}^{l})``, subsample size stated."""
    L = analysis.layer
    net = L.network.replace("_", r"\_")
    where = f"^{{{L.index}}}" if L.index > 0 else ""
    cloud = f"\\text{{{net}}}{where}"
    if analysis.n_used < L.n_filters:
        cloud += f"\\,[{analysis.n_used} \\text{{ of }} {L.n_filters} \\text{{ filters, seed }} {analysis.result.config.seed if analysis.result is not None else 0}]"
    else:
        cloud += f"\\,[{L.n_filters} \\text{{ filters}}]"
    if analysis.result is None:
        return cloud
    return f"\\rho({analysis.k}, {analysis.p:g}, {cloud})"



def run_network(network: str, config: DeepConfig, indices=None, *, progress: bool = True):
    """Load ``network``'s 3x3 layers and analyse the selected ones.

    Returns ``(layers, analyses)``: every 3x3 layer, and one LayerAnalysis per selected layer.
    """
    layers = load_layers(network)
    chosen = select_layers(layers, indices)
    return layers, analyze_layers(chosen, config, progress=progress)


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
    fdr = _fdr_discoveries(main)
    rep_raw, part_raw = rep, part
    if fdr is not None:
        # multiplicity over the layers: a layer counts as passing only when it is also a discovery
        # at a 5 % false-discovery rate (Benjamini-Hochberg over the layers' p, the larger of the two
        # existence nulls' p); the failing side keeps the raw counts (generous to the claim)
        rep = sum(a.verdict.verdict == "reproduced" and d for a, d in zip(main, fdr))
        part = sum(a.verdict.verdict in ("reproduced", "partly") and d for a, d in zip(main, fdr))
    draws = sorted({a.claim.test.draws for a in main})
    powers = [a.verdict.power for a in main if a.verdict.power is not None]
    tail = (f"; per layer: the calibrated circle rule, {'/'.join(map(str, draws))} null clouds per kind, "
            f"power {min(powers):.0%}-{max(powers):.0%}" if powers else "")
    if n and rep >= 0.8 * n and last_ok:
        v = "reproduced"
    elif n and part >= 0.5 * n:
        v = "partly"
    elif n and part_raw + unknown < 0.5 * n and not (rep_raw + unknown >= 0.8 * n and last_unknown):
        v = "not reproduced"
        absent = [a.verdict.power for a in main if a.verdict.verdict == "not reproduced" and a.verdict.power is not None]
        if absent:
            note += (f"; decided by the {len(absent)} layer(s) without a circle, each tested with power "
                     f"{min(absent):.0%} or more (fewer than half the layers pass even counting every inconclusive "
                     "one as a pass)")
    else:
        v = "inconclusive"
        if unknown:
            note += f"; {unknown} layer(s) inconclusive (no power at their size) could change the count"
        if part < part_raw:
            note += (f"; {part_raw - part} layer(s) pass only before the false-discovery control, so the count "
                     "decides neither way")
    counts = (f"{rep} of {n} layers reproduced, {part} at least partly" if fdr is None else
              f"{rep} of {n} layers reproduced, {part} at least partly after controlling the false-discovery rate "
              f"at 5 % over the {n} layers (Benjamini-Hochberg; {rep_raw} and {part_raw} before)")
    return v, f"{counts}{note}{tail}"


def _fdr_discoveries(main) -> list[bool] | None:
    """Benjamini-Hochberg discoveries at 5 % among the layers ``main`` (LayerAnalysis), each layer's
    p the larger of its existence nulls' (both must pass); None when a layer's test has no nulls."""
    ps = []
    for a in main:
        nulls = getattr(a.claim.test, "nulls", None)
        if not nulls or not all(k in nulls for k in EXISTENCE_KINDS):
            return None
        ps.append(max(nulls[k].p for k in EXISTENCE_KINDS))
    return list(gt.benjamini_hochberg(ps, q=ALPHA))


def record_fields(analyses, verdict: str | None = None) -> dict:
    """The statistical fields of a per-network verdict row (:class:`toponet.verdict_record.Verdict`).

    ``verdict``: the network's (:func:`depth_verdict`); the fields are those of the layers the
    decision rests on: for "not reproduced" the layers without a circle (each tested with
    power >= 80 %: the row's ``power`` is their smallest), for "reproduced" / "partly" the
    layers that passed (``false_positive_rate`` their largest: the rate of the rule that said
    "circle"); otherwise (or without ``verdict``) every judged layer (index >= 2, rule run).
    ``cloud_points`` is the largest dense core tested. The per-layer nulls are in the chapter's
    table, not in the row (``nulls`` stays empty; the row's text names the draws).
    """
    judged = [a for a in analyses if a.verdict is not None and a.layer.index >= 2]
    wanted = {"not reproduced": ("not reproduced",), "reproduced": ("reproduced", "partly"),
              "partly": ("reproduced", "partly")}.get(verdict)
    decisive = [a for a in judged if wanted is None or a.verdict.verdict in wanted] or judged
    rec = combined_record((a.verdict for a in decisive), nulls=False)
    power = rec["power"]
    if wanted is not None and verdict != "not reproduced":
        power = combined_record((a.verdict for a in judged), nulls=False)["power"]
    cores = [a.claim.test.n_core for a in judged]
    return dict(power=power, false_positive_rate=rec["false_positive_rate"],
                cloud_points=max(cores) if cores else None)



def verdict_rows(*, vgg: dict, vgg_verdicts: dict, inception: list, efficientnet: list, efficientnet_pooled,
                 config: DeepConfig, profile: str, seed: int, inception_label: str,
                 efficientnet_label: str) -> list:
    """The chapter's four verdict rows (F10, F11 on VGG; F10 by depth on the two stand-ins).

    Parameters
    ----------
    vgg : dict
        :func:`run_vgg`'s result ("vgg16", "vgg19": None when no weights are on this machine).
    vgg_verdicts : dict
        :func:`vgg_verdicts`' ``{"F10": (verdict, words), "F11": (verdict, words)}``.
    inception, efficientnet : list of LayerAnalysis
        The stand-ins' per-layer analyses (:func:`analyze_layer`).
    efficientnet_pooled : LayerAnalysis
        EfficientNet-Lite0's depthwise filters of every layer pooled (reported in its row).
    config : DeepConfig
        The chapter's configuration (sample size, null draws), stated in each row's scale.
    profile : str
        The build profile.
    seed : int
        The subsample seed, stated in the scale.
    inception_label, efficientnet_label : str
        The stand-ins' names (:data:`toponet.pretrained.NETWORK_LABELS`), each row's data.

    Returns
    -------
    list of :class:`toponet.verdict_record.Verdict`, in the order F10, F11, F10-inception,
    F10-efficientnet.
    """
    inception_verdict, inception_text = depth_verdict(inception)
    efficientnet_verdict, efficientnet_text = depth_verdict(efficientnet)
    scale = (f"{profile}: <= {config.sample_size} filters per layer (seed {seed}), k = 100 rescaled, "
             f"{config.null_repeats} nulls per kind and layer")
    pooled = efficientnet_pooled.row()
    return [
        Verdict("F10", "VGG16 layers 2-12 show the primary circle, layer 13 does not",
                "Fig. 10: circle dominant in layers 2-12, not 13", vgg_verdicts["F10"][1], scale,
                "ImageNet VGG16" if vgg["vgg16"] else "none: no VGG16 weights on this machine",
                vgg_verdicts["F10"][0], "04_deep_networks"),
        Verdict("F11", "VGG19 layer 5 shows the circle VGG16 has at layer 13", "Fig. 11", vgg_verdicts["F11"][1],
                scale, "ImageNet VGG19" if vgg["vgg19"] else "none: no VGG19 weights on this machine",
                vgg_verdicts["F11"][0], "04_deep_networks"),
        Verdict("F10-inception", "stand-in, NOT VGG: the primary circle by depth in InceptionV3",
                "VGG16: circle dominant in layers 2-12", inception_text, scale, inception_label,
                inception_verdict, "04_deep_networks", **record_fields(inception, inception_verdict)),
        Verdict("F10-efficientnet", "stand-in, NOT VGG: the primary circle by depth in EfficientNet-Lite0",
                "VGG16: circle dominant in layers 2-12",
                f"{efficientnet_text}; all depthwise pooled: top H1 {pooled['top_h1']} vs null {pooled['null']}, "
                f"p = {pooled['p_value']}, verdict {pooled['verdict']}", scale, efficientnet_label,
                efficientnet_verdict, "04_deep_networks", **record_fields(efficientnet, efficientnet_verdict)),
    ]

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


def pretrained_caption(text: str, analysis: LayerAnalysis, *, profile: str, figure: str | None = None):
    """A caption for a figure of a pretrained network's layer (a :class:`toponet.book.notebook.Caption`).

    States the cloud (:func:`cloud_tex`), the profile and that the weights are pretrained (not
    trained here, no accuracy measured here: the part "weights" of the template
    ``templates/deep_captions.md``). What the weights are is described once in the chapter (its
    opening), not in every caption.

    Parameters
    ----------
    text : str
        What the figure shows, in words (the chapter's figures render it from ``deep_captions.md``).
    analysis : LayerAnalysis
        The cloud the caption names (its layer's network and :func:`cloud_tex`).
    profile : str
        The build profile the numbers come from.
    figure : str, optional
        The figure's label, printed as "**Figure 10b (stand-in).**"; none when ``None``.

    Returns
    -------
    toponet.book.notebook.Caption
    """
    return caption(text, cloud=cloud_tex(analysis), profile=profile, figure=figure,
                   weights=render("deep_captions", figure="weights", network=analysis.layer.network))


def _comparison_row(name: str, n_filters: int, out: dict, a: str, b: str) -> dict:
    fa, fb, d = out["a"], out["b"], out["difference"]
    return {"layer": name, "filters": n_filters, f"top_h1_{a}": round(fa["top_h1"], 3),
            f"top_h1_{b}": round(fb["top_h1"], 3), "top_h1_change": round(d["top_h1"], 3),
            f"near_circle_{a}": round(fa["near_circle_core"], 3), f"near_circle_{b}": round(fb["near_circle_core"], 3),
            "median_dist_change": round(d["core_median_dist"], 3)}


def quantization_rows(layers, config: DeepConfig, bits: int = 8, *, pooled: str | None = None) -> list[dict]:
    """Float layers against the same layers quantized per tensor (uint``bits``), one row each.

    ``pooled``: also a row for all ``layers`` pooled, each quantized with its own scale first.
    """
    rows = []
    for L in layers:
        out = quantization_effect(L, config, bits)
        rows.append({**_comparison_row(L.name, L.n_filters, out, "float", "quantized"),
                     "scale": f"{out['scale']:.2e}", "bound_median": round(out["bound_median"], 3)})
    if pooled:
        a = pooled_layer(layers, pooled)
        b = pooled_layer([quantized_layer(L, bits) for L in layers], pooled)
        rows.append({**_comparison_row(pooled, a.n_filters, compare_statistics(a, b, config), "float",
                                       "quantized"), "scale": "per layer", "bound_median": None})
    return rows


def dither_rows(layers, quantization: dict, config: DeepConfig) -> list[dict]:
    """Stored (dequantized) layers against dithered copies (:func:`toponet.pretrained.dithered_layer`
    with the manifest's ``scale``, seed ``config.seed``), one row each."""
    rows = []
    for L in layers:
        q = quantization.get(f"{L.name}/kernel")
        if q is None:
            raise KeyError(f"no quantization entry for {L.name}/kernel")
        if L.n_filters < config.min_filters:
            continue
        out = compare_statistics(L, dithered_layer(L, q["scale"], seed=config.seed), config)
        rows.append({"index": L.index, **_comparison_row(L.name, L.n_filters, out, "stored", "dithered")})
    return rows


def stored_bound_rows(layers, quantization: dict) -> list[dict]:
    """The stated bound for weights stored quantized: per layer, how far the storage can move
    each normalized filter (:func:`toponet.pretrained.direction_change_bound` with the
    manifest's own ``scale``). ``quantization``: kernel name -> manifest entry."""
    rows = []
    for L in layers:
        q = quantization.get(f"{L.name}/kernel")
        if q is None:
            raise KeyError(f"no quantization entry for {L.name}/kernel")
        b = direction_change_bound(L.filters, q["scale"])
        b = b[np.isfinite(b)]
        rows.append(dict(layer=L.index, name=L.name, scale=f"{q['scale']:.2e}",
                         bound_median=round(float(np.median(b)), 3),
                         bound_90pct=round(float(np.quantile(b, 0.9)), 3)))
    return rows


def run_vgg(config: DeepConfig, *, progress: bool = True) -> dict:
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
        chosen = layers if name == "vgg16" else select_layers(layers, (5,))
        out[name] = analyze_layers(chosen, config, progress=progress)
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


def criteria(analysis: LayerAnalysis) -> dict | None:
    """What one analysed layer shows, as booleans (None: not analysed or no rule run).

    ``beats_nulls`` and ``dominant_bar`` are the calibrated rule's two questions (a circle: the
    top bar beats the gaussian and shuffled nulls; one long bar: the second does not), with
    the top bar also above initialization-like filters; ``mapper_loop`` and ``near_circle``
    (dense core's median distance to the primary circle below the 5 % quantile of random
    directions) are descriptive, not part of the rule.
    """

    r = analysis.result
    if r is None or analysis.claim is None:
        return None
    test = analysis.claim.test
    return dict(
        beats_nulls=bool(test.exists) and test.top[0] > analysis.untrained_top_h1,
        dominant_bar=bool(test.exists and test.one_long_bar),
        mapper_loop=r.mapper is not None and r.mapper.n_large_loops_ >= 1,
        near_circle=float(np.median(r.distance_primary[r.kept_index])) < null_distance_threshold())


def findings_markdown(analyses, name: str) -> str:
    """What the per-layer table of one network says, in words, with the layer indices: the
    template ``toponet/chapters/templates/deep_findings.md`` (part "layers", its wording) filled
    from :func:`criteria` of the layers judged (2 and up, analysed).

    Parameters
    ----------
    analyses : list of LayerAnalysis
        One network's analysed layers.
    name : str
        The network's name, as the paragraph opens with it.

    Returns
    -------
    str
        One markdown paragraph.
    """
    judged = [(a, criteria(a)) for a in analyses if a.layer.index >= 2]
    judged = [(a, c) for a, c in judged if c is not None]

    def indices(hits) -> str:
        return ", ".join(map(str, hits))

    def which(key) -> dict:
        hits = [a.layer.index for a, c in judged if c[key]]
        return dict(n=len(hits), layers=indices(hits))

    keys = ("beats_nulls", "dominant_bar", "mapper_loop", "near_circle")
    strong = [a.layer.index for a, c in judged if c["beats_nulls"] and c["dominant_bar"]]
    elsewhere = [a.layer.index for a, c in judged if c["beats_nulls"] and c["dominant_bar"] and not c["near_circle"]]
    return render("deep_findings", part="layers", network=name, n=len(judged), **{k: which(k) for k in keys},
                  strong=indices(strong), elsewhere=indices(elsewhere))


def dither_summary(rows, *, tolerance: float = 0.1) -> str:
    """Which layers' top H1 bar moves by more than ``tolerance`` (a fraction of its stored
    length) under dithering (rows of :func:`dither_rows`), in words: the template
    ``toponet/chapters/templates/deep_findings.md`` (part "dither") filled from the rows.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`dither_rows` (``index``, ``top_h1_stored``, ``top_h1_change``).
    tolerance : float
        The largest change, as a fraction of the stored bar, that does not count as a move.

    Returns
    -------
    str
        One markdown paragraph.
    """
    moved = [dict(index=r["index"], change=f"{r['top_h1_change']:+.3f}", stored=f"{r['top_h1_stored']:.3f}")
             for r in rows if r["top_h1_stored"] > 0 and abs(r["top_h1_change"]) > tolerance * r["top_h1_stored"]]
    return render("deep_findings", part="dither", tolerance=f"{100 * tolerance:.0f}", moved=moved)


# --- readings: what to see in the figures, from this build's results ------------------------------

def _layers(items) -> str:
    return ", ".join(str(a.layer.index) for a in items) or "none"


def depth_reading(analyses) -> Reading:
    """The depth figure's reading: which layers' top bars stand above their nulls and the
    initialization-like filters, and which of those pass the calibrated rule in full."""
    judged = [a for a in analyses if a.verdict is not None and a.layer.index >= 2]
    circle = [a for a in judged if a.claim.test.exists]
    full = [a for a in judged if a.verdict.verdict == "reproduced"]
    above = [a for a in judged if a.result is not None
             and a.result.persistence.top_lifetime(1) > a.untrained_top_h1]
    return what_to_see(
        "read the layers from input to output: a point well above its null bar (mean ± 2 sd of the more "
        "conservative of the gaussian and shuffled null clouds) and above the open circle (the same pipeline on "
        "filters drawn like a freshly initialized layer) is a loop longer than chance. Whether that loop is the "
        "primary circle is the table's distance columns. Of the {n} layers judged (2 and up), the top bar beats "
        "both nulls in layers {circle}, one long bar only (the rule in full) in layers {full}; it is above the "
        "initialization-like value in layers {above}.",
        n=len(judged), circle=_layers(circle), full=_layers(full), above=_layers(above))


def layer_mapper_reading(analysis) -> Reading:
    """A layer's Mapper reading with the rule's answer for that layer (none without nulls)."""
    claim = analysis.claim
    return mapper_reading(analysis.result.mapper, *((claim.test, claim.rule) if claim else ()))


def layer_barcode_reading(analysis) -> Reading:
    """A layer's barcode reading: the circle rule's numbers, or the bare lifetimes without nulls."""
    if analysis.claim is not None:
        return barcode_reading(analysis.claim.test, analysis.claim.rule)
    life = analysis.result.persistence.lifetimes(1)
    return what_to_see("a circle is one $H_1$ bar far longer than every other. Here the longest are {bars}; no null "
                       "clouds were drawn at this profile, so nothing says whether they exceed chance.",
                       bars=", ".join(f"{v:.2f}" for v in life[:3]) or "none")


# --- the chapter in one call: its results, figures, captions, readings and verdict rows --------

#: The chapter's stand-ins: short name (the notebook's argument) -> registry name.
STAND_INS = {"inception": "inception-v3-nsfwjs", "efficientnet": "efficientnet-lite0"}
#: The clouds the chapter draws Mapper graphs and barcodes of (:meth:`DeepChapter.mapper_figure`).
CLOUDS = ("inception layer 2", "inception strongest", "efficientnet pooled")
#: The label of EfficientNet-Lite0's pooled depthwise layer.
_POOLED = "all 3x3 depthwise"
#: The figures' labels, the keys of ``templates/deep_captions.md``: by stand-in (depth figure) and
#: by cloud of :data:`CLOUDS` (Mapper graph, barcodes).
_DEPTH_FIGURES = {"inception": "10a (stand-in)", "efficientnet": "10f (stand-in)"}
_MAPPER_FIGURES = {"inception layer 2": "10b (stand-in)", "inception strongest": "10d (stand-in)",
                   "efficientnet pooled": "10g (stand-in)"}
_BARCODE_FIGURES = {"inception layer 2": "10c (stand-in)", "inception strongest": "10e (stand-in)",
                    "efficientnet pooled": "10h (stand-in)"}


@dataclass(frozen=True)
class _Markdown:
    """Markdown a notebook cell shows (a paragraph of findings, not a caption)."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class DeepChapter:
    """Everything chapter 04 computed at one build, and its verdict rows (:func:`run_chapter`).

    Attributes
    ----------
    profile : str
        The build profile (:data:`PROFILE_SCALE`).
    config : DeepConfig
        The per-layer analysis' parameters (sample size, nulls, k, p, Mapper, seed).
    selection : dict or None
        Network ("inception", "efficientnet") -> the analysed layer indices; None: every layer.
    vgg : dict
        "vgg16", "vgg19" -> list of :class:`LayerAnalysis`, or None without ImageNet weights (:func:`run_vgg`).
    vgg_verdicts : dict
        "F10", "F11" -> (verdict, words) (:func:`vgg_verdicts`).
    vgg_found : dict
        "vgg16", "vgg19" -> the weights file found, or None (:func:`vgg_availability`).
    inception_layers, efficientnet_layers : list of toponet.pretrained.layers.ConvLayer
        Every 3x3 layer of each stand-in, input to output.
    inception, efficientnet : list of LayerAnalysis
        The analysed layers of each stand-in.
    efficientnet_pooled : LayerAnalysis
        EfficientNet-Lite0's 3x3 depthwise filters of every layer pooled.
    inception_quantization : dict
        InceptionV3's uint8 storage: weight name -> the manifest's quantization entry.
    stored_bounds, dither, requantized : list of dict
        The quantization tables: the stated bound per InceptionV3 layer, stored against dithered
        InceptionV3 layers, float against re-quantized EfficientNet-Lite0 layers.
    rows : tuple of toponet.verdict_record.Verdict
        F10, F11, F10-inception, F10-efficientnet.
    """

    profile: str
    config: DeepConfig
    selection: dict | None
    vgg: dict
    vgg_verdicts: dict
    vgg_found: dict
    inception_layers: list
    inception: list
    efficientnet_layers: list
    efficientnet: list
    efficientnet_pooled: LayerAnalysis
    inception_quantization: dict
    stored_bounds: list
    dither: list
    requantized: list
    rows: tuple

    @property
    def inception_layer2(self) -> LayerAnalysis:
        """InceptionV3's layer 2 (the paper's first analysed VGG layer)."""
        return [a for a in self.inception if a.layer.index == 2][0]

    @property
    def inception_strongest(self) -> LayerAnalysis:
        """InceptionV3's layer with the largest effect size over its null (:func:`best_layer`)."""
        return best_layer(self.inception)

    @property
    def depthwise_layers(self) -> list:
        """EfficientNet-Lite0's 3x3 depthwise layers (:class:`toponet.pretrained.layers.ConvLayer`)."""
        return [L for L in self.efficientnet_layers if L.kind == "depthwise"]

    def _mapper(self) -> str:
        return f"Mapper({self.config.resolution}, {self.config.gain:g})"

    # what was run -----------------------------------------------------------------------------
    def scale_summary(self) -> str:
        """The profile's scale in one line: filters per layer, null clouds, subsample seeds, layers.

        Returns
        -------
        str
        """
        cfg = self.config
        return (f"profile {self.profile}: at most {cfg.sample_size} filters per layer (seed {cfg.seed}), "
                f"{cfg.null_repeats} null clouds per kind, {cfg.subsample_seeds} subsample seeds, layers: "
                f"{'all' if self.selection is None else self.selection}")

    def vgg_summary(self) -> str:
        """Whether the ImageNet VGG weights are on this machine, one line per network.

        Returns
        -------
        str
        """
        return "\n".join(f"{name}: {'ImageNet weights at ' + str(found) if found else 'no ImageNet weights on this machine'}"
                         for name, found in self.vgg_found.items())

    def inception_summary(self) -> str:
        """InceptionV3's 3x3 layers and spatial filters, in one line.

        Returns
        -------
        str
        """
        layers = self.inception_layers
        return f"{len(layers)} regular 3x3 conv layers, {sum(L.n_filters for L in layers):,} spatial filters"

    def efficientnet_summary(self) -> str:
        """EfficientNet-Lite0's stem and 3x3 depthwise layers, in one line.

        Returns
        -------
        str
        """
        dw = self.depthwise_layers
        return (f"stem: {self.efficientnet_layers[0].n_filters} filters; {len(dw)} 3x3 depthwise layers, "
                f"{sum(L.n_filters for L in dw):,} filters")

    # tables -----------------------------------------------------------------------------------
    def vgg_table(self):
        """The VGG layers' table, or a sentence saying no VGG weights are here.

        Returns
        -------
        IPython.display.HTML or Markdown (:func:`toponet.book.show_table`)
        """
        return tb.show_table(layer_table([a for v in self.vgg.values() if v for a in v]),
                             empty="*No VGG16 or VGG19 weights on this machine: no VGG layer analysed.*")

    def layer_table(self, network: str):
        """A stand-in's per-layer table (EfficientNet-Lite0's with its pooled depthwise row last).

        Parameters
        ----------
        network : str
            "inception" or "efficientnet".

        Returns
        -------
        IPython.display.HTML (:func:`toponet.book.show_table`)
        """
        if self._analyses(network) is self.efficientnet:
            return tb.show_table(layer_table([*self.efficientnet, self.efficientnet_pooled]))
        return tb.show_table(layer_table(self.inception))

    def stored_bound_table(self):
        """The stated bound of InceptionV3's uint8 storage per layer (:func:`stored_bound_rows`).

        Returns
        -------
        IPython.display.HTML
        """
        return tb.show_table(self.stored_bounds)

    def dither_table(self):
        """InceptionV3's stored layers against dithered copies (:func:`dither_rows`).

        Returns
        -------
        IPython.display.HTML
        """
        return tb.show_table(self.dither)

    def dither_findings(self) -> _Markdown:
        """Which layers' top bar dithering moves, in words (:func:`dither_summary`).

        Returns
        -------
        Markdown for the notebook (``_repr_markdown_``)
        """
        return _Markdown(dither_summary(self.dither))

    def requantized_table(self):
        """EfficientNet-Lite0's float layers against re-quantized ones (:func:`quantization_rows`).

        Returns
        -------
        IPython.display.HTML
        """
        return tb.show_table(self.requantized)

    def verdict_table(self):
        """The four claims side by side: network, claim, our words, verdict.

        Returns
        -------
        IPython.display.HTML
        """
        inc_v, inc_text = depth_verdict(self.inception)
        eff_v, eff_text = depth_verdict(self.efficientnet)
        v = self.vgg_verdicts
        return tb.show_table([
            dict(network="VGG16 (paper)", claim="circle dominant in layers 2-12, not 13", ours=v["F10"][1],
                 verdict=v["F10"][0]),
            dict(network="VGG19 (paper)", claim="layer 5: the circle of VGG16's layer 13", ours=v["F11"][1],
                 verdict=v["F11"][0]),
            dict(network=NETWORK_LABELS[STAND_INS["inception"]], claim="(stand-in) circle dominant by depth",
                 ours=inc_text, verdict=inc_v),
            dict(network=NETWORK_LABELS[STAND_INS["efficientnet"]], claim="(stand-in) circle dominant by depth",
                 ours=eff_text, verdict=eff_v)])

    def findings(self, network: str) -> _Markdown:
        """What a stand-in's per-layer table says, in words (:func:`findings_markdown`).

        Parameters
        ----------
        network : str
            "inception" or "efficientnet".

        Returns
        -------
        Markdown for the notebook (``_repr_markdown_``)
        """
        name = {"inception": "InceptionV3 (nsfwjs)", "efficientnet": "EfficientNet-Lite0"}
        return _Markdown(findings_markdown(self._analyses(network), name[network]))

    def _analyses(self, network: str) -> list:
        if network not in STAND_INS:
            raise ValueError(f"network must be one of {sorted(STAND_INS)}; got {network!r}")
        return self.inception if network == "inception" else self.efficientnet

    # Fig. 10 on the stand-ins: the top bar by depth --------------------------------------------
    def depth_figure(self, network: str):
        """A stand-in's top H1 lifetime by layer, against nulls and initialization-like filters.

        Parameters
        ----------
        network : str
            "inception" or "efficientnet".

        Returns
        -------
        plotly.graph_objects.Figure (:func:`depth_figure`)
        """
        title = {"inception": "InceptionV3 (nsfwjs): top H1 lifetime by layer",
                 "efficientnet": "EfficientNet-Lite0: top H1 lifetime by layer"}
        return depth_figure(self._analyses(network), title=title[network])

    def depth_caption(self, network: str) -> Caption:
        """The depth figure's caption; the cloud named is InceptionV3's strongest layer, or
        EfficientNet-Lite0's pooled depthwise filters.

        Parameters
        ----------
        network : str
            "inception" or "efficientnet".

        Returns
        -------
        toponet.book.notebook.Caption
        """
        self._analyses(network)
        figure = _DEPTH_FIGURES[network]
        named = self.inception_strongest if network == "inception" else self.efficientnet_pooled
        text = render("deep_captions", figure=figure, layer=named.layer.index)
        return pretrained_caption(text, named, profile=self.profile, figure=figure)

    def depth_reading(self, network: str) -> Reading:
        """The depth figure's reading (:func:`depth_reading` of the stand-in's layers).

        Parameters
        ----------
        network : str
            "inception" or "efficientnet".

        Returns
        -------
        toponet.book.notebook.Reading
        """
        return depth_reading(self._analyses(network))

    # Mapper graphs and barcodes of single clouds ----------------------------------------------
    def cloud(self, name: str) -> LayerAnalysis:
        """One of the clouds the chapter draws (:data:`CLOUDS`).

        Parameters
        ----------
        name : str
            "inception layer 2", "inception strongest" or "efficientnet pooled".

        Returns
        -------
        LayerAnalysis
        """
        if name not in CLOUDS:
            raise ValueError(f"cloud must be one of {CLOUDS}; got {name!r}")
        return {"inception layer 2": lambda: self.inception_layer2, "inception strongest": lambda: self.inception_strongest,
                "efficientnet pooled": lambda: self.efficientnet_pooled}[name]()

    def mapper_figure(self, name: str):
        """The Mapper graph of one cloud: layer 2 with a filter in every node, the others with
        their filters by angle below (:func:`toponet.plots.mapper_overview`).

        Parameters
        ----------
        name : str
            A cloud of :data:`CLOUDS`.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        a = self.cloud(name)
        if name == "inception layer 2":
            return plots.mapper_figure(a.result.mapper, title=f"InceptionV3 layer 2: {self._mapper()}")
        title = (f"InceptionV3 layer {a.layer.index}" if name == "inception strongest" else "EfficientNet-Lite0 depthwise")
        return plots.mapper_overview(a.result.mapper, title=f"{title}: {self._mapper()}")

    def mapper_caption(self, name: str) -> Caption:
        """The Mapper figure's caption (:func:`pretrained_caption`).

        Parameters
        ----------
        name : str
            A cloud of :data:`CLOUDS`.

        Returns
        -------
        toponet.book.notebook.Caption
        """
        a = self.cloud(name)
        figure = _MAPPER_FIGURES[name]
        text = render("deep_captions", figure=figure, resolution=self.config.resolution, gain=self.config.gain,
                      layer=a.layer.index, layer_name=a.layer.name)
        return pretrained_caption(text, a, profile=self.profile, figure=figure)

    def mapper_reading(self, name: str) -> Reading:
        """The Mapper figure's reading, with the rule's answer for that cloud (:func:`layer_mapper_reading`).

        Parameters
        ----------
        name : str
            A cloud of :data:`CLOUDS`.

        Returns
        -------
        toponet.book.notebook.Reading
        """
        return layer_mapper_reading(self.cloud(name))

    def barcode_figure(self, name: str):
        """The barcodes (H0, H1) of one cloud (:func:`toponet.plots.barcode_plot`).

        Parameters
        ----------
        name : str
            A cloud of :data:`CLOUDS`.

        Returns
        -------
        matplotlib or plotly figure of :func:`toponet.plots.barcode_plot`
        """
        a = self.cloud(name)
        title = {"inception layer 2": "InceptionV3 layer 2: barcodes",
                 "inception strongest": f"InceptionV3 layer {a.layer.index}: barcodes",
                 "efficientnet pooled": "EfficientNet-Lite0: all 3x3 depthwise filters"}[name]
        return plots.barcode_plot(a.result.persistence, title=title)

    def barcode_caption(self, name: str) -> Caption:
        """The barcode figure's caption (:func:`pretrained_caption`).

        Parameters
        ----------
        name : str
            A cloud of :data:`CLOUDS`.

        Returns
        -------
        toponet.book.notebook.Caption
        """
        a = self.cloud(name)
        figure = _BARCODE_FIGURES[name]
        text = render("deep_captions", figure=figure, layer=a.layer.index, method=a.result.persistence.method)
        return pretrained_caption(text, a, profile=self.profile, figure=figure)

    def barcode_reading(self, name: str) -> Reading:
        """The barcode figure's reading: the circle rule's numbers (:func:`layer_barcode_reading`).

        Parameters
        ----------
        name : str
            A cloud of :data:`CLOUDS`.

        Returns
        -------
        toponet.book.notebook.Reading
        """
        return layer_barcode_reading(self.cloud(name))


def run_chapter(*, profile: str, k: int, p: float, resolution: int, gain: float, seed: int = 0,
                progress: bool = True) -> DeepChapter:
    """Chapter 04 in one call: VGG when its weights are here, both stand-ins layer by layer, the
    quantization checks and the verdict rows (nothing is trained: the chapter's ``networks``,
    ``iterations`` and ``device`` parameters are unused).

    Parameters
    ----------
    profile : str
        Analysis scale (:data:`PROFILE_SCALE`): filters per layer, null clouds, layers.
    k : int
        The paper's k for VGG's full layers, rescaled to each subsample.
    p : float
        The paper's p for layers 3 and up (layer 2 keeps 0.4).
    resolution, gain : int, float
        Mapper(resolution, gain).
    seed : int
        Seed of the subsampling, the null clouds, the landmarks and the Mapper layout.
    progress : bool
        Show a progress bar per network.

    Returns
    -------
    DeepChapter

    Raises
    ------
    ValueError
        An unknown profile or a parameter out of range (:class:`DeepConfig`), before anything loads.
    """
    config, selection = profile_config(profile, k=k, p=p, resolution=resolution, gain=gain, seed=seed)
    vgg = run_vgg(config, progress=progress)
    vgg_v = vgg_verdicts(vgg)
    vgg_found = vgg_availability()

    def chosen(network):
        return None if selection is None else selection[network]

    inception_layers, inception = run_network(STAND_INS["inception"], config, chosen("inception"), progress=progress)
    efficientnet_layers, efficientnet = run_network(STAND_INS["efficientnet"], config, chosen("efficientnet"),
                                                    progress=progress)
    depthwise = [L for L in efficientnet_layers if L.kind == "depthwise"]
    efficientnet_pooled = analyze_layer(pooled_layer(depthwise, _POOLED), config)

    # does the uint8 storage matter? the stated bound, dithering, another layer type re-quantized
    quantization = inception_quantization()
    stored_bounds = stored_bound_rows(inception_layers, quantization)
    dither = dither_rows(select_layers(inception_layers, [a.layer.index for a in inception]), quantization, config)
    requantized = quantization_rows([L for L in efficientnet_layers if L.n_filters >= config.min_filters], config,
                                    pooled=f"{_POOLED} (>= 200 per layer)")

    rows = verdict_rows(vgg=vgg, vgg_verdicts=vgg_v, inception=inception, efficientnet=efficientnet,
                        efficientnet_pooled=efficientnet_pooled, config=config, profile=profile, seed=seed,
                        inception_label=NETWORK_LABELS[STAND_INS["inception"]],
                        efficientnet_label=NETWORK_LABELS[STAND_INS["efficientnet"]])
    return DeepChapter(profile=profile, config=config, selection=selection, vgg=vgg, vgg_verdicts=vgg_v,
                       vgg_found=vgg_found, inception_layers=inception_layers, inception=inception,
                       efficientnet_layers=efficientnet_layers, efficientnet=efficientnet,
                       efficientnet_pooled=efficientnet_pooled, inception_quantization=quantization,
                       stored_bounds=stored_bounds, dither=dither, requantized=requantized, rows=tuple(rows))
