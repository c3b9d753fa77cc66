"""The graph file: node and edge sets with their attributes, recipe and content hash.

A graph is stored in the fc artifact container (:mod:`fc_utils.artifact`: one zip file with JSON
metadata and safetensors, written atomically, never unpickled), of kind ``graph``. Its metadata
follows :class:`fc_config.metadata.GraphMetadata`, so that ``fc-graphs inspect`` and a checkpoint
can tell what a graph holds without loading its tensors.

Tensors are named

``nodes/<set>/coords``
    The node coordinates, ``[n, 2]`` (latitude, longitude) in radians.
``nodes/<set>/<attribute>``
    A node attribute, first dimension ``n``.
``edges/<source>/<name>/<target>/edge_index``
    The edges, ``int64 [2, E]``: row 0 indexes the source node set, row 1 the target one.
``edges/<source>/<name>/<target>/<attribute>``
    An edge attribute, first dimension ``E``.

Each name part is percent-encoded before it is joined: ``%`` becomes ``%25`` and ``/`` becomes
``%2F`` (nothing else changes), so that a set or attribute name containing ``/`` cannot be
mistaken for a separator and every tensor name decodes to exactly one part list.

The content hash (:func:`content_hash`) covers the arrays and the recipe; it identifies the graph
a model was trained with, independently of the order in which dictionaries were filled.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fc_config.errors import validate
from fc_config.exceptions import ConfigError
from fc_config.metadata.graph import GRAPH_FORMAT_VERSION, GraphMetadata
from fc_graphs.exceptions import CorruptGraphError, GraphError
from fc_utils.artifact import Artifact, read_artifact, read_metadata, write_artifact
from fc_utils.exceptions import ArtifactError
from fc_utils.provenance import gather_provenance

if TYPE_CHECKING:
    from torch_geometric.data import HeteroData

__all__ = [
    "EdgeKey",
    "Graph",
    "content_hash",
    "load_graph",
    "load_heterodata",
    "read_graph_metadata",
    "save_graph",
    "to_heterodata",
    "validate_graph_file",
]

_LOG = logging.getLogger(__name__)

#: (source node set, edge set name, target node set).
EdgeKey = tuple[str, str, str]

_KIND = "graph"
_COORDS = "coords"
_EDGE_INDEX = "edge_index"
#: Attribute names that would clash with what :func:`to_heterodata` sets on the stores.
_RESERVED_NODE = frozenset({"x"})
_RESERVED_EDGE = frozenset({"edge_attr"})
#: Latitudes and longitudes beyond these (radians) mean degrees were given.
_MAX_LAT = math.pi / 2 + 1e-6
_MAX_LON = 2 * math.pi + 1e-6


@dataclass
class Graph:
    """A graph in memory: node sets, edge sets, the recipe that built it and its dataset.

    Plain numpy arrays, so that building, saving and inspecting a graph needs no torch;
    :func:`to_heterodata` turns it into what the models consume.

    Attributes
    ----------
    nodes
        Node sets by name; each maps ``coords`` (float ``[n, 2]``, latitude and longitude in
        radians) and any attributes (first dimension ``n``, e.g. ``area_weight``) to arrays.
    edges
        Edge sets by ``(source, name, target)``; each maps ``edge_index`` (int64 ``[2, E]``) and
        any attributes (first dimension ``E``, e.g. ``edge_length``) to arrays.
    recipe
        The graph recipe that built the graph, as JSON-compatible data.
    dataset_uuid
        ``uuid`` of the dataset whose grid the data nodes come from, or ``None``.
    """

    nodes: dict[str, dict[str, np.ndarray]]
    edges: dict[EdgeKey, dict[str, np.ndarray]] = field(default_factory=dict)
    recipe: dict[str, Any] = field(default_factory=dict)
    dataset_uuid: str | None = None


# --------------------------------------------------------------------------------------------
# Content hash


def content_hash(graph: Graph) -> str:
    """Return ``sha256:<hex>`` identifying the graph's arrays and recipe.

    The digest covers, in sorted order of names, the name, dtype (little-endian), shape and
    bytes of every array, then the recipe as canonical JSON (sorted keys, no spaces). It does
    not depend on dictionary insertion order, and changes when any value, dtype or shape does.
    ``dataset_uuid`` is not part of it: the same graph built for two copies of a dataset is the
    same graph.

    Raises
    ------
    GraphError
        If the recipe is not JSON-serialisable.
    """
    digest = hashlib.sha256()

    def feed(text: str) -> None:
        data = text.encode()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)

    def feed_array(name: str, array: np.ndarray) -> None:
        canonical = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        feed(name)
        feed(canonical.dtype.str)
        feed(json.dumps(list(canonical.shape)))
        data = canonical.tobytes()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)

    for set_name in sorted(graph.nodes):
        for attribute, array in sorted(graph.nodes[set_name].items()):
            feed_array(_tensor_name(("nodes", set_name, attribute)), np.asarray(array))
    for key in sorted(graph.edges):
        for attribute, array in sorted(graph.edges[key].items()):
            feed_array(_tensor_name(("edges", *key, attribute)), np.asarray(array))
    feed(_canonical_json(graph.recipe))
    return f"sha256:{digest.hexdigest()}"


def _canonical_json(document: Any) -> str:
    try:
        return json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise GraphError(
            f"the graph recipe cannot be stored as JSON: {exc}.",
            hint="Pass the recipe as plain data, e.g. GraphRecipe.model_dump(mode='json').",
        ) from exc


# --------------------------------------------------------------------------------------------
# Tensor names


def _encode_part(part: str) -> str:
    return part.replace("%", "%25").replace("/", "%2F")


def _tensor_name(parts: tuple[str, ...]) -> str:
    return "/".join(_encode_part(part) for part in parts)


# --------------------------------------------------------------------------------------------
# Checks


def _structure_problems(graph: Graph) -> list[str]:
    """Everything wrong with the graph's structure and values, one sentence each."""
    problems: list[str] = []
    if not graph.nodes:
        problems.append("the graph has no node set")
    counts: dict[str, int] = {}
    for set_name, arrays in graph.nodes.items():
        where = f"node set {set_name!r}"
        if not isinstance(set_name, str) or not set_name:
            problems.append(f"{where}: node set names must be non-empty strings")
            continue
        coords = arrays.get(_COORDS)
        if coords is None:
            problems.append(f"{where} has no {_COORDS!r} array")
            continue
        if (
            not isinstance(coords, np.ndarray)
            or coords.ndim != 2
            or coords.shape[1] != 2
            or coords.dtype.kind != "f"
        ):
            problems.append(
                f"{where}: coords must be a float array [n, 2] (lat, lon), "
                f"got {coords.dtype} {list(coords.shape)}"
            )
            continue
        count = counts[set_name] = coords.shape[0]
        if count == 0:
            problems.append(f"{where} has no nodes")
        elif not np.isfinite(coords).all():
            problems.append(f"{where}: coords hold NaN or infinity")
        elif np.abs(coords[:, 0]).max() > _MAX_LAT or np.abs(coords[:, 1]).max() > _MAX_LON:
            problems.append(f"{where}: coords exceed ±π/2 (lat) or ±2π (lon); are they degrees?")
        problems += _attribute_problems(where, arrays, count, _COORDS, _RESERVED_NODE)
    for key, arrays in graph.edges.items():
        where = f"edge set {key}"
        if not (isinstance(key, tuple) and len(key) == 3 and all(isinstance(k, str) for k in key)):
            problems.append(f"{where}: edge sets are keyed by (source, name, target) strings")
            continue
        if not key[1]:
            problems.append(f"{where}: the edge set name is empty")
        missing = [end for end in (key[0], key[2]) if end not in graph.nodes]
        if missing:
            problems.append(f"{where} refers to node set(s) {missing} that the graph lacks")
        index = arrays.get(_EDGE_INDEX)
        if index is None:
            problems.append(f"{where} has no {_EDGE_INDEX!r} array")
            continue
        if (
            not isinstance(index, np.ndarray)
            or index.ndim != 2
            or index.shape[0] != 2
            or index.dtype != np.int64
        ):
            problems.append(
                f"{where}: edge_index must be int64 [2, E], got {index.dtype} {list(index.shape)}"
            )
            continue
        for row, end in enumerate((key[0], key[2])):
            if end in counts and index.shape[1] > 0:
                low, high = int(index[row].min()), int(index[row].max())
                if low < 0 or high >= counts[end]:
                    problems.append(
                        f"{where}: edge_index row {row} spans [{low}, {high}], out of range for "
                        f"node set {end!r} of {counts[end]} nodes"
                    )
        problems += _attribute_problems(where, arrays, index.shape[1], _EDGE_INDEX, _RESERVED_EDGE)
    if graph.dataset_uuid is not None:
        try:
            uuid.UUID(str(graph.dataset_uuid))
        except ValueError:
            problems.append(f"dataset_uuid {graph.dataset_uuid!r} is not a UUID")
    return problems


