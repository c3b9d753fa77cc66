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
from fc_graphs.meshes import multi_mesh_edges

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
