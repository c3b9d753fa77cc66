"""Views that keep some grid points: ``thinning`` and ``area``.

Both are an index mapping on the ``cell`` axis: the store reads each date in one piece and
the kept points are taken from it, and the coordinates and grid description follow.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from fc_datasets.views._indexing import AxisSelection, compose
from fc_datasets.views.base import Dataset, ForwardingView, readonly
from fc_datasets.views.errors import OpenDatasetError

if TYPE_CHECKING:
    from fc_utils.grids import Grid

__all__ = ["THINNING_METHODS", "CellSubset", "area_view", "thinning_view"]

#: Thinning methods: ``every-nth`` keeps every n-th row and every n-th point of each kept row
#: of a structured grid; ``every-nth-point`` keeps every n-th point of the flattened grid.
THINNING_METHODS = ("every-nth", "every-nth-point")


class CellSubset(ForwardingView):
    """The grid points at ``indices`` of the parent, described by ``grid``."""

    def __init__(
        self,
        forward: Dataset,
        indices: np.ndarray,
        grid: dict[str, Any],
        view: str,
        options: dict[str, Any],
    ) -> None:
        super().__init__(forward)
        self.view = view  # type: ignore[misc]
        self._indices = readonly(np.asarray(indices, dtype=np.int64))
        self._grid = grid
        self._option_values = options

    @property
    def number_of_cells(self) -> int:
        return len(self._indices)

    @cached_property
    def latitudes(self) -> np.ndarray:
        return readonly(self.forward.latitudes[self._indices])

    @cached_property
    def longitudes(self) -> np.ndarray:
        return readonly(self.forward.longitudes[self._indices])

    @property
    def grid(self) -> dict[str, Any]:
        return dict(self._grid)

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        return self.forward._fetch(dates, variables, members, compose(self._indices, cells))

    def _options(self) -> dict[str, Any]:
        return self._option_values


def _row_lengths(latitudes: np.ndarray) -> np.ndarray:
    """Lengths of the runs of equal latitude (the rows of a structured grid)."""
    if latitudes.size == 0:
        return np.empty(0, dtype=np.int64)
    breaks = np.flatnonzero(np.diff(latitudes) != 0) + 1
    edges = np.concatenate(([0], breaks, [latitudes.size]))
    return np.diff(edges).astype(np.int64)


def _grid_of(dataset: Dataset) -> Grid:
    """An fc-utils :class:`Grid` for the dataset's points, with its row structure if known."""
    from fc_utils.grids import Grid

    description = dataset.grid
    lat, lon = dataset.latitudes, dataset.longitudes
    kind = description.get("type", "unstructured")
    name = description.get("name") or "grid"
    area = description.get("area")
    area = None if area is None else tuple(area)
    pl = description.get("pl")
    if kind == "reduced_gg" and pl and int(np.sum(pl)) == lat.size:
        return Grid(name, "reduced_gg", lat, lon, pl=np.asarray(pl), area=area)
    if kind in ("regular_ll", "regular_gg"):
        rows = _row_lengths(lat)
        if rows.size and (rows == rows[0]).all():
            return Grid(name, kind, lat, lon, shape=(int(rows.size), int(rows[0])), area=area)
    return Grid(name, "unstructured", lat, lon, area=area)


def _extent(lat: np.ndarray, lon: np.ndarray) -> list[float]:
    return [float(lat.max()), float(lon[0]), float(lat.min()), float(lon[-1])]


def thinning_view(forward: Dataset, thinning: Any, method: str = "every-nth") -> CellSubset:
    """Keep every ``thinning``-th point (see :data:`THINNING_METHODS`)."""
    from fc_config.suggest import did_you_mean

    if isinstance(thinning, bool) or not isinstance(thinning, int | np.integer) or thinning < 1:
        raise OpenDatasetError(
            f"thinning takes a whole number of points n >= 1 (keep one in n), got {thinning!r}."
        )
    n = int(thinning)
    if method not in THINNING_METHODS:
        raise OpenDatasetError(
            f"unknown thinning method {method!r}.{did_you_mean(method, THINNING_METHODS)} "
            f"fc supports {', '.join(THINNING_METHODS)}."
        )
    options = {"thinning": n, "method": method}
    description = forward.grid
    if method == "every-nth-point":
        indices = np.arange(0, forward.number_of_cells, n, dtype=np.int64)
        grid = _unstructured(description, indices.size)
        return CellSubset(forward, indices, grid, "thinning", options)
    parent = _grid_of(forward)
    rows = parent.row_lengths
    if rows is None:
        raise OpenDatasetError(
            f"thinning with method 'every-nth' needs a structured grid (rows of points), but "
            f"this dataset's grid is {description.get('type', 'unstructured')}.",
            hint="Use method='every-nth-point' to keep every n-th point of the flattened grid.",
        )
    starts = np.cumsum(rows) - rows
    kept_rows = range(0, rows.size, n)
    indices = np.concatenate(
        [starts[r] + np.arange(0, rows[r], n, dtype=np.int64) for r in kept_rows]
    )
    lat, lon = parent.latitudes[indices], parent.longitudes[indices]
    if parent.type == "regular_ll":
        grid = _thinned_latlon(description, parent, lat, lon, len(kept_rows), indices.size)
    else:
        grid = _unstructured(description, indices.size)
    return CellSubset(forward, indices, grid, "thinning", options)


def _unstructured(description: dict[str, Any], size: int) -> dict[str, Any]:
    return {
        "type": "unstructured",
        "name": None,
        "number_of_points": size,
        "pl": None,
        "area": description.get("area"),
    }


def _thinned_latlon(
    description: dict[str, Any],
    parent: Grid,
    lat: np.ndarray,
    lon: np.ndarray,
    rows: int,
    size: int,
) -> dict[str, Any]:
    from fc_utils.grids import latlon_name

    columns = size // rows
    name = None
    if rows > 1 and columns > 1:
        dlat = abs(float(lat[columns] - lat[0]))
        dlon = float(lon[1] - lon[0]) % 360.0
        name = latlon_name(dlat, dlon)
    same_extent = lat.max() == parent.latitudes.max() and lat.min() == parent.latitudes.min()
    area = None if description.get("area") is None and same_extent else _extent(lat, lon)
    return {"type": "regular_ll", "name": name, "number_of_points": size, "pl": None, "area": area}


def area_view(forward: Dataset, area: Any) -> CellSubset:
    """Keep the points inside ``area`` = ``[north, west, south, east]`` (degrees)."""
    from fc_config.exceptions import FcError
    from fc_utils.grids import area_subset

    if isinstance(area, str | bytes) or not hasattr(area, "__len__") or len(area) != 4:
        raise OpenDatasetError(
            f"area takes four numbers [north, west, south, east] in degrees, got {area!r}."
        )
    parent = _grid_of(forward)
    try:
        subset, indices = area_subset(parent, list(area))
    except FcError as exc:
        raise OpenDatasetError(f"area {list(area)}: {exc}") from None
    original = forward.grid
    # the name stays only if the grid kept its kind (its rows could be recovered)
    name = original.get("name") if parent.type == original.get("type") else None
    grid = {**subset.description(), "name": name}
    return CellSubset(forward, indices, grid, "area", {"area": [float(a) for a in area]})
