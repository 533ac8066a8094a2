"""Every trained thing of the book, at every profile, and what each chapter trains: the one registry.

Two kinds of entry, one table each:

- **ensembles** (:data:`toponet.experiments.EXPERIMENTS`): the paper's convolutional networks,
  trained shard by shard by :mod:`toponet.shards` and stored as filter snapshots; an entry has its
  :class:`~toponet.experiments.TrainConfig`, its networks x iterations per profile and
  :func:`toponet.experiments.load_or_train` as its ``run``;
- **studies** (:data:`STUDIES`, here): the peer papers' small networks (U1's tori, U2's
  memorization, L1/L2's learning graphs), each with its configuration per profile, its artifact
  key (:func:`toponet.store.config_key` of that configuration) and its ``run`` (load, else train
  and store arrays).

Why two training engines: the ensemble engine trains conv nets and snapshots their first-layer
3x3 filters; a study keeps other arrays (a full-batch 2-D net's loss curve and hidden units, an
MLP's activations per epoch, every weight at 200 recordings), so each study keeps its own loop.

The notebooks load a study through it (``notebooks/06_umass.py``: U1 and U2;
``notebooks/07_learning_graphs.py``: L1, L2). What a chapter trains at given parameters is :func:`trained` (``book.rerun`` asks it instead of
branching per chapter); the networks x iterations a chapter's parameters take from a profile are
:func:`chapter_scale` of :data:`CHAPTER_SCALE` (``book.profiles`` asks it). Adding a chapter that
trains is one entry of :data:`CHAPTER_TRAINING`, one of :data:`CHAPTER_SCALE` and its experiments
(:mod:`toponet.experiments`) or studies (:data:`STUDIES`) when new.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Mapping

import functools

__all__ = ["Study", "STUDIES", "study", "Trained", "CHAPTER_TRAINING", "CHAPTER_SCALE",
           "MNIST_VARIANTS", "trained", "chapter_scale"]


@dataclass(frozen=True)
class Study:
    """A peer paper's small network, trained by its chapter's own loop.

    Attributes
    ----------
    name : str
        Registry name ("u1-tori", "l1", ...).
    paper_reference : str
        What of which paper it reproduces.
    profiles : mapping of profile name to configuration
        The configuration trained at each profile of :data:`toponet.experiments.SCALES`; its
        :func:`toponet.store.config_key` is the artifact key.
    run : callable
        ``run(config, store=None, *, progress=True) -> dict of arrays``: the stored arrays, trained
        and stored first when missing.
    scale : callable
        ``scale(config) -> (networks, iterations)``: what a caption and the profile tables call
        the configuration's networks and iterations (U1: seeds x full-batch iterations; L1: one
        run x recordings).
    units : (str, str)
        What ``scale``'s two numbers count, plural ("seeds", "full-batch iterations"; a count
        of 1 drops the final "s").
    networks : mapping of profile name to int
        Runs a chapter draws from this study at each profile (seeds of the configuration, in
        place of ``scale``'s networks); empty: ``scale``'s.
    options : mapping of str to str
        What ``toponet train <study> --networks N --iterations M`` may change: command-line option
        -> field of the configuration (U1: ``networks`` -> ``seeds``); empty: the profile's scale
        only.
    """

    name: str
    paper_reference: str
    profiles: Mapping[str, Any]
    run: Callable[..., Any]
    scale: Callable[[Any], tuple[int, int]]
    units: tuple[str, str] = ("networks", "iterations")
    networks: Mapping[str, int] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        # deferred: toponet.experiments imports torch (1.6 s measured); a dry run of a chapter that
        # trains nothing reads CHAPTER_SCALE / CHAPTER_TRAINING and never builds a Study
        from toponet.experiments import SCALES

        missing = set(SCALES) - set(self.profiles)
        if missing:
            raise ValueError(f"study {self.name!r} has no configuration for profile(s) {sorted(missing)}")
        object.__setattr__(self, "profiles", MappingProxyType(dict(self.profiles)))
        object.__setattr__(self, "networks", MappingProxyType(dict(self.networks)))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def config(self, profile: str, **changes):
        """The configuration at ``profile`` with ``changes`` (fields of it, e.g. ``seed=3``)."""
        if profile not in self.profiles:
            raise ValueError(f"study {self.name!r}: unknown profile {profile!r}; known: {list(self.profiles)}")
        return replace(self.profiles[profile], **changes) if changes else self.profiles[profile]

    def scale_at(self, profile: str) -> tuple[int, int]:
        """(networks, iterations) at ``profile``: :attr:`scale` of its configuration, with
        :attr:`networks` where given."""
        networks, iterations = self.scale(self.config(profile))
        return self.networks.get(profile, networks), iterations

    def describe(self, profile: str) -> str:
        """``scale_at(profile)`` in words: "20 seeds x 800 full-batch iterations"."""
        counts = self.scale_at(profile)
        return " x ".join(f"{n:,} {unit[:-1] if n == 1 and unit.endswith('s') else unit}"
                          for n, unit in zip(counts, self.units))

    def load(self, profile: str, *, store=None, progress: bool = True, **changes) -> dict:
        """The study's arrays at ``profile`` (with ``changes``): loaded, else trained and stored."""
        return self.run(self.config(profile, **changes), store, progress=progress)


_EPOCHS, _RECORDS = ("runs", "epochs"), ("runs", "recordings")


@functools.cache
def _studies() -> Mapping[str, Study]:
    """The table :data:`STUDIES`, built on first use.

    U1: 20 seeds at default give its paired permutation tests 94 % (unlinking) and 98.5 %
    (accuracy) power at the rates measured with 10, where 10 gave 38 %; each seed trains N_ReLU
    and N_abs, 800 full-batch Adam iterations (the paper's). U2: the paper's 20 (true labels) and
    100 (permuted) epochs at paper. L1: 8 zero-init runs (seeds 0-7) give its sign test 81 %
    power; L1's text says 50 epochs, L2's notebook 70.
    """
    # deferred: the studies' modules import torch (2.5 s measured); `python -m toponet.book run
    # <chapter> --dry-run` of a chapter that trains nothing reads only the chapter tables below
    from toponet.chapters import learning_graphs as lg
    from toponet.chapters.umass import memorization, tori

    def learning(init: str, hidden: tuple[int, ...], epochs: int, **kw) -> dict:
        """The paper notebook's run at default and paper (full MNIST training set, batch 100, lr
        0.05, 200 recordings); smoke: 6,000 images, 3 epochs, 30 recordings."""
        full = lg.LearningConfig(hidden=hidden, init=init, epochs=epochs, records=200, **kw)
        smoke = lg.LearningConfig(hidden=hidden, init=init, epochs=3, records=30, first_layer_stride=3, n_train=6000,
                                  **kw)
        return {"smoke": smoke, "default": full, "paper": full}

    def memorizing(labels: str, epochs: Mapping[str, int]) -> dict:
        """Training / test subsets per profile: 256 / 200 (smoke), 1,000 / 500 (default), the
        paper's 60,000 / 10,000; ``epochs`` per profile."""
        sizes = {"smoke": (256, 200), "default": (1000, 500), "paper": (60000, 10000)}
        return {p: memorization.MemorizationConfig(labels=labels, n_train=n, n_test=m, epochs=epochs[p])
                for p, (n, m) in sizes.items()}

    def epochs(config) -> tuple[int, int]:
        return 1, config.epochs

    def records(config) -> tuple[int, int]:
        return 1, config.records

    return MappingProxyType({s.name: s for s in (
        Study("u1-tori", "UMass, U1: N_ReLU and N_abs on two linked tori (Fig. 5-6 of Naitzat et al.)",
              {p: tori.ToriStudyConfig(seeds=n, iterations=800) for p, n in (("smoke", 3), ("default", 20),
                                                                              ("paper", 20))},
              tori.tori_study, lambda c: (c.seeds, c.iterations), ("seeds (2 networks each)", "full-batch iterations"),
              options={"networks": "seeds", "iterations": "iterations"}),
        Study("u2-true", "UMass, U2: N trained on MNIST's true labels",
              memorizing("true", {"smoke": 1, "default": 4, "paper": 20}), memorization.memorization_run, epochs,
              _EPOCHS),
        Study("u2-permuted", "UMass, U2: N' trained on permuted labels (memorization)",
              memorizing("permuted", {"smoke": 2, "default": 15, "paper": 100}), memorization.memorization_run,
              epochs, _EPOCHS),
        Study("l1", "Learning graphs, L1: zero-initialized one-hidden-layer sigmoid MLP",
              learning("zeros", (100,), 50), lg.learning_trajectories, records, _RECORDS,
              {"smoke": 1, "default": 8, "paper": 8}),
        Study("l1-normal", "Learning graphs, L1 beside it: the same MLP from N(0, 1e-3)",
              learning("normal", (100,), 50, init_std=lg.L1_NORMAL_STD), lg.learning_trajectories, records, _RECORDS),
        Study("l2", "Learning graphs, L2: two-hidden-layer sigmoid MLP from a gaussian init",
              learning("normal", (100, 100), 70), lg.learning_trajectories, records, _RECORDS),
    )})


def __getattr__(name: str):
    """``STUDIES``: the studies by name (:func:`_studies`), built on first use (PEP 562)."""
    if name == "STUDIES":
        return _studies()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def study(name: str) -> Study:
    """The study called ``name``; ValueError lists the known ones."""
    studies = _studies()
    if name not in studies:
        raise ValueError(f"unknown study {name!r}; known: {sorted(studies)}")
    return studies[name]


@dataclass(frozen=True)
class Trained:
    """One thing a chapter loads at given parameters.

    Attributes
    ----------
    label : str
        What the re-run page and the dry run call it.
    experiment : str or None
        An ensemble's registry name (:mod:`toponet.experiments`), else None.
    networks, iterations : int or None
        An ensemble's scale when the chapter's parameters choose it; None: its profile's.
    config : configuration or None
        A study's configuration (its artifact key), else None.
    run : callable or None
        A study's ``run(config, store=None, *, progress=True)``, else None.
    """

    label: str
    experiment: str | None = None
    networks: int | None = None
    iterations: int | None = None
    config: Any = None
    run: Callable[..., Any] | None = None


def _ensemble(name: str, networks: int | None = None, iterations: int | None = None) -> Trained:
    return Trained(name, experiment=name, networks=networks, iterations=iterations)


def _study(label: str, name: str, profile: str, **changes) -> Trained:
    s = study(name)
    return Trained(label, config=s.config(profile, **changes), run=s.run)


#: The robustness architectures chapter 01 analyses beside M(64, 32, 64) (its ``variant_table``).
MNIST_VARIANTS = ("mnist-M64-0-64", "mnist-M64-8-512", "mnist-M64-16-512", "mnist-M256-32-512")


def _mnist(p: Mapping[str, Any]) -> list[Trained]:
    return ([_ensemble("mnist", p["networks"], p["iterations"])]
            + [_ensemble(v, iterations=p["iterations"]) for v in MNIST_VARIANTS])


def _cifar(main: str, other: str) -> Callable[[Mapping[str, Any]], list[Trained]]:
    def needs(p: Mapping[str, Any]) -> list[Trained]:
        # deferred: the CIFAR chapters' module imports torch (2.5 s measured), which only a CIFAR
        # chapter's needs use
        from toponet.chapters._cifar import pick_experiment

        return [_ensemble(pick_experiment(main)[0], p["networks"], p["iterations"]),
                _ensemble(pick_experiment(other)[0])]
    return needs


def _generalization(p: Mapping[str, Any]) -> list[Trained]:
    # deferred: the chapter module imports torch (2.5 s measured), which only its needs use
    from toponet.chapters import generalization

    names = generalization.experiment_names(generalization.harder_domain())
    return ([_ensemble(names[arm], p["networks"], p["iterations"]) for arm in ("circle", "gaussian", "trained")]
            + [_ensemble(n) for n in (names["harder"], "mnist")]
            + [_ensemble(n) for arms in names["append"].values() for kind, n in arms.items() if kind != "none"])


def _umass(p: Mapping[str, Any]) -> list[Trained]:
    return ([_study("U1 tori study", "u1-tori", p["profile"], seeds=p["networks"], iterations=p["iterations"])]
            + [_study(f"U2 memorization ({kind} labels)", f"u2-{kind}", p["profile"]) for kind in ("true", "permuted")])


def _learning_graphs(p: Mapping[str, Any]) -> list[Trained]:
    profile = p["profile"]
    return ([_study(f"learning graph {name}", name.lower(), profile) for name in ("L1", "L1-normal", "L2")]
            + [_study(f"learning graph L1 seed {s}", "l1", profile, seed=s) for s in range(1, int(p["networks"]))])


#: What each chapter that trains loads: chapter -> ``needs(parameters) -> list of Trained``, at the
#: chapter's injected parameters (``profile``, ``networks``, ``iterations``). A chapter not here
#: trains nothing.
CHAPTER_TRAINING: Mapping[str, Callable[[Mapping[str, Any]], list[Trained]]] = MappingProxyType({
    "01_mnist": _mnist,
    "02_cifar_gray": _cifar("cifar-gray", "cifar-gray-C64-0-64"),
    "03_cifar_color": _cifar("cifar-color", "cifar-color-C48-0-64-nopool"),
    "05_generalization": _generalization,
    "06_umass": _umass,
    "07_learning_graphs": _learning_graphs,
})

#: Chapter -> the entry whose profile gives its ``networks`` and ``iterations`` parameters (its
#: main run): an ensemble's networks x iterations (the CIFAR chapters' stand-in runs, which this
#: build trains on), U1's seeds x iterations, L1's runs x recordings. A book profile never types
#: these (``book.profiles`` asks :func:`chapter_scale`).
CHAPTER_SCALE: Mapping[str, str] = MappingProxyType({
    "01_mnist": "mnist",                      # Fig. 2: M(64, 32, 64) on MNIST
    "02_cifar_gray": "cifar-gray-standin",    # Figs. 3-5
    "03_cifar_color": "cifar-color-standin",  # Figs. 6, 8, 9
    "05_generalization": "gen-mnist-trained",  # G1's arms (each arm has the same scale)
    "06_umass": "u1-tori",                    # U1: seeds (each trains two networks) x full-batch iterations
    "07_learning_graphs": "l1",               # L1: zero-init runs x recordings of the weights
    "08_natural_patches": "mnist",            # the MNIST filters set beside the patches
})


def trained(chapter: str, parameters: Mapping[str, Any]) -> list[Trained]:
    """What ``chapter`` loads from the store at ``parameters`` (its injected values); [] for a
    chapter that trains nothing."""
    needs = CHAPTER_TRAINING.get(chapter)
    return [] if needs is None else needs(parameters)


def chapter_scale(chapter: str, profile: str) -> tuple[int, int] | None:
    """(networks, iterations) of ``chapter``'s main run at ``profile``: the entry named by
    :data:`CHAPTER_SCALE` (an ensemble's networks x iterations, U1's seeds x iterations, L1's runs
    x recordings); None for a chapter without one, or a profile the entry does not define."""
    name = CHAPTER_SCALE.get(chapter)
    if name is None:
        return None
    studies = _studies()
    if name in studies:
        return studies[name].scale_at(profile) if profile in studies[name].profiles else None
    # deferred: toponet.experiments imports torch (1.6 s measured); a chapter without a scale
    # entry never needs it
    from toponet.experiments import experiment

    exp = experiment(name)
    if profile not in exp.profiles:
        return None
    return exp.profiles[profile].networks, exp.profiles[profile].iterations
