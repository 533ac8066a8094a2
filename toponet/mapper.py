"""Mapper graphs of point clouds, as in the paper (Section IV): ``Mapper(resolution, gain)``.

Lenses are PCA components 1 and 2; the cover is ``resolution`` intervals per lens with
overlap fraction ``1 - 1/gain``; each cover element is clustered by single linkage on the
variance-normalized Euclidean (VNE) metric with a gap heuristic (:class:`SingleLinkageGap`).
The cover and the clustering run in giotto-tda's Mapper pipeline; the nerve (the graph)
and its topology are computed here, from the sets of nodes each point belongs to.
"""
from __future__ import annotations

import random
from itertools import combinations

import igraph
import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from toponet._validation import check_cloud, check_int

__all__ = ["Mapper", "SingleLinkageGap", "nerve_betti1", "hop_loops"]

#: A lens whose spread is below this fraction of the other lens's spread (or of 1 when
#: both vanish) counts as constant: only rounding noise would be covered by intervals.
_CONSTANT_LENS_RTOL = 1e-12


class SingleLinkageGap(ClusterMixin, BaseEstimator):
    """Single-linkage clustering cut at the first gap wider than ``min_gap``.

    Let ``0 = h_0 <= h_1 <= ... <= h_{m-1}`` be the merge heights of the single-linkage
    dendrogram of the ``m`` points (the edge lengths of their minimum spanning tree, in
    increasing order). The cut is at ``h_i`` for the first ``i`` with
    ``h_{i+1} - h_i > min_gap``: points joined by links of length ``<= h_i`` form a
    cluster. Without such a gap all points form one cluster.

    So a cluster grows while each new link is at most ``min_gap`` longer than the
    previous one, whatever the local density, and a jump of more than ``min_gap`` (two
    arcs of a circle falling in one cover element, an isolated outlier) separates.
    Unlike giotto-tda's ``FirstSimpleGap``, whose gap is relative to the cover element's
    own diameter (and so finds a "gap" in every small uniform set), ``min_gap`` is an
    absolute distance: :class:`Mapper` sets it from a scale of the whole cloud.

    Parameters
    ----------
    min_gap : float
        Smallest jump between consecutive merge heights that separates clusters, in
        the units of the input's Euclidean metric. Must be > 0.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster label of each point, 0 .. n_clusters - 1.
    cut_height_ : float
        The height the dendrogram was cut at (``inf`` when there was no gap).
    """

    def __init__(self, min_gap: float = 1.0):
        self.min_gap = min_gap

    def fit(self, X, y=None):
        """Cluster ``X``, an array of shape (n_samples, n_features)."""
        if not (np.isfinite(self.min_gap) and self.min_gap > 0):
            raise ValueError(f"min_gap must be a positive distance; got {self.min_gap!r}")
        X = np.asarray(X, dtype=np.float64)
        m = X.shape[0]
        if m < 2:
            self.labels_ = np.zeros(m, dtype=np.int64)
            self.cut_height_ = np.inf
            return self
        Z = linkage(X, method="single")       # scipy's MST-based single linkage
        heights = np.concatenate([[0.0], Z[:, 2]])
        big = np.flatnonzero(np.diff(heights) > self.min_gap)
        if big.size == 0:
            self.labels_ = np.zeros(m, dtype=np.int64)
            self.cut_height_ = np.inf
            return self
        self.cut_height_ = float(heights[big[0]])
        self.labels_ = fcluster(Z, t=self.cut_height_, criterion="distance").astype(np.int64) - 1
        return self


