"""Views that choose, order and name variables: ``select``, ``drop``, ``reorder``, ``rename``.

They change the ``variable`` axis only, as an index mapping: the store still reads each date
in one piece (or only the runs of variables asked for) and the selection is taken from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from fc_datasets.views._indexing import AxisSelection, compose
from fc_datasets.views.base import Dataset, ForwardingView, readonly
from fc_datasets.views.errors import OpenDatasetError

__all__ = ["Rename", "Select", "drop_indices", "reorder_indices", "select_indices"]


def _names(value: Any, option: str) -> list[str]:
    """``value`` as a list of variable names (a single name is allowed)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        names = list(value)
        if all(isinstance(n, str) for n in names):
            return names
    raise OpenDatasetError(f"{option} takes a variable name or a list of names, got {value!r}.")


def _check_known(names: list[str], dataset: Dataset, option: str) -> None:
    from fc_config.suggest import did_you_mean

    known = dataset.name_to_index
    for name in names:
        if name not in known:
            listing = ", ".join(dataset.variables[:40]) + (
                ", ..." if len(dataset.variables) > 40 else ""
            )
            raise OpenDatasetError(
                f"{option}: unknown variable {name!r}.{did_you_mean(name, known)} "
                f"The dataset has: {listing}."
            )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise OpenDatasetError(f"{option} names {name!r} twice; name each variable once.")
        seen.add(name)


def select_indices(dataset: Dataset, value: Any) -> list[int]:
    """Indices of the variables ``select`` keeps, in the order given (a set keeps the
    dataset's order, as in Anemoi)."""
    if isinstance(value, set | frozenset):
        names = [v for v in dataset.variables if v in value]
        _check_known(sorted(value - set(names)), dataset, "select")
    else:
        names = _names(value, "select")
        _check_known(names, dataset, "select")
    if not names:
        raise OpenDatasetError("select is empty: name at least one variable.")
    return [dataset.name_to_index[n] for n in names]


def drop_indices(dataset: Dataset, value: Any) -> list[int]:
    """Indices of the variables left after ``drop``, in the dataset's order."""
    names = sorted(value) if isinstance(value, set | frozenset) else _names(value, "drop")
    _check_known(names, dataset, "drop")
    kept = [i for i, v in enumerate(dataset.variables) if v not in set(names)]
    if not kept:
        raise OpenDatasetError("drop removes every variable; keep at least one.")
    return kept


def reorder_indices(dataset: Dataset, value: Any) -> list[int]:
    """Indices of the variables in the order ``reorder`` gives: a list of every variable, a
    mapping name → position, or ``"sort"`` (alphabetical)."""
    if value == "sort":
        names = sorted(dataset.variables)
    elif isinstance(value, Mapping):
        names = [k for k, _ in sorted(value.items(), key=lambda item: item[1])]
    else:
        names = _names(value, "reorder")
    _check_known(names, dataset, "reorder")
    absent = [v for v in dataset.variables if v not in set(names)]
    if absent:
        raise OpenDatasetError(
            f"reorder must list every variable; it leaves out {', '.join(absent)}.",
            hint="Use select to keep only some variables (it keeps the order you give).",
        )
    return [dataset.name_to_index[n] for n in names]


class Select(ForwardingView):
    """The variables at ``indices`` of the parent, in that order (``select``, ``drop``,
    ``reorder``)."""

    def __init__(self, forward: Dataset, indices: list[int], view: str, option: Any) -> None:
        super().__init__(forward)
        self.view = view  # type: ignore[misc]
        self._option = option
        self._indices = readonly(np.asarray(indices, dtype=np.int64))
        parent = forward.variables
        self._variables = [parent[i] for i in indices]

    @property
    def variables(self) -> list[str]:
        return list(self._variables)

    @property
    def statistics(self) -> dict[str, np.ndarray]:
        return {k: v[self._indices] for k, v in self.forward.statistics.items()}

    def statistics_tendencies(self, delta: Any = None) -> dict[str, np.ndarray]:
        stats = self.forward.statistics_tendencies(self.frequency if delta is None else delta)
        return {k: v[self._indices] for k, v in stats.items()}

    @property
    def variables_metadata(self) -> dict[str, dict[str, Any]]:
        parent = self.forward.variables_metadata
        return {v: parent[v] for v in self._variables if v in parent}

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        return self.forward._fetch(dates, compose(self._indices, variables), members, cells)

    def _sources(self, variable: int) -> list[Any]:
        return self.forward._sources(int(self._indices[variable]))

    def _options(self) -> dict[str, Any]:
        return {self.view: self._option}


class Rename(ForwardingView):
    """The parent with some variables renamed (``rename: {old: new}``); the data is unchanged.

    The metadata of a renamed variable keeps its GRIB keys, so a forecast written from it still
    encodes the original parameter.
    """

    view = "rename"

    def __init__(self, forward: Dataset, mapping: Any) -> None:
        super().__init__(forward)
        if not isinstance(mapping, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise OpenDatasetError(
                f"rename takes a mapping of old name to new name, got {mapping!r}."
            )
        _check_known(list(mapping), forward, "rename")
        self._mapping = dict(mapping)
        self._variables = [self._mapping.get(v, v) for v in forward.variables]
        seen: dict[str, int] = {}
        for name in self._variables:
            seen[name] = seen.get(name, 0) + 1
        clashes = [n for n, c in seen.items() if c > 1]
        if clashes:
            raise OpenDatasetError(
                f"rename gives two variables the name {clashes[0]!r}; names must stay unique."
            )

    @property
    def variables(self) -> list[str]:
        return list(self._variables)

    @property
    def variables_metadata(self) -> dict[str, dict[str, Any]]:
        result = {}
        for old, entry in self.forward.variables_metadata.items():
            new = self._mapping.get(old, old)
            result[new] = {**entry, "name": new}
        return {v: result[v] for v in self._variables if v in result}

    def _options(self) -> dict[str, Any]:
        return {"rename": self._mapping}
