"""How an xarray dataset lays out its fields: which dimension is time, level, member, grid.

NetCDF and zarr files spell their coordinates in many ways (``time``/``valid_time``,
``lat``/``latitude``, ``level``/``plev``/``isobaricInhPa``, ``number``/``member``) and store
grids south→north or north→south, with longitudes in [-180, 180) or [0, 360). This module
recognises the common CF and ECMWF spellings once per file and works out the permutation that
puts the points in fc's order (rows north→south, longitudes in [0, 360) increasing east), so
that fields from a NetCDF file line up point for point with the same grid read from GRIB.

Used only by :mod:`fc_datasets.sources._xarray`; xarray itself is never imported here (the
functions take the already-opened dataset).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["GridLayout", "Layout", "LevelAxis", "analyse", "level_label"]

_TIME_NAMES = ("valid_time", "time", "t", "date", "datetime", "times")
_LAT_NAMES = ("latitude", "lat", "nav_lat", "lats", "y_lat", "XLAT", "latitudes")
_LON_NAMES = ("longitude", "lon", "nav_lon", "lons", "x_lon", "XLONG", "longitudes")
_ENSEMBLE_NAMES = ("number", "member", "realization", "realisation", "ensemble", "ens", "member_id")
_PRESSURE_NAMES = (
    "isobaricInhPa",
    "pressure_level",
    "pressure",
    "plev",
    "air_pressure",
    "isobaric",
)
_MODEL_NAMES = ("hybrid", "model_level", "model_level_number", "ml")
_LEVEL_NAMES = ("level", "levelist", "lev", "levels")
_HEIGHT_NAMES = ("height", "heightAboveGround", "altitude")
_DEPTH_NAMES = ("depth", "depthBelowLandLayer", "soil_level", "soilLayer")
_PRESSURE_UNITS = {"hpa": 1.0, "mbar": 1.0, "millibar": 1.0, "millibars": 1.0, "pa": 0.01}


def level_label(value: float) -> str:
    """The level as it appears in a variable name: ``850`` rather than ``850.0``."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _attr(obj: Any, key: str) -> str:
    value = getattr(obj, "attrs", {}).get(key, "")
    return str(value).strip()


@dataclass(frozen=True)
class LevelAxis:
    """The level dimension of some variables."""

    dim: str
    labels: list[str]
    """Level of each index as it appears in variable names (hPa for pressure levels)."""
    values: list[float]
    """Same, as numbers."""
    level_type: str
    """``pl``, ``ml``, ``sfc`` (heights above ground) or ``sol`` (depths)."""


@dataclass(frozen=True)
class GridLayout:
    """Where the grid points are and how to put them in fc's order."""

    dims: tuple[str, ...]
    """Dimensions of the grid in the order the data is transposed to before flattening."""
    order: np.ndarray | None
    """Permutation from the flattened native order to fc's order (None: already in order)."""
    latitudes: np.ndarray
    longitudes: np.ndarray
    description: dict[str, Any]

    @property
    def size(self) -> int:
        """Number of grid points."""
        return int(self.latitudes.size)


@dataclass(frozen=True)
class Layout:
    """The recognised dimensions of one file."""

    time: str | None
    """Name of the time coordinate, None for a file without dates (constant fields)."""
    time_dim: str | None
    """Its dimension; None when the time coordinate is a scalar (a file of one date)."""
    dates: np.ndarray
    """``datetime64[s]`` dates of the file ([] when ``time`` is None)."""
    grid: GridLayout
    ensemble_dim: str | None
    members: list[int]
    levels: dict[str, LevelAxis]
    """Level axes by dimension name."""


class LayoutError(ValueError):
    """The file's layout is not one fc understands (the caller adds the file name)."""


def _find(
    ds: Any, names: tuple[str, ...], standard: tuple[str, ...] = (), units: tuple[str, ...] = ()
) -> str | None:
    lowered = {str(n).lower(): str(n) for n in ds.coords}
    lowered.update(
        {k: v for k, v in ((str(n).lower(), str(n)) for n in ds.variables) if k not in lowered}
    )
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    for name in ds.variables:
        var = ds.variables[name]
        if standard and _attr(var, "standard_name").lower() in standard:
            return str(name)
        if units and _attr(var, "units").lower() in units:
            return str(name)
    return None


