"""The abstract :class:`Dataset` view, and :class:`ForwardingView`, the base of one-parent views.

A view never copies data. It knows its own axes (dates, variables, members, cells) as index
mappings onto its parents, and answers ``ds[key]`` by normalising the key once
(:mod:`._indexing`), then passing index arrays down the tree with :meth:`Dataset._fetch` until
the store reads what is needed. The public :meth:`Dataset.__getitem__` is the only place that
applies the missing-date policy, so views that fill or skip dates can read their parents freely.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterator
from functools import cached_property
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from fc_datasets.views._indexing import AxisSelection, normalise_key
from fc_datasets.views.errors import MissingDateError, OpenDatasetError

if TYPE_CHECKING:
    from fc_datasets.views.store import StoreDataset

__all__ = ["CombiningView", "Dataset", "ForwardingView", "jsonable", "readonly"]

_POLICY_HINT = (
    "Open the dataset with fill_missing_dates='closest' or 'interpolate' to fill such dates, "
    "or with skip_missing_dates=True to leave them out; ds.missing lists the missing indices."
)


def jsonable(value: Any) -> Any:
    """``value`` with numpy types, dates, durations and paths turned into JSON types."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[s]"))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta | np.timedelta64):
        from fc_utils.dates import frequency_to_string

        return frequency_to_string(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, slice):
        return [value.start, value.stop, value.step]
    if isinstance(value, Dataset):
        return value.tree()
    return value


