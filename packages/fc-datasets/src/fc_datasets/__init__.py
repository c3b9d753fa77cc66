"""fc-datasets: Recipes to zarr training datasets from GRIB, NetCDF and zarr archives; statistics; lazy dataset views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "open_dataset"]

if TYPE_CHECKING:
    from fc_datasets.views import open_dataset


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `import fc_datasets` (and `fc-datasets --help`) stays light.
    if name == "open_dataset":
        from fc_datasets.views import open_dataset

        return open_dataset
    raise AttributeError(f"module 'fc_datasets' has no attribute {name!r}")
