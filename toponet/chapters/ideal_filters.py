"""Chapter 00 (``notebooks/00_ideal_filters.py``): the pipeline on ideal filters, whose topology is
known, then opened on trained MNIST filters as plain library calls.

The notebook makes one call, :func:`run_chapter`, which returns a frozen :class:`IdealChapter`:
the three sampled clouds (a noisy primary circle, a noisy Klein bottle, gaussian filters), their
distances to the primary circle, a Mapper graph and the barcodes of rho(k, p), and
:class:`PlainPipeline`, the paper's five steps on the MNIST networks committed in the store,
written with numpy, scikit-learn, giotto-ph and giotto-tda only (:func:`plain_pipeline`,
:func:`plain_mapper`; the chapter shows their source, :meth:`IdealChapter.plain_calls`). Its
methods draw the figures and write their captions (:meth:`IdealChapter.caption`) and readings
(:meth:`IdealChapter.reading`).
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from gph import ripser_parallel
from gtda.mapper import CubicalCover, make_mapper_pipeline, plot_static_mapper_graph
from IPython.display import display
from sklearn.cluster import DBSCAN
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from toponet import plots
from toponet.book.notebook import Caption, Reading, caption, cloud_label, what_to_see
from toponet.chapters._templates import render
from toponet.density import density_filtration
from toponet.experiments import experiment
from toponet.homology import persistence
from toponet.ideal import (distance_to_model, gaussian_filters, klein_bottle_sample, primary_circle,
                           primary_circle_sample)
from toponet.mapper import Mapper
from toponet.store import Store

__all__ = ["IdealChapter", "PlainPipeline", "run_chapter", "ideal_clouds", "plain_pipeline", "plain_mapper",
           "NOISE", "FIGURES"]

#: Standard deviation of the gaussian noise added to every entry of an ideal filter.
NOISE = 0.1
#: The profile whose committed MNIST networks the chapter opens (whatever profile builds the book).
MNIST_PROFILE = "default"
#: The chapter's figures, in the notebook's order (the keys of :meth:`IdealChapter.caption`).
FIGURES = ("distances", "mapper", "barcodes", "mnist barcode", "mnist mapper")
#: "Near the circle" in the distance histogram.
NEAR = 0.3


def ideal_clouds(networks: int, seed: int = 0) -> dict:
    """The three clouds of ``networks`` x 64 normalized filters the chapter compares.

    Parameters
    ----------
    networks : int
        As many points as the first layers of this many networks M(64, ., .).
    seed : int
        The primary circle's noise; the Klein bottle's uses ``seed + 1``, the gaussian filters ``seed + 2``.

    Returns
    -------
    dict str -> ndarray of shape (networks * 64, 9)
        "primary circle" and "Klein bottle" (noise :data:`NOISE` per entry), "gaussian".
    """
    n = networks * 64
    return {"primary circle": primary_circle_sample(n, noise=NOISE, seed=seed),
            "Klein bottle": klein_bottle_sample(n, noise=NOISE, seed=seed + 1),
            "gaussian": gaussian_filters(n, seed=seed + 2)}


@dataclass(frozen=True)
class PlainPipeline:
    """The paper's pipeline on trained filters, step by step (:func:`plain_pipeline`, :func:`plain_mapper`).

    Attributes
    ----------
    X : ndarray of shape (n_filters, 9)
        The normalized filters (mean zero, length 1).
    k, p : int, float
        The density filtration rho(k, p) (the paper's Fig. 2: 200, 0.3).
    core : ndarray of shape (round(p * n_filters), 9)
        The densest filters, in their original order.
    sample : ndarray of shape (min(600, n_core), 9)
        The seeded random sample of the core whose persistence was computed.
    ph : dict
        giotto-ph's ``ripser_parallel`` output (``"dgms"``: the H0 and H1 diagrams).
    h1 : ndarray of shape (n_bars,)
        The H1 lifetimes, longest first.
    """

    X: np.ndarray
    k: int
    p: float
    core: np.ndarray
    sample: np.ndarray
    ph: dict
    h1: np.ndarray


def plain_pipeline(W, *, seed: int = 0) -> PlainPipeline:
    """Steps 1 to 4 of the chapter's "Opening the box": filters to points, normalize, rho(200, 0.3), persistence.

    Parameters
    ----------
    W : ndarray of shape (networks, 64, 1, 3, 3)
        First-layer weights.
    seed : int
        Seed of the sample of the core.

    Returns
    -------
    PlainPipeline
    """
    X = W.reshape(-1, 9)                                # 1. one point of R^9 per spatial filter
    X = X - X.mean(axis=1, keepdims=True)               # 2. mean-centre each filter ...
    X = X / np.linalg.norm(X, axis=1, keepdims=True)    #    ... and scale it to length 1
    k_paper, p_paper = 200, 0.3                         # 3. rho(200, 0.3), the paper's Fig. 2
    dist_k = NearestNeighbors(n_neighbors=k_paper + 1, algorithm="brute").fit(X).kneighbors(X)[0][:, k_paper]  # +1: a point is its own 0th
    core = X[np.sort(np.argsort(dist_k, kind="stable")[:round(p_paper * len(X))])]
    sample = core[np.random.default_rng(seed).choice(len(core), min(600, len(core)), replace=False)]
    ph = ripser_parallel(sample, maxdim=1, n_threads=2)  # 4. {"dgms": [H0 bars, H1 bars], ...}
    h1 = np.sort(ph["dgms"][1][:, 1] - ph["dgms"][1][:, 0])[::-1]
    return PlainPipeline(X=X, k=k_paper, p=p_paper, core=core, sample=sample, ph=ph, h1=h1)


def plain_mapper(core: np.ndarray):
    """Step 5 of "Opening the box": giotto-tda's Mapper of the dense core, nodes coloured by edge angle.

    Parameters
    ----------
    core : ndarray of shape (n_core, 9)
        Normalized filters.

    Returns
    -------
    pipe : gtda.mapper.MapperPipeline
        The fitted pipeline (PCA lens, cubical cover, DBSCAN).
    cover : gtda.mapper.CubicalCover
        Its cover: 10 intervals per lens, overlapping by half.
    graph : igraph.Graph
        One node per cluster.
    node_angle : list of float
        Each node's mean edge angle, in degrees in [0, 360).
    """
    angle = np.degrees(np.arctan2(core @ primary_circle(np.pi / 2), core @ primary_circle(0.0))) % 360  # edge direction
    cover = CubicalCover(n_intervals=10, overlap_frac=0.5)   # coarse: a quick picture
    pipe = make_mapper_pipeline(filter_func=PCA(n_components=2), cover=cover, clusterer=DBSCAN(eps=0.3, min_samples=5))  # 5.
    graph = pipe.fit_transform(core)                    # an igraph.Graph: one node per cluster
    node_angle = [np.degrees(np.angle(np.exp(1j * np.radians(angle[e])).mean())) % 360 for e in graph.vs["node_elements"]]
    return pipe, cover, graph, node_angle


def _body(function) -> str:
    """A function's statements after its signature and docstring, dedented, without its ``return``
    (what the chapter lists: the plain calls)."""
    source = textwrap.dedent(inspect.getsource(function))
    first = ast.parse(source).body[0].body[1].lineno      # the statement after the docstring
    lines = [line for line in source.splitlines()[first - 1:] if not line.strip().startswith("return ")]
    return textwrap.dedent("\n".join(lines))


@dataclass(frozen=True)
class IdealChapter:
    """Everything chapter 00 computed, in the order the notebook shows it.

    Attributes
    ----------
    profile : str
        The build profile named in the captions (nothing is trained here).
    networks, k, p, resolution, gain, seed : int, int, float, int, float, int
        The chapter's parameters: cloud size (networks x 64), rho(k, p), Mapper(resolution, gain), noise seed.
    clouds : dict str -> ndarray of shape (networks * 64, 9)
        :func:`ideal_clouds`.
    distances : dict str -> toponet.ideal.ModelDistance
        Each cloud's distance to the primary circle.
    mapper : toponet.mapper.Mapper
        Mapper(resolution, gain) fitted on the primary-circle cloud.
    diagrams : dict str -> toponet.homology.PersistenceResult
        Persistence of rho(k, p) of the "primary circle" and "gaussian" clouds.
    top_h1 : dict str -> float
        Their top H1 lifetimes.
    mnist : toponet.store.Artifact
        The MNIST networks of the default profile, read from the store.
    plain : PlainPipeline
        :func:`plain_pipeline` on their first-layer filters.
    graph : igraph.Graph
        :func:`plain_mapper`'s graph of the dense core; ``mapper_pipe`` its pipeline, ``mapper_cover``
        its cover, ``node_angle`` each node's mean edge angle in degrees.
    """

    profile: str
    networks: int
    k: int
    p: float
    resolution: int
    gain: float
    seed: int
    clouds: dict
    distances: dict
    mapper: Mapper
    diagrams: dict
    top_h1: dict
    mnist: object
    plain: PlainPipeline
    mapper_pipe: object
    mapper_cover: object
    graph: object
    node_angle: list

    def _cloud(self, name: str) -> str:
        return rf"{self.networks} \times 64 \text{{ {name} filters}}"

    def _mnist_cloud(self) -> str:
        return cloud_label(networks=self.mnist.networks, layer=1, iterations=self.mnist.iterations[-1],
                           widths=self.mnist.config["widths"], k=self.plain.k, p=self.plain.p)

    # -- figures ---------------------------------------------------------------------------------
    def distance_figure(self):
        """Each cloud's distances to the nearest primary-circle filter (density and cumulative).

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.distance_histogram({name: d.distances for name, d in self.distances.items()}, threshold=NEAR,
                                        xlabel="distance to the primary circle")

    def mapper_figure(self) -> None:
        """Shows Mapper(resolution, gain) of the primary-circle cloud (a plotly figure, drawn with ``show``).

        Returns
        -------
        None
        """
        m = self.mapper
        plots.mapper_figure(m, title=f"Mapper({self.resolution}, {self.gain:g}): {m.n_nodes_} nodes, "
                                     f"{m.betti1_} loop(s)", width=640, height=540).show()

    def barcodes_figure(self) -> None:
        """Displays the barcodes of rho(k, p) of the primary circle, then of the gaussian null.

        Returns
        -------
        None
        """
        for name, d in self.diagrams.items():
            display(plots.barcode_plot(d, title=f"{name}: top $H_1$ lifetime {self.top_h1[name]:.2f}", max_bars=40))

    def mnist_barcode_figure(self):
        """The barcode giotto-ph computed of the sample of the MNIST core.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plots.barcode_plot(self.plain.ph, title=f"giotto-ph: {len(self.plain.sample)} points of the MNIST core",
                                  max_bars=30)

    def mnist_mapper_figure(self):
        """giotto-tda's Mapper graph of the MNIST core, nodes coloured by their mean edge angle.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        return go.Figure(plot_static_mapper_graph(self.mapper_pipe, self.plain.core,
                                                  node_color_statistic=np.array(self.node_angle), plotly_params={
            "node_trace": {"marker": {"colorscale": "Twilight", "colorbar": {"title": {"text": "edge angle (°)"}}}},
            "layout": {"width": 640, "height": 480, "title": f"giotto-tda Mapper: {self.graph.vcount()} nodes"}}))

    # -- printed lines ---------------------------------------------------------------------------
    def plain_calls(self) -> None:
        """Shows the source of :func:`plain_pipeline` and :func:`plain_mapper` and prints what the first found.

        Returns
        -------
        None
        """
        load = 'W = art.conv_weights("conv1")                       # (networks, 64 filters, 1 input channel, 3, 3)'
        # printed, not Markdown: a chapter's Markdown outputs are its captions and readings
        print("\n".join([load, _body(plain_pipeline), "", _body(plain_mapper)]), end="\n\n")
        pl = self.plain
        print(f"{len(pl.X):,} filters of {self.mnist.networks} networks -> rho({pl.k}, {pl.p:g}) keeps "
              f"{len(pl.core):,}; H1 of {len(pl.sample)} of them: longest bars "
              f"{[round(float(b), 2) for b in pl.h1[:3]]}")

    # -- captions and readings -------------------------------------------------------------------
    def caption(self, figure: str) -> Caption:
        """The caption of one of the chapter's figures (:data:`FIGURES`).

        Parameters
        ----------
        figure : str
            "distances", "mapper", "barcodes", "mnist barcode" or "mnist mapper".

        Returns
        -------
        toponet.book.Caption
            The wording of ``templates/ideal_captions.md`` in :func:`toponet.book.caption`'s frame.

        Raises
        ------
        ValueError
            For a figure not in :data:`FIGURES`.
        """
        if figure not in FIGURES:
            raise ValueError(f"figure={figure!r}: chapter 00's figures are {', '.join(FIGURES)}")
        k, p, n = self.k, self.p, self.networks * 64
        values, frame = {}, {"profile": self.profile}
        if figure == "distances":
            frame["cloud"] = rf"3 \times {n}" + r"\text{ ideal and gaussian filters}"
        elif figure == "mapper":
            values = {"resolution": self.resolution, "gain": self.gain}
            frame["cloud"] = self._cloud("primary circle")
        elif figure == "barcodes":
            values = {"method": self.diagrams["primary circle"].method}
            frame["cloud"] = (rf"\rho({k}, {p:g}, " + self._cloud("primary circle") + r"),\ "
                              + rf"\rho({k}, {p:g}, " + self._cloud("gaussian") + ")")
        else:
            frame = {"cloud": self._mnist_cloud(), "profile": MNIST_PROFILE,
                     "accuracy": np.asarray(self.mnist.test_accuracy(), float).tolist()}
            if figure == "mnist barcode":
                values = {"sample": len(self.plain.sample)}
            else:
                values = {"intervals": self.mapper_cover.n_intervals, "overlap": self.mapper_cover.overlap_frac}
        return caption(render("ideal_captions", figure=figure, **values), **frame)

    def reading(self, figure: str) -> Reading:
        """The "What to see" of one of the chapter's figures (:data:`FIGURES`), filled from its results.

        Parameters
        ----------
        figure : str
            "distances", "mapper", "barcodes", "mnist barcode" or "mnist mapper".

        Returns
        -------
        toponet.book.Reading
        """
        if figure == "distances":
            return what_to_see(
                "one distribution per cloud; the further left, the nearer its filters lie to the primary circle. The "
                "noisy circle's filters are the circle plus known noise, so they should sit near the noise level; the "
                "Klein bottle holds the primary circle as one of its circles, so many of its filters lie farther; "
                "gaussian filters have no reason to be near. Within the 0.3 threshold: {shares}.",
                shares=", ".join(f"{name} {100 * float((d.distances <= NEAR).mean()):.1f} %"
                                 for name, d in self.distances.items()))
        if figure == "mapper":
            return what_to_see(
                "one ring of nodes, the edge drawn inside them turning once through every angle as you go around it. "
                "The graph has {nodes} nodes and first Betti number {b1}, the number of independent loops of its nerve "
                "(the primary circle has 1; small extra loops are triangles of the overlapping cover).",
                nodes=self.mapper.n_nodes_, b1=self.mapper.betti1_)
        if figure == "barcodes":
            top = self.top_h1
            return what_to_see(
                "a circle shows one $H_1$ bar far longer than every other; a structureless cloud shows only short "
                "ones. The longest $H_1$ bar is {circle:.2f} for the primary circle and {null:.2f} for the gaussian "
                "null, {ratio:.1f} times as long; the MNIST chapter asks the same of trained filters, against 99 null "
                "clouds instead of one.", circle=top["primary circle"], null=top["gaussian"],
                ratio=top["primary circle"] / max(top["gaussian"], 1e-12))
        if figure == "mnist barcode":
            h1 = self.plain.h1
            return what_to_see(
                "what the ideal circle's barcode above shows: whether one $H_1$ bar stands far above the rest. Here "
                "the longest is {top:.2f}, {ratio:.1f} times the next ({second:.2f}), from four library calls on the "
                "trained filters. Whether a bar this long could come from filters without structure is what "
                "{{doc}}`01_mnist` asks of its null models.", top=h1[0], second=h1[1], ratio=h1[0] / max(h1[1], 1e-12))
        if figure == "mnist mapper":
            graph = self.graph
            return what_to_see(
                "follow the colour. On the primary circle the edge angle runs once through every direction as you go "
                "around one ring (the scale is cyclic: 0° and 360° are the same edge). This graph has {nodes} nodes "
                "and {edges} edges in {parts} connected piece(s); its nodes' angles fill {sectors} of the twelve 30° "
                "sectors.", nodes=graph.vcount(), edges=graph.ecount(), parts=len(graph.connected_components()),
                sectors=len(set((np.array(self.node_angle) // 30).astype(int))))
        raise ValueError(f"figure={figure!r}: chapter 00's figures are {', '.join(FIGURES)}")


def run_chapter(*, profile: str, networks: int, iterations: int, k: int, p: float, resolution: int, gain: float,
                seed: int = 0, device: str = "auto") -> IdealChapter:
    """Chapter 00 in one call: sample the ideal clouds, analyse them, then run the plain pipeline on MNIST.

    Parameters
    ----------
    profile : str
        The build profile named in the captions.
    networks : int
        Each cloud has networks x 64 filters.
    iterations : int
        Unused: nothing is trained in this chapter.
    k : int
        rho(k, p)'s neighbour, below the cloud's size.
    p : float
        Fraction of the densest points rho(k, p) keeps, in (0, 1].
    resolution : int
        Mapper's intervals per lens.
    gain : float
        Mapper's overlap: 1 - 1/gain.
    seed : int
        The noise of the sampled clouds, Mapper's layout and the sample of the MNIST core.
    device : str
        Unused: nothing is trained in this chapter.

    Returns
    -------
    IdealChapter

    Raises
    ------
    ValueError
        When ``k`` is not below the cloud's networks x 64 points; when the store holds no MNIST
        networks at the default profile (the message names the command that trains them).
    """
    if not 1 <= k < networks * 64:
        raise ValueError(f"k={k}: rho(k, p) needs 1 <= k < the cloud's {networks * 64} points (networks x 64)")
    clouds = ideal_clouds(networks, seed)
    distances = {name: distance_to_model(X, "primary_circle") for name, X in clouds.items()}
    mapper = Mapper(resolution, gain, layout_seed=seed).fit(clouds["primary circle"])
    diagrams = {name: persistence(density_filtration(clouds[name], k, p), seed=seed)
                for name in ["primary circle", "gaussian"]}
    top_h1 = {name: d.top_lifetime(1) for name, d in diagrams.items()}
    art = Store().get(experiment("mnist").plan(MNIST_PROFILE).config)   # the committed networks, or None
    if art is None:
        raise ValueError("no MNIST networks in the artifact store: run `toponet train mnist --profile default`")
    plain = plain_pipeline(art.conv_weights("conv1"), seed=seed)
    pipe, cover, graph, node_angle = plain_mapper(plain.core)
    return IdealChapter(profile=profile, networks=networks, k=k, p=p, resolution=resolution, gain=gain, seed=seed,
                        clouds=clouds, distances=distances, mapper=mapper, diagrams=diagrams, top_h1=top_h1, mnist=art,
                        plain=plain, mapper_pipe=pipe, mapper_cover=cover, graph=graph, node_angle=node_angle)
