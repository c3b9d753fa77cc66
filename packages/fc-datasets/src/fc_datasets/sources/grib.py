"""The ``grib`` source: fields from GRIB files, selected by MARS keys (Anemoi's ``grib``).

Example recipe node::

    grib:
      path: era5/*.grib
      param: [t, z]
      levtype: pl
      level: [500, 850]

How it reads, and why it is fast:

1. each file is scanned once per process (:mod:`._grib_scan`): offsets, lengths, reference
   times and header signatures of its messages, read from a memory map without eccodes;
2. eccodes interprets each distinct header signature once (:mod:`._grib_keys`) — parameter,
   level, member, step, units — and each distinct grid once: coordinates, description;
3. the node's selection is decided per signature (:mod:`._grib_select`) and the selected
   messages are sorted by valid time (:mod:`._grib_catalog`);
4. ``load(dates)`` finds the messages of its dates by binary search, checks that each
   (date, variable, member) has exactly one, and decodes only those, each file front to
   back, into one preallocated array (:mod:`._grib_decode`: simple packing with numpy,
   any other packing with eccodes).

Variables come in the order of ``param`` (then of ``level``), members in the order of
``number`` (ascending when not given), points north to south (see :mod:`._grib_keys`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from fc_config.recipes.grib import GRIB_LEVTYPES, GribSourceConfig
from fc_datasets.exceptions import SourceError
from fc_datasets.fields import FieldBlock
from fc_datasets.sources._grib_catalog import Catalog, Located
from fc_datasets.sources._grib_decode import DecodeError, decode_values
from fc_datasets.sources._grib_index import DatePattern, indexed_file, resolve_files
from fc_datasets.sources._grib_keys import GridInfo, MessageKeys, grid_info, message_keys
from fc_datasets.sources._grib_scan import ScannedFile
from fc_datasets.sources._grib_select import Selection, select
from fc_datasets.sources.base import BuildContext, Source

__all__ = ["GribSource"]

LOG = logging.getLogger(__name__)

#: Decoding threads. Measured on 2 free cores with messages of 65,160 points at 16 bits:
#: numpy decodes ~5,500 messages/s on one thread and no more on two (its Python steps hold
#: the GIL); eccodes decodes ~900 messages/s on one thread and 1,100-1,400 on two (its C code
#: runs with the GIL released). So only messages that eccodes decodes get a thread pool, and
#: only for loads of 16 messages a thread or more: in the source, two threads were 25% faster
#: for loads of 40-160 messages but slower for loads of 5-20.
_MESSAGES_PER_THREAD = 16
_MAX_THREADS = 4


def _threads(messages: int, eccodes_share: float) -> int:
    """Decoding threads for ``messages`` of which ``eccodes_share`` go through eccodes."""
    if eccodes_share < 0.5:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(_MAX_THREADS, cpus or 1, messages // _MESSAGES_PER_THREAD))


class GribSource(Source):
    """Fields from GRIB files (see the module docstring and ``docs/datasets/sources-grib.md``).

    Parameters
    ----------
    config
        The node's parameters (:class:`fc_config.recipes.grib.GribSourceConfig`, or a dict
        that validates as one).
    context
        Where relative paths start and how the node is named in error messages.
    """

    config_model = GribSourceConfig

    def __init__(self, config: GribSourceConfig | dict[str, Any], context: BuildContext) -> None:
        if not isinstance(config, GribSourceConfig):
            from fc_config.errors import validate

            config = validate(GribSourceConfig, config, source=context.path)
        super().__init__(config, context)
        self.config: GribSourceConfig = config
        for text in config.path:
            if DatePattern.applies(text):
                DatePattern(text)  # refuses placeholders other than {date:strftime(...)}
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()  # loads may run in several threads (dask)

    def __getstate__(self) -> dict[str, Any]:
        # sent to dask workers without its caches: each process scans (once) for itself
        state = dict(self.__dict__)
        state["_cache"] = {}
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def describe(self) -> str:
        """The node's position and its paths, for logs and error messages."""
        return f"{self.context.path} (grib: {', '.join(self.config.path)})"

    def load(self, dates: np.ndarray) -> FieldBlock:
        """Fields on ``dates`` (valid times, ``datetime64[s]``), in that order, as float32.

        Raises
        ------
        SourceError
            When no file matches, a file is corrupt, a parameter, level, member or date is
            missing, a field appears twice, or fields are on different grids; the message
            names the file, the variable and the date.
        """
        dates = np.asarray(dates).astype("datetime64[s]")
        with self._lock:
            try:
                scans = [indexed_file(f) for f in self._files(dates)]
            except SourceError as exc:  # name the node: a recipe may read several archives
                raise SourceError(f"{self.describe()}: {exc.message}", hint=exc.hint) from None
            catalog = self._catalog(scans)
            located = catalog.locate(dates, self.describe())
            grid = self._grid(catalog, located)
        LOG.debug(
            "%s: %d messages from %d file(s) for %d date(s)",
            self.describe(),
            len(located.slots),
            len(np.unique(located.files)),
            len(dates),
        )
        selection = catalog.selection
        shape = (len(dates), len(selection.names), len(selection.members), grid.size)
        data = np.empty(shape, dtype=np.float32)
        self._decode(catalog, located, data, grid, dates)
        metadata = {
            name: _variable_metadata(name, selection.keys[ident])
            for name, ident in zip(selection.names, selection.identities, strict=True)
        }
        return FieldBlock(
            dates=dates,
            variables=list(selection.names),
            data=data,
            latitudes=grid.latitudes,
            longitudes=grid.longitudes,
            metadata=metadata,
            grid=dict(grid.description),
        )

    # --- files, selection, catalog -------------------------------------------------------

    def _files(self, dates: np.ndarray) -> list[Path]:
        def resolve(text: str) -> Path:
            return self.context.resolve_path(text)

        if any(DatePattern.applies(p) for p in self.config.path):
            return resolve_files(self.config.path, dates, resolve)
        files = self._cache.get("files")
        if files is None:
            files = self._cache["files"] = resolve_files(self.config.path, dates, resolve)
        return list(files)

    def _keys(self, scans: list[ScannedFile]) -> dict[bytes, MessageKeys]:
        """Keys of every signature in ``scans`` (each read once per process)."""
        found: dict[bytes, MessageKeys] = self._cache.setdefault("keys", {})
        for scan in scans:
            for sid, signature in enumerate(scan.signature_table):
                if signature not in found:
                    i = int(np.argmax(scan.signatures == sid))
                    found[signature] = message_keys(
                        signature,
                        scan.concept_table[sid],
                        scan.path,
                        int(scan.offsets[i]),
                        int(scan.lengths[i]),
                    )
        return found

    def _catalog(self, scans: list[ScannedFile]) -> Catalog:
        key = tuple((s.path, s.size, s.mtime_ns) for s in scans)
        cached: tuple[Any, Catalog] | None = self._cache.get("catalog")
        if cached is not None and cached[0] == key:
            return cached[1]
        keys = self._keys(scans)
        selection: Selection | None = self._cache.get("selection")
        if selection is None or self._cache.get("selection_from") != len(keys):
            selection = select(self.config, self.describe(), keys)
            self._check_stable(selection)
            self._cache["selection"], self._cache["selection_from"] = selection, len(keys)
        catalog = Catalog(scans, selection, self.config.time)
        self._cache["catalog"] = (key, catalog)
        return catalog

    def _check_stable(self, selection: Selection) -> None:
        """Variables and members may not change between calls (files named by date)."""
        before: Selection | None = self._cache.get("selection")
        if before is None:
            return
        if (before.names, before.members) != (selection.names, selection.members):
            raise SourceError(
                f"{self.describe()}: the files of these dates hold other fields than earlier "
                f"ones: variables {selection.names} and members {selection.members} instead "
                f"of {before.names} and {before.members}.",
                hint="Name the parameters, levels and members in the recipe ('param', "
                "'level', 'number'), so that every date must have the same fields.",
            )

    # --- grid and decoding ---------------------------------------------------------------

    def _grid(self, catalog: Catalog, located: Located) -> GridInfo:
        """The one grid of the located messages, the same as in earlier calls."""
        checked: set[tuple[str, int, int]] = self._cache.setdefault("grids_checked", set())
        pairs: list[tuple[int, int]] = []  # one message per (file, grid) met
        for f in np.unique(located.files).tolist():
            messages = located.messages[located.files == f]
            grids = catalog.scans[f].grids[messages]
            pairs += [(f, int(messages[np.argmax(grids == g)])) for g in np.unique(grids)]
        if not pairs and len(catalog.file):  # no dates asked: the grid of any selected field
            pairs = [(int(catalog.file[0]), int(catalog.message[0]))]
        for f, m in pairs:
            scan = catalog.scans[f]
            gid = int(scan.grids[m])
            if (scan.path, scan.mtime_ns, gid) in checked:
                continue
            info = grid_info(
                scan.grid_table[gid], scan.path, int(scan.offsets[m]), int(scan.lengths[m])
            )
            first: tuple[GridInfo, str] | None = self._cache.get("grid")
            if first is None:
                self._cache["grid"] = (info, catalog.place(f, m))
            elif info is not first[0] and not _same_points(info, first[0]):
                raise SourceError(
                    f"{self.describe()}: the fields are on different grids: {first[1]} is on a "
                    f"{first[0].summary}, {catalog.place(f, m)} on a {info.summary}.",
                    hint="Read each grid with its own grib source and regrid one of them "
                    "onto the other (the 'regrid' filter).",
                )
            checked.add((scan.path, scan.mtime_ns, gid))
        found: tuple[GridInfo, str] | None = self._cache.get("grid")
        if found is None:
            raise SourceError(f"{self.describe()}: no field selected, so no grid.")
        return found[0]

    def _decode(
        self,
        catalog: Catalog,
        located: Located,
        data: np.ndarray,
        grid: GridInfo,
        dates: np.ndarray,
    ) -> None:
        flat = data.reshape(-1, grid.size)
        use_eccodes = self.config.decoder == "eccodes"
        order = grid.order
        # by file and offset: each file is read once, front to back
        tasks = sorted(
            zip(
                located.files.tolist(),
                located.messages.tolist(),
                located.slots.tolist(),
                strict=True,
            )
        )
        fds: dict[int, int] = {}

        def run(task: tuple[int, int, int]) -> None:
            f, m, slot = task
            scan = catalog.scans[f]
            offset, length = int(scan.offsets[m]), int(scan.lengths[m])
            try:
                message = os.pread(fds[f], length, offset)
                if len(message) != length:
                    raise DecodeError("the file ends inside it")
                decode_values(message, flat[slot], order=order, use_eccodes=use_eccodes)
            except (DecodeError, OSError) as exc:
                reason = exc.message if isinstance(exc, DecodeError) else str(exc)
                raise SourceError(
                    f"{self.describe()}: cannot decode {catalog.slot_text(slot, dates)} from "
                    f"{scan.path} (message at byte offset {offset}): {reason}.",
                    hint="The file may be corrupt: copy it again, or check it with eccodes' "
                    "grib_ls.",
                ) from None

        try:
            for f in sorted({t[0] for t in tasks}):
                fds[f] = os.open(catalog.scans[f].path, os.O_RDONLY)
            share = 1.0 if use_eccodes else self._eccodes_share(catalog, tasks)
            threads = _threads(len(tasks), share)
            if threads == 1:
                for task in tasks:
                    run(task)
            else:
                with ThreadPoolExecutor(threads, thread_name_prefix="fc-grib") as pool:
                    for _ in pool.map(run, tasks, chunksize=4):
                        pass
        finally:
            for fd in fds.values():
                os.close(fd)

    def _eccodes_share(self, catalog: Catalog, tasks: list[tuple[int, int, int]]) -> float:
        """Whether the fields need eccodes (not simple packing), judged on the first one."""
        if not tasks:
            return 0.0
        known: float | None = self._cache.get("eccodes_share")
        if known is None:
            from fc_datasets.sources._grib_decode import simple_packing_supported
            from fc_datasets.sources._grib_keys import read_message

            f, m, _ = tasks[0]
            scan = catalog.scans[f]
            message = read_message(scan.path, int(scan.offsets[m]), int(scan.lengths[m]))
            known = self._cache["eccodes_share"] = 0.0 if simple_packing_supported(message) else 1.0
        return known


