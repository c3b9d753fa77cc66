"""open_dataset on one store: accessors, indexing, the two read paths, errors, pickling."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _views_helpers import EPOCH, expected, make_dataset
from fc_datasets import open_dataset
from fc_datasets.exceptions import DatasetError, IncompleteDatasetError
from fc_datasets.store import compressors_for
from fc_datasets.views import Dataset, MissingDateError, OpenDatasetError

VARIABLES = ["2t", "msl", "t_850"]
CELLS = 684  # the 10° grid
MISSING = ["2020-01-01T12"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("views") / "a.zarr", variables=VARIABLES)


@pytest.fixture(scope="module")
def gappy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("views") / "m.zarr", missing=MISSING)


@pytest.fixture(scope="module")
def full(store: Path) -> np.ndarray:
    ds = open_dataset(store)
    return expected(ds.dates, VARIABLES, 1, CELLS)


def test_accessors_describe_the_store(store: Path) -> None:
    ds = open_dataset(store)
    assert isinstance(ds, Dataset)
    assert len(ds) == 8 and ds.shape == (8, 3, 1, CELLS)
    assert ds.variables == VARIABLES
    assert ds.name_to_index == {"2t": 0, "msl": 1, "t_850": 2}
    assert ds.dates.dtype == np.dtype("datetime64[s]")
    assert ds.dates[0] == EPOCH and ds.start_date == EPOCH
    assert ds.end_date == np.datetime64("2020-01-02T18:00:00")
    assert ds.frequency.total_seconds() == 6 * 3600
    assert ds.latitudes.shape == (CELLS,) and ds.latitudes[0] == 90.0
    assert ds.longitudes.dtype == np.float64 and ds.longitudes.max() < 360
    assert ds.ensemble_size == 1 and ds.missing == frozenset()
    assert ds.grid["name"] == "10p0" and ds.grid["number_of_points"] == CELLS
    assert ds.variables_metadata["t_850"]["level"] == 850
    assert ds.dtype == np.float32


def test_statistics_are_float64_in_variable_order(store: Path, full: np.ndarray) -> None:
    stats = open_dataset(store).statistics
    assert sorted(stats) == ["maximum", "mean", "minimum", "stdev"]
    assert all(v.dtype == np.float64 and v.shape == (3,) for v in stats.values())
    np.testing.assert_allclose(stats["mean"], full.astype(np.float64).mean(axis=(0, 2, 3)))
    np.testing.assert_array_equal(stats["maximum"], full.max(axis=(0, 2, 3)))


def test_tendency_statistics_where_stored(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store)
    diff = full[1:].astype(np.float64) - full[:-1]
    np.testing.assert_allclose(ds.statistics_tendencies()["mean"], diff.mean(axis=(0, 2, 3)))
    assert ds.statistics_tendencies("6h")["stdev"].shape == (3,)
    with pytest.raises(DatasetError, match="no tendency statistics for 12h"):
        ds.statistics_tendencies("12h")


def test_one_date_is_float32_variable_ensemble_cell(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store)
    item = ds[3]
    assert item.dtype == np.float32 and item.shape == (3, 1, CELLS)
    np.testing.assert_array_equal(item, full[3])
    np.testing.assert_array_equal(ds[-1], full[-1])
    np.testing.assert_array_equal(ds[np.int64(2)], full[2])


@pytest.mark.parametrize(
    "key",
    [
        slice(2, 6),
        slice(None, None, 3),
        slice(-3, None),
        [1, 5, 7],
        [7, 0, 0],
        np.array([6, 2], dtype=np.int32),
        np.arange(8) % 2 == 0,
        (4, [2, 0]),
        (4, 1),
        (slice(0, 2), 1, 0),
        (-1, slice(None), 0, slice(10, 20)),
        (Ellipsis, [5, 3, 1]),
        ([0, 7], Ellipsis),
        (2, 1, 0, -1),
    ],
)
def test_indexing_matches_numpy(store: Path, full: np.ndarray, key: object) -> None:
    got = open_dataset(store)[key]
    want = full[key]
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_bad_indices_are_refused(store: Path) -> None:
    ds = open_dataset(store)
    with pytest.raises(IndexError, match="out of range"):
        ds[8]
    with pytest.raises(IndexError, match="variable axis"):
        ds[0, 3]
    with pytest.raises(IndexError, match="too many indices"):
        ds[0, 0, 0, 0, 0]
    with pytest.raises(TypeError, match="cannot index"):
        ds["2t"]


def test_iteration_yields_every_date(store: Path, full: np.ndarray) -> None:
    items = list(open_dataset(store))
    assert len(items) == 8
    np.testing.assert_array_equal(np.stack(items), full)


@pytest.mark.parametrize(
    "layout",
    [{"compressors": compressors_for("lz4")}, {"dates_per_chunk": 3}, {"dtype": "float64"}],
    ids=["compressed-through-zarr", "three-dates-per-chunk", "float64-through-zarr"],
)
def test_every_layout_reads_the_same(tmp_path: Path, layout: dict) -> None:
    path = make_dataset(tmp_path / "x.zarr", missing=MISSING, **layout)
    ds = open_dataset(path, fill_missing_dates="closest")
    want = expected(ds.dates, VARIABLES, 1, CELLS)
    want[2] = want[3]  # filled from the later neighbour
    np.testing.assert_array_equal(ds[:], want)
    np.testing.assert_array_equal(ds[[7, 1], [2, 0]], want[[7, 1]][:, [2, 0]])
    np.testing.assert_array_equal(ds[5, :, 0, 100:110], want[5, :, 0, 100:110])


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "zarr"])
def test_a_chunk_never_written_reads_as_nan(gappy: Path, direct: bool) -> None:
    # zarr writes no chunk that holds only the fill value: a missing date has no file
    store = open_dataset(gappy)
    assert not (gappy / "data" / "c" / "2").exists()
    if not direct:
        store._raw = None
    block = store._fetch(np.array([1, 2]), None, None, None)
    assert np.isnan(block[1]).all() and not np.isnan(block[0]).any()


def test_a_truncated_chunk_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = make_dataset(tmp_path / "t.zarr", end="2020-01-01T06")
    chunk = path / "data" / "c" / "1" / "0" / "0" / "0"
    chunk.write_bytes(chunk.read_bytes()[:1000])
    ds = open_dataset(path)
    assert ds[0].shape == (3, 1, CELLS)
    with pytest.raises(DatasetError, match=r"c/1/0/0/0 is truncated"):
        ds[1]


def test_missing_date_raises_naming_the_date_and_the_options(gappy: Path) -> None:
    ds = open_dataset(gappy)
    assert ds.missing == frozenset({2})
    assert ds[1].shape == (3, 1, CELLS)  # the others read fine
    with pytest.raises(MissingDateError, match=r"2020-01-01T12:00:00 \(index 2\)") as info:
        ds[2]
    assert "fill_missing_dates" in str(info.value) and "skip_missing_dates" in str(info.value)
    with pytest.raises(MissingDateError):
        ds[0:4]
    with pytest.raises(MissingDateError):
        ds[[5, 2]]


def test_incomplete_store_is_refused(tmp_path: Path) -> None:
    path = make_dataset(tmp_path / "x.zarr", complete=False)
    with pytest.raises(IncompleteDatasetError, match="finalise"):
        open_dataset(path)


def test_a_path_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        open_dataset(tmp_path / "nope.zarr")
    with pytest.raises(OpenDatasetError, match="cannot open 42"):
        open_dataset(42)
    with pytest.raises(OpenDatasetError, match="no dataset given"):
        open_dataset(select=["2t"])


def test_pickled_view_reopens_and_reads_the_same(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, select=["t_850", "2t"], start="2020-01-01T12")
    clone = pickle.loads(pickle.dumps(ds))
    np.testing.assert_array_equal(clone[2], full[4][[2, 0]])
    assert clone.variables == ["t_850", "2t"]


def test_tree_metadata_provenance_and_sources(store: Path) -> None:
    ds = open_dataset({"dataset": str(store), "select": ["msl", "2t"]}, rename={"2t": "t2m"})
    tree = ds.tree()
    assert tree["view"] == "rename" and tree["options"] == {"rename": {"2t": "t2m"}}
    assert tree["children"][0]["view"] == "select"
    leaf = tree["children"][0]["children"][0]
    assert leaf["view"] == "store" and leaf["options"]["path"] == str(store.resolve())
    assert leaf["shape"] == [8, 3, 1, CELLS] and tree["shape"] == [8, 2, 1, CELLS]
    meta = ds.metadata()
    json.dumps(meta)  # JSON-ready
    assert meta["variables"] == ["msl", "t2m"] and meta["frequency"] == "6h"
    assert meta["sources"][0]["uuid"] == meta["sources"][0]["metadata"]["uuid"]
    assert meta["arguments"]["kwargs"] == {"rename": {"2t": "t2m"}}
    assert meta["variables_metadata"]["t2m"]["name"] == "t2m"
    assert list(ds.provenance) == [str(store.resolve())]
    assert ds.source("t2m") == {
        "variable": "t2m",
        "stores": [{"path": str(store.resolve()), "variable": "2t", "index": 0}],
    }
    assert ds.description.splitlines()[0].startswith("rename(")
    assert "store(" in ds.description.splitlines()[-1]


def test_importing_the_package_does_not_import_zarr() -> None:
    code = (
        "import sys, fc_datasets; assert 'zarr' not in sys.modules; "
        "fc_datasets.open_dataset; assert 'zarr' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("compression", ["lz4", "zstd"])
def test_compressed_store_reads_the_same_values_as_an_uncompressed_one(
    tmp_path: Path, compression: str
) -> None:
    # compressed chunks are decoded by the leaf itself (Blosc), not through zarr: check every
    # access pattern against zarr's own decoding of the same array
    import zarr

    from fc_datasets import open_dataset
    from fc_datasets.build import create

    recipe = {
        "licence": "CC-BY-4.0",
        "attribution": "fc tests",
        "dates": {"start": "2020-01-01T00:00:00", "end": "2020-01-01T18:00:00", "frequency": "6h"},
        "input": {"synthetic": {"grid": "O16", "param": ["2t", "msl", "10u"]}},
        "output": {"compression": compression},
    }
    path = tmp_path / "ds.zarr"
    create(recipe, path, workers=1)
    expected = zarr.open_group(str(path), mode="r")["data"][:]
    ds = open_dataset(path)
    assert ds._raw is not None and ds._raw.blosc  # the direct path is the one under test
    assert np.array_equal(ds[1], expected[1])
    assert np.array_equal(ds[0:3], expected[0:3])
    assert np.array_equal(open_dataset(path, select=["msl", "2t"])[2], expected[2][[1, 0]])
    assert np.array_equal(open_dataset(path, select=["10u"])[3], expected[3][[2]])


def test_a_damaged_compressed_chunk_is_a_clear_error(tmp_path: Path) -> None:
    from fc_datasets import open_dataset
    from fc_datasets.build import create

    recipe = {
        "licence": "CC-BY-4.0",
        "attribution": "fc tests",
        "dates": {"start": "2020-01-01T00:00:00", "end": "2020-01-01T06:00:00", "frequency": "6h"},
        "input": {"synthetic": {"grid": "O16", "param": ["2t"]}},
    }
    path = tmp_path / "ds.zarr"
    create(recipe, path, workers=1)
    chunk = path / "data" / "c" / "1" / "0" / "0" / "0"
    chunk.write_bytes(chunk.read_bytes()[:20])
    with pytest.raises(DatasetError, match="cannot be decoded"):
        open_dataset(path)[1]
