"""Views on the ``ensemble`` axis: choosing members (``number``/``members``) and putting the
members of several datasets together (``ensemble``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from fc_datasets.views._indexing import AxisSelection, compose
from fc_datasets.views.base import CombiningView, Dataset, ForwardingView, readonly
from fc_datasets.views.combine import check_not_windowed, check_same_grid
from fc_datasets.views.errors import OpenDatasetError

__all__ = ["EnsembleJoin", "Members", "member_indices"]

#: How each option counts members: ``number`` as GRIB does (from 1), ``member`` from 0.
_OFFSETS = {"number": 1, "numbers": 1, "member": 0, "members": 0}


def member_indices(ensemble_size: int, options: dict[str, Any]) -> list[int]:
    """Zero-based indices of the members chosen by ``number(s)`` and/or ``member(s)``.

    The result is sorted and without repeats, whatever the order given (as in Anemoi).
    """
    chosen: set[int] = set()
    for key, values in options.items():
        items = values if isinstance(values, Iterable) and not isinstance(values, str) else [values]
        for value in items:
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise OpenDatasetError(f"{key} takes member numbers (integers), got {value!r}.")
            index = int(value) - _OFFSETS[key]
            if not 0 <= index < ensemble_size:
                first = _OFFSETS[key]
                raise OpenDatasetError(
                    f"{key}={value} is out of range: the dataset has {ensemble_size} members, "
                    f"{first} to {ensemble_size - 1 + first} in the counting of {key!r}.",
                    hint="number/numbers count from 1 (as GRIB does); member/members count from 0.",
                )
            chosen.add(index)
    if not chosen:
        raise OpenDatasetError("no ensemble member chosen: give at least one number or member.")
    return sorted(chosen)


class Members(ForwardingView):
    """Some ensemble members of the parent."""

    view = "members"

    def __init__(self, forward: Dataset, indices: list[int]) -> None:
        super().__init__(forward)
        self._indices = readonly(np.asarray(indices, dtype=np.int64))

    @property
    def ensemble_size(self) -> int:
        return len(self._indices)

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        return self.forward._fetch(dates, variables, compose(self._indices, members), cells)

    def _options(self) -> dict[str, Any]:
        return {"members": self._indices.tolist()}


class EnsembleJoin(CombiningView):
    """Datasets with the same dates, variables and grid, their members side by side.

    The members of the first dataset come first. Statistics and metadata are those of the
    first dataset (as in Anemoi); a date missing from any dataset is missing here.
    """

    view = "ensemble"

    def __init__(self, datasets: list[Dataset]) -> None:
        if not datasets:
            raise OpenDatasetError("ensemble needs at least one dataset.")
        check_not_windowed(datasets, "ensemble")
        first = datasets[0]
        for other in datasets[1:]:
            if not np.array_equal(other.dates, first.dates):
                raise OpenDatasetError(
                    "cannot combine the members of datasets with different dates "
                    f"({first.dates[0]} to {first.dates[-1]} and {other.dates[0]} to "
                    f"{other.dates[-1]}).",
                    hint="Give each the same start=, end= and frequency=.",
                )
            if other.variables != first.variables:
                raise OpenDatasetError(
                    "cannot combine the members of datasets with different variables "
                    f"({first.variables} and {other.variables}).",
                    hint="Select the same variables, in the same order, in each.",
                )
        sizes = [d.ensemble_size for d in datasets]
        check_same_grid(datasets, "combine the members of", same_members=False)
        self.datasets = datasets
        self._ends = np.cumsum(sizes)
        self._starts = self._ends - np.asarray(sizes)
        self._owner = np.concatenate([np.full(s, k, dtype=np.int64) for k, s in enumerate(sizes)])
        self._local = np.concatenate([np.arange(s, dtype=np.int64) for s in sizes])
        self._missing = frozenset().union(*(d.missing for d in datasets))

    @property
    def variables(self) -> list[str]:
        return self.datasets[0].variables

    @property
    def ensemble_size(self) -> int:
        return int(self._ends[-1])

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        if members is None:
            parts = [d._fetch(dates, variables, None, cells) for d in self.datasets]
            return np.concatenate(parts, axis=2)
        owner = self._owner[members]
        local = self._local[members]
        first = self.datasets[0]
        shape = (
            len(dates),
            len(first.variables) if variables is None else len(variables),
            len(members),
            first.number_of_cells if cells is None else len(cells),
        )
        out = np.empty(shape, dtype=np.float32)
        for k in np.unique(owner).tolist():
            where = owner == k
            out[:, :, where] = self.datasets[k]._fetch(dates, variables, local[where], cells)
        return out

    def _children(self) -> list[Dataset]:
        return list(self.datasets)

    def _sources(self, variable: int) -> list[Any]:
        return [s for d in self.datasets for s in d._sources(variable)]
