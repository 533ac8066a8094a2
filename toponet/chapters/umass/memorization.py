"""Chapter 06, second half (``notebooks/06_umass.py``; UMass Sec. 4, claim U2): a CNN trained on MNIST
with true vs randomly permuted labels.

The paper's model (eq. 4): conv 3x3 1->256, ReLU, max-pool 2; conv 3x3 256->128, ReLU,
max-pool 2; fully connected 3200->256, ReLU; 256->10; softmax. Adam (lr 5e-5, betas 0.9 /
0.999, eps 1e-8, no weight decay), batch 64, PyTorch's default initialization. ``N`` is
trained on the true labels, ``N'`` on the labels randomly permuted (the paper permutes all
70,000 labels of MNIST, train and test together; so do we, on the images used).

What is kept (:meth:`Store.put_arrays`): train and test accuracy after every epoch, and for
the training images whose *assigned* label is 1 or 2: the final hidden layer (the 256
ReLU units) and the softmax outputs, with each image's true digit and assigned label.

Training is resumable: the state after every epoch goes to the store's checkpoint folder
(``torch.save`` of tensors only, read back with ``weights_only=True``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from toponet import data
from toponet import group_tests as gt
from toponet._io import atomic_write
from toponet._validation import check_cloud, check_int
from toponet.book.notebook import Caption
from toponet.chapters._common import study_arrays
from toponet.chapters._templates import render
from toponet.mapper import Mapper
from toponet.circle_decision import RuleResult
from toponet.store import Store
from toponet.verdict_record import Verdict

__all__ = ["u2_verdict_row", "MemorizationConfig", "MemorizationCNN", "permuted_labels", "train_memorization",
           "memorization_run", "label_agreement", "u2_verdict", "u2_rule", "digit_test", "softmax_test",
           "softmax_power", "MEMORIZED", "u2_findings", "layer_mappers", "PAPER"]

#: The paper's accuracies (fractions): true labels 20 epochs, permuted labels 100 epochs.
PAPER = {"true": {"train": 0.9957, "test": 0.9877, "epochs": 20},
         "permuted": {"train": 0.8825, "test": 0.0962, "epochs": 100}}


@dataclass(frozen=True)
class MemorizationConfig:
    """One training run of U2; its hash names its artifact.

    labels : "true" (N) or "permuted" (N')
    n_train : training images used (a seeded random subset of MNIST's 60,000)
    n_test : test images used for the test accuracy (a seeded random subset)
    epochs, batch_size, lr : Adam training
    seed : initialization and batch order; label_seed : the permutation and the subsets
    digits : assigned labels whose images' activations are kept
    """

    labels: str = "true"
    n_train: int = 1000
    n_test: int = 1000
    epochs: int = 5
    batch_size: int = 64
    lr: float = 5e-5
    seed: int = 0
    label_seed: int = 0
    digits: tuple = (1, 2)
    paper_reference: str = "UMass Sec. 4, eq. (4), Figs. 4, 5"

    def __post_init__(self):
        if self.labels not in ("true", "permuted"):
            raise ValueError(f"labels must be 'true' or 'permuted'; got {self.labels!r}")
        check_int(self.n_train, name="n_train", low=1, high=60000)
        check_int(self.n_test, name="n_test", low=1, high=10000)
        check_int(self.epochs, name="epochs", low=1)
        check_int(self.batch_size, name="batch_size", low=1)
        object.__setattr__(self, "digits", tuple(int(d) for d in self.digits))
        if not self.digits or not all(0 <= d <= 9 for d in self.digits):
            raise ValueError(f"digits must be labels in 0..9; got {self.digits}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0; got {self.lr}")


def MemorizationCNN(seed: int = 0):
    """The paper's CNN (eq. 4) with PyTorch's default initialization drawn from ``seed``.

    Input (n, 1, 28, 28) floats; output logits (n, 10). ``net[:-1]`` gives the final
    hidden layer (n, 256) after its ReLU.
    """
    import torch
    from torch import nn

    state = torch.random.get_rng_state()
    torch.manual_seed(int(seed))
    try:
        net = nn.Sequential(
            nn.Conv2d(1, 256, 3), nn.ReLU(), nn.MaxPool2d(2),        # 28 -> 26 -> 13
            nn.Conv2d(256, 128, 3), nn.ReLU(), nn.MaxPool2d(2),      # 13 -> 11 -> 5
            nn.Flatten(), nn.Linear(3200, 256), nn.ReLU(),
            nn.Linear(256, 10))
    finally:
        torch.random.set_rng_state(state)
    return net


def permuted_labels(labels, seed: int) -> np.ndarray:
    """``labels`` randomly permuted (seeded): the same label counts, assigned at random."""
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array; got shape {y.shape}")
    return y[np.random.default_rng(seed).permutation(y.size)]


def _select(config: MemorizationConfig, images_train, labels_train, images_test, labels_test):
    """Subsets and assigned labels: (x_tr, true_tr, assigned_tr, x_te, true_te, assigned_te)."""
    rng = np.random.default_rng(config.label_seed)
    tr = np.sort(rng.choice(len(labels_train), config.n_train, replace=False))
    te = np.sort(rng.choice(len(labels_test), config.n_test, replace=False))
    true_tr, true_te = np.asarray(labels_train)[tr], np.asarray(labels_test)[te]
    if config.labels == "permuted":
        both = permuted_labels(np.concatenate([true_tr, true_te]), config.label_seed + 1)
        ass_tr, ass_te = both[:len(tr)], both[len(tr):]
    else:
        ass_tr, ass_te = true_tr, true_te
    return images_train[tr], true_tr, ass_tr, images_test[te], true_te, ass_te


def _to_tensor(images):
    import torch

    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 4:                     # NHWC uint8 from toponet.data.load
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"images must have shape (n, 28, 28[, 1]); got {np.shape(images)}")
    return torch.as_tensor(x / 255.0 if x.max() > 1.5 else x).unsqueeze(1)


def _accuracy(net, x, y, batch: int = 500) -> float:
    import torch

    with torch.no_grad():
        pred = torch.cat([net(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])
    return float((pred == torch.as_tensor(y)).float().mean())


def train_memorization(config: MemorizationConfig, images_train, labels_train, images_test, labels_test, *,
                       checkpoint_dir=None, progress: bool = True) -> dict[str, np.ndarray]:
    """Train one run of ``config``; resumes from ``checkpoint_dir`` when given.

    Parameters
    ----------
    images_train : array (N, 28, 28, 1) uint8 or (N, 28, 28) floats in [0, 1]; labels_train (N,)
    images_test, labels_test : the same for the test set

    Returns
    -------
    dict of arrays
        ``train_accuracy``, ``test_accuracy`` (epochs,), measured against the assigned labels;
        ``test_accuracy_true`` (epochs,) against the true digits; ``hidden`` (m, 256) float16 and
        ``softmax`` (m, 10) float32 of the m training images assigned one of ``config.digits``,
        with ``true_digit`` and ``assigned`` (m,).
    """
    import torch
    from pathlib import Path

    from tqdm.auto import tqdm

    x_tr, true_tr, ass_tr, x_te, true_te, ass_te = _select(config, images_train, labels_train,
                                                           images_test, labels_test)
    xt, xe = _to_tensor(x_tr), _to_tensor(x_te)
    yt = torch.as_tensor(ass_tr, dtype=torch.int64)
    net = MemorizationCNN(config.seed)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    hist = {"train_accuracy": [], "test_accuracy": [], "test_accuracy_true": []}
    start = 0
    ckpt = Path(checkpoint_dir) / "state.pt" if checkpoint_dir is not None else None
    if ckpt is not None and ckpt.is_file():
        state = torch.load(ckpt, weights_only=True)
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        start = int(state["epoch"])
        for k in hist:
            hist[k] = [float(v) for v in state[k].tolist()]
    n = len(xt)
    batches = (n + config.batch_size - 1) // config.batch_size
    with tqdm(total=config.epochs * batches, initial=start * batches, desc=f"U2 {config.labels} labels",
              disable=not progress) as bar:
        for epoch in range(start, config.epochs):
            net.train()
            gen = torch.Generator().manual_seed(int(config.seed) * 100_003 + epoch)  # order = f(seed, epoch)
            perm = torch.randperm(n, generator=gen)
            for b in range(batches):
                idx = perm[b * config.batch_size:(b + 1) * config.batch_size]
                opt.zero_grad()
                torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
                opt.step()
                bar.update(1)
            net.eval()
            hist["train_accuracy"].append(_accuracy(net, xt, ass_tr))
            hist["test_accuracy"].append(_accuracy(net, xe, ass_te))
            hist["test_accuracy_true"].append(_accuracy(net, xe, true_te))
            if ckpt is not None:
                state = {"model": net.state_dict(), "optim": opt.state_dict(), "epoch": epoch + 1,
                         **{k: torch.tensor(v) for k, v in hist.items()}}
                atomic_write(ckpt, lambda fh: torch.save(state, fh))
    keep = np.isin(ass_tr, config.digits)
    with torch.no_grad():
        net.eval()
        hidden = net[:-1](xt[torch.as_tensor(keep)])
        soft = torch.softmax(net[-1](hidden), dim=1)
    return {**{k: np.asarray(v) for k, v in hist.items()},
            "hidden": hidden.numpy().astype(np.float16), "softmax": soft.numpy().astype(np.float32),
            "true_digit": true_tr[keep].astype(np.int64), "assigned": ass_tr[keep].astype(np.int64)}


def memorization_run(config: MemorizationConfig, store=None, *, progress: bool = True) -> dict[str, np.ndarray]:
    """The run of ``config`` from ``store``, training it on MNIST first (resumably, from epoch
    checkpoints) if absent (:func:`toponet.chapters._common.study_arrays`)."""
    import shutil

    store = Store() if store is None else store
    checkpoints = store.checkpoints / store.key(config)

    def train() -> dict[str, np.ndarray]:
        Xtr, ytr = data.load("mnist", "train")
        Xte, yte = data.load("mnist", "test")
        return train_memorization(config, Xtr, ytr, Xte, yte, checkpoint_dir=checkpoints, progress=progress)

    arrays = study_arrays(config, store, train, extra={"dataset": "MNIST", "threads": 1})
    shutil.rmtree(checkpoints, ignore_errors=True)   # stored: the epoch checkpoints are spent
    return arrays


def label_agreement(points, labels, *, k: int = 10, adjusted: bool = True) -> float:
    """How well a labelling is separated in a cloud: agreement of each point's ``k`` nearest
    neighbours with its label.

    The raw agreement (the share of neighbours carrying the point's label, averaged) is 1
    when the labels are separated and, when they are mixed, the chance level
    ``c = sum_l f_l^2`` (``f_l``: the labels' frequencies; 0.5 for two balanced labels, about
    0.1 for ten digits). With ``adjusted`` (default) the result is ``(raw - c) / (1 - c)``:
    1 when separated, about 0 when mixed, whatever the number of labels, so labellings with
    different numbers of classes can be compared.

    Parameters
    ----------
    points : array of shape (n, d); labels : array of shape (n,)
    """
    from sklearn.neighbors import NearestNeighbors

    X = check_cloud(points, name="points", min_points=k + 1)
    y = np.asarray(labels).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{X.shape[0]} points but {y.shape[0]} labels")
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    raw = float(np.mean(y[idx[:, 1:]] == y[:, None]))
    if not adjusted:
        return raw
    _, counts = np.unique(y, return_counts=True)
    chance = float(np.sum((counts / y.size) ** 2))
    return 1.0 if chance >= 1.0 else (raw - chance) / (1.0 - chance)


def u2_verdict(true_run: dict, permuted_run: dict, *, chance_band: float = 0.15,
               margin: float = 0.1, k: int = 10, rule: RuleResult | None = None) -> tuple[str, list[str], dict]:
    """The U2 verdict (:func:`u2_rule`'s, computed when ``rule`` is None) and the paper's reading of
    the runs in three parts, reported beside the tests:

    - (A) accuracy: N reaches >= 97 % test accuracy, N' >= 80 % training accuracy with test
      accuracy at chance (<= ``chance_band``), as the paper's 99.57/98.77 vs 88.25/9.62;
    - (B) N's final hidden layer is organized by the true digit, not by the assigned label:
      chance-adjusted ``k``-NN label agreement (:func:`label_agreement`) for the true digit
      exceeds that for the assigned label by ``margin``;
    - (C) the last layer does the memorizing: N''s softmax outputs agree with the assigned
      label by ``margin`` more than its hidden layer does.

    Returns (verdict, reasons: the three parts then the rule's reasons, numbers).
    """
    nums = {
        "N_train": float(true_run["train_accuracy"][-1]), "N_test": float(true_run["test_accuracy"][-1]),
        "Np_train": float(permuted_run["train_accuracy"][-1]), "Np_test": float(permuted_run["test_accuracy"][-1]),
    }
    h, sm = np.asarray(permuted_run["hidden"], dtype=np.float64), np.asarray(permuted_run["softmax"], dtype=np.float64)
    nums["Np_hidden_true"] = label_agreement(h, permuted_run["true_digit"], k=k)
    nums["Np_hidden_assigned"] = label_agreement(h, permuted_run["assigned"], k=k)
    nums["Np_softmax_assigned"] = label_agreement(sm, permuted_run["assigned"], k=k)
    nums["N_hidden_label"] = label_agreement(np.asarray(true_run["hidden"], dtype=np.float64), true_run["assigned"], k=k)
    acc_ok = nums["N_test"] >= 0.97 and nums["Np_train"] >= 0.8 and nums["Np_test"] <= chance_band
    digit_ok = nums["Np_hidden_true"] > nums["Np_hidden_assigned"] + margin
    last_ok = nums["Np_softmax_assigned"] > nums["Np_hidden_assigned"] + margin
    yes = {True: "yes", False: "no"}
    reasons = [f"(A) accuracy: N {100 * nums['N_train']:.1f}/{100 * nums['N_test']:.1f}%, N' {100 * nums['Np_train']:.1f}/"
               f"{100 * nums['Np_test']:.1f}% (train/test) -> {yes[acc_ok]}",
               f"(B) N' hidden layer, {k}-NN agreement (chance-adjusted): true digit {nums['Np_hidden_true']:.2f} vs "
               f"assigned label {nums['Np_hidden_assigned']:.2f} -> {yes[digit_ok]}",
               f"(C) N' softmax vs assigned label {nums['Np_softmax_assigned']:.2f} (hidden "
               f"{nums['Np_hidden_assigned']:.2f}) -> {yes[last_ok]}"]
    rule = u2_rule(true_run, permuted_run, k=k) if rule is None else rule
    return rule.verdict, reasons + list(rule.reasons), nums


#: N' has memorized when it fits at least this share of its permuted training labels (part (A)'s
#: threshold; the paper's N' reaches 88.25 % after 100 epochs). Below it there is no memorization
#: to locate, and U2 is inconclusive whatever the tests say.
MEMORIZED = 0.8


def _neighbours(points, k: int) -> np.ndarray:
    """Indices (n, k) of each point's ``k`` nearest neighbours, itself excluded."""
    from sklearn.neighbors import NearestNeighbors  # deferred: sklearn.neighbors costs ~0.5 s; only U2's tests need it

    X = check_cloud(points, name="points", min_points=k + 1)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    own = idx == np.arange(X.shape[0])[:, None]
    # the point itself is usually column 0; with duplicate points it may sit elsewhere: drop it there
    keep = np.where(own.any(axis=1, keepdims=True), ~own, np.arange(k + 1) < k)
    return idx[keep].reshape(X.shape[0], k)


def _adjusted(idx: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Chance-adjusted k-NN label agreement (:func:`label_agreement`) for every row of ``labels``
    (m, n) at once, neighbours ``idx`` (n, k). Returns (m,)."""
    Y = np.atleast_2d(labels)
    raw = (Y[:, idx] == Y[:, :, None]).mean(axis=(1, 2))
    _, counts = np.unique(Y[0], return_counts=True)
    chance = float(np.sum((counts / Y.shape[1]) ** 2))
    return np.ones(Y.shape[0]) if chance >= 1.0 else (raw - chance) / (1.0 - chance)


def _label_test(observed: float, null: np.ndarray, n: int, effect_sd: float) -> gt.GroupTest:
    draws = int(null.size)
    p = (1 + int(np.sum(null >= observed - 1e-12))) / (1 + draws)
    sd = float(null.std(ddof=1)) if draws > 1 else float("nan")
    return gt.GroupTest(name="labels", statistic="k-NN agreement", observed=float(observed), p=p, draws=draws,
                        exact=False, n_per_arm=(int(n),), effect_size=(observed - float(null.mean())) / sd
                        if sd > 0 else float("nan"))


def digit_test(hidden, true_digit, *, k: int = 10, draws: int = 999, seed: int = 0) -> gt.GroupTest:
    """(B): is N''s final hidden layer organized by the true digit? The chance-adjusted ``k``-NN
    agreement of the hidden activations (n, 256) with the true digits (n,), against ``draws``
    permutations of the digits over the images (one-sided, Monte-Carlo p)."""
    idx = _neighbours(np.asarray(hidden, dtype=np.float64), k)
    y = np.asarray(true_digit)
    rng = np.random.default_rng(seed)
    null = _adjusted(idx, np.array([rng.permutation(y) for _ in range(draws)]))
    return _label_test(float(_adjusted(idx, y)[0]), null, y.size, 0.0)


def _softmax_null(ih, isf, y, draws: int, seed: int) -> tuple[float, np.ndarray]:
    """(observed, null) of :func:`softmax_test`'s statistic from precomputed neighbours."""
    rng = np.random.default_rng(seed)
    perm = np.array([rng.permutation(y) for _ in range(draws)])
    observed = float(_adjusted(isf, y)[0] - _adjusted(ih, y)[0])
    return observed, _adjusted(isf, perm) - _adjusted(ih, perm)


def softmax_test(hidden, softmax, assigned, *, k: int = 10, draws: int = 999, seed: int = 0) -> gt.GroupTest:
    """(C): do N''s softmax outputs follow its assigned labels more than its hidden layer does?

    Statistic: the chance-adjusted ``k``-NN agreement with the assigned labels of the softmax
    outputs (n, 10) minus that of the hidden activations (n, 256). Null: the assigned labels
    permuted over the images (``draws`` times), which makes both layers unrelated to them; one-sided
    Monte-Carlo p. A significant result: the last layer holds the memorized labels beyond what the
    hidden layer does, the paper's "memorization lives in the FC layers".
    """
    y = np.asarray(assigned)
    ih = _neighbours(np.asarray(hidden, dtype=np.float64), k)
    isf = _neighbours(np.asarray(softmax, dtype=np.float64), k)
    return _label_test(*_softmax_null(ih, isf, y, draws, seed), y.size, 0.0)


def softmax_power(hidden, softmax, assigned, *, k: int = 10, simulations: int = 200, draws: int = 199,
                  alpha: float = 0.05, seed: int = 0) -> dict:
    """Power of :func:`softmax_test` against the paper's memorization, and its false-positive rate.

    Simulation model (the paper's Fig. 5: N''s softmax outputs form two tails by assigned label):
    N' fits 88.25 % of its training labels, a share f = (0.8825 - 0.1) / 0.9 beyond chance; in each
    simulation a random share f of the images get the softmax row halfway between their measured
    row and the one-hot vector of their assigned label (a confident, memorized output); the other
    rows and the hidden layer stay as measured. False positives: the same test with the labels
    drawn at random, where the null holds. Returns {"power", "false_positive_rate", "fraction",
    "simulations", "draws", "model"}.
    """
    H, S, y = np.asarray(hidden, np.float64), np.asarray(softmax, np.float64), np.asarray(assigned)
    f = (PAPER["permuted"]["train"] - 0.1) / 0.9
    rng = np.random.default_rng(seed)
    ih, isf = _neighbours(H, k), _neighbours(S, k)
    onehot = np.eye(S.shape[1])[y]
    hits = fps = 0
    for s in range(simulations):
        pick = (rng.random(y.size) < f)[:, None]
        X = np.where(pick, 0.5 * S + 0.5 * onehot, S)
        obs, null = _softmax_null(ih, _neighbours(X, k), y, draws, seed + s)
        hits += (1 + np.sum(null >= obs - 1e-12)) / (1 + draws) < alpha
        y0 = rng.permutation(y)
        obs, null = _softmax_null(ih, isf, y0, draws, seed + s)
        fps += (1 + np.sum(null >= obs - 1e-12)) / (1 + draws) < alpha
    model = (f"the paper's memorization ({100 * PAPER['permuted']['train']:.2f} % of training labels; a share "
             f"{f:.2f} of the softmax rows moved halfway to their assigned label)")
    return {"power": hits / simulations, "false_positive_rate": fps / simulations, "fraction": f,
            "simulations": simulations, "draws": draws, "model": model}


def u2_rule(true_run: dict, permuted_run: dict, *, k: int = 10, seed: int = 0, simulations: int = 200) -> RuleResult:
    """The U2 verdict, "memorization lives in the FC layers", by label-permutation tests on N'.

    Two parts: (B) N''s final hidden layer is organized by the true digit (:func:`digit_test`);
    (C) its softmax outputs follow the memorized labels more than its hidden layer does
    (:func:`softmax_test`, power by :func:`softmax_power` against the paper's memorization).
    First the premise: N' must have memorized (training accuracy on its permuted labels at
    least :data:`MEMORIZED`); below it there is nothing to locate and U2 is **inconclusive**,
    whatever the tests say (the chapter's "at this scale we cannot decide where memorization
    lives"). Otherwise :func:`toponet.group_tests.combine_parts`. The row's power is (C)'s.
    """
    h = np.asarray(permuted_run["hidden"], dtype=np.float64)
    sm = np.asarray(permuted_run["softmax"], dtype=np.float64)
    train = float(permuted_run["train_accuracy"][-1])
    tb_ = digit_test(h, permuted_run["true_digit"], k=k, seed=seed)
    tc = softmax_test(h, sm, permuted_run["assigned"], k=k, seed=seed)
    pw = softmax_power(h, sm, permuted_run["assigned"], k=k, seed=seed, simulations=simulations)
    tc = replace(tc, power=pw["power"], false_positive_rate=tc.size(), simulated_fpr=pw["false_positive_rate"],
                 power_note=f"power {pw['power']:.0%} against {pw['model']}; false positives "
                            f"{pw['false_positive_rate']:.1%} on random labels ({pw['simulations']} simulations)")
    parts = [gt.Part("(B) N' hidden layer organized by the true digit", tb_),
             gt.Part("(C) N' softmax follows the assigned labels more than its hidden layer", tc,
                     note=f"power against {pw['model']}")]
    words = f"N' fits {100 * train:.1f} % of its permuted training labels (memorized: at least {100 * MEMORIZED:.0f} %)"
    if train < MEMORIZED:
        verdict = "inconclusive"
        reasons = [words, *(p.describe() for p in parts),
                   f"N' has not memorized at this scale ({100 * train:.1f} % < {100 * MEMORIZED:.0f} %; the paper "
                   f"{100 * PAPER['permuted']['train']:.2f} % after {PAPER['permuted']['epochs']} epochs): there is no "
                   f"memorization to locate, so where it lives cannot be decided here; (C)'s test would see the "
                   f"paper's memorization with {100 * pw['power']:.0f} % power (the paper profile decides it)"]
    else:
        verdict, reasons = gt.combine_parts(parts)
        reasons = [words, *reasons]
    return RuleResult(verdict=verdict, reasons=tuple(reasons),
                      nulls={f"{short} ({gt.TESTS['labels']})": p.test.null_record()
                             for short, p in zip(("(B) hidden layer by digit", "(C) softmax beyond hidden layer"), parts)},
                      power=tc.power, false_positive_rate=tc.false_positive_rate,
                      extra={"parts": tuple(parts), "tests": [dict(p.test.record(), part=p.label) for p in parts]})


def layer_mappers(runs: dict, *, resolution: int, gain: float, seed: int = 0,
                  kinds=("true", "permuted"), layers=("hidden", "softmax")) -> dict:
    """A fitted :class:`toponet.mapper.Mapper` per (run kind, layer), as the chapter's U2 figures draw them.

    Parameters
    ----------
    runs : dict
        Run kind ("true", "permuted") -> :func:`memorization_run` output; each layer an array
        (n_images, n_units).
    resolution, gain : Mapper cover (the method page's lenses and clustering).
    seed : int
        Layout seed of each graph.

    Returns
    -------
    dict
        ``(kind, layer) -> Mapper`` for every kind in ``kinds`` and layer in ``layers``.
    """

    resolution = check_int(resolution, name="resolution", low=1)
    out = {}
    for kind in kinds:
        if kind not in runs:
            raise KeyError(f"no run {kind!r}; runs has {sorted(runs)}")
        for layer in layers:
            if layer not in runs[kind]:
                raise KeyError(f"run {kind!r} has no layer {layer!r}; it has {sorted(runs[kind])}")
            X = np.asarray(runs[kind][layer], dtype=np.float64)
            if X.ndim != 2 or X.shape[0] < 2:
                raise ValueError(f"{kind}/{layer} must be an (n_images >= 2, n_units) array; got shape {X.shape}")
            out[kind, layer] = Mapper(resolution=resolution, gain=gain, layout_seed=seed).fit(X)
    return out


def u2_verdict_row(rule: RuleResult, numbers: dict, *, k: int, n_train: int, epochs_true: int,
                   epochs_permuted: int, profile: str) -> Verdict:
    """U2's verdict row: :func:`u2_rule`'s verdict and the numbers of :func:`u2_verdict`.

    Parameters
    ----------
    rule : RuleResult
        :func:`u2_rule`'s result (its reasons after the first are stated in the row).
    numbers : dict
        :func:`u2_verdict`'s numbers (``N_train``, ``N_test``, ``Np_train``, ``Np_test`` fractions;
        ``Np_hidden_true``, ``Np_hidden_assigned``, ``Np_softmax_assigned`` chance-adjusted
        agreements).
    k : int
        Neighbours of the label agreement.
    n_train : int
        MNIST training images used.
    epochs_true, epochs_permuted : int
        Epochs of N (true labels) and N' (permuted labels).
    profile : str
        The build profile.

    Returns
    -------
    Verdict
    """
    n = numbers
    ours = (f"N {100 * n['N_train']:.1f}/{100 * n['N_test']:.1f}%, N' {100 * n['Np_train']:.1f}/"
            f"{100 * n['Np_test']:.1f}%; N' hidden {k}-NN agreement (chance-adjusted) digit "
            f"{n['Np_hidden_true']:.2f} vs label {n['Np_hidden_assigned']:.2f}; "
            f"softmax vs label {n['Np_softmax_assigned']:.2f}; "
            + "; ".join(rule.reasons[1:]))
    return Verdict.from_rule(
        rule, claim_id="U2", claim="memorization lives in the FC layers (true vs permuted labels)",
        paper="N 99.57/98.77%, N' 88.25/9.62% (train/test); N' hidden layer organized by digit, not by label",
        ours=ours, scale=f"{n_train:,} of 60,000 train images, {epochs_true}/{epochs_permuted} epochs (paper 20/100) "
                         f"({profile})",
        data="MNIST (real), labels permuted for N'", chapter="UMass", networks=1, iterations=epochs_permuted)


def u2_findings(nums: dict, *, epochs_true: int, epochs_permuted: int, n_train: int, margin: float = 0.1,
                chance_band: float = 0.15, rule: RuleResult | None = None):
    """The chapter's "what we found" for U2, from :func:`u2_verdict`'s numbers (no stored numbers):
    the template ``toponet/chapters/templates/u2_findings.md`` filled with them.

    Parameters
    ----------
    nums : dict
        The third value of :func:`u2_verdict` (accuracies as fractions, chance-adjusted agreements).
    epochs_true, epochs_permuted, n_train : the scale of this build.
    margin, chance_band : as :func:`u2_verdict`.
    rule : :func:`u2_rule`'s result; when given, part (C) is read from its test (not the margin)
        and a closing sentence gives the tests, their p-values and the verdict.

    Returns
    -------
    toponet.book.notebook.Caption
        Markdown whose sentences follow the parts (A), (B), (C) of the rule.
    """

    need = ("N_train", "N_test", "Np_train", "Np_test", "Np_hidden_true", "Np_hidden_assigned", "Np_softmax_assigned")
    missing = [k for k in need if k not in nums]
    if missing:
        raise KeyError(f"nums lacks {missing}; pass the numbers returned by u2_verdict")
    n = {k: float(nums[k]) for k in need}
    pct = lambda a: f"{100 * a:.1f}%"  # noqa: E731
    acc_ok = n["N_test"] >= 0.97 and n["Np_train"] >= 0.8 and n["Np_test"] <= chance_band
    digit_ok = n["Np_hidden_true"] > n["Np_hidden_assigned"] + margin
    last_ok = n["Np_softmax_assigned"] > n["Np_hidden_assigned"] + margin
    if rule is not None:
        last_ok = rule.extra["parts"][1].test.significant()
    p = PAPER
    pp = lambda a: f"{100 * a:.2f}%"  # noqa: E731  (the paper states two decimals)
    tests = None
    if rule is not None:
        digit_test, softmax_test = (part.test for part in rule.extra["parts"])
        tests = dict(digit_p=f"{digit_test.p:.2g}", digit_draws=digit_test.draws, softmax_p=f"{softmax_test.p:.2g}",
                     softmax_draws=softmax_test.draws, softmax_power=f"{softmax_test.power:.0%}", verdict=rule.verdict,
                     because=(f", because $N'$ fits only {pct(n['Np_train'])} of its labels (memorized: at least "
                              f"{100 * MEMORIZED:.0f}%)." if n["Np_train"] < MEMORIZED else "."))
    return Caption(render(
        "u2_findings", accuracies_ok=acc_ok, memorizing=n["Np_test"] <= chance_band and n["Np_train"] >= n["Np_test"] + 0.05,
        digit_ok=digit_ok, last_ok=last_ok, memorized=n["Np_train"] >= MEMORIZED,
        N_train=pct(n["N_train"]), N_test=pct(n["N_test"]), Np_train=pct(n["Np_train"]), Np_test=pct(n["Np_test"]),
        hidden_true=f"{n['Np_hidden_true']:.2f}", hidden_assigned=f"{n['Np_hidden_assigned']:.2f}",
        softmax_assigned=f"{n['Np_softmax_assigned']:.2f}", margin=f"{margin:g}", epochs_true=epochs_true,
        epochs_permuted=epochs_permuted, n_train=f"{n_train:,}", paper_true_train=pp(p["true"]["train"]),
        paper_true_test=pp(p["true"]["test"]), paper_permuted_train=pp(p["permuted"]["train"]),
        paper_permuted_test=pp(p["permuted"]["test"]), paper_permuted_epochs=p["permuted"]["epochs"], tests=tests))
