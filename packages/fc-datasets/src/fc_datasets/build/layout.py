"""How the dates of a dataset are cut into chunks, parts and tasks.

Three nested cuttings, all along ``date``:

- a **chunk** is ``dates_per_chunk`` consecutive dates (one by default), the unit zarr writes;
- a **part** (``load --part i/N``) is a contiguous run of whole chunks, shared out as
  :meth:`fc_utils.dates.DateRange.split` shares out dates: the first ``n_chunks % N`` parts get
  one chunk more. With one date per chunk a part is exactly ``DateRange.split(N)[i]``;
- a **task** is a run of whole chunks of one part that share a ``group_by`` key (one chunk by
  default, or ``daily``, ``weekly``, ``monthly``, ``yearly``, or ``n`` dates): the dates one
  call to the input tree loads.

Because parts and tasks are made of whole chunks, no two tasks and no two processes ever write
the same chunk, so loads need no locks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from fc_datasets.exceptions import BuildError
from fc_utils.dates import parse_part

__all__ = ["GROUP_BY_NAMES", "Layout", "date_runs", "iso"]

#: Calendar groupings ``build.group_by`` accepts besides a number of dates.
GROUP_BY_NAMES = ("daily", "weekly", "monthly", "yearly")


def iso(date: Any) -> str:
    """A date as ``2020-01-01T06:00:00``, the way messages and attributes spell dates."""
    return str(np.asarray(date).astype("datetime64[s]"))


def date_runs(dates: np.ndarray, flags: np.ndarray) -> list[tuple[str, str, int]]:
    """Contiguous runs of ``dates`` where ``flags`` is true, as ``(first, last, count)``."""
    runs: list[tuple[str, str, int]] = []
    index = np.flatnonzero(flags)
    if index.size == 0:
        return runs
    breaks = np.flatnonzero(np.diff(index) > 1)
    starts = np.concatenate([[index[0]], index[breaks + 1]])
    stops = np.concatenate([index[breaks], [index[-1]]])
    for a, b in zip(starts, stops, strict=True):
        runs.append((iso(dates[a]), iso(dates[b]), int(b - a + 1)))
    return runs


@dataclass(frozen=True)
class Layout:
    """The dates of a store and how they are cut into chunks, parts and tasks.

    Attributes
    ----------
    dates
        Every date of the dataset, ``datetime64[s]``.
    missing
        bool ``[date]``: the dates the recipe declares missing.
    dates_per_chunk
        Dates per chunk of ``data`` (and of every ``_build`` array).
    group_by
        The ``group_by`` of the recipe: a number of dates or one of :data:`GROUP_BY_NAMES`.
    """

    dates: np.ndarray
    missing: np.ndarray
    dates_per_chunk: int = 1
    group_by: int | str = 1

    @property
    def n_dates(self) -> int:
        """Number of dates, missing ones included."""
        return len(self.dates)

    @property
    def n_chunks(self) -> int:
        """Number of chunks along ``date``."""
        return -(-self.n_dates // self.dates_per_chunk)

    def chunk_bounds(self, chunk: int) -> tuple[int, int]:
        """Date indices ``[start, stop)`` of ``chunk``."""
        start = chunk * self.dates_per_chunk
        return start, min(start + self.dates_per_chunk, self.n_dates)

    def resolve_part(self, part: tuple[int, int] | str | None) -> tuple[int, int] | None:
        """Check ``part`` and return it as ``(index, count)`` with a zero-based index.

        A string is ``"i/N"`` with ``i`` counted from 1 (as on the command line); a tuple is
        ``(i, N)`` with ``i`` counted from 0, as :func:`fc_utils.dates.parse_part` returns it.
        """
        if part is None:
            return None
        if isinstance(part, str):
            index, count = parse_part(part)
        else:
            try:
                index, count = (int(x) for x in part)
            except (TypeError, ValueError):
                raise BuildError(
                    f"part {part!r} is not understood; give 'i/N' (i from 1) or a tuple "
                    "(index, N) with index from 0."
                ) from None
            if count < 1 or not 0 <= index < count:
                raise BuildError(
                    f"part {part!r} is out of range: the index of a tuple counts from 0 to N-1 "
                    "(the string form 'i/N' counts from 1)."
                )
        if count > self.n_chunks:
            unit = "dates" if self.dates_per_chunk == 1 else f"chunks of {self.dates_per_chunk}"
            raise BuildError(
                f"cannot split the dataset's {self.n_chunks} {unit} into {count} parts; "
                f"use at most {self.n_chunks} parts."
            )
        return index, count

    def part_chunks(self, part: tuple[int, int] | None) -> range:
        """The chunks of ``part`` (already resolved), or every chunk for ``None``."""
        if part is None:
            return range(self.n_chunks)
        index, count = part
        size, extra = divmod(self.n_chunks, count)
        first = index * size + min(index, extra)
        return range(first, first + size + (1 if index < extra else 0))

    def part_of_chunk(self, chunk: int, count: int) -> int:
        """The zero-based part that holds ``chunk`` when the dataset is split in ``count``."""
        for index in range(count):
            if chunk in self.part_chunks((index, count)):
                return index
        raise IndexError(chunk)  # pragma: no cover - every chunk is in one part

    def tasks(self, chunks: range) -> Iterator[tuple[int, int]]:
        """Date ranges ``[start, stop)`` of the tasks covering ``chunks``, in date order."""
        current: tuple[int, int] | None = None
        key: object = None
        for chunk in chunks:
            start, stop = self.chunk_bounds(chunk)
            chunk_key = self._group_key(start)
            if current is not None and chunk_key == key:
                current = (current[0], stop)
                continue
            if current is not None:
                yield current
            current, key = (start, stop), chunk_key
        if current is not None:
            yield current

    def _group_key(self, index: int) -> object:
        group = self.group_by
        if isinstance(group, int):
            return index // max(group, 1)
        date = dt.datetime.fromisoformat(iso(self.dates[index]))
        if group == "daily":
            return date.date()
        if group == "weekly":
            return date.isocalendar()[:2]
        if group == "monthly":
            return date.year, date.month
        if group == "yearly":
            return date.year
        raise BuildError(
            f"group_by {group!r} is not understood; give a number of dates or one of "
            f"{', '.join(GROUP_BY_NAMES)}."
        )
