"""Checkpoint metadata, format 2: processing, tensor inventory and parameter count."""

from __future__ import annotations

from typing import Any

import pytest

from fc_config import CHECKPOINT_FORMAT_VERSION, CheckpointMetadata, ConfigError, validate


def test_format_2_is_current(checkpoint_doc: dict[str, Any]) -> None:
    assert CHECKPOINT_FORMAT_VERSION == 2
    metadata = validate(CheckpointMetadata, checkpoint_doc)
    assert metadata.processing.normaliser.method_of("tp") == "std"
    assert metadata.tensors["model/network.weight"].numel == 24
    assert metadata.tensors["graph/nodes/data/coords"].shape == [88, 2]


@pytest.mark.parametrize("key", ["processing", "tensors", "parameter_count"])
def test_format_2_keys_are_required(checkpoint_doc: dict[str, Any], key: str) -> None:
    del checkpoint_doc[key]
    with pytest.raises(ConfigError, match=f"{key}: required key is missing"):
        validate(CheckpointMetadata, checkpoint_doc)


def test_a_format_1_document_must_be_migrated(checkpoint_doc: dict[str, Any]) -> None:
    checkpoint_doc["format_version"] = 1
    with pytest.raises(ConfigError, match=r"in format 1, older than the format 2 .* migrate it"):
        validate(CheckpointMetadata, checkpoint_doc)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"tensors": {"weights/x": {"shape": [1], "dtype": "float32"}}},
            "tensor 'weights/x' is neither under 'model/'",
        ),
        (
            {"parameter_count": 1000},
            "parameter_count is 1000, but the model's tensors hold only 27",
        ),
        (
            {"tensors": {"model/w": {"shape": [2, -1], "dtype": "float32"}}},
            r"shape \[2, -1\] has a negative size",
        ),
        (
            {"tensors": {"model/w": {"shape": [2], "dtype": "float128"}}},
            "did you mean 'float32'",
        ),
        (
            {"processing": {"bounding": [{"kind": "relu"}]}},
            r"processing.bounding\[0\].*variables: required key is missing",
        ),
    ],
)
def test_inconsistent_documents_are_refused(
    checkpoint_doc: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    checkpoint_doc.update(change)
    with pytest.raises(ConfigError, match=message):
        validate(CheckpointMetadata, checkpoint_doc)