def _same_points(a: GridInfo, b: GridInfo) -> bool:
    return (
        a.size == b.size
        and bool(np.allclose(a.latitudes, b.latitudes, atol=1e-6, rtol=0))
        and bool(np.allclose(a.longitudes, b.longitudes, atol=1e-6, rtol=0))
    )


def _variable_metadata(name: str, keys: MessageKeys) -> dict[str, Any]:
    """VariableMetadata (as a dict) from the GRIB keys, with what is needed to write it back."""
    from fc_utils.dates import frequency_to_string

    grib: dict[str, str | int | float] = {
        "paramId": keys.param_id,
        "shortName": keys.short_name or keys.param,
        "typeOfLevel": keys.type_of_level,
        "level": keys.grib_level,
    }
    if keys.step_type != "instant":
        grib["stepType"] = keys.step_type
    meta: dict[str, Any] = {
        "name": name,
        "units": keys.units,
        "long_name": keys.name,
        "level_type": keys.levtype if keys.levtype in GRIB_LEVTYPES else "sfc",
        "level": keys.level,
        "grib": grib,
        "process": keys.process,
    }
    if keys.period_seconds and keys.process != "instantaneous":
        meta["period"] = frequency_to_string(dt.timedelta(seconds=keys.period_seconds))
    return meta
