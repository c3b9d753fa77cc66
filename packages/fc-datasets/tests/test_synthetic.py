"""The synthetic weather: determinism, plausibility, balance, dynamics, cycles, and the source."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fc_config.common import GridDescription, VariableMetadata
from fc_config.exceptions import ConfigError
from fc_config.recipes.synthetic import SyntheticSourceConfig
from fc_datasets.fields import FieldBlock
from fc_datasets.sources.base import SOURCES, BuildContext
from fc_datasets.synthetic import (
    SyntheticAtmosphere,
    SyntheticError,
    supported_variables,
    synthetic_fields,
    variable_metadata,
)
from fc_datasets.synthetic.source import SyntheticSource
from fc_utils.forcings import insolation
from fc_utils.grids import Grid, grid_from_name

OMEGA, RADIUS = 7.292115e-5, 6.371229e6


def _dates(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[s]")


@pytest.fixture(scope="module")
def o32() -> Grid:
    return grid_from_name("O32")


@pytest.fixture(scope="module")
def o48() -> Grid:
    return grid_from_name("O48")


# ------------------------------------------------------------------------------------------------
# Determinism


def test_same_seed_gives_bit_identical_values_whatever_the_batching(o32: Grid) -> None:
    names = ["2t", "msl", "z_500", "t_850", "u_250", "q_700", "10v", "sp"]
    dates = _dates("2020-01-01T00", "2021-07-15T06", "2019-03-03T18", "2020-01-01T06")
    together = synthetic_fields(names, dates, o32.latitudes, o32.longitudes, seed=3)
    # one at a time, in reverse order, on a fresh (uncached) atmosphere
    fresh = SyntheticAtmosphere(o32.latitudes, o32.longitudes, seed=3)
    alone = np.stack([fresh.compute(names, dates[i : i + 1])[0] for i in range(3, -1, -1)])[::-1]
    assert together.dtype == np.float32
    assert together.shape == (4, len(names), 1, o32.size)
    assert together.tobytes() == alone.tobytes()
    # a variable's values do not depend on which other variables are asked for
    single = synthetic_fields(["t_850"], dates[1:2], o32.latitudes, o32.longitudes, seed=3)
    assert single[0, 0].tobytes() == together[1, names.index("t_850")].tobytes()


def test_different_seeds_give_different_weather_on_the_same_geography(o32: Grid) -> None:
    date = _dates("2020-05-01T12")
    a = synthetic_fields(["z_500", "lsm", "z"], date, o32.latitudes, o32.longitudes, seed=0)
    b = synthetic_fields(["z_500", "lsm", "z"], date, o32.latitudes, o32.longitudes, seed=1)
    assert np.abs(a[0, 0] - b[0, 0]).max() > 500.0
    np.testing.assert_array_equal(a[0, 1:], b[0, 1:])


def test_constants_do_not_change_with_time(o32: Grid) -> None:
    dates = _dates("2000-01-01T00", "2020-07-01T12", "2035-10-10T03")
    values = synthetic_fields(["lsm", "z"], dates, o32.latitudes, o32.longitudes)
    assert np.array_equal(values[0], values[1]) and np.array_equal(values[0], values[2])
    lsm, z = values[0, 0, 0], values[0, 1, 0]
    assert 0.2 < lsm.mean() < 0.4  # about the Earth's land fraction
    assert (lsm == 0).mean() > 0.5 and (lsm == 1).mean() > 0.15  # fractions only along coasts
    assert z.min() >= 0.0 and z[lsm == 0].max() == 0.0  # mountains on land only
    assert z.max() > 2.0e4  # some real mountains (> 2 km)


# ------------------------------------------------------------------------------------------------
# Plausibility

_RANGES = {
    "2t": (200.0, 320.0),
    "msl": (95_000.0, 105_000.0),
    "sp": (45_000.0, 106_000.0),
    "10u": (-40.0, 40.0),
    "10v": (-40.0, 40.0),
    "lsm": (0.0, 1.0),
    "z": (0.0, 60_000.0),
    "z_1000": (-6_000.0, 4_000.0),
    "z_850": (9_000.0, 18_000.0),
    "z_500": (46_000.0, 60_000.0),
    "z_250": (85_000.0, 110_000.0),
    "t_1000": (230.0, 315.0),
    "t_850": (235.0, 305.0),
    "t_500": (215.0, 275.0),
    "t_250": (195.0, 240.0),
    "q_850": (1e-6, 2.5e-2),
    "q_500": (1e-7, 8e-3),
    "q_250": (1e-8, 5e-4),
}


def test_every_variable_has_plausible_magnitudes(o48: Grid) -> None:
    names = supported_variables(levels=(1000, 850, 500, 250))
    dates = _dates("2020-01-15T00", "2020-07-15T12")
    values = synthetic_fields(names, dates, o48.latitudes, o48.longitudes).astype(np.float64)
    assert np.isfinite(values).all()
    for index, name in enumerate(names):
        field = values[:, index, 0]
        low, high = _RANGES.get(name, (-100.0, 100.0))  # winds
        assert low <= field.min() and field.max() <= high, (name, field.min(), field.max())
        assert field.std() > 0.0, name
    by_name = {name: values[:, i, 0] for i, name in enumerate(names)}
    assert by_name["q_850"].max() > 5e-3  # moist tropics
    assert by_name["u_250"].mean() > 5.0  # westerly jets
    assert 40.0 < np.abs(by_name["u_250"]).max() < 100.0  # jet streams, not hurricanes aloft
    # hydrostatic: the 850-500 hPa thickness is R <T> ln(850/500)
    thickness = by_name["z_500"] - by_name["z_850"]
    mean_t = 0.5 * (by_name["t_500"] + by_name["t_850"])
    assert np.abs(thickness / (287.05 * np.log(850 / 500)) - mean_t).max() < 3.0


def test_surface_pressure_is_lower_over_mountains(o48: Grid) -> None:
    values = synthetic_fields(
        ["sp", "msl", "z"], _dates("2020-03-01"), o48.latitudes, o48.longitudes
    )
    sp, msl, z = values[0, :, 0]
    high = z > 9.80665 * 2000
    assert high.any()
    assert (sp[high] < msl[high] - 15_000).all()
    sea = z < 1.0
    np.testing.assert_allclose(sp[sea], msl[sea], rtol=1e-4)


# ------------------------------------------------------------------------------------------------
# Balance and dynamics


def test_winds_are_geostrophic() -> None:
    grid = grid_from_name("1p0")
    assert grid.shape is not None
    rows, columns = grid.shape
    values = synthetic_fields(
        ["z_500", "u_500", "v_500"], _dates("2020-03-01T06"), grid.latitudes, grid.longitudes
    )[0, :, 0].astype(np.float64)
    z, u, v = (a.reshape(rows, columns) for a in values)
    lat = grid.latitudes.reshape(rows, columns)[:, 0]
    step = np.radians(1.0)
    dz_dy = -np.gradient(z, axis=0) / step / RADIUS  # rows run north to south
    dz_dx = (np.roll(z, -1, axis=1) - np.roll(z, 1, axis=1)) / (2 * step)
    dz_dx /= RADIUS * np.cos(np.radians(lat))[:, None]
    band = (np.abs(lat) > 30) & (np.abs(lat) < 70)
    f = 2 * OMEGA * np.sin(np.radians(lat[band]))[:, None]
    for wind, balanced in ((u[band], -dz_dy[band] / f), (v[band], dz_dx[band] / f)):
        a, b = wind.ravel(), balanced.ravel()
        assert np.corrcoef(a, b)[0, 1] > 0.995
        slope = float(a @ b / (b @ b))
        assert 0.9 < slope < 1.02  # 1/f is damped only near the equator
    # and finite, continuous winds across the equator
    assert np.abs(u[np.abs(lat) < 5]).max() < 30 and np.abs(v[np.abs(lat) < 5]).max() < 30


def test_persistence_error_grows_with_lead_time(o32: Grid) -> None:
    names = ["z_500", "t_850", "msl", "u_850", "v_850"]
    base = np.arange(
        np.datetime64("2020-01-01T00"), np.datetime64("2020-02-01T00"), np.timedelta64(4, "D")
    ).astype("datetime64[s]")
    now = synthetic_fields(names, base, o32.latitudes, o32.longitudes).astype(np.float64)
    errors = []
    for hours in (6, 12, 24, 48):
        later = synthetic_fields(
            names, base + np.timedelta64(hours, "h"), o32.latitudes, o32.longitudes
        ).astype(np.float64)
        errors.append(np.sqrt(((later - now) ** 2).mean(axis=(0, 2, 3))))
    errors_by_lead = np.array(errors)  # [lead, variable]
    assert (np.diff(errors_by_lead, axis=0) > 0).all(), errors_by_lead
    assert (errors_by_lead[0] > 0).all()


def test_waves_drift_eastwards() -> None:
    """In mid-latitudes the 500 hPa pattern 12 h later matches the pattern shifted east."""
    grid = grid_from_name("2p0")
    assert grid.shape is not None
    rows, columns = grid.shape
    dates = _dates("2020-02-01T00", "2020-02-01T12")
    z = synthetic_fields(["z_500"], dates, grid.latitudes, grid.longitudes)[:, 0, 0]
    z = z.reshape(2, rows, columns).astype(np.float64)
    lat = grid.latitudes.reshape(rows, columns)[:, 0]
    band = (np.abs(lat) > 35) & (np.abs(lat) < 60)
    errors = {s: np.abs(np.roll(z[0], s, axis=1) - z[1])[band].mean() for s in range(-6, 7)}
    assert min(errors, key=errors.__getitem__) > 0  # best match: shifted eastwards


# ------------------------------------------------------------------------------------------------
# Cycles


def test_2t_has_a_diurnal_cycle_over_land_that_follows_the_sun(o48: Grid) -> None:
    dates = np.arange(
        np.datetime64("2020-04-10T00"), np.datetime64("2020-04-11T00"), np.timedelta64(3, "h")
    ).astype("datetime64[s]")
    values = synthetic_fields(["2t", "lsm"], dates, o48.latitudes, o48.longitudes)[:, :, 0]
    t2m, lsm = values[:, 0].astype(np.float64), values[0, 1]
    tropics = np.abs(o48.latitudes) < 40
    land, sea = tropics & (lsm > 0.99), tropics & (lsm < 0.01)
    anomaly = t2m - t2m.mean(axis=0)
    sun = insolation(dates - np.timedelta64(2, "h"), o48.latitudes, o48.longitudes)
    sun = sun - sun.mean(axis=0)
    assert np.corrcoef(anomaly[:, land].ravel(), sun[:, land].ravel())[0, 1] > 0.9
    day_range = t2m.max(axis=0) - t2m.min(axis=0)
    assert day_range[land].mean() > 8.0
    assert day_range[sea].mean() < 2.0


def test_2t_has_seasons_stronger_over_land(o48: Grid) -> None:
    dates = _dates("2020-01-20T00", "2020-07-20T00")
    values = synthetic_fields(["2t", "lsm"], dates, o48.latitudes, o48.longitudes)[:, :, 0]
    summer_minus_winter = (values[1, 0] - values[0, 0]).astype(np.float64)
    lsm, lat = values[0, 1], o48.latitudes
    north_land = (lat > 40) & (lat < 70) & (lsm > 0.99)
    north_sea = (lat > 40) & (lat < 70) & (lsm < 0.01)
    south = (lat < -40) & (lat > -60)
    assert summer_minus_winter[north_land].mean() > 20.0
    assert 5.0 < summer_minus_winter[north_sea].mean() < summer_minus_winter[north_land].mean()
    assert summer_minus_winter[south].mean() < -5.0


# ------------------------------------------------------------------------------------------------
# Ensembles


def test_members_are_perturbations_of_the_control_that_grow(o32: Grid) -> None:
    dates = _dates("2020-01-01T00", "2020-01-03T00", "2020-01-10T00")
    ensemble = synthetic_fields(
        ["z_500"], dates, o32.latitudes, o32.longitudes, members=3, ensemble_start="2020-01-01"
    )
    control = synthetic_fields(["z_500"], dates, o32.latitudes, o32.longitudes)
    assert ensemble.shape == (3, 1, 3, o32.size)
    np.testing.assert_array_equal(ensemble[:, :, 0], control[:, :, 0])
    spread = ensemble[:, 0].astype(np.float64).std(axis=1).mean(axis=-1)
    assert 0 < spread[0] < spread[1] < spread[2]
    assert spread[0] < 0.1 * control.std()  # small perturbations at the start


# ------------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("t850", "t_850"), ("2T", "2t"), ("mls", "msl"), ("Z_500", "z_500"), ("u_5000", None)],
)
def test_unknown_variable_is_refused_with_a_suggestion(
    o32: Grid, name: str, suggestion: str | None
) -> None:
    with pytest.raises(SyntheticError) as caught:
        synthetic_fields(["2t", name], _dates("2020-01-01"), o32.latitudes, o32.longitudes)
    message = str(caught.value)
    assert repr(name) in message
    assert "2t, msl, 10u, 10v, sp, lsm, z" in message and "t_<level>" in message
    if suggestion is not None:
        assert f"Did you mean '{suggestion}'?" in message


def test_bad_seed_members_and_coordinates_are_refused() -> None:
    lat, lon = np.array([0.0, 10.0]), np.array([0.0, 5.0])
    date = _dates("2020-01-01")
    with pytest.raises(SyntheticError, match="seed"):
        synthetic_fields(["2t"], date, lat, lon, seed=-1)
    with pytest.raises(SyntheticError, match="members"):
        synthetic_fields(["2t"], date, lat, lon, members=0)
    with pytest.raises(SyntheticError, match="latitudes"):
        synthetic_fields(["2t"], date, np.array([95.0, 0.0]), lon)
    with pytest.raises(SyntheticError, match="twice"):
        synthetic_fields(["2t", "2t"], date, lat, lon)


# ------------------------------------------------------------------------------------------------
# The source


def _source(params: dict[str, Any], path: str = "input.join[1].synthetic") -> SyntheticSource:
    cls = SOURCES.get("synthetic")
    assert cls is SyntheticSource  # the entry point resolves to the class
    return SyntheticSource(SyntheticSourceConfig.model_validate(params), BuildContext(path=path))


def test_source_returns_a_valid_field_block_with_metadata() -> None:
    source = _source(
        {"grid": "O32", "param": ["2t", "msl", "lsm", "z", "t", "u"], "levelist": [850, 500]}
    )
    dates = _dates("2020-01-01T00", "2020-01-01T06")
    block = source.load(dates)
    assert isinstance(block, FieldBlock)
    assert block.variables == [
        "2t",
        "msl",
        "lsm",
        "z_850",
        "z_500",
        "t_850",
        "t_500",
        "u_850",
        "u_500",
    ]
    assert block.data.shape == (2, 9, 1, 5248) and block.data.dtype == np.float32
    np.testing.assert_array_equal(block.dates, dates)
    expected = synthetic_fields(block.variables, dates, block.latitudes, block.longitudes)
    np.testing.assert_array_equal(block.data, expected)
    for name in block.variables:
        meta = VariableMetadata.model_validate(block.metadata[name])
        assert meta.name == name
    assert block.metadata["t_850"]["grib"] == {
        "paramId": 130,
        "shortName": "t",
        "typeOfLevel": "isobaricInhPa",
        "level": 850,
    }
    assert block.metadata["t_850"]["level_type"] == "pl" and block.metadata["t_850"]["level"] == 850
    assert block.metadata["2t"]["grib"]["paramId"] == 167
    assert block.metadata["lsm"]["process"] == "constant"
    grid = GridDescription.model_validate(block.grid)
    assert grid.name == "O32" and grid.type == "reduced_gg"


def test_source_surface_geopotential_without_levels_and_ensembles() -> None:
    source = _source({"grid": "5p0", "param": "z", "members": 2, "seed": 4})
    block = source.load(_dates("2020-06-01"))
    assert block.variables == ["z"] and block.ensemble_size == 2
    assert block.metadata["z"]["grib"]["typeOfLevel"] == "surface"
    np.testing.assert_array_equal(block.data[0, 0, 0], block.data[0, 0, 1])  # a constant


def test_source_errors_name_the_recipe_node() -> None:
    with pytest.raises(SyntheticError, match=r"input\.join\[1\]\.synthetic.*Did you mean '2t'"):
        _source({"grid": "O32", "param": ["2tt"]})
    with pytest.raises(SyntheticError, match=r"input\.join\[1\]\.synthetic.*needs levels"):
        _source({"grid": "O32", "param": ["t"]})
    with pytest.raises(SyntheticError, match=r"input\.join\[1\]\.synthetic.*O96"):
        _source({"grid": "O-96", "param": ["2t"]})


def test_source_config_is_validated() -> None:
    model = SyntheticSourceConfig
    assert SOURCES.get("synthetic").config_model is model
    assert model.model_validate({"grid": "O32", "param": "t", "level": "500/850"}).levels == [
        500,
        850,
    ]
    for bad in (
        {"grid": "O32", "param": ["t"], "level": [500], "levelist": [850]},
        {"grid": "O32", "param": ["t"], "level": [500], "levtype": "sfc"},
        {"grid": "O32", "param": ["2t"], "seed": -1},
        {"grid": "O32", "param": ["2t"], "member": 2},
    ):
        with pytest.raises((ConfigError, ValueError)):
            model.model_validate(bad)
    # a plain mapping is validated by the source itself
    source = SyntheticSource({"grid": "O32", "param": ["2t"]}, BuildContext())
    assert source.variables == ["2t"]


def test_variable_metadata_validates_for_every_supported_variable() -> None:
    for name in supported_variables():
        VariableMetadata.model_validate(variable_metadata(name))
