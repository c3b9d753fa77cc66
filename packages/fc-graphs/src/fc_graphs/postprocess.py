"""Post-processors: steps that prune a built graph, in the order of the recipe.

``remove_unconnected_nodes`` (Anemoi's ``RemoveUnconnectedNodes``)
    Drops the nodes of a set that no edge touches, as source or target of any edge set: the
    grid points of a generous cut-out that no mesh node reaches, say. Nodes where an ``ignore``
    mask attribute is true are kept anyway. Every edge set touching the set is renumbered and
    every node attribute sliced; ``save_mask_indices_to_attr`` stores which nodes were kept, so
    that training and inference can select the same points of the data.
``restrict_edge_length`` (Anemoi's ``RestrictEdgeLength``)
    Drops the edges from ``source`` to ``target`` longer than ``max_length_km`` (great circle
    on a sphere of radius :data:`EARTH_RADIUS_KM`), slicing every edge attribute.

The functions work on a :class:`~fc_graphs.graph_file.Graph`'s arrays and return a new graph
that shares the arrays they did not change. :func:`fc_graphs.build.build_graph` runs them on the
edges before computing the edge attributes, so that normalised attributes describe the edges
that are kept (Anemoi recomputes them after a step for the same reason).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from fc_config.recipes.graph import RemoveUnconnectedNodes, RestrictEdgeLength
from fc_config.suggest import did_you_mean
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import EARTH_RADIUS_KM, great_circle_distance, latlon_to_xyz
from fc_graphs.graph_file import EdgeKey, Graph

__all__ = [
    "PostProcessed",
    "apply_post_processors",
    "connected_nodes",
    "remove_unconnected_nodes",
    "restrict_edge_length",
    "select_nodes",
]

logger = logging.getLogger(__name__)

#: Mean Earth radius (IUGG), the one Anemoi's ``RestrictEdgeLength`` uses too.

_COORDS = "coords"
_EDGE_INDEX = "edge_index"


@dataclass(frozen=True)
class PostProcessed:
    """What :func:`apply_post_processors` returns.

    Attributes
    ----------
    graph
        The post-processed graph.
    kept
        For each node set a step pruned, the sorted ``int64`` indices, among the input graph's
        nodes of that set, of the nodes kept (node ``i`` of the result is ``kept[i]`` of the
        input); sets no step pruned are absent.
    """

    graph: Graph
    kept: dict[str, npt.NDArray[np.int64]]


def apply_post_processors(
    graph: Graph, steps: Sequence[RemoveUnconnectedNodes | RestrictEdgeLength]
) -> PostProcessed:
    """Run the recipe's post-processors in order.

    ``save_mask_indices_to_attr`` stores, for each kept node, its index in the node set as the
    input graph has it (when several steps prune the same set, the composition of their
    selections), so the indices map back to the node set as its builder made it.

    Raises
    ------
    GraphBuildError
        If a step names a node set, edge set or mask attribute the graph does not have, or
        would remove every node of a set.
    """
    kept: dict[str, npt.NDArray[np.int64]] = {}
    for step in steps:
        if isinstance(step, RestrictEdgeLength):
            graph = restrict_edge_length(graph, step.source, step.target, step.max_length_km)
            continue
        keep = connected_nodes(graph, step.nodes) | _ignored(graph, step.nodes, step.ignore)
        selected = _selection(graph, step.nodes, keep)
        graph = select_nodes(graph, step.nodes, selected)
        if step.nodes in kept:
            selected = kept[step.nodes][selected]
        kept[step.nodes] = selected
        if step.save_mask_indices_to_attr is not None:
            graph = _with_attribute(graph, step.nodes, step.save_mask_indices_to_attr, selected)
    return PostProcessed(graph=graph, kept=kept)


def remove_unconnected_nodes(
    graph: Graph,
    nodes: str,
    *,
    ignore: str | None = None,
    save_mask_indices_to_attr: str | None = None,
) -> Graph:
    """Drop the nodes of set ``nodes`` that no edge touches, except where ``ignore`` is true.

    Parameters
    ----------
    graph
        The graph; it is not changed.
    nodes
        The node set to prune.
    ignore
        Name of a boolean node attribute of the set (a ``mask``): its true nodes are kept.
    save_mask_indices_to_attr
        Name of a new ``int64`` node attribute that stores, for each kept node, its index in
        ``graph``.

    Returns
    -------
    Graph
        The graph with the set's unconnected nodes removed, every edge set that touches the set
        renumbered and every attribute of the set sliced.

    Raises
    ------
    GraphBuildError
        If the set or the ``ignore`` attribute does not exist, the new attribute's name is
        taken, or every node of the set would be removed.
    """
    keep = connected_nodes(graph, nodes) | _ignored(graph, nodes, ignore)
    selected = _selection(graph, nodes, keep)
    result = select_nodes(graph, nodes, selected)
    if save_mask_indices_to_attr is not None:
        result = _with_attribute(result, nodes, save_mask_indices_to_attr, selected)
    return result


def connected_nodes(graph: Graph, nodes: str) -> npt.NDArray[np.bool_]:
    """Which nodes of set ``nodes`` an edge touches, as source or target of any edge set."""
    touched = np.zeros(_size(graph, nodes), dtype=bool)
    for (source, _, target), arrays in graph.edges.items():
        index = arrays[_EDGE_INDEX]
        if source == nodes:
            touched[index[0]] = True
        if target == nodes:
            touched[index[1]] = True
    return touched


def select_nodes(graph: Graph, nodes: str, kept: npt.ArrayLike) -> Graph:
    """Keep only the nodes ``kept`` of set ``nodes``, renumbered in their order.

    Every attribute of the set is sliced; in every edge set touching the set, the indices are
    renumbered and the edges from or to a removed node dropped, with their attributes.

    Parameters
    ----------
    graph
        The graph; it is not changed.
    nodes
        The node set.
    kept
        Strictly increasing indices of the nodes to keep.

    Raises
    ------
    GraphBuildError
        If the set does not exist or ``kept`` is not strictly increasing within the set.
    """
    size = _size(graph, nodes)
    index = np.asarray(kept)
    if (
        index.ndim != 1
        or (index.size and not np.issubdtype(index.dtype, np.integer))
        or (index.size and (index[0] < 0 or index[-1] >= size or np.any(np.diff(index) <= 0)))
    ):
        raise GraphBuildError(
            f"the nodes to keep of node set {nodes!r} must be strictly increasing indices "
            f"between 0 and {size - 1}."
        )
    index = index.astype(np.int64, copy=False)
    if index.size == size:
        return graph
    position = np.full(size, -1, dtype=np.int64)
    position[index] = np.arange(index.size, dtype=np.int64)
    node_arrays = {key: array[index] for key, array in graph.nodes[nodes].items()}
    edges = dict(graph.edges)
    for key, arrays in graph.edges.items():
        ends = [row for row, end in ((0, key[0]), (1, key[2])) if end == nodes]
        if ends:
            edges[key] = _renumbered(arrays, ends, position)
    return replace(graph, nodes={**graph.nodes, nodes: node_arrays}, edges=edges)


def restrict_edge_length(graph: Graph, source: str, target: str, max_length_km: float) -> Graph:
    """Drop the edges from ``source`` to ``target`` longer than ``max_length_km``.

    Every edge set from ``source`` to ``target`` (whatever its name) is restricted, and its
    attributes sliced. Lengths are great-circle distances on a sphere of radius
    :data:`EARTH_RADIUS_KM`; an edge exactly ``max_length_km`` long is kept.

    Raises
    ------
    GraphBuildError
        If no edge set goes from ``source`` to ``target`` or the limit is not positive.
    """
    limit = float(max_length_km)
    if not (np.isfinite(limit) and limit > 0.0):
        raise GraphBuildError(f"max_length_km must be a positive number, got {max_length_km!r}.")
    keys = [key for key in graph.edges if key[0] == source and key[2] == target]
    if not keys:
        raise GraphBuildError(
            f"restrict_edge_length: no edge set goes from {source!r} to {target!r}; name the "
            "source and target of one of the edge sets."
        )
    source_xyz, target_xyz = _xyz(graph, source), _xyz(graph, target)
    edges = dict(graph.edges)
    for key in keys:
        arrays = graph.edges[key]
        index = arrays[_EDGE_INDEX]
        lengths = EARTH_RADIUS_KM * great_circle_distance(
            source_xyz[index[0]], target_xyz[index[1]]
        )
        keep = lengths <= limit
        removed = int(keep.size - np.count_nonzero(keep))
        logger.info(
            "restrict_edge_length: removed %d of %d edges of %s longer than %g km",
            removed,
            keep.size,
            _label(key),
            limit,
        )
        if removed:
            edges[key] = {
                name: np.ascontiguousarray(array[:, keep] if name == _EDGE_INDEX else array[keep])
                for name, array in arrays.items()
            }
    return replace(graph, edges=edges)


def _size(graph: Graph, nodes: str) -> int:
    """The number of nodes of a set, or an error naming the sets."""
    if nodes not in graph.nodes:
        raise GraphBuildError(
            f"the graph has no node set {nodes!r}; it has {', '.join(graph.nodes)}."
            + did_you_mean(nodes, graph.nodes)
        )
    return int(graph.nodes[nodes][_COORDS].shape[0])


def _ignored(graph: Graph, nodes: str, ignore: str | None) -> npt.NDArray[np.bool_]:
    """The ``ignore`` mask attribute of a set (all false without one)."""
    size = _size(graph, nodes)
    if ignore is None:
        return np.zeros(size, dtype=bool)
    masks = [
        key
        for key, array in graph.nodes[nodes].items()
        if array.dtype == np.bool_ and array.shape == (size,)
    ]
    if ignore not in masks:
        raise GraphBuildError(
            f"remove_unconnected_nodes: node set {nodes!r} has no mask attribute {ignore!r} to "
            f"ignore; its mask attributes are {', '.join(masks) or 'none'}."
            + did_you_mean(ignore, masks)
        )
    return np.asarray(graph.nodes[nodes][ignore])


def _selection(graph: Graph, nodes: str, keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """The indices where ``keep`` is true, refusing to remove every node; logs the count."""
    selected = np.flatnonzero(keep).astype(np.int64)
    if selected.size == 0:
        raise GraphBuildError(
            f"remove_unconnected_nodes would remove all {keep.size} nodes of node set "
            f"{nodes!r}: no edge touches them. Add an edge set from or to {nodes!r}, or an "
            "ignore mask for the nodes to keep."
        )
    logger.info(
        "remove_unconnected_nodes: removed %d of %d nodes of node set %r",
        keep.size - selected.size,
        keep.size,
        nodes,
    )
    return selected


def _renumbered(
    arrays: dict[str, np.ndarray], rows: list[int], position: npt.NDArray[np.int64]
) -> dict[str, np.ndarray]:
    """An edge set with the ``rows`` of its index renumbered by ``position`` (−1: removed)."""
    index = arrays[_EDGE_INDEX]
    new_rows = [position[index[row]] if row in rows else index[row] for row in (0, 1)]
    keep = np.ones(index.shape[1], dtype=bool)
    for row in rows:
        keep &= new_rows[row] >= 0
    result = {_EDGE_INDEX: np.stack(new_rows)}
    if keep.all():
        return {**arrays, **result}
    result = {_EDGE_INDEX: np.ascontiguousarray(result[_EDGE_INDEX][:, keep])}
    return {**{k: v[keep] for k, v in arrays.items() if k != _EDGE_INDEX}, **result}


def _with_attribute(graph: Graph, nodes: str, name: str, values: npt.NDArray[np.int64]) -> Graph:
    """The graph with a new node attribute; refuses to overwrite one."""
    if name in graph.nodes[nodes]:
        raise GraphBuildError(
            f"save_mask_indices_to_attr: node set {nodes!r} already has an attribute {name!r}; "
            "choose another name."
        )
    arrays = {**graph.nodes[nodes], name: np.ascontiguousarray(values, dtype=np.int64)}
    return replace(graph, nodes={**graph.nodes, nodes: arrays})


def _xyz(graph: Graph, nodes: str) -> npt.NDArray[np.float64]:
    """Unit vectors of a node set, from its ``coords`` (radians)."""
    _size(graph, nodes)
    coords = np.rad2deg(np.asarray(graph.nodes[nodes][_COORDS], dtype=np.float64))
    return latlon_to_xyz(coords[:, 0], coords[:, 1])


def _label(key: EdgeKey) -> str:
    return f"{key[0]} -{key[1]}-> {key[2]}"
