"""The ``input`` tree of a recipe, built into nodes that load :class:`FieldBlock` objects.

A recipe's ``input`` is a tree of one-key mappings, as in Anemoi::

    input:
      join:
        - grib: {path: an.grib, param: [2t, msl]}
        - pipe:
            - netcdf: {path: era5.nc, param: [t2m]}
            - rename: {t2m: 2t_era5}
        - forcings: {template: ${input.join.0.grib}, param: [cos_latitude]}

- a **source** (``grib``, ``netcdf``, ...) loads fields for the dates it is asked for;
- **join** asks each child for the same dates and puts their variables side by side (the
  grids must be the same; a child with one ensemble member is repeated for every member);
- **concat** gives each date to the one child whose ``dates: {start, end}`` holds it;
- **pipe** loads its first step (a source or operation) and applies the filters after it.

:func:`build_input` builds the whole tree once (every parameter validated, every plugin
found, concat ranges checked), registering each node under its Anemoi path
(``input.join.0.grib``) in :attr:`BuildContext.references`, so that ``template:`` references
resolve; nothing is read until :meth:`InputNode.load` is called.

The tree may be plain dicts (YAML) or the output of :func:`fc_config.recipes.validate_recipe`
(built-in plugins' parameters as model instances, concat dates as ``ConcatDates``); both are
built the same way.
"""

from __future__ import annotations

import itertools
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from fc_config.exceptions import FcError
from fc_config.suggest import did_you_mean
from fc_datasets.exceptions import DatasetError, SourceError
from fc_datasets.fields import FieldBlock
from fc_datasets.sources.base import FILTERS, SOURCES, BuildContext, Filter, Source

__all__ = ["ConcatNode", "InputNode", "JoinNode", "PipeNode", "SourceNode", "build_input"]

LOG = logging.getLogger(__name__)

OPERATIONS = ("join", "concat", "pipe")
#: Anemoi's names of filters that fc names otherwise (``-`` and ``_`` are interchangeable in
#: every name); Anemoi's ``impute_nans`` is ``remove_nans`` with a ``value``.
_ALIASES = {
    "convert": "convert_units",
    "drop_nans": "remove_nans",
    "impute_nans": "remove_nans",
    "mask": "apply_mask",
    "replace_nans": "remove_nans",
}

Coordinates = tuple[np.ndarray, np.ndarray, "dict[str, Any] | None"]


def _fmt(date: Any) -> str:
    return str(np.datetime_as_string(np.asarray(date, dtype="datetime64[s]"), unit="m"))


# --- nodes ------------------------------------------------------------------------------------


class InputNode(ABC):
    """A built node of the input tree.

    Attributes
    ----------
    path
        Where the node is, as messages write it: ``input.join[1].netcdf``.
    reference
        Where the node is, as ``${...}`` templates write it: ``input.join.1.netcdf``.
    """

    def __init__(self, path: str, reference: str) -> None:
        self.path = path
        self.reference = reference
        self._coordinates: Coordinates | None = None

    def load(self, dates: Any) -> FieldBlock:
        """Fields on ``dates`` (``datetime64[s]``, in that order).

        Raises
        ------
        SourceError, DatasetError
            Naming the node, and the file, variable and date where they are known.
        """
        wanted = np.asarray(dates, dtype="datetime64[s]").reshape(-1)
        if wanted.size == 0:
            raise DatasetError(f"{self.path}: asked to load no dates.")
        block = self._load(wanted)
        if block.dates.shape != wanted.shape or not np.array_equal(block.dates, wanted):
            raise SourceError(
                f"{self.path}: returned fields for the dates {[_fmt(d) for d in block.dates[:3]]}"
                f"{'...' if block.dates.size > 3 else ''} instead of "
                f"{[_fmt(d) for d in wanted[:3]]}{'...' if wanted.size > 3 else ''}."
            )
        self._coordinates = (block.latitudes, block.longitudes, block.grid)
        return block

    def coordinates(self, dates: Any) -> Coordinates:
        """Latitudes, longitudes and grid description of the node's fields.

        Taken from the last load when there was one, otherwise from loading the first of
        ``dates`` (what ``forcings``/``constants`` need of their template).
        """
        if self._coordinates is None:
            self.load(np.asarray(dates, dtype="datetime64[s]").reshape(-1)[:1])
        assert self._coordinates is not None  # set by load
        return self._coordinates

    @abstractmethod
    def _load(self, dates: np.ndarray) -> FieldBlock: ...

    def tree(self) -> dict[str, Any]:
        """A nested description of the node, for logs and ``inspect``."""
        return {"path": self.path}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"


