"""Assemble a graph from a recipe: node sets, edge sets, post-processors, attributes, checks.

:func:`build_graph` is what ``fc-graphs create`` runs. It reads a
:class:`~fc_config.recipes.graph.GraphRecipe` and calls the builders of :mod:`fc_graphs.nodes`,
:mod:`fc_graphs.edges`, :mod:`fc_graphs.meshes`, :mod:`fc_graphs.masks`,
:mod:`fc_graphs.postprocess` and :mod:`fc_graphs.attributes` in order, so that every numerical
choice lives in one of those modules and this one only decides which to call:

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
    (:func:`~fc_graphs.meshes.multi_mesh_edges`), or the mesh edges of ``scale_resolutions``
    (with ``x_hops > 1``, every pair of nodes at most ``x_hops`` edges apart on each of those
    levels). On a mesh limited by an area or a mask, the edges of the global mesh between the
    nodes kept: the long edges of the coarse levels stay as long as both ends are in the area.
``containing_triangle``
    Each target point to the three corners of the source mesh triangle that contains it.

``source_mask`` / ``target_mask`` name a mask attribute of a side: only its true nodes take part
in the search (a k-nearest search finds the k nearest *masked* nodes), and the edges keep the
indices of the whole node sets. For ``multi_scale`` and for the sources of
``containing_triangle`` (whose triangles are fixed) the edges from or to other nodes are dropped.

The edges of all builders of one edge set are merged (duplicates removed). Coordinates are
stored in radians as ``coords`` ``[n, 2]`` (latitude, longitude), as the graph file expects.

Order of the steps, and why
---------------------------
1. Node sets, and their attributes' raw values: masks, and area weights computed on the set as
   its builder made it, since a node's share of the sphere does not change when a
   post-processor drops other nodes (a Voronoi diagram of the pruned nodes would give the
   nodes at the border of a pruned region the area of everything beyond it).
2. Edge sets, which need the mask attributes.
3. Post-processors, in recipe order; they slice the node attributes and renumber the edges.
4. The checks (empty edge sets, unconnected nodes) on the graph as it will be written.
5. Normalisation of the node attributes (``unit-max``, ``unit-sum`` ...) over the nodes kept,
   so that the weights a model uses are normalised over the nodes it sees; and the edge
   attributes, computed on the edges kept, so that a normalised edge length is still at most 1
   after ``restrict_edge_length``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fc_config.errors import load_config, validate
from fc_config.recipes.graph import (
    AreaWeightAttribute,
    ContainingTriangleEdges,
    CutoffEdges,
    DatasetNodes,
    EdgeBuilder,
    EdgeSet,
    GraphRecipe,
    KnnEdges,
    MultiScaleEdges,
    NodeAttribute,
    NodeBuilder,
)
from fc_graphs.attributes import area_weights, edge_direction, edge_length, normalise
from fc_graphs.edges import (
    apply_masks,
    containing_triangle_edges,
    knn_edges,
    radius_edges,
    reference_edge_length,
    reverse,
    unconnected,
)
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import latlon_to_xyz
from fc_graphs.graph_file import EdgeKey, Graph
from fc_graphs.meshes import (
    hexagonal_edges,
    hexagonal_mesh_edges,
    hexagonal_nodes,
    mesh_edges,
    multi_mesh_edges,
    refined_meshes,
    within_hops,
)
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

    Node attributes are computed on the node sets as their builders made them and normalised
    over the nodes the post-processors keep; edge attributes are computed after the
    post-processors, on the edges kept (see the module documentation for why).

    Parameters
    ----------
    recipe
        A :class:`GraphRecipe`, the mapping it is read from, or the path of a YAML/JSON file.
    dataset_uuid
        ``uuid`` of the dataset whose grid the data nodes are, kept in the graph so that a
        training run can tell a graph built for another dataset. Leave it out to take the
        ``uuid`` of the dataset a ``dataset`` node builder reads.

    Relative paths in a recipe read from a file (datasets, coordinate files, mask datasets)
    are resolved against the recipe's folder, as fc-datasets does; the graph keeps the recipe
    as written.

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
        If a builder, mask or post-processor fails, an edge set is empty, or nodes receive no
        edge and ``checks.unconnected`` is ``error``.
    """
    from fc_graphs.postprocess import apply_post_processors

    valid = load_recipe(recipe)
    written = valid.model_dump(mode="json")
    if isinstance(recipe, str | Path):
        valid = _resolve_paths(valid, Path(recipe).parent)
    dataset_uuid = _dataset_uuid(valid, dataset_uuid)
    started = time.perf_counter()
    node_sets: dict[str, NodeSet] = {}
    nodes: dict[str, dict[str, np.ndarray]] = {}
    xyz: dict[str, npt.NDArray[np.float64]] = {}
    for name, spec in valid.nodes.items():
        with _stage(f"node set {name!r}"):
            node_set = build_nodes(name, spec.builder)
            node_sets[name] = node_set
            xyz[name] = node_set.xyz
            coords = np.deg2rad(np.stack([node_set.latitudes, node_set.longitudes], axis=1))
            arrays: dict[str, np.ndarray] = {"coords": coords}
            for key, attribute in spec.attributes.items():
                arrays[key] = _node_attribute(key, attribute, node_set, xyz[name], spec.builder)
            nodes[name] = arrays
    edges: dict[EdgeKey, dict[str, np.ndarray]] = {}
    for edge_set in valid.edges:
        edge_key: EdgeKey = (edge_set.source, edge_set.name, edge_set.target)
        with _stage(f"edge set {_label(edge_key)}"):
            edges[edge_key] = {"edge_index": _edge_index(edge_set, node_sets, xyz, nodes)}
    graph = Graph(nodes=nodes, edges=edges, recipe=written, dataset_uuid=dataset_uuid)
    if valid.post_processors:
        with _stage("post-processors", "applied"):
            processed = apply_post_processors(graph, valid.post_processors)
        graph = processed.graph
        for name, kept in processed.kept.items():
            node_sets[name] = node_sets[name].subset(kept)
            xyz[name] = xyz[name][kept]
    _check(valid, graph, node_sets)
    _attributes(valid, graph, xyz)
    logger.info(
        "built the graph in %.2f s: %d node set(s), %d edge set(s), %d edges",
        time.perf_counter() - started,
        len(graph.nodes),
        len(graph.edges),
        sum(arrays["edge_index"].shape[1] for arrays in graph.edges.values()),
    )
    return graph


