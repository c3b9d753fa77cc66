"""Post-processors: removing unconnected nodes and long edges, alone and in a recipe."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from fc_config.recipes.graph import RemoveUnconnectedNodes, RestrictEdgeLength
from fc_graphs.attributes import area_weights
from fc_graphs.build import build_graph
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import EARTH_RADIUS_KM, great_circle_distance, latlon_to_xyz
from fc_graphs.graph_file import Graph
from fc_graphs.nodes import build_nodes
from fc_graphs.postprocess import (
    apply_post_processors,
    connected_nodes,
    remove_unconnected_nodes,
    restrict_edge_length,
    select_nodes,
)


def _coords(latitudes: list[float], longitudes: list[float]) -> npt.NDArray[np.float64]:
    return np.deg2rad(np.stack([latitudes, longitudes], axis=1))


@pytest.fixture
def small() -> Graph:
    """Set ``a`` (5 nodes, 1 and 3 and 4 untouched) and ``b`` (3 nodes), three edge sets."""
    return Graph(
        nodes={
            "a": {
                "coords": _coords([0, 10, 20, 30, 40], [0, 10, 20, 30, 40]),
                "weight": np.arange(5.0),
                "keep": np.array([False, False, False, True, False]),
            },
            "b": {"coords": _coords([0, 5, 10], [100, 100, 100])},
        },
        edges={
            ("a", "to", "b"): {
                "edge_index": np.array([[0, 2, 2], [0, 1, 2]]),
                "edge_length": np.array([1.0, 2.0, 3.0]),
            },
            ("b", "to", "a"): {"edge_index": np.array([[1], [2]])},
            ("b", "to", "b"): {"edge_index": np.array([[0, 1], [1, 0]])},
        },
    )


def _endpoints(graph: Graph, key: tuple[str, str, str]) -> set[tuple[float, ...]]:
    index = graph.edges[key]["edge_index"]
    source, target = graph.nodes[key[0]]["coords"], graph.nodes[key[2]]["coords"]
    return {(*source[s], *target[t]) for s, t in index.T.tolist()}


def test_connected_nodes_counts_sources_and_targets_of_every_edge_set(small: Graph) -> None:
    np.testing.assert_array_equal(connected_nodes(small, "a"), [True, False, True, False, False])
    assert connected_nodes(small, "b").all()


def test_remove_unconnected_renumbers_edges_and_slices_attributes(small: Graph) -> None:
    pruned = remove_unconnected_nodes(small, "a", save_mask_indices_to_attr="kept")
    np.testing.assert_array_equal(pruned.nodes["a"]["kept"], [0, 2])
    assert pruned.nodes["a"]["kept"].dtype == np.int64
    np.testing.assert_array_equal(pruned.nodes["a"]["weight"], [0.0, 2.0])
    np.testing.assert_array_equal(pruned.nodes["a"]["coords"], small.nodes["a"]["coords"][[0, 2]])
    np.testing.assert_array_equal(
        pruned.edges[("a", "to", "b")]["edge_index"], [[0, 1, 1], [0, 1, 2]]
    )
    np.testing.assert_array_equal(pruned.edges[("b", "to", "a")]["edge_index"], [[1], [1]])
    for key in small.edges:  # every edge joins the same points as before
        assert _endpoints(pruned, key) == _endpoints(small, key)
    assert pruned.edges[("b", "to", "b")] is small.edges[("b", "to", "b")]
    assert small.nodes["a"]["weight"].shape == (5,)  # the input graph is unchanged


def test_ignore_keeps_the_masked_nodes(small: Graph) -> None:
    pruned = remove_unconnected_nodes(small, "a", ignore="keep", save_mask_indices_to_attr="i")
    np.testing.assert_array_equal(pruned.nodes["a"]["i"], [0, 2, 3])


def test_ignore_must_be_a_mask_attribute(small: Graph) -> None:
    with pytest.raises(GraphBuildError, match=r"no mask attribute 'kep'.*Did you mean 'keep'"):
        remove_unconnected_nodes(small, "a", ignore="kep")
    with pytest.raises(GraphBuildError, match="no mask attribute 'weight'"):
        remove_unconnected_nodes(small, "a", ignore="weight")


def test_removing_every_node_is_an_error(small: Graph) -> None:
    small.nodes["c"] = {"coords": _coords([0.0], [0.0])}
    with pytest.raises(GraphBuildError, match="would remove all 1 nodes of node set 'c'"):
        remove_unconnected_nodes(small, "c")


def test_saved_indices_do_not_overwrite_an_attribute(small: Graph) -> None:
    with pytest.raises(GraphBuildError, match="already has an attribute 'weight'"):
        remove_unconnected_nodes(small, "a", save_mask_indices_to_attr="weight")


def test_select_nodes_drops_the_edges_of_removed_nodes(small: Graph) -> None:
    result = select_nodes(small, "b", [0, 2])
    np.testing.assert_array_equal(result.edges[("a", "to", "b")]["edge_index"], [[0, 2], [0, 1]])
    np.testing.assert_array_equal(result.edges[("a", "to", "b")]["edge_length"], [1.0, 3.0])
    assert result.edges[("b", "to", "a")]["edge_index"].shape == (2, 0)
    with pytest.raises(GraphBuildError, match="strictly increasing"):
        select_nodes(small, "b", [2, 0])


def _lengths_km(graph: Graph, key: tuple[str, str, str]) -> npt.NDArray[np.float64]:
    index = graph.edges[key]["edge_index"]
    points = {
        name: latlon_to_xyz(*np.rad2deg(graph.nodes[name]["coords"]).T) for name in (key[0], key[2])
    }
    return EARTH_RADIUS_KM * great_circle_distance(
        points[key[0]][index[0]], points[key[2]][index[1]]
    )


def test_restrict_edge_length_keeps_exactly_the_short_edges(small: Graph) -> None:
    key = ("a", "to", "b")
    lengths = _lengths_km(small, key)
    limit = float(np.median(lengths))
    result = restrict_edge_length(small, "a", "b", limit)
    assert _lengths_km(result, key).max() <= limit
    np.testing.assert_array_equal(
        result.edges[key]["edge_length"], small.edges[key]["edge_length"][lengths <= limit]
    )
    assert result.edges[("b", "to", "a")] is small.edges[("b", "to", "a")]


def test_restrict_edge_length_needs_an_edge_set(small: Graph) -> None:
    with pytest.raises(GraphBuildError, match="no edge set goes from 'a' to 'a'"):
        restrict_edge_length(small, "a", "a", 100.0)


def test_saved_indices_compose_over_steps(small: Graph) -> None:
    steps: list[RemoveUnconnectedNodes | RestrictEdgeLength] = [
        RemoveUnconnectedNodes(kind="remove_unconnected_nodes", nodes="a", ignore="keep"),
        RestrictEdgeLength(kind="restrict_edge_length", source="b", target="a", max_length_km=1.0),
        RemoveUnconnectedNodes(
            kind="remove_unconnected_nodes", nodes="a", save_mask_indices_to_attr="i"
        ),
    ]
    result = apply_post_processors(small, steps)
    # first step keeps 0, 2, 3; the b -> a edge is long, so then only 0 and 2 stay connected
    np.testing.assert_array_equal(result.graph.nodes["a"]["i"], [0, 2])
    np.testing.assert_array_equal(result.kept["a"], [0, 2])
    assert "b" not in result.kept


# --- in a recipe -------------------------------------------------------------------------------

GRID_AREA = [70, -30, 20, 50]
MESH_AREA = [60, -10, 30, 30]


def _limited_area(**changes: Any) -> dict[str, Any]:
    """O32 points of a wide box, a level-3 mesh on an inner box, cut-off both ways."""
    cutoff = [{"kind": "cutoff", "cutoff_factor": 0.6}]
    recipe: dict[str, Any] = {
        "nodes": {
            "data": {
                "builder": {"kind": "grid", "grid": "O32", "area": GRID_AREA},
                "attributes": {"area_weight": {"kind": "voronoi", "norm": "unit-max"}},
            },
            "hidden": {"builder": {"kind": "icosahedral", "resolution": 3, "area": MESH_AREA}},
        },
        "edges": [
            {"source": "data", "target": "hidden", "builders": cutoff},
            {
                "source": "hidden",
                "target": "hidden",
                "builders": [{"kind": "multi_scale"}],
                "attributes": {"edge_length": {"norm": "unit-max"}},
            },
            {"source": "hidden", "target": "data", "builders": cutoff},
        ],
        "post_processors": [
            {
                "kind": "remove_unconnected_nodes",
                "nodes": "data",
                "save_mask_indices_to_attr": "idx",
            }
        ],
        "checks": {"unconnected": "error"},
    }
    recipe.update(changes)
    return recipe


@pytest.fixture(scope="module")
def lam() -> Graph:
    return build_graph(_limited_area())


def test_pruned_data_nodes_map_back_to_the_grid(lam: Graph) -> None:
    full = build_nodes("data", {"kind": "grid", "grid": "O32", "area": GRID_AREA})
    idx = lam.nodes["data"]["idx"]
    assert 0 < idx.size < full.size
    coords = lam.nodes["data"]["coords"]
    np.testing.assert_array_equal(coords[:, 0], np.deg2rad(full.latitudes[idx]))
    np.testing.assert_array_equal(coords[:, 1], np.deg2rad(full.longitudes[idx]))
    assert connected_nodes(lam, "data").all()


def test_area_weights_are_those_of_the_built_set_normalised_over_the_kept(lam: Graph) -> None:
    full = build_nodes("data", {"kind": "grid", "grid": "O32", "area": GRID_AREA})
    areas = area_weights(full.xyz, "voronoi")[lam.nodes["data"]["idx"]]
    np.testing.assert_allclose(lam.nodes["data"]["area_weight"], areas / areas.max())


def test_removal_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="fc_graphs.postprocess"):
        build_graph(_limited_area())
    assert (
        "remove_unconnected_nodes: removed" in caplog.text and "of node set 'data'" in caplog.text
    )


def test_restricted_edges_get_attributes_of_the_kept_edges(lam: Graph) -> None:
    recipe = _limited_area()
    recipe["post_processors"].insert(
        0,
        {
            "kind": "restrict_edge_length",
            "source": "hidden",
            "target": "hidden",
            "max_length_km": 1500,
        },
    )
    graph = build_graph(recipe)
    key = ("hidden", "to", "hidden")
    lengths = _lengths_km(graph, key)
    assert lengths.max() <= 1500.0 < _lengths_km(lam, key).max()
    np.testing.assert_allclose(graph.edges[key]["edge_length"], lengths / lengths.max())


def test_restriction_that_empties_an_edge_set_is_an_error() -> None:
    steps = [
        {"kind": "restrict_edge_length", "source": "hidden", "target": "hidden", "max_length_km": 1}
    ]
    with pytest.raises(GraphBuildError, match=r"hidden -to-> hidden have no edge"):
        build_graph(_limited_area(post_processors=steps))


def test_checks_run_after_post_processing() -> None:
    steps = [
        {"kind": "restrict_edge_length", "source": "data", "target": "hidden", "max_length_km": 60}
    ]
    with pytest.raises(
        GraphBuildError, match="nodes of node set 'hidden' receive no edge of data -to-> hidden"
    ):
        build_graph(_limited_area(post_processors=steps))