def readonly(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array``, so that cached arrays handed to users stay intact."""
    view = array.view()
    view.flags.writeable = False
    return view


class Dataset(ABC):
    """A lazy, read-only view of one or more fc datasets: ``ds[i]`` is float32
    ``(variable, ensemble, cell)``.

    Views are made by :func:`~fc_datasets.open_dataset`. They compose index mappings and read
    from the zarr stores only what an access needs, so a chain of views over a terabyte
    dataset costs nothing until it is indexed.

    Indexing: ``ds[i]`` (negative ``i`` counts from the end) gives one date; ``ds[i:j]``,
    ``ds[[1, 5, 7]]`` or a numpy integer or boolean array give ``(n, variable, ensemble,
    cell)``; ``ds[i, v]``, ``ds[i, :, 0]``, ``ds[..., cells]`` select on the other axes too.
    Each axis is indexed independently (like zarr's ``oindex``), which equals numpy's
    behaviour whenever at most one axis gets an array. Reading a missing date raises
    :class:`~fc_datasets.views.MissingDateError` unless the view fills or skips such dates.
    """

    #: Name of the view in :meth:`tree` (the option that made it).
    view: ClassVar[str] = "dataset"
    #: Whether ``ds[i]`` is a window of dates (``skip_missing_dates`` with ``expected_access``).
    windowed: ClassVar[bool] = False

    #: The arguments ``open_dataset`` was called with, on the view it returned.
    arguments: dict[str, Any] | None = None

    # -- what each view defines ------------------------------------------------------------

    @property
    @abstractmethod
    def variables(self) -> list[str]:
        """Names of the variables, in the order of the ``variable`` axis."""

    @property
    @abstractmethod
    def dates(self) -> np.ndarray:
        """The dates, ``datetime64[s]``, missing ones included (they keep their index)."""

    @property
    @abstractmethod
    def frequency(self) -> dt.timedelta:
        """The time step between consecutive dates."""

    @property
    @abstractmethod
    def latitudes(self) -> np.ndarray:
        """Latitude of each cell in degrees, float64 ``[cell]``."""

    @property
    @abstractmethod
    def longitudes(self) -> np.ndarray:
        """Longitude of each cell in degrees in [0, 360), float64 ``[cell]``."""

    @property
    @abstractmethod
    def ensemble_size(self) -> int:
        """Number of ensemble members (1 for a deterministic dataset)."""

    @property
    @abstractmethod
    def statistics(self) -> dict[str, np.ndarray]:
        """``mean``, ``stdev``, ``minimum``, ``maximum``: float64 ``[variable]``, in the order
        of :attr:`variables`, over the statistics period of the dataset they come from."""

    @abstractmethod
    def statistics_tendencies(self, delta: Any = None) -> dict[str, np.ndarray]:
        """Statistics of ``x(t) - x(t - delta)`` per variable, where the dataset stores them.

        Parameters
        ----------
        delta
            The time difference (``"6h"``, a timedelta); by default the :attr:`frequency`.
        """

    @property
    @abstractmethod
    def missing(self) -> frozenset[int]:
        """Indices of the dates whose data is missing."""

    @property
    @abstractmethod
    def variables_metadata(self) -> dict[str, dict[str, Any]]:
        """Metadata of each variable (units, level, GRIB keys...), by name."""

    @property
    @abstractmethod
    def grid(self) -> dict[str, Any]:
        """The grid description (``fc_config.common.GridDescription`` as a dict)."""

    @abstractmethod
    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        """Read float32 ``[len(dates), variable, ensemble, cell]``, the caller's to keep.

        ``dates`` are valid non-negative indices of this view; the other selections are
        ``None`` (the whole axis) or valid non-negative indices. No missing-date check here.
        """

    @abstractmethod
    def _children(self) -> list[Dataset]:
        """The views this one reads from."""

    @abstractmethod
    def _sources(self, variable: int) -> list[tuple[StoreDataset, int]]:
        """The stores, and the index there, that the view's variable ``variable`` comes from."""

    def _options(self) -> dict[str, Any]:
        """The options of this view, for :meth:`tree`."""
        return {}

    # -- shape and indexing ----------------------------------------------------------------

    @property
    def number_of_cells(self) -> int:
        """Number of grid points (length of the ``cell`` axis)."""
        return len(self.latitudes)

    def __len__(self) -> int:
        """Number of dates (samples)."""
        return len(self.dates)

    @property
    def shape(self) -> tuple[int, ...]:
        """``(date, variable, ensemble, cell)``."""
        return (len(self), len(self.variables), self.ensemble_size, self.number_of_cells)

    @property
    def dtype(self) -> np.dtype:
        """Always float32: every read is converted to it."""
        return np.dtype(np.float32)

    @cached_property
    def _missing_mask(self) -> np.ndarray | None:
        missing = self.missing
        if not missing:
            return None
        mask = np.zeros(len(self), dtype=bool)
        mask[list(missing)] = True
        return mask

    def _check_missing(self, dates: np.ndarray) -> None:
        mask = self._missing_mask
        if mask is None or not mask[dates].any():
            return
        index = int(dates[mask[dates]][0])
        date = str(self.dates[index])
        raise MissingDateError(
            f"date {date} (index {index}) is missing from {self!r}.", hint=_POLICY_HINT
        )

    def __getitem__(self, key: Any) -> np.ndarray:
        """Read the data of ``key``; see the class docstring for the forms of ``key``."""
        if isinstance(key, int | np.integer) and not isinstance(key, bool | np.bool_):
            n = len(self)
            i = int(key)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of range for a dataset of {n} dates")
            if i < 0:
                i += n
            dates = np.array([i], dtype=np.int64)
            self._check_missing(dates)
            return self._fetch(dates, None, None, None)[0]
        shape = self.shape
        dates, (variables, members, cells), squeeze = normalise_key(key, (shape[0], *shape[1:4]))  # type: ignore[arg-type]
        self._check_missing(dates)
        result = self._fetch(dates, variables, members, cells)
        return result.squeeze(axis=squeeze) if squeeze else result

    def __iter__(self) -> Iterator[np.ndarray]:
        """Iterate over the dates, each ``(variable, ensemble, cell)``."""
        for i in range(len(self)):
            yield self[i]

    # -- accessors derived from the above --------------------------------------------------

    @cached_property
    def name_to_index(self) -> dict[str, int]:
        """Index of each variable on the ``variable`` axis, by name."""
        return {name: i for i, name in enumerate(self.variables)}

    @property
    def start_date(self) -> np.datetime64:
        """First date."""
        return self.dates[0]

    @property
    def end_date(self) -> np.datetime64:
        """Last date."""
        return self.dates[-1]

    def _stores(self) -> list[StoreDataset]:
        found: list[StoreDataset] = []
        for child in self._children():
            for store in child._stores():
                if all(store is not s for s in found):
                    found.append(store)
        return found

    @property
    def provenance(self) -> dict[str, dict[str, Any]]:
        """Where each store the view reads was built: its provenance record, by store path."""
        return {
            store.path: dict(store.attributes.get("provenance", {})) for store in self._stores()
        }

    def source(self, variable: int | str) -> dict[str, Any]:
        """Where a variable of the view comes from.

        Parameters
        ----------
        variable
            Index or name of the variable.

        Returns
        -------
        dict
            ``variable`` (its name in the view) and ``stores``: for each store that holds it
            (several after a concat or an ensemble), its ``path`` and the ``variable`` name
            and ``index`` there (which differ after ``rename`` or ``select``).
        """
        index = self._variable_index(variable)
        return {
            "variable": self.variables[index],
            "stores": [
                {"path": store.path, "variable": store.variables[i], "index": i}
                for store, i in self._sources(index)
            ],
        }

    def _variable_index(self, variable: int | str) -> int:
        if isinstance(variable, str):
            if variable not in self.name_to_index:
                from fc_config.suggest import did_you_mean

                raise OpenDatasetError(
                    f"variable {variable!r} is not in this dataset."
                    + did_you_mean(variable, self.variables)
                )
            return self.name_to_index[variable]
        n = len(self.variables)
        if not -n <= int(variable) < n:
            raise IndexError(f"variable index {variable} is out of range for {n} variables")
        return int(variable) % n

    def tree(self) -> dict[str, Any]:
        """The tree of views, as nested dicts: ``view``, ``options``, ``shape``, ``children``.

        The root is this view; a store is a leaf whose options give its ``path``. This is what
        ``fc-datasets inspect`` prints and what :meth:`metadata` records.
        """
        return {
            "view": self.view,
            "options": jsonable(self._options()),
            "shape": list(self.shape),
            "children": [child.tree() for child in self._children()],
        }

    @property
    def description(self) -> str:
        """The tree of views as indented text, one view per line, the root first."""
        lines: list[str] = []

        def walk(node: dict[str, Any], depth: int) -> None:
            options = ", ".join(f"{k}={v!r}" for k, v in node["options"].items())
            shape = "×".join(str(s) for s in node["shape"])
            lines.append(f"{'  ' * depth}{node['view']}({options}) [{shape}]")
            for child in node["children"]:
                walk(child, depth + 1)

        walk(self.tree(), 0)
        return "\n".join(lines)

    def metadata(self) -> dict[str, Any]:
        """A JSON-ready description of the view, for checkpoints and ``inspect``.

        It holds what a model needs to know about its data (variables and their metadata,
        frequency, dates, missing dates, grid, ensemble size, shape), the ``open_dataset``
        arguments, the :meth:`tree` of views and, under ``sources``, the path and full
        metadata document (uuid, recipe, provenance...) of every store read.
        """
        return jsonable(
            {
                "variables": self.variables,
                "variables_metadata": self.variables_metadata,
                "frequency": self.frequency,
                "start_date": self.start_date,
                "end_date": self.end_date,
                "number_of_dates": len(self),
                "missing_dates": [self.dates[i] for i in sorted(self.missing)],
                "ensemble_size": self.ensemble_size,
                "grid": self.grid,
                "shape": list(self.shape),
                "dtype": str(self.dtype),
                "arguments": self.arguments,
                "tree": self.tree(),
                "sources": [
                    {
                        "path": store.path,
                        "uuid": store.attributes.get("uuid"),
                        "metadata": store.attributes,
                    }
                    for store in self._stores()
                ],
            }
        )

    def __repr__(self) -> str:
        dims = "×".join(str(s) for s in self.shape)
        paths = [store.path for store in self._stores()]
        where = paths[0] if len(paths) == 1 else f"{len(paths)} stores"
        return f"{type(self).__name__}({self.view}, {dims}, {where})"


class ForwardingView(Dataset):
    """A view with one parent that passes everything through unless it overrides it.

    Subclasses change one thing each (the variables, the dates, the cells, the members, the
    statistics...) and say so by overriding the matching accessors and :meth:`_fetch`.
    """

    def __init__(self, forward: Dataset) -> None:
        if forward.windowed:
            raise OpenDatasetError(
                "skip_missing_dates with expected_access makes ds[i] a window of dates, so it "
                f"must be the last view; cannot apply {self.view!r} after it.",
                hint="Apply the other options first (in the same dict, or an inner one).",
            )
        self.forward = forward

    @property
    def variables(self) -> list[str]:
        return self.forward.variables

    @property
    def dates(self) -> np.ndarray:
        return self.forward.dates

    @property
    def frequency(self) -> dt.timedelta:
        return self.forward.frequency

    @property
    def latitudes(self) -> np.ndarray:
        return self.forward.latitudes

    @property
    def longitudes(self) -> np.ndarray:
        return self.forward.longitudes

    @property
    def number_of_cells(self) -> int:
        return self.forward.number_of_cells

    @property
    def ensemble_size(self) -> int:
        return self.forward.ensemble_size

    @property
    def statistics(self) -> dict[str, np.ndarray]:
        return self.forward.statistics

    def statistics_tendencies(self, delta: Any = None) -> dict[str, np.ndarray]:
        return self.forward.statistics_tendencies(self.frequency if delta is None else delta)

    @property
    def missing(self) -> frozenset[int]:
        return self.forward.missing

    @property
    def variables_metadata(self) -> dict[str, dict[str, Any]]:
        return self.forward.variables_metadata

    @property
    def grid(self) -> dict[str, Any]:
        return self.forward.grid

    def __len__(self) -> int:
        return len(self.forward)

    def _fetch(
        self,
        dates: np.ndarray,
        variables: AxisSelection,
        members: AxisSelection,
        cells: AxisSelection,
    ) -> np.ndarray:
        return self.forward._fetch(dates, variables, members, cells)

    def _children(self) -> list[Dataset]:
        return [self.forward]

    def _sources(self, variable: int) -> list[tuple[StoreDataset, int]]:
        return self.forward._sources(variable)


class CombiningView(Dataset):
    """Base of the views that put several datasets together along dates or members.

    Such a view has the grid (and, but for concat, the dates) of its datasets, checked when it is
    made, so it takes them from the first one, and also what describes the data — statistics,
    variables' metadata — as Anemoi does. Subclasses set ``self.datasets`` and ``self._missing``
    and override what they change.
    """

    datasets: list[Dataset]
    _missing: frozenset[int]

    @property
    def dates(self) -> np.ndarray:
        return self.datasets[0].dates

    def __len__(self) -> int:
        return len(self.datasets[0])

    @property
    def frequency(self) -> dt.timedelta:
        return self.datasets[0].frequency

    @property
    def latitudes(self) -> np.ndarray:
        return self.datasets[0].latitudes

    @property
    def longitudes(self) -> np.ndarray:
        return self.datasets[0].longitudes

    @property
    def number_of_cells(self) -> int:
        return self.datasets[0].number_of_cells

    @property
    def ensemble_size(self) -> int:
        return self.datasets[0].ensemble_size

    @property
    def statistics(self) -> dict[str, np.ndarray]:
        return self.datasets[0].statistics

    def statistics_tendencies(self, delta: Any = None) -> dict[str, np.ndarray]:
        return self.datasets[0].statistics_tendencies(self.frequency if delta is None else delta)

    @property
    def missing(self) -> frozenset[int]:
        return self._missing

    @property
    def variables_metadata(self) -> dict[str, dict[str, Any]]:
        return self.datasets[0].variables_metadata

    @property
    def grid(self) -> dict[str, Any]:
        return self.datasets[0].grid
