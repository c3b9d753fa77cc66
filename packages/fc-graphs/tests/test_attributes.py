"""Edge and node attributes: lengths, relative positions, area weights, normalisation."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from fc_graphs.attributes import area_weights, edge_direction, edge_length, normalise
from fc_graphs.edges import knn_edges
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import great_circle_distance, latlon_to_xyz
from fc_utils.grids import grid_from_name


@pytest.fixture(scope="module")
def grid_xyz() -> npt.NDArray[np.float64]:
    grid = grid_from_name("O32")
    return latlon_to_xyz(grid.latitudes, grid.longitudes)


def _random_points(n: int, seed: int) -> npt.NDArray[np.float64]:
    points = np.random.default_rng(seed).normal(size=(n, 3))
    return points / np.linalg.norm(points, axis=-1, keepdims=True)


def _rotation_about_z(angle: float) -> npt.NDArray[np.float64]:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def test_edge_length_matches_great_circle_distance() -> None:
    src, dst = _random_points(30, 0), _random_points(20, 1)
    edges = knn_edges(src, dst, 3)
    lengths = edge_length(edges, src, dst)
    assert lengths.shape == (60,)
    np.testing.assert_allclose(
        lengths, great_circle_distance(src[edges[0]], dst[edges[1]]), rtol=1e-12
    )
    assert edge_length(edges, src, dst, normalisation="unit-max").max() == pytest.approx(1.0)


def test_edge_direction_is_unchanged_by_a_rotation_about_the_pole() -> None:
    src, dst = _random_points(40, 2), _random_points(25, 3)
    edges = knn_edges(src, dst, 4)
    rotation = _rotation_about_z(1.234)
    before = edge_direction(edges, src, dst)
    after = edge_direction(edges, src @ rotation.T, dst @ rotation.T)
    np.testing.assert_allclose(after, before, atol=1e-12)


def test_edge_direction_is_the_rotated_offset_with_the_target_at_the_pole() -> None:
    src, dst = _random_points(40, 4), _random_points(25, 5)
    edges = knn_edges(src, dst, 4)
    direction = edge_direction(edges, src, dst)
    # A rotation preserves lengths: the norm is the chord between source and target.
    chord = np.linalg.norm(src[edges[0]] - dst[edges[1]], axis=-1)
    np.testing.assert_allclose(np.linalg.norm(direction, axis=-1), chord, rtol=1e-10)
    # A source due north of the target on the equator lies along +north, due east along +east.
    target = latlon_to_xyz([0.0], [30.0])
    sources = latlon_to_xyz([5.0, 0.0], [30.0, 35.0])
    local = edge_direction(np.array([[0, 1], [0, 0]]), sources, target)
    assert local[0, 1] > 0 and abs(local[0, 0]) < 1e-12
    assert local[1, 0] > 0 and abs(local[1, 1]) < 1e-12


def test_voronoi_areas_of_a_global_grid_sum_to_the_sphere(
    grid_xyz: npt.NDArray[np.float64],
) -> None:
    areas = area_weights(grid_xyz, "voronoi")
    assert areas.shape == (len(grid_xyz),) and np.all(areas > 0)
    assert areas.sum() == pytest.approx(4 * np.pi, rel=1e-9)
    # The grid is symmetric about the equator, and so must its cells be.
    north = grid_xyz[:, 2] > 0
    assert areas[north].sum() == pytest.approx(2 * np.pi, rel=1e-9)
    np.testing.assert_allclose(
        area_weights(grid_xyz, normalisation="unit-sum").sum(), 1.0, rtol=1e-12
    )


def test_voronoi_rejects_duplicate_points() -> None:
    points = np.concatenate([_random_points(10, 6), _random_points(1, 6)])
    with pytest.raises(GraphBuildError, match="duplicate"):
        area_weights(points)


def test_cos_latitude_weights_are_positive_and_follow_latitude(
    grid_xyz: npt.NDArray[np.float64],
) -> None:
    grid = grid_from_name("O32")
    weights = area_weights(grid_xyz, "cos_latitude")
    assert np.all(weights > 0)
    np.testing.assert_allclose(weights, np.cos(np.deg2rad(grid.latitudes)), atol=1e-12)


def test_unknown_method_suggests_the_closest() -> None:
    with pytest.raises(GraphBuildError, match="Did you mean 'voronoi'"):
        area_weights(_random_points(10, 7), "voronoy")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "check"),
    [
        ("none", lambda w: np.allclose(w, [1.0, 2.0, 3.0])),
        ("unit-max", lambda w: np.isclose(w.max(), 1.0)),
        ("unit-sum", lambda w: np.isclose(w.sum(), 1.0)),
        ("unit-std", lambda w: np.isclose(w.std(), 1.0)),
    ],
)
def test_normalise(method: str, check: object) -> None:
    result = normalise(np.array([1.0, 2.0, 3.0]), method)  # type: ignore[arg-type]
    assert callable(check) and check(result)


def test_normalise_rejects_unknown_names_and_zero_divisors() -> None:
    with pytest.raises(GraphBuildError, match="Did you mean 'unit-sum'"):
        normalise(np.ones(3), "unit_sum")  # type: ignore[arg-type]
    with pytest.raises(GraphBuildError, match="standard deviation"):
        normalise(np.ones(3), "unit-std")
