"""Edges between two node sets on the sphere: k-nearest, radius, containing triangle; masks.

Every builder returns an ``int64`` array ``[2, n_edges]``: row 0 the source (sender) nodes, row 1
the target (receiver) nodes, the ``edge_index`` convention of PyTorch Geometric. Points are unit
vectors (see :func:`fc_graphs.geometry.latlon_to_xyz`), so nearest-neighbour searches run on an
ordinary Euclidean tree: the chord ``2 sin(d / 2)`` grows monotonically with the great-circle
distance ``d``, so the nearest points by chord are the nearest on the sphere.

The three connection schemes are those of GraphCast (Lam et al., 2023) and Anemoi: the encoder
connects every grid point to the mesh nodes within a radius proportional to the mesh's edge length
(:func:`radius_edges`, :func:`reference_edge_length`); the decoder connects each grid point to the
three vertices of the mesh triangle that contains it (:func:`containing_triangle_edges`) or to its
k nearest mesh nodes (:func:`knn_edges`).
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import great_circle_distance
from fc_graphs.meshes.icosahedral import TriangularMesh

__all__ = [
    "apply_masks",
    "containing_triangle_edges",
    "knn_edges",
    "radius_edges",
    "reference_edge_length",
    "reverse",
    "unconnected",
]

logger = logging.getLogger(__name__)

# Points this close (relative to the triangle's size) outside a triangle still count as inside:
# grid points on a mesh edge or vertex must not be lost to rounding.
_CONTAINMENT_TOLERANCE = 1e-9
# Candidate triangles per point in the first containment pass; doubled for the few points left.
_FIRST_CANDIDATES = 4


def knn_edges(
    source_xyz: npt.ArrayLike, target_xyz: npt.ArrayLike, k: int
) -> npt.NDArray[np.int64]:
    """Connect every target to its ``k`` nearest sources.

    Every target receives exactly ``k`` edges, so no target is left unconnected whatever the
    resolutions of the two node sets: the usual choice for a decoder (mesh → grid) when the
    mesh is not a triangulation, and Anemoi's default decoder.

    Parameters
    ----------
    source_xyz, target_xyz
        Arrays ``[n_source, 3]`` and ``[n_target, 3]`` of unit vectors.
    k
        Number of neighbours per target, 1 to ``n_source``.

    Returns
    -------
    numpy.ndarray
        ``int64`` array ``[2, n_target · k]``, grouped by target (target 0's edges first), each
        target's sources from nearest to farthest.

    Raises
    ------
    GraphBuildError
        If a point array is malformed or empty, or ``k`` is not in ``[1, n_source]``.
    """
    from scipy.spatial import cKDTree  # heavy import, only needed to build graphs

    sources = _points(source_xyz, "source_xyz")
    targets = _points(target_xyz, "target_xyz")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= len(sources):
        raise GraphBuildError(
            f"k must be an integer between 1 and the number of sources ({len(sources)}), "
            f"got {k!r}; lower k or use a finer source node set."
        )
    _, nearest = cKDTree(sources).query(targets, k=int(k))
    nearest = np.asarray(nearest, dtype=np.int64).reshape(len(targets), int(k))
    receivers = np.repeat(np.arange(len(targets), dtype=np.int64), int(k))
    return np.stack([nearest.ravel(), receivers])


def radius_edges(
    source_xyz: npt.ArrayLike, target_xyz: npt.ArrayLike, radius_rad: float
) -> npt.NDArray[np.int64]:
    """Connect every target to all sources within a great-circle distance.

    GraphCast's encoder (grid → mesh) connects each mesh node to the grid points within
    0.6 × the mesh's edge length, so every grid point reaches at least one mesh node; pass
    ``0.6 * reference_edge_length(...)`` as ``radius_rad`` to reproduce it. Targets with no
    source in range get no edge: check with :func:`unconnected`.

    Parameters
    ----------
    source_xyz, target_xyz
        Arrays ``[n_source, 3]`` and ``[n_target, 3]`` of unit vectors.
    radius_rad
        The cut-off angle in radians, in ``(0, π]``; distance ``≤ radius_rad`` is connected.

    Returns
    -------
    numpy.ndarray
        ``int64`` array ``[2, n_edges]`` sorted by target, then source.

    Raises
    ------
    GraphBuildError
        If a point array is malformed or empty, or the radius is not in ``(0, π]``.
    """
    from scipy.spatial import cKDTree  # heavy import, only needed to build graphs

    sources = _points(source_xyz, "source_xyz")
    targets = _points(target_xyz, "target_xyz")
    radius = float(radius_rad)
    if not (np.isfinite(radius) and 0.0 < radius <= np.pi):
        raise GraphBuildError(
            f"radius_rad must be an angle in radians in (0, π], got {radius_rad!r}; "
            "for degrees use numpy.deg2rad."
        )
    chord = 2.0 * np.sin(radius / 2.0)
    # A hair of slack so that points exactly at the radius survive rounding of the chord.
    pairs = cKDTree(targets).sparse_distance_matrix(
        cKDTree(sources), chord * (1.0 + 1e-12), output_type="ndarray"
    )
    receivers = np.asarray(pairs["i"], dtype=np.int64)
    senders = np.asarray(pairs["j"], dtype=np.int64)
    order = np.lexsort((senders, receivers))
    senders, receivers = senders[order], receivers[order]
    return np.stack([senders, receivers])


def reference_edge_length(mesh_xyz: npt.ArrayLike, mesh_edges: npt.ArrayLike) -> float:
    """The longest edge of a mesh, in radians: the length a radius cut-off is a multiple of.

    The longest (rather than the mean) edge guarantees that a radius of ``0.6 ×`` this length
    reaches a mesh node from every point of the sphere on a triangulation, since no point lies
    farther than about ``1/√3`` of the longest edge from its triangle's nearest vertex.

    Parameters
    ----------
    mesh_xyz
        Array ``[n_nodes, 3]`` of unit vectors.
    mesh_edges
        Integer array ``[2, n_edges]`` indexing ``mesh_xyz``, e.g. from
        :func:`fc_graphs.meshes.mesh_edges`.

    Raises
    ------
    GraphBuildError
        If the arrays are malformed or there are no edges.
    """
    nodes = _points(mesh_xyz, "mesh_xyz")
    edges = _edges(mesh_edges, len(nodes), len(nodes))
    if edges.shape[1] == 0:
        raise GraphBuildError("the mesh has no edges, so it has no reference edge length.")
    return float(great_circle_distance(nodes[edges[0]], nodes[edges[1]]).max())


def containing_triangle_edges(
    mesh: TriangularMesh, grid_xyz: npt.ArrayLike
) -> npt.NDArray[np.int64]:
    """Connect every grid point to the three vertices of the mesh triangle that contains it.

    GraphCast's decoder (mesh → grid): each grid point interpolates from exactly the three mesh
    nodes around it. Candidate triangles are those with the nearest centroids; a point lies in
    the counter-clockwise spherical triangle ``(a, b, c)`` when it is on the inner side of the
    three great circles through its sides, i.e. ``det(a, b, p)``, ``det(b, c, p)`` and
    ``det(c, a, p)`` are all non-negative. A point on a shared side or vertex goes to one of the
    triangles that hold it.

    Parameters
    ----------
    mesh
        A closed triangulation of the sphere with counter-clockwise faces, e.g. the last of
        :func:`fc_graphs.meshes.refined_meshes`.
    grid_xyz
        Array ``[n_grid, 3]`` of unit vectors.

    Returns
    -------
    numpy.ndarray
        ``int64`` array ``[2, 3 · n_grid]``: sources are mesh vertex indices, targets grid
        indices, grouped by grid point.

    Raises
    ------
    GraphBuildError
        If the inputs are malformed or a point lies in no triangle (the mesh does not cover the
        sphere, or its faces are not counter-clockwise).
    """
    from scipy.spatial import cKDTree  # heavy import, only needed to build graphs

    grid = _points(grid_xyz, "grid_xyz")
    vertices = _points(mesh.vertices, "mesh.vertices")
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if faces.ndim != 2 or faces.shape[1] != 3 or len(faces) == 0:
        raise GraphBuildError(f"mesh.faces must have shape [n_faces, 3], got {faces.shape}.")
    corners = vertices[faces]  # [n_faces, 3 corners, 3]
    centroids = corners.sum(axis=1)
    centroids /= np.linalg.norm(centroids, axis=-1, keepdims=True)
    # Inward normals of the three sides, scaled to unit length so the test is size-independent.
    normals = np.cross(corners, np.roll(corners, -1, axis=1))
    normals /= np.linalg.norm(normals, axis=-1, keepdims=True)
    tree = cKDTree(centroids)
    chosen = np.full(len(grid), -1, dtype=np.int64)
    pending = np.arange(len(grid))
    k = min(_FIRST_CANDIDATES, len(faces))
    while pending.size:
        _, candidates = tree.query(grid[pending], k=k)
        candidates = np.asarray(candidates, dtype=np.int64).reshape(len(pending), k)
        # [n_pending, k, 3 sides]: signed distance of each point to each side's great circle.
        sides = np.einsum("pkse,pe->pks", normals[candidates], grid[pending])
        same_side = np.einsum("pke,pe->pk", centroids[candidates], grid[pending]) > 0.0
        worst = np.where(same_side, sides.min(axis=-1), -np.inf)
        best = worst.argmax(axis=-1)
        inside = worst[np.arange(len(pending)), best] >= -_CONTAINMENT_TOLERANCE
        chosen[pending[inside]] = candidates[np.arange(len(pending)), best][inside]
        pending = pending[~inside]
        if pending.size and k == len(faces):
            raise GraphBuildError(
                f"{pending.size} grid point(s) lie in no mesh triangle (first: index "
                f"{int(pending[0])}); the mesh must cover the sphere with counter-clockwise faces."
            )
        k = min(2 * k, len(faces))
    senders = faces[chosen].ravel()
    receivers = np.repeat(np.arange(len(grid), dtype=np.int64), 3)
    return np.stack([senders, receivers])


def reverse(edges: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Swap sources and targets, e.g. to derive a decoder from an encoder's edges."""
    index = _edges(edges)
    return np.ascontiguousarray(index[::-1])


def apply_masks(
    edges: npt.ArrayLike,
    source_mask: npt.ArrayLike | None = None,
    target_mask: npt.ArrayLike | None = None,
    *,
    renumber: bool = False,
) -> npt.NDArray[np.int64]:
    """Keep only the edges whose source and target are selected by boolean masks.

    Masks restrict a graph to part of a node set, e.g. the sea points of a grid or the inner
    area of a limited-area model, without rebuilding it.

    Parameters
    ----------
    edges
        Integer array ``[2, n_edges]``.
    source_mask, target_mask
        Boolean arrays over all source / target nodes; ``None`` keeps every node.
    renumber
        If true, indices are renumbered to positions among the kept nodes (``source_xyz[mask]``),
        as needed when the masked-out nodes are dropped; otherwise the original indices remain.

    Returns
    -------
    numpy.ndarray
        ``int64`` array ``[2, n_kept]``, in the input order.

    Raises
    ------
    GraphBuildError
        If a mask is not one-dimensional boolean or an edge refers to a node beyond it.
    """
    index = _edges(edges)
    keep = np.ones(index.shape[1], dtype=bool)
    result = index.copy()
    for row, mask, name in ((0, source_mask, "source_mask"), (1, target_mask, "target_mask")):
        if mask is None:
            continue
        selected = _mask(mask, name, index[row])
        keep &= selected[index[row]]
        if renumber:
            result[row] = (np.cumsum(selected) - 1)[index[row]]
    return np.ascontiguousarray(result[:, keep])


def unconnected(
    edges: npt.ArrayLike, n_source: int, n_target: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Nodes that no edge touches: sources that send nothing, targets that receive nothing.

    A target without incoming edges gets no information (a grid point the decoder never
    writes), a source without outgoing edges is ignored (a grid point the encoder never reads);
    both usually mean a radius too small for the resolutions involved.

    Returns
    -------
    tuple of numpy.ndarray
        ``(sources_without_edges, targets_without_edges)``, sorted ``int64`` indices.

    Raises
    ------
    GraphBuildError
        If an edge refers to a node beyond ``n_source`` / ``n_target``.
    """
    index = _edges(edges, int(n_source), int(n_target))
    sends = np.bincount(index[0], minlength=int(n_source)) > 0
    receives = np.bincount(index[1], minlength=int(n_target)) > 0
    lonely_sources = np.flatnonzero(~sends).astype(np.int64)
    lonely_targets = np.flatnonzero(~receives).astype(np.int64)
    if lonely_sources.size or lonely_targets.size:
        logger.debug(
            "%d source(s) and %d target(s) have no edge",
            lonely_sources.size,
            lonely_targets.size,
        )
    return lonely_sources, lonely_targets


def _points(xyz: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    """Validate ``[n, 3]`` finite non-zero vectors (n ≥ 1) and return them normalised."""
    points = np.asarray(xyz, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3 or len(points) == 0:
        raise GraphBuildError(
            f"{name} must be a non-empty array of shape [n, 3], got {points.shape}; "
            "use latlon_to_xyz to convert latitudes and longitudes."
        )
    norms = np.linalg.norm(points, axis=-1, keepdims=True)
    if not (np.all(np.isfinite(points)) and np.all(norms > 0.0)):
        raise GraphBuildError(f"{name} contains NaN, infinite or zero vectors; remove them.")
    return points / norms


def _edges(
    edges: npt.ArrayLike, n_source: int | None = None, n_target: int | None = None
) -> npt.NDArray[np.int64]:
    """Validate an edge index ``[2, n_edges]`` of non-negative integers within the node counts."""
    index = np.asarray(edges)
    if index.ndim != 2 or index.shape[0] != 2:
        raise GraphBuildError(
            f"edges must have shape [2, n_edges] (sources, targets), got {index.shape}; "
            "transpose an [n_edges, 2] array."
        )
    if index.size and not np.issubdtype(index.dtype, np.integer):
        raise GraphBuildError(f"edges must hold integer node indices, got dtype {index.dtype}.")
    index = index.astype(np.int64, copy=False)
    if index.size and index.min() < 0:
        raise GraphBuildError("edges hold a negative node index; indices start at 0.")
    for row, count, name in ((0, n_source, "source"), (1, n_target, "target")):
        if count is not None and index.size and index[row].max() >= count:
            raise GraphBuildError(
                f"an edge refers to {name} node {int(index[row].max())} but there are only "
                f"{count} {name} nodes; pass the node counts these edges were built for."
            )
    return index


def _mask(mask: npt.ArrayLike, name: str, used: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Validate a 1-D boolean mask long enough for every index in ``used``."""
    selected = np.asarray(mask)
    if selected.ndim != 1 or selected.dtype != np.bool_:
        raise GraphBuildError(
            f"{name} must be a 1-D boolean array over the nodes, got dtype {selected.dtype} and "
            f"shape {selected.shape}."
        )
    if used.size and used.max() >= len(selected):
        raise GraphBuildError(
            f"an edge refers to node {int(used.max())} but {name} covers only {len(selected)} "
            "nodes; pass a mask over every node."
        )
    return selected
