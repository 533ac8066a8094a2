"""Mapper on shapes with known topology, the clustering rule, the nerve's H1, validation."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.cluster import DBSCAN

from toponet.ideal import primary_circle, primary_circle_sample
from toponet.mapper import Mapper, SingleLinkageGap, hop_loops, nerve_betti1

# The primary circle's plane in R^9: orthonormal, so planar shapes drawn with it are
# shapes of filters (mean zero) that PCA sees exactly as drawn.
E1, E2 = primary_circle(0.0), primary_circle(np.pi / 2)


def planar_circles(n, centers, *, noise=0.05, seed=0):
    """``n`` points on unit circles at ``centers`` of the plane (E1, E2) in R^9, with
    gaussian noise of std ``noise`` per entry. Returns (X (n, 9), circle index (n,))."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(centers), n)
    theta = rng.uniform(0, 2 * np.pi, n)
    xy = np.c_[np.cos(theta), np.sin(theta)] + np.asarray(centers, dtype=float)[which]
    X = xy[:, :1] * E1 + xy[:, 1:] * E2
    return X + noise * rng.standard_normal(X.shape), which


def point_node_sets(m, nodes=None):
    """For each point, the tuple of node ids (restricted to ``nodes``) containing it."""
    keep = set(range(m.n_nodes_)) if nodes is None else set(nodes)
    relabel = {v: i for i, v in enumerate(sorted(keep))}
    sets = {}
    for v in keep:
        for p in m.node_members_[v]:
            sets.setdefault(int(p), []).append(relabel[v])
    return [tuple(sorted(s)) for s in sets.values()], len(keep)


@pytest.fixture(scope="module")
def circle_mapper():
    X = primary_circle_sample(2000, noise=0.05, seed=0)
    return X, Mapper(30, 3).fit(X)


# --- known shapes ---------------------------------------------------------------------

def test_noisy_primary_circle_is_one_connected_loop(circle_mapper):
    X, m = circle_mapper
    assert m.n_components_ == 1
    assert m.betti1_ == 1
    assert m.n_large_loops_ == 1
    # The bare graph's cycle rank counts every triangle of overlapping nodes: why
    # betti1_ is taken from the nerve instead.
    assert m.cycle_rank_ == m.n_edges_ - m.n_nodes_ + m.n_components_
    assert m.cycle_rank_ > 50


@pytest.mark.parametrize("gap, scale_k", [(3.0, 5), (6.0, 20)])
def test_circle_topology_is_stable_across_heuristic_parameters(gap, scale_k):
    X = primary_circle_sample(1000, noise=0.05, seed=9)
    m = Mapper(30, 3, gap=gap, scale_k=scale_k).fit(X)
    assert (m.n_components_, m.betti1_, m.n_large_loops_) == (1, 1, 1)


def test_two_disjoint_circles_give_two_components_with_one_loop_each():
    X, which = planar_circles(2000, [(0, 0), (3, 0)], seed=1)
    m = Mapper(30, 3).fit(X)
    assert m.n_components_ == 2
    assert m.betti1_ == 2 and m.n_large_loops_ == 2
    for comp in m.graph_.connected_components():
        pts = np.unique(np.concatenate([m.node_members_[v] for v in comp]))
        assert np.unique(which[pts]).size == 1          # one circle per component
        assert pts.size == np.sum(which == which[pts[0]])  # ... all of it
        sets, n = point_node_sets(m, comp)
        assert nerve_betti1(sets, n) == 1


def test_figure_eight_has_two_loops():
    X, _ = planar_circles(2000, [(-1, 0), (1, 0)], seed=2)
    m = Mapper(30, 3).fit(X)
    assert m.n_components_ == 1
    assert m.betti1_ == 2
    assert m.n_large_loops_ == 2


def test_gaussian_blob_has_no_large_loop():
    # A blob is contractible. Mapper can still leave a few holes of a handful of nodes
    # where the sparse rim misses a cover overlap (0-6 over 8 seeds); none survives 3
    # hops, and the holes are rare next to the ~600 nodes.
    X = np.random.default_rng(3).standard_normal((2000, 9))
    m = Mapper(30, 3).fit(X)
    assert m.n_large_loops_ == 0
    assert m.betti1_ <= 0.02 * m.n_nodes_
    assert np.all(m.loops_[:, 1] <= 2)
    # One giant component holds almost every point (the rest: isolated rim points).
    biggest = max(np.unique(np.concatenate([m.node_members_[v] for v in c])).size
                  for c in m.graph_.connected_components())
    assert biggest >= 0.99 * len(X)


# --- fitted attributes ------------------------------------------------------------------

