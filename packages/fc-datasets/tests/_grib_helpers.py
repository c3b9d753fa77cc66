"""A minimal GRIB writer for the tests of the ``grib`` source (eccodes samples, small grids).

The tests write their own files so that every case (ensembles, pressure levels, duplicates,
truncation, other grids) is a few lines; the values follow a formula of position, level, date
and member, so a test can check that the right message landed in the right place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Field", "expected_values", "fields_for", "write_grib"]


@dataclass(frozen=True)
class Field:
    """One GRIB message to write."""

    param: str
    date: dt.datetime
    level: int | None = None
    number: int | None = None
    step: int = 0
    values: np.ndarray | None = None


_LEVELLED = {"pl": "isobaricInhPa", "ml": "hybrid"}
_ACCUMULATED = ("tp", "cp")
_PARAM_BASE = {"2t": 280.0, "msl": 101000.0, "10u": 1.0, "10v": -1.0, "sp": 98000.0, "tp": 0.001}


def _grid(resolution: float, north_first: bool = True) -> tuple[np.ndarray, np.ndarray]:
    lats = np.arange(90.0, -90.0 - resolution / 2, -resolution)
    if not north_first:
        lats = lats[::-1]
    lons = np.arange(0.0, 360.0 - resolution / 2, resolution)
    lat2, lon2 = np.meshgrid(lats, lons, indexing="ij")
    return lat2.ravel(), lon2.ravel()


def expected_values(
    param: str,
    date: dt.datetime,
    level: int | None = None,
    number: int | None = None,
    *,
    resolution: float = 10.0,
    north_first: bool = True,
) -> np.ndarray:
    """The values :func:`write_grib` writes for a field, in the file's scanning order."""
    lat, lon = _grid(resolution, north_first)
    base = _PARAM_BASE.get(param, 100.0 + sum(map(ord, param)))
    hours = (date - dt.datetime(2020, 1, 1)).total_seconds() / 3600.0
    return (
        base
        + 10.0 * np.cos(np.radians(lat))
        + 3.0 * np.sin(np.radians(lon + 7.5 * hours))
        + 0.01 * (level or 0)
        + 0.5 * (number or 0)
    )


def fields_for(
    params: Sequence[str],
    dates: Sequence[dt.datetime],
    *,
    levels: Sequence[int] | None = None,
    numbers: Sequence[int] | None = None,
) -> list[Field]:
    """Every combination of ``dates`` × ``params`` × ``levels`` × ``numbers``, dates major."""
    return [
        Field(p, d, level, n)
        for d in dates
        for p in params
        for level in (levels or [None])
        for n in (numbers or [None])
    ]


def write_grib(
    path: Path,
    fields: Iterable[Field],
    *,
    resolution: float = 10.0,
    levtype: str = "sfc",
    bits: int = 16,
    north_first: bool = True,
    extra: dict[str, Any] | None = None,
    append: bool = False,
    edition: int = 2,
) -> Path:
    """Write ``fields`` as GRIB messages on a global regular lat-lon grid of ``resolution``°.

    ``extra`` keys are set on every message after the others (``setLocalDefinition``,
    ``class``, ``stream`` ...).
    """
    import eccodes

    kind = "pl" if levtype in _LEVELLED else "sfc"
    sample = f"regular_ll_{kind}_grib{edition}"
    template = eccodes.codes_grib_new_from_samples(sample)
    nj = round(180 / resolution) + 1
    ni = round(360 / resolution)
    south = -90.0 if north_first else 90.0
    north = -south
    for key, value in {
        "Ni": ni,
        "Nj": nj,
        "latitudeOfFirstGridPointInDegrees": north,
        "latitudeOfLastGridPointInDegrees": south,
        "longitudeOfFirstGridPointInDegrees": 0.0,
        "longitudeOfLastGridPointInDegrees": 360.0 - resolution,
        "iDirectionIncrementInDegrees": resolution,
        "jDirectionIncrementInDegrees": resolution,
        "jScansPositively": 0 if north_first else 1,
        "bitsPerValue": bits,
    }.items():
        eccodes.codes_set(template, key, value)
    try:
        with open(path, "ab" if append else "wb") as out:
            for f in fields:
                h = eccodes.codes_clone(template)
                try:
                    if levtype in _LEVELLED:
                        eccodes.codes_set(h, "typeOfLevel", _LEVELLED[levtype])
                        eccodes.codes_set(h, "level", int(f.level or 0))
                    eccodes.codes_set(h, "shortName", f.param)
                    if f.number is not None and edition == 2:
                        eccodes.codes_set(h, "productDefinitionTemplateNumber", 1)
                        eccodes.codes_set(h, "number", f.number)
                        eccodes.codes_set(h, "numberOfForecastsInEnsemble", 51)
                    elif f.number is not None:
                        eccodes.codes_set(h, "setLocalDefinition", 1)
                        eccodes.codes_set(h, "type", "pf")
                        eccodes.codes_set(h, "number", f.number)
                    base = f.date - dt.timedelta(hours=f.step)
                    eccodes.codes_set(h, "dataDate", int(base.strftime("%Y%m%d")))
                    eccodes.codes_set(h, "dataTime", int(base.strftime("%H%M")))
                    if f.step:
                        # accumulations run from the base time to the step
                        accumulated = f.param in _ACCUMULATED
                        eccodes.codes_set(
                            h, "stepRange", f"0-{f.step}" if accumulated else str(f.step)
                        )
                    for key, value in (extra or {}).items():
                        eccodes.codes_set(h, key, value)
                    values = f.values
                    if values is None:
                        values = expected_values(
                            f.param,
                            f.date,
                            f.level,
                            f.number,
                            resolution=resolution,
                            north_first=north_first,
                        )
                    eccodes.codes_set_values(h, np.asarray(values, dtype=np.float64))
                    eccodes.codes_write(h, out)
                finally:
                    eccodes.codes_release(h)
    finally:
        eccodes.codes_release(template)
    return path
