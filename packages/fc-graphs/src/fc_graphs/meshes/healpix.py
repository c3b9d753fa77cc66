"""HEALPix pixel centres: an equal-area hidden node set (Górski et al. 2005, ApJ 622, 759).

HEALPix splits the sphere into 12 base cells, each into ``nside²`` cells of exactly equal area,
whose centres lie on ``4·nside − 1`` rings of constant latitude. Equal areas make every hidden
node stand for the same share of the globe, which suits a processor mesh and area-weighted
losses alike; the rings make the set cheap to compute from closed formulas.

The centres are returned in the *ring* ordering: ring by ring from the North Pole southwards,
eastwards within a ring, starting at the first pixel east of 0°. With ``z = sin(latitude)`` and
``i`` the ring number (1 at the north):

- north polar cap, ``1 ≤ i < nside``: ``4i`` pixels, ``z = 1 − i²/(3 nside²)``,
  longitude ``(π / 2i)(j − ½)`` for ``j = 1 … 4i``;
- equatorial belt, ``nside ≤ i ≤ 3 nside``: ``4 nside`` pixels, ``z = 4/3 − 2i/(3 nside)``,
  longitude ``(π / 2 nside)(j − s/2)`` with ``s = (i − nside + 1) mod 2``;
- south polar cap: the mirror image of the north cap.
"""

from __future__ import annotations

import logging
import operator

import numpy as np
import numpy.typing as npt

from fc_graphs.exceptions import GraphBuildError

__all__ = ["healpix_npix", "healpix_pixel_centres"]

logger = logging.getLogger(__name__)

_MAX_NSIDE = 8192  # 805 million pixels: beyond that a typo is likelier than intent.


def healpix_npix(nside: int) -> int:
    """The number of pixels of a HEALPix grid, ``12·nside²``, without computing them.

    Raises
    ------
    GraphBuildError
        If ``nside`` is not a power of two in [1, 8192].
    """
    n = _check_nside(nside)
    return 12 * n * n


def healpix_pixel_centres(
    nside: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitudes and longitudes in degrees of the centres of a HEALPix grid, in ring order.

    Parameters
    ----------
    nside
        Cells along a side of each of the 12 base cells: a power of two in [1, 8192].

    Returns
    -------
    tuple of numpy.ndarray
        ``float64`` latitudes in (-90, 90) and longitudes in [0, 360), each of shape
        ``[12·nside²]``, from the northernmost ring southwards.

    Raises
    ------
    GraphBuildError
        If ``nside`` is not a power of two in [1, 8192].
    """
    n = _check_nside(nside)
    lat_rings: list[npt.NDArray[np.float64]] = []
    lon_rings: list[npt.NDArray[np.float64]] = []
    for ring in range(1, 4 * n):
        lat, lon = _ring(ring, n)
        lat_rings.append(lat)
        lon_rings.append(lon)
    latitudes = np.concatenate(lat_rings)
    longitudes = np.mod(np.concatenate(lon_rings), 360.0)
    longitudes[longitudes >= 360.0] = 0.0
    logger.debug("built HEALPix grid nside=%d (%d pixels)", n, latitudes.size)
    return latitudes, longitudes


def _ring(ring: int, n: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitudes and longitudes (degrees) of ring ``ring`` (1 … 4n − 1) of an ``nside = n`` grid."""
    north = min(ring, 4 * n - ring)  # ring number counted from the nearer pole
    sign = 1.0 if ring <= 2 * n else -1.0
    if north < n:  # polar cap
        count = 4 * north
        # 1 − z and 1 + z from their exact forms, so latitudes near the poles keep full precision.
        one_minus_z = north * north / (3.0 * n * n)
        cos_lat = np.sqrt(one_minus_z * (2.0 - one_minus_z))
        sin_lat = sign * (1.0 - one_minus_z)
        lon = (np.arange(1, count + 1) - 0.5) * (90.0 / north)
    else:  # equatorial belt
        count = 4 * n
        sin_lat = 4.0 / 3.0 - 2.0 * ring / (3.0 * n)
        cos_lat = np.sqrt((1.0 - sin_lat) * (1.0 + sin_lat))
        shift = (ring - n + 1) % 2
        lon = (np.arange(1, count + 1) - shift / 2.0) * (90.0 / n)
    lat = np.full(count, np.rad2deg(np.arctan2(sin_lat, cos_lat)), dtype=np.float64)
    return lat, lon.astype(np.float64)


def _check_nside(nside: int) -> int:
    """Return ``nside`` as an int if it is a power of two in [1, 8192], else explain."""
    try:
        n = operator.index(nside)
    except TypeError as error:
        raise GraphBuildError(
            f"HEALPix nside must be an integer, got {nside!r}; use a power of two such as 8."
        ) from error
    if n < 1 or n > _MAX_NSIDE or n & (n - 1):
        raise GraphBuildError(
            f"HEALPix nside must be a power of two in [1, {_MAX_NSIDE}], got {n}; "
            "the grid has 12·nside² pixels (nside 32: 12,288)."
        )
    return n
