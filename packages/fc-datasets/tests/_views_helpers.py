"""Small complete datasets for the tests of ``open_dataset``, written without the builder.

Every value is a known function of (date, variable, member, cell) — :func:`field_values` —
so that any view's output can be checked exactly against the same function, whatever store
the values came from. The function uses integer arithmetic only, so that computing it twice
gives bit-identical float32 values.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fc_config.metadata import DatasetMetadata
from fc_datasets.store import STATISTICS, create_store
from fc_utils.dates import DateRange, frequency_to_string, parse_frequency
from fc_utils.grids import Grid, grid_from_name

EPOCH = np.datetime64("2020-01-01T00:00:00", "s")


def variable_code(name: str) -> int:
    """A stable small number per variable name (independent of the dataset it is in)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) % 997


def field_values(
    dates: np.ndarray, variables: Sequence[str], members: int, cells: int
) -> np.ndarray:
    """float32 ``[date, variable, ensemble, cell]``: the value of every point of every dataset."""
    hours = (np.asarray(dates, dtype="datetime64[s]") - EPOCH).astype(np.int64) // 3600
    codes = np.array([variable_code(v) for v in variables], dtype=np.int64)
    h = hours[:, None, None, None]
    v = codes[None, :, None, None]
    m = np.arange(members, dtype=np.int64)[None, None, :, None]
    c = np.arange(cells, dtype=np.int64)[None, None, None, :]
    mixed = (h * 7919 + v * 104729 + m * 1299709 + c * 15485863) % 1000003
    return (mixed / 1000.0).astype(np.float32)


def _variable_metadata(name: str) -> dict[str, Any]:
    param, _, level = name.partition("_")
    if level.isdigit():
        return {
            "name": name,
            "units": "K",
            "level_type": "pl",
            "level": int(level),
            "grib": {"shortName": param, "level": int(level)},
        }
    return {"name": name, "units": "K", "level_type": "sfc", "grib": {"shortName": name}}


def make_dataset(
    path: Path,
    *,
    variables: Sequence[str] = ("2t", "msl", "t_850"),
    start: str = "2020-01-01T00",
    end: str = "2020-01-02T18",
    frequency: str = "6h",
    grid: str | Grid = "10p0",
    members: int = 1,
    missing: Iterable[str] = (),
    compressors: Any = None,
    dates_per_chunk: int = 1,
    tendencies: Sequence[str] = ("6h",),
    complete: bool = True,
    dtype: str = "float32",
) -> Path:
    """Write a complete dataset of :func:`field_values` at ``path`` and return ``path``."""
    dates_range = DateRange(start, end, frequency, missing)
    dates = dates_range.dates
    grid_object = grid_from_name(grid) if isinstance(grid, str) else grid
    variables = list(variables)
    document = DatasetMetadata.model_validate(
        {
            "uuid": str(uuid.uuid4()),
            "variables": variables,
            "variables_metadata": {v: _variable_metadata(v) for v in variables},
            "frequency": frequency_to_string(frequency),
            "start_date": str(dates[0]),
            "end_date": str(dates[-1]),
            "missing_dates": [str(d) for d in dates_range.missing],
            "ensemble_size": members,
            "grid": grid_object.description(),
            "recipe": {"description": f"test dataset {path.name}"},
            "provenance": {
                "created": "2024-01-01T00:00:00Z",
                "python": "3.11.0",
                "platform": "test",
            },
            "licence": "CC-BY-4.0",
            "attribution": "fc tests",
            "statistics_start_date": str(dates[0]),
            "statistics_end_date": str(dates[-1]),
            "tendency_statistics": list(tendencies),
        }
    ).model_dump(mode="json")
    root = create_store(
        path,
        attributes=document,
        dates=dates,
        variables=variables,
        latitudes=grid_object.latitudes,
        longitudes=grid_object.longitudes,
        ensemble_size=members,
        dates_per_chunk=dates_per_chunk,
        compressors=compressors,
        dtype=dtype,
    )
    values = field_values(dates, variables, members, grid_object.size)
    valid = ~np.isin(dates, dates_range.missing)
    for i in np.flatnonzero(valid):
        root["data"][int(i)] = values[i]
    values = values.astype(np.float64)
    values[~valid] = np.nan
    kept = values[valid]
    statistics = {
        "mean": kept.mean(axis=(0, 2, 3)),
        "stdev": kept.std(axis=(0, 2, 3)),
        "minimum": kept.min(axis=(0, 2, 3)),
        "maximum": kept.max(axis=(0, 2, 3)),
    }
    for name in STATISTICS:
        root.create_array(name, data=statistics[name])
    step = parse_frequency(frequency)
    for delta in tendencies:
        lag = parse_frequency(delta) // step
        diff = values[lag:] - values[:-lag]
        group = root.require_group(f"tendencies/{frequency_to_string(delta)}")
        group.create_array("mean", data=np.nanmean(diff, axis=(0, 2, 3)))
        group.create_array("stdev", data=np.nanstd(diff, axis=(0, 2, 3)))
        group.create_array("minimum", data=np.nanmin(diff, axis=(0, 2, 3)))
        group.create_array("maximum", data=np.nanmax(diff, axis=(0, 2, 3)))
    if complete:
        root.attrs["complete"] = True
    return path


def expected(
    dates: np.ndarray,
    variables: Sequence[str],
    members: int,
    cells: int,
    missing: Iterable[str] = (),
) -> np.ndarray:
    """What a dataset made by :func:`make_dataset` holds on ``dates`` (NaN where missing)."""
    values = field_values(dates, variables, members, cells)
    gone = np.isin(np.asarray(dates, "datetime64[s]"), np.array(list(missing), "datetime64[s]"))
    values[gone] = np.nan
    return values


def dates_of(start: str, end: str, frequency: str = "6h") -> np.ndarray:
    """The dates from ``start`` to ``end`` every ``frequency``."""
    return DateRange(start, end, frequency).dates
