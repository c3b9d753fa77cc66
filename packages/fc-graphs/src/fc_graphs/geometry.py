"""Points on the unit sphere: latitude/longitude ↔ unit vectors, and great-circle distances.

Every graph builder works on unit vectors in 3-D Cartesian space rather than on latitude and
longitude: there distances have no wrap-around at the date line, no singularity at the poles, and
nearest-neighbour searches can use an ordinary Euclidean tree (the chord length is a monotonic
function of the great-circle distance).

Conventions: latitude and longitude in degrees at the boundary of this module; ``x`` points to
(0°N, 0°E), ``y`` to (0°N, 90°E) and ``z`` to the North Pole. Distances are angles in radians on
the unit sphere; multiply by a radius to get a length.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fc_graphs.exceptions import GraphBuildError

__all__ = ["EARTH_RADIUS_KM", "great_circle_distance", "latlon_to_xyz", "xyz_to_latlon"]

#: Mean Earth radius in kilometres (IUGG), to turn angles on the unit sphere into distances.
EARTH_RADIUS_KM = 6371.0


def latlon_to_xyz(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Convert latitudes and longitudes in degrees to unit vectors.

    Parameters
    ----------
    lat_deg, lon_deg
        Latitudes in [-90, 90] and longitudes (any range, e.g. [0, 360) or [-180, 180)) in degrees.
        They are broadcast against each other, so a 1-D array of ``n`` points gives ``[n, 3]``.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``(*broadcast_shape, 3)`` holding ``(x, y, z)`` on the unit
        sphere.

    Raises
    ------
    GraphBuildError
        If a coordinate is not finite or a latitude lies outside [-90, 90]; latitudes in radians
        or swapped latitude/longitude columns are the usual cause.
    """
    lat = np.asarray(lat_deg, dtype=np.float64)
    lon = np.asarray(lon_deg, dtype=np.float64)
    try:
        lat, lon = np.broadcast_arrays(lat, lon)
    except ValueError as error:
        raise GraphBuildError(
            f"latitudes of shape {lat.shape} and longitudes of shape {lon.shape} cannot be "
            "broadcast together; pass one latitude and one longitude per point."
        ) from error
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise GraphBuildError(
            "latitudes and longitudes must be finite numbers; remove NaN or infinite coordinates "
            "(e.g. masked grid points) before building nodes."
        )
    if lat.size and (lat.min() < -90.0 or lat.max() > 90.0):
        raise GraphBuildError(
            f"latitudes must lie in [-90, 90] degrees, got values in [{lat.min()}, {lat.max()}]; "
            "check that latitude and longitude are not swapped and that they are in degrees."
        )
    phi = np.deg2rad(lat)
    lam = np.deg2rad(lon)
    cos_phi = np.cos(phi)
    return np.stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)], axis=-1)


def xyz_to_latlon(
    xyz: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Convert Cartesian vectors to latitudes and longitudes in degrees.

    The vectors need not be normalised: only their direction matters. ``atan2`` is used for both
    angles so latitudes near the poles keep full precision (``arcsin(z)`` would lose it).

    Parameters
    ----------
    xyz
        Array of shape ``(..., 3)``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lat_deg, lon_deg)``, each of shape ``(...)``; latitudes in [-90, 90], longitudes in
        (-180, 180]. At the poles the longitude is 0 (any value would be correct).

    Raises
    ------
    GraphBuildError
        If the last axis is not of length 3 or a vector is zero or not finite.
    """
    points = _as_vectors(xyz, "xyz")
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    lat = np.rad2deg(np.arctan2(z, np.hypot(x, y)))
    lon = np.rad2deg(np.arctan2(y, x))
    return lat, lon


def great_circle_distance(a_xyz: npt.ArrayLike, b_xyz: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Angle in radians between the directions ``a_xyz`` and ``b_xyz`` on the unit sphere.

    Uses ``2 · atan2(|a − b|, |a + b|)`` on normalised vectors, which keeps full relative precision
    for tiny separations (where ``arccos`` of the dot product loses about half the digits) and for
    nearly antipodal points (where ``arcsin`` of the cross product does).

    Parameters
    ----------
    a_xyz, b_xyz
        Arrays of shape ``(..., 3)``, broadcast against each other; they need not be normalised.

    Returns
    -------
    numpy.ndarray
        Distances in [0, π], of the broadcast leading shape.

    Raises
    ------
    GraphBuildError
        If an input's last axis is not of length 3, a vector is zero or not finite, or the
        shapes cannot be broadcast.
    """
    a = _normalised(_as_vectors(a_xyz, "a_xyz"))
    b = _normalised(_as_vectors(b_xyz, "b_xyz"))
    try:
        difference = np.linalg.norm(a - b, axis=-1)
        total = np.linalg.norm(a + b, axis=-1)
    except ValueError as error:
        raise GraphBuildError(
            f"point arrays of shapes {a.shape} and {b.shape} cannot be broadcast together; "
            "pass matching arrays of 3-D vectors."
        ) from error
    return 2.0 * np.arctan2(difference, total)


def _as_vectors(values: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    """Check that ``values`` is a finite, non-zero array of 3-D vectors and return it as float64."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0 or array.shape[-1] != 3:
        raise GraphBuildError(
            f"{name} must be an array of 3-D vectors with shape (..., 3), got shape {array.shape}; "
            "use latlon_to_xyz to convert latitudes and longitudes."
        )
    if not np.all(np.isfinite(array)):
        raise GraphBuildError(f"{name} contains NaN or infinite values; remove those points.")
    if array.size and np.any(np.all(array == 0.0, axis=-1)):
        raise GraphBuildError(
            f"{name} contains a zero vector, which has no direction on the sphere; remove it."
        )
    return array


def _normalised(vectors: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Scale each vector to unit length."""
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)
