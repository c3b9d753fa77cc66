"""The ``regrid`` filter: interpolate every variable onto another grid.

``nearest`` takes the value of the closest source point; ``linear`` interpolates in the
triangle of the three closest source points with spherical barycentric weights (exact for a
field linear in x, y, z), and falls back to inverse-distance weights where those three points
do not enclose the target. Both reproduce the source exactly where a target coincides with a
source point.

The weights depend only on the two grids, so they are computed once per (source grid, target
grid, method) and kept in a small in-process cache; applying them is a gather and a weighted
sum, a few milliseconds per field. NaNs are respected: ``linear`` renormalises its weights over
the valid neighbours and gives NaN only where all three are missing.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from fc_config.exceptions import FcError
from fc_config.recipes.filters import RegridFilterConfig
from fc_datasets.fields import FieldBlock
from fc_datasets.filters._nearest import SphereIndex, to_xyz
from fc_datasets.filters._select import FilterError, as_float
from fc_datasets.sources.base import BuildContext, Filter

__all__ = ["RegridFilter", "Weights", "interpolation_weights"]

LOG = logging.getLogger(__name__)

_CACHE: OrderedDict[tuple[str, str, str], Weights] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()
#: Chord distance below which a target is taken to coincide with a source point (~6 mm).
_SAME_POINT = 1e-9


def _weighted(data: np.ndarray, indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``sum_k weights[t, k] * data[..., indices[t, k]]``, renormalised over non-NaN values."""
    out = np.zeros((*data.shape[:-1], indices.shape[0]), dtype=np.float64)
    total = np.zeros_like(out) if np.isnan(data).any() else None
    for k in range(indices.shape[1]):
        values = data[..., indices[:, k]]
        weight = weights[:, k]
        if total is None:
            out += values * weight
        else:
            valid = ~np.isnan(values)
            out += np.where(valid, values, 0.0) * weight
            total += valid * weight
    if total is not None:
        # renormalise over the valid neighbours; NaN where none is valid
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(total > 0, out / np.where(total > 0, total, 1.0), np.nan)
    return out


