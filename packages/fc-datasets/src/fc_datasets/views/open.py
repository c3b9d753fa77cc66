"""``open_dataset``: from a path, a dict as written in YAML, or a list, to a tree of views.

The options of one call (or one dict) apply in a fixed order, Anemoi's where it has one, so
that the same options give the same view whatever order they are written in:

1. the dataset(s): a path, a dict, a list (``concat``), or ``dataset``/``concat``/``join``/
   ``ensemble`` (with ``fill_missing_gaps`` for concat);
2. ``fill_missing_dates`` (first, so that a date just outside ``start``/``end`` can fill one
   inside);
3. ``start``, ``end``;
4. ``frequency``;
5. ``select``; 6. ``drop``; 7. ``reorder``; 8. ``rename``;
9. ``statistics``, ``statistics_tendencies`` (matched by name, so after ``rename``);
10. ``thinning`` (with ``method``); 11. ``area``;
12. ``number``/``numbers``/``member``/``members``;
13. ``set_missing_dates``;
14. ``skip_missing_dates`` (with ``expected_access``), last.

A nested dict applies its own options first; the options of the enclosing call apply to the
result. Every view is lazy: nothing is read until ``ds[i]``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fc_datasets.views.base import Dataset, jsonable
from fc_datasets.views.combine import Concat, Join
from fc_datasets.views.ensemble import EnsembleJoin, Members, member_indices
from fc_datasets.views.errors import OpenDatasetError
from fc_datasets.views.grid import area_view, thinning_view
from fc_datasets.views.missing import FillMissing, SetMissing, skip_missing_view
from fc_datasets.views.select import (
    Rename,
    Select,
    drop_indices,
    reorder_indices,
    select_indices,
)
from fc_datasets.views.statistics import StatisticsView
from fc_datasets.views.store import StoreDataset
from fc_datasets.views.subset import frequency_subset, period_subset

__all__ = ["COMBINERS", "OPTION_ORDER", "open_dataset"]

#: Keys that say which dataset(s) a dict opens; one per dict.
COMBINERS = ("dataset", "datasets", "concat", "join", "ensemble")

#: The options, grouped by the step that applies them, in the order the steps apply.
OPTION_ORDER: tuple[tuple[str, ...], ...] = (
    ("fill_missing_dates",),
    ("start", "end"),
    ("frequency",),
    ("select",),
    ("drop",),
    ("reorder",),
    ("rename",),
    ("statistics", "statistics_tendencies"),
    ("thinning", "method"),
    ("area",),
    ("number", "numbers", "member", "members"),
    ("set_missing_dates",),
    ("skip_missing_dates", "expected_access"),
)

_OPTIONS = tuple(key for step in OPTION_ORDER for key in step)
_KNOWN = (*COMBINERS, "fill_missing_gaps", *_OPTIONS)

#: Options of Anemoi's open_dataset that fc does not offer, and what to do instead.
_ANEMOI_ONLY = {
    "adjust": "give each dataset the same select/start/end/frequency explicitly",
    "rescale": "convert units when building the dataset (the convert_units filter)",
    "mask": "cut the grid with area=[north, west, south, east], or thin it",
    "trim_edge": "cut the grid with area=[north, west, south, east]",
    "interpolate_frequency": "build the dataset at the frequency you need",
    "interpolate_variables": "regrid when building the dataset (the regrid filter)",
    "rolling_average": "compute it in the training code",
    "shuffle": "shuffle in the data loader (its sampler), not in the dataset",
    "merge": "use concat for datasets one after the other in time",
    "grids": "build one dataset per grid and give each to the model separately",
    "cutout": "build one dataset per grid and give each to the model separately",
    "complement": "build the dataset with every variable you need (join in the recipe)",
    "extend_start": "use fill_missing_dates within the dataset's dates",
    "extend_end": "use fill_missing_dates within the dataset's dates",
    "chain": "use concat",
    "zip": "open the datasets separately",
    "xy": "open the datasets separately",
    "x": "open the datasets separately",
    "y": "open the datasets separately",
    "tensors": "open the dataset and index it",
    "synthetic": "build a dataset with the synthetic source",
    "name": "give the path of the dataset",
    "closest": "fc's fill_missing_dates='closest' always takes the later date on a tie",
}


def _plain(value: Any) -> Any:
    """Mappings and sequences from YAML or OmegaConf (DictConfig, ListConfig) as dicts and
    lists, without importing OmegaConf."""
    if isinstance(value, Dataset | str | bytes | os.PathLike | slice):
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return value
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    return value


def _check_keys(options: dict[str, Any]) -> None:
    from fc_config.suggest import did_you_mean

    for key in options:
        if not isinstance(key, str):
            raise OpenDatasetError(f"open_dataset options are names, got the key {key!r}.")
        if key in _KNOWN:
            continue
        if key in _ANEMOI_ONLY:
            raise OpenDatasetError(
                f"option {key!r} of Anemoi's open_dataset is not supported by fc: "
                f"{_ANEMOI_ONLY[key]}."
            )
        raise OpenDatasetError(
            f"unknown open_dataset option {key!r}.{did_you_mean(key, _KNOWN)} "
            f"The options are: {', '.join(_KNOWN)}."
        )
    for key, needs in (("method", "thinning"), ("expected_access", "skip_missing_dates")):
        if key in options and needs not in options:
            raise OpenDatasetError(f"{key} is an option of {needs}; give {needs} too.")


def _open_one(value: Any) -> Dataset:
    if isinstance(value, Dataset):
        return value
    if isinstance(value, str | os.PathLike):
        return StoreDataset(value)
    if isinstance(value, Mapping):
        return _open([], dict(value))
    if isinstance(value, list):
        return _open(value, {})
    raise OpenDatasetError(
        f"cannot open {value!r} as a dataset: give a path, a dict of options with a "
        "'dataset' key, a list of those, or a view."
    )


def _open(args: list[Any], options: dict[str, Any]) -> Dataset:
    _check_keys(options)
    combiners = [key for key in COMBINERS if key in options]
    if len(combiners) > 1 or (combiners and args):
        given = [*(["a positional dataset"] if args else []), *combiners]
        raise OpenDatasetError(
            f"open_dataset got {' and '.join(given)}: give exactly one way of naming the data.",
            hint="Nest dicts to combine them, e.g. {'join': [{'concat': [a, b]}, c]}.",
        )
    fill_gaps = options.pop("fill_missing_gaps", None)
    if args:
        kind, sources = ("concat" if len(args) > 1 else "dataset"), list(args)
    elif combiners:
        kind = combiners[0]
        value = options.pop(kind)
        if kind in ("dataset", "datasets"):
            sources = value if isinstance(value, list) else [value]
            kind = "concat" if len(sources) > 1 else "dataset"
        else:
            if not isinstance(value, list) or not value:
                raise OpenDatasetError(f"{kind} takes a non-empty list of datasets, got {value!r}.")
            sources = value
    else:
        raise OpenDatasetError(
            "no dataset given: pass a path, or a dict with a 'dataset', 'concat', 'join' or "
            "'ensemble' key."
        )
    if fill_gaps is not None and kind != "concat":
        raise OpenDatasetError("fill_missing_gaps is an option of concat (or of a list).")
    datasets = [_open_one(source) for source in sources]
    if len(datasets) == 1:
        dataset = datasets[0]
    elif kind == "join":
        dataset = Join(datasets)
    elif kind == "ensemble":
        dataset = EnsembleJoin(datasets)
    else:
        dataset = Concat(datasets, fill_missing_gaps=bool(fill_gaps))
    return _apply(dataset, options)


def _statistics(dataset: Dataset, given: dict[str, Any]) -> Dataset:
    sources = {k: None if v is None else _open_one(v) for k, v in given.items()}
    if all(v is None for v in sources.values()):
        return dataset
    return StatisticsView(dataset, sources.get("statistics"), sources.get("statistics_tendencies"))


def _thinning(dataset: Dataset, given: dict[str, Any]) -> Dataset:
    if given.get("thinning") is None:
        return dataset
    return thinning_view(dataset, given["thinning"], given.get("method", "every-nth"))


def _skip(dataset: Dataset, given: dict[str, Any]) -> Dataset:
    if not given.get("skip_missing_dates"):
        return dataset
    return skip_missing_view(dataset, given.get("expected_access"))


_Step = Callable[[Dataset, dict[str, Any]], Dataset]

_STEPS: dict[str, _Step] = {
    "fill_missing_dates": lambda d, g: (
        d if g["fill_missing_dates"] is None else FillMissing(d, g["fill_missing_dates"])
    ),
    "start": lambda d, g: (
        d
        if g.get("start") is None and g.get("end") is None
        else period_subset(d, g.get("start"), g.get("end"))
    ),
    "frequency": lambda d, g: d if g["frequency"] is None else frequency_subset(d, g["frequency"]),
    "select": lambda d, g: Select(d, select_indices(d, g["select"]), "select", g["select"]),
    "drop": lambda d, g: Select(d, drop_indices(d, g["drop"]), "drop", g["drop"]),
    "reorder": lambda d, g: Select(d, reorder_indices(d, g["reorder"]), "reorder", g["reorder"]),
    "rename": lambda d, g: Rename(d, g["rename"]),
    "statistics": _statistics,
    "thinning": _thinning,
    "area": lambda d, g: d if g["area"] is None else area_view(d, g["area"]),
    "number": lambda d, g: Members(d, member_indices(d.ensemble_size, g)),
    "set_missing_dates": lambda d, g: SetMissing(d, g["set_missing_dates"]),
    "skip_missing_dates": _skip,
}


def _apply(dataset: Dataset, options: dict[str, Any]) -> Dataset:
    for step in OPTION_ORDER:
        given = {key: options[key] for key in step if key in options}
        if given:
            dataset = _STEPS[step[0]](dataset, given)
    return dataset


def open_dataset(*args: Any, **kwargs: Any) -> Dataset:
    """Open one or more fc datasets as a lazy view, with options that select, cut and combine.

    Parameters
    ----------
    *args
        What to open: a path to a dataset store; a dict as written in YAML
        (``{"dataset": path, "select": [...], ...}``, or with ``concat``, ``join`` or
        ``ensemble`` instead of ``dataset``); a list of those, concatenated along dates; or a
        view returned by an earlier call. Several arguments are a list.
    **kwargs
        Options, applied to what ``args`` opened, in this order whatever the order written:

        - ``dataset``/``datasets`` (instead of ``args``), ``concat=[...]`` (datasets one after
          the other in time; ``fill_missing_gaps=True`` lets them leave gaps, which become
          missing dates), ``join=[...]`` (datasets with the same dates side by side along
          ``variable``), ``ensemble=[...]`` (their members side by side);
        - ``fill_missing_dates``: ``"closest"`` (a copy of the nearest valid date, the later one
          on a tie) or ``"interpolate"`` (linear in time between the valid neighbours);
        - ``start``, ``end``: the first and last dates kept, included; a loose date covers its
          period (``end=2020`` keeps all of 2020);
        - ``frequency``: keep one date in n (a multiple of the dataset's frequency);
        - ``select`` (names, in the order wanted; a set keeps the dataset's order), ``drop``,
          ``reorder`` (every name, a mapping name → position, or ``"sort"``), ``rename``
          (``{old: new}``);
        - ``statistics``, ``statistics_tendencies``: another dataset (path, dict or view) whose
          statistics replace the view's, matched by variable name;
        - ``thinning=n`` with ``method="every-nth"`` (every n-th row and n-th point of each
          kept row of a structured grid) or ``"every-nth-point"`` (any grid);
        - ``area=[north, west, south, east]`` in degrees;
        - ``number``/``numbers`` (ensemble members counted from 1), ``member``/``members``
          (counted from 0);
        - ``set_missing_dates``: more dates to treat as missing;
        - ``skip_missing_dates=True``: leave out the missing dates; with
          ``expected_access=k`` each item is instead a window of ``k`` consecutive dates
          (``[start, stop(, step)]`` offsets also accepted) and windows holding a missing date
          are left out.

    Returns
    -------
    Dataset
        A view: ``ds[i]`` is float32 ``(variable, ensemble, cell)``; see
        :class:`~fc_datasets.views.Dataset` for indexing and the accessors.

    Raises
    ------
    OpenDatasetError
        For an unknown option (with the closest valid one), an unknown variable, dates that
        select nothing or a start after the end, a frequency that is not a multiple of the
        dataset's, datasets that cannot be concatenated (different variables or grid,
        overlapping dates) or joined (different dates or grid, clashing names).
    IncompleteDatasetError
        If a store has not been finalised.

    Examples
    --------
    >>> ds = open_dataset("era5.zarr", start=2020, end="2020-06", select=["2t", "msl"])
    >>> ds = open_dataset({"join": ["era5.zarr", {"dataset": "lsm.zarr", "rename": {"z": "orog"}}]})
    >>> ds = open_dataset(["era5-2019.zarr", "era5-2020.zarr"], frequency="12h")
    """
    args_plain = [_plain(a) for a in args]
    options = {k: _plain(v) for k, v in kwargs.items()}
    given = {"args": list(args_plain), "kwargs": dict(options)}
    dataset = _open(args_plain, options)
    if not (len(args) == 1 and not kwargs and dataset is args[0]):
        dataset.arguments = jsonable(given)
    return dataset
