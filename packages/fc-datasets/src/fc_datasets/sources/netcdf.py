"""The ``netcdf`` source: fields from NetCDF files read with xarray (Anemoi's ``netcdf``).

Example recipe node::

    netcdf:
      path: era5/{date:strftime(%Y%m)}.nc   # a file, a glob, a list, or a date pattern
      param: [t2m, msl, t]
      level: [500, 850]                     # t gives t_500 and t_850

Variables keep the file's names; a variable with a level dimension gives one field per level,
``{param}_{level}``. Rename them with the ``rename`` filter (``t2m`` → ``2t``).
"""

from __future__ import annotations

from typing import ClassVar

from fc_config.recipes.sources import NetcdfSourceConfig
from fc_datasets.sources._xarray import XarraySourceBase

__all__ = ["NetcdfSource"]


class NetcdfSource(XarraySourceBase):
    """Reads NetCDF files lazily with the ``netcdf4`` engine (only requested dates are read)."""

    config_model: ClassVar[type[NetcdfSourceConfig]] = NetcdfSourceConfig
    kind: ClassVar[str] = "netcdf"
    engine: ClassVar[str | None] = "netcdf4"

    config: NetcdfSourceConfig

    def _patterns(self) -> list[str]:
        return list(self.config.path)
