"""Writing synthetic fields as GRIB and NetCDF, and reading them back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fc_datasets.synthetic import SyntheticError, synthetic_fields, write_grib, write_netcdf
from fc_datasets.synthetic import writer as writer_module
from fc_utils.grids import Grid, grid_from_name

eccodes = pytest.importorskip("eccodes")

DATES = np.array(["2020-01-01T00", "2020-01-01T06"], dtype="datetime64[s]")


def _read(path: Path) -> list[dict[str, Any]]:
    """Every message of a GRIB file: its keys, values and coordinates."""
    messages = []
    with open(path, "rb") as handle:
        while (gid := eccodes.codes_grib_new_from_file(handle)) is not None:
            try:
                message = {
                    key: eccodes.codes_get(gid, key)
                    for key in (
                        "shortName",
                        "paramId",
                        "typeOfLevel",
                        "level",
                        "dataDate",
                        "dataTime",
                        "step",
                        "numberOfDataPoints",
                        "gridType",
                        "bitsPerValue",
                        "edition",
                        "packingType",
                    )
                }
                if eccodes.codes_is_defined(gid, "number"):
                    message["number"] = eccodes.codes_get(gid, "number")
                message["values"] = eccodes.codes_get_values(gid)
                message["latitudes"] = eccodes.codes_get_array(gid, "latitudes")
                message["longitudes"] = eccodes.codes_get_array(gid, "longitudes")
                messages.append(message)
            finally:
                eccodes.codes_release(gid)
    return messages


def _packing_tolerance(values: np.ndarray, bits: int) -> float:
    return float(values.max() - values.min()) / 2**bits + 1e-9


@pytest.mark.parametrize("grid_name", ["1p0", "O32"])
def test_grib_round_trips_keys_values_and_grid(tmp_path: Path, grid_name: str) -> None:
    names = ["2t", "msl", "t_850"]
    paths = write_grib(tmp_path, names, DATES, grid_name)
    assert [p.name for p in paths] == ["synthetic_202001010000.grib", "synthetic_202001010600.grib"]
    grid = grid_from_name(grid_name)
    expected = synthetic_fields(names, DATES, grid.latitudes, grid.longitudes)
    for d, path in enumerate(paths):
        messages = _read(path)
        assert [m["shortName"] for m in messages] == ["2t", "msl", "t"]
        assert [m["level"] for m in messages] == [2, 0, 850]
        assert [m["typeOfLevel"] for m in messages] == [
            "heightAboveGround",
            "meanSea",
            "isobaricInhPa",
        ]
        for v, message in enumerate(messages):
            assert message["dataDate"] == 20200101 and message["dataTime"] == 600 * d
            assert message["step"] == 0 and message["edition"] == 2
            assert message["bitsPerValue"] == 16 and message["packingType"] == "grid_simple"
            assert message["numberOfDataPoints"] == grid.size
            np.testing.assert_allclose(message["latitudes"], grid.latitudes, atol=1e-5)
            np.testing.assert_allclose(message["longitudes"], grid.longitudes, atol=1e-5)
            reference = expected[d, v, 0].astype(np.float64)
            error = np.abs(message["values"] - reference).max()
            assert error <= _packing_tolerance(reference, 16)
    assert messages[0]["gridType"] == ("regular_ll" if grid_name == "1p0" else "reduced_gg")


def test_grib_one_file_edition_1_with_ensemble_members(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "all.grib1"
    paths = write_grib(
        target,
        ["z_500", "lsm"],
        DATES,
        "5p0",
        layout="one file",
        edition=1,
        members=2,
        bits_per_value=12,
    )
    assert paths == [target]
    messages = _read(target)
    assert len(messages) == 2 * 2 * 2  # dates x members x variables
    assert {m["edition"] for m in messages} == {1}
    assert [(m["dataTime"], m["number"], m["shortName"]) for m in messages[:4]] == [
        (0, 0, "z"),
        (0, 0, "lsm"),
        (0, 1, "z"),
        (0, 1, "lsm"),
    ]
    grid = grid_from_name("5p0")
    expected = synthetic_fields(["z_500"], DATES, grid.latitudes, grid.longitudes, members=2)
    member1 = expected[1, 0, 1].astype(np.float64)
    assert np.abs(messages[6]["values"] - member1).max() <= _packing_tolerance(member1, 12)
    assert not list(target.parent.glob(".*tmp*"))


def test_grib_ensemble_members_are_numbered_in_grib2(tmp_path: Path) -> None:
    (path,) = write_grib(
        tmp_path / "ens.grib", ["2t"], DATES[:1], "O32", members=3, layout="one file"
    )
    with open(path, "rb") as handle:
        numbers = []
        while (gid := eccodes.codes_grib_new_from_file(handle)) is not None:
            numbers.append(eccodes.codes_get(gid, "number"))
            assert eccodes.codes_get(gid, "productDefinitionTemplateNumber") == 1
            assert eccodes.codes_get(gid, "numberOfForecastsInEnsemble") == 3
            eccodes.codes_release(gid)
    assert numbers == [0, 1, 2]


def test_an_interrupted_grib_write_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real_encode = writer_module._encode

    def failing(*args: Any, **kwargs: Any) -> bytes:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_encode(*args, **kwargs)

    monkeypatch.setattr(writer_module, "_encode", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        write_grib(tmp_path, ["2t", "msl"], DATES, "5p0")
    # the first date is complete; the second was never renamed into place, no temporary left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["synthetic_202001010000.grib"]


def test_grib_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(SyntheticError, match="edition"):
        write_grib(tmp_path, ["2t"], DATES, "5p0", edition=3)
    with pytest.raises(SyntheticError, match="Did you mean 'one file'"):
        write_grib(tmp_path, ["2t"], DATES, "5p0", layout="one-file")  # type: ignore[arg-type]
    with pytest.raises(SyntheticError, match="bits_per_value"):
        write_grib(tmp_path, ["2t"], DATES, "5p0", bits_per_value=0)
    with pytest.raises(SyntheticError, match="Did you mean 't_850'"):
        write_grib(tmp_path, ["t850"], DATES, "5p0")
    points = Grid("points", "unstructured", np.array([0.0, 10.0]), np.array([0.0, 20.0]))
    with pytest.raises(SyntheticError, match="cannot write GRIB"):
        write_grib(tmp_path, ["2t"], DATES, points)
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_cfgrib_reads_the_grib_files(tmp_path: Path) -> None:
    xr = pytest.importorskip("xarray")
    pytest.importorskip("cfgrib")
    (path,) = write_grib(
        tmp_path / "pl.grib", ["t_850", "t_500"], DATES, "O32", layout="one file", members=2
    )
    dataset = xr.open_dataset(path, engine="cfgrib", backend_kwargs={"indexpath": ""})
    assert dict(dataset["t"].sizes) == {"number": 2, "time": 2, "isobaricInhPa": 2, "values": 5248}
    grid = grid_from_name("O32")
    expected = synthetic_fields(["t_500"], DATES, grid.latitudes, grid.longitudes, members=2)
    read = dataset["t"].sel(isobaricInhPa=500).transpose("time", "number", "values").values
    np.testing.assert_allclose(read, expected[:, 0], atol=0.01)


# ------------------------------------------------------------------------------------------------
# NetCDF


def test_netcdf_has_a_level_dimension_and_cf_attributes(tmp_path: Path) -> None:
    xr = pytest.importorskip("xarray")
    names = ["2t", "msl", "t_850", "t_500", "z_850", "z_500"]
    path = write_netcdf(tmp_path / "out.nc", names, DATES, "5p0")
    grid = grid_from_name("5p0")
    expected = synthetic_fields(names, DATES, grid.latitudes, grid.longitudes)[:, :, 0]
    with xr.open_dataset(path, engine="netcdf4") as ds:
        assert set(ds.data_vars) == {"2t", "msl", "t", "z"}
        assert dict(ds["t"].sizes) == {"time": 2, "level": 2, "latitude": 37, "longitude": 72}
        assert ds["level"].values.tolist() == [850, 500] and ds["level"].attrs["units"] == "hPa"
        assert ds["t"].attrs["units"] == "K" and ds["t"].attrs["standard_name"] == "air_temperature"
        assert ds["2t"].attrs["GRIB_paramId"] == 167
        np.testing.assert_array_equal(ds["time"].values, DATES.astype("datetime64[ns]"))
        np.testing.assert_array_equal(ds["2t"].values.reshape(2, -1), expected[:, 0])
        np.testing.assert_array_equal(ds["z"].sel(level=500).values.reshape(2, -1), expected[:, 5])
    assert [p.name for p in tmp_path.iterdir()] == ["out.nc"]


def test_netcdf_flat_names_on_a_reduced_grid_with_members(tmp_path: Path) -> None:
    xr = pytest.importorskip("xarray")
    names = ["z", "z_500", "10u"]
    path = write_netcdf(tmp_path / "flat.nc", names, DATES, "O32", flat=True, members=2)
    with xr.open_dataset(path, engine="netcdf4") as ds:
        assert set(ds.data_vars) == {"z", "z_500", "10u"}
        assert dict(ds["z_500"].sizes) == {"time": 2, "number": 2, "values": 5248}
        assert ds["latitude"].dims == ("values",)
        assert ds["z"].attrs["standard_name"] == "surface_geopotential"


def test_netcdf_refuses_ambiguous_names(tmp_path: Path) -> None:
    with pytest.raises(SyntheticError, match="flat=True"):
        write_netcdf(tmp_path / "x.nc", ["z", "z_500"], DATES, "5p0")
    with pytest.raises(SyntheticError, match="same levels"):
        write_netcdf(tmp_path / "x.nc", ["t_850", "t_500", "u_850"], DATES, "5p0")
    assert not list(tmp_path.iterdir())
