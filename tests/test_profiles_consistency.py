"""The book's build profiles and the training profiles name the same scale: one source.

A chapter of :data:`toponet.chapters.registry.CHAPTER_SCALE` reads networks x iterations from
its registry entry's profile (an ensemble of :mod:`toponet.experiments` or a study of
:mod:`toponet.chapters.registry`); the book's profiles never type them.
"""
import pytest

from toponet.book.profiles import PROFILES as BOOK, Profile, experiment_scale
from toponet.chapters.registry import CHAPTER_SCALE
from toponet.chapters.registry import STUDIES
from toponet.experiments import SCALES, experiment


def _entry_scale(name: str, profile: str) -> tuple[int, int]:
    if name in STUDIES:
        return STUDIES[name].scale_at(profile)
    train = experiment(name).profile(profile)
    return train.networks, train.iterations


@pytest.mark.parametrize("chapter", CHAPTER_SCALE)
@pytest.mark.parametrize("name", SCALES)
def test_book_profile_matches_the_training_profile(name, chapter):
    # A chapter reads networks x iterations from the book profile and trains (or loads) its
    # experiment at the profile of the same name: the two must agree, or the chapter would
    # silently train a second, differently-sized artifact instead of reading the committed one.
    train = _entry_scale(CHAPTER_SCALE[chapter], name)
    book = BOOK[name].parameters(chapter)
    assert (book["networks"], book["iterations"]) == train
    assert experiment_scale(chapter, name) == train


def test_every_training_profile_has_a_book_profile():
    assert set(SCALES) <= set(BOOK)


@pytest.mark.parametrize("name", sorted(BOOK))
def test_book_profiles_type_no_experiment_scale(name):
    for chapter in CHAPTER_SCALE:
        assert not {"networks", "iterations"} & set(BOOK[name].chapters.get(chapter, {})), (name, chapter)


def test_a_typed_experiment_scale_is_refused():
    typed = Profile(name="default", k=5, p=0.5, resolution=4, gain=2.0, chapters={"01_mnist": {"networks": 16}})
    with pytest.raises(ValueError, match=r"chapter '01_mnist': \['networks'\] come from the registry"):
        typed.parameters("01_mnist")


def test_a_chapter_or_profile_outside_the_registry_states_its_own_scale():
    assert experiment_scale("00_ideal_filters", "default") is None
    prof = Profile(name="not-a-scale", k=5, p=0.5, resolution=4, gain=2.0,
                   chapters={"01_mnist": {"networks": 3, "iterations": 7}})
    assert (prof.parameters("01_mnist")["networks"], prof.parameters("01_mnist")["iterations"]) == (3, 7)
    bare = Profile(name="not-a-scale", k=5, p=0.5, resolution=4, gain=2.0).parameters("01_mnist")
    assert (bare["networks"], bare["iterations"]) == (1, 1)   # nothing of the registry at this name
