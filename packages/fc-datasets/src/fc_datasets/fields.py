"""A block of fields: what every source and filter produces, and what the builder writes.

A :class:`FieldBlock` holds the values of some variables on some dates on one grid, in the
dataset's own layout ``[date, variable, ensemble, cell]``, with the coordinates and the
per-variable metadata (units, level, GRIB keys) that travel into the dataset's attributes.
Keeping sources, filters and operations (join, concat, pipe) on this one type is what lets them
be composed freely in a recipe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from fc_datasets.exceptions import DatasetError

__all__ = ["FieldBlock"]


@dataclass(frozen=True, eq=False)
class FieldBlock:
    """Values of ``variables`` on ``dates`` on one grid.

    Attributes
    ----------
    dates
        ``datetime64[s]`` array of shape ``[date]``.
    variables
        Variable names in the order of the ``variable`` axis (``2t``, ``t_850``, ...).
    data
        Array ``[date, variable, ensemble, cell]``, float32 or float64; NaN marks a missing value.
    latitudes, longitudes
        float64 ``[cell]`` in degrees.
    metadata
        Per-variable metadata, keyed by variable name, in the shape of
        :class:`fc_config.common.VariableMetadata` (``name``, ``units``, ``level_type``, ``level``,
        ``grib``, ``process``, ...).
    grid
        The grid description (:class:`fc_config.common.GridDescription` as a dict) when known.
    """

    dates: np.ndarray
    variables: list[str]
    data: np.ndarray
    latitudes: np.ndarray
    longitudes: np.ndarray
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    grid: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        d, v, _, c = self.shape_check()
        if len(self.dates) != d:
            raise DatasetError(f"a field block has {len(self.dates)} dates but data for {d}")
        if len(self.variables) != v:
            raise DatasetError(
                f"a field block names {len(self.variables)} variables but holds data for {v}"
            )
        if len(set(self.variables)) != len(self.variables):
            dupes = sorted({x for x in self.variables if self.variables.count(x) > 1})
            raise DatasetError(
                f"variable(s) {', '.join(dupes)} appear more than once; rename one of them"
            )
        if self.latitudes.shape != (c,) or self.longitudes.shape != (c,):
            raise DatasetError(
                f"a field block has {c} grid points but {self.latitudes.shape[0]} latitudes "
                f"and {self.longitudes.shape[0]} longitudes"
            )

    def shape_check(self) -> tuple[int, int, int, int]:
        """Return ``data.shape`` after checking it has the four dataset axes."""
        if self.data.ndim != 4:
            raise DatasetError(
                f"field data must be [date, variable, ensemble, cell], got shape {self.data.shape}"
            )
        d, v, e, c = self.data.shape
        return int(d), int(v), int(e), int(c)

    @property
    def ensemble_size(self) -> int:
        """Number of ensemble members (1 for a deterministic source)."""
        return int(self.data.shape[2])

    @property
    def number_of_points(self) -> int:
        """Number of grid points (``cell``)."""
        return int(self.data.shape[3])

    def index(self, variable: str) -> int:
        """Position of ``variable``; a clear error with a suggestion when it is absent."""
        if variable not in self.variables:
            from fc_config.suggest import did_you_mean

            raise DatasetError(
                f"variable '{variable}' is not among {', '.join(self.variables)}."
                + did_you_mean(variable, self.variables)
            )
        return self.variables.index(variable)

    def select(self, variables: Sequence[str]) -> FieldBlock:
        """A block with only ``variables``, in that order."""
        idx = [self.index(v) for v in variables]
        return replace(
            self,
            variables=list(variables),
            data=self.data[:, idx],
            metadata={v: self.metadata[v] for v in variables if v in self.metadata},
        )

    def with_variables(
        self, variables: list[str], data: np.ndarray, metadata: dict[str, dict[str, Any]]
    ) -> FieldBlock:
        """A block on the same dates and grid with other variables (what a filter returns)."""
        return replace(self, variables=variables, data=data, metadata=metadata)

    def same_grid(self, other: FieldBlock, *, atol: float = 1e-6) -> bool:
        """Whether ``other`` is on the same grid points, in the same order."""
        return (
            self.latitudes.shape == other.latitudes.shape
            and bool(np.allclose(self.latitudes, other.latitudes, atol=atol, rtol=0))
            and bool(np.allclose(self.longitudes % 360, other.longitudes % 360, atol=atol, rtol=0))
        )
