"""The on-disk layout of an fc dataset (format version 1): one zarr v3 store.

::

    dataset.zarr/
      zarr.json                 root attributes: the dataset metadata document
                                (fc_config.metadata.DatasetMetadata, JSON mode), ``complete`` last
      data                      float32 [date, variable, ensemble, cell], one date per chunk
      dates                     datetime64[s] [date]   (every date of the range, missing ones too)
      latitudes, longitudes     float64 [cell], degrees
      mean, stdev, minimum, maximum   float64 [variable]   (written by finalise)
      count                     int64 [variable]      values that entered the statistics
      has_nans                  bool [variable]
      tendencies/<delta>/{mean,stdev,minimum,maximum,count}   statistics of x(t) - x(t - delta)
      _build/                   build state, kept for inspection after finalise
        done                    bool [date]           the date's data and partial statistics are written
        stats_count             int64 [date, variable]
        stats_mean, stats_m2    float64 [date, variable]   per-date mean and sum of squared deviations
        stats_min, stats_max    float64 [date, variable]

Missing dates hold NaN and count zero values. A store is readable as a dataset only once
``finalise`` has set the root attribute ``complete`` to true; :func:`open_store` refuses any other.
The written spec is ``docs/formats/dataset.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fc_datasets.exceptions import DatasetError, IncompleteDatasetError

__all__ = [
    "BUILD_GROUP",
    "DATASET_FORMAT_VERSION",
    "STATISTICS",
    "create_store",
    "open_store",
    "read_attributes",
]

#: The dataset format version this fc-datasets writes and reads.
DATASET_FORMAT_VERSION = 1
#: Names of the per-variable statistics arrays.
STATISTICS = ("mean", "stdev", "minimum", "maximum")
#: Group holding the build state.
BUILD_GROUP = "_build"


def _zarr() -> Any:
    import zarr

    return zarr


def create_store(
    path: str | Path,
    *,
    attributes: Mapping[str, Any],
    dates: np.ndarray,
    variables: Sequence[str],
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    ensemble_size: int = 1,
    dates_per_chunk: int = 1,
    compressors: Any = None,
    overwrite: bool = False,
) -> Any:
    """Create an empty dataset store with every array of the layout; return the zarr group.

    ``attributes`` is the metadata document; ``complete`` is forced to false. ``compressors``
    is passed to zarr for ``data`` (None: no compression, the fastest for reading).
    """
    zarr = _zarr()
    path = Path(path)
    if path.exists() and not overwrite:
        raise DatasetError(
            f"{path} already exists. Choose another path, or pass --overwrite to replace it."
        )
    dates = np.asarray(dates, dtype="datetime64[s]")
    n_dates, n_vars, n_cells = len(dates), len(variables), len(latitudes)
    root = zarr.open_group(str(path), mode="w", zarr_format=3)
    root.attrs.update({**dict(attributes), "complete": False})
    root.create_array(
        "data",
        shape=(n_dates, n_vars, ensemble_size, n_cells),
        chunks=(dates_per_chunk, n_vars, ensemble_size, n_cells),
        dtype="float32",
        fill_value=np.nan,
        compressors=compressors,
        dimension_names=("date", "variable", "ensemble", "cell"),
    )
    for name, values in (("dates", dates), ("latitudes", latitudes), ("longitudes", longitudes)):
        dims = ("date",) if name == "dates" else ("cell",)
        arr = root.create_array(
            name,
            shape=values.shape,
            dtype=values.dtype,
            chunks=values.shape or (1,),
            dimension_names=dims,
        )
        arr[...] = values
    build = root.create_group(BUILD_GROUP)
    build.create_array("done", shape=(n_dates,), dtype="bool", chunks=(n_dates,), fill_value=False)
    for name, dtype, fill in (
        ("stats_count", "int64", 0),
        ("stats_mean", "float64", np.nan),
        ("stats_m2", "float64", np.nan),
        ("stats_min", "float64", np.nan),
        ("stats_max", "float64", np.nan),
    ):
        build.create_array(
            name, shape=(n_dates, n_vars), dtype=dtype, chunks=(1, n_vars), fill_value=fill
        )
    return root


def read_attributes(path: str | Path) -> dict[str, Any]:
    """The root attributes (the metadata document) of a store, complete or not."""
    zarr = _zarr()
    path = Path(path)
    if not (path / "zarr.json").exists():
        raise DatasetError(f"{path} is not an fc dataset (no zarr.json): check the path.")
    return dict(zarr.open_group(str(path), mode="r").attrs)


def open_store(path: str | Path, *, require_complete: bool = True, mode: str = "r") -> Any:
    """Open a dataset store; by default refuse one that ``finalise`` has not marked complete."""
    zarr = _zarr()
    path = Path(path)
    if not (path / "zarr.json").exists():
        raise DatasetError(f"{path} is not an fc dataset (no zarr.json): check the path.")
    root = zarr.open_group(str(path), mode=mode)
    attrs = root.attrs
    if attrs.get("kind") != "dataset":
        raise DatasetError(
            f"{path} is a zarr store but not an fc dataset (its kind is {attrs.get('kind')!r})."
        )
    version = attrs.get("format_version")
    if not isinstance(version, int) or version > DATASET_FORMAT_VERSION:
        from fc_config.exceptions import FormatVersionError

        raise FormatVersionError(
            f"{path} is in dataset format {version!r}; this fc-datasets reads up to "
            f"{DATASET_FORMAT_VERSION}. Upgrade fc-datasets."
        )
    if require_complete and not attrs.get("complete", False):
        done = root[f"{BUILD_GROUP}/done"][:] if BUILD_GROUP in root else np.array([])
        raise IncompleteDatasetError(
            f"{path} is incomplete: {int(done.sum())} of {done.size} dates are loaded and it has "
            "not been finalised. Run 'fc-datasets load' for the missing parts, then "
            "'fc-datasets finalise'; 'fc-datasets inspect' shows which parts are missing."
        )
    return root
