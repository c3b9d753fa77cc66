"""Latitude/longitude ↔ unit vectors and great-circle distances."""

from __future__ import annotations

import numpy as np
import pytest

from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import great_circle_distance, latlon_to_xyz, xyz_to_latlon


def test_latlon_to_xyz_places_known_points_on_the_axes() -> None:
    xyz = latlon_to_xyz([0.0, 0.0, 90.0, -90.0], [0.0, 90.0, 0.0, 0.0])
    expected = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, -1]]
    np.testing.assert_allclose(xyz, expected, atol=1e-15)
    assert xyz.shape == (4, 3)
    assert xyz.dtype == np.float64


def test_round_trip_keeps_latitudes_and_longitudes() -> None:
    rng = np.random.default_rng(0)
    lat = rng.uniform(-89.999, 89.999, 1000)
    lon = rng.uniform(-179.999, 179.999, 1000)
    xyz = latlon_to_xyz(lat, lon)
    np.testing.assert_allclose(np.linalg.norm(xyz, axis=-1), 1.0, rtol=0, atol=1e-15)
    lat_back, lon_back = xyz_to_latlon(xyz)
    np.testing.assert_allclose(lat_back, lat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(lon_back, lon, rtol=0, atol=1e-12)


def test_longitudes_from_0_to_360_come_back_in_minus_180_to_180() -> None:
    lat, lon = xyz_to_latlon(latlon_to_xyz([10.0, 10.0], [270.0, 359.5]))
    np.testing.assert_allclose(lon, [-90.0, -0.5], atol=1e-12)
    np.testing.assert_allclose(lat, [10.0, 10.0], atol=1e-12)


def test_xyz_to_latlon_ignores_the_length_of_the_vector() -> None:
    lat, lon = xyz_to_latlon([[0.0, 5.0, 5.0]])
    np.testing.assert_allclose([lat[0], lon[0]], [45.0, 90.0], atol=1e-12)


def test_pole_to_equator_is_a_quarter_turn_and_antipodes_half_a_turn() -> None:
    north = latlon_to_xyz(90.0, 0.0)
    equator = latlon_to_xyz(0.0, 123.0)
    assert great_circle_distance(north, equator) == pytest.approx(np.pi / 2, abs=1e-15)
    points = latlon_to_xyz([37.0, -90.0, 0.0], [-20.0, 0.0, 180.0])
    antipodes = -points
    np.testing.assert_allclose(great_circle_distance(points, antipodes), np.pi, atol=1e-15)


def test_tiny_distances_are_accurate() -> None:
    # arccos of the dot product would give 0 or ~1e-8 here; the answer is 1e-10 rad.
    angle = 1e-10
    a = latlon_to_xyz(45.0, 10.0)
    b = latlon_to_xyz(45.0 + np.rad2deg(angle), 10.0)
    assert great_circle_distance(a, b) == pytest.approx(angle, abs=1e-12)
    assert great_circle_distance(a, a) == 0.0


def test_distance_along_the_equator_equals_the_longitude_difference() -> None:
    lon = np.linspace(0.0, 179.0, 50)
    a = latlon_to_xyz(np.zeros_like(lon), np.zeros_like(lon))
    b = latlon_to_xyz(np.zeros_like(lon), lon)
    np.testing.assert_allclose(great_circle_distance(a, b), np.deg2rad(lon), atol=1e-14)


def test_distance_broadcasts_and_ignores_vector_length() -> None:
    points = latlon_to_xyz([0.0, 0.0], [0.0, 90.0])
    distances = great_circle_distance(3.0 * points, [0.0, 0.0, 2.0])
    np.testing.assert_allclose(distances, [np.pi / 2, np.pi / 2], atol=1e-15)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ([91.0], [0.0], "latitudes must lie in"),
        ([np.nan], [0.0], "finite"),
        ([0.0, 1.0], [0.0, 1.0, 2.0], "broadcast"),
    ],
)
def test_latlon_to_xyz_rejects_bad_coordinates(
    lat: list[float], lon: list[float], message: str
) -> None:
    with pytest.raises(GraphBuildError, match=message):
        latlon_to_xyz(lat, lon)


@pytest.mark.parametrize(
    ("vectors", "message"),
    [([[1.0, 0.0]], r"shape \(\.\.\., 3\)"), ([[0.0, 0.0, 0.0]], "zero vector")],
)
def test_vector_functions_reject_bad_vectors(vectors: list[list[float]], message: str) -> None:
    with pytest.raises(GraphBuildError, match=message):
        xyz_to_latlon(vectors)
    with pytest.raises(GraphBuildError, match=message):
        great_circle_distance(vectors, vectors)
