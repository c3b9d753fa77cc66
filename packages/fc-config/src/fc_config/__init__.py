"""fc-config: the pydantic schemas of every fc config and of every artifact's metadata.

``import fc_config`` is cheap: the exceptions and suggestion helpers load at once, the schemas
(and pydantic) on first use, so that every fc command-line tool answers ``--help`` quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fc_config.exceptions import ConfigError, ConfigProblem, FcError, FormatVersionError
from fc_config.suggest import closest_match, did_you_mean

if TYPE_CHECKING:
    from fc_config.base import FcModel
    from fc_config.common import (
        GitInfo,
        GridDescription,
        InputFile,
        Provenance,
        Statistics,
        VariableMetadata,
    )
    from fc_config.errors import format_validation_error, load_config, load_yaml_or_json, validate
    from fc_config.metadata import (
        ArtifactMetadata,
        CheckpointMetadata,
        CheckpointReference,
        DatasetMetadata,
        EdgeSetInfo,
        ForecastMetadata,
        GraphMetadata,
        NodeSetInfo,
    )
    from fc_config.schemas import export_json_schemas, get_schema, json_schema, schema_names
    from fc_config.versioning import (
        CHECKPOINT_FORMAT_VERSION,
        DATASET_FORMAT_VERSION,
        FORECAST_FORMAT_VERSION,
        GRAPH_FORMAT_VERSION,
        check_format_version,
    )

__version__ = "0.1.0"

# public name -> module that defines it, imported on first access (PEP 562)
_LAZY = {
    "FcModel": "fc_config.base",
    "GitInfo": "fc_config.common",
    "GridDescription": "fc_config.common",
    "InputFile": "fc_config.common",
    "Provenance": "fc_config.common",
    "Statistics": "fc_config.common",
    "VariableMetadata": "fc_config.common",
    "format_validation_error": "fc_config.errors",
    "load_config": "fc_config.errors",
    "load_yaml_or_json": "fc_config.errors",
    "validate": "fc_config.errors",
    "ArtifactMetadata": "fc_config.metadata",
    "CheckpointMetadata": "fc_config.metadata",
    "CheckpointReference": "fc_config.metadata",
    "DatasetMetadata": "fc_config.metadata",
    "EdgeSetInfo": "fc_config.metadata",
    "ForecastMetadata": "fc_config.metadata",
    "GraphMetadata": "fc_config.metadata",
    "NodeSetInfo": "fc_config.metadata",
    "export_json_schemas": "fc_config.schemas",
    "get_schema": "fc_config.schemas",
    "json_schema": "fc_config.schemas",
    "schema_names": "fc_config.schemas",
    "CHECKPOINT_FORMAT_VERSION": "fc_config.versioning",
    "DATASET_FORMAT_VERSION": "fc_config.versioning",
    "FORECAST_FORMAT_VERSION": "fc_config.versioning",
    "GRAPH_FORMAT_VERSION": "fc_config.versioning",
    "check_format_version": "fc_config.versioning",
}

__all__ = [
    "CHECKPOINT_FORMAT_VERSION",
    "DATASET_FORMAT_VERSION",
    "FORECAST_FORMAT_VERSION",
    "GRAPH_FORMAT_VERSION",
    "ArtifactMetadata",
    "CheckpointMetadata",
    "CheckpointReference",
    "ConfigError",
    "ConfigProblem",
    "DatasetMetadata",
    "EdgeSetInfo",
    "FcError",
    "FcModel",
    "ForecastMetadata",
    "FormatVersionError",
    "GitInfo",
    "GraphMetadata",
    "GridDescription",
    "InputFile",
    "NodeSetInfo",
    "Provenance",
    "Statistics",
    "VariableMetadata",
    "__version__",
    "check_format_version",
    "closest_match",
    "did_you_mean",
    "export_json_schemas",
    "format_validation_error",
    "get_schema",
    "json_schema",
    "load_config",
    "load_yaml_or_json",
    "schema_names",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fc_config' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
