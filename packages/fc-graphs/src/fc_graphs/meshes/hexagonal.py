"""Hexagonal meshes from Uber's H3 grid, and their multi-scale edges.

H3 (https://h3geo.org) tiles the sphere with hexagons and exactly twelve pentagons, built on an
icosahedron: resolution 0 has 122 cells, and every finer resolution splits each cell into seven
("aperture 7"), so resolution ``r`` has ``2 + 120 · 7^r`` cells whose spacing shrinks by ``√7``
per level. Hexagons have six equidistant neighbours, all sharing an edge, which makes a hidden
mesh whose message passing has no direction that is favoured locally (Anemoi's ``HexNodes``).

**Order of the cells.** Nodes are numbered by ascending H3 index. For one resolution that is the
base cell (0-121) first, then the digits of the path from the base cell, coarse to fine, so the
descendants of every coarser cell form one contiguous block. The order depends only on H3's
published index layout, not on the version of the library.

**Multi-scale edges.** GraphCast's multi-mesh joins the finest mesh's nodes with the edges of
every coarser mesh; here the coarse cells are not nodes of the finest mesh, so each cell of a
coarse level ``ℓ`` is stood for by its *centre descendant* at the finest resolution
(``h3.cell_to_center_child``), which has the same centre point. Level ``ℓ`` then contributes an
edge between the representatives of every two level-``ℓ`` cells at most ``x_hops`` rings apart
(``h3.grid_disk``). The representative of a cell is also the representative of its centre child,
so, as in the icosahedral multi-mesh, the nodes of coarse levels are a subset of those of finer
ones, and the coarse edges give the processor long-range links without extra nodes.

**How neighbours are found.** h3's Python API answers one cell per call, about 7 µs for a ring, so
asking it for the ring of every cell takes seconds at resolution 4. Instead, the six (five for a
pentagon) neighbours of a cell are taken as its nearest cell centres, found with a k-d tree on
the centres: H3 cells are regular enough that the next-nearest centre is always at least 39 %
farther than the farthest neighbour (checked against ``h3.grid_ring`` on every cell of resolutions
0-5, which agreed everywhere). Wherever that margin falls below 15 %, the ring comes from h3
itself, so the result never rests on a close call. Rings of ``x_hops > 1`` are then hops along
these edges, which is how ``grid_disk`` defines them.

**Cost.** Everything but the cell centres is vectorised; the centres need one h3 call per finest
cell (about 1 µs). On one core, resolution 4 (288,122 cells) builds its multi-mesh in about a
second and resolution 5 (2,016,842 cells, 14 million edges) in about ten, mostly in the k-d
tree and in sorting; resolution 6 (14 million cells) is allowed but takes minutes and gigabytes,
and finer ones are refused.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from types import ModuleType

import numpy as np
import numpy.typing as npt

from fc_graphs.exceptions import GraphBuildError, MissingDependencyError
from fc_graphs.geometry import latlon_to_xyz
from fc_graphs.meshes.icosahedral import _unique, check_int, within_hops

__all__ = [
    "MissingDependencyError",
    "hexagonal_cell_count",
    "hexagonal_cells",
    "hexagonal_edges",
    "hexagonal_mesh_edges",
    "hexagonal_nodes",
]

logger = logging.getLogger(__name__)

#: The finest resolution accepted: 14,117,882 cells. Resolution 7 (99 million) is not a mesh a
#: processor can run on, so a larger value is more likely a typo (or an icosahedral level).
_MAX_RESOLUTION = 6

#: Neighbours are trusted from geometry when the nearest non-neighbour centre is at least this
#: many times farther than the farthest neighbour; H3 never comes below 1.39 (resolutions 0-5).
_CLEAR_MARGIN = 1.15

_INSTALL = 'pip install "fc-graphs[hexagons]"'

# H3 index layout (https://h3geo.org/docs/core-library/h3Indexing): below the resolution and base
# cell fields lie 15 three-bit digits, digit 1 (the coarsest) highest, unused digits all ones.
_DIGIT_BITS = 3
_MAX_H3_RESOLUTION = 15


def hexagonal_cell_count(resolution: int) -> int:
    """The number of H3 cells covering the sphere at ``resolution``: ``2 + 120 · 7^resolution``.

    Needs no h3, so a recipe can be sized before anything is built.

    Raises
    ------
    GraphBuildError
        If ``resolution`` is not an integer in [0, 6].
    """
    r = _check_resolution(resolution)
    return 2 + 120 * 7**r


def hexagonal_cells(resolution: int) -> npt.NDArray[np.uint64]:
    """Every H3 cell of the sphere at ``resolution``, in ascending order of their index.

    Parameters
    ----------
    resolution
        H3 resolution, 0 (122 cells, about 1,300 km apart) to 6 (14 million cells, about 20 km
        apart); each step multiplies the count by about 7.

    Returns
    -------
    numpy.ndarray
        ``uint64`` H3 indices, ``2 + 120 · 7^resolution`` of them, sorted (see the module
        documentation for why this order is stable and what it groups together).

    Raises
    ------
    GraphBuildError
        If ``resolution`` is not an integer in [0, 6].
    MissingDependencyError
        If h3 (version 4 or later) is not installed.
    """
    r = _check_resolution(resolution)
    h3 = _h3_numpy()
    base = np.sort(np.asarray(h3.get_res0_cells(), dtype=np.uint64))
    children = [np.asarray(h3.cell_to_children(int(cell), r), dtype=np.uint64) for cell in base]
    cells = np.sort(np.concatenate(children))
    logger.debug("enumerated %d H3 cells at resolution %d", cells.size, r)
    return cells


def hexagonal_nodes(
    resolution: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitudes and longitudes in degrees of the centres of every H3 cell at ``resolution``.

    Parameters
    ----------
    resolution
        H3 resolution, 0 to 6.

    Returns
    -------
    tuple of numpy.ndarray
        ``float64`` latitudes in [-90, 90] and longitudes in (-180, 180], each of shape
        ``[2 + 120 · 7^resolution]``, in the order of :func:`hexagonal_cells`.

    Raises
    ------
    GraphBuildError
        If ``resolution`` is not an integer in [0, 6].
    MissingDependencyError
        If h3 (version 4 or later) is not installed.
    """
    return _centres(hexagonal_cells(resolution))


