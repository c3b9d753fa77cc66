"""Write synthetic fields as real GRIB (eccodes) or CF NetCDF (xarray) files.

The demo and the tests exercise fc's GRIB and NetCDF sources on these files, so they are
encoded as ECMWF software writes its own: GRIB messages start from ecCodes' samples for the grid
type and level type, carry ``paramId``/``typeOfLevel``/``level``, the date, step 0 and, for
ensembles, the member ``number``; NetCDF files follow the CF conventions. Every file is written
to a temporary name and renamed into place, so an interrupted run never leaves a file that
looks complete.

eccodes and xarray are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np

from fc_datasets.synthetic.fields import _atmosphere, _check_members, _check_seed
from fc_datasets.synthetic.variables import (
    SyntheticError,
    parse_variables,
    standard_name,
    variable_metadata,
)
from fc_utils.dates import to_datetime64
from fc_utils.grids import Grid, grid_from_name
from fc_utils.progress import progress

__all__ = ["GribLayout", "write_grib", "write_netcdf"]

LOG = logging.getLogger(__name__)

#: How ``write_grib`` spreads the messages over files.
GribLayout = Literal["one file per date", "one file"]
_LAYOUTS: tuple[str, ...] = ("one file per date", "one file")
#: File name of each date in the ``one file per date`` layout (a ``str.format`` template).
DEFAULT_FILENAME = "synthetic_{date:%Y%m%d%H%M}.grib"


def _as_grid(grid: str | Grid) -> Grid:
    if isinstance(grid, Grid):
        return grid
    if isinstance(grid, str):
        return grid_from_name(grid)
    raise SyntheticError(
        f"grid must be a grid name such as 'O96' or '1p0' or an fc_utils Grid, got {grid!r}."
    )


@contextmanager
def _atomic(path: Path, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file next to ``path``; rename it to ``path`` only if all went well."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------------
# GRIB


def _gaussian_number(grid: Grid) -> int:
    digits = "".join(ch for ch in grid.name if ch.isdigit())
    if grid.name[:1].upper() in "ONF" and digits:
        return int(digits)
    rows = grid.pl.size if grid.pl is not None else (grid.shape or (0, 0))[0]
    return rows // 2


def _grid_keys(grid: Grid) -> tuple[str, dict[str, Any], np.ndarray | None]:
    """The ecCodes sample prefix, the scalar grid keys and the ``pl`` array of ``grid``."""
    lat, lon = grid.latitudes, grid.longitudes
    if grid.type == "regular_ll" and grid.shape is not None:
        rows, columns = grid.shape
        dlon = float((lon[1] - lon[0]) % 360.0) if columns > 1 else 360.0
        dlat = float(abs(lat[columns] - lat[0])) if rows > 1 else 180.0
        return (
            "regular_ll",
            {
                "Ni": columns,
                "Nj": rows,
                "iDirectionIncrementInDegrees": dlon,
                "jDirectionIncrementInDegrees": dlat,
                "latitudeOfFirstGridPointInDegrees": float(lat[0]),
                "longitudeOfFirstGridPointInDegrees": float(lon[0]),
                "latitudeOfLastGridPointInDegrees": float(lat[-1]),
                "longitudeOfLastGridPointInDegrees": float(lon[columns - 1]),
                "iScansNegatively": 0,
                "jScansPositively": 0,
            },
            None,
        )
    if grid.area is None and grid.type == "regular_gg" and grid.shape is not None:
        n = _gaussian_number(grid)
        return (
            "regular_gg",
            {
                "N": n,
                "Ni": grid.shape[1],
                "Nj": grid.shape[0],
                "iDirectionIncrementInDegrees": 360.0 / grid.shape[1],
                "latitudeOfFirstGridPointInDegrees": float(lat[0]),
                "longitudeOfFirstGridPointInDegrees": 0.0,
                "latitudeOfLastGridPointInDegrees": float(lat[-1]),
                "longitudeOfLastGridPointInDegrees": 360.0 - 360.0 / grid.shape[1],
            },
            None,
        )
    if grid.area is None and grid.type == "reduced_gg" and grid.pl is not None:
        # isOctahedral is derived by ecCodes from pl (it is read-only), so pl is all it needs.
        return (
            "reduced_gg",
            {
                "N": _gaussian_number(grid),
                "latitudeOfFirstGridPointInDegrees": float(lat[0]),
                "longitudeOfFirstGridPointInDegrees": 0.0,
                "latitudeOfLastGridPointInDegrees": float(lat[-1]),
                "longitudeOfLastGridPointInDegrees": 360.0 - 360.0 / int(grid.pl.max()),
            },
            np.asarray(grid.pl, dtype=np.int64),
        )
    raise SyntheticError(
        f"cannot write GRIB on grid {grid.name!r} ({grid.type}"
        + (", limited area" if grid.area is not None else "")
        + ").",
        hint="Use a global regular lat-lon (1p0), regular Gaussian (F48), octahedral (O96) "
        "or classic reduced Gaussian (N320) grid, or a regular lat-lon area.",
    )


def _template(name: str, grid: Grid, edition: int, bits_per_value: int, members: int) -> int:
    """A GRIB handle with everything but the date, member and values set."""
    import eccodes

    meta = variable_metadata(name)
    grib = meta["grib"]
    prefix, keys, pl = _grid_keys(grid)
    levels = "pl" if meta["level_type"] == "pl" else "sfc"
    handle = eccodes.codes_grib_new_from_samples(f"{prefix}_{levels}_grib{edition}")
    try:
        for key, value in keys.items():
            eccodes.codes_set(handle, key, value)
        if pl is not None:
            eccodes.codes_set_long_array(handle, "pl", pl)
        eccodes.codes_set(handle, "typeOfLevel", grib["typeOfLevel"])
        eccodes.codes_set(handle, "level", int(grib["level"]))
        eccodes.codes_set(handle, "paramId", int(grib["paramId"]))
        if members > 1:
            # Every member carries the same data type, so that readers such as cfgrib see one
            # field with a `number` dimension: GRIB2 code table 1.4 value 5 ("control and
            # perturbed forecast products"), GRIB1 ECMWF local definition 1 with type pf.
            if edition == 2:
                eccodes.codes_set(handle, "productDefinitionTemplateNumber", 1)
                eccodes.codes_set(handle, "typeOfProcessedData", 5)
            else:
                eccodes.codes_set(handle, "localDefinitionNumber", 1)
                eccodes.codes_set(handle, "marsType", "pf")
            eccodes.codes_set(handle, "numberOfForecastsInEnsemble", members)
        eccodes.codes_set(handle, "stepUnits", "h")
        eccodes.codes_set(handle, "step", 0)
        eccodes.codes_set(handle, "packingType", "grid_simple")
        eccodes.codes_set(handle, "bitsPerValue", bits_per_value)
    except Exception:
        eccodes.codes_release(handle)
        raise
    return handle


def _encode(
    template: int, date: dt.datetime, member: int, members: int, values: np.ndarray
) -> bytes:
    import eccodes

    handle = eccodes.codes_clone(template)
    try:
        eccodes.codes_set(handle, "dataDate", int(date.strftime("%Y%m%d")))
        eccodes.codes_set(handle, "dataTime", int(date.strftime("%H%M")))
        if members > 1:
            eccodes.codes_set(handle, "number", member)
        eccodes.codes_set_values(handle, values.astype(np.float64))
        return bytes(eccodes.codes_get_message(handle))
    finally:
        eccodes.codes_release(handle)


def _check_writer_options(edition: object, bits_per_value: object, layout: object) -> None:
    if edition not in (1, 2):
        raise SyntheticError(f"edition must be 1 or 2 (GRIB1 or GRIB2), got {edition!r}.")
    if isinstance(bits_per_value, bool) or not isinstance(bits_per_value, int):
        raise SyntheticError(f"bits_per_value must be an integer, got {bits_per_value!r}.")
    if not 1 <= bits_per_value <= 32:
        raise SyntheticError(f"bits_per_value must be between 1 and 32, got {bits_per_value}.")
    if layout not in _LAYOUTS:
        from fc_config.suggest import did_you_mean

        raise SyntheticError(
            f"unknown GRIB layout {layout!r}.{did_you_mean(str(layout), _LAYOUTS)}",
            hint=f"Use one of: {', '.join(repr(x) for x in _LAYOUTS)}.",
        )


def write_grib(
    path_or_dir: str | os.PathLike[str],
    variables: Sequence[str],
    dates: Any,
    grid: str | Grid,
    *,
    seed: int = 0,
    members: int = 1,
    bits_per_value: int = 16,
    edition: int = 2,
    layout: GribLayout = "one file per date",
    filename: str = DEFAULT_FILENAME,
    ensemble_start: Any = None,
) -> list[Path]:
    """Write synthetic fields as GRIB, one message per (date, member, variable).

    Parameters
    ----------
    path_or_dir
        The directory of the files (``one file per date``) or the file (``one file``).
    variables
        Synthetic variable names (``2t``, ``t_850``, ...), written in this order.
    dates
        Dates of the fields (analysis time; the step is 0).
    grid
        A grid name (``1p0``, ``O96``, ``N320``, ``F48``) or an :class:`fc_utils.grids.Grid`;
        GRIB needs a structured grid.
    seed, members, ensemble_start
        As for :func:`~fc_datasets.synthetic.synthetic_fields`. With ``members > 1`` the
        messages are ensemble members (GRIB2 product template 1, ``number``, control member 0).
    bits_per_value
        Precision of the simple packing: values round-trip within ``(max − min) / 2**bits``.
    edition
        GRIB edition, 1 or 2.
    layout
        ``"one file per date"`` (files named by ``filename``) or ``"one file"``.
    filename
        ``str.format`` template of the per-date file names, given ``date`` (a datetime).

    Returns
    -------
    list of pathlib.Path
        The files written, in date order.
    """
    _check_writer_options(edition, bits_per_value, layout)
    specs = parse_variables(variables)
    seed, members = _check_seed(seed), _check_members(members)
    the_grid = _as_grid(grid)
    when = to_datetime64(dates).reshape(-1)
    _grid_keys(the_grid)  # refuse an unwritable grid before computing anything
    atmosphere = _atmosphere(the_grid.latitudes, the_grid.longitudes, seed, members, ensemble_start)
    names = [s.name for s in specs]
    templates = [_template(n, the_grid, edition, bits_per_value, members) for n in names]
    target = Path(path_or_dir)
    written: list[Path] = []
    try:
        if layout == "one file":
            with _atomic(target) as handle:
                for date in progress(when, desc="synthetic GRIB", unit="date"):
                    handle.write(_date_messages(atmosphere, names, templates, date))
            written.append(target)
        else:
            for date in progress(when, desc="synthetic GRIB", unit="date"):
                path = target / filename.format(date=date.astype(dt.datetime))
                with _atomic(path) as handle:
                    handle.write(_date_messages(atmosphere, names, templates, date))
                written.append(path)
    finally:
        import eccodes

        for template in templates:
            eccodes.codes_release(template)
    LOG.info("wrote %d synthetic GRIB file(s) with %d dates", len(written), when.size)
    return written


def _date_messages(
    atmosphere: Any, names: list[str], templates: list[int], date: np.datetime64
) -> bytes:
    values = atmosphere.compute(names, np.array([date]))[0]
    moment = date.astype(dt.datetime)
    members = values.shape[1]
    chunks = [
        _encode(templates[j], moment, e, members, values[j, e])
        for e in range(members)
        for j in range(len(names))
    ]
    return b"".join(chunks)


# ------------------------------------------------------------------------------------------------
# NetCDF


def write_netcdf(
    path: str | os.PathLike[str],
    variables: Sequence[str],
    dates: Any,
    grid: str | Grid,
    *,
    seed: int = 0,
    members: int = 1,
    flat: bool = False,
    ensemble_start: Any = None,
) -> Path:
    """Write synthetic fields to one CF NetCDF file.

    Layout: dimension ``time``; ``number`` when ``members > 1``; ``latitude`` × ``longitude``
    on a regular lat-lon grid, else one ``values`` dimension with ``latitude(values)`` and
    ``longitude(values)`` coordinates. Surface fields are named as in fc (``2t``, ``msl``,
    ``z``); pressure-level fields are one variable per parameter (``t``) with a ``level``
    dimension in hPa, or, with ``flat=True``, one variable per level (``t_850``), which is also
    the only way to put surface ``z`` and pressure-level ``z`` in one file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    import xarray as xr

    specs = parse_variables(variables)
    seed, members = _check_seed(seed), _check_members(members)
    the_grid = _as_grid(grid)
    when = to_datetime64(dates).reshape(-1)
    grouped = _group_levels(specs, flat)  # refuse a clash of names before computing anything
    levels = _shared_levels(specs, grouped)
    atmosphere = _atmosphere(the_grid.latitudes, the_grid.longitudes, seed, members, ensemble_start)
    names = [s.name for s in specs]
    data = np.empty((when.size, len(names), members, the_grid.size), np.float32)
    for i in progress(range(when.size), desc="synthetic NetCDF", unit="date"):
        data[i] = atmosphere.compute(names, when[i : i + 1])[0]
    spatial_dims, spatial_shape, coords = _spatial_layout(the_grid)
    coords["time"] = ("time", when.astype("datetime64[ns]"))
    lead_dims = ["time"] + (["number"] if members > 1 else [])
    if members > 1:
        coords["number"] = ("number", np.arange(members, dtype=np.int32))
    if levels is not None:
        coords["level"] = (
            "level",
            np.asarray(levels, dtype=np.int32),
            {"units": "hPa", "long_name": "pressure level", "positive": "down"},
        )

    def field(index: int) -> np.ndarray:
        block = data[:, index] if members > 1 else data[:, index, 0]
        return block.reshape(block.shape[:-1] + spatial_shape)

    variables_out: dict[str, Any] = {}
    for out_name, entries in grouped.items():
        attrs = _cf_attributes(entries[0][1], with_level=flat)
        if flat or specs[entries[0][0]].level is None:
            variables_out[out_name] = ([*lead_dims, *spatial_dims], field(entries[0][0]), attrs)
        else:
            stacked = np.stack([field(i) for i, _ in entries], axis=len(lead_dims))
            variables_out[out_name] = ([*lead_dims, "level", *spatial_dims], stacked, attrs)
    dataset = xr.Dataset(variables_out, coords=coords)
    dataset.attrs.update(
        {
            "Conventions": "CF-1.8",
            "title": "fc synthetic weather",
            "source": f"fc_datasets.synthetic (seed {seed})",
        }
    )
    encoding = {name: {"dtype": "float32"} for name in variables_out}
    encoding["time"] = {"units": "seconds since 1970-01-01 00:00:00", "dtype": "int64"}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        dataset.to_netcdf(tmp, encoding=encoding, engine="netcdf4")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _spatial_layout(grid: Grid) -> tuple[list[str], tuple[int, ...], dict[str, Any]]:
    """Dimensions, shape and coordinates of the horizontal grid in the NetCDF file."""
    lat_attrs = {"units": "degrees_north", "standard_name": "latitude"}
    lon_attrs = {"units": "degrees_east", "standard_name": "longitude"}
    if grid.type == "regular_ll" and grid.shape is not None:
        rows, columns = grid.shape
        return (
            ["latitude", "longitude"],
            (rows, columns),
            {
                "latitude": ("latitude", grid.latitudes[::columns].copy(), lat_attrs),
                "longitude": ("longitude", grid.longitudes[:columns].copy(), lon_attrs),
            },
        )
    return (
        ["values"],
        (grid.size,),
        {
            "latitude": ("values", np.asarray(grid.latitudes), lat_attrs),
            "longitude": ("values", np.asarray(grid.longitudes), lon_attrs),
        },
    )


