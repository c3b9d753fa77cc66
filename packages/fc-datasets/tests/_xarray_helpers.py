"""Small NetCDF/zarr files for the tests of the xarray sources, filters and input tree.

Values follow a formula of position, date, level and member, so a test can check that every
number landed at the right point after reordering, whatever the file's own layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DATES", "dates", "value", "write_regular", "write_unstructured"]

#: Four 6-hourly dates.
DATES = np.array(
    ["2020-01-01T00", "2020-01-01T06", "2020-01-01T12", "2020-01-01T18"], dtype="datetime64[s]"
)


def dates(*items: str) -> np.ndarray:
    """``datetime64[s]`` array of ISO strings."""
    return np.array(items, dtype="datetime64[s]")


def value(
    lat: Any, lon: Any, date: Any, *, level: float = 0.0, member: int = 0, offset: float = 0.0
) -> np.ndarray:
    """The value every test file holds at a point (lon in degrees, any convention)."""
    hours = (np.datetime64(date, "s") - DATES[0]).astype("timedelta64[h]").astype(float)
    return (
        offset
        + 100.0 * np.asarray(lat, dtype=float)
        + np.mod(np.asarray(lon, dtype=float), 360.0)
        + 1000.0 * hours
        + 0.1 * level
        + 1.0e6 * member
    )


def write_regular(
    path: Path,
    *,
    variables: Sequence[str] = ("t2m",),
    times: np.ndarray = DATES,
    levels: Sequence[float] | None = None,
    level_name: str = "level",
    level_units: str | None = "hPa",
    members: Sequence[int] | None = None,
    step: float = 30.0,
    south_to_north: bool = True,
    lon_from: float = -180.0,
    engine: str = "netcdf",
    offsets: dict[str, float] | None = None,
) -> Any:
    """Write a regular lat-lon file (``engine``: ``netcdf`` or ``zarr``); return the dataset."""
    import xarray as xr

    lat = np.arange(-90.0, 90.0 + step / 2, step)
    if not south_to_north:
        lat = lat[::-1]
    lon = np.arange(lon_from, lon_from + 360.0 - step / 2, step)
    coords: dict[str, Any] = {"time": times, "latitude": lat, "longitude": lon}
    dims: list[str] = ["time"]
    shape: list[int] = [times.size]
    if members is not None:
        coords["number"] = list(members)
        dims.append("number")
        shape.append(len(members))
    if levels is not None:
        coords[level_name] = list(levels)
        dims.append(level_name)
        shape.append(len(levels))
    dims += ["latitude", "longitude"]
    lat2, lon2 = np.meshgrid(lat, lon, indexing="ij")
    data_vars = {}
    for k, name in enumerate(variables):
        values = np.empty((*shape, lat.size, lon.size), dtype=np.float32)
        for index in np.ndindex(*shape):
            member = members[index[1]] if members is not None else 0
            level = levels[index[-1]] if levels is not None else 0.0
            values[index] = value(
                lat2,
                lon2,
                times[index[0]],
                level=level,
                member=member,
                offset=(offsets or {}).get(name, 10.0 * k),
            )
        data_vars[name] = (dims, values, {"units": "K", "long_name": f"{name} long name"})
    ds = xr.Dataset(data_vars, coords=coords)
    if levels is not None and level_units is not None:
        ds[level_name].attrs["units"] = level_units
    if engine == "zarr":
        ds.to_zarr(path, mode="w", consolidated=False)
    else:
        ds.to_netcdf(path)
    return ds


def write_unstructured(
    path: Path, lat: np.ndarray, lon: np.ndarray, *, times: np.ndarray = DATES
) -> None:
    """Write one variable ``t2m`` on a ``values`` dimension with 1-D lat/lon coordinates."""
    import xarray as xr

    values = np.stack([value(lat, lon, t) for t in times]).astype(np.float32)
    ds = xr.Dataset(
        {"t2m": (("time", "values"), values, {"units": "K"})},
        coords={
            "time": times,
            "latitude": ("values", lat),
            "longitude": ("values", lon),
        },
    )
    ds.to_netcdf(path)
