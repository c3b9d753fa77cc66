"""Building datasets: init, load (in parts, in parallel), finalise and create."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import zarr

sys.path.insert(0, str(Path(__file__).parent))
from _build_helpers import FAKE, assert_identical, make_recipe
from fc_config.metadata import DatasetMetadata
from fc_datasets.build import build_status, create, finalise, init, load
from fc_datasets.exceptions import DatasetError, IncompleteDatasetError
from fc_datasets.store import open_store
from fc_datasets.validate import validate_dataset


def _values(path: Path) -> np.ndarray:
    return zarr.open_group(str(path), mode="r")["data"][:].astype(np.float64)


def _source_values(recipe: dict) -> np.ndarray:
    """What the fake source gives for every date of the recipe, [date, variable, member, cell]."""
    from _build_helpers import FakeSource
    from fc_datasets.sources.base import BuildContext
    from fc_utils.dates import DateRange

    d = recipe["dates"]
    dates = DateRange(d["start"], d["end"], d["frequency"]).dates
    block = FakeSource(recipe["input"][FAKE], BuildContext()).load(dates)
    return block.data.astype(np.float32).astype(np.float64)


def test_init_creates_an_incomplete_store_with_the_probed_layout(tmp_path: Path) -> None:
    path = init(make_recipe(source={"members": 2, "cells": 10}), tmp_path / "ds.zarr")
    root = zarr.open_group(str(path), mode="r")
    assert root["data"].shape == (8, 3, 2, 10)
    assert root["data"].dtype == np.float32
    assert root["data"].chunks == (1, 3, 2, 10)
    attrs = dict(root.attrs)
    meta = DatasetMetadata.model_validate(attrs)
    assert meta.variables == ["a", "b", "c"]
    assert meta.ensemble_size == 2
    assert meta.frequency == "6h"
    assert meta.grid.number_of_points == 10
    assert meta.variables_metadata["b"].units == "K"
    assert meta.recipe["input"] == {FAKE: {"variables": ["a", "b", "c"], "cells": 10, "members": 2}}
    assert meta.complete is False
    assert np.isnan(root["data"][:]).all()
    with pytest.raises(IncompleteDatasetError, match="not been finalised"):
        open_store(path)


def test_init_refuses_an_existing_path_unless_overwrite(tmp_path: Path) -> None:
    path = init(make_recipe(), tmp_path / "ds.zarr")
    with pytest.raises(DatasetError, match=r"already exists.*--overwrite"):
        init(make_recipe(), path)
    first = zarr.open_group(str(path)).attrs["uuid"]
    init(make_recipe(), path, overwrite=True)
    assert zarr.open_group(str(path)).attrs["uuid"] != first


def test_overwrite_never_replaces_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(DatasetError, match="not an fc dataset"):
        init(make_recipe(), folder, overwrite=True)
    assert (folder / "notes.txt").read_text() == "keep me"


def test_create_builds_a_complete_valid_dataset_with_exact_statistics(tmp_path: Path) -> None:
    recipe = make_recipe(statistics={"start": "2020-01-01T06", "end": "2020-01-02T06"})
    report = create(recipe, tmp_path / "ds.zarr", workers=1)
    path = report.path
    values = _values(path)
    np.testing.assert_array_equal(values, _source_values(recipe))
    assert validate_dataset(path, full=True) == []
    root = open_store(path)
    assert root.attrs["complete"] is True
    period = values[1:6].transpose(1, 0, 2, 3).reshape(3, -1)
    assert np.allclose(root["mean"][:], period.mean(axis=1), rtol=1e-12, atol=0)
    assert np.allclose(root["stdev"][:], period.std(axis=1), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(root["minimum"][:], period.min(axis=1))
    np.testing.assert_array_equal(root["count"][:], [period.shape[1]] * 3)
    assert root["has_nans"][:].tolist() == [False] * 3
    assert report.load.loaded == 8 and report.load.remaining == 0
    assert report.finalise.statistics_start == "2020-01-01T06:00:00"


def test_the_default_statistics_period_leaves_out_the_end_of_the_record(tmp_path: Path) -> None:
    path = create(make_recipe(), tmp_path / "ds.zarr", workers=1).path
    attrs = open_store(path).attrs
    assert attrs["statistics_start_date"] == "2020-01-01T00:00:00"
    # 8 dates: 80 % of them, the first 6, enter the statistics
    assert attrs["statistics_end_date"] == "2020-01-02T06:00:00"
    assert open_store(path)["count"][0] == 6 * 16


def test_parts_load_separately_and_finalise_refuses_until_all_are_loaded(tmp_path: Path) -> None:
    path = init(make_recipe(), tmp_path / "ds.zarr")
    first = load(path, part="1/3", workers=1)
    assert (first.part, first.dates, first.loaded, first.remaining) == ((0, 3), 3, 3, 5)
    load(path, part=(2, 3), workers=1)
    with pytest.raises(IncompleteDatasetError) as caught:
        finalise(path)
    message = str(caught.value)
    assert "2020-01-01T18:00:00 to 2020-01-02T06:00:00 (3 dates)" in message
    assert "--part 2/3" in message and "fc-datasets load" in message
    assert open_store(path, require_complete=False).attrs["complete"] is False
    load(path, part="2/3", workers=1)
    finalise(path)
    assert open_store(path).attrs["complete"] is True


def test_a_second_load_of_a_part_skips_the_dates_already_done(tmp_path: Path) -> None:
    path = init(make_recipe(), tmp_path / "ds.zarr")
    load(path, part="1/2", workers=1)
    again = load(path, part="1/2", workers=1)
    assert (again.loaded, again.skipped, again.bytes) == (0, 4, 0)
    rest = load(path, workers=1)
    assert (rest.loaded, rest.skipped, rest.remaining) == (4, 4, 0)


def test_two_parts_give_the_same_bits_as_one(tmp_path: Path) -> None:
    recipe = make_recipe(statistics={"tendencies": ["6h", "1d"]})
    one = create(recipe, tmp_path / "one.zarr", workers=1).path
    two = init(recipe, tmp_path / "two.zarr")
    load(two, part="2/2", workers=1)
    load(two, part="1/2", workers=1)
    finalise(two)
    assert_identical(one, two)


def test_chunks_of_several_dates_and_calendar_groups(tmp_path: Path) -> None:
    recipe = make_recipe(
        dates={"start": "2020-01-01T00", "end": "2020-01-03T18", "frequency": "6h"},
        output={"chunking": {"dates": 3}},
        build={"group_by": "daily"},
    )
    reference = create(make_recipe(dates=recipe["dates"]), tmp_path / "ref.zarr", workers=1)
    path = init(recipe, tmp_path / "ds.zarr")
    assert zarr.open_group(str(path))["data"].chunks[0] == 3
    status = build_status(path)
    # 12 dates in 4 chunks: parts are whole chunks, so no two loads write one chunk
    assert [row["dates"] for row in status.parts(3)] == [6, 3, 3]
    for part in ("3/3", "1/3", "2/3"):
        load(path, part=part, workers=1)
    finalise(path)
    np.testing.assert_array_equal(_values(path), _values(reference.path))
    root = open_store(path)
    assert root["mean"][:].tobytes() == open_store(reference.path)["mean"][:].tobytes()


def test_missing_dates_hold_nan_and_stay_out_of_the_statistics(tmp_path: Path) -> None:
    dates = {
        "start": "2020-01-01T00",
        "end": "2020-01-02T18",
        "frequency": "6h",
        "missing": ["2020-01-01T12:00:00"],
    }
    recipe = make_recipe(dates=dates, statistics={"end": "2020-01-02T18"})
    path = create(recipe, tmp_path / "ds.zarr", workers=1).path
    values = _values(path)
    assert np.isnan(values[2]).all()
    kept = np.delete(values, 2, axis=0)
    np.testing.assert_array_equal(kept, np.delete(_source_values(recipe), 2, axis=0))
    root = open_store(path)
    flat = kept.transpose(1, 0, 2, 3).reshape(3, -1)
    assert np.allclose(root["mean"][:], flat.mean(axis=1), rtol=1e-12, atol=0)
    assert root["count"][0] == 7 * 16
    assert root.attrs["missing_dates"] == ["2020-01-01T12:00:00"]
    assert root["has_nans"][:].tolist() == [False] * 3
    assert build_status(path).lacking.sum() == 0


def test_nans_in_a_variable_the_recipe_allows(tmp_path: Path) -> None:
    recipe = make_recipe(source={"nans": {"b": 3}}, statistics={"allow_nans": ["b"]})
    path = create(recipe, tmp_path / "ds.zarr", workers=1).path
    root = open_store(path)
    assert root["has_nans"][:].tolist() == [False, True, False]
    assert root["count"][:].tolist() == [6 * 16, 6 * 13, 6 * 16]
    values = _values(path)[:6, 1].reshape(-1)
    assert np.isclose(root["mean"][1], np.nanmean(values), rtol=1e-12, atol=0)
    assert validate_dataset(path) == []


def test_tendency_statistics_match_numpy(tmp_path: Path) -> None:
    dates = {
        "start": "2020-01-01T00",
        "end": "2020-01-03T18",
        "frequency": "6h",
        "missing": ["2020-01-02T00"],
    }
    recipe = make_recipe(
        dates=dates, statistics={"end": "2020-01-03T06", "tendencies": ["6h", "12h"]}
    )
    path = create(recipe, tmp_path / "ds.zarr", workers=1).path
    values = _values(path)
    root = open_store(path)
    assert root.attrs["tendency_statistics"] == ["6h", "12h"]
    for name, k in (("6h", 1), ("12h", 2)):
        # pairs inside the period (dates 0..9), both dates valid (date 4 is missing)
        diffs = [values[t] - values[t - k] for t in range(k, 10) if 4 not in (t, t - k)]
        flat = np.stack(diffs).transpose(1, 0, 2, 3).reshape(3, -1)
        group = root["tendencies"][name]
        assert np.allclose(group["mean"][:], flat.mean(axis=1), rtol=1e-11, atol=1e-12)
        assert np.allclose(group["stdev"][:], flat.std(axis=1), rtol=1e-11, atol=0)
        np.testing.assert_array_equal(group["maximum"][:], flat.max(axis=1))
        np.testing.assert_array_equal(group["count"][:], [flat.shape[1]] * 3)


@pytest.mark.parametrize("codec", ["lz4", "zstd"])
def test_compressed_data_reads_back_the_same_values(tmp_path: Path, codec: str) -> None:
    recipe = make_recipe(output={"compression": codec})
    path = create(recipe, tmp_path / f"{codec}.zarr", workers=1).path
    codecs = zarr.open_group(str(path))["data"].compressors
    assert codecs and codecs[0].cname.value == codec
    np.testing.assert_array_equal(_values(path), _source_values(recipe))
    assert validate_dataset(path) == []


def test_finalise_again_gives_the_same_dataset(tmp_path: Path) -> None:
    path = create(make_recipe(statistics={"tendencies": ["6h"]}), tmp_path / "a.zarr").path
    before = {n: open_store(path)[n][:].tobytes() for n in ("mean", "stdev", "has_nans")}
    finalise(path)
    after = {n: open_store(path)[n][:].tobytes() for n in ("mean", "stdev", "has_nans")}
    assert before == after and open_store(path).attrs["complete"] is True


def test_a_monthly_task_asks_its_source_for_one_chunk_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # group_by monthly makes one task of the whole month; loading it in one piece held a month
    # of fields in memory at once (4.7 GB peak for the 1° benchmark). Chunk by chunk it is flat.
    from _build_helpers import FakeSource

    asked: list[int] = []
    original = FakeSource.load

    def spy(self: FakeSource, dates: np.ndarray) -> object:
        asked.append(len(dates))
        return original(self, dates)

    monkeypatch.setattr(FakeSource, "load", spy)
    out = tmp_path / "ds.zarr"
    create(make_recipe(build={"group_by": "monthly"}), out, workers=1)
    assert len(asked) >= 8 and set(asked[1:]) == {1}  # the first call is init's probe
    one = tmp_path / "one.zarr"
    create(make_recipe(), one, workers=1)
    a, b = zarr.open_group(str(out), mode="r"), zarr.open_group(str(one), mode="r")
    for name in ("data", "mean", "stdev", "minimum", "maximum"):
        assert np.array_equal(a[name][:], b[name][:], equal_nan=True), name
