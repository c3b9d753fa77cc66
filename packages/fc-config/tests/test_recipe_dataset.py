"""The dataset recipe: Anemoi recipes validate unchanged; mistakes are named and explained."""

from __future__ import annotations

import copy
import json
import textwrap
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, Field, RootModel

from fc_config import ConfigError, FcModel, get_schema, json_schema, validate
from fc_config.recipes import inputs
from fc_config.recipes.dataset import DatasetRecipe, load_recipe, validate_recipe
from fc_config.recipes.dates import RecipeDates, default_statistics_period
from fc_config.recipes.inputs import iter_nodes, node_entry

ANEMOI_RECIPE = """\
common:
  era5: &era5 data/era5-*.grib
  levels: &levels [500, 850]
name: era5-o96-test
description: A small ERA5-like test dataset.
licence: CC-BY-4.0
attribution: ECMWF
dates:
  start: 2020-01-01 00:00:00
  end: 2020-12-31 18:00:00
  frequency: 6h
  group_by: monthly
input:
  join:
    - grib:
        path: *era5
        param: [2t, msl, 10u, 10v]
    - grib:
        path: *era5
        param: [t, z]
        levelist: *levels
    - forcings:
        template: ${input.join.0.grib}
        param: [cos_latitude, sin_latitude, cos_julian_day, insolation]
    - constants:
        template: ${input.join.0.grib}
        param: [cos_longitude]
    - pipe:
        - netcdf:
            path: sst.nc
            param: [sst]
        - rename:
            param: {sst: sea_surface_temperature}
    - concat:
        - dates: {start: 2020-01-01, end: 2020-06-30}
          xarray_zarr: {url: first-half.zarr}
        - dates: {start: 2020-07-01, end: 2020-12-31}
          xarray-zarr: {url: second-half.zarr}
output:
  chunking: {dates: 1, ensembles: 1}
  dtype: float32
  flatten_grid: true
  order_by: [{valid_datetime: ascending}, {param_level: ascending}, {number: ascending}]
  remapping: {param_level: "{param}_{levelist}"}
  statistics: param_level
  ensemble_dimension: 2
statistics:
  allow_nans: [sea_surface_temperature]
build:
  use_grib_paramid: false
  additions: {delta: [6h, 12h]}
"""


class _SmallGrib(FcModel):
    """A stand-in for the grib source's parameters."""

    path: str
    """The files."""

    param: list[str] = Field(default_factory=list)
    """The parameters."""

    levelist: list[int | str] = Field(default_factory=list)
    """The levels."""


class _Conversion(FcModel):
    """A stand-in for one unit conversion."""

    to: str
    """Units wanted."""


class _SmallConvert(RootModel[dict[str, _Conversion]]):
    """A stand-in for the convert_units filter's parameters: conversions by variable."""


@pytest.fixture
def small_grib(monkeypatch: pytest.MonkeyPatch) -> type[BaseModel]:
    """Make ``grib`` validate its parameters with :class:`_SmallGrib`, whatever exists."""
    real = inputs.load_params_model

    def fake(name: str) -> type[BaseModel] | None:
        return {"grib": _SmallGrib, "convert_units": _SmallConvert}.get(name) or real(name)

    monkeypatch.setattr(inputs, "load_params_model", fake)
    return _SmallGrib


