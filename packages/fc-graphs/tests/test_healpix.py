"""HEALPix pixel centres: counts, rings and equal areas (Górski et al. 2005)."""

from __future__ import annotations

import numpy as np
import pytest

from fc_graphs.attributes import area_weights
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import latlon_to_xyz
from fc_graphs.meshes.healpix import healpix_npix, healpix_pixel_centres


@pytest.mark.parametrize(("nside", "expected"), [(1, 12), (2, 48), (4, 192)])
def test_pixel_count_is_twelve_nside_squared(nside: int, expected: int) -> None:
    latitudes, longitudes = healpix_pixel_centres(nside)
    assert latitudes.shape == longitudes.shape == (expected,)
    assert healpix_npix(nside) == expected


@pytest.mark.parametrize("nside", [1, 2, 4])
def test_pixel_centres_are_distinct_and_in_range(nside: int) -> None:
    latitudes, longitudes = healpix_pixel_centres(nside)
    assert np.all(np.abs(latitudes) < 90.0)
    assert np.all((longitudes >= 0.0) & (longitudes < 360.0))
    xyz = latlon_to_xyz(latitudes, longitudes)
    assert np.unique(np.round(xyz, 9), axis=0).shape[0] == xyz.shape[0]


@pytest.mark.parametrize("nside", [1, 2, 4])
def test_voronoi_areas_are_nearly_equal(nside: int) -> None:
    latitudes, longitudes = healpix_pixel_centres(nside)
    areas = area_weights(latlon_to_xyz(latitudes, longitudes))
    # HEALPix cells are exactly equal; the Voronoi cells of their centres are within a few %.
    np.testing.assert_allclose(areas, 4.0 * np.pi / latitudes.size, rtol=0.08)


def test_nside_one_rings_follow_the_paper() -> None:
    latitudes, longitudes = healpix_pixel_centres(1)
    # Three rings of 4 pixels at z = 2/3, 0, -2/3, north first; the middle ring starts at 0°.
    np.testing.assert_allclose(np.sin(np.deg2rad(latitudes)), np.repeat([2 / 3, 0, -2 / 3], 4))
    np.testing.assert_allclose(longitudes[:4], [45, 135, 225, 315])
    np.testing.assert_allclose(longitudes[4:8], [90, 180, 270, 0])


def test_grid_is_symmetric_about_the_equator() -> None:
    latitudes, _ = healpix_pixel_centres(4)
    np.testing.assert_allclose(np.sort(latitudes), np.sort(-latitudes), atol=1e-12)
    assert np.all(np.diff(latitudes) <= 0.0)  # ring order: north to south


@pytest.mark.parametrize("nside", [0, 3, 12, 16384, 2.0])
def test_bad_nside_is_explained(nside: int) -> None:
    with pytest.raises(GraphBuildError, match="nside"):
        healpix_pixel_centres(nside)