def test_fitted_attributes_are_consistent(circle_mapper):
    X, m = circle_mapper
    assert m.n_nodes_ == m.graph_.vcount() == len(m.node_members_)
    assert m.n_edges_ == m.graph_.ecount()
    assert m.node_sizes_.shape == (m.n_nodes_,)
    assert np.array_equal(m.node_sizes_, [len(v) for v in m.node_members_])
    assert m.node_means_.shape == (m.n_nodes_, 9)
    assert m.lens_.shape == (2000, 2)
    assert m.layout_.shape == (m.n_nodes_, 2) and np.all(np.isfinite(m.layout_))
    # The cover overlaps, so points are counted several times; every point is somewhere.
    assert m.node_sizes_.sum() >= len(X)
    assert np.unique(np.concatenate(m.node_members_)).size == len(X)
    # The mean is of the unscaled points: the filter drawn at the node.
    for v in (0, m.n_nodes_ // 2, m.n_nodes_ - 1):
        assert np.allclose(m.node_means_[v], X[m.node_members_[v]].mean(axis=0))
    # Edge weights are the numbers of shared points.
    for e in list(m.graph_.es)[:20]:
        a, b = e.tuple
        assert e["weight"] == np.intersect1d(m.node_members_[a], m.node_members_[b]).size > 0


def test_lens_is_pca_of_the_cloud(circle_mapper):
    X, m = circle_mapper
    Xc = X - X.mean(axis=0)
    # PCA 1 and 2 span the primary circle's plane; variance of lens = top eigenvalues.
    top = np.sort(np.linalg.eigvalsh(np.cov(Xc.T, bias=True)))[::-1][:2]
    assert np.allclose(m.lens_.var(axis=0), top, rtol=1e-6)


def test_same_seed_same_graph_and_layout():
    X = primary_circle_sample(600, noise=0.05, seed=4)
    a, b = Mapper(20, 3, layout_seed=7).fit(X), Mapper(20, 3, layout_seed=7).fit(X)
    assert a.graph_.get_edgelist() == b.graph_.get_edgelist()
    assert all(np.array_equal(u, v) for u, v in zip(a.node_members_, b.node_members_))
    assert np.array_equal(a.layout_, b.layout_)
    c = Mapper(20, 3, layout_seed=8).fit(X)
    assert c.graph_.get_edgelist() == a.graph_.get_edgelist()
    assert not np.allclose(c.layout_, a.layout_)


def test_uniform_rescaling_changes_nothing_but_the_means():
    # VNE scaling and a cover fitted to the lens range make the graph scale-free.
    X = primary_circle_sample(600, noise=0.05, seed=5)
    a, b = Mapper(20, 3).fit(X), Mapper(20, 3).fit(7.0 * X)
    assert a.graph_.get_edgelist() == b.graph_.get_edgelist()
    assert a.scale_ == pytest.approx(b.scale_)
    assert np.allclose(b.node_means_, 7.0 * a.node_means_)


def test_vne_scaling_is_global():
    # Stretching one coordinate by 1000 would let it dominate a plain Euclidean metric;
    # after VNE it weighs the same, so scale_ is unchanged.
    rng = np.random.default_rng(6)
    X = rng.standard_normal((400, 3))
    Y = X * np.array([1000.0, 1.0, 1.0])
    assert Mapper(10, 2).fit(X).scale_ == pytest.approx(Mapper(10, 2).fit(Y).scale_)


def test_gain_two_is_half_overlap():
    X = primary_circle_sample(1000, noise=0.05, seed=7)
    m2, m3 = Mapper(30, 2).fit(X), Mapper(30, 3).fit(X)
    # Each point lies in up to (gain)^2 cover boxes: less overlap, fewer memberships.
    assert m2.node_sizes_.sum() / len(X) <= 4 + 1e-9
    assert m3.node_sizes_.sum() / len(X) <= 9 + 1e-9
    assert m2.node_sizes_.sum() < m3.node_sizes_.sum()
    assert m2.n_large_loops_ == 1


def test_custom_clusterer_is_used():
    X = primary_circle_sample(500, noise=0.05, seed=8)
    m = Mapper(15, 3, clusterer=DBSCAN(eps=1.0, min_samples=1)).fit(X)
    assert np.isnan(m.scale_)
    assert m.n_nodes_ > 0


def test_is_an_sklearn_estimator():
    m = Mapper(12, 2.5, gap=4.0)
    c = clone(m)
    assert c.get_params()["resolution"] == 12 and c.get_params()["gain"] == 2.5
    assert c.get_params()["gap"] == 4.0


# --- pieces -----------------------------------------------------------------------------

def test_single_linkage_gap_cuts_at_first_large_gap():
    line = np.arange(10.0)[:, None]
    X = np.r_[line, line + 20, line + 60]      # gaps of 11 and 31 after unit links
    assert np.unique(SingleLinkageGap(min_gap=5).fit(X).labels_).size == 3
    assert np.unique(SingleLinkageGap(min_gap=15).fit(X).labels_).size == 2
    assert np.unique(SingleLinkageGap(min_gap=40).fit(X).labels_).size == 1
    labels = SingleLinkageGap(min_gap=5).fit(X).labels_
    assert all(np.unique(labels[i * 10:(i + 1) * 10]).size == 1 for i in range(3))
    # Every link longer than min_gap: each point alone.
    spread = np.array([[0.0], [10.0], [20.0]])
    assert np.unique(SingleLinkageGap(min_gap=5).fit(spread).labels_).size == 3
    assert SingleLinkageGap().fit(np.zeros((1, 2))).labels_.tolist() == [0]


def test_single_linkage_gap_rejects_bad_gap():
    with pytest.raises(ValueError, match="min_gap"):
        SingleLinkageGap(min_gap=0).fit(np.zeros((3, 2)))


def test_nerve_betti1_known_complexes():
    # Three nodes pairwise sharing a point but no point in all three: a hollow triangle.
    assert nerve_betti1([(0, 1), (1, 2), (0, 2)], 3) == 1
    # One point in all three fills it.
    assert nerve_betti1([(0, 1), (1, 2), (0, 2), (0, 1, 2)], 3) == 0
    # A square with one diagonal point set: two triangles, filled; the other square is hollow.
    assert nerve_betti1([(0, 1), (1, 2), (2, 3), (0, 3)], 4) == 1
    assert nerve_betti1([(0, 1, 2), (0, 2, 3)], 4) == 0
    # Two disjoint hollow triangles, plus an isolated node.
    hollow = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]
    assert nerve_betti1(hollow + [(6,)], 7) == 2
    # A triangle whose edge was dropped (min_intersection) is not filled.
    assert nerve_betti1([(0, 1, 2), (0, 2, 3), (0, 3)], 4, edges=[(0, 1), (1, 2), (2, 3), (0, 3), (0, 2)]) == 0
    assert nerve_betti1([(0, 1, 2), (2, 3), (0, 3)], 4, edges=[(0, 1), (1, 2), (2, 3), (0, 3)]) == 1