def hexagonal_edges(
    resolution: int,
    *,
    x_hops: int = 1,
    scale_resolutions: Iterable[int] | None = None,
) -> npt.NDArray[np.int64]:
    """Multi-scale edges between the cells of one H3 resolution (a hexagonal multi-mesh).

    For each level ``ℓ`` in ``scale_resolutions``, the representative of every level-``ℓ`` cell
    (its centre descendant at ``resolution``) is joined to the representatives of the level-``ℓ``
    cells at most ``x_hops`` rings away, in both directions. The coarse levels give long-range
    links over the same nodes, as GraphCast's multi-mesh does on the icosahedron.

    Parameters
    ----------
    resolution
        The finest H3 resolution, 0 to 6: the node set is :func:`hexagonal_cells` of it.
    x_hops
        Rings of neighbours joined at every level: 1 joins the six (five) adjacent cells, 2 also
        the twelve of the next ring, and so on.
    scale_resolutions
        The levels that contribute edges, each from 0 to ``resolution``; ``None`` for all of them.
        ``[resolution]`` gives the plain mesh (see :func:`hexagonal_mesh_edges`).

    Returns
    -------
    numpy.ndarray
        ``int64`` array ``[2, n_edges]`` (senders, receivers) of indices into
        ``hexagonal_cells(resolution)``, sorted by sender then receiver, without duplicates or
        self-loops, and symmetric. With ``x_hops=1`` and one level ``ℓ`` there are
        ``6 · n(ℓ) − 12`` of them (six per hexagon, five per pentagon), ``n(ℓ)`` being the
        level's cell count; levels share no edge, so the multi-mesh has the sum over levels.

    Raises
    ------
    GraphBuildError
        If ``resolution`` is not an integer in [0, 6], ``x_hops`` is not a positive integer, or a
        scale resolution is not an integer in [0, ``resolution``].
    MissingDependencyError
        If h3 (version 4 or later) is not installed.
    """
    r = _check_resolution(resolution)
    hops = check_int(x_hops, "x_hops", minimum=1)
    levels = _check_levels(scale_resolutions, r)
    cells = hexagonal_cells(r)
    xyz = latlon_to_xyz(*_centres(cells))
    pentagons = np.isin(cells, np.asarray(_h3_numpy().get_pentagons(r), dtype=np.uint64))
    n = cells.size
    pair_keys: list[npt.NDArray[np.int64]] = []  # undirected edges as low · n + high
    for level in levels:
        members = np.flatnonzero(_centre_descendants(cells, r, level))
        local = _ring_edges(cells[members], xyz[members], pentagons[members], r, level)
        if hops > 1:
            local = within_hops(np.concatenate([local, local[::-1]], axis=1), members.size, hops)
        ends = members[local]
        pair_keys.append(ends.min(axis=0) * n + ends.max(axis=0))
    result = _both_directions(np.concatenate(pair_keys), n)
    logger.debug(
        "hexagonal multi-mesh at H3 resolution %d, levels %s, %d hop(s): %d nodes, %d edges",
        r,
        levels,
        hops,
        cells.size,
        result.shape[1],
    )
    return result