@pytest.fixture
def no_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every plugin's parameters as a plain mapping, for tests of the tree's structure."""
    monkeypatch.setattr(inputs, "load_params_model", lambda name: None)


def _recipe(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ANEMOI_RECIPE)
    data.update(changes)
    return data


def _minimal(input_tree: dict[str, Any], **dates: Any) -> dict[str, Any]:
    return {
        "dates": {"start": "2020-01-01", "end": "2020-01-10", "frequency": "6h", **dates},
        "input": input_tree,
    }


def _problems(data: dict[str, Any], **kwargs: Any) -> list[tuple[str, str | None, str]]:
    with pytest.raises(ConfigError) as info:
        validate_recipe(data, **kwargs)
    return [(p.path, p.suggestion, p.message) for p in info.value.problems]


def _one_problem(data: dict[str, Any], **kwargs: Any) -> tuple[str, str | None, str]:
    problems = _problems(data, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


# --- a full Anemoi recipe ---------------------------------------------------------------------


def test_anemoi_recipe_validates_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(ANEMOI_RECIPE)
    recipe = load_recipe(path)

    assert recipe.licence == "CC-BY-4.0"
    assert recipe.dates.start == datetime(2020, 1, 1)
    assert recipe.dates.end == datetime(2020, 12, 31, 18)
    assert recipe.dates.frequency == "6h"
    # Anemoi's older placements move to fc's
    assert recipe.build.group_by == "monthly"
    assert recipe.statistics.tendencies == ["6h", "12h"]
    assert recipe.build.variable_naming == "{param}_{levelist}"
    assert recipe.statistics.allow_nans == ["sea_surface_temperature"]

    nodes = [(n.kind, n.name, n.path) for n in iter_nodes(recipe.input)]
    assert nodes == [
        ("join", "join", "input.join"),
        ("source", "grib", "input.join[0].grib"),
        ("source", "grib", "input.join[1].grib"),
        ("source", "forcings", "input.join[2].forcings"),
        ("source", "constants", "input.join[3].constants"),
        ("pipe", "pipe", "input.join[4].pipe"),
        ("source", "netcdf", "input.join[4].pipe[0].netcdf"),
        ("filter", "rename", "input.join[4].pipe[1].rename"),
        ("concat", "concat", "input.join[5].concat"),
        ("source", "xarray-zarr", "input.join[5].concat[0].xarray-zarr"),
        ("source", "xarray-zarr", "input.join[5].concat[1].xarray-zarr"),
    ]


def test_concat_items_are_snapped_to_the_dataset_dates() -> None:
    recipe = validate_recipe(_recipe())
    halves = [n.dates for n in iter_nodes(recipe.input) if n.name == "xarray-zarr"]
    assert [(d.start, d.end, d.frequency) for d in halves if d is not None] == [
        (datetime(2020, 1, 1), datetime(2020, 6, 30, 18), "6h"),
        (datetime(2020, 7, 1), datetime(2020, 12, 31, 18), "6h"),
    ]


def test_builtin_params_are_validated_with_their_model(small_grib: type[BaseModel]) -> None:
    recipe = validate_recipe(_recipe())
    grib = [n.value for n in iter_nodes(recipe.input) if n.name == "grib"]
    assert all(isinstance(params, small_grib) for params in grib)
    assert grib[0].param == ["2t", "msl", "10u", "10v"]


def test_builtin_models_that_exist_validate_the_params() -> None:
    model = pytest.importorskip("fc_config.recipes.grib").GribSourceConfig
    recipe = validate_recipe(_recipe())
    first = node_entry(recipe.input["join"][0])
    assert first[0] == "grib" and isinstance(first[1], model)


def test_references_point_at_canonical_node_paths() -> None:
    recipe = validate_recipe(_recipe())
    forcings = next(n for n in iter_nodes(recipe.input) if n.name == "forcings")
    template = (
        forcings.value["template"] if isinstance(forcings.value, dict) else forcings.value.template
    )
    assert template == "${input.join.0.grib}"
    assert next(n for n in iter_nodes(recipe.input) if n.name == "grib").reference == (
        "input.join.0.grib"
    )


def test_anemoi_spellings_of_names_map_to_fc_names(no_models: None) -> None:
    tree = {
        "pipe": [
            {"xarray_zarr": {"url": "a.zarr"}},
            {"convert": {"2t": {"from": "K", "to": "degC"}}},
            {"forcings": {"template": "${input.pipe.0.xarray_zarr}", "param": ["cos_latitude"]}},
        ]
    }
    problems = _problems(_minimal(tree))
    # a source cannot follow the first step of a pipe, whatever its spelling
    assert problems[0][0] == "input.pipe[2].forcings"
    del tree["pipe"][2]
    recipe = validate_recipe(_minimal(tree))
    assert [n.name for n in iter_nodes(recipe.input)] == ["pipe", "xarray-zarr", "convert_units"]


def test_a_reference_with_anemoi_spelling_is_rewritten(no_models: None) -> None:
    tree = {
        "join": [
            {"xarray_zarr": {"url": "a.zarr"}},
            {"forcings": {"template": "${input.join.0.xarray_zarr}", "param": ["cos_latitude"]}},
        ]
    }
    recipe = validate_recipe(_minimal(tree))
    params = recipe.input["join"][1]["forcings"]
    assert params["template"] == "${input.join.0.xarray-zarr}"


def test_yaml_anchors_are_expanded(tmp_path: Path) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(ANEMOI_RECIPE)
    recipe = load_recipe(path)
    second = recipe.input["join"][1]["grib"]
    levels = second["levelist"] if isinstance(second, dict) else second.levelist
    assert list(levels) == [500, 850]
    assert recipe.common == {"era5": "data/era5-*.grib", "levels": [500, 850]}


def test_yaml_merge_keys_are_expanded(tmp_path: Path) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            common:
              mars: &common {path: data.grib}
            dates: {start: 2020-01-01, end: 2020-01-02, frequency: 6h}
            input:
              grib:
                <<: *common
                param: [2t]
            """
        )
    )
    assert load_recipe(path).input["grib"]


