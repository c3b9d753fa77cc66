"""Regular latitude-longitude grids (``1p0``, ``0p25`` ...), global or limited-area.

A global grid includes both poles, as ERA5 on a 0.25° grid does (721 × 1440 points), so 1° has
181 × 360 = 65,160 points. Rows go north to south; on a global grid each row starts at 0° and
increases eastwards; on a limited-area grid each row starts at the western edge of the area.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from fc_utils.exceptions import GridError
from fc_utils.grids.area import _parse_area, _wrap360
from fc_utils.grids.grid import Grid

__all__ = ["global_latlon_shape", "latlon_name", "regular_latlon"]

#: How far (in grid steps) a span may be from a whole number of steps and still count as one.
_WHOLE = 1e-6


def _check_step(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise GridError(
            f"The {what} step of a lat-lon grid must be a number of degrees, got {value!r}."
        )
    step = float(value)
    if not (math.isfinite(step) and 0.0 < step <= 180.0):
        raise GridError(
            f"The {what} step of a lat-lon grid must be in (0, 180] degrees, got {value}."
        )
    return step


def _steps(span: float, step: float, what: str) -> int:
    """Return ``span / step`` when it is a whole number, else raise a helpful GridError."""
    count = span / step
    whole = round(count)
    if abs(count - whole) > _WHOLE:
        raise GridError(
            f"A {what} span of {span:g}° is not a whole number of {step:g}° steps "
            f"({count:.6g} steps).",
            hint=f"Choose a step that divides {span:g}°, or adjust the area to "
            f"{whole * step:g}° (or {(whole + 1) * step:g}°).",
        )
    return int(whole)


def _decimal_scale(*values: float) -> int | None:
    """Return the smallest power of ten (up to 1e9) that makes every value a whole number."""
    for power in range(10):
        scale = 10**power
        # An absolute tolerance in scaled units, so that 1/3 never passes for a decimal.
        if all(abs(v * scale - round(v * scale)) <= 1e-6 for v in values):
            return scale
    return None


def _axis(
    first: float, step: float, count: int, span: float, *, closed: bool, wrap: bool = False
) -> np.ndarray:
    """Return ``count`` coordinates from ``first`` by ``step`` (negative steps go south).

    ``span`` is the signed extent the axis covers, its last point included when ``closed``
    (used only for steps that are not decimal fractions, such as 1/3°).
    """
    k = np.arange(count, dtype=np.int64)
    scale = _decimal_scale(first, step)
    if scale is not None:
        units = round(first * scale) + round(step * scale) * k
        if wrap:
            units = np.mod(units, 360 * scale)
        return units / scale
    values = first + span * k / max(count - 1 if closed else count, 1)
    return _wrap360(values) if wrap else values


def _format_step(step: float) -> str:
    text = f"{step:.6f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return text.replace(".", "p")


def latlon_name(dlat: float, dlon: float | None = None) -> str:
    """Return the short name of a lat-lon grid: ``1p0``, ``0p25``, or ``0p25x0p5`` if unequal."""
    dlon = dlat if dlon is None else dlon
    name = _format_step(dlat)
    return name if math.isclose(dlat, dlon) else f"{name}x{_format_step(dlon)}"


def global_latlon_shape(dlat: float, dlon: float | None = None) -> tuple[int, int]:
    """Return ``(rows, columns)`` of the global grid with these steps, without building it."""
    dlat = _check_step(dlat, "latitude")
    dlon = dlat if dlon is None else _check_step(dlon, "longitude")
    return _steps(180.0, dlat, "latitude") + 1, _steps(360.0, dlon, "longitude")


def regular_latlon(
    dlat: float, dlon: float | None = None, *, area: Sequence[float] | None = None
) -> Grid:
    """Build a regular latitude-longitude grid.

    Parameters
    ----------
    dlat
        Latitude step in degrees; it must divide 180 (global) or the area's north-south extent.
    dlon
        Longitude step in degrees, ``dlat`` when omitted; it must divide 360 (global) or the
        area's west-east extent.
    area
        ``[north, west, south, east]`` in degrees for a limited-area grid whose edges are grid
        lines (see :mod:`fc_utils.grids.area`); ``None`` for the global grid, poles included.

    Returns
    -------
    Grid
        ``type="regular_ll"``, ``shape=(rows, columns)``, named by :func:`latlon_name`.
        Coordinates of decimal steps are computed in exact integer units (e.g. 0.01°) and
        divided once, so that they are the doubles nearest to round values (0.3, not
        0.30000000000000004) and a sub-area lines up exactly with its global grid.

    Raises
    ------
    GridError
        If a step does not divide the extent it must cover, or the area is malformed.
    """
    dlat = _check_step(dlat, "latitude")
    dlon = dlat if dlon is None else _check_step(dlon, "longitude")
    name = latlon_name(dlat, dlon)
    if area is None:
        rows, columns = global_latlon_shape(dlat, dlon)
        north, west, lat_span, lon_span, closed = 90.0, 0.0, 180.0, 360.0, False
        box = None
    else:
        parsed = _parse_area(area)
        north, west = parsed.north, parsed.west
        lat_span, lon_span = parsed.north - parsed.south, parsed.span
        rows = _steps(lat_span, dlat, "latitude") + 1
        closed = lon_span < 360.0
        columns = _steps(lon_span, dlon, "longitude") + (1 if closed else 0)
        box = parsed.as_tuple
    lat_row = _axis(north, -dlat, rows, -lat_span, closed=True)
    lon_row = _axis(west, dlon, columns, lon_span, closed=closed, wrap=True)
    lat = np.repeat(lat_row, columns)
    lon = np.tile(lon_row, rows)
    return Grid(
        name=name,
        type="regular_ll",
        latitudes=lat,
        longitudes=lon,
        shape=(rows, columns),
        area=box,
    )
