"""The ``synthetic`` source: synthetic weather as a recipe input.

Example recipe input::

    synthetic:
      grid: O96
      param: [2t, msl, 10u, 10v, lsm, t, z]
      level: [500, 850]
      seed: 0

It is registered through the ``fc.datasets.sources`` entry point ``synthetic``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from fc_config.exceptions import FcError
from fc_config.recipes.synthetic import SyntheticSourceConfig
from fc_datasets.fields import FieldBlock
from fc_datasets.sources.base import BuildContext, Source
from fc_datasets.synthetic.fields import SyntheticAtmosphere
from fc_datasets.synthetic.variables import (
    PRESSURE_PARAMS,
    SURFACE_VARIABLES,
    SyntheticError,
    parse_variable,
    parse_variables,
    variable_metadata,
)
from fc_utils.dates import to_datetime64

__all__ = ["SyntheticSource", "expand_variables"]

LOG = logging.getLogger(__name__)


def expand_variables(config: SyntheticSourceConfig) -> list[str]:
    """The variable names a ``synthetic`` node produces, in order (params, then levels).

    A pressure-level parameter gives one variable per level (``t`` → ``t_500``, ``t_850``);
    a full name (``t_850``) is kept; ``z`` is the surface geopotential unless levels are given
    (or ``levtype: pl``).
    """
    levels = config.levels
    names: list[str] = []
    for param in config.param:
        if "_" in param:  # a full variable name such as t_850
            names.append(param)
            continue
        on_levels = config.levtype == "pl" or (config.levtype is None and bool(levels))
        if param in PRESSURE_PARAMS and on_levels:
            names.extend(f"{param}_{level}" for level in levels)
        elif config.levtype == "pl":
            raise SyntheticError(
                f"'{param}' is not a pressure-level parameter; those are "
                f"{', '.join(PRESSURE_PARAMS)}.",
                hint="Put surface parameters in a source without levtype: pl.",
            )
        elif param in SURFACE_VARIABLES:
            names.append(param)
        elif param in PRESSURE_PARAMS:
            raise SyntheticError(
                f"pressure-level parameter '{param}' needs levels.",
                hint=f"Add level: [500, 850] (hPa), or name the variables directly ({param}_850).",
            )
        else:
            parse_variable(param)  # raises with a suggestion and the supported names
    parse_variables(names)
    return names


class SyntheticSource(Source):
    """Deterministic synthetic weather on a named grid (see :mod:`fc_datasets.synthetic`)."""

    config_model: ClassVar[type[Any] | None] = SyntheticSourceConfig
    config: SyntheticSourceConfig

    def __init__(self, config: Any, context: BuildContext) -> None:
        if isinstance(config, Mapping):
            from fc_config.errors import validate

            config = validate(SyntheticSourceConfig, dict(config), source=context.path)
        super().__init__(config, context)
        from fc_utils.grids import grid_from_name

        try:
            self.variables = expand_variables(self.config)
            self.grid = grid_from_name(self.config.grid)
        except FcError as exc:
            raise SyntheticError(f"{self.describe()}: {exc}") from exc
        self._atmosphere: SyntheticAtmosphere | None = None

    def describe(self) -> str:
        """The node's position in the recipe and the source's name."""
        return f"synthetic source at {self.context.path}"

    @property
    def atmosphere(self) -> SyntheticAtmosphere:
        """The synthetic atmosphere on this source's grid (built on first use)."""
        if self._atmosphere is None:
            start = self.config.ensemble_start
            self._atmosphere = SyntheticAtmosphere(
                self.grid.latitudes,
                self.grid.longitudes,
                seed=self.config.seed,
                members=self.config.members,
                ensemble_start=None if start is None else np.datetime64(start, "s"),
            )
        return self._atmosphere

    def load(self, dates: np.ndarray) -> FieldBlock:
        """The synthetic fields on ``dates``: ``[date, variable, member, cell]`` float32."""
        when = to_datetime64(dates).reshape(-1)
        LOG.debug("%s: %d variables on %d dates", self.describe(), len(self.variables), when.size)
        data = self.atmosphere.compute(self.variables, when)
        return FieldBlock(
            dates=when,
            variables=list(self.variables),
            data=data,
            latitudes=np.asarray(self.grid.latitudes),
            longitudes=np.asarray(self.grid.longitudes),
            metadata={name: variable_metadata(name) for name in self.variables},
            grid=self.grid.description(),
        )
