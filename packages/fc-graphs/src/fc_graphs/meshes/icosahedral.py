"""Refined icosahedral meshes and GraphCast's multi-mesh.

A regular icosahedron, refined by splitting every triangle into four and projecting the new
vertices onto the sphere, gives an almost uniform triangulation of the globe: refinement ``k`` has
``10 · 4^k + 2`` vertices, ``30 · 4^k`` edges and ``20 · 4^k`` faces. GraphCast's processor runs
on the *multi-mesh*: the finest mesh's nodes, connected by the edges of every refinement level, so
that one message-passing step carries information both to neighbours and across thousands of
kilometres.

For that union to make sense the meshes must share nodes. :func:`refine` therefore keeps the old
vertices first, in their order, and appends the edge midpoints after them: the vertices of level
``k`` are the first ``10 · 4^k + 2`` vertices of every finer level, so an edge of a coarse level is
already expressed in the finest level's node numbering.

Every function is vectorised with numpy; level 6 (40,962 nodes, 327,660 multi-mesh edges) builds in
a fraction of a second.
"""

from __future__ import annotations

import logging
import operator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fc_graphs.exceptions import GraphBuildError

__all__ = [
    "TriangularMesh",
    "icosahedron",
    "mesh_edges",
    "multi_mesh_edges",
    "refine",
    "refined_meshes",
    "within_hops",
]

logger = logging.getLogger(__name__)

_MAX_LEVEL = 10  # level 10 has ~10.5 million nodes; beyond that a typo is likelier than intent.


@dataclass(frozen=True)
class TriangularMesh:
    """A triangulation of the unit sphere.

    Attributes
    ----------
    vertices
        ``float64`` array ``[n_vertices, 3]`` of unit vectors.
    faces
        ``int64`` array ``[n_faces, 3]`` of vertex indices, counter-clockwise seen from outside the
        sphere, so ``cross(v1 - v0, v2 - v0)`` points outwards.
    level
        The refinement level: 0 for the icosahedron itself.
    """

    vertices: npt.NDArray[np.float64]
    faces: npt.NDArray[np.int64]
    level: int


def icosahedron() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """The regular icosahedron inscribed in the unit sphere.

    Two vertices lie on the z axis (the poles); the others lie at latitudes ±atan(1/2) in two rings
    of five, 36° apart in longitude, with one vertex at longitude 0.

    Returns
    -------
    tuple of numpy.ndarray
        ``(vertices [12, 3], faces [20, 3])``; faces are counter-clockwise seen from outside.
    """
    ring_lat = np.arctan(0.5)
    lons = np.deg2rad(72.0 * np.arange(5))
    upper = np.stack(
        [
            np.cos(ring_lat) * np.cos(lons),
            np.cos(ring_lat) * np.sin(lons),
            np.full(5, np.sin(ring_lat)),
        ],
        axis=-1,
    )
    lower_lons = lons + np.deg2rad(36.0)
    lower = np.stack(
        [
            np.cos(ring_lat) * np.cos(lower_lons),
            np.cos(ring_lat) * np.sin(lower_lons),
            np.full(5, -np.sin(ring_lat)),
        ],
        axis=-1,
    )
    vertices = np.concatenate([[[0.0, 0.0, 1.0]], upper, lower, [[0.0, 0.0, -1.0]]])
    # Vertex 0: north pole; 1-5: upper ring; 6-10: lower ring (6 lies between 1 and 2); 11: south.
    i = np.arange(5)
    up, up_next = 1 + i, 1 + (i + 1) % 5
    low, low_next = 6 + i, 6 + (i + 1) % 5
    faces = np.concatenate(
        [
            np.stack([np.zeros(5, dtype=np.int64), up, up_next], axis=-1),
            np.stack([up, low, up_next], axis=-1),
            np.stack([up_next, low, low_next], axis=-1),
            np.stack([np.full(5, 11, dtype=np.int64), low_next, low], axis=-1),
        ]
    ).astype(np.int64)
    return vertices, faces


