"""The source and filter plugin interfaces, their registries, and the build context.

A recipe's ``input`` is a tree whose leaves are sources (``grib``, ``netcdf``, ...) and whose
inner nodes are operations (``join``, ``concat``, ``pipe``) and filters (``rename``,
``regrid``, ...). Sources and filters are plugins: a third-party package adds one by registering
a class under the entry-point groups ``fc.datasets.sources`` / ``fc.datasets.filters``, and a
recipe then names it like a built-in one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from fc_datasets.fields import FieldBlock
from fc_utils.registry import Registry

__all__ = ["FILTERS", "SOURCES", "BuildContext", "Filter", "Source"]


@dataclass
class BuildContext:
    """What sources and filters may need beyond their own parameters.

    Attributes
    ----------
    base_dir
        Directory that relative paths in the recipe are resolved against (the recipe's folder).
    frequency_seconds
        Step between the dataset's dates, for sources that accumulate or interpolate.
    path
        Dotted position of the node being built in the recipe (``input.join[0].grib``), used
        to name the node in error messages.
    references
        Nodes already built, by their position, so that ``template: ${input.join.0.grib}``
        (forcings on the grid of another source) can be resolved.
    """

    base_dir: Path = field(default_factory=Path.cwd)
    frequency_seconds: int = 21600
    path: str = "input"
    references: dict[str, Any] = field(default_factory=dict)

    def resolve_path(self, path: str | Path) -> Path:
        """``path`` relative to :attr:`base_dir` unless absolute (``~`` expanded)."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def child(self, suffix: str) -> BuildContext:
        """The context of a child node at ``path + suffix``, sharing the references."""
        return BuildContext(
            self.base_dir, self.frequency_seconds, self.path + suffix, self.references
        )


class Source(ABC):
    """Produces fields for the dates it is asked for.

    Subclasses set :attr:`config_model` to the pydantic model (from ``fc_config``) that validates
    their parameters; the builder validates the recipe node with it, so errors name the dotted
    path in the recipe, and passes the validated object to ``__init__``.
    """

    #: The schema of the source's parameters (an ``fc_config`` model) or None for a plain dict.
    config_model: ClassVar[type[Any] | None] = None

    def __init__(self, config: Any, context: BuildContext) -> None:
        self.config = config
        self.context = context

    @abstractmethod
    def load(self, dates: np.ndarray) -> FieldBlock:
        """Fields on ``dates`` (``datetime64[s]``), in that order.

        Raises :class:`~fc_datasets.exceptions.SourceError` naming the file, variable and date
        when something is missing or unreadable.
        """

    def describe(self) -> str:
        """A short description for logs and error messages."""
        return f"{self.context.path}"


class Filter(ABC):
    """Transforms a :class:`FieldBlock` (rename, convert units, regrid, ...)."""

    #: The schema of the filter's parameters (an ``fc_config`` model) or None for a plain dict.
    config_model: ClassVar[type[Any] | None] = None

    def __init__(self, config: Any, context: BuildContext) -> None:
        self.config = config
        self.context = context

    @abstractmethod
    def apply(self, block: FieldBlock) -> FieldBlock:
        """The transformed block; must not modify ``block`` in place."""


#: Sources by name (``grib``, ``netcdf``, ``xarray-zarr``, ``forcings``, ``constants``, ``synthetic``).
SOURCES: Registry[type[Source]] = Registry("source", "fc.datasets.sources")
#: Filters by name (``rename``, ``convert_units``, ``regrid``, ...).
FILTERS: Registry[type[Filter]] = Registry("filter", "fc.datasets.filters")
