"""The time-mean state of the synthetic atmosphere, and the vertical structure of its waves.

Everything here is a closed-form function of latitude, pressure and a seasonal factor, so that
the geostrophic winds can be computed from exact derivatives. Heights are written in the
log-pressure coordinate ``y = ln(1000 hPa / p)`` (0 at 1000 hPa, growing upwards), in which the
hydrostatic equation reads ``∂Φ/∂y = R T``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = [
    "GRAVITY",
    "LAPSE_RATE",
    "OMEGA",
    "RADIUS",
    "RHO_SURFACE",
    "R_DRY",
    "coriolis_inverse",
    "mean_msl",
    "meridional_temperature",
    "seasonal_factor",
    "standard_temperature",
    "standard_thickness",
    "thermal_weight",
    "thermal_weight_integral",
    "wave_amplitude",
    "wave_tilt",
]

#: Standard gravity (m s-2), used to turn heights into geopotential.
GRAVITY = 9.80665
#: Gas constant of dry air (J kg-1 K-1).
R_DRY = 287.05
#: Rotation rate of the Earth (rad s-1).
OMEGA = 7.292115e-5
#: Radius of the Earth (m), as in ECMWF's IFS.
RADIUS = 6.371229e6
#: Near-surface air density (kg m-3) that turns pressure anomalies into 1000 hPa geopotential.
RHO_SURFACE = 1.21
#: Standard-atmosphere lapse rate (K m-1), also used for 2 m temperature over mountains.
LAPSE_RATE = 0.0065

#: The Coriolis parameter is regularised within about this latitude of the equator (see coriolis_inverse).
_F0 = 2.0 * OMEGA * math.sin(math.radians(6.0))

# Meridional temperature contrast (K): equator minus pole, and the seasonal swing between
# hemispheres; their sizes set the jet, the 500 hPa height range and t_850's range.
_DT_MERIDIONAL = 32.0
_DT_SEASONAL = 8.0

# Standard atmosphere (ICAO): surface state, tropopause and the 20 km level.
_T0, _P0 = 288.15, 1013.25
_P_TROPOPAUSE, _T_TROPOPAUSE = 226.32, 216.65
_P_20KM = 54.749
_KAPPA_TROPOSPHERE = R_DRY * LAPSE_RATE / GRAVITY
_KAPPA_STRATOSPHERE = -R_DRY * 0.001 / GRAVITY


def standard_temperature(p_hpa: float) -> float:
    """ICAO standard-atmosphere temperature (K) at ``p_hpa``: the global-mean profile."""
    if p_hpa >= _P_TROPOPAUSE:
        return _T0 * (p_hpa / _P0) ** _KAPPA_TROPOSPHERE
    if p_hpa >= _P_20KM:
        return _T_TROPOPAUSE
    return _T_TROPOPAUSE * (p_hpa / _P_20KM) ** _KAPPA_STRATOSPHERE


@lru_cache(maxsize=256)
def standard_thickness(p_hpa: float) -> float:
    """``∫ T_std dy`` from 1000 hPa up to ``p_hpa`` (K): the standard 1000–p thickness over R.

    Integrated numerically (the profile has kinks at the tropopause); it is one number per
    level, computed once.
    """
    y_top = math.log(1000.0 / p_hpa)
    y = np.linspace(0.0, y_top, 4001)
    temperature = np.array([standard_temperature(1000.0 * math.exp(-v)) for v in y])
    return float(np.sum(0.5 * (temperature[1:] + temperature[:-1]) * np.diff(y)))


# The meridional temperature anomaly is full strength in the troposphere and reverses sign in
# the stratosphere (warm polar lower stratosphere relative to the cold tropical tropopause).
_S_MEAN, _S_SWING, _Y_TROPO, _S_DEPTH = 0.2, 0.8, math.log(1000.0 / 180.0), 0.5


def thermal_weight(p_hpa: float) -> float:
    """Vertical weight ``s(p)`` of the meridional temperature anomaly (1 near the ground)."""
    y = math.log(1000.0 / p_hpa)
    return _S_MEAN - _S_SWING * math.tanh((y - _Y_TROPO) / _S_DEPTH)


def thermal_weight_integral(p_hpa: float) -> float:
    """``∫ s dy`` from 1000 hPa up to ``p_hpa`` (closed form)."""
    y = math.log(1000.0 / p_hpa)

    def log_cosh(x: float) -> float:
        return abs(x) + math.log1p(math.exp(-2.0 * abs(x))) - math.log(2.0)

    return _S_MEAN * y - _S_SWING * _S_DEPTH * (
        log_cosh((y - _Y_TROPO) / _S_DEPTH) - log_cosh(-_Y_TROPO / _S_DEPTH)
    )


# Waves are weakest near the ground and strongest at jet level (250 hPa, y = ln 4); the height
# anomaly growing with height is what makes ridges warm and troughs cold (hydrostatic balance).
_A_BASE, _A_PEAK, _Y_PEAK, _A_DEPTH = 0.3, 1.2, math.log(4.0), 1.1
# Troughs and ridges tilt westwards with height by this phase between 1000 and 100 hPa.
_TILT = 0.8


def wave_amplitude(p_hpa: float) -> tuple[float, float]:
    """Relative wave amplitude ``a`` at ``p_hpa`` and its derivative ``da/dy``."""
    y = math.log(1000.0 / p_hpa)
    bump = _A_PEAK * math.exp(-(((y - _Y_PEAK) / _A_DEPTH) ** 2))
    return _A_BASE + bump, -2.0 * (y - _Y_PEAK) / _A_DEPTH**2 * bump


def wave_tilt(p_hpa: float) -> tuple[float, float]:
    """Westward phase shift ``δ`` (rad) of the waves at ``p_hpa`` and its derivative ``dδ/dy``."""
    rate = _TILT / math.log(10.0)
    return rate * math.log(1000.0 / p_hpa), rate


def seasonal_factor(declination: float) -> float:
    """+1 at the height of northern summer, -1 in northern winter, from the solar declination.

    The caller passes the declination of about a month earlier, as temperatures lag the sun.
    """
    return math.sin(declination) / math.sin(math.radians(23.44))


def meridional_temperature(lat: np.ndarray, season: float) -> tuple[np.ndarray, np.ndarray]:
    """Zonal-mean temperature anomaly ``ΔT`` (K) and ``dΔT/dφ`` (K rad-1) at latitudes ``lat``.

    ``ΔT = ΔT_y (1/3 − sin²φ) + ΔT_s sin φ · season``: warm tropics, cold poles, the summer
    hemisphere warmer. Its global mean is zero, so ``T_std`` stays the global-mean profile.
    """
    phi = np.radians(lat)
    sin, cos = np.sin(phi), np.cos(phi)
    value = _DT_MERIDIONAL * (1.0 / 3.0 - sin * sin) + _DT_SEASONAL * season * sin
    slope = -2.0 * _DT_MERIDIONAL * sin * cos + _DT_SEASONAL * season * cos
    return value, slope


def _msl_systems(season: float) -> list[tuple[float, float, float]]:
    """(centre latitude, width, amplitude in Pa) of the zonal-mean pressure belts."""
    return [
        (6.0 * season, 10.0, -350.0),  # equatorial trough, following the sun
        (33.0 + 4.0 * season, 12.0, 900.0),  # subtropical highs, poleward in summer
        (-31.0 + 4.0 * season, 12.0, 1000.0),
        (62.0, 11.0, -1300.0),  # subpolar lows; the Southern Ocean's is deeper
        (-63.0, 10.0, -2000.0),
        (90.0, 14.0, 600.0),  # polar highs
        (-90.0, 12.0, 500.0),
    ]


def mean_msl(lat: np.ndarray, season: float) -> tuple[np.ndarray, np.ndarray]:
    """Zonal-mean mean-sea-level pressure (Pa) and its derivative in latitude (Pa rad-1)."""
    value = np.full(lat.shape, 101_200.0)
    slope = np.zeros(lat.shape)
    for centre, width, amplitude in _msl_systems(season):
        x = (lat - centre) / width
        bump = amplitude * np.exp(-x * x)
        value += bump
        slope += bump * (-2.0 * x / width) * (180.0 / math.pi)
    return value, slope


def coriolis_inverse(lat: np.ndarray) -> np.ndarray:
    """``f / (f² + f0²)``: ``1/f`` away from the equator, going smoothly to 0 across it.

    Geostrophic balance does not hold near the equator, where ``1/f`` diverges; this regularised
    inverse (``f0`` the Coriolis parameter at 6°) keeps the winds finite and continuous while
    leaving them within 5 % of geostrophic poleward of 30°.
    """
    f = 2.0 * OMEGA * np.sin(np.radians(lat))
    return f / (f * f + _F0 * _F0)
