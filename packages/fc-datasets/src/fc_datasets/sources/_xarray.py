"""What the ``netcdf`` and ``xarray-zarr`` sources share: xarray datasets to :class:`FieldBlock`.

A source names one or more locations (files, globs, ``{date:strftime(...)}`` patterns, store
URLs). Each location is opened lazily with xarray (no dask: only the requested dates are
read), its layout recognised once (:mod:`._xarray_layout`), and each requested ``(date,
variable)`` is taken from the first location that holds both. Variables with a level dimension
give one field per level, named ``{param}_{level}`` as Anemoi names them (``t_850``), and
every grid is put in fc's point order, so that a NetCDF field and the same field from GRIB
agree point for point.
"""

from __future__ import annotations

import glob
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from fc_config.suggest import did_you_mean
from fc_datasets.exceptions import SourceError
from fc_datasets.fields import FieldBlock
from fc_datasets.sources._xarray_layout import Layout, LayoutError, analyse
from fc_datasets.sources.base import BuildContext, Source

__all__ = ["XarraySourceBase"]

LOG = logging.getLogger(__name__)

_DATE_PATTERN = re.compile(r"\{date:strftime\(([^)]*)\)\}")
_GLOB_CHARS = re.compile(r"[*?\[]")
#: At most this many files stay open at once per source; older ones are closed and reopened
#: when needed, so a pattern of one file per date never exhausts file handles.
_MAX_OPEN = 64


def _fmt(date: np.datetime64) -> str:
    return str(np.datetime_as_string(date, unit="m"))


@dataclass(frozen=True)
class _Field:
    """One output variable: a data variable of the files, at one level or none."""

    name: str
    var: str
    holder: str
    """The location the variable was found in first: its attributes give the metadata."""
    level_dim: str | None = None
    level_label: str | None = None


@dataclass
class _FileInfo:
    """What is known of one location: its layout and variables; the dataset while open."""

    location: str
    layout: Layout
    variables: dict[str, tuple[str, ...]]
    attrs: dict[str, dict[str, Any]]
    dtypes: dict[str, np.dtype[Any]]
    index: dict[int, int] = field(default_factory=dict)
    dataset: Any = None

    def has_date(self, var: str, date: np.datetime64) -> bool:
        layout = self.layout
        if layout.time is None or layout.time_dim not in self.variables[var]:
            if layout.time is not None and layout.time_dim is None:
                return int(date.astype(np.int64)) in self.index
            return True  # a file or a variable without dates: constant in time
        return int(date.astype(np.int64)) in self.index

    def coverage(self) -> str:
        dates = self.layout.dates
        if dates.size == 0:
            return "no dates"
        if dates.size == 1:
            return f"only {_fmt(dates[0])}"
        return f"{dates.size} dates from {_fmt(dates.min())} to {_fmt(dates.max())}"


