"""Bad input gets a clear error naming what, where and when, and never a store that looks complete."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import zarr

sys.path.insert(0, str(Path(__file__).parent))
from _build_helpers import FAKE, make_recipe
from fc_config.exceptions import ConfigError
from fc_datasets.build import create, finalise, init, load
from fc_datasets.exceptions import (
    BuildError,
    DatasetError,
    IncompleteDatasetError,
    LoadError,
    SourceError,
    StatisticsError,
)
from fc_datasets.store import BUILD_GROUP, open_store
from fc_utils.exceptions import DateError


def _assert_incomplete(path: Path) -> None:
    assert open_store(path, require_complete=False).attrs["complete"] is False
    with pytest.raises(IncompleteDatasetError):
        open_store(path)


def test_a_misspelled_source_is_a_config_error_with_a_suggestion(tmp_path: Path) -> None:
    recipe = make_recipe()
    recipe["input"] = {"fake-biuld": recipe["input"][FAKE]}
    with pytest.raises(ConfigError, match=f"did you mean '{FAKE}'"):
        init(recipe, tmp_path / "ds.zarr")
    assert not (tmp_path / "ds.zarr").exists()


def test_dates_off_the_frequency_are_refused(tmp_path: Path) -> None:
    recipe = make_recipe(
        dates={"start": "2020-01-01T00", "end": "2020-01-02T17:00", "frequency": "6h"}
    )
    with pytest.raises(ConfigError, match="off the 6h grid"):
        init(recipe, tmp_path / "ds.zarr")


def test_a_statistics_period_outside_the_dates_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"statistics.start"):
        init(make_recipe(statistics={"start": "2021-01-01"}), tmp_path / "ds.zarr")
    with pytest.raises(ConfigError, match=r"statistics.end"):
        init(make_recipe(statistics={"end": "2019-12-31"}), tmp_path / "ds.zarr")


def test_a_tendency_delta_off_the_frequency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="multiple of the dataset's frequency"):
        init(make_recipe(statistics={"tendencies": ["9h"]}), tmp_path / "ds.zarr")


def test_allow_nans_must_name_variables_of_the_dataset(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"allow_nans names 'bb'.*Did you mean 'b'"):
        init(make_recipe(statistics={"allow_nans": ["bb"]}), tmp_path / "ds.zarr")
    assert not (tmp_path / "ds.zarr").exists()


def test_a_source_failing_on_the_first_date_stops_init_before_any_store(tmp_path: Path) -> None:
    recipe = make_recipe(source={"fail_at": "2020-01-01T00:00:00"})
    with pytest.raises(SourceError, match=r"fake.grib: variable 'c' is missing on 2020-01-01"):
        init(recipe, tmp_path / "ds.zarr")
    assert not (tmp_path / "ds.zarr").exists()


def test_a_source_error_mid_load_names_the_date_and_leaves_the_store_incomplete(
    tmp_path: Path,
) -> None:
    path = init(make_recipe(source={"fail_at": "2020-01-02T06:00:00"}), tmp_path / "ds.zarr")
    with pytest.raises(LoadError) as caught:
        load(path, workers=1)
    assert "loading 2020-01-02T06:00:00 failed" in str(caught.value)
    assert "fake.grib" in str(caught.value) and "'c'" in str(caught.value)
    assert caught.value.exit_code == SourceError.exit_code
    _assert_incomplete(path)
    with pytest.raises(IncompleteDatasetError, match="2020-01-02T06:00:00"):
        finalise(path)


def test_a_variable_missing_on_some_date_is_an_error_naming_both(tmp_path: Path) -> None:
    path = init(make_recipe(source={"drop_at": "2020-01-01T18:00:00"}), tmp_path / "ds.zarr")
    with pytest.raises(LoadError, match=r"2020-01-01T18:00:00 variables that differ: lacking c"):
        load(path, workers=1)
    _assert_incomplete(path)


def test_fields_on_another_grid_are_an_error(tmp_path: Path) -> None:
    path = init(make_recipe(source={"cells_at": ["2020-01-02T00:00:00", 20]}), tmp_path / "ds.zarr")
    with pytest.raises(
        LoadError, match="2020-01-02T00:00:00 fields of 20 grid points where init found 16"
    ):
        load(path, workers=1)
    _assert_incomplete(path)


def test_nans_the_recipe_does_not_allow_stop_finalise(tmp_path: Path) -> None:
    path = init(make_recipe(source={"nans": {"c": 2}}), tmp_path / "ds.zarr")
    load(path, workers=1)
    with pytest.raises(StatisticsError) as caught:
        finalise(path)
    message = str(caught.value)
    assert "'c' has 16 NaN values on 8 dates (first 2020-01-01T00:00:00)" in message
    assert "allow_nans" in message
    _assert_incomplete(path)
    assert "mean" not in zarr.open_group(str(path), mode="r")


def test_create_with_nans_keeps_the_store_incomplete(tmp_path: Path) -> None:
    with pytest.raises(StatisticsError, match="fc-datasets finalise"):
        create(make_recipe(source={"nans": {"a": 1}}), tmp_path / "ds.zarr", workers=1)
    _assert_incomplete(tmp_path / "ds.zarr")


def test_parts_that_do_not_fit_are_refused(tmp_path: Path) -> None:
    path = init(make_recipe(), tmp_path / "ds.zarr")
    with pytest.raises(DateError, match="out of range"):
        load(path, part="3/2")
    with pytest.raises(BuildError, match="counts from 0"):
        load(path, part=(2, 2))
    with pytest.raises(BuildError, match="cannot split the dataset's 8 dates into 9 parts"):
        load(path, part="1/9")
    with pytest.raises(BuildError, match="at least 1"):
        load(path, workers=0)


def test_load_refuses_a_store_whose_init_was_interrupted(tmp_path: Path) -> None:
    path = init(make_recipe(), tmp_path / "ds.zarr")
    build = zarr.open_group(str(path), mode="r+")[BUILD_GROUP]
    build.attrs.put({})  # as if init had died before its last write
    with pytest.raises(BuildError, match=r"not fully initialised.*init"):
        load(path)


def test_load_refuses_what_is_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not an fc dataset"):
        load(tmp_path)
    zarr.open_group(str(tmp_path / "other.zarr"), mode="w").attrs["kind"] = "graph"
    with pytest.raises(DatasetError, match="not an fc dataset"):
        load(tmp_path / "other.zarr")


def test_a_recipe_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="does not exist"):
        init(tmp_path / "nope.yaml", tmp_path / "ds.zarr")


def test_build_errors_survive_the_trip_back_from_a_dask_worker() -> None:
    import pickle

    error = LoadError(
        "loading 2020-01-01 failed: file.grib is truncated", hint="Resume.", exit_code=5
    )
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is LoadError
    assert str(back) == str(error) and back.exit_code == 5
