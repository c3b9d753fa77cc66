"""The ``xarray-zarr`` source: fields from a zarr store read with xarray (Anemoi's ``xarray-zarr``).

Example recipe node::

    xarray-zarr:
      url: gs://bucket/era5.zarr     # or a local path, relative to the recipe's folder
      param: [2m_temperature, temperature]
      level: 850

Any store xarray opens with its ``zarr`` engine works (zarr v2 and v3, consolidated or not;
remote URLs need fsspec and the matching filesystem package). Naming follows the ``netcdf``
source: the store's variable names, ``{param}_{level}`` for levelled ones.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

from fc_config.recipes.sources import XarrayZarrSourceConfig
from fc_datasets.sources._xarray import XarraySourceBase

__all__ = ["XarrayZarrSource"]


class XarrayZarrSource(XarraySourceBase):
    """Reads a zarr store lazily (no dask; only the requested dates are read)."""

    config_model: ClassVar[type[XarrayZarrSourceConfig]] = XarrayZarrSourceConfig
    kind: ClassVar[str] = "xarray-zarr"
    engine: ClassVar[str | None] = "zarr"

    config: XarrayZarrSourceConfig

    def _patterns(self) -> list[str]:
        return [self.config.url]

    def _open(self, location: str) -> Any:
        # a store without consolidated metadata opens fine, only slower: not worth a warning
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=".*consolidated metadata", category=RuntimeWarning
            )
            return super()._open(location)

    def _candidates(self, date: Any) -> list[str]:
        # a store is one location (a directory): never expand it as a glob of files
        return [self._resolve(self.config.url)]
