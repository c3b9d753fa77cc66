"""Artifact metadata: round trips, cross-field checks, format versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from fc_config import (
    DATASET_FORMAT_VERSION,
    CheckpointMetadata,
    ConfigError,
    DatasetMetadata,
    ForecastMetadata,
    FormatVersionError,
    GraphMetadata,
    check_format_version,
    get_schema,
    validate,
)

from .conftest import DOCUMENTS


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_metadata_round_trips_through_json(name: str) -> None:
    model = get_schema(name)
    first = validate(model, DOCUMENTS[name])
    again = model.model_validate_json(first.model_dump_json())
    assert again == first
    assert validate(model, first.model_dump(mode="json")) == first


def test_dataset_dates_are_naive_utc(dataset_doc: dict[str, Any]) -> None:
    dataset_doc["start_date"] = "2020-01-01T01:00:00+01:00"
    metadata = validate(DatasetMetadata, dataset_doc)
    assert metadata.start_date == datetime(2020, 1, 1)
    assert metadata.number_of_dates == 31 * 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end_date": "2019-12-31T00:00:00"}, "end_date 2019-12-31 00:00:00 is before start_date"),
        ({"end_date": "2020-01-31T19:00:00"}, "is not start_date .* plus a whole number of 6h"),
        ({"missing_dates": ["2020-02-10T00:00:00"]}, "missing date 2020-02-10 00:00:00 is not one"),
        (
            {"missing_dates": ["2020-01-10T03:00:00"]},
            "missing date .* is not one of the dataset's dates",
        ),
        ({"variables": ["2t", "t_850", "tp", "2t"]}, "variables repeats '2t'"),
        ({"statistics_end_date": None}, "give both statistics_start_date and statistics_end_date"),
        ({"statistics_end_date": "2021-01-01T00:00:00"}, "not within the dataset's dates"),
        ({"tendency_statistics": ["6h", "9h"]}, "'9h' is not a multiple of the frequency '6h'"),
        ({"frequency": "0h"}, "expected a positive duration"),
    ],
)
def test_dataset_cross_field_checks(
    dataset_doc: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    dataset_doc.update(change)
    with pytest.raises(ConfigError, match=message):
        validate(DatasetMetadata, dataset_doc)


def test_dataset_variables_metadata_must_match_variables(dataset_doc: dict[str, Any]) -> None:
    del dataset_doc["variables_metadata"]["tp"]
    with pytest.raises(ConfigError, match="variables_metadata has no entry for 'tp'"):
        validate(DatasetMetadata, dataset_doc)
    dataset_doc["variables_metadata"]["tp"] = {"name": "q", "units": "1", "level_type": "sfc"}
    with pytest.raises(ConfigError, match=r"variables_metadata\['tp'\] has name 'q'"):
        validate(DatasetMetadata, dataset_doc)


def test_complete_dataset_needs_its_statistics_period(dataset_doc: dict[str, Any]) -> None:
    dataset_doc.update(statistics_start_date=None, statistics_end_date=None)
    with pytest.raises(ConfigError, match="complete dataset must give its statistics period"):
        validate(DatasetMetadata, dataset_doc)
    dataset_doc["complete"] = False
    assert validate(DatasetMetadata, dataset_doc).statistics_start_date is None


def test_graph_edges_must_join_known_node_sets(graph_doc: dict[str, Any]) -> None:
    graph_doc["edges"][0]["target"] = "hiden"
    with pytest.raises(ConfigError, match="refers to the node set 'hiden', which is not in nodes"):
        validate(GraphMetadata, graph_doc)


def test_graph_edge_sets_are_unique(graph_doc: dict[str, Any]) -> None:
    graph_doc["edges"].append(dict(graph_doc["edges"][0]))
    with pytest.raises(ConfigError, match=r"edges repeats '\(data, to, hidden\)'"):
        validate(GraphMetadata, graph_doc)


def test_checkpoint_indices_follow_variable_order(checkpoint_doc: dict[str, Any]) -> None:
    checkpoint = validate(CheckpointMetadata, checkpoint_doc)
    assert checkpoint.indices("prognostic") == [0, 1]
    assert checkpoint.indices("forcing") == [3]
    assert checkpoint.indices("diagnostic") == [2]
    assert checkpoint.index_of("tp") == 2
    with pytest.raises(ConfigError, match=r"no variable 't850'\. Did you mean 't_850'"):
        checkpoint.index_of("t850")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"forcing": ["cos_latitude", "2t"]}, "variable '2t' is both prognostic and forcing"),
        ({"diagnostic": ["tp", "t2m"]}, "diagnostic variable 't2m' is not in variables"),
        ({"forcing": []}, r"variable\(s\) 'cos_latitude' have no role"),
        (
            {"prognostic": [], "diagnostic": [], "forcing": ["2t", "t_850", "tp", "cos_latitude"]},
            "no output",
        ),
        (
            {"variables": ["2t", "t_850", "tp"], "forcing": [], "variables_metadata": {}},
            "statistics has 4 values per statistic but there are 3",
        ),
        ({"dataset_uuid": "00000000-0000-4000-8000-000000000000"}, "graph was built for dataset"),
        ({"multistep_input": 0}, "multistep_input = 0: expected greater than or equal to 1"),
    ],
)
def test_checkpoint_cross_field_checks(
    checkpoint_doc: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    checkpoint_doc.update(change)
    with pytest.raises(ConfigError, match=message):
        validate(CheckpointMetadata, checkpoint_doc)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lead_times": ["0h", "12h", "6h"]}, "strictly increasing"),
        ({"lead_times": ["0h", "9h"]}, "lead time '9h' is not a multiple of the timestep '6h'"),
        ({"lead_times": []}, r"lead_times = \[\]: expected at least 1 item\."),
        ({"output_format": "netcfd"}, "did you mean 'netcdf'"),
    ],
)
def test_forecast_checks(
    forecast_doc: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    forecast_doc.update(change)
    with pytest.raises(ConfigError, match=message):
        validate(ForecastMetadata, forecast_doc)


def test_newer_format_asks_to_upgrade(dataset_doc: dict[str, Any]) -> None:
    dataset_doc["format_version"] = DATASET_FORMAT_VERSION + 1
    dataset_doc["some_new_key"] = 1  # a newer format may have keys this one does not know
    with pytest.raises(FormatVersionError) as info:
        validate(DatasetMetadata, dataset_doc, source="data.zarr")
    text = str(info.value)
    assert text.startswith("data.zarr: this dataset was written by a newer fc (format 2, ")
    assert "this installation reads up to 1): upgrade fc-datasets" in text
    assert info.value.exit_code == 4


def test_newer_nested_graph_in_checkpoint_asks_to_upgrade(checkpoint_doc: dict[str, Any]) -> None:
    checkpoint_doc["graph"]["format_version"] = 99
    with pytest.raises(FormatVersionError, match=r"format 99.*upgrade fc-graphs"):
        validate(CheckpointMetadata, checkpoint_doc)


def test_older_format_must_be_migrated(
    dataset_doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DatasetMetadata, "FORMAT_VERSION", 2)
    with pytest.raises(
        ConfigError, match=r"in format 1, older than the format 2 .* migrate it first"
    ):
        validate(DatasetMetadata, dataset_doc)


def test_wrong_kind_is_one_clear_problem(graph_doc: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as info:
        validate(DatasetMetadata, graph_doc)
    assert len(info.value.problems) == 1
    assert "this is 'graph' metadata, not dataset metadata" in str(info.value)


def test_check_format_version() -> None:
    assert check_format_version({"kind": "graph", "format_version": 1}, "graph", 1) == 1
    assert check_format_version({"format_version": 1}, "graph", 3) == 1  # older: caller migrates
    with pytest.raises(
        FormatVersionError, match=r"format 3, this installation reads up to 2\): upgrade fc-models"
    ):
        check_format_version({"format_version": 3}, "checkpoint", 2)
    with pytest.raises(FormatVersionError, match="upgrade my-plugin"):
        check_format_version({"format_version": 3}, "checkpoint", 2, package="my-plugin")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"kind": "dataset"}, "no 'format_version'"),
        ({"format_version": "1"}, "format_version '1'; expected a positive integer"),
        ({"format_version": 0}, "expected a positive integer"),
        ({"kind": "graph", "format_version": 1}, "this is 'graph' metadata, not dataset metadata"),
    ],
)
def test_check_format_version_refuses_bad_documents(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_format_version(document, "dataset", 1, source="x.json")
