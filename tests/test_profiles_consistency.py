"""The book's build profiles and the training profiles name the same scale for Fig. 2."""
import pytest

from toponet.book.profiles import PROFILES as BOOK
from toponet.experiments import PROFILES, experiment


@pytest.mark.parametrize("name", PROFILES)
def test_book_profile_matches_mnist_training_profile(name):
    # The MNIST chapter reads networks x iterations from the book profile and trains (or
    # loads) the "mnist" experiment at the profile of the same name: the two must agree, or
    # the chapter would silently train a second, differently-sized artifact.
    train = experiment("mnist").profile(name)
    book = BOOK[name].parameters("01_mnist")
    assert (book["networks"], book["iterations"]) == (train.networks, train.iterations)


def test_every_training_profile_has_a_book_profile():
    assert set(PROFILES) <= set(BOOK)
