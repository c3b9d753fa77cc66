"""Tests of the grid generators in fc_utils.grids."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fc_utils.exceptions import FcError, GridError
from fc_utils.grids import (
    Grid,
    area_subset,
    available_classic_n,
    classic_pl,
    classic_reduced,
    gaussian_latitudes,
    grid_from_name,
    grid_size,
    octahedral,
    octahedral_pl,
    regular_gaussian,
    regular_latlon,
)

EUROPE = [72.0, -25.0, 34.0, 45.0]


# --- Point counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "size"),
    [("O96", 40_320), ("N320", 542_080), ("1p0", 65_160), ("F90", 64_800), ("0p25", 1_038_240)],
)
def test_grids_have_the_published_number_of_points(name: str, size: int) -> None:
    grid = grid_from_name(name)
    assert grid.size == size
    assert grid.latitudes.shape == grid.longitudes.shape == (size,)
    assert grid.latitudes.dtype == grid.longitudes.dtype == np.float64


@pytest.mark.parametrize("name", ["O32", "O96", "N320", "N2000", "F90", "1p0", "0p25", "2p5x1p0"])
def test_grid_size_agrees_with_the_built_grid(name: str) -> None:
    expected = int(classic_pl(2000).sum()) if name == "N2000" else grid_from_name(name).size
    assert grid_size(name) == expected


def test_grid_size_of_large_grids_without_building_them() -> None:
    assert grid_size("O1280") == 6_599_680
    assert grid_size("N1280") == 8_505_906
    assert grid_size("F1280") == 2560 * 5120


def test_octahedral_rows_grow_by_four_from_twenty_and_mirror() -> None:
    pl = octahedral(96).pl
    assert pl is not None
    assert pl[0] == 20 and pl[95] == 4 * 96 + 16
    assert np.array_equal(pl, pl[::-1])
    assert np.array_equal(pl, octahedral_pl(96))


# --- Gaussian latitudes ----------------------------------------------------------------------


def test_gaussian_latitudes_match_legendre_gauss_nodes() -> None:
    n = 160
    nodes, _ = np.polynomial.legendre.leggauss(2 * n)
    expected = np.degrees(np.arcsin(nodes))[::-1]  # leggauss is south to north
    np.testing.assert_allclose(gaussian_latitudes(n), expected, rtol=0, atol=1e-11)


def test_gaussian_latitudes_are_symmetric_and_north_to_south() -> None:
    lat = gaussian_latitudes(96)
    assert lat.shape == (192,)
    assert np.all(np.diff(lat) < 0)
    np.testing.assert_array_equal(lat, -lat[::-1])
    assert 0 < lat[95] < 1 and lat[0] < 90


def test_gaussian_latitudes_of_n1280_are_computed() -> None:
    lat = gaussian_latitudes(1280)
    assert lat.shape == (2560,)
    assert np.all(np.diff(lat) < 0)
    # The first Gaussian latitude of N1280 / O1280 as ecCodes reports it.
    assert lat[0] == pytest.approx(89.946187715, abs=1e-8)


def test_gaussian_latitudes_returns_a_private_copy() -> None:
    lat = gaussian_latitudes(8)
    lat[0] = 0.0
    assert gaussian_latitudes(8)[0] != 0.0


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "96"])
def test_gaussian_number_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(GridError, match="positive integer"):
        gaussian_latitudes(bad)  # type: ignore[arg-type]


# --- Coordinates conventions -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["O96", "N96", "F48", "2p0"])
def test_rows_run_north_to_south_with_equal_spacing_from_zero(name: str) -> None:
    grid = grid_from_name(name)
    rows = grid.row_lengths
    assert rows is not None
    starts = np.cumsum(rows) - rows
    assert np.all(np.diff(grid.latitudes) <= 0)
    assert np.all((grid.longitudes >= 0) & (grid.longitudes < 360))
    for start, length in zip(starts[::7], rows[::7], strict=True):
        lon = grid.longitudes[start : start + length]
        assert lon[0] == 0.0
        np.testing.assert_allclose(np.diff(lon), 360.0 / length, rtol=1e-12)
        assert np.ptp(grid.latitudes[start : start + length]) == 0.0


def test_regular_latlon_includes_both_poles() -> None:
    grid = regular_latlon(1.0)
    assert grid.shape == (181, 360)
    assert grid.latitudes[0] == 90.0 and grid.latitudes[-1] == -90.0
    assert grid.longitudes[359] == 359.0


def test_regular_latlon_coordinates_are_round_values() -> None:
    grid = regular_latlon(0.1, area=[0.3, 0.0, 0.0, 0.3])
    assert list(grid.longitudes[:4]) == [0.0, 0.1, 0.2, 0.3]
    assert list(grid.latitudes[::4]) == [0.3, 0.2, 0.1, 0.0]
    assert list(regular_latlon(0.3).longitudes[:4]) == [0.0, 0.3, 0.6, 0.9]


def test_regular_latlon_step_must_divide_the_globe() -> None:
    with pytest.raises(GridError, match="whole number"):
        regular_latlon(0.7)


def test_regular_latlon_with_unequal_steps() -> None:
    grid = regular_latlon(0.5, 1.0)
    assert grid.shape == (361, 360)
    assert grid.name == "0p5x1p0"


def test_regular_latlon_over_an_area_crossing_greenwich() -> None:
    grid = regular_latlon(1.0, area=EUROPE)
    assert grid.shape == (39, 71)
    assert grid.area == tuple(EUROPE)
    row = grid.longitudes[:71]
    assert row[0] == 335.0 and row[25] == 0.0 and row[-1] == 45.0
    assert grid.latitudes[0] == 72.0 and grid.latitudes[-1] == 34.0


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("O96", "O96"),
        ("o96", "O96"),
        (" N320 ", "N320"),
        ("F90", "F90"),
        ("1p0", "1p0"),
        ("0p25", "0p25"),
        ("1.0", "1p0"),
        ("0.25x0.25", "0p25"),
        ("1x1", "1p0"),
        ("1", "1p0"),
        ("0.25/0.5", "0p25x0p5"),
    ],
)
def test_grid_from_name_understands_the_usual_spellings(name: str, canonical: str) -> None:
    assert grid_from_name(name).name == canonical


@pytest.mark.parametrize(
    ("name", "suggestion"), [("O-96", "O96"), ("0.25deg", "0p25"), ("n 320", "N320")]
)
def test_unknown_grid_name_suggests_the_intended_one(name: str, suggestion: str) -> None:
    with pytest.raises(GridError, match=f"Did you mean '{suggestion}'"):
        grid_from_name(name)


def test_unknown_grid_name_is_an_fc_error_explaining_the_forms() -> None:
    with pytest.raises(FcError, match="O96 \\(octahedral\\)"):
        grid_size("banana")


def test_unsupported_classic_grid_lists_the_available_ones() -> None:
    with pytest.raises(GridError, match="N320") as info:
        classic_reduced(321)
    assert "O321" in str(info.value)
    assert 320 in available_classic_n() and 1280 in available_classic_n()


# --- The Grid object ---------------------------------------------------------------------------


def test_grid_arrays_are_read_only() -> None:
    grid = octahedral(16)
    with pytest.raises(ValueError, match="read-only"):
        grid.latitudes[0] = 0.0


def test_grid_rejects_inconsistent_parts() -> None:
    one, two = np.array([0.0]), np.array([0.0, 1.0])
    with pytest.raises(GridError, match="latitudes"):
        Grid(name="x", type="unstructured", latitudes=two, longitudes=one)
    with pytest.raises(GridError, match="pl"):
        Grid(name="x", type="reduced_gg", latitudes=two, longitudes=two, pl=np.array([3]))
    with pytest.raises(GridError, match="shape"):
        Grid(name="x", type="regular_ll", latitudes=two, longitudes=two, shape=(2, 2))
    with pytest.raises(GridError, match="grid type"):
        Grid(name="x", type="hexagonal", latitudes=one, longitudes=one)  # type: ignore[arg-type]
    with pytest.raises(GridError, match="-90, 90"):
        Grid(name="x", type="unstructured", latitudes=np.array([91.0]), longitudes=one)


def test_description_is_json_ready() -> None:
    description = octahedral(16).description()
    assert set(description) == {"type", "name", "number_of_points", "pl", "area"}
    assert description["pl"][:2] == [20, 24]
    assert description["number_of_points"] == 4 * 16**2 + 36 * 16
    assert json.loads(json.dumps(description)) == description
    assert regular_latlon(1.0, area=EUROPE).description()["area"] == EUROPE


@pytest.mark.parametrize("name", ["O32", "N32", "F16", "2p5", "0p5x1p0"])
def test_description_validates_against_the_fc_config_schema(name: str) -> None:
    from fc_config.common import GridDescription

    grid = grid_from_name(name)
    described = GridDescription.model_validate(grid.description())
    assert described.number_of_points == grid.size and described.name == grid.name


def test_description_of_a_limited_area_reduced_grid_validates() -> None:
    from fc_config.common import GridDescription

    subset, _ = area_subset(octahedral(48), EUROPE)
    described = GridDescription.model_validate(subset.description())
    assert described.pl is not None and len(described.pl) < 96
    assert described.number_of_points == subset.size


# --- Limited areas -----------------------------------------------------------------------------


def test_area_subset_of_a_global_grid_equals_the_area_grid() -> None:
    parent = regular_latlon(1.0)
    subset, indices = area_subset(parent, EUROPE)
    expected = regular_latlon(1.0, area=EUROPE)
    assert subset.shape == expected.shape and subset.area == expected.area
    np.testing.assert_array_equal(subset.latitudes, expected.latitudes)
    np.testing.assert_array_equal(subset.longitudes, expected.longitudes)
    np.testing.assert_array_equal(parent.longitudes[indices], subset.longitudes)
    np.testing.assert_array_equal(parent.latitudes[indices], subset.latitudes)


def test_area_subset_accepts_west_east_in_0_360() -> None:
    parent = regular_latlon(2.0)
    a, ia = area_subset(parent, [10, -10, -10, 10])
    b, ib = area_subset(parent, [10, 350, -10, 10])
    np.testing.assert_array_equal(ia, ib)
    assert a.shape == b.shape == (11, 11)


def test_area_subset_of_a_reduced_grid_keeps_row_structure() -> None:
    parent = octahedral(48)
    subset, indices = area_subset(parent, EUROPE)
    assert subset.type == "reduced_gg" and subset.pl is not None
    assert subset.pl.sum() == subset.size == indices.size
    assert np.all((subset.latitudes <= 72) & (subset.latitudes >= 34))
    inside_lon = (subset.longitudes >= 335) | (subset.longitudes <= 45)
    assert np.all(inside_lon)
    # Every parent point of the box is kept.
    lat, lon = parent.latitudes, parent.longitudes
    in_box = (lat <= 72) & (lat >= 34) & ((lon >= 335) | (lon <= 45))
    assert np.array_equal(np.sort(indices), np.flatnonzero(in_box))


def test_area_without_points_is_an_error() -> None:
    with pytest.raises(GridError, match="no point"):
        area_subset(regular_latlon(10.0), [1.0, 1.0, 0.5, 2.0])
    with pytest.raises(GridError, match="north"):
        area_subset(regular_latlon(10.0), [-10.0, 0.0, 10.0, 20.0])


# --- Agreement with ecCodes (the reference implementation of these grids) ------------------------


def _sample(name: str) -> int:
    eccodes = pytest.importorskip("eccodes")
    return int(eccodes.codes_grib_new_from_samples(name))


def test_classic_pl_matches_eccodes_n320_sample() -> None:
    eccodes = pytest.importorskip("eccodes")
    handle = _sample("reduced_gg_pl_320_grib2")
    try:
        np.testing.assert_array_equal(eccodes.codes_get_array(handle, "pl"), classic_pl(320))
        # ecCodes computes these in double precision from N; GRIB itself stores microdegrees.
        distinct = eccodes.codes_get_array(handle, "distinctLatitudes")
        np.testing.assert_allclose(distinct, gaussian_latitudes(320), rtol=0, atol=1e-6)
    finally:
        eccodes.codes_release(handle)


def test_octahedral_points_match_eccodes_geoiterator() -> None:
    eccodes = pytest.importorskip("eccodes")
    grid = octahedral(96)
    handle = _sample("reduced_gg_pl_96_grib2")
    try:
        assert grid.pl is not None
        eccodes.codes_set_array(handle, "pl", [int(v) for v in grid.pl])
        eccodes.codes_set_values(handle, np.zeros(grid.size))
        assert eccodes.codes_get(handle, "isOctahedral") == 1
        np.testing.assert_allclose(
            eccodes.codes_get_array(handle, "latitudes"), grid.latitudes, atol=1e-6
        )
        np.testing.assert_allclose(
            eccodes.codes_get_array(handle, "longitudes"), grid.longitudes, atol=1e-6
        )
    finally:
        eccodes.codes_release(handle)


def test_regular_gaussian_points_match_eccodes_sample() -> None:
    eccodes = pytest.importorskip("eccodes")
    handle = _sample("regular_gg_pl_grib2")
    try:
        grid = regular_gaussian(int(eccodes.codes_get(handle, "N")))
        np.testing.assert_allclose(
            eccodes.codes_get_array(handle, "latitudes"), grid.latitudes, atol=1e-6
        )
        np.testing.assert_allclose(
            eccodes.codes_get_array(handle, "longitudes"), grid.longitudes, atol=1e-6
        )
    finally:
        eccodes.codes_release(handle)
