"""Schemas of the recipes fc builds artifacts from: the dataset recipe and its input plugins.

``fc_config.recipes.dataset.DatasetRecipe`` is the dataset recipe; the parameter models of the
built-in sources and filters live in ``grib``, ``sources``, ``filters`` and ``synthetic`` and
are found through :data:`~fc_config.recipes.inputs.BUILTIN_SOURCES` and
:data:`~fc_config.recipes.inputs.BUILTIN_FILTERS`. Names load on first use, so importing one
plugin model does not import the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fc_config.recipes.dataset import (
        BuildConfig,
        DatasetRecipe,
        OutputConfig,
        StatisticsConfig,
        load_recipe,
        validate_recipe,
    )
    from fc_config.recipes.dates import ConcatDates, RecipeDates, default_statistics_period
    from fc_config.recipes.inputs import (
        BUILTIN_FILTERS,
        BUILTIN_SOURCES,
        InputNode,
        iter_nodes,
        node_entry,
    )

_LAZY = {
    "BuildConfig": "fc_config.recipes.dataset",
    "DatasetRecipe": "fc_config.recipes.dataset",
    "OutputConfig": "fc_config.recipes.dataset",
    "StatisticsConfig": "fc_config.recipes.dataset",
    "load_recipe": "fc_config.recipes.dataset",
    "validate_recipe": "fc_config.recipes.dataset",
    "ConcatDates": "fc_config.recipes.dates",
    "RecipeDates": "fc_config.recipes.dates",
    "default_statistics_period": "fc_config.recipes.dates",
    "BUILTIN_FILTERS": "fc_config.recipes.inputs",
    "BUILTIN_SOURCES": "fc_config.recipes.inputs",
    "InputNode": "fc_config.recipes.inputs",
    "iter_nodes": "fc_config.recipes.inputs",
    "node_entry": "fc_config.recipes.inputs",
}

__all__ = [
    "BUILTIN_FILTERS",
    "BUILTIN_SOURCES",
    "BuildConfig",
    "ConcatDates",
    "DatasetRecipe",
    "InputNode",
    "OutputConfig",
    "RecipeDates",
    "StatisticsConfig",
    "default_statistics_period",
    "iter_nodes",
    "load_recipe",
    "node_entry",
    "validate_recipe",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fc_config.recipes' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
