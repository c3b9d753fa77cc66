"""The variables the synthetic source knows: names, units, GRIB keys, parsing.

Names follow Anemoi and ECMWF: surface fields by their GRIB short name (``2t``, ``msl``, ``10u``,
``z`` for the surface geopotential), pressure-level fields as ``{param}_{level}`` with the level
in hPa (``t_850``, ``z_500``). The metadata carries the GRIB keys (``paramId``, ``shortName``,
``typeOfLevel``, ``level``) that let a dataset, or the GRIB writer of this package, write the
field back exactly as ECMWF software expects it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fc_config.suggest import closest_match
from fc_datasets.exceptions import SourceError

__all__ = [
    "PRESSURE_PARAMS",
    "STANDARD_LEVELS",
    "SURFACE_VARIABLES",
    "SyntheticError",
    "VariableSpec",
    "parse_variable",
    "parse_variables",
    "standard_name",
    "supported_variables",
    "variable_metadata",
]

#: Pressure levels (hPa) used to suggest names; any level between 1 and 1100 hPa is accepted.
STANDARD_LEVELS: tuple[int, ...] = (1000, 925, 850, 700, 600, 500, 400, 300, 250, 200, 150, 100, 50)

_MIN_LEVEL, _MAX_LEVEL = 1, 1100


class SyntheticError(SourceError):
    """A request the synthetic source cannot satisfy: an unknown variable, a bad grid or seed."""


@dataclass(frozen=True)
class _Param:
    units: str
    long_name: str
    param_id: int
    short_name: str
    standard_name: str
    type_of_level: str = "isobaricInhPa"
    level: int = 0
    process: str = "instantaneous"


#: Single-level fields by name.
SURFACE_VARIABLES: dict[str, _Param] = {
    "2t": _Param("K", "2 metre temperature", 167, "2t", "air_temperature", "heightAboveGround", 2),
    "msl": _Param(
        "Pa", "Mean sea level pressure", 151, "msl", "air_pressure_at_mean_sea_level", "meanSea"
    ),
    "10u": _Param(
        "m s**-1", "10 metre U wind component", 165, "10u", "eastward_wind", "heightAboveGround", 10
    ),
    "10v": _Param(
        "m s**-1",
        "10 metre V wind component",
        166,
        "10v",
        "northward_wind",
        "heightAboveGround",
        10,
    ),
    "sp": _Param("Pa", "Surface pressure", 134, "sp", "surface_air_pressure", "surface"),
    "lsm": _Param(
        "1", "Land-sea mask", 172, "lsm", "land_binary_mask", "surface", process="constant"
    ),
    "z": _Param(
        "m**2 s**-2",
        "Geopotential",
        129,
        "z",
        "surface_geopotential",
        "surface",
        process="constant",
    ),
}

#: Pressure-level parameters by GRIB short name.
PRESSURE_PARAMS: dict[str, _Param] = {
    "z": _Param("m**2 s**-2", "Geopotential", 129, "z", "geopotential"),
    "t": _Param("K", "Temperature", 130, "t", "air_temperature"),
    "u": _Param("m s**-1", "U component of wind", 131, "u", "eastward_wind"),
    "v": _Param("m s**-1", "V component of wind", 132, "v", "northward_wind"),
    "q": _Param("kg kg**-1", "Specific humidity", 133, "q", "specific_humidity"),
}

_LEVELLED = re.compile(r"^([a-z]+)_(\d+)$")

_SUPPORTED_TEXT = (
    "The synthetic source supports the surface fields "
    + ", ".join(SURFACE_VARIABLES)
    + " (z is the surface geopotential) and the pressure-level fields "
    + ", ".join(f"{p}_<level>" for p in PRESSURE_PARAMS)
    + f" for any level in hPa from {_MIN_LEVEL} to {_MAX_LEVEL} (e.g. t_850, z_500)."
)


@dataclass(frozen=True)
class VariableSpec:
    """A parsed variable name: its GRIB parameter and, for pressure-level fields, the level."""

    name: str
    param: str
    level: int | None

    @property
    def is_pressure_level(self) -> bool:
        """Whether the field lives on a pressure level (``t_850``) rather than the surface."""
        return self.level is not None

    @property
    def is_constant(self) -> bool:
        """Whether the field does not change with time (land-sea mask, orography)."""
        return self.level is None and SURFACE_VARIABLES[self.param].process == "constant"


def supported_variables(levels: Iterable[int] = STANDARD_LEVELS) -> list[str]:
    """Names the synthetic source can produce: the surface fields, then each param on ``levels``."""
    names = list(SURFACE_VARIABLES)
    names += [f"{p}_{int(level)}" for p in PRESSURE_PARAMS for level in levels]
    return names


def _unknown(name: str, why: str) -> SyntheticError:
    match = closest_match(name, supported_variables())
    # "t850" or "T_850" at an unusual level: suggest the same level with the right spelling
    squeezed = re.fullmatch(r"([a-zA-Z]+)[_\s-]*(\d+)", name.strip())
    if squeezed and squeezed.group(1).lower() in PRESSURE_PARAMS:
        level = int(squeezed.group(2))
        if _MIN_LEVEL <= level <= _MAX_LEVEL:
            match = f"{squeezed.group(1).lower()}_{level}"
    suggestion = f" Did you mean '{match}'?" if match is not None and match != name else ""
    return SyntheticError(f"{why}.{suggestion}", hint=_SUPPORTED_TEXT)


def parse_variable(name: str) -> VariableSpec:
    """Parse ``name`` (``2t``, ``t_850``) into its parameter and level.

    Raises
    ------
    SyntheticError
        For a name the source does not know, with the closest known name and the list of
        supported names.
    """
    if not isinstance(name, str):
        raise SyntheticError(
            f"a variable name must be a string such as 't_850', got {name!r}.",
            hint=_SUPPORTED_TEXT,
        )
    if name in SURFACE_VARIABLES:
        return VariableSpec(name, name, None)
    found = _LEVELLED.match(name)
    if found is None or found.group(1) not in PRESSURE_PARAMS:
        raise _unknown(name, f"Unknown synthetic variable {name!r}")
    level = int(found.group(2))
    if not _MIN_LEVEL <= level <= _MAX_LEVEL:
        raise _unknown(
            name,
            f"Synthetic variable {name!r} is on {level} hPa, outside the supported levels "
            f"{_MIN_LEVEL}-{_MAX_LEVEL} hPa",
        )
    return VariableSpec(name, found.group(1), level)


def parse_variables(names: Sequence[str]) -> list[VariableSpec]:
    """Parse several names; duplicates are an error (a dataset holds each variable once)."""
    if isinstance(names, str):
        names = [names]
    specs = [parse_variable(n) for n in names]
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise SyntheticError(
                f"variable {spec.name!r} is requested twice; list each variable once."
            )
        seen.add(spec.name)
    return specs


def variable_metadata(name: str) -> dict[str, Any]:
    """Metadata of a synthetic variable, in the shape of ``fc_config.common.VariableMetadata``.

    Includes the GRIB keys needed to write it back (``paramId``, ``shortName``,
    ``typeOfLevel``, ``level``) and a CF ``standard_name`` for NetCDF output.
    """
    spec = parse_variable(name)
    if spec.level is None:
        p = SURFACE_VARIABLES[spec.param]
        level_type, level, grib_level = "sfc", None, p.level
    else:
        p = PRESSURE_PARAMS[spec.param]
        level_type, level, grib_level = "pl", spec.level, spec.level
    return {
        "name": spec.name,
        "units": p.units,
        "long_name": p.long_name,
        "level_type": level_type,
        "level": level,
        "grib": {
            "paramId": p.param_id,
            "shortName": p.short_name,
            "typeOfLevel": p.type_of_level,
            "level": grib_level,
        },
        "process": p.process,
    }


def standard_name(name: str) -> str:
    """The CF standard name of a synthetic variable (for NetCDF output)."""
    spec = parse_variable(name)
    table = SURFACE_VARIABLES if spec.level is None else PRESSURE_PARAMS
    return table[spec.param].standard_name
