"""The ``input`` tree of a dataset recipe: its structure, its plugin names, and walking it.

A node is a mapping with exactly one key, as in Anemoi:

- ``join: [node, ...]`` — sources with different variables on the same dates;
- ``concat: [{dates: {start, end}, <node key>: ...}, ...]`` — different date ranges, each from
  its own node;
- ``pipe: [node, filter, filter, ...]`` — a source (or join, concat, pipe) then filters;
- ``<plugin>: {params}`` — a source (``grib``, ``netcdf``, ...) or, after the first step of a
  pipe, a filter (``rename``, ``regrid``, ...).

Validation (:func:`validate_input`) checks the structure, resolves plugin names (Anemoi's
spellings such as ``xarray_zarr`` or ``convert`` map onto fc's), validates the parameters of
the built-in plugins with their models, checks ``${input.join.0.grib}`` references, and checks
that the items of a ``concat`` neither overlap nor leave dataset dates without data.

The validated tree keeps the recipe's shape, so fc-datasets walks it like the YAML
(:func:`iter_nodes` does it for it): every node is a one-key ``dict`` whose key is the
canonical plugin name; a built-in plugin's parameters are an instance of its model (see
:data:`BUILTIN_SOURCES` / :data:`BUILTIN_FILTERS`), any other plugin's a plain ``dict``; a
concat item's ``dates`` is a :class:`~fc_config.recipes.dates.ConcatDates` snapped to the
dataset's dates; references read ``${<reference of the node>}`` with canonical names.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import metadata
from typing import Any, ForwardRef, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, create_model

from fc_config.errors import _first_sentence, _is_model, _strip, _walk
from fc_config.recipes.dates import (
    ConcatDates,
    RecipeDates,
    first_on_grid,
    frequency_seconds,
    frequency_string,
    last_on_grid,
    model_keys,
    problem,
    raise_problems,
    rewrap,
)
from fc_config.suggest import closest_match

__all__ = [
    "ALIASES",
    "BUILTIN_FILTERS",
    "BUILTIN_SOURCES",
    "FILTER_ENTRY_POINTS",
    "OPERATIONS",
    "SOURCE_ENTRY_POINTS",
    "InputNode",
    "InputTreeJsonSchema",
    "iter_nodes",
    "load_params_model",
    "node_entry",
    "plugin_names",
    "validate_input",
]

#: The operations that combine nodes.
OPERATIONS = ("join", "concat", "pipe")

#: Built-in sources: name -> "module:Class" of the model of their parameters.
BUILTIN_SOURCES: dict[str, str] = {
    "constants": "fc_config.recipes.sources:ConstantsSourceConfig",
    "forcings": "fc_config.recipes.sources:ForcingsSourceConfig",
    "grib": "fc_config.recipes.grib:GribSourceConfig",
    "netcdf": "fc_config.recipes.sources:NetcdfSourceConfig",
    "synthetic": "fc_config.recipes.synthetic:SyntheticSourceConfig",
    "xarray-zarr": "fc_config.recipes.sources:XarrayZarrSourceConfig",
}

#: Built-in filters: name -> "module:Class" of the model of their parameters.
BUILTIN_FILTERS: dict[str, str] = {
    "apply_mask": "fc_config.recipes.filters:ApplyMaskFilterConfig",
    "convert_units": "fc_config.recipes.filters:ConvertUnitsFilterConfig",
    "ddff_to_uv": "fc_config.recipes.filters:DDFFToUVFilterConfig",
    "orog_to_z": "fc_config.recipes.filters:OrogToZFilterConfig",
    "regrid": "fc_config.recipes.filters:RegridFilterConfig",
    "remove_nans": "fc_config.recipes.filters:RemoveNansFilterConfig",
    "rename": "fc_config.recipes.filters:RenameFilterConfig",
    "rescale": "fc_config.recipes.filters:RescaleFilterConfig",
    "uv_to_ddff": "fc_config.recipes.filters:UVToDDFFFilterConfig",
    "z_to_orog": "fc_config.recipes.filters:ZToOrogFilterConfig",
}

#: Anemoi's names for plugins that fc names differently (``-`` and ``_`` are interchangeable
#: in every name, as in Anemoi, so ``xarray_zarr`` needs no alias).
ALIASES: dict[str, str] = {
    "convert": "convert_units",
    "drop_nans": "remove_nans",
    "mask": "apply_mask",
}

#: Entry-point groups through which other packages add sources and filters.
SOURCE_ENTRY_POINTS = "fc.datasets.sources"
FILTER_ENTRY_POINTS = "fc.datasets.filters"

Kind = Literal["source", "filter"]
Loc = tuple[str | int, ...]

_REFERENCE = re.compile(r"\$\{\s*([^{}]+?)\s*\}")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")


def load_params_model(name: str) -> type[BaseModel] | None:
    """The model of a built-in plugin's parameters, or None where there is none (yet).

    The models live in modules of their own and are imported on first use; a module or class
    that does not exist yields None, so that the plugin's parameters are kept as a plain
    mapping (and validated by fc-datasets). Any other import error propagates.
    """
    target = BUILTIN_SOURCES.get(name) or BUILTIN_FILTERS.get(name)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    model = getattr(module, class_name, None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def plugin_names(kind: Kind, extra: Iterable[str] = ()) -> list[str]:
    """Every name a recipe may use for a ``kind`` plugin: built-in, installed, and ``extra``.

    Installed plugins are those that distributions declare in the entry-point groups
    :data:`SOURCE_ENTRY_POINTS` / :data:`FILTER_ENTRY_POINTS`; only their names are read,
    nothing is imported.
    """
    builtin = BUILTIN_SOURCES if kind == "source" else BUILTIN_FILTERS
    group = SOURCE_ENTRY_POINTS if kind == "source" else FILTER_ENTRY_POINTS
    names = dict.fromkeys(builtin)
    names.update(dict.fromkeys(_installed_names(group)))
    names.update(dict.fromkeys(extra))
    return list(names)


@functools.cache
def _installed_names(group: str) -> tuple[str, ...]:
    # reading the entry points scans every installed distribution (~0.1 s); plugins do not
    # come and go while a process runs (call _installed_names.cache_clear() if they do)
    return tuple(ep.name for ep in metadata.entry_points(group=group))


def _norm(name: str) -> str:
    return str(name).strip().lower().replace("-", "_")


class _Names:
    """Resolves the name a recipe writes to (canonical name, kind)."""

    def __init__(self, sources: Iterable[str], filters: Iterable[str]) -> None:
        self.sources = list(sources)
        self.filters = list(filters)
        self._by_norm: dict[str, tuple[str, Kind]] = {}
        for name in self.sources:
            self._by_norm.setdefault(_norm(name), (name, "source"))
        for name in self.filters:
            self._by_norm.setdefault(_norm(name), (name, "filter"))
        for alias, target in ALIASES.items():
            if _norm(target) in self._by_norm:
                self._by_norm.setdefault(_norm(alias), self._by_norm[_norm(target)])

    def resolve(self, name: Any) -> tuple[str, Kind] | None:
        return self._by_norm.get(_norm(name))


def _display(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


@dataclass(frozen=True)
class _Grid:
    """The dataset's dates, for the checks of concat items."""

    start: datetime
    end: datetime
    step: int
    missing: frozenset[datetime]

    @property
    def delta(self) -> timedelta:
        return timedelta(seconds=self.step)

    def count(self, first: datetime, last: datetime) -> int:
        """Dates of the grid from ``first`` to ``last`` (both on it) that are not missing."""
        if last < first:
            return 0
        total = int((last - first).total_seconds()) // self.step + 1
        return total - sum(first <= d <= last for d in self.missing)


