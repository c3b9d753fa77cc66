"""Gaussian grids: regular (``F``), octahedral reduced (``O``) and classic reduced (``N``).

A Gaussian grid of number ``n`` has ``2n`` latitudes, the roots of the Legendre polynomial
``P_2n(sin φ)``, which make Gaussian quadrature exact for the spectral transforms of numerical
weather prediction models. The grids differ only in how many points each latitude carries:

- ``F<n>`` (regular): ``4n`` points on every row;
- ``O<n>`` (octahedral, ECMWF IFS since 2016): ``4i + 16`` points on row ``i = 1 .. n`` counted
  from either pole;
- ``N<n>`` (classic reduced): row lengths from tables chosen by ECMWF, shipped with fc-utils as
  package data extracted from ecCodes (``scripts/extract_classic_pl.py``).

Rows run north to south; on each row the points are equally spaced in longitude starting at 0°
(see :mod:`fc_utils.grids.grid`). Nothing is downloaded: every grid is computed.
"""

from __future__ import annotations

import json
import logging
import numbers
from functools import lru_cache
from importlib import resources

import numpy as np

from fc_utils.exceptions import GridError
from fc_utils.grids.grid import Grid

__all__ = [
    "available_classic_n",
    "classic_pl",
    "classic_reduced",
    "gaussian_latitudes",
    "octahedral",
    "octahedral_pl",
    "regular_gaussian",
]

LOG = logging.getLogger(__name__)

_MAX_NEWTON_STEPS = 50
#: Newton stops after a step in which no colatitude moved by more than this (radians). Newton
#: converges quadratically (error after a step of size d is about 500 d² for N1280), so the
#: roots are then exact to round-off, about 1e-14 rad; asking for smaller steps would only
#: chase the round-off noise of evaluating P_2n near the poles.
_NEWTON_TOLERANCE = 1e-10


