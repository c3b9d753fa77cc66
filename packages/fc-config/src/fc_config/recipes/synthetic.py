"""Parameters of the built-in ``synthetic`` source: deterministic synthetic weather on any grid.

The keys mirror a MARS request (``param``, ``level``/``levelist``, ``levtype``), so that a
recipe can switch between real and synthetic data by changing the source's name and adding a
``grid``. fc-datasets' ``fc_datasets.synthetic`` documents the fields themselves.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from fc_config.base import FcModel
from fc_config.scalars import UtcDatetime

__all__ = ["SyntheticSourceConfig"]


def _as_list(value: Any) -> Any:
    """One value is a list of one (``param: 2t``); MARS's ``500/850`` is a list too."""
    if isinstance(value, str) and "/" in value:
        return [part.strip() for part in value.split("/") if part.strip()]
    if isinstance(value, str | int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, tuple):
        return list(value)
    return value


_Names = Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_as_list)]
_Levels = Annotated[list[Annotated[int, Field(ge=1, le=1100)]], BeforeValidator(_as_list)]


class SyntheticSourceConfig(FcModel):
    """Synthetic weather computed on the fly (the demo's and the end-to-end tests' data).

    Example::

        synthetic:
          grid: O96
          param: [2t, msl, 10u, 10v, t, z]
          level: [500, 850]
          seed: 0

    gives ``2t``, ``msl``, ``10u``, ``10v``, ``t_500``, ``t_850``, ``z_500`` and ``z_850``.
    """

    grid: str = Field(min_length=1)
    """Grid to compute the fields on, by name: ``O96``, ``N320``, ``F48``, ``1p0``, ``0p25``."""

    param: _Names = Field(min_length=1)
    """Parameters: surface ``2t``, ``msl``, ``10u``, ``10v``, ``sp``, ``lsm``, ``z`` and
    pressure-level ``z``, ``t``, ``u``, ``v``, ``q``, which expand to one variable per level
    (``t_850``). A full variable name such as ``t_850`` is accepted as well. ``z`` is the
    pressure-level geopotential when levels are given (or ``levtype: pl``), else the surface
    geopotential."""

    level: _Levels | None = None
    """Pressure levels in hPa for the pressure-level parameters (``[500, 850]``)."""

    levelist: _Levels | None = None
    """Anemoi's (MARS's) other spelling of ``level``; give one or the other."""

    levtype: Literal["sfc", "pl"] | None = None
    """``sfc`` to read every parameter as a surface field, ``pl`` as pressure-level fields;
    by default parameters that exist on pressure levels expand when levels are given."""

    seed: int = Field(default=0, ge=0)
    """Seed of the weather: the same seed gives bit-identical fields for the same date and
    grid point, whatever the dates asked for with it."""

    members: int = Field(default=1, ge=1)
    """Number of ensemble members; member 0 is the unperturbed control."""

    ensemble_start: UtcDatetime | None = None
    """Date from which the members' perturbations grow from 5 % of their full size; by
    default the members are at full spread at every date."""

    @model_validator(mode="after")
    def _consistent(self) -> SyntheticSourceConfig:
        if self.level is not None and self.levelist is not None:
            raise ValueError("give the levels as 'level' or as 'levelist', not both")
        if self.levtype == "sfc" and self.levels:
            raise ValueError("levtype 'sfc' takes no levels; remove 'level' or use levtype 'pl'")
        if self.levtype == "pl" and not self.levels:
            raise ValueError("levtype 'pl' needs the pressure levels in 'level'")
        return self

    @property
    def levels(self) -> list[int]:
        """The pressure levels, whichever key named them (empty when none)."""
        chosen = self.level if self.level is not None else self.levelist
        return list(chosen or [])