def test_round_trip_through_the_stored_document() -> None:
    recipe = validate_recipe(_recipe())
    document = recipe.to_document()
    assert json.loads(json.dumps(document)) == document
    again = validate_recipe(document)
    assert again == recipe
    assert again.to_document() == document


def test_validate_without_context_knows_the_builtin_names() -> None:
    recipe = validate(DatasetRecipe, _recipe())
    assert recipe.input["join"][0].keys() == {"grib"}
    assert get_schema("dataset-recipe") is DatasetRecipe


# --- errors: dotted paths and suggestions -----------------------------------------------------


def test_misspelled_source_suggests_the_builtin_name() -> None:
    data = _recipe()
    data["input"]["join"][1] = {"gribb": data["input"]["join"][1]["grib"]}
    path, suggestion, message = _one_problem(data)
    assert (path, suggestion) == ("input.join[1].gribb", "grib")
    assert "unknown source" in message


def test_misspelled_filter_suggests_the_builtin_name() -> None:
    data = _recipe()
    data["input"]["join"][4]["pipe"][1] = {"renam": {"param": {"a": "b"}}}
    path, suggestion, _ = _one_problem(data)
    assert (path, suggestion) == ("input.join[4].pipe[1].renam", "rename")


def test_misspelled_dates_key_suggests_the_key() -> None:
    data = _recipe()
    data["dates"]["frequncy"] = data["dates"].pop("frequency")
    assert _one_problem(data)[:2] == ("dates.frequncy", "frequency")


def test_param_errors_carry_the_full_dotted_path(small_grib: type[BaseModel]) -> None:
    data = _recipe()
    data["input"]["join"][1]["grib"]["parm"] = data["input"]["join"][1]["grib"].pop("param")
    del data["input"]["join"][1]["grib"]["levelist"]
    data["input"]["join"][0]["grib"].pop("path")
    problems = _problems(data)
    assert ("input.join[1].grib.parm", "param") in [p[:2] for p in problems]
    missing = [p for p in problems if p[0] == "input.join[0].grib.path"]
    assert missing and "required key is missing — The files" in missing[0][2]


def test_param_errors_name_the_path_users_wrote(small_grib: type[BaseModel]) -> None:
    data = _recipe()
    data["input"]["join"][1]["grib"]["levelist"] = [{"x": 1}]
    data["input"]["join"][4]["pipe"][1] = {"convert_units": {"2t": {"too": "degC"}}}
    problems = _problems(data)
    # no union member names (levelist[0].int) and one problem per place
    assert [p[:2] for p in problems] == [
        ("input.join[1].grib.levelist[0]", None),
        ("input.join[4].pipe[1].convert_units.2t.to", None),
        ("input.join[4].pipe[1].convert_units.2t.too", "to"),
    ]
    assert problems[1][2] == "required key is missing — Units wanted"


def test_a_node_needs_exactly_one_key() -> None:
    data = _recipe()
    data["input"]["join"].append({"grib": {"path": "a"}, "netcdf": {"path": "b"}})
    data["input"]["join"].append({})
    problems = _problems(data)
    assert [p[0] for p in problems] == ["input.join[6]", "input.join[7]"]
    assert "found 2: 'grib', 'netcdf'" in problems[0][2]
    assert "found none" in problems[1][2]


def test_empty_join_is_an_error(no_models: None) -> None:
    path, _, message = _one_problem(_minimal({"join": []}))
    assert path == "input.join"
    assert "at least one node" in message


def test_concat_item_without_dates_is_an_error(no_models: None) -> None:
    tree = {"concat": [{"xarray-zarr": {"url": "a.zarr"}}]}
    problems = _problems(_minimal(tree))
    assert problems[0][0] == "input.concat[0]"
    assert "needs dates" in problems[0][2]


def test_overlapping_concat_ranges_are_an_error() -> None:
    data = _recipe()
    data["input"]["join"][5]["concat"][1]["dates"]["start"] = "2020-06-30T12:00"
    path, _, message = _one_problem(data)
    assert path == "input.join[5].concat[1].dates"
    assert "overlap those of input.join[5].concat[0] from 2020-06-30T12:00:00" in message


