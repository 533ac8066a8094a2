"""The parameters a chapter takes and the note a run with custom values adds to its captions and
verdict rows ("custom parameters: p=0.9 (profile: 0.5)").

Low in the layers so that :mod:`toponet.verdict_record` (which stamps the note on a recorded row)
need not import the book; :mod:`toponet.book.profiles` re-exports every name.
"""
from __future__ import annotations

import json
import os
from types import MappingProxyType
from typing import Any, Mapping

#: Names every chapter's ``parameters`` cell defines, in the order they are injected.
PARAMETERS = ("profile", "networks", "iterations", "k", "p", "resolution", "gain", "seed", "device")

#: Names one chapter's ``parameters`` cell defines beyond :data:`PARAMETERS`, injected after them:
#: chapter -> names. Every profile gives them values (``Profile.chapters``); their types and ranges
#: are checked with the others (:func:`toponet.book.profiles.validate_parameters`).
CHAPTER_PARAMETERS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "09_your_network": ("weights", "layers", "sample_size", "null_repeats"),   # your own network's file
})

#: Every parameter name of any chapter (what a custom run may name).
EVERY_PARAMETER = PARAMETERS + tuple(dict.fromkeys(n for names in CHAPTER_PARAMETERS.values() for n in names))


def chapter_parameters(chapter: str | None) -> tuple[str, ...]:
    """The names ``chapter``'s parameters cell defines, in injection order: :data:`PARAMETERS`,
    then its own (:data:`CHAPTER_PARAMETERS`); :data:`PARAMETERS` for None or another chapter."""
    return PARAMETERS + tuple(CHAPTER_PARAMETERS.get(chapter, ()))

#: Environment variable ``python -m toponet.book run`` sets for the chapter's kernel: JSON
#: ``{name: [profile value, value]}`` of the parameters that differ from the profile's.
CUSTOM_ENV = "TOPONET_CUSTOM_PARAMETERS"


def format_value(value: Any) -> str:
    """A parameter value as captions print it: ``0.5``, ``100``, ``cuda``, ``''`` (an empty text)."""
    return repr(value) if isinstance(value, float) or value == "" else str(value)


def custom_parameters() -> dict[str, tuple[Any, Any]]:
    """The parameters of this run that differ from the profile's, ``{name: (profile value, value)}``.

    Read from :data:`CUSTOM_ENV`; empty for a book build (which never sets it).
    """
    text = os.environ.get(CUSTOM_ENV, "")
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError(f"${CUSTOM_ENV} must be JSON {{name: [profile value, value]}}; got {text[:80]!r}") from None
    if not isinstance(data, dict) or not all(
            n in EVERY_PARAMETER[1:] and isinstance(v, list) and len(v) == 2 for n, v in data.items()):
        raise ValueError(f"${CUSTOM_ENV} must map names of {list(EVERY_PARAMETER[1:])} to [profile value, value]; "
                         f"got {text[:80]!r}")
    return {name: (old, new) for name, (old, new) in data.items()}


def custom_note(changed: Mapping[str, tuple[Any, Any]] | None = None) -> str:
    """``"custom parameters: p=0.9 (profile: 0.5)"``, or ``""`` when no value differs from the profile.

    ``changed`` maps a name to (profile value, value); default :func:`custom_parameters`.
    """
    changed = custom_parameters() if changed is None else changed
    if not changed:
        return ""
    return "custom parameters: " + ", ".join(f"{name}={format_value(new)} (profile: {format_value(old)})"
                                             for name, (old, new) in changed.items())