@dataclass
class _Span:
    first: datetime
    last: datetime
    index: int


@dataclass
class _Validator:
    names: _Names
    grid: _Grid | None
    problems: list[Any] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    unknown_at: set[str] = field(default_factory=set)  # positions of nodes with an unknown name

    def error(self, loc: Loc, message: str, **kwargs: Any) -> None:
        self.problems.append(problem(loc, message, **kwargs))

    # -- references ------------------------------------------------------------------------

    def collect(self, node: Any, ref: str, *, item: bool = False) -> None:
        """Record the reference of every node, leniently, before validating anything."""
        if not isinstance(node, dict):
            return
        keys = [k for k in node if not (item and k == "dates")]
        if len(keys) != 1:
            return
        key, value = keys[0], node[keys[0]]
        resolved = None if key in OPERATIONS else self.names.resolve(key)
        if key not in OPERATIONS and resolved is None:
            self.unknown_at.add(_norm(ref))
        here = f"{ref}.{resolved[0] if resolved else key}"
        self.references[_norm(here)] = here
        self.references.setdefault(_norm(f"{ref}.{key}"), here)
        if key in OPERATIONS and isinstance(value, list):
            for i, child in enumerate(value):
                self.collect(child, f"{here}.{i}", item=key == "concat")

    def reference(self, target: str, loc: Loc) -> str:
        found = self.references.get(_norm(target))
        if found is None and _norm(target).rpartition(".")[0] in self.unknown_at:
            return f"${{{target}}}"  # the node there has an unknown name, reported already
        if found is None:
            self.error(
                loc,
                "no node of the recipe is at this path (a reference names the keys and list "
                "positions from input down to the node, e.g. ${input.join.0.grib})",
                value=target,
                choices=sorted(set(self.references.values())),
            )
            return f"${{{target}}}"
        if found not in self.done:
            self.error(
                loc,
                f"refers to {found}, which is not complete when this node is built: a node can "
                "refer only to one that comes before it and does not contain it",
                value=f"${{{target}}}",
            )
        return f"${{{found}}}"

    # -- nodes -----------------------------------------------------------------------------

    def node(self, node: Any, loc: Loc, ref: str, position: Kind, window: Any) -> Any:
        if not isinstance(node, dict):
            self.error(
                loc,
                "expected a node: a mapping with one key, such as {grib: {...}} or {join: [...]}",
                value=node,
            )
            return node
        if len(node) != 1:
            what = "a node has exactly one key (a source, a filter, or join, concat or pipe)"
            self.error(loc, _key_count_message(what, list(node)))
            return node
        ((key, value),) = node.items()
        return self.entry(key, value, loc, ref, position, window)

    def entry(
        self, key: Any, value: Any, loc: Loc, ref: str, position: Kind, window: Any
    ) -> dict[str, Any]:
        here_loc = (*loc, key)
        if key in OPERATIONS:
            if position == "filter":
                self.error(
                    here_loc,
                    f"{key} cannot follow the first step of a pipe: the steps after the first "
                    "are filters",
                )
                return {key: value}
            here = f"{ref}.{key}"
            result = getattr(self, key)(value, here_loc, here, window)
            self.done.add(here)
            return {key: result}
        resolved = self.names.resolve(key)
        if resolved is None:
            self.unknown(key, here_loc, position)
            return {key: value}
        name, kind = resolved
        if kind != position:
            self.error(here_loc, _misplaced_message(name, kind))
            return {key: value}
        here = f"{ref}.{name}"
        params = self.params(name, value, here_loc)
        self.done.add(here)
        return {name: params}

    def unknown(self, key: Any, loc: Loc, position: Kind) -> None:
        if position == "source":
            choices = [*OPERATIONS, *self.names.sources]
            listed = f"join, concat, pipe or a source ({', '.join(sorted(self.names.sources))})"
        else:
            choices = list(self.names.filters)
            listed = f"a filter ({', '.join(sorted(self.names.filters))})"
        message = f"unknown {position}; expected {listed}, or a plugin of an installed package"
        aliases = [a for a, t in ALIASES.items() if t in choices]
        self.error(loc, message, value=str(key), choices=[*choices, *aliases])

    def params(self, name: str, value: Any, loc: Loc) -> Any:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.error(
                loc,
                f"expected the parameters of {name!r} as a mapping of keys to values",
                value=value,
            )
            return value
        params = dict(value)
        for key, item in value.items():
            found = _REFERENCE.fullmatch(item.strip()) if isinstance(item, str) else None
            if found is not None:
                params[key] = self.reference(found[1], (*loc, key))
        model = load_params_model(name)
        if model is None:
            return params
        try:
            return model.model_validate(params)
        except ValidationError as exc:
            self.problems += [_nested(e, loc, model) for e in exc.errors(include_url=False)]
        return params

    def join(self, value: Any, loc: Loc, ref: str, window: Any) -> Any:
        if not _check_list(self, value, loc, "join: [{grib: {...}}, {netcdf: {...}}]"):
            return value
        return [
            self.node(n, (*loc, i), f"{ref}.{i}", "source", window) for i, n in enumerate(value)
        ]

    def pipe(self, value: Any, loc: Loc, ref: str, window: Any) -> Any:
        if not _check_list(self, value, loc, "pipe: [{grib: {...}}, {rename: {...}}]"):
            return value
        return [
            self.node(n, (*loc, i), f"{ref}.{i}", "source" if i == 0 else "filter", window)
            for i, n in enumerate(value)
        ]

    def concat(self, value: Any, loc: Loc, ref: str, window: Any) -> Any:
        example = "concat: [{dates: {start: 2020, end: 2021}, grib: {...}}, ...]"
        if not _check_list(self, value, loc, example):
            return value
        items: list[Any] = []
        spans: list[_Span] = []
        for i, item in enumerate(value):
            items.append(self.concat_item(item, (*loc, i), f"{ref}.{i}", window, spans))
        self.check_spans(spans, loc, window)
        return items

    def concat_item(self, item: Any, loc: Loc, ref: str, window: Any, spans: list[_Span]) -> Any:
        if not isinstance(item, dict):
            self.error(loc, "expected a mapping {dates: {start, end}, <node key>: ...}", value=item)
            return item
        keys = [k for k in item if k != "dates"]
        if "dates" not in item:
            self.error(
                loc,
                "a concat item needs dates: {start, end}, the dates it provides, next to its node",
            )
        if len(keys) != 1:
            what = "a concat item has dates and exactly one node key"
            self.error(loc, _key_count_message(what, keys))
        dates, inner = None, None
        if "dates" in item:
            dates, inner = self.concat_dates(item["dates"], (*loc, "dates"))
        if inner is not None:
            spans.append(_Span(inner[0], inner[1], int(loc[-1])))
        result: dict[str, Any] = {"dates": dates if dates is not None else item.get("dates")}
        if len(keys) == 1:
            result.update(self.entry(keys[0], item[keys[0]], loc, ref, "source", inner))
        return result if len(keys) == 1 else item

    def concat_dates(
        self, raw: Any, loc: Loc
    ) -> tuple[ConcatDates | None, tuple[datetime, datetime] | None]:
        """The item's dates snapped to the dataset's, and the first and last of them if any."""
        try:
            dates = ConcatDates.model_validate(raw)
        except ValidationError as exc:
            self.problems += [rewrap(e, loc) for e in exc.errors(include_url=False)]
            return None, None
        grid = self.grid
        if grid is None:
            return dates, None
        frequency = dates.frequency or _freq(grid)
        low, high = max(dates.start, grid.start), min(dates.end, grid.end)
        first = first_on_grid(grid.start, grid.step, low)
        last = last_on_grid(grid.start, grid.step, high)
        if low > high or first > last:  # no dataset date: fc-datasets never uses the item
            return dates.model_copy(update={"frequency": frequency}), None
        if dates.frequency is not None:
            step = frequency_seconds(dates.frequency)
            if grid.step % step or int((first - dates.start).total_seconds()) % step:
                self.error(
                    (*loc, "frequency"),
                    f"the item's {dates.frequency} dates from {_iso(dates.start)} miss some "
                    f"of the dataset's {_freq(grid)} dates, which would have no data; leave "
                    "the frequency out (the item then provides every dataset date in its range)",
                    value=dates.frequency,
                )
        snapped = dates.model_copy(update={"start": first, "end": last, "frequency": frequency})
        return snapped, (first, last)

    def check_spans(self, spans: list[_Span], loc: Loc, window: Any) -> None:
        """Each dataset date comes from one item: no overlap, no gap (missing dates aside)."""
        grid = self.grid
        if grid is None:
            return
        spans = sorted(spans, key=lambda s: s.first)
        for before, after in itertools.pairwise(spans):
            if after.first <= before.last:
                self.error(
                    (*loc, after.index, "dates"),
                    f"these dates overlap those of {_display(('input', *loc, before.index))} "
                    f"from {_iso(after.first)} to {_iso(min(before.last, after.last))}: every "
                    "date must come from exactly one item of a concat",
                )
        if window is None:
            return
        cursor, end = window
        for span in [*spans, _Span(end + grid.delta, end + grid.delta, -1)]:
            gap_end = min(span.first - grid.delta, end)
            if cursor <= gap_end and grid.count(cursor, gap_end):
                self.error(
                    loc,
                    f"no item provides the dates from {_iso(cursor)} to {_iso(gap_end)} "
                    f"({grid.count(cursor, gap_end)} dates); add an item for them, or list them "
                    "under dates.missing",
                )
            cursor = max(cursor, span.last + grid.delta)


