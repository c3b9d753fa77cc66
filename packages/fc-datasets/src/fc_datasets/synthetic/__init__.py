"""The synthetic weather source: deterministic, learnable, physically plausible global fields.

fc's demo and end-to-end tests train forecast models on these fields, so they move and evolve
like weather (travelling, growing and decaying Rossby-like waves in geostrophic and hydrostatic
balance, diurnal and seasonal cycles) while being a pure function of ``(seed, date, point)``.
See ``docs/datasets/synthetic.md`` for the equations.

Heavy dependencies (eccodes, xarray) are imported only by the writers, when called.
"""

from __future__ import annotations

from fc_datasets.synthetic.fields import SyntheticAtmosphere, synthetic_fields
from fc_datasets.synthetic.source import SyntheticSource
from fc_datasets.synthetic.variables import (
    SyntheticError,
    parse_variable,
    supported_variables,
    variable_metadata,
)
from fc_datasets.synthetic.writer import write_grib, write_netcdf

__all__ = [
    "SyntheticAtmosphere",
    "SyntheticError",
    "SyntheticSource",
    "parse_variable",
    "supported_variables",
    "synthetic_fields",
    "variable_metadata",
    "write_grib",
    "write_netcdf",
]