def _time(ds: Any) -> tuple[str | None, str | None, np.ndarray]:
    name = None
    for candidate in _TIME_NAMES:
        if candidate in ds.variables and np.issubdtype(
            ds.variables[candidate].dtype, np.datetime64
        ):
            name = candidate
            break
    if name is None:
        for key in ds.coords:
            var = ds.coords[key]
            if np.issubdtype(var.dtype, np.datetime64) and var.ndim <= 1:
                if (
                    _attr(var, "standard_name") == "forecast_reference_time"
                    and "valid_time" in ds.variables
                ):
                    continue
                name = str(key)
                break
    if name is None:
        for candidate in _TIME_NAMES:
            if candidate in ds.variables:
                raise LayoutError(
                    f"its time coordinate '{candidate}' was not decoded as dates (units "
                    f"'{_attr(ds.variables[candidate], 'units')}'); give it CF units such as "
                    "'hours since 2000-01-01' or do not pass decode_times: false"
                )
        return None, None, np.array([], dtype="datetime64[s]")
    var = ds.variables[name]
    if var.ndim > 1:
        raise LayoutError(
            f"its time coordinate '{name}' has dimensions {var.dims}; fc reads files whose "
            "valid time is one-dimensional (forecast files with a 'step' dimension are not "
            "supported: select one step first)"
        )
    values = np.asarray(var.values).astype("datetime64[s]").reshape(-1)
    return name, (str(var.dims[0]) if var.ndim == 1 else None), values


def _grid(ds: Any) -> GridLayout:
    lat_name = _find(ds, _LAT_NAMES, ("latitude",), ("degrees_north", "degree_north", "degrees_n"))
    lon_name = _find(ds, _LON_NAMES, ("longitude",), ("degrees_east", "degree_east", "degrees_e"))
    if lat_name is None or lon_name is None:
        raise LayoutError(
            "it has no latitude/longitude coordinates (looked for lat/latitude and "
            "lon/longitude, or CF standard_name latitude/longitude)"
        )
    lat = ds.variables[lat_name]
    lon = ds.variables[lon_name]
    lat_values = np.asarray(lat.values, dtype=np.float64)
    lon_values = np.asarray(lon.values, dtype=np.float64)
    if lat.ndim == 1 and lon.ndim == 1 and lat.dims != lon.dims:
        return _regular(str(lat.dims[0]), str(lon.dims[0]), lat_values, lon_values)
    if lat.dims != lon.dims or lat.ndim not in (1, 2):
        raise LayoutError(
            f"its latitudes {lat.dims} and longitudes {lon.dims} do not describe a grid fc "
            "reads: 1-D on their own dimensions (regular), 1-D on one shared dimension "
            "(unstructured) or 2-D on the same two dimensions (curvilinear)"
        )
    dims = tuple(str(d) for d in lat.dims)
    flat_lat, flat_lon = lat_values.reshape(-1), lon_values.reshape(-1) % 360.0
    order = None
    # Curvilinear grid: keep its rows, but run them north to south like every fc grid.
    if lat.ndim == 2 and np.nanmean(lat_values[-1]) > np.nanmean(lat_values[0]):
        rows, cols = lat_values.shape
        order = (np.arange(rows)[::-1, None] * cols + np.arange(cols)[None, :]).reshape(-1)
        flat_lat, flat_lon = flat_lat[order], flat_lon[order]
    description = _known_grid(flat_lat, flat_lon) or {
        "type": "unstructured",
        "name": None,
        "number_of_points": int(flat_lat.size),
        "pl": None,
        "area": None,
    }
    return GridLayout(dims, order, flat_lat, flat_lon, description)


def _known_grid(lat: np.ndarray, lon: np.ndarray) -> dict[str, Any] | None:
    """The description of an octahedral grid whose points these are, in fc's order."""
    n = (-36 + math.sqrt(36 * 36 + 16 * lat.size)) / 8
    if not n.is_integer() or n < 1 or n > 2560:
        return None
    from fc_utils.grids import octahedral

    grid = octahedral(int(n))
    if np.allclose(grid.latitudes, lat, atol=1e-4) and np.allclose(grid.longitudes, lon, atol=1e-4):
        return grid.description()
    return None


def _uniform(values: np.ndarray) -> float | None:
    if values.size < 2:
        return None
    steps = np.diff(values)
    step = float(np.median(steps))
    return step if np.allclose(steps, step, atol=1e-6 * max(1.0, abs(step)), rtol=1e-6) else None


def _regular(lat_dim: str, lon_dim: str, lat: np.ndarray, lon: np.ndarray) -> GridLayout:
    lat_order = np.argsort(-lat, kind="stable")
    lon_mod = lon % 360.0
    lon_order = np.argsort(lon_mod, kind="stable")
    sorted_lon = lon_mod[lon_order]
    dlon = _uniform(sorted_lon)
    global_lon = dlon is not None and math.isclose(dlon * lon.size, 360.0, rel_tol=1e-6)
    if not global_lon and lon.size > 1:
        # A limited area: rows start at its western edge, after the widest gap in longitude.
        gaps = np.diff(np.concatenate([sorted_lon, sorted_lon[:1] + 360.0]))
        start = (int(np.argmax(gaps)) + 1) % lon.size
        lon_order = np.roll(lon_order, -start)
    rows, cols = lat.size, lon.size
    order = (lat_order[:, None] * cols + lon_order[None, :]).reshape(-1)
    identity = np.array_equal(order, np.arange(order.size))
    sorted_lat = lat[lat_order]
    row_lon = lon_mod[lon_order]
    flat_lat = np.repeat(sorted_lat, cols)
    flat_lon = np.tile(row_lon, rows)
    return GridLayout(
        (lat_dim, lon_dim),
        None if identity else order,
        flat_lat,
        flat_lon,
        _describe_regular(sorted_lat, row_lon, global_lon),
    )