def nerve_betti1(node_sets, n_nodes: int, edges=None) -> int:
    """First Betti number (over GF(2)) of the 2-skeleton of a Mapper nerve.

    The nerve has a vertex per node, an edge per pair of nodes sharing a point and a
    triangle per triple of nodes sharing a point. Its H1 counts the graph's loops that
    are not filled in by triangles. Why not ``E - V + C``: with gain 3 every point lies
    in up to 9 overlapping cover elements, so the graph is full of small cliques and
    ``E - V + C`` is in the hundreds or thousands for a plain circle; the triangles of
    the nerve fill those in and leave the circle's one loop.

    Parameters
    ----------
    node_sets : iterable of tuple of int
        For each point (duplicates allowed), the sorted node ids it belongs to.
    n_nodes : int
    edges : iterable of (int, int), optional
        The graph's edges (``a < b``); triangles missing one of them are ignored, so a
        graph thinned by ``min_intersection`` is handled. Defaults to all pairs.

    Returns
    -------
    int
        ``E - (V - C) - rank(boundary_2)``.
    """
    sets = set(map(tuple, node_sets))
    tris: set[tuple[int, int, int]] = set()
    if edges is None:
        edge_set: set[tuple[int, int]] = set()
        for s in sets:
            edge_set.update(combinations(s, 2))
    else:
        edge_set = {(min(a, b), max(a, b)) for a, b in edges}
    for s in sets:
        if len(s) >= 3:
            tris.update(combinations(s, 3))
    edge_list = sorted(edge_set)
    eidx = {e: i for i, e in enumerate(edge_list)}

    parent = list(range(n_nodes))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in edge_list:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    n_components = sum(find(i) == i for i in range(n_nodes))

    # Rank of the triangle -> edge boundary matrix over GF(2): column reduction with
    # Python ints as bit sets (each column starts with 3 bits; fill-in stays small here).
    pivots: dict[int, int] = {}
    rank = 0
    for a, b, c in sorted(tris):
        try:
            col = (1 << eidx[(a, b)]) | (1 << eidx[(a, c)]) | (1 << eidx[(b, c)])
        except KeyError:
            continue
        while col:
            low = col.bit_length() - 1
            pivot = pivots.get(low)
            if pivot is None:
                pivots[low] = col
                rank += 1
                break
            col ^= pivot
    return len(edge_list) - (n_nodes - n_components) - rank


def _hop_distances(n: int, edges: np.ndarray, max_hops: int) -> sp.coo_matrix:
    """Hop distances <= max_hops between the n nodes, as a sparse upper triangle."""
    A = sp.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    # int32, not int8: a product entry counts paths and would wrap past 127.
    step = ((A + A.T + sp.identity(n, format="csr")) > 0).astype(np.int32)
    reach = sp.identity(n, format="csr", dtype=np.int32)
    rows, cols, hops = [], [], []
    for h in range(1, max_hops + 1):
        # Breadth-first by sparse products: only pairs within max_hops are ever stored.
        new = ((reach @ step) > 0).astype(np.int32)
        ring = (new - reach).tocoo()
        upper = (ring.data > 0) & (ring.row < ring.col)
        rows.append(ring.row[upper])
        cols.append(ring.col[upper])
        hops.append(np.full(int(upper.sum()), float(h)))
        reach = new.tocsr()
    return sp.coo_matrix((np.concatenate(hops), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))


def hop_loops(graph: igraph.Graph, max_hops: int = 3) -> np.ndarray:
    """Loops of a graph with their size in hops: H1 of the Vietoris-Rips filtration of
    the graph's hop (shortest-path) distance, computed up to ``max_hops``.

    At 1 hop the complex is the graph with every triangle filled (its clique
    complex), so each bar is born at 1. A loop dies at about a third of its length in
    hops, when nodes that far apart get connected: the hole a missing point leaves
    between four cover elements dies at 2, a circle drawn by 30 nodes lives to ~10.
    Loops still alive at ``max_hops`` get death ``inf``.

    Parameters
    ----------
    graph : igraph.Graph
    max_hops : int
        Largest hop distance entered into the filtration (cost grows with it).

    Returns
    -------
    ndarray of shape (n_loops, 2)
        [birth, death] in hops, sorted by decreasing lifetime.
    """
    from gph import ripser_parallel

    max_hops = check_int(max_hops, name="max_hops", low=1)
    n = graph.vcount()
    edges = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    if n < 4 or len(edges) < 4:
        return np.zeros((0, 2))
    D = _hop_distances(n, edges, max_hops)
    dgm = np.asarray(ripser_parallel(D, metric="precomputed", maxdim=1)["dgms"][1], dtype=np.float64)
    return dgm[np.argsort(dgm[:, 0] - dgm[:, 1], kind="stable")].reshape(-1, 2)