def _resolve_paths(recipe: GraphRecipe, base: Path) -> GraphRecipe:
    """The recipe with relative paths of files and datasets made relative to ``base``."""

    def resolved(path: str) -> str:
        if "://" in path or Path(path).is_absolute():
            return path
        return str(base / path)

    document = recipe.model_dump(mode="json", exclude_unset=True)
    for node_set in document.get("nodes", {}).values():
        builder = node_set.get("builder", {})
        if builder.get("kind") in ("dataset", "file", "latlon_arrays") and "path" in builder:
            builder["path"] = resolved(builder["path"])
        places = [builder.get("mask") or {}, *node_set.get("attributes", {}).values()]
        for place in places:
            if place.get("dataset"):
                place["dataset"] = resolved(place["dataset"])
    return validate(GraphRecipe, document, source="graph recipe")


def _dataset_uuid(recipe: GraphRecipe, given: str | None) -> str | None:
    """``given``, or the ``uuid`` of the dataset the recipe's ``dataset`` builders read."""
    from fc_graphs.masks import open_dataset_group

    found = {}
    for name, node_set in recipe.nodes.items():
        builder = node_set.builder
        if isinstance(builder, DatasetNodes):
            uuid = open_dataset_group(builder.path).attrs.get("uuid")
            if uuid is not None:
                found[name] = str(uuid)
    if given is not None:
        for name, uuid in found.items():
            if uuid != given:
                logger.warning(
                    "node set %r reads dataset %s, but the graph is recorded for dataset %s "
                    "as asked",
                    name,
                    uuid,
                    given,
                )
        return given
    if len(set(found.values())) > 1:
        listing = ", ".join(f"{name}: {uuid}" for name, uuid in found.items())
        raise GraphBuildError(
            f"the node sets read different datasets ({listing}), so the graph's dataset uuid is "
            "ambiguous; give the one the model will be trained on with --dataset-uuid."
        )
    return next(iter(found.values()), None)