class SourceNode(InputNode):
    """A source plugin."""

    def __init__(self, path: str, reference: str, name: str, source: Source) -> None:
        super().__init__(path, reference)
        self.name = name
        self.source = source

    def _load(self, dates: np.ndarray) -> FieldBlock:
        try:
            return self.source.load(dates)
        except FcError:
            raise
        except Exception as exc:  # a plugin's own bug or a library's error: say where
            raise SourceError(
                f"{self.path}: the {self.name} source failed: {type(exc).__name__}: {exc}"
            ) from exc

    def tree(self) -> dict[str, Any]:
        """``{"path": ..., "source": name}``."""
        return {"path": self.path, "source": self.name}


def _check_grids(blocks: Sequence[FieldBlock], nodes: Sequence[InputNode]) -> None:
    first = blocks[0]
    for block, node in zip(blocks[1:], nodes[1:], strict=True):
        if first.same_grid(block):
            continue
        a, b = first.number_of_points, block.number_of_points
        if a != b:
            detail = f"{nodes[0].path} has {a:,} points, {node.path} has {b:,}"
        else:
            diff = np.abs(first.latitudes - block.latitudes) + np.abs(
                (first.longitudes - block.longitudes + 180.0) % 360.0 - 180.0
            )
            worst = int(np.argmax(diff))
            detail = (
                f"{nodes[0].path} and {node.path} both have {a:,} points but not at the same "
                f"places (point {worst}: {first.latitudes[worst]:.4f}°N "
                f"{first.longitudes[worst]:.4f}°E against {block.latitudes[worst]:.4f}°N "
                f"{block.longitudes[worst]:.4f}°E)"
            )
        raise DatasetError(
            f"grids differ between sources: {detail}.",
            hint="Put the sources on one grid, e.g. with a 'regrid' filter in a pipe after one "
            "of them.",
        )


def _ensemble(blocks: Sequence[FieldBlock], nodes: Sequence[InputNode], what: str) -> int:
    sizes = {b.ensemble_size for b in blocks} - {1}
    if len(sizes) > 1:
        listed = ", ".join(
            f"{n.path} has {b.ensemble_size}" for b, n in zip(blocks, nodes, strict=True)
        )
        raise DatasetError(
            f"{what}: the sources have different numbers of ensemble members ({listed}).",
            hint="Select the same members in each (a source with one member is repeated).",
        )
    return sizes.pop() if sizes else 1


class JoinNode(InputNode):
    """Variables of several nodes on the same dates and grid, side by side."""

    def __init__(self, path: str, reference: str, children: list[InputNode]) -> None:
        super().__init__(path, reference)
        self.children = children

    def _load(self, dates: np.ndarray) -> FieldBlock:
        blocks = [child.load(dates) for child in self.children]
        _check_grids(blocks, self.children)
        seen: dict[str, InputNode] = {}
        for block, child in zip(blocks, self.children, strict=True):
            for var in block.variables:
                if var in seen:
                    raise DatasetError(
                        f"{self.path}: variable '{var}' comes from both {seen[var].path} and "
                        f"{child.path}.",
                        hint="Drop it from one of them, or rename one with a 'rename' filter.",
                    )
                seen[var] = child
        members = _ensemble(blocks, self.children, self.path)
        dtype = np.result_type(*[b.data.dtype for b in blocks])
        parts = [
            np.broadcast_to(b.data, (*b.data.shape[:2], members, b.data.shape[3])).astype(
                dtype, copy=False
            )
            for b in blocks
        ]
        metadata: dict[str, dict[str, Any]] = {}
        for block in blocks:
            metadata.update(block.metadata)
        grid = next((b.grid for b in blocks if b.grid is not None), None)
        return replace(
            blocks[0],
            variables=[v for b in blocks for v in b.variables],
            data=np.concatenate(parts, axis=1),
            metadata=metadata,
            grid=grid,
        )

    def tree(self) -> dict[str, Any]:
        """``{"path": ..., "join": [children]}``."""
        return {"path": self.path, "join": [c.tree() for c in self.children]}


