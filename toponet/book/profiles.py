"""Build profiles: the parameters papermill injects into every chapter.

A profile fixes the *scale* of a build (how many networks, how many iterations, which
device) and the default analysis parameters (density filtration ``rho(k, p)``, Mapper
``resolution`` and ``gain``). A chapter whose figure needs other values at that scale
gets them from ``Profile.chapters[<chapter name>]``; nothing else can change them, so
the profile name printed in every caption says exactly what was run.

A chapter that trains (or reads) an entry of the registry (:mod:`toponet.chapters.registry`:
the ensembles of :mod:`toponet.experiments` and the peer papers' studies) gets its
``networks`` and ``iterations`` from that registry, at the profile of the same name
(:data:`toponet.chapters.registry.CHAPTER_SCALE`, :func:`experiment_scale`): the scale is written down once, there,
and a profile here never repeats it.

Every chapter's ``parameters`` cell must define all of :data:`PARAMETERS`, and a chapter with
parameters of its own (:data:`CHAPTER_PARAMETERS`: chapter 09's ``weights``, ``layers``,
``sample_size``, ``null_repeats``) those too, with values in every profile; the build refuses a
chapter that lacks one (a misspelt name would otherwise be ignored silently).

A chapter run with values of its own (``python -m toponet.book run``, :mod:`toponet.book.rerun`)
gets the values that differ from its profile's in :data:`CUSTOM_ENV`; every caption and verdict
row then says so (:func:`custom_note`).
"""
from __future__ import annotations

import ast
import difflib
import math
import os
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from toponet._custom import (CHAPTER_PARAMETERS, CUSTOM_ENV, EVERY_PARAMETER, PARAMETERS,  # noqa: F401
                             chapter_parameters, custom_note, custom_parameters, format_value)
from toponet._validation import check_fraction, check_int

__all__ = ["TYPES", "available_memory", "check_memory", "experiment_scale", "NOTHING_TRAINED", "Profile",
           "PROFILES", "get_profile", "injected_names", "validate_parameters"]

#: The type of every parameter's value. A text parameter given on the command line is kept as
#: typed (``-p layers 0`` names the layer "0"), never parsed as a number
#: (:func:`toponet.book.rerun.prepare_run`).
TYPES = MappingProxyType({"profile": str, "networks": int, "iterations": int, "k": int, "p": float,
                          "resolution": int, "gain": float, "seed": int, "device": str,
                          "weights": str, "layers": str, "sample_size": int, "null_repeats": int})

#: Fewest filters a layer sample may hold (``sample_size``): below it no density filtration has a
#: cloud (:data:`toponet.layerwise.MIN_FILTERS`, the same number, not imported: the book's
#: parameters load no maths).
MIN_SAMPLE = 20


_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def _check_value(name: str, value: Any, where: str) -> Any:
    """``value`` validated for parameter ``name``; the message names ``where`` it came from."""
    label = f"{where}: {name}" if where else name
    if name in ("networks", "iterations", "k", "resolution"):
        return check_int(value, name=label, low=1)
    if name == "seed":
        return check_int(value, name=label, low=0)
    if name == "p":
        return check_fraction(value, name=label)
    if name == "gain":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 < value < math.inf:
            raise ValueError(f"{label} must be a number > 1, finite (Mapper overlap 1 - 1/gain); got {value!r}")
        return float(value)
    if name == "sample_size":
        return check_int(value, name=label, low=MIN_SAMPLE)
    if name == "null_repeats":
        return check_int(value, name=label, low=2)
    if name == "weights":   # a file's path; "" names the chapter's own default weights
        if not isinstance(value, str) or "\n" in value:
            raise TypeError(f"{label} must be a file path (text), or '' for the chapter's default; got {value!r}")
        return value
    if name == "layers" and (not isinstance(value, str) or not value.strip(" ,")):
        raise ValueError(f"{label} must be 'all' or layer names separated by commas; got {value!r}")
    if not isinstance(value, str) or not value:
        raise TypeError(f"{label} must be a non-empty string; got {value!r}")
    if name == "device" and not _DEVICE.match(value):
        raise ValueError(f"{label} must be auto, cpu, mps, cuda or cuda:<n>; got {value!r}")
    return value