def _freq(grid: _Grid) -> str:
    return frequency_string(grid.step)


def _check_list(validator: _Validator, value: Any, loc: Loc, example: str) -> bool:
    if not isinstance(value, list):
        validator.error(loc, f"expected a list of nodes, e.g. {example}", value=value)
        return False
    if not value:
        validator.error(loc, f"{loc[-1]} needs at least one node, e.g. {example}")
        return False
    return True


def _key_count_message(what: str, keys: list[Any]) -> str:
    if not keys:
        return f"{what}, found none"
    listed = ", ".join(repr(k) for k in keys)
    return (
        f"{what}, found {len(keys)}: {listed}; start each node with '-' to make a list of "
        "nodes, or combine them with join"
    )


def _misplaced_message(name: str, kind: Kind) -> str:
    if kind == "filter":
        return (
            f"{name!r} is a filter: a filter changes the fields of a source, so it follows it "
            f"in a pipe, e.g. pipe: [{{grib: {{...}}}}, {{{name}: {{...}}}}]"
        )
    return (
        f"{name!r} is a source: in a pipe only the first step is a source (or join, concat, "
        "pipe); the steps after it are filters"
    )


def _walk_params(model: type[BaseModel], loc: Loc) -> tuple[list[str | int], Any]:
    """Follow ``loc`` through a parameter model: the path as users write it, and its type.

    pydantic names the union member it tried in an error's location (``level[0].int``);
    users never wrote that, so it is left out, as fc does for every schema.
    """
    is_root = issubclass(model, RootModel)
    shown, node = _walk(model, ("root", *loc) if is_root else loc)
    return (shown[1:] if is_root else shown), node


