"""Computed forcings: position, time-of-year, time-of-day and solar features of each grid cell.

Datasets store these fields and inference recomputes them for every forecast step, so both
must compute them here, identically. Names are those Anemoi users write in recipes and configs.

Conventions
-----------
- Dates are UTC (naive dates are taken as UTC; aware ones are converted); coordinates are in
  degrees. Every forcing function takes ``(dates, latitudes, longitudes)`` and returns float64
  values of shape ``[date, cell]``.
- **Julian day**: the day of the year counted from 1 January 00:00 UTC, with the fraction of the
  day (so 1 January 00 UTC is 0.0, 2 January 12 UTC is 1.5), as the angle ``2π · doy / 365.25``.
- **Local time**: ``(UTC hour + longitude / 15) mod 24`` (mean solar time), as the angle
  ``2π · lt / 24``.
- **Sun**: declination, equation of time and Earth–Sun distance from the low-precision formulas
  of the *Astronomical Almanac* (section C, "Low precision formulas for the Sun"; 0.01° between
  1950 and 2050), which need no table and no leap-year logic. The hour angle is
  ``15° · (UTC hour − 12) + longitude + equation of time`` and
  ``cos z = sin φ sin δ + cos φ cos δ cos h``.
- ``cos_solar_zenith_angle`` is that cosine, negative at night; ``insolation`` is
  ``max(cos z, 0)``: the sun's height factor, zero when the sun is below the horizon.
- ``toa_incident_solar_radiation`` is the instantaneous flux ``S0 · (d0/d)² · max(cos z, 0)`` in
  W m-2 with ``S0 = 1361 W m-2`` (Kopp & Lean, 2011) and ``d`` the Earth–Sun distance (``d0`` = 1
  au); ``toa_incident_solar_radiation_accumulated`` is its integral over the **hour before** each
  date in J m-2, like ERA5's hourly ``tisr`` (midpoint rule on 12 sub-steps of 5 minutes).
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from fc_config.suggest import did_you_mean
from fc_utils.exceptions import ForcingError

__all__ = [
    "FORCINGS",
    "SOLAR_CONSTANT",
    "Forcing",
    "SunPosition",
    "compute_forcings",
    "cos_julian_day",
    "cos_latitude",
    "cos_local_time",
    "cos_longitude",
    "cos_solar_zenith_angle",
    "forcing_metadata",
    "forcing_names",
    "insolation",
    "sin_julian_day",
    "sin_latitude",
    "sin_local_time",
    "sin_longitude",
    "sun_position",
    "toa_incident_solar_radiation",
    "toa_incident_solar_radiation_accumulated",
]

LOG = logging.getLogger(__name__)

#: Total solar irradiance at 1 au in W m-2 (Kopp & Lean, 2011, Geophys. Res. Lett. 38, L01706).
SOLAR_CONSTANT = 1361.0

#: A forcing: ``(dates, latitudes, longitudes) -> values[date, cell]`` (float64).
Forcing = Callable[[Any, Any, Any], np.ndarray]

_J2000 = np.datetime64("2000-01-01T12:00:00", "s")
_SECONDS_PER_DAY = 86400.0
_DAYS_PER_YEAR = 365.25
#: compute_forcings works on at most this many (date, cell) values at a time, so that the
#: temporaries stay around 30 MB whatever the number of dates.
_CHUNK_VALUES = 1 << 22


# --------------------------------------------------------------------------------------------
# Inputs


def _to_utc(value: object) -> object:
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        return value.astimezone(_dt.UTC).replace(tzinfo=None)
    return value


def _as_dates(dates: Any) -> np.ndarray:
    """Return ``dates`` as a 1-D ``datetime64[s]`` array (UTC)."""
    if isinstance(dates, np.ndarray) and np.issubdtype(dates.dtype, np.datetime64):
        array = dates.astype("datetime64[s]").reshape(-1)
    else:
        if isinstance(dates, str | _dt.date | np.datetime64) or not isinstance(dates, Iterable):
            dates = [dates]
        try:
            array = np.asarray([_to_utc(d) for d in dates], dtype="datetime64[s]").reshape(-1)
        except (TypeError, ValueError) as exc:
            raise ForcingError(
                f"Could not read the dates {dates!r} ({exc}); give datetimes, numpy datetime64 "
                "values or ISO 8601 strings such as '2020-01-01T06:00'."
            ) from exc
    if np.any(np.isnat(array)):
        raise ForcingError("The dates contain NaT (not a time); give valid dates.")
    return array


def _as_coordinates(latitudes: Any, longitudes: Any) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.asarray(longitudes, dtype=np.float64)
    if lat.ndim != 1 or lat.shape != lon.shape:
        raise ForcingError(
            f"Latitudes and longitudes must be flat arrays of equal length (one per cell), got "
            f"shapes {lat.shape} and {lon.shape}."
        )
    if not (np.all(np.abs(lat) <= 90.0) and np.all(np.isfinite(lon))):
        raise ForcingError(
            "Latitudes must lie in [-90, 90] and longitudes be finite; give coordinates in degrees."
        )
    return lat, lon


def _prepare(
    dates: Any, latitudes: Any, longitudes: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (_as_dates(dates), *_as_coordinates(latitudes, longitudes))


def _seconds_since(dates: np.ndarray, unit: str) -> np.ndarray:
    """Seconds elapsed since the start of each date's year (``"Y"``) or day (``"D"``)."""
    return (dates - dates.astype(f"datetime64[{unit}]")).astype("timedelta64[s]").astype(np.float64)


