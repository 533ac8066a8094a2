"""The book's build profiles and the training profiles name the same scale for Fig. 2."""
import pytest

from toponet.book.profiles import PROFILES as BOOK
from toponet.experiments import SCALES, experiment


# chapter -> the experiment whose networks x iterations its parameters select
CHAPTER_EXPERIMENTS = {"01_mnist": "mnist", "02_cifar_gray": "cifar-gray-standin",
                       "03_cifar_color": "cifar-color-standin"}


@pytest.mark.parametrize("chapter", CHAPTER_EXPERIMENTS)
@pytest.mark.parametrize("name", SCALES)
def test_book_profile_matches_the_training_profile(name, chapter):
    # A chapter reads networks x iterations from the book profile and trains (or loads) its
    # experiment at the profile of the same name: the two must agree, or the chapter would
    # silently train a second, differently-sized artifact instead of reading the committed one.
    train = experiment(CHAPTER_EXPERIMENTS[chapter]).profile(name)
    book = BOOK[name].parameters(chapter)
    assert (book["networks"], book["iterations"]) == (train.networks, train.iterations)


def test_every_training_profile_has_a_book_profile():
    assert set(SCALES) <= set(BOOK)
