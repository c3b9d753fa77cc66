"""Exact, streaming, NaN-aware statistics: per-date partials combined with Chan's formula.

A dataset's statistics (mean, standard deviation, minimum, maximum of each variable) must be
exact — computed over every value, not a sample — and must not depend on how the build was
split into parts or how many workers ran it, or two builds of one recipe would normalise a
model differently. fc gets both by keeping, for every date, a small *partial*: the number of
valid (non-NaN) values, their mean, the sum of squared deviations from that mean (``M2``), the
minimum and the maximum, in float64. A load writes the partials of its dates; finalise merges
them in date order with the pairwise update of Chan, Golub and LeVeque (1979)::

    n = n_a + n_b
    delta = mean_b - mean_a
    mean = mean_a + delta * n_b / n
    M2 = M2_a + M2_b + delta**2 * n_a * n_b / n

Two-pass partials and pairwise merging keep the rounding error near machine precision, far
below what a naive running sum of squares achieves on fields such as geopotential (values near
5e4 with a spread of 1e3). The merge runs as a balanced tree over the dates in their order, so
the result is a fixed function of the per-date partials, hence bit-for-bit reproducible.

The standard deviation is the population one: ``sqrt(M2 / n)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fc_datasets.fields import FieldBlock

__all__ = ["PartialStatistics", "Statistics", "combine", "finish", "partial_stats"]


@dataclass(frozen=True)
class PartialStatistics:
    """Per-date (or per-anything) partial statistics, arrays of one shape ``[..., variable]``.

    Attributes
    ----------
    count
        int64: number of valid (non-NaN) values.
    mean
        float64: mean of the valid values; NaN where ``count`` is 0.
    m2
        float64: sum of squared deviations from ``mean``; NaN where ``count`` is 0.
    minimum, maximum
        float64: extreme valid values; NaN where ``count`` is 0.
    """

    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray

    def __getitem__(self, index: Any) -> PartialStatistics:
        """The partials of the entries ``index`` selects along the leading axes."""
        return PartialStatistics(
            self.count[index],
            self.mean[index],
            self.m2[index],
            self.minimum[index],
            self.maximum[index],
        )

    @classmethod
    def empty(cls, shape: tuple[int, ...]) -> PartialStatistics:
        """Partials with no value at all (count 0): the identity of :func:`combine`."""
        nan = np.full(shape, np.nan)
        return cls(np.zeros(shape, np.int64), nan, nan.copy(), nan.copy(), nan.copy())

    @classmethod
    def stack(cls, items: list[PartialStatistics]) -> PartialStatistics:
        """Stack partials of equal shape along a new leading axis."""
        return cls(
            np.stack([p.count for p in items]),
            np.stack([p.mean for p in items]),
            np.stack([p.m2 for p in items]),
            np.stack([p.minimum for p in items]),
            np.stack([p.maximum for p in items]),
        )


@dataclass(frozen=True)
class Statistics:
    """Final statistics per variable, each an array ``[variable]``.

    Attributes
    ----------
    count
        int64: number of values that entered the statistics.
    mean, stdev, minimum, maximum
        float64; NaN for a variable with no value.
    """

    count: np.ndarray
    mean: np.ndarray
    stdev: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        """The arrays by their name in the store (``mean``, ``stdev``, ..., ``count``)."""
        return {
            "mean": self.mean,
            "stdev": self.stdev,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "count": self.count,
        }


def _one_date(values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Partials of ``values`` [variable, n] (any float dtype), reduced along the last axis.

    One variable at a time, so that the float64 deviations of a row stay in the CPU cache:
    about three times faster than converting the whole date to float64 at once.
    """
    n_vars = values.shape[0]
    count = np.zeros(n_vars, dtype=np.int64)
    mean, m2, minimum, maximum = (np.full(n_vars, np.nan) for _ in range(4))
    for v in range(n_vars):
        row = np.ascontiguousarray(values[v])
        nan = np.isnan(row)
        if nan.any():
            row = row[~nan]
        if row.size == 0:
            continue
        count[v] = row.size
        mean[v] = np.add.reduce(row, dtype=np.float64) / row.size
        deviation = row.astype(np.float64)
        deviation -= mean[v]
        np.multiply(deviation, deviation, out=deviation)
        m2[v] = deviation.sum()
        minimum[v], maximum[v] = row.min(), row.max()
    return count, mean, m2, minimum, maximum