def _attribute_problems(
    where: str, arrays: Mapping[str, np.ndarray], count: int, own: str, reserved: frozenset[str]
) -> list[str]:
    problems: list[str] = []
    for name, array in arrays.items():
        if name == own:
            continue
        if not isinstance(name, str) or not name or name in reserved:
            problems.append(f"{where}: attribute name {name!r} is empty or reserved")
        elif not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
            problems.append(f"{where}: attribute {name!r} is not a numeric numpy array")
        elif array.ndim == 0 or array.shape[0] != count:
            problems.append(
                f"{where}: attribute {name!r} has shape {list(array.shape)}, "
                f"expected first dimension {count}"
            )
        elif array.dtype.kind == "f" and np.isnan(array).any():
            problems.append(f"{where}: attribute {name!r} holds NaN")
    return problems


def _raise_problems(problems: list[str], what: str, error: type[GraphError] = GraphError) -> None:
    if problems:
        raise error(
            f"{what}: " + "; ".join(problems) + ".",
            hint="Rebuild the graph with fc-graphs.",
        )


# --------------------------------------------------------------------------------------------
# Saving


def _metadata_document(
    graph: Graph, graph_hash: str, provenance: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "kind": _KIND,
        "format_version": GRAPH_FORMAT_VERSION,
        "nodes": {
            name: {"count": int(arrays[_COORDS].shape[0]), "attributes": _attrs(arrays, _COORDS)}
            for name, arrays in graph.nodes.items()
        },
        "edges": [
            {
                "source": source,
                "name": name,
                "target": target,
                "count": int(arrays[_EDGE_INDEX].shape[1]),
                "attributes": _attrs(arrays, _EDGE_INDEX),
            }
            for (source, name, target), arrays in graph.edges.items()
        ],
        "recipe": json.loads(_canonical_json(graph.recipe)),
        "hash": graph_hash,
        "dataset_uuid": graph.dataset_uuid,
        "provenance": dict(provenance),
    }


