"""Assemble a graph from a recipe: node sets, their attributes, edge sets and the checks.

:func:`build_graph` is what ``fc-graphs create`` runs. It reads a
:class:`~fc_config.recipes.graph.GraphRecipe` and calls the builders of :mod:`fc_graphs.nodes`,
:mod:`fc_graphs.edges`, :mod:`fc_graphs.meshes` and :mod:`fc_graphs.attributes` in order, so that
every numerical choice lives in one of those modules and this one only decides which to call:

``knn``
    Each target node is joined to its ``k`` nearest source nodes (with ``reverse``, each source
    to its ``k`` nearest targets).
``cutoff``
    Each target is joined to every source within ``cutoff_factor ×`` a reference length. The
    reference is the longest mesh edge (:func:`~fc_graphs.edges.reference_edge_length`) of the
    icosahedral side: the target's mesh when the target is one (an encoder grid → mesh), else
    the source's (a decoder mesh → grid). When neither side is a mesh, the set with fewer
    nodes is the coarser one and its reference is the longest distance from one of its nodes
    to its nearest neighbour, the same "typical spacing" a mesh edge stands for.
``multi_scale``
    GraphCast's multi-mesh on an icosahedral set, to itself
    (:func:`~fc_graphs.meshes.multi_mesh_edges`), or the mesh edges of ``scale_resolutions``.
``containing_triangle``
    Each target point to the three corners of the source mesh triangle that contains it.

The edges of all builders of one edge set are merged (duplicates removed). Coordinates are
stored in radians as ``coords`` ``[n, 2]`` (latitude, longitude), as the graph file expects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fc_config.errors import load_config, validate
from fc_config.recipes.graph import (
    AreaWeightAttribute,
    ContainingTriangleEdges,
    CutoffEdges,
    EdgeBuilder,
    EdgeSet,
    GraphRecipe,
    KnnEdges,
    MultiScaleEdges,
    NodeAttribute,
)
from fc_graphs.attributes import area_weights, edge_direction, edge_length, normalise
from fc_graphs.edges import (
    containing_triangle_edges,
    knn_edges,
    radius_edges,
    reference_edge_length,
    reverse,
    unconnected,
)
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.graph_file import EdgeKey, Graph
from fc_graphs.meshes import mesh_edges, multi_mesh_edges, refined_meshes
from fc_graphs.nodes import NodeSet, build_nodes

__all__ = ["build_graph", "load_recipe"]

logger = logging.getLogger(__name__)

#: How many indices of unconnected nodes a message shows.
_SHOWN = 5


def load_recipe(recipe: GraphRecipe | Mapping[str, Any] | str | Path) -> GraphRecipe:
    """Return ``recipe`` as a validated :class:`GraphRecipe`.

    Parameters
    ----------
    recipe
        A recipe object, the mapping it is read from, or the path of a YAML/JSON file.

    Raises
    ------
    ConfigError
        If the file cannot be read or the recipe does not validate (every problem is named).
    """
    if isinstance(recipe, GraphRecipe):
        return recipe
    if isinstance(recipe, str | Path):
        return load_config(GraphRecipe, recipe)
    return validate(GraphRecipe, dict(recipe), source="graph recipe")


def build_graph(
    recipe: GraphRecipe | Mapping[str, Any] | str | Path, *, dataset_uuid: str | None = None
) -> Graph:
    """Build the graph a recipe describes.

    Parameters
    ----------
    recipe
        A :class:`GraphRecipe`, the mapping it is read from, or the path of a YAML/JSON file.
    dataset_uuid
        ``uuid`` of the dataset whose grid the data nodes are, kept in the graph so that a
        training run can tell a graph built for another dataset.

    Returns
    -------
    Graph
        Node sets (``coords`` in radians and the attributes), edge sets (``edge_index`` and the
        attributes), the recipe as JSON data and ``dataset_uuid``.

    Raises
    ------
    ConfigError
        If the recipe does not validate.
    GraphBuildError
        If a builder fails, an edge set is empty, a feature of the recipe is not supported yet
        (node masks, post-processors), or nodes receive no edge and ``checks.unconnected`` is
        ``error``.
    """
    valid = load_recipe(recipe)
    if valid.post_processors:
        kinds = sorted({step.kind for step in valid.post_processors})
        raise GraphBuildError(
            f"post-processors ({', '.join(kinds)}) are not supported yet; remove "
            "post_processors from the recipe."
        )
    started = time.perf_counter()
    node_sets: dict[str, NodeSet] = {}
    nodes: dict[str, dict[str, np.ndarray]] = {}
    for name, spec in valid.nodes.items():
        with _stage(f"node set {name!r}"):
            node_set = build_nodes(name, spec.builder)
            node_sets[name] = node_set
            coords = np.deg2rad(np.stack([node_set.latitudes, node_set.longitudes], axis=1))
            arrays: dict[str, np.ndarray] = {"coords": coords}
            for key, attribute in spec.attributes.items():
                arrays[key] = _node_attribute(name, key, attribute, node_set)
            nodes[name] = arrays
    edges: dict[EdgeKey, dict[str, np.ndarray]] = {}
    for edge_set in valid.edges:
        edge_key: EdgeKey = (edge_set.source, edge_set.name, edge_set.target)
        with _stage(f"edge set {_label(edge_key)}"):
            edges[edge_key] = _edge_set(edge_set, node_sets)
    _check(valid, edges, node_sets)
    logger.info(
        "built the graph in %.2f s: %d node set(s), %d edge set(s), %d edges",
        time.perf_counter() - started,
        len(nodes),
        len(edges),
        sum(arrays["edge_index"].shape[1] for arrays in edges.values()),
    )
    return Graph(
        nodes=nodes,
        edges=edges,
        recipe=valid.model_dump(mode="json"),
        dataset_uuid=dataset_uuid,
    )


@contextmanager
def _stage(what: str) -> Iterator[None]:
    """Log how long a stage of the build took."""
    started = time.perf_counter()
    yield
    logger.info("%s built in %.2f s", what, time.perf_counter() - started)


def _label(key: EdgeKey) -> str:
    return f"{key[0]} -{key[1]}-> {key[2]}"


def _node_attribute(
    set_name: str, key: str, attribute: NodeAttribute, node_set: NodeSet
) -> npt.NDArray[np.float64]:
    """One attribute of a node set (area weights; masks are not supported yet)."""
    if not isinstance(attribute, AreaWeightAttribute):
        raise GraphBuildError(
            f"node set {set_name!r}: attribute {key!r} of kind {attribute.kind!r} (a dataset "
            "variable) is not supported yet; remove it, and any source_mask/target_mask using it."
        )
    if attribute.kind == "uniform":
        return normalise(np.ones(node_set.size), attribute.norm)
    return area_weights(node_set.xyz, attribute.kind, normalisation=attribute.norm)


def _edge_set(edge_set: EdgeSet, node_sets: Mapping[str, NodeSet]) -> dict[str, np.ndarray]:
    """The edges of all builders of an edge set, merged, and its attributes."""
    source, target = node_sets[edge_set.source], node_sets[edge_set.target]
    parts = [_builder_edges(builder, source, target) for builder in edge_set.builders]
    index = parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts, axis=1), axis=1)
    index = np.ascontiguousarray(index, dtype=np.int64)
    arrays: dict[str, np.ndarray] = {"edge_index": index}
    if index.shape[1] == 0:
        return arrays  # reported by _check, which knows the whole graph
    for key, attribute in edge_set.attributes.items():
        function = edge_length if attribute.kind == "edge_length" else edge_direction
        arrays[key] = function(index, source.xyz, target.xyz, normalisation=attribute.norm)
    return arrays


def _builder_edges(builder: EdgeBuilder, source: NodeSet, target: NodeSet) -> np.ndarray:
    """The edges ``[2, E]`` (source, target) of one builder."""
    if builder.source_mask is not None or builder.target_mask is not None:
        raise GraphBuildError(
            f"edges {source.name} -> {target.name}: source_mask/target_mask are not supported "
            "yet; remove them."
        )
    if isinstance(builder, MultiScaleEdges):
        return _multi_scale(builder, source)
    if isinstance(builder, ContainingTriangleEdges):
        if builder.reverse:
            raise GraphBuildError(
                f"edges {source.name} -> {target.name}: containing_triangle edges cannot be "
                "reversed (each target point has one containing triangle); remove reverse."
            )
        if source.mesh is None:
            raise GraphBuildError(
                f"edges {source.name} -> {target.name}: containing_triangle needs a triangular "
                f"mesh as source, and {source.name!r} has none."
            )
        return containing_triangle_edges(source.mesh, target.xyz)
    # knn and cutoff search from the targets; with reverse, from the sources
    near, far = (target, source) if builder.reverse else (source, target)
    if isinstance(builder, KnnEdges):
        found = knn_edges(near.xyz, far.xyz, builder.num_nearest_neighbours)
    else:
        radius = builder.cutoff_factor * _reference_length(builder, source, target)
        found = radius_edges(near.xyz, far.xyz, min(radius, np.pi))
    return reverse(found) if builder.reverse else found


def _reference_length(builder: CutoffEdges, source: NodeSet, target: NodeSet) -> float:
    """The length ``cutoff_factor`` multiplies (see the module documentation)."""
    for side in (target, source):
        if side.mesh is not None:
            length = reference_edge_length(side.xyz, mesh_edges(side.mesh.faces))
            logger.debug("cutoff: reference length %.5f rad of mesh %r", length, side.name)
            return length
    coarser = min((source, target), key=lambda side: side.size)
    if coarser.size < 2:
        raise GraphBuildError(
            f"cutoff edges {source.name} -> {target.name}: node set {coarser.name!r} has a "
            "single node, so it has no spacing to scale; use knn edges."
        )
    pairs = knn_edges(coarser.xyz, coarser.xyz, 2)
    pairs = pairs[:, pairs[0] != pairs[1]]
    return reference_edge_length(coarser.xyz, pairs)


def _multi_scale(builder: MultiScaleEdges, mesh_set: NodeSet) -> np.ndarray:
    """GraphCast's multi-mesh, or the union of the chosen levels' mesh edges."""
    mesh = mesh_set.mesh
    if mesh is None or mesh_set.size != len(refined_meshes(mesh.level)[-1].vertices):
        raise GraphBuildError(
            f"multi_scale edges on {mesh_set.name!r} need a whole icosahedral mesh; an area-"
            "limited mesh is not supported yet, use knn or cutoff edges instead."
        )
    if builder.scale_resolutions is None:
        return multi_mesh_edges(mesh.level, x_hops=builder.x_hops)
    if builder.x_hops != 1:
        raise GraphBuildError(
            f"multi_scale edges on {mesh_set.name!r}: x_hops > 1 with scale_resolutions is "
            "not supported yet; use x_hops: 1 or leave scale_resolutions out."
        )
    meshes = refined_meshes(mesh.level)
    parts = [mesh_edges(meshes[level].faces) for level in sorted(set(builder.scale_resolutions))]
    return np.unique(np.concatenate(parts, axis=1), axis=1).astype(np.int64)


def _check(
    recipe: GraphRecipe,
    edges: Mapping[EdgeKey, Mapping[str, np.ndarray]],
    node_sets: Mapping[str, NodeSet],
) -> None:
    """Refuse empty edge sets; warn or refuse (``checks.unconnected``) nodes left unreached."""
    empty = [_label(key) for key, arrays in edges.items() if arrays["edge_index"].shape[1] == 0]
    if empty:
        raise GraphBuildError(
            f"edge set(s) {', '.join(empty)} have no edge; check the builders' settings (a "
            "larger cutoff_factor, or masks that keep nodes on both sides)."
        )
    problems: list[str] = []
    for key, arrays in edges.items():
        n_target = node_sets[key[2]].size
        _, lonely = unconnected(arrays["edge_index"], node_sets[key[0]].size, n_target)
        if lonely.size:
            shown = ", ".join(str(i) for i in lonely[:_SHOWN])
            more = ", ..." if lonely.size > _SHOWN else ""
            problems.append(
                f"{lonely.size} of {n_target} nodes of node set {key[2]!r} receive no edge of "
                f"{_label(key)} (indices {shown}{more})"
            )
    if not problems:
        return
    message = "; ".join(problems)
    if recipe.checks.unconnected == "error":
        raise GraphBuildError(
            f"unconnected nodes: {message}.",
            hint="Increase cutoff_factor (or num_nearest_neighbours), or set "
            "checks.unconnected: warn to accept them.",
        )
    logger.warning("unconnected nodes: %s; increase cutoff_factor to connect them", message)
