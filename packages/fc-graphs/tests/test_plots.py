"""PNG plots of a graph (``fc_graphs.plots``, behind ``fc-graphs inspect``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from fc_graphs import plots
from fc_graphs.exceptions import GraphError
from fc_graphs.graph_file import Graph
from fc_graphs.plots import INDEX_FILE, MissingDependencyError, plot_graph

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DPI = 30


def _coords(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    return np.deg2rad(np.stack([lat_deg, lon_deg], axis=1)).astype(np.float64)


@pytest.fixture(scope="module")
def figure() -> type[Figure]:
    """The figure class plots draw on; skips where the ``plots`` extra is not installed.

    Importing matplotlib takes seconds on a cold start: done once here, not in each test.
    """
    pytest.importorskip("matplotlib.figure")
    return plots._figure_class()


def _graph(*, isolated: bool = False, edge_attributes: bool = True) -> Graph:
    """A 5 x 8 lat-lon 'data' grid, 6 'hidden' nodes; data -> hidden by nearest hidden node."""
    lat, lon = np.meshgrid(np.linspace(-60, 60, 5), np.linspace(-157.5, 157.5, 8), indexing="ij")
    data = _coords(lat.ravel(), lon.ravel())
    hidden = _coords(np.array([-45.0, -45, -45, 45, 45, 45]), np.array([-120.0, 0, 120] * 2))
    nearest = np.argmin(
        np.abs(data[:, None, 0] - hidden[None, :, 0])
        + np.abs(np.angle(np.exp(1j * (data[:, None, 1] - hidden[None, :, 1])))),
        axis=1,
    )
    sources = np.arange(len(data))
    if isolated:  # data node 0 gets no edge
        sources, nearest = sources[1:], nearest[1:]
    index = np.stack([sources, nearest]).astype(np.int64)
    rng = np.random.default_rng(1)
    edges: dict[str, np.ndarray] = {"edge_index": index}
    if edge_attributes:
        edges["edge_length"] = np.asarray(rng.random(index.shape[1], dtype=np.float32))
        edges["edge_dirs"] = rng.normal(size=(index.shape[1], 3)).astype(np.float32)
    return Graph(
        nodes={
            "data": {"coords": data, "area_weight": np.cos(data[:, 0])},
            "hidden": {"coords": hidden},
        },
        edges={("data", "to", "hidden"): edges},
    )


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_MAGIC, f"{path.name} is not a PNG file"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


# --------------------------------------------------------------------------------------------
# plot_graph


def test_writes_a_valid_png_per_plot_and_an_index(figure: type[Figure], tmp_path: Path) -> None:
    out = tmp_path / "plots" / "new"
    files = plot_graph(_graph(edge_attributes=False), out, dpi=DPI, max_edges=10)
    assert [f.name for f in files] == [
        "nodes_data.png",
        "hist_nodes_data.png",
        "nodes_hidden.png",
        "edges_data_to_hidden.png",
        "hist_edges_data_to_hidden.png",
    ]
    for path in files:
        width, height = _png_size(path)
        assert width > 50 and height > 50
        assert path.stat().st_size > 1000
    index = (out / INDEX_FILE).read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[0] for line in index] == [f.name for f in files]
    assert "edges data:to:hidden" in index[3]


def test_the_dpi_sets_the_resolution(figure: type[Figure], tmp_path: Path) -> None:
    graph = _graph()
    low = plot_graph(graph, tmp_path / "low", dpi=DPI, nodes=["hidden"], edges=[])[0]
    high = plot_graph(graph, tmp_path / "high", dpi=2 * DPI, nodes=["hidden"], edges=[])[0]
    assert _png_size(high)[0] == pytest.approx(2 * _png_size(low)[0], abs=2)


def test_filters_choose_the_sets() -> None:
    graph = _graph()
    graph.edges[("hidden", "back", "data")] = {"edge_index": np.zeros((2, 1), dtype=np.int64)}
    graph.edges[("hidden", "to", "data")] = {"edge_index": np.zeros((2, 1), dtype=np.int64)}
    assert plots._select_nodes(graph, None) == ["data", "hidden"]
    assert plots._select_nodes(graph, ["hidden", "hidden"]) == ["hidden"]
    assert plots._select_edges(graph, None) == list(graph.edges)
    assert plots._select_edges(graph, []) == []
    assert plots._select_edges(graph, ["data:hidden"]) == [("data", "to", "hidden")]
    assert plots._select_edges(graph, ["hidden:data"]) == [
        ("hidden", "back", "data"),
        ("hidden", "to", "data"),
    ]
    assert plots._select_edges(graph, ["hidden:to:data", ("data", "to", "hidden")]) == [
        ("hidden", "to", "data"),
        ("data", "to", "hidden"),
    ]


def test_nothing_selected_writes_an_empty_index(figure: type[Figure], tmp_path: Path) -> None:
    assert plot_graph(_graph(), tmp_path, nodes=[], edges=[]) == []
    assert (tmp_path / INDEX_FILE).read_text() == ""


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"nodes": ["hiden"]}, "Did you mean 'hidden'?"),
        ({"edges": ["data:hiden"]}, "data:to:hidden"),
        ({"edges": ["data:from:hidden"]}, "SOURCE:NAME:TARGET"),
        ({"color_by": "area_weights"}, "Did you mean 'area_weight'?"),
        ({"color_by": "area_weight", "nodes": ["hidden"]}, "none"),
        ({"max_edges": 0}, "max_edges"),
        ({"dpi": 0}, "dpi"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    tmp_path: Path, options: dict[str, object], expected: str
) -> None:
    pytest.importorskip("matplotlib")  # without it, the missing extra is reported first
    with pytest.raises(GraphError) as caught:
        plot_graph(_graph(), tmp_path / "out", **options)  # type: ignore[arg-type]
    assert expected in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_existing_plots_are_not_overwritten_without_overwrite(
    figure: type[Figure], tmp_path: Path
) -> None:
    graph = _graph()
    (first,) = plot_graph(graph, tmp_path, dpi=DPI, nodes=["hidden"], edges=[])
    first.write_bytes(b"a plot the user kept")
    with pytest.raises(GraphError, match="overwrite") as caught:
        plot_graph(graph, tmp_path, dpi=DPI, nodes=["hidden"], edges=[])
    assert "nodes_hidden.png" in str(caught.value)
    assert first.read_bytes() == b"a plot the user kept"
    plot_graph(graph, tmp_path, dpi=DPI, nodes=["hidden"], edges=[], overwrite=True)
    assert first.read_bytes().startswith(PNG_MAGIC)


def test_a_missing_matplotlib_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingDependencyError) as caught:
        plot_graph(_graph(), tmp_path / "out")
    assert 'pip install "fc-graphs[plots]"' in str(caught.value)
    assert isinstance(caught.value, ImportError) and isinstance(caught.value, GraphError)
    assert not (tmp_path / "out").exists()


def test_file_names_stay_distinct_and_safe(figure: type[Figure], tmp_path: Path) -> None:
    graph = _graph()
    hidden = graph.nodes.pop("hidden")
    graph.nodes["a/b"] = hidden
    graph.nodes["a b"] = {"coords": hidden["coords"].copy()}
    graph.edges = {}
    files = plot_graph(graph, tmp_path, dpi=DPI, nodes=["a/b", "a b"])
    assert [f.name for f in files] == ["nodes_a-b.png", "nodes_a-b-2.png"]
    assert all(f.parent == tmp_path for f in files)


# --------------------------------------------------------------------------------------------
# What the figures show (checked on the matplotlib objects, without writing files)


def test_isolated_nodes_are_drawn_in_red_and_counted(figure: type[Figure]) -> None:
    graph = _graph(isolated=True)
    isolated = plots._isolated(graph)
    assert isolated["data"].sum() == 1 and isolated["data"][0]
    assert not isolated["hidden"].any()
    fig = plots._node_map(figure, graph, "data", isolated["data"], None, -180.0, DPI)
    ax = fig.axes[0]
    assert "1 isolated" in ax.get_title()
    red = [c for c in ax.collections if c.get_label() == "isolated (no edge)"]
    assert len(red) == 1 and np.asarray(red[0].get_offsets()).shape == (1, 2)


def test_a_node_map_can_be_coloured_by_an_attribute(figure: type[Figure], tmp_path: Path) -> None:
    graph = _graph()
    no_gaps = np.zeros(40, dtype=bool)
    fig = plots._node_map(figure, graph, "data", no_gaps, "area_weight", -180.0, DPI)
    bar = fig.axes[1]
    assert bar.get_ylabel() == "area_weight"
    # viridis grows greener with the value: cos(latitude) is largest at the equator
    green: dict[tuple[int, int], float] = {}
    for points in fig.axes[0].collections:
        for lon, lat in np.asarray(points.get_offsets()):
            green[(round(lon), round(lat))] = float(np.asarray(points.get_facecolor())[0, 1])
    assert len(green) == 40
    assert green[(-158, 0)] > green[(-158, 30)] > green[(-158, 60)]
    files = plot_graph(graph, tmp_path, dpi=DPI, nodes=["data"], edges=[], color_by="area_weight")
    assert "coloured by area_weight" in (tmp_path / INDEX_FILE).read_text()
    assert files[0].read_bytes().startswith(PNG_MAGIC)


def test_edge_map_draws_at_most_max_edges_and_says_so(figure: type[Figure]) -> None:
    graph = _graph()
    fig = plots._edge_map(figure, graph, ("data", "to", "hidden"), -180.0, 10)
    ax = fig.axes[0]
    assert "10 of 40 edges shown" in ax.get_title()
    (lines,) = ax.collections
    segments = lines.get_segments()  # type: ignore[attr-defined]
    assert 10 <= len(segments) <= 20  # an edge cut at the antimeridian is two segments
    assert all(abs(s[1, 0] - s[0, 0]) <= 180 for s in segments)
    all_fig = plots._edge_map(figure, graph, ("data", "to", "hidden"), -180.0, 1000)
    assert "all 40 edges shown" in all_fig.axes[0].get_title()


def test_histograms_have_a_panel_per_column_and_for_lengths_and_degrees(
    figure: type[Figure],
) -> None:
    graph = _graph()
    graph.nodes["data"]["mask"] = graph.nodes["data"]["coords"][:, 0] > 0
    fig = plots._edge_histograms(figure, graph, ("data", "to", "hidden"))
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_visible()]
    assert titles == [
        "edge length (km)",
        "in-degree of 'hidden' nodes",
        "out-degree of 'data' nodes",
        "edge_length",
        "edge_dirs[0]",
        "edge_dirs[1]",
        "edge_dirs[2]",
    ]
    fig = plots._node_histograms(figure, graph, "data")
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_visible()]
    assert titles == ["area_weight", "mask"]


def test_rare_outliers_get_a_logarithmic_count_axis(figure: type[Figure]) -> None:
    fig = figure()
    skewed, even = fig.subplots(1, 2)
    plots._histogram(skewed, "area_weight", np.r_[np.full(1000, 0.001), 1.0])
    plots._histogram(even, "edge_length", np.linspace(0.0, 1.0, 1000))
    assert (skewed.get_yscale(), even.get_yscale()) == ("log", "linear")
    assert "max 1" in skewed.get_title()


def test_edge_lengths_are_great_circle_kilometres() -> None:
    graph = Graph(
        nodes={
            "a": {"coords": _coords(np.array([0.0, 0.0]), np.array([179.0, 0.0]))},
            "b": {"coords": _coords(np.array([0.0, 90.0]), np.array([-179.0, 0.0]))},
        },
        edges={("a", "to", "b"): {"edge_index": np.array([[0, 1], [0, 1]])}},
    )
    km = plots._lengths_km(graph, ("a", "to", "b"))
    one_degree = 6371.0 * np.pi / 180
    np.testing.assert_allclose(km, [2 * one_degree, 90 * one_degree], rtol=1e-9)


# --------------------------------------------------------------------------------------------
# Map geometry


def test_a_segment_across_the_antimeridian_is_cut_in_two() -> None:
    segments = plots._segments(
        np.array([170.0, 10.0]),
        np.array([0.0, 0.0]),
        np.array([-170.0, 20.0]),
        np.array([10.0, 5.0]),
        -180.0,
    )
    assert segments.shape == (3, 2, 2)
    np.testing.assert_allclose(segments[0], [[10, 0], [20, 5]])
    np.testing.assert_allclose(segments[1], [[170, 0], [180, 5]])
    np.testing.assert_allclose(segments[2], [[-180, 5], [-170, 10]])


def test_segments_cut_at_the_edge_of_a_0_to_360_map() -> None:
    segments = plots._segments(
        np.array([-10.0]), np.array([0.0]), np.array([10.0]), np.array([-20.0]), 0.0
    )
    np.testing.assert_allclose(segments[0], [[350, 0], [360, -10]])
    np.testing.assert_allclose(segments[1], [[0, -10], [10, -20]])
    # the same edge on a -180..180 map is one segment
    whole = plots._segments(
        np.array([-10.0]), np.array([0.0]), np.array([10.0]), np.array([-20.0]), -180.0
    )
    np.testing.assert_allclose(whole, [[[-10, 0], [10, -20]]])


def test_no_segment_crosses_the_map_for_random_edges() -> None:
    rng = np.random.default_rng(0)
    lon0, lon1 = rng.uniform(-540, 540, (2, 1000))
    lat0, lat1 = rng.uniform(-80, 80, (2, 1000))
    for origin in (-180.0, 0.0):
        segments = plots._segments(lon0, lat0, lon1, lat1, origin)
        lon = segments[:, :, 0]
        assert lon.min() >= origin - 1e-9 and lon.max() <= origin + 360 + 1e-9
        assert np.all(np.abs(lon[:, 1] - lon[:, 0]) <= 180 + 1e-9)
        assert 1000 <= len(segments) <= 2000


def test_an_edge_to_a_pole_follows_the_meridian() -> None:
    segments = plots._segments(
        np.array([0.0]), np.array([90.0]), np.array([135.0]), np.array([60.0]), -180.0
    )
    np.testing.assert_allclose(segments, [[[135, 90], [135, 60]]])


@pytest.mark.parametrize(
    ("lon", "origin"),
    [
        (list(np.arange(-180.0, 180.0, 10.0)), -180.0),  # global
        ([-20.0, 0, 30], -180.0),  # Europe
        ([150.0, 180, -150], 0.0),  # Pacific
        ([160.0, 350.0], -180.0),  # 0..360 would not bring them closer
    ],
)
def test_longitudes_use_0_to_360_only_when_it_keeps_the_nodes_together(
    lon: list[float], origin: float
) -> None:
    lon_array = np.array(lon)
    graph = Graph(nodes={"a": {"coords": _coords(np.zeros_like(lon_array), lon_array)}})
    assert plots._longitude_origin(graph) == origin


def test_a_limited_area_map_zooms_to_its_nodes() -> None:
    west, east, south, north = plots._extent(
        np.array([-10.0, 30.0]), np.array([35.0, 70.0]), -180.0
    )
    assert -14 < west < -10 and 30 < east < 34 and 31 < south < 35 and 70 < north < 74
    assert plots._extent(np.array([-179.0, 179.0]), np.array([-89.0, 89.0]), -180.0) == (
        -180.0,
        180.0,
        -90.0,
        90.0,
    )


def test_subsampling_is_deterministic_bounded_and_unique() -> None:
    first = plots._subsample(1_000_000, 500)
    assert np.array_equal(first, plots._subsample(1_000_000, 500))
    assert len(first) == 500 and len(np.unique(first)) == 500
    assert np.all(np.diff(first) > 0) and first.min() >= 0 and first.max() < 1_000_000
    # spread over the whole range, not the first edges only
    assert first.max() > 900_000 and first.min() < 100_000
    assert np.array_equal(plots._subsample(7, 500), np.arange(7))