def _nested(error: Any, prefix: Loc, model: type[BaseModel]) -> Any:
    """An error of a plugin's parameter model, under the plugin's place in the recipe."""
    shown, _ = _walk_params(model, error["loc"])
    loc = (*prefix, *shown)
    if error["type"] not in ("extra_forbidden", "missing") or not shown:
        return rewrap({**error, "loc": tuple(shown)}, prefix)
    _, parent = _walk_params(model, error["loc"][:-1])
    core, _ = _strip(parent)
    key = str(shown[-1])
    if error["type"] == "missing":
        field_info = core.model_fields.get(key) if _is_model(core) else None
        message = "required key is missing"
        if field_info is not None and field_info.description:
            message += f" — {_first_sentence(field_info.description)}"
        return problem(loc, message)
    keys = model_keys(core) if _is_model(core) else []
    message = "unknown key"
    if keys and closest_match(key, keys) is None:
        message += f"; valid keys here: {', '.join(keys)}"
    return problem(loc, message, value=key, choices=keys)


def validate_input(
    tree: Any,
    *,
    dates: RecipeDates | None = None,
    extra_source_names: Iterable[str] = (),
    extra_filter_names: Iterable[str] = (),
) -> Any:
    """Validate an ``input`` tree and return it normalised (see the module's docstring).

    Parameters
    ----------
    tree
        The ``input`` mapping as read from YAML.
    dates
        The recipe's validated dates; with them, the items of every ``concat`` are snapped
        to the dataset's dates and checked for overlaps and gaps.
    extra_source_names, extra_filter_names
        Plugin names known besides the built-in and installed ones (fc-datasets passes the
        names registered in its registries).

    Raises
    ------
    pydantic.ValidationError
        Listing every problem, located relative to ``input`` (``join[1].grib.param``).
    """
    names = _Names(
        plugin_names("source", extra_source_names), plugin_names("filter", extra_filter_names)
    )
    grid = None
    if dates is not None:
        grid = _Grid(
            dates.start,
            dates.end,
            dates.frequency_seconds,
            frozenset(d for d in dates.missing if isinstance(d, datetime)),
        )
    validator = _Validator(names, grid)
    validator.collect(tree, "input")
    window = (grid.start, grid.end) if grid is not None else None
    result = validator.node(tree, (), "input", "source", window)
    raise_problems("input", validator.problems)
    return result


