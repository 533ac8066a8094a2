"""Chapter 06, first half (``notebooks/06_umass.py``; UMass Sec. 3.3, claim U1): can a network unlink
two linked tori?

Two hollow tori in R^3 (central radius 15, tube radius 2), linked like the links of a
chain, one class each. ``N_ReLU`` (the paper's equation (2)) has ReLU after every hidden
layer; ``N_abs`` (equation (3)) is the same network with the first activation replaced by
the absolute value, which can fold space and so unlink the tori. Both are trained full
batch with Adam (lr 0.03, 800 iterations) from PyTorch's default initialization.

What we measure: train/test accuracy per seed, the first hidden activations (after the
activation function), and the number of long H0 bars of their Vietoris-Rips persistence
(2: the two tori stay apart, 1: they are squashed together).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toponet import group_tests as gt
from toponet._validation import check_cloud, check_int
from toponet.book.notebook import Caption
from toponet.chapters._common import study_arrays
from toponet.chapters._templates import render
from toponet.homology import persistence
from toponet.circle_decision import ALPHA, RuleResult
from toponet.verdict_record import Verdict

__all__ = ["u1_verdict_row", "ToriConfig", "ToriRun", "ToriStudyConfig", "tori_study", "linked_tori", "split_tori", "tori_network", "train_tori",
           "first_hidden", "long_h0_bars", "h0_components", "u1_rule", "u1_verdict", "PAPER_ACCURACY_GAP", "study_long_bars", "best_run", "u1_findings", "PAPER_ACCURACY"]

#: The paper's accuracies (train and test alike): N_ReLU 98 %, N_abs 100 %.
PAPER_ACCURACY = {"relu": 0.98, "abs": 1.00}


@dataclass(frozen=True)
class ToriConfig:
    """One training run of U1; its hash names its artifact.

    activation : "relu" (N_ReLU, eq. 2) or "abs" (N_abs, eq. 3)
    seed : initialization seed of the network
    data_seed : seed of the tori sample and of the train/test split
    iterations, lr : full-batch Adam steps and learning rate
    n_per_torus, central_radius, tube_radius, n_train : the data set
    """

    activation: str = "relu"
    seed: int = 0
    data_seed: int = 0
    iterations: int = 800
    lr: float = 0.03
    n_per_torus: int = 2000
    central_radius: float = 15.0
    tube_radius: float = 2.0
    n_train: int = 3000
    paper_reference: str = "UMass Sec. 3.3, eqs. (2), (3), Fig. 3"

    def __post_init__(self):
        if self.activation not in ("relu", "abs"):
            raise ValueError(f"activation must be 'relu' (N_ReLU) or 'abs' (N_abs); got {self.activation!r}")
        check_int(self.seed, name="seed", low=0)
        check_int(self.data_seed, name="data_seed", low=0)
        check_int(self.iterations, name="iterations", low=0)
        check_int(self.n_per_torus, name="n_per_torus", low=2)
        check_int(self.n_train, name="n_train", low=1, high=2 * self.n_per_torus - 1)
        if not (self.lr > 0 and self.tube_radius > 0 and self.central_radius > 2 * self.tube_radius):
            raise ValueError("need lr > 0 and central_radius > 2 * tube_radius > 0 (else the tori intersect)")


def _torus_surface(n: int, R: float, r: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniform on the surface of a torus in the xy-plane centred at 0.

    Area-uniform: the tube angle ``phi`` is drawn with density proportional to
    ``R + r cos(phi)`` (the surface element) by rejection.
    """
    phi = np.empty(0)
    while phi.size < n:
        cand = rng.uniform(0, 2 * np.pi, size=2 * n)
        keep = rng.uniform(0, R + r, size=2 * n) < R + r * np.cos(cand)
        phi = np.concatenate([phi, cand[keep]])
    phi = phi[:n]
    theta = rng.uniform(0, 2 * np.pi, size=n)
    ring = R + r * np.cos(phi)
    return np.column_stack([ring * np.cos(theta), ring * np.sin(theta), r * np.sin(phi)])


