"""Edge and node attributes: edge lengths, relative positions, area weights.

Message-passing networks on the sphere see the geometry only through these features. GraphCast
(Lam et al., 2023) gives every edge its length and the sender's position relative to the receiver
in a frame attached to the receiver, so that the same local configuration looks the same wherever
on a latitude circle it occurs; Anemoi weights grid nodes (and the loss) by the area each
represents.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import numpy.typing as npt

from fc_config.suggest import did_you_mean
from fc_graphs.edges import _edges, _points
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.voronoi import voronoi_areas

__all__ = [
    "AREA_METHODS",
    "NORMALISATIONS",
    "area_weights",
    "edge_direction",
    "edge_length",
    "normalise",
]

logger = logging.getLogger(__name__)

Normalisation = Literal["none", "unit-max", "unit-sum", "unit-std"]
AreaMethod = Literal["voronoi", "cos_latitude"]

NORMALISATIONS: tuple[str, ...] = ("none", "unit-max", "unit-sum", "unit-std")
AREA_METHODS: tuple[str, ...] = ("voronoi", "cos_latitude")


def edge_length(
    edges: npt.ArrayLike,
    src_xyz: npt.ArrayLike,
    dst_xyz: npt.ArrayLike,
    *,
    normalisation: Normalisation = "none",
) -> npt.NDArray[np.float64]:
    """Great-circle length of every edge, in radians (``[n_edges]``).

    Parameters
    ----------
    edges
        Integer array ``[2, n_edges]``: row 0 indexes ``src_xyz``, row 1 ``dst_xyz``.
    src_xyz, dst_xyz
        Arrays ``[n, 3]`` of unit vectors of the source and target nodes.
    normalisation
        See :func:`normalise`; GraphCast divides by the longest edge (``unit-max``).

    Raises
    ------
    GraphBuildError
        If the arrays are malformed or an edge refers to a node that does not exist.
    """
    sources, targets, index = _endpoints(edges, src_xyz, dst_xyz)
    # normalise the nodes once, not the gathered [E, 3] endpoints: with unit vectors the
    # chord c = |a - b| gives the angle 2·atan2(c, sqrt(4 - c²)) (|a + b|² = 4 - c²), as
    # precise as great_circle_distance for short and nearly antipodal edges alike
    sources = sources / np.linalg.norm(sources, axis=1, keepdims=True)
    targets = targets / np.linalg.norm(targets, axis=1, keepdims=True)
    chord_squared = np.square(sources[index[0]] - targets[index[1]]).sum(axis=1)
    lengths = 2.0 * np.arctan2(np.sqrt(chord_squared), np.sqrt(np.maximum(4.0 - chord_squared, 0)))
    return normalise(lengths, normalisation)


def edge_direction(
    edges: npt.ArrayLike,
    src_xyz: npt.ArrayLike,
    dst_xyz: npt.ArrayLike,
    *,
    normalisation: Normalisation = "none",
) -> npt.NDArray[np.float64]:
    """Position of each edge's source relative to its target, in the target's local frame.

    The frame of a target at latitude ``φ``, longitude ``λ`` has axes east
    ``(-sin λ, cos λ, 0)``, north ``(-sin φ cos λ, -sin φ sin λ, cos φ)`` and up (the target
    itself). Expressing the source in it rotates the target onto the pole ``(0, 0, 1)``; the
    feature is the source's rotated position minus that pole. This is GraphCast's relative
    position: it depends only on the two points' configuration as seen from the target (its
    norm is the chord length; the east and north components give the bearing), so it is
    unchanged by any rotation of all points about the polar axis, and it keeps east and north
    apart, which matters for winds. (No 3-vector can be unchanged by *every* rotation while
    still telling directions apart: that needs a reference direction, here north.) At the poles
    the east axis follows longitude 0.

    Parameters
    ----------
    edges
        Integer array ``[2, n_edges]``: row 0 indexes ``src_xyz``, row 1 ``dst_xyz``.
    src_xyz, dst_xyz
        Arrays ``[n, 3]`` of unit vectors of the source and target nodes.
    normalisation
        See :func:`normalise`, applied to all components together; GraphCast divides by the
        longest edge's length (``unit-max`` applied to the vector norms).

    Returns
    -------
    numpy.ndarray
        ``float64`` array ``[n_edges, 3]``: (east, north, up − 1) components.

    Raises
    ------
    GraphBuildError
        If the arrays are malformed or an edge refers to a node that does not exist.
    """
    sources, targets, index = _endpoints(edges, src_xyz, dst_xyz)
    sender = sources[index[0]]
    receiver = targets[index[1]]
    x, y, z = receiver[:, 0], receiver[:, 1], receiver[:, 2]
    lon = np.arctan2(y, x)
    lat = np.arctan2(z, np.hypot(x, y))
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    east = np.stack([-sin_lon, cos_lon, np.zeros_like(lon)], axis=-1)
    north = np.stack([-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat], axis=-1)
    up = np.einsum("ec,ec->e", sender, receiver) - 1.0
    direction = np.stack(
        [np.einsum("ec,ec->e", sender, east), np.einsum("ec,ec->e", sender, north), up], axis=-1
    )
    if normalisation == "unit-max":
        # Scale by the longest vector so that the bearings (component ratios) survive.
        return direction / _positive(np.linalg.norm(direction, axis=-1).max(), "the largest norm")
    if normalisation == "none":
        return direction
    return normalise(direction, normalisation)


def area_weights(
    xyz: npt.ArrayLike,
    method: AreaMethod = "voronoi",
    *,
    normalisation: Normalisation = "none",
) -> npt.NDArray[np.float64]:
    """The area each point of a grid represents, for node features and area-weighted losses.

    ``voronoi`` gives the area of each point's spherical Voronoi cell (the region closer to it
    than to any other point), in steradians on the unit sphere, summing to 4π for a global grid;
    it suits any grid, including reduced Gaussian and unstructured ones
    (:mod:`fc_graphs.voronoi`). On a limited-area grid a border cell is its part inside the
    area, so border weights stay comparable to the inner ones.
    ``cos_latitude`` gives ``cos φ``, proportional to the cell area of a regular lat-lon grid
    only, and zero at the poles; it needs no scipy and works on any subset of points.

    Parameters
    ----------
    xyz
        Array ``[n, 3]`` of unit vectors, without duplicates (for ``voronoi``; at least 4 points).
    method
        ``"voronoi"`` or ``"cos_latitude"``.
    normalisation
        See :func:`normalise`.

    Returns
    -------
    numpy.ndarray
        ``float64`` array ``[n]``.

    Raises
    ------
    GraphBuildError
        For an unknown method or normalisation, malformed points, or duplicate points.
    """
    points = _points(xyz, "xyz")
    if method == "cos_latitude":
        weights = np.hypot(points[:, 0], points[:, 1])
    elif method == "voronoi":
        weights = voronoi_areas(points)
    else:
        raise GraphBuildError(
            f"unknown area method {method!r}; choose one of {', '.join(AREA_METHODS)}."
            + did_you_mean(str(method), AREA_METHODS)
        )
    return normalise(weights, normalisation)


def normalise(values: npt.ArrayLike, method: Normalisation = "none") -> npt.NDArray[np.float64]:
    """Rescale non-negative attributes so features of different graphs have comparable sizes.

    Parameters
    ----------
    values
        Array of any shape.
    method
        ``none`` (unchanged), ``unit-max`` (divide by the largest value, so the maximum is 1),
        ``unit-sum`` (divide by the sum, so the values sum to 1, e.g. loss weights) or
        ``unit-std`` (divide by the standard deviation).

    Raises
    ------
    GraphBuildError
        For an unknown method, or when the divisor is zero or not finite.
    """
    array = np.asarray(values, dtype=np.float64)
    if method == "none":
        return array
    if method == "unit-max":
        return array / _positive(np.abs(array).max(initial=0.0), "the largest absolute value")
    if method == "unit-sum":
        return array / _positive(array.sum(), "the sum")
    if method == "unit-std":
        return array / _positive(array.std(), "the standard deviation")
    raise GraphBuildError(
        f"unknown normalisation {method!r}; choose one of {', '.join(NORMALISATIONS)}."
        + did_you_mean(str(method), NORMALISATIONS)
    )


def _endpoints(
    edges: npt.ArrayLike, src_xyz: npt.ArrayLike, dst_xyz: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Validate the node arrays and an edge index into them."""
    sources = _points(src_xyz, "src_xyz")
    targets = _points(dst_xyz, "dst_xyz")
    return sources, targets, _edges(edges, len(sources), len(targets))


def _positive(divisor: float, what: str) -> float:
    """Return ``divisor`` if it is a finite positive number, else explain why it cannot divide."""
    value = float(divisor)
    if not (np.isfinite(value) and value > 0.0):
        raise GraphBuildError(
            f"cannot normalise: {what} of the values is {value}; use normalisation='none'."
        )
    return value
