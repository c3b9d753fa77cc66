"""Views that keep some dates: ``start``/``end`` and ``frequency``.

A date subset is an index mapping on the ``date`` axis; reading date ``i`` of the view reads
date ``indices[i]`` of its parent, nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from fc_datasets.views._indexing import AxisSelection
from fc_datasets.views.base import Dataset, ForwardingView, readonly
from fc_datasets.views.errors import OpenDatasetError

__all__ = ["DateSubset", "frequency_subset", "period_subset"]


class DateSubset(ForwardingView):
    """The dates at ``indices`` of the parent (increasing)."""

    def __init__(
        self,
        forward: Dataset,
        indices: np.ndarray,
        view: str,
        options: dict[str, Any],
        frequency: dt.timedelta | None = None,
    ) -> None:
        super().__init__(forward)
        self.view = view  # type: ignore[misc]
        self._indices = readonly(np.asarray(indices, dtype=np.int64))
        self._dates = readonly(forward.dates[self._indices])
        self._frequency = frequency
        self._option_values = options
        parent_missing = forward.missing
        self._missing: frozenset[int] = frozenset()
        if parent_missing:
            hit = np.isin(self._indices, np.fromiter(parent_missing, dtype=np.int64))
            self._missing = frozenset(np.flatnonzero(hit).tolist())

    @property
    def dates(self) -> np.ndarray:
        return self._dates

    def __len__(self) -> int:
        return len(self._indices)

    @property
    def frequency(self) -> dt.timedelta:
        return self.forward.frequency if self._frequency is None else self._frequency

    @property
    def missing(self) -> frozenset[int]:
        return self._missing

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        return self.forward._fetch(self._indices[dates], variables, members, cells)

    def _options(self) -> dict[str, Any]:
        return self._option_values


def period_subset(forward: Dataset, start: Any, end: Any) -> DateSubset:
    """The dates from ``start`` to ``end`` included.

    A loose date covers its whole period: ``end=2020`` keeps every date of 2020 and
    ``start="2020-06"`` starts on the first date of June 2020, as in Anemoi. A bound beyond the
    dataset's dates is clipped to them.
    """
    from fc_utils.dates import parse_date

    dates = forward.dates
    first = np.datetime64(parse_date(start), "s") if start is not None else dates[0]
    last = np.datetime64(parse_date(end, end=True), "s") if end is not None else dates[-1]
    if start is not None and end is not None and first > last:
        raise OpenDatasetError(
            f"start {start!r} ({first}) is after end {end!r} ({last}).",
            hint="Swap them, or correct the one that is wrong.",
        )
    keep = np.flatnonzero((dates >= first) & (dates <= last))
    if keep.size == 0:
        raise OpenDatasetError(
            f"no date of the dataset lies between {first} and {last}: it covers "
            f"{dates[0]} to {dates[-1]}.",
            hint="Choose start and end within the dataset's dates.",
        )
    options = {k: v for k, v in (("start", start), ("end", end)) if v is not None}
    return DateSubset(forward, keep, "subset", options)


def frequency_subset(forward: Dataset, frequency: Any) -> DateSubset:
    """Every date whose distance from the first date is a multiple of ``frequency``.

    ``frequency`` must be a multiple of the dataset's (sub-sampling only; there is no
    interpolation in time).
    """
    from fc_utils.dates import frequency_to_string, parse_frequency

    step = parse_frequency(frequency)
    base = forward.frequency
    if step % base:
        raise OpenDatasetError(
            f"frequency {frequency_to_string(step)} is not a multiple of the dataset's "
            f"frequency {frequency_to_string(base)}: sub-sampling can only keep every n-th date.",
            hint=f"Choose a multiple of {frequency_to_string(base)}.",
        )
    dates = forward.dates
    offsets = (dates - dates[0]).astype(np.int64)
    keep = np.flatnonzero(offsets % int(step.total_seconds()) == 0)
    return DateSubset(
        forward, keep, "frequency", {"frequency": frequency_to_string(step)}, frequency=step
    )