def linked_tori(n_per_torus: int = 2000, *, central_radius: float = 15.0, tube_radius: float = 2.0,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two linked hollow tori, class 0 and class 1.

    Torus 0 lies in the xy-plane around the origin. Torus 1 is the same torus rotated
    into the xz-plane and moved by ``central_radius`` along x, so its core circle passes
    through the hole of torus 0 and vice versa: the cores are ``central_radius`` apart at
    their closest, and the surfaces ``central_radius - 2 tube_radius``.

    Returns
    -------
    X : ndarray of shape (2 n_per_torus, 3), float64
    y : ndarray of shape (2 n_per_torus,), int64 in {0, 1}
    """
    n = check_int(n_per_torus, name="n_per_torus", low=1)
    if not central_radius > 2 * tube_radius > 0:
        raise ValueError(f"need central_radius > 2 * tube_radius > 0; got {central_radius}, {tube_radius}")
    rng = np.random.default_rng(seed)
    a = _torus_surface(n, central_radius, tube_radius, rng)
    b = _torus_surface(n, central_radius, tube_radius, rng)
    b = np.column_stack([b[:, 0] + central_radius, b[:, 2], b[:, 1]])   # rotate xy -> xz, shift
    X = np.vstack([a, b])
    y = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)])
    return X, y


def split_tori(X, y, n_train: int = 3000, *, seed: int = 0):
    """Random train/test split (seeded): ``(X_train, y_train, X_test, y_test)``."""
    X = check_cloud(X, name="X", dim=3)
    y = np.asarray(y).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} points but y has {y.shape[0]} labels")
    n_train = check_int(n_train, name="n_train", low=1, high=X.shape[0] - 1)
    perm = np.random.default_rng(seed).permutation(X.shape[0])
    tr, te = perm[:n_train], perm[n_train:]
    return X[tr], y[tr], X[te], y[te]


def tori_network(activation: str, seed: int):
    """The paper's network: softmax . L(3->2) . ReLU . L(3->3) . ReLU . L(3->3) . act . L(3->3).

    ``activation`` is the first one: "relu" gives N_ReLU (eq. 2), "abs" gives N_abs
    (eq. 3). Default PyTorch initialization drawn from ``seed``. The softmax is left to
    the cross-entropy loss; the module returns logits of shape (n, 2).
    """
    import torch
    from torch import nn

    class Abs(nn.Module):
        def forward(self, x):
            return x.abs()

    if activation not in ("relu", "abs"):
        raise ValueError(f"activation must be 'relu' or 'abs'; got {activation!r}")
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(int(seed))
    try:
        net = nn.Sequential(nn.Linear(3, 3), Abs() if activation == "abs" else nn.ReLU(),
                            nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))
    finally:
        torch.random.set_rng_state(gen_state)
    return net


def first_hidden(net, X) -> np.ndarray:
    """First hidden activations (after the first activation function), shape (n, 3)."""
    import torch

    X = check_cloud(X, name="X", dim=3)
    with torch.no_grad():
        return net[1](net[0](torch.as_tensor(X, dtype=torch.float32))).numpy().astype(np.float64)


@dataclass(frozen=True)
class ToriRun:
    """Result of :func:`train_tori`.

    train_accuracy, test_accuracy : float, fractions
    loss : ndarray of shape (iterations,), full-batch cross-entropy (nats) at each step
    hidden_test : ndarray of shape (n_test, 3), first hidden activations of the test points
    y_test : ndarray of shape (n_test,)
    """

    config: ToriConfig
    train_accuracy: float
    test_accuracy: float
    loss: np.ndarray
    hidden_test: np.ndarray
    y_test: np.ndarray


def train_tori(config: ToriConfig) -> ToriRun:
    """Train one network of U1 full batch (deterministic for a given config, on CPU)."""
    import torch

    X, y = linked_tori(config.n_per_torus, central_radius=config.central_radius,
                       tube_radius=config.tube_radius, seed=config.data_seed)
    Xtr, ytr, Xte, yte = split_tori(X, y, config.n_train, seed=config.data_seed)
    net = tori_network(config.activation, config.seed)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    xt, yt = torch.as_tensor(Xtr, dtype=torch.float32), torch.as_tensor(ytr)
    losses = np.empty(config.iterations)
    for i in range(config.iterations):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
        losses[i] = loss.item()
    with torch.no_grad():
        acc_tr = float((net(xt).argmax(1) == yt).float().mean())
        acc_te = float((net(torch.as_tensor(Xte, dtype=torch.float32)).argmax(1)
                        == torch.as_tensor(yte)).float().mean())
    return ToriRun(config, acc_tr, acc_te, losses, first_hidden(net, Xte), yte)


def long_h0_bars(diagram_h0, *, ratio: float = 3.0, q: float = 0.95) -> int:
    """Number of long H0 bars: connected components that persist far beyond sampling noise.

    A bar is long when its lifetime exceeds ``ratio`` times the ``q``-quantile of all finite
    H0 lifetimes (the typical gap between neighbouring sample points); the infinite bar
    always counts. Two well-separated clouds give 2, one cloud 1.

    Parameters
    ----------
    diagram_h0 : array of shape (n_bars, 2), [birth, death] (death ``inf`` for the last bar)
    ratio : float > 1
    q : float in (0, 1]
    """
    d = np.asarray(diagram_h0, dtype=np.float64).reshape(-1, 2)
    if d.shape[0] == 0:
        raise ValueError("the H0 diagram is empty; compute it on a non-empty cloud")
    if not ratio > 1 or not 0 < q <= 1:
        raise ValueError(f"need ratio > 1 and q in (0, 1]; got ratio={ratio}, q={q}")
    life = d[:, 1] - d[:, 0]
    finite = life[np.isfinite(life)]
    n_inf = int(np.sum(~np.isfinite(life)))
    if finite.size == 0:
        return max(n_inf, 1)
    scale = float(np.quantile(finite, q))
    return n_inf + int(np.sum(finite > ratio * scale)) if scale > 0 else n_inf + int(np.sum(finite > 0))


@dataclass(frozen=True)
class ToriStudyConfig:
    """U1 over several seeds: N_ReLU and N_abs from initialization seeds ``0 .. seeds-1``.

    Its hash names the stored artifact (``toponet.store.Store.put_arrays``).
    """

    seeds: int = 10
    data_seed: int = 0
    iterations: int = 800
    lr: float = 0.03
    paper_reference: str = "UMass Sec. 3.3, Fig. 3"

    def __post_init__(self):
        check_int(self.seeds, name="seeds", low=1)
        check_int(self.iterations, name="iterations", low=1)

    def runs(self) -> list[ToriConfig]:
        return [ToriConfig(activation=a, seed=s, data_seed=self.data_seed, iterations=self.iterations, lr=self.lr)
                for a in ("relu", "abs") for s in range(self.seeds)]


def tori_study(config: ToriStudyConfig, store=None, *, progress: bool = True) -> dict[str, np.ndarray]:
    """Train (or load from ``store``) every run of ``config``; arrays by name.

    Returns
    -------
    dict with
        ``activation`` (n_runs,) str codes 0 = relu, 1 = abs; ``seed`` (n_runs,);
        ``train_accuracy``, ``test_accuracy`` (n_runs,); ``loss`` (n_runs, iterations) float32;
        ``hidden_test`` (n_runs, n_test, 3) float32; ``y_test`` (n_test,).
    """
    from tqdm.auto import tqdm

    def train() -> dict[str, np.ndarray]:
        runs = [train_tori(c) for c in tqdm(config.runs(), desc="U1 tori", disable=not progress)]
        return {
            "activation": np.array([0 if r.config.activation == "relu" else 1 for r in runs], dtype=np.int64),
            "seed": np.array([r.config.seed for r in runs], dtype=np.int64),
            "train_accuracy": np.array([r.train_accuracy for r in runs]),
            "test_accuracy": np.array([r.test_accuracy for r in runs]),
            "loss": np.stack([r.loss for r in runs]).astype(np.float32),
            "hidden_test": np.stack([r.hidden_test for r in runs]).astype(np.float32),
            "y_test": runs[0].y_test,
        }

    return study_arrays(config, store, train)


def h0_components(points, *, ratio: float = 3.0, q: float = 0.95):
    """Exact Vietoris-Rips H0 of a cloud in R^3 and its number of long bars.

    Parameters
    ----------
    points : array of shape (n_points, 3), e.g. the first hidden activations of the test set

    Returns
    -------
    (PersistenceResult, int) : the diagrams (H0 only) and :func:`long_h0_bars` of them
    """

    X = check_cloud(points, name="points", min_points=2)
    res = persistence(X, maxdim=0, n_landmarks=None)
    return res, long_h0_bars(res.diagrams[0], ratio=ratio, q=q)


#: U1's effects. Accuracy: the paper's N_ReLU 98 % against N_abs 100 % (2 points). Unlinking:
#: the paper gives no rate (its N_abs is "sensitive to initialization"), so the power of that
#: part is simulated at the rates this build measures.
PAPER_ACCURACY_GAP = PAPER_ACCURACY["abs"] - PAPER_ACCURACY["relu"]


def _paired_by_seed(activation, seeds, values) -> tuple[np.ndarray, np.ndarray]:
    """(abs values, relu values) in the order of their shared initialization seeds."""
    act, val = np.asarray(activation), np.asarray(values, dtype=float)
    seeds = np.arange(act.size) if seeds is None else np.asarray(seeds)
    out = []
    for code in (1, 0):
        idx = np.flatnonzero(act == code)
        out.append(val[idx[np.argsort(seeds[idx], kind="stable")]])
    if out[0].size != out[1].size or (seeds is not None and not np.array_equal(
            np.sort(np.asarray(seeds)[act == 1]), np.sort(np.asarray(seeds)[act == 0]))):
        raise ValueError("N_abs and N_ReLU must share their initialization seeds (one run of each per seed)")
    return out[0], out[1]


def u1_rule(activation, test_accuracy, long_bars, *, seeds=None, alpha: float = ALPHA, seed: int = 0) -> RuleResult:
    """The U1 verdict by paired permutation tests over the initialization seeds (each seed trains both).

    Two parts, one-sided (:func:`toponet.group_tests.paired_permutation_test`):

    - accuracy: N_abs's test accuracy exceeds N_ReLU's; power simulated against the paper's
      2-point gap (:data:`PAPER_ACCURACY_GAP`) from the measured sd of the per-seed differences;
    - unlinking: N_abs's first hidden layer has 2 long H0 bars (the tori apart) more often than
      N_ReLU's; 0/1 per run, power simulated at the rates this build measures (the paper gives
      none: its N_abs is "sensitive to initialization").

    reproduced: both pass at ``alpha``; partly: one passes at ``alpha`` / 2 (Bonferroni);
    not reproduced: neither, both with power >= 80 %; inconclusive otherwise.

    Parameters
    ----------
    activation : array (n_runs,), 0 = ReLU, 1 = abs; test_accuracy, long_bars : arrays (n_runs,)
    seeds : array (n_runs,) of initialization seeds (default: runs of each activation in order)
    """
    act = np.asarray(activation)
    acc = np.asarray(test_accuracy, dtype=float)
    bars = np.asarray(long_bars)
    if not (act.shape == acc.shape == bars.shape) or act.size == 0:
        raise ValueError("activation, test_accuracy and long_bars must be non-empty arrays of one length")
    a_abs, a_relu = _paired_by_seed(act, seeds, acc)
    u_abs, u_relu = _paired_by_seed(act, seeds, (bars >= 2).astype(float))
    n = a_abs.size
    parts = []
    if n < 2:
        parts = [gt.Part("N_abs more accurate than N_ReLU", None, note=f"{n} seed"),
                 gt.Part("N_abs unlinks more often than N_ReLU", None, note=f"{n} seed")]
    else:
        d = a_abs - a_relu
        sd = max(float(d.std(ddof=1)), 1e-9)
        t = gt.paired_permutation_test(a_abs, a_relu, seed=seed)
        parts.append(gt.Part("N_abs more accurate than N_ReLU", t.calibrated(gt.power_by_simulation(
            "paired", (n,), effect=PAPER_ACCURACY_GAP, sd=sd, seed=seed,
            effect_label=f"the paper's gap of {100 * PAPER_ACCURACY_GAP:.0f} points"))))
        t = gt.paired_permutation_test(u_abs, u_relu, seed=seed)
        r_abs, r_relu = float(u_abs.mean()), float(u_relu.mean())
        parts.append(gt.Part("N_abs unlinks more often than N_ReLU", t.calibrated(gt.power_by_simulation(
            "paired", (n,), effect=max(r_abs - r_relu, 0.0), sampler=gt.bernoulli_pairs(r_relu), seed=seed,
            effect_label=f"this build's rates (abs {r_abs:.0%}, ReLU {r_relu:.0%}; the paper gives none)"))))
    verdict, reasons = gt.combine_parts(parts, alpha=alpha)
    words = (f"N_abs - N_ReLU test accuracy {100 * (a_abs - a_relu).mean():+.1f} points over {n} seeds; 2 long H0 bars "
             f"in {int(u_abs.sum())} of {n} N_abs runs and {int(u_relu.sum())} of {n} N_ReLU runs")
    tested = [p.test for p in parts if p.test is not None]
    return RuleResult(verdict=verdict, reasons=(words, *reasons),
                      nulls={f"{p.label} ({gt.TESTS[p.test.name]})": p.test.null_record() for p in parts if p.test},
                      power=min((t.power for t in tested), default=None),
                      false_positive_rate=max((t.false_positive_rate for t in tested), default=None),
                      extra={"parts": tuple(parts), "tests": [dict(p.test.record(), part=p.label) for p in parts if p.test]})


def u1_verdict(activation, test_accuracy, long_bars, *, perfect: float = 0.995, seeds=None) -> tuple[str, list[str]]:
    """The U1 verdict (:func:`u1_rule`) and, beside its reasons, the paper's reading of the runs:

    - accuracy: some N_abs run reaches ``perfect`` test accuracy and no N_ReLU run does;
    - topology: in at least half of those perfect N_abs runs the first hidden layer has
      2 long H0 bars, and in at least half of the N_ReLU runs it has 1.

    These two descriptive lines are reported, not tested; the verdict is the tests'.

    Parameters
    ----------
    activation : array (n_runs,), 0 = ReLU, 1 = abs; test_accuracy, long_bars : arrays (n_runs,)

    Returns
    -------
    (verdict, reasons)
    """
    act = np.asarray(activation)
    acc = np.asarray(test_accuracy, dtype=float)
    bars = np.asarray(long_bars)
    if not (act.shape == acc.shape == bars.shape) or act.size == 0:
        raise ValueError("activation, test_accuracy and long_bars must be non-empty arrays of one length")
    rule = u1_rule(act, acc, bars, seeds=seeds)
    relu, absn = act == 0, act == 1
    good = absn & (acc >= perfect)
    acc_ok = bool(good.any() and not (relu & (acc >= perfect)).any())
    topo_ok = bool(good.any() and np.mean(bars[good] == 2) >= 0.5 and relu.any() and np.mean(bars[relu] == 1) >= 0.5)
    reasons = [*rule.reasons,
               f"described, not tested: {int(good.sum())} of {int(absn.sum())} N_abs runs reach {100 * perfect:.1f}%, "
               f"{int((relu & (acc >= perfect)).sum())} of {int(relu.sum())} N_ReLU runs ({'as' if acc_ok else 'unlike'} "
               f"the paper); 2 long H0 bars in {int((bars[good] == 2).sum())} of {int(good.sum())} perfect N_abs runs, "
               f"1 in {int((bars[relu] == 1).sum())} of {int(relu.sum())} N_ReLU runs "
               f"({'as' if topo_ok else 'unlike'} the paper)"]
    return rule.verdict, reasons


def study_long_bars(study: dict) -> np.ndarray:
    """Long H0 bars (:func:`h0_components`) of every run's first hidden activations, shape (n_runs,)."""
    return np.array([h0_components(h)[1] for h in np.asarray(study["hidden_test"], dtype=np.float64)], dtype=np.int64)


