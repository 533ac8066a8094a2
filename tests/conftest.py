import os

import numpy as np
import pytest

# Keep tests single-threaded and deterministic; CI machines have 2 cores.
os.environ.setdefault("OMP_NUM_THREADS", "2")


@pytest.fixture(autouse=True)
def _null_test_cache(tmp_path_factory, monkeypatch):
    """Cached circle tests and a user's calibrations go to a temporary folder, never into the
    checkout's results/ or the real user cache."""
    monkeypatch.setenv("TOPONET_NULL_TESTS", str(tmp_path_factory.getbasetemp() / "null-tests"))
    monkeypatch.setenv("TOPONET_CACHE", str(tmp_path_factory.getbasetemp() / "user-cache"))


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    """A user's run (``toponet analyze``, ``make chapter``): results go to a fresh user cache and
    the committed calibrations are read, as outside a book build."""
    for var in ("TOPONET_CALIBRATION", "TOPONET_NULL_TESTS", "TOPONET_BOOK_BUILD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TOPONET_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def rng():
    return np.random.default_rng(0)