def test_dates_that_no_concat_item_provides_are_an_error() -> None:
    data = _recipe()
    data["input"]["join"][5]["concat"][1]["dates"]["start"] = "2020-07-02"
    path, _, message = _one_problem(data)
    assert path == "input.join[5].concat"
    assert "from 2020-07-01T00:00:00 to 2020-07-01T18:00:00 (4 dates)" in message


def test_missing_dates_need_no_concat_item(no_models: None) -> None:
    tree = {
        "concat": [
            {"dates": {"start": "2020-01-01", "end": "2020-01-04"}, "xarray-zarr": {"url": "a"}},
            {"dates": {"start": "2020-01-06", "end": "2020-01-10"}, "xarray-zarr": {"url": "b"}},
        ]
    }
    assert "no item provides" in _one_problem(_minimal(tree))[2]
    missing = [{"start": "2020-01-05", "end": "2020-01-05"}]
    assert validate_recipe(_minimal(tree, missing=missing)).dates.missing[-1] == datetime(
        2020, 1, 5, 18
    )


def test_concat_item_frequency_must_cover_every_dataset_date(no_models: None) -> None:
    tree = {
        "concat": [
            {"dates": {"start": 2020, "end": 2020, "frequency": "12h"}, "xarray-zarr": {"url": "a"}}
        ]
    }
    path, _, message = _one_problem(_minimal(tree))
    assert path == "input.concat[0].dates.frequency"
    assert "would have no data" in message
    tree["concat"][0]["dates"]["frequency"] = "PT3H"
    validate_recipe(_minimal(tree))


def test_nested_concat_is_checked_within_its_item(no_models: None) -> None:
    inner = {
        "concat": [
            {"dates": {"start": "2020-01-01", "end": "2020-01-02"}, "xarray-zarr": {"url": "a"}},
        ]
    }
    tree = {"concat": [{"dates": {"start": "2020-01-01", "end": "2020-01-10"}, **inner}]}
    path, _, message = _one_problem(_minimal(tree))
    assert path == "input.concat[0].concat"
    assert "from 2020-01-03T00:00:00 to 2020-01-10T18:00:00" in message


def test_reference_to_no_node_suggests_the_closest_path() -> None:
    data = _recipe()
    data["input"]["join"][2]["forcings"]["template"] = "${input.join.0.gribb}"
    path, suggestion, _ = _one_problem(data)
    assert (path, suggestion) == ("input.join[2].forcings.template", "input.join.0.grib")


def test_reference_to_a_later_node_is_an_error() -> None:
    data = _recipe()
    data["input"]["join"][2]["forcings"]["template"] = "${input.join.3.constants}"
    path, _, message = _one_problem(data)
    assert path == "input.join[2].forcings.template"
    assert "comes before it" in message


def test_filters_and_sources_must_be_in_their_place(no_models: None) -> None:
    data = _minimal({"join": [{"rename": {"param": {"a": "b"}}}]})
    path, _, message = _one_problem(data)
    assert path == "input.join[0].rename"
    assert "is a filter" in message


def test_plugins_of_other_packages_are_known_by_name() -> None:
    tree = {"pipe": [{"mars": {"param": ["2t"]}}, {"smooth": {"sigma": 2}}]}
    problems = _problems(_minimal(tree))
    assert [p[0] for p in problems] == ["input.pipe[0].mars", "input.pipe[1].smooth"]
    recipe = validate_recipe(
        _minimal(tree), extra_source_names=["mars"], extra_filter_names=["smooth"]
    )
    assert recipe.input["pipe"][0] == {"mars": {"param": ["2t"]}}
    assert _one_problem(_minimal({"marz": {}}), extra_source_names=["mars"])[1] == "mars"


def test_error_message_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(ANEMOI_RECIPE.replace("grib:", "gribb:", 1))
    with pytest.raises(ConfigError, match=r"recipe\.yaml: 1 problem in DatasetRecipe:\n"):
        load_recipe(path)


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "frequency", "expected_end"),
    [
        (2020, 2020, "6h", datetime(2020, 12, 31, 18)),
        ("2020-03", "2020-03", 24, datetime(2020, 3, 31)),
        (date(2020, 1, 1), date(2020, 1, 2), "PT6H", datetime(2020, 1, 2, 18)),
        (datetime(2020, 1, 1), "2020-01-02T06:00", "6H", datetime(2020, 1, 2, 6)),
        ("20200101", 20200102, "1d", datetime(2020, 1, 2)),
    ],
)
def test_loose_dates_and_frequency_spellings(
    start: Any, end: Any, frequency: Any, expected_end: datetime
) -> None:
    dates = validate(RecipeDates, {"start": start, "end": end, "frequency": frequency})
    assert dates.end == expected_end
    assert dates.frequency in ("6h", "1d")


