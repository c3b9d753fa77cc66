"""The k nearest points on the sphere, with numpy alone (fc-datasets does not depend on scipy).

Points become unit vectors in 3-D, where the straight-line (chord) distance orders points as
the great-circle distance does, with no special case at the poles or the date line. Source
points are hashed into cubes of side ``h``; the points within ``h`` of a target all lie in the
27 cubes around the target's own, so when the k-th nearest candidate found there is closer
than ``h`` the answer is exact. Targets for which it is not (sparse or lopsided grids, targets
far outside a limited area) are searched again with cubes twice as large, and so on; the
last resort, cubes larger than the sphere, is a brute-force search, which is exact too.

Everything is vectorised over targets in chunks, so that O96 → 1° (40,320 → 65,160 points)
takes a fraction of a second.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SphereIndex", "to_xyz"]

_CHUNK = 16384
#: Distances a brute-force search may compute at once before a hashed search is preferred.
_BRUTE_BUDGET = 200_000_000
#: Largest number of cubes given a dense look-up table (two arrays of this length).
_DENSE_CELLS = 4_000_000
_OFFSETS = np.array([(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)])


def to_xyz(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """Unit vectors ``[n, 3]`` of points given in degrees."""
    lat = np.radians(np.asarray(latitudes, dtype=np.float64))
    lon = np.radians(np.asarray(longitudes, dtype=np.float64))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


class _Hash:
    """Source points sorted by the cube of side ``h`` they fall in."""

    def __init__(self, xyz: np.ndarray, h: float) -> None:
        self.h = h
        self.m = math.ceil(2.0 / h) + 3  # +1 for rounding, +2 so neighbours stay in range
        keys = self.keys(self.cells(xyz))
        self.order = np.argsort(keys, kind="stable")
        self.sorted_keys = keys[self.order]
        self.dense_starts: np.ndarray | None = None
        self.dense_counts: np.ndarray | None = None
        if self.m**3 <= _DENSE_CELLS:
            # a table over every cube: a look-up is an index, not a binary search
            counts = np.bincount(self.sorted_keys, minlength=self.m**3)
            self.dense_counts = counts.astype(np.int32)
            self.dense_starts = (np.cumsum(counts) - counts).astype(np.int64)

    def ranges(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(first, count)`` of the sorted sources in each cube of ``keys``."""
        if self.dense_starts is not None and self.dense_counts is not None:
            return self.dense_starts[keys], self.dense_counts[keys].astype(np.int64)
        lo = np.searchsorted(self.sorted_keys, keys, side="left")
        hi = np.searchsorted(self.sorted_keys, keys, side="right")
        return lo, hi - lo

    def cells(self, xyz: np.ndarray) -> np.ndarray:
        return np.floor((xyz + 1.0) / self.h).astype(np.int64) + 1

    def keys(self, cells: np.ndarray) -> np.ndarray:
        m = self.m
        return (cells[..., 0] * m + cells[..., 1]) * m + cells[..., 2]


