"""Missing-date policies: fill them (``fill_missing_dates``), declare more of them
(``set_missing_dates``) or leave them out (``skip_missing_dates``).

By default a view refuses to read a missing date (:class:`MissingDateError`), because its
stored values are NaN and would silently poison a training run. These views replace that
default where the user says how to treat them.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from fc_datasets.views._indexing import AxisSelection, normalise_key
from fc_datasets.views.base import Dataset, ForwardingView, readonly
from fc_datasets.views.errors import OpenDatasetError
from fc_datasets.views.subset import DateSubset

__all__ = [
    "FILL_METHODS",
    "FillMissing",
    "SetMissing",
    "Windows",
    "skip_missing_view",
]

LOG = logging.getLogger(__name__)

#: ``closest``: a copy of the nearest valid date (the later one on a tie, Anemoi's default);
#: ``interpolate``: linear in time between the valid dates on either side.
FILL_METHODS = ("closest", "interpolate")


class FillMissing(ForwardingView):
    """The parent with its missing dates filled from their valid neighbours.

    A missing date that cannot be filled (no valid date at all for ``closest``; no valid date
    on one side for ``interpolate``, at either end of the dataset) stays missing, so reading it
    still raises :class:`MissingDateError`.
    """

    view = "fill_missing_dates"

    def __init__(self, forward: Dataset, method: Any) -> None:
        super().__init__(forward)
        if method not in FILL_METHODS:
            from fc_config.suggest import did_you_mean

            raise OpenDatasetError(
                f"unknown fill_missing_dates method {method!r}."
                f"{did_you_mean(str(method), FILL_METHODS)} fc supports "
                f"{' and '.join(FILL_METHODS)}.",
                hint="To leave missing dates out instead, use skip_missing_dates=True.",
            )
        self._method = method
        n = len(forward)
        missing = np.array(sorted(forward.missing), dtype=np.int64)
        self._source = np.arange(n, dtype=np.int64)  # the date read for each date
        self._after = np.full(n, -1, dtype=np.int64)  # interpolate: the valid date after
        self._alpha = np.zeros(n, dtype=np.float64)  # interpolate: weight of the date after
        self._blend = np.zeros(n, dtype=bool)
        unfilled: list[int] = []
        valid = np.setdiff1d(np.arange(n, dtype=np.int64), missing)
        if missing.size and valid.size == 0:
            unfilled = missing.tolist()
        elif missing.size:
            seconds = (forward.dates - forward.dates[0]).astype(np.int64).astype(np.float64)
            where = np.searchsorted(valid, missing)
            before = np.where(where > 0, valid[np.maximum(where - 1, 0)], -1)
            after = np.where(where < valid.size, valid[np.minimum(where, valid.size - 1)], -1)
            for m, b, a in zip(missing.tolist(), before.tolist(), after.tolist(), strict=True):
                if method == "closest":
                    if a < 0 or (b >= 0 and seconds[m] - seconds[b] < seconds[a] - seconds[m]):
                        self._source[m] = b
                    else:
                        self._source[m] = a
                elif a < 0 or b < 0:
                    unfilled.append(m)
                else:
                    self._source[m] = b
                    self._after[m] = a
                    self._alpha[m] = (seconds[m] - seconds[b]) / (seconds[a] - seconds[b])
                    self._blend[m] = True
        self._missing = frozenset(unfilled)
        if missing.size:
            LOG.info(
                "filling %d missing dates by %s (%d cannot be filled)",
                missing.size - len(unfilled),
                method,
                len(unfilled),
            )

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
        out = self.forward._fetch(self._source[dates], variables, members, cells)
        blend = self._blend[dates]
        if blend.any():
            later = self.forward._fetch(self._after[dates[blend]], variables, members, cells)
            alpha = self._alpha[dates[blend]].astype(np.float32)[:, None, None, None]
            out[blend] = out[blend] * (np.float32(1) - alpha) + later * alpha
        return out

    def _options(self) -> dict[str, Any]:
        return {"fill_missing_dates": self._method}


class SetMissing(ForwardingView):
    """The parent with more of its dates declared missing (``set_missing_dates``).

    Useful to check that a training set-up copes with missing dates, or to leave out dates
    known to be bad without rebuilding the dataset.
    """

    view = "set_missing_dates"

    def __init__(self, forward: Dataset, dates: Any) -> None:
        from fc_utils.dates import frequency_to_string, parse_date

        super().__init__(forward)
        items = [dates] if isinstance(dates, str | int) else list(dates)
        added: set[int] = set()
        for item in items:
            date = np.datetime64(parse_date(item), "s")
            where = int(np.searchsorted(forward.dates, date))
            if where >= len(forward) or forward.dates[where] != date:
                raise OpenDatasetError(
                    f"set_missing_dates: {item!r} ({date}) is not one of the dataset's dates "
                    f"({forward.dates[0]} to {forward.dates[-1]} every {frequency_to_string(forward.frequency)})."
                )
            added.add(where)
        self._added = sorted(added)
        self._missing = frozenset(added) | forward.missing

    @property
    def missing(self) -> frozenset[int]:
        return self._missing

    def _options(self) -> dict[str, Any]:
        return {"set_missing_dates": [self.forward.dates[i] for i in self._added]}


def _offsets(expected_access: Any) -> np.ndarray:
    """The offsets of the dates of one window, from Anemoi's ``expected_access``."""
    if isinstance(expected_access, bool):
        raise OpenDatasetError(
            f"expected_access must be a number of dates, got {expected_access!r}."
        )
    if isinstance(expected_access, int | np.integer):
        if expected_access < 1:
            raise OpenDatasetError(
                f"expected_access must be at least 1 date, got {expected_access!r}."
            )
        return np.arange(int(expected_access), dtype=np.int64)
    if isinstance(expected_access, slice):
        bounds = (expected_access.start, expected_access.stop, expected_access.step)
    elif isinstance(expected_access, list | tuple) and len(expected_access) in (2, 3):
        bounds = (*expected_access, None)[:3]
    else:
        raise OpenDatasetError(
            "expected_access takes the number of consecutive dates each sample reads (an int), "
            f"or [start, stop] / [start, stop, step] offsets; got {expected_access!r}."
        )
    start, stop, step = (0 if bounds[0] is None else bounds[0]), bounds[1], bounds[2] or 1
    if not all(isinstance(v, int | np.integer) for v in (start, stop, step)) or not (
        0 <= start < stop and step > 0
    ):
        raise OpenDatasetError(
            f"expected_access {expected_access!r} must give offsets 0 <= start < stop and a "
            "positive step."
        )
    return np.arange(start, stop, step, dtype=np.int64)


