"""The :class:`Grid` value object shared by every grid generator.

Conventions (binding for every grid that fc builds, and for the ``latitudes`` / ``longitudes``
arrays of a dataset):

- the grid is *flattened*: one point per ``cell``, rows one after the other;
- rows go from **north to south** (the first point is the northernmost);
- longitudes are in degrees in **[0, 360)**; on a global grid each row **starts at 0°** and
  increases eastwards; on a limited-area grid each row starts at the western edge of the area
  and increases eastwards (the values are still reported in [0, 360)).

These are the conventions of ECMWF's GRIB grids (scanning mode 0), so a field decoded from GRIB
with ecCodes lines up with the grid point for point, without reordering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from fc_utils.exceptions import GridError

__all__ = ["Grid", "GridType"]

#: The kinds of grid fc knows, spelled as ecCodes' ``gridType`` key spells them.
GridType = Literal["regular_ll", "regular_gg", "reduced_gg", "unstructured"]

_GRID_TYPES: tuple[str, ...] = get_args(GridType)


def _readonly_float64(values: Any, what: str) -> np.ndarray:
    """Return ``values`` as a read-only 1-D float64 view (the caller's array stays writable)."""
    array = np.asarray(values, dtype=np.float64).view()
    if array.ndim != 1:
        raise GridError(
            f"Grid {what} must be a flat 1-D array (one value per cell), got shape {array.shape}."
        )
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False, repr=False)
class Grid:
    """A horizontal grid: flattened point coordinates plus the structure they came from.

    The arrays are read-only, so that a grid can be shared (and cached) safely.

    Attributes
    ----------
    name
        Short name: ``O96``, ``N320``, ``F90``, ``1p0``, ``0p25`` ... or a user's name for an
        unstructured grid.
    type
        ``regular_ll``, ``regular_gg``, ``reduced_gg`` or ``unstructured``.
    latitudes, longitudes
        Float64 arrays of shape ``[cell]`` in degrees; rows from north to south, longitudes in
        [0, 360) starting at 0° on each row of a global grid (at the western edge of the area on
        a limited-area grid).
    pl
        Number of points on each row, north to south (reduced grids only, ``None`` otherwise).
    shape
        ``(rows, columns)`` of a regular grid before flattening (``None`` otherwise).
    area
        ``(north, west, south, east)`` in degrees of a limited-area grid, ``None`` if global.
    """

    name: str
    type: GridType
    latitudes: np.ndarray
    longitudes: np.ndarray
    pl: np.ndarray | None = None
    shape: tuple[int, int] | None = None
    area: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        if self.type not in _GRID_TYPES:
            raise GridError(
                f"Unknown grid type {self.type!r}; use one of {', '.join(_GRID_TYPES)}."
            )
        lat = _readonly_float64(self.latitudes, "latitudes")
        lon = _readonly_float64(self.longitudes, "longitudes")
        if lat.shape != lon.shape:
            raise GridError(
                f"Grid {self.name!r} has {lat.size} latitudes but {lon.size} longitudes; "
                "give one latitude and one longitude per cell."
            )
        if lat.size == 0:
            raise GridError(f"Grid {self.name!r} has no points.")
        if not (np.all(np.abs(lat) <= 90.0) and np.all(np.isfinite(lon))):
            raise GridError(
                f"Grid {self.name!r} has latitudes outside [-90, 90] or non-finite longitudes; "
                "give coordinates in degrees."
            )
        object.__setattr__(self, "latitudes", lat)
        object.__setattr__(self, "longitudes", lon)
        object.__setattr__(self, "pl", self._checked_pl(lat.size))
        object.__setattr__(self, "shape", self._checked_shape(lat.size))
        if self.area is not None:
            if len(self.area) != 4:
                raise GridError(
                    f"Grid area must be [north, west, south, east], got {list(self.area)}."
                )
            object.__setattr__(self, "area", tuple(float(v) for v in self.area))

    def _checked_pl(self, size: int) -> np.ndarray | None:
        if self.type != "reduced_gg":
            if self.pl is not None:
                raise GridError(f"Only reduced grids have a pl array, not a {self.type} grid.")
            return None
        if self.pl is None:
            raise GridError(f"Reduced grid {self.name!r} needs its pl array (points per row).")
        pl = np.asarray(self.pl, dtype=np.int64).view()
        if pl.ndim != 1 or np.any(pl <= 0) or int(pl.sum()) != size:
            raise GridError(
                f"The pl array of grid {self.name!r} must be positive row lengths adding up to "
                f"the {size} points of the grid."
            )
        pl.flags.writeable = False
        return pl

    def _checked_shape(self, size: int) -> tuple[int, int] | None:
        if self.type not in ("regular_ll", "regular_gg"):
            if self.shape is not None:
                raise GridError(f"Only regular grids have a shape, not a {self.type} grid.")
            return None
        if self.shape is None or len(self.shape) != 2:
            raise GridError(f"Regular grid {self.name!r} needs its (rows, columns) shape.")
        shape = (int(self.shape[0]), int(self.shape[1]))
        if shape[0] * shape[1] != size:
            raise GridError(
                f"Grid {self.name!r} has shape {shape} but {size} points; they must agree."
            )
        return shape

    @property
    def size(self) -> int:
        """Number of points (cells) of the grid."""
        return int(self.latitudes.size)

    @property
    def row_lengths(self) -> np.ndarray | None:
        """Points per row, north to south, for structured grids; ``None`` if unstructured."""
        if self.pl is not None:
            return self.pl
        if self.shape is not None:
            return np.full(self.shape[0], self.shape[1], dtype=np.int64)
        return None

    def description(self) -> dict[str, Any]:
        """Describe the grid for the ``GridDescription`` schema of fc-config.

        Returns
        -------
        dict
            ``type``, ``name``, ``number_of_points`` (the :attr:`size`), ``pl`` (list of ints
            or ``None``) and ``area`` (``[north, west, south, east]`` or ``None``), the fields of
            ``fc_config.GridDescription``. Coordinates are not included: a dataset stores them
            as arrays of their own.
        """
        return {
            "type": self.type,
            "name": self.name,
            "number_of_points": self.size,
            "pl": None if self.pl is None else [int(v) for v in self.pl],
            "area": None if self.area is None else list(self.area),
        }

    def __repr__(self) -> str:
        extra = f", area={list(self.area)}" if self.area is not None else ""
        return f"Grid(name={self.name!r}, type={self.type!r}, size={self.size}{extra})"