# --- walking a validated tree -----------------------------------------------------------------


@dataclass(frozen=True)
class InputNode:
    """One node of a validated ``input`` tree, as :func:`iter_nodes` yields it.

    Attributes
    ----------
    name
        ``join``, ``concat``, ``pipe`` or the plugin's canonical name (``grib``, ``rename``).
    kind
        ``join``, ``concat``, ``pipe``, ``source`` or ``filter``.
    value
        The list of children of an operation (a concat's items keep their ``dates``); the
        parameters of a plugin (its model instance, or a ``dict``).
    path
        Where the node is, as fc's error messages write it: ``input.join[1].grib``.
    reference
        Where the node is, as ``${...}`` references write it: ``input.join.1.grib``.
    dates
        The dates of the innermost concat item that holds the node, or None.
    """

    name: str
    kind: Literal["join", "concat", "pipe", "source", "filter"]
    value: Any
    path: str
    reference: str
    dates: ConcatDates | None = None


def node_entry(node: Mapping[str, Any]) -> tuple[str, Any]:
    """The key and value of a node (for a concat item, of its one key besides ``dates``)."""
    keys = [k for k in node if k != "dates"]
    if len(keys) != 1:
        raise ValueError(f"expected a node with one key, got {list(node)}")
    return keys[0], node[keys[0]]


