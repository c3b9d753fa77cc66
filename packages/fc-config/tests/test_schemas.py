"""The schema registry and JSON Schema export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fc_config import (
    ConfigError,
    FcModel,
    export_json_schemas,
    get_schema,
    json_schema,
    schema_names,
)

from .conftest import DOCUMENTS


def test_registry_holds_the_metadata_schemas() -> None:
    assert {
        "dataset-metadata",
        "graph-metadata",
        "checkpoint-metadata",
        "forecast-metadata",
    } <= set(schema_names())
    assert schema_names() == sorted(schema_names())


def test_unknown_schema_name_suggests_the_closest() -> None:
    with pytest.raises(
        ConfigError, match=r"no schema named 'dataset-metadta'\. Did you mean 'dataset-metadata'"
    ):
        get_schema("dataset-metadta")


def _property_schemas(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every (object title, property) pair of the top level and of every $defs entry."""
    found = []
    for obj in [schema, *schema.get("$defs", {}).values()]:
        for name, prop in obj.get("properties", {}).items():
            found.append((f"{obj.get('title')}.{name}", prop))
    return found


@pytest.mark.parametrize("name", schema_names())
def test_every_registered_schema_exports_json_schema(name: str) -> None:
    schema = json_schema(name)
    assert json.loads(json.dumps(schema)) == schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:fc:schema:{name}"
    assert schema["title"] == get_schema(name).__name__
    assert schema["type"] == "object"
    assert schema["properties"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("name", schema_names())
def test_every_field_of_every_schema_is_documented(name: str) -> None:
    undocumented = [
        where for where, prop in _property_schemas(json_schema(name)) if not prop.get("description")
    ]
    assert undocumented == []


@pytest.mark.parametrize("name", schema_names())
def test_every_schema_is_an_fc_model(name: str) -> None:
    assert issubclass(get_schema(name), FcModel)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_json_schema_requires_the_keys_the_model_requires(name: str) -> None:
    schema = json_schema(name)
    document = DOCUMENTS[name]
    # a cheap check of the exported schema against a valid document (no jsonschema dependency)
    assert set(schema["required"]) <= set(document)
    assert set(document) <= set(schema["properties"])


def test_export_writes_one_file_per_schema(tmp_path: Path) -> None:
    paths = export_json_schemas(tmp_path / "schemas")
    assert [p.name for p in paths] == [f"{n}.schema.json" for n in schema_names()]
    assert json.loads(paths[0].read_text())["$id"] == f"urn:fc:schema:{schema_names()[0]}"
