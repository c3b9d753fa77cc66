"""Travelling Rossby-like waves: the weather of the synthetic atmosphere.

Each wave ``k`` is a zonal harmonic of wavenumber ``m_k`` confined to a latitude band,

    W_k(φ, λ, t) = A_k(t) E_k(φ) cos(m_k λ + Θ_k(t)),    Θ_k(t) = θ_k − ω_k t,

with a Gaussian envelope ``E_k(φ) = exp(−((φ − φ_k)/σ_k)²) (cos φ / cos φ_k)²`` (the ``cos²``
factor sends the waves and their winds to zero at the poles), a seeded random phase ``θ_k``, a
phase speed from the barotropic Rossby dispersion relation at the band's latitude, and an
amplitude ``A_k(t)`` that grows and decays over days. Everything is a closed-form function of
time, so a field at a date never depends on other dates.

The sums over waves are evaluated on the grid's distinct latitudes first (per wavenumber), then
expanded in longitude by Horner's scheme in ``e^{iλ}``: memory stays proportional to the number
of points and the cost to (number of points) × (largest wavenumber). Only element-wise
arithmetic is used (no BLAS), so each value is bit-for-bit the same whatever dates, variables or
batches it is computed with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fc_datasets.synthetic._climate import (
    OMEGA,
    R_DRY,
    RADIUS,
    RHO_SURFACE,
    coriolis_inverse,
    mean_msl,
    meridional_temperature,
    thermal_weight_integral,
)

__all__ = ["MemberPerturbation", "WaveBasis", "WaveSet", "make_waves", "member_perturbation"]

_DAY = 86_400.0
_EXTRATROPICAL_PER_HEMISPHERE = 8
_TROPICAL_PER_HEMISPHERE = 3
# Zonal wavenumbers of mid-latitude waves, drawn uniformly from this list (synoptic scales
# 4-7 more often than planetary ones).
_MIDLATITUDE_M = (1, 2, 3, 4, 4, 5, 5, 6, 6, 7)

# Ensemble members: saturated spread of the wave phases (rad) and log-amplitudes, the fraction
# of it present at the ensemble's start, and the e-folding time of the growth at m = 6.
_PHASE_SPREAD, _AMPLITUDE_SPREAD = 0.5, 0.15
_INITIAL_SPREAD = 0.05
_GROWTH_EFOLD_DAYS = 1.5


def _uniforms(seed: int, stream: int, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform numbers in [0, 1) from PCG64's raw output, whose stream numpy keeps stable.

    ``Generator`` methods may change their algorithms between numpy versions; the raw bits of a
    seeded ``PCG64`` do not, so the synthetic fields stay the same across numpy releases.
    """
    bits = np.random.PCG64(np.random.SeedSequence([seed, stream])).random_raw(math.prod(shape))
    return ((bits >> np.uint64(11)).astype(np.float64) * 2.0**-53).reshape(shape)


def _normals(seed: int, stream: int, n: int) -> np.ndarray:
    """Standard normal numbers by the Box-Muller transform of :func:`_uniforms`."""
    u = _uniforms(seed, stream, (2, n))
    return np.sqrt(-2.0 * np.log1p(-u[0])) * np.cos(2.0 * np.pi * u[1])


@dataclass(frozen=True)
class WaveSet:
    """The waves of one seed; every array has one entry per wave (angles in radians)."""

    m: np.ndarray
    centre: np.ndarray
    width: np.ndarray
    amplitude: np.ndarray
    phase: np.ndarray
    omega: np.ndarray
    growth_period: np.ndarray
    growth_phase: np.ndarray
    growth_strength: np.ndarray
    hemisphere: np.ndarray
    efold: np.ndarray

    @property
    def size(self) -> int:
        """Number of waves."""
        return int(self.m.size)


def _background_wind(lat_deg: np.ndarray) -> np.ndarray:
    """Annual-mean geostrophic zonal wind at 500 hPa (m s-1), which carries the waves."""
    _, dmsl = mean_msl(lat_deg, 0.0)
    _, dtemp = meridional_temperature(lat_deg, 0.0)
    dphi = dmsl / RHO_SURFACE + R_DRY * thermal_weight_integral(500.0) * dtemp
    return -coriolis_inverse(lat_deg) * dphi / RADIUS