@contextmanager
def _stage(what: str, done: str = "built") -> Iterator[None]:
    """Log how long a stage of the build took."""
    started = time.perf_counter()
    yield
    logger.info("%s %s in %.2f s", what, done, time.perf_counter() - started)


def _label(key: EdgeKey) -> str:
    return f"{key[0]} -{key[1]}-> {key[2]}"


def _node_attribute(
    key: str,
    attribute: NodeAttribute,
    node_set: NodeSet,
    xyz: npt.NDArray[np.float64],
    builder: NodeBuilder,
) -> np.ndarray:
    """The raw values of a node attribute: a mask, or area weights not yet normalised."""
    if not isinstance(attribute, AreaWeightAttribute):
        from fc_graphs.masks import mask_on_nodes

        return mask_on_nodes(
            attribute.dataset,
            attribute.variable,
            node_set.latitudes,
            node_set.longitudes,
            indices=node_set.full_indices,
            n_cells=node_set.full_size,
            nodes_dataset=builder.path if isinstance(builder, DatasetNodes) else None,
            where=f"node set {node_set.name!r}, attribute {key!r}",
        )
    if attribute.kind == "uniform":
        return np.ones(node_set.size)
    return area_weights(xyz, attribute.kind)


def _attributes(recipe: GraphRecipe, graph: Graph, xyz: Mapping[str, np.ndarray]) -> None:
    """Normalise the node attributes and compute the edge attributes, in place."""
    for name, spec in recipe.nodes.items():
        for key, attribute in spec.attributes.items():
            if isinstance(attribute, AreaWeightAttribute):
                graph.nodes[name][key] = normalise(graph.nodes[name][key], attribute.norm)
    for edge_set in recipe.edges:
        arrays = graph.edges[(edge_set.source, edge_set.name, edge_set.target)]
        for key, edge_attribute in edge_set.attributes.items():
            function = edge_length if edge_attribute.kind == "edge_length" else edge_direction
            arrays[key] = function(
                arrays["edge_index"],
                xyz[edge_set.source],
                xyz[edge_set.target],
                normalisation=edge_attribute.norm,
            )


@dataclass(frozen=True)
class _Side:
    """One end of an edge builder: its node set, unit vectors and masked nodes."""

    nodes: NodeSet
    xyz: npt.NDArray[np.float64]
    selected: npt.NDArray[np.int64] | None  # the nodes of the mask; None: every node

    @property
    def points(self) -> npt.NDArray[np.float64]:
        """Unit vectors of the nodes that take part."""
        return self.xyz if self.selected is None else self.xyz[self.selected]


def _edge_index(
    edge_set: EdgeSet,
    node_sets: Mapping[str, NodeSet],
    xyz: Mapping[str, np.ndarray],
    nodes: Mapping[str, Mapping[str, np.ndarray]],
) -> npt.NDArray[np.int64]:
    """The edges of all builders of an edge set, merged."""
    label = _label(_key(edge_set))

    def side(set_name: str, mask: str | None) -> _Side:
        selected = _selected(nodes[set_name], set_name, mask, label)
        return _Side(node_sets[set_name], xyz[set_name], selected)

    parts = [
        _builder_edges(
            builder,
            side(edge_set.source, builder.source_mask),
            side(edge_set.target, builder.target_mask),
        )
        for builder in edge_set.builders
    ]
    index = parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts, axis=1), axis=1)
    return np.ascontiguousarray(index, dtype=np.int64)


def _key(edge_set: EdgeSet) -> EdgeKey:
    return (edge_set.source, edge_set.name, edge_set.target)


def _selected(
    attributes: Mapping[str, np.ndarray], set_name: str, mask: str | None, edges: str
) -> npt.NDArray[np.int64] | None:
    """The indices of the nodes a mask attribute selects (``None`` without a mask)."""
    if mask is None:
        return None
    selected = np.flatnonzero(attributes[mask]).astype(np.int64)
    if selected.size == 0:
        raise GraphBuildError(
            f"edges {edges}: mask {mask!r} of node set {set_name!r} selects no node, so the "
            "edges would have no end there; check the mask variable, or remove the mask."
        )
    return selected


