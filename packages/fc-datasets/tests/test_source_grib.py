"""The ``grib`` source: selection, order, naming, ensembles, grids and metadata."""

from __future__ import annotations

import datetime as dt
import importlib.util
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fc_config.common import GridDescription, VariableMetadata
from fc_datasets.exceptions import SourceError
from fc_datasets.sources import SOURCES, BuildContext
from fc_datasets.sources.grib import GribSource


def _load_helpers() -> Any:
    if "_grib_helpers" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "_grib_helpers", Path(__file__).with_name("_grib_helpers.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["_grib_helpers"] = module
        spec.loader.exec_module(module)
    return sys.modules["_grib_helpers"]


H = _load_helpers()

DATES = [dt.datetime(2020, 1, 1, 0) + dt.timedelta(hours=6 * i) for i in range(3)]
SFC = ["2t", "msl", "10u"]
PL = ["t", "z"]
LEVELS = [500, 850]


def _dates(values: list[dt.datetime]) -> np.ndarray:
    return np.array(values, dtype="datetime64[s]")


def _source(tmp_path: Path, **config: Any) -> GribSource:
    return GribSource(config, BuildContext(base_dir=tmp_path, path="input.grib"))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Two files, one per day part, each with surface and pressure-level fields."""
    for i, chunk in enumerate((DATES[:2], DATES[2:])):
        path = tmp_path / f"an_{i}.grib"
        H.write_grib(path, H.fields_for(SFC, chunk))
        H.write_grib(path, H.fields_for(PL, chunk, levels=LEVELS), levtype="pl", append=True)
    return tmp_path


def test_registered_under_its_recipe_name() -> None:
    assert SOURCES.get("grib") is GribSource


def test_surface_fields_in_the_order_of_param(archive: Path) -> None:
    block = _source(archive, path="*.grib", param=["msl", "2t"], levtype="sfc").load(_dates(DATES))
    assert block.variables == ["msl", "2t"]
    assert block.data.shape == (3, 2, 1, 19 * 36)
    assert block.data.dtype == np.float32
    for d, date in enumerate(DATES):
        expected = H.expected_values("2t", date)
        np.testing.assert_allclose(block.data[d, 1, 0], expected, atol=1e-2)


def test_pressure_levels_are_named_param_level_param_major(archive: Path) -> None:
    block = _source(archive, path="*.grib", param=["z", "t"], levtype="pl", level=[850, 500]).load(
        _dates(DATES[1:])
    )
    assert block.variables == ["z_850", "z_500", "t_850", "t_500"]
    expected = H.expected_values("t", DATES[2], level=500)
    np.testing.assert_allclose(block.data[1, 3, 0], expected, atol=1e-2)


def test_levels_default_to_all_in_the_files_ascending(archive: Path) -> None:
    block = _source(archive, path="*.grib", param="t", levtype="pl").load(_dates(DATES[:1]))
    assert block.variables == ["t_500", "t_850"]


def test_levelist_is_anemoi_spelling_of_level(archive: Path) -> None:
    block = _source(archive, path="*.grib", param="t", levtype="pl", levelist="850").load(
        _dates(DATES[:1])
    )
    assert block.variables == ["t_850"]


def test_without_levtype_surface_fields_come_first_and_ignore_level(archive: Path) -> None:
    block = _source(archive, path="*.grib", param=["t", "2t"], level=850).load(_dates(DATES[:1]))
    assert block.variables == ["t_850", "2t"]


def test_dates_come_back_in_the_order_asked(archive: Path) -> None:
    asked = _dates([DATES[2], DATES[0]])
    block = _source(archive, path="*.grib", param="2t").load(asked)
    np.testing.assert_array_equal(block.dates, asked)
    np.testing.assert_allclose(block.data[0, 0, 0], H.expected_values("2t", DATES[2]), atol=1e-2)
    np.testing.assert_allclose(block.data[1, 0, 0], H.expected_values("2t", DATES[0]), atol=1e-2)


def test_param_by_paramid_is_named_by_short_name(archive: Path) -> None:
    block = _source(archive, path="*.grib", param=[167]).load(_dates(DATES[:1]))
    assert block.variables == ["2t"]


def test_variable_naming_template(archive: Path) -> None:
    source = _source(
        archive, path="*.grib", param="t", levtype="pl", variable_naming="{param}{levelist}hPa"
    )
    assert source.load(_dates(DATES[:1])).variables == ["t500hPa", "t850hPa"]
    named = _source(archive, path="*.grib", param="2t", variable_naming="{levtype}_{param}")
    assert named.load(_dates(DATES[:1])).variables == ["sfc_2t"]


def test_metadata_describe_each_variable(archive: Path) -> None:
    block = _source(archive, path="*.grib", param=["2t", "t"], level=850).load(_dates(DATES[:1]))
    t850 = block.metadata["t_850"]
    assert t850["units"] == "K"
    assert t850["level_type"] == "pl" and t850["level"] == 850
    assert t850["grib"] == {
        "paramId": 130,
        "shortName": "t",
        "typeOfLevel": "isobaricInhPa",
        "level": 850,
    }
    assert t850["process"] == "instantaneous"
    assert block.metadata["2t"]["level_type"] == "sfc" and block.metadata["2t"]["level"] is None
    assert block.metadata["2t"]["grib"]["typeOfLevel"] == "heightAboveGround"
    for meta in block.metadata.values():
        VariableMetadata.model_validate(meta)


def test_accumulations_are_marked_with_their_period(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "tp.grib", [H.Field("tp", DATES[1], step=6)])
    block = _source(tmp_path, path="tp.grib").load(_dates(DATES[1:2]))
    meta = block.metadata["tp"]
    assert meta["process"] == "accumulation" and meta["period"] == "6h"
    assert meta["grib"]["stepType"] == "accum"
    VariableMetadata.model_validate(meta)


def test_grid_coordinates_north_to_south(archive: Path) -> None:
    block = _source(archive, path="*.grib", param="2t").load(_dates(DATES[:1]))
    assert block.latitudes[0] == 90.0 and block.latitudes[-1] == -90.0
    assert np.all(np.diff(block.latitudes) <= 0)
    np.testing.assert_array_equal(block.longitudes[:36], np.arange(0.0, 360.0, 10.0))
    assert block.grid == {
        "type": "regular_ll",
        "name": "10p0",
        "number_of_points": 684,
        "area": None,
    }
    GridDescription.model_validate(block.grid)


def test_south_to_north_files_are_reordered_north_to_south(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "sn.grib", H.fields_for(["2t"], DATES[:1]), north_first=False)
    H.write_grib(tmp_path / "ns.grib", H.fields_for(["2t"], DATES[:1]))
    south_first = _source(tmp_path, path="sn.grib").load(_dates(DATES[:1]))
    north_first = _source(tmp_path, path="ns.grib").load(_dates(DATES[:1]))
    np.testing.assert_array_equal(south_first.latitudes, north_first.latitudes)
    np.testing.assert_array_equal(south_first.longitudes, north_first.longitudes)
    np.testing.assert_array_equal(south_first.data, north_first.data)


def test_ensemble_members_go_on_the_ensemble_axis_ascending(tmp_path: Path) -> None:
    fields = H.fields_for(["2t"], DATES[:2], numbers=[3, 1, 2])
    H.write_grib(tmp_path / "ens.grib", fields)
    block = _source(tmp_path, path="ens.grib").load(_dates(DATES[:2]))
    assert block.ensemble_size == 3
    for e, number in enumerate([1, 2, 3]):
        expected = H.expected_values("2t", DATES[1], number=number)
        np.testing.assert_allclose(block.data[1, 0, e], expected, atol=1e-2)


def test_ensemble_members_in_the_order_given(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "ens.grib", H.fields_for(["2t"], DATES[:1], numbers=[1, 2, 3]))
    block = _source(tmp_path, path="ens.grib", number="3/1").load(_dates(DATES[:1]))
    assert block.ensemble_size == 2
    np.testing.assert_allclose(
        block.data[0, 0, 0], H.expected_values("2t", DATES[0], number=3), atol=1e-2
    )


def test_grib1_ensemble_with_ecmwf_local_section(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "g1.grib", H.fields_for(SFC, DATES[:1], numbers=[1, 2]), edition=1)
    block = _source(tmp_path, path="g1.grib", param=SFC, number=[2]).load(_dates(DATES[:1]))
    assert block.variables == SFC
    expected = H.expected_values("msl", DATES[0], number=2)
    np.testing.assert_allclose(block.data[0, 1, 0], expected, rtol=1e-5)


def test_valid_time_is_base_time_plus_step(tmp_path: Path) -> None:
    # a forecast from 00 UTC with steps 6 and 12 fills the dates 06 and 12 UTC
    fields = [H.Field("2t", DATES[1], step=6), H.Field("2t", DATES[2], step=12)]
    H.write_grib(tmp_path / "fc.grib", fields)
    block = _source(tmp_path, path="fc.grib").load(_dates(DATES[1:]))
    np.testing.assert_allclose(block.data[1, 0, 0], H.expected_values("2t", DATES[2]), atol=1e-2)


def test_step_and_time_tell_forecasts_apart(tmp_path: Path) -> None:
    # 06 UTC is both an analysis and a 6-hour forecast from 00 UTC
    analysis = H.Field("2t", DATES[1])
    forecast = H.Field("2t", DATES[1], step=6, values=np.zeros(684))
    H.write_grib(tmp_path / "mixed.grib", [analysis, forecast])
    with pytest.raises(SourceError, match="2 times"):
        _source(tmp_path, path="mixed.grib").load(_dates(DATES[1:2]))
    step0 = _source(tmp_path, path="mixed.grib", step=0).load(_dates(DATES[1:2]))
    np.testing.assert_allclose(step0.data[0, 0, 0], H.expected_values("2t", DATES[1]), atol=1e-2)
    from00 = _source(tmp_path, path="mixed.grib", time=0).load(_dates(DATES[1:2]))
    assert np.all(from00.data == 0)


def test_mars_keys_select_from_the_local_section(tmp_path: Path) -> None:
    local = {"setLocalDefinition": 1, "stream": "oper", "type": "an", "expver": "0001"}
    H.write_grib(
        tmp_path / "ea.grib", H.fields_for(["2t"], DATES[:1]), extra={**local, "class": "ea"}
    )
    H.write_grib(
        tmp_path / "od.grib",
        [H.Field("2t", DATES[0], values=np.zeros(684))],
        extra={**local, "class": "od"},
    )
    block = _source(tmp_path, path="*.grib", **{"class": "ea"}).load(_dates(DATES[:1]))
    np.testing.assert_allclose(block.data[0, 0, 0], H.expected_values("2t", DATES[0]), atol=1e-2)


def test_paths_may_be_lists_of_files_and_globs(archive: Path) -> None:
    source = _source(archive, path=["an_0.grib", str(archive / "an_1*")], param="2t")
    assert source.load(_dates(DATES)).data.shape[0] == 3


def test_date_patterns_read_only_the_files_of_the_dates(tmp_path: Path) -> None:
    for date in DATES:
        H.write_grib(tmp_path / f"{date:%Y%m%d%H}.grib", H.fields_for(["2t"], [date]))
    (tmp_path / "2020010100.grib").write_bytes(b"not read for other dates")
    source = _source(tmp_path, path="{date:strftime(%Y%m%d%H)}.grib")
    block = source.load(_dates(DATES[1:]))
    np.testing.assert_allclose(block.data[1, 0, 0], H.expected_values("2t", DATES[2]), atol=1e-2)


def test_block_is_the_same_whatever_the_decoder(tmp_path: Path) -> None:
    fields = H.fields_for(["2t", "msl"], DATES[:2], numbers=[0, 1])
    H.write_grib(tmp_path / "a.grib", fields, bits=12, north_first=False)
    fast = _source(tmp_path, path="a.grib").load(_dates(DATES[:2]))
    slow = _source(tmp_path, path="a.grib", decoder="eccodes").load(_dates(DATES[:2]))
    np.testing.assert_array_equal(fast.data, slow.data)


@pytest.mark.slow  # importing xarray and cfgrib takes seconds
def test_values_match_cfgrib(archive: Path) -> None:
    xr = pytest.importorskip("xarray")
    pytest.importorskip("cfgrib")
    path = archive / "an_0.grib"
    ds = xr.open_dataset(
        path,
        engine="cfgrib",
        backend_kwargs={"filter_by_keys": {"typeOfLevel": "isobaricInhPa"}, "indexpath": ""},
    )
    block = _source(archive, path="an_0.grib", param=["t"], levtype="pl", level=[850]).load(
        _dates(DATES[:2])
    )
    expected = ds["t"].sel(isobaricInhPa=850).values.reshape(2, -1)
    np.testing.assert_array_equal(block.data[:, 0, 0], expected.astype(np.float32))
    lat, lon = np.meshgrid(ds.latitude.values, ds.longitude.values % 360, indexing="ij")
    np.testing.assert_array_equal(block.latitudes, lat.ravel())
    np.testing.assert_array_equal(block.longitudes, lon.ravel())


def test_source_survives_pickling_for_dask_workers(archive: Path) -> None:
    source = _source(archive, path="*.grib", param="2t")
    before = source.load(_dates(DATES[:1]))
    copy = pickle.loads(pickle.dumps(source))
    np.testing.assert_array_equal(copy.load(_dates(DATES[:1])).data, before.data)


def test_a_changed_file_is_scanned_again(tmp_path: Path) -> None:
    path = tmp_path / "a.grib"
    H.write_grib(path, H.fields_for(["2t"], DATES[:1]))
    assert _source(tmp_path, path="a.grib").load(_dates(DATES[:1])).variables == ["2t"]
    H.write_grib(path, H.fields_for(["msl", "2t"], DATES[:1]))
    import os

    os.utime(path, ns=(1, 1))  # make sure the modification time differs
    assert _source(tmp_path, path="a.grib").load(_dates(DATES[:1])).variables == ["msl", "2t"]


def _reduced_gaussian(path: Path, date: dt.datetime) -> np.ndarray:
    """One t_850 field on the N32 reduced Gaussian grid of eccodes' sample; its values."""
    import eccodes

    handle = eccodes.codes_grib_new_from_samples("reduced_gg_pl_grib2")
    try:
        eccodes.codes_set(handle, "level", 850)
        eccodes.codes_set(handle, "dataDate", int(date.strftime("%Y%m%d")))
        eccodes.codes_set(handle, "dataTime", int(date.strftime("%H%M")))
        size = eccodes.codes_get(handle, "numberOfDataPoints")
        values = 250.0 + np.arange(size) % 37
        eccodes.codes_set_values(handle, values)
        path.write_bytes(eccodes.codes_get_message(handle))
    finally:
        eccodes.codes_release(handle)
    return values


def test_reduced_gaussian_grid_is_described_with_its_rows(tmp_path: Path) -> None:
    values = _reduced_gaussian(tmp_path / "n32.grib", DATES[0])
    block = _source(tmp_path, path="n32.grib").load(_dates(DATES[:1]))
    grid = GridDescription.model_validate(block.grid)
    assert (grid.type, grid.name, grid.number_of_points) == ("reduced_gg", "N32", 6114)
    assert grid.pl is not None and len(grid.pl) == 64 and sum(grid.pl) == 6114
    assert block.variables == ["t_850"]
    assert np.all(np.diff(block.latitudes) <= 0)
    np.testing.assert_allclose(block.data[0, 0, 0], values, atol=0.01)


def test_limited_area_grid_has_its_area(tmp_path: Path) -> None:
    import eccodes

    handle = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib2")  # 60N-0N, 0E-30E, 2°
    try:
        eccodes.codes_set_values(handle, np.linspace(270.0, 300.0, 16 * 31))
        eccodes.codes_set(handle, "dataDate", 20200101)
        eccodes.codes_set(handle, "dataTime", 0)
        (tmp_path / "lam.grib").write_bytes(eccodes.codes_get_message(handle))
    finally:
        eccodes.codes_release(handle)
    block = _source(tmp_path, path="lam.grib").load(_dates(DATES[:1]))
    assert block.grid == {
        "type": "regular_ll",
        "name": "2p0",
        "number_of_points": 496,
        "area": [60.0, 0.0, 0.0, 30.0],
    }
    GridDescription.model_validate(block.grid)


def test_no_dates_gives_an_empty_block_on_the_grid(archive: Path) -> None:
    block = _source(archive, path="*.grib", param=["2t", "msl"]).load(_dates([]))
    assert block.data.shape == (0, 2, 1, 684)
    assert block.variables == ["2t", "msl"]


def test_files_named_by_date_must_hold_the_same_fields(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "2020010100.grib", H.fields_for(["2t"], DATES[:1]))
    H.write_grib(tmp_path / "2020010106.grib", H.fields_for(["2t", "msl"], DATES[1:2]))
    source = _source(tmp_path, path="{date:strftime(%Y%m%d%H)}.grib")
    source.load(_dates(DATES[:1]))
    with pytest.raises(SourceError, match=r"hold other fields than earlier ones.*'param'"):
        source.load(_dates(DATES[1:2]))


def test_decoding_in_threads_gives_the_same_block(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fc_datasets.sources.grib as grib

    config = {"path": "*.grib", "param": PL, "levtype": "pl", "decoder": "eccodes"}
    single = _source(archive, **config).load(_dates(DATES))
    monkeypatch.setattr(grib, "_threads", lambda messages, share: 3)
    threaded = _source(archive, **config).load(_dates(DATES))
    np.testing.assert_array_equal(threaded.data, single.data)


def test_one_source_loads_from_several_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    for date in DATES:
        H.write_grib(tmp_path / f"{date:%Y%m%d%H}.grib", H.fields_for(["2t", "msl"], [date]))
    source = _source(tmp_path, path="{date:strftime(%Y%m%d%H)}.grib", param=["2t", "msl"])
    with ThreadPoolExecutor(3) as pool:
        blocks = list(pool.map(lambda d: source.load(_dates([d])), DATES))
    for date, block in zip(DATES, blocks, strict=True):
        np.testing.assert_allclose(block.data[0, 0, 0], H.expected_values("2t", date), atol=1e-2)


def test_slow_eccodes_lookups_run_once_per_field_not_per_step_or_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fc_datasets.sources._grib_keys as keys

    monkeypatch.setattr(keys, "_keys_cache", {})  # start from an empty per-process cache
    monkeypatch.setattr(keys, "_concept_cache", {})
    calls: list[int] = []
    original = keys._concept
    monkeypatch.setattr(keys, "_concept", lambda handle: calls.append(1) or original(handle))
    # one forecast from 00 UTC: 3 steps x 2 members, 6 header signatures, 1 field
    fields = [H.Field("2t", d, step=6 * i, number=n) for i, d in enumerate(DATES) for n in (1, 2)]
    H.write_grib(tmp_path / "fc.grib", fields)
    block = _source(tmp_path, path="fc.grib").load(_dates(DATES))
    assert block.variables == ["2t"] and block.ensemble_size == 2
    expected = H.expected_values("2t", DATES[2], number=2)
    np.testing.assert_allclose(block.data[2, 0, 1], expected, atol=1e-2)
    assert len(calls) == 1
