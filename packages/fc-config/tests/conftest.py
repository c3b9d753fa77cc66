"""Small valid documents of each kind, as plain dicts, for the tests to break one key at a time."""

from __future__ import annotations

import copy
from typing import Any

import pytest

DATASET_UUID = "5f0c2d1e-8a43-4b7e-9a54-6f1d2c3b4a59"
CHECKPOINT_UUID = "0b8f4a72-3c1d-4e5f-8a9b-1c2d3e4f5a6b"

PROVENANCE: dict[str, Any] = {
    "created": "2024-05-01T12:00:00.123456+00:00",
    "python": "3.11.7",
    "platform": "Linux-6.5.0-x86_64-with-glibc2.35",
    "packages": {"fc-config": "0.1.0", "numpy": "1.26.4"},
    "git": {
        "repository": "https://github.com/example/fc.git",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "branch": "main",
        "dirty": False,
    },
    "inputs": {"/data/era5-2020.grib": {"sha256": "ab" * 32, "size": 1024}},
    "command": ["fc-datasets", "create", "recipe.yaml", "out.zarr"],
}

GRID: dict[str, Any] = {"type": "reduced_gg", "name": "O2", "number_of_points": 88}


def _variable(
    name: str, level_type: str, level: int | None = None, grib: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "units": "K" if name.startswith("t") or name == "2t" else "1",
        "level_type": level_type,
        "level": level,
        "grib": grib or {},
    }


VARIABLES_METADATA: dict[str, Any] = {
    "2t": _variable("2t", "sfc", grib={"paramId": 167, "shortName": "2t"}),
    "t_850": _variable(
        "t_850",
        "pl",
        850,
        grib={"paramId": 130, "shortName": "t", "typeOfLevel": "isobaricInhPa", "level": 850},
    ),
    "tp": {
        **_variable("tp", "sfc", grib={"paramId": 228}),
        "process": "accumulation",
        "period": "6h",
    },
    "cos_latitude": _variable("cos_latitude", "computed"),
}

STATISTICS: dict[str, Any] = {
    "mean": [287.0, 270.0, 0.001, 0.5],
    "stdev": [12.0, 10.0, 0.002, 0.3],
    "minimum": [220.0, 210.0, 0.0, 0.0],
    "maximum": [320.0, 310.0, 0.1, 1.0],
}

DATASET: dict[str, Any] = {
    "format_version": 1,
    "kind": "dataset",
    "uuid": DATASET_UUID,
    "variables": ["2t", "t_850", "tp", "cos_latitude"],
    "variables_metadata": VARIABLES_METADATA,
    "frequency": "6h",
    "start_date": "2020-01-01T00:00:00",
    "end_date": "2020-01-31T18:00:00",
    "missing_dates": ["2020-01-10T06:00:00"],
    "ensemble_size": 1,
    "grid": GRID,
    "recipe": {"dates": {"start": "2020-01-01", "end": "2020-01-31"}, "input": {"grib": "x"}},
    "provenance": PROVENANCE,
    "licence": "CC-BY-4.0",
    "attribution": "Copernicus Climate Change Service (C3S)",
    "statistics_start_date": "2020-01-01T00:00:00",
    "statistics_end_date": "2020-01-20T18:00:00",
    "tendency_statistics": ["6h", "12h"],
    "complete": True,
}

GRAPH: dict[str, Any] = {
    "format_version": 1,
    "kind": "graph",
    "nodes": {
        "data": {"count": 88, "attributes": ["area_weight"]},
        "hidden": {"count": 42, "attributes": []},
    },
    "edges": [
        {
            "source": "data",
            "name": "to",
            "target": "hidden",
            "count": 300,
            "attributes": ["edge_length"],
        },
        {"source": "hidden", "name": "to", "target": "hidden", "count": 252, "attributes": []},
        {"source": "hidden", "name": "to", "target": "data", "count": 264, "attributes": []},
    ],
    "recipe": {"nodes": {"data": {"node_builder": "dataset"}}},
    "hash": "sha256:" + "cd" * 32,
    "dataset_uuid": DATASET_UUID,
    "provenance": PROVENANCE,
}

CHECKPOINT: dict[str, Any] = {
    "format_version": 2,
    "kind": "checkpoint",
    "uuid": CHECKPOINT_UUID,
    "model": {"processor": {"type": "gnn", "num_layers": 16}},
    "variables": ["2t", "t_850", "tp", "cos_latitude"],
    "prognostic": ["2t", "t_850"],
    "forcing": ["cos_latitude"],
    "diagnostic": ["tp"],
    "variables_metadata": VARIABLES_METADATA,
    "statistics": STATISTICS,
    "timestep": "6h",
    "multistep_input": 2,
    "grid": GRID,
    "graph": GRAPH,
    "dataset_uuid": DATASET_UUID,
    "dataset_recipe": DATASET["recipe"],
    "training": {"lr": 1e-4, "max_steps": 1000},
    "provenance": PROVENANCE,
    "tracking_run_id": "3f2a9c",
    "required_versions": {"fc-models": ">=0.1,<0.2"},
    "processing": {
        "normaliser": {"default": "mean-std", "per_variable": {"tp": "std"}},
        "bounding": [{"kind": "relu", "variables": ["tp"]}],
    },
    "tensors": {
        "model/network.weight": {"shape": [3, 8], "dtype": "float32"},
        "model/network.bias": {"shape": [3], "dtype": "float32"},
        "graph/nodes/data/coords": {"shape": [88, 2], "dtype": "float32"},
    },
    "parameter_count": 27,
}

FORECAST: dict[str, Any] = {
    "format_version": 1,
    "kind": "forecast",
    "checkpoint": {"uuid": CHECKPOINT_UUID, "path": "model.fc", "hash": "sha256:" + "ef" * 32},
    "dataset_uuid": DATASET_UUID,
    "initial_conditions": "ic.grib",
    "initial_date": "2024-01-01T00:00:00Z",
    "timestep": "6h",
    "lead_times": ["0h", "6h", "12h", "24h"],
    "output_format": "grib",
    "variables": ["2t", "t_850", "tp"],
    "provenance": PROVENANCE,
}

DOCUMENTS = {
    "dataset-metadata": DATASET,
    "graph-metadata": GRAPH,
    "checkpoint-metadata": CHECKPOINT,
    "forecast-metadata": FORECAST,
}


@pytest.fixture
def dataset_doc() -> dict[str, Any]:
    """A valid dataset-metadata document (a fresh copy, free to modify)."""
    return copy.deepcopy(DATASET)


@pytest.fixture
def graph_doc() -> dict[str, Any]:
    """A valid graph-metadata document."""
    return copy.deepcopy(GRAPH)


@pytest.fixture
def checkpoint_doc() -> dict[str, Any]:
    """A valid checkpoint-metadata document."""
    return copy.deepcopy(CHECKPOINT)


@pytest.fixture
def forecast_doc() -> dict[str, Any]:
    """A valid forecast-metadata document."""
    return copy.deepcopy(FORECAST)


@pytest.fixture
def provenance_doc() -> dict[str, Any]:
    """A provenance record as fc-utils writes it."""
    return copy.deepcopy(PROVENANCE)
