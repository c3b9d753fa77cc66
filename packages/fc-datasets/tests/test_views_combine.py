"""concat (a list), join and ensemble: several stores seen as one."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _views_helpers import dates_of, expected, make_dataset
from fc_datasets import open_dataset
from fc_datasets.views import MissingDateError, OpenDatasetError

V = ["2t", "msl"]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("combine")
    made = {
        # two consecutive periods with the same variables, one with a missing date
        "jan1": make_dataset(root / "jan1.zarr", variables=V, end="2020-01-01T18"),
        "jan2": make_dataset(
            root / "jan2.zarr",
            variables=V,
            start="2020-01-02",
            end="2020-01-02T18",
            missing=["2020-01-02T06"],
        ),
        # the same dates as jan1 with other variables
        "upper": make_dataset(
            root / "upper.zarr", variables=["t_850", "z_500"], end="2020-01-01T18"
        ),
        # a later period, leaving a gap after jan2
        "jan4": make_dataset(
            root / "jan4.zarr", variables=V, start="2020-01-04", end="2020-01-04T06"
        ),
        "coarse": make_dataset(root / "coarse.zarr", variables=V, start="2020-01-02", grid="20p0"),
        "members": make_dataset(root / "members.zarr", variables=V, members=2, end="2020-01-01T18"),
    }
    return {k: str(v) for k, v in made.items()}


def test_a_list_concatenates_along_dates(stores: dict[str, str]) -> None:
    ds = open_dataset([stores["jan2"], stores["jan1"]])  # put in date order
    dates = dates_of("2020-01-01", "2020-01-02T18")
    np.testing.assert_array_equal(ds.dates, dates)
    assert ds.missing == frozenset({5}) and ds.variables == V
    want = expected(dates, V, 1, 684)
    np.testing.assert_array_equal(ds[[0, 7, 3, 4]], want[[0, 7, 3, 4]])
    np.testing.assert_array_equal(ds[2:5, 1], want[2:5, 1])
    with pytest.raises(MissingDateError, match="2020-01-02T06"):
        ds[5]
    assert [s["path"] for s in ds.source("msl")["stores"]] == [stores["jan1"], stores["jan2"]]
    assert ds.tree()["view"] == "concat" and len(ds.tree()["children"]) == 2
    assert open_dataset(concat=[stores["jan1"], stores["jan2"]]).tree() == ds.tree()


def test_concat_with_different_variables_suggests_join(stores: dict[str, str]) -> None:
    with pytest.raises(OpenDatasetError, match=r"different variables.*\{'join'"):
        open_dataset([stores["jan1"], stores["upper"]])
    with pytest.raises(OpenDatasetError, match=r"different orders.*reorder"):
        open_dataset([stores["jan1"], {"dataset": stores["jan2"], "reorder": ["msl", "2t"]}])


def test_concat_refuses_overlaps_gaps_and_other_grids(stores: dict[str, str]) -> None:
    with pytest.raises(OpenDatasetError, match="overlap"):
        open_dataset([stores["jan1"], {"dataset": stores["jan1"], "start": "2020-01-01T12"}])
    with pytest.raises(OpenDatasetError, match=r"gap.*fill_missing_gaps=True"):
        open_dataset([stores["jan2"], stores["jan4"]])
    with pytest.raises(OpenDatasetError, match="different grids"):
        open_dataset([stores["jan1"], stores["coarse"]])


def test_concat_fills_gaps_with_missing_dates_when_asked(stores: dict[str, str]) -> None:
    ds = open_dataset(concat=[stores["jan2"], stores["jan4"]], fill_missing_gaps=True)
    np.testing.assert_array_equal(ds.dates, dates_of("2020-01-02", "2020-01-04T06"))
    assert ds.missing == frozenset({1, *range(4, 8)})
    np.testing.assert_array_equal(ds[8], expected(ds.dates[8:9], V, 1, 684)[0])
    filled = open_dataset(
        {"concat": [stores["jan2"], stores["jan4"]], "fill_missing_gaps": True},
        fill_missing_dates="closest",
    )
    np.testing.assert_array_equal(filled[6], filled[8])  # 3 Jan 12h: closest is 4 Jan 00h
    with pytest.raises(OpenDatasetError, match="option of concat"):
        open_dataset(join=[stores["jan1"], stores["upper"]], fill_missing_gaps=True)


def test_join_puts_variables_side_by_side(stores: dict[str, str]) -> None:
    ds = open_dataset(join=[stores["jan1"], stores["upper"]])
    assert ds.variables == ["2t", "msl", "t_850", "z_500"]
    want = expected(ds.dates, ds.variables, 1, 684)
    np.testing.assert_array_equal(ds[1], want[1])
    np.testing.assert_array_equal(ds[2, [3, 0]], want[2, [3, 0]])
    np.testing.assert_array_equal(ds[:, 2:4], want[:, 2:4])
    means = [open_dataset(stores[k]).statistics["mean"] for k in ("jan1", "upper")]
    np.testing.assert_array_equal(ds.statistics["mean"], np.concatenate(means))
    assert set(ds.variables_metadata) == set(ds.variables)
    assert ds.source("z_500")["stores"] == [
        {"path": stores["upper"], "variable": "z_500", "index": 1}
    ]
    joined = open_dataset(join=[stores["jan1"], stores["upper"]], select=["z_500", "msl"])
    np.testing.assert_array_equal(joined[3], want[3][[3, 1]])


def test_join_errors_say_what_to_do(stores: dict[str, str]) -> None:
    with pytest.raises(OpenDatasetError, match=r"different dates.*start=, end="):
        open_dataset(join=[stores["jan2"], stores["upper"]])
    with pytest.raises(OpenDatasetError, match=r"'2t' is in dataset 1 .* dataset 3 .*Rename it"):
        open_dataset(join=[stores["jan1"], stores["upper"], stores["jan1"]])
    with pytest.raises(OpenDatasetError, match="different grids"):
        open_dataset(
            join=[
                {"dataset": stores["coarse"], "end": "2020-01-02T18"},
                {"dataset": stores["jan2"], "rename": {"2t": "a", "msl": "b"}},
            ]
        )


def test_join_of_a_renamed_copy(stores: dict[str, str]) -> None:
    ds = open_dataset(
        join=[stores["jan1"], {"dataset": stores["jan1"], "rename": {"2t": "t2", "msl": "p"}}]
    )
    assert ds.variables == ["2t", "msl", "t2", "p"]
    np.testing.assert_array_equal(ds[0, 2], ds[0, 0])


def test_ensemble_puts_members_side_by_side(stores: dict[str, str]) -> None:
    ds = open_dataset(ensemble=[stores["members"], stores["jan1"]])
    assert ds.ensemble_size == 3
    two = expected(ds.dates, V, 2, 684)
    one = expected(ds.dates, V, 1, 684)
    np.testing.assert_array_equal(ds[1], np.concatenate([two[1], one[1]], axis=1))
    np.testing.assert_array_equal(ds[2, :, [2, 0]], np.stack([one[2, :, 0], two[2, :, 0]], axis=1))
    np.testing.assert_array_equal(
        open_dataset(ensemble=[stores["members"], stores["jan1"]], members=[2])[0], one[0]
    )
    with pytest.raises(OpenDatasetError, match="different variables"):
        open_dataset(ensemble=[stores["jan1"], stores["upper"]])
    with pytest.raises(OpenDatasetError, match="different dates"):
        open_dataset(ensemble=[stores["jan1"], stores["jan2"]])
