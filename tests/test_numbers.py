"""Issue 14 item 6: any float64 scale works, complex input is refused, --null-repeats is explained."""
import subprocess
import sys

import numpy as np
import pytest

from toponet.filters import normalize
from toponet.ideal import primary_circle_sample


@pytest.fixture
def cloud():
    return primary_circle_sample(150, noise=0.05, seed=0)


@pytest.mark.parametrize("scale", [1e200, 1e300, 1e-9, 1e-200, 1e-300])
def test_normalize_is_scale_free_at_any_magnitude(cloud, scale):
    Xn, kept = normalize(cloud)
    Yn, kept_y = normalize(cloud * scale)
    assert kept_y.all() and kept.all()
    np.testing.assert_allclose(Yn, Xn, atol=1e-12)


def test_a_dead_filter_among_live_ones_is_dropped_at_every_scale(cloud):
    X = cloud.copy()
    X[7] = X[7] * 1e-12 + 5.0  # constant up to 1e-12 of the cloud's scale
    for scale in (1.0, 1e-9, 1e150):
        _, kept = normalize(X * scale)
        assert not kept[7] and kept.sum() == len(X) - 1


def test_huge_filters_give_the_same_topology(cloud):
    from toponet.analysis import analyze_filters

    kw = dict(k=10, p=1.0, null_repeats=0, mapper=False)
    a = analyze_filters(cloud, **kw).summary()["top_h1_lifetime"]
    b = analyze_filters(cloud * 1e200, **kw).summary()["top_h1_lifetime"]
    assert a > 1 and b == pytest.approx(a, abs=1e-6)


def test_complex_filters_are_refused(cloud):
    with pytest.raises(TypeError, match="complex"):
        normalize(cloud + 1j)
    with pytest.raises(TypeError, match="complex"):
        normalize((cloud + 0j).tolist())


def test_null_repeats_help_says_why_one_is_refused():
    help_text = subprocess.run([sys.executable, "-m", "toponet", "analyze", "--help"], capture_output=True,
                               text=True).stdout
    assert "0 skips the nulls (circle: inconclusive), else at least 2" in " ".join(help_text.split())