def make_waves(seed: int) -> WaveSet:
    """Draw the waves of ``seed``: bands, wavenumbers, amplitudes, phases and phase speeds."""
    n_mid, n_trop = _EXTRATROPICAL_PER_HEMISPHERE, _TROPICAL_PER_HEMISPHERE
    u = _uniforms(seed, 0, (2 * (n_mid + n_trop), 10))
    hemisphere = np.repeat([1.0, -1.0, 1.0, -1.0], [n_mid, n_mid, n_trop, n_trop])
    mid = np.arange(u.shape[0]) < 2 * n_mid
    m = np.where(
        mid,
        np.asarray(_MIDLATITUDE_M)[(u[:, 0] * len(_MIDLATITUDE_M)).astype(int)],
        9 + (u[:, 0] * 5).astype(int),
    )
    centre_deg = hemisphere * np.where(mid, 38.0 + 20.0 * u[:, 1], 7.0 + 7.0 * u[:, 1])
    width_deg = np.where(mid, 8.0 + 5.0 * u[:, 2], 6.0 + 2.0 * u[:, 2])
    amplitude = np.where(
        mid, np.where(m >= 4, 450.0 + 450.0 * u[:, 3], 350.0 + 400.0 * u[:, 3]), 40 + 40 * u[:, 3]
    )
    centre, width = np.radians(centre_deg), np.radians(width_deg)
    # Phase speed c = U − β / K² (barotropic Rossby waves in the mean westerlies U) for the
    # mid-latitude waves; tropical easterly waves drift westwards at 5-8 m/s.
    cos_c = np.cos(centre)
    k_zonal = m / (RADIUS * cos_c)
    l_merid = np.pi / (2.0 * width * RADIUS)
    beta = 2.0 * OMEGA * cos_c / RADIUS
    rossby = _background_wind(centre_deg) - beta / (k_zonal**2 + l_merid**2)
    speed = np.where(mid, np.clip(rossby, -5.0, 20.0), -(5.0 + 3.0 * u[:, 4]))
    return WaveSet(
        m=m.astype(np.int64),
        centre=centre,
        width=width,
        amplitude=amplitude,
        phase=2.0 * np.pi * u[:, 5],
        omega=m * speed / (RADIUS * cos_c),
        growth_period=(4.0 + 8.0 * u[:, 6]) * _DAY,
        growth_phase=2.0 * np.pi * u[:, 7],
        growth_strength=0.3 + 0.3 * u[:, 8],
        hemisphere=hemisphere,
        efold=_GROWTH_EFOLD_DAYS * _DAY * np.sqrt(6.0 / m),
    )


@dataclass(frozen=True)
class MemberPerturbation:
    """Per-wave phase offsets (rad) and log-amplitude offsets of one member at full spread."""

    phase: np.ndarray
    log_amplitude: np.ndarray


def member_perturbation(seed: int, member: int, waves: WaveSet) -> MemberPerturbation:
    """The perturbation of ``member``; member 0 is the unperturbed control."""
    if member == 0:
        zero = np.zeros(waves.size)
        return MemberPerturbation(zero, zero)
    draws = _normals(seed, 1000 + member, 2 * waves.size)
    return MemberPerturbation(
        _PHASE_SPREAD * draws[: waves.size], _AMPLITUDE_SPREAD * draws[waves.size :]
    )


def spread_growth(waves: WaveSet, elapsed: float | None) -> np.ndarray:
    """Fraction of the full member spread per wave, ``elapsed`` seconds after the ensemble start.

    Logistic growth from a small initial size, faster for small scales; full spread when the
    ensemble has no start date (``elapsed`` None). Before the start it stays at its initial size.
    """
    if elapsed is None:
        return np.ones(waves.size)
    ratio = (1.0 - _INITIAL_SPREAD) / _INITIAL_SPREAD
    return 1.0 / (1.0 + ratio * np.exp(-max(elapsed, 0.0) / waves.efold))