def _attrs(arrays: Mapping[str, np.ndarray], own: str) -> list[str]:
    return [name for name in arrays if name != own]


def save_graph(
    graph: Graph, path: str | Path, *, provenance: Mapping[str, Any] | None = None
) -> Path:
    """Write ``graph`` to a graph file atomically and return its path.

    The graph is checked first (coordinates, edge indices within their node sets, attribute
    lengths, no NaN) and its metadata validated against :class:`GraphMetadata`, so that a bad
    graph fails here rather than at training time.

    Parameters
    ----------
    graph
        The graph to store.
    path
        Destination file (conventionally ``*.graph``); its directory must exist.
    provenance
        The provenance record; gathered with :func:`fc_utils.provenance.gather_provenance`
        when not given.

    Raises
    ------
    GraphError
        If the graph is inconsistent or its recipe is not JSON data.
    ConfigError
        If the metadata does not validate.
    ArtifactError
        If the file cannot be written.
    """
    _raise_problems(_structure_problems(graph), "cannot save the graph")
    graph_hash = content_hash(graph)
    document = _metadata_document(
        graph, graph_hash, provenance if provenance is not None else gather_provenance()
    )
    metadata = validate(GraphMetadata, document, source="graph metadata")
    tensors: dict[str, np.ndarray] = {}
    for set_name, arrays in graph.nodes.items():
        for attribute, array in arrays.items():
            tensors[_tensor_name(("nodes", set_name, attribute))] = array
    for key, arrays in graph.edges.items():
        for attribute, array in arrays.items():
            tensors[_tensor_name(("edges", *key, attribute))] = array
    written = write_artifact(
        path, kind=_KIND, metadata=metadata.model_dump(mode="json"), tensors=tensors
    )
    _LOG.info("wrote graph %s (%s)", written, graph_hash)
    return written


