"""The ``netcdf`` and ``xarray-zarr`` sources: layouts, naming, reordering, errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _xarray_helpers import DATES, dates, value, write_regular, write_unstructured
from fc_config.errors import validate
from fc_config.exceptions import ConfigError
from fc_datasets.exceptions import SourceError
from fc_datasets.sources.base import SOURCES, BuildContext
from fc_datasets.sources.netcdf import NetcdfSource
from fc_datasets.sources.xarray_zarr import XarrayZarrSource
from fc_utils.grids import grid_from_name


def netcdf(tmp_path: Path, **params: Any) -> NetcdfSource:
    context = BuildContext(base_dir=tmp_path, path="input.join[1].netcdf")
    return NetcdfSource(validate(NetcdfSource.config_model, params), context)


def test_registered_under_anemoi_names() -> None:
    assert SOURCES.get("netcdf") is NetcdfSource
    assert SOURCES.get("xarray-zarr") is XarrayZarrSource


def test_regular_grid_is_put_north_to_south_from_longitude_zero(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc", step=10.0, south_to_north=True, lon_from=-180.0)
    block = netcdf(tmp_path, path="a.nc", param="t2m").load(DATES[1:2])

    grid = grid_from_name("10p0")
    np.testing.assert_array_equal(block.latitudes, grid.latitudes)
    np.testing.assert_array_equal(block.longitudes, grid.longitudes)
    np.testing.assert_allclose(
        block.data[0, 0, 0], value(grid.latitudes, grid.longitudes, DATES[1])
    )
    assert block.grid == grid.description()
    assert block.variables == ["t2m"]
    assert block.metadata["t2m"]["units"] == "K"
    assert block.metadata["t2m"]["long_name"] == "t2m long name"
    assert block.data.dtype == np.float32


def test_dates_come_back_in_the_order_asked(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc")
    wanted = dates("2020-01-01T18", "2020-01-01T00")
    block = netcdf(tmp_path, path="a.nc").load(wanted)
    np.testing.assert_array_equal(block.dates, wanted)
    for d, date in enumerate(wanted):
        np.testing.assert_allclose(
            block.data[d, 0, 0], value(block.latitudes, block.longitudes, date)
        )


def test_levels_give_param_level_names(tmp_path: Path) -> None:
    write_regular(tmp_path / "pl.nc", variables=("t", "z"), levels=[500, 850])
    block = netcdf(tmp_path, path="pl.nc", param=["t", "z"]).load(DATES[:1])
    assert block.variables == ["t_500", "t_850", "z_500", "z_850"]
    assert block.metadata["t_850"]["level_type"] == "pl"
    assert block.metadata["t_850"]["level"] == 850
    np.testing.assert_allclose(
        block.data[0, 1, 0], value(block.latitudes, block.longitudes, DATES[0], level=850)
    )


@pytest.mark.parametrize("key", ["level", "levelist"])
def test_level_selection_under_both_anemoi_keys(tmp_path: Path, key: str) -> None:
    write_regular(tmp_path / "pl.nc", variables=("t",), levels=[500, 700, 850])
    block = netcdf(tmp_path, path="pl.nc", param="t", **{key: [850, 500]}).load(DATES[:1])
    assert block.variables == ["t_850", "t_500"]


def test_pressure_in_pa_is_named_in_hpa(tmp_path: Path) -> None:
    write_regular(
        tmp_path / "pl.nc",
        variables=("t",),
        levels=[50000.0, 85000.0],
        level_name="plev",
        level_units="Pa",
    )
    block = netcdf(tmp_path, path="pl.nc", level=850).load(DATES[:1])
    assert block.variables == ["t_850"]
    assert block.metadata["t_850"]["level"] == 850


def test_missing_level_is_named(tmp_path: Path) -> None:
    write_regular(tmp_path / "pl.nc", variables=("t",), levels=[500, 850])
    with pytest.raises(SourceError, match=r"'t'.*no level 700 \(its levels: 500, 850\)"):
        netcdf(tmp_path, path="pl.nc", level=700).load(DATES[:1])


def test_unstructured_values_dimension_keeps_its_order(tmp_path: Path) -> None:
    lat = np.array([10.0, -45.0, 80.0, 0.0])
    lon = np.array([-170.0, 20.0, 359.0, 180.0])
    write_unstructured(tmp_path / "u.nc", lat, lon)
    block = netcdf(tmp_path, path="u.nc").load(DATES[2:3])
    np.testing.assert_array_equal(block.latitudes, lat)
    np.testing.assert_array_equal(block.longitudes, [190.0, 20.0, 359.0, 180.0])
    np.testing.assert_allclose(block.data[0, 0, 0], value(lat, lon, DATES[2]))
    assert block.grid is not None and block.grid["type"] == "unstructured"


def test_octahedral_points_are_recognised(tmp_path: Path) -> None:
    grid = grid_from_name("O8")
    write_unstructured(tmp_path / "o8.nc", grid.latitudes, grid.longitudes, times=DATES[:1])
    block = netcdf(tmp_path, path="o8.nc").load(DATES[:1])
    assert block.grid == grid.description()


def test_ensemble_dimension_and_member_selection(tmp_path: Path) -> None:
    write_regular(tmp_path / "ens.nc", members=[0, 1, 2])
    block = netcdf(tmp_path, path="ens.nc").load(DATES[:1])
    assert block.ensemble_size == 3
    for m in range(3):
        np.testing.assert_allclose(
            block.data[0, 0, m], value(block.latitudes, block.longitudes, DATES[0], member=m)
        )
    chosen = netcdf(tmp_path, path="ens.nc", number=[2]).load(DATES[:1])
    assert chosen.ensemble_size == 1
    np.testing.assert_allclose(
        chosen.data[0, 0, 0], value(block.latitudes, block.longitudes, DATES[0], member=2)
    )


def test_zarr_store_reads_like_netcdf(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc", variables=("t",), levels=[850])
    write_regular(tmp_path / "a.zarr", variables=("t",), levels=[850], engine="zarr")
    context = BuildContext(base_dir=tmp_path, path="input.xarray-zarr")
    zarr_block = XarrayZarrSource(
        validate(XarrayZarrSource.config_model, {"url": "a.zarr", "param": "t"}), context
    ).load(DATES[1:3])
    nc_block = netcdf(tmp_path, path="a.nc", param="t").load(DATES[1:3])
    assert zarr_block.variables == nc_block.variables == ["t_850"]
    np.testing.assert_array_equal(zarr_block.data, nc_block.data)
    np.testing.assert_array_equal(zarr_block.latitudes, nc_block.latitudes)


def test_misspelled_variable_gets_a_suggestion(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc", variables=("t2m", "msl"))
    with pytest.raises(SourceError, match=r"variable 't2' is not in .*a\.nc.*Did you mean 't2m'\?"):
        netcdf(tmp_path, path="a.nc", param=["t2"]).load(DATES[:1])


def test_date_missing_from_the_file_names_file_variable_and_date(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc")
    with pytest.raises(SourceError) as caught:
        netcdf(tmp_path, path="a.nc").load(dates("2020-01-02T00"))
    message = str(caught.value)
    assert "input.join[1].netcdf" in message
    assert "'t2m'" in message and "2020-01-02T00:00" in message and "a.nc" in message


def test_variable_missing_on_some_dates_across_files(tmp_path: Path) -> None:
    write_regular(tmp_path / "20200101.nc", variables=("t2m", "msl"), times=DATES[:2])
    write_regular(tmp_path / "20200102.nc", variables=("t2m",), times=DATES[2:])
    source = netcdf(tmp_path, path="*.nc", param=["t2m", "msl"])
    assert source.load(DATES[:2]).variables == ["t2m", "msl"]
    with pytest.raises(SourceError) as caught:
        source.load(DATES)
    message = str(caught.value)
    assert "'msl' on 2020-01-01T12:00" in message
    assert "20200102.nc" in message


def test_one_file_per_date_pattern(tmp_path: Path) -> None:
    for k in range(4):
        write_regular(tmp_path / f"f{6 * k:02d}.nc", times=DATES[k : k + 1])
    source = netcdf(tmp_path, path="f{date:strftime(%H)}.nc")
    block = source.load(DATES[::-1])
    for d, date in enumerate(DATES[::-1]):
        np.testing.assert_allclose(
            block.data[d, 0, 0], value(block.latitudes, block.longitudes, date)
        )


def test_variables_split_over_files_by_glob(tmp_path: Path) -> None:
    write_regular(tmp_path / "t2m.nc", variables=("t2m",), offsets={"t2m": 1.0})
    write_regular(tmp_path / "msl.nc", variables=("msl",), offsets={"msl": 2.0})
    block = netcdf(tmp_path, path=["t2m.nc", "msl.nc"], param=["msl", "t2m"]).load(DATES[:1])
    assert block.variables == ["msl", "t2m"]
    expected = value(block.latitudes, block.longitudes, DATES[0])
    np.testing.assert_allclose(block.data[0, 0, 0], expected + 2.0)
    np.testing.assert_allclose(block.data[0, 1, 0], expected + 1.0)
    assert block.metadata["msl"]["long_name"] == "msl long name"


def test_files_on_different_grids_are_refused(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc", variables=("t2m",), step=30.0)
    write_regular(tmp_path / "b.nc", variables=("msl",), step=10.0)
    with pytest.raises(SourceError, match="another grid"):
        netcdf(tmp_path, path=["a.nc", "b.nc"], param=["t2m", "msl"]).load(DATES[:1])


def test_time_invariant_variable_is_the_same_every_date(tmp_path: Path) -> None:
    import xarray as xr

    write_regular(tmp_path / "a.nc")
    ds = xr.open_dataset(tmp_path / "a.nc").load()
    ds["lsm"] = (("latitude", "longitude"), np.ones((7, 12), dtype=np.float32), {"units": "1"})
    ds.to_netcdf(tmp_path / "b.nc")
    block = netcdf(tmp_path, path="b.nc", param=["lsm", "t2m"]).load(DATES[:3])
    assert np.all(block.data[:, 0] == 1.0)
    assert block.metadata["lsm"]["process"] == "constant"


def test_missing_file_and_bad_parameters(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no\.nc' does not exist"):
        netcdf(tmp_path, path="no.nc").load(DATES[:1])
    with pytest.raises(ConfigError, match=r"parm: unknown key; did you mean 'param'\?"):
        netcdf(tmp_path, path="a.nc", parm="t")
    with pytest.raises(ConfigError, match="'level' or as 'levelist', not both"):
        netcdf(tmp_path, path="a.nc", level=500, levelist=500)


def test_file_without_coordinates_is_explained(tmp_path: Path) -> None:
    import xarray as xr

    xr.Dataset({"x": (("time", "n"), np.zeros((1, 3)))}, coords={"time": DATES[:1]}).to_netcdf(
        tmp_path / "bad.nc"
    )
    with pytest.raises(SourceError, match="no latitude/longitude coordinates"):
        netcdf(tmp_path, path="bad.nc").load(DATES[:1])
