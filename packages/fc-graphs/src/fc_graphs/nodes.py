"""Node sets: the points of a graph, built from the ``builder`` of a node set in a graph recipe.

A graph joins node sets (the dataset's grid, a hidden mesh) with edges. :func:`build_nodes`
turns one recipe entry (an fc-config node builder: ``grid``, ``dataset``, ``file`` /
``latlon_arrays``, ``icosahedral`` or ``healpix``) into a :class:`NodeSet`: coordinates in
degrees, unit vectors for the edge builders, and for an icosahedral set the triangulation the
``containing_triangle`` edges need. An ``area`` limits any of them to a ``[north, west, south,
east]`` box, for limited-area models, and a ``mask`` to the points where a dataset variable is
non-zero (:mod:`fc_graphs.masks`); both together keep the points inside the area *and* the mask.
A limited set remembers where its nodes came from (:attr:`NodeSet.full_indices`), so that a
mask attribute can be read from the full grid's dataset and a limited icosahedral mesh can take
its multi-mesh edges from the global mesh.

fc-graphs must not depend on fc-datasets, so a ``dataset`` builder reads the store's
``latitudes`` and ``longitudes`` arrays with zarr directly; zarr (and xarray for NetCDF files)
are imported only when such a builder is used.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fc_config.recipes.graph import (
    DatasetNodes,
    FileNodes,
    GridNodes,
    HealpixNodes,
    IcosahedralNodes,
    NodeMask,
)
from fc_config.suggest import did_you_mean
from fc_graphs.exceptions import GraphBuildError, MissingDependencyError
from fc_graphs.geometry import latlon_to_xyz, xyz_to_latlon
from fc_graphs.meshes.healpix import healpix_pixel_centres
from fc_graphs.meshes.hexagonal import hexagonal_nodes
from fc_graphs.meshes.icosahedral import TriangularMesh, refined_meshes

__all__ = ["NODE_BUILDER_KINDS", "NodeSet", "build_nodes"]

logger = logging.getLogger(__name__)

#: The builder kinds :func:`build_nodes` understands.
NODE_BUILDER_KINDS: tuple[str, ...] = (
    "dataset",
    "file",
    "latlon_arrays",
    "grid",
    "icosahedral",
    "healpix",
)

#: Degrees of slack so that points on the edge of an area (up to round-off) are inside.
_EDGE = 1e-9

_Builder = DatasetNodes | FileNodes | GridNodes | IcosahedralNodes | HealpixNodes
_Coordinates = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], TriangularMesh | None]


@dataclass(frozen=True)
class NodeSet:
    """The points of one node set of a graph.

    Attributes
    ----------
    name
        The node set's name in the recipe (``data``, ``hidden`` ...).
    latitudes, longitudes
        ``float64`` arrays ``[n]`` in degrees, in the order the nodes are numbered.
    mesh
        For an icosahedral set, the triangulation whose vertices are the nodes (vertex ``i`` is
        node ``i``); ``None`` for the other builders. A limited set keeps the triangles whose
        three corners it kept.
    description
        What the set was built from (the builder's settings), stored with the graph so that a
        user can tell later which grid or mesh it holds.
    full_indices
        For a set limited by an ``area``, a ``mask`` or a post-processor: the sorted ``int64``
        index of each node among the points of the builder's full set (the dataset's cell, the
        global mesh's vertex); ``None`` when no point was removed.
    full_size
        The number of points of the builder's full set; ``None`` when no point was removed.
    """

    name: str
    latitudes: npt.NDArray[np.float64]
    longitudes: npt.NDArray[np.float64]
    mesh: TriangularMesh | None = None
    description: dict[str, Any] = field(default_factory=dict)
    full_indices: npt.NDArray[np.int64] | None = None
    full_size: int | None = None

    @property
    def size(self) -> int:
        """The number of nodes."""
        return int(self.latitudes.shape[0])

    @property
    def xyz(self) -> npt.NDArray[np.float64]:
        """The nodes as unit vectors ``[n, 3]``, the form every edge builder works on."""
        return latlon_to_xyz(self.latitudes, self.longitudes)

    def subset(self, kept: npt.NDArray[np.int64]) -> NodeSet:
        """The nodes ``kept`` (sorted indices), renumbered in that order.

        ``full_indices`` still point into the builder's full set, and a mesh keeps the
        triangles whose three corners are kept.
        """
        index = np.asarray(kept, dtype=np.int64)
        mesh = self.mesh
        if mesh is not None:
            inside = np.zeros(self.size, dtype=bool)
            inside[index] = True
            mesh = _submesh(mesh, inside, index)
        return NodeSet(
            name=self.name,
            latitudes=self.latitudes[index],
            longitudes=self.longitudes[index],
            mesh=mesh,
            description=self.description,
            full_indices=index if self.full_indices is None else self.full_indices[index],
            full_size=self.size if self.full_size is None else self.full_size,
        )


def build_nodes(name: str, builder_config: _Builder | Mapping[str, Any]) -> NodeSet:
    """Build the node set ``name`` from its recipe ``builder``.

    Parameters
    ----------
    name
        Name of the node set, used in messages and kept in the result.
    builder_config
        An fc-config node builder (:class:`~fc_config.recipes.graph.GridNodes` ...) or the
        mapping it is read from (``{"kind": "healpix", "nside": 8}``).

    Returns
    -------
    NodeSet
        The nodes, limited to ``area`` and ``mask`` when the builder has them.

    Raises
    ------
    GraphBuildError
        For an unknown ``kind`` (with a suggestion), invalid settings, a file or dataset that
        cannot be read, a mask dataset that is not on the nodes' grid, or an area and mask that
        keep no node.
    """
    builder = _validated(name, builder_config)
    latitudes, longitudes, mesh = _coordinates(builder)
    description: dict[str, Any] = builder.model_dump(mode="json", exclude_none=True)
    node_set = NodeSet(
        name=name, latitudes=latitudes, longitudes=longitudes, mesh=mesh, description=description
    )
    if builder.area is not None or builder.mask is not None:
        node_set = _limited(name, builder, node_set)
    logger.info("node set %r: %d nodes from %s builder", name, node_set.size, builder.kind)
    return node_set


def _limited(name: str, builder: _Builder, full: NodeSet) -> NodeSet:
    """``full`` limited to the builder's area and mask (both, when it has both)."""
    if full.latitudes.shape != full.longitudes.shape:
        raise GraphBuildError(
            f"node set {name!r}: {full.latitudes.size} latitudes but {full.longitudes.size} "
            "longitudes; give one of each per node."
        )
    keep = np.ones(full.size, dtype=bool)
    what = []
    if builder.area is not None:
        keep &= _inside_area(builder.area, full.latitudes, full.longitudes)
        what.append(f"the area {list(builder.area)} [north, west, south, east]")
    if builder.mask is not None:
        keep &= _builder_mask(name, builder.mask, builder, full)
        what.append(f"the mask {builder.mask.variable!r}")
    kept = np.flatnonzero(keep)
    if kept.size == 0:
        hint = (
            "check the order of the values and that the area is not smaller than the spacing "
            "of the nodes"
            if builder.mask is None
            else "check that the mask variable is non-zero somewhere in the area"
        )
        raise GraphBuildError(
            f"node set {name!r}: {' and '.join(what)} keep{'s' if len(what) == 1 else ''} none "
            f"of its {full.size} nodes; {hint}."
        )
    if kept.size == full.size:
        return full
    return full.subset(kept)


def _builder_mask(
    name: str, mask: NodeMask, builder: _Builder, full: NodeSet
) -> npt.NDArray[np.bool_]:
    """The builder's ``mask`` over all its points, read from the dataset it names."""
    from fc_graphs.masks import mask_on_nodes

    return mask_on_nodes(
        mask.dataset,
        mask.variable,
        full.latitudes,
        full.longitudes,
        nodes_dataset=builder.path if isinstance(builder, DatasetNodes) else None,
        where=f"node set {name!r}",
    )


def _validated(name: str, config: _Builder | Mapping[str, Any]) -> _Builder:
    """Return ``config`` as an fc-config builder, explaining an unknown kind or bad settings."""
    if isinstance(config, _Builder):
        return config
    if not isinstance(config, Mapping):
        raise GraphBuildError(
            f"node set {name!r}: expected a node builder such as {{kind: grid, grid: O96}}, "
            f"got {type(config).__name__}."
        )
    kind = config.get("kind")
    if kind not in NODE_BUILDER_KINDS:
        raise GraphBuildError(
            f"node set {name!r}: unknown node builder kind {kind!r}; choose one of "
            f"{', '.join(NODE_BUILDER_KINDS)}." + did_you_mean(str(kind), NODE_BUILDER_KINDS)
        )
    from fc_config.errors import validate
    from fc_config.exceptions import ConfigError

    models: dict[str, type[_Builder]] = {
        "dataset": DatasetNodes,
        "file": FileNodes,
        "latlon_arrays": FileNodes,
        "grid": GridNodes,
        "icosahedral": IcosahedralNodes,
        "healpix": HealpixNodes,
    }
    try:
        built: _Builder = validate(models[str(kind)], dict(config), source=f"node set {name!r}")
    except ConfigError as error:
        raise GraphBuildError(f"invalid {kind} builder: {error}") from error
    return built


def _grid(builder: GridNodes) -> _Coordinates:
    from fc_utils.exceptions import GridError
    from fc_utils.grids import grid_from_name

    try:
        grid = grid_from_name(builder.grid)
    except GridError as error:
        raise GraphBuildError(f"grid {builder.grid!r}: {error}") from error
    return _float64(grid.latitudes), _float64(grid.longitudes), None


def _dataset(builder: DatasetNodes) -> _Coordinates:
    from fc_graphs.masks import open_dataset_group

    root = open_dataset_group(builder.path)  # imports zarr, or explains how to install it
    import zarr

    coordinates = []
    for key in ("latitudes", "longitudes"):
        array = root.get(key)
        if not isinstance(array, zarr.Array):
            raise GraphBuildError(
                f"dataset {builder.path} has no {key!r} array; is it a finalised fc dataset?"
            )
        coordinates.append(_float64(np.asarray(array[...])))
    return coordinates[0], coordinates[1], None


def _file(builder: FileNodes) -> _Coordinates:
    path = Path(builder.path)
    if not path.is_file():
        raise GraphBuildError(f"node file {path} does not exist; check the path.")
    names = (builder.latitudes, builder.longitudes)
    if path.suffix == ".npz":
        with np.load(path) as arrays:
            available = list(arrays.files)
            values = [_named(arrays, key, available, path) for key in names]
    elif path.suffix in (".nc", ".nc4", ".netcdf", ".cdf"):
        values = _netcdf_arrays(path, names)
    else:
        raise GraphBuildError(
            f"node file {path} must be an .npz or NetCDF (.nc) file, got {path.suffix!r}."
        )
    return _float64(values[0]), _float64(values[1]), None


def _named(arrays: Any, key: str, available: list[str], path: Path) -> npt.NDArray[Any]:
    """The array ``key`` of an npz file, or an error naming the arrays it has."""
    if key not in available:
        raise GraphBuildError(
            f"{path} has no array {key!r}; it has {', '.join(available) or 'none'}."
            + did_you_mean(key, available)
        )
    return np.asarray(arrays[key])


def _netcdf_arrays(path: Path, names: tuple[str, str]) -> list[npt.NDArray[Any]]:
    """The variables ``names`` of a NetCDF file, read with xarray (an optional dependency)."""
    try:
        import xarray as xr
    except ImportError as error:
        raise MissingDependencyError(
            "reading nodes from NetCDF needs xarray; install it with: pip install "
            '"fc-graphs[netcdf]", or save the coordinates with numpy.savez as an .npz file.'
        ) from error
    with xr.open_dataset(path) as data:
        available = [str(v) for v in data.variables]
        for key in names:
            if key not in available:
                raise GraphBuildError(
                    f"{path} has no variable {key!r}; it has {', '.join(available)}."
                    + did_you_mean(key, available)
                )
        return [np.asarray(data[key].values) for key in names]


def _icosahedral(builder: IcosahedralNodes) -> _Coordinates:
    if builder.shape == "hexagons":  # H3 cells, in the order of hexagonal_cells
        latitudes, longitudes = hexagonal_nodes(builder.resolution)
        return latitudes, longitudes, None
    mesh = refined_meshes(builder.resolution)[-1]
    latitudes, longitudes = xyz_to_latlon(mesh.vertices)
    return latitudes, longitudes, mesh


def _healpix(builder: HealpixNodes) -> _Coordinates:
    latitudes, longitudes = healpix_pixel_centres(builder.nside)
    return latitudes, longitudes, None


def _coordinates(builder: _Builder) -> _Coordinates:
    """Dispatch on the builder's type (one per ``kind``; ``latlon_arrays`` is a ``file``)."""
    if isinstance(builder, GridNodes):
        return _grid(builder)
    if isinstance(builder, DatasetNodes):
        return _dataset(builder)
    if isinstance(builder, FileNodes):
        return _file(builder)
    if isinstance(builder, IcosahedralNodes):
        return _icosahedral(builder)
    return _healpix(builder)


def _float64(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Coordinates as a flat ``float64`` array (2-D lat-lon fields are flattened row-major)."""
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64).reshape(-1))


def _inside_area(
    area: tuple[float, float, float, float],
    latitudes: npt.NDArray[np.float64],
    longitudes: npt.NDArray[np.float64],
) -> npt.NDArray[np.bool_]:
    """Which points lie inside ``[north, west, south, east]``.

    The area runs eastwards from ``west`` to ``east`` (so it may cross 0° or 180°), edges
    included, as in :mod:`fc_utils.grids.area`.
    """
    north, west, south, east = area
    inside = (latitudes >= south - _EDGE) & (latitudes <= north + _EDGE)
    if east - west < 360.0 - _EDGE:
        span = (east - west) % 360.0
        if span > _EDGE or east == west:
            offset = np.mod(longitudes - west, 360.0)
            offset[offset > 360.0 - _EDGE] = 0.0
            inside &= offset <= span + _EDGE
    return inside


def _submesh(
    mesh: TriangularMesh, inside: npt.NDArray[np.bool_], kept: npt.NDArray[np.int64]
) -> TriangularMesh:
    """The triangles of ``mesh`` with all corners in ``inside``, on the kept vertices only."""
    new_index = np.full(inside.size, -1, dtype=np.int64)
    new_index[kept] = np.arange(kept.size, dtype=np.int64)
    faces = mesh.faces[np.all(inside[mesh.faces], axis=1)]
    return TriangularMesh(vertices=mesh.vertices[kept], faces=new_index[faces], level=mesh.level)
