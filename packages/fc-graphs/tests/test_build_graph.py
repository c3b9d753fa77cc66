"""Building graphs from recipes: GraphCast-like and KNN-decoder graphs, and the checks."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from fc_config.exceptions import ConfigError
from fc_graphs.build import build_graph
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.graph_file import Graph
from fc_graphs.meshes import mesh_edges, multi_mesh_edges, refined_meshes

GRAPHCAST_LIKE = """
description: GraphCast-like graph on O32 with a level-3 multi-mesh
nodes:
  data:
    builder: {kind: grid, grid: O32}
    attributes: {area_weight: {kind: voronoi, norm: unit-max}}
  hidden:
    builder: {kind: icosahedral, resolution: 3}
edges:
  - source: data
    target: hidden
    builders: [{kind: cutoff, cutoff_factor: 0.6}]
    attributes: {edge_length: {norm: unit-max}, edge_dirs: {norm: unit-std}}
  - source: hidden
    target: hidden
    builders: [{kind: multi_scale, x_hops: 1}]
    attributes: {edge_length: {norm: unit-max}, edge_dirs: {norm: unit-std}}
  - source: hidden
    target: data
    builders: [{kind: containing_triangle}]
    attributes: {edge_length: {norm: unit-max}, edge_dirs: {norm: unit-std}}