def iter_nodes(
    tree: Mapping[str, Any],
    *,
    path: str = "input",
    reference: str = "input",
    kind: Kind = "source",
    dates: ConcatDates | None = None,
) -> Iterator[InputNode]:
    """Every node of a validated tree, parents before children, in the order they are built.

    Parameters
    ----------
    tree
        A validated ``input`` tree (``DatasetRecipe.input``) or any node of it.
    path, reference
        Where ``tree`` is (the defaults are for the whole ``input``).
    kind
        Whether a plugin at the top of ``tree`` is a source or a filter.
    dates
        The dates of the concat item that holds ``tree``, if any.
    """
    key, value = node_entry(tree)
    here_path, here_ref = f"{path}.{key}", f"{reference}.{key}"
    node_kind: Any = key if key in OPERATIONS else kind
    yield InputNode(key, node_kind, value, here_path, here_ref, dates)
    if key not in OPERATIONS:
        return
    for i, child in enumerate(value):
        child_kind: Kind = "filter" if key == "pipe" and i > 0 else "source"
        child_dates = child.get("dates", dates) if key == "concat" else dates
        yield from iter_nodes(
            child,
            path=f"{here_path}[{i}]",
            reference=f"{here_ref}.{i}",
            kind=child_kind,
            dates=child_dates,
        )


