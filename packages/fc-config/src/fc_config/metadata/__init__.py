"""Metadata schemas of fc's versioned artifacts: datasets, graphs, checkpoints, forecasts."""

from __future__ import annotations

from fc_config.metadata._document import ArtifactMetadata
from fc_config.metadata.checkpoint import CheckpointMetadata, VariableRole
from fc_config.metadata.dataset import DatasetMetadata
from fc_config.metadata.forecast import CheckpointReference, ForecastMetadata, OutputFormat
from fc_config.metadata.graph import EdgeSetInfo, GraphMetadata, NodeSetInfo

__all__ = [
    "ArtifactMetadata",
    "CheckpointMetadata",
    "CheckpointReference",
    "DatasetMetadata",
    "EdgeSetInfo",
    "ForecastMetadata",
    "GraphMetadata",
    "NodeSetInfo",
    "OutputFormat",
    "VariableRole",
]
