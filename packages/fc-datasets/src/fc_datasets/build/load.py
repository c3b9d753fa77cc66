"""``load``: fill the dates of one part of an initialised store, resumably and in parallel.

A part is cut into tasks (runs of whole chunks, see :mod:`fc_datasets.build.layout`). Each task
loads its dates from the input tree, checks them against what ``init`` learnt, and writes, in
this order, the data, the per-date partial statistics and the ``done`` flags. A load killed at
any moment therefore never marks a date whose data is not on disk, and the next load of the
same part redoes exactly the dates that are not marked. A date's data and partials depend only
on that date, so a resumed build is bit-for-bit the build that was never interrupted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fc_config.exceptions import FcError
from fc_datasets.build.layout import Layout, iso
from fc_datasets.build.parallel import run_tasks
from fc_datasets.build.recipe import make_input, recipe_environment
from fc_datasets.build.statistics import PartialStatistics, partial_stats
from fc_datasets.exceptions import BuildError, LoadError
from fc_datasets.fields import FieldBlock
from fc_datasets.store import BUILD_GROUP, PARTIAL_STATISTICS, open_store
from fc_utils.progress import ProgressBar

__all__ = ["LoadReport", "load", "load_dates", "read_partials", "store_layout"]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadReport:
    """What a :func:`load` did.

    Attributes
    ----------
    path
        The dataset.
    part
        ``(index, count)`` with a zero-based index, or None for the whole dataset.
    dates
        Dates in the part (missing ones included).
    loaded
        Dates loaded by this call.
    skipped
        Dates of the part already done by an earlier load.
    bytes
        Bytes of data written (uncompressed).
    seconds
        Wall time of the loading.
    remaining
        Dates of the whole dataset still to load (by this or other parts) before finalise.
    """

    path: Path
    part: tuple[int, int] | None
    dates: int
    loaded: int
    skipped: int
    bytes: int
    seconds: float
    remaining: int

    @property
    def megabytes_per_second(self) -> float:
        """Throughput in MB (10**6 bytes) of uncompressed data written per second."""
        return self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0


def store_layout(root: Any) -> Layout:
    """The :class:`Layout` of an open store, from its ``_build`` attributes."""
    attrs = dict(root[BUILD_GROUP].attrs) if BUILD_GROUP in root else {}
    if not attrs.get("initialised"):
        raise BuildError(
            f"{root.store} was not fully initialised (init was interrupted or failed); "
            "run 'fc-datasets init RECIPE PATH --overwrite' again."
        )
    dates = root["dates"][:]
    missing_list = np.array(root.attrs.get("missing_dates", []), dtype="datetime64[s]")
    return Layout(
        dates=dates,
        missing=np.isin(dates, missing_list),
        dates_per_chunk=int(attrs.get("dates_per_chunk", 1)),
        group_by=attrs.get("group_by", 1),
    )


def read_partials(root: Any, missing: np.ndarray) -> PartialStatistics:
    """The per-date partial statistics of an open store, ``[date, variable]`` each.

    Missing dates count zero values whether or not their part has run.
    """
    values = root[f"{BUILD_GROUP}/partials"][:]
    fields = {name: values[:, k] for k, name in enumerate(PARTIAL_STATISTICS)}
    count = np.where(missing[:, None], 0, np.nan_to_num(fields.pop("count"))).astype(np.int64)
    return PartialStatistics(count=count, **fields)


def load(
    path: str | Path,
    *,
    part: tuple[int, int] | str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> LoadReport:
    """Load the dates of ``part`` (every date by default) that are not loaded yet.

    Parameters
    ----------
    path
        A dataset made by :func:`~fc_datasets.build.init`.
    part
        ``"i/N"`` (``i`` from 1, as on the command line) or ``(index, N)`` (index from 0, as
        :func:`fc_utils.dates.parse_part` returns it): the i-th of N contiguous date ranges.
        Parts can be loaded by separate processes at the same time.
    scheduler
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``) to run the
        tasks on; its workers must see ``path``. By default, local threads.
    workers
        Local threads (default: the CPUs available); 1 runs everything in this thread.

    Returns
    -------
    LoadReport

    Raises
    ------
    LoadError
        A source failed or returned fields that differ from those ``init`` found; the message
        names the dates. Dates already written stay done; run the same load again to resume.
    """
    path = Path(path)
    root = open_store(path, require_complete=False, mode="r+")
    env = dict(root.attrs.get("recipe", {}).get("build", {}).get("env", {}))
    with recipe_environment(env):
        return _load(path, root, part, scheduler, workers)


def _load(
    path: Path,
    root: Any,
    part: tuple[int, int] | str | None,
    scheduler: str | None,
    workers: int | None,
) -> LoadReport:
    layout = store_layout(root)
    resolved = layout.resolve_part(part)
    chunks = layout.part_chunks(resolved)
    done = root[f"{BUILD_GROUP}/done"][:]
    tasks = [(start, stop) for start, stop in layout.tasks(chunks) if not done[start:stop].all()]
    first, last = layout.chunk_bounds(chunks[0])[0], layout.chunk_bounds(chunks[-1])[1]
    n_part = last - first
    todo = sum(stop - start for start, stop in tasks)
    label = "every date" if resolved is None else f"part {resolved[0] + 1}/{resolved[1]}"
    _record_part(root, resolved, layout, first, last, finished=False)
    key = str(root.attrs["uuid"])
    if tasks:
        # built here, before any task, so that a broken recipe fails at once and not per task
        _context(str(path), key)
    written = [0, 0]
    started = time.perf_counter()
    with ProgressBar(total=todo, desc=f"load {label}", unit="date") as bar:

        def _on_result(result: tuple[int, int]) -> None:
            written[0] += result[0]
            written[1] += result[1]
            bar.update(result[0])
            elapsed = max(time.perf_counter() - started, 1e-9)
            bar.set_postfix(MB_s=f"{written[1] / 1e6 / elapsed:.1f}")

        try:
            run_tasks(
                load_dates,
                [(str(path), key, start, stop) for start, stop in tasks],
                on_result=_on_result,
                workers=workers,
                scheduler=scheduler,
                name="fc-load",
            )
        finally:
            _forget(str(path), key)
    seconds = time.perf_counter() - started
    done = root[f"{BUILD_GROUP}/done"][:]
    _record_part(root, resolved, layout, first, last, finished=True)
    report = LoadReport(
        path=path,
        part=resolved,
        dates=n_part,
        loaded=written[0],
        skipped=n_part - todo,
        bytes=written[1],
        seconds=seconds,
        remaining=int((~done & ~layout.missing).sum()),
    )
    _LOG.info(
        "loaded %s of %s: %d dates in %.1f s (%.1f MB/s), %d skipped, %d left in the dataset",
        label,
        path,
        report.loaded,
        seconds,
        report.megabytes_per_second,
        report.skipped,
        report.remaining,
    )
    return report


def _record_part(
    root: Any,
    part: tuple[int, int] | None,
    layout: Layout,
    first: int,
    last: int,
    *,
    finished: bool,
) -> None:
    """Leave a trace of a load in ``_build/parts`` (its own group: no two loads share it)."""
    name = "all" if part is None else f"part-{part[0] + 1}-of-{part[1]}"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    parts = root.require_group(f"{BUILD_GROUP}/parts")
    group = parts.require_group(name)
    update: dict[str, Any] = {
        "part": None if part is None else f"{part[0] + 1}/{part[1]}",
        "first_date": iso(layout.dates[first]),
        "last_date": iso(layout.dates[last - 1]),
    }
    update["finished" if finished else "started"] = now
    group.update_attributes(update)


# --- one task ---------------------------------------------------------------------------------


@dataclass
class _Context:
    """What the tasks of one process share: the input tree and what init learnt."""

    node: Any
    root: Any
    data: Any
    partials: Any
    done: Any
    variables: list[str]
    ensemble_size: int
    latitudes: np.ndarray
    longitudes: np.ndarray
    dates: np.ndarray
    missing: np.ndarray
    dtype: np.dtype


# keyed by path and uuid: a store made again at the same path is another dataset
_CONTEXTS: OrderedDict[tuple[str, str], _Context] = OrderedDict()
_LOCK = threading.Lock()
_MAX_CONTEXTS = 4


def _context(path: str, key: str) -> _Context:
    """The context of the store ``path`` with uuid ``key`` in this process, built once."""
    with _LOCK:
        if (path, key) in _CONTEXTS:
            _CONTEXTS.move_to_end((path, key))
            return _CONTEXTS[path, key]
        context = _make_context(path)
        if str(context.root.attrs["uuid"]) != key:
            raise BuildError(
                f"{path} was made again while it was being loaded (its uuid changed); "
                "run the load again."
            )
        _CONTEXTS[path, key] = context
        while len(_CONTEXTS) > _MAX_CONTEXTS:
            _CONTEXTS.popitem(last=False)
        return context


def _forget(path: str, key: str) -> None:
    with _LOCK:
        _CONTEXTS.pop((path, key), None)


def _make_context(path: str) -> _Context:
    from fc_utils.dates import parse_frequency

    root = open_store(path, require_complete=False, mode="r+")
    layout = store_layout(root)
    attrs = root.attrs
    build = dict(root[BUILD_GROUP].attrs)
    frequency = int(parse_frequency(attrs["frequency"]).total_seconds())
    for key, value in attrs["recipe"].get("build", {}).get("env", {}).items():
        os.environ.setdefault(key, value)  # on dask.distributed workers; load() sets them here
    node = make_input(attrs["recipe"], Path(build["base_dir"]), frequency)
    return _Context(
        node=node,
        root=root,
        data=root["data"],
        partials=root[f"{BUILD_GROUP}/partials"],
        done=root[f"{BUILD_GROUP}/done"],
        variables=list(attrs["variables"]),
        ensemble_size=int(attrs.get("ensemble_size", 1)),
        latitudes=root["latitudes"][:],
        longitudes=root["longitudes"][:],
        dates=layout.dates,
        missing=layout.missing,
        dtype=np.dtype(root["data"].dtype),
    )


def _span(dates: np.ndarray) -> str:
    if len(dates) == 1:
        return iso(dates[0])
    return f"{iso(dates[0])} to {iso(dates[-1])}"


def _resume_hint(path: str) -> str:
    return (
        f"The dataset stays incomplete and the dates already loaded are kept: fix the cause, "
        f"then run the same 'fc-datasets load {path}' (with the same --part) to resume."
    )


def _fetch(context: _Context, dates: np.ndarray, path: str) -> FieldBlock:
    try:
        block = context.node.load(dates)
    except FcError as exc:
        raise LoadError(
            f"loading {_span(dates)} failed: {exc}",
            hint=_resume_hint(path),
            exit_code=exc.exit_code,
        ) from exc
    except Exception as exc:
        raise LoadError(
            f"loading {_span(dates)} failed with an unexpected {type(exc).__name__}: {exc}",
            hint=_resume_hint(path),
        ) from exc
    return _checked(block, dates, context, path)


def _checked(block: Any, dates: np.ndarray, context: _Context, path: str) -> FieldBlock:
    """``block`` after checking it matches the probe of init (and reordering its variables)."""
    where = f"the input returned for {_span(dates)}"

    def fail(problem: str) -> LoadError:
        return LoadError(
            f"{where} {problem}; every date must give the same fields as the first one, which "
            "init used to create the dataset. " + _resume_hint(path)
        )

    if not isinstance(block, FieldBlock):
        raise fail(f"a {type(block).__name__}, not a FieldBlock")
    got = np.asarray(block.dates, dtype="datetime64[s]")
    if not np.array_equal(got, dates):
        extra = [iso(d) for d in np.setdiff1d(got, dates)[:3]]
        lacking = [iso(d) for d in np.setdiff1d(dates, got)[:3]]
        raise fail(f"other dates than asked for (lacking {lacking}, unexpected {extra})")
    if block.variables != context.variables:
        lacking = [v for v in context.variables if v not in block.variables]
        extra = [v for v in block.variables if v not in context.variables]
        if lacking or extra:
            raise fail(
                f"variables that differ: lacking {', '.join(lacking) or 'none'}, "
                f"unexpected {', '.join(extra) or 'none'}"
            )
        block = block.select(context.variables)
    if block.ensemble_size != context.ensemble_size:
        raise fail(
            f"{block.ensemble_size} ensemble members where init found {context.ensemble_size}"
        )
    if block.number_of_points != len(context.latitudes):
        raise fail(
            f"fields of {block.number_of_points} grid points where init found "
            f"{len(context.latitudes)}"
        )
    same = np.allclose(block.latitudes, context.latitudes, rtol=0, atol=1e-6) and np.allclose(
        np.asarray(block.longitudes) % 360, context.longitudes % 360, rtol=0, atol=1e-6
    )
    if not same:
        raise fail("fields on other grid points (latitudes/longitudes differ)")
    return block


def load_dates(path: str, key: str, start: int, stop: int) -> tuple[int, int]:
    """Load, check and write the dates ``[start, stop)`` of the store at ``path`` (uuid ``key``).

    One task of :func:`load`: ``[start, stop)`` covers whole chunks, so that no other task
    writes them. The task goes one chunk at a time, so that its memory is that of one chunk
    whatever ``group_by`` makes of its length (a month of 1° fields is over a gigabyte). Each
    chunk writes data, then partial statistics, then its ``done`` flags. Returns the number of
    dates and the bytes of data written.
    """
    context = _context(path, key)
    step = int(context.data.chunks[0])
    count = nbytes = 0
    for first in range(start, stop, step):
        n, b = _load_window(context, path, first, min(first + step, stop))
        count += n
        nbytes += b
    return count, nbytes


def _load_window(context: _Context, path: str, start: int, stop: int) -> tuple[int, int]:
    dates = context.dates[start:stop]
    missing = context.missing[start:stop]
    shape = (len(dates), len(context.variables), context.ensemble_size, len(context.latitudes))
    values = np.full(shape, np.nan, dtype=context.dtype)
    if not missing.all():
        block = _fetch(context, dates[~missing], path)
        values[~missing] = block.data  # cast to the store's dtype: stats describe what is stored
    partials = partial_stats(values)
    context.data[start:stop] = values
    context.partials[start:stop] = np.stack(
        [getattr(partials, name) for name in PARTIAL_STATISTICS], axis=1
    )
    context.done[start:stop] = True
    return len(dates), int(values.nbytes)
