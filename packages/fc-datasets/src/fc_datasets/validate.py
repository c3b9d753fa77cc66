"""Check a store against the dataset format spec (``docs/formats/dataset.md``).

:func:`validate_dataset` lists every way a store departs from the spec — it does not stop at
the first — so that a producer (another tool writing fc datasets, a hand-edited store) sees all
there is to fix. ``fc-datasets validate`` prints the list and exits non-zero when it is not
empty. The cheap checks read metadata, coordinates and the per-date build statistics; with
``full=True`` every date of ``data`` is read as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from fc_datasets.store import BUILD_GROUP, DATASET_FORMAT_VERSION, PARTIAL_STATISTICS, STATISTICS

__all__ = ["validate_dataset"]

_STATISTICS_DTYPES = {
    **{name: np.dtype("float64") for name in STATISTICS},
    "count": np.dtype("int64"),
    "has_nans": np.dtype("bool"),
}


def validate_dataset(path: str | Path, *, full: bool = False) -> list[str]:
    """Return the ways the store at ``path`` departs from the dataset format; ``[]`` if none.

    Parameters
    ----------
    path
        The store (a ``.zarr`` folder).
    full
        Also read every date of ``data``: NaN values where the build statistics count none,
        missing dates that hold values. Costs a full read of the dataset.

    Returns
    -------
    list[str]
        One sentence per problem. An incomplete store (not finalised) is a problem: it is
        not a dataset yet.
    """
    import zarr

    problems: list[str] = []
    path = Path(path)
    if not (path / "zarr.json").is_file():
        return [f"{path} is not a zarr v3 store (it has no zarr.json)"]
    try:
        root = zarr.open_group(str(path), mode="r")
    except Exception as exc:
        return [f"{path} cannot be opened as a zarr group: {exc}"]
    attrs = dict(root.attrs)
    if attrs.get("kind") != "dataset":
        return [f"the root attribute 'kind' is {attrs.get('kind')!r}, not 'dataset'"]
    version = attrs.get("format_version")
    if version != DATASET_FORMAT_VERSION:
        return [
            f"format_version is {version!r}; this validator checks format "
            f"{DATASET_FORMAT_VERSION} (upgrade fc-datasets for newer formats)"
        ]
    metadata = _check_metadata(attrs, problems)
    arrays = _check_arrays(root, problems)
    if metadata is None or arrays is None:
        return problems
    _check_shapes(metadata, arrays, problems)
    _check_dates(metadata, arrays["dates"][:], problems)
    missing = np.isin(
        arrays["dates"][:], np.array(attrs.get("missing_dates", []), dtype="datetime64[s]")
    )
    count = _check_build(root, metadata, missing, problems)
    if metadata.complete:
        _check_statistics(root, metadata, count, missing, problems)
    if full and count is not None:
        _check_data(arrays["data"], count, missing, problems)
    return problems


def _check_metadata(attrs: dict[str, Any], problems: list[str]) -> Any:
    from fc_config.errors import validate
    from fc_config.exceptions import FcError
    from fc_config.metadata import DatasetMetadata

    try:
        return validate(DatasetMetadata, attrs)
    except FcError as exc:
        found = getattr(exc, "problems", [])
        for item in found:
            where = f"attribute {item.path}" if item.path else "the attributes"
            problems.append(f"{where}: {item.message}")
        if not found:
            problems.append(f"the attributes are not a valid dataset metadata document: {exc}")
        return None


def _check_arrays(root: Any, problems: list[str]) -> dict[str, Any] | None:
    expected = {
        "data": (None, ("date", "variable", "ensemble", "cell")),
        "dates": (np.dtype("datetime64[s]"), ("date",)),
        "latitudes": (np.dtype("float64"), ("cell",)),
        "longitudes": (np.dtype("float64"), ("cell",)),
    }
    arrays: dict[str, Any] = {}
    for name, (dtype, dims) in expected.items():
        if name not in root or not hasattr(root[name], "dtype"):
            problems.append(f"array {name!r} is missing")
            continue
        array = root[name]
        arrays[name] = array
        if dtype is not None and array.dtype != dtype:
            problems.append(f"array {name!r} has dtype {array.dtype}, expected {dtype}")
        if name == "data" and array.dtype not in (np.dtype("float32"), np.dtype("float64")):
            problems.append(f"array 'data' has dtype {array.dtype}, expected float32")
        names = tuple(array.metadata.dimension_names or ())
        if names != dims:
            problems.append(f"array {name!r} has dimension names {names}, expected {dims}")
    return arrays if len(arrays) == len(expected) else None


def _check_shapes(metadata: Any, arrays: dict[str, Any], problems: list[str]) -> None:
    data = arrays["data"]
    n_cells = arrays["latitudes"].shape[0] if arrays["latitudes"].ndim == 1 else -1
    expected = (
        arrays["dates"].shape[0],
        len(metadata.variables),
        metadata.ensemble_size,
        n_cells,
    )
    if data.shape != expected:
        problems.append(
            f"'data' has shape {data.shape}, expected {expected} from dates, variables, "
            "ensemble_size and latitudes"
        )
    if arrays["longitudes"].shape != arrays["latitudes"].shape:
        problems.append("'latitudes' and 'longitudes' differ in shape")
    if metadata.grid.number_of_points != n_cells:
        problems.append(
            f"grid.number_of_points is {metadata.grid.number_of_points} but there are "
            f"{n_cells} latitudes"
        )
    if data.ndim == 4 and tuple(data.chunks[1:]) != tuple(data.shape[1:]):
        problems.append(
            f"'data' chunks {data.chunks} split a date; each chunk must hold whole dates "
            "(every variable, member and cell)"
        )
    lat = arrays["latitudes"][:]
    if lat.size and (not np.isfinite(lat).all() or np.abs(lat).max() > 90):
        problems.append("'latitudes' holds values outside [-90, 90] or non-finite values")
    if not np.isfinite(arrays["longitudes"][:]).all():
        problems.append("'longitudes' holds non-finite values")


def _check_dates(metadata: Any, dates: np.ndarray, problems: list[str]) -> None:
    from fc_utils.dates import parse_frequency

    if dates.size == 0:
        problems.append("'dates' is empty")
        return
    step = np.timedelta64(int(parse_frequency(metadata.frequency).total_seconds()), "s")
    steps = np.diff(dates)
    if (steps <= np.timedelta64(0, "s")).any():
        problems.append("'dates' is not strictly increasing")
    elif (steps != step).any():
        bad = dates[1:][steps != step][0]
        problems.append(f"'dates' is off the {metadata.frequency} frequency at {bad}")
    first = np.datetime64(metadata.start_date.replace(tzinfo=None), "s")
    last = np.datetime64(metadata.end_date.replace(tzinfo=None), "s")
    if dates[0] != first or dates[-1] != last:
        problems.append(
            f"'dates' runs from {dates[0]} to {dates[-1]} but the attributes say {first} to {last}"
        )


def _check_build(
    root: Any, metadata: Any, missing: np.ndarray, problems: list[str]
) -> np.ndarray | None:
    """Check the build state; return the per-date count of values ``[date, variable]``."""
    if BUILD_GROUP not in root:
        problems.append(f"group {BUILD_GROUP!r} (the build state) is missing")
        return None
    build = root[BUILD_GROUP]
    n_dates, n_vars = len(missing), len(metadata.variables)
    done = build["done"][:] if "done" in build else None
    if done is None or done.dtype != np.bool_ or done.shape != (n_dates,):
        problems.append(f"{BUILD_GROUP}/done must be a bool array [date] of {n_dates} flags")
        done = None
    count = None
    shape = (n_dates, len(PARTIAL_STATISTICS), n_vars)
    if "partials" not in build:
        problems.append(f"{BUILD_GROUP}/partials is missing")
    elif build["partials"].dtype != np.float64 or build["partials"].shape != shape:
        array = build["partials"]
        problems.append(
            f"{BUILD_GROUP}/partials is {array.dtype} {array.shape}, expected float64 {shape}"
        )
    else:
        loaded = np.nan_to_num(build["partials"][:, 0, :])
        count = np.where(missing[:, None], 0, loaded).astype(np.int64)
    if done is not None:
        lacking = ~done & ~missing
        if metadata.complete and lacking.any():
            first = root["dates"][int(np.flatnonzero(lacking)[0])]
            problems.append(
                f"the dataset is marked complete but {int(lacking.sum())} dates are not loaded "
                f"(first {first})"
            )
        elif not metadata.complete:
            problems.append(
                f"the dataset is not complete: finalise has not run ({int(lacking.sum())} of "
                f"{n_dates} dates still to load)"
            )
    if count is not None and done is not None:
        per_date = int(np.prod(root["data"].shape[2:]))
        if (np.nan_to_num(build["partials"][:, 0, :])[missing] != 0).any():
            problems.append("a missing date has values (its partial count is not 0)")
        allowed = set(dict(build.attrs).get("allow_nans", []))
        nans = np.where((done & ~missing)[:, None], per_date - count, 0)
        for v, name in enumerate(metadata.variables):
            if nans[:, v].any() and name not in allowed:
                first = root["dates"][int(np.flatnonzero(nans[:, v])[0])]
                problems.append(
                    f"variable {name!r} holds NaN on {int((nans[:, v] > 0).sum())} dates that "
                    f"are not missing (first {first}) and allow_nans does not list it"
                )
    return count


def _check_statistics(
    root: Any,
    metadata: Any,
    count: np.ndarray | None,
    missing: np.ndarray,
    problems: list[str],
) -> None:
    n_vars = len(metadata.variables)
    groups = [("", root)]
    tendencies = root.get("tendencies")
    for delta in metadata.tendency_statistics:
        if tendencies is None or delta not in tendencies:
            problems.append(
                f"the tendency statistics of {delta} (group tendencies/{delta}) are missing"
            )
        else:
            groups.append((f"tendencies/{delta}/", tendencies[delta]))
    for prefix, group in groups:
        values: dict[str, np.ndarray] = {}
        for name, dtype in _STATISTICS_DTYPES.items():
            if name == "has_nans" and prefix:
                continue
            if name not in group:
                problems.append(f"statistics array {prefix}{name} is missing")
                continue
            array = group[name][:]
            if array.dtype != dtype or array.shape != (n_vars,):
                problems.append(
                    f"statistics array {prefix}{name} is {array.dtype} {array.shape}, expected "
                    f"{dtype} ({n_vars},)"
                )
                continue
            values[name] = array
        if not all(name in values for name in STATISTICS):
            continue
        for v, name in enumerate(metadata.variables):
            row = [values[k][v] for k in STATISTICS]
            if not np.isfinite(row).all():
                problems.append(f"{prefix}statistics of {name!r} are not finite: {row}")
            elif values["stdev"][v] < 0 or not (
                values["minimum"][v] <= values["mean"][v] <= values["maximum"][v]
            ):
                problems.append(f"{prefix}statistics of {name!r} are inconsistent: {row}")
    if count is not None and "has_nans" in root:
        per_date = int(np.prod(root["data"].shape[2:]))
        nans = (np.where(missing[:, None], 0, per_date - count) > 0).any(axis=0)
        if not np.array_equal(nans, root["has_nans"][:]):
            problems.append("'has_nans' disagrees with the NaN values counted per date")


def _check_data(data: Any, count: np.ndarray, missing: np.ndarray, problems: list[str]) -> None:
    per_date = int(np.prod(data.shape[2:]))
    for t in range(data.shape[0]):
        values = data[t].reshape(data.shape[1], -1)
        valid = (~np.isnan(values)).sum(axis=1)
        if missing[t] and valid.any():
            problems.append(f"missing date number {t} holds values; it must be all NaN")
        elif not np.array_equal(valid, count[t]):
            problems.append(
                f"date number {t} has {per_date - valid} NaN values per variable, but the "
                f"build statistics count {per_date - count[t]}"
            )
