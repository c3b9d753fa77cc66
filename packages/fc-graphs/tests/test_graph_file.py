"""Tests of the graph file: round trip, content hash, integrity checks and HeteroData."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fc_config.exceptions import FormatVersionError
from fc_config.metadata.graph import GRAPH_FORMAT_VERSION, GraphMetadata
from fc_graphs.exceptions import CorruptGraphError, GraphError
from fc_graphs.graph_file import (
    Graph,
    content_hash,
    load_graph,
    load_heterodata,
    read_graph_metadata,
    save_graph,
    validate_graph_file,
)
from fc_utils.artifact import read_artifact, write_artifact
from fc_utils.exceptions import ArtifactError

_PROVENANCE: dict[str, Any] = {
    "created": "2026-01-01T00:00:00Z",
    "python": "3.11.7",
    "platform": "Linux-test",
}
_UUID = "12345678-1234-5678-1234-567812345678"


def _graph() -> Graph:
    rng = np.random.default_rng(0)
    data_coords = np.stack([rng.uniform(-1.5, 1.5, 6), rng.uniform(0, 6.2, 6)], axis=1).astype(
        np.float32
    )
    hidden_coords = np.stack([rng.uniform(-1.5, 1.5, 4), rng.uniform(0, 6.2, 4)], axis=1)
    encoder = np.array([[0, 1, 2, 3, 4, 5], [0, 0, 1, 2, 3, 3]], dtype=np.int64)
    processor = np.array([[0, 1, 2, 3], [1, 2, 3, 0]], dtype=np.int64)
    return Graph(
        nodes={
            "data": {"coords": data_coords, "area_weight": rng.random(6).astype(np.float32)},
            "hidden": {"coords": hidden_coords},
        },
        edges={
            ("data", "to", "hidden"): {
                "edge_index": encoder,
                "edge_length": rng.random((6, 1)).astype(np.float32),
                "edge_dirs": rng.random((6, 2)).astype(np.float32),
            },
            ("hidden", "to", "hidden"): {"edge_index": processor},
        },
        recipe={"nodes": {"data": {"grid": "o96"}}, "edges": [{"source": "data"}]},
        dataset_uuid=_UUID,
    )


def _assert_same(a: Graph, b: Graph) -> None:
    assert a.nodes.keys() == b.nodes.keys() and a.edges.keys() == b.edges.keys()
    for name in a.nodes:
        assert a.nodes[name].keys() == b.nodes[name].keys()
        for attr, array in a.nodes[name].items():
            other = b.nodes[name][attr]
            assert array.dtype == other.dtype and array.tobytes() == other.tobytes()
    for key in a.edges:
        assert list(a.edges[key]) == list(b.edges[key])
        for attr, array in a.edges[key].items():
            other = b.edges[key][attr]
            assert array.dtype == other.dtype and array.shape == other.shape
            assert array.tobytes() == other.tobytes()
    assert a.recipe == b.recipe and a.dataset_uuid == b.dataset_uuid


def test_round_trip_is_bit_identical(tmp_path: Path) -> None:
    graph = _graph()
    path = save_graph(graph, tmp_path / "g.graph", provenance=_PROVENANCE)
    loaded = load_graph(path)
    _assert_same(graph, loaded)
    assert content_hash(loaded) == content_hash(graph)
    assert validate_graph_file(path) == []


def test_metadata_describes_graph_and_validates(tmp_path: Path) -> None:
    graph = _graph()
    path = save_graph(graph, tmp_path / "g.graph", provenance=_PROVENANCE)
    metadata = read_graph_metadata(path)
    assert isinstance(metadata, GraphMetadata)
    assert metadata.format_version == GRAPH_FORMAT_VERSION
    assert metadata.hash == content_hash(graph)
    assert str(metadata.dataset_uuid) == _UUID
    assert metadata.nodes["data"].count == 6
    assert metadata.nodes["data"].attributes == ["area_weight"]
    encoder = next(e for e in metadata.edges if e.source == "data")
    assert (encoder.name, encoder.target, encoder.count) == ("to", "hidden", 6)
    assert encoder.attributes == ["edge_length", "edge_dirs"]
    assert metadata.recipe == graph.recipe
    raw = read_artifact(path).metadata
    GraphMetadata.model_validate(raw)


def test_default_provenance_is_gathered(tmp_path: Path) -> None:
    path = save_graph(_graph(), tmp_path / "g.graph")
    assert read_graph_metadata(path).provenance.python.startswith("3.")


def test_hash_ignores_insertion_order() -> None:
    graph = _graph()
    shuffled = Graph(
        nodes={n: dict(reversed(a.items())) for n, a in reversed(graph.nodes.items())},
        edges={k: dict(reversed(a.items())) for k, a in reversed(graph.edges.items())},
        recipe={"edges": graph.recipe["edges"], "nodes": graph.recipe["nodes"]},
        dataset_uuid=None,
    )
    assert content_hash(shuffled) == content_hash(graph)


@pytest.mark.parametrize(
    "change",
    ["value", "dtype", "shape", "recipe", "rename"],
)
def test_hash_changes_with_any_content_change(change: str) -> None:
    graph = _graph()
    before = content_hash(graph)
    weights = graph.nodes["data"]["area_weight"]
    if change == "value":
        weights[3] = np.nextafter(weights[3], np.float32(2))
    elif change == "dtype":
        graph.nodes["data"]["area_weight"] = weights.astype(np.float64)
    elif change == "shape":
        graph.nodes["data"]["area_weight"] = weights.reshape(6, 1)
    elif change == "recipe":
        graph.recipe["nodes"]["data"]["grid"] = "n320"
    else:
        graph.nodes["data"]["weight"] = graph.nodes["data"].pop("area_weight")
    assert content_hash(graph) != before


def test_names_with_slashes_round_trip(tmp_path: Path) -> None:
    graph = _graph()
    graph.nodes["a/b%2F"] = graph.nodes.pop("hidden")
    graph.edges = {
        ("data", "to/x", "a/b%2F"): graph.edges[("data", "to", "hidden")],
    }
    graph.nodes["data"]["w/1"] = graph.nodes["data"].pop("area_weight")
    loaded = load_graph(save_graph(graph, tmp_path / "g.graph", provenance=_PROVENANCE))
    _assert_same(graph, loaded)


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    path = save_graph(_graph(), tmp_path / "g.graph", provenance=_PROVENANCE)
    blob = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("tensors.safetensors")
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
    blob[offset + info.file_size - 3] ^= 0xFF  # flip a byte of the last tensor
    path.write_bytes(bytes(blob))
    with pytest.raises(ArtifactError):
        load_graph(path)
    assert validate_graph_file(path)


def _rewrite(path: Path, tmp_path: Path, **changes: Any) -> Path:
    """Write the artifact again with consistent checksums but changed metadata or tensors."""
    artifact = read_artifact(path)
    metadata = {**artifact.metadata, **changes.get("metadata", {})}
    tensors = {**artifact.tensors, **changes.get("tensors", {})}
    return write_artifact(
        tmp_path / "changed.graph", kind="graph", metadata=metadata, tensors=tensors
    )


def test_hash_mismatch_is_a_graph_error(tmp_path: Path) -> None:
    graph = _graph()
    path = save_graph(graph, tmp_path / "g.graph", provenance=_PROVENANCE)
    weights = graph.nodes["data"]["area_weight"] + 1
    changed = _rewrite(path, tmp_path, tensors={"nodes/data/area_weight": weights})
    with pytest.raises(CorruptGraphError, match="hash") as caught:
        load_graph(changed)
    assert caught.value.exit_code == 5  # what `describe`, `inspect` and `validate` exit with
    assert any("hash" in problem for problem in validate_graph_file(changed))


def test_out_of_range_edge_index_is_found(tmp_path: Path) -> None:
    path = save_graph(_graph(), tmp_path / "g.graph", provenance=_PROVENANCE)
    bad = np.array([[0, 1, 2, 3], [1, 2, 3, 4]], dtype=np.int64)
    changed = _rewrite(path, tmp_path, tensors={"edges/hidden/to/hidden/edge_index": bad})
    problems = validate_graph_file(changed)
    assert any("out of range" in p and "'hidden'" in p for p in problems)
    with pytest.raises(GraphError, match="out of range"):
        load_graph(changed)


def test_save_refuses_inconsistent_graph(tmp_path: Path) -> None:
    graph = _graph()
    graph.edges[("data", "to", "hidden")]["edge_index"][1, 0] = 9
    graph.nodes["data"]["area_weight"][0] = np.nan
    with pytest.raises(GraphError, match="out of range") as info:
        save_graph(graph, tmp_path / "g.graph", provenance=_PROVENANCE)
    assert "NaN" in str(info.value)
    assert not (tmp_path / "g.graph").exists()


def test_nan_attribute_is_found(tmp_path: Path) -> None:
    path = save_graph(_graph(), tmp_path / "g.graph", provenance=_PROVENANCE)
    lengths = np.full((6, 1), np.nan, dtype=np.float32)
    changed = _rewrite(path, tmp_path, tensors={"edges/data/to/hidden/edge_length": lengths})
    assert any("NaN" in problem for problem in validate_graph_file(changed))


def test_other_artifact_and_invalid_metadata_are_reported(tmp_path: Path) -> None:
    other = write_artifact(tmp_path / "x.ckpt", kind="checkpoint", metadata={"a": 1})
    assert "graph" in validate_graph_file(other)[0]
    path = save_graph(_graph(), tmp_path / "g.graph", provenance=_PROVENANCE)
    changed = _rewrite(path, tmp_path, metadata={"nodes": {}})
    assert validate_graph_file(changed)


def test_newer_format_raises_format_version_error(tmp_path: Path) -> None:
    path = save_graph(_graph(), tmp_path / "g.graph", provenance=_PROVENANCE)
    changed = _rewrite(path, tmp_path, metadata={"format_version": GRAPH_FORMAT_VERSION + 1})
    with pytest.raises(FormatVersionError):
        load_graph(changed)
    with pytest.raises(FormatVersionError):
        validate_graph_file(changed)


def test_load_never_unpickles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = _graph()
    path = save_graph(graph, tmp_path / "g.graph", provenance=_PROVENANCE)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pickle used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    _assert_same(graph, load_graph(path))


@pytest.mark.slow
def test_heterodata_holds_the_graph(tmp_path: Path) -> None:
    graph = _graph()
    data = load_heterodata(save_graph(graph, tmp_path / "g.graph", provenance=_PROVENANCE))
    assert set(data.node_types) == {"data", "hidden"}
    assert data["data"].num_nodes == 6
    np.testing.assert_array_equal(data["data"].x.numpy(), graph.nodes["data"]["coords"])
    np.testing.assert_array_equal(
        data["data"].area_weight.numpy(), graph.nodes["data"]["area_weight"]
    )
    encoder = data["data", "to", "hidden"]
    np.testing.assert_array_equal(
        encoder.edge_index.numpy(), graph.edges[("data", "to", "hidden")]["edge_index"]
    )
    assert tuple(encoder.edge_attr.shape) == (6, 3)
    assert "edge_attr" not in data["hidden", "to", "hidden"]