def best_run(study: dict, activation: str) -> int:
    """Index of the ``activation`` run ("relu" / "abs") with the highest test accuracy (lowest seed on ties)."""
    code = {"relu": 0, "abs": 1}.get(activation)
    if code is None:
        raise ValueError(f"activation must be 'relu' or 'abs'; got {activation!r}")
    idx = np.flatnonzero(np.asarray(study["activation"]) == code)
    if idx.size == 0:
        raise ValueError(f"the study has no {activation} run")
    acc = np.asarray(study["test_accuracy"])[idx]
    return int(idx[np.argmax(acc)])


def u1_verdict_row(rule: RuleResult, study: dict, long_bars, *, seeds: int, iterations: int, profile: str,
                   data: str, perfect: float = 0.995) -> Verdict:
    """U1's verdict row: :func:`u1_rule`'s verdict and the study's numbers it rests on.

    Parameters
    ----------
    rule : RuleResult
        :func:`u1_rule`'s result (its ``extra["parts"]`` are described in the row).
    study : dict
        :func:`tori_study`'s arrays (``activation`` 0 = ReLU, 1 = abs; ``test_accuracy``).
    long_bars : ndarray of shape (n_runs,)
        Long H0 bars of each run's first hidden layer (:func:`study_long_bars`).
    seeds : int
        Initialization seeds of the study (each trains both networks).
    iterations : int
        Full-batch Adam iterations.
    profile : str
        The build profile.
    data : str
        The data in words.
    perfect : float
        Test accuracy from which an N_abs run counts as 100 %.

    Returns
    -------
    Verdict
    """
    relu, absn = study["activation"] == 0, study["activation"] == 1
    accuracy = study["test_accuracy"]
    perfect_abs = absn & (accuracy >= perfect)
    bars = np.asarray(long_bars)
    ours = (f"N_ReLU {100 * accuracy[relu].mean():.1f}% test (max {100 * accuracy[relu].max():.1f}%); N_abs 100% in "
            f"{int(perfect_abs.sum())}/{absn.sum()} seeds (mean {100 * accuracy[absn].mean():.1f}%); long H0 bars: "
            f"perfect N_abs {bars[perfect_abs].tolist()}, N_ReLU {bars[relu].tolist()}; "
            + "; ".join(part.describe() for part in rule.extra["parts"]))
    return Verdict.from_rule(
        rule, claim_id="U1", claim="abs unlinks the linked tori, ReLU cannot",
        paper="N_ReLU 98%, N_abs 100% (init-sensitive); H0: abs 2 components, ReLU 1", ours=ours,
        scale=f"{seeds} seeds x 2 nets, {iterations} full-batch Adam iterations ({profile})",
        data=data, chapter="UMass", networks=int(absn.sum()), iterations=iterations)


