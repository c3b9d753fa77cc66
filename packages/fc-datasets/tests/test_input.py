"""The input tree: join, concat and pipe, templates, and every error they report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _xarray_helpers import DATES, value, write_regular
from fc_config.exceptions import ConfigError
from fc_datasets.exceptions import DatasetError, SourceError
from fc_datasets.input import ConcatNode, JoinNode, PipeNode, SourceNode, build_input
from fc_datasets.sources.base import BuildContext
from fc_utils.forcings import compute_forcings
from fc_utils.grids import grid_from_name


def build(tree: dict[str, Any], tmp_path: Path | None = None, **kwargs: Any) -> Any:
    context = BuildContext(base_dir=tmp_path or Path.cwd(), path="input")
    return build_input(tree, context, **kwargs)


def forcings(grid: str, *param: str) -> dict[str, Any]:
    return {"forcings": {"grid": grid, "param": list(param)}}


# --- join ------------------------------------------------------------------------------------


def test_join_puts_variables_side_by_side_with_a_template(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc", variables=("t2m", "msl"))
    root = build(
        {
            "join": [
                {"netcdf": {"path": "a.nc", "param": ["t2m", "msl"]}},
                {
                    "forcings": {
                        "template": "${input.join.0.netcdf}",
                        "param": ["cos_latitude", "insolation"],
                    }
                },
            ]
        },
        tmp_path,
    )
    assert isinstance(root, JoinNode)
    block = root.load(DATES[1:3])
    assert block.variables == ["t2m", "msl", "cos_latitude", "insolation"]
    np.testing.assert_allclose(
        block.data[1, 0, 0], value(block.latitudes, block.longitudes, DATES[2])
    )
    expected = compute_forcings(
        ["cos_latitude", "insolation"], DATES[1:3], block.latitudes, block.longitudes
    )
    np.testing.assert_array_equal(block.data[:, 2:, 0], expected)
    assert set(block.metadata) == set(block.variables)


def test_join_repeats_single_member_sources_for_every_member(tmp_path: Path) -> None:
    write_regular(tmp_path / "ens.nc", members=[0, 1, 2])
    root = build(
        {
            "join": [
                {"netcdf": {"path": "ens.nc"}},
                {"constants": {"template": "${input.join.0.netcdf}", "param": "cos_latitude"}},
            ]
        },
        tmp_path,
    )
    block = root.load(DATES[:1])
    assert block.data.shape[2] == 3
    np.testing.assert_array_equal(block.data[0, 1, 0], block.data[0, 1, 2])


def test_join_refuses_different_grids_naming_both_sources() -> None:
    root = build({"join": [forcings("1p0", "cos_latitude"), forcings("O96", "sin_latitude")]})
    with pytest.raises(DatasetError) as caught:
        root.load(DATES[:1])
    assert str(caught.value).startswith(
        "grids differ between sources: input.join[0].forcings has 65,160 points, "
        "input.join[1].forcings has 40,320"
    )


def test_join_refuses_same_size_grids_at_other_places(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc", step=30.0)
    grid = grid_from_name("30p0")  # the 84 points of a.nc
    np.savez(tmp_path / "shifted.npz", latitudes=grid.latitudes * 0.5, longitudes=grid.longitudes)
    root = build(
        {
            "join": [
                {"netcdf": {"path": "a.nc"}},
                {
                    "pipe": [
                        forcings("30p0", "cos_latitude"),
                        {"regrid": {"out_grid": "shifted.npz", "method": "nearest"}},
                    ]
                },
            ]
        },
        tmp_path,
    )
    with pytest.raises(DatasetError, match=r"both have 84 points but not at the same places"):
        root.load(DATES[:1])


def test_join_refuses_a_variable_from_two_sources() -> None:
    root = build(
        {"join": [forcings("O8", "cos_latitude"), forcings("O8", "sin_latitude", "cos_latitude")]}
    )
    with pytest.raises(
        DatasetError,
        match=r"'cos_latitude' comes from both input\.join\[0\]\.forcings and input\.join\[1\]\.forcings",
    ):
        root.load(DATES[:1])


# --- concat ----------------------------------------------------------------------------------


def _two_periods() -> dict[str, Any]:
    return {
        "concat": [
            {
                "dates": {"start": "2020-01-01T00", "end": "2020-01-01T06"},
                **forcings("O8", "cos_julian_day", "cos_latitude"),
            },
            {
                "dates": {"start": "2020-01-01T12", "end": "2020-01-02"},
                **forcings("O8", "cos_latitude", "cos_julian_day"),
            },
        ]
    }


def test_concat_routes_each_date_to_its_item() -> None:
    root = build(_two_periods())
    assert isinstance(root, ConcatNode)
    wanted = DATES[[3, 0, 2]]
    block = root.load(wanted)
    assert block.variables == ["cos_julian_day", "cos_latitude"]
    grid = grid_from_name("O8")
    expected = compute_forcings(block.variables, wanted, grid.latitudes, grid.longitudes)
    np.testing.assert_array_equal(block.data[:, :, 0], expected)


def test_concat_refuses_overlapping_ranges() -> None:
    tree = _two_periods()
    tree["concat"][1]["dates"]["start"] = "2020-01-01T06"
    with pytest.raises(
        DatasetError,
        match=r"input\.concat\[0\]\.forcings \(2020-01-01T00:00 to .*\) and input\.concat\[1\]\.forcings \(2020-01-01T06:00 to .*\) overlap",
    ):
        build(tree)


def test_concat_date_in_no_item_is_an_error() -> None:
    root = build(_two_periods())
    with pytest.raises(DatasetError, match=r"no item provides the date 2020-01-03T00:00"):
        root.load(np.array(["2020-01-03"], dtype="datetime64[s]"))


def test_concat_checks_the_recipe_dates_when_built() -> None:
    from fc_utils.dates import DateRange

    with pytest.raises(
        DatasetError,
        match=r"no item provides 4 of the recipe's dates, the first being 2020-01-03T00:00",
    ):
        build(_two_periods(), recipe_dates=DateRange("2020-01-01", "2020-01-03", "6h"))


def test_concat_items_must_give_the_same_variables() -> None:
    tree = _two_periods()
    tree["concat"][1]["forcings"]["param"] = ["cos_latitude", "sin_latitude"]
    with pytest.raises(
        DatasetError,
        match=r"input\.concat\[1\]\.forcings lacks cos_julian_day and adds sin_latitude",
    ):
        build(tree).load(DATES)


def test_concat_item_without_dates_is_explained() -> None:
    with pytest.raises(DatasetError, match=r"input\.concat\[0\]: a concat item needs 'dates"):
        build({"concat": [forcings("O8", "cos_latitude")]})


# --- pipe ------------------------------------------------------------------------------------


def test_pipe_applies_filters_in_order(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc", variables=("t2m",))
    root = build(
        {
            "pipe": [
                {"netcdf": {"path": "a.nc"}},
                {"rename": {"t2m": "2t"}},
                {"convert_units": {"2t": {"from": "K", "to": "degC"}}},
                {"regrid": {"out_grid": "O8", "method": "nearest"}},
            ]
        },
        tmp_path,
    )
    assert isinstance(root, PipeNode) and isinstance(root.first, SourceNode)
    block = root.load(DATES[:1])
    assert block.variables == ["2t"]
    assert block.metadata["2t"]["units"] == "degC"
    assert block.number_of_points == grid_from_name("O8").size


def test_unknown_filter_gets_a_suggestion() -> None:
    with pytest.raises(
        DatasetError,
        match=r"input\.pipe\[1\]\.renam: unknown filter 'renam'\. Did you mean 'rename'\?",
    ):
        build({"pipe": [forcings("O8", "cos_latitude"), {"renam": {"a": "b"}}]})


def test_unknown_source_gets_a_suggestion_from_every_registry() -> None:
    with pytest.raises(
        DatasetError, match=r"unknown source or operation 'netcfd'\. Did you mean 'netcdf'\?"
    ):
        build({"join": [{"netcfd": {"path": "x.nc"}}]})
    with pytest.raises(DatasetError, match=r"Did you mean 'pipe'\?"):
        build({"pip": []})


def test_filters_and_sources_in_the_wrong_place() -> None:
    with pytest.raises(
        DatasetError, match=r"'rename' is a filter; a filter follows a source in a pipe"
    ):
        build({"join": [{"rename": {"a": "b"}}]})
    with pytest.raises(
        DatasetError, match=r"'forcings' is not a filter; in a pipe only the first step"
    ):
        build({"pipe": [forcings("O8", "cos_latitude"), forcings("O8", "sin_latitude")]})


def test_bad_parameters_name_the_dotted_path() -> None:
    with pytest.raises(
        ConfigError,
        match=r"input\.join\[1\]\.netcdf: 1 problem in NetcdfSourceConfig:\n  - parm: unknown key; did you mean 'param'\?",
    ):
        build({"join": [forcings("O8", "cos_latitude"), {"netcdf": {"path": "a.nc", "parm": "t"}}]})


def test_anemoi_spellings_of_names_are_accepted(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.zarr", engine="zarr")
    root = build(
        {
            "pipe": [
                {"xarray_zarr": {"url": "a.zarr"}},
                {"convert": {"param": "t2m", "unit_in": "K", "unit_out": "degC"}},
            ]
        },
        tmp_path,
    )
    assert root.load(DATES[:1]).metadata["t2m"]["units"] == "degC"


def test_a_validated_recipe_and_its_stored_json_build_alike(tmp_path: Path) -> None:
    from fc_config.recipes.dataset import validate_recipe

    write_regular(tmp_path / "a.nc", variables=("t2m",))
    recipe = validate_recipe(
        {
            "dates": {"start": "2020-01-01T00", "end": "2020-01-01T18", "frequency": "6h"},
            "input": {
                "join": [
                    {"pipe": [{"netcdf": {"path": "a.nc"}}, {"rename": {"t2m": "2t"}}]},
                    {"forcings": {"template": "${input.join.0.pipe}", "param": ["cos_latitude"]}},
                ]
            },
        }
    )
    stored = recipe.model_dump(mode="json", by_alias=True, exclude_none=True)
    blocks = [
        build(tree, tmp_path, recipe_dates=recipe.dates).load(DATES)
        for tree in (recipe.input, stored["input"])
    ]
    assert blocks[0].variables == blocks[1].variables == ["2t", "cos_latitude"]
    np.testing.assert_array_equal(blocks[0].data, blocks[1].data)


def test_source_errors_propagate_with_their_context(tmp_path: Path) -> None:
    write_regular(tmp_path / "a.nc")
    root = build(
        {"join": [forcings("30p0", "cos_latitude"), {"netcdf": {"path": "a.nc"}}]}, tmp_path
    )
    with pytest.raises(
        SourceError,
        match=r"netcdf source at input\.join\[1\]\.netcdf: no file has variable 't2m' on 2021-01-01T00:00",
    ):
        root.load(np.array(["2021-01-01"], dtype="datetime64[s]"))


def test_nodes_are_registered_by_their_anemoi_path() -> None:
    context = BuildContext(path="input")
    build_input(
        {
            "join": [
                forcings("O8", "cos_latitude"),
                {"pipe": [forcings("O8", "sin_latitude"), {"rename": {"sin_latitude": "s"}}]},
            ]
        },
        context,
    )
    assert {
        "input.join",
        "input.join.0.forcings",
        "input.join.1.pipe",
        "input.join.1.pipe.0.forcings",
    } <= set(context.references)
