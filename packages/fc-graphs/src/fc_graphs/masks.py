"""Node masks read from a dataset variable: a land-sea mask, the inner area of a regional model.

A graph recipe can limit a node set to where a dataset variable is non-zero (``mask`` of a node
builder) or store that as a boolean node attribute (an attribute of kind ``mask``), which edge
builders (``source_mask`` / ``target_mask``) and post-processors (``ignore``) then name.

The variable is read from an fc dataset (a zarr v3 store, see ``docs/formats/dataset.md``) with
zarr directly, because fc-graphs must not depend on fc-datasets. Only the needed chunk is read.

Which values
------------
A dataset holds every variable on every date and for every ensemble member, while a mask is one
value per grid point. A mask is meant to be a constant field (``lsm``, a regional mask), so fc
takes the variable's values on the **first date that is not missing** (a missing date holds only
NaN), **first ensemble member**. A node is selected where that value is non-zero and not NaN.

The nodes and the dataset must describe the same grid in the same order: the dataset must have
as many cells as the grid the nodes were taken from, and, unless the nodes were read from that
very dataset, the same coordinates to :data:`COORDINATE_TOLERANCE` degrees.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fc_config.suggest import did_you_mean
from fc_graphs.exceptions import GraphBuildError, MissingDependencyError

__all__ = ["COORDINATE_TOLERANCE", "mask_on_nodes", "open_dataset_group", "read_mask"]

logger = logging.getLogger(__name__)

#: Largest difference, in degrees, between a node's coordinates and its dataset cell's.
COORDINATE_TOLERANCE = 1e-6


def open_dataset_group(path: str | Path) -> Any:
    """Open an fc dataset's root zarr group for reading.

    Raises
    ------
    GraphBuildError
        If ``path`` is not a zarr v3 store or zarr is not installed.
    """
    store = Path(path)
    if not (store / "zarr.json").exists():
        raise GraphBuildError(
            f"{store} is not a zarr v3 dataset (no zarr.json): check the path of the dataset."
        )
    try:
        import zarr
    except ImportError as error:
        raise MissingDependencyError(
            'reading a dataset needs zarr; install it with: pip install "fc-graphs[datasets]"'
        ) from error
    return zarr.open_group(str(store), mode="r")


def read_mask(path: str | Path, variable: str) -> npt.NDArray[np.bool_]:
    """Where a dataset variable is non-zero and not NaN, on the first date that is not missing.

    Parameters
    ----------
    path
        The fc dataset (zarr v3 store).
    variable
        Name of the variable, one of the dataset's ``variables`` attribute.

    Returns
    -------
    numpy.ndarray
        Boolean array ``[cell]`` (first ensemble member; see the module documentation).

    Raises
    ------
    GraphBuildError
        If the store is not an fc dataset, the variable is unknown (with a suggestion), or every
        date is missing.
    """
    root = open_dataset_group(path)
    variables = [str(name) for name in root.attrs.get("variables", [])]
    if variable not in variables:
        raise GraphBuildError(
            f"dataset {path} has no variable {variable!r} to make a mask from; it has "
            f"{', '.join(variables) or 'none'}." + did_you_mean(variable, variables)
        )
    data = root.get("data")
    if data is None or len(data.shape) != 4:
        raise GraphBuildError(
            f"dataset {path} has no 'data' array [date, variable, ensemble, cell]; is it a "
            "finalised fc dataset?"
        )
    date = _first_present_date(root, path, int(data.shape[0]))
    values = np.asarray(data[date, variables.index(variable), 0, :])
    selected = (values != 0) & ~np.isnan(values)
    logger.info(
        "mask %r of %s (date %d, member 0): %d of %d cells selected",
        variable,
        path,
        date,
        int(selected.sum()),
        selected.size,
    )
    return np.ascontiguousarray(selected)


def mask_on_nodes(
    dataset: str | Path | None,
    variable: str,
    latitudes: npt.NDArray[np.float64],
    longitudes: npt.NDArray[np.float64],
    *,
    indices: npt.NDArray[np.int64] | None = None,
    n_cells: int | None = None,
    nodes_dataset: str | Path | None = None,
    where: str = "nodes",
) -> npt.NDArray[np.bool_]:
    """A dataset mask on a node set: for each node, the mask of its dataset cell.

    Parameters
    ----------
    dataset
        The dataset that holds the mask variable; ``None`` for ``nodes_dataset``.
    variable
        The mask variable (see :func:`read_mask`).
    latitudes, longitudes
        The nodes' coordinates in degrees.
    indices
        For nodes taken from a larger grid (limited to an area, say), the index of each node in
        that grid, which is the dataset's cell index; ``None`` when node ``i`` is cell ``i``.
    n_cells
        Number of points of the grid the nodes were taken from (the number of nodes when
        ``indices`` is ``None``); the dataset must have as many cells.
    nodes_dataset
        The dataset the nodes' coordinates were read from, if any: a mask read from that same
        dataset needs no comparison of coordinates. Any other dataset must have the nodes'
        coordinates to :data:`COORDINATE_TOLERANCE` degrees.
    where
        What the nodes are, for messages (``node set 'data'``).

    Returns
    -------
    numpy.ndarray
        Boolean array ``[n_nodes]``.

    Raises
    ------
    GraphBuildError
        If no dataset is given, the dataset cannot be read, or its grid is not the nodes' grid.
    """
    path = dataset if dataset is not None else nodes_dataset
    if path is None:
        raise GraphBuildError(
            f"{where}: the mask {variable!r} names no dataset; give the path of the dataset "
            "that holds the variable (dataset: ...)."
        )
    expected = int(n_cells if n_cells is not None else latitudes.size)
    try:
        values = read_mask(path, variable)
    except GraphBuildError as error:
        raise GraphBuildError(f"{where}, mask {variable!r}: {error}") from error
    if values.size != expected:
        raise GraphBuildError(
            f"{where}: the mask {variable!r} of dataset {path} has {values.size} grid points but "
            f"the nodes come from a grid of {expected}; use a dataset on the same grid as the "
            "nodes."
        )
    if not _same_store(path, nodes_dataset):
        _check_coordinates(path, latitudes, longitudes, indices, where)
    return values if indices is None else values[indices]


def _same_store(path: str | Path, other: str | Path | None) -> bool:
    """Whether two dataset paths name the same store."""
    return other is not None and Path(path).resolve() == Path(other).resolve()


def _first_present_date(root: Any, path: str | Path, n_dates: int) -> int:
    """Index of the first date not listed in the ``missing_dates`` attribute."""
    if n_dates == 0:
        raise GraphBuildError(f"dataset {path} has no date, so no values to make a mask from.")
    missing = root.attrs.get("missing_dates") or []
    if not missing:
        return 0
    dates = np.asarray(root["dates"][...]).astype("datetime64[s]")
    present = np.flatnonzero(~np.isin(dates, np.array(missing, dtype="datetime64[s]")))
    if present.size == 0:
        raise GraphBuildError(
            f"every date of dataset {path} is missing, so it has no values to make a mask from."
        )
    return int(present[0])


def _check_coordinates(
    path: str | Path,
    latitudes: npt.NDArray[np.float64],
    longitudes: npt.NDArray[np.float64],
    indices: npt.NDArray[np.int64] | None,
    where: str,
) -> None:
    """Refuse nodes whose coordinates are not their dataset cells' (to the tolerance)."""
    root = open_dataset_group(path)
    cells = []
    for key in ("latitudes", "longitudes"):
        array = root.get(key)
        if array is None:
            raise GraphBuildError(f"dataset {path} has no {key!r} array; is it an fc dataset?")
        values = np.asarray(array[...], dtype=np.float64)
        cells.append(values if indices is None else values[indices])
    lat_error = np.abs(cells[0] - latitudes)
    # longitudes are compared around the circle (0 and 360 are the same), and not at the poles
    lon_error = np.abs((cells[1] - longitudes + 180.0) % 360.0 - 180.0)
    lon_error[np.abs(latitudes) > 90.0 - COORDINATE_TOLERANCE] = 0.0
    error = np.maximum(lat_error, lon_error)
    worst = int(np.argmax(error)) if error.size else 0
    if error.size and error[worst] > COORDINATE_TOLERANCE:
        raise GraphBuildError(
            f"{where}: the coordinates of dataset {path} are not those of the nodes (node "
            f"{worst} is at ({latitudes[worst]:.6f}, {longitudes[worst]:.6f}), its cell at "
            f"({cells[0][worst]:.6f}, {cells[1][worst]:.6f}); {int((error > COORDINATE_TOLERANCE).sum())} "
            "nodes differ by more than 1e-6°); take the mask from a dataset on the same grid, "
            "with its points in the same order."
        )