class ConcatNode(InputNode):
    """Each date from the one child whose range holds it."""

    def __init__(
        self,
        path: str,
        reference: str,
        items: list[tuple[np.datetime64, np.datetime64, InputNode]],
    ) -> None:
        super().__init__(path, reference)
        self.items = items

    def _route(self, date: np.datetime64) -> int:
        for k, (start, end, _) in enumerate(self.items):
            if start <= date <= end:
                return k
        ranges = "; ".join(f"{n.path}: {_fmt(s)} to {_fmt(e)}" for s, e, n in self.items)
        raise DatasetError(
            f"{self.path}: no item provides the date {_fmt(date)} (the items cover {ranges}).",
            hint="Add an item whose dates hold it, or list it under the recipe's missing dates.",
        )

    def _load(self, dates: np.ndarray) -> FieldBlock:
        owner = np.array([self._route(d) for d in dates])
        used = [k for k in range(len(self.items)) if (owner == k).any()]
        blocks = [self.items[k][2].load(dates[owner == k]) for k in used]
        nodes = [self.items[k][2] for k in used]
        first = blocks[0]
        for block, node in zip(blocks[1:], nodes[1:], strict=True):
            if set(block.variables) != set(first.variables):
                missing = sorted(set(first.variables) - set(block.variables))
                extra = sorted(set(block.variables) - set(first.variables))
                raise DatasetError(
                    f"{self.path}: the items give different variables: {node.path} lacks "
                    f"{', '.join(missing) or 'nothing'} and adds {', '.join(extra) or 'nothing'} "
                    f"compared with {nodes[0].path}.",
                    hint="Every item of a concat must give the same variables.",
                )
        _check_grids(blocks, nodes)
        members = _ensemble(blocks, nodes, self.path)
        if len({b.ensemble_size for b in blocks}) > 1:
            raise DatasetError(f"{self.path}: the items have different numbers of members.")
        dtype = np.result_type(*[b.data.dtype for b in blocks])
        data = np.empty(
            (dates.size, len(first.variables), members, first.number_of_points), dtype=dtype
        )
        for k, block in zip(used, blocks, strict=True):
            data[owner == k] = block.select(first.variables).data
        return replace(first, dates=dates, data=data)

    def tree(self) -> dict[str, Any]:
        """``{"path": ..., "concat": [{"start", "end", "node"}]}``."""
        return {
            "path": self.path,
            "concat": [
                {"start": _fmt(s), "end": _fmt(e), "node": n.tree()} for s, e, n in self.items
            ],
        }


class PipeNode(InputNode):
    """A node followed by filters applied in order."""

    def __init__(
        self, path: str, reference: str, first: InputNode, filters: list[tuple[str, Filter]]
    ) -> None:
        super().__init__(path, reference)
        self.first = first
        self.filters = filters

    def _load(self, dates: np.ndarray) -> FieldBlock:
        block = self.first.load(dates)
        for where, step in self.filters:
            try:
                result = step.apply(block)
            except FcError:
                raise
            except Exception as exc:
                raise DatasetError(
                    f"{where}: the filter failed: {type(exc).__name__}: {exc}"
                ) from exc
            if not isinstance(result, FieldBlock) or not np.array_equal(result.dates, block.dates):
                raise DatasetError(
                    f"{where}: the filter must return a FieldBlock on the same dates."
                )
            block = result
        return block

    def tree(self) -> dict[str, Any]:
        """``{"path": ..., "pipe": [first, filter paths...]}``."""
        return {
            "path": self.path,
            "pipe": [self.first.tree(), *({"path": p} for p, _ in self.filters)],
        }


# --- building ---------------------------------------------------------------------------------


def _variants(name: str) -> list[str]:
    base = _ALIASES.get(name.replace("-", "_"), name)
    return list(dict.fromkeys([name, base, base.replace("_", "-"), base.replace("-", "_")]))


def _lookup(name: str, registry: Any) -> str | None:
    return next((v for v in _variants(name) if v in registry), None)


def _unknown(name: str, path: str, expected: str) -> DatasetError:
    names = [*OPERATIONS, *SOURCES.names(), *FILTERS.names(), *_ALIASES]
    return DatasetError(
        f"{path}: unknown {expected} '{name}'.{did_you_mean(name, names)} Sources: "
        f"{', '.join(SOURCES.names())}; filters: {', '.join(FILTERS.names())}; operations: "
        f"{', '.join(OPERATIONS)}.",
        hint="Check the spelling, or install the package that provides it.",
    )


