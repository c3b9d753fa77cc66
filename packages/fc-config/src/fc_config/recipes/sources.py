"""Parameters of the built-in ``netcdf``, ``xarray-zarr``, ``forcings`` and ``constants`` sources.

The keys are those of Anemoi's sources of the same names, so that an Anemoi recipe's input
tree validates unchanged (``path``/``url``, ``param``, ``level`` or ``levelist``, ``template``).
fc adds a few keys of its own, each marked as such in its description.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from fc_config.base import FcModel

__all__ = [
    "ConstantsSourceConfig",
    "ForcingsSourceConfig",
    "Levels",
    "NameList",
    "NetcdfSourceConfig",
    "XarrayZarrSourceConfig",
]


def _as_list(value: Any) -> Any:
    """A single name or level is a list of one, as in Anemoi (``param: 2t``)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [value]
    if isinstance(value, tuple):
        return list(value)
    return value


#: One name or a list of names (``param: 2t`` is ``param: [2t]``).
NameList = Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_as_list)]

#: One level or a list of levels (``level: 850`` is ``level: [850]``).
Levels = Annotated[list[int | float], BeforeValidator(_as_list)]


class _XarraySourceConfig(FcModel):
    """What the xarray-based sources share: the selection of variables, levels and members."""

    param: NameList | None = None
    """Variables to read, by their name in the file (``t2m``, ``t``); all the variables that
    have the time and grid dimensions when left out. A variable with levels gives one field
    per level, named ``{param}_{level}`` (``t_850``)."""

    level: Levels | None = None
    """Levels to keep for variables that have a level dimension (``[500, 850]``), in the
    units of the file's level coordinate (hPa when the coordinate is in Pa is also accepted);
    all levels when left out."""

    levelist: Levels | None = None
    """Anemoi's other spelling of ``level``; give one or the other."""

    number: Annotated[list[int], BeforeValidator(_as_list)] | None = None
    """Ensemble members to keep, by their value on the ``number``/``member``/``realization``
    coordinate; all members when left out."""

    options: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments passed to ``xarray.open_dataset`` (``decode_times``, ``group``, ...),
    as Anemoi's ``options``."""

    @model_validator(mode="after")
    def _one_level_key(self) -> _XarraySourceConfig:
        if self.level is not None and self.levelist is not None:
            raise ValueError("give the levels as 'level' or as 'levelist', not both")
        return self

    @property
    def levels(self) -> list[int | float] | None:
        """The selected levels, whichever key named them."""
        return self.level if self.level is not None else self.levelist


class NetcdfSourceConfig(_XarraySourceConfig):
    """Fields read from NetCDF files with xarray (Anemoi's ``netcdf`` source).

    Example::

        netcdf:
          path: era5/{date:strftime(%Y%m)}.nc
          param: [t2m, msl, t]
          level: [500, 850]
    """

    path: Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_as_list)]
    """File, glob pattern (``data/*.nc``) or list of them, relative to the recipe's folder. A
    ``{date:strftime(%Y%m%d)}`` pattern names one file per date, as in Anemoi."""


class XarrayZarrSourceConfig(_XarraySourceConfig):
    """Fields read from a zarr store with xarray (Anemoi's ``xarray-zarr`` source).

    Example::

        xarray-zarr:
          url: https://example.org/era5.zarr
          param: [2m_temperature, temperature]
          level: 850
    """

    url: str = Field(min_length=1)
    """Location of the store: a local path (relative to the recipe's folder) or any URL that
    xarray and zarr can open (``s3://``, ``gs://``, ``https://`` with fsspec installed)."""


class _ComputedSourceConfig(FcModel):
    """Fields computed from the date and the position of each grid point."""

    param: NameList = Field(min_length=1)
    """Names of the computed fields: ``cos_latitude``, ``sin_latitude``, ``cos_longitude``,
    ``sin_longitude``, ``cos_julian_day``, ``sin_julian_day``, ``cos_local_time``,
    ``sin_local_time``, ``cos_solar_zenith_angle``, ``insolation``,
    ``toa_incident_solar_radiation``, ``toa_incident_solar_radiation_accumulated``."""

    template: str | None = None
    """Reference to the node whose grid the fields are computed on, as in Anemoi:
    ``${input.join.0.grib}`` (the first source of the top-level join)."""

    grid: str | None = None
    """fc extension: the grid by name (``O96``, ``N320``, ``1p0``) instead of a template."""

    @model_validator(mode="after")
    def _one_grid(self) -> _ComputedSourceConfig:
        if (self.template is None) == (self.grid is None):
            raise ValueError(
                "give either 'template' (a reference such as '${input.join.0.grib}') or "
                "'grid' (a grid name such as 'O96'), exactly one of them"
            )
        return self


class ForcingsSourceConfig(_ComputedSourceConfig):
    """Forcings computed on the fly on the grid of another source (Anemoi's ``forcings``).

    Example::

        forcings:
          template: ${input.join.0.grib}
          param: [cos_latitude, sin_latitude, cos_julian_day, insolation]
    """


class ConstantsSourceConfig(_ComputedSourceConfig):
    """Time-invariant computed fields (Anemoi's ``constants``): only the position features
    ``cos_latitude``, ``sin_latitude``, ``cos_longitude`` and ``sin_longitude``.

    Example::

        constants:
          template: ${input.join.0.grib}
          param: [cos_latitude, sin_latitude]
    """
