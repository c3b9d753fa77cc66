"""fc-utils: grid generation, computed forcings and artifact container throughput."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from common import median_time

from fc_utils.artifact import read_artifact, write_artifact
from fc_utils.dates import DateRange
from fc_utils.forcings import compute_forcings, forcing_names
from fc_utils.grids import grid_from_name


def run() -> list[tuple[str, str]]:
    rows = []
    from fc_utils.grids import gaussian

    def build(name: str) -> object:
        gaussian._gaussian_latitudes_cached.cache_clear()  # time the Legendre roots too
        return grid_from_name(name)

    for name in ("O96", "N320", "O1280"):
        grid = grid_from_name(name)
        t = median_time(lambda name=name: build(name), repeat=3)
        rows.append(
            (
                f"grid {name} ({grid.size:,} points), Gaussian latitudes included",
                f"{t * 1000:8.1f} ms",
            )
        )

    grid = grid_from_name("O96")
    dates = DateRange("2020-01-01", "2020-01-31", "6h").dates
    names = forcing_names()
    t = median_time(
        lambda: compute_forcings(names, dates, grid.latitudes, grid.longitudes), repeat=3
    )
    values = len(dates) * len(names) * grid.size
    rows.append(
        (
            f"forcings: {len(names)} on O96 × {len(dates)} dates",
            f"{t:8.2f} s ({values / t / 1e6:.0f} M values/s)",
        )
    )

    rng = np.random.default_rng(0)
    tensors = {f"w{i}": rng.standard_normal((1024, 1024 * 6), dtype=np.float32) for i in range(8)}
    size_mb = sum(a.nbytes for a in tensors.values()) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.fc"
        tw = median_time(
            lambda: write_artifact(path, kind="bench", metadata={"n": 8}, tensors=tensors), repeat=3
        )
        tr = median_time(lambda: read_artifact(path), repeat=3)
        tr_nv = median_time(lambda: read_artifact(path, verify=False), repeat=3)
    rows.append(
        (
            f"artifact write {size_mb:.0f} MB (atomic, sha256 manifest)",
            f"{tw:8.2f} s ({size_mb / tw:.0f} MB/s)",
        )
    )
    rows.append(
        (
            f"artifact read {size_mb:.0f} MB, checksums verified",
            f"{tr:8.2f} s ({size_mb / tr:.0f} MB/s)",
        )
    )
    rows.append(
        (
            f"artifact read {size_mb:.0f} MB, verify=False",
            f"{tr_nv:8.2f} s ({size_mb / tr_nv:.0f} MB/s)",
        )
    )
    return rows