class Mapper(BaseEstimator):
    """The paper's ``Mapper(resolution, gain)`` on a point cloud.

    Steps (giotto-tda's ``make_mapper_pipeline`` runs 2-4):

    1. VNE scaling: each column is divided once by its standard deviation over the
       whole cloud (a constant column is left as is).
    2. Lenses: PCA components 1 and 2 of the cloud as given (not scaled), so the lens
       plane is that of the raw filters.
    3. Cover: ``CubicalCover(n_intervals=resolution, overlap_frac=1 - 1/gain)``
       (gain 3 -> 2/3 overlap, gain 2 -> 1/2).
    4. Clustering of each cover element on the scaled cloud, by default with
       :class:`SingleLinkageGap` and ``min_gap = gap * scale_``, where ``scale_`` is
       the median over all points of the distance to the ``scale_k``-th nearest
       neighbour in the scaled cloud.
    5. The nerve: one node per cluster, an edge between clusters sharing a point.

    Why this clustering rule: giotto-tda's ``FirstSimpleGap`` measures gaps relative
    to each cover element's own spread, so it sees a "gap" in nearly every small set
    (2,239 nodes for a 500-point circle); ``FirstHistogramGap`` is slow (40 s for 2,000
    points). Tying the gap to one global scale makes the cut the same everywhere:
    ``scale_`` is the typical spacing of the cloud, so a jump of ``gap = 3`` spacings
    between consecutive single-linkage merges is a real separation, not sampling
    noise. ``scale_k = 10`` averages over enough neighbours to be stable and is far
    below any cover element's size. On 2,000 noisy primary-circle filters this gives
    about 240 nodes and one loop in well under a second. While choosing the defaults,
    gap 3-6 with ``scale_k`` 5-20 gave the same topology on a circle, two circles, a
    figure-eight and a gaussian blob; gap 1 fragments (2 components for two circles
    became 6). A larger gap merges separate sheets: a noisy Klein-bottle sample has
    ~30 small holes at gap 3 and ~5 at gap 5-6 (no large loop either way). Points
    farther than ``gap * scale_`` from everything become singleton nodes.

    Parameters
    ----------
    resolution : int
        Number of intervals per lens (``n_intervals``), >= 1.
    gain : float
        > 1; overlap fraction of neighbouring intervals is ``1 - 1/gain``.
    clusterer : "single_linkage_gap" or sklearn ClusterMixin
        The rule above, or any sklearn clusterer (giotto-tda clones it per cover
        element; it sees the VNE-scaled points).
    gap : float
        For ``"single_linkage_gap"``: the separating jump in units of ``scale_``.
    scale_k : int
        Neighbour rank defining ``scale_``.
    min_intersection : int
        Minimum number of shared points for an edge.
    loop_hops : int
        A loop still open when nodes up to this many hops apart are joined counts in
        ``n_large_loops_`` (3: loops drawn by about 10 or more nodes).
    layout_seed : int
        Seed of the starting positions and of igraph's RNG for the layout.
    n_jobs : int
        Parallel jobs for the clustering step (joblib, via giotto-tda).
    lens : callable or None
        ``None`` (default): PCA components 1 and 2. Otherwise a function of the cloud
        ``X`` (n_points, n_features) returning lens values of shape (n_points,) or
        (n_points, n_lenses), e.g. the L2 norm of each point (one lens) or PCA 1-3;
        the cover has ``resolution`` intervals along each lens.
    vne : bool
        Cluster on the variance-normalized cloud (default). ``False`` clusters the
        cloud as given (for clouds whose low-variance directions are noise).

    Attributes
    ----------
    graph_ : igraph.Graph
        Vertex attributes ``pullback_set_label``, ``partial_cluster_label``,
        ``node_elements`` (as giotto-tda); edge attribute ``weight`` (shared points).
    node_members_ : list of ndarray of int
        Point indices of each node, sorted.
    node_sizes_ : ndarray of shape (n_nodes,)
        Points per node. They sum to at least ``n_points`` (the cover overlaps).
    node_means_ : ndarray of shape (n_nodes, n_features)
        Mean of each node's input points, unscaled: the filter drawn at the node.
    node_lens_ : ndarray of shape (n_nodes, n_lenses)
        Mean lens (PCA 1, 2 unless ``lens`` is given) of each node's points.
    lens_ : ndarray of shape (n_points, n_lenses)
        PCA components 1 and 2 of each point (or the custom ``lens``), in the input's units.
    scale_ : float
        Global scale of the scaled cloud (``nan`` with a custom clusterer).
    n_nodes_, n_edges_, n_components_ : int
    betti1_ : int
        First Betti number of the nerve's 2-skeleton (:func:`nerve_betti1`): the
        number of independent loops in the graph once the triangles formed by
        overlapping cover elements are filled in. 1 for a circle, 2 for a figure-eight.
    loops_ : ndarray of shape (n_loops, 2)
        The graph's loops as [birth, death] in hops (:func:`hop_loops`); death
        ``inf`` for loops still open at ``loop_hops``.
    n_large_loops_ : int
        Loops still open at ``loop_hops`` hops: the count to read as "the graph has
        a circle". Small holes of Mapper's own making (a few nodes around a gap in
        the sample) close within 2 hops; a circle in the data does not.
    cycle_rank_ : int
        ``E - V + C``, the first Betti number of the bare graph (counts every triangle
        of overlapping nodes; hundreds for a circle at gain 3).
    layout_ : ndarray of shape (n_nodes, 2)
        Node positions: Fruchterman-Reingold started from ``node_lens_`` (rescaled)
        plus seeded jitter, deterministic for a given ``layout_seed``.
    """

    def __init__(self, resolution: int = 30, gain: float = 3.0, *,
                 clusterer="single_linkage_gap", gap: float = 3.0, scale_k: int = 10,
                 min_intersection: int = 1, loop_hops: int = 3, layout_seed: int = 0,
                 n_jobs: int = 1, lens=None, vne: bool = True):
        self.lens = lens
        self.vne = vne
        self.resolution = resolution
        self.gain = gain
        self.clusterer = clusterer
        self.gap = gap
        self.scale_k = scale_k
        self.min_intersection = min_intersection
        self.loop_hops = loop_hops
        self.layout_seed = layout_seed
        self.n_jobs = n_jobs

    # -- validation --------------------------------------------------------------------
    def _check_params(self) -> None:
        check_int(self.resolution, name="resolution", low=1)
        if isinstance(self.gain, bool) or not isinstance(self.gain, (int, float, np.integer, np.floating)):
            raise TypeError(f"gain must be a number > 1; got {self.gain!r}")
        if not (np.isfinite(self.gain) and self.gain > 1):
            raise ValueError(f"gain must be > 1 (overlap fraction 1 - 1/gain in (0, 1)); got {self.gain}")
        check_int(self.scale_k, name="scale_k", low=1)
        check_int(self.min_intersection, name="min_intersection", low=1)
        check_int(self.loop_hops, name="loop_hops", low=1)
        check_int(self.layout_seed, name="layout_seed", low=0)
        if isinstance(self.clusterer, str):
            if self.clusterer != "single_linkage_gap":
                raise ValueError(f"clusterer must be 'single_linkage_gap' or an sklearn ClusterMixin; "
                                 f"got {self.clusterer!r}")
            if isinstance(self.gap, bool) or not (isinstance(self.gap, (int, float, np.integer, np.floating))
                                                  and np.isfinite(self.gap) and self.gap > 0):
                raise ValueError(f"gap must be a positive number (units of scale_); got {self.gap!r}")
        elif not isinstance(self.clusterer, ClusterMixin):
            raise TypeError(f"clusterer must be 'single_linkage_gap' or an sklearn ClusterMixin; "
                            f"got {type(self.clusterer).__name__}")

    def _check_lens(self, lens: np.ndarray) -> None:
        spread = np.ptp(lens, axis=0)
        ref = max(spread.max(), 1.0) if spread.max() > 0 else 1.0
        for i, s in enumerate(spread):
            if s <= _CONSTANT_LENS_RTOL * ref and self.resolution > 1:
                raise ValueError(
                    f"Only one unique lens value along PCA component {i + 1} (all points project to "
                    f"the same value), cannot fit {self.resolution} intervals there; the cloud is "
                    f"{'a single point' if spread.max() == 0 else 'on a line'}")

    @property
    def min_points(self) -> int:
        """Fewest points :meth:`fit` accepts: the neighbour scale needs ``scale_k + 1``, a graph 3."""
        return max(3, int(self.scale_k) + 1)

    # -- fitting -----------------------------------------------------------------------
    def fit(self, X, y=None):
        """Build the Mapper graph of ``X``, an array of shape (n_points, n_features)."""
        from gtda.mapper import CubicalCover, make_mapper_pipeline

        self._check_params()
        X = check_cloud(X, name="X", min_points=self.min_points)
        if self.lens is None:
            if X.shape[1] < 2:
                raise ValueError(f"X must have at least 2 features for 2 PCA lenses; got shape {X.shape}")
            if np.ptp(X, axis=0).max() == 0:
                self._check_lens(np.zeros((len(X), 2)))    # every point the same: name it
            lens = PCA(n_components=2, svd_solver="full").fit_transform(X)
        else:
            lens = self._custom_lens(X)
        self._check_lens(lens)
        self.lens_ = lens

        # VNE: divide by the global std, once (or, with vne=False, leave the cloud as given)
        scaler = StandardScaler(with_mean=False, with_std=bool(self.vne))
        if isinstance(self.clusterer, str):
            Z = scaler.fit_transform(X)
            dist, _ = NearestNeighbors(n_neighbors=self.scale_k + 1).fit(Z).kneighbors(Z)
            self.scale_ = float(np.median(dist[:, self.scale_k]))
            if self.scale_ <= 0:
                # Over half the points have scale_k exact duplicates: use the mean instead.
                self.scale_ = float(dist[:, self.scale_k].mean())
            if self.scale_ <= 0:
                raise ValueError("X has too many duplicate points: every point's "
                                 f"{self.scale_k}-th nearest neighbour is at distance 0")
            clusterer = SingleLinkageGap(min_gap=self.gap * self.scale_)
        else:
            self.scale_ = float("nan")
            clusterer = self.clusterer

        pipe = make_mapper_pipeline(
            filter_func=_FixedLens(lens),
            cover=CubicalCover(n_intervals=int(self.resolution), overlap_frac=1.0 - 1.0 / float(self.gain)),
            clustering_preprocessing=scaler,
            clusterer=clusterer,
            n_jobs=self.n_jobs,
            graph_step=False,       # giotto's nerve compares all node pairs; ours is sparse
        )
        labels = pipe.fit_transform(X)     # per point: tuple of (cover_set, cluster) pairs
        self._build_graph(X, labels)
        self.layout_ = self._layout()
        return self

    def _custom_lens(self, X: np.ndarray) -> np.ndarray:
        if not callable(self.lens):
            raise TypeError(f"lens must be None (PCA 1 and 2) or a callable X -> array of shape "
                            f"(n_points, n_lenses); got {type(self.lens).__name__}")
        lens = np.asarray(self.lens(X), dtype=np.float64)
        if lens.ndim == 1:
            lens = lens[:, None]
        if lens.ndim != 2 or lens.shape[0] != X.shape[0] or lens.shape[1] < 1:
            raise ValueError(f"lens returned shape {lens.shape}; expected ({X.shape[0]}, n_lenses)")
        if not np.isfinite(lens).all():
            raise ValueError("lens returned NaN or infinite values")
        return lens

    def node_average(self, values) -> np.ndarray:
        """Mean of a per-point quantity over each node's points (e.g. a colour).

        Parameters
        ----------
        values : array of shape (n_points,), the quantity at every point of the fitted cloud

        Returns
        -------
        ndarray of shape (n_nodes,)
        """
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        n_points = self.lens_.shape[0]
        if v.shape[0] != n_points:
            raise ValueError(f"values has {v.shape[0]} entries; the Mapper was fitted on {n_points} points")
        return np.array([v[m].mean() for m in self.node_members_], dtype=np.float64)

    def _build_graph(self, X: np.ndarray, labels) -> None:
        keys = sorted({pair for point_labels in labels for pair in point_labels})
        node_id = {key: i for i, key in enumerate(keys)}
        rows, cols = [], []
        for i, point_labels in enumerate(labels):
            for pair in point_labels:
                rows.append(i)
                cols.append(node_id[pair])
        n_points, n_nodes = X.shape[0], len(keys)
        M = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_points, n_nodes))
        Mt = M.T.tocsr()
        members = [np.sort(Mt.indices[Mt.indptr[j]:Mt.indptr[j + 1]]) for j in range(n_nodes)]

        # Intersection sizes of all node pairs at once: (M^T M)[a, b] = |a ∩ b|.
        shared = sp.triu(M.T @ M, k=1).tocoo()
        keep = shared.data >= self.min_intersection
        edges = list(zip(shared.row[keep].tolist(), shared.col[keep].tolist()))
        weights = shared.data[keep].astype(np.int64).tolist()

        graph = igraph.Graph(n=n_nodes, edges=edges)
        graph.vs["pullback_set_label"] = [k[0] for k in keys]
        graph.vs["partial_cluster_label"] = [k[1] for k in keys]
        graph.vs["node_elements"] = members
        graph.es["weight"] = weights

        self.graph_ = graph
        self.node_members_ = members
        self.node_sizes_ = np.array([m.size for m in members], dtype=np.int64)
        self.node_means_ = np.array([X[m].mean(axis=0) for m in members]).reshape(n_nodes, X.shape[1])
        self.node_lens_ = np.array([self.lens_[m].mean(axis=0) for m in members]).reshape(n_nodes, -1)
        self.n_nodes_ = n_nodes
        self.n_edges_ = len(edges)
        self.n_components_ = len(graph.connected_components())
        self.cycle_rank_ = self.n_edges_ - self.n_nodes_ + self.n_components_
        point_sets = (tuple(sorted(node_id[p] for p in pl)) for pl in labels)
        self.betti1_ = nerve_betti1(point_sets, n_nodes, edges)
        self.loops_ = hop_loops(graph, self.loop_hops)
        self.n_large_loops_ = int(np.sum(~np.isfinite(self.loops_[:, 1])))

    def _layout(self) -> np.ndarray:
        n = self.n_nodes_
        if n == 0:
            return np.zeros((0, 2))
        rng = np.random.default_rng(self.layout_seed)
        start = self.node_lens_[:, :2] - self.node_lens_[:, :2].mean(axis=0)
        if start.shape[1] == 1:          # one lens: start on a line, the jitter spreads it
            start = np.hstack([start, np.zeros_like(start)])
        # FR's natural edge length is ~1; start at a comparable extent so it refines
        # the lens picture instead of exploding or collapsing it.
        extent = np.abs(start).max()
        start = start * (np.sqrt(n) / extent if extent > 0 else 1.0)
        start = start + rng.normal(scale=0.1, size=start.shape)
        try:
            # igraph draws from a Python-level RNG (FR uses it to separate coincident
            # nodes); seed a private one, then hand back igraph's default (``random``).
            igraph.set_random_number_generator(random.Random(self.layout_seed))
            layout = self.graph_.layout_fruchterman_reingold(seed=start.tolist(), niter=500, grid="auto")
        finally:
            igraph.set_random_number_generator(random)
        return np.asarray(layout.coords, dtype=np.float64).reshape(n, 2)


class _FixedLens(BaseEstimator):
    """A filter function returning lens values computed beforehand (the PCA of ``fit``).

    Lets the pipeline's cover see exactly the lens stored in ``Mapper.lens_``.
    """

    def __init__(self, lens=None):
        self.lens = lens

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        if len(X) != len(self.lens):
            raise ValueError(f"lens has {len(self.lens)} rows but X has {len(X)}")
        return self.lens

    def fit_transform(self, X, y=None):
        return self.transform(X)