def _builder_edges(builder: EdgeBuilder, source: _Side, target: _Side) -> npt.NDArray[np.int64]:
    """The edges ``[2, E]`` (source, target) of one builder, in the whole sets' numbering."""
    if isinstance(builder, MultiScaleEdges):
        return _masked(_multi_scale(builder, source.nodes), source, target)
    if isinstance(builder, ContainingTriangleEdges):
        if builder.reverse:
            raise GraphBuildError(
                f"edges {source.nodes.name} -> {target.nodes.name}: containing_triangle edges "
                "cannot be reversed (each target point has one containing triangle); remove "
                "reverse."
            )
        if source.nodes.mesh is None:
            raise GraphBuildError(
                f"edges {source.nodes.name} -> {target.nodes.name}: containing_triangle needs a "
                f"triangular mesh as source, and {source.nodes.name!r} has none."
            )
        found = containing_triangle_edges(source.nodes.mesh, target.points)
        return _masked(_unmasked(found, None, target.selected), source, None)
    # knn and cutoff search from the targets; with reverse, from the sources
    near, far = (target, source) if builder.reverse else (source, target)
    if isinstance(builder, KnnEdges):
        found = knn_edges(near.points, far.points, builder.num_nearest_neighbours)
    else:
        radius = builder.cutoff_factor * _reference_length(builder, source, target)
        found = radius_edges(near.points, far.points, min(radius, np.pi))
    if builder.reverse:
        found = reverse(found)
    return _unmasked(found, source.selected, target.selected)


def _unmasked(
    found: npt.NDArray[np.int64],
    sources: npt.NDArray[np.int64] | None,
    targets: npt.NDArray[np.int64] | None,
) -> npt.NDArray[np.int64]:
    """Edges between masked subsets, renumbered to the whole node sets."""
    if sources is None and targets is None:
        return found
    return np.stack(
        [
            found[0] if sources is None else sources[found[0]],
            found[1] if targets is None else targets[found[1]],
        ]
    )


def _masked(
    found: npt.NDArray[np.int64], source: _Side | None, target: _Side | None
) -> npt.NDArray[np.int64]:
    """Drop the edges from or to nodes outside the sides' masks."""
    masks: list[npt.NDArray[np.bool_] | None] = []
    for side in (source, target):
        if side is None or side.selected is None:
            masks.append(None)
            continue
        mask = np.zeros(side.nodes.size, dtype=bool)
        mask[side.selected] = True
        masks.append(mask)
    if masks[0] is None and masks[1] is None:
        return found
    return apply_masks(found, masks[0], masks[1])


def _reference_length(builder: CutoffEdges, source: _Side, target: _Side) -> float:
    """The length ``cutoff_factor`` multiplies (see the module documentation)."""
    for side in (target, source):
        resolution = _hexagonal_resolution(side.nodes)
        if resolution is not None:  # the longest edge of the whole H3 level
            # a whole level's nodes are already built; only a limited one needs them again
            full = side.xyz if side.nodes.full_indices is None else None
            if full is None:
                full = latlon_to_xyz(*hexagonal_nodes(resolution))
            length = reference_edge_length(full, hexagonal_mesh_edges(resolution))
            logger.debug("cutoff: reference length %.5f rad of H3 mesh %r", length, side.nodes.name)
            return length
        if side.nodes.mesh is not None:
            length = reference_edge_length(side.xyz, mesh_edges(side.nodes.mesh.faces))
            logger.debug("cutoff: reference length %.5f rad of mesh %r", length, side.nodes.name)
            return length
    coarser = min((source, target), key=lambda side: side.points.shape[0])
    if coarser.points.shape[0] < 2:
        raise GraphBuildError(
            f"cutoff edges {source.nodes.name} -> {target.nodes.name}: node set "
            f"{coarser.nodes.name!r} has a single node (in its mask), so it has no spacing to "
            "scale; use knn edges."
        )
    pairs = knn_edges(coarser.points, coarser.points, 2)
    pairs = pairs[:, pairs[0] != pairs[1]]
    return reference_edge_length(coarser.points, pairs)


