"""validate_dataset: a store checked against the dataset format spec, every problem listed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import zarr

sys.path.insert(0, str(Path(__file__).parent))
from _build_helpers import make_recipe
from fc_datasets.build import create, init, load
from fc_datasets.store import BUILD_GROUP
from fc_datasets.validate import validate_dataset


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    recipe = make_recipe(
        dates={
            "start": "2020-01-01T00",
            "end": "2020-01-02T18",
            "frequency": "6h",
            "missing": ["2020-01-01T12"],
        },
        statistics={"tendencies": ["6h"]},
    )
    return create(recipe, tmp_path_factory.mktemp("valid") / "ds.zarr", workers=1).path


@pytest.fixture
def dataset(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of a valid dataset, to damage."""
    import shutil

    return Path(shutil.copytree(built, tmp_path / "copy.zarr"))


def _group(path: Path) -> zarr.Group:
    return zarr.open_group(str(path), mode="r+")


def test_a_built_dataset_is_valid(built: Path) -> None:
    assert validate_dataset(built) == []
    assert validate_dataset(built, full=True) == []


def test_an_incomplete_store_is_not_a_dataset_yet(tmp_path: Path) -> None:
    path = init(make_recipe(), tmp_path / "ds.zarr")
    load(path, part="1/2", workers=1)
    problems = validate_dataset(path)
    assert problems == [
        "the dataset is not complete: finalise has not run (4 of 8 dates still to load)"
    ]


def test_a_missing_array(dataset: Path) -> None:
    import shutil

    shutil.rmtree(dataset / "latitudes")
    assert "array 'latitudes' is missing" in validate_dataset(dataset)


def test_wrong_dtype_and_dimension_names(dataset: Path) -> None:
    root = _group(dataset)
    values = root["longitudes"][:]
    root.create_array("longitudes", shape=values.shape, dtype="float32", overwrite=True)
    problems = validate_dataset(dataset)
    assert "array 'longitudes' has dtype float32, expected float64" in problems
    assert any("'longitudes' has dimension names ()" in p for p in problems)


def test_dates_not_increasing_or_off_the_frequency(dataset: Path) -> None:
    root = _group(dataset)
    dates = root["dates"][:]
    shuffled = dates.copy()
    shuffled[[2, 3]] = shuffled[[3, 2]]
    root["dates"][:] = shuffled
    assert "'dates' is not strictly increasing" in validate_dataset(dataset)
    shifted = dates.copy()
    shifted[5:] += np.timedelta64(1, "h")
    root["dates"][:] = shifted
    problems = validate_dataset(dataset)
    assert "'dates' is off the 6h frequency at 2020-01-02T07:00:00" in problems
    assert any("'dates' runs from" in p for p in problems)


def test_attributes_that_fail_the_metadata_schema(dataset: Path) -> None:
    root = _group(dataset)
    attrs = dict(root.attrs)
    attrs["frequency"] = "6 hours"
    del attrs["licence"]
    root.attrs.put(attrs)
    problems = validate_dataset(dataset)
    assert any(p.startswith("attribute licence: required key is missing") for p in problems)
    assert any(p.startswith("attribute frequency:") for p in problems)


def test_statistics_of_the_wrong_shape_or_inconsistent(dataset: Path) -> None:
    root = _group(dataset)
    root["stdev"][0] = -1.0
    assert any("statistics of 'a' are inconsistent" in p for p in validate_dataset(dataset))
    root.create_array("mean", shape=(2,), dtype="float64", overwrite=True)
    problems = validate_dataset(dataset)
    assert "statistics array mean is float64 (2,), expected float64 (3,)" in problems
    import shutil

    shutil.rmtree(dataset / "tendencies" / "6h")
    assert any("tendency statistics of 6h" in p for p in validate_dataset(dataset))


def test_complete_while_dates_are_not_loaded(dataset: Path) -> None:
    _group(dataset)[f"{BUILD_GROUP}/done"][3] = False
    problems = validate_dataset(dataset)
    assert any("marked complete but 1 dates are not loaded" in p for p in problems)


def test_nans_where_they_are_not_allowed(dataset: Path) -> None:
    root = _group(dataset)
    data = root["data"]
    values = data[4]
    values[1, 0, :3] = np.nan
    data[4] = values
    # the cheap check trusts the build's counts; the full one reads the data
    assert validate_dataset(dataset) == []
    assert any("date number 4 has" in p for p in validate_dataset(dataset, full=True))
    partials = root[f"{BUILD_GROUP}/partials"]
    row = partials[4]
    row[0, 1] -= 3
    partials[4] = row
    problems = validate_dataset(dataset)
    assert any("variable 'b' holds NaN on 1 dates" in p for p in problems)
    assert "'has_nans' disagrees with the NaN values counted per date" in problems


def test_a_missing_date_with_values(dataset: Path) -> None:
    root = _group(dataset)
    root["data"][2] = np.ones(root["data"].shape[1:], dtype=np.float32)
    assert "missing date number 2 holds values; it must be all NaN" in validate_dataset(
        dataset, full=True
    )


def test_not_a_dataset(tmp_path: Path) -> None:
    assert "has no zarr.json" in validate_dataset(tmp_path)[0]
    zarr.open_group(str(tmp_path / "g.zarr"), mode="w").attrs["kind"] = "graph"
    assert validate_dataset(tmp_path / "g.zarr") == [
        "the root attribute 'kind' is 'graph', not 'dataset'"
    ]


def test_a_newer_format(dataset: Path) -> None:
    _group(dataset).attrs["format_version"] = 99
    assert "upgrade fc-datasets" in validate_dataset(dataset)[0]