def u1_findings(activation, test_accuracy, long_bars, *, perfect: float = 0.995, seeds=None):
    """The chapter's "what we found" for U1, in words computed from the study (no stored numbers):
    the template ``toponet/chapters/templates/u1_findings.md`` filled with the study's values.

    Parameters
    ----------
    activation : array (n_runs,), 0 = ReLU, 1 = abs
    test_accuracy : array (n_runs,), fractions in [0, 1]
    long_bars : array (n_runs,), long H0 bars of each run's first hidden layer (:func:`study_long_bars`)
    perfect : float
        Test accuracy counted as 100 % (as :func:`u1_verdict`).

    Returns
    -------
    toponet.book.notebook.Caption
        Markdown; the sentences depend on the verdict of :func:`u1_rule`, its tests and the runs.
    """

    rule = u1_rule(activation, test_accuracy, long_bars, seeds=seeds)
    act, acc, bars = np.asarray(activation), np.asarray(test_accuracy, dtype=float), np.asarray(long_bars)
    relu, absn = act == 0, act == 1
    good = absn & (acc >= perfect)
    rest = absn & ~good
    pct = lambda a: f"{100 * a:.1f}%"  # noqa: E731
    tested = []
    for part in rule.extra["parts"]:
        t = part.test
        if t is None:
            tested.append(f"{part.label}: not testable ({part.note})")
            continue
        said = "significant" if t.significant() else (
            f"not significant, and with {t.power:.0%} power" + (" that is evidence against it" if t.power >= 0.8
                                                               else ", too little to count against it"))
        tested.append(f"{part.label}, p = {t.p:.2g} ({t.draws} draws, {'exact' if t.exact else 'Monte-Carlo'}): {said}")
    stuck = rest.any() and good.any()
    return Caption(render(
        "u1_findings", verdict=rule.verdict, seeds=int(absn.sum()), tested=tested, has_abs=bool(absn.any()),
        perfect_abs=int(good.sum()), abs_two_bars=int((bars[good] == 2).sum()), abs_bars=bars[good].tolist(),
        abs_best=pct(acc[absn].max()) if absn.any() else "",
        stuck=int(rest.sum()) if stuck else 0, stuck_min=pct(acc[rest].min()) if stuck else "",
        stuck_max=pct(acc[rest].max()) if stuck else "",
        stuck_below_relu=bool(stuck and relu.any() and acc[rest].min() < acc[relu].max()),
        relu_runs=int(relu.sum()), relu_perfect=int((acc[relu] >= perfect).sum()),
        relu_min=pct(acc[relu].min()) if relu.any() else "", relu_max=pct(acc[relu].max()) if relu.any() else "",
        relu_one_bar=int((bars[relu] == 1).sum()), relu_bars=bars[relu].tolist()))