class Windows(ForwardingView):
    """Windows of dates with no missing date in them (``skip_missing_dates`` with
    ``expected_access``).

    Item ``i`` is the window ``start + i + offsets`` of the parent, the windows that contain a
    missing date left out: ``ds[i]`` is float32 ``(window, variable, ensemble, cell)`` and
    ``ds[i:j]`` adds a leading axis. Anemoi returns a tuple of arrays instead; a stacked array
    unpacks the same way (``x0, x1 = ds[i]``). :attr:`dates` are the first date of each
    window. This view must be the last of a chain.
    """

    view = "skip_missing_dates"
    windowed = True

    def __init__(self, forward: Dataset, expected_access: Any) -> None:
        if forward.windowed:
            raise OpenDatasetError(
                "skip_missing_dates with expected_access cannot be applied twice."
            )
        super().__init__(forward)
        offsets = _offsets(expected_access)
        self._offsets = offsets
        n = len(forward)
        valid = np.ones(n, dtype=bool)
        valid[list(forward.missing)] = False
        starts = np.arange(max(n - int(offsets[-1]), 0), dtype=np.int64)
        windows = starts[:, None] + offsets[None, :]
        self._windows = readonly(windows[valid[windows].all(axis=1)] if windows.size else windows)
        self._dates = readonly(forward.dates[self._windows[:, 0]])

    @property
    def window(self) -> int:
        """Number of dates in each item."""
        return int(self._windows.shape[1])

    @property
    def shape(self) -> tuple[int, ...]:
        """``(window-index, date-in-window, variable, ensemble, cell)``."""
        inner = self.forward.shape
        return (len(self), self.window, *inner[1:])

    def __len__(self) -> int:
        return len(self._windows)

    def __getitem__(self, key: Any) -> np.ndarray:
        inner = self.forward.shape
        dates, (variables, members, cells), squeeze = normalise_key(
            key, (len(self), inner[1], inner[2], inner[3])
        )
        wanted = self._windows[dates]
        unique, inverse = np.unique(wanted.ravel(), return_inverse=True)
        block = self.forward._fetch(unique, variables, members, cells)
        result = block[inverse].reshape(*wanted.shape, *block.shape[1:])
        axes = tuple(a if a == 0 else a + 1 for a in squeeze)
        return result.squeeze(axis=axes) if axes else result

    @property
    def dates(self) -> np.ndarray:
        return self._dates

    def statistics_tendencies(self, delta: Any = None) -> dict[str, np.ndarray]:
        return self.forward.statistics_tendencies(delta)

    @property
    def missing(self) -> frozenset[int]:
        return frozenset()

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        raise OpenDatasetError("a view of windows of dates cannot be read by another view.")

    def _options(self) -> dict[str, Any]:
        return {"skip_missing_dates": True, "window_offsets": self._offsets.tolist()}


def skip_missing_view(forward: Dataset, expected_access: Any = None) -> Dataset:
    """Leave the missing dates out: the dates themselves, or every window that holds one."""
    if expected_access is not None:
        return Windows(forward, expected_access)
    missing = np.fromiter(forward.missing, dtype=np.int64)
    keep = np.setdiff1d(np.arange(len(forward), dtype=np.int64), missing)
    if keep.size == 0:
        raise OpenDatasetError("skip_missing_dates leaves no date: every date is missing.")
    return DateSubset(forward, keep, "skip_missing_dates", {"skip_missing_dates": True})
