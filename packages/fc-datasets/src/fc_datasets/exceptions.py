"""Exception classes of fc-datasets. All derive from :class:`fc_config.exceptions.FcError`."""

from __future__ import annotations

from fc_config.exceptions import FcError

__all__ = ["DatasetError", "FcError", "IncompleteDatasetError", "SourceError"]


class DatasetError(FcError):
    """Base class of the errors raised while building, reading or validating datasets."""


class SourceError(DatasetError):
    """A source (GRIB, NetCDF, zarr file) is unreadable, corrupt or lacks a variable or date."""

    exit_code = 5


class IncompleteDatasetError(DatasetError):
    """A dataset was opened before `finalise` marked it complete."""

    exit_code = 5