class XarraySourceBase(Source):
    """Base of the sources that read with xarray; subclasses say where and how to open.

    Subclasses implement :meth:`_patterns` (the configured locations) and may override
    :meth:`_open` (the xarray call) and :attr:`engine`.
    """

    #: Name of the source in messages (``netcdf``, ``xarray-zarr``).
    kind: ClassVar[str] = "xarray"
    #: The xarray engine, or None to let xarray choose from the file.
    engine: ClassVar[str | None] = None

    def __init__(self, config: Any, context: BuildContext) -> None:
        super().__init__(config, context)
        self._files: dict[str, _FileInfo] = {}
        self._open_files: OrderedDict[str, None] = OrderedDict()
        self._fields: list[_Field] | None = None
        self._reference: _FileInfo | None = None
        self._lock = threading.RLock()

    # -- locations ---------------------------------------------------------------------------

    def _patterns(self) -> list[str]:
        raise NotImplementedError

    def _is_local(self, location: str) -> bool:
        return "://" not in location

    def _resolve(self, location: str) -> str:
        return str(self.context.resolve_path(location)) if self._is_local(location) else location

    def _candidates(self, date: np.datetime64) -> list[str]:
        """Locations that may hold ``date``, in the order they are searched."""
        found: list[str] = []
        when = date.astype("datetime64[s]").astype(object)
        for pattern in self._patterns():
            text = _DATE_PATTERN.sub(lambda m: when.strftime(m.group(1)), pattern)
            text = self._resolve(text)
            if self._is_local(text) and _GLOB_CHARS.search(text):
                matches = sorted(glob.glob(text))  # noqa: PTH207 (a pattern anywhere in the path)
                if not matches:
                    raise SourceError(
                        f"{self.describe()}: no file matches '{text}'.",
                        hint="Check the path (relative paths start at the recipe's folder).",
                    )
                found.extend(matches)
            else:
                found.append(text)
        return list(dict.fromkeys(found))

    # -- opening -----------------------------------------------------------------------------

    def _open(self, location: str) -> Any:
        import xarray as xr

        options: dict[str, Any] = dict(getattr(self.config, "options", {}) or {})
        if self.engine is not None:
            options.setdefault("engine", self.engine)
        options.setdefault("chunks", None)
        return xr.open_dataset(location, **options)

    def _info(self, location: str) -> _FileInfo:
        with self._lock:
            info = self._files.get(location)
            if info is not None and info.dataset is not None:
                self._open_files.move_to_end(location)
                return info
            if self._is_local(location) and not Path(location).exists():
                raise SourceError(
                    f"{self.describe()}: file '{location}' does not exist.",
                    hint="Check the path (relative paths start at the recipe's folder).",
                )
            try:
                dataset = self._open(location)
            except Exception as exc:  # xarray and its engines raise many kinds
                raise SourceError(
                    f"{self.describe()}: cannot open '{location}' with xarray: "
                    f"{type(exc).__name__}: {exc}",
                    hint="Check that it is a readable, complete NetCDF file or zarr store.",
                ) from exc
            if info is None:
                info = self._analyse(location, dataset)
                self._files[location] = info
            info.dataset = dataset
            self._open_files[location] = None
            while len(self._open_files) > _MAX_OPEN:
                oldest, _ = self._open_files.popitem(last=False)
                old = self._files[oldest]
                if old.dataset is not None:
                    old.dataset.close()
                    old.dataset = None
            return info

    def _analyse(self, location: str, dataset: Any) -> _FileInfo:
        try:
            layout = analyse(dataset)
        except LayoutError as exc:
            raise SourceError(f"{self.describe()}: cannot read '{location}': {exc}.") from None
        grid_dims = set(layout.grid.dims)
        variables: dict[str, tuple[str, ...]] = {}
        attrs: dict[str, dict[str, Any]] = {}
        dtypes: dict[str, np.dtype[Any]] = {}
        for name, var in dataset.data_vars.items():
            if grid_dims <= set(var.dims) and np.issubdtype(var.dtype, np.number):
                variables[str(name)] = tuple(str(d) for d in var.dims)
                attrs[str(name)] = dict(var.attrs)
                dtypes[str(name)] = var.dtype
        index = {int(d.astype(np.int64)): i for i, d in enumerate(layout.dates)}
        LOG.debug(
            "%s: %s has %d variables, %s",
            self.describe(),
            location,
            len(variables),
            layout.dates.size,
        )
        return _FileInfo(location, layout, variables, attrs, dtypes, index)

    # -- variables ---------------------------------------------------------------------------

    def _resolve_fields(self, dates: np.ndarray) -> list[_Field]:
        if self._fields is not None:
            return self._fields
        infos = [self._info(loc) for loc in self._candidates(dates[0])]
        self._reference = infos[0]
        params = getattr(self.config, "param", None)
        if params is None:
            names = list(dict.fromkeys(v for info in infos for v in info.variables))
            if not names:
                raise SourceError(
                    f"{self.describe()}: '{infos[0].location}' has no variable on its "
                    "latitude/longitude grid."
                )
        else:
            names = list(params)
        fields: list[_Field] = []
        for name in names:
            holder = next((info for info in infos if name in info.variables), None)
            if holder is None:
                available = sorted({v for info in infos for v in info.variables})
                where = infos[0].location if len(infos) == 1 else f"{len(infos)} files"
                raise SourceError(
                    f"{self.describe()}: variable '{name}' is not in {where} (it has: "
                    f"{', '.join(available)}).{did_you_mean(name, available)}",
                    hint="Use the variable's name in the file for 'param'.",
                )
            fields.extend(self._fields_of(holder, name))
        self._fields = fields
        return fields

    def _fields_of(self, info: _FileInfo, var: str) -> list[_Field]:
        dims = info.variables[var]
        level_dims = [d for d in dims if d in info.layout.levels]
        if not level_dims:
            return [_Field(var, var, info.location)]
        axis = info.layout.levels[level_dims[0]]
        wanted = getattr(self.config, "levels", None)
        labels = axis.labels
        if wanted is not None:
            from fc_datasets.sources._xarray_layout import level_label

            labels = [level_label(float(w)) for w in wanted]
            missing = [lab for lab in labels if lab not in axis.labels]
            if missing:
                raise SourceError(
                    f"{self.describe()}: variable '{var}' of '{info.location}' has no level "
                    f"{', '.join(missing)} (its levels: {', '.join(axis.labels)})."
                )
        return [_Field(f"{var}_{lab}", var, info.location, axis.dim, lab) for lab in labels]

    # -- loading -----------------------------------------------------------------------------

    def load(self, dates: np.ndarray) -> FieldBlock:
        """Read ``dates`` (``datetime64[s]``) of the selected variables."""
        dates = np.asarray(dates, dtype="datetime64[s]").reshape(-1)
        if dates.size == 0:
            raise SourceError(f"{self.describe()}: asked for no dates.")
        with self._lock:
            fields = self._resolve_fields(dates)
            reference = self._reference
            assert reference is not None  # set by _resolve_fields
            plan: dict[tuple[str, str], list[tuple[int, np.datetime64]]] = {}
            for i, date in enumerate(dates):
                candidates = self._candidates(date)
                for var in dict.fromkeys(f.var for f in fields):
                    location = self._holder(candidates, var, date)
                    plan.setdefault((location, var), []).append((i, date))
            ensemble = self._members(reference)
            dtype = (
                np.float64
                if any(self._files[f.holder].dtypes.get(f.var) == np.float64 for f in fields)
                else np.float32
            )
            data = np.empty(
                (dates.size, len(fields), len(ensemble), reference.layout.grid.size), dtype=dtype
            )
            for (location, var), wanted in plan.items():
                info = self._info(location)
                self._check_grid(reference, info)
                positions = [k for k, f in enumerate(fields) if f.var == var]
                values = self._read(info, var, [fields[k] for k in positions], wanted, ensemble)
                rows = [i for i, _ in wanted]
                data[np.ix_(rows, positions)] = values
        return FieldBlock(
            dates=dates,
            variables=[f.name for f in fields],
            data=data,
            latitudes=reference.layout.grid.latitudes,
            longitudes=reference.layout.grid.longitudes,
            metadata={f.name: self._metadata(self._files[f.holder], f) for f in fields},
            grid=dict(reference.layout.grid.description),
        )

    def _holder(self, candidates: list[str], var: str, date: np.datetime64) -> str:
        infos = [self._info(loc) for loc in candidates]
        for info in infos:
            if var in info.variables and info.has_date(var, date):
                return info.location
        lacking = [i.location for i in infos if var not in i.variables]
        others = [f"'{i.location}' has it for {i.coverage()}" for i in infos if var in i.variables]
        detail = "; ".join(
            others + ([f"{', '.join(repr(x) for x in lacking)} lack(s) it"] if lacking else [])
        )
        raise SourceError(
            f"{self.describe()}: no file has variable '{var}' on {_fmt(date)} ({detail}).",
            hint="Add the missing data, or list the date under 'missing' in the recipe's dates.",
        )

    def _members(self, reference: _FileInfo) -> list[int]:
        layout = reference.layout
        wanted = getattr(self.config, "number", None)
        if layout.ensemble_dim is None:
            if wanted not in (None, [0], [1]):
                raise SourceError(
                    f"{self.describe()}: 'number' selects members {wanted}, but "
                    f"'{reference.location}' has no ensemble dimension."
                )
            return [0]
        if wanted is None:
            return list(range(len(layout.members)))
        missing = [n for n in wanted if n not in layout.members]
        if missing:
            raise SourceError(
                f"{self.describe()}: '{reference.location}' has no member(s) {missing} on "
                f"'{layout.ensemble_dim}' (its members: {layout.members})."
            )
        return [layout.members.index(n) for n in wanted]

    def _check_grid(self, reference: _FileInfo, info: _FileInfo) -> None:
        if info is reference:
            return
        a, b = reference.layout.grid, info.layout.grid
        same = (
            a.size == b.size
            and np.allclose(a.latitudes, b.latitudes, atol=1e-6)
            and np.allclose(a.longitudes, b.longitudes, atol=1e-6)
        )
        if not same:
            raise SourceError(
                f"{self.describe()}: '{info.location}' is on another grid ({b.size:,} points) "
                f"than '{reference.location}' ({a.size:,} points); every file of a source "
                "must share one grid.",
                hint="Split them into separate sources, or regrid one with the 'regrid' filter.",
            )

    def _read(
        self,
        info: _FileInfo,
        var: str,
        fields: list[_Field],
        wanted: list[tuple[int, np.datetime64]],
        ensemble: list[int],
    ) -> np.ndarray:
        """Values ``[date, field, member, cell]`` of ``var`` at the fields' levels."""
        layout = info.layout
        array = info.dataset[var]
        dims = info.variables[var]
        selection: dict[str, Any] = {}
        order: list[str] = []
        if layout.time_dim is not None and layout.time_dim in dims:
            indices = [info.index[int(d.astype(np.int64))] for _, d in wanted]
            selection[layout.time_dim] = indices
            order.append(layout.time_dim)
        level_dim = fields[0].level_dim
        if level_dim is not None:
            labels = layout.levels[level_dim].labels
            try:
                selection[level_dim] = [labels.index(str(f.level_label)) for f in fields]
            except ValueError:
                have = ", ".join(labels)
                raise SourceError(
                    f"{self.describe()}: '{info.location}' lacks a level of '{var}' "
                    f"({', '.join(str(f.level_label) for f in fields)} wanted; it has {have})."
                ) from None
            order.append(level_dim)
        if layout.ensemble_dim is not None and layout.ensemble_dim in dims:
            selection[layout.ensemble_dim] = ensemble
            order.append(layout.ensemble_dim)
        for dim in dims:
            if dim in selection or dim in layout.grid.dims:
                continue
            if info.dataset.sizes[dim] != 1:
                raise SourceError(
                    f"{self.describe()}: variable '{var}' of '{info.location}' has a dimension "
                    f"'{dim}' (size {info.dataset.sizes[dim]}) that is not time, level, "
                    "ensemble member or grid.",
                    hint="Select one value of it before building (e.g. with xarray), or ask for "
                    "support of this layout.",
                )
            selection[dim] = 0
        try:
            values = np.asarray(array.isel(selection).transpose(*order, *layout.grid.dims).values)
        except Exception as exc:
            raise SourceError(
                f"{self.describe()}: cannot read variable '{var}' from '{info.location}' "
                f"({type(exc).__name__}: {exc}).",
                hint="The file may be truncated or corrupt.",
            ) from exc
        shape = values.shape[: len(order)]
        values = values.reshape(*shape, layout.grid.size)
        if layout.grid.order is not None:
            values = values[..., layout.grid.order]
        # to [date, field, member, cell], broadcasting what the variable does not have
        if layout.time_dim is None or layout.time_dim not in dims:
            values = values[np.newaxis]
        if level_dim is None:
            values = values[:, np.newaxis]
        if layout.ensemble_dim is None or layout.ensemble_dim not in dims:
            values = values[:, :, np.newaxis]
        return np.broadcast_to(values, (len(wanted), len(fields), len(ensemble), layout.grid.size))

    def _metadata(self, info: _FileInfo, f: _Field) -> dict[str, Any]:
        attrs = info.attrs.get(f.var, {})
        layout = info.layout
        dims = info.variables.get(f.var, ())
        constant = layout.time is None or (
            layout.time_dim is not None and layout.time_dim not in dims
        )
        meta: dict[str, Any] = {
            "name": f.name,
            "units": str(attrs.get("units", "unknown")),
            "level_type": "sfc",
            "level": None,
            "grib": {},
            "process": "constant" if constant else "instantaneous",
        }
        long_name = attrs.get("long_name") or attrs.get("standard_name")
        if long_name:
            meta["long_name"] = str(long_name)
        if f.level_dim is not None:
            axis = layout.levels[f.level_dim]
            meta["level_type"] = axis.level_type
            value = axis.values[axis.labels.index(str(f.level_label))]
            meta["level"] = int(value) if float(value).is_integer() else value
        elif constant:
            meta["level_type"] = "constant"
        return meta

    def describe(self) -> str:
        """The node's position in the recipe and the source's name."""
        return f"{self.kind} source at {self.context.path}"