def wave_coefficients(
    waves: WaveSet,
    seconds: float,
    season: float,
    perturbation: MemberPerturbation,
    growth: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``A_k cos Θ_k`` and ``A_k sin Θ_k`` of every wave at ``seconds`` since 2000-01-01."""
    life_cycle = 1.0 + waves.growth_strength * np.sin(
        2.0 * np.pi * seconds / waves.growth_period + waves.growth_phase
    )
    # Waves are a quarter stronger in their hemisphere's winter than in its summer.
    winter = 1.0 - 0.25 * waves.hemisphere * season
    amplitude = waves.amplitude * life_cycle * winter * np.exp(perturbation.log_amplitude * growth)
    angle = waves.phase - waves.omega * seconds + perturbation.phase * growth
    return amplitude * np.cos(angle), amplitude * np.sin(angle)


class WaveBasis:
    """The waves' latitude structure on one grid, and the longitude expansion.

    Parameters
    ----------
    waves
        The waves.
    rows
        The distinct latitudes of the grid (degrees).
    inverse
        Index of each point's latitude in ``rows``.
    cos_lon, sin_lon
        ``cos λ`` and ``sin λ`` at each point.
    """

    def __init__(
        self,
        waves: WaveSet,
        rows: np.ndarray,
        inverse: np.ndarray,
        cos_lon: np.ndarray,
        sin_lon: np.ndarray,
    ) -> None:
        self.waves = waves
        self._inverse = inverse
        self._cos_lon = cos_lon.astype(np.float32)
        self._sin_lon = sin_lon.astype(np.float32)
        phi = np.radians(rows)[None, :]
        cos, sin = np.cos(phi), np.sin(phi)
        centre, width = waves.centre[:, None], waves.width[:, None]
        m = waves.m[:, None].astype(np.float64)
        cos2_centre = np.cos(centre) ** 2
        gauss = np.exp(-(((phi - centre) / width) ** 2))
        ratio2 = cos * cos / cos2_centre
        envelope = gauss * ratio2
        # ∂/∂λ divided by cos φ, written without dividing by cos φ (zero at the poles)
        zonal = m * gauss * cos / cos2_centre
        meridional = gauss * (
            -2.0 * (phi - centre) / width**2 * ratio2 - 2.0 * sin * cos / cos2_centre
        )
        #: [wave, kind, row]: E, m E / cos φ, dE/dφ
        self._profiles = np.stack([envelope, zonal, meridional], axis=1)
        self._mmax = int(waves.m.max())
        self._present = np.zeros(self._mmax + 1, dtype=bool)
        self._present[waves.m] = True

    def sums(self, cos_coef: np.ndarray, sin_coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sum the waves with coefficients ``A cos Θ`` and ``A sin Θ``.

        Returns
        -------
        tuple of numpy.ndarray
            ``(real, imag)``, each float32 ``[3, cell]``: for the three kinds ``E``,
            ``m E / cos φ`` and ``dE/dφ``, the sums ``Σ A · kind · cos(mλ + Θ)`` and
            ``Σ A · kind · sin(mλ + Θ)``. float32 halves the memory traffic of the longitude
            expansion, the costliest step; its rounding (~1e-6 of the wave amplitude) is far
            below anything the fields are used for.
        """
        rows = self._profiles.shape[2]
        real_m = np.zeros((self._mmax + 1, 3, rows))
        imag_m = np.zeros((self._mmax + 1, 3, rows))
        for k, m in enumerate(self.waves.m):
            real_m[m] += cos_coef[k] * self._profiles[k]
            imag_m[m] += sin_coef[k] * self._profiles[k]
        real_m32, imag_m32 = real_m.astype(np.float32), imag_m.astype(np.float32)
        inv, c, s = self._inverse, self._cos_lon, self._sin_lon
        shape = (3, inv.size)
        real, imag = np.empty(shape, np.float32), np.empty(shape, np.float32)
        first, second, gathered = (np.empty(shape, np.float32) for _ in range(3))
        np.take(real_m32[self._mmax], inv, axis=1, out=real, mode="clip")
        np.take(imag_m32[self._mmax], inv, axis=1, out=imag, mode="clip")
        # Horner: Σ_m X_m e^{imλ} = ((X_M e^{iλ} + X_{M-1}) e^{iλ} + ...) e^{iλ}, in place
        for m in range(self._mmax - 1, -1, -1):
            np.multiply(real, c, out=first)
            np.multiply(imag, s, out=second)
            np.multiply(real, s, out=real)
            np.multiply(imag, c, out=imag)
            np.add(real, imag, out=imag)
            np.subtract(first, second, out=real)
            if self._present[m]:
                np.take(real_m32[m], inv, axis=1, out=gathered, mode="clip")
                real += gathered
                np.take(imag_m32[m], inv, axis=1, out=gathered, mode="clip")
                imag += gathered
        return real, imag
