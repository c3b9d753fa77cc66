"""Metadata of a dataset: the attributes of the zarr store that fc-datasets writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, model_validator

from fc_config.common import GridDescription, Provenance, VariableMetadata
from fc_config.metadata._document import ArtifactMetadata, check_unique, check_variables_metadata
from fc_config.scalars import Frequency, UtcDatetime, duration_seconds
from fc_config.versioning import DATASET_FORMAT_VERSION

__all__ = ["DATASET_FORMAT_VERSION", "DatasetMetadata"]


class DatasetMetadata(ArtifactMetadata):
    """The attributes of an fc dataset (a zarr store of ``[date, variable, ensemble, cell]``).

    They say which variable each index of the ``variable`` dimension holds, how to write each
    back to GRIB, the dates covered, the grid, the recipe that built the store and where the
    data came from. The statistics arrays themselves live in the store, aligned with
    ``variables``.
    """

    FORMAT_KIND = "dataset"
    FORMAT_VERSION = DATASET_FORMAT_VERSION

    format_version: int = Field(DATASET_FORMAT_VERSION, ge=1)
    """Version of the dataset format this document follows."""

    kind: Literal["dataset"] = "dataset"
    """Always ``dataset``: tells the documents of different artifacts apart."""

    uuid: UUID
    """Unique identifier of this dataset; graphs and checkpoints refer to it."""

    variables: list[str] = Field(min_length=1)
    """Names of the variables, in the order of the ``variable`` dimension."""

    variables_metadata: dict[str, VariableMetadata]
    """Metadata of every variable, by name."""

    frequency: Frequency
    """Time between two consecutive dates, e.g. ``6h``."""

    start_date: UtcDatetime
    """First date (UTC)."""

    end_date: UtcDatetime
    """Last date (UTC), included."""

    missing_dates: list[UtcDatetime] = Field(default_factory=list)
    """Dates between start and end whose data is missing (stored as NaN)."""

    ensemble_size: int = Field(1, ge=1)
    """Number of ensemble members (1 for a deterministic dataset)."""

    grid: GridDescription
    """The horizontal grid."""

    recipe: dict[str, Any] = Field(default_factory=dict)
    """The validated recipe that built the dataset, as written by fc-datasets."""

    provenance: Provenance
    """Where and how the dataset was built."""

    licence: str = Field(min_length=1)
    """Licence of the data (an SPDX identifier such as ``CC-BY-4.0``, or its text)."""

    attribution: str = Field(min_length=1)
    """Attribution the licence requires (e.g. ``Copernicus Climate Change Service (C3S)``)."""

    statistics_start_date: UtcDatetime | None = None
    """First date of the period the statistics were computed over; ``None`` until computed."""

    statistics_end_date: UtcDatetime | None = None
    """Last date of the statistics period, included; ``None`` until computed."""

    tendency_statistics: list[Frequency] = Field(default_factory=list)
    """Time deltas (multiples of ``frequency``) for which tendency statistics are stored."""

    complete: bool = False
    """Whether every part of the dataset has been written and its statistics computed."""

    @property
    def number_of_dates(self) -> int:
        """Number of dates from ``start_date`` to ``end_date`` at ``frequency``."""
        step = timedelta(seconds=duration_seconds(self.frequency))
        return (self.end_date - self.start_date) // step + 1

    @model_validator(mode="after")
    def _consistent(self) -> DatasetMetadata:
        check_unique(self.variables, "variables")
        check_variables_metadata(self.variables_metadata, self.variables, complete=True)
        self._check_dates()
        self._check_statistics_period()
        step = duration_seconds(self.frequency)
        check_unique(self.tendency_statistics, "tendency_statistics")
        for delta in self.tendency_statistics:
            if duration_seconds(delta) % step:
                raise ValueError(
                    f"tendency delta {delta!r} is not a multiple of the frequency {self.frequency!r}"
                )
        return self

    def _on_grid(self, date: Any, step: int) -> bool:
        return (date - self.start_date).total_seconds() % step == 0

    def _check_dates(self) -> None:
        step = duration_seconds(self.frequency)
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        if not self._on_grid(self.end_date, step):
            raise ValueError(
                f"end_date {self.end_date} is not start_date {self.start_date} plus a whole number "
                f"of {self.frequency}"
            )
        for date in self.missing_dates:
            if not self.start_date <= date <= self.end_date or not self._on_grid(date, step):
                raise ValueError(
                    f"missing date {date} is not one of the dataset's dates "
                    f"({self.start_date} to {self.end_date} every {self.frequency})"
                )
        check_unique([d.isoformat() for d in self.missing_dates], "missing_dates")

    def _check_statistics_period(self) -> None:
        start, end = self.statistics_start_date, self.statistics_end_date
        if (start is None) != (end is None):
            raise ValueError("give both statistics_start_date and statistics_end_date, or neither")
        if start is None or end is None:
            if self.complete:
                raise ValueError("a complete dataset must give its statistics period")
            return
        if end < start:
            raise ValueError(f"statistics_end_date {end} is before statistics_start_date {start}")
        if start < self.start_date or end > self.end_date:
            raise ValueError(
                f"the statistics period {start} to {end} is not within the dataset's dates "
                f"{self.start_date} to {self.end_date}"
            )
