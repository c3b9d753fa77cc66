"""Metadata of a forecast: which checkpoint made it, from which initial conditions."""

from __future__ import annotations

import itertools
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from fc_config.base import FcModel
from fc_config.common import Provenance
from fc_config.metadata._document import ArtifactMetadata, check_unique
from fc_config.scalars import Duration, Frequency, HexDigest, UtcDatetime, duration_seconds
from fc_config.versioning import FORECAST_FORMAT_VERSION

__all__ = ["FORECAST_FORMAT_VERSION", "CheckpointReference", "ForecastMetadata", "OutputFormat"]

OutputFormat = Literal["netcdf", "grib", "zarr"]


class CheckpointReference(FcModel):
    """Identity of the checkpoint that made a forecast."""

    uuid: UUID
    """``uuid`` of the checkpoint (from its metadata)."""

    path: str | None = None
    """Path or URL the checkpoint was read from."""

    hash: HexDigest | None = None
    """Hash of the checkpoint file, e.g. ``sha256:3f2a...``."""


class ForecastMetadata(ArtifactMetadata):
    """The metadata every forecast output carries, whatever its format.

    With it any forecast traces back to its checkpoint, and through the checkpoint to the
    graph, the dataset and the recipe.
    """

    FORMAT_KIND = "forecast"
    FORMAT_VERSION = FORECAST_FORMAT_VERSION

    format_version: int = Field(FORECAST_FORMAT_VERSION, ge=1)
    """Version of the forecast format this document follows."""

    kind: Literal["forecast"] = "forecast"
    """Always ``forecast``: tells the documents of different artifacts apart."""

    checkpoint: CheckpointReference
    """The checkpoint that made the forecast."""

    dataset_uuid: UUID | None = None
    """``uuid`` of the dataset the model was trained on."""

    initial_conditions: str | None = None
    """Where the initial conditions were read from (a path, a dataset, a URL)."""

    initial_date: UtcDatetime
    """Date of the initial conditions (UTC); lead times count from it."""

    timestep: Frequency
    """Model timestep, e.g. ``6h``."""

    lead_times: list[Duration] = Field(min_length=1)
    """Lead times of the output steps, increasing, each a multiple of ``timestep`` (``0h`` is
    the initial state)."""

    output_format: OutputFormat
    """Format of the output: ``netcdf`` (CF), ``grib`` (GRIB2) or ``zarr``."""

    variables: list[str] = Field(min_length=1)
    """Variables written, in output order."""

    ensemble_size: int = Field(1, ge=1)
    """Number of ensemble members (1 for a deterministic forecast)."""

    provenance: Provenance
    """Where and how the forecast was made."""

    @model_validator(mode="after")
    def _consistent(self) -> ForecastMetadata:
        check_unique(self.variables, "variables")
        step = duration_seconds(self.timestep)
        seconds = [duration_seconds(lead) for lead in self.lead_times]
        for lead, value in zip(self.lead_times, seconds, strict=True):
            if value % step:
                raise ValueError(
                    f"lead time {lead!r} is not a multiple of the timestep {self.timestep!r}"
                )
        if any(later <= earlier for earlier, later in itertools.pairwise(seconds)):
            raise ValueError("lead_times must be strictly increasing")
        return self