# --------------------------------------------------------------------------------------------
# Loading


def read_graph_metadata(path: str | Path) -> GraphMetadata:
    """Return the validated metadata of a graph file without loading its tensors.

    Raises
    ------
    ArtifactError
        If the file is missing, corrupt or not a graph file.
    ConfigError
        If the metadata does not validate.
    FormatVersionError
        If the file was written in a newer format; upgrade fc-graphs to read it.
    """
    document = read_metadata(path, kind=_KIND)
    return validate(GraphMetadata, document, source=f"metadata of {str(path)!r}")


def _decode(artifact: Artifact, path: str | Path) -> tuple[Graph, GraphMetadata, list[str]]:
    """The graph described by an artifact, its metadata, and disagreements between the two."""
    metadata = validate(GraphMetadata, artifact.metadata, source=f"metadata of {str(path)!r}")
    tensors = dict(artifact.tensors)
    problems: list[str] = []

    def take(parts: tuple[str, ...]) -> np.ndarray | None:
        array = tensors.pop(_tensor_name(parts), None)
        if array is None:
            problems.append(f"tensor {'/'.join(parts)!r} listed in the metadata is missing")
        return array

    nodes: dict[str, dict[str, np.ndarray]] = {}
    for set_name, info in metadata.nodes.items():
        arrays = nodes[set_name] = {}
        for attribute in (_COORDS, *info.attributes):
            if (array := take(("nodes", set_name, attribute))) is not None:
                arrays[attribute] = array
    edges: dict[EdgeKey, dict[str, np.ndarray]] = {}
    for edge in metadata.edges:
        key = (edge.source, edge.name, edge.target)
        arrays = edges[key] = {}
        for attribute in (_EDGE_INDEX, *edge.attributes):
            if (array := take(("edges", *key, attribute))) is not None:
                arrays[attribute] = array
        index = arrays.get(_EDGE_INDEX)
        if index is not None and index.ndim == 2 and index.shape[1] != edge.count:
            problems.append(
                f"edge set {key} has {index.shape[1]} edges, metadata says {edge.count}"
            )
    for set_name, info in metadata.nodes.items():
        coords = nodes[set_name].get(_COORDS)
        if coords is not None and coords.ndim == 2 and coords.shape[0] != info.count:
            problems.append(
                f"node set {set_name!r} has {coords.shape[0]} nodes, metadata says {info.count}"
            )
    if tensors:
        problems.append(f"tensors {sorted(tensors)} are not listed in the metadata")
    graph = Graph(
        nodes=nodes,
        edges=edges,
        recipe=dict(metadata.recipe),
        dataset_uuid=str(metadata.dataset_uuid) if metadata.dataset_uuid else None,
    )
    return graph, metadata, problems