"""

KNN_DECODER = GRAPHCAST_LIKE.replace(
    "builders: [{kind: containing_triangle}]", "builders: [{kind: knn, num_nearest_neighbours: 3}]"
)

LEVEL = 3


def _recipe(text: str) -> dict[str, Any]:
    document = yaml.safe_load(text)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def graphcast() -> Graph:
    return build_graph(_recipe(GRAPHCAST_LIKE), dataset_uuid="3f2b8c1e-0000-4000-8000-000000000001")


@pytest.fixture(scope="module")
def knn_graph() -> Graph:
    return build_graph(_recipe(KNN_DECODER))


def _in_degree(graph: Graph, key: tuple[str, str, str]) -> np.ndarray:
    index = graph.edges[key]["edge_index"]
    return np.bincount(index[1], minlength=graph.nodes[key[2]]["coords"].shape[0])


@pytest.mark.parametrize("name", ["graphcast", "knn_graph"])
def test_counts_are_consistent(name: str, request: pytest.FixtureRequest) -> None:
    graph: Graph = request.getfixturevalue(name)
    n_data = graph.nodes["data"]["coords"].shape[0]
    assert n_data == 5248  # O32: sum of 4i + 16 over i = 1..32, times 2
    assert graph.nodes["hidden"]["coords"].shape == (10 * 4**LEVEL + 2, 2)
    processor = graph.edges[("hidden", "to", "hidden")]["edge_index"]
    assert processor.shape[1] == multi_mesh_edges(LEVEL).shape[1]
    assert graph.edges[("hidden", "to", "data")]["edge_index"].shape == (2, 3 * n_data)


@pytest.mark.parametrize("name", ["graphcast", "knn_graph"])
def test_every_data_and_hidden_node_is_reached(name: str, request: pytest.FixtureRequest) -> None:
    graph: Graph = request.getfixturevalue(name)
    assert (_in_degree(graph, ("hidden", "to", "data")) == 3).all()
    assert _in_degree(graph, ("data", "to", "hidden")).min() >= 1


def test_attributes_coordinates_recipe_and_uuid_are_stored(graphcast: Graph) -> None:
    data = graphcast.nodes["data"]
    assert data["area_weight"].shape == (data["coords"].shape[0],)
    assert data["area_weight"].max() == pytest.approx(1.0)
    assert np.abs(data["coords"][:, 0]).max() <= np.pi / 2  # radians, not degrees
    for key, arrays in graphcast.edges.items():
        n_edges = arrays["edge_index"].shape[1]
        assert arrays["edge_index"].dtype == np.int64
        assert arrays["edge_length"].shape == (n_edges,), key
        assert arrays["edge_length"].max() == pytest.approx(1.0)
        assert arrays["edge_dirs"].shape[0] == n_edges
    assert graphcast.recipe["nodes"]["data"]["builder"]["grid"] == "O32"
    assert graphcast.dataset_uuid == "3f2b8c1e-0000-4000-8000-000000000001"


def test_recipe_file_builds_the_same_graph(tmp_path: Path, knn_graph: Graph) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(KNN_DECODER, encoding="utf-8")
    graph = build_graph(path)
    for key, arrays in knn_graph.edges.items():
        np.testing.assert_array_equal(graph.edges[key]["edge_index"], arrays["edge_index"])


def _tiny_cutoff(check: str) -> dict[str, Any]:
    return {
        "nodes": {
            "data": {"builder": {"kind": "healpix", "nside": 4}},
            "hidden": {"builder": {"kind": "icosahedral", "resolution": 2}},
        },
        "edges": [
            {
                "source": "data",
                "target": "hidden",
                "builders": [{"kind": "cutoff", "cutoff_factor": 0.3}],
            }
        ],
        "checks": {"unconnected": check},
    }


def test_unconnected_error_names_the_node_set() -> None:
    with pytest.raises(GraphBuildError, match="node set 'hidden' receive no edge"):
        build_graph(_tiny_cutoff("error"))


def test_unconnected_warn_logs_and_builds(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fc_graphs.build"):
        graph = build_graph(_tiny_cutoff("warn"))
    assert ("data", "to", "hidden") in graph.edges
    assert "nodes of node set 'hidden' receive no edge" in caplog.text


def test_empty_edge_set_is_an_error() -> None:
    recipe = _tiny_cutoff("warn")
    recipe["edges"][0]["builders"][0]["cutoff_factor"] = 0.001
    with pytest.raises(GraphBuildError, match="have no edge"):
        build_graph(recipe)


def test_invalid_recipe_is_a_config_error() -> None:
    recipe = _tiny_cutoff("warn")
    recipe["edges"][0]["target"] = "hiden"
    with pytest.raises(ConfigError, match="hidden"):
        build_graph(recipe)


def _processor(builder: dict[str, Any], **mesh: Any) -> Graph:
    return build_graph(
        {
            "nodes": {"hidden": {"builder": {"kind": "icosahedral", "resolution": 3, **mesh}}},
            "edges": [{"source": "hidden", "target": "hidden", "builders": [builder]}],
        }
    )


def _coordinate_pairs(graph: Graph) -> set[tuple[float, ...]]:
    coords = graph.nodes["hidden"]["coords"]
    index = graph.edges[("hidden", "to", "hidden")]["edge_index"]
    return {(*coords[s], *coords[t]) for s, t in index.T.tolist()}


@pytest.mark.parametrize(
    "builder", [{"kind": "multi_scale"}, {"kind": "multi_scale", "scale_resolutions": [1, 3]}]
)
def test_area_limited_multi_scale_is_the_global_multi_mesh_between_kept_nodes(
    builder: dict[str, Any],
) -> None:
    limited = _processor(builder, area=[90, 0, 0, 360])
    full = _processor(builder)
    north = full.nodes["hidden"]["coords"][:, 0] >= -1e-9
    index = full.edges[("hidden", "to", "hidden")]["edge_index"]
    inside = index[:, north[index[0]] & north[index[1]]]
    coords = full.nodes["hidden"]["coords"]
    expected = {(*coords[s], *coords[t]) for s, t in inside.T.tolist()}
    assert _coordinate_pairs(limited) == expected
    assert limited.nodes["hidden"]["coords"].shape[0] == int(north.sum())


def _within(level: int, hops: int, finest: int) -> set[tuple[int, int]]:
    """Brute force: pairs at most ``hops`` mesh edges apart on one level, finest numbering."""
    edges = mesh_edges(refined_meshes(finest)[level].faces)
    n = 10 * 4**level + 2
    adjacency = np.zeros((n, n), dtype=bool)
    adjacency[edges[0], edges[1]] = True
    reach = adjacency.copy()
    for _ in range(hops - 1):
        reach = reach | ((reach.astype(int) @ adjacency.astype(int)) > 0)
    np.fill_diagonal(reach, False)
    return set(zip(*(a.tolist() for a in np.nonzero(reach)), strict=True))


def test_x_hops_with_scale_resolutions_joins_nodes_within_hops_on_each_level() -> None:
    graph = _processor({"kind": "multi_scale", "x_hops": 2, "scale_resolutions": [1, 2]})
    index = graph.edges[("hidden", "to", "hidden")]["edge_index"]
    found = set(zip(index[0].tolist(), index[1].tolist(), strict=True))
    assert found == _within(1, 2, 3) | _within(2, 2, 3)
    assert found > _within(2, 1, 3)


def test_multi_scale_without_scale_resolutions_keeps_graphcast_counts() -> None:
    graph = _processor({"kind": "multi_scale"})
    assert (
        graph.edges[("hidden", "to", "hidden")]["edge_index"].shape[1]
        == multi_mesh_edges(3).shape[1]
    )


HEXAGONAL = """
nodes:
  data: {builder: {kind: grid, grid: O16}}
  hidden: {builder: {kind: icosahedral, shape: hexagons, resolution: 1}}