def hexagonal_mesh_edges(resolution: int, *, x_hops: int = 1) -> npt.NDArray[np.int64]:
    """Edges between every H3 cell at ``resolution`` and its neighbours within ``x_hops`` rings.

    The single-scale mesh: ``hexagonal_edges(resolution, x_hops=x_hops,
    scale_resolutions=[resolution])``.

    Raises
    ------
    GraphBuildError, MissingDependencyError
        As :func:`hexagonal_edges`.
    """
    r = _check_resolution(resolution)
    return hexagonal_edges(r, x_hops=x_hops, scale_resolutions=[r])


def _centres(
    cells: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Cell centres in degrees; one h3 call per cell, the only per-cell loop of this module."""
    h3 = _h3_int()
    flat = np.fromiter(
        itertools.chain.from_iterable(map(h3.cell_to_latlng, cells.tolist())),
        dtype=np.float64,
        count=2 * cells.size,
    ).reshape(-1, 2)
    latitudes = np.ascontiguousarray(flat[:, 0])
    longitudes = np.ascontiguousarray(flat[:, 1])
    longitudes[longitudes <= -180.0] += 360.0
    return latitudes, longitudes


def _centre_descendants(
    cells: npt.NDArray[np.uint64], resolution: int, level: int
) -> npt.NDArray[np.bool_]:
    """Which ``cells`` (all at ``resolution``) are the centre descendant of a level-``level`` cell.

    That is the cells whose digits ``level + 1`` to ``resolution`` are all 0 (the centre child),
    read straight from the index bits instead of one ``cell_to_center_child`` call per cell.
    """
    shift = np.uint64((_MAX_H3_RESOLUTION - resolution) * _DIGIT_BITS)
    mask = np.uint64((1 << (_DIGIT_BITS * (resolution - level))) - 1)
    return ((cells >> shift) & mask) == 0


def _ring_edges(
    cells: npt.NDArray[np.uint64],
    xyz: npt.NDArray[np.float64],
    pentagon: npt.NDArray[np.bool_],
    resolution: int,
    level: int,
) -> npt.NDArray[np.int64]:
    """Edges ``[2, E]`` from every cell of one level to its neighbours, as indices into ``cells``.

    Each cell names its own neighbours, so most edges are found from both ends.

    ``cells`` are the representatives (at ``resolution``) of every cell of ``level``, sorted, and
    ``xyz`` their centres, which are those of the level's cells. A cell's neighbours are its six
    (five) nearest centres, except where the next centre is nearly as close: there h3 decides.
    """
    from scipy.spatial import cKDTree  # scipy is a dependency, but a slow import

    n = cells.size
    degree = np.where(pentagon, 5, 6)
    distances, nearest = cKDTree(xyz).query(xyz, k=min(8, n), workers=-1)
    rows = np.arange(n)
    # column 0 is the cell itself; columns 1..degree its neighbours; degree + 1 the next one
    margin = distances[rows, degree + 1] / distances[rows, degree]
    unclear = np.flatnonzero(margin < _CLEAR_MARGIN)
    neighbours = nearest[:, 1:7]
    keep = np.ones(neighbours.shape, dtype=bool)
    keep[:, 5] = ~pentagon
    keep[unclear] = False
    senders = np.broadcast_to(rows[:, None], neighbours.shape)[keep]
    receivers = neighbours[keep]
    if unclear.size:
        logger.debug(
            "H3 level %d: %d cell(s) without a clear nearest ring; asking h3", level, unclear.size
        )
        exact = _h3_rings(cells, unclear, resolution, level)
        senders = np.concatenate([senders, exact[0]])
        receivers = np.concatenate([receivers, exact[1]])
    return np.stack([senders, receivers]).astype(np.int64, copy=False)


def _both_directions(pair_keys: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int64]:
    """Sorted directed edges ``[2, E]`` from undirected ``low · n + high`` keys (repeats allowed).

    Each edge is usually found from both of its ends and sometimes on several levels; working
    on undirected keys halves the arrays that are sorted, and makes the result symmetric even
    where a cell's neighbour did not name it back.
    """
    low, high = np.divmod(_unique(pair_keys), n)
    directed = np.sort(np.concatenate([low * n + high, high * n + low]))
    return np.stack(np.divmod(directed, n)).astype(np.int64, copy=False)


def _h3_rings(
    cells: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.intp],
    resolution: int,
    level: int,
) -> npt.NDArray[np.int64]:
    """Edges from ``cells[rows]`` to their level's neighbours, asked of h3 one cell at a time."""
    h3 = _h3_int()
    senders: list[int] = []
    targets: list[int] = []
    for row in rows.tolist():
        parent = h3.cell_to_parent(int(cells[row]), level)
        for neighbour in h3.grid_ring(parent, 1):
            senders.append(row)
            targets.append(h3.cell_to_center_child(neighbour, resolution))
    receivers = np.searchsorted(cells, np.asarray(targets, dtype=np.uint64))
    return np.stack([np.asarray(senders, dtype=np.int64), receivers.astype(np.int64)])


def _h3_int() -> ModuleType:
    """h3's API on integer indices; a clear error if h3 is missing or older than version 4."""
    try:
        from h3.api import basic_int
    except ImportError as error:
        raise MissingDependencyError(
            f"hexagonal (H3) meshes need the h3 package; install it with `{_INSTALL}`."
        ) from error
    if not hasattr(basic_int, "cell_to_latlng"):
        raise MissingDependencyError(
            "hexagonal (H3) meshes need h3 version 4 or later, found an older one; upgrade it "
            f"with `{_INSTALL}`."
        )
    return basic_int


def _h3_numpy() -> ModuleType:
    """h3's API answering with numpy arrays (checked like :func:`_h3_int`)."""
    _h3_int()
    from h3.api import numpy_int

    return numpy_int


def _check_levels(levels: Iterable[int] | None, resolution: int) -> list[int]:
    """The distinct scale resolutions, ascending; all of 0..resolution for ``None``."""
    if levels is None:
        return list(range(resolution + 1))
    if isinstance(levels, (str, bytes)) or not isinstance(levels, Iterable):
        raise GraphBuildError(
            f"scale_resolutions must be a list of H3 resolutions, got {levels!r}; "
            f"for example [{resolution}], or leave it out for all of 0 to {resolution}."
        )
    checked = sorted({check_int(level, "a scale resolution", minimum=0) for level in levels})
    if not checked:
        raise GraphBuildError(
            "scale_resolutions is empty, so no edge would be built; list at least one level or "
            "leave it out for all of them."
        )
    if checked[-1] > resolution:
        raise GraphBuildError(
            f"scale resolution {checked[-1]} is finer than the mesh's resolution {resolution}; "
            f"use levels from 0 to {resolution}."
        )
    return checked


def _check_resolution(resolution: int) -> int:
    """Return ``resolution`` if it is an integer H3 resolution in [0, _MAX_RESOLUTION]."""
    value = check_int(resolution, "the H3 resolution", minimum=0)
    if value > _MAX_RESOLUTION:
        raise GraphBuildError(
            f"H3 resolution {value} is too fine for a mesh (at most {_MAX_RESOLUTION}, which "
            f"already has {2 + 120 * 7**_MAX_RESOLUTION:,} cells); each resolution has about 7 "
            "times as many cells as the one before, and 3 to 5 suit a global processor mesh."
        )
    return value
