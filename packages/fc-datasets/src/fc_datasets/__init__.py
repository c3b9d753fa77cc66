"""fc-datasets: Recipes to zarr training datasets from GRIB, NetCDF and zarr archives; statistics; lazy dataset views."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