def test_precise_end_off_the_grid_is_an_error(no_models: None) -> None:
    with pytest.raises(ConfigError, match=r"dates\.end: the end 2020-01-02T03:00:00 is off the 6h"):
        validate_recipe(_minimal({"grib": {"path": "a"}}, end="2020-01-02T03:00"))


def test_missing_dates_are_expanded_and_checked() -> None:
    dates = validate(
        RecipeDates,
        {
            "start": 2020,
            "end": 2020,
            "frequency": "6h",
            "missing": ["2020-03-01T06:00", {"start": "2020-04-01", "end": "2020-04-01T12:00"}],
        },
    )
    assert dates.missing == [
        datetime(2020, 3, 1, 6),
        datetime(2020, 4, 1),
        datetime(2020, 4, 1, 6),
        datetime(2020, 4, 1, 12),
    ]
    with pytest.raises(
        ConfigError, match=r"missing\[0\]: the missing date 2020-01-01T03:00:00 is off"
    ):
        validate(
            RecipeDates,
            {"start": 2020, "end": 2020, "frequency": "6h", "missing": ["2020-01-01T03"]},
        )


def test_anemoi_date_lists_are_refused_clearly() -> None:
    with pytest.raises(
        ConfigError, match=r"dates\.values: not supported by fc: fc datasets have regular"
    ):
        validate_recipe(
            {"dates": {"start": 2020, "end": 2020, "values": [2020]}, "input": {"grib": {}}}
        )


# --- statistics ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected_end"),
    [
        # fewer than 10 dates: 80 % of them
        (datetime(2020, 1, 1), datetime(2020, 1, 2, 6), datetime(2020, 1, 1, 18)),
        # under 10 years: 80 % of the dates
        (datetime(2020, 1, 1), datetime(2020, 1, 10, 18), datetime(2020, 1, 8, 18)),
        # 10 to 19 years: leave out the last year
        (datetime(2010, 1, 1), datetime(2022, 12, 31, 18), datetime(2021, 12, 31, 18)),
        # 20 years or more: leave out the last three years
        (datetime(1979, 1, 1), datetime(2022, 12, 31, 18), datetime(2019, 12, 31, 18)),
    ],
)
def test_default_statistics_period(start: datetime, end: datetime, expected_end: datetime) -> None:
    assert default_statistics_period(start, end, "6h") == (start, expected_end)


def test_recipe_statistics_period_default_and_explicit(no_models: None) -> None:
    data = _minimal({"grib": {"path": "a"}}, start=2000, end=2022)
    assert validate_recipe(data).statistics_period() == (
        datetime(2000, 1, 1),
        datetime(2019, 12, 31, 18),
    )
    data["statistics"] = {"end": 2015, "start": "2000-01-01T03:00"}
    assert validate_recipe(data).statistics_period() == (
        datetime(2000, 1, 1, 6),
        datetime(2015, 12, 31, 18),
    )
    data["statistics"] = {"start": 2030}
    assert _one_problem(data)[0] == "statistics.start"


def test_tendencies_true_means_anemoi_defaults_that_fit_the_frequency(no_models: None) -> None:
    data = _minimal({"grib": {"path": "a"}}, start=2020, end=2020)
    data["statistics"] = {"tendencies": True}
    assert validate_recipe(data).statistics.tendencies == ["6h", "12h", "1d"]
    data["statistics"] = {"tendencies": ["6h", "5h"]}
    assert "multiple of the dataset's frequency (6h)" in _one_problem(data)[2]


# --- Anemoi's other keys ----------------------------------------------------------------------


def test_legacy_keys_that_disagree_with_fc_keys_are_an_error() -> None:
    data = _recipe()
    data["build"]["group_by"] = "weekly"
    data["statistics"]["tendencies"] = ["1d"]
    problems = _problems(data)
    assert [p[0] for p in problems] == ["dates.group_by", "build.additions"]
    assert "keep only build.group_by" in problems[0][2]