def _days_since_j2000(dates: np.ndarray) -> np.ndarray:
    return (dates - _J2000).astype("timedelta64[s]").astype(np.float64) / _SECONDS_PER_DAY


# --------------------------------------------------------------------------------------------
# The sun


class SunPosition(NamedTuple):
    """Where the sun is, per date (arrays of shape ``[date]``).

    Attributes
    ----------
    declination
        Solar declination in radians.
    equation_of_time
        Apparent minus mean solar time, as an angle in radians (2π = 24 h).
    distance
        Earth–Sun distance in astronomical units.
    """

    declination: np.ndarray
    equation_of_time: np.ndarray
    distance: np.ndarray


def _sun(days: np.ndarray) -> SunPosition:
    """Astronomical Almanac low-precision solar coordinates, ``days`` since J2000.0 (UT ≈ TT)."""
    mean_longitude = np.radians((280.460 + 0.9856474 * days) % 360.0)
    mean_anomaly = np.radians((357.528 + 0.9856003 * days) % 360.0)
    ecliptic_longitude = (
        mean_longitude
        + np.radians(1.915) * np.sin(mean_anomaly)
        + np.radians(0.020) * np.sin(2.0 * mean_anomaly)
    )
    obliquity = np.radians(23.439 - 4.0e-7 * days)
    right_ascension = np.arctan2(
        np.cos(obliquity) * np.sin(ecliptic_longitude), np.cos(ecliptic_longitude)
    )
    declination = np.arcsin(np.sin(obliquity) * np.sin(ecliptic_longitude))
    equation_of_time = (mean_longitude - right_ascension + np.pi) % (2.0 * np.pi) - np.pi
    distance = 1.00014 - 0.01671 * np.cos(mean_anomaly) - 0.00014 * np.cos(2.0 * mean_anomaly)
    return SunPosition(declination, equation_of_time, distance)


def sun_position(dates: Any) -> SunPosition:
    """Return the solar declination, equation of time and Earth–Sun distance at ``dates``.

    Uses the low-precision formulas of the Astronomical Almanac (accurate to about 0.01° in
    declination and a few seconds in the equation of time around the present).
    """
    return _sun(_days_since_j2000(_as_dates(dates)))


