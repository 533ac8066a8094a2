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

import time
from dataclasses import dataclass

import numpy as np

from toponet import data
from toponet._validation import check_cloud, check_int
from toponet.book.notebook import Caption
from toponet.mapper import Mapper
from toponet.store import Store

__all__ = ["MemorizationConfig", "MemorizationCNN", "permuted_labels", "train_memorization",
           "memorization_run", "label_agreement", "configs_for", "u2_verdict", "u2_findings", "layer_mappers", "SCALES", "PAPER"]

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
                ckpt.parent.mkdir(parents=True, exist_ok=True)
                tmp = ckpt.with_suffix(".tmp")
                torch.save({"model": net.state_dict(), "optim": opt.state_dict(), "epoch": epoch + 1,
                            **{k: torch.tensor(v) for k, v in hist.items()}}, tmp)
                tmp.replace(ckpt)
    keep = np.isin(ass_tr, config.digits)
    with torch.no_grad():
        net.eval()
        hidden = net[:-1](xt[torch.as_tensor(keep)])
        soft = torch.softmax(net[-1](hidden), dim=1)
    return {**{k: np.asarray(v) for k, v in hist.items()},
            "hidden": hidden.numpy().astype(np.float16), "softmax": soft.numpy().astype(np.float32),
            "true_digit": true_tr[keep].astype(np.int64), "assigned": ass_tr[keep].astype(np.int64)}


def memorization_run(config: MemorizationConfig, store=None, *, progress: bool = True) -> dict[str, np.ndarray]:
    """The run of ``config`` from ``store``, training it on MNIST first (resumably) if absent."""
    import shutil

    import torch

    store = Store() if store is None else store
    got = store.get_arrays(config)
    if got is not None:
        return got[0]
    Xtr, ytr = data.load("mnist", "train")
    Xte, yte = data.load("mnist", "test")
    ck = store.checkpoints / store.key(config)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    t0 = time.time()
    try:
        arrays = train_memorization(config, Xtr, ytr, Xte, yte, checkpoint_dir=ck, progress=progress)
    finally:
        torch.set_num_threads(threads)
    store.put_arrays(config, arrays, extra={"wall_time_s": round(time.time() - t0, 2), "device": "cpu",
                                            "dataset": "MNIST", "threads": 1})
    shutil.rmtree(ck, ignore_errors=True)
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


#: Scale per build profile: training subset, test subset, epochs for true / permuted labels.
SCALES = {
    "smoke": {"n_train": 256, "n_test": 200, "epochs": {"true": 1, "permuted": 2}},
    "default": {"n_train": 1000, "n_test": 500, "epochs": {"true": 4, "permuted": 15}},
    "paper": {"n_train": 60000, "n_test": 10000, "epochs": {"true": 20, "permuted": 100}},
}


def configs_for(profile: str) -> dict[str, MemorizationConfig]:
    """``{"true": config, "permuted": config}`` at the scale of build ``profile``."""
    if profile not in SCALES:
        raise ValueError(f"unknown profile {profile!r}; known: {sorted(SCALES)}")
    s = SCALES[profile]
    return {kind: MemorizationConfig(labels=kind, n_train=s["n_train"], n_test=s["n_test"], epochs=s["epochs"][kind])
            for kind in ("true", "permuted")}


def u2_verdict(true_run: dict, permuted_run: dict, *, chance_band: float = 0.15,
               margin: float = 0.1, k: int = 10) -> tuple[str, list[str], dict]:
    """The U2 rule, in three parts.

    - (A) accuracy: N reaches >= 97 % test accuracy, N' >= 80 % training accuracy with test
      accuracy at chance (<= ``chance_band``), as the paper's 99.57/98.77 vs 88.25/9.62;
    - (B) N's final hidden layer is organized by the true digit, not by the assigned label:
      chance-adjusted ``k``-NN label agreement (:func:`label_agreement`) for the true digit
      exceeds that for the assigned label by ``margin``;
    - (C) the last layer does the memorizing: N''s softmax outputs agree with the assigned
      label by ``margin`` more than its hidden layer does.

    Reproduced: all three; partly: one or two; not reproduced: none.
    Returns (verdict, reasons, numbers).
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
    n = acc_ok + digit_ok + last_ok
    verdict = "reproduced" if n == 3 else ("partly" if n else "not reproduced")
    return verdict, reasons, nums


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


def u2_findings(nums: dict, *, epochs_true: int, epochs_permuted: int, n_train: int, margin: float = 0.1,
                chance_band: float = 0.15):
    """The chapter's "what we found" for U2, from :func:`u2_verdict`'s numbers (no stored numbers).

    Parameters
    ----------
    nums : dict
        The third value of :func:`u2_verdict` (accuracies as fractions, chance-adjusted agreements).
    epochs_true, epochs_permuted, n_train : the scale of this build.
    margin, chance_band : as :func:`u2_verdict`.

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
    p = PAPER
    pp = lambda a: f"{100 * a:.2f}%"  # noqa: E731  (the paper states two decimals)
    if acc_ok:
        acc = (f"The accuracies are of the paper's kind: $N$ reaches {pct(n['N_train'])} / {pct(n['N_test'])} (train / "
               f"test) after {epochs_true} epoch(s) on {n_train:,} images (paper {pp(p['true']['train'])} / "
               f"{pp(p['true']['test'])}), and $N'$ memorizes: {pct(n['Np_train'])} on its training labels, "
               f"{pct(n['Np_test'])} on the test set (paper {pp(p['permuted']['train'])} / {pp(p['permuted']['test'])}).")
    else:
        acc = (f"This scale does not test the paper's accuracies. After {epochs_true} epoch(s) on {n_train:,} images, $N$ "
               f"reaches {pct(n['N_train'])} / {pct(n['N_test'])} (train / test), against {pp(p['true']['train'])} / "
               f"{pp(p['true']['test'])}. ")
        if n["Np_test"] <= chance_band and n["Np_train"] >= n["Np_test"] + 0.05:
            acc += (f"$N'$ starts to memorize: after {epochs_permuted} epoch(s) its training accuracy is "
                    f"{pct(n['Np_train'])} while its test accuracy stays at chance ({pct(n['Np_test'])}), against the "
                    f"paper's {pp(p['permuted']['train'])} after {p['permuted']['epochs']} epochs.")
        else:
            acc += (f"$N'$ reaches {pct(n['Np_train'])} / {pct(n['Np_test'])} after {epochs_permuted} epoch(s): "
                    "no sign of memorization yet.")
    if digit_ok:
        hid = (f"The part about the hidden layer does hold. $N'$'s final hidden layer groups the images by their true "
               f"digit (adjusted agreement {n['Np_hidden_true']:.2f}) and not by the label it was trained on "
               f"({n['Np_hidden_assigned']:.2f}), as the paper says.")
    else:
        hid = (f"The part about the hidden layer does not hold here: $N'$'s final hidden layer agrees with the true "
               f"digit {n['Np_hidden_true']:.2f} and with the assigned label {n['Np_hidden_assigned']:.2f} (adjusted), "
               f"not {margin:g} apart in favour of the digit.")
    if last_ok:
        last = (f" Its softmax outputs follow the assigned labels ({n['Np_softmax_assigned']:.2f}) far more than its "
                "hidden layer does: the last layer does the memorizing.")
    else:
        last = (f" Its softmax outputs do not separate the assigned labels yet ({n['Np_softmax_assigned']:.2f}), so at "
                "this scale we cannot decide *where* memorization lives. That needs the `paper` profile (a GPU).")
    return Caption(f"**What we found.** {acc}\n\n{hid}{last}")
