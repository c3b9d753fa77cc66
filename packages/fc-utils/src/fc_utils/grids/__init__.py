"""Grid generators: regular lat-lon, regular and reduced Gaussian (O, N, F) grids, computed.

Every grid is computed from its definition; nothing is ever downloaded. A :class:`Grid` holds
flattened coordinates in degrees with these conventions, the same as ECMWF's GRIB grids:

- rows run from **north to south**;
- longitudes are in **[0, 360)**, each row of a global grid **starting at 0°** and increasing
  eastwards (a limited-area grid's rows start at the area's western edge).

Examples
--------
>>> from fc_utils.grids import grid_from_name, grid_size
>>> grid_from_name("O96").size
40320
>>> grid_size("N320")
542080
"""

from __future__ import annotations

from fc_utils.grids.area import area_subset
from fc_utils.grids.gaussian import (
    available_classic_n,
    classic_pl,
    classic_reduced,
    gaussian_latitudes,
    octahedral,
    octahedral_pl,
    regular_gaussian,
)
from fc_utils.grids.grid import Grid, GridType
from fc_utils.grids.latlon import global_latlon_shape, latlon_name, regular_latlon
from fc_utils.grids.names import grid_from_name, grid_size

__all__ = [
    "Grid",
    "GridType",
    "area_subset",
    "available_classic_n",
    "classic_pl",
    "classic_reduced",
    "gaussian_latitudes",
    "global_latlon_shape",
    "grid_from_name",
    "grid_size",
    "latlon_name",
    "octahedral",
    "octahedral_pl",
    "regular_gaussian",
    "regular_latlon",
]