def _hexagonal_resolution(node_set: NodeSet) -> int | None:
    """The H3 resolution of a hexagonal mesh node set; ``None`` for any other node set."""
    description = node_set.description
    if description.get("kind") == "icosahedral" and description.get("shape") == "hexagons":
        return int(description["resolution"])
    return None


def _multi_scale(builder: MultiScaleEdges, mesh_set: NodeSet) -> npt.NDArray[np.int64]:
    """GraphCast's multi-mesh, or the union of the chosen levels' mesh edges.

    Built on the global mesh, then restricted to the nodes of a limited mesh.
    """
    mesh = mesh_set.mesh
    resolution = _hexagonal_resolution(mesh_set)
    if resolution is not None:
        edges = hexagonal_edges(
            resolution, x_hops=builder.x_hops, scale_resolutions=builder.scale_resolutions
        )
    elif mesh is None:
        raise GraphBuildError(
            f"multi_scale edges on {mesh_set.name!r} need an icosahedral mesh (triangles or "
            "hexagons); use knn or cutoff edges for other node sets."
        )
    elif builder.scale_resolutions is None:
        edges = multi_mesh_edges(mesh.level, x_hops=builder.x_hops)
    else:
        meshes = refined_meshes(mesh.level)
        parts = []
        for level in sorted(set(builder.scale_resolutions)):
            part = mesh_edges(meshes[level].faces)
            if builder.x_hops > 1:
                part = within_hops(part, len(meshes[level].vertices), builder.x_hops)
            parts.append(part)
        edges = _distinct(np.concatenate(parts, axis=1), len(meshes[-1].vertices))
    if mesh_set.full_indices is None:
        return edges
    return _restricted(edges, mesh_set.full_indices, int(mesh_set.full_size or 0))


def _distinct(edges: npt.NDArray[np.int64], n_nodes: int) -> npt.NDArray[np.int64]:
    """Distinct edges, sorted by source then target (one sort of integer keys)."""
    keys = np.sort(edges[0] * n_nodes + edges[1])
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    return np.stack(np.divmod(keys, n_nodes)).astype(np.int64)


def _restricted(
    edges: npt.NDArray[np.int64], full_indices: npt.NDArray[np.int64], full_size: int
) -> npt.NDArray[np.int64]:
    """The edges of a global mesh between the kept nodes, renumbered to them, in order."""
    position = np.full(full_size, -1, dtype=np.int64)
    position[full_indices] = np.arange(full_indices.size, dtype=np.int64)
    senders, receivers = position[edges[0]], position[edges[1]]
    keep = (senders >= 0) & (receivers >= 0)
    return np.stack([senders[keep], receivers[keep]])


def _check(recipe: GraphRecipe, graph: Graph, node_sets: Mapping[str, NodeSet]) -> None:
    """Refuse empty edge sets; warn or refuse (``checks.unconnected``) nodes left unreached.

    Targets outside the ``target_mask`` of every builder of an edge set are meant to receive
    none of its edges, so they are not reported.
    """
    empty = [
        _label(key) for key, arrays in graph.edges.items() if arrays["edge_index"].shape[1] == 0
    ]
    if empty:
        raise GraphBuildError(
            f"edge set(s) {', '.join(empty)} have no edge; check the builders' settings (a "
            "larger cutoff_factor, or masks that keep nodes on both sides)."
        )
    problems: list[str] = []
    for edge_set in recipe.edges:
        key = _key(edge_set)
        n_target = node_sets[key[2]].size
        index = graph.edges[key]["edge_index"]
        _, lonely = unconnected(index, node_sets[key[0]].size, n_target)
        masks = [builder.target_mask for builder in edge_set.builders]
        if lonely.size and None not in masks:
            meant = np.zeros(n_target, dtype=bool)
            for mask in masks:
                meant |= graph.nodes[key[2]][str(mask)]
            lonely = lonely[meant[lonely]]
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
