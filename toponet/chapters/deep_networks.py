"""Sec. V.C on pretrained networks: the paper's pipeline layer by layer, with nulls and a verdict.

For each 3x3 conv layer (:class:`toponet.pretrained.layers.ConvLayer`):

1. constant filters (dead channels, stored as exact zeros) are dropped from the whole layer
   (:func:`toponet.filters.normalize`), then a seeded subsample of at most ``sample_size`` of
   the others is drawn *before* the density step, so memory and time are bounded whatever the
   layer's size (VGG16's last layers hold 262,144 filters, InceptionV3's deepest 172,032) and
   every large layer is tested at the same cloud size;
2. rho(k, p) with the paper's VGG values (k = 100; p = 0.4 for layer 2, 0.3 otherwise) and k
   rescaled to the subsample (``toponet.analysis.scaled_k``: the k-th neighbour probes the same
   fraction of the cloud), floored at ``k_min`` (a 1st-neighbour density is mostly noise) and
   capped at a tenth of the subsample (the paper used k/n <= 2.4 %; a larger k turns an
   evenly sampled circle into its densest arc);
3. the book's calibrated circle rule (:func:`toponet.studies.circle_claim`: the two longest H1
   bars against ``null_repeats`` gaussian, shuffled and covariance-matched null clouds each,
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
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from toponet._validation import check_fraction, check_int
from toponet.pretrained.layers import ConvLayer

__all__ = ["DeepConfig", "subsample", "layer_k", "layer_p", "initialization_filters", "LayerAnalysis",
           "live_filters", "analyze_layer", "analyze_layers", "pooled_layer", "quantize_per_tensor", "quantized_layer",
           "direction_change_bound", "dithered_layer", "compare_statistics", "quantization_effect",
           "depth_figure", "PROFILE_SCALE", "profile_config", "select_layers", "cloud_tex"]


@dataclass(frozen=True)
class DeepConfig:
    """Parameters of the per-layer analysis (the paper's VGG values by default).

    k_paper, p, p_second_layer : rho(k_paper, p) on every layer, p_second_layer on layer 2
        (paper: rho(100, 0.4) for VGG16 layer 2, rho(100, 0.3) for layers 3-13).
    sample_size : filters drawn (without replacement, seeded) from a larger layer.
    k_min : floor on the rescaled k.
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
    k_min: int = 5
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
        check_int(self.k_min, name="k_min", low=1)
        check_int(self.min_filters, name="min_filters", low=10)
        check_int(self.null_repeats, name="null_repeats", low=0)
        check_int(self.subsample_seeds, name="subsample_seeds", low=1)
        check_int(self.seed, name="seed", low=0)


def subsample(X, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``size`` rows of ``X``, drawn without replacement with ``seed``, in their order.

    Returns ``(X[index], index)``; all rows (index = arange) when ``X`` has at most ``size``.
    """
    X = np.asarray(X)
    size = check_int(size, name="size", low=1)
    n = X.shape[0]
    if n <= size:
        return X, np.arange(n)
    index = np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))
    return X[index], index


def layer_k(n_used: int, n_filters: int, config: DeepConfig) -> int:
    """k for a cloud of ``n_used`` filters drawn from a layer of ``n_filters``.

    ``scaled_k(k_paper, n_used, n_filters)`` (the paper's k when nothing is subsampled),
    at least ``k_min`` and at most ``n_used // 10``.
    """
    from toponet.analysis import scaled_k

    k = scaled_k(config.k_paper, n_used, n_filters)
    return int(max(1, min(max(k, config.k_min), n_used // 10)))


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
    claim : dict(test, calibration, rule) of :func:`toponet.studies.circle_claim`, or None
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
        """The layer's :class:`toponet.rules.RuleResult` (None without a claim)."""
        return None if self.claim is None else self.claim["rule"]

    @property
    def headline(self):
        """The more conservative existence null (gaussian or shuffled: the smaller effect size),
        a :class:`toponet.rules.NullTest`; None without a claim."""
        if self.claim is None:
            return None
        from toponet.rules import EXISTENCE_KINDS

        tests = [t for kind, t in self.claim["test"].nulls.items() if kind in EXISTENCE_KINDS]
        return min(tests, key=lambda t: (np.nan_to_num(t.effect_size, nan=-np.inf), -t.p)) if tests else None

    def row(self) -> dict:
        """One row of the per-layer table (plain values, rounded for display)."""
        L = self.layer
        out = dict(network=L.network, layer=L.index, name=L.name, depth=L.depth,
                   kernel="x".join(map(str, L.shape)), filters=L.n_filters, used=self.n_used)
        if self.result is None:
            out.update(k=None, p=None, constant=None, kept=None, top_h1=None, ratio=None, null=None, effect=None,
                       p_value=None, covariance_p=None, power=None, untrained=None, seeds=None,
                       near_circle_core=None, near_klein_core=None, core_median_dist=None, loops=None,
                       verdict=f"too few filters (< {self.min_filters})")
            return out
        r = self.result
        h1 = r.persistence.lifetimes(1)
        top = float(h1[0]) if h1.size else 0.0
        second = float(h1[1]) if h1.size > 1 else 0.0
        head = self.headline
        cov = self.claim["test"].nulls.get("covariance") if self.claim is not None else None
        rule = self.verdict
        core = r.kept_index
        ts = self.subsample_top_h1
        out.update(
            k=self.k, p=self.p, constant=self.n_constant, kept=r.n_kept, top_h1=round(top, 3),
            ratio=round(top / second, 1) if second > 0 else float("inf"),
            null=f"{head.null_mean:.3f} ± {head.null_sd:.3f} ({head.kind})" if head else None,
            effect=round(head.effect_size, 1) if head else None,
            p_value=f"{head.p:.2g} ({head.draws} draws)" if head else None,
            covariance_p=f"{cov.p:.2g} ({cov.draws} draws)" if cov else None,
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
    from toponet.filters import normalize

    X = np.asarray(filters, dtype=np.float64).reshape(len(filters), -1)
    _, kept = normalize(X, quiet=True)   # the count is the caller's to report (LayerAnalysis.n_constant)
    return X[kept], int((~kept).sum())


def analyze_layer(layer: ConvLayer, config: DeepConfig | None = None) -> LayerAnalysis:
    """The paper's pipeline on one layer, with the calibrated circle rule, other subsamples and
    initialization-like filters."""
    from toponet.analysis import analyze_filters, filtered_top_h1
    from toponet.density import density_filtration
    from toponet.filters import normalize
    from toponet.ideal import distance_to_model
    from toponet.studies import circle_claim

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
    claim = (circle_claim(X, k=k, p=p, draws=cfg.null_repeats, seed=cfg.seed, one_bar=True)
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
