"""fc-inference: Autoregressive forecasts from fc checkpoints, GRIB/NetCDF/zarr output and verification."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