def _describe_regular(lat: np.ndarray, lon: np.ndarray, global_lon: bool) -> dict[str, Any]:
    from fc_utils.grids import latlon_name

    size = int(lat.size * lon.size)
    dlat = _uniform(lat)
    dlon = _uniform(np.unwrap(lon, period=360.0)) if lon.size > 1 else None
    if dlat is None or dlon is None:
        return _gaussian(lat, lon, global_lon) or {
            "type": "unstructured",
            "name": None,
            "number_of_points": size,
            "pl": None,
            "area": None,
        }
    global_lat = math.isclose(float(lat[0]), 90.0) and math.isclose(float(lat[-1]), -90.0)
    west, east = float(lon[0]), float(lon[-1])
    area = None if (global_lat and global_lon) else [float(lat[0]), west, float(lat[-1]), east]
    return {
        "type": "regular_ll",
        "name": latlon_name(abs(dlat), abs(dlon)),
        "number_of_points": size,
        "pl": None,
        "area": area,
    }


def _gaussian(lat: np.ndarray, lon: np.ndarray, global_lon: bool) -> dict[str, Any] | None:
    if not global_lon or lat.size % 2 or lon.size != 2 * lat.size:
        return None
    from fc_utils.grids import gaussian_latitudes

    n = lat.size // 2
    if not np.allclose(gaussian_latitudes(n), lat, atol=1e-4):
        return None
    return {
        "type": "regular_gg",
        "name": f"F{n}",
        "number_of_points": int(lat.size * lon.size),
        "pl": None,
        "area": None,
    }


def _level_axis(ds: Any, dim: str) -> LevelAxis | None:
    if dim not in ds.coords:
        return None
    coord = ds.coords[dim]
    if coord.ndim != 1 or not np.issubdtype(coord.dtype, np.number):
        return None
    name = dim.lower()
    standard = _attr(coord, "standard_name").lower()
    units = _attr(coord, "units").lower()
    long_name = _attr(coord, "long_name").lower()
    values = np.asarray(coord.values, dtype=np.float64)
    level_type = None
    scale = 1.0
    if (
        name in (n.lower() for n in _PRESSURE_NAMES)
        or standard == "air_pressure"
        or "pressure" in long_name
    ):
        level_type = "pl"
        scale = _PRESSURE_UNITS.get(units, 1.0)
        if units == "" and values.max() > 2000:
            scale = 0.01  # CF's plev is in Pa when no units say otherwise
    elif name in (n.lower() for n in _MODEL_NAMES) or standard in (
        "model_level_number",
        "atmosphere_hybrid_sigma_pressure_coordinate",
    ):
        level_type = "ml"
    elif name in (n.lower() for n in _HEIGHT_NAMES) or standard == "height":
        level_type = "sfc"
    elif name in (n.lower() for n in _DEPTH_NAMES) or standard == "depth":
        level_type = "sol"
    elif name in _LEVEL_NAMES or _attr(coord, "axis").upper() == "Z" or _attr(coord, "positive"):
        if units in _PRESSURE_UNITS:
            level_type, scale = "pl", _PRESSURE_UNITS[units]
        elif units in ("m", "metre", "meter", "metres", "meters"):
            level_type = "sfc"
        else:
            level_type = "pl"  # Anemoi's 'level' coordinate: pressure levels in hPa
    if level_type is None:
        return None
    scaled = [float(v) * scale for v in values]
    return LevelAxis(dim, [level_label(v) for v in scaled], scaled, level_type)


def analyse(ds: Any) -> Layout:
    """Recognise the time, grid, level and ensemble dimensions of an xarray dataset.

    Raises
    ------
    LayoutError
        When no latitude/longitude or an unsupported time layout is found; the message says
        what was looked for, and the caller prefixes the file's name.
    """
    time, time_dim, dates = _time(ds)
    grid = _grid(ds)
    known = {*grid.dims, *([time_dim] if time_dim else [])}
    ensemble_dim = None
    members: list[int] = []
    for dim in ds.dims:
        if str(dim).lower() in _ENSEMBLE_NAMES and str(dim) not in known:
            ensemble_dim = str(dim)
            if dim in ds.coords:
                members = [int(v) for v in np.asarray(ds.coords[dim].values).reshape(-1)]
            else:
                members = list(range(int(ds.sizes[dim])))
            break
    levels: dict[str, LevelAxis] = {}
    for dim in ds.dims:
        if str(dim) in known or str(dim) == ensemble_dim:
            continue
        axis = _level_axis(ds, str(dim))
        if axis is not None:
            levels[str(dim)] = axis
    return Layout(time, time_dim, dates, grid, ensemble_dim, members, levels)