def test_legacy_keys_move_to_their_fc_place() -> None:
    data = _recipe(env={"ECCODES_DEFINITION_PATH": "/defs"}, license="CC-BY-4.0")
    del data["licence"]
    data["build"]["allow_nans"] = True
    del data["statistics"]
    data["output"]["statistics_end"] = 2020
    recipe = validate_recipe(data)
    assert recipe.build.env == {"ECCODES_DEFINITION_PATH": "/defs"}
    assert recipe.statistics.allow_nans is True
    assert recipe.statistics.end == datetime(2020, 12, 31, 18)
    assert recipe.licence == "CC-BY-4.0"
    assert recipe.env is None and recipe.build.additions is None


def test_output_values_fc_does_not_support_are_refused() -> None:
    data = _recipe()
    data["output"].update(flatten_grid=False, format="zarr2", ensemble_dimension=1)
    data["output"]["chunking"]["values"] = 4
    paths = [p[0] for p in _problems(data)]
    assert paths == [
        "output.chunking.values",
        "output.flatten_grid",
        "output.ensemble_dimension",
        "output.format",
    ]


def test_compression_and_dtype() -> None:
    data = _recipe()
    data["output"].update(compression="zstd", dtype="float64")
    assert validate_recipe(data).output.compression == "zstd"
    data["output"]["compression"] = "zst"
    assert _one_problem(data)[:2] == ("output.compression", "zstd")


def test_unsupported_top_level_keys_are_explained() -> None:
    data = _recipe(data_sources={"era5": {"grib": {"path": "a"}}})
    path, _, message = _one_problem(data)
    assert path == "data_sources"
    assert message.startswith("not supported by fc: put each source into input")


def test_variable_naming_shortcuts() -> None:
    data = _recipe()
    data["build"]["variable_naming"] = "param"
    data["output"].pop("remapping")
    assert validate_recipe(data).build.variable_naming == "{param}"
    data["build"]["variable_naming"] = "{levelist}"
    assert _one_problem(data)[0] == "build.variable_naming"


# --- JSON Schema ------------------------------------------------------------------------------


def test_json_schema_describes_the_recursive_input_tree(small_grib: type[BaseModel]) -> None:
    schema = json_schema("dataset-recipe")
    assert json.loads(json.dumps(schema)) == schema
    defs = schema["$defs"]
    assert schema["properties"]["input"]["$ref"] == "#/$defs/InputNode"
    node = defs["InputNode"]
    assert node["minProperties"] == node["maxProperties"] == 1
    assert node["properties"]["join"]["items"] == {"$ref": "#/$defs/InputNode"}
    assert node["properties"]["concat"]["items"] == {"$ref": "#/$defs/ConcatItem"}
    pipe = node["properties"]["pipe"]
    assert pipe["prefixItems"] == [{"$ref": "#/$defs/InputNode"}]
    assert pipe["items"] == {"$ref": "#/$defs/FilterNode"}
    assert defs["ConcatItem"]["required"] == ["dates"]
    assert defs["ConcatItem"]["maxProperties"] == 2
    # a built-in plugin's parameters follow its model
    assert node["properties"]["grib"]["anyOf"][0] == {"$ref": "#/$defs/_SmallGrib"}
    assert defs["_SmallGrib"]["required"] == ["path"]
    # any other key is a plugin of another package
    assert node["additionalProperties"]["type"] == ["object", "null"]


def test_json_schema_accepts_every_date_spelling() -> None:
    start = json_schema("dataset-recipe")["$defs"]["RecipeDates"]["properties"]["start"]
    assert {option["type"] for option in start["anyOf"]} == {"string", "integer"}


def test_recipe_example_in_the_docs_validates() -> None:
    doc = Path(__file__).parents[3] / "docs" / "datasets" / "recipes.md"
    if not doc.exists():
        pytest.skip("docs/datasets/recipes.md is not in this checkout")
    text = doc.read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    recipe = validate_recipe(yaml.safe_load(block), extra_source_names=["mars"])
    assert recipe.dates.frequency == "6h"


def test_validation_leaves_the_data_unchanged() -> None:
    data = _recipe()
    before = copy.deepcopy(data)
    validate_recipe(data)
    assert data == before


def test_unknown_key_message_names_the_key_once(small_grib: type[BaseModel]) -> None:
    data = _recipe()
    data["input"]["join"][1]["grib"]["parm"] = data["input"]["join"][1]["grib"].pop("param")
    with pytest.raises(ConfigError) as caught:
        validate_recipe(data)
    text = str(caught.value)
    assert "input.join[1].grib.parm: unknown key; did you mean 'param'?" in text
    assert "= 'parm'" not in text