def test_hop_loops_measure_loop_size():
    import igraph

    ring = igraph.Graph.Ring(30)
    dgm = hop_loops(ring, max_hops=3)
    assert dgm.shape == (1, 2) and dgm[0, 0] == 1 and np.isinf(dgm[0, 1])
    assert hop_loops(ring, max_hops=12)[0, 1] == 10      # a 30-cycle closes at 30/3 hops
    square = igraph.Graph.Ring(4)
    assert hop_loops(square, max_hops=3).tolist() == [[1.0, 2.0]]
    assert hop_loops(igraph.Graph.Full(6)).shape == (0, 2)


def test_hop_distances_match_igraph_shortest_paths():
    import igraph

    from toponet.mapper import _hop_distances

    # A ring, plus nodes 40 and 41 joined by 200 two-hop paths: a path count that
    # would wrap negative in int8 and hide the pair.
    g = igraph.Graph.Ring(40)
    g.add_vertices(202)
    g.add_edges([(40, 42 + i) for i in range(200)] + [(41, 42 + i) for i in range(200)] + [(0, 40)])
    D = np.asarray(g.distances(), dtype=float)
    H = _hop_distances(g.vcount(), np.array(g.get_edgelist()), 4).toarray()
    iu = np.triu_indices_from(D, k=1)
    expect = np.where(D[iu] <= 4, D[iu], 0)
    assert np.array_equal(H[iu], expect)
    assert np.all(np.tril(H) == 0)


# --- validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("resolution, err", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                             (True, TypeError), ("30", TypeError)])
def test_bad_resolution(resolution, err):
    with pytest.raises(err, match="resolution"):
        Mapper(resolution).fit(primary_circle_sample(100, seed=0))


@pytest.mark.parametrize("gain", [1, 1.0, 0.5, -2, float("inf")])
def test_gain_must_exceed_one(gain):
    with pytest.raises(ValueError, match="gain"):
        Mapper(10, gain).fit(primary_circle_sample(100, seed=0))


def test_gain_must_be_a_number():
    with pytest.raises(TypeError, match="gain"):
        Mapper(10, "3").fit(primary_circle_sample(100, seed=0))


def test_too_few_points():
    with pytest.raises(ValueError, match="at least 11 needed"):
        Mapper(10, 3).fit(primary_circle_sample(5, seed=0))


def test_nan_filter_is_named():
    X = primary_circle_sample(100, seed=0)
    X[17, 3] = np.nan
    with pytest.raises(ValueError, match="NaN.*row 17"):
        Mapper(10, 3).fit(X)


def test_one_unique_lens_value():
    with pytest.raises(ValueError, match="cannot fit 30 intervals"):
        Mapper(30, 3).fit(np.ones((50, 9)))
    line = np.outer(np.linspace(-1, 1, 50), np.arange(9.0))
    with pytest.raises(ValueError, match="PCA component 2.*cannot fit 30 intervals"):
        Mapper(30, 3).fit(line)


def test_one_feature_is_rejected():
    with pytest.raises(ValueError, match="at least 2 features"):
        Mapper(10, 3).fit(np.arange(50.0)[:, None])


def test_bad_clusterer():
    X = primary_circle_sample(100, seed=0)
    with pytest.raises(ValueError, match="clusterer"):
        Mapper(10, 3, clusterer="kmeans").fit(X)
    with pytest.raises(TypeError, match="clusterer"):
        Mapper(10, 3, clusterer=object()).fit(X)
    with pytest.raises(ValueError, match="gap"):
        Mapper(10, 3, gap=0).fit(X)
