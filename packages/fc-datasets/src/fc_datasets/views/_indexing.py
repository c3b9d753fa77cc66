"""Turning ``ds[key]`` into one array of date indices and a selection on each other axis.

Views compose index mappings, so every ``key`` that a user may write (an int, a negative int,
a slice, a list, a numpy integer or boolean array, a tuple of those with an optional
``Ellipsis``) is first normalised here into:

- ``dates``: a 1-D int64 array of non-negative date indices (never ``None``);
- for ``variable``, ``ensemble`` and ``cell``: ``None`` (the whole axis, the common case that
  lets the store read a date in one piece) or a 1-D int64 array of non-negative indices;
- the axes to squeeze afterwards (those indexed by a scalar).

Each axis is indexed independently ("orthogonal" indexing, as zarr's ``oindex``): this is
numpy's behaviour whenever at most one axis gets an array, and the useful one otherwise.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np

__all__ = ["AxisSelection", "compose", "normalise_key", "runs"]

#: ``None`` for a whole axis, else non-negative int64 indices into it.
AxisSelection: TypeAlias = np.ndarray | None

_AXES = ("date", "variable", "ensemble", "cell")


def _axis(value: Any, size: int, axis: int) -> tuple[np.ndarray | None, bool]:
    """Normalise the key of one axis: (indices or None, squeeze)."""
    name = _AXES[axis]
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        i = int(value)
        if not -size <= i < size:
            raise IndexError(f"index {i} is out of range for the {name} axis of length {size}")
        return np.array([i + size if i < 0 else i], dtype=np.int64), True
    if isinstance(value, slice):
        if axis > 0 and value == slice(None):
            return None, False
        return np.arange(*value.indices(size), dtype=np.int64), False
    if isinstance(value, list | tuple | np.ndarray | range):
        array = np.asarray(value)
        if array.ndim == 0:
            return _axis(array.item(), size, axis)
        if array.ndim != 1:
            raise IndexError(
                f"the {name} axis takes a 1-D list or array of indices, got shape {array.shape}"
            )
        if array.dtype == np.bool_:
            if array.size != size:
                raise IndexError(
                    f"a boolean mask for the {name} axis must have {size} values, got {array.size}"
                )
            return np.flatnonzero(array).astype(np.int64), False
        if array.size == 0:
            return np.empty(0, dtype=np.int64), False
        if array.dtype.kind not in "iu":
            raise IndexError(
                f"indices for the {name} axis must be integers, got {array.dtype} values"
            )
        indices = array.astype(np.int64)
        bad = (indices < -size) | (indices >= size)
        if bad.any():
            raise IndexError(
                f"index {int(indices[bad][0])} is out of range for the {name} axis of length {size}"
            )
        return np.where(indices < 0, indices + size, indices), False
    raise TypeError(
        f"cannot index the {name} axis with {value!r}: use an int, a slice, or a list or "
        "array of ints"
    )


def normalise_key(
    key: Any, shape: tuple[int, int, int, int]
) -> tuple[np.ndarray, tuple[AxisSelection, AxisSelection, AxisSelection], tuple[int, ...]]:
    """Normalise ``key`` for a ``[date, variable, ensemble, cell]`` dataset of ``shape``.

    Returns the date indices, the selections of the three other axes and the positions of the
    axes to squeeze (those indexed by a scalar).
    """
    parts = key if isinstance(key, tuple) else (key,)
    if any(p is Ellipsis for p in parts):
        if sum(p is Ellipsis for p in parts) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        at = next(i for i, p in enumerate(parts) if p is Ellipsis)
        fill = (slice(None),) * (4 - len(parts) + 1)
        parts = parts[:at] + fill + parts[at + 1 :]
    if len(parts) > 4:
        raise IndexError(
            f"too many indices: a dataset has 4 axes (date, variable, ensemble, cell), "
            f"got {len(parts)}"
        )
    parts = parts + (slice(None),) * (4 - len(parts))
    selections: list[np.ndarray | None] = []
    squeeze: list[int] = []
    for axis, (value, size) in enumerate(zip(parts, shape, strict=True)):
        indices, scalar = _axis(value, size, axis)
        selections.append(indices)
        if scalar:
            squeeze.append(axis)
    dates = selections[0]
    if dates is None:  # pragma: no cover - the date axis always gets an array
        dates = np.arange(shape[0], dtype=np.int64)
    return dates, (selections[1], selections[2], selections[3]), tuple(squeeze)


def compose(mapping: np.ndarray, selection: AxisSelection) -> np.ndarray:
    """Indices into the parent of a view that maps its axis through ``mapping``."""
    return mapping if selection is None else mapping[selection]


def runs(indices: np.ndarray) -> list[tuple[int, int, int]]:
    """Split ``indices`` into runs of consecutive values: ``(first, length, position)``.

    ``position`` is where the run starts in ``indices``; the store reads each run in one call.
    """
    if indices.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(indices) != 1) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [indices.size]))
    return [(int(indices[s]), int(e - s), int(s)) for s, e in zip(starts, ends, strict=True)]
