"""The ``grib`` node's parameters: Anemoi's keys and MARS's spellings validate unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from fc_config.errors import validate
from fc_config.exceptions import ConfigError
from fc_config.recipes.grib import GribSourceConfig


def _config(**data: Any) -> GribSourceConfig:
    return validate(GribSourceConfig, {"path": "data/*.grib", **data}, source="recipe.yaml")


def test_an_anemoi_grib_node_validates() -> None:
    config = _config(param=["t", "z"], levtype="pl", levelist=[500, 850])
    assert config.path == ["data/*.grib"]
    assert config.levels == [500, 850]
    assert config.variable_naming == "{param}_{levelist}"


def test_single_values_are_lists_of_one() -> None:
    config = _config(param="2t", number=3)
    assert config.param == ["2t"] and config.number == [3]


def test_mars_list_spellings() -> None:
    config = _config(param="2t/msl", levelist="1000/850", number="1/to/9/by/4")
    assert config.param == ["2t", "msl"]
    assert config.levels == [1000, 850]
    assert config.number == [1, 5, 9]


def test_paths_keep_their_slashes() -> None:
    assert _config().path == ["data/*.grib"]


def test_param_ids_are_numbers() -> None:
    assert _config(param=["167", 151, "msl"]).param == [167, 151, "msl"]


@pytest.mark.parametrize(
    ("written", "stored"), [(0, 0), (6, 600), ("12", 1200), ("0600", 600), ("18:00", 1800)]
)
def test_time_is_stored_as_hhmm(written: Any, stored: int) -> None:
    assert _config(time=written).time == [stored]


def test_class_is_read_from_its_mars_name() -> None:
    config = _config(**{"class": "ea", "stream": "oper", "type": "an", "expver": "0001"})
    assert config.class_ == ["ea"] and config.expver == ["0001"]
    assert "class" in GribSourceConfig.model_json_schema()["properties"]


@pytest.mark.parametrize(
    ("naming", "template"),
    [("param", "{param}"), ("default", "{param}_{levelist}"), ("{param}{level}", "{param}{level}")],
)
def test_anemoi_naming_names(naming: str, template: str) -> None:
    assert _config(variable_naming=naming).variable_naming == template


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"levtype": "pll"}, "did you mean 'pl'"),
        ({"levtype": "sfc", "level": 500}, "levtype 'sfc' has no levels"),
        ({"number": "5/to/1"}, "count upwards"),
        ({"time": "25"}, "not a time of day"),
        ({"param": []}, "at least one"),
        ({"flavour": "x"}, "rename"),
        ({"date": "2020-01-01"}, "strftime"),
        ({"variable_naming": "fixed"}, "no placeholder"),
    ],
)
def test_bad_values_are_explained(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _config(**data)
