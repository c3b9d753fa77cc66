"""The rename, unit, wind and NaN filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fc_config.errors import validate
from fc_config.exceptions import ConfigError
from fc_datasets.fields import FieldBlock
from fc_datasets.filters._select import FilterError
from fc_datasets.filters._units_table import canonical, conversion
from fc_datasets.filters.masks import ApplyMaskFilter, RemoveNansFilter
from fc_datasets.filters.rename import RenameFilter
from fc_datasets.filters.units import (
    ConvertUnitsFilter,
    OrogToZFilter,
    RescaleFilter,
    ZToOrogFilter,
)
from fc_datasets.filters.wind import DDFFToUVFilter, UVToDDFFFilter
from fc_datasets.sources.base import FILTERS, BuildContext

DATES = np.array(["2020-01-01T00", "2020-01-01T06"], dtype="datetime64[s]")
LAT = np.array([60.0, 30.0, 0.0, -30.0, -60.0])
LON = np.array([0.0, 72.0, 144.0, 216.0, 288.0])


def meta(name: str, units: str = "K", level: int | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "units": units,
        "level_type": "pl" if level is not None else "sfc",
        "level": level,
        "grib": {"shortName": name.split("_")[0], "paramId": 1, "level": level or 0},
        **extra,
    }


def block(variables: dict[str, dict[str, Any]], seed: int = 0, members: int = 1) -> FieldBlock:
    rng = np.random.default_rng(seed)
    data = rng.uniform(200.0, 300.0, (DATES.size, len(variables), members, LAT.size)).astype(
        np.float32
    )
    return FieldBlock(DATES, list(variables), data, LAT, LON, {k: v for k, v in variables.items()})


def make(cls: Any, params: Any, tmp_path: Path | None = None) -> Any:
    context = BuildContext(base_dir=tmp_path or Path.cwd(), path="input.pipe[1].filter")
    return cls(validate(cls.config_model, params), context)


def test_every_builtin_filter_is_registered() -> None:
    expected = {
        "rename": RenameFilter,
        "convert_units": ConvertUnitsFilter,
        "rescale": RescaleFilter,
        "orog_to_z": OrogToZFilter,
        "z_to_orog": ZToOrogFilter,
        "uv_to_ddff": UVToDDFFFilter,
        "ddff_to_uv": DDFFToUVFilter,
        "apply_mask": ApplyMaskFilter,
        "remove_nans": RemoveNansFilter,
    }
    for name, cls in expected.items():
        assert FILTERS.get(name) is cls


# --- rename ----------------------------------------------------------------------------------


def test_rename_param_keeps_levels_and_grib_keys() -> None:
    b = block(
        {"t_850": meta("t_850", level=850), "t_500": meta("t_500", level=500), "2t": meta("2t")}
    )
    out = make(RenameFilter, {"param": {"t": "temperature", "2t": "t2m"}}).apply(b)
    assert out.variables == ["temperature_850", "temperature_500", "t2m"]
    assert out.metadata["temperature_850"]["name"] == "temperature_850"
    assert out.metadata["temperature_850"]["grib"]["shortName"] == "t"
    np.testing.assert_array_equal(out.data, b.data)


def test_rename_plain_mapping_levelist_and_pattern() -> None:
    b = block({"t_850": meta("t_850", level=850), "2t": meta("2t")})
    assert make(RenameFilter, {"2t": "t2m"}).apply(b).variables == ["t_850", "t2m"]
    assert make(RenameFilter, {"levelist": {850: "850hPa"}}).apply(b).variables == [
        "t_850hPa",
        "2t",
    ]
    pattern = make(RenameFilter, {"param": "{param}{levelist}_{levtype}"}).apply(b)
    assert pattern.variables == ["t850_pl", "2t"]


def test_rename_of_a_missing_variable_suggests_one() -> None:
    b = block({"t2m": meta("t2m"), "msl": meta("msl")})
    with pytest.raises(FilterError, match=r"nothing is named t2n.*Did you mean 't2m'\?"):
        make(RenameFilter, {"t2n": "2t"}).apply(b)


def test_rename_into_a_duplicate_is_refused() -> None:
    b = block({"t2m": meta("t2m"), "2t": meta("2t")})
    with pytest.raises(FilterError, match="more than once"):
        make(RenameFilter, {"t2m": "2t"}).apply(b)


def test_rename_needs_something_and_checks_pattern_keys() -> None:
    with pytest.raises(ConfigError, match="nothing to rename"):
        make(RenameFilter, {})
    with pytest.raises(FilterError, match=r"unknown key\(s\) levlist.*Did you mean 'levelist'\?"):
        make(RenameFilter, {"param": "{param}_{levlist}"})


# --- units -----------------------------------------------------------------------------------


def test_kelvin_to_celsius_is_exact_and_updates_units() -> None:
    b = block({"2t": meta("2t"), "msl": meta("msl", "Pa")})
    out = make(ConvertUnitsFilter, {"2t": {"from": "K", "to": "degC"}}).apply(b)
    expected = (b.data[:, 0].astype(np.float64) - 273.15).astype(np.float32)
    np.testing.assert_array_equal(out.data[:, 0], expected)
    np.testing.assert_array_equal(out.data[:, 1], b.data[:, 1])
    assert out.metadata["2t"]["units"] == "degC"
    assert b.metadata["2t"]["units"] == "K"  # the input block is untouched


def test_convert_units_applies_to_every_level_of_a_param() -> None:
    b = block(
        {"z_500": meta("z_500", "m**2 s**-2", 500), "z_850": meta("z_850", "m**2 s**-2", 850)}
    )
    out = make(ConvertUnitsFilter, {"z": {"from": "m2 s-2", "to": "m"}}).apply(b)
    np.testing.assert_allclose(out.data, b.data / 9.80665, rtol=1e-6)
    assert {out.metadata[v]["units"] for v in out.variables} == {"m"}


@pytest.mark.parametrize(
    ("source", "target", "x", "y"),
    [
        ("K", "°C", 273.15, 0.0),
        ("degC", "K", 0.0, 273.15),
        ("Pa", "hPa", 101325.0, 1013.25),
        ("m**2 s**-2", "m", 9.80665, 1.0),
        ("m", "m^2/s^2", 1.0, 9.80665),
        ("m", "mm", 0.0012, 1.2),
        ("kg m**-2", "mm", 3.5, 3.5),
        ("m", "kg m-2", 0.002, 2.0),
        ("(0 - 1)", "%", 0.25, 25.0),
        ("%", "1", 50.0, 0.5),
        ("m s**-1", "km/h", 10.0, 36.0),
    ],
)
def test_conversion_table(source: str, target: str, x: float, y: float) -> None:
    scale, offset = conversion(source, target)
    assert x * scale + offset == pytest.approx(y, rel=1e-12, abs=1e-12)


def test_accumulated_energy_to_mean_flux_uses_the_period() -> None:
    b = block({"ssrd": meta("ssrd", "J m**-2", process="accumulation", period="6h")})
    out = make(ConvertUnitsFilter, {"ssrd": {"from": "J m**-2", "to": "W m**-2"}}).apply(b)
    np.testing.assert_allclose(out.data, b.data / 21600.0, rtol=1e-6)
    assert out.metadata["ssrd"]["process"] == "average"
    no_period = block({"ssrd": meta("ssrd", "J m**-2")})
    with pytest.raises(FilterError, match="needs the accumulation period"):
        make(ConvertUnitsFilter, {"ssrd": {"from": "J m**-2", "to": "W m**-2"}}).apply(no_period)


def test_convert_units_refuses_wrong_units_and_unrelated_ones() -> None:
    b = block({"2t": meta("2t", "degC")})
    with pytest.raises(FilterError, match=r"'2t' is in 'degC', not 'K'"):
        make(ConvertUnitsFilter, {"2t": {"from": "K", "to": "degC"}}).apply(b)
    with pytest.raises(FilterError, match="cannot convert 'degC'"):
        make(ConvertUnitsFilter, {"2t": {"from": "degC", "to": "hPa"}}).apply(b)
    assert canonical("m**2 s**-2") == canonical("m^2/s^2") == "m2 s-2"


def test_anemoi_convert_spelling_is_accepted() -> None:
    b = block({"2t": meta("2t")})
    out = make(ConvertUnitsFilter, {"param": "2t", "unit_in": "K", "unit_out": "degC"}).apply(b)
    assert out.metadata["2t"]["units"] == "degC"


def test_rescale_by_scale_offset_or_units() -> None:
    b = block({"tp": meta("tp", "m"), "2t": meta("2t")})
    out = make(RescaleFilter, {"param": "tp", "scale": 1000.0, "units": "mm"}).apply(b)
    np.testing.assert_allclose(out.data[:, 0], b.data[:, 0] * 1000.0, rtol=1e-6)
    assert out.metadata["tp"]["units"] == "mm"
    out = make(RescaleFilter, {"param": "2t", "unit_in": "K", "unit_out": "degC"}).apply(b)
    np.testing.assert_array_equal(
        out.data[:, 1], (b.data[:, 1].astype(np.float64) - 273.15).astype(np.float32)
    )


def test_orography_and_geopotential_round_trip() -> None:
    b = block({"orog": meta("orog", "m"), "lsm": meta("lsm", "1")})
    z = make(OrogToZFilter, {}).apply(b)
    assert z.variables == ["z", "lsm"]
    np.testing.assert_allclose(z.data[:, 0], b.data[:, 0] * 9.80665, rtol=1e-6)
    assert z.metadata["z"]["units"] == "m**2 s**-2"
    assert z.metadata["z"]["grib"]["paramId"] == 129
    back = make(ZToOrogFilter, {"orography": "orog"}).apply(z)
    assert back.variables == ["orog", "lsm"]
    np.testing.assert_allclose(back.data, b.data, rtol=1e-6)


def test_z_to_orog_takes_surface_z_not_levels() -> None:
    b = block({"z": meta("z", "m**2 s**-2"), "z_500": meta("z_500", "m**2 s**-2", 500)})
    out = make(ZToOrogFilter, {}).apply(b)
    assert out.variables == ["orog", "z_500"]


# --- wind ------------------------------------------------------------------------------------


def test_uv_to_ddff_meteorological_directions() -> None:
    u = np.array([1.0, 0.0, -1.0, 0.0, 3.0])
    v = np.array([0.0, 1.0, 0.0, -1.0, 4.0])
    data = np.zeros((1, 2, 1, 5), dtype=np.float64)
    data[0, 0, 0], data[0, 1, 0] = u, v
    b = FieldBlock(
        DATES[:1],
        ["u_850", "v_850"],
        data,
        LAT,
        LON,
        {"u_850": meta("u_850", "m s**-1", 850), "v_850": meta("v_850", "m s**-1", 850)},
    )
    out = make(UVToDDFFFilter, {}).apply(b)
    assert out.variables == ["ws_850", "wdir_850"]
    np.testing.assert_allclose(out.data[0, 0, 0], [1.0, 1.0, 1.0, 1.0, 5.0])
    # a westerly blows from 270°, a southerly from 180°
    np.testing.assert_allclose(
        out.data[0, 1, 0], [270.0, 180.0, 90.0, 0.0, 180.0 + np.degrees(np.arctan2(3, 4))]
    )
    assert out.metadata["ws_850"]["units"] == "m s**-1"
    assert out.metadata["wdir_850"]["units"] == "degree"
    assert out.metadata["ws_850"]["level"] == 850


@pytest.mark.parametrize("convention", ["meteo", "polar"])
def test_uv_ddff_round_trip(convention: str) -> None:
    names = {"10u": meta("10u", "m s**-1"), "10v": meta("10v", "m s**-1"), "2t": meta("2t")}
    b = block(names)
    b.data[:, :2] -= 250.0  # components of both signs
    params = {
        "u_component": "10u",
        "v_component": "10v",
        "wind_speed": "10si",
        "wind_direction": "10wdir",
        "convention": convention,
    }
    polar = make(UVToDDFFFilter, params).apply(b)
    assert polar.variables == ["10si", "10wdir", "2t"]
    back = make(DDFFToUVFilter, params).apply(polar)
    assert back.variables == ["10u", "10v", "2t"]
    np.testing.assert_allclose(back.data, b.data, atol=1e-4)


def test_wind_component_without_its_pair_is_named() -> None:
    b = block({"u_850": meta("u_850", level=850), "v_500": meta("v_500", level=500)})
    with pytest.raises(FilterError, match="'u_850' has no matching 'v' at level 850"):
        make(UVToDDFFFilter, {}).apply(b)


# --- NaN masks -------------------------------------------------------------------------------


def test_apply_mask_from_a_variable_of_the_pipe() -> None:
    b = block({"sst": meta("sst"), "lsm": meta("lsm", "1")})
    b.data[:, 1] = np.array([1.0, 0.0, 0.0, 1.0, 0.6])
    out = make(
        ApplyMaskFilter, {"mask_param": "lsm", "threshold": 0.5, "threshold_operator": ">"}
    ).apply(b)
    assert out.variables == ["sst"]
    assert np.isnan(out.data[:, 0, 0, [0, 3, 4]]).all()
    np.testing.assert_array_equal(out.data[:, 0, 0, [1, 2]], b.data[:, 0, 0, [1, 2]])
    kept = make(
        ApplyMaskFilter,
        {"mask_param": "lsm", "mask_value": 0, "return_mask": True, "rename": "sea"},
    ).apply(b)
    assert kept.variables == ["sst_sea", "lsm"]
    assert np.isnan(kept.data[:, 0, 0, [1, 2]]).all()


def test_apply_mask_from_a_file_and_by_own_values(tmp_path: Path) -> None:
    np.save(tmp_path / "mask.npy", np.array([0, 0, 1, 1, 1]))
    b = block({"2t": meta("2t"), "cin": meta("cin")})
    out = make(
        ApplyMaskFilter, {"path": "mask.npy", "mask_value": 0, "param": "2t"}, tmp_path
    ).apply(b)
    assert np.isnan(out.data[:, 0, 0, :2]).all() and not np.isnan(out.data[:, 1]).any()
    b.data[0, 1, 0, 3] = -1000.0
    own = make(
        ApplyMaskFilter,
        {"self_mask": True, "param": "cin", "threshold": -999, "threshold_operator": "<="},
    ).apply(b)
    assert np.isnan(own.data[0, 1, 0, 3]) and np.isnan(own.data[:, 1]).sum() == 1


def test_apply_mask_file_on_another_grid_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "mask.npy", np.zeros(7))
    with pytest.raises(FilterError, match="has 7 points but the fields have 5"):
        make(ApplyMaskFilter, {"path": "mask.npy", "mask_value": 0}, tmp_path).apply(
            block({"2t": meta("2t")})
        )


def test_apply_mask_needs_one_mask_and_one_test() -> None:
    with pytest.raises(ConfigError, match="exactly one of 'path', 'mask_param'"):
        make(ApplyMaskFilter, {"mask_value": 0})
    with pytest.raises(ConfigError, match="exactly one of 'mask_value' or 'threshold'"):
        make(ApplyMaskFilter, {"mask_param": "lsm"})


def test_remove_nans_drops_the_points_of_the_first_variable() -> None:
    b = block({"sst": meta("sst"), "2t": meta("2t")})
    b.data[:, 0, 0, [1, 3]] = np.nan
    out = make(RemoveNansFilter, {}).apply(b)
    np.testing.assert_array_equal(out.latitudes, LAT[[0, 2, 4]])
    np.testing.assert_array_equal(out.data, b.data[..., [0, 2, 4]])
    assert out.grid is not None and out.grid["number_of_points"] == 3


def test_remove_nans_check_refuses_moving_nans() -> None:
    b = block({"sst": meta("sst")})
    b.data[0, 0, 0, 1] = np.nan
    b.data[1, 0, 0, 2] = np.nan
    with pytest.raises(FilterError, match="other points on 2020-01-01T06"):
        make(RemoveNansFilter, {"param": "sst", "check": True}).apply(b)


def test_remove_nans_fill_with_value_or_mean() -> None:
    b = block({"sst": meta("sst"), "2t": meta("2t")})
    b.data[:, :, 0, 1] = np.nan
    out = make(RemoveNansFilter, {"param": "sst", "value": 271.5}).apply(b)
    assert (out.data[:, 0, 0, 1] == 271.5).all() and np.isnan(out.data[:, 1, 0, 1]).all()
    mean = make(RemoveNansFilter, {"value": "mean"}).apply(b)
    expected = np.nanmean(b.data[0, 1, 0].astype(np.float64))
    assert mean.data[0, 1, 0, 1] == pytest.approx(expected, rel=1e-6)