def _group_levels(specs: list[Any], flat: bool) -> dict[str, list[tuple[int, str]]]:
    """Output variable name → [(index in specs, fc name)]."""
    grouped: dict[str, list[tuple[int, str]]] = {}
    for i, spec in enumerate(specs):
        key = spec.name if flat or spec.level is None else spec.param
        if key in grouped and (spec.level is None or specs[grouped[key][0][0]].level is None):
            raise SyntheticError(
                f"surface '{spec.param}' and pressure-level '{spec.param}_<level>' would both "
                f"be named '{spec.param}' in the NetCDF file.",
                hint="Pass flat=True to name pressure-level fields by level (z_500), or write "
                "surface and pressure-level fields to separate files.",
            )
        grouped.setdefault(key, []).append((i, spec.name))
    return grouped


def _shared_levels(specs: list[Any], grouped: dict[str, list[tuple[int, str]]]) -> list[int] | None:
    level_sets = {
        key: [specs[i].level for i, _ in entries]
        for key, entries in grouped.items()
        if specs[entries[0][0]].level is not None and key == specs[entries[0][0]].param
    }
    if not level_sets:
        return None
    first_key, first = next(iter(level_sets.items()))
    for key, levels in level_sets.items():
        if levels != first:
            raise SyntheticError(
                f"pressure-level parameters share one 'level' dimension, but '{first_key}' is "
                f"on {first} hPa and '{key}' on {levels} hPa.",
                hint="Ask for the same levels, in the same order, for every parameter, or "
                "pass flat=True.",
            )
    return [int(v) for v in first]


def _cf_attributes(name: str, *, with_level: bool) -> dict[str, Any]:
    meta = variable_metadata(name)
    attrs: dict[str, Any] = {
        "units": meta["units"],
        "long_name": meta["long_name"],
        "standard_name": standard_name(name),
        "GRIB_paramId": int(meta["grib"]["paramId"]),
        "GRIB_shortName": str(meta["grib"]["shortName"]),
        "GRIB_typeOfLevel": str(meta["grib"]["typeOfLevel"]),
    }
    if with_level and meta["level"] is not None:
        attrs["level"] = int(meta["level"])
        attrs["level_units"] = "hPa"
    return attrs
