"""Limited areas: the ``[north, west, south, east]`` convention and :func:`area_subset`.

An area is given as MARS gives it: ``[north, west, south, east]`` in degrees. West and east
may be written in [-180, 180] or [0, 360]; the area runs eastwards from ``west`` to ``east``,
so ``[72, -25, 34, 45]`` (Europe) crosses the 0° meridian, and an area whose east is not
greater than its west wraps round (``[10, 350, -10, 10]`` is the same as ``[10, -10, -10, 10]``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from fc_utils.exceptions import GridError
from fc_utils.grids.grid import Grid

__all__ = ["area_subset"]

#: Degrees of slack so that points on the edge of an area (up to float round-off) are inside.
_EDGE = 1e-9


class _Area(NamedTuple):
    north: float
    west: float
    south: float
    east: float
    #: Eastward extent from west to east in degrees, in (0, 360]; 360 means all longitudes.
    span: float

    @property
    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.north, self.west, self.south, self.east)


def _parse_area(area: Sequence[float]) -> _Area:
    """Check ``[north, west, south, east]`` and work out its eastward longitude span."""
    try:
        values = [float(v) for v in area]
    except (TypeError, ValueError) as exc:
        raise GridError(
            f"An area must be four numbers [north, west, south, east] in degrees, got {area!r}."
        ) from exc
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise GridError(
            f"An area must be four finite numbers [north, west, south, east], got {list(area)}."
        )
    north, west, south, east = values
    if not -90.0 <= south <= north <= 90.0:
        raise GridError(
            f"Area {values} must have -90 <= south <= north <= 90 "
            "(the order is [north, west, south, east])."
        )
    if east - west >= 360.0 - _EDGE:
        span = 360.0
    else:
        span = (east - west) % 360.0
        if span <= _EDGE and east != west:
            span = 360.0
    return _Area(north, west, south, east, span)


def _wrap360(longitudes: np.ndarray) -> np.ndarray:
    """Map longitudes to [0, 360), guarding against ``-1e-17 % 360 == 360.0``."""
    wrapped = np.mod(longitudes, 360.0)
    wrapped[wrapped >= 360.0] = 0.0
    return wrapped


def _row_ids(grid: Grid) -> np.ndarray | None:
    rows = grid.row_lengths
    if rows is None:
        return None
    return np.repeat(np.arange(rows.size), rows)


def area_subset(grid: Grid, area: Sequence[float]) -> tuple[Grid, np.ndarray]:
    """Cut a limited-area grid out of ``grid``, and say which points were kept.

    Points on the edges of the area are inside. On a structured grid, each row of the result
    runs eastwards from the western edge of the area (so ``area_subset(regular_latlon(1), a)``
    has exactly the points of ``regular_latlon(1, area=a)``, in the same order), and rows stay
    north to south. An unstructured grid keeps the order of its points.

    Parameters
    ----------
    grid
        The parent grid (global or not).
    area
        ``[north, west, south, east]`` in degrees; see :mod:`fc_utils.grids.area`.

    Returns
    -------
    tuple[Grid, numpy.ndarray]
        The limited-area grid (same name and type as the parent, its ``area`` set, ``pl`` or
        ``shape`` recomputed) and the int64 ``indices`` into the parent such that
        ``subset.latitudes == grid.latitudes[indices]``; select a field's values the same way
        (``values[..., indices]``).

    Raises
    ------
    GridError
        If the area is malformed or contains no point of the grid.
    """
    box = _parse_area(area)
    lat, lon = grid.latitudes, grid.longitudes
    inside = (lat >= box.south - _EDGE) & (lat <= box.north + _EDGE)
    # Eastward distance from the western edge, in [0, 360).
    offset = _wrap360(lon - box.west)
    offset[offset > 360.0 - _EDGE] = 0.0
    if box.span < 360.0:
        inside &= offset <= box.span + _EDGE
    indices = np.flatnonzero(inside)
    if indices.size == 0:
        raise GridError(
            f"Area {list(box.as_tuple)} contains no point of grid {grid.name}; "
            "check the order [north, west, south, east] and that the area is not too small."
        )
    rows = _row_ids(grid)
    pl: np.ndarray | None = None
    shape: tuple[int, int] | None = None
    if rows is not None:
        kept_rows = rows[indices]
        indices = indices[np.lexsort((offset[indices], kept_rows))]
        counts = np.bincount(kept_rows)
        counts = counts[counts > 0]
        if grid.type == "reduced_gg":
            pl = counts
        elif np.all(counts == counts[0]):
            shape = (int(counts.size), int(counts[0]))
        else:  # pragma: no cover - a box keeps the same columns on every row of a regular grid
            raise GridError(f"Area {list(box.as_tuple)} cuts grid {grid.name} unevenly.")
    subset = Grid(
        name=grid.name,
        type=grid.type,
        latitudes=lat[indices],
        longitudes=lon[indices],
        pl=pl,
        shape=shape,
        area=box.as_tuple,
    )
    return subset, indices.astype(np.int64)