def _hash_problem(graph: Graph, metadata: GraphMetadata) -> str | None:
    actual = content_hash(graph)
    if actual != metadata.hash:
        return (
            f"the content hash {actual} does not match the hash {metadata.hash} stored in the "
            "metadata: the graph was altered after it was written"
        )
    return None


def load_graph(path: str | Path) -> Graph:
    """Read a graph file, checking its checksums, structure and content hash.

    Nothing is unpickled. The recomputed :func:`content_hash` must equal the stored one, so
    a graph whose arrays or recipe were changed after writing is refused.

    Raises
    ------
    ArtifactError
        If the file is missing, corrupt (a checksum fails) or not a graph file.
    ConfigError
        If the metadata does not validate.
    FormatVersionError
        If the file was written in a newer format; upgrade fc-graphs to read it.
    GraphError
        If the tensors disagree with the metadata, are inconsistent, or the hash differs.
    """
    artifact = read_artifact(path, kind=_KIND)
    graph, metadata, problems = _decode(artifact, path)
    problems += _structure_problems(graph)
    if not problems and (mismatch := _hash_problem(graph, metadata)):
        problems.append(mismatch)
    _raise_problems(problems, f"graph file {str(path)!r} is invalid", CorruptGraphError)
    _LOG.debug("loaded graph %s (%s)", path, metadata.hash)
    return graph


def validate_graph_file(path: str | Path) -> list[str]:
    """Return what is wrong with a graph file, one sentence each; empty when it is sound.

    Checks that the file is a readable graph artifact with valid checksums and metadata, that
    the tensors match the metadata, that edge indices lie within their node sets, that no
    attribute holds NaN, and that the content hash matches.

    Raises
    ------
    FormatVersionError
        If the file was written in a newer format: this installation cannot judge it, and
        upgrading fc-graphs is the fix, so this is not reported as a problem of the file.
    """
    try:
        artifact = read_artifact(path, kind=_KIND)
    except ArtifactError as exc:
        return [str(exc)]
    try:
        graph, metadata, problems = _decode(artifact, path)
    except ConfigError as exc:
        return [str(exc)]
    problems += _structure_problems(graph)
    if not problems:
        try:
            mismatch = _hash_problem(graph, metadata)
        except GraphError as exc:
            return [str(exc)]
        if mismatch:
            problems.append(mismatch)
    return problems


# --------------------------------------------------------------------------------------------
# torch_geometric


def to_heterodata(graph: Graph) -> HeteroData:
    """Build the :class:`torch_geometric.data.HeteroData` the models consume.

    Each node store gets ``x`` and ``coords`` (the same tensor of coordinates in radians) and
    every attribute under its own name; each edge store gets ``edge_index``, every attribute
    under its own name and ``edge_attr``, the attributes concatenated along the last dimension
    in stored order (absent when the edge set has no attribute). torch and torch_geometric are
    imported here only, so that building and inspecting graphs does not pay for them.
    """
    import torch
    from torch_geometric.data import HeteroData

    data = HeteroData()
    for set_name, arrays in graph.nodes.items():
        store = data[set_name]
        for attribute, array in arrays.items():
            store[attribute] = torch.from_numpy(np.array(array))
        store["x"] = store[_COORDS]
    for key, arrays in graph.edges.items():
        store = data[key]
        attributes = []
        for attribute, array in arrays.items():
            tensor = torch.from_numpy(np.array(array))
            store[attribute] = tensor
            if attribute != _EDGE_INDEX:
                attributes.append(tensor.reshape(tensor.shape[0], -1))
        if attributes:
            store["edge_attr"] = torch.cat(attributes, dim=1)
    return data


def load_heterodata(path: str | Path) -> HeteroData:
    """Read a graph file (see :func:`load_graph`) straight into a ``HeteroData``."""
    return to_heterodata(load_graph(path))
