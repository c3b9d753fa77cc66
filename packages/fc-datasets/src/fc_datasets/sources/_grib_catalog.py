"""The selected messages of a set of files, sorted by valid time, and finding those of dates.

Built once per node and set of files from the per-signature decisions of
:mod:`._grib_select`, so that each ``load(dates)`` is a binary search and a few numpy
operations, whatever the size of the archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fc_datasets.exceptions import SourceError
from fc_datasets.sources._grib_scan import ScannedFile
from fc_datasets.sources._grib_select import Selection, listing

__all__ = ["Catalog", "Located"]

_DATES_LISTED = 5


def _dates_text(values: np.ndarray) -> str:
    shown = [str(v) for v in values[:_DATES_LISTED]]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Located:
    """The messages of some dates: where each goes and where it is.

    ``slots`` are flat indices into ``[date, variable, member]``; ``files`` and ``messages``
    index the catalog's scans and each scan's messages.
    """

    slots: np.ndarray
    files: np.ndarray
    messages: np.ndarray


class Catalog:
    """Selected messages of ``scans``, sorted by valid time (seconds since 1970)."""

    def __init__(
        self, scans: Sequence[ScannedFile], selection: Selection, times: list[int] | None
    ) -> None:
        self.scans = list(scans)
        self.selection = selection
        parts: list[tuple[np.ndarray, ...]] = []
        for f, scan in enumerate(self.scans):
            table = np.array(
                [selection.decisions.get(sig, (-1, -1, 0)) for sig in scan.signature_table],
                dtype=np.int64,
            ).reshape(-1, 3)
            var, member, step = (table[scan.signatures, i] for i in range(3))
            keep = (var >= 0) & (member >= 0)
            if times is not None:
                minutes = (scan.references % 86400) // 60
                keep &= np.isin((minutes // 60) * 100 + minutes % 60, times)
            index = np.flatnonzero(keep)
            valid = scan.references[index] + step[index]
            parts.append((valid, np.full(len(index), f), index, var[index], member[index]))
        columns = [
            np.concatenate(c) if c else np.zeros(0, np.int64) for c in zip(*parts, strict=True)
        ]
        if not columns:
            columns = [np.zeros(0, np.int64)] * 5
        order = np.argsort(columns[0], kind="stable")
        self.valid, self.file, self.message, self.var, self.member = (c[order] for c in columns)

    def locate(self, dates: np.ndarray, where: str) -> Located:
        """The messages of ``dates`` (``datetime64[s]``), checked: one per date, variable and
        member. Raises :class:`SourceError` naming what is missing or duplicated."""
        nv, ne = len(self.selection.names), len(self.selection.members)
        seconds = dates.astype("datetime64[s]").astype(np.int64)
        order = np.argsort(seconds, kind="stable")
        wanted = seconds[order]
        if len(wanted):
            lo = int(np.searchsorted(self.valid, wanted[0], "left"))
            hi = int(np.searchsorted(self.valid, wanted[-1], "right"))
        else:
            lo = hi = 0
        candidates = np.arange(lo, hi)
        pos = np.searchsorted(wanted, self.valid[candidates])
        hit = wanted[np.minimum(pos, max(len(wanted) - 1, 0))] == self.valid[candidates]
        chosen = candidates[hit]
        d = order[pos[hit]]
        located = Located(
            slots=(d * nv + self.var[chosen]) * ne + self.member[chosen],
            files=self.file[chosen],
            messages=self.message[chosen],
        )
        self._check_duplicates(located, dates, where)
        self._check_complete(located, dates, where)
        return located

    def slot_text(self, slot: int, dates: np.ndarray) -> str:
        """``t_850 (member 3) on 2020-01-01T06:00:00`` for a flat slot."""
        names, members = self.selection.names, self.selection.members
        d, rest = divmod(int(slot), len(names) * len(members))
        v, e = divmod(rest, len(members))
        member = f" (member {members[e]})" if len(members) > 1 else ""
        return f"{names[v]}{member} on {dates[d]}"

    def place(self, file: int, message: int) -> str:
        """``path (byte offset N)`` of one message."""
        scan = self.scans[int(file)]
        return f"{scan.path} (byte offset {int(scan.offsets[int(message)])})"

    def _check_duplicates(self, located: Located, dates: np.ndarray, where: str) -> None:
        unique, counts = np.unique(located.slots, return_counts=True)
        if len(unique) == len(located.slots):
            return
        slot = unique[np.argmax(counts > 1)]
        same = located.slots == slot
        places = [
            self.place(f, m)
            for f, m in zip(located.files[same][:2], located.messages[same][:2], strict=True)
        ]
        raise SourceError(
            f"{where}: {self.slot_text(slot, dates)} is in the files {int(counts.max())} "
            f"times, e.g. {places[0]} and {places[1]}; {int((counts > 1).sum())} field(s) "
            "are duplicated like this.",
            hint="Remove the duplicate files from 'path', or tell the fields apart with "
            "'step', 'time', 'stream', 'type', 'class' or 'expver'.",
        )

    def _check_complete(self, located: Located, dates: np.ndarray, where: str) -> None:
        nd, nv, ne = len(dates), len(self.selection.names), len(self.selection.members)
        filled = np.zeros(nd * nv * ne, dtype=bool)
        filled[located.slots] = True
        if filled.all():
            return
        cube = filled.reshape(nd, nv, ne)
        files = listing((s.path for s in self.scans), limit=3)
        empty = dates[~cube.any(axis=(1, 2))]
        if len(empty):
            span = ""
            if len(self.valid):
                first, last = self.valid[[0, -1]].astype("datetime64[s]")
                span = f"; the selected fields there are valid from {first} to {last}"
            raise SourceError(
                f"{where}: no selected field is valid on {_dates_text(empty)} ({len(empty)} "
                f"of {nd} dates) in {files}{span}.",
                hint="Check the recipe's dates against the files (valid time = base time + "
                "step), or list these dates as missing in the recipe.",
            )
        v, e = np.argwhere(~cube.all(axis=0))[0]
        absent = dates[~cube[:, v, e]]
        members = self.selection.members
        member = f" (member {members[e]})" if ne > 1 else ""
        raise SourceError(
            f"{where}: {self.selection.names[v]}{member} is missing on {_dates_text(absent)} "
            f"({len(absent)} of {nd} dates) in {files}.",
            hint="Add the files that hold these dates, or list them as missing in the recipe.",
        )
