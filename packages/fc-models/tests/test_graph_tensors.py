"""GraphTensors: from a graph file, a HeteroData or flat tensors, and back, with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from fc_models.exceptions import ModelError
from fc_models.graph import GraphTensors
from fc_utils.artifact import write_artifact
from fc_utils.exceptions import ArtifactError

from .tiny_graph import make_graph


def _assert_same(a: GraphTensors, b: GraphTensors) -> None:
    assert a.nodes.keys() == b.nodes.keys()
    assert a.edges.keys() == b.edges.keys()
    for name in a.nodes:
        assert a.nodes[name].keys() == b.nodes[name].keys()
        for attribute, tensor in a.nodes[name].items():
            assert torch.equal(tensor, b.nodes[name][attribute])
    for key in a.edges:
        assert a.edges[key].keys() == b.edges[key].keys()
        for attribute, tensor in a.edges[key].items():
            assert torch.equal(tensor, b.edges[key][attribute])


def _odd_names() -> GraphTensors:
    """Names with the separator and the escape character in them."""
    coords = torch.zeros(3, 2, dtype=torch.float64)
    return GraphTensors(
        nodes={"grid/a%b": {"coords": coords, "w/x": torch.ones(3)}, "mesh": {"coords": coords}},
        edges={
            ("grid/a%b", "to%2F", "mesh"): {
                "edge_index": torch.tensor([[0, 1], [2, 2]]),
                "len": torch.ones(2, 1),
            }
        },
    )


def test_flat_round_trip_keeps_every_tensor() -> None:
    graph = make_graph()
    flat = graph.to_flat()
    assert "graph/nodes/data/coords" in flat
    assert "graph/edges/hidden/to/data/edge_index" in flat
    _assert_same(GraphTensors.from_flat(flat), graph)


def test_flat_names_escape_slashes_and_percent_signs() -> None:
    graph = _odd_names()
    flat = graph.to_flat(prefix="g/")
    assert "g/nodes/grid%2Fa%25b/w%2Fx" in flat
    assert "g/edges/grid%2Fa%25b/to%252F/mesh/edge_index" in flat
    _assert_same(
        GraphTensors.from_flat({**flat, "other/tensor": torch.zeros(1)}, prefix="g/"), graph
    )


def test_from_flat_without_the_prefix_says_so() -> None:
    with pytest.raises(ModelError, match="no tensor name starts with 'graph/'"):
        GraphTensors.from_flat({"weights/x": torch.zeros(1)})


def _write_graph_file(path: Path, graph: GraphTensors) -> Path:
    """A graph file as fc-graphs writes it: the artifact container, kind graph."""
    tensors = {name: t.numpy() for name, t in graph.to_flat(prefix="").items()}
    return write_artifact(path, kind="graph", metadata={"format_version": 1}, tensors=tensors)


def test_graph_file_round_trip(tmp_path: Path) -> None:
    graph = make_graph()
    loaded = GraphTensors.from_graph_file(_write_graph_file(tmp_path / "tiny.graph", graph))
    _assert_same(loaded, graph)


def test_graph_file_written_by_fc_graphs(tmp_path: Path) -> None:
    graph_file = pytest.importorskip("fc_graphs.graph_file")
    graph = make_graph()
    nodes = {n: {a: t.numpy() for a, t in s.items()} for n, s in graph.nodes.items()}
    edges = {k: {a: t.numpy() for a, t in s.items()} for k, s in graph.edges.items()}
    path = graph_file.save_graph(graph_file.Graph(nodes=nodes, edges=edges), tmp_path / "g.graph")
    _assert_same(GraphTensors.from_graph_file(path), graph)


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = write_artifact(tmp_path / "x.ckpt", kind="checkpoint", metadata={}, tensors={})
    with pytest.raises(ArtifactError):
        GraphTensors.from_graph_file(path)


def test_bad_tensor_names_and_shapes_are_listed(tmp_path: Path) -> None:
    tensors = {
        "nodes/data/coords": np.zeros((3, 2)),
        "edges/data/to/data/edge_index": np.array([[0, 5], [1, 2]]),
        "edges/data/to/data/edge_length": np.zeros(3),
    }
    path = write_artifact(tmp_path / "bad.graph", kind="graph", metadata={}, tensors=tensors)
    with pytest.raises(ModelError) as error:
        GraphTensors.from_graph_file(path)
    message = str(error.value)
    assert "edge_index row 0 leaves node set 'data'" in message
    assert "'edge_length' has 3 rows, not 2" in message
    with pytest.raises(ModelError, match="neither nodes/<set>/<attribute>"):
        GraphTensors.from_flat({"graph/nodes/data": torch.zeros(3, 2)})


class _Store(dict):  # type: ignore[type-arg]
    """A HeteroData store: mapping access and a keys() method."""


class _FakeHeteroData:
    """What from_heterodata may use of a torch_geometric HeteroData, and nothing more."""

    def __init__(self, nodes: dict[str, Any], edges: dict[tuple[str, str, str], Any]) -> None:
        self._stores: dict[Any, _Store] = {k: _Store(v) for k, v in {**nodes, **edges}.items()}
        self.node_types = list(nodes)
        self.edge_types = list(edges)

    def __getitem__(self, key: Any) -> _Store:
        return self._stores[key]


def test_from_heterodata_takes_coordinates_from_x_and_drops_edge_attr() -> None:
    graph = make_graph()
    nodes = {name: {"x": s["coords"]} for name, s in graph.nodes.items()}  # Anemoi's layout
    edges = {
        key: {**s, "edge_attr": torch.cat([s["edge_length"][:, None], s["edge_dirs"]], 1)}
        for key, s in graph.edges.items()
    }
    loaded = GraphTensors.from_heterodata(_FakeHeteroData(nodes, edges))
    _assert_same(loaded, graph)


def test_from_heterodata_refuses_other_objects() -> None:
    with pytest.raises(ModelError, match="expected a HeteroData-like graph"):
        GraphTensors.from_heterodata({"data": {}})


def test_missing_sets_and_attributes_are_explained() -> None:
    graph = make_graph()
    with pytest.raises(ModelError, match=r"no node set 'mesh'") as error:
        graph.node_set("mesh")
    assert "data, hidden" in str(error.value)
    with pytest.raises(ModelError, match=r"no edge set data -to-> data") as error:
        graph.edge_set("data", "to", "data")
    assert "hidden -to-> data" in str(error.value)