def refine(
    vertices: npt.ArrayLike, faces: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Split every triangle into four, projecting the edge midpoints onto the unit sphere.

    The midpoint of an edge is created once and shared by the two faces that meet there, so the
    result is again a closed mesh. The input vertices come first, unchanged and in order; the new
    midpoints follow, ordered by their edge's ``(smaller, larger)`` vertex index, so the result is
    deterministic.

    Parameters
    ----------
    vertices
        Array ``[n_vertices, 3]`` of unit vectors.
    faces
        Integer array ``[n_faces, 3]`` of counter-clockwise vertex indices.

    Returns
    -------
    tuple of numpy.ndarray
        ``(vertices, faces)`` with ``n_vertices + n_edges`` vertices and ``4 · n_faces`` faces,
        counter-clockwise like the input. Each triangle ``(a, b, c)`` with midpoints ``ab, bc, ca``
        becomes ``(a, ab, ca)``, ``(ab, b, bc)``, ``(ca, bc, c)`` and ``(ab, bc, ca)``.

    Raises
    ------
    GraphBuildError
        If the shapes are wrong or a face refers to a vertex that does not exist.
    """
    points, triangles = _check_mesh(vertices, faces)
    n_vertices = len(points)
    corners = [triangles[:, 0], triangles[:, 1], triangles[:, 2]]
    # The three edges of every face, face by face: (a, b), (b, c), (c, a).
    starts = np.stack(corners, axis=-1).ravel()
    ends = np.stack([corners[1], corners[2], corners[0]], axis=-1).ravel()
    keys = np.minimum(starts, ends) * n_vertices + np.maximum(starts, ends)
    unique_keys, edge_of_side = _unique_with_inverse(keys)
    low, high = np.divmod(unique_keys, n_vertices)
    midpoints = points[low] + points[high]
    midpoints /= np.linalg.norm(midpoints, axis=-1, keepdims=True)
    midpoint_index = (n_vertices + edge_of_side).reshape(-1, 3)
    ab, bc, ca = midpoint_index[:, 0], midpoint_index[:, 1], midpoint_index[:, 2]
    a, b, c = corners
    new_faces = np.stack(
        [
            np.stack([a, ab, ca], axis=-1),
            np.stack([ab, b, bc], axis=-1),
            np.stack([ca, bc, c], axis=-1),
            np.stack([ab, bc, ca], axis=-1),
        ],
        axis=1,
    ).reshape(-1, 3)
    return np.concatenate([points, midpoints]), new_faces.astype(np.int64)


def refined_meshes(level: int) -> list[TriangularMesh]:
    """The icosahedron and its refinements, levels ``0`` to ``level``.

    Parameters
    ----------
    level
        The finest refinement level, 0 to 10. GraphCast uses 6 (40,962 nodes).

    Returns
    -------
    list of TriangularMesh
        ``level + 1`` meshes, coarsest first. The vertices of each are the first vertices of the
        next, so node ``i`` is the same point on every level where it exists.

    Raises
    ------
    GraphBuildError
        If ``level`` is not an integer in [0, 10].
    """
    finest = _check_level(level)
    vertices, faces = icosahedron()
    meshes = [TriangularMesh(vertices=vertices, faces=faces, level=0)]
    for k in range(1, finest + 1):
        vertices, faces = refine(vertices, faces)
        meshes.append(TriangularMesh(vertices=vertices, faces=faces, level=k))
    logger.debug("built icosahedral meshes up to level %d (%d nodes)", finest, len(vertices))
    return meshes


def mesh_edges(faces: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Directed edges of a triangle mesh, both directions of every side, without duplicates.

    Parameters
    ----------
    faces
        Integer array ``[n_faces, 3]`` of vertex indices.

    Returns
    -------
    numpy.ndarray
        ``int64`` array ``[2, n_edges]``: row 0 the senders, row 1 the receivers (the
        ``edge_index`` convention of PyTorch Geometric), sorted by sender then receiver. A closed
        mesh with ``E`` undirected edges gives ``2 · E`` directed ones.

    Raises
    ------
    GraphBuildError
        If ``faces`` is not an integer array of shape ``[n_faces, 3]`` with non-negative indices.
    """
    triangles = _check_faces(faces)
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    senders = np.concatenate([a, b, c, b, c, a])
    receivers = np.concatenate([b, c, a, a, b, c])
    return _unique_edges(senders, receivers)


def multi_mesh_edges(level: int, *, x_hops: int = 1) -> npt.NDArray[np.int64]:
    """GraphCast's multi-mesh: the edges of every refinement level on the finest level's nodes.

    Because coarser vertices are a prefix of finer ones (see :func:`refine`), an edge of level
    ``k`` joins two nodes of the finest mesh that lie ``2^(level - k)`` fine edges apart, giving the
    processor long-range links without extra nodes. No two levels share an edge, so at level 6
    there are ``Σ 2 · 30 · 4^k = 327,660`` directed edges, GraphCast's published count.

    Parameters
    ----------
    level
        The finest refinement level, 0 to 10.
    x_hops
        With 1 (GraphCast), each level contributes its mesh edges. With ``x > 1``, each level
        instead contributes an edge between every pair of distinct nodes at most ``x`` edges apart
        *on that level's mesh*, which widens every node's neighbourhood at every scale (each node
        has about 18 neighbours per level with 2 hops instead of 6). Needs scipy.

    Returns
    -------
    numpy.ndarray
        ``int64`` array ``[2, n_edges]`` (senders, receivers) indexing the vertices of
        ``refined_meshes(level)[-1]``, sorted by sender then receiver, without duplicates or
        self-loops; symmetric (every edge appears in both directions).

    Raises
    ------
    GraphBuildError
        If ``level`` is not an integer in [0, 10] or ``x_hops`` is not a positive integer.
    """
    _check_level(level)
    hops = check_int(x_hops, "x_hops", minimum=1)
    meshes = refined_meshes(level)
    senders: list[npt.NDArray[np.int64]] = []
    receivers: list[npt.NDArray[np.int64]] = []
    for mesh in meshes:
        edges = mesh_edges(mesh.faces)
        if hops > 1:
            edges = within_hops(edges, len(mesh.vertices), hops)
        senders.append(edges[0])
        receivers.append(edges[1])
    result = _unique_edges(np.concatenate(senders), np.concatenate(receivers))
    logger.debug(
        "multi-mesh of level %d with %d hop(s): %d nodes, %d directed edges",
        level,
        hops,
        len(meshes[-1].vertices),
        result.shape[1],
    )
    return result


def within_hops(edges: npt.NDArray[np.int64], n_nodes: int, hops: int) -> npt.NDArray[np.int64]:
    """Edges between distinct nodes at most ``hops`` steps apart along ``edges``."""
    from scipy import sparse  # scipy is only needed for x-hop neighbourhoods

    ones = np.ones(edges.shape[1], dtype=np.float32)
    adjacency = sparse.csr_matrix((ones, (edges[0], edges[1])), shape=(n_nodes, n_nodes))
    reach = adjacency.copy()
    power = adjacency
    for _ in range(hops - 1):
        power = power @ adjacency
        power.data[:] = 1.0  # only connectivity matters; keeps the counts from growing
        reach = reach + power
    reach.setdiag(0)
    reach.eliminate_zeros()
    coo = reach.tocoo()
    return _unique_edges(coo.row.astype(np.int64), coo.col.astype(np.int64))


def _unique_edges(
    senders: npt.NDArray[np.int64], receivers: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Remove duplicate directed edges; sort by sender then receiver."""
    if senders.size == 0:
        return np.zeros((2, 0), dtype=np.int64)
    n = int(max(senders.max(), receivers.max())) + 1
    keys = _unique(senders.astype(np.int64) * n + receivers)
    return np.stack(np.divmod(keys, n)).astype(np.int64)


# numpy >= 2.3 answers ``np.unique`` with a hash table followed by a sort, which is an order of
# magnitude slower than one sort on the ~10^6 integer keys met here; these two helpers sort once.


def _unique(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sorted distinct values of a 1-D integer array."""
    ordered = np.sort(keys)
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def _unique_with_inverse(
    keys: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sorted distinct values of ``keys`` and, for each key, the index of its value among them."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    is_new = np.ones(len(ordered), dtype=bool)
    is_new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(is_new) - 1
    return ordered[is_new], inverse


def _check_mesh(
    vertices: npt.ArrayLike, faces: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Validate a vertex array and a face array that refers to it."""
    points = np.asarray(vertices, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise GraphBuildError(
            f"mesh vertices must have shape [n_vertices, 3], got {points.shape}; "
            "pass unit vectors, e.g. from icosahedron()."
        )
    triangles = _check_faces(faces)
    if triangles.size and triangles.max() >= len(points):
        raise GraphBuildError(
            f"a face refers to vertex {int(triangles.max())} but the mesh has only "
            f"{len(points)} vertices; pass the faces that belong to these vertices."
        )
    return points, triangles


def _check_faces(faces: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Validate a face array: integer indices, shape [n_faces, 3], none negative."""
    triangles = np.asarray(faces)
    if triangles.ndim != 2 or triangles.shape[1] != 3:
        raise GraphBuildError(
            f"mesh faces must have shape [n_faces, 3], got {triangles.shape}; "
            "pass one row of three vertex indices per triangle."
        )
    if triangles.size and not np.issubdtype(triangles.dtype, np.integer):
        raise GraphBuildError(
            f"mesh faces must hold integer vertex indices, got dtype {triangles.dtype}."
        )
    if triangles.size and triangles.min() < 0:
        raise GraphBuildError("mesh faces hold a negative vertex index; indices start at 0.")
    return triangles.astype(np.int64, copy=False)


def _check_level(level: int) -> int:
    """Return ``level`` if it is an integer refinement level in [0, _MAX_LEVEL]."""
    value = check_int(level, "level")
    if value > _MAX_LEVEL:
        raise GraphBuildError(
            f"refinement level {value} is too fine (at most {_MAX_LEVEL}, which already has "
            f"{10 * 4**_MAX_LEVEL + 2:,} nodes); GraphCast uses 6."
        )
    return value


def check_int(value: int, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as an int if it is an integer of at least ``minimum`` (bools refused).

    Shared by the mesh builders, so that a level, a resolution or ``x_hops`` given as a float
    or a bool gets the same message everywhere.
    """
    if isinstance(value, bool):
        raise GraphBuildError(f"{name} must be an integer, got {value!r}.")
    try:
        number = operator.index(value)
    except TypeError:
        raise GraphBuildError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}."
        ) from None
    if number < minimum:
        raise GraphBuildError(f"{name} must be at least {minimum}, got {number}.")
    return number
