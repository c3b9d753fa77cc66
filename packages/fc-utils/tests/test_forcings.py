"""Tests of the computed forcings in fc_utils.forcings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from fc_utils import forcings
from fc_utils.exceptions import FcError, ForcingError
from fc_utils.forcings import (
    FORCINGS,
    SOLAR_CONSTANT,
    compute_forcings,
    cos_julian_day,
    cos_local_time,
    cos_solar_zenith_angle,
    forcing_metadata,
    forcing_names,
    insolation,
    sin_julian_day,
    sin_local_time,
    sun_position,
    toa_incident_solar_radiation,
    toa_incident_solar_radiation_accumulated,
)
from fc_utils.grids import regular_latlon

Coordinates = tuple[np.ndarray, np.ndarray]

UNITLESS = [name for name in FORCINGS if forcing_metadata(name)["units"] == "1"]
PAIRS = ["latitude", "longitude", "julian_day", "local_time"]


@pytest.fixture(scope="module")
def coarse() -> Coordinates:
    grid = regular_latlon(5.0)
    return grid.latitudes, grid.longitudes


@pytest.fixture(scope="module")
def dates() -> np.ndarray:
    # Every 7 days and 5 hours through a year, so that all seasons and times of day occur.
    return np.arange(
        "2020-01-01T00", "2021-01-01T00", np.timedelta64(173, "h"), dtype="datetime64[h]"
    )


def _weighted_mean(values: np.ndarray, latitudes: np.ndarray) -> np.ndarray:
    weights = np.cos(np.radians(latitudes))
    return (values * weights).sum(axis=-1) / weights.sum()


def test_unitless_forcings_stay_in_minus_one_one(coarse: Coordinates, dates: np.ndarray) -> None:
    values = compute_forcings(UNITLESS, dates, *coarse)
    assert np.all(values >= -1.0) and np.all(values <= 1.0)
    assert np.all(values[:, UNITLESS.index("insolation")] >= 0.0)


@pytest.mark.parametrize("what", PAIRS)
def test_cosine_and_sine_pairs_lie_on_the_unit_circle(
    coarse: Coordinates, dates: np.ndarray, what: str
) -> None:
    values = compute_forcings([f"cos_{what}", f"sin_{what}"], dates, *coarse, dtype=np.float64)
    np.testing.assert_allclose(values[:, 0] ** 2 + values[:, 1] ** 2, 1.0, atol=1e-12)


def test_julian_day_counts_from_new_year_midnight_utc() -> None:
    lat, lon = [10.0, -40.0], [0.0, 200.0]
    assert np.allclose(cos_julian_day(["2021-01-01T00:00"], lat, lon), 1.0)
    assert np.allclose(sin_julian_day(["2021-01-01T00:00"], lat, lon), 0.0, atol=1e-15)
    angle = 2 * np.pi * 1.5 / 365.25  # 2 January 12 UTC is day 1.5
    assert np.allclose(cos_julian_day([dt.datetime(2021, 1, 2, 12)], lat, lon), np.cos(angle))
    assert np.allclose(sin_julian_day([dt.datetime(2021, 1, 2, 12)], lat, lon), np.sin(angle))


def test_local_time_follows_longitude() -> None:
    lat, lon = [0.0, 0.0, 0.0], [0.0, 180.0, 90.0]
    # At 06 UTC: 06 local time at 0°E, 18 at 180°E, 12 at 90°E.
    sin_lt = sin_local_time(["2020-05-01T06:00"], lat, lon)[0]
    cos_lt = cos_local_time(["2020-05-01T06:00"], lat, lon)[0]
    np.testing.assert_allclose(sin_lt, [1.0, -1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(cos_lt, [0.0, 0.0, -1.0], atol=1e-12)


def test_sun_is_overhead_at_the_subsolar_point_at_equinox() -> None:
    # March equinox 2020 at 03:50 UTC; the sun crosses the Greenwich meridian near 12:07 UTC.
    value = cos_solar_zenith_angle(["2020-03-20T12:07"], [0.0, 0.0], [0.0, 180.0])[0]
    assert value[0] == pytest.approx(1.0, abs=0.01)
    assert value[1] == pytest.approx(-1.0, abs=0.01)


def test_sun_position_at_the_solstices() -> None:
    sun = sun_position(["2020-06-20T21:44", "2020-12-21T10:02"])
    np.testing.assert_allclose(np.degrees(sun.declination), [23.44, -23.44], atol=0.02)
    # Perihelion in early January, aphelion in early July.
    distance = sun_position(["2020-01-05T08:00", "2020-07-04T12:00"]).distance
    np.testing.assert_allclose(distance, [0.9832, 1.0167], atol=2e-4)
    # The sun runs 16.4 min ahead of mean time in early November, 14.2 min behind in February.
    minutes = (
        np.degrees(sun_position(["2020-11-03T12:00", "2020-02-11T12:00"]).equation_of_time) * 4
    )
    np.testing.assert_allclose(minutes, [16.4, -14.2], atol=0.3)


def test_polar_night_has_no_insolation_all_day() -> None:
    hours = np.arange("2020-12-21T00", "2020-12-22T00", dtype="datetime64[h]")
    lon = np.arange(0.0, 360.0, 15.0)
    north, south = np.full(lon.size, 80.0), np.full(lon.size, -80.0)
    assert np.all(insolation(hours, north, lon) == 0.0)
    assert np.all(toa_incident_solar_radiation(hours, north, lon) == 0.0)
    assert np.all(cos_solar_zenith_angle(hours, north, lon) < 0.0)
    assert np.all(toa_incident_solar_radiation(hours, south, lon) > 0.0)  # polar day


def test_global_mean_toa_flux_is_a_quarter_of_the_solar_constant(dates: np.ndarray) -> None:
    grid = regular_latlon(2.0)
    flux = toa_incident_solar_radiation(dates, grid.latitudes, grid.longitudes)
    mean = _weighted_mean(flux, grid.latitudes).mean()
    assert mean == pytest.approx(SOLAR_CONSTANT / 4, rel=0.02)
    assert flux.max() <= SOLAR_CONSTANT * 1.035  # at most the perihelion flux


def test_accumulated_flux_integrates_the_preceding_hour() -> None:
    grid = regular_latlon(10.0)
    when = np.array(["2020-04-01T09:00", "2020-08-15T18:00"], dtype="datetime64[s]")
    single = toa_incident_solar_radiation_accumulated(
        when, grid.latitudes, grid.longitudes, substeps=1
    )
    midpoint = toa_incident_solar_radiation(
        when - np.timedelta64(30, "m"), grid.latitudes, grid.longitudes
    )
    np.testing.assert_allclose(single, 3600.0 * midpoint, rtol=1e-12)
    hourly = toa_incident_solar_radiation_accumulated(when, grid.latitudes, grid.longitudes)
    fine = toa_incident_solar_radiation_accumulated(
        when, grid.latitudes, grid.longitudes, substeps=360
    )
    assert np.abs(hourly - fine).max() < 1e-3 * fine.max()  # 5-minute sub-steps are enough
    assert _weighted_mean(hourly, grid.latitudes).mean() / 3600 == pytest.approx(
        SOLAR_CONSTANT / 4, rel=0.02
    )


def test_accumulation_period_must_be_positive() -> None:
    with pytest.raises(ForcingError, match="positive"):
        toa_incident_solar_radiation_accumulated(
            ["2020-01-01"], [0.0], [0.0], period=dt.timedelta(0)
        )


def test_compute_forcings_shape_dtype_and_order(coarse: Coordinates) -> None:
    lat, lon = coarse
    names = ["insolation", "cos_latitude", "sin_local_time"]
    dates = ["2020-01-01T00", "2020-01-01T06", "2020-01-01T12"]
    values = compute_forcings(names, dates, lat, lon)
    assert values.shape == (3, 3, lat.size)
    assert values.dtype == np.float32
    np.testing.assert_allclose(values[:, 1], FORCINGS["cos_latitude"](dates, lat, lon), atol=1e-6)
    wide = compute_forcings(names, dates, lat, lon, dtype=np.float64)
    assert wide.dtype == np.float64
    np.testing.assert_allclose(wide[:, 0], insolation(dates, lat, lon))


def test_compute_forcings_in_blocks_gives_the_same_values(
    coarse: Coordinates, dates: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = compute_forcings(forcing_names(), dates[:10], *coarse)
    monkeypatch.setattr(forcings, "_CHUNK_VALUES", 3 * coarse[0].size)  # blocks of 3 dates
    np.testing.assert_array_equal(compute_forcings(forcing_names(), dates[:10], *coarse), whole)


def test_dates_in_any_usual_form_give_the_same_values() -> None:
    lat, lon = [45.0], [7.0]
    reference = toa_incident_solar_radiation(["2020-06-01T10:30"], lat, lon)
    as_python = toa_incident_solar_radiation([dt.datetime(2020, 6, 1, 10, 30)], lat, lon)
    as_numpy = toa_incident_solar_radiation(np.datetime64("2020-06-01T10:30"), lat, lon)
    paris = dt.timezone(dt.timedelta(hours=2))
    as_aware = toa_incident_solar_radiation(
        [dt.datetime(2020, 6, 1, 12, 30, tzinfo=paris)], lat, lon
    )
    for other in (as_python, as_numpy, as_aware):
        np.testing.assert_array_equal(other, reference)


def test_unknown_forcing_suggests_the_closest_name(coarse: Coordinates) -> None:
    with pytest.raises(ForcingError, match="Did you mean 'cos_latitude'"):
        compute_forcings(["cos_lattitude"], ["2020-01-01"], *coarse)
    with pytest.raises(FcError, match="insolation"):
        forcing_metadata("insolaton")


def test_bad_inputs_are_reported(coarse: Coordinates) -> None:
    lat, lon = coarse
    with pytest.raises(ForcingError, match="equal length"):
        compute_forcings(["insolation"], ["2020-01-01"], lat, lon[:-1])
    with pytest.raises(ForcingError, match="dates"):
        compute_forcings(["insolation"], ["not a date"], lat, lon)
    with pytest.raises(ForcingError, match="-90, 90"):
        compute_forcings(["insolation"], ["2020-01-01"], lat + 100.0, lon)


def test_every_forcing_has_units_and_a_long_name() -> None:
    for name in forcing_names():
        metadata = forcing_metadata(name)
        assert metadata["name"] == name and metadata["units"] and metadata["long_name"]
    assert forcing_metadata("toa_incident_solar_radiation")["units"] == "W m-2"
    assert forcing_metadata("toa_incident_solar_radiation_accumulated")["units"] == "J m-2"
