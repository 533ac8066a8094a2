"""The book's circle test on every 3x3 layer of a user's network: one calibrated answer per layer.

For each layer (a :class:`toponet.checkpoints.ConvKernel`):

1. constant filters (dead channels) are dropped (:func:`toponet.filters.normalize`), then a
   seeded sample of at most ``sample_size`` of the rest is drawn, so that time is bounded
   whatever the layer's size (the default, 2,048, is a size the calibration grid holds);
2. rho(k, p) with the book's k scaling: the paper's rho(200, 0.3) on 6,400 MNIST filters,
   k = n / 32 (at least :data:`toponet.circle_decision.K_MIN`), p = 0.3; ``k`` / ``p`` override it;
3. the book's circle test (:func:`toponet.circle_decision.circle_test`: the two longest H1 bars against
   ``draws`` gaussian, shuffled and directions null clouds each) and its rule
   (:func:`toponet.circle_decision.circle_rule`, "one long bar" not required) with the calibration that
   :func:`toponet.calibration.rule_calibration` finds for this size (stored, borrowed from the
   grid's neighbours, or computed with ``calibrate``), named in the row.

Tests are stored by the cloud's content hash (``toponet.circle_decision``' null-test store, in the user
cache), so a rerun or an interrupted run resumes layer by layer.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from toponet._validation import check_fraction, check_int
from toponet.analysis import AnalysisConfig, analyze_filters
from toponet.calibration import GaussianTops, grid_k, rule_calibration
from toponet.checkpoints import ConvKernel
from toponet.density import density_filtration
from toponet.filters import normalize, subsample
from toponet.ideal import distance_to_model
from toponet.circle_decision import ANALYZE_KINDS, DRAWS, beyond_answer, circle_answer, circle_rule, circle_test, floor_k

__all__ = ["LayerwiseConfig", "LayerReport", "analyze_kernel", "analyze_network", "MIN_FILTERS"]

#: A layer with fewer live filters is listed, not tested (a density filtration needs a cloud).
MIN_FILTERS = 20
#: A dense core this small gets barcodes but no Mapper graph in the report.
MIN_MAPPER_POINTS = 20


@dataclass(frozen=True)
class LayerwiseConfig:
    """Parameters of :func:`analyze_network`.

    sample_size : filters drawn (seeded, without replacement) from a larger layer
    k, p : rho(k, p); ``k=None`` scales it with the cloud (k = n/32, the book's grid family)
    draws : null clouds per kind (99: p floors at 0.01)
    calibrate : calibrate the rule at a size the grid lacks (minutes to an hour per size)
    figures : also compute the Mapper graph and barcodes (for ``--html``)
    n_jobs : worker processes for the null clouds
    """

    sample_size: int = 2048
    k: int | None = None
    p: float = 0.3
    draws: int = DRAWS
    seed: int = 0
    calibrate: bool = False
    figures: bool = False
    resolution: int = 30
    gain: float = 3.0
    threshold: float = 0.3
    n_jobs: int = 1

    def __post_init__(self):
        check_int(self.sample_size, name="sample_size", low=MIN_FILTERS)
        if self.k is not None:
            check_int(self.k, name="k", low=1)
        check_fraction(self.p, name="p")
        check_int(self.draws, name="draws", low=2)
        check_int(self.seed, name="seed", low=0)
        check_int(self.n_jobs, name="n_jobs", low=1)

    def k_for(self, n: int) -> int:
        """k at a cloud of ``n`` filters: ``k`` (floored, at most n - 1) or the grid family's."""
        return floor_k(self.k, n) if self.k is not None else grid_k(n)


@dataclass
class LayerReport:
    """One layer's answer. ``test`` / ``rule`` / ``calibration`` are None for a layer not tested
    (``note`` says why); ``analysis`` holds the figures' pipeline when asked for."""

    kernel: ConvKernel
    n_constant: int = 0
    n_used: int = 0
    k: int | None = None
    p: float | None = None
    test: object | None = None
    rule: object | None = None
    calibration: object | None = None
    near_circle_core: float | None = None
    wall_s: float = 0.0
    note: str = ""
    analysis: object | None = field(default=None, repr=False)

    @property
    def circle(self) -> str:
        return "not tested" if self.rule is None else circle_answer(self.rule)

    def row(self) -> dict:
        """The layer's JSON row (``toponet analyze --json``)."""
        K = self.kernel
        out = {"layer": K.name, "shape": list(K.shape), "kind": K.kind, "filters": K.n_filters,
               "constant_dropped": self.n_constant, "used": self.n_used, "sampled": self.n_used < K.n_filters - self.n_constant,
               "k": self.k, "p": self.p}
        if self.rule is None:
            return {**out, "circle": "not tested", "note": self.note, "wall_s": round(self.wall_s, 1)}
        t, c = self.test, self.calibration
        out.update(
            core_points=t.n_core,
            top_bars=[round(b[0], 4) for b in t.bars],
            nulls={kind: {**n.record(), "null_mean": round(n.null_mean, 4), "null_sd": round(n.null_sd, 4)}
                   for kind, n in t.nulls.items()},
            circle=self.circle, beyond_second_order=beyond_answer(t), verdict=self.rule.verdict,
            power=c.power, false_positive_rate=c.false_positive_rate,
            calibration=c.record(), near_primary_circle_core=self.near_circle_core,
            reasons=list(self.rule.reasons), wall_s=round(self.wall_s, 1))
        return out

    def summary_line(self) -> str:
        """One line for the terminal."""
        K = self.kernel
        head = f"{K.name} ({'x'.join(map(str, K.shape))}, {K.kind})"
        if self.rule is None:
            return f"{head}: not tested ({self.note})"
        t, c = self.test, self.calibration
        ps = ", ".join(f"{kind} p={n.p:.2g}" for kind, n in t.nulls.items())
        power = "power not calibrated" if c.power is None else f"power {c.power:.0%}"
        fpr = "" if c.false_positive_rate is None else f", false positives {c.false_positive_rate:.1%}"
        return (f"{head}: {self.n_used:,} filters, rho({self.k}, {self.p:g}) -> {t.n_core:,}; top H1 "
                f"{t.bars[0][0]:.3f}; {ps} ({t.draws} draws); circle: {self.circle}; beyond second order: "
                f"{beyond_answer(t)}; {power}{fpr}; {self.wall_s:.0f} s")


def analyze_kernel(kernel: ConvKernel, config: LayerwiseConfig | None = None, *, progress: bool = False,
                   gaussian_cache=None) -> LayerReport:
    """The book's circle test and rule on one layer (see the module doc)."""
    cfg = config or LayerwiseConfig()
    if not isinstance(kernel, ConvKernel):
        raise TypeError(f"kernel must be a ConvKernel; got {type(kernel).__name__}")
    started = time.perf_counter()
    if not kernel.usable:
        return LayerReport(kernel, note=kernel.skipped)
    X = np.asarray(kernel.filters, dtype=np.float64)
    _, live = normalize(X, quiet=True)
    n_constant = int((~live).sum())
    if live.sum() < MIN_FILTERS:
        return LayerReport(kernel, n_constant=n_constant, n_used=int(live.sum()),
                           note=f"{int(live.sum())} non-constant filters (< {MIN_FILTERS}): too few for a density filtration")
    Xs, _ = subsample(X[live], cfg.sample_size, cfg.seed)
    n = Xs.shape[0]
    k = cfg.k_for(n)
    test = circle_test(Xs, k=k, p=cfg.p, kinds=ANALYZE_KINDS, draws=cfg.draws, seed=cfg.seed, progress=progress,
                       gaussian_cache=gaussian_cache if gaussian_cache is not None else GaussianTops(),
                       n_jobs=cfg.n_jobs)
    cal = rule_calibration(test.n_points, test.k, test.p, draws=cfg.draws, calibrate=cfg.calibrate, progress=progress)
    rule = circle_rule(test, cal, one_bar=False)
    analysis = None
    if cfg.figures:
        # Mapper needs more points than its cover has cubes to say anything; a tiny core gets barcodes only
        analysis = analyze_filters(Xs, AnalysisConfig(k=test.k, p=test.p, resolution=cfg.resolution, gain=cfg.gain,
                                                      null_repeats=0, threshold=cfg.threshold, seed=cfg.seed,
                                                      n_landmarks=None, mapper=test.n_core >= MIN_MAPPER_POINTS))
        near = float(np.mean(analysis.distance_primary[analysis.kept_index] <= cfg.threshold))
    else:   # the dense core again (cheap next to the nulls), for the descriptive share
        core = density_filtration(normalize(Xs, quiet=True)[0], test.k, test.p)
        near = distance_to_model(core, threshold=cfg.threshold).fraction_within
    return LayerReport(kernel, n_constant=n_constant, n_used=n, k=test.k, p=test.p, test=test, rule=rule,
                       calibration=cal, near_circle_core=round(float(near), 3),
                       wall_s=time.perf_counter() - started, analysis=analysis)


def analyze_network(kernels, config: LayerwiseConfig | None = None, *, progress: bool = True,
                    on_layer=None) -> list[LayerReport]:
    """:func:`analyze_kernel` on each kernel (one gaussian-null cache for all), with a progress
    bar over the layers on stderr; ``on_layer(report)`` is called as each layer finishes (the
    command line prints it then), its output written around the bar."""
    from tqdm.auto import tqdm

    kernels = list(kernels)
    gauss = GaussianTops()
    out = []
    with tqdm(kernels, desc="layers", unit="layer", file=sys.stderr, disable=not progress) as bar:
        for kernel in bar:
            bar.set_postfix_str(kernel.name[-40:])
            out.append(analyze_kernel(kernel, config, progress=False, gaussian_cache=gauss))
            if on_layer is not None:
                with bar.external_write_mode():
                    on_layer(out[-1])
    return out
