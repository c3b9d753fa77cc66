"""Spherical Voronoi areas: the row-by-row hull, qhull's fallback and limited areas."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy.spatial import SphericalVoronoi

import fc_graphs.voronoi as voronoi
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import latlon_to_xyz
from fc_graphs.meshes.healpix import healpix_pixel_centres
from fc_graphs.voronoi import voronoi_areas
from fc_utils.grids import grid_from_name


def _grid(name: str) -> npt.NDArray[np.float64]:
    grid = grid_from_name(name)
    return latlon_to_xyz(grid.latitudes, grid.longitudes)


def _scipy(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(SphericalVoronoi(points, 1.0, np.zeros(3)).calculate_areas())


def _random(n: int, seed: int) -> npt.NDArray[np.float64]:
    points = np.random.default_rng(seed).normal(size=(n, 3))
    return points / np.linalg.norm(points, axis=1, keepdims=True)


@pytest.mark.parametrize("name", ["O16", "N32", "F16", "2p5"])
def test_grids_of_rows_are_triangulated_without_qhull_and_match_scipy(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = _grid(name)
    if name == "2p5":  # a regular lat-lon grid repeats the poles: keep one point of each
        keep = np.abs(points[:, 2]) < 1 - 1e-12
        points = np.concatenate([points[keep], [[0, 0, 1.0], [0, 0, -1.0]]])

    def no_qhull(unit: object) -> None:
        raise AssertionError("a grid of latitude rows must not need qhull")

    monkeypatch.setattr(voronoi, "_hull_triangulation", no_qhull)
    areas = voronoi_areas(points)
    np.testing.assert_allclose(areas, _scipy(points), rtol=1e-9, atol=1e-13)
    assert areas.sum() == pytest.approx(4 * np.pi, rel=1e-12)


@pytest.mark.parametrize(
    "points",
    [_random(2000, 1), latlon_to_xyz(*healpix_pixel_centres(8))],
    ids=["random", "healpix"],
)
def test_other_point_sets_match_scipy(points: npt.NDArray[np.float64]) -> None:
    np.testing.assert_allclose(voronoi_areas(points), _scipy(points), rtol=1e-9, atol=1e-14)


def test_a_grid_that_is_not_rows_falls_back_to_qhull(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = voronoi._hull_triangulation
    monkeypatch.setattr(voronoi, "_hull_triangulation", lambda unit: calls.append(1) or real(unit))
    voronoi_areas(_random(500, 2))
    assert calls == [1]


def test_a_row_triangulation_that_is_not_convex_is_refused() -> None:
    # A row of 4 points between two rows of 200: the faces zipped from the sparse row dip
    # inside the hull, the check must notice, so that the caller uses qhull.
    rows = [(60.0, 200), (55.0, 4), (50.0, 200), (-60.0, 20)]
    points = np.concatenate(
        [latlon_to_xyz(np.full(n, lat), np.arange(n) * 360.0 / n) for lat, n in rows]
    )
    assert voronoi._row_triangulation(points) is None
    np.testing.assert_allclose(voronoi_areas(points), _scipy(points), rtol=1e-9, atol=1e-14)


def test_limited_area_cells_are_positive_and_border_cells_stay_bounded() -> None:
    grid = grid_from_name("O48")
    inside = (
        (grid.latitudes > 35)
        & (grid.latitudes < 72)
        & ((grid.longitudes < 50) | (grid.longitudes > 330))
    )
    areas = voronoi_areas(latlon_to_xyz(grid.latitudes[inside], grid.longitudes[inside]))
    assert np.all(areas > 0)
    # no border cell takes a share of the rest of the globe (scipy gives them up to ~1 sr)
    assert areas.max() < 2 * np.median(areas)


def test_a_spherical_cap_covers_its_area() -> None:
    points = _random(8000, 3)
    cap = points[points[:, 2] > 0.5]
    areas = voronoi_areas(cap)
    assert np.all(areas > 0)
    # the cells stop at the outermost points, a little inside the cap's edge (area π)
    assert 0.95 * np.pi < areas.sum() < np.pi


def test_coinciding_points_are_refused() -> None:
    points = np.concatenate([_random(50, 4), _random(1, 4)])
    with pytest.raises(GraphBuildError, match="duplicate"):
        voronoi_areas(points)


def test_too_few_or_malformed_points_are_refused() -> None:
    with pytest.raises(GraphBuildError, match="at least 4"):
        voronoi_areas(_random(3, 5))
    with pytest.raises(GraphBuildError, match=r"\[n, 3\]"):
        voronoi_areas(np.zeros((5, 2)))


def test_a_limited_area_bordered_by_a_meridian_is_not_degenerate() -> None:
    # every row of an octahedral grid has a point at 0°E: the area's western border lies on
    # one great circle, so qhull makes triangles across the outside whose plane has no side
    grid = grid_from_name("O48")
    inside = (grid.latitudes > 30) & (grid.latitudes < 70) & (grid.longitudes <= 40)
    areas = voronoi_areas(latlon_to_xyz(grid.latitudes[inside], grid.longitudes[inside]))
    assert np.all(areas > 0) and areas.max() < 2 * np.median(areas)