def _check_n(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1:
        raise GridError(f"The {what} number must be a positive integer (as in O96), got {n!r}.")
    return int(n)


def _legendre_pair(degree: int, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``P_degree(z)`` and ``P_(degree-1)(z)`` by Bonnet's recurrence (stable on [-1, 1])."""
    previous = np.ones_like(z)
    current = z.copy()
    for k in range(2, degree + 1):
        previous, current = current, ((2 * k - 1) * z * current - (k - 1) * previous) / k
    return current, previous


@lru_cache(maxsize=16)
def _gaussian_latitudes_cached(n: int) -> np.ndarray:
    degree = 2 * n
    k = np.arange(1, n + 1, dtype=np.float64)
    # Tricomi's asymptotic approximation of the k-th root, accurate to O(degree^-4), so that
    # Newton needs only two or three steps even for N1280.
    guess = (1.0 - (degree - 1) / (8.0 * degree**3)) * np.cos(
        np.pi * (4 * k - 1) / (4 * degree + 2)
    )
    # Newton's iteration on the colatitude θ rather than on z = cos θ keeps full absolute
    # precision near the poles, where z is within 1e-7 of 1.
    theta = np.arccos(guess)
    for _ in range(_MAX_NEWTON_STEPS):
        z, sin_theta = np.cos(theta), np.sin(theta)
        p, p_prev = _legendre_pair(degree, z)
        # d/dθ P(cos θ) = degree (z P - P_prev) / sin θ
        step = p * sin_theta / (degree * (z * p - p_prev))
        theta -= step
        if float(np.max(np.abs(step))) <= _NEWTON_TOLERANCE:
            break
    else:  # pragma: no cover - Newton converges in a handful of steps from Tricomi's guess
        LOG.warning("Gaussian latitudes of N%d did not fully converge", n)
    north = 90.0 - np.degrees(np.sort(theta))
    latitudes = np.concatenate([north, -north[::-1]])
    latitudes.flags.writeable = False
    return latitudes


def gaussian_latitudes(n: int) -> np.ndarray:
    """Return the ``2n`` Gaussian latitudes of grid number ``n``, in degrees, north to south.

    They are ``arcsin`` of the roots of the Legendre polynomial ``P_2n``, found by a vectorised
    Newton iteration (all roots at once, from Tricomi's asymptotic initial guesses) to about
    1e-14 radians; the southern half mirrors the northern half exactly. N1280 takes well under
    a second.

    Parameters
    ----------
    n
        Gaussian grid number: the number of latitudes between a pole and the equator (96 for
        O96, N96 and F96).

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``[2n]``, decreasing from near 90° to near -90°; no latitude lies
        on a pole or on the equator.
    """
    return _gaussian_latitudes_cached(_check_n(n, "Gaussian grid")).copy()


def _reduced_coordinates(latitudes: np.ndarray, pl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten rows of ``pl`` equally spaced points starting at longitude 0."""
    lat = np.repeat(latitudes, pl)
    starts = np.cumsum(pl) - pl
    column = np.arange(lat.size, dtype=np.float64) - np.repeat(starts, pl)
    # 360 * j / pl rounds once, so row points are exact where the spacing is representable.
    lon = 360.0 * column / np.repeat(pl, pl)
    return lat, lon


def regular_gaussian(n: int) -> Grid:
    """Build the regular Gaussian grid ``F<n>``: ``4n`` points on each of the ``2n`` latitudes.

    Its ``shape`` is ``(2n, 4n)``; F90 has 64,800 points.
    """
    n = _check_n(n, "Gaussian grid")
    pl = np.full(2 * n, 4 * n, dtype=np.int64)
    lat, lon = _reduced_coordinates(_gaussian_latitudes_cached(n), pl)
    return Grid(
        name=f"F{n}", type="regular_gg", latitudes=lat, longitudes=lon, shape=(2 * n, 4 * n)
    )


def octahedral_pl(n: int) -> np.ndarray:
    """Return the row lengths of ``O<n>``, north to south: ``4i + 16`` on row ``i`` from a pole."""
    n = _check_n(n, "octahedral grid")
    half = 4 * np.arange(1, n + 1, dtype=np.int64) + 16
    return np.concatenate([half, half[::-1]])


def octahedral(n: int) -> Grid:
    """Build the octahedral reduced Gaussian grid ``O<n>`` (ECMWF's IFS grids since 2016).

    Row ``i`` counted from either pole (``i = 1 .. n``) has ``4i + 16`` points, so the grid
    has ``4n² + 36n`` points: 40,320 for O96, 6,599,680 for O1280. Its spacing is nearly
    uniform in kilometres, which is why machine-learning models favour it.
    """
    n = _check_n(n, "octahedral grid")
    pl = octahedral_pl(n)
    lat, lon = _reduced_coordinates(_gaussian_latitudes_cached(n), pl)
    return Grid(name=f"O{n}", type="reduced_gg", latitudes=lat, longitudes=lon, pl=pl)


@lru_cache(maxsize=1)
def _classic_tables() -> dict[int, tuple[int, ...]]:
    text = (
        resources.files("fc_utils.grids").joinpath("data").joinpath("classic_pl.json").read_text()
    )
    return {int(key): tuple(half) for key, half in json.loads(text)["half_pl"].items()}


def available_classic_n() -> list[int]:
    """Return the ``n`` of the classic reduced grids fc-utils knows (from ecCodes' tables)."""
    return sorted(_classic_tables())


def classic_pl(n: int) -> np.ndarray:
    """Return the row lengths of the classic reduced Gaussian grid ``N<n>``, north to south.

    Raises
    ------
    GridError
        If ``N<n>`` is not one of the grids ECMWF defines (see :func:`available_classic_n`).
    """
    n = _check_n(n, "classic reduced Gaussian grid")
    tables = _classic_tables()
    if n not in tables:
        known = ", ".join(f"N{k}" for k in sorted(tables))
        raise GridError(
            f"There is no classic reduced Gaussian grid N{n}.",
            hint=f"Known N grids: {known}. For any other resolution use an octahedral grid "
            f"(O{n}) or a regular Gaussian grid (F{n}).",
        )
    half = np.asarray(tables[n], dtype=np.int64)
    return np.concatenate([half, half[::-1]])


def classic_reduced(n: int) -> Grid:
    """Build the classic reduced Gaussian grid ``N<n>`` (e.g. N320: 542,080 points).

    The row lengths are ECMWF's tables as ecCodes defines them; only the ``n`` listed by
    :func:`available_classic_n` exist, other values raise :class:`~fc_utils.exceptions.GridError`.
    """
    pl = classic_pl(n)
    lat, lon = _reduced_coordinates(_gaussian_latitudes_cached(int(n)), pl)
    return Grid(name=f"N{int(n)}", type="reduced_gg", latitudes=lat, longitudes=lon, pl=pl)