class SphereIndex:
    """Answers k-nearest-neighbour queries against fixed source points.

    Parameters
    ----------
    latitudes, longitudes
        Source points in degrees.
    """

    def __init__(self, latitudes: np.ndarray, longitudes: np.ndarray) -> None:
        self.xyz = to_xyz(latitudes, longitudes)
        n = self.xyz.shape[0]
        # about 1.5 mean spacings: a handful of points per cube, 3 nearest nearly always found
        self._h0 = min(4.0, 1.5 * math.sqrt(4.0 * math.pi / max(n, 1)))
        self._hashes: dict[float, _Hash] = {}

    def _hash(self, h: float) -> _Hash:
        if h not in self._hashes:
            self._hashes[h] = _Hash(self.xyz, h)
        return self._hashes[h]

    def query(
        self, latitudes: np.ndarray, longitudes: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Indices ``[t, k]`` of the ``k`` nearest sources of each target, nearest first, and
        their chord distances ``[t, k]`` (chord = 2 sin(angle / 2) on the unit sphere)."""
        targets = to_xyz(latitudes, longitudes)
        k = min(k, self.xyz.shape[0])
        indices = np.empty((targets.shape[0], k), dtype=np.int64)
        distances = np.empty((targets.shape[0], k), dtype=np.float64)
        todo = np.arange(targets.shape[0])
        # cubes large enough to hold about k points around a target in the first pass
        h = min(2.0, self._h0 * max(1.0, math.sqrt(k / 3.0)))
        n = self.xyz.shape[0]
        first = True
        while todo.size:
            # brute force once cubes outgrow the sphere, or when it is cheap anyway (a few
            # targets left, or a small source: far targets of a limited area end here)
            if h >= 2.0 or (not first and todo.size * n <= _BRUTE_BUDGET):
                rows = max(64, 16_000_000 // max(n, 1))  # about 128 MB of distances at once
                for start in range(0, todo.size, rows):
                    part = todo[start : start + rows]
                    indices[part], distances[part] = self._brute(targets[part], k)
                break
            done = np.zeros(todo.size, dtype=bool)
            for start in range(0, todo.size, _CHUNK):
                part = todo[start : start + _CHUNK]
                idx, dist, ok = self._search(self._hash(h), targets[part], k)
                indices[part[ok]], distances[part[ok]] = idx[ok], dist[ok]
                done[start : start + part.size] = ok
            todo = todo[~done]
            h *= 2.0
            first = False
        return indices, distances

    def _brute(self, targets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        d2 = np.maximum(2.0 - 2.0 * targets @ self.xyz.T, 0.0)
        part = (
            np.argpartition(d2, k - 1, axis=1)[:, :k] if k < d2.shape[1] else np.argsort(d2, axis=1)
        )
        rows = np.arange(targets.shape[0])[:, None]
        order = np.argsort(d2[rows, part], axis=1, kind="stable")
        best = part[rows, order]
        return best, np.sqrt(d2[rows, best])

    def _search(
        self, table: _Hash, targets: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t = targets.shape[0]
        cells = table.cells(targets)
        neighbour_keys = table.keys(cells[:, None, :] + _OFFSETS[None, :, :])  # [t, 27]
        lo, counts = table.ranges(neighbour_keys.reshape(-1))
        total = int(counts.sum())
        owner = np.repeat(np.repeat(np.arange(t), 27), counts)
        # position of each candidate inside the sorted source array
        run_starts = np.cumsum(counts) - counts
        within = np.arange(total) - np.repeat(run_starts, counts)
        candidate = table.order[np.repeat(lo, counts) + within]
        diff = self.xyz[candidate] - targets[owner]
        d2 = np.einsum("ij,ij->i", diff, diff)
        # candidates come grouped by target: pick the k smallest of each group by repeated
        # minimum extraction (k is small), which is linear where a sort would not be
        per_target = np.bincount(owner, minlength=t)
        ok = per_target >= k
        idx = np.zeros((t, k), dtype=np.int64)
        dist = np.full((t, k), np.inf)
        groups = np.nonzero(per_target)[0]
        starts = (np.cumsum(per_target) - per_target)[groups]
        for j in range(k):
            if total == 0:
                break
            smallest = np.minimum.reduceat(d2, starts)
            hits = np.flatnonzero(d2 == np.repeat(smallest, per_target[groups]))
            hits = hits[np.r_[True, owner[hits][1:] != owner[hits][:-1]]]  # first of each group
            hits = hits[np.isfinite(d2[hits])]
            idx[owner[hits], j] = candidate[hits]
            dist[owner[hits], j] = np.sqrt(d2[hits])
            d2[hits] = np.inf
        # exact only if nothing outside the 27 cubes can be closer than the k-th found
        ok &= dist[:, k - 1] <= table.h
        return idx, dist, ok
