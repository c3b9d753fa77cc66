"""ProcessingConfig: defaults, shorthands, errors with suggestions, cross-checks by role."""

from __future__ import annotations

from typing import Any

import pytest

from fc_config import ConfigError, validate
from fc_config.model_processing import (
    FractionBounding,
    HardtanhBounding,
    ProcessingConfig,
    ReluBounding,
)

VARIABLES = ["z", "2t", "sst", "lsm", "tp", "cp"]
ROLES: dict[str, Any] = {
    "prognostic": ["z", "2t", "sst"],
    "forcing": ["lsm"],
    "diagnostic": ["tp", "cp"],
}


def test_defaults_are_mean_std_without_imputer_or_bounding() -> None:
    config = ProcessingConfig()
    assert config.normaliser.default == "mean-std"
    assert config.normaliser.method_of("anything") == "mean-std"
    assert config.imputer is None
    assert config.bounding == []


def test_full_yaml_example_validates() -> None:
    config = validate(
        ProcessingConfig,
        {
            "normaliser": {"default": "mean-std", "per_variable": {"tp": "std", "lsm": "none"}},
            "imputer": {"variables": {"sst": {"fill": "mean"}, "lsm": {"fill": 0}}},
            "bounding": [
                {"kind": "relu", "variables": ["tp", "cp"]},
                {"kind": "hardtanh", "variables": ["2t"], "min_val": 150, "max_val": 350},
                {"kind": "fraction", "variables": ["cp"], "total_variable": "tp"},
            ],
        },
    )
    assert config.normaliser.method_of("tp") == "std"
    assert config.imputer is not None
    assert config.imputer.rule_of("lsm") is not None and config.imputer.rule_of("lsm").fill == 0.0
    assert config.imputer.rule_of("z") is None
    assert [type(r) for r in config.bounding] == [ReluBounding, HardtanhBounding, FractionBounding]
    config.check_variables(VARIABLES, **ROLES)
    assert validate(ProcessingConfig, config.model_dump(mode="json")) == config


def test_a_bare_method_sets_the_default() -> None:
    assert validate(ProcessingConfig, {"normaliser": "std"}).normaliser.default == "std"


def test_imputer_default_covers_unlisted_variables() -> None:
    config = validate(ProcessingConfig, {"imputer": {"default": {"fill": "zero"}}})
    assert config.imputer is not None
    rule = config.imputer.rule_of("sst")
    assert rule is not None and rule.fill == "zero"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"normaliser": {"default": "mean_std"}}, "did you mean 'mean-std'"),
        ({"normaliser": {"per_variable": {"tp": "sdt"}}}, "did you mean 'std'"),
        ({"normalizer": {}}, "unknown key; did you mean 'normaliser'"),
        ({"bounding": [{"kind": "rellu", "variables": ["tp"]}]}, "did you mean 'relu'"),
        ({"bounding": [{"kind": "relu", "variables": []}]}, "expected at least 1 item"),
        ({"bounding": [{"kind": "relu", "variables": ["tp", "tp"]}]}, "variables repeats 'tp'"),
        (
            {"bounding": [{"kind": "hardtanh", "variables": ["x"], "min_val": 1, "max_val": 0}]},
            r"min_val \(1.0\) must be smaller than max_val \(0.0\)",
        ),
        (
            {"bounding": [{"kind": "fraction", "variables": ["tp"], "total_variable": "tp"}]},
            "'tp' cannot be a fraction of itself",
        ),
        ({"imputer": {"variables": {"sst": {"fill": "median"}}}}, "imputer.variables.sst.fill"),
        ({"imputer": {"variables": {"sst": {"fill": float("nan")}}}}, "imputer.variables.sst.fill"),
    ],
)
def test_bad_documents_are_explained(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate(ProcessingConfig, document)


def test_unknown_variables_get_a_suggestion() -> None:
    config = validate(
        ProcessingConfig,
        {
            "normaliser": {"per_variable": {"2tt": "std"}},
            "imputer": {"variables": {"ssst": {"fill": "mean"}}},
            "bounding": [{"kind": "relu", "variables": ["tpp"]}],
        },
    )
    with pytest.raises(ConfigError) as info:
        config.check_variables(VARIABLES, **ROLES)
    text = str(info.value)
    assert "3 problems in ProcessingConfig" in text
    assert "normaliser.per_variable.2tt: not a variable of the model; did you mean '2t'?" in text
    assert "imputer.variables.ssst: not a variable of the model; did you mean 'sst'?" in text
    assert (
        "bounding[0].variables[0] = 'tpp': not a variable of the model; did you mean 'tp'?" in text
    )
    assert [p.suggestion for p in info.value.problems] == ["2t", "sst", "tp"]


def test_bounding_a_forcing_is_refused() -> None:
    config = validate(ProcessingConfig, {"bounding": [{"kind": "relu", "variables": ["lsm"]}]})
    with pytest.raises(ConfigError, match="'lsm': a forcing is an input only"):
        config.check_variables(VARIABLES, **ROLES)


def test_imputing_a_diagnostic_is_refused() -> None:
    config = validate(ProcessingConfig, {"imputer": {"variables": {"tp": {"fill": 0}}}})
    with pytest.raises(
        ConfigError, match=r"imputer\.variables\.tp: a diagnostic variable is an output only"
    ):
        config.check_variables(VARIABLES, **ROLES)


def test_every_field_is_documented_in_the_json_schema() -> None:
    schema = ProcessingConfig.model_json_schema()
    assert schema["properties"]["normaliser"]["description"].startswith("Normalisation")
    for name in ("ReluBounding", "HardtanhBounding", "FractionBounding", "ImputeRule"):
        for prop in schema["$defs"][name]["properties"].values():
            assert prop.get("description")