class Weights:
    """Sparse interpolation weights: ``out[t] = sum_k weights[t, k] * in[indices[t, k]]``.

    ``extra`` holds, for a few targets (``rows``), wider stencils that replace the main one.
    """

    def __init__(
        self,
        indices: np.ndarray,
        weights: np.ndarray,
        extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.indices = indices
        self.weights = weights
        self.extra = extra

    def apply(self, data: np.ndarray) -> np.ndarray:
        """Interpolate ``data [..., source cell]`` to ``[..., target cell]`` (float64)."""
        out = _weighted(data, self.indices, self.weights)
        if self.extra is not None:
            rows, indices, weights = self.extra
            out[..., rows] = _weighted(data, indices, weights)
        return out


def _digest(latitudes: np.ndarray, longitudes: np.ndarray) -> str:
    h = hashlib.sha1(np.ascontiguousarray(latitudes, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(longitudes, dtype=np.float64).tobytes())
    return h.hexdigest()


#: Neighbours weighed where no triangle encloses a target, and how far (relative to the
#: nearest) they may be.
_WIDE = 24
_RING = 1.5
#: Triangles tried among the four nearest source points, closest first.
_TRIANGLES = ((0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3))


def _barycentric(target: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``[t, 3]`` of ``target`` in the spherical triangles ``p [t, 3, 3]`` and whether
    the triangle encloses it (all weights non-negative, triangle not degenerate)."""
    cross12 = np.cross(p[:, 1], p[:, 2])
    det = np.einsum("ij,ij->i", p[:, 0], cross12)
    w = np.stack(
        [
            np.einsum("ij,ij->i", target, cross12),
            np.einsum("ij,ij->i", p[:, 0], np.cross(target, p[:, 2])),
            np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], target)),
        ],
        axis=1,
    )
    # Cramer's rule solves target = w1 p1 + w2 p2 + w3 p3; a flat triangle has det ~ edge³
    edge = np.linalg.norm(p[:, 1] - p[:, 0], axis=1) + np.linalg.norm(p[:, 2] - p[:, 0], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = w / det[:, None]
        w = w / w.sum(axis=1, keepdims=True)
    inside = np.isfinite(w).all(axis=1) & (w >= -1e-9).all(axis=1)
    inside &= np.abs(det) > 1e-4 * np.maximum(edge, 1e-100) ** 3
    return np.clip(np.nan_to_num(w), 0.0, None), inside


def _inverse_distance(dist: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = 1.0 / np.maximum(dist, 1e-300) ** 2
        return inverse / inverse.sum(axis=1, keepdims=True)


def _linear(index: SphereIndex, lat: np.ndarray, lon: np.ndarray) -> Weights:
    idx, dist = index.query(lat, lon, 4)
    if idx.shape[1] < 3:
        return Weights(idx[:, :1], np.ones((idx.shape[0], 1)))
    target = to_xyz(lat, lon)
    weights = _inverse_distance(dist[:, :3])
    chosen = idx[:, :3].copy()
    found = np.zeros(idx.shape[0], dtype=bool)
    for triangle in _TRIANGLES if idx.shape[1] >= 4 else _TRIANGLES[:1]:
        corners = idx[:, list(triangle)]
        w, inside = _barycentric(target, index.xyz[corners])
        use = inside & ~found
        weights[use], chosen[use] = w[use], corners[use]
        found |= use
    same = dist[:, 0] < _SAME_POINT
    weights[same], chosen[same] = (1.0, 0.0, 0.0), idx[same, :3]
    weights /= weights.sum(axis=1, keepdims=True)
    LOG.debug("linear weights: %d of %d targets inside a triangle", found.sum(), found.size)
    extra = None
    rest = np.flatnonzero(~found & ~same)
    if rest.size:
        # No triangle of the four nearest encloses the target (a pole ringed by one row of
        # points, a target outside a limited area): weight every point about as close as the
        # nearest one by inverse distance, so that a ring of points all counts.
        wide_idx, wide_dist = index.query(lat[rest], lon[rest], _WIDE)
        near = wide_dist <= _RING * wide_dist[:, :1]
        near[:, :3] = True
        wide = np.where(near, _inverse_distance(wide_dist), 0.0)
        extra = (rest, wide_idx, wide / wide.sum(axis=1, keepdims=True))
    return Weights(chosen, weights, extra)


def interpolation_weights(
    source: tuple[np.ndarray, np.ndarray], target: tuple[np.ndarray, np.ndarray], method: str
) -> Weights:
    """The weights from ``source`` to ``target`` points (``(latitudes, longitudes)`` in
    degrees), computed once and then taken from a cache keyed by both grids and ``method``."""
    key = (_digest(*source), _digest(*target), method)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    index = SphereIndex(*source)
    if method == "nearest":
        idx, _ = index.query(target[0], target[1], 1)
        weights = Weights(idx, np.ones((idx.shape[0], 1)))
    else:
        weights = _linear(index, target[0], target[1])
    with _LOCK:
        _CACHE[key] = weights
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return weights


class RegridFilter(Filter):
    """Interpolate every variable onto ``out_grid`` (a grid name or an ``.npz`` of points)."""

    config_model: ClassVar[type[RegridFilterConfig]] = RegridFilterConfig
    config: RegridFilterConfig

    def __init__(self, config: Any, context: BuildContext) -> None:
        super().__init__(config, context)
        self._where = f"regrid at {context.path}"
        self._target = self._load_target(self.config.out_grid)
        self._expected_size: int | None = None
        if self.config.in_grid is not None:
            self._expected_size = self._grid(self.config.in_grid).size

    def _grid(self, name: str) -> Any:
        from fc_utils.grids import grid_from_name

        try:
            return grid_from_name(name)
        except FcError as exc:
            raise FilterError(f"{self._where}: {exc}") from None

    def _load_target(self, spec: str) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        if not spec.lower().endswith(".npz"):
            grid = self._grid(spec)
            return grid.latitudes, grid.longitudes, grid.description()
        path = self.context.resolve_path(spec)
        try:
            with np.load(path, allow_pickle=False) as npz:
                keys = set(npz.files)
                lat_key = next((k for k in ("latitudes", "lat", "latitude") if k in keys), None)
                lon_key = next((k for k in ("longitudes", "lon", "longitude") if k in keys), None)
                if lat_key is None or lon_key is None:
                    raise FilterError(
                        f"{self._where}: '{path}' has arrays {sorted(keys)}, not 'latitudes' "
                        "and 'longitudes'."
                    )
                lat = np.asarray(npz[lat_key], dtype=np.float64).reshape(-1)
                lon = np.asarray(npz[lon_key], dtype=np.float64).reshape(-1)
        except OSError as exc:
            raise FilterError(f"{self._where}: cannot read '{path}': {exc}") from None
        if lat.shape != lon.shape or not (np.abs(lat) <= 90).all():
            raise FilterError(
                f"{self._where}: '{path}' must hold as many latitudes (in [-90, 90]) as "
                f"longitudes; it has {lat.size} and {lon.size}."
            )
        description = {
            "type": "unstructured",
            "name": Path(spec).stem,
            "number_of_points": int(lat.size),
            "pl": None,
            "area": None,
        }
        return lat, lon % 360.0, description

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block on the target grid."""
        if self._expected_size is not None and block.number_of_points != self._expected_size:
            raise FilterError(
                f"{self._where}: the fields have {block.number_of_points:,} points, but "
                f"in_grid {self.config.in_grid} has {self._expected_size:,}."
            )
        lat, lon, description = self._target
        weights = interpolation_weights(
            (block.latitudes, block.longitudes), (lat, lon), self.config.method
        )
        data = as_float(weights.apply(block.data), block.data)
        return replace(
            block,
            data=data,
            latitudes=np.asarray(lat, dtype=np.float64),
            longitudes=np.asarray(lon, dtype=np.float64),
            grid=dict(description),
        )
