"""Views over several datasets: ``concat`` (one after the other in time) and ``join``
(side by side along ``variable``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from fc_datasets.views._indexing import AxisSelection
from fc_datasets.views.base import CombiningView, Dataset, readonly
from fc_datasets.views.errors import OpenDatasetError

__all__ = ["Concat", "Join", "check_not_windowed", "check_same_grid"]


def check_not_windowed(datasets: list[Dataset], view: str) -> None:
    """Refuse to combine windowed views (their items are not single dates)."""
    if any(d.windowed for d in datasets):
        raise OpenDatasetError(
            f"cannot {view} a view made with skip_missing_dates and expected_access: its items "
            "are windows of dates.",
            hint=f"Apply skip_missing_dates to the result of {view} instead.",
        )


def _label(dataset: Dataset) -> str:
    paths = [s.path for s in dataset._stores()]
    return paths[0] if len(paths) == 1 else f"a view of {len(paths)} stores"


def check_same_grid(datasets: list[Dataset], view: str, *, same_members: bool = True) -> None:
    """Refuse datasets on different grids (or, with ``same_members``, ensemble sizes)."""
    first = datasets[0]
    for other in datasets[1:]:
        if other.number_of_cells != first.number_of_cells or not (
            np.array_equal(other.latitudes, first.latitudes)
            and np.array_equal(other.longitudes, first.longitudes)
        ):
            raise OpenDatasetError(
                f"cannot {view} datasets on different grids: {_label(first)} has "
                f"{first.number_of_cells} points and {_label(other)} {other.number_of_cells}"
                " (or their coordinates differ).",
                hint="Regrid one of them when building it (the regrid filter), or cut both to "
                "the same area.",
            )
        if same_members and other.ensemble_size != first.ensemble_size:
            raise OpenDatasetError(
                f"cannot {view} datasets with {first.ensemble_size} and {other.ensemble_size} "
                f"ensemble members ({_label(first)}, {_label(other)}).",
                hint="Select the same members of each with number=... or members=...",
            )


def _range(dataset: Dataset) -> str:
    return f"{dataset.dates[0]} to {dataset.dates[-1]}"


def _step(value: dt.timedelta) -> str:
    from fc_utils.dates import frequency_to_string

    return frequency_to_string(value)


class Concat(CombiningView):
    """Datasets with the same variables, grid and frequency, one after the other in time.

    The datasets are put in date order. Their dates must not overlap, and each must start one
    step after the previous one ends, unless ``fill_missing_gaps`` is set: then the dates in
    between are part of the view as missing dates. Statistics, grid and variable metadata are
    those of the earliest dataset (as in Anemoi); give ``statistics=`` to choose others.
    """

    view = "concat"

    def __init__(self, datasets: list[Dataset], *, fill_missing_gaps: bool = False) -> None:
        if not datasets:
            raise OpenDatasetError("concat needs at least one dataset.")
        check_not_windowed(datasets, "concat")
        datasets = sorted(datasets, key=lambda d: d.dates[0])
        self._check_variables(datasets)
        check_same_grid(datasets, "concatenate")
        step = datasets[0].frequency
        for d in datasets[1:]:
            if d.frequency != step:
                raise OpenDatasetError(
                    f"cannot concatenate datasets of frequency {_step(d.frequency)} and {_step(step)} "
                    f"({_label(d)}, {_label(datasets[0])}).",
                    hint="Sub-sample the finer one with frequency=...",
                )
        self.datasets = datasets
        self._fill_gaps = fill_missing_gaps
        segments: list[Dataset | None] = []
        lengths: list[int] = []
        for previous, following in zip(datasets, [*datasets[1:], None], strict=True):
            segments.append(previous)
            lengths.append(len(previous))
            if following is None:
                break
            gap = self._gap(previous, following, step)
            if gap:
                segments.append(None)
                lengths.append(gap)
        self._segments = segments
        self._ends = np.cumsum(lengths)
        self._starts = self._ends - np.asarray(lengths)
        dates: list[np.ndarray] = []
        missing: set[int] = set()
        seconds = np.timedelta64(int(step.total_seconds()), "s")
        for k, (segment, start) in enumerate(zip(segments, self._starts.tolist(), strict=True)):
            if segment is None:
                first = dates[-1][-1] + seconds
                dates.append(first + seconds * np.arange(lengths[k]))
                missing.update(range(start, start + lengths[k]))
            else:
                dates.append(segment.dates)
                missing.update(start + i for i in segment.missing)
        self._dates = readonly(np.concatenate(dates).astype("datetime64[s]"))
        self._missing = frozenset(missing)

    @staticmethod
    def _check_variables(datasets: list[Dataset]) -> None:
        first = datasets[0]
        for other in datasets[1:]:
            if other.variables == first.variables:
                continue
            if set(other.variables) == set(first.variables):
                raise OpenDatasetError(
                    f"cannot concatenate datasets whose variables are in different orders "
                    f"({_label(first)}, {_label(other)}).",
                    hint="Give both the same order with reorder=[...] (or reorder='sort').",
                )
            only_first = sorted(set(first.variables) - set(other.variables))
            only_other = sorted(set(other.variables) - set(first.variables))
            raise OpenDatasetError(
                "cannot concatenate datasets with different variables: "
                f"only {_label(first)} has {only_first}, only {_label(other)} has {only_other}. "
                "A list of datasets is concatenated along dates.",
                hint="To put the variables of datasets with the same dates side by side, use "
                "{'join': [...]}; to concatenate, select the same variables in each.",
            )

    def _gap(self, previous: Dataset, following: Dataset, step: dt.timedelta) -> int:
        end, start = previous.dates[-1], following.dates[0]
        if start <= end:
            raise OpenDatasetError(
                f"cannot concatenate datasets whose dates overlap: {_label(previous)} covers "
                f"{_range(previous)} and {_label(following)} covers {_range(following)}.",
                hint="Cut one of them with start=/end= so that each date comes from one dataset.",
            )
        seconds = int(step.total_seconds())
        distance = int((start - end).astype(np.int64))
        if distance % seconds:
            raise OpenDatasetError(
                f"cannot concatenate {_label(previous)} and {_label(following)}: {start} is "
                f"not on the {_step(step)} grid of dates that ends at {end}."
            )
        gap = distance // seconds - 1
        if gap and not self._fill_gaps:
            raise OpenDatasetError(
                f"cannot concatenate datasets with a gap: {_label(previous)} ends at {end} and "
                f"{_label(following)} starts at {start}.",
                hint="Pass fill_missing_gaps=True to treat the dates in between as missing.",
            )
        return gap

    @property
    def variables(self) -> list[str]:
        return self.datasets[0].variables

    @property
    def dates(self) -> np.ndarray:
        return self._dates

    def __len__(self) -> int:
        return int(self._ends[-1])

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        owner = np.searchsorted(self._ends, dates, side="right")
        if dates.size and owner[0] == owner[-1] and (owner == owner[0]).all():
            k = int(owner[0])
            segment = self._segments[k]
            if segment is not None:
                return segment._fetch(dates - self._starts[k], variables, members, cells)
        shape = self._item_shape(variables, members, cells)
        out = np.full((len(dates), *shape), np.nan, dtype=np.float32)
        for k in np.unique(owner).tolist():
            segment = self._segments[k]
            if segment is None:
                continue  # a gap: NaN, and missing
            where = owner == k
            out[where] = segment._fetch(dates[where] - self._starts[k], variables, members, cells)
        return out

    def _item_shape(
        self, variables: AxisSelection, members: AxisSelection, cells: AxisSelection
    ) -> tuple[int, int, int]:
        return (
            len(self.variables) if variables is None else len(variables),
            self.ensemble_size if members is None else len(members),
            self.number_of_cells if cells is None else len(cells),
        )

    def _children(self) -> list[Dataset]:
        return list(self.datasets)

    def _sources(self, variable: int) -> list[Any]:
        return [s for d in self.datasets for s in d._sources(variable)]

    def _options(self) -> dict[str, Any]:
        return {"fill_missing_gaps": True} if self._fill_gaps else {}


class Join(CombiningView):
    """Datasets with the same dates and grid, side by side along ``variable``.

    The variables are those of the first dataset, then the second's, and so on. A name may
    appear only once: rename or drop a clashing variable first. The statistics and metadata
    of each variable come with it; a date missing from any dataset is missing from the join.
    """

    view = "join"

    def __init__(self, datasets: list[Dataset]) -> None:
        if not datasets:
            raise OpenDatasetError("join needs at least one dataset.")
        check_not_windowed(datasets, "join")
        first = datasets[0]
        for other in datasets[1:]:
            if not np.array_equal(other.dates, first.dates):
                raise OpenDatasetError(
                    f"cannot join datasets with different dates: {_label(first)} has "
                    f"{len(first)} dates from {_range(first)} every {_step(first.frequency)}, "
                    f"{_label(other)} has {len(other)} from {_range(other)} every "
                    f"{_step(other.frequency)}.",
                    hint="Give each the same start=, end= and frequency= (join needs the same "
                    "dates); to append datasets in time with the same variables, use concat.",
                )
        check_same_grid(datasets, "join")
        owners: dict[str, int] = {}
        for k, d in enumerate(datasets):
            for name in d.variables:
                if name in owners:
                    raise OpenDatasetError(
                        f"cannot join: variable {name!r} is in dataset {owners[name] + 1} "
                        f"({_label(datasets[owners[name]])}) and dataset {k + 1} ({_label(d)}).",
                        hint="Rename it in one of them, e.g. {'dataset': ..., 'rename': "
                        f"{{'{name}': '{name}_2'}}}}, or drop it from one with drop=[...].",
                    )
                owners[name] = k
        self.datasets = datasets
        self._owner = np.concatenate(
            [np.full(len(d.variables), k, dtype=np.int64) for k, d in enumerate(datasets)]
        )
        self._local = np.concatenate(
            [np.arange(len(d.variables), dtype=np.int64) for d in datasets]
        )
        self._variables = [v for d in datasets for v in d.variables]
        self._missing = frozenset().union(*(d.missing for d in datasets))

    @property
    def variables(self) -> list[str]:
        return list(self._variables)

    @property
    def statistics(self) -> dict[str, np.ndarray]:
        parts = [d.statistics for d in self.datasets]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def statistics_tendencies(self, delta: Any = None) -> dict[str, np.ndarray]:
        delta = self.frequency if delta is None else delta
        parts = [d.statistics_tendencies(delta) for d in self.datasets]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    @property
    def variables_metadata(self) -> dict[str, dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for d in self.datasets:
            merged.update(d.variables_metadata)
        return merged

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        if variables is None:
            parts = [d._fetch(dates, None, members, cells) for d in self.datasets]
            return np.concatenate(parts, axis=1)
        owner = self._owner[variables]
        local = self._local[variables]
        if variables.size and (owner == owner[0]).all():
            return self.datasets[int(owner[0])]._fetch(dates, local, members, cells)
        first = self.datasets[0]
        shape = (
            len(dates),
            len(variables),
            first.ensemble_size if members is None else len(members),
            first.number_of_cells if cells is None else len(cells),
        )
        out = np.empty(shape, dtype=np.float32)
        for k in np.unique(owner).tolist():
            where = owner == k
            out[:, where] = self.datasets[k]._fetch(dates, local[where], members, cells)
        return out

    def _children(self) -> list[Dataset]:
        return list(self.datasets)

    def _sources(self, variable: int) -> list[Any]:
        k = int(self._owner[variable])
        return self.datasets[k]._sources(int(self._local[variable]))
