"""Chapter 00's result (toponet.chapters.ideal_filters): the plain pipeline on a known circle, the
listing the chapter shows, and captions and readings filled from a small hand-built result."""
from types import SimpleNamespace

import numpy as np
import pytest

from toponet.chapters import ideal_filters
from toponet.ideal import primary_circle_sample


def test_ideal_clouds_are_seeded_and_sized():
    clouds = ideal_filters.ideal_clouds(2, seed=3)
    assert list(clouds) == ["primary circle", "Klein bottle", "gaussian"]
    assert all(X.shape == (128, 9) for X in clouds.values())
    np.testing.assert_array_equal(clouds["primary circle"], primary_circle_sample(128, noise=0.1, seed=3))


def test_plain_pipeline_finds_one_long_bar_on_circle_filters():
    W = (primary_circle_sample(256, noise=0.05, seed=1) * 2.0 + 0.3).reshape(4, 64, 1, 3, 3)
    plain = ideal_filters.plain_pipeline(W, seed=0)
    assert plain.X.shape == (256, 9) and np.allclose(np.linalg.norm(plain.X, axis=1), 1)
    assert plain.core.shape == (77, 9) and plain.sample.shape == (77, 9)     # round(0.3 * 256); fewer than 600
    assert plain.h1[0] > 3 * plain.h1[1]
    pipe, cover, graph, node_angle = ideal_filters.plain_mapper(plain.core)
    assert cover.n_intervals == 10 and len(node_angle) == graph.vcount() > 0
    assert all(0 <= a < 360 for a in node_angle)


def test_the_listing_shows_the_plain_calls_without_docstring_or_return():
    body = ideal_filters._body(ideal_filters.plain_pipeline)
    assert body.startswith("X = W.reshape(-1, 9)") and "ripser_parallel(sample" in body
    assert '"""' not in body and "return" not in body


@pytest.fixture
def chapter():
    diagram = SimpleNamespace(method="exact Vietoris-Rips")
    return ideal_filters.IdealChapter(
        profile="smoke", networks=2, k=15, p=0.5, resolution=10, gain=3.0, seed=0, clouds={},
        distances={"primary circle": SimpleNamespace(distances=np.array([0.1, 0.2, 0.5, 0.9]))},
        mapper=SimpleNamespace(n_nodes_=12, betti1_=1), diagrams={"primary circle": diagram, "gaussian": diagram},
        top_h1={"primary circle": 0.9, "gaussian": 0.3}, mnist=None,
        plain=SimpleNamespace(h1=np.array([1.2, 0.3, 0.1])), mapper_pipe=None, mapper_cover=None, graph=None,
        node_angle=[])


def test_captions_and_readings_from_the_result(chapter):
    assert "primary circle 50.0 %" in chapter.reading("distances").text
    assert "12 nodes and first Betti number 1" in chapter.reading("mapper").text
    assert "0.90 for the primary circle and 0.30 for the gaussian null, 3.0 times" in chapter.reading("barcodes").text
    assert "the longest is 1.20, 4.0 times the next (0.30)" in chapter.reading("mnist barcode").text
    text = chapter.caption("barcodes").text
    assert "exact Vietoris-Rips." in text and r"\rho(15, 0.5, 2 \times 64 \text{ gaussian filters})" in text
    assert r"3 \times 128" in chapter.caption("distances").text
    with pytest.raises(ValueError, match="chapter 00's figures are distances"):
        chapter.caption("klein")
    with pytest.raises(ValueError, match="chapter 00's figures"):
        chapter.reading("klein")


def test_run_chapter_rejects_k_beyond_the_cloud():
    with pytest.raises(ValueError, match="k=128: rho"):
        ideal_filters.run_chapter(profile="smoke", networks=2, iterations=30, k=128, p=0.5, resolution=10, gain=3.0)
