"""A small table of unit conversions, without a units library.

Weather datasets need a handful of conversions, always the same: kelvin and degrees Celsius,
pascals and hectopascals, geopotential and geopotential height, metres of water and
millimetres (or kg m⁻²), accumulated energy and mean flux, fractions and percentages. Spelling
varies between GRIB (``m**2 s**-2``), CF (``m2 s-2``) and people (``m^2/s^2``), so units are
parsed into a canonical form first.

Each unit is ``(dimension, scale, offset)``: ``value_in_base = value * scale + offset``. A few
bridges connect dimensions through physics: water density (1 kg m⁻² = 1 mm), standard gravity
(z = g · h) and time (J m⁻² over a period = W m⁻² · seconds).
"""

from __future__ import annotations

import re

from fc_config.suggest import did_you_mean

__all__ = ["STANDARD_GRAVITY", "UnitsError", "canonical", "conversion", "known_units"]

#: Standard acceleration of gravity in m s⁻² (CGPM 1901), the g of GRIB's geopotential.
STANDARD_GRAVITY = 9.80665

_UNITS: dict[str, tuple[str, float, float]] = {
    # temperature, base K
    "k": ("temperature", 1.0, 0.0),
    "degc": ("temperature", 1.0, 273.15),
    "°c": ("temperature", 1.0, 273.15),
    "c": ("temperature", 1.0, 273.15),
    "celsius": ("temperature", 1.0, 273.15),
    "deg_c": ("temperature", 1.0, 273.15),
    "degrees_celsius": ("temperature", 1.0, 273.15),
    "degf": ("temperature", 5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
    "°f": ("temperature", 5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
    "fahrenheit": ("temperature", 5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
    # pressure, base Pa
    "pa": ("pressure", 1.0, 0.0),
    "hpa": ("pressure", 100.0, 0.0),
    "mbar": ("pressure", 100.0, 0.0),
    "mb": ("pressure", 100.0, 0.0),
    "millibar": ("pressure", 100.0, 0.0),
    "millibars": ("pressure", 100.0, 0.0),
    "kpa": ("pressure", 1000.0, 0.0),
    "bar": ("pressure", 1.0e5, 0.0),
    # length, base m
    "m": ("length", 1.0, 0.0),
    "gpm": ("length", 1.0, 0.0),
    "mm": ("length", 1.0e-3, 0.0),
    "cm": ("length", 1.0e-2, 0.0),
    "dam": ("length", 10.0, 0.0),
    "km": ("length", 1.0e3, 0.0),
    # geopotential (specific energy), base m2 s-2
    "m2 s-2": ("geopotential", 1.0, 0.0),
    "j kg-1": ("geopotential", 1.0, 0.0),
    # water amount, base kg m-2
    "kg m-2": ("mass_per_area", 1.0, 0.0),
    # energy per area, base J m-2
    "j m-2": ("energy_per_area", 1.0, 0.0),
    # flux, base W m-2
    "w m-2": ("flux", 1.0, 0.0),
    # ratio, base 1
    "1": ("ratio", 1.0, 0.0),
    "fraction": ("ratio", 1.0, 0.0),
    "dimensionless": ("ratio", 1.0, 0.0),
    "%": ("ratio", 0.01, 0.0),
    "percent": ("ratio", 0.01, 0.0),
    # speed, base m s-1
    "m s-1": ("speed", 1.0, 0.0),
    "km h-1": ("speed", 1.0 / 3.6, 0.0),
    "kt": ("speed", 1852.0 / 3600.0, 0.0),
    "kn": ("speed", 1852.0 / 3600.0, 0.0),
    "knot": ("speed", 1852.0 / 3600.0, 0.0),
    "knots": ("speed", 1852.0 / 3600.0, 0.0),
    # rates, base kg m-2 s-1
    "kg m-2 s-1": ("mass_flux", 1.0, 0.0),
    "mm s-1": ("mass_flux", 1.0, 0.0),
    "mm h-1": ("mass_flux", 1.0 / 3600.0, 0.0),
    "mm day-1": ("mass_flux", 1.0 / 86400.0, 0.0),
    "mm d-1": ("mass_flux", 1.0 / 86400.0, 0.0),
}

#: ``(from dimension, to dimension) -> factor``: one base unit of the first in the second.
_BRIDGES: dict[tuple[str, str], float] = {
    ("mass_per_area", "length"): 1.0e-3,  # 1 kg m-2 of water is 1 mm deep
    ("geopotential", "length"): 1.0 / STANDARD_GRAVITY,  # z = g h
}

_TOKEN = re.compile(r"^([a-z°%_]+|1)(-?\d+)?$")


class UnitsError(ValueError):
    """Units that the table does not know, or that cannot be converted into each other."""


def canonical(units: str) -> str:
    """The canonical spelling of ``units``: ``m**2 s**-2``, ``m^2/s^2``, ``m2 s-2`` → ``m2 s-2``."""
    text = units.strip().lower().replace("**", "").replace("^", "").replace("·", " ")
    if re.fullmatch(r"\(?\s*0\s*-\s*1\s*\)?", text) or text in ("", "-", "~"):
        return "1"
    numerator, _, denominator = text.partition("/")
    tokens: list[str] = []
    for part, sign in ((numerator, 1), (denominator, -1)):
        for token in re.split(r"[\s*.]+", part.strip()):
            if not token:
                continue
            found = _TOKEN.match(token)
            if found is None:
                return text
            power = int(found.group(2) or 1) * sign
            tokens.append(found.group(1) if power == 1 else f"{found.group(1)}{power}")
    return " ".join(tokens)


def known_units() -> list[str]:
    """The canonical units the table converts between."""
    return list(_UNITS)


def _lookup(units: str) -> tuple[str, float, float]:
    key = canonical(units)
    if key not in _UNITS:
        raise UnitsError(
            f"unknown units '{units}'.{did_you_mean(key, _UNITS)} Known: {', '.join(_UNITS)}."
        )
    return _UNITS[key]


def conversion(
    source: str, target: str, *, period_seconds: float | None = None
) -> tuple[float, float]:
    """``(scale, offset)`` such that ``value_in_target = value_in_source * scale + offset``.

    Parameters
    ----------
    source, target
        Units in any common spelling.
    period_seconds
        Length of the accumulation, needed between ``J m-2`` and ``W m-2``.

    Raises
    ------
    UnitsError
        For unknown units, units of unrelated quantities, or a missing period.
    """
    dim1, s1, o1 = _lookup(source)
    dim2, s2, o2 = _lookup(target)
    factor = 1.0
    if dim1 != dim2:
        pair = (dim1, dim2)
        if pair in _BRIDGES:
            factor = _BRIDGES[pair]
        elif (dim2, dim1) in _BRIDGES:
            factor = 1.0 / _BRIDGES[(dim2, dim1)]
        elif {dim1, dim2} == {"energy_per_area", "flux"}:
            if not period_seconds:
                raise UnitsError(
                    f"converting '{source}' to '{target}' needs the accumulation period; give "
                    "'period' (such as 6h) or use a variable whose metadata has one"
                )
            factor = 1.0 / period_seconds if dim1 == "energy_per_area" else float(period_seconds)
        else:
            raise UnitsError(f"cannot convert '{source}' ({dim1}) to '{target}' ({dim2})")
    # value_base1 = x*s1 + o1; value_base2 = value_base1*factor; y = (value_base2 - o2) / s2
    return s1 * factor / s2, (o1 * factor - o2) / s2
