"""open_dataset options on one store: variables, dates, grid, members, statistics, parsing."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _views_helpers import expected, make_dataset
from fc_datasets import open_dataset
from fc_datasets.views import OPTION_ORDER, OpenDatasetError
from fc_utils.grids import Grid, grid_from_name

VARIABLES = ["2t", "msl", "t_850", "z_500"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(
        tmp_path_factory.mktemp("opts") / "a.zarr", variables=VARIABLES, end="2020-01-03T18"
    )


@pytest.fixture(scope="module")
def full(store: Path) -> np.ndarray:
    ds = open_dataset(store)
    return expected(ds.dates, VARIABLES, 1, 684)


# -- variables --------------------------------------------------------------------------------


def test_select_keeps_the_order_given(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, select=["z_500", "2t"])
    assert ds.variables == ["z_500", "2t"] and ds.shape == (12, 2, 1, 684)
    np.testing.assert_array_equal(ds[5], full[5][[3, 0]])
    assert list(ds.variables_metadata) == ["z_500", "2t"]
    np.testing.assert_array_equal(
        ds.statistics["mean"], open_dataset(store).statistics["mean"][[3, 0]]
    )
    assert open_dataset(store, select="msl").variables == ["msl"]


def test_select_with_a_set_keeps_the_dataset_order(store: Path) -> None:
    assert open_dataset(store, select={"z_500", "2t"}).variables == ["2t", "z_500"]


def test_misspelled_variable_gets_a_suggestion(store: Path) -> None:
    with pytest.raises(OpenDatasetError, match=r"unknown variable 't_580'.*Did you mean 't_850'"):
        open_dataset(store, select=["2t", "t_580"])
    with pytest.raises(OpenDatasetError, match="twice"):
        open_dataset(store, select=["2t", "2t"])
    with pytest.raises(OpenDatasetError, match=r"unknown variable 'mls'.*'msl'"):
        open_dataset(store, drop=["mls"])


def test_drop_keeps_the_rest_in_order(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, drop=["msl"])
    assert ds.variables == ["2t", "t_850", "z_500"]
    np.testing.assert_array_equal(ds[0], full[0][[0, 2, 3]])
    with pytest.raises(OpenDatasetError, match="removes every variable"):
        open_dataset(store, drop=VARIABLES)


@pytest.mark.parametrize(
    ("reorder", "order"),
    [
        (["t_850", "z_500", "2t", "msl"], [2, 3, 0, 1]),
        ({"msl": 0, "2t": 1, "z_500": 2, "t_850": 3}, [1, 0, 3, 2]),
        ("sort", [0, 1, 2, 3]),
    ],
)
def test_reorder(store: Path, full: np.ndarray, reorder: object, order: list[int]) -> None:
    ds = open_dataset(store, reorder=reorder)
    assert ds.variables == [VARIABLES[i] for i in order]
    np.testing.assert_array_equal(ds[1:3], full[1:3][:, order])


def test_reorder_must_list_every_variable(store: Path) -> None:
    with pytest.raises(OpenDatasetError, match="leaves out msl, z_500"):
        open_dataset(store, reorder=["t_850", "2t"])


def test_rename_changes_names_not_data(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, rename={"2t": "t2m"})
    assert ds.variables == ["t2m", "msl", "t_850", "z_500"]
    assert ds.name_to_index["t2m"] == 0
    meta = ds.variables_metadata["t2m"]
    assert meta["name"] == "t2m" and meta["grib"] == {"shortName": "2t"}
    np.testing.assert_array_equal(ds[2], full[2])
    with pytest.raises(OpenDatasetError, match="two variables the name 'msl'"):
        open_dataset(store, rename={"2t": "msl"})
    with pytest.raises(OpenDatasetError, match="unknown variable '2tt'"):
        open_dataset(store, rename={"2tt": "x"})


# -- dates ------------------------------------------------------------------------------------


def test_start_and_end_take_loose_dates(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, start="2020-01-02", end="2020-01-02")
    assert len(ds) == 4
    assert str(ds.dates[0]) == "2020-01-02T00:00:00" and str(ds.dates[-1]) == "2020-01-02T18:00:00"
    np.testing.assert_array_equal(ds[:], full[4:8])
    assert len(open_dataset(store, start=2020, end=2020)) == 12  # clipped to the dataset
    assert len(open_dataset(store, end="2020-01-01T06")) == 2


def test_start_after_end_and_empty_periods_are_errors(store: Path) -> None:
    with pytest.raises(OpenDatasetError, match=r"start '2020-01-03' .* is after end"):
        open_dataset(store, start="2020-01-03", end="2020-01-02")
    with pytest.raises(OpenDatasetError, match="no date of the dataset lies between"):
        open_dataset(store, start="2021-01-01")


def test_frequency_subsamples(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, frequency="12h")
    assert len(ds) == 6 and ds.frequency.total_seconds() == 12 * 3600
    np.testing.assert_array_equal(ds[:], full[::2])
    assert len(open_dataset(store, frequency="1d")) == 3
    with pytest.raises(
        OpenDatasetError, match="9h is not a multiple of the dataset's frequency 6h"
    ):
        open_dataset(store, frequency="9h")


# -- grid -------------------------------------------------------------------------------------


def test_thinning_every_nth_on_a_regular_grid(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, thinning=2)
    parent = grid_from_name("10p0")
    rows = np.arange(0, 19, 2)
    cols = np.arange(0, 36, 2)
    cells = (rows[:, None] * 36 + cols[None, :]).ravel()
    assert ds.shape == (12, 4, 1, cells.size)
    np.testing.assert_array_equal(ds.latitudes, parent.latitudes[cells])
    np.testing.assert_array_equal(ds[3], full[3][..., cells])
    assert ds.grid == {
        "type": "regular_ll",
        "name": "20p0",
        "number_of_points": 180,
        "pl": None,
        "area": None,
    }


def test_thinning_on_a_reduced_grid_keeps_every_nth_row_and_point(tmp_path: Path) -> None:
    path = make_dataset(tmp_path / "o.zarr", grid="O4", end="2020-01-01T06")
    grid = grid_from_name("O4")
    ds = open_dataset(path, thinning=3)
    starts = np.cumsum(grid.pl) - grid.pl
    cells = np.concatenate([starts[r] + np.arange(0, grid.pl[r], 3) for r in range(0, 8, 3)])
    np.testing.assert_array_equal(ds.longitudes, grid.longitudes[cells])
    np.testing.assert_array_equal(
        ds[1], expected(ds.dates, ["2t", "msl", "t_850"], 1, 208)[1][..., cells]
    )
    assert ds.grid["type"] == "unstructured" and ds.grid["number_of_points"] == cells.size


def test_thinning_every_nth_point_and_its_errors(tmp_path: Path) -> None:
    points = Grid("stations", "unstructured", np.linspace(-80, 80, 50), np.linspace(0, 350, 50))
    path = make_dataset(tmp_path / "u.zarr", grid=points, end="2020-01-01T06")
    with pytest.raises(OpenDatasetError, match=r"needs a structured grid.*every-nth-point"):
        open_dataset(path, thinning=4)
    ds = open_dataset(path, thinning=4, method="every-nth-point")
    np.testing.assert_array_equal(ds.latitudes, points.latitudes[::4])
    np.testing.assert_array_equal(
        ds[0], expected(ds.dates, ["2t", "msl", "t_850"], 1, 50)[0][..., ::4]
    )
    with pytest.raises(OpenDatasetError, match=r"unknown thinning method 'every_nth'.*'every-nth'"):
        open_dataset(path, thinning=2, method="every_nth")
    with pytest.raises(OpenDatasetError, match="whole number"):
        open_dataset(path, thinning=0)


def test_area_keeps_the_points_inside(store: Path, full: np.ndarray) -> None:
    ds = open_dataset(store, area=[60, -20, 30, 40])
    lat, lon = ds.latitudes, ds.longitudes
    assert lat.max() == 60 and lat.min() == 30
    assert set(np.unique(lon)) == {340, 350, 0, 10, 20, 30, 40}
    assert ds.grid["area"] == [60.0, -20.0, 30.0, 40.0] and ds.grid["number_of_points"] == 28
    parent = open_dataset(store)
    cells = [
        int(np.flatnonzero((parent.latitudes == a) & (parent.longitudes == o))[0])
        for a, o in zip(lat, lon, strict=True)
    ]
    np.testing.assert_array_equal(ds[4], full[4][..., cells])
    with pytest.raises(OpenDatasetError, match="area"):
        open_dataset(store, area=[1, 1, 0.5, 1.5])
    with pytest.raises(OpenDatasetError, match="four numbers"):
        open_dataset(store, area=[60, -20, 30])


# -- members ----------------------------------------------------------------------------------


def test_members_counted_from_zero_and_numbers_from_one(tmp_path: Path) -> None:
    path = make_dataset(tmp_path / "e.zarr", members=4, end="2020-01-01T06")
    values = expected(open_dataset(path).dates, ["2t", "msl", "t_850"], 4, 684)
    ds = open_dataset(path, members=[3, 1])
    assert ds.ensemble_size == 2 and ds.shape == (2, 3, 2, 684)
    np.testing.assert_array_equal(ds[1], values[1][:, [1, 3]])
    np.testing.assert_array_equal(open_dataset(path, number=1)[0], values[0][:, [0]])
    with pytest.raises(OpenDatasetError, match=r"number=5 is out of range.*count from 1"):
        open_dataset(path, number=5)
    with pytest.raises(OpenDatasetError, match="member=4 is out of range"):
        open_dataset(path, member=4)


# -- statistics from another dataset ----------------------------------------------------------


def test_statistics_taken_from_another_dataset_by_name(store: Path, tmp_path: Path) -> None:
    other = make_dataset(
        tmp_path / "s.zarr", variables=["z_500", "2t"], start="2020-01-05", end="2020-01-06"
    )
    theirs = open_dataset(other).statistics
    ds = open_dataset(store, select=["2t", "z_500"], statistics=other)
    np.testing.assert_array_equal(ds.statistics["mean"], theirs["mean"][[1, 0]])
    np.testing.assert_array_equal(
        ds.statistics_tendencies()["stdev"],
        open_dataset(other).statistics_tendencies()["stdev"][[1, 0]],
    )
    np.testing.assert_array_equal(ds[0], open_dataset(store, select=["2t", "z_500"])[0])
    with pytest.raises(OpenDatasetError, match="has no variable 'msl'"):
        open_dataset(store, statistics=str(other))
    renamed = open_dataset(
        store,
        select=["2t"],
        rename={"2t": "t2m"},
        statistics={"dataset": str(other), "rename": {"2t": "t2m"}},
    )
    assert renamed.statistics["mean"][0] == theirs["mean"][1]


# -- parsing and order ------------------------------------------------------------------------


def test_unknown_options_get_suggestions(store: Path) -> None:
    with pytest.raises(OpenDatasetError, match=r"unknown open_dataset option 'selct'.*'select'"):
        open_dataset(store, selct=["2t"])
    with pytest.raises(OpenDatasetError, match=r"option 'shuffle' of Anemoi.*not supported"):
        open_dataset(store, shuffle=True)
    with pytest.raises(OpenDatasetError, match="method is an option of thinning"):
        open_dataset(store, method="every-nth")
    with pytest.raises(OpenDatasetError, match="exactly one way"):
        open_dataset({"dataset": str(store), "join": [str(store)]})


def test_a_dict_as_written_in_yaml(store: Path, full: np.ndarray) -> None:
    config = {"dataset": str(store), "start": "2020-01-02", "select": ["msl"], "frequency": "12h"}
    ds = open_dataset(config)
    np.testing.assert_array_equal(ds[:], full[4::2][:, [1]])
    # the options of the call apply to what the dict opened
    outer = open_dataset(config, end="2020-01-02T12", rename={"msl": "p"})
    assert outer.variables == ["p"] and len(outer) == 2
    assert (
        open_dataset({"dataset": {"dataset": str(store), "drop": ["2t"]}}).variables
        == VARIABLES[1:]
    )


def test_options_apply_in_the_documented_order(store: Path) -> None:
    a = open_dataset(
        store, rename={"2t": "t2m"}, select=["2t", "msl"], end="2020-01-01T18", thinning=2
    )
    b = open_dataset(
        store, thinning=2, end="2020-01-01T18", select=["2t", "msl"], rename={"2t": "t2m"}
    )
    assert a.tree() == b.tree()
    views = []
    node = a.tree()
    while node["children"]:
        views.append(node["view"])
        node = node["children"][0]
    assert views == ["thinning", "rename", "select", "subset"]
    flat = [key for step in OPTION_ORDER for key in step]
    assert flat.index("fill_missing_dates") < flat.index("start") < flat.index("select")
    assert flat.index("rename") < flat.index("statistics") and flat[-2:] == [
        "skip_missing_dates",
        "expected_access",
    ]


def test_an_existing_view_can_be_opened_again(store: Path) -> None:
    base = open_dataset(store, select=["2t", "msl"])
    assert open_dataset(base) is base
    assert open_dataset(base, start="2020-01-02").variables == ["2t", "msl"]