def _entry(node: Any, path: str, *, item: bool = False) -> tuple[str, Any]:
    if hasattr(node, "model_dump") and not isinstance(node, Mapping):
        node = node.model_dump(by_alias=True, exclude_none=True)
    if not isinstance(node, Mapping):
        raise DatasetError(
            f"{path}: expected a node, a mapping with one key such as {{grib: {{...}}}}, got {node!r}."
        )
    keys = [k for k in node if not (item and k == "dates")]
    if len(keys) != 1:
        raise DatasetError(
            f"{path}: a node has exactly one key (a source, a filter, or join, concat, pipe); "
            f"found {', '.join(repr(k) for k in keys) or 'none'}."
        )
    return str(keys[0]), node[keys[0]]


def _params(plugin: Any, value: Any, path: str) -> Any:
    model = getattr(plugin, "config_model", None)
    if value is None:
        value = {}
    if model is None:
        return value
    if isinstance(value, model):
        return value
    if hasattr(value, "model_dump") and not isinstance(value, Mapping):
        value = value.model_dump(by_alias=True, exclude_none=True)
    from fc_config.errors import validate

    return validate(model, value, source=path)


class _Builder:
    def __init__(self, context: BuildContext, recipe_dates: np.ndarray | None) -> None:
        self.root = context
        self.recipe_dates = recipe_dates

    def _register(self, reference: str, node: Any, *aliases: str) -> None:
        for key in (reference, *aliases):
            self.root.references[key] = node

    def node(
        self, tree: Any, path: str, reference: str, window: np.ndarray | None, *, item: bool = False
    ) -> InputNode:
        key, value = _entry(tree, path, item=item)
        here, ref = f"{path}.{key}", f"{reference}.{key}"
        if key in OPERATIONS:
            built: InputNode = getattr(self, key)(value, here, ref, window)
            self._register(ref, built)
            return built
        name = _lookup(key, SOURCES)
        if name is None:
            if _lookup(key, FILTERS) is not None:
                raise DatasetError(
                    f"{here}: '{key}' is a filter; a filter follows a source in a pipe, e.g. "
                    f"pipe: [{{grib: {{...}}}}, {{{key}: {{...}}}}]."
                )
            raise _unknown(key, here, "source or operation")
        here, canonical = f"{path}.{key}", f"{reference}.{name}"
        context = BuildContext(
            self.root.base_dir, self.root.frequency_seconds, here, self.root.references
        )
        plugin = SOURCES.get(name)
        source = plugin(_params(plugin, value, here), context)
        built = SourceNode(here, canonical, name, source)
        self._register(canonical, built, ref)
        return built

    def _list(self, value: Any, path: str, example: str) -> list[Any]:
        if not isinstance(value, list | tuple) or not value:
            raise DatasetError(f"{path}: expected a non-empty list of nodes, e.g. {example}.")
        return list(value)

    def join(self, value: Any, path: str, ref: str, window: np.ndarray | None) -> InputNode:
        items = self._list(value, path, "join: [{grib: {...}}, {netcdf: {...}}]")
        children = [self.node(n, f"{path}[{i}]", f"{ref}.{i}", window) for i, n in enumerate(items)]
        return JoinNode(path, ref, children)

    def pipe(self, value: Any, path: str, ref: str, window: np.ndarray | None) -> InputNode:
        items = self._list(value, path, "pipe: [{grib: {...}}, {rename: {...}}]")
        first = self.node(items[0], f"{path}[0]", f"{ref}.0", window)
        filters: list[tuple[str, Filter]] = []
        for i, step in enumerate(items[1:], start=1):
            key, params = _entry(step, f"{path}[{i}]")
            here = f"{path}[{i}].{key}"
            name = _lookup(key, FILTERS)
            if name is None:
                if key in OPERATIONS or _lookup(key, SOURCES) is not None:
                    raise DatasetError(
                        f"{here}: '{key}' is not a filter; in a pipe only the first step is a "
                        "source (or join, concat, pipe) and the steps after it are filters."
                    )
                raise _unknown(key, here, "filter")
            context = BuildContext(
                self.root.base_dir, self.root.frequency_seconds, here, self.root.references
            )
            plugin = FILTERS.get(name)
            filters.append((here, plugin(_params(plugin, params, here), context)))
        return PipeNode(path, ref, first, filters)

    def concat(self, value: Any, path: str, ref: str, window: np.ndarray | None) -> InputNode:
        items = self._list(value, path, "concat: [{dates: {start: 2020, end: 2021}, grib: {...}}]")
        built: list[tuple[np.datetime64, np.datetime64, InputNode]] = []
        for i, item in enumerate(items):
            here = f"{path}[{i}]"
            start, end = _item_dates(item, here)
            inner = None if window is None else window[(window >= start) & (window <= end)]
            built.append((start, end, self.node(item, here, f"{ref}.{i}", inner, item=True)))
        order = sorted(built, key=lambda b: b[0])
        for (s1, e1, n1), (s2, e2, n2) in itertools.pairwise(order):
            if s2 <= e1:
                raise DatasetError(
                    f"{path}: the dates of {n1.path} ({_fmt(s1)} to {_fmt(e1)}) and {n2.path} "
                    f"({_fmt(s2)} to {_fmt(e2)}) overlap.",
                    hint="Every date must come from exactly one item of a concat.",
                )
        if window is not None:
            covered = np.zeros(window.size, dtype=bool)
            for start, end, _ in built:
                covered |= (window >= start) & (window <= end)
            if not covered.all():
                first = window[~covered][0]
                raise DatasetError(
                    f"{path}: no item provides {int((~covered).sum())} of the recipe's dates, "
                    f"the first being {_fmt(first)}.",
                    hint="Add an item for them, or list them under the recipe's missing dates.",
                )
        return ConcatNode(path, ref, built)


