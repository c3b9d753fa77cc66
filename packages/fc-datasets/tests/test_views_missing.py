"""Missing-date policies: error (default), fill (closest, interpolate), skip, set."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _views_helpers import expected, make_dataset
from fc_datasets import open_dataset
from fc_datasets.views import MissingDateError, OpenDatasetError

V = ["2t", "msl", "t_850"]
# dates 0..11 every 6 h from 2020-01-01; 3 is missing alone, 6 and 7 together, 11 at the end
MISSING = ["2020-01-01T18", "2020-01-02T12", "2020-01-02T18", "2020-01-03T18"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(
        tmp_path_factory.mktemp("missing") / "m.zarr", end="2020-01-03T18", missing=MISSING
    )


@pytest.fixture(scope="module")
def full(store: Path) -> np.ndarray:
    return expected(open_dataset(store).dates, V, 1, 684)


def test_default_policy_is_an_error(store: Path) -> None:
    ds = open_dataset(store)
    assert ds.missing == frozenset({3, 6, 7, 11})
    for i in (3, 6, 7, -1):
        with pytest.raises(MissingDateError):
            ds[i]
    sub = open_dataset(store, start="2020-01-02", select=["msl"])
    assert sub.missing == frozenset({2, 3, 7})
    with pytest.raises(MissingDateError, match=r"2020-01-02T12:00:00 \(index 2\)"):
        sub[2]


def test_fill_with_the_closest_date(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, fill_missing_dates="closest")
    assert ds.missing == frozenset()
    np.testing.assert_array_equal(ds[3], full[4])  # a tie between 2 and 4: the later one
    np.testing.assert_array_equal(ds[6], full[5])  # 5 is nearer than 8
    np.testing.assert_array_equal(ds[7], full[8])
    np.testing.assert_array_equal(ds[11], full[10])  # the end: only one side
    np.testing.assert_array_equal(ds[[0, 6, 9]], full[[0, 5, 9]])
    np.testing.assert_array_equal(ds[6, [2, 0]], full[5, [2, 0]])


def test_fill_by_interpolation_in_time(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, fill_missing_dates="interpolate")
    np.testing.assert_allclose(ds[3], 0.5 * full[2] + 0.5 * full[4], rtol=1e-6)
    np.testing.assert_allclose(ds[6], full[5] * (2 / 3) + full[8] * (1 / 3), rtol=1e-5)
    np.testing.assert_allclose(ds[7], full[5] * (1 / 3) + full[8] * (2 / 3), rtol=1e-5)
    np.testing.assert_array_equal(ds[5], full[5])
    # the last date has no later neighbour: it stays missing, and says so
    assert ds.missing == frozenset({11})
    with pytest.raises(MissingDateError, match="2020-01-03T18"):
        ds[11]


def test_filling_happens_before_start_and_end(store: Path, full: np.ndarray) -> None:
    # 2020-01-01T18 is filled from 2020-01-02T00 even though the view starts later
    ds = open_dataset(store, fill_missing_dates="closest", start="2020-01-01T18", end="2020-01-02")
    np.testing.assert_array_equal(ds[0], full[4])


def test_unknown_fill_method(store: Path) -> None:
    with pytest.raises(OpenDatasetError, match=r"'interpolated'.*Did you mean 'interpolate'"):
        open_dataset(store, fill_missing_dates="interpolated")


def test_skip_missing_dates_leaves_them_out(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, skip_missing_dates=True)
    kept = [0, 1, 2, 4, 5, 8, 9, 10]
    assert len(ds) == 8 and ds.missing == frozenset()
    np.testing.assert_array_equal(ds.dates, open_dataset(store).dates[kept])
    np.testing.assert_array_equal(ds[:], full[kept])


def test_skip_with_expected_access_gives_complete_windows(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, skip_missing_dates=True, expected_access=2)
    # windows (i, i+1) with no missing date: starts 0, 1, 4, 8, 9
    starts = [0, 1, 4, 8, 9]
    assert len(ds) == 5 and ds.shape == (5, 2, 3, 1, 684)
    np.testing.assert_array_equal(ds.dates, open_dataset(store).dates[starts])
    first, second = ds[2]
    np.testing.assert_array_equal(first, full[4])
    np.testing.assert_array_equal(second, full[5])
    np.testing.assert_array_equal(ds[1:3], np.stack([full[[1, 2]], full[[4, 5]]]))
    np.testing.assert_array_equal(ds[-1, 1], full[[9, 10], 1])
    stepped = open_dataset(store, skip_missing_dates=True, expected_access=[0, 3, 2])
    np.testing.assert_array_equal(stepped[0], full[[0, 2]])
    assert len(stepped) == 3  # windows (i, i + 2) with no missing date start at 0, 2 and 8
    np.testing.assert_array_equal(stepped[2], full[[8, 10]])


def test_windows_must_be_the_last_view(store: Path) -> None:
    windows = open_dataset(store, skip_missing_dates=True, expected_access=2)
    with pytest.raises(OpenDatasetError, match="must be the last view"):
        open_dataset(windows, select=["2t"])
    with pytest.raises(OpenDatasetError, match="cannot concat"):
        open_dataset([windows, store])
    with pytest.raises(
        OpenDatasetError, match="expected_access is an option of skip_missing_dates"
    ):
        open_dataset(store, expected_access=2)
    with pytest.raises(OpenDatasetError, match="expected_access"):
        open_dataset(store, skip_missing_dates=True, expected_access=0)


def test_set_missing_dates_declares_more(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, set_missing_dates=["2020-01-01T06"], fill_missing_dates="closest")
    # filling applies first, so the declared date is missing in the result
    assert ds.missing == frozenset({1})
    with pytest.raises(MissingDateError):
        ds[1]
    np.testing.assert_array_equal(ds[3], full[4])
    skipped = open_dataset(store, set_missing_dates="2020-01-01T00", skip_missing_dates=True)
    np.testing.assert_array_equal(skipped[0], full[1])
    with pytest.raises(OpenDatasetError, match="not one of the dataset's dates"):
        open_dataset(store, set_missing_dates=["2020-01-01T03"])
