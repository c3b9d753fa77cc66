"""``finalise``: check every date is loaded, compute the statistics, mark the dataset complete.

Finalise is the only step that sets ``complete``, and it sets it last, in the same write as the
final metadata document, after the statistics arrays are on disk. Any error before leaves the
store incomplete (and a store that was complete is marked incomplete before anything is
rewritten), so a reader can never open a dataset whose statistics are half written.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fc_datasets.build.layout import Layout, date_runs, iso
from fc_datasets.build.load import read_partials, store_layout
from fc_datasets.build.statistics import (
    PartialStatistics,
    Statistics,
    combine,
    finish,
    partial_stats,
)
from fc_datasets.exceptions import IncompleteDatasetError, StatisticsError
from fc_datasets.store import BUILD_GROUP, open_store
from fc_utils.dates import parse_date, parse_frequency
from fc_utils.progress import ProgressBar

__all__ = ["FinaliseReport", "finalise", "tendency_statistics"]

_LOG = logging.getLogger(__name__)

#: Bytes of data read at a time while streaming through the dataset for tendencies.
_READ_BYTES = 64 * 2**20


@dataclass(frozen=True)
class FinaliseReport:
    """What :func:`finalise` computed.

    Attributes
    ----------
    path
        The dataset, now complete.
    variables
        Variable names, the order of every array below.
    statistics
        Mean, standard deviation, minimum, maximum and count over the statistics period.
    has_nans
        bool ``[variable]``: whether the variable holds NaN on any date that is not missing.
    tendencies
        Statistics of ``x(t) - x(t - delta)``, by delta (``6h``).
    statistics_start, statistics_end
        The statistics period.
    seconds
        Wall time.
    """

    path: Path
    variables: list[str]
    statistics: Statistics
    has_nans: np.ndarray
    tendencies: dict[str, Statistics]
    statistics_start: str
    statistics_end: str
    seconds: float


def finalise(path: str | Path) -> FinaliseReport:
    """Compute the statistics of a fully loaded dataset and mark it complete.

    Parameters
    ----------
    path
        A dataset whose every non-missing date has been loaded.

    Returns
    -------
    FinaliseReport

    Raises
    ------
    IncompleteDatasetError
        Some dates are not loaded; the message lists them and the loads to run.
    StatisticsError
        A variable holds NaN and the recipe does not allow it, or has no value in the
        statistics period.
    fc_config.exceptions.ConfigError
        The final metadata does not validate.
    """
    started = time.perf_counter()
    path = Path(path)
    root = open_store(path, require_complete=False, mode="r+")
    if root.attrs.get("complete"):
        root.attrs["complete"] = False  # recomputing: never look complete while half rewritten
    layout = store_layout(root)
    _check_loaded(root, layout, path)
    attrs = dict(root.attrs)
    variables = list(attrs["variables"])
    build = root[BUILD_GROUP]
    partials = read_partials(root, layout.missing)
    per_date = int(np.prod(root["data"].shape[2:]))
    has_nans = _check_nans(partials, layout, variables, per_date, build.attrs, path)
    start = np.datetime64(parse_date(attrs["statistics_start_date"]), "s")
    end = np.datetime64(parse_date(attrs["statistics_end_date"]), "s")
    in_period = (layout.dates >= start) & (layout.dates <= end) & ~layout.missing
    statistics = finish(combine(partials[in_period]))
    _check_statistics(statistics, variables, attrs, "")
    step = int(parse_frequency(attrs["frequency"]).total_seconds())
    deltas = {
        d: int(parse_frequency(d).total_seconds()) // step
        for d in attrs.get("tendency_statistics", [])
    }
    tendencies = tendency_statistics(root["data"], layout, in_period, deltas)
    for delta, values in tendencies.items():
        _check_statistics(values, variables, attrs, f" of the {delta} tendency")

    _remove_partial_files(path)
    _write(root, "", statistics, extra={"has_nans": has_nans})
    for delta, values in tendencies.items():
        _write(root.require_group(f"tendencies/{delta}"), f"tendencies/{delta}/", values)
    _mark_complete(root, attrs, path)
    report = FinaliseReport(
        path=path,
        variables=variables,
        statistics=statistics,
        has_nans=has_nans,
        tendencies=tendencies,
        statistics_start=iso(start),
        statistics_end=iso(end),
        seconds=time.perf_counter() - started,
    )
    _LOG.info("finalised %s in %.1f s", path, report.seconds)
    return report


def _remove_partial_files(path: Path) -> None:
    """Delete the temporary ``*.partial`` files a killed load can leave next to its chunks.

    zarr writes each chunk to a temporary file and renames it into place, so a process killed
    mid-write leaves the temporary file behind (never a truncated chunk). Every date is loaded
    when finalise runs, so no load is writing any more.
    """
    removed = 0
    for folder, _, names in os.walk(path):
        for name in names:
            if name.endswith(".partial"):
                Path(folder, name).unlink(missing_ok=True)
                removed += 1
    if removed:
        _LOG.info("removed %d temporary files left by interrupted loads", removed)


def _check_loaded(root: Any, layout: Layout, path: Path) -> None:
    done = root[f"{BUILD_GROUP}/done"][:]
    lacking = ~done & ~layout.missing
    if not lacking.any():
        return
    runs = date_runs(layout.dates, lacking)
    shown = "; ".join(f"{a} to {b} ({n} dates)" for a, b, n in runs[:10])
    more = f" and {len(runs) - 10} more ranges" if len(runs) > 10 else ""
    raise IncompleteDatasetError(
        f"{path} cannot be finalised: {int(lacking.sum())} of {layout.n_dates} dates are not "
        f"loaded: {shown}{more}.",
        hint=_rerun_hint(root, layout, lacking, path),
    )


def _rerun_hint(root: Any, layout: Layout, lacking: np.ndarray, path: Path) -> str:
    """Which loads to run again: the recorded ``--part i/N`` that cover the lacking dates."""
    counts: set[int] = set()
    parts_group = f"{BUILD_GROUP}/parts"
    if parts_group in root:
        for name, _ in root[parts_group].groups():
            if name.startswith("part-"):
                counts.add(int(name.rsplit("-", 1)[1]))
    chunks = sorted({int(i) // layout.dates_per_chunk for i in np.flatnonzero(lacking)})
    hint = f"Run 'fc-datasets load {path}' (it loads only what is missing)"
    for count in sorted(counts):
        parts = sorted({layout.part_of_chunk(c, count) + 1 for c in chunks})
        runs = " and ".join(f"'fc-datasets load {path} --part {p}/{count}'" for p in parts)
        hint += f", or again {runs}"
    return hint + f", then 'fc-datasets finalise {path}'."


def _check_nans(
    partials: PartialStatistics,
    layout: Layout,
    variables: list[str],
    per_date: int,
    build_attrs: Any,
    path: Path,
) -> np.ndarray:
    """Which variables hold NaN on loaded dates; an error for those the recipe does not allow."""
    nans = np.where(layout.missing[:, None], 0, per_date - partials.count)
    has_nans = nans.sum(axis=0) > 0
    allowed = set(build_attrs.get("allow_nans", []))
    for v, name in enumerate(variables):
        if has_nans[v] and name not in allowed:
            dates = layout.dates[nans[:, v] > 0]
            raise StatisticsError(
                f"{path}: variable {name!r} has {int(nans[:, v].sum())} NaN values on "
                f"{len(dates)} dates (first {iso(dates[0])}), and the recipe does not allow NaNs "
                "for it.",
                hint="Fill or mask them in the recipe (e.g. the remove_nans or apply_mask "
                f"filters), or add {name!r} to statistics.allow_nans, and build the dataset again.",
            )
    return has_nans


def _check_statistics(stats: Statistics, variables: list[str], attrs: Any, what: str) -> None:
    for v, name in enumerate(variables):
        if stats.count[v] == 0:
            raise StatisticsError(
                f"variable {name!r} has no value{what} in the statistics period "
                f"{attrs['statistics_start_date']} to {attrs['statistics_end_date']}.",
                hint="Widen statistics.start/end in the recipe, or check the source of the "
                "variable.",
            )
        finite = [stats.mean[v], stats.stdev[v], stats.minimum[v], stats.maximum[v]]
        if not np.isfinite(finite).all():
            raise StatisticsError(
                f"variable {name!r} has infinite values{what} (minimum {stats.minimum[v]}, "
                f"maximum {stats.maximum[v]}); check its source and unit conversions."
            )


def _batches(data: Any, indices: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """``(t, data[t])`` for every ``t`` in ``indices`` (sorted), read in large slices."""
    if indices.size == 0:
        return
    per_date = max(1, int(np.prod(data.shape[1:])) * data.dtype.itemsize)
    size = max(1, _READ_BYTES // per_date)
    position = 0
    while position < indices.size:
        first = int(indices[position])
        end = int(np.searchsorted(indices, first + size))
        wanted = indices[position:end]
        block = data[first : int(wanted[-1]) + 1]
        for t in wanted:
            yield int(t), block[int(t) - first]
        position = end


def tendency_statistics(
    data: Any, layout: Layout, in_period: np.ndarray, deltas: dict[str, int]
) -> dict[str, Statistics]:
    """Statistics of ``x(t) - x(t - k)`` for each delta (``k`` in steps), streaming the data.

    A pair enters when both dates are in the statistics period and neither is missing; the
    difference is taken in float64 and its values reduced like a date's (NaN-aware), and the
    per-pair partials are merged in date order, so the result is as exact and reproducible as
    the plain statistics. The dataset is read once, one slice at a time.
    """
    if not deltas:
        return {}
    steps = sorted(set(deltas.values()))
    keep = max(steps)
    pairs: dict[int, list[PartialStatistics]] = {k: [] for k in steps}
    recent: dict[int, np.ndarray] = {}
    indices = np.flatnonzero(in_period)
    with ProgressBar(total=len(indices), desc="tendency statistics", unit="date") as bar:
        for t, values in _batches(data, indices):
            recent[t] = values
            current = values.astype(np.float64)
            for k in steps:
                before = recent.get(t - k)
                if before is not None:
                    difference = current - before.astype(np.float64)
                    pairs[k].append(partial_stats(difference[None])[0])
            recent.pop(t - keep, None)
            bar.update()
    results: dict[int, Statistics] = {}
    n_vars = data.shape[1]
    for k in steps:
        stacked = (
            PartialStatistics.stack(pairs[k]) if pairs[k] else PartialStatistics.empty((0, n_vars))
        )
        results[k] = finish(combine(stacked))
    return {delta: results[k] for delta, k in deltas.items()}


def _write(
    group: Any, prefix: str, stats: Statistics, extra: dict[str, np.ndarray] | None = None
) -> None:
    arrays = {**stats.as_dict(), **(extra or {})}
    for name, values in arrays.items():
        array = group.create_array(
            name,
            shape=values.shape,
            dtype=values.dtype,
            chunks=values.shape,
            dimension_names=("variable",),
            overwrite=True,
        )
        array[...] = values
        _LOG.debug("wrote %s%s", prefix, name)


def _mark_complete(root: Any, attrs: dict[str, Any], path: Path) -> None:
    """Validate the final metadata document, then write it with ``complete`` true."""
    from fc_config.errors import validate
    from fc_config.metadata import DatasetMetadata

    document = {**attrs, "complete": True}
    validate(DatasetMetadata, document, source=f"{path} (final metadata)")
    root.attrs["complete"] = True