edges:
  - {source: data, target: hidden, builders: [{kind: cutoff, cutoff_factor: 0.7}]}
  - {source: hidden, target: hidden, builders: [{kind: multi_scale, x_hops: 1}]}
  - {source: hidden, target: data, builders: [{kind: knn, num_nearest_neighbours: 3}]}
checks: {unconnected: error}
"""


def test_hexagonal_meshes_build_with_their_multi_scale_edges() -> None:
    pytest.importorskip("h3")
    from fc_graphs.meshes import hexagonal_edges, hexagonal_nodes

    graph = build_graph(yaml.safe_load(HEXAGONAL))
    latitudes, longitudes = hexagonal_nodes(1)
    np.testing.assert_allclose(
        graph.nodes["hidden"]["coords"], np.deg2rad(np.stack([latitudes, longitudes], axis=1))
    )
    assert len(latitudes) == 842
    processor = graph.edges[("hidden", "to", "hidden")]["edge_index"]
    np.testing.assert_array_equal(processor, hexagonal_edges(1))
    # the encoder's cut-off scales with the H3 spacing: every cell receives grid points
    encoder = graph.edges[("data", "to", "hidden")]["edge_index"]
    assert np.unique(encoder[1]).size == 842


def test_an_area_limited_hexagonal_mesh_keeps_the_multi_scale_edges_inside() -> None:
    pytest.importorskip("h3")
    from fc_graphs.meshes import hexagonal_edges, hexagonal_nodes

    recipe = yaml.safe_load(HEXAGONAL)
    recipe["nodes"]["hidden"]["builder"]["area"] = [70, -20, 30, 40]
    recipe["checks"] = {"unconnected": "warn"}
    graph = build_graph(recipe)
    latitudes, longitudes = hexagonal_nodes(1)
    inside = (latitudes <= 70) & (latitudes >= 30) & ((longitudes >= -20) & (longitudes <= 40))
    kept = np.flatnonzero(inside)
    assert graph.nodes["hidden"]["coords"].shape[0] == kept.size
    full = hexagonal_edges(1)
    both = inside[full[0]] & inside[full[1]]
    renumber = np.full(latitudes.size, -1)
    renumber[kept] = np.arange(kept.size)
    expected = renumber[full[:, both]]
    processor = graph.edges[("hidden", "to", "hidden")]["edge_index"]
    assert {tuple(e) for e in processor.T} == {tuple(e) for e in expected.T}


def test_hexagons_finer_than_h3_resolution_6_are_refused_by_the_recipe() -> None:
    recipe = yaml.safe_load(HEXAGONAL)
    recipe["nodes"]["hidden"]["builder"]["resolution"] = 7
    with pytest.raises(ConfigError, match="too fine for hexagons"):
        build_graph(recipe)
