"""What the chapters call to read well (issue 16): compact tables, one readable Mapper picture per
graph, selected evolution panels, scale cells read from the artifacts, no stderr noise."""
from __future__ import annotations

import logging
import re
from types import SimpleNamespace

import numpy as np
import pytest

import toponet.book as tb
from toponet import plots
from toponet.density import density_filtration
from toponet.filters import normalize
from toponet.chapters.generalization import nets_per_arm
from toponet.homology import persistence
from toponet.ideal import klein_bottle_sample, primary_circle_sample
from toponet.mapper import Mapper


@pytest.fixture(scope="module")
def circle_mapper():
    X = density_filtration(primary_circle_sample(600, noise=0.1, seed=0), 20, 0.5)
    return Mapper(15, 3.0, layout_seed=0).fit(X)


def test_show_table_is_html_that_scrolls_with_a_hint_and_rounds():
    rows = [dict(layer_name="a", threshold="<= 0.64245", value=0.123456, **{f"c{i}": i for i in range(8)})]
    html = tb.show_table(rows)._repr_html_()
    assert 'class="toponet-table-scroll"' in html and "scroll-hint" in html
    assert "&lt;= 0.642<" in html and "0.123<" in html and "0.64245" not in html
    assert "<th>layer name</th>" in html
    narrow = tb.show_table([dict(a=1, b=2)])._repr_html_()
    assert "scroll-hint" not in narrow


def test_show_table_without_rows_shows_nothing_or_a_sentence():
    assert tb.show_table([]) is None
    assert tb.show_table([], empty="*No VGG weights.*").data == "*No VGG weights.*"


def test_spread_nodes_keeps_glyphs_apart(circle_mapper):
    pos = np.asarray(circle_mapper.layout_)
    side = float(np.ptp(pos, axis=0).max()) / 11
    chosen = plots.spread_nodes(pos, 18, min_distance=1.15 * side)
    assert 3 <= len(chosen) <= 18 and len(set(chosen.tolist())) == len(chosen)
    d = np.linalg.norm(pos[chosen][:, None] - pos[chosen][None], axis=-1)
    assert d[np.triu_indices(len(chosen), 1)].min() > 1.15 * side


def test_angle_strip_turns_once_around_the_primary_circle(circle_mapper):
    angles, filters = plots.angle_strip(circle_mapper, bins=12)
    assert filters.shape[1:] == (3, 3) and len(angles) == len(filters) >= 10
    assert np.all(np.diff(angles) > 0)


def test_mapper_overview_draws_one_figure_with_a_strip(circle_mapper):
    fig = plots.mapper_overview(circle_mapper, n_glyphs=12, bins=8)
    assert len(fig.axes) >= 1 + 8     # the graph (+ colour bar) and the strip
    with pytest.raises(ValueError, match="filter_shape"):
        plots.mapper_overview(circle_mapper, filter_shape=None)


def test_mapper_grid_columns_selects_evenly_spaced_entries(circle_mapper):
    entries = [(i * 100, circle_mapper) for i in range(12)]
    fig = plots.mapper_grid({"layer 1": entries}, columns=4, fontsize=10)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["0", "400", "700", "1100"]
    assert all(ax.title.get_fontsize() >= 10 for ax in fig.axes if ax.get_title())


def test_nets_per_arm_reads_each_arm():
    arms = {"circle": SimpleNamespace(networks=2), "gaussian": SimpleNamespace(networks=1),
            "trained": SimpleNamespace(networks=2)}
    assert nets_per_arm(arms) == "circle 2, gaussian 1, trained 2 nets"
    assert nets_per_arm({"a": SimpleNamespace(networks=3), "b": SimpleNamespace(networks=3)}) == "3 nets per arm"
    with pytest.raises(ValueError):
        nets_per_arm({})


def test_normalize_quiet_drops_without_a_warning(caplog):
    X = np.vstack([np.ones((2, 9)), np.random.default_rng(0).normal(size=(5, 9))])
    with caplog.at_level(logging.WARNING, logger="toponet.filters"):
        _, kept = normalize(X, quiet=True)
    assert (~kept).sum() == 2 and not caplog.records
    with caplog.at_level(logging.WARNING, logger="toponet.filters"):
        normalize(X)
    assert any("dropped 2 of 7" in r.getMessage() for r in caplog.records)


def test_persistence_coefficients_tell_the_klein_bottle_apart():
    K = klein_bottle_sample(600, seed=1)
    z2 = np.sort(persistence(K, coeff=2, n_landmarks=None).lifetimes(1))[::-1]
    z3 = np.sort(persistence(K, coeff=3, n_landmarks=None).lifetimes(1))[::-1]
    assert z2[1] > 1.3 * z3[1]           # Z/2 sees a second long class, Z/3 does not
    assert abs(z2[0] - z3[0]) < 0.05
    with pytest.raises(ValueError, match="prime"):
        persistence(K[:10], coeff=4)


def test_a_wide_tables_verdict_column_comes_second():
    rows = [dict(layer=1, **{f"c{i}": i for i in range(9)}, verdict="partly", circle_verdict="no")]
    html = tb.show_table(rows)._repr_html_()
    heads = re.findall(r"<th>(.*?)</th>", html)
    assert heads[:3] == ["layer", "verdict", "circle verdict"] and heads[3:] == [f"c{i}" for i in range(9)]
    assert re.findall(r"<td>(.*?)</td>", html)[:3] == ["1", "partly", "no"]
    narrow = tb.show_table([dict(a=1, verdict="x", b=2)])._repr_html_()
    assert re.findall(r"<th>(.*?)</th>", narrow) == ["a", "verdict", "b"]      # a narrow table keeps its order
