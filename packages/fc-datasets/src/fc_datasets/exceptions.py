"""Exception classes of fc-datasets. All derive from :class:`fc_config.exceptions.FcError`."""

from __future__ import annotations

from fc_config.exceptions import FcError

__all__ = [
    "BuildError",
    "DatasetError",
    "FcError",
    "IncompleteDatasetError",
    "LoadError",
    "SourceError",
    "StatisticsError",
]


class DatasetError(FcError):
    """Base class of the errors raised while building, reading or validating datasets."""


class SourceError(DatasetError):
    """A source (GRIB, NetCDF, zarr file) is unreadable, corrupt or lacks a variable or date."""

    exit_code = 5


class IncompleteDatasetError(DatasetError):
    """A dataset was opened, or finalised, before every one of its dates was loaded."""

    exit_code = 5


class BuildError(DatasetError):
    """Building a dataset failed (init, load or finalise); the store is left incomplete.

    The message says what went wrong and how to resume. ``exit_code`` is that of the error
    that caused it when there is one (a :class:`SourceError` keeps its 5), so that a job
    scheduler sees the same status whether the source failed directly or inside a build.
    """

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message, hint=hint)
        if exit_code is not None:
            self.exit_code = exit_code

    def __reduce__(self) -> tuple[type, tuple[str], dict[str, object]]:
        # dask.distributed sends errors back pickled: keep the full message and the status
        return (type(self), (str(self),), {"exit_code": self.exit_code})


class LoadError(BuildError):
    """Loading some dates failed: the source failed, or returned fields that do not match init."""


class StatisticsError(BuildError):
    """The statistics cannot be computed: NaNs where the recipe does not allow them, no values."""
