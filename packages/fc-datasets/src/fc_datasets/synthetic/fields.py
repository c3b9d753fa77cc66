"""Deterministic, physically plausible synthetic weather on any grid.

The synthetic atmosphere is a balanced, hydrostatic toy: a zonal-mean state that follows the
seasons, plus travelling, growing and decaying Rossby-like waves (see ``_waves``), from which
every variable is derived in closed form:

- geopotential ``Φ(p) = Φ̄₁₀₀₀ + R [∫T_std dy + ΔT(φ) ∫s dy] + a(p) Σ_k W_k`` (``y = ln(1000/p)``);
- temperature from hydrostatic balance, ``T = (1/R) ∂Φ/∂y``;
- winds in geostrophic balance, ``u = −(1/f a) ∂Φ/∂φ``, ``v = (1/(f a cos φ)) ∂Φ/∂λ``, with
  ``1/f`` regularised near the equator;
- specific humidity from a relative humidity (moist where air moves poleward) and saturation;
- mean-sea-level pressure from the 1000 hPa geopotential, surface pressure from it and the
  orography, 10 m winds from the 1000 hPa winds slowed and turned by friction, and 2 m
  temperature with the sun's diurnal cycle, the seasons, land-sea contrast and the lapse rate.

A value at a date is a pure function of ``(seed, date, point)``: no state is carried from one
date to the next, and only element-wise arithmetic is used, so the same request gives
bit-identical values whatever the batching or order of the dates.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from fc_datasets.synthetic import _climate as clim
from fc_datasets.synthetic._geography import land_sea_mask, orography
from fc_datasets.synthetic._waves import (
    WaveBasis,
    make_waves,
    member_perturbation,
    spread_growth,
    wave_coefficients,
)
from fc_datasets.synthetic.variables import SyntheticError, VariableSpec, parse_variables
from fc_utils.dates import to_datetime64
from fc_utils.forcings import sun_position

__all__ = ["SyntheticAtmosphere", "synthetic_fields"]

LOG = logging.getLogger(__name__)

_EPOCH = np.datetime64("2000-01-01T00:00:00", "s")
_J2000_NOON = np.datetime64("2000-01-01T12:00:00", "s")
_DAY = 86_400.0
#: Temperatures lag the sun: the seasons follow the declination of this many days earlier,
#: the diurnal cycle the sun of this many hours earlier (2 m temperature peaks mid-afternoon).
_SEASON_LAG_DAYS = 30.0
_DIURNAL_LAG_HOURS = 2.0
#: Amplitude of the diurnal cycle of 2 m temperature (K per unit of insolation) at sea, on land.
_DIURNAL_SEA, _DIURNAL_LAND = 1.0, 14.0
#: Extra seasonal swing of 2 m temperature over land (K, times sin φ).
_LAND_SEASON = 8.0


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise SyntheticError(f"the seed must be a non-negative integer, got {seed!r}.")
    return int(seed)


def _check_members(members: object) -> int:
    if isinstance(members, bool) or not isinstance(members, int | np.integer) or members < 1:
        raise SyntheticError(f"members must be a positive integer, got {members!r}.")
    return int(members)


def _coordinates(latitudes: Any, longitudes: Any) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.asarray(longitudes, dtype=np.float64)
    if lat.ndim != 1 or lat.shape != lon.shape or lat.size == 0:
        raise SyntheticError(
            "latitudes and longitudes must be non-empty flat arrays of equal length (one per "
            f"grid point), got shapes {lat.shape} and {lon.shape}."
        )
    if not (np.all(np.abs(lat) <= 90.0) and np.all(np.isfinite(lon))):
        raise SyntheticError(
            "latitudes must lie in [-90, 90] and longitudes be finite; give degrees."
        )
    return lat, lon


class SyntheticAtmosphere:
    """The synthetic atmosphere of one seed on one set of points.

    Building one precomputes what does not change with time (geography, wave structure), so
    reuse an instance to compute many dates; :func:`synthetic_fields` keeps a few in a cache.

    Parameters
    ----------
    latitudes, longitudes
        Point coordinates in degrees, shape ``[cell]``.
    seed
        Seed of the waves' random phases, bands, wavenumbers and life cycles (and of the
        ensemble perturbations). The geography does not depend on it.
    members
        Number of ensemble members; member 0 is the unperturbed control.
    ensemble_start
        Date at which the members' perturbations start growing from 5 % of their full size;
        ``None`` for members at full spread at every date.
    """

    def __init__(
        self,
        latitudes: Any,
        longitudes: Any,
        *,
        seed: int = 0,
        members: int = 1,
        ensemble_start: Any = None,
    ) -> None:
        self.seed = _check_seed(seed)
        self.members = _check_members(members)
        self.ensemble_start = (
            None if ensemble_start is None else to_datetime64(ensemble_start).reshape(-1)[0]
        )
        self.latitudes, self.longitudes = _coordinates(latitudes, longitudes)
        rows, inverse = np.unique(self.latitudes, return_inverse=True)
        self._rows, self._inverse = rows, inverse.reshape(-1)
        lam = np.radians(self.longitudes)
        self._cos_lon, self._sin_lon = np.cos(lam), np.sin(lam)
        phi = np.radians(self.latitudes)
        self._sin_lat, self._cos_lat = np.sin(phi), np.cos(phi)
        self.land_sea_mask = land_sea_mask(self.latitudes, self.longitudes)
        self.height = orography(self.latitudes, self.longitudes, self.land_sea_mask)
        self.waves = make_waves(self.seed)
        self._basis = WaveBasis(self.waves, rows, self._inverse, self._cos_lon, self._sin_lon)
        self._perturbations = [
            member_perturbation(self.seed, e, self.waves) for e in range(self.members)
        ]
        self._coriolis = clim.coriolis_inverse(rows)[self._inverse] / clim.RADIUS
        self._poleward = np.tanh(rows / 10.0)[self._inverse]
        self._humidity_base = self._zonal_humidity(rows)[self._inverse]

    @staticmethod
    def _zonal_humidity(rows: np.ndarray) -> np.ndarray:
        """Relative humidity near the ground: moist tropics and high latitudes, dry subtropics."""
        return (
            0.74
            + 0.16 * np.exp(-((rows / 12.0) ** 2))
            - 0.32 * np.exp(-(((np.abs(rows) - 27.0) / 10.0) ** 2))
        )

    @property
    def number_of_points(self) -> int:
        """Number of points (cells)."""
        return int(self.latitudes.size)

    def compute(self, variables: Sequence[str], dates: Any) -> np.ndarray:
        """Values of ``variables`` at ``dates``: float32 ``[date, variable, member, cell]``."""
        specs = parse_variables(variables)
        when = to_datetime64(dates).reshape(-1)
        out = np.empty((when.size, len(specs), self.members, self.number_of_points), np.float32)
        for i, date in enumerate(when):
            context = _DateContext(self, date)
            for e in range(self.members):
                state = _State(context, e)
                for j, spec in enumerate(specs):
                    out[i, j, e] = state.field(spec)
        return out


class _DateContext:
    """What one date needs, shared by its members: time, season, the sun, the mean state."""

    def __init__(self, atmosphere: SyntheticAtmosphere, date: np.datetime64) -> None:
        self.atmosphere = atmosphere
        self.date = date
        self.seconds = float((date - _EPOCH).astype(np.int64))
        lagged = np.array([date - np.timedelta64(int(_SEASON_LAG_DAYS * _DAY), "s")])
        self.season = clim.seasonal_factor(float(sun_position(lagged).declination[0]))
        start = atmosphere.ensemble_start
        self.elapsed = None if start is None else float((date - start).astype(np.int64))

    def _rows(self, values: np.ndarray) -> np.ndarray:
        return values[self.atmosphere._inverse]

    @cached_property
    def meridional_temperature(self) -> tuple[np.ndarray, np.ndarray]:
        """``ΔT`` and ``dΔT/dφ`` at each point."""
        value, slope = clim.meridional_temperature(self.atmosphere._rows, self.season)
        return self._rows(value), self._rows(slope)

    @cached_property
    def mean_msl(self) -> tuple[np.ndarray, np.ndarray]:
        """Zonal-mean sea-level pressure and its latitude derivative at each point."""
        value, slope = clim.mean_msl(self.atmosphere._rows, self.season)
        return self._rows(value), self._rows(slope)

    @cached_property
    def diurnal_anomaly(self) -> np.ndarray:
        """Lagged insolation ``max(cos z, 0)`` minus its daily mean at each latitude."""
        atm = self.atmosphere
        shifted = self.date - np.timedelta64(int(_DIURNAL_LAG_HOURS * 3600), "s")
        sun = sun_position(np.array([shifted]))
        declination = float(sun.declination[0])
        days = float((shifted - _J2000_NOON).astype(np.int64)) / _DAY
        # The same sun as fc_utils.forcings.insolation: the hour angle at Greenwich is the mean
        # sun's plus the equation of time, days counted from noon UT.
        greenwich = 2.0 * math.pi * (days % 1.0) + float(sun.equation_of_time[0])
        cos_hour = math.cos(greenwich) * atm._cos_lon - math.sin(greenwich) * atm._sin_lon
        cos_zenith = (
            atm._sin_lat * math.sin(declination) + atm._cos_lat * math.cos(declination) * cos_hour
        )
        np.maximum(cos_zenith, 0.0, out=cos_zenith)
        return cos_zenith - self._rows(_daily_mean_insolation(atm._rows, declination))

    @cached_property
    def growth(self) -> np.ndarray:
        """Fraction of the full ensemble spread reached at this date, per wave."""
        return spread_growth(self.atmosphere.waves, self.elapsed)


def _daily_mean_insolation(lat: np.ndarray, declination: float) -> np.ndarray:
    """Daily mean of ``max(cos z, 0)`` at latitudes ``lat`` (closed form via the sunset angle)."""
    phi = np.radians(lat)
    sin_prod = np.sin(phi) * math.sin(declination)
    cos_prod = np.cos(phi) * math.cos(declination)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            cos_prod > 1e-12, -sin_prod / np.maximum(cos_prod, 1e-12), -np.sign(sin_prod)
        )
    sunset = np.arccos(np.clip(ratio, -1.0, 1.0))
    return (sunset * sin_prod + cos_prod * np.sin(sunset)) / math.pi


class _State:
    """One member at one date; builds each variable on demand, sharing intermediate sums."""

    def __init__(self, context: _DateContext, member: int) -> None:
        self.ctx = context
        self.atm = context.atmosphere
        self.member = member
        self._levels: dict[float, dict[str, np.ndarray]] = {}

    @cached_property
    def _sums(self) -> tuple[np.ndarray, np.ndarray]:
        atm, ctx = self.atm, self.ctx
        cos_coef, sin_coef = wave_coefficients(
            atm.waves, ctx.seconds, ctx.season, atm._perturbations[self.member], ctx.growth
        )
        return atm._basis.sums(cos_coef, sin_coef)

    def _level(self, p: float) -> dict[str, np.ndarray]:
        """Geopotential, temperature and winds at ``p`` hPa (each ``[cell]``, float64)."""
        if p in self._levels:
            return self._levels[p]
        real, imag = self._sums
        a, a_y = clim.wave_amplitude(p)
        delta, delta_y = clim.wave_tilt(p)
        cd, sd = math.cos(delta), math.sin(delta)
        # Σ A E cos(ψ + δ) and Σ A E sin(ψ + δ), ψ = mλ + Θ
        wave_cos = cd * real[0] - sd * imag[0]
        wave_sin = sd * real[0] + cd * imag[0]
        temp, dtemp = self.ctx.meridional_temperature
        msl, dmsl = self.ctx.mean_msl
        thickness = clim.standard_thickness(p)
        weight_integral = clim.thermal_weight_integral(p)
        geopotential = (msl - 100_000.0) / clim.RHO_SURFACE + clim.R_DRY * (
            thickness + temp * weight_integral
        )
        geopotential += a * wave_cos
        temperature = (
            clim.standard_temperature(p)
            + temp * clim.thermal_weight(p)
            + (a_y * wave_cos - a * delta_y * wave_sin) / clim.R_DRY
        )
        dphi = (
            dmsl / clim.RHO_SURFACE
            + clim.R_DRY * weight_integral * dtemp
            + a * (cd * real[2] - sd * imag[2])
        )
        dlam_over_cos = -a * (cd * imag[1] + sd * real[1])
        fields = {
            "z": geopotential,
            "t": temperature,
            "u": -self.atm._coriolis * dphi,
            "v": self.atm._coriolis * dlam_over_cos,
            "wave": wave_cos,
        }
        self._levels[p] = fields
        return fields

    def field(self, spec: VariableSpec) -> np.ndarray:
        """The values of one variable (float64 ``[cell]``)."""
        if spec.level is not None:
            if spec.param == "q":
                return self._humidity(float(spec.level))
            return self._level(float(spec.level))[spec.param]
        return getattr(self, "_" + _SURFACE_METHODS[spec.param])()

    def _humidity(self, p: float) -> np.ndarray:
        level = self._level(p)
        vertical = (0.25 + 0.75 * (p / 1000.0) ** 1.5) / (1.0 + (150.0 / p) ** 4)
        poleward = level["v"] * self.atm._poleward
        relative = vertical * (self.atm._humidity_base + 0.18 * np.tanh(poleward / 8.0))
        np.clip(relative, 0.005, 1.0, out=relative)
        t = level["t"]
        saturation = 611.2 * np.exp(17.67 * (t - 273.15) / (t - 29.65))
        pa = 100.0 * p
        return relative * 0.622 * saturation / np.maximum(pa - 0.378 * saturation, 0.5 * pa)

    def _lsm(self) -> np.ndarray:
        return self.atm.land_sea_mask

    def _orography(self) -> np.ndarray:
        return clim.GRAVITY * self.atm.height

    def _msl(self) -> np.ndarray:
        wave = self._level(1000.0)["wave"]
        a, _ = clim.wave_amplitude(1000.0)
        return self.ctx.mean_msl[0] + clim.RHO_SURFACE * a * wave

    def _t2m(self) -> np.ndarray:
        atm = self.atm
        sea_level = self._level(1000.0)["t"]
        land = atm.land_sea_mask
        season = _LAND_SEASON * land * atm._sin_lat * self.ctx.season
        diurnal = (_DIURNAL_SEA + (_DIURNAL_LAND - _DIURNAL_SEA) * land) * self.ctx.diurnal_anomaly
        return sea_level + season + diurnal - clim.LAPSE_RATE * atm.height

    def _surface_pressure(self) -> np.ndarray:
        height = self.atm.height
        column = self._t2m() + 0.5 * clim.LAPSE_RATE * height
        return self._msl() * np.exp(-clim.GRAVITY * height / (clim.R_DRY * column))

    def _wind10(self) -> tuple[np.ndarray, np.ndarray]:
        level = self._level(1000.0)
        land = self.atm.land_sea_mask
        # Friction slows the wind (more over land) and turns it towards low pressure.
        factor = 0.8 - 0.3 * land
        angle = np.radians(18.0 + 14.0 * land) * self.atm._poleward
        cos, sin = np.cos(angle), np.sin(angle)
        u, v = level["u"], level["v"]
        return factor * (u * cos - v * sin), factor * (u * sin + v * cos)

    def _u10(self) -> np.ndarray:
        return self._wind10()[0]

    def _v10(self) -> np.ndarray:
        return self._wind10()[1]


_SURFACE_METHODS = {
    "2t": "t2m",
    "msl": "msl",
    "10u": "u10",
    "10v": "v10",
    "sp": "surface_pressure",
    "lsm": "lsm",
    "z": "orography",
}

_CACHE: OrderedDict[tuple[Any, ...], SyntheticAtmosphere] = OrderedDict()
_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()


def _atmosphere(
    lat: np.ndarray, lon: np.ndarray, seed: int, members: int, ensemble_start: Any
) -> SyntheticAtmosphere:
    digest = hashlib.blake2b(lat.tobytes() + lon.tobytes(), digest_size=16).hexdigest()
    start = None if ensemble_start is None else str(to_datetime64(ensemble_start).reshape(-1)[0])
    key = (digest, lat.size, seed, members, start)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    atmosphere = SyntheticAtmosphere(
        lat, lon, seed=seed, members=members, ensemble_start=ensemble_start
    )
    with _CACHE_LOCK:
        _CACHE[key] = atmosphere
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return atmosphere


def synthetic_fields(
    variables: Sequence[str],
    dates: Any,
    latitudes: Any,
    longitudes: Any,
    *,
    seed: int = 0,
    members: int = 1,
    ensemble_start: Any = None,
) -> np.ndarray:
    """Synthetic weather: ``variables`` at ``dates`` on the points ``(latitudes, longitudes)``.

    Parameters
    ----------
    variables
        Names such as ``2t``, ``msl``, ``10u``, ``10v``, ``sp``, ``lsm``, ``z`` (surface
        geopotential) and ``z_500``, ``t_850``, ``u_250``, ``v_700``, ``q_850`` (any pressure
        level in hPa); see :func:`~fc_datasets.synthetic.variables.supported_variables`.
    dates
        ``datetime64`` values (or anything :func:`fc_utils.dates.to_datetime64` reads), UTC.
    latitudes, longitudes
        Point coordinates in degrees, shape ``[cell]``; any grid, structured or not.
    seed
        Seed of the weather; the same seed gives bit-identical values for the same date and
        point, however the dates are batched or ordered.
    members
        Number of ensemble members (member 0 is the unperturbed control, equal to the single
        member of ``members=1``).
    ensemble_start
        Date from which member perturbations grow (``None``: fully grown at every date).

    Returns
    -------
    numpy.ndarray
        float32 ``[date, variable, member, cell]``.

    Raises
    ------
    SyntheticError
        For an unknown variable (with a suggestion and the list of supported names), a bad
        seed, member count or coordinates.
    """
    parse_variables(variables)  # fail on a bad name before any work
    seed, members = _check_seed(seed), _check_members(members)
    lat, lon = _coordinates(latitudes, longitudes)
    atmosphere = _atmosphere(lat, lon, seed, members, ensemble_start)
    return atmosphere.compute(variables, dates)
