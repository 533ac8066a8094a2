import os

import numpy as np
import pytest

# Keep tests single-threaded and deterministic; CI machines have 2 cores.
os.environ.setdefault("OMP_NUM_THREADS", "2")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
