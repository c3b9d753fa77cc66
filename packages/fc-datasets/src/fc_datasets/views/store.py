"""The leaf of every view: one complete fc dataset store (see :mod:`fc_datasets.store`).

Reading speed matters here more than anywhere: a training loop calls ``ds[i]`` millions of
times. ``data`` is chunked one date per chunk, so ``ds[i]`` is one chunk read. In a local
store the chunk is a plain file, laid out as the zarr v3 specification defines, and the leaf
reads it without zarr's machinery (no event loop, no intermediate copies):

- uncompressed chunks (C-order float32): the bytes of each contiguous run of wanted variables
  go straight into the output array with ``os.preadv``;
- Blosc-compressed chunks (fc's default, LZ4 with byte shuffling: half the bytes to read from
  disk, decoded faster than most disks deliver): one read of the file, then Blosc decodes into
  the output array (or into a scratch chunk when only some variables are wanted).

Any other layout (other codecs, sharding, a remote store) goes through zarr, with the array
object opened once and kept.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from fc_config.exceptions import FcError
from fc_datasets.exceptions import DatasetError
from fc_datasets.store import STATISTICS, open_store
from fc_datasets.views._indexing import AxisSelection, runs
from fc_datasets.views.base import Dataset, readonly

__all__ = ["StoreDataset"]

LOG = logging.getLogger(__name__)

_RAW_CODECS = [{"name": "bytes", "configuration": {"endian": "little"}}]


def _blosc_codec(codecs: Any) -> bool:
    """Whether ``codecs`` is little-endian bytes followed by Blosc alone (decodable directly)."""
    return (
        isinstance(codecs, list)
        and len(codecs) == 2
        and codecs[0] == _RAW_CODECS[0]
        and isinstance(codecs[1], dict)
        and codecs[1].get("name") == "blosc"
    )


@dataclass(frozen=True)
class _RawLayout:
    """Where the bytes of each date are, for an uncompressed, unsharded local ``data`` array."""

    prefix: str  # chunk path up to the date-chunk number
    suffix: str  # the rest of the chunk path (the other axes' chunk numbers, all 0)
    dates_per_chunk: int
    date_bytes: int
    variable_bytes: int
    fill_value: float
    blosc: bool = False

    @classmethod
    def detect(cls, array_dir: Path, shape: tuple[int, ...]) -> _RawLayout | None:
        """The layout of ``array_dir`` if it can be read directly, else ``None`` (use zarr)."""
        if sys.byteorder != "little":
            return None
        try:
            meta = json.loads((array_dir / "zarr.json").read_text())
        except (OSError, ValueError):
            return None
        grid = meta.get("chunk_grid", {})
        keys = meta.get("chunk_key_encoding", {})
        chunks = grid.get("configuration", {}).get("chunk_shape")
        separator = keys.get("configuration", {}).get("separator", "/")
        if not (
            meta.get("zarr_format") == 3
            and meta.get("data_type") == "float32"
            and (meta.get("codecs") == _RAW_CODECS or _blosc_codec(meta.get("codecs")))
            and not meta.get("storage_transformers")
            and grid.get("name") == "regular"
            and isinstance(chunks, list)
            and len(chunks) == 4
            and tuple(chunks[1:]) == tuple(shape[1:])
            and keys.get("name") == "default"
            and separator in ("/", ".")
        ):
            return None
        fill = meta.get("fill_value")
        fill_value = float("nan") if fill in ("NaN", None) else float(fill)
        sep = os.sep if separator == "/" else "."
        variable_bytes = 4 * shape[2] * shape[3]
        return cls(
            prefix=f"{array_dir}{os.sep}c{sep}",
            suffix=f"{sep}0{sep}0{sep}0",
            dates_per_chunk=int(chunks[0]),
            date_bytes=variable_bytes * shape[1],
            variable_bytes=variable_bytes,
            fill_value=fill_value,
            blosc=meta.get("codecs") != _RAW_CODECS,
        )

    def read(self, date: int, variable_runs: list[tuple[int, int, int]], out: np.ndarray) -> None:
        """Read the runs of variables of ``date`` into ``out`` (C-contiguous ``[v, e, c]``)."""
        chunk, within = divmod(date, self.dates_per_chunk)
        path = f"{self.prefix}{chunk}{self.suffix}"
        if self.blosc:
            self._read_blosc(path, within, variable_runs, out)
            return
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            # zarr does not write a chunk that holds only the fill value (a missing date)
            out[...] = self.fill_value
            return
        try:
            base = within * self.date_bytes
            for first, length, position in variable_runs:
                target = out[position : position + length].data.cast("B")
                offset = base + first * self.variable_bytes
                done = 0
                while done < len(target):
                    got = os.preadv(fd, [target[done:]], offset + done)
                    if got <= 0:
                        raise DatasetError(
                            f"chunk file {path} is truncated: it ends before byte "
                            f"{offset + len(target)}. The dataset is damaged; rebuild the dates "
                            f"of this chunk with 'fc-datasets load'."
                        )
                    done += got
        finally:
            os.close(fd)

    def _read_blosc(
        self, path: str, within: int, variable_runs: list[tuple[int, int, int]], out: np.ndarray
    ) -> None:
        from numcodecs import blosc

        try:
            with open(path, "rb", buffering=0) as f:
                encoded = f.read()
        except FileNotFoundError:
            out[...] = self.fill_value  # a chunk holding only the fill value is never written
            return
        n_vars = self.date_bytes // self.variable_bytes
        whole = (
            self.dates_per_chunk == 1
            and variable_runs == [(0, n_vars, 0)]
            and out.flags.c_contiguous
            and out.nbytes == self.date_bytes
        )
        try:
            if whole:
                blosc.decompress(encoded, out)
                return
            scratch = np.empty(self.dates_per_chunk * self.date_bytes // 4, dtype=np.float32)
            blosc.decompress(encoded, scratch)
        except (RuntimeError, ValueError) as exc:
            raise DatasetError(
                f"chunk file {path} cannot be decoded ({exc}): the dataset is damaged; rebuild "
                "the dates of this chunk with 'fc-datasets load'."
            ) from exc
        per_variable = self.variable_bytes // 4
        base = within * (self.date_bytes // 4)
        for first, length, position in variable_runs:
            start = base + first * per_variable
            out[position : position + length] = scratch[
                start : start + length * per_variable
            ].reshape(out[position : position + length].shape)


def _select(
    block: np.ndarray, variables: AxisSelection, members: AxisSelection, cells: AxisSelection
) -> np.ndarray:
    """Apply the selections of the last three axes to ``[date, variable, ensemble, cell]``."""
    if variables is not None:
        block = block[:, variables]
    if members is not None:
        block = block[:, :, members]
    if cells is not None:
        block = block[..., cells]
    return block


class StoreDataset(Dataset):
    """A complete fc dataset store, the leaf of every tree of views.

    Parameters
    ----------
    path
        The store (``something.zarr``). It must be complete (finalised).

    Raises
    ------
    IncompleteDatasetError
        If ``finalise`` has not marked the store complete.
    DatasetError
        If ``path`` does not exist or is not an fc dataset.
    ConfigError
        If its metadata document does not match the dataset metadata schema.
    """

    view = "store"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        location = Path(path).expanduser()
        if not location.exists():
            raise DatasetError(
                f"dataset {location} does not exist: check the path (relative paths are taken "
                f"from the current directory, {Path.cwd()})."
            )
        self.path = str(location.resolve())
        self._open()

    def _open(self) -> None:
        from fc_config.errors import validate
        from fc_config.metadata import DatasetMetadata
        from fc_utils.dates import parse_frequency

        root = open_store(self.path)
        self._root = root
        self._pid = os.getpid()
        self.attributes: dict[str, Any] = dict(root.attrs)
        meta = validate(DatasetMetadata, self.attributes, source=f"{self.path}/zarr.json")
        array = root["data"]
        self._data = array
        self._shape: tuple[int, int, int, int] = tuple(int(s) for s in array.shape)  # type: ignore[assignment]
        self._variables = list(meta.variables)
        self._frequency: dt.timedelta = parse_frequency(meta.frequency)
        dates = np.asarray(root["dates"][:]).astype("datetime64[s]")
        n_dates, n_vars, n_members, _ = self._shape
        if array.ndim != 4 or len(dates) != n_dates or len(self._variables) != n_vars:
            raise DatasetError(
                f"{self.path} is inconsistent: data has shape {self._shape} but the store has "
                f"{len(dates)} dates and {len(self._variables)} variables. Validate it with "
                "'fc-datasets validate' and rebuild it."
            )
        if meta.ensemble_size != n_members:
            raise DatasetError(
                f"{self.path} is inconsistent: its metadata gives {meta.ensemble_size} "
                f"ensemble members but data has {n_members}."
            )
        self._dates = readonly(dates)
        self._missing_dates = [np.datetime64(d, "s") for d in meta.missing_dates]
        self._raw = _RawLayout.detect(Path(self.path) / "data", self._shape)
        LOG.debug(
            "opened %s %s, %s reads", self.path, self._shape, "direct" if self._raw else "zarr"
        )

    # -- pickling and forking: reopen, never share zarr objects across processes ------------

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "arguments": self.arguments}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path = state["path"]
        self.arguments = state["arguments"]
        self._open()

    def _array(self) -> Any:
        if os.getpid() != self._pid:  # a forked worker: zarr's event loop did not survive
            self._open()
        return self._data

    # -- accessors --------------------------------------------------------------------------

    @property
    def variables(self) -> list[str]:
        return list(self._variables)

    @property
    def dates(self) -> np.ndarray:
        return self._dates

    def __len__(self) -> int:
        return self._shape[0]

    @property
    def frequency(self) -> dt.timedelta:
        return self._frequency

    @property
    def number_of_cells(self) -> int:
        return self._shape[3]

    @property
    def ensemble_size(self) -> int:
        return self._shape[2]

    @cached_property
    def latitudes(self) -> np.ndarray:
        self._array()
        return readonly(np.asarray(self._root["latitudes"][:], dtype=np.float64))

    @cached_property
    def longitudes(self) -> np.ndarray:
        self._array()
        return readonly(np.asarray(self._root["longitudes"][:], dtype=np.float64))

    @cached_property
    def _statistics(self) -> dict[str, np.ndarray]:
        self._array()
        absent = [name for name in STATISTICS if name not in self._root]
        if absent:
            raise DatasetError(
                f"{self.path} has no {', '.join(absent)} arrays: its statistics were never "
                "computed. Run 'fc-datasets finalise' on it."
            )
        return {
            name: readonly(np.asarray(self._root[name][:], dtype=np.float64)) for name in STATISTICS
        }

    @property
    def statistics(self) -> dict[str, np.ndarray]:
        return dict(self._statistics)

    def statistics_tendencies(self, delta: Any = None) -> dict[str, np.ndarray]:
        from fc_utils.dates import frequency_to_string, parse_frequency

        wanted = self._frequency if delta is None else parse_frequency(delta)
        self._array()
        stored: dict[str, Any] = {}
        if "tendencies" in self._root:
            group = self._root["tendencies"]
            for name in group.group_keys():
                try:
                    stored[frequency_to_string(name)] = group[name]
                except FcError:  # a name that is not a duration: not ours to read
                    continue
        key = frequency_to_string(wanted)
        if key not in stored:
            have = ", ".join(sorted(stored)) or "none"
            raise DatasetError(
                f"{self.path} stores no tendency statistics for {key} (it has: {have}). Add "
                f"{key} to the tendencies of the recipe's statistics section and rebuild, or "
                "take them from another dataset with statistics_tendencies=..."
            )
        return {
            name: readonly(np.asarray(stored[key][name][:], dtype=np.float64))
            for name in STATISTICS
        }

    @cached_property
    def missing(self) -> frozenset[int]:
        if not self._missing_dates:
            return frozenset()
        wanted = np.array(self._missing_dates, dtype="datetime64[s]")
        where = np.searchsorted(self._dates, wanted)
        where = np.clip(where, 0, len(self._dates) - 1)
        found = self._dates[where] == wanted
        return frozenset(int(i) for i in where[found])

    @property
    def variables_metadata(self) -> dict[str, dict[str, Any]]:
        stored = self.attributes.get("variables_metadata", {})
        return {name: copy.deepcopy(stored[name]) for name in self._variables if name in stored}

    @property
    def grid(self) -> dict[str, Any]:
        return dict(self.attributes.get("grid", {}))

    # -- reading ----------------------------------------------------------------------------

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        if self._raw is not None:
            return self._fetch_raw(self._raw, dates, variables, members, cells)
        return self._fetch_zarr(dates, variables, members, cells)

    def _fetch_raw(
        self,
        raw: _RawLayout,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        _, n_vars, n_members, n_cells = self._shape
        variable_runs = [(0, n_vars, 0)] if variables is None else runs(variables)
        width = n_vars if variables is None else len(variables)
        if members is None and cells is None:
            out = np.empty((len(dates), width, n_members, n_cells), dtype=np.float32)
            for j, date in enumerate(dates.tolist()):
                raw.read(date, variable_runs, out[j])
            return out
        scratch = np.empty((1, width, n_members, n_cells), dtype=np.float32)
        rows = []
        for date in dates.tolist():
            raw.read(date, variable_runs, scratch[0])
            rows.append(_select(scratch, None, members, cells))
        if not rows:
            return _select(
                np.empty((0, width, n_members, n_cells), np.float32), None, members, cells
            )
        return np.concatenate(rows)

    def _fetch_zarr(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        array = self._array()
        blocks = []
        for first, length, _ in runs(dates):
            block = np.asarray(array[first : first + length])
            blocks.append(_select(block, variables, members, cells).astype(np.float32, copy=False))
        if not blocks:
            empty = np.empty((0, *self._shape[1:]), dtype=np.float32)
            return _select(empty, variables, members, cells)
        return blocks[0] if len(blocks) == 1 else np.concatenate(blocks)

    # -- tree ---------------------------------------------------------------------------------

    def _children(self) -> list[Dataset]:
        return []

    def _stores(self) -> list[StoreDataset]:
        return [self]

    def _sources(self, variable: int) -> list[tuple[StoreDataset, int]]:
        return [(self, variable)]

    def _options(self) -> dict[str, Any]:
        return {"path": self.path}