def _item_dates(item: Any, path: str) -> tuple[np.datetime64, np.datetime64]:
    dates = item.get("dates") if isinstance(item, Mapping) else getattr(item, "dates", None)
    if dates is None:
        raise DatasetError(
            f"{path}: a concat item needs 'dates: {{start, end}}' (the dates it provides) next "
            "to its node."
        )
    from fc_utils.dates import parse_date

    start = dates.get("start") if isinstance(dates, Mapping) else getattr(dates, "start", None)
    end = dates.get("end") if isinstance(dates, Mapping) else getattr(dates, "end", None)
    if start is None or end is None:
        raise DatasetError(f"{path}.dates: give both 'start' and 'end'.")
    try:
        first = np.datetime64(parse_date(start), "s")
        last = np.datetime64(parse_date(end, end=True), "s")
    except FcError as exc:
        raise DatasetError(f"{path}.dates: {exc}") from None
    if last < first:
        raise DatasetError(f"{path}.dates: end {_fmt(last)} is before start {_fmt(first)}.")
    return first, last


def _recipe_dates(value: Any) -> np.ndarray | None:
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return value.astype("datetime64[s]").reshape(-1)
    from fc_utils.dates import DateRange

    if isinstance(value, DateRange):
        return value.valid_dates
    if all(hasattr(value, k) for k in ("start", "end", "frequency")):
        return DateRange(
            value.start, value.end, value.frequency, getattr(value, "missing", ())
        ).valid_dates
    if isinstance(value, Mapping):
        return DateRange.from_dict(value).valid_dates
    return np.asarray(value, dtype="datetime64[s]").reshape(-1)


def build_input(
    tree: Mapping[str, Any], context: BuildContext, *, recipe_dates: Any = None
) -> InputNode:
    """Build a recipe's ``input`` tree; nothing is read until ``load``.

    Parameters
    ----------
    tree
        The ``input`` mapping: plain dicts as read from YAML, or the validated tree of
        :class:`fc_config.recipes.DatasetRecipe` (parameters as model instances).
    context
        The build context of the root (``path`` is normally ``input``); children get contexts
        at their own paths that share its :attr:`~BuildContext.references`.
    recipe_dates
        The dataset's dates (a :class:`fc_utils.dates.DateRange`, the recipe's ``dates``
        section, or an array); when given, every ``concat`` is checked to provide each of
        them now rather than when the date is loaded.

    Returns
    -------
    InputNode
        The root; ``root.load(dates)`` gives a :class:`FieldBlock`.

    Raises
    ------
    DatasetError
        For an unknown source or filter (with the closest name among both), a filter where a
        source belongs or the reverse, overlapping or incomplete concat ranges.
    fc_config.exceptions.ConfigError
        For parameters that do not validate, naming their dotted path.
    SourceError
        When a source refuses its parameters (e.g. a time-dependent name in ``constants``).
    """
    if not isinstance(tree, Mapping) and not hasattr(tree, "model_dump"):
        raise DatasetError(
            f"{context.path}: expected a mapping such as {{join: [...]}}, got {tree!r}."
        )
    builder = _Builder(context, _recipe_dates(recipe_dates))
    root = builder.node(tree, context.path, "input", builder.recipe_dates)
    LOG.debug("built the input tree: %s", root.tree())
    return root