#: What one value of a parameter allocates at the least, in bytes: the memory pre-check
#: (:func:`check_memory`) refuses a value whose array alone would not fit. Each is a lower bound
#: of one array the chapters build, so a value refused here could never run; a value that
#: passes may still need more (training, Rips complexes).
MEMORY_ESTIMATES = {
    # the pooled first-layer cloud: networks x 64 filters (M(64, 32, 64), C(64, ...): the
    # chapters' "networks x 64 filters") of 9 float64 values
    "networks": ("networks x 64 filters x 9 float64 (the pooled first-layer cloud)", lambda v: v * 64 * 9 * 8),
    # the density filtration's table of k-th neighbour distances over a cloud of at least k + 1
    # points (a chapter's k is the paper's k for the paper's cloud, which holds more than k points)
    "k": ("(k + 1) points x k neighbour distances, float64 (the density filtration's k-NN table)",
          lambda v: (v + 1) * v * 8),
    # Mapper's cover: resolution intervals on each of 2 lenses, resolution^2 cubes; one point's
    # row of the cover's membership matrix is resolution^2 booleans
    "resolution": ("resolution^2 cubes x 1 byte (one point's row of Mapper's cover, 2 lenses)", lambda v: v * v),
}


def available_memory() -> tuple[int, str] | None:
    """(bytes, source) of the memory this machine can give a new process, or None if unknown.

    Linux: ``MemAvailable`` of ``/proc/meminfo`` (free memory plus what the kernel can reclaim);
    elsewhere ``os.sysconf``'s free physical pages (``SC_AVPHYS_PAGES x SC_PAGE_SIZE``).
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "MemAvailable in /proc/meminfo"
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"), "os.sysconf free pages"
    except (AttributeError, OSError, ValueError):
        return None


def _bytes(n: int) -> str:
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def check_memory(values: Mapping[str, Any], available: tuple[int, str] | None = None) -> None:
    """``ValueError`` naming the first parameter whose :data:`MEMORY_ESTIMATES` exceeds ``available``.

    ``available`` : (bytes, where that number comes from), default :func:`available_memory`;
    when unknown, nothing is refused.
    """
    available = available_memory() if available is None else available
    if available is None:
        return
    limit, source = available
    for name, (what, estimate) in MEMORY_ESTIMATES.items():
        need = estimate(int(values[name]))
        if need > limit:
            raise ValueError(f"{name}={values[name]}: needs at least {_bytes(need)} for {what}; this machine has "
                             f"{_bytes(limit)} available ({source})")


def experiment_scale(chapter: str, profile: str) -> tuple[int, int] | None:
    """(networks, iterations) of ``chapter``'s main run at the registry's profile called
    ``profile`` (:func:`toponet.chapters.registry.chapter_scale`); None for a chapter without one,
    or a profile the registry does not define."""
    # deferred: the registry imports torch (2.3 s measured) and the chapter modules, which import
    # this module; `import toponet.book` and `python -m toponet.book --help` need neither
    from toponet.chapters.registry import chapter_scale

    return chapter_scale(chapter, profile)


#: ``(networks, iterations)`` of a chapter that trains nothing of the registry and states no size
#: of its own (chapters 04 and 09: one pretrained network).
NOTHING_TRAINED = (1, 1)


@dataclass(frozen=True)
class Profile:
    """One named build profile: the analysis parameters every chapter gets at one scale.

    What is trained at that scale (``networks`` and ``iterations``) is the registry's
    (:func:`experiment_scale`); a chapter that trains nothing of it gets
    :data:`NOTHING_TRAINED`, or its own values in ``chapters`` (chapter 00's cloud size, the
    calibration page's).

    Attributes
    ----------
    name : str
        What ``--profile`` selects and every caption prints; the registry's profile of the same
        name sets the scale of what the chapters train.
    k, p : int, float
        Density filtration ``rho(k, p)``: k-th nearest neighbour, fraction kept.
    resolution, gain : int, float
        ``Mapper(resolution, gain)``.
    seed : int
        Seed of every stochastic step of a chapter.
    device : str
        Torch device for training ("auto": CUDA when visible, else CPU; "cpu", "cuda").
    chapters : mapping of chapter name to {parameter: value}
        Per-chapter values that replace the defaults above at this scale.
    description : str
        One line for ``--help`` and the re-run page.
    """

    name: str
    k: int
    p: float
    resolution: int
    gain: float
    seed: int = 0
    device: str = "auto"
    chapters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self):
        for name in PARAMETERS:
            if name not in ("profile", "networks", "iterations"):
                _check_value(name, getattr(self, name), f"profile {self.name!r}")
        frozen = {}
        for chapter, values in self.chapters.items():
            names = chapter_parameters(chapter)
            unknown = sorted(set(values) - set(names) | ({"profile"} & set(values)))
            if unknown:
                raise ValueError(f"profile {self.name!r}, chapter {chapter!r}: unknown or fixed "
                                 f"parameter(s) {unknown}; a chapter may override {list(names[1:])}")
            frozen[chapter] = MappingProxyType(
                {k: _check_value(k, v, f"profile {self.name!r}, chapter {chapter!r}") for k, v in values.items()})
        object.__setattr__(self, "chapters", MappingProxyType(frozen))

    def parameters(self, chapter: str, **overrides) -> dict[str, Any]:
        """The values injected into ``chapter``: the profile's analysis parameters, then its
        registry scale, then the chapter's, then ``overrides``.

        A chapter of :data:`toponet.chapters.registry.CHAPTER_SCALE` takes ``networks`` and
        ``iterations`` from its registry entry's profile of this profile's name
        (:func:`experiment_scale`); any other chapter from its ``chapters`` entry, else
        :data:`NOTHING_TRAINED` (1 network x 1 iteration: nothing is trained). ``overrides`` (e.g. ``device="cuda"`` from the command line) win
        over all.
        Returns a dict with exactly the keys of :func:`chapter_parameters` (:data:`PARAMETERS`,
        then the chapter's own, which this profile's ``chapters`` entry must give).
        """
        names = chapter_parameters(chapter)
        values = {name: getattr(self, name) for name in PARAMETERS if name not in ("profile", "networks", "iterations")}
        scale = experiment_scale(chapter, self.name)
        typed = sorted({"networks", "iterations"} & set(self.chapters.get(chapter, {})))
        if scale is not None and typed:
            raise ValueError(f"profile {self.name!r}, chapter {chapter!r}: {typed} come from the registry "
                             f"(toponet.chapters.registry.CHAPTER_SCALE); change them there")
        # nothing of the registry trained: one network, no iterations to speak of (1 x 1), unless
        # the chapter's entry sizes its own clouds with them (00, the calibration page)
        values["networks"], values["iterations"] = scale if scale is not None else NOTHING_TRAINED
        values.update(self.chapters.get(chapter, {}))
        missing = [name for name in names if name != "profile" and name not in values]
        if missing:
            raise ValueError(f"profile {self.name!r} gives chapter {chapter!r} no value for {missing}; add them to "
                             f"its `chapters` entry")
        for name, value in overrides.items():
            if name not in names or name == "profile":
                raise ValueError(f"cannot override {name!r}; overridable: {list(names[1:])}")
            values[name] = _check_value(name, value, "override")
        return {"profile": self.name, **{name: values[name] for name in names[1:]}}


# The lead tunes these numbers; a new profile is one more entry. A profile holds analysis
# parameters only: the chapters of toponet.chapters.registry.CHAPTER_SCALE take networks x
# iterations from the registry (its profile of the same name); a chapter that trains nothing of
# it gets NOTHING_TRAINED (04, 09: one pretrained network) or states its own in `chapters` (00:
# the ideal clouds' size; calibration: the size it calibrates up to; their `iterations` are unused,
# kept as injected before).
# k, p, resolution, gain are the paper's Fig. 2 values in every profile: a chapter rescales k
# to its cloud size itself (toponet.analysis.scaled_k), so a profile only changes the scale.
# Keep "smoke" within a few minutes on 2 CPU cores for the whole book.
_IDEAL_DEFAULT = {"networks": 15, "iterations": 2000, "k": 30, "p": 0.5, "resolution": 20}  # ~1 min on 2 cores (Rips of 960 points)
# Natural patches (chapter 08): k is the paper's k of the first core X(300, 30) for 50,000 patches
# (the chapter rescales it to its sample; the sample size per profile is in
# toponet.chapters.natural_patches.SCALES); networks x iterations select the MNIST filters it
# compares with (read from the store, never trained there).
_PATCHES = {"k": 300, "p": 0.3, "resolution": 30}
# Your network (chapter 09): pretrained or user weights, nothing trained (NOTHING_TRAINED);
# weights "" = EfficientNet-Lite0 (ImageNet), the network chapter 04 analyses. Sample sizes are
# sizes of the calibration grid (toponet.calibration.grid_sizes), so the shipped calibrations apply;
# smoke: every 3x3 layer at the grid's smallest size, 128 (seconds per layer).
_YOURS = {"weights": "", "layers": "all", "sample_size": 2048, "null_repeats": 99}
_YOURS_SMOKE = {**_YOURS, "sample_size": 128}
PROFILES: Mapping[str, Profile] = MappingProxyType({
    "smoke": Profile(
        name="smoke", k=200, p=0.3, resolution=30, gain=3.0, device="auto",
        description="minutes on 2 CPU cores; checks that every chapter runs, its numbers are not evidence",
        chapters={"00_ideal_filters": {"networks": 6, "iterations": 30, "k": 15, "p": 0.5, "resolution": 10}, "04_deep_networks": {"k": 100}, "05_generalization": {"k": 100, "p": 0.1}, "02_cifar_gray": {"p": 0.5}, "03_cifar_color": {"p": 0.14}, "06_umass": {"k": 10, "resolution": 8}, "07_learning_graphs": {"resolution": 12}, "calibration": {"networks": 4, "iterations": 30}, "08_natural_patches": _PATCHES, "09_your_network": _YOURS_SMOKE},
    ),
    "default": Profile(
        name="default", k=200, p=0.3, resolution=30, gain=3.0, device="auto",
        description="the paper's analysis parameters at a reduced training scale",
        chapters={"00_ideal_filters": _IDEAL_DEFAULT, "04_deep_networks": {"k": 100}, "05_generalization": {"k": 100, "p": 0.1}, "02_cifar_gray": {"p": 0.5}, "03_cifar_color": {"p": 0.14}, "06_umass": {"k": 10, "resolution": 15}, "07_learning_graphs": {"resolution": 30}, "calibration": {"networks": 16, "iterations": 2000}, "08_natural_patches": _PATCHES, "09_your_network": _YOURS},
    ),
    "paper": Profile(
        name="paper", k=200, p=0.3, resolution=30, gain=3.0, device="auto",
        description="the paper's scale (its networks and iterations per figure); needs a GPU",
        chapters={"00_ideal_filters": {**_IDEAL_DEFAULT, "iterations": 40000}, "04_deep_networks": {"k": 100}, "05_generalization": {"k": 100, "p": 0.1}, "02_cifar_gray": {"p": 0.5}, "03_cifar_color": {"p": 0.14}, "06_umass": {"k": 10, "resolution": 15}, "07_learning_graphs": {"resolution": 30}, "calibration": {"networks": 100, "iterations": 40000}, "08_natural_patches": _PATCHES, "09_your_network": _YOURS},
    ),
})


def get_profile(name: str) -> Profile:
    """The profile called ``name``; ``ValueError`` lists the known ones otherwise."""
    try:
        return PROFILES[name]
    except (KeyError, TypeError):
        raise ValueError(f"profile: unknown profile {name!r}; known profiles: {sorted(PROFILES)}") from None


def injected_names(namespace: Mapping[str, Any]) -> list[str] | None:
    """Names papermill injected into a running chapter, read from the kernel's input history.

    Papermill runs a cell starting ``# Parameters`` right after the chapter's ``parameters``
    cell; IPython keeps every executed cell's source in ``In``. Returns the names that cell
    assigns, or None when there is no such cell (the chapter runs without papermill).
    """
    history = namespace.get("In") or namespace.get("_ih") or ()
    for source in reversed(list(history)):
        if isinstance(source, str) and source.lstrip().startswith("# Parameters"):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return None
            return [t.id for node in tree.body if isinstance(node, ast.Assign)
                    for t in node.targets if isinstance(t, ast.Name)]
    return None


def validate_parameters(namespace: Mapping[str, Any], *, injected: Iterable[str] | None = None,
                        chapter: str | None = None) -> dict[str, Any]:
    """Check a chapter's parameters; call it in the chapter's first code cell with ``globals()``.

    Parameters
    ----------
    namespace : mapping, the chapter's globals after its ``parameters`` cell (and papermill's)
    injected : names passed from outside, optional; default the names papermill injected
        (:func:`injected_names`), so a misspelt ``-p netwroks 4`` fails instead of running
        with the defaults
    chapter : the chapter's name, for a chapter with parameters of its own
        (:data:`CHAPTER_PARAMETERS`: ``chapter="09_your_network"``); they are checked too

    Returns
    -------
    dict : the values of :func:`chapter_parameters` (:data:`PARAMETERS` and the chapter's own), checked

    Raises
    ------
    ValueError, TypeError
        Naming the parameter: an unknown name (with the closest known one), an unknown
        profile, a value of the wrong type or out of range (``networks`` >= 1, ``p`` in (0, 1],
        ``gain`` finite and > 1, ``seed`` >= 0, ``device`` auto/cpu/mps/cuda[:n]), or a missing
        one; a value whose arrays cannot fit in this machine's memory (:func:`check_memory`);
        or a value that differs from the one :data:`CUSTOM_ENV` announces to the captions.
        A chapter with bounds of its own checks them next (``<chapter module>.validate``,
        listed in :data:`toponet.book.rerun.CHAPTER_CHECKS`).
    """
    allowed = chapter_parameters(chapter)
    names = list(injected) if injected is not None else (injected_names(namespace) or [])
    unknown = [n for n in names if n not in allowed]
    if unknown:
        owner = {n: c for c, names in CHAPTER_PARAMETERS.items() for n in names}
        hints = [f"{n!r}" + (f" (a parameter of chapter {owner[n]} only)" if n in owner else
                             f" (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(n, allowed, 1))
                             else "") for n in unknown]
        raise ValueError(f"unknown chapter parameter {', '.join(hints)}; "
                         f"{'this' if chapter in CHAPTER_PARAMETERS else 'a'} chapter takes {', '.join(allowed)}")
    missing = [n for n in allowed if n not in namespace]
    if missing:
        raise ValueError(f"chapter parameter(s) {missing} are not defined; the parameters cell defines all of "
                         f"{list(allowed)}")
    values = {name: _check_value(name, namespace[name], "") for name in allowed}
    get_profile(values["profile"])  # raises naming the known profiles
    check_memory(values)
    for name, (_, new) in custom_parameters().items():
        if name not in values or values[name] != new:  # a caption must never claim values the chapter did not run with
            raise ValueError(f"${CUSTOM_ENV} says {name}={new!r} but the chapter runs with "
                             f"{name}={values.get(name, '(no such parameter)')!r}; unset it or run python -m "
                             f"toponet.book run")
    return values