def _cos_zenith(
    days: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return cos(solar zenith angle) ``[date, cell]`` and the Earth–Sun distance ``[date]``."""
    sun = _sun(days)
    # Days since J2000.0 are counted from noon UT, so their fraction is the mean sun's hour
    # angle at Greenwich; adding the equation of time gives the apparent sun's, g.
    greenwich = 2.0 * np.pi * (days % 1.0) + sun.equation_of_time
    # cos z = sin φ sin δ + cos φ cos δ cos(g + λ) splits into a sum of (date term) × (cell term),
    # a [date, 3] @ [3, cell] product: no trigonometry on the [date, cell] array at all.
    by_date = np.stack(
        [
            np.sin(sun.declination),
            np.cos(sun.declination) * np.cos(greenwich),
            -np.cos(sun.declination) * np.sin(greenwich),
        ],
        axis=1,
    )
    cos_z = by_date @ _position_basis(lat, lon)
    np.clip(cos_z, -1.0, 1.0, out=cos_z)
    return cos_z, sun.distance


def _position_basis(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Unit vectors of the cells, ``[3, cell]``: (sin φ, cos φ cos λ, cos φ sin λ)."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.sin(phi), np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam)])


def _toa_flux(days: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    cos_z, distance = _cos_zenith(days, lat, lon)
    np.maximum(cos_z, 0.0, out=cos_z)
    cos_z *= (SOLAR_CONSTANT / distance**2)[:, None]
    return cos_z


# --------------------------------------------------------------------------------------------
# The forcings


def _broadcast(values: np.ndarray, ndates: int) -> np.ndarray:
    return np.broadcast_to(values[None, :], (ndates, values.size))


def cos_latitude(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Cosine of latitude, ``[date, cell]`` (the same for every date)."""
    d, lat, _ = _prepare(dates, latitudes, longitudes)
    return _broadcast(np.cos(np.radians(lat)), d.size)


def sin_latitude(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Sine of latitude, ``[date, cell]`` (the same for every date)."""
    d, lat, _ = _prepare(dates, latitudes, longitudes)
    return _broadcast(np.sin(np.radians(lat)), d.size)


def cos_longitude(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Cosine of longitude, ``[date, cell]`` (the same for every date)."""
    d, _, lon = _prepare(dates, latitudes, longitudes)
    return _broadcast(np.cos(np.radians(lon)), d.size)


def sin_longitude(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Sine of longitude, ``[date, cell]`` (the same for every date)."""
    d, _, lon = _prepare(dates, latitudes, longitudes)
    return _broadcast(np.sin(np.radians(lon)), d.size)


def _julian_angle(dates: np.ndarray) -> np.ndarray:
    return 2.0 * np.pi * (_seconds_since(dates, "Y") / _SECONDS_PER_DAY) / _DAYS_PER_YEAR


def cos_julian_day(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Cosine of ``2π · doy / 365.25``, ``doy`` the fractional day of year from 0 (UTC)."""
    d, lat, _ = _prepare(dates, latitudes, longitudes)
    return np.broadcast_to(np.cos(_julian_angle(d))[:, None], (d.size, lat.size))


def sin_julian_day(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Sine of ``2π · doy / 365.25``, ``doy`` the fractional day of year from 0 (UTC)."""
    d, lat, _ = _prepare(dates, latitudes, longitudes)
    return np.broadcast_to(np.sin(_julian_angle(d))[:, None], (d.size, lat.size))


def _local_time(dates: np.ndarray, lon: np.ndarray, *, sine: bool) -> np.ndarray:
    # lt / 24 = UTC hour / 24 + λ / 360, so the angle is ω + λ with ω = 2π · hour / 24; expanding
    # cos(ω + λ) and sin(ω + λ) avoids trigonometry on the [date, cell] array.
    omega = 2.0 * np.pi * _seconds_since(dates, "D") / _SECONDS_PER_DAY
    lam = np.radians(lon)
    if sine:
        return np.outer(np.sin(omega), np.cos(lam)) + np.outer(np.cos(omega), np.sin(lam))
    return np.outer(np.cos(omega), np.cos(lam)) - np.outer(np.sin(omega), np.sin(lam))


def cos_local_time(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Cosine of ``2π · lt / 24`` with ``lt = (UTC hour + longitude / 15) mod 24``."""
    d, _, lon = _prepare(dates, latitudes, longitudes)
    return _local_time(d, lon, sine=False)


def sin_local_time(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Sine of ``2π · lt / 24`` with ``lt = (UTC hour + longitude / 15) mod 24``."""
    d, _, lon = _prepare(dates, latitudes, longitudes)
    return _local_time(d, lon, sine=True)


def cos_solar_zenith_angle(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Cosine of the solar zenith angle in [-1, 1]: 1 with the sun overhead, negative at night."""
    d, lat, lon = _prepare(dates, latitudes, longitudes)
    return _cos_zenith(_days_since_j2000(d), lat, lon)[0]


def insolation(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """``max(cos z, 0)`` in [0, 1]: the cosine of the solar zenith angle, zero at night.

    It is the top-of-atmosphere flux relative to ``S0 · (d0/d)²``, i.e. without the ±3.4 %
    seasonal change of the Earth–Sun distance.
    """
    d, lat, lon = _prepare(dates, latitudes, longitudes)
    return np.maximum(_cos_zenith(_days_since_j2000(d), lat, lon)[0], 0.0)


def toa_incident_solar_radiation(dates: Any, latitudes: Any, longitudes: Any) -> np.ndarray:
    """Instantaneous top-of-atmosphere incident solar flux in W m-2.

    ``S0 · (d0/d)² · max(cos z, 0)`` with ``S0 =`` :data:`SOLAR_CONSTANT`; its global mean is
    about ``S0 / 4 ≈ 340 W m-2``.
    """
    d, lat, lon = _prepare(dates, latitudes, longitudes)
    return _toa_flux(_days_since_j2000(d), lat, lon)


def toa_incident_solar_radiation_accumulated(
    dates: Any,
    latitudes: Any,
    longitudes: Any,
    *,
    period: np.timedelta64 | _dt.timedelta = _dt.timedelta(hours=1),
    substeps: int = 12,
) -> np.ndarray:
    """Top-of-atmosphere incident solar energy over the ``period`` before each date, in J m-2.

    With the default one-hour period this is ERA5's ``tisr`` (valid at the end of the hour it
    accumulates). The flux is integrated with the midpoint rule on ``substeps`` equal sub-steps
    (5 minutes by default); the integrand has a kink at sunrise and sunset only, so the error is
    a small fraction of a percent of the hourly total.

    Parameters
    ----------
    period
        Length of the accumulation, ending at each date.
    substeps
        Number of sub-steps of the numerical integration.
    """
    d, lat, lon = _prepare(dates, latitudes, longitudes)
    seconds = float(np.timedelta64(period, "s").astype(np.int64))
    if seconds <= 0 or isinstance(substeps, bool) or not isinstance(substeps, int) or substeps < 1:
        raise ForcingError(
            f"The accumulation needs a positive period and a positive whole number of sub-steps, "
            f"got period={period!r}, substeps={substeps!r}."
        )
    end = _days_since_j2000(d)
    step_days = seconds / _SECONDS_PER_DAY / substeps
    total = np.zeros((d.size, lat.size))
    for k in range(substeps):
        total += _toa_flux(end - (substeps - k - 0.5) * step_days, lat, lon)
    total *= seconds / substeps
    return total


_METADATA: dict[str, dict[str, str]] = {
    "cos_latitude": {"units": "1", "long_name": "cosine of latitude"},
    "sin_latitude": {"units": "1", "long_name": "sine of latitude"},
    "cos_longitude": {"units": "1", "long_name": "cosine of longitude"},
    "sin_longitude": {"units": "1", "long_name": "sine of longitude"},
    "cos_julian_day": {"units": "1", "long_name": "cosine of the day of year (2 pi doy / 365.25)"},
    "sin_julian_day": {"units": "1", "long_name": "sine of the day of year (2 pi doy / 365.25)"},
    "cos_local_time": {
        "units": "1",
        "long_name": "cosine of the local mean solar time (2 pi lt / 24)",
    },
    "sin_local_time": {
        "units": "1",
        "long_name": "sine of the local mean solar time (2 pi lt / 24)",
    },
    "cos_solar_zenith_angle": {"units": "1", "long_name": "cosine of the solar zenith angle"},
    "insolation": {
        "units": "1",
        "long_name": "cosine of the solar zenith angle, zero when the sun is below the horizon",
    },
    "toa_incident_solar_radiation": {
        "units": "W m-2",
        "long_name": "instantaneous top-of-atmosphere incident solar radiation",
        "standard_name": "toa_incoming_shortwave_flux",
    },
    "toa_incident_solar_radiation_accumulated": {
        "units": "J m-2",
        "long_name": "top-of-atmosphere incident solar radiation accumulated over the preceding hour",
    },
}

#: Every computed forcing by name (read-only).
FORCINGS: Mapping[str, Forcing] = MappingProxyType(
    {
        "cos_latitude": cos_latitude,
        "sin_latitude": sin_latitude,
        "cos_longitude": cos_longitude,
        "sin_longitude": sin_longitude,
        "cos_julian_day": cos_julian_day,
        "sin_julian_day": sin_julian_day,
        "cos_local_time": cos_local_time,
        "sin_local_time": sin_local_time,
        "cos_solar_zenith_angle": cos_solar_zenith_angle,
        "insolation": insolation,
        "toa_incident_solar_radiation": toa_incident_solar_radiation,
        "toa_incident_solar_radiation_accumulated": toa_incident_solar_radiation_accumulated,
    }
)


def forcing_names() -> list[str]:
    """Return the names of the computed forcings, in a stable order."""
    return list(FORCINGS)


def _check_name(name: str) -> str:
    if name not in FORCINGS:
        raise ForcingError(
            f"Unknown computed forcing {name!r}.{did_you_mean(str(name), FORCINGS)}",
            hint=f"Known forcings: {', '.join(FORCINGS)}.",
        )
    return name


def forcing_metadata(name: str) -> dict[str, str]:
    """Return ``units`` and ``long_name`` (and a CF ``standard_name`` where one exists).

    Datasets attach this to the variable so that a computed forcing is documented like any
    other field.
    """
    return {"name": _check_name(name), **_METADATA[name]}


def compute_forcings(
    names: Sequence[str] | str,
    dates: Any,
    latitudes: Any,
    longitudes: Any,
    *,
    dtype: Any = np.float32,
) -> np.ndarray:
    """Compute several forcings on a grid for several dates.

    Parameters
    ----------
    names
        Forcing names (see :func:`forcing_names`), in the order of the output's variable axis.
    dates
        UTC dates: datetimes, ``datetime64`` values or ISO 8601 strings (one date is accepted).
    latitudes, longitudes
        Cell coordinates in degrees, shape ``[cell]``.
    dtype
        Floating-point type of the result.

    Returns
    -------
    numpy.ndarray
        Shape ``[date, variable, cell]``. Work proceeds a few dates at a time (about 4 million
        values per block), so memory stays close to the size of the result itself.

    Raises
    ------
    ForcingError
        For an unknown name (with a suggestion), unreadable dates or malformed coordinates.
    """
    names = [names] if isinstance(names, str) else list(names)
    for name in names:
        _check_name(name)
    out_dtype = np.dtype(dtype)
    if not np.issubdtype(out_dtype, np.floating):
        raise ForcingError(
            f"Forcings are real numbers; dtype must be a float type, got {out_dtype}."
        )
    d, lat, lon = _prepare(dates, latitudes, longitudes)
    result = np.empty((d.size, len(names), lat.size), dtype=out_dtype)
    block = max(1, _CHUNK_VALUES // max(lat.size, 1))
    for start in range(0, d.size, block):
        chunk = d[start : start + block]
        for index, name in enumerate(names):
            result[start : start + chunk.size, index, :] = FORCINGS[name](chunk, lat, lon)
    LOG.debug("computed %d forcings for %d dates on %d cells", len(names), d.size, lat.size)
    return result
