"""validate(): one readable paragraph with path, value, expectation and suggestion."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field, ValidationError

from fc_config import ConfigError, FcModel, format_validation_error, validate


class Gnn(FcModel):
    """A message-passing processor."""

    kind: Literal["gnn"] = "gnn"
    """Selects this processor."""

    num_layers: int = 16
    """Number of message-passing layers."""


class Transformer(FcModel):
    """An attention processor."""

    kind: Literal["transformer"]
    """Selects this processor."""

    heads: int = 8
    """Number of attention heads."""


class Model(FcModel):
    """A model config with a plugin choice."""

    processor: Annotated[Gnn | Transformer, Field(discriminator="kind")]
    """The processor; ``kind`` picks which."""

    activation: Literal["gelu", "silu", "relu"] = "gelu"
    """Activation function."""

    levels: list[int] = Field(default_factory=list)
    """Pressure levels."""

    dropout: float | str = 0.0
    """Dropout rate (or 'auto')."""


class Config(FcModel):
    """Top level."""

    model: Model
    """The model."""

    stages: list[Model] = Field(default_factory=list)
    """Further models, in order."""


def _error(data: object, **kwargs: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        validate(Config, data, **kwargs)
    return info.value


def test_valid_document_returns_the_model() -> None:
    config = validate(Config, {"model": {"processor": {"kind": "transformer", "heads": 4}}})
    assert isinstance(config.model.processor, Transformer)
    assert config.model.processor.heads == 4


def test_unknown_key_suggests_closest_valid_key() -> None:
    exc = _error({"model": {"processor": {"kind": "gnn", "num_layer": 3}}})
    assert "model.processor.num_layer: unknown key; did you mean 'num_layers'?" in str(exc)
    (problem,) = exc.problems
    assert problem.path == "model.processor.num_layer"
    assert problem.suggestion == "num_layers"
    assert problem.type == "extra_forbidden"


def test_unknown_key_without_close_match_lists_valid_keys() -> None:
    exc = _error({"model": {"processor": {"kind": "gnn"}, "zzzzzz": 1}})
    assert "valid keys here: processor, activation, levels, dropout" in str(exc)
    assert exc.problems[0].suggestion is None


def test_path_shows_list_index_and_bad_value() -> None:
    exc = _error({"model": {"processor": {"kind": "gnn"}, "levels": [1000, "850hPa", 500]}})
    assert "model.levels[1] = '850hPa': expected a valid integer" in str(exc)
    assert exc.problems[0].value == "'850hPa'"


def test_path_through_a_list_of_models_and_a_union_member() -> None:
    data = {
        "model": {"processor": {"kind": "gnn"}},
        "stages": [
            {"processor": {"kind": "gnn"}},
            {"processor": {"kind": "gnn", "num_layers": "x"}},
        ],
    }
    exc = _error(data)
    # pydantic's loc has the union tag ('gnn') in it; users never wrote that
    assert [p.path for p in exc.problems] == ["stages[1].processor.num_layers"]


def test_long_values_are_shortened() -> None:
    exc = _error({"model": {"processor": {"kind": "gnn"}, "levels": "x" * 500}})
    value = exc.problems[0].value
    assert value is not None and len(value) <= 80 and value.endswith("...")


def test_bad_discriminator_tag_suggests_closest_tag() -> None:
    exc = _error({"model": {"processor": {"kind": "transfomer"}}})
    (problem,) = exc.problems
    assert problem.path == "model.processor.kind"
    assert problem.value == "'transfomer'"
    assert problem.suggestion == "transformer"
    assert "expected one of 'gnn', 'transformer'; did you mean 'transformer'?" in str(exc)


def test_missing_discriminator_lists_the_choices() -> None:
    exc = _error({"model": {"processor": {"num_layers": 2}}})
    assert "model.processor: the key 'kind'" in str(exc)
    assert "'gnn', 'transformer'" in str(exc)


def test_bad_literal_suggests_closest_value() -> None:
    exc = _error({"model": {"processor": {"kind": "gnn"}, "activation": "selu"}})
    assert exc.problems[0].suggestion == "silu"
    assert "model.activation = 'selu': expected 'gelu', 'silu' or 'relu'" in str(exc)


def test_missing_key_shows_its_description() -> None:
    exc = _error({})
    assert "model: required key is missing — The model." in str(exc)
    assert exc.problems[0].value is None


def test_union_alternatives_are_reported_once() -> None:
    exc = _error({"model": {"processor": {"kind": "gnn"}, "dropout": [0.1]}})
    assert len(exc.problems) == 1
    assert "model.dropout = [0.1]: expected a valid number, or a valid string" in str(exc)


def test_every_problem_is_reported_and_source_starts_the_message() -> None:
    exc = _error(
        {"model": {"processor": {"kind": "gnn"}, "activaton": "gelu", "levels": ["a"]}},
        source="cfg.yaml",
    )
    text = str(exc)
    assert text.startswith("cfg.yaml: 2 problems in Config:")
    assert {p.path for p in exc.problems} == {"model.activaton", "model.levels[0]"}
    assert exc.exit_code == 3


def test_top_level_that_is_not_a_mapping() -> None:
    exc = _error([1, 2])
    assert "(top level) = [1, 2]: expected a valid dictionary" in str(exc)


def test_problems_are_json_ready() -> None:
    exc = _error({"model": {"processor": {"kind": "gnn", "num_layer": 3}}})
    assert exc.problems[0].to_dict() == {
        "path": "model.processor.num_layer",
        "value": None,
        "message": "unknown key",
        "suggestion": "num_layers",
        "type": "extra_forbidden",
    }


def test_format_validation_error_of_a_raw_pydantic_error() -> None:
    with pytest.raises(ValidationError) as info:
        Config.model_validate({"model": {"processor": {"kind": "gnn"}, "activation": "relux"}})
    text = format_validation_error(info.value, Config)
    assert text == (
        "1 problem in Config:\n"
        "  - model.activation = 'relux': expected 'gelu', 'silu' or 'relu'; did you mean 'relu'?"
    )