# --- JSON Schema ------------------------------------------------------------------------------

_DESCRIPTIONS = {
    "join": "Sources with different variables on the same dates: the fields of every node, "
    "side by side.",
    "concat": "Different date ranges from different nodes: each item gives the dates it "
    "provides and one node. The ranges may not overlap.",
    "pipe": "A source (or join, concat, pipe) followed by filters, each applied to the result "
    "of the step before.",
}
# typing constructs applied to values built at run time (mypy cannot check those)
_LIST: Any = list
_UNION: Any = Union
_OTHER_PLUGIN = {
    "type": ["object", "null"],
    "description": "The parameters of a plugin that another installed package provides.",
}


def _node_extra(count: int) -> Any:
    def extra(schema: dict[str, Any]) -> None:
        for name, prop in schema.get("properties", {}).items():
            if name != "dates":
                prop.pop("default", None)
        pipe = schema.get("properties", {}).get("pipe", {})
        steps = pipe.get("items", {}).get("anyOf")
        if steps:  # the first step is a node, the others are filters
            pipe["prefixItems"], pipe["items"] = [steps[0]], steps[1]
        schema["minProperties"] = schema["maxProperties"] = count
        schema["additionalProperties"] = _OTHER_PLUGIN

    return extra


def _plugin_fields(kind: Kind) -> dict[str, Any]:
    builtin = BUILTIN_SOURCES if kind == "source" else BUILTIN_FILTERS
    fields: dict[str, Any] = {}
    for name in builtin:
        model = load_params_model(name)
        if model is None:
            continue
        summary = _first_sentence(model.__doc__ or "")
        description = f"The built-in {kind} `{name}`" + (f": {summary}." if summary else ".")
        fields[name] = (_UNION[model, None], Field(None, description=description))
    return fields


def _schema_model() -> type[BaseModel]:
    """Schema-only models of the tree, so that pydantic writes it as recursive $defs."""
    filter_node = create_model(
        "FilterNode",
        __config__=ConfigDict(extra="forbid", json_schema_extra=_node_extra(1)),
        __doc__="A step of a pipe after the first: one filter and its parameters.",
        **_plugin_fields("filter"),
    )
    node_ref = ForwardRef("_NodeSchema")
    node_fields: dict[str, Any] = {
        "join": (_LIST[node_ref], Field(None, min_length=1, description=_DESCRIPTIONS["join"])),
        "concat": (
            _LIST[ForwardRef("_ItemSchema")],
            Field(None, min_length=1, description=_DESCRIPTIONS["concat"]),
        ),
        "pipe": (
            _LIST[_UNION[node_ref, filter_node]],
            Field(None, min_length=1, description=_DESCRIPTIONS["pipe"]),
        ),
        **_plugin_fields("source"),
    }
    node = create_model(
        "InputNode",
        __config__=ConfigDict(extra="forbid", json_schema_extra=_node_extra(1)),
        __doc__="A node of the input tree: a mapping with exactly one key, an operation "
        "(join, concat, pipe) or a source.",
        **node_fields,
    )
    dates_field = (ConcatDates, Field(description="The dates this item provides."))
    item = create_model(
        "ConcatItem",
        __config__=ConfigDict(extra="forbid", json_schema_extra=_node_extra(2)),
        __doc__="An item of a concat: its dates and exactly one node key, as in InputNode.",
        dates=dates_field,
        **node_fields,
    )
    # forward references by names that nothing else in this module has
    namespace = {"_NodeSchema": node, "_ItemSchema": item}
    node.model_rebuild(_types_namespace=namespace)
    item.model_rebuild(_types_namespace=namespace)
    return node


class InputTreeJsonSchema:
    """Annotation that gives the ``input`` field its JSON Schema: the recursive node tree.

    Built-in plugins appear as keys whose values follow their parameter models (where the
    models can be imported); any other key stands for a plugin of another package.
    """

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        return handler(_schema_model().__pydantic_core_schema__)
