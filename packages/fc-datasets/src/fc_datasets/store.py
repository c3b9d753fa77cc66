"""The on-disk layout of an fc dataset (format version 1): one zarr v3 store.

::

    dataset.zarr/
      zarr.json                 root attributes: the dataset metadata document
                                (fc_config.metadata.DatasetMetadata, JSON mode), ``complete`` last
      data                      float32 [date, variable, ensemble, cell], whole dates per chunk
                                (one by default), Blosc-LZ4 unless the recipe asks otherwise
      dates                     datetime64[s] [date]   (every date of the range, missing ones too)
      latitudes, longitudes     float64 [cell], degrees
      mean, stdev, minimum, maximum   float64 [variable]   (written by finalise)
      count                     int64 [variable]      values that entered the statistics
      has_nans                  bool [variable]
      tendencies/<delta>/{mean,stdev,minimum,maximum,count}   statistics of x(t) - x(t - delta)
      _build/                   build state, kept for inspection after finalise
        done                    bool [date]           the date's data and partial statistics are written
        partials                float64 [date, statistic, variable]   per-date partial statistics:
                                count, mean, M2 (sum of squared deviations), minimum, maximum
        parts/part-<i>-of-<N>   empty groups whose attributes record each ``load --part i/N``

Every array of ``_build`` is chunked like ``data`` along ``date``, so that processes loading
different parts never write the same chunk.

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
    "COMPRESSIONS",
    "DATASET_FORMAT_VERSION",
    "STATISTICS",
    "check_can_create",
    "compressors_for",
    "create_store",
    "open_store",
    "read_attributes",
]

#: The dataset format version this fc-datasets writes and reads.
DATASET_FORMAT_VERSION = 1
#: Names of the per-variable statistics arrays.
STATISTICS = ("mean", "stdev", "minimum", "maximum")
#: Rows of ``_build/partials``: the per-date partial statistics, in this order.
PARTIAL_STATISTICS = ("count", "mean", "m2", "minimum", "maximum")
#: Group holding the build state.
BUILD_GROUP = "_build"
#: Compressions of ``data`` that a recipe may ask for (``output.compression``).
COMPRESSIONS = ("none", "lz4", "zstd")


def _zarr() -> Any:
    import zarr

    return zarr


def compressors_for(name: str) -> Any:
    """The zarr compressors for ``data`` that ``output.compression`` names.

    ``lz4`` (the default) and ``zstd`` use Blosc with byte shuffling, which groups the exponent
    bytes of the floats and roughly halves smooth fields: LZ4 decodes at several GB/s, so
    reading half the bytes wins whenever the chunks come from disk. ``none`` stores raw float32,
    the fastest only when the whole dataset sits in the page cache.
    """
    if name == "none":
        return None
    if name not in COMPRESSIONS:
        from fc_config.suggest import did_you_mean

        raise DatasetError(
            f"unknown compression {name!r}; choose one of {', '.join(COMPRESSIONS)}."
            + did_you_mean(name, COMPRESSIONS)
        )
    from zarr.codecs import BloscCodec

    cname: Any = name  # one of COMPRESSIONS past "none", checked above
    return (BloscCodec(cname=cname, clevel=5 if name == "lz4" else 3, shuffle="shuffle"),)


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
    dtype: str = "float32",
    overwrite: bool = False,
) -> Any:
    """Create an empty dataset store with every array of the layout; return the zarr group.

    ``attributes`` is the metadata document; ``complete`` is forced to false. ``compressors``
    is passed to zarr for ``data`` (None: no compression, the fastest for reading; see
    :func:`compressors_for`). ``overwrite`` replaces an existing fc dataset at ``path`` but
    never a folder that is something else, which would be deleted with everything in it.
    """
    zarr = _zarr()
    path = Path(path)
    check_can_create(path, overwrite=overwrite)
    if dates_per_chunk < 1:
        raise DatasetError(f"dates_per_chunk must be at least 1, got {dates_per_chunk}.")
    dates = np.asarray(dates, dtype="datetime64[s]")
    n_dates, n_vars, n_cells = len(dates), len(variables), len(latitudes)
    root = zarr.open_group(str(path), mode="w", zarr_format=3)
    root.update_attributes({**dict(attributes), "complete": False})  # one write of zarr.json
    root.create_array(
        "data",
        shape=(n_dates, n_vars, ensemble_size, n_cells),
        chunks=(dates_per_chunk, n_vars, ensemble_size, n_cells),
        dtype=dtype,
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
    date_chunk = min(dates_per_chunk, max(n_dates, 1))
    build.create_array(
        "done",
        shape=(n_dates,),
        dtype="bool",
        chunks=(date_chunk,),
        fill_value=False,
        dimension_names=("date",),
    )
    partials = build.create_array(
        "partials",
        shape=(n_dates, len(PARTIAL_STATISTICS), n_vars),
        dtype="float64",
        chunks=(date_chunk, len(PARTIAL_STATISTICS), n_vars),
        fill_value=np.nan,
        dimension_names=("date", "statistic", "variable"),
    )
    partials.attrs["statistics"] = list(PARTIAL_STATISTICS)
    return root


def check_can_create(path: str | Path, *, overwrite: bool) -> None:
    """Refuse a path that exists (unless ``overwrite``) or that holds something else than a dataset.

    ``overwrite`` replaces an fc dataset or an empty folder, never anything else: a mistyped
    path must not delete someone's files.
    """
    path = Path(path)
    if not path.exists():
        return
    if not overwrite:
        raise DatasetError(
            f"{path} already exists. Choose another path, or pass --overwrite to replace it."
        )
    if path.is_dir() and not any(path.iterdir()):
        return
    kind = None
    if (path / "zarr.json").is_file():
        try:
            kind = read_attributes(path).get("kind")
        except Exception:  # an unreadable zarr.json: not something we know to be ours
            kind = None
    if kind != "dataset":
        raise DatasetError(
            f"{path} exists and is not an fc dataset; --overwrite only replaces fc datasets. "
            "Remove it yourself or choose another path."
        )


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