def partial_stats(block: np.ndarray | FieldBlock) -> PartialStatistics:
    """Per-date partial statistics of a block of data ``[date, variable, ensemble, cell]``.

    Every date is reduced on its own, over its ensemble members and cells, in float64, so the
    partials of a date are the same bits whichever dates it was loaded with. NaN values are
    left out and not counted; a date that is all NaN (a missing date) gets count 0.

    Parameters
    ----------
    block
        A :class:`~fc_datasets.fields.FieldBlock` or an array of shape ``[date, variable,
        ensemble, cell]`` (or ``[date, variable, n]``: any trailing axes are flattened).
        Pass the values as they are stored (float32 after the cast), so that the statistics
        describe the dataset rather than the source.

    Returns
    -------
    PartialStatistics
        Arrays of shape ``[date, variable]``.
    """
    data = block.data if isinstance(block, FieldBlock) else np.asarray(block)
    if data.ndim < 2:
        raise ValueError(f"expected an array [date, variable, ...], got shape {data.shape}")
    n_dates, n_vars = data.shape[0], data.shape[1]
    columns: list[list[np.ndarray]] = [[], [], [], [], []]
    for d in range(n_dates):
        for column, values in zip(columns, _one_date(data[d].reshape(n_vars, -1)), strict=True):
            column.append(values)
    if n_dates == 0:
        return PartialStatistics.empty((0, n_vars))
    return PartialStatistics(*(np.stack(c) for c in columns))


def _merge(a: PartialStatistics, b: PartialStatistics) -> PartialStatistics:
    """Chan's pairwise update of two partials of equal shape, element by element."""
    n = a.count + b.count
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = b.mean - a.mean
        weight = b.count / n
        mean = a.mean + delta * weight
        m2 = a.m2 + b.m2 + delta * delta * (a.count * weight)
    # An empty side is the identity: take the other side's values as they are.
    a_empty, b_empty = a.count == 0, b.count == 0
    mean = np.where(a_empty, b.mean, np.where(b_empty, a.mean, mean))
    m2 = np.where(a_empty, b.m2, np.where(b_empty, a.m2, m2))
    return PartialStatistics(
        n, mean, m2, np.fmin(a.minimum, b.minimum), np.fmax(a.maximum, b.maximum)
    )


def combine(partials: PartialStatistics, *, axis: int = 0) -> PartialStatistics:
    """Merge partials along ``axis`` (the date axis) into one partial per variable.

    The merge is a balanced tree over the entries in their order — entry 0 with 1, 2 with 3,
    and so on, then the results again — so that the result depends only on the partials and
    their order, and the rounding error grows with the logarithm of the number of dates.
    Entries with count 0 (missing dates, dates outside the period) change nothing.

    Parameters
    ----------
    partials
        Partials of shape ``[date, variable]`` (or any shape, reduced along ``axis``).
    axis
        The axis to reduce.

    Returns
    -------
    PartialStatistics
        The partials of all entries together, with ``axis`` removed.
    """
    items = [np.moveaxis(arr, axis, 0) for arr in _arrays(partials)]
    level = PartialStatistics(*items)
    if level.count.shape[0] == 0:
        return PartialStatistics.empty(level.count.shape[1:])
    while level.count.shape[0] > 1:
        n = level.count.shape[0]
        pairs = _merge(level[0 : n - 1 : 2], level[1:n:2])
        if n % 2:  # the odd one out moves up a level unchanged
            pairs = PartialStatistics(
                *(
                    np.concatenate([merged, rest[n - 1 :]])
                    for merged, rest in zip(_arrays(pairs), _arrays(level), strict=True)
                )
            )
        level = pairs
    return level[0]


def _arrays(p: PartialStatistics) -> tuple[np.ndarray, ...]:
    return p.count, p.mean, p.m2, p.minimum, p.maximum


def finish(partial: PartialStatistics) -> Statistics:
    """Turn merged partials into the final statistics (population standard deviation).

    A tiny negative ``M2`` from rounding is clipped to zero; a variable with count 0 gets NaN.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.maximum(partial.m2, 0.0) / partial.count
    stdev = np.sqrt(variance)
    stdev[partial.count == 0] = np.nan
    return Statistics(
        count=np.asarray(partial.count, dtype=np.int64),
        mean=np.asarray(partial.mean, dtype=np.float64),
        stdev=stdev,
        minimum=np.asarray(partial.minimum, dtype=np.float64),
        maximum=np.asarray(partial.maximum, dtype=np.float64),
    )
